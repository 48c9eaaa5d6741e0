#!/usr/bin/env python3
"""The mixed load of the soak (tests/qemu/soak.sh), against the guest at IP.

Usage: soak_load.py IP SECONDS SUMMARY.json WORKDIR PASSWORD-FILE BODIES...

For SECONDS, one thread per kind of request, each in a closed loop (one
request at a time, then a pause), so the load is bounded in rate and in
connections whatever the guest's speed:

  http-keepalive  GET /.well-known/soak on one kept-alive connection, a new
                  one every 100 requests (at most 20/s)
  http-new        a new connection per request: GET /.well-known/soak
                  (200, the file) and GET / (301 to https://IP/), half of
                  them with Connection: close (at most 10/s)
  https-new       a full TLS handshake per request, GET / (at most 2/s)
  https-resumed   each connection resumes the session of the one before
                  (a TLS 1.3 ticket), GET / (at most 4/s)
  dns-udp         four questions in turn with known answers: the SOA, an
                  address, a NXDOMAIN, a CNAME chain (at most 20/s); an
                  unanswered datagram is asked again once after 3 s, as a
                  stub resolver does (RFC 1035 4.2.1), and counted
  dns-tcp         the same four on one TCP connection, a new connection
                  for each round (at most 10/s)
  git-push        a commit changing notes/soak.txt pushed with the
                  password (every 8 s)
  git-fetch       git fetch into another clone (every 4 s); what it gets
                  must be a commit the pusher pushed (or the first one)

A failure is any request that raised (refused, reset, timed out after
20 s -- 120 s for git) or whose answer was wrong: another status, another
body, another DNS answer or rcode, a non-zero git exit, a fetched commit
nobody pushed. BODIES are the expected bodies of /.well-known/soak and of
/ (files). A progress line every 30 s on stdout; the counts, the first
errors of each kind and the longest request of each kind into SUMMARY.json.
Threads start no request after SECONDS; the longest a request can then
take (the git timeout) bounds the overrun.
"""
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

IP, SECONDS, SUMMARY, WORK, PWFILE = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
SOAK_BODY = open(sys.argv[6], "rb").read()
INDEX_BODY = open(sys.argv[7], "rb").read()
TIMEOUT = 20
GIT_TIMEOUT = 120
START = time.monotonic()
DEADLINE = START + SECONDS


class Kind:
    def __init__(self, name):
        self.name, self.ok, self.fail, self.errors, self.max_ms = name, 0, 0, [], 0.0
        self.extra = {}
        self.lock = threading.Lock()

    def count(self, key, n=1):
        with self.lock:
            self.extra[key] = self.extra.get(key, 0) + n

    def done(self, t0, err=None):
        ms = (time.monotonic() - t0) * 1000
        with self.lock:
            self.max_ms = max(self.max_ms, ms)
            if err is None:
                self.ok += 1
            else:
                self.fail += 1
                if len(self.errors) < 10:
                    self.errors.append("%.0f s: %s" % (time.monotonic() - START, err))


KINDS = {n: Kind(n) for n in ("http-keepalive", "http-new", "https-new", "https-resumed",
                              "dns-udp", "dns-tcp", "git-push", "git-fetch")}


def loop(kind, pause, step):
    """Run step() until the deadline, counting; step raises on a failure."""
    k = KINDS[kind]
    while time.monotonic() < DEADLINE:
        t0 = time.monotonic()
        try:
            step()
            k.done(t0)
        except Exception as e:  # every failure is counted, whatever its kind
            k.done(t0, "%s: %s" % (type(e).__name__, e))
        time.sleep(pause)


# ---- HTTP ----

