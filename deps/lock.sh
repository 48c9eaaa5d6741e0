#!/bin/bash
# Resolve deps/packages.list to the archive's current versions and write
# deps/packages.lock. Run by hand when moving the pins (make lock), never by
# the build: the build only ever uses what the lock says. Sourced, it only
# defines its functions (tests/build/bad-input.sh tries them).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
list=${LIST:-$here/packages.list}
lock=${LOCK:-$here/packages.lock}
host_arch=$(dpkg --print-architecture)

# The newest of versions on stdin, one per line, by Debian's ordering.
newest() {
	local best='' v
	while read -r v; do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	echo "$best"
}

# The versions on stdin, each once, newest first.
newest_first() {
	local versions v
	versions=$(awk '{ $1 = $1 } NF && !seen[$0]++')
	while [ -n "$versions" ]; do
		v=$(newest <<<"$versions")
		echo "$v"
		versions=$(grep -vxF -- "$v" <<<"$versions" || true)
	done
}

# An archive's index can list a version before its pool has the files
# (seen with bookworm-security's xen and zlib sources, 2026-12), and a pin
# nobody can fetch breaks every fresh build: so each pin is downloaded
# here and checked against the index's checksum, and when the newest
# version cannot be, the next older one is tried. Each such step is also
# kept in $held and repeated at the end: a pin older than the archive's
# newest may be a security update missed (or a download that failed for
# a moment), for the person running make lock to look at.
held=/dev/null

# Note that $1's newest version $2 was passed over.
passed_over() {
	echo "lock: $1 $2 is listed but could not be fetched or checked" >&2
	echo "$1 $2" >>"$held"
}

# True if binary package $1 (name:arch) at version $2 downloads with sha256 $3.
deb_served() {
	local dl ok=1
	dl=$(mktemp -d)
	(cd "$dl" && apt-get download -q -o Acquire::Retries=3 "$1=$2" </dev/null >/dev/null 2>&1) || ok=0
	[ $ok = 0 ] || [ "$(cat "$dl"/*.deb 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$3" ] || ok=0
	rm -rf "$dl"
	[ $ok = 1 ]
}

# Print "arch version sha256" of binary package $1 (name:arch) at version
# $2 if given, else at the newest version the archive offers and serves.
# Not apt's candidate: that may be a version installed from elsewhere (a
# vendor's nodejs, say), which has no checksum in the archive and which a
# fresh machine could not fetch.
bin_pin() {
	local versions=${2:-} v line
	[ -n "$versions" ] ||
		versions=$(apt-cache madison "$1" | awk -F' *[|] *' '$3 ~ / Packages$/ { print $2 }' | newest_first)
	if [ -z "$versions" ]; then
		echo "lock: the archive has no $1 (is 'apt-get update' done?)" >&2
		exit 1
	fi
	while read -r v; do
		# The package's real architecture: "all" for arch-independent ones.
		line=$(apt-cache show "$1=$v" 2>/dev/null | awk -v ver="$v" '
			/^Architecture:/ { arch = $2 }
			/^SHA256:/ { print arch, ver, $2; exit }')
		if [ -z "$line" ]; then
			echo "lock: the archive does not list $1 $v" >&2
		elif deb_served "$1" "$v" "${line##* }"; then
			echo "$line"
			return 0
		else
			passed_over "$1" "$v"
		fi
	done <<<"$versions"
	echo "lock: no version of $1 can be fetched (is 'apt-get update' done?)" >&2
	exit 1
}

# Print "version sha256 file" lines of source package $1 at version $2,
# each once (the same version may be listed in main and in security).
src_files() {
	apt-cache showsrc "$1" | awk -v want="$1" -v v="$2" '
		/^Package:/ { pkg = $2 }
		/^Version:/ { ver = $2 }
		/^Checksums-Sha256:/ { insum = 1; next }
		/^[^ ]/ { insum = 0 }
		insum && pkg == want && ver == v { print ver, $1, $3 }
	' | awk '!seen[$0]++'
}

# Print the lines of src_files for the newest version of source package $1
# that the archive serves, its files downloaded and checked (a version
# whose index entry names no files is not served).
src_pin() {
	local versions ver files dl ok
	versions=$(apt-cache showsrc "$1" | awk -v want="$1" '/^Package:/ { pkg = $2 } /^Version:/ && pkg == want { print $2 }' | newest_first)
	while read -r ver; do
		[ -n "$ver" ] || continue
		files=$(src_files "$1" "$ver")
		dl=$(mktemp -d)
		ok=1
		[ -n "$files" ] || ok=0
		[ $ok = 0 ] ||
			(cd "$dl" && apt-get source -q --download-only -o Acquire::Retries=3 "$1=$ver" </dev/null >/dev/null 2>&1) || ok=0
		[ $ok = 0 ] || (cd "$dl" && while read -r _ sha file; do
			echo "$sha  $file" | sha256sum -c --status || exit 1
		done <<<"$files") || ok=0
		rm -rf "$dl"
		if [ $ok = 1 ]; then
			echo "$files"
			return 0
		fi
		passed_over "source $1" "$ver"
	done <<<"$versions"
	echo "lock: no version of source $1 can be fetched (is 'apt-get update' done?)" >&2
	exit 1
}

main() {
	# Sources first: a binary package of the list may have to match one,
	# or a binary package above it ("armhf xen-utils-4.17
	# same-as=xen-hypervisor-4.17-armhf": dom0's Xen tools at the
	# hypervisor's version).
	declare -A src_lines src_ver bin_ver
	local group name tie ver arch pin sha file
	tmp=$(mktemp)
	held=$(mktemp)
	trap 'rm -f "$tmp" "$held"' EXIT
	while read -r group name _; do
		[ "$group" = src ] || continue
		echo "lock: source $name" >&2
		src_lines[$name]=$(src_pin "$name")
		src_ver[$name]=${src_lines[$name]%% *}
	done <"$list"

	{
		echo "# Generated by deps/lock.sh from deps/packages.list; edit the list, not this."
		echo "# group name arch version sha256 [file]"
		while read -r group name tie; do
			case "$group" in ''|'#'*) continue ;; esac
			ver=
			case "$tie" in
			'') ;;
			same-as=*) ver=${src_ver[${tie#same-as=}]:-${bin_ver[${tie#same-as=}]:-}}
				   [ -n "$ver" ] || { echo "lock: $name: no source or earlier package '${tie#same-as=}' in $list" >&2; exit 1; } ;;
			*) echo "lock: unknown '$tie' for $name in $list" >&2; exit 1 ;;
			esac
			case "$group" in
			host|armhf)
				echo "lock: $group $name" >&2
				[ "$group" = host ] && arch=$host_arch || arch=armhf
				pin=$(bin_pin "$name:$arch" "$ver")
				bin_ver[$name]=$(cut -d' ' -f2 <<<"$pin")
				echo "$group $name $pin" ;;
			src) while read -r ver sha file; do
			       echo "src $name source $ver $sha $file"
			     done <<<"${src_lines[$name]}" ;;
			*) echo "lock: unknown group '$group' in $list" >&2; exit 1 ;;
			esac
		done <"$list"
	} >"$tmp"
	mv "$tmp" "$lock"
	echo "lock: wrote $lock ($(grep -vc '^#' "$lock") entries)"
	if [ -s "$held" ]; then
		echo "lock: passed over, as the archive did not serve them (check these are not a security update missed, and run make lock again later):"
		sed 's/^/lock:   /' "$held"
	fi
	rm -f "$held"
	trap - EXIT
}

[ "${BASH_SOURCE[0]}" != "$0" ] || main
