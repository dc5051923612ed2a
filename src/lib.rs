//! backprop-tex: a short description of a small neural network in, the complete worked hand
//! calculation of one training step out — forward pass, loss, every δ, every gradient, every
//! update — as *formula → numbers → value*, in LaTeX or JSON.
//!
//! The pipeline, one module per stage:
//! `parser` (pest grammar → `ast`) → `check` (→ `model`) → `derivation` (symbolic, with
//! `expr`, `diff`, `simplify`, `functions`; numbers with `eval`, `number`) → `render`
//! (`latex` printer, Tera templates, JSON; the drawing laid out by `drawing`, written as TikZ
//! by a template or as SVG by `svg`). `cli` ties them to the command line, reading the
//! text through `input` and writing the results through `output`, which never loses what is
//! there; `error` is the one error type.

pub mod chars;
pub mod check;
pub mod cli;
pub mod commands;
pub mod derivation;
pub mod error;
pub mod latex;
pub mod math;
pub mod model;
pub mod output;
pub mod render;
pub mod syntax;

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
