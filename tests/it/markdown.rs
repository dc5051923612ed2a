//! The Markdown: every flavor's math renders with KaTeX, and the drawing beside the post
//! (`pictures`).

mod pictures;
pub(crate) mod renderers;

use std::process::Command;

use serde_json::Value as Json;

use crate::support::{derive, examples, root, skipped, tool_available};

/// The math of a Markdown file: display blocks (between the flavor's fences) and `$…$`.
pub(crate) fn markdown_math(markdown: &str, open: &str, close: &str) -> Vec<(String, bool)> {
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
        skipped("no KaTeX (npm install --prefix tests/katex)");
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
