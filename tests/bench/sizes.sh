#!/bin/bash
# Sizes of what ships, in bytes, as a Markdown table.
set -uo pipefail
cd "$(dirname "$0")/../.."
b=${B:-build}
o=${OUT:-out}
echo "## Sizes (bytes)"
echo
echo "| artifact | bytes |"
echo "|---|---|"
for f in "$b/guest/guest.zImage" "$b/guest/guest.stripped.elf" "$b/xen/xen" \
	"$b/dom0/dom0.zImage" "$b/dom0/dom0.initrd" "$o"/*.img.xz; do
	[ -f "$f" ] && echo "| \`${f#./}\` | $(stat -c %s "$f") |"
done
echo
