#!/bin/bash
# Build the dom0 initramfs (gzip'd newc cpio) from pinned armhf .debs,
# without root: files are staged in a plain directory and archived with
# owner 0:0, device nodes come from devtmpfs at boot.
#
#   mkinitrd.sh OUT WORK KERNEL_ROOT DEBS_DIR SRC_DIR MODULE...
#
# OUT          the initrd to write
# WORK         scratch directory (emptied)
# KERNEL_ROOT  the dom0 kernel package, already extracted with dpkg -x
# DEBS_DIR     the directory holding the pinned armhf .debs
# SRC_DIR      hypervisor/dom0 (init, xl.conf, modules, the C programs)
# MODULE...    the boards' kernel modules, shipped after SRC_DIR/modules
#              (every dom0's); their dependencies are added
set -eu

die() { echo "mkinitrd: $*" >&2; exit 1; }
. "$(dirname "$0")/../initrd-lib.sh"

[ $# -ge 5 ] || die "usage: mkinitrd.sh OUT WORK KERNEL_ROOT DEBS_DIR SRC_DIR MODULE..."
out=$1 work=$2 kroot=$3 debs=$4 src=$5
shift 5

# Packages the userland comes from (the kernel package is extracted apart).
pkgs="busybox-static xen-utils-4.17 xenstore-utils libxencall1
libxendevicemodel1 libxenevtchn1 libxenforeignmemory1 libxengnttab1
libxenhypfs1 libxenmisc4.17 libxenstore4 libxentoolcore1 libxentoollog1
libyajl2 libc6 libgcc-s1 libncurses6 libtinfo6 zlib1g liblzma5 libbz2-1.0
libzstd1 libfdt1 libuuid1 libxen-dev"

# Xen tools shipped, from /usr/lib/xen-4.17/bin (the real binaries; Debian's
# /usr/sbin entries are a wrapper script that needs more than busybox).
xen_tools="xl xenstored xenconsoled xen-init-dom0 xenconsole xenstore-control"
# xenstore-utils is one binary that acts on its name.
xs_clients="xenstore-read xenstore-write xenstore-rm xenstore-ls xenstore-list
xenstore-exists xenstore-watch xenstore-chmod"

CROSS=${CROSS:-arm-linux-gnueabihf-}
command -v "${CROSS}readelf" >/dev/null || die "missing tool ${CROSS}readelf (binutils-arm-linux-gnueabihf)"
command -v "${CROSS}objcopy" >/dev/null || die "missing tool ${CROSS}objcopy (binutils-arm-linux-gnueabihf)"
command -v cpio >/dev/null || die "missing tool cpio"

rm -rf "$work"
mkdir -p "$work/pkg" "$work/root"
pkg=$work/pkg root=$work/root

echo "mkinitrd: extracting $(echo $pkgs | wc -w) packages"
initrd_extract "$debs" "$pkg" $pkgs

# Directories of the running system. /proc/xen and the xen run dirs are
# mount points or made by init; they exist here so init stays short.
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,boot,etc/xen/scripts,root} \
	"$root"/usr/{bin,sbin,lib/xen-4.17/bin} \
	"$root"/lib/arm-linux-gnueabihf \
	"$root"/var/{run,lock,log/xen,lib/xen,lib/xenstored}

# busybox: /bin/sh is needed before init can run `busybox --install`.
install -m 0755 "$pkg/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

for t in $xen_tools; do
	install -m 0755 "$pkg/usr/lib/xen-4.17/bin/$t" "$root/usr/lib/xen-4.17/bin/$t"
	ln -s "../lib/xen-4.17/bin/$t" "$root/usr/sbin/$t"
done
install -m 0755 "$pkg/usr/bin/xenstore" "$root/usr/bin/xenstore"
for c in $xs_clients; do
	ln -s xenstore "$root/usr/bin/$c"
done

# launch, the domain builder the init starts the guest with (launch.c),
# over the armhf C library (libc6-dev-armhf-cross) and the Xen libraries
# extracted above (libxen-dev's headers and link names).
lib=$pkg/usr/lib/arm-linux-gnueabihf
arm-linux-gnueabihf-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I"$pkg/usr/include" \
	"$src/launch.c" "$src/launch-cfg.c" "$src/launch-dtb.c" "$src/launch-xs.c" \
	-o "$root/usr/sbin/launch" \
	-L"$lib" -Wl,-rpath-link,"$lib" -Wl,-rpath-link,"$pkg/lib/arm-linux-gnueabihf" \
	-lxenguest -lxenctrl -lxenstore || die "cannot build launch"

# Shared libraries: follow DT_NEEDED from every ELF shipped so far.
# glibc dlopens libgcc_s for pthread_cancel (xl aborts without it).
initrd_libs "$pkg" "$root" $(find "$root/usr" -type f)
cp -L "$pkg/lib/arm-linux-gnueabihf/libgcc_s.so.1" "$root/lib/arm-linux-gnueabihf/"
echo "mkinitrd: $(ls "$root/lib/arm-linux-gnueabihf" | wc -l) shared libraries"

