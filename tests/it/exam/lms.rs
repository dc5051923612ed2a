//! The exam as a teacher imports, hands out and grades it (issue 14): Moodle questions that
//! hold the whole problem and its drawing, a category per asked quantity, stable idnumbers,
//! Cloze, the Canvas package, the tolerance rule, the answer key's table, Japanese throughout.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::{full_matrix, json, run, stdout, subset, tool_available};

const EXAM: &str = "examples/exam.nn";

/// How many variants the tests make: few in a plain `cargo test`, more with the full matrix.
fn variants() -> usize {
    if full_matrix() {
        30
    } else {
        4
    }
}

/// `exam examples/exam.nn --seed 5` with `extra` into a fresh directory.
fn exam(variants: usize, extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exam");
    let n = variants.to_string();
    let mut args = vec![
        "exam",
        EXAM,
        "--variants",
        &n,
        "--seed",
        "5",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    stdout(&run(&args));
    dir
}

/// `exam` of the file text `text` (3 variants, seed `seed`) with `extra`, into a fresh directory
/// whose `exam/` holds the bundle.
pub(super) fn exam_of_text(text: &str, seed: &str, extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("exam.nn");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("exam");
    let mut args = vec![
        "exam",
        file.to_str().unwrap(),
        "--variants",
        "3",
        "--seed",
        seed,
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    stdout(&run(&args));
    dir
}

/// The bundle's file `name`, of a directory made by [`exam`] or [`exam_of_text`].
pub(super) fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("exam").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub(super) fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> roxmltree::Node<'a, 'i> {
    node.children()
        .find(|c| c.has_tag_name(name))
        .unwrap_or_else(|| panic!("no <{name}> in <{}>", node.tag_name().name()))
}

/// The text of `node`'s `<text>` child.
pub(super) fn text_of<'a>(node: roxmltree::Node<'a, '_>) -> &'a str {
    child(node, "text").text().unwrap_or("")
}

/// The `\begin{bmatrix}…\end{bmatrix}` of rows of numbers as the file writes them.
fn bmatrix(rows: &[Vec<String>]) -> String {
    let rows: Vec<String> = rows.iter().map(|r| r.join(" & ")).collect();
    format!("\\begin{{bmatrix}}{}\\end{{bmatrix}}", rows.join("\\\\"))
}

/// What a variant's question text must show, from its own files: each W and b (from its JSON),
/// x and t (from its `.nn`), η.
fn problem_parts(dir: &Path, label: &str) -> Vec<String> {
    let doc = json(
        dir.join("exam")
            .join(format!("variant-{label}.nn"))
            .to_str()
            .unwrap(),
        &[],
    );
    let numbers = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_f64().unwrap().to_string())
            .collect()
    };
    let mut parts = Vec::new();
    for (l, layer) in doc["steps"][0]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let rows: Vec<Vec<String>> = layer["W"].as_array().unwrap().iter().map(numbers).collect();
        parts.push(format!("W^{{({})}}={}", l + 1, bmatrix(&rows)));
        if !layer["b"].is_null() {
            let column: Vec<Vec<String>> =
                numbers(&layer["b"]).into_iter().map(|b| vec![b]).collect();
            parts.push(format!("b^{{({})}}={}", l + 1, bmatrix(&column)));
        }
    }
    let nn = read(dir, &format!("variant-{label}.nn"));
    for (keyword, symbol) in [("input", "x"), ("target", "t")] {
        let line = nn.lines().find(|l| l.starts_with(keyword)).unwrap();
        let list = line.split_once('=').unwrap().1.trim();
        let column: Vec<Vec<String>> = list
            .trim_matches(['[', ']'])
            .split(", ")
            .map(|v| vec![v.to_string()])
            .collect();
        parts.push(format!("\\mathbf{{{symbol}}}={}", bmatrix(&column)));
    }
    parts.push(format!("\\eta={}", doc["lr"].as_f64().unwrap()));
    parts
}

/// A numerical question of `moodle.xml`: its variant's label, position, name, category, text,
/// general feedback, answer and tolerance.
#[derive(Debug)]
pub(super) struct Numerical {
    pub(super) label: String,
    pub(super) position: usize,
    pub(super) name: String,
    pub(super) category: String,
    pub(super) idnumber: String,
    pub(super) text: String,
    pub(super) feedback: String,
    pub(super) answer: String,
    pub(super) tolerance: String,
}

