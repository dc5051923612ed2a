//! The symbolic differentiator.
//!
//! Differentiation is a table of named rules ([`RULES`]), tried in order; the first that
//! matches a node produces its derivative and may recurse into the children. The names of the
//! rules used are recorded, so that a step of the worked solution can say how it was obtained.
//! Results are raw (full of `0·x` and `δ_{jk}`); `simplify` makes them readable.

use crate::expr::{Expr, Func, Index};
use crate::functions::{Activation, ARG};

/// One differentiation rule: its name, and how it differentiates the nodes it matches.
pub struct Rule {
    pub name: &'static str,
    apply: fn(&Expr, &mut Differentiator) -> Option<Result<Expr, Unsupported>>,
}

/// A node the differentiator has no rule for (a derivative of a derivative, for instance).
#[derive(Clone, Debug, PartialEq)]
pub struct Unsupported(pub String);

/// Differentiates formulas with respect to one leaf (a network symbol or a bound variable).
pub struct Differentiator<'a> {
    wrt: &'a Expr,
    activations: &'a dyn Fn(u32) -> Option<&'static Activation>,
    /// The rules used so far, in order of first use.
    pub used: Vec<&'static str>,
}

/// Index letters for renaming bound indices.
const FRESH: &[char] = &['m', 'n', 'p', 'q', 'r', 's', 'u', 'v'];

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// The rule table. Order matters only in that leaves come first.
pub static RULES: &[Rule] = &[
    Rule {
        name: "constant rule",
        apply: |e, _| {
            matches!(e, Expr::Num(_) | Expr::Val(_) | Expr::Kron(..)).then(|| Ok(Expr::int(0)))
        },
    },
    Rule {
        name: "variable rule",
        apply: |e, d| match (e, d.wrt) {
            (Expr::Var(a), Expr::Var(b)) => Some(Ok(Expr::int(i64::from(a == b)))),
            (Expr::Var(_), _) => Some(Ok(Expr::int(0))),
            (Expr::Sym(s), Expr::Sym(w)) => {
                if s.kind != w.kind || s.layer != w.layer || s.indices.len() != w.indices.len() {
                    return Some(Ok(Expr::int(0)));
                }
                // ∂w_{ij}/∂w_{kl} = δ_{ik} δ_{jl}: the Kronecker deltas say when they are one.
                let deltas: Vec<Expr> = s
                    .indices
                    .iter()
                    .zip(&w.indices)
                    .map(|(a, b)| Expr::Kron(*a, *b))
                    .collect();
                Some(Ok(Expr::Mul(deltas)))
            }
            (Expr::Sym(_), _) => Some(Ok(Expr::int(0))),
            _ => None,
        },
    },
    Rule {
        name: "sum rule",
        apply: |e, d| match e {
            Expr::Add(terms) => Some(
                terms
                    .iter()
                    .map(|t| d.diff(t))
                    .collect::<Result<_, _>>()
                    .map(Expr::Add),
            ),
            Expr::Sum { var, count, body } => {
                // A bound index that is also an index of the variable is renamed first:
                // ∂/∂w_{ij} Σ_j w_{ij} z_j must not confuse the two j's.
                let (var, body) = match d.wrt {
                    Expr::Sym(w) if w.indices.contains(&Index::Var(*var)) => {
                        let fresh = FRESH
                            .iter()
                            .copied()
                            .find(|c| !w.indices.contains(&Index::Var(*c)) && !body.uses_index(*c))
                            .unwrap_or(*var);
                        (fresh, body.with_index(*var, Index::Var(fresh)))
                    }
                    _ => (*var, (**body).clone()),
                };
                Some(d.diff(&body).map(|b| Expr::sum(var, *count, b)))
            }
            Expr::Neg(x) => Some(d.diff(x).map(|x| Expr::Neg(boxed(x)))),
            _ => None,
        },
    },
    Rule {
        name: "product rule",
        apply: |e, d| {
            let Expr::Mul(factors) = e else { return None };
            let mut terms = Vec::with_capacity(factors.len());
            for (n, factor) in factors.iter().enumerate() {
                let derivative = match d.diff(factor) {
                    Ok(x) => x,
                    Err(err) => return Some(Err(err)),
                };
                let mut term = factors.clone();
                term[n] = derivative;
                terms.push(Expr::Mul(term));
            }
            Some(Ok(Expr::Add(terms)))
        },
    },
    Rule {
        name: "quotient rule",
        apply: |e, d| {
            let Expr::Div(u, v) = e else { return None };
            Some((|| {
                let (du, dv) = (d.diff(u)?, d.diff(v)?);
                // (u'v − uv') / v²
                Ok(Expr::Div(
                    boxed(Expr::minus(
                        Expr::Mul(vec![du, (**v).clone()]),
                        Expr::Mul(vec![(**u).clone(), dv]),
                    )),
                    boxed(Expr::pow((**v).clone(), Expr::int(2))),
                ))
            })())
        },
    },
    Rule {
        name: "power rule",
        apply: |e, d| {
            let Expr::Pow(u, n) = e else { return None };
            let Expr::Num(n) = **n else { return None };
            Some(d.diff(u).map(|du| {
                let lower = n.checked_sub(crate::number::Decimal::ONE).map(Expr::Num);
                // n·u^(n−1)·u'
                Expr::Mul(vec![
                    Expr::Num(n),
                    Expr::pow(
                        (**u).clone(),
                        lower.unwrap_or_else(|| Expr::minus(Expr::Num(n), Expr::int(1))),
                    ),
                    du,
                ])
            }))
        },
    },
    Rule {
        name: "general power rule",
        apply: |e, d| {
            let Expr::Pow(u, v) = e else { return None };
            Some((|| {
                let (du, dv) = (d.diff(u)?, d.diff(v)?);
                // u^v (v' log u + v u'/u)
                Ok(Expr::Mul(vec![
                    e.clone(),
                    Expr::Add(vec![
                        Expr::Mul(vec![dv, Expr::call(Func::Log, (**u).clone())]),
                        Expr::Mul(vec![(**v).clone(), Expr::Div(boxed(du), u.clone())]),
                    ]),
                ]))
            })())
        },
    },
    Rule {
        name: "chain rule",
        apply: |e, d| {
            let Expr::Call(f, u) = e else { return None };
            Some(d.diff(u).map(|du| {
                let outer = match f {
                    Func::Act(layer) => match (d.activations)(*layer) {
                        // A constant derivative (identity: 1) is written as that constant.
                        Some(act) => act
                            .constant_derivative(*f)
                            .unwrap_or_else(|| Expr::deriv(*f, (**u).clone())),
                        None => Expr::deriv(*f, (**u).clone()),
                    },
                    Func::Exp => Expr::call(Func::Exp, (**u).clone()),
                    Func::Log => Expr::Div(boxed(Expr::int(1)), u.clone()),
                };
                Expr::Mul(vec![outer, du])
            }))
        },
    },
];

