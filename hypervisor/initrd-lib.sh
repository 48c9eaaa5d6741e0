# Shared by the two initramfs builders (hypervisor/dom0/mkinitrd.sh and
# hypervisor/linux-domu/mkinitrd.sh): source it once die and CROSS (the
# cross binutils' prefix) are defined.

# initrd_extract DEBS PKG NAME...: each named package's one pinned armhf
# .deb in DEBS extracted into PKG (dpkg -x, no root needed).
initrd_extract() {
	local debs=$1 pkg=$2 p deb
	shift 2
	for p in "$@"; do
		deb=("$debs/${p}"_*_armhf.deb)
		[ -f "${deb[0]}" ] || die "missing package $p in $debs (run make setup)"
		[ ${#deb[@]} -eq 1 ] || die "several versions of $p in $debs: ${deb[*]}"
		dpkg -x "${deb[0]}" "$pkg"
	done
}

# initrd_libs PKG ROOT FILE...: into ROOT/lib/arm-linux-gnueabihf, every
# shared library the FILEs name (DT_NEEDED), and those the libraries name,
# to the end, from PKG's library directories; then the dynamic loader, at
# the path the binaries name in PT_INTERP (/lib/ld-linux-armhf.so.3).
initrd_libs() {
	local pkg=$1 root=$2 todo next seen f lib path
	shift 2
	todo=$*
	seen=" "
	while [ -n "$todo" ]; do
		next=
		for f in $todo; do
			for lib in $("${CROSS}readelf" -d "$f" 2>/dev/null |
				sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p'); do
				case $seen in *" $lib "*) continue ;; esac
				seen="$seen$lib "
				path=$(initrd_find_lib "$pkg" "$lib") || die "library $lib (needed by ${f#"$root"}) is in no package"
				cp -L "$path" "$root/lib/arm-linux-gnueabihf/$lib"
				next="$next $root/lib/arm-linux-gnueabihf/$lib"
			done
		done
		todo=$next
	done
	[ -e "$root/lib/arm-linux-gnueabihf/ld-linux-armhf.so.3" ] ||
		cp -L "$pkg/lib/arm-linux-gnueabihf/ld-linux-armhf.so.3" "$root/lib/arm-linux-gnueabihf/"
	ln -s arm-linux-gnueabihf/ld-linux-armhf.so.3 "$root/lib/ld-linux-armhf.so.3"
}

# initrd_find_lib PKG NAME: the path of library NAME in PKG's /lib or
# /usr/lib (multiarch); 1 if in neither.
initrd_find_lib() {
	local d
	for d in "$1/lib/arm-linux-gnueabihf" "$1/usr/lib/arm-linux-gnueabihf"; do
		[ -e "$d/$2" ] && { echo "$d/$2"; return 0; }
	done
	return 1
}
