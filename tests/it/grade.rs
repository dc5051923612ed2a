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
