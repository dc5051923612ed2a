//! The JSON output: the numbers at full precision, straight from the derivation (no templates).

use serde::Serialize;

use crate::derivation::Derivation;
use crate::error::Error;
use crate::math::number::Value;

#[derive(Serialize)]
struct JsonDoc<'a> {
    title: Option<&'a str>,
    sizes: Vec<usize>,
    samples: usize,
    loss_function: &'a str,
    lr: Option<f64>,
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
}

#[derive(Serialize)]
struct JsonStep<'a> {
    step: u32,
    loss: f64,
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
    delta: Vec<Vec<f64>>,
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
    let network = derivation.network;
    let doc = JsonDoc {
        title: network.title.as_deref(),
        sizes: network.sizes(),
        samples: network.samples(),
        loss_function: &network.loss.name,
        lr: network.training.map(|s| s.lr.to_f64()),
        carry: derivation.options.carry,
        rounding: derivation.options.rounding,
        digits: derivation.options.digits,
        steps: derivation
            .steps
            .iter()
            .map(|step| JsonStep {
                step: step.number,
                loss: step.loss_value.f,
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
    };
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Template {
        name: "json".into(),
        message: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use crate::derivation::{derive, Options};
    use crate::math::number::Decimal;
    use crate::model::{AdamForm, MomentumForm, Optimizer};
    use serde_json::Value as Json;

    fn decimal(v: &Json) -> Decimal {
        Decimal::parse(&format!("{}", v.as_f64().unwrap())).unwrap()
    }

    /// The optimizer of a torch case, from its structured settings.
    fn optimizer(o: &Json) -> Optimizer {
        let momentum_form = match o["form"].as_str() {
            Some("pytorch") => MomentumForm::PyTorch,
            Some("ema") => MomentumForm::Ema,
            _ => MomentumForm::Zero,
        };
        match o["name"].as_str().unwrap() {
            "sgd" => Optimizer::Sgd,
            "momentum" => Optimizer::Momentum {
                momentum: decimal(&o["momentum"]),
                form: momentum_form,
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
                form: match o["form"].as_str() {
                    Some("zero") => AdamForm::Zero,
                    _ => AdamForm::Paper,
                },
            },
            other => panic!("{other}"),
        }
    }

    fn close(ours: &Json, torch: &Json, what: &str) {
        match (ours, torch) {
            (Json::Array(a), Json::Array(b)) => {
                assert_eq!(a.len(), b.len(), "{what}");
                for (x, y) in a.iter().zip(b) {
                    close(x, y, what);
                }
            }
            (Json::Null, Json::Null) => {}
            _ => {
                let number = |v: &Json| v.as_f64().unwrap_or_else(|| panic!("{what}: {v}"));
                let (x, y) = (number(ours), number(torch));
                let scale = x.abs().max(y.abs()).max(1e-300);
                assert!(
                    (x - y).abs() <= 1e-9 * scale,
                    "{what}: {x} against torch's {y}"
                );
            }
        }
    }

    /// Until the language has `optimizer`, each case's file is read with its `optimizer` line
    /// as `sgd` and the optimizer set from the case's settings.
    #[test]
    fn the_json_of_every_optimizer_agrees_with_torch_optim() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let data = std::fs::read_to_string(root.join("tests/data/torch-optimizers.json")).unwrap();
        let data: Json = serde_json::from_str(&data).unwrap();
        let mut checked = 0;
        for case in data["cases"].as_array().unwrap() {
            let net = &case["network"];
            let plain = net["weight_decay"].is_null()
                && net["dropout"].as_array().unwrap().iter().all(Json::is_null);
            if !plain {
                continue;
            }
            let steps = net["steps"].as_u64().unwrap();
            let lr = decimal(&net["optimizer"]["lr"]);
            let text: String = case["nn"]
                .as_str()
                .unwrap()
                .lines()
                .map(|line| match line.starts_with("optimizer") {
                    true => format!("sgd lr = {lr}, steps = {steps}\n"),
                    false => format!("{line}\n"),
                })
                .collect();
            let limits = crate::model::Limits::default();
            let mut network = crate::check::network_from_text(&text, &limits).unwrap();
            network.training.as_mut().unwrap().optimizer = optimizer(&net["optimizer"]);
            let derivation = derive(&network, Options::default()).unwrap();
            let ours: Json = serde_json::from_str(&super::json(&derivation).unwrap()).unwrap();
            for (n, (our, torch)) in ours["steps"]
                .as_array()
                .unwrap()
                .iter()
                .zip(case["steps"].as_array().unwrap())
                .enumerate()
            {
                for (l, (a, b)) in our["layers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .zip(torch["layers"].as_array().unwrap())
                    .enumerate()
                {
                    let what = |key: &str| {
                        format!("{} step {} layer {} {key}", net["optimizer"], n + 1, l + 1)
                    };
                    close(&a["W_after"], &b["W_after"], &what("W_after"));
                    close(&a["b_after"], &b["b_after"], &what("b_after"));
                    let states = b["state"].as_object().unwrap();
                    let ours = a.get("state").and_then(Json::as_object);
                    assert_eq!(
                        ours.map_or(0, |s| s.len()),
                        states.len(),
                        "{}",
                        what("state")
                    );
                    for (key, value) in states {
                        close(&a["state"][key], value, &what(key));
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked >= 40, "{checked} layer-steps checked");
    }
}
