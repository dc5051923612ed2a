//! Every optimizer and form of issue 18 through the real binary's JSON: each step's parameters
//! and optimizer state against torch.optim's values in tests/data/ (the PyTorch-equal forms),
//! and against the plain loops of `training::train()` on random networks (every form).

use serde_json::Value as Json;

use super::after::{compare, derive_json};
use super::reference::{self, Net};
use super::training::{self, AdamForm, MomentumForm, Optimizer, Training};
use crate::support::{assert_near, floats, matrix};

/// Every form, with the line that asks for it (settings written out, as the tests' loops use
/// them).
fn forms(lr: f64) -> Vec<(Optimizer, String)> {
    let momentum = |form: MomentumForm, name: &str| {
        (
            Optimizer::Momentum { mu: 0.9, form },
            format!("optimizer momentum lr = {lr}, momentum = 0.9, form = {name}"),
        )
    };
    let adam = |form: AdamForm, name: &str| {
        (
            Optimizer::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                form,
            },
            format!(
                "optimizer adam lr = {lr}, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, form = {name}"
            ),
        )
    };
    vec![
        (Optimizer::Sgd, format!("optimizer sgd lr = {lr}")),
        momentum(MomentumForm::Zero, "zero"),
        momentum(MomentumForm::Pytorch, "pytorch"),
        momentum(MomentumForm::Ema, "ema"),
        (
            Optimizer::Nesterov { mu: 0.9 },
            format!("optimizer nesterov lr = {lr}, momentum = 0.9"),
        ),
        (
            Optimizer::AdaGrad { eps: 1e-7 },
            format!("optimizer adagrad lr = {lr}, eps = 1e-7"),
        ),
        (
            Optimizer::RmsProp {
                decay: 0.99,
                eps: 1e-8,
            },
            format!("optimizer rmsprop lr = {lr}, decay = 0.99, eps = 1e-8"),
        ),
        adam(AdamForm::Paper, "paper"),
        adam(AdamForm::Zero, "zero"),
    ]
}

/// The keys of an optimizer's state in the JSON (and in the torch data).
fn state_keys(optimizer: Optimizer) -> &'static [&'static str] {
    match optimizer {
        Optimizer::Sgd => &[],
        Optimizer::Adam { .. } => &["m", "v"],
        Optimizer::AdaGrad { .. } | Optimizer::RmsProp { .. } => &["h"],
        Optimizer::Momentum { .. } | Optimizer::Nesterov { .. } => &["v"],
    }
}

/// Each step's state of the binary's JSON against the plain loops', to `relative`.
fn compare_state(doc: &Json, net: &Net, training: &Training, relative: f64, what: &str) -> usize {
    let (steps, _) = training::train(net, training);
    let mut compared = 0;
    for (s, (ours, theirs)) in doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&steps)
        .enumerate()
    {
        for (l, layer) in ours["layers"].as_array().unwrap().iter().enumerate() {
            let state = &layer["state"];
            for (k, key) in state_keys(training.optimizer).iter().enumerate() {
                let at = format!("{what} step {} layer {} {key}", s + 1, l + 1);
                let pick = |st: &training::State| {
                    if k == 0 {
                        st.first.clone()
                    } else {
                        st.second.clone()
                    }
                };
                let weights = matrix(&state[*key]).concat();
                let expected = pick(&theirs.w_state[l]);
                assert_eq!(weights.len(), expected.len(), "{at}");
                for (a, e) in weights.iter().zip(&expected) {
                    assert_near(*a, *e, relative, 1e-12, &at);
                    compared += 1;
                }
                if net.b[l].is_some() {
                    let biases = floats(&state[format!("{key}_b")]);
                    let expected = pick(&theirs.b_state[l]);
                    assert_eq!(biases.len(), expected.len(), "{at}_b");
                    for (a, e) in biases.iter().zip(&expected) {
                        assert_near(*a, *e, relative, 1e-12, &format!("{at}_b"));
                        compared += 1;
                    }
                }
            }
        }
    }
    compared
}

/// The cases of `tests/data/torch-optimizers.json` with dropout, and those with weight decay
/// (half of each with both).
const DROPOUT_CASES: usize = 24;
const DECAY_CASES: usize = 24;

