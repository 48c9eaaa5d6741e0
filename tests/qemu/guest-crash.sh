#!/bin/bash
# Usage: tests/qemu/guest-crash.sh BOARD
#
# The panic path and the guest's memory protection, in one boot of the
# test image (its guest is the test build, guest/selftest.h). dom0 hands
# each instance of the guest one self-test (hypervisor/dom0/init, mode
# crash), and xl restarts each crashed instance (on_crash="restart") as a
# new domain:
#
#   1 crash  a write through a bad pointer: the data abort, its registers
#            and a backtrace (EHABI unwind tables) that names the faulting
#            function and its callers (resolved here with addr2line on the
#            guest's ELF)
#   2 stack  a recursion far deeper than the stack: it must fault in the
#            guard page below the stack, reported as a stack overflow,
#            instead of running on over the BSS
#   3 exec   a call into writable memory: a prefetch abort (W^X)
#   4 write  a write into the guest's text: a permission fault (W^X)
#   5 stuck  once dom0 stopped xenconsoled, several times the console
#            ring's worth of lines with IRQs masked (as on the panic
#            path), then a crash: the console must give up waiting, so
#            the guest crashes (dom0 watches with xl list) and xl restarts
#            it instead of a hang
#   6        no self-test: ready, then a clean shutdown
#
# The first restart (after instance 1's crash) is made to fail in dom0
# (launch.h, LAUNCH_FAIL_NEXT_RESTART): launch must try again, and go on
# supervising, instead of ending as it did.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/qemu/guest-lib.sh
board=${1:?usage: tests/qemu/guest-crash.sh BOARD}
elf=${B:-build}/guest/test/guest.elf

# The text of instance N's part of the guest log (N from 1).
instance_log() {
	awk -v n="$1" '/^guest: appliance unikernel / { i++ } i == n' "$guest_log"
}

# The function names of instance N's backtrace.
backtrace_names() {
	instance_log "$1" | sed -n 's/^guest: backtrace #[0-9]* \(0x[0-9a-f]*\)$/\1/p' |
		xargs -r arm-none-eabi-addr2line -f -e "$elf" | sed -n '1~2p' | tr '\n' ' '
}

check_crash() {
	local names
	in_order "$board: crash reported, then a restarted guest is ready" \
		'^guest: ready \(domid' \
		'^guest: selftest crash: writing to 0x10' \
		'^guest: fatal exception: data abort .*dfar=0x00000010' \
		'^guest: data abort: translation fault \(unmapped\) on a write' \
		'^guest: pc=0x[0-9a-f]{8} lr=' \
		'^guest: backtrace #00 ' \
		'^guest: backtrace end' \
		'^guest: stopping with SHUTDOWN_crash' \
		'^guest: ready \(domid'
	names=$(backtrace_names 1)
	echo "crash backtrace: $names"
	check "$board: crash backtrace has at least 3 frames" test "$(wc -w <<<"$names")" -ge 3
	check "$board: crash backtrace starts in the faulting function" \
		test "$(echo "$names" | cut -d' ' -f1)" = selftest_crash_now
	check "$board: crash backtrace reaches main" grep -qw main <<<"$names"
}

check_stack() {
	local guard names
	guard=$(arm-none-eabi-nm "$elf" | sed -n 's/^\([0-9a-f]*\) . __stack_guard$/\1/p')
	in_order "$board: deep recursion stopped by the guard page" \
		'^guest: selftest stack: recursing [0-9]+ frames of 256 bytes into a 64 KiB stack' \
		"^guest: fatal exception: data abort .*dfar=0x${guard:0:5}" \
		"^guest: stack overflow: the stack grew into its guard page 0x$guard" \
		'^guest: backtrace end' \
		'^guest: stopping with SHUTDOWN_crash' \
		'^guest: ready \(domid'
	check "$board: the recursion did not run on past the guard" \
		bash -c "! grep -q 'selftest stack: FAILED' '$guest_log'"
	names=$(backtrace_names 2)
	echo "stack overflow backtrace: $names"
	check "$board: stack overflow backtrace starts in the recursion" \
		grep -q '^selftest_recurse' <<<"$names"
}

check_wx() {
	in_order "$board: writable memory does not run as code (W^X)" \
		'^guest: selftest exec: calling writable memory at 0x' \
		'^guest: fatal exception: prefetch abort' \
		'^guest: prefetch abort: permission fault on an instruction fetch' \
		'^guest: stopping with SHUTDOWN_crash'
	in_order "$board: the guest's text is read-only (W^X)" \
		'^guest: selftest write: writing to text at 0x' \
		'^guest: fatal exception: data abort' \
		'^guest: data abort: permission fault on a write' \
		'^guest: stopping with SHUTDOWN_crash' \
		'^guest: ready \(domid' \
		'^guest: clean exit \(poweroff\)'
	check "$board: no self-test reported FAILED" \
		bash -c "! grep -q 'selftest [a-z]*: FAILED' '$guest_log'"
}

check_stuck() {
	check "$board: with xenconsoled stopped the guest still crashed and was restarted" \
		grep -q 'dom0: selftest: with xenconsoled stopped the guest still crashed' "$log"
	check "$board: the restarted domain waited, paused, until xenconsoled served its console: $(grep -o 'made while xenconsoled is stopped: .*' "$log" | head -1)" \
		grep -Eq 'dom0: selftest: domid [0-9]+ made while xenconsoled is stopped: [a-z-]*p' "$log"
}

if guest_boot "$board" crash; then
	echo "domids: $(ready_domids | tr '\n' ' ')"
	check "$board: at least five instances seen ready, each a new domain" \
		test "$(ready_domids | wc -l)" -ge 5
	check "$board: the guest is the test build" \
		grep -q '^guest: test build: ' "$guest_log"
	# xl restarts each crashed instance, and dom0's vif hotplug writes its
	# configuration and seed from the one dom0's init keeps ready
	# (book_restarts): every instance must get its seed, or it runs
	# without TLS.
	check "$board: every restarted instance had its entropy seed" \
		test "$(grep -c 'guest: entropy: 256-bit seed from dom0' "$guest_log")" -ge \
		"$(ready_domids | wc -l)" -a -z "$(grep 'no entropy seed' "$guest_log")"
	check_crash
	check_stack
	check_wx
	check_stuck
	# dom0 had launch's first restart fail: it must try again, and not
	# stop supervising (each later crash needs it).
	check "$board: launch's first restart failed, as asked, and it made the guest again" \
		grep -q "dom0: selftest: launch's first restart failed, as asked" "$log"
	check "$board: dom0 self-test passed" grep -q 'dom0: selftest passed' "$log"
	check "$board: QEMU run ended on the self-test result (qemu.sh exit $qemu_rc)" \
		test "$qemu_rc" = 0
	echo "bench: wall time of the test boot: $wall s"
fi
guest_diagnose
done_tests
