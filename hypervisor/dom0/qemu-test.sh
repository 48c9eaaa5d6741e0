#!/bin/sh
# Boot Xen + the dom0 kernel and initramfs in QEMU virt with a small test
# disk (FAT p1 with guest.zImage, guest.cfg, appliance.conf; raw p2) and
# print the serial console. A helper for working on dom0; the official
# system tests live in tests/.
#
#   hypervisor/dom0/qemu-test.sh [--guest ZIMAGE | --stand-in] [--selftest] [--crash] [--timeout S]
#
# Without --guest it uses build/guest/guest.zImage if it exists, otherwise
# a stand-in: the dom0 kernel with hypervisor/dom0/test-guest-init, which
# reports its disk, network and seed and prints "guest: ready"; with
# --crash its first instance panics, to show the restart.
# --selftest puts selftest=shutdown in appliance.conf (dom0 shuts the guest
# down once ready and powers off, so QEMU exits).
# Run from the repository root after `make dom0`.
set -eu

B=${B:-build}
xen=${XEN:-$B/xen/xen}
guest= selftest= crash= timeout=120
while [ $# -gt 0 ]; do
	case $1 in
	--guest) guest=$2; shift ;;
	--selftest) selftest=1 ;;
	--crash) crash=1 ;;
	--stand-in) guest=$B/dom0/dom0.zImage ;;
	--timeout) timeout=$2; shift ;;
	*) echo "qemu-test: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
if [ -z "$guest" ]; then
	guest=$B/guest/guest.zImage
	[ -f "$guest" ] || guest=$B/dom0/dom0.zImage
fi
for f in "$xen" "$B/dom0/dom0.zImage" "$B/dom0/dom0.initrd" "$guest"; do
	[ -f "$f" ] || { echo "qemu-test: missing $f (make dom0 xen)" >&2; exit 1; }
done

. board/qemu-virt/board.conf
work=$B/dom0/test
rm -rf "$work" && mkdir -p "$work"

# guest.cfg as image/ writes it.
sed -e "s|@GUEST_MEM_MB@|$GUEST_MEM_MB|" -e "s|@STORE_DEV@|$STORE_DEV|" \
	hypervisor/dom0/guest.cfg.in >"$work/guest.cfg"
stand_in=
if [ "$guest" = "$B/dom0/dom0.zImage" ]; then
	# The stand-in guest: dom0's kernel and initramfs with test-guest-init
	# and the frontend drivers.
	stand_in=$work/guest.initrd
	cp -a "$B/dom0/initrd/root" "$work/guest-root"
	cp hypervisor/dom0/test-guest-init "$work/guest-root/init"
	kmods=$(echo "$B"/dom0/kernel/lib/modules/*)
	for m in drivers/block/xen-blkfront.ko drivers/net/xen-netfront.ko; do
		mkdir -p "$work/guest-root/lib/modules/${kmods##*/}/kernel/${m%/*}"
		cp "$kmods/kernel/$m" "$work/guest-root/lib/modules/${kmods##*/}/kernel/$m"
	done
	(cd "$work/guest-root" && find . | cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$stand_in"
	echo 'ramdisk = "/boot/guest.initrd"' >>"$work/guest.cfg"
	echo "extra = \"console=hvc0 rdinit=/init quiet panic=1${crash:+ appliance.crash=1}\"" >>"$work/guest.cfg"
fi
: >"$work/appliance.conf"
[ -n "$selftest" ] && echo "selftest=shutdown" >>"$work/appliance.conf"

# 64 MiB disk: p1 FAT at 1 MiB (32 MiB), p2 the rest.
img=$work/disk.img
truncate -s 64M "$img"
printf 'label: dos\nstart=2048, size=65536, type=c\nstart=67584, type=83\n' | sfdisk -q "$img"
mkfs.vfat -C -n BOOT "$work/p1.img" 32768 >/dev/null
mcopy -i "$work/p1.img" "$guest" ::guest.zImage
[ -z "$stand_in" ] || mcopy -i "$work/p1.img" "$stand_in" ::guest.initrd
mcopy -i "$work/p1.img" "$work/guest.cfg" "$work/appliance.conf" ::
dd if="$work/p1.img" of="$img" bs=1M seek=1 conv=notrunc status=none

modules=$(echo "$DOM0_MODULES" | tr ' ' ,)
cmdline="$DOM0_CMDLINE appliance.boot=$BOOT_DEV appliance.store=$STORE_DEV appliance.modules=$modules"
# QEMU's -device options are comma-separated: a comma in a value is doubled.
bootargs=$(echo "$cmdline" | sed 's/,/,,/g')
echo "qemu-test: guest $guest, timeout ${timeout}s, log $work/serial.log"
start=$(date +%s)
timeout "$timeout" qemu-system-arm -M "$QEMU_MACHINE" -cpu "$QEMU_CPU" -smp "$QEMU_SMP" -m "$RAM_MB" \
	-nographic -no-reboot -kernel "$xen" -append "$XEN_CMDLINE" \
	-device "guest-loader,addr=$DOM0_ADDR,kernel=$B/dom0/dom0.zImage,bootargs=$bootargs" \
	-device "guest-loader,addr=$INITRD_ADDR,initrd=$B/dom0/dom0.initrd" \
	-drive "file=$img,format=raw,if=none,id=hd" -device virtio-blk-device,drive=hd \
	-netdev user,id=n,restrict=on -device virtio-net-device,netdev=n \
	</dev/null 2>&1 | while IFS= read -r line; do
	printf '[%4ss] %s\n' "$(($(date +%s) - start))" "$line"
done | tee "$work/serial.log"
