#!/bin/bash
# Usage: tests/qemu/guest-crash.sh BOARD
#
# The panic path: with selftest=crash the guest writes through a bad
# pointer right after "guest: ready". It must report the data abort, its
# registers and a backtrace (EHABI unwind tables) that names the faulting
# function and its callers (resolved here with addr2line on the guest's
# ELF), stop with SHUTDOWN_crash, and be restarted by xl
# (on_crash="restart") as a new domain that reaches "guest: ready" again.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/qemu/guest-lib.sh
board=${1:?usage: tests/qemu/guest-crash.sh BOARD}
elf=${B:-build}/guest/guest.elf

if guest_boot "$board" crash; then
	in_order "$board: crash reported, then a restarted guest is ready" \
		'^guest: ready \(domid' \
		'^guest: selftest crash: writing to 0x10' \
		'^guest: fatal exception: data abort .*dfar=0x00000010' \
		'^guest: pc=0x[0-9a-f]{8} lr=' \
		'^guest: backtrace #00 ' \
		'^guest: backtrace end' \
		'^guest: stopping with SHUTDOWN_crash' \
		'^guest: ready \(domid' \
		'^guest: clean exit \(poweroff\)'
	domids=$(ready_domids | tr '\n' ' ')
	check "$board: the restarted guest is a new domain (domids: $domids)" \
		test "$(ready_domids | wc -l)" -ge 2
	frames=$(sed -n 's/^guest: backtrace #[0-9]* \(0x[0-9a-f]*\)$/\1/p' "$guest_log")
	names=$(echo "$frames" | xargs -r arm-none-eabi-addr2line -f -e "$elf" | sed -n '1~2p' | tr '\n' ' ')
	echo "backtrace: $names"
	check "$board: backtrace has at least 3 frames" test "$(echo "$frames" | grep -c .)" -ge 3
	check "$board: backtrace starts in the faulting function" \
		test "$(echo "$names" | cut -d' ' -f1)" = selftest_crash_now
	check "$board: backtrace reaches main" grep -qw main <<<"$names"
	check "$board: dom0 self-test passed" grep -q 'dom0: selftest passed' "$log"
	check "$board: QEMU run ended on the self-test result (qemu.sh exit $qemu_rc)" \
		test "$qemu_rc" = 0
	echo "bench: wall time of the test boot: $wall s"
fi
guest_diagnose
done_tests
