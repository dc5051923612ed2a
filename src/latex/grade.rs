//! The marked worked solution `grade --format latex` writes for a teacher to hand back: each
//! answered quantity's worked chain, and under it the student's number, struck through where
//! it is wrong and set beside the right one. The rows come fitted as `derive` fits its rows
//! (`render::Fitter`), so the page is `derive`'s, A4 with 2 cm margins: the width they are
//! broken to. The strike is the document's own `\struck` (a rule over the number's box), so
//! that pdflatex and lualatex set it with no package beyond amsmath, amssymb, xcolor and
//! geometry; in Japanese, with lualatex (luatexja's `ltjsarticle`).

use super::{escape_text, needs_luatexja, Environment, Printer};
use crate::derivation::Chain;
use crate::math::number::Value;

/// The LaTeX commands a student may type in an answer's name — `\frac{A}{B}`, `\partial`,
/// `\delta`, `\eta`, `\prime` — as the plain text `grade` reads (`A/B`, `d`, `delta`, `eta`,
/// `'`); the one room that writes LaTeX reads it back too.
pub fn read_commands(name: &str) -> String {
    let mut text = fraction(name);
    for (latex, plain) in [
        ("\\partial", "d"),
        ("\\delta", "delta"),
        ("\\eta", "eta"),
        ("\\prime", "'"),
    ] {
        text = text.replace(latex, plain);
    }
    text
}

/// `\frac{A}{B}` as `A/B` (each fraction of `name`; from one not closed on, the name is
/// left as written, so that a line of unclosed fractions is read once, not once for each).
fn fraction(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find("\\frac") {
        let after = &rest[at + "\\frac".len()..];
        let Some((top, tail)) = braced(after).and_then(|(top, tail)| {
            braced(tail).map(|(bottom, tail)| (format!("{top}/{bottom}"), tail))
        }) else {
            break;
        };
        out.push_str(&rest[..at]);
        out.push_str(&top);
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// The group `{…}` that `text` starts with (after spaces): its inside and what follows it.
fn braced(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    let inner = text.strip_prefix('{')?;
    let mut depth = 1;
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return Some((&inner[..at], &inner[at + 1..]));
        }
    }
    None
}

/// The language of the marked solution: English (pdflatex or lualatex), or Japanese
/// (lualatex, luatexja's `ltjsarticle`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Language {
    #[default]
    En,
    Ja,
}

/// The marked solution's words, in text mode.
struct Words {
    after_update: &'static str,
    correct: &'static str,
    wrong: &'static str,
}

impl Language {
    fn words(self) -> Words {
        match self {
            Language::En => Words {
                after_update: " after the update",
                correct: "correct",
                wrong: "wrong",
            },
            Language::Ja => Words {
                after_update: "（更新後）",
                correct: "正解",
                wrong: "誤り",
            },
        }
    }
}

impl Language {
    /// `follows from your $from$, which give $gives$ (error carried forward)`: `from` and
    /// `gives` in LaTeX already.
    fn follows(self, from: &str, gives: Option<String>) -> String {
        match (self, gives) {
            (Language::En, Some(gives)) => {
                format!("follows from your {from}, which give {gives} (error carried forward)")
            }
            (Language::En, None) => format!("follows from your {from} (error carried forward)"),
            (Language::Ja, Some(gives)) => {
                format!("あなたの {from} から正しく計算（その値で {gives}、誤差の持ち越し）")
            }
            (Language::Ja, None) => format!("あなたの {from} から正しく計算（誤差の持ち越し）"),
        }
    }
}

/// How an answer was marked.
pub enum Mark {
    Correct,
    /// Wrong but following from the student's own earlier answers (named in LaTeX): what
    /// their numbers give, shown at `digits`.
    Follows {
        from: Vec<String>,
        gives: Option<Value>,
        digits: u32,
    },
    /// Wrong; the right number, shown at `digits` (the student's).
    Wrong {
        right: Value,
        digits: u32,
    },
}

/// One marked answer: its worked chain, the chain's rows as fitted to the page (`lhs&rel&body`,
/// as `derive` sets them), whether it is a parameter after the update, the student's number in
/// ASCII as written (`0.500`, `-1.41e-3`: read as a number already) and the mark.
pub struct Marked<'a> {
    pub chain: &'a Chain,
    pub rows: String,
    pub after: bool,
    pub given: &'a str,
    pub mark: Mark,
}

