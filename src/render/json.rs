//! The JSON output: the numbers at full precision, straight from the derivation (no templates).

use serde::Serialize;

use crate::derivation::Derivation;
use crate::error::Error;
use crate::math::number::{Decimal, Value};
use crate::model::Optimizer;

#[derive(Serialize)]
struct JsonDoc<'a> {
    title: Option<&'a str>,
    sizes: Vec<usize>,
    samples: usize,
    loss_function: &'a str,
    lr: Option<f64>,
    /// The optimizer beyond plain SGD, with every setting (defaults filled in).
    #[serde(skip_serializing_if = "Option::is_none")]
    optimizer: Option<JsonOptimizer>,
    /// λ of `weight_decay`, when the file has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    weight_decay: Option<f64>,
    #[serde(serialize_with = "super::views::carry_name")]
    carry: crate::derivation::Carry,
    /// How exact ties are rounded, in the shown and (with `carry` rounded) carried values.
    #[serde(serialize_with = "super::views::rounding_name")]
    rounding: crate::math::number::Rounding,
    digits: u32,
    steps: Vec<JsonStep<'a>>,
    /// E after the last update (the data loss, without dropout), when the file trains.
    #[serde(skip_serializing_if = "Option::is_none")]
    loss_after: Option<f64>,
    /// `--view graph`: the computational graph's nodes and edges (the first sample's first
    /// step), in the shape of `graph -f json`'s.
    #[serde(skip_serializing_if = "Option::is_none")]
    graph: Option<serde_json::Value>,
}

/// `optimizer NAME …` as the file meant it: the name, the form where it has several, and the
/// settings by the names the file gives them.
#[derive(Serialize, Default)]
struct JsonOptimizer {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    form: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    momentum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decay: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    beta1: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    beta2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    eps: Option<f64>,
}

impl JsonOptimizer {
    /// None for plain SGD, whose output is as it always was.
    fn of(optimizer: &Optimizer) -> Option<JsonOptimizer> {
        let f = |d: &Decimal| Some(d.to_f64());
        let name = optimizer.name().as_str();
        Some(match optimizer {
            Optimizer::Sgd => return None,
            Optimizer::Momentum { momentum, form } => JsonOptimizer {
                name,
                form: Some(form.name()),
                momentum: f(momentum),
                ..Default::default()
            },
            Optimizer::Nesterov { momentum } => JsonOptimizer {
                name,
                momentum: f(momentum),
                ..Default::default()
            },
            Optimizer::AdaGrad { eps } => JsonOptimizer {
                name,
                eps: f(eps),
                ..Default::default()
            },
            Optimizer::RmsProp { decay, eps } => JsonOptimizer {
                name,
                decay: f(decay),
                eps: f(eps),
                ..Default::default()
            },
            Optimizer::Adam {
                beta1,
                beta2,
                eps,
                form,
            } => JsonOptimizer {
                name,
                form: Some(form.name()),
                beta1: f(beta1),
                beta2: f(beta2),
                eps: f(eps),
                ..Default::default()
            },
        })
    }
}

#[derive(Serialize)]
struct JsonStep<'a> {
    step: u32,
    /// The data loss E.
    loss: f64,
    /// Ẽ = E + (λ/2) Σ w², with weight decay (the torch data's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    loss_decayed: Option<f64>,
    sample_losses: Vec<f64>,
    layers: Vec<JsonLayer<'a>>,
}

#[derive(Serialize)]
struct JsonLayer<'a> {
    activation: &'a str,
    #[serde(rename = "W")]
    w: Vec<Vec<f64>>,
    b: Option<Vec<f64>>,
    a: Vec<Vec<f64>>,
    z: Vec<Vec<f64>>,
    /// With dropout: z̃ = r ⊙ z / p per sample, what the next layer read.
    #[serde(skip_serializing_if = "Option::is_none")]
    z_tilde: Option<Vec<Vec<f64>>>,
    /// With dropout: the mask per sample and p (the same in every step).
    #[serde(skip_serializing_if = "Option::is_none")]
    dropout: Option<JsonDropout>,
    delta: Vec<Vec<f64>>,
    /// The gradient the update used: ∂Ẽ/∂W with weight decay.
    #[serde(rename = "grad_W")]
    grad_w: Vec<Vec<f64>>,
    grad_b: Option<Vec<f64>>,
    #[serde(rename = "W_after")]
    w_after: Option<Vec<Vec<f64>>>,
    b_after: Option<Vec<f64>>,
    /// The optimizer's state after the step (`v`, `v_b`; `h`; `m`, `v` for Adam), omitted for
    /// plain SGD.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    state: std::collections::BTreeMap<&'static str, JsonState>,
}

