# Xen 4.17 (arm32): Debian's hypervisor package as pinned. U-Boot:
# cross-built from the pinned Debian source, rebuilt only when its source,
# config or this file changes.

CROSS_LINUX := arm-linux-gnueabihf-
# Debian's own python3 (with setuptools, pyelftools) for U-Boot's binman and
# pylibfdt, whatever other python a developer has first on PATH.
HOST_PATH := /usr/bin:$(PATH)

# Their builds get none of our command line: `make BOARD=orangepi-pc`
# would otherwise reach U-Boot's own BOARD through MAKEFLAGS.
SUBMAKE = env -u MAKEFLAGS -u MFLAGS $(MAKE)

.PHONY: xen u-boot
xen: $(B)/xen/xen

# The hypervisor is Debian's binary (xen-hypervisor-4.17-armhf), not a build
# of the source: bookworm-security's Xen updates (grant table and Arm fixes,
# XSA-517, 519, 520 and 523 among them) are served as binaries while its pool answers 404 for
# their source, and Debian builds it from the same configuration we did,
# arm32 defconfig without debug. hypervisor/xen.config lists the settings we
# rely on; the package's own config (/boot/xen-4.17-armhf.config) must have
# each, or the build stops.
XEN_PKG := xen-hypervisor-4.17-armhf
XEN_VERSION := $(shell awk '$$1 == "armhf" && $$2 == "$(XEN_PKG)" { print $$4; exit }' $(DEPS_LOCK))
XEN_DEB := $(CACHE)/debs/$(XEN_PKG)_$(subst :,%3a,$(XEN_VERSION))_armhf.deb
XEN_ROOT := $(B)/xen/pkg
XEN_CONFIG := hypervisor/xen.config

$(B)/xen/xen: $(B)/.stamp/debs $(XEN_CONFIG) hypervisor/module.mk
	@echo "xen: unpacking $(XEN_PKG) $(XEN_VERSION)"
	@test -f $(XEN_DEB) || { echo "xen: $(XEN_DEB) missing (run make setup)" >&2; exit 1; }
	@rm -rf $(XEN_ROOT) && mkdir -p $(XEN_ROOT) && dpkg -x $(XEN_DEB) $(XEN_ROOT)
	@grep -E '^(# )?CONFIG_' $(XEN_CONFIG) | while read -r want; do \
		grep -qxF -- "$$want" $(XEN_ROOT)/boot/xen-4.17-armhf.config || \
			{ echo "xen: $(XEN_PKG)'s config lacks '$$want' ($(XEN_CONFIG))" >&2; exit 1; }; \
	done
	@cp $(XEN_ROOT)/boot/xen-4.17-armhf $@
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
