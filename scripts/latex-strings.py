#!/usr/bin/env python3
"""LaTeX made outside `src/latex/` (issue 15: only latex/ and templates/ make LaTeX).

Lists every string literal outside src/latex/ and outside unit tests that holds a LaTeX
command (a backslash and letters, as `\\frac`, `\\begin`, `\\(`) or a math brace group after
`_`/`^`. Exit status 1 when there is one.
"""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src')
STRING = re.compile(r'r#*"|"')
COMMAND = re.compile(r'\\\\[A-Za-z]{2,}|\\\\[()\[\],;!]|[_^]\{(?!\})')
RAW_COMMAND = re.compile(r'\\[A-Za-z]{2,}|\\[()\[\],;!]|[_^]\{(?!\})')

def literals(text):
    i = 0
    while True:
        m = STRING.search(text, i)
        if not m:
            return
        start = m.start()
        if m.group(0).startswith('r'):
            hashes = m.group(0)[1:-1]
            end = text.index('"' + hashes, m.end())
            yield start, True, text[m.end():end]
            i = end + 1 + len(hashes)
        else:
            j = m.end()
            while text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            yield start, False, text[m.end():j]
            i = j + 1

def main():
    found = 0
    for dirpath, _, names in os.walk(ROOT):
        if os.path.relpath(dirpath, ROOT).split(os.sep)[0] == 'latex':
            continue
        for name in sorted(names):
            if not name.endswith('.rs'):
                continue
            p = os.path.join(dirpath, name)
            text = open(p, encoding='utf-8').read()
            cut = re.search(r'#\[cfg\(test\)\]', text)
            text = text[:cut.start()] if cut else text
            # comments out, but not `//` inside strings: drop whole-line and trailing comments
            text = re.sub(r'^\s*//[^\n]*', '', text, flags=re.M)
            text = re.sub(r"'(\\.|[^'\\])'", "' '", text)
            for start, raw, body in literals(text):
                if (RAW_COMMAND if raw else COMMAND).search(body):
                    line = text.count('\n', 0, start) + 1
                    print(f'{os.path.relpath(p, ROOT)}:{line}: {body[:70]!r}')
                    found += 1
    print(f'{found} LaTeX strings outside src/latex/')
    return 1 if found else 0

sys.exit(main())
