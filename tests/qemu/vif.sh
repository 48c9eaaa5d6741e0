#!/bin/bash
# Usage: tests/qemu/vif.sh BOARD [static|dhcp]   (as root)
#
# dom0 takes the guest's network interface away and gives it back while
# the guest runs (issue 13: "the backend vif detached and reattached by
# dom0: networking recovers without a guest restart"). One boot of a copy
# of BOARD's test image (selftest=vif is for test images only) on a TAP
# device in a network namespace of the test's own (tests/host/netns.sh:
# tap0, 192.0.2.1/24), the guest at ip=192.0.2.2/24 with its echo service
# on; with "dhcp", the guest at ip=dhcp and dnsmasq in the namespace
# leasing it an address, which it must keep (INIT-REBOOT, RFC 2131
# section 3.2: a request and an acknowledgement per cycle). dom0's
# selftest=vif (hypervisor/dom0/init) waits for "guest: ready",
# then, three times: launch vif-detach of the guest's vif (dom0's domain
# builder, hypervisor/dom0/launch.c), 3 s without one, launch vif-attach
# of a new one with the same MAC on br0, 5 s with
# it. From the namespace, this checks:
#   - the guest answers TCP echo and /metrics before the first detach;
#   - while detached, it does not (the detach took effect);
#   - after each attach it answers again, within BOUND_MS (2 s, + 2 s for
#     QEMU's TCG on a busy host) of dom0's "launch vif-attach" line:
#     launch's own work (the device's xenstore entries, the port on the
#     bridge), netfront's handshake and the first answer. Each time is
#     printed, with the guest's own steps. Measured on this 2-core host:
#     0.31-0.39 s (launch vif-attach taking 0.39-0.51 s); with xl
#     network-attach, 0.33-0.36 s in stop 41's CI run (xl taking
#     0.46-0.49 s) and 0.6-1.2 s before the hotplug became one C program;
#   - each attach is announced on tap0 (a gratuitous ARP from the guest's
#     MAC for its address);
#   - an echo connection opened before the first detach carries on across
#     every cycle (TCP retransmits; nothing resets it);
#   - the guest was not restarted: one "guest: ready", the same domid in
#     every dom0 step, appliance_uptime_seconds growing;
#   - nothing leaks per cycle: netfront's count of grants in use is the
#     same at every connection, appliance_heap_bytes and
#     appliance_pbuf_pool_used (when /metrics has it) after the last cycle
#     are where they were before the first.
# Then dom0 takes the guest's disk away (its block backend's state
# Closing, 20 s after the cycles): the guest, whose store can then read
# and write nothing, restarts itself; launch makes it a new domain, whose
# store opens again and which answers again.
# About 4 minutes on qemu-virt.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/qemu/run-lib.sh
. tests/host/netns.sh
board=${1:?usage: tests/qemu/vif.sh BOARD [static|dhcp]}
mode=${2:-static}
img=${B:-build}/image/test/$board.img
work=$(realpath -m "${B:-build}/test/vif-$board")
IP=192.0.2.2
CYCLES=3
BOUND_MS=2000
MARGIN_MS=${VIF_MARGIN_MS:-2000}
# The heap after the cycles against before: a leaked ring page is 4 KiB,
# a buffer block 1 MiB; the echo connections in flight account for less.
HEAP_SLACK=${VIF_HEAP_SLACK:-3072}
say() { echo "qemu-vif: $*"; }

need_root
[ -e "$img" ] || { fail "$img exists (make $img)"; done_tests; exit 1; }
rm -rf "$work" && mkdir -p "$work"
netns_up
case $mode in
static) conf_ip=ip=$IP/24 ;;
dhcp)
	conf_ip=ip=dhcp
	command -v dnsmasq >/dev/null || { fail "dnsmasq is installed (package dnsmasq-base)"; done_tests; exit 1; }
	ns_daemon dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --bind-interfaces \
		--interface=tap0 --dhcp-range=192.0.2.50,192.0.2.59,255.255.255.0,1h \
		--dhcp-leasefile="$work/leases" --log-facility="$work/dnsmasq.log" </dev/null >/dev/null 2>&1
	;;
*) echo "usage: tests/qemu/vif.sh BOARD [static|dhcp]" >&2; exit 2 ;;
esac
say "booting $board in $NS on tap0, the guest at $conf_ip; serial log in $work/serial.log"
export QEMU_CONF="echo=on $conf_ip selftest=vif"
QEMU_TIMEOUT=${QEMU_TIMEOUT:-600} qemu_run_tap "$board" "$img" "$work"
stop_extra() { [ -z "${held_pid:-}" ] || kill "$held_pid" 2>/dev/null; }

