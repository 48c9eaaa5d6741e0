#!/bin/bash
# Usage: tests/host/pcb-limits.sh APPLIANCE STORECTL
# The twin's TCP control blocks (lwIP's pool, MEMP_NUM_TCP_PCB) at their
# limit: SYN floods, and more closing connections than the pool holds.
#
# SYN floods from addresses that never answer (tests/host/synflood.py):
# each SYN leaves the twin a half-open connection (SYN-RCVD) for 20 s.
# lwIP cannot end one to make room for another, so a flood on one port
# must not take the TCP control blocks every service shares: each listener
# holds at most its own backlog of half-open connections (HTTP's two 32,
# DNS's 32, each diagnostic service's 4), and the pool (MEMP_NUM_TCP_PCB)
# has room for all of them at once beside every connection the services
# keep. And a flood must not shut the flooded port itself: a SYN to a
# full backlog gets a SYN cookie instead of a pcb (net/tcp_hooks.c, listen_input).
# Checked: while port 53 and then port 80 are flooded (400 SYNs each; 80
# also at 2,000 a second while clients connect, one of them 300 ms away), every
# service takes new connections at once, the flooded one too; with every
# port flooded, lwIP never runs out of pcbs (its failure count stays 0) and the
# half-open ones stay within the backlogs; once they time out, every
# service answers again and the pcbs are back to what they were.
#
# Then 300 clients, one after the other, each asking over HTTP with
# "Connection: close" and keeping its socket open once it has the answer:
# the twin's side of each waits in FIN-WAIT-2 for 20 s, and 300 is more
# than the pool holds. Every one must be answered, with the pool full:
# lwIP ends the oldest closing connection to make room (and takes back
# the failure it counted), since our services lower a connection's
# priority to TCP_PRIO_MIN as they close it (tcp_kill_prio). About 25 s in all.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance}")
STORECTL=$(realpath "${2:-build/host/storectl}")
IP=192.0.2.2
IP6=fd00:db8::2
TWIN_MAC=02:00:00:00:00:0c
FLOOD=400
# The floods' sources: addresses beyond the twin's gateway (the
# namespace, which does not forward), as a flood from the Internet comes.
# (From addresses on the twin's own network, each would also take one of
# lwIP's ARP entries, ARP_TABLE_SIZE of them.)
export SPOOFED=198.51.100
# The listeners' backlogs: HTTP's two (HTTP_MAX_CONNS), DNS's
# (DNS_TCP_CONNS) and the three diagnostic services' (NET_DIAG_CONNS).
BACKLOGS=$((32 + 32 + 32 + 3 * 4))

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
tree=$WORK/tree
mkdir -p "$tree/site/.well-known" "$tree/zones"
printf '<h1>home</h1>\n' >"$tree/site/index.html"
printf 'ok\n' >"$tree/site/.well-known/ok.txt"
printf '$ORIGIN example.org.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.2\nwww A 192.0.2.80\n' \
	>"$tree/zones/example.org.zone"
"$STORECTL" init "$WORK/store.img" 16M >/dev/null
"$STORECTL" import "$WORK/store.img" "$tree" -m site >/dev/null
printf 'hostname=twin\nip=%s/24\ngateway=192.0.2.1\nip6=%s/64\necho=on\n' "$IP" "$IP6" >"$WORK/twin.conf"
twin_up "$WORK/twin.log" "$WORK/twin.conf" "$TWIN_MAC" --disk "$WORK/store.img"
wait_log "$WORK/twin.log" "dns: udp and tcp port 53" 10
wait_log "$WORK/twin.log" "ipv6 $IP6 preferred" 10

# gauge NAME: a sample of the twin's /metrics.
gauge() { twin_sample "$IP" "$1"; }
# The Python clients below read these names from the environment.
export ACTIVE='appliance_tcp_pcbs{state="active"}'
FAILED=$(pool_failures tcp_pcb)
export FAILED
# A new connection must open within 2.5 s: a SYN lwIP drops is sent again
# by Linux after 1 s, and the flood's half-open connections last 20 s.
http80() { in_ns curl -s -o /dev/null -w '%{http_code}' --connect-timeout 2.5 --max-time 5 "http://$IP/.well-known/ok.txt"; }
https443() { in_ns curl -sk -o /dev/null -w '%{http_code}' --connect-timeout 2.5 --max-time 5 "https://$IP/"; }
dnstcp() { in_ns dig +tcp +time=2 +tries=1 +short @"$IP" www.example.org A; }
dnsudp() { in_ns dig +time=2 +tries=1 +short @"$IP" www.example.org A; }
flood() { in_ns "$PY" tests/host/synflood.py "$IP" "$1" "$FLOOD" "$SPOOFED" >/dev/null; }

