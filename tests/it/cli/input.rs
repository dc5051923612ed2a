//! Input text as people really type it: byte-order marks, every kind of line end, characters
//! from PDFs and input methods, files too large to read, lines too long to echo.

use unicode_width::UnicodeWidthStr;

use crate::support::{root, run, run_with, stdout};

const FORMATS: [&str; 3] = ["latex", "markdown", "json"];

fn examples() -> Vec<String> {
    let mut examples: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".nn"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 5, "{examples:?}");
    examples
}

/// The same text as Windows Notepad, classic Mac OS and a mixed editor would save it.
fn line_end_variants(text: &str) -> [(&'static str, String); 4] {
    let crlf = text.replace('\n', "\r\n");
    [
        ("BOM", format!("\u{FEFF}{text}")),
        ("CRLF", crlf.clone()),
        ("CR", text.replace('\n', "\r")),
        ("BOM and CRLF", format!("\u{FEFF}{crlf}")),
    ]
}

#[test]
fn bom_crlf_and_cr_files_derive_byte_identically() {
    for example in examples() {
        let text = std::fs::read_to_string(root().join("examples").join(&example)).unwrap();
        assert!(text.contains('#'), "{example} has a comment to swallow");
        for format in FORMATS {
            let args = ["derive", "-", "-f", format];
            let plain = run_with(&args, text.as_bytes());
            let plain = stdout(&plain);
            for (kind, variant) in line_end_variants(&text) {
                let output = run_with(&args, variant.as_bytes());
                assert!(
                    stdout(&output) == plain,
                    "{example} with {kind} differs in -f {format}"
                );
            }
        }
    }
}

#[test]
fn cr_only_errors_point_at_the_right_line() {
    let text = "# one\rinput x = [1, 2]\r\rlayer sigmoid W = [[1, 2]\rloss sum_squared\r";
    let output = run_with(&["derive", "-"], text.as_bytes());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--> <stdin>:5:1\n"), "{stderr}");
    assert!(stderr.contains("5 | loss sum_squared\n"), "{stderr}");
}

/// The echoed source line and the caret line of a message (after their `N | ` gutters).
fn echo_and_carets(stderr: &str) -> (&str, &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 5, "no snippet in\n{stderr}");
    let after_gutter = |line: &str| line.find(" | ").map_or(line.len(), |n| n + 3);
    let (echo, carets) = (lines[3], lines[4]);
    (&echo[after_gutter(echo)..], &carets[after_gutter(carets)..])
}

/// Characters from each family the issue names, in a line where the language has no place for
/// them: each is refused with a located message, a hint, and a caret under it.
#[test]
fn every_character_family_is_located_with_a_caret_under_it() {
    let cases: &[(&str, &str, &str)] = &[
        ("input x = [1, −2]", "−", "copied from a PDF?"),
        ("input x = [1, —2]", "—", "use `-`"),
        ("input x = [1‐2]", "‐", "use `-`"),
        (
            "input x = [1，2]",
            "，",
            "full-width `，` (U+FF0C): use `,`",
        ),
        ("input x = ［1, 2]", "［", "use `[`"),
        ("input x = [1, 2］", "］", "use `]`"),
        ("input x ＝ [1]", "＝", "use `=`"),
        ("input x = [０]", "０", "use `0`"),
        ("input x = [1, ９]", "９", "use `9`"),
        ("input　x = [1]", "\u{3000}", "a full-width space (U+3000)"),
        ("input\u{A0}x = [1]", "\u{A0}", "no-break space (U+00A0)"),
        ("input\u{2009}x = [1]", "\u{2009}", "use a plain space"),
        (
            "layer sig\u{200B}moid",
            "<U+200B>",
            "zero-width space (U+200B)",
        ),
        ("input x = [1\u{200C}]", "<U+200C>", "zero-width non-joiner"),
        ("input x = [1\u{200D}]", "<U+200D>", "zero-width joiner"),
        ("input x = [1]\u{FEFF}", "<U+FEFF>", "byte-order mark"),
        (
            "input x = [1] \u{202E}",
            "<U+202E>",
            "text-direction control",
        ),
        ("title “x”", "“", "straight double quotes"),
        ("title ‘x’", "‘", "straight double quotes"),
        ("sgd η = 0.1", "η", "such as `eta`"),
        ("layer σ", "σ", "such as `sigma`"),
        ("activation f(a) = a × a", "×", "use `*`"),
        ("activation f(a) = a · a", "·", "use `*`"),
        ("activation f(a) = a ÷ 2", "÷", "use `/`"),
        ("loss 二乗誤差", "二", "names are ASCII"),
        ("layer sigmoïd", "ï", "names are ASCII"),
        ("input é = [1]", "é", "names are ASCII"),
        ("input x = [1, \u{7}]", "␇", "control character U+0007"),
        ("input 😀 = [1]", "😀", "means nothing outside"),
        // Tabs and double-width characters before the fault, on a later line.
        (
            "# 入力\n\tinput\tx = [1,\t2]\t# 入力\n\ttarget 手 = [0]",
            "手",
            "names",
        ),
        ("title \"手計算\"\t input x = [1, −1]", "−", "PDF"),
    ];
    for (text, shown, hint) in cases {
        let output = run_with(&["derive", "-"], text.as_bytes());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(1), "{text}: {stderr}");
        let first = stderr.lines().next().unwrap();
        assert!(first.starts_with("error: expected "), "{text}: {stderr}");
        assert!(first.contains(hint), "{text}: {stderr}");
        let (echo, carets) = echo_and_carets(&stderr);
        assert!(!echo.contains('\t'), "{text}: tabs are expanded\n{stderr}");
        let at = echo
            .find(shown)
            .unwrap_or_else(|| panic!("{text}: {shown} in\n{stderr}"));
        let column = echo[..at].width();
        let width = shown.width().max(1);
        assert_eq!(
            carets,
            format!("{}{}", " ".repeat(column), "^".repeat(width)),
            "{text}:\n{stderr}"
        );
        // The column after `-->` counts characters: the character is that one of its line.
        let location = stderr.lines().nth(1).unwrap();
        let (line, col) = location.rsplit_once(':').unwrap();
        let line: usize = line.rsplit(':').next().unwrap().parse().unwrap();
        let col: usize = col.parse().unwrap();
        let source_line = text.lines().nth(line - 1).unwrap();
        let found = source_line.chars().nth(col - 1).unwrap();
        let meant = if shown.starts_with("<U+") {
            char::from_u32(u32::from_str_radix(&shown[3..shown.len() - 1], 16).unwrap()).unwrap()
        } else if *shown == "␇" {
            '\u{7}'
        } else {
            shown.chars().next().unwrap()
        };
        assert_eq!(found, meant, "{text}: {location}");
    }
}