/// A number as the student wrote it, every digit kept (`0.500` stays `0.500`), in LaTeX:
/// `1.41e-3` is `1.41\times10^{-3}`, `.5` is `0.5`, a `+` sign goes.
pub fn written(number: &str) -> String {
    let (mantissa, exponent) = match number.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (number, None),
    };
    let (sign, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let zero = if digits.starts_with('.') { "0" } else { "" };
    let mut out = format!("{sign}{zero}{digits}");
    if let Some(exponent) = exponent {
        let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
        let (minus, magnitude) = match exponent.strip_prefix('-') {
            Some(m) => ("-", m),
            None => ("", exponent),
        };
        let magnitude = magnitude.trim_start_matches('0');
        let magnitude = if magnitude.is_empty() { "0" } else { magnitude };
        out.push_str(&format!("\\times10^{{{minus}{magnitude}}}"));
    }
    out
}

/// The name a chain states, in LaTeX (`w_{11}^{(1)}` after the update says so).
pub fn name(printer: &Printer, chain: &Chain, after: bool, language: Language) -> String {
    let name = printer.expr(&chain.lhs);
    if after {
        format!("{name}\\text{{{}}}", language.words().after_update)
    } else {
        name
    }
}

/// One answer file's marked solution: a section titled `title`, the summary, every answer
/// (its rows a block of `env` of their own).
pub fn section(
    printer: &Printer,
    (language, env): (Language, Environment),
    title: &str,
    summary: &str,
    rows: &[Marked],
) -> String {
    let words = language.words();
    let mut out = format!(
        "\\section*{{{}}}\n{}\n\n",
        escape_text(title),
        escape_text(summary)
    );
    for row in rows {
        let env = env.name();
        out.push_str(&format!(
            "\\begin{{{env}*}}\n{}\n\\end{{{env}*}}\n",
            row.rows
        ));
        let given = written(row.given);
        let name = name(printer, row.chain, row.after, language);
        let line = match &row.mark {
            Mark::Correct => format!(
                "\\textcolor{{green!50!black}}{{$\\checkmark$}} ${name}={given}$: {}",
                words.correct
            ),
            Mark::Follows {
                from,
                gives,
                digits,
            } => {
                let gives = gives.map(|v| format!("${}$", printer.with_digits(*digits).value(v)));
                let from = format!("${}$", from.join("$, $"));
                format!(
                    "\\textcolor{{orange}}{{$\\rightarrow$}} ${name}={given}$: {}",
                    language.follows(&from, gives)
                )
            }
            Mark::Wrong { right, digits } => format!(
                "\\textcolor{{red}}{{$\\times$}} ${name}=$ \\textcolor{{red}}{{\\struck{{${given}$}}}} \
                 ${}$: {}",
                printer.with_digits(*digits).value(*right),
                words.wrong
            ),
        };
        out.push_str(&format!("\\noindent {line}\\par\\medskip\n\n"));
    }
    out
}

/// The whole document around the sections.
pub fn document(language: Language, title: &str, sections: &[String]) -> String {
    // A Japanese name (a student's file, a title) in an English document: luatexja, lualatex.
    let japanese = needs_luatexja(title) || sections.iter().any(|s| needs_luatexja(s));
    let mut out = String::from(super::document_class(language == Language::Ja, japanese));
    // The page `derive`'s documents have, which its rows are fitted to (`fit::LINE`).
    out.push_str(
        "\\usepackage{amsmath,amssymb}\n\\usepackage{xcolor}\n\
         \\usepackage[margin=2cm]{geometry}\n\\allowdisplaybreaks\n\
         \\newcommand{\\struck}[1]{\\setbox0\\hbox{#1}\\rlap{\\raisebox{0.5ex}{\\rule{\\wd0}{0.6pt}}}\\box0}\n",
    );
    // A mark's line is mostly formulas, few spaces to stretch: justified, it ran over.
    out.push_str(&format!(
        "\\title{{{}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n\\raggedright\n",
        escape_text(title)
    ));
    for (k, section) in sections.iter().enumerate() {
        if k > 0 {
            out.push_str("\\clearpage\n");
        }
        out.push_str(section);
    }
    out.push_str("\\end{document}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latex_a_student_types_in_a_name_reads_as_plain_text() {
        assert_eq!(
            read_commands("\\frac{\\partial E}{\\partial w_{11}^{(1)}}"),
            "d E/d w_{11}^{(1)}"
        );
        assert_eq!(read_commands("h^\\prime"), "h^'");
        // From a fraction not closed on, the name is as written.
        assert_eq!(read_commands("\\frac{a}{b} \\frac{a"), "a/b \\frac{a");
    }
}
