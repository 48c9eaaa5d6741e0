#!/bin/bash
# make flash refusals that can be shown without a card: each must stop with
# one line naming the reason, and nothing may be written anywhere.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
img=${OUT:-out}/cubieboard2.img
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

refuses() { # WHAT PATTERN DEV [ENV...]
	local what=$1 pattern=$2 dev=$3
	shift 3
	if env "$@" image/flash.sh "$dev" "$img" </dev/null >"$tmp/out" 2>&1; then
		fail "$what: flash.sh wrote"
	elif [ "$(wc -l <"$tmp/out")" = 1 ] && grep -qE "$pattern" "$tmp/out"; then
		ok "$what: $(cat "$tmp/out")"
	else
		fail "$what: expected one line matching '$pattern', got:"
		sed 's/^/    /' "$tmp/out"
	fi
}

: >"$tmp/file"
refuses "no DEV" "^flash: name the SD card" ""
refuses "regular file" "^flash: .* is not a block device" "$tmp/file"
refuses "character device" "^flash: /dev/null is not a block device" /dev/null
refuses "missing device" "^flash: /dev/nonexistent-card does not exist" /dev/nonexistent-card
root_disk=$(lsblk -snlpo NAME,TYPE "$(findmnt -no SOURCE /)" 2>/dev/null | awk '$2 == "disk" { print $1 }' | tail -n 1)
if [ -n "$root_disk" ] && [ -b "$root_disk" ]; then
	refuses "the system disk" "^flash: .*(holds /|mounted|larger than)" "$root_disk" FORCE=1
else
	echo "# skipped: the system disk, / is not on a block device here"
fi
check "the file stayed empty" test ! -s "$tmp/file"
done_tests
