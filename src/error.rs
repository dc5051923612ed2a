//! The one error type, and how it is shown to a person.
//!
//! Every problem with an input file carries the span of the text that caused it, and is shown
//! as `error: …`, then `--> file:line:col`, the source line and a caret under the cause — the
//! reader should never have to guess where to look. All errors mean exit status 1.

use std::fmt::Write as _;

use thiserror::Error;
use unicode_width::UnicodeWidthChar;

use crate::chars::{Foreign, Invisible};
use crate::math::number::Decimal;

/// A byte range in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn from_pest(span: pest::Span<'_>) -> Span {
        Span::new(span.start(), span.end())
    }
}

/// A named input text, for locating spans.
#[derive(Clone, Debug)]
pub struct Source {
    /// The path as the user gave it, or `<stdin>`.
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl Source {
    /// The text `text`, read from `name`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_boundary(&self.text, offset);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The text of the line holding byte `offset`, and the byte where that line starts.
    fn line_at(&self, offset: usize) -> (&str, usize) {
        let offset = floor_boundary(&self.text, offset);
        let start = self.text[..offset].rfind('\n').map_or(0, |n| n + 1);
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |n| start + n);
        (self.text[start..end].trim_end_matches('\r'), start)
    }
}

/// Everything that can go wrong.
#[derive(Debug, Error)]
pub enum Error {
    /// The input or template file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file, as the user named it.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// The input is not UTF-8 text; `offset` is the first bad byte of the file, `utf16` says
    /// that it is UTF-16 (Notepad's "Unicode" starts with a byte-order mark; other tools
    /// write none).
    #[error(
        "{path} is not UTF-8 text (invalid byte at offset {offset}){}",
        utf16_note(*utf16)
    )]
    NotUtf8 {
        /// The file, as the user named it.
        path: String,
        /// The byte offset of the first invalid byte.
        offset: usize,
        /// Whether the file is UTF-16, and how it shows it.
        utf16: Option<Utf16>,
        /// The text with each invalid byte shown as U+FFFD, and where the first is in it: the
        /// message points there like any other, by line, column and caret.
        shown: Box<Source>,
        /// The first invalid byte, in `shown`.
        at: Span,
    },

    /// The input is longer than `--max-input-bytes`; reading stopped there.
    #[error(
        "{path} is larger than {limit} bytes{}, the input size limit (raise it with \
         --max-input-bytes)",
        mebibytes(*limit)
    )]
    TooLarge {
        /// The file, as the user named it.
        path: String,
        /// The size limit, in bytes.
        limit: u64,
    },

    /// A text with more tokens than any network within the limits needs (checked before
    /// parsing, whose memory grows with the tokens).
    #[error(
        "the file holds more than {limit} tokens (numbers, names and symbols), more than any \
         network within the limits needs; raise --max-gradients, --max-units or --max-samples \
         for a bigger network"
    )]
    TooManyTokens {
        /// The most tokens a network within the limits needs.
        limit: usize,
        /// Where the count passed it.
        span: Span,
    },

    /// The text does not follow the grammar at a character the language has no place for.
    #[error("expected {expected}, found {}", foreign(*found, *kind))]
    Character {
        /// What the grammar expected there.
        expected: Expected,
        /// The character found instead.
        found: char,
        /// What kind of character it is (a look-alike, full-width, invisible, …).
        kind: Foreign,
        /// Where in the file.
        span: Span,
    },

    /// A backslash in the title that is not `\"` or `\\`; `None`: at the end of the line.
    #[error("{}", escape_message(*escape))]
    Escape {
        /// The character after the backslash; `None` at the end of the line.
        escape: Option<char>,
        /// Where in the file.
        span: Span,
    },

    /// The text does not follow the grammar.
    #[error("{fault}")]
    Syntax {
        /// What is wrong.
        fault: SyntaxFault,
        /// Where in the file.
        span: Span,
    },

    /// Something that may appear once appears again.
    #[error("{what} is defined twice")]
    Duplicate {
        /// What is defined twice.
        what: Defined,
        /// Where it is defined again.
        span: Span,
        /// Where it was defined first.
        first: Span,
    },

    /// A required statement is absent.
    #[error("the file has no {what}")]
    Missing {
        /// The statement that is missing.
        what: &'static str,
        /// The end of the file, where it would go.
        span: Span,
    },

    /// A line of a `grade` answer file that is not an answer it can read.
    #[error("{fault}")]
    Answers {
        /// What is wrong with the line.
        fault: AnswerFault,
        /// Where in the answer file.
        span: Span,
    },

    /// A name that means nothing here: an activation, loss, layer parameter or setting.
    #[error("unknown {what} `{name}`; expected one of: {}", expected.join(", "))]
    Unknown {
        /// What kind of name it is (activation, loss, setting, …).
        what: &'static str,
        /// The name, as written.
        name: String,
        /// The names that are known there.
        expected: Vec<&'static str>,
        /// Where in the file.
        span: Span,
    },

    /// A name in a formula that is not the formula's parameter (`params`, as written).
    #[error("`{name}` is not defined in {place}; {}", parameters(params))]
    Undefined {
        /// The name, as written.
        name: String,
        /// The formula it appears in.
        place: Place,
        /// The formula's parameters, as written.
        params: Vec<String>,
        /// Where in the file.
        span: Span,
    },

    /// A function called with the wrong number of arguments.
    #[error("{function} takes 1 argument, but {given} were given")]
    Arity {
        /// The function called.
        function: String,
        /// How many arguments it was given.
        given: usize,
        /// Where in the file.
        span: Span,
    },

    /// A loss or activation that does not fit the network or the targets.
    #[error("{fault}")]
    Misfit {
        /// What is wrong.
        fault: MisfitFault,
        /// Where in the file.
        span: Span,
    },

    /// Sizes that do not fit together.
    #[error("{fault}")]
    Shape {
        /// What is wrong.
        fault: ShapeFault,
        /// Where in the file.
        span: Span,
    },

    /// A file asking for more work than the limits allow (raisable with a flag).
    #[error("{fault}")]
    OverLimit {
        /// What is wrong.
        fault: LimitFault,
        /// Where in the file.
        span: Span,
    },

    /// A value outside what it may be (a learning rate of 0, a fractional step count, …).
    #[error("{fault}")]
    BadValue {
        /// What is wrong.
        fault: ValueFault,
        /// Where in the file.
        span: Span,
    },

    /// An asked element that its layer does not have (`ask grad w45 1` where W1 is 2×3):
    /// `inputs` is the layer's for a weight, `None` for a unit's number or a bias.
    #[error(
        "layer {layer} has no `{name}`: {}",
        element_range(*units, *inputs)
    )]
    NoElement {
        /// The asked element, as written.
        name: String,
        /// The layer asked about.
        layer: u32,
        /// How many units that layer has.
        units: usize,
        /// How many inputs it has, for a weight.
        inputs: Option<usize>,
        /// Where in the file.
        span: Span,
    },

    /// A computation that leaves the real numbers, naming the quantity and the step.
    #[error("{quantity} in step {step}: {fault}")]
    Numeric {
        /// The quantity, by its plain name (`a_1^(2)`).
        quantity: String,
        /// The training step (from 1).
        step: u32,
        /// What left the real numbers.
        fault: String,
    },

    /// With `--carry rounded`: a value carried as shown makes a later row leave the real
    /// numbers, where the exact values do not (`log(1 − 1.0)` for y = 0.9967 at two digits).
    /// `enough` is a digit count that works, when a few more digits do.
    #[error(
        "{quantity} in step {step}: {fault}, only because the values are carried rounded to {digits} significant digit{} (--carry rounded): the exact values have one; {}",
        if *.digits == 1 { "" } else { "s" },
        more_digits(*.enough)
    )]
    RoundedAway {
        /// The quantity, by its plain name (`a_1^(2)`).
        quantity: String,
        /// The training step (from 1).
        step: u32,
        /// What left the real numbers.
        fault: String,
        /// The significant digits values are carried with.
        digits: u32,
        /// A digit count that works, when a few more digits do.
        enough: Option<u32>,
        /// The statement that sets the digits or the carry.
        span: Span,
    },

    /// A printed gradient that finite differences do not confirm (`check`).
    #[error("{message}")]
    Verification {
        /// What went wrong, in words.
        message: String,
    },

    /// A formula the differentiator has no rule for.
    #[error("cannot differentiate: {message}")]
    Unsupported {
        /// What went wrong, in words.
        message: String,
    },

    /// A template (built-in or the user's) failed to load or render.
    #[error("template {name}: {message}")]
    Template {
        /// The template's file name.
        name: String,
        /// The template engine's message.
        message: String,
    },

    /// The output could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file that could not be written.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// The output could not be written, for a reason of its own or with a consequence to tell.
    #[error("cannot write {path}: {fault}")]
    Unwritten {
        /// The file that could not be written.
        path: String,
        /// Why, and what became of what was there.
        fault: WriteFault,
    },

    /// `-o` names the input file itself (by device and inode, so also through a link).
    #[error("refusing to write {output}: it is the input file {input}; nothing was written")]
    SameFile {
        /// The input file.
        input: String,
        /// The output as given with `-o`.
        output: String,
    },

    /// Two outputs of one run (`grade`'s `-o` and `--csv`) name the same file.
    #[error("refusing to write both the report and the marks to {path}: one would replace the other; nothing was written")]
    OneFileForTwo {
        /// The file both name.
        path: String,
    },

    /// `-o` names a directory (or ends in `/`).
    #[error("cannot write {path}: it is a directory; give a file name")]
    OutputIsDirectory {
        /// The output as given with `-o`.
        path: String,
    },

    /// `--templates` names something that is not a readable directory.
    #[error("cannot use templates from {path}: {fault}")]
    TemplatesDir {
        /// The directory as given with `--templates`.
        path: String,
        /// What it is instead.
        fault: DirFault,
    },

    /// Files to be written all together exist already (`templates export` without `--force`).
    #[error("{dir} already holds {}; nothing was written (--force replaces them)", names.join(", "))]
    Exists {
        /// The directory written into.
        dir: String,
        /// The files already there.
        names: Vec<String>,
    },
    /// `exam` on a file without `vary`: every variant would be the same.
    #[error("the file has no `vary` statement, so every variant would be the same (add one such as `vary W in [-1, 1] step 0.1`)")]
    NothingVaries,

    /// An exam's output directory that is not safe to write into.
    #[error("cannot write the exam into {path}: {refusal}")]
    ExamDir {
        /// The directory given.
        path: String,
        /// Why it is not safe.
        refusal: DirRefusal,
    },

    /// No draw of a variant could be worked by hand within the attempt budget.
    #[error("{0}")]
    Unworkable(Box<Unworkable>),

    /// An error without a place in the file, in one variant of an exam.
    #[error("variant {variant}: {error}")]
    InVariant {
        /// The variant (from 1).
        variant: usize,
        /// What went wrong in it.
        error: Box<Error>,
    },

    /// `graph "FORMULA" --at …` that cannot be worked (issue 17): located in the formula, or
    /// in the `--at` text for a fault of its values.
    #[error("{fault}")]
    Graph {
        /// What is wrong.
        fault: GraphFault,
        /// Where in the formula or in `--at`.
        span: Span,
    },

    /// `derive --view graph` on a network it cannot draw as a computational graph, located
    /// at the statement that makes it so.
    #[error("{fault}")]
    GraphView {
        /// What the graph view cannot draw.
        fault: GraphViewFault,
        /// The statement in the file.
        span: Span,
    },

    /// An `optimizer`, `weight_decay` or `dropout` that says something impossible (issue 18).
    #[error("{fault}")]
    Training {
        /// What is wrong.
        fault: TrainingFault,
        /// Where in the file.
        span: Span,
    },
}

