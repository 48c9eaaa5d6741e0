#!/bin/bash
# Usage: tests/host/https.sh APPLIANCE STORECTL
# HTTPS on the host twin (the sanitized build), with real clients in a
# network namespace of the test's own: curl and openssl s_client, then
# testssl.sh.
#
#   - first start: a self-signed P-256 certificate is made and kept in the
#     store's non-public part, and the site is served over HTTPS: HSTS,
#     keep-alive, pipelining (90 KB of it behind an answer not read),
#     ETag/304, Range, gzip, 15 MiB intact; plain
#     HTTP redirects (301) but for /.well-known/ and /metrics;
#   - TLS 1.3 and 1.2 with X25519 and P-256, AEAD suites only; TLS 1.1 and
#     a CBC-only client refused; resumption from a ticket on both versions;
#   - the key is never served; a restart serves the same certificate; a
#     certificate the store fails to keep is served all the same;
#   - the owner's certificate chain (a test CA's) put in with `storectl
#     secret` is served and verifies, its expiry in the console and status;
#     testssl.sh finds nothing of severity MEDIUM or above; an RSA one is
#     accepted too (RSA-PSS in TLS 1.3, ECDHE-RSA in 1.2); one without its
#     key is left in the store, HTTPS served on a certificate for one boot;
#   - a twin without the platform's seed (--no-seed) refuses TLS, says
#     why, and serves plain HTTP without redirecting.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
STORECTL=$(realpath "${2:-build/host/storectl}")
IP=192.0.2.2
NAME=twin.example.org
URL=https://$IP

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }

# The site: a page, a gzip copy, a 15 MiB file.
site=$WORK/tree
mkdir -p "$site/site"
printf '<h1>home</h1>\n' >"$site/site/index.html"
seq 1 2000 >"$site/site/numbers.txt"
gzip -c -n "$site/site/numbers.txt" >"$site/site/numbers.txt.gz"
head -c $((15 * 1048576)) /dev/urandom >"$site/site/big.bin"
head -c 1048576 /dev/urandom >"$site/site/mid.bin"
"$STORECTL" init "$WORK/store.img" 64M >/dev/null
"$STORECTL" import "$WORK/store.img" "$site" -m site >/dev/null
printf 'hostname=twin\ndomain=example.org\nip=%s/24\ngateway=192.0.2.1\nip6=fd00:db8::2/64\n' "$IP" \
	>"$WORK/tls.conf"

