//! A worked computational graph in LaTeX: the rows of the forward and backward pass in the
//! house style (general formula → numbers → value, `=` only where exact), the TikZ picture
//! (forward values above each edge, backward gradients below in red), and the body and
//! document around them. The words are `graph::words`'; the layout is `graph::layout`'s.

use std::fmt::Write as _;

use crate::derivation::Row;
use crate::graph::{
    activation_kind, bends, label_positions, layout, node_kind, rule_name, text, words, Math, Op,
    Piece, Prose, Tongue, Worked,
};
use crate::math::eval::Env;
use crate::math::expr::{interned, Expr, Func, Kind, Symbol};
use crate::math::functions::Activation;
use crate::math::number::Value;

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
        .map(|(n, node)| match (&node.name, node.op) {
            (Some(name), _) => name.clone(),
            (None, Op::Input(name) | Op::Data(name)) => Expr::Var(name),
            (None, Op::Constant(d)) => Expr::Num(d),
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

/// A network graph's activations, by which a numbers row's `h'(-1.5)` is evaluated as
/// printed (exactly 0 for ReLU); a formula's graph has none.
struct Layers<'a>(&'a [std::sync::Arc<Activation>]);

impl Env for Layers<'_> {
    fn symbol(&self, _: &Symbol) -> Option<Value> {
        None
    }

    fn activation(&self, layer: u32) -> Option<&Activation> {
        self.0.get((layer as usize).checked_sub(1)?).map(|a| &**a)
    }
}

/// A line of a chain in `env`'s columns: `=&rest` in eqnarray (a line not starting with a
/// relation in the third column), as it is in the others.
fn columns(line: &str, env: Environment) -> String {
    if env != Environment::Eqnarray {
        return line.to_string();
    }
    for rel in ["=", "\\approx"] {
        if let Some(rest) = line.strip_prefix(rel) {
            return format!("{rel}&{}", rest.trim_start());
        }
    }
    format!("&{line}")
}

