# Xen 4.17 (arm32) and U-Boot, cross-built from the pinned Debian sources.
# Each is rebuilt only when its source, config or this file changes.

CROSS_LINUX := arm-linux-gnueabihf-
# Debian's own python3 (with setuptools, pyelftools) for U-Boot's binman and
# pylibfdt, whatever other python a developer has first on PATH.
HOST_PATH := /usr/bin:$(PATH)

XEN_SRC := $(B)/src/xen
# Their builds get none of our command line: `make BOARD=orangepi-pc`
# would otherwise reach U-Boot's own BOARD through MAKEFLAGS.
SUBMAKE = env -u MAKEFLAGS -u MFLAGS $(MAKE)
XEN_MAKE = $(SUBMAKE) -s -C $(XEN_SRC)/xen XEN_TARGET_ARCH=arm32 CROSS_COMPILE=$(CROSS_LINUX)

.PHONY: xen u-boot
xen: $(B)/xen/xen

# Xen's defconfig plus our fragment (hypervisor/xen.config), resolved by
# olddefconfig, so the config is data in the repo rather than a saved .config.
$(B)/xen/xen: $(XEN_SRC)/.unpacked hypervisor/xen.config hypervisor/module.mk
	@echo "xen: configuring (arm32 defconfig + hypervisor/xen.config)"
	@PATH=$(HOST_PATH) $(XEN_MAKE) defconfig >/dev/null
	@cat hypervisor/xen.config >> $(XEN_SRC)/xen/.config
	@PATH=$(HOST_PATH) $(XEN_MAKE) olddefconfig >/dev/null 2>&1
	@echo "xen: building (about 30 s)"
	@PATH=$(HOST_PATH) $(XEN_MAKE) -j$(NPROC) >$(B)/xen-build.log 2>&1 || \
		{ tail -20 $(B)/xen-build.log; echo "xen: build failed, full log in $(B)/xen-build.log"; exit 1; }
	@mkdir -p $(@D)
	@cp $(XEN_SRC)/xen/xen $@
	@echo "xen: $@ ($$(stat -c %s $@) bytes)"

# U-Boot, one out-of-tree build per board that has a defconfig.
UBOOT_SRC := $(B)/src/u-boot
UBOOT_BOARDS := $(foreach b,$(BOARDS),$(if $(call board_get,$(b),UBOOT_DEFCONFIG),$(b)))

define uboot_rules
$(B)/u-boot/$(1)/u-boot-sunxi-with-spl.bin: $(UBOOT_SRC)/.unpacked board/$(1)/board.conf \
		hypervisor/u-boot.config hypervisor/module.mk
	@echo "u-boot: configuring $(1) ($(call board_get,$(1),UBOOT_DEFCONFIG) + hypervisor/u-boot.config)"
	@mkdir -p $$(@D)
	@PATH=$(HOST_PATH) $(SUBMAKE) -s -C $(UBOOT_SRC) O=$$(abspath $$(@D)) CROSS_COMPILE=$(CROSS_LINUX) \
		$(call board_get,$(1),UBOOT_DEFCONFIG) >/dev/null
	@cat hypervisor/u-boot.config >> $$(@D)/.config
	@PATH=$(HOST_PATH) $(SUBMAKE) -s -C $(UBOOT_SRC) O=$$(abspath $$(@D)) CROSS_COMPILE=$(CROSS_LINUX) \
		olddefconfig >$$(@D)/config.log 2>&1 || { cat $$(@D)/config.log; exit 1; }
	@echo "u-boot: building $(1) (about 75 s)"
	@PATH=$(HOST_PATH) $(SUBMAKE) -C $(UBOOT_SRC) O=$$(abspath $$(@D)) CROSS_COMPILE=$(CROSS_LINUX) \
		-j$(NPROC) >$$(@D)/build.log 2>&1 || \
		{ tail -20 $$(@D)/build.log; echo "u-boot: $(1) build failed, full log in $$(@D)/build.log"; exit 1; }
	@test -s $$@ || { echo "u-boot: $(1) produced no $$(@F)"; exit 1; }
	@echo "u-boot: $$@ ($$$$(stat -c %s $$@) bytes)"
u-boot: $(B)/u-boot/$(1)/u-boot-sunxi-with-spl.bin
endef
$(foreach b,$(UBOOT_BOARDS),$(eval $(call uboot_rules,$(b))))
