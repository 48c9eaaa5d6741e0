#!/usr/bin/env python3
"""Write hand-made (mostly broken) packfiles for tests/store/badinput.sh.

Usage: mkpack.py CASE OUT.pack; prints the id a ref may be pointed at.
"""
import hashlib
import struct
import sys
import zlib


def oid(kind, data):
    return hashlib.sha1(b"%s %d\0" % (kind.encode(), len(data)) + data).digest()


def hdr(t, size):
    b = [(t << 4) | (size & 15)]
    size >>= 4
    while size:
        b[-1] |= 0x80
        b.append(size & 0x7F)
        size >>= 7
    return bytes(b)


def entry(t, data, size=None, prefix=b""):
    return hdr(t, len(data) if size is None else size) + prefix + zlib.compress(data)


def pack(entries):
    body = b"PACK" + struct.pack(">II", 2, len(entries)) + b"".join(entries)
    return body + hashlib.sha1(body).digest()


def varint(n):
    b = [n & 0x7F]
    n >>= 7
    while n:
        b[-1] |= 0x80
        b.append(n & 0x7F)
        n >>= 7
    return bytes(b)


BASE = b"the base blob of these tests\n" * 4


def delta(ops, base_len=len(BASE), out_len=8):
    return varint(base_len) + varint(out_len) + ops


def tree(entries):
    return b"".join(b"%s %s\0" % (m, n) + o for m, n, o in sorted(entries, key=lambda e: e[1]))


def commit(tree_id):
    return (b"tree %s\nauthor a <a@b> 1 +0000\ncommitter a <a@b> 1 +0000\n\nm\n"
            % tree_id.hex().encode())


def case(name):
    bid = oid("blob", BASE)
    blob = entry(3, BASE)
    if name == "copy-out-of-range":  # copy 8 bytes from offset 1000 of a 116-byte base
        return pack([blob, entry(7, delta(b"\x91\xe8\x03\x08"), prefix=bid)]), None
    if name == "delta-size-mismatch":  # announces 8 bytes, makes 4
        return pack([blob, entry(7, delta(b"\x90\x04"), prefix=bid)]), None
    if name == "delta-wrong-base-size":
        return pack([blob, entry(7, delta(b"\x90\x08", base_len=5), prefix=bid)]), None
    if name == "missing-base":  # thin pack whose base nobody holds
        return pack([entry(7, delta(b"\x90\x08"), prefix=b"\x42" * 20)]), None
    if name == "delta-cycle":  # two ref-deltas, each the other's base
        a, b = hashlib.sha1(b"a").digest(), hashlib.sha1(b"b").digest()
        return pack([entry(7, delta(b"\x90\x08"), prefix=b), entry(7, delta(b"\x90\x08"), prefix=a)]), None
    if name == "absurd-size":  # a blob claiming 2^40 bytes
        return pack([entry(3, b"x", size=1 << 40)]), None
    if name == "size-mismatch":  # header says 10, zlib holds 3
        return pack([entry(3, b"abc", size=10)]), None
    if name == "bad-tree":  # entries out of order
        t = b"100644 b\0" + bid + b"100644 a\0" + bid
        return pack([blob, entry(2, t)]), None
    if name == "bad-commit":
        return pack([entry(1, b"tree nothex\n\nm\n")]), None
    if name == "deep-tree":  # valid objects, 100 directories deep: a ref to it is refused
        objs = [blob]
        t = tree([(b"100644", b"f", bid)])
        for _ in range(100):
            objs.append(entry(2, t))
            t = tree([(b"40000", b"d", oid("tree", t))])
        objs.append(entry(2, t))
        c = commit(oid("tree", t))
        objs.append(entry(1, c))
        return pack(objs), oid("commit", c)
    if name == "dangling-commit":  # a commit whose tree is nowhere
        c = commit(b"\x17" * 20)
        return pack([entry(1, c)]), oid("commit", c)
    raise SystemExit("unknown case " + name)


p, ref = case(sys.argv[1])
open(sys.argv[2], "wb").write(p)
if ref:
    print(ref.hex())
