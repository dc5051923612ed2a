//! The one error type, and how it is shown to a person.
//!
//! Every problem with an input file carries the span of the text that caused it, and is shown
//! as `error: …`, then `--> file:line:col`, the source line and a caret under the cause — the
//! reader should never have to guess where to look. All errors mean exit status 1.

use std::fmt::Write as _;

use thiserror::Error;
use unicode_width::UnicodeWidthChar;

use crate::syntax::input::{Foreign, Invisible};

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
    pub text: String,
}

impl Source {
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
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },

    /// The input is not UTF-8 text; `offset` is the first bad byte of the file, `utf16` says
    /// that it starts with a UTF-16 byte-order mark (Notepad's "Unicode").
    #[error(
        "{path} is not UTF-8 text (invalid byte at offset {offset}){}",
        if *utf16 { "; it is UTF-16: save it as UTF-8" } else { "" }
    )]
    NotUtf8 {
        path: String,
        offset: usize,
        utf16: bool,
    },

    /// The input is longer than `--max-input-bytes`; reading stopped there.
    #[error(
        "{path} is larger than {limit} bytes{}, the input size limit (raise it with \
         --max-input-bytes)",
        mebibytes(*limit)
    )]
    TooLarge { path: String, limit: u64 },

    /// A text with more tokens than any network within the limits needs (checked before
    /// parsing, whose memory grows with the tokens).
    #[error(
        "the file holds more than {limit} tokens (numbers, names and symbols), more than any \
         network within the limits needs; raise --max-gradients, --max-units or --max-samples \
         for a bigger network"
    )]
    TooManyTokens { limit: usize, span: Span },

    /// The text does not follow the grammar at a character the language has no place for.
    #[error("expected {expected}, found {}", foreign(*found, *kind))]
    Character {
        expected: String,
        found: char,
        kind: Foreign,
        span: Span,
    },

    /// A backslash in the title that is not `\"` or `\\`; `None`: at the end of the line.
    #[error("{}", escape_message(*escape))]
    Escape { escape: Option<char>, span: Span },

    /// The text does not follow the grammar.
    #[error("{message}")]
    Syntax { message: String, span: Span },

    /// Something that may appear once appears again.
    #[error("{what} is defined twice")]
    Duplicate {
        what: String,
        span: Span,
        first: Span,
    },

    /// A required statement is absent.
    #[error("the file has no {what}")]
    Missing { what: &'static str, span: Span },

    /// A name that means nothing here: an activation, loss, layer parameter or setting.
    #[error("unknown {what} `{name}`; expected one of: {}", expected.join(", "))]
    Unknown {
        what: &'static str,
        name: String,
        expected: Vec<&'static str>,
        span: Span,
    },

    /// A name in a formula that is not the formula's parameter.
    #[error("`{name}` is not defined in {place}; {params}")]
    Undefined {
        name: String,
        place: String,
        params: String,
        span: Span,
    },

    /// A function called with the wrong number of arguments.
    #[error("{function} takes 1 argument, but {given} were given")]
    Arity {
        function: String,
        given: usize,
        span: Span,
    },

    /// A loss that does not fit the output layer or the targets.
    #[error("{message}")]
    Mismatch { message: String, span: Span },

    /// Sizes that do not fit together.
    #[error("{message}")]
    Shape { message: String, span: Span },

    /// A file asking for more work than the limits allow (raisable with a flag).
    #[error("{message}")]
    Limit { message: String, span: Span },

    /// A value outside what it may be (a learning rate of 0, a fractional step count, …).
    #[error("{message}")]
    Value { message: String, span: Span },

    /// An asked element that its layer does not have (`ask grad w45 1` where W1 is 2×3):
    /// `inputs` is the layer's for a weight, `None` for a unit's number or a bias.
    #[error(
        "layer {layer} has no `{name}`: {}",
        element_range(*units, *inputs)
    )]
    NoElement {
        name: String,
        layer: u32,
        units: usize,
        inputs: Option<usize>,
        span: Span,
    },

    /// A computation that leaves the real numbers, naming the quantity and the step.
    #[error("{quantity} in step {step}: {fault}")]
    Numeric {
        quantity: String,
        step: u32,
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
        quantity: String,
        step: u32,
        fault: String,
        digits: u32,
        enough: Option<u32>,
        span: Span,
    },

    /// A printed gradient that finite differences do not confirm (`check`).
    #[error("{message}")]
    Verification { message: String },

    /// A formula the differentiator has no rule for.
    #[error("cannot differentiate: {message}")]
    Unsupported { message: String },

    /// A template (built-in or the user's) failed to load or render.
    #[error("template {name}: {message}")]
    Template { name: String, message: String },

    /// The output could not be written.
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },

    /// `-o` names the input file itself (by device and inode, so also through a link).
    #[error("refusing to write {output}: it is the input file {input}; nothing was written")]
    SameFile { input: String, output: String },

    /// `-o` names a directory (or ends in `/`).
    #[error("cannot write {path}: it is a directory; give a file name")]
    OutputIsDirectory { path: String },

    /// `--templates` names something that is not a readable directory.
    #[error("cannot use templates from {path}: {message}")]
    TemplatesDir { path: String, message: String },

    /// Files to be written all together exist already (`templates export` without `--force`).
    #[error("{dir} already holds {}; nothing was written (--force replaces them)", names.join(", "))]
    Exists { dir: String, names: Vec<String> },
    /// `exam` on a file without `vary`: every variant would be the same.
    #[error("the file has no `vary` statement, so every variant would be the same (add one such as `vary W in [-1, 1] step 0.1`)")]
    NothingVaries,

    /// An exam's output directory that is not safe to write into.
    #[error("cannot write the exam into {path}: {refusal}")]
    ExamDir { path: String, refusal: DirRefusal },

    /// No draw of a variant could be worked by hand within the attempt budget.
    #[error("{0}")]
    Unworkable(Box<Unworkable>),

    /// An error without a place in the file, in one variant of an exam.
    #[error("variant {variant}: {error}")]
    InVariant { variant: usize, error: Box<Error> },
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

