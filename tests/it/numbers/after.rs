//! The loss after the update (issue 18, point 3) through the real binary's JSON: `loss_after`
//! and each step's parameters against the plain loops of `training::train()` on random
//! networks, and against torch.optim's values in tests/data/.

use serde_json::Value as Json;

use super::reference::{self, Net};
use super::training::{self, Optimizer, Training};
use crate::support::{assert_close, assert_near, floats, matrix, run_with, stdout};

pub(super) fn derive_json(text: &str) -> Json {
    let output = run_with(&["derive", "-", "-f", "json"], text.as_bytes());
    serde_json::from_str(&stdout(&output)).expect("valid JSON")
}

fn plain_sgd(net: &Net) -> Training {
    Training {
        optimizer: Optimizer::Sgd,
        weight_decay: None,
        dropout: vec![None; net.w.len()],
    }
}

/// Each step's loss and parameters after it, and `loss_after`, of the binary's JSON against
/// the plain loops, to `relative` or 1e-12 absolute (see `assert_near`: a loss near 0 or an
/// update that nearly cancels its parameter).
pub(super) fn compare(doc: &Json, net: &Net, training: &Training, relative: f64, what: &str) {
    let (steps, after) = training::train(net, training);
    let json_steps = doc["steps"].as_array().expect("steps");
    assert_eq!(json_steps.len(), steps.len(), "{what}");
    for (s, (ours, theirs)) in json_steps.iter().zip(&steps).enumerate() {
        let at = format!("{what} step {}", s + 1);
        assert_near(
            ours["loss"].as_f64().unwrap(),
            theirs.loss,
            relative,
            1e-12,
            &at,
        );
        match training.weight_decay {
            Some(_) => assert_near(
                ours["loss_decayed"].as_f64().expect("loss_decayed"),
                theirs.loss_decayed,
                relative,
                1e-12,
                &format!("{at} loss_decayed"),
            ),
            None => assert!(ours.get("loss_decayed").is_none(), "{at}"),
        }
        for (l, layer) in ours["layers"].as_array().unwrap().iter().enumerate() {
            let w_after = matrix(&layer["W_after"]).concat();
            let expected: Vec<f64> = theirs.w_after[l].concat();
            assert_eq!(w_after.len(), expected.len(), "{at}");
            for (a, e) in w_after.iter().zip(&expected) {
                assert_near(*a, *e, relative, 1e-12, &format!("{at} W_after {}", l + 1));
            }
            if let Some(b) = &theirs.b_after[l] {
                for (a, e) in floats(&layer["b_after"]).iter().zip(b) {
                    assert_near(*a, *e, relative, 1e-12, &format!("{at} b_after {}", l + 1));
                }
            }
        }
    }
    let loss_after = doc["loss_after"].as_f64().expect("loss_after");
    assert_near(
        loss_after,
        after,
        relative,
        1e-12,
        &format!("{what} loss_after"),
    );
}

#[test]
fn loss_after_matches_the_plain_loops_on_random_networks() {
    let (mut checked, mut seed) = (0, 0u64);
    let mut acts = std::collections::BTreeSet::new();
    let mut losses = std::collections::BTreeSet::new();
    let (mut samples, mut steps) = (0, 0);
    while checked < 48 {
        seed += 1;
        let mut net = reference::random_net(seed);
        net.steps = 1 + (seed % 4) as usize;
        if !reference::stays_finite(&net) {
            continue;
        }
        let training = plain_sgd(&net);
        let (trained, after) = training::train(&net, &training);
        // At a relu kink the derivative depends on the last bit of a float sum (see
        // numbers.rs): such draws are left out, before any step and after each.
        let mut at = net.clone();
        let mut kinked = reference::near_kink(&at, 1e-3);
        for step in &trained {
            at.w = step.w_after.clone();
            at.b = step.b_after.clone();
            kinked |= reference::near_kink(&at, 1e-3);
        }
        if kinked || !after.is_finite() {
            continue;
        }
        let text = reference::to_nn(&net);
        compare(&derive_json(&text), &net, &training, 1e-9, &text);
        acts.extend(net.acts.iter().map(|a| a.name()));
        losses.insert(net.loss.name());
        samples = samples.max(net.x.len());
        steps = steps.max(net.steps);
        checked += 1;
    }
    assert_eq!(acts.len(), 7, "{acts:?}");
    assert_eq!(losses.len(), 4, "{losses:?}");
    assert_eq!((samples, steps), (3, 4));
}

