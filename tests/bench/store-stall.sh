#!/bin/bash
# Usage: tests/bench/store-stall.sh BOARD
# Benchmark (numbers, no pass/fail): how long the guest's event loop stalls
# while its store takes a 10 MiB push, streamed 64 KiB per loop turn (the
# way a push arrives now) against the whole 10 MiB in one call (the way it
# did before), with the round trips of a TCP echo conversation kept up
# during the streamed push. Runs tests/qemu/store-stall.sh and reads its
# console. Markdown on stdout.
set -uo pipefail
cd "$(dirname "$0")/../.."
board=${1:-qemu-virt}
work=${B:-build}/test/store-stall-$board
tests/qemu/store-stall.sh "$board" >&2
log=$work/serial.log
streamed=$(grep -o 'selftest storewrite: 10 MiB streamed.*' "$log" | head -1)
field() { echo "$streamed" | sed -n "s/.*$1 \([0-9]*\) ms.*/\1/p"; }
whole=$(sed -n 's/.*one store_import_pack call: \([0-9]*\) ms.*/\1/p' "$log" | head -1)
rtt=$(sed -n 's/.*max RTT \([0-9]*\) ms.*/\1/p' "$work/rtt.out" | head -1)
cat <<EOT
## store: event-loop stall during a 10 MiB push ($board, QEMU TCG)

| measure | value |
|---|---|
| streamed push: longest single call (64 KiB written and scanned) | $(field 'longest write') ms |
| streamed push: the end (deltas resolved, index written) | $(field 'end ([^)]*)') ms |
| streamed push: the ref update (flush) | $(field 'ref update') ms |
| streamed push: whole push, wall time | $(echo "$streamed" | sed -n 's/.*streamed in \([0-9]*\) ms.*/\1/p') ms |
| TCP echo during the streamed push: longest round trip | ${rtt:-?} ms |
| before: the same 10 MiB as one whole-buffer call (the loop's stall) | ${whole:-?} ms |

EOT
