//! How the network is trained: `sgd lr = η, steps = N` or `optimizer NAME …` (each setting
//! known to its optimizer, given once and in its range, every default filled so that no later
//! stage guesses one), `weight_decay λ`, and a hidden layer's `dropout mask = …, keep = p`.
//!
//! `sgd` is `optimizer sgd` written the older way, and keeps its own messages.

use crate::error::{
    Defined, DropoutFault, Error, LimitFault, OptimizerName, Range, SettingName, SizeLimit, Span,
    TrainingFault, ValueFault, Wanted,
};
use crate::math::number::Decimal;
use crate::model::{
    AdamForm, Dropout, DropoutScale, Layer, Limits, MomentumForm, Optimizer, Training,
};
use crate::syntax::ast::{DropoutClause, Name, Number, Setting, Value};

/// The statement that gives the training.
#[derive(Clone, Copy)]
pub(super) enum Written<'a> {
    /// `sgd lr = …`.
    Sgd,
    /// `optimizer NAME …`, with the name as written.
    Optimizer(&'a Name),
}

/// The settings each optimizer takes, in the order messages list them.
fn settings_of(optimizer: OptimizerName) -> &'static [SettingName] {
    use SettingName::*;
    match optimizer {
        OptimizerName::Sgd => &[Lr, Steps],
        OptimizerName::Momentum => &[Lr, Momentum, Form, Steps],
        OptimizerName::Nesterov => &[Lr, Momentum, Steps],
        OptimizerName::AdaGrad => &[Lr, Eps, Steps],
        OptimizerName::RmsProp => &[Lr, Decay, Eps, Steps],
        OptimizerName::Adam => &[Lr, Beta1, Beta2, Eps, Form, Steps],
    }
}

/// `mantissa · 10^(−scale)`, for the defaults.
fn decimal(mantissa: i128, scale: u32) -> Decimal {
    Decimal::new(mantissa, scale).expect("a default is a small decimal")
}

/// The settings given, by name: each value with the span of its whole setting.
struct Given<'a> {
    values: Vec<(SettingName, &'a Value, Span)>,
}

impl<'a> Given<'a> {
    fn get(&self, name: SettingName) -> Option<(&'a Value, Span)> {
        self.values
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, value, span)| (*value, *span))
    }

    /// The number given for `name`, with its span; a value of another kind is refused.
    fn number(&self, name: SettingName) -> Result<Option<(Decimal, Span)>, Error> {
        match self.get(name) {
            None => Ok(None),
            Some((Value::Number(Number { value, span }), _)) => Ok(Some((*value, *span))),
            Some((other, _)) => Err(Error::Training {
                fault: TrainingFault::WrongKind {
                    setting: name,
                    wanted: Wanted::Number,
                },
                span: other.span(),
            }),
        }
    }

    /// The number given for `name` (or `default`), refused outside `range`.
    fn bounded(&self, name: SettingName, range: Range, default: Decimal) -> Result<Decimal, Error> {
        let Some((value, span)) = self.number(name)? else {
            return Ok(default);
        };
        if within(value, range) {
            Ok(value)
        } else {
            Err(Error::Training {
                fault: TrainingFault::OutOfRange {
                    setting: name,
                    range,
                    value,
                },
                span,
            })
        }
    }

    /// The name given for `name`, one of `choices` (`what` in messages), or `default`.
    fn choice<T: Copy>(
        &self,
        name: SettingName,
        what: &'static str,
        choices: &[(&'static str, T)],
        default: T,
    ) -> Result<T, Error> {
        let names = || choices.iter().map(|(n, _)| *n).collect::<Vec<_>>();
        match self.get(name) {
            None => Ok(default),
            Some((Value::Name(given), _)) => choices
                .iter()
                .find(|(n, _)| *n == given.text)
                .map(|(_, choice)| *choice)
                .ok_or_else(|| Error::Unknown {
                    what,
                    name: given.text.clone(),
                    expected: names(),
                    span: given.span,
                }),
            Some((other, _)) => Err(Error::Training {
                fault: TrainingFault::WrongKind {
                    setting: name,
                    wanted: Wanted::OneOf(names()),
                },
                span: other.span(),
            }),
        }
    }
}

/// Whether `value` is in `range`.
fn within(value: Decimal, range: Range) -> bool {
    let positive = !value.is_negative() && !value.is_zero();
    match range {
        Range::Positive => positive,
        Range::NonNegative => !value.is_negative(),
        Range::Fraction => !value.is_negative() && value < Decimal::ONE,
        Range::Probability => positive && value <= Decimal::ONE,
    }
}

/// The settings of `sgd` or `optimizer`: each one the optimizer has, at most once.
fn given<'a>(
    written: Written<'_>,
    optimizer: OptimizerName,
    settings: &'a [Setting],
) -> Result<Given<'a>, Error> {
    let allowed = settings_of(optimizer);
    let mut given = Given { values: Vec::new() };
    for setting in settings {
        let text = &setting.name.text;
        let Some(name) = SettingName::from_name(text).filter(|n| allowed.contains(n)) else {
            return Err(match written {
                Written::Sgd => Error::Unknown {
                    what: "sgd setting",
                    name: text.clone(),
                    expected: vec!["lr", "steps"],
                    span: setting.name.span,
                },
                Written::Optimizer(_) => Error::Training {
                    fault: TrainingFault::NoSetting {
                        optimizer,
                        setting: text.clone(),
                        expected: allowed.to_vec(),
                    },
                    span: setting.name.span,
                },
            });
        };
        // The note points at the first value, as it always has for `sgd`.
        if let Some((first, _)) = given.get(name) {
            return Err(Error::Duplicate {
                what: match written {
                    Written::Sgd => Defined::SgdSetting(text.clone()),
                    Written::Optimizer(_) => Defined::OptimizerSetting {
                        optimizer,
                        setting: name,
                    },
                },
                span: setting.span,
                first: first.span(),
            });
        }
        given.values.push((name, &setting.value, setting.span));
    }
    Ok(given)
}