impl<'a> Differentiator<'a> {
    /// A differentiator with respect to `wrt`, a [`Expr::Sym`] or [`Expr::Var`].
    pub fn new(wrt: &'a Expr, activations: &'a dyn Fn(u32) -> Option<&'static Activation>) -> Self {
        Differentiator {
            wrt,
            activations,
            used: Vec::new(),
        }
    }

    /// The raw derivative of `e`.
    pub fn diff(&mut self, e: &Expr) -> Result<Expr, Unsupported> {
        let mark = self.used.len();
        for rule in RULES {
            if let Some(result) = (rule.apply)(e, self) {
                // Recorded in order of first use: before the rules its children needed.
                if !self.used.contains(&rule.name) {
                    self.used.insert(mark, rule.name);
                }
                return result;
            }
        }
        Err(Unsupported(format!("no differentiation rule for {e}")))
    }
}

/// `d/d(wrt) e`, simplified, with the names of the rules used.
pub fn derivative(
    e: &Expr,
    wrt: &Expr,
    activations: &dyn Fn(u32) -> Option<&'static Activation>,
) -> Result<(Expr, Vec<&'static str>), Unsupported> {
    let mut d = Differentiator::new(wrt, activations);
    let raw = d.diff(e)?;
    let (simple, mut used) = crate::simplify::simplify(&raw);
    let mut rules = d.used;
    rules.append(&mut used);
    Ok((simple, rules))
}

