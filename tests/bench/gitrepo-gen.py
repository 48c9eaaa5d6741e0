#!/usr/bin/python3
"""Usage: tests/bench/gitrepo-gen.py [FILES COMMITS] | git fast-import

A deterministic repository for the Git smart HTTP benchmark
(tests/bench/git-http.sh), written as a git fast-import stream on stdout.
Same seed, same bytes, same commit ids on every machine (fixed names and
dates; Debian's python3 is pinned, and random.Random(seed).random() has
been stable across Python 3 versions).

The history, with the defaults (5,000 files, 200 commits):
  refs/heads/main      commits 1..200: the first adds a fifth of the files,
                       each later one adds its share of the rest and edits
                       40 files (a few lines replaced, a paragraph inserted,
                       a line dropped), so the 200th has all 5,000 files;
  refs/bench/fetch     10 more commits on top, of the same kind: what an
                       incremental fetch brings;
  refs/bench/push      one commit on top of those that edits 1,000 files:
                       what the push sends.

The files are text of a few KiB (log-normal sizes, 512 B to 16 KiB):
prose in .md and .txt, C-like code in .c and .h, spread over a tree of
site/, src/, docs/, tests/ and tools/ two levels deep. The words come from
a made-up vocabulary with a Zipf-like frequency, so the text compresses
and deltas like real text rather than like random bytes.
"""
import random
import sys

SEED = 20260101
EDITS_PER_COMMIT = 40
FETCH_COMMITS = 10
PUSH_FILES = 1000
T0 = 1767225600  # 2026-01-01T00:00:00Z; each commit one hour later

TOPS = ["site", "src", "docs", "tests", "tools"]
KINDS = {"site": ["md", "txt"], "src": ["c", "h", "c"], "docs": ["md", "txt"],
         "tests": ["c", "txt"], "tools": ["c", "md"]}


class Gen:
    def __init__(self, rng):
        self.rng = rng
        syll = ["ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na",
                "pe", "qui", "ro", "su", "ta", "ve", "wi", "xo", "ya", "ze", "tr",
                "st", "an", "el", "or", "is", "un"]
        words = set()
        while len(words) < 3000:
            words.add("".join(rng.choice(syll) for _ in range(rng.randint(1, 4))))
        self.words = sorted(words)
        rng.shuffle(self.words)
        acc, self.cum = 0.0, []
        for i in range(len(self.words)):
            acc += 1.0 / (i + 1)
            self.cum.append(acc)

    def some(self, n):
        return self.rng.choices(self.words, cum_weights=self.cum, k=n)

    def prose_line(self):
        w = self.some(self.rng.randint(8, 13))
        w[0] = w[0].capitalize()
        return " ".join(w) + "."

    def code_line(self):
        r = self.rng.random()
        a, b, c = self.some(3)
        if r < 0.25:
            return "\tif (%s_%s(%s) < 0)\n\t\treturn -%s;" % (a, b, c, b.upper())
        if r < 0.5:
            return "\t%s->%s = %s + %d;" % (a, b, c, self.rng.randint(0, 999))
        if r < 0.7:
            return "\t/* %s */" % " ".join(self.some(self.rng.randint(5, 10)))
        if r < 0.85:
            return "\tfor (i = 0; i < %s_%s; i++)\n\t\t%s[i] = 0;" % (a.upper(), b.upper(), c)
        return "\treturn %s_%s(%s, %d);" % (a, b, c, self.rng.randint(0, 64))

    def block(self, kind):
        """A paragraph (prose) or a function (code): a list of lines."""
        if kind in ("c", "h"):
            a, b = self.some(2)
            body = [self.code_line() for _ in range(self.rng.randint(3, 9))]
            return ["", "int %s_%s(struct %s *s)" % (a, b, a), "{"] + body + ["}"]
        lines = [self.prose_line() for _ in range(self.rng.randint(2, 6))]
        if kind == "md" and self.rng.random() < 0.3:
            lines = ["", "## " + " ".join(self.some(3)).capitalize()] + lines
        return [""] + lines

    def file(self, kind):
        size = min(16384, max(512, int(self.rng.lognormvariate(7.9, 0.6))))
        lines = ["/* " + " ".join(self.some(6)) + " */"] if kind in ("c", "h") else \
            ["# " + " ".join(self.some(4)).capitalize()]
        n = len(lines[0])
        while n < size:
            b = self.block(kind)
            lines += b
            n += sum(len(x) + 1 for x in b)
        return lines

    def edit(self, kind, lines):
        """A few realistic changes: lines replaced, a block inserted, one dropped."""
        lines = list(lines)
        for _ in range(self.rng.randint(1, 3)):
            i = self.rng.randrange(1, len(lines))
            lines[i] = self.code_line() if kind in ("c", "h") else self.prose_line()
        i = self.rng.randrange(1, len(lines) + 1)
        lines[i:i] = self.block(kind)
        if len(lines) > 20 and self.rng.random() < 0.5:
            del lines[self.rng.randrange(1, len(lines))]
        return lines


def emit(out, ref, mark, parent, msg, changes):
    head = "commit %s\nmark :%d\n" % (ref, mark)
    who = "Bench <bench@example.org> %d +0000\n" % (T0 + 3600 * mark)
    msg = msg.encode()
    out.write(head.encode() + b"author " + who.encode() + b"committer " + who.encode())
    out.write(b"data %d\n%s\n" % (len(msg), msg))
    if parent:
        out.write(b"from :%d\n" % parent)
    for path, lines in changes:
        data = ("\n".join(lines) + "\n").encode()
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    out.write(b"\n")


def main():
    nfiles = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    ncommits = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(SEED)
    g = Gen(rng)
    dirs = []
    for top in TOPS:
        for i in range(rng.randint(6, 12)):
            sub = "%s/%s" % (top, g.some(1)[0] + str(i))
            dirs += ["%s/%s" % (sub, g.some(1)[0] + str(j)) for j in range(rng.randint(2, 6))]
    files = {}  # path -> lines
    paths = []

    def new_file():
        d = rng.choice(dirs)
        kind = rng.choice(KINDS[d.split("/")[0]])
        path = "%s/%s-%d.%s" % (d, g.some(1)[0], len(paths), kind)
        files[path] = g.file(kind)
        paths.append(path)
        return path, files[path]

    def edit(path):
        files[path] = g.edit(path.rsplit(".", 1)[1], files[path])
        return path, files[path]

    out = sys.stdout.buffer
    first = nfiles // 5
    later = (nfiles - first) // (ncommits - 1) if ncommits > 1 else 0
    first = nfiles - later * (ncommits - 1)
    emit(out, "refs/heads/main", 1, 0, "Start: %d files" % first,
         [new_file() for _ in range(first)])
    total = ncommits + FETCH_COMMITS
    for c in range(2, total + 1):
        ref = "refs/heads/main" if c <= ncommits else "refs/bench/fetch"
        edited = sorted(set(rng.sample(paths, min(EDITS_PER_COMMIT, len(paths)))))
        changes = [edit(p) for p in edited]
        changes += [new_file() for _ in range(later)]
        emit(out, ref, c, c - 1, "Commit %d: %d files edited, %d added" %
             (c, len(edited), later), changes)
    edited = sorted(rng.sample(paths, min(PUSH_FILES, len(paths))))
    emit(out, "refs/bench/push", total + 1, total, "Push: %d files edited" % len(edited),
         [edit(p) for p in edited])
    out.write(b"done\n")


if __name__ == "__main__":
    main()
