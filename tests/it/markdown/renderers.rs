//! The Markdown as the sites render it: Zenn's own renderer and KaTeX for Zenn, MathJax 3 for
//! Qiita and GitHub (`tests/katex/zenn.mjs`, `tests/katex/mathjax.js`; `npm install --prefix
//! tests/katex` installs them, and `.ci/run` does).
//!
//! The KaTeX test beside this one reads the math out of the file with our own idea of where
//! it is. Zenn's renderer may disagree (a `$` that Markdown ate, an underscore taken for
//! emphasis): here every expression must be found by Zenn where the file means it, and then
//! render.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value as Json};

use super::markdown_math;
use crate::support::{derive, examples, full_matrix, root, skipped, subset, tool_available};

/// The option sets each flavor is rendered in: all four with the full matrix, else the two
/// that between them hold every kind of row (English elements, Japanese both forms).
fn variants() -> Vec<[&'static str; 4]> {
    let all = [
        ["--lang", "en", "--form", "elements"],
        ["--lang", "ja", "--form", "both"],
        ["--lang", "ja", "--form", "elements"],
        ["--lang", "en", "--form", "both"],
    ];
    if full_matrix() {
        all.to_vec()
    } else {
        subset("every example in English elements and Japanese both forms");
        all[..2].to_vec()
    }
}

/// Whether node and the renderers are there; a missing one fails in CI and says it skipped
/// elsewhere.
pub(crate) fn renderers_installed() -> bool {
    if !tool_available("node", &["--version"]) {
        return false;
    }
    let modules = root().join("tests/katex/node_modules");
    let installed = [
        "zenn-markdown-html",
        "katex-zenn",
        "mathjax-full",
        "cheerio",
    ]
    .iter()
    .all(|m| modules.join(m).exists());
    if !installed {
        assert!(
            std::env::var_os("CI").is_none(),
            "the Markdown renderers are required in CI: npm install --prefix tests/katex"
        );
        skipped("the renderers are not installed (npm install --prefix tests/katex)");
    }
    installed
}

pub(crate) fn node(script: &str, list: &Path) -> String {
    let output = Command::new("node")
        .arg(root().join("tests/katex").join(script))
        .arg(list)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{script}:\n{said}");
    said
}

#[test]
fn zenn_finds_every_expression_where_the_file_means_it_and_katex_renders_it() {
    if !renderers_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<Json> = Vec::new();
    let variants = variants();
    for example in examples() {
        for (n, options) in variants.iter().enumerate() {
            let mut args = vec!["-f", "markdown", "--flavor", "zenn"];
            args.extend_from_slice(options);
            let markdown = derive(&example, &args);
            let math = markdown_math(&markdown, "$$", "$$");
            let name = Path::new(&example).file_stem().unwrap().to_string_lossy();
            let path = dir.path().join(format!("{name}-{n}.md"));
            std::fs::write(&path, &markdown).unwrap();
            let math: Vec<Json> = math
                .into_iter()
                .map(|(math, display)| json!({"math": math, "display": display}))
                .collect();
            files.push(json!({"path": path, "math": math}));
        }
    }
    let list = dir.path().join("files.json");
    std::fs::write(&list, serde_json::to_string(&files).unwrap()).unwrap();
    let said = node("zenn.mjs", &list);
    assert!(said.contains(" 0 failed"), "{said}");
}

#[test]
fn qiita_and_github_math_renders_with_mathjax_3() {
    if !renderers_installed() {
        return;
    }
    let mut expressions: Vec<Json> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let variants = variants();
    for example in examples() {
        for (flavor, open, close) in [("qiita", "```math", "```"), ("github", "$$", "$$")] {
            for options in &variants {
                let mut args = vec!["-f", "markdown", "--flavor", flavor];
                args.extend_from_slice(options);
                let markdown = derive(&example, &args);
                let math = markdown_math(&markdown, open, close);
                assert!(
                    math.len() > 10,
                    "{example} {flavor}: {} expressions",
                    math.len()
                );
                for (math, display) in math {
                    if seen.insert((math.clone(), display)) {
                        expressions.push(json!({"math": math, "display": display}));
                    }
                }
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("math.json");
    std::fs::write(&list, serde_json::to_string(&expressions).unwrap()).unwrap();
    let said = node("mathjax.js", &list);
    assert!(said.contains(" 0 failed"), "{said}");
}
