#!/bin/bash
# Usage: tests/bench/dns.sh APPLIANCE STORECTL
# Benchmark (numbers, no pass/fail): the host twin's DNS beside Debian's
# nsd, both asked by dnsperf from the same network namespace through a
# kernel network boundary, as tests/bench/http-nginx.sh does for HTTP: the
# twin (lwIP) on tap0 at 192.0.2.2, nsd (one server process, server-count
# 1: fair to the single-threaded twin) in a second namespace behind a veth
# pair at 198.51.100.2. The zone and the queries are the comparison's
# (tests/host/dns/example.org.zone; every IN query of
# tests/host/dns/queries.txt without options, in order: answers, NODATA,
# NXDOMAIN, wildcards, CNAMEs, referrals). Measured:
#   - dnsperf over UDP, $BENCH_DNS_SECS s a round, 4 clients, up to 100
#     queries in flight: queries/s and average latency, median of 3 rounds
#     (and their range);
#   - instructions (Ir, callgrind) per query, by difference of two runs of
#     N1 and N2 queries, so start-up is excluded: the twin's count includes
#     lwIP, its UDP/IP stack in user space; nsd's leaves out the kernel's;
#   - a 10,000-record zone: load time and memory, the twin's from its log
#     (dns: ... loaded in ... ms, ... KiB), nsd's from nsd-checkzone's time
#     and the server's VmHWM with and without the zone.
# The twin's RRL is off for the run (dns_rrl=off in its appliance.conf), as
# nsd's is (nsd_conf):
# one address asking thousands of queries a second is what it limits.
# Markdown on stdout, progress on stderr ("bench-dns: ..."); about 2 minutes.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/host/netns.sh
. tests/host/dns/nsd.sh
TWIN=$(realpath "${1:-build/host/appliance}")
STORECTL=$(realpath "${2:-build/host/storectl}")
HERE=$PWD/tests/host/dns
SECS=${BENCH_DNS_SECS:-5}
N1=${BENCH_DNS_N1:-2000}
N2=${BENCH_DNS_N2:-6000}
NS2=apl-nsd-$$
TWIN_IP=192.0.2.2
NSD_IP=198.51.100.2
CG=(valgrind --tool=callgrind --quiet)
say() { echo "bench-dns: $*" >&2; }

# up_nsd DIR [WRAPPER...]: nsd in $NS2 in the foreground; sets NSD_PID.
up_nsd() {
	local d=$1
	shift
	ip netns exec "$NS2" "$@" nsd -d -c "$d/nsd.conf" >>"$d/out.log" 2>&1 &
	NSD_PID=$!
	PIDS+=("$NSD_PID")
	dns_wait "$NSD_IP" 60 || { say "no DNS answer from $NSD_IP"; return 1; }
}

# up_twin STORE [WRAPPER...]: the twin serving STORE; sets TWIN_PID.
up_twin() {
	local store=$1
	shift
	ip netns exec "$NS" "$@" "$TWIN" --conf "$WORK/twin.conf" --tap tap0 \
		--mac 02:00:00:00:00:0b --disk "$store" --no-seed >>"$WORK/twin.log" 2>&1 &
	TWIN_PID=$!
	PIDS+=("$TWIN_PID")
	dns_wait "$TWIN_IP" 60 || { say "no DNS answer from $TWIN_IP"; return 1; }
}

stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# perf IP: "qps latency_ms" of one dnsperf round.
perf() {
	in_ns dnsperf -s "$1" -d "$WORK/queries" -l "$SECS" -c 4 -q 100 2>/dev/null |
		awk '/Queries per second:/ { q = $4 } /Average Latency/ { l = $4 * 1000 }
		     END { printf "%.0f %.3f\n", q, l }'
}

