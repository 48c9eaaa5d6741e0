#!/bin/bash
# Usage: image/board-env.sh BOARD
#
# Prints board/BOARD/board.conf plus the values derived from it as shell
# assignments, for `eval "$(image/board-env.sh BOARD)"`. The one place where
# the dom0 command line is composed: the image recipe (boot.scr), `make qemu`
# and the image checks all read DOM0_BOOTARGS from here.
set -eu

die() { echo "board-env: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: image/board-env.sh BOARD"
board=$1
here=$(dirname "$0")
conf=$here/../board/$board/board.conf
[ -f "$conf" ] || die "unknown board '$board' (no board/$board/board.conf)"

# board.conf is data, but sourcing it is how every consumer reads it.
# shellcheck disable=SC1090
. "$conf"

for key in BOARD_NAME SOC RAM_BASE RAM_MB XEN_ADDR DOM0_ADDR INITRD_ADDR \
	XEN_CMDLINE DOM0_CMDLINE DOM0_MODULES BOOT_DEV STORE_DEV GUEST_MEM_MB; do
	eval "val=\${$key-}"
	[ -n "$val" ] || die "board/$board/board.conf: $key is missing or empty"
done
UBOOT_DEFCONFIG=${UBOOT_DEFCONFIG-}
DTB=${DTB-}
FDT_ADDR=${FDT_ADDR-}
QEMU_MACHINE=${QEMU_MACHINE-}
QEMU_CPU=${QEMU_CPU-}
QEMU_SMP=${QEMU_SMP-}
QEMU_NIC=${QEMU_NIC-}
if [ -n "$UBOOT_DEFCONFIG" ] && { [ -z "$DTB" ] || [ -z "$FDT_ADDR" ]; }; then
	die "board/$board/board.conf: a U-Boot board needs DTB and FDT_ADDR"
fi

# dom0's init reads the appliance.* keys; modules are comma-separated there.
# dom0 keeps time with the ARM generic timer, the counter Xen and the guest
# use too: the wall clock it hands Xen is then tied to their time, not to a
# board timer that may drift against it (hypervisor/dom0/clockskew.c).
#
# cryptomgr.notests: dom0's kernel (Debian's) tests each crypto algorithm
# it has when it boots, 1 s of dom0's 2 s to its init under QEMU's TCG
# (initcall_debug: crypto_algapi_init). Those tests check Debian's build
# of the algorithms, not anything of this board; what dom0 itself runs
# through the crypto API is the check of the modules' signatures, which
# the boot exercises on every module it loads.
modules=$(printf '%s' "$DOM0_MODULES" | tr -s ' ' ',')
DOM0_BOOTARGS="$DOM0_CMDLINE cryptomgr.notests=1 clocksource=arch_sys_counter appliance.boot=$BOOT_DEV appliance.store=$STORE_DEV appliance.modules=$modules"

# Quote for the shell that evals us: single quotes, with ' written '\''.
emit() {
	printf "%s='%s'\n" "$1" "$(printf '%s' "$2" | sed "s/'/'\\\\''/g")"
}
emit BOARD "$board"
for key in BOARD_NAME SOC UBOOT_DEFCONFIG DTB RAM_BASE RAM_MB XEN_ADDR \
	FDT_ADDR DOM0_ADDR INITRD_ADDR XEN_CMDLINE DOM0_CMDLINE DOM0_MODULES \
	BOOT_DEV STORE_DEV GUEST_MEM_MB QEMU_MACHINE QEMU_CPU QEMU_SMP QEMU_NIC \
	DOM0_BOOTARGS; do
	eval "emit $key \"\$$key\""
done
