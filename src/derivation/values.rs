//! The numbers: the values of a step as they are computed (`Values`) or finished
//! (`StepSource`), carried exact or rounded, and numbers rows made legible.

use rayon::prelude::*;

use super::chain::LayerChains;
use super::chain::Step;
use super::options::{Carry, Options};
use super::store::{Slot, Store};
use super::{num, sym};
use crate::error::Error;
use crate::math::diff;
use crate::math::eval::{self, Env};
use crate::math::expr::{Expr, Func, Index, Kind, Setting, Symbol};
use crate::math::functions::Activation;
use crate::math::number::Value;
use crate::model::Network;

/// Where the numbers of a numbers row come from: the values being computed, or a finished
/// step's.
pub(super) trait Source: Env {
    /// The value kept in `slot`.
    fn slot_value(&self, slot: Slot) -> Option<Value>;

    /// Whether there is one sample (its quantities have no sample index).
    fn single(&self) -> bool;

    /// The value of `symbol`, its index variables bound by `bound`.
    fn value(&self, symbol: &Symbol, bound: &[(char, Index)]) -> Option<Value> {
        self.slot_value(Slot::of(symbol, bound, self.single())?)
    }

    /// The value standing for a subexpression in a numbers row: a quantity, or an activation
    /// (or its derivative) applied to a unit's pre-activation, which is that unit's output.
    fn lookup(&self, e: &Expr) -> Option<Value> {
        self.lookup_bound(e, &[])
    }

    /// [`Source::lookup`] in a layer's formula, its index variables bound by `bound`.
    fn lookup_bound(&self, e: &Expr, bound: &[(char, Index)]) -> Option<Value> {
        match e {
            Expr::Sym(s) => self.value(s, bound),
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
                let slot = Slot::of(a, bound, self.single())?;
                self.slot_value(Slot { kind, ..slot })
            }
            Expr::Partial(num, den) => match (&**num, &**den) {
                (Expr::Sym(loss), Expr::Sym(w))
                    if matches!(loss.kind, Kind::Loss | Kind::DecayedLoss)
                        && loss.sample.is_none() =>
                {
                    let kind = match w.kind {
                        Kind::Weight => Kind::GradWeight,
                        Kind::Bias => Kind::GradBias,
                        _ => return None,
                    };
                    let parameter = Symbol {
                        kind,
                        layer: w.layer,
                        indices: w.indices.clone(),
                        sample: None,
                    };
                    self.value(&parameter, bound)
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

/// A row of a layer's formula as the evaluator sees it without the row being written out:
/// its index variables bound, and each subexpression a numbers row would have a number for
/// standing for that number.
struct Bound<'s, S> {
    source: &'s S,
    bound: &'s [(char, Index)],
}

impl<S: Source> Env for Bound<'_, S> {
    fn symbol(&self, symbol: &Symbol) -> Option<Value> {
        self.source.value(symbol, self.bound)
    }

    fn activation(&self, layer: u32) -> Option<&Activation> {
        self.source.activation(layer)
    }

    fn replaced(&self, e: &Expr) -> Option<Value> {
        self.source.lookup_bound(e, self.bound)
    }
}

/// A layer's formula in index variables, whose rows' values are wanted but not their numbers
/// rows (the gradients and updates while deriving: the stream writes them later).
#[derive(Clone, Debug)]
pub(super) struct RowFormula {
    pub(super) formula: Expr,
    /// Whether a row's value can be had from the formula itself with the indices bound: the
    /// same operations in the same order as on the row written out, unless something in it
    /// looks at the row's shape (a Kronecker delta or sum still to resolve, the sign `u/|u|`
    /// recognised by its form).
    direct: bool,
}

impl RowFormula {
    pub(super) fn new(formula: Expr) -> RowFormula {
        let shaped = |e: &Expr| match e {
            Expr::Kron(..) | Expr::Sum { .. } => true,
            Expr::Div(_, b) => matches!(**b, Expr::Call(Func::Abs, _)),
            _ => false,
        };
        RowFormula {
            direct: !formula.any(&shaped),
            formula,
        }
    }

    /// The value of the row with `bound` indices, as [`Values::evaluate`] gives it for the row
    /// written out; `written` writes it out (and names it) where that is needed: when the
    /// formula cannot be evaluated directly, and for the message of a row without a value.
    pub(super) fn value(
        &self,
        values: &Values,
        bound: &[(char, Index)],
        step: u32,
        written: impl FnOnce() -> (Expr, Expr),
    ) -> Result<Value, Error> {
        if self.direct {
            let env = Bound {
                source: values,
                bound,
            };
            if let Ok(value) = eval::eval(&self.formula, &env) {
                return Ok(value);
            }
        }
        let (row, name) = written();
        values.evaluate(&row, &name, step).map(|(_, value)| value)
    }
}

/// `1 · η`, the first partial product the evaluator forms on the update formula's
/// `η · ∂E/∂p` (a product starts from 1): the same in every update row of a step, so made once
/// per step for [`updated`]. `None` where the evaluator would fault (no rate, or not finite).
pub(super) fn scaled_rate(rate: Option<Value>) -> Option<Value> {
    let rate = rate.filter(Value::is_finite)?;
    Some(Value::int(1) * rate).filter(Value::is_finite)
}

/// The update formula `p + (−(η · ∂E/∂p))` ([`super::rules::update_formula`]) evaluated as
/// [`eval::eval`] evaluates it in a row's [`Bound`] environment, operation for operation and
/// in the same order, without walking the tree nor looking each quantity up by its symbol:
/// the sum `0 + p`, the product `(1 · η) · ∂E/∂p` (stopping at an exact 0, as `product` does,
/// before the gradient is needed), its negation, and the sum's second term; every step
/// checked finite as `eval` checks it. `scaled` is [`scaled_rate`]. `None` wherever `eval`
/// would fault or find no value: the row is then evaluated written out, as before, for its
/// error. A proptest holds it equal to `eval` on the formula.
pub(super) fn updated(p: Value, scaled: Value, gradient: Option<Value>) -> Option<Value> {
    let finite = |v: Value| Some(v).filter(Value::is_finite);
    let sum = finite(Value::int(0) + finite(p)?)?;
    let product = if scaled.exact().is_some_and(|r| r.is_zero()) {
        scaled
    } else {
        finite(scaled * finite(gradient?)?)?
    };
    finite(sum + finite(-product)?)
}

/// The values of one step.
pub(super) struct Values<'n> {
    pub(super) network: &'n Network,
    pub(super) store: Store,
    pub(super) options: Options,
    /// The optimizer's state after the last step (0 before the first); empty for plain SGD.
    pub(super) moments: Vec<Vec<super::chain::StateNumbers>>,
}

impl Env for Values<'_> {
    fn symbol(&self, symbol: &Symbol) -> Option<Value> {
        self.value(symbol, &[])
    }

