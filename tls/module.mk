# tls/: wolfSSL (from the pinned Debian source, $(B)/src/wolfssl, with
# Debian's patches) configured by tls/user_settings.h, built three times:
#
#   $(B)/tls/host/libwolfssl.a    gcc, optimised (the host twin)
#   $(B)/tls/unit/libwolfssl.a    gcc with ASan/UBSan (unit tests, the tests' twin)
#   $(B)/tls/guest/libwolfssl.a   arm-none-eabi-gcc for the guest
#
#   make tls                      all three
#
# Each has tls/tls_rand.c, wolfSSL's random source: the platform's seeded
# generator (plat_random). Our TLS layer over lwIP (altcp_wolfssl.c) and
# the service (service.c, cert.c) are compiled with net/, whose variants
# they belong to.

TLS_OUT := $(B)/tls
WOLFSSL_DIR := $(B)/src/wolfssl
WOLFSSL_UNPACKED := $(WOLFSSL_DIR)/.unpacked

# Only what user_settings.h turns on: the TLS layer, the hashes (SHA-1 for
# certificate chains, SHA-256, SHA-384/512), HMAC, HKDF and PBKDF2, AES-GCM,
# ChaCha20-Poly1305, X25519 (fe_operations.c), ECC and RSA over sp_int,
# the DRBG, ASN.1/X.509 and the port layer. misc.c is inlined (not listed).
WOLFSSL_SRC := $(addprefix src/,ssl.c tls.c tls13.c internal.c keys.c wolfio.c) \
	$(addprefix wolfcrypt/src/,aes.c asn.c chacha.c chacha20_poly1305.c coding.c \
		curve25519.c fe_operations.c ecc.c error.c hash.c hmac.c kdf.c logging.c \
		memory.c poly1305.c pwdbased.c random.c rsa.c sha.c sha256.c sha512.c signature.c \
		sp_int.c wc_encrypt.c wc_port.c wolfmath.c)

# The P-256 single-precision code for each target. On a 64-bit host
# user_settings.h gives sp_int 64-bit words, so sp_c64.c holds the code and
# sp_c32.c compiles to nothing (the other way round on a 32-bit host). On
# the guest TLS_GUEST_SP picks it: arm32 (ARM32 assembly, which assembles as
# Thumb-2 for our flags), cortexm (Cortex-M assembly, not tried) or c32
# (portable C). After changing it, remove $(B)/tls/guest.
TLS_HOST_SP_SRC := wolfcrypt/src/sp_c32.c wolfcrypt/src/sp_c64.c
TLS_GUEST_SP ?= arm32

TLS_CPPFLAGS := -DWOLFSSL_USER_SETTINGS -Itls -I$(WOLFSSL_DIR) -I.
# Third-party code gets warnings but not -Werror (net/module.mk does the same for lwIP).
TLS_WOLFSSL_WARN := -Wall -Wno-unused-function
TLS_OUR_WARN := -std=c11 -Wall -Wextra -Werror

TLS_HOST_CFLAGS := -O2 -g
# The unit flavour has the unit tests' sanitizers, less two: wolfSSL 5.5.4's
# SP code left-shifts signed words past their top bit and lets signed
# products wrap (sp_256_from_bin, the Montgomery reduction in sp_c32.c and
# sp_c64.c), undefined in C but two's complement in practice; UBSan stops
# there, so those two checks are off for this library only (ASan and the
# rest of UBSan stay on).
TLS_UNIT_CFLAGS = $(STORE_UNIT_CFLAGS) -fno-sanitize=shift-base,signed-integer-overflow
TLS_GUEST_CFLAGS = $(GUEST_ARCH_FLAGS) $(GUEST_FRAME_WARN) -O2 -g -ffunction-sections -fdata-sections \
	-DTLS_GUEST=1 $(TLS_GUEST_SP_FLAGS_$(TLS_GUEST_SP))
TLS_GUEST_SP_FLAGS_c32 :=
TLS_GUEST_SP_FLAGS_arm32 := -DTLS_SP_ARM32_ASM
TLS_GUEST_SP_FLAGS_cortexm := -DTLS_SP_CORTEXM_ASM
TLS_GUEST_SP_SRC_c32 := sp_c32.c
TLS_GUEST_SP_SRC_arm32 := sp_arm32.c
TLS_GUEST_SP_SRC_cortexm := sp_cortexm.c

# The sources appear when the pinned source package is unpacked.
$(WOLFSSL_DIR)/%.c: $(WOLFSSL_UNPACKED) ;

