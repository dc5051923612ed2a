//! The worked solution: every quantity as *formula → numbers → value*.
//!
//! The network is written as a graph of defining equations (`a = Σ w z + b`, `z = h(a)`,
//! `E_n = loss(y, t)`). Backpropagation is the chain rule on that graph: the δ of a unit is the
//! sum, over the units it feeds, of their δ times the local derivative, and each local
//! derivative comes from the differentiator applied to one defining equation. So every formula
//! is derived, none is typed in, and each formula's size is bounded by the fan-out of one unit
//! (δ of the next layer appears by name, never expanded), at any depth.
//!
//! The numbers row of a formula is the formula with the current values substituted, and its
//! value is the evaluator's value of that numbers row — so what is printed is what is computed.

use rustc_hash::FxHashMap as HashMap;

use crate::error::Error;
use crate::math::diff;
use crate::math::eval::{self, Env};
use crate::math::expr::{Expr, Func, Index, Kind, Symbol};
use crate::math::functions::{self, Activation, Aggregate, Loss, Shape, ARG};
use crate::math::number::{Rounding, Value};
use crate::math::precise::{self, Dd};
use crate::model::Network;
use rayon::prelude::*;

mod rows;
pub use rows::{Parameters, Rows};

/// How values are carried from row to row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Carry {
    /// Later rows use the full-precision values (the rounded value is only shown).
    #[default]
    Exact,
    /// Later rows use each value as shown, rounded to the digits, as a student by hand would.
    Rounded,
}

/// Options that change the numbers.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Significant digits shown (and carried, with [`Carry::Rounded`]).
    pub digits: u32,
    pub carry: Carry,
    /// How exact numbers are cut to the digits (and carried).
    pub rounding: Rounding,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            digits: 4,
            carry: Carry::Exact,
            rounding: Rounding::HalfUp,
        }
    }
}

/// What a chain of equalities states; templates lay each kind out in their own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainKind {
    /// A general equation of the network (`a_i^{(1)} = …`).
    Equation,
    /// An activation's definition or derivative rule (`h'(a) = h(a)(1 − h(a))`).
    Rule,
    /// A general gradient formula, derived by the chain rule.
    Gradient,
    /// A pre-activation with numbers.
    PreActivation,
    /// An activation output with numbers.
    Activation,
    /// The loss with numbers.
    Loss,
    /// An activation derivative at one unit, with numbers.
    Derivative,
    /// A δ with numbers.
    Delta,
    /// A weight or bias gradient with numbers.
    WeightGradient,
    /// A first-layer gradient in the article's expanded form, with numbers.
    ExpandedGradient,
    /// An SGD update with numbers.
    Update,
    /// A row of the matrix form (vectors and matrices with numbers).
    Matrix,
}

/// One row of a chain: `rel expr`. The relation of a row is `=` or `≈` as its numbers are
/// exact or rounded (decided when printing); `assign` makes it `←`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub assign: bool,
    pub expr: Expr,
}

/// `lhs = row₁ = row₂ ≈ value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    pub kind: ChainKind,
    pub lhs: Expr,
    pub rows: Vec<Row>,
    /// The differentiation and simplification rules that produced the formula.
    pub rules: Vec<&'static str>,
}

impl Chain {
    fn new(kind: ChainKind, lhs: Expr, rows: Vec<Expr>) -> Chain {
        let mut deduplicated: Vec<Expr> = Vec::with_capacity(rows.len());
        for row in rows {
            if deduplicated.last() != Some(&row) && row != lhs {
                deduplicated.push(row);
            }
        }
        Chain {
            kind,
            lhs,
            rows: deduplicated
                .into_iter()
                .map(|expr| Row {
                    assign: false,
                    expr,
                })
                .collect(),
            rules: Vec::new(),
        }
    }

    fn with_rules(mut self, rules: &[&'static str]) -> Chain {
        self.rules = rules.to_vec();
        self
    }
}

/// Chains that belong to one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerChains {
    pub layer: u32,
    pub chains: Vec<Chain>,
}

/// The numbers of one layer in one step; per-sample quantities have one row per sample.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNumbers {
    pub weights: Vec<Vec<Value>>,
    pub bias: Option<Vec<Value>>,
    pub pre: Vec<Vec<Value>>,
    pub out: Vec<Vec<Value>>,
    pub delta: Vec<Vec<Value>>,
    /// h'(a_i) per sample (`None` for softmax, which has a Jacobian instead).
    pub act_deriv: Option<Vec<Vec<Value>>>,
    pub grad_weights: Vec<Vec<Value>>,
    pub grad_bias: Option<Vec<Value>>,
    pub weights_after: Option<Vec<Vec<Value>>>,
    pub bias_after: Option<Vec<Value>>,
}

/// The forward and backward pass of one sample.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRows {
    /// The sample's number (from 1), or `None` when there is only one.
    pub sample: Option<u32>,
    pub forward: Vec<LayerChains>,
    /// `E_n` (or `E` itself with one sample).
    pub loss: Chain,
    pub derivatives: Vec<LayerChains>,
    pub deltas: Vec<LayerChains>,
    /// δ^{(1)} where the article's layout writes it inside each gradient instead: not shown,
    /// but an exam may ask for it (`ask delta 1`).
    pub unshown_deltas: Option<LayerChains>,
}

/// One training step: every sample's passes, the loss, the gradients and the update.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub number: u32,
    pub samples: Vec<SampleRows>,
    /// `E = Σ_n E_n`, with several samples.
    pub total_loss: Option<Chain>,
    pub loss_value: Value,
    pub sample_losses: Vec<Value>,
    pub layers: Vec<LayerNumbers>,
}

/// The whole worked solution.
///
/// The gradient and update rows — one per weight, the bulk of a big network's derivation — are
/// not kept: their values are in [`Step::layers`], and [`Derivation::parameter_rows`] hands
/// them out as a stream per layer ([`Rows`]) that makes each row when it is written, so memory
/// does not grow with the output.
#[derive(Clone)]
pub struct Derivation<'n> {
    pub network: &'n Network,
    pub options: Options,
    /// The network's general equations, per layer.
    pub equations: Vec<LayerChains>,
    /// Definitions and derivative rules of the activations used.
    pub activation_rules: Vec<Chain>,
    /// `E = …` (and `E_n = …` with several samples) in general form.
    pub loss: Vec<Chain>,
    /// The general gradient formulas, output layer first.
    pub gradient_rules: Vec<Chain>,
    /// `w ← w − η ∂E/∂w`, when the file has `sgd`.
    pub update_rule: Option<Chain>,
    /// The rule that gave δ^{(L)} = y − t directly (softmax with cross-entropy, …), if any.
    pub shortcut: Option<&'static str>,
    pub steps: Vec<Step>,
    formulas: Formulas<'n>,
    /// What each layer's gradient and update rows share, layer 1 first.
    rows: Vec<rows::LayerRows>,
}

fn sym(s: Symbol) -> Expr {
    Expr::Sym(s)
}

fn num(n: usize) -> Index {
    Index::Num(n as u32)
}

const I: Index = Index::Var('i');
const J: Index = Index::Var('j');
const N: Index = Index::Var('n');

/// General formulas with at most this many terms in a sum are written out term by term
/// (sums over samples are always left as `Σ_n`).
const WRITE_OUT_UP_TO: u32 = 4;

type Derived = (Expr, Vec<&'static str>);

/// The symbolic part: each layer's equations and their derivatives, in index variables
/// (`i`, `j`, and `n` for the sample when there are several).
#[derive(Clone)]
struct Formulas<'n> {
    network: &'n Network,
    /// The sample index of per-sample quantities in general formulas.
    sample: Option<Index>,
    /// δ_i^{(l)} for l = 1..=L (index l−1), per sample.
    delta: Vec<Derived>,
    /// ∂E/∂w_{ij}^{(l)}: the per-sample term, before the sum over samples.
    grad_weight_term: Vec<Derived>,
    /// ∂E/∂b_i^{(l)}: the per-sample term.
    grad_bias_term: Vec<Derived>,
    /// ∂E/∂w_{ij}^{(l)} as the rows show it (summed over samples), per layer.
    shown_grad_weight: Vec<Derived>,
    /// ∂E/∂b_i^{(l)} as the rows show it, per layer.
    shown_grad_bias: Vec<Derived>,
    /// The rule that gave δ^{(L)} = y − t directly, when one did.
    shortcut: Option<&'static str>,
}