/// One chain on one line of an `align`/`aligned` (`lhs &= row = row \approx value`) or an
/// `eqnarray` (`lhs &=& row = …`).
fn chain(
    printer: &Printer,
    lhs: &Expr,
    rows: Vec<Expr>,
    (env, layers): (Environment, &Layers),
) -> String {
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
    let parts: Vec<String> = kept
        .iter()
        .zip(printer.relations_in(&kept, layers))
        .map(|(row, rel)| format!("{rel} {}", printer.expr(&row.expr)))
        .collect();
    let whole = parts.join(" ");
    // eqnarray's relation column is wider than align's (the scalar graph's, fitted to LINE).
    let line = fit::LINE - (env.relation_gap() - Environment::Align.relation_gap()).max(0.0);
    if fit::width(&format!("{name}{whole}")) <= line {
        return format!("{name} &{}", columns(&whole, env));
    }
    // Too wide for the line: a relation a line, and a line still too wide broken as the
    // layer view's rows are.
    let room = line - fit::width(&name);
    // A broken piece in eqnarray stands after `&&\quad`, which the measure does not see.
    let piece = match env {
        Environment::Eqnarray => room - 60.0,
        Environment::Align | Environment::Aligned => room,
    };
    let mut lines: Vec<String> = Vec::new();
    for part in parts {
        match fit::width(&part) > room {
            true => match fit::break_wide_row(&part, piece, piece, fit::TALLEST) {
                Some(pieces) => lines.extend(pieces),
                None => lines.push(part),
            },
            false => lines.push(part),
        }
    }
    let mut out = format!("{name} &{}", columns(&lines[0], env));
    for line in &lines[1..] {
        let _ = write!(out, " \\\\\n&{}", columns(line, env));
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
    let layers = Layers(&graph.activations);
    (0..graph.nodes.len())
        .filter(|&n| !graph.nodes[n].op.is_leaf())
        .map(|n| {
            let local = graph.local_formula(n);
            let general = filled(worked, n, &local, &|i| names[i].clone());
            let numbers = filled(worked, n, &local, &|i| Expr::Val(worked.values[i]));
            let value = Expr::Val(worked.values[n]);
            chain(
                printer,
                &names[n],
                vec![general, numbers, value],
                (env, &layers),
            )
        })
        .collect()
}

/// One node's gradient in the backward pass: what kind of node passes it back (with the
/// rule of its local derivative), and its chain.
pub struct BackRow {
    /// `x: multiplication node … (product rule)`.
    pub note: Prose,
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
    let layers = Layers(&worked.graph.activations);
    let output = worked.graph.output();
    let f = names[output].clone();
    let mut out = vec![BackRow {
        note: output_note(worked, tongue),
        row: chain(
            printer,
            &Expr::partial(f.clone(), f.clone()),
            vec![Expr::Val(worked.gradients[output])],
            (env, &layers),
        ),
    }];
    for n in (0..output).rev() {
        if worked.graph.nodes[n].op.is_fixed() {
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
            let mut note = kind(worked, edge.to, tongue);
            // A loss node's derivative is the loss's, which its words say already.
            if worked.graph.nodes[edge.to].op != Op::Loss {
                let rule = back.local.rules.first().copied().unwrap_or("constant rule");
                note.push(text(format!(" ({})", rule_name(rule, tongue))));
            }
            notes.push(note);
        }
        notes.dedup();
        if edges.len() > 1 {
            notes.push(vec![text(words(tongue).summed)]);
        }
        notes.extend(layer_view_name(&names[n], tongue));
        let join = |mut terms: Vec<Expr>| match terms.len() {
            1 => terms.remove(0),
            _ => Expr::Add(terms),
        };
        let lhs = Expr::partial(f.clone(), names[n].clone());
        out.push(BackRow {
            note: notes.join(&text("; ")),
            row: chain(
                printer,
                &lhs,
                vec![join(general), join(numbers), Expr::Val(worked.gradients[n])],
                (env, &layers),
            ),
        });
    }
    out
}

/// The note of the output's row: f's, or a network's E.
fn output_note(worked: &Worked, tongue: Tongue) -> Prose {
    match worked.graph.placing {
        crate::graph::Placing::Inputs => vec![text(words(tongue).output)],
        crate::graph::Placing::BesideReader => crate::graph::network_words(tongue).output,
    }
}

/// What kind of node `n` is, in the words of the backward pass.
fn kind(worked: &Worked, n: usize, tongue: Tongue) -> Prose {
    match worked.graph.nodes[n].op {
        Op::Call(Func::Act(layer)) => {
            let builtin = worked
                .graph
                .activations
                .get(layer as usize - 1)
                .and_then(|a| a.builtin);
            activation_kind(builtin, tongue)
        }
        op => node_kind(op, tongue),
    }
}

/// Which quantity of the layer view a network's node's gradient is: δ at a sum node, ∂E/∂w
/// at a weight, ∂E/∂b at a bias.
fn layer_view_name(name: &Expr, tongue: Tongue) -> Option<Prose> {
    let words = crate::graph::network_words(tongue);
    match name {
        Expr::Sym(s) if s.kind == Kind::Pre => Some(words.is_delta),
        Expr::Sym(s) if s.kind == Kind::Weight => Some(words.is_gradient),
        Expr::Sym(s) if s.kind == Kind::Bias => Some(words.is_bias_gradient),
        _ => None,
    }
}

/// A formula said in the prose, in LaTeX (inside `$…$` in a document, the Markdown's inline
/// math in a post).
pub fn prose_math(math: Math) -> &'static str {
    match math {
        Math::Loss => "E",
        Math::Sum => "a",
        Math::OutputSum => "a_k",
        Math::Delta => "\\delta",
        Math::WeightGradient => "\\partial E/\\partial w",
        Math::SigmoidDerivative => "\\sigma'(a)=\\sigma(a)(1-\\sigma(a))",
        Math::TanhDerivative => "1-\\tanh(a)^2",
        Math::Derivative => "h'(a)",
        Math::Positive => "a>0",
        Math::OutputMinusTarget => "y_k-t_k",
    }
}

