//! The command line: arguments → pipeline → files, and errors → messages and exit codes.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::commands::exam::{MoodleKind, Tolerance};
use crate::derivation::{Carry, Options};
use crate::error::{Error, Source};
use crate::math::number::Rounding;
use crate::model::Limits;
use crate::output::{self, write_output};
use crate::render::{self, Env, Flavor, Form, Format, Lang, Layout, View};
use crate::Settings;

/// Writes the complete worked backpropagation of a small neural network.
#[derive(Parser, Debug)]
#[command(name = "backprop-tex", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Derive the forward pass, loss, every gradient and every update of a `.nn` file.
    Derive(DeriveArgs),
    /// Validate a `.nn` file and check every gradient against central finite differences.
    Check(CheckArgs),
    /// Make N variants of the problem: questions, answer key, Moodle and Canvas quizzes, each
    /// variant's file.
    Exam(ExamArgs),
    /// Check a student's hand calculation: each answer correct, following from their own
    /// earlier answers (error carried forward) or wrong; exit 3 when some are not correct.
    Grade(GradeArgs),
    /// Work a formula's computational graph: forward values, backward gradients node by
    /// node, every partial derivative (`graph "(x+y)*z" --at x=-2,y=5,z=-4`).
    Graph(GraphArgs),
    /// Write a random valid `.nn` file of the given sizes (for benchmarks and stress tests).
    Gen(GenArgs),
    /// Work with the built-in templates.
    Templates {
        #[command(subcommand)]
        action: TemplatesAction,
    },
}

#[derive(clap::Args, Debug)]
struct DeriveArgs {
    /// The network description (`.nn`); `-` reads standard input.
    file: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Latex)]
    format: FormatArg,
    /// Write to this file instead of standard output (only when everything succeeded; `-`: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Significant digits of the numbers shown.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=17))]
    digits: u32,
    /// Carry full-precision values from row to row (exact), or each value as shown (rounded).
    #[arg(long, value_enum, default_value_t = CarryArg::Exact)]
    carry: CarryArg,
    /// How an exact number exactly half-way at the last shown digit is rounded (and carried):
    /// half-up takes ties away from zero (1.2345 → 1.235, -1.2345 → -1.235), half-even to the
    /// even digit (1.2345 → 1.234). Other numbers round to their nearest.
    #[arg(long, value_enum, default_value_t = RoundingArg::HalfUp)]
    rounding: RoundingArg,
    /// A directory whose templates override the built-in ones, file by file.
    #[arg(long)]
    templates: Option<PathBuf>,
    /// The language of the prose and headings (ja: the article's; documents use lualatex).
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,
    /// The LaTeX environment of the rows.
    #[arg(long, value_enum, default_value_t = EnvArg::Eqnarray)]
    env: EnvArg,
    /// Element by element, in matrix form, or both.
    #[arg(long, value_enum, default_value_t = FormArg::Elements)]
    form: FormArg,
    /// Where the Markdown goes (how math is fenced).
    #[arg(long, value_enum, default_value_t = FlavorArg::Qiita)]
    flavor: FlavorArg,
    /// Leave out the drawing of the network.
    #[arg(long)]
    no_diagram: bool,
    /// Layer by layer, as a computational graph (the first sample's first step, node by
    /// node), or both.
    #[arg(long, value_enum, default_value_t = ViewArg::Layers)]
    view: ViewArg,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    input: InputArgs,
}

/// Caps that keep a file from asking for hours of work; raise them when you mean it.
#[derive(clap::Args, Debug)]
struct LimitArgs {
    /// The most layers a network may have.
    #[arg(long, value_name = "N", default_value_t = Limits::default().layers)]
    max_layers: usize,
    /// The most units a layer (or the input) may have.
    #[arg(long, value_name = "N", default_value_t = Limits::default().units)]
    max_units: usize,
    /// The most SGD steps.
    #[arg(long, value_name = "N", default_value_t = Limits::default().steps)]
    max_steps: u32,
    /// The most training samples.
    #[arg(long, value_name = "N", default_value_t = Limits::default().samples)]
    max_samples: usize,
    /// The most gradients derived in all (weights and biases × steps × samples).
    #[arg(long, value_name = "N", default_value_t = Limits::default().gradients)]
    max_gradients: usize,
}

/// The cap on the file a command reads (`gen` reads none).
#[derive(clap::Args, Debug)]
struct InputArgs {
    /// The largest input file, in bytes; reading stops there.
    #[arg(long, value_name = "N", default_value_t = crate::syntax::input::DEFAULT_MAX_INPUT_BYTES)]
    max_input_bytes: u64,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            layers: self.max_layers,
            units: self.max_units,
            steps: self.max_steps,
            samples: self.max_samples,
            gradients: self.max_gradients,
        }
    }
}