/// An exam variant no draw of which can be worked by hand.
#[derive(Debug)]
pub struct Unworkable {
    pub variant: usize,
    pub tried: Tried,
    pub fault: DrawFault,
    /// The `vary` statements the fault depends on, as written (`vary W1`).
    pub varies: Vec<String>,
    /// The first of them, when there is one.
    pub span: Option<Span>,
    /// The others, shown as notes.
    pub also: Vec<Span>,
}

impl std::fmt::Display for Unworkable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "variant {}: no draw can be worked by hand ({}): {}; {}",
            self.variant,
            self.tried,
            self.fault,
            blame(&self.varies)
        )
    }
}

/// Why `exam` will not write into a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirRefusal {
    /// A file (or something else) that is not a directory.
    NotADirectory,
    /// A directory with things in it, without `--force`.
    NotEmpty,
    /// A directory holding `entry`, which no exam bundle holds: never removed, even with
    /// `--force`.
    Foreign { entry: String },
    /// A path with no parent directory to build the bundle beside (`/`).
    NoParent,
}

impl std::fmt::Display for DirRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DirRefusal::NotADirectory => write!(f, "it exists and is not a directory"),
            DirRefusal::NotEmpty => write!(
                f,
                "the directory is not empty; give --force to replace the exam bundle in it"
            ),
            DirRefusal::Foreign { entry } => write!(
                f,
                "it holds `{entry}`, which is not part of an exam bundle, so it is not replaced even with --force; choose another directory"
            ),
            DirRefusal::NoParent => write!(f, "it has no parent directory to build the bundle in"),
        }
    }
}

/// How many draws an exam variant tried before giving up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tried {
    /// Every possible draw (there are only this many).
    All(u64),
    /// This many draws, the attempt budget.
    Some(usize),
    /// One: the values the fault depends on are the same in every draw.
    Fixed,
}

impl std::fmt::Display for Tried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tried::All(1) => write!(f, "the `vary` statements allow only one"),
            Tried::All(n) => write!(f, "all {n} possible draws tried"),
            Tried::Some(n) => write!(f, "{n} draws tried"),
            Tried::Fixed => write!(f, "what decides it is the same in every draw"),
        }
    }
}

/// Why one drawn exam variant cannot be worked by hand.
#[derive(Clone, Debug, PartialEq)]
pub enum DrawFault {
    /// A sigmoid or tanh input so large that the curve is flat.
    Saturated {
        quantity: String,
        activation: String,
        value: f64,
        limit: f64,
    },
    /// A relu input at its kink.
    Kink {
        quantity: String,
        activation: String,
        value: f64,
        limit: f64,
    },
    /// An asked number that is shown as 0.
    RoundsToZero {
        name: String,
        value: f64,
        digits: u32,
    },
    /// The derivation leaves the real numbers (an [`Error::Numeric`]); `rounded` when only
    /// carrying the shown values does.
    Numeric { message: String, rounded: bool },
    /// Targets the loss cannot take.
    Targets(TargetFault),
}

impl std::fmt::Display for DrawFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DrawFault::Saturated {
                quantity,
                activation,
                value,
                limit,
            } => write!(
                f,
                "{quantity} = {} is a {activation} input beyond ±{limit}, where the curve is too flat to work by hand",
                short(*value)
            ),
            DrawFault::Kink {
                quantity,
                activation,
                value,
                limit,
            } => write!(
                f,
                "{quantity} = {} is a {activation} input within {limit} of its kink at 0",
                short(*value)
            ),
            DrawFault::RoundsToZero { name, value, .. } if *value == 0.0 => {
                write!(f, "the asked {name} is 0")
            }
            DrawFault::RoundsToZero {
                name,
                value,
                digits,
            } => write!(
                f,
                "the asked {name} = {value:.3e} rounds to 0 at {digits} significant digits"
            ),
            DrawFault::Numeric {
                message,
                rounded: false,
            } => write!(f, "{message}"),
            DrawFault::Numeric {
                message,
                rounded: true,
            } => write!(f, "with the shown values carried (--carry rounded), {message}"),
            DrawFault::Targets(fault) => write!(f, "the drawn targets: {fault}"),
        }
    }
}

/// Targets that do not fit the loss (`check` finds these in a file, `exam` in a draw).
#[derive(Clone, Debug, PartialEq)]
pub enum TargetFault {
    /// A target outside [0, 1] for a loss of probabilities.
    OutOfRange { loss: String, value: String },
    /// Softmax targets of a sample that do not add up to 1 (`None`: beyond exact numbers).
    Sum { loss: String, sum: Option<String> },
}

impl std::fmt::Display for TargetFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetFault::OutOfRange { loss, value } => {
                write!(f, "{loss} needs targets between 0 and 1, not {value}")
            }
            TargetFault::Sum { loss, sum } => write!(
                f,
                "with softmax and {loss}, the targets of a sample must add up to 1 (these add up to {})",
                sum.as_deref().unwrap_or("too much")
            ),
        }
    }
}

/// What a text that does not follow the grammar was found holding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxFault {
    /// `expected a number, found `]``.
    Expected { expected: Expected, found: Found },
    /// What pest's negative rules refused, or what stands where nothing was expected.
    Unexpected(Found),
}

impl std::fmt::Display for SyntaxFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyntaxFault::Expected { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            SyntaxFault::Unexpected(found) => write!(f, "unexpected {found}"),
        }
    }
}

/// The alternatives a parse wanted, shown as `a, b or c`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected(pub Vec<String>);

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_slice() {
            [] => write!(f, "something else"),
            [only] => write!(f, "{only}"),
            [rest @ .., last] => write!(f, "{} or {last}", rest.join(", ")),
        }
    }
}

/// What stands where a parse stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    EndOfFile,
    /// The end of a formula given alone (`graph "x+"`).
    EndOfFormula,
    EndOfLine,
    /// A word, its first characters; `cut` when it goes on.
    Word {
        text: String,
        cut: bool,
    },
    Char(char),
    /// A part of the language, as a grammar rule is described.
    Part(&'static str),
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Found::EndOfFile => write!(f, "the end of the file"),
            Found::EndOfFormula => write!(f, "the end of the formula"),
            Found::EndOfLine => write!(f, "the end of the line"),
            Found::Word { text, cut } => write!(f, "`{text}{}`", if *cut { "…" } else { "" }),
            Found::Char(c) => write!(f, "`{c}`"),
            Found::Part(part) => write!(f, "{part}"),
        }
    }
}

/// What is defined twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Defined {
    /// A statement that may appear once (`title`, `input`, `target`, `loss`, `sgd`).
    Statement(&'static str),
    /// `activation swish(a) = …` twice.
    Activation(String),
    /// `W` or `b` twice in one layer statement.
    LayerParameter { name: String, layer: usize },
    /// `lr` or `steps` twice in `sgd`.
    SgdSetting(String),
    /// Both `sgd` and `optimizer`.
    SgdAndOptimizer,
    /// A setting twice in `optimizer`.
    OptimizerSetting {
        optimizer: OptimizerName,
        setting: SettingName,
    },
    /// `dropout` twice in one layer.
    Dropout { layer: usize },
    /// A setting twice in one `dropout`.
    DropoutSetting { setting: SettingName, layer: usize },
}

impl std::fmt::Display for Defined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Defined::Statement(what) => write!(f, "{what}"),
            Defined::Activation(name) => write!(f, "activation {name}"),
            Defined::LayerParameter { name, layer } => write!(f, "{name} of layer {layer}"),
            Defined::SgdSetting(name) => write!(f, "sgd {name}"),
            Defined::SgdAndOptimizer => {
                write!(f, "the optimizer (`sgd lr = …` is `optimizer sgd lr = …`)")
            }
            Defined::OptimizerSetting { optimizer, setting } => {
                write!(f, "{optimizer} {setting}")
            }
            Defined::Dropout { layer } => write!(f, "dropout of layer {layer}"),
            Defined::DropoutSetting { setting, layer } => {
                write!(f, "dropout {setting} of layer {layer}")
            }
        }
    }
}

/// The formula a message is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Loss,
    Activation(String),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Loss => write!(f, "the loss"),
            Place::Activation(name) => write!(f, "activation {name}"),
        }
    }
}

/// `its parameter is `a``, `its parameters are `y` and `t``.
fn parameters(params: &[String]) -> String {
    let names: Vec<String> = params.iter().map(|p| format!("`{p}`")).collect();
    match names.as_slice() {
        [one] => format!("its parameter is {one}"),
        many => format!("its parameters are {}", many.join(" and ")),
    }
}

