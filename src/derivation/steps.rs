//! One training step: every sample's forward and backward pass, the loss, the gradients and
//! the update, evaluated row by row.

use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use super::chain::{Chain, ChainKind, LayerChains, LayerNumbers, SampleRows, StateNumbers, Step};
use super::formulas::{instance, Formulas, I};
use super::optimizers::{self, Program};
use super::rows::LayerRows;
use super::values::{legible, scaled_rate, widen_outputs, Source, Values};
use super::{num, sym};
use crate::error::Error;
use crate::math::eval;
use crate::math::expr::{Expr, Func, Index, Symbol};
use crate::math::functions::{Shape, ARG};
use crate::math::number::Value;
use crate::math::precise::{self, Dd};

/// `lhs = formula = numbers ≈ value`, storing the value under `symbol`.
pub(super) fn numbered(
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
pub(super) fn recorded(
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
pub(super) fn softmax_numbers(
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
pub(super) fn derive_sample(
    f: &Formulas,
    values: &mut Values,
    step: u32,
    n: usize,
) -> Result<SampleRows, Error> {
    let pass = Pass {
        f,
        step,
        n,
        sample: f.sample.map(|_| num(n)),
    };
    let mut forward = Vec::new();
    // The outputs of the layer last computed, before they were rounded for carrying.
    let mut unrounded = Vec::new();
    for layer in 1..=f.network.depth() {
        unrounded.clear();
        forward.push(pass.forward_layer(values, layer, &mut unrounded)?);
    }
    let loss_formula = instance(&f.sample_loss(), &[('n', num(n))]);
    if let Some(output) = forward.last_mut() {
        widen_outputs(values, &loss_formula, &unrounded, pass.sample, output);
    }
    let loss_symbol = Symbol::loss().at(pass.sample);
    let (loss, _) = numbered(
        values,
        ChainKind::Loss,
        loss_symbol.clone(),
        sym(loss_symbol),
        loss_formula,
        step,
    )?;
    let derivatives = pass.derivatives(values)?;
    let (deltas, unshown_deltas) = pass.deltas(values)?;
    Ok(SampleRows {
        sample: pass.sample.map(|_| n as u32),
        forward,
        loss,
        derivatives,
        deltas,
        unshown_deltas,
    })
}

/// One sample's pass through the network in one step.
struct Pass<'f> {
    f: &'f Formulas<'f>,
    step: u32,
    /// The sample, from 1.
    n: usize,
    /// Its index on per-sample quantities (`None` with one sample).
    sample: Option<Index>,
}

impl Pass<'_> {
    /// A general formula at unit `i` of this sample.
    fn at(&self, e: &Expr, i: usize) -> Expr {
        instance(e, &[('i', num(i)), ('n', num(self.n))])
    }

    /// The pre-activations and outputs of `layer`, pushing each output as computed (before it
    /// is rounded for carrying) to `unrounded`.
    fn forward_layer(
        &self,
        values: &mut Values,
        layer: u32,
        unrounded: &mut Vec<Value>,
    ) -> Result<LayerChains, Error> {
        let (f, sample, step) = (self.f, self.sample, self.step);
        let units = f.network.width(layer);
        let mut chains = Vec::new();
        // Each a_i is a sum over the whole previous layer: evaluated in parallel.
        let definition = f.pre_definition(layer, I, 'j');
        let rows = evaluate_rows(units, f.network.width(layer - 1), |i| {
            let symbol = Symbol::pre(layer, num(i + 1)).at(sample);
            let formula = self.at(&definition, i + 1);
            let numbers = values.evaluate(&formula, &sym(symbol.clone()), step)?;
            Ok((symbol, formula, numbers))
        })?;
        for (symbol, formula, numbers) in rows {
            let lhs = sym(symbol.clone());
            let kind = ChainKind::PreActivation;
            chains.push(recorded(values, kind, symbol, lhs, formula, numbers).0);
        }
        for i in 1..=units {
            chains.push(self.output(values, layer, i, unrounded)?);
        }
        if f.network.layer(layer).dropout.is_some() {
            // z̃_i = r_i z_i / p: exactly 0 where the mask drops the output.
            let definition = f.dropped_definition(layer, I);
            for i in 1..=units {
                let symbol = Symbol::dropped(layer, num(i)).at(sample);
                let (kind, lhs) = (ChainKind::Activation, sym(symbol.clone()));
                let formula = self.at(&definition, i);
                let (chain, _) = numbered(values, kind, symbol, lhs, formula, step)?;
                chains.push(chain);
            }
        }
        Ok(LayerChains { layer, chains })
    }

    /// The output row of unit `i` of `layer`: `z = h(a) = numbers ≈ value`.
    fn output(
        &self,
        values: &mut Values,
        layer: u32,
        i: usize,
        unrounded: &mut Vec<Value>,
    ) -> Result<Chain, Error> {
        let f = self.f;
        let act = &f.network.layer(layer).activation;
        let a = Symbol::pre(layer, num(i)).at(self.sample);
        let symbol = Symbol::out(layer, num(i)).at(self.sample);
        if act.shape == Shape::Softmax {
            let formula = self.at(&f.softmax_formula(layer, I), i);
            let numbers = softmax_numbers(values, &formula, layer, i, self.sample);
            unrounded.push(numbers.1);
            let (kind, lhs) = (ChainKind::Activation, sym(symbol.clone()));
            return Ok(recorded(values, kind, symbol, lhs, formula, numbers).0);
        }
        let substituted = act.definition.bind(ARG, &Expr::Val(values.get(&a)));
        let applied = Expr::call(Func::Act(layer), Expr::Val(values.get(&a)));
        let (_, value) = values.evaluate(&applied, &sym(symbol.clone()), self.step)?;
        unrounded.push(value);
        let value = values.carry(symbol.clone(), value);
        // Show the definition with numbers, or when that is just the number itself (the
        // identity), the definition in symbols.
        let middle = match substituted {
            Expr::Val(_) => act.definition.bind(ARG, &sym(a.clone())),
            other => legible(other, values, &values.options),
        };
        let rows = vec![
            Expr::call(Func::Act(layer), sym(a)),
            middle,
            Expr::Val(value),
        ];
        Ok(Chain::new(ChainKind::Activation, sym(symbol), rows))
    }

    /// h'(a_i^{(l)}) at every unit where it is needed and not a constant, output layer first.
    fn derivatives(&self, values: &mut Values) -> Result<Vec<LayerChains>, Error> {
        let (f, sample, step) = (self.f, self.sample, self.step);
        let network = f.network;
        let mut derivatives = Vec::new();
        for layer in (1..=network.depth()).rev() {
            let act = &network.layer(layer).activation;
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
                let kind = ChainKind::Derivative;
                let (chain, _) = numbered(values, kind, symbol, lhs, formula, step)?;
                chains.push(chain.with_rules(&[act.rule]));
            }
            derivatives.push(LayerChains { layer, chains });
        }
        Ok(derivatives)
    }

    /// δ, output layer first; with the article's layout δ^{(1)} is computed but not shown
    /// (the second part).
    fn deltas(
        &self,
        values: &mut Values,
    ) -> Result<(Vec<LayerChains>, Option<LayerChains>), Error> {
        let f = self.f;
        let mut deltas = Vec::new();
        let mut unshown_deltas = None;
        for layer in (1..=f.network.depth()).rev() {
            let (delta, rules) = f.delta_of(layer);
            let mut chains = Vec::new();
            for i in 1..=f.network.width(layer) {
                let symbol = Symbol::delta(layer, num(i)).at(self.sample);
                let (kind, lhs, formula) =
                    (ChainKind::Delta, sym(symbol.clone()), self.at(delta, i));
                let (chain, _) = numbered(values, kind, symbol, lhs, formula, self.step)?;
                chains.push(chain.with_rules(rules));
            }
            if layer == 1 && f.expanded_first_layer() {
                unshown_deltas = Some(LayerChains { layer, chains });
            } else {
                deltas.push(LayerChains { layer, chains });
            }
        }
        Ok((deltas, unshown_deltas))
    }
}

