#!/bin/bash
# Usage: tests/qemu/guest-blk.sh BOARD
#
# blkfront across a reboot: with selftest=blk the guest writes a 512 KiB
# pattern at the end of its disk (xvda, the STORE partition of a private
# copy of the image), flushes and reads it back; dom0 then runs
# `xl reboot`, and the rebooted guest must find the same pattern intact
# before writing the next generation. Ends with a clean `xl shutdown`.
# Boots the test image: the product guest refuses selftest=blk
# (tests/qemu/guest-refuse.sh).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/qemu/guest-lib.sh
board=${1:?usage: tests/qemu/guest-blk.sh BOARD}

if guest_boot "$board" blk; then
	in_order "$board: pattern written, guest rebooted by xl, pattern read back" \
		'^guest: ready \(domid' \
		'^guest: selftest blk: pattern generation 1 written and flushed' \
		'^guest: reboot requested by the toolstack' \
		'^guest: clean exit \(reboot\)' \
		'^guest: selftest blk: pattern generation 1 read back intact' \
		'^guest: selftest blk: pattern generation 2 written and flushed' \
		'^guest: clean exit \(poweroff\)'
	check "$board: two guest instances (the reboot made a new domain)" \
		test "$(ready_domids | wc -l)" -ge 2
	check "$board: no corruption or failure reported" \
		bash -c "! grep -Eq 'selftest blk: .*(CORRUPT|FAILED)|blkfront: .*(bad id|failed|gone)' '$guest_log'"
	check "$board: the pattern is at the end of the disk QEMU ran on" \
		bash -c "tail -c 524288 '$disk' | head -c 22 | grep -q 'appliance blk selftest'"
	check "$board: blkfront negotiated flush or barrier" \
		grep -Eq '^blkfront: .* sectors of [0-9]+ bytes.*, (flush|barrier)' "$guest_log"
	check "$board: a launch that fails half way (no kernel) leaves no domain, xenstore directory or backend: $(grep -o 'launch: error: .*' "$log" | head -1)" \
		grep -Eq 'dom0: selftest: a launch that failed at the kernel left nothing of domid [0-9]+' "$log"
	check "$board: dom0 self-test passed" grep -q 'dom0: selftest passed' "$log"
	check "$board: QEMU run ended on the self-test result (qemu.sh exit $qemu_rc)" \
		test "$qemu_rc" = 0
	echo "bench: blk selftest timings: $(grep -o 'write+flush [0-9]* us, read [0-9]* us' "$guest_log" | tr '\n' ';')"
	echo "bench: wall time of the test boot: $wall s"
fi
guest_diagnose
done_tests
