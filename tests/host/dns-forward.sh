#!/bin/bash
# Usage: tests/host/dns-forward.sh APPLIANCE STORECTL
# The LAN forwarder of the host twin (dns/forward.h). The twin serves
# example.org from its store on tap0 in the test's namespace $NS, with
# dns_forward naming an upstream in a second namespace of the test's own
# ($UP, a veth pair away, routed through $NS: the twin's gateway=) where
# Debian's nsd serves example.net and an example.org of its own with
# other data; dns_lan is 192.0.2.0/25 and fd00:db8::/120.
#
# A LAN client (192.0.2.1, fd00:db8::1) gets example.net from the upstream
# with RA set, over UDP and TCP, NXDOMAIN passed on, a TC answer over UDP
# and the whole over TCP (the twin asks the upstream over TCP); clients
# outside dns_lan (192.0.2.200 in the same subnet, fd00:db8::1:7, and the
# upstream's network) get REFUSED; example.org comes from our zone (AA)
# and never from the upstream's. The cache: TTLs counted down; with the
# upstream stopped, cached names answer within their TTL and get SERVFAIL
# after it; a burst of names the cache lacks fills the table of pending
# queries and the rest get SERVFAIL at once. A flood of distinct names
# fills the cache, whose bytes stay within its 256 KiB (/metrics), as does
# the heap, and answers go on after. With dns_forward unset (a restart),
# the LAN client gets REFUSED.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/host/dns/twin.sh "$@"

UP=$NS-up
UPSTREAM=198.51.100.53
LAN=192.0.2.0/25,fd00:db8::/120

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
command -v nsd >/dev/null || { fail "nsd is not installed (deps/packages.list)"; done_tests; exit 1; }

# The upstream's namespace: a veth pair from $NS, which routes between it and tap0.
upstream_net() {
	netns_peer "$UP" "$UPSTREAM" &&
		ip -n "$UP" route add default via 198.51.100.1 &&
		ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=1
}
check "the upstream's namespace, routed through the test's" upstream_net || { done_tests; exit 1; }
# Clients outside dns_lan: one in tap0's subnet but past the /25, one past the /120.
ip -n "$NS" addr add 192.0.2.200/24 dev tap0
ip -n "$NS" -6 addr add fd00:db8::1:7/64 dev tap0 nodad

# ---- the upstream: nsd with example.net, and an example.org that is not ours ----

mkdir -p "$WORK/up"
txt=$(printf 'x%.0s' $(seq 200))
cat >"$WORK/up/example.net.zone" <<EOF
\$ORIGIN example.net.
\$TTL 3600
@	IN	SOA	ns host 1 3600 900 604800 300
	IN	NS	ns
ns	IN	A	$UPSTREAM
www	60	IN	A	203.0.113.10
www2	60	IN	A	203.0.113.11
tcp	60	IN	A	203.0.113.12
v6	60	IN	A	203.0.113.6
case	60	IN	A	203.0.113.13
short	4	IN	A	203.0.113.4
long	3600	IN	A	203.0.113.36
big	IN	TXT	"1$txt"
big	IN	TXT	"2$txt"
big	IN	TXT	"3$txt"
big	IN	TXT	"4$txt"
big	IN	TXT	"5$txt"
big	IN	TXT	"6$txt"
big	IN	TXT	"7$txt"
big	IN	TXT	"8$txt"
EOF
cat >"$WORK/up/example.org.zone" <<EOF
\$ORIGIN example.org.
\$TTL 3600
@	IN	SOA	ns.example.net. host.example.net. 1 3600 900 604800 300
	IN	NS	ns.example.net.
mail	IN	A	203.0.113.99
nope	IN	A	203.0.113.98
EOF
{
	nsd_conf "$WORK/up" $UPSTREAM example.org.zone
	printf 'zone:\n\tname: example.net\n\tzonefile: example.net.zone\n'
} >"$WORK/up/nsd.conf"
ip netns exec "$UP" nsd -d -c "$WORK/up/nsd.conf" &
UP_NSD=$!
PIDS+=("$UP_NSD")
up_answers() { in_ns dig +short +time=1 +tries=1 @$UPSTREAM www.example.net A 2>/dev/null | grep -q 203.0.113.10; }
ok_up=1
for _ in $(seq 50); do up_answers && ok_up=0 && break; sleep 0.2; done
if ! check "nsd, the upstream, answers through the route" [ $ok_up = 0 ]; then
	cat "$WORK/up/nsd.log"
	done_tests
	exit 1
fi

dns_twin_start gateway=192.0.2.1 dns_forward=$UPSTREAM dns_lan=$LAN || { done_tests; exit 1; }
check "the forwarder is on, for the LAN's prefixes" grep -q "dns: forwarding for $LAN to $UPSTREAM" "$WORK/twin.log"

