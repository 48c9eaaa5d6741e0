#!/bin/bash
# Usage: tests/host/bench-tcp.sh APPLIANCE
# Benchmark (numbers, no pass/fail): the host twin over TAP in a network
# namespace of its own. TCP echo bulk rate (the client sends and reads at
# once, so the figure is the payload rate in each direction), UDP/TCP set-up
# latency from start to the first echo, and the twin's heap. Markdown on
# stdout, progress on stderr.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance}")
CLIENT=tests/host/echo_client.py
SIZE_MB=${BENCH_TCP_MB:-64}
RUNS=${BENCH_TCP_RUNS:-3}

need_root >&2
netns_setup || exit 1
printf 'hostname=bench\nip=192.0.2.2/24\nip6=fd00:db8::2/64\necho=on\n' >"$WORK/b.conf"
start=$(date +%s%N)
twin_start "$WORK/b.log" "$WORK/b.conf" 02:00:00:00:00:02
until in_ns "$PY" "$CLIENT" udp 192.0.2.2 16 >/dev/null 2>&1; do
	kill -0 "$TWIN_PID" 2>/dev/null || { cat "$WORK/b.log" >&2; exit 1; }
done
first_ms=$((($(date +%s%N) - start) / 1000000))

echo "## Host twin: TCP echo through TAP (lwIP, \`$(basename "$TWIN")\`)"
echo
echo "| measure | value |"
echo "|---|---|"
echo "| start to first UDP echo reply | $first_ms ms |"
for fam in 192.0.2.2 fd00:db8::2; do
	rates=()
	for ((r = 0; r < RUNS; r++)); do
		rates+=("$(in_ns "$PY" "$CLIENT" bench "$fam" $((SIZE_MB * 1048576)))")
		echo "bench: tcp $fam run $r: ${rates[-1]} Mbit/s" >&2
	done
	echo "| TCP echo $SIZE_MB MiB to $fam, Mbit/s each way (runs: ${rates[*]}) | best $(printf '%s\n' "${rates[@]}" | sort -n | tail -1) |"
done
twin_stop
echo "| twin's heap at start (mallinfo2, bytes) | $(sed -n 's/.*ready, heap \([0-9]*\) bytes.*/\1/p' "$WORK/b.log") |"
echo "| twin's heap peak, sampled each second (bytes) | $(sed -n 's/.*peak \([0-9]*\) sampled.*/\1/p' "$WORK/b.log") |"
echo
