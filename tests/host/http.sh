#!/bin/bash
# Usage: tests/host/http.sh APPLIANCE STORECTL
# The HTTP server of the host twin, end to end with curl in a network
# namespace of its own, serving a site committed to a store image: status
# codes and headers, ETag and 304, Range (206, 416), the directory
# redirect, the site's own 404 page, a precompressed copy for gzip
# clients, keep-alive (one connection, several requests), pipelining, a
# 15 MiB file intact, main moving under a running download (it finishes
# from its version; the next request gets the new one); bad requests get
# their 4xx and close only their own connection, a slow client gets 408,
# one connection past the limit is refused, and the server answers after.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
STORECTL=$(realpath "${2:-build/host/storectl}")
URL=http://192.0.2.2

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }

# The site: pages, a directory with its index, a 404 page, a gzip copy, 15 MiB.
site=$WORK/tree
mkdir -p "$site/site/docs" "$site/zones"
printf '<h1>home</h1>\n' >"$site/site/index.html"
printf '<h1>docs</h1>\n' >"$site/site/docs/index.html"
printf 'body { color: red }\n' >"$site/site/style.css"
printf '<h1>no such page</h1>\n' >"$site/site/404.html"
seq 1 2000 >"$site/site/numbers.txt"
gzip -c -n "$site/site/numbers.txt" >"$site/site/numbers.txt.gz"
head -c $((15 * 1048576)) /dev/urandom >"$site/site/big.bin"
head -c 1048576 /dev/urandom >"$site/site/mid.bin"
# Forty files of 60 KiB: 2.4 MiB, more than the 1 MiB cache holds.
mkdir -p "$site/site/many"
for i in $(seq 1 40); do head -c 61440 /dev/urandom >"$site/site/many/$i.bin"; done
# Room for two versions of the 15 MiB file in one log region (half the image).
"$STORECTL" init "$WORK/store.img" 128M >/dev/null
"$STORECTL" import "$WORK/store.img" "$site" -m site >/dev/null
printf 'hostname=twin\nip=192.0.2.2/24\ngateway=192.0.2.1\n' >"$WORK/http.conf"
head -c $((15 * 1048576)) /dev/urandom >"$WORK/new-big.bin"
# Plain HTTP on its own: without the seed the twin has no TLS, so plain
# HTTP serves the site instead of redirecting (tests/host/https.sh runs
# the same server over TLS).
twin_start "$WORK/http.log" "$WORK/http.conf" 02:00:00:00:00:06 --disk "$WORK/store.img" --no-seed \
	--test-commit "$WORK/new-big.bin:site/big.bin"
if ! check "twin up with the store and HTTP" wait_log "$WORK/http.log" "http: tcp port 80" 10; then
	cat "$WORK/http.log"
	done_tests
	exit 1
fi
wait_log "$WORK/http.log" "net: ready" 10

c() { in_ns curl -sS --max-time 20 "$@"; }
# head_of PATH [CURL ARGS]: the status line and fields of a GET.
head_of() { local p=$1; shift; c -o /dev/null -D - "$@" "$URL$p" | tr -d '\r'; }

check "GET / is the home page" [ "$(c "$URL/")" = "<h1>home</h1>" ]
h=$(head_of /)
check "200 with text/html, nosniff and a Date" \
	bash -c "grep -q '^HTTP/1.1 200' <<<'$h' && grep -qi '^content-type: text/html' <<<'$h' && grep -qi '^x-content-type-options: nosniff' <<<'$h' && grep -qi '^date: ' <<<'$h'"
etag=$(grep -i '^etag:' <<<"$h" | cut -d' ' -f2)
blob=$(git hash-object "$site/site/index.html")
check "ETag is the Git blob id ($etag)" [ "$etag" = "\"$blob\"" ]
check "If-None-Match with it: 304" \
	[ "$(c -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL/")" = 304 ]
check "HEAD: the fields, with the file's length" \
	bash -c "[ \"\$(ip netns exec $NS curl -sS -I $URL/style.css | tr -d '\r' | grep -i '^content-length:')\" = 'Content-Length: 20' ]"
check "text/css by extension" bash -c "ip netns exec $NS curl -sS -I $URL/style.css | grep -qi '^content-type: text/css'"
check "Range bytes=0-9: 206 and ten bytes" \
	bash -c "[ \"\$(ip netns exec $NS curl -sS -r 0-9 $URL/numbers.txt | od -An -c | tr -d ' \n')\" = '1\n2\n3\n4\n5\n' ] && ip netns exec $NS curl -sS -r 0-9 -D - -o /dev/null $URL/numbers.txt | grep -q '^HTTP/1.1 206'"