/// A derivative the derivation could not make. `check` has made the one derivative that can
/// grow with the file (the custom loss's, [`loss_by_output`]) and refused it when too large;
/// the network's own equations are small.
fn failure(failure: diff::Failure) -> Error {
    match failure {
        diff::Failure::Unsupported(message) => Error::Unsupported { message },
        diff::Failure::TooLarge { limit } => Error::Unsupported {
            message: format!("the derivative has more than {limit} terms"),
        },
    }
}

/// ∂E_n/∂y_q, the per-sample loss by one output, as the derivation states it for a network
/// of `depth` layers and `samples` samples. `check` makes it first, where the place of the
/// loss's formula is known, to refuse one too large to write out.
pub fn loss_by_output(loss: &Loss, depth: u32, samples: usize) -> Result<Derived, diff::Failure> {
    let sample = (samples > 1).then_some(N);
    let per_sample = loss.instantiate(depth).with_sample(sample);
    let output = sym(Symbol::out(depth, Index::Var('q')).at(sample));
    // A loss calls no activation: no layers are needed.
    diff::derivative(&per_sample, &output, &diff::NoLayers)
}

fn simplified(raw: &Expr, mut rules: Vec<&'static str>) -> Derived {
    let (e, more) = crate::math::simplify::simplify(raw);
    rules.extend(more);
    (e, dedup(rules))
}

impl<'n> Formulas<'n> {
    /// `a_i^{(l)} = Σ_var w_{i,var}^{(l)} z_var^{(l−1)} (+ b_i^{(l)})`.
    fn pre_definition(&self, layer: u32, i: Index, var: char) -> Expr {
        let network = self.network;
        let inputs = network.width(layer - 1) as u32;
        let sum = Expr::sum(
            var,
            inputs,
            Expr::Mul(vec![
                sym(Symbol::weight(layer, i, Index::Var(var))),
                sym(Symbol::out(layer - 1, Index::Var(var)).at(self.sample)),
            ]),
        );
        match network.layer(layer).bias {
            Some(_) => Expr::Add(vec![sum, sym(Symbol::bias(layer, i))]),
            None => sum,
        }
    }

    /// `z_i^{(l)} = h^{(l)}(a_i^{(l)})`, the node of the graph.
    fn out_definition(&self, layer: u32, i: Index) -> Expr {
        Expr::call(Func::Act(layer), self.pre(layer, i))
    }

    /// `exp(a_i)/Σ_m exp(a_m)`, a softmax output written out.
    fn softmax_formula(&self, layer: u32, i: Index) -> Expr {
        let units = self.network.width(layer) as u32;
        Expr::Div(
            Box::new(Expr::call(Func::Exp, self.pre(layer, i))),
            Box::new(Expr::sum(
                'm',
                units,
                Expr::call(Func::Exp, self.pre(layer, Index::Var('m'))),
            )),
        )
    }

    fn pre(&self, layer: u32, i: Index) -> Expr {
        sym(Symbol::pre(layer, i).at(self.sample))
    }

    /// `E_n`, the loss of one sample.
    fn sample_loss(&self) -> Expr {
        self.network
            .loss
            .instantiate(self.network.depth())
            .with_sample(self.sample)
    }

    fn d(&self, e: &Expr, wrt: Symbol) -> Result<Derived, Error> {
        diff::derivative(e, &sym(wrt), self.network).map_err(failure)
    }

