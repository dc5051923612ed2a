//! `backprop-tex gen`: a random valid `.nn` file of given sizes, for benchmarks and stress
//! tests. The same seed gives the same file.
//!
//! Whatever `gen` writes, `derive` accepts with the same limits: the sizes are checked against
//! them before anything is generated (a typo such as `--sizes 100000,100000` would otherwise
//! grow gigabytes), softmax is refused anywhere but the output layer, and the loss and targets
//! follow the output activation.

use std::fmt::Write as _;

use crate::commands::random::SplitMix64;
use crate::error::{Error, Span};
use crate::math::functions::ACTIVATION_NAMES;
use crate::model::Limits;

/// Draws the generated numbers.
struct Rng(SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A decimal with two places in [−scale, scale], as text.
    fn decimal(&mut self, scale: u32) -> String {
        let hundredths = (self.next() % (2 * scale as u64 * 100 + 1)) as i64 - scale as i64 * 100;
        let sign = if hundredths < 0 { "-" } else { "" };
        let n = hundredths.unsigned_abs();
        format!("{sign}{}.{:02}", n / 100, n % 100)
    }
}

/// Refuses sizes beyond `limits`, as `derive` would refuse the file (one sample, one step).
fn check_limits(sizes: &[usize], bias: bool, limits: &Limits) -> Result<(), Error> {
    let limit = |message: String| {
        Err(Error::Limit {
            message,
            span: Span::default(),
        })
    };
    let depth = sizes.len() - 1;
    if depth > limits.layers {
        return limit(format!(
            "--sizes asks for {depth} layers; the limit is {} (raise it with --max-layers)",
            limits.layers
        ));
    }
    if let Some((l, units)) = sizes.iter().enumerate().find(|(_, u)| **u > limits.units) {
        let what = match l {
            0 => "the input".to_string(),
            l => format!("layer {l}"),
        };
        return limit(format!(
            "--sizes asks for {units} units in {what}; the limit is {} (raise it with --max-units)",
            limits.units
        ));
    }
    if limits.samples == 0 || limits.steps == 0 {
        return limit(
            "gen writes one sample and one SGD step, which --max-samples 0 or --max-steps 0 refuses"
                .into(),
        );
    }
    let parameters = sizes
        .windows(2)
        .map(|w| {
            w[1].saturating_mul(w[0])
                .saturating_add(if bias { w[1] } else { 0 })
        })
        .fold(0usize, usize::saturating_add);
    if parameters > limits.gradients {
        return limit(format!(
            "--sizes asks for {parameters} {}, so as many gradients; the limit is {} (raise it with --max-gradients)",
            if bias { "weights and biases" } else { "weights" },
            limits.gradients
        ));
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
    let usage = |message: String| Error::Value {
        message,
        span: Span::default(),
    };
    if sizes.len() < 2 || sizes.contains(&0) {
        return Err(usage(
            "--sizes needs at least two sizes above 0, such as 784,100,10".into(),
        ));
    }
    check_limits(sizes, bias, limits)?;
    if let Some(act) = acts
        .iter()
        .find(|a| !ACTIVATION_NAMES.contains(&a.as_str()))
    {
        return Err(Error::Unknown {
            what: "activation",
            name: act.clone(),
            expected: ACTIVATION_NAMES.to_vec(),
            span: Span::default(),
        });
    }
    let depth = sizes.len() - 1;
    if acts.len() > depth {
        return Err(usage(format!(
            "--acts gives {} activations, but --sizes makes {depth} {}",
            acts.len(),
            if depth == 1 { "layer" } else { "layers" }
        )));
    }
    let act = |l: usize| -> String {
        match acts.get(l).or(acts.last()) {
            Some(a) if !acts.is_empty() => a.clone(),
            _ if l + 1 == depth => "identity".into(),
            _ => "sigmoid".into(),
        }
    };
    if let Some(l) = (0..depth - 1).find(|l| act(*l) == "softmax") {
        return Err(Error::Mismatch {
            message: format!(
                "softmax can only be the output layer's activation, but --acts gives it to layer {} of {depth}{}",
                l + 1,
                if acts.len() < depth { " (the last of --acts repeats for the layers after it)" } else { "" }
            ),
            span: Span::default(),
        });
    }
    let mut rng = Rng(SplitMix64::new(seed ^ 0x5EED));
    let mut text = String::new();
    let sizes_text: Vec<String> = sizes.iter().map(usize::to_string).collect();
    let _ = writeln!(
        text,
        "# backprop-tex gen --sizes {} --seed {seed}",
        sizes_text.join(",")
    );
    let _ = writeln!(text, "title \"A random {} network\"", sizes_text.join("-"));
    let inputs: Vec<String> = (0..sizes[0]).map(|_| rng.decimal(1)).collect();
    let _ = writeln!(text, "input x = [{}]", inputs.join(", "));
    let outputs = sizes[depth];
    let softmax_out = act(depth - 1) == "softmax";
    let targets: Vec<String> = if softmax_out {
        let hot = (rng.next() % outputs as u64) as usize;
        (0..outputs)
            .map(|k| if k == hot { "1".into() } else { "0".into() })
            .collect()
    } else {
        (0..outputs).map(|_| rng.decimal(1)).collect()
    };
    let _ = writeln!(text, "target t = [{}]", targets.join(", "));
    for l in 0..depth {
        let _ = writeln!(text, "layer {}", act(l));
        let rows: Vec<String> = (0..sizes[l + 1])
            .map(|_| {
                format!(
                    "[{}]",
                    (0..sizes[l])
                        .map(|_| rng.decimal(1))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        let _ = writeln!(text, "  W = [{}]", rows.join(",\n       "));
        if bias {
            let b: Vec<String> = (0..sizes[l + 1]).map(|_| rng.decimal(1)).collect();
            let _ = writeln!(text, "  b = [{}]", b.join(", "));
        }
    }
    let _ = writeln!(
        text,
        "loss {}",
        if softmax_out {
            "cross_entropy"
        } else {
            "sum_squared"
        }
    );
    let _ = writeln!(text, "sgd lr = 0.1");
    Ok(text)
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
