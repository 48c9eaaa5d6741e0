#!/bin/bash
# Usage: tests/bench/guest-net.sh BOARD
# Benchmark (numbers, no pass/fail) of the guest's network path in QEMU
# (netfront -> dom0 bridge -> QEMU, TCG), in two boots:
#   - DHCP, from QEMU's user networking (its built-in DHCP server), with the
#     echo, discard and chargen ports forwarded on 127.0.0.1;
#   - a static address (ip=192.0.2.2/24) on a TAP device in a network
#     namespace of its own (as root; tests/host/netns.sh, as the DNS test
#     boots), the client on the namespace's side of the TAP.
# For each, the time to the first answer, step by step (issue 13), from
# dom0's "create" (launch) line:
#   - dom0's steps by its own clock (the uptime its lines carry): the vif
#     on the bridge, the end of launch create, the guest's configuration and
#     seed written, the vif's port forwarding (the kernel's log);
#   - the first TCP echo reply to a client that tries a new connection
#     every 20 ms (tests/qemu/first_answer.py), timed from the moment this
#     host sees the "create" line on the serial console (dom0's lines
#     are written at once);
#   - in the guest, on its own clock (ms since the domain was created; dom0
#     copies its console with a delay, so its lines carry their time): the
#     first instruction, netfront connected, seed and configuration read,
#     the interface up, each DHCP message, the first frame in, the first
#     echo reply sent. The guest's first instruction comes at the end of
#     launch create (launch unpauses it just before the vif goes on the bridge), which places its clock on the
#     console's.
# Then, on the DHCP boot, the guest's heap and TCP bulk throughput each way
# through forwarded ports (discard for host->guest, chargen for
# guest->host). Markdown on stdout.
set -uo pipefail
cd "$(dirname "$0")/../.."
board=${1:-qemu-virt}
img=${OUT:-out}/$board.img
base=${B:-build}/bench/net-$board
CLIENT=tests/host/echo_client.py
PROBE=tests/qemu/first_answer.py
. tests/lib.sh
. tests/qemu/run-lib.sh
MB=${BENCH_GUEST_MB:-16}
IP=192.0.2.2
mkdir -p "$base"
# The diagnostic services are off in the shipped appliance.conf.
export QEMU_CONF=echo=on QEMU_TIMEOUT=600

# probe HOST PORT OUT [NETNS]: the first answer, timed from the create line.
probe() {
	local in_netns=()
	[ -z "${4:-}" ] || in_netns=(ip netns exec "$4")
	"${in_netns[@]}" "$PY" "$PROBE" "$log" 'dom0: (xl )?create [a-z]+ \[' "$1" "$2" 300 >"$3"
}

# The guest's own stamps: the number before " ms" on its first line
# matching an extended regex.
guest_ms() { grep -Eo -- "$1.* [0-9]+ ms" "$log" | head -1 | grep -Eo '[0-9]+ ms$' | cut -d' ' -f1; }
# dom0's: ms from its "create" line to its first line matching an
# extended regex, by dom0's uptime ("[12.34s]", or "since 12.34s").
dom0_ms() {
	grep -E -- "dom0: (xl )?create [a-z]+ \[|$1" "$log" | grep -Eo '(\[|since )[0-9.]+s' | tr -d '[since s' |
		awk 'NR == 1 { t0 = $1 } NR == 2 { printf "%.0f\n", ($1 - t0) * 1000 }'
}

# steps OUT: the per-step values of one boot, "name|value" lines.
steps() {
	local out=$1 ready first conn answer
	ready=$(grep -Eo 'guest: ready \(domid [0-9]+\): [0-9]+ ms after the first instruction \([0-9]+' "$log" | head -1)
	first=$(echo "$ready" | sed -E 's/.*: ([0-9]+) ms after the first instruction \(([0-9]+)/\2 \1/' | awk '{ print $1 - $2 }')
	conn=$(dom0_ms 'dom0: (xl )?create [a-z]+ done')
	answer=$(awk '$1 == "answer" { print $2 }' "$out")
	echo "dom0: vif on br0, the guest configured (launch done)|$(dom0_ms 'launch: domid')"
	echo "dom0: launch create returns|$conn"
	echo "dom0: the guest booked (its configuration and seed written by launch, before the unpause)|$(dom0_ms 'dom0: configuration and seed written')"
	echo "dom0: vif port forwarding (kernel log)|$(dom0_ms 'dom0: vif[0-9.]+ forwarding')"
	echo "**first TCP echo reply at the client (console)**|**$answer**"
	echo "**... after launch create returned**|**$([ -n "$answer" ] && [ -n "$conn" ] && echo $((answer - conn)))**"
	echo "guest: first instruction (guest clock)|$first"
	echo "guest: blkfront connected|$(guest_ms 'blkfront: .*connected at')"
	echo "guest: netfront connected|$(guest_ms 'netfront: .*connected at')"
	echo "guest: seed and configuration read|$(guest_ms 'guest: entropy: .*consumed at')"
	echo "guest: ready|$(echo "$ready" | grep -Eo '[0-9]+$')"
	echo "guest: interface up|$(guest_ms 'net: interface up')"
	echo "guest: DHCP discover sent|$(guest_ms 'net: dhcp: discover 1 sent at')"
	echo "guest: DHCP offer in, request sent|$(guest_ms 'net: dhcp: offer of')"
	echo "guest: IPv4 address set (DHCP: the ack in)|$(guest_ms 'net: ipv4 [0-9.]+/')"
	echo "guest: first frame in|$(guest_ms 'net: first frame in at')"
	echo "guest: first TCP echo reply sent|$(guest_ms 'echo: first tcp reply')"
	echo "guest clock 0 (domain created) after the create line (estimate: its first instruction at launch create's end)|$([ -n "$first" ] && [ -n "$conn" ] && echo $((conn - first)))"
}

