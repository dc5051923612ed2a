//! Formulas and numbers as LaTeX: the one printer every output uses.
//!
//! The notation is the article's (PRML/Bishop): `w_{ij}^{(l)}`, `a_i^{(l)}`, `z_i` (with one
//! hidden layer; `z_i^{(l)}` deeper), `x_j`, `y_k`, `t_k`, `δ_i^{(l)}`, `h`, `o`, `E`, `η`.
//! Products are juxtaposed as a person writes them (`δ_1^{(2)}z_1`), with `\cdot` between
//! numbers (`0.1\cdot1`), after a parenthesised group (`(…)\cdot x_j`) and between partials;
//! a whole number is juxtaposed (`2a`, `2(y_1-t_1)`), a decimal never (`0.01\cdot a`, so that
//! `0.4o'` cannot be read as one token). Negative numbers inside an operation are
//! parenthesised: `0.1\cdot(-2)`; one that is negated or subtracted loses its double sign
//! (`\exp(0.494)`, `0.1+0.39`), as a teacher writes the numbers in. A value in scientific
//! notation is grouped inside an operation and bare alone, and `0/y` is written `0`.

pub mod exam;
pub mod fit;
pub mod grade;
pub mod graph;
pub mod holes;
pub mod matrix;

use std::fmt::Write as _;

use crate::derivation::Row;
use crate::math::expr::{Expr, Func, Index, Kind, Symbol};
use crate::math::names::{self, Around, Indices, Letter, Name};
use crate::math::number::{Decimal, Rounding, Shown, Value};

/// The relations between the sides of a row: equal, approximately equal (a number is shown
/// rounded), and an update's assignment.
pub const EQUALS: &str = "=";
pub const APPROX: &str = "\\approx";
pub const LEFTARROW: &str = "\\leftarrow";

/// The environment a block of rows is set in: the article's `eqnarray*`, amsmath's `align*`,
/// or `aligned` inside a Markdown math block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Eqnarray,
    Align,
    Aligned,
}

impl Environment {
    /// Its name, as the templates write it (`\begin{<< env >>*}`).
    pub fn name(self) -> &'static str {
        match self {
            Environment::Eqnarray => "eqnarray",
            Environment::Align => "align",
            Environment::Aligned => "aligned",
        }
    }

    /// Whether its rows are set on pages (LaTeX), not on a web page (Markdown).
    pub fn paged(self) -> bool {
        self != Environment::Aligned
    }

    /// What follows a row's relation: `&rel&body` in eqnarray, `&rel body` in the others.
    pub fn after_relation(self) -> &'static str {
        match self {
            Environment::Eqnarray => "&",
            Environment::Align | Environment::Aligned => " ",
        }
    }

    /// The space around the relation column, in points.
    pub fn relation_gap(self) -> f64 {
        match self {
            Environment::Eqnarray => 32.0,
            Environment::Align | Environment::Aligned => 16.0,
        }
    }
}

/// Prints formulas for a network of `depth` layers with `digits` significant digits.
#[derive(Clone, Copy, Debug)]
pub struct Printer {
    pub depth: u32,
    pub digits: u32,
    pub rounding: Rounding,
    /// Whether numbers and indices are followed by marks saying where they are (see
    /// [`holes`]): only for making a row's template.
    marked: bool,
}

/// The environment of a numbers row, which holds no quantities.
struct NumbersOnly;

impl crate::math::eval::Env for NumbersOnly {
    fn symbol(&self, _: &Symbol) -> Option<Value> {
        None
    }

    fn activation(&self, _: u32) -> Option<&crate::math::functions::Activation> {
        None
    }
}

/// How a printed factor sits next to its neighbours in a product.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A substituted number.
    Value,
    /// A constant written in the formula.
    Constant,
    /// `∂E/∂w`.
    Partial,
    /// Wrapped in parentheses by the printer.
    Group,
    Other,
}

const PREC_SUM: u8 = 1;
const PREC_NEG: u8 = 2;
const PREC_PRODUCT: u8 = 3;
const PREC_POWER: u8 = 4;
const PREC_ATOM: u8 = 5;

fn write_index(index: Index, marked: bool, out: &mut String) {
    match index {
        Index::Var(c) => out.push(c),
        Index::Num(n) => {
            write_count(n, out);
            if marked {
                out.push(holes::INDEX_MARK);
            }
        }
    }
}

/// Whether `text` ends with a control word (`\mu`), which a letter after it would extend.
fn ends_with_command(text: &str) -> bool {
    let letters = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    letters.len() < text.len() && letters.ends_with('\\')
}

/// `n` in decimal, pushed digit by digit: indices and layer numbers are written for every
/// symbol of every row, and `core::fmt` is many times the work.
fn write_count(n: u32, out: &mut String) {
    let mut digits = [0u8; 10];
    let mut k = digits.len();
    let mut n = n;
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[k..] {
        out.push(char::from(d));
    }
}

/// `_1`, `_{ij}`, `_{12}`, `_{3,12}` (commas once an index has two digits).
fn write_subscript(indices: &[Index], marked: bool, out: &mut String) {
    let wide = names::wide(indices);
    // One character between the braces (told from the indices, so that marks do not count).
    let single = match indices {
        [Index::Var(_)] => true,
        [Index::Num(n)] => *n < 10,
        _ => false,
    };
    if single {
        out.push('_');
    } else {
        out.push_str("_{");
    }
    for (k, index) in indices.iter().enumerate() {
        if k > 0 && wide {
            out.push(',');
        }
        write_index(*index, marked, out);
    }
    if !single {
        out.push('}');
    }
}

/// A quantity's letter in LaTeX: the Greek ones as commands, the others as in plain text.
fn letter(letter: Letter) -> &'static str {
    use crate::math::expr::{Moment, Setting};
    match letter {
        Letter::Delta => "\\delta",
        Letter::ZTilde => "\\tilde{z}",
        Letter::Eta => "\\eta",
        Letter::State { moment, .. } => match moment {
            Moment::V => "v",
            Moment::H => "h",
            Moment::M => "m",
            Moment::MHat => "\\hat{m}",
            Moment::VHat => "\\hat{v}",
        },
        Letter::Setting(setting) => match setting {
            Setting::Momentum => "\\mu",
            Setting::Decay => "\\rho",
            Setting::Beta1 => "\\beta_1",
            Setting::Beta2 => "\\beta_2",
            Setting::Eps => "\\varepsilon",
            Setting::Step => "t",
            Setting::StepRate => "\\eta_t",
            Setting::WeightDecay => "\\lambda",
        },
        Letter::DecayedE => "\\tilde{E}",
        latin => latin.plain(),
    }
}

