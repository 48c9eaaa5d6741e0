#!/bin/bash
# Build the initramfs of the side-by-side benchmark's Linux domU (gzip'd
# newc cpio) from the pinned armhf .debs, without root, as dom0's is built
# (hypervisor/dom0/mkinitrd.sh): busybox, nginx and nsd with the shared
# libraries they name (DT_NEEDED, followed), xen-netfront from the dom0
# kernel package, our init and configurations, a self-signed ECDSA P-256
# certificate made here, the benchmark's site and the DNS comparison's zone.
#
#   mkinitrd.sh OUT WORK KERNEL_ROOT DEBS_DIR SRC_DIR ZONE
#
# OUT          the initrd to write
# WORK         scratch directory (emptied); WORK/site is left behind: the
#              site nginx serves, which tests/bench/side-by-side.sh puts
#              in our guest's store too (the same files on both sides)
# KERNEL_ROOT  the dom0 kernel package, already extracted with dpkg -x
# DEBS_DIR     the directory holding the pinned armhf .debs
# SRC_DIR      hypervisor/linux-domu (init, nginx.conf, nsd.conf)
# ZONE         the zone file nsd serves as example.org
set -eu

die() { echo "linux-domu: $*" >&2; exit 1; }
. "$(dirname "$0")/../initrd-lib.sh"

[ $# -eq 6 ] || die "usage: mkinitrd.sh OUT WORK KERNEL_ROOT DEBS_DIR SRC_DIR ZONE"
out=$1 work=$2 kroot=$3 debs=$4 src=$5 zone=$6

pkgs="busybox-static nginx nsd libc6 libssl3 libpcre2-8-0 libcrypt1 zlib1g
libevent-2.1-7 libfstrm0 libprotobuf-c1 libsystemd0 libcap2 libgcrypt20
libgpg-error0 liblz4-1 liblzma5 libzstd1"

CROSS=${CROSS:-arm-linux-gnueabihf-}
for t in "${CROSS}readelf" cpio openssl; do
	command -v "$t" >/dev/null || die "missing tool $t"
done

rm -rf "$work"
mkdir -p "$work/pkg" "$work/root" "$work/site/.well-known"
pkg=$work/pkg root=$work/root

initrd_extract "$debs" "$pkg" $pkgs

mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc/nginx,etc/nsd,usr/bin,usr/sbin,srv} \
	"$root"/lib/{arm-linux-gnueabihf,modules} "$root"/var/{lib/nginx,log/nginx} \
	"$root/srv/meminfo/cgi-bin"
install -m 0755 "$pkg/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 0755 "$pkg/usr/sbin/nginx" "$pkg/usr/sbin/nsd" "$root/usr/sbin/"

# Shared libraries: follow DT_NEEDED from the two servers.
initrd_libs "$pkg" "$root" "$root/usr/sbin/nginx" "$root/usr/sbin/nsd"

# The one module: xen-netfront (it depends on none; the kernel has the
# Xen console, IPv4 and IPv6 built in). Loaded with insmod, so no modules.dep.
netfront=$(find "$kroot/lib/modules" -name xen-netfront.ko)
[ -n "$netfront" ] || die "no xen-netfront.ko in $kroot"
cp "$netfront" "$root/lib/modules/"

install -m 0755 "$src/init" "$root/init"
install -m 0644 "$src/nginx.conf" "$root/etc/nginx/nginx.conf"
install -m 0644 "$src/nsd.conf" "$root/etc/nsd/nsd.conf"
install -m 0644 "$zone" "$root/etc/nsd/example.org.zone"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf '#!/bin/sh\nprintf '"'"'Content-Type: text/plain\\r\\n\\r\\n'"'"'\nexec cat /proc/meminfo\n' \
	>"$root/srv/meminfo/cgi-bin/meminfo"
chmod 0755 "$root/srv/meminfo/cgi-bin/meminfo"

# A self-signed ECDSA P-256 certificate, as our guest makes at first boot.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
	-subj /CN=appliance -keyout "$root/etc/nginx/key.pem" -out "$root/etc/nginx/cert.pem" 2>/dev/null ||
	die "openssl could not make the certificate"

# The site: an index and the 1 KiB file of the HTTP benchmarks, under
# /.well-known/ as tests/bench/guest-https.sh puts it (our guest serves that
# path over plain HTTP rather than redirecting to HTTPS).
printf '<!DOCTYPE html>\n<title>side by side</title>\n<h1>side by side</h1>\n' >"$work/site/index.html"
yes 'The 1 KiB file of the side-by-side benchmark (hypervisor/linux-domu).' |
	head -c 1024 >"$work/site/.well-known/bench-1k"
cp -r "$work/site" "$root/srv/site"

(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
rm -rf "$pkg"
echo "linux-domu: $out $(($(stat -c %s "$out") / 1024)) KiB ($(du -sk "$root" | cut -f1) KiB unpacked)"
