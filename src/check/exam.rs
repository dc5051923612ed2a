//! The exam statements, `vary` and `ask`, checked against the network they would vary or
//! ask about: a name that is not there, a layer without biases, or a drawn value the file could
//! not hold is refused here, once, rather than in every variant.

use crate::error::{AskFault, Error, LimitFault, MisfitFault, Span, TargetFault, ValueFault};
use crate::math::functions::{Loss, Needs};
use crate::math::number::Decimal;
use crate::model::{Ask, Exam, Layer, Parameter, Quantity, Vary, VaryTarget};
use crate::syntax::ast::{AskKind, Name, Number, VarySpec};

/// The most values one `vary` range, and all the `vary` statements of a file together, may
/// draw from: 2,000 lines of ranges of 100,000 values each took 6 GB and over a minute.
pub const MAX_VARY_VALUES: usize = 100_000;

/// The exam statements: what may vary and what may be asked, checked against the network.
/// Every value a `vary` draws must be one the file could hold (a learning rate above 0,
/// targets the loss can take); what only a whole draw can break is checked per draw.
pub(super) fn check_exam(
    varies: &[(&Name, &VarySpec, Span)],
    asks: &[(AskKind, &Name, Option<&Number>)],
    layers: &[(Layer, Span)],
    has_sgd: bool,
    loss: &Loss,
) -> Result<Exam, Error> {
    let mut exam = Exam::default();
    let mut room = MAX_VARY_VALUES;
    for (name, spec, span) in varies {
        let target = vary_target(name, layers, has_sgd)?;
        let values = vary_values(spec, room)?;
        room -= values.len();
        check_drawn(name, spec, *span, target, &values, loss)?;
        exam.varies.push(Vary {
            target,
            values,
            name: format!("vary {}", name.text),
            span: *span,
        });
    }
    for (kind, name, layer) in asks {
        let ask = check_ask(*kind, name, *layer, layers, has_sgd)?;
        // Asked twice is asked once: 100,000 `ask grad W1` lines took 4 GB in `exam`.
        if !exam.asks.contains(&ask) {
            exam.asks.push(ask);
        }
    }
    Ok(exam)
}

/// The values a `vary` draws from, at most `room` of them (what [`MAX_VARY_VALUES`] leaves
/// after the statements before).
pub(super) fn vary_values(spec: &VarySpec, room: usize) -> Result<Vec<Decimal>, Error> {
    match spec {
        VarySpec::Set(items) if items.len() > room => Err(Error::OverLimit {
            fault: LimitFault::VaryValues {
                max: MAX_VARY_VALUES,
            },
            span: items[room].span,
        }),
        VarySpec::Set(items) => Ok(items.iter().map(|n| n.value).collect()),
        VarySpec::Range { low, high, step } => range_values(low, high, step, room),
    }
}

/// Whether the layer (from 1), or with `None` any layer, has biases.
fn has_bias(layers: &[(Layer, Span)], layer: Option<u32>) -> bool {
    match layer {
        Some(l) => layers[l as usize - 1].0.bias.is_some(),
        None => layers.iter().any(|(l, _)| l.bias.is_some()),
    }
}

/// What `vary NAME` varies.
fn vary_target(name: &Name, layers: &[(Layer, Span)], has_sgd: bool) -> Result<VaryTarget, Error> {
    let value_error = |fault: ValueFault| Error::BadValue {
        fault,
        span: name.span,
    };
    Ok(match name.text.as_str() {
        "x" => VaryTarget::Input,
        "t" => VaryTarget::Target,
        "lr" if has_sgd => VaryTarget::Rate,
        "lr" => return Err(value_error(ValueFault::RateWithoutSgd)),
        other => match parameter_name(other, layers.len()) {
            None => {
                return Err(Error::Unknown {
                    what: "thing to vary",
                    name: name.text.clone(),
                    expected: vec!["W", "W1", "b", "b1", "x", "t", "lr"],
                    span: name.span,
                })
            }
            Some(Err(fault)) => return Err(value_error(fault)),
            Some(Ok((true, layer))) if !has_bias(layers, layer) => {
                return Err(value_error(ValueFault::VariesMissingBiases {
                    name: other.to_string(),
                    layer,
                }))
            }
            Some(Ok((true, layer))) => VaryTarget::Biases(layer),
            Some(Ok((false, layer))) => VaryTarget::Weights(layer),
        },
    })
}

