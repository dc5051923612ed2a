//! moodle.xml and canvas-qti.zip read as the LMS importers read them. Neither LMS can run here
//! (no network for Composer or a Canvas image), so the readers below follow the importers'
//! code step by step and assert what those would refuse or get wrong.
//!
//! Moodle, moodle/moodle `question/format/xml/format.php` (`qformat_xml`):
//! - `readquestions`: the file is one XML document; its `quiz` element's `question` children
//!   are the questions, dispatched on `@type` by `import_question`.
//! - `import_headers`: `name/text` is required (`xmlimportnoname`); `questiontext` and
//!   `generalfeedback` are read by `import_text_with_files` — `text`, `@format` through
//!   `trans_format` (an unknown format is a debugging message and becomes html), and the
//!   `file` children through `import_files_as_draft`: `@name`, `@path` (default `/`), the
//!   content `base64_decode`d; a second file of the same path and name is skipped.
//!   `defaultgrade`, `penalty`, `idnumber`.
//! - `import_numerical`: each `answer`: `text` (a number or `*`), `@fraction`/100,
//!   `tolerance` (default 0); `question/format.php`'s `importprocess` then refuses a question
//!   whose fraction is not one of `question_bank::fraction_options_full()` (with
//!   `match_grade_options`, "error"), drops an `idnumber` that its category already holds, and
//!   rewrites `@@PLUGINFILE@@/name` to the question's own file of that name (one it lacks is a
//!   broken image).
//! - `import_multianswer` (`type="cloze"`): `qtype_multianswer_extract_question`
//!   (question/type/multianswer/questiontype.php) finds the blanks with `ANSWER_REGEX` in the
//!   whole text, in order; a NUMERICAL blank's alternatives are `=`/`%n%`, then an answer
//!   matching `NUMERICAL_ALTERNATIVE_REGEX` (`number:tolerance`); then
//!   `qtype_multianswer_validate_question` wants an answer that is a number, with fraction 1.
//! - `import_category`: `category/text`; `create_category_path` splits it with
//!   `split_category_path` (at a `/` alone, `//` read as `/`, each part trimmed), takes a
//!   leading `$course$` as the context and puts `top` first when it is not.
//!
//! Canvas documents its QTI 1.2 import only by example (its own export); what its converter
//! (instructure/canvas-lms, `gems/plugins/qti_exporter`, `Qti::NumericInteraction`) reads of a
//! numerical item is the `or` of an exact value and a `vargte`/`varlte` pair, the margin being
//! `varlte − exact` computed in BigDecimal; the manifest's files must be in the package, and
//! `$IMS-CC-FILEBASE$/…` resolves to `web_resources/…`, which it imports only as a resource's
//! own file.

use std::collections::{BTreeMap, BTreeSet};

use super::lms::read;

/// `exam` of `file` (text) with `extra`, 3 variants, into a fresh directory.
fn exam(text: &str, extra: &[&str]) -> tempfile::TempDir {
    super::lms::exam_of_text(text, "11", extra)
}

/// A network whose title has every character a category path or XML could trip on.
fn hostile_title() -> String {
    std::fs::read_to_string(crate::support::root().join("examples/exam.nn"))
        .unwrap()
        .replace(
            "title \"Backpropagation by hand\"",
            "title \"/Nets/ & <b>\\\"1/2\\\"</b> //\"",
        )
        .replace(
            "ask update W2",
            "ask update W2\nask grad w12 1\nask delta 2",
        )
}

/// The title's category part as Moodle stores it: split, `//` read as `/`, trimmed, then
/// `clean_param(PARAM_TEXT)`, which strips tags.
const TITLE_PART: &str = "/Nets/ & \"1/2\" //";

/// What `importprocess` ends with for one question.
#[derive(Debug)]
struct Imported {
    kind: String,
    /// The category, as the list of names `create_category_path` finds or makes.
    category: Vec<String>,
    name: String,
    idnumber: Option<String>,
    /// For numerical: (answer, fraction, tolerance); for cloze, one per blank.
    answers: Vec<(f64, f64, f64)>,
}

/// `trans_format`'s known names.
const FORMATS: &[&str] = &[
    "moodle_auto_format",
    "html",
    "plain_text",
    "wiki_like",
    "markdown",
];

