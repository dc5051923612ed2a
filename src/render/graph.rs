//! A worked computational graph (issue 17) as JSON, SVG and Markdown; the LaTeX is
//! `latex::graph`'s, and the Markdown's math is that LaTeX in the flavor's fences.

use std::fmt::Write as _;

use serde_json::{json, Map, Value as Json};

use crate::graph::{bends, label_positions, layout, words, Op, Piece, Placing, Tongue, Worked};
use crate::latex::graph::{aligned, backward_rows, forward_rows, node_names, prose_math};
use crate::latex::{Environment, Printer};
use crate::math::expr::Expr;
use crate::math::number::Value;

use super::layout::Flavor;
use super::svg::escape;

/// A number in JSON: its float (never −0: an underflowed product is 0), or null where it has
/// none (it always has, within the graph).
fn number(v: Value) -> Json {
    serde_json::Number::from_f64(v.f + 0.0).map_or(Json::Null, Json::Number)
}

/// `{"value": f, "partials": {"x": …}, "graph": {"nodes": […], "edges": […]}}`, at full
/// precision.
pub fn json(worked: &Worked, printer: &Printer) -> String {
    let mut partials = Map::new();
    for (name, _, gradient) in worked.partials() {
        partials.insert(name.to_string(), number(gradient));
    }
    let doc = json!({
        "value": number(worked.value()),
        "partials": partials,
        "graph": graph_json(worked, printer),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// `{"nodes": [{"id", "op", "label", "value", "gradient"}…], "edges": [{"from", "to",
/// "forward", "backward"}…]}`: the graph's part of the JSON, the scalar command's and
/// `derive --view graph`'s.
pub fn graph_json(worked: &Worked, printer: &Printer) -> Json {
    let names = node_names(worked);
    let nodes: Vec<Json> = worked
        .graph
        .nodes
        .iter()
        .enumerate()
        .map(|(n, node)| {
            json!({
                "id": n,
                "op": node.op.name(),
                "label": json_label(node, &names[n], printer),
                "value": number(worked.values[n]),
                // A given value (x, t) is not differentiated by: no ∂E/∂x, as on its edges.
                "gradient": match node.op {
                    Op::Data(_) => Json::Null,
                    _ => number(worked.gradients[n]),
                },
            })
        })
        .collect();
    let edges: Vec<Json> = worked
        .edges
        .iter()
        .map(|e| {
            json!({
                "from": e.from,
                "to": e.to,
                "forward": number(e.forward),
                "backward": e.back.as_ref().map_or(Json::Null, |b| number(b.backward)),
            })
        })
        .collect();
    json!({"nodes": nodes, "edges": edges})
}

/// Distances of the SVG drawing, in px.
const COLUMN: f64 = 150.0;
const ROW: f64 = 80.0;
const RADIUS: f64 = 17.0;
const MARGIN: f64 = 56.0;
const LIFT: f64 = 60.0;
const RED: &str = "#c62828";

fn px(v: f64) -> String {
    format!("{:.1}", (v * 10.0).round() / 10.0)
}

/// The graph as a standalone SVG: the same layout as the TikZ picture, forward values above
/// each edge, backward gradients below in red.
pub fn svg(worked: &Worked, printer: &Printer, tongue: Tongue) -> String {
    let (places, columns, rows) = layout(&worked.graph);
    let at = |n: usize| {
        (
            MARGIN + places[n].column as f64 * COLUMN,
            MARGIN + places[n].row * ROW,
        )
    };
    let (width, height) = (
        2.0 * MARGIN + columns as f64 * COLUMN,
        2.0 * MARGIN + (rows as f64 - 1.0) * ROW,
    );
    let mut out = svg_head(width, height, tongue);
    let output = worked.graph.output();
    let (ox, oy) = at(output);
    let end = (ox + COLUMN * 0.6, oy);
    let shown = |v: Value| match worked.graph.placing {
        Placing::Inputs => printer.plain(&Expr::Val(v)),
        // A network's numbers as its rows and its drawing show them: rounded to --digits.
        Placing::BesideReader => shown_number(printer, v),
    };
    write_edge(
        &mut out,
        ((ox, oy), end),
        (0, 0.5),
        &shown(worked.values[output]),
        Some("1"),
    );
    let names = node_names(worked);
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"16\" font-style=\"italic\" dominant-baseline=\"middle\">{}</text>",
        px(end.0 + 6.0),
        px(end.1),
        escape(&printer.plain(&names[output]))
    );
    let pairs: Vec<(usize, usize)> = worked.edges.iter().map(|e| (e.from, e.to)).collect();
    let bent = bends(&pairs, &places);
    let along = label_positions(&pairs, worked.graph.placing);
    for ((edge, bend), along) in worked.edges.iter().zip(bent).zip(along) {
        let back = edge.back.as_ref().map(|b| shown(b.backward));
        write_edge(
            &mut out,
            (at(edge.from), at(edge.to)),
            (bend, along),
            &shown(edge.forward),
            back.as_deref(),
        );
    }
    let depth = worked.graph.activations.len() as u32;
    for (n, node) in worked.graph.nodes.iter().enumerate() {
        let (x, y) = at(n);
        let text = node_text(node, &names[n], printer, depth);
        // Letters are italic, as in the TikZ picture's math; signs upright.
        let italic = matches!(node.op, Op::Input(_) | Op::Data(_) | Op::Loss);
        let _ = writeln!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{RADIUS}\" fill=\"#fff\" stroke=\"#000\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"15\" text-anchor=\"middle\" \
             dominant-baseline=\"central\"{}>{}</text>",
            px(x),
            px(y),
            px(x),
            px(y),
            if italic { " font-style=\"italic\"" } else { "" },
            text
        );
    }
    out.push_str("</svg>\n");
    out
}

/// What a node's circle holds: a network's given value or loss part E_k its letter with the
/// indices and layer set small, as the TikZ picture names it; any other node its label.
fn node_text(node: &crate::graph::Node, name: &Expr, printer: &Printer, depth: u32) -> String {
    match name {
        Expr::Sym(s) if node.op.is_leaf() || (node.op == Op::Loss && !s.indices.is_empty()) => {
            let mut text = String::new();
            super::svg::symbol(&mut text, &symbol_of(s, depth), 13.0);
            text
        }
        _ if node.op == Op::Loss => "E".to_string(),
        _ => escape(&label(node, name, printer, depth)),
    }
}

/// The SVG document's start: its size, title, arrowhead and white ground.
fn svg_head(width: f64, height: f64, tongue: Tongue) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         font-family=\"'Latin Modern Roman', 'Times New Roman', 'Noto Serif CJK JP', serif\">\n\
         <title>{}</title>\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" \
         refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#000\"/></marker></defs>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n",
        escape(words(tongue).graph),
        w = px(width),
        h = px(height)
    )
}

