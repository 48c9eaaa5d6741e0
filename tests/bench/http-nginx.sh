#!/bin/bash
# Usage: tests/bench/http-nginx.sh APPLIANCE STORECTL
# Benchmark (numbers, no pass/fail): the host twin's HTTP server side by
# side with Debian's nginx, both reached by the same client (wrk, h2load,
# curl) from the same network namespace through a kernel network boundary:
# the twin (lwIP) on tap0 at 192.0.2.2 as in tests/host/http.sh, nginx in a
# second namespace behind a veth pair at 198.51.100.2. nginx runs as one
# process (master_process off: fair to the single-threaded twin) with its
# usual sendfile, no access log and no limit on keep-alive requests.
#
# The site is two files of random bytes, 1 KiB and 100 KiB, committed to a
# store image for the twin and copied to a directory for nginx, both under
# /.well-known/ (the one plain-HTTP path the twin serves rather than
# redirects once it has HTTPS). Measured, same parameters for both:
#   - wrk -t1 -c16, keep-alive: requests/s and transfer/s per file over
#     HTTP, then over HTTPS (TLS 1.3; nginx with a self-signed P-256 ECDSA
#     certificate made here, TLS 1.3 and 1.2, tickets on; the twin with the
#     self-signed P-256 certificate it makes on first start);
#   - new TLS connections per second, one 1 KiB GET each: full handshakes
#     (openssl s_time -new, 4 clients) and resumed ones (h2load with
#     "Connection: close", which resumes with the server's ticket);
#   - beside each rate, the server's CPU use (% of one core) meanwhile: a
#     server well under 100% was limited by the client on the same 2 cores;
#   - callgrind: instructions (Ir) per 1 KiB keep-alive request over HTTP
#     (and HTTPS), by difference of two runs of N1 and N2 requests on one
#     connection (h2load -c1), so start-up is excluded. nginx's count leaves
#     out the kernel's TCP/IP (and sendfile's copy); the twin's includes
#     lwIP, its TCP/IP stack in user space.
# The twin's HTTPS cells say "n/a" when its build does not serve port 443.
# Markdown on stdout, progress on stderr ("bench: ..."); about 2 minutes
# with the defaults (BENCH_HTTP_SECS=5 per rate, N1=2000, N2=4000).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance}")
STORECTL=$(realpath "${2:-build/host/storectl}")
SECS=${BENCH_HTTP_SECS:-5}
CONNS=${BENCH_HTTP_CONNS:-16}
N1=${BENCH_HTTP_N1:-2000}
N2=${BENCH_HTTP_N2:-4000}
NS2=apl-nginx-$$
TWIN_IP=192.0.2.2
NGINX_IP=198.51.100.2
NGINX=/usr/sbin/nginx
NA="n/a (no HTTPS in this build)"
# The files live under /.well-known/ for both servers: with HTTPS up, the
# twin answers every other plain-HTTP path with a 301 to https://.
DIR=.well-known
HS_CLIENTS=${BENCH_HTTP_HS_CLIENTS:-4}
CG=(valgrind --tool=callgrind --quiet)

say() { echo "bench: $*" >&2; }

# The site (in $WORK/tree/site, the store's tree), the store image, the
# twin's configuration, nginx's certificate and configuration.
make_site() {
	mkdir -p "$WORK/tree/site/$DIR" "$WORK/nginx/tmp" &&
		head -c 1024 /dev/urandom >"$WORK/tree/site/$DIR/1k.bin" &&
		head -c 102400 /dev/urandom >"$WORK/tree/site/$DIR/100k.bin" &&
		"$STORECTL" init "$WORK/store.img" 16M >/dev/null &&
		"$STORECTL" import "$WORK/store.img" "$WORK/tree" -m site >/dev/null &&
		printf 'hostname=bench\nip=%s/24\n' "$TWIN_IP" >"$WORK/twin.conf" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$WORK/nginx/key.pem" -out "$WORK/nginx/cert.pem" -days 2 \
			-subj "/CN=$NGINX_IP" 2>/dev/null &&
		nginx_conf >"$WORK/nginx/nginx.conf"
}

