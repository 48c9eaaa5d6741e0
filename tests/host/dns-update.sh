#!/bin/bash
# Usage: tests/host/dns-update.sh APPLIANCE STORECTL
# Dynamic updates (RFC 2136) to the host twin's zone with BIND's nsupdate,
# signed with the store's TSIG key: a record added and deleted, each a
# commit on main whose author is the key's name, seen by dig and by `git
# log` on a clone; over UDP and TCP; the owner's file kept (comments, the
# SOA's layout) with the serial raised in place; prerequisites that fail
# (YXDOMAIN, NXRRSET) and an update the zone's checks refuse (two DNAMEs)
# change nothing; unsigned (REFUSED), a wrong secret (NOTAUTH, BADSIG), a
# zone not ours (NOTAUTH) and a signed update sent again (REFUSED) are
# refused; a push from a clone made before an update is refused as not a
# fast-forward, the update kept; with a store that cannot be written an
# update gets SERVFAIL, and the same message sent again is tried again; an
# update's MAC is kept against a replay for as long as it verifies; and one
# signed before the twin started is refused (BADTIME), one signed after
# it taken, nsupdate's own retry across a restart too (nsupdate verifies
# the signed BADTIME). An update of EDNS version 1 is answered BADVERS and
# not applied; an update's answer carries the client's cookie and ours
# (dig +opcode=update checks it); /metrics counts a TSIG error's answer as
# the NOTAUTH it is, not as REFUSED or NXDOMAIN. An update of twelve
# DKIM-sized TXT records, over 4 KiB, is taken over TCP.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/host/dns/twin.sh "$@"

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
command -v nsupdate >/dev/null || { fail "nsupdate is not installed (bind9-dnsutils)"; done_tests; exit 1; }
started=$(date +%s) # the twin starts after this second
dns_twin_start || { done_tests; exit 1; }

# The replay table lives in memory (dns/update_replay.c): an update signed
# before this run of the twin began, which a run before a restart may have
# taken within its fudge, is refused as BADTIME (NOTAUTH, signed, our time
# in it; RFC 8945 5.2.3), and the same update signed now is taken, right
# after the start.
check "an update signed before the twin started: BADTIME, signed; the same signed now, at once after the start: NOERROR" \
	in_ns "$PY" - "$IP" "$SECRET" "$started" <<'EOF'
import sys
sys.path.insert(0, "tests/host/dns")
from raw_answer import Raw, signed_at
from signed_update import Sender
ip, secret, started = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = Sender(ip, secret)
u = t.update()
u.delete("before-start", "A")
t.sock.sendto(signed_at(u, started - 1), (ip, 53))
r = Raw(t.sock.recv(4096))
print(f"# signed a second before the start: rcode {r.rcode()}, TSIG error {r.tsig_error}, MAC {r.tsig_mac_size}")
assert r.rcode() == 9 and r.tsig_error == 18 and r.tsig_mac_size == 32, (r.rcode(), r.tsig_error)
u = t.update()
u.delete("before-start", "A")
now = t.send(u, u.to_wire())
print(f"# signed now: {now}")
assert now == "NOERROR", now
EOF
check "  ... the log says why" grep -q "an update signed at $((started - 1)), before this server started" "$WORK/twin.log"

g() { in_ns git "$@"; }
# nsupdate with the key (or ARGS before the commands), the commands on stdin.
nsu() { in_ns nsupdate -y "hmac-sha256:xfr-key:$SECRET" "$@"; }
serial() { d +short example.org SOA | cut -d' ' -f3; }
commits() { g -C "$WORK/clone" fetch -q origin && git -C "$WORK/clone" rev-list --count origin/main; }

g clone -q "https://$IP/site.git" "$WORK/clone" 2>"$WORK/clone.err" || cat "$WORK/clone.err"
git -C "$WORK/clone" config user.name t && git -C "$WORK/clone" config user.email t@example.org
before=$(serial)
n0=$(commits)

nsu >"$WORK/u1.out" 2>&1 <<EOF
server $IP
zone example.org
update add laptop.example.org. 300 A 192.0.2.77
update add laptop.example.org. 300 TXT "the owner's laptop"
send
EOF
check "nsupdate adds two records with the key" [ $? = 0 ]
check "  ... dig sees them at once" [ "$(d +short laptop.example.org A)" = 192.0.2.77 ]
check "  ... the serial is raised ($before, then $(serial))" \
	[ "$(serial)" -gt "$before" ]
