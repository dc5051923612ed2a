//! Syntax tree → checked [`Network`]: every rule the later stages rely on is enforced here,
//! and each violation is reported at the span of the text that breaks it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{
    Defined, Error, LimitFault, MisfitFault, Numbers, Place, ShapeFault, Span, TargetFault,
    ValueFault, Writer,
};
use crate::math::expr::{Expr, Func};
use crate::math::functions::{self, Activation, Loss, Needs, Shape, ARG, LOSS_T, LOSS_Y};
use crate::math::number::Decimal;
use crate::model::{Ask, Exam, Layer, Limits, Network, Parameter, Quantity, Sgd, Vary, VaryTarget};
use crate::syntax::ast::{
    Array, AskKind, File, Formula, LossSpec, Name, Number, Op, Statement, VarySpec, Vector,
};

/// Checks a parsed file against the default limits and builds the network it describes.
pub fn check(file: &File) -> Result<Network, Error> {
    check_with_limits(file, &Limits::default())
}

/// A layer statement, before its activation is looked up.
struct LayerText<'a> {
    activation: &'a Name,
    params: &'a [crate::syntax::ast::Param],
    span: Span,
}

/// Checks a parsed file and builds the network it describes, refusing work beyond `limits`.
pub fn check_with_limits(file: &File, limits: &Limits) -> Result<Network, Error> {
    let mut title: Option<(String, Span)> = None;
    let mut input: Option<(&Array, Span)> = None;
    let mut target: Option<(&Array, Span)> = None;
    let mut loss: Option<(&LossSpec, Span)> = None;
    let mut sgd: Option<(Sgd, Span)> = None;
    let mut layer_texts: Vec<LayerText> = Vec::new();
    let mut custom: HashMap<String, (Arc<Activation>, Span)> = HashMap::new();
    let mut varies: Vec<(&Name, &VarySpec, Span)> = Vec::new();
    let mut asks: Vec<(AskKind, &Name, Option<&Number>)> = Vec::new();

    // Counted before any is differentiated, so that the refusal is immediate.
    let too_many = file
        .statements
        .iter()
        .filter_map(|statement| match statement {
            Statement::Activation { name, .. } => Some(name),
            _ => None,
        })
        .nth(MAX_CUSTOM_ACTIVATIONS);
    if let Some(name) = too_many {
        return Err(Error::OverLimit {
            fault: LimitFault::CustomActivations {
                max: MAX_CUSTOM_ACTIVATIONS,
            },
            span: name.span,
        });
    }

    for statement in &file.statements {
        let span = statement.span();
        match statement {
            Statement::Title { text, .. } => {
                once(&title, Defined::Statement("title"), span)?;
                title = Some((text.clone(), span));
            }
            Statement::Input { value, .. } => {
                once(&input, Defined::Statement("input"), span)?;
                input = Some((value, span));
            }
            Statement::Target { value, .. } => {
                once(&target, Defined::Statement("target"), span)?;
                target = Some((value, span));
            }
            Statement::Loss { spec, .. } => {
                once(&loss, Defined::Statement("loss"), span)?;
                loss = Some((spec, span));
            }
            Statement::Sgd { settings, .. } => {
                once(&sgd, Defined::Statement("sgd"), span)?;
                sgd = Some((check_sgd(settings, limits)?, span));
            }
            Statement::Activation {
                name,
                param,
                body,
                text,
                ..
            } => {
                if functions::builtin_activation(&name.text).is_some() {
                    return Err(Error::BadValue {
                        fault: ValueFault::BuiltinName(name.text.clone()),
                        span: name.span,
                    });
                }
                if let Some((_, first)) = custom.get(&name.text) {
                    return Err(Error::Duplicate {
                        what: Defined::Activation(name.text.clone()),
                        span,
                        first: *first,
                    });
                }
                let mut activation = custom_activation(name, param, body)?;
                activation.source = Some((param.text.clone(), text.clone()));
                custom.insert(name.text.clone(), (Arc::new(activation), span));
            }
            Statement::Layer {
                activation, params, ..
            } => {
                layer_texts.push(LayerText {
                    activation,
                    params,
                    span,
                });
            }
            Statement::Vary { target, values, .. } => varies.push((target, values, span)),
            Statement::Ask {
                kind,
                target,
                layer,
                ..
            } => asks.push((*kind, target, layer.as_ref())),
        }
    }

    let (x_array, _) = input.ok_or(Error::Missing {
        what: "input (such as `input x = [1, 2, 3]`)",
        span: file.end,
    })?;
    let (t_array, _) = target.ok_or(Error::Missing {
        what: "target (such as `target t = [0, 1]`)",
        span: file.end,
    })?;
    let (loss_spec, _) = loss.ok_or(Error::Missing {
        what: "loss (such as `loss sum_squared`)",
        span: file.end,
    })?;
    if layer_texts.is_empty() {
        return Err(Error::Missing {
            what: "layer (such as `layer sigmoid W = [[0.1, 0.2]]`)",
            span: file.end,
        });
    }

    // The input or target as samples: a vector is one sample, a matrix one sample per row.
    let x = rectangular(x_array, Numbers::Input)?;
    let t = rectangular(t_array, Numbers::Target)?;
    if x.len() != t.len() {
        return Err(Error::Shape {
            fault: ShapeFault::Samples {
                targets: t.len(),
                inputs: x.len(),
            },
            span: t_array.span(),
        });
    }

    let mut layers: Vec<(Layer, Span)> = Vec::new();
    let depth = layer_texts.len();
    for (n, text) in layer_texts.iter().enumerate() {
        let activation = match functions::builtin_activation(&text.activation.text) {
            Some(builtin) => Arc::new(builtin),
            None => match custom.get(&text.activation.text) {
                Some((activation, _)) => activation.clone(),
                None => {
                    return Err(Error::Unknown {
                        what: "activation",
                        name: text.activation.text.clone(),
                        expected: functions::ACTIVATION_NAMES.to_vec(),
                        span: text.activation.span,
                    })
                }
            },
        };
        if activation.shape == Shape::Softmax && n + 1 != depth {
            return Err(Error::Misfit {
                fault: MisfitFault::SoftmaxNotLast {
                    layer: n + 1,
                    depth,
                },
                span: text.activation.span,
            });
        }
        let previous = layers.last().map(|(layer, _)| layer.units());
        layers.push((
            check_layer(n + 1, activation, text.params, previous, text.span)?,
            text.span,
        ));
    }

    let (first, first_span) = &layers[0];
    let inputs = x[0].len();
    if first.inputs() != inputs {
        return Err(Error::Shape {
            fault: ShapeFault::InputColumns {
                columns: first.inputs(),
                inputs,
            },
            span: weight_span(&file.statements, 0).unwrap_or(*first_span),
        });
    }
    let (last, _) = layers.last().expect("checked non-empty");
    let outputs = t[0].len();
    if outputs != last.units() {
        return Err(Error::Shape {
            fault: ShapeFault::TargetWidth {
                values: outputs,
                layer: layers.len(),
                units: last.units(),
            },
            span: t_array.span(),
        });
    }

    // The terms of a custom loss and its derivative, written once per output unit and sample.
    let mut loss_terms: Option<(usize, Span)> = None;
    let loss = match loss_spec {
        LossSpec::Named(name) => {
            functions::builtin_loss(&name.text, outputs as u32).ok_or_else(|| Error::Unknown {
                what: "loss",
                name: name.text.clone(),
                expected: functions::LOSS_NAMES.to_vec(),
                span: name.span,
            })?
        }
        LossSpec::Custom {
            y,
            t: t_name,
            body,
            text,
        } => {
            if y.text == t_name.text {
                return Err(Error::BadValue {
                    fault: ValueFault::SameLossParameters(y.text.clone()),
                    span: t_name.span,
                });
            }
            let params = [(y.text.as_str(), LOSS_Y), (t_name.text.as_str(), LOSS_T)];
            let element = convert(body, &params, &Place::Loss)?;
            let mut loss = functions::custom_loss(&element, outputs as u32);
            // Differentiated here, where the formula's place is known, exactly as the
            // derivation will.
            let (derivative, _) =
                crate::derivation::loss_by_output(&loss, layers.len() as u32, x.len())
                    .map_err(|failure| derivative_error(failure, Place::Loss, body.span()))?;
            loss_terms = Some((terms(&element) + terms(&derivative), body.span()));
            loss.source = Some((y.text.clone(), t_name.text.clone(), text.clone()));
            loss
        }
    };
    let loss_span = match loss_spec {
        LossSpec::Named(name) => name.span,
        LossSpec::Custom { body, .. } => body.span(),
    };
    check_loss_fits(&loss, &last.activation, &t, t_array, loss_span)?;
    check_limits(
        &layers,
        inputs,
        x_array.span(),
        x.len(),
        sgd.as_ref(),
        limits,
    )?;
    check_formula_rows(&layers, loss_terms, x.len(), sgd.as_ref(), limits)?;
    let exam = check_exam(&varies, &asks, &layers, sgd.is_some(), &loss)?;

    let spans = crate::model::Spans {
        loss: loss_span,
        layers: layers.iter().map(|(_, span)| *span).collect(),
    };
    Ok(Network {
        title: title.map(|(text, _)| text),
        layers: layers.into_iter().map(|(layer, _)| layer).collect(),
        x,
        t,
        loss,
        sgd: sgd.map(|(sgd, _)| sgd),
        exam,
        spans,
    })
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

/// The most activations a file may define: each is differentiated when it is checked, used or
/// not (3,000 at the formula limits took over a minute). A network uses one per layer, and
/// has at most 32 layers by default.
pub const MAX_CUSTOM_ACTIVATIONS: usize = 32;

/// The most values one `vary` range, and all the `vary` statements of a file together, may
/// draw from: 2,000 lines of ranges of 100,000 values each took 6 GB and over a minute.
pub const MAX_VARY_VALUES: usize = 100_000;

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

/// The exam statements: what may vary and what may be asked, checked against the network.
/// Every value a `vary` draws must be one the file could hold (a learning rate above 0,
/// targets the loss can take); what only a whole draw can break is checked per draw.
fn check_exam(
    varies: &[(&Name, &VarySpec, Span)],
    asks: &[(AskKind, &Name, Option<&Number>)],
    layers: &[(Layer, Span)],
    has_sgd: bool,
    loss: &Loss,
) -> Result<Exam, Error> {
    let depth = layers.len();
    let has_bias = |layer: Option<u32>| match layer {
        Some(l) => layers[l as usize - 1].0.bias.is_some(),
        None => layers.iter().any(|(l, _)| l.bias.is_some()),
    };
    let value_error = |fault: ValueFault, span: Span| Error::BadValue { fault, span };
    let mut exam = Exam::default();
    let mut room = MAX_VARY_VALUES;
    for (name, spec, span) in varies {
        let target = match name.text.as_str() {
            "x" => VaryTarget::Input,
            "t" => VaryTarget::Target,
            "lr" if has_sgd => VaryTarget::Rate,
            "lr" => return Err(value_error(ValueFault::RateWithoutSgd, name.span)),
            other => match parameter_name(other, depth) {
                None => {
                    return Err(Error::Unknown {
                        what: "thing to vary",
                        name: name.text.clone(),
                        expected: vec!["W", "W1", "b", "b1", "x", "t", "lr"],
                        span: name.span,
                    })
                }
                Some(Err(fault)) => return Err(value_error(fault, name.span)),
                Some(Ok((true, layer))) if !has_bias(layer) => {
                    return Err(value_error(
                        ValueFault::VariesMissingBiases {
                            name: other.to_string(),
                            layer,
                        },
                        name.span,
                    ))
                }
                Some(Ok((true, layer))) => VaryTarget::Biases(layer),
                Some(Ok((false, layer))) => VaryTarget::Weights(layer),
            },
        };
        let values: Vec<Decimal> = match spec {
            VarySpec::Set(items) if items.len() > room => {
                return Err(Error::OverLimit {
                    fault: LimitFault::VaryValues {
                        max: MAX_VARY_VALUES,
                    },
                    span: items[room].span,
                })
            }
            VarySpec::Set(items) => items.iter().map(|n| n.value).collect(),
            VarySpec::Range { low, high, step } => range_values(low, high, step, room)?,
        };
        room -= values.len();
        // The literal a bad value comes from: itself in a set; in a range, the low bound for a
        // value of 0 or below, the high one for a value above 1.
        let value_span = |v: &Decimal| match spec {
            VarySpec::Set(items) => items
                .iter()
                .find(|n| n.value == *v)
                .map_or(*span, |n| n.span),
            VarySpec::Range { low, .. } if v.is_negative() || v.is_zero() => low.span,
            VarySpec::Range { high, .. } => high.span,
        };
        for v in &values {
            match target {
                VaryTarget::Rate if v.is_negative() || v.is_zero() => {
                    return Err(value_error(
                        ValueFault::DrawnRate {
                            name: name.text.clone(),
                            value: *v,
                        },
                        value_span(v),
                    ))
                }
                VaryTarget::Target
                    if loss.needs != Needs::Anything && (v.is_negative() || *v > Decimal::ONE) =>
                {
                    let fault = TargetFault::OutOfRange {
                        loss: loss.name.clone(),
                        value: v.to_string(),
                    };
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
    let text = name.text.as_str();
    let value_error = |fault: ValueFault, span: Span| Error::BadValue { fault, span };
    let unknown = || Error::Unknown {
        what: "question",
        name: text.to_string(),
        expected: ASKS.to_vec(),
        span: name.span,
    };
    let written = match layer {
        None => None,
        Some(n) => match n
            .value
            .as_integer()
            .filter(|l| (1..=depth as i128).contains(l))
        {
            Some(l) => Some((l as u32, n.span)),
            None => {
                return Err(value_error(
                    ValueFault::NoLayer {
                        depth,
                        layer: n.value,
                    },
                    n.span,
                ))
            }
        },
    };
    let letters = text
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (letters, digits) = text.split_at(letters);
    // The name and its layer number, where an element is missing.
    let whole = Span::new(
        name.span.start,
        written.map_or(name.span.end, |(_, s)| s.end),
    );
    let units = |l: u32| layers[l as usize - 1].0.units();
    // An index from 1 up to `count`, or the element that is not there.
    let index = |digits: &str, count: usize| -> Option<u32> {
        digits
            .parse::<u32>()
            .ok()
            .filter(|i| (1..=count as u32).contains(i))
    };
    let only_digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    let no_unit = |layer: u32| Error::NoElement {
        name: text.to_string(),
        layer,
        units: units(layer),
        inputs: None,
        span: whole,
    };
    let needs_layer = |command: Option<&'static str>| {
        value_error(
            ValueFault::NeedsLayer {
                name: text.to_string(),
                command,
            },
            name.span,
        )
    };
    let quantity = match letters {
        "a" => Some(Quantity::Pre),
        "z" => Some(Quantity::Out),
        "delta" => Some(Quantity::Delta),
        _ => None,
    };
    let ask = match (kind, letters, quantity) {
        (AskKind::Value, "E", _) if !digits.is_empty() => return Err(unknown()),
        (AskKind::Value, "E" | "y", _) if written.is_some() => {
            let span = written.map_or(name.span, |(_, s)| s);
            return Err(value_error(
                ValueFault::TakesNoLayer {
                    name: letters.to_string(),
                    outputs: letters == "y",
                },
                span,
            ));
        }
        (AskKind::Value, "E", _) => Ask::Loss,
        (AskKind::Value, "y", _) if digits.is_empty() => Ask::Outputs,
        (AskKind::Value, "y", _) if only_digits(digits) => {
            let unit = index(digits, units(depth as u32)).ok_or_else(|| no_unit(depth as u32))?;
            Ask::Unit {
                quantity: Quantity::Out,
                layer: depth as u32,
                unit,
            }
        }
        (AskKind::Value, _, Some(quantity)) if digits.is_empty() => match written {
            Some((l, _)) if quantity == Quantity::Out && l as usize == depth => Ask::Outputs,
            _ => Ask::Units {
                quantity,
                layer: written.map(|(l, _)| l),
            },
        },
        (AskKind::Value, _, Some(quantity)) if only_digits(digits) => {
            let Some((layer, _)) = written else {
                return Err(needs_layer(None));
            };
            let unit = index(digits, units(layer)).ok_or_else(|| no_unit(layer))?;
            Ask::Unit {
                quantity,
                layer,
                unit,
            }
        }
        (AskKind::Grad | AskKind::Update, "w", _) => {
            let command = if kind == AskKind::Grad {
                "grad"
            } else {
                "update"
            };
            let Some((layer, _)) = written else {
                return Err(needs_layer(Some(command)));
            };
            let (i, j) = match digits.split_once('_') {
                Some((i, j)) if only_digits(i) && only_digits(j) => (i, j),
                None if digits.len() == 2 && only_digits(digits) => digits.split_at(1),
                _ => {
                    return Err(value_error(
                        ValueFault::NotAWeight(text.to_string()),
                        name.span,
                    ))
                }
            };
            let (rows, columns) = (units(layer), layers[layer as usize - 1].0.inputs());
            match (index(i, rows), index(j, columns)) {
                (Some(i), Some(j)) => Ask::Parameter {
                    update: kind == AskKind::Update,
                    layer,
                    parameter: Parameter::Weight { i, j },
                },
                _ => {
                    return Err(Error::NoElement {
                        name: text.to_string(),
                        layer,
                        units: rows,
                        inputs: Some(columns),
                        span: whole,
                    })
                }
            }
        }
        (AskKind::Grad | AskKind::Update, "b", _) if written.is_some() && only_digits(digits) => {
            let layer = written.map_or(1, |(l, _)| l);
            let i = index(digits, units(layer)).ok_or_else(|| no_unit(layer))?;
            Ask::Parameter {
                update: kind == AskKind::Update,
                layer,
                parameter: Parameter::Bias { i },
            }
        }
        (AskKind::Grad | AskKind::Update, "W", _) if written.is_some() && !digits.is_empty() => {
            return Err(value_error(
                ValueFault::WholeLayerWeights(text.to_string()),
                name.span,
            ))
        }
        (AskKind::Grad | AskKind::Update, "W" | "b", _) => {
            let named = match written {
                Some((l, _)) if digits.is_empty() => Some(Ok((letters == "b", Some(l)))),
                _ => parameter_name(text, depth),
            };
            match named {
                None => return Err(unknown()),
                Some(Err(fault)) => return Err(value_error(fault, name.span)),
                Some(Ok((bias, layer))) if kind == AskKind::Update => Ask::Update { bias, layer },
                Some(Ok((bias, layer))) => Ask::Gradient { bias, layer },
            }
        }
        (AskKind::Grad | AskKind::Update, "a" | "z" | "delta" | "y" | "E", _) => {
            return Err(value_error(
                ValueFault::GradOfValue {
                    name: text.to_string(),
                    layer: written.map(|(l, _)| l),
                },
                name.span,
            ));
        }
        (AskKind::Value, "W" | "w" | "b", _) => {
            return Err(value_error(
                ValueFault::ValueOfParameter {
                    name: text.to_string(),
                    layer: written.map(|(l, _)| l),
                },
                name.span,
            ));
        }
        _ => return Err(unknown()),
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
    let has_bias = match layer {
        Some(l) => layers[l as usize - 1].0.bias.is_some(),
        None => layers.iter().any(|(l, _)| l.bias.is_some()),
    };
    if bias && !has_bias {
        return Err(value_error(
            ValueFault::AsksMissingBiases {
                name: text.to_string(),
                layer,
            },
            name.span,
        ));
    }
    if update && !has_sgd {
        return Err(value_error(ValueFault::UpdateWithoutSgd, name.span));
    }
    Ok(ask)
}

/// A custom activation: its formula in `a`, and its derivative from the differentiator.
fn custom_activation(name: &Name, param: &Name, body: &Formula) -> Result<Activation, Error> {
    let place = Place::Activation(name.text.clone());
    let definition = convert(body, &[(param.text.as_str(), ARG)], &place)?;
    let derivative = crate::math::diff::derivative_in_arg(&definition)
        .map_err(|failure| derivative_error(failure, place, body.span()))?;
    Ok(Activation {
        name: name.text.clone(),
        shape: Shape::Elementwise,
        definition,
        derivative,
        rule: "derived by the differentiator",
        numeric: None,
        custom: true,
        source: None,
    })
}

/// The error for a formula that cannot be differentiated: unsupported, or a derivative too
/// large to write out (located at the formula).
fn derivative_error(failure: crate::math::diff::Failure, place: Place, span: Span) -> Error {
    match failure {
        crate::math::diff::Failure::Unsupported(message) => Error::Unsupported { message },
        crate::math::diff::Failure::TooLarge { limit } => Error::OverLimit {
            fault: LimitFault::Derivative { place, limit },
            span,
        },
    }
}

/// A formula as written → a formula tree, with its parameters renamed to the canonical
/// bound variables (`a`; `y` and `t`).
fn convert(
    formula: &Formula,
    params: &[(&str, &'static str)],
    place: &Place,
) -> Result<Expr, Error> {
    let go = |f: &Formula| convert(f, params, place);
    Ok(match formula {
        Formula::Number(n) => Expr::Num(n.value),
        Formula::Name(name) => match params.iter().find(|(user, _)| *user == name.text) {
            Some((_, canonical)) => Expr::Var(canonical),
            None => {
                return Err(Error::Undefined {
                    name: name.text.clone(),
                    place: place.clone(),
                    params: params.iter().map(|(user, _)| user.to_string()).collect(),
                    span: name.span,
                });
            }
        },
        Formula::Neg { operand, .. } => Expr::Neg(Box::new(go(operand)?)),
        Formula::Binary { op, lhs, rhs, .. } => {
            let (a, b) = (go(lhs)?, go(rhs)?);
            match op {
                Op::Add => Expr::Add(vec![a, b]),
                Op::Sub => Expr::minus(a, b),
                Op::Mul => Expr::Mul(vec![a, b]),
                Op::Div => Expr::Div(Box::new(a), Box::new(b)),
                Op::Pow => Expr::pow(a, b),
            }
        }
        Formula::Call {
            function,
            args,
            span,
        } => {
            let f = Func::elementary(&function.text).ok_or_else(|| Error::Unknown {
                what: "function",
                name: function.text.clone(),
                expected: Func::ELEMENTARY.iter().map(|(name, _)| *name).collect(),
                span: function.span,
            })?;
            if args.len() != 1 {
                return Err(Error::Arity {
                    function: function.text.clone(),
                    given: args.len(),
                    span: *span,
                });
            }
            Expr::call(f, go(&args[0])?)
        }
    })
}

/// Refuses a loss that cannot work with the output layer or the targets.
fn check_loss_fits(
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
            if !matches!(output.name.as_str(), "softmax" | "sigmoid") || output.custom =>
        {
            return Err(needs_sigmoid(false))
        }
        Needs::SigmoidOutput if output.name != "sigmoid" || output.custom => {
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

/// Refuses a file that asks for more than `limits`, pointing at the part that is too big.
fn check_limits(
    layers: &[(Layer, Span)],
    inputs: usize,
    input_span: Span,
    samples: usize,
    sgd: Option<&(Sgd, Span)>,
    limits: &Limits,
) -> Result<(), Error> {
    let too_big = |fault: LimitFault, span: Span| Err(Error::OverLimit { fault, span });
    if samples > limits.samples {
        return too_big(
            LimitFault::Samples {
                samples,
                limit: limits.samples,
            },
            input_span,
        );
    }
    if layers.len() > limits.layers {
        let (_, span) = layers[limits.layers];
        return too_big(
            LimitFault::Layers {
                layers: layers.len(),
                limit: limits.layers,
            },
            span,
        );
    }
    if inputs > limits.units {
        return too_big(
            LimitFault::InputValues {
                inputs,
                limit: limits.units,
            },
            input_span,
        );
    }
    for (n, (layer, span)) in layers.iter().enumerate() {
        if layer.units() > limits.units {
            return too_big(
                LimitFault::Units {
                    layer: n + 1,
                    units: layer.units(),
                    limit: limits.units,
                },
                *span,
            );
        }
    }
    let steps = sgd.map_or(1, |(sgd, _)| sgd.steps);
    if let Some((_, span)) = sgd.filter(|(sgd, _)| sgd.steps > limits.steps) {
        return too_big(
            LimitFault::Steps {
                steps: steps.into(),
                limit: limits.steps,
            },
            *span,
        );
    }
    let parameters: usize = layers
        .iter()
        .map(|(l, _)| l.units() * l.inputs() + l.bias.as_ref().map_or(0, Vec::len))
        .sum();
    let gradients = parameters
        .saturating_mul(steps as usize)
        .saturating_mul(samples);
    if gradients > limits.gradients {
        let span = sgd.map_or(layers[0].1, |(_, span)| *span);
        return too_big(
            LimitFault::Gradients {
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

/// How many terms of formula rows the file may ask for, per gradient of `--max-gradients`.
const TERMS_PER_GRADIENT: usize = 10;

fn terms(e: &Expr) -> usize {
    e.size_within(usize::MAX).unwrap_or(usize::MAX)
}

/// Refuses custom formulas that, however small each is, are written out so often (once per
/// unit, sample and step, with numbers) that the output would take minutes and gigabytes:
/// the built-in activations have a few terms each, a custom one up to thousands.
fn check_formula_rows(
    layers: &[(Layer, Span)],
    loss_terms: Option<(usize, Span)>,
    samples: usize,
    sgd: Option<&(Sgd, Span)>,
    limits: &Limits,
) -> Result<(), Error> {
    let steps = sgd.map_or(1, |(sgd, _)| sgd.steps as usize);
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
        fault: LimitFault::FormulaRows {
            writer,
            each,
            units,
            samples,
            steps,
            total,
            limit,
            per: TERMS_PER_GRADIENT,
        },
        span,
    })
}

fn once<T>(seen: &Option<(T, Span)>, what: Defined, span: Span) -> Result<(), Error> {
    match seen {
        Some((_, first)) => Err(Error::Duplicate {
            what,
            span,
            first: *first,
        }),
        None => Ok(()),
    }
}

/// The span of `W = …` in the `n`th layer statement (from 0), for shape messages.
fn weight_span(statements: &[Statement], n: usize) -> Option<Span> {
    statements
        .iter()
        .filter_map(|s| match s {
            Statement::Layer { params, .. } => Some(params),
            _ => None,
        })
        .nth(n)?
        .iter()
        .find(|p| p.name.text == "W")
        .map(|p| p.value.span())
}

fn values(vector: &Vector) -> Vec<Decimal> {
    vector.items.iter().map(|n: &Number| n.value).collect()
}

/// The rows of `array` (named `name` in messages), each non-empty and all as long as the
/// first, as numbers.
fn rectangular(array: &Array, name: Numbers) -> Result<Vec<Vec<Decimal>>, Error> {
    let rows = array.rows();
    let width = rows[0].items.len();
    for row in &rows {
        if row.items.is_empty() {
            return Err(Error::Shape {
                fault: ShapeFault::Empty(name),
                span: row.span,
            });
        }
        if row.items.len() != width {
            return Err(Error::Shape {
                fault: ShapeFault::Ragged {
                    array: name,
                    length: row.items.len(),
                    first: width,
                },
                span: row.span,
            });
        }
    }
    Ok(rows.iter().map(|row| values(row)).collect())
}

fn check_layer(
    number: usize,
    act: Arc<Activation>,
    params: &[crate::syntax::ast::Param],
    previous: Option<usize>,
    span: Span,
) -> Result<Layer, Error> {
    let mut weights: Option<(&Array, Span)> = None;
    let mut bias: Option<(&Array, Span)> = None;
    for param in params {
        let slot = match param.name.text.as_str() {
            "W" => &mut weights,
            "b" => &mut bias,
            other => {
                return Err(Error::Unknown {
                    what: "layer parameter",
                    name: other.to_string(),
                    expected: vec!["W", "b"],
                    span: param.name.span,
                })
            }
        };
        if let Some((_, first)) = slot {
            return Err(Error::Duplicate {
                what: Defined::LayerParameter {
                    name: param.name.text.clone(),
                    layer: number,
                },
                span: param.span,
                first: *first,
            });
        }
        *slot = Some((&param.value, param.span));
    }
    let (w_array, _) = weights.ok_or(Error::Missing {
        what: "weights W for this layer (such as `W = [[0.1, 0.2]]`)",
        span,
    })?;
    let weights = rectangular(w_array, Numbers::Weights(number))?;
    let width = weights[0].len();
    if let Some(units) = previous {
        if width != units {
            return Err(Error::Shape {
                fault: ShapeFault::Columns {
                    layer: number,
                    columns: width,
                    units,
                },
                span: w_array.span(),
            });
        }
    }
    let bias = match bias {
        None => None,
        Some((array, _)) => {
            let Array::Vector(vector) = array else {
                return Err(Error::Shape {
                    fault: ShapeFault::BiasNotVector { layer: number },
                    span: array.span(),
                });
            };
            if vector.items.len() != weights.len() {
                return Err(Error::Shape {
                    fault: ShapeFault::BiasLength {
                        layer: number,
                        values: vector.items.len(),
                        units: weights.len(),
                    },
                    span: vector.span,
                });
            }
            Some(values(vector))
        }
    };
    Ok(Layer {
        activation: act,
        weights,
        bias,
    })
}

fn check_sgd(settings: &[crate::syntax::ast::Setting], limits: &Limits) -> Result<Sgd, Error> {
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
                fault: LimitFault::Steps {
                    steps: whole.unsigned_abs(),
                    limit: limits.steps,
                },
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
    Ok(Sgd { lr, steps })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parser::parse;

    const ARTICLE: &str = include_str!("../../examples/article.nn");

    fn checked(text: &str) -> Result<Network, Error> {
        check(&parse(text).unwrap())
    }

    /// The message and the text under the span.
    fn fails(text: &str) -> (String, String) {
        let error = checked(text).expect_err("an error");
        let span = error.span().expect("a span");
        (error.to_string(), text[span.start..span.end].to_string())
    }

    #[test]
    fn the_article_checks() {
        let network = checked(ARTICLE).unwrap();
        assert_eq!(network.sizes(), [3, 2, 2]);
        assert_eq!(network.layers[0].activation.name, "sigmoid");
        assert_eq!(
            network.sgd,
            Some(Sgd {
                lr: Decimal::parse("0.1").unwrap(),
                steps: 1
            })
        );
    }

    macro_rules! rejects {
        ($name:ident: $text:expr => $message:expr, at $at:expr) => {
            #[test]
            fn $name() {
                let (message, at) = fails($text);
                assert_eq!(message, $message);
                assert_eq!(at, $at);
            }
        };
    }

    const TAIL: &str = "target t = [0]\nloss sum_squared\n";

    rejects!(columns_against_previous_layer:
        &format!("input x = [1, 2]\nlayer sigmoid W = [[1, 2], [3, 4]]\nlayer identity W = [[1, 2, 3]]\n{TAIL}")
        => "W of layer 2 has 3 columns, but layer 1 has 2 units", at "[[1, 2, 3]]");
    rejects!(columns_against_input:
        &format!("input x = [1, 2]\nlayer identity W = [[1, 2, 3]]\n{TAIL}")
        => "W of layer 1 has 3 columns, but the input x has 2 values", at "[[1, 2, 3]]");
    rejects!(ragged_matrix:
        &format!("input x = [1, 2]\nlayer identity W = [[1, 2], [3]]\n{TAIL}")
        => "W of layer 1 is ragged: this row has 1 value, the first has 2", at "[3]");
    rejects!(unknown_activation:
        &format!("input x = [1]\nlayer softsign W = [[1]]\n{TAIL}")
        => "unknown activation `softsign`; expected one of: identity, sigmoid, tanh, relu, leaky_relu, softplus, softmax", at "softsign");
    rejects!(unknown_loss:
        "input x = [1]\nlayer identity W = [[1]]\ntarget t = [0]\nloss hinge\n"
        => "unknown loss `hinge`; expected one of: sum_squared, mean_squared, cross_entropy, binary_cross_entropy", at "hinge");
    rejects!(bias_length:
        &format!("input x = [1]\nlayer identity W = [[1]] b = [1, 2]\n{TAIL}")
        => "b of layer 1 has 2 values, but the layer has 1 unit (rows of W)", at "[1, 2]");
    rejects!(target_width:
        "input x = [1]\nlayer identity W = [[1]]\ntarget t = [0, 1]\nloss sum_squared\n"
        => "the target t has 2 values, but the output layer 1 has 1 unit", at "[0, 1]");
    rejects!(duplicate_title:
        &format!("title \"a\"\ntitle \"b\"\ninput x = [1]\nlayer identity W = [[1]]\n{TAIL}")
        => "title is defined twice", at "title \"b\"");
    rejects!(empty_input:
        &format!("input x = []\nlayer identity W = [[1]]\n{TAIL}")
        => "the input is empty", at "[]");
    rejects!(zero_learning_rate:
        &format!("input x = [1]\nlayer identity W = [[1]]\n{TAIL}sgd lr = 0\n")
        => "the learning rate must be above 0, not 0", at "0");
    rejects!(fractional_steps:
        &format!("input x = [1]\nlayer identity W = [[1]]\n{TAIL}sgd lr = 0.1, steps = 1.5\n")
        => "steps must be a whole number of at least 1, not 1.5", at "1.5");
    rejects!(steps_beyond_any_limit:
        &format!("input x = [1]\nlayer identity W = [[1]]\n{TAIL}sgd lr = 0.1, steps = 4294967296\n")
        => "4294967296 steps are asked for; the limit is 100 (raise it with --max-steps)", at "4294967296");
    #[test]
    fn custom_formulas_written_too_often_are_refused() {
        let text = format!(
            "activation f(a) = sin(sin(sin(sin(sin(a)))))\ninput x = [1]\nlayer f W = [[1]]\n{TAIL}"
        );
        let file = parse(&text).unwrap();
        let limits = |gradients| Limits {
            gradients,
            ..Limits::default()
        };
        // 1 unit × 1 sample × 1 step × 27 terms: beyond 10 per gradient of 2, within 3.
        let error = check_with_limits(&file, &limits(2)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "layer 1 writes its activation f and its derivative (27 terms) for 1 unit × 1 sample × 1 step: \
             27 terms of custom formulas in all; the limit is 20, 10 per gradient (raise it with --max-gradients)"
        );
        assert!(check_with_limits(&file, &limits(3)).is_ok());
    }

    rejects!(unknown_setting:
        &format!("input x = [1]\nlayer identity W = [[1]]\n{TAIL}sgd rate = 0.1\n")
        => "unknown sgd setting `rate`; expected one of: lr, steps", at "rate");
    rejects!(missing_loss:
        "input x = [1]\nlayer identity W = [[1]]\ntarget t = [0]\n"
        => "the file has no loss (such as `loss sum_squared`)", at "");
}
