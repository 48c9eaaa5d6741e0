#!/usr/bin/env python3
"""The error loops of the soak (tests/qemu/soak.sh) against the guest at IP.

Usage: soak_errors.py IP TEST [N]

Each TEST prints what it did on one line (the last), what went wrong
before it, and exits 0 if the guest behaved, 1 if not:

  aborts N     N TCP connections reset by the client (SO_LINGER 0: an RST),
               in turn to HTTP, HTTPS and DNS, half right after the
               handshake and half after part of a request (half a head,
               half a ClientHello, a DNS length prefix and half a query).
               Bad: a connection that could not be made because the
               server refused it or left its SYN unanswered for 3 s, more
               than 1 in 100 (a lost SYN shows now and then, issue 9).
  tls-cuts N   N rounds of TLS handshakes cut at every step, for TLS 1.3
               and TLS 1.2: before the ClientHello, in the middle of each
               record the client sends and after it, after each record
               the server sends, in the middle of the first request; each
               cut once with a FIN and once with an RST. Each round starts
               with a whole handshake and GET /, which must succeed
               (its steps are what the cuts go through). Bad: that failing,
               or a cut connection failing before its cut.
  http-bad N   N rounds of malformed requests to port 80 (and the first
               round over TLS to 443 as well): garbage, a 20 KiB head, a
               20 KiB target, a field without a colon, a NUL, an obs-fold,
               HTTP/2's preface, HTTP/9.9, no Host, two Content-Lengths, a
               negative one, chunked with Content-Length, chunk sizes that
               are not hex or overflow 64 bits, a chunk without its CRLF.
               Bad: an answer that is not a 4xx or 5xx, or a connection
               the server does not close after it (RFC 9112 sections 3.2,
               5.2, 6.3, 7.1), or a normal request not answered after a round.
  dns-bad N    N rounds of malformed DNS over UDP (an empty datagram, a cut
               header, questions claimed and absent, 65535 of them, a cut
               name, a 64-byte label, a 300-byte name, compression
               pointers to themselves and past the end, a response, an
               unknown opcode, OPT records with a bad length and twice,
               random bytes) and over TCP (a zero length, a short message,
               a length larger than what follows, one over the server's
               limit, one byte, garbage between two good queries, a
               response). Bad: an answer to a datagram shorter than a
               header or to a response (RFC 1035 4.1.1; a reflection
               loop), an answer whose ID or QR bit is not an answer's, or
               a normal query unanswered after a round, over UDP or TCP.
  idle         Connections that connect and never speak, to HTTP and
               HTTPS (40, the limit is 32 for both) and to DNS over TCP (40,
               the limit is 32): those over the limit are refused at once,
               the server closes the others after its head timeout (HTTP
               10 s, so within 15 s) and its idle timeout (DNS 30 s, so
               within 35 s), and DNS over UDP answers meanwhile. Bad:
               fewer than 30 held or none refused, one held past its
               bound, or the services not answering afterwards.
"""
import os
import random
import select
import socket
import ssl
import struct
import sys
import threading
import time

import dns.message
import dns.query

IP, TEST = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 1
bad = []


def problem(what):
    if len(bad) < 20:
        print("  problem: %s" % what, flush=True)
    bad.append(what)


