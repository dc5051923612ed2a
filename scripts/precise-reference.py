#!/usr/bin/env python3
"""Reference values for src/math/precise.rs's unit tests, from mpmath at 60 digits.

Each argument is taken exactly as the float the test passes (mpmath.mpf(float)), or as the
decimal string where the test passes a decimal; each value is printed with 40 significant
digits. Run: python3 scripts/precise-reference.py
"""
import mpmath as m

m.mp.dps = 60
F = m.mpf


def s(v):
    return m.nstr(v, 40, min_fixed=-5, max_fixed=20) if v != 0 else "0"


def show(name, args, f):
    print(f"// {name}")
    for a in args:
        print(f"    ({a!r}, \"{s(f(F(a)))}\"),")


show("exp", [1.0, -1.0, 0.5, 1e-10, -20.0, 40.0, 700.0, -700.0, 709.7, -74.0], m.exp)
show("expm1", [1e-20, -3e-5, 0.75], m.expm1)
show("log1p", [1e-20, -0.4, 0.3, 3e-17], m.log1p)
show("ln", [2.0, 10.0, 1e300, 1e-300, 5e-324, 0.9999, 1.0000001], m.log)
show("sqrt", [2.0, 1e-300], m.sqrt)
print("// 1.1 (decimal) ^ 0.5:", s(m.power(F("1.1"), F(0.5))))
print("// 2.5 ^ -1.75:", s(m.power(F(2.5), F(-1.75))))
show("tanh", [0.25, 1e-8, 0.5, 3.0, -16.0, 20.0], m.tanh)
show("1 - tanh^2", [16.0, 20.0, 40.0], lambda x: m.sech(x) ** 2)
sig = lambda x: 1 / (1 + m.exp(-x))
show("sigmoid", [0.6, -40.0, 40.0, -700.0, 700.0], sig)
show("1 - sigmoid", [40.0, 74.0, 700.0], lambda x: sig(-x))
show("softplus", [0.0, 2.0, -2.0, -50.0, 800.0], lambda x: m.log(1 + m.exp(x)))
show("sin", [0.5, 3.0, 100.0, -7.5, float(m.pi), 1e6, 123456789.0], m.sin)
show("cos", [0.5, 3.0, 100.0, -7.5, float(m.pi), 1e6, 123456789.0], m.cos)


# --- The networks of tests/it/numbers/precise.rs: every δ of one step, by plain loops in mpmath. ---

ACTS = {
    "identity": (lambda a: a, lambda a: m.mpf(1)),
    "sigmoid": (lambda a: 1 / (1 + m.exp(-a)), lambda a: m.exp(-a) / (1 + m.exp(-a)) ** 2),
    "tanh": (m.tanh, lambda a: m.sech(a) ** 2),
}


def deltas(x, layers, t):
    """layers: [(activation, W)]; sum_squared loss, one sample. Returns δ per layer."""
    z, pre = [F(v) for v in x], []
    for act, w in layers:
        a = [m.fsum(F(wij) * zj for wij, zj in zip(row, z)) for row in w]
        pre.append(a)
        z = [ACTS[act][0](ai) for ai in a]
    d = [(zk - F(tk)) * ACTS[layers[-1][0]][1](ak) for zk, tk, ak in zip(z, t, pre[-1])]
    out = [d]
    for l in range(len(layers) - 2, -1, -1):
        w = layers[l + 1][1]
        act = layers[l][0]
        d = [ACTS[act][1](pre[l][i]) * m.fsum(F(w[k][i]) * d[k] for k in range(len(d)))
             for i in range(len(pre[l]))]
        out.insert(0, d)
    return out


NETWORKS = {
    "tanh16": ([1], [("tanh", [[16]]), ("identity", [[1]])], [0]),
    "cancel": (
        [1],
        [("sigmoid", [["0.5"]]), ("identity", [[1], [1]])],
        ["0.6224593312018", "0.6224593312019"],
    ),
    "saturated": (
        [1],
        [("sigmoid", [[74]]), ("sigmoid", [[40]]), ("sigmoid", [[60]]), ("identity", [[1]])],
        [0],
    ),
}

if __name__ == "__main__":
    print("// networks")
    for name, (x, layers, t) in NETWORKS.items():
        for l, d in enumerate(deltas(x, layers, t), start=1):
            for i, v in enumerate(d, start=1):
                print(f'    ("{name}", {l}, {i}, "{s(v)}"),')