    fn activation(&self, layer: u32) -> Option<&Activation> {
        diff::Layers::activation(self.network, layer)
    }
}

impl Source for Values<'_> {
    fn slot_value(&self, slot: Slot) -> Option<Value> {
        self.store.get(slot)
    }

    fn single(&self) -> bool {
        self.store.single
    }
}

impl<'n> Values<'n> {
    /// The values given in the file: the inputs and targets, the weights and biases, the
    /// learning rate.
    pub(super) fn given(network: &'n Network, options: Options) -> Values<'n> {
        let mut store = Store::empty(network);
        // With rounded values carried, a given number with more digits than shown is carried as
        // shown, like any other: every row computes from exactly what it prints.
        let given = |d: &crate::math::number::Decimal| Some(given(*d, &options));
        for (n, (x, t)) in network.x.iter().zip(&network.t).enumerate() {
            store.inputs[n] = x.iter().map(given).collect();
            store.targets[n] = t.iter().map(given).collect();
        }
        for (layer, kept) in network.layers.iter().zip(&mut store.layers) {
            // 78,400 decimals to rationals and double-doubles in a 784-100-10 network.
            kept.weights.reserve_exact(layer.units() * layer.inputs());
            let rows = layer.weights.par_iter();
            kept.weights
                .par_extend(rows.flat_map_iter(|row| row.iter().map(given)));
            kept.bias = layer.bias.iter().flatten().map(given).collect();
            if let Some(dropout) = &layer.dropout {
                kept.mask = dropout.mask.iter().map(|row| mask_values(row)).collect();
                kept.keep = keep_of(dropout).and_then(given);
            }
        }
        store.rate = network.training.and_then(|sgd| given(&sgd.lr));
        store.decay = network.weight_decay.as_ref().and_then(given);
        Values {
            network,
            store,
            options,
            moments: Vec::new(),
        }
    }
}

impl Values<'_> {
    /// Stores a computed value as later rows will use it.
    pub(super) fn carry(&mut self, symbol: Symbol, value: Value) -> Value {
        let carried = self.rounded(value);
        self.set(&symbol, carried);
        carried
    }

