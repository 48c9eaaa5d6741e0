#!/usr/bin/python3
"""Crafted Git smart HTTP requests for the bad-input checks of tests/host/git.sh.

Usage: git_wire.py URL PASSWORD CASE [ARG...]
Prints what the server answered, decoded from its pkt-lines (ERR lines,
report-status lines), one per line, so the shell test can grep it.

Cases:
  truncated-pkt          a want line cut inside
  oversized-pkt          a pkt-line of the largest length (65520), longer than any request line
  bad-length             a pkt-line length that is not hex
  missing-want           a want for an object that does not exist
  push-count OLD PACK    push PACK (a file) with its header's count one too many
  push-trailer OLD PACK  push PACK with its trailer checksum flipped
  push-delta OLD         push a pack of one ref-delta whose base does not exist
  push-ref NAME OLD NEW  a ref update of NAME (escapes like \\x01 allowed)
  hold N WANT            N fetches of WANT whose answers are never read, then
                         one more (its status), then after closing them another
  hold-bodies N WANT HAVES [-- COMMAND...]
                         N fetches of WANT whose bodies stop after HAVES have
                         lines (each: what it was answered, if anything), then
                         one more (its status) and COMMAND (its exit status)
  slow-readers N WANT RATE SECONDS
                         N fetches of WANT whose answers are read at RATE
                         bytes a second for SECONDS (each: how much, and
                         whether it ended), then one more (its status)
"""
import hashlib
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
import base64


def pkt(data):
    if isinstance(data, str):
        data = data.encode()
    return b"%04x" % (len(data) + 4) + data


def post(url, service, body, password):
    req = urllib.request.Request(url + "/" + service, data=body, method="POST")
    req.add_header("Content-Type", "application/x-%s-request" % service)
    token = base64.b64encode(b"x:" + password.encode()).decode()
    req.add_header("Authorization", "Basic " + token)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def lines(data):
    """The pkt-lines of an answer, side-band 1 unwrapped, as text."""
    out = []
    while len(data) >= 4:
        n = int(data[:4], 16)
        if n < 4:
            data = data[4:]
            continue
        payload, data = data[4:n], data[n:]
        if payload[:1] in (b"\x01", b"\x02", b"\x03") and not payload.startswith(b"ERR"):
            band, payload = payload[0], payload[1:]
            if band == 1:
                out += lines(payload)
                continue
            out.append("band%d %s" % (band, payload.decode(errors="replace").strip()))
            continue
        out.append(payload.decode(errors="replace").rstrip("\n"))
    return out


def command(old, new, name, caps="report-status side-band-64k"):
    return pkt(old.encode() + b" " + new.encode() + b" " + name + b"\0" + caps.encode() + b"\n")


def with_trailer(body):
    return body + hashlib.sha1(body).digest()


def delta_pack():
    """One REF_DELTA entry (type 7) against a base nobody has."""
    delta = bytes([5, 5, 5]) + b"hello"  # base 5 bytes, result 5: insert "hello"
    size = len(delta)
    head = bytes([0x80 | (7 << 4) | (size & 15), size >> 4]) if size > 15 else bytes([(7 << 4) | size])
    entry = head + hashlib.sha1(b"no such base").digest() + zlib.compress(delta)
    return with_trailer(b"PACK" + (2).to_bytes(4, "big") + (1).to_bytes(4, "big") + entry)


def held_fetch(url, want, small=False):
    """A fetch whose answer is left unread: the server's stream stalls on it.
    small: its receive buffer is small from the start (a small window)."""
    host = url.split("/")[2]
    body = pkt("want %s side-band-64k ofs-delta\n" % want) + b"0000" + pkt("done\n")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.socket()
    if small:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(30)
    raw.connect((host, 443))
    s = ctx.wrap_socket(raw)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(("POST /site.git/git-upload-pack HTTP/1.1\r\nHost: %s\r\n"
               "Content-Type: application/x-git-upload-pack-request\r\n"
               "Content-Length: %d\r\n\r\n" % (host, len(body))).encode() + body)
    s.recv(64)  # the answer has started: the server holds the fetch
    return s


def held_body(url, want, haves):
    """A fetch whose body stops after its first have lines: the request has not ended."""
    host = url.split("/")[2]
    body = pkt("want %s multi_ack_detailed side-band-64k ofs-delta\n" % want) + b"0000"
    body += b"".join(pkt("have %040x\n" % i) for i in range(1, haves + 1))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = ctx.wrap_socket(socket.create_connection((host, 443), timeout=30))
    try:  # a refused one may be closed before all of it is sent
        s.sendall(("POST /site.git/git-upload-pack HTTP/1.1\r\nHost: %s\r\n"
                   "Content-Type: application/x-git-upload-pack-request\r\n"
                   "Content-Length: %d\r\n\r\n" % (host, len(body) + 1000000)).encode() + body)
    except OSError:
        pass
    time.sleep(0.2)
    return s


