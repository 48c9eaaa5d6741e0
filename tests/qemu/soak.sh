#!/bin/bash
# Usage: tests/qemu/soak.sh BOARD SECONDS   (as root)
#
# A soak and then error loops against the guest, in one boot of a copy of
# BOARD's image on a TAP device in a network namespace of the test's own
# (as tests/qemu/dns.sh: UDP reaches the guest only this way), the guest at
# 192.0.2.2 with site/index.html, site/.well-known/soak (2 KiB, served over
# plain HTTP too), site/.well-known/soak-big (256 KiB) and
# zones/example.org.zone in its store, and a push password.
#
#  1. Warm-up (SOAK_WARMUP seconds, 20): the load of step 2, then the
#     gauges back to idle; the heap in use then is the baseline.
#  2. Soak, SECONDS: tests/qemu/soak_load.py's mixed load, each kind in a
#     closed loop (bounded rate, bounded connections): HTTP GETs on a
#     kept-alive connection and on new ones, HTTPS with full handshakes and
#     with resumed sessions, DNS over UDP and TCP, git push of small
#     commits and git fetch. Every request is counted; a failure is an
#     error or a wrong answer (soak_load.py says which), in the warm-up
#     too, or a /metrics sample unanswered; there must be none. Every
#     SOAK_SAMPLE seconds (5) /metrics goes into a CSV. Flat, asserted:
#       - the heap in use, sampled, at most its first half's highest plus
#         64 KiB in the second half, and the guest's own high-water mark
#         at the end at most the mark at half-time plus 64 KiB;
#       - HTTP connections, TCP pcbs (not TIME-WAIT), pbufs of the receive
#         pool and TCP segments: the second half's highest at most the
#         first half's plus 2 (connections, pcbs) or 8 (pbufs, segments);
#       - when the load stops, within 60 s: HTTP connections back to 1
#         (the /metrics request), TLS sessions and DNS TCP connections to
#         0, active TCP pcbs, pool pbufs, PBUF_RAM bytes and TCP segments
#         to their idle values after the boot;
#       - HTTPS resumption: every resumed handshake offered succeeds but
#         at most one per started hour (the ticket key's rotation).
#     The store grows by a commit per push, and its object index (24
#     bytes an entry, doubling from 1,024) with it: that growth is added to
#     each heap bound, and said.
#     After the error loops the stack's high-water mark (the guest paints
#     it at boot) leaves at least STACK_SPARE (16 KiB) of its 64 never used.
#  3. Error loops (tests/qemu/soak_errors.py), then the curl loop: 2,000
#     (SOAK_ABORTS) TCP connections reset by the client; TLS handshakes
#     cut at every step, TLS 1.3 and 1.2, FIN and RST (SOAK_TLS_ROUNDS
#     rounds, 3); malformed HTTP and malformed DNS over UDP and TCP (5
#     rounds each); clients that connect and never speak, to the
#     connection limits, timed out by the guest; two `while true; do curl;
#     done` loops with random aborts (curl --max-time, or killed) for
#     SOAK_CURL_SECONDS (20). Afterwards HTTP, HTTPS, DNS over UDP and
#     TCP answer, a git clone gets the last commit pushed, the gauges are
#     back to idle as above, the heap in use is back to its baseline within
#     32 KiB (plus the index's growth), and the guest never restarted,
#     panicked or ran out of memory.
#
# Output in SOAK_OUT (default ${B:-build}/test/soak-BOARD): samples.csv,
# load-warmup.json and load-soak.json (soak_load.py's counts and first
# errors), soak-BOARD.png (gnuplot: heap, connections, pbufs over time,
# the phases marked), summary.txt. A progress line every 30 s. The whole
# run is bounded: QEMU stops at SECONDS + 900 s whatever happens, the load
# at SECONDS + 300 s; about SECONDS + 4 minutes on an idle machine.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/qemu/run-lib.sh
# NS, WORK, netns_setup, in_ns, netns_cleanup (tests/host/netns.sh).
. tests/host/netns.sh
usage="usage: tests/qemu/soak.sh BOARD SECONDS"
board=${1:?$usage}
secs=${2:?$usage}
if ! [[ $secs =~ ^[1-9][0-9]{0,6}$ ]]; then
	echo "soak: SECONDS must be a positive whole number of seconds, not '$secs'" >&2
	exit 2