/// `1 value`, `2 values`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// An array of numbers a shape message names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbers {
    Input,
    Target,
    /// The weights `W` of a layer (from 1).
    Weights(usize),
}

impl Numbers {
    /// What an empty row of it is called: `the input`, `a row of W of layer 2`.
    fn row(self) -> String {
        match self {
            Numbers::Input => "the input".into(),
            Numbers::Target => "the target".into(),
            Numbers::Weights(layer) => format!("a row of W of layer {layer}"),
        }
    }

    /// What it is called: `the input`, `W of layer 2`.
    fn whole(self) -> String {
        match self {
            Numbers::Input => "the input".into(),
            Numbers::Target => "the target".into(),
            Numbers::Weights(layer) => format!("W of layer {layer}"),
        }
    }

    /// What one of its rows is: a sample, or a row of W.
    fn row_noun(self) -> &'static str {
        match self {
            Numbers::Input | Numbers::Target => "sample",
            Numbers::Weights(_) => "row",
        }
    }
}

/// Sizes that do not fit together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShapeFault {
    /// The input and the target have different numbers of samples.
    Samples { targets: usize, inputs: usize },
    /// The first layer's W has `columns` columns for an input of `inputs` values.
    InputColumns { columns: usize, inputs: usize },
    /// W of `layer` has `columns` columns, but the layer before it has `units` units.
    Columns {
        layer: usize,
        columns: usize,
        units: usize,
    },
    /// The target has `values` values for an output layer (`layer`) of `units` units.
    TargetWidth {
        values: usize,
        layer: usize,
        units: usize,
    },
    /// An empty array or row.
    Empty(Numbers),
    /// A row of `length` values where the first has `first`.
    Ragged {
        array: Numbers,
        length: usize,
        first: usize,
    },
    /// `b = [[…]]`.
    BiasNotVector { layer: usize },
    /// A bias of `values` values for a layer of `units` units.
    BiasLength {
        layer: usize,
        values: usize,
        units: usize,
    },
}

impl std::fmt::Display for ShapeFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShapeFault::Samples { targets, inputs } => write!(
                f,
                "the target has {} (rows), but the input has {inputs}",
                count(*targets, "sample")
            ),
            ShapeFault::InputColumns { columns, inputs } => write!(
                f,
                "W of layer 1 has {}, but the input x has {}",
                count(*columns, "column"),
                count(*inputs, "value")
            ),
            ShapeFault::Columns {
                layer,
                columns,
                units,
            } => write!(
                f,
                "W of layer {layer} has {}, but layer {} has {}",
                count(*columns, "column"),
                layer - 1,
                count(*units, "unit")
            ),
            ShapeFault::TargetWidth {
                values,
                layer,
                units,
            } => write!(
                f,
                "the target t has {}, but the output layer {layer} has {}",
                count(*values, "value"),
                count(*units, "unit")
            ),
            ShapeFault::Empty(array) => write!(f, "{} is empty", array.row()),
            ShapeFault::Ragged {
                array,
                length,
                first,
            } => write!(
                f,
                "{} is ragged: this {} has {}, the first has {first}",
                array.whole(),
                array.row_noun(),
                count(*length, "value")
            ),
            ShapeFault::BiasNotVector { layer } => write!(
                f,
                "b of layer {layer} must be a vector such as `[0.1, 0.2]`"
            ),
            ShapeFault::BiasLength {
                layer,
                values,
                units,
            } => write!(
                f,
                "b of layer {layer} has {}, but the layer has {} (rows of W)",
                count(*values, "value"),
                count(*units, "unit")
            ),
        }
    }
}

/// Who writes a custom formula's rows, for [`LimitFault::Size(SizeLimit::FormulaRows)`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Writer {
    /// A layer (from 1) with a custom activation.
    Activation { layer: usize, name: String },
    /// A custom loss.
    Loss,
}

impl std::fmt::Display for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Writer::Activation { layer, name } => {
                write!(f, "layer {layer} writes its activation {name}")
            }
            Writer::Loss => write!(f, "the loss writes its formula"),
        }
    }
}

/// More than a limit allows: of the language (nesting, formula size), or of a flag
/// (`--max-…`), which the message names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LimitFault {
    /// Brackets nested deeper than `max`.
    Nesting { max: usize },
    /// A formula of more than `max` terms.
    FormulaTerms { max: usize },
    /// A formula whose operations nest deeper than `max`.
    FormulaDepth { max: usize },
    /// More than `max` activations defined in the file.
    CustomActivations { max: usize },
    /// One `vary` range of more than `max` values.
    RangeValues { max: usize },
    /// All `vary` statements together drawing from more than `max` values.
    VaryValues { max: usize },
    /// A derivative of more than `limit` terms.
    Derivative { place: Place, limit: usize },
    /// A network or a run bigger than a `--max-…` limit allows, raisable with that flag.
    Size(SizeLimit),
    /// `gen --sizes` asking for more than the limits allow.
    Gen(GenLimit),
}

impl std::fmt::Display for LimitFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitFault::Nesting { max } => write!(
                f,
                "too deeply nested: more than {max} levels of parentheses and brackets"
            ),
            LimitFault::FormulaTerms { max } => write!(
                f,
                "the formula is too long: more than {max} terms (numbers, names, operators and function calls)"
            ),
            LimitFault::FormulaDepth { max } => write!(
                f,
                "the formula is too deeply nested: more than {max} levels of operations"
            ),
            LimitFault::CustomActivations { max } => {
                write!(f, "the file defines more than {max} activations of its own")
            }
            LimitFault::RangeValues { max } => {
                write!(f, "the range has more than {max} values; take a larger step")
            }
            LimitFault::VaryValues { max } => write!(
                f,
                "the `vary` statements draw from more than {max} values in all; take larger \
                 steps or fewer values"
            ),
            LimitFault::Derivative { place, limit } => write!(
                f,
                "the derivative of {place} is too large to write out (more than {limit} terms)"
            ),
            LimitFault::Size(fault) => write!(f, "{fault}"),
            LimitFault::Gen(fault) => write!(f, "{fault}"),
        }
    }
}

/// A network or a run bigger than a `--max-…` limit allows, raisable with that flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SizeLimit {
    Samples {
        samples: usize,
        limit: usize,
    },
    Layers {
        layers: usize,
        limit: usize,
    },
    /// An input of more values than `--max-units`.
    InputValues {
        inputs: usize,
        limit: usize,
    },
    Units {
        layer: usize,
        units: usize,
        limit: usize,
    },
    Steps {
        steps: u128,
        limit: u32,
    },
    Gradients {
        gradients: usize,
        parameters: usize,
        steps: usize,
        samples: usize,
        limit: usize,
    },
    /// Custom formulas written out too often: the largest part, `each` terms per unit, and
    /// `total` terms in all against `limit`, `per` terms per gradient.
    FormulaRows {
        writer: Writer,
        each: usize,
        units: usize,
        samples: usize,
        steps: usize,
        total: usize,
        limit: usize,
        per: usize,
    },
}

impl std::fmt::Display for SizeLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SizeLimit::Samples { samples, limit } => write!(
                f,
                "the input has {samples} samples; the limit is {limit} (raise it with --max-samples)"
            ),
            SizeLimit::Layers { layers, limit } => write!(
                f,
                "the network has {layers} layers; the limit is {limit} (raise it with --max-layers)"
            ),
            SizeLimit::InputValues { inputs, limit } => write!(
                f,
                "the input has {inputs} values; the limit is {limit} (raise it with --max-units)"
            ),
            SizeLimit::Units {
                layer,
                units,
                limit,
            } => write!(
                f,
                "layer {layer} has {units} units; the limit is {limit} (raise it with --max-units)"
            ),
            SizeLimit::Steps { steps, limit } => write!(
                f,
                "{steps} steps are asked for; the limit is {limit} (raise it with --max-steps)"
            ),
            SizeLimit::Gradients {
                gradients,
                parameters,
                steps,
                samples,
                limit,
            } => write!(
                f,
                "the file asks for {gradients} gradients ({parameters} weights and biases × {} × {}); \
                 the limit is {limit} (raise it with --max-gradients)",
                count(*steps, "step"),
                count(*samples, "sample"),
            ),
            SizeLimit::FormulaRows {
                writer,
                each,
                units,
                samples,
                steps,
                total,
                limit,
                per,
            } => write!(
                f,
                "{writer} and its derivative ({each} terms) for {} × {} × {}: {total} terms of \
                 custom formulas in all; the limit is {limit}, {per} per gradient \
                 (raise it with --max-gradients)",
                count(*units, "unit"),
                count(*samples, "sample"),
                count(*steps, "step"),
            ),
        }
    }
}

/// `gen --sizes` asking for more than the limits allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GenLimit {
    /// `gen --sizes` with more layers than `--max-layers`.
    Layers { layers: usize, limit: usize },
    /// `gen --sizes` with more units in `layer` (0: the input) than `--max-units`.
    Units {
        layer: usize,
        units: usize,
        limit: usize,
    },
    /// `gen` with `--max-samples 0` or `--max-steps 0`.
    NothingAllowed,
    /// `gen --sizes` with more parameters than `--max-gradients`.
    Gradients {
        parameters: usize,
        bias: bool,
        limit: usize,
    },
}

impl std::fmt::Display for GenLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenLimit::Layers { layers, limit } => write!(
                f,
                "--sizes asks for {layers} layers; the limit is {limit} (raise it with --max-layers)"
            ),
            GenLimit::Units {
                layer,
                units,
                limit,
            } => {
                let what = match layer {
                    0 => "the input".to_string(),
                    l => format!("layer {l}"),
                };
                write!(
                    f,
                    "--sizes asks for {units} units in {what}; the limit is {limit} (raise it with --max-units)"
                )
            }
            GenLimit::NothingAllowed => write!(
                f,
                "gen writes one sample and one SGD step, which --max-samples 0 or --max-steps 0 refuses"
            ),
            GenLimit::Gradients {
                parameters,
                bias,
                limit,
            } => write!(
                f,
                "--sizes asks for {parameters} {}, so as many gradients; the limit is {limit} (raise it with --max-gradients)",
                if *bias { "weights and biases" } else { "weights" },
            ),
        }
    }
}

