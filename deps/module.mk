# Set-up: pinned host tools, armhf packages and source packages.
DEPS_LOCK := deps/packages.lock
DEPS_ARMHF := $(shell awk '$$1 == "armhf" { print $$2 }' $(DEPS_LOCK))

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

# armhf packages for dom0, downloaded and verified into $(CACHE)/debs.
$(B)/.stamp/debs: $(SETUP) $(DEPS_LOCK)
	@deps/fetch.sh armhf $(DEPS_ARMHF)
	@mkdir -p $(@D) && touch $@

# $(B)/src/NAME/.unpacked: a pinned Debian source package with its patches.
$(B)/src/%/.unpacked: $(SETUP) $(DEPS_LOCK)
	@deps/fetch.sh src $* $(B)/src/$*
	@touch $@

lock:
	deps/lock.sh
