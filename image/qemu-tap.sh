#!/bin/bash
# Usage: image/qemu-tap.sh BOARD IMAGE WORKDIR   (as root)
#
# `make qemu` with a network that carries UDP: QEMU's user networking drops
# every UDP datagram the guest sends, so DNS over UDP cannot be tried
# through its forwards. This boots BOARD's IMAGE with image/qemu.sh
# (serial console on stdio, Ctrl-A X quits) on a TAP device tap0 inside a
# network namespace of its own, apl-qemu-PID: the namespace's side of tap0
# is 192.0.2.1/24 and the guest is given ip=192.0.2.2/24 in the copy's
# appliance.conf (RFC 5737 documentation addresses; nothing leaves the
# namespace). It prints the commands that reach the guest from another
# terminal, and removes the namespace when QEMU ends. QEMU_CONF and the
# other variables of image/qemu.sh apply.
set -eu

die() { echo "qemu-tap: $*" >&2; exit 1; }
say() { echo "qemu-tap: $*" >&2; }

[ $# -eq 3 ] || die "usage: image/qemu-tap.sh BOARD IMAGE WORKDIR (as root)"
[ "$(id -u)" = 0 ] || die "needs root for a network namespace and a TAP device"
command -v ip >/dev/null 2>&1 || die "missing tool 'ip' (package iproute2)"
here=$(dirname "$0")
NS=apl-qemu-$$
GUEST=192.0.2.2

# Whatever still runs in the namespace would keep it alive, unseen, after
# `ip netns del`: it is stopped first.
cleanup() {
	local p
	trap - EXIT INT TERM
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add dev tap0 mode tap
ip -n "$NS" addr add 192.0.2.1/24 dev tap0
ip -n "$NS" link set tap0 up

say "network namespace $NS: tap0 192.0.2.1/24, the guest $GUEST/24"
say "from another terminal, as root, once the guest says 'dns: udp and tcp port 53':"
say "  ip netns exec $NS dig @$GUEST example.home SOA"
say "  ip netns exec $NS dig +tcp @$GUEST www.example.home A"
say "  ip netns exec $NS curl -k https://$GUEST/"
say "  ip netns exec $NS bash     (a shell in the namespace)"
say "(example.home is the seeded zone, zones/example.home.zone on main)"
QEMU_TAP=tap0 QEMU_CONF="${QEMU_CONF:-} ip=$GUEST/24" \
	ip netns exec "$NS" "$here/qemu.sh" "$@"
