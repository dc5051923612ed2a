//! `backprop-tex check`: every gradient the derivation prints, recomputed by central finite
//! differences of the loss.
//!
//! The loss is computed here by a plain f64 forward pass that shares nothing with the
//! derivation but the activation and loss formulas themselves — not the differentiator, not
//! the simplifier, not the chain of δ — so a wrong derivative rule shows up as a difference.

use std::collections::HashMap;

use crate::derivation::{Derivation, Step};
use crate::error::Error;
use crate::math::diff::Layers;
use crate::math::eval::{self, Env, Fault};
use crate::math::expr::{Expr, Index, Symbol};
use crate::math::functions::{Activation, Aggregate, Shape, ARG};
use crate::math::names::{Indices, Name};
use crate::math::number::Value;
use crate::math::precise::Dd;
use crate::model::{DropoutScale, Network};

/// The parameters of a network as floats: per layer, weights and optional bias.
#[derive(Clone, Debug)]
pub struct Params {
    pub weights: Vec<Vec<Vec<f64>>>,
    pub biases: Vec<Option<Vec<f64>>>,
}

/// The largest disagreement found in one layer.
#[derive(Clone, Debug)]
pub struct LayerReport {
    pub layer: u32,
    /// Weights and biases compared (over all steps).
    pub compared: usize,
    /// Parameters left out because the loss has a kink there (relu at exactly 0).
    pub at_kinks: usize,
    pub largest: f64,
    /// The largest error bound of a finite difference, relative as `largest` is: what the
    /// comparison can resolve (large where E is huge beside the gradients).
    pub resolution: f64,
    /// Where the largest difference is: a description such as `dE/dw_11^(1) in step 1`.
    pub worst: String,
    pub printed: f64,
    pub finite_difference: f64,
}

struct Lookup<'a> {
    network: &'a Network,
    values: HashMap<Symbol, Value>,
}

impl Env for Lookup<'_> {
    fn symbol(&self, symbol: &Symbol) -> Option<Value> {
        self.values.get(symbol).copied()
    }
    fn activation(&self, layer: u32) -> Option<&Activation> {
        Layers::activation(self.network, layer)
    }
}

fn apply_activation(network: &Network, act: &Activation, a: &[f64]) -> Result<Vec<f64>, Fault> {
    match act.shape {
        Shape::Softmax => {
            let top = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let exps: Vec<f64> = a.iter().map(|v| (v - top).exp()).collect();
            let total: f64 = exps.iter().sum();
            Ok(exps.iter().map(|e| e / total).collect())
        }
        Shape::Elementwise => a
            .iter()
            .map(|&v| {
                let env = Lookup {
                    network,
                    values: HashMap::new(),
                };
                let value = Value::approx(v);
                let result = match act.numeric {
                    Some(f) => eval::apply(f, value),
                    None => eval::eval(&act.definition.bind(ARG, &Expr::Val(value)), &env),
                };
                result.map(|value| value.f)
            })
            .collect(),
    }
}

/// The loss E of `network` with parameters `params`, by a plain forward pass.
#[cfg(test)]
pub fn loss(network: &Network, params: &Params) -> Result<f64, Fault> {
    loss_pair(network, params).map(|e| e.hi)
}

