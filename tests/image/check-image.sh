#!/bin/bash
# Usage: tests/image/check-image.sh IMAGE BOARD
#
# Static checks of an SD-card image built by image/mkimage.sh, against the
# layout in image/mkimage.sh and the values in board/BOARD/board.conf. Each
# check prints `ok - ...` or `not ok - ...`; the last line is
# `N passed, N failed`; the exit status is non-zero if any check failed.
set -eu

die() { echo "check-image: $*" >&2; exit 2; }

[ $# -eq 2 ] || die "usage: tests/image/check-image.sh IMAGE BOARD"
img=$1 board=$2
[ -f "$img" ] || die "no such image: $img"
here=$(dirname "$0")
env_out=$("$here/../../image/board-env.sh" "$board") || exit 2
eval "$env_out"
for tool in sfdisk mdir mcopy dumpimage fdtget od awk; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool'; run 'make setup'"
done
export MTOOLS_SKIP_CHECK=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$here/../lib.sh"

# Little-endian 32-bit word of the image at a byte offset, in decimal.
le32() { od -An -v -tu4 --endian=little -j "$1" -N 4 "$img" | tr -d ' '; }
hex() { printf '0x%08x' "$1"; }

image_size=$(stat -c %s "$img")
RAM_END=$((RAM_BASE + RAM_MB * 1048576))
SPL_OFFSET=8192
BROM_STAMP=$((0x5F0A6C39))

# --- the image file ---------------------------------------------------------

check "image size $image_size is a power of two (QEMU's SD model needs it)" \
	test $((image_size & (image_size - 1))) -eq 0

# --- partition table --------------------------------------------------------

check_partitions() {
	local count p1 p2 s1 n1 t1 s2 n2 t2 sectors
	sfdisk -d "$img" 2>/dev/null | grep ' : start=' | sed 's/^.* : //; s/ //g' >"$tmp/parts" || true
	grep -q '^label: *dos$' <(sfdisk -d "$img" 2>/dev/null) || fail "the partition table is DOS (MBR)"
	count=$(wc -l <"$tmp/parts")
	check "DOS partition table with 2 partitions (found $count)" \
		test "$count" -eq 2
	p1=$(sed -n 1p "$tmp/parts") p2=$(sed -n 2p "$tmp/parts")
	field() { printf '%s\n' "$1" | tr ',' '\n' | sed -n "s/^$2=//p"; }
	s1=$(field "$p1" start) n1=$(field "$p1" size) t1=$(field "$p1" type)
	s2=$(field "$p2" start) n2=$(field "$p2" size) t2=$(field "$p2" type)
	sectors=$((image_size / 512))
	check "p1 starts at sector 2048 (1 MiB), found '$s1'" test "$s1" = 2048
	check "p1 type c (FAT32 LBA), found '$t1'" test "$t1" = c
	check "p1 is bootable" grep -q bootable <<<"$p1"
	check "p2 type da (non-FS data), found '$t2'" test "$t2" = da
	check "p2 ($s2+$n2) starts after p1 ($s1+$n1)" \
		test -n "$s2" -a -n "$n1" -a "${s2:-0}" -ge $((${s1:-0} + ${n1:-0}))
	check "p2 ends within the image ($sectors sectors)" \
		test -n "$n2" -a $((${s2:-0} + ${n2:-0})) -le "$sectors"
	P1_OFFSET=$((${s1:-2048} * 512))
}

# --- SPL --------------------------------------------------------------------

# The eGON checksum as U-Boot's tools/sunxi_egon.c computes it: the sum of
# all 32-bit LE words of the first `length` bytes, with the checksum field
# counted as the BROM stamp 0x5F0A6C39.
egon_checksum() { # LENGTH STORED
	tail -c +$((SPL_OFFSET + 1)) "$img" | head -c "$1" |
		od -An -v -tu4 --endian=little |
		awk -v stored="$2" -v stamp="$BROM_STAMP" '
			{ for (i = 1; i <= NF; i++) s += $i }
			END { printf "%.0f\n", (s - stored + stamp) % 4294967296 }'
}
check_spl() {
	local magic branch length stored sum
	magic=$(tail -c +$((SPL_OFFSET + 5)) "$img" | head -c 8)
	check "SPL at 8 KiB has eGON.BT0 magic (found '$magic')" \
		test "$magic" = eGON.BT0
	branch=$(le32 "$SPL_OFFSET")
	check "SPL starts with an ARM branch ($(hex "$branch"))" \
		test $((branch & 0xff000000)) -eq $((0xea000000))
	length=$(le32 $((SPL_OFFSET + 16)))
	check "SPL length $length is a multiple of 512 and below p1" \
		test "$length" -gt 0 -a $((length % 512)) -eq 0 -a \
		$((SPL_OFFSET + length)) -le "$P1_OFFSET"
	stored=$(le32 $((SPL_OFFSET + 12)))
	sum=$(egon_checksum "$length" "$stored")
	check "SPL eGON checksum $(hex "$stored") matches computed $(hex "$sum")" \
		test "$sum" = "$stored"
}

# U-Boot proper follows the SPL, which u-boot-sunxi-with-spl.bin pads to
# 32 KiB (CONFIG_SPL_PAD_TO): a legacy uImage (whose CRCs dumpimage checks)
# or a FIT.
check_uboot_proper() {
	local off=$((SPL_OFFSET + 32768)) magic size
	magic=$(od -An -tx4 --endian=big -j "$off" -N 4 "$img" | tr -d ' ')
	case $magic in
	27051956)
		size=$(od -An -tu4 --endian=big -j $((off + 12)) -N 4 "$img" | tr -d ' ')
		tail -c +$((off + 1)) "$img" | head -c $((64 + size)) >"$tmp/u-boot.img"
		check "U-Boot proper at 40 KiB is a valid uImage (header and data CRC)" \
			eval "dumpimage -l '$tmp/u-boot.img' | grep -q 'Image Type:.*U-Boot'" ;;
	d00dfeed) ok "U-Boot proper at 40 KiB is a FIT image" ;;
	*) fail "U-Boot proper at 40 KiB: no uImage or FIT magic (found $magic)" ;;
	esac
}

