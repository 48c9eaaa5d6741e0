#!/bin/bash
# Usage: tests/qemu/echo.sh BOARD
#
# The guest's network path end to end in QEMU: netfront -> dom0's bridge ->
# QEMU user networking (restrict=on). The guest must get its address by
# DHCP from QEMU, and a client on this host must reach its TCP echo through
# a port forwarded on 127.0.0.1, with 1 MiB echoed intact, and its HTTP
# server, which serves the site seeded into the image's store, over HTTPS
# (a certificate made on first boot, or the owner's from the store) with
# plain HTTP redirecting there; git clones the site over HTTPS and the
# seeded zone (store/seed/zones/example.home.zone) is answered over TCP
# through a forwarded DNS port: every service, through the board's own
# NIC (orangepi-pc: the emulated sunxi Ethernet).
#
# On the boards in HTTPS_HEAVY_BOARDS (qemu-virt: a 64 MiB guest, and the
# board whose clock keeps time), the same boot then serves a 15 MiB file,
# added to the store of the test's copy of the image, whole over HTTPS and
# ten times at once; and the certificate must outlive the guest: after the
# boot above ends (QEMU stopped: a power cut), a second boot of the same
# disk is shut down cleanly by dom0 (selftest=shutdown), which must leave
# the store with nothing to recover, and a third boot must serve the
# certificate the first one made. (A clean shutdown of the first boot
# itself is not possible: in selftest=net dom0 leaves the guest running
# and nothing on this side can ask it for `xl shutdown`.)
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/qemu/run-lib.sh
board=${1:?usage: tests/qemu/echo.sh BOARD}
img=${OUT:-out}/$board.img
work=${B:-build}/test/echo-$board
log=$work/serial.log
CLIENT=tests/host/echo_client.py
STORECTL=${STORECTL:-${B:-build}/host/storectl}
HTTPS_HEAVY_BOARDS=${HTTPS_HEAVY_BOARDS:-qemu-virt}
heavy=
[[ " $HTTPS_HEAVY_BOARDS " != *" $board "* ]] || heavy=1
mkdir -p "$work"

# The STORE partition (p2) of a disk image, out to a file and back.
part_range() {
	sfdisk -d "$1" | awk -F'[=,]' '/^[^ ]*2 :/ { print $2 + 0, $4 + 0 }'
}
store_out() {
	local start size
	read -r start size < <(part_range "$1")
	dd if="$1" of="$2" bs=512 skip="$start" count="$size" conv=sparse status=none
}
store_in() {
	local start size
	read -r start size < <(part_range "$2")
	dd if="$1" of="$2" bs=512 seek="$start" count="$size" conv=sparse,notrunc status=none
}

# store_pending P2: the log records after the store's checkpoint, which the
# next open must verify and replay (store/FORMAT.md: the newest valid
# superblock slot, then records chained by seq and prev from ckpt_off). A
# store closed cleanly has none.
store_pending() {
	"$PY" - "$1" <<'EOF'
import struct, sys, zlib
f = open(sys.argv[1], "rb")
sbs = []
for slot in (0, 1):
    f.seek(slot * 4096)
    b = f.read(84)
    v = struct.unpack("<8sIIQQQQQQQIII", b)
    if v[0] == b"GITSTOR1" and v[12] == zlib.crc32(b[:80]):
        sbs.append(v)
if not sbs:
    sys.exit("no valid superblock")
sb = max(sbs, key=lambda v: v[3])
off, seq, chain, end, n = sb[8], sb[9], sb[11], sb[6], 0
while off + 64 <= end:
    f.seek(off)
    h = f.read(64)
    magic, _, _, rseq, rlen, prev = struct.unpack("<4sHHQQI", h[:28])
    if magic != b"GREC" or rseq != seq or prev != chain:
        break
    if struct.unpack("<I", h[56:60])[0] != zlib.crc32(h[:56]):
        break
    chain, seq, n = zlib.crc32(h[:56]), seq + 1, n + 1
    off += (64 + rlen + 4095) // 4096 * 4096
print(n)
EOF
}