fn write_superscript_layer(layer: u32, out: &mut String) {
    out.push_str("^{(");
    write_count(layer, out);
    out.push_str(")}");
}

impl Printer {
    pub fn new(depth: u32, digits: u32) -> Printer {
        Printer {
            depth,
            digits,
            rounding: Rounding::HalfUp,
            marked: false,
        }
    }

    /// The same printer, rounding exact ties by `rounding`.
    pub fn with_rounding(self, rounding: Rounding) -> Printer {
        Printer { rounding, ..self }
    }

    /// The same printer, showing numbers at `digits` significant digits.
    pub fn with_digits(self, digits: u32) -> Printer {
        Printer { digits, ..self }
    }

    /// The name of a layer's activation: `o` for the output, `h` for the one hidden layer,
    /// `h^{(l)}` when there are several.
    fn write_function(&self, f: Func, out: &mut String) {
        out.push_str(match f {
            Func::Act(layer) if layer == self.depth => "o",
            Func::Act(_) if self.depth == 2 => "h",
            Func::Act(layer) => {
                out.push('h');
                write_superscript_layer(layer, out);
                return;
            }
            Func::Own => "h",
            Func::Exp => "\\exp",
            Func::Log => "\\log",
            Func::Sqrt => "\\sqrt",
            Func::Tanh => "\\tanh",
            Func::Sigmoid => "\\sigma",
            Func::Softplus => "\\operatorname{softplus}",
            Func::Sin => "\\sin",
            Func::Cos => "\\cos",
            Func::Abs => "\\operatorname{abs}",
        });
    }

    /// `f(x)` with the brackets each function takes: `\sqrt{x}`, `|x|`, `\exp(x)`.
    fn write_apply(&self, f: Func, x: &Expr, out: &mut String) {
        let arg = self.expr(x);
        match f {
            Func::Sqrt => {
                let _ = write!(out, "\\sqrt{{{arg}}}");
            }
            Func::Abs => {
                let _ = write!(out, "\\left|{arg}\\right|");
            }
            _ if arg.contains("\\frac") => {
                self.write_function(f, out);
                let _ = write!(out, "\\left({arg}\\right)");
            }
            _ => {
                self.write_function(f, out);
                let _ = write!(out, "({arg})");
            }
        }
    }

    /// A function's name alone, as it is applied: `o`, `h^{(1)}`, `\exp`.
    pub fn function_name(&self, f: Func) -> String {
        let mut out = String::new();
        self.write_function(f, &mut out);
        out
    }

    /// The name of a function's derivative alone: `o'`, `h^{(1)\prime}`.
    pub fn derivative_name(&self, f: Func) -> String {
        let mut out = String::new();
        self.write_derivative_name(f, &mut out);
        out
    }

    fn write_derivative_name(&self, f: Func, out: &mut String) {
        match f {
            Func::Act(layer) if layer != self.depth && self.depth != 2 => {
                let _ = write!(out, "h^{{({layer})\\prime}}");
            }
            _ => {
                self.write_function(f, out);
                out.push('\'');
            }
        }
    }

    /// A symbol in the article's notation.
    pub fn symbol(&self, s: &Symbol) -> String {
        let mut out = String::new();
        self.write_symbol(s, &mut out);
        out
    }

    /// [`Printer::symbol`] at the end of `out`.
    pub fn write_symbol(&self, s: &Symbol, out: &mut String) {
        self.write_name(&Name::of(s, Some(self.depth)), out);
    }

    /// A quantity's [`Name`] in LaTeX: `w_{12}^{(2)}`, `a_{n,i}^{(l)}`, `h'(a_1^{(1)})`,
    /// `\frac{\partial E}{\partial w_{11}^{(1)}}`.
    pub fn write_name(&self, name: &Name, out: &mut String) {
        match name.around {
            Around::Bare => {}
            Around::Derivative => {
                self.write_derivative_name(Func::Act(name.layer.unwrap_or(self.depth)), out);
                out.push('(');
            }
            Around::Gradient => out.push_str("\\frac{\\partial E}{\\partial "),
        }
        out.push_str(letter(name.letter));
        // With several samples, the sample comes first: a_{n,i}^{(l)}, x_{2,1}, E_n.
        match name.sample {
            Some(n) if name.indices.is_empty() => write_subscript(&[n], self.marked, out),
            Some(n) => {
                out.push_str("_{");
                write_index(n, self.marked, out);
                out.push(',');
                for index in &name.indices {
                    write_index(*index, self.marked, out);
                }
                out.push('}');
            }
            // The generic weight `w`, the rate and the loss have no subscript.
            None if name.indices.is_empty() => {}
            // A bias's state: `v_{b_1}^{(1)}`, the state of b_1.
            None if matches!(name.letter, Letter::State { bias: true, .. }) => {
                out.push_str("_{b");
                write_subscript(&name.indices, self.marked, out);
                out.push('}');
            }
            None => write_subscript(&name.indices, self.marked, out),
        }
        if let Some(layer) = name.shown_layer() {
            write_superscript_layer(layer, out);
        }
        match name.around {
            Around::Bare => {}
            Around::Derivative => out.push(')'),
            Around::Gradient => out.push('}'),
        }
    }

    /// A number with the configured digits: `0.6`, `0.6457`, `-0.2252`, `1.5\times10^{-7}`.
    pub fn value(&self, v: Value) -> String {
        let mut out = String::new();
        self.write_value(v, &mut out);
        out
    }

    /// [`Printer::value`] at the end of `out`.
    pub fn write_value(&self, v: Value, out: &mut String) {
        Shown::with(v, self.digits, self.rounding, |shown| {
            Self::write_shown(shown, out)
        });
    }

    /// A number given in the file, where the problem states it: with all its digits, even
    /// beyond `--digits` (the rows that compute with it show it rounded).
    pub fn given(&self, d: Decimal) -> String {
        let mut out = String::new();
        self.write_given(d, &mut out);
        out
    }

    /// [`Printer::given`] at the end of `out`.
    pub fn write_given(&self, d: Decimal, out: &mut String) {
        Self::write_shown(&Shown::of_decimal(d), out);
    }