# rounds IP NAME: three rounds, "median_qps (min-max) median_latency" into R_<NAME>.
rounds() {
	local ip=$1 name=$2 out=() i
	for i in 1 2 3; do
		say "dnsperf $name, round $i of 3 ($SECS s)"
		out+=("$(perf "$ip")")
	done
	printf '%s\n' "${out[@]}" >"$WORK/rounds-$name"
	eval "R_$name=\"\$(sort -n \"\$WORK/rounds-\$name\" | awk '{ q[NR] = \$1; l[NR] = \$2 }
		END { printf \"%d (%d-%d) | %.3f\", q[2], q[1], q[3], l[2] }')\""
}

# ask N IP: N queries from the query file, one at a time over one socket (for callgrind).
ask() {
	in_ns "$PY" - "$1" "$2" "$WORK/queries" <<'EOF'
import socket, sys
import dns.message, dns.rdatatype
n, ip, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
qs = [dns.message.make_query(l.split()[0], l.split()[1]).to_wire() for l in open(path)]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for i in range(n):
    s.sendto(qs[i % len(qs)], (ip, 53))
    s.recv(65535)
EOF
}

# ir_of FILE...: total Ir of callgrind output files.
ir_of() { cat "$@" | awk '/^summary:/ { s += $2 } END { print s + 0 }'; }

need_root
command -v dnsperf >/dev/null || { say "no dnsperf (deps/packages.list)"; exit 1; }
netns_setup && netns_peer "$NS2" "$NSD_IP" || { say "namespaces"; exit 1; }
mkdir -p "$WORK/tree/site" "$WORK/tree/zones" "$WORK/nsd" "$WORK/big/zones" "$WORK/nsdbig"
printf 'bench\n' >"$WORK/tree/site/index.html"
cp "$HERE/example.org.zone" "$WORK/tree/zones/" && cp "$HERE/example.org.zone" "$WORK/nsd/"
"$STORECTL" init "$WORK/store.img" 16M >/dev/null
"$STORECTL" import "$WORK/store.img" "$WORK/tree" -m zone >/dev/null
printf 'hostname=bench\nip=%s/24\ndns_rrl=off\n' "$TWIN_IP" >"$WORK/twin.conf"
awk '!/^#/ && $3 == "IN" && NF == 3 { print $1, $2 }' "$HERE/queries.txt" >"$WORK/queries"
nq=$(wc -l <"$WORK/queries")
nsd_conf "$WORK/nsd" "$NSD_IP" example.org.zone >"$WORK/nsd/nsd.conf"

say "the twin and nsd, the comparison's zone, $nq queries"
up_twin "$WORK/store.img" || exit 1
up_nsd "$WORK/nsd" || exit 1
rounds "$TWIN_IP" twin
rounds "$NSD_IP" nsd
stop_pid "$TWIN_PID"
stop_pid "$NSD_PID"

say "callgrind: $N1 and $N2 queries to each, one at a time"
declare -A IR
for n in "$N1" "$N2"; do
	rm -f "$WORK"/cg.twin.* "$WORK"/cg.nsd.*
	up_twin "$WORK/store.img" "${CG[@]}" --callgrind-out-file="$WORK/cg.twin.%p" || exit 1
	ask "$n" "$TWIN_IP"
	stop_pid "$TWIN_PID"
	up_nsd "$WORK/nsd" "${CG[@]}" --trace-children=yes --callgrind-out-file="$WORK/cg.nsd.%p" ||
		exit 1
	ask "$n" "$NSD_IP"
	stop_pid "$NSD_PID"
	sleep 1
	IR[twin$n]=$(ir_of "$WORK"/cg.twin.*)
	IR[nsd$n]=$(ir_of "$WORK"/cg.nsd.*)
done
ir_twin=$(((IR[twin$N2] - IR[twin$N1]) / (N2 - N1)))
ir_nsd=$(((IR[nsd$N2] - IR[nsd$N1]) / (N2 - N1)))

say "a zone of 10,000 records"
{
	printf '$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n'
	for i in $(seq 0 9996); do printf 'h%d A 10.%d.%d.%d\n' "$i" $((i >> 16)) $(((i >> 8) & 255)) $((i & 255)); done
} >"$WORK/big/zones/example.org.zone"
printf 'bench\n' >"$WORK/big/index.html"
"$STORECTL" init "$WORK/big.img" 32M >/dev/null
"$STORECTL" import "$WORK/big.img" "$WORK/big" -m big >/dev/null
: >"$WORK/twin.log"
up_twin "$WORK/big.img" || exit 1
twin_load=$(sed -n 's/.*dns: 1 zone loaded in \([0-9]*\) ms, \([0-9]*\) KiB.*/\1 ms, \2 KiB/p' "$WORK/twin.log")
stop_pid "$TWIN_PID"
cp "$WORK/big/zones/example.org.zone" "$WORK/nsdbig/"
nsd_conf "$WORK/nsdbig" "$NSD_IP" example.org.zone \
	>"$WORK/nsdbig/nsd.conf"
start=$(date +%s%N)
nsd-checkzone example.org "$WORK/nsdbig/example.org.zone" >/dev/null
nsd_check=$((($(date +%s%N) - start) / 1000000))
hwm() { awk '/VmHWM/ { print $2 }' /proc/"$1"/status 2>/dev/null; }
up_nsd "$WORK/nsdbig" || exit 1
nsd_big=$(for p in $(ip netns pids "$NS2"); do hwm "$p"; done | sort -n | tail -1)
stop_pid "$NSD_PID"
up_nsd "$WORK/nsd" || exit 1
nsd_small=$(for p in $(ip netns pids "$NS2"); do hwm "$p"; done | sort -n | tail -1)
stop_pid "$NSD_PID"

cat <<EOF
## DNS: the twin beside nsd (host)

dnsperf $(dpkg-query -W -f '${Version}' dnsperf) over UDP from one namespace, the twin (lwIP on tap0) and nsd $(nsd -v 2>&1 | sed -n 's/^NSD version \([^ ]*\).*/\1/p' | head -1) (one server process, behind a veth pair); the
comparison's zone and its $nq IN queries, in order, looped; $SECS s a round, 4
clients, up to 100 queries in flight; median of 3 rounds (range).

| | twin | nsd |
|---|---|---|
| queries/s | ${R_twin%% |*} | ${R_nsd%% |*} |
| average latency, ms | ${R_twin##*| } | ${R_nsd##*| } |
| instructions per query (callgrind, $N2 - $N1 queries) | $ir_twin | $ir_nsd |
| 10,000-record zone: load | ${twin_load:-?} (in the twin, from the store) | nsd-checkzone ${nsd_check} ms; server VmHWM ${nsd_big} KiB (${nsd_small} KiB with the small zone) |

The twin's instructions include lwIP, its UDP/IP stack, and the TAP device's
reads and writes in user space; nsd's leave out the kernel's network stack.
The twin answers from one thread, nsd from one server process. Commands:
\`dnsperf -s IP -d QUERIES -l $SECS -c 4 -q 100\`; \`valgrind --tool=callgrind\`
(nsd with --trace-children=yes, every process summed).
EOF
