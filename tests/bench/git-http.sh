#!/bin/bash
# Usage: tests/bench/git-http.sh APPLIANCE STORECTL
# Benchmark (numbers, no pass/fail), issue 10: the host twin's Git smart
# HTTP side by side with the reference, `git http-backend` behind Debian's
# nginx and fcgiwrap, both reached by the same `git` client from the same
# network namespace: the twin (lwIP) on tap0 at 192.0.2.2 as in
# tests/host/git.sh, nginx in a second namespace behind a veth pair at
# 198.51.100.2 (as in tests/bench/http-nginx.sh: one nginx process,
# master_process off; fcgiwrap with 2 preforked workers; Debian's defaults
# otherwise, so request and response bodies are buffered by nginx).
#
# The repository (tests/bench/gitrepo-gen.py, cached in $BENCH_GIT_CACHE,
# build/bench/gitrepo by default, rebuilt only when the generator changes):
# 5,000 text files of a few KiB in a directory tree, 200 commits on main,
# 10 more commits for the fetch and one commit editing 1,000 files for the
# push. The servers start from the same two states: main at commit 200
# (clone) and main at commit 210 (fetch, push): for nginx a bare
# repository (http.receivepack true, no authentication), for the twin a
# store image the repository's packs were imported into with storectl.
#
# Measured, $BENCH_GIT_REPS times each (5 by default; median and range),
# the servers taking turns within each round, each push against a fresh
# copy of the server's state:
#   - git clone --no-checkout of main (after one clone not counted that
#     warms the page cache), then the clone is checked to be at commit 200;
#     with protocol v2 (git's default) and v0;
#   - git fetch of the 10 new commits into a copy of that clone (v2, v0);
#   - git push of the 1,000-file commit into a copy of the fetched clone
#     (the twin with HTTPS Basic credentials set with `storectl passwd`);
#   - the servers' peak memory during each (tests/bench/git-http-mem.py):
#     the largest sum of VmHWM over the server's processes alive at once,
#     sampled every 10 ms, peaks reset before each operation (for nginx
#     that counts nginx, fcgiwrap and every git process a request spawns);
#     and the twin's own heap peak from its /metrics;
#   - the servers' CPU time during each, and what the client received.
# The twin is reached over HTTPS only (plain HTTP redirects); the
# reference over HTTPS (the comparison) and over plain HTTP. A twin
# operation that fails is reported as not served (yet), with git's message.
# Markdown on stdout and in $BENCH_GIT_OUT (build/bench/git-http.md),
# progress on stderr ("bench: ..."). Every git command is bounded by
# $BENCH_GIT_TIMEOUT seconds (300); a few minutes in all.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance}")
STORECTL=$(realpath "${2:-build/host/storectl}")
REPS=${BENCH_GIT_REPS:-5}
GIT_TIMEOUT=${BENCH_GIT_TIMEOUT:-300}
OUTMD=${BENCH_GIT_OUT:-build/bench/git-http.md}
NS2=apl-git-$$
# The reference's processes go into a cgroup of their own (ref_cgroup), so
# its CPU time counts the git processes each request spawns.
CG=
TWIN_IP=192.0.2.2
REF_IP=198.51.100.2
NGINX=/usr/sbin/nginx
FCGIWRAP=/usr/sbin/fcgiwrap
BACKEND=/usr/lib/git-core/git-http-backend
MEM=tests/bench/git-http-mem.py
# The push's credentials on the twin (the reference takes pushes from anyone).
PUSH_USER=owner
PUSH_PASS=bench-$$-$RANDOM$RANDOM
SERVERS=(twin refs refh)
OPS=(clone2 clone0 fetch2 fetch0 push)
declare -A URL=([twin]="https://$TWIN_IP/site.git" [refs]="https://$REF_IP/site.git"
	[refh]="http://$REF_IP/site.git")
declare -A TIMES=() PEAK=() ONE=() NOTE=() HEAP=() RECV=() CPU=()

say() { echo "bench: $*" >&2; }
. tests/bench/gitrepo.sh

