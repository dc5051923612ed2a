//! The drawing of the network as SVG, for Markdown and the web, where TikZ does not render.
//!
//! A small writer of its own (no external program, no dependency): it draws the one layout of
//! [`crate::render::drawing`] — the same units, values, weights and elisions as the TikZ figure — with
//! every label as real `<text>` (selectable, searchable, legible when scaled), subscripts as
//! `<tspan>`s shifted with `dy` (which every browser supports, unlike `baseline-shift`). What
//! is left out is stated under the figure, in the post's language, so that the picture says
//! it wherever it is shown.

use std::fmt::Write;

use crate::render::drawing::{Drawing, Number, Symbol};
use crate::render::Lang;

/// Pixels per centimetre of the layout (a 14 cm drawing is about 630 px wide, what a blog's
/// column shows unscaled).
const SCALE: f64 = 45.0;
const MARGIN: f64 = 12.0;
/// The least radius of a unit (px): TikZ's 11 mm circle.
const RADIUS: f64 = 0.55 * SCALE;
/// Font sizes (px): a unit's symbol, its value, a weight, the note under the figure; none
/// below 10 px (7.5 pt).
const LABEL: f64 = 14.0;
const VALUE: f64 = 11.0;
const WEIGHT: f64 = 10.0;
const NOTE: f64 = 12.0;
/// A digit's width in em, for sizing circles and the boxes behind weights.
const CHAR: f64 = 0.56;

/// Where the picture's parts go: each unit's radius, and the shift that moves the drawing's
/// coordinates into the picture.
struct Frame {
    radii: Vec<f64>,
    dx: f64,
    dy: f64,
    /// The figure's height above the notes, and the picture's size.
    figure_height: f64,
    width: f64,
    height: f64,
}

impl Frame {
    fn new(drawing: &Drawing, notes: &[Note]) -> Frame {
        let radius = |n: &Number| (RADIUS).max(width(n, VALUE) / 2.0 + 5.0);
        let radii: Vec<f64> = drawing.nodes.iter().map(|n| radius(&n.value)).collect();
        // The extent of everything drawn, before it is moved into the picture.
        let (mut left, mut right, mut top, mut bottom) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (n, r) in drawing.nodes.iter().zip(&radii) {
            let (x, y) = scaled(n.x, n.y);
            left = left.min(x - r);
            right = right.max(x + r);
            top = top.min(y - r);
            bottom = bottom.max(y + r);
        }
        let note_height = notes.len() as f64 * NOTE * 1.5;
        let note_width = notes.iter().map(|n| n.width).fold(0.0, f64::max);
        let figure_width = right - left;
        let width = figure_width.max(note_width) + 2.0 * MARGIN;
        Frame {
            radii,
            dx: MARGIN - left + (width - 2.0 * MARGIN - figure_width) / 2.0,
            dy: MARGIN - top,
            figure_height: bottom - top,
            width,
            height: bottom - top + 2.0 * MARGIN + note_height,
        }
    }

    /// A point of the drawing, in the picture's pixels.
    fn place(&self, x: f64, y: f64) -> (f64, f64) {
        let (x, y) = scaled(x, y);
        (x + self.dx, y + self.dy)
    }

    fn radius_of(&self, drawing: &Drawing, id: &str) -> f64 {
        drawing
            .nodes
            .iter()
            .position(|n| n.id == id)
            .map_or(RADIUS, |k| self.radii[k])
    }
}

/// The drawing's units to pixels, y downwards.
fn scaled(x: f64, y: f64) -> (f64, f64) {
    (x * SCALE, -y * SCALE)
}

/// Writes `drawing` as a standalone SVG document; `title` (the network's) becomes its
/// `<title>`.
pub fn write(drawing: &Drawing, lang: Lang, title: Option<&str>) -> String {
    let notes = notes(drawing, lang);
    let frame = Frame::new(drawing, &notes);
    let mut out = String::new();
    write_head(&frame, lang, title, &mut out);
    // Edges first, their labels over them, then the units over both.
    write_edges(drawing, &frame, &mut out);
    write_units(drawing, &frame, &mut out);
    write_gaps(drawing, &frame, &mut out);
    for (k, note) in notes.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{NOTE}\" font-family=\"sans-serif\">{}</text>",
            px(MARGIN),
            px(frame.figure_height + MARGIN + NOTE * 1.5 * (k as f64 + 1.0)),
            note.text
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The document's head: its size, fonts, title and the arrowhead every edge ends in.
fn write_head(frame: &Frame, lang: Lang, title: Option<&str>, out: &mut String) {
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" role=\"img\" font-family=\"'Latin Modern Roman', \
         'Times New Roman', 'Noto Serif CJK JP', serif\">",
        w = px(frame.width),
        h = px(frame.height)
    );
    let described = match (lang, title) {
        (_, Some(t)) => escape(t),
        (Lang::Ja, None) => "ニューラルネットワークの構造".into(),
        (Lang::En, None) => "The network".into(),
    };
    let _ = writeln!(out, "<title>{described}</title>");
    out.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#000\"/></marker></defs>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n",
    );
}