    fn write_shown(shown: &Shown, out: &mut String) {
        if shown.negative {
            out.push('-');
        }
        if shown.positional() {
            shown.write_positional(out);
        } else {
            shown.write_mantissa(out);
            let _ = write!(out, "\\times10^{{{}}}", shown.exponent);
        }
    }

    /// Whether `v` is printed exactly (so that `=` is right before it).
    pub fn shows_exactly(&self, v: Value) -> bool {
        // A `Shown` is exact when its value is and its digits hold all of it, however it
        // rounds: `Shown::is_exact`, from the `Shown` the printer writes, remembered.
        v.exact().is_some() && Shown::with(v, self.digits, self.rounding, |s| s.exact)
    }

    /// `=` when every number in the row is shown exactly, `\approx` otherwise; `\leftarrow`
    /// for an assignment.
    #[cfg(test)]
    pub fn relation(&self, row: &Row) -> &'static str {
        self.relation_after(None, row)
    }

    /// The relation before `row` when it follows `previous` in a chain (see
    /// [`Printer::relations`]).
    #[cfg(test)]
    pub fn relation_after(&self, previous: Option<&Row>, row: &Row) -> &'static str {
        let previous = previous.map(|p| (p, self.rounded(p)));
        self.relation_known(previous, row, self.rounded(row), &NumbersOnly)
    }

    /// Whether `row` shows a number rounded.
    fn rounded(&self, row: &Row) -> bool {
        self.shows_rounded(&row.expr)
    }

    /// Whether `e` as printed shows a number rounded (the denominator of `\frac{0}{y}`,
    /// printed 0, is not shown).
    fn shows_rounded(&self, e: &Expr) -> bool {
        match e {
            Expr::Val(v) => !self.shows_exactly(*v),
            Expr::Div(a, _) if is_exact_zero(a) => false,
            _ => {
                let mut found = false;
                e.for_each_child(&mut |child| found = found || self.shows_rounded(child));
                found
            }
        }
    }

    /// The relation before `row` after `previous`, knowing whether each shows a number rounded.
    fn relation_known(
        &self,
        previous: Option<(&Row, bool)>,
        row: &Row,
        rounded: bool,
        env: &dyn crate::math::eval::Env,
    ) -> &'static str {
        if row.assign {
            "\\leftarrow"
        } else if rounded
            || previous
                .is_some_and(|(p, rounded)| rounded && !self.gives_exactly(&p.expr, &row.expr, env))
        {
            "\\approx"
        } else {
            "="
        }
    }

    /// Whether `numbers`, computed exactly as they are printed, give the exact value `value`;
    /// `env` gives the activations a numbers row applies (`h'(-1.5)`, a graph's activation
    /// node).
    fn gives_exactly(
        &self,
        numbers: &Expr,
        value: &Expr,
        env: &dyn crate::math::eval::Env,
    ) -> bool {
        let Some(r) = (match value {
            Expr::Val(v) => v.exact(),
            _ => None,
        }) else {
            return false;
        };
        let shown = numbers.substitute(&mut |e| match e {
            Expr::Val(v) => Some(v.rounded(self.digits, self.rounding)),
            _ => None,
        });
        crate::math::eval::eval_as_printed(&shown, env).is_ok_and(|v| v.rational() == Some(r))
    }

    /// The relation before each row of a chain, in order: `=` only when the row shows its
    /// numbers exactly and the row before does too or, as printed, gives exactly the row's
    /// value: `2\cdot1+1.9\cdot2` (1.85 shown rounded) is not 5.7, but `0.37\cdot0` is 0 and a
    /// piece that rounded numbers choose is exactly that piece. Each row is looked through
    /// for rounded numbers once.
    pub fn relations<'r>(&'r self, rows: &'r [Row]) -> impl Iterator<Item = &'static str> + 'r {
        self.relations_in(rows, &NumbersOnly)
    }

    /// [`Printer::relations`] where `env` gives the activations the rows apply (a network's
    /// graph: `(-0.172)\cdot h'(-1.5)` is exactly 0).
    pub fn relations_in<'r>(
        &'r self,
        rows: &'r [Row],
        env: &'r dyn crate::math::eval::Env,
    ) -> impl Iterator<Item = &'static str> + 'r {
        let mut previous: Option<(&Row, bool)> = None;
        rows.iter().map(move |row| {
            let rounded = self.rounded(row);
            let rel = self.relation_known(previous, row, rounded, env);
            previous = Some((row, rounded));
            rel
        })
    }

    /// The formula as LaTeX.
    pub fn expr(&self, e: &Expr) -> String {
        let mut out = String::new();
        self.write(e, &mut out);
        out
    }

    /// [`Printer::expr`] at the end of `out`.
    pub fn write_expr(&self, e: &Expr, out: &mut String) {
        self.write(e, out);
    }

    fn precedence(e: &Expr) -> u8 {
        match e {
            Expr::Add(_) => PREC_SUM,
            // `-(-0.494)` is written `0.494`.
            Expr::Neg(x) if negative_value(x).is_some() || shown_as_zero(x) => PREC_ATOM,
            Expr::Neg(_) => PREC_NEG,
            // `-t_k\log(y_k)`, a product that starts with a minus.
            Expr::Mul(_) if leads_with_minus(e) => PREC_NEG,
            Expr::Val(v) if v.f < 0.0 => PREC_NEG,
            Expr::Num(d) if d.is_negative() => PREC_NEG,
            Expr::Mul(_) | Expr::Sum { .. } => PREC_PRODUCT,
            Expr::Pow(..) => PREC_POWER,
            _ => PREC_ATOM,
        }
    }

    /// Writes `e`, wrapped in parentheses when its precedence is below `min`.
    fn operand(&self, e: &Expr, min: u8, out: &mut String) -> Class {
        let start = out.len();
        // `m\times10^{e}` inside an operation reads better grouped; alone it stands bare.
        if let Some(v) = lone_value(e) {
            if v.f >= 0.0 && !Shown::with(v, self.digits, self.rounding, Shown::positional) {
                out.push('(');
                self.write(e, out);
                out.push(')');
                return Class::Value;
            }
        }
        let class = self.write(e, out);
        if Self::precedence(e) >= min {
            return class;
        }
        // Parentheses around fractions must grow with them.
        if out[start..].contains("\\frac") {
            out.insert_str(start, "\\left(");
            out.push_str("\\right)");
        } else {
            out.insert(start, '(');
            out.push(')');
        }
        // A wrapped negative number is still a number: `(-1)\cdot(-0.6)`.
        if class == Class::Value {
            Class::Value
        } else {
            Class::Group
        }
    }

    /// `−x`, and how it sits in a product.
    fn write_negation(&self, x: &Expr, out: &mut String) -> Class {
        if shown_as_zero(x) {
            // `-\frac{0}{y}` is 0, not `-0`.
            out.push('0');
            return Class::Value;
        }
        match negative_value(x) {
            // `-(-0.494)` is `0.494`.
            Some(v) => self.write(&Expr::Val(-v), out),
            None => {
                out.push('-');
                // `-2a`, `-0.5\cdot0.3` and `-(a+b)\cdot c` sit in a product like `2a`,
                // `0.5\cdot0.3` and `(a+b)\cdot c`.
                match self.operand(x, PREC_PRODUCT, out) {
                    class @ (Class::Constant | Class::Value | Class::Group) => class,
                    _ => Class::Other,
                }
            }
        }
    }

    /// `h'(x)`: the derivative of `f` at `x`.
    fn write_derivative_at(&self, f: Func, x: &Expr, out: &mut String) {
        self.write_derivative_name(f, out);
        out.push('(');
        self.write(x, out);
        out.push(')');
    }

    /// A number of a formula, marked where a template is made ([`holes`]).
    fn write_number(&self, v: Value, out: &mut String) {
        let start = out.len();
        Shown::with(v, self.digits, self.rounding, |shown| {
            Self::write_shown(shown, out)
        });
        if self.marked {
            holes::mark_value(v, start, out);
        }
    }

    /// Writes `e` at the end of `out`; how it sits next to neighbours in a product.
    fn write(&self, e: &Expr, out: &mut String) -> Class {
        match e {
            Expr::Num(d) => {
                let _ = write!(out, "{d}");
                Class::Constant
            }
            Expr::Val(v) => {
                self.write_number(*v, out);
                Class::Value
            }
            Expr::Sym(s) => {
                self.write_symbol(s, out);
                if matches!(s.kind, Kind::GradWeight | Kind::GradBias) {
                    Class::Partial
                } else {
                    Class::Other
                }
            }
            Expr::Var(name) => {
                out.push_str(name);
                Class::Other
            }
            Expr::Add(terms) => {
                self.write_sum(terms, out);
                Class::Other
            }
            Expr::Mul(factors) => {
                self.write_product(factors, out);
                Class::Other
            }
            Expr::Neg(x) => self.write_negation(x, out),
            // `\frac{0}{y}` is 0.
            Expr::Div(a, _) if is_exact_zero(a) => {
                out.push('0');
                Class::Value
            }
            Expr::Div(a, b) => {
                self.write_fraction(("", a), ("", b), out);
                Class::Other
            }
            Expr::Pow(base, exponent) => {
                self.write_power(base, exponent, out);
                Class::Other
            }
            Expr::Call(f, x) => {
                self.write_apply(*f, x, out);
                Class::Other
            }
            Expr::Deriv(f, x) => {
                self.write_derivative_at(*f, x, out);
                Class::Other
            }
            Expr::Sum { var, body, .. } => {
                let _ = write!(out, "\\sum_{{{var}}}");
                self.operand(body, PREC_PRODUCT, out);
                Class::Other
            }
            Expr::Kron(a, b) => {
                let _ = write!(out, "\\delta_{{{a}{b}}}");
                Class::Other
            }
            Expr::Cases {
                arg,
                positive,
                otherwise,
            } => {
                self.write_cases(arg, positive, otherwise, out);
                Class::Other
            }
            Expr::Partial(num, den) => {
                self.write_fraction(("\\partial ", num), ("\\partial ", den), out);
                Class::Partial
            }
        }
    }

    /// The terms of a sum, each with the sign it is added or subtracted with.
    fn write_sum(&self, terms: &[Expr], out: &mut String) {
        for (n, term) in terms.iter().enumerate() {
            match term {
                // A sum inside a sum needs no parentheses where it is added:
                // `(y_k-t_k)^2+y_k-t_k`.
                _ if n == 0 => {
                    self.operand(term, PREC_SUM, out);
                }
                Expr::Add(_) => {
                    let inner = self.expr(term);
                    if inner.starts_with('-') {
                        out.push('+');
                        self.operand(term, PREC_PRODUCT, out);
                    } else {
                        out.push('+');
                        out.push_str(&inner);
                    }
                }
                Expr::Neg(x) => match without_leading_minus(x) {
                    // A negative number subtracted is added: `0.1+0.39`, not `0.1-(-0.39)`.
                    Some(positive) if negative_value(leading_factor(x)).is_some() => {
                        out.push('+');
                        self.operand(&positive, PREC_PRODUCT, out);
                    }
                    _ => {
                        out.push('-');
                        self.operand(x, PREC_PRODUCT, out);
                    }
                },
                // A term that starts with a minus is subtracted: `a-t_k\log(y_k)`.
                Expr::Mul(_) if leads_with_minus(term) => {
                    out.push('-');
                    let rest = without_leading_minus(term).unwrap_or_else(|| term.clone());
                    self.operand(&rest, PREC_PRODUCT, out);
                }
                // A negative constant of the formula is subtracted: `3a^2-2`.
                Expr::Num(d) if d.is_negative() => {
                    let _ = write!(out, "-{}", d.negated());
                }
                _ => {
                    out.push('+');
                    self.operand(term, PREC_PRODUCT, out);
                }
            }
        }
    }

    /// The factors of a product, juxtaposed or with `\cdot` as a person writes them.
    fn write_product(&self, factors: &[Expr], out: &mut String) {
        let mut previous: Option<Class> = None;
        // A product inside a product reads as one run of factors.
        let flat = factors.iter().flat_map(|factor| match factor {
            Expr::Mul(inner) => inner.iter(),
            other => std::slice::from_ref(other).iter(),
        });
        // Whether the factor before was a decimal constant, such as 0.4.
        let mut decimal_left = false;
        for (n, factor) in flat.enumerate() {
            let at = out.len();
            let class = match factor {
                // A leading minus needs no parentheses: `-t_k\log(y_k)`.
                Expr::Neg(x) if n == 0 && negative_value(x).is_none() => self.write(factor, out),
                _ => self.operand(factor, PREC_PRODUCT, out),
            };
            if let Some(left) = previous {
                // A number next to anything that starts with a digit or a fraction
                // needs a dot: `3\cdot0.7^2`, not `30.7^2`; `2\cdot\frac{1}{3}`; but a
                // whole number before a parenthesis does not: `2(y_1-t_1)`.
                let text = &out[at..];
                let numeric_left = matches!(left, Class::Value | Class::Constant);
                let starts_numeric = text.starts_with(|c: char| c.is_ascii_digit())
                    || (text.starts_with('(') && (left != Class::Constant || decimal_left))
                    || text.starts_with("\\frac");
                // A decimal is never glued to a symbol: `0.4\cdot o'(a)`, not `0.4o'(a)`.
                let glued_decimal = decimal_left
                    && text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '\\')
                    && !text.starts_with("\\left");
                let dot = left == Class::Value
                    || class == Class::Value
                    || class == Class::Constant
                    || (numeric_left && starts_numeric)
                    || glued_decimal
                    || left == Class::Partial
                    || (left == Class::Group && class != Class::Group);
                if dot {
                    // `\cdot x_j`, but `\cdot0.7` and `\cdot(-2)`.
                    let letter = text.starts_with(|c: char| c.is_ascii_alphabetic());
                    out.insert_str(at, if letter { "\\cdot " } else { "\\cdot" });
                } else if text.starts_with(|c: char| c.is_ascii_alphabetic())
                    && ends_with_command(&out[..at])
                {
                    // `\mu v_{11}`, not the undefined `\muv_{11}`.
                    out.insert(at, ' ');
                }
            }
            previous = Some(class);
            decimal_left = class == Class::Constant && out[at..].contains('.');
        }
    }

    /// `base^{exponent}`, the base parenthesised where it would read wrong.
    fn write_power(&self, base: &Expr, exponent: &Expr, out: &mut String) {
        let start = out.len();
        self.operand(base, PREC_ATOM, out);
        if matches!(*base, Expr::Div(..) | Expr::Partial(..)) {
            out.insert_str(start, "\\left(");
            out.push_str("\\right)");
        } else if out[start..].contains('^') && !out.ends_with(')') {
            out.insert(start, '(');
            out.push(')');
        }
        let power = self.expr(exponent);
        if self.marked && holes::has_marks(&power) {
            // How the exponent is braced would depend on a hole's digits.
            holes::spoil();
        }
        if power.chars().count() == 1 {
            let _ = write!(out, "^{power}");
        } else {
            let _ = write!(out, "^{{{power}}}");
        }
    }

    /// A piecewise derivative (`relu`'s), as `cases`.
    fn write_cases(&self, arg: &Expr, positive: &Expr, otherwise: &Expr, out: &mut String) {
        let arg = self.expr(arg);
        let _ = write!(
            out,
            "\\begin{{cases}}{}&({arg}>0)\\\\{}&({arg}\\le0)\\end{{cases}}",
            self.expr(positive),
            self.expr(otherwise)
        );
    }

    /// `\frac{num}{den}`, each part after its prefix (`\partial `).
    fn write_fraction(&self, num: (&str, &Expr), den: (&str, &Expr), out: &mut String) {
        out.push_str("\\frac{");
        out.push_str(num.0);
        self.write(num.1, out);
        out.push_str("}{");
        out.push_str(den.0);
        self.write(den.1, out);
        out.push('}');
    }
}

