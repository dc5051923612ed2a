//! `exam` of a graph file (issue 17): a seeded bundle (its question sheet snapshotted), its
//! Moodle questions parsed as the importer reads them, and every answer checked against f
//! and its partials computed here by central finite differences at the variant's values.

use std::collections::HashMap;
use std::path::Path;

use crate::support::{compiles, full_matrix, in_parallel, run, stdout, subset, tex_available};

const FILE: &str = "tests/graphs/exam.nn";

/// The example's formula, computed here: sigmoid(w·x + b)·(x + y).
fn f(v: &HashMap<String, f64>) -> f64 {
    let s = 1.0 / (1.0 + (-(v["w"] * v["x"] + v["b"])).exp());
    s * (v["x"] + v["y"])
}

/// ∂f/∂`name` by central differences.
fn partial(v: &HashMap<String, f64>, name: &str) -> f64 {
    let h = 1e-5;
    let mut up = v.clone();
    let mut down = v.clone();
    *up.get_mut(name).unwrap() += h;
    *down.get_mut(name).unwrap() -= h;
    (f(&up) - f(&down)) / (2.0 * h)
}

/// The values a variant's `.nn` gives: `graph "…" at w = 2, x = -1, …`.
fn values(nn: &str) -> HashMap<String, f64> {
    let line = nn.lines().find(|l| l.starts_with("graph ")).unwrap();
    let at = &line[line.find(" at ").unwrap() + 4..];
    at.split(',')
        .map(|item| {
            let (name, value) = item.split_once('=').unwrap();
            (name.trim().to_string(), value.trim().parse().unwrap())
        })
        .collect()
}

fn exam(dir: &Path, extra: &[&str]) {
    let out = dir.to_str().unwrap();
    let mut args = vec!["exam", FILE, "--variants", "8", "--seed", "5", "-o", out];
    args.extend_from_slice(extra);
    stdout(&run(&args));
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn a_graph_exam_asks_f_and_its_partials_with_answers_finite_differences_confirm() {
    let dir = tempfile::tempdir().unwrap();
    exam(dir.path(), &[]);
    let moodle = read(dir.path(), "moodle.xml");
    let doc = roxmltree::Document::parse(&moodle).expect("moodle.xml is XML");
    let text_of = |node: roxmltree::Node, tag: &str| -> String {
        let child = node.children().find(|c| c.has_tag_name(tag)).unwrap();
        let text = child.children().find(|c| c.has_tag_name("text"));
        text.unwrap_or(child).text().unwrap_or("").to_string()
    };
    let mut checked = 0;
    for question in doc
        .descendants()
        .filter(|n| n.has_tag_name("question") && n.attribute("type") == Some("numerical"))
    {
        let id = text_of(question, "idnumber");
        let label = &id["backprop-v".len()..id.find("-q").unwrap()];
        let name = text_of(question, "name");
        let asked = &name[name.rfind(": ").unwrap() + 2..];
        let answer = question
            .children()
            .find(|c| c.has_tag_name("answer"))
            .unwrap();
        let given: f64 = text_of(answer, "text").parse().unwrap();
        let tolerance: f64 = text_of(answer, "tolerance").parse().unwrap();
        let v = values(&read(dir.path(), &format!("variant-{label}.nn")));
        let truth = match asked {
            "f" => f(&v),
            partial_name => partial(&v, partial_name.strip_prefix("df/d").unwrap()),
        };
        assert!(
            (given - truth).abs() <= tolerance * (1.0 + 1e-9) + 1e-9,
            "variant {label} {asked}: {given} ± {tolerance}, finite differences {truth}"
        );
        // The tolerance is half a unit of the 4th significant digit.
        assert!(
            tolerance <= 5e-4 * truth.abs().max(1e-3) * 10.0 + 1e-12,
            "{tolerance}"
        );
        checked += 1;
    }
    // 8 variants × f, ∂f/∂w, ∂f/∂x, ∂f/∂y.
    assert_eq!(checked, 32);
    // Every variant's .nn is a graph file that `derive` works into its JSON.
    for n in 1..=8 {
        let path = dir.path().join(format!("variant-{n:02}.nn"));
        let json = stdout(&run(&["derive", path.to_str().unwrap(), "-f", "json"]));
        assert_eq!(json, read(dir.path(), &format!("variant-{n:02}.json")));
    }
    assert!(dir.path().join("canvas-qti.zip").exists());
}

#[test]
fn a_seeded_graph_exam_writes_the_same_question_sheet() {
    let dir = tempfile::tempdir().unwrap();
    exam(dir.path(), &[]);
    let questions = read(dir.path(), "questions.tex");
    let again = tempfile::tempdir().unwrap();
    exam(again.path(), &[]);
    assert_eq!(questions, read(again.path(), "questions.tex"));
    insta::assert_snapshot!("graph_exam_questions", questions);
    insta::assert_snapshot!("graph_exam_variant_01", read(dir.path(), "variant-01.nn"));
    // A plain run compiles the English sheets (the Japanese exam sheets are exam::lms's).
    let mut sheets = Vec::new();
    for (engine, lang) in [("pdflatex", "en"), ("lualatex", "ja")] {
        if !tex_available(engine) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        exam(dir.path(), &["--lang", lang]);
        for sheet in ["questions.tex", "answers.tex"] {
            if full_matrix() || lang == "en" {
                sheets.push((engine, lang, sheet, read(dir.path(), sheet)));
            }
        }
    }
    if !full_matrix() {
        subset("2 of the 4 graph exam sheets");
    }
    let failures = in_parallel(sheets, |(engine, lang, sheet, tex)| {
        match compiles(engine, &tex) {
            Ok(()) => Vec::new(),
            Err(log) => vec![format!("{sheet} {lang}: {log}")],
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_graph_exam_cloze_question_has_a_blank_per_asked_number() {
    let dir = tempfile::tempdir().unwrap();
    exam(dir.path(), &["--moodle", "cloze"]);
    let moodle = read(dir.path(), "moodle.xml");
    assert_eq!(moodle.matches("<question type=\"cloze\">").count(), 8);
    assert_eq!(moodle.matches("{1:NUMERICAL:=").count(), 32);
    assert!(
        moodle.contains("For the computational graph below"),
        "{moodle:.2000}"
    );
}