# metric NAME: a value of the guest's /metrics, from the namespace.
metric() {
	in_ns curl -sS --max-time 10 "http://$IP/metrics" 2>/dev/null | awk -v m="$1" '$1 == m { print $2 }'
}
echo_ok() { in_ns env ECHO_PORT=7 "$PY" tests/host/echo_client.py tcp "$IP" 4096 >/dev/null 2>&1; }
# answers_after REGEX SECONDS: the guest answers TCP echo within SECONDS
# of the serial log's line REGEX.
answers_after() { in_ns "$PY" tests/qemu/first_answer.py "$log" "$1" "$IP" 7 "$2" >/dev/null; }
# at_most A B, more_than A B: numbers, A set.
at_most() { [ -n "$1" ] && [ "$1" -le "$2" ]; }
more_than() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -gt "$2" ]; }

# Announcements (ARP with the same sender and target address) on tap0,
# one line each with the address and the sender's MAC, for the whole run.
cat >"$work/garp.py" <<'EOF'
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(("tap0", 0))
while True:
    f = s.recv(128)
    if f[12:14] == b"\x08\x06" and f[28:32] == f[38:42]:
        print("announce", socket.inet_ntoa(f[28:32]), f[22:28].hex(":"), flush=True)
EOF
ns_daemon "$PY" -u "$work/garp.py" >"$work/garp.txt" 2>&1

# ---- before ----

if wait_for 'guest: ready \(domid [0-9]+\)' 300; then
	ok "the guest is ready"
else
	fail "the guest is ready"
	tail -n 40 "$log"
	done_tests
	exit 1
fi
domid=$(sed -n 's/.*guest: ready (domid \([0-9]*\)).*/\1/p' "$log" | head -n 1)
if [ "$mode" = dhcp ]; then
	wait_for 'net: ipv4 192\.0\.2\.5[0-9]/24' 60
	IP=$(grep -Eo 'net: ipv4 192\.0\.2\.5[0-9]/24' "$log" | head -n 1 | sed 's/net: ipv4 //; s|/24||')
	check "dhcp: the guest leased ${IP:-nothing}" [ -n "$IP" ]
fi
wait_for 'dom0: selftest: vif: guest ready' 30
check "dom0 runs selftest=vif on domid $domid" \
	grep -q "dom0: selftest: vif: guest ready (domid $domid)" "$log"
check "the guest answers TCP echo at $IP before the first detach" echo_ok
# One echo connection across all the cycles (a round trip every 20 ms).
# Not through in_ns: $! must be the client itself.
ip netns exec "$NS" "$PY" tests/host/echo_client.py rtt "$IP" 600 >"$work/held.txt" 2>&1 &
held_pid=$!
sleep 1
# HTTP starts last (app/app.c), after the echo: /metrics is its.
wait_for 'http: https on tcp port 443' 30
uptime0=$(metric appliance_uptime_seconds)
heap0=$(metric appliance_heap_bytes)
pbufs0=$(metric appliance_pbuf_pool_used)
check "/metrics before the first detach: uptime ${uptime0:-?} s, heap ${heap0:-?} bytes" \
	[ -n "$uptime0" -a -n "$heap0" ]
mac=$(grep -Eo 'netfront: device/vif/[0-9]+: mac [0-9a-f:]{17}' "$log" | head -n 1 | awk '{ print $NF }')

# ---- the cycles ----

uptime_prev=$uptime0
times=()
for ((i = 1; i <= CYCLES; i++)); do
	step="dom0: selftest: vif $i of $CYCLES:"
	if ! wait_for "$step detached" 120; then
		fail "cycle $i: dom0 detached a vif"
		break
	fi
	check "cycle $i: dom0 detached domid $domid's: $(grep -o "$step launch vif-detach .*\]" "$log" | head -n 1)" \
		grep -q "$step launch vif-detach $domid " "$log"
	check "cycle $i: while detached, the guest does not answer" not answers_after "$step detached" 1.5
	probe=$(in_ns "$PY" tests/qemu/first_answer.py "$log" "$step launch vif-attach" "$IP" 7 90)
	ms=$(awk '$1 == "answer" { print $2 }' <<<"$probe")
	# dom0's own times: how long launch vif-attach took (the guest may
	# answer before it returns).
	wait_for "$step attached" 30
	xl_ms=$(grep -E "$step (launch vif-attach|attached)" "$log" | grep -Eo '\[[0-9.]+s\]' | tr -d '[s]' |
		awk 'NR == 1 { t0 = $1 } NR == 2 { printf "%.0f\n", ($1 - t0) * 1000 }')
	check "cycle $i: the guest answers again ${ms:-never} ms after launch vif-attach began (it took ${xl_ms:-?} ms; bound $BOUND_MS ms + $MARGIN_MS ms for TCG)" \
		at_most "$ms" $((BOUND_MS + MARGIN_MS))
	times+=("${ms:-none}")
	wait_for_n 'netfront: connection [0-9]+:' $((i + 1)) 30
	uptime=$(metric appliance_uptime_seconds)
	check "cycle $i: /metrics answers, uptime ${uptime:-?} s > ${uptime_prev:-?} s" \
		more_than "$uptime" "$uptime_prev"
	uptime_prev=$uptime
	announced=$(grep -c "announce $IP $mac" "$work/garp.txt")
	check "cycle $i: the guest announced $IP at $mac ($announced announcements since boot)" \
		[ "$announced" -ge $((i + 1)) ]
