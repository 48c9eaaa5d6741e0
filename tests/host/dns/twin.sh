# The host twin serving DNS for the DNS suites: `. tests/host/dns/twin.sh
# "$@"` from the repository's top with the suite's arguments (APPLIANCE
# STORECTL, defaults build/host/appliance-san and build/host/storectl)
# sources tests/lib.sh, tests/host/netns.sh and tests/host/dns/nsd.sh and
# sets TWIN and STORECTL; call dns_twin_start after netns_setup.
#
#   dns_twin_start [CONF_LINE...]   a store with site/index.html and
#       tests/host/dns/example.org.zone as zones/example.org.zone on main,
#       the push password $PASSWORD, and a TSIG key "xfr-key" (hmac-sha256,
#       random, in $SECRET), then TWIN_KEYS_EXTRA (more keys in the key
#       file's syntax) if set, in the store's non-public part; the twin on
#       $IP (192.0.2.2, fd00:db8::2) with each CONF_LINE added to its
#       appliance.conf, and the twin's arguments TWIN_ARGS (an array, if
#       set) added to its command line; checks it came up with the zone and
#       the key, and waits until it is ready. 0, or 1 with its log shown.
#   d ARG...   dig in the namespace at the twin (+time=3 +tries=1)
. tests/lib.sh
. tests/host/netns.sh
. tests/host/dns/nsd.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
[ -n "${TWIN_ARGS+set}" ] || TWIN_ARGS=()
STORECTL=$(realpath "${2:-build/host/storectl}")
IP=192.0.2.2
REF=192.0.2.1
PASSWORD=dns-test-password
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.org GIT_SSL_NO_VERIFY=1 GIT_TERMINAL_PROMPT=0

dns_twin_start() {
	local tree=$WORK/tree line
	mkdir -p "$tree/site" "$tree/zones"
	printf '<h1>dns</h1>\n' >"$tree/site/index.html"
	cp tests/host/dns/example.org.zone "$tree/zones/example.org.zone"
	"$STORECTL" init "$WORK/store.img" 64M >/dev/null
	"$STORECTL" import "$WORK/store.img" "$tree" -m zone >/dev/null
	printf '%s\n' "$PASSWORD" >"$WORK/password"
	"$STORECTL" passwd "$WORK/store.img" "$WORK/password" >/dev/null
	SECRET=$(head -c 32 /dev/urandom | base64)
	printf 'key "xfr-key" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$SECRET" \
		>"$WORK/tsig.keys"
	printf '%s' "${TWIN_KEYS_EXTRA:-}" >>"$WORK/tsig.keys"
	"$STORECTL" secret "$WORK/store.img" dns/tsig.keys "$WORK/tsig.keys" >/dev/null
	printf 'hostname=twin\nip=%s/24\nip6=fd00:db8::2/64\n' "$IP" >"$WORK/dns.conf"
	for line in "$@"; do printf '%s\n' "$line" >>"$WORK/dns.conf"; done
	twin_start "$WORK/twin.log" "$WORK/dns.conf" 02:00:00:00:00:0d --disk "$WORK/store.img" \
		"${TWIN_ARGS[@]}"
	if ! check "twin up with DNS on port 53" wait_log "$WORK/twin.log" "dns: udp and tcp port 53" 60; then
		cat "$WORK/twin.log"
		return 1
	fi
	check "the zone loaded from the store" grep -q "dns: 1 zone loaded" "$WORK/twin.log"
	check "the TSIG key loaded from the non-public part" \
		grep -q "dns: $((1 + $(grep -c '^key ' <<<"${TWIN_KEYS_EXTRA:-}"))) TSIG key" "$WORK/twin.log"
	wait_log "$WORK/twin.log" "https on tcp port 443" 60
	wait_log "$WORK/twin.log" "net: ready" 10
}

d() { in_ns dig +time=3 +tries=1 @$IP "$@"; }

# twin_lost LOG: how many TCP segments the twin has lost on the wire so far
# (HOST_TAP_LOSE_EVERY, plat/host/tap.c), from its log.
twin_lost() {
	local n
	n=$(grep -o '([0-9]* lost)' "$1" | tail -n 1 | tr -dc 0-9)
	echo "${n:-0}"
}
