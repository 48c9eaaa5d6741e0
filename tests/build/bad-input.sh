#!/bin/bash
# Bad input to the build: a wrong BOARD, a missing tool and a corrupt
# downloaded source must each stop the build with a one-line reason; and
# make lock (deps/lock.sh) pins only what the archive serves.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs make, keeps its output, and expects failure with a line matching $1.
expect_stop() {
	local what=$1 pattern=$2
	shift 2
	if "$@" >"$tmp/out" 2>&1; then
		fail "$what: make succeeded"
		return
	fi
	if grep -qE "$pattern" "$tmp/out"; then
		ok "$what: $(grep -E "$pattern" "$tmp/out" | head -1)"
	else
		fail "$what: no line matching '$pattern' in:"
		sed 's/^/    /' "$tmp/out"
	fi
}

expect_stop "unknown BOARD" "unknown BOARD 'nosuchboard'; known boards: cubieboard2 cubietruck orangepi-pc qemu-virt" \
	make BOARD=nosuchboard

# A PATH that has every command but mcopy: the build must name the tool and
# its package instead of failing somewhere inside the image recipe.
mkdir -p "$tmp/bin"
for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
	[ -d "$d" ] || continue
	for f in "$d"/*; do
		n=${f##*/}
		[ "$n" = mcopy ] && continue
		[ -e "$tmp/bin/$n" ] || ln -s "$f" "$tmp/bin/$n"
	done
done
expect_stop "missing tool" "^setup: missing tool 'mcopy' \(Debian package mtools\)" \
	env PATH="$tmp/bin" make setup

# A corrupt cached source: the checksum from the lock must catch it before
# anything is unpacked or built. Uses a private cache and build dir.
src=$(awk '$1 == "src" && $2 == "zlib" && $6 ~ /orig/ { print $6 }' deps/packages.lock)
cache=${CACHE:-$HOME/.cache/appliance}
if make -s B="$tmp/build-good" "$tmp/build-good/src/zlib/.unpacked" >/dev/null 2>&1; then
	mkdir -p "$tmp/cache/src"
	cp -r "$cache/src/zlib" "$tmp/cache/src/"
	printf 'X' | dd of="$tmp/cache/src/zlib/$src" bs=1 seek=1000 conv=notrunc status=none
	expect_stop "corrupt source" "^deps: source zlib .*: checksum mismatch for $src" \
		make B="$tmp/build" CACHE="$tmp/cache" "$tmp/build/src/zlib/.unpacked"
	check "corrupt source: nothing unpacked" test ! -e "$tmp/build/src/zlib"
else
	fail "corrupt source: could not fetch the good zlib source first"
fi

# A pin the archive no longer has: the error names the package and says how
# to move the lock.
sed 's/^\(armhf libfdt1 armhf\) [^ ]*/\1 0.0-gone/' deps/packages.lock >"$tmp/lock"
expect_stop "pin gone from the archive" "^deps: libfdt1:armhf 0.0-gone is no longer in the archive; move the pin with 'make lock'" \
	env LOCK="$tmp/lock" CACHE="$tmp/cache" deps/fetch.sh armhf libfdt1

# A pin apt's indexes lack because an archive's update failed (apt keeps
# none of that archive's new lists when one index is bad, as a mirror
# mid-sync serves) comes from the archive's pool: fetch.sh (sourced here
# for its functions) finds the source package's directory, and the file
# is taken only with the lock's checksum, nothing left behind otherwise.
pinned=$(awk '$1 == "armhf" && $2 == "libfdt1" { print $4 }' deps/packages.lock)
sha=$(awk '$1 == "armhf" && $2 == "libfdt1" { print $5 }' deps/packages.lock)
pool_src=$(. deps/fetch.sh && deb_source libfdt1:armhf)
pool_file=$(. deps/fetch.sh && deb_file libfdt1 "$pinned" armhf)
check "pool: libfdt1 is built from $pool_src (the index's Source)" test "$pool_src" = device-tree-compiler
check "pool: $pool_file fetched from the pool, with the lock's checksum" \
	bash -c '. deps/fetch.sh && pool_fetch "$1" "$2" "$3" "$4" && echo "$2  $1" | sha256sum -c --status' \
	_ "$tmp/pool.deb" "$sha" "$pool_src" "$pool_file"
check "pool: ... refused with any other checksum, and no file kept" \
	bash -c '! (. deps/fetch.sh && pool_fetch "$1" "$2" "$3" "$4") && [ ! -e "$1" ] && [ ! -e "$1.part" ]' \
	_ "$tmp/bad.deb" "$(printf '0%.0s' {1..64})" "$pool_src" "$pool_file"

# The hypervisor package's config must have each setting hypervisor/xen.config
# asks for (here one Debian's build does not have), in a build tree of its
# own whose set-up and downloads are this one's.
mkdir -p "$tmp/xb/.stamp" "$tmp/xb/.lock"
cp -p build/.lock/armhf-all "$tmp/xb/.lock/" && cp -p build/.stamp/setup build/.stamp/debs "$tmp/xb/.stamp/"
printf '# CONFIG_DEBUG is not set\nCONFIG_NO_SUCH_SETTING=y\n' >"$tmp/xen.config"
expect_stop "xen: a setting the package lacks" "^xen: xen-hypervisor-4.17-armhf's config lacks 'CONFIG_NO_SUCH_SETTING=y'" \
	make B="$tmp/xb" XEN_CONFIG="$tmp/xen.config" "$tmp/xb/xen/xen"