/// `sgd …` or `optimizer NAME …` as a [`Training`] with every default filled.
pub(super) fn check_training(
    written: Written<'_>,
    settings: &[Setting],
    limits: &Limits,
) -> Result<Training, Error> {
    let optimizer = match written {
        Written::Sgd => OptimizerName::Sgd,
        Written::Optimizer(name) => {
            OptimizerName::from_name(&name.text).ok_or_else(|| Error::Unknown {
                what: "optimizer",
                name: name.text.clone(),
                expected: OptimizerName::ALL.map(OptimizerName::as_str).to_vec(),
                span: name.span,
            })?
        }
    };
    let given = given(written, optimizer, settings)?;
    let lr = learning_rate(written, &given, settings)?;
    let steps = steps(&given, limits)?;
    use SettingName as S;
    let fraction = |name, default| given.bounded(name, Range::Fraction, default);
    let eps = |default| given.bounded(S::Eps, Range::Positive, default);
    let optimizer = match optimizer {
        OptimizerName::Sgd => Optimizer::Sgd,
        OptimizerName::Momentum => Optimizer::Momentum {
            momentum: fraction(S::Momentum, decimal(9, 1))?,
            form: given.choice(
                S::Form,
                "momentum form",
                &MomentumForm::ALL.map(|form| (form.name(), form)),
                MomentumForm::Zero,
            )?,
        },
        OptimizerName::Nesterov => Optimizer::Nesterov {
            momentum: fraction(S::Momentum, decimal(9, 1))?,
        },
        OptimizerName::AdaGrad => Optimizer::AdaGrad {
            eps: eps(decimal(1, 7))?,
        },
        OptimizerName::RmsProp => Optimizer::RmsProp {
            decay: fraction(S::Decay, decimal(99, 2))?,
            eps: eps(decimal(1, 8))?,
        },
        OptimizerName::Adam => Optimizer::Adam {
            beta1: fraction(S::Beta1, decimal(9, 1))?,
            beta2: fraction(S::Beta2, decimal(999, 3))?,
            eps: eps(decimal(1, 8))?,
            form: given.choice(
                S::Form,
                "adam form",
                &AdamForm::ALL.map(|form| (form.name(), form)),
                AdamForm::Paper,
            )?,
        },
    };
    Ok(Training {
        lr,
        steps,
        optimizer,
    })
}

/// `lr`, which every optimizer needs, above 0.
fn learning_rate(
    written: Written<'_>,
    given: &Given<'_>,
    settings: &[Setting],
) -> Result<Decimal, Error> {
    let Some((lr, span)) = given.number(SettingName::Lr)? else {
        return Err(match written {
            Written::Sgd => Error::Missing {
                what: "learning rate in sgd (such as `sgd lr = 0.1`)",
                span: settings.first().map_or_else(Span::default, |s| s.span),
            },
            Written::Optimizer(name) => Error::Missing {
                what: "learning rate in optimizer (such as `optimizer adam lr = 0.001`)",
                span: settings.first().map_or(name.span, |s| s.span),
            },
        });
    };
    if lr.is_negative() || lr.is_zero() {
        return Err(Error::BadValue {
            fault: ValueFault::LearningRate(lr),
            span,
        });
    }
    Ok(lr)
}

