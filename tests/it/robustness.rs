//! Whatever the input, an answer and never a panic: hostile titles that try to run LaTeX,
//! token soup and mutated articles, extreme numbers; hundreds of hostile inputs measured by
//! the kernel (`hostile`) and formulas at and past the limits (`formulas`).

mod formulas;
mod hostile;

use std::path::Path;

use serde_json::Value as Json;

use crate::support::{
    compiled, in_parallel, pdf_text, root, run_with, stdout, tool_available_for, ARTICLE,
};

/// Titles that try to make LaTeX read files, run commands or break out of the text.
const HOSTILE_TITLES: &[&str] = &[
    r"\input{/etc/passwd}",
    r"\include{/etc/hostname}",
    r"\immediate\write18{touch /tmp/backprop-tex-pwned}",
    r"\openin5=/etc/passwd \read5 to \x \x",
    r"^^5cinput{/etc/passwd}",
    r"\catcode`\@=0 @input{/etc/passwd}",
    r"}}\end{document}",
    r"{{{ unbalanced",
    r"$x$ & % # _ ~ < > | \\ \",
    "<< title >> <% include \"body.tex.tera\" %> <# comment #>",
    "tab\there",
    "ligatures: ``a'' -- b --- c ?` !` \"q\"",
];

fn nn_string(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[test]
fn hostile_titles_are_printed_literally_and_run_nothing() {
    let article = std::fs::read_to_string(root().join(ARTICLE)).unwrap();
    let body = article
        .lines()
        .filter(|l| !l.starts_with("title"))
        .collect::<Vec<_>>()
        .join("\n");
    let compile = tool_available_for("pdflatex", "the PDF compile");
    let mut documents = Vec::new();
    for title in HOSTILE_TITLES {
        let file = format!("title \"{}\"\n{body}\n", nn_string(title));
        let document = stdout(&run_with(
            &["derive", "-", "-f", "document"],
            file.as_bytes(),
        ));
        // The title is never template code and never a control sequence of its own.
        for dangerous in [
            r"\input{",
            r"\include{",
            r"\write18",
            r"\openin",
            r"\catcode",
            "^^5c",
        ] {
            assert!(
                !document.contains(dangerous),
                "{title}: {dangerous} reached the LaTeX"
            );
        }
        let markdown_safe = stdout(&run_with(&["derive", "-", "-f", "json"], file.as_bytes()));
        let json: Json = serde_json::from_str(&markdown_safe).unwrap();
        assert_eq!(
            json["title"], **title,
            "the JSON keeps the title as written"
        );
        documents.push((title, document));
    }
    if compile {
        // Every title's document compiled, as many at a time as there are cores.
        let failures = in_parallel(documents, |(title, document)| {
            let expected = normalize_pdf_text(title);
            let shown = normalize_pdf_text(&pdf_text(&document));
            if shown.starts_with(&expected) {
                Vec::new()
            } else {
                vec![format!(
                    "{title}: the PDF starts with\n{}",
                    &shown[..shown.len().min(200)]
                )]
            }
        });
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }
    assert!(!Path::new("/tmp/backprop-tex-pwned").exists());
}

#[test]
fn an_english_document_typesets_a_greek_title_with_pdflatex_and_a_japanese_one_with_lualatex() {
    let article = std::fs::read_to_string(root().join(ARTICLE)).unwrap();
    let with_title = |title: &str| {
        let file = article.replacen(
            "title \"Backpropagation by hand: a 3-2-2 network\"",
            &format!("title \"{title}\""),
            1,
        );
        assert!(
            file.contains(&format!("title \"{title}\"")),
            "the article's title line moved"
        );
        stdout(&run_with(
            &["derive", "-", "-f", "document"],
            file.as_bytes(),
        ))
    };
    // Greek letters are math, which T1 pdflatex typesets; the document stays pdflatex's.
    let greek = with_title("η = 0.1 by hand: Ω, δ and ς");
    assert!(greek.contains(r"\ensuremath{\eta} = 0.1 by hand: \ensuremath{\Omega}, \ensuremath{\delta} and \ensuremath{\varsigma}"));
    assert!(greek.contains(r"\usepackage[T1]{fontenc}") && !greek.contains("luatexja"));
    // Japanese: the English document loads luatexja and says to use lualatex.
    let japanese = with_title("手計算で確かめる誤差逆伝播（3-2-2）");
    assert!(japanese.starts_with("\n% The title has Japanese: compile with lualatex"));
    assert!(japanese.contains("\\usepackage{luatexja}") && !japanese.contains("fontenc"));
    assert!(
        japanese.contains("The network has 3 input units"),
        "the words stay English"
    );
    // Titles in Latin letters keep today's document exactly.
    let plain = with_title("Backpropagation by hand: a 3-2-2 network");
    assert_eq!(
        plain,
        stdout(&run_with(
            &[
                "derive",
                &root().join(ARTICLE).to_string_lossy(),
                "-f",
                "document"
            ],
            b""
        ))
    );
    let cases = [
        ("pdflatex", greek, "η = 0.1 by hand: Ω, δ and ς"),
        ("lualatex", japanese, "手計算で確かめる誤差逆伝播（3-2-2）"),
    ];
    for (engine, document, title) in cases {
        if !tool_available_for(engine, "the PDF compile") {
            continue;
        }
        match &*compiled(engine, &document) {
            Ok(text) => assert!(
                normalize_pdf_text(text).starts_with(&normalize_pdf_text(title)),
                "{engine}: the PDF starts with {}",
                &text[..text.len().min(200)]
            ),
            Err(log) => panic!("{engine} failed:\n{log}"),
        }
    }
}

/// pdftotext writes a few characters of the Computer Modern fonts its own way (Ω as the ohm
/// sign), and breaks lines where it likes; compare with whitespace collapsed.
fn normalize_pdf_text(text: &str) -> String {
    text.replace('\u{2212}', "-")
        .replace('\u{2126}', "Ω")
        .replace('\u{2013}', "--")
        .replace('\u{2c6}', "^")
        .replace('\u{2dc}', "~")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------------
// Token soup: whatever the text, the pipeline answers with output or an error, never a panic.

const VOCABULARY: &[&str] = &[
    "title",
    "input",
    "target",
    "layer",
    "loss",
    "sgd",
    "x",
    "t",
    "W",
    "b",
    "lr",
    "steps",
    "sigmoid",
    "identity",
    "sum_squared",
    "softmax",
    "foo",
    "=",
    "[",
    "]",
    ",",
    "[[",
    "]]",
    "0",
    "1",
    "-1",
    "0.5",
    "-0.25",
    "1e3",
    "1e-30",
    "1e37",
    "1e40",
    "3.14159265358979323846264",
    "\"a title\"",
    "\"\\\"\"",
    "\"手計算\"",
    "\"",
    "\\",
    "# comment\n",
    "\n",
    "\t",
    "é",
    "^^5c",
];

fn soup(tokens: &[usize], glue: &[bool]) -> String {
    let mut text = String::new();
    for (n, &token) in tokens.iter().enumerate() {
        text.push_str(VOCABULARY[token % VOCABULARY.len()]);
        if glue.get(n).copied().unwrap_or(true) {
            text.push(' ');
        }
    }
    text
}

fn never_panics(text: &str) {
    use backprop_tex::{derive_text, Format, Settings};
    for format in [Format::Json, Format::Latex, Format::Document] {
        let settings = Settings {
            format,
            ..Settings::default()
        };
        if let Ok(output) = derive_text(text, &settings) {
            assert!(!output.contains("NaN"), "{text}");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    #[test]
    fn token_soup_never_panics(
        tokens in proptest::collection::vec(0usize..VOCABULARY.len(), 0..60),
        glue in proptest::collection::vec(proptest::bool::ANY, 0..60),
    ) {
        never_panics(&soup(&tokens, &glue));
    }

    /// The article with tokens deleted, repeated or replaced: mostly almost valid files.
    #[test]
    fn mutated_article_never_panics(
        edits in proptest::collection::vec((0usize..200, 0u8..3, 0usize..VOCABULARY.len()), 1..6),
    ) {
        let article = std::fs::read_to_string(root().join(ARTICLE)).unwrap();
        let mut tokens: Vec<String> = article.split_whitespace().map(str::to_string).collect();
        for (at, kind, token) in edits {
            let at = at % tokens.len().max(1);
            match kind {
                0 if !tokens.is_empty() => { tokens.remove(at); }
                1 if !tokens.is_empty() => { let copy = tokens[at].clone(); tokens.insert(at, copy); }
                _ => tokens.insert(at, VOCABULARY[token].to_string()),
            }
        }
        never_panics(&tokens.join(" "));
    }
}

// ---------------------------------------------------------------------------------------------
// Edge cases found in review.

#[test]
fn extreme_numbers_in_formulas_end_in_output_or_an_error_never_a_panic() {
    for file in [
        "activation f(a) = a^(-9223372036854775808)\ninput x = [1]\nlayer f W = [[1]]\ntarget t = [0]\nloss sum_squared\n",
        "activation f(a) = a * 1^999999999999999\ninput x = [1]\nlayer f W = [[1]]\ntarget t = [0]\nloss sum_squared\n",
        "activation f(a) = a * 9223372036854775808 * (-18446744073709551616)\ninput x = [1]\nlayer f W = [[1]]\ntarget t = [0]\nloss sum_squared\n",
        "input x = [18446744073709551616]\nlayer identity W = [[-9223372036854775808]]\ntarget t = [0]\nloss (y, t) = y / (-1)\n",
        "input x = [18446744073709551616]\nlayer identity W = [[-9223372036854775808]]\ntarget t = [0]\nloss (y, t) = -y + 1\n",
    ] {
        let output = run_with(&["derive", "-", "-f", "json"], file.as_bytes());
        assert!(matches!(output.status.code(), Some(0 | 1)), "{file}\n{}", String::from_utf8_lossy(&output.stderr));
    }
    // −(−2^63 · 2^64) + 1 = 2^127 + 1: the sign must survive.
    let file = b"input x = [18446744073709551616]\nlayer identity W = [[-9223372036854775808]]\ntarget t = [0]\nloss (y, t) = -y + 1\n";
    let json: Json =
        serde_json::from_str(&stdout(&run_with(&["derive", "-", "-f", "json"], file))).unwrap();
    assert!(json["steps"][0]["loss"].as_f64().unwrap() > 1e38);
}