    fn derive(network: &'n Network) -> Result<Formulas<'n>, Error> {
        let depth = network.depth();
        let mut f = Formulas {
            network,
            sample: (network.samples() > 1).then_some(N),
            delta: Vec::new(),
            grad_weight_term: Vec::new(),
            grad_bias_term: Vec::new(),
            shown_grad_weight: Vec::new(),
            shown_grad_bias: Vec::new(),
            shortcut: functions::shortcut(network.output_activation(), &network.loss),
        };
        let s = f.sample;

        // Output layer: δ_i^{(L)} = Σ_q ∂y_q/∂a_i · ∂E_n/∂y_q (only q = i for elementwise
        // activations), unless a shortcut rule states it directly.
        let delta_out = match f.shortcut {
            Some(rule) => (
                Expr::minus(
                    sym(Symbol::out(depth, I).at(s)),
                    sym(Symbol::target(I).at(s)),
                ),
                vec![rule],
            ),
            None => {
                let q = Index::Var('q');
                let (de_dy, mut rules) =
                    loss_by_output(&network.loss, depth, network.samples()).map_err(failure)?;
                let (dy_da, more) =
                    f.d(&f.out_definition(depth, q), Symbol::pre(depth, I).at(s))?;
                rules.extend(more);
                let outputs = network.width(depth) as u32;
                simplified(
                    &Expr::sum('q', outputs, Expr::Mul(vec![dy_da, de_dy])),
                    rules,
                )
            }
        };
        let mut deltas = vec![delta_out];

        // Hidden layers, from the top down: δ_i^{(l)} = ∂z_i/∂a_i · Σ_k ∂a_k^{(l+1)}/∂z_i · δ_k^{(l+1)}.
        for layer in (1..depth).rev() {
            let k = Index::Var('k');
            let (dz_da, mut rules) =
                f.d(&f.out_definition(layer, I), Symbol::pre(layer, I).at(s))?;
            let (da_dz, more) = f.d(
                &f.pre_definition(layer + 1, k, 'j'),
                Symbol::out(layer, I).at(s),
            )?;
            rules.extend(more);
            let fan_out = network.width(layer + 1) as u32;
            let raw = Expr::Mul(vec![
                dz_da,
                Expr::sum(
                    'k',
                    fan_out,
                    Expr::Mul(vec![da_dz, sym(Symbol::delta(layer + 1, k).at(s))]),
                ),
            ]);
            deltas.push(simplified(&raw, rules));
        }
        deltas.reverse();
        f.delta = deltas;

        // ∂E_n/∂w_{ij}^{(l)} = δ_i^{(l)} · ∂a_i^{(l)}/∂w_{ij}^{(l)}, and likewise for b.
        for layer in 1..=depth {
            let definition = f.pre_definition(layer, I, 'm');
            let delta = sym(Symbol::delta(layer, I).at(s));
            let (da_dw, rules) = f.d(&definition, Symbol::weight(layer, I, J))?;
            f.grad_weight_term
                .push(simplified(&Expr::Mul(vec![delta.clone(), da_dw]), rules));
            let (da_db, rules) = f.d(&definition, Symbol::bias(layer, I))?;
            f.grad_bias_term
                .push(simplified(&Expr::Mul(vec![delta, da_db]), rules));
        }
        f.shown_grad_weight = (1..=depth).map(|l| f.weight_gradient_to_show(l)).collect();
        f.shown_grad_bias = (1..=depth).map(|l| f.bias_gradient_to_show(l)).collect();
        Ok(f)
    }

    /// The article's layout: with exactly one hidden layer, the first layer's gradients are
    /// written with δ^{(1)} expanded: `h'(a_i^{(1)})(w_{1i}^{(2)}δ_1^{(2)} + …)·x_j` — as long
    /// as that sum is short enough to write out. With a wider output layer, δ^{(1)} is named
    /// and computed once per unit, as in deeper networks, instead of its sum being written
    /// again in the gradient of every input weight of the unit.
    fn expanded_first_layer(&self) -> bool {
        self.network.depth() == 2 && self.network.width(2) as u32 <= WRITE_OUT_UP_TO
    }

    /// ∂E/∂w_{ij}^{(l)} as the rows show it.
    fn shown_weight_gradient(&self, layer: u32) -> &Derived {
        &self.shown_grad_weight[layer as usize - 1]
    }

    /// ∂E/∂b_i^{(l)} as the rows show it.
    fn shown_bias_gradient(&self, layer: u32) -> &Derived {
        &self.shown_grad_bias[layer as usize - 1]
    }

    fn delta_of(&self, layer: u32) -> &Derived {
        &self.delta[layer as usize - 1]
    }

    /// `Σ_n term` (or its mean), or the term itself with one sample.
    fn over_samples(&self, term: Expr) -> Expr {
        let count = self.network.samples() as u32;
        if count == 1 {
            return term;
        }
        let sum = Expr::sum('n', count, term);
        match self.network.loss.aggregate {
            Aggregate::Sum => sum,
            Aggregate::Mean => Expr::Mul(vec![
                Expr::Div(Box::new(Expr::int(1)), Box::new(Expr::int(count.into()))),
                sum,
            ]),
        }
    }

    /// The gradient of w_{ij}^{(l)} in `i`, `j` as the worked rows show it.
    fn weight_gradient_to_show(&self, layer: u32) -> Derived {
        let (term, rules) = &self.grad_weight_term[layer as usize - 1];
        let (term, rules) = if layer == 1 && self.expanded_first_layer() {
            let (delta, delta_rules) = self.delta_of(1);
            let inlined = replace_symbol(term, &Symbol::delta(1, I).at(self.sample), delta);
            let (inlined, _) = crate::math::simplify::simplify(&inlined);
            (
                inlined,
                dedup([delta_rules.clone(), rules.clone()].concat()),
            )
        } else {
            (term.clone(), rules.clone())
        };
        (self.over_samples(term), rules)
    }

    fn bias_gradient_to_show(&self, layer: u32) -> Derived {
        let (term, rules) = &self.grad_bias_term[layer as usize - 1];
        if layer == 1 && self.expanded_first_layer() {
            // δ^{(1)} is not shown in the article's layout, so it is written out here too.
            let (delta, delta_rules) = self.delta_of(1);
            let inlined = replace_symbol(term, &Symbol::delta(1, I).at(self.sample), delta);
            let (inlined, _) = crate::math::simplify::simplify(&inlined);
            return (
                self.over_samples(inlined),
                dedup([delta_rules.clone(), rules.clone()].concat()),
            );
        }
        (self.over_samples(term.clone()), rules.clone())
    }

    /// The parameters of `layer` in the order of its rows: `w_{11}, w_{12}, …`, then `b_1, …`.
    fn parameter_count(&self, layer: u32) -> usize {
        let network = self.network;
        let units = network.width(layer);
        let bias = if network.layer(layer).bias.is_some() {
            units
        } else {
            0
        };
        units * network.width(layer - 1) + bias
    }

    /// The `index`-th parameter of `layer` (see [`Formulas::parameter_count`]).
    fn parameter(&self, layer: u32, index: usize) -> Symbol {
        let inputs = self.network.width(layer - 1);
        let weights = self.network.width(layer) * inputs;
        if index < weights {
            Symbol::weight(layer, num(index / inputs + 1), num(index % inputs + 1))
        } else {
            Symbol::bias(layer, num(index - weights + 1))
        }
    }

    /// Whether the rows show h'(a) of `layer` at each unit.
    fn shows_derivatives(&self, layer: u32) -> bool {
        let act = &self.network.layer(layer).activation;
        let needed = layer < self.network.depth() || self.shortcut.is_none();
        needed && act.shape == Shape::Elementwise && act.constant_derivative().is_none()
    }
}

fn dedup(rules: Vec<&'static str>) -> Vec<&'static str> {
    let mut out = Vec::with_capacity(rules.len());
    for rule in rules {
        if !out.contains(&rule) {
            out.push(rule);
        }
    }
    out
}

fn replace_symbol(e: &Expr, target: &Symbol, by: &Expr) -> Expr {
    match e {
        Expr::Sym(s) if s == target => by.clone(),
        _ => e.map_children(&mut |c| replace_symbol(c, target, by)),
    }
}

/// Writes out sums small enough to read term by term (general formulas); sums over samples
/// stay `Σ_n`.
fn write_out_small_sums(e: &Expr) -> Expr {
    e.expand_sums_where(&|var, count| var != 'n' && count <= WRITE_OUT_UP_TO)
}

/// A general formula at given indices, with its sums written out and Kronecker deltas resolved.
fn instance(e: &Expr, indices: &[(char, Index)]) -> Expr {
    let mut e = e.clone();
    for (var, index) in indices {
        e = e.with_index(*var, *index);
    }
    let e = e.expand_sums();
    if e.any(&|x| matches!(x, Expr::Kron(..))) {
        crate::math::simplify::resolve_kronecker(&e)
    } else {
        e
    }
}

/// Where the numbers of a numbers row come from: the values being computed, or a finished
/// step's.
trait Source: Env {
    fn value(&self, symbol: &Symbol) -> Option<Value>;

    /// The value standing for a subexpression in a numbers row: a quantity, or an activation
    /// (or its derivative) applied to a unit's pre-activation, which is that unit's output.
    fn lookup(&self, e: &Expr) -> Option<Value> {
        match e {
            Expr::Sym(s) => self.value(s),
            Expr::Call(Func::Act(layer), arg) | Expr::Deriv(Func::Act(layer), arg) => {
                let Expr::Sym(a) = &**arg else { return None };
                if a.kind != Kind::Pre || a.layer != *layer {
                    return None;
                }
                let kind = if matches!(e, Expr::Call(..)) {
                    Kind::Out
                } else {
                    Kind::ActDeriv
                };
                self.value(&Symbol::new(kind, *layer, &a.indices).at(a.sample))
            }
            Expr::Partial(num, den) => match (&**num, &**den) {
                (Expr::Sym(loss), Expr::Sym(w))
                    if loss.kind == Kind::Loss && loss.sample.is_none() =>
                {
                    let kind = match w.kind {
                        Kind::Weight => Kind::GradWeight,
                        Kind::Bias => Kind::GradBias,
                        _ => return None,
                    };
                    self.value(&Symbol::new(kind, w.layer, &w.indices))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `formula` with the numbers in place of the quantities.
    fn substitute(&self, formula: &Expr) -> Expr {
        formula.substitute(&mut |x| self.lookup(x))
    }
}

/// The values of one step.
struct Values<'n> {
    network: &'n Network,
    map: HashMap<Symbol, Value>,
    options: Options,
}

impl Env for Values<'_> {
    fn symbol(&self, symbol: &Symbol) -> Option<Value> {
        self.map.get(symbol).copied()
    }

    fn activation(&self, layer: u32) -> Option<&Activation> {
        diff::Layers::activation(self.network, layer)
    }
}

impl Source for Values<'_> {
    fn value(&self, symbol: &Symbol) -> Option<Value> {
        self.map.get(symbol).copied()
    }
}

impl Values<'_> {
    /// Stores a computed value as later rows will use it.
    fn carry(&mut self, symbol: Symbol, value: Value) -> Value {
        let carried = self.rounded(value);
        self.map.insert(symbol, carried);
        carried
    }

    fn rounded(&self, value: Value) -> Value {
        match self.options.carry {
            Carry::Exact => value,
            Carry::Rounded => value.rounded(self.options.digits, self.options.rounding),
        }
    }

    fn get(&self, symbol: &Symbol) -> Value {
        self.map
            .get(symbol)
            .copied()
            .unwrap_or(Value::approx(f64::NAN))
    }

    /// The numbers row and value of `formula`, for the quantity called `name` in messages.
    fn evaluate(&self, formula: &Expr, name: &Expr, step: u32) -> Result<(Expr, Value), Error> {
        let substituted = self.substitute(formula);
        let value = eval::eval(&substituted, self).map_err(|fault| {
            let quantity = crate::latex::plain_at(name, self.network.depth());
            let fault = fault.to_string();
            let carried = substituted.any(&|e| matches!(e, Expr::Val(v) if v.carried().is_some()));
            if carried {
                // Perhaps only the rounding's doing: `derive` finds out.
                Error::RoundedAway {
                    quantity,
                    step,
                    fault,
                    digits: self.options.digits,
                    enough: None,
                    span: statement_of(self.network, name),
                }
            } else {
                Error::Numeric {
                    quantity,
                    step,
                    fault,
                }
            }
        })?;
        Ok((legible(substituted, self, &self.options), value))
    }
}

/// The statement a quantity comes from, for a message: the loss for E and the output δ, else
/// the quantity's layer.
fn statement_of(network: &Network, quantity: &Expr) -> crate::error::Span {
    let layer = match quantity {
        Expr::Sym(s) if s.kind == Kind::Loss => None,
        Expr::Sym(s) if s.kind == Kind::Delta && s.layer == network.depth() => None,
        Expr::Sym(s) => Some(s.layer),
        Expr::Deriv(Func::Act(layer), _) => Some(*layer),
        Expr::Partial(_, by) => match &**by {
            Expr::Sym(s) => Some(s.layer),
            _ => None,
        },
        _ => None,
    };
    layer
        .and_then(|l| network.spans.layers.get((l as usize).checked_sub(1)?))
        .copied()
        .unwrap_or(network.spans.loss)
}

/// The most digits a number is widened to by [`legible`] (what `--digits` allows).
const MOST_DIGITS: u32 = 17;

/// The numbers row as printed, with a value as printed too. Where the shown numbers would
/// leave the real numbers though the true ones do not (`\log(1-1.0)` for y = 0.9967 at two
/// digits), the number that causes it is shown with as many more digits as it takes, and only
/// that one (`\log(1-0.997)`); failing that, all of them. With rounded values carried the
/// shown numbers are the values, so there is nothing to widen.
fn legible(row: Expr, env: &dyn Env, options: &Options) -> Expr {
    let risky = |e: &Expr| {
        matches!(
            e,
            Expr::Div(..) | Expr::Pow(..) | Expr::Call(Func::Log | Func::Sqrt | Func::Act(_), _)
        )
    };
    if options.carry == Carry::Rounded || !row.any(&risky) {
        return row;
    }
    // The row with each value (numbered in order) replaced as `with` says.
    let each_value = |with: &mut dyn FnMut(usize, &Value) -> Option<Value>| {
        let mut at = 0;
        row.substitute(&mut |e| match e {
            Expr::Val(v) => {
                at += 1;
                with(at - 1, v)
            }
            _ => None,
        })
    };
    // As shown, the values numbered in `wide` with more digits.
    let as_shown = |wide: &dyn Fn(usize) -> Option<u32>| {
        each_value(&mut |at, v| {
            Some(v.rounded(wide(at).unwrap_or(options.digits), options.rounding))
        })
    };
    if eval::eval_as_printed(&as_shown(&|_| None), env).is_ok() {
        return row;
    }
    let mut inexact = Vec::new();
    each_value(&mut |at, v| {
        if !crate::math::number::Shown::is_exact(*v, options.digits) {
            inexact.push(at);
        }
        None
    });
    let widened = |wide: &dyn Fn(usize) -> Option<u32>| {
        each_value(&mut |at, v| wide(at).map(|digits| v.with_digits(digits as u8)))
    };
    for digits in options.digits + 1..=MOST_DIGITS {
        for &only in &inexact {
            let wide = move |at: usize| (at == only).then_some(digits);
            if eval::eval_as_printed(&as_shown(&wide), env).is_ok() {
                return widened(&wide);
            }
        }
        let all = |at: usize| inexact.contains(&at).then_some(digits);
        if eval::eval_as_printed(&as_shown(&all), env).is_ok() {
            return widened(&all);
        }
    }
    row
}

/// Shows outputs with more digits where, as printed, they would leave the loss row without a
/// value though the true ones do not: y = 0.9967 at two digits is `1.0`, and
/// `(1-1)\cdot\log(1-1.0)` has none. Such a y is widened to as many digits as it takes
/// (`0.997`), only that one if it suffices, in every row that shows it — its own forward row
/// (patched in `output`), the loss, δ, the matrix form, the drawing — and with rounded values
/// carried, it is carried so. `unrounded` holds the outputs before they were rounded for
/// carrying.
fn widen_outputs(
    values: &mut Values,
    formula: &Expr,
    unrounded: &[Value],
    sample: Option<Index>,
    output: &mut LayerChains,
) {
    let options = values.options;
    let symbols: Vec<Symbol> = (1..=unrounded.len())
        .map(|k| Symbol::out(output.layer, num(k)).at(sample))
        .collect();
    // The loss row as printed, with the outputs as `values` holds them now.
    let defined = |values: &Values| {
        let row = values.substitute(formula).substitute(&mut |e| match e {
            Expr::Val(v) => Some(v.rounded(options.digits, options.rounding)),
            _ => None,
        });
        eval::eval_as_printed(&row, values).is_ok()
    };
    if defined(values) {
        return;
    }
    let before: Vec<Value> = symbols.iter().map(|s| values.get(s)).collect();
    let candidates: Vec<usize> = (0..symbols.len())
        .filter(|&k| !crate::math::number::Shown::is_exact(before[k], options.digits))
        .collect();
    let at = |k: usize, digits: u32| -> Value {
        let value = match options.carry {
            Carry::Exact => before[k],
            Carry::Rounded => unrounded[k].rounded(digits, options.rounding),
        };
        value.with_digits(digits as u8)
    };
    // Output k's digits when `only` one (or with `None`, every candidate) is widened.
    let wide = |only: Option<usize>, digits: u32, k: usize| {
        let chosen = only.map_or(candidates.contains(&k), |only| only == k);
        chosen.then_some(digits)
    };
    let set = |values: &mut Values, widening: Option<(Option<usize>, u32)>| {
        for (k, symbol) in symbols.iter().enumerate() {
            let value = match widening.and_then(|(only, digits)| wide(only, digits, k)) {
                Some(digits) => at(k, digits),
                None => before[k],
            };
            values.map.insert(symbol.clone(), value);
        }
    };
    let tries = (options.digits + 1..=MOST_DIGITS).flat_map(|digits| {
        let each = candidates.iter().map(move |&k| (Some(k), digits));
        each.chain(std::iter::once((None, digits)))
    });
    for widening in tries {
        set(values, Some(widening));
        if !defined(values) {
            continue;
        }
        for symbol in &symbols {
            let lhs = sym(symbol.clone());
            let chain = output.chains.iter_mut().find(|c| c.lhs == lhs);
            if let Some(row) = chain.and_then(|c| c.rows.last_mut()) {
                if matches!(row.expr, Expr::Val(_)) {
                    row.expr = Expr::Val(values.get(symbol));
                }
            }
        }
        return;
    }
    set(values, None);
}

/// Derives the whole worked solution. With rounded values carried, a row that leaves the real
/// numbers only because of the rounding is an [`Error::RoundedAway`] that says how many digits
/// would do; where the exact values leave them too, the error is theirs.
pub fn derive(network: &Network, options: Options) -> Result<Derivation<'_>, Error> {
    match derive_as(network, options) {
        Err(Error::RoundedAway {
            quantity,
            step,
            fault,
            digits,
            span,
            ..
        }) => {
            derive_as(
                network,
                Options {
                    carry: Carry::Exact,
                    ..options
                },
            )?;
            // A few more digits, each a whole derivation (this is the failing path only).
            let enough = (digits + 1..=MOST_DIGITS.min(digits + 6))
                .find(|&digits| derive_as(network, Options { digits, ..options }).is_ok());
            Err(Error::RoundedAway {
                quantity,
                step,
                fault,
                digits,
                enough,
                span,
            })
        }
        other => other,
    }
}

fn derive_as(network: &Network, options: Options) -> Result<Derivation<'_>, Error> {
    let formulas = Formulas::derive(network)?;
    let depth = network.depth();
    let single = network.samples() == 1;

