#!/bin/bash
# The client suite: one set of checks for every target (issue 13).
#
#   tests/clients/suite.sh HOST           a board on the LAN (make test-live HOST=...)
#   . tests/clients/suite.sh; client_suite HOST
#                                         from another suite, its ok/fail
#                                         counted with that suite's (the twin:
#                                         tests/host/clients.sh; the guest in
#                                         QEMU: tests/qemu/dns.sh)
#
# HOST is the address (or name) of the appliance. Everything is asked as a
# client on the LAN would ask it, through the ports a board has (HTTP 80,
# HTTPS 443, DNS 53), knowing nothing of what serves them: what is checked
# is read from the site's own repository, cloned first. The environment:
#   PASSWORD_FILE  the push password (its first line): adds the write
#                  checks, on a scratch branch (live-test-...) that is
#                  deleted after; main and the site are never touched
#   CLIENT_CA      a certificate to verify the appliance's with (default:
#                  not verified: a board's certificate is its own,
#                  self-signed)
#   CLIENT_RUN     (when sourced) an array prefixed to every network
#                  command, e.g. (ip netns exec NS)
#
# Read-only checks:
#   TLS      1.3 and 1.2 handshakes, TLS 1.1 refused, sessions resumed
#            (1.2 and 1.3), the certificate not expired
#   HTTP     plain HTTP redirected to HTTPS; every file of site/ on main
#            (the first 200) served byte for byte at its path, / as
#            index.html; HEAD's length, ETag and 304, gzip, a range; an
#            unknown path 404; a malformed request 400
#   Git      clone, `git fsck --strict` clean, ls-remote's HEAD the clone's,
#            nothing advertised but HEAD, branches and tags, a shallow clone;
#            a push without the password refused
#   DNS      every zones/*.zone of the clone, asked of HOST
#            (tests/clients/zone_check.py: SOA, every RRset, NXDOMAIN,
#            transfers refused, no open resolver, a malformed query)
# With PASSWORD_FILE: a wrong password refused; a commit pushed to a scratch
# branch, listed, fetched back, main unchanged; the branch deleted.

CLIENT_SUITE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# c CMD...: CMD as a client on the target's network.
c() { "${CLIENT_RUN[@]}" "$@"; }