/// Step `step`: every sample's pass, the loss, the gradients and the updates; the updated
/// parameters are left in `values` for the next step.
pub(super) fn derive_step(
    f: &Formulas,
    patterns: &[LayerRows],
    values: &mut Values,
    step: u32,
) -> Result<Step, Error> {
    let depth = f.network.depth();
    let count = f.network.samples();
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
        let (kind, lhs) = (ChainKind::Loss, sym(Symbol::loss()));
        let (chain, value) = numbered(values, kind, Symbol::loss(), lhs, formula, step)?;
        (Some(chain), value)
    };
    let decayed_loss = super::decay::loss(values, step)?;
    let gradients = gradients(f, patterns, values, step)?;
    let (updated, mut state, step_rate) = match Program::of(f.network) {
        Some(program) => optimizer_updates(&program, values, step)?,
        None => (updates(f, patterns, values, step)?, Vec::new(), None),
    };
    let layers = (1..=depth)
        .map(|layer| {
            let l = layer as usize - 1;
            let mut numbers = layer_numbers(values, &gradients[l], &updated[l], layer);
            if let Some(kept) = state.get_mut(l) {
                numbers.state = std::mem::take(kept);
            }
            numbers
        })
        .collect::<Vec<LayerNumbers>>();
    for (layer, updated) in (1..=depth).zip(updated) {
        values.keep_parameters(layer, updated);
    }
    if !state.is_empty() {
        values.moments = layers.iter().map(|n| n.state.clone()).collect();
    }
    Ok(Step {
        number: step,
        samples,
        total_loss,
        loss_value,
        sample_losses,
        layers,
        step_rate,
        decayed_loss,
    })
}