/// Every edge from circle to circle, then the labels of the labelled ones over all edges.
fn write_edges(drawing: &Drawing, frame: &Frame, out: &mut String) {
    let mut labels = String::new();
    for edge in &drawing.edges {
        let (x1, y1) = frame.place(edge.start.0, edge.start.1);
        let (x2, y2) = frame.place(edge.end.0, edge.end.1);
        let length = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt().max(1e-9);
        let (ux, uy) = ((x2 - x1) / length, (y2 - y1) / length);
        let (r1, r2) = (
            frame.radius_of(drawing, &edge.from),
            frame.radius_of(drawing, &edge.to),
        );
        let (sx, sy) = (x1 + ux * r1, y1 + uy * r1);
        let (ex, ey) = (x2 - ux * r2, y2 - uy * r2);
        let stroke = if edge.labelled { "#000" } else { "#999" };
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" \
             stroke-width=\"1\" marker-end=\"url(#arrow)\"/>",
            px(sx),
            px(sy),
            px(ex),
            px(ey)
        );
        if edge.labelled {
            let (lx, ly) = (sx + (ex - sx) * edge.pos, sy + (ey - sy) * edge.pos);
            let w = width(&edge.weight, WEIGHT) + 4.0;
            let _ = writeln!(
                labels,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\"/>",
                px(lx - w / 2.0),
                px(ly - WEIGHT * 0.75),
                px(w),
                px(WEIGHT * 1.4)
            );
            let _ = write!(
                labels,
                "<text x=\"{}\" y=\"{}\" font-size=\"{WEIGHT}\" text-anchor=\"middle\">",
                px(lx),
                px(ly + WEIGHT * 0.35)
            );
            number(&mut labels, &edge.weight, WEIGHT);
            labels.push_str("</text>\n");
        }
    }
    out.push_str(&labels);
}

/// Each unit: its circle, its symbol, and its value under the symbol.
fn write_units(drawing: &Drawing, frame: &Frame, out: &mut String) {
    for (node, r) in drawing.nodes.iter().zip(&frame.radii) {
        let (x, y) = frame.place(node.x, node.y);
        let _ = writeln!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"1\"/>",
            px(x),
            px(y),
            px(*r)
        );
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{LABEL}\" text-anchor=\"middle\">",
            px(x),
            px(y - 2.0)
        );
        symbol(out, &node.label, LABEL);
        out.push_str("</text>\n");
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{VALUE}\" text-anchor=\"middle\">",
            px(x),
            px(y + VALUE + 1.0)
        );
        number(out, &node.value, VALUE);
        out.push_str("</text>\n");
    }
}

/// The dots where units or layers are left out.
fn write_gaps(drawing: &Drawing, frame: &Frame, out: &mut String) {
    for gap in &drawing.gaps {
        let (x, y) = frame.place(gap.x, gap.y);
        let (mark, size) = if gap.vertical {
            ("\u{22ee}", 22.0)
        } else {
            ("\u{22ef}", 26.0)
        };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{size}\" text-anchor=\"middle\">{mark}</text>",
            px(x),
            px(y + size * 0.35)
        );
    }
}

