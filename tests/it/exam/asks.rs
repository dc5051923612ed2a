//! Issue 14's item 8: one element (`ask grad w12 1`), a layer's a, z or δ (`ask a 1`), one
//! unit (`ask a2 2`). Every asked number reaches the sheet, the key's table, Moodle (numerical
//! and Cloze) and Canvas, and equals the variant's own `derive variant-NN.nn -f json`.

use std::collections::BTreeMap;
use std::path::Path;

use super::lms::{child, numerical_questions, read, text_of, Numerical};
use crate::support::{json, root};

/// The `nn` block of docs/exam.md's "What to ask": the example the docs give is the one run.
fn documented_example() -> String {
    let doc = std::fs::read_to_string(root().join("docs/exam.md")).unwrap();
    let section = doc.split_once("### What to ask").unwrap().1;
    let block = section.split_once("```nn\n").unwrap().1;
    block.split_once("```").unwrap().0.to_string()
}

/// `exam` of `text` (3 variants, seed 7) with `extra`, into a fresh directory.
fn exam(text: &str, extra: &[&str]) -> tempfile::TempDir {
    super::lms::exam_of_text(text, "7", extra)
}

/// `x` to `digits` significant digits, and the exponent of its first digit.
fn rounded(x: f64, digits: usize) -> (f64, i32) {
    let text = format!("{x:.*e}", digits - 1);
    let exponent: i32 = text.split_once('e').unwrap().1.parse().unwrap();
    (text.parse().unwrap(), exponent)
}

/// Element `path` of a variant's JSON (`["steps", 0, "layers", 1, "a", 0, 1]`).
fn at(doc: &serde_json::Value, path: &[&str]) -> f64 {
    let mut v = doc;
    for key in path {
        v = match key.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[*key],
        };
    }
    v.as_f64().unwrap_or_else(|| panic!("{path:?} is {v}"))
}

/// The documented example's asks in order, as (LaTeX symbol, where its value is in the JSON of
/// step 1): layer indices from 0, as the JSON's arrays.
fn documented_asks() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            r"\frac{\partial E}{\partial w_{12}^{(1)}}",
            vec!["0", "grad_W", "0", "1"],
        ),
        (
            r"\frac{\partial E}{\partial b_2^{(1)}}",
            vec!["0", "grad_b", "1"],
        ),
        (
            r"w_{21}^{(2)}\text{ after the update}",
            vec!["1", "W_after", "1", "0"],
        ),
        (
            r"b_2^{(1)}\text{ after the update}",
            vec!["0", "b_after", "1"],
        ),
        (r"a_1^{(1)}", vec!["0", "a", "0", "0"]),
        (r"a_2^{(1)}", vec!["0", "a", "0", "1"]),
        (r"z_1", vec!["0", "z", "0", "0"]),
        (r"z_2", vec!["0", "z", "0", "1"]),
        (r"\delta_1^{(2)}", vec!["1", "delta", "0", "0"]),
        (r"\delta_2^{(2)}", vec!["1", "delta", "0", "1"]),
        (r"y_1", vec!["1", "z", "0", "0"]),
        (r"y_2", vec!["1", "z", "0", "1"]),
        (r"a_2^{(2)}", vec!["1", "a", "0", "1"]),
        (r"\delta_1^{(1)}", vec!["0", "delta", "0", "0"]),
        (
            r"\frac{\partial E}{\partial w_{13}^{(1)}}",
            vec!["0", "grad_W", "0", "2"],
        ),
    ]
}