    let equations = (1..=depth)
        .map(|layer| general_equations(&formulas, layer))
        .collect();
    let activation_rules = activation_rules(network);
    let mut loss = vec![Chain::new(
        ChainKind::Equation,
        sym(Symbol::loss().at(formulas.sample)),
        vec![formulas.sample_loss()],
    )];
    if !single {
        loss.push(Chain::new(
            ChainKind::Equation,
            sym(Symbol::loss()),
            vec![formulas.over_samples(sym(Symbol::loss().at(formulas.sample)))],
        ));
    }
    let gradient_rules = gradient_rules(&formulas);
    let update_rule = network.sgd.map(|_| {
        let w = Symbol::new(Kind::Weight, 0, &[]);
        update_chain(&w, ChainKind::Equation, None)
    });

    let mut values = Values {
        network,
        // Every weight and bias, its gradient, and per sample every unit's a, z, δ and h'.
        map: HashMap::with_capacity_and_hasher(
            2 * network.parameters() + network.samples() * (5 * network.units() + 1),
            Default::default(),
        ),
        options,
    };
    // With rounded values carried, a given number with more digits than shown is carried as
    // shown, like any other: every row computes from exactly what it prints.
    let given = |d: crate::math::number::Decimal| given(d, &options);
    for (n, (x, t)) in network.x.iter().zip(&network.t).enumerate() {
        let sample = (!single).then_some(num(n + 1));
        for (j, value) in x.iter().enumerate() {
            values
                .map
                .insert(Symbol::out(0, num(j + 1)).at(sample), given(*value));
        }
        for (k, value) in t.iter().enumerate() {
            values
                .map
                .insert(Symbol::target(num(k + 1)).at(sample), given(*value));
        }
    }
    for (l, layer) in network.layers.iter().enumerate() {
        let l = l as u32 + 1;
        for (i, row) in layer.weights.iter().enumerate() {
            for (j, w) in row.iter().enumerate() {
                values
                    .map
                    .insert(Symbol::weight(l, num(i + 1), num(j + 1)), given(*w));
            }
        }
        for (i, b) in layer.bias.iter().flatten().enumerate() {
            values.map.insert(Symbol::bias(l, num(i + 1)), given(*b));
        }
    }
    if let Some(sgd) = network.sgd {
        values.map.insert(Symbol::rate(), given(sgd.lr));
    }

