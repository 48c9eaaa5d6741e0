# The browser suite (tests/browser/editor.mjs) against a board at an
# address in the test's network namespace: the host twin
# (tests/host/editor.sh) or the guest in QEMU (tests/qemu/dns.sh). Source
# it after tests/lib.sh and tests/host/netns.sh.
#
#   browser_suite IP PASSWORD MODULES SHOTS [ONLY]   fetches the board's
#       certificate, lets Chromium trust that key alone (so /edit/ is a
#       secure origin and its service worker registers), and runs the
#       suite in the namespace, bounded by BROWSER_TIMEOUT seconds (1200);
#       its checks count as the caller's; ONLY runs the tests whose name
#       contains it. Returns 1 if the suite did not run to its end.
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

browser_suite() {
	local ip=$1 password=$2 modules=$3 shots=$4 only=${5:-} ca=$WORK/board.pem spki line summary=
	in_ns openssl s_client -connect "$ip:443" </dev/null 2>/dev/null | openssl x509 >"$ca" 2>/dev/null
	spki=$(openssl x509 -in "$ca" -noout -pubkey | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)
	check "the board's certificate and its key's hash, for Chromium and git" [ -n "$spki" ]
	mkdir -p "$WORK/git" "$shots"
	# The suite's lines are the caller's checks; its summary is replaced by the caller's.
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) T_PASS=$((T_PASS + 1)); echo "$line" ;;
		"not ok - "*) T_FAIL=$((T_FAIL + 1)); echo "$line" ;;
		*" passed, "*" failed") summary=$line ;;
		*) echo "$line" ;;
		esac
	done < <(in_ns env BASE="https://$ip" EDIT="https://$ip:8443" PASSWORD="$password" SPKI="$spki" CA="$ca" \
		WORK="$WORK/git" SHOTS="$shots" NODE_PATH="$modules" CHROMIUM="$CHROMIUM" HOME="$WORK" \
		ONLY="$only" timeout -k 10 "${BROWSER_TIMEOUT:-1200}" /usr/bin/node tests/browser/editor.mjs 2>&1)
	check "the browser suite ran to its end ($summary)" [ -n "$summary" ]
}
