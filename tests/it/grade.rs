//! `grade`: a student's hand calculation marked answer by answer — correct at the digits
//! written, follows (error carried forward) or wrong — against the article's own numbers,
//! sheets built by an independent reference with planted errors, and hostile answer files.

mod student;

use std::path::Path;

use serde_json::Value as Json;

use crate::numbers::reference::{self, random_net};
use crate::support::{self, run, ARTICLE};
use student::{round4, sheet, written, Plant};

/// The article's numbers as the article writes them (2.183, 4.011, 1.410, 3.252, −0.225 …).
const ARTICLE_ANSWERS: &str = "\
# the article's hand calculation, digit for digit
a_1^(1) = 0.6
a_2^(1) = 1.2
z_1 = 0.6457
z_2 = 0.7685
a_1^(2) = 2.183
a_2^(2) = 5.011
y_1 = 2.183
y_2 = 5.011
delta_1^(2) = 2.183
delta_2^(2) = 4.011
dE/dw_11^(2) = 1.410
dE/dw_12^(2) = 1.677
dE/dw_21^(2) = 2.590
dE/dw_22^(2) = 3.083
h'(a_1^(1)) = 0.2288
dE/dw_11^(1) = 3.252
w_11^(2) after = 0.8590
w_12^(2) after = 1.832
w_21^(2) after = 2.741
w_22^(2) after = 3.692
w_11^(1) after = −0.225
";

/// `text` as a file in a fresh directory.
fn file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `grade NN ANSWERS --format json EXTRA`: the exit status and the report.
fn graded(nn: &str, answers: &str, extra: &[&str]) -> (i32, Json) {
    let mut args = vec!["grade", nn, answers, "--format", "json"];
    args.extend_from_slice(extra);
    let output = run(&args);
    let code = output.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(code == 0 || code == 3, "exit {code}: {stderr}");
    (code, serde_json::from_slice(&output.stdout).expect("JSON"))
}

/// Each answer's name and verdict.
fn verdicts(report: &Json) -> Vec<(String, String)> {
    report["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_articles_own_numbers_are_all_correct_and_1_410_is_wrong_carrying_exact_values() {
    let dir = tempfile::tempdir().unwrap();
    let answers = file(dir.path(), "article.txt", ARTICLE_ANSWERS);
    let (code, report) = graded(ARTICLE, &answers, &[]);
    assert_eq!(code, 0);
    let all = verdicts(&report);
    assert_eq!(all.len(), 21);
    assert!(all.iter().all(|(_, v)| v == "correct"), "{all:?}");

    // 2.18274… · 0.64565… = 1.4093 is 1.409; only 2.183 · 0.6457 gives 1.410.
    let (code, report) = graded(ARTICLE, &answers, &["--carry", "exact"]);
    assert_eq!(code, 3);
    let wrong: Vec<String> = verdicts(&report)
        .into_iter()
        .filter(|(_, v)| v == "wrong")
        .map(|(n, _)| n)
        .collect();
    assert_eq!(wrong, ["dE/dw_11^(2)"]);
    let eleven = &report["answers"].as_array().unwrap()[11];
    assert_eq!(
        (eleven["given"].as_str(), eleven["expected"].as_str()),
        (Some("1.410"), Some("1.409"))
    );
    // The update computed from it follows from it.
    let update = verdicts(&report)
        .into_iter()
        .find(|(n, _)| n == "w_11^(2) after")
        .unwrap();
    assert_eq!(update.1, "follows");
}

/// Writes `net`'s sheet with `plant`, grades it carrying exact values, and asserts every
/// verdict: the planted answer wrong, each answer whose four digits are the true value's
/// correct, every other one follows — but one a unit of its last digit from the true value,
/// which may be wrong too: the planted error moved it by less than the rounding, so that the
/// student's numbers it comes from may all be correct as written, and then it is the article's
/// 1.410 under `--carry exact`. Returns how many answers were such.
fn assert_sheet(
    seed: u64,
    net: &reference::Net,
    plant: Plant,
    keep: impl Fn(usize) -> bool,
) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let nn = file(dir.path(), "net.nn", &reference::to_nn(net));
    let (truth, _) = sheet(net, Plant::None);
    let (lines, planted) = sheet(net, plant);
    let planted = planted.expect("the plant is in step 1");
    let mut text = String::from("# a generated sheet\n");
    let mut expected = Vec::new();
    for (k, (line, true_line)) in lines.iter().zip(&truth).enumerate() {
        assert_eq!(line.name, true_line.name);
        if !keep(k) && line.name != planted {
            continue;
        }
        text.push_str(&format!("{} = {}\n", line.name, written(line.value)));
        let verdict = if line.name == planted {
            "wrong"
        } else if written(line.value) == written(true_line.value) {
            "correct"
        } else if units_apart(line.value, true_line.value) <= 1.0 {
            "follows or wrong"
        } else {
            "follows"
        };
        expected.push((line.name.clone(), verdict.to_string()));
    }
    // Any order.
    if seed % 2 == 1 {
        let mut rows: Vec<&str> = text.lines().collect();
        rows.reverse();
        text = rows.join("\n");
    }
    let answers = file(dir.path(), "answers.txt", &text);
    let (code, report) = graded(&nn, &answers, &["--carry", "exact"]);
    let mut got = verdicts(&report);
    got.sort();
    expected.sort();
    let mut near = 0;
    for (g, e) in got.iter().zip(&expected) {
        let allowed: Vec<&str> = e.1.split(" or ").collect();
        near += usize::from(allowed.len() > 1);
        assert!(
            g.0 == e.0 && allowed.contains(&g.1.as_str()),
            "seed {seed}, {plant:?}: {g:?} but {e:?}\n{}\n{text}",
            reference::to_nn(net)
        );
    }
    assert_eq!(got.len(), expected.len(), "seed {seed}");
    assert_eq!(code, 3, "seed {seed}: a planted error is never all correct");
    let wrong: Vec<&String> = got
        .iter()
        .zip(&expected)
        .filter(|(g, e)| g.1 == "wrong" && e.1 == "wrong")
        .map(|(g, _)| &g.0)
        .collect();
    assert_eq!(
        wrong,
        [&planted],
        "seed {seed}: the planted answer is wrong"
    );
    near
}

/// How many units of the last of four digits `a` is from `b`.
fn units_apart(a: f64, b: f64) -> f64 {
    let (a, b) = (round4(a), round4(b));
    let unit = 10f64.powi(a.abs().max(b.abs()).log10().floor() as i32 - 3);
    ((a - b) / unit).abs()
}