/// The negative number `e` is, if it is one.
fn negative_value(e: &Expr) -> Option<Value> {
    match e {
        Expr::Val(v) if v.f < 0.0 => Some(*v),
        _ => None,
    }
}

/// The number `e` prints as, if it is one: a value, or a negative value negated.
fn lone_value(e: &Expr) -> Option<Value> {
    match e {
        Expr::Val(v) => Some(*v),
        Expr::Neg(x) => negative_value(x).map(|v| -v),
        _ => None,
    }
}

/// The first factor a product prints (through nested products), or `e` itself.
fn leading_factor(e: &Expr) -> &Expr {
    match e {
        Expr::Mul(factors) => factors.first().map_or(e, leading_factor),
        _ => e,
    }
}

/// Whether `e` is a product whose first factor is a negated quantity (not a number).
fn leads_with_minus(e: &Expr) -> bool {
    matches!(leading_factor(e), Expr::Neg(x) if negative_value(x).is_none())
}

/// Whether `e` is the number 0, exactly.
fn is_exact_zero(e: &Expr) -> bool {
    matches!(e, Expr::Val(v) if v.exact().is_some_and(|d| d.is_zero()))
}

/// Whether `e` is printed as a bare 0: an exact zero, or `\frac{0}{y}`.
fn shown_as_zero(e: &Expr) -> bool {
    match e {
        Expr::Div(a, _) => is_exact_zero(a),
        _ => is_exact_zero(e),
    }
}

