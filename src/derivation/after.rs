//! The loss after the update (issue 18, point 3): the forward pass once more with the
//! parameters the last step left, and E with them. It is the data loss, as a trained network
//! is evaluated: no weight-decay term and no dropout. Only its values are shown (a, z, y and
//! E), so its rows are not written out, but where a value leaves the real numbers, for the
//! message.

use super::formulas::{instance, Formulas, I};
use super::steps::{evaluate_rows, softmax_numbers};
use super::values::Values;
use super::{num, sym};
use crate::error::Error;
use crate::math::expr::{Expr, Func, Index, Symbol};
use crate::math::functions::Shape;
use crate::math::number::Value;

/// The forward pass and the loss with the parameters after the last update.
#[derive(Clone, Debug, PartialEq)]
pub struct After {
    /// The step whose update it follows: the last.
    pub step: u32,
    /// Layer 1 first: each layer's pre-activations and outputs, a row per sample.
    pub layers: Vec<AfterLayer>,
    /// E_n after the update, per sample.
    pub sample_losses: Vec<Value>,
    /// E after the update.
    pub loss: Value,
    /// E of the last step, before its update.
    pub before: Value,
    /// `before − loss`: how much the last update lowered E (negative where it raised it).
    pub decrease: Value,
}

/// One layer's values after the update.
#[derive(Clone, Debug, PartialEq)]
pub struct AfterLayer {
    pub pre: Vec<Vec<Value>>,
    pub out: Vec<Vec<Value>>,
}

/// The forward pass with the parameters in `values` (those the last step, `step`, left) and
/// the loss; `before` is that step's E.
pub(super) fn after(
    f: &Formulas,
    values: &mut Values,
    step: u32,
    before: Value,
) -> Result<After, Error> {
    let network = f.network;
    let count = network.samples();
    let mut sample_losses = Vec::with_capacity(count);
    for n in 1..=count {
        let sample = f.sample.map(|_| num(n));
        for layer in 1..=network.depth() {
            forward_layer(f, values, step, layer, n).map_err(after_the_update)?;
        }
        let symbol = Symbol::loss().at(sample);
        let formula = instance(&f.sample_loss(), &[('n', num(n))]);
        let (_, value) = values
            .evaluate(&formula, &sym(symbol.clone()), step)
            .map_err(after_the_update)?;
        sample_losses.push(values.carry(symbol, value));
    }
    let loss = if count == 1 {
        sample_losses[0]
    } else {
        let formula = instance(&f.over_samples(sym(Symbol::loss().at(f.sample))), &[]);
        let (_, value) = values
            .evaluate(&formula, &sym(Symbol::loss()), step)
            .map_err(after_the_update)?;
        values.carry(Symbol::loss(), value)
    };
    let known = |rows: &[Vec<Option<Value>>]| -> Vec<Vec<Value>> {
        rows.iter()
            .map(|row| {
                row.iter()
                    .map(|v| v.unwrap_or(Value::approx(f64::NAN)))
                    .collect()
            })
            .collect()
    };
    let layers = values
        .store
        .layers
        .iter()
        .map(|kept| AfterLayer {
            pre: known(&kept.pre),
            out: known(&kept.out),
        })
        .collect();
    Ok(After {
        step,
        layers,
        sample_losses,
        loss,
        before,
        decrease: before - loss,
    })
}

/// A message about a value of this pass names it as after the update.
fn after_the_update(error: Error) -> Error {
    match error {
        Error::Numeric {
            quantity,
            step,
            fault,
        } => Error::Numeric {
            quantity: format!("{quantity} after the update"),
            step,
            fault,
        },
        Error::RoundedAway {
            quantity,
            step,
            fault,
            digits,
            enough,
            span,
        } => Error::RoundedAway {
            quantity: format!("{quantity} after the update"),
            step,
            fault,
            digits,
            enough,
            span,
        },
        other => other,
    }
}

/// The pre-activations and outputs of `layer` for sample `n` (from 1), carried.
fn forward_layer(
    f: &Formulas,
    values: &mut Values,
    step: u32,
    layer: u32,
    n: usize,
) -> Result<(), Error> {
    let network = f.network;
    let sample = f.sample.map(|_| num(n));
    let units = network.width(layer);
    let pre = evaluate_rows(units, network.width(layer - 1), |i| {
        pre_activation(f, values, step, layer, n, i)
    })?;
    for (i, value) in pre.into_iter().enumerate() {
        values.carry(Symbol::pre(layer, num(i + 1)).at(sample), value);
    }
    let act = &network.layer(layer).activation;
    for i in 1..=units {
        let symbol = Symbol::out(layer, num(i)).at(sample);
        let value = match act.shape {
            Shape::Softmax => {
                let formula = instance(
                    &f.softmax_formula(layer, I),
                    &[('i', num(i)), ('n', num(n))],
                );
                softmax_numbers(values, &formula, layer, i, sample).1
            }
            Shape::Elementwise => {
                let a = values.get(&Symbol::pre(layer, num(i)).at(sample));
                let applied = Expr::call(Func::Act(layer), Expr::Val(a));
                values.evaluate(&applied, &sym(symbol.clone()), step)?.1
            }
        };
        values.carry(symbol, value);
    }
    Ok(())
}

