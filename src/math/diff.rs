//! The symbolic differentiator.
//!
//! Differentiation is a table of named rules ([`RULES`]), tried in order; the first that
//! matches a node produces its derivative and may recurse into the children. The names of the
//! rules used are recorded, so that a step of the worked solution can say how it was obtained.
//! Results are raw (full of `0·x` and `δ_{jk}`); `simplify` makes them readable.
//!
//! Derivatives can grow much faster than the formula (`a^a^…^a`, nested `sin`, long
//! products), so every derivative is made within a budget: the result at each node may have at
//! most [`MAX_DERIVATIVE_TERMS`] terms, and simplifying it may take a bounded amount of work.
//! Beyond either, differentiation stops with [`Failure::TooLarge`] instead of running for
//! minutes.

use crate::math::expr::{Expr, Func, Index, Symbol};
use crate::math::functions::{Activation, Loss, Shape, ARG};

/// One differentiation rule: its name, and how it differentiates the nodes it matches.
pub struct Rule {
    pub name: &'static str,
    apply: fn(&Expr, &mut Differentiator) -> Option<Result<Expr, Failure>>,
}

/// How many terms (nodes) a derivative may have, at any node while it is made.
pub const MAX_DERIVATIVE_TERMS: usize = 2000;

/// How many node visits simplifying a derivative of [`MAX_DERIVATIVE_TERMS`] terms may take,
/// per term of the limit.
const SIMPLIFY_WORK_PER_TERM: usize = 100;

/// Why a formula has no derivative here.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// A node the differentiator has no rule for (a derivative of a derivative, for instance).
    Unsupported(String),
    /// The derivative has more terms than the budget allows.
    TooLarge { limit: usize },
}

/// What the differentiator needs to know of the network: each layer's activation and width.
pub trait Layers {
    fn activation(&self, layer: u32) -> Option<&Activation>;
    fn units(&self, layer: u32) -> u32;
}

/// No network: for formulas in a bound variable only (an activation's definition).
pub struct NoLayers;

impl Layers for NoLayers {
    fn activation(&self, _: u32) -> Option<&Activation> {
        None
    }
    fn units(&self, _: u32) -> u32 {
        0
    }
}

/// Differentiates formulas with respect to one leaf (a network symbol or a bound variable).
pub struct Differentiator<'a> {
    wrt: &'a Expr,
    layers: &'a dyn Layers,
    /// The rules used so far, in order of first use.
    pub used: Vec<&'static str>,
    /// The most terms a derivative at any node may have.
    limit: usize,
}

/// The derivatives of the elementary functions, `f'(u)`.
/// `f'(u)` as a formula in `u`.
pub type ElementaryRule = fn(Expr) -> Expr;

pub static ELEMENTARY: &[(Func, ElementaryRule)] = &[
    (Func::Exp, |u| Expr::call(Func::Exp, u)),
    (Func::Log, |u| Expr::Div(boxed(Expr::int(1)), boxed(u))),
    (Func::Sqrt, |u| {
        Expr::Div(
            boxed(Expr::int(1)),
            boxed(Expr::Mul(vec![Expr::int(2), Expr::call(Func::Sqrt, u)])),
        )
    }),
    (Func::Tanh, |u| {
        Expr::minus(
            Expr::int(1),
            Expr::pow(Expr::call(Func::Tanh, u), Expr::int(2)),
        )
    }),
    (Func::Sigmoid, |u| {
        Expr::Mul(vec![
            Expr::call(Func::Sigmoid, u.clone()),
            Expr::minus(Expr::int(1), Expr::call(Func::Sigmoid, u)),
        ])
    }),
    (Func::Softplus, |u| Expr::call(Func::Sigmoid, u)),
    (Func::Sin, |u| Expr::call(Func::Cos, u)),
    (Func::Cos, |u| Expr::Neg(boxed(Expr::call(Func::Sin, u)))),
    (Func::Abs, |u| {
        Expr::Div(boxed(u.clone()), boxed(Expr::call(Func::Abs, u)))
    }),
];

