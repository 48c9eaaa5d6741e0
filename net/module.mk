# net/: lwIP 2.1.3 (from the pinned Debian source, $(B)/src/lwip) with our
# port (lwipopts.h, arch/cc.h), the netif over the platform's Ethernet
# device and the services. Built twice:
#
#   $(B)/net/libnet-guest.a   for the guest (arm-none-eabi, newlib); the
#                             guest links it when NET_GUEST_LIB is set
#   host objects              linked into the host twin by plat/module.mk
#
# plat/conf.c (the appliance.conf parser) is in both: net reads its
# settings through it, and the guest links it from libnet-guest.a for
# plat_config_get, which checks every value dom0 hands it (guest/plat_xen.c).
# So are the portable parts of the platform (plat/shutdown.c, the hooks'
# order) and app/app.c, the one place that starts the services.

NET_OUT := $(B)/net
LWIP_DIR := $(B)/src/lwip
LWIP_UNPACKED := $(LWIP_DIR)/.unpacked

# The parts of lwIP we use (lwIP's src/Filelists.mk names the same files):
# the core, IPv4, IPv6 and Ethernet. No sockets, no netconn, no apps.
LWIP_SRC := $(addprefix core/,def.c inet_chksum.c init.c ip.c mem.c memp.c netif.c \
		pbuf.c raw.c stats.c sys.c altcp.c altcp_alloc.c altcp_tcp.c tcp.c \
		tcp_in.c tcp_out.c timeouts.c udp.c) \
	$(addprefix core/ipv4/,dhcp.c etharp.c icmp.c ip4_frag.c ip4.c ip4_addr.c) \
	$(addprefix core/ipv6/,ethip6.c icmp6.c inet6.c ip6.c ip6_addr.c ip6_frag.c \
		mld6.c nd6.c) \
	netif/ethernet.c
NET_SRC := net/net.c net/rxq.c net/tcp_hooks.c net/isn.c net/syncookie.c net/netif.c net/echo.c net/bulk.c net/http_parse.c net/http.c \
	net/http_site.c net/http_cache.c net/http_body.c net/http_git.c \
	git/pkt.c git/refs.c git/walk.c git/upload.c git/receive.c git/auth.c \
	dns/name.c dns/zone.c dns/rdata.c dns/rdata_svcb.c dns/rdata_text.c dns/msg.c dns/db.c \
	dns/answer.c dns/server.c dns/service.c \
	dns/cookie.c dns/rrl.c dns/tsig.c dns/tsig_keys.c dns/xfr.c dns/notify.c \
	dns/update.c dns/update_file.c dns/update_store.c dns/update_replay.c \
	dns/cache.c dns/forward.c \
	plat/conf.c plat/shutdown.c \
	tls/altcp_wolfssl.c tls/cert.c tls/service.c \
	app/app.c
NET_HDRS := net/lwipopts.h net/arch/cc.h net/net.h net/net_int.h net/rxq.h net/isn.h net/syncookie.h plat/conf.h plat/plat.h \
	app/app.h

# tls/'s service and altcp layer are built here too (they are lwIP code as
# much as wolfSSL code); the wolfSSL library itself comes from tls/module.mk.
NET_INCLUDES := -Inet -I$(LWIP_DIR)/src/include -I. -Istore -I$(B)/net -I$(B)/src/zlib \
	-DWOLFSSL_USER_SETTINGS -Itls -I$(B)/src/wolfssl
# Third-party code gets warnings but not -Werror: a warning there is not ours to fix.
NET_LWIP_WARN := -Wall -Wextra -Wno-unused-parameter
NET_OUR_WARN := -Wall -Wextra -Werror

# Recursive: GUEST_CC and GUEST_ARCH_FLAGS come from guest/module.mk, included later.
NET_GUEST_CC = $(GUEST_CC)
# tls/'s files see wolfSSL's headers as the guest's library was built (tls/module.mk).
NET_GUEST_CFLAGS = $(GUEST_ARCH_FLAGS) $(GUEST_FRAME_WARN) -O2 -g -std=gnu11 -ffunction-sections \
	-fdata-sections -fno-common $(NET_INCLUDES) -MMD -MP \
	-DTLS_GUEST=1 $(TLS_GUEST_SP_FLAGS_$(TLS_GUEST_SP))

NET_HOST_CC := gcc
NET_HOST_CFLAGS := -O2 -g -std=gnu11 -D_GNU_SOURCE $(NET_INCLUDES) -MMD -MP
# The twin the tests run: AddressSanitizer and UBSan, like the unit tests.
NET_SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Object lists per variant: $(call net_objs,VARIANT).
net_objs = $(addprefix $(NET_OUT)/$(1)/lwip/,$(LWIP_SRC:.c=.o)) \
	$(addprefix $(NET_OUT)/$(1)/,$(NET_SRC:.c=.o))

# The lwIP sources appear when the pinned source package is unpacked.
$(LWIP_DIR)/src/%.c: $(LWIP_UNPACKED) ;