#[test]
fn titles_know_only_two_escapes() {
    let output = run_with(&["derive", "-"], br#"title "\input{x}""#);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.starts_with(
            "error: unknown escape `\\i` in the title; write `\\\\` for a backslash\n \
             --> <stdin>:1:8\n"
        ),
        "{stderr}"
    );
    assert_eq!(echo_and_carets(&stderr).1, "       ^^");
    // The two escapes still work.
    let article = std::fs::read_to_string(root().join(crate::support::ARTICLE)).unwrap();
    let text = article.replace(
        "title \"Backpropagation by hand: a 3-2-2 network\"",
        r#"title "a \"quoted\" \\ title""#,
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&run_with(
        &["derive", "-", "-f", "json"],
        text.as_bytes(),
    )))
    .unwrap();
    assert_eq!(doc["title"], r#"a "quoted" \ title"#);
}

#[test]
fn input_size_is_capped_while_reading() {
    let article = std::fs::read(root().join(crate::support::ARTICLE)).unwrap();
    let size = article.len().to_string();
    let smaller = (article.len() - 1).to_string();
    for command in ["derive", "check"] {
        let fits = run_with(&[command, "-", "--max-input-bytes", &size], &article);
        assert_eq!(fits.status.code(), Some(0), "{command} at the limit");
        let over = run_with(&[command, "-", "--max-input-bytes", &smaller], &article);
        assert_eq!(over.status.code(), Some(1), "{command} over the limit");
        assert!(over.stdout.is_empty());
        assert_eq!(
            String::from_utf8(over.stderr).unwrap(),
            format!(
                "error: <stdin> is larger than {smaller} bytes, the input size limit (raise \
                 it with --max-input-bytes)\n"
            )
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exam");
    let exam = run(&[
        "exam",
        "examples/exam.nn",
        "--variants",
        "1",
        "-o",
        out.to_str().unwrap(),
        "--max-input-bytes",
        "10",
    ]);
    assert_eq!(exam.status.code(), Some(1));
    assert!(!out.exists(), "nothing written");
    assert!(String::from_utf8(exam.stderr)
        .unwrap()
        .starts_with("error: examples/exam.nn is larger than 10 bytes"));
}

/// A file that never ends is read only to the default limit, 16 MiB.
#[cfg(unix)]
#[test]
fn dev_zero_stops_at_the_default_limit() {
    let run = crate::measure::run_measured(&["derive", "/dev/zero"], Vec::new());
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "error: /dev/zero is larger than 16777216 bytes (16 MiB), the input size limit (raise \
         it with --max-input-bytes)\n"
    );
    assert!(
        run.cpu.as_secs() < 5 && run.max_rss_kb < 256 * 1024,
        "{:?}, {} kB",
        run.cpu,
        run.max_rss_kb
    );
}

#[test]
fn a_two_megabyte_line_gives_a_short_message() {
    // (A window that starts inside the line is tested in src/error.rs: a fault 2 MB into a
    // line takes the parser seconds to reach in a debug build.)
    let line = format!("input x = [1，2] # {}\n", "and so on ".repeat(200_000));
    assert!(line.len() > 2_000_000);
    let output = run_with(&["derive", "-"], line.as_bytes());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.len() < 600, "{} bytes:\n{stderr}", stderr.len());
    let (echo, carets) = echo_and_carets(&stderr);
    assert!(echo.starts_with("input x = [1，2] # and so on") && echo.ends_with('…'));
    assert_eq!(echo.width(), 101, "{stderr}");
    assert_eq!(carets, format!("{}^^", " ".repeat(12)));
    // A name of two million letters is clipped in the message itself.
    let text = format!(
        "input x = [1]\ntarget t = [1]\nlayer {}\n W = [[1]]\nloss sum_squared\n",
        "a".repeat(2_000_000)
    );
    let output = run_with(&["derive", "-"], text.as_bytes());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.len() < 1000, "{} bytes", stderr.len());
    assert!(
        stderr.starts_with("error: unknown activation `aaa"),
        "{stderr}"
    );
    assert!(stderr.contains("…"), "{stderr}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

    /// Any character at any place of the article, parsed and its error rendered in process:
    /// never a panic, and a caret on every located message.
    #[test]
    fn any_character_anywhere_renders_a_located_message(
        at in 0usize..400,
        pick in 0usize..24,
    ) {
        use backprop_tex::Source;
        const CHARS: [&str; 24] = [
            "−", "–", "，", "［", "＝", "０", "\u{3000}", "\u{A0}", "\u{200B}", "\u{200D}", "“",
            "η", "×", "·", "二乗", "é", "\t", "\r", "\r\n", "\u{FEFF}", "😀", "\u{7}", "\\", "e\u{301}",
        ];
        let article = std::fs::read_to_string(root().join(crate::support::ARTICLE)).unwrap();
        let mut at = at % article.len();
        while !article.is_char_boundary(at) {
            at -= 1;
        }
        let text = format!("{}{}{}", &article[..at], CHARS[pick], &article[at..]);
        let text = backprop_tex::normalise(text);
        if let Err(error) = backprop_tex::parse(&text) {
            let source = Source::new("a.nn", text.clone());
            let rendered = error.render(Some(&source));
            proptest::prop_assert!(rendered.starts_with("error: "), "{}", rendered);
            proptest::prop_assert!(rendered.contains("--> a.nn:"), "{}", rendered);
            proptest::prop_assert!(rendered.lines().any(|l| l.ends_with('^')), "{}", rendered);
        }
    }
}

