#!/bin/bash
# Usage: tests/host/echo.sh APPLIANCE
# The host twin's network stack end to end, in a network namespace of its
# own: static IPv4 and IPv6, TCP echo of 1 MiB intact on both, UDP echo
# (also fragmented), ping, IPv6 link-local; then DHCP and SLAAC from a
# dnsmasq in the same namespace; SIGTERM gives a clean exit. Last, with the
# shipped appliance.conf (and with no echo key at all), echo, discard and
# chargen are off: TCP refused, UDP echo unanswered.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
CLIENT=tests/host/echo_client.py
MIB=1048576

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }

# ---- static addresses ----
cat >"$WORK/static.conf" <<CONF
hostname=twin
ip=192.0.2.2/24
gateway=192.0.2.1
ip6=fd00:db8::2/64
echo=on
CONF
twin_start "$WORK/static.log" "$WORK/static.conf" 02:00:00:00:00:02
check "twin up with static addresses" wait_log "$WORK/static.log" "ipv6 fd00:db8::2 preferred" 10
check "tcp echo, 1 MiB, ipv4" in_ns "$PY" "$CLIENT" tcp 192.0.2.2 $MIB
check "discard (RFC 863) takes 1 MiB" in_ns "$PY" "$CLIENT" send 192.0.2.2 $MIB
check "chargen (RFC 864) sends 1 MiB of its pattern" in_ns "$PY" "$CLIENT" recv 192.0.2.2 $MIB
check "udp echo, ipv4" in_ns "$PY" "$CLIENT" udp 192.0.2.2 1000
check "udp echo, 8000 bytes (fragmented both ways)" in_ns "$PY" "$CLIENT" udp 192.0.2.2 8000
check "ping ipv4" in_ns "$PY" "$CLIENT" ping 192.0.2.2 3
check "tcp echo, 1 MiB, ipv6 static" in_ns "$PY" "$CLIENT" tcp fd00:db8::2 $MIB
check "udp echo, ipv6" in_ns "$PY" "$CLIENT" udp fd00:db8::2 1200
# EUI-64 from the MAC 02:00:00:00:00:02 (RFC 4291 appendix A).
check "tcp echo, ipv6 link-local" in_ns "$PY" "$CLIENT" tcp fe80::ff:fe00:2%tap0 65536
check "ping ipv6" in_ns "$PY" "$CLIENT" ping fd00:db8::2 3
# Each client waited for by pid: `wait -n` could miss a client that had
# already ended, and the check failed now and then with all four intact.
# The four are all the diagnostic services' connections (NET_DIAG_CONNS),
# so first the clients above must be gone from the twin too. A client had
# everything, but the twin holds an echo connection until its last
# segment is acknowledged, and Linux, its socket closed at once, at
# times acknowledges it only when lwIP sends it again, seconds later
# (its side in FIN-WAIT-2 meanwhile): the fifth connection was reset.
diag_done() { [ -z "$(in_ns ss -Htan state fin-wait-2 '( dport = :7 or dport = :9 or dport = :19 )')" ]; }
for ((i = 0; i < 100; i++)); do diag_done && break; sleep 0.1; done
check "4 tcp echoes at once, 256 KiB each" in_ns bash -c \
	"p=(); for i in 1 2 3 4; do '$PY' '$CLIENT' tcp 192.0.2.2 262144 & p+=(\$!); done; r=0; for i in \${p[@]}; do wait \$i || r=1; done; exit \$r"
twin_stop
check "SIGTERM: exit status 0" [ $? = 0 ]
check "SIGTERM: logged" grep -q "signal 15: shutting down" "$WORK/static.log"
check "no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error|panic' '$WORK/static.log'"

# ---- the store as a service, on a disk image ----
STORECTL=${STORECTL:-build/host/storectl}
"$STORECTL" init "$WORK/store.img" 16M >/dev/null
twin_start "$WORK/store.log" "$WORK/static.conf" 02:00:00:00:00:05 --disk "$WORK/store.img"
if check "store service: opened at start" wait_log "$WORK/store.log" "store: opened in [0-9]+ ms" 10; then
	check "store service: the network started after it" wait_log "$WORK/store.log" "net: ready" 10
	check "store service: storectl refuses the running twin's image" \
		bash -c "! '$STORECTL' fsck '$WORK/store.img' 2>'$WORK/busy.err' && grep -q 'in use by another process' '$WORK/busy.err'"
fi
twin_stop
check "store service: exit status 0" [ $? = 0 ]
check "store service: closed cleanly on SIGTERM, after the other services" \
	grep -q "store: closed cleanly" "$WORK/store.log"
check "store service: the image is whole after the stop" "$STORECTL" fsck "$WORK/store.img"
# Without a disk the store does not start, and says why; the rest runs.
check "no disk: the store says why and the network still starts" \
	bash -c "grep -q 'store: no block device' '$WORK/static.log' && grep -q 'net: ready' '$WORK/static.log'"