# $(call net_variant,VARIANT,CC,CFLAGS): compile rules for one build of net.
define net_variant
$(NET_OUT)/$(1)/lwip/%.o: $(LWIP_DIR)/src/%.c $(LWIP_UNPACKED) net/lwipopts.h net/arch/cc.h net/module.mk | $(SETUP)
	@mkdir -p $$(@D)
	@echo "net($(1)): CC lwip/$$*.c"
	@$(2) $(3) $(NET_LWIP_WARN) -c $$< -o $$@

# HTTP's gzip is zlib's (NET_INCLUDES): its source is unpacked first.
$(NET_OUT)/$(1)/%.o: %.c $(LWIP_UNPACKED) $(B)/src/wolfssl/.unpacked $(B)/src/zlib/.unpacked \
		net/module.mk | $(SETUP)
	@mkdir -p $$(@D)
	@echo "net($(1)): CC $$<"
	@$(2) $(3) $(NET_OUR_WARN) -c $$< -o $$@

-include $$(patsubst %.o,%.d,$$(call net_objs,$(1)))
endef

$(eval $(call net_variant,guest,$$(NET_GUEST_CC),$$(NET_GUEST_CFLAGS)))
$(eval $(call net_variant,host,$$(NET_HOST_CC),$$(NET_HOST_CFLAGS)))
$(eval $(call net_variant,host-san,$$(NET_HOST_CC),$$(NET_HOST_CFLAGS) $$(NET_SAN_FLAGS)))

# The version /.well-known/appliance/status reports: `git describe`, written
# only when it changes, so a new commit rebuilds one object per variant.
NET_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unversioned)
$(NET_OUT)/version.h: FORCE
	@mkdir -p $(@D)
	@printf '#define APP_VERSION "%s"\n' '$(NET_VERSION)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(foreach v,guest host host-san,$(NET_OUT)/$(v)/net/http_site.o $(NET_OUT)/$(v)/net/http_git.o \
		$(NET_OUT)/$(v)/dns/service.o): \
	$(NET_OUT)/version.h

NET_GUEST_LIB := $(NET_OUT)/libnet-guest.a
NET_GUEST_AR = $(patsubst %gcc,%ar,$(GUEST_CC))

$(NET_GUEST_LIB): $(call net_objs,guest)
	@echo "net: AR $@"
	@rm -f $@
	@$(NET_GUEST_AR) rcs $@ $^

.PHONY: net-guest
net-guest: $(NET_GUEST_LIB)

# The host twin (plat/module.mk describes it): plat/host + net + lwIP.
plat_host_objs = $(call net_objs,$(1)) $(addprefix $(NET_OUT)/$(1)/,$(PLAT_HOST_SRC:.c=.o))

.PHONY: host host-run
host: $(HOST_OUT)/appliance $(HOST_OUT)/appliance-san $(HOST_OUT)/confcheck

# The store comes from store/module.mk's flavours (included later, hence
# the literal paths): optimised for the twin, sanitized for the tests' twin.
# wolfSSL likewise from tls/module.mk's: optimised, and with the unit tests' sanitizers.
$(HOST_OUT)/appliance: $(call plat_host_objs,host) $(B)/store/host/libstore.a \
		$(B)/tls/host/libwolfssl.a
	@mkdir -p $(@D)
	@echo "host: LD $@"
	@$(NET_HOST_CC) $^ -lm -o $@

$(HOST_OUT)/appliance-san: $(call plat_host_objs,host-san) $(B)/store/unit/libstore.a \
		$(B)/tls/unit/libwolfssl.a
	@mkdir -p $(@D)
	@echo "host: LD $@"
	@$(NET_HOST_CC) $(NET_SAN_FLAGS) $^ -lm -o $@

-include $(patsubst %.c,$(B)/net/host/%.d,$(PLAT_HOST_SRC)) \
	$(patsubst %.c,$(B)/net/host-san/%.d,$(PLAT_HOST_SRC))

# ---- tests ----
# RFC 6528 TCP initial sequence numbers (isn.c): SipHash-2-4 vectors and
# the ISN's properties. UNIT_CC and UNIT_CFLAGS come from
# tests/unit/module.mk, included later: recipes expand them when they run.
$(B)/unit/test_isn: tests/unit/net/test_isn.c net/isn.c net/isn.h net/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Inet $< net/isn.c -lcmocka -o $@

UNIT_BINS += $(B)/unit/test_isn

# SYN cookies (syncookie.c): unit test, and a fuzz target for the SYN's
# options they read, seeded from tests/fuzz/corpus/tcp_opt/.
$(B)/unit/test_syncookie: tests/unit/net/test_syncookie.c net/syncookie.c net/syncookie.h net/isn.c \
		net/isn.h net/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Inet $< net/syncookie.c net/isn.c -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_syncookie

