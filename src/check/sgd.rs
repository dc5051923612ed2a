//! The `sgd` statement: a learning rate above 0 and a whole number of steps.

use crate::error::{Defined, Error, LimitFault, SizeLimit, Span, ValueFault};
use crate::math::number::Decimal;
use crate::model::{Limits, Optimizer, Training};

pub(super) fn check_sgd(
    settings: &[crate::syntax::ast::Setting],
    limits: &Limits,
) -> Result<Training, Error> {
    let mut lr: Option<(Decimal, Span)> = None;
    let mut steps: Option<(Decimal, Span)> = None;
    for setting in settings {
        let slot = match setting.name.text.as_str() {
            "lr" => &mut lr,
            "steps" => &mut steps,
            other => {
                return Err(Error::Unknown {
                    what: "sgd setting",
                    name: other.to_string(),
                    expected: vec!["lr", "steps"],
                    span: setting.name.span,
                })
            }
        };
        if let Some((_, first)) = slot {
            return Err(Error::Duplicate {
                what: Defined::SgdSetting(setting.name.text.clone()),
                span: setting.span,
                first: *first,
            });
        }
        *slot = Some((setting.value.value, setting.value.span));
    }
    let Some((lr, lr_span)) = lr else {
        return Err(Error::Missing {
            what: "learning rate in sgd (such as `sgd lr = 0.1`)",
            span: settings.first().map_or_else(Span::default, |s| s.span),
        });
    };
    if lr.is_negative() || lr.is_zero() {
        return Err(Error::BadValue {
            fault: ValueFault::LearningRate(lr),
            span: lr_span,
        });
    }
    let steps = match steps {
        None => 1,
        Some((n, span)) => match n.as_integer().filter(|n| *n >= 1) {
            Some(whole) => u32::try_from(whole).map_err(|_| Error::OverLimit {
                // Beyond any --max-steps: said the way the steps limit says it.
                fault: LimitFault::Size(SizeLimit::Steps {
                    steps: whole.unsigned_abs(),
                    limit: limits.steps,
                }),
                span,
            })?,
            None => {
                return Err(Error::BadValue {
                    fault: ValueFault::Steps(n),
                    span,
                })
            }
        },
    };
    Ok(Training {
        lr,
        steps,
        optimizer: Optimizer::Sgd,
    })
}
