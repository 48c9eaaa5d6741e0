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
GUEST_CFLAGS := $(GUEST_ARCH_FLAGS) -O2 -g -std=gnu11 \
	-Wall -Wextra -Werror -Wno-unused-parameter \
	-ffunction-sections -fdata-sections -fno-common \
	-I$(GUEST_SRC) -I$(GUEST_OUT) -idirafter $(B)/src/xen/xen/include \
	-D__XEN_INTERFACE_VERSION__=0x00040e00 -MMD -MP
# Code that runs before the MMU is on must not rely on unaligned accesses
# (memory is Strongly-ordered then) nor on compiler-generated library calls.
GUEST_EARLY_CFLAGS := -ffreestanding -mno-unaligned-access \
	-fno-tree-loop-distribute-patterns
GUEST_LDFLAGS := $(GUEST_ARCH_FLAGS) -nostartfiles -static \
	-T $(GUEST_SRC)/guest.ld -Wl,--gc-sections -Wl,-Map=$(GUEST_OUT)/guest.map \
	-Wl,--no-warn-rwx-segments

GUEST_ASM := arch/arm32/head.S arch/arm32/vectors.S xen/hypercall.S
GUEST_C := arch/arm32/mmu.c arch/arm32/exception.c arch/arm32/timer.c \
	dtb/dtb.c xen/xen.c xen/events.c xen/console.c xen/xenstore.c \
	xen/shutdown.c libc/syscalls.c arch/arm32/boot.c board.c main.c
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

$(GUEST_OUT)/guest.elf: $(GUEST_OBJS) $(GUEST_SRC)/guest.ld
	@echo "guest: LD $@"
	@$(GUEST_CC) $(GUEST_LDFLAGS) $(GUEST_OBJS) -o $@ -lc -lm -lgcc

# The zImage is the raw memory image from the link address; the header at
# its start (head.S) carries the zImage magic and the image length.
$(GUEST_OUT)/guest.zImage: $(GUEST_OUT)/guest.elf
	@$(GUEST_OBJCOPY) -O binary $< $@
	@$(GUEST_STRIP) -o $(GUEST_OUT)/guest.stripped.elf $<
	@echo "guest: $@ $$(stat -c %s $@) bytes (stripped ELF $$(stat -c %s $(GUEST_OUT)/guest.stripped.elf) bytes)"

-include $(GUEST_OBJS:.o=.d)