# start LOG [ARGS]: the twin on the store; waits for its HTTP listener.
start() {
	local log=$1
	shift
	twin_start "$log" "$WORK/tls.conf" 02:00:00:00:00:08 --disk "${DISK:-$WORK/store.img}" "$@"
	wait_log "$log" "http: tcp port 80" 20 && wait_log "$log" "net: ready" 10
}
# start_https LOG [ARGS]: start, then wait for HTTPS to come up.
start_https() {
	start "$@"
	wait_log "$1" 'https on tcp port 443' 60
}
c() { in_ns curl -sS --max-time 30 "$@"; }
# The served certificate's SHA-256 fingerprint.
fingerprint() {
	in_ns openssl s_client -connect $IP:443 </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
# s_client ARGS...: the handshake's summary lines (protocol, cipher, reuse).
s_client() {
	in_ns openssl s_client -connect $IP:443 -servername $NAME "$@" </dev/null 2>&1
}

log=$WORK/first.log
start "$log"
if ! check "first start: HTTPS up" wait_log "$log" 'https on tcp port 443' 60; then
	cat "$log"
	done_tests
	exit 1
fi
check "a self-signed P-256 certificate was made for $NAME and kept in the store" \
	grep -q "tls: made a self-signed P-256 certificate for $NAME" "$log"
check "its expiry is on the console" grep -Eq "tls: certificate for $NAME \(ECDSA, self-signed\) valid until 20[0-9-]+ .*days left" "$log"

# ---- HTTPS and the redirect ----
h=$(c -k -D - -o "$WORK/index" "$URL/")
check "https://.../ serves the page" cmp -s "$WORK/index" "$site/site/index.html"
check "HSTS on HTTPS" grep -qi '^Strict-Transport-Security: max-age=31536000' <<<"$h"
check "nosniff on HTTPS" grep -qi '^X-Content-Type-Options: nosniff' <<<"$h"
h=$(c -D - -o /dev/null "http://$IP/docs/a.html?x=1")
check "plain HTTP: 301 to the same target over HTTPS" \
	bash -c "grep -q '^HTTP/1.1 301' <<<'$h' && grep -qi '^Location: https://$IP/docs/a.html?x=1' <<<'$h'"
check "plain HTTP carries no HSTS" bash -c "! grep -qi '^Strict-Transport-Security' <<<'$h'"
# A target whose Location would not fit the answer's head: 414, counted as
# that alone (it was a 301 and a 414 in /metrics).
code() { c "http://$IP/metrics" | awk -v k="appliance_http_requests_total{code=\"$1\"}" '$1 == k { print $2 }'; }
before301=$(code 301) before414=$(code 414)
h=$(c -D - -o /dev/null "http://$IP/$(head -c 1400 /dev/zero | tr '\0' a)")
check "plain HTTP, a target of 1,400 octets: 414, not a cut Location" grep -q '^HTTP/1.1 414' <<<"$h"
check "  ... counted once, as a 414: 301s ${before301:-?} -> $(code 301), 414s ${before414:-0} -> $(code 414)" \
	bash -c "[ '$(code 301)' = '$before301' ] && [ '$(code 414)' = '$((${before414:-0} + 1))' ]"
h=$(c -D - -o /dev/null -H "Host: $NAME:8080" "http://$IP/")
check "the redirect names the Host the client asked for, without its port" \
	grep -qi "^Location: https://$NAME/" <<<"$h"
h=$(c -0 -D - -o /dev/null -H 'Host:' "http://[fd00:db8::2]/p")
check "without a Host field, the redirect names the address asked, IPv6 in brackets" \
	grep -qi '^Location: https://\[fd00:db8::2\]/p' <<<"$h"
st=$(c "http://$IP/.well-known/appliance/status")
check "/.well-known/ is not redirected; status shows the certificate: $st" \
	"$PY" -c "import json,sys; t = json.loads(sys.argv[1])['tls']; assert t['certificate_origin'] == 'self-signed' and t['certificate_expiry'].startswith('20') and t['certificate_days_left'] > 800, t" "$st"
check "/metrics is not redirected" bash -c "$(declare -f c in_ns); NS=$NS; c http://$IP/metrics | grep -q '^appliance_tls_handshakes_total [1-9]'"

# ---- HTTP features over TLS ----
n=$(c -k -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}\n' "$URL/" "$URL/numbers.txt" "$URL/")
check "keep-alive: three requests, one TLS connection ($(echo $n | tr '\n' ' '))" \
	[ "$(echo $n | tr -d ' \n')" = 100 ]
check "pipelining over TLS: three requests sent at once, three answers in order" in_ns "$PY" -c "
import re, socket, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(('$IP', 443), timeout=10))
s.sendall(b''.join(b'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' % p for p in (b'/', b'/numbers.txt', b'/nope')))
d = b''
while d.count(b'HTTP/1.1 ') < 3 or not d.endswith(b'\n'):
    chunk = s.recv(65536)
    if not chunk: break
    d += chunk
