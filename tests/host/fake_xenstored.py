"""A stand-in for xenstored on a Unix socket, for tests/host/hotplug.sh.

Usage: fake_xenstored.py SOCKET STATE [KEY=VALUE ...] [--fail-write KEY]
                         [--hang-up]

Serves XS_READ and XS_WRITE (xen/include/public/io/xs_wire.h: a 16-byte
header, type, req_id, tx_id, len, then len bytes) from a store that starts
with the KEY=VALUE pairs, and writes the store as JSON to STATE after every
request, and the path of every write, in order, as a line of STATE.writes.
--fail-write KEY answers writes to paths ending in /KEY with
XS_ERROR "EACCES"; --hang-up closes each connection after reading its first
request, without an answer. Other requests get XS_ERROR "ENOSYS".
"""
import json
import os
import socket
import struct
import sys

XS_READ, XS_WRITE, XS_ERROR = 2, 11, 16
WRITES = None  # STATE.writes, set in main()


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def answer(store, fail_write, kind, payload):
    if kind == XS_READ:
        path = payload.rstrip(b"\0").decode()
        if path not in store:
            return XS_ERROR, b"ENOENT\0"
        return XS_READ, store[path].encode()
    if kind == XS_WRITE:
        path, _, value = payload.partition(b"\0")
        path = path.decode()
        if fail_write and path.endswith("/" + fail_write):
            return XS_ERROR, b"EACCES\0"
        store[path] = value.decode()
        with open(WRITES, "a") as f:
            f.write(path + "\n")
        return XS_WRITE, b"OK\0"
    return XS_ERROR, b"ENOSYS\0"


def serve(conn, store, state, fail_write, hang_up):
    while True:
        head = read_exact(conn, 16)
        if head is None:
            return
        kind, req_id, tx_id, length = struct.unpack("<IIII", head)
        payload = read_exact(conn, length)
        if payload is None or hang_up:
            return
        reply_kind, reply = answer(store, fail_write, kind, payload)
        with open(state + ".tmp", "w") as f:
            json.dump(store, f, sort_keys=True)
        os.replace(state + ".tmp", state)
        conn.sendall(struct.pack("<IIII", reply_kind, req_id, tx_id, len(reply)) + reply)


def main():
    args = sys.argv[1:]
    fail_write = None
    hang_up = "--hang-up" in args
    if hang_up:
        args.remove("--hang-up")
    if "--fail-write" in args:
        i = args.index("--fail-write")
        fail_write = args[i + 1]
        del args[i : i + 2]
    sock_path, state = args[0], args[1]
    global WRITES
    WRITES = state + ".writes"
    open(WRITES, "w").close()
    store = dict(kv.split("=", 1) for kv in args[2:])
    with open(state, "w") as f:
        json.dump(store, f, sort_keys=True)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(8)
    print("listening", flush=True)
    while True:
        conn, _ = srv.accept()
        with conn:
            serve(conn, store, state, fail_write, hang_up)


if __name__ == "__main__":
    main()