/// [`loss`] as the double-double the loss formula evaluates to: a central difference of it
/// then keeps what rounding E to a float would lose (ε·E/h).
fn loss_pair(network: &Network, params: &Params) -> Result<Dd, Fault> {
    let depth = network.depth();
    let per_sample = network.loss.instantiate(depth);
    let mut total = Dd::ZERO;
    for (n, (x, t)) in network.x.iter().zip(&network.t).enumerate() {
        let mut z: Vec<f64> = x.iter().map(|d| d.to_f64()).collect();
        for (l, layer) in network.layers.iter().enumerate() {
            let a: Vec<f64> = params.weights[l]
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let sum: f64 = row.iter().zip(&z).map(|(w, v)| w * v).sum();
                    sum + params.biases[l].as_ref().map_or(0.0, |b| b[i])
                })
                .collect();
            z = apply_activation(network, &layer.activation, &a)?;
            if let Some(dropout) = &layer.dropout {
                // The same mask and scale as the derivation's training step.
                drop_out(&mut z, &dropout.mask[n], dropout.scale);
            }
        }
        let mut values = HashMap::new();
        for (k, (y, target)) in z.iter().zip(t).enumerate() {
            let k = Index::Num(k as u32 + 1);
            values.insert(Symbol::out(depth, k), Value::approx(*y));
            values.insert(Symbol::target(k), Value::decimal(*target));
        }
        let env = Lookup { network, values };
        total = total + eval::eval(&per_sample, &env)?.dd();
    }
    let data = match network.loss.aggregate {
        Aggregate::Sum => total,
        Aggregate::Mean => total / Dd::from_f64(network.samples() as f64),
    };
    // With weight decay the loss descended is Ẽ = E + (λ/2) Σ w², over the weights only.
    Ok(match network.weight_decay {
        Some(lambda) => {
            let squares = params
                .weights
                .iter()
                .flatten()
                .flatten()
                .fold(Dd::ZERO, |sum, &w| sum + Dd::from_f64(w) * Dd::from_f64(w));
            data + Dd::from_f64(lambda.to_f64() / 2.0) * squares
        }
        None => data,
    })
}

/// z̃ = r ⊙ z / p (inverted dropout) or r ⊙ z (`scale = none`).
fn drop_out(z: &mut [f64], mask: &[bool], scale: DropoutScale) {
    let keep = match scale {
        DropoutScale::Inverted { keep } => keep.to_f64(),
        DropoutScale::None => 1.0,
    };
    for (z, &kept) in z.iter_mut().zip(mask) {
        *z = if kept { *z / keep } else { 0.0 };
    }
}

/// Why a central difference could not be taken.
#[derive(Debug)]
enum Probe {
    /// The loss itself has no value at the parameters (a fault of the network, not the probe).
    Centre(Fault),
    /// `w ± h` left the domain of `function` for every step tried, down to `h`.
    LeftDomain { function: &'static str, h: f64 },
}

/// Halvings of the step tried when `w ± h` leaves the loss's domain (from 1e-5 down to 1e-14,
/// relative to the parameter).
const HALVINGS: u32 = 30;
/// Further halvings once inside, so that the domain's edge is far compared with the step.
const INSIDE_HALVINGS: u32 = 10;

/// A finite-difference estimate of one gradient, and a bound on its own error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub error: f64,
}

/// Gradients smaller than this compare absolutely: `T·FLOOR` is the least difference allowed.
pub const FLOOR: f64 = 1e-3;
/// The rounding error of a computed loss, in units of ε·|E|: a forward pass rounds once per
/// operation, and a handful of roundings that do not cancel is generous.
const ROUNDING: f64 = 16.0;
/// Ridders' extrapolation: at most this many steps, each this much smaller than the last,
/// stopping when the table diverges by [`RIDDERS_SAFE`] times its best error.
const RIDDERS_STEPS: usize = 16;
const RIDDERS_SHRINK: f64 = 1.4;
const RIDDERS_SAFE: f64 = 2.0;
/// The first step of the extrapolation, relative to the parameter (large, so that the rounding
/// of E matters little; the extrapolation removes the truncation error). Near the edge of a
/// domain it starts from [`RIDDERS_INSIDE`] times the plain difference's step instead, and
/// a first step without a value is divided by 8 until it has one.
const RIDDERS_START: f64 = 0.1;
const RIDDERS_INSIDE: f64 = 64.0;

/// Whether `printed` is confirmed by `estimate` within the relative `tolerance`:
/// `|g − d| ≤ T·max(|g|, |d|, FLOOR) + e`, with e the estimate's own error bound. A NaN never
/// agrees.
pub fn agrees(printed: f64, estimate: Estimate, tolerance: f64) -> bool {
    let scale = printed.abs().max(estimate.value.abs()).max(FLOOR);
    (printed - estimate.value).abs() <= tolerance * scale + estimate.error
}

/// The rounding error of a central difference of step `h` of a loss of size `size`.
fn rounding(size: f64, h: f64) -> f64 {
    ROUNDING * f64::EPSILON * size / h
}

