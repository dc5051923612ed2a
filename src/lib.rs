//! backprop-tex: a short description of a small neural network in, the complete worked hand
//! calculation of its training out — forward pass, loss, every δ, every gradient, every
//! update — as *formula → numbers → value*, in LaTeX, Markdown or JSON, and exams made of it.
//!
//! The stages, one folder each, data flowing one way (docs/architecture.md is the code map):
//! `syntax` (the pest grammar → a parse tree) → `check` (→ `model`, plain data) → `math`
//! (numbers, formulas, derivatives, names) → `derivation` (every row, as data) → `latex` (the
//! only place LaTeX is made) → `render` (views, templates, JSON, the drawing) → `commands`
//! (exam, check, gen) → `cli`. `error` is the one error type; `output` writes files so that
//! nothing the user had is lost.
//!
//! The library's surface is what the binary, the benchmarks and the fuzz target need:
//! [`run`] (the whole command line), [`derive_text`] and [`derive_to`] (one `.nn` text to
//! one output), and the settings and parsing entry points below.

#![warn(missing_docs)]

mod chars;
mod check;
mod cli;
mod commands;
mod derivation;
mod error;
mod graph;
mod latex;
mod math;
mod model;
mod output;
mod render;
mod syntax;

pub use cli::run;
pub use commands::gen::generate;
pub use derivation::{Carry, Options};
pub use error::{Error, Source};
pub use math::number::Rounding;
pub use model::Limits;
pub use output::note_closed_at_start;
pub use render::{Env, Flavor, Form, Format, Lang, Layout, View};
pub use syntax::input::{normalise, read as read_text};
pub use syntax::parser::parse;

use std::path::PathBuf;

/// Everything that shapes one derivation's output besides the `.nn` text.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// What changes the numbers: digits, carrying, rounding.
    pub options: derivation::Options,
    /// The output format.
    pub format: render::Format,
    /// How the output is laid out: language, environment, form, flavor, drawing.
    pub layout: render::Layout,
    /// A directory of templates to use before the built-in ones.
    pub templates: Option<PathBuf>,
    /// How much work a file may ask for.
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
    with_derivation(text, settings, |derivation| {
        render::render_to(
            derivation,
            settings.format,
            &settings.layout,
            settings.templates.as_deref(),
            out,
        )
    })
}

/// Parses, checks and derives `text`, then hands the derivation to `use_it` (which may render
/// it more than once: a post and its drawing).
pub fn with_derivation<T>(
    text: &str,
    settings: &Settings,
    use_it: impl FnOnce(&derivation::Derivation) -> Result<T, error::Error>,
) -> Result<T, error::Error> {
    let network = check::network_from_text(text, &settings.limits)?;
    let derivation = derivation::derive(&network, settings.options)?;
    use_it(&derivation)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deepest and largest formulas the limits accept, as an activation and as a loss.
    fn at_the_limits() -> Vec<String> {
        let nested = |open: &str, n: usize, inner: &str| {
            format!("{}{inner}{}", open.repeat(n), ")".repeat(n))
        };
        let deepest = [
            nested("(", syntax::parser::MAX_NESTING, "a"),
            format!("{}a", "-".repeat(syntax::parser::MAX_FORMULA_DEPTH - 1)),
            vec!["a"; syntax::parser::MAX_FORMULA_DEPTH].join("+"),
            // The largest the derivative's limit accepts in a loss (63 in an activation).
            nested("a/(", 29, "a"),
            nested("sin(", 60, "a"),
            nested("sqrt(", 55, "a^a"),
            vec!["a"; 29].join("^"),
        ];
        let mut files = Vec::new();
        for formula in &deepest {
            files.push(format!(
                "activation f(a) = {formula}\ninput x = [0.5]\nlayer f W = [[0.5]]\n\
                 layer identity W = [[1]]\ntarget t = [0.2]\nloss sum_squared\nsgd lr = 0.1\n"
            ));
            let loss = formula.replace('a', "y");
            files.push(format!(
                "input x = [0.5]\nlayer sigmoid W = [[0.5]]\ntarget t = [0.2]\n\
                 loss (y, t) = {loss}\nsgd lr = 0.1\n"
            ));
        }
        files
    }

    /// Everything recursive over formulas (parsing, conversion, differentiation,
    /// simplification, evaluation, printing, dropping the trees)
    /// is bounded by the limits: at the limits, a debug build needs less than 1 MB of stack.
    #[test]
    fn formulas_at_the_limits_fit_a_small_stack() {
        let files = at_the_limits();
        let run = move || {
            for text in &files {
                // The LaTeX prints every formula; evaluation, the check's too, is `eval`.
                match derive_text(text, &Settings::default()) {
                    Ok(out) => assert!(!out.is_empty()),
                    // A value may leave the reals (sqrt of a negative): a clean error.
                    Err(error::Error::Numeric { .. } | error::Error::RoundedAway { .. }) => {}
                    Err(other) => panic!("{text}: {other}"),
                }
            }
        };
        std::thread::Builder::new()
            .stack_size(512 << 10)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
    }
}
