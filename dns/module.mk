# dns/: the authoritative DNS server (issue 11). Prefix dns_.
#
#   dns.h      the numbers: types, classes, flags, rcodes; a record
#   name.c     domain names in wire form
#   zone.c     master files (RFC 1035 5) into records; rdata.c each type's rdata
#              from text, rdata_text.c back to text, rdata_svcb.c SVCB/HTTPS both ways
#   msg.c      messages on the wire: a query read, an answer written
#   db.c       a zone compiled for answering; answer.c the answer to a query
#   server.c   UDP and TCP on lwIP; service.c the zones of the store's main
#
# The server and service are built with net/ (NET_SRC, net/module.mk).

DNS_NAME_SRC := dns/name.c
DNS_RDATA_SRC := dns/rdata.c dns/rdata_svcb.c dns/rdata_text.c
DNS_RDATA_HDR := dns/rdata.h dns/rdata_int.h
DNS_ZONE_SRC := dns/zone.c $(DNS_RDATA_SRC) $(DNS_NAME_SRC)
DNS_ZONE_HDR := dns/zone.h $(DNS_RDATA_HDR) dns/name.h dns/dns.h
DNS_MSG_SRC := dns/msg.c $(DNS_NAME_SRC)
DNS_MSG_HDR := dns/msg.h dns/name.h dns/dns.h
DNS_ANSWER_SRC := dns/answer.c dns/db.c dns/msg.c dns/zone.c $(DNS_RDATA_SRC) $(DNS_NAME_SRC)
DNS_ANSWER_HDR := dns/answer.h dns/db.h $(DNS_ZONE_HDR) dns/msg.h

# ---- tests ----
$(B)/unit/test_dns_name: tests/unit/dns/test_name.c $(DNS_NAME_SRC) dns/name.h dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< $(DNS_NAME_SRC) -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_dns_name

$(B)/unit/test_dns_zone: tests/unit/dns/test_zone.c $(DNS_ZONE_SRC) $(DNS_ZONE_HDR) dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< $(DNS_ZONE_SRC) -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_dns_zone

$(B)/unit/test_dns_msg: tests/unit/dns/test_msg.c $(DNS_MSG_SRC) $(DNS_MSG_HDR) dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< $(DNS_MSG_SRC) -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_dns_msg

$(B)/unit/test_dns_answer: tests/unit/dns/test_answer.c tests/unit/dns/big_txt.h $(DNS_ANSWER_SRC) \
		$(DNS_ANSWER_HDR) tests/unit/alloc_count.h dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< $(DNS_ANSWER_SRC) \
		-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_dns_answer

# Cookies (RFC 7873, 9018) and response rate limiting: no zones needed. The RRL
# test counts allocations through wrapped malloc, calloc and realloc.
$(B)/unit/test_dns_cookie: tests/unit/dns/test_cookie.c dns/cookie.c dns/cookie.h dns/msg.h dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< dns/cookie.c -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_dns_cookie

$(B)/unit/test_dns_rrl: tests/unit/dns/test_rrl.c dns/rrl.c dns/cookie.c $(DNS_NAME_SRC) dns/rrl.h dns/cookie.h dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< dns/rrl.c dns/cookie.c $(DNS_NAME_SRC) \
		-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_dns_rrl