/// `question_bank::fraction_options_full()`: 0, ±1 and ± these.
const FRACTIONS: &[f64] = &[
    0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2, 0.1666667,
    0.1428571, 0.125, 0.1111111, 0.1, 0.05,
];

fn valid_fraction(f: f64) -> bool {
    let options = FRACTIONS
        .iter()
        .flat_map(|&x| [x, -x])
        .chain([0.0, 1.0, -1.0]);
    options.into_iter().any(|o| (o - f).abs() < 1e-7)
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(name))
}

/// `getpath(…, array(…, 'text', 0, '#'), '', true)`: the trimmed text of `node`'s `text`.
fn text_of(node: roxmltree::Node) -> String {
    child(node, "text")
        .and_then(|t| t.text())
        .unwrap_or("")
        .trim()
        .to_string()
}

/// `split_category_path`: at each `/` with no `/` either side, `//` read as `/`, trimmed;
/// `clean_param(PARAM_TEXT)` then strips tags.
fn split_category_path(path: &str) -> Vec<String> {
    let bytes = path.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 0..bytes.len() {
        let alone =
            bytes[i] == b'/' && (i == 0 || bytes[i - 1] != b'/') && bytes.get(i + 1) != Some(&b'/');
        if alone {
            parts.push(&path[start..i]);
            start = i + 1;
        }
    }
    parts.push(&path[start..]);
    parts
        .into_iter()
        .map(|p| strip_tags(p.replace("//", "/").trim()))
        .collect()
}

fn strip_tags(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in text.chars() {
        match c {
            '<' => inside = true,
            '>' if inside => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// `create_category_path`: the context (`$course$`) off the front, `top` put first unless it
/// is there with a category under it.
fn create_category_path(path: &str) -> Vec<String> {
    let mut names = split_category_path(path);
    let context = names[0].len() > 2
        && names[0].starts_with('$')
        && names[0].ends_with('$')
        && names[0][1..names[0].len() - 1]
            .bytes()
            .all(|b| b.is_ascii_lowercase());
    assert!(context, "{path}: no context such as $course$ first");
    assert_eq!(names[0], "$course$", "{path}");
    names.remove(0);
    if names[0] != "top" || names.len() < 3 {
        names.insert(0, "top".into());
    }
    for name in &names {
        assert!(!name.is_empty(), "{path}: an empty category name");
    }
    names
}

/// `import_text_with_files` of `field`: its format known, its files decoded; every
/// `@@PLUGINFILE@@/…` its text refers to is one of them.
fn text_with_files(field: roxmltree::Node, what: &str) -> String {
    let format = field.attribute("format").unwrap_or("html");
    assert!(FORMATS.contains(&format), "{what}: format {format}");
    let text = text_of(field);
    let mut files = BTreeSet::new();
    for file in field.children().filter(|c| c.has_tag_name("file")) {
        let name = file.attribute("name").unwrap_or("");
        let path = file.attribute("path").unwrap_or("/");
        assert!(!name.is_empty() && path.starts_with('/') && path.ends_with('/'));
        assert!(
            files.insert(format!("{path}{name}")),
            "{what}: {name} twice"
        );
        let content = base64_decode(file.text().unwrap_or(""));
        if name.ends_with(".svg") {
            let svg = String::from_utf8(content).expect("the SVG is UTF-8");
            roxmltree::Document::parse(&svg).expect("the SVG is XML");
        }
    }
    for reference in text.split("@@PLUGINFILE@@").skip(1) {
        let name: String = reference
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | ' ' | '>' | '?' | '#'))
            .collect();
        assert!(
            files.contains(&name),
            "{what}: {name} is not one of its files {files:?}"
        );
    }
    text
}

/// PHP's `base64_decode` (not strict) keeps only the alphabet; checked strictly here, so that
/// nothing is silently dropped.
pub(super) fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {:?}", c as char),
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert_eq!(bytes.len() % 4, 0, "base64 in whole quads");
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        let n = chunk[..4 - pad]
            .iter()
            .fold(0u32, |n, &c| (n << 6) | u32::from(value(c)))
            << (6 * pad);
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8][..3 - pad]);
    }
    out
}

