//! Where each node of a graph is drawn: in columns from the inputs (left) to f (right), a
//! node one column right of its furthest input, in the order made within a column. TikZ
//! (`latex::graph`) and SVG (`render::graph`) both draw from this one layout.

use super::Graph;

/// A node's column (0: inputs and constants) and row within its column (0: top).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub column: usize,
    pub row: usize,
}

/// Every node's place, and how many columns and rows the drawing has.
pub fn layout(graph: &Graph) -> (Vec<Place>, usize, usize) {
    let mut places: Vec<Place> = Vec::with_capacity(graph.nodes.len());
    let mut heights: Vec<usize> = Vec::new();
    for node in &graph.nodes {
        let column = node
            .inputs
            .iter()
            .map(|&i| places[i].column + 1)
            .max()
            .unwrap_or(0);
        if heights.len() <= column {
            heights.resize(column + 1, 0);
        }
        places.push(Place {
            column,
            row: heights[column],
        });
        heights[column] += 1;
    }
    let rows = heights.iter().copied().max().unwrap_or(1);
    (places, heights.len(), rows)
}
