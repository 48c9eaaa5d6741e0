#!/usr/bin/env python3
"""A TCP relay that stops passing the client's bytes after a number of them.

Usage: hold_relay.py PORT TARGET_PORT BYTES LOG PATTERN SECONDS

Listens on 127.0.0.1:PORT and relays every connection to
127.0.0.1:TARGET_PORT, both ways. Once BYTES of the clients' bytes (all
connections together) have gone to the target, it passes no more of them:
the client's push stays unfinished, whatever the speed of the guest. The
target's bytes still reach the client. When a line of LOG matches PATTERN
(a regular expression), or after SECONDS, it closes every connection and
exits, printing how many of the clients' bytes it passed.

tests/qemu/git.sh pushes through it, so that dom0's destroy (selftest=
destroy) always comes in the middle of the push: without it, a quick guest
could finish the push before xl destroy took it down.
"""
import re
import socket
import sys
import threading
import time

port, target, limit = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
log, pattern, seconds = sys.argv[4], re.compile(sys.argv[5]), float(sys.argv[6])
lock = threading.Lock()
passed = 0
socks = []


def upstream(src, dst):
    """The client's bytes, up to the limit; then it holds them."""
    global passed
    while True:
        with lock:
            room = limit - passed
        if room <= 0:
            return
        try:
            data = src.recv(min(room, 65536))
        except OSError:
            return
        if not data:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            return
        with lock:
            passed += len(data)
        try:
            dst.sendall(data)
        except OSError:
            return


def downstream(src, dst):
    while True:
        try:
            data = src.recv(65536)
            if not data:
                dst.shutdown(socket.SHUT_WR)
                return
            dst.sendall(data)
        except OSError:
            return


def accept(listener):
    while True:
        try:
            client, _ = listener.accept()
        except OSError:  # the listener closed: the end
            return
        try:
            server = socket.create_connection(("127.0.0.1", target))
        except OSError:  # the client sees its connection closed, as from the target
            client.close()
            continue
        with lock:
            socks.extend((client, server))
        threading.Thread(target=upstream, args=(client, server), daemon=True).start()
        threading.Thread(target=downstream, args=(server, client), daemon=True).start()


class Log:
    """LOG's lines as they are written, each read once."""

    def __init__(self, path):
        self.path, self.offset, self.partial = path, 0, ""

    def seen(self, pattern):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return False
        self.offset += len(data)
        text = self.partial + data.decode(errors="replace")
        *lines, self.partial = text.split("\n")
        return any(pattern.search(line) for line in lines)


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(8)
threading.Thread(target=accept, args=(listener,), daemon=True).start()
print("hold_relay: listening", flush=True)
end = time.monotonic() + seconds
watch = Log(log)
found = False
while time.monotonic() < end and not (found := watch.seen(pattern)):
    time.sleep(0.2)
why = "the pattern seen" if found else f"{seconds:.0f} s passed"
with lock:
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
    print(f"hold_relay: {why}; passed {passed} of the clients' bytes (at most {limit})", flush=True)
listener.close()
