#!/usr/bin/env python3
"""Time from a line on QEMU's serial console to a guest's first answer.

  first_answer.py LOG START_RE HOST PORT SECONDS

Follows the serial log LOG (QEMU writes it as the console prints, so a
line's arrival is its time, give or take the 5 ms this polls at) until a
line matches START_RE (dom0's "create" line), then opens a new TCP
connection to the echo service at HOST PORT every 20 ms and sends a byte
on each, until one brings the byte back: the guest's first answer. Each
attempt lives 1 s, so no attempt waits on TCP's own retransmission (1 s
and more): a new one starts before an old one's SYN is sent again.

Prints "answer MS", milliseconds after START_RE's line, and exits 0; exits
1 with "no answer" if none came in SECONDS.
"""
import errno
import re
import selectors
import socket
import sys
import time

POLL = 0.005
EVERY = 0.02
LIFETIME = 1.0


class Log:
    """The serial log, read as it grows, a line at a time."""

    def __init__(self, path):
        self.path, self.f, self.rest = path, None, b""

    def lines(self):
        if self.f is None:
            try:
                self.f = open(self.path, "rb")
            except FileNotFoundError:
                return []
        data = self.rest + self.f.read()
        *done, self.rest = data.split(b"\n")
        return [d.decode("utf-8", "replace").rstrip("\r") for d in done]


def wait_line(log, start_re, n, deadline):
    """The time the Nth line matching START_RE (counted from the top of
    LOG) appeared, or None if it had not by DEADLINE (time.monotonic)."""
    seen = 0
    while time.monotonic() < deadline:
        for line in log.lines():
            if start_re.search(line):
                seen += 1
                if seen == n:
                    return time.monotonic()
        time.sleep(POLL)
    return None


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    log = Log(sys.argv[1])
    start_re = re.compile(sys.argv[2])
    host, port, seconds = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    deadline = time.monotonic() + seconds

    t0 = wait_line(log, start_re, 1, deadline)
    if t0 is None:
        print("no start line")
        return 1

    def ms():
        return f"{(time.monotonic() - t0) * 1000:.0f}"

    sel = selectors.DefaultSelector()
    born = {}
    next_try = 0.0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_try:
            next_try = now + EVERY
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((host, port))
            if err in (0, errno.EINPROGRESS):
                sel.register(s, selectors.EVENT_WRITE)
                born[s] = now
            else:
                s.close()
        for key, ev in sel.select(POLL):
            s = key.fileobj
            try:
                if ev & selectors.EVENT_WRITE:
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        raise OSError("refused")
                    s.send(b"?")
                    sel.modify(s, selectors.EVENT_READ)
                elif s.recv(1):
                    print(f"answer {ms()}", flush=True)
                    return 0
                else:
                    raise OSError("closed")
            except OSError:
                sel.unregister(s)
                del born[s]
                s.close()
        for s, t in list(born.items()):
            if now - t > LIFETIME:
                sel.unregister(s)
                del born[s]
                s.close()
    print("no answer")
    return 1


if __name__ == "__main__":
    sys.exit(main())