/// The plain central difference: its value, step, and the largest |E| it used.
struct Plain {
    value: f64,
    h: f64,
    size: f64,
    /// The step was made smaller to keep the probes inside the loss's domain.
    shrunk: bool,
}

/// The loss at `value` of the parameter in `slot`, the parameter put back afterwards.
fn loss_at(
    network: &Network,
    params: &mut Params,
    slot: &impl Fn(&mut Params) -> &mut f64,
    value: f64,
) -> Result<Dd, Fault> {
    let original = *slot(params);
    *slot(params) = value;
    let loss = loss_pair(network, params);
    *slot(params) = original;
    loss
}

/// The central difference of the loss in one parameter, or `None` at a kink (where the two
/// one-sided differences disagree). Near the edge of a domain (`sqrt(y − t)` just above
/// y = t) the probes `w ± h` may leave it: the step is then halved until both are inside.
fn central_difference(
    network: &Network,
    params: &mut Params,
    slot: &impl Fn(&mut Params) -> &mut f64,
) -> Result<Option<Plain>, Probe> {
    let original = *slot(params);
    let scale = original.abs().max(1.0);
    let mut h = 1e-5 * scale;
    let centre = loss_at(network, params, slot, original).map_err(Probe::Centre)?;
    let mut probes = |h: f64| -> Result<(Dd, Dd), Fault> {
        Ok((
            loss_at(network, params, slot, original + h)?,
            loss_at(network, params, slot, original - h)?,
        ))
    };
    let (plus, minus) = match probes(h) {
        Ok(both) => both,
        Err(first) => {
            let mut fault = first;
            let mut inside = None;
            for _ in 0..HALVINGS {
                h /= 2.0;
                match probes(h) {
                    Ok(_) => {
                        inside = Some(h);
                        break;
                    }
                    Err(next) => fault = next,
                }
            }
            let Some(entered) = inside else {
                return Err(match fault.domain() {
                    Some(function) => Probe::LeftDomain { function, h },
                    None => Probe::Centre(fault),
                });
            };
            // Not below 1e-12 of the parameter, where rounding would swamp the difference.
            let floor = entered.min(1e-12 * scale);
            h = (entered / f64::from(1u32 << INSIDE_HALVINGS)).max(floor);
            probes(h).map_err(Probe::Centre)?
        }
    };
    let (forward, backward) = ((plus - centre).hi / h, (centre - minus).hi / h);
    let size = centre.hi.abs().max(plus.hi.abs()).max(minus.hi.abs());
    // The one-sided slopes differ by more than curvature and the rounding of E explain.
    let kink = (forward - backward).abs()
        > 1e-3 * forward.abs().max(backward.abs()).max(1.0) + 4.0 * rounding(size, h);
    Ok((!kink).then_some(Plain {
        value: (plus - minus).hi / (2.0 * h),
        h,
        size,
        shrunk: h < 1e-5 * scale,
    }))
}

/// Ridders' method: central differences at steps shrinking from `h`, extrapolated to step 0
/// (Richardson's tableau), the best entry and its error as the table estimates it (doubled),
/// plus the rounding of E at the smallest step. `None` if the first step has no value.
fn ridders(
    mut difference: impl FnMut(f64) -> Result<(f64, f64), Fault>,
    h: f64,
) -> Option<Estimate> {
    let mut h = h;
    let (first, mut size) = difference(h).ok()?;
    let mut previous = vec![first];
    let mut best = Estimate {
        value: first,
        error: f64::INFINITY,
    };
    for i in 1..RIDDERS_STEPS {
        let Ok((value, at)) = difference(h / RIDDERS_SHRINK) else {
            break;
        };
        h /= RIDDERS_SHRINK;
        size = size.max(at);
        let mut row = vec![value];
        let mut factor = RIDDERS_SHRINK * RIDDERS_SHRINK;
        for j in 1..=i {
            let next = (row[j - 1] * factor - previous[j - 1]) / (factor - 1.0);
            factor *= RIDDERS_SHRINK * RIDDERS_SHRINK;
            let error = (next - row[j - 1])
                .abs()
                .max((next - previous[j - 1]).abs());
            if error <= best.error {
                best = Estimate { value: next, error };
            }
            row.push(next);
        }
        let diverging = (row[i] - previous[i - 1]).abs() >= RIDDERS_SAFE * best.error;
        previous = row;
        if diverging {
            break;
        }
    }
    best.error.is_finite().then(|| Estimate {
        value: best.value,
        error: 2.0 * best.error + rounding(size, h),
    })
}

