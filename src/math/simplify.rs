//! The simplifier: makes a raw derivative readable.
//!
//! Like differentiation, simplification is a table of named rewrite rules ([`RULES`]). Each
//! rule looks at one node (whose children are already simple) and either rewrites it or passes.
//! Every rule makes the formula strictly smaller or moves constants to a fixed place, so the
//! rewriting ends. The result has no `0·x`, `1·x`, `x^1`, `− −x`, no Kronecker deltas that can
//! be resolved, and its constants folded; as a teacher writes it, fractions of whole numbers
//! are in lowest terms (`2·(1/6)` → `1/3`, not `2/6` beside `0.4`), shared whole-number
//! factors are cancelled (`2a/(2√u)` → `a/√u`) and there is no fraction of fractions.

use crate::math::expr::{Expr, Func, Index};
use crate::math::number::Decimal;

/// One rewrite rule: its name, and the rewrite (or `None` when it does not apply).
pub struct Rule {
    pub name: &'static str,
    apply: fn(&Expr) -> Option<Expr>,
}

/// The value of a constant node (`2`, `−3`, `½`), if it is one and is a finite decimal.
fn constant(e: &Expr) -> Option<Decimal> {
    match e {
        Expr::Num(d) => Some(*d),
        Expr::Neg(x) => constant(x).map(Decimal::negated),
        Expr::Div(a, b) => constant(a)?.checked_div(constant(b)?),
        _ => None,
    }
}

fn is_constant(e: &Expr) -> bool {
    constant(e).is_some()
}

/// A constant, or a fraction of whole numbers that is no finite decimal (2/3).
fn is_numeric(e: &Expr) -> bool {
    is_constant(e)
        || matches!(e, Expr::Div(a, b) if matches!(**a, Expr::Num(_)) && matches!(**b, Expr::Num(_)))
}

/// Folds the constants among `items` with `op`, or `None` if there are fewer than two or the
/// result is not a finite decimal.
fn fold(
    items: &[Expr],
    op: fn(Decimal, Decimal) -> Option<Decimal>,
) -> Option<(Decimal, Vec<Expr>)> {
    if items.iter().filter(|e| is_constant(e)).count() < 2 {
        return None;
    }
    let mut folded: Option<Decimal> = None;
    let mut rest = Vec::new();
    for item in items {
        match constant(item) {
            Some(c) => {
                folded = Some(match folded {
                    Some(acc) => op(acc, c)?,
                    None => c,
                })
            }
            None => rest.push(item.clone()),
        }
    }
    Some((folded?, rest))
}

fn single_or(items: Vec<Expr>, empty: i64, wrap: fn(Vec<Expr>) -> Expr) -> Expr {
    match items.len() {
        0 => Expr::int(empty),
        1 => items.into_iter().next().unwrap_or_else(|| Expr::int(empty)),
        _ => wrap(items),
    }
}

/// `body` without one Kronecker delta `δ_{var,X}` that multiplies all of it, and the index X
/// it equates `var` with; looks through products, numerators and negations.
fn without_kronecker(body: &Expr, var: char) -> Option<(Expr, Index)> {
    let v = Index::Var(var);
    match body {
        Expr::Kron(a, b) if *a == v && *b != v => Some((Expr::int(1), *b)),
        Expr::Kron(a, b) if *b == v && *a != v => Some((Expr::int(1), *a)),
        Expr::Mul(factors) => factors.iter().enumerate().find_map(|(n, factor)| {
            let (rest, index) = without_kronecker(factor, var)?;
            let mut factors = factors.clone();
            factors[n] = rest;
            Some((Expr::Mul(factors), index))
        }),
        Expr::Div(num, den) => {
            let (rest, index) = without_kronecker(num, var)?;
            Some((Expr::Div(Box::new(rest), den.clone()), index))
        }
        Expr::Neg(x) => {
            let (rest, index) = without_kronecker(x, var)?;
            Some((Expr::Neg(Box::new(rest)), index))
        }
        _ => None,
    }
}

/// A term as coefficient × rest: `3x` → (3, x), `−x` → (−1, x), `x` → (1, x).
fn coefficient(term: &Expr) -> (Decimal, Expr) {
    match term {
        Expr::Neg(x) => {
            let (c, rest) = coefficient(x);
            (c.negated(), rest)
        }
        Expr::Mul(factors) => match factors.split_first() {
            Some((first, rest)) if is_constant(first) => {
                let c = constant(first).unwrap_or(Decimal::ONE);
                (c, single_or(rest.to_vec(), 1, Expr::Mul))
            }
            _ => (Decimal::ONE, term.clone()),
        },
        _ => (Decimal::ONE, term.clone()),
    }
}

/// Finds two items with the same base (as `split` sees them, with a number each), adds their
/// numbers and puts `join(sum, base)` in place of the pair: the shape shared by "like factors"
/// (x·x² → x³) and "like terms" (2x + 3x → 5x).
fn merge_like(
    items: &[Expr],
    split: impl Fn(&Expr) -> Option<(Decimal, Expr)>,
    join: impl Fn(Decimal, Expr) -> Expr,
    empty: i64,
    wrap: fn(Vec<Expr>) -> Expr,
) -> Option<Expr> {
    let parts: Vec<Option<(Decimal, Expr)>> = items.iter().map(&split).collect();
    for (n, first) in parts.iter().enumerate() {
        let Some((c1, base)) = first else { continue };
        for (m, second) in parts.iter().enumerate().skip(n + 1) {
            if let Some((c2, other)) = second {
                if other == base {
                    let total = c1.checked_add(*c2)?;
                    let mut rest = items.to_vec();
                    rest.remove(m);
                    rest[n] = join(total, base.clone());
                    return Some(single_or(rest, empty, wrap));
                }
            }
        }
    }
    None
}

