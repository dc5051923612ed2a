//! The syntax tree of a `.nn` file, as written: nothing is checked yet, and every node keeps
//! the span of its text so that `check` can point at the cause of any problem.

use crate::error::Span;
use crate::number::Decimal;

/// A name with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// A number literal with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    pub value: Decimal,
    pub span: Span,
}

/// `[1, 2, 3]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Vector {
    pub items: Vec<Number>,
    pub span: Span,
}

/// A vector `[1, 2]` or a matrix `[[1, 2], [3, 4]]` (a list of rows).
#[derive(Clone, Debug, PartialEq)]
pub enum Array {
    Vector(Vector),
    Matrix { rows: Vec<Vector>, span: Span },
}

impl Array {
    pub fn span(&self) -> Span {
        match self {
            Array::Vector(v) => v.span,
            Array::Matrix { span, .. } => *span,
        }
    }

    /// The rows: a vector is a matrix of one row.
    pub fn rows(&self) -> Vec<&Vector> {
        match self {
            Array::Vector(v) => vec![v],
            Array::Matrix { rows, .. } => rows.iter().collect(),
        }
    }
}

/// `W = [[…]]` or `b = […]` inside a layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Name,
    pub value: Array,
    pub span: Span,
}

/// `lr = 0.1` inside `sgd`.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub name: Name,
    pub value: Number,
    pub span: Span,
}

/// One statement of the file.
#[derive(Clone, Debug, PartialEq)]
pub enum Statement {
    /// `title "…"`; the text is unescaped.
    Title { text: String, span: Span },
    /// `input x = …`.
    Input {
        name: Name,
        value: Array,
        span: Span,
    },
    /// `target t = …`.
    Target {
        name: Name,
        value: Array,
        span: Span,
    },
    /// `layer sigmoid W = … b = …`.
    Layer {
        activation: Name,
        params: Vec<Param>,
        span: Span,
    },
    /// `loss sum_squared`.
    Loss { name: Name, span: Span },
    /// `sgd lr = 0.1, steps = 2`.
    Sgd { settings: Vec<Setting>, span: Span },
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::Title { span, .. }
            | Statement::Input { span, .. }
            | Statement::Target { span, .. }
            | Statement::Layer { span, .. }
            | Statement::Loss { span, .. }
            | Statement::Sgd { span, .. } => *span,
        }
    }
}

/// A whole file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub statements: Vec<Statement>,
    /// The end of the last non-blank text, for "missing …" messages.
    pub end: Span,
}
