//! The numbers: the values of a step as they are computed (`Values`) or finished
//! (`StepSource`), carried exact or rounded, and numbers rows made legible.

use rustc_hash::FxHashMap as HashMap;

use super::chain::LayerChains;
use super::chain::Step;
use super::options::{Carry, Options};
use super::{num, sym};
use crate::error::Error;
use crate::math::diff;
use crate::math::eval::{self, Env};
use crate::math::expr::{Expr, Func, Index, Kind, Symbol};
use crate::math::functions::Activation;
use crate::math::number::Value;
use crate::model::Network;

/// Where the numbers of a numbers row come from: the values being computed, or a finished
/// step's.
pub(super) trait Source: Env {
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
pub(super) struct Values<'n> {
    pub(super) network: &'n Network,
    pub(super) map: HashMap<Symbol, Value>,
    pub(super) options: Options,
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

impl<'n> Values<'n> {
    /// The values given in the file: the inputs and targets, the weights and biases, the
    /// learning rate.
    pub(super) fn given(network: &'n Network, options: Options) -> Values<'n> {
        let single = network.samples() == 1;
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
        values
    }
}

impl Values<'_> {
    /// Stores a computed value as later rows will use it.
    pub(super) fn carry(&mut self, symbol: Symbol, value: Value) -> Value {
        let carried = self.rounded(value);
        self.map.insert(symbol, carried);
        carried
    }

    pub(super) fn rounded(&self, value: Value) -> Value {
        match self.options.carry {
            Carry::Exact => value,
            Carry::Rounded => value.rounded(self.options.digits, self.options.rounding),
        }
    }

    pub(super) fn get(&self, symbol: &Symbol) -> Value {
        self.map
            .get(symbol)
            .copied()
            .unwrap_or(Value::approx(f64::NAN))
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
            values.map.insert(symbol.clone(), value);
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
pub(super) fn given(d: crate::math::number::Decimal, options: &Options) -> Value {
    let value = Value::decimal(d);
    match options.carry {
        Carry::Exact => value,
        Carry::Rounded => value.rounded(options.digits, options.rounding),
    }
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