/// A sentence as LaTeX text: its words escaped, its formulas in `$…$`.
pub fn prose(said: &[Piece]) -> String {
    said.iter()
        .map(|piece| match piece {
            Piece::Text(words) => escape_text(words),
            Piece::Math(math) => format!("${}$", prose_math(*math)),
        })
        .collect()
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
    // Columns closer together where the picture would be wider than the line (16 cm; a
    // network's 15 cm, its weights' circles being wider).
    let line = match worked.graph.placing {
        crate::graph::Placing::Inputs => 16.0,
        crate::graph::Placing::BesideReader => 15.0,
    };
    let column = COLUMN.min(line / (columns as f64 - 0.4).max(1.0));
    let names = node_names(worked);
    let mut out = String::from(
        "\\begin{tikzpicture}[node/.style={circle,draw,minimum size=8mm,inner sep=1pt},\n  \
         value/.style={font=\\footnotesize,inner sep=2pt}]\n",
    );
    for (n, node) in worked.graph.nodes.iter().enumerate() {
        let label = match node.op {
            // A loss part is E_k, as the rows name it (the whole loss E).
            op if op.is_leaf() || op == Op::Loss => printer.expr(&names[n]),
            op => sign(op, printer),
        };
        let p = places[n];
        let _ = writeln!(
            out,
            "\\node[node] (n{n}) at ({:.2},{:.2}) {{${label}$}};",
            p.column as f64 * column,
            -p.row * ROW
        );
    }
    let output = worked.graph.output();
    let _ = writeln!(
        out,
        "\\draw[->] (n{output}) -- node[value,above] {{${}$}} node[value,below,red] {{$1$}} ++({:.2},0) node[right] {{${}$}};",
        printer.value(worked.values[output]),
        column * 0.6,
        printer.expr(&names[output])
    );
    let pairs: Vec<(usize, usize)> = worked.edges.iter().map(|e| (e.from, e.to)).collect();
    let bent = bends(&pairs, &places);
    let along = label_positions(&pairs, worked.graph.placing);
    for ((edge, bend), along) in worked.edges.iter().zip(bent).zip(along) {
        // The middle is TikZ's default; elsewhere the position is written.
        let pos = match along == 0.5 {
            true => String::new(),
            false => format!("pos={along},"),
        };
        let path = match bend {
            0 => "--".to_string(),
            // At most 30°: a long edge bent further loops round the picture.
            b if b > 0 => format!("to[bend left={}]", (25 * b).min(30)),
            b => format!("to[bend right={}]", (-25 * b).min(30)),
        };
        let below = edge.back.as_ref().map_or(String::new(), |b| {
            format!(
                " node[{pos}value,below,sloped,red] {{${}$}}",
                printer.value(b.backward)
            )
        });
        let _ = writeln!(
            out,
            "\\draw[->] (n{}) {path} node[{pos}value,above,sloped] {{${}$}}{below} (n{});",
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
        Op::Loss => "E".into(),
        Op::SoftmaxWithLoss => "\\scriptstyle\\mathrm{SwL}".into(),
        Op::Input(_) | Op::Constant(_) | Op::Data(_) => String::new(),
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
    write_backward(&mut out, backward_rows(worked, printer, tongue, env), env);
    out
}

/// The preamble of a graph's documents (and of a graph exam's sheets): pdflatex in
/// English, lualatex (luatexja) in Japanese.
pub fn preamble(tongue: Tongue) -> String {
    preamble_of(tongue, false)
}

/// [`preamble`], in English with a Japanese title (`japanese_title`) luatexja's, as the
/// layer view's.
fn preamble_of(tongue: Tongue, japanese_title: bool) -> String {
    let class = super::document_class(tongue == Tongue::Ja, japanese_title);
    format!(
        "{class}\\usepackage{{amsmath}}\n\\usepackage{{tikz}}\n\\usepackage[margin=2cm]{{geometry}}"
    )
}

/// What a network's graph view shows besides its rows: the picture's graph (the whole, or
/// one path) and the sentences under the heading.
pub struct NetworkPage<'a> {
    /// Every node, for the rows.
    pub worked: &'a Worked,
    /// What the picture draws.
    pub drawn: &'a Worked,
    /// The sentences: the first sample only, the nodes left out of the picture.
    pub notes: &'a [Prose],
    /// The file's title, a heading above the graph's (none after the layer view).
    pub title: Option<&'a str>,
}

/// How many chains a block of forward rows holds, so that no block is taller than a page.
const BLOCK: usize = 16;

/// A network's graph view as a LaTeX body (needs amsmath, tikz and `\allowdisplaybreaks`):
/// the picture, the forward pass node by node, the backward pass node by node, its rows in
/// `env`.
pub fn network_body(
    page: &NetworkPage,
    printer: &Printer,
    tongue: Tongue,
    env: Environment,
) -> String {
    let w = words(tongue);
    let name = env.name();
    let mut out = String::new();
    out.push_str("% backprop-tex derive --view graph: this body needs \\usepackage{amsmath}, \\usepackage{tikz} and \\allowdisplaybreaks\n");
    if let Some(title) = page.title {
        let _ = writeln!(out, "\\section*{{{}}}", escape_text(title));
    }
    let _ = writeln!(
        out,
        "\\section*{{{}}}\n{}\n",
        escape_text(w.graph),
        prose(&crate::graph::network_words(tongue).intro)
    );
    for note in page.notes {
        let _ = writeln!(out, "{}\n", prose(note));
    }
    let _ = writeln!(
        out,
        "\\begin{{center}}\n{}\n\\end{{center}}\n\n{}\n",
        tikz(page.drawn, printer),
        escape_text(w.legend)
    );
    let _ = writeln!(
        out,
        "\\subsection*{{{}}}\n{}\n",
        escape_text(w.forward),
        escape_text(w.forward_intro)
    );
    for block in forward_rows(page.worked, printer, env).chunks(BLOCK) {
        let _ = writeln!(
            out,
            "\\begin{{{name}*}}\n{}\n\\end{{{name}*}}\n",
            block.join(" \\\\\n")
        );
    }
    let _ = writeln!(
        out,
        "\\subsection*{{{}}}\n{}\n",
        escape_text(w.backward),
        prose(&crate::graph::network_words(tongue).backward_intro)
    );
    write_backward(
        &mut out,
        backward_rows(page.worked, printer, tongue, env),
        env,
    );
    out
}

/// The backward rows, each its note then its chain in `env`'s starred environment.
fn write_backward(out: &mut String, rows: Vec<BackRow>, env: Environment) {
    let name = env.name();
    for back in rows {
        let _ = writeln!(
            out,
            "\\noindent {}\n\\begin{{{name}*}}\n{}\n\\end{{{name}*}}\n",
            prose(&back.note),
            back.row
        );
    }
}

/// A whole document around [`network_body`]: pdflatex in English, lualatex in Japanese.
pub fn network_document(
    page: &NetworkPage,
    printer: &Printer,
    tongue: Tongue,
    env: Environment,
) -> String {
    let japanese_title = page.title.is_some_and(super::needs_luatexja);
    format!(
        "{}\\begin{{document}}\n{}\\end{{document}}\n",
        network_preamble(tongue, japanese_title),
        network_body(page, printer, tongue, env)
    )
}

/// The preamble of a graph view's document: the graph's (luatexja's for a Japanese title),
/// with long row blocks allowed to break across pages and paragraphs spaced as the layer
/// view's.
fn network_preamble(tongue: Tongue, japanese_title: bool) -> String {
    format!(
        "{}\n\\allowdisplaybreaks\n\\setlength{{\\parindent}}{{0pt}}\n\\setlength{{\\parskip}}{{0.5em}}\n",
        preamble_of(tongue, japanese_title)
    )
}

/// The layer view's document with the graph view's body after it (tikz loaded if the layer
/// view did not draw).
pub fn both_documents(layers: &str, graph_body: &str) -> String {
    let mut out = layers.to_string();
    if !out.contains("\\usepackage{tikz}") {
        if let Some(at) = out.find("\\begin{document}") {
            out.insert_str(at, "\\usepackage{tikz}\n");
        }
    }
    match out.rfind("\\end{document}") {
        Some(at) => out.insert_str(at, &format!("\\clearpage\n{graph_body}")),
        None => out.push_str(graph_body),
    }
    out
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