/// The finite difference of one parameter (`None` at a kink): the plain central difference
/// when it confirms `printed` outright; else the better of Ridders' extrapolation and the plain
/// difference with its error measured against the step doubled, with its error bound.
fn finite_difference(
    network: &Network,
    params: &mut Params,
    slot: &impl Fn(&mut Params) -> &mut f64,
    printed: f64,
    tolerance: f64,
) -> Result<Option<Estimate>, Probe> {
    let Some(plain) = central_difference(network, params, slot)? else {
        return Ok(None);
    };
    let outright = Estimate {
        value: plain.value,
        error: 0.0,
    };
    if agrees(printed, outright, tolerance) {
        return Ok(Some(outright));
    }
    let original = *slot(params);
    let difference = |params: &mut Params, h: f64| -> Result<(f64, f64), Fault> {
        let plus = loss_at(network, params, slot, original + h)?;
        let minus = loss_at(network, params, slot, original - h)?;
        Ok((
            (plus - minus).hi / (2.0 * h),
            plus.hi.abs().max(minus.hi.abs()),
        ))
    };
    // The plain difference with its error measured against the step doubled: honest also
    // where the loss's second derivative jumps (softsign at 0), whose error is of order h
    // and defeats the extrapolation.
    let measured = difference(params, 2.0 * plain.h)
        .ok()
        .map(|(doubled, size)| Estimate {
            value: plain.value,
            error: (plain.value - doubled).abs() + 2.0 * rounding(size.max(plain.size), plain.h),
        });
    let mut start = if plain.shrunk {
        RIDDERS_INSIDE * plain.h
    } else {
        RIDDERS_START * original.abs().max(1.0)
    };
    let mut extrapolated = None;
    while extrapolated.is_none() && start > plain.h {
        extrapolated = ridders(|h| difference(params, h), start);
        start /= 8.0;
    }
    // The tighter of the two, unless they contradict each other: then the extrapolation's
    // premise (an error in even powers of h) failed, and the measured one stands.
    let chosen = match (extrapolated, measured) {
        (Some(r), Some(m)) => {
            let contradict = (r.value - m.value).abs() > r.error + m.error;
            if contradict || m.error < r.error {
                m
            } else {
                r
            }
        }
        (r, m) => r.or(m).unwrap_or(Estimate {
            value: plain.value,
            error: rounding(plain.size, plain.h),
        }),
    };
    Ok(Some(chosen))
}

/// A parameter's place in [`Params`] (the signature makes the closure's lifetimes general).
fn slot<F: Fn(&mut Params) -> &mut f64>(f: F) -> F {
    f
}

/// Relative difference with a floor, so that gradients near zero compare absolutely.
pub fn relative_difference(printed: f64, reference: f64) -> f64 {
    (printed - reference).abs() / printed.abs().max(reference.abs()).max(FLOOR)
}

/// A gradient that its finite difference does not confirm.
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// Which gradient: `dE/dw_11^(1) in step 1`.
    pub name: String,
    pub printed: f64,
    pub finite_difference: Estimate,
}

/// What `check` found: per layer (last layer first), and every mismatch in the order the
/// derivation prints the gradients (step, layer, weights row by row, then biases).
#[derive(Clone, Debug)]
pub struct Report {
    pub layers: Vec<LayerReport>,
    pub mismatches: Vec<Mismatch>,
    /// Gradients compared in all.
    pub compared: usize,
}

