#!/bin/bash
# Install or fetch exactly what deps/packages.lock pins, verify checksums,
# and cache downloads. Every failure is one line naming the package.
#
#   fetch.sh host               install the pinned host tools (apt-get)
#   fetch.sh armhf NAME...      download pinned armhf .debs into $CACHE/debs
#   fetch.sh src NAME DEST      fetch a pinned source package, unpack into DEST
#
# Sourced, it only defines its functions (tests/build/bad-input.sh tries them).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lock=${LOCK:-$here/packages.lock}
cache=${CACHE:-$HOME/.cache/appliance}
export DEBIAN_FRONTEND=noninteractive

die() { echo "deps: $*" >&2; exit 1; }
gone() {
	die "$1 $2 is no longer in the archive; move the pin with 'make lock' (deps/lock.sh) and commit deps/packages.lock"
}

# apt-get update that survives a transient error on one index: apt exits
# non-zero but keeps the other lists, which is all we need. Once per
# make: make names a stamp file for its run in APT_UPDATED (deps/module.mk),
# so the fetches of all source packages share one update; a lock keeps
# two parallel fetches from updating at once.
updated=0
apt_update() {
	[ $updated = 1 ] && return 0
	updated=1
	local stamp=${APT_UPDATED:-}
	if [ -n "$stamp" ]; then
		mkdir -p "$(dirname "$stamp")"
		exec 9>"$(dirname "$stamp")/apt-update.lock"
		flock 9
		if [ -f "$stamp" ]; then
			flock -u 9
			return 0
		fi
		find "$(dirname "$stamp")" -maxdepth 1 -name 'apt-updated-*' -delete
	fi
	echo "deps: apt-get update"
	sh "$here/apt-sources.sh"
	local i ok=0
	for i in 1 2; do
		if apt-get update -q -o Acquire::Retries=3 >/dev/null 2>&1; then
			ok=1
			break
		fi
		[ $i = 1 ] && echo "deps: apt-get update reported an error, retrying once"
	done
	[ $ok = 1 ] ||
		echo "deps: apt-get update still reports an error on some index; going on with the lists it got"
	if [ -n "$stamp" ]; then
		touch "$stamp"
		flock -u 9
	fi
	return 0
}

lock_lines() { awk -v g="$1" '$1 == g' "$lock"; }

# apt-get update is all or nothing for each archive: one index that fails
# (a mirror mid-sync serves a Packages.xz that its InRelease does not
# list, seen with bookworm-security's armhf index, 2026-12) and apt keeps
# none of that archive's new lists, so on a new machine its Sources and
# other indexes are missing too, and apt cannot fetch any pin from it.
# The pool's layout is fixed, though: pool_fetch gets `file` of source
# package `src` straight from each archive the machine's sources name
# (the main archive's pool/main, the security archive's
# pool/updates/main), and apt-helper checks it against the lock's sha256,
# which is what trusting the index would have checked.
pool_fetch() {
	local dest=$1 sha=$2 src=$3 file=$4 dir uri root
	case "$src" in lib?*) dir=${src:0:4}/$src ;; *) dir=${src:0:1}/$src ;; esac
	for uri in $(apt-get indextargets --format '$(REPO_URI)' | sort -u); do
		for root in pool/main pool/updates/main; do
			if /usr/lib/apt/apt-helper download-file "$uri$root/$dir/$file" "$dest.part" \
				"SHA256:$sha" >/dev/null 2>&1; then
				mv "$dest.part" "$dest"
				return 0
			fi
			rm -f "$dest.part"
		done
	done
	return 1
}

# The source package binary package $1 (name:arch) is built from, by the indexes.
deb_source() {
	local src
	src=$(apt-cache show "$1" 2>/dev/null | awk '/^Source:/ { print $2; exit }')
	echo "${src:-${1%%:*}}"
}

# A pinned .deb's file name in the pool and in the cache: no epoch.
deb_file() { local ver=$2; echo "${1}_${ver#*:}_$3.deb"; }

# Verify that the archive's index offers name:arch=ver with the pinned
# sha256; false if the index lacks that version (pool_fetch may have it).
check_index() {
	local name=$1 arch=$2 ver=$3 sha=$4 got
	got=$(apt-cache show "$name:$arch=$ver" 2>/dev/null | awk '/^SHA256:/ { print $2; exit }')
	if [ -z "$got" ]; then
		apt_update
		got=$(apt-cache show "$name:$arch=$ver" 2>/dev/null | awk '/^SHA256:/ { print $2; exit }')
	fi
	[ -n "$got" ] || return 1
	[ "$got" = "$sha" ] || die "$name:$arch $ver: archive checksum $got differs from the lock's $sha"
}