/// A number as `qtype_numerical::is_valid_number` and `NUMBER_REGEX` read it:
/// `-?([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?`.
fn moodle_number(text: &str) -> Option<f64> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once(['.', ',']) {
        Some((int, frac)) => {
            (digits(int) && (frac.is_empty() || digits(frac))) || (int.is_empty() && digits(frac))
        }
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    (mantissa_ok && exponent_ok).then(|| text.replace(',', ".").parse().ok())?
}

/// `qtype_multianswer_extract_question`: every blank `ANSWER_REGEX` finds, in order, each
/// as its alternatives (fraction, answer text).
fn cloze_blanks(text: &str) -> Vec<(String, Vec<(f64, String)>)> {
    const TYPES: &[&str] = &[
        "NUMERICAL",
        "NM",
        "MULTICHOICE",
        "MC",
        "MULTICHOICE_V",
        "MCV",
        "MULTICHOICE_H",
        "MCH",
        "SHORTANSWER",
        "SA",
        "MW",
        "SHORTANSWER_C",
        "SAC",
        "MWC",
        "MULTICHOICE_S",
        "MCS",
        "MULTICHOICE_VS",
        "MCVS",
        "MULTICHOICE_HS",
        "MCHS",
        "MULTIRESPONSE",
        "MR",
        "MULTIRESPONSE_H",
        "MRH",
        "MULTIRESPONSE_S",
        "MRS",
        "MULTIRESPONSE_HS",
        "MRHS",
    ];
    let mut blanks = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        // ANSWER_START_REGEX: `{` digits `:` a type `:`.
        let norm_end = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        let start = after[norm_end..].strip_prefix(':').and_then(|t| {
            let end = t.find(':')?;
            TYPES
                .contains(&&t[..end])
                .then(|| (t[..end].to_string(), &t[end + 1..]))
        });
        let Some((kind, body)) = start else {
            rest = after;
            continue;
        };
        // The alternatives up to the first `}` that no backslash escapes.
        let bytes = body.as_bytes();
        let Some(close) =
            (0..bytes.len()).find(|&i| bytes[i] == b'}' && (i == 0 || bytes[i - 1] != b'\\'))
        else {
            rest = after;
            continue;
        };
        let alternatives = body[..close]
            .split('~')
            .map(|alt| {
                let alt = alt.split('#').next().unwrap_or("");
                if let Some(answer) = alt.strip_prefix('=') {
                    (1.0, answer.to_string())
                } else if let Some((percent, answer)) =
                    alt.strip_prefix('%').and_then(|a| a.split_once('%'))
                {
                    (percent.parse::<f64>().unwrap() / 100.0, answer.to_string())
                } else {
                    (0.0, alt.to_string())
                }
            })
            .collect();
        blanks.push((kind, alternatives));
        rest = &body[close + 1..];
    }
    blanks
}

