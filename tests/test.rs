//! The executable, run for real: what a user types, what a user gets.
//!
//! The numbers are checked against an independent float64 implementation written here as
//! plain loops (not through the library), against finite differences of the loss, and against
//! the article's own Chainer printout.

// The reference implementation is written as index loops on purpose: it reads like the math.
#![allow(clippy::needless_range_loop)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value as Json;

mod as_printed;
mod exact;
mod exam;
mod exam14;
mod exam_asks;
mod exam_import;
mod fit;
mod formulas;
mod gradcheck;
mod headings;
mod hostile;
mod input;
mod measure;
mod output;
mod pictures;
mod pinned;
mod precise;
mod readable;
mod reference;
mod rows;
use reference::{backward, forward, sgd_step, Act, LossKind, Net};

const ARTICLE: &str = "examples/article.nn";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `backprop-tex ARGS` with `stdin`, in the crate root.
fn run_with(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_backprop-tex"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("stdin accepts the input");
    child.wait_with_output().expect("the binary finishes")
}

fn run(args: &[&str]) -> Output {
    run_with(args, b"")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn derive(file: &str, extra: &[&str]) -> String {
    let mut args = vec!["derive", file];
    args.extend_from_slice(extra);
    stdout(&run(&args))
}

fn json(file: &str, extra: &[&str]) -> Json {
    let mut args = vec!["-f", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&derive(file, &args)).expect("valid JSON")
}

fn floats(value: &Json) -> Vec<f64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

fn matrix(value: &Json) -> Vec<Vec<f64>> {
    value.as_array().expect("rows").iter().map(floats).collect()
}

fn assert_close(actual: f64, expected: f64, relative: f64, what: &str) {
    let scale = expected.abs().max(1e-300);
    assert!(
        (actual - expected).abs() <= relative * scale,
        "{what}: {actual} vs {expected} (relative {:e} > {relative:e})",
        (actual - expected).abs() / scale
    );
}

// ---------------------------------------------------------------------------------------------
// The numbers, against the independent implementation in tests/reference/.

fn article_net() -> Net {
    Net {
        acts: vec![Act::Sigmoid, Act::Identity],
        w: vec![
            vec![vec![0.1; 3], vec![0.2; 3]],
            vec![vec![1.0, 2.0], vec![3.0, 4.0]],
        ],
        b: vec![None, None],
        x: vec![vec![1.0, 2.0, 3.0]],
        t: vec![vec![0.0, 1.0]],
        loss: LossKind::SumSquared,
        lr: 0.1,
        steps: 1,
    }
}

/// `examples/deep.nn`, written out again here by hand.
fn deep_net() -> Net {
    Net {
        acts: vec![Act::Sigmoid, Act::Sigmoid, Act::Identity],
        w: vec![
            vec![vec![0.1, -0.2], vec![0.3, 0.4], vec![-0.5, 0.6]],
            vec![vec![0.2, -0.3, 0.5], vec![0.7, 0.1, -0.4]],
            vec![vec![1.0, -1.0]],
        ],
        b: vec![
            Some(vec![0.1, 0.0, -0.1]),
            Some(vec![0.0, 0.2]),
            Some(vec![0.5]),
        ],
        x: vec![vec![0.5, -1.0]],
        t: vec![vec![1.0]],
        loss: LossKind::SumSquared,
        lr: 0.5,
        steps: 2,
    }
}

/// `|actual − expected| ≤ relative·|expected| + absolute`.
fn close(actual: f64, expected: f64, relative: f64, absolute: f64) -> bool {
    (actual - expected).abs() <= relative * expected.abs() + absolute
}

/// Compares every number of the tool's JSON with the reference loops, step after step, and
/// returns how many numbers it compared.
fn compare_json_with_loops(doc: &Json, net: &Net, relative: f64) -> Result<usize, String> {
    let json_steps = doc["steps"].as_array().ok_or("no steps")?;
    if json_steps.len() != net.steps {
        return Err(format!(
            "{} steps, expected {}",
            json_steps.len(),
            net.steps
        ));
    }
    let mut net = net.clone();
    let mut compared = 0;
    for (s, step) in json_steps.iter().enumerate() {
        let pass = backward(&net);
        let next = sgd_step(&net, &pass);
        let mut check = |what: String, actual: &[f64], expected: &[f64]| -> Result<(), String> {
            if actual.len() != expected.len() {
                return Err(format!(
                    "{what}: {} values, expected {}",
                    actual.len(),
                    expected.len()
                ));
            }
            for (n, (a, e)) in actual.iter().zip(expected).enumerate() {
                if !close(*a, *e, relative, 1e-12) {
                    return Err(format!("step {} {what}[{n}]: {a} vs {e}", s + 1));
                }
                compared += 1;
            }
            Ok(())
        };
        check(
            "loss".into(),
            &[step["loss"].as_f64().ok_or("no loss")?],
            &[pass.loss],
        )?;
        for (l, layer) in step["layers"]
            .as_array()
            .ok_or("no layers")?
            .iter()
            .enumerate()
        {
            for n in 0..net.x.len() {
                for (key, expected) in [("a", &pass.a), ("z", &pass.z), ("delta", &pass.delta)] {
                    check(
                        format!("layer {} {key} of sample {n}", l + 1),
                        &floats(&layer[key][n]),
                        &expected[n][l],
                    )?;
                }
            }
            for (key, expected) in [
                ("grad_W", &pass.grad_w[l]),
                ("W", &net.w[l]),
                ("W_after", &next.w[l]),
            ] {
                check(
                    format!("layer {} {key}", l + 1),
                    &matrix(&layer[key]).concat(),
                    &expected.concat(),
                )?;
            }
            match &net.b[l] {
                Some(_) => {
                    check(
                        format!("layer {} grad_b", l + 1),
                        &floats(&layer["grad_b"]),
                        &pass.grad_b[l],
                    )?;
                    let after = next.b[l].as_ref().ok_or("no bias")?;
                    check(
                        format!("layer {} b_after", l + 1),
                        &floats(&layer["b_after"]),
                        after,
                    )?;
                }
                None if layer["b"].is_null()
                    && layer["grad_b"].is_null()
                    && layer["b_after"].is_null() => {}
                None => return Err(format!("layer {} has a bias in the JSON", l + 1)),
            }
        }
        net = next;
    }
    Ok(compared)
}

fn compare_with_loops(file: &str, net: Net, relative: f64) -> usize {
    compare_json_with_loops(&json(file, &[]), &net, relative)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Central differences of the loss, by the reference loops, against every gradient of every
/// step in the JSON; returns the largest relative difference.
fn finite_difference_check(doc: &Json, net: &Net) -> Result<f64, String> {
    let mut net = net.clone();
    let mut largest: f64 = 0.0;
    // Large enough that rounding in E (≈ 1e-16·E/h) stays far below the tolerance.
    let h = 1e-5;
    for (s, step) in doc["steps"]
        .as_array()
        .ok_or("no steps")?
        .iter()
        .enumerate()
    {
        // What rounding in E alone can do to a central difference: about ε·|E|/h.
        let rounding = 100.0 * f64::EPSILON * forward(&net).2.abs() / h;
        let loss_with = |net: &Net, edit: &dyn Fn(&mut Net, f64)| {
            let (mut plus, mut minus) = (net.clone(), net.clone());
            edit(&mut plus, h);
            edit(&mut minus, -h);
            (forward(&plus).2 - forward(&minus).2) / (2.0 * h)
        };
        for l in 0..net.w.len() {
            let layer = &step["layers"][l];
            let grad = matrix(&layer["grad_W"]);
            for i in 0..net.w[l].len() {
                for j in 0..net.w[l][i].len() {
                    let fd = loss_with(&net, &|n, d| n.w[l][i][j] += d);
                    let difference = ((grad[i][j] - fd).abs() - rounding).max(0.0)
                        / fd.abs().max(grad[i][j].abs()).max(1e-3);
                    if difference > 1e-6 {
                        return Err(format!(
                            "step {} dE/dw_{}{}^({}) = {} but FD gives {fd}",
                            s + 1,
                            i + 1,
                            j + 1,
                            l + 1,
                            grad[i][j]
                        ));
                    }
                    largest = largest.max(difference);
                }
                if net.b[l].is_some() {
                    let fd = loss_with(&net, &|n, d| n.b[l].as_mut().unwrap()[i] += d);
                    let printed = floats(&layer["grad_b"])[i];
                    let difference = ((printed - fd).abs() - rounding).max(0.0)
                        / fd.abs().max(printed.abs()).max(1e-3);
                    if difference > 1e-6 {
                        return Err(format!(
                            "step {} dE/db_{}^({}) = {printed} but FD gives {fd}",
                            s + 1,
                            i + 1,
                            l + 1
                        ));
                    }
                    largest = largest.max(difference);
                }
            }
        }
        net = sgd_step(&net, &backward(&net));
    }
    Ok(largest)
}

#[test]
fn article_numbers_match_independent_float64_loops() {
    let compared = compare_with_loops(ARTICLE, article_net(), 1e-12);
    // E; then a, z, δ (2 each), ∂E/∂W, W and W after (6 and 4 each) for the two layers.
    assert_eq!(compared, 1 + (6 + 18) + (6 + 12));
}

#[test]
fn deep_example_matches_independent_float64_loops_for_two_steps() {
    compare_with_loops("examples/deep.nn", deep_net(), 1e-12);
}

#[test]
fn article_numbers_match_the_exact_reference_values() {
    // ../shared/reference/README.md: exact float64 values for the article's network.
    let doc = json(ARTICLE, &[]);
    let step = &doc["steps"][0];
    assert_close(
        step["loss"].as_f64().unwrap(),
        10.426435926091724,
        1e-12,
        "loss",
    );
    let hidden = &step["layers"][0];
    let output = &step["layers"][1];
    assert_close(
        matrix(&hidden["grad_W"])[0][0],
        3.2523761788983805,
        1e-12,
        "dE/dw11(1)",
    );
    for (a, e) in floats(&hidden["z"][0])
        .iter()
        .zip([0.6456563062257954, 0.7685247834990178])
    {
        assert_close(*a, e, 1e-12, "z");
    }
    for (a, e) in floats(&output["z"][0])
        .iter()
        .zip([2.182705873223831, 5.0110680526734575])
    {
        assert_close(*a, e, 1e-12, "y");
    }
    let after = [
        [
            -0.22523761788983807,
            -0.5504752357796762,
            -0.8757128536695142,
        ],
        [
            -0.16307693113337685,
            -0.5261538622667536,
            -0.8892307934001307,
        ],
    ];
    for (row, expected) in matrix(&hidden["W_after"]).iter().zip(after) {
        for (a, e) in row.iter().zip(expected) {
            assert_close(*a, e, 1e-12, "W(1) after");
        }
    }
}

#[test]
fn article_numbers_match_the_chainer_printout() {
    // The article's Chainer output (float32), so agreement to about 1e-6 relative.
    let doc = json(ARTICLE, &[]);
    let step = &doc["steps"][0];
    let (hidden, output) = (&step["layers"][0], &step["layers"][1]);
    let chainer: &[(&str, Vec<f64>, Vec<f64>)] = &[
        ("a_1", floats(&hidden["a"][0]), vec![0.60000002, 1.20000005]),
        ("z", floats(&hidden["z"][0]), vec![0.64565629, 0.76852483]),
        ("a_2", floats(&output["a"][0]), vec![2.18270588, 5.01106834]),
        ("y", floats(&output["z"][0]), vec![2.18270588, 5.01106834]),
        (
            "loss",
            vec![step["loss"].as_f64().unwrap()],
            vec![10.426437377929688],
        ),
        (
            "W1 grad",
            matrix(&hidden["grad_W"]).concat(),
            vec![
                3.25237656,
                6.50475311,
                9.75712967,
                3.63076901,
                7.26153803,
                10.89230728,
            ],
        ),
        (
            "W2 grad",
            matrix(&output["grad_W"]).concat(),
            vec![1.4092778, 1.67746365, 2.58977151, 3.0826056],
        ),
        (
            "W1 after",
            matrix(&hidden["W_after"]).concat(),
            vec![
                -0.22523767,
                -0.5504753,
                -0.87571293,
                -0.16307689,
                -0.5261538,
                -0.88923079,
            ],
        ),
        (
            "W2 after",
            matrix(&output["W_after"]).concat(),
            vec![0.85907221, 1.83225369, 2.74102283, 3.69173956],
        ),
    ];
    for (what, ours, theirs) in chainer {
        assert_eq!(ours.len(), theirs.len(), "{what}");
        for (a, e) in ours.iter().zip(theirs) {
            assert_close(*a, *e, 1e-6, what);
        }
    }
}

#[test]
fn every_printed_gradient_agrees_with_finite_differences() {
    for (file, net) in [(ARTICLE, article_net()), ("examples/deep.nn", deep_net())] {
        let largest = finite_difference_check(&json(file, &[]), &net)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(largest < 1e-6, "{file}: {largest}");
    }
}

// ---------------------------------------------------------------------------------------------
// The LaTeX

/// Every number the article shows, as it shows it, except the two that it computed from
/// already-rounded values (1.410 and 0.8590), which come with `--carry rounded`.
const ARTICLE_NUMBERS_EXACT_CARRY: &[&str] = &[
    "0.6", "1.2", "0.6457", "0.7685", "2.183", "5.011", "4.011", "1.677", "2.590", "3.083",
    "0.2288", "3.252", "1.832", "2.741", "3.692", "-0.225",
];
const ARTICLE_NUMBERS_ROUNDED_CARRY: &[&str] = &["1.410", "0.8590"];
const SKIPPED_GRADIENTS: &[&str] = &["3.252", "6.505", "9.757", "3.631", "7.262", "10.89"];
const SKIPPED_UPDATES: &[&str] = &[
    "-0.2252", "-0.5505", "-0.8757", "-0.1631", "-0.5262", "-0.8892",
];

fn numbers_in(latex: &str) -> Vec<String> {
    let mut numbers = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = latex.chars().collect();
    for (n, &c) in chars.iter().enumerate() {
        let starts_negative =
            c == '-' && current.is_empty() && chars.get(n + 1).is_some_and(|d| d.is_ascii_digit());
        if c.is_ascii_digit() || (c == '.' && !current.is_empty()) || starts_negative {
            current.push(c);
        } else if !current.is_empty() {
            numbers.push(std::mem::take(&mut current));
        }
    }
    numbers.push(current);
    numbers
}

#[test]
fn latex_holds_every_number_of_the_article_and_the_five_it_skipped() {
    let latex = derive(ARTICLE, &[]);
    let numbers = numbers_in(&latex);
    let has = |n: &str| numbers.iter().any(|m| m == n);
    for n in ARTICLE_NUMBERS_EXACT_CARRY
        .iter()
        .chain(SKIPPED_GRADIENTS)
        .chain(SKIPPED_UPDATES)
    {
        assert!(
            has(n) || (*n == "-0.225" && has("-0.2252")),
            "{n} missing from the LaTeX"
        );
    }
    let rounded = derive(ARTICLE, &["--carry", "rounded"]);
    let rounded_numbers = numbers_in(&rounded);
    for n in ARTICLE_NUMBERS_ROUNDED_CARRY {
        assert!(
            rounded_numbers.iter().any(|m| m == n),
            "{n} missing with --carry rounded"
        );
        assert!(
            !has(n),
            "{n} should only appear when rounded values are carried"
        );
    }
    let three_digits = numbers_in(&derive(ARTICLE, &["--digits", "3"]));
    assert!(three_digits.iter().any(|m| m == "-0.225"));
}

#[test]
fn latex_rows_are_the_articles_eqnarray_rows() {
    let written = derive(ARTICLE, &[]);
    // `\\*` (no page break) ends each general formula; as typeset it is the article's `\\`.
    assert!(written
        .contains("a_1^{(1)}&=&w_{11}^{(1)}x_1+w_{12}^{(1)}x_2+w_{13}^{(1)}x_3\\\\*\n&=&0.1"));
    assert!(written.contains("\\cdot x_3\\\\*\n&\\approx&0.1779"));
    let latex = written.replace("\\\\*", "\\\\").replace('\n', "");
    for row in [
        r"a_1^{(1)}&=&w_{11}^{(1)}x_1+w_{12}^{(1)}x_2+w_{13}^{(1)}x_3\\&=&0.1\cdot1+0.1\cdot2+0.1\cdot3\\&=&0.6",
        r"a_2^{(1)}&=&w_{21}^{(1)}x_1+w_{22}^{(1)}x_2+w_{23}^{(1)}x_3\\&=&0.2\cdot1+0.2\cdot2+0.2\cdot3\\&=&1.2",
        r"z_1&=&h(a_1^{(1)}) = \frac{1}{1+\exp(-0.6)} \approx 0.6457",
        r"y_1&=&o(a_1^{(2)}) = a_1^{(2)} \approx 2.183",
        r"\delta_1^{(2)}&=&y_1-t_1 \approx 2.183-0 \approx 2.183",
        r"\frac{\partial E}{\partial w_{11}^{(2)}}&=&\delta_1^{(2)}z_1 \approx 2.183\cdot0.6457 \approx 1.409",
        concat!(
            r"\frac{\partial E}{\partial w_{ij}^{(1)}}&=&\frac{\partial E}{\partial a_i^{(1)}}\cdot\frac{\partial a_i^{(1)}}{\partial w_{ij}^{(1)}}\\",
            r"&=&\left(\frac{\partial E}{\partial a_1^{(2)}}\cdot\frac{\partial a_1^{(2)}}{\partial a_i^{(1)}}+\frac{\partial E}{\partial a_2^{(2)}}\cdot\frac{\partial a_2^{(2)}}{\partial a_i^{(1)}}\right)\cdot x_j\\",
            r"&=&h'(a_i^{(1)})(w_{1i}^{(2)}\delta_1^{(2)}+w_{2i}^{(2)}\delta_2^{(2)})\cdot x_j",
        ),
        r"\frac{\partial E}{\partial w_{23}^{(1)}}&=&h'(a_2^{(1)})(w_{12}^{(2)}\delta_1^{(2)}+w_{22}^{(2)}\delta_2^{(2)})\cdot x_3\\&\approx&0.1779\cdot(2\cdot2.183+4\cdot4.011)\cdot3\\&\approx&10.89",
        r"h'(a_1^{(1)})&=&h(a_1^{(1)})(1-h(a_1^{(1)})) \approx 0.6457\cdot(1-0.6457) \approx 0.2288",
        r"w_{11}^{(1)}&\leftarrow&w_{11}^{(1)}-\eta\frac{\partial E}{\partial w_{11}^{(1)}} \approx 0.1-0.1\cdot3.252 \approx -0.2252",
    ] {
        assert!(latex.contains(row), "missing row:\n{row}");
    }
    // Exact values with `=`, rounded ones with `\approx`.
    assert!(latex.contains(r"&=&0.6") && latex.contains(r"&=&1.2"));
    assert!(!latex.contains(r"\approx 0.6\\") && !latex.contains(r"= 0.6457"));
}

#[test]
fn every_gradient_and_update_of_the_first_layer_is_written() {
    let latex = derive(ARTICLE, &[]);
    for i in 1..=2 {
        for j in 1..=3 {
            let grad = format!(r"\frac{{\partial E}}{{\partial w_{{{i}{j}}}^{{(1)}}}}&=&");
            let update = format!(r"w_{{{i}{j}}}^{{(1)}}&\leftarrow&");
            assert_eq!(latex.matches(&grad).count(), 1, "{grad}");
            assert_eq!(latex.matches(&update).count(), 1, "{update}");
        }
    }
}

/// Whether `program` can run; in CI its absence fails the test instead of skipping it.
fn tex_available(program: &str) -> bool {
    tool_available(program, &["--version"])
}

/// Compiles `tex` with pdflatex in a fresh directory and returns the PDF's text.
fn pdf_text(tex: &str) -> String {
    let dir = compile_in("pdflatex", tex).unwrap_or_else(|log| panic!("pdflatex failed:\n{log}"));
    let text = Command::new("pdftotext")
        .args(["doc.pdf", "-"])
        .current_dir(dir.path())
        .output()
        .expect("pdftotext runs");
    assert!(text.status.success());
    String::from_utf8_lossy(&text.stdout).into_owned()
}

#[test]
fn every_example_compiles_with_pdflatex_and_the_article_shows_every_gradient() {
    if !tex_available("pdflatex") {
        return;
    }
    let examples = examples();
    assert!(
        examples.iter().any(|e| e == "examples/softmax.nn"),
        "the 2-3-3-2 softmax example"
    );
    for example in examples.iter().map(String::as_str) {
        let text = pdf_text(&derive(example, &["-f", "document"]));
        if example == ARTICLE {
            for n in SKIPPED_GRADIENTS.iter().chain(SKIPPED_UPDATES) {
                // pdftotext writes the minus sign as U+2212.
                let shown = n.replace('-', "\u{2212}");
                assert!(text.contains(&shown), "{n} missing from the PDF");
            }
            assert!(text.contains("Backpropagation by hand: a 3-2-2 network"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The command line

#[test]
fn reads_standard_input() {
    let text = std::fs::read(root().join(ARTICLE)).unwrap();
    let from_stdin = stdout(&run_with(&["derive", "-", "-f", "json"], &text));
    assert_eq!(from_stdin, derive(ARTICLE, &["-f", "json"]));
}

#[test]
fn writes_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("article.tex");
    let output = run(&["derive", ARTICLE, "-o", out.to_str().unwrap()]);
    assert_eq!(stdout(&output), "");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), derive(ARTICLE, &[]));
}

#[test]
fn bad_input_is_located_exits_1_and_keeps_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keep.tex");
    std::fs::write(&out, "precious").unwrap();
    let bad =
        b"input x = [1, 2]\nlayer sigmoid W = [[1, 2, 3]]\ntarget t = [0]\nloss sum_squared\n";
    let output = run_with(&["derive", "-", "-o", out.to_str().unwrap()], bad);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: W of layer 1 has 3 columns, but the input x has 2 values\n \
         --> <stdin>:2:19\n  |\n2 | layer sigmoid W = [[1, 2, 3]]\n  |                   ^^^^^^^^^^^\n"
    );
    assert!(output.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
}

#[test]
fn an_output_that_cannot_be_written_is_an_error() {
    let output = run(&["derive", ARTICLE, "-o", "/nonexistent-dir/article.tex"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .starts_with("error: cannot write /nonexistent-dir/article.tex"));
}

#[test]
fn limits_are_raisable() {
    let limited = run(&["derive", "tests/errors/limit_steps.nn", "--max-steps", "5"]);
    assert_eq!(limited.status.code(), Some(1));
    let small = b"input x = [1]\nlayer identity W = [[1]]\ntarget t = [0]\nloss sum_squared\nsgd lr = 0.1, steps = 150\n";
    assert_eq!(
        run_with(&["derive", "-", "-f", "json"], small)
            .status
            .code(),
        Some(1)
    );
    let raised = stdout(&run_with(
        &["derive", "-", "-f", "json", "--max-steps", "150"],
        small,
    ));
    let json: Json = serde_json::from_str(&raised).unwrap();
    assert_eq!(json["steps"].as_array().unwrap().len(), 150);
}

#[test]
fn missing_file_and_invalid_utf8_are_errors_not_panics() {
    let output = run(&["derive", "no/such/file.nn"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).starts_with("error: cannot read no/such/file.nn")
    );
    let output = run_with(&["derive", "-"], b"title \"\xff\"");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: <stdin> is not UTF-8 text (invalid byte at offset 7)\n"
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["derive"][..],
        &["derive", ARTICLE, "--digits", "0"],
        &["derive", ARTICLE, "-f", "pdf"],
        &["frobnicate"],
        &["check", ARTICLE, "--tolerance", "nan"],
        &["check", ARTICLE, "--tolerance", "-1"],
    ] {
        assert_eq!(run(args).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn templates_export_and_override() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    let output = run(&["templates", "export", templates.to_str().unwrap()]);
    assert!(stdout(&output).contains("chain.tex.tera"));
    // Exporting again refuses to overwrite the user's edits.
    assert_eq!(
        run(&["templates", "export", templates.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
    // The exported templates reproduce the built-in output exactly.
    let with_exported = derive(ARTICLE, &["--templates", templates.to_str().unwrap()]);
    assert_eq!(with_exported, derive(ARTICLE, &[]));
    // Overriding one file changes just that part.
    let chain = templates.join("chain.tex.tera");
    std::fs::write(&chain, "[<< chain.lhs >>]").unwrap();
    let custom = derive(ARTICLE, &["--templates", templates.to_str().unwrap()]);
    assert!(custom.contains("[a_1^{(1)}]"));
    assert!(custom.contains(r"\subsection*{Forward pass}"));
}

#[test]
fn a_broken_chain_template_fails_before_writing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let chain = "<< chain.lhs >>&<< chain.nosuch >>";
    std::fs::write(dir.path().join("chain.tex.tera"), chain).unwrap();
    let templates = dir.path().to_str().unwrap();
    let output = run(&["derive", ARTICLE, "--templates", templates]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        output.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: template chain.tex.tera:"),
        "{stderr}"
    );
    assert!(stderr.contains("nosuch"), "{stderr}");
}

#[test]
fn a_full_disk_is_reported_with_its_reason() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux
    };
    // A big output fails while the template is being written, a small one at the last flush.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.nn");
    let big = big.to_str().unwrap();
    stdout(&run(&[
        "gen",
        "--sizes",
        "50,50,50,10",
        "--seed",
        "1",
        "-o",
        big,
    ]));
    for (file, format) in [(ARTICLE, "latex"), (ARTICLE, "json"), (big, "latex")] {
        let output = Command::new(env!("CARGO_BIN_EXE_backprop-tex"))
            .args(["derive", file, "-f", format])
            .current_dir(root())
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with("error: cannot write standard output: No space left on device"),
            "{stderr}"
        );
    }
}

/// The built-in chain layout is compiled into the program; it must write exactly what
/// `chain.tex.tera` writes through Tera, which is what a user's copy of it goes through.
#[test]
fn the_compiled_chain_layout_is_chain_tex_tera() {
    let dir = tempfile::tempdir().unwrap();
    let builtin = root().join("templates/chain.tex.tera");
    std::fs::copy(builtin, dir.path().join("chain.tex.tera")).unwrap();
    let through_tera = dir.path().to_str().unwrap();
    let mut compared = 0;
    for example in examples() {
        for format in ["latex", "markdown"] {
            for env in ["eqnarray", "align"] {
                for form in ["elements", "both"] {
                    let args = ["-f", format, "--env", env, "--form", form];
                    let compiled = derive(&example, &args);
                    let mut with_template = args.to_vec();
                    with_template.extend(["--templates", through_tera]);
                    assert_eq!(
                        compiled,
                        derive(&example, &with_template),
                        "{example} {args:?}"
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared >= 40, "{compared} outputs compared");
}

#[test]
fn a_broken_user_template_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body.tex.tera"), "<% if %>").unwrap();
    let output = run(&[
        "derive",
        ARTICLE,
        "--templates",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error: template templates:"));
}

// ---------------------------------------------------------------------------------------------
// Snapshots: every example's LaTeX and JSON, reviewed line by line.

#[test]
fn snapshots_of_every_example() {
    insta::glob!("../examples", "*.nn", |path| {
        let file = path.to_str().unwrap();
        insta::assert_snapshot!("latex", derive(file, &[]));
        insta::assert_snapshot!("json", derive(file, &["-f", "json"]));
    });
}

/// The `nn` code blocks of a Markdown file.
fn nn_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```nn") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn docs_examples_all_derive() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.push(root().join("README.md"));
    let mut count = 0;
    for file in files {
        for block in nn_blocks(&std::fs::read_to_string(&file).unwrap()) {
            for format in ["latex", "json"] {
                let output = run_with(&["derive", "-", "-f", format], block.as_bytes());
                assert!(
                    output.status.success(),
                    "{}:\n{block}\n{}",
                    file.display(),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            count += 1;
        }
    }
    assert!(
        count >= 4,
        "only {count} examples found in docs/ and README.md"
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input: the catalogue of errors in tests/errors/, one file per entry.

#[test]
fn every_error_is_located_and_exits_1() {
    insta::glob!("errors/*.nn", |path| {
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        // A first line `# args: …` gives the options the entry needs (`--carry rounded`).
        let text = std::fs::read(path).unwrap();
        let options = text
            .strip_prefix(b"# args: ")
            .and_then(|rest| rest.split(|&b| b == b'\n').next())
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .unwrap_or_default();
        let mut args = vec!["derive", &relative];
        args.extend(options.split_whitespace());
        let output = run(&args);
        assert_eq!(output.status.code(), Some(1), "{relative}");
        assert!(output.stdout.is_empty(), "{relative} wrote output");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.starts_with("error: "), "{stderr}");
        let name = path.file_name().unwrap().to_str().unwrap();
        // Everything but faults in the numbers and undecodable bytes points into the file.
        if !name.starts_with("numeric") && !name.starts_with("not_utf8") {
            assert!(stderr.contains(&format!("--> {relative}:")), "{stderr}");
            assert!(stderr.contains('^'), "{stderr}");
        }
        insta::assert_snapshot!(stderr);
    });
}

/// Titles that try to make LaTeX read files, run commands or break out of the text.
const HOSTILE_TITLES: &[&str] = &[
    r"\input{/etc/passwd}",
    r"\include{/etc/hostname}",
    r"\immediate\write18{touch /tmp/backprop-tex-pwned}",
    r"\openin5=/etc/passwd \read5 to \x \x",
    r"^^5cinput{/etc/passwd}",
    r"\catcode`\@=0 @input{/etc/passwd}",
    r"}}\end{document}",
    r"{{{ unbalanced",
    r"$x$ & % # _ ~ < > | \\ \",
    "<< title >> <% include \"body.tex.tera\" %> <# comment #>",
    "tab\there",
    "ligatures: ``a'' -- b --- c ?` !` \"q\"",
];

fn nn_string(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[test]
fn hostile_titles_are_printed_literally_and_run_nothing() {
    let article = std::fs::read_to_string(root().join(ARTICLE)).unwrap();
    let body = article
        .lines()
        .filter(|l| !l.starts_with("title"))
        .collect::<Vec<_>>()
        .join("\n");
    let compile = tex_available("pdflatex");
    for title in HOSTILE_TITLES {
        let file = format!("title \"{}\"\n{body}\n", nn_string(title));
        let document = stdout(&run_with(
            &["derive", "-", "-f", "document"],
            file.as_bytes(),
        ));
        // The title is never template code and never a control sequence of its own.
        for dangerous in [
            r"\input{",
            r"\include{",
            r"\write18",
            r"\openin",
            r"\catcode",
            "^^5c",
        ] {
            assert!(
                !document.contains(dangerous),
                "{title}: {dangerous} reached the LaTeX"
            );
        }
        let markdown_safe = stdout(&run_with(&["derive", "-", "-f", "json"], file.as_bytes()));
        let json: Json = serde_json::from_str(&markdown_safe).unwrap();
        assert_eq!(
            json["title"], **title,
            "the JSON keeps the title as written"
        );
        if compile {
            let text = pdf_text(&document);
            let expected = normalize_pdf_text(title);
            let shown = normalize_pdf_text(&text);
            assert!(
                shown.starts_with(&expected),
                "{title}: the PDF starts with\n{}",
                &shown[..shown.len().min(200)]
            );
        }
    }
    assert!(!Path::new("/tmp/backprop-tex-pwned").exists());
}

/// pdftotext writes a few characters of the Computer Modern fonts its own way, and breaks
/// lines where it likes; compare with whitespace collapsed.
fn normalize_pdf_text(text: &str) -> String {
    text.replace('\u{2212}', "-")
        .replace('\u{2013}', "--")
        .replace('\u{2c6}', "^")
        .replace('\u{2dc}', "~")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------------
// Token soup: whatever the text, the pipeline answers with output or an error, never a panic.

const VOCABULARY: &[&str] = &[
    "title",
    "input",
    "target",
    "layer",
    "loss",
    "sgd",
    "x",
    "t",
    "W",
    "b",
    "lr",
    "steps",
    "sigmoid",
    "identity",
    "sum_squared",
    "softmax",
    "foo",
    "=",
    "[",
    "]",
    ",",
    "[[",
    "]]",
    "0",
    "1",
    "-1",
    "0.5",
    "-0.25",
    "1e3",
    "1e-30",
    "1e37",
    "1e40",
    "3.14159265358979323846264",
    "\"a title\"",
    "\"\\\"\"",
    "\"手計算\"",
    "\"",
    "\\",
    "# comment\n",
    "\n",
    "\t",
    "é",
    "^^5c",
];

fn soup(tokens: &[usize], glue: &[bool]) -> String {
    let mut text = String::new();
    for (n, &token) in tokens.iter().enumerate() {
        text.push_str(VOCABULARY[token % VOCABULARY.len()]);
        if glue.get(n).copied().unwrap_or(true) {
            text.push(' ');
        }
    }
    text
}

fn never_panics(text: &str) {
    use backprop_tex::{derive_text, render::Format, Settings};
    for format in [Format::Json, Format::Latex, Format::Document] {
        let settings = Settings {
            format,
            ..Settings::default()
        };
        if let Ok(output) = derive_text(text, &settings) {
            assert!(!output.contains("NaN"), "{text}");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    #[test]
    fn token_soup_never_panics(
        tokens in proptest::collection::vec(0usize..VOCABULARY.len(), 0..60),
        glue in proptest::collection::vec(proptest::bool::ANY, 0..60),
    ) {
        never_panics(&soup(&tokens, &glue));
    }

    /// The article with tokens deleted, repeated or replaced: mostly almost valid files.
    #[test]
    fn mutated_article_never_panics(
        edits in proptest::collection::vec((0usize..200, 0u8..3, 0usize..VOCABULARY.len()), 1..6),
    ) {
        let article = std::fs::read_to_string(root().join(ARTICLE)).unwrap();
        let mut tokens: Vec<String> = article.split_whitespace().map(str::to_string).collect();
        for (at, kind, token) in edits {
            let at = at % tokens.len().max(1);
            match kind {
                0 if !tokens.is_empty() => { tokens.remove(at); }
                1 if !tokens.is_empty() => { let copy = tokens[at].clone(); tokens.insert(at, copy); }
                _ => tokens.insert(at, VOCABULARY[token].to_string()),
            }
        }
        never_panics(&tokens.join(" "));
    }
}

// ---------------------------------------------------------------------------------------------
// Random networks: every activation, every loss, biases or not, 1–3 samples, 1–3 steps.

fn derive_json_in_process(text: &str) -> Result<Json, String> {
    use backprop_tex::{derive_text, render::Format, Settings};
    let settings = Settings {
        format: Format::Json,
        ..Settings::default()
    };
    let output = derive_text(text, &settings).map_err(|e| e.to_string())?;
    serde_json::from_str(&output).map_err(|e| e.to_string())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    #[test]
    fn random_networks_match_the_reference_and_finite_differences(seed in proptest::prelude::any::<u64>()) {
        let net = reference::random_net(seed);
        // A diverging draw (a learning rate too large for it) overflows the reference too.
        proptest::prop_assume!(reference::stays_finite(&net));
        // At a relu kink (a pre-activation of exactly 0, which decimals make common) the
        // derivative depends on the last bit of a float sum, and finite differences straddle
        // the kink; such draws are left to the unit tests of the kink convention.
        let mut step_net = net.clone();
        let mut kinked = false;
        for _ in 0..net.steps {
            kinked |= reference::near_kink(&step_net, 1e-3);
            step_net = sgd_step(&step_net, &backward(&step_net));
        }
        proptest::prop_assume!(!kinked);
        let text = reference::to_nn(&net);
        let doc = derive_json_in_process(&text).map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}\n{text}")))?;
        compare_json_with_loops(&doc, &net, 1e-9).map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}\n{text}")))?;
        finite_difference_check(&doc, &net).map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}\n{text}")))?;
    }
}

#[test]
fn random_networks_cover_every_activation_and_loss() {
    // The generator's reach, so that the property above is known to exercise everything.
    let mut acts = std::collections::BTreeSet::new();
    let mut losses = std::collections::BTreeSet::new();
    let (mut biased, mut samples, mut steps) = (false, 0, 0);
    for seed in 0..300 {
        let net = reference::random_net(seed);
        acts.extend(net.acts.iter().map(|a| a.name()));
        losses.insert(net.loss.name());
        biased |= net.b.iter().any(Option::is_some);
        samples = samples.max(net.x.len());
        steps = steps.max(net.steps);
    }
    assert_eq!(acts.len(), 7, "{acts:?}");
    assert_eq!(losses.len(), 4, "{losses:?}");
    assert!(biased && samples == 3 && steps == 3);
}

// ---------------------------------------------------------------------------------------------
// Custom functions: derived symbolically, checked by finite differences.

/// A 2-2-1 network with a custom hidden activation `h` and a custom loss `loss`.
fn custom_network(activation: &str, loss: &str) -> String {
    format!(
        "activation h(a) = {activation}\ninput x = [[0.5, -1], [1, 0.25]]\ntarget t = [[0.3], [-0.2]]\n\
         layer h W = [[0.4, -0.3], [0.2, 0.5]] b = [0.1, -0.1]\nlayer identity W = [[0.6, -0.7]]\n\
         loss {loss}\nsgd lr = 0.1, steps = 2\n"
    )
}

fn custom_loss_of(
    net_text: &str,
    h: &dyn Fn(f64) -> f64,
    element: &dyn Fn(f64, f64) -> f64,
    w: &[Vec<Vec<f64>>],
    b: &[f64],
) -> f64 {
    let _ = net_text;
    let x = [[0.5, -1.0], [1.0, 0.25]];
    let t = [0.3, -0.2];
    let mut e = 0.0;
    for n in 0..2 {
        let z: Vec<f64> = (0..2)
            .map(|i| h(w[0][i][0] * x[n][0] + w[0][i][1] * x[n][1] + b[i]))
            .collect();
        let y = w[1][0][0] * z[0] + w[1][0][1] * z[1];
        e += element(y, t[n]);
    }
    e
}

#[test]
fn custom_functions_match_finite_differences() {
    type Scalar = fn(f64) -> f64;
    type Element = fn(f64, f64) -> f64;
    let activations: [(&str, Scalar); 3] = [
        ("a / (1 + exp(-a))", |a| a / (1.0 + (-a).exp())),
        ("a^3 - 2*a", |a| a.powi(3) - 2.0 * a),
        ("exp(-a^2)", |a| (-a * a).exp()),
    ];
    let losses: [(&str, Element); 2] = [
        ("(y, t) = (y - t)^4 / 4", |y, t| (y - t).powi(4) / 4.0),
        ("(y, t) = (y - t)^2 / 2", |y, t| (y - t).powi(2) / 2.0),
    ];
    for (activation, h) in activations {
        for (loss, element) in losses {
            let text = custom_network(activation, loss);
            let doc = derive_json_in_process(&text).unwrap();
            for step in doc["steps"].as_array().unwrap() {
                let w: Vec<Vec<Vec<f64>>> =
                    (0..2).map(|l| matrix(&step["layers"][l]["W"])).collect();
                let b = floats(&step["layers"][0]["b"]);
                let grads: Vec<Vec<Vec<f64>>> = (0..2)
                    .map(|l| matrix(&step["layers"][l]["grad_W"]))
                    .collect();
                for l in 0..2 {
                    for i in 0..w[l].len() {
                        for j in 0..w[l][i].len() {
                            let step_h = 1e-6;
                            let (mut plus, mut minus) = (w.clone(), w.clone());
                            plus[l][i][j] += step_h;
                            minus[l][i][j] -= step_h;
                            let fd = (custom_loss_of(&text, &h, &element, &plus, &b)
                                - custom_loss_of(&text, &h, &element, &minus, &b))
                                / (2.0 * step_h);
                            let printed = grads[l][i][j];
                            assert!(
                                (printed - fd).abs() <= 1e-6 * fd.abs().max(1e-3),
                                "{activation} / {loss}: dE/dw_{}{}^({}) = {printed}, FD {fd}",
                                i + 1,
                                j + 1,
                                l + 1
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn custom_derivatives_are_stated_once_and_readable() {
    let latex = stdout(&run_with(
        &["derive", "-"],
        custom_network("a / (1 + exp(-a))", "(y, t) = (y - t)^4 / 4").as_bytes(),
    ));
    assert_eq!(latex.matches("h'(a)&=&").count(), 1);
    assert!(
        latex.contains(r"h'(a)&=&\frac{1+\exp(-a)+a\exp(-a)}{(1+\exp(-a))^2}"),
        "{latex}"
    );
    assert!(latex.contains(r"&=&(y_{n,i}-t_{n,i})^3"), "{latex}");
    let cubic = stdout(&run_with(
        &["derive", "-"],
        custom_network("a^3 - 2*a", "(y, t) = (y - t)^2 / 2").as_bytes(),
    ));
    assert!(cubic.contains(r"h'(a)&=&3a^2-2"), "{cubic}");
    let bump = stdout(&run_with(
        &["derive", "-"],
        custom_network("exp(-a^2)", "(y, t) = (y - t)^2 / 2").as_bytes(),
    ));
    assert!(bump.contains(r"h'(a)&=&-2a\exp(-a^2)"), "{bump}");
    for text in [&latex, &cubic, &bump] {
        for bad in ["0\\cdot", "1\\cdot a", "^1", "--"] {
            assert!(!text.contains(&format!("h'(a)&=&{bad}")), "{bad}");
        }
    }
}

#[test]
fn check_confirms_every_example_by_finite_differences() {
    for example in [
        "examples/article.nn",
        "examples/deep.nn",
        "examples/softmax.nn",
        "examples/custom.nn",
    ] {
        let out = stdout(&run(&["check", example]));
        assert!(
            out.starts_with(&format!("{example}: the file is valid")),
            "{out}"
        );
        for line in out.lines().skip(1) {
            let largest: f64 = line
                .split("largest relative difference ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{line}"));
            assert!(largest < 1e-6, "{example}: {line}");
        }
    }
    let article = stdout(&run(&["check", ARTICLE]));
    assert!(
        article.contains("layer 2: 4 gradients") && article.contains("layer 1: 6 gradients"),
        "{article}"
    );
    // A tolerance of 0 leaves only the finite differences' own error bound, which the
    // article's exact gradients are within (wrong ones fail: see gradcheck's unit tests).
    let strict = run(&["check", ARTICLE, "--tolerance", "0"]);
    assert_eq!(
        strict.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&strict.stderr)
    );
    // Bad input is located, like derive's.
    let bad = run_with(
        &["check", "-"],
        b"input x = [1]\nlayer identity W = [[1, 2]]\ntarget t = [0]\nloss sum_squared\n",
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--> <stdin>:2:"));
}

// ---------------------------------------------------------------------------------------------
// Edge cases found in review.

#[test]
fn extreme_numbers_in_formulas_end_in_output_or_an_error_never_a_panic() {
    for file in [
        "activation f(a) = a^(-9223372036854775808)\ninput x = [1]\nlayer f W = [[1]]\ntarget t = [0]\nloss sum_squared\n",
        "activation f(a) = a * 1^999999999999999\ninput x = [1]\nlayer f W = [[1]]\ntarget t = [0]\nloss sum_squared\n",
        "activation f(a) = a * 9223372036854775808 * (-18446744073709551616)\ninput x = [1]\nlayer f W = [[1]]\ntarget t = [0]\nloss sum_squared\n",
        "input x = [18446744073709551616]\nlayer identity W = [[-9223372036854775808]]\ntarget t = [0]\nloss (y, t) = y / (-1)\n",
        "input x = [18446744073709551616]\nlayer identity W = [[-9223372036854775808]]\ntarget t = [0]\nloss (y, t) = -y + 1\n",
    ] {
        let output = run_with(&["derive", "-", "-f", "json"], file.as_bytes());
        assert!(matches!(output.status.code(), Some(0 | 1)), "{file}\n{}", String::from_utf8_lossy(&output.stderr));
    }
    // −(−2^63 · 2^64) + 1 = 2^127 + 1: the sign must survive.
    let file = b"input x = [18446744073709551616]\nlayer identity W = [[-9223372036854775808]]\ntarget t = [0]\nloss (y, t) = -y + 1\n";
    let json: Json =
        serde_json::from_str(&stdout(&run_with(&["derive", "-", "-f", "json"], file))).unwrap();
    assert!(json["steps"][0]["loss"].as_f64().unwrap() > 1e38);
}

#[test]
fn whole_numbers_stay_exact_and_fractions_read_right() {
    let latex = stdout(&run_with(
        &["derive", "-"],
        b"input x = [20000]\nlayer identity W = [[2]]\ntarget t = [0]\nloss sum_squared\n",
    ));
    assert!(
        latex.contains(r"&=&2\cdot20000\\") && latex.contains(r"&=&40000"),
        "{latex}"
    );
    let mean = stdout(&run_with(
        &["derive", "-"],
        b"input x = [1]\nlayer identity W = [[0.5], [1], [2]]\ntarget t = [0, 0, 0]\nloss mean_squared\n",
    ));
    assert!(mean.contains(r"\frac{2}{3}(y_i-t_i)"), "{mean}");
    assert!(!mean.contains(r"2\frac"), "{mean}");
}

#[test]
fn a_first_layer_bias_in_the_articles_layout_shows_its_delta() {
    let latex = stdout(&run_with(
        &["derive", "-"],
        b"input x = [1, 2]\nlayer sigmoid W = [[0.1, 0.2], [0.3, 0.4]] b = [0.5, -0.5]\nlayer identity W = [[1, 2]]\ntarget t = [1]\nloss sum_squared\n",
    ));
    let bias_row = latex
        .lines()
        .find(|l| l.starts_with(r"\frac{\partial E}{\partial b_1^{(1)}}&=&"))
        .expect("a bias row");
    assert!(
        bias_row.contains("h'(a_1^{(1)})w_{11}^{(2)}\\delta_1^{(2)}"),
        "{bias_row}"
    );
    assert!(
        !latex.contains(r"\delta_1^{(1)}"),
        "δ^(1) is never shown in this layout"
    );
}

#[test]
fn underscored_activations_and_wide_layers_compile() {
    if !tex_available("pdflatex") {
        return;
    }
    let inputs = ["0.5"; 11].join(", ");
    let weights = ["0.1"; 11].join(", ");
    let file = format!(
        "title \"leaky_relu, 11 inputs\"\ninput x = [{inputs}]\nlayer leaky_relu W = [[{weights}], [{weights}]]\nlayer identity W = [[1, -1]]\ntarget t = [0]\nloss sum_squared\n"
    );
    let text = pdf_text(&stdout(&run_with(
        &["derive", "-", "-f", "document"],
        file.as_bytes(),
    )));
    assert!(text.contains("leaky ReLU function"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Publishable output: Markdown that KaTeX renders, documents in every language, environment
// and form that compile.

/// The math of a Markdown file: display blocks (between the flavor's fences) and `$…$`.
fn markdown_math(markdown: &str, open: &str, close: &str) -> Vec<(String, bool)> {
    let mut math = Vec::new();
    let mut block: Option<String> = None;
    for line in markdown.lines() {
        match &mut block {
            Some(body) if line == close => {
                math.push((std::mem::take(body), true));
                block = None;
            }
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
            None if line == open => block = Some(String::new()),
            None => {
                let chars: Vec<char> = line.chars().collect();
                let mut start: Option<usize> = None;
                for (n, &c) in chars.iter().enumerate() {
                    if c == '$' && (n == 0 || chars[n - 1] != '\\') {
                        match start.take() {
                            Some(s) => math.push((chars[s + 1..n].iter().collect(), false)),
                            None => start = Some(n),
                        }
                    }
                }
                assert!(start.is_none(), "an unclosed $ in: {line}");
            }
        }
    }
    assert!(block.is_none(), "an unclosed math block");
    math
}

fn tool_available(program: &str, args: &[&str]) -> bool {
    let found = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is required in CI, but it is not available"
        );
        eprintln!("skipping: {program} is not available (CI installs it; see .ci/run)");
    }
    found
}

fn examples() -> Vec<String> {
    let mut examples: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| format!("examples/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|name| name.ends_with(".nn"))
        .collect();
    examples.sort();
    examples
}

#[test]
fn every_markdown_flavor_of_every_example_renders_with_katex() {
    let katex = root().join("tests/katex/node_modules/katex");
    if !tool_available("node", &["--version"]) {
        return;
    }
    if !katex.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "KaTeX is required in CI: npm install --prefix tests/katex"
        );
        eprintln!("skipping: KaTeX is not installed (npm install --prefix tests/katex)");
        return;
    }
    let mut expressions: Vec<Json> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for example in examples() {
        for (flavor, open, close) in [
            ("qiita", "```math", "```"),
            ("zenn", "$$", "$$"),
            ("github", "$$", "$$"),
        ] {
            for lang in ["en", "ja"] {
                for form in ["elements", "both"] {
                    let markdown = derive(
                        &example,
                        &[
                            "-f", "markdown", "--flavor", flavor, "--lang", lang, "--form", form,
                        ],
                    );
                    assert!(
                        !markdown.contains("eqnarray"),
                        "{example}: KaTeX has no eqnarray"
                    );
                    let math = markdown_math(&markdown, open, close);
                    assert!(
                        math.len() > 10,
                        "{example} {flavor}: only {} math expressions",
                        math.len()
                    );
                    for (expression, display) in math {
                        if seen.insert((expression.clone(), display)) {
                            expressions
                                .push(serde_json::json!({"math": expression, "display": display}));
                        }
                    }
                }
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("math.json");
    std::fs::write(&list, serde_json::to_string(&expressions).unwrap()).unwrap();
    let output = Command::new("node")
        .arg(root().join("tests/katex/check.js"))
        .arg(&list)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("KaTeX: {}", String::from_utf8_lossy(&output.stdout).trim());
}

/// Compiles `tex` (as `doc.tex`) with `engine` in a fresh directory, which holds `doc.pdf`
/// afterwards; the first lines of the error from the log on failure.
fn compile_in(engine: &str, tex: &str) -> Result<tempfile::TempDir, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("doc.tex"), tex).map_err(|e| e.to_string())?;
    let output = Command::new(engine)
        .args([
            "-halt-on-error",
            "-interaction=nonstopmode",
            "-no-shell-escape",
            "doc.tex",
        ])
        .current_dir(dir.path())
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        return Ok(dir);
    }
    let log = String::from_utf8_lossy(&output.stdout);
    let error = log
        .lines()
        .skip_while(|l| !l.starts_with('!'))
        .take(8)
        .collect::<Vec<_>>()
        .join("\n");
    Err(error)
}

/// Whether `tex` compiles with `engine`; the log on failure.
fn compiles(engine: &str, tex: &str) -> Result<(), String> {
    compile_in(engine, tex).map(drop)
}

#[test]
fn every_example_compiles_in_both_languages_environments_and_forms() {
    if !tex_available("pdflatex") || !tool_available("lualatex", &["--version"]) {
        return;
    }
    let mut jobs = Vec::new();
    for example in examples() {
        for env in ["eqnarray", "align"] {
            for form in ["elements", "matrix", "both"] {
                jobs.push(("pdflatex", "en", example.clone(), env, form));
                jobs.push(("lualatex", "ja", example.clone(), env, form));
            }
        }
    }
    // Two at a time: lualatex with luatexja takes seconds per document.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let chunks: Vec<Vec<_>> = jobs
            .chunks(jobs.len().div_ceil(2))
            .map(|c| c.to_vec())
            .collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for (engine, lang, example, env, form) in chunk {
                        let tex = derive(
                            &example,
                            &[
                                "-f", "document", "--lang", lang, "--env", env, "--form", form,
                            ],
                        );
                        if let Err(log) = compiles(engine, &tex) {
                            failures
                                .push(format!("{example} {lang} {env} {form} ({engine}):\n{log}"));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn japanese_headings_follow_the_article() {
    let latex = derive(ARTICLE, &["--lang", "ja"]);
    for heading in [
        "ニューラルネットワークの構造",
        "数式表現",
        "順伝播",
        "逆伝播",
        "確率的勾配降下法による学習",
    ] {
        assert!(
            latex.contains(&format!("\\subsection*{{{heading}}}")),
            "{heading}"
        );
    }
    let markdown = derive(
        ARTICLE,
        &["-f", "markdown", "--lang", "ja", "--flavor", "zenn"],
    );
    assert!(
        markdown.contains("## 順伝播") && markdown.contains("\n$$\n\\begin{aligned}"),
        "{markdown}"
    );
    let document = derive(ARTICLE, &["-f", "document", "--lang", "ja"]);
    assert!(document.contains("{ltjsarticle}"));
}

#[test]
fn the_diagram_and_its_absence() {
    let with = derive(ARTICLE, &["-f", "document"]);
    assert!(
        with.contains(r"\begin{tikzpicture}") && with.contains(r"{$z_{1}$\\$0.6457$}"),
        "{with}"
    );
    assert!(with.contains(r"node[weight,pos=0.2] {$0.1$}"));
    let without = derive(ARTICLE, &["-f", "document", "--no-diagram"]);
    assert!(!without.contains("tikz"));
}

#[test]
fn a_custom_template_makes_beamer_slides() {
    // The worked example of docs/templates.md, taken from the page itself.
    let page = std::fs::read_to_string(root().join("docs/templates.md")).unwrap();
    let template = page
        .split("```tera\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the example");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("document.tex.tera"), template).unwrap();
    let slides = derive(
        ARTICLE,
        &[
            "-f",
            "document",
            "--templates",
            dir.path().to_str().unwrap(),
        ],
    );
    assert!(slides.starts_with(r"\documentclass{beamer}"), "{slides}");
    assert_eq!(slides.matches(r"\begin{frame}").count(), 2);
    if tex_available("pdflatex") {
        compiles("pdflatex", &slides).unwrap_or_else(|log| panic!("{log}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Exams.

fn exam(dir: &Path, seed: &str, variants: &str) {
    let output = run(&[
        "exam",
        "examples/exam.nn",
        "--variants",
        variants,
        "--seed",
        seed,
        "-o",
        dir.to_str().unwrap(),
    ]);
    stdout(&output);
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn an_exam_writes_questions_answers_moodle_and_every_variant() {
    let dir = tempfile::tempdir().unwrap();
    exam(dir.path(), "7", "12");
    // Every variant-NN.json is what `derive variant-NN.nn -f json` writes.
    for n in 1..=12 {
        let nn = format!("variant-{n:02}.nn");
        let json = read(dir.path(), &format!("variant-{n:02}.json"));
        let path = dir.path().join(&nn);
        assert_eq!(
            derive(path.to_str().unwrap(), &["-f", "json"]),
            json,
            "{nn}"
        );
        assert!(read(dir.path(), &nn).contains(&format!("(variant {n:02})")));
    }
    // Moodle: well-formed, and every question has its parts.
    let xml = read(dir.path(), "moodle.xml");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let questions: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("question") && n.attribute("type") != Some("category"))
        .collect();
    // E, six first-layer gradients and four updated weights, in each of 12 variants.
    assert_eq!(questions.len(), 12 * 11);
    for q in &questions {
        assert_eq!(q.attribute("type"), Some("numerical"));
        let child = |name: &str| {
            q.children()
                .find(|c| c.has_tag_name(name))
                .unwrap_or_else(|| panic!("no {name}"))
        };
        assert!(!child("name")
            .descendants()
            .find(|n| n.has_tag_name("text"))
            .unwrap()
            .text()
            .unwrap()
            .is_empty());
        assert!(child("questiontext")
            .descendants()
            .any(|n| n.text().is_some_and(|t| t.contains("compute"))));
        assert!(child("generalfeedback")
            .descendants()
            .any(|n| n.text().is_some_and(|t| t.contains("\\["))));
        let answer = child("answer");
        assert_eq!(answer.attribute("fraction"), Some("100"));
        let value: f64 = answer
            .children()
            .find(|c| c.has_tag_name("text"))
            .unwrap()
            .text()
            .unwrap()
            .parse()
            .unwrap();
        let tolerance: f64 = answer
            .children()
            .find(|c| c.has_tag_name("tolerance"))
            .unwrap()
            .text()
            .unwrap()
            .parse()
            .unwrap();
        assert!(value.is_finite() && tolerance > 0.0 && tolerance < value.abs().max(1e-3));
    }
    // The sheets compile.
    if tex_available("pdflatex") {
        for name in ["questions.tex", "answers.tex"] {
            compiles("pdflatex", &read(dir.path(), name))
                .unwrap_or_else(|log| panic!("{name}: {log}"));
        }
    }
    let questions_tex = read(dir.path(), "questions.tex");
    assert_eq!(questions_tex.matches(r"\section*{Problem").count(), 12);
    assert!(
        !questions_tex.contains("0.6457"),
        "the question sheet must not give answers away"
    );
    assert!(read(dir.path(), "answers.tex").contains("carried at full precision"));
}

#[test]
fn the_same_seed_gives_the_same_files_and_another_seed_other_numbers() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    exam(a.path(), "42", "80");
    exam(b.path(), "42", "80");
    exam(c.path(), "43", "80");
    let mut names: Vec<String> = std::fs::read_dir(a.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4 + 2 * 80);
    for name in &names {
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
    assert_ne!(read(a.path(), "moodle.xml"), read(c.path(), "moodle.xml"));
    assert_ne!(
        read(a.path(), "variant-01.nn"),
        read(c.path(), "variant-01.nn")
    );
}

#[test]
fn drawn_variants_are_workable_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    exam(dir.path(), "3", "40");
    for n in 1..=40 {
        let json: Json =
            serde_json::from_str(&read(dir.path(), &format!("variant-{n:02}.json"))).unwrap();
        let hidden = floats(&json["steps"][0]["layers"][0]["a"][0]);
        assert!(
            hidden.iter().all(|a| a.abs() <= 4.0),
            "variant {n}: a sigmoid input beyond ±4: {hidden:?}"
        );
        let grads = matrix(&json["steps"][0]["layers"][0]["grad_W"]).concat();
        assert!(
            grads.iter().all(|g| g.abs() >= 1e-4),
            "variant {n}: a gradient that rounds to 0"
        );
    }
}

#[test]
fn an_exam_without_vary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&[
        "exam",
        ARTICLE,
        "--variants",
        "3",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`vary`"));
}