do_host() {
	local missing=() name arch ver sha have
	while read -r _ name arch ver sha; do
		have=$(dpkg-query -W -f '${Status} ${Version}' "$name:$arch" 2>/dev/null || true)
		[ "$have" = "install ok installed $ver" ] && continue
		missing+=("$name:$arch=$ver")
	done < <(lock_lines host)
	[ ${#missing[@]} = 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
	apt_update
	local i m
	for i in "${!missing[@]}"; do
		m=${missing[$i]}
		name=${m%%=*}; ver=${m#*=}
		sha=$(awk -v n="${name%%:*}" '$1 == "host" && $2 == n { print $5 }' "$lock")
		check_index "${name%%:*}" "${name#*:}" "$ver" "$sha" && continue
		# Not in the index: installed from the pool's file (its dependencies still from the index).
		missing[$i]=$(deb_cached "${name%%:*}" "${name#*:}" "$ver" "$sha")
	done
	echo "deps: installing ${#missing[@]} pinned host packages (with their dependencies; a few minutes on a new machine)"
	# nginx is a benchmark's comparison, run by the test itself: installing
	# it must not start a daemon on the machine's port 80 (policy-rc.d 101
	# tells Debian's maintainer scripts not to start services).
	local policy=/usr/sbin/policy-rc.d made=
	if [ ! -e $policy ]; then
		printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy && made=1
	fi
	# One line per package set up, so a person watching sees progress.
	apt-get install -y -q --no-install-recommends --allow-downgrades "${missing[@]}" 2>&1 |
		sed -un 's/^Setting up \([^ ]*\) .*/deps:   set up \1/p; /^E: /p'
	local rc=${PIPESTATUS[0]}
	[ -z "$made" ] || rm -f $policy
	[ "$rc" = 0 ] || die "apt-get install failed for: ${missing[*]}"
}

# Download pinned package $1:$2=$3 (sha256 $4) into the cache, verified;
# print the file's path. From the pool when the index lacks it (pool_fetch).
deb_cached() {
	local name=$1 arch=$2 ver=$3 sha=$4 file
	file=$cache/debs/${name}_${ver//:/%3a}_$arch.deb
	if [ -f "$file" ] && echo "$sha  $file" | sha256sum -c --status; then
		echo "$file"
		return 0
	fi
	mkdir -p "$cache/debs"
	echo "deps: downloading $name $ver ($arch)" >&2
	if check_index "$name" "$arch" "$ver" "$sha"; then
		(cd "$cache/debs" && apt-get download -q "$name:$arch=$ver" >/dev/null 2>&1) ||
			gone "$name:$arch" "$ver"
	else
		echo "deps: $name:$arch $ver is not in apt's indexes; fetching it from the archive's pool" >&2
		pool_fetch "$file" "$sha" "$(deb_source "$name:$arch")" "$(deb_file "$name" "$ver" "$arch")" ||
			gone "$name:$arch" "$ver"
	fi
	echo "$sha  $file" | sha256sum -c --status || {
		rm -f "$file"
		die "$name $ver: checksum mismatch for $(basename "$file"); the download was deleted"
	}
	echo "$file"
}

# Download one pinned armhf package into the cache, verified.
fetch_deb() {
	local want=$1 line name arch ver sha
	line=$(awk -v n="$want" '$1 == "armhf" && $2 == n' "$lock")
	[ -n "$line" ] || die "$want is not in $lock (add it to deps/packages.list, run make lock)"
	read -r _ name arch ver sha <<<"$line"
	deb_cached "$name" "$arch" "$ver" "$sha" >/dev/null
}

do_armhf() {
	local n
	for n in "$@"; do fetch_deb "$n"; done
}

# Fetch a source package's files into the cache, verify each against the lock,
# and unpack with Debian's patches applied. A corrupt cached file is an error,
# not a silent re-download, so a bad mirror or a bad disk is noticed.
do_src() {
	local want=$1 dest=$2 ver sha file dir=$cache/src/$1 missing=0 dsc=
	[ -n "$(lock_lines src | awk -v n="$want" '$2 == n')" ] || die "source $want is not in $lock"
	mkdir -p "$dir"
	while read -r _ _ _ ver sha file; do
		[ -f "$dir/$file" ] || missing=1
	done < <(lock_lines src | awk -v n="$want" '$2 == n')
	if [ $missing = 1 ]; then
		apt_update
		ver=$(lock_lines src | awk -v n="$want" '$2 == n { print $4; exit }')
		echo "deps: downloading source $want $ver"
		if ! (cd "$dir" && apt-get source -q --download-only "$want=$ver" >/dev/null 2>&1); then
			echo "deps: source $want $ver is not in apt's indexes; fetching it from the archive's pool"
			while read -r _ _ _ ver sha file; do
				[ -f "$dir/$file" ] || pool_fetch "$dir/$file" "$sha" "$want" "$file" ||
					gone "source $want" "$ver"
			done < <(lock_lines src | awk -v n="$want" '$2 == n')
		fi
	fi
	while read -r _ _ _ ver sha file; do
		echo "$sha  $dir/$file" | sha256sum -c --status ||
			die "source $want $ver: checksum mismatch for $file (delete $dir and retry, or check the mirror)"
		case "$file" in *.dsc) dsc=$file ;; esac
	done < <(lock_lines src | awk -v n="$want" '$2 == n')
	echo "deps: unpacking source $want into $dest"
	rm -rf "$dest" "$dest.tmp"
	mkdir -p "$(dirname "$dest")"
	dpkg-source --no-check -x "$dir/$dsc" "$dest.tmp" >/dev/null || die "source $want: dpkg-source failed"
	mv "$dest.tmp" "$dest"
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
[ -f "$lock" ] || die "no lock file $lock"
mode=${1:-}
shift || true
case "$mode" in
host) do_host ;;
armhf) do_armhf "$@" ;;
src) [ $# = 2 ] || die "usage: fetch.sh src NAME DEST"; do_src "$1" "$2" ;;
*) die "usage: fetch.sh host | armhf NAME... | src NAME DEST" ;;
esac
