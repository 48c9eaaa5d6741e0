#!/bin/bash
# Usage: image/qemu.sh BOARD IMAGE WORKDIR
#
# Boots BOARD's SD-card image in QEMU; the serial console is on stdio
# (Ctrl-A X quits). QEMU runs on a fresh copy of IMAGE in WORKDIR, so the
# built image is never changed. The network is QEMU user networking with
# restrict=on (no way out) and these forwards to the appliance:
#   HTTP  127.0.0.1:$HTTP_PORT  (8080) -> 80
#   HTTPS 127.0.0.1:$HTTPS_PORT (9443) -> 443
#   the editor 127.0.0.1:$EDIT_PORT (8443; empty: none) -> 8443, its own
#         origin: https://127.0.0.1:8443/edit/ (the same port as the
#         guest's, which the site's /edit/ redirects to)
#   DNS   127.0.0.1:$DNS_PORT   (5353) -> 53, UDP and TCP
#   echo  127.0.0.1:$ECHO_PORT  (unset: none) -> 7, UDP and TCP
#   discard, chargen 127.0.0.1:$DISCARD_PORT, $CHARGEN_PORT (unset: none) -> 9, 19
# That network drops every UDP datagram the guest sends, forwards included
# (DNS over UDP among them). QEMU_TAP=IFNAME puts the board's NIC on the
# existing TAP device IFNAME instead, with no forwards: the guest is then
# reached at its own address. Run it in a network namespace that holds
# IFNAME (`ip netns exec NS image/qemu.sh ...`, as root; image/qemu-tap.sh
# makes one for a person, the tests make their own).
#
# Boards whose board.conf names a QEMU_MACHINE:
#   with U-Boot (orangepi-pc): the image is the SD card; the SPL at 8 KiB,
#     U-Boot and boot.scr boot Xen exactly as on the real board.
#   without U-Boot (qemu-virt): QEMU loads xen, dom0.zImage and dom0.initrd
#     (taken from the image's p1) itself; the image is a virtio disk.
#
# Non-interactive use (tests): set QEMU_LOG=FILE to send the serial console
# there instead, optionally with QEMU_UNTIL=REGEX to stop QEMU as soon as a
# line matching the extended regex appears (exit 0; exit 1 if it never
# does). QEMU_TIMEOUT=SECONDS bounds the run (default 300 with QEMU_LOG,
# 4 hours interactively). QEMU_PIDFILE=FILE records QEMU's pid.
# QEMU_CONF="KEY=VALUE ..." sets those keys in appliance.conf on the copy,
# replacing their lines, and leaves the built image as it is (the tests turn
# on echo=on, off in the shipped file, this way). QEMU_SELFTEST=MODE is
# short for QEMU_CONF="selftest=MODE" (dom0's test hook).
set -eu

die() { echo "qemu: $*" >&2; exit 1; }
say() { echo "qemu: $*" >&2; }

