#!/bin/bash
# Usage: tests/host/http-abuse.sh APPLIANCE STORECTL
# Bad input against the twin's HTTP server (the optimised build: its heap
# figures are real, the sanitized one's are not), each kind followed by a
# normal request that must succeed: oversized heads, invalid request
# lines, slow clients, 2,000 connections reset mid-request; over TLS,
# garbage instead of a ClientHello and 2,000 handshakes reset midway.
# Afterwards the heap (read from /metrics) is back to its baseline and no
# connection is left open. Then Git fetches whose bodies trickle (408
# after 30 s with too little), 32 clients that stop reading their answers
# (reset after 30 s without progress), and the heap back to its baseline
# again.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance}")
STORECTL=$(realpath "${2:-build/host/storectl}")
# Plain HTTP redirects to HTTPS: the normal requests go over HTTPS.
URL=https://192.0.2.2

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
mkdir -p "$WORK/tree/site"
printf '<h1>home</h1>\n' >"$WORK/tree/site/index.html"
# Plain HTTP serves /.well-known/ (the rest redirects): the clients that stop reading.
mkdir -p "$WORK/tree/site/.well-known"
head -c 1048576 /dev/urandom >"$WORK/tree/site/.well-known/big.bin"
"$STORECTL" init "$WORK/store.img" 64M >/dev/null
"$STORECTL" import "$WORK/store.img" "$WORK/tree" -m site >/dev/null
PASSWORD=abuse-$$-$RANDOM
echo "$PASSWORD" >"$WORK/pass"
"$STORECTL" passwd "$WORK/store.img" "$WORK/pass" >/dev/null
printf 'hostname=twin\nip=192.0.2.2/24\n' >"$WORK/http.conf"
# glibc keeps freed small chunks in a per-thread cache (up to 7 of each
# size) that mallinfo2 counts as in use: /metrics's heap figure grew by
# 2-80 KB a round of the clients below with it, and not by a byte without.
# The guest's newlib has no such cache.
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 \
	twin_start "$WORK/http.log" "$WORK/http.conf" 02:00:00:00:00:07 --disk "$WORK/store.img"
check "twin up" wait_log "$WORK/http.log" "http: tcp port 80" 10 || { done_tests; exit 1; }
wait_log "$WORK/http.log" "net: ready" 10