/// The numerical questions of `moodle.xml`, in file order, each checked to embed its drawing.
pub(super) fn numerical_questions(xml: &str) -> Vec<Numerical> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let mut category = String::new();
    let mut out = Vec::new();
    for q in doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("question"))
    {
        match q.attribute("type") {
            Some("category") => category = text_of(child(q, "category")).to_string(),
            Some("numerical") => {
                let idnumber = child(q, "idnumber").text().unwrap().to_string();
                // backprop-vNN-qK
                let (label, position) = idnumber
                    .strip_prefix("backprop-v")
                    .and_then(|rest| rest.split_once("-q"))
                    .unwrap_or_else(|| panic!("{idnumber}"));
                let questiontext = child(q, "questiontext");
                assert_eq!(questiontext.attribute("format"), Some("html"));
                // The drawing, embedded: a base64 SVG that parses.
                let file = child(questiontext, "file");
                assert_eq!(file.attribute("name"), Some("network.svg"));
                assert_eq!(file.attribute("encoding"), Some("base64"));
                let svg = String::from_utf8(super::importers::base64_decode(file.text().unwrap()))
                    .unwrap();
                let drawing = roxmltree::Document::parse(&svg).expect("the SVG is XML");
                assert_eq!(drawing.root_element().tag_name().name(), "svg");
                let answer = child(q, "answer");
                assert_eq!(answer.attribute("fraction"), Some("100"));
                out.push(Numerical {
                    label: label.to_string(),
                    position: position.parse().unwrap(),
                    name: text_of(child(q, "name")).to_string(),
                    category: category.clone(),
                    idnumber: idnumber.clone(),
                    text: text_of(questiontext).to_string(),
                    feedback: text_of(child(q, "generalfeedback")).to_string(),
                    answer: text_of(answer).to_string(),
                    tolerance: child(answer, "tolerance").text().unwrap().to_string(),
                });
            }
            other => panic!("a question of type {other:?}"),
        }
    }
    out
}

/// The asked numbers of examples/exam.nn in a variant's JSON, in the order asked: E, ∂E/∂W¹
/// row by row, W² after the update.
fn asked_values(doc: &serde_json::Value) -> Vec<f64> {
    let step = &doc["steps"][0];
    let flat = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()))
            .collect()
    };
    let mut values = vec![step["loss"].as_f64().unwrap()];
    values.extend(flat(&step["layers"][0]["grad_W"]));
    values.extend(flat(&step["layers"][1]["W_after"]));
    values
}

/// `x` rounded to `digits` significant digits, and the exponent of its first digit.
fn rounded(x: f64, digits: usize) -> (f64, i32) {
    let text = format!("{x:.*e}", digits - 1);
    let exponent: i32 = text.split_once('e').unwrap().1.parse().unwrap();
    (text.parse().unwrap(), exponent)
}

#[test]
fn every_moodle_question_holds_the_whole_problem_in_its_category() {
    let n = variants();
    let dir = exam(n, &[]);
    let questions = numerical_questions(&read(dir.path(), "moodle.xml"));
    assert_eq!(questions.len(), 11 * n);
    let mut parts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for q in &questions {
        let wanted = parts
            .entry(q.label.clone())
            .or_insert_with(|| problem_parts(dir.path(), &q.label));
        for part in wanted.iter() {
            assert!(
                q.text.contains(part.as_str()),
                "{}: no {part} in {}",
                q.idnumber,
                q.text
            );
        }
        assert!(
            q.text.contains("<img src=\"@@PLUGINFILE@@/network.svg\""),
            "{}",
            q.text
        );
        // MathJax in Moodle reads \( \) and \[ \], never a single $.
        assert!(!q.text.contains('$'), "{}", q.text);
        assert!(q.text.contains("\\(") && q.text.contains("\\["));
        assert!(q.text.contains("to 4 significant digits"));
    }
    // One category per asked quantity, the same in every variant.
    let mut categories: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
    for q in &questions {
        categories
            .entry(q.position)
            .or_default()
            .insert(&q.category);
    }
    assert_eq!(categories.len(), 11);
    assert!(categories.values().all(|c| c.len() == 1), "{categories:?}");
    let distinct: BTreeSet<&str> = questions.iter().map(|q| q.category.as_str()).collect();
    assert_eq!(distinct.len(), 11);
    assert!(distinct.contains("$course$/top/Backpropagation by hand/Q2 dE//dw_11^(1)"));
    // idnumbers: unique, and the same in another run.
    let ids: BTreeSet<&str> = questions.iter().map(|q| q.idnumber.as_str()).collect();
    assert_eq!(ids.len(), questions.len());
    let again = exam(n, &[]);
    let again = numerical_questions(&read(again.path(), "moodle.xml"));
    let ids_again: BTreeSet<&str> = again.iter().map(|q| q.idnumber.as_str()).collect();
    assert_eq!(ids, ids_again);
}