#[test]
fn one_wrong_delta_carried_through_gives_one_wrong_and_the_rest_follow() {
    // The article's network, δ_2^(2)… planted as δ_1^(2) = 2.813 (the digits swapped).
    let net = reference::Net {
        acts: vec![reference::Act::Sigmoid, reference::Act::Identity],
        w: vec![
            vec![vec![0.1, 0.1, 0.1], vec![0.2, 0.2, 0.2]],
            vec![vec![1.0, 2.0], vec![3.0, 4.0]],
        ],
        b: vec![None, None],
        x: vec![vec![1.0, 2.0, 3.0]],
        t: vec![vec![0.0, 1.0]],
        loss: reference::LossKind::SumSquared,
        lr: 0.1,
        steps: 1,
    };
    assert_sheet(0, &net, Plant::OutputDelta(2.813), |_| true);
    let (lines, _) = sheet(&net, Plant::OutputDelta(2.813));
    let after: Vec<&str> = lines
        .iter()
        .skip_while(|l| l.name != "delta_1^(2)")
        .map(|l| l.name.as_str())
        .collect();
    assert!(after.contains(&"dE/dw_11^(1)") && after.contains(&"w_12^(2) after"));
}

#[test]
fn one_slip_in_a_single_gradient_is_the_only_wrong_answer() {
    let net = random_net(7);
    let slip = round4(
        sheet(&net, Plant::None)
            .0
            .iter()
            .find(|l| l.name == "dE/dw_11^(1)")
            .unwrap()
            .value
            * 1.5
            + 0.25,
    );
    assert_sheet(7, &net, Plant::Slip(slip), |_| true);
}

#[test]
fn generated_sheets_over_random_networks_with_planted_errors_get_every_verdict_right() {
    let (mut graded, mut near, mut answers) = (0, 0, 0);
    let mut kinds = std::collections::BTreeSet::new();
    let (mut losses, mut hidden) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    for seed in 0..400u64 {
        let net = random_net(seed);
        if !reference::stays_finite(&net) || reference::near_kink(&net, 0.05) {
            continue;
        }
        let (truth, _) = sheet(&net, Plant::None);
        let delta = truth
            .iter()
            .find(|l| l.name.starts_with(&format!("delta_1^({})", net.w.len())))
            .unwrap()
            .value;
        let gradient = truth
            .iter()
            .find(|l| l.name == "dE/dw_11^(1)")
            .unwrap()
            .value;
        let plant = if seed % 2 == 0 {
            Plant::OutputDelta(round4(delta * 1.25 + 0.5))
        } else {
            Plant::Slip(round4(gradient * 1.5 + 0.25))
        };
        // Every third sheet answers only a subset.
        let subset = seed % 3 == 0;
        near += assert_sheet(seed, &net, plant, |k| !subset || k % 4 != 1);
        answers += sheet(&net, plant).0.len();
        kinds.insert((net.acts.last().map(|a| a.name()), net.loss.name()));
        losses.insert(net.loss.name());
        hidden.extend(net.acts[..net.acts.len() - 1].iter().map(|a| a.name()));
        graded += 1;
        if graded >= 24 && losses.len() == 4 && hidden.len() == 6 {
            break;
        }
    }
    assert!(graded >= 24, "{graded} sheets over random networks");
    assert_eq!(losses.len(), 4, "every loss: {losses:?}");
    assert_eq!(hidden.len(), 6, "every hidden activation: {hidden:?}");
    assert!(kinds.len() >= 8, "{kinds:?}");
    // Rounding's share of the verdicts is small: the rest are exactly as asserted.
    assert!(
        near * 50 < answers,
        "{near} of {answers} answers a unit from the truth"
    );
}

#[test]
fn bad_answer_files_give_located_messages_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        (
            "delta_1^(2) = 2.183\ndelta_3^(2) = 1\n",
            "no quantity of this derivation is named `delta_3^(2)`; did you mean `delta_1^(2)`?",
            ":2:1",
        ),
        (
            "z_1 = 0.6457\n\nz_1^(1) = 0.6457\n",
            "`z_1^(1)` is answered twice",
            ":3:1",
        ),
        ("E = ten\n", "`ten` is not a number", ":1:5"),
        ("E = 10，43\n", "a comma `，` (U+FF0C) in a value", ":1:7"),
        ("E = 10、43\n", "a comma `、` (U+3001) in a value", ":1:7"),
        ("E 10.43\n", "found a line without `=`", ":1:1"),
        ("# nothing yet\n", "the answer file has no answer", ":1:1"),
        ("", "the answer file has no answer", ":1:1"),
        ("E = 1e99999\n", "is too large", ":1:5"),
    ];
    for (k, (text, message, at)) in cases.iter().enumerate() {
        let answers = file(dir.path(), &format!("bad{k}.txt"), text);
        let output = run(&["grade", ARTICLE, &answers]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{text:?}: {stderr}");
        assert!(stderr.contains(message), "{text:?}: {stderr}");
        assert!(
            stderr.contains(&format!("--> {answers}{at}")),
            "{text:?}: {stderr}"
        );
        assert!(output.stdout.is_empty());
    }
    let twice = file(dir.path(), "twice.txt", "E = 10.43\nE = 10.43\n");
    let stderr = String::from_utf8_lossy(&run(&["grade", ARTICLE, &twice]).stderr).to_string();
    assert!(
        stderr.contains(&format!("note: first given at {twice}:1:1")),
        "{stderr}"
    );
}

/// The catalogue of answer-file errors (docs/errors.md is generated from the snapshots): each
/// entry of tests/grade-errors/ against the article, its message and place.
#[test]
fn every_answer_file_error_is_located_and_exits_1() {
    insta::glob!("..", "grade-errors/*.txt", |path| {
        let relative = path.strip_prefix(support::root()).unwrap();
        let relative = relative.to_str().unwrap();
        let output = run(&["grade", ARTICLE, relative]);
        assert_eq!(output.status.code(), Some(1), "{relative}");
        assert!(output.stdout.is_empty(), "{relative} wrote output");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(&format!("--> {relative}:")), "{stderr}");
        insta::assert_snapshot!(stderr);
    });
}

#[test]
fn values_are_read_as_a_student_types_them() {
    let dir = tempfile::tempdir().unwrap();
    // A BOM and CRLF, U+2212, full-width digits and point, ≈, a scientific exponent, any
    // spacing and order.
    let text = "\u{feff}w_11^(1) after = \u{2212}0.225\r\nδ_2^(2) = ４．０１１\r\n  y_1=≈ 2.183\r\ndE/dw_11^(2) = 1.41e0\r\n";
    let answers = file(dir.path(), "typed.txt", text);
    let (code, report) = graded(ARTICLE, &answers, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(verdicts(&report).len(), 4);
    // A blank sheet's unfilled lines are not answers.
    let blank = stdout_of(&["grade", ARTICLE, "--sheet"]);
    assert!(blank.contains("\ndelta_2^(2) =\n") && blank.contains("\nw_11^(1) after =\n"));
    let filled = blank.replace("\ny_1 =\n", "\ny_1 = 2.183\n");
    let answers = file(dir.path(), "filled.txt", &filled);
    let (code, report) = graded(ARTICLE, &answers, &[]);
    assert_eq!((code, verdicts(&report).len()), (0, 1));
}

fn stdout_of(args: &[&str]) -> String {
    support::stdout(&run(args))
}

#[test]
fn the_readable_report_names_the_first_wrong_step_and_what_follows_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        "delta_2^(2) = 4.101\ndE/dw_21^(2) = 2.648\ndE/dw_22^(2) = 3.152\nw_21^(2) after = 2.735\n";
    let answers = file(dir.path(), "a.txt", text);
    let output = run(&["grade", ARTICLE, &answers]);
    assert_eq!(output.status.code(), Some(3));
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(!report.contains('\u{1b}'), "no colour off a terminal");
    assert!(
        report.contains("4 answers: 0 correct, 3 follows, 1 wrong"),
        "{report}"
    );
    assert!(
        report.contains("with your numbers: y_2 - t_2 = 5.011 - 1 = 4.011"),
        "{report}"
    );
    assert!(
        report.contains(
            "first wrong step: your delta_2^(2) = 4.101 should be 4.011; the 3 answers after it follow from it"
        ),
        "{report}"
    );
    let (_, json) = graded(ARTICLE, &answers, &[]);
    let update = &json["answers"].as_array().unwrap()[3];
    assert_eq!(update["from"], serde_json::json!(["dE/dw_21^(2)"]));
}

