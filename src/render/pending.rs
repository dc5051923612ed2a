//! The blocks the context stands markers for: each block of rows is registered here and named
//! in the context by a marker (`\u{1}block N\u{1}`), and its rows are made only when the
//! output reaches the marker. Here so that the views that register blocks
//! ([`blocks`](super::blocks), [`context`](super::context)) and the splicer that writes them
//! ([`splice`](super::splice)) share it without using each other.

use super::views::ChainView;
use crate::derivation::{Chain, Rows};

/// The rows of a block, written when the output reaches its marker.
pub(super) enum Pending<'a> {
    /// Chains the derivation kept (a few per unit), with their layers.
    Chains(Vec<(&'a Chain, Option<u32>)>),
    /// Rows of the matrix form.
    Views(Vec<ChainView>),
    /// The gradient (or update) rows of a layer, one per parameter, made as they are written.
    Rows(Rows<'a>),
}

impl Pending<'_> {
    pub(super) fn count(&self) -> usize {
        match self {
            Pending::Chains(chains) => chains.len(),
            Pending::Views(views) => views.len(),
            Pending::Rows(rows) => rows.len(),
        }
    }

    /// Whether each chain is worth a thread of its own: matrix-form rows of [`BIG`] bytes in
    /// all (a layer's given 100×784 matrices, its summary ∂E/∂W and W ←), few but long.
    pub(super) fn big(&self) -> bool {
        match self {
            Pending::Views(views) => {
                let bytes = views.iter().flat_map(|v| &v.rows).map(|r| r.body.len());
                bytes.sum::<usize>() >= BIG
            }
            Pending::Chains(_) | Pending::Rows(_) => false,
        }
    }
}

/// See [`Pending::big`].
const BIG: usize = 64 * 1024;

/// The byte on either side of a marker.
pub(super) const EDGE: u8 = 1;
const NAME: &[u8] = b"block ";
/// Longer than any marker: held bytes this long are not one.
pub(super) const LONGEST: usize = 32;

/// The marker of block `index`.
pub(super) fn marker(index: usize) -> String {
    format!("\u{1}block {index}\u{1}")
}

/// The block `held` (a whole `\u{1}…\u{1}`) stands for, if it is a marker.
pub(super) fn block<'v, 'a>(held: &[u8], pending: &'v [Pending<'a>]) -> Option<&'v Pending<'a>> {
    let inner = held.strip_prefix(&[EDGE])?.strip_suffix(&[EDGE])?;
    let digits = inner.strip_prefix(NAME)?;
    let index: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
    pending.get(index)
}
