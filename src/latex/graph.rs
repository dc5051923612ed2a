//! A worked computational graph in LaTeX: the rows of the forward and backward pass in the
//! house style (general formula → numbers → value, `=` only where exact), the TikZ picture
//! (forward values above each edge, backward gradients below in red), and the body and
//! document around them. The words are `graph::words`'; the layout is `graph::layout`'s.

use std::fmt::Write as _;

use crate::derivation::Row;
use crate::graph::{bends, layout, node_kind, rule_name, words, Op, Tongue, Worked};
use crate::math::expr::{interned, Expr};

use super::{escape_text, fit, Environment, Printer};

/// How node `n` is named in the rows: a variable by its name, a constant by its number, f
/// for the output, and u₁, u₂, … for the nodes between, in the order they are computed,
/// skipping a u_k that a variable's name already reads as (`u1`, `u_1`). (A variable `f`
/// is refused before: `commands::graph`.)
pub fn node_names(worked: &Worked) -> Vec<Expr> {
    let output = worked.graph.output();
    let taken: Vec<String> = worked
        .partials()
        .iter()
        .map(|(name, _, _)| crate::graph::read_as(name))
        .collect();
    let mut between = 0;
    worked
        .graph
        .nodes
        .iter()
        .enumerate()
        .map(|(n, node)| match node.op {
            Op::Input(name) => Expr::Var(name),
            Op::Constant(d) => Expr::Num(d),
            _ if n == output => Expr::Var("f"),
            _ => {
                between += 1;
                while taken.contains(&format!("u{between}")) {
                    between += 1;
                }
                Expr::Var(interned(&format!("u_{{{between}}}")))
            }
        })
        .collect()
}

/// One chain in `env`: `lhs &= row = row \approx value` on one line (`lhs &=& row …` in
/// eqnarray, as `derive`'s rows are written), or a relation a line where it is too wide.
fn chain(printer: &Printer, env: Environment, lhs: &Expr, rows: Vec<Expr>) -> String {
    let mut kept: Vec<Row> = Vec::new();
    for expr in rows {
        if kept.last().map(|r| &r.expr) != Some(&expr) && &expr != lhs {
            kept.push(Row {
                assign: false,
                expr,
            });
        }
    }
    let name = printer.expr(lhs);
    let parts: Vec<(&str, String)> = kept
        .iter()
        .zip(printer.relations(&kept))
        .map(|(row, rel)| (rel, printer.expr(&row.expr)))
        .collect();
    // What follows a relation: `&` in eqnarray (its third column), then a space.
    let after = match env.after_relation() {
        " " => " ",
        _ => "& ",
    };
    let Some(((first_rel, first), rest)) = parts.split_first() else {
        return format!("{name} &");
    };
    let mut line = format!("{name} &{first_rel}{after}{first}");
    for (rel, body) in rest {
        let _ = write!(line, " {rel} {body}");
    }
    if fit::width(&line) + env.relation_gap() <= fit::LINE {
        return line;
    }
    // Too wide for the line: a relation a line, and a body still too wide broken as the
    // layer view's rows are, its pieces after an empty relation.
    let room = fit::LINE - fit::width(&name) - env.relation_gap();
    let mut out = name;
    for (n, (rel, body)) in parts.iter().enumerate() {
        let pieces = match fit::width(body) > room {
            true => fit::break_wide_row(body, room, room, fit::TALLEST)
                .unwrap_or_else(|| vec![body.clone()]),
            false => vec![body.clone()],
        };
        for (k, piece) in pieces.iter().enumerate() {
            let rel = if k == 0 { *rel } else { "" };
            let before = if n + k == 0 { " " } else { " \\\\\n" };
            let _ = write!(out, "{before}&{rel}{after}{piece}");
        }
    }
    out
}

/// Node `n`'s formula with its inputs' slots replaced by `by(input)`.
fn filled(worked: &Worked, n: usize, formula: &Expr, by: &dyn Fn(usize) -> Expr) -> Expr {
    worked.graph.nodes[n]
        .inputs
        .iter()
        .enumerate()
        .fold(formula.clone(), |e, (k, &input)| {
            e.bind(crate::graph::slot(k), &by(input))
        })
}

/// The forward pass: one chain per computed node, `u_1 = x + y = -2 + 5 = 3`.
pub fn forward_rows(worked: &Worked, printer: &Printer, env: Environment) -> Vec<String> {
    let names = node_names(worked);
    let graph = &worked.graph;
    (0..graph.nodes.len())
        .filter(|&n| !matches!(graph.nodes[n].op, Op::Input(_) | Op::Constant(_)))
        .map(|n| {
            let local = graph.local_formula(n);
            let general = filled(worked, n, &local, &|i| names[i].clone());
            let numbers = filled(worked, n, &local, &|i| Expr::Val(worked.values[i]));
            let value = Expr::Val(worked.values[n]);
            chain(printer, env, &names[n], vec![general, numbers, value])
        })
        .collect()
}