#[test]
fn a_class_is_marked_at_once_into_one_csv() {
    let dir = tempfile::tempdir().unwrap();
    let right = file(
        dir.path(),
        "right.txt",
        "y_1 = 2.183\ndelta_1^(2) = 2.183\n",
    );
    let slip = file(dir.path(), "slip.txt", "y_1 = 2.183\ndelta_1^(2) = 2.138\n");
    let csv = dir.path().join("marks.csv");
    let csv_path = csv.display().to_string();
    let output = run(&["grade", ARTICLE, &right, &slip, "--csv", &csv_path]);
    assert_eq!(output.status.code(), Some(3));
    let marks = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        marks,
        format!("file,y_1,delta_1^(2),total\n{right},1,1,2\n{slip},1,0,1\n")
    );
}

#[test]
fn an_exam_variant_file_is_graded_like_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exam");
    let out_path = out.display().to_string();
    support::stdout(&run(&[
        "exam",
        "examples/exam.nn",
        "--variants",
        "2",
        "-o",
        &out_path,
    ]));
    let variant = std::fs::read_dir(&out)
        .unwrap()
        .flat_map(|e| {
            let path = e.unwrap().path();
            if path.is_dir() {
                std::fs::read_dir(path)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect()
            } else {
                vec![path]
            }
        })
        .find(|p| p.extension().is_some_and(|x| x == "nn"))
        .expect("a variant's .nn");
    let variant = variant.display().to_string();
    let blank = stdout_of(&["grade", &variant, "--sheet"]);
    let first = blank
        .lines()
        .find(|l| l.ends_with(" ="))
        .expect("a name to fill in");
    let truth =
        serde_json::from_str::<Json>(&stdout_of(&["derive", &variant, "-f", "json"])).unwrap();
    assert!(truth["steps"].is_array());
    let answers = file(dir.path(), "v.txt", &format!("{first} 12345\n"));
    let (code, report) = graded(&variant, &answers, &[]);
    assert_eq!((code, verdicts(&report)[0].1.as_str()), (3, "wrong"));
}

#[test]
fn the_marked_solution_strikes_wrong_numbers_and_compiles() {
    let dir = tempfile::tempdir().unwrap();
    let text = "delta_2^(2) = 4.101\ndE/dw_21^(2) = 2.648\ny_1 = 2.183\n";
    let answers = file(dir.path(), "a.txt", text);
    let output = run(&["grade", ARTICLE, &answers, "--format", "latex"]);
    assert_eq!(output.status.code(), Some(3));
    let tex = String::from_utf8(output.stdout).unwrap();
    assert!(tex.contains("\\struck{$4.101$}"), "{tex}");
    assert!(tex.contains("follows from your"), "{tex}");
    for engine in ["pdflatex", "lualatex"] {
        if support::tex_available(engine) {
            support::compiles(engine, &tex).unwrap_or_else(|log| panic!("{engine}: {log}"));
        }
    }
}

#[test]
fn a_marked_solution_naming_a_japanese_file_loads_luatexja_and_compiles_with_lualatex() {
    let dir = tempfile::tempdir().unwrap();
    let answers = file(dir.path(), "山田_太郎.txt", "y_1 = 2.183\ny_2 = 5.011\n");
    let output = run(&["grade", ARTICLE, &answers, "--format", "latex"]);
    assert_eq!(output.status.code(), Some(0));
    let tex = String::from_utf8(output.stdout).unwrap();
    assert!(tex.contains("山田"), "the name is kept: {tex}");
    assert!(
        tex.starts_with("% Japanese text: compile with lualatex"),
        "{tex}"
    );
    assert!(tex.contains("\\usepackage{luatexja}"), "{tex}");
    if support::tool_available_for("lualatex", "the marked solution's compile") {
        support::compiles("lualatex", &tex).unwrap_or_else(|log| panic!("lualatex: {log}"));
    }
    // A name in Latin letters keeps the pdflatex document.
    let latin = file(dir.path(), "yamada.txt", "y_1 = 2.183\n");
    let tex =
        String::from_utf8(run(&["grade", ARTICLE, &latin, "--format", "latex"]).stdout).unwrap();
    assert!(tex.starts_with("\\documentclass[a4paper,11pt]{article}") && !tex.contains("luatexja"));
}

/// The code block of `kind` after the first `after` in `page`.
fn block_after(page: &str, kind: &str, after: usize) -> (String, usize) {
    let fence = format!("```{kind}\n");
    let start = page[after..].find(&fence).expect("a block") + after + fence.len();
    let end = page[start..].find("```").unwrap() + start;
    (page[start..end].to_string(), end)
}

#[test]
fn the_example_of_docs_grade_md_gives_the_report_it_shows() {
    let page = std::fs::read_to_string(support::root().join("docs/grade.md")).unwrap();
    let (answers, end) = block_after(&page, "answers", 0);
    let (report, _) = block_after(&page, "text", end);
    let dir = tempfile::tempdir().unwrap();
    file(dir.path(), "answers.txt", &answers);
    let article = support::root().join(ARTICLE);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_backprop-tex"))
        .args(["grade", &article.display().to_string(), "answers.txt"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "the page says exit status 3");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), report);
}