/// Checks every question of `label` against its variant's JSON (exact and with rounded values
/// carried): the answer is the value correctly rounded, the tolerance within the rule.
fn check_values(dir: &Path, label: &str, mine: &[&Numerical], paths: &[Vec<&str>]) {
    let file = dir.join("exam").join(format!("variant-{label}.nn"));
    let exact = json(file.to_str().unwrap(), &[]);
    let carried = json(file.to_str().unwrap(), &["--carry", "rounded"]);
    assert_eq!(mine.len(), paths.len(), "variant {label}");
    for (q, path) in mine.iter().zip(paths) {
        let full: Vec<&str> = ["steps", "0", "layers"]
            .iter()
            .copied()
            .chain(path.iter().copied())
            .collect();
        let (x, r) = (at(&exact, &full), at(&carried, &full));
        let answer: f64 = q.answer.parse().unwrap();
        let tolerance: f64 = q.tolerance.parse().unwrap();
        let (shown, exponent) = rounded(x, 4);
        assert!(
            (answer - shown).abs() < 1e-12,
            "{}: {answer} for {x}",
            q.name
        );
        assert!(q.answer.contains('.'), "{}: {}", q.name, q.answer);
        // Half a unit of the 4th digit, widened by what carrying the shown values changes,
        // at most 1 % of the answer.
        let half = 0.5 * 10f64.powi(exponent - 3);
        let rule = half + (shown - rounded(r, 4).0).abs();
        assert!(
            tolerance <= 0.01 * answer.abs() * (1.0 + 1e-9),
            "{}: {tolerance}",
            q.name
        );
        assert!(
            tolerance >= rule.min(0.0099 * answer.abs()) * (1.0 - 1e-9),
            "{}: {tolerance} below the rule's {rule}",
            q.name
        );
    }
}