/// `readquestions` and `importprocess` over moodle.xml: every question imports, or the test
/// fails where the importer would refuse it.
fn import_moodle(xml: &str) -> Vec<Imported> {
    let doc = roxmltree::Document::parse(xml).expect("xmlize reads it");
    let quiz = doc.root_element();
    assert_eq!(quiz.tag_name().name(), "quiz");
    let mut category: Option<Vec<String>> = None;
    let mut ids: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for q in quiz.children().filter(|n| n.is_element()) {
        assert_eq!(q.tag_name().name(), "question", "only questions in <quiz>");
        let kind = q
            .attribute("type")
            .expect("import_question reads @type")
            .to_string();
        if kind == "category" {
            let path = text_of(child(q, "category").expect("import_category"));
            category = Some(create_category_path(&path));
            continue;
        }
        let category = category
            .clone()
            .expect("a category before the first question");
        let name = text_of(child(q, "name").expect("xmlimportnoname"));
        assert!(!name.is_empty(), "xmlimportnoname");
        let what = format!("{kind} question {name}");
        let questiontext = text_with_files(child(q, "questiontext").expect("questiontext"), &what);
        if let Some(feedback) = child(q, "generalfeedback") {
            text_with_files(feedback, &what);
        }
        for field in ["defaultgrade", "penalty"] {
            if let Some(n) = child(q, field) {
                let value: f64 = n.text().unwrap_or("").trim().parse().expect(field);
                assert!(value >= 0.0, "{what}: {field}");
            }
        }
        let idnumber = child(q, "idnumber")
            .and_then(|n| n.text())
            .map(str::to_string);
        if let Some(id) = &idnumber {
            // importprocess: an idnumber already in the category is dropped.
            assert!(
                ids.entry(category.clone()).or_default().insert(id.clone()),
                "{what}: idnumber {id} twice in {category:?}"
            );
        }
        let answers = match kind.as_str() {
            "numerical" => q
                .children()
                .filter(|c| c.has_tag_name("answer"))
                .map(|answer| {
                    let text = text_of(answer);
                    let value =
                        moodle_number(&text).unwrap_or_else(|| panic!("{what}: answer {text}"));
                    let fraction: f64 = answer
                        .attribute("fraction")
                        .unwrap_or("0")
                        .parse()
                        .expect("fraction");
                    let tolerance = child(answer, "tolerance")
                        .map(|t| t.text().unwrap_or("").trim().to_string())
                        .unwrap_or_else(|| "0".into());
                    let tolerance = moodle_number(&tolerance)
                        .unwrap_or_else(|| panic!("{what}: tolerance {tolerance}"));
                    (value, fraction / 100.0, tolerance)
                })
                .collect::<Vec<_>>(),
            "cloze" => cloze_blanks(&questiontext)
                .into_iter()
                .map(|(blank, alternatives)| {
                    assert_eq!(blank, "NUMERICAL", "{what}");
                    let (fraction, answer) = alternatives
                        .into_iter()
                        .find(|(f, _)| *f == 1.0)
                        .unwrap_or_else(|| panic!("{what}: fractionsnomax"));
                    // NUMERICAL_ALTERNATIVE_REGEX: `number(:number)?`.
                    let (value, tolerance) = answer.split_once(':').unwrap_or((&answer, "0"));
                    let value = moodle_number(value).unwrap_or_else(|| panic!("{what}: {answer}"));
                    let tolerance =
                        moodle_number(tolerance).unwrap_or_else(|| panic!("{what}: {answer}"));
                    (value, fraction, tolerance)
                })
                .collect(),
            other => panic!("{what}: qformat_xml has no importer for {other} here"),
        };
        assert!(!answers.is_empty(), "{what}: notenoughanswers");
        for (_, fraction, tolerance) in &answers {
            assert!(valid_fraction(*fraction), "{what}: invalidgrade {fraction}");
            assert!(*tolerance >= 0.0, "{what}");
        }
        if kind == "numerical" {
            assert!(
                answers.iter().any(|a| a.1 == 1.0),
                "{what}: no answer is worth 100 %"
            );
        }
        out.push(Imported {
            kind,
            category,
            name,
            idnumber,
            answers,
        });
    }
    out
}

#[test]
fn moodle_imports_every_question_into_its_category() {
    let text = hostile_title();
    let dir = exam(&text, &[]);
    let imported = import_moodle(&read(dir.path(), "moodle.xml"));
    // examples/exam.nn's 11 numbers, ∂E/∂w_12^(1) already among them, and δ^(2)'s 2.
    let per_variant = 13;
    assert_eq!(imported.len(), 3 * per_variant);
    let mut categories: BTreeMap<&[String], usize> = BTreeMap::new();
    for q in &imported {
        assert_eq!(q.kind, "numerical");
        // top → the title → the position's category: the title's slashes, quotes and
        // ampersand survive, its tags are cleaned away as Moodle does.
        assert_eq!(q.category.len(), 3, "{:?}", q.category);
        assert_eq!(q.category[..2], ["top".to_string(), TITLE_PART.to_string()]);
        let position = q.idnumber.as_deref().unwrap().rsplit_once("-q").unwrap().1;
        assert!(
            q.category[2].starts_with(&format!("Q{position} ")),
            "{:?}",
            q.category
        );
        assert_eq!(q.answers.len(), 1);
        *categories.entry(&q.category).or_default() += 1;
    }
    assert_eq!(categories.len(), per_variant);
    assert!(categories.values().all(|&n| n == 3), "{categories:?}");
    assert!(categories.contains_key(&["top", TITLE_PART, "Q2 dE/dw_11^(1)"].map(String::from)[..]));
    assert!(categories.contains_key(&["top", TITLE_PART, "Q13 delta_2^(2)"].map(String::from)[..]));

    let cloze = exam(&text, &["--moodle", "cloze", "--lang", "ja"]);
    let clozes = import_moodle(&read(cloze.path(), "moodle.xml"));
    assert_eq!(clozes.len(), 3);
    for (c, variant) in clozes.iter().zip(imported.chunks(per_variant)) {
        assert_eq!(c.category, ["top", TITLE_PART, "Cloze"].map(String::from));
        assert!(c.name.starts_with("問題 0"), "{}", c.name);
        // The blanks Moodle finds are the numerical questions' answers, in order.
        let numbers: Vec<(f64, f64, f64)> = variant.iter().map(|q| q.answers[0]).collect();
        assert_eq!(c.answers, numbers);
    }
}

