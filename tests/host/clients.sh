#!/bin/bash
# Usage: tests/host/clients.sh [APPLIANCE [STORECTL]]   (as root)
#
# The client suite (tests/clients/suite.sh), the one `make test-live`
# runs against a board, against the host twin: a store whose main has a
# site of several kinds of file (an index, a 1 KiB text, a binary, a name
# with a space, a subdirectory) and tests/host/dns/example.org.zone, the
# push password, and the twin on tap0 in a namespace of the test's own
# (tests/host/dns/twin.sh); the suite runs in the namespace over IPv4 with
# the password (the push checks on a scratch branch), then over IPv6
# read-only. About 20 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/host/dns/twin.sh "$@"
. tests/clients/suite.sh

need_root
netns_up
site=$WORK/tree/site
mkdir -p "$site/docs/with space"
head -c 768 /dev/urandom | base64 -w 64 >"$site/1k.txt"
head -c 3000 /dev/urandom >"$site/docs/blob.bin"
printf 'a file whose name has a space\n' >"$site/docs/with space/read me.txt"
printf 'body { color: #333; }\n' >"$site/style.css"
dns_twin_start || {
	done_tests
	exit 1
}
CLIENT_RUN=(ip netns exec "$NS")
PASSWORD_FILE=$WORK/password client_suite "$IP"
client_suite fd00:db8::2
check "the twin is still running" kill -0 "$TWIN_PID"
done_tests
