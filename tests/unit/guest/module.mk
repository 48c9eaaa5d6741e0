# Host unit tests of the guest's pure-logic parts: the DTB reader and the
# ring index arithmetic. Built with the host compiler and sanitizers, so an
# out-of-bounds read on a malformed DTB fails the run.
#
#   make guest-unit      build and run through tests/unit/run-cmocka.sh
#
# The binary joins UNIT_BINS, which `make check` and `make test` run.

GUEST_UNIT_OUT := $(B)/tests/unit/guest
GUEST_UNIT_CC ?= cc
GUEST_UNIT_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -Iguest

UNIT_BINS += $(GUEST_UNIT_OUT)/test_dtb

.PHONY: guest-unit
guest-unit: $(GUEST_UNIT_OUT)/test_dtb
	tests/unit/run-cmocka.sh $(GUEST_UNIT_OUT)/test_dtb

$(GUEST_UNIT_OUT)/test_dtb: tests/unit/guest/test_dtb.c guest/dtb/dtb.c \
		guest/dtb/dtb.h guest/xen/ring.h
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(GUEST_UNIT_CC) $(GUEST_UNIT_CFLAGS) $(filter %.c,$^) -lcmocka -o $@
