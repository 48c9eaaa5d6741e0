#!/bin/bash
# Usage: tests/host/dns.sh APPLIANCE STORECTL
# The DNS server of the host twin against Debian's nsd, the reference, in a
# network namespace of the test's own: the same zone
# (tests/host/dns/example.org.zone) in the twin's store as
# zones/example.org.zone and in nsd; the committed corpus of queries
# (tests/host/dns/queries.txt) asked of both over UDP and over TCP and the
# answers compared part by part (tests/host/dns/compare.py), every
# deliberate difference listed with its reason in
# tests/host/dns/differences.txt, and compare.py shown to find a server
# that sends an answer too big for UDP. Then dig over UDP and TCP, IPv4 and IPv6;
# EDNS compliance in the manner of ISC's tests; several queries on one TCP
# connection; malformed packets (the server answers after); DNS cookies; a
# flood rate limited, signed and not (a slip signed); and pushes: a broken
# zone is refused with its file:line and the old zone keeps serving, so is
# a second file for the zone (its name in another case), a good
# change is served at once, a change without a higher serial is served
# with it raised, and the serial served survives a restart; a pushed zone
# whose record is too big for a transfer's usual message is transferred
# whole, in a bigger one.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/host/dns/twin.sh "$@"
HERE=$PWD/tests/host/dns

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
command -v nsd >/dev/null || { fail "nsd is not installed (deps/packages.list)"; done_tests; exit 1; }

# A second key, its name of 165 octets, for RFC 8945 5.3's last resort below.
TWIN_KEYS_EXTRA="key \"$(printf 'k%.0s' {1..63}).$(printf 'k%.0s' {1..63}).$(printf 'k%.0s' {1..35})\" {
	algorithm hmac-sha256; secret \"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=\";
};
"
dns_twin_start dns_notify=192.0.2.4 || { done_tests; exit 1; }

# nsd on the namespace's side of tap0, the same zone file.
mkdir -p "$WORK/nsd"
cp "$HERE/example.org.zone" "$WORK/nsd/"
NSD_KEY="xfr-key $SECRET" nsd_conf "$WORK/nsd" "$REF" example.org.zone \
	"provide-xfr: 192.0.2.0/24 xfr-key" >"$WORK/nsd/nsd.conf"
ns_daemon nsd -d -c "$WORK/nsd/nsd.conf"
if ! check "nsd, the reference, answers" dns_wait "$REF"; then
	cat "$WORK/nsd/nsd.log"
	done_tests
	exit 1
fi

# ---- the comparison ----

LOGS=$PWD/${B:-build}/test/dns
mkdir -p "$LOGS"
compare() {
	local out=$LOGS/compare-$1.out
	in_ns "$PY" "$HERE/compare.py" "$HERE/queries.txt" "$HERE/differences.txt" "$IP" "$REF" \
		${2:-} >"$out" 2>&1
	local p f
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	grep '^not ok - ' "$out" | head -20
	grep '^# ' "$out"
	check "$1: the $((p + f)) queries of the corpus answered as nsd answers them ($f differ)" \
		[ "$f" = 0 -a "$p" -ge 500 ]
}
compare udp
compare tcp --tcp

# compare.py's size rule can fail: a server that sends nsd's whole answer
# over UDP without TC, past the 512 octets a query without EDNS allows
# (tests/host/dns/whole_over_udp.py), is found out where its answer is too
# big, and only there.
printf '%s\n' "big.example.org. TXT IN" "www.example.org. A IN" >"$WORK/size-queries"
ns_daemon "$PY" "$HERE/whole_over_udp.py" 127.0.0.1:5300 "$REF" 30
for _ in $(seq 50); do
	[ -z "$(in_ns ss -Hlun 'sport = :5300')" ] || break
	sleep 0.1
done
out=$(in_ns "$PY" "$HERE/compare.py" "$WORK/size-queries" "$HERE/differences.txt" 127.0.0.1:5300 "$REF")
check "compare.py finds an answer over UDP larger than the query allows: $(grep -o 'ours is [0-9]* octets.*' <<<"$out")" \
	grep -q '^not ok - big.example.org. TXT IN.*: ours is [0-9]* octets over UDP without TC, more than the 512 the query allows' <<<"$out"
check "... and nothing else differs (www.example.org. A fits)" \
	[ "$(grep -c '^not ok' <<<"$out")" = 1 -a "$(grep -c '^ok - www.example.org. A IN' <<<"$out")" = 1 ]

# ---- dig, TCP, bad packets ----

check "dig over UDP: www's CNAME and the apex's address" \
	[ "$(d +short www.example.org A | tr '\n' ' ')" = "example.org. 192.0.2.1 " ]
