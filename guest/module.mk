# The unikernel guest: a zImage-format ARM32 Xen PV guest.
#
#   make guest    $(B)/guest/guest.zImage (and guest.elf, with symbols)
#
# Built with Debian's bare-metal arm-none-eabi-gcc against its newlib multilib
# thumb/v7ve+simd/hard (Cortex-A7/A15 with NEON, hard-float ABI). Our C is
# Thumb-2 like that newlib; the boot code in arch/arm32/head.S is ARM, as the
# zImage entry convention requires. Xen's public headers come from the pinned
# Xen source ($(B)/src/xen), never from a copy.

GUEST_SRC := guest
GUEST_OUT := $(B)/guest
GUEST_CC := arm-none-eabi-gcc
GUEST_OBJCOPY := arm-none-eabi-objcopy
GUEST_STRIP := arm-none-eabi-strip

GUEST_ARCH_FLAGS := -mthumb -march=armv7ve+simd -mfloat-abi=hard -mfpu=auto
# -funwind-tables: the panic path's backtrace reads the EHABI tables
# (arch/arm32/unwind.c); Thumb-2 code has no usable frame-pointer chain.
# -Wframe-larger-than: a frame bigger than the stack's 4 KiB guard page
# (guest.ld) could step over it into BSS without touching it. Every guest
# build of ours has it (net/, store/, tls/ too; an error there as here),
# third-party code the warning alone.
GUEST_FRAME_WARN := -Wframe-larger-than=4096
GUEST_CFLAGS := $(GUEST_ARCH_FLAGS) -O2 -g -std=gnu11 \
	-Wall -Wextra -Werror -Wno-unused-parameter $(GUEST_FRAME_WARN) \
	-ffunction-sections -fdata-sections -fno-common -funwind-tables \
	-I$(GUEST_SRC) -I$(GUEST_OUT) -I. -idirafter $(B)/src/xen/xen/include \
	-D__XEN_INTERFACE_VERSION__=0x00040e00 -MMD -MP
# Code that runs before the MMU is on must not rely on unaligned accesses
# (memory is Strongly-ordered then) nor on compiler-generated library calls.
GUEST_EARLY_CFLAGS := -ffreestanding -mno-unaligned-access \
	-fno-tree-loop-distribute-patterns
GUEST_LDFLAGS := $(GUEST_ARCH_FLAGS) -nostartfiles -static \
	-T $(GUEST_SRC)/guest.ld -Wl,--gc-sections -Wl,-Map=$(GUEST_OUT)/guest.map \
	-Wl,--no-warn-rwx-segments

GUEST_ASM := arch/arm32/head.S arch/arm32/vectors.S xen/hypercall.S
GUEST_C := arch/arm32/mmu.c arch/arm32/exception.c arch/arm32/unwind.c \
	arch/arm32/timer.c arch/arm32/gic.c arch/arm32/boot.c \
	dtb/dtb.c board.c libc/syscalls.c rng/drbg.c \
	xen/xen.c xen/events.c xen/console.c xen/gnttab.c \
	xen/xs_wire.c xen/xenstore.c xen/xenbus.c xen/shutdown.c \
	xen/blkfront.c xen/blkfront_xs.c xen/netfront.c xen/netfront_xs.c \
	entropy.c plat_xen.c selftest.c selftest_store.c stack.c main.c
# Files whose code runs with the MMU off.
GUEST_EARLY_C := arch/arm32/mmu.c arch/arm32/boot.c

GUEST_OBJS := $(addprefix $(GUEST_OUT)/,$(GUEST_ASM:.S=.o) $(GUEST_C:.c=.o))

# The version printed in the banner: `git describe` when the tree has
# history, else guest/VERSION. version.h is rewritten only when the
# string changes, so an unchanged tree relinks nothing.
GUEST_VERSION := $(shell git describe --always --dirty 2>/dev/null || cat $(GUEST_SRC)/VERSION 2>/dev/null || echo unversioned)

.PHONY: guest guest-version
guest: $(GUEST_OUT)/guest.zImage