# Both servers' starting states, in $WORK: bare repositories state0.git
# (main at commit 200) and state1.git (main at 210) for nginx, store
# images state0.img and state1.img for the twin.
make_states() {
	local s=$WORK/state0.git
	C200=$(git -C "$SRC" rev-parse refs/heads/main) &&
		C210=$(git -C "$SRC" rev-parse refs/bench/fetch) &&
		CPUSH=$(git -C "$SRC" rev-parse refs/bench/push) &&
		git clone -q --bare --no-local --single-branch -b main "$SRC" "$s" &&
		git -C "$s" remote remove origin &&
		git -C "$s" config http.receivepack true &&
		cp -a "$s" "$WORK/state1.git" &&
		git -C "$WORK/state1.git" fetch -q "$SRC" refs/bench/fetch:refs/heads/main &&
		git -C "$SRC" pack-objects -q --revs --stdout <<<main >"$WORK/main.pack" &&
		printf 'refs/bench/fetch\n^refs/heads/main\n' |
		git -C "$SRC" pack-objects -q --revs --stdout >"$WORK/fetch.pack" &&
		"$STORECTL" init "$WORK/state0.img" 256M >/dev/null &&
		"$STORECTL" import-pack "$WORK/state0.img" "$WORK/main.pack" refs/heads/main "$C200" >/dev/null &&
		cp --sparse=always "$WORK/state0.img" "$WORK/state1.img" &&
		"$STORECTL" import-pack "$WORK/state1.img" "$WORK/fetch.pack" refs/heads/main "$C210" >/dev/null
}

# The twin's push password, where storectl can set one: sets TWIN_AUTH.
twin_passwd() {
	TWIN_AUTH=0
	grep -q 'passwd' <<<"$("$STORECTL" 2>&1)" || return 0
	printf '%s\n' "$PUSH_PASS" >"$WORK/pass"
	"$STORECTL" passwd "$1" "$WORK/pass" >/dev/null 2>"$WORK/passwd.err" && TWIN_AUTH=1
}

ref_conf() {
	local d=$WORK/ref t
	cat <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_max_body_size 0;
EOF
	for t in client_body proxy fastcgi uwsgi scgi; do
		echo "	${t}_temp_path $d/tmp/$t;"
	done
	cat <<EOF
	server {
		listen $REF_IP:80;
		listen $REF_IP:443 ssl;
		ssl_certificate $d/cert.pem;
		ssl_certificate_key $d/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		location /site.git/ {
			fastcgi_pass unix:$d/fcgi.sock;
			fastcgi_read_timeout 600s;
			fastcgi_param SCRIPT_FILENAME $BACKEND;
			fastcgi_param GIT_PROJECT_ROOT $WORK/srv;
			fastcgi_param GIT_HTTP_EXPORT_ALL "";
			fastcgi_param PATH_INFO \$uri;
			fastcgi_param QUERY_STRING \$query_string;
			fastcgi_param REQUEST_METHOD \$request_method;
			fastcgi_param CONTENT_TYPE \$content_type;
			fastcgi_param CONTENT_LENGTH \$content_length;
			fastcgi_param REMOTE_ADDR \$remote_addr;
			fastcgi_param SERVER_PROTOCOL \$server_protocol;
		}
	}
}
EOF
}

# nginx and fcgiwrap in $NS2, for the whole run; the repository they
# serve is $WORK/srv/site.git, swapped between operations.
up_ref() {
	local d=$WORK/ref i
	mkdir -p "$d/tmp" "$WORK/srv" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj "/CN=$REF_IP" 2>/dev/null &&
		ref_conf >"$d/nginx.conf" || return 1
	ip netns exec "$NS2" "$FCGIWRAP" -c 2 -s "unix:$d/fcgi.sock" >>"$d/fcgiwrap.log" 2>&1 &
	PIDS+=($!)
	ip netns exec "$NS2" "$NGINX" -e "$d/error.log" -p "$d" -c "$d/nginx.conf" >>"$d/out.log" 2>&1 &
	PIDS+=($!)
	for ((i = 0; i < 100; i++)); do
		[ -S "$d/fcgi.sock" ] && in_ns curl -sk --max-time 2 -o /dev/null "https://$REF_IP/" && return 0
		sleep 0.1
	done
	tail -5 "$d/error.log" "$d/fcgiwrap.log" >&2
	return 1
}

