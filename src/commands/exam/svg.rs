//! The picture of the network that every online question carries, as SVG text.
//!
//! [`network_svg`] is the one place the quiz outputs (Moodle, Canvas) take it from. It draws
//! only what the problem gives — a circle per unit, a line per weight, the weight's value
//! beside its line (left out when there are too many to read) — and not the derivation's
//! drawing (`crate::render::drawing`), which writes each unit's computed output in its circle: on a
//! quiz those are the answers.

use crate::model::Network;

/// Weights labelled at most; a bigger network is drawn with unlabelled lines.
const LABELLED: usize = 60;

/// The network as a standalone SVG document: the input units on the left, each layer to
/// their right, every weight a line from its input to its unit.
pub fn network_svg(network: &Network) -> String {
    let sizes = network.sizes();
    let tallest = sizes.iter().copied().max().unwrap_or(1).max(1);
    let (dx, dy, r) = (170.0, 56.0, 17.0);
    let width = dx * (sizes.len() as f64 - 1.0) + 2.0 * 60.0;
    let height = dy * tallest as f64 + 40.0;
    let at = |column: usize, unit: usize| -> (f64, f64) {
        let offset = dy * (tallest - sizes[column]) as f64 / 2.0;
        (
            60.0 + dx * column as f64,
            20.0 + offset + dy * unit as f64 + dy / 2.0,
        )
    };
    let edges: usize = network.layers.iter().map(|l| l.units() * l.inputs()).sum();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n"
    );
    if let Some(title) = &network.title {
        svg.push_str(&format!("<title>{}</title>\n", super::xml(title)));
    }
    svg.push_str("<g stroke=\"#555\" stroke-width=\"1\">\n");
    for (l, layer) in network.layers.iter().enumerate() {
        for (i, row) in layer.weights.iter().enumerate() {
            for j in 0..row.len() {
                let ((x1, y1), (x2, y2)) = (at(l, j), at(l + 1, i));
                svg.push_str(&format!(
                    "<line x1=\"{}\" y1=\"{y1}\" x2=\"{}\" y2=\"{y2}\"/>\n",
                    x1 + r,
                    x2 - r
                ));
            }
        }
    }
    svg.push_str("</g>\n<g fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.2\">\n");
    for (column, &units) in sizes.iter().enumerate() {
        for unit in 0..units {
            let (x, y) = at(column, unit);
            svg.push_str(&format!("<circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\"/>\n"));
        }
    }
    svg.push_str("</g>\n<g text-anchor=\"middle\">\n");
    for (column, &units) in sizes.iter().enumerate() {
        for unit in 0..units {
            let (x, y) = at(column, unit);
            let name = if column == 0 {
                format!("x{}", unit + 1)
            } else {
                format!("z{}({})", unit + 1, column)
            };
            svg.push_str(&format!(
                "<text x=\"{x}\" y=\"{}\">{name}</text>\n",
                y + 4.0
            ));
        }
    }
    for (l, layer) in network.layers.iter().enumerate() {
        let (x, _) = at(l + 1, 0);
        let (_, bottom) = at(l + 1, layer.units().saturating_sub(1));
        svg.push_str(&format!(
            "<text x=\"{x}\" y=\"{}\">{}</text>\n",
            bottom + r + 14.0,
            super::xml(&layer.activation.name)
        ));
        if let Some(bias) = &layer.bias {
            for (i, b) in bias.iter().enumerate() {
                let (x, y) = at(l + 1, i);
                svg.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"start\" fill=\"#06c\">b={b}</text>\n",
                    x + r + 3.0,
                    y - r
                ));
            }
        }
    }
    if edges <= LABELLED {
        for (l, layer) in network.layers.iter().enumerate() {
            for (i, row) in layer.weights.iter().enumerate() {
                for (j, w) in row.iter().enumerate() {
                    let ((x1, y1), (x2, y2)) = (at(l, j), at(l + 1, i));
                    // A quarter of the way from the input, where its lines are apart.
                    let (x, y) = (x1 + r + (x2 - x1 - 2.0 * r) * 0.3, y1 + (y2 - y1) * 0.3);
                    svg.push_str(&format!(
                        "<text x=\"{x:.1}\" y=\"{:.1}\" fill=\"#a00\">{w}</text>\n",
                        y - 3.0
                    ));
                }
            }
        }
    }
    svg.push_str("</g>\n</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drawing_is_xml_with_a_unit_per_circle_and_a_line_per_weight() {
        let text = include_str!("../../../examples/exam.nn");
        let network = crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap();
        let svg = network_svg(&network);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let count = |tag: &str| doc.descendants().filter(|n| n.has_tag_name(tag)).count();
        assert_eq!(count("circle"), 3 + 2 + 2);
        assert_eq!(count("line"), 6 + 4);
        // Every weight written beside its line.
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(texts.iter().filter(|t| **t == "0.1").count(), 3);
        assert_eq!(texts.iter().filter(|t| **t == "4").count(), 1);
    }
}