#[derive(clap::Args, Debug)]
struct GraphArgs {
    /// The formula, in the `.nn` formula language: `+ - * / ^`, exp, log, sqrt, tanh,
    /// sigmoid, softplus, sin, cos, abs; every name is a variable.
    #[arg(allow_hyphen_values = true)]
    formula: String,
    /// The value of every variable: `x=-2,y=5,z=-4`.
    #[arg(long, allow_hyphen_values = true, default_value = "")]
    at: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = GraphFormatArg::Latex)]
    format: GraphFormatArg,
    /// Write to this file instead of standard output (a Markdown post gets its SVG beside it).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Significant digits of the numbers shown.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=17))]
    digits: u32,
    /// How an exact number exactly half-way at the last shown digit is rounded.
    #[arg(long, value_enum, default_value_t = RoundingArg::HalfUp)]
    rounding: RoundingArg,
    /// The language of the prose and headings (ja: the textbook's 乗算ノード, 加算ノード, …;
    /// documents use lualatex).
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,
    /// The LaTeX environment of the rows (Markdown's are `aligned`).
    #[arg(long, value_enum, default_value_t = EnvArg::Eqnarray)]
    env: EnvArg,
    /// Where the Markdown goes (how math is fenced).
    #[arg(long, value_enum, default_value_t = FlavorArg::Qiita)]
    flavor: FlavorArg,
}