/// A value rounded to the printer's digits, as text: `−1.5×10^-7` as `−1.5e−7`.
fn shown_number(printer: &Printer, v: Value) -> String {
    let latex = printer.value(v);
    let (mantissa, power) = crate::latex::mantissa_and_power(&latex);
    match power {
        Some(p) => format!("{mantissa}e{p}"),
        None => mantissa.to_string(),
    }
}

/// An edge from circle to circle, straight or bent `bend` half steps to its left, `above` over
/// the point `along` it (0.5: its middle) and `below` (red) under it, both turned with the
/// edge.
fn write_edge(
    out: &mut String,
    (from, to): ((f64, f64), (f64, f64)),
    (bend, along): (i32, f64),
    above: &str,
    below: Option<&str>,
) {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let length = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / length, dy / length);
    // The control point, off the middle to the left of the direction (up for a rightward edge).
    // At most a node's row apart, so that the curve stays inside the frame.
    let lift = (f64::from(bend) * 0.25 * length).clamp(-LIFT, LIFT);
    let control = (
        (from.0 + to.0) / 2.0 + uy * lift,
        (from.1 + to.1) / 2.0 - ux * lift,
    );
    let toward = |p: (f64, f64), q: (f64, f64)| {
        let (ex, ey) = (q.0 - p.0, q.1 - p.1);
        let l = (ex * ex + ey * ey).sqrt().max(1.0);
        (p.0 + ex / l * RADIUS, p.1 + ey / l * RADIUS)
    };
    let (start, end) = (toward(from, control), toward(to, control));
    let _ = writeln!(
        out,
        "<path d=\"M{} {} Q{} {} {} {}\" fill=\"none\" stroke=\"#000\" marker-end=\"url(#arrow)\"/>",
        px(start.0),
        px(start.1),
        px(control.0),
        px(control.1),
        px(end.0),
        px(end.1)
    );
    // The curve's point `along` it (its middle: (start + 2 control + end) / 4), and its
    // direction there (that of the chord).
    let t = along;
    let bezier =
        |a: f64, c: f64, b: f64| (1.0 - t) * (1.0 - t) * a + 2.0 * t * (1.0 - t) * c + t * t * b;
    let (mx, my) = (
        bezier(start.0, control.0, end.0),
        bezier(start.1, control.1, end.1),
    );
    let angle = (end.1 - start.1).atan2(end.0 - start.0).to_degrees();
    let label = |text: &str, offset: f64, fill: &str| {
        format!(
            "<text x=\"{x}\" y=\"{y}\" font-size=\"12\" text-anchor=\"middle\" fill=\"{fill}\" \
             transform=\"rotate({a} {x} {m})\">{}</text>",
            escape(&text.replace('-', "\u{2212}")),
            x = px(mx),
            y = px(my + offset),
            m = px(my),
            a = px(angle)
        )
    };
    let _ = writeln!(out, "{}", label(above, -5.0, "#000"));
    if let Some(below) = below {
        let _ = writeln!(out, "{}", label(below, 14.0, RED));
    }
}

