# The Linux domU of the side-by-side benchmark (tests/bench/side-by-side.sh,
# issue 13): the dom0 kernel package's zImage with a tiny initramfs (busybox,
# nginx, nsd, all from the pinned armhf .debs) serving the benchmark's site
# and the DNS comparison's zone, and its xl cfg. The benchmark copies the
# three onto the BOOT partition of a copy of the test image; nothing here
# goes into a shipped image.
#
#   make linux-domu   $(B)/linux-domu/linux-domu.zImage, .initrd, .cfg (and
#                     initrd/site/, the files nginx serves, which the
#                     benchmark puts in our guest's store)

LINUX_DOMU_SRC := hypervisor/linux-domu
LINUX_DOMU_OUT := $(B)/linux-domu
# What the domain is given, and its address: the benchmark gives our guest
# the same address (and MAC).
LINUX_DOMU_MEM_MB ?= 64
LINUX_DOMU_IP ?= 192.0.2.2/24
LINUX_DOMU_ZONE := tests/host/dns/example.org.zone
LINUX_DOMU_INPUTS := $(addprefix $(LINUX_DOMU_SRC)/,mkinitrd.sh init nginx.conf nsd.conf) \
	hypervisor/initrd-lib.sh $(LINUX_DOMU_ZONE)
LINUX_DOMU := $(addprefix $(LINUX_DOMU_OUT)/linux-domu.,zImage initrd cfg)

.PHONY: linux-domu
linux-domu: $(LINUX_DOMU)

$(LINUX_DOMU_OUT)/linux-domu.zImage: $(DOM0_OUT)/dom0.zImage
	@mkdir -p $(@D)
	@cp $< $@

$(LINUX_DOMU_OUT)/linux-domu.initrd: $(DOM0_KROOT)/.unpacked $(B)/.stamp/debs $(LINUX_DOMU_INPUTS)
	@mkdir -p $(@D)
	@$(LINUX_DOMU_SRC)/mkinitrd.sh $@ $(LINUX_DOMU_OUT)/initrd $(DOM0_KROOT) $(CACHE)/debs \
		$(LINUX_DOMU_SRC) $(LINUX_DOMU_ZONE)

$(LINUX_DOMU_OUT)/linux-domu.cfg: $(LINUX_DOMU_SRC)/linux-domu.cfg.in $(LINUX_DOMU_SRC)/module.mk
	@mkdir -p $(@D)
	@sed -e 's|@MEM_MB@|$(LINUX_DOMU_MEM_MB)|' -e 's|@IP@|$(LINUX_DOMU_IP)|' $< >$@
