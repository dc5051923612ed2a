//! The drawing of the network, laid out once: where each unit stands, which units and layers
//! are left out of a wide or deep network, and every label with its number.
//!
//! Two writers draw this one model — `diagram.tex.tera` (TikZ, for LaTeX) and [`crate::render::svg`]
//! (for Markdown and the web) — so that the PDF and the blog show the same picture. Nothing is
//! scaled down to fit: a layer wider than [`WIDEST`] units is drawn as its first
//! [`FIRST_SHOWN`] units, `⋮` and its last unit, and a network deeper than [`MOST_COLUMNS`]
//! columns as its first and last layers around `⋯`, so the labels keep their size (8–9 pt in
//! the PDF) at any width; what is left out is listed for the sentence under the figure.

use serde::Serialize;

use crate::derivation::Derivation;
use crate::latex::Printer;
use crate::math::expr::{self, Index};
use crate::math::names::Name;
use crate::math::number::{Decimal, Value};
use crate::model::Network;

/// The widest layer drawn whole.
pub const WIDEST: usize = 8;
/// How many units of a wider layer are drawn before its `⋮` (its last one follows).
pub const FIRST_SHOWN: usize = 3;
/// The most columns (input and layers) drawn whole; deeper networks lose their middle layers.
pub const MOST_COLUMNS: usize = 6;
/// Vertical distance between units (cm).
const SPACING_Y: f64 = 2.0;
/// Horizontal distance between columns (cm), at most and at least.
const SPACING_X: f64 = 3.6;
const SPACING_X_LEAST: f64 = 2.4;
/// The span from the first column to the last (cm): with the units' width, the drawing fits
/// a 14 cm text width.
const SPAN_X: f64 = 12.8;
/// Layers with more drawn edges than this have no weights on their edges: the labels of
/// crossing edges cannot all be read (tried: staggered and sloped labels still collide from
/// 3×3 on). The weights stand in the W matrix, and the text says so.
const MOST_LABELLED: usize = 6;

/// A symbol as both writers need it: LaTeX (all the templates see), and its letter,
/// subscript and superscript.
#[derive(Clone, Debug)]
pub struct Symbol {
    pub latex: String,
    pub base: &'static str,
    pub sub: String,
    pub sup: Option<String>,
}

impl Serialize for Symbol {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.latex)
    }
}

impl Symbol {
    /// The symbol of unit `i` (from 0) of column `l` among `columns` (input, layers).
    fn unit(l: usize, i: usize, columns: usize) -> Symbol {
        let depth = columns as u32 - 1;
        let name = Name::of(
            &expr::Symbol::out(l as u32, Index::Num(i as u32 + 1)),
            Some(depth),
        );
        Symbol {
            latex: crate::latex::diagram_label(&name),
            base: name.letter.plain(),
            sub: (i + 1).to_string(),
            sup: name.shown_layer().map(|l| format!("({l})")),
        }
    }
}

/// A number as both writers need it: LaTeX (`-1.5\times10^{-7}`, all the templates see), and
/// as text, its mantissa with a real minus sign and its power of ten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number {
    pub latex: String,
    pub mantissa: String,
    pub exponent: Option<String>,
}

impl Number {
    fn new(printer: &Printer, value: Value) -> Number {
        Number::from_latex(printer.value(value))
    }

    /// A number given in the file, with all its digits.
    fn given(printer: &Printer, value: Decimal) -> Number {
        Number::from_latex(printer.given(value))
    }

    fn from_latex(latex: String) -> Number {
        let (mantissa, exponent) = crate::latex::mantissa_and_power(&latex);
        let exponent = exponent.map(|e| e.replace('-', "\u{2212}"));
        Number {
            mantissa: mantissa.replace('-', "\u{2212}"),
            exponent,
            latex,
        }
    }
}

impl Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.latex)
    }
}