/// `∂y_k/∂a_m` of a softmax layer: `y_k(δ_{km} − y_m)`.
fn softmax_jacobian(y_k: &Symbol, m: Index) -> Expr {
    let mut y_m = y_k.clone();
    y_m.indices = smallvec::smallvec![m];
    Expr::Mul(vec![
        Expr::Sym(y_k.clone()),
        Expr::Add(vec![
            Expr::Kron(y_k.indices[0], m),
            Expr::Neg(boxed(Expr::Sym(y_m))),
        ]),
    ])
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
                let mut deltas: Vec<Expr> = s
                    .indices
                    .iter()
                    .zip(&w.indices)
                    .map(|(a, b)| Expr::Kron(*a, *b))
                    .collect();
                match (s.sample, w.sample) {
                    (Some(a), Some(b)) => deltas.push(Expr::Kron(a, b)),
                    (None, None) => {}
                    _ => return Some(Ok(Expr::int(0))),
                }
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
                // A constant divisor: (u/c)' = u'/c.
                let simple = crate::math::simplify::simplify_within(&dv, d.work())
                    .ok_or(Failure::TooLarge { limit: d.limit })?;
                if simple.0.is_zero() {
                    return Ok(Expr::Div(boxed(du), v.clone()));
                }
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
                let lower = n
                    .checked_sub(crate::math::number::Decimal::ONE)
                    .map(Expr::Num);
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
        name: "softmax rule",
        apply: |e, d| {
            // y_k = softmax(a)_k depends on every a_m of its layer:
            // ∂y_k/∂x = Σ_m y_k(δ_{km} − y_m) ∂a_m/∂x.
            let Expr::Call(Func::Act(layer), u) = e else {
                return None;
            };
            let act = d.layers.activation(*layer)?;
            if act.shape != Shape::Softmax {
                return None;
            }
            let Expr::Sym(a_k) = &**u else { return None };
            let y_k = Symbol::out(*layer, a_k.indices[0]).at(a_k.sample);
            let m = FRESH
                .iter()
                .copied()
                .find(|c| !e.uses_index(*c) && !d.wrt.uses_index(*c))
                .unwrap_or('m');
            let mut a_m = a_k.clone();
            a_m.indices = smallvec::smallvec![Index::Var(m)];
            Some(d.diff(&Expr::Sym(a_m)).map(|da| {
                Expr::sum(
                    m,
                    d.layers.units(*layer),
                    Expr::Mul(vec![softmax_jacobian(&y_k, Index::Var(m)), da]),
                )
            }))
        },
    },
    Rule {
        name: "chain rule",
        apply: |e, d| {
            let Expr::Call(f, u) = e else { return None };
            Some(d.diff(u).map(|du| {
                let outer = match f {
                    Func::Act(layer) => match d.layers.activation(*layer) {
                        // A constant derivative (identity: 1) is written as that constant.
                        Some(act) => act
                            .constant_derivative()
                            .unwrap_or_else(|| Expr::deriv(*f, (**u).clone())),
                        None => Expr::deriv(*f, (**u).clone()),
                    },
                    Func::Own => Expr::deriv(*f, (**u).clone()),
                    elementary => ELEMENTARY
                        .iter()
                        .find(|(g, _)| g == elementary)
                        .map_or_else(
                            || Expr::deriv(*f, (**u).clone()),
                            |(_, rule)| rule((**u).clone()),
                        ),
                };
                Expr::Mul(vec![outer, du])
            }))
        },
    },
    Rule {
        name: "piecewise rule",
        apply: |e, d| {
            // Differentiated piece by piece; at the kink the `otherwise` piece's derivative
            // counts (relu'(0) = 0).
            let Expr::Cases {
                arg,
                positive,
                otherwise,
            } = e
            else {
                return None;
            };
            Some((|| {
                Ok(Expr::Cases {
                    arg: arg.clone(),
                    positive: boxed(d.diff(positive)?),
                    otherwise: boxed(d.diff(otherwise)?),
                })
            })())
        },
    },
];

impl<'a> Differentiator<'a> {
    /// A differentiator with respect to `wrt`, a [`Expr::Sym`] or [`Expr::Var`].
    #[cfg(test)]
    pub fn new(wrt: &'a Expr, layers: &'a dyn Layers) -> Self {
        Differentiator::within(wrt, layers, MAX_DERIVATIVE_TERMS)
    }