/// One node's gradient in the backward pass: what kind of node passes it back (with the
/// rule of its local derivative), and its chain.
pub struct BackRow {
    /// `x: multiplication node … (product rule)`, plain text.
    pub note: String,
    pub row: String,
}

/// The backward pass: ∂f/∂f = 1, then every node's gradient from f back to the inputs, a
/// sum where paths meet.
pub fn backward_rows(
    worked: &Worked,
    printer: &Printer,
    tongue: Tongue,
    env: Environment,
) -> Vec<BackRow> {
    let names = node_names(worked);
    let f = Expr::Var("f");
    let output = worked.graph.output();
    let mut out = vec![BackRow {
        note: words(tongue).output.to_string(),
        row: chain(
            printer,
            env,
            &Expr::partial(f.clone(), f.clone()),
            vec![Expr::Val(worked.gradients[output])],
        ),
    }];
    for n in (0..output).rev() {
        if matches!(worked.graph.nodes[n].op, Op::Constant(_)) {
            continue;
        }
        let edges: Vec<_> = worked.edges_from(n).collect();
        let (mut general, mut numbers, mut notes) = (Vec::new(), Vec::new(), Vec::new());
        for edge in &edges {
            let Some(back) = &edge.back else { continue };
            let local = &back.local.formula;
            let upstream = Expr::partial(f.clone(), names[edge.to].clone());
            general.push(Expr::Mul(vec![
                upstream,
                filled(worked, edge.to, local, &|i| names[i].clone()),
            ]));
            numbers.push(Expr::Mul(vec![
                Expr::Val(worked.gradients[edge.to]),
                filled(worked, edge.to, local, &|i| Expr::Val(worked.values[i])),
            ]));
            let rule = back.local.rules.first().copied().unwrap_or("constant rule");
            notes.push(format!(
                "{} ({})",
                node_kind(worked.graph.nodes[edge.to].op, tongue),
                rule_name(rule, tongue)
            ));
        }
        notes.dedup();
        if edges.len() > 1 {
            notes.push(words(tongue).summed.to_string());
        }
        let join = |mut terms: Vec<Expr>| match terms.len() {
            1 => terms.remove(0),
            _ => Expr::Add(terms),
        };
        let lhs = Expr::partial(f.clone(), names[n].clone());
        out.push(BackRow {
            note: notes.join("; "),
            row: chain(
                printer,
                env,
                &lhs,
                vec![join(general), join(numbers), Expr::Val(worked.gradients[n])],
            ),
        });
    }
    out
}

/// `f = (x+y)z`: the formula as given.
pub fn formula(worked: &Worked, printer: &Printer) -> String {
    format!("f = {}", printer.expr(&worked.graph.formula))
}

/// Chains in an `aligned` environment, for KaTeX's display math.
pub fn aligned(rows: &[String]) -> String {
    format!(
        "\\begin{{aligned}}\n{}\n\\end{{aligned}}",
        rows.join(" \\\\\n")
    )
}

/// Horizontal and vertical distance between nodes in the picture, in cm.
const COLUMN: f64 = 3.6;
const ROW: f64 = 1.9;

/// The graph as a TikZ picture: a circle per node (its name, or its operation's sign), each
/// edge with its forward value above and its backward gradient below, in red.
pub fn tikz(worked: &Worked, printer: &Printer) -> String {
    let (places, columns, _) = layout(&worked.graph);
    // Columns closer together where the picture would be wider than the line (16 cm).
    let column = COLUMN.min(16.0 / (columns as f64 - 0.4).max(1.0));
    let names = node_names(worked);
    let mut out = String::from(
        "\\begin{tikzpicture}[node/.style={circle,draw,minimum size=8mm,inner sep=1pt},\n  \
         value/.style={font=\\footnotesize,inner sep=2pt}]\n",
    );
    for (n, node) in worked.graph.nodes.iter().enumerate() {
        let label = match node.op {
            Op::Input(_) | Op::Constant(_) => printer.expr(&names[n]),
            op => sign(op, printer),
        };
        let p = places[n];
        let _ = writeln!(
            out,
            "\\node[node] (n{n}) at ({:.2},{:.2}) {{${label}$}};",
            p.column as f64 * column,
            -(p.row as f64) * ROW
        );
    }
    let output = worked.graph.output();
    let _ = writeln!(
        out,
        "\\draw[->] (n{output}) -- node[value,above] {{${}$}} node[value,below,red] {{$1$}} ++({:.2},0) node[right] {{$f$}};",
        printer.value(worked.values[output]),
        column * 0.6
    );
    let pairs: Vec<(usize, usize)> = worked.edges.iter().map(|e| (e.from, e.to)).collect();
    let bent = bends(&pairs, &places);
    for (edge, bend) in worked.edges.iter().zip(bent) {
        let path = match bend {
            0 => "--".to_string(),
            // At most 30°: a long edge bent further loops round the picture.
            b if b > 0 => format!("to[bend left={}]", (25 * b).min(30)),
            b => format!("to[bend right={}]", (-25 * b).min(30)),
        };
        let below = edge.back.as_ref().map_or(String::new(), |b| {
            format!(
                " node[value,below,sloped,red] {{${}$}}",
                printer.value(b.backward)
            )
        });
        let _ = writeln!(
            out,
            "\\draw[->] (n{}) {path} node[value,above,sloped] {{${}$}}{below} (n{});",
            edge.from,
            printer.value(edge.forward),
            edge.to
        );
    }
    out.push_str("\\end{tikzpicture}");
    out
}