/// A unit: its position (cm, y up), symbol and forward value (the first sample's, before the
/// first update).
#[derive(Debug, Serialize)]
pub struct Node {
    /// An input unit (its value is given, not computed).
    pub input: bool,
    pub id: String,
    pub x: f64,
    pub y: f64,
    /// The symbol, as LaTeX (`label`) for the templates.
    pub label: Symbol,
    pub value: Number,
}

/// A weight: the edge from unit `from` to unit `to`, labelled at `pos` along it (0 at `from`).
#[derive(Debug, Serialize)]
pub struct Edge {
    /// Whether the weight is written on the edge (not between wide layers).
    pub labelled: bool,
    pub from: String,
    pub to: String,
    pub weight: Number,
    pub pos: f64,
    /// The positions of its ends (cm).
    #[serde(skip)]
    pub start: (f64, f64),
    #[serde(skip)]
    pub end: (f64, f64),
}

/// Where something is left out: `⋮` between units (`vertical`), `⋯` between layers.
#[derive(Debug, Serialize)]
pub struct Gap {
    pub x: f64,
    pub y: f64,
    pub vertical: bool,
}

/// The units of one column not drawn: those after the first [`FIRST_SHOWN`], before the last.
#[derive(Debug, Serialize)]
pub struct ElidedUnits {
    /// 0 for the input, else the layer's number.
    pub layer: u32,
    pub output: bool,
    pub units: usize,
    /// The first and last unit left out.
    pub first: Symbol,
    pub last: Symbol,
}

/// The layers not drawn, `first` to `last` (numbers).
#[derive(Debug, Serialize)]
pub struct ElidedLayers {
    pub first: u32,
    pub last: u32,
}

/// The whole drawing.
#[derive(Debug, Serialize)]
pub struct Drawing {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub gaps: Vec<Gap>,
    /// The layers whose weights are not written on their edges (among those drawn).
    pub unlabelled_layers: Vec<u32>,
    /// The columns whose middle units are left out, input first.
    pub elided_units: Vec<ElidedUnits>,
    pub elided_layers: Option<ElidedLayers>,
}

/// Which units of a column of `units` are drawn, in order, and where its `⋮` goes (the slot
/// after the last of the first ones), if any.
fn shown_units(units: usize) -> (Vec<usize>, Option<usize>) {
    if units <= WIDEST {
        ((0..units).collect(), None)
    } else {
        let mut shown: Vec<usize> = (0..FIRST_SHOWN).collect();
        shown.push(units - 1);
        (shown, Some(FIRST_SHOWN))
    }
}

/// Which columns are drawn (indices into the sizes: 0 the input), and where the `⋯` goes.
fn shown_columns(columns: usize) -> (Vec<usize>, Option<usize>) {
    if columns <= MOST_COLUMNS {
        ((0..columns).collect(), None)
    } else {
        let head = MOST_COLUMNS / 2;
        let tail = MOST_COLUMNS - 1 - head;
        let mut shown: Vec<usize> = (0..head).collect();
        shown.extend(columns - tail..columns);
        (shown, Some(head))
    }
}

/// The `⋯` at place `g` (at `x`) among the `shown` columns, and the layers it stands for.
fn elided_layers(shown: &[usize], g: usize, x: f64) -> (Gap, ElidedLayers) {
    let gap = Gap {
        x,
        y: 0.0,
        vertical: false,
    };
    let elided = ElidedLayers {
        first: shown[g - 1] as u32 + 1,
        last: shown[g] as u32 - 1,
    };
    (gap, elided)
}

