#!/bin/bash
# Usage: tests/host/hotplug.sh XEN_HOTPLUG
# dom0's hotplug program (hypervisor/dom0/hotplug.c, which xl runs as
# /etc/xen/scripts/block and vif-bridge), built for this machine with
# sanitizers, against a stand-in xenstored (tests/host/fake_xenstored.py)
# and, for vif-bridge, a bridge and a veth interface in a namespace of the
# test's own. Each error ends in a clear line, exit 1 and hotplug-status
# "error" where xenstored can still be told; the limits of the keys it
# reads are tested at N and N+1. The QEMU suites run the dom0 build.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
prog=$(realpath "${1:-build/host/xen-hotplug}")
bin=$WORK/scripts
mkdir -p "$bin"
ln -s "$prog" "$bin/block"
ln -s "$prog" "$bin/vif-bridge"
ln -s "$prog" "$bin/xen-hotplug"
sock=$WORK/xs.sock
state=$WORK/state.json
VBD=/local/domain/0/backend/vbd/1/51712
VIF=/local/domain/0/backend/vif/1/0
XS_PID=

# xs_start [KEY=VALUE ...] [--fail-write KEY] [--hang-up]: a fresh store.
xs_start() {
	local i
	xs_stop
	rm -f "$sock" "$WORK/xs.out" "$state"
	"$PY" tests/host/fake_xenstored.py "$sock" "$state" "$@" >"$WORK/xs.out" 2>&1 &
	XS_PID=$!
	PIDS+=("$XS_PID")
	for ((i = 0; i < 50; i++)); do
		grep -qs listening "$WORK/xs.out" && return 0
		sleep 0.1
	done
	fail "the stand-in xenstored did not start: $(cat "$WORK/xs.out")"
}
xs_stop() {
	[ -z "$XS_PID" ] || { kill "$XS_PID" 2>/dev/null; wait "$XS_PID" 2>/dev/null; }
	XS_PID=
}
# key PATH: its value in the store, or <none>.
key() {
	"$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], "<none>"))' \
		"$state" "$1"
}

# hp [VAR=VALUE ...] SCRIPT ARGS...: runs it (in the namespace once it
# exists); its output in $out, its status in $rc.
hp() {
	local -a vars=()
	while [[ $1 == *=* ]]; do vars+=("$1"); shift; done
	local script=$bin/$1
	shift
	out=$(${IN_NS:+in_ns} env XENSTORED_PATH="$sock" "${vars[@]}" "$script" "$@" 2>&1)
	rc=$?
}

# refused WHAT REGEX STATUS: the last run exited 1 with a line matching
# REGEX, and BE/hotplug-status is STATUS (error, or <none> when xenstored
# could not be told).
refused() {
	local status
	status=$(key "$BE/hotplug-status")
	if [ "$rc" = 1 ] && echo "$out" | grep -qE -- "$2" && [ "$status" = "$3" ]; then
		ok "$1: $out"
	else
		fail "$1: expected exit 1, /$2/ and hotplug-status $3; got exit $rc, '$out', $status"
	fi
}

# --- block ----------------------------------------------------------------
BE=$VBD
mknod "$WORK/disk" b 7 200
ln -s disk "$WORK/disk-link"
xs_start "$BE/type=phy" "$BE/params=$WORK/disk"
hp XENBUS_PATH=$BE block add
check "block add: exit 0, nothing on stderr ($out)" test "$rc" = 0 -a -z "$out"
check "physical-device is major:minor in hex (7:c8)" test "$(key "$BE/physical-device")" = 7:c8
check "physical-device-path is the device" test "$(key "$BE/physical-device-path")" = "$WORK/disk"
check "hotplug-status connected" test "$(key "$BE/hotplug-status")" = connected

xs_start "$BE/type=phy" "$BE/params=$WORK/disk-link"
hp XENBUS_PATH=$BE block add
check "a symbolic link to the device is followed" test "$rc:$(key "$BE/physical-device")" = 0:7:c8

xs_start "$BE/type=phy" "$BE/params=null"
hp XENBUS_PATH=$BE block add
refused "a params without / is under /dev, and a character device is refused" \
	"^block: not a block device: /dev/null$" error
