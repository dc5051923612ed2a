//! The `.nn` writer, the inverse of the parser: a checked network written as a file that
//! reads back as the same network (its `vary` and `ask` statements left out). `exam` writes
//! each variant's file with it, `gen` its random networks.
//!
//! It lives with the commands, the last stage, because it reads the model: `syntax` comes
//! before the model and must not know it, and the model is plain data that makes no text.

use std::fmt::Write as _;

use crate::math::number::Decimal;
use crate::model::{AdamForm, Dropout, DropoutScale, MomentumForm, Network, Optimizer, Training};

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
        if let Some(dropout) = &layer.dropout {
            dropout_clause(&mut out, dropout);
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
    if let Some(decay) = network.weight_decay {
        let _ = writeln!(out, "weight_decay {decay}");
    }
    if let Some(training) = network.training {
        optimizer(&mut out, &training, style);
    }
    out
}

/// `sgd lr = η` for plain SGD, as files have always said it; `optimizer NAME lr = η, …` with
/// every setting written out for the others.
fn optimizer(out: &mut String, training: &Training, style: Style) {
    let lr = training.lr;
    let _ = match training.optimizer {
        Optimizer::Sgd => write!(out, "sgd lr = {lr}"),
        Optimizer::Momentum { momentum, form } => {
            let form = match form {
                MomentumForm::Zero => "zero",
                MomentumForm::PyTorch => "pytorch",
                MomentumForm::Ema => "ema",
            };
            write!(
                out,
                "optimizer momentum lr = {lr}, momentum = {momentum}, form = {form}"
            )
        }
        Optimizer::Nesterov { momentum } => {
            write!(out, "optimizer nesterov lr = {lr}, momentum = {momentum}")
        }
        Optimizer::AdaGrad { eps } => write!(out, "optimizer adagrad lr = {lr}, eps = {eps}"),
        Optimizer::RmsProp { decay, eps } => write!(
            out,
            "optimizer rmsprop lr = {lr}, decay = {decay}, eps = {eps}"
        ),
        Optimizer::Adam {
            beta1,
            beta2,
            eps,
            form,
        } => {
            let form = match form {
                AdamForm::Paper => "paper",
                AdamForm::Zero => "zero",
            };
            write!(
                out,
                "optimizer adam lr = {lr}, beta1 = {beta1}, beta2 = {beta2}, eps = {eps}, form = {form}"
            )
        }
    };
    if style.steps || training.steps != 1 {
        let _ = write!(out, ", steps = {}", training.steps);
    }
    out.push('\n');
}

/// `  dropout mask = [[1, 0], …], keep = p` (or `, scale = none`), a mask row per sample.
fn dropout_clause(out: &mut String, dropout: &Dropout) {
    let rows: Vec<Vec<Decimal>> = dropout
        .mask
        .iter()
        .map(|row| {
            row.iter()
                .map(|&kept| Decimal::from_int(i64::from(kept)))
                .collect()
        })
        .collect();
    out.push_str("  dropout mask = ");
    samples(out, &rows, Numbers::Shortest);
    let _ = match dropout.scale {
        DropoutScale::Inverted { keep } => writeln!(out, ", keep = {keep}"),
        DropoutScale::None => writeln!(out, ", scale = none"),
    };
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
    fn the_statements_of_training_read_back_the_same() {
        let base = "input x = [[1, 2], [3, 4]]\ntarget t = [[0], [1]]\nlayer tanh W = [[1, 2], [3, 4]] b = [0, 1]\n";
        let rest = "layer identity W = [[1, -1]]\nloss sum_squared\n";
        let mut files = Vec::new();
        for optimizer in [
            "sgd lr = 0.1, steps = 2",
            "optimizer sgd lr = 0.5",
            "optimizer momentum lr = 0.1",
            "optimizer momentum lr = 0.1, momentum = 0.5, form = pytorch, steps = 3",
            "optimizer momentum lr = 0.1, form = ema",
            "optimizer nesterov lr = 0.1, momentum = 0",
            "optimizer adagrad lr = 0.1",
            "optimizer rmsprop lr = 0.01, decay = 0.9, eps = 1e-6",
            "optimizer adam lr = 0.001",
            "optimizer adam lr = 0.001, beta1 = 0.5, beta2 = 0.9, eps = 1e-7, form = zero",
        ] {
            for (decay, dropout) in [
                ("", ""),
                (
                    "weight_decay 0.01\n",
                    "dropout mask = [[1, 0], [0, 1]], keep = 0.5\n",
                ),
                (
                    "weight_decay 0\n",
                    "dropout mask = [[1, 1], [0, 0]], scale = none\n",
                ),
            ] {
                files.push(format!("{base}{dropout}{rest}{decay}{optimizer}\n"));
            }
        }
        // One sample: the mask is written as a vector, as `x` is.
        files.push("input x = [1]\ntarget t = [1]\nlayer relu W = [[1], [2]] dropout mask = [0, 1], keep = 0.8\nlayer identity W = [[1, 1]]\nloss sum_squared\noptimizer adam lr = 0.1\n".into());
        for text in &files {
            let network = read(text);
            for style in [
                Style::VARIANT,
                Style {
                    steps: false,
                    ..Style::VARIANT
                },
            ] {
                let written = write(&network, style);
                let again = read(&written);
                assert_eq!(again.training, network.training, "{written}");
                assert_eq!(again.weight_decay, network.weight_decay, "{written}");
                let dropouts = |n: &Network| {
                    n.layers
                        .iter()
                        .map(|l| l.dropout.clone())
                        .collect::<Vec<_>>()
                };
                assert_eq!(dropouts(&again), dropouts(&network), "{written}");
                assert_eq!(write(&again, style), written);
            }
        }
        // Plain SGD is still written the way it always was.
        let written = write(&read(&files[4]), Style::VARIANT);
        assert!(
            written.ends_with("weight_decay 0.01\nsgd lr = 0.5, steps = 1\n"),
            "{written}"
        );
        assert!(
            written.contains("\n  dropout mask = [[1, 0],\n       [0, 1]], keep = 0.5\n"),
            "{written}"
        );
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
