//! `backprop-tex gen`: a random valid `.nn` file of given sizes, for benchmarks and stress
//! tests. The same seed gives the same file.
//!
//! Whatever `gen` writes, `derive` accepts with the same limits: the sizes are checked against
//! them before anything is generated (a typo such as `--sizes 100000,100000` would otherwise
//! grow gigabytes), softmax is refused anywhere but the output layer, and the loss and targets
//! follow the output activation.

use std::sync::Arc;

use crate::commands::nn::{self, Numbers, Style};
use crate::commands::random::Rng;
use crate::error::{Error, GenLimit, LimitFault, MisfitFault, Span, ValueFault};
use crate::math::functions::{Activation, Builtin, BuiltinLoss, Shape, ACTIVATION_NAMES};
use crate::math::number::Decimal;
use crate::model::{Layer, Limits, Network, Optimizer, Training};

/// Refuses sizes beyond `limits`, as `derive` would refuse the file (one sample, one step).
fn check_limits(sizes: &[usize], bias: bool, limits: &Limits) -> Result<(), Error> {
    let limit = |fault: LimitFault| {
        Err(Error::OverLimit {
            fault,
            span: Span::default(),
        })
    };
    let depth = sizes.len() - 1;
    if depth > limits.layers {
        return limit(LimitFault::Gen(GenLimit::Layers {
            layers: depth,
            limit: limits.layers,
        }));
    }
    if let Some((layer, &units)) = sizes.iter().enumerate().find(|(_, u)| **u > limits.units) {
        return limit(LimitFault::Gen(GenLimit::Units {
            layer,
            units,
            limit: limits.units,
        }));
    }
    if limits.samples == 0 || limits.steps == 0 {
        return limit(LimitFault::Gen(GenLimit::NothingAllowed));
    }
    let parameters = sizes
        .windows(2)
        .map(|w| Layer::parameters_of(w[1], w[0], bias))
        .fold(0usize, usize::saturating_add);
    if parameters > limits.gradients {
        return limit(LimitFault::Gen(GenLimit::Gradients {
            parameters,
            bias,
            limit: limits.gradients,
        }));
    }
    Ok(())
}

/// A network of `sizes` (input first), with `acts` per layer (the last repeated; default
/// sigmoid hidden layers and an identity output), biases or not, as `.nn` text; refused when
/// beyond `limits` or when `derive` would refuse it.
pub fn generate(
    sizes: &[usize],
    acts: &[String],
    bias: bool,
    seed: u64,
    limits: &Limits,
) -> Result<String, Error> {
    if sizes.len() < 2 || sizes.contains(&0) {
        return Err(bad_value(ValueFault::GenSizes));
    }
    check_limits(sizes, bias, limits)?;
    let activations = activations(acts, sizes.len() - 1)?;
    let softmax_out = activations.last().map(|a| a.shape) == Some(Shape::Softmax);
    let network = draw(sizes, activations, bias, seed);
    // The drawn hundredths keep their two places (`0.50`); the one-hot targets are 0 and 1.
    let style = Style {
        spaced: false,
        steps: false,
        values: Numbers::Places(2),
        targets: if softmax_out {
            Numbers::Shortest
        } else {
            Numbers::Places(2)
        },
    };
    let sizes_text: Vec<String> = sizes.iter().map(usize::to_string).collect();
    Ok(format!(
        "# backprop-tex gen --sizes {} --seed {seed}\n{}",
        sizes_text.join(","),
        nn::write(&network, style)
    ))
}

fn bad_value(fault: ValueFault) -> Error {
    Error::BadValue {
        fault,
        span: Span::default(),
    }
}

