#!/bin/bash
# Usage: tests/qemu/guest-refuse.sh BOARD
#
# The product image must refuse the self-tests that write the disk or
# crash on purpose (guest/selftest.h): they are test hooks, and a shipped
# guest that obeyed selftest=blk in appliance.conf would overwrite the end
# of the user's store. One boot of out/BOARD.img: dom0 (mode refuse) gives
# the first guest instance selftest=blk, reboots it with xl and gives the
# second selftest=crash. Each must be refused on the console, the disk
# must be left as it was and the guest must go on to a clean shutdown.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/qemu/guest-lib.sh
board=${1:?usage: tests/qemu/guest-refuse.sh BOARD}
img=out/$board.img

if guest_boot "$board" refuse "$img"; then
	in_order "$board: selftest=blk and selftest=crash refused, then a clean exit" \
		'^guest: ready \(domid' \
		'^guest: selftest=blk refused: this image is not a test build' \
		'^guest: clean exit \(reboot\)' \
		'^guest: ready \(domid' \
		'^guest: selftest=crash refused: this image is not a test build' \
		'^guest: clean exit \(poweroff\)'
	check "$board: the guest is not the test build" \
		bash -c "! grep -q '^guest: test build' '$guest_log'"
	check "$board: no disk pattern written" \
		bash -c "! grep -q 'selftest blk' '$guest_log'"
	check "$board: the end of the disk is as the image shipped it" \
		cmp -s <(tail -c 524288 "$img") <(tail -c 524288 "$disk")
	check "$board: the guest did not crash" \
		bash -c "! grep -Eq 'fatal exception|panic|SHUTDOWN_crash' '$guest_log'"
	check "$board: dom0 self-test passed" grep -q 'dom0: selftest passed' "$log"
	check "$board: QEMU run ended on the self-test result (qemu.sh exit $qemu_rc)" \
		test "$qemu_rc" = 0
	echo "bench: wall time of the test boot: $wall s"
fi
guest_diagnose
done_tests
