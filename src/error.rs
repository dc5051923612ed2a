//! The one error type, and how it is shown to a person.
//!
//! Every problem with an input file carries the span of the text that caused it, and is shown
//! as `error: …`, then `--> file:line:col`, the source line and a caret under the cause — the
//! reader should never have to guess where to look. All errors mean exit status 1.

use std::fmt::Write as _;

use thiserror::Error;

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
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The text of the line holding byte `offset`, and the byte where that line starts.
    fn line_at(&self, offset: usize) -> (&str, usize) {
        let offset = offset.min(self.text.len());
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

    /// The input is not UTF-8 text; `offset` is the first bad byte.
    #[error("{path} is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { path: String, offset: usize },

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

    /// A computation that leaves the real numbers, naming the quantity and the step.
    #[error("{quantity} in step {step}: {fault}")]
    Numeric {
        quantity: String,
        step: u32,
        fault: String,
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

impl Error {
    /// The span the message points at, when it has one.
    pub fn span(&self) -> Option<Span> {
        match self {
            Error::Syntax { span, .. }
            | Error::Duplicate { span, .. }
            | Error::Missing { span, .. }
            | Error::Unknown { span, .. }
            | Error::Shape { span, .. }
            | Error::Limit { span, .. }
            | Error::Undefined { span, .. }
            | Error::Arity { span, .. }
            | Error::Mismatch { span, .. }
            | Error::Value { span, .. } => Some(*span),
            Error::Unworkable(unworkable) => unworkable.span,
            _ => None,
        }
    }

    /// The full message: `error: …`, and where the span is, the location, line and caret.
    pub fn render(&self, source: Option<&Source>) -> String {
        let mut out = format!("error: {self}\n");
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

/// `--> file:line:col`, the line, and carets under the span (its first line only).
fn snippet(source: &Source, span: Span) -> String {
    let (line, col) = source.line_col(span.start);
    let (text, line_start) = source.line_at(span.start);
    let gutter = line.to_string().len();
    let start = span.start.min(source.text.len());
    let width = text
        .get(start - line_start..)
        .map(|rest| {
            let end = span.end.clamp(start, line_start + text.len());
            rest[..end - start].chars().count()
        })
        .unwrap_or(0)
        .max(1);
    let mut out = String::new();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {}:{line}:{col}", source.name);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{line} | {text}");
    let _ = writeln!(out, "{pad} | {}{}", " ".repeat(col - 1), "^".repeat(width));
    out
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
    fn columns_count_characters_not_bytes() {
        let source = Source::new("a.nn", "title \"手計算\" x\n");
        let at = source.text.find(" x").unwrap() + 1;
        assert_eq!(source.line_col(at), (1, 13));
        let error = Error::Syntax {
            message: "expected a statement".into(),
            span: Span::new(at, at + 1),
        };
        let rendered = error.render(Some(&source));
        assert!(
            rendered.ends_with(&format!("  | {}^\n", " ".repeat(12))),
            "{rendered}"
        );
    }
}