fi
img=${OUT:-out}/$board.img
work=$(realpath -m "${B:-build}/test/soak-$board")
out=$(realpath -m "${SOAK_OUT:-$work}")
log=$work/serial.log
csv=$out/samples.csv
STORECTL=$(realpath -m "${STORECTL:-${B:-build}/host/storectl}")
WARMUP=${SOAK_WARMUP:-20}
SAMPLE=${SOAK_SAMPLE:-5}
ABORTS=${SOAK_ABORTS:-2000}
TLS_ROUNDS=${SOAK_TLS_ROUNDS:-3}
CURL_SECONDS=${SOAK_CURL_SECONDS:-20}
IP=192.0.2.2
HEAP_SLACK=65536
BASE_SLACK=32768
STACK_SPARE=16384
HERE=$PWD/tests/qemu
say() { echo "soak: $*"; }
elapsed() { echo $(($(date +%s) - start)); }
start=$(date +%s)

need_root
for f in "$img" "$STORECTL"; do
	[ -e "$f" ] || { fail "$f exists (make $f)"; done_tests; exit 1; }
done
for t in gnuplot curl git; do
	command -v $t >/dev/null || { fail "$t is installed"; done_tests; exit 1; }
done
rm -rf "$work" && mkdir -p "$work" "$out"
rm -f "$csv" "$out"/load-*.json "$out/soak-$board.png" "$out/summary.txt"

# ---- the image ----

say "site/, site/.well-known/soak{,-big} and zones/example.org.zone as main into the store of a copy of $img"
tree=$WORK/tree
mkdir -p "$tree/site/.well-known" "$tree/zones"
printf '<h1>soak</h1>\n' >"$tree/site/index.html"
head -c 1536 /dev/urandom | base64 -w 76 >"$tree/site/.well-known/soak"
head -c $((192 << 10)) /dev/urandom | base64 -w 76 >"$tree/site/.well-known/soak-big"
cp tests/host/dns/example.org.zone "$tree/zones/"
cp --sparse=always "$img" "$work/soak.img"
qemu_p2_out "$work/soak.img" "$WORK/p2"
"$STORECTL" import "$WORK/p2" "$tree" -m "soak: site and zone" >/dev/null
printf 'soak-qemu-password\n' >"$WORK/password"
"$STORECTL" passwd "$WORK/p2" "$WORK/password" >/dev/null
check "the copy's store has site/.well-known/soak on main" \
	cmp -s <("$STORECTL" cat "$WORK/p2" refs/heads/main site/.well-known/soak) "$tree/site/.well-known/soak"
qemu_p2_in "$WORK/p2" "$work/soak.img"
rm -f "$WORK/p2"

# ---- the boot ----

if ! netns_setup; then
	fail "namespace $NS with tap0 (192.0.2.1/24)"
	done_tests
	exit 1
fi
sampler=
stop_extra() { [ -z "$sampler" ] || kill "$sampler" 2>/dev/null; }
say "booting $board in $NS on tap0, the guest at $IP; serial log in $log"
export QEMU_TAP=tap0 QEMU_CONF="ip=$IP/24"
QEMU_TIMEOUT=$((secs + WARMUP + 900)) qemu_run "$board" "$work/soak.img" "$work" "$NS"
trap 'stop_qemu; netns_cleanup' EXIT
dead='guest: fatal exception|Kernel panic|Xen BUG|dom0: error'
if wait_for "dns: udp and tcp port 53|$dead" 240 && grep -q 'dns: udp and tcp port 53' "$log" &&
	wait_for 'http: https on tcp port 443' 30 && wait_for 'net: ready' 30; then
	ok "guest serving HTTP, HTTPS and DNS after $(elapsed) s"
else
	fail "guest serving HTTP, HTTPS and DNS: $(grep -Eo "($dead).*" "$log" | head -1)"
	tail -n 30 "$log"
	done_tests
	exit 1
fi
for _ in $(seq 30); do
	in_ns dig +short +time=1 +tries=1 @$IP example.org SOA >/dev/null 2>&1 && break
	sleep 1