/// Which layers lack the biases a `vary` or `ask` names: one (from 1), or all.
fn no_biases(layer: Option<u32>) -> String {
    match layer {
        Some(l) => format!("layer {l} has none (its `layer` statement gives no `b`)"),
        None => "no layer has any (no `layer` statement gives a `b`)".into(),
    }
}

/// `W1 1` or `W1`: a name as asked, with its layer number when one was written.
fn with_layer(name: &str, layer: Option<u32>) -> String {
    match layer {
        Some(l) => format!("{name} {l}"),
        None => name.to_string(),
    }
}

/// Where a graph's values are written: `graph … --at x=1` or a file's `graph "…" at x = 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValuesIn {
    At,
    File,
}

impl std::fmt::Display for ValuesIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ValuesIn::At => "--at",
            ValuesIn::File => "`at`",
        })
    }
}

/// Why `graph "FORMULA" --at …` (or a file's `graph` statement) cannot be worked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphFault {
    /// A variable of the formula that `--at` (or `at`) gives no value.
    NoValue {
        name: String,
        given: Vec<String>,
        written: ValuesIn,
    },
    /// `--at` gives a value to a name the formula does not use.
    NotInFormula { name: String, used: Vec<String> },
    /// `--at` gives a variable two values.
    TwoValues { name: String, written: ValuesIn },
    /// An item of `--at` that is not `name=number`.
    NotAnAssignment(String),
    /// A value of `--at` that is not a number as the language writes one (`-2`, `0.5`, `1e-3`).
    NotANumber(String),
    /// A node whose value or local derivative leaves the real numbers (`node` as written).
    Numeric {
        node: String,
        fault: String,
        backward: bool,
    },
    /// A variable that reads as `f`, the name of the graph's output in every row.
    OutputName(String),
    /// A statement beside a file's `graph` that a graph file does not hold (its keyword).
    NotInGraphFile(&'static str),
    /// A `graph` statement in a file that a network's command reads.
    GraphInNetwork,
    /// An option of `derive` that shapes a network's rows, given for a graph file.
    NetworkOption(&'static str),
    /// A graph file's `vary` of a name that is not one of the formula's variables.
    VaryNotVariable { name: String, used: Vec<String> },
    /// A graph file's `ask df/dq` of a name that is not a variable of the formula.
    AskNoNode { name: String, used: Vec<String> },
    /// A graph file's `ask` of anything but `f` and `df/dx` (as written: `grad W1`).
    AskNotInGraph(String),
}

/// Names in backticks, separated by commas; `none` for none.
fn backticked(names: &[String]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for GraphFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = backticked;
        match self {
            GraphFault::NoValue {
                name,
                given,
                written: ValuesIn::At,
            } => write!(
                f,
                "`{name}` has no value: give it one with --at (such as --at {name}=1); --at gives {}",
                names(given)
            ),
            GraphFault::NoValue {
                name,
                given,
                written: ValuesIn::File,
            } => write!(
                f,
                "`{name}` has no value: give it one after `at` (such as `at {name} = 1`); `at` gives {}",
                names(given)
            ),
            GraphFault::NotInFormula { name, used } => write!(
                f,
                "`{name}` is not a variable of the formula; its variables are {}",
                names(used)
            ),
            GraphFault::TwoValues { name, written } => {
                write!(f, "{written} gives `{name}` two values")
            }
            GraphFault::NotAnAssignment(text) => write!(
                f,
                "expected `name=number` in --at (such as x=-2,y=5), found `{text}`"
            ),
            GraphFault::NotANumber(text) => write!(
                f,
                "the value `{text}` in --at is not a number such as -2, 0.5 or 1e-3"
            ),
            GraphFault::Numeric {
                node,
                fault,
                backward: false,
            } => write!(f, "{node}: {fault}"),
            GraphFault::Numeric {
                node,
                fault,
                backward: true,
            } => write!(f, "the local derivative of {node}: {fault}"),
            GraphFault::OutputName(name) => write!(
                f,
                "`{name}` cannot be a variable: f is the graph's output, whose rows are ∂f/∂x; call the variable something else"
            ),
            GraphFault::NotInGraphFile(keyword) => write!(
                f,
                "a file with a `graph` statement holds the graph alone (with `vary` and `ask` for an exam): `{keyword}` belongs in a network's file of its own"
            ),
            GraphFault::NetworkOption(option) => write!(
                f,
                "{option} shapes a network's rows; this file is a graph, which `derive` writes without it"
            ),
            GraphFault::VaryNotVariable { name, used } => write!(
                f,
                "`vary {name}`: `{name}` is not a variable of the graph's formula; its variables are {}",
                names(used)
            ),
            GraphFault::AskNoNode { name, used } => write!(
                f,
                "`ask df/d{name}`: `{name}` is not a variable of the formula (an exam asks f and its partials by the variables); its variables are {}",
                names(used)
            ),
            GraphFault::AskNotInGraph(asked) => write!(
                f,
                "`ask {asked}` asks about a network; a graph file asks `f` and its partials `df/dx`"
            ),
            GraphFault::GraphInNetwork => write!(
                f,
                "a `graph` statement is worked by `derive FILE` and `exam FILE`, not by this command"
            ),
        }
    }
}

/// Why `derive --view graph` cannot draw a network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphViewFault {
    /// Dropout on hidden layer `layer`.
    Dropout { layer: u32 },
    /// `weight_decay`.
    WeightDecay,
    /// A softmax output with the loss named.
    Softmax { loss: String },
    /// A loss that is not a sum over the output units.
    Loss,
    /// More weights than the view works.
    TooLarge { products: usize, most: usize },
    /// A node whose value or local derivative leaves the real numbers.
    Numeric { node: String, fault: String },
}

impl std::fmt::Display for GraphViewFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const USE: &str = "use --view layers";
        match self {
            GraphViewFault::Dropout { layer } => write!(
                f,
                "--view graph cannot draw dropout (layer {layer}): its mask is a node per sample; {USE}"
            ),
            GraphViewFault::WeightDecay => write!(
                f,
                "--view graph cannot draw weight_decay: its term (lambda/2) sum w^2 reads every weight; {USE}"
            ),
            GraphViewFault::Softmax { loss } => write!(
                f,
                "--view graph draws a softmax output only with cross_entropy, as one Softmax-with-Loss node, not with {loss}; {USE}"
            ),
            GraphViewFault::Loss => write!(
                f,
                "--view graph needs a loss that is a sum over the output units; {USE}"
            ),
            GraphViewFault::TooLarge { products, most } => write!(
                f,
                "--view graph works at most {most} weights (product nodes), each with its rows; this network has {products}; {USE}"
            ),
            GraphViewFault::Numeric { node, fault } => {
                write!(f, "the graph's node {node}: {fault}")
            }
        }
    }
}

/// A value outside what it may be, or a statement that says something impossible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueFault {
    /// A number of 1e38 or more, as written.
    NumberTooLarge(String),
    /// A number of more than 38 digits or 30 decimal places, as written.
    NumberTooPrecise(String),
    /// `activation sigmoid(a) = …`.
    BuiltinName(String),
    /// `loss (y, y) = …`.
    SameLossParameters(String),
    /// A layer number outside 1 to `depth`.
    NoLayer { depth: usize, layer: Decimal },
    /// `vary … step s` with s ≤ 0.
    StepNotPositive(Decimal),
    /// `vary … in [low, high]` with high below low.
    EmptyRange { low: Decimal, high: Decimal },
    /// A range whose values leave the exact decimals.
    RangeBeyondExact,
    /// `vary lr` without `sgd`.
    RateWithoutSgd,
    /// `vary b…` where the named layer (or every layer) has no biases.
    VariesMissingBiases { name: String, layer: Option<u32> },
    /// `vary lr` drawing a rate of 0 or below.
    DrawnRate { name: String, value: Decimal },
    /// `sgd lr = 0`.
    LearningRate(Decimal),
    /// `sgd steps = 1.5`.
    Steps(Decimal),
    /// `gen --sizes` with fewer than two sizes, or a 0.
    GenSizes,
    /// `gen --acts` with more activations (`given`) than layers.
    GenActs { given: usize, layers: usize },
    /// An `ask` statement that names no number the exam can ask.
    Ask(AskFault),
}

impl std::fmt::Display for ValueFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueFault::NumberTooLarge(text) => {
                write!(
                    f,
                    "the number {text} is too large (numbers must be below 1e38)"
                )
            }
            ValueFault::NumberTooPrecise(text) => write!(
                f,
                "the number {text} has too many digits (at most 38 digits and 30 decimal places)"
            ),
            ValueFault::BuiltinName(name) => {
                write!(
                    f,
                    "`{name}` is a built-in activation; give yours another name"
                )
            }
            ValueFault::SameLossParameters(name) => {
                write!(f, "the loss's two parameters are both called `{name}`")
            }
            ValueFault::NoLayer { depth, layer } => {
                write!(f, "the network has layers 1 to {depth}, not {layer}")
            }
            ValueFault::StepNotPositive(step) => write!(f, "the step must be above 0, not {step}"),
            ValueFault::EmptyRange { low, high } => {
                write!(f, "the range is empty: {high} is below {low}")
            }
            ValueFault::RangeBeyondExact => write!(
                f,
                "the range goes beyond the numbers this tool keeps exactly"
            ),
            ValueFault::RateWithoutSgd => {
                write!(
                    f,
                    "`lr` can vary only with training: an `optimizer` (or `sgd`) statement"
                )
            }
            ValueFault::VariesMissingBiases { name, layer } => {
                write!(f, "`{name}` varies biases, but {}", no_biases(*layer))
            }
            ValueFault::DrawnRate { name, value } => write!(
                f,
                "`vary {name}` draws {value}, but the learning rate must be above 0"
            ),
            ValueFault::LearningRate(lr) => {
                write!(f, "the learning rate must be above 0, not {lr}")
            }
            ValueFault::Steps(n) => {
                write!(f, "steps must be a whole number of at least 1, not {n}")
            }
            ValueFault::GenSizes => write!(
                f,
                "--sizes needs at least two sizes above 0, such as 784,100,10"
            ),
            ValueFault::GenActs { given, layers } => write!(
                f,
                "--acts gives {given} activations, but --sizes makes {layers} {}",
                if *layers == 1 { "layer" } else { "layers" }
            ),
            ValueFault::Ask(fault) => write!(f, "{fault}"),
        }
    }
}

