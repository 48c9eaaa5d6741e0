#!/bin/bash
# Usage: tests/bench/guest-https.sh BOARD
# Benchmark (numbers, no pass/fail) of the guest's HTTP and HTTPS server in
# QEMU, through the forwards on 127.0.0.1, in one boot of BOARD's image
# (a copy whose store has two more files in the site, under /.well-known/
# so that plain HTTP serves them rather than redirecting: 1 KiB and 8 MiB):
#   - requests/s for the 1 KiB file on 8 keep-alive connections (wrk),
#     over HTTP and over HTTPS;
#   - new TLS handshakes/s, 16 at once, one request each (h2load), and one
#     at a time, full and resumed (a Python client: openssl s_time's -time
#     bounds CPU time, not the wall clock); the guest's own counters say
#     how many were resumed;
#   - the guest heap a connection holds: N keep-alive connections idle
#     after one request each (so TLS ones finished their handshake), then
#     NS of them each stalled in the middle of the 8 MiB body, plain and
#     TLS, from appliance_heap_bytes in /metrics before and after.
# Markdown on stdout, progress on stderr; about two minutes.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/qemu/run-lib.sh
board=${1:-qemu-virt}
img=${OUT:-out}/$board.img
work=${B:-build}/bench/https-$board
STORECTL=${STORECTL:-${B:-build}/host/storectl}
N=${BENCH_HTTPS_CONNS:-16}
NS=${BENCH_HTTPS_STREAMS:-8}
SECS=${BENCH_HTTPS_SECS:-10}
mkdir -p "$work"
say() { echo "bench-https: $*" >&2; }

# The copy of the image, with the two files committed as main's tree (the
# seed and them) into its store.
say "adding the benchmark's files to the store of a copy of $img"
rm -rf "$work/seed"
cp -r store/seed "$work/seed"
mkdir -p "$work/seed/site/.well-known"
head -c 1024 /dev/urandom >"$work/seed/site/.well-known/bench-1k"
head -c $((8 << 20)) /dev/urandom >"$work/seed/site/.well-known/bench-8m"
cp --sparse=always "$img" "$work/bench.img"
read -r p2_start p2_size < <(sfdisk -d "$work/bench.img" | awk -F'[=,]' '/^[^ ]*2 :/ { print $2 + 0, $4 + 0 }')
dd if="$work/bench.img" of="$work/p2" bs=512 skip="$p2_start" count="$p2_size" conv=sparse status=none
"$STORECTL" import "$work/p2" "$work/seed" -m "bench: site files" >/dev/null || exit 1
dd if="$work/p2" of="$work/bench.img" bs=512 seek="$p2_start" conv=sparse,notrunc status=none
rm -f "$work/p2"

HTTP_PORT=$(free_port) HTTPS_PORT=$(free_port)
export HTTP_PORT HTTPS_PORT
export QEMU_CONF=
say "booting $board; serial log in $work/serial.log"
start=$(date +%s)
QEMU_TIMEOUT=400 qemu_run "$board" "$work/bench.img" "$work" >&2
if ! wait_for 'http: https on tcp port 443' 240; then
	say "the guest did not start HTTPS; last lines of $log:"
	tail -n 20 "$log" >&2
	exit 1
fi
http=http://127.0.0.1:$HTTP_PORT
https=https://127.0.0.1:$HTTPS_PORT
small=/.well-known/bench-1k
# The forward is up once QEMU runs; the first answer says the guest is.
for i in $(seq 60); do
	curl -sf --max-time 5 -o /dev/null "$http$small" && break
	sleep 1
done
say "guest serving after $(($(date +%s) - start)) s"

