# plat/: the platform interface (plat.h), the appliance.conf parser
# (conf.c, shared by every platform and the image build) and the host
# platform (plat/host/), which runs the services as a Linux process.
#
#   make host        $(B)/host/appliance (and appliance-san, with ASan+UBSan)
#   make host-run    runs the twin on a TAP device (root; see HOST_RUN_*)
#   $(B)/host/confcheck FILE   validates an appliance.conf (the image build uses it)
#
# The twin's objects are compiled by net/module.mk's rules (variants host
# and host-san), with the same flags as net.

HOST_OUT := $(B)/host
PLAT_HOST_SRC := plat/host/main.c plat/host/loop.c plat/host/tap.c plat/host/blk.c plat/host/sys.c
PLAT_HOST_HDRS := plat/host/host.h plat/plat.h plat/conf.h net/net.h

# The twin's link rules are at the end of net/module.mk: they need its
# object lists, and net/module.mk is included after this file.

# appliance.conf checker: `confcheck FILE` prints FILE:LINE: reason, exits 1.
$(HOST_OUT)/confcheck: plat/confcheck.c plat/conf.c plat/conf.h plat/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "host: CC $@"
	@gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. plat/confcheck.c plat/conf.c -o $@

# `make host-run`: the twin on TAP device HOST_RUN_TAP with HOST_RUN_CONF
# (default image/appliance.conf: DHCP). Needs root (CAP_NET_ADMIN) for TAP;
# put the TAP device on a bridge with a DHCP server, or use a static ip in
# a copy of the config, e.g.
#   sudo make host-run HOST_RUN_CONF=my.conf HOST_RUN_TAP=tap0
#   sudo ip addr add 192.0.2.1/24 dev tap0 && sudo ip link set tap0 up
HOST_RUN_CONF ?= image/appliance.conf
HOST_RUN_TAP ?= appliance0
HOST_RUN_DISK ?=
host-run: $(HOST_OUT)/appliance
	$(HOST_OUT)/appliance --conf $(HOST_RUN_CONF) --tap $(HOST_RUN_TAP) \
		$(if $(HOST_RUN_DISK),--disk $(HOST_RUN_DISK))

# Unit test and fuzz target of the parser. ($(B)/unit is tests/unit's
# UNIT_OUT, which is defined after this file.)
PLAT_UNIT_OUT := $(B)/unit
$(PLAT_UNIT_OUT)/test_conf: tests/unit/plat/test_conf.c plat/conf.c plat/conf.h plat/module.mk | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. tests/unit/plat/test_conf.c plat/conf.c -lcmocka -o $@

$(PLAT_UNIT_OUT)/fuzz_conf: tests/fuzz/conf.c plat/conf.c plat/conf.h | $(SETUP)
	@mkdir -p $(@D)
	@echo "fuzz: CC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -I. tests/fuzz/conf.c plat/conf.c -o $@

# Seeds: the shipped file and the committed tests/fuzz/corpus/conf/ (the
# IPv6 forms and their edges); tests/fuzz/conf.dict is the dictionary.
PLAT_CONF_SEEDS := image/appliance.conf $(wildcard tests/fuzz/corpus/conf/*.conf)
$(PLAT_UNIT_OUT)/corpus/conf/.seeded: $(PLAT_CONF_SEEDS)
	@mkdir -p $(@D)
	@cp $^ $(@D)/
	@touch $@
fuzz: $(PLAT_UNIT_OUT)/corpus/conf/.seeded

UNIT_BINS += $(PLAT_UNIT_OUT)/test_conf

# The shutdown hooks' order and grace time (plat/shutdown.c, included by the test).
$(PLAT_UNIT_OUT)/test_shutdown: tests/unit/plat/test_shutdown.c plat/shutdown.c plat/plat.h \
		tests/unit/fake_log.h | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< -lcmocka -o $@
UNIT_BINS += $(PLAT_UNIT_OUT)/test_shutdown

# app_start's order, its turns of the loop and a shutdown while it starts
# (app/app.c and plat/shutdown.c, included by the test; the services faked).
$(PLAT_UNIT_OUT)/test_app: tests/unit/app/test_app.c app/app.c app/app.h plat/shutdown.c \
		plat/plat.h tests/unit/fake_log.h | $(SETUP)
	@mkdir -p $(@D)
	@echo "unit: CC $@"
	@$(UNIT_CC) $(UNIT_CFLAGS) -I. $< -lcmocka -o $@
UNIT_BINS += $(PLAT_UNIT_OUT)/test_app
FUZZ_BINS += $(PLAT_UNIT_OUT)/fuzz_conf
TEST_DEPS += $(PLAT_UNIT_OUT)/test_conf $(PLAT_UNIT_OUT)/fuzz_conf \
	$(PLAT_UNIT_OUT)/corpus/conf/.seeded $(HOST_OUT)/appliance-san $(HOST_OUT)/appliance \
	$(HOST_OUT)/confcheck
TEST_SUITES += "tests/host/conf.sh $(HOST_OUT)/confcheck" "STORECTL=$(STORECTL) tests/host/echo.sh $(HOST_OUT)/appliance-san" \
	"tests/host/http.sh $(HOST_OUT)/appliance-san $(STORECTL)" \
	"tests/host/https.sh $(HOST_OUT)/appliance-san $(STORECTL)" \
	"tests/host/edit-serve.sh $(HOST_OUT)/appliance-san $(STORECTL)" \
	"tests/host/git.sh $(HOST_OUT)/appliance-san $(STORECTL)" \
	"tests/host/http-abuse.sh $(HOST_OUT)/appliance $(STORECTL)" \
	"tests/host/linger.sh $(HOST_OUT)/appliance $(STORECTL)" \
	"tests/host/diag-limits.sh $(HOST_OUT)/appliance-san" \
	"tests/host/pcb-limits.sh $(HOST_OUT)/appliance-san $(STORECTL)" \
	"tests/host/lan.sh $(HOST_OUT)/appliance-san $(STORECTL)" \
	"tests/host/close-data.sh $(HOST_OUT)/appliance-san $(STORECTL)"
BENCH_DEPS += $(HOST_OUT)/appliance
BENCH_SUITES += "tests/host/bench-tcp.sh $(HOST_OUT)/appliance"