check "dig over TCP: the same" \
	[ "$(d +tcp +short www.example.org A | tr '\n' ' ')" = "example.org. 192.0.2.1 " ]
# EDNS compliance, in the manner of ISC's EDNS compliance tests (dig).
status() { d +norec "$@" | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
check "EDNS: plain DNS, no OPT in the answer" bash -c "! ip netns exec $NS dig +noedns @$IP example.org SOA | grep -q 'OPT PSEUDOSECTION'"
check "EDNS: +edns=0 gets an OPT with our 1232-byte payload" \
	bash -c "ip netns exec $NS dig +edns=0 @$IP example.org SOA | grep -q 'udp: 1232'"
check "EDNS: +edns=1 gets BADVERS, version 0 in the OPT" \
	bash -c "ip netns exec $NS dig +edns=1 +noednsneg @$IP example.org SOA | grep -q 'status: BADVERS' && ip netns exec $NS dig +edns=1 +noednsneg @$IP example.org SOA | grep -q 'EDNS: version: 0'"
check "EDNS: an unknown option is ignored" [ "$(status +ednsopt=100:00ff example.org SOA)" = NOERROR ]
check "EDNS: unknown flags are ignored, and not echoed" \
	bash -c "out=\$(ip netns exec $NS dig +ednsflags=0x7f00 @$IP example.org SOA); grep -q 'status: NOERROR' <<<\"\$out\" && ! grep -q 'MBZ' <<<\"\$out\""
check "EDNS: DO is echoed" bash -c "ip netns exec $NS dig +dnssec @$IP example.org SOA | grep -q 'flags: do'"
check "EDNS: +bufsize=512 and a big answer: TC, no records" \
	bash -c "out=\$(ip netns exec $NS dig +ignore +bufsize=512 @$IP big.example.org TXT); grep -q ' tc' <<<\"\$out\" && grep -q 'ANSWER: 0' <<<\"\$out\""
check "  ... the same over TCP: all eight" [ "$(d +tcp +short big.example.org TXT | wc -l)" = 8 ]
check "  ... and dig's own retry over TCP gets them" [ "$(d +bufsize=512 +short big.example.org TXT | wc -l)" = 8 ]
check "IPv6: dig over UDP to fd00:db8::2" \
	[ "$(in_ns dig +time=3 +tries=1 +short @fd00:db8::2 mail.example.org AAAA)" = 2001:db8::25 ]
check "IPv6: dig over TCP" \
	[ "$(in_ns dig +time=3 +tries=1 +tcp +short @fd00:db8::2 mail.example.org AAAA)" = 2001:db8::25 ]
check "three queries on one TCP connection, answered in order" in_ns "$PY" - "$IP" <<'EOF'
import socket, struct, sys
import dns.message
s = socket.create_connection((sys.argv[1], 53), timeout=5)
qs = [dns.message.make_query(n, "A") for n in ("example.org", "mail.example.org", "nope.example.org")]
s.sendall(b"".join(struct.pack("!H", len(w)) + w for w in (q.to_wire() for q in qs)))
buf = b""
for q in qs:
    while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
        chunk = s.recv(4096)
        assert chunk, "closed early"
        buf += chunk
    n = struct.unpack("!H", buf[:2])[0]
    r = dns.message.from_wire(buf[2:2 + n])
    buf = buf[2 + n:]
    assert r.id == q.id and r.question == q.question, (r.id, q.id)
EOF
check "malformed datagrams: no crash, FORMERR or silence, and answers after" in_ns "$PY" - "$IP" <<'EOF'
import os, socket, sys
import dns.message, dns.query, dns.rcode
ip = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
good = dns.message.make_query("example.org", "SOA").to_wire()
bad = [b"", b"\x00", good[:11], good[:13], good[:-1], good + b"\x00",
       good[:12] + b"\xc0\x0c\x00\x01\x00\x01",           # a pointer to itself
       good[:4] + b"\x00\x02" + good[6:],                  # two questions promised
       good[:12] + b"\x3f" + b"a" * 10]                    # a label past the end
bad += [os.urandom(n) for n in (12, 40, 300, 600)]
for b in bad:
    s.sendto(b, (ip, 53))
    try:
        r = s.recv(4096)
        assert len(r) >= 12
    except socket.timeout:
        pass
r = dns.query.udp(dns.message.make_query("example.org", "SOA"), ip, timeout=3)
assert r.rcode() == dns.rcode.NOERROR and r.answer
EOF
check "a TCP query longer than the server takes: the connection closes, the server answers after" \
	in_ns "$PY" - "$IP" <<'EOF'
import socket, struct, sys
import dns.message, dns.query
s = socket.create_connection((sys.argv[1], 53), timeout=5)
s.sendall(struct.pack("!H", 5000) + b"x" * 5000)
try:
    assert s.recv(100) == b""
except ConnectionResetError:
    pass
r = dns.query.tcp(dns.message.make_query("example.org", "SOA"), sys.argv[1], timeout=3)
assert r.answer
EOF
check "a TCP query of 4,096 bytes, the most the server takes, is answered; one of 4,097 closes the connection" \
	in_ns "$PY" - "$IP" <<'EOF'
import socket, struct, sys
import dns.edns, dns.message

def query_of(size):
    """A SOA query made exactly `size` bytes long by EDNS padding (RFC 7830)."""
    q = dns.message.make_query("example.org", "SOA", use_edns=0)
    base = len(q.to_wire(max_size=65535))
    q.use_edns(0, options=[dns.edns.GenericOption(12, b"\0" * (size - base - 4))])
    w = q.to_wire(max_size=65535)
    assert len(w) == size, len(w)
    return q, w

def ask(size):
    q, w = query_of(size)
    s = socket.create_connection((sys.argv[1], 53), timeout=5)
    s.sendall(struct.pack("!H", len(w)) + w)
    buf = b""
    try:
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            chunk = s.recv(4096)
            if not chunk:
                return None
            buf += chunk
    except ConnectionResetError:
        return None
    r = dns.message.from_wire(buf[2:])
    assert r.id == q.id and r.answer, r
    return r

assert ask(4096) is not None, "4,096 bytes: no answer"
assert ask(4097) is None, "4,097 bytes: answered"
EOF
check "three clients sending a query a byte a segment hold none of the receive pool: UDP answered meanwhile" \
	in_ns "$PY" - "$IP" <<'EOF'
# Each one-byte segment took one of lwIP's 128 receive pbufs (1,536 bytes
# each) until its query was whole: 130 of them stopped every frame, UDP's
# and ARP's included, until the connection's idle end 30 s later.
import socket, struct, sys, time
import dns.message, dns.query
ip = sys.argv[1]
socks = []
for _ in range(3):
    s = socket.create_connection((ip, 53), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.send(struct.pack("!H", 4000))
    socks.append(s)
for i in range(150):
    for s in socks:
        s.send(b"\0")
    time.sleep(0.003)
time.sleep(0.3)
r = dns.query.udp(dns.message.make_query("mail.example.org", "A"), ip, timeout=2)
assert r.answer, r
for s in socks:
    s.close()
EOF
check "32 idle TCP connections, every place the server has: a new client's query is answered, the idlest closed for it" \
	in_ns "$PY" - "$IP" <<'EOF'
# Refused instead, 32 clients sending a query every 29 s kept everyone
# else off TCP (RFC 7766 6.2.3 lets a server close idle connections).
import socket, sys, time
import dns.message, dns.query
ip = sys.argv[1]
socks = [socket.create_connection((ip, 53), timeout=5) for _ in range(32)]
time.sleep(2.5)
r = dns.query.tcp(dns.message.make_query("mail.example.org", "A"), ip, timeout=3)
assert r.answer, r
closed = 0
for s in socks:
    s.settimeout(0.5)
    try:
        closed += s.recv(1) == b""
    except (socket.timeout, ConnectionResetError):
        pass
assert closed >= 1, closed
for s in socks:
    s.close()
EOF

# ---- zone transfers (RFC 5936), TSIG (RFC 8945) ----

Y="hmac-sha256:xfr-key:$SECRET"
check "AXFR without TSIG is refused" \
	bash -c "ip netns exec $NS dig +time=3 +tries=1 @$IP example.org AXFR | grep -q 'Transfer failed'"
axfr() { in_ns dig +time=5 +tries=1 -y "$Y" @"$1" example.org AXFR | grep -v '^;' | grep -v 'TSIG' | awk 'NF' | sort; }
ours=$(axfr "$IP")
theirs=$(axfr "$REF")
check "AXFR with the key: the zone as nsd transfers it ($(wc -l <<<"$ours") records, the SOA twice)" \
	[ -n "$ours" -a "$ours" = "$theirs" ]
[ "$ours" = "$theirs" ] || diff <(echo "$ours") <(echo "$theirs") | head
ixfr=$(in_ns dig +time=5 +tries=1 -y "$Y" @"$IP" example.org IXFR=2026120100 | grep -v '^;' | grep -v 'TSIG' | awk 'NF' | sort)
check "IXFR over TCP from a version the twin never served: the whole zone (RFC 1995 4)" \
	[ -n "$ixfr" -a "$ixfr" = "$ours" ]
check "  ... every message signed (dig checks each)" \
	bash -c "! ip netns exec $NS dig -y '$Y' @$IP example.org AXFR | grep -qiE 'verify|failure|failed'"
in_ns dig +time=3 +tries=1 -y "hmac-sha256:xfr-key:$(head -c 32 /dev/urandom | base64)" @"$IP" \
	example.org AXFR >"$WORK/badsig.out" 2>&1
check "AXFR with a wrong secret: refused (BADSIG), nothing transferred" \
	bash -c "grep -qiE 'NOTAUTH|BADSIG' '$WORK/badsig.out' && ! grep -qE 'IN[[:space:]]+SOA' '$WORK/badsig.out'"
grep -qiE 'NOTAUTH|BADSIG' "$WORK/badsig.out" || cat "$WORK/badsig.out"
check "a TSIG-signed SOA query over UDP gets a signed answer" \
	bash -c "out=\$(ip netns exec $NS dig -y '$Y' @$IP example.org SOA); grep -q 'status: NOERROR' <<<\"\$out\" && grep -q 'TSIG PSEUDOSECTION' <<<\"\$out\" && ! grep -qi 'verify' <<<\"\$out\""
# A signed answer keeps room for its TSIG and is cut as an unsigned one is
# (whole RRsets): TC, with its OPT and its rcode, signed.
check "a signed answer too big for the client's UDP size: TC, with its OPT, signed (RFC 8945 5.3, RFC 6891 6.1.1)" \
	in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import sys
import dns.flags, dns.message, dns.query, dns.rcode, dns.tsig, dns.tsigkeyring
ip, secret = sys.argv[1], sys.argv[2]
ring = dns.tsigkeyring.from_text({"xfr-key": ("hmac-sha256", secret)})
def ask(size):
    q = dns.message.make_query("big.example.org", "TXT", use_edns=0, payload=size)
    q.use_tsig(ring, keyname="xfr-key", algorithm=dns.tsig.HMAC_SHA256)
    return dns.query.udp(q, ip, timeout=3, ignore_trailing=False, raise_on_truncation=False)
whole = ask(1232)
assert whole.had_tsig and len(whole.answer[0]) == 8 and not whole.flags & dns.flags.TC, whole
# The eight records fit in 760 bytes unsigned (716), not signed (about 800).
r = ask(760)
assert r.had_tsig, r
assert r.flags & dns.flags.TC, r
assert r.edns == 0 and r.payload == 1232, f"no OPT:\n{r}"
assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA, r
EOF
# A TSIG error's answer keeps the query's OPT (RFC 6891 6.1.1), its whole
# RCODE NOTAUTH (RFC 8945 5.2): an unknown key, a wrong secret, a time past
# the fudge, the last also with an EDNS version we do not know.
check "TSIG errors to a query with OPT (BADKEY, BADSIG, BADTIME; BADTIME to EDNS version 1): NOTAUTH with an OPT (RFC 6891 6.1.1, RFC 8945 5.3.2)" \
	in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import base64, os, socket, sys, time
sys.path.insert(0, "tests/host/dns")
import dns.edns, dns.flags, dns.message, dns.rcode, dns.tsig, dns.tsigkeyring
from raw_answer import Raw, signed_at
ip, secret = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(3)
def ask(name, key, when, version=0):
    ring = dns.tsigkeyring.from_text({name: ("hmac-sha256", key)})
    q = dns.message.make_query("example.org", "SOA")
    q.use_edns(version, dns.flags.DO, 1232, options=[dns.edns.GenericOption(10, os.urandom(8))])
    q.use_tsig(ring, keyname=name, algorithm=dns.tsig.HMAC_SHA256)
    sock.sendto(signed_at(q, when), (ip, 53))
    return Raw(sock.recv(4096))
other = base64.b64encode(os.urandom(32)).decode()
now = time.time()
for what, r, error in [("BADKEY", ask("no-such-key", secret, now), 17),
                       ("BADSIG", ask("xfr-key", other, now), 16),
                       ("BADTIME", ask("xfr-key", secret, now - 1000), 18),
                       ("BADTIME, version 1", ask("xfr-key", secret, now - 1000, 1), 18)]:
    print(f"# {what}: rcode {r.rcode()}, OPT {r.opt}, TSIG error {r.tsig_error}")
    assert r.opt is not None, f"{what}: no OPT"
    assert r.opt[0] == 1232 and r.opt[2] == 0 and r.opt[3] & 0x8000, f"{what}: OPT {r.opt}"
    assert r.rcode() == 9 and r.tsig_error == error, f"{what}: rcode {r.rcode()}, error {r.tsig_error}"
    assert r.counts[1:] == (0, 0, 2) and r.types == [41, 250], f"{what}: {r.counts} {r.types}"
# Signed and verified, EDNS version 1 is still BADVERS, in the OPT (RFC 6891 6.1.3).
ring = dns.tsigkeyring.from_text({"xfr-key": ("hmac-sha256", secret)})
q = dns.message.make_query("example.org", "SOA")
q.use_edns(1)  # make_query's use_edns=1 sends version 0 (dnspython 2.3)
q.use_tsig(ring, keyname="xfr-key", algorithm=dns.tsig.HMAC_SHA256)
sock.sendto(q.to_wire(), (ip, 53))
r = dns.message.from_wire(sock.recv(4096), keyring=ring, request_mac=q.mac)
assert r.had_tsig and r.rcode() == dns.rcode.BADVERS and r.edns == 0, r
EOF
# RFC 8945 5.3's last resort: the question, OPT and TSIG do not fit in the
# client's 512 octets (a 255-octet name, a key of 165), so the answer is the
# question and the TSIG alone, TC, NOERROR; AA as the answer had it: none
# for a referral (below sub.example.org, RFC 1034 4.3.1), set for an
# NXDOMAIN of the zone.
check "a signed answer with no room for its TSIG (RFC 8945 5.3): TC and NOERROR, signed; no AA for a referral, AA for the zone's own NXDOMAIN" \
	in_ns "$PY" - "$IP" <<'EOF'
import socket, sys
import dns.flags, dns.message, dns.rcode, dns.tsig, dns.tsigkeyring
ip = sys.argv[1]
key = ".".join(["k" * 63, "k" * 63, "k" * 35]) + "."
ring = dns.tsigkeyring.from_text({key: ("hmac-sha256", "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=")})
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(3)
for below, aa in [("sub.example.org.", 0), ("nx.example.org.", dns.flags.AA)]:
    labels = ["x" * 63] * 3
    name = ".".join(labels + ["x" * (253 - 64 * 3 - len(below))]) + "." + below
    q = dns.message.make_query(name, "A", use_edns=0, payload=512)
    q.use_tsig(ring, keyname=key, algorithm=dns.tsig.HMAC_SHA256)
    sock.sendto(q.to_wire(max_size=65535), (ip, 53))
    r = dns.message.from_wire(sock.recv(4096), keyring=ring, request_mac=q.mac)
    print(f"# below {below}: {dns.flags.to_text(r.flags)}, {dns.rcode.to_text(r.rcode())}")
    assert r.had_tsig and r.flags & dns.flags.TC and r.rcode() == dns.rcode.NOERROR, r
    assert not r.answer and not r.authority and not r.additional, r
    assert r.flags & dns.flags.AA == aa, f"below {below}: AA {'set' if r.flags & dns.flags.AA else 'clear'}"
EOF
# nsd as a secondary of the twin, on another address of the namespace.
ip -n "$NS" addr add 192.0.2.4/24 dev tap0
mkdir -p "$WORK/nsd2"
NSD_KEY="xfr-key $SECRET" nsd_conf "$WORK/nsd2" 192.0.2.4 example.org.sec \
	"request-xfr: $IP xfr-key" "allow-notify: $IP xfr-key" >"$WORK/nsd2/nsd.conf"
ns_daemon nsd -d -c "$WORK/nsd2/nsd.conf"
sec=
for _ in $(seq 60); do
	sec=$(in_ns dig +short +time=1 +tries=1 @192.0.2.4 mail.example.org A 2>/dev/null)
	[ "$sec" = 192.0.2.25 ] && break
	sleep 0.5
done
check "nsd as a secondary transfers the zone from the twin with TSIG and serves it" [ "$sec" = 192.0.2.25 ]
[ "$sec" = 192.0.2.25 ] || tail -5 "$WORK/nsd2/nsd.log"

# ---- cookies and rate limiting ----

check "DNS cookies: the client's echoed with a server cookie of RFC 9018's form, kept while fresh, renewed when wrong" \
	in_ns "$PY" - "$IP" <<'EOF'
import os, sys
import dns.edns, dns.message, dns.query
ip = sys.argv[1]
def ask(cookie):
    q = dns.message.make_query("example.org", "SOA", use_edns=0,
                               options=[dns.edns.GenericOption(10, cookie)])
    r = dns.query.udp(q, ip, timeout=3)
    got = [o.data for o in r.options if o.otype == 10]
    assert r.answer and len(got) == 1, r
    return got[0]
client = os.urandom(8)
first = ask(client)
assert len(first) == 24 and first[:8] == client and first[8] == 1, first.hex()
again = ask(first)
assert again == first, (again.hex(), first.hex())
bad = first[:-1] + bytes([first[-1] ^ 1])
renewed = ask(bad)
assert renewed[:8] == client and len(renewed) == 24
q = dns.message.make_query("example.org", "SOA", use_edns=0)
assert not dns.query.udp(q, ip, timeout=3).options
EOF
check "rate limiting: a flood of NXDOMAIN from one address is cut, every 2nd limited answer slips (TC), the rest dropped" \
	in_ns "$PY" - "$IP" <<'EOF'
import sys, time
sys.path.insert(0, "tests/host/dns")
import dns.flags, dns.message
from waiting import flood_socket, truncated, waiting
ip = sys.argv[1]
s = flood_socket()
n = 1000
for i in range(n):
    s.sendto(dns.message.make_query(f"flood{i}.example.org", "A").to_wire(), (ip, 53))
got = waiting(s)
tc = truncated(got)
full = len(got) - tc
print(f"# {n} queries: {full} answered, {tc} slipped, {n - full - tc} dropped")
assert 150 <= full <= 300 and tc > 100 and n - full - tc > 100, (full, tc)
time.sleep(1.5)
s.sendto(dns.message.make_query("after.example.org", "A").to_wire(), (ip, 53))
r = dns.message.from_wire(s.recv(4096))
assert not r.flags & dns.flags.TC and r.authority, r
EOF
check "  ... and /metrics counts them" \
	bash -c "ip netns exec $NS curl -s http://$IP/metrics | grep -Eq '^appliance_dns_(limited|slipped)_total [1-9]'"
# Answers made from a wildcard or a DNAME are limited as the zone's, not
# as the name asked: each flood's names were counted one by one before, so
# all 1,000 were answered.
check "rate limiting: floods of made-up names answered from a wildcard (NODATA, its CNAME chased) or under a DNAME are cut too" \
	in_ns "$PY" - "$IP" <<'EOF'
import sys, time
sys.path.insert(0, "tests/host/dns")
import dns.message
from waiting import flood_socket, truncated, waiting
ip = sys.argv[1]
n = 1000
for what, name, qtype in (("a wildcard's NODATA", "wild", "AAAA"),
                          ("a wildcard's CNAME", "cwild", "A"),
                          ("a DNAME", "d", "A")):
    time.sleep(1.5)
    s = flood_socket()
    for i in range(n):
        s.sendto(dns.message.make_query(f"f{i}.{name}.example.org", qtype).to_wire(), (ip, 53))
    got = waiting(s)
    full = len(got) - truncated(got)
    print(f"# {what}: {n} queries, {full} answered in full")
    assert full <= 300, (what, full)
EOF
# A signed flood is limited too (a valid TSIG proves no address: rrl.h),
# and what slips is signed (RFC 8945 5.3) and keeps its OPT (RFC 6891 6.1.1).
sleep 1.5
check "rate limiting a signed flood: every slipped (TC) answer is signed, its TSIG verified, and keeps its OPT (RFC 8945 5.3, RFC 6891 6.1.1)" \
	in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import socket, sys
sys.path.insert(0, "tests/host/dns")
import dns.flags, dns.message, dns.rcode, dns.tsig, dns.tsigkeyring
from waiting import flood_socket
ip, secret = sys.argv[1], sys.argv[2]
ring = dns.tsigkeyring.from_text({"xfr-key": ("hmac-sha256", secret)})
s = flood_socket()
qs, wires = {}, []
for i in range(1000):
    q = dns.message.make_query(f"signed{i}.example.org", "A", use_edns=0)
    q.id = i + 1
    q.use_tsig(ring, keyname="xfr-key", algorithm=dns.tsig.HMAC_SHA256)
    wires.append(q.to_wire())
    qs[q.id] = q
for w in wires:
    s.sendto(w, (ip, 53))
full = tc = 0
s.settimeout(1)
try:
    while True:
        wire = s.recv(4096)
        q = qs[int.from_bytes(wire[:2], "big")]
        r = dns.message.from_wire(wire, keyring=ring, request_mac=q.mac)
        assert r.had_tsig, f"answer {r.id} unsigned, {'TC' if r.flags & dns.flags.TC else 'whole'}:\n{r}"
        assert r.edns == 0, f"answer {r.id} without OPT:\n{r}"
        if r.flags & dns.flags.TC:
            assert not r.answer and not r.authority, r
            tc += 1
        else:
            assert r.rcode() == dns.rcode.NXDOMAIN and r.authority, r
            full += 1
except socket.timeout:
    pass
print(f"# 1000 signed queries: {full} answered, {tc} slipped, {1000 - full - tc} dropped")
assert 150 <= full <= 300 and tc > 100, (full, tc)
EOF

# ---- pushes: the veto, and a change served at once ----

repo=$WORK/repo
g() { in_ns git "$@"; }
AUTH=https://owner:$PASSWORD@$IP/site.git
g clone -q "https://$IP/site.git" "$repo" 2>"$WORK/clone.err" || cat "$WORK/clone.err"
cp "$HERE/example.org.zone" "$repo/zones/example.org.zone"
printf 'broken\tIN\tA\t192.0.2.300\n' >>"$repo/zones/example.org.zone"
git -C "$repo" commit -qam "a broken zone" >/dev/null
g -C "$repo" push "$AUTH" main >"$WORK/push1.out" 2>&1
line=$(grep -n 'broken' "$repo/zones/example.org.zone" | cut -d: -f1)
check "a push of a broken zone is refused, with file:line: reason shown by git" \
	grep -q "zones/example.org.zone:$line: .*192.0.2.300" "$WORK/push1.out"
grep -q "zones/example.org.zone:$line" "$WORK/push1.out" || cat "$WORK/push1.out"
check "and the old zone keeps serving" [ "$(d +short mail.example.org A)" = 192.0.2.25 ]
git -C "$repo" reset -q --hard HEAD~1
# A second file for the zone, its name differing only in case (and its
# mail address too): refused, the zone served as it was.
sed 's/^mail\t\tA\t192.0.2.25/mail\t\tA\t192.0.2.27/' "$HERE/example.org.zone" >"$repo/zones/Example.ORG.zone"
git -C "$repo" add zones/Example.ORG.zone
git -C "$repo" commit -qm "the zone again, its name in capitals" >/dev/null
g -C "$repo" push "$AUTH" main >"$WORK/push-case.out" 2>&1
check "a push of a second file for the zone (zones/Example.ORG.zone beside zones/example.org.zone) is refused, and git shows why" \
	grep -q "zones/.*\.zone: another file of zones/ holds this zone" "$WORK/push-case.out"
grep -q "another file of zones/" "$WORK/push-case.out" || cat "$WORK/push-case.out"
check "  ... and the zone is served as it was" [ "$(d +short mail.example.org A)" = 192.0.2.25 ]
git -C "$repo" reset -q --hard HEAD~1
sed -i 's/^mail\t\tA\t192.0.2.25/mail\t\tA\t192.0.2.26/' "$repo/zones/example.org.zone"
git -C "$repo" commit -qam "mail moves" >/dev/null
check "a good change is pushed" g -C "$repo" push -q "$AUTH" main
check "and served at once" [ "$(d +short mail.example.org A)" = 192.0.2.26 ]
for _ in $(seq 60); do
	sec=$(in_ns dig +short +time=1 +tries=1 @192.0.2.4 mail.example.org A 2>/dev/null)
	[ "$sec" = 192.0.2.26 ] && break
	sleep 0.5
done
check "NOTIFY, signed: the secondary nsd transfers the change and serves it within seconds" \
	[ "$sec" = 192.0.2.26 ]
[ "$sec" = 192.0.2.26 ] || tail -5 "$WORK/nsd2/nsd.log"
serial() { d +short example.org SOA | awk '{ print $3 }'; }
check "its serial was not raised in the file: served one higher (2026120102)" \
	[ "$(serial)" = 2026120102 ]
sed -i 's/^mail\t\tA\t192.0.2.26/mail\t\tA\t192.0.2.27/' "$repo/zones/example.org.zone"
git -C "$repo" commit -qam "mail moves again" >/dev/null
g -C "$repo" push -q "$AUTH" main
check "another change, the file's serial still 2026120101: served as 2026120103" \
	[ "$(serial)" = 2026120103 ]
check "the twin never crashed" kill -0 "$TWIN_PID"
check "the twin stops cleanly" twin_stop
twin_start "$WORK/twin2.log" "$WORK/dns.conf" 02:00:00:00:00:0d --disk "$WORK/store.img"
wait_log "$WORK/twin2.log" "dns: udp and tcp port 53" 60
wait_log "$WORK/twin2.log" "net: ready" 10
check "after a restart the same serial is served (kept in the store)" [ "$(serial)" = 2026120103 ]
sed -i 's/2026120101 ; serial/2026120200 ; serial/' "$repo/zones/example.org.zone"
git -C "$repo" commit -qam "a serial of the owner's" >/dev/null
wait_log "$WORK/twin2.log" "https on tcp port 443" 60
g -C "$repo" push -q "$AUTH" main
check "a serial past the one served is served as it is (2026120200)" [ "$(serial)" = 2026120200 ]

# ---- IXFR (RFC 1995) from the versions served before ----

# An IXFR from serial $1, signed: its records in order, "SOA serial" or
# "owner ttl type data"; dig's whole output in $WORK/ixfr-$1.out.
ixfr() {
	in_ns dig +time=5 +tries=1 -y "$Y" @"$IP" example.org "IXFR=$1" >"$WORK/ixfr-$1.out" 2>&1
	grep -v '^;' "$WORK/ixfr-$1.out" | awk 'NF && $4 != "TSIG" {
		print ($4 == "SOA" ? "SOA " $7 : $1 " " $2 " " $4 " " $5) }' | tr '\n' ','
}
# Every message of each answer signed: dig checks each TSIG and says so if one fails.
signed() { ! grep -qiE 'verify|failure|failed|BADSIG|NOTAUTH' "$WORK/ixfr-$1.out"; }
new=SOA\ 2026120200
got=$(ixfr 2026120101)
check "IXFR from 2026120101 (served before the restart): the difference, new SOA, old SOA, mail's old address, new SOA, its new one, new SOA" \
	[ "$got" = "$new,SOA 2026120101,mail.example.org. 3600 A 192.0.2.25,$new,mail.example.org. 3600 A 192.0.2.27,$new," ]
[ "$got" = "$new,SOA 2026120101,mail.example.org. 3600 A 192.0.2.25,$new,mail.example.org. 3600 A 192.0.2.27,$new," ] ||
	cat "$WORK/ixfr-2026120101.out"
check "  ... signed (dig checked the TSIG)" signed 2026120101
got=$(ixfr 2026120103)
check "IXFR from 2026120103 (the same records, only the serial moved): the SOAs alone" \
	[ "$got" = "$new,SOA 2026120103,$new,$new," ]
got=$(ixfr 2026120200)
check "IXFR from the serial served: that SOA alone" [ "$got" = "$new," ]
check "  ... signed" signed 2026120200
ours=$(axfr "$IP")
got=$(in_ns dig +time=5 +tries=1 -y "$Y" @"$IP" example.org IXFR=2026120050 | grep -v '^;' | grep -v 'TSIG' | awk 'NF' | sort)
check "IXFR from a serial not in the history: the whole zone, as AXFR sends it ($(wc -l <<<"$got") records)" \
	[ -n "$ours" -a "$got" = "$ours" -a "$(wc -l <<<"$got")" -gt 50 ]
check "the serials are kept in the store's non-public part" \
	bash -c "g() { ip netns exec $NS git \"\$@\"; }; ! g ls-remote https://$IP/site.git | grep -q appliance"

# ---- a record too big for a transfer's usual message (dns/xfr.h: 16 KiB) ----

# A second zone, pushed, whose TXT has 250 strings of 255 octets (64,000
# octets of rdata): the server's 16 KiB message cannot hold it, so after
# the message of SOA and NS it starts one of up to 64 KiB (dns/server.c
# xfr_message), which takes the closing SOA too: 2 messages, so one of
# them is past 32 KiB, each signed, the TXT whole.
printf '%0255d' 0 | tr 0 x >"$WORK/255"
{
	printf '$TTL 60\n@ SOA ns hm 1 60 60 600 60\n@ NS ns.example.org.\nbig TXT (\n'
	for _ in $(seq 250); do printf '\t"%s"\n' "$(cat "$WORK/255")"; done
	printf ')\n'
} >"$repo/zones/big.test.zone"
git -C "$repo" add zones/big.test.zone
git -C "$repo" commit -qm "a zone with a 64,000-octet TXT" >/dev/null
check "a zone with a TXT of 64,000 octets is pushed" g -C "$repo" push -q "$AUTH" main
in_ns dig +time=10 +tries=1 -y "$Y" @"$IP" big.test AXFR >"$WORK/axfr-big.out" 2>&1
check "its AXFR: SOA and NS, then the TXT and the SOA in a message past 16 KiB: 2 messages, 4 records, 64,xxx octets" \
	grep -qE '^;; XFR size: 4 records \(messages 2, bytes 64[0-9]{3}\)' "$WORK/axfr-big.out"
check "  ... the TXT whole: 250 strings of 255 octets" \
	bash -c "awk '\$4 == \"TXT\"' '$WORK/axfr-big.out' | grep -o '\"x*\"' | awk 'length(\$0) == 257' | wc -l | grep -qx 250"
check "  ... each message signed (dig checked each TSIG)" \
	bash -c "! grep -qiE 'verify|failure|failed|BADSIG|NOTAUTH' '$WORK/axfr-big.out'"
grep -qE '^;; XFR size: 4 records \(messages 2,' "$WORK/axfr-big.out" || tail -5 "$WORK/axfr-big.out"
check "  ... and the twin logged no failed transfer" bash -c "! grep -q 'zone transfer of big.test. failed' '$WORK/twin2.log'"
check "the twin never crashed after the restart" kill -0 "$TWIN_PID"

done_tests