    /// Keeps `value` as the value of `symbol`.
    pub(super) fn set(&mut self, symbol: &Symbol, value: Value) {
        if let Some(slot) = Slot::of(symbol, &[], self.store.single) {
            self.store.set(slot, value);
        }
    }

    /// Keeps the carried gradients of `layer`, in row order (weights row by row, then biases).
    pub(super) fn keep_gradients(&mut self, layer: u32, gradients: &[Value]) {
        let kept = &mut self.store.layers[layer as usize - 1];
        let (weights, biases) = gradients.split_at(kept.grad_weights.len().min(gradients.len()));
        fill(&mut kept.grad_weights, weights);
        fill(&mut kept.grad_bias, biases);
    }

    /// Makes the parameters of `layer` the updated ones, in row order; with none (no SGD) they
    /// stay.
    pub(super) fn keep_parameters(&mut self, layer: u32, updated: Vec<Value>) {
        let kept = &mut self.store.layers[layer as usize - 1];
        let (weights, biases) = updated.split_at(kept.weights.len().min(updated.len()));
        fill(&mut kept.weights, weights);
        fill(&mut kept.bias, biases);
    }

    pub(super) fn rounded(&self, value: Value) -> Value {
        match self.options.carry {
            Carry::Exact => value,
            Carry::Rounded => value.rounded(self.options.digits, self.options.rounding),
        }
    }

    pub(super) fn get(&self, symbol: &Symbol) -> Value {
        self.value(symbol, &[]).unwrap_or(Value::approx(f64::NAN))
    }

