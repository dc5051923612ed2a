//! The LaTeX of `exam`'s sheets and online questions: worked chains in `\[ \]`, the problem's
//! matrices, the answer key's table and the sheets' frames. The exam decides what goes where;
//! only these functions write LaTeX for it.

use crate::derivation::Chain;
use crate::latex::Printer;
use crate::math::number::Decimal;

/// Words set as text inside math: `\text{ after the update}`.
pub fn text(words: &str) -> String {
    format!("\\text{{{words}}}")
}

/// The learning rate in inline math: `\(\eta=0.1\)`.
pub fn rate(lr: &str) -> String {
    inline(&format!("\\eta={lr}"))
}

/// A percentage in the answer key: `1\,\%`.
pub fn percent(number: &str) -> String {
    format!("{number}\\,\\%")
}

/// A worked chain as one display: `\[lhs = row = row …\]`.
pub fn chain(printer: &Printer, chain: &Chain) -> String {
    let mut out = format!("\\[{}", printer.expr(&chain.lhs));
    for (row, rel) in chain.rows.iter().zip(printer.relations(&chain.rows)) {
        // `\leftarrow` before `w` needs a space, or it reads as `\leftarroww`.
        let space = if rel.ends_with(|c: char| c.is_ascii_alphabetic()) {
            " "
        } else {
            ""
        };
        out.push_str(&format!("{rel}{space}{}", printer.expr(&row.expr)));
    }
    out.push_str("\\]");
    out
}

/// `\[name \approx value\]` (or `=`): a value the derivation shows without a chain of rows.
pub fn value(printer: &Printer, name: &str, value: crate::math::number::Value) -> String {
    let rel = if printer.shows_exactly(value) {
        "="
    } else {
        "\\approx"
    };
    format!("\\[{name}{rel}{}\\]", printer.value(value))
}

/// Math inline in the online questions' HTML, for MathJax: `\(…\)`.
pub fn inline(math: &str) -> String {
    format!("\\({math}\\)")
}

/// Display math for the online questions: `\[…\]`.
pub fn display(math: &str) -> String {
    format!("\\[{math}\\]")
}

/// A chain's definition, its first row: `E=\frac{1}{2}…` (the left side alone without rows).
pub fn definition(printer: &Printer, chain: &Chain) -> String {
    match chain.rows.first() {
        Some(row) => format!("{}={}", printer.expr(&chain.lhs), printer.expr(&row.expr)),
        None => printer.expr(&chain.lhs),
    }
}

/// A matrix of the file's numbers as a `bmatrix`.
pub fn bmatrix(rows: &[Vec<Decimal>]) -> String {
    let rows: Vec<String> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(Decimal::to_string)
                .collect::<Vec<_>>()
                .join(" & ")
        })
        .collect();
    format!("\\begin{{bmatrix}}{}\\end{{bmatrix}}", rows.join("\\\\"))
}

/// A column vector.
pub fn column(values: &[Decimal]) -> String {
    let rows: Vec<Vec<Decimal>> = values.iter().map(|v| vec![*v]).collect();
    bmatrix(&rows)
}

/// Layer `l`'s weights and bias as one display: `\[W^{(l)}=…,\qquad b^{(l)}=…\]`.
pub fn layer_values(l: u32, weights: &[Vec<Decimal>], bias: Option<&[Decimal]>) -> String {
    let bias = bias.map_or(String::new(), |b| {
        format!(",\\qquad b^{{({l})}}={}", column(b))
    });
    format!("\\[W^{{({l})}}={}{bias}\\]", bmatrix(weights))
}

/// A sample's input and target as one display; `sample` (from 1) is written when there are
/// several.
pub fn sample_values(sample: Option<usize>, x: &[Decimal], t: &[Decimal]) -> String {
    let sub = sample.map_or(String::new(), |n| format!("_{{{n}}}"));
    format!(
        "\\[\\mathbf{{x}}{sub}={},\\qquad \\mathbf{{t}}{sub}={}\\]",
        column(x),
        column(t)
    )
}

/// The question sheet's opening, after the preamble.
pub fn questions_opening(preamble: &str) -> String {
    format!("{preamble}\n\\begin{{document}}\n")
}

/// The answer key's opening, after the preamble: its title and notes.
pub fn answers_opening(preamble: &str, title: &str, notes: [&str; 2]) -> String {
    let [carry, table] = notes;
    format!("{preamble}\n\\begin{{document}}\n\\section*{{{title}}}\n{carry}\n\n{table}\n")
}

/// A new page.
pub const NEW_PAGE: &str = "\\newpage\n";

/// The end of a sheet.
pub const SHEET_END: &str = "\\end{document}\n";

/// The answer key's table of a variant, headed `heading`: one line per `[symbol, answer,
/// tolerance]` (the symbol LaTeX, the others plain). Lines, not a `tabular`, so that a long
/// table breaks across pages.
pub fn key_table<'a>(
    heading: &str,
    columns: [&str; 3],
    rows: impl Iterator<Item = [&'a str; 3]>,
) -> String {
    let line = |a: &str, b: &str, c: &str| {
        format!(
            "\\noindent\\makebox[0.42\\linewidth][l]{{{a}}}\\makebox[0.26\\linewidth][r]{{{b}}}\\hspace{{2em}}{c}\\par\n"
        )
    };
    let [quantity, answer, tolerance] = columns;
    let mut out = format!(
        "\\subsection*{{{heading}}}\n{}",
        line(
            &format!("\\textbf{{{quantity}}}"),
            &format!("\\textbf{{{answer}}}"),
            &format!("\\textbf{{{tolerance}}}")
        )
    );
    for [symbol, answer, tolerance] in rows {
        out.push_str(&line(
            &format!("${symbol}$"),
            &format!("\\texttt{{{answer}}}"),
            &format!("$\\pm$\\,\\texttt{{{tolerance}}}"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn matrices_and_displays() {
        let w = vec![vec![d("0.1"), d("-2")], vec![d("3"), d("0")]];
        assert_eq!(
            bmatrix(&w),
            "\\begin{bmatrix}0.1 & -2\\\\3 & 0\\end{bmatrix}"
        );
        assert_eq!(
            layer_values(2, &w[..1], Some(&[d("1")])),
            "\\[W^{(2)}=\\begin{bmatrix}0.1 & -2\\end{bmatrix},\\qquad \
             b^{(2)}=\\begin{bmatrix}1\\end{bmatrix}\\]"
        );
        assert_eq!(
            sample_values(Some(3), &[d("1")], &[d("0")]),
            "\\[\\mathbf{x}_{3}=\\begin{bmatrix}1\\end{bmatrix},\\qquad \
             \\mathbf{t}_{3}=\\begin{bmatrix}0\\end{bmatrix}\\]"
        );
    }

    #[test]
    fn the_key_table_has_a_line_per_number() {
        let table = key_table("V1", ["q", "a", "t"], [["w", "0.5", "0.01"]].into_iter());
        assert_eq!(table.lines().count(), 3);
        assert!(table.starts_with("\\subsection*{V1}\n"));
        assert!(table.ends_with("$\\pm$\\,\\texttt{0.01}\\par\n"), "{table}");
    }
}