def read_response(s):
    """One response on socket-like s: (status, headers dict, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise EOFError("closed before the head (%d bytes)" % len(buf))
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for l in lines[1:]:
        name, _, value = l.partition(":")
        fields[name.strip().lower()] = value.strip()
    length = int(fields.get("content-length", "0"))
    while len(body) < length:
        d = s.recv(65536)
        if not d:
            raise EOFError("closed in the body (%d of %d bytes)" % (len(body), length))
        body += d
    return status, fields, body


def get(s, path, close=False):
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" %
               (path, IP, "Connection: close\r\n" if close else "")).encode())
    return read_response(s)


def expect(path, status, fields, body):
    if path == "/.well-known/soak":
        if status != 200 or body != SOAK_BODY:
            raise ValueError("%s: %d, %d bytes" % (path, status, len(body)))
    elif path == "/" and status == 301:
        if fields.get("location") != "https://%s/" % IP:
            raise ValueError("/: 301 to %s" % fields.get("location"))
    elif status != 200 or body != INDEX_BODY:
        raise ValueError("%s: %d, %d bytes" % (path, status, len(body)))


def http_keepalive():
    state = {"s": None, "n": 0}

    def step():
        if state["s"] is None or state["n"] >= 100:
            if state["s"]:
                state["s"].close()
            state["s"], state["n"] = socket.create_connection((IP, 80), timeout=TIMEOUT), 0
        state["n"] += 1
        try:
            expect("/.well-known/soak", *get(state["s"], "/.well-known/soak"))
        except Exception:
            state["s"].close()
            state["s"] = None
            raise
    loop("http-keepalive", 0.05, step)
    if state["s"]:
        state["s"].close()


def http_new():
    n = [0]

    def step():
        n[0] += 1
        path = "/" if n[0] % 2 else "/.well-known/soak"
        where = "connecting"
        try:
            with socket.create_connection((IP, 80), timeout=TIMEOUT) as s:
                where = "from port %d, waiting for the answer" % s.getsockname()[1]
                expect(path, *get(s, path, close=n[0] % 4 < 2))
        except OSError as e:
            raise OSError("%s %s: %s" % (path, where, e)) from e
    loop("http-new", 0.1, step)


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def https_new():
    ctx = tls_context()

    def step():
        with ctx.wrap_socket(socket.create_connection((IP, 443), timeout=TIMEOUT)) as s:
            expect("/", *get(s, "/"))
    loop("https-new", 0.5, step)


def https_resumed():
    ctx, session = tls_context(), [None]
    k = KINDS["https-resumed"]

    def step():
        with ctx.wrap_socket(socket.create_connection((IP, 443), timeout=TIMEOUT),
                             session=session[0]) as s:
            expect("/", *get(s, "/"))
            if session[0] is not None:
                k.count("resumed" if s.session_reused else "not-resumed")
            # The ticket of TLS 1.3 comes after the handshake: read with the answer.
            session[0] = s.session
    loop("https-resumed", 0.25, step)


# ---- DNS ----

SOA = "ns1.example.org. hostmaster.example.org. 2026120101 7200 3600 1209600 300"
QUESTIONS = [
    ("example.org", "SOA", dns.rcode.NOERROR, {SOA}),
    ("mail.example.org", "A", dns.rcode.NOERROR, {"192.0.2.25"}),
    ("nope.example.org", "A", dns.rcode.NXDOMAIN, set()),
    ("alias2.example.org", "A", dns.rcode.NOERROR,
     {"alias.example.org.", "www.example.org.", "example.org.", "192.0.2.1"}),
]


def check_answer(q, r):
    name, qtype, rcode, want = q
    got = {rd.to_text() for rrset in r.answer for rd in rrset}
    if r.rcode() != rcode or not r.flags & dns.flags.AA or got != want:
        raise ValueError("%s %s: %s, aa=%d, %s" % (name, qtype, dns.rcode.to_text(r.rcode()),
                                                    bool(r.flags & dns.flags.AA), sorted(got)))


def dns_udp():
    n = [0]
    k = KINDS["dns-udp"]

    def step():
        q = QUESTIONS[n[0] % len(QUESTIONS)]
        n[0] += 1
        m = dns.message.make_query(q[0], q[1])
        try:
            r = dns.query.udp(m, IP, timeout=3)
        except dns.exception.Timeout:
            k.count("asked-again")
            r = dns.query.udp(m, IP, timeout=3)
        check_answer(q, r)
    loop("dns-udp", 0.05, step)


def dns_tcp():
    k = KINDS["dns-tcp"]
    # Each round's four queries on one connection: the loop counts the
    # round, and the three queries before the last are counted here.
    def step():
        with socket.create_connection((IP, 53), timeout=TIMEOUT) as s:
            for i, q in enumerate(QUESTIONS):
                r = dns.query.tcp(dns.message.make_query(q[0], q[1]), IP, timeout=TIMEOUT, sock=s)
                check_answer(q, r)
                if i < len(QUESTIONS) - 1:
                    k.done(time.monotonic())
    loop("dns-tcp", 0.4, step)


# ---- git ----

def git(*args, cwd=None):
    p = subprocess.run(["git", "-c", "http.sslVerify=false", *args], cwd=cwd, timeout=GIT_TIMEOUT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        raise RuntimeError("git %s: exit %d: %s" % (args[0], p.returncode, p.stdout.strip()[-300:]))
    return p.stdout


URL = "https://%s/site.git" % IP
pushed = set()
pushed_lock = threading.Lock()


def git_setup():
    from urllib.parse import quote
    password = quote(open(PWFILE).readline().rstrip("\n"), safe="")
    for d in ("push", "fetch"):
        git("clone", "-q", URL, os.path.join(WORK, d))
    push_dir = os.path.join(WORK, "push")
    git("remote", "set-url", "--push", "origin", "https://owner:%s@%s/site.git" % (password, IP), cwd=push_dir)
    with pushed_lock:
        pushed.add(git("rev-parse", "HEAD", cwd=push_dir).strip())
    os.makedirs(os.path.join(push_dir, "notes"), exist_ok=True)


def git_push():
    d, n = os.path.join(WORK, "push"), [0]

    def step():
        n[0] += 1
        with open(os.path.join(d, "notes", "soak.txt"), "w") as f:
            f.write("push %d at %.1f s\n" % (n[0], time.monotonic() - START))
        git("add", "notes/soak.txt", cwd=d)
        git("commit", "-qm", "soak: push %d" % n[0], cwd=d)
        head = git("rev-parse", "HEAD", cwd=d).strip()
        with pushed_lock:
            pushed.add(head)
        git("push", "-q", "origin", "main", cwd=d)
    loop("git-push", 8, step)


def git_fetch():
    d = os.path.join(WORK, "fetch")

    def step():
        git("fetch", "-q", "origin", cwd=d)
        got = git("rev-parse", "origin/main", cwd=d).strip()
        with pushed_lock:
            if got not in pushed:
                raise ValueError("fetched main %s, which nobody pushed" % got)
    loop("git-fetch", 4, step)


def progress():
    while time.monotonic() < DEADLINE:
        time.sleep(min(30, max(0, DEADLINE - time.monotonic())))
        print("soak-load: %.0f s: %s" % (time.monotonic() - START, ", ".join(
            "%s %d/%d" % (k.name, k.ok, k.fail) for k in KINDS.values())), flush=True)


def main():
    workers = [git_push, git_fetch]
    try:
        git_setup()
    except Exception as e:  # no git load: a failure, counted, and the rest runs
        KINDS["git-fetch"].done(time.monotonic(), "the clones to push and fetch from: %s" % e)
        workers = []
    workers += [http_keepalive, http_new, https_new, https_resumed, dns_udp, dns_tcp, progress]
    threads = [threading.Thread(target=w, daemon=True) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(SUMMARY, "w") as f:
        json.dump({k.name: {"ok": k.ok, "fail": k.fail, "max_ms": round(k.max_ms), "errors": k.errors,
                            **k.extra} for k in KINDS.values()}, f, indent=1)


main()
