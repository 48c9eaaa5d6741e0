# Shared by the two initramfs builders (hypervisor/dom0/mkinitrd.sh and
# hypervisor/linux-domu/mkinitrd.sh): source it once die and CROSS (the
# cross binutils' prefix) are defined.

# The lock the packages are pinned in (deps/packages.lock).
initrd_lock=${LOCK:-$(dirname "${BASH_SOURCE[0]}")/../deps/packages.lock}

# initrd_extract DEBS PKG NAME...: each named package's .deb in DEBS, at the
# version the lock pins (the cache keeps earlier pins' files too), extracted
# into PKG (dpkg -x, no root needed).
initrd_extract() {
	local debs=$1 pkg=$2 p pin arch ver deb
	shift 2
	for p in "$@"; do
		pin=$(awk -v n="$p" '$1 == "armhf" && $2 == n { print $3, $4; exit }' "$initrd_lock")
		[ -n "$pin" ] || die "package $p is not pinned in $initrd_lock"
		read -r arch ver <<<"$pin"
		deb=$debs/${p}_${ver//:/%3a}_$arch.deb
		[ -f "$deb" ] || die "missing package $p $ver in $debs (run make setup)"
		dpkg -x "$deb" "$pkg"
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