/// The sign an operation node shows: `+`, `\times`, `\exp`, …
fn sign(op: Op, printer: &Printer) -> String {
    match op {
        Op::Add => "+".into(),
        Op::Sub | Op::Neg => "-".into(),
        Op::Mul => "\\times".into(),
        Op::Div => "\\div".into(),
        Op::Pow => "\\wedge".into(),
        Op::Call(f) => printer.function_name(f),
        Op::Input(_) | Op::Constant(_) => String::new(),
    }
}

/// The body: the picture, the forward pass, the backward pass, node by node.
pub fn body(worked: &Worked, printer: &Printer, tongue: Tongue, env: Environment) -> String {
    let name = env.name();
    let w = words(tongue);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "% backprop-tex graph: this body needs \\usepackage{{amsmath}} and \\usepackage{{tikz}}\n\
         \\section*{{{}}}\n\n${}$\n\n\\begin{{center}}\n{}\n\\end{{center}}\n\n{}\n",
        escape_text(w.graph),
        formula(worked, printer),
        tikz(worked, printer),
        escape_text(w.legend)
    );
    let _ = writeln!(
        out,
        "\\subsection*{{{}}}\n{}\n\\begin{{{name}*}}\n{}\n\\end{{{name}*}}\n",
        escape_text(w.forward),
        escape_text(w.forward_intro),
        forward_rows(worked, printer, env).join(" \\\\\n")
    );
    let _ = writeln!(
        out,
        "\\subsection*{{{}}}\n{}\n\n",
        escape_text(w.backward),
        escape_text(w.backward_intro)
    );
    for back in backward_rows(worked, printer, tongue, env) {
        let _ = writeln!(
            out,
            "\\noindent {}\n\\begin{{{name}*}}\n{}\n\\end{{{name}*}}\n",
            escape_text(&back.note),
            back.row
        );
    }
    out
}

/// The preamble of a graph's documents (and of a graph exam's sheets): pdflatex in
/// English, lualatex (luatexja) in Japanese.
pub fn preamble(tongue: Tongue) -> String {
    let class = match tongue {
        Tongue::En => "\\documentclass[a4paper,11pt]{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}",
        Tongue::Ja => "\\documentclass[a4paper,11pt]{ltjsarticle}",
    };
    format!(
        "{class}\n\\usepackage{{amsmath}}\n\\usepackage{{tikz}}\n\\usepackage[margin=2cm]{{geometry}}"
    )
}

/// A whole document around [`body`].
pub fn document(worked: &Worked, printer: &Printer, tongue: Tongue, env: Environment) -> String {
    format!(
        "{}\n\\begin{{document}}\n{}\\end{{document}}\n",
        preamble(tongue),
        body(worked, printer, tongue, env)
    )
}

/// The symbol of an asked number: `f`, or `\frac{\partial f}{\partial x}` for `Some("x")`.
pub fn asked_symbol(printer: &Printer, by: Option<&'static str>) -> String {
    let f = Expr::Var(crate::graph::OUTPUT);
    match by {
        None => printer.expr(&f),
        Some(name) => printer.expr(&Expr::partial(f, Expr::Var(name))),
    }
}

/// The variables' values of a worked graph: `x = -2,\ y = 5`.
pub fn values(worked: &Worked, printer: &Printer) -> String {
    let values: Vec<String> = worked
        .partials()
        .iter()
        .map(|(name, value, _)| format!("{name} = {}", printer.value(*value)))
        .collect();
    values.join(",\\ ")
}

/// A graph exam's question page: the heading, f and the values, then each question (text
/// with its math in `\( \)` already).
pub fn question_page(
    worked: &Worked,
    printer: &Printer,
    heading: &str,
    questions: &[String],
) -> String {
    let items: Vec<String> = questions.iter().map(|q| format!("\\item {q}")).collect();
    format!(
        "\\section*{{{}}}\n\\[{}\\]\n\\[{}\\]\n\\begin{{enumerate}}\n{}\n\\end{{enumerate}}\n\\newpage\n",
        escape_text(heading),
        formula(worked, printer),
        values(worked, printer),
        items.join("\n")
    )
}

/// The worked rows of a graph as the online questions' feedback: forward and backward in one
/// `aligned`, in `\[ \]`.
pub fn feedback(worked: &Worked, printer: &Printer, tongue: Tongue) -> String {
    let mut rows = forward_rows(worked, printer, Environment::Aligned);
    rows.extend(
        backward_rows(worked, printer, tongue, Environment::Aligned)
            .into_iter()
            .map(|b| b.row),
    );
    format!("\\[{}\\]", aligned(&rows))
}
