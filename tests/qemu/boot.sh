#!/bin/bash
# Usage: tests/qemu/boot.sh BOARD
#
# Boots out/BOARD.img in QEMU exactly as a user would (image/qemu.sh), with
# only appliance.conf changed to ask dom0 for its self-test: once the guest
# prints its banner, dom0 runs `xl shutdown` and the guest must exit cleanly.
# Asserts each stage of the boot chain appears on the serial console, in
# order, and reports the wall time at which each stage first appeared.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
board=${1:?usage: tests/qemu/boot.sh BOARD}
eval "$(image/board-env.sh "$board")" || exit 1
img=out/$board.img
work=${B:-build}/test/qemu-$board
timeout_s=${QEMU_TIMEOUT:-480}
mkdir -p "$work"
log=$work/serial.log
marks=$work/marks

# The stages, as "name|must follow|regex". Lines from the guest reach the
# serial console through dom0's copy of its console log, so they interleave
# freely with dom0's own lines: only causal order is asserted.
stages=()
xen_after=
if [ -n "$UBOOT_DEFCONFIG" ]; then
	stages+=("U-Boot SPL||U-Boot SPL 20"
		"U-Boot proper|U-Boot SPL|^U-Boot 20[0-9][0-9]"
		"boot.scr|U-Boot proper|appliance: boot.scr for ")
	xen_after=boot.scr
fi
stages+=("Xen|$xen_after|Xen version 4\\.17"
	"dom0 init|Xen|dom0: init on "
	"guest banner|dom0 init|guest: ready"
	"dom0 runs xl shutdown|dom0 init|dom0: selftest: guest is ready, shutting it down"
	"guest clean exit|guest banner|guest: clean exit \\(poweroff\\)"
	"dom0 sees the guest gone|dom0 runs xl shutdown|dom0: guest shut down"
	"dom0 self-test passed|guest clean exit|dom0: selftest passed")

if [ ! -f "$img" ]; then
	fail "$img exists (build it with: make $img BOARD=$board)"
	done_tests
	exit 1
fi

rm -f "$log" "$work/qemu.pid"
echo "qemu-test: booting $board (at most ${timeout_s}s); serial log in $log"
start=$(date +%s.%N)
QEMU_SELFTEST=shutdown QEMU_LOG=$log QEMU_TIMEOUT=$timeout_s \
	QEMU_UNTIL='dom0: selftest (passed|failed)|dom0: error|panic|Panic|PANIC' \
	HTTP_PORT=0 HTTPS_PORT=0 EDIT_PORT= DNS_PORT=0 QEMU_PIDFILE=$work/qemu.pid \
	image/qemu.sh "$board" "$img" "$work/run" &