/// One random answer line: a name (the article's, misspelt, or any text) with brackets that
/// count from anywhere, `=`, and a value of any digits, sign, point and exponent, or any text.
fn answer_line() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let name = prop_oneof![
        Just("E".to_string()),
        Just("delta_2^(2)".to_string()),
        Just("w_11^(1) after".to_string()),
        Just("dE/dw_11^(1)".to_string()),
        "\\PC{0,12}",
    ];
    let count = prop_oneof![
        Just(String::new()),
        "(-1|0|1|2|3|99999999999999999999999)".prop_map(|n| format!(" [step {n}]")),
        "(-1|0|1|2|99999999999999999999999)".prop_map(|n| format!(" [n={n}]")),
    ];
    let value = prop_oneof![
        "[-+−]?[0-9０-９]{0,40}(\\.[0-9]{0,60})?([eE][-+]?[0-9]{1,12})?",
        "0\\.1[0]{0,1200}",
        "[1-9]{0,1100}",
        "(1e-400|1e400|1e999999999|-1e-999999999|0e99999999999999999999|≈ 2.183|NaN|inf)",
        "\\PC{0,20}",
    ];
    (name, count, value).prop_map(|(name, count, value)| format!("{name}{count} = {value}"))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever a student (or a fuzzer) writes, `grade` marks it (0, 3) or refuses it at a
    /// place (1), and never panics.
    #[test]
    fn no_answer_file_makes_grade_panic(
        lines in proptest::collection::vec(answer_line(), 1..6),
        carry in proptest::prelude::prop_oneof!["exact", "rounded", "either"],
        format in proptest::prelude::prop_oneof!["text", "json", "latex"],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let text = lines.join("\n");
        let answers = file(dir.path(), "a.txt", &text);
        let output = run(&["grade", ARTICLE, &answers, "--carry", &carry, "-f", &format]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code();
        proptest::prop_assert!(
            matches!(code, Some(0 | 1 | 3)) && !stderr.contains("panicked"),
            "exit {code:?}: {stderr}\n{text}"
        );
        if code == Some(1) {
            proptest::prop_assert!(stderr.contains(&format!("--> {answers}:")), "{stderr}");
        }
    }
}

#[test]
fn a_value_of_more_than_1000_digits_is_refused_at_its_place_and_none_panics() {
    let dir = tempfile::tempdir().unwrap();
    // 0.1 and 70,000 zeros panicked in the rounding; 70,000 digits before the point too.
    for (value, digits) in [
        (format!("0.1{}", "0".repeat(70_000)), 70_002),
        ("7".repeat(70_000), 70_000),
    ] {
        let answers = file(dir.path(), "big.txt", &format!("E = {value}\n"));
        let output = run(&["grade", ARTICLE, &answers]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!("the number has {digits} digits; at most 1000")),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("--> {answers}:1:5")), "{stderr}");
    }
    // A thousand digits are judged, at their digits, and shown at a float's at most.
    let answers = file(
        dir.path(),
        "long.txt",
        &format!("w_11^(1) after = -0.2252{}\n", "0".repeat(990)),
    );
    let (code, report) = graded(ARTICLE, &answers, &[]);
    assert_eq!((code, verdicts(&report)[0].1.as_str()), (3, "wrong"));
    let expected = report["answers"][0]["expected"].as_str().unwrap();
    assert!(expected.len() <= 20, "{expected}");
}

#[test]
fn steps_and_samples_are_counted_from_1_and_only_as_far_as_the_derivation_goes() {
    let dir = tempfile::tempdir().unwrap();
    for (name, message, column) in [
        (
            "E [step 0]",
            "`[step 0]` names no step: steps are counted from 1",
            3,
        ),
        (
            "E [step -2]",
            "`[step -2]` names no step: steps are counted from 1",
            3,
        ),
        (
            "y_1 [n=0]",
            "`[n=0]` names no sample: samples are counted from 1",
            5,
        ),
        (
            "E [step 2]",
            "`[step 2]` names no step: the derivation has 1 step",
            3,
        ),
        (
            "E ［step 99999999999999999999999］",
            "names no step: the derivation has 1 step",
            3,
        ),
    ] {
        let answers = file(dir.path(), "a.txt", &format!("{name} = 10.43\n"));
        let output = run(&["grade", ARTICLE, &answers]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("--> {answers}:1:{column}")),
            "{name}: {stderr}"
        );
    }
}

/// `[n=1]` in a file of one sample names that sample, as `[step 1]` names its one step; a
/// quantity that is no sample's (a gradient, an update) takes no `[n=1]`, as in a file of two.
#[test]
fn n_1_in_a_file_of_one_sample_names_its_only_sample() {
    let dir = tempfile::tempdir().unwrap();
    let answers = file(
        dir.path(),
        "n1.txt",
        "E [n=1] = 10.43
z_1^(1) [step 1] [n=1] = 0.6457
δ_2^(2) ［ｎ＝１］ = 4.011
",
    );
    let (code, report) = graded(ARTICLE, &answers, &[]);
    assert_eq!(code, 0, "{report}");
    let names: Vec<String> = verdicts(&report).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["z_1^(1)", "E", "delta_2^(2)"]);
    for name in ["dE/dw_11^(1) [n=1]", "w_11^(1) after [n=1]"] {
        let answers = file(dir.path(), "g.txt", &format!("{name} = 3.252\n"));
        let output = run(&["grade", ARTICLE, &answers]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.contains("no quantity of this derivation is named"),
            "{stderr}"
        );
    }
    // In a file of two samples `[n=1]` is the first and `E` the total, as before.
    let two = std::fs::read_to_string(support::root().join(ARTICLE))
        .unwrap()
        .replace("x = [1, 2, 3]", "x = [[1, 2, 3], [0, 1, 0]]")
        .replace("t = [0, 1]", "t = [[0, 1], [1, 0]]");
    let two = file(dir.path(), "two.nn", &two);
    let answers = file(dir.path(), "e.txt", "E [n=1] = 10.43\n");
    let (code, report) = graded(&two, &answers, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(verdicts(&report)[0].0, "E [n=1]");
}

/// What a student types for a name — LaTeX's braces and commands, Unicode sub- and
/// superscripts, a Japanese input method's full-width letters, `＝` and spaces, the marks `_`
/// and `^` left out, the layer first — is read as the name it spells.
#[test]
fn names_are_read_as_a_student_types_them() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\
z_{1}^{(1)} = 0.6457
ａ＿２＾（１）　＝　１．２
δ₂⁽²⁾ = 4.011
delta_1^2 = 2.183
∂E/∂w₂₁⁽²⁾ = 2.590
dE/dw11(1) = 3.252
\\frac{\\partial E}{\\partial w_{11}^{(2)}} = 1.410
$dE/dw_{1,2}^{(2)}$ = 1.677
h′(a₁⁽¹⁾) = 0.2288
w^(1)_11 after = −0.225
";
    let answers = file(dir.path(), "typed.txt", text);
    let (code, report) = graded(ARTICLE, &answers, &[]);
    assert_eq!(code, 0, "{report}");
    let names: Vec<String> = verdicts(&report).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "a_2^(1)",
            "z_1^(1)",
            "h'(a_1^(1))",
            "delta_1^(2)",
            "delta_2^(2)",
            "dE/dw_11^(2)",
            "dE/dw_12^(2)",
            "dE/dw_21^(2)",
            "dE/dw_11^(1)",
            "w_11^(1) after",
        ]
    );
    let text =
        "h^\\prime(a_2^{(1)}) = 1\n𝜕E/𝜕w_12^(1) = 1\nｄＥ／ｄｗ＿２２＾（１） = 1\ndelta1(1) = 1\n\
                w_21^1 after = 1\nw_1,3^(1) after = 1\n";
    // Never guessed further: `z11` is neither `z_1^(1)` nor `z_11`.
    let z11 = file(dir.path(), "z11.txt", "z11 = 0.6457\n");
    let stderr = String::from_utf8_lossy(&run(&["grade", ARTICLE, &z11]).stderr).to_string();
    assert!(
        stderr.contains("no quantity of this derivation is named `z11`"),
        "{stderr}"
    );
    // A name of 200,000 marks and digits is read in one pass (the loose form took 48 s).
    let long = format!(
        "w{}{}{} = 1\n",
        "_".repeat(100_000),
        "1".repeat(100_000),
        "^".repeat(1000)
    );
    let long = file(dir.path(), "long.txt", &long);
    let output = support::run_within(
        &["grade", ARTICLE, &long],
        std::time::Duration::from_secs(20),
    );
    assert_eq!(output.status.code(), Some(1));
    let answers = file(dir.path(), "more.txt", text);
    let (_, report) = graded(ARTICLE, &answers, &[]);
    let names: Vec<String> = verdicts(&report).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "h'(a_2^(1))",
            "delta_1^(1)",
            "dE/dw_12^(1)",
            "dE/dw_22^(1)",
            "w_13^(1) after",
            "w_21^(1) after",
        ]
    );
}