    /// A differentiator whose derivatives may have at most `limit` terms at any node.
    pub fn within(wrt: &'a Expr, layers: &'a dyn Layers, limit: usize) -> Self {
        Differentiator {
            wrt,
            layers,
            used: Vec::new(),
            limit,
        }
    }

    /// The simplifier's budget for derivatives within this differentiator's limit.
    fn work(&self) -> usize {
        self.limit.saturating_mul(SIMPLIFY_WORK_PER_TERM)
    }

    /// The raw derivative of `e`.
    pub fn diff(&mut self, e: &Expr) -> Result<Expr, Failure> {
        let mark = self.used.len();
        for rule in RULES {
            if let Some(result) = (rule.apply)(e, self) {
                // Recorded in order of first use: before the rules its children needed.
                if !self.used.contains(&rule.name) {
                    self.used.insert(mark, rule.name);
                }
                // Counted as soon as it is built, so that a derivative too large is refused
                // before its parent copies it again.
                let result = result?;
                if result.size_within(self.limit).is_none() {
                    return Err(Failure::TooLarge { limit: self.limit });
                }
                return Ok(result);
            }
        }
        Err(Failure::Unsupported(format!(
            "no differentiation rule for {e}"
        )))
    }
}

/// `d/d(wrt) e`, simplified, with the names of the rules used; within
/// [`MAX_DERIVATIVE_TERMS`].
pub fn derivative(
    e: &Expr,
    wrt: &Expr,
    layers: &dyn Layers,
) -> Result<(Expr, Vec<&'static str>), Failure> {
    derivative_within(e, wrt, layers, MAX_DERIVATIVE_TERMS)
}

/// ∂E_n/∂y_q, the per-sample loss by one output, as the derivation states it for a network
/// of `depth` layers and `samples` samples (the sample is `n` when there are several). `check`
/// makes it first, where the place of the loss's formula is known, to refuse one too large to
/// write out; it is math, so that check need not ask the derivation.
pub fn loss_by_output(
    loss: &Loss,
    depth: u32,
    samples: usize,
) -> Result<(Expr, Vec<&'static str>), Failure> {
    let sample = (samples > 1).then_some(Index::Var('n'));
    let per_sample = loss.instantiate(depth).with_sample(sample);
    let output = Expr::Sym(Symbol::out(depth, Index::Var('q')).at(sample));
    // A loss calls no activation: no layers are needed.
    derivative(&per_sample, &output, &NoLayers)
}

/// [`derivative`], with at most `limit` terms at any node.
pub fn derivative_within(
    e: &Expr,
    wrt: &Expr,
    layers: &dyn Layers,
    limit: usize,
) -> Result<(Expr, Vec<&'static str>), Failure> {
    let mut d = Differentiator::within(wrt, layers, limit);
    let raw = d.diff(e)?;
    let (simple, mut used) = crate::math::simplify::simplify_within(&raw, d.work())
        .ok_or(Failure::TooLarge { limit })?;
    let mut rules = d.used;
    rules.append(&mut used);
    Ok((simple, rules))
}