/// An `ask` statement that names no number the exam can ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AskFault {
    /// `ask` with more than one number after its name.
    AskNumbers,
    /// `ask a2` without its layer; `command` is `grad` or `update` for a weight.
    NeedsLayer {
        name: String,
        command: Option<&'static str>,
    },
    /// `ask E 1`, `ask y 1`; `outputs` for `y`.
    TakesNoLayer { name: String, outputs: bool },
    /// `ask grad w1` and the like.
    NotAWeight(String),
    /// `ask grad W1 1`.
    WholeLayerWeights(String),
    /// `ask grad a1 1`: a value asked as a gradient.
    GradOfValue { name: String, layer: Option<u32> },
    /// `ask w12 1`: a parameter asked as a value.
    ValueOfParameter { name: String, layer: Option<u32> },
    /// `ask grad b…` where the named layer (or every layer) has no biases.
    AsksMissingBiases { name: String, layer: Option<u32> },
    /// `ask update …` without `sgd`.
    UpdateWithoutSgd,
    /// `ask E after` without `sgd`.
    AfterWithoutSgd,
    /// `ask grad W2 after` and the like: only the loss is asked after the update; the ask as
    /// written before `after` (`grad W2`).
    AfterOnlyLoss(String),
    /// `ask df/dx` in a network's file: a graph's question.
    PartialInNetwork(String),
}

impl std::fmt::Display for AskFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AskFault::PartialInNetwork(name) => write!(
                f,
                "`ask df/d{name}` asks a graph's partial derivative (a file with a `graph` statement); a network's file asks `grad W1`, `delta2 2`, `E`, …"
            ),
            AskFault::AskNumbers => write!(
                f,
                "`ask` takes one number after the name, the layer; one unit or weight is named \
                 by the name: `ask a2 1`, `ask grad w12 1`"
            ),
            AskFault::NeedsLayer { name, command } => {
                let command = command.map_or(String::new(), |c| format!("{c} "));
                write!(
                    f,
                    "`{name}` is one element and needs its layer number: `ask {command}{name} 1`"
                )
            }
            AskFault::TakesNoLayer { name, outputs } => write!(
                f,
                "`{name}` takes no layer number{}",
                if *outputs {
                    "; `ask z 1` asks layer 1's outputs"
                } else {
                    ""
                }
            ),
            AskFault::NotAWeight(name) => write!(
                f,
                "`{name}` is not a weight: write its two indices as `w12`, or apart when one has \
                 two digits, `w12_3`"
            ),
            AskFault::WholeLayerWeights(name) => write!(
                f,
                "`{name}` is a whole layer's weights and names its layer already; one weight is \
                 written in lower case: `ask grad w12 1`"
            ),
            AskFault::GradOfValue { name, layer } => write!(
                f,
                "`grad` and `update` ask for weights and biases; `{name}` is asked without them: \
                 `ask {}`",
                with_layer(name, *layer)
            ),
            AskFault::ValueOfParameter { name, layer } => write!(
                f,
                "a weight or bias is asked with `grad` (its gradient) or `update` (its value \
                 after the update): `ask grad {}`",
                with_layer(name, *layer)
            ),
            AskFault::AsksMissingBiases { name, layer } => {
                write!(f, "`{name}` asks for biases, but {}", no_biases(*layer))
            }
            AskFault::UpdateWithoutSgd => write!(
                f,
                "`ask update` needs training: an `optimizer` (or `sgd`) statement"
            ),
            AskFault::AfterWithoutSgd => write!(
                f,
                "`ask E after` asks for the loss after the update, and needs training: an `optimizer` \
                 (or `sgd`) statement"
            ),
            AskFault::AfterOnlyLoss(name) => write!(
                f,
                "only the loss is asked after the update: `ask E after`, not `ask {name} after`"
            ),
        }
    }
}

/// A loss or activation that does not fit the network or its targets.
#[derive(Clone, Debug, PartialEq)]
pub enum MisfitFault {
    /// Softmax in layer `layer` of `depth`, not the output layer.
    SoftmaxNotLast { layer: usize, depth: usize },
    /// `gen --acts` giving softmax to a hidden layer; `repeated` when the last of `--acts`
    /// repeats up to it.
    SoftmaxInActs {
        layer: usize,
        depth: usize,
        repeated: bool,
    },
    /// A loss of probabilities after another output activation; `sigmoid_only` for a loss
    /// that needs sigmoid.
    NeedsProbabilities {
        loss: String,
        activation: String,
        sigmoid_only: bool,
    },
    /// Targets the loss cannot take.
    Targets(TargetFault),
    /// A `vary` (named as written) drawing a target the loss cannot take.
    DrawnTarget {
        name: String,
        value: Decimal,
        fault: Box<TargetFault>,
    },
}

impl std::fmt::Display for MisfitFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MisfitFault::SoftmaxNotLast { layer, depth } => write!(
                f,
                "softmax can only be the output layer's activation, but this is layer {layer} of {depth}"
            ),
            MisfitFault::SoftmaxInActs {
                layer,
                depth,
                repeated,
            } => write!(
                f,
                "softmax can only be the output layer's activation, but --acts gives it to layer {layer} of {depth}{}",
                if *repeated {
                    " (the last of --acts repeats for the layers after it)"
                } else {
                    ""
                }
            ),
            MisfitFault::NeedsProbabilities {
                loss,
                activation,
                sigmoid_only,
            } => write!(
                f,
                "{loss} needs probabilities from the output layer, but its activation is \
                 {activation}; use {}",
                if *sigmoid_only {
                    "sigmoid"
                } else {
                    "softmax or sigmoid"
                }
            ),
            MisfitFault::Targets(fault) => write!(f, "{fault}"),
            MisfitFault::DrawnTarget { name, value, fault } => {
                write!(f, "`vary {name}` draws {value}: {fault}")
            }
        }
    }
}

/// Why a directory given to read from cannot be used.
#[derive(Debug)]
pub enum DirFault {
    /// It exists, but is not a directory.
    NotADirectory,
    /// It cannot be read.
    Unreadable(std::io::Error),
}

impl std::fmt::Display for DirFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DirFault::NotADirectory => write!(f, "it is not a directory"),
            DirFault::Unreadable(error) => write!(f, "{error}"),
        }
    }
}

/// Why an output was not written, or what writing it left behind.
#[derive(Debug)]
pub enum WriteFault {
    /// A path that should be a directory is not one.
    NotADirectory,
    /// A file to be replaced that is not a regular file.
    NotARegularFile,
    /// Rewriting a file of `links` hard links in place failed part way.
    HalfWritten { error: std::io::Error, links: u64 },
    /// The new exam bundle could not be put in place; the previous one is kept in `kept`
    /// (`back`: why it could not be moved back).
    PreviousKept {
        error: std::io::Error,
        kept: String,
        back: std::io::Error,
    },
    /// The new exam bundle is in place, but the previous one, moved to `kept`, was not removed.
    PreviousNotRemoved { kept: String, error: std::io::Error },
}

impl std::fmt::Display for WriteFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteFault::NotADirectory => write!(f, "it is not a directory"),
            WriteFault::NotARegularFile => {
                write!(f, "it is not a regular file, so it is not replaced")
            }
            WriteFault::HalfWritten { error, links } => write!(
                f,
                "{error}; it has {links} hard links, so it was being rewritten in place and may \
                 now be half-written"
            ),
            WriteFault::PreviousKept { error, kept, back } => {
                write!(f, "{error}; the previous bundle is kept in {kept} ({back})")
            }
            WriteFault::PreviousNotRemoved { kept, error } => write!(
                f,
                "the new exam is in place, but the previous bundle, moved to {kept}, was not \
                 removed: {error}"
            ),
        }
    }
}

/// An optimizer of `optimizer NAME …`, by its name in the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptimizerName {
    Sgd,
    Momentum,
    Nesterov,
    AdaGrad,
    RmsProp,
    Adam,
}

impl OptimizerName {
    pub const ALL: [OptimizerName; 6] = [
        OptimizerName::Sgd,
        OptimizerName::Momentum,
        OptimizerName::Nesterov,
        OptimizerName::AdaGrad,
        OptimizerName::RmsProp,
        OptimizerName::Adam,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OptimizerName::Sgd => "sgd",
            OptimizerName::Momentum => "momentum",
            OptimizerName::Nesterov => "nesterov",
            OptimizerName::AdaGrad => "adagrad",
            OptimizerName::RmsProp => "rmsprop",
            OptimizerName::Adam => "adam",
        }
    }

    pub fn from_name(name: &str) -> Option<OptimizerName> {
        OptimizerName::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

impl std::fmt::Display for OptimizerName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A setting of `optimizer`, `dropout` or `weight_decay`, by its name in the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingName {
    Lr,
    Momentum,
    Decay,
    Beta1,
    Beta2,
    Eps,
    Form,
    Steps,
    Mask,
    Keep,
    Scale,
    WeightDecay,
}

impl SettingName {
    /// The settings of `optimizer` and `dropout`, in the order messages list them.
    pub const SETTINGS: [SettingName; 11] = [
        SettingName::Lr,
        SettingName::Momentum,
        SettingName::Decay,
        SettingName::Beta1,
        SettingName::Beta2,
        SettingName::Eps,
        SettingName::Form,
        SettingName::Steps,
        SettingName::Mask,
        SettingName::Keep,
        SettingName::Scale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SettingName::Lr => "lr",
            SettingName::Momentum => "momentum",
            SettingName::Decay => "decay",
            SettingName::Beta1 => "beta1",
            SettingName::Beta2 => "beta2",
            SettingName::Eps => "eps",
            SettingName::Form => "form",
            SettingName::Steps => "steps",
            SettingName::Mask => "mask",
            SettingName::Keep => "keep",
            SettingName::Scale => "scale",
            SettingName::WeightDecay => "weight_decay",
        }
    }

    pub fn from_name(name: &str) -> Option<SettingName> {
        SettingName::SETTINGS
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for SettingName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The values a bounded setting may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// 0 < v.
    Positive,
    /// 0 ≤ v.
    NonNegative,
    /// 0 ≤ v < 1: a momentum, a decay rate, a β.
    Fraction,
    /// 0 < v ≤ 1: a probability of keeping.
    Probability,
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Range::Positive => "above 0",
            Range::NonNegative => "at least 0",
            Range::Fraction => "at least 0 and below 1",
            Range::Probability => "above 0 and at most 1",
        })
    }
}

