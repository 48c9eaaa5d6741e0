#!/bin/bash
# Usage: image/mkimage.sh BOARD OUTDIR --work DIR --xen FILE
#          --dom0-kernel FILE --dom0-initrd FILE --guest FILE
#          --guest-cfg-in FILE --appliance-conf FILE
#          [--confcheck TOOL] [--spl FILE] [--dtb FILE]
#          [--store-seed FILE --storectl TOOL --password-file FILE]
#
# The one SD-card recipe for every board: writes OUTDIR/BOARD.img,
# OUTDIR/BOARD.img.xz and OUTDIR/BOARD.img.bmap. No root, no loop devices:
#
#   0      MBR (DOS partition table)
#   8 KiB  u-boot-sunxi-with-spl.bin (raw; boards with U-Boot only)
#   1 MiB  p1, FAT32 "BOOT", bootable: boot.scr xen board.dtb dom0.zImage
#          dom0.initrd guest.zImage guest.cfg appliance.conf
#   after  p2, type 0xda (raw data): the guest's STORE, to the end of the image
#
# The image is IMAGE_MB in total (a power of two, which QEMU's SD card
# model requires), p1 is BOOT_MB. Both can be overridden from the environment.
#
# The store seed goes into p2 with the push password of the image
# (git/auth.h) set by `storectl passwd`: only its salted hash is in the
# image. The password is the first line of --password-file if that file
# exists (so a rebuild keeps it); else a new random one, written there
# (mode 0600) and printed once, at the end.
set -eu

IMAGE_MB=${IMAGE_MB:-256}
BOOT_MB=${BOOT_MB:-64}
# Where p1 starts: 1 MiB keeps the SPL (8 KiB..) and U-Boot proper clear.
P1_START_MB=1
# Room that boot.scr's `fdt resize` adds to the DTB for the /chosen nodes.
FDT_GROW=0x10000

die() { echo "mkimage: $*" >&2; exit 1; }
say() { echo "mkimage: $*"; }

usage="usage: image/mkimage.sh BOARD OUTDIR --work DIR --xen F --dom0-kernel F --dom0-initrd F --guest F --guest-cfg-in F --appliance-conf F [--confcheck F] [--spl F] [--dtb F] [--store-seed F --storectl F --password-file F]"
[ $# -ge 2 ] || die "$usage"
board=$1 outdir=$2
shift 2

work='' xen='' spl='' dtb='' dom0_kernel='' dom0_initrd='' guest=''
guest_cfg_in='' appliance_conf='' store_seed='' confcheck='' storectl='' password_file=''
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || die "option $1 needs a value; $usage"
	case $1 in
	--work) work=$2 ;;
	--xen) xen=$2 ;;
	--spl) spl=$2 ;;
	--dtb) dtb=$2 ;;
	--dom0-kernel) dom0_kernel=$2 ;;
	--dom0-initrd) dom0_initrd=$2 ;;
	--guest) guest=$2 ;;
	--guest-cfg-in) guest_cfg_in=$2 ;;
	--appliance-conf) appliance_conf=$2 ;;
	--store-seed) store_seed=$2 ;;
	--confcheck) confcheck=$2 ;;
	--storectl) storectl=$2 ;;
	--password-file) password_file=$2 ;;
	*) die "unknown option $1; $usage" ;;
	esac
	shift 2
done

here=$(dirname "$0")
env_out=$("$here/board-env.sh" "$board") || exit 1
eval "$env_out"

need_file() { # OPTION FILE
	[ -n "$2" ] || die "$1 is required for board $board"
	[ -f "$2" ] || die "$1: no such file: $2"
}
need_tool() {
	command -v "$1" >/dev/null 2>&1 ||
		die "missing tool '$1' (package $2); run 'make setup'"
}

[ -n "$work" ] || die "--work DIR is required"
need_file --xen "$xen"
need_file --dom0-kernel "$dom0_kernel"
need_file --dom0-initrd "$dom0_initrd"
need_file --guest "$guest"
need_file --guest-cfg-in "$guest_cfg_in"
need_file --appliance-conf "$appliance_conf"
# A malformed appliance.conf stops the build here, with FILE:LINE: reason
# (the guest would only refuse it at boot, on the board).
if [ -n "$confcheck" ]; then
	"$confcheck" "$appliance_conf" || die "appliance.conf rejected: fix the line above"