check "  ... the update is one commit on main" [ "$(commits)" = $((n0 + 1)) ]
log=$(git -C "$WORK/clone" log -1 --format='%an <%ae>%n%B' origin/main)
check "  ... by the key's name, listing the records" \
	bash -c '[[ "$1" == "xfr-key <xfr-key@dns-update>"* ]] && grep -q "^+ laptop.example.org. 300 IN A 192.0.2.77" <<<"$1"' _ "$log"
git -C "$WORK/clone" show origin/main:zones/example.org.zone >"$WORK/after.zone"
check "  ... the file kept as written: the records added at its end, nothing else changed but the serial" \
	bash -c "diff <(grep -v 'laptop' '$WORK/after.zone' | sed 's/$(serial)/SERIAL/') <(sed 's/$before/SERIAL/' tests/host/dns/example.org.zone)"

nsu -v >"$WORK/u2.out" 2>&1 <<EOF
server $IP
zone example.org
update delete laptop.example.org. A
send
EOF
check "an RRset deleted over TCP (nsupdate -v)" [ $? = 0 ]
check "  ... gone, the TXT stays" \
	bash -c "[ -z \"\$(ip netns exec $NS dig +short @$IP laptop.example.org A)\" ] && ip netns exec $NS dig +short @$IP laptop.example.org TXT | grep -q laptop"
check "  ... another commit" [ "$(commits)" = $((n0 + 2)) ]

# Twelve DKIM-sized TXT records (two strings of 200 each): an update of
# more than 4 KiB (DNS_TCP_IN_MAX, a query's most), read whole over TCP.
k=$(printf 'k%.0s' {1..200})
{
	echo "server $IP"
	echo "zone example.org"
	for i in $(seq 12); do echo "update add s$i._domainkey.example.org. 300 TXT \"$k\" \"$k\""; done
	echo send
} | nsu -v >"$WORK/u-dkim.out" 2>&1
check "an update of 12 DKIM-sized TXT records (over 4 KiB) over TCP: taken" [ $? = 0 ]
check "  ... dig sees the last of them" \
	bash -c "ip netns exec $NS dig +short +tcp @$IP s12._domainkey.example.org TXT | grep -q '\"$k\" \"$k\"'"

n=$(commits)
nsu >"$WORK/u3.out" 2>&1 <<EOF
server $IP
zone example.org
prereq nxdomain www.example.org.
update add www2.example.org. 300 A 192.0.2.78
send
EOF
check "a prerequisite that fails (the name exists): YXDOMAIN, nothing changed" \
	bash -c "grep -q YXDOMAIN '$WORK/u3.out' && [ -z \"\$(ip netns exec $NS dig +short @$IP www2.example.org A)\" ]"
nsu >"$WORK/u4.out" 2>&1 <<EOF
server $IP
zone example.org
prereq yxrrset mail.example.org. A 192.0.2.99
update delete mail.example.org. A
send
EOF
check "an RRset that is not as the prerequisite says: NXRRSET, nothing changed" \
	bash -c "grep -q NXRRSET '$WORK/u4.out' && [ \"\$(ip netns exec $NS dig +short @$IP mail.example.org A)\" = 192.0.2.25 ]"
nsu >"$WORK/u5.out" 2>&1 <<EOF
server $IP
zone example.org
update add old.example.org. 300 DNAME a.example.net.
update add old.example.org. 300 DNAME b.example.net.
send
EOF
check "an update the zone's checks refuse (two DNAMEs at a name): REFUSED, the reason logged" \
	bash -c "grep -q REFUSED '$WORK/u5.out' && grep -q 'update by xfr-key refused by the zone.s checks: .*DNAME' '$WORK/twin.log'"
in_ns nsupdate >"$WORK/u6.out" 2>&1 <<EOF
server $IP
zone example.org
update add unsigned.example.org. 300 A 192.0.2.1
send
EOF
check "an unsigned update: REFUSED" grep -q REFUSED "$WORK/u6.out"
in_ns nsupdate -y "hmac-sha256:xfr-key:$(head -c 32 /dev/urandom | base64)" >"$WORK/u7.out" 2>&1 <<EOF
server $IP
zone example.org
update add forged.example.org. 300 A 192.0.2.1
send
EOF
check "an update signed with a wrong secret: NOTAUTH (BADSIG)" grep -q "BADSIG\|NOTAUTH" "$WORK/u7.out"
nsu >"$WORK/u8.out" 2>&1 <<EOF
server $IP
zone example.net
update add x.example.net. 300 A 192.0.2.1
send
EOF
check "an update of a zone not ours: NOTAUTH" grep -q NOTAUTH "$WORK/u8.out"
check "  ... none of the refused updates made a commit" [ "$(commits)" = "$n" ]
check "  ... nor is any of their records served" \
	bash -c "for h in www2 old unsigned forged; do [ -z \"\$(ip netns exec $NS dig +short @$IP \$h.example.org A)\" ] || exit 1; done"