/// A file far larger than any network within the limits is refused before it is parsed (parsing
/// costs a few hundred bytes a token): the limit follows the network limits, and says which to
/// raise.
#[test]
fn more_tokens_than_the_limits_can_use_are_refused_before_parsing() {
    // 2 × (10 + 2 × 10 × 1) + 100,000 tokens with these limits.
    let limits = [
        "--max-gradients",
        "10",
        "--max-units",
        "10",
        "--max-samples",
        "1",
    ];
    let numbers = vec!["1"; 50_100].join(", ");
    let text = format!("input x = [{numbers}]\n");
    let mut args = vec!["derive", "-"];
    args.extend_from_slice(&limits);
    let output = run_with(&args, text.as_bytes());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "error: the file holds more than 100060 tokens (numbers, names and symbols), more \
             than any network within the limits needs; raise --max-gradients, --max-units or \
             --max-samples"
        ),
        "{stderr}"
    );
    // `input x = [` are tokens 1–4, number k token 2k + 3: token 100,061 is number 50,029, at
    // column 12 + 3 × 50,028.
    let column = 12 + 3 * 50_028;
    assert!(
        stderr.contains(&format!("--> <stdin>:1:{column}\n")),
        "{stderr}"
    );
    // Within the limit, the same vector reaches the checks (and their limit on units).
    let fewer = format!("input x = [{}]\n", vec!["1"; 40_000].join(", "));
    let output = run_with(&args, fewer.as_bytes());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: the file has no"), "{stderr}");
    // A comment or a string is one token, however long.
    let commented = format!("# {}\ntitle \"{}\"\n", numbers, numbers);
    let output = run_with(&args, commented.as_bytes());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: the file has no input"),
        "{stderr}"
    );
}
