//! The syntax tree of a `.nn` file, as written: nothing is checked yet, and every node keeps
//! the span of its text so that `check` can point at the cause of any problem.

use crate::error::Span;
use crate::math::number::Decimal;

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

/// A binary operator of a formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

/// A formula in a custom activation or loss, as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Formula {
    Number(Number),
    Name(Name),
    Neg {
        operand: Box<Formula>,
        span: Span,
    },
    Binary {
        op: Op,
        lhs: Box<Formula>,
        rhs: Box<Formula>,
        span: Span,
    },
    Call {
        function: Name,
        args: Vec<Formula>,
        span: Span,
    },
}

impl Formula {
    pub fn span(&self) -> Span {
        match self {
            Formula::Number(n) => n.span,
            Formula::Name(n) => n.span,
            Formula::Neg { span, .. }
            | Formula::Binary { span, .. }
            | Formula::Call { span, .. } => *span,
        }
    }
}

/// The values a `vary` statement draws from.
#[derive(Clone, Debug, PartialEq)]
pub enum VarySpec {
    /// `[low, high] step s`.
    Range {
        low: Number,
        high: Number,
        step: Number,
    },
    /// `{v1, v2, …}`.
    Set(Vec<Number>),
}

/// What an `ask` statement asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AskKind {
    /// A value: `ask y`, `ask E`.
    Value,
    /// `ask grad W1`.
    Grad,
    /// `ask update W2`.
    Update,
    /// A value after the last update: `ask E after`.
    After,
    /// A graph's partial derivative: `ask df/dx` (the target is `x`).
    Partial,
}

/// What follows `loss`: a built-in's name, or `(y, t) = formula`.
#[derive(Clone, Debug, PartialEq)]
pub enum LossSpec {
    Named(Name),
    Custom {
        y: Name,
        t: Name,
        body: Formula,
        /// The formula as written.
        text: String,
    },
}

/// `W = [[…]]` or `b = […]` inside a layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Name,
    pub value: Array,
    pub span: Span,
}

/// What a setting is given: `0.1`, `zero`, `[[1, 0]]`.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Number(Number),
    Name(Name),
    Array(Array),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Number(n) => n.span,
            Value::Name(n) => n.span,
            Value::Array(a) => a.span(),
        }
    }
}

/// `lr = 0.1` inside `sgd` (always a number there) or `optimizer`, `keep = 0.5` inside
/// `dropout`.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub name: Name,
    pub value: Value,
    pub span: Span,
}

/// `dropout mask = […], keep = 0.5` inside a layer.
#[derive(Clone, Debug, PartialEq)]
pub struct DropoutClause {
    pub settings: Vec<Setting>,
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
    /// `layer sigmoid W = … b = …`, with any `dropout …` among its parameters.
    Layer {
        activation: Name,
        params: Vec<Param>,
        dropouts: Vec<DropoutClause>,
        span: Span,
    },
    /// `loss sum_squared` or `loss (y, t) = (y - t)^2 / 2`.
    Loss { spec: LossSpec, span: Span },
    /// `activation swish(a) = a / (1 + exp(-a))`; `text` is the formula as written.
    Activation {
        name: Name,
        param: Name,
        body: Formula,
        text: String,
        span: Span,
    },
    /// `vary W in [-1, 1] step 0.1`.
    Vary {
        target: Name,
        values: VarySpec,
        span: Span,
    },
    /// `ask grad W1`, `ask grad w12 1`: the name, then the layer number if one is written.
    Ask {
        kind: AskKind,
        target: Name,
        layer: Option<Number>,
        span: Span,
    },
    /// `sgd lr = 0.1, steps = 2`.
    Sgd { settings: Vec<Setting>, span: Span },
    /// `optimizer adam lr = 0.001, beta1 = 0.9`; without a name, `optimizer lr = 0.1`.
    Optimizer {
        name: Option<Name>,
        settings: Vec<Setting>,
        span: Span,
    },
    /// `weight_decay 0.01`.
    WeightDecay { value: Number, span: Span },
    /// `graph "(x+y)*z" at x = -2, y = 5, z = -4`: the formula (its spans the file's), its
    /// text as written, and the values after `at` (each a number).
    Graph {
        formula: Formula,
        text: String,
        at: Vec<Setting>,
        span: Span,
    },
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::Title { span, .. }
            | Statement::Input { span, .. }
            | Statement::Target { span, .. }
            | Statement::Layer { span, .. }
            | Statement::Loss { span, .. }
            | Statement::Activation { span, .. }
            | Statement::Vary { span, .. }
            | Statement::Ask { span, .. }
            | Statement::Sgd { span, .. }
            | Statement::Optimizer { span, .. }
            | Statement::WeightDecay { span, .. }
            | Statement::Graph { span, .. } => *span,
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
