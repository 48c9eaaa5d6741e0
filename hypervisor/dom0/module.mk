# dom0: Debian's armmp-lpae kernel, the DTBs the boards name, and a small
# initramfs (busybox, Xen tools, kernel modules, our init), all from the
# pinned armhf .debs in $(CACHE)/debs.
#
#   make dom0     $(B)/dom0/dom0.zImage, dom0.initrd, dtb/<board DTB>

DOM0_SRC := hypervisor/dom0
DOM0_OUT := $(B)/dom0

# The kernel package as pinned in the lock: name and version give its file.
DOM0_KPKG := $(shell awk '$$1 == "armhf" && $$2 ~ /^linux-image-/ { print $$2; exit }' $(DEPS_LOCK))
DOM0_KVERSION := $(shell awk '$$1 == "armhf" && $$2 ~ /^linux-image-/ { print $$4; exit }' $(DEPS_LOCK))
DOM0_KDEB := $(CACHE)/debs/$(DOM0_KPKG)_$(subst :,%3a,$(DOM0_KVERSION))_armhf.deb
DOM0_KROOT := $(DOM0_OUT)/kernel

# Each board's disk and network drivers; mkinitrd.sh adds those every dom0
# needs (hypervisor/dom0/modules, the list init loads).
DOM0_MODULES_BOARDS := $(sort $(foreach b,$(BOARDS),$(call board_get,$(b),DOM0_MODULES)))
DOM0_DTBS := $(sort $(foreach b,$(BOARDS),$(call board_get,$(b),DTB)))

DOM0_INITRD_INPUTS := $(DOM0_SRC)/mkinitrd.sh hypervisor/initrd-lib.sh $(DOM0_SRC)/init $(DOM0_SRC)/modules $(DOM0_SRC)/xl.conf \
	$(DOM0_SRC)/sys.h $(DOM0_SRC)/sys-arm.c $(DOM0_SRC)/clockskew.c $(DOM0_SRC)/hotplug.c \
	$(DOM0_SRC)/launch.h $(DOM0_SRC)/launch.c $(DOM0_SRC)/launch-cfg.c $(DOM0_SRC)/launch-dtb.c $(DOM0_SRC)/launch-xs.c \
	$(wildcard board/*/board.conf)

.PHONY: dom0
dom0: $(DOM0_OUT)/dom0.zImage $(DOM0_OUT)/dom0.initrd \
	$(addprefix $(DOM0_OUT)/dtb/,$(DOM0_DTBS))

$(DOM0_KROOT)/.unpacked: $(B)/.stamp/debs
	@echo "dom0: unpacking $(DOM0_KPKG) $(DOM0_KVERSION)"
	@test -f $(DOM0_KDEB) || { echo "dom0: $(DOM0_KDEB) missing (run make setup)" >&2; exit 1; }
	@rm -rf $(DOM0_KROOT) && mkdir -p $(DOM0_KROOT)
	@dpkg -x $(DOM0_KDEB) $(DOM0_KROOT)
	@touch $@

$(DOM0_OUT)/dom0.zImage: $(DOM0_KROOT)/.unpacked
	@cp $(DOM0_KROOT)/boot/vmlinuz-$(DOM0_KPKG:linux-image-%=%) $@
	@echo "dom0: $@ $$(($$(stat -c %s $@) / 1024)) KiB"

$(DOM0_OUT)/dtb/%.dtb: $(DOM0_KROOT)/.unpacked
	@mkdir -p $(@D)
	@cp $(DOM0_KROOT)/usr/lib/$(DOM0_KPKG)/$*.dtb $@

$(DOM0_OUT)/dom0.initrd: $(DOM0_KROOT)/.unpacked $(B)/.stamp/debs $(DOM0_INITRD_INPUTS)
	@echo "dom0: building the initramfs"
	@$(DOM0_SRC)/mkinitrd.sh $@ $(DOM0_OUT)/initrd $(DOM0_KROOT) $(CACHE)/debs \
		$(DOM0_SRC) $(DOM0_MODULES_BOARDS)

# dom0's hotplug program (hotplug.c) built for this machine over its C library
# (sys-host.c), with sanitizers, for tests/host/hotplug.sh: block and
# vif-bridge against a stand-in xenstored and a bridge in a test namespace.
DOM0_HOTPLUG_HOST := $(B)/host/xen-hotplug
$(DOM0_HOTPLUG_HOST): $(DOM0_SRC)/hotplug.c $(DOM0_SRC)/sys-host.c $(DOM0_SRC)/sys.h | $(SETUP)
	@mkdir -p $(@D)
	@gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
		-fno-sanitize-recover=all $(DOM0_SRC)/sys-host.c $(DOM0_SRC)/hotplug.c -o $@
TEST_DEPS += $(DOM0_HOTPLUG_HOST)
TEST_SUITES += "tests/host/hotplug.sh $(DOM0_HOTPLUG_HOST)"