/// Each layer's activation: `acts` per layer, the last repeated, by default sigmoid hidden
/// layers and an identity output; softmax only on the output.
fn activations(acts: &[String], depth: usize) -> Result<Vec<Activation>, Error> {
    let given = acts
        .iter()
        .map(|act| {
            Builtin::from_name(act).ok_or_else(|| unknown("activation", act, ACTIVATION_NAMES))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if given.len() > depth {
        return Err(bad_value(ValueFault::GenActs {
            given: given.len(),
            layers: depth,
        }));
    }
    let builtin = |l: usize| match given.get(l).or(given.last()) {
        Some(&a) => a,
        None if l + 1 == depth => Builtin::Identity,
        None => Builtin::Sigmoid,
    };
    let layers: Vec<Builtin> = (0..depth).map(builtin).collect();
    if let Some(l) = layers[..depth - 1]
        .iter()
        .position(|&a| a == Builtin::Softmax)
    {
        return Err(Error::Misfit {
            fault: MisfitFault::SoftmaxInActs {
                layer: l + 1,
                depth,
                repeated: given.len() < depth,
            },
            span: Span::default(),
        });
    }
    Ok(layers.into_iter().map(Builtin::activation).collect())
}

/// The network of `sizes` with its numbers drawn from `seed`: the inputs, the targets (one
/// hot for softmax), then each layer's weights and biases, in hundredths in [−1, 1].
fn draw(sizes: &[usize], activations: Vec<Activation>, bias: bool, seed: u64) -> Network {
    let mut rng = Rng::new(seed ^ 0x5EED);
    let outputs = sizes[sizes.len() - 1];
    let softmax_out = activations.last().map(|a| a.shape) == Some(Shape::Softmax);
    let x = vec![(0..sizes[0]).map(|_| rng.hundredths(1)).collect()];
    let targets: Vec<Decimal> = if softmax_out {
        let hot = rng.below(outputs as u64) as usize;
        (0..outputs)
            .map(|k| Decimal::from_int(i64::from(k == hot)))
            .collect()
    } else {
        (0..outputs).map(|_| rng.hundredths(1)).collect()
    };
    let layers = sizes
        .windows(2)
        .zip(activations)
        .map(|(size, activation)| Layer {
            activation: Arc::new(activation),
            weights: (0..size[1])
                .map(|_| (0..size[0]).map(|_| rng.hundredths(1)).collect())
                .collect(),
            bias: bias.then(|| (0..size[1]).map(|_| rng.hundredths(1)).collect()),
            dropout: None,
        })
        .collect();
    let loss = if softmax_out {
        BuiltinLoss::CrossEntropy
    } else {
        BuiltinLoss::SumSquared
    };
    let sizes_text: Vec<String> = sizes.iter().map(usize::to_string).collect();
    Network {
        title: Some(format!("A random {} network", sizes_text.join("-"))),
        layers,
        x,
        t: vec![targets],
        loss: loss.loss(outputs as u32),
        training: Some(Training {
            lr: Decimal::new(1, 1).unwrap_or(Decimal::ONE),
            steps: 1,
            optimizer: Optimizer::Sgd,
        }),
        weight_decay: None,
        exam: Default::default(),
        spans: Default::default(),
    }
}

fn unknown(what: &'static str, name: &str, expected: &[&'static str]) -> Error {
    Error::Unknown {
        what,
        name: name.to_string(),
        expected: expected.to_vec(),
        span: Span::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_check_and_repeat() {
        let limits = Limits::default();
        let generate = |sizes: &[usize], acts: &[String], bias, seed| {
            generate(sizes, acts, bias, seed, &limits)
        };
        let text = generate(&[4, 3, 2], &[], true, 1).unwrap();
        assert_eq!(text, generate(&[4, 3, 2], &[], true, 1).unwrap());
        assert_ne!(text, generate(&[4, 3, 2], &[], true, 2).unwrap());
        let network = crate::check::check(&crate::syntax::parser::parse(&text).unwrap()).unwrap();
        assert_eq!(network.sizes(), [4, 3, 2]);
        assert!(network.layers[0].bias.is_some());
        let softmax = generate(&[3, 4, 3], &["tanh".into(), "softmax".into()], false, 5).unwrap();
        assert!(crate::check::check(&crate::syntax::parser::parse(&softmax).unwrap()).is_ok());
        assert!(generate(&[3], &[], false, 1).is_err());
        assert!(generate(&[3, 2], &["swish".into()], false, 1).is_err());
    }

    #[test]
    fn sizes_beyond_the_limits_and_a_hidden_softmax_are_refused() {
        let limits = Limits {
            units: 10,
            gradients: 50,
            ..Limits::default()
        };
        let message = |sizes: &[usize], acts: &[&str], bias| {
            let acts: Vec<String> = acts.iter().map(|a| a.to_string()).collect();
            generate(sizes, &acts, bias, 1, &limits)
                .expect_err("refused")
                .to_string()
        };
        assert!(message(&[11, 2], &[], false).contains("11 units in the input"));
        assert!(message(&[2, 3, 11], &[], false).contains("--max-units"));
        // 7 × 7 = 49 weights fit, the 7 biases do not.
        assert!(generate(&[7, 7], &[], false, 1, &limits).is_ok());
        assert!(message(&[7, 7], &[], true).contains("56 weights and biases"));
        assert!(message(&[2, 2, 2], &["softmax", "identity"], false).contains("layer 1 of 2"));
        assert!(message(&[2, 2, 2], &["softmax"], false).contains("repeats"));
        assert!(message(&[2, 2], &["tanh", "tanh"], false).contains("2 activations"));
        let huge = generate(&[100_000, 100_000], &[], false, 1, &Limits::default());
        assert!(huge
            .expect_err("refused")
            .to_string()
            .contains("--max-units"));
    }
}
