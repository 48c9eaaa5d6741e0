"""The twin's /metrics over plain HTTP, for the tests' Python clients.

The connection is reset by the client once the answer is read (SO_LINGER
0), so that it leaves no TCP control block on the server, neither in
TIME-WAIT nor waiting for a FIN: the gauges read next count only what the
test made. answer() asks on a connection the caller keeps open. Used by
http-abuse.sh, linger.sh and pcb-limits.sh.
"""
import re
import socket
import struct


def answer(m):
    """Asks for /metrics on the open connection M: the text of the answer."""
    m.sendall(b'GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n')
    d = b''
    while b'\r\n\r\n' not in d or len(d.split(b'\r\n\r\n', 1)[1]) < int(
            re.search(rb'(?i)content-length: *(\d+)', d).group(1)):
        c = m.recv(65536)
        if not c:
            break
        d += c
    return d.decode('latin-1')


def metrics(ip):
    """The text of http://IP/metrics, or None if it could not be read."""
    try:
        m = socket.create_connection((ip, 80), timeout=5)
        d = answer(m)
        m.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        m.close()
        return d
    except (OSError, AttributeError):
        return None


def parse(text):
    """Every sample of a /metrics text as {name with its labels: value}."""
    return {k: int(v) for k, v in re.findall(r'^(\S+) (\d+)$', text, re.M)}


def samples(ip):
    """Every sample of /metrics as {name with its labels: value}; raises if unreadable."""
    text = metrics(ip)
    if text is None:
        raise RuntimeError(f'cannot read http://{ip}/metrics')
    return parse(text)