/// Derivative of a one-argument formula in [`ARG`] (an activation's definition).
pub fn derivative_in_arg(e: &Expr) -> Result<Expr, Unsupported> {
    derivative(e, &Expr::Var(ARG), &|_| None).map(|(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{eval, Env};
    use crate::expr::Index::{Num, Var};
    use crate::expr::Symbol;
    use crate::functions::{self, ACTIVATIONS};
    use crate::number::Value;
    use proptest::prelude::*;

    struct NoSymbols(&'static Activation);

    impl Env for NoSymbols {
        fn symbol(&self, _: &Symbol) -> Option<Value> {
            None
        }
        fn activation(&self, _: u32) -> Option<&'static Activation> {
            Some(self.0)
        }
    }

    fn at(e: &Expr, a: f64, act: &'static Activation) -> f64 {
        eval(&e.bind(ARG, &Expr::Val(Value::approx(a))), &NoSymbols(act))
            .unwrap()
            .f
    }

    fn central_difference(e: &Expr, a: f64, act: &'static Activation) -> f64 {
        let h = 1e-6 * a.abs().max(1.0);
        (at(e, a + h, act) - at(e, a - h, act)) / (2.0 * h)
    }

    macro_rules! derives {
        ($name:ident: $e:expr, wrt $wrt:expr => $expected:literal) => {
            #[test]
            fn $name() {
                let acts = |_| functions::activation("sigmoid");
                let (d, _) = derivative(&$e, &$wrt, &acts).unwrap();
                assert_eq!(d.to_string(), $expected);
            }
        };
    }

    fn sym(s: Symbol) -> Expr {
        Expr::Sym(s)
    }

    derives!(weight_picks_its_input:
        Expr::sum('j', 3, Expr::Mul(vec![sym(Symbol::weight(1, Var('i'), Var('j'))), sym(Symbol::out(0, Var('j')))])),
        wrt sym(Symbol::weight(1, Var('i'), Var('j'))) => "z0_j");
    derives!(input_picks_its_weight:
        Expr::sum('j', 2, Expr::Mul(vec![sym(Symbol::weight(2, Var('k'), Var('j'))), sym(Symbol::out(1, Var('j')))])),
        wrt sym(Symbol::out(1, Var('i'))) => "w2_ki");
    derives!(other_unit_gives_zero:
        sym(Symbol::weight(2, Num(1), Num(2))),
        wrt sym(Symbol::weight(2, Num(2), Num(2))) => "0");
    derives!(half_square_gives_difference:
        Expr::Mul(vec![Expr::half(), Expr::sum('k', 2, Expr::pow(
            Expr::minus(sym(Symbol::out(2, Var('k'))), sym(Symbol::target(Var('k')))), Expr::int(2)))]),
        wrt sym(Symbol::out(2, Var('i'))) => "(+ z2_i (- t_i))");
    derives!(activation_gives_named_derivative:
        Expr::call(Func::Act(1), sym(Symbol::pre(1, Var('i')))),
        wrt sym(Symbol::pre(1, Var('i'))) => "(d act1 a1_i)");

    #[test]
    fn identity_derivative_is_the_constant_one() {
        let acts = |_| functions::activation("identity");
        let e = Expr::call(Func::Act(2), sym(Symbol::pre(2, Var('i'))));
        let (d, rules) = derivative(&e, &sym(Symbol::pre(2, Var('i'))), &acts).unwrap();
        assert_eq!(d.to_string(), "1");
        assert!(rules.contains(&"chain rule"));
    }

    #[test]
    fn records_the_rules_it_used() {
        let e = Expr::Mul(vec![Expr::Var(ARG), Expr::call(Func::Exp, Expr::Var(ARG))]);
        let mut d = Differentiator::new(&Expr::Var(ARG), &|_| None);
        d.diff(&e).unwrap();
        assert_eq!(d.used, ["product rule", "variable rule", "chain rule"]);
    }

    proptest! {
        /// Every built-in activation's stated derivative matches its definition, both
        /// differentiated symbolically and by central finite differences.
        #[test]
        fn table_derivatives_match_finite_differences(a in -6.0f64..6.0, n in 0..ACTIVATIONS.len()) {
            let act = &ACTIVATIONS[n];
            let definition = (act.definition)();
            let stated = (act.derivative)(Func::Act(1));
            let symbolic = derivative_in_arg(&definition).unwrap();
            let fd = central_difference(&definition, a, act);
            let tolerance = 1e-6 * fd.abs().max(1.0);
            prop_assert!((at(&stated, a, act) - fd).abs() < tolerance);
            prop_assert!((at(&symbolic, a, act) - fd).abs() < tolerance);
        }

        /// Random compositions of the rules agree with finite differences.
        #[test]
        fn composed_formulas_match_finite_differences(a in 0.1f64..3.0, shape in 0u8..6, c in 1i64..4) {
            let x = || Expr::Var(ARG);
            let e = match shape {
                0 => Expr::pow(Expr::Add(vec![x(), Expr::int(c)]), Expr::int(3)),
                1 => Expr::Div(boxed(Expr::call(Func::Exp, x())), boxed(Expr::Add(vec![x(), Expr::int(c)]))),
                2 => Expr::Mul(vec![x(), Expr::call(Func::Log, Expr::Mul(vec![Expr::int(c), x()]))]),
                3 => Expr::pow(x(), x()),
                4 => Expr::Neg(boxed(Expr::call(Func::Exp, Expr::Neg(boxed(Expr::pow(x(), Expr::int(2))))))),
                _ => Expr::sum('k', 3, Expr::Mul(vec![Expr::int(c), x(), x()])),
            };
            let act = &ACTIVATIONS[0];
            let symbolic = derivative_in_arg(&e).unwrap();
            let fd = central_difference(&e, a, act);
            prop_assert!((at(&symbolic, a, act) - fd).abs() < 1e-6 * fd.abs().max(1.0),
                "{e} → {symbolic}: {} vs {fd}", at(&symbolic, a, act));
        }
    }
}