check "a signed update sent twice as it is: the second REFUSED (a replay)" in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import sys
sys.path.insert(0, "tests/host/dns")
from signed_update import Sender
rcodes = Sender(sys.argv[1], sys.argv[2]).sent_twice("replay", "192.0.2.66")
print(f"# {rcodes}")
assert rcodes == ["NOERROR", "REFUSED"], rcodes
EOF

check "a signed update with OPT: answered with an OPT, and so is its TSIG error (BADSIG: NOTAUTH; RFC 6891 6.1.1)" \
	in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import base64, os, sys
sys.path.insert(0, "tests/host/dns")
import dns.message
from raw_answer import Raw
from signed_update import Sender
ip, secret = sys.argv[1], sys.argv[2]
for key, want in [(secret, 0), (base64.b64encode(os.urandom(32)).decode(), 9)]:
    t = Sender(ip, key)
    u = t.update()
    u.use_edns(0, payload=1232)
    u.delete("edns", "A")
    t.sock.sendto(u.to_wire(), (ip, 53))
    r = Raw(t.sock.recv(4096))
    print(f"# rcode {r.rcode()}, OPT {r.opt}, TSIG error {r.tsig_error}, records {r.types}")
    assert r.rcode() == want and r.opt is not None and r.opt[:3] == (1232, 0, 0), r.opt
    assert r.types == [41, 250] and r.tsig_error == (16 if want else 0), r.types
EOF

# RFC 6891 6.1.3: an EDNS version we do not implement is answered BADVERS,
# and the request is not acted on: the update is not applied.
n=$(commits)
check "a signed update of EDNS version 1: BADVERS (16), its OPT version 0, signed" \
	in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import sys
sys.path.insert(0, "tests/host/dns")
import dns.message, dns.rcode
from signed_update import Sender
t = Sender(sys.argv[1], sys.argv[2])
u = t.update()
u.use_edns(1, payload=1232)
u.add("badvers", 300, "A", "192.0.2.16")
t.sock.sendto(u.to_wire(), (t.ip, 53))
r = dns.message.from_wire(t.sock.recv(4096), keyring=t.ring, request_mac=u.mac)
print(f"# rcode {dns.rcode.to_text(r.rcode())}, EDNS version {r.edns}")
assert r.rcode() == dns.rcode.BADVERS and r.edns == 0, (r.rcode(), r.edns)
EOF
check "  ... not applied: nothing served, no commit" \
	[ -z "$(d +short badvers.example.org A)" -a "$(commits)" = "$n" ]

# RFC 7873 5.2: a response to a request with a COOKIE option carries the
# client's cookie and ours, an UPDATE's as a query's.
check "an update with a client cookie: answered with it and our server cookie (RFC 9018 form), signed or not" \
	in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import os, sys
sys.path.insert(0, "tests/host/dns")
import dns.edns, dns.message, dns.rcode, dns.update
from signed_update import Sender
t = Sender(sys.argv[1], sys.argv[2])
client = os.urandom(8)


def cookie(u, verify):
    u.use_edns(0, payload=1232, options=[dns.edns.GenericOption(10, client)])
    u.delete("cookie", "A")
    t.sock.sendto(u.to_wire(), (t.ip, 53))
    wire = t.sock.recv(4096)
    r = dns.message.from_wire(wire, keyring=t.ring, request_mac=u.mac) if verify else dns.message.from_wire(wire)
    got = [o.data for o in r.options if o.otype == 10]
    print(f"# {dns.rcode.to_text(r.rcode())}, cookie {got[0].hex() if got else None}")
    assert len(got) == 1 and len(got[0]) == 24 and got[0][:8] == client and got[0][8] == 1, got
    return dns.rcode.to_text(r.rcode())


