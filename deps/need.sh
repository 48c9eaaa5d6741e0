#!/bin/sh
# Check that every command in deps/tools.list is on PATH. A missing one stops
# the build with one line naming the command and the package that provides it.
# As root, a package that is not installed at all is installed first.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
missing() {
	grep -v '^#' "$here/tools.list" | while read -r cmd pkg; do
		[ -n "$cmd" ] || continue
		command -v "$cmd" >/dev/null 2>&1 || echo "$cmd $pkg"
	done
}
m=$(missing)
[ -z "$m" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	# Only worth trying if a package is really absent, not merely off PATH.
	echo "$m" | while read -r cmd pkg; do
		dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || echo "$pkg"
	done | grep -q . && "$here/fetch.sh" host
	m=$(missing)
	[ -z "$m" ] && exit 0
fi
echo "$m" | { read -r cmd pkg; echo "setup: missing tool '$cmd' (Debian package $pkg); run 'make setup' as root, or fix PATH" >&2; }
exit 1