#[test]
fn every_optimizer_matches_torch_optim_through_the_binary() {
    let data: Json =
        serde_json::from_str(include_str!("../../data/torch-optimizers.json")).unwrap();
    let (mut cases, mut numbers, mut dropouts, mut decays) = (0, 0, 0, 0);
    for (c, case) in data["cases"].as_array().unwrap().iter().enumerate() {
        let n = &case["network"];
        decays += usize::from(!n["weight_decay"].is_null());
        dropouts += n["dropout"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| !d.is_null()) as usize;
        let doc = derive_json(case["nn"].as_str().unwrap());
        let what = format!("case {c} ({})", n["optimizer"]["name"]);
        states_its_training_as_torch_did(&doc, n, &what);
        for (s, (ours, torch)) in doc["steps"]
            .as_array()
            .unwrap()
            .iter()
            .zip(case["steps"].as_array().unwrap())
            .enumerate()
        {
            for (l, (layer, expected)) in ours["layers"]
                .as_array()
                .unwrap()
                .iter()
                .zip(torch["layers"].as_array().unwrap())
                .enumerate()
            {
                let at = format!("{what} step {} layer {}", s + 1, l + 1);
                if l == 0 {
                    // The data loss, and with weight decay the loss descended.
                    let step = format!("{what} step {}", s + 1);
                    let loss = ours["loss"].as_f64().unwrap();
                    crate::support::assert_close(
                        loss,
                        torch["loss"].as_f64().unwrap(),
                        1e-9,
                        &step,
                    );
                    let decayed = torch["loss_decayed"].as_f64().unwrap();
                    let ours_decayed = match n["weight_decay"].is_null() {
                        true => ours
                            .get("loss_decayed")
                            .map_or(loss, |d| d.as_f64().unwrap()),
                        false => ours["loss_decayed"].as_f64().unwrap(),
                    };
                    crate::support::assert_close(ours_decayed, decayed, 1e-9, &step);
                    numbers += 2;
                }
                let mut keys = vec!["W_after".to_string(), "b_after".to_string()];
                for key in expected["state"].as_object().unwrap().keys() {
                    keys.push(key.clone());
                }
                for key in keys {
                    let (ours, theirs) = match key.as_str() {
                        "W_after" | "b_after" => (&layer[&key], &expected[&key]),
                        _ => (&layer["state"][&key], &expected["state"][&key]),
                    };
                    if theirs.is_null() {
                        assert!(ours.is_null(), "{at} {key}: {ours}");
                        continue;
                    }
                    let flat = |v: &Json| match v.as_array().unwrap().first() {
                        Some(Json::Array(_)) => matrix(v).concat(),
                        _ => floats(v),
                    };
                    let (ours, theirs) = (flat(ours), flat(theirs));
                    assert_eq!(ours.len(), theirs.len(), "{at} {key}");
                    for (a, e) in ours.iter().zip(&theirs) {
                        assert_near(*a, *e, 1e-9, 1e-12, &format!("{at} {key}"));
                        numbers += 1;
                    }
                }
            }
        }
        let after = case["loss_after"].as_f64().unwrap();
        crate::support::assert_close(doc["loss_after"].as_f64().unwrap(), after, 1e-9, &what);
        cases += 1;
    }
    // sgd, momentum (pytorch), nesterov, adagrad, rmsprop, adam (paper): two cases each with
    // neither, with weight decay, with dropout, and with both.
    assert_eq!((cases, dropouts, decays), (48, DROPOUT_CASES, DECAY_CASES));
    assert!(numbers > 500, "compared only {numbers} numbers");
}

/// The JSON names the optimizer, its form and settings, the learning rate and λ by the keys
/// and values of the torch data's `network` (plain SGD and no decay: no key at all).
fn states_its_training_as_torch_did(doc: &Json, network: &Json, what: &str) {
    let torch = &network["optimizer"];
    assert_eq!(doc["lr"], torch["lr"], "{what}: lr");
    match torch["name"].as_str().unwrap() {
        "sgd" => assert!(doc.get("optimizer").is_none(), "{what}: {doc:#}"),
        _ => {
            let mut expected = torch.as_object().unwrap().clone();
            expected.remove("lr");
            expected.retain(|_, v| !v.is_null());
            assert_eq!(
                doc["optimizer"],
                Json::Object(expected),
                "{what}: optimizer"
            );
        }
    }
    match network["weight_decay"].as_f64() {
        None => assert!(doc.get("weight_decay").is_none(), "{what}: weight_decay"),
        Some(lambda) => assert_eq!(doc["weight_decay"].as_f64(), Some(lambda), "{what}"),
    }
}

