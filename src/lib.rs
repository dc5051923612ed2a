//! backprop-tex: a short description of a small neural network in, the complete worked hand
//! calculation of one training step out — forward pass, loss, every δ, every gradient, every
//! update — as *formula → numbers → value*, in LaTeX or JSON.
//!
//! The pipeline, one module per stage:
//! `parser` (pest grammar → `ast`) → `check` (→ `model`) → `derivation` (symbolic, with
//! `expr`, `diff`, `simplify`, `functions`; numbers with `eval`, `number`) → `render`
//! (`latex` printer, Tera templates, JSON). `cli` ties them to the command line, reading the
//! text through `input` and writing the results through `output`, which never loses what is
//! there; `error` is the one error type.

pub mod ast;
pub mod check;
pub mod cli;
pub mod derivation;
pub mod diff;
pub mod error;
pub mod eval;
pub mod exam;
pub mod expr;
pub mod functions;
pub mod generate;
pub mod gradcheck;
pub mod input;
pub mod latex;
pub mod model;
pub mod number;
pub mod output;
pub mod parser;
pub mod random;
pub mod render;
pub mod simplify;

pub use cli::run;

use std::path::PathBuf;

/// Everything that shapes one derivation's output besides the `.nn` text.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub options: derivation::Options,
    pub format: render::Format,
    pub layout: render::Layout,
    pub templates: Option<PathBuf>,
    pub limits: model::Limits,
}

/// The whole pipeline on one text: parse → check → derive → render.
pub fn derive_text(text: &str, settings: &Settings) -> Result<String, error::Error> {
    let mut out = Vec::new();
    derive_to(text, settings, &mut out)?;
    render::utf8(out, "output")
}

/// [`derive_text`], writing the output to `out` as it is made (a big network's LaTeX is tens
/// of megabytes).
pub fn derive_to(
    text: &str,
    settings: &Settings,
    out: &mut dyn std::io::Write,
) -> Result<(), error::Error> {
    let file = parser::parse(text)?;
    let network = check::check_with_limits(&file, &settings.limits)?;
    drop(file);
    let derivation = derivation::derive(&network, settings.options)?;
    render::render_to(
        &derivation,
        settings.format,
        &settings.layout,
        settings.templates.as_deref(),
        out,
    )
}
