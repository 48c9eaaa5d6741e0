#!/bin/bash
# Usage: tests/qemu/echo.sh BOARD
#
# The guest's network path end to end in QEMU: netfront -> dom0's bridge ->
# QEMU user networking (restrict=on). The guest must get its address by
# DHCP from QEMU, and a client on this host must reach its TCP echo through
# a port forwarded on 127.0.0.1, with 1 MiB echoed intact, and its HTTP
# server, which serves the site seeded into the image's store.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/qemu/run-lib.sh
board=${1:?usage: tests/qemu/echo.sh BOARD}
img=${OUT:-out}/$board.img
work=${B:-build}/test/echo-$board
log=$work/serial.log
CLIENT=tests/host/echo_client.py
mkdir -p "$work"

# dom0's network self-test: it pings the guest, then leaves it running.
export QEMU_SELFTEST=net
# echo, discard and chargen are off in the shipped appliance.conf: on for
# this test only. The bad ip6_gateway (the value that overflowed the IPv6
# parser, issue 7) reaches the guest as dom0 copies the file: the guest
# must refuse it, say so, and go on without it.
BAD_GW6=1:2:3:4:5:6:7:8::1:2:3:4:5:6:7:8:9:a:b:c
export QEMU_CONF="echo=on ip6_gateway=$BAD_GW6"
# A free port on 127.0.0.1 for the forward.
ECHO_PORT=$(free_port)
HTTP_PORT=$(free_port)
export ECHO_PORT HTTP_PORT

echo "qemu-echo: booting $board, echo forwarded from 127.0.0.1:$ECHO_PORT; serial log in $log"
start=$(date +%s.%N)
qemu_run "$board" "$img" "$work"

elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)"; }

if wait_for 'net: ipv4 [0-9.]+/[0-9]+ gateway' 240; then
	ok "guest got an address by DHCP after $(elapsed) s: $(grep -Eo 'net: ipv4 [0-9./]+' "$log" | head -1)"
else
	fail "guest got no address by DHCP"
	tail -n 30 "$log"
	done_tests
	exit 1
fi
check "guest address is QEMU's DHCP range (10.0.2.x)" grep -Eq 'net: ipv4 10\.0\.2\.[0-9]+/24' "$log"
if wait_for 'dom0: selftest: net ready|dom0: error' 30 && grep -q 'dom0: selftest: net ready' "$log"; then
	ok "guest answers ping from dom0: $(grep -o 'ping [0-9.]* from dom0: .*received' "$log" | head -1)"
else
	fail "guest answers ping from dom0"
	grep -E 'dom0: (error|selftest)' "$log"
fi
wait_for 'echo: tcp and udp port 7' 10
# No UDP through the forward: with restrict=on, QEMU's slirp drops every
# UDP datagram the guest sends (udp_input: "if (slirp->restricted) goto
# bad") before it looks for the forward's socket, so replies never leave.
# UDP echo is covered by the host twin (tests/host/echo.sh).
check "tcp echo of 1 MiB intact through the forward" "$PY" "$CLIENT" tcp 127.0.0.1 1048576
# The site, from the store on the STORE partition, over HTTP (plain; HTTPS
# comes with TLS) through the forward to the guest's port 80.
check "the guest serves the seeded site over HTTP: $(grep -o 'http: tcp port.*' "$log" | head -1)" \
	cmp -s <(curl -sS --max-time 60 "http://127.0.0.1:$HTTP_PORT/") store/seed/site/index.html
st=$(curl -sS --max-time 60 "http://127.0.0.1:$HTTP_PORT/.well-known/appliance/status")
check "the guest's status (QEMU's forward comes from its subnet): $st" \
	"$PY" -c "import json,sys; d = json.loads(sys.argv[1]); assert d['heap_used'] > 0 and len(d['site_commit']) == 40" "$st"
check "a page the site lacks is 404" \
	[ "$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/no-such-page")" = 404 ]
check "the guest refused the bad ip6_gateway from xenstore, with its reason" \
	grep -Eq 'config: refused appliance/ip6_gateway: expected an IPv6 address' "$log"
check "no panic or fatal exception on the console" \
	bash -c "! grep -Eq 'guest: (fatal|panic)|Kernel panic|Xen BUG' '$log'"
done_tests
