//! Derivation → text: JSON directly, LaTeX through Tera templates.
//!
//! The templates never compute: everything they show is prepared here as strings (every
//! formula through the one LaTeX printer) in a context documented in `docs/templates.md`.
//! The built-in templates are compiled into the binary; a user's template directory overrides
//! them file by file, and `templates export` writes them out to start from.
//!
//! This file holds the entry points; the rest, in the order a rendering runs: `layout` (the
//! options), `json`, `views` (the context's structs), `context` (filling them), `matrix` (the
//! matrix form), `blocks` (the rows behind each block's marker), `rows` (one chain's rows,
//! fitted), `templates` (the Tera engine), `splice` (streaming the output, blocks spliced in);
//! the drawing is laid out by `drawing` and written as SVG by `svg` (as TikZ by a template).

pub mod drawing;
pub mod graph;
pub mod graphview;
pub mod svg;

mod after;
mod blocks;
mod context;
mod json;
mod layout;
mod matrix;
mod optimizer;
mod pending;
mod rows;
mod splice;
mod templated;
mod templates;
mod views;

use std::io::Write;
use std::path::Path;

use crate::derivation::{Chain, Derivation};
use crate::error::Error;
use crate::latex::Printer;

pub use layout::{Env, Flavor, Form, Format, Lang, Layout, View};
pub use optimizer::{givens, Givens};
pub use splice::render_with;
pub use templates::{engine, export_templates, templates_dir, Engine, Template};

/// The template that writes `format` (none for JSON).
fn template(format: Format) -> Option<Template> {
    match format {
        Format::Json | Format::Svg => None,
        Format::Latex => Some(Template::Body),
        Format::Document => Some(Template::Document),
        Format::Markdown => Some(Template::Markdown),
    }
}

/// Renders `derivation` in `format`, with templates from `templates` overriding the built-ins.
pub fn render(
    derivation: &Derivation,
    format: Format,
    layout: &Layout,
    templates: Option<&Path>,
) -> Result<String, Error> {
    let mut out = Vec::new();
    render_to(derivation, format, layout, templates, &mut out)?;
    utf8(out, template(format).map_or("json", Template::name))
}

/// Rendered bytes as text (they always are: every piece written is a `str`).
pub(crate) fn utf8(out: Vec<u8>, name: &str) -> Result<String, Error> {
    String::from_utf8(out).map_err(|e| Error::Template {
        name: name.into(),
        message: e.to_string(),
    })
}

/// Like [`render`], writing to `out` as the text is made.
pub fn render_to(
    derivation: &Derivation,
    format: Format,
    layout: &Layout,
    templates: Option<&Path>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    if layout.view != View::Layers {
        return graphview::render_view(derivation, format, layout, templates, (None, None), out);
    }
    match template(format) {
        None if format == Format::Svg => out
            .write_all(svg(derivation, layout.lang).as_bytes())
            .map_err(output_error),
        None => out
            .write_all(json::json(derivation)?.as_bytes())
            .map_err(output_error),
        Some(name) => render_with(
            &engine(templates)?,
            derivation,
            layout,
            name,
            serde_json::Map::new(),
            out,
        ),
    }
}

/// The drawing of `derivation`'s network as an SVG document, its note in `lang`.
pub fn svg(derivation: &Derivation, lang: Lang) -> String {
    let printer = Printer::new(derivation.network.depth(), derivation.options.digits);
    // A derivation always has a step; without one there would be nothing to draw.
    crate::render::drawing::draw(derivation, &printer).map_or_else(String::new, |drawing| {
        crate::render::svg::write(&drawing, lang, derivation.network.title.as_deref())
    })
}

/// Chains set as `derive` sets its rows in LaTeX, each one a block of `env` of its own: the
/// rows fitted to the page (broken where too wide or too tall, kept with the row above), for
/// `grade`'s marked solution, which marks an answer under each.
pub struct Fitter<'a> {
    views: blocks::Views<'a>,
}

impl<'a> Fitter<'a> {
    pub fn new(derivation: &'a Derivation, env: Env) -> Self {
        Fitter {
            views: blocks::Views::builtin(derivation, env.environment()),
        }
    }

    /// The rows of `chain` (`lhs&rel&body\\…`), without the environment around them.
    pub fn rows(&self, chain: &Chain) -> String {
        let printer = &self.views.printer;
        let lhs = crate::latex::fit::width(&printer.expr(&chain.lhs));
        let mut out = String::new();
        self.views.write_chain(chain, None, lhs, &mut out);
        out
    }
}

/// The Markdown post, its figure linked as `figure` (the SVG file beside it), or, with none,
/// a comment saying how to make one.
pub fn render_post(
    derivation: &Derivation,
    layout: &Layout,
    templates: Option<&Path>,
    figure: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let mut extra = serde_json::Map::new();
    extra.insert("figure".into(), figure.into());
    render_with(
        &engine(templates)?,
        derivation,
        layout,
        Template::Markdown,
        extra,
        out,
    )
}

fn output_error(e: std::io::Error) -> Error {
    Error::Write {
        path: "the output".into(),
        source: e,
    }
}

/// [`render_with`] into a string.
pub fn render_string(
    engine: &Engine,
    derivation: &Derivation,
    layout: &Layout,
    template: Template,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<String, Error> {
    let mut out = Vec::new();
    render_with(engine, derivation, layout, template, extra, &mut out)?;
    utf8(out, template.name())
}
