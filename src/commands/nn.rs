//! The `.nn` writer, the inverse of the parser: a checked network written as a file that
//! reads back as the same network (its `vary` and `ask` statements left out). `exam` writes
//! each variant's file with it, `gen` its random networks.
//!
//! It lives with the commands, the last stage, because it reads the model: `syntax` comes
//! before the model and must not know it, and the model is plain data that makes no text.

use std::fmt::Write as _;

use crate::math::number::Decimal;
use crate::model::Network;

/// How numbers are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbers {
    /// As few digits as the value needs: `0.5`.
    Shortest,
    /// At least this many decimal places (`0.50`), more where the value needs them.
    Places(u32),
}

/// How a file is laid out. Both read back the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// A blank line before the samples, each layer and the loss, with `input  x` aligned
    /// under `target t`; otherwise one statement after another.
    pub spaced: bool,
    /// `steps = N` written even for one step (the default).
    pub steps: bool,
    /// The weights, biases and inputs.
    pub values: Numbers,
    /// The targets.
    pub targets: Numbers,
}

impl Style {
    /// An exam variant's file: spaced, every number as drawn.
    pub const VARIANT: Style = Style {
        spaced: true,
        steps: true,
        values: Numbers::Shortest,
        targets: Numbers::Shortest,
    };
}

fn number(out: &mut String, value: Decimal, numbers: Numbers) {
    let start = out.len();
    let _ = write!(out, "{value}");
    if let Numbers::Places(places) = numbers {
        let written = &out[start..];
        let shown = written.find('.').map_or(0, |dot| written.len() - dot - 1);
        if shown == 0 && places > 0 {
            out.push('.');
        }
        for _ in shown..places as usize {
            out.push('0');
        }
    }
}

fn vector(out: &mut String, values: &[Decimal], numbers: Numbers) {
    out.push('[');
    for (k, v) in values.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        number(out, *v, numbers);
    }
    out.push(']');
}

fn matrix(out: &mut String, rows: &[Vec<Decimal>], numbers: Numbers) {
    out.push('[');
    for (k, row) in rows.iter().enumerate() {
        if k > 0 {
            out.push_str(",\n       ");
        }
        vector(out, row, numbers);
    }
    out.push(']');
}

/// One sample as a vector, several as a matrix of one row each.
fn samples(out: &mut String, rows: &[Vec<Decimal>], numbers: Numbers) {
    match rows {
        [one] => vector(out, one, numbers),
        _ => matrix(out, rows, numbers),
    }
}

/// Writes `network` as a `.nn` file in `style`.
pub fn write(network: &Network, style: Style) -> String {
    let mut out = String::new();
    let gap = if style.spaced { "\n" } else { "" };
    if let Some(title) = &network.title {
        let escaped = title.replace('\\', "\\\\").replace('"', "\\\"");
        let _ = writeln!(out, "title \"{escaped}\"");
    }
    let mut defined: Vec<&str> = Vec::new();
    for layer in &network.layers {
        let activation = &layer.activation;
        if let Some((param, formula)) = &activation.source {
            if !defined.contains(&activation.name.as_str()) {
                let _ = writeln!(out, "activation {}({param}) = {formula}", activation.name);
                defined.push(&activation.name);
            }
        }
    }
    out.push_str(gap);
    out.push_str(if style.spaced {
        "input  x = "
    } else {
        "input x = "
    });
    samples(&mut out, &network.x, style.values);
    out.push_str("\ntarget t = ");
    samples(&mut out, &network.t, style.targets);
    out.push('\n');
    for layer in &network.layers {
        let _ = write!(out, "{gap}layer {}\n  W = ", layer.activation.name);
        matrix(&mut out, &layer.weights, style.values);
        out.push('\n');
        if let Some(b) = &layer.bias {
            out.push_str("  b = ");
            vector(&mut out, b, style.values);
            out.push('\n');
        }
    }
    out.push_str(gap);
    match &network.loss.source {
        Some((y, t, formula)) => {
            let _ = writeln!(out, "loss ({y}, {t}) = {formula}");
        }
        None => {
            let _ = writeln!(out, "loss {}", network.loss.name);
        }
    }
    if let Some(sgd) = network.training {
        let _ = write!(out, "sgd lr = {}", sgd.lr);
        if style.steps || sgd.steps != 1 {
            let _ = write!(out, ", steps = {}", sgd.steps);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Network {
        crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap()
    }

    #[test]
    fn a_written_file_reads_back_the_same() {
        for text in [
            include_str!("../../examples/custom.nn"),
            include_str!("../../examples/exam.nn"),
        ] {
            let network = read(text);
            let compact = Style {
                spaced: false,
                steps: false,
                values: Numbers::Places(3),
                targets: Numbers::Shortest,
            };
            for style in [Style::VARIANT, compact] {
                let again = read(&write(&network, style));
                assert_eq!(write(&again, style), write(&network, style));
                assert_eq!(again.layers[0].weights, network.layers[0].weights);
                assert_eq!(again.x, network.x);
                assert_eq!(again.t, network.t);
                assert_eq!(again.training, network.training);
            }
        }
    }

    #[test]
    fn places_pad_but_never_cut() {
        let written = |text: &str, places| {
            let mut out = String::new();
            number(
                &mut out,
                Decimal::parse(text).unwrap(),
                Numbers::Places(places),
            );
            out
        };
        assert_eq!(written("0.5", 2), "0.50");
        assert_eq!(written("-1", 2), "-1.00");
        assert_eq!(written("0", 2), "0.00");
        assert_eq!(written("0.125", 2), "0.125");
        assert_eq!(written("3", 0), "3");
    }
}