#[test]
fn every_tolerance_follows_the_rule_and_stays_within_one_percent() {
    let n = variants();
    let dir = exam(n, &[]);
    let questions = numerical_questions(&read(dir.path(), "moodle.xml"));
    for label in (1..=n).map(|v| format!("{v:02}")) {
        let file = dir.path().join("exam").join(format!("variant-{label}.nn"));
        let exact = asked_values(&json(file.to_str().unwrap(), &[]));
        let carried = asked_values(&json(file.to_str().unwrap(), &["--carry", "rounded"]));
        let mine: Vec<&Numerical> = questions.iter().filter(|q| q.label == label).collect();
        assert_eq!(mine.len(), exact.len());
        for (q, (x, r)) in mine.iter().zip(exact.iter().zip(&carried)) {
            let answer: f64 = q.answer.parse().unwrap();
            let tolerance: f64 = q.tolerance.parse().unwrap();
            let (shown, exponent) = rounded(*x, 4);
            let half = 0.5 * 10f64.powi(exponent - 3);
            assert!(
                (answer - shown).abs() < 1e-12,
                "{}: {answer} for {x}",
                q.idnumber
            );
            let rule = half + (shown - rounded(*r, 4).0).abs();
            assert!(
                tolerance <= 0.01 * answer.abs(),
                "{}: {tolerance} is more than 1 % of {answer}",
                q.idnumber
            );
            // The cap: 1 % of the answer, rounded down to two significant digits.
            let (cap_digits, cap_exponent) = rounded(0.01 * answer.abs(), 2);
            let step = 10f64.powi(cap_exponent - 1);
            let cap = if cap_digits > 0.01 * answer.abs() {
                cap_digits - step
            } else {
                cap_digits
            };
            assert!(
                tolerance >= rule.min(cap) * (1.0 - 1e-9),
                "{}: {tolerance} is less than the rule's {rule} (capped at {cap})",
                q.idnumber
            );
            // Both ways of working are accepted, unless that would take more than the cap.
            if rule <= cap {
                assert!((rounded(*r, 4).0 - answer).abs() <= tolerance * (1.0 + 1e-9));
            }
        }
    }
    // Set by hand: a share of the answer, or an amount.
    let relative = exam(2, &["--tolerance", "0.5%"]);
    for q in numerical_questions(&read(relative.path(), "moodle.xml")) {
        let (answer, tolerance): (f64, f64) =
            (q.answer.parse().unwrap(), q.tolerance.parse().unwrap());
        assert!(
            (tolerance / answer.abs() - 0.005).abs() < 0.005 * 0.01,
            "{q:?}"
        );
    }
    let absolute = exam(2, &["--tolerance", "0.001"]);
    for q in numerical_questions(&read(absolute.path(), "moodle.xml")) {
        assert_eq!(q.tolerance, "0.001");
    }
    for bad in ["-1", "0", "0%", "150%", "abc", "nan", "inf"] {
        let flag = format!("--tolerance={bad}");
        let output = run(&["exam", EXAM, &flag, "-o", "/nonexistent/x"]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("is not a tolerance"));
    }
}

