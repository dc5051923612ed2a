//! Where each node of a graph is drawn: in columns from the inputs (left) to f (right), a
//! node one column right of its furthest input, in the order made within a column. TikZ
//! (`latex::graph`) and SVG (`render::graph`) both draw from this one layout.

use super::{Graph, Op};

/// A node's column (0: the inputs) and row within its column (0: top).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub column: usize,
    pub row: usize,
}

/// Every node's place, and how many columns and rows the drawing has. A constant stands in
/// the column before the node that reads it (each constant has one reader), not with the
/// inputs: `(x+y)*2` draws the 2 beside the product, not beside x.
pub fn layout(graph: &Graph) -> (Vec<Place>, usize, usize) {
    let mut columns: Vec<usize> = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let column = node
            .inputs
            .iter()
            .map(|&i| columns[i] + 1)
            .max()
            .unwrap_or(0);
        columns.push(column);
    }
    for (n, node) in graph.nodes.iter().enumerate() {
        for &input in &node.inputs {
            if matches!(graph.nodes[input].op, Op::Constant(_)) {
                columns[input] = columns[n].saturating_sub(1);
            }
        }
    }
    let mut heights: Vec<usize> = vec![0; columns.iter().max().map_or(1, |c| c + 1)];
    let places = columns
        .iter()
        .map(|&column| {
            let row = heights[column];
            heights[column] += 1;
            Place { column, row }
        })
        .collect();
    let rows = heights.iter().copied().max().unwrap_or(1);
    (places, heights.len(), rows)
}

/// How far each edge (`from`, `to`) is bent, in half steps (0: straight; the sign: to which
/// side): edges between the same two nodes (`x·x`) spread symmetrically, one to each side,
/// and an edge that skips columns bends further to its right, round the nodes between
/// and away from the edges above it.
pub fn bends(edges: &[(usize, usize)], places: &[Place]) -> Vec<i32> {
    edges
        .iter()
        .enumerate()
        .map(|(k, &(from, to))| {
            let same = |e: &&(usize, usize)| **e == (from, to);
            let before = edges[..k].iter().filter(same).count() as i32;
            let all = edges.iter().filter(same).count() as i32;
            let spread = 2 * before - (all - 1);
            if places[to].column > places[from].column + 1 {
                spread - 2
            } else {
                spread
            }
        })
        .collect()
}