$(GUEST_OUT)/version.h: guest-version
	@mkdir -p $(@D)
	@printf '#define GUEST_VERSION "%s"\n' '$(GUEST_VERSION)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(GUEST_OUT)/main.o: $(GUEST_OUT)/version.h

$(addprefix $(GUEST_OUT)/,$(GUEST_EARLY_C:.c=.o)): GUEST_CFLAGS += $(GUEST_EARLY_CFLAGS)

$(GUEST_OUT)/%.o: $(GUEST_SRC)/%.c $(B)/src/xen/.unpacked $(GUEST_SRC)/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "guest: CC $<"
	@$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/%.o: $(GUEST_SRC)/%.S $(B)/src/xen/.unpacked $(GUEST_SRC)/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "guest: AS $<"
	@$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

# The services: app_start() (app/app.c) and everything it starts, in the
# library net/module.mk builds. main.c calls app_start(), so the link takes
# what it needs from the archives (a group: net and tls call each other).
GUEST_LIBS = $(NET_GUEST_LIB) $(STORE_OUT)/guest/libstore.a $(TLS_OUT)/guest/libwolfssl.a
GUEST_LIBS_LDFLAGS =

# The link of guest.elf in $(@D) from the objects among the prerequisites.
define guest_link
	@echo "guest: LD $@"
	@$(GUEST_CC) $(filter-out -Wl$(comma)-Map=%,$(GUEST_LDFLAGS)) -Wl,-Map=$(@D)/guest.map \
		$(GUEST_LIBS_LDFLAGS) $(filter %.o,$^) -Wl,--start-group $(GUEST_LIBS) -Wl,--end-group \
		-o $@ -lc -lm -lgcc
endef
comma := ,

$(GUEST_OUT)/guest.elf: $(GUEST_OBJS) $(GUEST_SRC)/guest.ld $(GUEST_LIBS)
	$(guest_link)

# The test build (selftest.h): the same objects but selftest.o, built with
# GUEST_TEST_BUILD=1 so it carries the self-tests that write the disk or
# crash on purpose, plus wolfSSL's own wolfCrypt test and benchmark
# (tls/wolfcrypt.mk) for selftest=wolfcrypt. Only the test images carry it
# (image/module.mk).
GUEST_TEST_OUT := $(GUEST_OUT)/test
GUEST_TEST_OBJS := $(filter-out $(GUEST_OUT)/selftest.o,$(GUEST_OBJS)) $(GUEST_TEST_OUT)/selftest.o \
	$(TLS_WOLFCRYPT_OBJS)

$(GUEST_TEST_OUT)/selftest.o: $(GUEST_SRC)/selftest.c $(B)/src/xen/.unpacked $(GUEST_SRC)/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "guest: CC $< (test build)"
	@$(GUEST_CC) $(GUEST_CFLAGS) -DGUEST_TEST_BUILD=1 -c $< -o $@

$(GUEST_TEST_OUT)/guest.elf: $(GUEST_TEST_OBJS) $(GUEST_SRC)/guest.ld $(GUEST_LIBS)
	$(guest_link)

.PHONY: guest-test
guest-test: $(GUEST_TEST_OUT)/guest.zImage

# The zImage is the raw memory image from the link address; the header at
# its start (head.S) carries the zImage magic and the image length.
$(GUEST_OUT)/guest.zImage $(GUEST_TEST_OUT)/guest.zImage: %/guest.zImage: %/guest.elf
	@$(GUEST_OBJCOPY) -O binary $< $@
	@$(GUEST_STRIP) -o $(@D)/guest.stripped.elf $<
	@echo "guest: $@ $$(stat -c %s $@) bytes (stripped ELF $$(stat -c %s $(@D)/guest.stripped.elf) bytes)"

-include $(GUEST_OBJS:.o=.d) $(GUEST_TEST_OUT)/selftest.d

# ---- tests ----
# UNIT_OUT, UNIT_CC and UNIT_CFLAGS come from tests/unit/module.mk, which
# is included after this file: target names use our own copy of the
# directory, recipes expand the rest when they run.
GUEST_UNIT_OUT := $(B)/unit
GUEST_UNIT_XEN := -isystem $(B)/src/xen/xen/include

