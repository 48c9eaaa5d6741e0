#!/bin/bash
# Usage: tests/qemu/dns.sh BOARD   (as root)
#
# The guest's DNS server in QEMU, over UDP and TCP. QEMU's user networking
# drops every UDP datagram the guest sends, so this boot is on a TAP
# device instead (image/qemu.sh's QEMU_TAP), in a network namespace of the
# test's own (tests/host/netns.sh: tap0, 192.0.2.1/24 on this side),
# removed on every exit. One boot of a copy of BOARD's image whose
# appliance.conf gives the guest ip=192.0.2.2/24 and whose store has, as
# main's tree, site/index.html and zones/example.org.zone (the zone of the
# host twin's comparison, tests/host/dns/example.org.zone). Then, from
# inside the namespace:
#   - dig over UDP and over TCP: the SOA (authoritative), an address, a
#     NXDOMAIN with the SOA at its negative TTL in authority, a CNAME chain
#     to its address; the `big` TXT RRset truncated over UDP with a 512-byte
#     buffer (TC, no partial RRset) and whole when dig retries over TCP;
#   - the guest's answers over UDP, then over TCP, to the whole corpus
#     tests/host/dns/queries.txt (898 queries, seconds each way) against
#     Debian's nsd, the reference, serving the same zone on 192.0.2.1 in
#     the same namespace, compared part by part by
#     tests/host/dns/compare.py with the deliberate differences of
#     tests/host/dns/differences.txt (as tests/host/dns.sh does for the
#     twin);
#   - secondaries and updates: nsd on 192.0.2.4 as the guest's secondary
#     (TSIG key in the copy's non-public part, dns_notify=192.0.2.4)
#     transfers the zone; a `git push` over HTTPS changing a record reaches
#     it through the guest's NOTIFY within seconds; an nsupdate signed with
#     the key adds a record, which the guest serves and commits on main;
#   - the client suite (tests/clients/suite.sh, the one make test-live
#     runs against a board): TLS, every file of the site, Git (a scratch
#     branch pushed and deleted with the password), every RRset of the
#     zone, as the site's own repository says they should be;
#   - the browser editor's smoke test in Chromium (tests/browser/suite.sh,
#     its first test only: open /edit/ from the image's own
#     refs/appliance/editor, clone, edit, commit, sync, the page served and
#     the commit in a fresh clone), when BROWSER (the node_modules of
#     tests/browser) is given; the whole suite runs against the twin.
# Under a minute on an idle machine (the boot about 20 s, a comparison
# under 15 s); the bounds are for a loaded one.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/qemu/run-lib.sh
# NS, WORK (a temporary directory), netns_up, ns_daemon, in_ns and
# netns_cleanup, which stops everything in the namespace and removes it.
. tests/host/netns.sh
. tests/host/dns/nsd.sh
. tests/browser/suite.sh
. tests/clients/suite.sh
board=${1:?usage: tests/qemu/dns.sh BOARD}
img=${OUT:-out}/$board.img
work=$(realpath -m "${B:-build}/test/dns-$board")
log=$work/serial.log
STORECTL=$(realpath -m "${STORECTL:-${B:-build}/host/storectl}")
HERE=$PWD/tests/host/dns
IP=192.0.2.2
REF=192.0.2.1
say() { echo "qemu-dns: $*"; }
start=$(date +%s)

need_root
for f in "$img" "$STORECTL"; do
	[ -e "$f" ] || { fail "$f exists (make $f)"; done_tests; exit 1; }
done
command -v nsd >/dev/null || { fail "nsd is not installed (deps/packages.list)"; done_tests; exit 1; }
rm -rf "$work" && mkdir -p "$work"

# ---- the image: the zone in its store ----

say "committing site/ and zones/example.org.zone as main into the store of a copy of $img"
tree=$WORK/tree
mkdir -p "$tree/site" "$tree/zones"
printf '<h1>dns</h1>\n' >"$tree/site/index.html"
cp "$HERE/example.org.zone" "$tree/zones/example.org.zone"
cp --sparse=always "$img" "$work/dns.img"
qemu_p2_out "$work/dns.img" "$WORK/p2"
"$STORECTL" import "$WORK/p2" "$tree" -m "dns test: a zone" >/dev/null
PASSWORD=dns-qemu-password
printf '%s\n' "$PASSWORD" >"$WORK/password"
"$STORECTL" passwd "$WORK/p2" "$WORK/password" >/dev/null
SECRET=$(head -c 32 /dev/urandom | base64)
printf 'key "xfr-key" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$SECRET" >"$WORK/tsig.keys"
"$STORECTL" secret "$WORK/p2" dns/tsig.keys "$WORK/tsig.keys" >/dev/null
check "the copy's store has zones/example.org.zone on main" \
	cmp -s <("$STORECTL" cat "$WORK/p2" refs/heads/main zones/example.org.zone) "$tree/zones/example.org.zone"