# wait_line REGEX: dom0 relays the guest's console about once a second,
# and reports the vif's forwarding 5 s after it configured the guest.
wait_line() { wait_for "$1" 20 || echo "bench: no '$1' in $log" >&2; }

# ---- DHCP, user networking ----
ECHO_PORT=$(free_port) DISCARD_PORT=$(free_port) CHARGEN_PORT=$(free_port)
export ECHO_PORT DISCARD_PORT CHARGEN_PORT
start=$(date +%s%N)
qemu_run "$board" "$img" "$base/dhcp"
echo "bench: DHCP boot, serial log in $log" >&2
probe 127.0.0.1 "$ECHO_PORT" "$base/dhcp/probe.txt" || { echo "bench: no answer (DHCP)" >&2; tail "$log" >&2; }
first_wall=$((($(date +%s%N) - start) / 1000000))
wait_line 'echo: first tcp reply'
wait_line 'dom0: vif[0-9.]+ forwarding'
steps "$base/dhcp/probe.txt" >"$base/dhcp/steps.txt"
ready=$(grep -o 'guest: ready (domid [0-9]*): .*' "$log" | head -1)
send=() recv=()
for r in 1 2 3; do
	send+=("$("$PY" "$CLIENT" send 127.0.0.1 $((MB * 1048576)))")
	recv+=("$("$PY" "$CLIENT" recv 127.0.0.1 $((MB * 1048576)))")
	echo "bench: run $r: host->guest ${send[-1]} Mbit/s, guest->host ${recv[-1]} Mbit/s" >&2
done
stop_qemu
trap - EXIT
best() { printf '%s\n' "$@" | sort -n | tail -1; }

# ---- a static address, TAP in a namespace ----
static=
if [ "$(id -u)" = 0 ]; then
	. tests/host/netns.sh
	if netns_setup; then
		unset ECHO_PORT DISCARD_PORT CHARGEN_PORT
		export QEMU_TAP=tap0 QEMU_CONF="echo=on ip=$IP/24"
		qemu_run "$board" "$img" "$base/static" "$NS"
		trap 'stop_qemu; netns_cleanup' EXIT
		echo "bench: static boot in $NS, serial log in $log" >&2
		probe "$IP" 7 "$base/static/probe.txt" "$NS" || { echo "bench: no answer (static)" >&2; tail "$log" >&2; }
		wait_line 'echo: first tcp reply'
		wait_line 'dom0: vif[0-9.]+ forwarding'
		steps "$base/static/probe.txt" >"$base/static/steps.txt"
		static=1
		stop_qemu
	fi
	netns_cleanup
fi

echo "## Guest network on $board (QEMU TCG)"
echo
echo "Time to the first answer, step by step, in ms. dom0's steps and the client's answer: after"
echo "dom0's \`create\` line, launch's (by dom0's clock; the answer as this host sees the serial console);"
echo "the guest's: on its own clock, since its domain was created. DHCP: QEMU's user networking;"
echo "static: ip=$IP/24 on a TAP device."
echo
echo "| step | DHCP | static |"
echo "|---|---|---|"
if [ -n "$static" ]; then
	paste -d'|' "$base/dhcp/steps.txt" <(cut -d'|' -f2 "$base/static/steps.txt") |
		awk -F'|' '{ printf "| %s | %s | %s |\n", $1, ($2 == "" ? "-" : $2), ($3 == "" ? "-" : $3) }'
else
	awk -F'|' '{ printf "| %s | %s | (needs root) |\n", $1, ($2 == "" ? "-" : $2) }' "$base/dhcp/steps.txt"
fi
echo
echo "| measure | value |"
echo "|---|---|"
echo "| guest image \`guest.zImage\` / stripped ELF | $(stat -c %s "${B:-build}/guest/guest.zImage") / $(stat -c %s "${B:-build}/guest/guest.stripped.elf") bytes |"
echo "| QEMU start to first TCP echo reply (wall, DHCP boot) | $first_wall ms |"
echo "| guest ready, guest clocks and heap | ${ready#guest: ready } |"
echo "| TCP host->guest (discard), $MB MiB, Mbit/s | best $(best "${send[@]}") (runs: ${send[*]}) |"
echo "| TCP guest->host (chargen), $MB MiB, Mbit/s | best $(best "${recv[@]}") (runs: ${recv[*]}) |"
echo
