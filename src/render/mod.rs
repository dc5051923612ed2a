//! Derivation → text: JSON directly, LaTeX through Tera templates.
//!
//! The templates never compute: everything they show is prepared here as strings (every
//! formula through the one LaTeX printer) in a context documented in `docs/templates.md`.
//! The built-in templates are compiled into the binary; a user's template directory overrides
//! them file by file, and `templates export` writes them out to start from.

pub mod drawing;
pub mod svg;

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;

use crate::derivation::{
    Chain, ChainKind, Derivation, LayerChains, LayerNumbers, SampleRows, Step,
};
use crate::error::Error;
use crate::latex::fit;
use crate::latex::{escape_markdown, escape_text, Printer};
use crate::math::number::{Decimal, Value};

/// Chains whose LaTeX is longer than this (in bytes) are marked `long`: on one line they would
/// run off an A4 page.
const LONG_CHAIN: usize = 150;

/// The built-in templates: name and text.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "body.tex.tera",
        include_str!("../../templates/body.tex.tera"),
    ),
    (
        "chain.tex.tera",
        include_str!("../../templates/chain.tex.tera"),
    ),
    (
        "rows.tex.tera",
        include_str!("../../templates/rows.tex.tera"),
    ),
    (
        "diagram.tex.tera",
        include_str!("../../templates/diagram.tex.tera"),
    ),
    (
        "markdown.md.tera",
        include_str!("../../templates/markdown.md.tera"),
    ),
    (
        "document.tex.tera",
        include_str!("../../templates/document.tex.tera"),
    ),
    (
        "preamble.tex.tera",
        include_str!("../../templates/preamble.tex.tera"),
    ),
    (
        "question.tex.tera",
        include_str!("../../templates/question.tex.tera"),
    ),
];

/// The output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The derivation as a LaTeX body, to `\input` into a document.
    #[default]
    Latex,
    /// A complete LaTeX document (article class) that compiles with pdflatex.
    Document,
    /// Markdown for a blog (Qiita, Zenn, GitHub), with KaTeX-compatible math blocks.
    Markdown,
    /// The numbers at full precision.
    Json,
    /// The drawing of the network alone, as SVG (what `-f markdown -o POST.md` writes beside
    /// the post).
    Svg,
}

/// The language of the prose and headings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    /// Japanese, with the article's headings; documents compile with lualatex (luatexja).
    Ja,
}

/// The LaTeX environment of each block of rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Env {
    /// `eqnarray*`, the article's.
    #[default]
    Eqnarray,
    /// amsmath's `align*`.
    Align,
}

/// Element by element, in matrix form, or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    #[default]
    Elements,
    Matrix,
    Both,
}

/// Where the Markdown goes: how its math blocks are fenced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// Qiita: ```` ```math ```` blocks.
    #[default]
    Qiita,
    /// Zenn: `$$` blocks.
    Zenn,
    /// GitHub: `$$` blocks.
    Github,
}

/// How the derivation is laid out (everything but the numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub lang: Lang,
    pub env: Env,
    pub form: Form,
    pub flavor: Flavor,
    /// Draw the network (TikZ) in LaTeX output.
    pub diagram: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            lang: Lang::En,
            env: Env::Eqnarray,
            form: Form::Elements,
            flavor: Flavor::Qiita,
            diagram: true,
        }
    }
}

/// The template that writes `format` (none for JSON).
fn template_name(format: Format) -> Option<&'static str> {
    match format {
        Format::Json | Format::Svg => None,
        Format::Latex => Some("body.tex.tera"),
        Format::Document => Some("document.tex.tera"),
        Format::Markdown => Some("markdown.md.tera"),
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
    utf8(out, template_name(format).unwrap_or("json"))
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
    match template_name(format) {
        None if format == Format::Svg => out
            .write_all(svg(derivation, layout.lang).as_bytes())
            .map_err(output_error),
        None => out
            .write_all(json(derivation)?.as_bytes())
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
        "markdown.md.tera",
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

// ---------------------------------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct JsonDoc<'a> {
    title: Option<&'a str>,
    sizes: Vec<usize>,
    samples: usize,
    loss_function: &'a str,
    lr: Option<f64>,
    carry: crate::derivation::Carry,
    /// How exact ties are rounded, in the shown and (with `carry` rounded) carried values.
    rounding: crate::math::number::Rounding,
    digits: u32,
    steps: Vec<JsonStep<'a>>,
}

#[derive(Serialize)]
struct JsonStep<'a> {
    step: u32,
    loss: f64,
    sample_losses: Vec<f64>,
    layers: Vec<JsonLayer<'a>>,
}

#[derive(Serialize)]
struct JsonLayer<'a> {
    activation: &'a str,
    #[serde(rename = "W")]
    w: Vec<Vec<f64>>,
    b: Option<Vec<f64>>,
    a: Vec<Vec<f64>>,
    z: Vec<Vec<f64>>,
    delta: Vec<Vec<f64>>,
    #[serde(rename = "grad_W")]
    grad_w: Vec<Vec<f64>>,
    grad_b: Option<Vec<f64>>,
    #[serde(rename = "W_after")]
    w_after: Option<Vec<Vec<f64>>>,
    b_after: Option<Vec<f64>>,
}

fn floats(values: &[Value]) -> Vec<f64> {
    values.iter().map(|v| v.f).collect()
}

fn float_matrix(rows: &[Vec<Value>]) -> Vec<Vec<f64>> {
    rows.iter().map(|r| floats(r)).collect()
}