metric() { curl -sS --max-time 30 "$http/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

# wrk URL: requests/s, and how many answers were not 2xx.
wrk_run() {
	local out
	out=$(wrk -t1 -c8 -d"${SECS}s" "$1" 2>&1)
	echo "$out" | sed 's/^/  wrk: /' >&2
	printf '%s %s\n' "$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')" \
		"$(echo "$out" | awk '/Non-2xx/ { print $NF }')"
}
say "wrk, 1 KiB over HTTP, 8 keep-alive connections, ${SECS} s"
read -r http_rps http_bad < <(wrk_run "$http$small")
say "wrk, 1 KiB over HTTPS, 8 keep-alive connections, ${SECS} s"
read -r https_rps https_bad < <(wrk_run "$https$small")

# h2load: 16 clients with one request each are 16 connections, each with a
# full handshake (h2load keeps no session).
say "h2load: 16 new TLS connections at once, one request each"
h2=$(h2load --h1 -n 16 -c 16 "$https$small" 2>&1)
h2_rate=$(echo "$h2" | sed -n 's/^finished in .*s, \([0-9.]*\) req\/s.*/\1/p')
h2_ok=$(echo "$h2" | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p')
h2_tls="$(echo "$h2" | sed -n 's/^Cipher: //p'), $(echo "$h2" | sed -n 's/^Server Temp Key: //p')"
say "  $h2_rate connections/s, $h2_ok of 16 succeeded ($h2_tls)"
say "h2load: the same over plain HTTP"
h2=$(h2load --h1 -n 16 -c 16 "$http$small" 2>&1)
h2p_rate=$(echo "$h2" | sed -n 's/^finished in .*s, \([0-9.]*\) req\/s.*/\1/p')
say "  $h2p_rate connections/s"

# One client, one connection at a time (full handshakes, then resumed
# ones with the session ticket of the connection before), then the memory
# N connections hold: idle after one request each (a TLS one has finished
# its handshake), then each stalled in the middle of the 8 MiB body. The
# heap is read through /metrics, a connection of its own in every reading.
h0=$(metric appliance_tls_handshakes_total) r0=$(metric appliance_tls_resumed_total)
say "one connection at a time: full handshakes ${SECS} s, resumed ${SECS} s; then $N connections held, plain and TLS"
client=$("$PY" - "$HTTP_PORT" "$HTTPS_PORT" "$N" "$small" /.well-known/bench-8m "$SECS" "$NS" <<'EOF'
import socket, ssl, statistics, sys, time, urllib.request
http_port, https_port, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
small, big, secs = sys.argv[4], sys.argv[5], float(sys.argv[6])
stream_n = int(sys.argv[7])

def context(curve=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if curve:
        ctx.set_ecdh_curve(curve)
    return ctx
ctx = context()

def say(*a):
    print("bench-https:  ", *a, file=sys.stderr, flush=True)

def heap():
    # The guest may take a while to answer after stalled connections close.
    for _ in range(12):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % http_port, timeout=10) as r:
                for line in r.read().decode().splitlines():
                    if line.startswith("appliance_heap_bytes "):
                        return int(line.split()[1])
        except OSError:
            pass
    raise TimeoutError("no /metrics in 2 minutes")

def recv(s):
    b = s.recv(16384)
    if not b:
        raise EOFError("the guest closed the connection")
    return b

def request(s, path):
    s.sendall(("GET %s HTTP/1.1\r\nHost: appliance\r\n\r\n" % path).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += recv(s)
    head, body = buf.split(b"\r\n\r\n", 1)
    return head, body

def one_request(s):
    head, body = request(s, small)
    length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0]
    while len(body) < length:
        body += recv(s)

def stall(s):
    # The big body: read 64 KiB of it, then stop reading. True if it came.
    try:
        s.settimeout(5)
        _, body = request(s, big)
        got = len(body)
        while got < 65536:
            got += len(recv(s))
        return True
    except (OSError, EOFError):
        return False

def tls_conn(ctx, session=None):
    t0 = time.monotonic()
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", https_port), timeout=10), session=session)
    return s, time.monotonic() - t0

def sequential(ctx, resume):
    # A connection that takes over 10 s counts as stalled, not in the rate.
    t_end, times, reused, stalled, session = time.monotonic() + secs, [], 0, 0, None
    while time.monotonic() < t_end:
        try:
            s, t = tls_conn(ctx, session)
            one_request(s)
        except (OSError, EOFError):
            stalled += 1
            continue
        if resume:
            session = s.session
        reused += s.session_reused
        times.append(t * 1000)
        s.close()
    return len(times) / secs, statistics.median(times or [0]), len(times), reused, stalled

full = sequential(ctx, False)
say("full: %.1f/s, median %.0f ms, %d, %d resumed, %d stalled" % full)
try:
    p256 = sorted(tls_conn(context("prime256v1"))[1] * 1000 for _ in range(3))[1]
except OSError:
    p256 = -1
say("full with a P-256 key share: median of 3 %.0f ms" % p256)
res = sequential(ctx, True)
say("resumed: %.1f/s, median %.0f ms, %d, %d resumed, %d stalled" % res)
print("full %.1f %.0f %d %d %d" % full)
print("p256 %.0f" % p256)
print("resumed %.1f %.0f %d %d %d" % res)

for tls in (True, False):
    time.sleep(2)
    before = heap()
    conns = []
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", https_port if tls else http_port), timeout=10)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            s = ctx.wrap_socket(s) if tls else s
            one_request(s)
            conns.append(s)
        except (OSError, EOFError):
            pass
    time.sleep(1)
    idle = heap()
    kind = "tls" if tls else "plain"
    print("%s idle %.0f %d %d %d" % (kind, (idle - before) / max(len(conns), 1), before, idle, len(conns)), flush=True)
    # Streaming with fewer: beyond about 11 stalled bodies the guest runs
    # out of TCP segments and closes or starves connections, /metrics too.
    for s in conns[stream_n:]:
        s.close()
    held = sum(stall(s) for s in conns[:stream_n])
    time.sleep(1)
    streaming = heap()
    for s in conns[:stream_n]:
        s.close()
    say("%s: heap %d, %d idle connections %d, %d stalled mid-body %d" % (kind, before, len(conns), idle, held, streaming))
    print("%s streaming %.0f %d %d %d" % (kind, (streaming - before) / max(held, 1), before, streaming, held), flush=True)
EOF
)
h1=$(metric appliance_tls_handshakes_total) r1=$(metric appliance_tls_resumed_total)
field() { echo "$client" | awk -v k="$1" -v f="$2" '$1 == k { print $f }'; }
heap_line() { echo "$client" | awk -v k="$1 $2" '$1 " " $2 == k { printf "%d bytes (heap %d -> %d, %d connections)", $3, $4, $5, $6 }'; }
peak=$(metric appliance_heap_peak_bytes)
fails=$(metric appliance_tls_handshake_failures_total)
wall=$(($(date +%s) - start))
stop_qemu
trap - EXIT
rm -f "$work/bench.img" "$work/run/sd.img"

cat <<EOT
## Guest HTTP and HTTPS on $board (QEMU TCG, user networking)

One boot of the product guest (64 MiB), clients on this host through QEMU's
forwards on 127.0.0.1; $wall s from QEMU start to the end. QEMU's TCG on
$(uname -m) emulating the board's CPU is not a Cortex-A7: the numbers
compare the guest with itself (HTTP against HTTPS, full handshakes against
resumed ones), not with real hardware.

| measure | value |
|---|---|
| 1 KiB file, HTTP keep-alive, 8 connections (wrk ${SECS} s) | ${http_rps:-?} requests/s${http_bad:+ ($http_bad not 2xx)} |
| 1 KiB file, HTTPS keep-alive, 8 connections (wrk ${SECS} s) | ${https_rps:-?} requests/s${https_bad:+ ($https_bad not 2xx)} |
| new TLS connections, 16 at once, one request each (h2load) | ${h2_rate:-?}/s (${h2_ok:-?} of 16 answered; $h2_tls) |
| new plain HTTP connections, 16 at once, one request each (h2load) | ${h2p_rate:-?}/s |
| full handshakes, one connection at a time (${SECS} s) | $(field full 2)/s, median $(field full 3) ms to finish the handshake; $(field full 6) stalled over 10 s |
| the same with a P-256 key share instead of X25519 | median $(field p256 2) ms |
| resumed handshakes (session ticket), one at a time (${SECS} s) | $(field resumed 2)/s, median $(field resumed 3) ms; $(field resumed 5) of $(field resumed 4) resumed; $(field resumed 6) stalled over 10 s |
| the guest's count over the one-at-a-time client (P-256 and memory runs included) | $((h1 - h0)) handshakes, $((r1 - r0)) resumed |
| heap per idle keep-alive connection, plain ($N connections) | $(heap_line plain idle) |
| heap per idle keep-alive connection, TLS ($N connections) | $(heap_line tls idle) |
| heap per connection stalled mid-body, plain (of $NS asked, those whose first 64 KiB came) | $(heap_line plain streaming) |
| heap per connection stalled mid-body, TLS (of $NS asked, those whose first 64 KiB came) | $(heap_line tls streaming) |
| heap high-water over the whole run | ${peak:-?} bytes |
| TLS handshake failures counted by the guest | ${fails:-?} |

EOT