check "... and no hypervisor is left for the image" test ! -e "$tmp/xb/xen/xen"

# The initramfs builders take each package at the version the lock pins,
# though the download cache keeps the files of earlier pins too.
mkdir -p "$tmp/debs" "$tmp/pkg"
read -r arch ver < <(awk '$1 == "armhf" && $2 == "libxentoollog1" { print $3, $4 }' deps/packages.lock)
cp "${CACHE:-$HOME/.cache/appliance}/debs/libxentoollog1_${ver//:/%3a}_$arch.deb" "$tmp/debs/"
: >"$tmp/debs/libxentoollog1_4.17.0-1_$arch.deb"
check "initrd: libxentoollog1 $ver taken from beside an earlier version's file" \
	bash -c 'die() { echo "$*"; exit 1; }; . hypervisor/initrd-lib.sh && initrd_extract "$1" "$2" libxentoollog1 && ls "$2"/usr/lib/*/libxentoollog.so.1' \
	_ "$tmp/debs" "$tmp/pkg"

# make lock (deps/lock.sh, sourced here for its functions) pins a version
# only once it has downloaded it and checked it against the index, and
# orders versions as Debian does (an epoch first, a tilde before nothing).
order=$(printf '1.0\n 1:0.5\n2.0~rc1\n2.0\n1.0\n' | (. deps/lock.sh && newest_first) | paste -sd' ')
check "lock: versions newest first by Debian's ordering: $order" test "$order" = "1:0.5 2.0 2.0~rc1 1.0"
check "lock: the pinned libfdt1 $pinned downloads with the lock's checksum" \
	bash -c '. deps/lock.sh && deb_served libfdt1:armhf "$1" "$2"' _ "$pinned" "$sha"
check "lock: ... and a download whose checksum differs from the index's is refused" \
	bash -c '! (. deps/lock.sh && deb_served libfdt1:armhf "$1" 0000)' _ "$pinned"
line=$(. deps/lock.sh && bin_pin libfdt1:armhf "$pinned")
check "lock: bin_pin gives the lock's own line for it: $line" \
	test "armhf libfdt1 $line" = "$(awk '$1 == "armhf" && $2 == "libfdt1"' deps/packages.lock)"
# The whole of make lock on a short list, each pin as the project's lock
# has it; and a binary tied to a source's version (same-as=) is pinned at
# that version or not at all: libfdt1 has no version 2.1.3+dfsg1-2, lwip's.
printf 'host make\nsrc lwip\narmhf libfdt1\n' >"$tmp/list"
LIST="$tmp/list" LOCK="$tmp/short.lock" deps/lock.sh >"$tmp/out" 2>&1
check "lock: a short list locked: $(tail -1 "$tmp/out")" grep -q '^lock: wrote .* (5 entries)$' "$tmp/out"
check "... its pins are the project lock's" \
	bash -c 'grep -v "^#" "$1" | while read -r l; do grep -qxF "$l" deps/packages.lock || exit 1; done' _ "$tmp/short.lock"
lwip=$(awk '$1 == "src" && $2 == "lwip" { print $4; exit }' deps/packages.lock)
printf 'src lwip\narmhf libfdt1 same-as=lwip\n' >"$tmp/list"
expect_stop "lock: libfdt1 tied to lwip's version" "^lock: the archive does not list libfdt1:armhf ${lwip//+/[+]}\$" \
	env LIST="$tmp/list" LOCK="$tmp/short.lock" deps/lock.sh
# ... or to a binary package's listed above it (dom0's Xen tools at the
# hypervisor package's version), and one listed below it is refused.
printf 'armhf libxentoollog1\narmhf libxentoolcore1 same-as=libxentoollog1\n' >"$tmp/list"
LIST="$tmp/list" LOCK="$tmp/short.lock" deps/lock.sh >"$tmp/out" 2>&1 || true
check "lock: libxentoolcore1 tied to libxentoollog1 has its version: $(awk '!/^#/ { print $2, $4 }' "$tmp/short.lock" | paste -sd' ')" \
	bash -c 'v=$(awk '"'"'$2 == "libxentoollog1" { print $4 }'"'"' "$1") && [ -n "$v" ] &&
		awk -v v="$v" '"'"'$2 == "libxentoolcore1" && $4 == v { ok = 1 } END { exit !ok }'"'"' "$1"' _ "$tmp/short.lock"
printf 'armhf libxentoolcore1 same-as=libxentoollog1\narmhf libxentoollog1\n' >"$tmp/list"
expect_stop "lock: a tie to a package listed below" "^lock: libxentoolcore1: no source or earlier package 'libxentoollog1'" \
	env LIST="$tmp/list" LOCK="$tmp/short.lock" deps/lock.sh
expect_stop "lock: a version the archive does not have" "^lock: no version of libfdt1:armhf can be fetched" \
	bash -c '. deps/lock.sh && bin_pin libfdt1:armhf 0.0-gone'
done_tests
