#!/bin/bash
# Usage: tests/bench/guest-net.sh BOARD
# Benchmark (numbers, no pass/fail) of the guest's network path in QEMU
# (netfront -> dom0 bridge -> QEMU user net, TCG): time from QEMU start and
# from `xl create` to the first TCP echo reply, the guest's own clocks, heap,
# and TCP bulk throughput each way through forwarded ports (discard for
# host->guest, chargen for guest->host). Markdown on stdout.
set -uo pipefail
cd "$(dirname "$0")/../.."
board=${1:-qemu-virt}
img=${OUT:-out}/$board.img
work=${B:-build}/bench/net-$board
log=$work/serial.log
CLIENT=tests/host/echo_client.py
. tests/lib.sh
MB=${BENCH_GUEST_MB:-16}
mkdir -p "$work"
rm -f "$log"
ECHO_PORT=$(free_port) DISCARD_PORT=$(free_port) CHARGEN_PORT=$(free_port)
export ECHO_PORT DISCARD_PORT CHARGEN_PORT
# The diagnostic services are off in the shipped appliance.conf.
export QEMU_CONF=echo=on

start=$(date +%s%N)
QEMU_LOG=$log QEMU_TIMEOUT=600 HTTP_PORT=0 HTTPS_PORT=0 DNS_PORT=0 QEMU_PIDFILE=$work/qemu.pid \
	image/qemu.sh "$board" "$img" "$work/run" >&2 &
runner=$!
trap '[ -f "$work/qemu.pid" ] && kill "$(cat "$work/qemu.pid")" 2>/dev/null; wait $runner 2>/dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ms() { echo $((($(date +%s%N) - start) / 1000000)); }

# Poll the echo port until the first reply; QEMU accepts the forwarded
# connection itself, so only a reply proves the guest answered.
until "$PY" "$CLIENT" tcp 127.0.0.1 16 >/dev/null 2>&1; do
	kill -0 $runner 2>/dev/null || { echo "bench: QEMU ended" >&2; tail "$log" >&2; exit 1; }
	[ "$(ms)" -lt 300000 ] || { echo "bench: no echo in 300 s" >&2; exit 1; }
	sleep 0.2
done
first=$(ms)
# dom0 copies the guest's console to the serial line about once a second.
for i in $(seq 20); do
	grep -q 'echo: first tcp reply' "$log" && break
	sleep 0.5
done
created=$(grep -o 'dom0: guest appliance started.*' "$log" | head -1)
ready=$(grep -o 'guest: ready (domid [0-9]*): .*' "$log" | head -1)
reply=$(grep -o 'echo: first tcp reply [0-9]* ms after start' "$log" | head -1)
send=() recv=()
for r in 1 2 3; do
	send+=("$("$PY" "$CLIENT" send 127.0.0.1 $((MB * 1048576)))")
	recv+=("$("$PY" "$CLIENT" recv 127.0.0.1 $((MB * 1048576)))")
	echo "bench: run $r: host->guest ${send[-1]} Mbit/s, guest->host ${recv[-1]} Mbit/s" >&2
done
best() { printf '%s\n' "$@" | sort -n | tail -1; }

echo "## Guest network on $board (QEMU TCG, user networking)"
echo
echo "| measure | value |"
echo "|---|---|"
echo "| guest image \`guest.zImage\` / stripped ELF | $(stat -c %s "${B:-build}/guest/guest.zImage") / $(stat -c %s "${B:-build}/guest/guest.stripped.elf") bytes |"
echo "| QEMU start to first TCP echo reply (wall) | $first ms |"
echo "| dom0 \`xl create\` done (dom0 uptime) | ${created#dom0: guest appliance started } |"
echo "| guest ready, guest clocks and heap | ${ready#guest: ready } |"
echo "| first echo reply, guest clock (since domain creation) | ${reply#echo: first tcp reply } |"
echo "| TCP host->guest (discard), $MB MiB, Mbit/s | best $(best "${send[@]}") (runs: ${send[*]}) |"
echo "| TCP guest->host (chargen), $MB MiB, Mbit/s | best $(best "${recv[@]}") (runs: ${recv[*]}) |"
echo