/// Derivative of a one-argument formula in [`ARG`] (an activation's definition).
pub fn derivative_in_arg(e: &Expr) -> Result<Expr, Failure> {
    derivative(e, &Expr::Var(ARG), &NoLayers).map(|(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::eval::{eval, Env};
    use crate::math::expr::Index::{Num, Var};
    use crate::math::functions::{builtin_activation, ACTIVATION_NAMES};
    use crate::math::number::Value;
    use proptest::prelude::*;

    /// A network of `depth` layers that all use one activation, `units` wide.
    struct Uniform(Activation, u32);

    impl Layers for Uniform {
        fn activation(&self, _: u32) -> Option<&Activation> {
            Some(&self.0)
        }
        fn units(&self, _: u32) -> u32 {
            self.1
        }
    }

    impl Env for Uniform {
        fn symbol(&self, _: &Symbol) -> Option<Value> {
            None
        }
        fn activation(&self, _: u32) -> Option<&Activation> {
            Some(&self.0)
        }
    }

    fn uniform(name: &str) -> Uniform {
        Uniform(builtin_activation(name).unwrap(), 2)
    }

    fn at(e: &Expr, a: f64, env: &Uniform) -> f64 {
        eval(
            &e.own_as(Func::Act(1))
                .bind(ARG, &Expr::Val(Value::approx(a))),
            env,
        )
        .unwrap()
        .f
    }

    fn central_difference(e: &Expr, a: f64, env: &Uniform) -> f64 {
        let h = 1e-6 * a.abs().max(1.0);
        (at(e, a + h, env) - at(e, a - h, env)) / (2.0 * h)
    }

    macro_rules! derives {
        ($name:ident: $e:expr, wrt $wrt:expr => $expected:literal) => {
            #[test]
            fn $name() {
                let (d, _) = derivative(&$e, &$wrt, &uniform("sigmoid")).unwrap();
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
    derives!(other_sample_gives_zero:
        sym(Symbol::pre(1, Num(1)).at(Some(Num(1)))),
        wrt sym(Symbol::pre(1, Num(1)).at(Some(Num(2)))) => "0");
    derives!(half_square_gives_difference:
        Expr::Mul(vec![Expr::half(), Expr::sum('k', 2, Expr::pow(
            Expr::minus(sym(Symbol::out(2, Var('k'))), sym(Symbol::target(Var('k')))), Expr::int(2)))]),
        wrt sym(Symbol::out(2, Var('i'))) => "(+ z2_i (- t_i))");
    derives!(cross_entropy_gives_ratio:
        Expr::Neg(Box::new(Expr::sum('k', 2, Expr::Mul(vec![
            sym(Symbol::target(Var('k'))), Expr::call(Func::Log, sym(Symbol::out(2, Var('k'))))])))),
        wrt sym(Symbol::out(2, Var('i'))) => "(- (/ t_i z2_i))");
    derives!(activation_gives_named_derivative:
        Expr::call(Func::Act(1), sym(Symbol::pre(1, Var('i')))),
        wrt sym(Symbol::pre(1, Var('i'))) => "(d act1 a1_i)");
    derives!(like_factors_are_collected:
        Expr::Mul(vec![Expr::Var(ARG), Expr::Var(ARG), Expr::Var(ARG)]),
        wrt Expr::Var(ARG) => "(* 3 (^ a 2))");

    #[test]
    fn identity_derivative_is_the_constant_one() {
        let e = Expr::call(Func::Act(2), sym(Symbol::pre(2, Var('i'))));
        let (d, rules) =
            derivative(&e, &sym(Symbol::pre(2, Var('i'))), &uniform("identity")).unwrap();
        assert_eq!(d.to_string(), "1");
        assert!(rules.contains(&"chain rule"));
    }

    #[test]
    fn the_loss_is_differentiated_by_one_output() {
        let loss = crate::math::functions::BuiltinLoss::SumSquared.loss(2);
        let (one, _) = loss_by_output(&loss, 2, 1).unwrap();
        assert_eq!(one.to_string(), "(+ z2_q (- t_q))");
        let (several, _) = loss_by_output(&loss, 2, 3).unwrap();
        assert_ne!(
            several, one,
            "with several samples the outputs are sample n's"
        );
    }

    #[test]
    fn softmax_gives_its_jacobian() {
        let y_k = Expr::call(Func::Act(2), sym(Symbol::pre(2, Var('k'))));
        let (d, rules) =
            derivative(&y_k, &sym(Symbol::pre(2, Var('i'))), &uniform("softmax")).unwrap();
        assert_eq!(d.to_string(), "(* z2_k (+ (kron k i) (- z2_i)))");
        assert!(rules.contains(&"softmax rule"));
    }

    #[test]
    fn records_the_rules_it_used() {
        let e = Expr::Mul(vec![Expr::Var(ARG), Expr::call(Func::Exp, Expr::Var(ARG))]);
        let mut d = Differentiator::new(&Expr::Var(ARG), &NoLayers);
        d.diff(&e).unwrap();
        assert_eq!(d.used, ["product rule", "variable rule", "chain rule"]);
    }

    #[test]
    fn a_derivative_beyond_its_limit_is_refused_as_it_grows() {
        // a·a·a·a: the product rule copies every factor into every term.
        let x = || Expr::Var(ARG);
        let product = Expr::Mul(vec![x(), x(), x(), x()]);
        let wrt = Expr::Var(ARG);
        assert!(derivative_within(&product, &wrt, &NoLayers, 100).is_ok());
        assert_eq!(
            derivative_within(&product, &wrt, &NoLayers, 10),
            Err(Failure::TooLarge { limit: 10 })
        );
        // A tower a^a^…^a grows with the square of its height: 40 is beyond the default.
        let tower = (1..40).fold(x(), |top, _| Expr::pow(x(), top));
        assert_eq!(
            derivative_in_arg(&tower),
            Err(Failure::TooLarge {
                limit: MAX_DERIVATIVE_TERMS
            })
        );
    }

    proptest! {
        /// Every built-in activation's stated derivative matches its definition, both
        /// differentiated symbolically and by central finite differences (away from kinks).
        #[test]
        fn table_derivatives_match_finite_differences(a in -6.0f64..6.0, n in 0..ACTIVATION_NAMES.len()) {
            let env = uniform(ACTIVATION_NAMES[n]);
            prop_assume!(env.0.shape == Shape::Elementwise && a.abs() > 1e-3);
            let definition = env.0.definition.clone();
            let symbolic = derivative_in_arg(&definition).unwrap();
            let fd = central_difference(&definition, a, &env);
            let tolerance = 1e-6 * fd.abs().max(1.0);
            prop_assert!((at(&env.0.derivative, a, &env) - fd).abs() < tolerance);
            prop_assert!((at(&symbolic, a, &env) - fd).abs() < tolerance);
        }

        /// Random compositions of the rules agree with finite differences.
        #[test]
        fn composed_formulas_match_finite_differences(a in 0.1f64..3.0, shape in 0u8..12, c in 1i64..4) {
            let x = || Expr::Var(ARG);
            let e = match shape {
                0 => Expr::pow(Expr::Add(vec![x(), Expr::int(c)]), Expr::int(3)),
                1 => Expr::Div(boxed(Expr::call(Func::Exp, x())), boxed(Expr::Add(vec![x(), Expr::int(c)]))),
                2 => Expr::Mul(vec![x(), Expr::call(Func::Log, Expr::Mul(vec![Expr::int(c), x()]))]),
                3 => Expr::pow(x(), x()),
                4 => Expr::Neg(boxed(Expr::call(Func::Exp, Expr::Neg(boxed(Expr::pow(x(), Expr::int(2))))))),
                5 => Expr::sum('k', 3, Expr::Mul(vec![Expr::int(c), x(), x()])),
                6 => Expr::call(Func::Sqrt, Expr::Add(vec![x(), Expr::int(c)])),
                7 => Expr::Mul(vec![Expr::call(Func::Tanh, x()), Expr::call(Func::Sigmoid, x())]),
                8 => Expr::call(Func::Softplus, Expr::Mul(vec![Expr::int(c), x()])),
                9 => Expr::Add(vec![Expr::call(Func::Sin, x()), Expr::call(Func::Cos, Expr::Mul(vec![Expr::int(c), x()]))]),
                10 => Expr::call(Func::Abs, Expr::minus(x(), Expr::int(c))),
                _ => Expr::Div(boxed(x()), boxed(Expr::Add(vec![Expr::int(1), Expr::call(Func::Exp, Expr::Neg(boxed(x())))]))),
            };
            prop_assume!(shape != 10 || (a - c as f64).abs() > 1e-3);
            let env = uniform("identity");
            let symbolic = derivative_in_arg(&e).unwrap();
            let fd = central_difference(&e, a, &env);
            prop_assert!((at(&symbolic, a, &env) - fd).abs() < 1e-6 * fd.abs().max(1.0),
                "{e} → {symbolic}: {} vs {fd}", at(&symbolic, a, &env));
        }
    }
}