# --- BOOT partition ---------------------------------------------------------

P1_OFFSET=1048576
mtools_img() { printf '%s@@%s' "$img" "$P1_OFFSET"; }
p1_has() { mdir -b -i "$(mtools_img)" "::$1" >/dev/null 2>&1; }
extract() { [ -f "$tmp/$1" ] || mcopy -n -i "$(mtools_img)" "::$1" "$tmp/$1" 2>/dev/null; }

check_boot_fs() {
	local fstype label f
	fstype=$(tail -c +$((P1_OFFSET + 0x52 + 1)) "$img" | head -c 8)
	label=$(tail -c +$((P1_OFFSET + 0x47 + 1)) "$img" | head -c 11)
	check "p1 is FAT32 (found '$fstype')" test "$fstype" = "FAT32   "
	check "p1 label is BOOT (found '$label')" test "$label" = "BOOT       "
	check "p1 is readable with mtools" p1_has .
	BOOT_FILES="xen dom0.zImage dom0.initrd guest.zImage guest.cfg appliance.conf"
	[ -z "$UBOOT_DEFCONFIG" ] || BOOT_FILES="boot.scr board.dtb $BOOT_FILES"
	for f in $BOOT_FILES; do
		check "p1 holds $f" p1_has "$f"
	done
}

check_guest_cfg() {
	if ! extract guest.cfg || ! extract appliance.conf; then
		fail "guest.cfg and appliance.conf can be read from p1"
		return
	fi
	check "guest.cfg has no unfilled @KEY@ placeholder" \
		eval "! grep -v '^[[:space:]]*#' '$tmp/guest.cfg' | grep -q '@[A-Z0-9_]*@'"
	check "guest.cfg gives the guest $GUEST_MEM_MB MiB" \
		grep -Eq "^memory *= *$GUEST_MEM_MB\$" "$tmp/guest.cfg"
	check "guest.cfg passes the store $STORE_DEV" \
		grep -q "phy:$STORE_DEV," "$tmp/guest.cfg"
	check "appliance.conf has settings" \
		grep -Eq '^[a-z0-9_]+=' "$tmp/appliance.conf"
}

# --- boot.scr ---------------------------------------------------------------

# A legacy U-Boot script image: 64-byte header, then a table of 32-bit BE
# lengths ending in 0 (one entry for a script), then the script text.
decode_boot_scr() {
	local len
	extract boot.scr || return 1
	dumpimage -l "$tmp/boot.scr" | grep -q 'Image Type:.*Script' || return 1
	len=$(od -An -tu4 --endian=big -j 64 -N 4 "$tmp/boot.scr" | tr -d ' ')
	tail -c +73 "$tmp/boot.scr" | head -c "$len" >"$tmp/boot.cmd"
	test -s "$tmp/boot.cmd"
}