#[test]
fn the_category_reader_is_moodles() {
    // question/format/tests: test_split_category_path's own case.
    assert_eq!(
        split_category_path("$course$/Tim's questions/Tricky things like // //// and so on/Category name ending in // / // and one that starts with one"),
        ["$course$", "Tim's questions", "Tricky things like / // and so on", "Category name ending in /", "/ and one that starts with one"]
    );
    assert_eq!(create_category_path("$course$/top/a/b"), ["top", "a", "b"]);
    assert_eq!(create_category_path("$course$/a"), ["top", "a"]);
    // The rule's letter: `top` with one name under it is read as a category named `top` (the
    // exam's paths have two names under it).
    assert_eq!(create_category_path("$course$/top/a"), ["top", "top", "a"]);
    assert_eq!(
        cloze_blanks("x {1:NUMERICAL:=3.252:0.0005} \\(a_{1}\\) {2:NM:%50%1:0.1~=2#yes}"),
        [
            (
                "NUMERICAL".to_string(),
                vec![(1.0, "3.252:0.0005".to_string())]
            ),
            (
                "NM".to_string(),
                vec![(0.5, "1:0.1".to_string()), (1.0, "2".to_string())]
            ),
        ]
    );
    assert_eq!(moodle_number("-0.00015"), Some(-0.00015));
    assert_eq!(moodle_number("4.0"), Some(4.0));
    assert_eq!(moodle_number("1.5e-4"), Some(1.5e-4));
    assert_eq!(moodle_number("1.2.3"), None);
    assert_eq!(moodle_number("0x10"), None);
    assert!(valid_fraction(1.0) && valid_fraction(0.3333333) && !valid_fraction(0.42));
}

/// The entries of a zip of stored entries, by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    let end = bytes.len() - 22;
    assert_eq!(u32_at(end), 0x0605_4b50);
    let (count, mut at) = (u16_at(end + 10), u32_at(end + 16));
    let mut entries = BTreeMap::new();
    for _ in 0..count {
        let size = u32_at(at + 24);
        let name_len = u16_at(at + 28);
        let local = u32_at(at + 42);
        let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).unwrap();
        let data_at = local + 30 + u16_at(local + 26) + u16_at(local + 28);
        entries.insert(name, bytes[data_at..data_at + size].to_vec());
        at += 46 + name_len + u16_at(at + 30) + u16_at(at + 32);
    }
    entries
}

/// A decimal as an exact (mantissa, scale), as BigDecimal reads it.
fn decimal(text: &str) -> (i128, u32) {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    (format!("{int}{frac}").parse().unwrap(), frac.len() as u32)
}

/// `a − b` of two decimals, exactly, as text without trailing zeros.
fn difference(a: &str, b: &str) -> (i128, u32) {
    let ((ma, sa), (mb, sb)) = (decimal(a), decimal(b));
    let scale = sa.max(sb);
    let mut m = ma * 10i128.pow(scale - sa) - mb * 10i128.pow(scale - sb);
    let mut s = scale;
    while s > 0 && m % 10 == 0 {
        m /= 10;
        s -= 1;
    }
    (m, s)
}

