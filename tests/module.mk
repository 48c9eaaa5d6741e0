# Tests. `make check` runs the unit tests; `make test` runs every suite
# through tests/run.sh, which closes with one `N passed, N failed` line.
#
#   unit       tests/unit/<module>/test_*.c, cmocka, on the host
#   fuzz       tests/fuzz/<parser>.c, libFuzzer, a bounded smoke run
#   build      tests/build/bad-input.sh: wrong BOARD, missing tool, corrupt source, make lock's choices
#   image      tests/image/run.sh: static checks of the A20 images (and corrupted copies);
#              tests/image/flash.sh: make flash refuses what is not a card
#   qemu       tests/qemu/boot.sh BOARD: the image boots to the guest and shuts down cleanly;
#              tests/qemu/echo.sh BOARD: DHCP, ping from dom0, 1 MiB TCP echo via a forward
#              tests/qemu/uboot-key.sh BOARD: a key held at power-on stops U-Boot at its prompt

TEST_BOARDS_IMAGE := cubieboard2 cubietruck orangepi-pc
TEST_BOARDS_QEMU := qemu-virt orangepi-pc

include tests/unit/module.mk

.PHONY: test check test-image test-qemu test-build format
# Apply .clang-format to the project's own C (every tracked .c and .h).
format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i
check: $(UNIT_BINS)
	@tests/run.sh $(foreach t,$(UNIT_BINS),"tests/unit/run-cmocka.sh $(t)")

test-build:
	@tests/run.sh tests/build/bad-input.sh

test-image: $(foreach b,$(TEST_BOARDS_IMAGE),$(OUT)/$(b).img)
	@OUT=$(OUT) tests/run.sh "tests/image/run.sh $(TEST_BOARDS_IMAGE)"

test-qemu: $(foreach b,$(TEST_BOARDS_QEMU),$(OUT)/$(b).img)
	@tests/run.sh $(foreach b,$(TEST_BOARDS_QEMU),"tests/qemu/boot.sh $(b)")

# wolfSSL's own wolfCrypt test in the test build of the guest
# (tls/wolfcrypt.mk), and its benchmark, which reports the numbers of the
# same kind of boot (qemu-virt only: one boot each).
TEST_DEPS += $(B)/image/test/qemu-virt.img
TEST_SUITES += "tests/qemu/wolfcrypt.sh qemu-virt"
BENCH_DEPS += $(B)/image/test/qemu-virt.img
BENCH_SUITES += "tests/bench/wolfcrypt.sh qemu-virt"

# Git smart HTTP in the guest (issue 10): real git clones from and pushes to
# qemu-virt's test image with its password (out/qemu-virt.password), the
# guest destroyed by dom0 in the middle of a 10 MiB push (selftest=destroy,
# test images only), a 30 MiB push with the heap watched; one boot, about
# three minutes.
TEST_DEPS += $(B)/image/test/qemu-virt.img $(OUT)/qemu-virt.password $(STORECTL)
TEST_SUITES += "STORECTL=$(STORECTL) tests/qemu/git.sh qemu-virt"

# Git clients other than git against the twin (issue 10): dulwich (Debian)
# and isomorphic-git under Node, which `npm ci` installs from
# tests/clients/package-lock.json into $(B)/clients, never the source tree.
GIT_CLIENTS := $(B)/clients
GIT_CLIENTS_NPM := $(addprefix tests/clients/,package.json package-lock.json .npmrc)
$(GIT_CLIENTS)/.installed: $(GIT_CLIENTS_NPM) | $(SETUP)
	@echo "npm: ci $(@D)"
	@rm -rf $(@D) && mkdir -p $(@D) && cp $^ $(@D)/ && \
		npm ci --prefix $(@D) --loglevel=error >/dev/null && touch $@
TEST_DEPS += $(GIT_CLIENTS)/.installed $(HOST_OUT)/appliance-san $(STORECTL)
TEST_SUITES += "tests/host/git-clients.sh $(HOST_OUT)/appliance-san $(STORECTL) $(GIT_CLIENTS)/node_modules"

# The client suite (tests/clients/suite.sh, issue 13): the same checks of
# HTTP, HTTPS, Git and DNS against the twin (tests/host/clients.sh), the
# guest in QEMU (tests/qemu/dns.sh's boot) and a board on the LAN:
#   make test-live HOST=ADDRESS [PASSWORD_FILE=FILE]   the suite
#   make bench-live HOST=ADDRESS                        the load benchmarks,
#                                      into $(OUT)/bench/live.md
# (tests/host/clients.sh runs both against the twin, named in its namespace.)
TEST_DEPS += $(HOST_OUT)/appliance-san $(STORECTL)
TEST_SUITES += "tests/host/clients.sh $(HOST_OUT)/appliance-san $(STORECTL)"