# Fuzz targets: seeds in tests/fuzz/corpus/NAME/, dictionaries tests/fuzz/NAME.dict.
$(B)/unit/fuzz_dns_zone: tests/fuzz/dns_zone.c $(DNS_ZONE_SRC) $(DNS_ZONE_HDR) | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -I. $< $(DNS_ZONE_SRC) -o $@
$(B)/unit/fuzz_dns_msg: tests/fuzz/dns_msg.c $(DNS_MSG_SRC) $(DNS_MSG_HDR) | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -I. $< $(DNS_MSG_SRC) -o $@
$(B)/unit/corpus/dns_zone/.seeded: $(wildcard tests/fuzz/corpus/dns_zone/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
$(B)/unit/corpus/dns_msg/.seeded: $(wildcard tests/fuzz/corpus/dns_msg/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
# The answer to any message: seeded from the message parser's corpus.
$(B)/unit/fuzz_dns_answer: tests/fuzz/dns_answer.c $(DNS_ANSWER_SRC) $(DNS_ANSWER_HDR) | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -I. $< $(DNS_ANSWER_SRC) -o $@
$(B)/unit/corpus/dns_answer/.seeded: $(wildcard tests/fuzz/corpus/dns_msg/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_dns_zone $(B)/unit/fuzz_dns_msg $(B)/unit/fuzz_dns_answer
DNS_SEEDED := $(foreach t,dns_zone dns_msg dns_answer,$(B)/unit/corpus/$(t)/.seeded)
TEST_DEPS += $(DNS_SEEDED)
fuzz: $(DNS_SEEDED)

# The twin's DNS against Debian's nsd (tests/host/dns.sh): the committed
# corpus of queries over UDP and TCP, dig, pipelined TCP, bad packets, the
# push veto. HOST_OUT and STORECTL come from plat/ and store/.
TEST_DEPS += $(HOST_OUT)/appliance-san $(STORECTL)
TEST_SUITES += "tests/host/dns.sh $(HOST_OUT)/appliance-san $(STORECTL)"


# ---- TSIG (dns/tsig.c, RFC 8945; the key file in dns/tsig_keys.c) ----
# HMAC-SHA256 is wolfCrypt's, so tsig.c compiles with TLS_CPPFLAGS
# (tls/module.mk) and links a libwolfssl.a: the unit test the ASan one, the
# fuzz target the host's (uninstrumented: only our code is fuzzed). Seeds
# in tests/fuzz/corpus/dns_tsig/, dictionary tests/fuzz/dns_tsig.dict.
DNS_TSIG_SRC := dns/tsig.c dns/tsig_keys.c $(DNS_RDATA_SRC) $(DNS_MSG_SRC)
DNS_TSIG_HDR := dns/tsig.h dns/tsig_int.h $(DNS_RDATA_HDR) $(DNS_MSG_HDR)
$(B)/unit/test_dns_tsig: tests/unit/dns/test_tsig.c $(DNS_TSIG_SRC) $(DNS_TSIG_HDR) \
		$(TLS_UNIT_LIB) dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(TLS_CPPFLAGS) $< $(DNS_TSIG_SRC) $(TLS_UNIT_LIB) \
		-lcmocka -lm -o $@
UNIT_BINS += $(B)/unit/test_dns_tsig

# NOTIFY (dns/notify.c): the answers to it, a refusal logged; the platform and socket stubbed.
$(B)/unit/test_dns_notify: tests/unit/dns/test_notify.c dns/notify.c dns/notify.h plat/conf.c \
		$(DNS_TSIG_SRC) $(DNS_TSIG_HDR) $(TLS_UNIT_LIB) dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(TLS_CPPFLAGS) $< dns/notify.c plat/conf.c $(DNS_TSIG_SRC) \
		$(TLS_UNIT_LIB) -lcmocka -lm -o $@
UNIT_BINS += $(B)/unit/test_dns_notify

# Zone transfers (dns/xfr.c): AXFR and IXFR, signed, in several messages, the zone replaced meanwhile.
DNS_XFR_SRC := dns/xfr.c dns/tsig.c dns/tsig_keys.c dns/db.c dns/zone.c $(DNS_RDATA_SRC) $(DNS_MSG_SRC)
$(B)/unit/test_dns_xfr: tests/unit/dns/test_xfr.c tests/unit/dns/big_txt.h $(DNS_XFR_SRC) dns/xfr.h $(DNS_TSIG_HDR) \
		$(DNS_ANSWER_HDR) $(TLS_UNIT_LIB) dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(TLS_CPPFLAGS) $< $(DNS_XFR_SRC) $(TLS_UNIT_LIB) \
		-Wl,--wrap=dns_rec_next -lcmocka -lm -o $@
UNIT_BINS += $(B)/unit/test_dns_xfr

# Dynamic updates (dns/update.c) applied to a master file.
DNS_UPDATE_SRC := dns/update.c dns/update_file.c dns/update_replay.c dns/db.c $(DNS_ZONE_SRC) dns/msg.c
DNS_UPDATE_HDR := dns/update.h dns/update_int.h
$(B)/unit/test_dns_update: tests/unit/dns/test_update.c $(DNS_UPDATE_SRC) $(DNS_UPDATE_HDR) \
		$(DNS_ZONE_HDR) $(DNS_MSG_HDR) dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< $(DNS_UPDATE_SRC) -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_dns_update
$(B)/unit/fuzz_dns_update: tests/fuzz/dns_update.c $(DNS_UPDATE_SRC) $(DNS_UPDATE_HDR) $(DNS_ZONE_HDR) \
		$(DNS_MSG_HDR) | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -I. $< $(DNS_UPDATE_SRC) -o $@
$(B)/unit/corpus/dns_update/.seeded: $(wildcard tests/fuzz/corpus/dns_update/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_dns_update
TEST_DEPS += $(B)/unit/corpus/dns_update/.seeded
fuzz: $(B)/unit/corpus/dns_update/.seeded
# nsupdate against the twin (tests/host/dns-update.sh): records added and
# deleted as commits on main, prerequisites, refusals, a replay.
TEST_DEPS += $(HOST_OUT)/appliance-san $(STORECTL)
TEST_SUITES += "tests/host/dns-update.sh $(HOST_OUT)/appliance-san $(STORECTL)"

$(B)/unit/fuzz_dns_tsig: tests/fuzz/dns_tsig.c $(DNS_TSIG_SRC) $(DNS_TSIG_HDR) \
		$(TLS_OUT)/host/libwolfssl.a | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(TLS_CPPFLAGS) $< $(DNS_TSIG_SRC) \
		$(TLS_OUT)/host/libwolfssl.a -o $@
$(B)/unit/corpus/dns_tsig/.seeded: $(wildcard tests/fuzz/corpus/dns_tsig/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_dns_tsig
TEST_DEPS += $(B)/unit/corpus/dns_tsig/.seeded
fuzz: $(B)/unit/corpus/dns_tsig/.seeded

# Benchmark: the twin's DNS beside nsd (tests/bench/dns.sh): dnsperf
# queries/s and latency, callgrind instructions per query, a 10,000-record
# zone's load time and memory.
BENCH_DEPS += $(HOST_OUT)/appliance $(STORECTL)
BENCH_SUITES += "tests/bench/dns.sh $(HOST_OUT)/appliance $(STORECTL)"

# The guest's DNS in QEMU (tests/qemu/dns.sh, root): one boot of a copy of
# qemu-virt's image with the zone in its store, on a TAP device in a
# network namespace of the test's own (user networking drops UDP): dig over
# UDP and TCP, the corpus over UDP and over TCP against nsd, nsd as a
# secondary told by NOTIFY after a push, nsupdate, the client suite of
# make test-live (tests/clients/suite.sh), and the editor in Chromium.
TEST_DEPS += $(OUT)/qemu-virt.img $(STORECTL) $(BROWSER_OUT)/.installed
TEST_SUITES += "OUT=$(OUT) STORECTL=$(STORECTL) BROWSER=$(BROWSER_OUT)/node_modules tests/qemu/dns.sh qemu-virt"

# The twin as the primary of Debian's nsd and knot (tests/host/dns-secondary.sh):
# TSIG transfers, a push followed within seconds through NOTIFY, unsigned or
# wrongly signed transfers refused, kdig's queries on one TCP connection.
# The changes must arrive as incremental IXFRs.
TEST_DEPS += $(HOST_OUT)/appliance-san $(STORECTL)
TEST_SUITES += "tests/host/dns-secondary.sh $(HOST_OUT)/appliance-san $(STORECTL)"

# The counters on /metrics against the twin (tests/host/dns-metrics.sh):
# every answer counted once, by transport and by rcode, a zone transfer
# (several messages) and its refusal too; every UPDATE whatever its
# answer; a flood of UPDATEs over UDP rate limited, not over TCP nor with
# a valid cookie.
TEST_DEPS += $(HOST_OUT)/appliance-san $(STORECTL)
TEST_SUITES += "tests/host/dns-metrics.sh $(HOST_OUT)/appliance-san $(STORECTL)"

# The server's counters (dns/server.c, included for its statics) over the
# sanitized twin's lwIP (net/module.mk's NET_UNIT_WIRE, echo.o for
# net_tcp_listen) with malloc wrapped: an answer whose pbuf or copy cannot
# be had counts as dropped, not as sent.
$(B)/unit/test_dns_server: tests/unit/dns/test_server.c dns/server.c tests/unit/alloc_count.h \
		$(DNS_ANSWER_SRC) dns/cookie.c dns/rrl.c net/rxq.c $(NET_OUT)/host-san/net/echo.o \
		$(NET_UNIT_WIRE) \
		dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(NET_INCLUDES) $< \
		$(filter-out dns/server.c,$(filter %.c %.o %.a,$(wordlist 2,99,$^))) \
		-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_dns_server

# ---- the LAN forwarder (dns/forward.c on lwIP, dns/cache.c pure) ----
# The answer cache under ASan with a fake clock; malloc, calloc and realloc wrapped
# and counted (nothing is allocated after dns_cache_init). The fuzz target
# reads arbitrary bytes as an upstream's answer, keeps it and looks it up;
# seeds in tests/fuzz/corpus/dns_cache/ (answers made with dnspython),
# dictionary tests/fuzz/dns_cache.dict.
DNS_CACHE_SRC := dns/cache.c dns/cookie.c $(DNS_MSG_SRC)
DNS_CACHE_HDR := dns/cache.h dns/cookie.h $(DNS_MSG_HDR)
$(B)/unit/test_dns_cache: tests/unit/dns/test_cache.c $(DNS_CACHE_SRC) $(DNS_CACHE_HDR) dns/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< $(DNS_CACHE_SRC) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc \
		-lcmocka -o $@
UNIT_BINS += $(B)/unit/test_dns_cache

$(B)/unit/fuzz_dns_cache: tests/fuzz/dns_cache.c $(DNS_CACHE_SRC) $(DNS_CACHE_HDR) | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -I. $< $(DNS_CACHE_SRC) -o $@
$(B)/unit/corpus/dns_cache/.seeded: $(wildcard tests/fuzz/corpus/dns_cache/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_dns_cache
TEST_DEPS += $(B)/unit/corpus/dns_cache/.seeded
fuzz: $(B)/unit/corpus/dns_cache/.seeded

# The forwarder in the twin (tests/host/dns-forward.sh, root): a LAN client
# answered from nsd upstream in a namespace of its own, a non-LAN one
# refused, our zone answered from the zone, the cache's TTLs, NXDOMAIN,
# TCP, a flood of names within bounds, and REFUSED with the forwarder off.
TEST_DEPS += $(HOST_OUT)/appliance-san $(STORECTL)
TEST_SUITES += "tests/host/dns-forward.sh $(HOST_OUT)/appliance-san $(STORECTL)"
