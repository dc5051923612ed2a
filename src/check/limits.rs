//! The limits a file must stay within (`--max-…`), checked before anything is derived, each
//! refusal pointing at the part of the file that is too big.

use crate::error::{Error, LimitFault, SizeLimit, Span, Writer};
use crate::model::{Layer, Limits, Training};

use super::formulas::terms;

/// Refuses a file that asks for more than `limits`, pointing at the part that is too big.
pub(super) fn check_limits(
    layers: &[(Layer, Span)],
    inputs: usize,
    input_span: Span,
    samples: usize,
    training: Option<&(Training, Span)>,
    limits: &Limits,
) -> Result<(), Error> {
    check_sizes(layers, inputs, input_span, samples, limits)?;
    let steps = training.map_or(1, |(training, _)| training.steps);
    if let Some((_, span)) = training.filter(|(training, _)| training.steps > limits.steps) {
        return too_big(
            SizeLimit::Steps {
                steps: steps.into(),
                limit: limits.steps,
            },
            *span,
        );
    }
    let parameters: usize = layers.iter().map(|(l, _)| l.parameters()).sum();
    let gradients = parameters
        .saturating_mul(steps as usize)
        .saturating_mul(samples);
    if gradients > limits.gradients {
        let span = training.map_or(layers[0].1, |(_, span)| *span);
        return too_big(
            SizeLimit::Gradients {
                gradients,
                parameters,
                steps: steps as usize,
                samples,
                limit: limits.gradients,
            },
            span,
        );
    }
    Ok(())
}

/// An [`Error::OverLimit`] for `fault` at `span`.
fn too_big(fault: SizeLimit, span: Span) -> Result<(), Error> {
    Err(Error::OverLimit {
        fault: LimitFault::Size(fault),
        span,
    })
}

/// Refuses more samples, layers or units than `limits` allow.
fn check_sizes(
    layers: &[(Layer, Span)],
    inputs: usize,
    input_span: Span,
    samples: usize,
    limits: &Limits,
) -> Result<(), Error> {
    if samples > limits.samples {
        return too_big(
            SizeLimit::Samples {
                samples,
                limit: limits.samples,
            },
            input_span,
        );
    }
    if layers.len() > limits.layers {
        let (_, span) = layers[limits.layers];
        return too_big(
            SizeLimit::Layers {
                layers: layers.len(),
                limit: limits.layers,
            },
            span,
        );
    }
    if inputs > limits.units {
        return too_big(
            SizeLimit::InputValues {
                inputs,
                limit: limits.units,
            },
            input_span,
        );
    }
    for (n, (layer, span)) in layers.iter().enumerate() {
        if layer.units() > limits.units {
            return too_big(
                SizeLimit::Units {
                    layer: n + 1,
                    units: layer.units(),
                    limit: limits.units,
                },
                *span,
            );
        }
    }
    Ok(())
}

/// How many terms of formula rows the file may ask for, per gradient of `--max-gradients`.
const TERMS_PER_GRADIENT: usize = 10;

/// Refuses custom formulas that, however small each is, are written out so often (once per
/// unit, sample and step, with numbers) that the output would take minutes and gigabytes:
/// the built-in activations have a few terms each, a custom one up to thousands.
pub(super) fn check_formula_rows(
    layers: &[(Layer, Span)],
    loss_terms: Option<(usize, Span)>,
    samples: usize,
    training: Option<&(Training, Span)>,
    limits: &Limits,
) -> Result<(), Error> {
    let steps = training.map_or(1, |(training, _)| training.steps as usize);
    let output = layers.last().map_or(0, |(layer, _)| layer.units());
    let mut parts: Vec<(usize, usize, Writer, Span)> = layers
        .iter()
        .enumerate()
        .filter(|(_, (layer, _))| layer.activation.custom)
        .map(|(n, (layer, span))| {
            let act = &layer.activation;
            let each = terms(&act.definition) + terms(&act.derivative);
            let writer = Writer::Activation {
                layer: n + 1,
                name: act.name.clone(),
            };
            (layer.units(), each, writer, *span)
        })
        .collect();
    if let Some((each, span)) = loss_terms {
        parts.push((output, each, Writer::Loss, span));
    }
    let rows = |units: usize, each: usize| {
        units
            .saturating_mul(samples)
            .saturating_mul(steps)
            .saturating_mul(each)
    };
    let total = parts.iter().fold(0usize, |acc, (units, each, _, _)| {
        acc.saturating_add(rows(*units, *each))
    });
    let limit = limits.gradients.saturating_mul(TERMS_PER_GRADIENT);
    let Some((units, each, writer, span)) = parts
        .into_iter()
        .max_by_key(|(units, each, _, _)| rows(*units, *each))
        .filter(|_| total > limit)
    else {
        return Ok(());
    };
    Err(Error::OverLimit {
        fault: LimitFault::Size(SizeLimit::FormulaRows {
            writer,
            each,
            units,
            samples,
            steps,
            total,
            limit,
            per: TERMS_PER_GRADIENT,
        }),
        span,
    })
}