codes = re.findall(rb'HTTP/1\.1 (\d{3}) ', d)
assert codes == [b'200', b'200', b'404'], codes
"
# Requests pipelined behind an answer the client does not read wait in
# the server, decrypted, up to TLS's window (TCP_WND, 64,240 bytes) and no
# further: past 65,535 the chain's 16-bit length would wrap and the
# connection stall. Where the last 4 KiB piece read ends depends on how
# much of the first record HTTP took, so four first requests of
# different lengths; each client's receive buffer is small, so the 1 MiB
# answer holds HTTP for as long as it does not read.
check "90 KB pipelined behind a 1 MiB answer not read, over TLS: once read, all 91 answers" in_ns "$PY" -c "
import socket, ssl, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def response(s, buf):
    while b'\r\n\r\n' not in buf:
        x = s.recv(65536)
        assert x, 'closed in a head'
        buf += x
    head, buf = buf.split(b'\r\n\r\n', 1)
    n = int([l.split(b':')[1] for l in head.split(b'\r\n') if l.lower().startswith(b'content-length:')][0])
    while len(buf) < n:
        x = s.recv(65536)
        assert x, 'closed in a body'
        buf += x
    return head.split(b' ')[1], n, buf[n:]
for pad in (0, 1024, 2048, 3072):
    raw = socket.socket(); raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); raw.settimeout(20)
    raw.connect(('$IP', 443))
    s = ctx.wrap_socket(raw)
    first = b'GET /mid.bin HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n\r\n' % (b'p' * pad)
    more = b'GET / HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n\r\n' % (b'q' * 950)
    s.sendall(first + more * 90)
    time.sleep(1)
    got, buf = [], b''
    for _ in range(91):
        code, n, buf = response(s, buf)
        got.append((code, n))
    assert got[0] == (b'200', 1048576) and all(g == (b'200', 14) for g in got[1:]), (pad, got[:3])
    s.close()
"
etag=$(c -k -D - -o /dev/null "$URL/" | awk -F': ' 'tolower($1) == "etag" { print $2 }' | tr -d '\r')
check "ETag over HTTPS, then If-None-Match: 304" \
	[ "$(c -k -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL/")" = 304 ]
check "Range over HTTPS: 206 with the bytes asked" \
	[ "$(c -k -r 100-199 "$URL/big.bin" | sha256sum)" = "$(tail -c +101 "$site/site/big.bin" | head -c 100 | sha256sum)" ]
check "gzip over HTTPS: the precompressed copy" \
	cmp -s <(c -k --compressed "$URL/numbers.txt") "$site/site/numbers.txt"
check "15 MiB over HTTPS intact" \
	[ "$(c -k "$URL/big.bin" | sha256sum)" = "$(sha256sum <"$site/site/big.bin")" ]