done

# ---- /metrics ----

FIELDS="appliance_heap_bytes appliance_heap_peak_bytes appliance_http_connections appliance_tls_sessions
appliance_dns_tcp_connections appliance_pbuf_pool_used appliance_pbuf_ram_bytes
appliance_tcp_pcbs{state=\"active\"} appliance_tcp_pcbs{state=\"time_wait\"} appliance_tcp_segments
appliance_store_objects"
COLUMNS_CSV=heap,heap_peak,http_conns,tls_sessions,dns_tcp,pbuf_pool,pbuf_ram,tcp_active,tcp_time_wait,tcp_segs,store_objects
# sample: the fields above, comma-separated, from one /metrics (empty if none came).
sample() {
	in_ns curl -sS --max-time 10 "http://$IP/metrics" 2>/dev/null |
		awk -v f="$FIELDS" 'BEGIN { n = split(f, k) } { v[$1] = $2 }
			END { if (!("appliance_heap_bytes" in v)) exit 1
			      for (i = 1; i <= n; i++) printf "%s%s", v[k[i]], (i < n ? "," : "\n") }'
}
# metric NAME: one value.
metric() { in_ns curl -sS --max-time 10 "http://$IP/metrics" 2>/dev/null | awk -v m="$1" '$1 == m { print $2 }'; }
# counters: the guest's own totals from one /metrics, for the log.
counters() {
	in_ns curl -sS --max-time 10 "http://$IP/metrics" 2>/dev/null | awk '
		/^appliance_http_requests_total/ { http += $2 }
		$1 == "appliance_tls_handshakes_total" { tls = $2 }
		$1 == "appliance_tls_resumed_total" { res = $2 }
		$1 == "appliance_tls_handshake_failures_total" { tlsf = $2 }
		$1 == "appliance_dns_queries_total{transport=\"udp\"}" { udp = $2 }
		$1 == "appliance_dns_queries_total{transport=\"tcp\"}" { tcp = $2 }
		/^appliance_lwip_pool_failures_total/ { split($1, a, "\""); pf = pf " " a[2] " " $2 }
		END { printf "HTTP responses %d, TLS handshakes %d (resumed %d, failed %d), DNS queries %d UDP %d TCP; lwIP pool allocation failures:%s\n", http, tls, res, tlsf, udp, tcp, pf }'
}
# col CSV-LINE N: the Nth field.
col() { cut -d, -f"$2" <<<"$1"; }
phase() { echo "$1" >"$work/phase"; }
kib() { echo $((${1:-0} / 1024)); }

# The idle values after the boot, nothing else asking: the gauges must
# come back to them after each phase.
idle=$(sample)
check "/metrics has the lwIP gauges (pbufs, TCP pcbs): $idle" \
	bash -c "[[ '$idle' =~ ^[0-9]+(,[0-9]+){10}\$ ]]"
idle_active=$(col "$idle" 8) idle_pool=$(col "$idle" 6) idle_ram=$(col "$idle" 7) idle_segs=$(col "$idle" 10)
say "idle after the boot: $(col "$idle" 3) HTTP connection (this one), TCP pcbs ${idle_active:-?} active, pbufs ${idle_pool:-?} pool ${idle_ram:-?} bytes RAM, ${idle_segs:-?} TCP segments"

# The sampler: every SAMPLE s a line "seconds since the start,phase,fields"; a progress
# line every 30 s; a sample that failed is a line with the fields empty.
echo "t,phase,$COLUMNS_CSV" >"$csv"
phase boot
(
	# Stopped while it sleeps, it stops at once (the sleep with it).
	trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM
	next=30
	while :; do
		s=$(sample) || s=",,,,,,,,,,"
		t=$(($(date +%s) - start))
		echo "$t,$(cat "$work/phase"),$s" >>"$csv"
		if [ "$t" -ge "$next" ]; then
			next=$((next + 30))
			say "  ... $t s ($(cat "$work/phase")): heap $(kib "$(col "$s" 1)") KiB (high-water $(kib "$(col "$s" 2)") KiB), $(col "$s" 3) HTTP connections, $(col "$s" 4) TLS sessions, $(col "$s" 5) DNS TCP, TCP pcbs $(col "$s" 8) active $(col "$s" 9) time-wait, pbufs $(col "$s" 6) pool $(col "$s" 7) bytes RAM"
		fi
		sleep "$SAMPLE" &
		wait $!
	done
) &
sampler=$!

# wait_idle: up to 60 s until the gauges are back at idle; $s is the last sample.
wait_idle() {
	local i
	for ((i = 0; i < 60; i++)); do
		s=$(sample)
		[ "$(col "$s" 3)" = 1 ] && [ "$(col "$s" 4)" = 0 ] && [ "$(col "$s" 5)" = 0 ] &&
			[ "$(col "$s" 8)" -le "$idle_active" ] && [ "$(col "$s" 6)" -le "$idle_pool" ] &&
			[ "$(col "$s" 7)" -le "$idle_ram" ] && [ "$(col "$s" 10)" -le "$idle_segs" ] && return 0
		sleep 1
	done
	return 1
}
gauges() { echo "$(col "$s" 3) HTTP connections, $(col "$s" 4) TLS sessions, $(col "$s" 5) DNS TCP, TCP pcbs $(col "$s" 8) active $(col "$s" 9) time-wait, pbufs $(col "$s" 6) pool $(col "$s" 7) bytes RAM, $(col "$s" 10) segments"; }
# index_bytes OBJECTS: what the store's object index takes for that many.
index_bytes() {
	local cap=1024
	while [ "$cap" -lt "$1" ]; do cap=$((cap * 2)); done
	echo $((cap * 24))
}

# ---- warm-up and soak ----

qemu_git_env
# load NAME SECONDS: soak_load.py for SECONDS, bounded; its counts in load-NAME.json.
load() {
	rm -rf "$WORK/git-$1" && mkdir -p "$WORK/git-$1"
	timeout -k 10 $(($2 + 300)) ip netns exec "$NS" "$PY" "$HERE/soak_load.py" "$IP" "$2" \
		"$out/load-$1.json" "$WORK/git-$1" "$WORK/password" \
		"$tree/site/.well-known/soak" "$tree/site/index.html" | sed 's/^/  /'
}
# summary NAME: each kind's counts, failures and first errors; 0 if none failed.
summary() {
	"$PY" - "$out/load-$1.json" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("  no counts: %s" % e)
    sys.exit(1)
fails = 0
for k, v in d.items():
    extra = ", ".join("%s %s" % (x, v[x]) for x in v if x not in ("ok", "fail", "max_ms", "errors"))
    print("  %-15s %6d requests, %d failed, longest %d ms%s" % (k, v["ok"] + v["fail"], v["fail"], v["max_ms"],
                                                           "; " + extra if extra else ""))
    for e in v["errors"]:
        print("      %s" % e)
    fails += v["fail"] + (v["ok"] == 0)
sys.exit(1 if fails else 0)
EOF
}
jq_get() { "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d[sys.argv[2]].get(sys.argv[3], 0))' "$@" 2>/dev/null; }

phase warmup
say "warm-up: the same load for $WARMUP s ($(elapsed) s)"
load warmup "$WARMUP"
check "warm-up: every kind of request ran and none failed" summary warmup
phase idle
wait_idle
idle_rc=$?
check "after the warm-up the gauges are back to idle: $(gauges)" [ $idle_rc = 0 ]
base=$(col "$s" 1) base_objects=$(col "$s" 11)
peak0=$(col "$s" 2)
say "baseline: heap $base bytes in use, high-water $peak0, $base_objects objects in the store ($(elapsed) s)"
cnt_base=$(counters)
say "the guest's counters after the warm-up: $cnt_base"

phase soak
t_soak=$(($(date +%s) - start))
say "soak: $secs s of mixed load ($(elapsed) s)"
load soak "$secs"
check "soak: every kind of request ran and none failed" summary soak
resumed=$(jq_get "$out/load-soak.json" https-resumed resumed)
not_resumed=$(jq_get "$out/load-soak.json" https-resumed not-resumed)
check "soak: $resumed of $((resumed + not_resumed)) HTTPS handshakes offering a ticket resumed (at most one per started hour not)" \
	[ "$resumed" -gt 0 -a "$not_resumed" -le $(((secs + 3599) / 3600)) ]
phase drain
wait_idle
idle_rc=$?
check "soak: within 60 s of the load's end the gauges are back to idle: $(gauges)" [ $idle_rc = 0 ]
after_soak=$s
cnt_soak=$(counters)
say "the guest's counters after the soak: $cnt_soak"

# The soak's samples in two halves by time.
halves=$("$PY" - "$csv" <<'EOF'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["phase"] == "soak"]
missing = sum(1 for r in rows if not r["heap"])
rows = [r for r in rows if r["heap"]]
mid = (int(rows[0]["t"]) + int(rows[-1]["t"])) / 2 if rows else 0
first = [r for r in rows if int(r["t"]) <= mid]
second = [r for r in rows if int(r["t"]) > mid]
def top(rs, k): return max((int(r[k]) for r in rs), default=0)
keys = ("heap", "http_conns", "tcp_active", "pbuf_pool", "tcp_segs")
print(len(rows), missing, len(first), len(second),
      " ".join("%d %d" % (top(first, k), top(second, k)) for k in keys),
      first[-1]["heap_peak"] if first else 0, first[-1]["store_objects"] if first else 0)
EOF
)
read -r n_rows n_missing n1 n2 heap1 heap2 conn1 conn2 act1 act2 pool1 pool2 seg1 seg2 peak_mid obj_mid <<<"$halves"
peak_end=$(col "$after_soak" 2) objects=$(col "$after_soak" 11)
grow=$(($(index_bytes "${objects:-0}") - $(index_bytes "${obj_mid:-0}")))
check "soak: /metrics answered all $n_rows + $n_missing samples (every $SAMPLE s)" [ "$n_missing" = 0 -a "$n_rows" -ge 4 ]
check "soak: heap in use flat: highest $(kib "$heap1") KiB in the first half ($n1 samples), $(kib "$heap2") KiB in the second ($n2); bound +64 KiB + $grow bytes of index growth" \
	[ "$heap2" -le $((heap1 + HEAP_SLACK + grow)) ]
check "soak: the guest's high-water mark flat: $(kib "$peak0") KiB after the warm-up, $(kib "$peak_mid") KiB at half-time, $(kib "$peak_end") KiB at the end" \
	[ "$peak_end" -le $((peak_mid + HEAP_SLACK + grow)) ]
check "soak: HTTP connections flat: at most $conn1 in the first half, $conn2 in the second" [ "$conn2" -le $((conn1 + 2)) ]
check "soak: active TCP pcbs flat: at most $act1, then $act2" [ "$act2" -le $((act1 + 2)) ]
check "soak: receive-pool pbufs flat: at most $pool1, then $pool2" [ "$pool2" -le $((pool1 + 8)) ]
check "soak: TCP segments flat: at most $seg1, then $seg2" [ "$seg2" -le $((seg1 + 8)) ]

# ---- error loops ----

phase errors
t_errors=$(($(date +%s) - start))
fails0=$(metric appliance_tls_handshake_failures_total)
say "error loops ($(elapsed) s)"
# errors TEST [N]: soak_errors.py, its last line the check's description.
errors() {
	local o rc
	o=$(in_ns "$PY" "$HERE/soak_errors.py" "$IP" "$@" 2>&1)
	rc=$?
	head -n -1 <<<"$o" | sed 's/^  //; s/^/  /'
	check "$1: $(tail -n 1 <<<"$o")" [ $rc = 0 ]
}
errors aborts "$ABORTS"
errors tls-cuts "$TLS_ROUNDS"
fails1=$(metric appliance_tls_handshake_failures_total)
say "  the guest counted $((${fails1:-0} - ${fails0:-0})) failed handshakes"
errors http-bad 5
errors dns-bad 5
errors idle

# Two curl loops for CURL_SECONDS: a random target, plain or TLS; half
# bounded by a --max-time of 0.05 to 1 s, half killed 0.05 to 1 s in.
# Every download is held to 128 KiB a second (--limit-rate), so that
# soak-big (256 KiB) takes 2 s and is always cut in the middle of its
# body, while the small answers complete: the guest answered soak-big in
# under 50 ms at times, and a run then cut nothing (0 of 130 aborted).
say "two curl loops with random aborts for $CURL_SECONDS s ($(elapsed) s)"
curl_loop() {
	local end=$(($(date +%s) + CURL_SECONDS)) urls t p rc done=0 aborted=0 other=0
	urls=("http://$IP/.well-known/soak-big" "https://$IP/.well-known/soak-big" "https://$IP/"
		"http://$IP/site.git/info/refs?service=git-upload-pack" "https://$IP/site.git/info/refs?service=git-upload-pack")
	while [ "$(date +%s)" -lt "$end" ]; do
		t=0.$(printf '%02d' $((RANDOM % 95 + 5)))
		if ((RANDOM % 2)); then
			curl -sk -o /dev/null --limit-rate 128k --max-time "$t" "${urls[RANDOM % 5]}"
			rc=$?
		else
			curl -sk -o /dev/null --limit-rate 128k --max-time 20 "${urls[RANDOM % 5]}" &
			p=$!
			sleep "$t"
			kill -KILL "$p" 2>/dev/null
			wait "$p"
			rc=$?
		fi
		case $rc in
		0) done=$((done + 1)) ;;
		28 | 137) aborted=$((aborted + 1)) ;;
		*) other=$((other + 1)) ;;
		esac
	done
	echo "$done $aborted $other"
}
export -f curl_loop
export IP CURL_SECONDS
in_ns bash -c curl_loop >"$WORK/curl1" 2>/dev/null &
c1=$!
in_ns bash -c curl_loop >"$WORK/curl2" 2>/dev/null &
c2=$!
wait "$c1" "$c2"
read -r d1 a1 o1 <"$WORK/curl1"
read -r d2 a2 o2 <"$WORK/curl2"
check "curl loops: $((d1 + d2)) requests completed, $((a1 + a2)) aborted by time-out or kill, $((o1 + o2)) other curl errors" \
	[ "$((d1 + d2))" -gt 0 -a "$((a1 + a2))" -gt 0 ]