/// `u` of `u/|u|`: the sign of u, as the derivative of `|u|` writes it.
fn sign_of(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Div(u, v) => match &**v {
            Expr::Call(Func::Abs, w) if w == u => Some(u),
            _ => None,
        },
        _ => None,
    }
}

/// `factor` as `base^n` for a constant n ≥ 1 (`x` is `x^1`), when `base` is `of`.
fn power_at_least_one(factor: &Expr, of: &Expr) -> Option<Decimal> {
    let n = match factor {
        Expr::Pow(base, exponent) if **base == *of => constant(exponent)?,
        _ if factor == of => Decimal::ONE,
        _ => return None,
    };
    (!n.checked_sub(Decimal::ONE)?.is_negative()).then_some(n)
}

/// In `factors`, a sign `u/|u|` and another factor that is `base(u)^n` with n ≥ 1: their
/// positions and n.
fn sign_beside(factors: &[Expr], base: fn(&Expr) -> Expr) -> Option<(usize, usize, Decimal)> {
    factors.iter().enumerate().find_map(|(s, f)| {
        let u = sign_of(f)?;
        let of = base(u);
        factors
            .iter()
            .enumerate()
            .filter(|(p, _)| *p != s)
            .find_map(|(p, g)| Some((s, p, power_at_least_one(g, &of)?)))
    })
}

fn abs(u: &Expr) -> Expr {
    Expr::call(Func::Abs, u.clone())
}

/// `e` as `(p/q)·others` when it is a fraction (not a sign u/|u|) or a product with one
/// among its factors: p, q and the other factors.
fn inner_fraction(e: &Expr) -> Option<(Expr, Expr, Vec<Expr>)> {
    let is_fraction = |f: &Expr| matches!(f, Expr::Div(..)) && sign_of(f).is_none();
    match e {
        Expr::Div(p, q) if is_fraction(e) => Some(((**p).clone(), (**q).clone(), Vec::new())),
        Expr::Mul(factors) => {
            let n = factors.iter().position(is_fraction)?;
            let Expr::Div(p, q) = &factors[n] else {
                return None;
            };
            let mut others = factors.clone();
            others.remove(n);
            Some(((**p).clone(), (**q).clone(), others))
        }
        _ => None,
    }
}