    let rows: Vec<rows::LayerRows> = (1..=depth)
        .map(|layer| rows::LayerRows::new(&formulas, layer))
        .collect();
    let step_count = network.sgd.map_or(1, |s| s.steps);
    let mut steps = Vec::with_capacity(step_count as usize);
    for number in 1..=step_count {
        steps.push(derive_step(&formulas, &rows, &mut values, number)?);
    }

    Ok(Derivation {
        network,
        options,
        equations,
        activation_rules,
        loss,
        gradient_rules,
        update_rule,
        shortcut: formulas.shortcut,
        steps,
        formulas,
        rows,
    })
}

/// A number from the file as the rows use it: exact, or with rounded values carried, as shown.
fn given(d: crate::math::number::Decimal, options: &Options) -> Value {
    let value = Value::decimal(d);
    match options.carry {
        Carry::Exact => value,
        Carry::Rounded => value.rounded(options.digits, options.rounding),
    }
}

/// A finished step's values, for writing its rows again.
#[derive(Clone, Copy)]
struct StepSource<'a> {
    network: &'a Network,
    step: &'a Step,
    options: &'a Options,
}

impl Env for StepSource<'_> {
    fn symbol(&self, symbol: &Symbol) -> Option<Value> {
        self.value(symbol)
    }

    fn activation(&self, layer: u32) -> Option<&Activation> {
        diff::Layers::activation(self.network, layer)
    }
}

impl Source for StepSource<'_> {
    fn value(&self, s: &Symbol) -> Option<Value> {
        let number = |index: Option<&Index>| match index {
            Some(Index::Num(n)) if *n >= 1 => Some(*n as usize - 1),
            _ => None,
        };
        let i = number(s.indices.first());
        let n = match s.sample {
            None => Some(0),
            sample => number(sample.as_ref()),
        };
        let per_sample = |rows: &[Vec<Value>]| rows.get(n?)?.get(i?).copied();
        let step = self.step;
        let layer = || step.layers.get((s.layer as usize).checked_sub(1)?);
        match s.kind {
            Kind::Out if s.layer == 0 => {
                Some(given(*self.network.x.get(n?)?.get(i?)?, self.options))
            }
            Kind::Target => Some(given(*self.network.t.get(n?)?.get(i?)?, self.options)),
            Kind::Rate => self.network.sgd.map(|sgd| given(sgd.lr, self.options)),
            Kind::Loss if s.sample.is_none() => Some(step.loss_value),
            Kind::Loss => step.sample_losses.get(n?).copied(),
            Kind::Pre => per_sample(&layer()?.pre),
            Kind::Out => per_sample(&layer()?.out),
            Kind::Delta => per_sample(&layer()?.delta),
            Kind::ActDeriv => per_sample(layer()?.act_deriv.as_deref()?),
            Kind::Weight => layer()?
                .weights
                .get(i?)?
                .get(number(s.indices.get(1))?)
                .copied(),
            Kind::GradWeight => layer()?
                .grad_weights
                .get(i?)?
                .get(number(s.indices.get(1))?)
                .copied(),
            Kind::Bias => layer()?.bias.as_ref()?.get(i?).copied(),
            Kind::GradBias => layer()?.grad_bias.as_ref()?.get(i?).copied(),
        }
    }
}

impl Derivation<'_> {
    /// Whether the first layer's gradients are written in the article's expanded form,
    /// h'(a)(Σ w δ) x, with δ^{(1)} written out instead of carried (so with rounded values
    /// carried, they are not δ^{(1)} as shown times x).
    pub fn expands_first_layer(&self) -> bool {
        self.formulas.expanded_first_layer()
    }

    /// How many gradient rows (and update rows) `layer` has: one per weight, then per bias.
    pub fn parameter_count(&self, layer: u32) -> usize {
        self.formulas.parameter_count(layer)
    }

    /// The gradient rows (or the update rows) of every layer in `step`, output layer first;
    /// no update rows without SGD.
    pub fn parameter_rows<'a>(&'a self, step: &'a Step, of: Parameters) -> Vec<Rows<'a>> {
        if of == Parameters::Updates && self.network.sgd.is_none() {
            return Vec::new();
        }
        self.rows
            .iter()
            .rev()
            .map(|rows| Rows::new(rows, step, self.network, &self.options, of))
            .collect()
    }

    /// The gradient row of the `index`-th parameter of `layer` in `step`:
    /// `∂E/∂w = formula = numbers ≈ value`.
    pub fn gradient_chain(&self, step: &Step, layer: u32, index: usize) -> Chain {
        let rows = &self.rows[layer as usize - 1];
        Rows::new(
            rows,
            step,
            self.network,
            &self.options,
            Parameters::Gradients,
        )
        .get(index)
    }

    /// The update row of the `index`-th parameter of `layer` in `step`, when there is SGD:
    /// `w ← w − η ∂E/∂w = numbers ≈ value`.
    pub fn update_chain(&self, step: &Step, layer: u32, index: usize) -> Option<Chain> {
        self.network.sgd?;
        let rows = &self.rows[layer as usize - 1];
        Some(Rows::new(rows, step, self.network, &self.options, Parameters::Updates).get(index))
    }
}

fn general_equations(f: &Formulas, layer: u32) -> LayerChains {
    let network = f.network;
    let pre = Chain::new(
        ChainKind::Equation,
        f.pre(layer, I),
        vec![write_out_small_sums(&f.pre_definition(layer, I, 'j'))],
    );
    let act = &network.layer(layer).activation;
    let out_symbol = sym(Symbol::out(layer, I).at(f.sample));
    let out = match act.shape {
        Shape::Softmax => Chain::new(
            ChainKind::Equation,
            out_symbol,
            vec![write_out_small_sums(&f.softmax_formula(layer, I))],
        ),
        Shape::Elementwise => Chain::new(
            ChainKind::Equation,
            out_symbol,
            vec![
                f.out_definition(layer, I),
                act.definition.bind(ARG, &f.pre(layer, I)),
            ],
        ),
    };
    LayerChains {
        layer,
        chains: vec![pre, out],
    }
}

