# Host unit tests: tests/unit/<module>/test_*.c with cmocka, built with
# AddressSanitizer and UBSan so a stray access fails the test.
UNIT_OUT := $(B)/unit
UNIT_CC := gcc
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT_FIXTURES := $(UNIT_OUT)/fixtures

# The guest's DTB reader, against a Xen-domU-shaped fixture and the boards' DTBs.
UNIT_DTB_FIXTURES := $(UNIT_FIXTURES)/fixture.dtb \
	$(addprefix $(UNIT_FIXTURES)/,sun7i-a20-cubieboard2.dtb sun7i-a20-cubietruck.dtb sun8i-h3-orangepi-pc.dtb)

$(UNIT_FIXTURES)/%.dtb: tests/unit/guest/%.dts | $(SETUP)
	@mkdir -p $(@D)
	@dtc -q -I dts -O dtb -o $@ $<

$(UNIT_FIXTURES)/%.dtb: $(B)/dom0/dtb/%.dtb
	@mkdir -p $(@D)
	@cp $< $@

$(UNIT_OUT)/test_dtb: tests/unit/guest/test_dtb.c guest/dtb/dtb.c guest/dtb/dtb.h \
		$(UNIT_DTB_FIXTURES) tests/unit/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Iguest -DFIXTURE_DIR='"$(UNIT_FIXTURES)"' \
		tests/unit/guest/test_dtb.c guest/dtb/dtb.c -lcmocka -o $@

UNIT_BINS += $(UNIT_OUT)/test_dtb

# dom0's domain builder's device tree (read back with the guest's reader),
# xl configuration subset and guest configuration file.
LAUNCH_PURE := hypervisor/dom0/launch-cfg.c hypervisor/dom0/launch-dtb.c hypervisor/dom0/launch-xs.c
$(UNIT_OUT)/test_launch: tests/unit/dom0/test_launch.c $(LAUNCH_PURE) hypervisor/dom0/launch.h \
		guest/board.c guest/board.h guest/dtb/dtb.c guest/dtb/dtb.h tests/unit/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Iguest -Ihypervisor/dom0 tests/unit/dom0/test_launch.c \
		$(LAUNCH_PURE) guest/board.c guest/dtb/dtb.c -lcmocka -o $@

UNIT_BINS += $(UNIT_OUT)/test_launch

# Its parsers fuzzed: tests/fuzz/launch_cfg.c, seeded with guest.cfg, a
# guest configuration file and the lines the init passes.
$(UNIT_OUT)/fuzz_launch_cfg: tests/fuzz/launch_cfg.c $(LAUNCH_PURE) hypervisor/dom0/launch.h | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Ihypervisor/dom0 tests/fuzz/launch_cfg.c $(LAUNCH_PURE) -o $@
$(UNIT_OUT)/corpus/launch_cfg/.seeded: $(wildcard tests/fuzz/corpus/launch_cfg/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(UNIT_OUT)/fuzz_launch_cfg
TEST_DEPS += $(UNIT_OUT)/corpus/launch_cfg/.seeded
fuzz: $(UNIT_OUT)/corpus/launch_cfg/.seeded

# Fuzz targets (libFuzzer): tests/fuzz/<parser>.c. `make fuzz` runs each for
# FUZZ_SECONDS; `make test` runs a bounded smoke of FUZZ_SMOKE_RUNS inputs
# from a corpus seeded with the fixtures.
FUZZ_CC := clang
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_RUNS ?= 100000
# ... or this long per target, whichever comes first (receive-pack's target
# reopens a store per input: about 1,000 runs a second).
FUZZ_SMOKE_SECONDS ?= 30
FUZZ_BINS += $(UNIT_OUT)/fuzz_dtb

$(UNIT_OUT)/fuzz_dtb: tests/fuzz/dtb.c guest/dtb/dtb.c guest/dtb/dtb.h | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Iguest tests/fuzz/dtb.c guest/dtb/dtb.c -o $@

$(UNIT_OUT)/corpus/dtb/.seeded: $(UNIT_DTB_FIXTURES)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@

.PHONY: fuzz
fuzz: $(FUZZ_BINS) $(UNIT_OUT)/corpus/dtb/.seeded
	@tests/fuzz/run.sh $(UNIT_OUT) -max_total_time=$(FUZZ_SECONDS)

# The guest's shared-ring index arithmetic (guest/xen/ring.h), header-only.
$(UNIT_OUT)/test_ring: tests/unit/guest/test_ring.c guest/xen/ring.h tests/unit/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Iguest tests/unit/guest/test_ring.c -lcmocka -o $@
UNIT_BINS += $(UNIT_OUT)/test_ring