nginx_conf() {
	local d=$WORK/nginx t
	cat <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	default_type application/octet-stream;
	sendfile on;
	keepalive_requests 1000000000;
EOF
	for t in client_body proxy fastcgi uwsgi scgi; do
		echo "	${t}_temp_path $d/tmp/$t;"
	done
	cat <<EOF
	server {
		listen $NGINX_IP:80;
		listen $NGINX_IP:443 ssl;
		ssl_certificate $d/cert.pem;
		ssl_certificate_key $d/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_session_tickets on;
		root $WORK/tree/site;
	}
}
EOF
}

# up_twin [WRAPPER...]: the twin serving the store (under WRAPPER if given,
# e.g. callgrind); sets TWIN_PID (ip netns exec execs, so $! is the twin).
# shellcheck disable=SC2120 # called without a wrapper too
up_twin() {
	ip netns exec "$NS" "$@" "$TWIN" --conf "$WORK/twin.conf" --tap tap0 \
		--mac 02:00:00:00:00:09 --disk "$WORK/store.img" >>"$WORK/twin.log" 2>&1 &
	TWIN_PID=$!
	PIDS+=("$TWIN_PID")
	wait_http "http://$TWIN_IP/$DIR/1k.bin" || { tail -5 "$WORK/twin.log" >&2; return 1; }
}

# up_nginx [WRAPPER...]: nginx in $NS2 as one foreground process; sets NGINX_PID.
# shellcheck disable=SC2120
up_nginx() {
	ip netns exec "$NS2" "$@" "$NGINX" -e "$WORK/nginx/error.log" -p "$WORK/nginx" \
		-c "$WORK/nginx/nginx.conf" >>"$WORK/nginx/out.log" 2>&1 &
	NGINX_PID=$!
	PIDS+=("$NGINX_PID")
	wait_http "http://$NGINX_IP/$DIR/1k.bin" || { tail -5 "$WORK/nginx/error.log" >&2; return 1; }
}

# alive PID: running (a child that exited stays a zombie until reaped).
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${st:0:1}" != Z ]
}

