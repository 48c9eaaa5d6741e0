#!/bin/bash
# Usage: tests/bench/boot.sh BOARD...
# Wall time from QEMU start to each boot stage (the same run as the system
# test tests/qemu/boot.sh), as a Markdown table.
set -uo pipefail
cd "$(dirname "$0")/../.."
echo "## Boot time in QEMU (wall seconds from QEMU start, TCG on this host)"
echo
echo "| board | stage | seconds |"
echo "|---|---|---|"
for board in "$@"; do
	tests/qemu/boot.sh "$board" >&2
	while IFS='|' read -r stage t; do
		echo "| $board | $stage | $t |"
	done <"${B:-build}/test/qemu-$board/marks"
done
echo