/// `h(a) = …` and `h'(a) = …` for each layer's activation, stated once.
fn activation_rules(network: &Network) -> Vec<Chain> {
    let printer_names_differ = network.depth() > 2;
    let mut chains = Vec::new();
    let mut stated: Vec<&str> = Vec::new();
    for layer in 1..=network.depth() {
        let act = &network.layer(layer).activation;
        let f = Func::Act(layer);
        // With h and o only (one hidden layer), each function is stated once; deeper networks
        // name each layer's function, so each is stated.
        let key = if printer_names_differ || layer == network.depth() {
            ""
        } else {
            act.name.as_str()
        };
        if !key.is_empty() && stated.contains(&key) {
            continue;
        }
        stated.push(key);
        match act.shape {
            Shape::Softmax => {
                let y_k = Symbol::out(layer, Index::Var('k'));
                let a_i = Symbol::pre(layer, I);
                let jacobian = Expr::Mul(vec![
                    sym(y_k.clone()),
                    Expr::Add(vec![
                        Expr::Kron(Index::Var('k'), I),
                        Expr::Neg(Box::new(sym(Symbol::out(layer, I)))),
                    ]),
                ]);
                chains.push(
                    Chain::new(
                        ChainKind::Rule,
                        Expr::partial(sym(y_k), sym(a_i)),
                        vec![jacobian],
                    )
                    .with_rules(&[act.rule]),
                );
            }
            Shape::Elementwise => {
                chains.push(Chain::new(
                    ChainKind::Rule,
                    Expr::call(f, Expr::Var(ARG)),
                    vec![act.definition.clone()],
                ));
                let rule = act.rule;
                chains.push(
                    Chain::new(
                        ChainKind::Rule,
                        Expr::deriv(f, Expr::Var(ARG)),
                        vec![act.derivative_as(f)],
                    )
                    .with_rules(&[rule]),
                );
            }
        }
    }
    chains
}

fn gradient_rules(f: &Formulas) -> Vec<Chain> {
    let network = f.network;
    let depth = network.depth();
    let s = f.sample;
    let mut chains = Vec::new();
    for layer in (1..=depth).rev() {
        let (delta, delta_rules) = f.delta_of(layer);
        let delta_symbol = sym(Symbol::delta(layer, I).at(s));
        let de_da = Expr::partial(sym(Symbol::loss().at(s)), f.pre(layer, I));
        let grad_lhs = Expr::partial(sym(Symbol::loss()), sym(Symbol::weight(layer, I, J)));
        if layer == 1 && f.expanded_first_layer() {
            // The article's derivation of the first layer's gradient, step by step.
            let (shown, rules) = f.shown_weight_gradient(1);
            let k = Index::Var('k');
            let via_next = Expr::sum(
                'k',
                network.width(2) as u32,
                Expr::Mul(vec![
                    Expr::partial(sym(Symbol::loss().at(s)), f.pre(2, k)),
                    Expr::partial(f.pre(2, k), f.pre(1, I)),
                ]),
            );
            let (term, _) = &f.grad_weight_term[0];
            let (da_dw, _) = crate::math::simplify::simplify(&replace_symbol(
                term,
                &Symbol::delta(1, I).at(s),
                &Expr::int(1),
            ));
            chains.push(
                Chain::new(
                    ChainKind::Gradient,
                    grad_lhs,
                    vec![
                        f.over_samples(Expr::Mul(vec![
                            de_da,
                            Expr::partial(f.pre(1, I), sym(Symbol::weight(1, I, J))),
                        ])),
                        f.over_samples(Expr::Mul(vec![write_out_small_sums(&via_next), da_dw])),
                        write_out_small_sums(shown),
                    ],
                )
                .with_rules(rules),
            );
        } else {
            chains.push(
                Chain::new(
                    ChainKind::Gradient,
                    delta_symbol,
                    vec![de_da, write_out_small_sums(delta)],
                )
                .with_rules(delta_rules),
            );
            let (grad, rules) = f.shown_weight_gradient(layer);
            chains.push(
                Chain::new(ChainKind::Gradient, grad_lhs, vec![grad.clone()]).with_rules(rules),
            );
        }
        if network.layer(layer).bias.is_some() {
            let (grad, rules) = f.shown_bias_gradient(layer);
            let lhs = Expr::partial(sym(Symbol::loss()), sym(Symbol::bias(layer, I)));
            chains.push(Chain::new(ChainKind::Gradient, lhs, vec![grad.clone()]).with_rules(rules));
        }
    }
    chains
}

/// `p − η ∂E/∂p`.
fn update_formula(parameter: &Symbol) -> Expr {
    Expr::minus(
        sym(parameter.clone()),
        Expr::Mul(vec![
            sym(Symbol::rate()),
            Expr::partial(sym(Symbol::loss()), sym(parameter.clone())),
        ]),
    )
}

/// `p ← p − η ∂E/∂p`, with the numbers when given.
fn update_chain(parameter: &Symbol, kind: ChainKind, numbers: Option<(Expr, Value)>) -> Chain {
    let mut rows = vec![update_formula(parameter)];
    if let Some((substituted, value)) = numbers {
        rows.push(substituted);
        rows.push(Expr::Val(value));
    }
    let mut chain = Chain::new(kind, sym(parameter.clone()), rows);
    chain.rows[0].assign = true;
    chain
}

/// `lhs = formula = numbers ≈ value`, storing the value under `symbol`.
fn numbered(
    values: &mut Values,
    kind: ChainKind,
    symbol: Symbol,
    lhs: Expr,
    formula: Expr,
    step: u32,
) -> Result<(Chain, Value), Error> {
    let numbers = values.evaluate(&formula, &lhs, step)?;
    Ok(recorded(values, kind, symbol, lhs, formula, numbers))
}

/// Carries the value of an evaluated row and makes its chain `lhs = formula = numbers ≈ value`.
fn recorded(
    values: &mut Values,
    kind: ChainKind,
    symbol: Symbol,
    lhs: Expr,
    formula: Expr,
    (substituted, value): (Expr, Value),
) -> (Chain, Value) {
    let value = values.carry(symbol, value);
    (
        Chain::new(kind, lhs, vec![formula, substituted, Expr::Val(value)]),
        value,
    )
}

/// The numbers row and value of softmax output `i` of `layer`. The row is the formula with
/// numbers, `exp(a_i)/Σ exp(a_m)`; the value is computed with the largest `a_m` subtracted
/// first, which cannot overflow (`exp(1000)` does, though y is finite) — unless the formula
/// itself gives an exact value (`exp(0)/(exp(0) + exp(0)) = 0.5`).
fn softmax_numbers(
    values: &Values,
    formula: &Expr,
    layer: u32,
    i: usize,
    sample: Option<Index>,
) -> (Expr, Value) {
    let substituted = values.substitute(formula);
    if let Ok(value) = eval::eval(&substituted, values) {
        if value.exact().is_some() {
            return (substituted, value);
        }
    }
    // In double-double, as every computed value (see `precise`).
    let a: Vec<Dd> = (1..=values.network.width(layer))
        .map(|m| values.get(&Symbol::pre(layer, num(m)).at(sample)).dd())
        .collect();
    let top = a.iter().fold(Dd::from_f64(f64::NEG_INFINITY), |top, v| {
        if v.hi > top.hi {
            *v
        } else {
            top
        }
    });
    let total = a
        .iter()
        .fold(Dd::ZERO, |sum, v| sum + precise::exp(*v - top));
    let y = precise::exp(a[i - 1] - top) / total;
    (substituted, Value::precise(y))
}

