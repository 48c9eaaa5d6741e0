#!/bin/bash
# Usage: tests/host/linger.sh APPLIANCE STORECTL
# Clients that ask and then never read leave nothing behind once the
# twin (the optimised build: its heap figures are real) has ended their
# connections: no TCP control block, no queued segment, no buffer.
#
# lwIP keeps what is queued on a pcb it was told to close for as long as
# the client's kernel answers its window probes, which resets their count:
# a client that never reads could leave closed pcbs, each with up to 63
# KiB of answer and its segments, until no connection could open (128
# pcbs) or the segments every connection shares ran out. So a connection
# ends only once its client has all of it, and one whose client stops
# taking it is reset after the idle time (30 s), and counted as stalled.
#
# At once, each with a small receive buffer, reading nothing:
#   - 10 HTTP clients asking for 40 KiB with "Connection: close" (the
#     whole answer fits lwIP's send buffer at once: it used to be closed
#     at once, with 30-odd KiB still queued);
#   - 8 HTTP clients asking the same on a kept-alive connection (closed
#     when idle, 30 s later, the same way);
#   - 6 HTTPS clients, as the first;
#   - 1 HTTP client asking for 1 MiB, which the twin streams from the
#     store, and closing its side at once (the rest of the answer is not
#     made, and the store's reader goes at once);
#   - 16 DNS-over-TCP clients asking for a 15 KiB TXT set (closed after
#     30 s without a query, with the rest of it queued);
#   - 4 secondaries asking for the zone (AXFR, TSIG-signed) whose transfer
#     stops there;
# and one HTTP client that reads 4 KiB every 2 s, which must get its 40
# KiB whole and then a clean close. Within 45 s of their requests every
# silent connection is reset by the twin, and the twin's TCP control
# blocks, queued segments, lwIP buffers and heap are back to what they
# were before. About 40 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance}")
STORECTL=$(realpath "${2:-build/host/storectl}")
IP=192.0.2.2

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
tree=$WORK/tree
mkdir -p "$tree/site/.well-known" "$tree/zones"
printf '<h1>home</h1>\n' >"$tree/site/index.html"
# Plain HTTP serves /.well-known/ (the rest redirects to HTTPS).
head -c 40960 /dev/urandom >"$tree/site/.well-known/mid.bin"
head -c 1048576 /dev/urandom >"$tree/site/.well-known/big.bin"
cp "$tree/site/.well-known/mid.bin" "$tree/site/mid.bin"
{
	printf '$ORIGIN example.org.\n$TTL 300\n'
	printf '@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.2\n'
	for i in $(seq 10 39); do
		printf 'big TXT "%s" "%s"\n' "$i$(printf 'a%.0s' $(seq 248))" "$i$(printf 'b%.0s' $(seq 248))"
	done
} >"$tree/zones/example.org.zone"
"$STORECTL" init "$WORK/store.img" 16M >/dev/null
"$STORECTL" import "$WORK/store.img" "$tree" -m site >/dev/null
SECRET=$(head -c 32 /dev/urandom | base64)
printf 'key "xfr-key" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$SECRET" >"$WORK/tsig.keys"
"$STORECTL" secret "$WORK/store.img" dns/tsig.keys "$WORK/tsig.keys" >/dev/null
printf 'hostname=twin\nip=%s/24\n' "$IP" >"$WORK/twin.conf"
# glibc's per-thread cache of freed chunks counts as in use (http-abuse.sh).
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 \
	twin_start "$WORK/twin.log" "$WORK/twin.conf" 02:00:00:00:00:0b --disk "$WORK/store.img"
check "twin up" wait_log "$WORK/twin.log" "https on tcp port 443" 60 || {
	cat "$WORK/twin.log"
	done_tests
	exit 1
}
wait_log "$WORK/twin.log" "dns: udp and tcp port 53" 10
wait_log "$WORK/twin.log" "net: ready" 10
check "the zone's big TXT set is 15 KiB (30 records over TCP)" \
	[ "$(in_ns dig +time=3 +tries=1 +tcp +short @$IP big.example.org TXT | wc -l)" = 30 ]

