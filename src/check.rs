//! Syntax tree → checked [`Network`]: every rule the later stages rely on is enforced here,
//! and each violation is reported at the span of the text that breaks it.

use crate::ast::{Array, File, Name, Number, Statement, Vector};
use crate::error::{Error, Span};
use crate::functions;
use crate::model::{Layer, Limits, Network, Sgd};
use crate::number::Decimal;

/// Checks a parsed file against the default limits and builds the network it describes.
pub fn check(file: &File) -> Result<Network, Error> {
    check_with_limits(file, &Limits::default())
}

/// Checks a parsed file and builds the network it describes, refusing work beyond `limits`.
pub fn check_with_limits(file: &File, limits: &Limits) -> Result<Network, Error> {
    let mut title: Option<(String, Span)> = None;
    let mut input: Option<(&Array, Span)> = None;
    let mut target: Option<(&Array, Span)> = None;
    let mut loss: Option<(&Name, Span)> = None;
    let mut sgd: Option<(Sgd, Span)> = None;
    let mut layers: Vec<(Layer, Span)> = Vec::new();

    for statement in &file.statements {
        let span = statement.span();
        match statement {
            Statement::Title { text, .. } => {
                once(&title, "title", span)?;
                title = Some((text.clone(), span));
            }
            Statement::Input { value, .. } => {
                once(&input, "input", span)?;
                input = Some((value, span));
            }
            Statement::Target { value, .. } => {
                once(&target, "target", span)?;
                target = Some((value, span));
            }
            Statement::Loss { name, .. } => {
                once(&loss, "loss", span)?;
                loss = Some((name, span));
            }
            Statement::Sgd { settings, .. } => {
                once(&sgd, "sgd", span)?;
                sgd = Some((check_sgd(settings)?, span));
            }
            Statement::Layer {
                activation, params, ..
            } => {
                let number = layers.len() + 1;
                let previous = layers
                    .last()
                    .map(|(layer, _)| (layer.units(), format!("layer {}", number - 1)));
                layers.push((
                    check_layer(number, activation, params, previous, span)?,
                    span,
                ));
            }
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
    let (loss_name, _) = loss.ok_or(Error::Missing {
        what: "loss (such as `loss sum_squared`)",
        span: file.end,
    })?;
    if layers.is_empty() {
        return Err(Error::Missing {
            what: "layer (such as `layer sigmoid W = [[0.1, 0.2]]`)",
            span: file.end,
        });
    }

    let x = one_sample(x_array, "input")?;
    let (first, first_span) = &layers[0];
    if first.inputs() != x.len() {
        return Err(Error::Shape {
            message: format!(
                "W of layer 1 has {} columns, but the input x has {} values",
                first.inputs(),
                x.len()
            ),
            span: weight_span(&file.statements, 0).unwrap_or(*first_span),
        });
    }
    let t = one_sample(t_array, "target")?;
    let (last, _) = layers.last().expect("checked non-empty");
    if t.len() != last.units() {
        return Err(Error::Shape {
            message: format!(
                "the target t has {} values, but the output layer {} has {} units",
                t.len(),
                layers.len(),
                last.units()
            ),
            span: t_array.span(),
        });
    }
    let loss = functions::loss(&loss_name.text).ok_or_else(|| Error::Unknown {
        what: "loss",
        name: loss_name.text.clone(),
        expected: functions::loss_names(),
        span: loss_name.span,
    })?;
    check_limits(&layers, x.len(), x_array.span(), sgd.as_ref(), limits)?;

    Ok(Network {
        title: title.map(|(text, _)| text),
        layers: layers.into_iter().map(|(layer, _)| layer).collect(),
        x,
        t,
        loss,
        sgd: sgd.map(|(sgd, _)| sgd),
    })
}

/// Refuses a file that asks for more than `limits`, pointing at the part that is too big.
fn check_limits(
    layers: &[(Layer, Span)],
    inputs: usize,
    input_span: Span,
    sgd: Option<&(Sgd, Span)>,
    limits: &Limits,
) -> Result<(), Error> {
    let too_big = |message: String, span: Span| Err(Error::Limit { message, span });
    if layers.len() > limits.layers {
        let (_, span) = layers[limits.layers];
        return too_big(
            format!(
                "the network has {} layers; the limit is {} (raise it with --max-layers)",
                layers.len(),
                limits.layers
            ),
            span,
        );
    }
    if inputs > limits.units {
        return too_big(
            format!(
                "the input has {inputs} values; the limit is {} (raise it with --max-units)",
                limits.units
            ),
            input_span,
        );
    }
    for (n, (layer, span)) in layers.iter().enumerate() {
        if layer.units() > limits.units {
            return too_big(
                format!(
                    "layer {} has {} units; the limit is {} (raise it with --max-units)",
                    n + 1,
                    layer.units(),
                    limits.units
                ),
                *span,
            );
        }
    }
    let steps = sgd.map_or(1, |(sgd, _)| sgd.steps);
    if let Some((_, span)) = sgd.filter(|(sgd, _)| sgd.steps > limits.steps) {
        return too_big(
            format!(
                "{steps} steps are asked for; the limit is {} (raise it with --max-steps)",
                limits.steps
            ),
            *span,
        );
    }
    let parameters: usize = layers
        .iter()
        .map(|(l, _)| l.units() * l.inputs() + l.bias.as_ref().map_or(0, Vec::len))
        .sum();
    let gradients = parameters.saturating_mul(steps as usize);
    if gradients > limits.gradients {
        let span = sgd.map_or(layers[0].1, |(_, span)| *span);
        return too_big(
            format!(
                "the file asks for {gradients} gradients ({parameters} weights and biases × {steps} steps); \
                 the limit is {} (raise it with --max-gradients)",
                limits.gradients
            ),
            span,
        );
    }
    Ok(())
}

fn once<T>(seen: &Option<(T, Span)>, what: &str, span: Span) -> Result<(), Error> {
    match seen {
        Some((_, first)) => Err(Error::Duplicate {
            what: what.to_string(),
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

fn non_empty(vector: &Vector, what: &str) -> Result<(), Error> {
    if vector.items.is_empty() {
        return Err(Error::Shape {
            message: format!("{what} is empty"),
            span: vector.span,
        });
    }
    Ok(())
}

/// The input or target as one sample: a vector, or a matrix of exactly one row.
fn one_sample(array: &Array, what: &str) -> Result<Vec<Decimal>, Error> {
    let rows = array.rows();
    if rows.len() > 1 {
        return Err(Error::Value {
            message: format!(
                "the {what} has {} rows (samples), but this version derives one sample; give the {what} as one vector",
                rows.len()
            ),
            span: array.span(),
        });
    }
    non_empty(rows[0], &format!("the {what}"))?;
    Ok(values(rows[0]))
}

fn check_layer(
    number: usize,
    activation: &Name,
    params: &[crate::ast::Param],
    previous: Option<(usize, String)>,
    span: Span,
) -> Result<Layer, Error> {
    let act = functions::activation(&activation.text).ok_or_else(|| Error::Unknown {
        what: "activation",
        name: activation.text.clone(),
        expected: functions::activation_names(),
        span: activation.span,
    })?;
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
                what: format!("{} of layer {number}", param.name.text),
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
    let rows = w_array.rows();
    let width = rows[0].items.len();
    for row in &rows {
        non_empty(row, &format!("a row of W of layer {number}"))?;
        if row.items.len() != width {
            return Err(Error::Shape {
                message: format!(
                    "W of layer {number} is ragged: this row has {} values, the first has {width}",
                    row.items.len()
                ),
                span: row.span,
            });
        }
    }
    if let Some((units, name)) = previous {
        if width != units {
            return Err(Error::Shape {
                message: format!(
                    "W of layer {number} has {width} columns, but {name} has {units} units"
                ),
                span: w_array.span(),
            });
        }
    }
    let weights: Vec<Vec<Decimal>> = rows.iter().map(|row| values(row)).collect();
    let bias = match bias {
        None => None,
        Some((array, _)) => {
            let Array::Vector(vector) = array else {
                return Err(Error::Shape {
                    message: format!("b of layer {number} must be a vector such as `[0.1, 0.2]`"),
                    span: array.span(),
                });
            };
            if vector.items.len() != weights.len() {
                return Err(Error::Shape {
                    message: format!(
                        "b of layer {number} has {} values, but the layer has {} units (rows of W)",
                        vector.items.len(),
                        weights.len()
                    ),
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

fn check_sgd(settings: &[crate::ast::Setting]) -> Result<Sgd, Error> {
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
                what: format!("sgd {}", setting.name.text),
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
        return Err(Error::Value {
            message: format!("the learning rate must be above 0, not {lr}"),
            span: lr_span,
        });
    }
    let steps = match steps {
        None => 1,
        Some((n, span)) => match n
            .as_integer()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n >= 1)
        {
            Some(n) => n,
            None => {
                return Err(Error::Value {
                    message: format!("steps must be a whole number of at least 1, not {n}"),
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
    use crate::parser::parse;

    const ARTICLE: &str = include_str!("../examples/article.nn");

    fn checked(text: &str) -> Result<Network, Error> {
        check(&parse(text).unwrap())
    }

    /// The message and the text under the span.
    fn fails(text: &str) -> (String, String) {
        let error = checked(text).err().expect("an error");
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
        => "W of layer 1 is ragged: this row has 1 values, the first has 2", at "[3]");
    rejects!(unknown_activation:
        &format!("input x = [1]\nlayer softsign W = [[1]]\n{TAIL}")
        => "unknown activation `softsign`; expected one of: identity, sigmoid", at "softsign");
    rejects!(unknown_loss:
        "input x = [1]\nlayer identity W = [[1]]\ntarget t = [0]\nloss hinge\n"
        => "unknown loss `hinge`; expected one of: sum_squared", at "hinge");
    rejects!(bias_length:
        &format!("input x = [1]\nlayer identity W = [[1]] b = [1, 2]\n{TAIL}")
        => "b of layer 1 has 2 values, but the layer has 1 units (rows of W)", at "[1, 2]");
    rejects!(target_width:
        "input x = [1]\nlayer identity W = [[1]]\ntarget t = [0, 1]\nloss sum_squared\n"
        => "the target t has 2 values, but the output layer 1 has 1 units", at "[0, 1]");
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
    rejects!(unknown_setting:
        &format!("input x = [1]\nlayer identity W = [[1]]\n{TAIL}sgd rate = 0.1\n")
        => "unknown sgd setting `rate`; expected one of: lr, steps", at "rate");
    rejects!(missing_loss:
        "input x = [1]\nlayer identity W = [[1]]\ntarget t = [0]\n"
        => "the file has no loss (such as `loss sum_squared`)", at "");
}