/// `steps`, a whole number of at least 1 (1 when not given).
fn steps(given: &Given<'_>, limits: &Limits) -> Result<u32, Error> {
    let Some((n, span)) = given.number(SettingName::Steps)? else {
        return Ok(1);
    };
    match n.as_integer().filter(|n| *n >= 1) {
        Some(whole) => u32::try_from(whole).map_err(|_| Error::OverLimit {
            // Beyond any --max-steps: said the way the steps limit says it.
            fault: LimitFault::Size(SizeLimit::Steps {
                steps: whole.unsigned_abs(),
                limit: limits.steps,
            }),
            span,
        }),
        None => Err(Error::BadValue {
            fault: ValueFault::Steps(n),
            span,
        }),
    }
}

/// `weight_decay λ`, λ ≥ 0.
pub(super) fn check_weight_decay(value: &Number) -> Result<Decimal, Error> {
    if within(value.value, Range::NonNegative) {
        Ok(value.value)
    } else {
        Err(Error::Training {
            fault: TrainingFault::OutOfRange {
                setting: SettingName::WeightDecay,
                range: Range::NonNegative,
                value: value.value,
            },
            span: value.span,
        })
    }
}

/// The span of a clause's `dropout` keyword.
fn keyword(clause: &DropoutClause) -> Span {
    Span::new(clause.span.start, clause.span.start + "dropout".len())
}

/// The `dropout` clauses of layer `layer` (from 1) of `depth`, as the layer's [`Dropout`]:
/// at most one, on a hidden layer, its mask a 0/1 row per sample as wide as the layer.
pub(super) fn check_dropout(
    clauses: &[DropoutClause],
    layer: usize,
    depth: usize,
    units: usize,
    samples: usize,
) -> Result<Option<Dropout>, Error> {
    let clause = match clauses {
        [] => return Ok(None),
        [one] => one,
        [first, second, ..] => {
            return Err(Error::Duplicate {
                what: Defined::Dropout { layer },
                span: second.span,
                first: first.span,
            })
        }
    };
    if layer == depth {
        return Err(Error::Training {
            fault: TrainingFault::Dropout(DropoutFault::OnOutput { layer }),
            span: keyword(clause),
        });
    }
    let given = dropout_settings(clause, layer)?;
    let Some((mask_value, _)) = given.get(SettingName::Mask) else {
        return Err(Error::Training {
            fault: TrainingFault::Dropout(DropoutFault::Needs(SettingName::Mask)),
            span: keyword(clause),
        });
    };
    let mask = check_mask(mask_value, layer, units, samples)?;
    let inverted = given.choice(
        SettingName::Scale,
        "dropout scale",
        &[("inverted", true), ("none", false)],
        true,
    )?;
    let scale = if inverted {
        let Some((_, _)) = given.get(SettingName::Keep) else {
            return Err(Error::Training {
                fault: TrainingFault::Dropout(DropoutFault::Needs(SettingName::Keep)),
                span: keyword(clause),
            });
        };
        DropoutScale::Inverted {
            keep: given.bounded(SettingName::Keep, Range::Probability, Decimal::ONE)?,
        }
    } else {
        if let Some((_, span)) = given.get(SettingName::Keep) {
            return Err(Error::Training {
                fault: TrainingFault::Dropout(DropoutFault::KeepWithoutScale),
                span,
            });
        }
        DropoutScale::None
    };
    Ok(Some(Dropout { mask, scale }))
}

/// A `dropout`'s settings: `mask`, `keep` and `scale`, each at most once.
fn dropout_settings(clause: &DropoutClause, layer: usize) -> Result<Given<'_>, Error> {
    const DROPOUT: [SettingName; 3] = [SettingName::Mask, SettingName::Keep, SettingName::Scale];
    let mut given = Given { values: Vec::new() };
    for setting in &clause.settings {
        let text = &setting.name.text;
        let Some(name) = SettingName::from_name(text).filter(|n| DROPOUT.contains(n)) else {
            return Err(Error::Unknown {
                what: "dropout setting",
                name: text.clone(),
                expected: DROPOUT.map(SettingName::as_str).to_vec(),
                span: setting.name.span,
            });
        };
        // The note points at the first value, as it always has for `sgd`.
        if let Some((first, _)) = given.get(name) {
            return Err(Error::Duplicate {
                what: Defined::DropoutSetting {
                    setting: name,
                    layer,
                },
                span: setting.span,
                first: first.span(),
            });
        }
        given.values.push((name, &setting.value, setting.span));
    }
    Ok(given)
}

