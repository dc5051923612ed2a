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
    let grid = Grid::new(network.sizes());
    let (width, height) = (grid.width(), grid.height());
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n"
    );
    if let Some(title) = &network.title {
        svg.push_str(&format!("<title>{}</title>\n", super::xml(title)));
    }
    svg.push_str("<g stroke=\"#555\" stroke-width=\"1\">\n");
    grid.lines(network, &mut svg);
    svg.push_str("</g>\n<g fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.2\">\n");
    grid.circles(&mut svg);
    svg.push_str("</g>\n<g text-anchor=\"middle\">\n");
    grid.unit_names(&mut svg);
    grid.layer_labels(network, &mut svg);
    let edges: usize = network.layers.iter().map(|l| l.units() * l.inputs()).sum();
    if edges <= LABELLED {
        grid.weight_labels(network, &mut svg);
    }
    svg.push_str("</g>\n</svg>\n");
    svg
}

/// Where the units are drawn: one column per layer, each centred on the tallest.
struct Grid {
    sizes: Vec<usize>,
    tallest: usize,
}

/// Columns apart, units apart, and a unit's radius.
const DX: f64 = 170.0;
const DY: f64 = 56.0;
const R: f64 = 17.0;

impl Grid {
    fn new(sizes: Vec<usize>) -> Grid {
        let tallest = sizes.iter().copied().max().unwrap_or(1).max(1);
        Grid { sizes, tallest }
    }

    fn width(&self) -> f64 {
        DX * (self.sizes.len() as f64 - 1.0) + 2.0 * 60.0
    }

    fn height(&self) -> f64 {
        DY * self.tallest as f64 + 40.0
    }

    /// The centre of unit `unit` (from 0) of column `column` (0: the inputs).
    fn at(&self, column: usize, unit: usize) -> (f64, f64) {
        let offset = DY * (self.tallest - self.sizes[column]) as f64 / 2.0;
        (
            60.0 + DX * column as f64,
            20.0 + offset + DY * unit as f64 + DY / 2.0,
        )
    }

    /// A line for every weight.
    fn lines(&self, network: &Network, svg: &mut String) {
        for (l, layer) in network.layers.iter().enumerate() {
            for (i, row) in layer.weights.iter().enumerate() {
                for j in 0..row.len() {
                    let ((x1, y1), (x2, y2)) = (self.at(l, j), self.at(l + 1, i));
                    svg.push_str(&format!(
                        "<line x1=\"{}\" y1=\"{y1}\" x2=\"{}\" y2=\"{y2}\"/>\n",
                        x1 + R,
                        x2 - R
                    ));
                }
            }
        }
    }

    fn circles(&self, svg: &mut String) {
        for (column, &units) in self.sizes.iter().enumerate() {
            for unit in 0..units {
                let (x, y) = self.at(column, unit);
                svg.push_str(&format!("<circle cx=\"{x}\" cy=\"{y}\" r=\"{R}\"/>\n"));
            }
        }
    }

    /// `x1` in the inputs, `z1(l)` in the layers.
    fn unit_names(&self, svg: &mut String) {
        for (column, &units) in self.sizes.iter().enumerate() {
            for unit in 0..units {
                let (x, y) = self.at(column, unit);
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
    }

    /// Each layer's activation below it, and its biases beside its units.
    fn layer_labels(&self, network: &Network, svg: &mut String) {
        for (l, layer) in network.layers.iter().enumerate() {
            let (x, _) = self.at(l + 1, 0);
            let (_, bottom) = self.at(l + 1, layer.units().saturating_sub(1));
            svg.push_str(&format!(
                "<text x=\"{x}\" y=\"{}\">{}</text>\n",
                bottom + R + 14.0,
                super::xml(&layer.activation.name)
            ));
            if let Some(bias) = &layer.bias {
                for (i, b) in bias.iter().enumerate() {
                    let (x, y) = self.at(l + 1, i);
                    svg.push_str(&format!(
                        "<text x=\"{}\" y=\"{}\" text-anchor=\"start\" fill=\"#06c\">b={b}</text>\n",
                        x + R + 3.0,
                        y - R
                    ));
                }
            }
        }
    }

    /// Each weight's value on its line.
    fn weight_labels(&self, network: &Network, svg: &mut String) {
        for (l, layer) in network.layers.iter().enumerate() {
            for (i, row) in layer.weights.iter().enumerate() {
                for (j, w) in row.iter().enumerate() {
                    let ((x1, y1), (x2, y2)) = (self.at(l, j), self.at(l + 1, i));
                    // A quarter of the way from the input, where its lines are apart.
                    let (x, y) = (x1 + R + (x2 - x1 - 2.0 * R) * 0.3, y1 + (y2 - y1) * 0.3);
                    svg.push_str(&format!(
                        "<text x=\"{x:.1}\" y=\"{:.1}\" fill=\"#a00\">{w}</text>\n",
                        y - 3.0
                    ));
                }
            }
        }
    }
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