/// The forward and backward pass of sample `n` (from 1).
fn derive_sample(
    f: &Formulas,
    values: &mut Values,
    step: u32,
    n: usize,
) -> Result<SampleRows, Error> {
    let network = f.network;
    let depth = network.depth();
    let sample = f.sample.map(|_| num(n));
    let at = |e: &Expr, i: usize| instance(e, &[('i', num(i)), ('n', num(n))]);

    let mut forward = Vec::new();
    // The outputs of the layer last computed, before they were rounded for carrying.
    let mut unrounded = Vec::new();
    for layer in 1..=depth {
        unrounded.clear();
        let mut chains = Vec::new();
        let units = network.width(layer);
        // Each a_i is a sum over the whole previous layer: evaluated in parallel.
        let definition = f.pre_definition(layer, I, 'j');
        let rows = evaluate_all(units, |i| {
            let symbol = Symbol::pre(layer, num(i + 1)).at(sample);
            let formula = at(&definition, i + 1);
            let numbers = values.evaluate(&formula, &sym(symbol.clone()), step)?;
            Ok((symbol, formula, numbers))
        })?;
        for (symbol, formula, numbers) in rows {
            let lhs = sym(symbol.clone());
            let kind = ChainKind::PreActivation;
            chains.push(recorded(values, kind, symbol, lhs, formula, numbers).0);
        }
        let act = network.layer(layer).activation.clone();
        for i in 1..=units {
            let a = Symbol::pre(layer, num(i)).at(sample);
            let symbol = Symbol::out(layer, num(i)).at(sample);
            let chain = match act.shape {
                Shape::Softmax => {
                    let formula = at(&f.softmax_formula(layer, I), i);
                    let numbers = softmax_numbers(values, &formula, layer, i, sample);
                    unrounded.push(numbers.1);
                    recorded(
                        values,
                        ChainKind::Activation,
                        symbol.clone(),
                        sym(symbol),
                        formula,
                        numbers,
                    )
                    .0
                }
                Shape::Elementwise => {
                    let substituted = act.definition.bind(ARG, &Expr::Val(values.get(&a)));
                    let applied = Expr::call(Func::Act(layer), Expr::Val(values.get(&a)));
                    let (_, value) = values.evaluate(&applied, &sym(symbol.clone()), step)?;
                    unrounded.push(value);
                    let value = values.carry(symbol.clone(), value);
                    // Show the definition with numbers, or when that is just the number itself
                    // (the identity), the definition in symbols.
                    let middle = match substituted {
                        Expr::Val(_) => act.definition.bind(ARG, &sym(a.clone())),
                        other => legible(other, values, &values.options),
                    };
                    Chain::new(
                        ChainKind::Activation,
                        sym(symbol),
                        vec![
                            Expr::call(Func::Act(layer), sym(a)),
                            middle,
                            Expr::Val(value),
                        ],
                    )
                }
            };
            chains.push(chain);
        }
        forward.push(LayerChains { layer, chains });
    }

    let loss_formula = instance(&f.sample_loss(), &[('n', num(n))]);
    if let Some(output) = forward.last_mut() {
        widen_outputs(values, &loss_formula, &unrounded, sample, output);
    }
    let loss_symbol = Symbol::loss().at(sample);
    let (loss, _) = numbered(
        values,
        ChainKind::Loss,
        loss_symbol.clone(),
        sym(loss_symbol),
        loss_formula,
        step,
    )?;

    // h'(a_i^{(l)}) at every unit where it is needed and not a constant.
    let mut derivatives = Vec::new();
    for layer in (1..=depth).rev() {
        let act = network.layer(layer).activation.clone();
        let func = Func::Act(layer);
        if act.shape == Shape::Elementwise && !f.shows_derivatives(layer) {
            // Not shown, but the matrix form needs h'(a) of every layer.
            for i in 1..=network.width(layer) {
                let a = sym(Symbol::pre(layer, num(i)).at(sample));
                let lhs = Expr::deriv(func, a.clone());
                let (_, value) = values.evaluate(&lhs, &lhs, step)?;
                values.carry(Symbol::act_deriv(layer, num(i)).at(sample), value);
            }
        }
        if !f.shows_derivatives(layer) {
            continue;
        }
        let mut chains = Vec::new();
        for i in 1..=network.width(layer) {
            let a = sym(Symbol::pre(layer, num(i)).at(sample));
            let formula = act.derivative_as(func).bind(ARG, &a);
            let lhs = Expr::deriv(func, a);
            let symbol = Symbol::act_deriv(layer, num(i)).at(sample);
            let (chain, _) = numbered(values, ChainKind::Derivative, symbol, lhs, formula, step)?;
            chains.push(chain.with_rules(&[act.rule]));
        }
        derivatives.push(LayerChains { layer, chains });
    }

    // δ, output layer first; with the article's layout δ^{(1)} is computed but not shown.
    let mut deltas = Vec::new();
    let mut unshown_deltas = None;
    for layer in (1..=depth).rev() {
        let (delta, rules) = f.delta_of(layer);
        let mut chains = Vec::new();
        for i in 1..=network.width(layer) {
            let symbol = Symbol::delta(layer, num(i)).at(sample);
            let formula = at(delta, i);
            let (chain, _) = numbered(
                values,
                ChainKind::Delta,
                symbol.clone(),
                sym(symbol),
                formula,
                step,
            )?;
            chains.push(chain.with_rules(rules));
        }
        if layer == 1 && f.expanded_first_layer() {
            unshown_deltas = Some(LayerChains { layer, chains });
        } else {
            deltas.push(LayerChains { layer, chains });
        }
    }

    Ok(SampleRows {
        sample: sample.map(|_| n as u32),
        forward,
        loss,
        derivatives,
        deltas,
        unshown_deltas,
    })
}

fn derive_step(
    f: &Formulas,
    patterns: &[rows::LayerRows],
    values: &mut Values,
    step: u32,
) -> Result<Step, Error> {
    let network = f.network;
    let depth = network.depth();
    let count = network.samples();

    let mut samples = Vec::with_capacity(count);
    for n in 1..=count {
        samples.push(derive_sample(f, values, step, n)?);
    }
    let sample_losses: Vec<Value> = (1..=count)
        .map(|n| values.get(&Symbol::loss().at(f.sample.map(|_| num(n)))))
        .collect();
    let (total_loss, loss_value) = if count == 1 {
        (None, sample_losses[0])
    } else {
        let formula = instance(&f.over_samples(sym(Symbol::loss().at(f.sample))), &[]);
        let (chain, value) = numbered(
            values,
            ChainKind::Loss,
            Symbol::loss(),
            sym(Symbol::loss()),
            formula,
            step,
        )?;
        (Some(chain), value)
    };

    // Gradients, output layer first; each row is written again from these values later. The
    // rows of a layer do not depend on each other, so they are evaluated in parallel.
    let mut gradients: Vec<Vec<Value>> = vec![Vec::new(); depth as usize];
    for layer in (1..=depth).rev() {
        let rows = &patterns[layer as usize - 1];
        let computed = evaluate_all(rows.count(), |index| {
            let symbol = rows.gradient_symbol(index);
            let lhs = Expr::partial(sym(Symbol::loss()), sym(f.parameter(layer, index)));
            let (_, value) = values.evaluate(&rows.gradient_formula(index), &lhs, step)?;
            Ok((symbol, value))
        })?;
        gradients[layer as usize - 1] = computed
            .into_iter()
            .map(|(symbol, value)| values.carry(symbol, value))
            .collect();
    }

    // Updates: computed from this step's values, stored for the next step afterwards.
    let mut updated: Vec<Vec<(Symbol, Value)>> = vec![Vec::new(); depth as usize];
    if network.sgd.is_some() {
        for layer in (1..=depth).rev() {
            updated[layer as usize - 1] = evaluate_all(f.parameter_count(layer), |index| {
                let parameter = f.parameter(layer, index);
                let formula = update_formula(&parameter);
                let (_, value) = values.evaluate(&formula, &sym(parameter.clone()), step)?;
                Ok((parameter, values.rounded(value)))
            })?;
        }
    }

    let layers = (1..=depth)
        .map(|layer| {
            let l = layer as usize - 1;
            layer_numbers(f, values, &gradients[l], &updated[l], layer)
        })
        .collect();
    for (parameter, value) in updated.into_iter().flatten() {
        values.map.insert(parameter, value);
    }

    Ok(Step {
        number: step,
        samples,
        total_loss,
        loss_value,
        sample_losses,
        layers,
    })
}