out=$(in_ns "$PY" - "$IP" "$SECRET" <<'EOF'
import socket, ssl, struct, sys, threading, time
import dns.message, dns.tsig
sys.path.insert(0, 'tests/host')
from twin_metrics import samples
ip = sys.argv[1]
metrics = lambda: samples(ip)

# What is left of ended connections: control blocks (the one asking is
# one), queued segments, lwIP's buffers, the heap.
def left(m):
    return (m['appliance_tcp_pcbs{state="active"}'], m['appliance_tcp_segments'],
            m['appliance_pbuf_ram_bytes'], m['appliance_pbuf_pool_used'], m['appliance_heap_bytes'])

# Warm up: lwIP's pools, the store's cache, and the HTTP cache, which keeps the 40 KiB file.
for _ in range(5):
    metrics()
    socket.create_connection((ip, 53)).close()
    w = socket.create_connection((ip, 80), timeout=5)
    w.sendall(b'GET /.well-known/mid.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
    while w.recv(65536):
        pass
    w.close()
base = metrics()

def small():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    return s

socks = []
for i in range(10):
    s = small(); s.connect((ip, 80))
    s.sendall(b'GET /.well-known/mid.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
    socks.append(s)
for i in range(8):
    s = small(); s.connect((ip, 80))
    s.sendall(b'GET /.well-known/mid.bin HTTP/1.1\r\nHost: t\r\n\r\n')
    socks.append(s)
s = small(); s.connect((ip, 80))
s.sendall(b'GET /.well-known/big.bin HTTP/1.1\r\nHost: t\r\n\r\n')
time.sleep(0.5)
s.shutdown(socket.SHUT_WR)
socks.append(s)
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
for i in range(6):
    s = small(); s.connect((ip, 443))
    t = ctx.wrap_socket(s, server_hostname='twin')
    t.sendall(b'GET /mid.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
    socks.append(t)
q = bytes.fromhex('4c4b01000001000000000000') + b'\x03big\x07example\x03org\x00\x00\x10\x00\x01'
for i in range(16):
    s = small(); s.connect((ip, 53))
    s.sendall(struct.pack('!H', len(q)) + q)
    socks.append(s)
key = dns.tsig.Key('xfr-key', sys.argv[2], 'hmac-sha256')
for i in range(4):
    x = dns.message.make_query('example.org', 'AXFR')
    x.use_tsig(key)
    x = x.to_wire()
    s = small(); s.connect((ip, 53))
    s.sendall(struct.pack('!H', len(x)) + x)
    socks.append(s)
start = time.monotonic()

# The reader that is slow but keeps going.
slow = {}
def reader():
    s = small(); s.connect((ip, 80))
    s.sendall(b'GET /.well-known/mid.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
    d = b''
    try:
        while True:
            time.sleep(2)
            c = s.recv(4096)
            if not c:
                slow['end'] = 'a clean close'
                break
            d += c
    except OSError as e:
        slow['end'] = type(e).__name__
    slow['body'] = len(d.split(b'\r\n\r\n', 1)[-1])
th = threading.Thread(target=reader)
th.start()

time.sleep(3)
m = metrics()
print(f"during: {m['appliance_http_connections']} HTTP connections (the asking one too), "
      f"{m['appliance_dns_tcp_connections']} DNS; {m['appliance_tcp_segments']} segments queued")
h0, d0 = base['appliance_http_connections_stalled_total'], base['appliance_dns_tcp_connections_stalled_total']
while time.monotonic() - start < 90:
    m = metrics()
    h = m['appliance_http_connections_stalled_total'] - h0
    d = m['appliance_dns_tcp_connections_stalled_total'] - d0
    if h >= 25 and d >= 20:
        break
    time.sleep(1)
print(f"reset: {h} of 25 HTTP, {d} of 20 DNS; {time.monotonic() - start:.0f} s after the requests")
th.join(60)
# Then what is left, once the slow reader's connection has ended too.
for _ in range(10):
    m = metrics()
    if left(m)[:2] == left(base)[:2]:
        break
    time.sleep(1)
print("left: pcbs %d, segments %d, pbuf_ram %d, pbuf_pool %d, heap %d" % left(m))
print("base: pcbs %d, segments %d, pbuf_ram %d, pbuf_pool %d, heap %d" % left(base))
print(f"slow: {slow.get('body')} bytes, then {slow.get('end')}")
for s in socks:
    s.close()
EOF
)
echo "$out"
val() { sed -n "s/^$1: .*$2 \([0-9]*\).*/\1/p" <<<"$out"; }
during=$(grep '^during:' <<<"$out")
check "while they wait, every connection still counts, with the slow reader and the one asking: $during" \
	bash -c '[[ $1 == "during: 27 HTTP connections (the asking one too), 20 DNS"* ]]' _ "$during"
reset=$(grep '^reset:' <<<"$out")
check "every silent client reset within 45 s: $reset" \
	bash -c '[[ $1 =~ ^"reset: 25 of 25 HTTP, 20 of 20 DNS; "([0-9]+)" s after" ]] && [ "${BASH_REMATCH[1]}" -le 45 ]' _ "$reset"
check "no TCP control block left but the one asking ($(val left pcbs) against $(val base pcbs))" \
	[ -n "$(val left pcbs)" -a "$(val left pcbs)" = "$(val base pcbs)" ]
check "no segment left queued ($(val left segments) against $(val base segments))" \
	[ -n "$(val left segments)" -a "$(val left segments)" = "$(val base segments)" ]
check "lwIP's buffers back: $(val base pbuf_ram) -> $(val left pbuf_ram) bytes, pool $(val base pbuf_pool) -> $(val left pbuf_pool)" \
	[ -n "$(val left pbuf_ram)" -a "$(val left pbuf_ram)" = "$(val base pbuf_ram)" -a "$(val left pbuf_pool)" = "$(val base pbuf_pool)" ]
# 32 B a connection would show.
check "heap back to its baseline: $(val base heap) -> $(val left heap) bytes (within 1 KiB)" \
	[ -n "$(val left heap)" -a "$(val left heap)" -le $(($(val base heap) + 1024)) ]
check "the slow reader got all 40,960 bytes and a clean close: $(grep '^slow:' <<<"$out")" \
	[ "$(grep '^slow:' <<<"$out")" = "slow: 40960 bytes, then a clean close" ]
check "the twin answers HTTPS after" \
	[ "$(in_ns curl -sSk --max-time 10 "https://$IP/")" = "<h1>home</h1>" ]
check "... and DNS over TCP" \
	[ "$(in_ns dig +time=3 +tries=1 +tcp +short @$IP big.example.org TXT | wc -l)" = 30 ]
twin_stop
check "exit status 0" [ $? = 0 ]
done_tests