client_suite() {
	local host=$1 url tmp clone pw= tls_verify=() git_tls=() f n bad head out
	tmp=$(mktemp -d)
	url=$host
	[[ $host != *:* ]] || url="[$host]"
	if [ -n "${CLIENT_CA:-}" ]; then
		tls_verify=(--cacert "$CLIENT_CA")
		git_tls=(-c "http.sslCAInfo=$CLIENT_CA")
	else
		tls_verify=(-k)
		git_tls=(-c http.sslVerify=false)
	fi
	[ -z "${PASSWORD_FILE:-}" ] || pw=$(head -n 1 "$PASSWORD_FILE")
	local -x GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 \
		GIT_AUTHOR_NAME=client-suite GIT_AUTHOR_EMAIL=client-suite@example.org \
		GIT_COMMITTER_NAME=client-suite GIT_COMMITTER_EMAIL=client-suite@example.org
	cs_git() { c git "${git_tls[@]}" "$@"; }
	cs_curl() { c curl -sS --max-time 20 "${tls_verify[@]}" "$@"; }
	local t0=$SECONDS
	cs_say() { echo "client suite: $* ($((SECONDS - t0)) s)"; }
	cs_say "against $host: TLS"

	# ---- TLS ----
	openssl_client() { c timeout 20 openssl s_client -connect "$url:443" -servername "$host" "$@" 2>&1; }
	s_client() { sleep 1 | openssl_client "$@"; }
	check "tls: TLS 1.3 handshake" grep -q '^New, TLSv1.3' <<<"$(s_client -tls1_3)"
	check "tls: TLS 1.2 handshake with ECDHE and an AEAD" \
		grep -Eq '^New, TLSv1.2, Cipher is ECDHE-[A-Z0-9]+-(AES[0-9]+-GCM|CHACHA20-POLY1305)' <<<"$(s_client -tls1_2)"
	check "tls: TLS 1.1 refused" grep -q 'Cipher is (NONE)' <<<"$(s_client -tls1_1 -cipher 'ALL:@SECLEVEL=0')"
	# -sess_out writes the session when it arrives: in TLS 1.3 a ticket
	# after the handshake, which a lost segment may hold up for lwIP's
	# retransmission timeout (seconds on a new connection). s_client's
	# input stays open until the file is there, at most 15 s.
	s_client_session() {
		local f=$1 i
		shift
		rm -f "$f"
		{
			for ((i = 0; i < 150; i++)); do
				[ -s "$f" ] && break
				sleep 0.1
			done
			sleep 0.2
		} | openssl_client -sess_out "$f" "$@" >/dev/null
	}
	for v in 1_2 1_3; do
		s_client_session "$tmp/sess$v" -tls$v
		check "tls: a TLS ${v/_/.} session resumed" grep -q "^Reused, TLSv${v/_/.}" <<<"$(s_client -tls$v -sess_in "$tmp/sess$v")"
	done
	s_client -showcerts </dev/null | sed -n '/BEGIN CERT/,/END CERT/p;/END CERT/q' >"$tmp/cert.pem"
	check "tls: the certificate ($(openssl x509 -noout -subject -enddate -in "$tmp/cert.pem" 2>/dev/null | tr '\n' ' ')) has not expired" \
		bash -c 'openssl x509 -noout -checkend 0 -in "$1" >/dev/null' _ "$tmp/cert.pem"

	# ---- HTTP ----
	cs_say "HTTP"
	out=$(cs_curl -o /dev/null -w '%{http_code} %{redirect_url}' "http://$url/")
	check "http: plain HTTP / redirected to HTTPS ($out)" [ "$out" = "301 https://$url/" ]
	clone=$tmp/site
	if ! check "git: clone https://$host/site.git" cs_git clone -q "https://$url/site.git" "$clone"; then
		rm -rf "$tmp"
		return
	fi
	n=0 bad=()
	while IFS= read -r f; do
		n=$((n + 1))
		cs_curl -o "$tmp/got" "https://$url/$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "${f#site/}")" &&
			cmp -s "$tmp/got" "$clone/$f" || bad+=("$f")
	done < <(git -C "$clone" ls-files site/ | head -n 200)
	check "http: the $n files of site/ (the first 200) served byte for byte at their paths${bad:+; not: ${bad[*]:0:5}}" \
		[ "$n" -gt 0 -a ${#bad[@]} = 0 ]
	if [ -f "$clone/site/index.html" ]; then
		cs_curl -o "$tmp/index" "https://$url/"
		check "http: / is site/index.html" cmp -s "$tmp/index" "$clone/site/index.html"
		f=site/index.html
	else
		f=$(git -C "$clone" ls-files site/ | head -n 1)
	fi
	local path=/${f#site/} size etag
	size=$(stat -c %s "$clone/$f")
	out=$(cs_curl -I "https://$url$path" | tr -d '\r')
	check "http: HEAD $path: 200, Content-Length $size" \
		bash -c 'grep -q "^HTTP/1.1 200" <<<"$1" && grep -qix "content-length: $2" <<<"$1"' _ "$out" "$size"
	etag=$(awk -F': ' 'tolower($1) == "etag" { print $2 }' <<<"$out")
	check "http: a GET with If-None-Match $etag is 304" \
		[ -n "$etag" -a "$(cs_curl -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "https://$url$path")" = 304 ]
	cs_curl --compressed -D "$tmp/gz.h" -o "$tmp/gz" "https://$url$path"
	check "http: with Accept-Encoding: gzip, the same bytes ($(grep -i '^content-encoding' "$tmp/gz.h" | tr -d '\r' || echo identity))" \
		cmp -s "$tmp/gz" "$clone/$f"
	if [ "$size" -ge 10 ]; then
		out=$(cs_curl -r 0-9 -o "$tmp/range" -w '%{http_code}' "https://$url$path")
		check "http: Range bytes=0-9 is 206 with the file's first 10 bytes" \
			bash -c '[ "$1" = 206 ] && cmp -s "$2" <(head -c 10 "$3")' _ "$out" "$tmp/range" "$clone/$f"
	fi
	out=$(cs_curl -o /dev/null -w '%{http_code}' "https://$url/no-such-file-$RANDOM$RANDOM.html")
	check "http: an unknown path is 404 ($out)" [ "$out" = 404 ]
	out=$(c "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=20)
s.sendall(b"GARBAGE\x01 / HTTP/9.9\r\n\r\n")
print(s.recv(64).split(b"\r\n")[0].decode("latin-1"))' "$host" 2>&1)
	check "http: a malformed request line gets 400 ($out)" grep -q '^HTTP/1.1 400' <<<"$out"

	# ---- Git ----
	cs_say "Git"
	check "git: the clone passes git fsck --strict" git -C "$clone" fsck --strict --no-progress
	out=$(cs_git ls-remote "https://$url/site.git" 2>&1)
	check "git: ls-remote's HEAD is the clone's" \
		[ "$(awk '$2 == "HEAD" { print $1 }' <<<"$out")" = "$(git -C "$clone" rev-parse HEAD)" ]
	check "git: nothing advertised but HEAD, refs/heads/ and refs/tags/" \
		not grep -Ev '	(HEAD|refs/heads/.+|refs/tags/.+)$' <<<"$out"
	check "git: a shallow clone (--depth 1)" \
		bash -c '"$@" && [ "$(git -C "${@: -1}" rev-list --count HEAD)" = 1 ]' _ \
		"${CLIENT_RUN[@]}" git "${git_tls[@]}" clone -q --depth 1 "https://$url/site.git" "$tmp/shallow"
	git -C "$clone" checkout -q -b "live-test-$$-$RANDOM"
	local branch
	branch=$(git -C "$clone" branch --show-current)
	date -u +%FT%TZ >"$clone/client-suite.txt"
	git -C "$clone" add client-suite.txt && git -C "$clone" commit -qm "client suite: a scratch commit"
	out=$(cs_git -C "$clone" push "https://$url/site.git" "$branch" 2>&1)
	check "git: a push without the password is refused ($(grep -m1 '^fatal:' <<<"$out" | sed "s|https://[^ ]*|URL|" | cut -c1-90))" \
		bash -c '! grep -q "$1" <<<"$2"' _ "$branch" "$(cs_git ls-remote "https://$url/site.git" 2>&1)"

	# ---- DNS ----
	cs_say "DNS"
	local zones=() addr=$host
	while IFS= read -r f; do zones+=("$clone/$f"); done < <(git -C "$clone" ls-files 'zones/*.zone')
	[[ $host =~ ^[0-9.]+$|: ]] || addr=$(getent ahosts "$host" | awk '{ print $1; exit }')
	if [ ${#zones[@]} = 0 ]; then
		echo "client suite: no zones/*.zone in the site's repository: DNS not checked"
	else
		local seen=0 line
		while IFS= read -r line; do
			case $line in
			"ok - "*) ok "${line#ok - }" ;;
			"not ok - "*) fail "${line#not ok - }" ;;
			*) echo "$line" ;;
			esac
			seen=1
		done < <(c "$PY" "$CLIENT_SUITE_DIR/zone_check.py" "$addr" "${zones[@]}" 2>&1)
		[ $seen = 1 ] || fail "dns: zone_check.py printed nothing"
	fi

	# ---- writes, with the password ----
	if [ -z "$pw" ]; then
		cs_say "no PASSWORD_FILE: the push checks are skipped"
	else
		cs_say "pushes to a scratch branch"
		local auth enc main_before
		enc=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$pw")
		auth="https://owner:$enc@$url/site.git"
		main_before=$(cs_git ls-remote "https://$url/site.git" HEAD | cut -f1)
		check "git: a push with a wrong password is refused" \
			not cs_git -C "$clone" push -q "https://owner:wrong-$RANDOM@$url/site.git" "$branch" 2>/dev/null
		check "git: a push of a scratch branch ($branch) with the password" \
			cs_git -C "$clone" push -q "$auth" "$branch"
		check "git: ls-remote lists it at the pushed commit" \
			[ "$(cs_git ls-remote "https://$url/site.git" "refs/heads/$branch" | cut -f1)" = "$(git -C "$clone" rev-parse HEAD)" ]
		rm -rf "$tmp/back"
		check "git: a fresh clone of the branch has the file" \
			bash -c '"$@" && [ -f "${@: -1}/client-suite.txt" ]' _ "${CLIENT_RUN[@]}" git "${git_tls[@]}" \
			clone -q -b "$branch" "https://$url/site.git" "$tmp/back"
		check "git: main untouched" [ "$(cs_git ls-remote "https://$url/site.git" HEAD | cut -f1)" = "$main_before" ]
		check "git: the scratch branch deleted" cs_git -C "$clone" push -q "$auth" ":$branch"
		check "git: ... and no longer listed" \
			bash -c '! grep -q "$1" <<<"$2"' _ "$branch" "$(cs_git ls-remote "https://$url/site.git" 2>&1)"
	fi
	cs_say "done"
	rm -rf "$tmp"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	cd "$CLIENT_SUITE_DIR/../.."
	. tests/lib.sh
	CLIENT_RUN=()
	[ $# = 1 ] || {
		echo "usage: tests/clients/suite.sh HOST (PASSWORD_FILE=FILE for the push checks)" >&2
		exit 2
	}
	for t in curl git openssl dig; do
		command -v $t >/dev/null || {
			fail "$t is installed (deps/packages.list)"
			done_tests
			exit 1
		}
	done
	client_suite "$1"
	done_tests
fi
