#!/bin/bash
# Usage: tests/bench/side-by-side.sh BOARD   (as root)
# Benchmark (numbers, no pass/fail), issue 13: our guest beside a Linux
# domU serving the same site and zone, in the same QEMU run on the same
# Xen. The Linux domU (hypervisor/linux-domu/, make linux-domu) is Debian's
# armhf kernel package of dom0 with a tiny initramfs running nginx (HTTP,
# and HTTPS with nginx's OpenSSL) and nsd, from pinned Debian armhf packages.
#
# One boot of a copy of BOARD's test image on a TAP device in a network
# namespace of the benchmark's own (tests/host/netns.sh: tap0,
# 192.0.2.1/24), as tests/qemu/dns.sh boots it: its store holds the Linux
# domU's site (an index and a 1 KiB file, /.well-known/bench-1k) and the
# DNS comparison's zone (tests/host/dns/example.org.zone); its BOOT
# partition also holds the Linux domU's kernel, initramfs and xl cfg; its
# appliance.conf gives our guest the Linux domU's address (from that cfg),
# dns_rrl=off (nsd runs without RRL too), echo=on (below) and
# selftest=sidebyside, dom0's mode that creates the two one at a time,
# each destroyed before the other starts, at the same address with the
# same MAC, in the turns this script hands it (hypervisor/dom0/init: a
# long-polled HTTP request from dom0 to tests/bench/side_by_side.py
# serve). BENCH_SBS_ROUNDS rounds (5) of a turn each, alternating ours
# and Linux's; in each turn:
#   - time from dom0's "create" line (ours: launch, dom0's domain builder;
#     Linux: xl create) to the first DNS answer (example.org
#     SOA over UDP) and to the first HTTP 200 (GET of the 1 KiB file), a
#     try every 20 ms (side_by_side.py probe); and how long the creation
#     itself took, from dom0's "create" and "create ... done" lines;
#   - DNS queries/s: dnsperf over UDP, BENCH_SBS_SECS s (5), 4 clients, up
#     to 100 in flight, the IN queries of tests/host/dns/queries.txt;
#   - HTTP requests/s for the 1 KiB file: wrk, 8 keep-alive connections,
#     BENCH_SBS_SECS s;
#   - HTTPS handshakes/s: h2load, 8 new TLS connections at once with one
#     request each, again and again for BENCH_SBS_SECS s (no resumption);
#   - memory used, read after the load: ours, the heap high-water mark
#     (/metrics appliance_heap_peak_bytes); Linux, MemTotal - MemAvailable
#     of /proc/meminfo (a CGI of busybox httpd on port 8081, asked once);
#   - ours only, after that: the same dnsperf against our guest's UDP echo
#     (port 7), which sends each query back as it came, doing no work for
#     it: the rate the path from dnsperf to a domain and back carries, to
#     set the DNS rates against.
# Memory given: dom0's xl list line of each domain before it is destroyed.
# Image size: our guest.zImage; Linux's zImage plus its initramfs.
# Markdown on stdout (a table: metric, ours, Linux's, ratio; median and
# range over the rounds), PNG charts (gnuplot) in $OUT/bench, progress on
# stderr ("bench-side-by-side: ..."). About 4 minutes with 5 rounds.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/qemu/run-lib.sh
# NS, WORK (a temporary directory), netns_setup, ns_daemon, in_ns and
# netns_cleanup, which stops everything in the namespace and removes it.
. tests/host/netns.sh
board=${1:-qemu-virt}
# The emulated CPUs, as board.conf gives them to QEMU (image/qemu.sh).
eval "$(image/board-env.sh "$board")" || exit 1
smp=${QEMU_SMP:-1}
if [ "$smp" = 1 ]; then
	cpus="one emulated CPU for Xen, dom0 and the domain"
else
	cpus="$smp emulated CPUs for Xen: dom0 has one, the domain another"
fi
img=${BENCH_SBS_IMAGE:-${B:-build}/image/test/$board.img}
domu=${LINUX_DOMU:-${B:-build}/linux-domu}
STORECTL=$(realpath -m "${STORECTL:-${B:-build}/host/storectl}")
work=$(realpath -m "${B:-build}/bench/side-by-side-$board")
charts=$(realpath -m "${OUT:-out}/bench")
ROUNDS=${BENCH_SBS_ROUNDS:-5}
SECS=${BENCH_SBS_SECS:-5}
SMALL=/.well-known/bench-1k
HERE=tests/host/dns
say() { echo "bench-side-by-side: $*" >&2; }
start=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed() { echo $(($(date +%s) - start)); }