xs_start "$BE/type=file" "$BE/params=$WORK/disk"
hp XENBUS_PATH=$BE block add
refused "a file: disk" "^block: only phy: disks are supported, not file$" error
xs_start "$BE/type=phy"
hp XENBUS_PATH=$BE block add
refused "no params" "^block: cannot read the disk's params from $BE: no such file or directory$" error
xs_start "$BE/type=phy" "$BE/params=$WORK/missing"
hp XENBUS_PATH=$BE block add
refused "a device that does not exist" "^block: cannot stat $WORK/missing: no such file" error

# params holds up to 255 bytes; the 256th is refused, not cut.
long=$WORK/$(printf 'd%.0s' $(seq $((255 - ${#WORK} - 1))))
xs_start "$BE/type=phy" "$BE/params=$long"
hp XENBUS_PATH=$BE block add
refused "params of 255 bytes is read whole" "^block: cannot stat $long: no such file" error
xs_start "$BE/type=phy" "$BE/params=${long}x"
hp XENBUS_PATH=$BE block add
refused "params of 256 bytes is refused" "^block: cannot read the disk's params from $BE: message too long$" error

# A key's path is at most 3072 bytes (xs_wire.h's XENSTORE_ABS_PATH_MAX);
# the longest this writes is XENBUS_PATH/physical-device-path.
be=/$(printf 'p%.0s' $(seq $((3072 - 21 - 1))))
xs_start "$be/type=phy" "$be/params=$WORK/disk"
hp XENBUS_PATH=$be block add
check "a key path of 3072 bytes is written" \
	test "$rc:$(key "$be/physical-device-path")" = "0:$WORK/disk"
be=${be}p
xs_start "$be/type=phy" "$be/params=$WORK/disk"
hp XENBUS_PATH=$be block add
BE=$be refused "a key path of 3073 bytes is refused" \
	"^block: cannot write to xenstore: physical-device-path: name too long$" error

xs_start "$BE/type=phy" "$BE/params=$WORK/disk" --fail-write physical-device
hp XENBUS_PATH=$BE block add
refused "a write xenstored refuses" \
	"^block: cannot write to xenstore: physical-device: permission denied$" error
xs_start "$BE/type=phy" "$BE/params=$WORK/disk" --hang-up
hp XENBUS_PATH=$BE block add
refused "xenstored hangs up without an answer" \
	"^block: cannot read the disk's type from $BE: connection closed$" "<none>"
xs_stop
hp XENBUS_PATH=$BE block add
refused "xenstored gone" "^block: cannot reach xenstored at $sock: connection refused$" "<none>"
hp XENBUS_PATH=$BE XENSTORED_PATH=$WORK/none block add
refused "no xenstored socket" "^block: cannot reach xenstored at $WORK/none: no such file or directory$" "<none>"

xs_start "$BE/type=phy" "$BE/params=$WORK/disk"
hp block add
refused "XENBUS_PATH not set" "^block: XENBUS_PATH is not set$" "<none>"
hp XENBUS_PATH=$BE block frob
refused "an unknown action" "^block: unknown action frob$" error
hp XENBUS_PATH=$BE block remove
check "block remove: exit 0" test "$rc" = 0 -a -z "$out"
hp XENBUS_PATH=$BE XENSTORED_PATH=$WORK/none block remove
check "block remove needs no xenstored (it may be gone at shutdown)" test "$rc" = 0 -a -z "$out"
hp XENBUS_PATH=$BE xen-hotplug add
check "run under another name: refused ($out)" \
	test "$rc" = 1 -a "$out" = "xen-hotplug: run as block or vif-bridge, not xen-hotplug"

# --- vif-bridge --------------------------------------------------------------
BE=$VIF
netns_up
IN_NS=1
in_ns ip link add br0 type bridge && in_ns ip link set br0 up &&
	in_ns ip link add vif1.0 type veth peer name vif1.0p ||
	fail "bridge br0 and a veth pair vif1.0 in $NS"
# master BRIDGE|-, UP|DOWN of vif1.0 in the namespace.
port() {
	local l
	l=$(ip -n "$NS" -o link show dev vif1.0)
	printf '%s %s' "$(echo "$l" | grep -oE 'master [^ ]+' | cut -d' ' -f2 || echo -)" \
		"$(echo "$l" | grep -qE '<([^>]*,)?UP[,>]' && echo UP || echo DOWN)"
}

xs_start "$BE/type=vif_bridge"
hp XENBUS_PATH=$BE vif=vif1.0 vif-bridge online type_if=vif
check "vif-bridge online: exit 0 ($out)" test "$rc" = 0
check "the port reported for the start-up benchmark" \
	grep -qE '^dom0: vif-bridge: vif1.0 on br0, port state [0-4] \(3 forwarding\) \[[0-9]+\.[0-9]+s\]$' <<<"$out"
check "vif1.0 on br0 (the default bridge) and up: $(port)" test "$(port)" = "br0 UP"
check "hotplug-status connected" test "$(key "$BE/hotplug-status")" = connected
hp XENBUS_PATH=$BE vif=vif1.0 vif-bridge online type_if=vif
check "online again, already a port: exit 0 ($rc)" test "$rc" = 0 -a "$(port)" = "br0 UP"
hp XENBUS_PATH=$BE vif=vif1.0 vif-bridge offline type_if=vif
check "offline: off the bridge and down: $(port)" test "$rc:$(port)" = "0:- DOWN"
hp XENBUS_PATH=$BE vif=vif9.0 vif-bridge offline type_if=vif
check "offline of an interface already gone: exit 0" test "$rc" = 0 -a -z "$out"

in_ns ip link add br1 type bridge
xs_start "$BE/bridge=br1"
hp XENBUS_PATH=$BE vif=vif1.0 vif-bridge add type_if=vif
check "the bridge the backend names: $(port)" test "$rc:$(port)" = "0:br1 UP"
hp XENBUS_PATH=$BE vif=vif1.0 vif-bridge remove type_if=vif
check "and off it again: $(port)" test "$rc:$(port)" = "0:- DOWN"

xs_start "$BE/bridge=br7"
hp XENBUS_PATH=$BE vif=vif1.0 vif-bridge online type_if=vif
refused "a bridge that does not exist" "^vif-bridge: no such bridge: br7$" error
xs_start "$BE/bridge=tap0"
hp XENBUS_PATH=$BE vif=vif1.0 vif-bridge online type_if=vif
refused "an interface that is not a bridge" \
	"^vif-bridge: cannot add the interface to the bridge: vif1.0: " error
xs_start
hp XENBUS_PATH=$BE vif=vif7.0 vif-bridge online type_if=vif
refused "an interface that does not exist" "^vif-bridge: no such interface: vif7.0$" error
hp XENBUS_PATH=$BE vif=vif1.0-0123456789 vif-bridge online type_if=vif
refused "an interface name longer than 15 bytes" \
	"^vif-bridge: no such interface: vif1.0-0123456789$" error
xs_start
hp XENBUS_PATH=$BE vif-bridge online type_if=vif
refused "vif not set" "^vif-bridge: vif is not set$" error
# The bridge key holds up to 31 bytes.
xs_start "$BE/bridge=$(printf 'b%.0s' $(seq 32))"
hp XENBUS_PATH=$BE vif=vif1.0 vif-bridge online type_if=vif
refused "a bridge name of 32 bytes" "^vif-bridge: cannot read the bridge's name from $BE: message too long$" error
xs_start "$BE/bridge=$(printf 'b%.0s' $(seq 31))"
hp XENBUS_PATH=$BE vif=vif1.0 vif-bridge online type_if=vif
refused "a bridge name of 31 bytes is read whole" "^vif-bridge: no such bridge: b{31}$" error
hp XENBUS_PATH=$BE vif=vif1.0 vif-bridge frob
refused "an unknown action" "^vif-bridge: unknown action frob$" error
check "vif1.0 untouched by the refusals: $(port)" test "$(port)" = "- DOWN"

in_ns ip link set vif1.0 nomaster
in_ns ip link set vif1.0 down
xs_stop
done_tests
