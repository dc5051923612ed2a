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

/// How far each edge (`from`, `to`) is bent, in steps (0: straight; the sign: to which side):
/// an edge that skips columns bends round the nodes between, and a second edge between the
/// same two nodes (`x·x`) bends away from the first.
pub fn bends(edges: &[(usize, usize)], places: &[Place]) -> Vec<i32> {
    edges
        .iter()
        .enumerate()
        .map(|(k, &(from, to))| {
            let before = edges[..k].iter().filter(|&&e| e == (from, to)).count() as i32;
            let skips = places[to].column > places[from].column + 1;
            match (skips, before) {
                (true, d) => d + 1,
                (false, 0) => 0,
                (false, d) if d % 2 == 1 => (d + 1) / 2,
                (false, d) => -d / 2,
            }
        })
        .collect()
}
