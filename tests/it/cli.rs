//! The command line: standard input, `-o`, exit codes, limits, usage errors, full disks; what
//! `-o` does to files people keep (`output`) and input as people type it (`input`).

mod input;
mod output;

use std::process::Command;

use serde_json::Value as Json;

use crate::support::{derive, root, run, run_with, skipped, stdout, ARTICLE};

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
        "error: <stdin> is not UTF-8 text (invalid byte at offset 7)\n --> <stdin>:1:8\n  |\n1 | title \"\u{FFFD}\"\n  |        ^\n"
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
fn a_full_disk_is_reported_with_its_reason() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        skipped("no /dev/full (not Linux)");
        return;
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
