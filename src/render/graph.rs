//! A worked computational graph (issue 17) as JSON, SVG and Markdown; the LaTeX is
//! `latex::graph`'s, and the Markdown's math is that LaTeX in the flavor's fences.

use std::fmt::Write as _;

use serde_json::{json, Map, Value as Json};

use crate::graph::{bends, layout, words, Op, Tongue, Worked};
use crate::latex::graph::{aligned, backward_rows, forward_rows, node_names};
use crate::latex::{Environment, Printer};
use crate::math::number::Value;

use super::layout::Flavor;
use super::svg::escape;

/// A number in JSON: its float, or null where it has none (it always has, within the graph).
fn number(v: Value) -> Json {
    serde_json::Number::from_f64(v.f).map_or(Json::Null, Json::Number)
}

/// `{"value": f, "partials": {"x": …}, "graph": {"nodes": […], "edges": […]}}`, at full
/// precision.
pub fn json(worked: &Worked, printer: &Printer) -> String {
    let mut partials = Map::new();
    for (name, _, gradient) in worked.partials() {
        partials.insert(name.to_string(), number(gradient));
    }
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
                "label": label(node.op, &names[n], printer),
                "value": number(worked.values[n]),
                "gradient": number(worked.gradients[n]),
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
    let doc = json!({
        "value": number(worked.value()),
        "partials": partials,
        "graph": {"nodes": nodes, "edges": edges},
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
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
            MARGIN + places[n].row as f64 * ROW,
        )
    };
    let (width, height) = (
        2.0 * MARGIN + columns as f64 * COLUMN,
        2.0 * MARGIN + (rows as f64 - 1.0) * ROW,
    );
    let mut out = format!(
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
    );
    let output = worked.graph.output();
    let (ox, oy) = at(output);
    let end = (ox + COLUMN * 0.6, oy);
    write_edge(
        &mut out,
        ((ox, oy), end),
        0,
        &printer.plain(&crate::math::expr::Expr::Val(worked.values[output])),
        Some("1"),
    );
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"16\" font-style=\"italic\" dominant-baseline=\"middle\">f</text>",
        px(end.0 + 6.0),
        px(end.1)
    );
    let pairs: Vec<(usize, usize)> = worked.edges.iter().map(|e| (e.from, e.to)).collect();
    let bent = bends(&pairs, &places);
    for (edge, bend) in worked.edges.iter().zip(bent) {
        let back = edge
            .back
            .as_ref()
            .map(|b| printer.plain(&crate::math::expr::Expr::Val(b.backward)));
        write_edge(
            &mut out,
            (at(edge.from), at(edge.to)),
            bend,
            &printer.plain(&crate::math::expr::Expr::Val(edge.forward)),
            back.as_deref(),
        );
    }
    let names = node_names(worked);
    for (n, node) in worked.graph.nodes.iter().enumerate() {
        let (x, y) = at(n);
        let label = label(node.op, &names[n], printer);
        let italic = matches!(node.op, Op::Input(_));
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
            escape(&label)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// An edge from circle to circle, straight or bent `bend` half steps to its left, `above` over
/// its middle and `below` (red) under it, both turned with the edge.
fn write_edge(
    out: &mut String,
    (from, to): ((f64, f64), (f64, f64)),
    bend: i32,
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
    // The curve's middle, and its direction there (that of the chord).
    let (mx, my) = (
        (start.0 + 2.0 * control.0 + end.0) / 4.0,
        (start.1 + 2.0 * control.1 + end.1) / 4.0,
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

/// What a node shows in plain text: a variable's name, a constant's number, an operation's
/// sign.
fn label(op: Op, name: &crate::math::expr::Expr, printer: &Printer) -> String {
    match op {
        Op::Input(_) | Op::Constant(_) => printer.plain(name),
        op => sign(op),
    }
}

/// The sign of an operation node in plain text.
fn sign(op: Op) -> String {
    match op {
        Op::Add => "+".into(),
        Op::Sub | Op::Neg => "−".into(),
        Op::Mul => "×".into(),
        Op::Div => "÷".into(),
        Op::Pow => "^".into(),
        Op::Call(f) => f.name(),
        Op::Input(_) | Op::Constant(_) => String::new(),
    }
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
    let (open, close) = match flavor {
        Flavor::Qiita => ("```math", "```"),
        Flavor::Zenn | Flavor::Github => ("$$", "$$"),
    };
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
        let _ = writeln!(out, "{}\n\n{}", back.note, block(&[back.row]));
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
