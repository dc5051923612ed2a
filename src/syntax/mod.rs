//! The first stage: text to syntax tree. `input` makes pasted text readable (a BOM, `−`,
//! full-width punctuation), `parser` reads it with the pest grammar in `grammar/network.pest`
//! into the `ast`, which keeps every span for located errors and is dropped after `check`;
//! `direct` builds the same tree for the common file without pest, and gives up on the rest.

pub mod ast;
pub mod direct;
pub mod input;
pub mod parser;