check "before: HTTP, HTTPS, DNS over TCP and UDP answer" \
	test "$(http80):$(https443):$(dnstcp):$(dnsudp)" = "200:200:192.0.2.80:192.0.2.80"
# A SYN on the ports of a connection the twin closed first, while its
# side waits in TIME-WAIT (net/tcp_hooks.c, net_tcp_inpacket): one inside the old
# connection's receive window is an error lwIP resets (RFC 793); one
# outside it ends the TIME-WAIT, is dropped, and sent again opens a new
# connection (RFC 1122 section 4.2.2.13).
tw=$(in_ns "$PY" tests/host/slowshake.py tap0 "$TWIN_MAC" "$IP" 80 192.0.2.62 timewait)
check "TIME-WAIT: a SYN inside the old window is reset, one outside reopens the port: ${tw:-nothing}" \
	test "$tw" = "inside=reset outside=none,synack"
base_active=$(gauge "$ACTIVE") base_failed=$(gauge "$FAILED")
echo "# before: $base_active active pcbs, $base_failed pcb allocations failed"

flood 53
check "a flood of $FLOOD SYNs on 53/tcp: HTTP on 80 still opens at once" test "$(http80)" = 200
check "... HTTPS on 443 too" test "$(https443)" = 200
check "... and DNS over UDP answers" test "$(dnsudp)" = 192.0.2.80
check "... and DNS over TCP on 53 itself: a SYN past the backlog gets a SYN cookie" \
	test "$(dnstcp)" = 192.0.2.80
a=$(gauge "$ACTIVE")
check "... its half-open connections held to DNS's backlog: ${a:-?} active pcbs (before: $base_active; at most 32 more + the 3 probes')" \
	test -n "$a" -a "${a:-0}" -le $((base_active + 32 + 3))

# A flood on 80 itself that goes on while clients connect (2,000 SYNs a
# second for 5 s). Once its backlog is full, each SYN there is answered
# with a SYN cookie and leaves no pcb (net/tcp_hooks.c, listen_input), so every
# client gets in, however many SYNs come between its SYN-ACK and its ACK:
# one 300 ms away (tests/host/slowshake.py) sees 600. lwIP alone drops
# every SYN once the backlog is full, until the flood's half-open
# connections time out 20 s after it stops; ending the oldest half-open
# connection instead (a SYN cache) lets in only a client whose ACK comes
# before 32 more SYNs. A client whose request rides on the handshake's
# ACK gets in too, and its request is answered without being sent again
# (tcp_hooks.c, cookie_ack), a bad one too, whose answer closes the
# connection from inside that delivery, and one whose ACK carries its FIN
# as well, which is acknowledged with the request. And an ACK with a
# made-up cookie is reset.
cookies() { gauge "appliance_tcp_syn_cookies_total{event=\"$1\"}"; }
sent0=$(cookies sent) acc0=$(cookies accepted) ref0=$(cookies refused)
in_ns "$PY" tests/host/synflood.py "$IP" 80 10000 "$SPOOFED" 2000 >/dev/null &
flooder=$!
sleep 0.5
got=0
for ((i = 0; i < 5; i++)); do
	[ "$(http80)" = 200 ] && got=$((got + 1))
	sleep 0.1