    /// The numbers row and value of `formula`, for the quantity called `name` in messages.
    pub(super) fn evaluate(
        &self,
        formula: &Expr,
        name: &Expr,
        step: u32,
    ) -> Result<(Expr, Value), Error> {
        let substituted = self.substitute(formula);
        let value = eval::eval(&substituted, self).map_err(|fault| {
            let quantity = crate::math::names::plain(
                name,
                Some(self.network.depth()),
                crate::math::names::Indices::Joined,
            );
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

/// A dropout mask's row as exact 0s and 1s.
fn mask_values(row: &[bool]) -> Vec<Option<Value>> {
    row.iter()
        .map(|&kept| Some(Value::int(kept.into())))
        .collect()
}

/// p of inverted dropout; none with `scale = none`.
fn keep_of(dropout: &crate::model::Dropout) -> Option<&crate::math::number::Decimal> {
    match &dropout.scale {
        crate::model::DropoutScale::Inverted { keep } => Some(keep),
        crate::model::DropoutScale::None => None,
    }
}

/// Puts `values` in the first places of `places`.
fn fill(places: &mut [Option<Value>], values: &[Value]) {
    for (place, value) in places.iter_mut().zip(values) {
        *place = Some(*value);
    }
}

/// The statement a quantity comes from, for a message: the loss for E and the output δ, else
/// the quantity's layer.
pub(super) fn statement_of(network: &Network, quantity: &Expr) -> crate::error::Span {
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
pub(super) const MOST_DIGITS: u32 = 17;

/// The numbers row as printed, with a value as printed too. Where the shown numbers would
/// leave the real numbers though the true ones do not (`\log(1-1.0)` for y = 0.9967 at two
/// digits), the number that causes it is shown with as many more digits as it takes, and only
/// that one (`\log(1-0.997)`); failing that, all of them. With rounded values carried the
/// shown numbers are the values, so there is nothing to widen.
pub(super) fn legible(row: Expr, env: &dyn Env, options: &Options) -> Expr {
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
pub(super) fn widen_outputs(
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
            values.set(symbol, value);
        }
    };
    let tries = (options.digits + 1..=MOST_DIGITS).flat_map(|digits| {
        let each = candidates.iter().map(move |&k| (Some(k), digits));
        each.chain(std::iter::once((None, digits)))
    });
    for widening in tries {
        set(values, Some(widening));
        if defined(values) {
            show_widened(values, &symbols, output);
            return;
        }
    }
    set(values, None);
}

/// Ends each output's own forward row with its value as `values` now holds it (widened).
fn show_widened(values: &Values, symbols: &[Symbol], output: &mut LayerChains) {
    for symbol in symbols {
        let lhs = sym(symbol.clone());
        let chain = output.chains.iter_mut().find(|c| c.lhs == lhs);
        if let Some(row) = chain.and_then(|c| c.rows.last_mut()) {
            if matches!(row.expr, Expr::Val(_)) {
                row.expr = Expr::Val(values.get(symbol));
            }
        }
    }
}

/// A number from the file as the rows use it: exact, or with rounded values carried, as shown.
/// The rows ask for the same inputs and rate again and again (every first-layer gradient row
/// its input, every update row the rate), so each thread remembers the latest values by slot.
pub(super) fn given(d: crate::math::number::Decimal, options: &Options) -> Value {
    use std::hash::{Hash, Hasher};
    const SLOTS: usize = 1024;
    type Given = (
        crate::math::number::Decimal,
        Carry,
        u32,
        crate::math::number::Rounding,
    );
    thread_local! {
        static KEPT: std::cell::RefCell<Vec<Option<(Given, Value)>>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let key: Given = (d, options.carry, options.digits, options.rounding);
    let mut hasher = rustc_hash::FxHasher::default();
    d.hash(&mut hasher);
    let slot = hasher.finish() as usize % SLOTS;
    let known = KEPT.with_borrow(|kept| match kept.get(slot) {
        Some(Some((k, v))) if *k == key => Some(*v),
        _ => None,
    });
    if let Some(v) = known {
        return v;
    }
    let value = Value::decimal(d);
    let value = match options.carry {
        Carry::Exact => value,
        Carry::Rounded => value.rounded(options.digits, options.rounding),
    };
    KEPT.with_borrow_mut(|kept| {
        if kept.is_empty() {
            kept.resize(SLOTS, None);
        }
        kept[slot] = Some((key, value));
    });
    value
}

/// A finished step's values, for writing its rows again.
#[derive(Clone, Copy)]
pub(super) struct StepSource<'a> {
    pub(super) network: &'a Network,
    pub(super) step: &'a Step,
    pub(super) options: &'a Options,
}

impl Env for StepSource<'_> {
    fn symbol(&self, symbol: &Symbol) -> Option<Value> {
        self.value(symbol, &[])
    }

    fn activation(&self, layer: u32) -> Option<&Activation> {
        diff::Layers::activation(self.network, layer)
    }
}

impl Source for StepSource<'_> {
    fn single(&self) -> bool {
        self.network.samples() == 1
    }

    fn slot_value(&self, slot: Slot) -> Option<Value> {
        let Slot {
            kind,
            layer,
            i,
            j,
            sample,
        } = slot;
        let step = self.step;
        let per_sample = |rows: &[Vec<Value>]| rows.get(sample?)?.get(i).copied();
        let numbers = || step.layers.get((layer as usize).checked_sub(1)?);
        let given = |d: Option<&crate::math::number::Decimal>| Some(given(*d?, self.options));
        match kind {
            Kind::Out if layer == 0 => given(self.network.x.get(sample?)?.get(i)),
            Kind::Target => given(self.network.t.get(sample?)?.get(i)),
            Kind::Rate => given(self.network.training.as_ref().map(|sgd| &sgd.lr)),
            Kind::Setting(Setting::WeightDecay) => given(self.network.weight_decay.as_ref()),
            Kind::DecayedLoss => step.decayed_loss.as_ref().map(|d| d.value),
            Kind::Loss => match sample {
                None => Some(step.loss_value),
                Some(n) => step.sample_losses.get(n).copied(),
            },
            Kind::Pre => per_sample(&numbers()?.pre),
            Kind::Out => per_sample(&numbers()?.out),
            Kind::Delta => per_sample(&numbers()?.delta),
            Kind::ActDeriv => per_sample(numbers()?.act_deriv.as_deref()?),
            Kind::Dropped => per_sample(numbers()?.dropped.as_deref()?),
            Kind::Mask => {
                let dropout = self.network.layer(layer).dropout.as_ref()?;
                let kept = *dropout.mask.get(sample?)?.get(i)?;
                Some(Value::int(kept.into()))
            }
            Kind::Keep => given(keep_of(self.network.layer(layer).dropout.as_ref()?)),
            Kind::Weight => numbers()?.weights.get(i)?.get(j).copied(),
            Kind::GradWeight => numbers()?.grad_weights.get(i)?.get(j).copied(),
            Kind::Bias => numbers()?.bias.as_ref()?.get(i).copied(),
            Kind::GradBias => numbers()?.grad_bias.as_ref()?.get(i).copied(),
            // The optimizer's rows look their state up themselves (`optimizers`).
            Kind::StateWeight(_) | Kind::StateBias(_) | Kind::Setting(_) => None,
        }
    }
}

/// A finished step's values with some replaced (see `Derivation::evaluate_with`).
pub(super) struct Own<'a> {
    pub(super) source: StepSource<'a>,
    pub(super) own: &'a dyn Fn(&Expr) -> Option<Value>,
}

impl Env for Own<'_> {
    fn symbol(&self, symbol: &Symbol) -> Option<Value> {
        (self.own)(&Expr::Sym(symbol.clone())).or_else(|| self.source.symbol(symbol))
    }

