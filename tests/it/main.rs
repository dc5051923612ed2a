//! The executable, run for real: what a user types, what a user gets. One test binary, one
//! topic a file, each test's name a sentence of the specification:
//!
//! - `numbers`: every number against independent implementations (loops, exact rationals,
//!   mpmath, finite differences, the article's Chainer printout);
//! - `latex`: the rows as written, the documents compiled in every language, environment and
//!   form, wide layers on the page;
//! - `markdown`: every flavor's math rendered by KaTeX, the drawing beside the post;
//! - `cli`: standard input and output, `-o`, exit codes, limits, the text people type;
//! - `errors`: the catalogue of messages in tests/errors/;
//! - `templates`: export, override, broken templates;
//! - `exam`: the bundle, its sheets, Moodle and Canvas as the importers read them;
//! - `grade`: hand calculations marked (correct, follows, wrong) against planted errors;
//! - `graph`: the computational graph's numbers, documents, Markdown and refusals;
//! - `graph_view`: `derive --view graph`, its backward values against the layer view's;
//! - `robustness`: hostile input of every kind, never a panic, bounded time and memory;
//! - `pinned`: every output byte for byte (insta snapshots);
//! - `docs`: the examples of README.md and docs/ run as written.
//!
//! Shared helpers are in `support` (running the binary, the external tools) and `measure`
//! (runs measured by the kernel).

// The reference implementations are written as index loops on purpose: they read like the math.
#![allow(clippy::needless_range_loop)]

mod measure;
mod support;

mod cli;
mod docs;
mod errors;
mod exam;
mod grade;
mod graph;
mod graph_view;
mod latex;
mod markdown;
mod numbers;
mod pinned;
mod robustness;
mod templates;
