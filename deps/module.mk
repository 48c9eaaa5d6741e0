# Set-up: pinned host tools, armhf packages and source packages.
DEPS_LOCK := deps/packages.lock
DEPS_ARMHF := $(shell awk '$$1 == "armhf" { print $$2 }' $(DEPS_LOCK))

# One `apt-get update` per make run, whatever number of packages it fetches
# (deps/fetch.sh): the run's stamp file.
export APT_UPDATED := $(abspath $(B))/.stamp/apt-updated-$(shell date +%s%N)

.PHONY: setup lock
setup: $(SETUP)

# Checked on every run (deps/need.sh is a few `command -v`s); the stamp is
# only touched when the lock changed, so nothing rebuilds needlessly.
$(SETUP): FORCE
	@if [ ! -f $@ ] || [ $(DEPS_LOCK) -nt $@ ]; then \
		echo "setup: host tools from $(DEPS_LOCK)" && deps/fetch.sh host && \
		mkdir -p $(@D) && touch $@; fi
	@deps/need.sh

.PHONY: FORCE
FORCE:

# $(B)/.lock/GROUP-NAME holds the lock lines of one package (or of a whole
# group, as GROUP-all), rewritten only when they change, so moving one pin
# rebuilds only what uses that package.
DEPS_SRC := $(sort $(shell awk '$$1 == "src" { print $$2 }' $(DEPS_LOCK)))
DEPS_LOCK_STAMPS := $(B)/.lock/armhf-all $(addprefix $(B)/.lock/src-,$(DEPS_SRC))
$(DEPS_LOCK_STAMPS): $(B)/.lock/%: $(DEPS_LOCK)
	@mkdir -p $(@D)
	@g=$(firstword $(subst -, ,$*)); n=$(patsubst $(firstword $(subst -, ,$*))-%,%,$*); \
		awk -v g="$$g" -v n="$$n" '$$1 == g && (n == "all" || $$2 == n)' $(DEPS_LOCK) >$@.tmp; \
		cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# armhf packages for dom0, downloaded and verified into $(CACHE)/debs.
$(B)/.stamp/debs: $(B)/.lock/armhf-all | $(SETUP)
	@deps/fetch.sh armhf $(DEPS_ARMHF)
	@mkdir -p $(@D) && touch $@

# $(B)/src/NAME/.unpacked: a pinned Debian source package with its patches.
$(B)/src/%/.unpacked: $(B)/.lock/src-% | $(SETUP)
	@deps/fetch.sh src $* $(B)/src/$*
	@touch $@

lock:
	deps/lock.sh