# ref_cgroup: a cgroup for CPU accounting (v1's cpuacct, or v2's root
# hierarchy, where every cgroup has cpu.stat) holding every process of the
# reference: their children, each request's git processes, follow them.
# Without one, the reference's CPU time is not measured.
ref_cgroup() {
	local base p
	if [ -e /sys/fs/cgroup/cpuacct/cpuacct.usage ]; then
		base=/sys/fs/cgroup/cpuacct
	elif [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		base=/sys/fs/cgroup
	else
		return 0
	fi
	mkdir "$base/apl-git-$$" 2>/dev/null || return 0
	CG=$base/apl-git-$$
	for p in $(ip netns pids "$NS2"); do echo "$p" >"$CG/cgroup.procs"; done
}

# ref_state N: the reference serves a fresh copy of stateN.git.
ref_state() {
	rm -rf "$WORK/srv/site.git" && cp -a "$WORK/state$1.git" "$WORK/srv/site.git"
}

# twin_up N: the twin serving a fresh copy of stateN.img (with the push
# password if storectl sets one); sets TWIN_PID.
twin_up() {
	twin_down
	cp --sparse=always "$WORK/state$1.img" "$WORK/run.img" || return 1
	twin_passwd "$WORK/run.img"
	twin_start "$WORK/twin.log" "$WORK/twin.conf" 02:00:00:00:00:0b --disk "$WORK/run.img"
	wait_log "$WORK/twin.log" "https on tcp port 443" 60 &&
		wait_log "$WORK/twin.log" "net: ready" 10 && return 0
	tail -5 "$WORK/twin.log" >&2
	return 1
}

# twin_down: SIGTERM, SIGKILL after 30 s; reaped and forgotten.
twin_down() {
	local i
	[ -n "$TWIN_PID" ] || return 0
	kill -TERM "$TWIN_PID" 2>/dev/null
	for ((i = 0; i < 300; i++)); do
		kill -0 "$TWIN_PID" 2>/dev/null || break
		[ "$(ps -o stat= -p "$TWIN_PID" 2>/dev/null | cut -c1)" = Z ] && break
		sleep 0.1
	done
	kill -KILL "$TWIN_PID" 2>/dev/null
	wait "$TWIN_PID" 2>/dev/null
	forget "$TWIN_PID"
	TWIN_PID=
}

# forget PID: a reaped child is no longer ours to kill (its pid may be reused).
forget() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# The twin's heap figures from its /metrics: "in-use peak" in bytes.
twin_heap() {
	in_ns curl -sk --max-time 10 "https://$TWIN_IP/metrics" |
		awk '$1 == "appliance_heap_bytes" { u = $2 } $1 == "appliance_heap_peak_bytes" { p = $2 }
			END { if (p != "") print u, p }'
}

# g ARGS...: the client, in $NS, with no configuration of the machine's or
# the user's, trusting the servers' self-signed certificates, bounded.
g() {
	in_ns env HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 \
		timeout "$GIT_TIMEOUT" git -c http.sslVerify=false "$@"
}

# measure KEY SERVER CMD...: runs CMD once, timed, with the server's memory
# sampled; appends the seconds to TIMES[KEY] and keeps the largest peaks.
# On failure, NOTE[KEY] gets git's last words and it returns 1.
measure() {
	local key=$1 srv=$2 out=$WORK/mem.out sp t0 t1 rc i pk one n ms sel
	shift 2
	rm -f "$out" "$out.ready"
	if [ "$srv" = twin ]; then sel=(--pid "$TWIN_PID"); else sel=(--netns "$NS2" ${CG:+"$CG"}); fi
	"$PY" "$MEM" "$out" "${sel[@]}" &
	sp=$!
	PIDS+=("$sp")
	for ((i = 0; i < 100; i++)); do
		[ -e "$out.ready" ] && break
		sleep 0.02
	done
	t0=$EPOCHREALTIME
	"$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err"
	rc=$?
	t1=$EPOCHREALTIME
	kill -TERM "$sp"
	wait "$sp"
	forget "$sp"
	read -r pk one n ms <"$out" || { pk=0 one=0 n=0 ms=-1; }
	say "$key: rc $rc, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }'), CPU $ms ms, peak $pk KiB over $n processes"
	if [ "$rc" != 0 ]; then
		NOTE[$key]="exit $rc: $(grep -v '^ *$' "$WORK/cmd.err" | tail -1)"
		return 1
	fi
	TIMES[$key]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') "
	CPU[$key]+="$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }') "
	((pk > ${PEAK[$key]:-0})) && PEAK[$key]=$pk
	((one > ${ONE[$key]:-0})) && ONE[$key]=$one
	return 0
}

# expect KEY WHAT GOT WANT: a result that is not what the operation should
# leave makes the row's numbers void.
expect() {
	[ "$3" = "$4" ] && return 0
	NOTE[$1]="$2 is ${3:-nothing}, not $4"
	unset "TIMES[$1]"
	return 1
}

# failed KEY: this server's operation gave up (kept from later rounds).
failed() { [ -n "${NOTE[$1]:-}" ]; }

# keep_heap OP: the twin's heap peak, the largest over its runs for OP.
keep_heap() {
	local h
	read -ra h <<<"$(twin_heap)"
	[ -n "${h[1]:-}" ] && ((h[1] > ${HEAP[$1]:-0})) && HEAP[$1]=${h[1]}
}

# objects_kib DIR: KiB of objects in the repository DIR, packed and loose:
# what the client received.
objects_kib() {
	git -C "$1" count-objects -v | awk '$1 == "size:" || $1 == "size-pack:" { k += $2 } END { print k + 0 }'
}

# idle: both servers' memory before any request.
idle() {
	ref_state 0 && twin_up 0 || return 1
	measure idle.twin twin sleep 0.5
	keep_heap idle
	measure idle.refs refs sleep 0.5
}

# phase_clone P: clones with protocol version P (after one warm-up clone
# each, not counted), the twin started afresh; the last clone of each
# server is kept in c$P.SERVER for the fetch.
phase_clone() {
	local p=$1 r s k=
	say "clone, protocol $p: warm-up, then $REPS rounds"
	ref_state 0 && twin_up 0 || return 1
	for s in "${SERVERS[@]}"; do
		rm -rf "$WORK/c$p.$s"
		g -c protocol.version="$p" clone -q --no-checkout "${URL[$s]}" "$WORK/c$p.$s" 2>"$WORK/warm.err" ||
			NOTE[clone$p.$s]="exit $?: $(grep -v '^ *$' "$WORK/warm.err" | tail -1)"
	done
	for ((r = 1; r <= REPS; r++)); do
		for s in "${SERVERS[@]}"; do
			k=clone$p.$s
			failed "$k" && continue
			rm -rf "$WORK/c$p.$s"
			measure "$k" "$s" g -c protocol.version="$p" clone -q --no-checkout "${URL[$s]}" "$WORK/c$p.$s" &&
				expect "$k" "the clone's main" "$(git -C "$WORK/c$p.$s" rev-parse -q --verify main)" "$C200" &&
				RECV[$k]=$(objects_kib "$WORK/c$p.$s")
		done
	done
	keep_heap "clone$p"
}

# phase_fetch P: fetches of the 10 new commits with protocol version P,
# each into a copy of c$P.SERVER; the last is kept in f$P.SERVER.
phase_fetch() {
	local p=$1 r s k
	say "fetch, protocol $p: $REPS rounds"
	ref_state 1 && twin_up 1 || return 1
	for ((r = 1; r <= REPS; r++)); do
		for s in "${SERVERS[@]}"; do
			k=fetch$p.$s
			failed "clone$p.$s" && NOTE[$k]="no clone to fetch into"
			failed "$k" && continue
			rm -rf "$WORK/f$p.$s" && cp -a "$WORK/c$p.$s" "$WORK/f$p.$s"
			measure "$k" "$s" g -c protocol.version="$p" -C "$WORK/f$p.$s" fetch -q origin &&
				expect "$k" "origin/main after the fetch" \
					"$(git -C "$WORK/f$p.$s" rev-parse -q --verify origin/main)" "$C210" &&
				RECV[$k]=$(($(objects_kib "$WORK/f$p.$s") - $(objects_kib "$WORK/c$p.$s")))
		done
	done
	keep_heap "fetch$p"
}

# push_client SERVER: a copy of a fetched clone that has the push's commit
# (fetched from the generated repository, outside the timing).
push_client() {
	local f=$WORK/f2.$1
	failed "fetch2.$1" && f=$WORK/f0.$1
	rm -rf "$WORK/p.$1" && cp -a "$f" "$WORK/p.$1" &&
		git -C "$WORK/p.$1" fetch -q "$SRC" refs/bench/push
}

# push_url SERVER: where to push, with the twin's credentials.
push_url() {
	if [ "$1" = twin ]; then echo "https://$PUSH_USER:$PUSH_PASS@$TWIN_IP/site.git"; else echo "${URL[$1]}"; fi
}

# pushed SERVER: main of the server's repository after the push.
pushed() {
	if [ "$1" = twin ]; then
		g -c protocol.version=0 ls-remote "${URL[twin]}" refs/heads/main 2>/dev/null | cut -f1
	else
		git -C "$WORK/srv/site.git" rev-parse -q --verify main
	fi
}

phase_push() {
	local r s k
	say "push: $REPS rounds, each into a fresh copy of the server's state"
	for ((r = 1; r <= REPS; r++)); do
		for s in "${SERVERS[@]}"; do
			k=push.$s
			failed "fetch2.$s" && failed "fetch0.$s" && NOTE[$k]="no fetched clone to push from"
			failed "$k" && continue
			if [ "$s" = twin ]; then
				twin_up 1 || { NOTE[$k]="the twin did not start"; continue; }
				if [ "$TWIN_AUTH" = 0 ]; then
					NOTE[$k]="pending: no \`storectl passwd\` to set the push password yet"
					continue
				fi
			else
				ref_state 1 || return 1
			fi
			push_client "$s" || { NOTE[$k]="no push commit"; continue; }
			measure "$k" "$s" g -C "$WORK/p.$s" push -q "$(push_url "$s")" "$CPUSH:refs/heads/main" &&
				expect "$k" "the server's main after the push" "$(pushed "$s")" "$CPUSH"
			[ "$s" = twin ] && keep_heap push
		done
	done
	twin_down
}

# stats "T1 T2...": "median (min-max)" in seconds.
stats() {
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 }
		END { if (NR == 0) exit; m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f (%.2f-%.2f, n=%d)\n", m, v[1], v[NR], NR }'
}

median() { stats "$1" | cut -d' ' -f1; }

# cell KEY: the times of one server's operation, or why there are none.
cell() {
	if [ -n "${TIMES[$1]:-}" ]; then stats "${TIMES[$1]}"; else echo "not served: ${NOTE[$1]:-no result}"; fi
}

thousands() { sed -E ':a; s/([0-9])([0-9]{3})($|[^0-9])/\1,\2\3/; ta'; }

mib() { awk -v k="$1" 'BEGIN { if (k + 0 > 0) printf "%.1f", k / 1024; else print "-" }'; }

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'
}