/// Checks every printed gradient of every step, each within the relative `tolerance` (see
/// [`agrees`]).
pub fn check_gradients(derivation: &Derivation, tolerance: f64) -> Result<Report, Error> {
    let network = derivation.network;
    let mut reports: Vec<LayerReport> = (1..=network.depth()).map(LayerReport::new).collect();
    let mut mismatches = Vec::new();
    for step in &derivation.steps {
        let mut params = Params::of(step);
        for (l, numbers) in step.layers.iter().enumerate() {
            let report = &mut reports[l];
            let mut record = |printed: f64, fd: Option<Estimate>, name: String| {
                let name = format!("{name} in step {}", step.number);
                report.record(printed, fd, name, tolerance, &mut mismatches);
            };
            for (i, row) in numbers.grad_weights.iter().enumerate() {
                for (j, printed) in row.iter().enumerate() {
                    let name = weight_gradient_name(network, l as u32 + 1, i, j);
                    let slot = slot(|p| &mut p.weights[l][i][j]);
                    let fd = finite_difference(network, &mut params, &slot, printed.f, tolerance)
                        .map_err(|probe| probe_fault(step.number, &name, probe))?;
                    record(printed.f, fd, name);
                }
            }
            for (i, printed) in numbers.grad_bias.iter().flatten().enumerate() {
                let name = gradient_name(Symbol::grad_bias(l as u32 + 1, unit(i)));
                let slot = slot(|p| {
                    &mut p.biases[l]
                        .as_mut()
                        .expect("a layer with a bias gradient has a bias")[i]
                });
                let fd = finite_difference(network, &mut params, &slot, printed.f, tolerance)
                    .map_err(|probe| probe_fault(step.number, &name, probe))?;
                record(printed.f, fd, name);
            }
        }
    }
    reports.reverse();
    let compared = reports.iter().map(|r| r.compared).sum();
    Ok(Report {
        layers: reports,
        mismatches,
        compared,
    })
}

/// A weight's gradient's name in the report: `dE/dw_11^(1)`, with weight decay `dE~/dw_11^(1)`
/// (the gradient checked is then ∂Ẽ/∂w).
fn weight_gradient_name(network: &Network, layer: u32, i: usize, j: usize) -> String {
    match network.weight_decay {
        Some(_) => crate::math::names::plain(
            &Expr::partial(
                Expr::Sym(Symbol::decayed_loss()),
                Expr::Sym(Symbol::weight(layer, unit(i), unit(j))),
            ),
            None,
            Indices::Joined,
        ),
        None => gradient_name(Symbol::grad_weight(layer, unit(i), unit(j))),
    }
}

/// A gradient's name in the report: `dE/dw_11^(1)`.
fn gradient_name(gradient: Symbol) -> String {
    Name::of(&gradient, None).plain(Indices::Joined)
}

/// Unit `i` (from 0) as an index (from 1).
fn unit(i: usize) -> Index {
    Index::Num(i as u32 + 1)
}

/// The error of a probe that failed at the gradient `name` in `step`.
fn probe_fault(step: u32, name: &str, probe: Probe) -> Error {
    match probe {
        Probe::Centre(fault) => Error::Numeric {
            quantity: "E".into(),
            step,
            fault: fault.to_string(),
        },
        Probe::LeftDomain { function, h } => Error::Verification {
            message: format!(
                "the finite-difference probe left the domain of {function} at {name} in step \
                 {step}: the loss is not defined at w ± h, even for h = {h:.1e}"
            ),
        },
    }
}

impl LayerReport {
    fn new(layer: u32) -> LayerReport {
        LayerReport {
            layer,
            compared: 0,
            at_kinks: 0,
            largest: 0.0,
            resolution: 0.0,
            worst: String::new(),
            printed: 0.0,
            finite_difference: 0.0,
        }
    }

    /// Counts one gradient against its finite difference (none at a kink), adding it to
    /// `mismatches` when they disagree.
    fn record(
        &mut self,
        printed: f64,
        fd: Option<Estimate>,
        name: String,
        tolerance: f64,
        mismatches: &mut Vec<Mismatch>,
    ) {
        let Some(fd) = fd else {
            self.at_kinks += 1;
            return;
        };
        self.compared += 1;
        let difference = relative_difference(printed, fd.value);
        let scale = printed.abs().max(fd.value.abs()).max(FLOOR);
        self.resolution = self.resolution.max(fd.error / scale);
        if !agrees(printed, fd, tolerance) {
            mismatches.push(Mismatch {
                name: name.clone(),
                printed,
                finite_difference: fd,
            });
        }
        if difference >= self.largest || difference.is_nan() {
            self.largest = difference;
            self.worst = name;
            self.printed = printed;
            self.finite_difference = fd.value;
        }
    }
}

