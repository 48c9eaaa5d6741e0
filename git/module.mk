# git/: Git's smart HTTP protocol (issue 10), apart from the storage engine
# in store/: it reaches the store only through store/store.h. Prefix git_.
#
#   pkt.c      pkt-lines, the protocol's framing
#
# Compiled with net/ (the server it plugs into) once it serves; for now its
# unit test and fuzz target.

# ---- tests ----
$(B)/unit/test_pkt: tests/unit/git/test_pkt.c git/pkt.c git/pkt.h git/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< git/pkt.c -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_pkt

# Seeds in tests/fuzz/corpus/pkt/, dictionary tests/fuzz/pkt.dict.
$(B)/unit/fuzz_pkt: tests/fuzz/pkt.c git/pkt.c git/pkt.h | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -I. tests/fuzz/pkt.c git/pkt.c -o $@
$(B)/unit/corpus/pkt/.seeded: $(wildcard tests/fuzz/corpus/pkt/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_pkt
TEST_DEPS += $(B)/unit/corpus/pkt/.seeded
fuzz: $(B)/unit/corpus/pkt/.seeded

# ---- auth (git/auth.c) ----
# The push password (git/auth.h). It hashes with wolfCrypt's PBKDF2, so it
# compiles with TLS_CPPFLAGS (tls/module.mk) and links a libwolfssl.a; it
# reads addresses with plat/conf.c. storectl links it too (store/module.mk).
GIT_AUTH_SRC := git/auth.c plat/conf.c
GIT_AUTH_HDR := git/auth.h plat/conf.h plat/plat.h store/store.h

# On a store in memory (the store tests' device and helpers), with the ASan
# wolfSSL; the test fakes the platform's clock, random source and log, and
# counts the KDF's runs through a wrapper of wc_PBKDF2.
$(B)/unit/test_auth: tests/unit/git/test_auth.c $(GIT_AUTH_SRC) $(GIT_AUTH_HDR) \
		tests/unit/fake_log.h $(STORE_UNIT_HELPERS) $(STORE_UNIT_LIB) $(TLS_UNIT_LIB) git/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(STORE_INC) $(TLS_CPPFLAGS) -Itests/unit/store $< \
		$(GIT_AUTH_SRC) $(STORE_UNIT_HELPERS) $(STORE_UNIT_LIB) $(TLS_UNIT_LIB) \
		-Wl,--wrap=wc_PBKDF2 -lcmocka -lpthread -lm -o $@
UNIT_BINS += $(B)/unit/test_auth

# HTTP Basic, base64 and the whole check over a fake store; wolfCrypt is the
# host's (uninstrumented: only our code is fuzzed). Seeds in
# tests/fuzz/corpus/auth/, dictionary tests/fuzz/auth.dict.
$(B)/unit/fuzz_auth: tests/fuzz/auth.c $(GIT_AUTH_SRC) $(GIT_AUTH_HDR) \
		$(TLS_OUT)/host/libwolfssl.a | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(TLS_CPPFLAGS) tests/fuzz/auth.c $(GIT_AUTH_SRC) \
		$(TLS_OUT)/host/libwolfssl.a -o $@
$(B)/unit/corpus/auth/.seeded: $(wildcard tests/fuzz/corpus/auth/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_auth
TEST_DEPS += $(B)/unit/corpus/auth/.seeded
fuzz: $(B)/unit/corpus/auth/.seeded

# The guest's wolfCrypt self-test times a check at GIT_AUTH_ITERATIONS
# (tls/tls_wolfcrypt.c).
$(TLS_OUT)/guest/tls/tls_wolfcrypt.o: git/auth.h

# ---- fuzz: upload and receive ----
# git-upload-pack's and git-receive-pack's request parsers (git/upload.c,
# git/receive.c) over a store in memory (the store tests' device), with the
# store's fuzz flavour. Seeds in tests/fuzz/corpus/git_upload/ and
# tests/fuzz/corpus/git_receive/ (real requests over the targets' stores),
# dictionaries tests/fuzz/git_upload.dict and tests/fuzz/git_receive.dict.
GIT_PROTO_SRC := git/pkt.c git/refs.c git/walk.c
GIT_PROTO_HDR := git/pkt.h git/refs.h git/walk.h store/store.h
GIT_FUZZ_FLAGS = $(STORE_INC) -I$(NET_OUT) -Itests/unit/store
GIT_FUZZ_FIXTURE := tests/fuzz/git_fixture.c tests/fuzz/git_fixture.h

$(B)/unit/fuzz_git_upload: tests/fuzz/git_upload.c git/upload.c git/upload.h $(GIT_PROTO_SRC) \
		$(GIT_PROTO_HDR) $(GIT_FUZZ_FIXTURE) $(NET_OUT)/version.h tests/unit/store/memblk.c \
		$(STORE_OUT)/fuzz/libstore.a | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(GIT_FUZZ_FLAGS) $< git/upload.c $(GIT_PROTO_SRC) \
		tests/fuzz/git_fixture.c tests/unit/store/memblk.c $(STORE_OUT)/fuzz/libstore.a -o $@
$(B)/unit/corpus/git_upload/.seeded: $(wildcard tests/fuzz/corpus/git_upload/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_git_upload
TEST_DEPS += $(B)/unit/corpus/git_upload/.seeded
fuzz: $(B)/unit/corpus/git_upload/.seeded

$(B)/unit/fuzz_git_receive: tests/fuzz/git_receive.c git/receive.c git/receive.h $(GIT_PROTO_SRC) \
		$(GIT_PROTO_HDR) $(GIT_FUZZ_FIXTURE) tests/unit/store/memblk.c $(STORE_OUT)/fuzz/libstore.a | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(GIT_FUZZ_FLAGS) $< git/receive.c $(GIT_PROTO_SRC) \
		tests/fuzz/git_fixture.c tests/unit/store/memblk.c $(STORE_OUT)/fuzz/libstore.a -o $@
$(B)/unit/corpus/git_receive/.seeded: $(wildcard tests/fuzz/corpus/git_receive/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_git_receive
TEST_DEPS += $(B)/unit/corpus/git_receive/.seeded
fuzz: $(B)/unit/corpus/git_receive/.seeded

# git-receive-pack over a store in memory: the veto, atomic pushes, the
# site's branch, the command limit.
$(B)/unit/test_receive: tests/unit/git/test_receive.c git/receive.c git/receive.h $(GIT_PROTO_SRC) \
		$(GIT_PROTO_HDR) $(STORE_UNIT_HELPERS) $(STORE_UNIT_LIB) tests/unit/alloc_count.h \
		git/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(STORE_INC) -Itests/unit/store $< git/receive.c $(GIT_PROTO_SRC) \
		$(STORE_UNIT_HELPERS) $(STORE_UNIT_LIB) -Wl,--wrap=store_refs_push \
		-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -lcmocka -lpthread \
		-o $@
UNIT_BINS += $(B)/unit/test_receive

# git-upload-pack over a store in memory, at its limits.
$(B)/unit/test_upload: tests/unit/git/test_upload.c git/upload.c git/upload.h $(GIT_PROTO_SRC) \
		$(GIT_PROTO_HDR) $(STORE_UNIT_HELPERS) $(STORE_UNIT_LIB) $(NET_OUT)/version.h \
		git/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(STORE_INC) -Itests/unit/store -I$(NET_OUT) $< git/upload.c \
		$(GIT_PROTO_SRC) $(STORE_UNIT_HELPERS) $(STORE_UNIT_LIB) -Wl,--wrap=store_refs_each \
		-lcmocka -lpthread -o $@
UNIT_BINS += $(B)/unit/test_upload