[ "$(id -u)" = 0 ] || { say "needs root (network namespace, TAP)"; exit 1; }
for f in "$img" "$STORECTL" "$domu/linux-domu.zImage" "$domu/linux-domu.initrd" \
	"$domu/linux-domu.cfg" "$domu/initrd/site$SMALL"; do
	[ -e "$f" ] || { say "missing $f (make $f, make linux-domu)"; exit 1; }
done
for t in dnsperf wrk h2load gnuplot curl mcopy; do
	command -v $t >/dev/null || { say "missing tool $t (deps/packages.list)"; exit 1; }
done
ipl=$(sed -n 's/.*linuxdomu\.ip=\([0-9.]*\/24\).*/\1/p' "$domu/linux-domu.cfg")
IP=${ipl%/*}
case $IP in 192.0.2.[0-9]*) ;; *)
	say "the Linux domU's address ($ipl in $domu/linux-domu.cfg) is not in tap0's 192.0.2.0/24"
	exit 1 ;;
esac
rm -rf "$work" && mkdir -p "$work" "$charts" "$WORK/ctl"

# ---- the copy: the site and zone in its store, the Linux domU on BOOT ----

say "a copy of $img: the Linux domU's site and the zone into its store, the domU's files onto BOOT"
cp --sparse=always "$img" "$work/sbs.img"
mkdir -p "$WORK/tree/zones"
cp -r "$domu/initrd/site" "$WORK/tree/site"
cp "$HERE/example.org.zone" "$WORK/tree/zones/"
qemu_p2_out "$work/sbs.img" "$WORK/p2"
"$STORECTL" import "$WORK/p2" "$WORK/tree" -m "side-by-side: site and zone" >/dev/null || exit 1
qemu_p2_in "$WORK/p2" "$work/sbs.img"
rm -f "$WORK/p2"
export MTOOLS_SKIP_CHECK=1
for f in zImage initrd cfg; do
	mcopy -o -i "$work/sbs.img@@1048576" "$domu/linux-domu.$f" "::linux-domu.$f" || exit 1
done
mcopy -n -o -i "$work/sbs.img@@1048576" ::guest.zImage "$WORK/guest.zImage" || exit 1
size_ours=$(stat -c %s "$WORK/guest.zImage")
size_kernel=$(stat -c %s "$domu/linux-domu.zImage")
size_initrd=$(stat -c %s "$domu/linux-domu.initrd")
size_linux=$((size_kernel + size_initrd))
# Our image in RAM besides the heap: text, data and bss of the test build's ELF.
static_ours=
elf=${B:-build}/guest/test/guest.elf
[ ! -f "$elf" ] || static_ours=$(arm-none-eabi-size "$elf" 2>/dev/null | awk 'NR == 2 { print $1 + $2 + $3 }')
awk '!/^#/ && $3 == "IN" && NF == 3 { print $1, $2 }' "$HERE/queries.txt" >"$WORK/queries"

# ---- the boot ----

netns_setup || { say "namespace $NS with tap0"; exit 1; }
ns_daemon "$PY" tests/bench/side_by_side.py serve "$WORK/ctl" 192.0.2.1 8000 2>>"$work/ctl.log"
say "booting $board in $NS on tap0, both domains at $IP; serial log in $work/serial.log"
export QEMU_TAP=tap0 QEMU_CONF="ip=$ipl dns_rrl=off echo=on selftest=sidebyside"
QEMU_TIMEOUT=${QEMU_TIMEOUT:-900} qemu_run "$board" "$work/sbs.img" "$work" "$NS" 2>>"$work/qemu.err"
trap 'stop_qemu; netns_cleanup' EXIT
dead='guest: fatal exception|Kernel panic|Xen BUG|dom0: error'
# The first instance of our guest makes its TLS certificate: wait for it
# before the first turn, so that no turn counts it.
if ! wait_for "http: https on tcp port 443|$dead" 300 || grep -Eq "$dead" "$log"; then
	say "the first guest did not start HTTPS: $(grep -Eo "($dead).*" "$log" | head -1)"
	tail -n 20 "$log" >&2
	exit 1
fi
for _ in $(seq 60); do
	in_ns curl -sf --max-time 3 -o /dev/null "http://$IP$SMALL" && break
	sleep 1
done
say "first guest serving after $(elapsed) s"

# ---- the turns ----

step=0
# dnsperf_qps PORT: queries/s of one dnsperf round against $IP:PORT.
dnsperf_qps() {
	in_ns timeout $((SECS + 30)) dnsperf -s "$IP" -p "$1" -d "$WORK/queries" -l "$SECS" -c 4 -q 100 2>&1 |
		awk '/Queries per second:/ { print $4 }'
}
# turn KIND (ours, linux): one creation and its measures, appended to
# $WORK/KIND.METRIC, a number a line.
turn() {
	local kind=$1 round=$2 name=appliance re n probe_pid v
	[ "$kind" = ours ] || name=linux
	step=$((step + 1))
	re="dom0: (xl )?create $name \\["
	n=$(($(grep -Ec -- "$re" "$log") + 1))
	in_ns "$PY" tests/bench/side_by_side.py probe "$log" "$re" "$n" "$IP" "$SMALL" 240 \
		>"$WORK/probe" 2>&1 &
	probe_pid=$!
	echo "$kind" >"$WORK/ctl/$step.tmp" && mv "$WORK/ctl/$step.tmp" "$WORK/ctl/$step"
	say "round $round, $kind: create ($(elapsed) s)"
	wait "$probe_pid"
	for v in dns http; do
		awk -v k=$v '$1 == k { printf "%.3f\n", $2 / 1000 }' "$WORK/probe" >>"$WORK/$kind.first_$v"
	done
	if ! grep -q '^http ' "$WORK/probe" || ! grep -q '^dns ' "$WORK/probe"; then
		say "  no first answer: $(tr '\n' ' ' <"$WORK/probe")"
		tail -n 15 "$log" >&2
		return 1
	fi
	say "  first DNS answer $(awk '$1 == "dns" { print $2 }' "$WORK/probe") ms, first HTTP 200 $(awk '$1 == "http" { print $2 }' "$WORK/probe") ms after the create began"

	v=$(dnsperf_qps 53)
	say "  dnsperf: ${v:-?} queries/s"
	[ -z "$v" ] || echo "$v" >>"$WORK/$kind.dns_qps"

	v=$(in_ns timeout $((SECS + 30)) wrk -t1 -c8 -d"${SECS}s" --timeout 5s "http://$IP$SMALL" 2>&1 |
		awk '/^Requests\/sec:/ { r = $2 } /Non-2xx/ { bad = $NF } END { if (r != "" && bad == "") print r }')
	say "  wrk: ${v:-? (or answers not 2xx)} requests/s"
	[ -z "$v" ] || echo "$v" >>"$WORK/$kind.http_rps"

	v=$(handshakes)
	say "  h2load: ${v:-?} handshakes/s"
	[ -z "$v" ] || echo "$v" >>"$WORK/$kind.https_hs"

	if [ "$kind" = ours ]; then
		v=$(in_ns curl -s --max-time 20 "http://$IP/metrics" | awk '$1 == "appliance_heap_peak_bytes" { print $2 }')
		say "  heap high-water: ${v:-?} bytes"
		[ -z "$v" ] || echo "$v" >>"$WORK/ours.used"
		v=$(dnsperf_qps 7)
		say "  dnsperf against UDP echo: ${v:-?} round trips/s"
		[ -z "$v" ] || echo "$v" >>"$WORK/ours.echo_qps"
	else
		in_ns curl -s --max-time 20 "http://$IP:8081/cgi-bin/meminfo" >"$WORK/meminfo"
		v=$(awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { if (t && a) print (t - a) * 1024 }' "$WORK/meminfo")
		say "  MemTotal - MemAvailable: ${v:-?} bytes"
		[ -z "$v" ] || echo "$v" >>"$WORK/linux.used"
		awk '/^MemTotal:/ { print $2 * 1024 >>"'"$WORK"'/linux.memtotal" }
		     /^MemAvailable:/ { print $2 * 1024 >>"'"$WORK"'/linux.memavailable" }' "$WORK/meminfo"
	fi
}

# handshakes: new TLS connections/s (one request each), 8 at a time, h2load
# runs one after the other for $SECS s; the TLS parameters of the first.
handshakes() {
	local t0 t1 ok=0 n out
	t0=$(date +%s%N)
	while [ $(($(date +%s%N) - t0)) -lt $((SECS * 1000000000)) ]; do
		out=$(in_ns timeout 30 h2load --h1 -n 8 -c 8 "https://$IP$SMALL" 2>&1)
		[ -s "$WORK/tls.$kind" ] ||
			echo "$out" | sed -n 's/^TLS Protocol: //p; s/^Cipher: //p; s/^Server Temp Key: //p' | paste -sd, >"$WORK/tls.$kind"
		n=$(echo "$out" | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p')
		ok=$((ok + ${n:-0}))
		[ -n "$n" ] || break
	done
	t1=$(date +%s%N)
	[ "$ok" -gt 0 ] && awk -v n="$ok" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f\n", n / (ns / 1e9) }'
}

for r in $(seq "$ROUNDS"); do
	for kind in ours linux; do
		turn "$kind" "$r" || kill -0 "$runner" 2>/dev/null || break 2
	done
done
step=$((step + 1))
echo end >"$WORK/ctl/$step"
wait_for 'dom0: sidebyside: done' 60
wall=$(elapsed)
awk '/dom0: sidebyside: xl list: / { sub(/.*xl list: /, ""); print $1, $3 }' "$log" >"$WORK/xl-list"
given_ours=$(awk '$1 == "appliance" { print $2 }' "$WORK/xl-list" | sort -u | paste -sd/)
given_linux=$(awk '$1 == "linux" { print $2 }' "$WORK/xl-list" | sort -u | paste -sd/)
# the creation itself, by dom0's clock: its "create NAME [T]" and
# "create NAME done [T]" lines (with "xl " for Linux), paired in order; the first instance of our
# guest, created at boot, is no turn.
for kind in ours linux; do
	name=appliance skip=1
	[ $kind = ours ] || name=linux skip=0
	awk -v n="$name" -v skip=$skip '
		$0 ~ "dom0: (xl )?create " n " \\[" { t = $NF; gsub(/[^0-9.]/, "", t); a[++na] = t }
		$0 ~ "dom0: (xl )?create " n " done \\[" { t = $NF; gsub(/[^0-9.]/, "", t); b[++nb] = t }
		END { for (i = 1 + skip; i <= na && i <= nb; i++) printf "%.3f\n", b[i] - a[i] }' "$log" >"$WORK/$kind.xl_create"
done
say "done after $wall s; stopping QEMU"
stop_qemu
trap netns_cleanup EXIT
rm -rf "$work/run" "$work/sbs.img"

# ---- the report ----

# stats FILE [SCALE]: "median min max n" of the numbers in FILE, each
# divided by SCALE; empty if FILE has none.
stats() {
	[ -s "$1" ] || return 0
	sort -g "$1" | awk -v s="${2:-1}" '{ v[NR] = $1 / s }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%g %g %g %d\n", m, v[1], v[NR], NR }'
}
# cell "MEDIAN MIN MAX N" DIGITS: "median (min-max)".
cell() {
	[ -n "$1" ] || { echo "n/a"; return; }
	echo "$1" | awk -v d="$2" '{ f = "%." d "f"
		if ($4 > 1) printf f " (" f "-" f ")\n", $1, $2, $3; else printf f "\n", $1 }'
}
ratio() {
	[ -n "$1" ] && [ -n "$2" ] || { echo "n/a"; return; }
	awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'
}
declare -A S
for k in ours linux; do
	S[$k.dns]=$(stats "$WORK/$k.first_dns")
	S[$k.http]=$(stats "$WORK/$k.first_http")
	S[$k.xl]=$(stats "$WORK/$k.xl_create")
	S[$k.qps]=$(stats "$WORK/$k.dns_qps")
	S[$k.echo]=$(stats "$WORK/$k.echo_qps")
	S[$k.rps]=$(stats "$WORK/$k.http_rps")
	S[$k.hs]=$(stats "$WORK/$k.https_hs")
	S[$k.used]=$(stats "$WORK/$k.used" 1048576)
done
mib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }
# Used with code and static data: ours, the heap high-water plus text,
# data and bss; Linux, what is given less MemAvailable.
for v in $(cat "$WORK/ours.used" 2>/dev/null); do
	[ -z "$static_ours" ] || echo $((v + static_ours))
done >"$WORK/ours.all"
awk -v g="${given_linux%%/*}" 'g != "" { print g * 1048576 - $1 }' "$WORK/linux.memavailable" \
	>"$WORK/linux.all" 2>/dev/null
S[ours.all]=$(stats "$WORK/ours.all" 1048576)
S[linux.all]=$(stats "$WORK/linux.all" 1048576)
row() { # LABEL KEY DIGITS
	printf '| %s | %s | %s | %s |\n' "$1" "$(cell "${S[ours.$2]}" "$3")" \
		"$(cell "${S[linux.$2]}" "$3")" "$(ratio "${S[ours.$2]}" "${S[linux.$2]}")"
}
kib() { echo $(($1 / 1024)); }

# The charts: bars of the medians with the range as error bars.
gp_data() { # FILE (LABEL KEY)...: "label ours_med min max linux_med min max"
	local f=$1 o l
	shift
	: >"$f"
	while [ $# -ge 2 ]; do
		o=${S[ours.$2]:-0 0 0 0} l=${S[linux.$2]:-0 0 0 0}
		printf '"%s" %s %s\n' "$1" "$(echo "$o" | cut -d' ' -f1-3)" "$(echo "$l" | cut -d' ' -f1-3)" >>"$f"
		shift 2
	done
}
gp_chart() { # PNG TITLE YLABEL DATA [log]
	local scale="set yrange [0:*]"
	[ -z "${5:-}" ] || scale="set logscale y"
	gnuplot <<EOF 2>>"$work/gnuplot.err"
set terminal png size 900,480
set output "$1"
set title "$2"
set ylabel "$3"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set key below
$scale
set grid ytics
plot "$4" using 2:3:4:xtic(1) title "our guest" lc rgb "#1f77b4", \\
     "" using 5:6:7 title "Linux domU (nginx, nsd)" lc rgb "#ff7f0e"
EOF
}
gp_data "$WORK/startup.dat" "domain creation itself" xl "first DNS answer" dns "first HTTP 200" http
gp_data "$WORK/throughput.dat" "DNS queries/s" qps "HTTP req/s, 1 KiB" rps "TLS handshakes/s" hs
g_o=${given_ours%%/*} g_l=${given_linux%%/*}
{
	o=$(mib "$size_ours") l=$(mib "$size_linux")
	printf '"image size" %s %s %s %s %s %s\n' "$o" "$o" "$o" "$l" "$l" "$l"
	printf '"given" %s %s %s %s %s %s\n' "${g_o:-0}" "${g_o:-0}" "${g_o:-0}" "${g_l:-0}" "${g_l:-0}" "${g_l:-0}"
} >"$WORK/memory.dat"
gp_data "$WORK/used.dat" "used" used "used + code, static" all
cat "$WORK/used.dat" >>"$WORK/memory.dat"
gp_chart "$charts/side-by-side-startup.png" "From the domain's creation to the first answer (QEMU TCG, median and range of $ROUNDS rounds)" \
	seconds "$WORK/startup.dat"
gp_chart "$charts/side-by-side-throughput.png" "Throughput in QEMU TCG (median and range of $ROUNDS rounds, log scale)" \
	"per second" "$WORK/throughput.dat" log
gp_chart "$charts/side-by-side-memory.png" "Image size and memory (MiB)" MiB "$WORK/memory.dat"

lock() { awk -v n="$1" '$1 == "armhf" && $2 == n { print $4 }' deps/packages.lock; }
cat <<EOF
## Our guest beside a Linux domU with nginx and nsd ($board, same QEMU run, same Xen)

One QEMU boot (TCG, $(nproc) host cores) of a copy of the test image, on a TAP
device in a network namespace; dom0 (selftest=sidebyside) creates our guest
and a Linux domU one at a time, each destroyed before the other starts, at the
same address ($IP) with the same MAC, in $ROUNDS rounds alternating ours and
Linux's; $wall s from QEMU start to the end. The Linux domU is dom0's kernel
package ($(awk '$1 == "armhf" && $2 ~ /^linux-image-/ { print $2, $4 }' deps/packages.lock)) with an initramfs of
busybox, nginx $(lock nginx) (OpenSSL $(lock libssl3)) and nsd $(lock nsd), one nginx worker
and one nsd server process, serving the same site (an index and a 1 KiB file)
and the same zone (tests/host/dns/example.org.zone) as our guest's store.
TLS as h2load saw it (each server's own choice): ours $(cat "$WORK/tls.ours" 2>/dev/null || echo ?);
Linux $(cat "$WORK/tls.linux" 2>/dev/null || echo ?). The host's load average at the start: $load0.
Median (range) over the rounds; ratio = ours / Linux's (above 1 is more for
ours: better for rates, worse for times and sizes). QEMU's TCG is not a
Cortex-A7: the numbers compare the two on the same emulated machine.

| metric | ours | Linux | ratio |
|---|---|---|---|
$(row "creating the domain (ours: launch; Linux: xl create; dom0's clock), s" xl 2)
$(row "from the creation's start to the first DNS answer (UDP), s" dns 2)
$(row "from the creation's start to the first HTTP 200 (1 KiB file), s" http 2)
$(row "DNS queries/s (dnsperf, ${SECS} s, 4 clients, 100 in flight)" qps 0)
$(row "the same queries sent back by our guest's UDP echo, no work for them: round trips/s (ours only)" echo 0)
$(row "HTTP requests/s, 1 KiB file (wrk, 8 keep-alive connections, ${SECS} s)" rps 0)
$(row "HTTPS handshakes/s (h2load, 8 new connections at a time, one request each, ${SECS} s)" hs 1)
| image size, KiB (ours: guest.zImage, the test build; Linux: zImage + initramfs) | $(kib "$size_ours") | $(kib "$size_linux") ($(kib "$size_kernel") + $(kib "$size_initrd")) | $(awk -v a="$size_ours" -v b="$size_linux" 'BEGIN { printf "%.3f", a / b }') |
| memory given (xl list), MiB | ${given_ours:-?} | ${given_linux:-?} | $(awk -v a="${given_ours%%/*}" -v b="${given_linux%%/*}" 'BEGIN { if (a && b) printf "%.2f", a / b; else print "n/a" }') |
$(row "memory used after the load, MiB (ours: heap high-water; Linux: MemTotal - MemAvailable)" used 2)
$(row "memory used with code and static data, MiB (ours: + text, data, bss $(kib "${static_ours:-0}") KiB; Linux: given - MemAvailable)" all 2)

Charts: [side-by-side-startup.png](side-by-side-startup.png),
[side-by-side-throughput.png](side-by-side-throughput.png),
[side-by-side-memory.png](side-by-side-memory.png).

The first answers are timed on this host from the moment dom0's "create"
line reached the serial log, a try every 20 ms; the creation itself
(loading the kernel, and Linux's initramfs, into the domain) is inside
them. Our guest is created by launch, dom0's own domain builder; Linux by
xl create (libxl), which it needs for its device tree and initramfs: the
toolstack is part of what is compared. Linux's
MemTotal - MemAvailable includes its initramfs, which stays in RAM (tmpfs),
and busybox httpd serving /proc/meminfo; MemTotal is $(cell "$(stats "$WORK/linux.memtotal" 1048576)" 1) MiB of the
$given_linux MiB given (the rest is the kernel's code, its page tables and
reserved memory). The product build of our guest.zImage is
$(kib "$(stat -c %s "${B:-build}/guest/guest.zImage" 2>/dev/null || echo 0)") KiB (the test image carries the test build). The
clients run on this host beside QEMU ($cpus). The echo row is the same
dnsperf, answered by our guest's UDP echo (port 7), which sends each query
back as it came: what the path from dnsperf through QEMU, dom0's bridge and
netback to our guest's network stack and back carries when the guest does
no work for a query. Our DNS rate's distance below it is what our DNS
server's own work costs.
Commands: \`dnsperf -s $IP [-p 7] -d QUERIES -l $SECS -c 4 -q 100\`,
\`wrk -t1 -c8 -d${SECS}s http://$IP$SMALL\`, \`h2load --h1 -n 8 -c 8 https://$IP$SMALL\` in a loop.

EOF