/// A spelling of two quantities is refused at its name, naming both; set apart, each is read.
#[test]
fn a_name_that_could_be_two_quantities_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let wide = dir.path().join("wide.nn");
    let wide = wide.to_str().unwrap();
    let made = run(&["gen", "--sizes", "11,11,1", "-o", wide]);
    assert_eq!(made.status.code(), Some(0));
    for name in ["dE/dw111(1)", "w_111^(1) after", "∂E/∂w₁₁₁⁽¹⁾"] {
        let answers = file(dir.path(), "a.txt", &format!("{name} = 0.1\n"));
        let output = run(&["grade", wide, &answers]);
        let stderr = String::from_utf8_lossy(&output.stderr).replace(&*answers, "a.txt");
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains("could be `"), "{name}: {stderr}");
        assert!(stderr.contains("--> a.txt:1:1"), "{stderr}");
        if name == "dE/dw111(1)" {
            insta::assert_snapshot!("refused_ambiguous_name", stderr);
        }
    }
    let sheet = stdout_of(&["grade", wide, "--sheet"]);
    let answers = file(
        dir.path(),
        "b.txt",
        "w1,11(1) after = 1\nw_{11,1}^{(1)} after = 1\nw_{1,1}^{(1)} after = 1\n",
    );
    let output = run(&["grade", wide, &answers, "--format", "json"]);
    let report: Json = serde_json::from_slice(&output.stdout).expect("JSON");
    let names: Vec<String> = verdicts(&report).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["w_11^(1) after", "w_1,11^(1) after", "w_11,1^(1) after"]
    );
    assert!(names.iter().all(|n| sheet.contains(&format!("\n{n} =\n"))));
}

/// Several answer files: one that cannot be read or marked is an error on standard error, the
/// others are marked into the report, `-o` and the CSV, and the exit status is 1, the worst.
#[test]
fn one_bad_answer_file_is_reported_and_the_rest_of_the_class_marked() {
    let dir = tempfile::tempdir().unwrap();
    let good = file(dir.path(), "good.txt", "E = 10.43\n");
    let wrong = file(dir.path(), "wrong.txt", "E = 10.5\n");
    let bad = file(dir.path(), "bad.txt", "E = ten\n");
    let missing = dir.path().join("missing.txt").display().to_string();
    let (report, marks) = (dir.path().join("report.json"), dir.path().join("marks.csv"));
    let (report, marks) = (report.to_str().unwrap(), marks.to_str().unwrap());
    let output = run(&[
        "grade", ARTICLE, &good, &bad, &wrong, &missing, "--format", "json", "-o", report, "--csv",
        marks,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: `ten` is not a number")
            && stderr.contains(&format!("--> {bad}:1:5"))
            && stderr.contains(&format!("error: cannot read {missing}")),
        "{stderr}"
    );
    let json: Json = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let files: Vec<&str> = (json.as_array().unwrap().iter())
        .map(|m| m["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, [good.as_str(), wrong.as_str()]);
    let csv = std::fs::read_to_string(marks).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    // One good file among bad ones is still an array; only bad files write nothing, exit 1.
    let output = run(&["grade", ARTICLE, &bad, &good, "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let json: Json = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(1));
    let output = run(&["grade", ARTICLE, &wrong, &good]);
    assert_eq!(output.status.code(), Some(3));
    let kept = file(dir.path(), "kept.txt", "an earlier report\n");
    let output = run(&["grade", ARTICLE, &bad, &missing, "-o", &kept]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&kept).unwrap(),
        "an earlier report\n"
    );
}

/// UTF-16 without a byte-order mark, little- or big-endian, is told as UTF-16 by its NUL
/// bytes, shown decoded and located like Notepad's "Unicode" (which has the mark).
#[test]
fn utf16_without_a_byte_order_mark_is_named_in_either_byte_order() {
    let dir = tempfile::tempdir().unwrap();
    for (order, bytes) in [
        ("little-endian", u16::to_le_bytes as fn(u16) -> [u8; 2]),
        ("big-endian", u16::to_be_bytes),
    ] {
        let path = dir.path().join(format!("{order}.txt"));
        let utf16: Vec<u8> = "E = 10.43\r\nδ_2^(2) = 4.011\r\n"
            .encode_utf16()
            .flat_map(bytes)
            .collect();
        std::fs::write(&path, utf16).unwrap();
        let path = path.display().to_string();
        let output = run(&["grade", ARTICLE, &path]);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "it is UTF-16 ({order}, without a byte-order mark): save it as UTF-8"
            )),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("--> {path}:1:1")), "{stderr}");
        assert!(stderr.contains("1 | E = 10.43\n  | ^"), "{stderr}");
    }
}

