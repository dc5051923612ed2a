//! The LaTeX's headings nest as the Markdown's do (issue 13, item 6): with several steps, a
//! step's heading holds its passes one level below it, so that no "Step 1" stands empty beside
//! "Forward pass" in a PDF's outline; with one step there is no step heading at all.

use crate::support::derive;

/// The level of a LaTeX heading line (`\section*` 1 … `\paragraph` 4), or `None`.
fn level(line: &str) -> Option<usize> {
    [
        ("\\section*{", 1),
        ("\\subsection*{", 2),
        ("\\subsubsection*{", 3),
        ("\\paragraph{", 4),
    ]
    .iter()
    .find(|(command, _)| line.starts_with(command))
    .map(|&(_, level)| level)
}

/// Levels never skip going down, and no heading is followed at once by another of its own
/// level or higher (an empty section). The failures, one line each.
fn nesting_faults(latex: &str) -> Vec<String> {
    let mut faults = Vec::new();
    let mut previous: Option<usize> = None;
    let mut content = true;
    for line in latex.lines() {
        match level(line) {
            Some(level) => {
                if let Some(p) = previous {
                    if level > p + 1 {
                        faults.push(format!("{line} skips a level"));
                    }
                    if !content && level <= p {
                        faults.push(format!("an empty section before {line}"));
                    }
                }
                previous = Some(level);
                content = false;
            }
            None if !line.trim().is_empty() => content = true,
            None => {}
        }
    }
    faults
}

#[test]
fn the_nesting_check_finds_an_empty_step_and_a_skipped_level() {
    let empty = "\\subsection*{Step 1}\n\n\\subsection*{Forward pass}\nrows\n";
    assert_eq!(nesting_faults(empty).len(), 1);
    let skipped = "\\section*{T}\n\\subsubsection*{Forward pass}\nrows\n";
    assert_eq!(nesting_faults(skipped).len(), 1);
    let nested = "\\subsection*{Step 1}\n\n\\subsubsection*{Forward pass}\nrows\n";
    assert!(nesting_faults(nested).is_empty());
}

#[test]
fn latex_headings_nest_under_their_step() {
    for file in [
        "examples/article.nn",
        "examples/softmax.nn",
        "examples/deep.nn",
    ] {
        for lang in ["en", "ja"] {
            let latex = derive(file, &["--lang", lang]);
            let faults = nesting_faults(&latex);
            assert!(faults.is_empty(), "{file} ({lang}): {}", faults.join("\n"));
        }
    }
    let deep = derive("examples/deep.nn", &[]);
    assert!(
        deep.contains("\\subsection*{Step 1}\n\n\\subsubsection*{Forward pass}\n"),
        "{deep}"
    );
    assert!(deep.contains("\\subsubsection*{Summary of step 2}\n"));
    let softmax = derive("examples/softmax.nn", &["--lang", "ja"]);
    assert!(softmax.contains("\\subsection*{ステップ2}\n\n\\subsubsection*{順伝播}\n"));
    let article = derive("examples/article.nn", &[]);
    assert!(!article.contains("{Step"), "{article}");
    assert!(article.contains("\\subsection*{Forward pass}\n"));
}