assert cookie(t.update(), True) == "NOERROR"
assert cookie(dns.update.UpdateMessage("example.org"), False) == "REFUSED"
EOF
out=$(in_ns dig +opcode=update +time=3 +tries=1 -y "hmac-sha256:xfr-key:$SECRET" @$IP example.org SOA 2>&1)
check "dig +opcode=update (an empty update): NOERROR, its cookie answered (good), the TSIG verified" \
	bash -c 'grep -q "status: NOERROR" <<<"$1" && grep -q "; COOKIE: [0-9a-f]\{48\} (good)" <<<"$1" &&
		! grep -qi "couldn.t verify\|verify failure" <<<"$1" || { echo "$1"; exit 1; }' _ "$out"

# /metrics counts an answer by the rcode it carries on the wire: a TSIG
# error goes out as NOTAUTH (RFC 8945 5.2), whatever the update or query
# would have been answered.
refused=$(twin_sample "$IP" appliance_dns_refused_total)
nxdomain=$(twin_sample "$IP" appliance_dns_nxdomain_total)
check "an update and a query for a name not there, signed with a wrong secret: NOTAUTH" \
	in_ns "$PY" - "$IP" "$(head -c 32 /dev/urandom | base64)" <<'EOF'
import sys
sys.path.insert(0, "tests/host/dns")
import dns.message, dns.tsig
from raw_answer import Raw
from signed_update import Sender
t = Sender(sys.argv[1], sys.argv[2])
u = t.update()
u.delete("badsig", "A")
q = dns.message.make_query("no-such-name.example.org", "A")
q.use_tsig(t.ring, keyname="xfr-key.", algorithm=dns.tsig.HMAC_SHA256)
for m in (u, q):
    t.sock.sendto(m.to_wire(), (t.ip, 53))
    r = Raw(t.sock.recv(4096))
    print(f"# rcode {r.rcode()}, TSIG error {r.tsig_error}")
    assert r.rcode() == 9 and r.tsig_error == 16, (r.rcode(), r.tsig_error)
EOF
check "  ... counted as what went out: neither REFUSED nor NXDOMAIN on /metrics" \
	[ "$(twin_sample "$IP" appliance_dns_refused_total)" = "$refused" -a \
	"$(twin_sample "$IP" appliance_dns_nxdomain_total)" = "$nxdomain" ]
in_ns nsupdate >/dev/null 2>&1 <<EOF
server $IP
zone example.org
update add unsigned.example.org. 300 A 192.0.2.1
send
EOF
check "  ... and an unsigned update, REFUSED on the wire, is counted REFUSED" \
	[ "$(twin_sample "$IP" appliance_dns_refused_total)" = $((refused + 1)) ]

# A clone from before an update pushes: not a fast-forward, refused; the update stays.
stale=$WORK/stale
g clone -q "https://$IP/site.git" "$stale" 2>/dev/null
nsu >/dev/null 2>&1 <<EOF
server $IP
zone example.org
update add router.example.org. 60 A 192.0.2.1
send
EOF
sed -i 's/192.0.2.25/192.0.2.26/' "$stale/zones/example.org.zone"
git -C "$stale" -c user.name=t -c user.email=t@example.org commit -qam "mail moves"
check "a push from a clone made before an update is refused (not a fast-forward)" \
	bash -c "! ip netns exec $NS git -C '$stale' push -q 'https://owner:$PASSWORD@$IP/site.git' main 2>/dev/null"
check "  ... and the update is still served" [ "$(d +short router.example.org A)" = 192.0.2.1 ]
echo "# $(in_ns curl -s http://$IP/metrics | grep '^appliance_dns_updates_total')"
check "/metrics counts the updates" \
	bash -c "ip netns exec $NS curl -s http://$IP/metrics | grep -Eq '^appliance_dns_updates_total (1[4-9]|2[0-5])$'"
check "the twin never crashed" kill -0 "$TWIN_PID"

check "the twin stops cleanly" twin_stop