/// `evaluate(0..count)` in order, in parallel when there are enough to be worth a thread; the
/// first error (in that order) if any.
fn evaluate_all<T: Send>(
    count: usize,
    evaluate: impl Fn(usize) -> Result<T, Error> + Sync,
) -> Result<Vec<T>, Error> {
    const PARALLEL_FROM: usize = 256;
    if count < PARALLEL_FROM {
        return (0..count).map(&evaluate).collect();
    }
    // Collected whole first: rayon's own `Result` collection stops at whichever error a thread
    // meets first, so the message could change from run to run.
    let results: Vec<Result<T, Error>> = (0..count).into_par_iter().map(&evaluate).collect();
    results.into_iter().collect()
}

/// The numbers of `layer` in this step; `gradients` and `updated` hold its parameters' values
/// in row order (weights row by row, then biases).
fn layer_numbers(
    f: &Formulas,
    values: &Values,
    gradients: &[Value],
    updated: &[(Symbol, Value)],
    layer: u32,
) -> LayerNumbers {
    let network = values.network;
    let units = network.width(layer);
    let inputs = network.width(layer - 1);
    let matrix = |f: &dyn Fn(usize, usize) -> Symbol| -> Vec<Vec<Value>> {
        (1..=units)
            .map(|i| (1..=inputs).map(|j| values.get(&f(i, j))).collect())
            .collect()
    };
    let vector = |f: &dyn Fn(usize) -> Symbol| -> Vec<Value> {
        (1..=units).map(|i| values.get(&f(i))).collect()
    };
    let per_sample = |g: &dyn Fn(usize) -> Symbol| -> Vec<Vec<Value>> {
        (1..=network.samples())
            .map(|n| {
                let sample = f.sample.map(|_| num(n));
                (1..=units).map(|i| values.get(&g(i).at(sample))).collect()
            })
            .collect()
    };
    let has_bias = network.layer(layer).bias.is_some();
    let sgd = network.sgd.is_some();
    let weights = units * inputs;
    let as_matrix = |row_order: Vec<Value>| -> Vec<Vec<Value>> {
        row_order.chunks(inputs).map(<[Value]>::to_vec).collect()
    };
    let after: Vec<Value> = updated.iter().map(|(_, v)| *v).collect();
    LayerNumbers {
        weights: matrix(&|i, j| Symbol::weight(layer, num(i), num(j))),
        bias: has_bias.then(|| vector(&|i| Symbol::bias(layer, num(i)))),
        pre: per_sample(&|i| Symbol::pre(layer, num(i))),
        out: per_sample(&|i| Symbol::out(layer, num(i))),
        delta: per_sample(&|i| Symbol::delta(layer, num(i))),
        act_deriv: (network.layer(layer).activation.shape == Shape::Elementwise)
            .then(|| per_sample(&|i| Symbol::act_deriv(layer, num(i)))),
        grad_weights: as_matrix(gradients[..weights].to_vec()),
        grad_bias: has_bias.then(|| gradients[weights..].to_vec()),
        weights_after: sgd.then(|| as_matrix(after[..weights].to_vec())),
        bias_after: (sgd && has_bias).then(|| after[weights..].to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every example, and the same networks with rounded values carried.
    fn derivations(run: impl Fn(&Derivation)) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let network =
                crate::check::check(&crate::syntax::parser::parse(&text).unwrap()).unwrap();
            for carry in [Carry::Exact, Carry::Rounded] {
                let options = Options {
                    digits: 4,
                    carry,
                    ..Options::default()
                };
                run(&derive(&network, options).unwrap());
                count += 1;
            }
        }
        assert!(count >= 8, "{count} derivations");
    }

    /// A row written again from a finished step says what was computed: its formula with the
    /// step's values in place holds only numbers, is one of its rows (or is just the value),
    /// and evaluates to the value it ends with (or to that value before rounding for carrying).
    fn assert_numbers_give_value(chain: &Chain, step: &Step, network: &Network, options: &Options) {
        let source = StepSource {
            network,
            step,
            options,
        };
        let numbers = source.substitute(&chain.rows[0].expr);
        assert!(
            !numbers.any(&|e| matches!(e, Expr::Sym(_))),
            "a symbol is left in {numbers:?} of {chain:?}"
        );
        assert!(
            chain.rows.iter().any(|row| row.expr == numbers),
            "{chain:?}"
        );
        let computed = eval::eval(&numbers, &source).unwrap();
        let Some(Row {
            expr: Expr::Val(shown),
            ..
        }) = chain.rows.last()
        else {
            panic!("{chain:?} does not end with its value")
        };
        let close = (computed.f - shown.f).abs() <= 1e-12 * computed.f.abs().max(1e-300);
        let rounded = computed.rounded(options.digits, options.rounding).f == shown.f;
        assert!(close || rounded, "{computed:?} vs {shown:?} in {chain:?}");
    }

    #[test]
    fn gradient_and_update_rows_are_written_from_their_values() {
        derivations(|d| {
            let mut rows = 0;
            for step in &d.steps {
                for layer in 1..=d.network.depth() {
                    for index in 0..d.parameter_count(layer) {
                        let chain = d.gradient_chain(step, layer, index);
                        assert_numbers_give_value(&chain, step, d.network, &d.options);
                        if let Some(update) = d.update_chain(step, layer, index) {
                            assert!(update.rows[0].assign);
                            assert_numbers_give_value(&update, step, d.network, &d.options);
                        }
                        rows += 1;
                    }
                }
            }
            assert!(rows > 0);
        });
    }

    #[test]
    fn parallel_evaluation_keeps_order_and_reports_the_first_error() {
        let fault = |n: usize| Error::Unsupported {
            message: n.to_string(),
        };
        let values = evaluate_all(1000, |n| Ok(n * 2)).unwrap();
        assert_eq!(values, (0..1000).map(|n| n * 2).collect::<Vec<_>>());
        // The first error is slow to arrive, the last one quick: still the first is reported.
        let result = evaluate_all(1000, |n| match n {
            0 => {
                std::thread::sleep(std::time::Duration::from_millis(50));
                Err(fault(0))
            }
            999 => Err(fault(999)),
            n => Ok(n),
        });
        match result {
            Err(Error::Unsupported { message }) => assert_eq!(message, "0"),
            other => panic!("expected the error of 0, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn the_first_error_in_order_is_reported_every_time() {
        // 300 units that all overflow, evaluated in parallel: the message names the first.
        let units = 300;
        let text = format!(
            "input x = [1e37]\ntarget t = [{}]\n{}layer identity W = [{}]\nloss sum_squared\n",
            vec!["0"; units].join(","),
            "layer identity W = [[1e37]]\n".repeat(7),
            vec!["[1e37]"; units].join(",")
        );
        let network = crate::check::check(&crate::syntax::parser::parse(&text).unwrap()).unwrap();
        for _ in 0..20 {
            match derive(&network, Options::default()) {
                Err(Error::Numeric { quantity, .. }) => assert_eq!(quantity, "a_1^(8)"),
                other => panic!("expected an overflow, got {:?}", other.map(|_| ())),
            }
        }
    }

    #[test]
    fn the_articles_layout_is_kept_while_its_sum_is_short() {
        let network = |output: usize| {
            let text = format!(
                "input x = [1, 2]\ntarget t = [{}]\nlayer sigmoid W = [[0.1, 0.2], [0.3, 0.4]]\n\
                 layer identity W = [{}]\nloss sum_squared\n",
                vec!["0"; output].join(", "),
                vec!["[1, 2]"; output].join(", ")
            );
            crate::check::check(&crate::syntax::parser::parse(&text).unwrap()).unwrap()
        };
        for (output, expanded) in [(2, true), (4, true), (5, false), (10, false)] {
            let net = network(output);
            let d = derive(&net, Options::default()).unwrap();
            let kind = d.gradient_chain(&d.steps[0], 1, 0).kind;
            assert_eq!(
                kind == ChainKind::ExpandedGradient,
                expanded,
                "{output} outputs"
            );
            // Named, δ^{(1)} has its own rows; expanded, it is written inside each gradient.
            let deltas = &d.steps[0].samples[0].deltas;
            assert_eq!(deltas.iter().any(|g| g.layer == 1), !expanded);
        }
    }
}
