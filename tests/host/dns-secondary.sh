#!/bin/bash
# Usage: tests/host/dns-secondary.sh APPLIANCE STORECTL
# The twin as the primary of Debian's nsd and Knot DNS (issue 11), in a
# network namespace of the test's own: both secondaries transfer the zone
# signed with the TSIG key from the store's non-public part and serve it;
# a transfer without the key, or with a wrong one, gets nothing. A push
# that changes a record is served by both within seconds (the twin's
# NOTIFY, signed; their refresh timers are hours), the old record gone; a
# second push removing a record likewise. Which transfer each used is
# shown from its log; both must have received the changes as incremental
# IXFRs (RFC 1995), not the whole zone. And
# kdig asks 14 queries on one TCP connection (+keepopen: each sent once
# the previous is answered; dns.sh sends several before reading) and gets
# every answer, in order: the namespace's kernel counts one connection.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/host/dns/twin.sh "$@"
. tests/host/dns/knot.sh
NSD_IP=192.0.2.4
KNOT_IP=192.0.2.5
BADKEY_IP=192.0.2.6

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
for t in nsd knotd kdig; do
	command -v $t >/dev/null || { fail "$t is not installed (deps/packages.list)"; done_tests; exit 1; }
done
for a in $NSD_IP $KNOT_IP $BADKEY_IP; do ip -n "$NS" addr add "$a/24" dev tap0; done

dns_twin_start "dns_notify=$NSD_IP,$KNOT_IP" || { done_tests; exit 1; }

# ---- helpers ----

