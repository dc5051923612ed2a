//! The marked worked solution `grade --format latex` writes for a teacher to hand back: each
//! answered quantity's worked chain, and under it the student's number, struck through where
//! it is wrong and set beside the right one. The strike is the document's own `\struck` (a
//! rule over the number's box), so that pdflatex and lualatex set it with no package beyond
//! amsmath, amssymb and xcolor.

use super::{escape_text, exam, Printer};
use crate::derivation::Chain;
use crate::math::number::Decimal;

/// How an answer was marked.
pub enum Mark {
    Correct,
    /// Wrong but following from the student's own earlier answers, named in LaTeX.
    Follows(Vec<String>),
    /// Wrong; the right number as shown at the student's digits.
    Wrong(String),
}

/// One marked answer: its worked chain, whether it is a parameter after the update, the
/// student's number and the mark.
pub struct Marked<'a> {
    pub chain: &'a Chain,
    pub after: bool,
    pub given: Decimal,
    pub mark: Mark,
}

/// The name a chain states, in LaTeX (`w_{11}^{(1)}` after the update says so).
pub fn name(printer: &Printer, chain: &Chain, after: bool) -> String {
    let name = printer.expr(&chain.lhs);
    if after {
        format!("{name}\\text{{ after the update}}")
    } else {
        name
    }
}

/// One answer file's marked solution: a section titled `title`, the summary, every answer.
pub fn section(printer: &Printer, title: &str, summary: &str, rows: &[Marked]) -> String {
    let mut out = format!(
        "\\section*{{{}}}\n{}\n\n",
        escape_text(title),
        escape_text(summary)
    );
    for row in rows {
        out.push_str(&exam::chain(printer, row.chain));
        out.push('\n');
        let given = printer.given(row.given);
        let name = name(printer, row.chain, row.after);
        let line = match &row.mark {
            Mark::Correct => format!(
                "\\textcolor{{green!50!black}}{{$\\checkmark$}} ${name}={given}$: correct"
            ),
            Mark::Follows(from) => format!(
                "\\textcolor{{orange}}{{$\\rightarrow$}} ${name}={given}$: follows from your \
                 ${}$ (error carried forward)",
                from.join("$, $")
            ),
            Mark::Wrong(right) => format!(
                "\\textcolor{{red}}{{$\\times$}} ${name}=$ \\textcolor{{red}}{{\\struck{{${given}$}}}} \
                 ${right}$: wrong"
            ),
        };
        out.push_str(&format!("\\noindent {line}\\par\\medskip\n\n"));
    }
    out
}

/// The whole document around the sections.
pub fn document(title: &str, sections: &[String]) -> String {
    let mut out = String::from(
        "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\usepackage{xcolor}\n\
         \\newcommand{\\struck}[1]{\\setbox0\\hbox{#1}\\rlap{\\raisebox{0.5ex}{\\rule{\\wd0}{0.6pt}}}\\box0}\n",
    );
    out.push_str(&format!(
        "\\title{{{}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n",
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