    fn activation(&self, layer: u32) -> Option<&Activation> {
        self.source.activation(layer)
    }

    fn replaced(&self, e: &Expr) -> Option<Value> {
        match e {
            Expr::Partial(..) => (self.own)(e).or_else(|| self.source.lookup(e)),
            Expr::Deriv(..) => (self.own)(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::update_formula;
    use super::*;
    use crate::math::number::{Decimal, Ratio, Rounding};
    use proptest::prelude::*;

    #[test]
    fn a_remembered_given_number_is_the_one_made_anew() {
        // More numbers than slots, each asked for twice, in both carries and two digits.
        for carry in [Carry::Exact, Carry::Rounded] {
            for digits in [2, 4] {
                let options = Options {
                    carry,
                    digits,
                    ..Options::default()
                };
                for round in 0..2 {
                    for n in -1500i128..1500 {
                        let d = Decimal::new(n * 7, (n.unsigned_abs() % 5) as u32).unwrap();
                        let fresh = match carry {
                            Carry::Exact => Value::decimal(d),
                            Carry::Rounded => Value::decimal(d).rounded(digits, Rounding::HalfUp),
                        };
                        let kept = given(d, &options);
                        assert_eq!(format!("{kept:?}"), format!("{fresh:?}"), "{d:?} {round}");
                    }
                }
            }
        }
    }

    struct Nothing;

    impl Env for Nothing {
        fn symbol(&self, _: &Symbol) -> Option<Value> {
            None
        }

        fn activation(&self, _: u32) -> Option<&Activation> {
            None
        }
    }

    /// Every kind of value a row meets: given decimals, exact and carried rationals, double-
    /// doubles, zeros exact and carried, numbers whose product overflows, widened ones.
    fn value(kind: u8, mantissa: i64, scale: u32, den: i64) -> Value {
        let ratio = Ratio::new(i128::from(mantissa), i128::from(den.max(1))).unwrap_or(Ratio::ZERO);
        let decimal = Decimal::new(i128::from(mantissa), scale).unwrap_or(Decimal::ZERO);
        match kind % 9 {
            0 => Value::decimal(decimal),
            1 => Value::ratio(ratio),
            2 => Value::from_carried(ratio),
            3 => Value::decimal(decimal).rounded(2, Rounding::HalfUp),
            4 => Value::approx(mantissa as f64 / den.max(1) as f64),
            5 => Value::int(0),
            6 => Value::from_carried(Ratio::ZERO),
            7 => Value::approx(f64::MAX / (1 + mantissa.unsigned_abs() % 4) as f64),
            _ => Value::decimal(decimal).with_digits(5),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn an_update_is_what_the_evaluator_makes_of_its_formula(
            kinds in any::<[u8; 3]>(),
            mantissas in any::<[i64; 3]>(),
            scales in any::<[u32; 3]>(),
            dens in any::<[i64; 3]>(),
            with_gradient in any::<bool>(),
        ) {
            let v = |n: usize| value(kinds[n], mantissas[n] >> (n * 20), scales[n] % 8, dens[n] >> 40);
            let (p, rate, gradient) = (v(0), v(1), v(2));
            let formula = update_formula(&Symbol::weight(1, num(1), num(1)), false);
            let row = formula.substitute(&mut |e| match e {
                Expr::Sym(s) if s.kind == Kind::Weight => Some(p),
                Expr::Sym(s) if s.kind == Kind::Rate => Some(rate),
                Expr::Partial(..) if with_gradient => Some(gradient),
                _ => None,
            });
            let expected = eval::eval(&row, &Nothing).ok();
            let quick = scaled_rate(Some(rate))
                .and_then(|scaled| updated(p, scaled, with_gradient.then_some(gradient)));
            // Bit for bit, the sign of a zero included.
            prop_assert_eq!(format!("{quick:?}"), format!("{expected:?}"));
        }
    }
}