# at IP NAME TYPE: the answer's data, one line each (+short).
at() { in_ns dig +short +time=1 +tries=1 @"$1" "$2" "$3" 2>/dev/null; }
serial_at() { at "$1" example.org SOA | awk '{ print $3 }'; }
# until_serial IP SERIAL SECONDS: until IP serves the zone at SERIAL.
until_serial() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(serial_at "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
status_at() { in_ns dig +time=1 +tries=1 @"$1" "$2" "$3" 2>/dev/null | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
# ns_stop PID: stops one daemon started with ns_daemon, and forgets it.
ns_stop() {
	local p keep=()
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}
# knot_start DIR IP SECRET: knotd in the foreground, a secondary of the twin.
knot_start() {
	mkdir -p "$1"
	knot_conf "$1" "$2" "$IP" "$3" >"$1/knot.conf"
	ns_daemon knotd -c "$1/knot.conf" >"$1/knotd.out" 2>&1
}
# The TCP connections the namespace's own stack opened (RFC 4022's
# tcpActiveOpens, per namespace): the clients here are its only openers.
active_opens() {
	# shellcheck disable=SC2016 # awk's fields
	in_ns awk '/^Tcp:/ { if (!n) { for (i = 2; i <= NF; i++) if ($i == "ActiveOpens") n = i; next } print $n }' \
		/proc/net/snmp
}
tcp_queries() {
	in_ns curl -s "http://$IP/metrics" | awk '/^appliance_dns_queries_total\{transport="tcp"\}/ { print $2 }'
}

# ---- the secondaries: the first transfer ----

mkdir -p "$WORK/nsd"
NSD_KEY="xfr-key $SECRET" NSD_SERVER=$'\tverbosity: 2' nsd_conf "$WORK/nsd" "$NSD_IP" example.org.sec \
	"request-xfr: $IP xfr-key" "allow-notify: $IP xfr-key" >"$WORK/nsd/nsd.conf"
ns_daemon nsd -d -c "$WORK/nsd/nsd.conf"
knot_start "$WORK/knot" "$KNOT_IP" "$SECRET"

Y="hmac-sha256:xfr-key:$SECRET"
check "an AXFR without the key is refused by the twin" \
	bash -c "ip netns exec $NS dig +time=3 +tries=1 @$IP example.org AXFR | grep -q 'Transfer failed'"
check "  ... and an IXFR without the key" \
	bash -c "ip netns exec $NS dig +time=3 +tries=1 @$IP example.org IXFR=2026120100 | grep -q 'Transfer failed'"
check "  ... while dig with the key gets the zone" \
	bash -c "ip netns exec $NS dig +time=3 +tries=1 -y '$Y' @$IP example.org AXFR | grep -q '^mail\.example\.org\..*192\.0\.2\.25'"
until_serial "$KNOT_IP" 2026120101 10
check "knot as a secondary transfers the zone from the twin (so signed with the key) and serves it" \
	[ "$(at "$KNOT_IP" mail.example.org A)" = 192.0.2.25 ]
[ "$(at "$KNOT_IP" mail.example.org A)" = 192.0.2.25 ] || cat "$WORK/knot/knot.log"
until_serial "$NSD_IP" 2026120101 10
check "nsd as a secondary transfers the zone from the twin and serves it" \
	[ "$(at "$NSD_IP" mail.example.org A)" = 192.0.2.25 ]
check "  ... nsd's log: signed with the key" \
	grep -qE 'received update to serial 2026120101 .* TSIG verified with key xfr-key' "$WORK/nsd/nsd.log"
[ "$(at "$NSD_IP" mail.example.org A)" = 192.0.2.25 ] || cat "$WORK/nsd/nsd.log"

# ---- kdig: many queries on one TCP connection ----

# Names and their one answer each, asked in this order.
QUERIES=(example.org:A:192.0.2.1 example.org:AAAA:2001:db8::1 mail.example.org:A:192.0.2.25
	mail.example.org:AAAA:2001:db8::25 ns1.example.org:A:192.0.2.53 ns1.example.org:AAAA:2001:db8::53
	a.b.c.example.org:A:192.0.2.9 host.target.example.org:A:192.0.2.77
	svc-target.example.org:A:192.0.2.80 ttl.example.org:A:192.0.2.30 one.wild.example.org:A:192.0.2.42
	'esc\.aped.example.org:A:192.0.2.111' x.y.z.deep.example.org:TXT:'"deep"' ptr.example.org:PTR:www.example.org.)
args=() want=
for q in "${QUERIES[@]}"; do
	IFS=: read -r name type data <<<"$q"
	args+=("$name" "$type")
	want+="$data"$'\n'
done
# kdig OPTION...: every query of QUERIES over TCP, answers only.
kd() { in_ns kdig @"$IP" +tcp +short +timeout=3 +retry=0 "$@" "${args[@]}"; }
# /metrics over TCP first, so its own connection is not counted.
before=$(tcp_queries) opens=$(active_opens)
got=$(kd +keepopen)
opened=$(($(active_opens) - opens)) asked=$(($(tcp_queries) - before))
check "kdig +tcp +keepopen: ${#QUERIES[@]} queries, every answer right and in order" [ "$got"$'\n' = "$want" ]
[ "$got"$'\n' = "$want" ] || diff <(echo "$got") <(printf %s "$want")
check "  ... on one TCP connection (the namespace's TCP ActiveOpens: $opened), the twin counted ${asked} TCP queries" \
	[ "$opened" = 1 -a "$asked" = "${#QUERIES[@]}" ]
opens=$(active_opens)
got=$(kd +nokeepopen)
opened=$(($(active_opens) - opens))
check "  ... which the count tells: without +keepopen, $opened connections for the same answers" \
	[ "$got"$'\n' = "$want" -a "$opened" = "${#QUERIES[@]}" ]

# ---- a secondary with a wrong key ----

knot_start "$WORK/badkey" "$BADKEY_IP" "$(head -c 32 /dev/urandom | base64)"
BADKEY_PID=${PIDS[-1]}
wait_log "$WORK/badkey/knot.log" 'refresh, failed' 10
check "a knot secondary with a wrong secret: the transfer fails (its log)" \
	grep -qE 'refresh, .*failed \(.*(TSIG|NOTAUTH|BADSIG|BADKEY)' "$WORK/badkey/knot.log"
grep -E 'refresh|XFR' "$WORK/badkey/knot.log" | sed 's/^/# wrong key: /'
st=$(status_at "$BADKEY_IP" mail.example.org A)
check "  ... and it serves nothing of the zone ($st)" \
	[ -n "$st" -a "$st" != NOERROR -a -z "$(at "$BADKEY_IP" mail.example.org A)" ]
ns_stop "$BADKEY_PID"

# ---- changes pushed: NOTIFY, and each secondary follows ----

repo=$WORK/repo
g() { in_ns git "$@"; }
AUTH=https://owner:$PASSWORD@$IP/site.git
g clone -q "https://$IP/site.git" "$repo" 2>"$WORK/clone.err" || cat "$WORK/clone.err"
zone=$repo/zones/example.org.zone
# push SERIAL MESSAGE: the edited zone, its serial set, committed and pushed.
push() {
	sed -i "s/^\(\t*\)[0-9]* ; serial/\1$1 ; serial/" "$zone"
	git -C "$repo" commit -qam "$2" >/dev/null && g -C "$repo" push -q "$AUTH" main
}
# follow SERIAL: both secondaries serve SERIAL within 10 s of now.
follow() {
	local t0=${EPOCHREALTIME/./} who ms
	for who in knot:$KNOT_IP nsd:$NSD_IP; do
		until_serial "${who#*:}" "$1" 10
		ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
		check "NOTIFY: $who serves serial $1 within 10 s of the push ($ms ms)" \
			[ "$(serial_at "${who#*:}")" = "$1" -a "$ms" -lt 10000 ]
	done
}
# Where each secondary's log stood before the changes.
knot_mark=$(wc -l <"$WORK/knot/knot.log") nsd_mark=$(wc -l <"$WORK/nsd/nsd.log")
sed -i 's/^mail\t\tA\t192.0.2.25/mail\t\tA\t192.0.2.26/' "$zone"
printf 'added\t\tA\t192.0.2.200\n' >>"$zone"
check "a change pushed: mail moves, a name added, the serial raised" push 2026120102 "mail moves"
check "  ... the twin serves it" [ "$(at "$IP" mail.example.org A)" = 192.0.2.26 ]
follow 2026120102
for who in knot:$KNOT_IP nsd:$NSD_IP; do
	check "  ... $who: the new address only, the old one gone" [ "$(at "${who#*:}" mail.example.org A)" = 192.0.2.26 ]
	check "  ... $who: the added name" [ "$(at "${who#*:}" added.example.org A)" = 192.0.2.200 ]
done
sed -i '/^added\t/d' "$zone"
check "a second change pushed: the added name removed" push 2026120103 "added goes"
follow 2026120103
for who in knot:$KNOT_IP nsd:$NSD_IP; do
	check "  ... $who: the removed name is gone (NXDOMAIN)" [ "$(status_at "${who#*:}" added.example.org A)" = NXDOMAIN ]
	check "  ... $who: the rest still served" [ "$(at "${who#*:}" mail.example.org A)" = 192.0.2.26 ]
done

# ---- how each secondary transferred the changes ----

knot_log=$(tail -n +$((knot_mark + 1)) "$WORK/knot/knot.log")
nsd_log=$(tail -n +$((nsd_mark + 1)) "$WORK/nsd/nsd.log")
grep -E 'XFR' <<<"$knot_log" | sed 's/^/# knot: /'
grep -E 'zone example\.org\. received update' <<<"$nsd_log" | sed 's/^/# nsd: /'
# has TEXT REGEX...: every REGEX matches a line of TEXT.
has() {
	local text=$1 re
	shift
	for re in "$@"; do grep -qE "$re" <<<"$text" || return 1; done
}
check "knot transferred each change from the twin (its log: zone updated, 2026120101 -> 2026120102 -> 2026120103)" \
	has "$knot_log" "refresh, remote 192\.0\.2\.2@53, zone updated, .*serial 2026120101 -> 2026120102" \
	"refresh, remote 192\.0\.2\.2@53, zone updated, .*serial 2026120102 -> 2026120103"
check "nsd transferred each change from the twin, signed (its log: TSIG verified with key xfr-key)" \
	has "$nsd_log" "received update to serial 2026120102 .* from 192\.0\.2\.2 TSIG verified with key xfr-key" \
	"received update to serial 2026120103 .* from 192\.0\.2\.2 TSIG verified with key xfr-key"
# The changes come as differences (RFC 1995): knot logs "IXFR, incoming,
# ... started" and "... finished" for each, never "receiving AXFR-style
# IXFR" nor an AXFR; nsd (whose log does not name the kind) receives far
# fewer bytes than the whole zone's first transfer.
knot_incremental() {
	[ "$(grep -c 'IXFR, incoming, remote 192\.0\.2\.2@53, finished' <<<"$knot_log")" = 2 ] &&
		! grep -qE 'AXFR-style|AXFR, incoming|fallback' <<<"$knot_log"
}
check "knot received both changes as incremental IXFRs" knot_incremental
bytes() { sed -n "s/.*zone example\.org\. received update to serial $1 .* of \([0-9]*\) bytes.*/\1/p" "$WORK/nsd/nsd.log"; }
whole=$(bytes 2026120101) one=$(bytes 2026120102) two=$(bytes 2026120103)
smaller() { [ -n "$whole" ] && [ -n "$one" ] && [ -n "$two" ] && ((one * 2 < whole && two * 2 < whole)); }
check "nsd received both changes as increments: $one and $two bytes, the whole zone $whole" smaller

# ---- the zone removed, and back ----

# Pushed back as first written (serial 2026120101), the zone is served
# past every serial it had (2026120103), and both secondaries, which
# still hold it, follow: the file's serial would leave them on 2026120103.
# commit_push MESSAGE: what is staged, committed and pushed.
commit_push() { git -C "$repo" commit -qm "$1" >/dev/null && g -C "$repo" push -q "$AUTH" main; }
git -C "$repo" rm -q zones/example.org.zone
check "the zone removed by a push" commit_push "zone goes"
check "  ... the twin refuses it" [ "$(status_at "$IP" example.org SOA)" = REFUSED ]
git -C "$repo" checkout -q HEAD~3 -- zones/example.org.zone
check "the zone pushed back as first written (its serial 2026120101)" commit_push "zone back"
check "  ... the twin serves it with 2026120104, past every serial served before (was: $(serial_at "$IP"))" \
	[ "$(serial_at "$IP")" = 2026120104 ]
follow 2026120104
for who in knot:$KNOT_IP nsd:$NSD_IP; do
	check "  ... $who: the first address again" [ "$(at "${who#*:}" mail.example.org A)" = 192.0.2.25 ]
done

check "the twin never crashed" kill -0 "$TWIN_PID"
done_tests