# Regions of RAM the boot uses, one "start end name" line each (end exclusive).
: >"$tmp/regions"
region() { echo "$(($1)) $(($1 + $2)) $3" >>"$tmp/regions"; }

# Xen's zImage header holds its start and end (BSS included) at 0x28/0x2c.
xen_mem_size() {
	local magic start end size
	size=$(stat -c %s "$tmp/xen")
	magic=$(od -An -tx4 --endian=little -j 36 -N 4 "$tmp/xen" | tr -d ' ')
	if [ "$magic" = 016f2818 ]; then
		start=$(od -An -tu4 --endian=little -j 40 -N 4 "$tmp/xen" | tr -d ' ')
		end=$(od -An -tu4 --endian=little -j 44 -N 4 "$tmp/xen" | tr -d ' ')
		[ $((end - start)) -le "$size" ] || size=$((end - start))
	fi
	echo "$size"
}

# Each file boot.scr loads: "address file size-variable", where the size
# variable is the one a `setenv VAR ${filesize}` right after the load sets.
boot_scr_loads() {
	awk '$1 == "load" { n++; addr[n] = $4; file[n] = $5; var[n] = "-" }
		$1 == "setenv" && $3 == "${filesize}" && n { var[n] = $2 }
		END { for (i = 1; i <= n; i++) print addr[i], file[i], var[i] }' "$tmp/boot.cmd"
}

# Fills LOAD_ADDR[file] and SIZE_VAR[file]; RAM regions for all but the DTB.
declare -A LOAD_ADDR SIZE_VAR
check_loads() {
	local addr file var size
	while read -r addr file var; do
		if ! extract "$file"; then
			fail "boot.scr loads $file, which p1 does not hold"
			continue
		fi
		ok "boot.scr loads $file, which p1 holds"
		LOAD_ADDR[$file]=$addr SIZE_VAR[$file]=$var
		size=$(stat -c %s "$tmp/$file")
		[ "$file" != xen ] || size=$(xen_mem_size)
		[ "$file" = board.dtb ] || region "$addr" "$size" "$file"
	done < <(boot_scr_loads)
	set -- xen XEN_ADDR board.dtb FDT_ADDR dom0.zImage DOM0_ADDR dom0.initrd INITRD_ADDR
	while [ $# -gt 0 ]; do
		check "boot.scr loads $1 at $2=${!2} of board.conf" \
			test "${LOAD_ADDR[$1]:-none}" = "${!2}"
		shift 2
	done
}

# A module@N node: its reg is <load address 0x${size of that load}>.
check_module() { # N FILE COMPATIBLE
	local addr=${LOAD_ADDR[$2]:-none} var=${SIZE_VAR[$2]:-none}
	check "boot.scr: module@$1 reg is <$addr 0x\${$var}> ($2 as loaded)" \
		grep -Fqx "fdt set /chosen/module@$1 reg <$addr 0x\${$var}>" "$tmp/boot.cmd"
	check "boot.scr: module@$1 is $3 + xen,multiboot-module" \
		grep -Fqx "fdt set /chosen/module@$1 compatible \"$3\" \"xen,multiboot-module\"" "$tmp/boot.cmd"
}

check_chosen() {
	local fdt_addr=${LOAD_ADDR[board.dtb]:-none} xen_addr=${LOAD_ADDR[xen]:-none} grow
	grow=$(awk '$1 == "fdt" && $2 == "resize" { print $3 }' "$tmp/boot.cmd")
	check "boot.scr: fdt addr is where board.dtb is loaded ($fdt_addr)" \
		grep -Fqx "fdt addr $fdt_addr" "$tmp/boot.cmd"
	check "boot.scr: fdt resize gives the DTB room (${grow:-none})" \
		test $((${grow:-0})) -ge 4096
	[ "$fdt_addr" = none ] ||
		region "$fdt_addr" $(($(stat -c %s "$tmp/board.dtb") + ${grow:-0})) "board.dtb+resize"
	check "boot.scr: xen,xen-bootargs is the board's XEN_CMDLINE" \
		grep -Fqx "fdt set /chosen xen,xen-bootargs \"$XEN_CMDLINE\"" "$tmp/boot.cmd"
	check_module 0 dom0.zImage xen,linux-zimage
	check "boot.scr: module@0 bootargs are the composed dom0 command line" \
		grep -Fqx "fdt set /chosen/module@0 bootargs \"$DOM0_BOOTARGS\"" "$tmp/boot.cmd"
	check_module 1 dom0.initrd xen,linux-initrd
	check "boot.scr: ends with bootz $xen_addr - $fdt_addr" \
		test "$(grep -v '^[[:space:]]*\(#\|echo\|$\)' "$tmp/boot.cmd" | tail -n 1)" = \
		"bootz $xen_addr - $fdt_addr"
}

check_boot_scr() {
	check "boot.scr is a valid U-Boot script image (header and data CRC)" \
		decode_boot_scr || return 0
	check_loads
	check_chosen
}

# The address distro boot loads boot.scr to is in U-Boot's default
# environment (scriptaddr=, from include/configs/sunxi-common.h).
check_script_addr() {
	local addr
	addr=$(tail -c +$((SPL_OFFSET + 1)) "$img" | head -c $((P1_OFFSET - SPL_OFFSET)) |
		tr -c '[:print:]' '\n' | sed -n 's/^scriptaddr=\(0x[0-9a-fA-F]*\)$/\1/p' | head -n 1)
	if [ -n "$addr" ]; then
		region "$addr" "$(stat -c %s "$tmp/boot.scr")" "boot.scr (U-Boot scriptaddr)"
	else
		echo "# no scriptaddr= in the U-Boot environment: boot.scr's own address not checked"
	fi
}

check_dtb() {
	local compat
	extract board.dtb || return 0
	compat=$(fdtget "$tmp/board.dtb" / compatible 2>/dev/null || true)
	check "board.dtb root compatible has allwinner,$SOC (found '$compat')" \
		grep -qw "allwinner,$SOC" <<<"$compat"
	check "board.dtb has the /chosen node boot.scr fills" \
		eval "fdtget -p '$tmp/board.dtb' /chosen >/dev/null"
	case $XEN_CMDLINE in
	*dtuart=serial0*)
		check "board.dtb has the serial0 alias Xen's console uses" \
			eval "fdtget '$tmp/board.dtb' /aliases serial0 >/dev/null" ;;
	esac
}

