//! Why a drawn variant cannot be worked by hand: a saturated sigmoid or tanh, a relu input at
//! its kink, an asked number that rounds to zero. Found first by a quick forward pass in plain
//! floats, then in the derivation; the redrawing (`draw`) and the deriving of one variant
//! (`variant`) both ask.

use super::asks::Answer;
use crate::derivation::Derivation;
use crate::error::DrawFault;
use crate::math::expr::{Index, Symbol};
use crate::math::functions::{Builtin, Shape};
use crate::math::names::{Indices, Name};
use crate::model::Network;

/// A sigmoid or tanh input beyond this is too flat to work by hand.
pub(super) const SATURATION: f64 = 4.0;
/// A relu input this close to its kink is ambiguous by hand.
pub(super) const KINK: f64 = 0.05;

/// A reason a draw is drawn again, and the layer it depends on up to (`None`: everything).
pub(super) type Fault = (Option<u32>, DrawFault);

/// A hand-worker's objection to the input `a` of unit `j` (from 0) of layer `l` (from 1):
/// a saturated sigmoid or tanh, or a relu at its kink. `margin` widens the accepted band,
/// so that an estimate only refuses what the derivation would refuse too.
fn unit_fault(
    network: &Network,
    l: u32,
    j: usize,
    sample: usize,
    a: f64,
    margin: f64,
) -> Option<DrawFault> {
    let activation = &network.layer(l).activation;
    if activation.shape != Shape::Elementwise || activation.custom {
        return None;
    }
    let quantity = || {
        let sample = (network.samples() > 1).then_some(Index::Num(sample as u32 + 1));
        Name::of(&Symbol::pre(l, Index::Num(j as u32 + 1)).at(sample), None).plain(Indices::Joined)
    };
    match activation.builtin? {
        Builtin::Sigmoid | Builtin::Tanh if a.abs() > SATURATION + margin => {
            Some(DrawFault::Saturated {
                quantity: quantity(),
                activation: activation.name.clone(),
                value: a,
                limit: SATURATION,
            })
        }
        Builtin::Relu | Builtin::LeakyRelu if a.abs() < KINK - margin => Some(DrawFault::Kink {
            quantity: quantity(),
            activation: activation.name.clone(),
            value: a,
            limit: KINK,
        }),
        _ => None,
    }
}

/// The first step's forward pass in plain floats, as far as the built-in activations go: a
/// draw it finds saturated (by a clear margin) the derivation would refuse too, found in
/// microseconds instead of a derivation's milliseconds.
pub(super) fn quick_fault(network: &Network) -> Option<Fault> {
    const MARGIN: f64 = 1e-6;
    let slope: f64 = crate::math::functions::LEAKY_SLOPE.parse().unwrap_or(0.01);
    for (n, x) in network.x.iter().enumerate() {
        let mut z: Vec<f64> = x.iter().map(|d| d.to_f64()).collect();
        for (l, layer) in (1..).zip(&network.layers) {
            let pre: Vec<f64> = layer
                .weights
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let sum: f64 = row.iter().zip(&z).map(|(w, z)| w.to_f64() * z).sum();
                    sum + layer.bias.as_ref().map_or(0.0, |b| b[i].to_f64())
                })
                .collect();
            if let Some(fault) = pre
                .iter()
                .enumerate()
                .find_map(|(j, a)| unit_fault(network, l, j, n, *a, MARGIN))
            {
                return Some((Some(l), fault));
            }
            if layer.activation.custom {
                break;
            }
            let h: fn(f64, f64) -> f64 = match layer.activation.builtin {
                Some(Builtin::Identity) => |a, _| a,
                Some(Builtin::Sigmoid) => |a, _| 1.0 / (1.0 + (-a).exp()),
                Some(Builtin::Tanh) => |a, _| a.tanh(),
                Some(Builtin::Relu) => |a, _| a.max(0.0),
                Some(Builtin::LeakyRelu) => |a, s| if a > 0.0 { a } else { s * a },
                Some(Builtin::Softplus) => |a, _| a.max(0.0) + (-a.abs()).exp().ln_1p(),
                Some(Builtin::Softmax) | None => break,
            };
            z = pre.into_iter().map(|a| h(a, slope)).collect();
        }
    }
    None
}

/// Why a derived variant cannot be worked by hand: a saturated sigmoid or tanh, a relu input
/// at its kink, or an asked number that rounds to zero.
pub(super) fn derived_fault(
    derivation: &Derivation,
    answers: &[Answer],
    digits: u32,
) -> Option<Fault> {
    let network = derivation.network;
    for step in &derivation.steps {
        for (l, numbers) in (1..).zip(&step.layers) {
            for (n, sample) in numbers.pre.iter().enumerate() {
                for (j, a) in sample.iter().enumerate() {
                    if let Some(fault) = unit_fault(network, l, j, n, a.f, 0.0) {
                        return Some(((step.number == 1).then_some(l), fault));
                    }
                }
            }
        }
    }
    let smallest = 10f64.powi(-(digits as i32));
    answers
        .iter()
        .find(|a| a.value.f.abs() < smallest)
        .map(|a| {
            (
                None,
                DrawFault::RoundsToZero {
                    name: a.name.clone(),
                    value: a.value.f,
                    digits,
                },
            )
        })
}