/// A network's symbol as the network drawing's SVG writes one.
fn symbol_of(s: &crate::math::expr::Symbol, depth: u32) -> super::drawing::Symbol {
    let name = crate::math::names::Name::of(s, Some(depth));
    let apart = name.wide();
    let sub: Vec<String> = name.indices.iter().map(|i| i.to_string()).collect();
    super::drawing::Symbol {
        latex: String::new(),
        base: name.letter.plain(),
        sub: sub.join(if apart { "," } else { "" }),
        sup: name.shown_layer().map(|l| format!("({l})")),
    }
}

/// What a node shows in plain text: a variable's name, a constant's number, an operation's
/// sign; in JSON, a network's node its name (`a_1^(1)`).
fn label(node: &crate::graph::Node, name: &Expr, printer: &Printer, depth: u32) -> String {
    match node.op {
        Op::Input(_) | Op::Constant(_) | Op::Data(_) => printer.plain(name),
        op => sign(op, depth),
    }
}

/// A node's label in JSON: its name where it has one of its own, else what it shows.
fn json_label(node: &crate::graph::Node, name: &Expr, printer: &Printer) -> String {
    match node.name {
        Some(_) => plain_name(name, printer),
        None => label(node, name, printer, 0),
    }
}

/// A network node's name in plain text: a product its factors side by side
/// (`w_11^(1) x_1`); any other as the printer names it (a loss part `E_1`).
fn plain_name(name: &Expr, printer: &Printer) -> String {
    match name {
        Expr::Mul(factors) => factors
            .iter()
            .map(|f| printer.plain(f))
            .collect::<Vec<_>>()
            .join(" "),
        other => printer.plain(other),
    }
}

/// The sign of an operation node in plain text; a network's activation as the printer names
/// it (`o` in the output layer of a network `depth` layers deep, `h`, or `h⁽ˡ⁾` when deeper).
fn sign(op: Op, depth: u32) -> String {
    match op {
        Op::Add => "+".into(),
        Op::Sub | Op::Neg => "−".into(),
        Op::Mul => "×".into(),
        Op::Div => "÷".into(),
        Op::Pow => "^".into(),
        Op::Call(crate::math::expr::Func::Act(layer)) if layer == depth => "o".into(),
        Op::Call(crate::math::expr::Func::Act(_)) if depth == 2 => "h".into(),
        Op::Call(crate::math::expr::Func::Act(layer)) => format!("h{}", superscript(layer)),
        Op::Call(f) => f.name(),
        Op::Loss => "E".into(),
        Op::SoftmaxWithLoss => "SwL".into(),
        Op::Input(_) | Op::Constant(_) | Op::Data(_) => String::new(),
    }
}

