#!/bin/bash
# Usage: tests/host/diag-limits.sh APPLIANCE
# The diagnostic services (echo=on: TCP echo, discard, chargen, for a
# trusted network) cannot take what HTTP and DNS need. They share 4
# connections (NET_DIAG_CONNS): a fifth client is reset at once. Each of
# the 4 may hold a full send queue, whose segments the shared pool counts
# (net/lwipopts.h). Then what frees a connection:
#   - 4 chargen clients that never read (4 KiB receive buffers): reset
#     after 30 s without 1 KiB taken, leaving no control block, segment or
#     buffer behind;
#   - a chargen client that reads 10 KiB of the pattern, then closes its
#     side and reads no more: reset at its close (chargen never ends by
#     itself), nothing left queued (a close would leave lwIP holding the
#     queue for as long as the client keeps its socket);
#   - an echo client that sends 64 KiB, closes its side, and only then
#     reads: all of it back intact, then the twin's close (echo closes
#     once everything is taken, not with it still queued);
#   - a discard client that connects and says nothing: reset after 60 s
#     (not waited for here: it is the same counting as chargen's).
# About 45 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance}")
IP=192.0.2.2

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
printf 'hostname=twin\nip=%s/24\necho=on\n' "$IP" >"$WORK/twin.conf"
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 \
	twin_start "$WORK/twin.log" "$WORK/twin.conf" 02:00:00:00:00:0c
check "twin up with echo, discard and chargen" wait_log "$WORK/twin.log" "bulk: tcp discard port 9, chargen port 19" 60 || {
	cat "$WORK/twin.log"
	done_tests
	exit 1
}
wait_log "$WORK/twin.log" "net: ready" 10

out=$(in_ns "$PY" - "$IP" <<'EOF'
import os, socket, sys, time
sys.path.insert(0, 'tests/host')
from twin_metrics import samples
ip = sys.argv[1]
metrics = lambda: samples(ip)

def left(m):
    return (m['appliance_tcp_pcbs{state="active"}'], m['appliance_tcp_segments'],
            m['appliance_pbuf_ram_bytes'], m.get('appliance_diag_connections', -1))

def settle():
    """The metrics once back at base, or after 5 s."""
    for _ in range(10):
        m = metrics()
        if left(m) == left(base):
            break
        time.sleep(0.5)
    return m

def small(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect((ip, port))
    return s

def refused(port):
    """A fifth client: reset before any byte, at once."""
    try:
        s = small(port)
        s.settimeout(3)
        if port == 7:
            s.sendall(b'x')
        d = s.recv(100)
        return 'closed' if d == b'' else f'got {len(d)} bytes'
    except ConnectionResetError:
        return 'reset'
    except socket.timeout:
        return 'no answer'

for _ in range(3):
    metrics()
base = metrics()
held = [small(19) for _ in range(4)]
start = time.monotonic()
time.sleep(2)
m = metrics()
print(f"during: {m.get('appliance_diag_connections', -1)} counted, "
      f"{m['appliance_tcp_segments'] - base['appliance_tcp_segments']} segments queued")
print(f"fifth: chargen {refused(19)}, echo {refused(7)}, discard {refused(9)}")
while metrics().get('appliance_diag_connections', -1) > 0 and time.monotonic() - start < 45:
    time.sleep(0.5)
t = time.monotonic() - start
print(f"stalled: {metrics().get('appliance_diag_connections', -1)} left of 4, {t:.0f} s after they connected")
# Still open on this side: what is freed, the twin freed.
m = settle()
print("left: pcbs %d, segments %d, pbuf_ram %d, diag %d" % left(m))
for s in held:
    s.close()
print("base: pcbs %d, segments %d, pbuf_ram %d, diag %d" % left(base))

# A chargen client that reads, then closes.
s = small(19)
d = b''
while len(d) < 10240:
    d += s.recv(4096)
want = b''.join(bytes(32 + (l + i) % 95 for i in range(72)) + b'\r\n' for l in range(139))
d = d[:10240]
print(f"chargen: {len(d)} bytes, RFC 864's lines {d[:10240] == want[:10240]}")
# Our side closed, the socket kept, nothing more read.
s.shutdown(socket.SHUT_WR)
m = settle()
print("after chargen: pcbs %d, segments %d, pbuf_ram %d, diag %d" % left(m))
s.close()

# Echo: send everything, close our side, then read.
payload = os.urandom(65536)
s = socket.create_connection((ip, 7), timeout=10)
s.sendall(payload)
s.shutdown(socket.SHUT_WR)
d = b''
try:
    while True:
        c = s.recv(65536)
        if not c:
            end = 'a clean close'
            break
        d += c
except OSError as e:
    end = type(e).__name__
print(f"echo: {len(d)} bytes back, intact {d == payload}, then {end}")
s.close()
m = settle()
print("after echo: pcbs %d, segments %d, pbuf_ram %d, diag %d" % left(m))
EOF
)
echo "$out"
line() { grep "^$1:" <<<"$out"; }
during=$(line during)
check "4 chargen clients that do not read are counted, their queues within 4 x 88 segments: $during" \
	bash -c '[[ $1 =~ ^"during: 4 counted, "([0-9]+)" segments" ]] && [ "${BASH_REMATCH[1]}" -gt 0 -a "${BASH_REMATCH[1]}" -le 352 ]' _ "$during"
check "a fifth client of each service is reset at once: $(line fifth)" \
	[ "$(line fifth)" = "fifth: chargen reset, echo reset, discard reset" ]
# 30 s without 1 KiB taken, counted in 1 s polls; the sanitized twin
# took 32-34 s.
check "the twin resets the 4 within 40 s: $(line stalled)" \
	bash -c '[[ $1 =~ ^"stalled: 0 left of 4, "([0-9]+)" s" ]] && [ "${BASH_REMATCH[1]}" -le 40 ]' _ "$(line stalled)"
base=$(line base | sed 's/^base: //')
check "nothing of theirs left (control blocks, segments, lwIP's buffers, the count): $(line left)" \
	[ -n "$base" -a "$(line left)" = "left: $base" ]
check "chargen sends RFC 864's pattern to a client that reads: $(line chargen)" \
	[ "$(line chargen)" = "chargen: 10240 bytes, RFC 864's lines True" ]
check "its close leaves nothing queued: $(line 'after chargen')" \
	[ "$(line 'after chargen')" = "after chargen: $base" ]
check "echo gives 64 KiB back whole to a client that closed its side first: $(line echo)" \
	[ "$(line echo)" = "echo: 65536 bytes back, intact True, then a clean close" ]
check "... and then leaves nothing: $(line 'after echo')" \
	[ "$(line 'after echo')" = "after echo: $base" ]
check "the twin still answers HTTP" \
	in_ns curl -sS --max-time 10 -o /dev/null "http://$IP/metrics"
twin_stop
check "exit status 0" [ $? = 0 ]
done_tests