impl Params {
    /// The weights and biases of `step` as floats.
    fn of(step: &Step) -> Params {
        Params {
            weights: step
                .layers
                .iter()
                .map(|l| {
                    l.weights
                        .iter()
                        .map(|r| r.iter().map(|v| v.f).collect())
                        .collect()
                })
                .collect(),
            biases: step
                .layers
                .iter()
                .map(|l| l.bias.as_ref().map(|b| b.iter().map(|v| v.f).collect()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::{derive, Options};

    fn network(text: &str) -> Network {
        crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap()
    }

    const TOLERANCE: f64 = 1e-6;

    fn checked(text: &str) -> Report {
        let net = network(text);
        let derivation = derive(&net, Options::default()).unwrap();
        check_gradients(&derivation, TOLERANCE).unwrap()
    }

    #[test]
    fn the_article_passes() {
        let report = checked(include_str!("../../examples/article.nn"));
        let compared: Vec<usize> = report.layers.iter().map(|r| r.compared).collect();
        assert_eq!((compared, report.compared), (vec![4, 6], 10));
        assert!(report.mismatches.is_empty(), "{report:?}");
        assert!(report.layers.iter().all(|r| r.largest < 1e-8), "{report:?}");
    }

    #[test]
    fn a_wrong_gradient_is_caught_and_named() {
        let net = network(include_str!("../../examples/article.nn"));
        let mut derivation = derive(&net, Options::default()).unwrap();
        derivation.steps[0].layers[0].grad_weights[1][2] = Value::approx(10.0);
        let report = check_gradients(&derivation, TOLERANCE).unwrap();
        let first_layer = &report.layers[1];
        assert_eq!(first_layer.worst, "dE/dw_23^(1) in step 1");
        assert!((first_layer.finite_difference - 10.89230730).abs() < 1e-6);
        assert!(first_layer.largest > 0.08);
        assert!(report.layers[0].largest < 1e-8);
        let names: Vec<&str> = report.mismatches.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["dE/dw_23^(1) in step 1"]);
    }

    /// With weight decay the finite differences are of Ẽ = E + (λ/2) Σ w², and they agree with
    /// ∂Ẽ/∂w = ∂E/∂w + λw (the biases' with ∂E/∂b); ∂E/∂w alone, λw away, is named and caught.
    #[test]
    fn with_weight_decay_the_decayed_gradients_are_checked() {
        let text = include_str!("../../examples/article.nn")
            .replace("sgd lr = 0.1", "sgd lr = 0.1\nweight_decay 0.01")
            .replace("layer identity\n", "layer identity\n  b = [0.5, -0.5]\n");
        let report = checked(&text);
        assert_eq!(report.compared, 12);
        assert!(report.mismatches.is_empty(), "{report:?}");
        assert!(report.layers.iter().all(|r| r.largest < 1e-8), "{report:?}");
        // Ẽ of the article is E + 0.005 · (0.15 + 30).
        let net = network(&text);
        let derivation = derive(&net, Options::default()).unwrap();
        let params = Params::of(&derivation.steps[0]);
        let plain = network(&text.replace("weight_decay 0.01", ""));
        let (decayed, data) = (loss(&net, &params).unwrap(), loss(&plain, &params).unwrap());
        assert!(
            (decayed - data - 0.005 * 30.15).abs() < 1e-12,
            "{decayed} {data}"
        );
        // The gradient without its decay term λw_23 = 0.002 is a mismatch, named as ∂Ẽ/∂w.
        let mut wrong = derivation.clone();
        let printed = wrong.steps[0].layers[0].grad_weights[1][2].f;
        wrong.steps[0].layers[0].grad_weights[1][2] = Value::approx(printed - 0.01 * 0.2);
        let report = check_gradients(&wrong, TOLERANCE).unwrap();
        let names: Vec<&str> = report.mismatches.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["dE~/dw_23^(1) in step 1"]);
    }

    /// The network: E ≈ 5000 and ∂E/∂w_11^(1) = −0.00999999 exactly, which the plain
    /// central difference misses by 4·10⁻⁶ of itself (rounding of E over the step).
    const SMALL_NEXT_TO_LARGE: &str = "input x = [1]\nlayer identity W = [[1]]\nlayer identity W = [[0.0001]]\ntarget t = [100]\nloss sum_squared\n";

    #[test]
    fn a_small_gradient_next_to_a_large_loss_passes_and_a_wrong_one_fails() {
        let report = checked(SMALL_NEXT_TO_LARGE);
        assert!(report.mismatches.is_empty(), "{report:?}");
        assert_eq!(report.compared, 2);
        let net = network(SMALL_NEXT_TO_LARGE);
        let mut derivation = derive(&net, Options::default()).unwrap();
        assert_eq!(
            derivation.steps[0].layers[0].grad_weights[0][0].f,
            -0.00999999
        );
        // 10⁻³ and 10⁻⁵ off, relatively: both caught.
        for wrong in [-0.00999999 * (1.0 + 1e-3), -0.00999999 * (1.0 - 1e-5)] {
            derivation.steps[0].layers[0].grad_weights[0][0] = Value::approx(wrong);
            let report = check_gradients(&derivation, TOLERANCE).unwrap();
            assert_eq!(report.mismatches.len(), 1, "{wrong}: {report:?}");
            let estimate = report.mismatches[0].finite_difference;
            assert!((estimate.value + 0.00999999).abs() < 1e-10, "{estimate:?}");
            assert!(estimate.error < 1e-9, "{estimate:?}");
        }
    }

    #[test]
    fn small_gradients_beside_a_huge_loss_pass() {
        // E ≈ 5·10¹¹, gradients from 10⁻⁸ to 10⁶: each is exact (decimal arithmetic).
        let text = "input x = [2, 0.5]\nlayer identity W = [[0.001, -0.002], [0.0005, 0.003]]\nlayer identity W = [[0.00001, 0.00002]]\ntarget t = [1000000]\nloss sum_squared\n";
        let report = checked(text);
        assert!(report.mismatches.is_empty(), "{report:?}");
        assert_eq!(report.compared, 6);
        // E's rounding (ε·E ≈ 10⁻⁴) over the step bounds what finite differences resolve here:
        // each gradient 5% off is caught, and all six are listed, with the resolution stated.
        let net = network(text);
        let mut derivation = derive(&net, Options::default()).unwrap();
        for layer in &mut derivation.steps[0].layers {
            for g in layer.grad_weights.iter_mut().flatten() {
                *g = Value::approx(g.f * 1.05);
            }
        }
        let report = check_gradients(&derivation, TOLERANCE).unwrap();
        assert_eq!(report.mismatches.len(), 6, "{report:?}");
        assert!(
            report.layers[1].resolution > 1e-4 && report.layers[1].resolution < 1e-2,
            "{report:?}"
        );
    }

    #[test]
    fn every_mismatch_is_reported_in_the_order_of_the_derivation() {
        let net = network(include_str!("../../examples/deep.nn"));
        let mut derivation = derive(&net, Options::default()).unwrap();
        let layers = &mut derivation.steps[0].layers;
        for (l, i, j) in [(2, 0, 1), (0, 1, 0), (0, 2, 1), (1, 1, 1)] {
            let g = &mut layers[l].grad_weights[i][j];
            *g = Value::approx(g.f * (1.0 + 1e-3) + 1e-3);
        }
        let report = check_gradients(&derivation, TOLERANCE).unwrap();
        let names: Vec<&str> = report.mismatches.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "dE/dw_21^(1) in step 1",
                "dE/dw_32^(1) in step 1",
                "dE/dw_22^(2) in step 1",
                "dE/dw_12^(3) in step 1"
            ]
        );
    }