fi
if [ -n "$UBOOT_DEFCONFIG" ]; then
	need_file --spl "$spl"
	need_file --dtb "$dtb"
fi
if [ -n "$store_seed" ]; then
	need_file --store-seed "$store_seed"
	need_file --storectl "$storectl"
	[ -n "$password_file" ] || die "--password-file is required with --store-seed"
fi
need_tool sfdisk fdisk
need_tool mkfs.vfat dosfstools
need_tool mcopy mtools
need_tool mkimage u-boot-tools
need_tool xz xz-utils
need_tool bmaptool bmap-tools

[ $((IMAGE_MB & (IMAGE_MB - 1))) -eq 0 ] || die "IMAGE_MB=$IMAGE_MB is not a power of two"
store_mb=$((IMAGE_MB - P1_START_MB - BOOT_MB))
[ "$store_mb" -ge 16 ] || die "IMAGE_MB=$IMAGE_MB leaves only ${store_mb} MiB for STORE"

mkdir -p "$work" "$outdir"
img=$outdir/$board.img
tmp=$img.tmp
trap 'rm -f "$tmp"' EXIT
p1=$work/p1.vfat
export MTOOLS_SKIP_CHECK=1

# Replace every @KEY@ in a template (stdin) with the value of shell variable
# KEY; fail if a placeholder outside a comment is left that we do not know.
fill_template() { # NAME KEY...
	local name=$1 text key val left
	shift
	# bash 5.2 would otherwise read '&' in a value as "the matched text".
	shopt -u patsub_replacement 2>/dev/null || true
	text=$(cat)
	for key in "$@"; do
		eval "val=\$$key"
		text=${text//@$key@/$val}
	done
	left=$(printf '%s\n' "$text" | grep -v '^[[:space:]]*#' |
		grep -o '@[A-Z0-9_]*@' | head -n 1) || true
	[ -z "$left" ] || die "$name: unfilled placeholder $left"
	printf '%s\n' "$text"
}

make_boot_scr() {
	# The command lines go inside "..." in a U-Boot hush script.
	case "$XEN_CMDLINE $DOM0_BOOTARGS" in
	*[\"\$\;\\]*) die "board/$board/board.conf: a command line holds one of \" \$ ; \\, which boot.scr cannot quote" ;;
	esac
	say "boot.scr from image/boot.cmd.in (Xen at $XEN_ADDR, FDT at $FDT_ADDR, dom0 at $DOM0_ADDR, initrd at $INITRD_ADDR)"
	fill_template boot.cmd.in BOARD BOARD_NAME XEN_ADDR FDT_ADDR DOM0_ADDR \
		INITRD_ADDR FDT_GROW XEN_CMDLINE DOM0_BOOTARGS \
		<"$here/boot.cmd.in" >"$work/boot.cmd"
	mkimage -A arm -T script -C none -n "appliance $board" \
		-d "$work/boot.cmd" "$work/boot.scr" >/dev/null
}

make_guest_cfg() {
	say "guest.cfg from $guest_cfg_in (memory $GUEST_MEM_MB MiB, store $STORE_DEV)"
	fill_template "$guest_cfg_in" GUEST_MEM_MB STORE_DEV \
		<"$guest_cfg_in" >"$work/guest.cfg"
}

make_partition_table() {
	local p1_start=$((P1_START_MB * 2048)) p1_size=$((BOOT_MB * 2048))
	local p2_start=$((p1_start + p1_size))
	say "partition table: p1 BOOT FAT32 ${BOOT_MB} MiB at ${P1_START_MB} MiB, p2 STORE raw ${store_mb} MiB"
	sfdisk --quiet --no-reread --no-tell-kernel "$tmp" <<-EOF
		label: dos
		label-id: 0x41504c31
		unit: sectors
		start=$p1_start, size=$p1_size, type=c, bootable
		start=$p2_start, type=da
	EOF
}

# Copy a file into p1 under the name boot.scr and dom0 look for.
put() { # SOURCE NAME
	say "p1: $2 ($(stat -c %s "$1") bytes)"
	mcopy -i "$p1" "$1" "::$2"
}

make_boot_partition() {
	say "p1: FAT32 'BOOT', ${BOOT_MB} MiB"
	rm -f "$p1"
	# -h: the sectors before p1, as a partitioned FAT32 volume records them.
	mkfs.vfat -C -F 32 -n BOOT -i 41504c31 -h $((P1_START_MB * 2048)) "$p1" $((BOOT_MB * 1024)) >/dev/null
	[ -z "$UBOOT_DEFCONFIG" ] || put "$work/boot.scr" boot.scr
	put "$xen" xen
	[ -z "$DTB" ] || put "$dtb" board.dtb
	put "$dom0_kernel" dom0.zImage
	put "$dom0_initrd" dom0.initrd
	put "$guest" guest.zImage
	put "$work/guest.cfg" guest.cfg
	put "$appliance_conf" appliance.conf
	dd if="$p1" of="$tmp" bs=1M seek="$P1_START_MB" conv=notrunc,sparse status=none
}

write_spl() {
	local size
	size=$(stat -c %s "$spl")
	[ $((8192 + size)) -le $((P1_START_MB * 1048576)) ] ||
		die "$spl ($size bytes) does not fit between 8 KiB and p1"
	say "SPL + U-Boot at 8 KiB: $spl ($size bytes)"
	dd if="$spl" of="$tmp" bs=1024 seek=8 conv=notrunc status=none
}

# The push password: the seed's copy for this image gets its hash. A new
# password goes to its file (0600 from the start) before anything else
# sees it; password_new says whether to show it at the end.
password_new=no
set_password() {
	local store=$work/store.img
	say "p2: push password (git/password in refs/appliance/secrets): only its hash"
	cp --sparse=always "$store_seed" "$store"
	if [ -s "$password_file" ]; then
		"$storectl" passwd "$store" "$password_file" >/dev/null ||
			die "$password_file does not hold a usable password; remove it for a new one"
		say "p2: the password of $password_file, kept from an earlier build"
	else
		rm -f "$password_file.tmp"
		(umask 077 && "$storectl" passwd "$store" >"$password_file.tmp") ||
			die "storectl passwd failed"
		mv -f "$password_file.tmp" "$password_file"
		password_new=yes
	fi
	chmod 600 "$password_file"
	store_seed=$store
}

show_password() {
	if [ "$password_new" = yes ]; then
		say "------------------------------------------------------------------"
		say "git push password of $img (shown once):"
		say ""
		say "    $(head -n 1 "$password_file")"
		say ""
		say "kept in $password_file (mode 0600); remove that file and run make"
		say "again for a new image with a new password"
		say "------------------------------------------------------------------"
	elif [ -n "$password_file" ]; then
		say "git push password: unchanged, in $password_file"
	fi
}

# Hook for the store: p2 stays zeros (an empty store) unless a seed image is
# given; the store's host build produces that seed (initial commit).
seed_store() {
	local p2_mb=$((P1_START_MB + BOOT_MB)) size
	if [ -z "$store_seed" ]; then
		say "p2: STORE left empty (zeros)"
		return
	fi
	size=$(stat -c %s "$store_seed")
	[ "$size" -le $((store_mb * 1048576)) ] ||
		die "store seed $store_seed ($size bytes) is larger than STORE (${store_mb} MiB)"
	say "p2: STORE seeded from $store_seed ($size bytes)"
	dd if="$store_seed" of="$tmp" bs=1M seek="$p2_mb" conv=notrunc,sparse status=none
}

say "building $img for $BOARD_NAME ($board)"
[ -z "$UBOOT_DEFCONFIG" ] || make_boot_scr
make_guest_cfg
rm -f "$tmp"
truncate -s "${IMAGE_MB}M" "$tmp"
make_partition_table
make_boot_partition
[ -z "$UBOOT_DEFCONFIG" ] || write_spl
[ -z "$store_seed" ] || set_password
seed_store
mv -f "$tmp" "$img"

say "compressing $img.xz"
xz -T0 -k -f "$img"
say "block map $img.bmap"
bmaptool -q create -o "$img.bmap" "$img"
say "done: $img ($(du -k "$img" | cut -f1) KiB used of ${IMAGE_MB} MiB), $img.xz ($(stat -c %s "$img.xz") bytes)"
show_password