# $(call tls_flavour,NAME,CC,CFLAGS,AR,EXTRA-WOLFSSL-SRC,OUR-SRC):
# $(TLS_OUT)/NAME/libwolfssl.a from the wolfSSL sources (and ours).
define tls_flavour
TLS_OBJS_$(1) := $$(addprefix $(TLS_OUT)/$(1)/wolfssl/,$$(patsubst %.c,%.o,$(WOLFSSL_SRC) $(5))) \
	$$(addprefix $(TLS_OUT)/$(1)/,$$(patsubst %.c,%.o,$(6)))
$(TLS_OUT)/$(1)/wolfssl/%.o: $(WOLFSSL_DIR)/%.c $(WOLFSSL_UNPACKED) tls/user_settings.h \
		tls/module.mk | $(SETUP)
	@mkdir -p $$(@D)
	@echo "tls($(1)): CC wolfssl/$$*.c"
	@$(2) $(3) $(TLS_WOLFSSL_WARN) $(TLS_CPPFLAGS) -c $$< -o $$@
$(TLS_OUT)/$(1)/tls/%.o: tls/%.c tls/tls_rand.h tls/user_settings.h tls/module.mk | $(SETUP)
	@mkdir -p $$(@D)
	@echo "tls($(1)): CC $$<"
	@$(2) $(3) $(TLS_OUR_WARN) $(TLS_CPPFLAGS) -c $$< -o $$@
$(TLS_OUT)/$(1)/libwolfssl.a: $$(TLS_OBJS_$(1))
	@echo "tls: AR $$@"
	@rm -f $$@
	@$(4) rcs $$@ $$^
endef

$(eval $(call tls_flavour,host,gcc,$(TLS_HOST_CFLAGS),ar,$(TLS_HOST_SP_SRC),tls/tls_rand.c))
$(eval $(call tls_flavour,unit,$$(UNIT_CC),$$(TLS_UNIT_CFLAGS),ar,$(TLS_HOST_SP_SRC),tls/tls_rand.c))
$(eval $(call tls_flavour,guest,$$(GUEST_CC),$$(TLS_GUEST_CFLAGS),arm-none-eabi-ar,\
	wolfcrypt/src/$(TLS_GUEST_SP_SRC_$(TLS_GUEST_SP)),tls/tls_rand.c))

TLS_LIBS := $(addprefix $(TLS_OUT)/,host/libwolfssl.a unit/libwolfssl.a guest/libwolfssl.a)
.PHONY: tls
tls: $(TLS_LIBS)

# ---- tests ----
# A TLS 1.3 and a TLS 1.2 handshake in memory, the refusal of TLS 1.1, and
# resumption with a ticket (tests/unit/tls/test_tls.c).
TLS_UNIT_LIB := $(TLS_OUT)/unit/libwolfssl.a
$(B)/unit/test_tls: tests/unit/tls/test_tls.c $(TLS_UNIT_LIB) tls/user_settings.h | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(TLS_CPPFLAGS) $< $(TLS_UNIT_LIB) -lcmocka -lm -o $@

UNIT_BINS += $(B)/unit/test_tls

# The self-signed certificate and the description of any certificate (tls/cert.c).
$(B)/unit/test_tls_cert: tests/unit/tls/test_tls_cert.c tls/cert.c tls/tls.h $(TLS_UNIT_LIB) \
		tls/user_settings.h | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(TLS_CPPFLAGS) $< tls/cert.c $(TLS_UNIT_LIB) -lcmocka -lm -o $@

UNIT_BINS += $(B)/unit/test_tls_cert

# The TLS layer at the heap's end: io_send when TCP takes part of a record
# and no heap is left for the rest; no handshake again after one failed
# (tests/unit/tls/test_tls_io.c, which includes tls/altcp_wolfssl.c, over
# the unit tests' lwIP wire).
$(B)/unit/test_tls_io: tests/unit/tls/test_tls_io.c tls/altcp_wolfssl.c tls/cert.c net/rxq.c \
		tests/unit/alloc_count.h \
		$(NET_UNIT_WIRE) $(TLS_UNIT_LIB) tls/user_settings.h tls/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(NET_INCLUDES) -Itests/unit/net $< \
		$(filter %.c %.o %.a,$(filter-out tls/altcp_wolfssl.c,$(wordlist 2,99,$^))) \
		-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -lcmocka -lm -o $@

UNIT_BINS += $(B)/unit/test_tls_io
include tls/wolfcrypt.mk