#[derive(clap::Args, Debug)]
struct GenArgs {
    /// Units per layer, input first: 784,100,10.
    #[arg(long, value_delimiter = ',', required = true)]
    sizes: Vec<usize>,
    /// The random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Activations per layer (the last one repeats): sigmoid,identity.
    #[arg(long, value_delimiter = ',')]
    acts: Vec<String>,
    /// Give every layer a bias.
    #[arg(long)]
    bias: bool,
    /// Write to this file instead of standard output (`-`: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(clap::Args, Debug)]
struct ExamArgs {
    /// The network description, with `vary` (and optionally `ask`) statements.
    file: PathBuf,
    /// How many variants.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    variants: u32,
    /// The random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The directory to write into: created, or empty (or, with --force, an exam bundle).
    #[arg(short, long)]
    output: PathBuf,
    /// Replace the exam bundle already in the output directory, as a whole.
    #[arg(long)]
    force: bool,
    /// Significant digits shown and asked for.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=17))]
    digits: u32,
    /// How the answer key carries values from row to row.
    #[arg(long, value_enum, default_value_t = CarryArg::Exact)]
    carry: CarryArg,
    /// How an exact number exactly half-way at the last shown digit is rounded (and carried):
    /// half-up takes ties away from zero, half-even to the even digit.
    #[arg(long, value_enum, default_value_t = RoundingArg::HalfUp)]
    rounding: RoundingArg,
    /// The language of the sheets (ja: compile with lualatex).
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,
    /// Leave out the drawing of the network.
    #[arg(long)]
    no_diagram: bool,
    /// The Moodle questions: one numerical question per asked number, or one Cloze question
    /// per variant.
    #[arg(long, value_enum, default_value_t = MoodleArg::Numerical)]
    moodle: MoodleArg,
    /// What Moodle and Canvas accept around each answer: `0.5%` of it, or `0.001` either side.
    /// By default half a unit of the last asked digit, widened by what carrying the shown
    /// values changes, at most 1 % of the answer.
    #[arg(long, value_name = "T", value_parser = parse_exam_tolerance)]
    tolerance: Option<Tolerance>,
    /// A directory whose templates override the built-in ones, file by file.
    #[arg(long)]
    templates: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    input: InputArgs,
}

/// An exam's tolerance: a percentage of the answer (`0.5%`, more than 0 and at most 100) or
/// an absolute one (`0.001`, more than 0).
fn parse_exam_tolerance(text: &str) -> Result<Tolerance, String> {
    let refuse = || {
        format!(
            "`{text}` is not a tolerance: give a percentage of the answer such as 0.5% (more \
             than 0, at most 100%) or an amount either side such as 0.001 (more than 0)"
        )
    };
    let (number, percent) = match text.trim().strip_suffix('%') {
        Some(number) => (number, true),
        None => (text.trim(), false),
    };
    let value: f64 = number.trim().parse().map_err(|_| refuse())?;
    if !value.is_finite() || value <= 0.0 || (percent && value > 100.0) {
        return Err(refuse());
    }
    Ok(if percent {
        Tolerance::Relative(value / 100.0)
    } else {
        Tolerance::Absolute(value)
    })
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// The network description (`.nn`); `-` reads standard input.
    file: PathBuf,
    /// The relative tolerance T. A printed gradient g passes when |g - d| <= T·max(|g|, |d|,
    /// 0.001) + e, where d is its central finite difference (Ridders-extrapolated when the plain
    /// one disagrees) and e the bound of d's own error: the extrapolation's error estimate and
    /// the rounding of the loss E, 16·ε·|E| / h.
    #[arg(long, default_value_t = 1e-6, value_parser = parse_tolerance)]
    tolerance: f64,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(clap::Args, Debug)]
struct GradeArgs {
    /// The network description (`.nn`), an exam variant's file too.
    file: PathBuf,
    /// Answer files, one `NAME = value` a line (`grade FILE --sheet` writes a blank one).
    #[arg(required_unless_present = "sheet", conflicts_with = "sheet")]
    answers: Vec<PathBuf>,
    /// Write a blank answer file listing every name in the order of the derivation: always
    /// the answer file's text (the report's options `--format`, `--env` and `--csv` are
    /// refused with it).
    #[arg(long)]
    sheet: bool,
    /// Which carried values make an answer correct at the digits written: the true values
    /// (exact), the values carried rounded to those digits (rounded), or either.
    #[arg(long, value_enum, default_value_t = GradeCarryArg::Either, conflicts_with = "sheet")]
    carry: GradeCarryArg,
    /// The report: readable text, JSON (one object per answer), or a marked worked solution
    /// in LaTeX.
    #[arg(short, long, value_enum, default_value_t = GradeFormatArg::Text, conflicts_with = "sheet")]
    format: GradeFormatArg,
    /// Also write the class's marks as CSV: one row per answer file, one column per name.
    #[arg(long, value_name = "PATH", conflicts_with = "sheet")]
    csv: Option<PathBuf>,
    /// Write the report (or the sheet) to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Significant digits of the worked rows in the LaTeX (answers are judged at their own).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=17))]
    digits: u32,
    /// How a tie at the last digit is rounded (see `derive --rounding`).
    #[arg(long, value_enum, default_value_t = RoundingArg::HalfUp)]
    rounding: RoundingArg,
    /// The language of the report, the sheet's comments and the marked solution (ja: compile
    /// it with lualatex). Names and JSON stay as they are.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,
    /// The LaTeX environment of the marked solution's rows, eqnarray unless given (with
    /// `--format latex` only).
    #[arg(long, value_enum, conflicts_with = "sheet")]
    env: Option<EnvArg>,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum GradeCarryArg {
    Exact,
    Rounded,
    Either,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum GradeFormatArg {
    Text,
    Json,
    Latex,
}

/// Clap's copy of one of render's plain enums (only `cli` knows clap): the same variants and
/// the same help, mapped onto it.
macro_rules! value_enum {
    ($(#[$doc:meta])* $arg:ident => $target:ident {
        $($(#[$variant_doc:meta])* $variant:ident,)*
    }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
        enum $arg {
            $($(#[$variant_doc])* $variant,)*
        }

        impl From<$arg> for $target {
            fn from(arg: $arg) -> $target {
                match arg {
                    $($arg::$variant => $target::$variant,)*
                }
            }
        }
    };
}

value_enum! {
    /// The output formats.
    FormatArg => Format {
        /// The derivation as a LaTeX body, to `\input` into a document.
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
}

value_enum! {
    /// The output formats of `graph` (the same names as `derive`'s, said of a graph).
    GraphFormatArg => Format {
        /// The picture, the forward and the backward rows as a LaTeX body, to `\input` into a
        /// document with amsmath and tikz.
        Latex,
        /// A complete LaTeX document: pdflatex in English, lualatex with --lang ja.
        Document,
        /// Markdown for a blog (Qiita, Zenn, GitHub): the rows in KaTeX-compatible math blocks,
        /// the picture as an SVG beside the post (with -o).
        Markdown,
        /// `{"value", "partials", "graph"}` at full precision.
        Json,
        /// The graph's picture alone, as SVG.
        Svg,
    }
}

value_enum! {
    /// The kind of Moodle question the exam is written as.
    MoodleArg => MoodleKind {
        /// One numerical question per asked number, in a category per position.
        Numerical,
        /// One Cloze (embedded answers) question per variant, a blank per asked number.
        Cloze,
    }
}

value_enum! {
    /// The language of the prose and headings.
    LangArg => Lang {
        En,
        /// Japanese, with the article's headings; documents compile with lualatex (luatexja).
        Ja,
    }
}

value_enum! {
    /// The LaTeX environment of each block of rows.
    EnvArg => Env {
        /// `eqnarray*`, the article's.
        Eqnarray,
        /// amsmath's `align*`.
        Align,
    }
}

value_enum! {
    /// Element by element, in matrix form, or both.
    FormArg => Form {
        Elements,
        Matrix,
        Both,
    }
}

value_enum! {
    /// Which view of the training step `derive` writes.
    ViewArg => View {
        /// Layer by layer: forward pass, loss, δ, gradients, updates.
        Layers,
        /// The network as a computational graph, its backward pass node by node.
        Graph,
        /// The layer view, then the graph view, in one document.
        Both,
    }
}

value_enum! {
    /// Where the Markdown goes: how its math blocks are fenced.
    FlavorArg => Flavor {
        /// Qiita: ```` ```math ```` blocks.
        Qiita,
        /// Zenn: `$$` blocks.
        Zenn,
        /// GitHub: `$$` blocks.
        Github,
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum CarryArg {
    Exact,
    Rounded,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum RoundingArg {
    HalfUp,
    HalfEven,
}

impl From<RoundingArg> for Rounding {
    fn from(arg: RoundingArg) -> Rounding {
        match arg {
            RoundingArg::HalfUp => Rounding::HalfUp,
            RoundingArg::HalfEven => Rounding::HalfEven,
        }
    }
}

#[derive(Subcommand, Debug)]
enum TemplatesAction {
    /// Write the built-in templates into DIR, to edit and use with `--templates DIR`.
    Export {
        /// The directory to write into (created if needed). All files or none are written.
        dir: PathBuf,
        /// Replace templates that are already in DIR (otherwise they are refused, and nothing is written).
        #[arg(long)]
        force: bool,
    },
}

/// A tolerance is a finite number of at least 0 (so `nan` cannot make every check pass).
fn parse_tolerance(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(format!(
            "`{text}` is not a tolerance: give a number of at least 0, such as 1e-6"
        )),
    }
}

/// The graph's settings from the options `graph` and `derive --view graph` share by name.
macro_rules! graph_settings {
    ($args:expr) => {
        crate::commands::graph::GraphSettings {
            format: $args.format.into(),
            lang: $args.lang.into(),
            env: $args.env.into(),
            flavor: $args.flavor.into(),
            digits: $args.digits,
            rounding: $args.rounding.into(),
            output: $args.output.as_deref(),
        }
    };
}

/// Runs the command line and returns the exit status: 0 success, 1 bad input, 2 usage, 3 when
/// `grade` finds answers that are not correct.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // Help and the version go to standard output, usage errors to standard error.
        Err(error) if !error.use_stderr() => {
            return match output::print(&error.render().to_string()) {
                Ok(()) => error.exit_code(),
                Err(failed) => {
                    let _ = write!(std::io::stderr(), "{}", failed.render(None));
                    1
                }
            };
        }
        Err(error) => {
            let _ = error.print();
            return error.exit_code();
        }
    };
    if let Some(message) = match &cli.command {
        Command::Derive(args) => derive_conflict(args),
        Command::Grade(args) if args.env.is_some() && args.format != GradeFormatArg::Latex => {
            Some("`--env` sets the marked solution's rows: it needs `--format latex`")
        }
        _ => None,
    } {
        use clap::CommandFactory;
        let error = Cli::command().error(clap::error::ErrorKind::ArgumentConflict, message);
        let _ = error.print();
        return error.exit_code();
    }
    let mut source = None;
    let result = match cli.command {
        Command::Derive(args) => derive(&args, &mut source),
        Command::Check(args) => check(&args, &mut source),
        Command::Exam(args) => exam(&args, &mut source),
        Command::Grade(args) => match grade(&args, &mut source) {
            Ok(Graded::AllCorrect) => Ok(()),
            Ok(Graded::NotAllCorrect) => return 3,
            Ok(Graded::SomeUnmarked) => return 1,
            Err(error) => Err(error),
        },
        Command::Graph(args) => graph(&args, &mut source),
        Command::Gen(args) => {
            let limits = args.limits.limits();
            crate::commands::gen::generate(&args.sizes, &args.acts, args.bias, args.seed, &limits)
                .and_then(|text| write_output(args.output.as_deref(), |out| write_all(out, &text)))
        }
        Command::Templates {
            action: TemplatesAction::Export { dir, force },
        } => export(&dir, force),
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            // Nothing is left to tell if standard error fails too.
            let _ = write!(std::io::stderr(), "{}", error.render(source.as_ref()));
            1
        }
    }
}

fn derive(args: &DeriveArgs, source: &mut Option<Source>) -> Result<(), Error> {
    output::refuse_same_file(&args.file, args.output.as_deref())?;
    if let Some(dir) = &args.templates {
        render::templates_dir(dir)?;
    }
    let loaded = read_source(&args.file, &args.input)?;
    let loaded = source.insert(loaded);
    if let Some((worked, span)) =
        crate::commands::graph::of_file(&loaded.text, &args.limits.limits())?
    {
        return derive_graph(args, &worked, span);
    }
    let settings = Settings {
        options: Options {
            digits: args.digits,
            carry: match args.carry {
                CarryArg::Exact => Carry::Exact,
                CarryArg::Rounded => Carry::Rounded,
            },
            rounding: args.rounding.into(),
        },
        format: args.format.into(),
        layout: Layout {
            lang: args.lang.into(),
            env: args.env.into(),
            form: args.form.into(),
            flavor: args.flavor.into(),
            diagram: !args.no_diagram,
            view: args.view.into(),
        },
        templates: args.templates.clone(),
        limits: args.limits.limits(),
    };
    if settings.layout.view != View::Layers {
        return derive_view(args, &loaded.text, &settings);
    }
    let side = args
        .output
        .as_deref()
        .filter(|_| args.format == FormatArg::Markdown && !args.no_diagram)
        .filter(|path| output::is_file(path))
        .map(figure_path);
    let Some((output, figure)) = args.output.as_deref().zip(side) else {
        // Standard output or a device: the post says in a comment how to make its drawing.
        return write_output(args.output.as_deref(), |out| {
            crate::derive_to(&loaded.text, &settings, out)
        });
    };
    output::refuse_same_file(&args.file, Some(&figure))?;
    let name = figure
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::with_derivation(&loaded.text, &settings, |derivation| {
        let svg = render::svg(derivation, settings.layout.lang);
        output::write_output_with_side(
            output,
            |out| {
                render::render_post(
                    derivation,
                    &settings.layout,
                    settings.templates.as_deref(),
                    Some(&markdown_link(&name)),
                    out,
                )
            },
            &figure,
            svg.as_bytes(),
        )
    })
}

/// `derive --view graph|both`: as the layer view, and a Markdown post written to a file gets
/// its graph's SVG beside it (`post-graph.svg`), with `both` the network's too.
fn derive_view(args: &DeriveArgs, text: &str, settings: &crate::Settings) -> Result<(), Error> {
    let post = args
        .output
        .as_deref()
        .filter(|_| args.format == FormatArg::Markdown)
        .filter(|path| output::is_file(path));
    let Some(post) = post else {
        return write_output(args.output.as_deref(), |out| {
            crate::derive_to(text, settings, out)
        });
    };
    let graph_figure = graph_figure_path(post);
    let network_figure =
        (settings.layout.view == View::Both && !args.no_diagram).then(|| figure_path(post));
    for figure in std::iter::once(&graph_figure).chain(&network_figure) {
        output::refuse_same_file(&args.file, Some(figure))?;
    }
    let link = |p: &Path| {
        markdown_link(
            &p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        )
    };
    crate::with_derivation(text, settings, |derivation| {
        let view = render::graphview::GraphView::new(derivation, settings.layout.lang)?;
        if let Some(figure) = &network_figure {
            let svg = render::svg(derivation, settings.layout.lang);
            write_output(Some(figure), |out| write_all(out, &svg))?;
        }
        let names = (network_figure.as_deref().map(link), link(&graph_figure));
        output::write_output_with_side(
            post,
            |out| {
                render::graphview::render_view(
                    derivation,
                    Format::Markdown,
                    &settings.layout,
                    settings.templates.as_deref(),
                    (names.0.as_deref(), Some(&names.1)),
                    out,
                )
            },
            &graph_figure,
            view.svg().as_bytes(),
        )
    })
}

/// The options `derive` refuses together (exit 2) rather than ignore one: `-f svg` is the
/// drawing alone; the graph view's rows carry exact values from node to node, it is not
/// templated, it has no matrix form, its document is its drawing, and `-f svg` writes one
/// drawing, not two.
fn derive_conflict(args: &DeriveArgs) -> Option<&'static str> {
    let graph = args.view == ViewArg::Graph;
    let any = args.view != ViewArg::Layers;
    let conflicts = [
        (
            args.format == FormatArg::Svg && args.no_diagram,
            "`-f svg` writes the drawing alone, so `--no-diagram` would leave nothing",
        ),
        (
            any && matches!(args.carry, CarryArg::Rounded),
            "`--carry rounded` is for the layer view: the graph view carries each node's exact \
             value to the next, so its rows would disagree with the layer view's",
        ),
        (
            graph && args.templates.is_some(),
            "`--templates` shapes the layer view: the graph view is not templated",
        ),
        (
            graph && args.form != FormArg::Elements,
            "`--form` shapes the layer view's rows: the graph view writes one row per node",
        ),
        (
            graph && args.no_diagram,
            "`--no-diagram` with `--view graph` would leave out the graph itself",
        ),
        (
            args.view == ViewArg::Both && args.format == FormatArg::Svg,
            "`-f svg` writes one drawing: use `--view layers` or `--view graph` with it",
        ),
    ];
    conflicts
        .into_iter()
        .find(|(given, _)| *given)
        .map(|(_, message)| message)
}

/// The graph's drawing beside a Markdown post: `post.md` → `post-graph.svg`.
fn graph_figure_path(post: &Path) -> PathBuf {
    let stem = post.file_stem().unwrap_or(post.as_os_str());
    let mut name = stem.to_os_string();
    name.push("-graph.svg");
    post.with_file_name(name)
}

/// `derive` on a graph file: written as `graph` writes it. The options that shape a
/// network's rows have nothing to shape here, and are refused rather than ignored.
fn derive_graph(
    args: &DeriveArgs,
    worked: &crate::graph::Worked,
    span: crate::error::Span,
) -> Result<(), Error> {
    let network_only = [
        (matches!(args.carry, CarryArg::Rounded), "--carry rounded"),
        (args.form != FormArg::Elements, "--form"),
        (args.templates.is_some(), "--templates"),
        (args.no_diagram, "--no-diagram"),
    ];
    if let Some((_, option)) = network_only.iter().find(|(given, _)| *given) {
        return Err(Error::Graph {
            fault: crate::error::GraphFault::NetworkOption(option),
            span,
        });
    }
    crate::commands::graph::write(worked, &graph_settings!(args))
}

/// The drawing beside a Markdown post: `post.md` → `post-network.svg`, in the same directory.
fn figure_path(post: &Path) -> PathBuf {
    let stem = post.file_stem().unwrap_or(post.as_os_str());
    let mut name = stem.to_os_string();
    name.push("-network.svg");
    post.with_file_name(name)
}

/// A file name as a Markdown link target: percent-encoded where Markdown or a URL would
/// read it otherwise (spaces, brackets, `%`, non-ASCII).
fn markdown_link(name: &str) -> String {
    let mut out = String::new();
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn write_all(out: &mut dyn Write, text: &str) -> Result<(), Error> {
    out.write_all(text.as_bytes())
        .map_err(|source| Error::Write {
            path: String::new(),
            source,
        })
}

fn graph(args: &GraphArgs, source: &mut Option<Source>) -> Result<(), Error> {
    let settings = graph_settings!(args);
    crate::commands::graph::run(&args.formula, &args.at, &settings, source)
}

fn exam(args: &ExamArgs, source: &mut Option<Source>) -> Result<(), Error> {
    let loaded = source.insert(read_source(&args.file, &args.input)?);
    let limits = args.limits.limits();
    let file = match crate::commands::graph::statement_of_file(&loaded.text, &limits)? {
        Some(statement) => Err(statement),
        None => Ok(crate::check::network_from_text(&loaded.text, &limits)?),
    };
    let settings = crate::commands::exam::ExamSettings {
        variants: args.variants as usize,
        seed: args.seed,
        out: args.output.clone(),
        options: Options {
            digits: args.digits,
            carry: match args.carry {
                CarryArg::Exact => Carry::Exact,
                CarryArg::Rounded => Carry::Rounded,
            },
            rounding: args.rounding.into(),
        },
        layout: Layout {
            lang: args.lang.into(),
            diagram: !args.no_diagram,
            ..Layout::default()
        },
        templates: args.templates.clone(),
        force: args.force,
        moodle: args.moodle.into(),
        tolerance: args.tolerance.unwrap_or_default(),
    };
    output::stdout()?;
    // A network's file, or (Err) a graph's.
    let written = match &file {
        Err(statement) => {
            let network_only = [
                (matches!(args.carry, CarryArg::Rounded), "--carry rounded"),
                (args.templates.is_some(), "--templates"),
            ];
            if let Some((_, option)) = network_only.iter().find(|(given, _)| *given) {
                return Err(Error::Graph {
                    fault: crate::error::GraphFault::NetworkOption(option),
                    span: statement.span,
                });
            }
            crate::commands::exam::write_graph_exam(statement, &loaded.text, &settings)?
        }
        Ok(network) => crate::commands::exam::write_exam(network, &settings)?,
    };
    output::print(&format!(
        "wrote {} files into {}\n",
        written.len(),
        args.output.display()
    ))
}

/// What `grade` found, the worst of its answer files: the exit status says it.
enum Graded {
    /// Every answer correct (or the sheet written): 0.
    AllCorrect,
    /// Some answers not correct: 3.
    NotAllCorrect,
    /// An answer file that could not be read or marked (its error told): 1.
    SomeUnmarked,
}

/// Each answer file marked; one that cannot be read or marked is told on standard error, as
/// an error of one file would be, and the others are still marked.
fn mark_class(
    grader: &mut crate::commands::grade::Grader,
    args: &GradeArgs,
) -> (Vec<crate::commands::grade::Marked>, bool) {
    let mut class = Vec::with_capacity(args.answers.len());
    let mut unmarked = false;
    for path in &args.answers {
        let (error, source) = match read_source(path, &args.input) {
            Err(error) => (error, None),
            Ok(answers) => match grader.mark(&answers) {
                Ok(marked) => {
                    class.push(marked);
                    continue;
                }
                Err(error) => (error, Some(answers)),
            },
        };
        unmarked = true;
        let _ = write!(std::io::stderr(), "{}", error.render(source.as_ref()));
    }
    (class, unmarked)
}

/// The report of `class` in the format asked for.
fn grade_report(
    grader: &crate::commands::grade::Grader,
    class: &[crate::commands::grade::Marked],
    args: &GradeArgs,
) -> String {
    use crate::commands::grade;
    match args.format {
        GradeFormatArg::Text => {
            use std::io::IsTerminal;
            let colour = args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            class
                .iter()
                .map(|marked| grade::text(grader, marked, colour, args.lang.into()))
                .collect::<Vec<_>>()
                .join("\n")
        }
        GradeFormatArg::Json => {
            // Several answer files give an array, however many of them were marked.
            let mut value = match class {
                [one] if args.answers.len() == 1 => grade::json(grader, one),
                many => {
                    serde_json::Value::Array(many.iter().map(|m| grade::json(grader, m)).collect())
                }
            }
            .to_string();
            value.push('\n');
            value
        }
        GradeFormatArg::Latex => {
            let env = args.env.unwrap_or(EnvArg::Eqnarray);
            grade::latex(grader, class, args.lang.into(), env.into())
        }
    }
}

/// `grade`: the sheet, or every answer file marked; what it found.
fn grade(args: &GradeArgs, source: &mut Option<Source>) -> Result<Graded, Error> {
    use crate::commands::grade::{self, Check, Grader};
    // Neither the network nor an answer file is ever written over, nor one output by the other.
    for input in std::iter::once(&args.file).chain(&args.answers) {
        output::refuse_same_file(input, args.output.as_deref())?;
        output::refuse_same_file(input, args.csv.as_deref())?;
    }
    if let (Some(report), Some(marks)) = (&args.output, &args.csv) {
        output::refuse_two_outputs_in_one(report, marks)?;
    }
    let loaded = source.insert(read_source(&args.file, &args.input)?);
    let name = loaded.name.clone();
    let network = crate::check::network_from_text(&loaded.text, &args.limits.limits())?;
    let options = Options {
        digits: args.digits,
        carry: Carry::Exact,
        rounding: args.rounding.into(),
    };
    let check = match args.carry {
        GradeCarryArg::Exact => Check::Exact,
        GradeCarryArg::Rounded => Check::Rounded,
        GradeCarryArg::Either => Check::Either,
    };
    let mut grader = Grader::new(&network, options, check)?;
    if args.sheet {
        // A filled-in answer file is a student's work: a sheet is never written over it.
        // (A file that cannot be read as text holds no answers.)
        let existing = (args.output.as_deref().filter(|p| p.is_file()))
            .and_then(|path| read_source(path, &args.input).ok());
        if let Some(span) = existing.as_ref().and_then(grade::first_filled) {
            *source = existing;
            return Err(Error::Answers {
                fault: crate::error::AnswerFault::SheetOverAnswers,
                span,
            });
        }
        let text = grade::sheet(&grader, &name, args.lang.into());
        write_output(args.output.as_deref(), |out| write_all(out, &text))?;
        return Ok(Graded::AllCorrect);
    }
    *source = None;
    let (class, unmarked) = mark_class(&mut grader, args);
    if class.is_empty() {
        return Ok(Graded::SomeUnmarked);
    }
    let report = grade_report(&grader, &class, args);
    if let Some(path) = &args.csv {
        let marks = grade::csv(&grader, &class);
        write_output(Some(path), |out| write_all(out, &marks))?;
    }
    write_output(args.output.as_deref(), |out| write_all(out, &report))?;
    Ok(if unmarked {
        Graded::SomeUnmarked
    } else if class.iter().all(|m| m.all_correct()) {
        Graded::AllCorrect
    } else {
        Graded::NotAllCorrect
    })
}

fn check(args: &CheckArgs, source: &mut Option<Source>) -> Result<(), Error> {
    // `check a.nn >> a.nn` would append the report to the file it checks.
    output::refuse_same_file(&args.file, None)?;
    let loaded = source.insert(read_source(&args.file, &args.input)?);
    let network = crate::check::network_from_text(&loaded.text, &args.limits.limits())?;
    let derivation = crate::derivation::derive(&network, Options::default())?;
    let report = crate::commands::gradcheck::check_gradients(&derivation, args.tolerance)?;
    let (out, verdict) = describe_check(&loaded.name, &report, args.tolerance);
    output::print(&out)?;
    verdict
}

/// One layer's line of `check`'s report.
fn layer_line(layer: &crate::commands::gradcheck::LayerReport, tolerance: f64) -> String {
    let kinks = match layer.at_kinks {
        0 => String::new(),
        n => format!(" ({n} left out at a kink of the activation)"),
    };
    let resolution = if layer.resolution > tolerance.max(1e-12) {
        format!(
            " (the finite differences are good to only {:.1e} here)",
            layer.resolution
        )
    } else {
        String::new()
    };
    format!(
        "  layer {}: {} gradients, largest relative difference {:.1e}{resolution}{kinks}\n",
        layer.layer, layer.compared, layer.largest
    )
}

/// What `check` prints for `report`, and its verdict: every layer, then each mismatch (the
/// first [`SHOWN_MISMATCHES`], and how many more), and an error naming the first.
fn describe_check(
    name: &str,
    report: &crate::commands::gradcheck::Report,
    tolerance: f64,
) -> (String, Result<(), Error>) {
    let mut out =
        format!("{name}: the file is valid; every gradient against central finite differences:\n");
    for layer in &report.layers {
        out.push_str(&layer_line(layer, tolerance));
    }
    let mismatches = &report.mismatches;
    if !mismatches.is_empty() {
        out.push_str(&format!(
            "{} of {} gradients differ from their finite difference d by more than \
             {:.1e}·max(|g|, |d|, {}) + the error bound of d:\n",
            mismatches.len(),
            report.compared,
            tolerance,
            crate::commands::gradcheck::FLOOR
        ));
        for m in mismatches.iter().take(SHOWN_MISMATCHES) {
            out.push_str(&format!(
                "  {} is {} but finite differences give {} ± {:.1e} (relative difference {:.1e})\n",
                m.name,
                m.printed,
                m.finite_difference.value,
                m.finite_difference.error,
                crate::commands::gradcheck::relative_difference(
                    m.printed,
                    m.finite_difference.value
                )
            ));
        }
        if mismatches.len() > SHOWN_MISMATCHES {
            out.push_str(&format!(
                "  … and {} more\n",
                mismatches.len() - SHOWN_MISMATCHES
            ));
        }
    }
    let verdict = match mismatches.first() {
        Some(first) => Err(Error::Verification {
            message: format!(
                "{} is {} but finite differences give {} (relative difference {:.1e}, tolerance \
                 {:.1e}); {} of {} gradients differ, listed above",
                first.name,
                first.printed,
                first.finite_difference.value,
                crate::commands::gradcheck::relative_difference(
                    first.printed,
                    first.finite_difference.value
                ),
                tolerance,
                mismatches.len(),
                report.compared
            ),
        }),
        None => Ok(()),
    };
    (out, verdict)
}

/// The mismatches `check` lists one by one; the rest are counted.
const SHOWN_MISMATCHES: usize = 20;

/// `templates export`: the built-in templates into `dir`, all or nothing, and what was written.
fn export(dir: &Path, force: bool) -> Result<(), Error> {
    // A closed standard output is found before any file is written.
    output::stdout()?;
    let written = render::export_templates(dir, force)?;
    let mut report = String::new();
    for path in written {
        report.push_str(&format!("wrote {}\n", path.display()));
    }
    output::print(&report)
}

/// Reads `path` (or standard input for `-`) as UTF-8 text of at most `input.max_input_bytes`.
fn read_source(path: &Path, input: &InputArgs) -> Result<Source, Error> {
    let limit = input.max_input_bytes;
    if path.as_os_str() == "-" {
        return crate::syntax::input::read("<stdin>", std::io::stdin().lock(), limit);
    }
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: name.clone(),
        source,
    })?;
    crate::syntax::input::read(&name, file, limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::gradcheck::{Estimate, LayerReport, Mismatch, Report};

    #[test]
    fn check_lists_the_first_mismatches_in_order_and_counts_the_rest() {
        let mismatches: Vec<Mismatch> = (1..=25)
            .map(|n| Mismatch {
                name: format!("dE/dw_1{n}^(1) in step 1"),
                printed: 1.0,
                finite_difference: Estimate {
                    value: 2.0,
                    error: 1e-9,
                },
            })
            .collect();
        let report = Report {
            layers: vec![LayerReport {
                layer: 1,
                compared: 30,
                at_kinks: 0,
                largest: 0.5,
                resolution: 1e-3,
                worst: "dE/dw_11^(1) in step 1".into(),
                printed: 1.0,
                finite_difference: 2.0,
            }],
            mismatches,
            compared: 30,
        };
        let (out, verdict) = describe_check("a.nn", &report, 1e-6);
        let listed: Vec<&str> = out.lines().filter(|l| l.contains(" is 1 but")).collect();
        assert_eq!(listed.len(), SHOWN_MISMATCHES);
        assert!(listed[0]
            .starts_with("  dE/dw_11^(1) in step 1 is 1 but finite differences give 2 ± 1.0e-9"));
        assert!(listed[19].starts_with("  dE/dw_120^(1) in step 1"), "{out}");
        assert!(out.ends_with("  … and 5 more\n"), "{out}");
        assert!(out.contains("25 of 30 gradients differ") && out.contains("good to only 1.0e-3"));
        let message = verdict.unwrap_err().to_string();
        assert!(message.starts_with("dE/dw_11^(1) in step 1 is 1 but finite differences give 2"));
        assert!(
            message.ends_with("25 of 30 gradients differ, listed above"),
            "{message}"
        );
        // Nothing differs: nothing listed, and the verdict is a pass.
        let passed = Report {
            mismatches: Vec::new(),
            ..report
        };
        let (out, verdict) = describe_check("a.nn", &passed, 1e-6);
        assert!(
            verdict.is_ok() && !out.contains("gradients differ"),
            "{out}"
        );
    }
}