# Months without a restart (tests/host/uptime.sh): the twin's clock started
# 15 s before lwIP's 32-bit millisecond clock wraps (49.7 days), some of
# its TCP segments lost so that only lwIP's timers deliver them; HTTPS and
# DNS across the wrap, 1 MiB and the client suite after it.
TEST_SUITES += "tests/host/uptime.sh $(HOST_OUT)/appliance-san $(STORECTL)"
.PHONY: test-live bench-live
test-live bench-live: live-host
.PHONY: live-host
live-host: | $(SETUP)
	@[ -n "$(HOST)" ] || { echo "usage: make $(filter test-live bench-live,$(MAKECMDGOALS)) HOST=ADDRESS (the board's address or name)" >&2; exit 2; }
test-live:
	@PASSWORD_FILE="$(PASSWORD_FILE)" tests/run.sh "tests/clients/suite.sh $(HOST)"
bench-live:
	@tests/bench/run.sh $(OUT)/bench/live.md "tests/bench/live.sh $(HOST)"

# Every module adds its suites to TEST_SUITES (commands that print
# `N passed, N failed`) and what they need built to TEST_DEPS.
TEST_DEPS += $(UNIT_BINS) $(FUZZ_BINS) $(UNIT_OUT)/corpus/dtb/.seeded images
TEST_SUITES := $(foreach t,$(UNIT_BINS),"tests/unit/run-cmocka.sh $(t)") \
	"tests/fuzz/run.sh $(UNIT_OUT) -runs=$(FUZZ_SMOKE_RUNS) -max_total_time=$(FUZZ_SMOKE_SECONDS)" \
	tests/build/bad-input.sh \
	tests/style/format.sh \
	tests/style/printf.sh \
	"OUT=$(OUT) tests/image/run.sh $(TEST_BOARDS_IMAGE)" \
	"OUT=$(OUT) tests/image/flash.sh" \
	"OUT=$(OUT) tests/store/image.sh $(STORECTL) $(TEST_BOARDS_IMAGE) qemu-virt" \
	$(TEST_SUITES) \
	$(foreach b,$(TEST_BOARDS_QEMU),"tests/qemu/boot.sh $(b)" "tests/qemu/echo.sh $(b)") \
	"OUT=$(OUT) tests/qemu/uboot-key.sh orangepi-pc"

# Everything is built first (one make graph), then every suite runs even if
# an earlier one failed, so one report shows all failures.
# (make reads this file once, at its start: the build's time is from then.)
TEST_MAKE_START := $(shell date +%s)
test: $(TEST_DEPS)
	@TEST_MAKE_START=$(TEST_MAKE_START) tests/run.sh $(TEST_SUITES)

# Benchmarks: modules append commands to BENCH_SUITES (each prints a Markdown
# section of numbers) and their prerequisites to BENCH_DEPS.
BENCH_DEPS += images
BENCH_DEPS += $(STORECTL) $(B)/src/u-boot/.unpacked
BENCH_SUITES += "store/bench.sh $(STORECTL) $(B)/src/u-boot $(B)/store/bench >&2 && cat $(B)/store/bench/results.md"
BENCH_DEPS += $(B)/image/test/qemu-virt.img $(STORECTL)
BENCH_SUITES := tests/bench/sizes.sh "tests/bench/boot.sh $(TEST_BOARDS_QEMU)" \
	"tests/bench/guest-net.sh qemu-virt" "STORECTL=$(STORECTL) tests/bench/store-stall.sh qemu-virt" \
	$(BENCH_SUITES)
.PHONY: bench
bench: $(BENCH_DEPS)
	@tests/bench/run.sh $(OUT)/bench/results.md $(BENCH_SUITES)
# The twin's HTTP and HTTPS beside nginx. (bench's prerequisites were read
# above; the twin and storectl are in them already, through plat/ and store/.)
BENCH_DEPS += $(HOST_OUT)/appliance $(STORECTL)
BENCH_SUITES += "tests/bench/http-nginx.sh $(HOST_OUT)/appliance $(STORECTL)"
# The twin's HTTPS with 0-10% of its TCP segments lost (lwIP's recovery).
BENCH_SUITES += "tests/bench/loss.sh $(HOST_OUT)/appliance $(STORECTL)"
# The twin's Git smart HTTP (clone, fetch, push, peak memory) beside git
# http-backend behind nginx and fcgiwrap (issue 10); same prerequisites.
BENCH_SUITES += "tests/bench/git-http.sh $(HOST_OUT)/appliance $(STORECTL)"

