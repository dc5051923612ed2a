//! The worked solution: every quantity as *formula → numbers → value*.
//!
//! The network is written as a graph of defining equations (`a = Σ w z + b`, `z = h(a)`,
//! `E_n = loss(y, t)`). Backpropagation is the chain rule on that graph: the δ of a unit is the
//! sum, over the units it feeds, of their δ times the local derivative, and each local
//! derivative comes from the differentiator applied to one defining equation. So every formula
//! is derived, none is typed in, and each formula's size is bounded by the fan-out of one unit
//! (δ of the next layer appears by name, never expanded), at any depth.
//!
//! The numbers row of a formula is the formula with the current values substituted, and its
//! value is the evaluator's value of that numbers row — so what is printed is what is computed.
//!
//! The rooms, in the order a derivation passes through them: `options` (what changes the
//! numbers), `formulas` (the general formulas and their derivatives, once per network), `rules`
//! (the general chains stated before the numbers), `decay` (weight decay's loss and
//! gradient terms), `store` (where a step's values are kept,
//! per layer), `values` (the values of a step, carried and made legible), `steps` (each
//! step's samples, loss, gradients and updates, row by row), `rows` (the gradient and update
//! rows as a stream per layer), `after` (the forward pass and loss after the last update),
//! `chain` (the rows as data) and `solution` (the whole [`Derivation`] and [`derive`]).

use crate::math::expr::{Expr, Index, Symbol};

mod after;
mod chain;
mod decay;
mod formulas;
mod optimizers;
mod options;
mod rows;
mod rules;
mod solution;
mod steps;
mod store;
mod values;

pub use after::After;
pub use chain::{Chain, ChainKind, LayerChains, LayerNumbers, Row, SampleRows, Step};
pub use optimizers::readable;
pub use options::{Carry, Options};
pub use rows::{Parameters, Rows};
pub use solution::{derive, Derivation};

fn sym(s: Symbol) -> Expr {
    Expr::Sym(s)
}

fn num(n: usize) -> Index {
    Index::Num(n as u32)
}
