# image/: the SD-card image of every board, `make qemu` and `make flash`.
#
#   make out/<board>.img    + .img.xz, .img.bmap and .password (image/mkimage.sh)
#   make images             the images of every board in $(BOARDS)
#   make qemu BOARD=...     boot the image in QEMU (boards with QEMU_MACHINE)
#   make flash DEV=/dev/sdX write out/$(BOARD).img to an SD card, with checks

IMAGE_SCRIPTS := image/mkimage.sh image/board-env.sh image/boot.cmd.in
IMAGE_CONF := image/appliance.conf
IMAGE_GUEST_CFG := hypervisor/dom0/guest.cfg.in

# The store's initial contents, written into p2: a store image (built by
# store/module.mk with storectl) whose first commit on main holds the site
# and the zone of store/seed/.
IMAGE_STORE_SEED ?= $(B)/store/seed.img

# Each image's git push password (git/auth.h): mkimage.sh sets its hash in
# the image's copy of the seed with storectl and keeps the password in
# out/<board>.password (mode 0600), made at random and printed once when
# the file does not exist, reused when it does: a rebuild keeps the
# password, `make clean` (or removing the file) makes a new one. It is a
# target of the image's rule; and since make 4.3 does not run a grouped
# rule for a missing member alone, a missing password file forces it
# (IMAGE_NO_PASSWORD_<board>, a phony prerequisite).
.PHONY: image-password-missing
image-password-missing: ;

# Boards QEMU can run: those whose board.conf names a QEMU machine.
QEMU_BOARDS := $(foreach b,$(BOARDS),$(if $(call board_get,$(b),QEMU_MACHINE),$(b)))

# $(call image_rules,BOARD): the rule for out/BOARD.img, .img.xz, .img.bmap.
# The SPL and DTB are inputs only for boards that boot through U-Boot.
define image_rules
IMAGE_SPL_$(1) := $(if $(call board_get,$(1),UBOOT_DEFCONFIG),$(B)/u-boot/$(1)/u-boot-sunxi-with-spl.bin)
IMAGE_DTB_$(1) := $(addprefix $(B)/dom0/dtb/,$(call board_get,$(1),DTB))
IMAGE_NO_PASSWORD_$(1) := $(if $(IMAGE_STORE_SEED),$(if $(wildcard $(OUT)/$(1).password),,image-password-missing))

$(OUT)/$(1).img $(OUT)/$(1).img.xz $(OUT)/$(1).img.bmap $(if $(IMAGE_STORE_SEED),$(OUT)/$(1).password) &: \
		$(IMAGE_SCRIPTS) $(IMAGE_CONF) $(IMAGE_GUEST_CFG) board/$(1)/board.conf \
		$(B)/xen/xen $$(IMAGE_SPL_$(1)) $$(IMAGE_DTB_$(1)) \
		$(B)/dom0/dom0.zImage $(B)/dom0/dom0.initrd $(B)/guest/guest.zImage \
		$(IMAGE_STORE_SEED) $(STORECTL) $(B)/host/confcheck $$(IMAGE_NO_PASSWORD_$(1)) | $(SETUP)
	image/mkimage.sh $(1) $(OUT) --work $(B)/image/$(1) \
		--xen $(B)/xen/xen \
		$$(if $$(IMAGE_SPL_$(1)),--spl $$(IMAGE_SPL_$(1))) \
		$$(if $$(IMAGE_DTB_$(1)),--dtb $$(IMAGE_DTB_$(1))) \
		--dom0-kernel $(B)/dom0/dom0.zImage --dom0-initrd $(B)/dom0/dom0.initrd \
		--guest $(B)/guest/guest.zImage \
		--guest-cfg-in $(IMAGE_GUEST_CFG) --appliance-conf $(IMAGE_CONF) \
		--confcheck $(B)/host/confcheck \
		$(if $(IMAGE_STORE_SEED),--store-seed $(IMAGE_STORE_SEED) --storectl $(STORECTL) \
			--password-file $(OUT)/$(1).password)
endef
$(foreach b,$(BOARDS),$(eval $(call image_rules,$(b))))

# A test image: the board's image with the test build of the guest in p1
# (guest/selftest.h), for the QEMU tests of the self-tests that write the
# disk or crash on purpose, and the file test-image in p1, without which
# dom0 refuses its own test-image-only self-test (selftest=destroy,
# hypervisor/dom0/init). Kept under $(B): it is never shipped.
IMAGE_TEST_MARKER := $(B)/image/test/test-image
$(IMAGE_TEST_MARKER): image/module.mk
	@mkdir -p $(@D)
	@echo "A test image (image/module.mk), never shipped: dom0 accepts selftest=destroy." >$@
$(B)/image/test/%.img: $(OUT)/%.img $(B)/guest/test/guest.zImage $(IMAGE_TEST_MARKER) | $(SETUP)
	@mkdir -p $(@D)
	@echo "image: $@ (test build of the guest)"
	@cp --sparse=always $< $@.tmp
	@MTOOLS_SKIP_CHECK=1 mcopy -o -i $@.tmp@@1048576 $(B)/guest/test/guest.zImage ::guest.zImage
	@MTOOLS_SKIP_CHECK=1 mcopy -o -i $@.tmp@@1048576 $(IMAGE_TEST_MARKER) ::test-image
	@mv $@.tmp $@

.PHONY: images qemu flash
images: $(foreach b,$(BOARDS),$(OUT)/$(b).img)

# The image is built only for a board QEMU can run; qemu.sh names the others.
qemu: $(if $(filter $(BOARD),$(QEMU_BOARDS)),$(OUT)/$(BOARD).img)
	@image/qemu.sh $(BOARD) $(OUT)/$(BOARD).img $(B)/image/$(BOARD)/qemu

# Nothing is built without a DEV: flash.sh refuses that first.
flash: $(if $(DEV),$(OUT)/$(BOARD).img $(OUT)/$(BOARD).img.bmap)
	@image/flash.sh "$(DEV)" $(OUT)/$(BOARD).img

# ---- tests ----
# Each image's push password: its hash in p2 verifies against
# out/<board>.password, mode 0600 (tests/module.mk builds every image first).
TEST_SUITES += "OUT=$(OUT) tests/image/password.sh $(STORECTL) cubieboard2 cubietruck orangepi-pc qemu-virt"