# As in http.sh: every connection HTTPS may hold (32) reads nothing for a
# second and fills its send queue; over TLS too nothing is lost, and
# lwIP's pool of segments, sized for that, never runs dry.
SEGS=$(pool_failures tcp_seg)
seg0=$(twin_sample "$IP" "$SEGS")
check "32 TLS downloads, every connection HTTPS takes, each with its send queue full: all arrive intact" in_ns "$PY" -c "
import hashlib, socket, ssl, threading, time
want = hashlib.sha256(open('$site/site/mid.bin', 'rb').read()).hexdigest()
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
socks = [ctx.wrap_socket(socket.create_connection(('$IP', 443), timeout=30)) for _ in range(32)]
for s in socks:
    s.sendall(b'GET /mid.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
time.sleep(1)
got = [None] * len(socks)
def read(i):
    d = b''
    while True:
        try: x = socks[i].recv(65536)
        except ssl.SSLError: break
        if not x: break
        d += x
    got[i] = hashlib.sha256(d.split(b'\r\n\r\n', 1)[1]).hexdigest()
ts = [threading.Thread(target=read, args=(i,)) for i in range(len(socks))]
for t in ts: t.start()
for t in ts: t.join()
bad = [i for i, h in enumerate(got) if h != want]
assert not bad, 'cut short: %s' % bad
"
seg=$(twin_sample "$IP" "$SEGS")
check "... and lwIP's segments never ran out: tcp_seg pool failures ${seg0:-?} -> ${seg:-?}" \
	[ -n "$seg0" -a "$seg" = "$seg0" ]
# The connection limit over TLS: 32 sessions held, one more refused, then all is well.
check "at the connection limit (32) over TLS, one more is refused; once they go, all is well" in_ns "$PY" -c "
import socket, ssl, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
held = [ctx.wrap_socket(socket.create_connection(('$IP', 443), timeout=10)) for _ in range(32)]
time.sleep(0.3)
try:
    extra = ctx.wrap_socket(socket.create_connection(('$IP', 443), timeout=5))
    extra.sendall(b'GET / HTTP/1.1\r\nHost: t\r\n\r\n')
    got = extra.recv(4096)
except (OSError, ssl.SSLError):
    got = b''
assert got == b'', got
for s in held: s.close()
time.sleep(0.5)
s = ctx.wrap_socket(socket.create_connection(('$IP', 443), timeout=10))
s.sendall(b'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
assert s.recv(4096).startswith(b'HTTP/1.1 200')
"

# ---- protocol versions, suites, groups, resumption ----
out=$(s_client -tls1_3)
# The server's order: ChaCha20-Poly1305 first (no AES instructions on a Cortex-A7).
check "TLS 1.3, the server's choice: $(grep -o 'TLSv1.3, Cipher is [A-Z0-9_-]*' <<<"$out" | head -1)" \
	grep -q 'TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256' <<<"$out"
out=$(s_client -tls1_2)
check "TLS 1.2, the server's choice: $(grep -o 'TLSv1.2, Cipher is [A-Z0-9_-]*' <<<"$out" | head -1)" \
	grep -q 'TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305' <<<"$out"
check "TLS 1.3 with AES-128-GCM when the client has only that" \
	grep -q 'Cipher is TLS_AES_128_GCM_SHA256' <<<"$(s_client -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256)"
check "TLS 1.2 with AES-256-GCM when the client has only that" \
	grep -q 'Cipher is ECDHE-ECDSA-AES256-GCM-SHA384' <<<"$(s_client -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384)"
check "group X25519" grep -q 'Server Temp Key: X25519' <<<"$(s_client -tls1_3 -groups X25519)"
check "group P-256" grep -q 'Server Temp Key: ECDH, prime256v1' <<<"$(s_client -tls1_3 -groups P-256)"
check "a client with only P-384 is refused" not grep -q 'Cipher is TLS' <<<"$(s_client -tls1_3 -groups P-384)"
check "TLS 1.1 refused" grep -q 'Cipher is (NONE)' <<<"$(s_client -tls1_1 -cipher 'ALL:@SECLEVEL=0')"
check "a CBC-only TLS 1.2 client refused" \
	not grep -q 'Cipher is ECDHE' <<<"$(s_client -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA)"
for v in 1_2 1_3; do
	rm -f "$WORK/sess"
	# TLS 1.3 sends its ticket after the handshake: the client stays a moment for it.
	sleep 1 | in_ns openssl s_client -connect $IP:443 -tls$v -sess_out "$WORK/sess" >/dev/null 2>&1
	check "TLS ${v/_/.} resumes from a ticket" grep -q '^Reused, TLSv1' <<<"$(s_client -tls$v -sess_in "$WORK/sess")"
done

# A client resuming with one suite must not narrow what the next client may use.
sleep 1 | in_ns openssl s_client -connect $IP:443 -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384 \
	-sess_out "$WORK/sess256" >/dev/null 2>&1
check "a client resumes with AES-256-GCM only" grep -q '^Reused, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384' \
	<<<"$(s_client -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384 -sess_in "$WORK/sess256")"
check "after it, a client with ChaCha20 and AES-128 still gets the server's first choice" \
	grep -q 'Cipher is TLS_CHACHA20_POLY1305_SHA256' <<<"$(s_client -tls1_3)"

# ---- the key is never served ----
for p in /tls/key.pem /tls/cert.pem /../tls/key.pem /refs/appliance/secrets; do
	code=$(c -k -o /dev/null -w '%{http_code}' --path-as-is "$URL$p")
	check "$p is not served ($code)" [ "$code" = 404 -o "$code" = 400 ]
done
m=$(c "http://$IP/metrics")
check "/metrics counts handshakes and resumptions" \
	bash -c 'grep -q "^appliance_tls_handshakes_total [1-9]" <<<"$1" && grep -q "^appliance_tls_resumed_total [1-9]" <<<"$1"' _ "$m"
fp1=$(fingerprint)
twin_stop
check "first run exits cleanly" [ $? = 0 ]
check "no sanitizer report" not grep -q 'ERROR: AddressSanitizer\|runtime error' "$log"
check "the certificate is in refs/appliance/secrets" grep -q ' refs/appliance/secrets$' <<<"$("$STORECTL" refs "$WORK/store.img")"

# ---- a restart keeps the certificate ----
log=$WORK/second.log
start_https "$log"
check "a restart loads it instead of making one" not grep -q 'tls: made a' "$log"
check "and serves the same certificate ($fp1)" [ -n "$fp1" -a "$(fingerprint)" = "$fp1" ]
twin_stop

# ---- the certificate cannot be kept: served all the same ----
"$STORECTL" init "$WORK/cut.img" 64M >/dev/null
"$STORECTL" import "$WORK/cut.img" "$site" -m site >/dev/null
log=$WORK/cut.log
# The device "loses power" after its first write: the commit of the
# certificate, its objects written, its ref record's one block not; that
# block is the one a reopen might find whole, had the write half gone.
DISK=$WORK/cut.img HOST_BLK_CUT_AFTER=1 start_https "$log"
check "a certificate the store cannot keep is said so: $(grep -o 'tls: could not.*' "$log")" \
	grep -q "tls: could not keep it in the store: the store's device failed while writing it: whether it was kept is known once the store is opened again (the appliance's restart); the next boot finds it, or makes a new one" "$log"
check "and HTTPS is served all the same" [ "$(c -k "$URL/")" = "<h1>home</h1>" ]
twin_stop
check "nothing of it reached the store" not grep -q 'refs/appliance' <<<"$("$STORECTL" refs "$WORK/cut.img")"

# ---- the owner's certificate, and testssl.sh ----
(
	cd "$WORK" || exit 1
	openssl ecparam -name prime256v1 -genkey -noout -out ca.key &&
		openssl req -x509 -new -key ca.key -subj /CN=test-ca -days 30 -out ca.pem &&
		openssl ecparam -name prime256v1 -genkey -noout -out leaf.key &&
		openssl req -new -key leaf.key -subj /CN=$NAME -out leaf.csr &&
		printf '%s\n' "subjectAltName=DNS:$NAME,IP:$IP" extendedKeyUsage=serverAuth \
			keyUsage=digitalSignature crlDistributionPoints=URI:http://ca.example.org/ca.crl >ext &&
		openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 90 \
			-extfile ext -out leaf.pem &&
		cat leaf.pem ca.pem >chain.pem
) >/dev/null 2>&1
check "storectl secret puts the owner's chain and key in the store" \
	bash -c "'$STORECTL' secret '$WORK/store.img' tls/cert.pem '$WORK/chain.pem' && '$STORECTL' secret '$WORK/store.img' tls/key.pem '$WORK/leaf.key'"
log=$WORK/owner.log
start_https "$log"
check "the owner's certificate is loaded: $(grep -o 'tls: certificate for.*' "$log")" \
	grep -Eq "tls: certificate for $NAME \(ECDSA, issued\) valid until .*: (89|90) days left" "$log"
check "it verifies against the owner's CA (no -k)" \
	[ "$(c --cacert "$WORK/ca.pem" --resolve $NAME:443:$IP "https://$NAME/")" = "<h1>home</h1>" ]
st=$(c "http://$IP/.well-known/appliance/status")
check "status shows its expiry" "$PY" -c "import json,sys; t = json.loads(sys.argv[1])['tls']; assert t['certificate_origin'] == 'issued' and t['certificate_days_left'] in (89, 90), t" "$st"
echo "https: testssl.sh against the twin (a minute or two)"
in_ns testssl --quiet --color 0 --warnings off --add-ca "$WORK/ca.pem" --ip $IP \
	--protocols --std --fs --server-defaults --headers --vulnerable \
	--jsonfile "$WORK/testssl.json" "https://$NAME/" >"$WORK/testssl.txt" 2>&1
check "testssl.sh: no finding of severity MEDIUM or above" "$PY" -c "
import json, sys
found = json.load(open('$WORK/testssl.json'))
assert len(found) > 50, 'testssl reported little: %d findings' % len(found)
bad = [f for f in found if f['severity'] in ('MEDIUM', 'HIGH', 'CRITICAL')]
for f in bad: print(f['severity'], f['id'], f['finding'], file=sys.stderr)
sev = {f['id']: f for f in found}
for want in ('SSLv2', 'SSLv3', 'TLS1', 'TLS1_1'):
    assert sev[want]['finding'].startswith('not offered'), (want, sev[want])
for want in ('TLS1_2', 'TLS1_3'):
    assert sev[want]['finding'].startswith('offered'), (want, sev[want])
for want in ('cipherlist_NULL', 'cipherlist_aNULL', 'cipherlist_EXPORT', 'cipherlist_LOW',
             'cipherlist_3DES_IDEA', 'cipherlist_AVERAGE', 'RC4'):
    assert sev[want]['finding'].startswith('not offered') or sev[want]['severity'] == 'OK', (want, sev[want])
assert sev['LOGJAM']['severity'] == 'OK', sev['LOGJAM']
assert sev['PFS']['severity'] == 'OK', sev['PFS']
assert sev['cert_chain_of_trust']['severity'] == 'OK', sev['cert_chain_of_trust']
sys.exit(1 if bad else 0)
"
twin_stop
check "owner-certificate run exits cleanly" [ $? = 0 ]

# ---- an owner's RSA certificate is accepted too ----
(
	cd "$WORK" || exit 1
	openssl genrsa -out rsa.key 2048 &&
		openssl req -new -key rsa.key -subj /CN=$NAME -out rsa.csr &&
		openssl x509 -req -in rsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 90 \
			-extfile ext -out rsa.pem &&
		cat rsa.pem ca.pem >rsa-chain.pem
) >/dev/null 2>&1
"$STORECTL" secret "$WORK/store.img" tls/cert.pem "$WORK/rsa-chain.pem" &&
	"$STORECTL" secret "$WORK/store.img" tls/key.pem "$WORK/rsa.key"
log=$WORK/rsa.log
start_https "$log"
check "an RSA certificate is loaded: $(grep -o 'tls: certificate for.*' "$log")" \
	grep -q "tls: certificate for $NAME (RSA, issued)" "$log"
check "it verifies against the owner's CA" \
	[ "$(c --cacert "$WORK/ca.pem" --resolve $NAME:443:$IP "https://$NAME/")" = "<h1>home</h1>" ]
out=$(s_client -tls1_3)
check "TLS 1.3 signs with RSA-PSS" grep -q 'Peer signature type: RSA-PSS' <<<"$out"
check "TLS 1.2 with ECDHE-RSA" grep -Eq 'Cipher is ECDHE-RSA-(CHACHA20-POLY1305|AES128-GCM-SHA256|AES256-GCM-SHA384)' <<<"$(s_client -tls1_2)"
twin_stop
check "RSA run exits cleanly" [ $? = 0 ]

# ---- half of the owner's identity: left as it is ----
# A certificate put in without its key (the owner's second storectl secret
# not yet run) is not replaced: HTTPS runs on a certificate for this boot,
# and the owner's stays in the store for the key to join.
"$STORECTL" init "$WORK/half.img" 64M >/dev/null
"$STORECTL" import "$WORK/half.img" "$site" -m site >/dev/null
"$STORECTL" secret "$WORK/half.img" tls/cert.pem "$WORK/chain.pem"
secrets() { "$STORECTL" refs "$WORK/half.img" | grep ' refs/appliance/secrets$'; }
before=$(secrets)
log=$WORK/half.log
DISK=$WORK/half.img start_https "$log"
check "a certificate without its key is said so: $(grep -o 'tls: the identity in.*' "$log")" \
	grep -q 'tls: the identity in refs/appliance/secrets cannot be used (-22): it is left as it is' "$log"
check "  ... HTTPS is served on one for this boot, not kept" \
	bash -c "grep -q 'tls: not kept: the certificate lasts until the next boot' '$log' && [ \"\$(ip netns exec $NS curl -sSk --max-time 30 '$URL/')\" = '<h1>home</h1>' ]"
twin_stop
check "  ... and the owner's certificate is still the store's (refs/appliance/secrets did not move)" \
	bash -c '[ -n "$1" ] && [ "$1" = "$2" ] && cmp -s <("$3" cat "$4" refs/appliance/secrets tls/cert.pem) "$5"' _ \
	"$before" "$(secrets)" "$STORECTL" "$WORK/half.img" "$WORK/chain.pem"

# ---- the appliance's own certificate made again ----
# One the appliance made before stop 50 (826 days, no serverAuth EKU:
# Apple's platforms refuse it, trusted or not) is made again at start,
# kept, and served; the next start keeps the new one. An owner's (above)
# is never replaced.
"$STORECTL" init "$WORK/old.img" 64M >/dev/null
"$STORECTL" import "$WORK/old.img" "$site" -m site >/dev/null
(cd "$WORK" && openssl ecparam -name prime256v1 -genkey -noout -out old.key 2>/dev/null &&
	openssl req -x509 -new -key old.key -subj "/CN=$NAME/O=self-signed by the appliance" -days 826 \
		-out old.pem 2>/dev/null)
"$STORECTL" secret "$WORK/old.img" tls/cert.pem "$WORK/old.pem" &&
	"$STORECTL" secret "$WORK/old.img" tls/key.pem "$WORK/old.key"
eku() { openssl x509 -noout -ext extendedKeyUsage 2>/dev/null | grep -q 'TLS Web Server Authentication'; }
served_eku() { s_client | eku; }
stored_eku() { "$STORECTL" cat "$WORK/old.img" refs/appliance/secrets tls/cert.pem | eku; }
check "the old certificate has no serverAuth EKU (the test's premise)" not eku <"$WORK/old.pem"
log=$WORK/old.log
DISK=$WORK/old.img start_https "$log"
check "an old certificate of the appliance's is made again: $(grep -o 'tls: the certificate the appliance made is to be made again: .*' "$log")" \
	grep -q 'tls: the certificate the appliance made is to be made again: it lacks the serverAuth extended key usage' "$log"
check "  ... the one served has the serverAuth EKU" served_eku
twin_stop
check "  ... and the store keeps it" stored_eku
log=$WORK/old2.log
DISK=$WORK/old.img start_https "$log"
check "  ... which the next start serves, not made again" not grep -q 'made again' "$log"
twin_stop

# ---- no seed, no TLS ----
log=$WORK/noseed.log
start "$log" --no-seed
check "without the seed TLS refuses to start and says why" \
	grep -q 'tls: not started: no entropy seed from dom0' "$log"
check "port 443 is closed" not in_ns curl -sk --max-time 5 -o /dev/null "$URL/"
check "plain HTTP serves the site without redirecting" [ "$(c "http://$IP/")" = "<h1>home</h1>" ]
twin_stop
check "no sanitizer report in any run" not grep -q 'ERROR: AddressSanitizer\|runtime error' "$WORK"/*.log
done_tests
