//! Every quantity a student may answer, in the order of the derivation: each with its name
//! (the plain name the tool's messages use), its worked chain (whose formula `follows`
//! evaluates again) and where its value is kept.
//!
//! The table is read off the derivation's own chains, so that its names and formulas are the
//! derivation's and no second namer exists: the forward pass of each sample (a, z, z̃), its
//! loss, h'(a) and δ, then the step's loss, the loss with decay, the gradients and the
//! parameters after the update, output layer first, as the worked solution prints them.

use super::answers::key;
use crate::derivation::{Chain, Derivation, Step};
use crate::math::expr::{Expr, Index, Kind, Symbol};
use crate::math::names::{plain, Indices, Name};
use crate::math::number::Value;
use crate::model::{Ask, Parameter, Quantity as Unit};

/// One answerable quantity.
#[derive(Clone, Debug)]
pub struct Quantity {
    /// The name in the table's form: `delta_2^(2)`, `w_11^(1) after [step 2]`, indices set
    /// apart once one has two digits (`w_20,5^(1)`), as the exam's key writes them, so that
    /// no two quantities share a name.
    pub name: String,
    /// The same with the indices joined (`w_205^(1)`), as messages write them: a name only
    /// where no other quantity has it too.
    pub alias: String,
    /// The same with the indices always apart (`w_2,5^(1)`), a spelling a student may use.
    pub apart: String,
    /// The same with the layer left out where the article leaves it out (`z_1` in a network
    /// of two layers).
    pub short: String,
    /// The step (from 0).
    pub step: usize,
    pub chain: Chain,
    /// Whether it is a parameter after the update.
    pub after: bool,
    /// Whether it is one sample's (its forward pass, loss, h'(a) or δ), so that `[n=1]` names
    /// it in a file of one sample.
    pub per_sample: bool,
    /// The quantity's value as the chain ends.
    pub value: Value,
    /// Another formula a student may rightly use: a first-layer gradient the rows write
    /// expanded, as δ^{(1)} times the input (from the δ the student worked first).
    pub by_delta: Option<Expr>,
}

impl Quantity {
    /// The formula `follows` evaluates: the chain's first row.
    pub fn formula(&self) -> &Expr {
        self.chain.rows.first().map_or(&self.chain.lhs, |r| &r.expr)
    }
}

/// How the names of a derivation are written.
#[derive(Clone, Copy)]
pub struct Naming {
    pub depth: u32,
}

impl Naming {
    /// The table's name of `e` in `step` (from 1), when `e` is a quantity a student answers:
    /// a symbol, `h'(a)` or `∂E/∂w`; a weight or bias from the second step on is the one the
    /// step before left (`w after`).
    pub fn of(self, e: &Expr, step: u32, indices: Indices) -> Option<String> {
        let name = |e: &Expr, sample: Option<Index>, step| {
            let sample = match sample {
                Some(Index::Num(n)) => Some(n),
                _ => None,
            };
            key(&plain(e, Some(self.depth), indices), false, sample, step)
        };
        match e {
            Expr::Sym(s) if matches!(s.kind, Kind::Weight | Kind::Bias) => {
                let base = plain(e, Some(self.depth), indices);
                (step > 1).then(|| key(&base, true, None, step - 1))
            }
            Expr::Sym(s) => Some(name(e, s.sample, step)),
            Expr::Partial(..) => Some(name(e, None, step)),
            Expr::Deriv(_, a) => match &**a {
                Expr::Sym(a) => Some(name(e, a.sample, step)),
                _ => None,
            },
            _ => None,
        }
    }

    fn entry(self, chain: Chain, step: &Step, index: usize, after: bool) -> Quantity {
        let value = chain_value(&chain);
        let named = |indices| {
            let base = plain(&chain.lhs, Some(self.depth), indices);
            let sample = match &chain.lhs {
                Expr::Sym(Symbol {
                    sample: Some(Index::Num(n)),
                    ..
                }) => Some(*n),
                Expr::Deriv(_, a) => match &**a {
                    Expr::Sym(Symbol {
                        sample: Some(Index::Num(n)),
                        ..
                    }) => Some(*n),
                    _ => None,
                },
                _ => None,
            };
            key(&base, after, sample, step.number)
        };
        let short = match &chain.lhs {
            Expr::Sym(s) => {
                let mut name = Name::of(s, Some(self.depth));
                name.layer = name.shown_layer();
                let sample = match s.sample {
                    Some(Index::Num(n)) => Some(n),
                    _ => None,
                };
                key(
                    &name.plain(Indices::ApartWhenWide),
                    after,
                    sample,
                    step.number,
                )
            }
            _ => named(Indices::ApartWhenWide),
        };
        Quantity {
            short,
            name: named(Indices::ApartWhenWide),
            alias: named(Indices::Joined),
            apart: named(Indices::Apart),
            step: index,
            after,
            per_sample: false,
            chain,
            value,
            by_delta: None,
        }
    }
}