/// `e` without the minus it starts with: a negative value negated, or a product whose first
/// factor is negated or is a negative value, with that factor made positive.
fn without_leading_minus(e: &Expr) -> Option<Expr> {
    match e {
        Expr::Val(v) if v.f < 0.0 => Some(Expr::Val(-*v)),
        Expr::Neg(x) => Some((**x).clone()),
        Expr::Mul(factors) => {
            let (first, rest) = factors.split_first()?;
            let mut factors = vec![without_leading_minus(first)?];
            factors.extend(rest.iter().cloned());
            Some(Expr::Mul(factors))
        }
        _ => None,
    }
}

impl Printer {
    /// [`names::plain`], with the outputs of the last layer named `y_k`, as the rows name them,
    /// and wide indices apart as the rows print them (`w_20,5^(1)`).
    pub fn plain(&self, e: &Expr) -> String {
        names::plain(e, Some(self.depth), Indices::ApartWhenWide)
    }
}

/// The softmax's definition: `y_k=\frac{\exp(a_k)}{\sum_j\exp(a_j)}`, from the printed
/// `y_k`, `a_k` and `a_j`.
pub fn softmax_definition(y: &str, a_k: &str, a_j: &str) -> String {
    format!("{y}=\\frac{{\\exp({a_k})}}{{\\sum_j\\exp({a_j})}}")
}