/// A mask: a row per sample (a vector for one sample), each as wide as the layer, of 0 and 1.
fn check_mask(
    value: &Value,
    layer: usize,
    units: usize,
    samples: usize,
) -> Result<Vec<Vec<bool>>, Error> {
    let Value::Array(array) = value else {
        return Err(Error::Training {
            fault: TrainingFault::WrongKind {
                setting: SettingName::Mask,
                wanted: Wanted::Mask,
            },
            span: value.span(),
        });
    };
    let rows = array.rows();
    if rows.len() != samples {
        return Err(Error::Training {
            fault: TrainingFault::Dropout(DropoutFault::MaskRows {
                layer,
                rows: rows.len(),
                samples,
            }),
            span: array.span(),
        });
    }
    rows.iter()
        .map(|row| {
            if row.items.len() != units {
                return Err(Error::Training {
                    fault: TrainingFault::Dropout(DropoutFault::MaskColumns {
                        layer,
                        columns: row.items.len(),
                        units,
                    }),
                    span: row.span,
                });
            }
            row.items
                .iter()
                .map(|entry| match entry.value {
                    v if v.is_one() => Ok(true),
                    v if v.is_zero() => Ok(false),
                    value => Err(Error::Training {
                        fault: TrainingFault::Dropout(DropoutFault::MaskEntry { layer, value }),
                        span: entry.span,
                    }),
                })
                .collect()
        })
        .collect()
}

