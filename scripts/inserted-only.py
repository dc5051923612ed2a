#!/usr/bin/env python3
"""inserted-only.py REF_DIR NEW_DIR MARKER...: checks that every file that differs between two
same-output.sh trees differs only by one inserted piece of text holding one of the markers
(issue 18's loss-after section: an output change made on purpose must be that and nothing else).
Zip files are compared member by member. Prints the counts; exit status 1 on any other change."""
import io
import os
import subprocess
import tempfile
import sys
import zipfile
from collections import Counter


def insertion(old: bytes, new: bytes):
    """The text inserted into `old` to make `new`, or None when `new` is not `old` with one
    piece inserted."""
    if len(new) < len(old):
        return None
    p = 0
    limit = len(old)
    while p < limit and old[p] == new[p]:
        p += 1
    s = 0
    while s < len(old) - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
        s += 1
    if p + s != len(old):
        return None
    # Where the piece could sit in several places (`\\` before `\end{document}` and before
    # `\subsection`), it is taken as far left as it goes, where the section begins.
    size = len(new) - len(old)
    while p > 0 and new[p - 1] == new[p - 1 + size]:
        p -= 1
    return new[p:p + size]


def line_insertions(old: bytes, new: bytes):
    """The line hunks inserted into `old` to make `new` (by `diff`), or None when a line is
    removed or changed."""
    with tempfile.NamedTemporaryFile() as a, tempfile.NamedTemporaryFile() as b:
        a.write(old)
        b.write(new)
        a.flush()
        b.flush()
        out = subprocess.run(["diff", a.name, b.name], capture_output=True).stdout
    hunks, old_lines, new_lines = [], None, None

    def close():
        # A changed hunk is an insertion where diff aligned the lines after it with the
        # section's own (`\\newpage` of the next variant): the old lines end the new ones.
        if new_lines is None:
            return True
        if old_lines and new_lines[len(new_lines) - len(old_lines):] != old_lines:
            if new_lines[:len(old_lines)] != old_lines:
                return False
            hunks.append(new_lines[len(old_lines):])
            return True
        hunks.append(new_lines[:len(new_lines) - len(old_lines)])
        return True

    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("> "):
            new_lines.append(line[2:])
        elif line.startswith("< "):
            old_lines.append(line[2:])
        elif line == "---":
            continue
        elif line[:1].isdigit() and "d" not in line:
            if not close():
                return None
            old_lines, new_lines = [], []
        else:
            return None
    if not close():
        return None
    return ["\n".join(h) for h in hunks]


def compare(name, old, new, markers, counts, bad):
    if old == new:
        return
    if name.endswith(".zip"):
        a, b = zipfile.ZipFile(io.BytesIO(old)), zipfile.ZipFile(io.BytesIO(new))
        if sorted(a.namelist()) != sorted(b.namelist()):
            bad.append(f"{name}: other members")
            return
        for member in a.namelist():
            compare(f"{name}:{member}", a.read(member), b.read(member), markers, counts, bad)
        return
    inserted = insertion(old, new)
    if inserted is None:
        # A file of many variants (an exam's answers) has a section per variant: each hunk
        # of the line diff must be an insertion holding one marker.
        hunks = line_insertions(old, new)
        if hunks is None:
            bad.append(f"{name}: not an insertion")
            return
        for hunk in hunks:
            found = [m for m in markers if m in hunk]
            if len(found) != 1 or hunk.count(found[0]) != 1:
                bad.append(f"{name}: an inserted hunk without exactly one marker: {hunk[:120]!r}")
                return
            counts[found[0]] += 1
        return
    text = inserted.decode("utf-8", "replace")
    found = [m for m in markers if m in text]
    if len(found) != 1 or text.count(found[0]) != 1:
        bad.append(f"{name}: inserted text without exactly one marker: {text[:120]!r}")
        return
    counts[found[0]] += 1


def main():
    ref, new, markers = sys.argv[1], sys.argv[2], sys.argv[3:]
    counts, bad, same, files, changed = Counter(), [], 0, 0, 0
    for root, _, names in os.walk(ref):
        for n in names:
            path = os.path.join(root, n)
            rel = os.path.relpath(path, ref)
            other = os.path.join(new, rel)
            files += 1
            if not os.path.exists(other):
                bad.append(f"{rel}: missing")
                continue
            old_bytes, new_bytes = open(path, "rb").read(), open(other, "rb").read()
            if old_bytes == new_bytes:
                same += 1
                continue
            changed += 1
            compare(rel, old_bytes, new_bytes, markers, counts, bad)
    for root, _, names in os.walk(new):
        for n in names:
            rel = os.path.relpath(os.path.join(root, n), new)
            if not os.path.exists(os.path.join(ref, rel)):
                bad.append(f"{rel}: only in the new tree")
    print(f"{files} files: {same} identical, {changed} changed, by {sum(counts.values())} inserted pieces:")
    for marker, count in sorted(counts.items()):
        print(f"  {count:6} inserted {marker!r}")
    for line in bad[:20]:
        print("OTHER:", line)
    if bad:
        print(f"{len(bad)} other changes")
        sys.exit(1)


if __name__ == "__main__":
    main()