/// An optimizer's step beyond plain SGD: every parameter after it (layer 1 first, in row
/// order), each layer's state, and Adam's step size η_t; the state starts at 0.
#[allow(clippy::type_complexity)]
fn optimizer_updates(
    program: &Program,
    values: &mut Values,
    step: u32,
) -> Result<(Vec<Vec<Value>>, Vec<Vec<StateNumbers>>, Option<Chain>), Error> {
    if values.moments.is_empty() {
        values.moments = optimizers::initial(program, values.network);
    }
    let step_rate = program.step_rate(values, step)?;
    let rate = step_rate.as_ref().and_then(final_value);
    let depth = values.network.depth();
    let mut updated = vec![Vec::new(); depth as usize];
    let mut states = vec![Vec::new(); depth as usize];
    let values = &*values;
    for layer in (1..=depth).rev() {
        let l = layer as usize - 1;
        let before = &values.moments[l];
        let count = values.network.layer(layer).parameters();
        let per_parameter = evaluate_all(count, |k| {
            optimizers::parameter_values(program, values, before, (layer, k), step, rate)
        })?;
        updated[l] = per_parameter
            .iter()
            .filter_map(|now| now.last().copied())
            .collect();
        states[l] = optimizers::layer_state(program, before, &per_parameter);
    }
    Ok((updated, states, step_rate))
}

/// The value a chain ends with.
fn final_value(chain: &Chain) -> Option<Value> {
    match chain.rows.last()?.expr {
        Expr::Val(value) => Some(value),
        _ => None,
    }
}

/// Every gradient, carried, per layer (layer 1 first) in row order; evaluated output layer
/// first. The rows of a layer do not depend on each other, so they are evaluated in parallel;
/// [`super::Rows`] writes each row again from these values later.
fn gradients(
    f: &Formulas,
    patterns: &[LayerRows],
    values: &mut Values,
    step: u32,
) -> Result<Vec<Vec<Value>>, Error> {
    let depth = f.network.depth();
    let mut gradients: Vec<Vec<Value>> = vec![Vec::new(); depth as usize];
    for layer in (1..=depth).rev() {
        let rows = &patterns[layer as usize - 1];
        let computed = evaluate_all(rows.count(), |k| rows.gradient_value(values, k, step))?;
        let carried: Vec<Value> = computed.into_iter().map(|v| values.rounded(v)).collect();
        values.keep_gradients(layer, &carried);
        gradients[layer as usize - 1] = carried;
    }
    Ok(gradients)
}

/// Every parameter after the update, per layer (layer 1 first) in row order, computed from
/// this step's values; nothing without SGD.
fn updates(
    f: &Formulas,
    patterns: &[LayerRows],
    values: &Values,
    step: u32,
) -> Result<Vec<Vec<Value>>, Error> {
    let depth = f.network.depth();
    let mut updated: Vec<Vec<Value>> = vec![Vec::new(); depth as usize];
    if f.network.training.is_some() {
        let scaled = scaled_rate(values.store.rate);
        for layer in (1..=depth).rev() {
            let rows = &patterns[layer as usize - 1];
            updated[layer as usize - 1] = evaluate_all(rows.count(), |k| {
                let value = match rows.quick_update(values, k, scaled) {
                    Some(value) => value,
                    None => rows.update_value(values, k, step)?,
                };
                Ok(values.rounded(value))
            })?;
        }
    }
    Ok(updated)
}