# qemu-virt: QEMU itself loads Xen, dom0 and the initrd at board.conf's
# addresses (image/qemu.sh), so those are the regions to check.
qemu_regions() {
	extract xen && region "$XEN_ADDR" "$(xen_mem_size)" xen
	extract dom0.zImage && region "$DOM0_ADDR" "$(stat -c %s "$tmp/dom0.zImage")" dom0.zImage
	extract dom0.initrd && region "$INITRD_ADDR" "$(stat -c %s "$tmp/dom0.initrd")" dom0.initrd
}

check_regions() {
	local start end name
	while read -r start end name; do
		check "$name [$(hex "$start"), $(hex "$end")) lies in RAM [$(hex "$RAM_BASE"), $(hex "$RAM_END"))" \
			test "$start" -ge $((RAM_BASE)) -a "$end" -le "$RAM_END"
	done <"$tmp/regions"
	# Sorted by start, each region must begin after every earlier one ends.
	local top=0 top_name=''
	while read -r start end name; do
		if [ -n "$top_name" ]; then
			check "$name [$(hex "$start"), ...) starts after $top_name ends at $(hex "$top")" \
				test "$start" -ge "$top"
		fi
		if [ "$end" -gt "$top" ]; then top=$end top_name=$name; fi
	done < <(sort -n "$tmp/regions")
}

# The shipped companions: the .xz holds the same bytes, the .bmap its size.
check_artifacts() {
	if [ -f "$img.xz" ]; then
		check "$img.xz decompresses to the image" eval "xz -dc '$img.xz' | cmp -s - '$img'"
	else
		fail "$img.xz exists"
	fi
	if [ -f "$img.bmap" ]; then
		check "$img.bmap describes a $image_size-byte image" \
			grep -q "<ImageSize> *$image_size *</ImageSize>" "$img.bmap"
	else
		fail "$img.bmap exists"
	fi
}

check_partitions
if [ -n "$UBOOT_DEFCONFIG" ]; then
	check_spl
	check_uboot_proper
fi
check_boot_fs
check_guest_cfg
if [ -n "$UBOOT_DEFCONFIG" ]; then
	check_boot_scr
	check_script_addr
	check_dtb
else
	qemu_regions
fi
check_regions
check_artifacts

done_tests