#[test]
fn loss_after_matches_torch_on_plain_sgd() {
    let data: Json =
        serde_json::from_str(include_str!("../../data/torch-optimizers.json")).unwrap();
    let mut compared = 0;
    for (c, case) in data["cases"].as_array().unwrap().iter().enumerate() {
        let n = &case["network"];
        let plain = n["optimizer"]["name"] == "sgd"
            && n["weight_decay"].is_null()
            && n["dropout"].as_array().unwrap().iter().all(Json::is_null);
        if !plain {
            continue;
        }
        let text = &case["nn"].as_str().unwrap().replace("optimizer sgd", "sgd");
        let doc = derive_json(text);
        let (net, training) = super::torch_case(case);
        compare(&doc, &net, &training, 1e-9, &format!("case {c}"));
        for (ours, torch) in doc["steps"]
            .as_array()
            .unwrap()
            .iter()
            .zip(case["steps"].as_array().unwrap())
        {
            assert_close(
                ours["loss"].as_f64().unwrap(),
                torch["loss"].as_f64().unwrap(),
                1e-9,
                "torch loss",
            );
        }
        let torch_after = case["loss_after"].as_f64().unwrap();
        assert_close(
            doc["loss_after"].as_f64().unwrap(),
            torch_after,
            1e-9,
            &format!("case {c} torch loss_after"),
        );
        compared += 1;
    }
    assert_eq!(compared, 2);
}

#[test]
fn the_articles_loss_after_is_the_hand_computed_one() {
    // By hand from the article's updated weights (its Chainer printout, after W^1 and W^2): a^{(1)} = W^{(1)}x with
    // W^{(1)} = [[-0.2252, -0.5505, -0.8757], [-0.1631, -0.5262, -0.8892]] (4 digits) is
    // (-3.953, -3.883), z = σ(a) = (0.01883, 0.02017), y = W^{(2)}z with
    // W^{(2)} = [[0.8591, 1.832], [2.741, 3.692]] is (0.05314, 0.1261), and
    // E = ((0.05314)² + (1 − 0.1261)²)/2 = 0.3833.
    let doc = crate::support::json(crate::support::ARTICLE, &[]);
    let after = doc["loss_after"].as_f64().unwrap();
    assert!((after - 0.3833).abs() < 5e-5, "{after}");
    assert_eq!(
        doc["steps"][0]["loss"]
            .as_f64()
            .map(|e| (e * 100.0).round()),
        Some(1043.0)
    );
}

/// With dropout the last step's E had its masks and E after has none (a trained network is
/// evaluated without dropout): the text states both and does not call their difference the
/// update's decrease. Without dropout it does.
#[test]
fn with_dropout_the_loss_after_is_not_called_the_updates_decrease() {
    let article = std::fs::read_to_string(crate::support::ARTICLE).unwrap();
    let dropped = article.replacen(
        "[0.2, 0.2, 0.2]]\n",
        "[0.2, 0.2, 0.2]]\n  dropout mask = [[1, 0]], keep = 0.5\n",
        1,
    );
    assert_ne!(dropped, article);
    let text =
        |nn: &str, lang: &str| stdout(&run_with(&["derive", "-", "--lang", lang], nn.as_bytes()));
    let plain = text(&article, "en");
    assert!(plain.contains("before it: a decrease of $"), "{plain}");
    for (lang, said, not_said) in [
        ("en", "was computed with its dropout masks", "a decrease of"),
        (
            "ja",
            "ドロップアウトのマスクをかけた誤差なので",
            "減りました",
        ),
    ] {
        let out = text(&dropped, lang);
        assert!(out.contains(said), "{lang}: {out}");
        assert!(!out.contains(not_said), "{lang}: {out}");
        assert!(!out.contains("an increase of") && !out.contains("増えました"));
    }
}
