# shellcheck shell=bash
# Debian's Knot DNS (knotd 3.2) as a secondary of the twin, configured in
# one place. Source it after tests/lib.sh and tests/host/netns.sh.
#
#   knot_conf DIR IP PRIMARY KEY_SECRET   a configuration on stdout: knotd
#       on IP port 53 as the user that starts it (root in the test), its
#       run directory, journal, timers and log (DIR/knot.log) in DIR, the
#       zone example.org a secondary of PRIMARY (port 53): transferred
#       with the TSIG key "xfr-key" (hmac-sha256, KEY_SECRET in base64)
#       and NOTIFY from PRIMARY accepted only when signed with it. The
#       zone is kept in memory and the journal only (never written back
#       to a zone file), so every run starts from a transfer.
knot_conf() {
	local dir=$1 ip=$2 primary=$3 secret=$4
	cat <<EOF
server:
    rundir: "$dir"
    listen: $ip@53
    background-workers: 1
    tcp-workers: 1
    udp-workers: 1

log:
  - target: "$dir/knot.log"
    any: info

database:
    storage: "$dir"

control:
    listen: "$dir/knot.sock"

key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: $secret

remote:
  - id: twin
    address: $primary@53
    key: xfr-key

acl:
  - id: notify-from-twin
    address: $primary
    key: xfr-key
    action: notify

template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes

zone:
  - domain: example.org
    master: twin
    acl: notify-from-twin
EOF
}