# down PID [AGAIN]: SIGTERM (both servers exit cleanly on it), repeated each
# AGAIN tenths of a second if given: nginx under valgrind can miss the
# first, its flag set just before epoll_wait blocks with no timer armed.
# SIGKILL after 60 s; then reaped and forgotten.
down() {
	local p i keep=()
	kill -TERM "$1" 2>/dev/null
	for ((i = 1; i < 600; i++)); do
		alive "$1" || break
		[ -n "${2:-}" ] && ((i % $2 == 0)) && kill -TERM "$1" 2>/dev/null
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# wait_http URL: up to 60 s (callgrind starts slowly) for a 200.
wait_http() {
	local i
	for ((i = 0; i < 600; i++)); do
		in_ns curl -sfk --max-time 2 -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}

# wrk_run URL: "req/s transfer/s" over keep-alive for $SECS seconds.
wrk_run() {
	local out
	out=$(in_ns timeout $((SECS + 20)) wrk -t1 -c"$CONNS" -d"${SECS}s" "$1" 2>&1)
	grep -E 'Socket errors|Non-2xx' <<<"$out" | sed "s|^ *|$1: |" >>"$WORK/notes"
	awk '/^Requests\/sec:/ { r = $2 } /^Transfer\/sec:/ { t = $2 }
		END { if (r == "") print "- -"; else printf "%.0f %s\n", r, t }' <<<"$out"
}

# full URL: full TLS handshakes per second (openssl s_time -new: no
# resumption), $HS_CLIENTS clients for $SECS s, one GET of URL's path each.
full() {
	local hp=${1#https://} t0 i pids=()
	t0=$(date +%s%N)
	for ((i = 0; i < HS_CLIENTS; i++)); do
		in_ns timeout $((SECS + 20)) openssl s_time -connect "${hp%%/*}:443" -new \
			-time "$SECS" -www "/${hp#*/}" >"$WORK/stime.$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	grep -h 'real seconds' "$WORK"/stime.* | sed "s|^|bench: s_time $1: |" >&2
	cat "$WORK"/stime.* | awk -v t0="$t0" -v t1="$(date +%s%N)" '
		/connections in .* real seconds/ { n += $1 }
		END { printf "%.0f\n", n / ((t1 - t0) / 1e9) }'
	rm -f "$WORK"/stime.*
}

# h2load_errors URL OUTPUT: h2load's TLS version and counts on stderr, and
# a note when a request failed.
h2load_errors() {
	grep -E '^(TLS Protocol|requests):' <<<"$2" | sed "s|^|bench: $1: |" >&2
	grep '^requests:' <<<"$2" | grep -v ' 0 failed, 0 errored, 0 timeout' |
		sed "s|^|$1: h2load |" >>"$WORK/notes"
}

# h2load_rate URL N: requests/s of N requests, each on a new connection
# (Connection: close), $HS_CLIENTS at once; h2load resumes TLS sessions
# with the server's ticket.
h2load_rate() {
	local out
	out=$(in_ns timeout $((SECS * 3 + 20)) h2load --h1 -n"$2" -c"$HS_CLIENTS" \
		-H 'Connection: close' "$1" 2>&1)
	h2load_errors "$1" "$out"
	awk '/^finished in/ { gsub(",", ""); print int($4) }' <<<"$out"
}

# resumed URL: h2load_rate with N sized from a short probe to last ~$SECS s.
resumed() {
	local rate
	rate=$(h2load_rate "$1" $((HS_CLIENTS * 50)))
	h2load_rate "$1" "$(awk -v r="$rate" -v s="$SECS" 'BEGIN { n = int(r * s); print n < 200 ? 200 : n }')"
}

# busy PID CMD...: CMD's output, then PID's CPU use while CMD ran (user and
# system, % of one core): whether the server or the client was the limit.
busy() {
	local pid=$1 c0 t0 out
	shift
	c0=$(cpu_ticks "$pid")
	t0=$(date +%s%N)
	out=$("$@")
	awk -v o="$out" -v c=$(($(cpu_ticks "$pid") - c0)) -v t=$(($(date +%s%N) - t0)) \
		-v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%s %.0f%%\n", o, 100 * c / hz / (t / 1e9) }'
}

# cpu_ticks PID: user + system clock ticks (no spaces in the servers' names).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'
}

# row NAME TWIN NGINX: a table row with the ratio.
row() { echo "| $1 | $2 | $3 | $(ratio "$2" "$3") |"; }

# ir_total FILE: the total instruction count callgrind wrote.
ir_total() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }

# ir_run WHO URL N: sets IR to the Ir of one server run answering N
# requests on one keep-alive connection (start-up included).
ir_run() {
	local who=$1 url=$2 n=$3 out=$WORK/cg.$1.$3
	IR=
	"up_$who" "${CG[@]}" --callgrind-out-file="$out" || return 1
	h2load_errors "$url" "$(in_ns timeout 300 h2load --h1 -n"$n" -c1 "$url" 2>&1)"
	if [ "$who" = twin ]; then down "$TWIN_PID"; else down "$NGINX_PID" 20; fi
	IR=$(ir_total "$out")
	rm -f "$out"
	[ -n "$IR" ]
}

# ir_per_req WHO URL: sets IRQ to (Ir(N2) - Ir(N1)) / (N2 - N1).
ir_per_req() {
	local a
	IRQ=-
	ir_run "$1" "$2" "$N1" || return 1
	a=$IR
	ir_run "$1" "$2" "$N2" || return 1
	say "$1 $2: Ir $a for $N1 requests, $IR for $N2"
	IRQ=$(awk -v a="$a" -v b="$IR" -v n1="$N1" -v n2="$N2" 'BEGIN { printf "%.0f", (b - a) / (n2 - n1) }')
}

# ir_row NAME SCHEME: the callgrind row for one protocol.
ir_row() {
	local tw
	say "callgrind: $2"
	ir_per_req twin "$2://$TWIN_IP/$DIR/1k.bin"
	tw=$IRQ
	ir_per_req nginx "$2://$NGINX_IP/$DIR/1k.bin"
	row "$1" "$tw" "$IRQ"
}