impl Error {
    /// The span the message points at, when it has one.
    pub fn span(&self) -> Option<Span> {
        match self {
            Error::Syntax { span, .. }
            | Error::Character { span, .. }
            | Error::Escape { span, .. }
            | Error::Duplicate { span, .. }
            | Error::Missing { span, .. }
            | Error::Unknown { span, .. }
            | Error::Shape { span, .. }
            | Error::Limit { span, .. }
            | Error::TooManyTokens { span, .. }
            | Error::Undefined { span, .. }
            | Error::Arity { span, .. }
            | Error::Mismatch { span, .. }
            | Error::Value { span, .. }
            | Error::NoElement { span, .. }
            | Error::RoundedAway { span, .. } => Some(*span),
            Error::Unworkable(unworkable) => unworkable.span,
            _ => None,
        }
    }

    /// The full message: `error: …`, and where the span is, the location, line and caret.
    pub fn render(&self, source: Option<&Source>) -> String {
        let mut out = format!("error: {}\n", clip_message(self.to_string()));
        if let (Some(span), Some(source)) = (self.span(), source) {
            out.push_str(&snippet(source, span));
            if let Error::Duplicate { first, .. } = self {
                let (line, col) = source.line_col(first.start);
                let _ = writeln!(out, "note: first defined at {}:{line}:{col}", source.name);
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
            _ if crate::syntax::input::invisible(c).is_some() => Shown::Code(c),
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
        || crate::syntax::input::invisible(c).is_some();
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
            message: "expected a statement".into(),
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
        let message = Error::Syntax {
            message: "x".repeat(1_000_000) + " end",
            span: Span::new(0, 1),
        };
        let first = message.render(None);
        assert!(
            first.len() < 2 * MESSAGE && first.ends_with(" end\n"),
            "{first}"
        );
    }

    #[test]
    fn hints_name_the_character_meant() {
        let message = |c: char| {
            Error::Character {
                expected: "a number".into(),
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
