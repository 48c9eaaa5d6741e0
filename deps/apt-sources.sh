#!/bin/sh
# Derive deb-src entries from the machine's own apt sources and enable armhf.
# Never names a mirror: every URI is copied from what the machine already uses.
set -eu
out=/etc/apt/sources.list.d/appliance-deb-src.sources
changed=0
if ! dpkg --print-foreign-architectures | grep -qx armhf; then
	echo "setup: adding dpkg architecture armhf"
	dpkg --add-architecture armhf
	changed=1
fi
if [ ! -f "$out" ]; then
	tmp=$(mktemp)
	# deb822 files: copy every stanza whose Types include deb, as deb-src.
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		[ "$f" = "$out" ] && continue
		awk '
			function flush() { if (stanza != "" && isdeb) print stanza "\n"; stanza = ""; isdeb = 0 }
			/^[ \t]*$/ { flush(); next }
			/^#/ { next }
			/^Types:/ { if ($0 ~ /(^|[ \t])deb([ \t]|$)/) isdeb = 1; stanza = stanza "Types: deb-src\n"; next }
			/^Architectures:/ { next }
			{ stanza = stanza $0 "\n" }
			END { flush() }
		' "$f" >>"$tmp"
	done
	# One-line format: deb [opts] uri suite comps -> deb-src.
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^deb\([ \t]\)/deb-src\1/p' "$f" | sed 's/\[[^]]*arch=[^]]*\]//' |
		while read -r kind uri suite comps; do
			printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n\n' "$uri" "$suite" "$comps"
		done >>"$tmp"
	done
	if [ ! -s "$tmp" ]; then
		echo "setup: no apt sources found to derive deb-src from" >&2
		exit 1
	fi
	echo "setup: writing $out (deb-src derived from this machine's sources)"
	install -m 644 "$tmp" "$out"
	rm -f "$tmp"
	changed=1
fi
exit 0