/// Each layer's dropout, from its clauses (in the order of the layers).
pub(super) fn check_dropouts(
    clauses: &[&[DropoutClause]],
    layers: &mut [(Layer, Span)],
    samples: usize,
) -> Result<(), Error> {
    let depth = layers.len();
    for (n, ((layer, _), clauses)) in layers.iter_mut().zip(clauses).enumerate() {
        layer.dropout = check_dropout(clauses, n + 1, depth, layer.units(), samples)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::error::Error;
    use crate::math::number::Decimal;
    use crate::model::{
        AdamForm, Dropout, DropoutScale, MomentumForm, Network, Optimizer, Training,
    };

    const HEAD: &str = "input x = [[1, 2], [3, 4]]\nlayer sigmoid W = [[1, 2], [3, 4], [5, 6]]\n";
    const TAIL: &str = "layer identity W = [[1, 2, 3]]\ntarget t = [[0], [1]]\nloss sum_squared\n";

    fn checked(text: &str) -> Result<Network, Error> {
        super::super::check(&crate::syntax::parser::parse(text)?)
    }

    /// A network of two samples and a hidden layer of three units, with `extra` after it.
    fn with(extra: &str) -> Result<Network, Error> {
        checked(&format!("{HEAD}{TAIL}{extra}\n"))
    }

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    fn optimizer(statement: &str) -> Optimizer {
        with(statement).unwrap().training.unwrap().optimizer
    }

    /// The message of `text`'s error, and the text under its span.
    fn fails_in(text: &str) -> (String, String) {
        let error = checked(text).expect_err(text);
        let span = error.span().expect("a span");
        (error.to_string(), text[span.start..span.end].to_string())
    }

    fn fails(extra: &str) -> (String, String) {
        fails_in(&format!("{HEAD}{TAIL}{extra}\n"))
    }

    /// A hidden layer with `dropout`, for two samples.
    fn dropout(clause: &str) -> Result<Network, Error> {
        checked(&format!("{HEAD}  {clause}\n{TAIL}"))
    }

    #[test]
    fn every_default_is_filled() {
        assert_eq!(optimizer("optimizer sgd lr = 0.1"), Optimizer::Sgd);
        assert_eq!(
            optimizer("optimizer momentum lr = 0.1"),
            Optimizer::Momentum {
                momentum: d("0.9"),
                form: MomentumForm::Zero
            }
        );
        assert_eq!(
            optimizer("optimizer nesterov lr = 0.1"),
            Optimizer::Nesterov { momentum: d("0.9") }
        );
        assert_eq!(
            optimizer("optimizer adagrad lr = 0.1"),
            Optimizer::AdaGrad { eps: d("1e-7") }
        );
        assert_eq!(
            optimizer("optimizer rmsprop lr = 0.1"),
            Optimizer::RmsProp {
                decay: d("0.99"),
                eps: d("1e-8")
            }
        );
        assert_eq!(
            optimizer("optimizer adam lr = 0.1"),
            Optimizer::Adam {
                beta1: d("0.9"),
                beta2: d("0.999"),
                eps: d("1e-8"),
                form: AdamForm::Paper
            }
        );
        let network = with("optimizer adam lr = 0.001").unwrap();
        assert_eq!(network.training.unwrap().steps, 1);
        assert_eq!(network.training.unwrap().lr, d("0.001"));
        assert_eq!(network.weight_decay, None);
        assert!(network.layers.iter().all(|l| l.dropout.is_none()));
    }

    #[test]
    fn settings_in_any_order_are_read() {
        assert_eq!(
            with("optimizer adam form = zero, eps = 1e-7, steps = 3, beta2 = 0.99, beta1 = 0, lr = 0.5")
                .unwrap()
                .training,
            Some(Training {
                lr: d("0.5"),
                steps: 3,
                optimizer: Optimizer::Adam {
                    beta1: d("0"),
                    beta2: d("0.99"),
                    eps: d("1e-7"),
                    form: AdamForm::Zero
                }
            })
        );
        for (form, expected) in [
            ("zero", MomentumForm::Zero),
            ("pytorch", MomentumForm::PyTorch),
            ("ema", MomentumForm::Ema),
        ] {
            assert_eq!(
                optimizer(&format!(
                    "optimizer momentum form = {form}, momentum = 0, lr = 1"
                )),
                Optimizer::Momentum {
                    momentum: d("0"),
                    form: expected
                }
            );
        }
        assert_eq!(
            optimizer("optimizer rmsprop decay = 0, eps = 1, lr = 1"),
            Optimizer::RmsProp {
                decay: d("0"),
                eps: d("1")
            }
        );
        // `sgd` is `optimizer sgd`.
        assert_eq!(
            with("sgd lr = 0.1, steps = 2").unwrap().training,
            with("optimizer sgd steps = 2, lr = 0.1").unwrap().training
        );
    }

    #[test]
    fn weight_decay_and_dropout_are_read() {
        assert_eq!(
            with("weight_decay 0.01").unwrap().weight_decay,
            Some(d("0.01"))
        );
        assert_eq!(with("weight_decay 0").unwrap().weight_decay, Some(d("0")));
        let network = dropout("dropout mask = [[1, 0, 1], [0, 0, 1]], keep = 0.5").unwrap();
        assert_eq!(
            network.layers[0].dropout,
            Some(Dropout {
                mask: vec![vec![true, false, true], vec![false, false, true]],
                scale: DropoutScale::Inverted { keep: d("0.5") }
            })
        );
        assert_eq!(network.layers[1].dropout, None);
        let network = dropout("dropout scale = none, mask = [[1, 1, 1], [0, 0, 0]]").unwrap();
        assert_eq!(
            network.layers[0].dropout.as_ref().unwrap().scale,
            DropoutScale::None
        );
        let network = dropout("dropout keep = 1, scale = inverted, mask = [[1, 1, 1], [0, 0, 0]]");
        assert_eq!(
            network.unwrap().layers[0].dropout.as_ref().unwrap().scale,
            DropoutScale::Inverted { keep: d("1") }
        );
        // One sample: a plain vector, as `x` may be; dropout between W and b.
        let text = "input x = [1]\nlayer tanh W = [[1], [2]]\n dropout mask = [0, 1], keep = 0.8\n b = [0, 0]\nlayer identity W = [[1, 1]]\ntarget t = [1]\nloss sum_squared\n";
        let network = checked(text).unwrap();
        assert_eq!(
            network.layers[0].dropout.as_ref().unwrap().mask,
            vec![vec![false, true]]
        );
        assert!(network.layers[0].bias.is_some());
    }

    #[test]
    fn exams_vary_the_rate_and_ask_the_update_with_any_optimizer() {
        for optimizer in [
            "optimizer momentum lr = 0.1, form = pytorch",
            "optimizer adam lr = 0.01",
            "optimizer rmsprop lr = 0.01",
        ] {
            let exam = with(&format!(
                "{optimizer}\nvary lr in {{0.1, 0.2}}\nask update W1\nask update w12 1"
            ))
            .unwrap()
            .exam;
            assert_eq!((exam.varies.len(), exam.asks.len()), (1, 2), "{optimizer}");
        }
        // Without any optimizer, as before.
        let (message, _) = fails("ask update W1");
        assert_eq!(
            message,
            "`ask update` needs training: an `optimizer` (or `sgd`) statement"
        );
    }

    macro_rules! refuses {
        ($($name:ident: $text:expr => $message:expr, at $at:expr;)*) => {$(
            #[test]
            fn $name() {
                let (message, at) = $text;
                assert_eq!((message.as_str(), at.as_str()), ($message, $at));
            }
        )*};
    }

    refuses! {
        unknown_optimizer: fails("optimizer adamw lr = 0.1")
            => "unknown optimizer `adamw`; expected one of: sgd, momentum, nesterov, adagrad, rmsprop, adam", at "adamw";
        setting_the_optimizer_lacks: fails("optimizer adam lr = 0.1, momentum = 0.9")
            => "adam has no setting `momentum`; expected one of: lr, beta1, beta2, eps, form, steps", at "momentum";
        form_without_forms: fails("optimizer nesterov lr = 0.1, form = pytorch")
            => "nesterov has no setting `form`; expected one of: lr, momentum, steps", at "form";
        sgd_setting_in_optimizer_sgd: fails("optimizer sgd lr = 0.1, eps = 1")
            => "sgd has no setting `eps`; expected one of: lr, steps", at "eps";
        sgd_keeps_its_message: fails("sgd lr = 0.1, momentum = 0.9")
            => "unknown sgd setting `momentum`; expected one of: lr, steps", at "momentum";
        setting_twice: fails("optimizer adam lr = 0.1, beta1 = 0.8, beta1 = 0.9")
            => "adam beta1 is defined twice", at "beta1 = 0.9";
        momentum_of_one: fails("optimizer momentum lr = 0.1, momentum = 1")
            => "momentum must be at least 0 and below 1, not 1", at "1";
        negative_momentum: fails("optimizer nesterov lr = 0.1, momentum = -0.5")
            => "momentum must be at least 0 and below 1, not -0.5", at "-0.5";
        decay_of_one: fails("optimizer rmsprop lr = 0.1, decay = 1")
            => "decay must be at least 0 and below 1, not 1", at "1";
        beta1_beyond: fails("optimizer adam lr = 0.1, beta1 = 1.5")
            => "beta1 must be at least 0 and below 1, not 1.5", at "1.5";
        beta2_of_one: fails("optimizer adam lr = 0.1, beta2 = 1")
            => "beta2 must be at least 0 and below 1, not 1", at "1";
        eps_of_zero: fails("optimizer adagrad lr = 0.1, eps = 0")
            => "eps must be above 0, not 0", at "0";
        negative_eps: fails("optimizer adam lr = 0.1, eps = -1e-8")
            => "eps must be above 0, not -0.00000001", at "-1e-8";
        zero_rate: fails("optimizer adam lr = 0")
            => "the learning rate must be above 0, not 0", at "0";
        no_rate: fails("optimizer adam beta1 = 0.9")
            => "the file has no learning rate in optimizer (such as `optimizer adam lr = 0.001`)", at "beta1 = 0.9";
        no_name: fails("optimizer lr = 0.1")
            => "`optimizer` takes the optimizer's name first, one of: sgd, momentum, nesterov, adagrad, rmsprop, adam (such as `optimizer adam lr = 0.001`)", at "optimizer";
        nothing_at_all: fails("optimizer")
            => "`optimizer` takes the optimizer's name first, one of: sgd, momentum, nesterov, adagrad, rmsprop, adam (such as `optimizer adam lr = 0.001`)", at "optimizer";
        no_settings: fails("optimizer adam")
            => "the file has no learning rate in optimizer (such as `optimizer adam lr = 0.001`)", at "adam";
        fractional_steps: fails("optimizer momentum lr = 0.1, steps = 2.5")
            => "steps must be a whole number of at least 1, not 2.5", at "2.5";
        name_for_a_number: fails("optimizer adam lr = fast")
            => "lr takes a number, such as `lr = 0.5`", at "fast";
        array_for_a_number: fails("optimizer adam lr = [0.1]")
            => "lr takes a number, such as `lr = 0.5`", at "[0.1]";
        unknown_momentum_form: fails("optimizer momentum lr = 0.1, form = paper")
            => "unknown momentum form `paper`; expected one of: zero, pytorch, ema", at "paper";
        unknown_adam_form: fails("optimizer adam lr = 0.1, form = pytorch")
            => "unknown adam form `pytorch`; expected one of: paper, zero", at "pytorch";
        number_for_a_form: fails("optimizer adam lr = 0.1, form = 1")
            => "form takes one of: paper, zero", at "1";
        sgd_and_optimizer: fails("sgd lr = 0.1\noptimizer adam lr = 0.1")
            => "the optimizer (`sgd lr = …` is `optimizer sgd lr = …`) is defined twice", at "optimizer adam lr = 0.1\n";
        optimizer_and_sgd: fails("optimizer adam lr = 0.1\nsgd lr = 0.1")
            => "the optimizer (`sgd lr = …` is `optimizer sgd lr = …`) is defined twice", at "sgd lr = 0.1\n";
        optimizer_twice: fails("optimizer adam lr = 0.1\noptimizer sgd lr = 0.1")
            => "optimizer is defined twice", at "optimizer sgd lr = 0.1\n";
        sgd_twice: fails("sgd lr = 0.1\nsgd lr = 0.2")
            => "sgd is defined twice", at "sgd lr = 0.2\n";
        negative_weight_decay: fails("weight_decay -0.1")
            => "weight_decay must be at least 0, not -0.1", at "-0.1";
        weight_decay_twice: fails("weight_decay 0.1\nweight_decay 0.2")
            => "weight_decay is defined twice", at "weight_decay 0.2";
        keep_of_zero: fails_in(&format!("{HEAD} dropout mask = [[1, 1, 1], [1, 1, 1]], keep = 0\n{TAIL}"))
            => "keep must be above 0 and at most 1, not 0", at "0";
        keep_beyond_one: fails_in(&format!("{HEAD} dropout mask = [[1, 1, 1], [1, 1, 1]], keep = 1.5\n{TAIL}"))
            => "keep must be above 0 and at most 1, not 1.5", at "1.5";
        keep_missing: fails_in(&format!("{HEAD} dropout mask = [[1, 1, 1], [1, 1, 1]]\n{TAIL}"))
            => "dropout needs keep, the probability of keeping an output (such as `keep = 0.5`), or `scale = none`", at "dropout";
        mask_missing: fails_in(&format!("{HEAD} dropout keep = 0.5\n{TAIL}"))
            => "dropout needs its mask, a row of 0 and 1 per sample (such as `mask = [[1, 0], [1, 1]]`)", at "dropout";
        keep_with_no_scale: fails_in(&format!("{HEAD} dropout mask = [[1, 1, 1], [1, 1, 1]], keep = 0.5, scale = none\n{TAIL}"))
            => "keep has no effect with `scale = none` (z̃ = h(a) ⊙ mask, without dividing by keep): leave it out, or drop `scale = none` for inverted dropout", at "keep = 0.5";
        unknown_scale: fails_in(&format!("{HEAD} dropout mask = [[1, 1, 1], [1, 1, 1]], scale = half\n{TAIL}"))
            => "unknown dropout scale `half`; expected one of: inverted, none", at "half";
        unknown_dropout_setting: fails_in(&format!("{HEAD} dropout mask = [[1, 1, 1], [1, 1, 1]], p = 0.5\n{TAIL}"))
            => "unknown dropout setting `p`; expected one of: mask, keep, scale", at "p";
        dropout_setting_twice: fails_in(&format!("{HEAD} dropout keep = 0.5, mask = [[1, 1, 1], [1, 1, 1]], keep = 0.5\n{TAIL}"))
            => "dropout keep of layer 1 is defined twice", at "keep = 0.5";
        mask_rows: fails_in(&format!("{HEAD} dropout mask = [[1, 1, 1]], keep = 0.5\n{TAIL}"))
            => "the dropout mask of layer 1 has 1 row (one per sample), but the input has 2 samples", at "[[1, 1, 1]]";
        mask_as_vector_for_two_samples: fails_in(&format!("{HEAD} dropout mask = [1, 1, 1], keep = 0.5\n{TAIL}"))
            => "the dropout mask of layer 1 has 1 row (one per sample), but the input has 2 samples", at "[1, 1, 1]";
        mask_columns: fails_in(&format!("{HEAD} dropout mask = [[1, 1, 1], [1, 1]], keep = 0.5\n{TAIL}"))
            => "this row of the dropout mask of layer 1 has 2 values, but the layer has 3 units", at "[1, 1]";
        mask_entry: fails_in(&format!("{HEAD} dropout mask = [[1, 1, 1], [1, 0.5, 1]], keep = 0.5\n{TAIL}"))
            => "the dropout mask of layer 1 holds 0.5; its entries are 1 (kept) or 0 (dropped)", at "0.5";
        mask_not_an_array: fails_in(&format!("{HEAD} dropout mask = 1, keep = 0.5\n{TAIL}"))
            => "mask takes a row of 0 and 1 per sample, such as `[[1, 0], [1, 1]]` (or `[1, 0]` for one sample)", at "1";
        dropout_on_the_output: fails_in(&format!("{HEAD}{TAIL}").replace("[[1, 2, 3]]", "[[1, 2, 3]] dropout mask = [[1], [1]], keep = 0.5"))
            => "dropout is for hidden layers, but layer 2 is the output layer", at "dropout";
        dropout_twice: fails_in(&format!("{HEAD} dropout mask = [[1, 1, 1], [1, 1, 1]], keep = 0.5\n dropout mask = [[1, 1, 1], [1, 1, 1]], keep = 0.5\n{TAIL}"))
            => "dropout of layer 1 is defined twice", at "dropout mask = [[1, 1, 1], [1, 1, 1]], keep = 0.5";
        dropout_as_a_parameter: fails_in(&format!("{HEAD} dropout = [1]\n{TAIL}"))
            => "unknown layer parameter `dropout`; expected one of: W, b", at "dropout";
    }

    /// A JSON number as the decimal it is written as.
    fn decimal(value: &serde_json::Value) -> Decimal {
        Decimal::parse(&value.to_string()).unwrap_or_else(|| panic!("{value}"))
    }

    /// The optimizer of a case's structured `network`.
    fn optimizer_of(o: &serde_json::Value) -> Optimizer {
        let form = o["form"].as_str();
        match o["name"].as_str().unwrap() {
            "sgd" => Optimizer::Sgd,
            "momentum" => Optimizer::Momentum {
                momentum: decimal(&o["momentum"]),
                form: match form.unwrap() {
                    "zero" => MomentumForm::Zero,
                    "pytorch" => MomentumForm::PyTorch,
                    other => panic!("{other}"),
                },
            },
            "nesterov" => Optimizer::Nesterov {
                momentum: decimal(&o["momentum"]),
            },
            "adagrad" => Optimizer::AdaGrad {
                eps: decimal(&o["eps"]),
            },
            "rmsprop" => Optimizer::RmsProp {
                decay: decimal(&o["decay"]),
                eps: decimal(&o["eps"]),
            },
            "adam" => Optimizer::Adam {
                beta1: decimal(&o["beta1"]),
                beta2: decimal(&o["beta2"]),
                eps: decimal(&o["eps"]),
                form: match form.unwrap() {
                    "paper" => AdamForm::Paper,
                    other => panic!("{other}"),
                },
            },
            other => panic!("{other}"),
        }
    }

    fn dropout_of(d: &serde_json::Value) -> Option<Dropout> {
        if d.is_null() {
            return None;
        }
        let mask = d["mask"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let row = row.as_array().unwrap();
                row.iter().map(|v| v.as_f64() == Some(1.0)).collect()
            })
            .collect();
        let scale = match d["scale"].as_str().unwrap() {
            "none" => DropoutScale::None,
            _ => DropoutScale::Inverted {
                keep: decimal(&d["keep"]),
            },
        };
        Some(Dropout { mask, scale })
    }

    #[test]
    fn every_torch_case_checks_into_its_structured_network() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/torch-optimizers.json"
        );
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let cases = data["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 48);
        let (mut decayed, mut dropped) = (0, 0);
        for case in cases {
            let text = case["nn"].as_str().unwrap();
            let network = checked(text).unwrap_or_else(|e| panic!("{text}\n{e}"));
            let expected = &case["network"];
            let training = network.training.unwrap();
            assert_eq!(
                training.optimizer,
                optimizer_of(&expected["optimizer"]),
                "{text}"
            );
            assert_eq!(training.lr, decimal(&expected["optimizer"]["lr"]), "{text}");
            assert_eq!(
                u64::from(training.steps),
                expected["steps"].as_u64().unwrap()
            );
            let decay =
                (!expected["weight_decay"].is_null()).then(|| decimal(&expected["weight_decay"]));
            assert_eq!(network.weight_decay, decay, "{text}");
            let dropouts: Vec<_> = expected["dropout"]
                .as_array()
                .unwrap()
                .iter()
                .map(dropout_of)
                .collect();
            let read: Vec<_> = network.layers.iter().map(|l| l.dropout.clone()).collect();
            assert_eq!(read, dropouts, "{text}");
            decayed += usize::from(decay.is_some());
            dropped += usize::from(dropouts.iter().any(Option::is_some));
        }
        // The cases cover decay and dropout, with and without.
        assert!(
            decayed > 0 && decayed < 48 && dropped > 0 && dropped < 48,
            "{decayed} {dropped}"
        );
    }
}