# ---- a device that refuses frames ----
# HOST_TAP_EAGAIN_EVERY=3: every third frame the twin sends is refused
# (-EAGAIN), as a full netfront ring would refuse it. The tx-space callback
# sends what TCP held back as soon as there is room: bulk data moves, and
# small request/response exchanges (nothing else in flight to clock a
# refused reply out) do not wait for lwIP's timers.
HOST_TAP_EAGAIN_EVERY=3 twin_start "$WORK/eagain.log" "$WORK/static.conf" 02:00:00:00:00:04
if check "refusing device: twin up" wait_log "$WORK/eagain.log" "net: ready" 10; then
	check "refusing device: chargen 1 MiB intact" in_ns "$PY" "$CLIENT" recv 192.0.2.2 $MIB
	check "refusing device: tcp echo 1 MiB intact" in_ns "$PY" "$CLIENT" tcp 192.0.2.2 $MIB
	t=$(in_ns "$PY" "$CLIENT" pingpong 192.0.2.2 100)
	check "refusing device: 100 small round trips in under 1 s (${t:-failed} s)" \
		bash -c "[ -n '$t' ] && [ \$(echo '$t < 1' | bc) = 1 ]"
fi
twin_stop
check "refusing device: exit status 0" [ $? = 0 ]

# ---- DHCP (RFC 2131) and SLAAC (RFC 4862) from dnsmasq ----
if ! command -v dnsmasq >/dev/null; then
	fail "dhcp: dnsmasq is not installed (package dnsmasq-base)"
else
	ns_daemon dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --bind-interfaces \
		--interface=tap0 --dhcp-range=192.0.2.50,192.0.2.59,255.255.255.0,1h \
		--enable-ra --dhcp-range=fd00:db8::,ra-only,64,1h \
		--dhcp-leasefile="$WORK/leases" --pid-file="$WORK/dnsmasq.pid" \
		--log-facility="$WORK/dnsmasq.log" </dev/null >/dev/null 2>&1
	dnsmasq_pid=${PIDS[-1]}
	printf 'hostname=twin-dhcp\nip=dhcp\nip6=slaac\necho=on\n' >"$WORK/dhcp.conf"
	twin_start "$WORK/dhcp.log" "$WORK/dhcp.conf" 02:00:00:00:00:03
	if check "dhcp: address leased" wait_log "$WORK/dhcp.log" "ipv4 192\.0\.2\.5[0-9]/24" 20; then
		ip4=$(grep -oE "ipv4 192\.0\.2\.5[0-9]" "$WORK/dhcp.log" | head -1 | cut -d' ' -f2)
		check "dhcp: tcp echo, 1 MiB, to $ip4" in_ns "$PY" "$CLIENT" tcp "$ip4" $MIB
		check "dhcp: the lease carries the hostname" grep -q "twin-dhcp" "$WORK/leases"
	fi
	# SLAAC: the EUI-64 address under the advertised prefix.
	if check "slaac: address from the router advertisement" \
		wait_log "$WORK/dhcp.log" "ipv6 fd00:db8::ff:fe00:3 preferred" 20; then
		check "slaac: tcp echo to fd00:db8::ff:fe00:3" in_ns "$PY" "$CLIENT" tcp fd00:db8::ff:fe00:3 $MIB
	fi
	twin_stop
	check "dhcp twin: exit status 0" [ $? = 0 ]
	kill "$dnsmasq_pid" && wait "$dnsmasq_pid"
	check "dnsmasq stopped, nothing left in the namespace" test -z "$(ip netns pids "$NS")"
fi

# ---- diagnostic services off by default ----
# off_by_default NAME CONF MAC ADDRESS: the twin with CONF answers ping at
# ADDRESS, but not echo, discard or chargen.
off_by_default() {
	local name=$1 conf=$2 mac=$3 addr=$4
	twin_start "$WORK/$name.log" "$conf" "$mac"
	if check "$name: twin up" wait_log "$WORK/$name.log" "net: ready" 10; then
		check "$name: diagnostics not started" \
			bash -c "! grep -Eq '^(echo|bulk): ' '$WORK/$name.log'"
		check "$name: ping $addr" in_ns "$PY" "$CLIENT" ping "$addr" 3
		check "$name: tcp 7, 9, 19 refused, udp echo unanswered" \
			in_ns "$PY" "$CLIENT" closed "$addr" 3
	fi
	twin_stop
	check "$name: exit status 0" [ $? = 0 ]
}
# The shipped file, with a static address instead of DHCP and SLAAC.
sed -e 's|^ip=dhcp$|ip=192.0.2.4/24|' -e 's|^ip6=slaac$|ip6=fd00:db8::4/64|' \
	image/appliance.conf >"$WORK/shipped.conf"
check "the shipped appliance.conf, made static, still sets echo=off" \
	grep -qx 'echo=off' "$WORK/shipped.conf"
off_by_default shipped "$WORK/shipped.conf" 02:00:00:00:00:04 192.0.2.4
printf 'hostname=twin\nip=192.0.2.5/24\nip6=fd00:db8::5/64\n' >"$WORK/no-echo-key.conf"
off_by_default "no echo key" "$WORK/no-echo-key.conf" 02:00:00:00:00:05 192.0.2.5
for f in "$WORK"/*.log; do
	[ "$T_FAIL" = 0 ] || { echo "--- $f"; tail -20 "$f"; }
done
done_tests
