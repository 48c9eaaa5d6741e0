#!/bin/bash
# Usage: tests/qemu/store-stall.sh BOARD
#
# The store takes a 10 MiB push while the event loop goes on: the test
# build of the guest (selftest=storewrite) streams a 10 MiB pack into the
# store 64 KiB per turn of the loop, timing every call, and a client here
# keeps a TCP echo conversation going through the whole of it. The echo
# must answer throughout; the longest round trip, the guest's longest
# call and the same 10 MiB added as one whole-buffer call are reported.
# After QEMU stops, the store on the disk it ran on passes fsck and holds
# the pushed blob under the ref the guest set.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/qemu/run-lib.sh
board=${1:?usage: tests/qemu/store-stall.sh BOARD}
img=${B:-build}/image/test/$board.img
work=${B:-build}/test/store-stall-$board
log=$work/serial.log
CLIENT=tests/host/echo_client.py
STORECTL=${STORECTL:-${B:-build}/host/storectl}
mkdir -p "$work"
rm -f "$work/rtt.out"
[ -f "$img" ] || { fail "$img exists (make $img)"; done_tests; exit 1; }

export QEMU_CONF="selftest=storewrite echo=on"
ECHO_PORT=$(free_port)
export ECHO_PORT
echo "qemu-store-stall: booting $img, echo on 127.0.0.1:$ECHO_PORT; serial log in $log"
QEMU_TIMEOUT=${QEMU_TIMEOUT:-600} qemu_run "$board" "$img" "$work"
watcher=
stop_extra() { [ -z "$watcher" ] || kill "$watcher" 2>/dev/null; }

if wait_for 'echo: tcp and udp port 7' 300 && grep -q 'store: opened in' "$log"; then
	ok "guest up with echo on and the store open: $(grep -o 'store: opened in.*' "$log" | head -1)"
else
	fail "guest up with echo on and the store open"
	tail -n 30 "$log"
	done_tests
	exit 1
fi
# The conversation runs from before the push starts until it is done (its
# end and the ref update included; the whole-buffer call comes later).
"$PY" "$CLIENT" rtt 127.0.0.1 600 >"$work/rtt.out" 2>&1 &
watcher=$!
check "the push starts" wait_for 'selftest storewrite: streaming' 60
echo "qemu-store-stall: the guest is streaming 10 MiB into its store"
wait_for 'selftest storewrite: (10 MiB streamed|FAILED)' 400
kill -TERM "$watcher" 2>/dev/null
wait "$watcher"
wrc=$?
watcher=
streamed=$(grep -o 'selftest storewrite: 10 MiB streamed.*' "$log" | head -1)
check "the 10 MiB push went into the store: ${streamed:-none}" [ -n "$streamed" ]
check "the echo answered all through the push: $(cat "$work/rtt.out")" \
	bash -c "[ $wrc = 0 ] && grep -q 'failures 0' '$work/rtt.out'"
# Each piece is written and scanned as it comes, and the end only resolves
# deltas: the loop stalls for tens of milliseconds at a time (the whole
# buffer at once stalled it for 1 to 5 s here). No round trip may wait
# half a second.
check "no round trip waited half a second during the push" \
	bash -c "n=\$(sed -n 's/.*, \([0-9]*\) over 500 ms.*/\1/p' '$work/rtt.out'); [ \"\$n\" = 0 ]"
wait_for 'selftest storewrite: done|FAILED' 300
check "for comparison: $(grep -o 'the same 10 MiB as one store_import_pack call.*' "$log" | head -1)" \
	grep -q 'one store_import_pack call: [0-9]* ms (0)' "$log"
stop_qemu
trap - EXIT
# The disk QEMU ran on: p2 is a whole store that names the pushed blob.
disk=$work/run/sd.img
read -r start size < <(sfdisk -d "$disk" | awk -F'[=,]' '/^[^ ]*2 :/ { print $2 + 0, $4 + 0 }')
dd if="$disk" of="$work/p2" bs=512 skip="$start" count="$size" conv=sparse status=none
check "the store on the disk passes fsck after the push" "$STORECTL" fsck "$work/p2"
check "the pushed blob is under refs/heads/selftest-storewrite" \
	bash -c "'$STORECTL' refs '$work/p2' | grep -q 'selftest-storewrite'"
rm -f "$work/p2"
done_tests