#[test]
fn cloze_asks_every_number_of_a_variant_in_one_question() {
    let n = variants();
    let numerical = numerical_questions(&read(exam(n, &[]).path(), "moodle.xml"));
    let dir = exam(n, &["--moodle", "cloze"]);
    let xml = read(dir.path(), "moodle.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let clozes: Vec<_> = doc
        .descendants()
        .filter(|q| q.has_tag_name("question") && q.attribute("type") == Some("cloze"))
        .collect();
    assert_eq!(clozes.len(), n);
    for (v, q) in clozes.iter().enumerate() {
        let label = format!("{:02}", v + 1);
        let text = text_of(child(*q, "questiontext"));
        for part in problem_parts(dir.path(), &label) {
            assert!(text.contains(&part), "no {part}");
        }
        assert!(!text.contains('$') && text.contains("@@PLUGINFILE@@/network.svg"));
        let blanks: Vec<(&str, &str)> = text
            .split("{1:NUMERICAL:=")
            .skip(1)
            .map(|rest| {
                let blank = rest.split_once('}').unwrap().0;
                blank.split_once(':').unwrap()
            })
            .collect();
        let expected: Vec<(&str, &str)> = numerical
            .iter()
            .filter(|q| q.label == label)
            .map(|q| (q.answer.as_str(), q.tolerance.as_str()))
            .collect();
        assert_eq!(blanks, expected, "variant {label}");
        assert!(text_of(child(*q, "generalfeedback")).contains("\\["));
        assert_eq!(
            child(*q, "idnumber").text(),
            Some(format!("backprop-v{label}-cloze").as_str())
        );
    }
}

/// The entries of a zip of stored entries, by name, their CRC-32 checked.
pub(crate) fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    let end = bytes.len() - 22;
    assert_eq!(u32_at(end), 0x0605_4b50, "the end record");
    let (count, mut at) = (u16_at(end + 10), u32_at(end + 16));
    let crc = |data: &[u8]| {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    };
    let mut entries = BTreeMap::new();
    for _ in 0..count {
        assert_eq!(u32_at(at), 0x0201_4b50, "a directory entry");
        let method = u16_at(at + 10);
        let sum = u32_at(at + 16) as u32;
        let size = u32_at(at + 24);
        let name_len = u16_at(at + 28);
        let local = u32_at(at + 42);
        let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).unwrap();
        assert_eq!(method, 0, "{name} is stored");
        assert_eq!(u32_at(local), 0x0403_4b50, "{name}'s local header");
        let data_at = local + 30 + u16_at(local + 26) + u16_at(local + 28);
        let data = bytes[data_at..data_at + size].to_vec();
        assert_eq!(crc(&data), sum, "{name}'s CRC");
        entries.insert(name, data);
        at += 46 + name_len + u16_at(at + 30) + u16_at(at + 32);
    }
    entries
}

#[test]
fn the_canvas_package_has_a_numerical_item_per_ask_with_decimal_bounds() {
    let n = variants();
    let dir = exam(n, &[]);
    let moodle = numerical_questions(&read(dir.path(), "moodle.xml"));
    let zip = std::fs::read(dir.path().join("exam/canvas-qti.zip")).unwrap();
    let files = unzip(&zip);
    let text = |name: &str| String::from_utf8(files[name].clone()).unwrap();
    let manifest_text = text("imsmanifest.xml");
    let manifest = roxmltree::Document::parse(&manifest_text).unwrap();
    let resources: Vec<_> = manifest
        .descendants()
        .filter(|r| r.has_tag_name("resource"))
        .collect();
    let assessment = resources
        .iter()
        .find(|r| r.attribute("type") == Some("imsqti_xmlv1p2"))
        .expect("an assessment resource");
    let href = child(*assessment, "file").attribute("href").unwrap();
    // Every picture is a webcontent resource of its own, and in the package.
    let pictures: Vec<&str> = resources
        .iter()
        .filter(|r| r.attribute("type") == Some("webcontent"))
        .map(|r| r.attribute("href").unwrap())
        .collect();
    assert_eq!(pictures.len(), n);
    for picture in &pictures {
        let svg = text(picture);
        roxmltree::Document::parse(&svg).expect("the SVG is XML");
    }
    let assessment_text = text(href);
    let doc = roxmltree::Document::parse(&assessment_text).unwrap();
    let items: Vec<_> = doc
        .descendants()
        .filter(|i| i.has_tag_name("item"))
        .collect();
    assert_eq!(items.len(), 11 * n);
    for (item, q) in items.iter().zip(&moodle) {
        let kind = item
            .descendants()
            .filter(|f| f.has_tag_name("qtimetadatafield"))
            .find(|f| child(*f, "fieldlabel").text() == Some("question_type"))
            .map(|f| child(f, "fieldentry").text().unwrap());
        assert_eq!(kind, Some("numerical_question"));
        let bound = |tag: &str| -> &str {
            item.descendants()
                .find(|b| b.has_tag_name(tag))
                .and_then(|b| b.text())
                .unwrap_or_else(|| panic!("no {tag}"))
        };
        for tag in ["varequal", "vargte", "varlte"] {
            assert!(
                bound(tag).contains('.'),
                "{tag} {} has no decimal point",
                bound(tag)
            );
        }
        let (answer, tolerance): (f64, f64) =
            (q.answer.parse().unwrap(), q.tolerance.parse().unwrap());
        assert_eq!(bound("varequal"), q.answer);
        let (lo, hi): (f64, f64) = (
            bound("vargte").parse().unwrap(),
            bound("varlte").parse().unwrap(),
        );
        assert!(
            (lo - (answer - tolerance)).abs() < 1e-12 && (hi - (answer + tolerance)).abs() < 1e-12
        );
        let html = item
            .descendants()
            .find(|m| m.has_tag_name("mattext"))
            .and_then(|m| m.text())
            .unwrap();
        assert_eq!(
            html,
            q.text.replace(
                "@@PLUGINFILE@@/network.svg",
                &format!("$IMS-CC-FILEBASE$/backprop-tex/variant-{}.svg", q.label)
            )
        );
        assert!(pictures
            .contains(&format!("web_resources/backprop-tex/variant-{}.svg", q.label).as_str()));
    }
}