# Event-channel pending-bit selection and the ring index arithmetic.
$(GUEST_UNIT_OUT)/test_evtchn: tests/unit/guest/test_evtchn.c guest/xen/evtchn_bits.h \
		$(GUEST_SRC)/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Iguest $< -lcmocka -o $@

# The xenstore wire protocol.
$(GUEST_UNIT_OUT)/test_xs_wire: tests/unit/guest/test_xs_wire.c guest/xen/xs_wire.c \
		guest/xen/xs_wire.h $(B)/src/xen/.unpacked $(GUEST_SRC)/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Iguest $(GUEST_UNIT_XEN) $< guest/xen/xs_wire.c -lcmocka -o $@

# The xenstore client and xenbus (guest/xen/xenstore.c, xenbus.c) against a
# fake xenstored, their arch and Xen headers stood in for by
# tests/unit/guest/xs_stub/.
XS_STUB := $(wildcard tests/unit/guest/xs_stub/*/*.h tests/unit/guest/xs_stub/*/*/*.h)
$(GUEST_UNIT_OUT)/test_xenstore: tests/unit/guest/test_xenstore.c guest/xen/xenstore.c \
		guest/xen/xenstore.h guest/xen/xenbus.c guest/xen/xenbus.h guest/xen/xs_wire.c \
		guest/xen/xs_wire.h guest/xen/ring.h \
		$(XS_STUB) $(B)/src/xen/.unpacked $(GUEST_SRC)/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Wno-unused-parameter -Itests/unit/guest/xs_stub -Iguest \
		$(GUEST_UNIT_XEN) $< \
		guest/xen/xenstore.c guest/xen/xenbus.c guest/xen/xs_wire.c -lcmocka -o $@

# The DRBG (ChaCha20 against RFC 8439) and the seed parser.
$(GUEST_UNIT_OUT)/test_drbg: tests/unit/guest/test_drbg.c guest/rng/drbg.c guest/rng/drbg.h \
		$(GUEST_SRC)/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Iguest $< guest/rng/drbg.c -lcmocka -o $@

GUEST_UNIT_BINS := $(addprefix $(GUEST_UNIT_OUT)/,test_evtchn test_xs_wire test_xenstore test_drbg)
UNIT_BINS += $(GUEST_UNIT_BINS)

# The xenstore reply parser under libFuzzer; tests/fuzz/run.sh runs every
# $(UNIT_OUT)/fuzz_* it finds.
$(GUEST_UNIT_OUT)/fuzz_xs_reply: tests/fuzz/xs_reply.c guest/xen/xs_wire.c guest/xen/xs_wire.h \
		$(B)/src/xen/.unpacked | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Iguest $(GUEST_UNIT_XEN) tests/fuzz/xs_reply.c guest/xen/xs_wire.c -o $@

FUZZ_BINS += $(GUEST_UNIT_OUT)/fuzz_xs_reply
TEST_DEPS += $(GUEST_UNIT_BINS) $(GUEST_UNIT_OUT)/fuzz_xs_reply

# QEMU system tests on qemu-virt (each boots an image once). The disk and
# crash self-tests boot the test image (image/module.mk); guest-refuse.sh
# boots the product image and checks that it refuses them.
TEST_DEPS += $(B)/image/test/qemu-virt.img
TEST_SUITES += "tests/qemu/guest-blk.sh qemu-virt" "tests/qemu/guest-crash.sh qemu-virt" \
	"tests/qemu/guest-refuse.sh qemu-virt" "STORECTL=$(STORECTL) tests/qemu/store-stall.sh qemu-virt"

# The time to the guest's first answer with a static address (issue 13,
# tests/qemu/first-answer.sh, root): one boot of a copy of qemu-virt's
# image on a TAP device in a network namespace of the test's own; the
# first TCP echo reply at most 1 s (+ a margin for TCG) after xl create
# returns, and the guest's defence of its address against an ARP conflict.
TEST_DEPS += $(OUT)/qemu-virt.img
TEST_SUITES += "OUT=$(OUT) tests/qemu/first-answer.sh qemu-virt"