qemu_p2_in "$WORK/p2" "$work/dns.img"
rm -f "$WORK/p2"

# ---- the boot, on tap0 in the namespace ----

netns_up
say "booting $board in $NS on tap0, the guest at $IP; serial log in $log"
export QEMU_CONF="ip=$IP/24 dns_notify=192.0.2.4"
QEMU_TIMEOUT=${QEMU_TIMEOUT:-400} qemu_run_tap "$board" "$work/dns.img" "$work"

# nsd on the namespace's side of tap0, the same zone file, configured as
# tests/host/dns.sh configures it (tests/host/dns/nsd.sh); started while the guest boots.
mkdir -p "$WORK/nsd"
cp "$HERE/example.org.zone" "$WORK/nsd/"
nsd_conf "$WORK/nsd" "$REF" example.org.zone >"$WORK/nsd/nsd.conf"
ns_daemon nsd -d -c "$WORK/nsd/nsd.conf"
if ! dns_wait "$REF"; then
	fail "nsd, the reference, answers on $REF"
	cat "$WORK/nsd/nsd.log"
	done_tests
	exit 1
fi
ok "nsd, the reference, answers on $REF"

# A guest that crashes is restarted by xl, again and again: its first
# fatal exception ends the wait.
dead='guest: fatal exception|Kernel panic|Xen BUG|dom0: error'
wait_for "dns: udp and tcp port 53|$dead" 240
if grep -q 'dns: udp and tcp port 53' "$log" && wait_for 'net: ready' 30; then
	ok "guest serving DNS after $(elapsed) s"
else
	fail "guest serving DNS: $(grep -Eo "($dead).*" "$log" | head -1)"
	grep -m1 -A3 'guest: fatal exception' "$log"
	tail -n 30 "$log"
	done_tests
	exit 1
fi
check "the guest took the static address: $(grep -o 'net: interface up, ipv4 [a-z]*' "$log" | head -1)" \
	grep -q 'net: interface up, ipv4 static' "$log"
check "the guest loaded the zone from its store: $(grep -o 'dns: [0-9]* zones\? loaded.*' "$log" | head -1)" \
	grep -q 'dns: 1 zone loaded' "$log"

# ---- dig over UDP and TCP ----

d() { in_ns dig +time=3 +tries=1 @$IP "$@"; }
# has TEXT ERE...: TEXT (dig's output) has a line matching each ERE.
has() {
	local text=$1 re
	shift
	for re in "$@"; do grep -Eq -- "$re" <<<"$text" || return 1; done
}
# The guest's first answer: ARP across dom0's bridge, and lwIP up.
for _ in $(seq 30); do
	d +short example.org SOA >/dev/null 2>&1 && break
	sleep 1
done
say "dig over UDP and TCP to $IP ($(elapsed) s)"
soa="ns1.example.org. hostmaster.example.org. 2026120101 7200 3600 1209600 300"
for t in udp tcp; do
	o=+ignore
	[ $t = udp ] || o=+tcp
	check "$t: the SOA of example.org" [ "$(d $o +short example.org SOA)" = "$soa" ]
	check "$t: NOERROR, authoritative (aa)" \
		has "$(d $o +noall +comments example.org SOA)" 'status: NOERROR' '^;; flags: qr aa[ ;]'
	check "$t: mail.example.org A 192.0.2.25" [ "$(d $o +short mail.example.org A)" = 192.0.2.25 ]
	check "$t: nope.example.org is NXDOMAIN, the SOA in authority at its negative TTL (300)" \
		has "$(d $o +noall +comments +authority nope.example.org A)" 'status: NXDOMAIN' \
		'^example\.org\.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns1\.example\.org\. '
	check "$t: the CNAME chain alias2 -> alias -> www -> example.org, to its address" \
		[ "$(d $o +short alias2.example.org A | tr '\n' ' ')" = "alias.example.org. www.example.org. example.org. 192.0.2.1 " ]
done
# big's eight TXT records take some 700 bytes: a 512-byte buffer cannot hold
# them, and the server sends no part of an RRset (RFC 2181 9).
check "udp, +bufsize=512: big.example.org TXT truncated (TC) with no records" \
	has "$(d +bufsize=512 +ignore +noall +comments big.example.org TXT)" \
	'^;; flags: qr aa tc[a-z ]*; QUERY: 1, ANSWER: 0,'
