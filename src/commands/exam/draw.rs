//! Drawing a variant: the `vary` statements redrawn in the checked network, and drawn again
//! until a hand-worker can work the numbers, failing fast when no draw can be.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use super::asks::asks;
use super::faults::Fault;
use super::variant::{attempt_variant, Variant};
use super::{exam_title, ExamSettings};
use crate::commands::random::Rng;
use crate::error::{DrawFault, Error, Tried};
use crate::model::{Network, Vary, VaryTarget};
use crate::render;

/// How many draws a variant may take before the file is declared unworkable.
const ATTEMPTS: usize = 1000;
/// The derivation work a variant may spend on draws that fail, in gradients (weights and
/// biases × samples × steps) per derived draw: under a second (release build, one core)
/// however big the network.
const WORK: usize = 50_000;
/// Draws derived at least, however big the network.
const MIN_DERIVED: usize = 3;
/// Draw spaces up to this many draws are counted, so that trying them all ends the search.
const COUNTED_SPACE: u64 = 1 << 20;
/// The network with every `vary` redrawn.
fn draw(network: &Network, rng: &mut Rng) -> Network {
    let mut drawn = network.clone();
    drawn.exam = Default::default();
    for vary in &network.exam.varies {
        let values = &vary.values;
        let layers = |layer: Option<u32>| -> Vec<usize> {
            match layer {
                Some(l) => vec![l as usize - 1],
                None => (0..network.layers.len()).collect(),
            }
        };
        match vary.target {
            VaryTarget::Weights(layer) => {
                for l in layers(layer) {
                    for w in drawn.layers[l].weights.iter_mut().flatten() {
                        *w = rng.pick(values);
                    }
                }
            }
            VaryTarget::Biases(layer) => {
                for l in layers(layer) {
                    for b in drawn.layers[l].bias.iter_mut().flatten() {
                        *b = rng.pick(values);
                    }
                }
            }
            VaryTarget::Input => drawn
                .x
                .iter_mut()
                .flatten()
                .for_each(|v| *v = rng.pick(values)),
            VaryTarget::Target => drawn
                .t
                .iter_mut()
                .flatten()
                .for_each(|v| *v = rng.pick(values)),
            VaryTarget::Rate => {
                if let Some(sgd) = &mut drawn.training {
                    sgd.lr = rng.pick(values);
                }
            }
        }
    }
    drawn
}

/// How many different draws the `vary` statements allow, when there are few enough to count.
/// Each value is drawn by the last `vary` that covers it.
fn space(network: &Network) -> Option<u64> {
    let varies = &network.exam.varies;
    let covers = |vary: &Vary, target: VaryTarget| match (vary.target, target) {
        (VaryTarget::Weights(None), VaryTarget::Weights(_))
        | (VaryTarget::Biases(None), VaryTarget::Biases(_)) => true,
        (a, b) => a == b,
    };
    let mut cells: Vec<(VaryTarget, usize)> = vec![
        (VaryTarget::Input, network.x.iter().map(Vec::len).sum()),
        (VaryTarget::Target, network.t.iter().map(Vec::len).sum()),
        (VaryTarget::Rate, usize::from(network.training.is_some())),
    ];
    for (l, layer) in (1..).zip(&network.layers) {
        cells.push((VaryTarget::Weights(Some(l)), layer.units() * layer.inputs()));
        cells.push((
            VaryTarget::Biases(Some(l)),
            layer.bias.as_ref().map_or(0, Vec::len),
        ));
    }
    let mut size: u64 = 1;
    for (target, count) in cells {
        let Some(vary) = varies.iter().rev().find(|v| covers(v, target)) else {
            continue;
        };
        let choices = vary.values.len() as u64;
        for _ in 0..count {
            size = size.checked_mul(choices).filter(|s| *s <= COUNTED_SPACE)?;
            if choices == 1 {
                break;
            }
        }
    }
    Some(size)
}

/// A fingerprint of a draw's values, to try each draw once.
fn fingerprint(network: &Network) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    network.x.hash(&mut hasher);
    network.t.hash(&mut hasher);
    network.training.map(|s| s.lr).hash(&mut hasher);
    for layer in &network.layers {
        layer.weights.hash(&mut hasher);
        layer.bias.hash(&mut hasher);
    }
    hasher.finish()
}

/// The `vary` statements a fault depends on: for a fault of layer `l` in the first step, those
/// that draw x or the weights and biases of layers 1 to l; for the targets, those that draw t;
/// otherwise all of them.
fn blamed<'n>(network: &'n Network, fault: &Fault) -> Vec<&'n Vary> {
    network
        .exam
        .varies
        .iter()
        .filter(|vary| match (fault, vary.target) {
            ((_, DrawFault::Targets(_)), target) => target == VaryTarget::Target,
            ((Some(_), _), VaryTarget::Input)
            | ((Some(_), _), VaryTarget::Weights(None))
            | ((Some(_), _), VaryTarget::Biases(None)) => true,
            ((Some(l), _), VaryTarget::Weights(Some(k)) | VaryTarget::Biases(Some(k))) => k <= *l,
            ((Some(_), _), _) => false,
            ((None, _), _) => true,
        })
        .collect()
}

/// The reasons draws of one variant failed, to report the most common.
#[derive(Default)]
struct Faults(Vec<(usize, Fault)>);