def hold_bodies(url, n, want, haves, run):
    held = [held_body(url, want, haves) for _ in range(n)]
    time.sleep(1)
    for i, s in enumerate(held):
        s.settimeout(0.2)
        try:
            got = s.recv(64).split(b"\r\n")[0].decode()
        except socket.timeout:
            got = "none"
        except OSError as e:
            got = "closed (%s)" % e.strerror
        print("held %d: %s" % (i, got or "closed"))
    body = pkt("want %s side-band-64k ofs-delta\n" % want) + b"0000" + pkt("done\n")
    print("one more: %d" % post(url, "git-upload-pack", body, "")[0])
    if run:
        print("command: %d" % subprocess.call(run, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
    for s in held:
        s.close()


def slow_readers(url, n, want, rate, seconds):
    held = [held_fetch(url, want, True) for _ in range(n)]
    got, ended = [0] * n, [False] * n
    for _ in range(seconds):
        time.sleep(1)
        for i, s in enumerate(held):
            if ended[i]:
                continue
            try:
                data = s.recv(rate)
                got[i] += len(data)
                ended[i] = not data
            except OSError:
                ended[i] = True
    for i in range(n):
        print("reader %d: %d bytes, %s" % (i, got[i], "ended" if ended[i] else "open"))
    body = pkt("want %s side-band-64k ofs-delta\n" % want) + b"0000" + pkt("done\n")
    print("one more: %d" % post(url, "git-upload-pack", body, "")[0])
    for s in held:
        s.close()


def hold(url, n, want):
    held = [held_fetch(url, want) for _ in range(n)]
    body = pkt("want %s side-band-64k ofs-delta\n" % want) + b"0000" + pkt("done\n")
    print("one more: %d" % post(url, "git-upload-pack", body, "")[0])
    for s in held:
        s.close()
    time.sleep(1)
    print("after: %d" % post(url, "git-upload-pack", body, "")[0])


def main():
    url, password, case, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    zero = "0" * 40
    if case == "truncated-pkt":
        status, body = post(url, "git-upload-pack", b"0032want 0123", password)
    elif case == "oversized-pkt":
        status, body = post(url, "git-upload-pack", b"fff0want " + b"a" * 100, password)
    elif case == "bad-length":
        status, body = post(url, "git-upload-pack", b"00zzwant\n0000", password)
    elif case == "missing-want":
        body = pkt("want %s multi_ack_detailed side-band-64k\n" % ("ab" * 20)) + b"0000" + pkt("done\n")
        status, body = post(url, "git-upload-pack", body, password)
    elif case in ("push-count", "push-trailer"):
        old, new, pack = args[0], args[1], bytearray(open(args[2], "rb").read())
        if case == "push-count":
            count = int.from_bytes(pack[8:12], "big") + 1
            pack[8:12] = count.to_bytes(4, "big")
            pack = bytearray(with_trailer(bytes(pack[:-20])))
        else:
            pack[-1] ^= 1
        body = command(old, new, b"refs/heads/main") + b"0000" + bytes(pack)
        status, body = post(url, "git-receive-pack", body, password)
    elif case == "push-delta":
        body = command(args[0], "ab" * 20, b"refs/heads/main") + b"0000" + delta_pack()
        status, body = post(url, "git-receive-pack", body, password)
    elif case == "hold":
        hold(url, int(args[0]), args[1])
        return
    elif case == "hold-bodies":
        run = args[4:] if len(args) > 3 and args[3] == "--" else []
        hold_bodies(url, int(args[0]), args[1], int(args[2]), run)
        return
    elif case == "slow-readers":
        slow_readers(url, int(args[0]), args[1], int(args[2]), int(args[3]))
        return
    elif case == "push-ref":
        name = args[0].encode().decode("unicode_escape").encode("latin-1")
        # An empty pack, as git sends when the server has every object already.
        empty = with_trailer(b"PACK" + (2).to_bytes(4, "big") + (0).to_bytes(4, "big"))
        body = command(args[1], args[2], name) + b"0000" + empty
        status, body = post(url, "git-receive-pack", body, password)
    else:
        sys.exit("unknown case " + case)
    print("status %d" % status)
    for line in lines(body):
        print(line)


if __name__ == "__main__":
    main()