whole=$(d +bufsize=512 +noall +answer big.example.org TXT 2>&1)
check "and dig, retrying over TCP, gets all eight records" \
	[ "$(grep -Ec '^big\.example\.org\..*TXT[[:space:]]+"[0-7]123456789' <<<"$whole")" = 8 ]
check "dig said it retried over TCP" has "$(d +bufsize=512 big.example.org TXT 2>&1)" 'Truncated, retrying in TCP mode'

# ---- the corpus against nsd ----

n=$(grep -Evc '^(#|[[:space:]]*$)' "$HERE/queries.txt")
# compare NAME [--tcp]: the corpus asked of the guest and of nsd, every
# query answered alike but where differences.txt says why not.
compare() {
	local out=$work/compare-$1.out t0 p f
	say "the $n queries of tests/host/dns/queries.txt over $1, the guest against nsd ($(elapsed) s)"
	t0=$(date +%s)
	in_ns "$PY" "$HERE/compare.py" "$HERE/queries.txt" "$HERE/differences.txt" "$IP" "$REF" \
		${2:-} >"$out" 2>&1
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	grep '^not ok - ' "$out" | head -20 | sed 's/^/  differs: /'
	grep '^# ' "$out"
	check "$1: the $((p + f)) queries of the corpus answered as nsd answers them, $f differ ($(($(date +%s) - t0)) s; $out)" \
		[ "$f" = 0 -a "$((p + f))" = "$n" ]
}
compare udp
compare tcp --tcp

# ---- a secondary told by NOTIFY, a dynamic update ----

say "nsd as the guest's secondary on 192.0.2.4, a push, an update ($(elapsed) s)"
in_ns ip addr add 192.0.2.4/24 dev tap0
mkdir -p "$WORK/nsd2"
NSD_KEY="xfr-key $SECRET" nsd_conf "$WORK/nsd2" 192.0.2.4 sec.zone \
	"request-xfr: $IP xfr-key" "allow-notify: $IP xfr-key" >"$WORK/nsd2/nsd.conf"
ns_daemon nsd -d -c "$WORK/nsd2/nsd.conf"
# sec ADDRESS: what the secondary serves for mail.example.org, within 30 s.
sec() {
	local a
	for _ in $(seq 60); do
		a=$(in_ns dig +short +time=1 +tries=1 @192.0.2.4 mail.example.org A 2>/dev/null)
		[ "$a" = "$1" ] && break
		sleep 0.5
	done
	echo "$a"
}
check "nsd transfers the zone from the guest with TSIG" [ "$(sec 192.0.2.25)" = 192.0.2.25 ]
repo=$WORK/repo
# HTTP starts last (app/app.c), after TLS: the zone is answered before it.
wait_for 'http: https on tcp port 443' 30
in_ns env GIT_SSL_NO_VERIFY=1 git clone -q "https://$IP/site.git" "$repo" 2>"$WORK/clone.err" || cat "$WORK/clone.err"
sed -i 's/^mail\t\tA\t192.0.2.25/mail\t\tA\t192.0.2.26/' "$repo/zones/example.org.zone"
git -C "$repo" -c user.name=t -c user.email=t@example.org commit -qam "mail moves"
t0=$(date +%s)
check "a push to the guest changing mail's address" \
	in_ns env GIT_SSL_NO_VERIFY=1 git -C "$repo" push -q "https://owner:$PASSWORD@$IP/site.git" main
check "the guest serves it at once" [ "$(d +short mail.example.org A)" = 192.0.2.26 ]
a=$(sec 192.0.2.26)
check "the secondary serves it $(($(date +%s) - t0)) s after the push began, told by the guest's NOTIFY" \
	[ "$a" = 192.0.2.26 ]
in_ns nsupdate -y "hmac-sha256:xfr-key:$SECRET" >"$WORK/nsupdate.out" 2>&1 <<EOF
server $IP
zone example.org
update add laptop.example.org. 300 A 192.0.2.77
send
EOF
check "nsupdate, signed, adds a record to the guest's zone" [ $? = 0 ]
check "  ... served" [ "$(d +short laptop.example.org A)" = 192.0.2.77 ]
in_ns env GIT_SSL_NO_VERIFY=1 git -C "$repo" pull -q "https://$IP/site.git" main 2>/dev/null
check "  ... and committed on main by the key" \
	bash -c "git -C '$repo' log -1 --format=%an | grep -qx xfr-key && grep -q '^laptop.example.org. 300 IN A 192.0.2.77' '$repo/zones/example.org.zone'"

say "the client suite against the guest ($(elapsed) s)"
CLIENT_RUN=(ip netns exec "$NS")
PASSWORD_FILE=$WORK/password client_suite "$IP"

if [ -n "${BROWSER:-}" ]; then
	say "the editor in Chromium against the guest ($(elapsed) s)"
	BROWSER_TIMEOUT=300 browser_suite "$IP" "$PASSWORD" "$(realpath -m "$BROWSER")" "$work/shots" \
		"open, clone, edit, commit, sync"
fi

check "the guest still answers" [ "$(d +short example.org SOA | cut -d' ' -f1)" = ns1.example.org. ]
check "no panic, fatal exception or out-of-memory on the console" \
	not grep -Eiq 'guest: (fatal|panic)|out of memory|Kernel panic|Xen BUG|dom0: error' "$log"
say "done after $(elapsed) s; stopping QEMU"
stop_qemu
trap netns_cleanup EXIT
# The serial log and the comparison stay in $work; the disks go.
rm -rf "$work/run" "$work/dns.img"
done_tests