done
v6=$(in_ns curl -s -o /dev/null -w '%{http_code}' --connect-timeout 2.5 --max-time 5 "http://[$IP6]/.well-known/ok.txt")
raw() { in_ns "$PY" tests/host/slowshake.py tap0 "$TWIN_MAC" "$@"; }
raw "$IP" 80 192.0.2.63 getdata 0 >"$WORK/onack" &
raw_pids=($!)
raw "$IP" 80 192.0.2.64 getdata 0 '/two words' >"$WORK/badack" &
raw_pids+=($!)
raw "$IP" 80 192.0.2.66 getfin 0 >"$WORK/finack" &
raw_pids+=($!)
raw "$IP6" 80 fd00:db8::60 get 300 >"$WORK/slow6" &
raw_pids+=($!)
slow=$(raw "$IP" 80 192.0.2.60 get 300)
forged=$(raw "$IP" 80 192.0.2.61 forge)
forged6=$(raw "$IP6" 80 fd00:db8::61 forge)
wait "${raw_pids[@]}"
onack=$(cat "$WORK/onack") badack=$(cat "$WORK/badack") finack=$(cat "$WORK/finack")
slow6=$(cat "$WORK/slow6")
flooding=no
kill -0 "$flooder" 2>/dev/null && flooding=yes
wait "$flooder"
check "while 80 itself is flooded: 5 of 5 HTTP clients get in (${got}), and one over IPv6 (${v6:-nothing}), the flood still going after them all: $flooding" \
	test "$got:$v6:$flooding" = 5:200:yes
check "... and one 300 ms away, 600 SYNs between its SYN-ACK and its ACK: ${slow:-nothing} (200 and the SYN-ACK's MSS 1460)" \
	test "$slow" = "200 mss=1460"
check "... and one 300 ms away over IPv6: ${slow6:-nothing} (200 and the SYN-ACK's MSS 1440, IPv6's header being 20 bytes longer)" \
	test "$slow6" = "200 mss=1440"
check "... and one whose request rides on the handshake's ACK: ${onack:-nothing} (the cookie's connection takes the request that came with it: sent once)" \
	test "$onack" = "200 mss=1460 sends=1"
check "... and one whose bad request rides on it, which HTTP answers and closes on from inside that delivery: ${badack:-nothing} (400, sent once)" \
	test "$badack" = "400 mss=1460 sends=1"
check "... and one whose request and FIN ride on it: ${finack:-nothing} (the FIN acknowledged with the request: sent once)" \
	test "$finack" = "200 mss=1460 fin=acked sends=1"
sent=$(cookies sent) acc=$(cookies accepted) ref=$(cookies refused)
echo "# SYN cookies: sent ${sent0:-?} -> ${sent:-?}, accepted ${acc0:-?} -> ${acc:-?}, refused ${ref0:-?} -> ${ref:-?}"
check "... every SYN past the backlog got a cookie: $((${sent:-0} - ${sent0:-0})) sent (of 10,000 SYNs and the clients' 10, backlog 32)" \
	test -n "$sent" -a -n "$sent0" -a "$((${sent:-0} - ${sent0:-0}))" -ge $((10000 - 32))
check "... and the clients came in on theirs: $((${acc:-0} - ${acc0:-0})) connections made from a cookie (11 clients)" \
	test -n "$acc" -a -n "$acc0" -a "$((${acc:-0} - ${acc0:-0}))" -ge 11
check "... an ACK with a made-up cookie is reset, over IPv4 and IPv6 (${forged:-nothing}, ${forged6:-nothing}), and counted: refused ${ref0:-?} -> ${ref:-?}" \
	test "$forged:$forged6" = reset:reset -a -n "$ref" -a -n "$ref0" -a "$((${ref:-0} - ${ref0:-0}))" -ge 2