#[test]
fn every_optimizer_and_form_matches_the_plain_loops_on_random_networks() {
    let (mut checked, mut seed, mut numbers, mut dropped) = (0, 1000u64, 0, 0);
    let (mut samples, mut steps, mut biases) = (0, 0, false);
    let (mut decayed, mut lambdas) = (0, std::collections::BTreeSet::new());
    let mut combinations = std::collections::BTreeSet::new();
    while checked < 40 {
        seed += 1;
        let mut net = reference::random_net(seed);
        net.steps = 1 + (seed % 4) as usize;
        if !reference::stays_finite(&net) || reference::near_kink(&net, 1e-3) {
            continue;
        }
        let sgd_line = format!("sgd lr = {}, steps = {}\n", net.lr, net.steps);
        let (dropout, text) = with_dropout(&net, seed, reference::to_nn(&net));
        assert!(text.contains(&sgd_line), "{text}");
        // Weight decay on three networks of four, with λ from small to large (drawn apart from
        // dropout's every other seed, so that each meets the other and its absence).
        let weight_decay = [None, Some(0.01), Some(0.3), Some(0.0025)][(seed / 2 % 4) as usize];
        let decay_line = weight_decay.map_or(String::new(), |l| format!("weight_decay {l}\n"));
        let mut usable = true;
        let mut runs = Vec::new();
        for (optimizer, line) in forms(net.lr) {
            let training = Training {
                optimizer,
                weight_decay,
                dropout: dropout.clone(),
            };
            let (trained, after) = training::train(&net, &training);
            // At a relu kink the derivative depends on the last bit of a float sum, and at a
            // saturated output (E near 0: y − t a difference of nearly equal numbers) float64
            // keeps few digits of the gradient: such draws are left out, at each step of
            // every form.
            let mut at = net.clone();
            for step in &trained {
                at.w = step.w_after.clone();
                at.b = step.b_after.clone();
                usable &= !reference::near_kink(&at, 1e-3)
                    && step.loss > 1e-6
                    && step
                        .w_after
                        .iter()
                        .flatten()
                        .flatten()
                        .all(|w| w.is_finite());
            }
            usable &= after.is_finite();
            let line = format!("{line}, steps = {}\n{decay_line}", net.steps);
            runs.push((training, text.replace(&sgd_line, &line)));
        }
        if !usable {
            continue;
        }
        if let Some(lambda) = weight_decay {
            decayed += 1;
            lambdas.insert(lambda.to_string());
        }
        let with_dropout = dropout.iter().any(Option::is_some);
        dropped += usize::from(with_dropout);
        combinations.insert((weight_decay.is_some(), with_dropout));
        for (training, text) in runs {
            let doc = derive_json(&text);
            compare(&doc, &net, &training, 1e-9, &text);
            numbers += compare_state(&doc, &net, &training, 1e-9, &text);
        }
        samples = samples.max(net.x.len());
        steps = steps.max(net.steps);
        biases |= net.b.iter().any(Option::is_some);
        checked += 1;
    }
    assert_eq!((samples, steps, biases), (3, 4, true));
    assert!(
        (20..40).contains(&decayed),
        "{decayed} of 40 networks with weight decay"
    );
    assert_eq!(lambdas.len(), 3, "{lambdas:?}");
    assert!(numbers > 2000, "compared only {numbers} state values");
    // Drawn until 40 networks are usable: with dropout on about half of those with a hidden
    // layer (inverted and `scale = none` alike), so every form runs with and without it.
    assert!(dropped >= 10, "only {dropped} networks with dropout");
    // Neither, weight decay alone, dropout alone, both.
    assert_eq!(combinations.len(), 4, "{combinations:?}");
}

/// Dropout on the first hidden layer of every other network that has one (a mask that keeps
/// unit i of sample n unless (seed + 2n + i) % 3 = 0; inverted with keep 0.5 or 0.8, or
/// `scale = none`), written into the network's text after that layer's statement.
fn with_dropout(net: &Net, seed: u64, text: String) -> (Vec<Option<training::Dropout>>, String) {
    let mut dropout = vec![None; net.w.len()];
    if net.w.len() < 2 || seed % 2 == 1 {
        return (dropout, text);
    }
    let units = net.w[0].len();
    let mask: Vec<Vec<f64>> = (0..net.x.len())
        .map(|n| {
            let kept = |i: usize| ((seed as usize + 2 * n + i) % 3 != 0) as u8 as f64;
            (0..units).map(kept).collect()
        })
        .collect();
    let (keep, inverted, clause) = match seed % 6 {
        0 => (1.0, false, "scale = none".to_string()),
        2 => (0.5, true, "keep = 0.5".to_string()),
        _ => (0.8, true, "keep = 0.8".to_string()),
    };
    let rows: Vec<String> = mask
        .iter()
        .map(|row| {
            format!(
                "[{}]",
                row.iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let line = format!(" dropout mask = [{}], {clause}", rows.join(", "));
    let first_layer_end = text.find("\nlayer ").map(|start| start + 1).unwrap();
    let end = first_layer_end + text[first_layer_end..].find('\n').unwrap();
    let mut text = text;
    text.insert_str(end, &line);
    dropout[0] = Some(training::Dropout {
        mask,
        keep,
        inverted,
    });
    (dropout, text)
}
