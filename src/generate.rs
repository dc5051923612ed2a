//! `backprop-tex gen`: a random valid `.nn` file of given sizes, for benchmarks and stress
//! tests. The same seed gives the same file.

use std::fmt::Write as _;

use crate::error::{Error, Span};
use crate::functions::ACTIVATION_NAMES;
use crate::random::SplitMix64;

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

/// A network of `sizes` (input first), with `acts` per layer (the last repeated; default
/// sigmoid hidden layers and an identity output), biases or not, as `.nn` text.
pub fn generate(sizes: &[usize], acts: &[String], bias: bool, seed: u64) -> Result<String, Error> {
    let usage = |message: String| Error::Value {
        message,
        span: Span::default(),
    };
    if sizes.len() < 2 || sizes.contains(&0) {
        return Err(usage(
            "--sizes needs at least two sizes above 0, such as 784,100,10".into(),
        ));
    }
    for act in acts {
        if !ACTIVATION_NAMES.contains(&act.as_str()) {
            return Err(usage(format!(
                "unknown activation `{act}`; expected one of: {}",
                ACTIVATION_NAMES.join(", ")
            )));
        }
    }
    let depth = sizes.len() - 1;
    let act = |l: usize| -> String {
        match acts.get(l).or(acts.last()) {
            Some(a) if !acts.is_empty() => a.clone(),
            _ if l + 1 == depth => "identity".into(),
            _ => "sigmoid".into(),
        }
    };
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
        let text = generate(&[4, 3, 2], &[], true, 1).unwrap();
        assert_eq!(text, generate(&[4, 3, 2], &[], true, 1).unwrap());
        assert_ne!(text, generate(&[4, 3, 2], &[], true, 2).unwrap());
        let network = crate::check::check(&crate::parser::parse(&text).unwrap()).unwrap();
        assert_eq!(network.sizes(), [4, 3, 2]);
        assert!(network.layers[0].bias.is_some());
        let softmax = generate(&[3, 4, 3], &["tanh".into(), "softmax".into()], false, 5).unwrap();
        assert!(crate::check::check(&crate::parser::parse(&softmax).unwrap()).is_ok());
        assert!(generate(&[3], &[], false, 1).is_err());
        assert!(generate(&[3, 2], &["swish".into()], false, 1).is_err());
    }
}