/// What kind of value a setting takes, when it is given another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// `lr = 0.1`.
    Number,
    /// `mask = [[1, 0], [1, 1]]`.
    Mask,
    /// `form = zero`: one of these names.
    OneOf(Vec<&'static str>),
}

/// An `optimizer`, `weight_decay` or `dropout` that says something impossible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrainingFault {
    /// A setting the optimizer does not have; `expected` are those it has.
    NoSetting {
        optimizer: OptimizerName,
        setting: String,
        expected: Vec<SettingName>,
    },
    /// A value outside its setting's range.
    OutOfRange {
        setting: SettingName,
        range: Range,
        value: Decimal,
    },
    /// A value of the wrong kind (a name for a number, a number for a form, …).
    WrongKind {
        setting: SettingName,
        wanted: Wanted,
    },
    /// A layer's `dropout` that says something impossible.
    Dropout(DropoutFault),
    /// `optimizer` without the optimizer's name.
    NoOptimizerName,
}

impl std::fmt::Display for TrainingFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |names: &[SettingName]| {
            names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            TrainingFault::NoSetting {
                optimizer,
                setting,
                expected,
            } => write!(
                f,
                "{optimizer} has no setting `{setting}`; expected one of: {}",
                list(expected)
            ),
            TrainingFault::OutOfRange {
                setting,
                range,
                value,
            } => write!(f, "{setting} must be {range}, not {value}"),
            TrainingFault::WrongKind { setting, wanted } => match wanted {
                Wanted::Number => write!(f, "{setting} takes a number, such as `{setting} = 0.5`"),
                Wanted::Mask => write!(
                    f,
                    "{setting} takes a row of 0 and 1 per sample, such as `[[1, 0], [1, 1]]` \
                     (or `[1, 0]` for one sample)"
                ),
                Wanted::OneOf(names) => {
                    write!(f, "{setting} takes one of: {}", names.join(", "))
                }
            },
            TrainingFault::NoOptimizerName => write!(
                f,
                "`optimizer` takes the optimizer's name first, one of: {} (such as `optimizer adam lr = 0.001`)",
                OptimizerName::ALL.map(OptimizerName::as_str).join(", ")
            ),
            TrainingFault::Dropout(fault) => write!(f, "{fault}"),
        }
    }
}

impl std::fmt::Display for DropoutFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DropoutFault::MaskRows {
                layer,
                rows,
                samples,
            } => write!(
                f,
                "the dropout mask of layer {layer} has {} (one per sample), but the input has {}",
                count(*rows, "row"),
                count(*samples, "sample")
            ),
            DropoutFault::MaskColumns {
                layer,
                columns,
                units,
            } => write!(
                f,
                "this row of the dropout mask of layer {layer} has {}, but the layer has {}",
                count(*columns, "value"),
                count(*units, "unit")
            ),
            DropoutFault::MaskEntry { layer, value } => write!(
                f,
                "the dropout mask of layer {layer} holds {value}; its entries are 1 (kept) or 0 (dropped)"
            ),
            DropoutFault::OnOutput { layer } => write!(
                f,
                "dropout is for hidden layers, but layer {layer} is the output layer"
            ),
            DropoutFault::Needs(SettingName::Mask) => write!(
                f,
                "dropout needs its mask, a row of 0 and 1 per sample (such as `mask = [[1, 0], [1, 1]]`)"
            ),
            DropoutFault::Needs(setting) => write!(
                f,
                "dropout needs {setting}, the probability of keeping an output (such as `keep = 0.5`), or `scale = none`"
            ),
            DropoutFault::KeepWithoutScale => write!(
                f,
                "keep has no effect with `scale = none` (z̃ = h(a) ⊙ mask, without dividing by keep): leave it out, or drop `scale = none` for inverted dropout"
            ),
        }
    }
}

/// A layer's `dropout` that says something impossible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DropoutFault {
    /// A mask with a row count other than the samples'.
    MaskRows {
        layer: usize,
        rows: usize,
        samples: usize,
    },
    /// A mask row with an entry count other than the layer's units.
    MaskColumns {
        layer: usize,
        columns: usize,
        units: usize,
    },
    /// A mask entry other than 0 and 1.
    MaskEntry { layer: usize, value: Decimal },
    /// `dropout` on the output layer.
    OnOutput { layer: usize },
    /// `keep` with `scale = none`, where it changes nothing.
    KeepWithoutScale,
    /// A `dropout` without `mask`, or (inverted) without `keep`.
    Needs(SettingName),
}

/// A number in a message: four decimals at most, or four significant digits when large.
fn short(value: f64) -> String {
    if value.abs() < 1e6 {
        ((value * 1e4).round() / 1e4).to_string()
    } else {
        format!("{value:.3e}")
    }
}

/// Which `vary` statements an unworkable variant depends on, for its message.
fn blame(varies: &[String]) -> String {
    match varies {
        [] => "no `vary` changes it: the values written in the file make it impossible".into(),
        [one] => format!("`{one}` makes it impossible: give it other values"),
        many => format!(
            "{} make it impossible: give them other values",
            many.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// What to do about [`Error::RoundedAway`].
fn more_digits(enough: Option<u32>) -> String {
    match enough {
        Some(n) => format!("carry more digits (--digits {n} is enough) or use --carry exact"),
        None => "use --carry exact".into(),
    }
}

/// The elements a layer has, for [`Error::NoElement`]: `its W is 2×3 (2 units, 3 inputs), so
/// i runs from 1 to 2 and j from 1 to 3`, or `it has 2 units, so the index runs from 1 to 2`.
fn element_range(units: usize, inputs: Option<usize>) -> String {
    let runs = |n: usize| match n {
        1 => "can only be 1".to_string(),
        n => format!("runs from 1 to {n}"),
    };
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    match inputs {
        Some(inputs) => format!(
            "its W is {units}×{inputs} ({}, {}), so i {} and j {}",
            plural(units, "unit"),
            plural(inputs, "input"),
            runs(units),
            runs(inputs)
        ),
        None => format!(
            "it has {}, so the index {}",
            plural(units, "unit"),
            runs(units)
        ),
    }
}

/// How a file that is UTF-16 shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Utf16 {
    /// It starts with a byte-order mark (`FF FE` or `FE FF`).
    Marked,
    /// No mark, but a NUL byte beside every ASCII character: after it (little-endian) or
    /// before it (big-endian).
    Unmarked(ByteOrder),
}

/// The order of a UTF-16 code unit's two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOrder {
    /// The low byte first (what Windows writes).
    LittleEndian,
    /// The high byte first.
    BigEndian,
}

/// The end of the not-UTF-8 message for a file that is UTF-16.
fn utf16_note(utf16: Option<Utf16>) -> &'static str {
    match utf16 {
        None => "",
        Some(Utf16::Marked) => "; it is UTF-16: save it as UTF-8",
        Some(Utf16::Unmarked(ByteOrder::LittleEndian)) => {
            "; it is UTF-16 (little-endian, without a byte-order mark): save it as UTF-8"
        }
        Some(Utf16::Unmarked(ByteOrder::BigEndian)) => {
            "; it is UTF-16 (big-endian, without a byte-order mark): save it as UTF-8"
        }
    }
}

/// The message of [`AnswerFault::Ambiguous`]: the name, and what it could be, the last after
/// `or` (`` `a`, `b` or `c` ``).
fn ambiguous(f: &mut std::fmt::Formatter<'_>, name: &str, could_be: &[String]) -> std::fmt::Result {
    let quoted: Vec<String> = could_be.iter().map(|n| format!("`{n}`")).collect();
    let one_of = match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    write!(
        f,
        "`{}` could be {one_of}; write the one you mean as it is written here",
        Visible(name)
    )
}

/// What is wrong with a line of an answer file (`grade`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnswerFault {
    /// No `=` on the line.
    NoEquals,
    /// Nothing before the `=`.
    NoName,
    /// A comma in a value (`3,252`, an input method's `，` or `、`).
    Comma(char),
    /// A value that is not a number.
    NotANumber(String),
    /// A number too large, or too small or with too many digits, to be kept exactly.
    OutOfRange(String, Beyond),
    /// A value with more digits than an answer may have: how many, and the most.
    TooManyDigits { digits: usize, most: usize },
    /// `[step 0]`, `[n=-1]`: steps and samples count from 1 (the bracket as written).
    FromOne { what: Counted, written: String },
    /// `[step 7]` where the derivation has fewer steps (or samples): the bracket as written,
    /// and how many it has.
    NoSuch {
        what: Counted,
        written: String,
        count: usize,
    },
    /// A name the derivation has no quantity of, and the nearest it has.
    Unknown {
        name: String,
        nearest: Option<String>,
    },
    /// A name that is a spelling of more than one quantity (`dE/dw111(1)` where the indices
    /// are 1 and 11 or 11 and 1), and the table's names of them.
    Ambiguous { name: String, could_be: Vec<String> },
    /// A file with no answer in it (empty, comments only, or a blank sheet).
    NoAnswers,
    /// A quantity answered twice.
    Twice { name: String, first: Span },
    /// A `[` never closed before the end of the line (the `=` is read as inside it).
    Unclosed,
    /// `--sheet -o FILE` where FILE holds answers filled in (at the answer pointed at).
    SheetOverAnswers,
}

/// What an answer's name counts in brackets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// `[step N]`.
    Step,
    /// `[n=N]`.
    Sample,
}