# A restart while nsupdate waits for its answer (the twin's Ethernet
# address pinned, so that its datagrams are lost while the twin is down,
# not refused as unreachable once ARP fails): its retries, the same
# signed message, reach the twin once it is up again, signed before it
# started: BADTIME, signed with our time. nsupdate verifies that answer
# (a MAC it could not verify would say "tsig verify failure") and gives
# up; run again, it signs anew and is taken.
in_ns ip neigh replace "$IP" lladdr 02:00:00:00:00:0d dev tap0 nud permanent
restart_update=$(printf 'server %s\nzone example.org\nupdate add restart.example.org. 300 A 192.0.2.55\nsend\n' "$IP")
nsu -u 2 -r 30 >"$WORK/restart.out" 2>&1 <<<"$restart_update" &
nsu_pid=$!
sleep 3
twin_start "$WORK/twin.log" "$WORK/dns.conf" 02:00:00:00:00:0d --disk "$WORK/store.img"
check "the twin restarted on its store" wait_log "$WORK/twin.log" "dns: udp and tcp port 53" 60
wait "$nsu_pid"
check "nsupdate's update sent before the restart and retried after it: refused, BADTIME, its answer verified" \
	bash -c '[ "$1" != 0 ] && grep -q "clocks are unsynchronized" "$2" && ! grep -q "verify failure" "$2" ||
		{ cat "$2"; exit 1; }' _ $? "$WORK/restart.out"
check "  ... the twin says why" grep -q "an update signed at [0-9]*, before this server started" "$WORK/twin.log"
check "  ... nothing served" [ -z "$(d +short restart.example.org A)" ]
nsu >"$WORK/restart2.out" 2>&1 <<<"$restart_update"
check "  ... nsupdate run again: taken" [ "$(d +short restart.example.org A)" = 192.0.2.55 ]
twin_stop

# A store that cannot be written (HOST_BLK_CUT_AFTER, plat/host/blk.c): the
# update is not committed (SERVFAIL), and the same signed message sent again
# is taken again, not refused as a replay: nothing of it was applied.
printf '#!/bin/sh\nHOST_BLK_CUT_AFTER=1 exec "%s" "$@"\n' "$TWIN" >"$WORK/cut-twin"
chmod +x "$WORK/cut-twin"
TWIN=$WORK/cut-twin dns_twin_start || { done_tests; exit 1; }
check "a store that fails: an update SERVFAIL, and the same message sent again tried again (SERVFAIL), not refused as a replay" \
	in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import sys
sys.path.insert(0, "tests/host/dns")
from signed_update import Sender
rcodes = Sender(sys.argv[1], sys.argv[2]).sent_twice("retry", "192.0.2.67")
print(f"# {rcodes}")
assert rcodes == ["SERVFAIL", "SERVFAIL"], rcodes
EOF
check "  ... both tried: the log says twice why they were not committed" \
	[ "$(grep -c 'update by xfr-key not committed' "$WORK/twin.log")" = 2 ]
check "  ... in the store's words: its device failed before, it takes no writes until a restart" \
	[ "$(grep -c "update by xfr-key not committed, answered SERVFAIL: the store's device failed before: it takes no writes until it is opened again" "$WORK/twin.log")" = 2 ]
check "  ... nothing served" [ -z "$(d +short retry.example.org A)" ]
twin_stop
# The replay table (dns/server.c): an update's MAC is kept for as long as its
# message verifies (Time Signed and fudge), however many updates come after
# it; while 128 are kept, a new update is refused until the oldest expires.
# The updates delete a record that is not there: NOERROR with no commit.
dns_twin_start || { done_tests; exit 1; }
check "an update sent again after 40 others within its fudge: REFUSED; 128 kept at most, the next refused until they expire" \
	in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import sys, time
sys.path.insert(0, "tests/host/dns")
from signed_update import Sender
t = Sender(sys.argv[1], sys.argv[2])


def update(name, fudge):
    u = t.update(fudge)
    u.delete(name, "A")
    return u, u.to_wire()


send = t.send
first = update("first", 300)
assert send(*first) == "NOERROR"
for i in range(40):
    assert send(*update(f"between{i}", 3)) == "NOERROR", i
again = send(*first)
print(f"# the first sent again after 40 others: {again}")
assert again == "REFUSED", again
time.sleep(4)  # the 40 have expired; the first (fudge 300) is still kept
taken = 0
while taken < 200 and send(*update(f"fill{taken}", 10)) == "NOERROR":
    taken += 1
print(f"# taken beside the first before one was refused: {taken}")
assert taken == 127, taken
time.sleep(11)
late = send(*update("late", 10))
print(f"# once they expired: {late}")
assert late == "NOERROR", late
EOF
check "  ... the log says why the full table refused one" grep -q "an update refused: 128 updates are within their fudge" "$WORK/twin.log"
check "the twin never crashed" kill -0 "$TWIN_PID"
twin_stop
done_tests
