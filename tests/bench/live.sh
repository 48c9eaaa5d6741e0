#!/bin/bash
# Usage: tests/bench/live.sh HOST   (make bench-live HOST=...)
#
# The HTTP and DNS load benchmarks against an appliance reached at HOST: a
# board on the LAN, or the twin or the guest in QEMU from inside their
# test's namespace. It needs nothing but the ports a board has and reads
# what to ask from the site's own repository (cloned first): the file of
# site/ closest to 1 KiB, and the names of zones/*.zone. Each measurement
# is bounded by BENCH_LIVE_SECS (10 s) and runs three rounds:
#   - requests/s for that file over HTTPS on 8 keep-alive connections (wrk);
#   - new TLS connections/s, 16 at once, one request each (h2load, 64 in all);
#   - DNS queries/s over UDP and over TCP (dnsperf, 4 clients, at most 100
#     queries outstanding), the queries the zones' own names and types;
#     over UDP the board's response rate limiting answers one client at
#     most 200 times a second a name (dns_rrl=off for a capacity figure).
# Prints a Markdown section on stdout (tests/bench/run.sh), progress on
# stderr. A benchmark: it reports, it does not pass or fail on a number;
# it fails only when it could not measure.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
host=${1:?usage: tests/bench/live.sh HOST}
SECS=${BENCH_LIVE_SECS:-10}
say() { echo "bench-live: $*" >&2; }
for t in wrk h2load dnsperf git curl; do
	command -v $t >/dev/null || { say "missing $t (deps/packages.list)"; exit 1; }
done
url=$host
[[ $host != *:* ]] || url="[$host]"
addr=$host
[[ $host =~ ^[0-9.]+$|: ]] || addr=$(getent ahosts "$host" | awk '{ print $1; exit }')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "cloning https://$host/site.git to choose what to ask"
GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 \
	git -c http.sslVerify=false clone -q "https://$url/site.git" "$work/site" || {
	say "cannot clone https://$host/site.git"
	exit 1
}
# The file of site/ whose size is closest to 1,024 bytes.
file=$(cd "$work/site" && git ls-files -z site/ | xargs -0 stat -c '%s %n' |
	awk '{ d = $1 - 1024; if (d < 0) d = -d; if (best == "" || d < bd) { best = $0; bd = d } }
	     END { print best }')
size=${file%% *}
path=/$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "${file#* site/}")
[ -n "$size" ] || { say "site/ has no file"; exit 1; }


say "wrk: $path ($size bytes) over HTTPS, 8 keep-alive connections, 3 x ${SECS} s"
for i in 1 2 3; do
	out=$(wrk -t1 -c8 -d"${SECS}s" "https://$url$path" 2>&1)
	echo "$out" | sed 's/^/  wrk: /' >&2
	echo "$out" | awk '/^Requests\/sec:/ { print $2 }' >>"$work/wrk"
	echo "$out" | awk '/Non-2xx/ { print $NF }' >>"$work/wrk-bad"
done
say "h2load: 64 new TLS connections, 16 at once, one request each, 3 rounds"
for i in 1 2 3; do
	out=$(timeout $((SECS * 3)) h2load --h1 -n 64 -c 16 "https://$url$path" 2>&1)
	echo "$out" | sed -n 's/^finished in .*s, \([0-9.]*\) req\/s.*/\1/p' >>"$work/h2"
	echo "$out" | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' >>"$work/h2-ok"
done
tls=$(echo "$out" | sed -n 's/^Cipher: //p')

# The queries: each name of each zone file with each of its types (as
# dig-style "NAME TYPE" lines), the first 1,000.
for z in "$work"/site/zones/*.zone; do
	[ -e "$z" ] || continue
	o=$(basename "$z" .zone)
	# (From $work: the repository's dns/ would hide dnspython's.)
	(cd "$work" && "$PY" - "$z" "$o") <<'EOF'
import sys
import dns.zone, dns.rdatatype
z = dns.zone.from_file(sys.argv[1], sys.argv[2] + ".", relativize=False, check_origin=False)
for name, node in z.nodes.items():
    if not name.is_wild():
        for rds in node.rdatasets:
            print(name.to_text(), dns.rdatatype.to_text(rds.rdtype))
EOF
done | head -n 1000 >"$work/queries"
nq=$(wc -l <"$work/queries")
if [ "$nq" -gt 0 ]; then
	for mode in udp tcp; do
		say "dnsperf over $mode: $nq distinct queries, 4 clients, 3 x ${SECS} s"
		for i in 1 2 3; do
			dnsperf -m $mode -s "$addr" -d "$work/queries" -l "$SECS" -c 4 -q 100 2>/dev/null >"$work/perf"
			awk '/Queries per second:/ { print $4 }' "$work/perf" >>"$work/dns-$mode"
			awk '/Queries lost:/ { print $3 }' "$work/perf" >>"$work/dns-$mode-lost"
		done
	done
else
	say "no zones/*.zone: DNS not measured"
fi

cat <<EOF
## Against $host (make bench-live)

$(date -u +%FT%TZ); the client this machine ($(nproc) cores). Median (min-max) of three rounds of ${SECS} s.

| measured | result |
|---|---|
| \`$path\` ($size bytes), HTTPS keep-alive, 8 connections (wrk) | $(median <"$work/wrk") requests/s; not 2xx: $(paste -sd+ "$work/wrk-bad" | sed 's/^$/0/') |
| new TLS connections, 16 at once, one request each (h2load, 64 a round) | $(median <"$work/h2")/s; succeeded: $(paste -sd/ "$work/h2-ok") of 64 ($tls) |
EOF
if [ "$nq" -gt 0 ]; then
	cat <<EOF
| DNS over UDP, $nq distinct queries (dnsperf -c 4 -q 100) | $(median <"$work/dns-udp") queries/s; lost: $(paste -sd+ "$work/dns-udp-lost") |
| DNS over TCP, the same | $(median <"$work/dns-tcp") queries/s; lost: $(paste -sd+ "$work/dns-tcp-lost") |
EOF
	# One client asking thousands of queries a second is what response
	# rate limiting (200 answers/s a name, slip 2) is for.
	[ "$(paste -sd+ "$work/dns-udp-lost" | bc)" = 0 ] ||
		printf '\nQueries lost over UDP are the board'"'"'s response rate limiting at work on one client; `dns_rrl=off` in appliance.conf for the run measures capacity instead.\n'
fi
echo
