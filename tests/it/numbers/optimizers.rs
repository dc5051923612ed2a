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

#[test]
fn every_optimizer_matches_torch_optim_through_the_binary() {
    let data: Json =
        serde_json::from_str(include_str!("../../data/torch-optimizers.json")).unwrap();
    let (mut cases, mut numbers) = (0, 0);
    for (c, case) in data["cases"].as_array().unwrap().iter().enumerate() {
        let n = &case["network"];
        // Dropout is derived on its own branch (drop20): its cases are enabled there.
        let dropout = n["dropout"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| !d.is_null());
        if dropout {
            continue;
        }
        let doc = derive_json(case["nn"].as_str().unwrap());
        let what = format!("case {c} ({})", n["optimizer"]["name"]);
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
    // sgd, momentum (pytorch), nesterov, adagrad, rmsprop, adam (paper): two cases each
    // without weight decay and two with.
    assert_eq!(cases, 24);
    assert!(numbers > 500, "compared only {numbers} numbers");
}

#[test]
fn every_optimizer_and_form_matches_the_plain_loops_on_random_networks() {
    let (mut checked, mut seed, mut numbers) = (0, 1000u64, 0);
    let (mut samples, mut steps, mut biases) = (0, 0, false);
    let (mut decayed, mut lambdas) = (0, std::collections::BTreeSet::new());
    while checked < 40 {
        seed += 1;
        let mut net = reference::random_net(seed);
        net.steps = 1 + (seed % 4) as usize;
        if !reference::stays_finite(&net) || reference::near_kink(&net, 1e-3) {
            continue;
        }
        let sgd_line = format!("sgd lr = {}, steps = {}\n", net.lr, net.steps);
        let text = reference::to_nn(&net);
        assert!(text.contains(&sgd_line), "{text}");
        // Weight decay on three networks of four, with λ from small to large.
        let weight_decay = [None, Some(0.01), Some(0.3), Some(0.0025)][(seed % 4) as usize];
        let decay_line = weight_decay.map_or(String::new(), |l| format!("weight_decay {l}\n"));
        let mut usable = true;
        let mut runs = Vec::new();
        for (optimizer, line) in forms(net.lr) {
            let training = Training {
                optimizer,
                weight_decay,
                dropout: vec![None; net.w.len()],
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
}