impl Faults {
    fn add(&mut self, fault: Fault) {
        let same = |other: &Fault| {
            other.0 == fault.0
                && std::mem::discriminant(&other.1) == std::mem::discriminant(&fault.1)
        };
        match self.0.iter_mut().find(|(_, f)| same(f)) {
            Some((count, _)) => *count += 1,
            None => self.0.push((1, fault)),
        }
    }

    /// The most common fault (the first seen among equals).
    fn worst(self) -> Option<Fault> {
        let most = self.0.iter().map(|(count, _)| *count).max()?;
        self.0
            .into_iter()
            .find(|(count, _)| *count == most)
            .map(|(_, f)| f)
    }
}

pub(super) fn make_variant(
    network: &Network,
    settings: &ExamSettings,
    tera: &render::Engine,
    number: usize,
    width: usize,
) -> Result<Variant, Error> {
    let label = format!("{number:0width$}");
    let space = space(network);
    let steps = network.training.map_or(1, |s| s.steps as usize);
    let cost = (network.parameters() * network.samples() * steps).max(1);
    let derivable = (WORK / cost).clamp(MIN_DERIVED, ATTEMPTS);
    let mut seen: HashSet<u64> = HashSet::new();
    let mut derived = 0;
    let mut faults = Faults::default();
    let questions = asks(network);
    let exhausted = |seen: &HashSet<u64>| space.is_some_and(|n| seen.len() as u64 >= n);
    let title = exam_title(network);
    for attempt in 0..ATTEMPTS {
        let mut rng = Rng::for_variant(settings.seed, number, attempt);
        let mut drawn = draw(network, &mut rng);
        if !seen.insert(fingerprint(&drawn)) {
            if exhausted(&seen) {
                break;
            }
            continue;
        }
        drawn.title = Some(format!("{title} (variant {label})"));
        match attempt_variant(
            drawn,
            settings,
            tera,
            &label,
            &questions,
            &mut derived,
            &title,
        ) {
            Ok(Ok(variant)) => return Ok(variant),
            Ok(Err(fault)) => {
                // A fault of values no draw changes is every draw's.
                let fixed = blamed(network, &fault).iter().all(|v| v.values.len() == 1);
                if fixed && !exhausted(&seen) {
                    return Err(unworkable(network, number, Tried::Fixed, fault));
                }
                faults.add(fault);
            }
            Err(error) => {
                return Err(Error::InVariant {
                    variant: number,
                    error: Box::new(error),
                })
            }
        }
        if exhausted(&seen) || derived >= derivable {
            break;
        }
    }
    let tried = match space {
        Some(n) if seen.len() as u64 >= n => Tried::All(n),
        _ => Tried::Some(seen.len()),
    };
    let fault = faults.worst().unwrap_or((
        None,
        DrawFault::Numeric {
            message: "no draw was made".into(),
            rounded: false,
        },
    ));
    Err(unworkable(network, number, tried, fault))
}

/// The error of a variant no draw of which can be worked by hand, at the `vary` statements
/// its fault depends on.
fn unworkable(network: &Network, variant: usize, tried: Tried, fault: Fault) -> Error {
    let blamed = blamed(network, &fault);
    Error::Unworkable(Box::new(crate::error::Unworkable {
        variant,
        tried,
        fault: fault.1,
        varies: blamed.iter().map(|v| v.name.clone()).collect(),
        span: blamed.first().map(|v| v.span),
        also: blamed.iter().skip(1).map(|v| v.span).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::faults::{derived_fault, quick_fault};
    use super::*;
    use crate::derivation::{self, Options};

    fn network(text: &str) -> Network {
        crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap()
    }

    #[test]
    fn the_space_counts_the_last_vary_of_each_value() {
        let base =
            "input x = [1, 2]\ntarget t = [0]\nlayer identity W = [[1, 1]]\nloss sum_squared\n";
        let space_of = |varies: &str| space(&network(&format!("{base}{varies}")));
        assert_eq!(space_of("vary W in {1, 2, 3}\n"), Some(9));
        assert_eq!(
            space_of("vary W in {1, 2, 3}\nvary x in {1, 2}\n"),
            Some(36)
        );
        // W1 overrides W: one choice for each weight.
        assert_eq!(space_of("vary W in {1, 2, 3}\nvary W1 in {5}\n"), Some(1));
        assert_eq!(space_of("vary x in [0, 100] step 0.01\n"), None);
    }

    #[test]
    fn the_quick_forward_pass_refuses_only_what_the_derivation_refuses() {
        let text = include_str!("../../../examples/exam.nn").replace(
            "vary W1 in [-0.5, 0.5] step 0.1",
            "vary W1 in [-2, 2] step 0.1\nvary x in {-1, 0.02, 1, 3}",
        );
        let network = network(&text);
        let mut refused = 0;
        for variant in 0..400 {
            let drawn = draw(&network, &mut Rng::for_variant(1, variant, 0));
            if quick_fault(&drawn).is_some() {
                refused += 1;
                let exact = derivation::derive(&drawn, Options::default()).unwrap();
                assert!(derived_fault(&exact, &[], 4).is_some(), "variant {variant}");
            }
        }
        assert!(refused > 40, "only {refused} draws refused");
    }
}