# mem_cell KEY: "sum MiB (largest process MiB)", or "-".
mem_cell() {
	[ -n "${TIMES[$1]:-}" ] || { echo -; return; }
	echo "$(mib "${PEAK[$1]}") (largest $(mib "${ONE[$1]}"))"
}

recv_cell() { if [ -n "${TIMES[$1]:-}" ]; then mib "${RECV[$1]:-0}"; else echo -; fi; }

# cpu_cell KEY: the server's median CPU seconds (not measured: -1).
cpu_cell() {
	if [ -n "${TIMES[$1]:-}" ] && [[ ${CPU[$1]} != -* ]]; then median "${CPU[$1]}"; else echo -; fi
}

# heap_cell OP: the twin's heap peak in MiB, where it did OP.
heap_cell() {
	if [ -n "${TIMES[$1.twin]:-}" ] && [ -n "${HEAP[$1]:-}" ]; then
		mib $((HEAP[$1] / 1024))
	else
		echo -
	fi
}

declare -A LABEL=([clone2]="git clone --no-checkout (5,000 files, 200 commits), protocol v2"
	[clone0]="git clone, protocol v0" [fetch2]="git fetch (10 new commits), protocol v2"
	[fetch0]="git fetch, protocol v0" [push]="git push (one commit, 1,000 files changed)")

