#!/usr/bin/env python3
"""Reviews the snapshots of the article with each optimizer (tests/it/latex/optimizers.rs).

Every state and update row (v, h, m, m-hat, v-hat, eta_t, w) of both steps is recomputed
independently with mpmath at 50 digits, by plain loops over the article's 3-2-2 network, and
its printed value must be the correctly rounded true value, with `=` only where it is exact.
Run: python3 scripts/optimizer-rows.py  (exit 1 and the defects listed where one is wrong).
"""
import os, re, sys
from mpmath import mp, mpf, sqrt, exp, nstr
mp.dps = 50
X = [mpf(1), mpf(2), mpf(3)]; T = [mpf(0), mpf(1)]
W0 = {1: [[mpf('0.1')]*3, [mpf('0.2')]*3], 2: [[mpf(1), mpf(2)], [mpf(3), mpf(4)]]}

def grads(W):
    a1 = [sum(W[1][i][j]*X[j] for j in range(3)) for i in range(2)]
    z1 = [1/(1+exp(-a)) for a in a1]
    y = [sum(W[2][k][i]*z1[i] for i in range(2)) for k in range(2)]
    d2 = [y[k]-T[k] for k in range(2)]
    d1 = [z1[i]*(1-z1[i])*sum(W[2][k][i]*d2[k] for k in range(2)) for i in range(2)]
    return {2: [[d2[k]*z1[i] for i in range(2)] for k in range(2)],
            1: [[d1[i]*X[j] for j in range(3)] for i in range(2)]}

def run(form):
    name, s = form
    W = {l: [r[:] for r in W0[l]] for l in W0}
    st = {}
    out = {}
    for t in (1, 2):
        G = grads(W)
        for l in (2, 1):
            for i, row in enumerate(W[l]):
                for j, w in enumerate(row):
                    g = G[l][i][j]; k = (l, i+1, j+1)
                    def put(sym, v): out[(sym, l, i+1, j+1, t)] = v
                    if name == 'sgd':
                        w = w - s['lr']*g
                    elif name.startswith('momentum') or name == 'nesterov':
                        v = st.get(('v', k), mpf(0)); mu = s['mu']
                        if name == 'momentum-zero': v = mu*v - s['lr']*g; w = w + v
                        elif name == 'momentum-pytorch': v = mu*v + g; w = w - s['lr']*v
                        elif name == 'momentum-ema': v = mu*v + (1-mu)*g; w = w - s['lr']*v
                        else: v = mu*v + g; w = w - s['lr']*(g + mu*v)
                        st[('v', k)] = v; put('v', v)
                    elif name in ('adagrad', 'rmsprop'):
                        h = st.get(('h', k), mpf(0))
                        h = h + g*g if name == 'adagrad' else s['rho']*h + (1-s['rho'])*g*g
                        st[('h', k)] = h; put('h', h)
                        w = w - s['lr']*g/(sqrt(h)+s['eps'])
                    else:
                        b1, b2 = s['b1'], s['b2']
                        m = b1*st.get(('m', k), mpf(0)) + (1-b1)*g
                        v = b2*st.get(('v', k), mpf(0)) + (1-b2)*g*g
                        st[('m', k)] = m; st[('v', k)] = v; put('m', m); put('v', v)
                        if name == 'adam-paper':
                            mh = m/(1-b1**t); vh = v/(1-b2**t); put('\\hat{m}', mh); put('\\hat{v}', vh)
                            w = w - s['lr']*mh/(sqrt(vh)+s['eps'])
                        else:
                            et = s['lr']*sqrt(1-b2**t)/(1-b1**t); out[('\\eta_t', 0, 0, 0, t)] = et
                            w = w - et*m/(sqrt(v)+s['eps'])
                    W[l][i][j] = w; put('w', w)
    return out

D = lambda x: mpf(x)
FORMS = {
 'sgd': {'lr': D('0.1')},
 'momentum-zero': {'lr': D('0.1'), 'mu': D('0.9')},
 'momentum-pytorch': {'lr': D('0.1'), 'mu': D('0.9')},
 'momentum-ema': {'lr': D('0.1'), 'mu': D('0.9')},
 'nesterov': {'lr': D('0.1'), 'mu': D('0.9')},
 'adagrad': {'lr': D('0.1'), 'eps': D('1e-7')},
 'rmsprop': {'lr': D('0.01'), 'rho': D('0.99'), 'eps': D('1e-8')},
 'adam-paper': {'lr': D('0.001'), 'b1': D('0.9'), 'b2': D('0.999'), 'eps': D('1e-8')},
 'adam-zero': {'lr': D('0.001'), 'b1': D('0.9'), 'b2': D('0.999'), 'eps': D('1e-8')},
}
HEAD = re.compile(r'^(\\hat\{[mv]\}|[vhmwb]|\\eta_t)(?:_\{(\d)(\d)\}\^\{\((\d)\)\})?&(\\leftarrow|=)&')
NUM = re.compile(r'(\\approx|=)&?\s*(-?[\d.]+)(?:\\times10\^\{(-?\d+)\})?(?:\\\\\*?)?$')

def rows(tex):
    """Each logical row (a head line and its `&…` continuations) joined."""
    cur = None
    for line in tex.splitlines():
        if HEAD.match(line):
            if cur: yield cur
            cur = [line]
        elif cur and line.startswith('&'):
            cur.append(line)
        else:
            if cur: yield cur
            cur = None
    if cur: yield cur

def correctly_rounded(printed, exp10, truth):
    digits = printed.lstrip('-').replace('.', '').lstrip('0') or '0'
    sig = len(digits)
    value = mpf(printed) * mpf(10)**(int(exp10) if exp10 else 0)
    if truth == 0: return value == 0, value
    return abs(value - truth) <= mpf(10)**(mp.floor(mp.log10(abs(truth))) - sig + 1) / 2 * (1 + mpf('1e-30')), value

SNAPSHOTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'it', 'latex', 'snapshots')

def snapshot(name):
    """The LaTeX of a snapshot, without insta's header."""
    text = open(os.path.join(SNAPSHOTS, 'it__latex__optimizers__article-' + name + '.snap')).read()
    return text.split('\n---\n', 1)[1]

defects = 0; checked = 0
for name, s in FORMS.items():
    truth = run((name, s)); tex = snapshot(name)
    seen = {}
    for row in rows(tex):
        m = HEAD.match(row[0]); sym, i, j, l = m.group(1), m.group(2), m.group(3), m.group(4)
        if i is None and (sym != '\\eta_t' or not NUM.search(row[-1])): continue  # the general rules
        key0 = (sym, int(l or 0), int(i or 0), int(j or 0))
        t = seen.get(key0, 0) + 1; seen[key0] = t
        key = key0 + (t,)
        if key not in truth: print(name, 'unknown', key); defects += 1; continue
        n = NUM.search(row[-1])
        if not n: print(name, 'no value', row[-1]); defects += 1; continue
        ok, value = correctly_rounded(n.group(2), n.group(3), truth[key])
        exact = value == truth[key]
        rel = n.group(1)
        checked += 1
        if not ok or (rel == '=') != exact:
            defects += 1
            print(name, key, 'printed', rel, n.group(2), n.group(3), 'truth', nstr(truth[key], 20))
    missing = [k for k in truth if k[1:4] != (0, 0, 0) and k not in {kk + (seen.get(kk, 0),) for kk in seen} and (k[:4] not in seen or seen[k[:4]] < k[4])]
    if missing: print(name, 'rows missing', missing[:5]); defects += len(missing)
print('checked', checked, 'rows; defects', defects)
sys.exit(1 if defects or checked == 0 else 0)