# The guest's HTTP and HTTPS server in QEMU: requests/s, handshakes/s and
# the heap a connection holds. (It boots out/qemu-virt.img and adds files to
# the store of a copy with storectl: both in bench's prerequisites above.)
BENCH_SUITES += "STORECTL=$(STORECTL) tests/bench/guest-https.sh qemu-virt"

# Git smart HTTP served by the guest in QEMU (issue 10): clone of the seeded
# site and of the 5,000-file repository of git-http.sh (generated there,
# cached in $(B)/bench/gitrepo), push of a commit changing 1,000 files;
# two qemu-virt boots of copies of the image (built above, with storectl).
BENCH_SUITES += "STORECTL=$(STORECTL) tests/bench/guest-git.sh qemu-virt"

# Our guest beside a Linux domU with nginx and nsd in the same QEMU run on
# the same Xen (issue 13 item 6; hypervisor/linux-domu/ builds the domU,
# included after this file, hence bench's own line for its files).
bench: $(addprefix $(B)/linux-domu/linux-domu.,zImage initrd cfg)
BENCH_SUITES += "STORECTL=$(STORECTL) tests/bench/side-by-side.sh qemu-virt"

# Faults (issue 13 item 5): the guest destroyed by dom0 in the middle of
# pushes (selftest=destroy-loop), 10 times in make test and 50 in
# `make faults`, every acknowledged push there after each restart and
# nothing else; a full store, on the twin and in QEMU: a push past capacity
# refused with the numbers, reads going on, compaction making room.
TEST_DEPS += $(B)/image/test/qemu-virt.img $(OUT)/qemu-virt.password $(STORECTL) $(HOST_OUT)/appliance-san
TEST_SUITES += "STORECTL=$(STORECTL) tests/qemu/faults.sh qemu-virt 10" \
	"STORECTL=$(STORECTL) tests/qemu/store-full.sh qemu-virt" \
	"tests/host/store-full.sh $(HOST_OUT)/appliance-san $(STORECTL)"
.PHONY: faults
faults: $(B)/image/test/qemu-virt.img $(OUT)/qemu-virt.password $(STORECTL)
	@STORECTL=$(STORECTL) tests/run.sh "tests/qemu/faults.sh qemu-virt 50"

# Soak and error loops against qemu-virt in QEMU (issue 13 items 3 and 4,
# tests/qemu/soak.sh): one boot on a TAP in a namespace, mixed HTTP, HTTPS
# (new and resumed), DNS over UDP and TCP, git fetch and push, /metrics
# sampled and plotted, then the error loops on the same boot.
# `make soak DURATION=SECONDS` (default an hour) writes samples.csv, the
# chart and summary.txt to $(OUT)/soak; make test runs a 3-minute slice
# (about 5.5 minutes with its boot and the error loops).
DURATION ?= 3600
ifneq ($(filter soak,$(MAKECMDGOALS)),)
ifeq ($(shell echo '$(DURATION)' | grep -Ex '[1-9][0-9]{0,6}'),)
$(error DURATION must be a positive whole number of seconds (at most 9999999), not '$(DURATION)')
endif
endif
.PHONY: soak
soak: $(OUT)/qemu-virt.img $(STORECTL)
	@SOAK_OUT=$(OUT)/soak STORECTL=$(STORECTL) tests/run.sh "tests/qemu/soak.sh qemu-virt $(DURATION)"
TEST_DEPS += $(OUT)/qemu-virt.img $(STORECTL)
TEST_SUITES += "STORECTL=$(STORECTL) tests/qemu/soak.sh qemu-virt 180"

# The vif detached and reattached by dom0 three times (issue 13 item 5,
# selftest=vif on the test image): the guest's netfront lets go and
# connects again, networking recovers without a restart (tests/qemu/vif.sh).
# make test runs it with DHCP, which checks all the static run does and
# that the guest keeps its lease across each cycle (`tests/qemu/vif.sh
# qemu-virt` runs it with a static address).
TEST_DEPS += $(B)/image/test/qemu-virt.img
TEST_SUITES += "tests/qemu/vif.sh qemu-virt dhcp"