/// The edges between drawn units of adjacent drawn columns (`drawn`: each column's units and
/// their nodes), and the layers too crowded for their weights to be written on the edges.
fn edges(
    network: &Network,
    drawn: &[(usize, Vec<(usize, usize)>)],
    nodes: &[Node],
    printer: &Printer,
) -> (Vec<Edge>, Vec<u32>) {
    let mut edges = Vec::new();
    let mut unlabelled_layers = Vec::new();
    for pair in drawn.windows(2) {
        let ((l, inputs), (next, outputs)) = (&pair[0], &pair[1]);
        if *next != l + 1 {
            continue;
        }
        let layer = &network.layers[*l];
        let labelled = inputs.len() * outputs.len() <= MOST_LABELLED;
        if !labelled {
            unlabelled_layers.push(*next as u32);
        }
        for &(i, to) in outputs {
            for &(j, from) in inputs {
                // Labels sit near the unit the edge leaves, each target at its own distance,
                // so that labels of diverging edges do not pile up.
                let pos = 0.2 + 0.45 * i as f64 / layer.units().max(2) as f64;
                edges.push(Edge {
                    labelled,
                    from: nodes[from].id.clone(),
                    to: nodes[to].id.clone(),
                    weight: Number::given(printer, layer.weights[i][j]),
                    pos: (pos * 100.0).round() / 100.0,
                    start: (nodes[from].x, nodes[from].y),
                    end: (nodes[to].x, nodes[to].y),
                });
            }
        }
    }
    (edges, unlabelled_layers)
}