#[test]
fn every_new_ask_equals_the_variants_json_in_every_output() {
    let text = documented_example();
    let dir = exam(&text, &[]);
    let asks = documented_asks();
    let paths: Vec<Vec<&str>> = asks.iter().map(|(_, p)| p.clone()).collect();
    let all = numerical_questions(&read(dir.path(), "moodle.xml"));
    assert_eq!(all.len(), 3 * asks.len());
    let mut by_label: BTreeMap<&str, Vec<&Numerical>> = BTreeMap::new();
    for q in &all {
        by_label.entry(q.label.as_str()).or_default().push(q);
    }
    let sheet = read(dir.path(), "questions.tex");
    let key = read(dir.path(), "answers.tex");
    for (label, mine) in &by_label {
        check_values(dir.path(), label, mine, &paths);
        for (k, (q, (symbol, _))) in mine.iter().zip(&asks).enumerate() {
            // The ask, its own category, the worked rows of that number.
            assert!(
                q.text
                    .contains(&format!("Compute \\({symbol}\\) to 4 significant digits.")),
                "{symbol} not asked in {}",
                q.text
            );
            assert!(
                q.category
                    .starts_with(&format!("$course$/top/One of each/Q{} ", k + 1)),
                "{}",
                q.category
            );
            let lhs = symbol.split("\\text").next().unwrap();
            assert!(
                q.feedback.starts_with(&format!("\\[{lhs}")),
                "{symbol}: {}",
                q.feedback
            );
            assert!(
                q.feedback.contains(q.answer.trim_end_matches(".0")),
                "{symbol}: {} not in {}",
                q.answer,
                q.feedback
            );
            // The box on the sheet, the row of the key's table.
            assert!(
                sheet.contains(&format!("${symbol}$ & \\framebox")),
                "{symbol} on the sheet"
            );
            assert!(
                key.contains(&format!(
                    "{{${symbol}$}}\\makebox[0.26\\linewidth][r]{{\\texttt{{{}}}}}\\hspace{{2em}}$\\pm$\\,\\texttt{{{}}}",
                    q.answer, q.tolerance
                )),
                "{symbol} = {} ± {} not in the key's table",
                q.answer,
                q.tolerance
            );
        }
    }
    // Cloze: a blank per ask, the numerical questions' answers and tolerances, in order.
    let cloze = exam(&text, &["--moodle", "cloze"]);
    let xml = read(cloze.path(), "moodle.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|q| q.attribute("type") == Some("cloze"))
        .map(|q| text_of(child(q, "questiontext")))
        .collect();
    assert_eq!(texts.len(), 3);
    for (text, (label, mine)) in texts.iter().zip(&by_label) {
        let blanks: Vec<String> = mine
            .iter()
            .zip(&asks)
            .map(|(q, (symbol, _))| {
                format!(
                    "\\({symbol}\\) = {{1:NUMERICAL:={}:{}}}",
                    q.answer, q.tolerance
                )
            })
            .collect();
        for blank in &blanks {
            assert!(text.contains(blank.as_str()), "variant {label}: no {blank}");
        }
        assert_eq!(text.matches(":NUMERICAL:").count(), asks.len());
    }
    // Canvas: an item per ask, answered by the same number within the same tolerance.
    let zip = std::fs::read(dir.path().join("exam/canvas-qti.zip")).unwrap();
    let assessment = stored_entry(&zip, "backprop-tex-exam/backprop-tex-exam.xml");
    let doc = roxmltree::Document::parse(&assessment).unwrap();
    let items: Vec<_> = doc
        .descendants()
        .filter(|i| i.has_tag_name("item"))
        .collect();
    assert_eq!(items.len(), all.len());
    for (item, q) in items.iter().zip(&all) {
        let value = |tag: &str| {
            item.descendants()
                .find(|n| n.has_tag_name(tag))
                .and_then(|n| n.text())
                .unwrap()
                .to_string()
        };
        assert_eq!(value("varequal"), q.answer, "{}", q.name);
        let low: f64 = value("vargte").parse().unwrap();
        let answer: f64 = q.answer.parse().unwrap();
        let tolerance: f64 = q.tolerance.parse().unwrap();
        assert!((answer - tolerance - low).abs() < 1e-12, "{}", q.name);
    }
    // Japanese: the same numbers, the updated ones named so.
    let ja = exam(&text, &["--lang", "ja"]);
    let ja = numerical_questions(&read(ja.path(), "moodle.xml"));
    assert_eq!(ja.len(), all.len());
    for (j, e) in ja.iter().zip(&all) {
        assert_eq!((&j.answer, &j.tolerance), (&e.answer, &e.tolerance));
        assert!(j.text.contains("有効数字4桁で求めなさい"), "{}", j.text);
    }
    assert!(ja[2].name.ends_with("w_21^(2)（更新後）"), "{}", ja[2].name);
}

/// One stored entry of a zip by name (the package stores its entries uncompressed).
fn stored_entry(zip: &[u8], name: &str) -> String {
    let at = zip
        .windows(name.len())
        .position(|w| w == name.as_bytes())
        .unwrap_or_else(|| panic!("no {name} in the zip"));
    // The local header: 30 bytes, the name, the extra field, then the data.
    let header = at - 30;
    assert_eq!(&zip[header..header + 4], b"PK\x03\x04");
    let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
    let size = u32::from_le_bytes(zip[header + 18..header + 22].try_into().unwrap()) as usize;
    let data = at + name.len() + u16_at(header + 28);
    String::from_utf8(zip[data..data + size].to_vec()).unwrap()
}

#[test]
fn several_samples_and_steps_say_which_and_equal_the_json() {
    let text = "title \"Two samples\"
input  x = [[1, 2, 3], [0, 1, 2]]
target t = [[0, 1], [1, 0]]
layer sigmoid W = [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]] b = [0.1, 0.2]
layer identity W = [[1, 2], [3, 4]]
loss sum_squared
sgd lr = 0.1, steps = 2
vary W1 in [-0.5, 0.5] step 0.1
ask a 1
ask delta1 1
ask z2 1
ask update w12 1
";
    let dir = exam(text, &[]);
    let all = numerical_questions(&read(dir.path(), "moodle.xml"));
    let step = r"\text{ in step 1}";
    // Sample by sample, as the derivation shows them; every number the first step's.
    let expected: Vec<(String, Vec<&str>, &str)> = vec![
        (
            format!(r"a_{{1,1}}^{{(1)}}{step}"),
            vec!["0", "a", "0", "0"],
            "a_1^(1) of sample 1 in step 1",
        ),
        (
            format!(r"a_{{1,2}}^{{(1)}}{step}"),
            vec!["0", "a", "0", "1"],
            "a_2^(1) of sample 1 in step 1",
        ),
        (
            format!(r"a_{{2,1}}^{{(1)}}{step}"),
            vec!["0", "a", "1", "0"],
            "a_1^(1) of sample 2 in step 1",
        ),
        (
            format!(r"a_{{2,2}}^{{(1)}}{step}"),
            vec!["0", "a", "1", "1"],
            "a_2^(1) of sample 2 in step 1",
        ),
        (
            format!(r"\delta_{{1,1}}^{{(1)}}{step}"),
            vec!["0", "delta", "0", "0"],
            "delta_1^(1) of sample 1 in step 1",
        ),
        (
            format!(r"\delta_{{2,1}}^{{(1)}}{step}"),
            vec!["0", "delta", "1", "0"],
            "delta_1^(1) of sample 2 in step 1",
        ),
        (
            format!(r"z_{{1,2}}{step}"),
            vec!["0", "z", "0", "1"],
            "z_2^(1) of sample 1 in step 1",
        ),
        (
            format!(r"z_{{2,2}}{step}"),
            vec!["0", "z", "1", "1"],
            "z_2^(1) of sample 2 in step 1",
        ),
        (
            format!(r"w_{{12}}^{{(1)}}\text{{ after the update}}{step}"),
            vec!["0", "W_after", "0", "1"],
            "w_12^(1) after the update in step 1",
        ),
    ];
    let paths: Vec<Vec<&str>> = expected.iter().map(|(_, p, _)| p.clone()).collect();
    assert_eq!(all.len(), 3 * expected.len());
    for label in ["1", "2", "3"].map(|v| format!("0{v}")) {
        let mine: Vec<&Numerical> = all.iter().filter(|q| q.label == label).collect();
        check_values(dir.path(), &label, &mine, &paths);
        for (q, (symbol, _, name)) in mine.iter().zip(&expected) {
            assert!(
                q.text.contains(&format!("\\({symbol}\\)")),
                "{symbol} in {}",
                q.text
            );
            assert!(q.name.ends_with(name), "{} is not {name}", q.name);
        }
    }
}