/// A label of the drawing, every subscript braced: `x_{1}`, `z_{2}^{(1)}`.
pub fn diagram_label(name: &Name) -> String {
    let mut out = String::from(letter(name.letter));
    out.push_str("_{");
    for index in &name.indices {
        write_index(*index, false, &mut out);
    }
    out.push('}');
    if let Some(layer) = name.shown_layer() {
        write_superscript_layer(layer, &mut out);
    }
    out
}

/// A printed number's mantissa and, in scientific notation, its power of ten:
/// `-1.5\times10^{-7}` → (`-1.5`, `-7`).
pub fn mantissa_and_power(number: &str) -> (&str, Option<&str>) {
    match number.split_once("\\times10^{") {
        Some((m, e)) => (m, Some(e.trim_end_matches('}'))),
        None => (number, None),
    }
}

/// A document's class and fonts: `ltjsarticle` for a Japanese document; for an English one
/// pdflatex's T1 Latin Modern, or, where it holds Japanese text (a title, a student's file
/// name: [`needs_luatexja`]), luatexja's, with a first line saying to compile with lualatex.
pub fn document_class(japanese_document: bool, japanese_text: bool) -> &'static str {
    match (japanese_document, japanese_text) {
        (true, _) => "\\documentclass[a4paper,11pt]{ltjsarticle}\n",
        (false, true) => {
            "% Japanese text: compile with lualatex (luatexja), not pdflatex.\n\
             \\documentclass[a4paper,11pt]{article}\n\\usepackage{luatexja}\n\\usepackage{lmodern}\n"
        }
        (false, false) => {
            "\\documentclass[a4paper,11pt]{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n"
        }
    }
}

/// Whether user text (a title) holds Japanese, Chinese or Korean characters, which pdflatex
/// cannot typeset: an English document then loads luatexja and is compiled with lualatex.
pub fn needs_luatexja(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c as u32,
            0x1100..=0x11FF         // Hangul Jamo
            | 0x2E80..=0x9FFF       // CJK radicals, punctuation, kana, ideographs
            | 0xAC00..=0xD7AF       // Hangul syllables
            | 0xF900..=0xFAFF       // CJK compatibility ideographs
            | 0xFE30..=0xFE4F       // CJK compatibility forms
            | 0xFF00..=0xFFEF       // full-width and half-width forms
            | 0x20000..=0x3FFFF) // supplementary ideographs
    })
}

/// A Greek letter of a title as math (`\ensuremath{\eta}`), which both pdflatex and lualatex
/// typeset, or `None`; the capitals that look Latin are those letters.
fn greek(c: char) -> Option<&'static str> {
    const SMALL: [&str; 25] = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
        "lambda", "mu", "nu", "xi", "o", "pi", "rho", "varsigma", "sigma", "tau", "upsilon", "phi",
        "chi", "psi", "omega",
    ];
    const CAPITAL: [&str; 25] = [
        "A", "B", "Gamma", "Delta", "E", "Z", "H", "Theta", "I", "K", "Lambda", "M", "N", "Xi",
        "O", "Pi", "P", "", "Sigma", "T", "Upsilon", "Phi", "X", "Psi", "Omega",
    ];
    let name = match c {
        'α'..='ω' => SMALL[c as usize - 'α' as usize],
        'Α'..='Ω' => CAPITAL[c as usize - 'Α' as usize],
        _ => return None,
    };
    Some(name)
}

/// Escapes user text (a title) so that LaTeX prints it literally and can run nothing.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '$' | '&' | '#' | '%' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\textasciicircum{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            // Quotes and dashes would otherwise become typographic ligatures.
            '`' => out.push_str("\\textasciigrave{}"),
            '\'' => out.push_str("\\textquotesingle{}"),
            '"' => out.push_str("\\textquotedbl{}"),
            // `--` would become a dash.
            '-' if chars.peek() == Some(&'-') => out.push_str("-{}"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => match greek(c) {
                Some("") => out.push(c),
                Some(name) if name.len() == 1 => out.push_str(name),
                Some(name) => {
                    out.push_str("\\ensuremath{\\");
                    out.push_str(name);
                    out.push('}');
                }
                None => out.push(c),
            },
        }
    }
    out
}

