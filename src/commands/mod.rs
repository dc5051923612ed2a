//! The subcommands beside `derive`, each built on the same stages: `exam` (variants, answer
//! key, Moodle and Canvas quizzes), `graph` (a formula's computational graph, issue 17), `gradcheck` (the `check` command's finite differences),
//! `gen` (random valid networks), the seeded `random` numbers they share and `nn`, the `.nn`
//! writer both use.

pub mod exam;
pub mod gen;
pub mod gradcheck;
pub mod grade;
pub mod graph;
pub mod nn;
pub mod random;
