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