#[test]
fn a_two_digit_index_is_written_apart() {
    let text = "input x = [1, 0, 1, 0, 1, 0, 1, 0, 1, 1]
target t = [1]
layer sigmoid W = [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]
layer identity W = [[1, 2]]
loss sum_squared
vary W1 in {-0.1, 0.1}
ask grad w2_10 1
";
    let dir = exam(text, &[]);
    let all = numerical_questions(&read(dir.path(), "moodle.xml"));
    assert_eq!(all.len(), 3);
    for q in &all {
        assert!(q.name.ends_with(": dE/dw_2,10^(1)"), "{}", q.name);
        assert!(
            q.category.ends_with("/Q1 dE//dw_2,10^(1)"),
            "{}",
            q.category
        );
        assert!(q.text.contains(r"\partial w_{2,10}^{(1)}"), "{}", q.text);
    }
    let paths = [vec!["0", "grad_W", "1", "9"]];
    for q in &all {
        check_values(dir.path(), &q.label, &[q], &paths);
    }
}

#[test]
fn the_loss_after_the_update_is_asked_and_equals_the_json() {
    // Issue 18: `ask E after` with two steps is the loss after the last one, not step 1's.
    let text = "input  x = [1, 2, 3]
target t = [0, 1]
layer sigmoid W = [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]]
layer identity W = [[1, 2], [3, 4]]
loss sum_squared
sgd lr = 0.1, steps = 2
vary W2 in {-2, -1, 1, 2}
ask E
ask E after
";
    let dir = exam(text, &[]);
    let all = numerical_questions(&read(dir.path(), "moodle.xml"));
    assert_eq!(all.len(), 6);
    for label in ["01", "02", "03"] {
        let mine: Vec<&Numerical> = all.iter().filter(|q| q.label == label).collect();
        let file = dir.path().join("exam").join(format!("variant-{label}.nn"));
        let doc = json(file.to_str().unwrap(), &[]);
        let (loss, after) = (at(&doc, &["steps", "0", "loss"]), at(&doc, &["loss_after"]));
        assert!(
            mine[0].text.contains(r"\(E\text{ in step 1}\)"),
            "{}",
            mine[0].text
        );
        assert!(
            mine[1].text.contains(r"\(E\text{ after the update}\)"),
            "{}",
            mine[1].text
        );
        assert!(
            mine[1].name.ends_with("E after the update"),
            "{}",
            mine[1].name
        );
        for (q, x) in [(mine[0], loss), (mine[1], after)] {
            let answer: f64 = q.answer.parse().unwrap();
            assert!(
                (answer - rounded(x, 4).0).abs() < 1e-12,
                "{}: {answer} for {x}",
                q.name
            );
        }
        assert!(
            (after - loss).abs() > 1e-6,
            "E after differs from step 1's E"
        );
    }
}
