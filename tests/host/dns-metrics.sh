#!/bin/bash
# Usage: tests/host/dns-metrics.sh APPLIANCE STORECTL
# The host twin's DNS counters on /metrics: every answer sent is counted
# once, by transport (appliance_dns_queries_total) and by the rcode it
# carries (appliance_dns_answers_total{rcode=...}), a zone transfer's and
# its refusal's over TCP too, a transfer once however many messages it
# takes; every UPDATE request is counted whatever its answer (FORMERR,
# BADVERS, REFUSED); and a flood of UPDATEs over UDP from one address is
# rate limited as queries are (slipped, dropped), while its TCP updates
# and those with a valid server cookie are answered whole. A zone with
# a record no message can carry is refused when pushed.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/host/dns/twin.sh "$@"

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
dns_twin_start || { done_tests; exit 1; }

check "zone transfers over TCP: refused ones counted REFUSED, a transfer once as NOERROR, however many messages" \
	in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import sys
sys.path.insert(0, "tests/host/dns")
import dns.message, dns.query, dns.rcode, dns.tsig, dns.tsigkeyring, dns.zone
from counted import Counted
from signed_update import Sender
ip, secret = sys.argv[1], sys.argv[2]
ring = dns.tsigkeyring.from_text({"xfr-key.": ("hmac-sha256", secret)})
# Enough records for a transfer of several messages (xfr.h: 16 KiB each),
# in updates of 15 (a query over TCP is at most DNS_TCP_IN_MAX, 4 KiB).
for n in range(0, 210, 15):
    u = Sender(ip, secret).update()
    for i in range(n, n + 15):
        u.add(f"bulk{i}", 300, "TXT", '"' + "x" * 200 + '"')
    assert dns.query.tcp(u, ip, timeout=10).rcode() == dns.rcode.NOERROR
with Counted(ip) as c:
    for qtype in ("AXFR", "IXFR"):
        r = dns.query.tcp(dns.message.make_query("example.org", qtype), ip, timeout=5)
        assert r.rcode() == dns.rcode.REFUSED, r
c.say("REFUSED", "appliance_dns_transfers_total")
assert c.transports() == (0, 2) and c.rcode("REFUSED") == 2, "the refusals uncounted"
assert c.diff("appliance_dns_transfers_total") == 0
with Counted(ip) as c:
    messages = list(dns.query.xfr(ip, "example.org", keyring=ring, keyname="xfr-key.",
                                  keyalgorithm=dns.tsig.HMAC_SHA256, timeout=5))
    z = dns.zone.from_xfr(iter(messages))
c.say("NOERROR", "appliance_dns_transfers_total")
print(f"# {len(messages)} messages, {len(list(z.iterate_rdatas()))} records")
assert len(messages) > 1
assert c.transports() == (0, 1) and c.rcode("NOERROR") == 1
assert c.diff("appliance_dns_transfers_total") == 1
with Counted(ip) as c:
    r = dns.query.udp(dns.message.make_query("example.org", "AXFR"), ip, timeout=5)
    assert r.rcode() == dns.rcode.NOTIMP, r
c.say("NOTIMP")
assert c.transports() == (1, 0) and c.rcode("NOTIMP") == 1
EOF

check "every UPDATE counted, whatever its answer: FORMERR (two zones), BADVERS, REFUSED (unsigned), over UDP and TCP" \
	in_ns "$PY" - "$IP" <<'EOF'
import socket, struct, sys
sys.path.insert(0, "tests/host/dns")
import dns.update
from counted import Counted
from raw_answer import Raw
ip = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)


def two_zones():
    """An update of example.org whose zone section says it twice: RFC 2136 3.1.1's FORMERR."""
    w = dns.update.UpdateMessage("example.org").to_wire()
    return w[:4] + struct.pack("!H", 2) + w[6:] + w[12:]


def badvers():
    u = dns.update.UpdateMessage("example.org")
    u.use_edns(1)
    return u.to_wire()


def tcp(wire):
    with socket.create_connection((ip, 53), timeout=5) as t:
        t.sendall(struct.pack("!H", len(wire)) + wire)
        n = struct.unpack("!H", t.recv(2))[0]
        got = b""
        while len(got) < n:
            got += t.recv(n - len(got))
        return got