# dig from the namespace at the twin (its -b picks a source address).
q() { in_ns dig +time=8 +tries=1 @$IP "$@"; }
status() { q "$@" | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
flags() { q "$@" | sed -n 's/.*;; flags: \([a-z ]*\);.*/\1/p'; }

# ---- who is answered, and from where ----

check "a LAN client gets example.net from the upstream" \
	[ "$(q +short www.example.net A)" = 203.0.113.10 ]
f=$(flags www.example.net A)
check "  ... with RA set and AA clear (flags: $f)" bash -c "[[ ' $f ' == *' ra '* && ' $f ' != *' aa '* ]]"
check "a LAN client over IPv6 (fd00:db8::1) too" \
	[ "$(in_ns dig +time=8 +tries=1 +short -b fd00:db8::1 @fd00:db8::2 v6.example.net A)" = 203.0.113.6 ]
check "a client outside dns_lan, in the same subnet (192.0.2.200): REFUSED" \
	[ "$(status -b 192.0.2.200 www.example.net A)" = REFUSED ]
check "a client outside dns_lan over IPv6 (fd00:db8::1:7): REFUSED" \
	[ "$(in_ns dig +time=8 +tries=1 -b fd00:db8::1:7 @fd00:db8::2 www.example.net A | sed -n 's/.*status: \([A-Z]*\).*/\1/p')" = REFUSED ]
check "a client on the upstream's network, through the gateway: REFUSED" \
	[ "$(ip netns exec "$UP" dig +time=8 +tries=1 @$IP www.example.net A | sed -n 's/.*status: \([A-Z]*\).*/\1/p')" = REFUSED ]
check "  ... while our own zone still answers it (AA)" \
	[ "$(ip netns exec "$UP" dig +time=8 +tries=1 +short @$IP mail.example.org A)" = 192.0.2.25 ]
check "our zone from the zone, not the upstream's example.org: mail is 192.0.2.25" \
	[ "$(q +short mail.example.org A)" = 192.0.2.25 ]
f=$(flags mail.example.org A)
check "  ... with AA and without RA (flags: $f)" bash -c "[[ ' $f ' == *' aa '* && ' $f ' != *' ra '* ]]"
check "  ... and a name only the upstream's example.org has is NXDOMAIN from ours" \
	[ "$(status nope.example.org A)" = NXDOMAIN ]
out=$(q nothere.example.net A)
check "NXDOMAIN from the upstream is passed on, its SOA in the authority section" \
	bash -c "grep -q 'status: NXDOMAIN' <<<\"\$1\" && grep -qE '^example\.net\..*SOA' <<<\"\$1\"" _ "$out"
check "a query over TCP is forwarded" [ "$(q +tcp +short tcp.example.net A)" = 203.0.113.12 ]
check "a question's case comes back as the client asked it" \
	bash -c "ip netns exec $NS dig +time=8 +tries=1 @$IP CaSe.ExAmPlE.nEt A | grep -q '^;CaSe.ExAmPlE.nEt\.'"
f=$(q +ignore +noedns big.example.net TXT)
check "an answer too big for UDP: TC, no records (the upstream's TC passed on)" \
	bash -c "grep -q ' tc' <<<\"\$1\" && grep -q 'ANSWER: 0' <<<\"\$1\"" _ "$f"
check "  ... over TCP all eight TXT records: the twin asked the upstream over TCP" \
	[ "$(q +tcp +short big.example.net TXT | wc -l)" = 8 ]
check "  ... and dig's own retry over TCP gets them too" \
	[ "$(q +short +noedns big.example.net TXT | wc -l)" = 8 ]

# ---- the cache ----

ttl() { q +noall +answer "$@" | awk '{ print $2 }' | head -1; }
t1=$(ttl long.example.net A)
sleep 2.2
t2=$(ttl long.example.net A)
check "a cached answer's TTL counts down ($t1, then $t2 two seconds later)" \
	bash -c "[ '$t1' -ge 3599 ] && [ '$t2' -le 3598 ] && [ '$t2' -ge 3590 ]"

metric() {
	in_ns curl -s "http://$IP/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
heap0=$(metric appliance_heap_bytes)
check "a flood of 3000 distinct names, 100 at a time: answered, the cache filled" \
	in_ns "$PY" - "$IP" <<'EOF'
import socket, sys
import dns.message, dns.rcode
ip = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
answered = full = 0
for batch in range(30):
    ids = set()
    for i in range(100):
        q = dns.message.make_query(f"flood{batch}-{i}.example.net", "A")
        ids.add(q.id)
        s.sendto(q.to_wire(), (ip, 53))
    try:
        for _ in range(100):
            r = dns.message.from_wire(s.recv(4096))
            if r.rcode() == dns.rcode.NXDOMAIN:
                answered += 1
            elif r.rcode() == dns.rcode.SERVFAIL:
                full += 1  # more than the 64 pending at once
    except socket.timeout:
        pass
print(f"# {answered} of 3000 NXDOMAIN, {full} SERVFAIL")
assert answered >= 2700, answered
EOF
bytes=$(metric appliance_dns_forward_cache_bytes)
heap1=$(metric appliance_heap_bytes)
check "  ... the cache holds $bytes bytes, at most its 262144" \
	bash -c "[ -n '$bytes' ] && [ '$bytes' -le 262144 ] && [ '$bytes' -ge 200000 ]"
check "  ... and the heap grew by $(((heap1 - heap0) / 1024)) KiB, less than 256" \
	bash -c "[ -n '$heap0' ] && [ -n '$heap1' ] && [ $((heap1 - heap0)) -lt 262144 ]"
check "  ... answers go on after" [ "$(q +short www.example.net A)" = 203.0.113.10 ]
hits=$(metric appliance_dns_forward_cache_hits_total)
sent=$(metric appliance_dns_forwarded_total)
check "/metrics counts queries forwarded ($sent) and answered from the cache ($hits)" \
	bash -c "[ '${sent:-0}' -ge 2700 ] && [ '${hits:-0}' -ge 3 ]"

# ---- the upstream gone ----

check "short.example.net (TTL 4) is cached" [ "$(q +short short.example.net A)" = 203.0.113.4 ]
kill "$UP_NSD"
wait "$UP_NSD" 2>/dev/null
# Reaped: its pid is no longer ours to kill at the end.
keep=()
for p in "${PIDS[@]}"; do [ "$p" = "$UP_NSD" ] || keep+=("$p"); done
PIDS=("${keep[@]}")
for p in $(ip netns pids "$UP"); do kill "$p" 2>/dev/null; done
check "the upstream is stopped" not up_answers
check "  ... a cached name still answers within its TTL" \
	[ "$(q +short short.example.net A)" = 203.0.113.4 ]
check "  ... and one with a long TTL too" [ "$(q +short long.example.net A)" = 203.0.113.36 ]
failed0=$(metric appliance_dns_forward_failed_total)
check "a burst of 100 names not cached: 64 wait for the upstream, the rest get SERVFAIL at once, then those 64 too" \
	in_ns "$PY" - "$IP" <<'EOF'
import socket, sys, time
import dns.message, dns.rcode
ip = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
t0 = time.monotonic()
for i in range(100):
    s.sendto(dns.message.make_query(f"burst{i}.example.net", "A").to_wire(), (ip, 53))
s.settimeout(8)
early = late = other = 0
try:
    for _ in range(100):
        r = dns.message.from_wire(s.recv(4096))
        assert r.rcode() == dns.rcode.SERVFAIL, r
        t = time.monotonic() - t0
        if t < 1:
            early += 1
        elif t >= 3.5:  # two tries of 2 s
            late += 1
        else:
            other += 1
except socket.timeout:
    pass
print(f"# SERVFAIL: {early} at once, {late} after the upstream's timeouts, {other} between")
# A datagram lost on the way in takes one from those at once, never from the table's 64.
assert late == 64 and 30 <= early <= 36 and other == 0, (early, late, other)
EOF
failed1=$(metric appliance_dns_forward_failed_total)
check "  ... /metrics counts the failures" [ $((failed1 - failed0)) -ge 94 ]
sleep 3
check "the cached name after its TTL, the upstream still gone: SERVFAIL" \
	[ "$(status short.example.net A)" = SERVFAIL ]
check "the twin never crashed" kill -0 "$TWIN_PID"

# ---- the forwarder off, as by default ----

check "the twin stops cleanly" twin_stop
grep -v '^dns_forward=\|^dns_lan=' "$WORK/dns.conf" >"$WORK/off.conf"
twin_start "$WORK/twin2.log" "$WORK/off.conf" 02:00:00:00:00:0d --disk "$WORK/store.img"
check "the twin again, the same store, dns_forward and dns_lan unset" \
	wait_log "$WORK/twin2.log" "dns: udp and tcp port 53" 60
wait_log "$WORK/twin2.log" "net: ready" 10
check "  ... there is no forwarder" not grep -q "dns: forwarding" "$WORK/twin2.log"
check "  ... and a LAN client gets REFUSED for a name outside our zones" \
	[ "$(status www.example.net A)" = REFUSED ]
check "  ... while our zone answers" [ "$(q +short mail.example.org A)" = 192.0.2.25 ]

done_tests
