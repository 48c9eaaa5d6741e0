#!/bin/bash
# Usage: tests/host/uptime.sh [APPLIANCE [STORECTL]]   (as root)
#
# Months without a restart: lwIP's clock (sys_now, net/net.c) counts
# milliseconds of uptime in 32 bits and wraps after 49.7 days, and lwIP's
# timers (TCP's retransmissions among them) are run by it. The twin, the
# same service code as the guest, is started with its clock at
# 2^32 ms - WRAP_IN s of uptime (--test-uptime) and every
# LOSE_EVERY-th TCP segment with data it sends lost on the wire
# (HOST_TAP_LOSE_EVERY), so that its answers get through only by lwIP's
# retransmissions, which a lost last segment leaves to the retransmission
# timer. Across the wrap, HTTPS requests and DNS over TCP, without a
# failure; after it, 1 MiB over HTTPS byte for byte, and the client suite
# (tests/clients/suite.sh, read-only). About 40 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
TWIN_ARGS=()
. tests/host/dns/twin.sh "$@"
. tests/clients/suite.sh
WRAP_MS=4294967296
WRAP_IN=${WRAP_IN:-15}
LOSE_EVERY=20
say() { echo "uptime: $*"; }

need_root
netns_up
mkdir -p "$WORK/tree/site" && head -c 1048576 /dev/urandom >"$WORK/tree/site/1m.bin"
TWIN_ARGS=(--test-uptime "$((WRAP_MS / 1000 - WRAP_IN))")
export HOST_TAP_LOSE_EVERY=$LOSE_EVERY
dns_twin_start || {
	done_tests
	exit 1
}
unset HOST_TAP_LOSE_EVERY
CLIENT_RUN=(ip netns exec "$NS")

# The twin's clock in milliseconds, as the twin tells it: its log's
# "interface up ... at N ms", from before HTTP began, plus /metrics's
# uptime_seconds, counted from HTTP's start: an underestimate, by under a
# second and the time HTTP took to start. So a round counts as before the
# wrap 3 s before it, and as after it 1 s after.
base=$(sed -n 's/^net: interface up.* at \([0-9]*\) ms.*/\1/p' "$WORK/twin.log" | head -n 1)
twin_ms() {
	local s
	s=$(in_ns curl -sk --max-time 20 "https://$IP/metrics" |
		awk '$1 == "appliance_uptime_seconds" { print $2 }')
	[ -n "$s" ] && echo $((base + s * 1000))
}
check "the twin's clock starts $WRAP_IN s before lwIP's wraps: ${base:-?} ms when its interface came up, the wrap at $WRAP_MS" \
	[ "${base:-0}" -lt $WRAP_MS -a "${base:-0}" -ge $(((WRAP_MS / 1000 - WRAP_IN) * 1000)) ]

# ---- across the wrap ----

say "HTTPS and DNS over TCP until 5 s past the wrap (at most $((WRAP_IN + 30)) s), every ${LOSE_EVERY}th data segment of the twin's lost"
n=0 bad=0 before=0 after=0 end=$((SECONDS + WRAP_IN + 30))
while [ $SECONDS -lt $end ]; do
	t=$(twin_ms) || {
		bad=$((bad + 1))
		say "no /metrics"
		sleep 1
		continue
	}
	[ "$t" -lt $((WRAP_MS + 5000)) ] || break
	[ "$t" -ge $((WRAP_MS - 3000)) ] || before=$((before + 1))
	[ "$t" -le $((WRAP_MS + 1000)) ] || after=$((after + 1))
	n=$((n + 1))
	out=$(in_ns curl -sk --max-time 20 "https://$IP/" 2>&1)
	[ "$out" = "<h1>dns</h1>" ] || { bad=$((bad + 1)); say "round $n at $t ms: HTTPS: $out"; }
	out=$(d +tcp +short example.org SOA 2>&1)
	[[ $out == "ns1.example.org. "* ]] || { bad=$((bad + 1)); say "round $n at $t ms: DNS: $out"; }
done
check "$n rounds of HTTPS and DNS over TCP across the wrap ($before 3 s or more before it, $after 1 s or more after), $bad failed" \
	[ $bad = 0 -a $before -gt 0 -a $after -gt 0 ]
lost1=$(twin_lost "$WORK/twin.log")
check "... $lost1 of the twin's segments lost on the way, each sent again by lwIP" [ "$lost1" -ge 3 ]

# ---- after it ----

in_ns curl -sk --max-time 60 -o "$WORK/got" "https://$IP/1m.bin"
check "after the wrap: 1 MiB over HTTPS, byte for byte" cmp -s "$WORK/got" "$WORK/tree/site/1m.bin"
lost2=$(twin_lost "$WORK/twin.log")
check "... $((lost2 - lost1)) of its segments lost on the way, each sent again" [ $((lost2 - lost1)) -ge 20 ]
client_suite "$IP"
t=$(twin_ms)
check "the twin's clock is past the wrap: ${t:-?} ms" [ "${t:-0}" -gt $((WRAP_MS + 1000)) ]
check "the twin is still running" kill -0 "$TWIN_PID"
done_tests
