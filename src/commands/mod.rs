//! The subcommands beside `derive`, each built on the same stages: `exam` (variants, answer
//! key, Moodle and Canvas quizzes), `gradcheck` (the `check` command's finite differences),
//! `gen` (random valid networks) and the seeded `random` numbers they share.

pub mod exam;
pub mod gen;
pub mod gradcheck;
pub mod random;