/// `(2)` in superscript characters: `⁽²⁾`.
fn superscript(layer: u32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let digits: String = layer
        .to_string()
        .chars()
        .filter_map(|c| c.to_digit(10).map(|d| DIGITS[d as usize]))
        .collect();
    format!("⁽{digits}⁾")
}

/// A sentence in Markdown: its words escaped, its formulas (`latex::graph`'s LaTeX) in the
/// flavor's inline math.
fn prose(said: &[Piece], flavor: Flavor) -> String {
    let (open, close) = flavor.inline_math_fences();
    said.iter()
        .map(|piece| match piece {
            Piece::Text(words) => crate::latex::escape_markdown(words),
            Piece::Math(math) => format!("{open}{}{close}", prose_math(*math)),
        })
        .collect()
}

/// The Markdown post: headings, the picture (`figure`, the SVG beside the post; without one
/// a comment says how to make it), the forward and backward rows in the flavor's math
/// fences.
pub fn markdown(
    worked: &Worked,
    printer: &Printer,
    tongue: Tongue,
    flavor: Flavor,
    figure: Option<&str>,
) -> String {
    let w = words(tongue);
    let (open, close) = flavor.math_fences();
    let block = |rows: &[String]| format!("{open}\n{}\n{close}\n", aligned(rows));
    let mut out = format!(
        "## {}\n\n${}$\n\n",
        w.graph,
        crate::latex::graph::formula(worked, printer)
    );
    match figure {
        Some(file) => {
            let _ = writeln!(out, "![{}]({file})\n\n{}\n", w.graph, w.legend);
        }
        None => {
            let _ = writeln!(
                out,
                "<!-- backprop-tex graph \"FORMULA\" --at … -f svg -o graph.svg: {} -->\n",
                w.legend
            );
        }
    }
    let _ = writeln!(
        out,
        "## {}\n\n{}\n\n{}",
        w.forward,
        w.forward_intro,
        block(&forward_rows(worked, printer, Environment::Aligned))
    );
    let _ = writeln!(out, "## {}\n\n{}\n", w.backward, w.backward_intro);
    for back in backward_rows(worked, printer, tongue, Environment::Aligned) {
        let _ = writeln!(
            out,
            "{}\n\n{}",
            prose(&back.note, flavor),
            block(&[back.row])
        );
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// A network's graph view as a Markdown post: the picture (`figure`, the SVG beside the
/// post; without one a comment says how to make it), the forward and backward rows in the
/// flavor's math fences.
pub fn network_markdown(
    page: &crate::latex::graph::NetworkPage,
    printer: &Printer,
    tongue: Tongue,
    flavor: Flavor,
    figure: Option<&str>,
) -> String {
    let w = words(tongue);
    let (open, close) = flavor.math_fences();
    let block = |rows: &[String]| format!("{open}\n{}\n{close}\n", aligned(rows));
    let mut out = page.title.map_or(String::new(), |title| {
        format!("# {}\n\n", crate::latex::escape_markdown(title))
    });
    let _ = write!(
        out,
        "## {}\n\n{}\n\n",
        w.graph,
        prose(&crate::graph::network_words(tongue).intro, flavor)
    );
    for note in page.notes {
        let _ = writeln!(out, "{}\n", prose(note, flavor));
    }
    match figure {
        Some(file) => {
            let _ = writeln!(out, "![{}]({file})\n\n{}\n", w.graph, w.legend);
        }
        None => {
            let _ = writeln!(
                out,
                "<!-- backprop-tex derive FILE --view graph -f svg -o graph.svg: {} -->\n",
                w.legend
            );
        }
    }
    let _ = writeln!(out, "## {}\n\n{}\n", w.forward, w.forward_intro);
    for rows in forward_rows(page.worked, printer, Environment::Aligned).chunks(16) {
        let _ = writeln!(out, "{}", block(rows));
    }
    let _ = writeln!(
        out,
        "## {}\n\n{}\n",
        w.backward,
        prose(&crate::graph::network_words(tongue).backward_intro, flavor)
    );
    for back in backward_rows(page.worked, printer, tongue, Environment::Aligned) {
        let _ = writeln!(
            out,
            "{}\n\n{}",
            prose(&back.note, flavor),
            block(&[back.row])
        );
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
