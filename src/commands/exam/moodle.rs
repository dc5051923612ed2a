//! `moodle.xml`: the exam as a Moodle question bank, written the way Moodle's importer
//! (`question/format/xml/format.php`) reads it.
//!
//! Every question holds the whole problem (the drawing as a file inside its `<questiontext>`,
//! referenced as `@@PLUGINFILE@@/network.svg`; the matrices in `\( \)` and `\[ \]`, the only
//! delimiters Moodle's MathJax filter reads), so that a quiz can be taken without the paper.
//! A numerical question per asked number goes into the category of its position (a category
//! element before each question: the importer switches categories there and reuses one it has
//! made), so that a quiz draws one random variant per position; or, with `--moodle cloze`, one
//! Cloze question per variant asks every number. `<idnumber>`s name the variant and the
//! position: importing the bank again updates it.

use super::text::Texts;
use super::{cdata, xml, Online};

/// The kind of Moodle question the exam is written as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MoodleKind {
    /// One numerical question per asked number, in a category per position.
    #[default]
    Numerical,
    /// One Cloze (embedded answers) question per variant, a blank per asked number.
    Cloze,
}

/// The name of the picture inside each question.
const PICTURE: &str = "network.svg";

/// The start of the file.
pub fn header() -> &'static str {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n"
}

pub fn footer() -> &'static str {
    "</quiz>\n"
}

/// A category path's part, as Moodle's `assemble_category_path` writes it: `split_category_path`
/// splits paths at a `/` alone and reads `//` as a slash, so a slash is doubled, and a part
/// that starts or ends with one is padded with a space (trimmed on import), lest its `//` run
/// into the separator (`a/` then `Q1` would read as one part, `a//Q1`).
fn path_part(text: &str) -> String {
    let mut part = text.replace('/', "//");
    if part.starts_with('/') {
        part.insert(0, ' ');
    }
    if part.ends_with('/') {
        part.push(' ');
    }
    part
}

/// The category every question of position `k` (from 1) goes into.
pub fn category(title: &str, k: usize, name: &str) -> String {
    format!("$course$/top/{}/Q{k} {}", path_part(title), path_part(name))
}

fn category_element(path: &str) -> String {
    format!(
        "  <question type=\"category\">\n    <category><text>{}</text></category>\n  </question>\n",
        xml(path)
    )
}

/// The question text's picture: the file element and the HTML that shows it.
fn picture(online: &Online, texts: Texts) -> (String, Option<String>) {
    match &online.problem.svg {
        Some(svg) => (
            format!(
                "\n      <file name=\"{PICTURE}\" path=\"/\" encoding=\"base64\">{}</file>",
                base64(svg.as_bytes())
            ),
            Some(format!(
                "<p><img src=\"@@PLUGINFILE@@/{PICTURE}\" alt=\"{}\" /></p>",
                texts.picture(online.problem.subject)
            )),
        ),
        None => (String::new(), None),
    }
}

/// Everything one variant adds to the file.
pub fn variant(kind: MoodleKind, title: &str, online: &Online, texts: Texts) -> String {
    let (file, img) = picture(online, texts);
    let mut out = String::new();
    match kind {
        MoodleKind::Numerical => {
            for (n, asked) in online.asked.iter().enumerate() {
                let k = n + 1;
                out.push_str(&category_element(&category(title, k, &asked.name)));
                let text = format!(
                    "{}<p>{}</p>",
                    online
                        .problem
                        .html(texts.intro(online.problem.subject), img.as_deref()),
                    texts.compute(&crate::latex::exam::inline(&asked.symbol), online.digits)
                );
                out.push_str(&format!(
                    "  <question type=\"numerical\">\n    <name><text>{}</text></name>\n    \
                     <questiontext format=\"html\">\n      <text>{}</text>{file}\n    </questiontext>\n    \
                     <generalfeedback format=\"html\"><text>{}</text></generalfeedback>\n    \
                     <defaultgrade>1</defaultgrade>\n    <penalty>0</penalty>\n    <hidden>0</hidden>\n    \
                     <idnumber>{}</idnumber>\n    \
                     <answer fraction=\"100\" format=\"plain_text\"><text>{}</text><tolerance>{}</tolerance><feedback format=\"html\"><text></text></feedback></answer>\n  \
                     </question>\n",
                    xml(&texts.question_name(online.label, k, &asked.name)),
                    cdata(&text),
                    cdata(&asked.feedback),
                    xml(&idnumber(online.label, Some(k))),
                    asked.graded.answer.text(),
                    asked.graded.tolerance.text(),
                ));
            }
        }
        MoodleKind::Cloze => {
            let blanks: Vec<String> = online
                .asked
                .iter()
                .map(|asked| {
                    format!(
                        "<p>{} = {}</p>",
                        crate::latex::exam::inline(&asked.symbol),
                        blank(&asked.graded.answer.text(), &asked.graded.tolerance.text())
                    )
                })
                .collect();
            let text = format!(
                "{}<p>{}</p>{}",
                online
                    .problem
                    .html(texts.intro_all(online.problem.subject), img.as_deref()),
                texts.compute_all(online.digits),
                blanks.concat()
            );
            let feedback: Vec<&str> = online.asked.iter().map(|a| a.feedback.as_str()).collect();
            out.push_str(&format!(
                "  <question type=\"cloze\">\n    <name><text>{}</text></name>\n    \
                 <questiontext format=\"html\">\n      <text>{}</text>{file}\n    </questiontext>\n    \
                 <generalfeedback format=\"html\"><text>{}</text></generalfeedback>\n    \
                 <penalty>0</penalty>\n    <hidden>0</hidden>\n    <idnumber>{}</idnumber>\n  \
                 </question>\n",
                xml(&texts.variant_name(online.label)),
                cdata(&text),
                cdata(&feedback.concat()),
                xml(&idnumber(online.label, None)),
            ));
        }
    }
    out
}

/// The category the Cloze questions go into, written once before them.
pub fn cloze_category(title: &str) -> String {
    category_element(&format!("$course$/top/{}/Cloze", path_part(title)))
}

/// A Cloze blank worth 1 whose right answer is `answer`, within `tolerance`.
pub fn blank(answer: &str, tolerance: &str) -> String {
    format!("{{1:NUMERICAL:={answer}:{tolerance}}}")
}

/// The id of a variant's question at position `k`, or of its Cloze question.
pub fn idnumber(label: &str, k: Option<usize>) -> String {
    match k {
        Some(k) => format!("backprop-v{label}-q{k}"),
        None => format!("backprop-v{label}-cloze"),
    }
}

/// Standard base64 with padding (RFC 4648), as PHP's `base64_decode` reads it.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> shift) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64("η".as_bytes()), "zrc=");
    }

    #[test]
    fn a_slash_in_a_category_name_is_doubled() {
        assert_eq!(
            category("a/b", 3, "dE/dw_12^(1)"),
            "$course$/top/a//b/Q3 dE//dw_12^(1)"
        );
        // Moodle's own test_assemble_category_path: a part ending or starting with a slash.
        assert_eq!(category("nets/", 1, "E"), "$course$/top/nets// /Q1 E");
        assert!(cloze_category("/x/").contains("<text>$course$/top/ //x// /Cloze</text>"));
    }
}