$(B)/unit/fuzz_tcp_opt: tests/fuzz/tcp_opt.c net/syncookie.c net/syncookie.h net/isn.c | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Inet tests/fuzz/tcp_opt.c net/syncookie.c net/isn.c -o $@
$(B)/unit/corpus/tcp_opt/.seeded: $(wildcard tests/fuzz/corpus/tcp_opt/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_tcp_opt
TEST_DEPS += $(B)/unit/corpus/tcp_opt/.seeded
fuzz: $(B)/unit/corpus/tcp_opt/.seeded

# SYN cookies inside lwIP (tcp_hooks.c): the real ip4_input and tcp_input
# take a cookie's ACK, whole or split over two pbufs, and with no heap or
# pcb for it. lwIP's objects come as the sanitized twin's, from an archive
# so that only those TCP over IPv4 needs are linked.
NET_UNIT_LWIP := $(B)/unit/liblwip-san.a
$(NET_UNIT_LWIP): $(addprefix $(NET_OUT)/host-san/lwip/,$(LWIP_SRC:.c=.o))
	@mkdir -p $(@D)
	@rm -f $@
	@ar rcs $@ $^
NET_UNIT_WIRE := tests/unit/net/wire.c tests/unit/net/wire.h \
	$(addprefix $(NET_OUT)/host-san/net/,tcp_hooks.o isn.o syncookie.o) $(NET_UNIT_LWIP)
$(B)/unit/test_tcp_cookie: tests/unit/net/test_tcp_cookie.c tests/unit/alloc_count.h \
		$(NET_UNIT_WIRE) net/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(NET_INCLUDES) $< $(filter %.c %.o %.a,$(wordlist 2,99,$^)) \
		-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_tcp_cookie

# Resets from lwIP's callbacks (net_tcp_abort): from a sent callback whose
# segment also brings data, nothing is lost; and echo's reset of an idle
# connection. The same wire, with echo.o.
$(B)/unit/test_tcp_reset: tests/unit/net/test_tcp_reset.c $(NET_OUT)/host-san/net/echo.o \
		$(NET_UNIT_WIRE) net/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(NET_INCLUDES) $< $(filter %.c %.o %.a,$(wordlist 2,99,$^)) \
		-lcmocka -o $@
UNIT_BINS += $(B)/unit/test_tcp_reset

# The HTTP request parser: unit tests, and a fuzz target seeded from
# tests/fuzz/corpus/http/ with tests/fuzz/http.dict.
$(B)/unit/test_http_parse: tests/unit/net/test_http_parse.c net/http_parse.c net/http_parse.h \
		net/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Inet $< net/http_parse.c -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_http_parse

# Request bodies, counted or chunked (http_body.c): unit test, and a fuzz
# target seeded from tests/fuzz/corpus/http_body/.
$(B)/unit/test_http_body: tests/unit/net/test_http_body.c net/http_body.c net/http_body.h plat/hex.h \
		net/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -Inet -I. $< net/http_body.c -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_http_body

# What a request's target answers (http_site.c, included for its statics),
# over a store in memory and the real path cache. The store's unit helpers
# and library by name: store/module.mk is included after this file.
NET_SITE_STORE := tests/unit/store/memblk.c tests/unit/store/fixture.c $(B)/store/unit/libstore.a
$(B)/unit/test_http_site: tests/unit/net/test_http_site.c net/http_site.c net/http_int.h \
		net/http_parse.c net/http_cache.c $(NET_SITE_STORE) net/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(NET_INCLUDES) -Itests/unit/store $< net/http_parse.c \
		net/http_cache.c $(NET_SITE_STORE) -lcmocka -lpthread -o $@
UNIT_BINS += $(B)/unit/test_http_site

# The server's connections (http.c) over a stand-in altcp layer whose send
# buffer the test sizes and whose writes it refuses, the site stubbed:
# the 100 Continue goes out whole, once, first. zlib from the store's
# unit library.
$(B)/unit/test_http_conn: tests/unit/net/test_http_conn.c net/http.c net/http_int.h \
		net/http_parse.c net/http_body.c net/rxq.c $(B)/store/unit/libstore.a net/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) $(NET_INCLUDES) $< net/http.c net/http_parse.c net/http_body.c net/rxq.c \
		$(B)/store/unit/libstore.a -Wl,--wrap=http_parse_request -lcmocka -o $@
UNIT_BINS += $(B)/unit/test_http_conn

$(B)/unit/fuzz_http_body: tests/fuzz/http_body.c net/http_body.c net/http_body.h | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Inet -I. tests/fuzz/http_body.c net/http_body.c -o $@
$(B)/unit/corpus/http_body/.seeded: $(wildcard tests/fuzz/corpus/http_body/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_http_body
TEST_DEPS += $(B)/unit/corpus/http_body/.seeded
fuzz: $(B)/unit/corpus/http_body/.seeded

$(B)/unit/fuzz_http: tests/fuzz/http.c net/http_parse.c net/http_parse.h | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Inet tests/fuzz/http.c net/http_parse.c -o $@
$(B)/unit/corpus/http/.seeded: $(wildcard tests/fuzz/corpus/http/*)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
FUZZ_BINS += $(B)/unit/fuzz_http
TEST_DEPS += $(B)/unit/corpus/http/.seeded
fuzz: $(B)/unit/corpus/http/.seeded