# handshake_row NAME FUNCTION: new TLS connections per second, both servers.
handshake_row() {
	local tw=("$NA") ng
	read -ra ng <<<"$(busy "$NGINX_PID" "$2" "https://$NGINX_IP/$DIR/1k.bin")"
	[ "$TWIN_HTTPS" = 1 ] && read -ra tw <<<"$(busy "$TWIN_PID" "$2" "https://$TWIN_IP/$DIR/1k.bin")"
	say "$2 handshakes/s: twin ${tw[*]}, nginx ${ng[*]}"
	echo "| $1 | ${tw[0]}${tw[1]:+ (CPU ${tw[1]})} | ${ng[0]} (CPU ${ng[1]}) | $(ratio "${tw[0]}" "${ng[0]}") |"
}

# notes: client-side errors seen (wrk's socket errors, non-2xx answers).
notes() {
	[ -s "$WORK/notes" ] || return 0
	echo "Errors the clients saw:"
	echo
	sed 's/^/- /' "$WORK/notes"
	echo
	rm -f "$WORK/notes"
}

# throughput_table SCHEME: wrk's rates for both files from both servers.
throughput_table() {
	local f s=$1 tw ng
	echo "| file | twin req/s (transfer/s, CPU) | nginx req/s (transfer/s, CPU) | twin/nginx |"
	echo "|---|---|---|---|"
	for f in 1k.bin 100k.bin; do
		if [ "$s" = https ] && [ "$TWIN_HTTPS" = 0 ]; then
			tw=("$NA" "")
		else
			read -ra tw <<<"$(busy "$TWIN_PID" wrk_run "$s://$TWIN_IP/$DIR/$f")"
		fi
		read -ra ng <<<"$(busy "$NGINX_PID" wrk_run "$s://$NGINX_IP/$DIR/$f")"
		say "$s $f: twin ${tw[*]}, nginx ${ng[*]}"
		echo "| $f | ${tw[0]}${tw[1]:+ (${tw[1]}, CPU ${tw[2]})} | ${ng[0]} (${ng[1]}, CPU ${ng[2]}) |" \
			"$(ratio "${tw[0]}" "${ng[0]}") |"
	done
	echo
}

need_root >&2
if ! netns_setup || ! netns_peer "$NS2" "$NGINX_IP"; then
	say "namespaces failed"
	exit 1
fi
make_site || { say "site, store or certificate failed"; exit 1; }
say "twin and nginx up"
# shellcheck disable=SC2119 # no wrapper here: the servers run natively
up_twin && up_nginx || exit 1
TWIN_HTTPS=0
in_ns curl -sfk --max-time 5 -o /dev/null "https://$TWIN_IP/$DIR/1k.bin" && TWIN_HTTPS=1
say "twin serves HTTPS: $TWIN_HTTPS"

echo "## Host twin's HTTP server and nginx (\`$(basename "$TWIN")\`, nginx $("$NGINX" -v 2>&1 | sed 's|.*/||'))"
echo
echo "Same client namespace for both: the twin over TAP (lwIP), nginx over a"
echo "veth pair, one process each. wrk -t1 -c$CONNS -d${SECS}s, keep-alive."
echo
echo "### HTTP, keep-alive"
echo
throughput_table http
notes
echo "### HTTPS (TLS 1.3), keep-alive"
echo
throughput_table https
notes
echo "### New TLS connections per second, each with one 1 KiB GET ($HS_CLIENTS clients, ${SECS} s)"
echo
echo "| handshake | twin conn/s (CPU) | nginx conn/s (CPU) | twin/nginx |"
echo "|---|---|---|---|"
handshake_row "full (openssl s_time -new)" full
handshake_row "resumed with a ticket (h2load --h1, Connection: close)" resumed
echo
notes
down "$TWIN_PID"
down "$NGINX_PID" 20

echo "### Instructions per request (callgrind Ir, 1 KiB, keep-alive, ($N2 - $N1 requests) difference)"
echo
echo "| protocol | twin Ir/request | nginx Ir/request | twin/nginx |"
echo "|---|---|---|---|"
ir_row HTTP http
if [ "$TWIN_HTTPS" = 1 ]; then ir_row HTTPS https; else row HTTPS "$NA" -; fi
echo
echo "nginx's count leaves out the kernel's TCP/IP (and sendfile's copy); the twin's"
echo "includes lwIP's, its TCP/IP stack in user space."
echo
