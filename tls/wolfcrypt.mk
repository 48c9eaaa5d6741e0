# wolfSSL's own wolfCrypt test and benchmark for the guest: wolfSSL's
# wolfcrypt/test/test.c and wolfcrypt/benchmark/benchmark.c, compiled with
# the guest flavour's flags and configuration (so they exercise exactly the
# code in $(TLS_OUT)/guest/libwolfssl.a, the P-256 assembly included), and
# tls/tls_wolfcrypt.c, which runs them (tls_wolfcrypt.h). Only the test
# build of the guest links TLS_WOLFCRYPT_OBJS (guest/module.mk), for its
# selftest=wolfcrypt (guest/selftest.h); the product guest carries none of
# it. tests/qemu/wolfcrypt.sh checks the test, tests/bench/wolfcrypt.sh
# reports the benchmark.

TLS_WOLFCRYPT_OUT := $(TLS_OUT)/guest/wolfcrypt-test

# The test's and the benchmark's own knobs, for these objects only (the
# library is built without them):
#   USE_CERT_BUFFERS_256/2048  keys and certificates from wolfSSL's
#                              certs_test.h: the guest has no files
#   BENCH_EMBEDDED             small work units (25 KiB per cipher or hash
#                              round, 2 operations per public-key round),
#                              so each measurement lasts about its 1 s
#                              minimum even under QEMU's emulation (about
#                              40 s in all)
#   AES_AAD_OPTIONS_DEFAULT    AES-GCM with the usual 13 bytes of AAD only,
#                              not again with none
# NO_MAIN_DRIVER (user_settings.h) already makes wolfcrypt_test() and
# benchmark_test() plain functions; HAVE_STACK_SIZE stays off (no threads).
TLS_WOLFCRYPT_DEFS := -DUSE_CERT_BUFFERS_256 -DUSE_CERT_BUFFERS_2048 -DBENCH_EMBEDDED \
	-DAES_AAD_OPTIONS_DEFAULT=0x1U

TLS_WOLFCRYPT_OBJS := $(TLS_WOLFCRYPT_OUT)/test/test.o \
	$(TLS_WOLFCRYPT_OUT)/benchmark/benchmark.o $(TLS_OUT)/guest/tls/tls_wolfcrypt.o

# wolfSSL's code: its warnings, not -Werror (as for the library).
$(TLS_WOLFCRYPT_OUT)/%.o: $(WOLFSSL_DIR)/wolfcrypt/%.c $(WOLFSSL_UNPACKED) tls/user_settings.h \
		tls/module.mk tls/wolfcrypt.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "tls(guest): CC wolfssl/wolfcrypt/$*.c (test build)"
	@$(GUEST_CC) $(TLS_GUEST_CFLAGS) $(TLS_WOLFSSL_WARN) $(TLS_CPPFLAGS) $(TLS_WOLFCRYPT_DEFS) \
		-c $< -o $@

# Ours: tls/module.mk's rule for tls/*.c, with its own header.
$(TLS_OUT)/guest/tls/tls_wolfcrypt.o: tls/tls_wolfcrypt.h tls/wolfcrypt.mk