# ---- afterwards ----

phase after
say "afterwards ($(elapsed) s)"
wait_idle
idle_rc=$?
check "every connection closed, the gauges back to idle within 60 s: $(gauges)" [ $idle_rc = 0 ]
after=$s
cnt_after=$(counters)
say "the guest's counters after the error loops: $cnt_after"
heap_after=$(col "$after" 1) objects=$(col "$after" 11)
grow=$(($(index_bytes "${objects:-0}") - $(index_bytes "${base_objects:-0}")))
check "heap back to its baseline: $(kib "$base") KiB after the warm-up, $(kib "$heap_after") KiB now ($((heap_after - base)) bytes; bound 32 KiB + $grow bytes of index growth, $base_objects -> $objects objects)" \
	bash -c "[ -n '$heap_after' ] && [ '$heap_after' -le $((base + BASE_SLACK + grow)) ]"
refused=$(metric appliance_heap_refused_total)
check "no allocation refused for a full heap, in the soak or the error loops ($refused)" [ "$refused" = 0 ]
# The stack (painted at boot): the deepest the soak and the error loops took it.
stack=$(metric appliance_stack_bytes) stack_peak=$(metric appliance_stack_peak_bytes)
check "the stack's deepest since boot: $(kib "${stack_peak:-0}") KiB of its $(kib "${stack:-0}") KiB, at least $((STACK_SPARE / 1024)) KiB never used" \
	[ "${stack_peak:-0}" -gt 0 -a "${stack_peak:-0}" -le $((${stack:-0} - STACK_SPARE)) ]
