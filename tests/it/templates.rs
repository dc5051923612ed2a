//! The templates: exported, overridden file by file, broken with a clear error, the compiled
//! chain layout equal to its Tera template, and the beamer example of docs/templates.md.

use crate::support::{compiles, derive, examples, root, run, stdout, tool_available_for, ARTICLE};

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
    if tool_available_for("pdflatex", "the slides' compile") {
        compiles("pdflatex", &slides).unwrap_or_else(|log| panic!("{log}"));
    }
}