with Counted(ip) as c:
    for wire, want in ((two_zones(), 1), (badvers(), 16), (dns.update.UpdateMessage("example.org").to_wire(), 5)):
        s.sendto(wire, (ip, 53))
        r = Raw(s.recv(4096))
        assert r.rcode() == want, (r.rcode(), want)
        r = Raw(tcp(wire))
        assert r.rcode() == want, (r.rcode(), want)
c.say("appliance_dns_updates_total", "FORMERR", "BADVERS", "REFUSED")
assert c.transports() == (3, 3)
assert (c.rcode("FORMERR"), c.rcode("BADVERS"), c.rcode("REFUSED")) == (2, 2, 2)
assert c.diff("appliance_dns_updates_total") == 6, "an update answered uncounted"
EOF

# RRL (rrl.h) for UPDATEs: an unsigned one is refused in about its own
# size, a reflection at whoever its source names; a flood of them from one
# address is limited in the network's errors bucket as refused queries
# are. TCP and a valid server cookie prove the address: not limited.
check "an UPDATE flood over UDP from one address is limited (slips, drops); over TCP and with a valid cookie, answered whole" \
	in_ns "$PY" - "$IP" <<'EOF'
import os, sys
sys.path.insert(0, "tests/host/dns")
import dns.edns, dns.flags, dns.message, dns.query, dns.rcode, dns.update
from counted import Counted
from waiting import flood_socket, truncated, waiting
ip = sys.argv[1]


def drain(s):
    """The answers waiting on s, every one REFUSED: (whole, truncated)."""
    got = waiting(s)
    assert all(r.rcode() == dns.rcode.REFUSED for r in got)
    return len(got) - truncated(got), truncated(got)


client = os.urandom(8)
q = dns.message.make_query("example.org", "SOA", use_edns=0, options=[dns.edns.GenericOption(10, client)])
cookie = [o.data for o in dns.query.udp(q, ip, timeout=5).options if o.otype == 10][0]
assert len(cookie) == 24 and cookie[:8] == client
u = dns.update.UpdateMessage("example.org")
u.use_edns(0, options=[dns.edns.GenericOption(10, cookie)])
with_cookie = u.to_wire()
plain = dns.update.UpdateMessage("example.org").to_wire()
flood, cookied = flood_socket(), flood_socket()
n, m = 1000, 200
with Counted(ip) as c:
    for _ in range(n):
        flood.sendto(plain, (ip, 53))
    for _ in range(m):
        cookied.sendto(with_cookie, (ip, 53))
    r = dns.query.tcp(dns.message.from_wire(plain), ip, timeout=5)
    assert r.rcode() == dns.rcode.REFUSED and not r.flags & dns.flags.TC, r
    whole, tc = drain(flood)
    c_whole, c_tc = drain(cookied)
print(f"# {n} updates: {whole} answered, {tc} slipped, {n - whole - tc} dropped; "
      f"{m} with a valid cookie: {c_whole} answered, {c_tc} slipped")
c.say("appliance_dns_updates_total", "appliance_dns_limited_total", "appliance_dns_slipped_total")
assert 150 <= whole <= 350 and tc > 100 and n - whole - tc > 100, (whole, tc)
assert (c_whole, c_tc) == (m, 0), (c_whole, c_tc)
assert c.diff("appliance_dns_slipped_total") == tc
assert c.diff("appliance_dns_limited_total") == n - whole - tc
assert c.diff("appliance_dns_updates_total") == n + m + 1
EOF

# ... but not the answer to an update whose MAC verified and is new,
# made or refused by its prerequisites: its sender holds the key, and a
# lost answer would make its retry a replay, refused whatever became of
# the update. Those refused by a prerequisite are answered at once, in the
# network's errors bucket that a flood of unsigned UPDATEs has spent;
# those made, in the zone's bucket, which its SOA queries have spent.
check "updates signed and new, made or not, are answered whole over UDP though their network is over the limit" \
	in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import socket, sys