    #[test]
    fn the_comparison_fails_a_relative_error_of_a_thousandth() {
        let exact = Estimate {
            value: 0.25,
            error: 0.0,
        };
        assert!(agrees(0.25 * (1.0 + 1e-7), exact, TOLERANCE));
        assert!(!agrees(0.25 * (1.0 + 1e-3), exact, TOLERANCE));
        assert!(!agrees(0.25 * (1.0 - 2e-6), exact, TOLERANCE));
        // The estimate's own error widens the band by exactly that much, no more.
        let rough = Estimate {
            value: 0.25,
            error: 1e-4,
        };
        assert!(agrees(0.25 + 1e-4, rough, TOLERANCE));
        assert!(!agrees(0.25 + 1e-4 + 1e-6, rough, TOLERANCE));
        // Near 0 the floor makes it absolute: T·10⁻³.
        let zero = Estimate {
            value: 0.0,
            error: 0.0,
        };
        assert!(agrees(9e-10, zero, TOLERANCE) && !agrees(2e-9, zero, TOLERANCE));
        assert!(!agrees(f64::NAN, exact, TOLERANCE));
    }

    #[test]
    fn ridders_extrapolates_a_smooth_function_to_its_derivative() {
        // d/dx exp(x) at 1, from differences no smaller than 1e-4.
        let estimate = ridders(
            |h| Ok((((1.0 + h).exp() - (1.0 - h).exp()) / (2.0 * h), 3.0)),
            1e-2,
        )
        .unwrap();
        let e = std::f64::consts::E;
        assert!((estimate.value - e).abs() < 1e-11, "{estimate:?}");
        assert!(estimate.error < 1e-9 && estimate.error >= (estimate.value - e).abs());
        // A first step without a value gives no estimate.
        assert_eq!(ridders(|_| Err(Fault::NotReal), 1e-2), None);
    }