impl Counted {
    /// The word, singular or plural.
    fn word(self, count: u64) -> &'static str {
        match (self, count == 1) {
            (Counted::Step, true) => "step",
            (Counted::Step, false) => "steps",
            (Counted::Sample, true) => "sample",
            (Counted::Sample, false) => "samples",
        }
    }

    /// How the first is written.
    fn first(self) -> &'static str {
        match self {
            Counted::Step => "[step 1]",
            Counted::Sample => "[n=1]",
        }
    }
}

/// Which way a number is beyond what is kept exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beyond {
    /// 1e38 or more in size.
    TooLarge,
    /// More than 38 significant digits or 30 decimal places (`1e-400`).
    TooPrecise,
}

impl std::fmt::Display for AnswerFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnswerFault::NoEquals => write!(
                f,
                "expected an answer `NAME = value` (or a `#` comment), found a line without `=`"
            ),
            AnswerFault::NoName => write!(f, "expected a name before `=`"),
            AnswerFault::Comma(c) => write!(
                f,
                "a comma `{c}` (U+{:04X}) in a value: write the decimal point as `.` and no \
                 thousands separator (3.252, not 3,252)",
                *c as u32
            ),
            AnswerFault::NotANumber(text) => write!(
                f,
                "`{}` is not a number; write it as 3.252, -0.2252 or 1.41e-3",
                Visible(text)
            ),
            AnswerFault::OutOfRange(text, Beyond::TooLarge) => write!(
                f,
                "`{}` is too large to be an answer: an answer is below 1e38",
                Visible(text)
            ),
            AnswerFault::OutOfRange(text, Beyond::TooPrecise) => write!(
                f,
                "`{}` is too small or too precise to be an answer: an answer has at most 30 \
                 decimal places and 38 significant digits (a value below 1e-30 is written 0 at \
                 the places you worked to, such as 0.0000)",
                Visible(text)
            ),
            AnswerFault::TooManyDigits { digits, most } => {
                write!(f, "the number has {digits} digits; at most {most}")
            }
            AnswerFault::FromOne { what, written } => write!(
                f,
                "`{written}` names no {}: {} are counted from 1 (`{}`)",
                what.word(1),
                what.word(2),
                what.first()
            ),
            AnswerFault::NoSuch {
                what,
                written,
                count,
            } => write!(
                f,
                "`{written}` names no {}: the derivation has {count} {}",
                what.word(1),
                what.word(*count as u64)
            ),
            AnswerFault::Unknown { name, nearest } => {
                write!(
                    f,
                    "no quantity of this derivation is named `{}`",
                    Visible(name)
                )?;
                match nearest {
                    Some(near) => write!(f, "; did you mean `{near}`?"),
                    None => write!(f, "; `grade FILE --sheet` lists every name"),
                }
            }
            AnswerFault::Ambiguous { name, could_be } => ambiguous(f, name, could_be),
            AnswerFault::Twice { name, .. } => write!(f, "`{}` is answered twice", Visible(name)),
            AnswerFault::NoAnswers => write!(
                f,
                "the answer file has no answer: write one `NAME = value` a line"
            ),
            AnswerFault::Unclosed => write!(
                f,
                "a `[` not closed: the `=` after it is read as inside the bracket; close it \
                 (`z_1 [step 1] = 0.6457`)"
            ),
            AnswerFault::SheetOverAnswers => write!(
                f,
                "this file holds filled-in answers: a blank sheet is not written over them; \
                 nothing was written (choose another `-o` file)"
            ),
        }
    }
}

impl Error {
    /// The span the message points at, when it has one.
    pub fn span(&self) -> Option<Span> {
        match self {
            Error::Syntax { span, .. }
            | Error::Misfit { span, .. }
            | Error::OverLimit { span, .. }
            | Error::BadValue { span, .. }
            | Error::Character { span, .. }
            | Error::Escape { span, .. }
            | Error::Duplicate { span, .. }
            | Error::Missing { span, .. }
            | Error::Unknown { span, .. }
            | Error::Shape { span, .. }
            | Error::TooManyTokens { span, .. }
            | Error::Undefined { span, .. }
            | Error::Arity { span, .. }
            | Error::NoElement { span, .. }
            | Error::RoundedAway { span, .. }
            | Error::Answers { span, .. }
            | Error::Graph { span, .. }
            | Error::GraphView { span, .. }
            | Error::Training { span, .. } => Some(*span),
            Error::Unworkable(unworkable) => unworkable.span,
            _ => None,
        }
    }

    /// The full message: `error: …`, and where the span is, the location, line and caret.
    pub fn render(&self, source: Option<&Source>) -> String {
        let mut out = format!("error: {}\n", clip_message(self.to_string()));
        // Bytes that are not UTF-8 are shown in a text of their own.
        let (span, source) = match self {
            Error::NotUtf8 { shown, at, .. } => (Some(*at), Some(&**shown)),
            _ => (self.span(), source),
        };
        if let (Some(span), Some(source)) = (span, source) {
            out.push_str(&snippet(source, span));
            if let Error::Duplicate { first, .. } = self {
                let (line, col) = source.line_col(first.start);
                let _ = writeln!(out, "note: first defined at {}:{line}:{col}", source.name);
            }
            if let Error::Answers {
                fault: AnswerFault::Twice { first, .. },
                ..
            } = self
            {
                let (line, col) = source.line_col(first.start);
                let _ = writeln!(out, "note: first given at {}:{line}:{col}", source.name);
            }
            if let Error::Unworkable(unworkable) = self {
                for span in &unworkable.also {
                    let (line, col) = source.line_col(span.start);
                    let _ = writeln!(out, "note: also drawn at {}:{line}:{col}", source.name);
                }
            }
        }
        out
    }
}

/// The widest part of a source line shown in a message, in display columns, and how much of
/// it goes before the caret when a long line is clipped to a window around it.
const WINDOW: usize = 100;
const BEFORE_CARET: usize = 40;
/// The longest message shown whole, in characters; a longer one (a name of a million
/// letters) keeps its start and its end.
const MESSAGE: usize = 300;

/// `--> file:line:col`, the line, and carets under the span (its first line only).
///
/// The column after `-->` counts characters, as editors do; the caret is placed in display
/// columns, so that it stands under its character in a terminal: double-width characters take
/// two, tabs go to the next multiple of 4, and characters that show nothing are shown as
/// `<U+200B>`. A line longer than [`WINDOW`] is clipped around the caret, marked with `…`.
fn snippet(source: &Source, span: Span) -> String {
    let (line, col) = source.line_col(span.start);
    let (text, line_start) = source.line_at(span.start);
    // Offsets inside a character mean that character.
    let start = floor_boundary(text, span.start.saturating_sub(line_start));
    let end = span.end.max(span.start).saturating_sub(line_start);
    let (mut total, mut caret_start, mut caret_end) = (0, None, None);
    for (at, c) in text.char_indices() {
        if at >= start && caret_start.is_none() {
            // A combining mark shows on the character before it: the caret goes there.
            let on_previous = Shown::of(c, total).width() == 0 && total > 0;
            caret_start = Some(total - usize::from(on_previous));
        }
        if at >= end && caret_end.is_none() {
            caret_end = Some(total);
        }
        total += Shown::of(c, total).width();
    }
    let caret_start = caret_start.unwrap_or(total);
    let caret_end = caret_end.unwrap_or(total).max(caret_start);
    let (lo, hi) = if total <= WINDOW {
        (0, total)
    } else {
        let lo = caret_start.saturating_sub(BEFORE_CARET);
        let hi = (lo + WINDOW).min(total);
        (hi - WINDOW, hi)
    };
    let mut shown = String::new();
    let mut indent = caret_start - lo;
    if lo > 0 {
        shown.push('…');
        indent += 1;
    }
    let mut at = 0;
    for c in text.chars() {
        let cell = Shown::of(c, at);
        let next = at + cell.width();
        if next > hi {
            break;
        }
        if at >= lo {
            cell.write(&mut shown);
        } else if next > lo {
            // A wide character cut by the window's left edge.
            shown.push_str(&" ".repeat(next - lo));
        }
        at = next;
    }
    if hi < total {
        shown.push('…');
    }
    let carets = (caret_end.min(hi).saturating_sub(caret_start)).max(1);
    let gutter = line.to_string().len();
    let mut out = String::new();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {}:{line}:{col}", source.name);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{line} | {shown}");
    let _ = writeln!(out, "{pad} | {}{}", " ".repeat(indent), "^".repeat(carets));
    out
}

/// A value quoted in a message, its control characters shown as the source line shows them
/// (`␛`, `␈`, `␀`, a tab as `␉`): printed raw, `\x1b[2J` would clear the reader's terminal.
struct Visible<'a>(&'a str);

impl std::fmt::Display for Visible<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::with_capacity(self.0.len());
        for c in self.0.chars() {
            match c {
                '\t' => out.push('\u{2409}'),
                c => Shown::of(c, 0).write(&mut out),
            }
        }
        f.write_str(&out)
    }
}

/// How one character of a source line is echoed in a message.
enum Shown {
    /// A tab, as the spaces to the next tab stop.
    Spaces(usize),
    /// A character as it is, with its display width.
    Char(char, usize),
    /// A control character, as its control picture (`␇`), one column wide.
    Picture(char),
    /// A character that shows nothing, as `<U+200B>`.
    Code(char),
}

impl Shown {
    /// How `c` is shown when it starts at display column `col`.
    fn of(c: char, col: usize) -> Shown {
        match c {
            '\t' => Shown::Spaces(4 - col % 4),
            '\u{0}'..='\u{1F}' => Shown::Picture(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7F}' => Shown::Picture('\u{2421}'),
            _ if c.is_control() => Shown::Picture('\u{FFFD}'),
            _ if crate::chars::invisible(c).is_some() => Shown::Code(c),
            _ => Shown::Char(c, c.width().unwrap_or(1)),
        }
    }

    fn width(&self) -> usize {
        match self {
            Shown::Spaces(n) | Shown::Char(_, n) => *n,
            Shown::Picture(_) => 1,
            Shown::Code(c) => format!("<U+{:04X}>", *c as u32).len(),
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            Shown::Spaces(n) => out.push_str(&" ".repeat(*n)),
            Shown::Char(c, _) | Shown::Picture(c) => out.push(*c),
            Shown::Code(c) => {
                let _ = write!(out, "<U+{:04X}>", *c as u32);
            }
        }
    }
}