#[test]
fn numbers_beyond_what_an_answer_holds_say_which_way_they_are_beyond() {
    let dir = tempfile::tempdir().unwrap();
    for (value, message) in [
        (
            "1e-400",
            "`1e-400` is too small or too precise to be an answer",
        ),
        (
            "1e400",
            "`1e400` is too large to be an answer: an answer is below 1e38",
        ),
        ("-1e999999999", "is too large to be an answer"),
    ] {
        let answers = file(dir.path(), "a.txt", &format!("E = {value}\n"));
        let output = run(&["grade", ARTICLE, &answers]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{value}: {stderr}");
        assert!(stderr.contains(message), "{value}: {stderr}");
        assert!(stderr.contains(&format!("--> {answers}:1:5")), "{stderr}");
    }
}

#[test]
fn an_answer_file_not_in_utf8_is_located_in_display_columns_and_a_utf8_bom_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.txt");
    // Two double-width characters before the Latin-1 `é` (0xE9).
    std::fs::write(
        &path,
        b"E = 10.43\nz_1 = 0.6457 # \xE4\xBA\x8C\xE4\xBA\x8C caf\xE9\n",
    )
    .unwrap();
    let latin1 = path.display().to_string();
    let output = run(&["grade", ARTICLE, &latin1]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("--> {latin1}:2:22")),
        "the column counts characters: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    let (shown, caret) = (lines[3], lines[4]);
    assert!(shown.ends_with("二二 caf\u{FFFD}"), "{stderr}");
    // `2 | ` then 15 columns, two double-width characters (4) and ` caf` (4): 23 before it.
    assert_eq!(caret, format!("  | {}^", " ".repeat(23)), "{stderr}");

    let path = dir.path().join("utf16.txt");
    let utf16: Vec<u8> = std::iter::once(0xFEFF_u16)
        .chain("E = 10.43\n".encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(&path, utf16).unwrap();
    let output = run(&["grade", ARTICLE, &path.display().to_string()]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("it is UTF-16: save it as UTF-8"),
        "{stderr}"
    );
    assert!(stderr.contains("1 | E = 10.43\n  | ^"), "{stderr}");

    let bom = file(dir.path(), "bom.txt", "\u{FEFF}E = 10.43\n");
    let (code, report) = graded(ARTICLE, &bom, &[]);
    assert_eq!(
        (code, verdicts(&report)),
        (0, vec![("E".into(), "correct".into())])
    );
}

/// The report of a `grade` that finds answers not correct (exit 3).
fn marked(args: &[&str]) -> String {
    let output = run(args);
    assert_eq!(output.status.code(), Some(3), "{args:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// δ₂⁽²⁾ = 7.777 is wrong; δ₂⁽²⁾ z₁ is 7.777 · 0.6457 = 5.0216 with the rounded z₁ carried,
/// 7.777 · 0.645656… = 5.0213 with the exact one.
const CARRIED: &str = "z_1 = 0.6457\ndelta_2^(2) = 7.777\ndE/dw_21^(2) = 5.022\n";

#[test]
fn a_follows_verdict_shows_the_value_it_follows_as_carried_by_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let answers = file(dir.path(), "a.txt", CARRIED);
    for (carry, gives) in [("rounded", "5.022"), ("exact", "5.021")] {
        let output = run(&["grade", ARTICLE, &answers, "--carry", carry]);
        let report = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(3));
        assert!(
            report.contains(&format!(
                "dE/dw_21^(2) = 5.022  follows from your delta_2^(2) (your numbers give {gives})"
            )),
            "--carry {carry}: {report}"
        );
        let (_, json) = graded(ARTICLE, &answers, &["--carry", carry]);
        assert_eq!(json["answers"][2]["theirs"], gives, "--carry {carry}");
        let tex = marked(&["grade", ARTICLE, &answers, "--carry", carry, "-f", "latex"]);
        assert!(tex.contains(&format!("which give ${gives}$")), "{tex}");
    }
}

#[test]
fn the_marked_solution_keeps_the_digits_the_student_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        "a_1^(1) = 0.600\na_2^(1) = 1.20\ndelta_2^(2) = 4.10e0\nw_11^(1) after = -2.252e-1\n";
    let answers = file(dir.path(), "a.txt", text);
    let tex = marked(&["grade", ARTICLE, &answers, "-f", "latex"]);
    for written in [
        "=0.600$: correct",
        "=1.20$: correct",
        "\\struck{$4.10\\times10^{0}$}",
        "=-2.252\\times10^{-1}$: correct",
    ] {
        assert!(tex.contains(written), "{written}: {tex}");
    }
    if support::tex_available("pdflatex") {
        support::compiles("pdflatex", &tex).unwrap_or_else(|log| panic!("{log}"));
    }
}

#[test]
fn grade_in_japanese_writes_the_report_the_sheet_and_the_marked_solution_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let text = "delta_2^(2) = 4.101\ndE/dw_21^(2) = 2.648\ny_1 = 2.183\nw_21^(2) after = 2.735\n";
    let answers = file(dir.path(), "a.txt", text);
    let output = run(&["grade", ARTICLE, &answers, "--lang", "ja"]);
    assert_eq!(output.status.code(), Some(3));
    let report = String::from_utf8(output.stdout).unwrap();
    for words in [
        "解答 4 個：正解 1、誤差の持ち越し 2、誤り 1",
        "delta_2^(2)    = 4.101  誤り：正しくは 4.011",
        "あなたの数値では: y_2 - t_2 = 5.011 - 1 = 4.011",
        "y_1            = 2.183  正解",
        "誤差の持ち越し：あなたの delta_2^(2) から（あなたの数値では 2.648）",
        "最初の誤り：あなたの delta_2^(2) = 4.101 は正しくは 4.011。その後の解答のうち 2 個",
    ] {
        assert!(report.contains(words), "{words}: {report}");
    }
    assert!(
        !report.contains("correct") && !report.contains("wrong"),
        "{report}"
    );
    let sheet = stdout_of(&["grade", ARTICLE, "--sheet", "--lang", "ja"]);
    assert!(
        sheet.starts_with("# ") && sheet.contains("の解答"),
        "{sheet}"
    );
    let tex = marked(&["grade", ARTICLE, &answers, "--lang", "ja", "-f", "latex"]);
    assert!(
        tex.starts_with("\\documentclass[a4paper,11pt]{ltjsarticle}"),
        "{tex}"
    );
    for words in ["正解", "誤り", "から正しく計算", "（更新後）", "：採点"] {
        assert!(tex.contains(words), "{words}: {tex}");
    }
    if support::tex_available("lualatex") {
        support::compiles("lualatex", &tex).unwrap_or_else(|log| panic!("{log}"));
    }
}

#[test]
fn the_blank_sheet_lists_only_what_the_files_ask_statements_ask() {
    let dir = tempfile::tempdir().unwrap();
    let exam = std::fs::read_to_string(support::root().join("examples/exam.nn")).unwrap();
    let nn = file(dir.path(), "exam.nn", &exam);
    let names = |nn: &str| -> Vec<String> {
        stdout_of(&["grade", nn, "--sheet"])
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| l.trim_end_matches(" =").to_string())
            .collect()
    };
    // ask E, ask grad W1, ask update W2.
    let mut expected = vec!["E".to_string()];
    expected.extend(["11", "12", "13", "21", "22", "23"].map(|ij| format!("dE/dw_{ij}^(1)")));
    expected.extend(["11", "12", "21", "22"].map(|ij| format!("w_{ij}^(2) after")));
    assert_eq!(names(&nn), expected);
    let without: String = exam
        .lines()
        .filter(|l| !l.starts_with("ask") && !l.starts_with("vary"))
        .map(|l| format!("{l}\n"))
        .collect();
    for (ask, names_asked) in [
        ("ask y", vec!["y_1", "y_2"]),
        ("ask a2 1", vec!["a_2^(1)"]),
        ("ask delta 1", vec!["delta_1^(1)", "delta_2^(1)"]),
        ("ask grad w12 1", vec!["dE/dw_12^(1)"]),
        ("ask update w21 2", vec!["w_21^(2) after"]),
    ] {
        let nn = file(dir.path(), "one.nn", &format!("{without}{ask}\n"));
        assert_eq!(names(&nn), names_asked, "{ask}");
    }
    // Without `ask`, every name; and any name may be answered whatever is asked.
    let all = file(dir.path(), "all.nn", &without);
    let every = names(&all);
    assert!(
        every.len() > 30 && every.contains(&"a_1^(1)".to_string()),
        "{every:?}"
    );
    let answers = file(dir.path(), "a.txt", "y_1 = 1\n");
    let (_, report) = graded(&nn, &answers, &[]);
    assert_eq!(verdicts(&report)[0].0, "y_1");
}