/// Lays out the drawing of `derivation`'s network, its numbers written by `printer`.
pub fn draw(derivation: &Derivation, printer: &Printer) -> Option<Drawing> {
    let network = derivation.network;
    let step = derivation.steps.first()?;
    let sizes = network.sizes();
    let columns = sizes.len();
    let (shown, layer_gap) = shown_columns(columns);
    let places = shown.len() + usize::from(layer_gap.is_some());
    let spacing_x = (SPAN_X / (places.max(2) - 1) as f64).clamp(SPACING_X_LEAST, SPACING_X);
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    let mut nodes = Vec::new();
    let mut gaps = Vec::new();
    let mut elided_units = Vec::new();
    // The drawn units of each drawn column: (unit, node index).
    let mut drawn: Vec<(usize, Vec<(usize, usize)>)> = Vec::new();
    for (place, &l) in shown.iter().enumerate() {
        let place = place + usize::from(layer_gap.is_some_and(|g| place >= g));
        let x = round(spacing_x * place as f64);
        let units = sizes[l];
        let (units_shown, unit_gap) = shown_units(units);
        let slots = units_shown.len() + usize::from(unit_gap.is_some());
        let y_of = |slot: usize| round(SPACING_Y * ((slots as f64 - 1.0) / 2.0 - slot as f64));
        let mut column = Vec::new();
        for (k, &i) in units_shown.iter().enumerate() {
            let slot = k + usize::from(unit_gap.is_some_and(|g| k >= g));
            let value = match l {
                0 => Number::given(printer, network.x[0][i]),
                l => Number::new(printer, step.layers[l - 1].out[0][i]),
            };
            column.push((i, nodes.len()));
            nodes.push(Node {
                input: l == 0,
                id: format!("n{l}x{i}"),
                x,
                y: y_of(slot),
                label: Symbol::unit(l, i, columns),
                value,
            });
        }
        if let Some(g) = unit_gap {
            gaps.push(Gap {
                x,
                y: y_of(g),
                vertical: true,
            });
            elided_units.push(ElidedUnits {
                layer: l as u32,
                output: l == columns - 1,
                units,
                first: Symbol::unit(l, FIRST_SHOWN, columns),
                last: Symbol::unit(l, units - 2, columns),
            });
        }
        drawn.push((l, column));
    }
    let elided_layers = layer_gap.map(|g| {
        let (gap, elided) = elided_layers(&shown, g, round(spacing_x * g as f64));
        gaps.push(gap);
        elided
    });
    let (edges, unlabelled_layers) = edges(network, &drawn, &nodes, printer);
    Some(Drawing {
        nodes,
        edges,
        gaps,
        unlabelled_layers,
        elided_units,
        elided_layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawing(text: &str) -> Drawing {
        let network = crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap();
        let derivation = crate::derivation::derive(&network, Default::default()).unwrap();
        draw(&derivation, &Printer::new(network.depth(), 4)).unwrap()
    }

    #[test]
    fn the_article_is_drawn_whole_with_its_weights() {
        let d = drawing(include_str!("../../examples/article.nn"));
        assert_eq!(d.nodes.len(), 7);
        assert_eq!(d.edges.len(), 10);
        assert!(d.gaps.is_empty() && d.elided_units.is_empty() && d.elided_layers.is_none());
        assert!(d.edges.iter().all(|e| e.labelled));
        assert!(d.unlabelled_layers.is_empty());
        let z1 = d.nodes.iter().find(|n| n.id == "n1x0").unwrap();
        assert_eq!(
            (z1.label.latex.as_str(), z1.value.latex.as_str()),
            ("z_{1}", "0.6457")
        );
        assert_eq!((z1.x, z1.y), (3.6, 1.0));
    }

    #[test]
    fn wide_layers_keep_their_first_and_last_units() {
        for units in [WIDEST, WIDEST + 1, 12, 1000] {
            let row = vec!["0.1"; units].join(", ");
            let text = format!(
                "input x = [{row}]\nlayer sigmoid W = [[{row}], [{row}]]\n\
                 target t = [0, 1]\nloss sum_squared\nsgd lr = 0.1\n"
            );
            let d = drawing(&text);
            let inputs: Vec<&Node> = d.nodes.iter().filter(|n| n.input).collect();
            if units <= WIDEST {
                assert_eq!(inputs.len(), units);
                assert!(d.gaps.is_empty());
                continue;
            }
            let names: Vec<&str> = inputs.iter().map(|n| n.label.latex.as_str()).collect();
            let last = format!("x_{{{units}}}");
            assert_eq!(names, ["x_{1}", "x_{2}", "x_{3}", last.as_str()]);
            assert_eq!(d.gaps.len(), 1);
            let gap = &d.gaps[0];
            assert!(gap.vertical && gap.y < inputs[2].y && gap.y > inputs[3].y);
            let elided = &d.elided_units[0];
            assert_eq!((elided.layer, elided.units), (0, units));
            assert_eq!(elided.first.latex, "x_{4}");
            assert_eq!(elided.last.latex, format!("x_{{{}}}", units - 1));
            // Edges only between drawn units; the column is as tall as 5 units at any width.
            assert_eq!(d.edges.len(), 4 * 2);
            assert_eq!(inputs[0].y - inputs[3].y, 4.0 * SPACING_Y);
            assert_eq!(d.unlabelled_layers, [1]);
        }
    }

    #[test]
    fn deep_networks_keep_their_first_and_last_layers_within_the_width() {
        let layers = "layer tanh W = [[0.5]]\n".repeat(9);
        let text = format!("input x = [1]\n{layers}target t = [0]\nloss sum_squared\n");
        let d = drawing(&text);
        let columns: Vec<&str> = d.nodes.iter().map(|n| n.label.latex.as_str()).collect();
        assert_eq!(
            columns,
            [
                "x_{1}",
                "z_{1}^{(1)}",
                "z_{1}^{(2)}",
                "z_{1}^{(8)}",
                "y_{1}"
            ]
        );
        let elided = d.elided_layers.as_ref().unwrap();
        assert_eq!((elided.first, elided.last), (3, 7));
        // Edges join neighbouring layers only, never across the ⋯.
        assert_eq!(d.edges.len(), 3);
        let right = d.nodes.iter().map(|n| n.x).fold(0.0, f64::max);
        assert!(right <= SPAN_X + 1e-9, "{right}");
        assert!(d.gaps.iter().any(|g| !g.vertical));
    }

    #[test]
    fn numbers_are_written_for_text_too() {
        let printer = Printer::new(2, 4);
        let n = Number::new(
            &printer,
            Value::decimal(crate::math::number::Decimal::parse("-0.00000015").unwrap()),
        );
        assert_eq!(n.latex, "-1.5\\times10^{-7}");
        assert_eq!(n.mantissa, "\u{2212}1.5");
        assert_eq!(n.exponent.as_deref(), Some("\u{2212}7"));
        let n = Number::new(
            &printer,
            Value::decimal(crate::math::number::Decimal::parse("2.5").unwrap()),
        );
        assert_eq!((n.mantissa.as_str(), n.exponent), ("2.5", None));
    }
}