check "Range deep in the 15 MiB file: the right bytes" \
	[ "$(c -r 15000000-15000099 "$URL/big.bin" | sha256sum)" = "$(tail -c +15000001 "$site/site/big.bin" | head -c 100 | sha256sum)" ]
check "a request's body is never read as the next request: one answer, then the close" in_ns "$PY" -c "
import socket
for method, body in ((b'GET', b'GET /style.css HTTP/1.1\r\nHost: t\r\n\r\n'), (b'POST', b'x' * 10)):
    s = socket.create_connection(('192.0.2.2', 80), timeout=10)
    s.sendall(method + b' / HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n' % len(body) + body)
    d = b''
    while True:
        x = s.recv(65536)
        if not x: break
        d += x
    assert d.count(b'HTTP/1.1 ') == 1 and b'Connection: close' in d, d
"
# Small files come from the cache after their first request (by blob id).
metric() { c "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
hits=$(metric appliance_http_cache_hits_total)
c "$URL/style.css" >/dev/null
check "a small file asked again comes from the cache ($hits -> $(metric appliance_http_cache_hits_total) hits)" \
	[ "$(metric appliance_http_cache_hits_total)" -gt "$hits" ]
check "a Range inside a cached file: the right bytes" \
	[ "$(c -r 100-199 "$URL/numbers.txt")" = "$(tail -c +101 "$site/site/numbers.txt" | head -c 100)" ]
bytes=$(metric appliance_http_cache_bytes)
c "$URL/mid.bin" >/dev/null
check "a file over 64 KiB is not cached ($bytes bytes cached, still)" \
	[ "$(metric appliance_http_cache_bytes)" = "$bytes" ]
# Past the cache's budget the oldest entries go; every file stays right.
check "40 files of 60 KiB through the 1 MiB cache, twice: all intact" in_ns "$PY" -c "
import urllib.request
want = {i: open('$site/site/many/%d.bin' % i, 'rb').read() for i in range(1, 41)}
for rnd in range(2):
    for i in range(1, 41):
        assert urllib.request.urlopen('$URL/many/%d.bin' % i).read() == want[i], i
"
cached=$(metric appliance_http_cache_bytes)
check "the cache stays within its budget ($cached of 1048576 bytes)" [ "$cached" -le 1048576 ]
check "Range past the end: 416" \
	[ "$(c -o /dev/null -w '%{http_code}' -r 999999999- "$URL/numbers.txt")" = 416 ]
check "a directory without its slash: 301 to it" \
	bash -c "ip netns exec $NS curl -sS -D - -o /dev/null $URL/docs | tr -d '\r' | grep -q '^Location: /docs/'"
check "the directory's index.html" [ "$(c "$URL/docs/")" = "<h1>docs</h1>" ]
check "a missing page: 404 with the site's own 404.html" \
	bash -c "[ \"\$(ip netns exec $NS curl -s -w ' %{http_code}' $URL/nope)\" = '<h1>no such page</h1>
 404' ]"
check "gzip clients get the precompressed copy" \
	bash -c "ip netns exec $NS curl -sS -H 'Accept-Encoding: gzip' -D - -o $WORK/n.gz $URL/numbers.txt | grep -qi '^content-encoding: gzip' && cmp -s $WORK/n.gz $site/site/numbers.txt.gz"
check "others get it plain" [ "$(c "$URL/numbers.txt" | sha256sum)" = "$(sha256sum <"$site/site/numbers.txt")" ]
# A 304 says what its 200 would of which version it is: Vary with the gzip copy's ETag.
gz_etag=$(head_of /numbers.txt -H 'Accept-Encoding: gzip' | sed -n 's/^ETag: //Ip')
check "a 304 of the gzip copy has the Vary its 200 has" \
	bash -c "head_of() { ip netns exec $NS curl -sS -o /dev/null -D - \"\$@\" | tr -d '\r'; }
		out=\$(head_of -H 'Accept-Encoding: gzip' -H 'If-None-Match: $gz_etag' $URL/numbers.txt)
		grep -q '^HTTP/1.1 304' <<<\"\$out\" && grep -qi '^vary: accept-encoding' <<<\"\$out\""
# exchange BYTES: what the twin sends back on one connection to BYTES (with
# \r and \n escapes), until it closes, its CRs shown as the two characters \r.
exchange() {
	in_ns "$PY" - "$1" <<'EOF' | sed 's/\r/\\r/g'
import socket, sys
s = socket.create_connection(('192.0.2.2', 80), timeout=10)
s.sendall(sys.argv[1].encode().decode('unicode_escape').encode('latin-1'))
while True:
    b = s.recv(4096)
    if not b: break
    sys.stdout.buffer.write(b)
EOF
}
out=$(exchange 'GET HTTP://192.0.2.2/style.css HTTP/1.1\r\nHost: 192.0.2.2\r\nConnection: close\r\n\r\n')
check "absolute-form with the scheme in capitals (RFC 9110 4.2.3): the page" \
	grep -q '^HTTP/1.1 200' <<<"$out"
# A HEAD answered with an error of our own text: the head alone, so the
# next answer on the connection starts right after it (the old code sent
# the text, which the client took for the start of the next answer).
out=$(exchange 'HEAD /a%00b HTTP/1.1\r\nHost: 192.0.2.2\r\n\r\nGET /style.css HTTP/1.1\r\nHost: 192.0.2.2\r\nConnection: close\r\n\r\n')
check "HEAD of an error answer (400 bad path): its head alone, with its GET's length, the next answer right after" \
	bash -c 'grep -q "^HTTP/1.1 400" <<<"$1" && grep -q "^Content-Length: 9\\\\r$" <<<"$1" &&
		[ "$(grep -A1 -m1 "^\\\\r$" <<<"$1" | tail -1 | cut -c1-12)" = "HTTP/1.1 200" ]' _ "$out"
ka=$(c -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}' "$URL/" "$URL/style.css" "$URL/docs/" | tr -d '\n')
check "keep-alive: three requests on one connection (connects per request: $ka)" [ "$ka" = 100 ]
check "pipelining: two requests in one write, two answers in order" \
	in_ns "$PY" -c "
import socket
s = socket.create_connection(('192.0.2.2', 80), timeout=10)
s.sendall(b'GET /style.css HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
d = b''
while True:
    x = s.recv(65536)
    if not x: break
    d += x
assert d.count(b'HTTP/1.1 200') == 2, d
assert d.index(b'color: red') < d.index(b'<h1>home</h1>'), d
"
check "pipelining past the head buffer: a download and 600 requests behind it, all answered in order" \
	in_ns "$PY" -c "
import socket
s = socket.create_connection(('192.0.2.2', 80), timeout=30)
reqs = [b'GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n'] + [b'GET /style.css?%d HTTP/1.1\r\nHost: t\r\n\r\n' % i for i in range(600)]
s.sendall(b''.join(reqs))
d = bytearray()
while d.count(b'color: red') < 600:
    x = s.recv(1 << 20)
    assert x, 'closed after %d of 600' % d.count(b'color: red')
    d += x
assert d.count(b'HTTP/1.1 200') == 601
"
check "a 15 MiB file arrives intact" \
	[ "$(c "$URL/big.bin" | sha256sum)" = "$(sha256sum <"$site/site/big.bin")" ]
# Every connection HTTP may hold (HTTP_MAX_CONNS, 32) asks for 1 MiB and
# reads nothing for a second: every send queue fills, and a write TCP
# refuses waits its turn. lwIP's pool of segments is sized for a full
# queue on each connection the services may hold (net/lwipopts.h), so it
# never runs dry: the pool's failure count stays where it was.
SEGS=$(pool_failures tcp_seg)
seg0=$(twin_sample 192.0.2.2 "$SEGS")
check "32 downloads, every connection HTTP takes, each with its send queue full: all arrive intact" in_ns "$PY" -c "
import hashlib, socket, threading, time
want = hashlib.sha256(open('$site/site/mid.bin', 'rb').read()).hexdigest()
socks = [socket.create_connection(('192.0.2.2', 80), timeout=30) for _ in range(32)]
for s in socks:
    s.sendall(b'GET /mid.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
time.sleep(1)
got = [None] * len(socks)
def read(i):
    d = b''
    while True:
        x = socks[i].recv(65536)
        if not x: break
        d += x
    got[i] = hashlib.sha256(d.split(b'\r\n\r\n', 1)[1]).hexdigest()
ts = [threading.Thread(target=read, args=(i,)) for i in range(len(socks))]
for t in ts: t.start()
for t in ts: t.join()
bad = [i for i, h in enumerate(got) if h != want]
assert not bad, 'cut short: %s' % bad
"
seg=$(twin_sample 192.0.2.2 "$SEGS")
check "... and lwIP's segments never ran out: tcp_seg pool failures ${seg0:-?} -> ${seg:-?}" \
	[ -n "$seg0" -a "$seg" = "$seg0" ]
# main moves while a download runs: the download finishes from the version
# it started with, whole; the next request gets the new one; no mix.
in_ns curl -sS --max-time 60 --limit-rate 3M -o "$WORK/during.bin" "$URL/big.bin" &
slow=$!
sleep 1
kill -USR1 "$TWIN_PID"
check "a commit lands while the download runs" wait_log "$WORK/http.log" "test commit [0-9a-f]+: site/big.bin" 10
check "a request after it gets the new version" \
	[ "$(c "$URL/big.bin" | sha256sum)" = "$(sha256sum <"$WORK/new-big.bin")" ]
wait "$slow"
check "the download that was running finished with the old version, whole" \
	[ "$(sha256sum <"$WORK/during.bin")" = "$(sha256sum <"$site/site/big.bin")" ]
check "POST: 405 with Allow" \
	bash -c "ip netns exec $NS curl -sS -X POST -D - -o /dev/null $URL/ | tr -d '\r' | grep -q '^Allow: GET, HEAD'"
check "an invalid request line: 400, that connection closed" \
	in_ns "$PY" -c "
import socket
s = socket.create_connection(('192.0.2.2', 80), timeout=10)
s.sendall(b'GET  / HTTP/1.1\r\nHost: t\r\n\r\n')
d = s.recv(4096)
assert d.startswith(b'HTTP/1.1 400'), d
while s.recv(4096): pass
"
check "Connection: keep-alive over HTTP/1.0: said in the answer, and a second request answered on it; 'TE, close' closes" \
	in_ns "$PY" - <<'EOF'
# An HTTP/1.0 client asking for keep-alive waits for the close unless the
# answer says keep-alive (ab -k waited 30 s); a close in a list of options
# was not seen.
import socket
def answer(s):
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(1)
        assert d, head
        head += d
    length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
    body = b""
    while len(body) < length:
        body += s.recv(length - len(body))
    return head.lower()
s = socket.create_connection(("192.0.2.2", 80), timeout=5)
for i in range(2):
    s.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    h = answer(s)
    assert b"connection: keep-alive" in h, h
s = socket.create_connection(("192.0.2.2", 80), timeout=5)
s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: TE, close\r\nTE: trailers\r\n\r\n")
h = answer(s)
assert b"connection: close" in h, h
assert s.recv(10) == b""
EOF
check "an answer that ends the connection says so: 400 and 431 with Connection: close" in_ns "$PY" - <<'EOF'
import socket
for req in (b"GET  / HTTP/1.1\r\nHost: t\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 17000 + b"\r\n\r\n"):
    s = socket.create_connection(("192.0.2.2", 80), timeout=10)
    s.sendall(req)
    d = b""
    while b"\r\n\r\n" not in d:
        d += s.recv(4096)
    assert b"\r\nConnection: close\r\n" in d.split(b"\r\n\r\n")[0] + b"\r\n", d[:300]
EOF
check "header fields over 16 KiB: 431" \
	[ "$(c -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 17000 /dev/zero | tr '\0' a)" "$URL/")" = 431 ]
check "a path with ..: 400" [ "$(c --path-as-is -o /dev/null -w '%{http_code}' "$URL/docs/../index.html")" = 400 ]
check "a slow client gets 408 after 10 s, and the others are served meanwhile" \
	in_ns "$PY" -c "
import socket, time, urllib.request
s = socket.create_connection(('192.0.2.2', 80), timeout=20)
s.sendall(b'GET / HTTP/1.1\r\nHost: t\r\n')
t0 = time.monotonic()
assert urllib.request.urlopen('$URL/', timeout=5).read() == b'<h1>home</h1>\n'
d = s.recv(4096)
assert d.startswith(b'HTTP/1.1 408'), d
assert 9 < time.monotonic() - t0 < 15
"
check "at the connection limit (32), one more is refused; once they go, all is well" \
	in_ns "$PY" -c "
import socket, time
# The earlier checks' connections must be gone first: the gauge counts this
# request alone. Each is read to the server's end of the connection, its
# FIN: the twin counts a connection until it closes it, after the last of
# the answer is queued, and an answer longer than the send buffer waits on
# the client's ACKs, which the client may delay (40 ms) past the SYNs
# below; the 32nd then found its place taken (once in a clean-clone run).
def metrics():
    s = socket.create_connection(('192.0.2.2', 80), timeout=5)
    s.sendall(b'GET /metrics HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n')
    d = b''
    while True:
        b = s.recv(65536)
        if not b:
            break
        d += b
    s.close()
    return d.decode()
for _ in range(150):
    gauge = [l for l in metrics().split('\n') if l.startswith('appliance_http_connections ')]
    if gauge == ['appliance_http_connections 1']:
        break
    time.sleep(0.1)
held = []
for i in range(32):
    try:
        held.append(socket.create_connection(('192.0.2.2', 80), timeout=5))
    except OSError as e:
        raise SystemExit('connection %d of 32 refused (%s); the gauge was %s before' % (i + 1, e, gauge))
# One answer on each, kept alive: the twin has accepted all 32 (no sleep
# that a busy host could outrun).
for s in held:
    s.sendall(b'GET / HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n')
    d = b''
    while not d.endswith(b'<h1>home</h1>\\n'):
        b = s.recv(4096)
        assert b, 'a held connection was closed: %r' % d
        d += b
# Refused: the twin resets the 33rd once its handshake is done, which
# connect() itself may report when the reset comes before it returns.
try:
    extra = socket.create_connection(('192.0.2.2', 80), timeout=5)
    extra.sendall(b'GET / HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n')
    got = extra.recv(4096)
except TimeoutError:
    got = b'(held open, no answer in 5 s)'
except OSError:
    got = b''
assert got == b'', got
for s in held: s.close()
time.sleep(0.5)
s = socket.create_connection(('192.0.2.2', 80), timeout=5)
s.sendall(b'GET / HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n')
assert s.recv(4096).startswith(b'HTTP/1.1 200')
"
check "after all that, a normal request is answered" [ "$(c "$URL/")" = "<h1>home</h1>" ]

# Status and metrics: for the LAN (the twin's own subnet) only. (The sanitized
# twin's heap figures are 0: mallinfo2 does not see the sanitizer's allocator.)
st=$(c "$URL/.well-known/appliance/status")
check "status: JSON with the version, uptime, site commit and heap ($st)" \
	"$PY" -c "import json,sys; d = json.loads(sys.argv[1]); assert d['version'] and d['uptime_s'] >= 0 and len(d['site_commit']) == 40 and isinstance(d['heap_used'], int)" "$st"
check "metrics: Prometheus text with the responses by code" \
	bash -c "ip netns exec $NS curl -sS $URL/metrics | grep -Eq '^appliance_http_requests_total\{code=\"200\"\} [1-9]'"
check "metrics: the 400, 408 and 431 above were counted" \
	bash -c "m=\$(ip netns exec $NS curl -sS $URL/metrics); for code in 400 408 431; do grep -Eq \"^appliance_http_requests_total\\{code=\\\"\$code\\\"\\} [1-9]\" <<<\"\$m\" || exit 1; done"
# A client outside the LAN prefixes (routed in through the twin's gateway).
in_ns ip addr add 198.51.100.7/32 dev tap0
check "from outside the LAN: status and metrics are 403" \
	[ "$(c --interface 198.51.100.7 -o /dev/null -w '%{http_code}' "$URL/metrics")$(c --interface 198.51.100.7 -o /dev/null -w '%{http_code}' "$URL/.well-known/appliance/status")" = 403403 ]
check "from outside the LAN: the site itself is served" \
	[ "$(c --interface 198.51.100.7 "$URL/")" = "<h1>home</h1>" ]
# SIGTERM while a 15 MiB download runs: no new connection is taken, the
# download finishes whole, then the store closes and the twin exits.
in_ns curl -sS --max-time 60 --limit-rate 4M -o "$WORK/last.bin" "$URL/big.bin" &
slow=$!
sleep 1
twin_stop
check "SIGTERM during a download: exit status 0" [ $? = 0 ]
wait "$slow"
check "the download in flight finished whole" \
	[ "$(sha256sum <"$WORK/last.bin")" = "$(sha256sum <"$WORK/new-big.bin")" ]
check "the server stopped accepting, let it finish, then the store closed" \
	bash -c "grep -q 'http: stopped accepting; 1 connection(s) finishing' '$WORK/http.log' && [ \$(grep -n 'store: closed cleanly' '$WORK/http.log' | cut -d: -f1) -gt \$(grep -n 'http: stopped accepting' '$WORK/http.log' | cut -d: -f1) ]"
check "no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error|LeakSanitizer' '$WORK/http.log'"
done_tests