#[test]
fn japanese_throughout_and_nothing_english_left() {
    let dir = exam(2, &["--lang", "ja"]);
    let moodle = read(dir.path(), "moodle.xml");
    for q in numerical_questions(&moodle) {
        assert!(q.text.contains("有効数字4桁で求めなさい"), "{}", q.text);
        assert!(q.text.contains("学習率は"));
        for english in [
            "Compute",
            "compute",
            "after the update",
            "Layer",
            "learning rate",
        ] {
            assert!(!q.text.contains(english), "{english} in {}", q.text);
        }
    }
    assert!(moodle.contains("問題 01 の問 8: w_11^(2)（更新後）"));
    let zip = unzip(&std::fs::read(dir.path().join("exam/canvas-qti.zip")).unwrap());
    let assessment =
        String::from_utf8(zip["backprop-tex-exam/backprop-tex-exam.xml"].clone()).unwrap();
    assert!(assessment.contains("有効数字4桁で求めなさい") && !assessment.contains("Compute"));
    let answers = read(dir.path(), "answers.tex");
    assert!(answers.contains("\\section*{解答}") && answers.contains("許容誤差"));
    assert!(!answers.contains("Answer key") && !answers.contains("after the update"));
    let questions = read(dir.path(), "questions.tex");
    assert!(questions.contains("（更新後）") && !questions.contains("after the update"));
}

#[test]
fn without_the_diagram_no_picture_is_embedded() {
    let dir = exam(2, &["--no-diagram"]);
    let moodle = read(dir.path(), "moodle.xml");
    assert!(!moodle.contains("<file") && !moodle.contains("<img"));
    let zip = unzip(&std::fs::read(dir.path().join("exam/canvas-qti.zip")).unwrap());
    assert!(
        zip.keys().all(|name| !name.ends_with(".svg")),
        "{:?}",
        zip.keys()
    );
}

