//! The mathematics, which never formats text (but for the plain names of quantities,
//! `names`): exact and approximate numbers (`number`,
//! `precise`), symbolic expressions (`expr`), the activations and losses as data
//! (`functions`), and the rule tables that differentiate (`diff`), simplify (`simplify`) and
//! evaluate (`eval`) them.

pub mod diff;
pub mod eval;
pub mod expr;
pub mod functions;
pub mod names;
pub mod number;
pub mod precise;
pub mod simplify;
