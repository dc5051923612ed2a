//! Whether the loss fits the output layer and the targets: a loss of probabilities needs
//! softmax or sigmoid outputs and targets in [0, 1] (adding up to 1 with softmax). `exam`
//! asks the same of every draw, through [`target_fault`].

use crate::error::{Error, MisfitFault, Span, TargetFault};
use crate::math::functions::{Activation, Builtin, Loss, Needs, Shape};
use crate::math::number::Decimal;
use crate::syntax::ast::Array;

/// Refuses a loss that cannot work with the output layer or the targets.
pub(super) fn check_loss_fits(
    loss: &Loss,
    output: &Activation,
    t: &[Vec<Decimal>],
    t_array: &Array,
    span: Span,
) -> Result<(), Error> {
    let needs_sigmoid = |sigmoid_only: bool| Error::Misfit {
        fault: MisfitFault::NeedsProbabilities {
            loss: loss.name.clone(),
            activation: output.name.clone(),
            sigmoid_only,
        },
        span,
    };
    match loss.needs {
        Needs::Anything => return Ok(()),
        Needs::Probabilities
            if !matches!(output.builtin, Some(Builtin::Softmax | Builtin::Sigmoid)) =>
        {
            return Err(needs_sigmoid(false))
        }
        Needs::SigmoidOutput if output.builtin != Some(Builtin::Sigmoid) => {
            return Err(needs_sigmoid(true))
        }
        _ => {}
    }
    match target_fault(loss, output, t) {
        Some(fault) => {
            let rows = t_array.rows();
            let vector = rows[fault.sample.min(rows.len() - 1)];
            Err(Error::Misfit {
                fault: MisfitFault::Targets(fault.fault),
                span: fault.value.map_or(vector.span, |k| vector.items[k].span),
            })
        }
        None => Ok(()),
    }
}

/// Where targets do not fit the loss: the sample, the value (none: the whole sample), and why.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetPlace {
    pub sample: usize,
    pub value: Option<usize>,
    pub fault: TargetFault,
}

/// The first target the loss cannot take: one outside [0, 1] for a loss of probabilities, or
/// softmax targets of a sample that do not add up to 1. `check` runs it on the file, `exam` on
/// every draw.
pub fn target_fault(loss: &Loss, output: &Activation, t: &[Vec<Decimal>]) -> Option<TargetPlace> {
    if loss.needs == Needs::Anything {
        return None;
    }
    for (sample, row) in t.iter().enumerate() {
        if let Some(k) = row
            .iter()
            .position(|v| v.is_negative() || *v > Decimal::ONE)
        {
            return Some(TargetPlace {
                sample,
                value: Some(k),
                fault: TargetFault::OutOfRange {
                    loss: loss.name.clone(),
                    value: row[k].to_string(),
                },
            });
        }
        if output.shape == Shape::Softmax {
            let sum = row
                .iter()
                .try_fold(Decimal::ZERO, |acc, v| acc.checked_add(*v));
            if sum != Some(Decimal::ONE) {
                return Some(TargetPlace {
                    sample,
                    value: None,
                    fault: TargetFault::Sum {
                        loss: loss.name.clone(),
                        sum: sum.map(|s| s.to_string()),
                    },
                });
            }
        }
    }
    None
}