# Kernel modules: the requested ones and everything they depend on, read
# from each module's .modinfo (the package ships no modules.dep: depmod runs
# at install time, and no armhf depmod runs here).
kver=$(ls "$kroot/lib/modules")
[ "$(echo "$kver" | wc -w)" -eq 1 ] || die "expected one kernel version in $kroot/lib/modules, got: $kver"
kmods=$kroot/lib/modules/$kver
index=$work/modules.index
(cd "$kmods" && find kernel -name '*.ko') |
	awk '{ n = $0; sub(/.*\//, "", n); sub(/\.ko$/, "", n); gsub(/-/, "_", n); print n, $0 }' >"$index"

builtin=$work/modules.builtin.names
awk '{ sub(/.*\//, ""); sub(/\.ko$/, ""); gsub(/-/, "_"); print }' "$kmods/modules.builtin" >"$builtin"

mod_path() { awk -v n="$(echo "$1" | tr - _)" '$1 == n { print $2; exit }' "$index"; }
declare -A depcache
mod_deps() {
	[ -n "${depcache[$1]+set}" ] || depcache[$1]=$(mod_deps_read "$1")
	echo "${depcache[$1]}"
}
mod_deps_read() {
	"${CROSS}objcopy" -O binary -j .modinfo "$kmods/$1" /dev/stdout |
		tr '\0' '\n' | sed -n 's/^depends=//p' | tr , ' '
}

# Depth-first: a module's dependencies are listed before it (load order).
order=
declare -A mark
visit() {
	local name path d
	name=$(echo "$1" | tr - _)
	case ${mark[$name]:-} in
	done) return 0 ;;
	busy) die "module dependency cycle at $name" ;;
	esac
	mark[$name]=busy
	path=$(mod_path "$name")
	if [ -z "$path" ]; then
		grep -qx "$name" "$builtin" || die "kernel module $1 is neither a module nor built in"
		mark[$name]=done
		return 0
	fi
	# Filled here, outside any subshell, so deps_of below reads the cache.
	depcache[$path]=$(mod_deps_read "$path")
	for d in ${depcache[$path]}; do
		visit "$d"
	done
	mark[$name]=done
	order="$order $path"
}
# Every dom0's modules (SRC_DIR/modules, less its comments), which init
# loads from /etc/dom0-modules, then the boards'.
dom0_modules=$(sed 's/#.*//' "$src/modules")
for m in $dom0_modules "$@"; do
	visit "$m"
done

dest=$root/lib/modules/$kver
mkdir -p "$dest"
deps_of() { # all dependencies of a module path, nearest first (depmod's order)
	local d p
	for d in $(mod_deps "$1"); do
		p=$(mod_path "$d")
		[ -n "$p" ] || continue
		echo "$p"
		deps_of "$p"
	done
}
reverse_order=$(echo $order | tr ' ' '\n' | tac)
for p in $order; do
	mkdir -p "$dest/$(dirname "$p")"
	cp "$kmods/$p" "$dest/$p"
	# modules.dep as depmod writes it: "mod.ko: dep.ko ...", all of a
	# module's dependencies, the one to load first last.
	all=" $(deps_of "$p" | tr '\n' ' ') "
	printf '%s:' "$p"
	for q in $reverse_order; do
		case $all in *" $q "*) printf ' %s' "$q" ;; esac
	done
	echo
done >"$dest/modules.dep"
cp "$kmods/modules.builtin" "$kmods/modules.order" "$dest/"
echo "mkinitrd: $(echo $order | wc -w) kernel modules for $kver"

# Our files: init, xl's configuration, clockskew and the hotplug program,
# which xl runs as its scripts block and vif-bridge (for the domains xl
# creates, and when xl destroy takes launch's down). The two programs are
# freestanding, on sys-arm.c: one process each, no C library to load.
install -m 0755 "$src/init" "$root/init"
for prog in clockskew:clockskew.c xen-hotplug:hotplug.c; do
	arm-linux-gnueabihf-gcc -O2 -marm -march=armv7-a+fp -ffreestanding -nostdlib -static \
		-fno-stack-protector -Wall -Wextra -Werror "$src/sys-arm.c" "$src/${prog#*:}" \
		-lgcc -o "$root/bin/${prog%%:*}"
done
ln -s /bin/xen-hotplug "$root/etc/xen/scripts/block"
ln -s /bin/xen-hotplug "$root/etc/xen/scripts/vif-bridge"
install -m 0644 "$src/xl.conf" "$root/etc/xen/xl.conf"
# The modules init loads first, on one line for its `read`.
echo $dom0_modules >"$root/etc/dom0-modules"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitrd: $out $(($(stat -c %s "$out") / 1024)) KiB ($(du -sk "$root" | cut -f1) KiB unpacked)"
