# Debian's nsd as the DNS tests' reference (and the benchmark's), configured
# the same way everywhere. Source it after tests/lib.sh and tests/host/netns.sh.
#
#   nsd_conf DIR IP ZONEFILE [LINE...]   a configuration on stdout: nsd on
#       IP port 53, its state and log in DIR, one server process (fair to
#       the single-threaded twin), no response rate limiting (past nsd's
#       default of 200 answers of a kind a second to one /24, it drops
#       every other answer and sends the rest truncated: a reference's
#       answer must not depend on how fast it is asked), the zone
#       example.org from DIR/ZONEFILE, each LINE added to the zone's clause
#       (provide-xfr: ..., request-xfr: ...). With NSD_KEY="NAME SECRET" set, a key clause for it (TSIG,
#       hmac-sha256); NSD_SERVER, if set, is added to the server clause.
#   dns_wait IP [SECONDS]   until the server on IP (nsd or the twin) answers
#       an SOA query for example.org: 0, or 1 after SECONDS (10).
nsd_conf() {
	local dir=$1 ip=$2 file=$3 line
	shift 3
	cat <<EOF
server:
	ip-address: $ip
	port: 53
	username: ""
	chroot: ""
	zonesdir: "$dir"
	database: ""
	pidfile: "$dir/nsd.pid"
	xfrdfile: "$dir/xfrd.state"
	zonelistfile: "$dir/zone.list"
	logfile: "$dir/nsd.log"
	server-count: 1
	verbosity: 1
	rrl-ratelimit: 0
${NSD_SERVER:-}
remote-control:
	control-enable: no
EOF
	# shellcheck disable=SC2086 # NAME and SECRET, two words
	[ -z "${NSD_KEY:-}" ] ||
		printf 'key:\n\tname: %s\n\talgorithm: hmac-sha256\n\tsecret: "%s"\n' ${NSD_KEY}
	printf 'zone:\n\tname: example.org\n\tzonefile: %s\n' "$file"
	for line in "$@"; do printf '\t%s\n' "$line"; done
}

dns_wait() {
	local i
	for ((i = 0; i < ${2:-10} * 5; i++)); do
		in_ns dig +short +time=1 +tries=1 @"$1" example.org SOA >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