# Then port 80, and then every other port as well, with /metrics read on
# a connection opened before, so that reading it adds no SYN of its own.
out=$(in_ns "$PY" - "$IP" "$FLOOD" <<'PYEOF'
import os, socket, ssl, subprocess, sys
sys.path.insert(0, 'tests/host')
import twin_metrics
ip, n = sys.argv[1], sys.argv[2]
ACTIVE, FAILED = os.environ['ACTIVE'], os.environ['FAILED']


def flood(port):
    subprocess.run([sys.executable, 'tests/host/synflood.py', ip, str(port), n, os.environ['SPOOFED']],
                   check=True, stdout=subprocess.DEVNULL)


def https():
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        with ctx.wrap_socket(socket.create_connection((ip, 443), timeout=2.5)) as t:
            t.sendall(b'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
            return t.recv(12).decode()[9:12]
    except OSError:
        return 'none'


def echo():
    try:
        with socket.create_connection((ip, 7), timeout=2.5) as e:
            e.sendall(b'x')
            return e.recv(1).decode()
    except OSError:
        return 'none'


m = socket.create_connection((ip, 80), timeout=5)
before = twin_metrics.parse(twin_metrics.answer(m))
flood(80)
print('https', https())
print('echo', echo())
for port in (53, 443, 7, 9, 19):
    flood(port)
after = twin_metrics.parse(twin_metrics.answer(m))
print('pcbs', before.get(ACTIVE, ''), before.get(FAILED, ''), after.get(ACTIVE, ''), after.get(FAILED, ''))
PYEOF
)
# 443's backlog is full of the flood's half-open connections for 20 s: a
# ClientHello on the handshake's ACK goes to the cookie's connection.
hello_acc0=$(cookies accepted)
hello=$(raw "$IP" 443 192.0.2.65 tlsdata)
hello_acc=$(cookies accepted)
check "a flood on 80 as well: HTTPS on 443 still opens" grep -qx 'https 200' <<<"$out"
check "... and the echo service on 7" grep -qx 'echo x' <<<"$out"
read -r _ a0 f0 a f < <(grep '^pcbs ' <<<"$out")
check "every port flooded: lwIP never ran out of pcbs (failures ${f0:-?} -> ${f:-?})" \
	test -n "$f" -a "$f" = "$f0"
check "... and the half-open connections are within the backlogs: ${a:-?} active pcbs (before the floods: $base_active; at most $BACKLOGS more, the kept connection and the probes')" \
	test -n "$a" -a "${a:-0}" -le $((base_active + BACKLOGS + 4))
check "... then a ClientHello on the ACK of a cookie from 443 is answered, sent once: ${hello:-nothing}, cookie connections ${hello_acc0:-?} -> ${hello_acc:-?}" \
	test "$hello" = "handshake-0303 mss=1460 sends=1" -a -n "$hello_acc" -a -n "$hello_acc0" -a "$((${hello_acc:-0} - ${hello_acc0:-0}))" -ge 1

# SYN-RCVD lasts 20 s in lwIP (TCP_SYN_RCVD_TIMEOUT).
t0=$(date +%s)
for ((i = 0; i < 40; i++)); do
	kill -0 "$TWIN_PID" 2>/dev/null || break
	a=$(gauge "$ACTIVE" 2>/dev/null)
	[ -n "$a" ] && [ "$a" -le "$base_active" ] && break
	sleep 1
done
check "the half-open connections time out: ${a:-?} active pcbs $(($(date +%s) - t0)) s after the last flood (before: $base_active)" \
	test -n "$a" -a "${a:-0}" -le "$base_active"
out=$(in_ns "$PY" - "$IP" 300 <<'PYEOF'
import os, socket, struct, sys
sys.path.insert(0, 'tests/host')
import twin_metrics
ip, n = sys.argv[1], int(sys.argv[2])
ACTIVE, FAILED = os.environ['ACTIVE'], os.environ['FAILED']
before = twin_metrics.samples(ip)
held, answered = [], 0
for i in range(n):
    try:
        s = socket.create_connection((ip, 80), timeout=3)
        s.sendall(b'GET /.well-known/ok.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
        d = b''
        while True:
            c = s.recv(4096)
            if not c:
                break
            d += c
        answered += d.startswith(b'HTTP/1.1 200')
        held.append(s)
    except OSError:
        pass
after = twin_metrics.samples(ip)
for s in held:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
print(answered, after[ACTIVE], before[FAILED], after[FAILED])
PYEOF
)
read -r answered a f0 f <<<"$out"
check "300 clients that keep their socket after a Connection: close answer: ${answered:-?} answered" \
	test "${answered:-0}" = 300
check "... the pool was full (${a:-?} active pcbs of 256) and every SYN found one: lwIP's failures ${f0:-?} -> ${f:-?}" \
	test "${a:-0}" = 256 -a -n "$f" -a "$f" = "$f0"
check "after: HTTP, HTTPS, DNS over TCP and UDP answer" \
	test "$(http80):$(https443):$(dnstcp):$(dnsudp)" = "200:200:192.0.2.80:192.0.2.80"
twin_stop
check "the twin stops cleanly" test $? = 0
grep -E -A40 -m1 'ERROR: AddressSanitizer|runtime error|Segmentation' "$WORK/twin.log"
done_tests