#[test]
fn a_whole_sheet_of_wrong_first_layer_gradients_is_marked_in_one_pass_not_one_per_answer() {
    // 30-30-4 writes its first layer's 930 gradients expanded, each with a by-δ formula: the
    // by-δ verdict once rebuilt the whole world per answer (67 s in a release build).
    let dir = tempfile::tempdir().unwrap();
    let nn = dir.path().join("wide.nn").display().to_string();
    support::stdout(&run(&["gen", "--sizes", "30,30,4", "--bias", "-o", &nn]));
    let blank = stdout_of(&["grade", &nn, "--sheet"]);
    let wrong: String = blank
        .lines()
        .filter(|l| l.ends_with(" ="))
        .map(|l| format!("{l} 1.234\n"))
        .collect();
    let answers = file(dir.path(), "wrong.txt", &wrong);
    let output = support::run_within(
        &["grade", &nn, &answers, "-f", "json"],
        std::time::Duration::from_secs(60),
    );
    assert_eq!(output.status.code(), Some(3));
    let report: Json = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["answers"].as_array().unwrap().len(),
        wrong.lines().count()
    );
    assert!(
        report["wrong"].as_u64().unwrap() > 2000,
        "{}",
        report["wrong"]
    );
}

/// Each answer's name, verdict and `expected`.
fn expectations(report: &Json) -> Vec<(String, String, String)> {
    report["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let text = |k: &str| a[k].as_str().unwrap_or_default().to_string();
            (text("name"), text("verdict"), text("expected"))
        })
        .collect()
}

#[test]
fn a_zero_without_decimal_places_claims_the_value_is_zero_and_one_with_places_is_judged_at_them() {
    let dir = tempfile::tempdir().unwrap();
    let answers = file(
        dir.path(),
        "zeros.txt",
        "E = 0e5\nh'(a_1^(1)) = 0\nw_11^(1) after = -0\nz_1 = 0.0000\n",
    );
    let (_, report) = graded(ARTICLE, &answers, &[]);
    let all = verdicts(&report);
    assert!(all.iter().all(|(_, v)| v == "wrong"), "{all:?}");
    // The truth 0.0001 is 0.00 at two places: right, as a teacher marks it; a bare 0 is not.
    let net = file(
        dir.path(),
        "tiny.nn",
        &std::fs::read_to_string(ARTICLE)
            .unwrap()
            .replace("x = [1, 2, 3]", "x = [0.001, 0, 0]"),
    );
    let small = file(dir.path(), "small.txt", "a_1^(1) = 0.00\na_2^(1) = 0\n");
    let (_, tiny) = graded(&net, &small, &[]);
    let got: Vec<String> = verdicts(&tiny).into_iter().map(|v| v.1).collect();
    assert_eq!(got, ["correct", "wrong"], "{tiny}");
}

#[test]
fn should_be_is_shown_at_the_digits_the_student_wrote_and_a_zero_at_its_places() {
    let dir = tempfile::tempdir().unwrap();
    let answers = file(dir.path(), "z.txt", "z_1 = 0.7\nz_2 = 0.0000\n");
    let (_, report) = graded(ARTICLE, &answers, &[]);
    let shown: Vec<String> = expectations(&report).into_iter().map(|e| e.2).collect();
    assert_eq!(shown, ["0.6", "0.7685"]);
}

#[test]
fn carrying_rounded_values_should_be_is_the_value_the_rounded_carry_gives() {
    let dir = tempfile::tempdir().unwrap();
    let answers = file(
        dir.path(),
        "r.txt",
        "delta_1^(1) = 3.252\ndE/dw_11^(2) = 1.409\n",
    );
    let (_, report) = graded(ARTICLE, &answers, &["--carry", "rounded"]);
    let got = expectations(&report);
    assert_eq!(got[0].1, "wrong");
    assert_eq!(got[0].2, "3.253", "{report}");
    assert_eq!(got[1].2, "1.410", "{report}");
    assert_eq!(report["answers"][0]["expected_value"], 3.253);
    let output = run(&["grade", ARTICLE, &answers, "--carry", "rounded"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("should be 3.253"), "{text}");
    assert!(!text.contains("should be 3.252"), "{text}");
}

#[test]
fn a_wrong_answers_line_with_your_numbers_never_gives_the_students_own_number() {
    let dir = tempfile::tempdir().unwrap();
    let exact = file(
        dir.path(),
        "c4.txt",
        "delta_1^(2) = 2.183\nz_1 = 0.6457\nw_11^(1) after = -0.2253\n",
    );
    let rounded = file(dir.path(), "r.txt", "delta_1^(1) = 3.252\n");
    for (answers, carry, line) in [
        (&exact, "exact", "= 0.1 - 0.1 * 3.252 = -0.2252"),
        (&rounded, "rounded", "= 3.253"),
    ] {
        let output = run(&["grade", ARTICLE, answers, "--carry", carry]);
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("wrong"), "{text}");
        let shown = text
            .lines()
            .find(|l| l.contains("with your numbers"))
            .unwrap();
        assert!(shown.ends_with(line), "{carry}: {text}");
    }
}

#[test]
fn a_students_first_layer_delta_reaches_the_update_through_the_gradient_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let answers = file(
        dir.path(),
        "skip.txt",
        "delta_1^(1) = 3.300\nw_11^(1) after = -0.2300\nw_12^(1) after = -0.5600\n",
    );
    let (_, report) = graded(ARTICLE, &answers, &[]);
    let got: Vec<String> = verdicts(&report).into_iter().map(|v| v.1).collect();
    assert_eq!(got, ["wrong", "follows", "follows"], "{report}");
    // A gradient given follows as what the student's δ gives: 3.632 · 3 = 10.90, not 10.89.
    let teacher = file(
        dir.path(),
        "t.txt",
        "delta_2^(2) = 4.012\ndelta_2^(1) = 3.632\ndE/dw_23^(1) = 10.90\n",
    );
    let (_, report) = graded(ARTICLE, &teacher, &["--carry", "exact"]);
    let last = &report["answers"][2];
    assert_eq!(last["verdict"], "follows", "{report}");
    assert_eq!(last["theirs"], "10.90", "{report}");
}

#[test]
fn a_sheet_is_never_written_over_a_file_of_filled_in_answers() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("sheet.txt").display().to_string();
    let write = || run(&["grade", ARTICLE, "--sheet", "-o", &sheet]);
    // A new file, then over the blank sheet itself: both fine.
    assert_eq!(write().status.code(), Some(0));
    assert_eq!(write().status.code(), Some(0));
    let blank = std::fs::read_to_string(&sheet).unwrap();
    let filled = blank.replace("\nz_1^(1) =\n", "\nz_1^(1) = 0.6457\n");
    assert_ne!(filled, blank);
    std::fs::write(&sheet, &filled).unwrap();
    let refused = write();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(stderr.contains("sheet.txt:5:1"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&sheet).unwrap(), filled);
}

