#!/bin/bash
# Usage: tests/bench/loss.sh [APPLIANCE [STORECTL]]   (as root)
# Benchmark (numbers, no pass/fail): HTTPS from the twin (lwIP, the guest's
# TCP) over a lossy wire. The twin loses each TCP segment with data it
# sends with probability 1/N (HOST_TAP_LOSE_EVERY=N HOST_TAP_LOSE_RANDOM=1,
# plat/host/tap.c: the same sequence each run), for 0, 2, 5 and 10%; a
# client in the namespace fetches 1 MiB over HTTPS three times at each
# (curl, at most BENCH_LOSS_MAX s each). lwIP has no SACK: most losses
# wait for its retransmission timeout, which TCP_TMR_INTERVAL
# (net/lwipopts.h) sets the floor of. Markdown on stdout, progress on
# stderr; about a minute.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/host/dns/twin.sh "${1:-build/host/appliance}" "${2:-build/host/storectl}"
MAX=${BENCH_LOSS_MAX:-120}
say() { echo "bench: loss: $*" >&2; }

need_root >&2
netns_setup || { say "no namespace"; exit 1; }
mkdir -p "$WORK/tree/site" && head -c 1048576 /dev/urandom >"$WORK/tree/site/1m.bin"
dns_twin_start >&2 || exit 1


rows=()
for every in 0 50 20 10; do
	pct=0
	[ $every = 0 ] || pct=$((100 / every))
	twin_stop
	log=$WORK/twin-$every.log
	HOST_TAP_LOSE_EVERY=$every HOST_TAP_LOSE_RANDOM=1 \
		twin_start "$log" "$WORK/dns.conf" 02:00:00:00:00:0d --disk "$WORK/store.img"
	wait_log "$log" "https on tcp port 443" 60 && wait_log "$log" "net: ready" 10 ||
		{ say "the twin did not start"; cat "$log" >&2; exit 1; }
	: >"$WORK/times"
	bad=0
	for i in 1 2 3; do
		out=$(in_ns curl -sk --max-time "$MAX" -o "$WORK/got" -w '%{time_total}' "https://$IP/1m.bin")
		if cmp -s "$WORK/got" "$WORK/tree/site/1m.bin"; then
			echo "$out" >>"$WORK/times"
		else
			bad=$((bad + 1))
		fi
		say "$pct% lost: fetch $i: ${out}s"
	done
	rows+=("| $pct% | $(median <"$WORK/times") | $(twin_lost "$log") | $bad |")
done
cat <<EOT
## HTTPS over a lossy wire (twin, lwIP)

1 MiB over HTTPS from the twin ($(basename "$TWIN")), each of its TCP segments with data lost with the probability given (the same sequence each run), three fetches at each; TCP_TMR_INTERVAL $(sed -n 's/^#define TCP_TMR_INTERVAL //p' net/lwipopts.h) ms.

| segments lost | seconds a fetch, median (min-max) | segments lost in all | fetches not whole in ${MAX} s |
|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

EOT
