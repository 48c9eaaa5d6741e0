#!/bin/bash
# Usage: tests/image/run.sh [BOARD...]      (default: cubieboard2 cubietruck)
#
# Runs tests/image/check-image.sh on OUT/BOARD.img (OUT defaults to out)
# expecting every check to pass, then on corrupted copies expecting the
# checker to catch each corruption: a byte flipped inside the SPL (checksum)
# and dom0.initrd deleted from p1. Prints `ok - ...`/`not ok - ...` and
# `N passed, N failed`.
set -eu

here=$(dirname "$0")
out=${OUT:-out}
[ $# -gt 0 ] || set -- cubieboard2 cubietruck
export MTOOLS_SKIP_CHECK=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$here/../lib.sh"

# Run the checker; its report goes to LOG, indented when shown.
checker() { # IMAGE BOARD LOG
	"$here/check-image.sh" "$1" "$2" >"$3" 2>&1
}
show() { sed 's/^/    /' "$1"; }

expect_pass() { # BOARD IMAGE
	if checker "$2" "$1" "$tmp/log"; then
		ok "$1: check-image passes on $2 ($(tail -n 1 "$tmp/log"))"
	else
		show "$tmp/log"
		fail "$1: check-image fails on $2"
	fi
}

# The checker must fail, and fail on the line that names the damage.
expect_fail() { # BOARD IMAGE WHAT FAILING-LINE-PATTERN
	if checker "$2" "$1" "$tmp/log"; then
		show "$tmp/log"
		fail "$1: check-image passes on a copy with $3"
	elif grep -q "^not ok - $4" "$tmp/log"; then
		ok "$1: check-image catches $3"
	else
		show "$tmp/log"
		fail "$1: check-image fails on a copy with $3, but not on '$4'"
	fi
}

corrupt_spl() { # IMAGE COPY
	local byte
	cp --sparse=always "$1" "$2"
	# A byte inside the checksummed SPL, past the 96-byte header.
	byte=$(od -An -tu1 -j $((8192 + 0x200)) -N 1 "$2" | tr -d ' ')
	printf "\\$(printf '%03o' $(((byte + 1) & 255)))" |
		dd of="$2" bs=1 seek=$((8192 + 0x200)) conv=notrunc status=none
}

drop_initrd() { # IMAGE COPY
	cp --sparse=always "$1" "$2"
	mdel -i "$2@@1048576" ::dom0.initrd
}

for board in "$@"; do
	img=$out/$board.img
	if [ ! -f "$img" ]; then
		fail "$board: $img exists (run make $img)"
		continue
	fi
	expect_pass "$board" "$img"
	if "$here/../../image/board-env.sh" "$board" | grep -q "^UBOOT_DEFCONFIG=.\{3\}"; then
		corrupt_spl "$img" "$tmp/spl.img"
		expect_fail "$board" "$tmp/spl.img" "a flipped SPL byte" "SPL eGON checksum"
		rm -f "$tmp/spl.img"
	fi
	drop_initrd "$img" "$tmp/initrd.img"
	expect_fail "$board" "$tmp/initrd.img" "dom0.initrd missing" "p1 holds dom0.initrd"
	rm -f "$tmp/initrd.img"
done

done_tests