fn json(derivation: &Derivation) -> Result<String, Error> {
    let network = derivation.network;
    let doc = JsonDoc {
        title: network.title.as_deref(),
        sizes: network.sizes(),
        samples: network.samples(),
        loss_function: &network.loss.name,
        lr: network.sgd.map(|s| s.lr.to_f64()),
        carry: derivation.options.carry,
        rounding: derivation.options.rounding,
        digits: derivation.options.digits,
        steps: derivation
            .steps
            .iter()
            .map(|step| JsonStep {
                step: step.number,
                loss: step.loss_value.f,
                sample_losses: floats(&step.sample_losses),
                layers: step
                    .layers
                    .iter()
                    .zip(&network.layers)
                    .map(|(n, layer)| JsonLayer {
                        activation: &layer.activation.name,
                        w: float_matrix(&n.weights),
                        b: n.bias.as_deref().map(floats),
                        a: float_matrix(&n.pre),
                        z: float_matrix(&n.out),
                        delta: float_matrix(&n.delta),
                        grad_w: float_matrix(&n.grad_weights),
                        grad_b: n.grad_bias.as_deref().map(floats),
                        w_after: n.weights_after.as_deref().map(float_matrix),
                        b_after: n.bias_after.as_deref().map(floats),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Template {
        name: "json".into(),
        message: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}

// ---------------------------------------------------------------------------------------------
// The template context

#[derive(Serialize)]
struct RowView {
    /// `=`, `\approx`, `\leftarrow`, or empty on a row that continues the one above.
    rel: &'static str,
    body: String,
    /// No page break before this row (`\\*`): it continues the general formula or is the
    /// first row of numbers under it.
    keep: bool,
}

/// A block of rows for `rows.tex.tera` to put in its environment.
#[derive(Serialize, Default)]
struct BlockView {
    /// Stands for the chains, laid out one by one by `chain.tex.tera` and separated by `\\`
    /// and a newline: a short marker that [`Splicer`] replaces with them as the output is
    /// written, so that a block of 80,000 rows is never held whole.
    rows: String,
    /// How many chains the block holds (0: nothing to show).
    count: usize,
    /// The layer of the block's chains, when they are one layer's.
    layer: Option<u32>,
}

#[derive(Serialize)]
struct ChainView {
    kind: ChainKind,
    /// Whether the rows are long enough to stand one per line (a layout hint; templates may
    /// ignore it).
    long: bool,
    layer: Option<u32>,
    lhs: String,
    rows: Vec<RowView>,
    rules: Vec<&'static str>,
}

#[derive(Serialize)]
struct LayerView {
    number: u32,
    activation: String,
    /// The activation's name as the prose says it (`the sigmoid function`, `シグモイド関数`).
    activation_name: String,
    /// Its definition in LaTeX, `h(a)=\frac{1}{1+\exp(-a)}`.
    definition: String,
    function: String,
    units: usize,
    inputs: usize,
    weights_symbolic: String,
    weights: String,
    bias_symbolic: Option<String>,
    bias: Option<String>,
    /// `W = … = …` (and `b`) as a block of rows, when they do not fit on one line (else empty).
    rows: BlockView,
    /// `W = …` and `b = …` with the numbers only (an exam's question) as a block of rows,
    /// when they do not fit on one line (else empty).
    given_rows: BlockView,
}

#[derive(Serialize)]
struct SummaryView {
    layer: u32,
    /// `=` or `\approx` before ∂E/∂W, as its numbers are exact or rounded.
    grad_rel: &'static str,
    /// Likewise before ∂E/∂b.
    grad_bias_rel: &'static str,
    /// Likewise before the updated W.
    after_rel: &'static str,
    /// Likewise before the updated b.
    bias_after_rel: &'static str,
    grad_weights: String,
    grad_bias: Option<String>,
    weights_after: Option<String>,
    bias_after: Option<String>,
    /// The gradients and updates stacked as a block of rows, when their displays would not
    /// fit the line (else empty).
    rows: BlockView,
}

/// One sample's passes in one step.
#[derive(Serialize)]
struct SampleView {
    /// The sample's number, or null when there is only one.
    number: Option<u32>,
    input: String,
    input_symbols: String,
    target: String,
    target_symbols: String,
    /// `x = … = …` and `t = … = …` as a block of rows, when the sentence would not fit on a
    /// line (else empty).
    given: BlockView,
    forward: BlockView,
    outputs: String,
    outputs_rel: &'static str,
    /// `y ≈ …` as a block of rows, when the sentence naming the outputs would not fit a line
    /// (else empty).
    outputs_rows: BlockView,
    loss: BlockView,
    derivatives: BlockView,
    deltas: BlockView,
    /// The forward pass in matrix form, with numbers.
    matrix_forward: BlockView,
    /// The δ vectors in matrix form, with numbers.
    matrix_backward: BlockView,
}

#[derive(Serialize)]
struct StepView {
    number: u32,
    /// The gradients in matrix form, with numbers.
    matrix_gradients: BlockView,
    samples: Vec<SampleView>,
    total_loss: Option<BlockView>,
    loss_value: String,
    /// One block per layer, output layer first.
    gradients: Vec<BlockView>,
    /// One block per layer, output layer first (none without SGD).
    updates: Vec<BlockView>,
    summary: Vec<SummaryView>,
}

#[derive(Serialize)]
struct LossRowView {
    step: u32,
    rel: &'static str,
    loss: String,
}

#[derive(Serialize)]
struct ContextView {
    /// The title, escaped for the output's format (LaTeX or Markdown).
    title: Option<String>,
    lang: Lang,
    /// `eqnarray`, `align`, or `aligned` (Markdown math blocks).
    env: &'static str,
    form: Form,
    flavor: Flavor,
    /// What opens and closes a display math block in Markdown (```` ```math ```` or `$$`).
    math_open: &'static str,
    math_close: &'static str,
    /// The drawing of the network (`crate::render::drawing`), when asked for.
    diagram: Option<crate::render::drawing::Drawing>,
    /// Markdown: the relative link of the drawing's SVG file written beside the post, or null
    /// when there is none (standard output, a device); set through `extra`.
    figure: Option<String>,
    /// Set on an exam's question pages: the drawing shows only the given values.
    question: bool,
    /// The network's equations in matrix form.
    matrix_equations: BlockView,
    digits: u32,
    carry: crate::derivation::Carry,
    rounding: crate::math::number::Rounding,
    sizes: Vec<usize>,
    depth: u32,
    loss_name: String,
    /// The loss as the prose names it (`the sum of squared errors`, `二乗和誤差`).
    loss_kind: String,
    samples_count: usize,
    /// The most columns of any matrix shown (at least amsmath's default of 10), for
    /// `\setcounter{MaxMatrixCols}{…}`.
    matrix_columns: usize,
    learning_rate: Option<String>,
    steps_count: u32,
    layers: Vec<LayerView>,
    equations: BlockView,
    activation_rules: BlockView,
    loss: BlockView,
    /// `E_n = …` (or `E = …`), the loss in general form, as one chain.
    loss_formula: ChainView,
    /// E at each step.
    loss_table: Vec<LossRowView>,
    gradient_rules: BlockView,
    update_rule: Option<ChainView>,
    /// Which shortcut gave δ of the output layer directly: `softmax_cross_entropy`,
    /// `sigmoid_binary_cross_entropy`, or null.
    shortcut: Option<String>,
    steps: Vec<StepView>,
}

/// How each chain of a block is laid out: by the built-in layout (`chain.tex.tera`, compiled
/// into [`Views::lay_out`]; a test checks that both agree), or by the user's `chain.tex.tera`.
enum ChainLayout<'t> {
    Builtin,
    Template {
        tera: &'t tera::Tera,
        context: tera::Context,
        /// The first error of the user's template, reported after the context is built.
        error: Mutex<Option<Error>>,
    },
}

/// Blocks of more chains than this are printed in parallel, this many chains per piece.
const PIECE: usize = 512;

/// The rows of a block, written when the output reaches its marker.
enum Pending<'a> {
    /// Chains the derivation kept (a few per unit), with their layers.
    Chains(Vec<(&'a Chain, Option<u32>)>),
    /// Rows of the matrix form.
    Views(Vec<ChainView>),
    /// The gradient (or update) rows of a layer, one per parameter, built as they are written.
    Parameters {
        step: &'a Step,
        layer: u32,
        update: bool,
        count: usize,
    },
}

impl Pending<'_> {
    fn count(&self) -> usize {
        match self {
            Pending::Chains(chains) => chains.len(),
            Pending::Views(views) => views.len(),
            Pending::Parameters { count, .. } => *count,
        }
    }
}

struct Views<'a> {
    printer: Printer,
    derivation: &'a Derivation<'a>,
    network: &'a crate::model::Network,
    samples: usize,
    /// `eqnarray`, `align` or `aligned`.
    env: &'static str,
    math_open: &'static str,
    math_close: &'static str,
    /// Which rows are written: element-wise, matrix, or both (the others are empty blocks).
    form: Form,
    layout: ChainLayout<'a>,
    /// The blocks whose markers are in the context, by number.
    pending: Mutex<Vec<Pending<'a>>>,
}

impl<'a> Views<'a> {
    fn new(
        derivation: &'a Derivation,
        layout: &Layout,
        markdown: bool,
        engine: &'a Engine,
    ) -> Self {
        let network = derivation.network;
        let env = match (markdown, layout.env) {
            (true, _) => "aligned",
            (false, Env::Eqnarray) => "eqnarray",
            (false, Env::Align) => "align",
        };
        let (math_open, math_close) = match layout.flavor {
            Flavor::Qiita => ("```math", "```"),
            Flavor::Zenn | Flavor::Github => ("$$", "$$"),
        };
        let chain_layout = if engine.builtin_chain {
            ChainLayout::Builtin
        } else {
            let mut context = tera::Context::new();
            context.insert("env", env);
            context.insert("lang", &layout.lang);
            context.insert("form", &layout.form);
            context.insert("flavor", &layout.flavor);
            context.insert("math_open", math_open);
            context.insert("math_close", math_close);
            ChainLayout::Template {
                tera: &engine.tera,
                context,
                error: Mutex::new(None),
            }
        };
        Views {
            printer: Printer::new(network.depth(), derivation.options.digits)
                .with_rounding(derivation.options.rounding),
            derivation,
            network,
            samples: network.samples(),
            env,
            math_open,
            math_close,
            form: layout.form,
            layout: chain_layout,
            pending: Mutex::new(Vec::new()),
        }
    }

    /// Whether a user's `chain.tex.tera` has failed (and the output should stop).
    fn failed(&self) -> bool {
        match &self.layout {
            ChainLayout::Builtin => false,
            ChainLayout::Template { error, .. } => {
                error.lock().unwrap_or_else(|p| p.into_inner()).is_some()
            }
        }
    }

    /// The first error of a user's `chain.tex.tera`, if any.
    fn take_template_error(&self) -> Option<Error> {
        match &self.layout {
            ChainLayout::Builtin => None,
            ChainLayout::Template { error, .. } => {
                error.lock().unwrap_or_else(|p| p.into_inner()).take()
            }
        }
    }

    fn chain(&self, chain: &Chain, layer: Option<u32>) -> ChainView {
        let lhs = self.printer.expr(&chain.lhs);
        let rows = self.row_views(
            chain
                .rows
                .iter()
                .zip(self.printer.relations(&chain.rows))
                .map(|(row, rel)| (rel, self.printer.expr(&row.expr)))
                .collect(),
        );
        let width = lhs.len() + rows.iter().map(|r| r.body.len() + 8).sum::<usize>();
        ChainView {
            kind: chain.kind,
            long: width > LONG_CHAIN,
            layer,
            lhs,
            rows,
            rules: chain.rules.clone(),
        }
    }

    /// Rows as the template sees them, each marked whether it keeps with the one above.
    fn row_views(&self, rows: Vec<(&'static str, String)>) -> Vec<RowView> {
        let keeps = {
            let rows: smallvec::SmallVec<[(&str, &str); 4]> =
                rows.iter().map(|r| (r.0, r.1.as_str())).collect();
            self.keeps(&rows)
        };
        rows.into_iter()
            .zip(keeps)
            .map(|((rel, body), keep)| RowView { rel, body, keep })
            .collect()
    }

    /// Which rows of a stacked chain keep with the row above: the general formula's
    /// continuations and the first row of numbers (in LaTeX, unless the general formula
    /// alone takes many lines, or the rows kept together would be taller than a row may be:
    /// the row blocks of a tall matrix).
    fn keeps(&self, rows: &[(&str, &str)]) -> smallvec::SmallVec<[bool; 4]> {
        const MOST: usize = 6;
        let general = 1 + rows.iter().skip(1).take_while(|r| r.0.is_empty()).count();
        let pages = self.env != "aligned" && general <= MOST;
        let mut keeps: smallvec::SmallVec<[bool; 4]> = (0..rows.len())
            .map(|k| pages && k >= 1 && k <= general)
            .collect();
        if pages && keeps.iter().any(|&k| k) {
            let heights: smallvec::SmallVec<[f64; 4]> = rows
                .iter()
                .map(|r| fit::height_of(r.1, fit::TALLEST))
                .collect();
            let mut together = heights.first().copied().unwrap_or(0.0);
            for (keep, h) in keeps.iter_mut().zip(&heights).skip(1) {
                if *keep && together + h <= fit::TALLEST {
                    together += h;
                } else {
                    *keep = false;
                    together = *h;
                }
            }
        }
        keeps
    }

    /// The most a row may be high: a page's in LaTeX, none on a web page (Markdown).
    fn tallest(&self) -> f64 {
        if self.env == "aligned" {
            f64::INFINITY
        } else {
            fit::TALLEST
        }
    }

    /// Whether `text` fits on one line `room` points wide and is no taller than a row may be.
    fn fits(&self, text: &str, room: f64) -> bool {
        fit::width(text) <= room && !fit::tall(text, self.tallest())
    }

    /// The width the right-hand sides of a block have beside left-hand sides `lhs` points
    /// wide: the line less the relation and the environment's gaps around it.
    fn room(&self, lhs: f64) -> f64 {
        let gap = if self.env == "eqnarray" { 32.0 } else { 16.0 };
        fit::LINE - lhs - gap
    }

    /// The rows of a chain broken to fit beside left-hand sides `lhs` points wide, stacked;
    /// `None` when they fit as printed (on one line unless `stacked`). A continuation row has
    /// an empty relation.
    fn fit<'b>(
        &self,
        lhs: f64,
        stacked: bool,
        rows: &[(&'static str, &'b str)],
    ) -> Option<Vec<(&'static str, std::borrow::Cow<'b, str>)>> {
        use std::borrow::Cow;
        let room = self.room(lhs);
        let tallest = self.tallest();
        let tall: smallvec::SmallVec<[bool; 4]> =
            rows.iter().map(|r| fit::tall(r.1, tallest)).collect();
        let low = !tall.contains(&true);
        let relations = 17.0 * rows.len().saturating_sub(1) as f64;
        let fits = |widths: &[f64]| {
            low && if stacked {
                widths.iter().all(|&w| w <= room)
            } else {
                widths.iter().sum::<f64>() + relations <= room
            }
        };
        // Most rows fit by their cheap bounds, and are not measured; in a stacked chain only
        // each row's side of the room counts, and a bound may tell that too.
        let bounds: smallvec::SmallVec<[Option<fit::Bounds>; 4]> =
            rows.iter().map(|r| fit::width_bounds(r.1)).collect();
        let sure = low
            && if stacked {
                bounds.iter().all(|b| b.is_some_and(|b| b.within(room)))
            } else {
                let total: Option<fit::Bounds> = bounds.iter().copied().sum();
                total.is_some_and(|t| t.within(room - relations))
            };
        if sure {
            return None;
        }
        let widths: smallvec::SmallVec<[f64; 4]> = rows
            .iter()
            .zip(&bounds)
            .map(|(r, b)| match b {
                Some(b) if stacked && b.within(room) => b.high,
                Some(b) if stacked && b.beyond(room) => b.low,
                _ => fit::width(r.1),
            })
            .collect();
        if fits(&widths) {
            return None;
        }
        let mut fitted = Vec::with_capacity(rows.len());
        for ((&(rel, body), &w), &tall) in rows.iter().zip(&widths).zip(&tall) {
            let lines = (w > room || tall)
                .then(|| fit::break_wide_row(body, room, room - fit::INDENT_WIDTH, tallest))
                .flatten();
            match lines {
                Some(lines) => {
                    for (n, line) in lines.into_iter().enumerate() {
                        fitted.push((if n == 0 { rel } else { "" }, Cow::Owned(line)));
                    }
                }
                None => fitted.push((rel, Cow::Borrowed(body))),
            }
        }
        Some(fitted)
    }

    /// Writes `rows` as they are, or as [`Views::fit`] broke them (always stacked then).
    fn write_fitted(
        &self,
        stacked: bool,
        rows: &[(&'static str, &str)],
        fitted: Option<&[(&'static str, std::borrow::Cow<'_, str>)]>,
        out: &mut String,
    ) {
        match fitted {
            None => self.write_rows(stacked, rows, out),
            Some(fitted) => {
                let rows: Vec<(&'static str, &str)> = fitted
                    .iter()
                    .map(|(rel, body)| (*rel, body.as_ref()))
                    .collect();
                self.write_rows(true, &rows, out);
            }
        }
    }

    /// Appends one chain as `chain.tex.tera` lays it out, its rows fitted beside left-hand
    /// sides `lhs` points wide.
    fn lay_out(&self, chain: &ChainView, lhs: f64, out: &mut String) {
        let rows: smallvec::SmallVec<[(&'static str, &str); 4]> = chain
            .rows
            .iter()
            .map(|row| (row.rel, row.body.as_str()))
            .collect();
        let stacked = chain.long || Self::stacks(chain.kind);
        let fitted = self.fit(lhs, stacked, &rows);
        match &self.layout {
            ChainLayout::Builtin => {
                out.push_str(&chain.lhs);
                self.write_fitted(stacked, &rows, fitted.as_deref(), out);
            }
            ChainLayout::Template {
                tera,
                context,
                error,
            } => {
                let refitted;
                let chain = match fitted {
                    None => chain,
                    Some(fitted) => {
                        refitted = ChainView {
                            kind: chain.kind,
                            long: true,
                            layer: chain.layer,
                            lhs: chain.lhs.clone(),
                            rows: self.row_views(
                                fitted
                                    .into_iter()
                                    .map(|(rel, body)| (rel, body.into_owned()))
                                    .collect(),
                            ),
                            rules: chain.rules.clone(),
                        };
                        &refitted
                    }
                };
                let mut context = context.clone();
                context.insert("chain", chain);
                match tera.render("chain.tex.tera", &context) {
                    Ok(text) => out.push_str(&text),
                    Err(e) => {
                        let mut first = error.lock().unwrap_or_else(|p| p.into_inner());
                        first.get_or_insert_with(|| template_error("chain.tex.tera", &e));
                    }
                }
            }
        }
    }

    /// Appends `chain` laid out beside left-hand sides `lhs` points wide; with the built-in
    /// layout, printed straight into `out` without a [`ChainView`] (the rows of a big network
    /// are most of its run time).
    fn write_chain(&self, chain: &Chain, layer: Option<u32>, lhs: f64, out: &mut String) {
        if !matches!(self.layout, ChainLayout::Builtin) {
            return self.lay_out(&self.chain(chain, layer), lhs, out);
        }
        let mut bodies = String::with_capacity(256);
        let mut rows: smallvec::SmallVec<[(&'static str, usize); 4]> = smallvec::SmallVec::new();
        for (row, rel) in chain.rows.iter().zip(self.printer.relations(&chain.rows)) {
            self.printer.write_expr(&row.expr, &mut bodies);
            rows.push((rel, bodies.len()));
        }
        let start = out.len();
        self.printer.write_expr(&chain.lhs, out);
        let width = out.len() - start + bodies.len() + 8 * rows.len();
        let stacked = width > LONG_CHAIN || Self::stacks(chain.kind);
        let mut from = 0;
        let rows: smallvec::SmallVec<[(&'static str, &str); 4]> = rows
            .iter()
            .map(|&(rel, end)| {
                let body = &bodies[from..end];
                from = end;
                (rel, body)
            })
            .collect();
        let fitted = self.fit(lhs, stacked, &rows);
        self.write_fitted(stacked, &rows, fitted.as_deref(), out);
    }

    /// Whether chains of `kind` stand one step per row however short they are.
    fn stacks(kind: ChainKind) -> bool {
        matches!(
            kind,
            ChainKind::PreActivation
                | ChainKind::Loss
                | ChainKind::Gradient
                | ChainKind::ExpandedGradient
                | ChainKind::Matrix
        )
    }

    /// The rows of a chain after its left-hand side: `&rel&body`, then ` rel body` on the
    /// same line or `\\` (`\\*` where the row keeps with the one above), a newline and
    /// `&rel&body` when stacked (eqnarray; align and aligned take `&rel body`).
    fn write_rows(&self, stacked: bool, rows: &[(&'static str, &str)], out: &mut String) {
        let after_rel = if self.env == "eqnarray" { "&" } else { " " };
        let keeps = self.keeps(rows);
        for (n, &(rel, body)) in rows.iter().enumerate() {
            if n == 0 {
                out.push('&');
            } else if stacked {
                out.push_str(if keeps[n] { "\\\\*\n&" } else { "\\\\\n&" });
            } else {
                out.push(' ');
            }
            out.push_str(rel);
            out.push_str(if n == 0 || stacked { after_rel } else { " " });
            out.push_str(body);
        }
    }

    /// A block of the rows `pending` stands for: a marker now, the rows when it is written.
    fn block(&self, pending: Pending<'a>, layer: Option<u32>) -> BlockView {
        let count = pending.count();
        if count == 0 {
            return BlockView {
                layer,
                ..BlockView::default()
            };
        }
        let mut blocks = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let rows = Splicer::marker(blocks.len());
        blocks.push(pending);
        BlockView { rows, count, layer }
    }

    /// The `k`-th parameter's gradient (or update) chain.
    fn parameter_chain(&self, step: &Step, layer: u32, update: bool, k: usize) -> Option<Chain> {
        if update {
            self.derivation.update_chain(step, layer, k)
        } else {
            Some(self.derivation.gradient_chain(step, layer, k))
        }
    }

    /// The width of the widest left-hand side of `pending` (the column its rows align on), in
    /// points. A layer's parameters are named alike, the last with the longest indices.
    fn lhs_width(&self, pending: &Pending) -> f64 {
        let widest =
            |lhs: &mut dyn Iterator<Item = String>| lhs.map(|l| fit::width(&l)).fold(0.0, f64::max);
        match pending {
            Pending::Chains(chains) => {
                widest(&mut chains.iter().map(|(c, _)| self.printer.expr(&c.lhs)))
            }
            Pending::Views(views) => widest(&mut views.iter().map(|v| v.lhs.clone())),
            Pending::Parameters {
                step,
                layer,
                update,
                count,
            } => widest(
                &mut [0, count.saturating_sub(1)]
                    .into_iter()
                    .filter_map(|k| self.parameter_chain(step, *layer, *update, k))
                    .map(|c| self.printer.expr(&c.lhs)),
            ),
        }
    }

    /// Appends the `k`-th chain of `pending`, beside left-hand sides `lhs` points wide.
    fn lay_out_pending(&self, pending: &Pending, k: usize, lhs: f64, out: &mut String) {
        match pending {
            Pending::Chains(chains) => self.write_chain(chains[k].0, chains[k].1, lhs, out),
            Pending::Views(views) => self.lay_out(&views[k], lhs, out),
            Pending::Parameters {
                step,
                layer,
                update,
                ..
            } => {
                if let Some(chain) = self.parameter_chain(step, *layer, *update, k) {
                    self.write_chain(&chain, Some(*layer), lhs, out);
                }
            }
        }
    }

    /// Writes the rows of `pending` to `out`, separated by `\\` and a newline. Big blocks are
    /// printed in parallel pieces, a few pieces at a time, so that only those are in memory.
    fn write_block(&self, pending: &Pending, out: &mut dyn Write) -> std::io::Result<()> {
        let count = pending.count();
        let lhs = self.lhs_width(pending);
        let piece = |p: usize| {
            let mut text = String::new();
            for k in p * PIECE..((p + 1) * PIECE).min(count) {
                if k > 0 {
                    text.push_str("\\\\\n");
                }
                self.lay_out_pending(pending, k, lhs, &mut text);
            }
            text
        };
        // A user's chain template that failed stops the output at the next piece.
        let stop = || std::io::Error::other("chain.tex.tera failed");
        let pieces = count.div_ceil(PIECE);
        if pieces == 1 {
            let text = piece(0);
            if self.failed() {
                return Err(stop());
            }
            return out.write_all(text.as_bytes());
        }
        let batch = 2 * rayon::current_num_threads();
        for first in (0..pieces).step_by(batch) {
            let texts: Vec<String> = (first..(first + batch).min(pieces))
                .into_par_iter()
                .map(piece)
                .collect();
            if self.failed() {
                return Err(stop());
            }
            for text in texts {
                out.write_all(text.as_bytes())?;
            }
        }
        Ok(())
    }

    /// The element-wise rows of `groups`, unless only the matrix form is asked for.
    fn elementwise(&self, groups: &'a [LayerChains]) -> BlockView {
        if self.form == Form::Matrix {
            return BlockView::default();
        }
        self.layered(groups)
    }

    /// The matrix-form rows `make` gives, unless only the element-wise form is asked for.
    fn matrices(&self, make: impl FnOnce() -> Vec<ChainView>) -> BlockView {
        if self.form == Form::Elements {
            return BlockView::default();
        }
        self.views(make())
    }

    fn chains(&self, chains: impl IntoIterator<Item = &'a Chain>) -> BlockView {
        let chains = chains.into_iter().map(|c| (c, None)).collect();
        self.block(Pending::Chains(chains), None)
    }

    fn layered(&self, groups: &'a [LayerChains]) -> BlockView {
        let chains = groups
            .iter()
            .flat_map(|g| g.chains.iter().map(move |c| (c, Some(g.layer))))
            .collect();
        self.block(Pending::Chains(chains), None)
    }

    fn views(&self, views: Vec<ChainView>) -> BlockView {
        self.block(Pending::Views(views), None)
    }

    /// The gradient rows (or with `update`, the update rows) of every layer, output first.
    fn parameter_rows(&self, step: &'a Step, update: bool) -> Vec<BlockView> {
        if update && self.network.sgd.is_none() {
            return Vec::new();
        }
        (1..=self.network.depth())
            .rev()
            .map(|layer| {
                let count = match self.form {
                    Form::Matrix => 0,
                    Form::Elements | Form::Both => self.derivation.parameter_count(layer),
                };
                let pending = Pending::Parameters {
                    step,
                    layer,
                    update,
                    count,
                };
                self.block(pending, Some(layer))
            })
            .collect()
    }

    /// `=` when every value is shown exactly, `\approx` otherwise.
    fn rel<'v>(&self, mut values: impl Iterator<Item = &'v Value>) -> &'static str {
        if values.all(|v| self.printer.shows_exactly(*v)) {
            "="
        } else {
            "\\approx"
        }
    }

    /// A `rows` × `columns` bmatrix whose cell (i, j) (from 0) `cell` writes; the rows of a
    /// big one are printed in parallel.
    fn bmatrix(
        &self,
        rows: usize,
        columns: usize,
        cell: impl Fn(usize, usize, &mut String) + Sync,
    ) -> String {
        let row_text = |i: usize| {
            let mut text = String::new();
            for j in 0..columns {
                if j > 0 {
                    text.push('&');
                }
                cell(i, j, &mut text);
            }
            text
        };
        let body: Vec<String> = if rows * columns > PIECE {
            (0..rows).into_par_iter().map(row_text).collect()
        } else {
            (0..rows).map(row_text).collect()
        };
        format!("\\begin{{bmatrix}}{}\\end{{bmatrix}}", body.join("\\\\"))
    }

    fn value_matrix(&self, rows: &[Vec<Value>]) -> String {
        let columns = rows.first().map_or(0, Vec::len);
        self.bmatrix(rows.len(), columns, |i, j, out| {
            self.printer.write_value(rows[i][j], out)
        })
    }

    fn value_column(&self, values: &[Value]) -> String {
        let rows: Vec<Vec<Value>> = values.iter().map(|v| vec![*v]).collect();
        self.value_matrix(&rows)
    }

    fn tuple(&self, items: impl IntoIterator<Item = String>) -> String {
        format!("({})", items.into_iter().collect::<Vec<_>>().join(", "))
    }

    fn sample(&self, rows: &'a SampleRows, step: &'a Step) -> SampleView {
        let derivation = self.derivation;
        use crate::math::expr::{Index, Symbol};
        let network = derivation.network;
        let n = rows.sample.unwrap_or(1) as usize;
        let sample = rows.sample.map(Index::Num);
        let symbols = |kind: fn(Index) -> Symbol, count: usize| {
            self.tuple(
                (1..=count).map(|j| self.printer.symbol(&kind(Index::Num(j as u32)).at(sample))),
            )
        };
        let numbers = |row: &[crate::math::number::Decimal]| {
            self.tuple(row.iter().map(|d| self.printer.given(*d)))
        };
        let outputs = &step.layers[network.depth() as usize - 1].out[n - 1];
        let outputs_rel = self.rel(outputs.iter());
        let outputs_text = self.tuple(outputs.iter().map(|v| self.printer.value(*v)));
        let y_name = self.with_sample(self.vector_name(network.depth()), rows.sample);
        // "So", ", and the loss is" and the space around.
        let outputs_rows =
            if fit::width(&format!("{y_name}{outputs_rel}{outputs_text}")) + 110.0 <= fit::LINE {
                BlockView::default()
            } else {
                self.views(vec![
                    self.matrix_row(y_name, vec![(outputs_rel, outputs_text.clone())])
                ])
            };
        let input = numbers(&network.x[n - 1]);
        let input_symbols = symbols(|j| Symbol::out(0, j), network.width(0));
        let target = numbers(&network.t[n - 1]);
        let target_symbols = symbols(Symbol::target, network.t[n - 1].len());
        SampleView {
            number: rows.sample,
            given: self.given(
                rows.sample,
                [&input_symbols, &input, &target_symbols, &target],
            ),
            input,
            input_symbols,
            target,
            target_symbols,
            forward: self.elementwise(&rows.forward),
            outputs: outputs_text,
            outputs_rel,
            outputs_rows,
            loss: self.chains([&rows.loss]),
            derivatives: self.elementwise(&rows.derivatives),
            deltas: self.elementwise(&rows.deltas),
            matrix_forward: self.matrices(|| self.matrix_forward(step, n - 1, rows.sample)),
            matrix_backward: self.matrices(|| self.matrix_backward(step, n - 1, rows.sample)),
        }
    }

    /// The sample sentence's `x = … = …` and `t = … = …` as a block of rows when the sentence
    /// would not fit on a line.
    fn given(&self, sample: Option<u32>, [xs, x, ts, t]: [&String; 4]) -> BlockView {
        // "The training sample is" and the punctuation.
        const PROSE: f64 = 125.0;
        let x_name = self.with_sample("\\mathbf{x}".into(), sample);
        let t_name = self.with_sample("\\mathbf{t}".into(), sample);
        let sentence = format!("{x_name}={xs}={x},\\ {t_name}={ts}={t}");
        if fit::width(&sentence) + PROSE <= fit::LINE {
            return BlockView::default();
        }
        self.views(vec![
            self.matrix_row(x_name, vec![("=", xs.clone()), ("=", x.clone())]),
            self.matrix_row(t_name, vec![("=", ts.clone()), ("=", t.clone())]),
        ])
    }

    /// The Summary of layer `l` as a block of rows, ∂E/∂W above W ← …, when its displays
    /// would not fit the line.
    fn summary_rows(&self, l: u32, summary: &SummaryView) -> BlockView {
        let gradient = |p: &str| format!("\\frac{{\\partial E}}{{\\partial {p}^{{({l})}}}}");
        let update = |p: &str| format!("{p}^{{({l})}}-\\eta{}", gradient(p));
        // `=` or `\approx` before the gradient and before the update, per matrix.
        let relations = |p: &str| match p {
            "b" => (summary.grad_bias_rel, summary.bias_after_rel),
            _ => (summary.grad_rel, summary.after_rel),
        };
        let display = |p: &str, grad: &str, after: Option<&String>| {
            let (grad_rel, after_rel) = relations(p);
            let mut text = format!("{}{grad_rel}{grad}", gradient(p));
            if let Some(after) = after {
                text.push_str(&format!(
                    ",\\qquad {p}^{{({l})}}\\leftarrow {}{}{after}",
                    update(p),
                    after_rel
                ));
            }
            text
        };
        let fits = |p: &str, grad: &str, after: Option<&String>| {
            self.fits(&display(p, grad, after), fit::LINE)
        };
        let weights_fit = fits("W", &summary.grad_weights, summary.weights_after.as_ref());
        let bias_fits = summary
            .grad_bias
            .as_ref()
            .is_none_or(|b| fits("b", b, summary.bias_after.as_ref()));
        if weights_fit && bias_fits {
            return BlockView::default();
        }
        let mut rows = Vec::new();
        let mut parameter = |p: &str, grad: &String, after: Option<&String>| {
            let (grad_rel, after_rel) = relations(p);
            rows.push(self.matrix_row(gradient(p), vec![(grad_rel, grad.clone())]));
            if let Some(after) = after {
                rows.push(self.matrix_row(
                    format!("{p}^{{({l})}}"),
                    vec![("\\leftarrow", update(p)), (after_rel, after.clone())],
                ));
            }
        };
        parameter("W", &summary.grad_weights, summary.weights_after.as_ref());
        if let Some(b) = &summary.grad_bias {
            parameter("b", b, summary.bias_after.as_ref());
        }
        self.views(rows)
    }

    fn step(&self, step: &'a Step) -> StepView {
        StepView {
            number: step.number,
            matrix_gradients: self.matrices(|| self.matrix_gradients(step)),
            samples: step
                .samples
                .iter()
                .map(|rows| self.sample(rows, step))
                .collect(),
            total_loss: step.total_loss.as_ref().map(|c| self.chains([c])),
            loss_value: self.printer.value(step.loss_value),
            gradients: self.parameter_rows(step, false),
            updates: self.parameter_rows(step, true),
            summary: step
                .layers
                .iter()
                .enumerate()
                .rev()
                .map(|(n, numbers): (usize, &LayerNumbers)| {
                    let mut summary = SummaryView {
                        layer: n as u32 + 1,
                        grad_rel: self.rel(numbers.grad_weights.iter().flatten()),
                        grad_bias_rel: self.rel(numbers.grad_bias.iter().flatten()),
                        after_rel: self.rel(numbers.weights_after.iter().flatten().flatten()),
                        bias_after_rel: self.rel(numbers.bias_after.iter().flatten()),
                        grad_weights: self.value_matrix(&numbers.grad_weights),
                        grad_bias: numbers.grad_bias.as_deref().map(|b| self.value_column(b)),
                        weights_after: numbers
                            .weights_after
                            .as_deref()
                            .map(|w| self.value_matrix(w)),
                        bias_after: numbers.bias_after.as_deref().map(|b| self.value_column(b)),
                        rows: BlockView::default(),
                    };
                    summary.rows = self.summary_rows(n as u32 + 1, &summary);
                    summary
                })
                .collect(),
        }
    }
}

/// The matrix form and the drawing: vectors and matrices of numbers the derivation computed,
/// written with the one printer.
impl Views<'_> {
    fn vector_name(&self, layer: u32) -> String {
        let depth = self.network.depth();
        match layer {
            0 => "\\mathbf{x}".into(),
            l if l == depth => "\\mathbf{y}".into(),
            _ if depth == 2 => "\\mathbf{z}".into(),
            l => format!("\\mathbf{{z}}^{{({l})}}"),
        }
    }

    fn with_sample(&self, name: String, sample: Option<u32>) -> String {
        match sample {
            Some(n) => format!("{name}_{{{n}}}"),
            None => name,
        }
    }

    fn function_name(&self, layer: u32, derivative: bool) -> String {
        use crate::math::expr::{Expr, Func};
        let e = if derivative {
            Expr::deriv(Func::Act(layer), Expr::Var("a"))
        } else {
            Expr::call(Func::Act(layer), Expr::Var("a"))
        };
        self.printer.expr(&e).trim_end_matches("(a)").to_string()
    }

    /// `\frac{1}{N}` before a sum over samples of a mean loss, or nothing.
    fn mean_scale(&self) -> String {
        let mean = matches!(
            self.network.loss.aggregate,
            crate::math::functions::Aggregate::Mean
        );
        if mean && self.samples > 1 {
            format!("\\frac{{1}}{{{}}}", self.samples)
        } else {
            String::new()
        }
    }

    fn matrix_row(&self, lhs: String, rows: Vec<(&'static str, String)>) -> ChainView {
        ChainView {
            kind: ChainKind::Matrix,
            long: true,
            layer: None,
            lhs,
            rows: self.row_views(rows),
            rules: Vec::new(),
        }
    }

    fn transpose(rows: &[Vec<Value>]) -> Vec<Vec<Value>> {
        let width = rows.first().map_or(0, Vec::len);
        (0..width)
            .map(|j| rows.iter().map(|r| r[j]).collect())
            .collect()
    }

    /// `v` as it is printed: itself when it is shown exactly, else the shown decimal (carried
    /// exactly), so that a numbers row combines what it shows.
    fn as_shown(&self, v: Value) -> Value {
        let options = &self.derivation.options;
        v.rounded(options.digits, options.rounding)
    }

    /// The relation before `values`, the result of a numbers row whose `numbers` are printed
    /// and whose entry `k` (in row order) `from_shown(k)` computes from them as printed. `=`
    /// only where every value is shown exactly and is exactly what the shown numbers give —
    /// `0.7809\cdot1+(-0.82)` is not −0.03909 — as for the element rows
    /// ([`Printer::relation_after`]).
    fn rel_after<'v>(
        &self,
        numbers: impl Iterator<Item = &'v Value>,
        values: &[Value],
        from_shown: impl Fn(usize) -> Value,
    ) -> &'static str {
        if !values.iter().all(|v| self.printer.shows_exactly(*v)) {
            return "\\approx";
        }
        if self.rel(numbers) == "=" {
            return "=";
        }
        let given = |k: usize| {
            let c = from_shown(k);
            c.rational()
        };
        if (0..values.len()).all(|k| given(k).is_some_and(|r| values[k].exact() == Some(r))) {
            "="
        } else {
            "\\approx"
        }
    }

    /// a = W z (+ b), z = h(a), δ = h'(a) ⊙ Wᵀδ, ∂E/∂W = δ zᵀ, in general form.
    fn matrix_equations(&self) -> Vec<ChainView> {
        let depth = self.network.depth();
        let sum = |body: String| {
            if self.samples > 1 {
                format!("\\sum_{{n}}{body}")
            } else {
                body
            }
        };
        let sample = |name: String| {
            if self.samples > 1 {
                format!("{name}_{{n}}")
            } else {
                name
            }
        };
        let mut rows = Vec::new();
        for l in 1..=depth {
            let bias = if self.network.layer(l).bias.is_some() {
                format!("+\\mathbf{{b}}^{{({l})}}")
            } else {
                String::new()
            };
            rows.push(self.matrix_row(
                sample(format!("\\mathbf{{a}}^{{({l})}}")),
                vec![(
                    "=",
                    format!("W^{{({l})}}{}{bias}", sample(self.vector_name(l - 1))),
                )],
            ));
            rows.push(self.matrix_row(
                sample(self.vector_name(l)),
                vec![(
                    "=",
                    format!(
                        "{}({})",
                        self.function_name(l, false),
                        sample(format!("\\mathbf{{a}}^{{({l})}}"))
                    ),
                )],
            ));
        }
        for l in (1..depth).rev() {
            rows.push(self.matrix_row(
                sample(format!("\\boldsymbol{{\\delta}}^{{({l})}}")),
                vec![(
                    "=",
                    format!(
                        "{}({})\\odot(W^{{({})}})^\\top{}",
                        self.function_name(l, true),
                        sample(format!("\\mathbf{{a}}^{{({l})}}")),
                        l + 1,
                        sample(format!("\\boldsymbol{{\\delta}}^{{({})}}", l + 1))
                    ),
                )],
            ));
        }
        let scale = self.mean_scale();
        for l in (1..=depth).rev() {
            rows.push(self.matrix_row(
                format!("\\frac{{\\partial E}}{{\\partial W^{{({l})}}}}"),
                vec![(
                    "=",
                    format!(
                        "{scale}{}",
                        sum(format!(
                            "{}({})^\\top",
                            sample(format!("\\boldsymbol{{\\delta}}^{{({l})}}")),
                            sample(self.vector_name(l - 1))
                        ))
                    ),
                )],
            ));
        }
        rows
    }

    /// The forward pass of sample `n` (from 0) in matrix form.
    fn matrix_forward(&self, step: &Step, n: usize, sample: Option<u32>) -> Vec<ChainView> {
        let mut rows = Vec::new();
        for (l, numbers) in step.layers.iter().enumerate() {
            let l = l as u32 + 1;
            let input: Vec<Value> = if l == 1 {
                self.network.x[n]
                    .iter()
                    .map(|d| Value::decimal(*d))
                    .collect()
            } else {
                step.layers[l as usize - 2].out[n].clone()
            };
            let a = &numbers.pre[n];
            let (bias_symbol, bias_numbers) = match &numbers.bias {
                Some(b) => (
                    format!("+\\mathbf{{b}}^{{({l})}}"),
                    format!("+{}", self.value_column(b)),
                ),
                None => (String::new(), String::new()),
            };
            let all: Vec<&Value> = numbers
                .weights
                .iter()
                .flatten()
                .chain(&input)
                .chain(numbers.bias.iter().flatten())
                .collect();
            rows.push(self.matrix_row(
                self.with_sample(format!("\\mathbf{{a}}^{{({l})}}"), sample),
                vec![
                    (
                        "=",
                        format!(
                            "W^{{({l})}}{}{bias_symbol}",
                            self.with_sample(self.vector_name(l - 1), sample)
                        ),
                    ),
                    (
                        self.rel(all.iter().copied()),
                        format!(
                            "{}{}{bias_numbers}",
                            self.value_matrix(&numbers.weights),
                            self.value_column(&input)
                        ),
                    ),
                    (
                        self.rel_after(all.into_iter(), a, |i| {
                            let terms = numbers.weights[i].iter().zip(&input);
                            let sum = terms.fold(Value::int(0), |acc, (w, x)| {
                                acc + self.as_shown(*w) * self.as_shown(*x)
                            });
                            match &numbers.bias {
                                Some(b) => sum + self.as_shown(b[i]),
                                None => sum,
                            }
                        }),
                        self.value_column(a),
                    ),
                ],
            ));
            let z = &numbers.out[n];
            rows.push(self.matrix_row(
                self.with_sample(self.vector_name(l), sample),
                vec![
                    (
                        "=",
                        format!(
                            "{}({})",
                            self.function_name(l, false),
                            self.with_sample(format!("\\mathbf{{a}}^{{({l})}}"), sample)
                        ),
                    ),
                    (self.rel(z.iter()), self.value_column(z)),
                ],
            ));
        }
        rows
    }

    /// The δ vectors of sample `n` (from 0) in matrix form.
    fn matrix_backward(&self, step: &Step, n: usize, sample: Option<u32>) -> Vec<ChainView> {
        let depth = self.network.depth() as usize;
        let delta_name =
            |l: usize| self.with_sample(format!("\\boldsymbol{{\\delta}}^{{({l})}}"), sample);
        let mut rows = Vec::new();
        let output = &step.layers[depth - 1].delta[n];
        rows.push(self.matrix_row(
            delta_name(depth),
            vec![
                (
                    "=",
                    format!(
                        "\\frac{{\\partial E}}{{\\partial {}}}",
                        self.with_sample(format!("\\mathbf{{a}}^{{({depth})}}"), sample)
                    ),
                ),
                (self.rel(output.iter()), self.value_column(output)),
            ],
        ));
        for l in (1..depth).rev() {
            let numbers = &step.layers[l - 1];
            let next = &step.layers[l];
            let Some(slopes) = &numbers.act_deriv else {
                continue;
            };
            let transposed = Self::transpose(&next.weights);
            let shown: Vec<&Value> = slopes[n]
                .iter()
                .chain(transposed.iter().flatten())
                .chain(&next.delta[n])
                .collect();
            rows.push(self.matrix_row(
                delta_name(l),
                vec![
                    (
                        "=",
                        format!(
                            "{}({})\\odot(W^{{({})}})^\\top{}",
                            self.function_name(l as u32, true),
                            self.with_sample(format!("\\mathbf{{a}}^{{({l})}}"), sample),
                            l + 1,
                            delta_name(l + 1)
                        ),
                    ),
                    (
                        self.rel(shown.iter().copied()),
                        format!(
                            "{}\\odot{}{}",
                            self.value_column(&slopes[n]),
                            self.value_matrix(&transposed),
                            self.value_column(&next.delta[n])
                        ),
                    ),
                    (
                        self.rel_after(shown.into_iter(), &numbers.delta[n], |i| {
                            self.as_shown(slopes[n][i]) * self.backpropagated(next, n, i)
                        }),
                        self.value_column(&numbers.delta[n]),
                    ),
                ],
            ));
        }
        rows
    }

    /// (Wᵀδ)_i of the layer after, `next`, for sample `n` (from 0), from its numbers as shown.
    fn backpropagated(&self, next: &LayerNumbers, n: usize, i: usize) -> Value {
        let terms = next.weights.iter().zip(&next.delta[n]);
        terms.fold(Value::int(0), |acc, (row, d)| {
            acc + self.as_shown(row[i]) * self.as_shown(*d)
        })
    }

    /// ∂E/∂W = δ zᵀ (summed over samples) with numbers. Where the element rows write the first
    /// layer's gradients out as h'(a)(Σ w δ) x and the values are carried rounded, δ^{(1)} as
    /// shown times x is not what they computed: the numbers are then h'(a) ⊙ (W^{(2)})ᵀδ^{(2)}
    /// times xᵀ, which give the element rows' values.
    fn matrix_gradients(&self, step: &Step) -> Vec<ChainView> {
        let depth = self.network.depth() as usize;
        let rounded = self.derivation.options.carry == crate::derivation::Carry::Rounded;
        let mut rows = Vec::new();
        for l in (1..=depth).rev() {
            let numbers = &step.layers[l - 1];
            let inputs: Vec<Vec<Value>> = (0..self.samples)
                .map(|n| {
                    if l == 1 {
                        self.network.x[n]
                            .iter()
                            .map(|d| Value::decimal(*d))
                            .collect()
                    } else {
                        step.layers[l - 2].out[n].clone()
                    }
                })
                .collect();
            // (h'(a) per sample, the next layer) when δ is written out.
            let expanded = match (&numbers.act_deriv, step.layers.get(l)) {
                (Some(slopes), Some(next))
                    if rounded && l == 1 && self.derivation.expands_first_layer() =>
                {
                    Some((slopes, next))
                }
                _ => None,
            };
            let transposed = expanded.map(|(_, next)| Self::transpose(&next.weights));
            let products: Vec<String> = (0..self.samples)
                .map(|n| {
                    let delta = match (expanded, &transposed) {
                        (Some((slopes, next)), Some(transposed)) => format!(
                            "\\left({}\\odot{}{}\\right)",
                            self.value_column(&slopes[n]),
                            self.value_matrix(transposed),
                            self.value_column(&next.delta[n])
                        ),
                        _ => self.value_column(&numbers.delta[n]),
                    };
                    format!("{delta}{}", self.value_matrix(&[inputs[n].clone()]))
                })
                .collect();
            let scale = self.mean_scale();
            let numbers_row = if self.samples > 1 {
                format!("{scale}\\left({}\\right)", products.join("+"))
            } else {
                products.join("")
            };
            let shown: Vec<&Value> = match (expanded, &transposed) {
                (Some((slopes, next)), Some(transposed)) => slopes
                    .iter()
                    .flatten()
                    .chain(transposed.iter().flatten())
                    .chain(next.delta.iter().flatten())
                    .chain(inputs.iter().flatten())
                    .collect(),
                _ => numbers
                    .delta
                    .iter()
                    .flatten()
                    .chain(inputs.iter().flatten())
                    .collect(),
            };
            let with_n = |name: String| {
                if self.samples > 1 {
                    format!("{name}_{{n}}")
                } else {
                    name
                }
            };
            let symbolic = |delta: String| {
                let input = with_n(self.vector_name(l as u32 - 1));
                if self.samples > 1 {
                    format!("{scale}\\sum_{{n}}{delta}({input})^\\top")
                } else {
                    format!("{delta}({input})^\\top")
                }
            };
            let mut chain = vec![(
                "=",
                symbolic(with_n(format!("\\boldsymbol{{\\delta}}^{{({l})}}"))),
            )];
            if expanded.is_some() {
                chain.push((
                    "=",
                    symbolic(format!(
                        "\\left({}({})\\odot(W^{{({})}})^\\top{}\\right)",
                        self.function_name(l as u32, true),
                        with_n(format!("\\mathbf{{a}}^{{({l})}}")),
                        l + 1,
                        with_n(format!("\\boldsymbol{{\\delta}}^{{({})}}", l + 1))
                    )),
                ));
            }
            // Entry (i, j) from the numbers as shown.
            let columns = numbers.grad_weights.first().map_or(0, Vec::len);
            let from_shown = |k: usize| {
                let (i, j) = (k / columns.max(1), k % columns.max(1));
                let sum = (0..self.samples).fold(Value::int(0), |acc, n| {
                    let delta = match expanded {
                        Some((slopes, next)) => {
                            self.as_shown(slopes[n][i]) * self.backpropagated(next, n, i)
                        }
                        None => self.as_shown(numbers.delta[n][i]),
                    };
                    acc + delta * self.as_shown(inputs[n][j])
                });
                if scale.is_empty() {
                    sum
                } else {
                    sum / Value::int(self.samples as i64)
                }
            };
            let values: Vec<Value> = numbers.grad_weights.iter().flatten().copied().collect();
            chain.push((self.rel(shown.iter().copied()), numbers_row));
            chain.push((
                self.rel_after(shown.into_iter(), &values, from_shown),
                self.value_matrix(&numbers.grad_weights),
            ));
            rows.push(self.matrix_row(
                format!("\\frac{{\\partial E}}{{\\partial W^{{({l})}}}}"),
                chain,
            ));
        }
        rows
    }
}

/// An activation as the prose names it: `the sigmoid function`, `シグモイド関数`; one of the
/// file's own by its name.
fn activation_name(act: &crate::math::functions::Activation, lang: Lang, markdown: bool) -> String {
    let ja = lang == Lang::Ja;
    let known = match act.name.as_str() {
        _ if act.custom => None,
        "identity" => Some(("the identity function", "恒等関数")),
        "sigmoid" => Some(("the sigmoid function", "シグモイド関数")),
        "tanh" => Some(("the hyperbolic tangent", "tanh関数")),
        "relu" => Some(("the ReLU function", "ReLU関数")),
        "leaky_relu" => Some(("the leaky ReLU function", "Leaky ReLU関数")),
        "softplus" => Some(("the softplus function", "ソフトプラス関数")),
        "softmax" => Some(("the softmax function", "ソフトマックス関数")),
        _ => None,
    };
    match known {
        Some((en, ja_name)) => if ja { ja_name } else { en }.to_string(),
        None => {
            let name = if markdown {
                escape_markdown(&act.name)
            } else {
                escape_text(&act.name)
            };
            if ja {
                format!("自作の関数{name}")
            } else {
                format!("its own function {name}")
            }
        }
    }
}

/// A loss as the prose names it: `the sum of squared errors`, `二乗和誤差`.
fn loss_kind(loss: &crate::math::functions::Loss, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let (en, ja_name) = match loss.name.as_str() {
        _ if loss.custom => ("the file's own function", "次の自作の関数"),
        "sum_squared" => ("the sum of squared errors", "二乗和誤差"),
        "mean_squared" => ("the mean squared error", "平均二乗誤差"),
        "cross_entropy" => ("the cross-entropy", "交差エントロピー誤差"),
        "binary_cross_entropy" => ("the binary cross-entropy", "二値交差エントロピー誤差"),
        _ => ("the file's own function", "次の自作の関数"),
    };
    if ja { ja_name } else { en }.to_string()
}

/// A column of numbers given in the file, each with all its digits.
fn given_column(views: &Views, values: &[Decimal]) -> String {
    views.bmatrix(values.len(), 1, |i, _, out| {
        views.printer.write_given(values[i], out)
    })
}

fn context<'a>(views: &Views<'a>, markdown: bool, layout: &Layout) -> ContextView {
    use crate::math::expr::{Expr, Func, Index, Symbol};
    let derivation = views.derivation;
    let network = derivation.network;
    let depth = network.depth();
    let printer = views.printer;
    let layers = network
        .layers
        .iter()
        .enumerate()
        .map(|(n, layer)| {
            let l = n as u32 + 1;
            let function = printer.expr(&Expr::call(Func::Act(l), Expr::Var("a")));
            let definition = match layer.activation.shape {
                crate::math::functions::Shape::Softmax => {
                    let a = |k: char| printer.symbol(&Symbol::pre(l, Index::Var(k)));
                    let y = printer.symbol(&Symbol::out(l, Index::Var('k')));
                    format!(
                        "{y}=\\frac{{\\exp({})}}{{\\sum_j\\exp({})}}",
                        a('k'),
                        a('j')
                    )
                }
                crate::math::functions::Shape::Elementwise => {
                    format!("{function}={}", printer.expr(&layer.activation.definition))
                }
            };
            let weights_symbolic = views.bmatrix(layer.units(), layer.inputs(), |i, j, out| {
                let (i, j) = (Index::Num(i as u32 + 1), Index::Num(j as u32 + 1));
                printer.write_symbol(&Symbol::weight(l, i, j), out)
            });
            let weights = views.bmatrix(layer.units(), layer.inputs(), |i, j, out| {
                printer.write_given(layer.weights[i][j], out)
            });
            let bias_symbolic = layer.bias.as_ref().map(|b| {
                views.bmatrix(b.len(), 1, |i, _, out| {
                    printer.write_symbol(&Symbol::bias(l, Index::Num(i as u32 + 1)), out)
                })
            });
            let bias = layer.bias.as_ref().map(|b| given_column(views, b));
            // The display `W = … = …,\qquad b = … = …`, or a block of rows when it is too wide.
            let w_name = format!("W^{{({l})}}");
            let b_name = format!("b^{{({l})}}");
            let mut display = format!("{w_name}={weights_symbolic}={weights}");
            if let (Some(bs), Some(b)) = (&bias_symbolic, &bias) {
                display.push_str(&format!(",\\qquad {b_name}={bs}={b}"));
            }
            let rows = if views.fits(&display, fit::LINE) {
                BlockView::default()
            } else {
                let mut rows = vec![views.matrix_row(
                    w_name.clone(),
                    vec![("=", weights_symbolic.clone()), ("=", weights.clone())],
                )];
                if let (Some(bs), Some(b)) = (&bias_symbolic, &bias) {
                    rows.push(
                        views.matrix_row(b_name.clone(), vec![("=", bs.clone()), ("=", b.clone())]),
                    );
                }
                views.views(rows)
            };
            let mut given = format!("{w_name}={weights}");
            if let Some(b) = &bias {
                given.push_str(&format!(",\\qquad {b_name}={b}"));
            }
            let given_rows = if views.fits(&given, fit::LINE) {
                BlockView::default()
            } else {
                let mut rows = vec![views.matrix_row(w_name, vec![("=", weights.clone())])];
                if let Some(b) = &bias {
                    rows.push(views.matrix_row(b_name, vec![("=", b.clone())]));
                }
                views.views(rows)
            };
            LayerView {
                number: l,
                activation: escape_text(&layer.activation.name),
                activation_name: activation_name(&layer.activation, layout.lang, markdown),
                definition,
                function: function.trim_end_matches("(a)").to_string(),
                units: layer.units(),
                inputs: layer.inputs(),
                weights_symbolic,
                weights,
                bias_symbolic,
                bias,
                rows,
                given_rows,
            }
        })
        .collect();
    ContextView {
        title: network.title.as_deref().map(|t| {
            if markdown {
                escape_markdown(t)
            } else {
                escape_text(t)
            }
        }),
        lang: layout.lang,
        env: views.env,
        form: layout.form,
        flavor: layout.flavor,
        math_open: views.math_open,
        math_close: views.math_close,
        question: false,
        diagram: layout
            .diagram
            .then(|| crate::render::drawing::draw(derivation, &printer))
            .flatten(),
        figure: None,
        matrix_equations: views.matrices(|| views.matrix_equations()),
        digits: derivation.options.digits,
        carry: derivation.options.carry,
        rounding: derivation.options.rounding,
        sizes: network.sizes(),
        depth,
        loss_name: network.loss.name.clone(),
        loss_kind: loss_kind(&network.loss, layout.lang),
        samples_count: network.samples(),
        matrix_columns: network.sizes().into_iter().max().unwrap_or(0).max(10),
        learning_rate: network.sgd.map(|s| s.lr.to_string()),
        steps_count: derivation.steps.len() as u32,
        layers,
        equations: views.layered(&derivation.equations),
        activation_rules: views.chains(&derivation.activation_rules),
        loss: views.chains(&derivation.loss),
        loss_formula: views.chain(&derivation.loss[0], None),
        loss_table: derivation
            .steps
            .iter()
            .map(|step| LossRowView {
                step: step.number,
                rel: views.rel(std::iter::once(&step.loss_value)),
                loss: printer.value(step.loss_value),
            })
            .collect(),
        gradient_rules: views.chains(&derivation.gradient_rules),
        update_rule: derivation
            .update_rule
            .as_ref()
            .map(|c| views.chain(c, None)),
        shortcut: derivation
            .shortcut
            .map(|_| format!("{}_{}", network.output_activation().name, network.loss.name)),
        steps: derivation.steps.iter().map(|s| views.step(s)).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Templates

/// The templates of a run: a Tera instance with LaTeX-safe delimiters (`{{`, `{%`, `{#` all
/// occur in LaTeX), no HTML escaping, and every built-in template, each replaced by the user's
/// file of the same name in `dir` when there is one.
pub struct Engine {
    tera: tera::Tera,
    /// `chain.tex.tera` is the built-in one, so chains are laid out by [`Views::lay_out`].
    builtin_chain: bool,
}

pub fn engine(dir: Option<&Path>) -> Result<Engine, Error> {
    let mut tera = tera::Tera::new();
    tera.set_delimiters(tera::Delimiters {
        block_start: "<%".into(),
        block_end: "%>".into(),
        variable_start: "<<".into(),
        variable_end: ">>".into(),
        comment_start: "<#".into(),
        comment_end: "#>".into(),
    })
    .map_err(|e| template_error("delimiters", &e))?;
    tera.autoescape_on(Vec::<&str>::new());
    if let Some(dir) = dir {
        templates_dir(dir)?;
    }
    let mut sources = Vec::with_capacity(TEMPLATES.len());
    let mut builtin_chain = true;
    for (name, builtin) in TEMPLATES {
        let user = dir.map(|d| d.join(name));
        let text = match user.as_ref().map(std::fs::read_to_string) {
            Some(Ok(text)) => {
                builtin_chain &= *name != "chain.tex.tera";
                text
            }
            Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::Read {
                    path: user.unwrap_or_default().display().to_string(),
                    source: e,
                })
            }
            _ => (*builtin).to_string(),
        };
        sources.push((*name, text));
    }
    tera.add_raw_templates(sources)
        .map_err(|e| template_error("templates", &e))?;
    Ok(Engine {
        tera,
        builtin_chain,
    })
}

/// Checks that `dir` (from `--templates`) is a directory that can be read: a typo must not
/// quietly give the built-in templates.
pub fn templates_dir(dir: &Path) -> Result<(), Error> {
    let problem = match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => std::fs::read_dir(dir).err().map(|e| e.to_string()),
        Ok(_) => Some("it is not a directory".to_string()),
        Err(e) => Some(e.to_string()),
    };
    match problem {
        None => Ok(()),
        Some(message) => Err(Error::TemplatesDir {
            path: dir.display().to_string(),
            message,
        }),
    }
}

fn template_error(name: &str, error: &tera::Error) -> Error {
    use std::error::Error as _;
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Template {
        name: name.to_string(),
        message,
    }
}

/// Renders template `name` for `derivation` into `out`, adding `extra` values to the context
/// (the exam's `variant` and `questions`).
pub fn render_with(
    engine: &Engine,
    derivation: &Derivation,
    layout: &Layout,
    name: &str,
    extra: serde_json::Map<String, serde_json::Value>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let markdown = name.ends_with(".md.tera");
    let views = Views::new(derivation, layout, markdown, engine);
    let view = context(&views, markdown, layout);
    let mut context = tera::Context::from_serialize(&view).map_err(|e| template_error(name, &e))?;
    drop(view);
    for (key, value) in extra {
        context.insert(key, &value);
    }
    let pending = std::mem::take(&mut *views.pending.lock().unwrap_or_else(|p| p.into_inner()));
    // A user's chain template is tried on one chain before anything is written, so that a
    // broken one (an unknown variable, a typo) fails with no output at all.
    if !engine.builtin_chain {
        views.write_chain(&derivation.loss[0], None, 0.0, &mut String::new());
        if let Some(error) = views.take_template_error() {
            return Err(error);
        }
    }
    let mut recorded = Recorded { out, error: None };
    let mut splicer = Splicer {
        out: &mut recorded,
        views: &views,
        pending: &pending,
        held: Vec::new(),
    };
    let rendered = match engine.tera.render_to(name, &context, &mut splicer) {
        Ok(()) => splicer.finish().map_err(output_error),
        Err(e) => Err(match e.kind() {
            tera::ErrorKind::Io(kind) => output_error(std::io::Error::new(*kind, e.to_string())),
            _ => template_error(name, &e),
        }),
    };
    drop(pending);
    if let Some(error) = views.take_template_error() {
        return Err(error);
    }
    // The writer's own error says what went wrong (`No space left on device`); Tera passes on
    // only its kind.
    match recorded.error {
        Some(e) => Err(output_error(e)),
        None => rendered,
    }
}

/// A writer that keeps the first error of the one it wraps, message and all.
struct Recorded<'o> {
    out: &'o mut dyn Write,
    error: Option<std::io::Error>,
}

impl Recorded<'_> {
    fn record<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        result.map_err(|e| {
            let copy = std::io::Error::new(e.kind(), e.to_string());
            self.error.get_or_insert(e);
            copy
        })
    }
}

impl Write for Recorded<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.out.write(buf);
        self.record(result)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let result = self.out.write_all(buf);
        self.record(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.out.flush();
        self.record(result)
    }
}

/// Passes the rendered template through to `out`, writing each block's rows where the
/// template put its marker (`\u{1}block N\u{1}`). Templates never see the rows, and the rows
/// are made only when they are written.
struct Splicer<'o, 'v, 'a> {
    out: &'o mut dyn Write,
    views: &'v Views<'a>,
    pending: &'v [Pending<'a>],
    /// Bytes that may be the start of a marker, held until it is clear whether they are.
    held: Vec<u8>,
}

impl<'v, 'a> Splicer<'_, 'v, 'a> {
    const EDGE: u8 = 1;
    const NAME: &'static [u8] = b"block ";
    /// Longer than any marker: held bytes this long are not one.
    const LONGEST: usize = 32;

    fn marker(index: usize) -> String {
        format!("\u{1}block {index}\u{1}")
    }

    /// The block `held` (a whole `\u{1}…\u{1}`) stands for, if it is a marker.
    fn block(held: &[u8], pending: &'v [Pending<'a>]) -> Option<&'v Pending<'a>> {
        let inner = held
            .strip_prefix(&[Self::EDGE])?
            .strip_suffix(&[Self::EDGE])?;
        let digits = inner.strip_prefix(Self::NAME)?;
        let index: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
        pending.get(index)
    }

    /// Writes out what is held and the rest of the output.
    fn finish(mut self) -> std::io::Result<()> {
        self.out.write_all(&self.held)?;
        self.held.clear();
        self.out.flush()
    }
}

impl Write for Splicer<'_, '_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            if self.held.is_empty() {
                // Plain text up to the next possible marker passes straight through.
                match rest.iter().position(|&b| b == Self::EDGE) {
                    None => {
                        self.out.write_all(rest)?;
                        break;
                    }
                    Some(at) => {
                        self.out.write_all(&rest[..at])?;
                        self.held.push(Self::EDGE);
                        rest = &rest[at + 1..];
                    }
                }
                continue;
            }
            // Inside a possible marker: take bytes up to and including its closing edge.
            let end = rest.iter().position(|&b| b == Self::EDGE);
            let take = end.map_or(rest.len(), |at| at + 1);
            self.held.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if end.is_some() {
                if let Some(pending) = Self::block(&self.held, self.pending) {
                    self.views.write_block(pending, self.out)?;
                    self.held.clear();
                } else {
                    // Not a marker; its closing edge may open the next one.
                    let text_end = self.held.len() - 1;
                    self.out.write_all(&self.held[..text_end])?;
                    self.held.clear();
                    self.held.push(Self::EDGE);
                }
            } else if self.held.len() > Self::LONGEST {
                self.out.write_all(&self.held)?;
                self.held.clear();
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// [`render_with`] into a string.
pub fn render_string(
    engine: &Engine,
    derivation: &Derivation,
    layout: &Layout,
    name: &str,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<String, Error> {
    let mut out = Vec::new();
    render_with(engine, derivation, layout, name, extra, &mut out)?;
    utf8(out, name)
}

/// Writes the built-in templates into `dir` (created if needed), all or nothing: templates
/// already there are refused before anything is written, or with `force` replaced.
pub fn export_templates(dir: &Path, force: bool) -> Result<Vec<std::path::PathBuf>, Error> {
    let files: Vec<(&str, &[u8])> = TEMPLATES
        .iter()
        .map(|(name, text)| (*name, text.as_bytes()))
        .collect();
    crate::output::write_files_atomically(dir, &files, force)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `text` to a splicer in the pieces `cuts` makes; what comes out.
    fn spliced<'a>(
        views: &Views<'a>,
        pending: &[Pending<'a>],
        text: &str,
        cuts: &[usize],
    ) -> String {
        let mut out = Vec::new();
        let mut splicer = Splicer {
            out: &mut out,
            views,
            pending,
            held: Vec::new(),
        };
        let mut from = 0;
        for &cut in cuts.iter().chain([&text.len()]) {
            splicer.write_all(&text.as_bytes()[from..cut]).unwrap();
            from = cut;
        }
        splicer.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn markers_become_their_rows_however_the_text_is_cut() {
        let text = include_str!("../../examples/article.nn");
        let network = crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap();
        let derivation = crate::derivation::derive(&network, Default::default()).unwrap();
        let engine = engine(None).unwrap();
        let views = Views::new(&derivation, &Layout::default(), false, &engine);
        let block = views.chains(&derivation.loss);
        assert_eq!(block.rows, "\u{1}block 0\u{1}");
        let pending = std::mem::take(&mut *views.pending.lock().unwrap());
        let mut rows = Vec::new();
        views.write_block(&pending[0], &mut rows).unwrap();
        let rows = String::from_utf8(rows).unwrap();
        assert!(rows.starts_with("E&=&\\frac{1}{2}"), "{rows}");

        // Not markers: an unknown block, a lone edge, text between edges, a long run.
        let others = "\u{1}block 7\u{1} \u{1}x\u{1}\u{1}block\u{1} \u{1}";
        let long = format!("\u{1}{}", "y".repeat(40));
        // A stray edge right before a marker does not hide it.
        let input = format!(
            "a {} b {others} c {long} d \u{1}{} e \u{1}junk{} f",
            block.rows, block.rows, block.rows
        );
        let expected = format!("a {rows} b {others} c {long} d \u{1}{rows} e \u{1}junk{rows} f");
        assert_eq!(spliced(&views, &pending, &input, &[]), expected);
        let every_byte: Vec<usize> = (1..input.len()).collect();
        assert_eq!(spliced(&views, &pending, &input, &every_byte), expected);
        for cut in 1..input.len() {
            assert_eq!(
                spliced(&views, &pending, &input, &[cut]),
                expected,
                "cut at {cut}"
            );
        }
    }
}