def rst_close(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def tls_context(version=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if version:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


def client_hello():
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    try:
        tls_context().wrap_bio(i, o).do_handshake()
    except ssl.SSLWantReadError:
        pass
    return o.read()


def normal_http():
    """A normal request over plain HTTP and one over HTTPS, answered."""
    for port, wrap in ((80, None), (443, tls_context())):
        try:
            s = socket.create_connection((IP, port), timeout=20)
            if wrap:
                s = wrap.wrap_socket(s)
            s.sendall(b"GET /.well-known/soak HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
            head = s.recv(64)
            s.close()
            if not head.startswith(b"HTTP/1.1 200"):
                problem("a normal request to port %d: %r" % (port, head[:32]))
        except OSError as e:
            problem("a normal request to port %d: %s" % (port, e))


def normal_dns():
    q = dns.message.make_query("mail.example.org", "A")
    for how in ("udp", "tcp"):
        try:
            r = getattr(dns.query, how)(q, IP, timeout=10)
            if [rd.to_text() for rrset in r.answer for rd in rrset] != ["192.0.2.25"]:
                problem("a normal query over %s: %s" % (how, r.answer))
        except Exception as e:
            problem("a normal query over %s: %s" % (how, e))


# ---- aborted connections ----

def aborts():
    hello = client_hello()
    query = dns.message.make_query("example.org", "SOA").to_wire()
    partial = {80: b"GET / HTTP/1.1\r\nHost: soak\r\nX-Half: ",
               443: hello[:len(hello) // 2],
               53: struct.pack(">H", len(query)) + query[:len(query) // 2]}
    done = refused = lost = 0
    for i in range(N):
        port = (80, 443, 53)[i % 3]
        try:
            s = socket.create_connection((IP, port), timeout=3)
            if (i // 3) % 2:
                s.sendall(partial[port])
            rst_close(s)
            done += 1
        except (ConnectionResetError, ConnectionRefusedError):
            refused += 1
        except (TimeoutError, socket.timeout):
            lost += 1
    print("%d connections reset by the client (HTTP, HTTPS, DNS; half after part of a request), "
          "%d refused by the server, %d SYNs unanswered" % (done, refused, lost))
    if refused + lost > N // 100:
        problem("%d of %d connections not made" % (refused + lost, N))


# ---- TLS handshakes cut at every step ----

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise EOFError("the server closed after %d of %d bytes" % (len(b), n))
        b += d
    return b


def recv_record(s):
    head = recv_exact(s, 5)
    return head + recv_exact(s, int.from_bytes(head[3:5], "big"))


def records(data):
    out = []
    while data:
        n = 5 + int.from_bytes(data[3:5], "big")
        out.append(data[:n])
        data = data[n:]
    return out


class Cut(Exception):
    pass


def tls_run(version, cut, rst):
    """One connection cut at step `cut` (None: whole, with GET /); the steps taken."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    t = tls_context(version).wrap_bio(inc, out)
    s = socket.create_connection((IP, 443), timeout=10)
    step = [0]

    def at(send=None):
        step[0] += 1
        if step[0] == cut:
            if send:
                s.sendall(send)
            raise Cut()

    try:
        if cut == 0:
            raise Cut()
        done = False
        while not done:
            try:
                t.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                pass
            for rec in records(out.read()):
                at(rec[:len(rec) // 2])
                s.sendall(rec)
                at()
            if not done:
                inc.write(recv_record(s))
                at()
        t.write(b"GET / HTTP/1.1\r\nHost: soak\r\n\r\n")
        req = out.read()
        at(req[:len(req) // 2])
        s.sendall(req)
        answer = b""
        while b"\r\n\r\n" not in answer:
            try:
                answer += t.read(65536)
            except ssl.SSLWantReadError:
                inc.write(recv_record(s))
        if not answer.startswith(b"HTTP/1.1 200"):
            raise ValueError("GET / over the whole handshake: %r" % answer[:32])
        return step[0]
    except Cut:
        return None
    finally:
        if rst:
            rst_close(s)
        else:
            s.close()


def tls_cuts():
    conns = 0
    versions = (("TLS 1.3", ssl.TLSVersion.TLSv1_3), ("TLS 1.2", ssl.TLSVersion.TLSv1_2))
    steps = {}
    for r in range(N):
        for name, v in versions:
            try:
                steps[name] = tls_run(v, None, False)
                conns += 1
            except Exception as e:
                problem("%s, round %d: the whole handshake: %s: %s" % (name, r + 1, type(e).__name__, e))
                continue
            for cut in range(steps[name] + 1):
                for rst in (False, True):
                    try:
                        tls_run(v, cut, rst)
                        conns += 1
                    except Exception as e:
                        problem("%s cut at step %d (%s): %s: %s" % (name, cut, "RST" if rst else "FIN",
                                                                   type(e).__name__, e))
    print("%d TLS connections: %s; every step of each cut, by FIN and by RST, %d rounds" % (
        conns, ", ".join("%s %s steps" % (k, v) for k, v in steps.items()), N))


# ---- malformed HTTP ----

UPLOAD = b"POST /site.git/git-upload-pack HTTP/1.1\r\nHost: soak\r\n" \
         b"Content-Type: application/x-git-upload-pack-request\r\n"
BAD_HTTP = [
    ("garbage", lambda: os.urandom(40).replace(b"\n", b"x") + b"\r\n\r\n"),
    ("a 20 KiB head", lambda: b"GET / HTTP/1.1\r\nHost: soak\r\nX: " + b"a" * 20000 + b"\r\n\r\n"),
    ("a 20 KiB target", lambda: b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: soak\r\n\r\n"),
    ("a field without a colon", lambda: b"GET / HTTP/1.1\r\nHost: soak\r\nNoColon\r\n\r\n"),
    ("a NUL in a field", lambda: b"GET / HTTP/1.1\r\nHost: soak\r\nX: a\x00b\r\n\r\n"),
    ("an obs-fold line", lambda: b"GET / HTTP/1.1\r\nHost: soak\r\nX: a\r\n b\r\n\r\n"),
    ("HTTP/2's preface", lambda: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    ("HTTP/9.9", lambda: b"GET / HTTP/9.9\r\nHost: soak\r\n\r\n"),
    ("no Host", lambda: b"GET / HTTP/1.1\r\n\r\n"),
    ("two Content-Lengths", lambda: UPLOAD + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
    ("a negative Content-Length", lambda: UPLOAD + b"Content-Length: -1\r\n\r\n"),
    ("chunked and Content-Length",
     lambda: UPLOAD + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("a chunk size not in hex", lambda: UPLOAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
    ("a chunk size past 64 bits",
     lambda: UPLOAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"f" * 20 + b"\r\nhello\r\n0\r\n\r\n"),
    ("a chunk without its CRLF", lambda: UPLOAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"),
]


def http_bad_one(name, data, tls):
    s = socket.create_connection((IP, 443 if tls else 80), timeout=10)
    try:
        if tls:
            s = tls_context().wrap_socket(s)
        try:
            s.sendall(data)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            pass  # the server answered and closed before taking it all: read the answer
        got = b""
        while True:
            try:
                d = s.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                d = b""
            if not d:
                break
            got += d
    except (OSError, EOFError) as e:
        return problem("%s%s: %s: %s" % (name, " over TLS" if tls else "", type(e).__name__, e))
    finally:
        s.close()
    status = got[9:12] if got.startswith(b"HTTP/1.1 ") else b""
    if not status or status[:1] not in (b"4", b"5"):
        problem("%s%s: answered %r, not a 4xx or 5xx and the close" % (name, " over TLS" if tls else "", got[:40]))
    return status.decode()


def http_bad():
    statuses = {}
    for r in range(N):
        for tls in ((False, True) if r == 0 else (False,)):
            for name, make in BAD_HTTP:
                st = http_bad_one(name, make(), tls)
                statuses.setdefault(name, set()).add(st)
        normal_http()
    print("%d malformed requests (%d kinds, %d rounds, the first over TLS too), each answered and closed: %s" % (
        len(BAD_HTTP) * (N + 1), len(BAD_HTTP), N,
        "; ".join("%s %s" % (k, "/".join(sorted(str(x) for x in v))) for k, v in statuses.items())))


# ---- malformed DNS ----

def header(qd=1, an=0, ns=0, ar=0, flags=0x0100, ident=None):
    return struct.pack(">HHHHHH", random.randrange(65536) if ident is None else ident, flags, qd, an, ns, ar)


TC = b"\x00\x01\x00\x01"  # type A, class IN
OPT_BAD = b"\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00"  # RDLEN 16, 2 bytes follow
OPT = b"\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00"


def good_query():
    return dns.message.make_query("example.org", "SOA").to_wire()


BAD_UDP = [
    ("an empty datagram", lambda: b""),
    ("3 bytes", lambda: os.urandom(3)),
    ("a header cut at 11 bytes", lambda: good_query()[:11]),
    ("a question claimed, none there", lambda: header()),
    ("65535 questions claimed", lambda: header(qd=65535) + b"\x07example\x03org\x00" + TC),
    ("a name cut short", lambda: good_query()[:16]),
    ("a label of 64 bytes", lambda: header() + b"\x40" + b"a" * 64 + b"\x00" + TC),
    ("a name of 320 bytes", lambda: header() + (b"\x3f" + b"a" * 63) * 5 + b"\x00" + TC),
    ("a pointer to itself", lambda: header() + b"\xc0\x0c" + TC),
    ("a pointer past the end", lambda: header() + b"\xc0\xff" + TC),
    ("a response", lambda: header(flags=0x8400) + b"\x07example\x03org\x00" + TC),
    ("opcode 15", lambda: header(flags=0x7900) + b"\x07example\x03org\x00" + TC),
    ("an OPT with a bad length", lambda: header(ar=1) + b"\x07example\x03org\x00" + TC + OPT_BAD),
    ("two OPTs", lambda: header(ar=2) + b"\x07example\x03org\x00" + TC + OPT + OPT),
    ("random bytes", lambda: os.urandom(random.randrange(12, 512))),
]


def answer_ok(name, query, ans):
    """An answer must be one: its ID the query's, QR set."""
    if len(query) < 12 or (len(query) > 2 and query[2] & 0x80):
        return problem("%s: answered (%d bytes), though it is %s" % (
            name, len(ans), "a response" if len(query) >= 12 else "shorter than a header"))
    if len(ans) < 12 or ans[:2] != query[:2] or not ans[2] & 0x80:
        problem("%s: a malformed answer %r" % (name, ans[:16]))


def dns_bad_udp(counts):
    socks = []
    for name, make in BAD_UDP:
        q = make()
        if name == "random bytes":
            q = q[:2] + bytes([q[2] & 0x7f]) + q[3:]  # a query's QR bit: any answer must match it
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(q, (IP, 53))
        socks.append((name, q, s))
    end = time.monotonic() + 2
    pending = {s: (name, q) for name, q, s in socks}
    while pending and time.monotonic() < end:
        r, _, _ = select.select(list(pending), [], [], max(0, end - time.monotonic()))
        for s in r:
            name, q = pending.pop(s)
            ans = s.recv(65535)
            counts["udp answered"] += 1
            answer_ok(name, q, ans)
    counts["udp"] += len(socks)
    for _, _, s in socks:
        s.close()


def framed(m):
    return struct.pack(">H", len(m)) + m


BAD_TCP = [
    ("a zero length", lambda: framed(b"")),
    ("a 5-byte message", lambda: framed(os.urandom(5))),
    ("a length larger than what follows", lambda: struct.pack(">H", 65535) + good_query()),
    ("a query over the limit", lambda: framed(header() + b"\x3fa" * 2100 + b"\x00" + TC)),
    ("one byte", lambda: b"\x00"),
    ("garbage between two good queries", lambda: framed(good_query()) + framed(os.urandom(40)) + framed(good_query())),
    ("a response", lambda: framed(header(flags=0x8400) + b"\x07example\x03org\x00" + TC)),
]


def dns_bad_tcp(counts):
    for name, make in BAD_TCP:
        data = make()
        try:
            s = socket.create_connection((IP, 53), timeout=10)
        except OSError as e:
            problem("%s over TCP: no connection: %s" % (name, e))
            continue
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            got = b""
            s.settimeout(5)
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got += d
        except ConnectionResetError:
            pass  # a close with unread bytes of ours is an RST
        except OSError as e:
            problem("%s over TCP: %s: %s" % (name, type(e).__name__, e))
        finally:
            s.close()
        counts["tcp"] += 1
        ids = set()
        rest = data
        while len(rest) >= 4:
            n = int.from_bytes(rest[:2], "big")
            ids.add(rest[2:4])
            rest = rest[2 + n:]
        while len(got) >= 2:
            n = int.from_bytes(got[:2], "big")
            ans = got[2:2 + n]
            got = got[2 + n:]
            counts["tcp answers"] += 1
            if len(ans) < 12 or ans[:2] not in ids or not ans[2] & 0x80:
                problem("%s over TCP: a malformed answer %r" % (name, ans[:16]))
            elif name == "a response":
                problem("a response over TCP: answered")


def dns_bad():
    counts = {"udp": 0, "udp answered": 0, "tcp": 0, "tcp answers": 0}
    for _ in range(N):
        dns_bad_udp(counts)
        dns_bad_tcp(counts)
        normal_dns()
    print("%d malformed datagrams (%d answered), %d TCP connections with malformed messages "
          "(%d answers), %d rounds" % (counts["udp"], counts["udp answered"], counts["tcp"],
                                       counts["tcp answers"], N))


# ---- clients that never speak ----

def hold(ports, n):
    """n connections, in turn to ports; after 2 s, those still open and those refused."""
    socks = []
    for i in range(n):
        try:
            socks.append(socket.create_connection((IP, ports[i % len(ports)]), timeout=5))
        except OSError:
            socks.append(None)
    time.sleep(2)
    held, refused = [], 0
    for s in socks:
        if s is None:
            refused += 1
            continue
        r, _, _ = select.select([s], [], [], 0)
        if r:
            try:
                s.recv(1)
            except OSError:
                pass
            s.close()
            refused += 1
        else:
            held.append(s)
    return held, refused


def wait_closed(socks, bound, what, result):
    """Until the server closes each (EOF, reset, or a 408 then EOF), within bound seconds."""
    t0, pending, last = time.monotonic(), list(socks), 0.0
    while pending and time.monotonic() - t0 < bound:
        r, _, _ = select.select(pending, [], [], 0.5)
        for s in r:
            try:
                d = s.recv(4096)
            except OSError:
                d = b""
            if not d or d.startswith(b"HTTP/1.1 408"):
                if d:
                    s.settimeout(5)
                    try:
                        while s.recv(4096):
                            pass
                    except OSError:
                        pass
                pending.remove(s)
                s.close()
                last = time.monotonic() - t0
    for s in pending:
        s.close()
    result[what] = (len(socks), len(pending), last)


def idle():
    http, http_refused = hold((80, 443), 40)
    dnsc, dns_refused = hold((53,), 40)
    result = {}
    threads = [threading.Thread(target=wait_closed, args=(http, 15, "http", result)),
               threading.Thread(target=wait_closed, args=(dnsc, 35, "dns", result))]
    for t in threads:
        t.start()
    q = dns.message.make_query("mail.example.org", "A")
    udp_ok = 0
    for _ in range(10):
        try:
            dns.query.udp(q, IP, timeout=3)
            udp_ok += 1
        except Exception:
            pass
        time.sleep(1)
    for t in threads:
        t.join()
    for what, refused in (("http", http_refused), ("dns", dns_refused)):
        n, left, last = result[what]
        print("  %s: %d held, %d refused over the limit; %d closed by the server, the last after %.1f s, "
              "%d still open at the bound" % (what, n, refused, n - left, last, left))
        if n < 30 or refused == 0:
            problem("%s: %d held and %d refused, not the limit of 32" % (what, n, refused))
        if left:
            problem("%s: %d idle connections still open at the bound" % (what, left))
    if udp_ok < 10:
        problem("DNS over UDP answered %d of 10 queries while the idle connections were held" % udp_ok)
    normal_http()
    normal_dns()
    print("idle clients: HTTP and HTTPS %d held, DNS over TCP %d held; all closed by the server in time; "
          "DNS over UDP answered %d of 10 meanwhile" % (len(http), len(dnsc), udp_ok))


{"aborts": aborts, "tls-cuts": tls_cuts, "http-bad": http_bad, "dns-bad": dns_bad, "idle": idle}[TEST]()
sys.exit(1 if bad else 0)
