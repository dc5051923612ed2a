#!/usr/bin/env python3
"""The modules of src/ and what each uses, to keep the house's one-way flow (issue 15).

Prints each module's uses of other top-level rooms, then any cycle among rooms or among files,
and any use of a later stage by an earlier one (the stage order is STAGES below). Exit status
1 when there is a cycle or a backward use. `--files` lists the file-level graph too.
"""
import os, re, sys
from collections import defaultdict

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src')
# Each room's stage; a room may use its own stage and earlier ones. chars (what a character
# is) and math (numbers, formulas) come first: error's kinds carry their data; error and model
# are plain data every later stage shares; cli and lib tie everything together.
STAGES = {
    'chars': 0, 'math': 0, 'error': 1, 'model': 1, 'syntax': 2, 'check': 3, 'derivation': 4, 'graph': 4,
    'latex': 5, 'render': 6, 'output': 6, 'commands': 7, 'cli': 8, 'lib': 9, 'main': 9,
}

def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] == 'mod':
        rel = rel[:-1]
    return '::'.join(rel) if rel else 'lib'

def strip(text):
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    # unit tests may use anything
    cut = re.search(r'#\[cfg\(test\)\]\s*mod tests', text)
    return text[:cut.start()] if cut else text

def main():
    files = {}
    for dirpath, _, names in os.walk(ROOT):
        for n in names:
            if n.endswith('.rs'):
                p = os.path.join(dirpath, n)
                files[module_of(p)] = strip(open(p, encoding='utf-8').read())
    mods = set(files)
    uses = defaultdict(set)
    for m, text in files.items():
        for path in re.findall(r'crate::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)', text):
            parts = path.split('::')
            # the longest prefix that is a module
            for k in range(len(parts), 0, -1):
                target = '::'.join(parts[:k])
                if target in mods:
                    break
            else:
                continue
            if target != m and not m.startswith(target + '::') and not target.startswith(m + '::'):
                uses[m].add(target)
        parent = m.rsplit('::', 1)[0] if '::' in m else None
        for sub in re.findall(r'\bsuper::([a-z_][a-z0-9_]*)', text):
            if parent and parent + '::' + sub in mods:
                uses[m].add(parent + '::' + sub)
    room = lambda m: m.split('::')[0]
    rooms = defaultdict(set)
    for m, ts in uses.items():
        for t in ts:
            if room(t) != room(m):
                rooms[room(m)].add(room(t))
    bad = 0
    for r in sorted(rooms, key=lambda r: (STAGES.get(r, 99), r)):
        print(f'{r:11} uses {", ".join(sorted(rooms[r]))}')
    for m in sorted(uses):
        for t in sorted(uses[m]):
            if STAGES.get(room(t), 99) > STAGES.get(room(m), 99):
                print(f'backward: {m} uses {t} (a later stage)')
                bad += 1
    # cycles among files (Tarjan)
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1; stack.append(v); on.add(v)
        for w in uses.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(mods):
        if v not in index:
            visit(v)
    for comp in sccs:
        print('cycle: ' + ' <-> '.join(comp))
        bad += 1
    if '--files' in sys.argv:
        for m in sorted(uses):
            print(f'  {m}: {", ".join(sorted(uses[m]))}')
    print(f'{len(mods)} modules, {sum(map(len, uses.values()))} uses, '
          f'{len(sccs)} cycles, {bad - len(sccs)} backward uses')
    return 1 if bad else 0

sys.exit(main())
