#!/bin/bash
# Usage: tests/qemu/uboot-key.sh BOARD   (a board that boots through U-Boot)
#
# U-Boot boots without waiting (hypervisor/u-boot.config: BOOTDELAY=0),
# which must not take away the way into its prompt: a key held on the
# serial console as the board powers on stops it there, before boot.scr.
# QEMU's serial console is fed a key every 50 ms for at most 20 s; the
# boot without a key is tests/qemu/boot.sh's. 20 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
board=${1:?usage: tests/qemu/uboot-key.sh BOARD}
img=${OUT:-out}/$board.img
work=$(realpath -m "${B:-build}/test/uboot-key-$board")
log=$work/serial.log
[ -e "$img" ] || { fail "$img exists (make $img)"; done_tests; exit 1; }
rm -rf "$work" && mkdir -p "$work"
echo "uboot-key: booting $board with a key held on its serial console; serial log in $log"
# The prompt's "=> " is not a whole line: image/qemu.sh's QEMU_UNTIL
# watches lines, so the keys stop after 20 s and QEMU with them.
for ((i = 0; i < 400; i++)); do printf 'x'; sleep 0.05; done |
	HTTP_PORT=0 HTTPS_PORT=0 EDIT_PORT= DNS_PORT=0 QEMU_TIMEOUT=20 \
		image/qemu.sh "$board" "$img" "$work/run" >"$log" 2>&1
tr -d '\r' <"$log" >"$work/console.txt"
check "U-Boot looked for a key: $(grep -ao 'Hit any key to stop autoboot:[ 0-9]*' "$work/console.txt" | head -1)" \
	grep -aq 'Hit any key to stop autoboot' "$work/console.txt"
check "a key held at power-on stops U-Boot at its prompt (=>)" \
	grep -aq '^=> ' "$work/console.txt"
check "... and boot.scr does not run" \
	not grep -aq 'appliance: boot.scr for ' "$work/console.txt"
rm -rf "$work/run"
done_tests