report() {
	local o
	echo "## Git smart HTTP: host twin and git http-backend (nginx + fcgiwrap)"
	echo
	echo "Client \`$(git --version)\` (protocol v2, its default, and v0; a push is always v0), in the client namespace; the twin"
	echo "(\`$(basename "$TWIN")\`, lwIP over TAP) over HTTPS, the reference (nginx $("$NGINX" -v 2>&1 | sed 's|.*/||'),"
	echo "fcgiwrap $(dpkg-query -W -f '${Version}' fcgiwrap 2>/dev/null), \`git http-backend\`) over a veth pair."
	echo "Repository: $(git -C "$SRC" ls-tree -r main | wc -l | thousands) files, $(git -C "$SRC" rev-list --count main)" \
		"commits on main (${C200:0:12}), a clone pack of $(mib $(($(stat -c %s "$WORK/main.pack") / 1024))) MiB;" \
		"fetch of 10 commits to ${C210:0:12}; push of ${CPUSH:0:12}."
	echo "Seconds: median (min-max, n rounds); $REPS rounds, the servers taking turns."
	echo
	echo "| operation | twin HTTPS | reference HTTPS | twin/reference | reference HTTP |"
	echo "|---|---|---|---|---|"
	for o in "${OPS[@]}"; do
		echo "| ${LABEL[$o]} | $(cell "$o.twin") | $(cell "$o.refs") |" \
			"$(ratio "$(median "${TIMES[$o.twin]:-}")" "$(median "${TIMES[$o.refs]:-}")") | $(cell "$o.refh") |"
	done
	echo
	echo "Peak memory of the server during the operation, MiB: the largest sum of VmHWM"
	echo "over its processes alive at once, sampled every 10 ms, peaks reset before each"
	echo "operation (the reference's count includes nginx, fcgiwrap and the git processes"
	echo "each request spawns), the largest over the rounds; and the twin's heap peak from"
	echo "its /metrics (since it started: one twin run per row, a fresh one per push)."
	echo
	echo "| operation | twin VmHWM | twin heap peak | reference HTTPS | reference HTTP |"
	echo "|---|---|---|---|---|"
	echo "| idle, before the first clone | $(mem_cell idle.twin) | $(heap_cell idle) | $(mem_cell idle.refs) | (same processes) |"
	for o in "${OPS[@]}"; do
		echo "| ${LABEL[$o]} | $(mem_cell "$o.twin") | $(heap_cell "$o") |" \
			"$(mem_cell "$o.refs") | $(mem_cell "$o.refh") |"
	done
	echo
	echo "The server's CPU time during the operation, seconds, median over the rounds:"
	echo "user and system; the reference's from a cgroup holding nginx, fcgiwrap and so"
	echo "every git process a request spawns (the client's time is in neither):"
	echo
	echo "| operation | twin | reference HTTPS | reference HTTP |"
	echo "|---|---|---|---|"
	for o in "${OPS[@]}"; do
		echo "| ${LABEL[$o]} | $(cpu_cell "$o.twin") | $(cpu_cell "$o.refs") | $(cpu_cell "$o.refh") |"
	done
	echo
	echo "What the client received, MiB: the growth of its object store in the last round"
	echo "(packs with their indexes, and loose objects; for a clone, all of it)."
	echo
	echo "| operation | twin | reference HTTPS | reference HTTP |"
	echo "|---|---|---|---|"
	for o in clone2 clone0 fetch2 fetch0; do
		echo "| ${LABEL[$o]} | $(recv_cell "$o.twin") | $(recv_cell "$o.refs") | $(recv_cell "$o.refh") |"
	done
	echo
	echo "Notes: the reference takes pushes without authentication (\`http.receivepack"
	echo "true\` on its bare repository); the twin only over HTTPS with Basic credentials"
	echo "(set with \`storectl passwd\`), so its push includes checking the password."
	echo "nginx buffers request and response bodies (Debian's defaults), fcgiwrap runs"
	echo "\`git http-backend\`, which runs \`git upload-pack\` / \`receive-pack\` (and"
	echo "\`pack-objects\` / \`index-pack\`) per request. Client and servers share the 2 cores."
	echo
	echo "Commands (URL: \`https://$TWIN_IP/site.git\`, \`https://$REF_IP/site.git\`, \`http://$REF_IP/site.git\`;"
	echo "\`git -c http.sslVerify=false\`, no user or system configuration):"
	echo
	echo '```'
	echo "git -c protocol.version=P clone -q --no-checkout URL c"
	echo "cp -a c f && git -c protocol.version=P -C f fetch -q origin   # the server's main moved 10 commits on"
	echo "cp -a f p && git -C p fetch -q GENERATED refs/bench/push  # untimed"
	echo "git -C p push -q URL ${CPUSH:0:12}:refs/heads/main   # twin: https://$PUSH_USER:PASSWORD@$TWIN_IP/site.git"
	echo '```'
	echo
}

need_root >&2
for t in "$NGINX" "$FCGIWRAP" "$BACKEND"; do
	[ -x "$t" ] || { say "missing $t (make setup)"; exit 1; }
done
gen_repo || { say "generating the repository failed"; exit 1; }
if ! netns_setup || ! netns_peer "$NS2" "$REF_IP"; then
	say "namespaces failed"
	exit 1
fi
say "server states"
make_states || { say "server states failed"; exit 1; }
printf 'hostname=bench\nip=%s/24\n' "$TWIN_IP" >"$WORK/twin.conf"
mkdir -p "$WORK/home"
up_ref || { say "nginx and fcgiwrap did not start"; exit 1; }
ref_cgroup
idle || exit 1
for p in 2 0; do phase_clone "$p" || exit 1; done
for p in 2 0; do phase_fetch "$p" || exit 1; done
phase_push || exit 1
twin_down
mkdir -p "$(dirname "$OUTMD")"
report >"$OUTMD.tmp" && mv "$OUTMD.tmp" "$OUTMD"
cat "$OUTMD"
