//! Every output pinned, byte for byte (issue 15, step 1).
//!
//! The redesign moves code between rooms; what the tool writes must not move with it. Each
//! example is snapshotted in every combination of the options that change its text (format,
//! language, environment, form, carrying, digits, rounding), and one seeded exam bundle file by
//! file, the Canvas zip entry by entry. A change of output shows here as a reviewed diff, and a
//! commit that changes one says why. (The default LaTeX and the JSON of every example are
//! pinned by `snapshots_of_every_example`.)

use std::path::Path;

use crate::support::{derive, root, run};

#[test]
fn snapshots_of_every_example() {
    insta::glob!("../../examples", "*.nn", |path| {
        let file = path.to_str().unwrap();
        insta::assert_snapshot!("latex", derive(file, &[]));
        insta::assert_snapshot!("json", derive(file, &["-f", "json"]));
    });
}

/// The options whose combinations change a derivation's text, with a short name for each.
fn combinations() -> Vec<(String, Vec<&'static str>)> {
    let mut all = Vec::new();
    for (lang, lang_args) in [("en", &[][..]), ("ja", &["--lang", "ja"][..])] {
        for (env, env_args) in [("eqnarray", &[][..]), ("align", &["--env", "align"][..])] {
            for form in ["elements", "matrix", "both"] {
                let mut args = vec!["-f", "latex", "--form", form];
                args.extend_from_slice(lang_args);
                args.extend_from_slice(env_args);
                all.push((format!("latex-{lang}-{env}-{form}"), args));
            }
        }
        for flavor in ["qiita", "zenn", "github"] {
            let mut args = vec!["-f", "markdown", "--flavor", flavor];
            args.extend_from_slice(lang_args);
            all.push((format!("markdown-{lang}-{flavor}"), args));
        }
        let mut args = vec!["-f", "document"];
        args.extend_from_slice(lang_args);
        all.push((format!("document-{lang}"), args));
    }
    let more: [(&str, &[&'static str]); 8] = [
        (
            "markdown-en-zenn-both-no-diagram",
            &[
                "-f",
                "markdown",
                "--flavor",
                "zenn",
                "--form",
                "both",
                "--no-diagram",
            ],
        ),
        (
            "markdown-ja-github-matrix",
            &[
                "-f", "markdown", "--flavor", "github", "--form", "matrix", "--lang", "ja",
            ],
        ),
        ("latex-rounded", &["--carry", "rounded"]),
        (
            "latex-rounded-both",
            &["--carry", "rounded", "--form", "both"],
        ),
        (
            "latex-digits-6-half-even",
            &["--digits", "6", "--rounding", "half-even"],
        ),
        (
            "document-align-both-no-diagram",
            &[
                "-f",
                "document",
                "--env",
                "align",
                "--form",
                "both",
                "--no-diagram",
            ],
        ),
        ("svg", &["-f", "svg"]),
        (
            "json-rounded",
            &["-f", "json", "--carry", "rounded", "--digits", "3"],
        ),
    ];
    all.extend(
        more.iter()
            .map(|(name, args)| (name.to_string(), args.to_vec())),
    );
    all
}

#[test]
fn every_example_in_every_option_is_pinned() {
    let combinations = combinations();
    insta::glob!("../../examples", "*.nn", |path| {
        let file = path.to_str().unwrap();
        // One process per combination, all at once; the snapshots are compared in order.
        let outputs: Vec<String> = std::thread::scope(|scope| {
            let runs: Vec<_> = combinations
                .iter()
                .map(|(_, args)| scope.spawn(move || derive(file, args)))
                .collect();
            runs.into_iter().map(|run| run.join().unwrap()).collect()
        });
        for ((name, _), output) in combinations.iter().zip(outputs) {
            insta::assert_snapshot!(name.as_str(), output);
        }
    });
}

/// Every file of a seeded exam bundle, and every entry of its Canvas zip: text as text, the
/// rest by size.
#[test]
fn a_seeded_exam_bundle_is_pinned_file_by_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exam");
    let output = run(&[
        "exam",
        root().join("examples/exam.nn").to_str().unwrap(),
        "--variants",
        "2",
        "--seed",
        "7",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 8, "{names:?}");
    assert!(names.iter().any(|n| n == "canvas-qti.zip"), "{names:?}");
    for name in names {
        let path: &Path = &out.join(&name);
        let bytes = std::fs::read(path).unwrap();
        if name.ends_with(".zip") {
            for (entry, data) in crate::exam::lms::unzip(&bytes) {
                insta::assert_snapshot!(format!("exam-{name}-{entry}"), as_text(data));
            }
        } else {
            insta::assert_snapshot!(format!("exam-{name}"), as_text(bytes));
        }
    }
}

/// The file's text, or its size where it is not UTF-8.
fn as_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| format!("{} bytes, not UTF-8", e.as_bytes().len()))
}
