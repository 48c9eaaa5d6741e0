#!/usr/bin/python3
"""Dulwich (Debian's python3-dulwich) as a Git client of the twin, through
its porcelain API, one step per call so the test checks each:

  dulwich-client.py clone URL DIR CAFILE     clone over HTTPS, the server's
                                             certificate checked against CAFILE
  dulwich-client.py commit DIR PATH TEXT MSG PATH (in DIR) gets TEXT, committed
                                             on the checked-out branch; prints
                                             the new commit's id
  dulwich-client.py push DIR URL             push main to URL's main, with the
                                             password in $CLIENT_PASSWORD (any
                                             user name)
  dulwich-client.py fetch DIR                fetch from origin (what is new since
                                             the clone); prints the id of origin's
                                             main, once it is in DIR

Exit 0 on success; otherwise 1 and the client's error on stderr. A push
counts as done only when the server reported the ref updated (porcelain's
push writes a refused ref to its error stream and returns normally).
Set DULWICH_TRACE=1 for dulwich's debug log (its HTTP requests).
"""
import io
import logging
import os
import sys

from dulwich import porcelain
from dulwich.config import ConfigDict
from dulwich.repo import Repo

AUTHOR = b"Dulwich Client <dulwich@example.org>"
MAIN = b"refs/heads/main"


def clone(url, path, cafile):
    config = ConfigDict()
    config.set((b"http",), b"sslCAInfo", cafile.encode())
    repo = porcelain.clone(url, path, config=config, errstream=sys.stderr.buffer)
    # Later steps (push) read the repository's own configuration.
    repo_config = repo.get_config()
    repo_config.set((b"http",), b"sslCAInfo", cafile.encode())
    repo_config.write_to_path()
    repo.close()


def commit(path, name, text, message):
    with open(os.path.join(path, name), "w", encoding="utf-8") as f:
        f.write(text)
    porcelain.add(path, [os.path.abspath(os.path.join(path, name))])
    oid = porcelain.commit(path, message=message.encode(), author=AUTHOR, committer=AUTHOR)
    print(oid.decode())


def push(path, url):
    err = io.BytesIO()
    porcelain.push(path, url, [MAIN + b":" + MAIN], errstream=err,
                   username="dulwich", password=os.environ["CLIENT_PASSWORD"])
    sys.stderr.write(err.getvalue().decode(errors="replace"))
    if b"Ref " + MAIN + b" updated" not in err.getvalue():
        raise RuntimeError("the server did not report %s updated" % MAIN.decode())


def fetch(path):
    result = porcelain.fetch(path, "origin", errstream=sys.stderr.buffer)
    oid = result.refs[MAIN]
    with Repo(path) as repo:
        repo[oid]  # KeyError unless the fetch brought it
        if repo.refs[b"refs/remotes/origin/main"] != oid:
            raise RuntimeError("refs/remotes/origin/main is not origin's main")
    print(oid.decode())


def main(argv):
    if os.environ.get("DULWICH_TRACE"):
        logging.basicConfig(level=logging.DEBUG)
    steps = {"clone": (clone, 3), "commit": (commit, 4), "push": (push, 2), "fetch": (fetch, 1)}
    if len(argv) < 2 or argv[1] not in steps or len(argv) != 2 + steps[argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    try:
        steps[argv[1]][0](*argv[2:])
    except Exception as e:  # the client's error, whatever its class, is the result
        sys.stderr.write("dulwich %s: %s: %s\n" % (argv[1], type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