/// `a_i = Σ_j w_ij z_j (+ b_i)` of unit `i` (from 0) from the kept values, without writing
/// the row out; written out and evaluated where a value is missing or not finite, for its
/// message.
fn pre_activation(
    f: &Formulas,
    values: &Values,
    step: u32,
    layer: u32,
    n: usize,
    i: usize,
) -> Result<Value, Error> {
    let store = &values.store;
    let kept = &store.layers[layer as usize - 1];
    let inputs = match layer {
        1 => &store.inputs[n - 1],
        _ => &store.layers[layer as usize - 2].out[n - 1],
    };
    let finite = |v: Option<Value>| v.filter(Value::is_finite);
    let weights = kept.weights.get(i * kept.inputs..(i + 1) * kept.inputs);
    let direct = weights.and_then(|weights| {
        let mut sum = Value::int(0);
        for (w, z) in weights.iter().zip(inputs) {
            sum = finite(Some(sum + finite(Some(finite(*w)? * finite(*z)?))?))?;
        }
        match kept.bias.get(i) {
            Some(b) if network_has_bias(f, layer) => finite(Some(sum + finite(*b)?)),
            _ => Some(sum),
        }
    });
    if let Some(value) = direct {
        return Ok(value);
    }
    let symbol = Symbol::pre(layer, num(i + 1)).at(f.sample.map(|_| num(n)));
    let formula = instance(
        &f.pre_definition(layer, Index::Num(i as u32 + 1), 'j'),
        &[('n', num(n))],
    );
    Ok(values.evaluate(&formula, &sym(symbol), step)?.1)
}

fn network_has_bias(f: &Formulas, layer: u32) -> bool {
    f.network.layer(layer).bias.is_some()
}

#[cfg(test)]
mod tests {
    use super::super::{derive, Options};

    fn network(text: &str) -> crate::model::Network {
        crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap()
    }

    #[test]
    fn the_articles_loss_after_is_the_forward_pass_with_the_updated_weights() {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/article.nn"),
        )
        .unwrap();
        let net = network(&text);
        let d = derive(&net, Options::default()).unwrap();
        let after = d.after.as_ref().expect("the article trains");
        assert_eq!(after.step, 1);
        // W⁽¹⁾ after = W⁽¹⁾ − 0.1·∂E/∂W⁽¹⁾, then a = W x, z = σ(a), y = W⁽²⁾ z, E = ½|y − t|².
        let w1 = &d.steps[0].layers[0].weights_after.as_ref().unwrap();
        let a1: f64 = w1[0]
            .iter()
            .zip([1.0, 2.0, 3.0])
            .map(|(w, x)| w.f * x)
            .sum();
        assert!((after.layers[0].pre[0][0].f - a1).abs() < 1e-12);
        let y = &after.layers[1].out[0];
        let e = ((y[0].f - 0.0).powi(2) + (y[1].f - 1.0).powi(2)) / 2.0;
        assert!((after.loss.f - e).abs() < 1e-12);
        assert!((after.loss.f - 0.38328).abs() < 1e-5, "{:?}", after.loss);
        assert_eq!(after.before, d.steps[0].loss_value);
        assert!((after.decrease.f - (after.before.f - after.loss.f)).abs() < 1e-12);
    }

    #[test]
    fn without_training_there_is_no_loss_after_and_an_exact_one_stays_exact() {
        let plain = "input x = [1]\ntarget t = [0]\nlayer identity W = [[0.5]]\nloss sum_squared\n";
        let net = network(plain);
        assert!(derive(&net, Options::default()).unwrap().after.is_none());
        // y = 0.5, ∂E/∂w = 0.5, w ← 0.5 − 0.5·0.5 = 0.25: E after = 0.25²/2 = 1/32, exactly.
        let net = network(&format!("{plain}sgd lr = 0.5\n"));
        let d = derive(&net, Options::default()).unwrap();
        let after = d.after.unwrap();
        assert_eq!(after.loss.f, 0.03125);
        assert_eq!(after.decrease.f, 0.125 - 0.03125);
        assert!(after.loss.exact().is_some() && after.decrease.exact().is_some());
    }
}