#[test]
fn canvas_resolves_every_file_and_reads_the_moodle_margin() {
    let dir = exam(&hostile_title(), &[]);
    let moodle = import_moodle(&read(dir.path(), "moodle.xml"));
    let zip = unzip(&std::fs::read(dir.path().join("exam/canvas-qti.zip")).unwrap());
    let text = |name: &str| String::from_utf8(zip[name].clone()).unwrap();
    let manifest_text = text("imsmanifest.xml");
    let manifest = roxmltree::Document::parse(&manifest_text).unwrap();
    let mut webcontent = BTreeSet::new();
    let mut assessments = Vec::new();
    let identifiers: Vec<&str> = manifest
        .descendants()
        .filter(|r| r.has_tag_name("resource"))
        .map(|r| r.attribute("identifier").unwrap())
        .collect();
    assert_eq!(
        identifiers.iter().collect::<BTreeSet<_>>().len(),
        identifiers.len()
    );
    for resource in manifest
        .descendants()
        .filter(|r| r.has_tag_name("resource"))
    {
        for file in resource.children().filter(|f| f.has_tag_name("file")) {
            let href = file.attribute("href").unwrap();
            assert!(zip.contains_key(href), "{href} is not in the package");
            match resource.attribute("type") {
                Some("webcontent") => {
                    webcontent.insert(href.to_string());
                }
                Some("imsqti_xmlv1p2") => assessments.push(href.to_string()),
                other => panic!("a resource of type {other:?}"),
            }
        }
        for dependency in resource.children().filter(|d| d.has_tag_name("dependency")) {
            let id = dependency.attribute("identifierref").unwrap();
            assert!(
                identifiers.contains(&id),
                "a dependency on {id}, which is no resource"
            );
        }
    }
    assert_eq!(assessments.len(), 1);
    let assessment_text = text(&assessments[0]);
    let doc = roxmltree::Document::parse(&assessment_text).unwrap();
    let items: Vec<_> = doc
        .descendants()
        .filter(|i| i.has_tag_name("item"))
        .collect();
    assert_eq!(items.len(), moodle.len());
    let mut idents = BTreeSet::new();
    for (item, q) in items.iter().zip(&moodle) {
        let ident = item.attribute("ident").unwrap();
        assert!(idents.insert(ident), "item {ident} twice");
        let field = |label: &str| {
            item.descendants()
                .filter(|f| f.has_tag_name("qtimetadatafield"))
                .find(|f| child(*f, "fieldlabel").and_then(|l| l.text()) == Some(label))
                .and_then(|f| child(f, "fieldentry")?.text())
                .unwrap_or_else(|| panic!("{ident}: no {label}"))
        };
        assert_eq!(field("question_type"), "numerical_question");
        assert!(field("points_possible").parse::<f64>().unwrap() > 0.0);
        // The answer box the conditions test.
        let response = item
            .descendants()
            .find(|r| r.has_tag_name("response_str"))
            .and_then(|r| r.attribute("ident"))
            .unwrap();
        let condition = |tag: &str| {
            let node = item.descendants().find(|n| n.has_tag_name(tag)).unwrap();
            assert_eq!(
                node.attribute("respident"),
                Some(response),
                "{ident}: {tag}"
            );
            node.text().unwrap().to_string()
        };
        let (exact, low, high) = (
            condition("varequal"),
            condition("vargte"),
            condition("varlte"),
        );
        // NumericInteraction: exact, and the margin varlte − exact, in BigDecimal; the same
        // below; Moodle's tolerance, exactly.
        let margin = difference(&high, &exact);
        assert_eq!(margin, difference(&exact, &low), "{ident}: not symmetric");
        let (answer, _, tolerance) = q.answers[0];
        assert_eq!(exact.parse::<f64>().unwrap(), answer, "{ident}");
        assert_eq!(
            margin.0 as f64 / 10f64.powi(margin.1 as i32),
            tolerance,
            "{ident}"
        );
        // Every picture it shows is a resource's own file.
        let html = item
            .descendants()
            .find(|m| m.has_tag_name("mattext"))
            .and_then(|m| m.text())
            .unwrap();
        let mut pictures = 0;
        for reference in html.split("$IMS-CC-FILEBASE$/").skip(1) {
            let path: String = reference.chars().take_while(|c| *c != '"').collect();
            let file = format!("web_resources/{path}");
            assert!(
                webcontent.contains(&file),
                "{ident}: {file} is no webcontent resource"
            );
            roxmltree::Document::parse(&text(&file)).expect("the SVG is XML");
            pictures += 1;
        }
        assert_eq!(pictures, 1, "{ident}");
        assert!(
            !html.contains("@@PLUGINFILE@@"),
            "{ident}: Moodle's token in Canvas"
        );
    }
}
