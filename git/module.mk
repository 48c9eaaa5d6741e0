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