/// A layer's dropout: `scale` is `inverted` (z̃ = r ⊙ z / keep) or `none` (z̃ = r ⊙ z, no
/// `keep`); `mask` a row of 0 and 1 per sample.
#[derive(Serialize)]
struct JsonDropout {
    scale: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    keep: Option<f64>,
    mask: Vec<Vec<u8>>,
}

impl JsonDropout {
    fn of(dropout: &crate::model::Dropout) -> JsonDropout {
        let (scale, keep) = match dropout.scale {
            crate::model::DropoutScale::Inverted { keep } => ("inverted", Some(keep.to_f64())),
            crate::model::DropoutScale::None => ("none", None),
        };
        let mask = dropout.mask.iter();
        JsonDropout {
            scale,
            keep,
            mask: mask
                .map(|row| row.iter().map(|&k| k.into()).collect())
                .collect(),
        }
    }
}

/// A state of a layer's weights (a matrix) or biases (a vector).
#[derive(Serialize)]
#[serde(untagged)]
enum JsonState {
    Weights(Vec<Vec<f64>>),
    Bias(Vec<f64>),
}

/// The carried states of a layer after the step, by the names the torch data uses.
fn states(
    numbers: &crate::derivation::LayerNumbers,
    inputs: usize,
) -> std::collections::BTreeMap<&'static str, JsonState> {
    use crate::math::expr::Moment;
    let mut out = std::collections::BTreeMap::new();
    let weights = numbers.grad_weights.len() * inputs.max(1);
    for state in numbers.state.iter().filter(|s| s.carried) {
        let (w, b) = state.after.split_at(weights.min(state.after.len()));
        let (name, bias_name) = match state.moment {
            Moment::V => ("v", "v_b"),
            Moment::H => ("h", "h_b"),
            Moment::M => ("m", "m_b"),
            Moment::MHat => ("m_hat", "m_hat_b"),
            Moment::VHat => ("v_hat", "v_hat_b"),
        };
        let rows = w.chunks(inputs.max(1)).map(floats).collect();
        out.insert(name, JsonState::Weights(rows));
        if numbers.bias.is_some() {
            out.insert(bias_name, JsonState::Bias(floats(b)));
        }
    }
    out
}

fn floats(values: &[Value]) -> Vec<f64> {
    values.iter().map(|v| v.f).collect()
}

fn float_matrix(rows: &[Vec<Value>]) -> Vec<Vec<f64>> {
    rows.iter().map(|r| floats(r)).collect()
}

pub(super) fn json(derivation: &Derivation) -> Result<String, Error> {
    json_with(derivation, None)
}

/// [`json`], with the graph view's `"graph"` when it is given.
pub(super) fn json_with(
    derivation: &Derivation,
    graph: Option<serde_json::Value>,
) -> Result<String, Error> {
    let network = derivation.network;
    let doc = JsonDoc {
        title: network.title.as_deref(),
        sizes: network.sizes(),
        samples: network.samples(),
        loss_function: &network.loss.name,
        lr: network.training.map(|s| s.lr.to_f64()),
        optimizer: network
            .training
            .and_then(|s| JsonOptimizer::of(&s.optimizer)),
        weight_decay: network.weight_decay.map(|l| l.to_f64()),
        carry: derivation.options.carry,
        rounding: derivation.options.rounding,
        digits: derivation.options.digits,
        steps: derivation
            .steps
            .iter()
            .map(|step| JsonStep {
                step: step.number,
                loss: step.loss_value.f,
                loss_decayed: step.decayed_loss.as_ref().map(|d| d.value.f),
                sample_losses: floats(&step.sample_losses),
                layers: step
                    .layers
                    .iter()
                    .zip(&network.layers)
                    .map(|(n, layer)| JsonLayer {
                        state: states(n, layer.inputs()),
                        activation: &layer.activation.name,
                        w: float_matrix(&n.weights),
                        b: n.bias.as_deref().map(floats),
                        a: float_matrix(&n.pre),
                        z: float_matrix(&n.out),
                        z_tilde: n.dropped.as_deref().map(float_matrix),
                        dropout: layer.dropout.as_ref().map(JsonDropout::of),
                        delta: float_matrix(&n.delta),
                        grad_w: float_matrix(&n.grad_weights),
                        grad_b: n.grad_bias.as_deref().map(floats),
                        w_after: n.weights_after.as_deref().map(float_matrix),
                        b_after: n.bias_after.as_deref().map(floats),
                    })
                    .collect(),
            })
            .collect(),
        loss_after: derivation.after.as_ref().map(|a| a.loss.f),
        graph,
    };
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Template {
        name: "json".into(),
        message: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}