/// Compiles `name` in `dir` with `engine`; the PDF's path.
fn compile(engine: &str, dir: &Path, name: &str) -> std::path::PathBuf {
    let output = std::process::Command::new(engine)
        .args([
            "-halt-on-error",
            "-interaction=nonstopmode",
            "-no-shell-escape",
            name,
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{engine} {name}:\n{}",
        &log[log.len().saturating_sub(3000)..]
    );
    dir.join(name.replace(".tex", ".pdf"))
}

fn pages(pdf: &Path) -> usize {
    let info = std::process::Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn first_page(pdf: &Path) -> String {
    let text = std::process::Command::new("pdftotext")
        .args(["-f", "1", "-l", "1", "-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&text.stdout).into_owned()
}

#[test]
fn the_sheets_compile_one_page_a_variant_and_the_key_opens_with_its_table() {
    let tool = |program| tool_available(program, &["--version"]);
    // pdfinfo and pdftotext know -v, not --version.
    if !tool("pdflatex")
        || !tool("lualatex")
        || !tool_available("pdfinfo", &["-v"])
        || !tool_available("pdftotext", &["-v"])
    {
        return;
    }
    let n = if full_matrix() { 30 } else { 3 };
    if !full_matrix() {
        subset("3 variants, the Japanese key left out");
    }
    let jobs: Vec<_> = [("en", "pdflatex"), ("ja", "lualatex")]
        .into_iter()
        .map(|(lang, engine)| {
            std::thread::spawn(move || {
                let dir = exam(n, &["--lang", lang]);
                let out = dir.path().join("exam");
                let questions = compile(engine, &out, "questions.tex");
                assert_eq!(pages(&questions), n, "{lang}: one page per variant");
                // The Japanese key with the full matrix (lualatex takes seconds a sheet).
                if lang == "ja" && !full_matrix() {
                    return;
                }
                let answers = compile(engine, &out, "answers.tex");
                let page = first_page(&answers);
                for q in numerical_questions(&read(dir.path(), "moodle.xml")) {
                    if q.label == "01" {
                        assert!(
                            page.contains(&q.answer) && page.contains(&q.tolerance),
                            "{lang}: {} ± {} not on the key's first page:\n{page}",
                            q.answer,
                            q.tolerance
                        );
                    }
                }
            })
        })
        .collect();
    for job in jobs {
        job.join().unwrap();
    }
}

/// Beyond plain SGD the online problem states what the answers depend on, as the question
/// sheet does: each layer's dropout (masks, p, form), weight decay (Ẽ and λ) and the
/// optimizer with its convention and settings; plain SGD states none of them.
#[test]
fn a_trained_networks_problem_states_its_optimizer_decay_and_dropout() {
    let text = std::fs::read_to_string(crate::support::root().join(EXAM))
        .unwrap()
        .replace(
            "sgd lr = 0.1",
            "optimizer momentum lr = 0.1, momentum = 0.9\nweight_decay 0.01",
        )
        .replacen(
            "\nlayer identity",
            "  dropout mask = [1, 0], keep = 0.5\n\nlayer identity",
            1,
        );
    assert!(text.contains("weight_decay 0.01") && text.contains("dropout mask"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trained.nn");
    std::fs::write(&file, &text).unwrap();
    let out = dir.path().join("exam");
    let args = [
        "exam",
        file.to_str().unwrap(),
        "--variants",
        "2",
        "--seed",
        "5",
    ];
    stdout(&run(&[&args[..], &["-o", out.to_str().unwrap()]].concat()));
    let stated = [
        "Layer 1 uses dropout.",
        r"\mathbf{r}=\begin{bmatrix}1\\0\end{bmatrix},\qquad p=0.5,\qquad \tilde{\mathbf{z}}=\mathbf{z}\odot\frac{\mathbf{r}}{p}",
        "includes weight decay (of the weights, not the biases)",
        r"\tilde{E}=E+\frac{\lambda}{2}(\sum_{i}\sum_{j}(w_{ij}^{(1)})^2+\sum_{i}\sum_{j}(w_{ij}^{(2)})^2),\qquad \lambda=0.01",
        r"updated with momentum in the form of Deep Learning from Scratch and of Bishop",
        r"with \(\eta=0.1\), \(\mu=0.9\).",
    ];
    let moodle = read(dir.path(), "moodle.xml");
    let questions = numerical_questions(&moodle);
    assert!(!questions.is_empty());
    for q in &questions {
        for words in stated {
            assert!(q.text.contains(words), "{words} not in {}", q.text);
        }
    }
    let zip = unzip(&std::fs::read(out.join("canvas-qti.zip")).unwrap());
    let assessment =
        String::from_utf8(zip["backprop-tex-exam/backprop-tex-exam.xml"].clone()).unwrap();
    assert!(assessment.contains("includes weight decay") && assessment.contains("uses dropout"));
    let sheet = std::fs::read_to_string(out.join("questions.tex")).unwrap();
    assert!(sheet.contains(r"\qquad \lambda=0.01") && sheet.contains("uses dropout"));
    // Plain SGD: the problem as before.
    let plain = exam(1, &[]);
    let moodle = read(plain.path(), "moodle.xml");
    for words in ["dropout", "weight decay", "momentum"] {
        assert!(!moodle.contains(words), "{words} in plain SGD's problem");
    }
}