/// A coordinate, to a tenth of a pixel.
fn px(v: f64) -> String {
    let v = (v * 10.0).round() / 10.0;
    if v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// About how wide `n` is written at `size` px.
fn width(n: &Number, size: f64) -> f64 {
    let chars = n.mantissa.chars().count() + n.exponent.as_ref().map_or(0, |e| 3 + e.len());
    chars as f64 * CHAR * size
}

/// Writes a symbol: its letter in italics, the subscript and superscript smaller, shifted;
/// returns how far below the baseline the text now stands.
pub(super) fn symbol(out: &mut String, s: &Symbol, size: f64) -> f64 {
    let small = (size * 0.7).round();
    let down = (size * 0.3).round();
    let _ = write!(
        out,
        "<tspan font-style=\"italic\">{}</tspan><tspan dy=\"{down}\" font-size=\"{small}\">{}</tspan>",
        s.base, s.sub
    );
    match &s.sup {
        Some(sup) => {
            let up = (size * 0.75).round() + down;
            let _ = write!(
                out,
                "<tspan dy=\"-{up}\" font-size=\"{small}\">{sup}</tspan>"
            );
            down - up
        }
        None => down,
    }
}

/// Writes `text` back on the baseline after a symbol that left it `shift` below.
fn after(out: &mut String, shift: f64, text: &str) {
    let _ = write!(out, "<tspan dy=\"{}\">{text}</tspan>", -shift);
}

/// Writes a number: `−1.5×10` and its exponent raised.
fn number(out: &mut String, n: &Number, size: f64) {
    out.push_str(&n.mantissa);
    if let Some(e) = &n.exponent {
        let small = (size * 0.75).round();
        let up = (size * 0.4).round();
        let _ = write!(
            out,
            "\u{00d7}10<tspan dy=\"-{up}\" font-size=\"{small}\">{e}</tspan>"
        );
    }
}

/// A line of the note under the figure: its SVG text and about how wide it is.
struct Note {
    text: String,
    width: f64,
}

/// What the figure leaves out, a line per elided column and one for elided layers.
fn notes(drawing: &Drawing, lang: Lang) -> Vec<Note> {
    let mut notes = Vec::new();
    let ja = lang == Lang::Ja;
    for e in &drawing.elided_units {
        let units = e.units;
        let (rest, chars) = match (ja, e.layer, e.output) {
            (true, 0, _) => (format!("(入力{units}個のうち)を省略"), 24),
            (true, _, true) => (format!("(出力{units}個のうち)を省略"), 24),
            (true, l, false) => (format!("(第{l}層のユニット{units}個のうち)を省略"), 30),
            (false, 0, _) => (format!(" (of the {units} inputs)"), 40),
            (false, _, true) => (format!(" (of the {units} outputs)"), 40),
            (false, l, false) => (format!(" (of the {units} units of layer {l})"), 50),
        };
        let mut text = String::from(if ja { "⋮ は" } else { "⋮ stands for " });
        let shift = symbol(&mut text, &e.first, NOTE);
        after(&mut text, shift, if ja { "〜" } else { "–" });
        let shift = symbol(&mut text, &e.last, NOTE);
        after(&mut text, shift, &rest);
        notes.push(Note {
            text,
            width: chars as f64 * NOTE * if ja { 0.9 } else { 0.55 },
        });
    }
    if let Some(layers) = &drawing.elided_layers {
        let (first, last) = (layers.first, layers.last);
        let (text, chars) = if ja {
            (format!("⋯ は第{first}〜{last}層を省略"), 16)
        } else if first == last {
            (format!("⋯ stands for layer {first}"), 24)
        } else {
            (format!("⋯ stands for layers {first}–{last}"), 28)
        };
        notes.push(Note {
            text,
            width: chars as f64 * NOTE * if ja { 0.9 } else { 0.55 },
        });
    }
    notes
}

/// `text` made safe as XML character data: markup characters escaped, characters XML 1.0
/// does not allow (controls but tab and line ends) left out.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svg(text: &str, lang: Lang) -> String {
        let network = crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap();
        let derivation = crate::derivation::derive(&network, Default::default()).unwrap();
        let printer = crate::latex::Printer::new(network.depth(), 4);
        let drawing = crate::render::drawing::draw(&derivation, &printer).unwrap();
        write(&drawing, lang, network.title.as_deref())
    }

    /// The text of every `<text>` element, tspans joined.
    fn texts(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| {
                n.descendants()
                    .filter(|d| d.is_text())
                    .filter_map(|d| d.text())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_article_is_drawn_with_its_values_and_weights() {
        let out = svg(include_str!("../../examples/article.nn"), Lang::En);
        let texts = texts(&out);
        for expected in [
            "x1", "z2", "y1", "0.6457", "0.7685", "2.183", "5.011", "0.1", "4",
        ] {
            assert!(texts.iter().any(|t| t == expected), "{expected}: {texts:?}");
        }
        assert_eq!(out.matches("<circle").count(), 7);
        assert_eq!(out.matches("<line").count(), 10);
        assert!(out.contains("<title>Backpropagation by hand: a 3-2-2 network</title>"));
    }

    #[test]
    fn what_is_left_out_is_stated_in_the_posts_language() {
        let row = ["0.5"; 12].join(", ");
        let text = format!(
            "input x = [{row}]\nlayer sigmoid W = [[{row}], [{row}]]\n\
             target t = [0, 1]\nloss sum_squared\n"
        );
        let en = texts(&svg(&text, Lang::En));
        assert!(
            en.contains(&"⋮ stands for x4–x11 (of the 12 inputs)".to_string()),
            "{en:?}"
        );
        let ja = texts(&svg(&text, Lang::Ja));
        assert!(
            ja.contains(&"⋮ はx4〜x11(入力12個のうち)を省略".to_string()),
            "{ja:?}"
        );
        assert!(ja.contains(&"\u{22ee}".to_string()));
    }

    #[test]
    fn small_exponents_and_hostile_titles_stay_valid_xml() {
        let text = "title \"<b>&amp; \\\"quoted\\\"\"\ninput x = [0.0000001]\n\
                    layer identity W = [[-0.00000025]]\ntarget t = [0]\nloss sum_squared\n";
        let out = svg(text, Lang::En);
        let texts = texts(&out);
        assert!(texts.iter().any(|t| t == "−2.5×10−14"), "{texts:?}");
        let doc = roxmltree::Document::parse(&out).unwrap();
        let title = doc.descendants().find(|n| n.has_tag_name("title")).unwrap();
        assert_eq!(title.text(), Some("<b>&amp; \"quoted\""));
        assert_eq!(escape("a\u{1}b\u{7f}"), "ab\u{7f}");
    }
}
