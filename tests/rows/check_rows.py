#!/usr/bin/env python3
"""An independent checker of every numbers row that `backprop-tex derive -f latex` prints.

It shares nothing with the Rust code: it reads the `.nn` file itself, computes the network
with exact rationals (`fractions.Fraction`) wherever the value is exact and with mpmath at
80 digits otherwise, parses the LaTeX rows back into numbers, and reports every row where

- a printed value is not the correctly rounded true value (`--carry exact`);
- a `--carry rounded` row does not follow from the numbers it shows;
- `=` stands before a value that is not exact (a rounded value, or numbers that are not
  the exact values they stand for);
- the same quantity is printed with two different values;
- a numbers row cannot be read (so that nothing is skipped silently).

`\\approx` before a value that is in fact exact is counted apart ("soft"), not a failure.

Usage:
  check_rows.py --bin PATH [--networks N] [--jobs J] [--ties half-up|half-even]
  check_rows.py --bin PATH --file NET.nn [--digits D] [--carry exact|rounded] [-- EXTRA...]
  check_rows.py --file NET.nn --tex OUT.tex --digits D --carry exact|rounded
  check_rows.py --self-test
Exit status: 0 no findings, 1 findings, 2 usage or a broken setup.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction

import mpmath
from mpmath import mpf

mpmath.mp.dps = 80
# Inexact values closer than this (relative) are the same number.
SAME = mpf(10) ** -50


class Undefined(Exception):
    """A value that does not exist: division by zero, log of a non-positive number."""


class Cancelled(Exception):
    """A printed row whose value the working precision cannot give: `1+\\exp(-260)` is 1 at 80
    digits, so `\\log` of it would be 0. `numeric` evaluates the row again with more digits."""


# Set while a printed row is evaluated (`numeric`): then a sum that cancels, or a logarithm of a
# number that the working precision cannot tell from 1, raises `Cancelled`.
WATCH = [False]


def watch_sum(a, b, r):
    """r = a ± b, with a or b inexact: whether r lost every digit the precision holds."""
    if not WATCH[0] or a == 0 or b == 0:
        return r
    if abs(r) <= max(abs(a), abs(b)) * mpf(10) ** (10 - mpmath.mp.dps):
        raise Cancelled()
    return r


# ---------------------------------------------------------------------------------------------
# Numbers: a Fraction is exact, an mpf is a high-precision approximation of an irrational.


def exact(v):
    return isinstance(v, Fraction)


def F(v):
    if isinstance(v, Fraction):
        return mpf(v.numerator) / v.denominator
    return v


def is_zero(v):
    return exact(v) and v == 0


def add(a, b):
    if exact(a) and exact(b):
        return a + b
    return watch_sum(F(a), F(b), F(a) + F(b))


def sub(a, b):
    if exact(a) and exact(b):
        return a - b
    return watch_sum(F(a), F(b), F(a) - F(b))


def neg(a):
    return -a


def mul(a, b):
    if is_zero(a) or is_zero(b):
        return Fraction(0)
    return a * b if exact(a) and exact(b) else F(a) * F(b)


def div(a, b):
    if F(b) == 0:
        raise Undefined("division by zero")
    if is_zero(a):
        return Fraction(0)
    return a / b if exact(a) and exact(b) else F(a) / F(b)


def iroot(n, q):
    """The integer q-th root of n ≥ 0 when it is exact, else None."""
    if n < 0:
        return None
    r = int(mpmath.nint(mpf(n) ** (mpf(1) / q)))
    for c in (r - 1, r, r + 1):
        if c >= 0 and c**q == n:
            return c
    return None


def power(a, b):
    if exact(b) and b == 0:
        return Fraction(1)
    if exact(b) and b.denominator == 1:
        k = int(b)
        if exact(a):
            if a == 0 and k < 0:
                raise Undefined("0 to a negative power")
            return a**k
        if a == 0 and k < 0:
            raise Undefined("0 to a negative power")
        return F(a) ** k
    if exact(a) and a == 1:
        return Fraction(1)
    if exact(a) and exact(b) and a > 0:
        p, q = b.numerator, b.denominator
        base = a**p
        n, d = iroot(base.numerator, q), iroot(base.denominator, q)
        if n is not None and d is not None:
            return Fraction(n, d)
    A = F(a)
    if A < 0:
        raise Undefined("a negative number to a non-integer power")
    if A == 0:
        if F(b) > 0:
            return Fraction(0)
        raise Undefined("0 to a non-positive power")
    return A ** F(b)


def sigmoid(x):
    if is_zero(x):
        return Fraction(1, 2)
    return 1 / (1 + mpmath.exp(-F(x)))


def softplus(x):
    return mpmath.log1p(mpmath.exp(F(x)))


def sign(x):
    v = F(x)
    return Fraction(1) if v > 0 else Fraction(-1) if v < 0 else Fraction(0)


def function(name, x):
    if name == "exp":
        return Fraction(1) if is_zero(x) else mpmath.exp(F(x))
    if name == "log":
        if exact(x) and x == 1:
            return Fraction(0)
        if F(x) <= 0:
            raise Undefined("log of a number that is not positive")
        if WATCH[0] and not exact(x) and abs(F(x) - 1) <= mpf(10) ** (10 - mpmath.mp.dps):
            raise Cancelled()
        return mpmath.log(F(x))
    if name == "sqrt":
        if F(x) < 0:
            raise Undefined("sqrt of a negative number")
        if exact(x):
            n, d = iroot(x.numerator, 2), iroot(x.denominator, 2)
            if n is not None and d is not None:
                return Fraction(n, d)
        return mpmath.sqrt(F(x))
    if name == "tanh":
        return Fraction(0) if is_zero(x) else mpmath.tanh(F(x))
    if name == "sin":
        return Fraction(0) if is_zero(x) else mpmath.sin(F(x))
    if name == "cos":
        return Fraction(1) if is_zero(x) else mpmath.cos(F(x))
    if name == "sigmoid":
        return sigmoid(x)
    if name == "softplus":
        return softplus(x)
    if name == "abs":
        return abs(x)
    if name == "sign":
        return sign(x)
    if name == "sech2":  # tanh' from a, without 1 - tanh² cancelling
        return Fraction(1) if is_zero(x) else 1 / mpmath.cosh(F(x)) ** 2
    raise ValueError(f"unknown function {name}")


def equal(a, b):
    """Whether two values are the same number (exactly, or within SAME when inexact)."""
    if exact(a) and exact(b):
        return a == b
    a, b = F(a), F(b)
    return abs(a - b) <= SAME * max(abs(a), abs(b), mpf(10) ** -300)


def decimal_exponent(v):
    """e with 10^e ≤ |v| < 10^(e+1), for v ≠ 0 (exactly for a Fraction)."""
    m = abs(v)
    with mpmath.workdps(20):
        e = int(mpmath.floor(mpmath.log10(F(m))))
    ten = Fraction(10) if exact(m) else mpf(10)
    while m < ten**e:
        e -= 1
    while m >= ten ** (e + 1):
        e += 1
    return e


def round_sig(v, digits, ties):
    """v rounded to `digits` significant digits, as a Fraction; with an inexact v that lies
    within SAME of a tie, a pair of both candidates (either is accepted)."""
    if F(v) == 0:
        return Fraction(0)
    e = decimal_exponent(v)
    scale = Fraction(10) ** (e - digits + 1)
    if exact(v):
        q = v / scale
        fl = q.numerator // q.denominator
        frac = q - fl
        if frac > Fraction(1, 2):
            r = fl + 1
        elif frac < Fraction(1, 2):
            r = fl
        elif ties == "half-even":
            r = fl if fl % 2 == 0 else fl + 1
        else:  # half away from zero
            r = fl + 1 if q > 0 else fl
        return r * scale
    q = F(v) / F(scale)
    fl = mpmath.floor(q)
    frac = q - fl
    if abs(frac - mpf(0.5)) <= SAME * max(abs(q), 1):
        return (int(fl) * scale, (int(fl) + 1) * scale)
    return int(mpmath.nint(q)) * scale


def is_tie(v, digits):
    """Whether the exact v lies exactly halfway between two values of `digits` digits."""
    if not exact(v) or v == 0:
        return False
    q = abs(v) / Fraction(10) ** (decimal_exponent(v) - digits + 1)
    return q - (q.numerator // q.denominator) == Fraction(1, 2)


def why(printed, v, digits):
    if printed == 0 and F(v) != 0:
        return "a nonzero value printed as 0"
    if F(v) == 0 and printed != 0:
        return "float residue printed where the value is exactly 0"
    if is_tie(v, digits):
        return "an exact tie rounded the other way"
    return "other digits"


def matches_rounding(printed, v, digits, ties):
    want = round_sig(v, digits, ties)
    if isinstance(want, tuple):
        return any(printed == w for w in want), want[0]
    return printed == want, want


def show(v):
    if isinstance(v, list):
        return "[" + "; ".join(", ".join(show(x) for x in row) for row in v) + "]"
    if exact(v):
        if v.denominator == 1:
            return str(v.numerator)
        # A terminating decimal in full, else the fraction.
        d = v.denominator
        for p in (2, 5):
            while d % p == 0:
                d //= p
        if d == 1:
            return mpmath.nstr(F(v), 60, strip_zeros=True, min_fixed=-4, max_fixed=16)
        return f"{v.numerator}/{v.denominator}"
    # Enough digits to see why it rounds as it does (3.2499…98e-16 is not a tie).
    return mpmath.nstr(v, 36, min_fixed=-4, max_fixed=16)


def show_rounded(want):
    if isinstance(want, tuple):
        want = want[0]
    return show(want)


# ---------------------------------------------------------------------------------------------
# The .nn language (docs/language.md), read again here.

NN_TOKEN = re.compile(
    r"\s+|#[^\n]*|(?P<str>\"(?:\\.|[^\"\\])*\")|(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z][A-Za-z0-9_]*)|(?P<sym>[\[\]{},=()+\-*/^])"
)
KEYWORDS = {"title", "input", "target", "layer", "activation", "loss", "sgd", "vary", "ask"}


def nn_tokens(text):
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    pos, out = 0, []
    while pos < len(text):
        m = NN_TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read the .nn file at {text[pos:pos + 20]!r}")
        pos = m.end()
        for kind in ("str", "num", "name", "sym"):
            if m.group(kind) is not None:
                out.append((kind, m.group(kind)))
    return out


class Stream:
    def __init__(self, tokens):
        self.t, self.i = tokens, 0

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else (None, None)

    def next(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, value):
        kind, v = self.next()
        if v != value:
            raise ValueError(f"expected {value!r}, found {v!r}")


def nn_number(s):
    sign = 1
    while s.peek()[1] in ("-", "+"):
        if s.next()[1] == "-":
            sign = -sign
    kind, v = s.next()
    if kind != "num":
        raise ValueError(f"expected a number, found {v!r}")
    return sign * Fraction(v)


def nn_array(s):
    s.expect("[")
    items = []
    while s.peek()[1] != "]":
        items.append(nn_array(s) if s.peek()[1] == "[" else nn_number(s))
        if s.peek()[1] == ",":
            s.next()
    s.next()
    return items


FUNCS = {"exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "sin", "cos", "abs"}


def formula(s):
    """+ - (left), * / (left), unary minus, ^ (right), atoms."""

    def sum_():
        left = prod()
        while s.peek()[1] in ("+", "-"):
            op = s.next()[1]
            left = ("add" if op == "+" else "sub", left, prod())
        return left

    def prod():
        left = unary()
        while s.peek()[1] in ("*", "/"):
            op = s.next()[1]
            left = ("mul" if op == "*" else "div", left, unary())
        return left

    def unary():
        if s.peek()[1] == "-":
            s.next()
            return ("neg", unary())
        return pow_()

    def pow_():
        base = atom()
        if s.peek()[1] == "^":
            s.next()
            # The exponent may carry its own unary minus: 2^-a.
            return ("pow", base, unary())
        return base

    def atom():
        kind, v = s.next()
        if kind == "num":
            return ("num", Fraction(v))
        if v == "(":
            e = sum_()
            s.expect(")")
            return e
        if kind == "name" and v in FUNCS and s.peek()[1] == "(":
            s.next()
            e = sum_()
            s.expect(")")
            return ("call", v, e)
        if kind == "name":
            return ("var", v)
        raise ValueError(f"unexpected {v!r} in a formula")

    return sum_()


def parse_nn(text):
    s = Stream(nn_tokens(text))
    net = {"acts": [], "W": [], "b": [], "custom": {}, "loss": None, "lr": None, "steps": 1}
    while s.peek()[0] is not None:
        kind, v = s.next()
        if v == "title":
            s.next()
        elif v in ("input", "target"):
            s.next()
            s.expect("=")
            arr = nn_array(s)
            rows = arr if arr and isinstance(arr[0], list) else [arr]
            net["x" if v == "input" else "t"] = rows
        elif v == "activation":
            name = s.next()[1]
            s.expect("(")
            param = s.next()[1]
            s.expect(")")
            s.expect("=")
            net["custom"][name] = (param, formula(s))
        elif v == "layer":
            net["acts"].append(s.next()[1])
            net["b"].append(None)
            while s.peek()[1] in ("W", "b") and s.peek(1)[1] == "=":
                which = s.next()[1]
                s.next()
                arr = nn_array(s)
                if which == "W":
                    net["W"].append(arr)
                else:
                    net["b"][-1] = arr
        elif v == "loss":
            if s.peek()[1] == "(":
                s.next()
                yname = s.next()[1]
                s.expect(",")
                tname = s.next()[1]
                s.expect(")")
                s.expect("=")
                net["loss"] = ("custom", yname, tname, formula(s))
            else:
                net["loss"] = (s.next()[1],)
        elif v == "sgd":
            s.expect("lr")
            s.expect("=")
            net["lr"] = nn_number(s)
            if s.peek()[1] == ",":
                s.next()
                s.expect("steps")
                s.expect("=")
                net["steps"] = int(nn_number(s))
        elif v == "vary":
            s.next()
            s.expect("in")
            if s.peek()[1] == "[":
                nn_array(s)
                s.expect("step")
                nn_number(s)
            else:
                s.expect("{")
                while s.peek()[1] != "}":
                    s.next()
                s.next()
        elif v == "ask":
            while s.peek()[0] == "name" and s.peek()[1] not in KEYWORDS:
                s.next()
        else:
            raise ValueError(f"unexpected {v!r} in the .nn file")
    return net


def evaluate(e, env):
    op = e[0]
    if op == "num":
        return e[1]
    if op == "var":
        return env[e[1]]
    if op == "neg":
        return neg(evaluate(e[1], env))
    if op == "call":
        return function(e[1], evaluate(e[2], env))
    a, b = evaluate(e[1], env), evaluate(e[2], env)
    return {"add": add, "sub": sub, "mul": mul, "div": div, "pow": power}[op](a, b)


def has_var(e, x):
    if e[0] == "var":
        return e[1] == x
    return any(has_var(c, x) for c in e[1:] if isinstance(c, tuple))


def diff(e, x):
    """The derivative of e by x, symbolically (no simplification needed: it is evaluated)."""
    op = e[0]
    one, zero = ("num", Fraction(1)), ("num", Fraction(0))
    if op == "num":
        return zero
    if op == "var":
        return one if e[1] == x else zero
    if op == "neg":
        return ("neg", diff(e[1], x))
    if op in ("add", "sub"):
        return (op, diff(e[1], x), diff(e[2], x))
    if op == "mul":
        u, v = e[1], e[2]
        return ("add", ("mul", diff(u, x), v), ("mul", u, diff(v, x)))
    if op == "div":
        u, v = e[1], e[2]
        return (
            "div",
            ("sub", ("mul", diff(u, x), v), ("mul", u, diff(v, x))),
            ("pow", v, ("num", Fraction(2))),
        )
    if op == "pow":
        u, v = e[1], e[2]
        if not has_var(v, x):
            return ("mul", ("mul", v, ("pow", u, ("sub", v, one))), diff(u, x))
        return (
            "mul",
            e,
            ("add", ("mul", diff(v, x), ("call", "log", u)), ("div", ("mul", v, diff(u, x)), u)),
        )
    if op == "call":
        f, u = e[1], e[2]
        du = diff(u, x)
        outer = {
            "exp": e,
            "log": ("div", one, u),
            "sqrt": ("div", one, ("mul", ("num", Fraction(2)), e)),
            "tanh": ("call", "sech2", u),
            "sigmoid": ("mul", ("call", "sigmoid", u), ("call", "sigmoid", ("neg", u))),
            "softplus": ("call", "sigmoid", u),
            "sin": ("call", "cos", u),
            "cos": ("neg", ("call", "sin", u)),
            "abs": ("call", "sign", u),
            "sign": zero,
            "sech2": (
                "mul",
                ("mul", ("num", Fraction(-2)), ("call", "sech2", u)),
                ("call", "tanh", u),
            ),
        }[f]
        return ("mul", outer, du)
    raise ValueError(op)


# ---------------------------------------------------------------------------------------------
# The reference: forward pass, loss, δ, gradients and updates, step after step.


def act_value(net, name, a):
    if name in net["custom"]:
        param, f = net["custom"][name]
        return evaluate(f, {param: a})
    if name == "identity":
        return a
    if name == "sigmoid":
        return sigmoid(a)
    if name == "tanh":
        return function("tanh", a)
    if name == "relu":
        return a if F(a) > 0 else Fraction(0)
    if name == "leaky_relu":
        return a if F(a) > 0 else mul(Fraction(1, 100), a)
    if name == "softplus":
        return softplus(a)
    raise ValueError(f"activation {name}")


def act_derivative(net, name, a):
    if name in net["custom"]:
        param, f = net["custom"][name]
        return evaluate(diff(f, param), {param: a})
    if name == "identity":
        return Fraction(1)
    if name == "sigmoid":
        return mul(sigmoid(a), sigmoid(neg(a)))
    if name == "tanh":
        return function("sech2", a)
    if name == "relu":
        return Fraction(1) if F(a) > 0 else Fraction(0)
    if name == "leaky_relu":
        return Fraction(1) if F(a) > 0 else Fraction(1, 100)
    if name == "softplus":
        return sigmoid(a)
    raise ValueError(f"activation {name}")


def total(values):
    out = Fraction(0)
    for v in values:
        out = add(out, v)
    return out


def reference(net):
    """Every quantity of every step, keyed as the LaTeX mapping below names them."""
    q = {}
    W = [[list(r) for r in w] for w in net["W"]]
    b = [list(v) if v is not None else None for v in net["b"]]
    L = len(W)
    X, T = net["x"], net["t"]
    N, K = len(X), len(T[0])
    loss = net["loss"]
    mean = loss[0] == "mean_squared"
    # With training, one more forward pass and loss: the loss after the update.
    for s in range(1, net["steps"] + 1 + (net["lr"] is not None)):
        for l in range(1, L + 1):
            for i in range(len(W[l - 1])):
                for j in range(len(W[l - 1][i])):
                    q[("W", s, l, i + 1, j + 1)] = W[l - 1][i][j]
                if b[l - 1] is not None:
                    q[("b", s, l, i + 1)] = b[l - 1][i]
        deltas = []
        zs = []
        Es = []
        for n in range(N):
            z = [list(X[n])]
            a_all = [None]
            for l in range(1, L + 1):
                w, act = W[l - 1], net["acts"][l - 1]
                a = []
                for i in range(len(w)):
                    v = total(mul(w[i][j], z[l - 1][j]) for j in range(len(w[i])))
                    if b[l - 1] is not None:
                        v = add(v, b[l - 1][i])
                    a.append(v)
                if act == "softmax":
                    m = max(F(v) for v in a)
                    if all(exact(v) and v == a[0] for v in a):
                        out = [Fraction(1, len(a))] * len(a)
                    else:
                        e = [mpmath.exp(F(v) - m) for v in a]
                        out = [x / sum(e) for x in e]
                else:
                    out = [act_value(net, act, v) for v in a]
                a_all.append(a)
                z.append(out)
                for i in range(len(a)):
                    q[("a", s, n + 1, l, i + 1)] = a[i]
                    q[("z", s, n + 1, l, i + 1)] = out[i]
            for j, v in enumerate(X[n]):
                q[("z", s, n + 1, 0, j + 1)] = v
            y, t = z[L], T[n]
            # The loss of the sample and ∂E_n/∂y.
            if loss[0] == "sum_squared":
                En = mul(Fraction(1, 2), total(power(sub(y[k], t[k]), Fraction(2)) for k in range(K)))
                g = [sub(y[k], t[k]) for k in range(K)]
            elif loss[0] == "mean_squared":
                En = mul(Fraction(1, K), total(power(sub(y[k], t[k]), Fraction(2)) for k in range(K)))
                g = [mul(Fraction(2, K), sub(y[k], t[k])) for k in range(K)]
            elif loss[0] == "cross_entropy":
                En = neg(total(mul(t[k], function("log", y[k])) for k in range(K)))
                g = [neg(div(t[k], y[k])) for k in range(K)]
            elif loss[0] == "binary_cross_entropy":
                En = neg(
                    total(
                        add(
                            mul(t[k], function("log", y[k])),
                            mul(sub(1, t[k]), function("log", sub(1, y[k]))),
                        )
                        for k in range(K)
                    )
                )
                g = [
                    add(neg(div(t[k], y[k])), div(sub(1, t[k]), sub(1, y[k])))
                    for k in range(K)
                ]
            else:
                _, yn, tn, f = loss
                En = total(evaluate(f, {yn: y[k], tn: t[k]}) for k in range(K))
                df = diff(f, yn)
                g = [evaluate(df, {yn: y[k], tn: t[k]}) for k in range(K)]
            q[("En", s, n + 1)] = En
            Es.append(En)
            out_act = net["acts"][L - 1]
            aL = a_all[L]
            if out_act == "softmax":
                if loss[0] == "cross_entropy":
                    dL = [sub(y[i], t[i]) for i in range(K)]
                else:
                    dL = [
                        total(
                            mul(mul(g[k], y[k]), sub(Fraction(1 if k == i else 0), y[i]))
                            for k in range(K)
                        )
                        for i in range(K)
                    ]
            elif out_act == "sigmoid" and loss[0] == "binary_cross_entropy":
                dL = [sub(y[i], t[i]) for i in range(K)]
            else:
                dL = [mul(g[i], act_derivative(net, out_act, aL[i])) for i in range(K)]
                for i in range(K):
                    q[("dh", s, n + 1, L, i + 1)] = act_derivative(net, out_act, aL[i])
            delta = [None] * (L + 1)
            delta[L] = dL
            for l in range(L - 1, 0, -1):
                act = net["acts"][l - 1]
                dl = []
                for i in range(len(W[l - 1])):
                    h1 = act_derivative(net, act, a_all[l][i])
                    q[("dh", s, n + 1, l, i + 1)] = h1
                    back = total(
                        mul(W[l][k][i], delta[l + 1][k]) for k in range(len(W[l]))
                    )
                    dl.append(mul(h1, back))
                delta[l] = dl
            for l in range(1, L + 1):
                for i, v in enumerate(delta[l]):
                    q[("delta", s, n + 1, l, i + 1)] = v
            deltas.append(delta)
            zs.append(z)
        E = total(Es)
        if mean:
            E = mul(Fraction(1, N), E)
        q[("E", s)] = E
        if s > net["steps"]:
            break
        scale = Fraction(1, N) if mean else Fraction(1)
        newW, newb = [], []
        for l in range(1, L + 1):
            gw = [
                [
                    mul(scale, total(mul(deltas[n][l][i], zs[n][l - 1][j]) for n in range(N)))
                    for j in range(len(W[l - 1][i]))
                ]
                for i in range(len(W[l - 1]))
            ]
            gb = [mul(scale, total(deltas[n][l][i] for n in range(N))) for i in range(len(W[l - 1]))]
            lr = net["lr"] if net["lr"] is not None else None
            nw = []
            for i, row in enumerate(gw):
                for j, v in enumerate(row):
                    q[("gW", s, l, i + 1, j + 1)] = v
                if lr is not None:
                    nw.append([sub(W[l - 1][i][j], mul(lr, gw[i][j])) for j in range(len(row))])
                if b[l - 1] is not None:
                    q[("gb", s, l, i + 1)] = gb[i]
            newW.append(nw)
            newb.append(
                [sub(b[l - 1][i], mul(lr, gb[i])) for i in range(len(gb))]
                if b[l - 1] is not None and lr is not None
                else None
            )
        if net["lr"] is None:
            break
        W, b = newW, newb
    if net["lr"] is not None:
        s = net["steps"] + 1
        for l in range(1, L + 1):
            for i in range(len(W[l - 1])):
                for j in range(len(W[l - 1][i])):
                    q[("W", s, l, i + 1, j + 1)] = W[l - 1][i][j]
                if b[l - 1] is not None:
                    q[("b", s, l, i + 1)] = b[l - 1][i]
    return q


# ---------------------------------------------------------------------------------------------
# Reading numbers rows back: a LaTeX arithmetic parser over scalars and matrices.

TEX_TOKEN = re.compile(
    r"\s+"
    r"|(?P<num>\d+(?:\.\d+)?(?:\\times10\^\{-?\d+\})?)"
    r"|(?P<cmd>\\left\(|\\right\)|\\left\||\\right\||\\left\[|\\right\]|\\cdot|\\odot|\\times"
    r"|\\frac|\\sqrt|\\exp|\\log|\\ln|\\tanh|\\sin|\\cos|\\sigma|\\operatorname\{[a-z]+\}"
    r"|\\begin\{bmatrix\}|\\end\{bmatrix\}|\\begin\{cases\}|\\end\{cases\}|\\le|\\ge|\\lt|\\gt"
    r"|\\\\|\\,|\\!|\\;)"
    r"|(?P<sym>[-+()\[\]{}^&|<>/])"
)


class Unreadable(Exception):
    pass


def tex_tokens(text):
    """The tokens of a numbers row, or None when the text holds a symbol (a formula)."""
    pos, out = 0, []
    while pos < len(text):
        m = TEX_TOKEN.match(text, pos)
        if not m:
            return None
        pos = m.end()
        if m.group("num") is not None:
            out.append(("num", m.group("num")))
        elif m.group("cmd") is not None:
            c = m.group("cmd")
            if c in ("\\,", "\\!", "\\;"):
                continue
            out.append(("cmd", c))
        elif m.group("sym") is not None:
            out.append(("sym", m.group("sym")))
    return out


def tex_number(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(?:\\times10\^\{(-?\d+)\})?", s)
    v = Fraction(m.group(1))
    if m.group(2) is not None:
        v *= Fraction(10) ** int(m.group(2))
    return v


def significant_digits(number):
    """How many significant digits a printed number shows: `0.0050` 2, `1.0` 2, `120` 2."""
    digits = number.replace(".", "").lstrip("0")
    if "." not in number:
        digits = digits.rstrip("0")
    return max(len(digits), 1)


def printed_digits(text):
    """The significant digits of each entry (in row order) of a value printed alone or as a
    matrix of numbers; None for anything else."""
    body = merge_column_blocks(text).strip()
    if body.startswith("\\begin{bmatrix}") and body.endswith("\\end{bmatrix}"):
        body = body[len("\\begin{bmatrix}"):-len("\\end{bmatrix}")]
    out = []
    for entry in re.split(r"&|\\\\", body):
        m = re.fullmatch(r"-?(\d+(?:\.\d+)?)(?:\\times10\^\{-?\d+\})?", entry.strip())
        if m is None:
            return None
        out.append(significant_digits(m.group(1)))
    return out


def shown_digits(printed, k, digits):
    """The digits entry k was printed with: `digits`, or more where the library widened it
    (y = 0.9967 as `0.997` at two digits, where `1.0` would make `\\log(1-1.0)`); a value is
    then right when it is correctly rounded to the digits it shows."""
    if printed is None or k >= len(printed):
        return digits
    return max(digits, printed[k])


def is_matrix(v):
    return isinstance(v, list)


def elementwise(f, a, b):
    if is_matrix(a) and is_matrix(b):
        if len(a) != len(b) or len(a[0]) != len(b[0]):
            raise Unreadable("matrices of different shapes")
        return [[f(x, y) for x, y in zip(r, s)] for r, s in zip(a, b)]
    if is_matrix(a):
        return [[f(x, b) for x in r] for r in a]
    if is_matrix(b):
        return [[f(a, y) for y in r] for r in b]
    return f(a, b)


def matmul(a, b):
    if len(a[0]) != len(b):
        raise Unreadable("matrix product of mismatched shapes")
    return [[total(mul(a[i][k], b[k][j]) for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


FUNC_CMDS = {
    "\\exp": "exp",
    "\\log": "log",
    "\\ln": "log",
    "\\tanh": "tanh",
    "\\sin": "sin",
    "\\cos": "cos",
    "\\sigma": "sigmoid",
    "\\operatorname{softplus}": "softplus",
    "\\operatorname{sigmoid}": "sigmoid",
}
OPENERS = {("sym", "("): ("sym", ")"), ("cmd", "\\left("): ("cmd", "\\right)"), ("sym", "{"): ("sym", "}"),
           ("sym", "["): ("sym", "]"), ("cmd", "\\left["): ("cmd", "\\right]")}


class TexParser:
    def __init__(self, tokens):
        self.t, self.i, self.abs_depth = tokens, 0, 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else (None, None)

    def next(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, tok):
        got = self.next()
        if got != tok:
            raise Unreadable(f"expected {tok[1]} but found {got[1]}")

    def parse(self):
        v = self.expr()
        if self.i != len(self.t):
            raise Unreadable(f"unexpected {self.peek()[1]}")
        return v

    def expr(self):
        if self.peek() == ("sym", "-"):
            self.next()
            v = elementwise(lambda x, _: neg(x), self.term(), Fraction(0))
        else:
            if self.peek() == ("sym", "+"):
                self.next()
            v = self.term()
        while self.peek() in (("sym", "+"), ("sym", "-")):
            op = self.next()[1]
            r = self.term()
            v = elementwise(add if op == "+" else sub, v, r)
        return v

    def starts_factor(self):
        tok = self.peek()
        if tok[0] == "num" or tok in OPENERS:
            return True
        if tok[0] == "cmd" and (tok[1] in FUNC_CMDS or tok[1] in ("\\frac", "\\sqrt", "\\begin{bmatrix}", "\\begin{cases}", "\\left|")):
            return True
        return tok == ("sym", "|") and self.abs_depth == 0

    def term(self):
        """Products joined by \\odot, which binds less tightly than a matrix product."""
        v = self.product()
        while self.peek() == ("cmd", "\\odot"):
            self.next()
            r = self.product()
            if not (is_matrix(v) and is_matrix(r)):
                raise Unreadable("\\odot needs two matrices")
            v = elementwise(mul, v, r)
        return v

    def product(self):
        v = self.unary()
        while True:
            tok = self.peek()
            if tok in (("cmd", "\\cdot"), ("cmd", "\\times")):
                self.next()
                v = elementwise(mul, v, self.unary())
            elif tok == ("sym", "/"):
                self.next()
                v = elementwise(div, v, self.unary())
            elif self.starts_factor():
                r = self.unary()
                v = matmul(v, r) if is_matrix(v) and is_matrix(r) else elementwise(mul, v, r)
            else:
                return v

    def unary(self):
        if self.peek() == ("sym", "-"):
            self.next()
            return elementwise(lambda x, _: neg(x), self.unary(), Fraction(0))
        return self.power()

    def power(self):
        base = self.primary()
        if self.peek() == ("sym", "^"):
            self.next()
            if self.peek() == ("sym", "{"):
                self.next()
                e = self.expr()
                self.expect(("sym", "}"))
            else:
                tok = self.next()
                if tok[0] != "num" or len(tok[1]) != 1 and "." not in tok[1]:
                    # `x^2` takes one digit; longer exponents are braced.
                    if tok[0] != "num":
                        raise Unreadable("an exponent that is not a number")
                e = tex_number(tok[1][0]) if tok[0] == "num" else None
                rest = tok[1][1:]
                if rest:
                    # `0.5^23` cannot be told from `0.5^2·3`; the printer braces, so refuse.
                    raise Unreadable("an unbraced exponent of several digits")
            if is_matrix(base) or is_matrix(e):
                raise Unreadable("a power of a matrix")
            return power(base, e)
        return base

    def group(self, opener):
        self.expect(opener)
        v = self.expr()
        self.expect(OPENERS[opener])
        return v

    def primary(self):
        tok = self.peek()
        if tok[0] == "num":
            self.next()
            return tex_number(tok[1])
        if tok in OPENERS:
            return self.group(tok)
        if tok == ("cmd", "\\frac"):
            self.next()
            a = self.group(("sym", "{"))
            b = self.group(("sym", "{"))
            return elementwise(div, a, b)
        if tok == ("cmd", "\\sqrt"):
            self.next()
            return function("sqrt", self.group(("sym", "{")))
        if tok[0] == "cmd" and tok[1] in FUNC_CMDS:
            self.next()
            arg = self.paren_arg()
            if is_matrix(arg):
                raise Unreadable("a function of a matrix")
            return function(FUNC_CMDS[tok[1]], arg)
        if tok == ("cmd", "\\left|") or tok == ("sym", "|"):
            self.next()
            self.abs_depth += 1
            v = self.expr()
            self.abs_depth -= 1
            self.expect(("cmd", "\\right|") if tok[0] == "cmd" else ("sym", "|"))
            return abs(v)
        if tok == ("cmd", "\\begin{bmatrix}"):
            return self.matrix()
        if tok == ("cmd", "\\begin{cases}"):
            return self.cases()
        raise Unreadable(f"unexpected {tok[1]}")

    def paren_arg(self):
        tok = self.peek()
        if tok not in (("sym", "("), ("cmd", "\\left(")):
            raise Unreadable("a function without parentheses")
        return self.group(tok)

    def matrix(self):
        self.expect(("cmd", "\\begin{bmatrix}"))
        rows, row = [], []
        while True:
            row.append(self.expr())
            tok = self.next()
            if tok == ("sym", "&"):
                continue
            rows.append(row)
            row = []
            if tok == ("cmd", "\\\\"):
                continue
            if tok == ("cmd", "\\end{bmatrix}"):
                break
            raise Unreadable(f"unexpected {tok[1]} in a matrix")
        if any(len(r) != len(rows[0]) for r in rows) or any(is_matrix(x) for r in rows for x in r):
            raise Unreadable("a ragged matrix")
        return rows

    def cases(self):
        self.expect(("cmd", "\\begin{cases}"))
        chosen, found = None, 0
        while True:
            value = self.expr()
            self.expect(("sym", "&"))
            self.expect(("sym", "("))
            left = self.expr()
            rel = self.next()
            right = self.expr()
            self.expect(("sym", ")"))
            l, r = F(left), F(right)
            holds = {
                ("sym", ">"): l > r,
                ("cmd", "\\gt"): l > r,
                ("sym", "<"): l < r,
                ("cmd", "\\lt"): l < r,
                ("cmd", "\\le"): l <= r,
                ("cmd", "\\ge"): l >= r,
            }
            if rel not in holds:
                raise Unreadable(f"unknown condition {rel[1]}")
            if holds[rel]:
                found += 1
                chosen = value
            tok = self.next()
            if tok == ("cmd", "\\\\"):
                continue
            if tok == ("cmd", "\\end{cases}"):
                break
            raise Unreadable(f"unexpected {tok[1]} in cases")
        if found != 1:
            raise Unreadable(f"{found} cases hold")
        return chosen


# A column block of a matrix too wide for the line: `\\overset{j=1,\\ldots,6}{\\begin{bmatrix}…}`.
COLUMN_BLOCK = re.compile(r"\\overset\{j=[^{}]*\}\{\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}\}")


def merge_column_blocks(text):
    """`text` with each run of column blocks written as the one matrix they split."""
    if "\\overset" not in text:
        return text
    out, pos = [], 0
    while True:
        m = COLUMN_BLOCK.search(text, pos)
        if m is None:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:m.start()])
        blocks, pos = [m.group(1)], m.end()
        while True:
            gap = re.match(r"(?:\s|\{\})*", text[pos:]).end()
            more = COLUMN_BLOCK.match(text, pos + gap)
            if more is None:
                break
            blocks.append(more.group(1))
            pos = more.end()
        rows = [block.split("\\\\") for block in blocks]
        if any(len(r) != len(rows[0]) for r in rows):
            raise Unreadable("column blocks of different heights")
        out.append("\\begin{bmatrix}%s\\end{bmatrix}" % "\\\\".join("&".join(parts) for parts in zip(*rows)))


def numeric(text):
    """The value of a numbers row, None for a formula; Unreadable or Undefined if it is
    numbers that cannot be evaluated."""
    tokens = tex_tokens(merge_column_blocks(text))
    if tokens is None or not tokens:
        return None
    if not any(t[0] == "num" for t in tokens):
        return None
    # Where the row cancels at the working precision, again with 4 and 16 times the digits;
    # the last try takes what it gets.
    for dps, watch in ((mpmath.mp.dps, True), (4 * mpmath.mp.dps, True), (16 * mpmath.mp.dps, False)):
        WATCH[0] = watch
        try:
            with mpmath.workdps(dps):
                return TexParser(tokens).parse()
        except Cancelled:
            continue
        finally:
            WATCH[0] = False


# ---------------------------------------------------------------------------------------------
# Chains: a left side, then segments joined by =, \approx, \leftarrow.

RELATIONS = ("\\approx", "\\leftarrow", "=")


def split_top(text, seps):
    """Splits `text` at the separators that are outside braces and environments; returns the
    pieces and the separators between them."""
    if not any(sep in text for sep in seps):
        return [text], []
    alternatives = "|".join(re.escape(sep) + (r"(?![A-Za-z])" if sep[0] == "\\" else "") for sep in seps)
    pieces, rels, depth, env, start = [], [], 0, 0, 0
    for m in re.finditer(r"\\begin\{|\\end\{|\\[{}]|[{}]|" + alternatives, text):
        tok = m.group(0)
        if tok == "\\begin{":
            env += 1
            depth += 1
        elif tok == "\\end{":
            env -= 1
            depth += 1
        elif tok in ("\\{", "\\}"):
            continue
        elif tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif depth == 0 and env == 0:
            pieces.append(text[start:m.start()])
            rels.append(tok)
            start = m.end()
    pieces.append(text[start:])
    return pieces, rels


IDX = r"(?:_(\d)|_\{(\d+)\}|_\{(\d+),(\d+)\})"


def sample_unit(m, first):
    """(n, i) from the IDX groups starting at group `first`."""
    g = m.groups()[first - 1: first + 3]
    if g[0] is not None:
        return 1, int(g[0])
    if g[1] is not None:
        return 1, int(g[1])
    return int(g[2]), int(g[3])


def lhs_keys(lhs, rel, step, shape):
    """The quantity (a key, or a matrix of keys) the left side names; None for a generic one
    (an index letter, the argument a) that a numbers row never follows; raises Unreadable for
    a left side this checker does not know."""
    s = lhs.replace(" ", "")
    L = shape["L"]
    m = re.fullmatch(r"a" + IDX + r"\^\{\((\d+)\)\}", s)
    if m:
        n, i = sample_unit(m, 1)
        return ("a", step, n, int(m.group(5)), i)
    m = re.fullmatch(r"z" + IDX + r"(?:\^\{\((\d+)\)\})?", s)
    if m:
        n, i = sample_unit(m, 1)
        return ("z", step, n, int(m.group(5) or 1), i)
    m = re.fullmatch(r"y" + IDX, s)
    if m:
        n, i = sample_unit(m, 1)
        return ("z", step, n, L, i)
    m = re.fullmatch(r"\\delta" + IDX + r"\^\{\((\d+)\)\}", s)
    if m:
        n, i = sample_unit(m, 1)
        return ("delta", step, n, int(m.group(5)), i)
    m = re.fullmatch(r"(?:h|o|h\^\{\(\d+\)\\prime\}|h'\^\{\(\d+\)\}|[a-z]+')\(a" + IDX + r"\^\{\((\d+)\)\}\)", s)
    if m:
        n, i = sample_unit(m, 1)
        return ("dh", step, n, int(m.group(5)), i)
    if s == "E":
        return ("E", step)
    m = re.fullmatch(r"E_(?:(\d)|\{(\d+)\})", s)
    if m:
        return ("En", step, int(m.group(1) or m.group(2)))
    m = re.fullmatch(r"\\frac\{\\partialE\}\{\\partialw_\{(\d)(\d)\}\^\{\((\d+)\)\}\}", s) or re.fullmatch(
        r"\\frac\{\\partialE\}\{\\partialw_\{(\d+),(\d+)\}\^\{\((\d+)\)\}\}", s)
    if m:
        return ("gW", step, int(m.group(3)), int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"\\frac\{\\partialE\}\{\\partialb" + IDX + r"\^\{\((\d+)\)\}\}", s)
    if m:
        _, i = sample_unit(m, 1)
        return ("gb", step, int(m.group(5)), i)
    after = step + 1 if rel == "\\leftarrow" else step
    m = re.fullmatch(r"w_\{(\d)(\d)\}\^\{\((\d+)\)\}", s) or re.fullmatch(r"w_\{(\d+),(\d+)\}\^\{\((\d+)\)\}", s)
    if m:
        return ("W", after, int(m.group(3)), int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"b" + IDX + r"\^\{\((\d+)\)\}", s)
    if m:
        _, i = sample_unit(m, 1)
        return ("b", after, int(m.group(5)), i)
    # Matrices and vectors.
    units = shape["units"]

    def column(kind, st, n, l, count):
        return [[(kind, st, n, l, i)] for i in range(1, count + 1)]

    m = re.fullmatch(r"(?:\\frac\{\\partialE\}\{\\partial)?W\^\{\((\d+)\)\}\}?", s)
    if m and (s.startswith("\\frac") == s.endswith("}}")):
        l = int(m.group(1))
        kind = "gW" if s.startswith("\\frac") else "W"
        st = step if kind == "gW" else after
        return [[(kind, st, l, i, j) for j in range(1, units[l - 1] + 1)] for i in range(1, units[l] + 1)]
    m = re.fullmatch(r"(\\frac\{\\partialE\}\{\\partial)?(?:b|\\mathbf\{b\})\^\{\((\d+)\)\}\}?", s)
    if m:
        l = int(m.group(2))
        kind, st = ("gb", step) if m.group(1) else ("b", after)
        return [[(kind, st, l, i)] for i in range(1, units[l] + 1)]
    m = re.fullmatch(r"\\mathbf\{([azy])\}(?:\^\{\((\d+)\)\})?(?:_\{?(\d+)\}?)?", s)
    if m:
        v, l, n = m.group(1), m.group(2), int(m.group(3) or 1)
        if v == "y":
            return column("z", step, n, L, units[L])
        l = int(l or 1)
        return column("a" if v == "a" else "z", step, n, l, units[l])
    m = re.fullmatch(r"\\boldsymbol\{\\delta\}\^\{\((\d+)\)\}(?:_\{?(\d+)\}?)?", s)
    if m:
        l, n = int(m.group(1)), int(m.group(2) or 1)
        return column("delta", step, n, l, units[l])
    if re.search(r"_\{?[ijkn]|\(a\)|_\{n,|\\mathbf\{[xt]\}|\^\{\(l\)\}|\(\\mathbf\{a\}", s) or s in ("w", "E"):
        return None
    raise Unreadable(f"an unknown left side {lhs!r}")


def truth_of(keys, q):
    if isinstance(keys, list):
        return [[q[k] for k in row] for row in keys]
    return q[keys]


def flat(v):
    return [x for row in v for x in row] if is_matrix(v) else [v]


# ---------------------------------------------------------------------------------------------
# The checks.


class Report:
    def __init__(self):
        self.findings = []  # (category, text)
        self.soft = []
        self.rows = 0
        self.values = 0

    def add(self, category, where, line, message, sub=""):
        self.findings.append((category, f"{where}: {message}\n    {line.strip()[:400]}", sub))

    def add_soft(self, where, line, message):
        self.soft.append(f"{where}: {message}\n    {line.strip()[:400]}")


CONTINUATION = re.compile(r"^&(?:&| )\\quad((?:\\left\.)*)(?:\{\})?\s?")


def join_continuations(lines):
    """(number, line) with each long row's continuation lines (`&&\\quad{}+…` in eqnarray,
    `& \\quad{}+…` in align) joined back to the row they continue, as one row."""
    out = []
    for no, raw in enumerate(lines, 1):
        m = CONTINUATION.match(raw.strip())
        if m and out:
            prev_no, prev = out[-1]
            prev = prev.rstrip()
            prev = prev[:-1] if prev.endswith("\\\\*") else prev
            prev = prev[:-2] if prev.endswith("\\\\") else prev
            opened = m.group(1).count("\\left.")
            for _ in range(opened):
                prev = prev[: -len("\\right.")] if prev.endswith("\\right.") else prev
            out[-1] = (prev_no, prev + raw.strip()[m.end():])
        else:
            out.append((no, raw))
    return out


def chains_of(tex):
    """(line, step, lhs, [(relation, segment)...]) for every chain of the display math."""
    step = 1
    env = None
    chains = []
    current = None

    def close():
        nonlocal current
        if current is not None:
            chains.append(current)
        current = None

    lines = join_continuations(tex.split("\n"))
    for no, raw in lines:
        line = raw.strip()
        m = re.match(r"\\subsection\*\{(?:Step |Summary of step |ステップ|まとめ（ステップ|まとめ\(ステップ)(\d+)", line)
        if m:
            step = int(m.group(1))
        # The loss after the update: the forward pass of the step after the last.
        if line in ("\\subsection*{The loss after the update}", "\\subsection*{更新後の誤差}"):
            step += 1
        if line in ("\\begin{eqnarray*}", "\\begin{align*}"):
            env = "eqnarray" if "eqnarray" in line else "align"
            continue
        if line in ("\\end{eqnarray*}", "\\end{align*}"):
            close()
            env = None
            continue
        if line == "\\[":
            env = "display"
            continue
        if line == "\\]":
            env = None
            continue
        if env is None:
            m = re.fullmatch(r"(\d+) & \$(\\approx|=)?\s*([^$]*)\$\\\\", line)
            if m:
                chains.append((raw, no, int(m.group(1)), "E", [(m.group(2) or "=", m.group(3), no, raw)]))
            m = re.match(r"\\node\[unit\] \(n(\d+)x(\d+)\) at \([^)]*\) \{\$[^$]*\$\\\\\$([^$]*)\$\};", line)
            if m:
                chains.append((raw, no, 1, f"@node {m.group(1)} {int(m.group(2)) + 1}", [("node", m.group(3), no, raw)]))
            for m in re.finditer(r"\$\\mathbf\{([xy])\}(?:_\{(\d+)\})?(=|\\approx)\((.*?)\)\$", line):
                lhs = "\\mathbf{%s}%s" % (m.group(1), "_{%s}" % m.group(2) if m.group(2) else "")
                if m.group(1) == "y":
                    chains.append((raw, no, step, lhs, [(m.group(3), "\\begin{bmatrix}%s\\end{bmatrix}" % m.group(4).replace(", ", "\\\\"), no, raw)]))
            for m in re.finditer(r"\$\\mathbf\{x\}(?:_\{(\d+)\})?=\([^$]*?\)=\(([^$]*?)\)\$", line):
                chains.append((raw, no, step, "x%s" % (m.group(1) or "1"), [("=", m.group(2), no, raw)]))
            for m in re.finditer(r"\$\\mathbf\{t\}(?:_\{(\d+)\})?=\([^$]*?\)=\(([^$]*?)\)\$", line):
                chains.append((raw, no, step, "t%s" % (m.group(1) or "1"), [("=", m.group(2), no, raw)]))
            continue
        line = line[:-1] if line.endswith("\\\\*") else line
        body = line[:-2] if line.endswith("\\\\") else line
        if env == "display":
            parts, _ = split_top(body, (",\\qquad",))
            for part in parts:
                pieces, rels = split_top(part, RELATIONS)
                chains.append((raw, no, step, pieces[0], [(r, t, no, raw) for r, t in zip(rels, pieces[1:])]))
            continue
        # eqnarray: `LHS&=&rest` or `&\approx&rest`; align: `LHS&= rest`.
        amp = body.find("&")
        if amp < 0:
            continue
        lhs, rest = body[:amp], body[amp + 1:]
        rel = None
        for r in RELATIONS:
            if rest.startswith(r):
                rel, rest = r, rest[len(r):]
                break
        if rel is None:
            continue
        if env == "eqnarray" and rest.startswith("&"):
            rest = rest[1:]
        pieces, rels = split_top(rest, RELATIONS)
        segs = [(r, t, no, raw) for r, t in zip([rel] + rels, pieces)]
        if lhs.strip():
            close()
            current = (raw, no, step, lhs, segs)
        elif current is not None:
            current = (current[0] + "\n" + raw, current[1], current[2], current[3], current[4] + segs)
    close()
    return chains


def key_name(k):
    """A quantity as the LaTeX writes it, with its step: `a_{1,2}^{(1)} (step 1)`."""
    kind = k[0]
    if kind in ("a", "z", "delta", "dh"):
        _, s, n, l, i = k
        base = {"a": f"a_{{{n},{i}}}^{{({l})}}", "z": f"z_{{{n},{i}}}^{{({l})}}" if l else f"x_{{{n},{i}}}",
                "delta": f"\\delta_{{{n},{i}}}^{{({l})}}", "dh": f"h'(a_{{{n},{i}}}^{{({l})}})"}[kind]
        return f"{base} (step {s})"
    if kind == "E":
        return f"E (step {k[1]})"
    if kind == "En":
        return f"E_{k[2]} (step {k[1]})"
    if kind in ("gW", "W"):
        _, s, l, i, j = k
        return (f"dE/dw_{{{i}{j}}}^{{({l})}} (step {s})" if kind == "gW"
                else f"w_{{{i}{j}}}^{{({l})}} (before step {s})")
    _, s, l, i = k
    return f"dE/db_{i}^{{({l})}} (step {s})" if kind == "gb" else f"b_{i}^{{({l})}} (before step {s})"


def check_document(tex, net, q, digits, carry, ties, where, report):
    shape = {"L": len(net["W"]), "units": [len(net["W"][0][0])] + [len(w) for w in net["W"]]}
    printed = {}
    for raw, no, step, lhs, segs in chains_of(tex):
        last_no, last = segs[-1][2], segs[-1][3]

        def here(seg_no):
            return f"{where} line {seg_no}"

        # The training sample as the prose states it.
        if re.fullmatch(r"[xt]\d+", lhs):
            rows = net["x"] if lhs[0] == "x" else net["t"]
            n = int(lhs[1:])
            text = segs[0][1]
            shown = [(-1 if v.strip().startswith("-") else 1) * tex_number(v.strip().lstrip("-")) for v in text.split(",")]
            report.rows += 1
            for k, (p, v) in enumerate(zip(shown, rows[n - 1])):
                report.values += 1
                if p != v:
                    report.add("equals-not-exact", here(no), last,
                               f"{lhs[0]}_{{{n},{k + 1}}} is {show(v)}, but `=` stands before {show(p)}",
                               "the training sample shown rounded after =")
            continue
        values = []
        try:
            for seg in segs:
                values.append(numeric(seg[1]))
        except Undefined as e:
            report.add("undefined", here(seg[2]), seg[3], f"the printed numbers have no value: {e}", str(e))
            continue
        except (Unreadable, ZeroDivisionError) as e:
            report.add("unreadable", here(seg[2]), seg[3], f"a numbers row that cannot be evaluated: {e}")
            continue
        if all(v is None for v in values):
            continue
        m = re.fullmatch(r"@node (\d+) (\d+)", lhs)
        try:
            keys = ("z", 1, 1, int(m.group(1)), int(m.group(2))) if m else lhs_keys(lhs, segs[0][0], step, shape)
        except Unreadable as e:
            report.add("unreadable", here(no), raw.split("\n")[0], str(e))
            continue
        if keys is None:
            continue
        try:
            true = truth_of(keys, q)
        except (KeyError, IndexError):
            report.add("unreadable", here(no), raw.split("\n")[0], f"the left side {lhs.strip()} names nothing in the network")
            continue
        final = values[-1]
        if final is None:
            report.add("unreadable", here(last_no), last, "a chain that ends in a formula after numbers")
            continue
        if is_matrix(true) != is_matrix(final) or (
            is_matrix(true) and (len(true) != len(final) or len(true[0]) != len(final[0]))
        ):
            report.add("unreadable", here(last_no), last, f"{lhs.strip()} printed with the wrong shape")
            continue
        report.rows += 1
        report.values += len(flat(final))
        # The same quantity printed twice must read the same.
        for k, p in zip(flat(keys), flat(final)):
            if k in printed and not equal(printed[k][0], p):
                report.add("inconsistent", here(last_no), last,
                           f"{key_name(k)} printed as {show(p)} here but as {show(printed[k][0])} at line {printed[k][1]}")
            printed.setdefault(k, (p, last_no))
        # Pairs of numbers rows: `=` means the same number; in rounded carry `\approx` means
        # the left one rounded.
        for k in range(1, len(segs)):
            rel, left, right = segs[k][0], values[k - 1], values[k]
            if left is None or right is None:
                continue
            widths = printed_digits(segs[k][1])
            for at, (key, lv, rv) in enumerate(zip(flat(keys), flat(left), flat(right))):
                entry = f" ({key_name(key)})" if is_matrix(keys) else ""
                if rel == "=":
                    if not equal(lv, rv):
                        report.add("equals-not-exact", here(segs[k][2]), segs[k][3],
                                   f"`=` between numbers that give {show(lv)} and {show(rv)}{entry}",
                                   "= between a row and a value it does not give exactly")
                        break
                elif carry == "rounded":
                    if exact(lv) and lv == rv:
                        if k == len(segs) - 1 and not is_matrix(keys):
                            report.add_soft(here(segs[k][2]), segs[k][3], f"`\\approx` before {show(rv)}, which its row gives exactly")
                        continue
                    wide = shown_digits(widths, at, digits)
                    ok, want = matches_rounding(rv, lv, wide, ties)
                    if not ok:
                        report.add("rounded-does-not-follow", here(segs[k][2]), segs[k][3],
                                   f"the printed numbers give {show(lv)}, which rounds to {show_rounded(want)}, "
                                   f"not {show(rv)}{entry}", why(rv, lv, wide))
                        break
        # The file's own numbers (the weights and biases before step 1) are known exactly in
        # either carry: `=` before them must give them exactly.
        given = all(k[0] in ("W", "b") and k[1] == 1 for k in flat(keys))
        if carry == "exact" or given:
            # Numbers written right after a formula with `=` must be the exact values.
            for k in range(len(segs) - 1):
                if segs[k][0] == "=" and (k == 0 or values[k - 1] is None) and values[k] is not None:
                    for key, tv, nv in zip(flat(keys), flat(true), flat(values[k])):
                        if not equal(tv, nv):
                            report.add("equals-not-exact", here(segs[k][2]), segs[k][3],
                                       f"`=` before numbers that give {show(nv)}, but {key_name(key)} is {show(tv)}",
                                       "= before numbers that are not the exact values (a rounded input or weight)")
                            break
            # The value: exact after `=`, correctly rounded after `\approx`.
            rel = segs[-1][0]
            all_exact = True
            widths = printed_digits(segs[-1][1])
            for at, (key, tv, pv) in enumerate(zip(flat(keys), flat(true), flat(final))):
                if exact(tv) and tv == pv:
                    continue
                if equal(tv, pv) and rel == "=":
                    continue  # an exact value that the reference holds only approximately
                all_exact = False
                if rel == "=":
                    report.add("equals-not-exact", here(last_no), last,
                               f"`=` before {show(pv)}, but {key_name(key)} is {show(tv)}",
                               "the file's weights or biases shown rounded after =" if given
                               else "= before a rounded value" if F(pv) != 0 or F(tv) == 0
                               else "= 0 before a nonzero value")
                    break
                wide = shown_digits(widths, at, digits)
                ok, want = matches_rounding(pv, tv, wide, ties)
                if not ok and pv == 0 and 0 < abs(F(tv)) < mpf("2.2e-308"):
                    # Below the doubles the tool computes in (a softmax output of 6.2e-384):
                    # printed 0 at any step; the loss after the update made one such row
                    # reachable with a single step. Counted apart, as a known limit.
                    report.add_soft(here(last_no), last,
                                    f"{key_name(key)} is {show(tv)}, below the doubles, printed 0")
                    break
                if not ok:
                    report.add("wrong-digits", here(last_no), last,
                               f"{key_name(key)} is {show(tv)}, correctly rounded {show_rounded(want)}, printed {show(pv)}",
                               why(pv, tv, wide))
                    break
            if all_exact and rel == "\\approx":
                report.add_soft(here(last_no), last, f"`\\approx` before {show(final)}, which is exact")


# ---------------------------------------------------------------------------------------------
# The networks: every example and seeded `gen` networks, varied as the task asks.

CUSTOM_ACTS = [
    ("swish", "a / (1 + exp(-a))"),
    ("softsign", "a / (1 + abs(a))"),
    ("bump", "exp(-a^2)"),
    ("logcosh", "log(exp(a) + exp(-a)) - log(2)"),
    ("huberish", "sqrt(1 + a^2) - 1"),
    ("wave", "sin(a) + a / 2"),
    ("cubic", "a^3 / 3 + a"),
]
CUSTOM_LOSSES = [
    "(y - t)^4 / 4",
    "abs(y - t)^3",
    "(y - t)^2 / 2 + (y - t)^4",
    "log(exp(y - t) + exp(t - y))",
    "sqrt(1 + (y - t)^2) - 1",
]


def decimal(rng, places, scale=1):
    v = rng.randint(-scale * 10**places, scale * 10**places)
    sign = "-" if v < 0 else ""
    v = abs(v)
    whole, frac = divmod(v, 10**places)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def random_network(binary, seed):
    """A `gen` network, then its samples, targets, losses, steps and custom functions varied."""
    rng = random.Random(seed)
    depth = rng.choice([1, 2, 2, 2, 3])
    sizes = [rng.randint(1, 3)] + [rng.randint(1, 4) for _ in range(depth)]
    hidden = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity", "custom"]
    outputs = ["identity", "sigmoid", "tanh", "softmax", "softplus", "custom"]
    acts = [rng.choice(hidden) for _ in range(depth - 1)] + [rng.choice(outputs)]
    if acts[-1] == "softmax" and sizes[-1] == 1:
        sizes[-1] = 2
    bias = rng.random() < 0.5
    gen_acts = ["identity" if a == "custom" else a for a in acts]
    cmd = [binary, "gen", "--sizes", ",".join(map(str, sizes)), "--seed", str(seed), "--acts", ",".join(gen_acts)]
    if bias:
        cmd.append("--bias")
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    lines = [ln for ln in text.split("\n") if not ln.startswith(("input", "target", "loss", "sgd"))]
    out_act = acts[-1]
    # Some weights and biases with more digits than --digits shows.
    if rng.random() < 0.3:
        start = next(k for k, ln in enumerate(lines) if ln.startswith("layer "))
        more = lambda m: m.group(0) + f"{rng.randint(1, 999):03d}" if rng.random() < 0.25 else m.group(0)
        lines[start:] = [re.sub(r"\d+\.\d+", more, ln) for ln in lines[start:]]
    # Custom activations in place of the placeholders.
    customs = []
    layer = 0
    for k, ln in enumerate(lines):
        if ln.startswith("layer "):
            if acts[layer] == "custom":
                name, f = rng.choice(CUSTOM_ACTS)
                if f"activation {name}(a) = {f}" not in customs:
                    customs.append(f"activation {name}(a) = {f}")
                lines[k] = f"layer {name}"
            layer += 1
    samples = rng.choice([1, 1, 2, 3])
    K = sizes[-1]
    places = lambda: 5 if rng.random() < 0.15 else rng.choice([1, 2, 2, 3])
    scale = 10 if rng.random() < 0.15 else 1  # saturated units, large gradients
    xs = [[decimal(rng, places(), scale) for _ in range(sizes[0])] for _ in range(samples)]
    if out_act == "softmax":
        losses = ["cross_entropy"] * 3 + ["sum_squared", "mean_squared", "custom"]
    elif out_act == "sigmoid":
        losses = ["binary_cross_entropy", "binary_cross_entropy", "cross_entropy", "sum_squared", "mean_squared", "custom"]
    else:
        losses = ["sum_squared", "sum_squared", "mean_squared", "custom"]
    loss = rng.choice(losses)
    ts = []
    for _ in range(samples):
        if out_act == "softmax" and loss == "cross_entropy":
            hot = rng.randrange(K)
            if rng.random() < 0.3 and K > 1:
                other = (hot + 1) % K
                ts.append(["0.75" if k == hot else "0.25" if k == other else "0" for k in range(K)])
            else:
                ts.append(["1" if k == hot else "0" for k in range(K)])
        elif loss in ("cross_entropy", "binary_cross_entropy"):
            ts.append([rng.choice(["0", "1", "0.5", "0.25", "0.9"]) for _ in range(K)])
        else:
            ts.append([decimal(rng, rng.choice([1, 2, 3])) for _ in range(K)])
    fmt = lambda rows: "[" + ", ".join(rows[0]) + "]" if len(rows) == 1 else "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"
    lines.insert(2, f"input x = {fmt(xs)}")
    lines.insert(3, f"target t = {fmt(ts)}")
    body = "\n".join(customs + lines).rstrip("\n")
    body += "\nloss " + (f"(y, t) = {rng.choice(CUSTOM_LOSSES)}" if loss == "custom" else loss)
    steps = rng.choice([1, 1, 2, 3])
    lr = rng.choice(["0.1", "0.5", "0.05", "1", "0.25"])
    body += f"\nsgd lr = {lr}" + (f", steps = {steps}" if steps > 1 else "") + "\n"
    extra = []
    if rng.random() < 0.3:
        extra += ["--form", rng.choice(["matrix", "both"])]
    if rng.random() < 0.3:
        extra += ["--env", "align"]
    if rng.random() < 0.15:
        extra += ["--lang", "ja"]
    return body, extra


def run_one(binary, path, name, text, net, q, digits, carry, ties, extra):
    report = Report()
    args = [binary, "derive", path, "-f", "latex", "--digits", str(digits), "--carry", carry] + extra
    flags = " ".join(["--digits", str(digits), "--carry", carry] + extra)
    where = f"{name} [{flags}]"
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        message = (done.stderr.strip().split("\n") or [""])[0]
        report.add("refused", where, message, "derive refused a network the reference computes")
        return report
    try:
        check_document(done.stdout, net, q, digits, carry, ties, where, report)
    except (Undefined, ZeroDivisionError, Unreadable) as e:
        report.add("unreadable", where, "", f"the checker stopped: {e}")
    return report


def networks(binary, count, root):
    out = []
    # The examples, then networks written for issue 12's items (tests/rows/networks/).
    for folder in ("examples", "tests/rows/networks"):
        for name in sorted(os.listdir(os.path.join(root, folder))):
            if name.endswith(".nn"):
                path = os.path.join(root, folder, name)
                with open(path, encoding="utf-8") as f:
                    out.append((f"{folder}/{name}", path, f.read(), []))
    # Kept where a finding's path can be opened again, and overwritten by the next run.
    tmp = os.path.join(root, "target", "check-rows")
    os.makedirs(tmp, exist_ok=True)
    for seed in range(1, count + 1):
        text, extra = random_network(binary, seed)
        path = os.path.join(tmp, f"gen-{seed}.nn")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        out.append((f"gen seed {seed} ({path})", path, text, extra))
    return out


CATEGORIES = {
    "wrong-digits": "printed value is not the correctly rounded true value (--carry exact)",
    "equals-not-exact": "`=` before a value or numbers that are not exact",
    "rounded-does-not-follow": "--carry rounded: the row's printed numbers do not give the printed value",
    "inconsistent": "one quantity printed with two values",
    "undefined": "a printed numbers row that has no value (log of 1-1.0, a division by 0)",
    "refused": "derive refused a network the reference computes",
    "unreadable": "a numbers row the checker cannot read",
}


def check_network(job):
    """Every digits × carry of one network (run in a worker process)."""
    binary, name, path, text, extra, digits_list, carries, ties = job
    try:
        net = parse_nn(text)
        q = reference(net)
    except (Undefined, ZeroDivisionError, ValueError) as e:
        return name, f"the reference cannot compute it ({e})", []
    return name, None, [
        run_one(binary, path, name, text, net, q, d, c, ties, extra) for d in digits_list for c in carries
    ]


def main_run(args):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    started = time.time()
    nets = networks(args.bin, args.networks, root)
    jobs = [(args.bin, name, path, text, extra, args.digits, args.carry, args.ties) for name, path, text, extra in nets]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(check_network, jobs))
    skipped = 0
    reports = []
    for name, note, rs in results:
        if note:
            skipped += 1
            print(f"note: {name}: {note}; skipped")
        reports.extend(rs)
    findings = [f for r in reports for f in r.findings]
    soft = [s for r in reports for s in r.soft]
    rows = sum(r.rows for r in reports)
    values = sum(r.values for r in reports)
    by = {}
    subs = {}
    for cat, text, sub in findings:
        by.setdefault(cat, []).append(text)
        subs.setdefault(cat, {}).setdefault(sub, []).append(text)

    def networks_of(texts):
        return len({t.split(" [")[0] for t in texts})

    for cat in CATEGORIES:
        items = by.get(cat, [])
        if items:
            print(f"\n== {cat}: {len(items)} — {CATEGORIES[cat]}")
            for text in items[: args.show]:
                print(text)
            if len(items) > args.show:
                print(f"... and {len(items) - args.show} more")
    if soft:
        print(f"\n== soft: {len(soft)} — `\\approx` before a value that is exact (not a failure)")
        for text in soft[: min(args.show, 5)]:
            print(text)
    print(
        f"\nchecked {len(nets) - skipped} networks ({skipped} skipped) × --digits {args.digits} × --carry {args.carry}: "
        f"{len(reports)} documents, {rows} chains, {values} printed values; "
        f"{len(findings)} findings, {len(soft)} soft; {time.time() - started:.1f} s"
    )
    for cat in CATEGORIES:
        if by.get(cat):
            print(f"  {cat}: {len(by[cat])} in {networks_of(by[cat])} networks")
            for sub, texts in sorted(subs[cat].items(), key=lambda kv: -len(kv[1])):
                if sub:
                    print(f"    {len(texts):6d} in {networks_of(texts):3d} networks: {sub}; for example")
                    print("        " + texts[0].replace("\n    ", "\n        "))
    return 1 if findings else 0


# ---------------------------------------------------------------------------------------------
# The checker's own tests: it must find what is wrong.

SELF_NET = """
input x = [1, 2, 3]
target t = [0, 1]
layer sigmoid W = [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]]
layer identity W = [[1, 2], [3, 4]]
loss sum_squared
sgd lr = 0.1
"""


def doc(*rows):
    return "\\begin{eqnarray*}\n" + "\\\\\n".join(rows) + "\n\\end{eqnarray*}\n"


def self_test():
    net = parse_nn(SELF_NET)
    q = reference(net)

    def findings(tex, digits=4, carry="exact", ties="half-up"):
        r = Report()
        check_document(tex, net, q, digits, carry, ties, "self-test", r)
        return r

    def expect(tex, category, **kw):
        r = findings(tex, **kw)
        cats = [c for c, _, _ in r.findings]
        assert category in cats, f"expected a {category} finding, got {r.findings} for\n{tex}"
        return r

    def clean(tex, **kw):
        r = findings(tex, **kw)
        assert not r.findings, f"expected no finding, got {r.findings} for\n{tex}"
        assert r.rows > 0, f"nothing was checked in\n{tex}"
        return r

    good = doc(
        "a_1^{(1)}&=&w_{11}^{(1)}x_1+w_{12}^{(1)}x_2+w_{13}^{(1)}x_3",
        "&=&0.1\\cdot1+0.1\\cdot2+0.1\\cdot3",
        "&=&0.6",
        "z_1&=&h(a_1^{(1)}) = \\frac{1}{1+\\exp(-0.6)} \\approx 0.6457",
        "a_1^{(2)}&=&w_{11}^{(2)}z_1+w_{12}^{(2)}z_2",
        "&\\approx&1\\cdot0.6457+2\\cdot0.7685",
        "&\\approx&2.183",
        "h'(a_1^{(1)})&=&h(a_1^{(1)})(1-h(a_1^{(1)})) \\approx 0.6457\\cdot(1-0.6457) \\approx 0.2288",
        "E&=&\\frac{1}{2}((y_1-t_1)^2+(y_2-t_2)^2)",
        "&\\approx&\\frac{1}{2}((2.183-0)^2+(5.011-1)^2)",
        "&\\approx&10.43",
    )
    clean(good)
    clean(good, carry="rounded")
    # A wrong last digit.
    expect(good.replace("0.6457 \\\\", "0.6458 \\\\").replace("\\approx 0.6457\\", "\\approx 0.6458\\"), "wrong-digits")
    expect(good.replace("&\\approx&2.183", "&\\approx&2.184"), "wrong-digits")
    # A wrong `=`: a rounded value, and numbers that are not the values they stand for.
    expect(good.replace("\\approx 0.2288", "= 0.2288"), "equals-not-exact")
    expect(good.replace("&=&0.6\\", "&=&0.7\\"), "equals-not-exact")
    expect(good.replace("&=&0.1\\cdot1+", "&=&0.2\\cdot1+").replace("&=&0.6\\", "&\\approx&0.6\\"), "equals-not-exact")
    # A rounded-carry row that does not follow from its numbers (0.6457·0.3543 = 0.22877…).
    expect(good.replace("\\approx 0.2288", "\\approx 0.2289"), "rounded-does-not-follow", carry="rounded")
    expect(doc("a_1^{(2)}&=&w_{11}^{(2)}z_1+w_{12}^{(2)}z_2", "&\\approx&3\\cdot1.235", "&\\approx&3.704"),
           "rounded-does-not-follow", carry="rounded")
    # Ties: 0.78125 is exact; half-up gives 0.7813, half-even 0.7812.
    tie = doc("a_1^{(2)}&=&w_{11}^{(2)}z_1", "&=&0.3125\\cdot2.5", "&\\approx&0.7812")
    expect(tie, "rounded-does-not-follow", carry="rounded")
    clean(tie, carry="rounded", ties="half-even")
    # `\approx` before an exact value is soft, not a finding.
    r = clean(good.replace("&=&0.6\\", "&\\approx&0.6\\"))
    assert r.soft, "the soft count missed an exact value after \\approx"
    # An exact value that the reference knows: = is right, and a rounded display of it is not.
    assert round_sig(Fraction("1.2345"), 4, "half-up") == Fraction("1.235")
    assert round_sig(Fraction("-1.2345"), 4, "half-up") == Fraction("-1.235")
    assert round_sig(Fraction("1.2345"), 4, "half-even") == Fraction("1.234")
    assert round_sig(Fraction("0.00099995"), 4, "half-up") == Fraction("0.001")
    assert round_sig(mpf(2) / 3, 2, "half-up") == Fraction("0.67")
    # Matrices: the initial weights must be shown exactly after `=`.
    assert is_tie(Fraction("0.78125"), 4) and not is_tie(Fraction("0.78126"), 4)
    assert why(Fraction(0), mpf("1e-30"), 4) == "a nonzero value printed as 0"
    rounded_w = ("\\[\nW^{(1)}=\\begin{bmatrix}w_{11}^{(1)}&w_{12}^{(1)}&w_{13}^{(1)}\\\\w_{21}^{(1)}&w_{22}^{(1)}&w_{23}^{(1)}\\end{bmatrix}"
                 "=\\begin{bmatrix}0.1&0.1&0.1\\\\0.2&0.2&0.3\\end{bmatrix}\n\\]\n")
    expect(rounded_w, "equals-not-exact", carry="rounded")
    expect("\\[\nW^{(1)}=\\begin{bmatrix}w_{11}^{(1)}&w_{12}^{(1)}&w_{13}^{(1)}\\\\w_{21}^{(1)}&w_{22}^{(1)}&w_{23}^{(1)}\\end{bmatrix}"
           "=\\begin{bmatrix}0.1&0.1&0.1\\\\0.2&0.2&0.3\\end{bmatrix}\n\\]\n", "equals-not-exact")
    clean("\\[\n\\frac{\\partial E}{\\partial W^{(2)}}\\approx\\begin{bmatrix}1.409&1.677\\\\2.590&3.083\\end{bmatrix},\\qquad "
          "W^{(2)}\\leftarrow W^{(2)}-\\eta\\frac{\\partial E}{\\partial W^{(2)}}\\approx\\begin{bmatrix}0.8591&1.832\\\\2.741&3.692\\end{bmatrix}\n\\]\n")
    expect("\\[\n\\frac{\\partial E}{\\partial W^{(2)}}\\approx\\begin{bmatrix}1.409&1.677\\\\2.590&3.084\\end{bmatrix}\n\\]\n", "wrong-digits")
    # Matrix products and \odot in the matrix form.
    clean(doc("\\mathbf{a}^{(1)}&=&W^{(1)}\\mathbf{x}",
              "&=&\\begin{bmatrix}0.1&0.1&0.1\\\\0.2&0.2&0.2\\end{bmatrix}\\begin{bmatrix}1\\\\2\\\\3\\end{bmatrix}",
              "&=&\\begin{bmatrix}0.6\\\\1.2\\end{bmatrix}"))
    expect(doc("\\mathbf{a}^{(1)}&=&W^{(1)}\\mathbf{x}",
               "&=&\\begin{bmatrix}0.1&0.1&0.1\\\\0.2&0.2&0.2\\end{bmatrix}\\begin{bmatrix}1\\\\2\\\\3\\end{bmatrix}",
               "&=&\\begin{bmatrix}0.6\\\\1.3\\end{bmatrix}"), "equals-not-exact")
    # The same value printed twice, differently.
    expect(doc("z_1&=&h(a_1^{(1)}) = \\frac{1}{1+\\exp(-0.6)} \\approx 0.6457",
               "z_1&=&h(a_1^{(1)}) \\approx 0.6458"), "inconsistent")
    # A row that cannot be read is reported, never skipped.
    expect(doc("a_1^{(1)}&=&w_{11}^{(1)}x_1", "&=&0.1\\cdot1+(", "&=&0.6"), "unreadable")
    expect(doc("q_1&=&0.1\\cdot1"), "unreadable")
    expect(doc("E&=&-\\log(1-y_1)", "&\\approx&-\\log(1-1.0)", "&\\approx&5.0"), "undefined")
    # The parser: implicit products, powers, functions, cases, scientific notation.
    assert numeric("2\\sin(0)\\cos(0)+3^{2}-\\frac{1}{4}") == Fraction(35, 4)
    assert numeric("-0.5\\cdot(-2)") == 1
    assert numeric("(-0.5)^2") == Fraction(1, 4)
    assert numeric("1.5\\times10^{-7}") == Fraction(15, 10**8)
    assert numeric("\\left|-0.25\\right|^3") == Fraction(1, 64)
    assert numeric("\\begin{cases}-0.04&(-0.04>0)\\\\0&(-0.04\\le0)\\end{cases}") == 0
    assert numeric("\\begin{bmatrix}1&2\\end{bmatrix}\\begin{bmatrix}3\\\\4\\end{bmatrix}") == [[Fraction(11)]]
    assert numeric("\\begin{bmatrix}2\\\\3\\end{bmatrix}\\odot\\begin{bmatrix}1&1\\\\0&1\\end{bmatrix}\\begin{bmatrix}1\\\\2\\end{bmatrix}") == [[6], [6]]
    assert numeric("\\frac{0}{0.6225}") == 0 and exact(numeric("-0.2350\\cdot\\frac{0}{0.6225}"))
    assert numeric("w_{11}^{(1)}x_1") is None
    # A matrix split into column blocks to fit the line is the matrix.
    split = ("\\begin{bmatrix}2\\\\3\\end{bmatrix}\\overset{j=1,\\ldots,2}{\\begin{bmatrix}1&2\\end{bmatrix}}"
             "\\overset{j=3,\\ldots,3}{\\begin{bmatrix}1.5\\times10^{-1}\\end{bmatrix}}")
    assert numeric(split) == [[2, 4, Fraction(3, 10)], [3, 6, Fraction(9, 20)]], numeric(split)
    # A value widened beyond --digits must be correctly rounded to the digits it shows.
    clean(doc("z_1&=&h(a_1^{(1)}) = \\frac{1}{1+\\exp(-0.6)} \\approx 0.64566"))
    expect(doc("z_1&=&h(a_1^{(1)}) = \\frac{1}{1+\\exp(-0.6)} \\approx 0.64567"), "wrong-digits")
    expect(doc("z_1&=&h(a_1^{(1)}) \\approx \\frac{1}{1+\\exp(-0.6)} \\approx 0.64567"), "rounded-does-not-follow",
           carry="rounded")
    assert printed_digits("\\begin{bmatrix}0.0050&1.0\\\\120&1.25\\times10^{-7}\\end{bmatrix}") == [2, 2, 2, 3]
    # Beyond the working precision: 1 + e^-260 is 1 at 80 digits, log of it is not 0.
    tiny = numeric("\\log(1+\\exp(-260))")
    assert abs(tiny / mpmath.exp(-260) - 1) < mpf(10) ** -60, tiny
    assert abs(numeric("\\exp(-300)+1-1") / mpmath.exp(-300) - 1) < mpf(10) ** -60
    expect(doc("y_1&=&o(a_1^{(2)}) \\approx \\log(1+\\exp(-260)) \\approx 0"), "rounded-does-not-follow", carry="rounded")
    # The symbolic derivative against mpmath's numerical one.
    for _, f in CUSTOM_ACTS:
        e = formula(Stream(nn_tokens(f)))
        d = diff(e, "a")
        for a in (Fraction(-3, 2), Fraction(7, 10)):
            want = mpmath.diff(lambda v: F(evaluate(e, {"a": v})), F(a))
            got = F(evaluate(d, {"a": a}))
            assert abs(got - want) < mpf(10) ** -30, (f, a, got, want)
    print("self-test: every planted error was found")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin")
    p.add_argument("--self-test", action="store_true")
    p.add_argument("--networks", type=int, default=100, help="seeded gen networks besides the examples")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--ties", choices=["half-up", "half-even"], default="half-up")
    p.add_argument("--digits", type=lambda s: [int(x) for x in s.split(",")], default=[2, 4, 6])
    p.add_argument("--carry", type=lambda s: s.split(","), default=["exact", "rounded"])
    p.add_argument("--show", type=int, default=3, help="examples shown per category")
    p.add_argument("--file", help="check this one .nn file only")
    p.add_argument("--tex", help="with --file: check this LaTeX (one --digits, one --carry) instead of running derive")
    p.add_argument("extra", nargs="*", help="more derive flags (after --)")
    args = p.parse_args()
    if args.self_test:
        return self_test()
    if args.tex:
        if not args.file or len(args.digits) != 1 or len(args.carry) != 1:
            p.error("--tex needs --file, one --digits and one --carry")
        with open(args.file, encoding="utf-8") as f:
            net = parse_nn(f.read())
        with open(args.tex, encoding="utf-8") as f:
            tex = f.read()
        r = Report()
        check_document(tex, net, reference(net), args.digits[0], args.carry[0], args.ties, args.tex, r)
        for cat, t, _ in r.findings:
            print(f"[{cat}] {t}")
        print(f"{r.rows} chains, {r.values} printed values, {len(r.findings)} findings, {len(r.soft)} soft")
        return 1 if r.findings else 0
    if not args.bin:
        p.error("--bin is required")
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            text = f.read()
        net = parse_nn(text)
        q = reference(net)
        total_findings = 0
        for digits in args.digits:
            for carry in args.carry:
                r = run_one(args.bin, args.file, args.file, text, net, q, digits, carry, args.ties, args.extra)
                for cat, t, _ in r.findings:
                    print(f"[{cat}] {t}")
                for t in r.soft:
                    print(f"[soft] {t}")
                total_findings += len(r.findings)
        return 1 if total_findings else 0
    return main_run(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # a crash of the checker is not a finding: exit 2
        import traceback

        traceback.print_exc()
        sys.exit(2)