/// The value a chain ends with.
fn chain_value(chain: &Chain) -> Value {
    match chain.rows.last().map(|r| &r.expr) {
        Some(Expr::Val(v)) => *v,
        _ => Value::approx(f64::NAN),
    }
}

/// Every answerable quantity of `derivation`, in its order.
pub fn table(derivation: &Derivation) -> Vec<Quantity> {
    let naming = Naming {
        depth: derivation.network.depth(),
    };
    let mut out = Vec::new();
    for (index, step) in derivation.steps.iter().enumerate() {
        let entry = |chain: &Chain, after: bool| naming.entry(chain.clone(), step, index, after);
        let of_sample = |chain: &Chain| Quantity {
            per_sample: true,
            ..entry(chain, false)
        };
        for sample in &step.samples {
            let groups = sample.forward.iter();
            for chain in groups.flat_map(|g| &g.chains) {
                out.push(of_sample(chain));
            }
            out.push(of_sample(&sample.loss));
            let backward = sample
                .derivatives
                .iter()
                .chain(&sample.deltas)
                .chain(sample.unshown_deltas.as_slice());
            for chain in backward.flat_map(|g| &g.chains) {
                out.push(of_sample(chain));
            }
        }
        if let Some(total) = &step.total_loss {
            out.push(entry(total, false));
        }
        if let Some(decayed) = &step.decayed_loss {
            out.push(entry(&decayed.chain, false));
        }
        let layers = (1..=naming.depth).rev();
        for layer in layers.clone() {
            for p in 0..derivation.parameter_count(layer) {
                let mut gradient = entry(&derivation.gradient_chain(step, layer, p), false);
                gradient.by_delta = derivation.gradient_by_named_delta(layer, p);
                out.push(gradient);
            }
        }
        for layer in layers {
            for p in 0..derivation.parameter_count(layer) {
                if let Some(update) = derivation.update_chain(step, layer, p) {
                    out.push(entry(&update, true));
                }
            }
        }
    }
    out
}

/// The values of [`table`]'s quantities, in its order (for a derivation of another carry).
pub fn values(derivation: &Derivation) -> Vec<Value> {
    table(derivation).into_iter().map(|q| q.value).collect()
}

/// Whether `ask` (a file's `ask` statement) asks for `quantity`, as `exam` reads it: every
/// asked number is the first step's, `E` is the step's loss (the total with several samples),
/// and `E after` is no quantity of the table (the loss after the last update is not marked).
pub fn asks(ask: &Ask, quantity: &Quantity, depth: u32) -> bool {
    let (symbol, gradient) = match &quantity.chain.lhs {
        Expr::Sym(s) => (s, false),
        Expr::Partial(_, p) => match &**p {
            Expr::Sym(s) => (s, true),
            _ => return false,
        },
        _ => return false,
    };
    if quantity.step != 0 {
        return false;
    }
    let unit = !gradient && !quantity.after;
    let index = |k: usize| match symbol.indices.get(k) {
        Some(Index::Num(n)) => Some(*n),
        _ => None,
    };
    let in_layer = |layer: Option<u32>| layer.is_none_or(|l| l == symbol.layer);
    let parameter = |bias: bool| symbol.kind == if bias { Kind::Bias } else { Kind::Weight };
    let kind = |unit: Unit| match unit {
        Unit::Pre => Kind::Pre,
        Unit::Out => Kind::Out,
        Unit::Delta => Kind::Delta,
    };
    match *ask {
        Ask::Outputs => unit && symbol.kind == Kind::Out && symbol.layer == depth,
        Ask::Loss => unit && symbol.kind == Kind::Loss && symbol.sample.is_none(),
        Ask::LossAfter => false,
        Ask::Gradient { bias, layer } => gradient && parameter(bias) && in_layer(layer),
        Ask::Update { bias, layer } => quantity.after && parameter(bias) && in_layer(layer),
        Ask::Parameter {
            update,
            layer,
            parameter: which,
        } => {
            let is = match which {
                Parameter::Weight { i, j } => {
                    parameter(false) && index(0) == Some(i) && index(1) == Some(j)
                }
                Parameter::Bias { i } => parameter(true) && index(0) == Some(i),
            };
            is && symbol.layer == layer && if update { quantity.after } else { gradient }
        }
        Ask::Units { quantity: u, layer } => unit && symbol.kind == kind(u) && in_layer(layer),
        Ask::Unit {
            quantity: u,
            layer,
            unit: n,
        } => unit && symbol.kind == kind(u) && symbol.layer == layer && index(0) == Some(n),
    }
}
