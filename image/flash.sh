#!/bin/bash
# Usage: image/flash.sh DEV IMAGE        (make flash DEV=/dev/sdX [BOARD=...])
#
# Writes IMAGE to the SD card DEV, erasing it. Refuses, with one line, a DEV
# that is not a whole-disk block device, holds the running system's /, has
# anything mounted or used as swap, is read-only, has no medium, is smaller
# than the image or larger than a sane SD card (FLASH_MAX_GIB, default 256).
# Then shows the card and asks for its path to be typed back. Without a
# terminal to ask on it refuses, unless FORCE=1: FORCE skips only that
# question, never the checks. Writes with bmaptool when IMAGE.bmap exists,
# else dd, then syncs.
#
# FLASH_ALLOW_LOOP=1 also accepts a loop device (to test the write path
# without a card).
set -eu

die() { echo "flash: $*" >&2; exit 1; }
say() { echo "flash: $*"; }

[ $# -eq 2 ] || die "usage: image/flash.sh DEV IMAGE"
dev=$1 image=$2
FLASH_MAX_GIB=${FLASH_MAX_GIB:-256}
FORCE=${FORCE:-0}

[ -n "$dev" ] || die "name the SD card: make flash DEV=/dev/sdX (lsblk lists the disks)"
[ -e "$dev" ] || die "$dev does not exist"
[ -b "$dev" ] || die "$dev is not a block device"
[ -f "$image" ] || die "no image $image (run make first)"
for tool in lsblk findmnt; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool' (package util-linux)"
done
dev=$(readlink -f "$dev")

# One lsblk column of the device itself.
info() { lsblk -dno "$1" "$dev" 2>/dev/null | sed 's/^ *//; s/ *$//'; }

# The whole disk that holds a mounted path (through partitions, dm, ...).
disk_of_mount() {
	local src
	src=$(findmnt -no SOURCE --target "$1" 2>/dev/null) || return 0
	[ -b "$src" ] || return 0
	lsblk -snlpo NAME,TYPE "$src" 2>/dev/null | awk '$2 == "disk" { print $1 }' | tail -n 1
}

check_kind() {
	local type
	type=$(info TYPE)
	case $type in
	disk) ;;
	loop) [ "${FLASH_ALLOW_LOOP:-0}" = 1 ] ||
		die "$dev is a loop device, not an SD card" ;;
	part) die "$dev is a partition; give the whole card, /dev/$(lsblk -no PKNAME "$dev" | head -n 1)" ;;
	'') die "$dev has no disk behind it (lsblk shows nothing)" ;;
	*) die "$dev is a '$type' device, not a whole disk" ;;
	esac
}

check_not_system() {
	local path
	for path in / /boot /usr /var /home; do
		[ "$(disk_of_mount "$path")" != "$dev" ] ||
			die "$dev holds $path of the running system"
	done
}

check_not_in_use() {
	local node mnt
	# The disk, its partitions and anything stacked on them.
	for node in $(lsblk -lnpo NAME "$dev"); do
		mnt=$(awk -v n="$node" '$1 == n { print $2; exit }' /proc/mounts)
		[ -z "$mnt" ] || die "$node is mounted on $mnt; unmount it first"
		! awk -v n="$node" '$1 == n { f = 1 } END { exit !f }' /proc/swaps ||
			die "$node is in use as swap; swapoff it first"
	done
	mnt=$(lsblk -lnpo MOUNTPOINTS "$dev" 2>/dev/null | grep -v '^$' | head -n 1 || true)
	[ -z "$mnt" ] || die "a partition of $dev is mounted on $mnt; unmount it first"
	! lsblk -lnpo TYPE "$dev" | tail -n +2 | grep -qv '^part$' ||
		die "$dev is in use by device-mapper, RAID or LVM (see lsblk $dev)"
}

check_size() {
	local size image_size
	size=$(lsblk -bdno SIZE "$dev" | tr -d ' ')
	image_size=$(stat -c %s "$image")
	[ "$(info RO)" = 0 ] || die "$dev is read-only (write-protect switch?)"
	[ "$size" -gt 0 ] || die "$dev has no medium (size 0)"
	[ "$size" -le $((FLASH_MAX_GIB * 1073741824)) ] ||
		die "$dev is $((size / 1073741824)) GiB, larger than an SD card (> $FLASH_MAX_GIB GiB); set FLASH_MAX_GIB to override"
	[ "$size" -ge "$image_size" ] ||
		die "$dev ($size bytes) is smaller than $image ($image_size bytes)"
	DEV_SIZE=$size
}

confirm() {
	local answer
	say "about to ERASE $dev and write $image to it:"
	lsblk -o NAME,SIZE,TYPE,TRAN,RM,VENDOR,MODEL,SERIAL "$dev" | sed 's/^/    /'
	if [ ! -t 0 ]; then
		[ "$FORCE" = 1 ] ||
			die "no terminal to confirm on; run make flash in a terminal, or set FORCE=1"
		say "FORCE=1: writing without asking"
		return
	fi
	printf 'flash: type %s to confirm: ' "$dev"
	read -r answer || answer=
	[ "$answer" = "$dev" ] || die "not confirmed ('$answer' is not '$dev'); nothing written"
}

write_image() {
	[ -w "$dev" ] || die "no write access to $dev; run as root (sudo make flash DEV=$dev)"
	if command -v bmaptool >/dev/null 2>&1 && [ -f "$image.bmap" ]; then
		say "writing with bmaptool (only the used blocks, verified)"
		bmaptool copy --bmap "$image.bmap" "$image" "$dev"
	else
		say "writing with dd ($DEV_SIZE-byte card)"
		dd if="$image" of="$dev" bs=4M conv=fsync status=progress
	fi
	sync
	say "done: $dev holds $image; remove the card and boot the board from it"
}

check_kind
check_not_system
check_not_in_use
check_size
confirm
write_image
