#!/bin/bash
# Bad input to the store: corrupt and truncated packs, bad deltas, hash
# mismatches, bad objects, absurd sizes, trees too deep, refs to missing
# objects. Each is refused with an error and leaves the store image
# byte-identical (or, where valid objects were stored before a ref was
# refused, with its refs unchanged and fsck clean).
# Usage: tests/store/badinput.sh STORECTL
set -uo pipefail
ctl=$(realpath "$1")
here=$(dirname "$0")
. "$here/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME=$tmp GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t

img=$tmp/s.img
mkdir -p "$tmp/site/sub"; echo hi >"$tmp/site/index.html"; echo x >"$tmp/site/sub/x"
"$ctl" init "$img" 8M >/dev/null
"$ctl" import "$img" "$tmp/site" >/dev/null
refs_before=$("$ctl" refs "$img")

# refused CASE IMPORT-PACK-ARGS...: non-zero exit, image byte-identical.
refused() {
	local what=$1 sum
	shift
	sum=$(sha1sum <"$img")
	if "$ctl" import-pack "$img" "$@" >"$tmp/out" 2>&1; then
		fail "$what: accepted"
	elif [ "$(sha1sum <"$img")" != "$sum" ]; then
		fail "$what: refused but the image changed"
	else
		ok "$what: refused ($(tail -1 "$tmp/out"))"
	fi
}

# A real git pack, then damaged copies of it.
g=$tmp/g
git init -q "$g"
for i in 1 2 3; do seq 1 $((500 * i)) >"$g/f"; git -C "$g" add -A; git -C "$g" commit -q -m "c$i"; done
git -C "$g" rev-list --objects --all | git -C "$g" pack-objects -q "$tmp/p" >/dev/null
good=$(ls "$tmp"/p-*.pack)
size=$(stat -c %s "$good")
for cut in 0 11 12 40 $((size / 2)) $((size - 21)) $((size - 1)); do
	head -c "$cut" "$good" >"$tmp/trunc.pack"
	refused "pack truncated to $cut bytes" "$tmp/trunc.pack"
done
for at in 5 12 $((size / 3)) $((size / 2)) $((size - 5)); do
	cp "$good" "$tmp/flip.pack"
	# Invert the byte (writing a constant would change nothing when the
	# byte already has that value, 1 time in 256).
	b=$(od -An -tu1 -j "$at" -N1 "$good" | tr -d ' ')
	printf "\\$(printf %o $((b ^ 255)))" | dd of="$tmp/flip.pack" bs=1 seek="$at" conv=notrunc status=none
	check "byte $at really changed" bash -c "! cmp -s '$good' '$tmp/flip.pack'"
	refused "pack with byte $at corrupted" "$tmp/flip.pack"
done
printf 'PACK\0\0\0\2\0\0\0\0' >"$tmp/noTrailer.pack"
refused "pack without a trailer" "$tmp/noTrailer.pack"

for c in copy-out-of-range delta-size-mismatch delta-wrong-base-size missing-base delta-cycle \
	absurd-size size-mismatch bad-tree bad-commit; do
	python3 "$here/mkpack.py" "$c" "$tmp/$c.pack" >/dev/null
	refused "$c" "$tmp/$c.pack"
done

# A ref to an object that is not there (a hash that matches nothing).
if "$ctl" import-pack "$img" "$good" refs/heads/main 1234567890123456789012345678901234567890 >/dev/null 2>&1; then
	fail "ref to a missing object: accepted"
else
	ok "ref to a missing object: refused"
fi
check "refs unchanged after the refused ref" [ "$("$ctl" refs "$img")" = "$refs_before" ]

# Valid objects that may be stored, but a ref to them is refused.
for c in deep-tree dangling-commit; do
	id=$(python3 "$here/mkpack.py" "$c" "$tmp/$c.pack")
	if "$ctl" import-pack "$img" "$tmp/$c.pack" refs/heads/main "$id" >"$tmp/out" 2>&1; then
		fail "$c: ref accepted"
	else
		ok "$c: ref refused ($(tail -1 "$tmp/out"))"
	fi
	check "$c: refs unchanged" [ "$("$ctl" refs "$img")" = "$refs_before" ]
	check "$c: fsck clean" "$ctl" fsck "$img"
done

# Not a store at all, and a store image cut short.
head -c 1048576 /dev/zero >"$tmp/zero.img"
check "an all-zero image is not opened" bash -c "! '$ctl' fsck '$tmp/zero.img' >/dev/null 2>&1"
head -c 8192 "$img" >"$tmp/short.img"
check "a truncated image is not opened" bash -c "! '$ctl' fsck '$tmp/short.img' >/dev/null 2>&1"
check "the store is still clean" "$ctl" fsck "$img"

# Another process holds the image (as a running host twin does: flock):
# storectl stops with a clear message and writes nothing.
sum_before=$(sha256sum <"$img")
flock -x "$img" sleep 30 &
holder=$!
sleep 0.3
"$ctl" import-pack "$img" "$good" >"$tmp/out" 2>&1
rc=$?
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
check "an image in use is refused: $(head -1 "$tmp/out")" \
	bash -c "[ $rc != 0 ] && grep -q 'in use by another process' '$tmp/out'"
check "the image in use was not written" [ "$(sha256sum <"$img")" = "$sum_before" ]
check "storectl init refuses to resize an image in use" \
	bash -c "flock -x '$img' '$ctl' init '$img' 1M 2>&1 | grep -q 'in use'"

# The device fails half-way through a push (HOST_BLK_CUT_AFTER): the
# import fails with an I/O error and the store is as it was.
if HOST_BLK_CUT_AFTER=1 "$ctl" import-pack "$img" "$good" refs/heads/cut "$(git -C "$g" rev-parse HEAD 2>/dev/null || echo 0)" >"$tmp/out" 2>&1; then
	fail "a write error half-way: accepted"
else
	ok "a write error half-way: refused ($(tail -1 "$tmp/out"))"
fi
check "after the write error: refs unchanged" [ "$("$ctl" refs "$img")" = "$refs_before" ]
check "after the write error: fsck clean" "$ctl" fsck "$img"
done_tests