#[test]
fn follows_allows_no_more_than_the_rounding_of_the_inputs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    // y_1 = 2.2 and y_2 = 0.0 give E in [2.76, 3.08]; 2.6 is not what they give, nor 0.7
    // from y_1 = 2.
    for (name, text) in [
        ("l0.txt", "y_1 = 2\ny_2 = 0.0\nE = 0.7\n"),
        ("l3.txt", "y_1 = 2.2\ny_2 = 0.0\nE = 2.6\n"),
    ] {
        let answers = file(dir.path(), name, text);
        let (_, report) = graded(ARTICLE, &answers, &[]);
        assert_eq!(report["answers"][2]["verdict"], "wrong", "{report}");
    }
    let within = file(dir.path(), "in.txt", "y_1 = 2.2\ny_2 = 0.0\nE = 3.0\n");
    let (_, report) = graded(ARTICLE, &within, &[]);
    assert_eq!(report["answers"][2]["verdict"], "follows", "{report}");
}

/// An answer file giving every name of `nn`'s sheet: each the right value at four digits, or
/// (not `right`) with its last digit moved by 3 — wrong, or following from the wrong ones
/// before it. The right values are the report's own `expected` for a sheet of `1.000`s.
fn every_answer(dir: &Path, nn: &str, right: bool) -> String {
    let blank = stdout_of(&["grade", nn, "--sheet"]);
    let ones: String = blank
        .lines()
        .filter(|l| l.ends_with(" ="))
        .map(|l| format!("{l} 1.000\n"))
        .collect();
    let (_, report) = graded(nn, &file(dir, "ones.txt", &ones), &[]);
    let moved = |value: &str| {
        let (mantissa, exponent) = value.split_at(value.find('e').unwrap_or(value.len()));
        let last = mantissa.rfind(|c: char| c.is_ascii_digit()).unwrap();
        let digit = (mantissa.as_bytes()[last] - b'0' + 3) % 10;
        format!(
            "{}{digit}{}{exponent}",
            &mantissa[..last],
            &mantissa[last + 1..]
        )
    };
    let answers: String = report["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let expected = a["expected"].as_str().unwrap();
            let value = if right {
                expected.into()
            } else {
                moved(expected)
            };
            format!("{} = {value}\n", a["name"].as_str().unwrap())
        })
        .collect();
    let name = if right { "right.txt" } else { "wrong.txt" };
    file(dir, name, &answers)
}

#[test]
fn the_marked_solution_is_fitted_to_the_page_as_derive_is_without_overfull_boxes() {
    // Every answer of softmax.nn, deep.nn and a 10-10-10 with biases, all right and all
    // wrong (most wrong, some following), in English and Japanese, eqnarray and align. Their
    // rows ran up to 960 pt off the page in `\[ \]`; a plain run compiles one document.
    let dir = tempfile::tempdir().unwrap();
    let ten = file(
        dir.path(),
        "ten.nn",
        &stdout_of(&["gen", "--sizes", "10,10,10", "--bias", "--seed", "3"]),
    );
    let full = support::full_matrix();
    let files = if full {
        vec!["examples/softmax.nn", "examples/deep.nn", ten.as_str()]
    } else {
        support::subset("deep.nn's wrong answers in English with eqnarray, of 24 marked documents");
        vec!["examples/deep.nn"]
    };
    let mut documents = Vec::new();
    for (n, nn) in files.iter().enumerate() {
        let sub = dir.path().join(n.to_string());
        std::fs::create_dir(&sub).unwrap();
        let wrong = every_answer(&sub, nn, false);
        let answers = if full {
            vec![(every_answer(&sub, nn, true), true), (wrong, false)]
        } else {
            vec![(wrong, false)]
        };
        for (answers, right) in &answers {
            let report = graded(nn, answers, &[]).1;
            let marks = |verdict: &str| {
                report["answers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|a| a["verdict"] == verdict)
                    .count()
            };
            let all = report["answers"].as_array().unwrap().len();
            assert!(all > 50, "{nn}: {all} answers");
            if *right {
                assert_eq!(marks("correct"), all, "{nn}: every answer right");
            } else {
                assert!(
                    marks("wrong") + marks("follows") > all / 2,
                    "{nn}: most wrong"
                );
            }
            for (engine, lang, env) in [
                ("pdflatex", "en", "eqnarray"),
                ("pdflatex", "en", "align"),
                ("lualatex", "ja", "eqnarray"),
                ("lualatex", "ja", "align"),
            ]
            .into_iter()
            .take(if full { 4 } else { 1 })
            {
                let args = [
                    "grade", nn, answers, "-f", "latex", "--lang", lang, "--env", env,
                ];
                let tex = String::from_utf8(run(&args).stdout).unwrap();
                assert!(tex.contains(&format!("\\begin{{{env}*}}")), "{tex}");
                documents.push((engine, format!("{nn} {answers} {lang} {env}"), tex));
            }
        }
    }
    let engines = ["pdflatex", "lualatex"]
        .map(|e| support::tool_available_for(e, "the marked solutions' compile"));
    documents.retain(|d| engines[usize::from(d.0 == "lualatex")]);
    let failures =
        support::in_parallel(
            documents,
            |(engine, what, tex)| match support::overfull_boxes(engine, &tex) {
                0 => Vec::new(),
                n => vec![format!("{what}: {n} overfull boxes")],
            },
        );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_sheet_refuses_the_reports_options_instead_of_ignoring_them() {
    // The sheet is always the answer file's text: `-f json` wrote it as text, silently.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sheet.txt").display().to_string();
    let csv = dir.path().join("marks.csv").display().to_string();
    for (option, extra) in [
        ("--format", vec!["-f", "json"]),
        ("--format", vec!["--format", "latex"]),
        ("--env", vec!["--env", "align"]),
        ("--csv", vec!["--csv", csv.as_str()]),
        ("--carry", vec!["--carry", "rounded"]),
    ] {
        let mut args = vec!["grade", ARTICLE, "--sheet", "-o", out.as_str()];
        args.extend(extra);
        let refused = run(&args);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot be used with") && stderr.contains(option),
            "{args:?}: {stderr}"
        );
        assert!(!Path::new(&out).exists() && !Path::new(&csv).exists());
    }
    // `--env` shapes the marked solution alone: with another report it is refused too.
    let answers = dir.path().join("answers.txt");
    std::fs::write(&answers, "E = 10.43\n").unwrap();
    let answers = answers.display().to_string();
    for format in ["text", "json"] {
        let args = ["grade", ARTICLE, &answers, "-f", format, "--env", "align"];
        let refused = run(&args);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("needs `--format latex`"), "{stderr}");
    }
    let latex = run(&["grade", ARTICLE, &answers, "-f", "latex", "--env", "align"]);
    assert_eq!(latex.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&latex.stdout).contains("\\begin{align*}"));
    // The sheet's own options still apply: the language of its comments.
    assert_eq!(
        run(&["grade", ARTICLE, "--sheet", "--lang", "ja"])
            .status
            .code(),
        Some(0)
    );
}