sys.path.insert(0, "tests/host/dns")
import dns.message, dns.rcode, dns.update
from counted import Counted
from signed_update import Sender
from waiting import flood_socket, truncated, waiting
ip, secret = sys.argv[1], sys.argv[2]
sender = Sender(ip, secret)
spend = {"NXDOMAIN": dns.update.UpdateMessage("example.org").to_wire(),
         "NOERROR": dns.message.make_query("example.org", "SOA").to_wire()}
flood = flood_socket()
want = {}
with Counted(ip) as c:
    for i in range(20):
        rcode = "NXDOMAIN" if i % 2 else "NOERROR"
        for _ in range(50):
            flood.sendto(spend[rcode], (ip, 53))
        # Its answer is told by its ID: two alike (random, 0.3% a run) would
        # have one answer verified with the other's MAC (BadSignature).
        u = sender.update()
        while u.id in want:
            u = sender.update()
        if rcode == "NXDOMAIN":
            u.present(f"absent{i}")
        else:
            u.add(f"made{i}", 300, "TXT", f'"{i}"')
        want[u.id] = (u, rcode)
        sender.sock.sendto(u.to_wire(), (ip, 53))
    answers = []
    sender.sock.settimeout(1)
    try:
        while True:
            wire = sender.sock.recv(4096)
            u, rcode = want[int.from_bytes(wire[:2], "big")]
            r = dns.message.from_wire(wire, keyring=sender.ring, request_mac=u.mac)
            answers.append(r)
            assert dns.rcode.to_text(r.rcode()) == rcode, (r, rcode)
    except socket.timeout:
        pass
    flooded = waiting(flood)
print(f"# 1000 unsigned updates and queries: {len(flooded)} answered, {truncated(flooded)} slipped; "
      f"20 signed updates: {len(answers)} answered, {truncated(answers)} slipped")
c.say("appliance_dns_limited_total", "appliance_dns_slipped_total")
assert len(flooded) < 1000 and c.diff("appliance_dns_limited_total") > 0, "the flood was not limited"
assert len(answers) == 20 and truncated(answers) == 0, "a signed update's answer limited"
EOF

# A record no message can carry (65481 octets of TXT; db.c's rdata_max):
# it could be neither answered nor transferred (the AXFR would fail after
# its first message), so the push is refused, git showing the record, its
# size and the bound, and the zone is served as it was.
repo=$WORK/repo
serial=$(d +short example.org SOA | awk '{ print $3 }')
big=$(printf 'big 60 TXT'; for ((i = 0; i < 255; i++)); do printf ' %0255d' 0; done; printf ' %0200d\n' 0)
in_ns git clone -q "https://$IP/site.git" "$repo"
sed -i "s/\b$serial\b/$((serial + 1))/" "$repo/zones/example.org.zone"
printf '%s\n' "$big" >>"$repo/zones/example.org.zone"
git -C "$repo" commit -qam "a record too big"
in_ns git -C "$repo" push "https://owner:$PASSWORD@$IP/site.git" main >"$WORK/push-big.out" 2>&1
line=$(grep -n '^big ' "$repo/zones/example.org.zone" | cut -d: -f1)
check "a push of a zone with a record no message can carry is refused, git showing the record, its size and the bound" \
	grep -q "zones/example.org.zone:$line: 'big.example.org.' TXT has 65481 octets of rdata, over the 65119 that a message of 65535 can carry" \
	"$WORK/push-big.out"
grep -q "'big.example.org.' TXT has" "$WORK/push-big.out" || cat "$WORK/push-big.out"
check "  ... and the zone is served as it was" [ "$(d +short example.org SOA | awk '{ print $3 }')" = "$serial" ]

check "every answer counted once: the rcodes' counts add up to the transports'" \
	in_ns "$PY" - "$IP" <<'EOF'
import sys
sys.path.insert(0, "tests/host")
import twin_metrics
s = twin_metrics.samples(sys.argv[1])
by_rcode = sum(v for k, v in s.items() if k.startswith("appliance_dns_answers_total{"))
sent = s['appliance_dns_queries_total{transport="udp"}'] + s['appliance_dns_queries_total{transport="tcp"}']
print(f"# {by_rcode} by rcode, {sent} by transport")
assert by_rcode == sent and sent > 0
EOF
check "the twin never crashed" kill -0 "$TWIN_PID"
check "the twin stops cleanly" twin_stop
done_tests
