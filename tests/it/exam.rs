//! `exam`: seeded variants, sheets, the key and Moodle; the bundle as a teacher meets it
//! (`teacher`), its contents as the LMS shows them (`lms`), every kind of ask (`asks`), and
//! the files read as the importers read them (`importers`).

mod asks;
mod graphs;
mod importers;
pub(crate) mod lms;
mod teacher;

use std::path::Path;

use serde_json::Value as Json;

use crate::support::{
    compiles, derive, floats, matrix, run, run_within, stdout, tool_available_for, ARTICLE,
};

// ---------------------------------------------------------------------------------------------
// Exams.

/// An exam's variants are derived on the pool's threads, each writing its blocks with the
/// pool too: within ten minutes or it hangs (issue 15's pipelined writer once waited there on
/// work only the waiting workers could do).
fn exam(dir: &Path, seed: &str, variants: &str) {
    let output = run_within(
        &[
            "exam",
            "examples/exam.nn",
            "--variants",
            variants,
            "--seed",
            seed,
            "-o",
            dir.to_str().unwrap(),
        ],
        std::time::Duration::from_secs(600),
    );
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
    if tool_available_for("pdflatex", "the sheets' compile") {
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