qpid=$!
# On any exit, QEMU (under `timeout`) by its pid file, and image/qemu.sh.
trap '[ -f "$work/qemu.pid" ] && kill "$(cat "$work/qemu.pid")" 2>/dev/null; kill $qpid 2>/dev/null; wait $qpid 2>/dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Note when each stage first shows up, and print progress for a watcher.
# The host's clock when the guest's wall clock line first appears (polled
# every 0.1 s) is what that line is compared with.
: >"$marks"
seen=0
wall_seen=
while kill -0 $qpid 2>/dev/null || [ $seen -lt ${#stages[@]} ]; do
	alive=0
	kill -0 $qpid 2>/dev/null && alive=1
	for i in "${!stages[@]}"; do
		IFS='|' read -r name _ re <<<"${stages[$i]}"
		grep -q "^$name|" "$marks" && continue
		if grep -Eq -- "$re" "$log" 2>/dev/null; then
			t=$(echo "$(date +%s.%N) - $start" | bc)
			printf '%s|%.1f\n' "$name" "$t" >>"$marks"
			printf 'qemu-test: %6.1f s  %s\n' "$t" "$name"
			seen=$((seen + 1))
		fi
	done
	[ -n "$wall_seen" ] || ! grep -q 'guest: wall clock' "$log" 2>/dev/null || wall_seen=$(date +%s.%N)
	[ $alive = 1 ] || break
	sleep 0.1
done
wait $qpid
qrc=$?
trap - EXIT # image/qemu.sh waited for QEMU: nothing of ours runs any more

declare -A at
for i in "${!stages[@]}"; do
	IFS='|' read -r name after re <<<"${stages[$i]}"
	line=$(grep -En -- "$re" "$log" | head -1 | cut -d: -f1)
	at[$name]=$line
	if [ -z "$line" ]; then
		fail "$board: $name (no line matching '$re')"
	elif [ -n "$after" ] && [ "${at[$after]:-999999}" -gt "$line" ]; then
		fail "$board: $name (serial line $line) came before $after (line ${at[$after]:-none})"
	else
		ok "$board: $name at $(grep "^$name|" "$marks" | cut -d'|' -f2) s (serial line $line)"
	fi
done
# The guest's wall clock against the host's. Its source: QEMU's RTC (the
# host's clock, in whole seconds: Linux's hctosys sets dom0 to the middle
# of the second, +-0.5 s), through dom0 to Xen, less the skew dom0 measures
# (hypervisor/dom0/clockskew.c: without it the guest ran 5 s ahead here).
# What remains is Xen on ARM keeping each domain's offset in whole seconds
# (-1..+1 s). The line reaches us through dom0's `tail -F`, which reads
# once a second, and our 0.1 s poll: the measured difference is up to
# 1.1 s lower than the guest's error. So: error within 1.5 s, the
# measurement within (-2.6, 1.5).
# All of this assumes the ARM generic timer counts at the rate CNTFRQ
# states, as on every real board. QEMU 7.2's orangepi-pc does not: the
# counter runs at 62.5 MHz while U-Boot sets CNTFRQ to the H3's 24 MHz, so
# every clock built on it runs 2.6 times fast. The rate is measured here
# (dom0's uptime between two of its lines against our clock) and the
# comparison is made only where it is right.
rate=$(awk -F'|' '$1 == "dom0 init" { a = $2 } $1 == "dom0 self-test passed" { b = $2 }
	END { if (a && b) print a, b }' "$marks")
up_a=$(grep -o 'dom0: init on .*\[[0-9.]*s\]' "$log" | head -1 | sed 's/.*\[\([0-9.]*\)s\]/\1/')
up_b=$(grep -o 'dom0: selftest passed.*\[[0-9.]*s\]' "$log" | head -1 | sed 's/.*\[\([0-9.]*\)s\]/\1/')
ratio=
if [ -n "$rate" ] && [ -n "$up_a" ] && [ -n "$up_b" ]; then
	read -r host_a host_b <<<"$rate"
	ratio=$(echo "scale=2; ($up_b - $up_a) / ($host_b - $host_a)" | bc 2>/dev/null)
fi
wall=$(sed -n 's/.*guest: wall clock \([0-9.]*\) .*/\1/p' "$log" | head -1)
if [ -z "$wall" ] || [ -z "$wall_seen" ]; then
	fail "$board: the guest printed its wall clock"
elif [ -z "$ratio" ] || [ "$(echo "$ratio < 0.9 || $ratio > 1.1" | bc)" = 1 ]; then
	echo "note: $board: the emulated generic timer runs ${ratio:-?} times real time;" \
		"the guest's wall clock ($wall) is compared on a board whose counter keeps time"
else
	d=$(echo "$wall - $wall_seen" | bc)
	check "$board: guest wall clock is the host's within 1.5 s (guest - host as seen = $d s)" \
		bash -c "[ \$(echo '$d > -2.6 && $d < 1.5' | bc) = 1 ]"
fi
if [ -n "$UBOOT_DEFCONFIG" ]; then
	# hypervisor/u-boot.config: no wait for a key, no USB scan before
	# boot.scr (together 8.9 s of orangepi-pc's 10.8 s in U-Boot before).
	check "$board: U-Boot waits for no key: $(grep -ao 'Hit any key to stop autoboot:[ 0-9]*' "$log" | head -1)" \
		grep -aEq 'Hit any key to stop autoboot: +0 *$' <(tr -d '\r' <"$log")
	check "$board: U-Boot does not scan USB before boot.scr" \
		not grep -aq 'starting USB' "$log"
fi
check "$board: no panic or dom0 error on the console" \
	bash -c "! grep -Eq 'dom0: error|Kernel panic|Xen BUG|PANIC' '$log'"
# The shipped appliance.conf leaves the diagnostic services off.
if grep -q 'net: ready' "$log"; then
	check "$board: echo, discard and chargen off by default (not started)" \
		bash -c "! grep -Eq 'echo: tcp and udp port|bulk: tcp discard' '$log'"
fi
check "$board: QEMU run ended on the self-test result (qemu.sh exit $qrc)" test "$qrc" = 0
if [ "$T_FAIL" != 0 ]; then
	echo "---- last 40 lines of $log ----"
	tail -n 40 "$log"
fi
done_tests