/// A fraction of whole numbers `p/q` in lowest terms (q > 0): a whole number, its negation,
/// or a quotient of such (`2`, `−3`, `2/6`).
fn whole_fraction(e: &Expr) -> Option<(i128, i128)> {
    match e {
        Expr::Num(d) => Some((d.as_integer()?, 1)),
        Expr::Neg(x) => whole_fraction(x).and_then(|(p, q)| Some((p.checked_neg()?, q))),
        Expr::Div(a, b) => {
            let (p1, q1) = whole_fraction(a)?;
            let (p2, q2) = whole_fraction(b)?;
            reduced(p1.checked_mul(q2)?, q1.checked_mul(p2)?)
        }
        _ => None,
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// `p/q` in lowest terms with a positive denominator; `None` for a zero denominator.
fn reduced(p: i128, q: i128) -> Option<(i128, i128)> {
    if q == 0 {
        return None;
    }
    let g = gcd(p, q);
    let (p, q) = (p.checked_div(g)?, q.checked_div(g)?);
    if q < 0 {
        Some((p.checked_neg()?, q.checked_neg()?))
    } else {
        Some((p, q))
    }
}

fn whole(n: i128) -> Option<Expr> {
    Decimal::new(n, 0).map(Expr::Num)
}

/// `p/q` as a formula: `2`, `\frac{2}{3}`, `−\frac{2}{3}`.
fn fraction_of_wholes(p: i128, q: i128) -> Option<Expr> {
    if q == 1 {
        return whole(p);
    }
    let magnitude = Expr::Div(Box::new(whole(p.checked_abs()?)?), Box::new(whole(q)?));
    Some(if p < 0 {
        Expr::Neg(Box::new(magnitude))
    } else {
        magnitude
    })
}

/// A numerator or denominator as a whole-number coefficient × the rest: `2a` → (2, a),
/// `−a` → (−1, a), `6` → (6, 1), `a` → (1, a).
fn whole_coefficient(e: &Expr) -> Option<(i128, Expr)> {
    match e {
        Expr::Num(d) => Some((d.as_integer()?, Expr::int(1))),
        Expr::Neg(x) => {
            let (c, rest) = whole_coefficient(x)?;
            Some((c.checked_neg()?, rest))
        }
        Expr::Mul(factors) => match factors.split_first() {
            Some((Expr::Num(d), rest)) => {
                Some((d.as_integer()?, single_or(rest.to_vec(), 1, Expr::Mul)))
            }
            _ => Some((1, e.clone())),
        },
        _ => Some((1, e.clone())),
    }
}

/// `c·rest` written back: `rest`, `−rest`, `c·rest`, or `c` when the rest is 1.
fn with_whole_coefficient(c: i128, rest: Expr) -> Option<Expr> {
    Some(match c {
        _ if rest.is_one() => whole(c)?,
        1 => rest,
        -1 => Expr::Neg(Box::new(rest)),
        _ => Expr::Mul(vec![whole(c)?, rest]),
    })
}

/// The rule table.
pub static RULES: &[Rule] = &[
    Rule {
        name: "flatten",
        apply: |e| match e {
            Expr::Add(terms) if terms.iter().any(|t| matches!(t, Expr::Add(_))) => Some(Expr::Add(
                terms
                    .iter()
                    .flat_map(|t| match t {
                        Expr::Add(inner) => inner.clone(),
                        other => vec![other.clone()],
                    })
                    .collect(),
            )),
            Expr::Mul(factors) if factors.iter().any(|f| matches!(f, Expr::Mul(_))) => {
                Some(Expr::Mul(
                    factors
                        .iter()
                        .flat_map(|f| match f {
                            Expr::Mul(inner) => inner.clone(),
                            other => vec![other.clone()],
                        })
                        .collect(),
                ))
            }
            _ => None,
        },
    },
    Rule {
        name: "zero term",
        apply: |e| match e {
            Expr::Add(terms) if terms.iter().any(Expr::is_zero) => Some(Expr::Add(
                terms.iter().filter(|t| !t.is_zero()).cloned().collect(),
            )),
            _ => None,
        },
    },
    Rule {
        name: "zero factor",
        apply: |e| match e {
            Expr::Mul(factors) if factors.iter().any(Expr::is_zero) => Some(Expr::int(0)),
            Expr::Div(a, _) if a.is_zero() => Some(Expr::int(0)),
            Expr::Neg(x) if x.is_zero() => Some(Expr::int(0)),
            Expr::Sum { body, .. } if body.is_zero() => Some(Expr::int(0)),
            _ => None,
        },
    },
    Rule {
        name: "unit factor",
        apply: |e| match e {
            Expr::Mul(factors) if factors.iter().any(Expr::is_one) => Some(Expr::Mul(
                factors.iter().filter(|f| !f.is_one()).cloned().collect(),
            )),
            Expr::Div(a, b) if b.is_one() => Some((**a).clone()),
            _ => None,
        },
    },
    Rule {
        name: "single term",
        apply: |e| match e {
            Expr::Add(terms) if terms.len() < 2 => Some(single_or(terms.clone(), 0, Expr::Add)),
            Expr::Mul(factors) if factors.len() < 2 => {
                Some(single_or(factors.clone(), 1, Expr::Mul))
            }
            _ => None,
        },
    },
    Rule {
        name: "fractions of whole numbers",
        apply: |e| {
            // 2·(1/6) → 1/3, (1/4)·2 → 1/2, 3·(1/3) → 1: whole numbers and their fractions
            // multiply as fractions in lowest terms, so that a coefficient such as
            // mean_squared's 2/K has one form (never 0.4 beside 2/3, nor 2/6).
            let Expr::Mul(factors) = e else { return None };
            fn is_fraction(f: &Expr) -> bool {
                match f {
                    Expr::Neg(x) => is_fraction(x),
                    Expr::Div(..) => whole_fraction(f).is_some(),
                    _ => false,
                }
            }
            let count = factors
                .iter()
                .filter(|f| whole_fraction(f).is_some())
                .count();
            if count < 2 || !factors.iter().any(is_fraction) {
                return None;
            }
            let (mut p, mut q) = (1i128, 1i128);
            for (p1, q1) in factors.iter().filter_map(whole_fraction) {
                (p, q) = reduced(p.checked_mul(p1)?, q.checked_mul(q1)?)?;
            }
            let mut rest: Vec<Expr> = factors
                .iter()
                .filter(|f| whole_fraction(f).is_none())
                .cloned()
                .collect();
            rest.insert(0, fraction_of_wholes(p, q)?);
            Some(single_or(rest, 1, Expr::Mul))
        },
    },
    Rule {
        name: "constant folding",
        apply: |e| match e {
            Expr::Add(terms) => fold(terms, Decimal::checked_add).map(|(c, mut rest)| {
                if !c.is_zero() {
                    rest.push(Expr::Num(c));
                }
                single_or(rest, 0, Expr::Add)
            }),
            Expr::Mul(factors) => match fold(factors, Decimal::checked_mul) {
                Some((c, mut rest)) => {
                    rest.insert(0, Expr::Num(c));
                    Some(single_or(rest, 1, Expr::Mul))
                }
                // A lone constant goes in front: `a·3·a` → `3·a·a`, `h'·(2/3)` → `(2/3)·h'`.
                None => {
                    let at = factors.iter().position(is_numeric).filter(|n| *n > 0)?;
                    let mut factors = factors.clone();
                    let constant = factors.remove(at);
                    factors.insert(0, constant);
                    Some(Expr::Mul(factors))
                }
            },
            Expr::Neg(x) => match **x {
                Expr::Num(d) => Some(Expr::Num(d.negated())),
                _ => None,
            },
            Expr::Pow(base, exponent) => {
                let n = constant(exponent)?.as_integer()?;
                constant(base)?.powi(i64::try_from(n).ok()?).map(Expr::Num)
            }
            _ => None,
        },
    },
    Rule {
        name: "double negation",
        apply: |e| match e {
            Expr::Neg(x) => match &**x {
                Expr::Neg(inner) => Some((**inner).clone()),
                _ => None,
            },
            _ => None,
        },
    },
    Rule {
        name: "sign out of product",
        apply: |e| {
            let Expr::Mul(factors) = e else { return None };
            let n = factors.iter().position(|f| match f {
                Expr::Neg(_) => true,
                Expr::Num(d) => d.is_negative(),
                _ => false,
            })?;
            let mut factors = factors.clone();
            factors[n] = match &factors[n] {
                Expr::Neg(x) => (**x).clone(),
                Expr::Num(d) => Expr::Num(d.negated()),
                other => other.clone(),
            };
            Some(Expr::Neg(Box::new(Expr::Mul(factors))))
        },
    },
    Rule {
        name: "first power",
        apply: |e| match e {
            Expr::Pow(base, exponent) if exponent.is_one() => Some((**base).clone()),
            Expr::Pow(_, exponent) if exponent.is_zero() => Some(Expr::int(1)),
            _ => None,
        },
    },
    Rule {
        name: "variable first",
        apply: |e| {
            // 2·exp(−a²)·a → 2a·exp(−a²): the variable goes right after the constants.
            let Expr::Mul(factors) = e else { return None };
            let is_var = |f: &Expr| match f {
                Expr::Var(_) => true,
                Expr::Pow(base, exponent) => {
                    matches!(**base, Expr::Var(_)) && is_constant(exponent)
                }
                _ => false,
            };
            let late = factors.iter().enumerate().position(|(n, f)| {
                is_var(f) && factors[..n].iter().any(|g| !is_numeric(g) && !is_var(g))
            })?;
            let mut factors = factors.clone();
            let var = factors.remove(late);
            let at = factors
                .iter()
                .position(|g| !is_numeric(g) && !is_var(g))
                .unwrap_or(0);
            factors.insert(at, var);
            Some(Expr::Mul(factors))
        },
    },
    Rule {
        name: "sign times a power of abs",
        apply: |e| {
            // |u|^n·u/|u| → |u|^(n−1)·u (n ≥ 1): the same where u ≠ 0, and at u = 0 the
            // limit of the left side, which has no value there.
            let Expr::Mul(factors) = e else { return None };
            let (s, p, n) = sign_beside(factors, abs)?;
            let u = sign_of(&factors[s])?.clone();
            let mut factors = factors.clone();
            factors[p] = Expr::pow(abs(&u), Expr::Num(n.checked_sub(Decimal::ONE)?));
            factors[s] = u;
            Some(Expr::Mul(factors))
        },
    },
    Rule {
        name: "sign times its argument",
        apply: |e| {
            // u^n·u/|u| → u^(n−1)·|u| (n ≥ 1): softsign's a·a/|a| is |a|.
            let Expr::Mul(factors) = e else { return None };
            let (s, p, n) = sign_beside(factors, Expr::clone)?;
            let u = sign_of(&factors[s])?.clone();
            let mut factors = factors.clone();
            factors[p] = Expr::pow(u.clone(), Expr::Num(n.checked_sub(Decimal::ONE)?));
            factors[s] = abs(&u);
            Some(Expr::Mul(factors))
        },
    },
    Rule {
        name: "sign squared",
        apply: |e| match e {
            // (u/|u|)·(u/|u|) → 1, (u/|u|)^2 → 1: a sign squared is 1 (and so is its limit).
            Expr::Mul(factors) => {
                let (s, t) = factors.iter().enumerate().find_map(|(s, f)| {
                    let u = sign_of(f)?;
                    let t = factors
                        .iter()
                        .enumerate()
                        .position(|(t, g)| t > s && sign_of(g) == Some(u))?;
                    Some((s, t))
                })?;
                let rest = factors
                    .iter()
                    .enumerate()
                    .filter(|(n, _)| *n != s && *n != t)
                    .map(|(_, f)| f.clone())
                    .collect();
                Some(single_or(rest, 1, Expr::Mul))
            }
            Expr::Pow(base, exponent) if sign_of(base).is_some() => {
                let n = constant(exponent)?.as_integer()?;
                Some(if n % 2 == 0 {
                    Expr::int(1)
                } else {
                    (**base).clone()
                })
            }
            _ => None,
        },
    },
    Rule {
        name: "like factors",
        apply: |e| {
            // x·x → x², x·x² → x³ (constants are folded elsewhere).
            let Expr::Mul(factors) = e else { return None };
            merge_like(
                factors,
                |f| match f {
                    _ if is_constant(f) => None,
                    Expr::Pow(base, exponent) => match constant(exponent) {
                        Some(n) => Some((n, (**base).clone())),
                        None => Some((Decimal::ONE, f.clone())),
                    },
                    other => Some((Decimal::ONE, other.clone())),
                },
                |total, base| Expr::pow(base, Expr::Num(total)),
                1,
                Expr::Mul,
            )
        },
    },
    Rule {
        name: "sum of terms",
        apply: |e| {
            // Σ_k (u_k + v_k) → Σ_k u_k + Σ_k v_k, so that each term can be contracted.
            let Expr::Sum { var, count, body } = e else {
                return None;
            };
            let Expr::Add(terms) = &**body else {
                return None;
            };
            terms
                .iter()
                .any(|t| without_kronecker(t, *var).is_some())
                .then(|| {
                    Expr::Add(
                        terms
                            .iter()
                            .map(|t| Expr::sum(*var, *count, t.clone()))
                            .collect(),
                    )
                })
        },
    },
    Rule {
        name: "like terms",
        apply: |e| {
            // 2x + 3x → 5x, x − x → 0
            let Expr::Add(terms) = e else { return None };
            merge_like(
                terms,
                |t| {
                    let (c, rest) = coefficient(t);
                    (!is_constant(&rest)).then_some((c, rest))
                },
                |total, rest| Expr::Mul(vec![Expr::Num(total), rest]),
                0,
                Expr::Add,
            )
        },
    },
    Rule {
        name: "fraction",
        apply: |e| {
            // t·(1/y) → t/y; a sign u/|u| stays beside the fraction, never inside it.
            let Expr::Mul(factors) = e else { return None };
            let n = factors.iter().position(
                |f| matches!(f, Expr::Div(num, den) if num.is_one() && !is_constant(den)),
            )?;
            let mut rest = factors.clone();
            let Expr::Div(_, denominator) = rest.remove(n) else {
                return None;
            };
            let (signs, rest): (Vec<Expr>, Vec<Expr>) =
                rest.into_iter().partition(|f| sign_of(f).is_some());
            if rest.is_empty() {
                return None;
            }
            let fraction = Expr::Div(Box::new(single_or(rest, 1, Expr::Mul)), denominator);
            Some(if signs.is_empty() {
                fraction
            } else {
                Expr::Mul([vec![fraction], signs].concat())
            })
        },
    },
    Rule {
        name: "product of fractions",
        apply: |e| {
            // (a/b)·(c/d) → (a·c)/(b·d), so that log-cosh's 2/(e^a+e^−a)·(e^a−e^−a)/2 is one
            // fraction whose 2s cancel. Coefficients such as 2/3 and signs u/|u| stay apart.
            let Expr::Mul(factors) = e else { return None };
            let joins = |f: &Expr| {
                matches!(f, Expr::Div(..)) && whole_fraction(f).is_none() && sign_of(f).is_none()
            };
            let first = factors.iter().position(joins)?;
            let second = first + 1 + factors[first + 1..].iter().position(joins)?;
            let (Expr::Div(a, b), Expr::Div(c, d)) = (&factors[first], &factors[second]) else {
                return None;
            };
            let joined = Expr::Div(
                Box::new(Expr::Mul(vec![(**a).clone(), (**c).clone()])),
                Box::new(Expr::Mul(vec![(**b).clone(), (**d).clone()])),
            );
            let mut factors = factors.clone();
            factors.remove(second);
            factors[first] = joined;
            Some(single_or(factors, 1, Expr::Mul))
        },
    },
    Rule {
        name: "constant fraction",
        apply: |e| {
            // (16 x)/16 → x, (6 x)/4 → 1.5 x
            let Expr::Div(num, den) = e else { return None };
            let c2 = constant(den)?;
            let (c1, rest) = coefficient(num);
            if is_constant(&rest) || c1.is_one() && !matches!(**num, Expr::Mul(_)) {
                return None;
            }
            let ratio = c1.checked_div(c2)?;
            Some(Expr::Mul(vec![Expr::Num(ratio), rest]))
        },
    },
    Rule {
        name: "nested fraction",
        apply: |e| {
            // (a/b)/c → a/(b·c), a/(b/c) → (a·c)/b, and so for a fraction among the factors
            // of either part: one fraction bar, as a teacher writes it. A sign u/|u| stays
            // whole (it is evaluated as the sign).
            let Expr::Div(num, den) = e else { return None };
            if let Some((p, q, others)) = inner_fraction(num) {
                let mut over = vec![q];
                over.push((**den).clone());
                return Some(Expr::Div(
                    Box::new(single_or([others, vec![p]].concat(), 1, Expr::Mul)),
                    Box::new(Expr::Mul(over)),
                ));
            }
            let (p, q, others) = inner_fraction(den)?;
            Some(Expr::Div(
                Box::new(Expr::Mul(vec![(**num).clone(), q])),
                Box::new(single_or([others, vec![p]].concat(), 1, Expr::Mul)),
            ))
        },
    },
    Rule {
        name: "common numeric factor",
        apply: |e| {
            // (2a)/(2·sqrt(u)) → a/sqrt(u), 2/6 → 1/3: whole-number factors that numerator
            // and denominator share are cancelled.
            let Expr::Div(num, den) = e else { return None };
            let (c1, rest1) = whole_coefficient(num)?;
            let (c2, rest2) = whole_coefficient(den)?;
            let g = gcd(c1, c2);
            if g <= 1 {
                return None;
            }
            let (c1, c2) = (c1.checked_div(g)?, c2.checked_div(g)?);
            let num = with_whole_coefficient(c1, rest1)?;
            let den = with_whole_coefficient(c2, rest2)?;
            Some(if den.is_one() {
                num
            } else {
                Expr::Div(Box::new(num), Box::new(den))
            })
        },
    },
    Rule {
        name: "equal cases",
        apply: |e| match e {
            Expr::Cases {
                positive,
                otherwise,
                ..
            } if positive == otherwise => Some((**positive).clone()),
            _ => None,
        },
    },
    Rule {
        name: "Kronecker delta",
        apply: |e| match e {
            Expr::Kron(Index::Num(a), Index::Num(b)) => Some(Expr::int(i64::from(a == b))),
            Expr::Kron(a, b) if a == b => Some(Expr::int(1)),
            _ => None,
        },
    },
    Rule {
        name: "Kronecker contraction",
        apply: |e| {
            let Expr::Sum { var, body, .. } = e else {
                return None;
            };
            let (rest, index) = without_kronecker(body, *var)?;
            Some(rest.with_index(*var, index))
        },
    },
];

/// The rules that only resolve Kronecker deltas of numbers and clean up after them: linear in
/// the size of the formula, for the rows with numbers of wide layers.
const RESOLVE: &[&str] = &[
    "flatten",
    "zero term",
    "zero factor",
    "unit factor",
    "single term",
    "Kronecker delta",
];

/// Resolves `δ_{11} → 1`, `δ_{21} → 0` and drops what they zero out, touching nothing else.
pub fn resolve_kronecker(e: &Expr) -> Expr {
    let rules: Vec<&Rule> = RULES.iter().filter(|r| RESOLVE.contains(&r.name)).collect();
    Rewriter::new(&rules, usize::MAX).rewrite(e)
}

/// Simplifies `e`, returning the result and the names of the rules that fired.
pub fn simplify(e: &Expr) -> (Expr, Vec<&'static str>) {
    let rules: Vec<&Rule> = RULES.iter().collect();
    let mut rewriter = Rewriter::new(&rules, usize::MAX);
    let result = rewriter.rewrite(e);
    (result, rewriter.used)
}

/// [`simplify`], or `None` when it would visit more than `work` nodes (a derivative that grew
/// too large to be worth simplifying).
pub fn simplify_within(e: &Expr, work: usize) -> Option<(Expr, Vec<&'static str>)> {
    let rules: Vec<&Rule> = RULES.iter().collect();
    let mut rewriter = Rewriter::new(&rules, work);
    let result = rewriter.rewrite(e);
    (!rewriter.exhausted).then_some((result, rewriter.used))
}

/// Applies rules bottom-up until none fires, counting the nodes it visits.
struct Rewriter<'r> {
    rules: &'r [&'r Rule],
    used: Vec<&'static str>,
    /// Node visits left.
    left: usize,
    /// The budget ran out: the rest is copied as it is, and the result is not used.
    exhausted: bool,
}