/// `evaluate(0..count)` in order, in parallel when there are enough to be worth a thread; the
/// first error (in that order) if any.
pub(super) fn evaluate_all<T: Send>(
    count: usize,
    evaluate: impl Fn(usize) -> Result<T, Error> + Sync,
) -> Result<Vec<T>, Error> {
    evaluate_rows(count, 1, evaluate)
}

/// [`evaluate_all`] of rows of `terms` terms each: in parallel once there are enough terms in
/// all to be worth a thread (the 100 sums of 784 products of a 784-100-10 network are).
pub(super) fn evaluate_rows<T: Send>(
    count: usize,
    terms: usize,
    evaluate: impl Fn(usize) -> Result<T, Error> + Sync,
) -> Result<Vec<T>, Error> {
    const PARALLEL_FROM: usize = 256;
    if count < 2 || count.saturating_mul(terms) < PARALLEL_FROM {
        let mut all = Vec::with_capacity(count);
        for k in 0..count {
            all.push(evaluate(k)?);
        }
        return Ok(all);
    }
    // The first error in order, whichever thread meets it first (rayon's own `Result`
    // collection stops at whichever error a thread meets first, so the message could change
    // from run to run); the values written straight into one vector of the right size.
    let first: Mutex<Option<(usize, Error)>> = Mutex::new(None);
    let mut all: Vec<Option<T>> = Vec::with_capacity(count);
    (0..count)
        .into_par_iter()
        .map(|k| match evaluate(k) {
            Ok(value) => Some(value),
            Err(error) => {
                let mut first = first.lock().unwrap_or_else(PoisonError::into_inner);
                if first.as_ref().is_none_or(|(at, _)| k < *at) {
                    *first = Some((k, error));
                }
                None
            }
        })
        .collect_into_vec(&mut all);
    match first.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some((_, error)) => Err(error),
        None => Ok(all.into_iter().flatten().collect()),
    }
}

/// The numbers of `layer` in this step; `gradients` and `updated` hold its parameters' values
/// in row order (weights row by row, then biases).
pub(super) fn layer_numbers(
    values: &Values,
    gradients: &[Value],
    updated: &[Value],
    layer: u32,
) -> LayerNumbers {
    let network = values.network;
    let kept = &values.store.layers[layer as usize - 1];
    let known = |v: &Option<Value>| v.unwrap_or(Value::approx(f64::NAN));
    let inputs = kept.inputs.max(1);
    let matrix = |row_order: &[Value]| -> Vec<Vec<Value>> {
        row_order.chunks(inputs).map(<[Value]>::to_vec).collect()
    };
    let per_sample = |rows: &[Vec<Option<Value>>]| -> Vec<Vec<Value>> {
        rows.iter()
            .map(|row| row.iter().map(known).collect())
            .collect()
    };
    let has_bias = network.layer(layer).bias.is_some();
    let sgd = network.training.is_some();
    let weights = kept.weights.len();
    LayerNumbers {
        weights: kept
            .weights
            .chunks(inputs)
            .map(|row| row.iter().map(known).collect())
            .collect(),
        bias: has_bias.then(|| kept.bias.iter().map(known).collect()),
        pre: per_sample(&kept.pre),
        out: per_sample(&kept.out),
        delta: per_sample(&kept.delta),
        act_deriv: (network.layer(layer).activation.shape == Shape::Elementwise)
            .then(|| per_sample(&kept.act_deriv)),
        dropped: network
            .layer(layer)
            .dropout
            .as_ref()
            .map(|_| per_sample(&kept.dropped)),
        grad_weights: matrix(&gradients[..weights]),
        grad_bias: has_bias.then(|| gradients[weights..].to_vec()),
        weights_after: sgd.then(|| matrix(&updated[..weights])),
        bias_after: (sgd && has_bias).then(|| updated[weights..].to_vec()),
        state: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
