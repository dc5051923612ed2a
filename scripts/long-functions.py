#!/usr/bin/env python3
"""The longest functions of src/ (issue 15: none over ~80 lines outside rule tables).

Counts each `fn`'s lines from its signature to its closing brace, unit tests included unless
`--no-tests`. Prints the longest N (default 10) as `lines  file:line  name`.
"""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src')
FN = re.compile(r'^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+|async\s+|unsafe\s+)*fn\s+([A-Za-z_][A-Za-z0-9_]*)')

def functions(path, skip_tests):
    lines = open(path, encoding='utf-8').read().split('\n')
    if skip_tests:
        # The unit tests: a `#[cfg(test)]` module, not a single test-only item before it.
        for i, l in enumerate(lines):
            following = next((n for n in lines[i + 1:] if n.strip()), '')
            if re.match(r'\s*#\[cfg\(test\)\]', l) and re.match(r'\s*(pub\s+)?mod\s', following):
                lines = lines[:i]
                break
    for i, l in enumerate(lines):
        m = FN.match(l)
        if not m:
            continue
        depth, opened = 0, False
        for j in range(i, len(lines)):
            s = re.sub(r'"(\\.|[^"\\])*"', '""', lines[j])
            s = re.sub(r"'(\\.|[^'\\])'", "''", s).split('//')[0]
            if not opened and ';' in s and '{' not in s:
                break  # a declaration without a body
            depth += s.count('{') - s.count('}')
            opened = opened or '{' in s
            if opened and depth <= 0:
                yield j - i + 1, i + 1, m.group(1)
                break

def main():
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 10))
    found = []
    for dirpath, _, names in os.walk(ROOT):
        for name in names:
            if name.endswith('.rs'):
                p = os.path.join(dirpath, name)
                for length, line, fn in functions(p, '--no-tests' in sys.argv):
                    found.append((length, f'{os.path.relpath(p, ROOT)}:{line}', fn))
    for length, where, fn in sorted(found, reverse=True)[:n]:
        print(f'{length:5}  {where:40} {fn}')

main()