impl<'r> Rewriter<'r> {
    fn new(rules: &'r [&'r Rule], work: usize) -> Rewriter<'r> {
        Rewriter {
            rules,
            used: Vec::new(),
            left: work,
            exhausted: false,
        }
    }

    fn rewrite(&mut self, e: &Expr) -> Expr {
        if self.left == 0 {
            self.exhausted = true;
        }
        if self.exhausted {
            return e.clone();
        }
        self.left -= 1;
        let mut current = e.map_children(&mut |child| self.rewrite(child));
        'rewrite: loop {
            for rule in self.rules {
                if let Some(next) = (rule.apply)(&current) {
                    if !self.used.contains(&rule.name) {
                        self.used.push(rule.name);
                    }
                    current = next.map_children(&mut |child| self.rewrite(child));
                    if self.exhausted {
                        return current;
                    }
                    continue 'rewrite;
                }
            }
            return current;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::expr::{Func, Symbol};
    use Index::{Num, Var};

    fn x() -> Expr {
        Expr::Var("a")
    }

    macro_rules! simplifies {
        ($name:ident: $e:expr => $expected:literal) => {
            #[test]
            fn $name() {
                assert_eq!(simplify(&$e).0.to_string(), $expected);
            }
        };
    }

    simplifies!(drops_unit_factors: Expr::Mul(vec![Expr::int(1), x()]) => "a");
    simplifies!(drops_zero_terms: Expr::Add(vec![Expr::int(0), x()]) => "a");
    simplifies!(zero_factor_kills_product: Expr::Mul(vec![Expr::int(0), x()]) => "0");
    simplifies!(first_power: Expr::pow(x(), Expr::int(1)) => "a");
    simplifies!(double_negation: Expr::Neg(Box::new(Expr::Neg(Box::new(x())))) => "a");
    simplifies!(folds_half_times_two: Expr::Mul(vec![Expr::half(), Expr::int(2), x()]) => "a");
    simplifies!(folds_sums: Expr::Add(vec![Expr::int(2), x(), Expr::int(3)]) => "(+ a 5)");
    simplifies!(pulls_sign_out: Expr::Mul(vec![Expr::int(-1), x()]) => "(- a)");
    simplifies!(flattens_products: Expr::Mul(vec![x(), Expr::Mul(vec![Expr::int(3), Expr::Var("b")])]) => "(* 3 a b)");
    simplifies!(collects_like_factors: Expr::Mul(vec![x(), Expr::Mul(vec![Expr::int(3), x()])]) => "(* 3 (^ a 2))");
    simplifies!(collects_like_terms: Expr::Add(vec![x(), Expr::Mul(vec![Expr::int(3), x()]), Expr::Var("b")]) => "(+ (* 4 a) b)");
    simplifies!(contracts_each_term_of_a_sum:
        Expr::sum('k', 2, Expr::Add(vec![
            Expr::Mul(vec![Expr::Sym(Symbol::target(Var('k'))), Expr::Kron(Var('k'), Var('i'))]),
            Expr::Mul(vec![Expr::Sym(Symbol::out(2, Var('k'))), Expr::Kron(Var('k'), Var('i'))]),
        ])) => "(+ t_i z2_i)");
    simplifies!(divides_out_constants: Expr::Div(Box::new(Expr::Mul(vec![Expr::int(16), x()])), Box::new(Expr::int(16))) => "a");
    simplifies!(keeps_fractions_of_symbols: Expr::Div(Box::new(x()), Box::new(Expr::int(3))) => "(/ a 3)");
    simplifies!(cancels_like_terms: Expr::minus(x(), x()) => "0");
    simplifies!(contracts_through_a_fraction:
        Expr::sum('k', 2, Expr::Div(Box::new(Expr::Mul(vec![Expr::Sym(Symbol::target(Var('k'))), Expr::Kron(Var('k'), Var('i'))])), Box::new(Expr::Sym(Symbol::out(2, Var('k'))))))
        => "(/ t_i z2_i)");
    simplifies!(resolves_numeric_kronecker: Expr::Add(vec![Expr::Kron(Num(1), Num(1)), Expr::Kron(Num(1), Num(2))]) => "1");
    simplifies!(contracts_kronecker_in_sum:
        Expr::sum('j', 3, Expr::Mul(vec![Expr::Sym(Symbol::weight(2, Var('k'), Var('j'))), Expr::Kron(Var('j'), Var('i'))]))
        => "w2_ki");
    simplifies!(leaves_calls_alone:
        Expr::Mul(vec![Expr::int(1), Expr::deriv(Func::Act(1), Expr::Sym(Symbol::pre(1, Var('i'))))])
        => "(d act1 a1_i)");

    fn abs(u: Expr) -> Expr {
        Expr::call(Func::Abs, u)
    }
    fn sign(u: Expr) -> Expr {
        Expr::Div(Box::new(u.clone()), Box::new(abs(u)))
    }
    fn num(text: &str) -> Expr {
        Expr::Num(Decimal::parse(text).unwrap())
    }
    fn y_minus_t() -> Expr {
        Expr::minus(
            Expr::Sym(Symbol::out(1, Num(1))),
            Expr::Sym(Symbol::target(Num(1))),
        )
    }

    simplifies!(sign_times_a_square_of_abs:
        Expr::Mul(vec![Expr::int(3), Expr::pow(abs(y_minus_t()), Expr::int(2)), sign(y_minus_t())])
        => "(* 3 (abs (+ z1_1 (- t_1))) (+ z1_1 (- t_1)))");
    simplifies!(sign_times_abs:
        Expr::Mul(vec![sign(x()), abs(x())]) => "a");
    simplifies!(sign_times_a_fractional_power_of_abs:
        Expr::Mul(vec![num("2.5"), Expr::pow(abs(x()), num("1.5")), sign(x())])
        => "(* 2.5 a (^ (abs a) 0.5))");
    simplifies!(sign_beside_a_power_below_one_is_kept:
        Expr::Mul(vec![num("0.5"), Expr::pow(abs(x()), num("-0.5")), sign(x())])
        => "(* 0.5 (^ (abs a) -0.5) (/ a (abs a)))");
    simplifies!(sign_times_its_argument:
        Expr::Mul(vec![x(), sign(x())]) => "(abs a)");
    simplifies!(sign_times_a_power_of_its_argument:
        Expr::Mul(vec![Expr::pow(x(), Expr::int(3)), sign(x())]) => "(* (^ a 2) (abs a))");
    simplifies!(softsign_numerator_is_one:
        Expr::Add(vec![Expr::int(1), abs(x()), Expr::Neg(Box::new(Expr::Mul(vec![x(), sign(x())])))])
        => "1");
    simplifies!(sign_squared:
        Expr::Mul(vec![sign(x()), Expr::Var("b"), sign(x())]) => "b");
    simplifies!(sign_to_a_power:
        Expr::Add(vec![Expr::pow(sign(x()), Expr::int(2)), Expr::pow(sign(x()), Expr::int(3))])
        => "(+ 1 (/ a (abs a)))");
    simplifies!(signs_of_different_arguments_stay:
        Expr::Mul(vec![sign(x()), abs(Expr::Var("b"))]) => "(* (/ a (abs a)) (abs b))");

    fn div(a: Expr, b: Expr) -> Expr {
        Expr::Div(Box::new(a), Box::new(b))
    }
    fn exp(u: Expr) -> Expr {
        Expr::call(Func::Exp, u)
    }
    fn neg(u: Expr) -> Expr {
        Expr::Neg(Box::new(u))
    }
    fn sqrt_one_plus_a_squared() -> Expr {
        Expr::call(
            Func::Sqrt,
            Expr::Add(vec![Expr::int(1), Expr::pow(x(), Expr::int(2))]),
        )
    }

    /// A rewrite as s-expressions on both sides, and the rule that made it.
    macro_rules! rewrites {
        ($name:ident: $e:expr, $before:literal => $after:literal by $rule:literal) => {
            #[test]
            fn $name() {
                let e = $e;
                assert_eq!(e.to_string(), $before);
                let (simple, used) = simplify(&e);
                assert_eq!(simple.to_string(), $after);
                assert!(used.contains(&$rule), "{used:?}");
            }
        };
    }

    rewrites!(cancels_a_common_numeric_factor:
        div(Expr::Mul(vec![Expr::int(2), x()]), Expr::Mul(vec![Expr::int(2), sqrt_one_plus_a_squared()])),
        "(/ (* 2 a) (* 2 (sqrt (+ 1 (^ a 2)))))" => "(/ a (sqrt (+ 1 (^ a 2))))" by "common numeric factor");
    rewrites!(cancels_the_greatest_common_factor_only:
        div(Expr::Mul(vec![Expr::int(4), x()]), Expr::Mul(vec![Expr::int(6), Expr::Var("b")])),
        "(/ (* 4 a) (* 6 b))" => "(/ (* 2 a) (* 3 b))" by "common numeric factor");
    rewrites!(cancels_into_a_whole_denominator:
        div(Expr::Mul(vec![Expr::int(6), x()]), Expr::Mul(vec![Expr::int(3), Expr::Var("b")])),
        "(/ (* 6 a) (* 3 b))" => "(/ (* 2 a) b)" by "common numeric factor");
    rewrites!(cancels_a_negated_numerator:
        div(neg(Expr::Mul(vec![Expr::int(2), x()])), Expr::Mul(vec![Expr::int(2), Expr::Var("b")])),
        "(/ (- (* 2 a)) (* 2 b))" => "(/ (- a) b)" by "common numeric factor");
    rewrites!(reduces_a_fraction_of_whole_numbers:
        div(Expr::int(2), Expr::int(6)), "(/ 2 6)" => "(/ 1 3)" by "common numeric factor");
    simplifies!(keeps_coprime_factors:
        div(Expr::Mul(vec![Expr::int(3), x()]), Expr::Mul(vec![Expr::int(2), Expr::Var("b")])) => "(/ (* 3 a) (* 2 b))");
    rewrites!(collapses_a_fraction_over_a_fraction:
        div(div(x(), Expr::int(2)), div(Expr::Var("b"), Expr::int(2))),
        "(/ (/ a 2) (/ b 2))" => "(/ a b)" by "nested fraction");
    rewrites!(collapses_a_fraction_in_the_numerator:
        div(div(x(), Expr::Var("b")), Expr::Var("c")),
        "(/ (/ a b) c)" => "(/ a (* b c))" by "nested fraction");
    rewrites!(collapses_a_fraction_in_the_denominator:
        div(x(), div(Expr::Var("b"), Expr::Var("c"))),
        "(/ a (/ b c))" => "(/ (* a c) b)" by "nested fraction");
    rewrites!(joins_a_product_of_fractions:
        Expr::Mul(vec![div(Expr::int(2), Expr::Var("b")), div(x(), Expr::int(2))]),
        "(* (/ 2 b) (/ a 2))" => "(/ a b)" by "product of fractions");
    simplifies!(keeps_a_sign_beside_a_fraction:
        Expr::Mul(vec![div(Expr::int(1), Expr::Var("b")), sign(x())]) => "(* (/ 1 b) (/ a (abs a)))");
    rewrites!(keeps_a_sign_out_of_a_fraction:
        Expr::Mul(vec![Expr::int(3), div(Expr::int(1), Expr::Var("b")), sign(x())]),
        "(* 3 (/ 1 b) (/ a (abs a)))" => "(* (/ 3 b) (/ a (abs a)))" by "fraction");
    simplifies!(keeps_a_sign_whole_within_a_fraction:
        div(Expr::Mul(vec![Expr::int(3), sign(x())]), div(Expr::Var("b"), Expr::int(2))) => "(/ (* 6 (/ a (abs a))) b)");
    simplifies!(keeps_a_coefficient_beside_a_fraction:
        Expr::Mul(vec![div(Expr::int(2), Expr::int(3)), div(x(), Expr::Var("b"))]) => "(* (/ 2 3) (/ a b))");
    rewrites!(folds_whole_numbers_and_fractions:
        Expr::Mul(vec![Expr::int(2), div(Expr::int(1), Expr::int(3)), x()]),
        "(* 2 (/ 1 3) a)" => "(* (/ 2 3) a)" by "fractions of whole numbers");
    rewrites!(reduces_the_folded_fraction:
        Expr::Mul(vec![div(Expr::int(1), Expr::int(6)), Expr::int(2), x()]),
        "(* (/ 1 6) 2 a)" => "(* (/ 1 3) a)" by "fractions of whole numbers");
    rewrites!(keeps_a_fraction_that_is_a_short_decimal:
        Expr::Mul(vec![div(Expr::int(1), Expr::int(5)), Expr::int(2), x()]),
        "(* (/ 1 5) 2 a)" => "(* (/ 2 5) a)" by "fractions of whole numbers");
    rewrites!(folds_a_fraction_to_a_whole_number:
        Expr::Mul(vec![div(Expr::int(1), Expr::int(2)), Expr::int(2), x()]),
        "(* (/ 1 2) 2 a)" => "a" by "fractions of whole numbers");
    rewrites!(folds_a_negated_fraction:
        Expr::Mul(vec![neg(div(Expr::int(1), Expr::int(4))), Expr::int(2), x()]),
        "(* (- (/ 1 4)) 2 a)" => "(- (* (/ 1 2) a))" by "fractions of whole numbers");
    rewrites!(puts_a_fraction_in_front:
        Expr::Mul(vec![x(), div(Expr::int(2), Expr::int(3))]),
        "(* a (/ 2 3))" => "(* (/ 2 3) a)" by "constant folding");
    simplifies!(folds_decimals_as_decimals:
        Expr::Mul(vec![div(Expr::int(1), Expr::int(2)), num("0.3"), x()]) => "(* 0.15 a)");

    #[test]
    fn the_derivative_of_sqrt_one_plus_a_squared_has_no_common_factor() {
        let derivative = crate::math::diff::derivative_in_arg(&sqrt_one_plus_a_squared()).unwrap();
        assert_eq!(derivative.to_string(), "(/ a (sqrt (+ 1 (^ a 2))))");
    }

    #[test]
    fn the_derivative_of_log_cosh_is_one_fraction() {
        // log((e^a + e^−a)/2)' = (e^a − e^−a)/(e^a + e^−a), not a fraction of halves.
        let log_cosh = Expr::call(
            Func::Log,
            div(Expr::Add(vec![exp(x()), exp(neg(x()))]), Expr::int(2)),
        );
        let derivative = crate::math::diff::derivative_in_arg(&log_cosh).unwrap();
        assert_eq!(
            derivative.to_string(),
            "(/ (+ (exp a) (- (exp (- a)))) (+ (exp a) (exp (- a))))"
        );
    }

    #[test]
    fn the_derivative_of_softsign_is_one_over_a_square() {
        let softsign = Expr::Div(
            Box::new(x()),
            Box::new(Expr::Add(vec![Expr::int(1), abs(x())])),
        );
        let derivative = crate::math::diff::derivative_in_arg(&softsign).unwrap();
        assert_eq!(derivative.to_string(), "(/ 1 (^ (+ 1 (abs a)) 2))");
    }

    #[test]
    fn simplifying_within_a_budget_stops_when_it_runs_out() {
        let e = Expr::Mul(vec![
            Expr::int(1),
            Expr::Add(vec![Expr::int(0), x(), Expr::Mul(vec![x(), x()])]),
        ]);
        let unbounded = simplify(&e);
        assert_eq!(simplify_within(&e, 1000), Some(unbounded));
        assert_eq!(simplify_within(&e, 3), None);
    }

    #[test]
    fn reports_rules_used() {
        let (_, used) = simplify(&Expr::Mul(vec![
            Expr::int(1),
            Expr::Add(vec![Expr::int(0), x()]),
        ]));
        assert_eq!(used, ["zero term", "single term", "unit factor"]);
    }
}