c() { in_ns curl -sSk --max-time 20 "$@"; }
metric() { c "http://192.0.2.2/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
normal() { check "$1, then a normal request is answered" [ "$(c "$URL/")" = "<h1>home</h1>" ]; }


# Warm up (lwIP pools, the store's cache, TLS's ticket keys), then take the baseline.
check "HTTPS up" wait_log "$WORK/http.log" "https on tcp port 443" 30
for i in 1 2 3 4 5; do c "$URL/" >/dev/null; c "http://192.0.2.2/" >/dev/null; done
base=$(metric appliance_heap_bytes)
check "baseline heap from /metrics ($base bytes)" bash -c "[ -n '$base' ] && [ '$base' -gt 0 ]"

check "50 heads of 20 KiB: each 431" in_ns "$PY" -c "
import socket
for i in range(50):
    s = socket.create_connection(('192.0.2.2', 80), timeout=10)
    s.sendall(b'GET / HTTP/1.1\r\nHost: t\r\nX: ' + b'a' * 20000 + b'\r\n\r\n')
    assert s.recv(64).startswith(b'HTTP/1.1 431')
    s.close()
"
normal "oversized heads"
check "200 invalid request lines: each 400" in_ns "$PY" -c "
import socket, os
for i in range(200):
    s = socket.create_connection(('192.0.2.2', 80), timeout=10)
    s.sendall(os.urandom(40).replace(b'\n', b'x') + b'\r\n\r\n')
    d = s.recv(64)
    assert d.startswith(b'HTTP/1.1 4') or d.startswith(b'HTTP/1.1 505'), d
    s.close()
"
normal "invalid request lines"
check "20 slow clients, one byte a second: all answered 408 or closed by 12 s; others served meanwhile" \
	in_ns "$PY" -c "
import socket, ssl, time, urllib.request
socks = [socket.create_connection(('192.0.2.2', 80), timeout=20) for _ in range(20)]
t0 = time.monotonic()
for step in range(12):
    for s in socks:
        try: s.send(b'G' if step == 0 else b'E')
        except OSError: pass
    assert urllib.request.urlopen('$URL/', timeout=5, context=ssl._create_unverified_context()).read() == b'<h1>home</h1>\n'
    time.sleep(1)
for s in socks:
    s.settimeout(5)
    try: d = s.recv(64)
    except OSError: d = b''
    assert d == b'' or d.startswith(b'HTTP/1.1 4'), d
"
normal "slow clients"
# A connection the server refused (still at its limit while the resets
# came in) or whose SYN went unanswered for 3 s counts apart, not as a
# failure: what matters is that the server answers afterwards, with its
# heap where it was. (A lost SYN shows up now and then: see issue 9's note.)
out=$(in_ns "$PY" -c "
import socket, struct
refused = lost = 0
for i in range(2000):
    try:
        s = socket.create_connection(('192.0.2.2', 80), timeout=3)
        s.sendall(b'GET / HTTP/1.1\r\nHost: t\r\nX-Half: ')
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()
    except (ConnectionResetError, ConnectionRefusedError):
        refused += 1
    except TimeoutError:
        lost += 1
print(f'{2000 - refused - lost} reset by us, {refused} refused by the server, {lost} SYN unanswered')
")
check "2,000 connections reset mid-request: $out" bash -c "[[ '$out' == *' reset by us'* ]]"
normal "2,000 resets"

# ---- TLS ----
fails0=$(metric appliance_tls_handshake_failures_total)
check "200 connections with garbage instead of a ClientHello: each closed" in_ns "$PY" -c "
import os, socket
for i in range(200):
    s = socket.create_connection(('192.0.2.2', 443), timeout=10)
    # Half look like a handshake record, half are plain HTTP sent to the TLS port.
    s.sendall(b'\x16\x03\x01\x01\x00' + os.urandom(256) if i % 2 else b'GET / HTTP/1.1\r\nHost: t\r\n\r\n')
    d = b''
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        d += chunk
    # Nothing, or a TLS alert record: never an HTTP answer.
    assert d == b'' or d[0] == 0x15, d[:16]
    s.close()
"
normal "garbage ClientHellos"
# A real ClientHello (made by Python's ssl in memory); each connection is
# reset either halfway through sending it or after the server's first reply.
out=$(in_ns "$PY" -c "
import socket, ssl, struct
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def hello():
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    try: ctx.wrap_bio(i, o).do_handshake()
    except ssl.SSLWantReadError: pass
    return o.read()
refused = lost = 0
for n in range(2000):
    h = hello()
    try:
        s = socket.create_connection(('192.0.2.2', 443), timeout=3)
        if n % 2:
            s.sendall(h[:len(h) // 2])
        else:
            s.sendall(h)
            s.recv(1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()
    except (ConnectionResetError, ConnectionRefusedError):
        refused += 1
    except TimeoutError:
        lost += 1
print(f'{2000 - refused - lost} reset by us, {refused} refused by the server, {lost} SYN unanswered')
")
check "2,000 handshakes reset midway (half the ClientHello, or after the server's reply): $out" \
	bash -c "[[ '$out' == *' reset by us'* ]]"
normal "2,000 aborted handshakes"
fails1=$(metric appliance_tls_handshake_failures_total)
check "/metrics counts the failed handshakes ($fails0 -> $fails1)" \
	bash -c "[ -n '$fails1' ] && [ '$fails1' -ge $((fails0 + 2000)) ]"
sleep 1
after=$(metric appliance_heap_bytes)
conns=$(metric appliance_http_connections)
check "heap back to its baseline: $base -> $after bytes (within 16 KiB)" \
	bash -c "[ -n '$after' ] && [ '$after' -le $((base + 16384)) ]"
check "no connection left but the one asking ($conns)" [ "$conns" = 1 ]
sessions=$(metric appliance_tls_sessions)
check "no TLS session left ($sessions)" [ "$sessions" = 0 ]

# ---- request bodies that trickle ----
# Three Git fetches (GIT_MAX_UPLOADS) whose bodies (1 MB announced) come
# a byte every 5 s, less than HTTP_PROGRESS_MIN (1 KiB) in HTTP_IDLE_NS
# (30 s): each gets 408 between 30 and 40 s after its head, whatever it
# sends, and after them a fetch is answered. Each byte restarted the idle
# time before: they held the connections for as long as they trickled.
# Meanwhile a short fetch is answered: a fetch takes a place only once its
# body has ended (61ad680; before, the three held every place, and the
# fourth was told "busy", 503).
out=$(in_ns "$PY" - <<'EOF'
import socket, ssl, time
ctx = ssl._create_unverified_context()
def post(length, body):
    s = ctx.wrap_socket(socket.create_connection(('192.0.2.2', 443), timeout=10))
    s.sendall(b'POST /site.git/git-upload-pack HTTP/1.1\r\nHost: t\r\n'
              b'Content-Type: application/x-git-upload-pack-request\r\n'
              b'Content-Length: %d\r\n\r\n' % length + body)
    return s
socks = [post(1000000, b'0fff') for _ in range(3)]  # a pkt-line of 4,091 octets to come
start = time.monotonic()
time.sleep(1)
fourth = post(4, b'0000').recv(64).split(b'\r\n')[0].decode()
answers = {}
while len(answers) < 3 and time.monotonic() - start < 60:
    for i, s in enumerate(socks):
        if i in answers:
            continue
        try:
            s.sendall(b'a')
            s.settimeout(0.01)
            d = s.recv(64)
            answers[i] = (d.split(b'\r\n')[0].decode() or 'closed', time.monotonic() - start)
        except (socket.timeout, ssl.SSLWantReadError):
            pass
        except OSError:
            answers[i] = ('reset', time.monotonic() - start)
    time.sleep(5)
after = post(4, b'0000').recv(64).split(b'\r\n')[0].decode()
print(f"a fourth fetch: {fourth}; " +
      ", ".join(f"{a} after {t:.0f} s" for a, t in sorted(answers.values())) +
      f"; a fetch after them: {after}")
EOF
)
check "3 fetches whose bodies trickle a byte every 5 s: $out" \
	bash -c '[[ $1 =~ ^"a fourth fetch: HTTP/1.1 200 "[^\;]*"; "("HTTP/1.1 408 Request Timeout after "(3[0-9])" s"(, )?){3}"; a fetch after them: HTTP/1.1 200" ]]' _ "$out"
normal "bodies that trickle"

# ---- clients that stop reading ----
# As many clients as the server takes (HTTP_MAX_CONNS, 32) each ask for
# 1 MiB and read nothing, with small receive buffers: each answer stalls on
# a closed window that the client's kernel keeps answering probes for.
# While they hold every connection a 33rd is refused. After HTTP_IDLE_NS
# (30 s) with nothing taken each is reset, as /metrics counts (the client
# may never see that reset: its window is closed to the server's sequence
# number), all within 45 s of their requests: their send queues (44
# segments each) must not take the segments the others need. With lwIP's
# pool of 512, the 13th on waited for the first 12 to go, and the last was
# reset after 91 s. Then the server answers again, and the heap is back to
# its baseline.
out=$(in_ns "$PY" - <<'EOF'
import re, socket, sys, time
sys.path.insert(0, 'tests/host')
from twin_metrics import metrics as twin_metrics
metrics = lambda: twin_metrics('192.0.2.2')
socks = []
for i in range(32):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(('192.0.2.2', 80))
    s.sendall(b'GET /.well-known/big.bin HTTP/1.1\r\nHost: t\r\n\r\n')
    socks.append(s)
start = time.monotonic()
time.sleep(2)
extra = 'answered' if metrics() else 'refused'
stalled, first = 0, None
while stalled < 32 and time.monotonic() - start < 120:
    m = metrics()
    if m:
        stalled = int(re.search(r'^appliance_http_connections_stalled_total (\d+)', m, re.M).group(1))
        if stalled and first is None:
            first = time.monotonic() - start
    time.sleep(1)
print(f"a 33rd connection {extra}; {stalled} of 32 reset by the server" +
      (f", the first {first:.0f} s and the last {time.monotonic() - start:.0f} s after their requests" if first else ""))
for s in socks:
    s.close()
EOF
)
check "32 clients that stop reading 1 MiB answers: $out" \
	bash -c '[[ $1 =~ ^"a 33rd connection refused; 32 of 32 reset by the server, ".*" the last "([0-9]+)" s after" ]] &&
		[ "${BASH_REMATCH[1]}" -le 45 ]' _ "$out"
normal "32 clients that stopped reading"
stalled=$(metric appliance_http_connections_stalled_total)
check "/metrics counts them as stalled ($stalled)" [ "$stalled" = 32 ]
conns=$(metric appliance_http_connections)
check "... and no connection left but the one asking ($conns)" [ "$conns" = 1 ]
after=$(metric appliance_heap_bytes)
# 32 B a connection would show.
check "heap back to its baseline after them: $base -> $after bytes (within 1 KiB)" \
	bash -c "[ -n '$after' ] && [ '$after' -le $((base + 1024)) ]"
# Requests pipelined behind an answer a client does not read wait until it
# is out, in the head buffer (16 KiB), then as received. Sent a byte a
# segment past the buffer, each kept one of lwIP's 128 receive pbufs
# (1,536 bytes each): five such clients (about 35 each) stopped every
# frame, a new connection's SYN included, until they were reset as stalled.
out=$(in_ns "$PY" - <<'EOF'
import socket, time
socks = []
for i in range(5):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.connect(('192.0.2.2', 80))
    s.sendall(b'GET /.well-known/big.bin HTTP/1.1\r\nHost: t\r\n\r\n')
    s.sendall(b'GET / HTTP/1.1\r\nX-Pad: ' + b'a' * 17000)
    socks.append(s)
time.sleep(0.5)
for i in range(150):
    for s in socks:
        s.send(b'G')
    time.sleep(0.003)
time.sleep(0.3)
c = socket.create_connection(('192.0.2.2', 80), timeout=3)
c.sendall(b'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
print(c.recv(100).split(b'\r\n')[0].decode())
for s in socks:
    s.close()
EOF
)
check "5 clients pipelining a byte a segment behind answers they do not read: another is served meanwhile ($out)" \
	bash -c '[[ $1 =~ ^"HTTP/1.1 "[0-9]{3}" " ]]' _ "$out"
# A client that half-closes (shutdown of its side after the request, as
# nc -N does) still gets every answer it asked for, then the end: its FIN
# closed the connection, 63,951 bytes of the 1 MiB sent.
out=$(in_ns "$PY" - <<'EOF'
import socket
def ask(req):
    s = socket.create_connection(("192.0.2.2", 80), timeout=15)
    s.sendall(req)
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    return data
big = b"GET /.well-known/big.bin HTTP/1.%d\r\nHost: t\r\n\r\n"
sizes = [len(ask(big % 1)), len(ask(big % 0))]
two = ask(big % 1 + b"GET /.well-known/nothere HTTP/1.1\r\nHost: t\r\n\r\n")
print(sizes[0] > 1048576, sizes[1] > 1048576, len(two) > 1048576, two.count(b"HTTP/1.1 404"))
EOF
)
check "half-closed after the request: 1 MiB whole over HTTP/1.1 and 1.0, and two pipelined requests both answered ($out)" \
	[ "$out" = "True True True 1" ]
# ---- large files the store keeps as deltas ----
# git pushes a changed file as a delta on its last version, and the store
# keeps it so: such a file is rebuilt whole to be sent. Each answer held a
# copy of its own (8 clients not reading a 6 MiB one took 48 MB of the
# guest's 64 MiB); now one copy serves all its answers, and such copies
# take HTTP_REBUILT_BYTES (8 MiB) in all: a second large file waits (503,
# Retry-After) while the first is held, then is served whole; a client
# taking one slower than 256 KiB in 30 s is reset, its copy freed.
repo=$WORK/repo
g() { in_ns env GIT_SSL_NO_VERIFY=1 GIT_TERMINAL_PROMPT=0 git -c user.name=t -c user.email=t@example.org "$@"; }
push=https://owner:$PASSWORD@192.0.2.2/site.git
g clone -q "$URL/site.git" "$repo" 2>/dev/null
for f in a b; do head -c 6291456 /dev/urandom >"$repo/site/.well-known/$f.bin"; done
g -C "$repo" add -A && g -C "$repo" commit -qm "two large files" && g -C "$repo" push -q "$push" main 2>/dev/null
for f in a b; do printf 'sixteen new byte' | dd of="$repo/site/.well-known/$f.bin" bs=1 seek=3000000 conv=notrunc 2>/dev/null; done
g -C "$repo" commit -qam "both changed" && g -C "$repo" push -q "$push" main 2>/dev/null
check "two 6 MiB files pushed, then a change to each (git sends deltas)" \
	[ "$(c "$URL/.well-known/b.bin" | sha1sum)" = "$(sha1sum <"$repo/site/.well-known/b.bin")" ]
out=$(in_ns "$PY" - "$(sha1sum <"$repo/site/.well-known/b.bin" | cut -d' ' -f1)" <<'EOF'
import hashlib, re, socket, sys, time
sys.path.insert(0, 'tests/host')
from twin_metrics import metrics as twin_metrics
def metric(name):
    m = re.search(r'^%s (\d+)' % name, twin_metrics('192.0.2.2') or '', re.M)
    return int(m.group(1)) if m else -1
def get(path, read=True):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(20)
    s.connect(('192.0.2.2', 80))
    s.sendall(b'GET /.well-known/%s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' % path)
    if not read:
        return s
    d = b''
    while True:
        b = s.recv(65536)
        if not b: break
        d += b
    s.close()
    return d
heap0 = metric('appliance_heap_bytes')
held = [get(b'a.bin', read=False) for _ in range(8)]
time.sleep(1)
grown, rebuilt = metric('appliance_heap_bytes') - heap0, metric('appliance_http_rebuilt_bytes')
other = get(b'b.bin').split(b'\r\n\r\n', 1)[0]
for s in held:
    s.close()
deadline = time.monotonic() + 40
while metric('appliance_http_rebuilt_bytes') and time.monotonic() < deadline:
    time.sleep(0.5)
after = get(b'b.bin')
whole = hashlib.sha1(after.split(b'\r\n\r\n', 1)[1]).hexdigest() == sys.argv[1]
print(f"heap +{grown >> 20} MiB, {rebuilt} bytes rebuilt for 8 answers;",
      f"b.bin meanwhile {other.split(b' ')[1].decode()} ({b'Retry-After' in other}),",
      f"then {after.split(b' ')[1].decode()} whole {whole}; rebuilt then {metric('appliance_http_rebuilt_bytes')}",
      end='')
# One client taking such a copy at 1 KiB/s (less than the 256 KiB in 30 s
# its answer must be taken at, HTTP_REBUILT_PROGRESS_MIN) would keep the
# others waiting: it is reset, and the copy freed.
s = get(b'a.bin', read=False)
t0 = time.monotonic()
try:
    while time.monotonic() - t0 < 70 and s.recv(1024):
        time.sleep(1)
except OSError:
    pass
print(f"; a 1 KiB/s reader ended after {time.monotonic() - t0:.0f} s, rebuilt then {metric('appliance_http_rebuilt_bytes')}")
EOF
)
check "8 clients not reading a 6 MiB delta, then another large one, then a slow reader: $out" \
	bash -c '[[ $1 =~ ^"heap +"([0-9]+)" MiB, 6291456 bytes rebuilt for 8 answers; b.bin meanwhile 503 (True), then 200 whole True; rebuilt then 0; a 1 KiB/s reader ended after "([0-9]+)" s, rebuilt then 0"$ ]] &&
		[ "${BASH_REMATCH[1]}" -le 9 ] && [ "${BASH_REMATCH[2]}" -le 45 ]' _ "$out"
twin_stop
check "exit status 0" [ $? = 0 ]
done_tests