done

# ---- after ----

wait_for 'dom0: selftest: vif: [0-9]+ cycles done' 30
check "dom0 finished the cycles" grep -q "dom0: selftest: vif: $CYCLES cycles done" "$log"
check "the guest still answers TCP echo" echo_ok
heap=$(metric appliance_heap_bytes)
pbufs=$(metric appliance_pbuf_pool_used)
check "the heap after $CYCLES cycles: ${heap:-?} bytes, before ${heap0:-?} (slack $HEAP_SLACK)" \
	at_most "$([ -n "$heap" ] && [ -n "$heap0" ] && echo $((heap - heap0)))" "$HEAP_SLACK"
if [ -n "$pbufs0" ]; then
	check "lwIP's receive buffers in use after the cycles: ${pbufs:-?}, before $pbufs0" \
		[ "${pbufs:-x}" = "$pbufs0" ]
else
	say "no appliance_pbuf_pool_used in /metrics: receive buffers not checked"
fi
grants=$(sed -n 's/.*netfront: connection [0-9]*: \([0-9]*\) grants in use.*/\1/p' "$log" | sort -u)
check "netfront's grants in use, the same at all $((CYCLES + 1)) connections: $(echo $grants)" \
	[ "$(grep -c 'netfront: connection [0-9]*: ' "$log")" -eq $((CYCLES + 1)) -a "$(echo "$grants" | wc -l)" -eq 1 ]
check "the guest released every grant it gave the old backends" \
	not grep -q 'netfront: .*still mapped by the backend' "$log"
kill "$held_pid" 2>/dev/null
wait "$held_pid" 2>/dev/null
held_pid=
check "the echo connection opened before the first detach carried on: $(cat "$work/held.txt")" \
	grep -Eq '^[1-9][0-9]* round trips.* failures 0' "$work/held.txt"
if [ "$mode" = dhcp ]; then
	check "dhcp: the guest kept $IP: $(grep -o 'net: ipv4 [0-9.]*' "$log" | sort | uniq -c | xargs)" \
		[ "$(grep -o 'net: ipv4 [0-9.]*' "$log" | sort -u)" = "net: ipv4 $IP" ]
	acks=$(grep -c "DHCPACK(tap0) $IP " "$work/dnsmasq.log")
	check "dhcp: the lease confirmed after each attach ($acks acknowledgements of $IP)" \
		[ "$acks" -ge $((CYCLES + 1)) ]
fi
check "the guest was not restarted: one 'guest: ready' before the disk's step" \
	[ "$(sed '/dom0: selftest: vbd:/,$d' "$log" | grep -c 'guest: ready')" -eq 1 ]
say "recovery per cycle, ms from launch vif-attach to the first echo: ${times[*]}"
grep -E 'netfront: .*(attached by dom0|link down|released|connected at)|net: link' "$log" | sed 's/^/qemu-vif: guest: /'

# ---- the disk lost ----
# dom0 sets the block backend's state to Closing: the guest's store can
# read and write nothing more, so the guest restarts itself (the old code
# ran on, every read of the site 503, until someone power-cycled the
# board); launch makes it a new domain, with a new backend.
# in_log_order REGEX...: each matches a line of the log after the line the one before matched.
in_log_order() {
	local at=0 n r
	for r in "$@"; do
		n=$(tail -n "+$((at + 1))" "$log" | grep -Enm1 -- "$r" | cut -d: -f1)
		[ -n "$n" ] || { echo "not in order: $r"; return 1; }
		at=$((at + n))
	done
}
if wait_for 'dom0: selftest: vbd: the guest restarted' 300 && wait_for_n 'store: opened in' 2 60; then
	check "the disk's backend gone: the guest restarts itself, and its store opens again" in_log_order \
		'dom0: selftest: vbd: the backend of domid' \
		'blkfront: backend left Connected \(state 5\): device gone' \
		'guest: the disk is gone .*: restarting, to connect it again' \
		'guest: clean exit \(reboot\)' \
		'guest: ready \(domid' \
		'store: opened in'
else
	fail "the disk's backend gone: the guest restarts itself"
	tail -n 30 "$log"
fi
wait_for_n 'http: https on tcp port 443' 2 60
again=no
for ((i = 0; i < 30; i++)); do
	echo_ok && again=yes && break
	sleep 1
done
check "the restarted guest answers TCP echo" [ $again = yes ]
check "no panic or fatal exception on the console" \
	not grep -Eiq 'guest: (fatal|panic)|Kernel panic|Xen BUG|dom0: error' "$log"
stop_qemu
trap netns_cleanup EXIT
rm -rf "$work/run"
done_tests
