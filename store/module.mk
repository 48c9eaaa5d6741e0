# store/: the Git-format store (objects, packs, refs, the block log), its
# host tool storectl, and the seed image of the STORE partition.
#
#   make $(B)/host/storectl     the host tool
#   make $(B)/store/seed.img    a store image holding store/seed/ as main
#   make store-guest            the store cross-built for the guest (a check)
#   make store-bench            benchmark numbers into $(B)/store/bench.md
#
# The same C (and the same zlib, from the pinned Debian source) is built for
# the host and the guest; it reaches the disk only through plat_blk_*.
# Object ids are hashed with Git's collision-detecting SHA-1 (sha1dc/ of the
# pinned git source package; store/sha1.h).

STORE_SRC := sha1.c object.c delta.c zip.c pack.c packscan.c packw.c log.c store.c refs.c walk.c \
	gc.c serve.c content.c service.c private.c
STORE_HDR := $(wildcard store/*.h)
STORE_ZLIB := $(B)/src/zlib
STORE_ZLIB_SRC := adler32.c compress.c crc32.c deflate.c inflate.c inftrees.c inffast.c trees.c zutil.c
STORE_GIT := $(B)/src/git
STORE_SHA1DC_SRC := sha1.c ubc_check.c
STORE_OUT := $(B)/store
STORE_WARN := -std=c11 -Wall -Wextra -Werror
STORE_INC := -Istore -I$(STORE_ZLIB) -I.
# Only store/sha1.c sees the git source, last, as <sha1dc/sha1.h>: git's own
# object.h, pack.h and the like never shadow the store's.
STORE_CFLAGS_sha1 = -I$(STORE_GIT)
# sha1dc as Git builds it under UBSan: blocks copied, never read unaligned.
STORE_SHA1DC_DEFS := -DSHA1DC_FORCE_ALIGNED_ACCESS

# $(call store_flavour,NAME,CC,CFLAGS): objects of the store, zlib and sha1dc,
# and $(STORE_OUT)/NAME/libstore.a holding them (sha1dc's named sha1dc_*.o, as
# an archive keeps one member of a name and the store has its own sha1.o).
define store_flavour
STORE_OBJS_$(1) := $$(addprefix $(STORE_OUT)/$(1)/,$$(STORE_SRC:.c=.o)) \
	$$(addprefix $(STORE_OUT)/$(1)/zlib/,$$(STORE_ZLIB_SRC:.c=.o)) \
	$$(addprefix $(STORE_OUT)/$(1)/sha1dc/sha1dc_,$$(STORE_SHA1DC_SRC:.c=.o))
$(STORE_OUT)/$(1)/%.o: store/%.c $(STORE_HDR) $(STORE_ZLIB)/.unpacked $(STORE_GIT)/.unpacked \
		store/module.mk | $(SETUP)
	@mkdir -p $$(@D)
	@echo "store: CC ($(1)) $$<"
	@$(2) $(3) $(STORE_WARN) $(STORE_INC) $$(STORE_CFLAGS_$$*) -MMD -MP -c $$< -o $$@
$(STORE_OUT)/$(1)/zlib/%.o: $(STORE_ZLIB)/.unpacked | $(SETUP)
	@mkdir -p $$(@D)
	@$(2) $(3) -w -I$(STORE_ZLIB) -c $(STORE_ZLIB)/$$*.c -o $$@
$(STORE_OUT)/$(1)/sha1dc/sha1dc_%.o: $(STORE_GIT)/.unpacked store/module.mk | $(SETUP)
	@mkdir -p $$(@D)
	@$(2) $(3) -w $(STORE_SHA1DC_DEFS) -c $(STORE_GIT)/sha1dc/$$*.c -o $$@
$(STORE_OUT)/$(1)/libstore.a: $$(STORE_OBJS_$(1))
	@rm -f $$@
	@$(if $(4),$(4),ar) rcs $$@ $$^
# Headers outside store/ (plat/plat.h's structures: service.c) rebuild what includes them.
-include $$(addprefix $(STORE_OUT)/$(1)/,$$(STORE_SRC:.c=.d))
endef

STORE_HOST_CFLAGS := -O2 -g
STORE_UNIT_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
STORE_FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
STORE_GUEST_CFLAGS = $(GUEST_ARCH_FLAGS) $(GUEST_FRAME_WARN) -O2 -g -ffunction-sections -fdata-sections

$(eval $(call store_flavour,host,gcc,$(STORE_HOST_CFLAGS)))
$(eval $(call store_flavour,unit,$$(UNIT_CC),$$(STORE_UNIT_CFLAGS)))
$(eval $(call store_flavour,fuzz,$$(FUZZ_CC),$$(STORE_FUZZ_CFLAGS)))
$(eval $(call store_flavour,guest,$$(GUEST_CC),$$(STORE_GUEST_CFLAGS),arm-none-eabi-ar))

# ---- storectl ----
# `storectl passwd` hashes with git/auth.c and the host's wolfCrypt
# (tls/module.mk), so its hashes are the guest's.
STORECTL := $(B)/host/storectl
STORECTL_AUTH := git/auth.c plat/conf.c
$(STORECTL): store/storectl.c store/storectl_io.c plat/host/blk.c plat/host/host.h $(STORE_HDR) \
		$(STORE_OUT)/host/libstore.a $(STORECTL_AUTH) git/auth.h $(TLS_OUT)/host/libwolfssl.a
	@mkdir -p $(@D)
	@echo "store: LD $@"
	@gcc $(STORE_HOST_CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Wno-format-truncation $(STORE_INC) -I. \
		$(TLS_CPPFLAGS) store/storectl.c store/storectl_io.c plat/host/blk.c $(STORECTL_AUTH) \
		$(STORE_OUT)/host/libstore.a $(TLS_OUT)/host/libwolfssl.a -o $@

.PHONY: storectl store-guest store-bench
storectl: $(STORECTL)
store-guest: $(STORE_OUT)/guest/libstore.a

# ---- the seed of the STORE partition: store/seed/ as the first commit ----
# (and the browser editor's bundle, edit/module.mk, on refs/appliance/editor)
# Size: the image's p2 (192 MiB); image/mkimage.sh refuses a larger seed.
# p2 of the image: IMAGE_MB (256) less 1 MiB before p1 less BOOT_MB (64); see image/mkimage.sh.
STORE_SEED_SIZE ?= 191M
STORE_SEED_DIR ?= store/seed
STORE_SEED_EPOCH := $(shell git log -1 --format=%ct -- $(STORE_SEED_DIR) 2>/dev/null)
$(STORE_OUT)/seed.img: $(STORECTL) $(shell find $(STORE_SEED_DIR) -type f 2>/dev/null) $(EDIT_BUILT)
	@mkdir -p $(@D)
	@rm -f $@.tmp
	@$(STORECTL) init $@.tmp $(STORE_SEED_SIZE)
	@SOURCE_DATE_EPOCH=$(or $(STORE_SEED_EPOCH),0) $(STORECTL) import $@.tmp $(STORE_SEED_DIR) \
		-m "Initial site and zone" >/dev/null
	@SOURCE_DATE_EPOCH=$(or $(STORE_SEED_EPOCH),0) $(STORECTL) editor $@.tmp $(EDIT_STAGE) \
		-m "The browser editor" >/dev/null
	@$(STORECTL) fsck $@.tmp >/dev/null
	@mv $@.tmp $@
	@echo "store: seed $@ ($(STORE_SEED_SIZE), from $(STORE_SEED_DIR))"

# ---- tests ----
# tests/unit/module.mk (included later) defines UNIT_OUT as $(B)/unit.
STORE_UNIT_OUT := $(B)/unit
STORE_UNIT_LIB := $(STORE_OUT)/unit/libstore.a
STORE_UNIT_HELPERS := tests/unit/store/memblk.c tests/unit/store/fixture.c
$(STORE_UNIT_OUT)/test_store_%: tests/unit/store/test_%.c $(STORE_UNIT_HELPERS) \
		tests/unit/store/memblk.h tests/unit/store/fixture.h $(STORE_UNIT_LIB) | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(STORE_INC) $(STORE_UNIT_FLAGS) -Itests/unit/store $< \
		$(STORE_UNIT_HELPERS) $(STORE_UNIT_LIB) -lcmocka -lpthread -o $@

STORE_UNIT_BINS := $(addprefix $(STORE_UNIT_OUT)/test_store_,objects log refs serve import sha1dc)

# Git's own SHA-1DC test file (t/t0013), read from the unpacked source at run
# time; the test forces the detector's verdict through a wrapped SHA1DCFinal.
$(STORE_UNIT_OUT)/test_store_sha1dc: $(STORE_GIT)/.unpacked
$(STORE_UNIT_OUT)/test_store_sha1dc: STORE_UNIT_FLAGS = \
	-DSHATTERED_PDF='"$(abspath $(STORE_GIT))/t/t0013/shattered-1.pdf"' -Wl,--wrap=SHA1DCFinal
UNIT_BINS += $(STORE_UNIT_BINS)

$(STORE_UNIT_OUT)/fuzz_store_%: tests/fuzz/store_%.c $(STORE_OUT)/fuzz/libstore.a | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(STORE_INC) $< $(STORE_OUT)/fuzz/libstore.a -o $@

STORE_FUZZ_BINS := $(STORE_UNIT_OUT)/fuzz_store_pack $(STORE_UNIT_OUT)/fuzz_store_delta \
	$(STORE_UNIT_OUT)/fuzz_store_object
FUZZ_BINS += $(STORE_FUZZ_BINS)

$(STORE_UNIT_OUT)/corpus/store/.seeded: tests/fuzz/store-corpus.sh $(STORECTL)
	@mkdir -p $(@D)
	@tests/fuzz/store-corpus.sh $(STORE_UNIT_OUT)/corpus
	@touch $@

TEST_DEPS += $(STORECTL) $(STORE_OUT)/seed.img $(STORE_UNIT_OUT)/corpus/store/.seeded store-guest \
	$(STORE_UNIT_BINS) $(STORE_FUZZ_BINS)
TEST_SUITES += "tests/store/interop.sh $(STORECTL)" "tests/store/badinput.sh $(STORECTL)"

store-bench: $(STORECTL) $(B)/src/u-boot/.unpacked
	store/bench.sh $(STORECTL) $(B)/src/u-boot $(STORE_OUT)/bench
