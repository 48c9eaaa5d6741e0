# The one build entry point. Non-recursive: each directory contributes a
# module.mk, so `make -n` shows the whole story.
#
#   make                  out/$(BOARD).img (+ .img.xz, .bmap), set-up included
#   make test             every test (unit, image checks, QEMU, bad input)
#   make check            unit tests only
#   make test-live HOST=... the client suite against a board on the LAN
#                         (PASSWORD_FILE=... adds the push checks)
#   make bench-live HOST=...  the HTTP and DNS load benchmarks against it
#   make qemu BOARD=...   boot the image in QEMU for a person
#   make flash DEV=...    write the image to an SD card, with checks
#   make lock             move the package pins to the archive's versions

.DEFAULT_GOAL := all
SHELL := /bin/bash
# Every core builds: the project's own sources, the guest's libraries and the
# three boards' images are independent. A -j on the command line wins
# (make -j1 for a build log in order).
NPROC := $(shell nproc)
MAKEFLAGS += -j$(NPROC)
.DELETE_ON_ERROR:
# Nothing the build makes is a throw-away intermediate: unpacked sources and
# stamps reached through pattern rules must stay where they are.
.SECONDARY:
.SUFFIXES:

BOARDS := $(sort $(patsubst board/%/board.conf,%,$(wildcard board/*/board.conf)))
BOARD ?= cubieboard2
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error unknown BOARD '$(BOARD)'; known boards: $(BOARDS))
endif

B ?= build
OUT := out
CACHE ?= $(HOME)/.cache/appliance
export CACHE

# $(call board_get,BOARD,KEY): one value from board/BOARD/board.conf.
board_get = $(shell . board/$(1)/board.conf && printf '%s' "$$$(2)")

# Stamp files that order the set-up before anything that needs it.
SETUP := $(B)/.stamp/setup

include deps/module.mk
include hypervisor/module.mk
include hypervisor/dom0/module.mk
include plat/module.mk
include net/module.mk
include tls/module.mk
include edit/module.mk
include store/module.mk
include git/module.mk
include dns/module.mk
include guest/module.mk
include image/module.mk
include tests/module.mk
include hypervisor/linux-domu/module.mk

.PHONY: all clean distclean
all: $(OUT)/$(BOARD).img $(OUT)/$(BOARD).img.xz $(OUT)/$(BOARD).img.bmap

clean:
	rm -rf $(B)/xen $(B)/u-boot $(B)/dom0 $(B)/guest $(B)/image $(OUT)

distclean:
	rm -rf $(B) $(OUT)
