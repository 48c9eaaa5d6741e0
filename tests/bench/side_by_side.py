#!/usr/bin/env python3
"""The host's two helpers of the side-by-side benchmark (side-by-side.sh).

  side_by_side.py serve DIR ADDRESS PORT
      dom0's turns (hypervisor/dom0/init, selftest=sidebyside): an HTTP
      server on ADDRESS:PORT whose GET /step/N answers with the contents
      of DIR/N as soon as that file exists (a long poll: dom0 asks once
      per turn and waits, no polling on its side). 404 for anything else.

  side_by_side.py probe LOG START_RE N HOST PATH SECONDS
      Follows QEMU's serial log LOG until START_RE has matched N lines
      (counted from the top: dom0's Nth "create" line of a domain),
      then, every 20 ms until both came or SECONDS passed, asks HOST for
      example.org SOA over UDP (a new query ID each time) and opens a new
      TCP connection for GET PATH over HTTP (each attempt lives 1 s, so
      none waits on TCP's own retransmission). Prints "dns MS" (the first
      answer with NOERROR and a record) and "http MS" (the first status
      200), milliseconds after the line appeared; a missing one is not
      printed. Exits 0 if both came.
"""
import errno
import http.server
import os
import random
import re
import selectors
import socket
import struct
import sys
import time

# The serial log followed as it grows, and the wait for a line of it: the
# same as the first-answer test's.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu"))
from first_answer import EVERY, LIFETIME, POLL, Log, wait_line  # noqa: E402


def serve(directory, address, port):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            m = re.fullmatch(r"/step/([0-9]+)", self.path)
            if not m:
                self.send_error(404)
                return
            path = os.path.join(directory, m.group(1))
            while not os.path.exists(path):
                time.sleep(0.1)
            with open(path, "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            sys.stderr.write("side-by-side ctl: %s\n" % (fmt % args))

    http.server.ThreadingHTTPServer((address, port), Handler).serve_forever()


def query(qid):
    # RFC 1035 4.1: header (RD clear), one question example.org SOA IN.
    name = b"".join(bytes([len(p)]) + p for p in (b"example", b"org")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + name + struct.pack("!HH", 6, 1)


def answered(msg, ids):
    if len(msg) < 12:
        return False
    qid, flags, _, ancount = struct.unpack("!HHHH", msg[:8])
    return qid in ids and flags & 0x8000 and flags & 0xF == 0 and ancount > 0


def probe(logpath, start_re, n, host, path, seconds):
    deadline = time.monotonic() + seconds
    t0 = wait_line(Log(logpath), re.compile(start_re), n, deadline)
    if t0 is None:
        print("no start line")
        return 1
    request = ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, host)).encode()
    sel = selectors.DefaultSelector()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setblocking(False)
    sel.register(udp, selectors.EVENT_READ, "dns")
    ids, born, got = set(), {}, {}
    next_try = 0.0
    while len(got) < 2 and time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_try:
            next_try = now + EVERY
            if "dns" not in got:
                qid = random.randrange(65536)
                ids.add(qid)
                try:
                    udp.sendto(query(qid), (host, 53))
                except OSError:
                    pass
            if "http" not in got:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                if s.connect_ex((host, 80)) in (0, errno.EINPROGRESS):
                    sel.register(s, selectors.EVENT_WRITE, "http")
                    born[s] = [now, b""]
                else:
                    s.close()
        for s in [s for s, (b, _) in born.items() if now - b > LIFETIME]:
            sel.unregister(s)
            s.close()
            del born[s]
        for key, ev in sel.select(timeout=POLL):
            s = key.fileobj
            if key.data == "dns":
                try:
                    msg = s.recv(4096)
                except OSError:
                    continue
                if answered(msg, ids) and "dns" not in got:
                    got["dns"] = time.monotonic()
                continue
            try:
                if ev & selectors.EVENT_WRITE:
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        raise OSError
                    s.send(request)
                    sel.modify(s, selectors.EVENT_READ, "http")
                    continue
                data = s.recv(4096)
                if not data:
                    raise OSError
                born[s][1] += data
                if b"\r\n" in born[s][1]:
                    if born[s][1].split(b"\r\n")[0].split()[1:2] == [b"200"] and "http" not in got:
                        got["http"] = time.monotonic()
                    raise OSError
            except OSError:
                sel.unregister(s)
                s.close()
                del born[s]
    for what in ("dns", "http"):
        if what in got:
            print("%s %.0f" % (what, (got[what] - t0) * 1000))
    return 0 if len(got) == 2 else 1


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 8 and sys.argv[1] == "probe":
        a = sys.argv
        return probe(a[2], a[3], int(a[4]), a[5], a[6], float(a[7]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