[ $# -eq 3 ] || die "usage: image/qemu.sh BOARD IMAGE WORKDIR"
board=$1 image=$2 work=$3
here=$(dirname "$0")
env_out=$("$here/board-env.sh" "$board") || exit 1
eval "$env_out"

if [ -z "$QEMU_MACHINE" ]; then
	runnable=$(cd "$here/../board" && grep -l '^QEMU_MACHINE="..*"' -- */board.conf |
		sed 's|/board.conf||' | tr '\n' ' ')
	die "board $board does not run in QEMU; use BOARD= one of: ${runnable% }"
fi
[ -f "$image" ] || die "no image $image (run: make $image BOARD=$board)"
command -v qemu-system-arm >/dev/null 2>&1 ||
	die "missing tool 'qemu-system-arm' (package qemu-system-arm); run 'make setup'"

HTTP_PORT=${HTTP_PORT:-8080}
HTTPS_PORT=${HTTPS_PORT:-9443}
EDIT_PORT=${EDIT_PORT-8443}
DNS_PORT=${DNS_PORT:-5353}
QEMU_LOG=${QEMU_LOG:-}
QEMU_UNTIL=${QEMU_UNTIL:-}
QEMU_PIDFILE=${QEMU_PIDFILE:-}
QEMU_CONF=${QEMU_CONF:-}
QEMU_TAP=${QEMU_TAP:-}
[ -z "${QEMU_SELFTEST:-}" ] || QEMU_CONF="$QEMU_CONF selftest=$QEMU_SELFTEST"
if [ -n "$QEMU_LOG" ]; then
	QEMU_TIMEOUT=${QEMU_TIMEOUT:-300}
else
	QEMU_TIMEOUT=${QEMU_TIMEOUT:-14400}
	[ -z "$QEMU_UNTIL" ] || die "QEMU_UNTIL needs QEMU_LOG"
fi

# Forwards only from 127.0.0.1; restrict=on keeps the guest off every
# other address.
user_net="user,restrict=on"
user_net="$user_net,hostfwd=tcp:127.0.0.1:$HTTP_PORT-:80"
user_net="$user_net,hostfwd=tcp:127.0.0.1:$HTTPS_PORT-:443"
[ -z "$EDIT_PORT" ] || user_net="$user_net,hostfwd=tcp:127.0.0.1:$EDIT_PORT-:8443"
user_net="$user_net,hostfwd=udp:127.0.0.1:$DNS_PORT-:53"
user_net="$user_net,hostfwd=tcp:127.0.0.1:$DNS_PORT-:53"
# The diagnostic services only when asked: the network tests use them.
[ -z "${ECHO_PORT:-}" ] ||
	user_net="$user_net,hostfwd=tcp:127.0.0.1:$ECHO_PORT-:7,hostfwd=udp:127.0.0.1:$ECHO_PORT-:7"
[ -z "${DISCARD_PORT:-}" ] || user_net="$user_net,hostfwd=tcp:127.0.0.1:$DISCARD_PORT-:9"
[ -z "${CHARGEN_PORT:-}" ] || user_net="$user_net,hostfwd=tcp:127.0.0.1:$CHARGEN_PORT-:19"

# The NIC's backend: user networking, or the TAP device (no scripts: the
# caller has set it up, addresses and all, in its namespace).
net_backend=$user_net
if [ -n "$QEMU_TAP" ]; then
	[[ $QEMU_TAP =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || die "QEMU_TAP: '$QEMU_TAP' is not an interface name"
	[ -e "/sys/class/net/$QEMU_TAP" ] ||
		die "no network device $QEMU_TAP here; QEMU_TAP runs inside the network namespace that holds it (ip netns exec NS ...)"
	net_backend="tap,ifname=$QEMU_TAP,script=no,downscript=no"
fi

# QEMU's SD card model takes only power-of-two sizes: pad the copy.
copy_image() {
	local size pow=1
	mkdir -p "$work"
	cp --sparse=always "$image" "$work/sd.img"
	size=$(stat -c %s "$work/sd.img")
	while [ "$pow" -lt "$size" ]; do pow=$((pow * 2)); done
	[ "$pow" -eq "$size" ] || truncate -s "$pow" "$work/sd.img"
}

set_conf() {
	local conf=$work/appliance.conf kv
	export MTOOLS_SKIP_CHECK=1
	mcopy -n -o -i "$work/sd.img@@1048576" ::appliance.conf "$conf" ||
		die "cannot read appliance.conf from p1 of $image"
	for kv in $QEMU_CONF; do
		[[ $kv =~ ^[a-z0-9_]+=[^[:space:]]*$ ]] || die "QEMU_CONF: '$kv' is not KEY=VALUE"
		sed -i "/^${kv%%=*}=/d" "$conf"
		echo "$kv" >>"$conf"
		say "appliance.conf on the copy: $kv"
	done
	mcopy -o -i "$work/sd.img@@1048576" "$conf" ::appliance.conf
}

# QEMU option values are comma-separated; a literal comma is written ",,".
qemu_escape() { printf '%s' "$1" | sed 's/,/,,/g'; }

sd_boot_args() {
	args=(-M "$QEMU_MACHINE"
		-drive "file=$work/sd.img,format=raw,if=sd"
		-nic "$net_backend,model=$QEMU_NIC")
}

direct_boot_args() {
	local f
	export MTOOLS_SKIP_CHECK=1
	for f in xen dom0.zImage dom0.initrd; do
		mcopy -o -n -i "$work/sd.img@@1048576" "::$f" "$work/$f" ||
			die "cannot read $f from p1 of $image"
	done
	args=(-M "$QEMU_MACHINE" -m "$RAM_MB")
	[ -z "$QEMU_CPU" ] || args+=(-cpu "$QEMU_CPU")
	[ -z "$QEMU_SMP" ] || args+=(-smp "$QEMU_SMP")
	args+=(-kernel "$work/xen" -append "$XEN_CMDLINE"
		-device "guest-loader,addr=$DOM0_ADDR,kernel=$work/dom0.zImage,bootargs=$(qemu_escape "$DOM0_BOOTARGS")"
		-device "guest-loader,addr=$INITRD_ADDR,initrd=$work/dom0.initrd"
		-drive "file=$work/sd.img,format=raw,if=none,id=sd"
		-device virtio-blk-device,drive=sd
		-netdev "$net_backend,id=net" -device "$QEMU_NIC,netdev=net")
}

run_interactive() {
	say "$BOARD_NAME: serial console below; Ctrl-A X quits (stops by itself after ${QEMU_TIMEOUT}s)"
	if [ -n "$QEMU_TAP" ]; then
		say "network: TAP device $QEMU_TAP, no forwards; the guest answers at its own address"
	else
		say "HTTP 127.0.0.1:$HTTP_PORT, HTTPS 127.0.0.1:$HTTPS_PORT, DNS 127.0.0.1:$DNS_PORT (tcp; udp answers are dropped)"
		[ -z "$EDIT_PORT" ] || say "the editor: https://127.0.0.1:$EDIT_PORT/edit/"
		say "DNS over TCP: dig +tcp -p $DNS_PORT @127.0.0.1 example.home SOA"
		say "DNS over UDP too: as root, image/qemu-tap.sh $board $image ${work}-tap"
		say "  (the guest at 192.0.2.2 on a TAP device in a network namespace; it prints the commands)"
	fi
	exec timeout --foreground "$QEMU_TIMEOUT" qemu-system-arm "${args[@]}" -nographic
}

run_logged() {
	local pid rc=0 waited=0
	say "$BOARD_NAME: serial console to $QEMU_LOG (at most ${QEMU_TIMEOUT}s)"
	: >"$QEMU_LOG"
	timeout "$QEMU_TIMEOUT" qemu-system-arm "${args[@]}" \
		-display none -monitor none -serial "file:$QEMU_LOG" </dev/null &
	pid=$!
	[ -z "$QEMU_PIDFILE" ] || echo "$pid" >"$QEMU_PIDFILE"
	if [ -z "$QEMU_UNTIL" ]; then
		wait "$pid" || rc=$?
		[ "$rc" -ne 124 ] || say "stopped after ${QEMU_TIMEOUT}s"
		return 0
	fi
	while kill -0 "$pid" 2>/dev/null; do
		if grep -Eq -- "$QEMU_UNTIL" "$QEMU_LOG"; then
			say "'$QEMU_UNTIL' seen after ~${waited}s; stopping QEMU"
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			return 0
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$pid" 2>/dev/null || rc=$?
	grep -Eq -- "$QEMU_UNTIL" "$QEMU_LOG" && return 0
	say "'$QEMU_UNTIL' did not appear (QEMU exit $rc, 124 = timeout); last lines of $QEMU_LOG:"
	tail -n 15 "$QEMU_LOG" >&2
	return 1
}

copy_image
[ -z "${QEMU_CONF// /}" ] || set_conf
if [ -n "$UBOOT_DEFCONFIG" ]; then sd_boot_args; else direct_boot_args; fi
if [ -n "$QEMU_LOG" ]; then run_logged; else run_interactive; fi
