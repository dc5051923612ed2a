//! Where each node of a graph is drawn: in columns from the inputs (left) to f (right), a
//! node one column right of its furthest input, in the order made within a column. TikZ
//! (`latex::graph`) and SVG (`render::graph`) both draw from this one layout.
//!
//! A network's graph places its given values (x, w, b, t) beside the node that reads them
//! instead of all in the first column, so that a weight of the last layer does not send a
//! long edge across the picture; its columns are centred on the tallest, and a column of
//! given values is ordered by where their readers stand, so that few edges cross.

use super::{Graph, Op};

/// A node's column (0: inputs and constants) and row within its column (0: top; a network's
/// centred columns start half a row or more down).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place {
    pub column: usize,
    pub row: f64,
}

/// Where a graph's given values are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placing {
    /// Every input and constant in the first column (the scalar graph).
    Inputs,
    /// Each given value one column left of its nearest reader; columns centred.
    BesideReader,
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
    if graph.placing == Placing::BesideReader {
        return beside_readers(graph, columns);
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
            let row = heights[column] as f64;
            heights[column] += 1;
            Place { column, row }
        })
        .collect();
    let rows = heights.iter().copied().max().unwrap_or(1);
    (places, heights.len(), rows)
}

/// [`Placing::BesideReader`]: computed nodes from their inputs' columns, with given values
/// counted as standing one column before their reader.
fn beside_readers(graph: &Graph, first: Vec<usize>) -> (Vec<Place>, usize, usize) {
    let leaf = |n: usize| graph.nodes[n].op.is_leaf();
    let mut columns = first;
    for n in 0..graph.nodes.len() {
        if !leaf(n) {
            columns[n] = graph.nodes[n]
                .inputs
                .iter()
                .filter(|&&i| !leaf(i))
                .map(|&i| columns[i] + 1)
                .max()
                .unwrap_or(1);
        }
    }
    let readers = |n: usize| {
        graph
            .nodes
            .iter()
            .enumerate()
            .filter(move |(_, node)| node.inputs.contains(&n))
            .map(|(r, _)| r)
    };
    for n in (0..graph.nodes.len()).filter(|&n| leaf(n)) {
        columns[n] = readers(n).map(|r| columns[r]).min().unwrap_or(1).max(1) - 1;
    }
    let count = columns.iter().copied().max().map_or(1, |c| c + 1);
    let mut heights = vec![0usize; count];
    for &c in &columns {
        heights[c] += 1;
    }
    let tallest = heights.iter().copied().max().unwrap_or(1);
    let offset = |c: usize| (tallest - heights[c]) as f64 / 2.0;
    // Computed nodes in the order made; given values after, by their readers' mean row.
    let mut rows = vec![0.0f64; columns.len()];
    let mut filled = vec![0usize; count];
    for n in (0..graph.nodes.len()).filter(|&n| !leaf(n)) {
        rows[n] = offset(columns[n]) + filled[columns[n]] as f64;
        filled[columns[n]] += 1;
    }
    let mut leaves: Vec<(usize, f64)> = (0..graph.nodes.len())
        .filter(|&n| leaf(n))
        .map(|n| {
            let (sum, many) = readers(n)
                .filter(|&r| columns[r] == columns[n] + 1)
                .fold((0.0, 0.0), |(s, k), r| (s + rows[r], k + 1.0));
            (n, if many > 0.0 { sum / many } else { 0.0 })
        })
        .collect();
    leaves.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    // A column holding both computed nodes and given values keeps its computed nodes first.
    for (n, _) in leaves {
        let c = columns[n];
        rows[n] = offset(c) + filled[c] as f64;
        filled[c] += 1;
    }
    let places = columns
        .into_iter()
        .zip(rows)
        .map(|(column, row)| Place { column, row })
        .collect();
    (places, count, tallest)
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

/// Where along each edge (`from`, `to`) its values are written (0 at `from`, 1 at `to`): the
/// middle in a formula's graph; in a network's, nearer the end where fewer edges meet, so
/// that the labels of edges fanning into a sum node or out of a unit do not pile up.
pub fn label_positions(edges: &[(usize, usize)], placing: Placing) -> Vec<f64> {
    if placing == Placing::Inputs {
        return vec![0.5; edges.len()];
    }
    let count = |pick: &dyn Fn(&(usize, usize)) -> bool| edges.iter().filter(|e| pick(e)).count();
    edges
        .iter()
        .map(|&(from, to)| {
            let out = count(&|e| e.0 == from);
            let into = count(&|e| e.1 == to);
            if into > out {
                0.3
            } else if out > into {
                0.7
            } else {
                0.62
            }
        })
        .collect()
}
