//! `backprop-tex check`: every gradient the derivation prints, recomputed by central finite
//! differences of the loss.
//!
//! The loss is computed here by a plain f64 forward pass that shares nothing with the
//! derivation but the activation and loss formulas themselves — not the differentiator, not
//! the simplifier, not the chain of δ — so a wrong derivative rule shows up as a difference.

use std::collections::HashMap;

use crate::derivation::Derivation;
use crate::diff::Layers;
use crate::error::Error;
use crate::eval::{self, Env, Fault};
use crate::expr::{Expr, Index, Symbol};
use crate::functions::{Activation, Aggregate, Shape, ARG};
use crate::model::Network;
use crate::number::Value;

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
pub fn loss(network: &Network, params: &Params) -> Result<f64, Fault> {
    let depth = network.depth();
    let per_sample = network.loss.instantiate(depth);
    let mut total = 0.0;
    for (x, t) in network.x.iter().zip(&network.t) {
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
        }
        let mut values = HashMap::new();
        for (k, (y, target)) in z.iter().zip(t).enumerate() {
            let k = Index::Num(k as u32 + 1);
            values.insert(Symbol::out(depth, k), Value::approx(*y));
            values.insert(Symbol::target(k), Value::exact(*target));
        }
        let env = Lookup { network, values };
        total += eval::eval(&per_sample, &env)?.f;
    }
    Ok(match network.loss.aggregate {
        Aggregate::Sum => total,
        Aggregate::Mean => total / network.samples() as f64,
    })
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

/// The central difference of the loss in one parameter, or `None` at a kink (where the two
/// one-sided differences disagree). Near the edge of a domain (`sqrt(y − t)` just above
/// y = t) the probes `w ± h` may leave it: the step is then halved until both are inside.
fn central_difference(
    network: &Network,
    params: &mut Params,
    slot: impl Fn(&mut Params) -> &mut f64,
) -> Result<Option<f64>, Probe> {
    let original = *slot(params);
    let scale = original.abs().max(1.0);
    let mut h = 1e-5 * scale;
    let at = |params: &mut Params, value: f64| -> Result<f64, Fault> {
        *slot(params) = value;
        let loss = loss(network, params);
        *slot(params) = original;
        loss
    };
    let centre = at(params, original).map_err(Probe::Centre)?;
    let mut probes = |h: f64| -> Result<(f64, f64), Fault> {
        Ok((at(params, original + h)?, at(params, original - h)?))
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
    let (forward, backward) = ((plus - centre) / h, (centre - minus) / h);
    let kink = (forward - backward).abs() > 1e-3 * forward.abs().max(backward.abs()).max(1.0);
    Ok((!kink).then_some((plus - minus) / (2.0 * h)))
}

/// Relative difference with a floor, so that gradients near zero compare absolutely.
pub fn relative_difference(printed: f64, reference: f64) -> f64 {
    (printed - reference).abs() / printed.abs().max(reference.abs()).max(1e-3)
}

/// Checks every printed gradient of every step.
pub fn check_gradients(derivation: &Derivation) -> Result<Vec<LayerReport>, Error> {
    let network = derivation.network;
    let depth = network.depth();
    let mut reports: Vec<LayerReport> = (1..=depth)
        .map(|layer| LayerReport {
            layer,
            compared: 0,
            at_kinks: 0,
            largest: 0.0,
            worst: String::new(),
            printed: 0.0,
            finite_difference: 0.0,
        })
        .collect();
    let fault = |step: u32, name: &str, probe: Probe| match probe {
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
    };
    for step in &derivation.steps {
        let mut params = Params {
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
        };
        for (l, numbers) in step.layers.iter().enumerate() {
            let report = &mut reports[l];
            let mut record = |printed: f64, fd: Option<f64>, name: String| match fd {
                None => report.at_kinks += 1,
                Some(fd) => {
                    report.compared += 1;
                    let difference = relative_difference(printed, fd);
                    if difference >= report.largest {
                        report.largest = difference;
                        report.worst = format!("{name} in step {}", step.number);
                        report.printed = printed;
                        report.finite_difference = fd;
                    }
                }
            };
            for (i, row) in numbers.grad_weights.iter().enumerate() {
                for (j, printed) in row.iter().enumerate() {
                    let name = format!("dE/dw_{}{}^({})", i + 1, j + 1, l + 1);
                    let fd = central_difference(network, &mut params, |p| &mut p.weights[l][i][j])
                        .map_err(|probe| fault(step.number, &name, probe))?;
                    record(printed.f, fd, name);
                }
            }
            for (i, printed) in numbers.grad_bias.iter().flatten().enumerate() {
                let name = format!("dE/db_{}^({})", i + 1, l + 1);
                let fd = central_difference(network, &mut params, |p| {
                    &mut p.biases[l]
                        .as_mut()
                        .expect("a layer with a bias gradient has a bias")[i]
                })
                .map_err(|probe| fault(step.number, &name, probe))?;
                record(printed.f, fd, name);
            }
        }
    }
    reports.reverse();
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivation::{derive, Options};

    fn network(text: &str) -> Network {
        crate::check::check(&crate::parser::parse(text).unwrap()).unwrap()
    }

    #[test]
    fn the_article_passes() {
        let net = network(include_str!("../examples/article.nn"));
        let derivation = derive(&net, Options::default()).unwrap();
        let reports = check_gradients(&derivation).unwrap();
        assert_eq!(
            reports.iter().map(|r| r.compared).collect::<Vec<_>>(),
            [4, 6]
        );
        assert!(reports.iter().all(|r| r.largest < 1e-8), "{reports:?}");
    }

    #[test]
    fn a_wrong_gradient_is_caught_and_named() {
        let net = network(include_str!("../examples/article.nn"));
        let mut derivation = derive(&net, Options::default()).unwrap();
        derivation.steps[0].layers[0].grad_weights[1][2] = Value::approx(10.0);
        let reports = check_gradients(&derivation).unwrap();
        let first_layer = &reports[1];
        assert_eq!(first_layer.worst, "dE/dw_23^(1) in step 1");
        assert!((first_layer.finite_difference - 10.89230730).abs() < 1e-6);
        assert!(first_layer.largest > 0.08);
        assert!(reports[0].largest < 1e-8);
    }

    #[test]
    fn the_forward_loss_is_the_articles() {
        let net = network(include_str!("../examples/article.nn"));
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
        let reports = check_gradients(&derivation).unwrap();
        assert_eq!((reports[1].at_kinks, reports[1].compared), (2, 0));
    }

    #[test]
    fn the_probe_shrinks_near_the_edge_of_a_domain() {
        // y − t = 1e-7: w ± 1e-5 takes sqrt below 0, a smaller step does not.
        let net = network("input x = [1]\nlayer identity W = [[0.2000001]]\ntarget t = [0.2]\nloss (y, t) = sqrt(y - t)\n");
        let derivation = derive(&net, Options::default()).unwrap();
        let reports = check_gradients(&derivation).unwrap();
        assert!(reports[0].largest < 1e-6, "{reports:?}");
    }

    #[test]
    fn a_probe_that_cannot_stay_in_the_domain_is_named() {
        // At y = t, (y − t)^1.5 has a derivative (0) but no value just below.
        let net = network("input x = [1]\nlayer identity W = [[0.2]]\ntarget t = [0.2]\nloss (y, t) = (y - t)^1.5\n");
        let derivation = derive(&net, Options::default()).unwrap();
        let error = check_gradients(&derivation).unwrap_err().to_string();
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