# The SHA-256 fingerprint of the certificate a TLS server at 127.0.0.1:$1
# presents, and of a PEM certificate file.
served_cert() {
	openssl s_client -connect "127.0.0.1:$1" -servername appliance.home.arpa </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//'
}
pem_cert() { openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//'; }

# The heavy checks' file: 15 MiB of random bytes as site/big.bin, committed
# as main's tree (the seed and it) into the store of a copy of the image.
BIG=$((15 << 20))
if [ -n "$heavy" ]; then
	echo "qemu-echo: adding a 15 MiB file to the site in the store of a copy of $img"
	rm -rf "$work/seed"
	cp -r store/seed "$work/seed"
	head -c "$BIG" /dev/urandom >"$work/seed/site/big.bin"
	big_sha=$(sha256sum <"$work/seed/site/big.bin" | cut -d' ' -f1)
	cp --sparse=always "$img" "$work/echo.img"
	store_out "$work/echo.img" "$work/p2"
	if ! "$STORECTL" import "$work/p2" "$work/seed" -m "echo.sh: site/big.bin" >/dev/null; then
		fail "storectl import of the 15 MiB file into the copy's store"
		done_tests
		exit 1
	fi
	store_in "$work/p2" "$work/echo.img"
	rm -f "$work/p2"
	img=$work/echo.img
fi

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
HTTPS_PORT=$(free_port)
DNS_PORT=$(free_port)
export ECHO_PORT HTTP_PORT HTTPS_PORT DNS_PORT

# The heavy checks keep the first boot up for a few minutes more.
[ -z "$heavy" ] || QEMU_TIMEOUT=${QEMU_TIMEOUT:-600}
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
# The site, from the store on the STORE partition: plain HTTP through the
# forward to the guest's port 80 answers /.well-known/ itself and sends
# everything else to HTTPS (port 443, forwarded too).
wait_for 'http: https on tcp port 443' 30
check "the guest listens for HTTP and HTTPS: $(grep -o 'http: tcp port.*' "$log" | head -1); $(grep -o 'http: https on tcp port [0-9]*' "$log" | head -1)" \
	bash -c "grep -q 'http: tcp port 80' '$log' && grep -q 'http: https on tcp port 443' '$log'"
st=$(curl -sS --max-time 60 "http://127.0.0.1:$HTTP_PORT/.well-known/appliance/status")
check "the guest's status over plain HTTP (QEMU's forward comes from its subnet): $st" \
	"$PY" -c "import json,sys; d = json.loads(sys.argv[1]); assert d['heap_used'] > 0 and len(d['site_commit']) == 40 and d['tls']['certificate_expiry']" "$st"
head=$(curl -sS --max-time 60 -o /dev/null -D - "http://127.0.0.1:$HTTP_PORT/some/page" | tr -d '\r')
check "plain HTTP answers 301 to https://: $(echo "$head" | grep -i '^location:')" \
	bash -c "echo '$head' | head -1 | grep -q '^HTTP/1.1 301 ' &&
		echo '$head' | grep -Eiq '^location: https://127\.0\.0\.1/some/page$'"
https=https://127.0.0.1:$HTTPS_PORT
check "the guest serves the seeded site over HTTPS" \
	cmp -s <(curl -sSk --max-time 60 "$https/") store/seed/site/index.html
hsts=$(curl -sSk --max-time 60 -o /dev/null -D - "$https/" | tr -d '\r' | grep -i '^strict-transport-security:')
check "the HTTPS answer carries HSTS: $hsts" \
	bash -c "echo '$hsts' | grep -Eiq 'max-age=[1-9][0-9]*'"
check "a page the site lacks is 404 (over HTTPS)" \
	[ "$(curl -sk --max-time 60 -o /dev/null -w '%{http_code}' "$https/no-such-page")" = 404 ]
qemu_git_env
rm -rf "$work/clone"
check "git clones the site over HTTPS, its index.html the one served" \
	bash -c "git -c http.sslVerify=false clone -q '$https/site.git' '$work/clone' &&
		cmp -s '$work/clone/site/index.html' store/seed/site/index.html"
soa=$(dig +tcp +time=20 +tries=1 -p "$DNS_PORT" @127.0.0.1 +norec example.home SOA 2>&1)
check "DNS over TCP: the seeded zone's SOA, authoritative: $(grep -A1 'ANSWER SECTION' <<<"$soa" | tail -1 | tr -s '\t ' ' ')" \
	bash -c 'grep -q "status: NOERROR" <<<"$1" && grep -Eq "^;; flags: qr aa" <<<"$1" &&
		grep -Eq "^example\.home\.[[:space:]].*SOA" <<<"$1"' _ "$soa"
rm -rf "$work/clone"
# A first boot makes a certificate and keeps it in the store; a later one
# (or an owner's) is only described.
cert_line=$(grep -o 'tls: certificate for .*' "$log" | head -1 | tr -d '\r')
how="from the store"
! grep -q 'tls: made a self-signed' "$log" || how="made on this boot, $(grep -o 'kept in the store' "$log" | head -1)"
check "the guest's certificate ($how): ${cert_line:-none}" \
	bash -c "[ -n '$cert_line' ] && { ! grep -q 'tls: made a self-signed' '$log' || grep -q 'tls: kept in the store' '$log'; }"

if [ -n "$heavy" ]; then
	echo "qemu-echo: downloading the 15 MiB file over HTTPS"
	t0=$(date +%s.%N)
	curl -sSk --max-time 180 -o "$work/big.0" "$https/big.bin"
	t=$(echo "$(date +%s.%N) - $t0" | bc)
	check "the 15 MiB file over HTTPS, intact (sha256) in $(printf '%.1f' "$t") s" \
		bash -c "[ \"\$(sha256sum <'$work/big.0' | cut -d' ' -f1)\" = $big_sha ]"
	echo "qemu-echo: ten simultaneous HTTPS downloads of it"
	t0=$(date +%s.%N)
	pids=()
	for i in 1 2 3 4 5 6 7 8 9 10; do
		curl -sSk --max-time 400 -o "$work/big.$i" "$https/big.bin" &
		pids+=($!)
	done
	intact=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		wait "${pids[$((i - 1))]}" &&
			[ "$(sha256sum <"$work/big.$i" | cut -d' ' -f1)" = "$big_sha" ] && intact=$((intact + 1))
	done
	t=$(echo "$(date +%s.%N) - $t0" | bc)
	peak=$(curl -sS --max-time 60 "http://127.0.0.1:$HTTP_PORT/metrics" |
		awk '$1 == "appliance_heap_peak_bytes" { print int($2 / 1024) }')
	check "ten simultaneous HTTPS downloads of it, $intact of 10 intact, in $(printf '%.1f' "$t") s; heap high-water ${peak:-?} KiB (64 MiB guest)" \
		[ "$intact" = 10 ]
	rm -f "$work"/big.[0-9]*
	cert1=$(served_cert "$HTTPS_PORT")
	check "the certificate served on the first boot: sha256 ${cert1:-none}" [ -n "$cert1" ]
fi
check "the guest refused the bad ip6_gateway from xenstore, with its reason" \
	grep -Eq 'config: refused appliance/ip6_gateway: expected an IPv6 address' "$log"
check "no panic or fatal exception on the console" \
	bash -c "! grep -Eq 'guest: (fatal|panic)|Kernel panic|Xen BUG' '$log'"
[ -n "$heavy" ] || { done_tests; exit; }

# The certificate outlives the guest. QEMU stops: a power cut, after which
# the store has the certificate's commit still to replay.
echo "qemu-echo: first boot done after $(elapsed) s; stopping QEMU (a power cut)"
stop_qemu
trap - EXIT
disk=$work/run/sd.img
store_out "$disk" "$work/p2"
pending=$(store_pending "$work/p2")
check "after the power cut the store has ${pending:-?} record(s) past its checkpoint to recover" \
	[ "${pending:-0}" -gt 0 ]

# Second boot of that disk: dom0 shuts the guest down (xl shutdown) once it
# is ready; the store must close cleanly, leaving nothing to recover.
echo "qemu-echo: second boot of the same disk, shut down cleanly by dom0"
t0=$(date +%s.%N)
log2=$work/shutdown.log
QEMU_CONF= QEMU_SELFTEST=shutdown QEMU_LOG=$log2 QEMU_TIMEOUT=300 \
	QEMU_UNTIL='dom0: selftest (passed|failed)|dom0: error|Kernel panic|Xen BUG' \
	HTTP_PORT=0 HTTPS_PORT=0 EDIT_PORT= DNS_PORT=0 ECHO_PORT= image/qemu.sh "$board" "$disk" "$work/run2" 2>/dev/null
t=$(echo "$(date +%s.%N) - $t0" | bc)
check "second boot: the certificate loaded from the store, none made" \
	bash -c "grep -q 'tls: certificate for' '$log2' && ! grep -q 'tls: made' '$log2'"
check "second boot: dom0 shut the guest down and the store closed cleanly ($(printf '%.1f' "$t") s)" \
	bash -c "grep -q 'store: closed cleanly' '$log2' && grep -q 'guest: clean exit (poweroff)' '$log2' &&
		grep -q 'dom0: selftest passed' '$log2'"
disk=$work/run2/sd.img
store_out "$disk" "$work/p2"
pending=$(store_pending "$work/p2")
check "after the clean shutdown the store has no record past its checkpoint (${pending:-?}): nothing to recover" \
	[ "${pending:-1}" = 0 ]
check "the store on that disk passes fsck" "$STORECTL" fsck "$work/p2"
"$STORECTL" cat "$work/p2" refs/appliance/secrets tls/cert.pem >"$work/cert.pem" 2>/dev/null
check "the certificate in the store (refs/appliance/secrets) is the one served: $(pem_cert "$work/cert.pem")" \
	[ "$(pem_cert "$work/cert.pem")" = "$cert1" ]
rm -f "$work/p2"

# Third boot of the same disk: it serves the first boot's certificate.
echo "qemu-echo: third boot of the same disk"
start=$(date +%s.%N)
HTTP_PORT=$(free_port) HTTPS_PORT=$(free_port)
mkdir -p "$work/boot3"
qemu_run "$board" "$disk" "$work/boot3"
if wait_for 'http: https on tcp port 443' 240; then
	store_line=$(grep -o 'store: opened in.*' "$log" | head -1)
	cert3=$(served_cert "$HTTPS_PORT")
	check "third boot ($(elapsed) s to HTTPS; $store_line): the same certificate served, loaded not made" \
		bash -c "[ -n '$cert3' ] && [ '$cert3' = '$cert1' ] && ! grep -q 'tls: made' '$log'"
	check "third boot serves the site over HTTPS" \
		cmp -s <(curl -sSk --max-time 60 "https://127.0.0.1:$HTTPS_PORT/") store/seed/site/index.html
else
	fail "third boot: the guest listens for HTTPS"
	tail -n 30 "$log"
fi
check "no panic or fatal exception on the later boots' consoles" \
	bash -c "! grep -Eq 'guest: (fatal|panic)|Kernel panic|Xen BUG' '$log2' '$log'"
done_tests
