//! The layers and the arrays of numbers: each layer's activation looked up, its W and b
//! rectangular and of sizes that fit the layers around them, the input and target too.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Defined, Error, MisfitFault, Numbers, ShapeFault, Span};
use crate::math::functions::{Activation, Builtin, Shape};
use crate::math::number::Decimal;
use crate::model::Layer;
use crate::syntax::ast::{Array, DropoutClause, Name, Number, Param, Statement, Vector};

/// A layer statement, before its activation is looked up.
pub(super) struct LayerText<'a> {
    pub activation: &'a Name,
    pub params: &'a [Param],
    pub dropouts: &'a [DropoutClause],
    pub span: Span,
}

/// The layers, in order, each with its activation (built in, or one of `custom`).
pub(super) fn check_layers(
    texts: &[LayerText],
    custom: &HashMap<String, (Arc<Activation>, Span)>,
) -> Result<Vec<(Layer, Span)>, Error> {
    let mut layers: Vec<(Layer, Span)> = Vec::new();
    let depth = texts.len();
    for (n, text) in texts.iter().enumerate() {
        let activation = match Builtin::from_name(&text.activation.text) {
            Some(builtin) => Arc::new(builtin.activation()),
            None => match custom.get(&text.activation.text) {
                Some((activation, _)) => activation.clone(),
                None => {
                    return Err(Error::Unknown {
                        what: "activation",
                        name: text.activation.text.clone(),
                        expected: Builtin::names(),
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
    Ok(layers)
}

/// Refuses a first layer that does not take the input's values, or an output layer that
/// does not give the target's.
pub(super) fn check_ends(
    layers: &[(Layer, Span)],
    x: &[Vec<Decimal>],
    t: &[Vec<Decimal>],
    t_array: &Array,
    statements: &[Statement],
) -> Result<(), Error> {
    let (first, first_span) = &layers[0];
    let inputs = x[0].len();
    if first.inputs() != inputs {
        return Err(Error::Shape {
            fault: ShapeFault::InputColumns {
                columns: first.inputs(),
                inputs,
            },
            span: weight_span(statements, 0).unwrap_or(*first_span),
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
    Ok(())
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
pub(super) fn rectangular(array: &Array, name: Numbers) -> Result<Vec<Vec<Decimal>>, Error> {
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

/// A layer's `W` and `b` with their spans, each given at most once; no other parameter.
#[allow(clippy::type_complexity)]
fn layer_params(
    number: usize,
    params: &[Param],
) -> Result<(Option<(&Array, Span)>, Option<(&Array, Span)>), Error> {
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
    Ok((weights, bias))
}

fn check_layer(
    number: usize,
    act: Arc<Activation>,
    params: &[Param],
    previous: Option<usize>,
    span: Span,
) -> Result<Layer, Error> {
    let (weights, bias) = layer_params(number, params)?;
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
        dropout: None,
    })
}