check "HTTP answers" [ "$(in_ns curl -sS --max-time 20 "http://$IP/.well-known/soak")" = "$(cat "$tree/site/.well-known/soak")" ]
check "HTTPS answers" [ "$(in_ns curl -sSk --max-time 20 "https://$IP/")" = "<h1>soak</h1>" ]
check "DNS over UDP answers" [ "$(in_ns dig +short +time=3 +tries=1 @$IP mail.example.org A)" = 192.0.2.25 ]
check "DNS over TCP answers" [ "$(in_ns dig +tcp +short +time=3 +tries=1 @$IP mail.example.org A)" = 192.0.2.25 ]
last=$(in_ns git -c http.sslVerify=false ls-remote "https://$IP/site.git" refs/heads/main 2>/dev/null | cut -f1)
in_ns timeout 120 git -c http.sslVerify=false clone -q "https://$IP/site.git" "$WORK/final" 2>"$WORK/clone.err" ||
	cat "$WORK/clone.err"
pushes=$(jq_get "$out/load-soak.json" git-push ok)
check "git clone answers: main is the last of the soak's $pushes pushes ($(git -C "$WORK/final" log -1 --format=%s 2>/dev/null))" \
	bash -c "[ -n '$last' ] && [ \"\$(git -C '$WORK/final' rev-parse HEAD 2>/dev/null)\" = '$last' ] &&
		git -C '$WORK/final' log -1 --format=%s | grep -qx 'soak: push [0-9]*'"
check "the guest never restarted: one start of HTTPS on the console" \
	[ "$(grep -c 'http: https on tcp port 443' "$log")" = 1 ]
check "no panic, fatal exception or out-of-memory on the console" \
	not grep -Eiq 'guest: (fatal|panic)|out of memory|Kernel panic|Xen BUG|dom0: error' "$log"

kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
sampler=
t_end=$(($(date +%s) - start))

# ---- the chart ----

png=$out/soak-$board.png
gnuplot <<EOF 2>"$WORK/gnuplot.err"
set terminal png size 1200,1000 noenhanced
set output '$png'
set datafile separator ','
set key above horizontal
set lmargin 10
set rmargin 10
set xlabel 'seconds from the start of the test'
set grid
set ytics nomirror
set multiplot layout 3,1 title 'soak of $board: boot, warm-up, $secs s of load (from the first line), the error loops (from the second)'
set arrow from first $t_soak,graph 0 to first $t_soak,graph 1 nohead dt 2
set arrow from first $t_errors,graph 0 to first $t_errors,graph 1 nohead dt 2
set ylabel 'heap, KiB'
plot '$csv' using 1:(\$3/1024) skip 1 with lines lw 2 title 'heap in use', \
     '' using 1:(\$4/1024) skip 1 with lines title 'heap high-water'
set y2tics
set ylabel 'connections'
set y2label 'TIME-WAIT pcbs'
plot '$csv' using 1:5 skip 1 with lines title 'HTTP connections', \
     '' using 1:6 skip 1 with lines title 'TLS sessions', \
     '' using 1:7 skip 1 with lines title 'DNS TCP connections', \
     '' using 1:10 skip 1 with lines title 'TCP pcbs active', \
     '' using 1:11 skip 1 axes x1y2 with lines dt 3 title 'TCP pcbs in TIME-WAIT (right)'
set ylabel 'pbufs, segments'
set y2label 'PBUF_RAM, KiB'
plot '$csv' using 1:8 skip 1 with lines title 'receive-pool pbufs in use', \
     '' using 1:12 skip 1 with lines title 'TCP segments', \
     '' using 1:(\$9/1024) skip 1 axes x1y2 with lines dt 3 title 'PBUF_RAM bytes (right)'
unset multiplot
EOF
check "the chart: $png" [ -s "$png" ]
[ -s "$png" ] || cat "$WORK/gnuplot.err"

{
	echo "soak of $board: $secs s of load after $WARMUP s of warm-up; the whole run $t_end s"
	echo "load during the soak (requests, failures, longest):"
	summary soak
	echo "heap: baseline $base bytes, highest sampled $heap1 / $heap2 (first / second half), high-water $peak_end"
	echo "after the error loops: heap $heap_after bytes; $(gauges)"
	echo "the stack: at most $stack_peak bytes used of $stack since boot"
	echo "the guest's counters after the warm-up: $cnt_base"
	echo "  after the soak: $cnt_soak"
	echo "  after the error loops: $cnt_after"
	echo "samples: $csv; chart: $png"
} >"$out/summary.txt"
say "done after $t_end s; the summary in $out/summary.txt, the chart in $png"
stop_qemu
trap netns_cleanup EXIT
rm -rf "$work/run" "$work/soak.img"
done_tests