    #[test]
    fn the_forward_loss_is_the_articles() {
        let net = network(include_str!("../../examples/article.nn"));
        let params = Params {
            weights: vec![
                vec![vec![0.1; 3], vec![0.2; 3]],
                vec![vec![1.0, 2.0], vec![3.0, 4.0]],
            ],
            biases: vec![None, None],
        };
        assert!((loss(&net, &params).unwrap() - 10.426435926091724).abs() < 1e-12);
    }

    #[test]
    fn a_relu_kink_is_left_out() {
        // a = 1·1 − 1·1 = 0 exactly: relu has no derivative there.
        let net = network("input x = [1, 1]\nlayer relu W = [[1, -1]]\nlayer identity W = [[1]]\ntarget t = [1]\nloss sum_squared\n");
        let derivation = derive(&net, Options::default()).unwrap();
        let reports = check_gradients(&derivation, TOLERANCE).unwrap().layers;
        assert_eq!((reports[1].at_kinks, reports[1].compared), (2, 0));
    }

    #[test]
    fn the_probe_shrinks_near_the_edge_of_a_domain() {
        // y − t = 1e-7: w ± 1e-5 takes sqrt below 0, a smaller step does not.
        let net = network("input x = [1]\nlayer identity W = [[0.2000001]]\ntarget t = [0.2]\nloss (y, t) = sqrt(y - t)\n");
        let derivation = derive(&net, Options::default()).unwrap();
        let reports = check_gradients(&derivation, TOLERANCE).unwrap().layers;
        assert!(reports[0].largest < 1e-6, "{reports:?}");
    }

    #[test]
    fn a_probe_that_cannot_stay_in_the_domain_is_named() {
        // At y = t, (y − t)^1.5 has a derivative (0) but no value just below.
        let net = network("input x = [1]\nlayer identity W = [[0.2]]\ntarget t = [0.2]\nloss (y, t) = (y - t)^1.5\n");
        let derivation = derive(&net, Options::default()).unwrap();
        let error = check_gradients(&derivation, TOLERANCE)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("the finite-difference probe left the domain of a fractional power at dE/dw_11^(1) in step 1"),
            "{error}"
        );
    }

    #[test]
    fn relative_difference_has_a_floor() {
        assert_eq!(relative_difference(2.0, 1.0), 0.5);
        assert!(relative_difference(1e-12, 0.0) < 1e-8);
    }
}