/// Refuses a drawn value the file could not hold: a learning rate of 0 or below, or a target
/// outside [0, 1] for a loss of probabilities.
fn check_drawn(
    name: &Name,
    spec: &VarySpec,
    span: Span,
    target: VaryTarget,
    values: &[Decimal],
    loss: &Loss,
) -> Result<(), Error> {
    // The literal a bad value comes from: itself in a set; in a range, the low bound for a
    // value of 0 or below, the high one for a value above 1.
    let value_span = |v: &Decimal| match spec {
        VarySpec::Set(items) => items
            .iter()
            .find(|n| n.value == *v)
            .map_or(span, |n| n.span),
        VarySpec::Range { low, .. } if v.is_negative() || v.is_zero() => low.span,
        VarySpec::Range { high, .. } => high.span,
    };
    for v in values {
        match target {
            VaryTarget::Rate if v.is_negative() || v.is_zero() => {
                return Err(Error::BadValue {
                    fault: ValueFault::DrawnRate {
                        name: name.text.clone(),
                        value: *v,
                    },
                    span: value_span(v),
                })
            }
            VaryTarget::Target
                if loss.needs != Needs::Anything && (v.is_negative() || *v > Decimal::ONE) =>
            {
                let fault = Box::new(TargetFault::OutOfRange {
                    loss: loss.name.clone(),
                    value: v.to_string(),
                });
                return Err(Error::Misfit {
                    fault: MisfitFault::DrawnTarget {
                        name: name.text.clone(),
                        value: *v,
                        fault,
                    },
                    span: value_span(v),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// `W`, `W2`, `b`, `b1` → (bias, layer); `None` when `name` is none of these.
fn parameter_name(name: &str, depth: usize) -> Option<Result<(bool, Option<u32>), ValueFault>> {
    let (bias, rest) = match name.chars().next()? {
        'W' => (false, &name[1..]),
        'b' => (true, &name[1..]),
        _ => return None,
    };
    if rest.is_empty() {
        return Some(Ok((bias, None)));
    }
    let layer: u32 = rest.parse().ok()?;
    if layer == 0 || layer as usize > depth {
        return Some(Err(ValueFault::NoLayer {
            depth,
            layer: Decimal::from_int(layer.into()),
        }));
    }
    Some(Ok((bias, Some(layer))))
}

/// The values of `vary … in [low, high] step s`, exactly; at most `room` of them (what
/// [`MAX_VARY_VALUES`] leaves after the statements before).
fn range_values(
    low: &Number,
    high: &Number,
    step: &Number,
    room: usize,
) -> Result<Vec<Decimal>, Error> {
    if step.value.is_negative() || step.value.is_zero() {
        return Err(Error::BadValue {
            fault: ValueFault::StepNotPositive(step.value),
            span: step.span,
        });
    }
    if high.value < low.value {
        return Err(Error::BadValue {
            fault: ValueFault::EmptyRange {
                low: low.value,
                high: high.value,
            },
            span: high.span,
        });
    }
    let mut values = Vec::new();
    let mut v = low.value;
    while v <= high.value {
        values.push(v);
        if values.len() > room {
            return Err(Error::OverLimit {
                fault: if room == MAX_VARY_VALUES {
                    LimitFault::RangeValues {
                        max: MAX_VARY_VALUES,
                    }
                } else {
                    LimitFault::VaryValues {
                        max: MAX_VARY_VALUES,
                    }
                },
                span: step.span,
            });
        }
        v = v.checked_add(step.value).ok_or(Error::BadValue {
            fault: ValueFault::RangeBeyondExact,
            span: step.span,
        })?;
    }
    Ok(values)
}

/// The questions `ask` knows, for the message of one it does not.
const ASKS: &[&str] = &[
    "y",
    "E",
    "a 1",
    "z 1",
    "delta 2",
    "a2 1",
    "grad W",
    "grad W1",
    "grad w12 1",
    "grad b2 1",
    "update W2",
    "update b",
];

/// One `ask`'s name taken apart (`w12` is `w` and `12`), with the layer number written after
/// it and the network it asks about.
struct Asked<'a> {
    kind: AskKind,
    name: &'a Name,
    letters: &'a str,
    digits: &'a str,
    written: Option<(u32, Span)>,
    layers: &'a [(Layer, Span)],
}

/// An index from 1 up to `count`, or `None` for one that is not there.
fn index(digits: &str, count: usize) -> Option<u32> {
    digits
        .parse::<u32>()
        .ok()
        .filter(|i| (1..=count as u32).contains(i))
}

fn only_digits(d: &str) -> bool {
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

impl Asked<'_> {
    fn text(&self) -> &str {
        &self.name.text
    }

    fn depth(&self) -> u32 {
        self.layers.len() as u32
    }

    fn units(&self, layer: u32) -> usize {
        self.layers[layer as usize - 1].0.units()
    }

    fn layer(&self) -> Option<u32> {
        self.written.map(|(l, _)| l)
    }

    /// The name and its layer number, where an element is missing.
    fn whole(&self) -> Span {
        Span::new(
            self.name.span.start,
            self.written.map_or(self.name.span.end, |(_, s)| s.end),
        )
    }

    fn value_error(&self, fault: ValueFault) -> Error {
        Error::BadValue {
            fault,
            span: self.name.span,
        }
    }

    fn unknown(&self) -> Error {
        Error::Unknown {
            what: "question",
            name: self.text().to_string(),
            expected: ASKS.to_vec(),
            span: self.name.span,
        }
    }

    /// Unit `unit` (as written) of `layer`, or the error for one it does not have.
    fn unit(&self, digits: &str, layer: u32) -> Result<u32, Error> {
        index(digits, self.units(layer)).ok_or_else(|| Error::NoElement {
            name: self.text().to_string(),
            layer,
            units: self.units(layer),
            inputs: None,
            span: self.whole(),
        })
    }

    fn needs_layer(&self, command: Option<&'static str>) -> Error {
        self.value_error(ValueFault::Ask(AskFault::NeedsLayer {
            name: self.text().to_string(),
            command,
        }))
    }

    /// `ask E after`: the loss after the last update, which needs training.
    fn after(&self, has_sgd: bool) -> Result<Ask, Error> {
        if self.text() != "E" || self.written.is_some() {
            return Err(self.value_error(ValueFault::Ask(AskFault::AfterOnlyLoss(
                self.text().to_string(),
            ))));
        }
        if !has_sgd {
            return Err(self.value_error(ValueFault::Ask(AskFault::AfterWithoutSgd)));
        }
        Ok(Ask::LossAfter)
    }

    /// `ask y`, `ask E`, `ask a 1`, `ask a2 1`: a value.
    fn value(&self) -> Result<Ask, Error> {
        let (letters, digits) = (self.letters, self.digits);
        let quantity = match letters {
            "a" => Some(Quantity::Pre),
            "z" => Some(Quantity::Out),
            "delta" => Some(Quantity::Delta),
            _ => None,
        };
        let depth = self.depth();
        Ok(match (letters, quantity) {
            ("E", _) if !digits.is_empty() => return Err(self.unknown()),
            ("E" | "y", _) if self.written.is_some() => {
                let span = self.written.map_or(self.name.span, |(_, s)| s);
                return Err(Error::BadValue {
                    fault: ValueFault::Ask(AskFault::TakesNoLayer {
                        name: letters.to_string(),
                        outputs: letters == "y",
                    }),
                    span,
                });
            }
            ("E", _) => Ask::Loss,
            ("y", _) if digits.is_empty() => Ask::Outputs,
            ("y", _) if only_digits(digits) => Ask::Unit {
                quantity: Quantity::Out,
                layer: depth,
                unit: self.unit(digits, depth)?,
            },
            (_, Some(quantity)) if digits.is_empty() => match self.layer() {
                Some(l) if quantity == Quantity::Out && l == depth => Ask::Outputs,
                layer => Ask::Units { quantity, layer },
            },
            (_, Some(quantity)) if only_digits(digits) => {
                let Some(layer) = self.layer() else {
                    return Err(self.needs_layer(None));
                };
                Ask::Unit {
                    quantity,
                    layer,
                    unit: self.unit(digits, layer)?,
                }
            }
            ("W" | "w" | "b", _) => {
                return Err(
                    self.value_error(ValueFault::Ask(AskFault::ValueOfParameter {
                        name: self.text().to_string(),
                        layer: self.layer(),
                    })),
                )
            }
            _ => return Err(self.unknown()),
        })
    }

    /// `ask grad …`, `ask update …`: weights and biases.
    fn parameter(&self) -> Result<Ask, Error> {
        let (letters, digits) = (self.letters, self.digits);
        let update = self.kind == AskKind::Update;
        Ok(match letters {
            "w" => self.weight()?,
            "b" if self.written.is_some() && only_digits(digits) => {
                let layer = self.layer().unwrap_or(1);
                Ask::Parameter {
                    update,
                    layer,
                    parameter: Parameter::Bias {
                        i: self.unit(digits, layer)?,
                    },
                }
            }
            "W" if self.written.is_some() && !digits.is_empty() => {
                return Err(
                    self.value_error(ValueFault::Ask(AskFault::WholeLayerWeights(
                        self.text().to_string(),
                    ))),
                )
            }
            "W" | "b" => {
                let named = match self.layer() {
                    Some(l) if digits.is_empty() => Some(Ok((letters == "b", Some(l)))),
                    _ => parameter_name(self.text(), self.layers.len()),
                };
                match named {
                    None => return Err(self.unknown()),
                    Some(Err(fault)) => return Err(self.value_error(fault)),
                    Some(Ok((bias, layer))) if update => Ask::Update { bias, layer },
                    Some(Ok((bias, layer))) => Ask::Gradient { bias, layer },
                }
            }
            "a" | "z" | "delta" | "y" | "E" => {
                return Err(self.value_error(ValueFault::Ask(AskFault::GradOfValue {
                    name: self.text().to_string(),
                    layer: self.layer(),
                })))
            }
            _ => return Err(self.unknown()),
        })
    }

    /// `ask grad w12 1`: one weight.
    fn weight(&self) -> Result<Ask, Error> {
        let update = self.kind == AskKind::Update;
        let Some(layer) = self.layer() else {
            return Err(self.needs_layer(Some(if update { "update" } else { "grad" })));
        };
        let digits = self.digits;
        let (i, j) = match digits.split_once('_') {
            Some((i, j)) if only_digits(i) && only_digits(j) => (i, j),
            None if digits.len() == 2 && only_digits(digits) => digits.split_at(1),
            _ => {
                return Err(self.value_error(ValueFault::Ask(AskFault::NotAWeight(
                    self.text().to_string(),
                ))))
            }
        };
        let (rows, columns) = (
            self.units(layer),
            self.layers[layer as usize - 1].0.inputs(),
        );
        match (index(i, rows), index(j, columns)) {
            (Some(i), Some(j)) => Ok(Ask::Parameter {
                update,
                layer,
                parameter: Parameter::Weight { i, j },
            }),
            _ => Err(Error::NoElement {
                name: self.text().to_string(),
                layer,
                units: rows,
                inputs: Some(columns),
                span: self.whole(),
            }),
        }
    }
}

/// One `ask` statement, checked against the network. The name says what is asked, and its
/// digits which element (`w12`, `a2`), or which layer for a whole layer's parameters (`W1`,
/// `b2`, as before a layer number was written); the number after it is the layer.
fn check_ask(
    kind: AskKind,
    name: &Name,
    layer: Option<&Number>,
    layers: &[(Layer, Span)],
    has_sgd: bool,
) -> Result<Ask, Error> {
    let depth = layers.len();
    let written = match layer {
        None => None,
        Some(n) => match n
            .value
            .as_integer()
            .filter(|l| (1..=depth as i128).contains(l))
        {
            Some(l) => Some((l as u32, n.span)),
            None => {
                return Err(Error::BadValue {
                    fault: ValueFault::NoLayer {
                        depth,
                        layer: n.value,
                    },
                    span: n.span,
                })
            }
        },
    };
    let text = name.text.as_str();
    let split = text
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (letters, digits) = text.split_at(split);
    let asked = Asked {
        kind,
        name,
        letters,
        digits,
        written,
        layers,
    };
    let ask = match kind {
        AskKind::Value => asked.value()?,
        AskKind::Grad | AskKind::Update => asked.parameter()?,
        AskKind::After => asked.after(has_sgd)?,
        AskKind::Partial => {
            return Err(
                asked.value_error(ValueFault::Ask(AskFault::PartialInNetwork(
                    text.to_string(),
                ))),
            )
        }
    };
    let (bias, update, layer) = match ask {
        Ask::Gradient { bias, layer } => (bias, false, layer),
        Ask::Update { bias, layer } => (bias, true, layer),
        Ask::Parameter {
            update,
            layer,
            parameter,
        } => (
            matches!(parameter, Parameter::Bias { .. }),
            update,
            Some(layer),
        ),
        _ => return Ok(ask),
    };
    if bias && !has_bias(layers, layer) {
        return Err(
            asked.value_error(ValueFault::Ask(AskFault::AsksMissingBiases {
                name: text.to_string(),
                layer,
            })),
        );
    }
    if update && !has_sgd {
        return Err(asked.value_error(ValueFault::Ask(AskFault::UpdateWithoutSgd)));
    }
    Ok(ask)
}