/// The largest char boundary of `text` at or before `at`.
pub fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A message of at most [`MESSAGE`] characters: a longer one loses its middle to `…`.
fn clip_message(message: String) -> String {
    let count = message.chars().count();
    if count <= MESSAGE {
        return message;
    }
    let keep = MESSAGE / 2;
    let head: String = message.chars().take(keep).collect();
    let tail: String = message.chars().skip(count - keep).collect();
    format!("{head}…{tail}")
}

/// ` (16 MiB)` for a whole number of mebibytes, else nothing.
fn mebibytes(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= MIB && bytes % MIB == 0 {
        format!(" ({} MiB)", bytes / MIB)
    } else {
        String::new()
    }
}

/// A character in a message: `` `，` (U+FF0C) ``, or only its code point when it shows nothing
/// or would break the message (spaces, controls, invisible characters).
fn character(c: char) -> String {
    let unseen = c.is_control()
        || c.is_whitespace()
        || c.width() == Some(0)
        || crate::chars::invisible(c).is_some();
    if unseen {
        format!("U+{:04X}", c as u32)
    } else {
        format!("`{c}` (U+{:04X})", c as u32)
    }
}

/// What a character outside the language was found to be, and what to type instead.
fn foreign(c: char, kind: Foreign) -> String {
    let code = format!("U+{:04X}", c as u32);
    let names = "names are ASCII letters, digits and `_`";
    match kind {
        Foreign::Minus => format!("`{c}` ({code}), which is not `-`; copied from a PDF?"),
        Foreign::Dash => format!("the dash `{c}` ({code}), which is not `-`: use `-`"),
        Foreign::FullWidth(ascii) => format!("full-width `{c}` ({code}): use `{ascii}`"),
        Foreign::IdeographicSpace => format!("a full-width space ({code}): use a plain space"),
        Foreign::NoBreakSpace => format!("a no-break space ({code}): use a plain space"),
        Foreign::Space => format!("a special space ({code}): use a plain space"),
        Foreign::Invisible(which) => {
            let name = match which {
                Invisible::ZeroWidthSpace => "zero-width space",
                Invisible::ZeroWidthNonJoiner => "zero-width non-joiner",
                Invisible::ZeroWidthJoiner => "zero-width joiner",
                Invisible::WordJoiner => "word joiner",
                Invisible::ByteOrderMark => "byte-order mark",
                Invisible::SoftHyphen => "soft hyphen",
                Invisible::Direction => "text-direction control",
                Invisible::Format => "formatting character",
            };
            format!("an invisible {name} ({code}), shown as `<{code}>`: delete it")
        }
        Foreign::SmartQuote => {
            format!("the curly quote `{c}` ({code}): strings take straight double quotes `\"`")
        }
        Foreign::Greek(Some(ascii)) => {
            format!("the Greek letter `{c}` ({code}): {names}, such as `{ascii}`")
        }
        Foreign::Greek(None) => format!("the Greek letter `{c}` ({code}): {names}"),
        Foreign::Operator(op) => format!("`{c}` ({code}), which is not an operator: use `{op}`"),
        Foreign::Letter => format!(
            "{}: {names}; other text belongs in the title or a comment",
            character(c)
        ),
        Foreign::Control => format!("the control character {code}: delete it"),
        Foreign::Symbol => format!(
            "{}, which means nothing outside the title and comments",
            character(c)
        ),
    }
}

/// The message of a backslash in the title that is not one of its two escapes.
fn escape_message(escape: Option<char>) -> String {
    let fix = "write `\\\\` for a backslash";
    match escape {
        Some(c) if character(c).starts_with('`') => {
            format!("unknown escape `\\{c}` in the title; {fix}")
        }
        Some(c) => format!(
            "unknown escape in the title: `\\` before {}; {fix}",
            character(c)
        ),
        None => format!("the title's line ends in a lone `\\`; {fix}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_and_column() {
        let source = Source::new("a.nn", "title \"x\"\ninput x = [1, 2]\n");
        assert_eq!(source.line_col(0), (1, 1));
        assert_eq!(source.line_col(16), (2, 7));
        assert_eq!(source.line_col(1000), (3, 1));
    }

    #[test]
    fn renders_with_caret_under_span() {
        let source = Source::new("a.nn", "layer sigmoid\nlayer softsign\n");
        let error = Error::Unknown {
            what: "activation",
            name: "softsign".into(),
            expected: vec!["identity", "sigmoid"],
            span: Span::new(20, 28),
        };
        assert_eq!(
            error.render(Some(&source)),
            "error: unknown activation `softsign`; expected one of: identity, sigmoid\n \
             --> a.nn:2:7\n  |\n2 | layer softsign\n  |       ^^^^^^^^\n"
        );
    }

    #[test]
    fn columns_count_characters_and_carets_display_columns() {
        let source = Source::new("a.nn", "title \"手計算\" x\n");
        let at = source.text.find(" x").unwrap() + 1;
        assert_eq!(source.line_col(at), (1, 13));
        let error = Error::Syntax {
            fault: SyntaxFault::Expected {
                expected: Expected(vec!["a statement".into()]),
                found: Found::Char('x'),
            },
            span: Span::new(at, at + 1),
        };
        let rendered = error.render(Some(&source));
        // `手計算` is 3 characters but 6 columns wide: the caret stands under the `x`.
        assert!(rendered.contains(" --> a.nn:1:13\n"), "{rendered}");
        assert!(
            rendered.ends_with(&format!("  | {}^\n", " ".repeat(15))),
            "{rendered}"
        );
    }

    /// The echoed line and the caret line of `text` with the span `start..end`.
    fn echo(text: &str, start: usize, end: usize) -> (String, String) {
        let rendered = snippet(&Source::new("a.nn", text), Span::new(start, end));
        let lines: Vec<&str> = rendered.lines().collect();
        let strip = |line: &str| {
            line.split_once(" | ")
                .map_or("", |(_, rest)| rest)
                .to_string()
        };
        (strip(lines[2]), strip(lines[3]))
    }

    #[test]
    fn tabs_expand_alike_in_both_lines() {
        let text = "\tab\tx";
        let (line, carets) = echo(text, 4, 5);
        assert_eq!(line, "    ab  x");
        assert_eq!(carets, "        ^");
    }

    #[test]
    fn wide_and_invisible_characters_take_their_width() {
        let text = "input x = [1，2]";
        let at = text.find('，').unwrap();
        assert_eq!(
            echo(text, at, at + 3),
            (text.into(), format!("{}^^", " ".repeat(12)))
        );
        let text = "layer sig\u{200B}moid";
        let (line, carets) = echo(text, 9, 12);
        assert_eq!(line, "layer sig<U+200B>moid");
        assert_eq!(carets, "         ^^^^^^^^");
        // A combining mark: the caret stands under the letter it is drawn on.
        assert_eq!(echo("ae\u{301}", 2, 4).1, " ^");
        let (line, carets) = echo("a\u{7}b\u{1b}[2J", 1, 2);
        assert_eq!((line.as_str(), carets.as_str()), ("a␇b␛[2J", " ^"));
    }

    #[test]
    fn any_byte_offset_is_safe() {
        let text = "a é 二 😀\n";
        for start in 0..=text.len() + 2 {
            for end in start..=text.len() + 2 {
                let source = Source::new("a.nn", text);
                let _ = snippet(&source, Span::new(start, end));
                let _ = source.line_col(start);
            }
        }
        // Inside `é`: the character it is part of.
        assert_eq!(echo(text, 3, 4).1, "  ^");
    }

    #[test]
    fn long_lines_are_clipped_around_the_caret() {
        let text = format!("{}X{}", "a".repeat(2_000_000), "b".repeat(2_000_000));
        let (line, carets) = echo(&text, 2_000_000, 2_000_001);
        assert_eq!(line.chars().count(), WINDOW + 2);
        assert!(line.starts_with('…') && line.ends_with('…'), "{line}");
        assert_eq!(carets, format!("{}^", " ".repeat(BEFORE_CARET + 1)));
        assert_eq!(line.chars().nth(BEFORE_CARET + 1), Some('X'));
        // A span longer than the window: carets to its edge.
        let (_, carets) = echo(&text, 1_000_000, 3_000_000);
        assert_eq!(carets.trim_start().len(), WINDOW - BEFORE_CARET);
        // Near the end of the line, the window ends with the line.
        let (line, _) = echo(&text, text.len() - 1, text.len());
        assert!(line.starts_with('…') && line.ends_with('b'), "{line}");
        let message = Error::BadValue {
            fault: ValueFault::NumberTooLarge("1".repeat(1_000_000)),
            span: Span::new(0, 1),
        };
        let first = message.render(None);
        assert!(
            first.len() < 2 * MESSAGE && first.ends_with(" below 1e38)\n"),
            "{first}"
        );
    }

    #[test]
    fn hints_name_the_character_meant() {
        let message = |c: char| {
            Error::Character {
                expected: Expected(vec!["a number".into()]),
                found: c,
                kind: Foreign::of(c).unwrap(),
                span: Span::new(0, 1),
            }
            .to_string()
        };
        assert_eq!(
            message('−'),
            "expected a number, found `−` (U+2212), which is not `-`; copied from a PDF?"
        );
        assert_eq!(
            message('，'),
            "expected a number, found full-width `，` (U+FF0C): use `,`"
        );
        assert_eq!(
            message('\u{200B}'),
            "expected a number, found an invisible zero-width space (U+200B), shown as `\
             <U+200B>`: delete it"
        );
        assert_eq!(
            message('η'),
            "expected a number, found the Greek letter `η` (U+03B7): names are ASCII letters, \
             digits and `_`, such as `eta`"
        );
        assert_eq!(
            Error::Escape {
                escape: Some('i'),
                span: Span::new(0, 2)
            }
            .to_string(),
            "unknown escape `\\i` in the title; write `\\\\` for a backslash"
        );
    }
}