/// Escapes user text (a title) for Markdown, so that it is shown literally: no emphasis,
/// links, headings, HTML or math.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '#' | '+' | '!' | '|' | '$' | '~'
            | '>' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Index::{Num, Var};

    const P: Printer = Printer {
        depth: 2,
        digits: 4,
        rounding: Rounding::HalfUp,
        marked: false,
    };

    #[test]
    fn counts_are_written_as_format_writes_them() {
        for n in [0, 1, 9, 10, 11, 99, 100, 784, 1_000_000, u32::MAX] {
            let mut out = String::from("x");
            write_count(n, &mut out);
            assert_eq!(out, format!("x{n}"));
        }
        let mut out = String::new();
        write_superscript_layer(12, &mut out);
        assert_eq!(out, "^{(12)}");
    }

    fn exact(text: &str) -> Expr {
        Expr::Val(Value::decimal(Decimal::parse(text).unwrap()))
    }

    fn approx(f: f64) -> Expr {
        Expr::Val(Value::approx(f))
    }

    fn sym(s: Symbol) -> Expr {
        Expr::Sym(s)
    }

    fn y_minus_t() -> Expr {
        Expr::minus(sym(Symbol::out(2, Num(1))), sym(Symbol::target(Num(1))))
    }

    fn y_k() -> Expr {
        sym(Symbol::out(2, Var('k')))
    }

    fn t_k() -> Expr {
        sym(Symbol::target(Var('k')))
    }

    fn log(x: Expr) -> Expr {
        Expr::call(Func::Log, x)
    }

    macro_rules! prints {
        ($name:ident: $e:expr => $latex:literal) => {
            #[test]
            fn $name() {
                assert_eq!(P.expr(&$e), $latex);
            }
        };
    }

    prints!(article_notation: Expr::Add(vec![
        Expr::Mul(vec![sym(Symbol::weight(1, Num(1), Num(1))), sym(Symbol::out(0, Num(1)))]),
        Expr::Mul(vec![sym(Symbol::weight(1, Num(1), Num(2))), sym(Symbol::out(0, Num(2)))]),
    ]) => "w_{11}^{(1)}x_1+w_{12}^{(1)}x_2");
    prints!(numbers_get_cdot: Expr::Add(vec![
        Expr::Mul(vec![exact("0.1"), exact("1")]),
        Expr::Mul(vec![exact("0.1"), exact("2")]),
    ]) => "0.1\\cdot1+0.1\\cdot2");
    prints!(negative_numbers_in_parentheses: Expr::Mul(vec![exact("0.1"), exact("-2")]) => "0.1\\cdot(-2)");
    prints!(negative_number_subtracted_is_added: Expr::minus(exact("1"), exact("-2")) => "1+2");
    prints!(product_with_a_negative_number_subtracted_is_added:
        Expr::minus(exact("0.3"), Expr::Mul(vec![exact("-0.1"), exact("2")])) => "0.3+0.1\\cdot2");
    prints!(negated_negative_number_is_positive:
        Expr::call(Func::Exp, Expr::Neg(Box::new(exact("-0.494")))) => "\\exp(0.494)");
    prints!(negated_negative_number_in_a_product:
        Expr::Mul(vec![exact("2"), Expr::Neg(Box::new(exact("-0.5")))]) => "2\\cdot0.5");
    prints!(negated_positive_number_keeps_its_minus:
        Expr::call(Func::Exp, Expr::Neg(Box::new(exact("0.6")))) => "\\exp(-0.6)");
    prints!(subtracted_symbol_keeps_its_minus:
        Expr::minus(exact("0.5"), sym(Symbol::target(Num(1)))) => "0.5-t_1");
    prints!(lone_small_value_is_bare: approx(9.606e-5) => "9.606\\times10^{-5}");
    prints!(small_value_in_a_product_is_grouped: Expr::Mul(vec![exact("2"), approx(9.606e-5)])
        => "2\\cdot(9.606\\times10^{-5})");
    prints!(small_value_in_a_function_is_not_grouped_twice: Expr::call(Func::Exp, approx(1.5e-7))
        => "\\exp(1.500\\times10^{-7})");
    prints!(small_value_as_a_base_is_grouped: Expr::pow(approx(1.5e-7), Expr::int(2))
        => "(1.500\\times10^{-7})^2");
    prints!(zero_over_a_number_is_zero:
        Expr::Neg(Box::new(Expr::Mul(vec![approx(0.2417), Expr::Div(Box::new(exact("0")), Box::new(approx(0.4088)))]))) => "-0.2417\\cdot0");
    prints!(one_over_a_number_is_a_fraction:
        Expr::Div(Box::new(exact("1")), Box::new(approx(0.6713))) => "\\frac{1}{0.6713}");
    prints!(decimal_before_a_function_gets_a_dot:
        Expr::Mul(vec![Expr::Num(Decimal::parse("0.4").unwrap()), Expr::deriv(Func::Act(2), sym(Symbol::pre(2, Num(1))))])
        => "0.4\\cdot o'(a_1^{(2)})");
    prints!(decimal_before_a_letter_gets_a_dot:
        Expr::Mul(vec![Expr::Num(Decimal::parse("0.01").unwrap()), Expr::Var("a")]) => "0.01\\cdot a");
    prints!(decimal_before_a_group_gets_a_dot:
        Expr::Mul(vec![Expr::Num(Decimal::parse("0.5").unwrap()), y_minus_t()]) => "0.5\\cdot(y_1-t_1)");
    prints!(decimal_before_an_absolute_value_is_glued:
        Expr::Mul(vec![Expr::Num(Decimal::parse("2.5").unwrap()), Expr::call(Func::Abs, Expr::Var("a"))]) => "2.5\\left|a\\right|");
    prints!(whole_number_before_a_letter_is_glued: Expr::Mul(vec![Expr::int(2), Expr::Var("a")]) => "2a");
    prints!(whole_number_before_a_group_is_glued: Expr::Mul(vec![Expr::int(2), y_minus_t()]) => "2(y_1-t_1)");
    prints!(number_before_a_group_keeps_its_dot: Expr::Mul(vec![exact("2"), Expr::minus(exact("0.3"), exact("0.1"))])
        => "2\\cdot(0.3-0.1)");
    prints!(fraction_coefficient_in_front:
        Expr::Mul(vec![Expr::Div(Box::new(Expr::int(2)), Box::new(Expr::int(3))), Expr::deriv(Func::Act(2), sym(Symbol::pre(2, Num(1)))), y_minus_t()])
        => "\\frac{2}{3}o'(a_1^{(2)})(y_1-t_1)");
    prints!(leading_minus_of_a_product_is_bare: Expr::Mul(vec![Expr::Neg(Box::new(t_k())), log(y_k())])
        => "-t_k\\log(y_k)");
    prints!(product_with_a_leading_minus_is_subtracted: Expr::Add(vec![
        Expr::Mul(vec![Expr::Neg(Box::new(t_k())), log(y_k())]),
        Expr::Mul(vec![Expr::Neg(Box::new(Expr::minus(Expr::int(1), t_k()))), log(Expr::minus(Expr::int(1), y_k()))]),
    ]) => "-t_k\\log(y_k)-(1-t_k)\\cdot\\log(1-y_k)");
    prints!(negated_product_with_a_leading_minus_keeps_parentheses:
        Expr::Neg(Box::new(Expr::Mul(vec![Expr::Neg(Box::new(t_k())), log(y_k())]))) => "-(-t_k\\log(y_k))");
    prints!(product_with_a_leading_minus_inside_a_product:
        Expr::Mul(vec![Expr::int(2), Expr::Mul(vec![Expr::Neg(Box::new(t_k())), log(y_k())])]) => "2(-t_k)\\cdot\\log(y_k)");
    prints!(leading_negated_group_keeps_its_dot:
        Expr::Mul(vec![Expr::Neg(Box::new(Expr::minus(y_k(), t_k()))), Expr::Var("a")]) => "-(y_k-t_k)\\cdot a");
    prints!(sum_added_to_a_sum_has_no_parentheses: Expr::Add(vec![
        Expr::pow(Expr::minus(y_k(), t_k()), Expr::int(2)), Expr::minus(y_k(), t_k())]) => "(y_k-t_k)^2+y_k-t_k");
    prints!(sum_that_starts_with_a_minus_keeps_parentheses: Expr::Add(vec![
        Expr::Var("a"), Expr::Add(vec![Expr::Neg(Box::new(t_k())), y_k()])]) => "a+(-t_k+y_k)");
    prints!(sum_subtracted_keeps_parentheses: Expr::minus(Expr::Var("a"), Expr::minus(y_k(), t_k())) => "a-(y_k-t_k)");
    prints!(cdot_after_group: Expr::Mul(vec![
        Expr::deriv(Func::Act(1), sym(Symbol::pre(1, Var('i')))),
        Expr::Add(vec![sym(Symbol::delta(2, Num(1))), sym(Symbol::delta(2, Num(2)))]),
        sym(Symbol::out(0, Var('j'))),
    ]) => "h'(a_i^{(1)})(\\delta_1^{(2)}+\\delta_2^{(2)})\\cdot x_j");
    prints!(hidden_and_output_names: Expr::Mul(vec![
        Expr::call(Func::Act(1), sym(Symbol::pre(1, Num(1)))),
        Expr::call(Func::Act(2), sym(Symbol::out(1, Num(2)))),
        sym(Symbol::out(2, Num(1))),
    ]) => "h(a_1^{(1)})o(z_2)y_1");
    prints!(half_squared_sum: Expr::Mul(vec![Expr::half(), Expr::sum('k', 2, Expr::pow(
        Expr::minus(sym(Symbol::out(2, Var('k'))), sym(Symbol::target(Var('k')))), Expr::int(2)))])
        => "\\frac{1}{2}\\sum_{k}(y_k-t_k)^2");
    prints!(partials_chain: Expr::Mul(vec![
        Expr::partial(sym(Symbol::loss()), sym(Symbol::pre(1, Var('i')))),
        Expr::partial(sym(Symbol::pre(1, Var('i'))), sym(Symbol::weight(1, Var('i'), Var('j')))),
    ]) => "\\frac{\\partial E}{\\partial a_i^{(1)}}\\cdot\\frac{\\partial a_i^{(1)}}{\\partial w_{ij}^{(1)}}");
    prints!(sigmoid_with_number: Expr::Div(Box::new(Expr::int(1)), Box::new(Expr::Add(vec![
        Expr::int(1), Expr::call(Func::Exp, Expr::Neg(Box::new(exact("0.6"))))]))) => "\\frac{1}{1+\\exp(-0.6)}");
    prints!(rounded_values: Expr::Mul(vec![approx(0.6456563062257954), Expr::minus(exact("1"), approx(0.6456563062257954))])
        => "0.6457\\cdot(1-0.6457)");
    prints!(constant_before_a_number_gets_a_dot: Expr::Mul(vec![Expr::int(3), Expr::pow(exact("0.7"), Expr::int(2))])
        => "3\\cdot0.7^2");
    prints!(constant_before_a_fraction_gets_a_dot: Expr::Mul(vec![Expr::int(2), Expr::Div(Box::new(Expr::int(1)), Box::new(Expr::int(3)))])
        => "2\\cdot\\frac{1}{3}");
    prints!(powers_of_fractions_are_bracketed: Expr::pow(Expr::Div(Box::new(Expr::Var("a")), Box::new(Expr::int(2))), Expr::int(2))
        => "\\left(\\frac{a}{2}\\right)^2");
    prints!(wide_indices: sym(Symbol::weight(1, Num(10), Num(3))) => "w_{10,3}^{(1)}");
    prints!(exact_powers_of_ten_are_short: Expr::Add(vec![exact("1e37"), exact("-2e20")])
        => "(1\\times10^{37})+(-2\\times10^{20})");
    #[test]
    fn deep_networks_name_layers() {
        let p = Printer::new(3, 4);
        assert_eq!(
            p.expr(&Expr::deriv(Func::Act(2), sym(Symbol::pre(2, Num(1))))),
            "h^{(2)\\prime}(a_1^{(2)})"
        );
        assert_eq!(p.symbol(&Symbol::out(2, Num(1))), "z_1^{(2)}");
        assert_eq!(p.symbol(&Symbol::out(3, Num(1))), "y_1");
    }

    #[test]
    fn a_value_shows_exactly_as_shown_says() {
        let decimals = [
            "0", "-0", "0.6", "-0.39", "1.2345", "1.23456", "100", "1e-7", "0.22",
        ];
        let mut values: Vec<Value> = decimals
            .iter()
            .map(|d| Value::decimal(Decimal::parse(d).unwrap()))
            .collect();
        let third = Value::int(1) / Value::int(3);
        values.extend([
            third,
            third * Value::int(3),
            Value::approx(0.5),
            Value::int(7),
        ]);
        values.push(Value::from_carried(Value::int(1).exact().unwrap()));
        for v in values {
            for digits in [1, 2, 4, 6] {
                for rounding in [Rounding::HalfUp, Rounding::HalfEven] {
                    let p = Printer::new(2, digits).with_rounding(rounding);
                    // Twice: once computed, once remembered.
                    for _ in 0..2 {
                        assert_eq!(p.shows_exactly(v), Shown::is_exact(v, digits), "{v:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn relation_follows_exactness() {
        let row = |expr| Row {
            assign: false,
            expr,
        };
        assert_eq!(P.relation(&row(exact("0.6"))), "=");
        assert_eq!(P.relation(&row(approx(0.6456563062257954))), "\\approx");
        assert_eq!(
            P.relation(&row(Expr::Mul(vec![exact("0.1"), approx(2.0)]))),
            "\\approx"
        );
        assert_eq!(
            P.relation(&Row {
                assign: true,
                expr: exact("1")
            }),
            "\\leftarrow"
        );
    }

    #[test]
    fn digits_and_scientific_notation() {
        assert_eq!(
            Printer::new(2, 3).value(Value::approx(-0.2252376)),
            "-0.225"
        );
        assert_eq!(P.value(Value::approx(1.5e-7)), "1.500\\times10^{-7}");
        assert_eq!(P.value(Value::approx(0.859072)), "0.8591");
    }

    #[test]
    fn escapes_markdown_text() {
        assert_eq!(
            escape_markdown("a *b* [c](d) $x$ <img>"),
            "a \\*b\\* \\[c\\](d) \\$x\\$ &lt;img\\>"
        );
    }

    #[test]
    fn escapes_user_text() {
        assert_eq!(
            escape_text(r"\input{/etc/passwd} 50% $x$ a_b ^^5c ~"),
            "\\textbackslash{}input\\{/etc/passwd\\} 50\\% \\$x\\$ a\\_b \\textasciicircum{}\\textasciicircum{}5c \\textasciitilde{}"
        );
    }
}
