#!/bin/bash
# Usage: tests/store/image.sh STORECTL BOARD...
# The STORE partition (p2) of each shipped image is a store that fsck
# accepts, whose main branch holds the seeded site and zone as in store/seed/.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
ctl=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for board in "$@"; do
	img=${OUT:-out}/$board.img
	# p2's start and size in sectors, from the image's partition table.
	read -r start size < <(sfdisk -d "$img" | awk -F'[=,]' '/^[^ ]*2 :/ { print $2 + 0, $4 + 0 }')
	dd if="$img" of="$tmp/p2" bs=512 skip="$start" count="$size" conv=sparse status=none
	check "$board: p2 passes storectl fsck" "$ctl" fsck "$tmp/p2"
	check "$board: p2 main holds site/index.html as seeded" \
		cmp -s <("$ctl" cat "$tmp/p2" refs/heads/main site/index.html) store/seed/site/index.html
	check "$board: p2 main holds the zone as seeded" \
		cmp -s <("$ctl" cat "$tmp/p2" refs/heads/main zones/example.home.zone) store/seed/zones/example.home.zone
done
done_tests
