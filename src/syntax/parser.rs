//! Text → syntax tree, with the pest grammar in `grammar/network.pest`.
//!
//! A file of the common statements is read first without pest ([`super::direct`], a hundred
//! times faster on a big network's numbers); pest reads any other, and every text with an
//! error, so that all syntax errors are pest's.
//!
//! pest's own error messages name grammar rules (`kw_layer`, `EOI`); a person should read
//! words instead, so every rule is renamed here, and the message is located by our own error
//! type like every other problem.
//!
//! pest's recursive descent and the Pratt parser both recurse on nesting, so a hostile text
//! could overflow the stack before any error is produced. Two checks come first, both linear
//! and without recursion: [`scan`] reads the raw text for brackets nested deeper than
//! [`MAX_NESTING`] and for more tokens than the limits can use (before pest runs), and [`check_formula_size`] counts a formula's terms on
//! the token stream (before the Pratt parser builds it). Once a formula is built with at most
//! [`MAX_FORMULA_TERMS`] terms, its depth is checked against [`MAX_FORMULA_DEPTH`]; every
//! later recursion over formulas is bounded by these (see docs/design-notes.md).

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser as _;

use std::sync::OnceLock;

use pest::pratt_parser::{Assoc, Op as PrattOp, PrattParser};

use crate::chars::Foreign;
use crate::error::{AskFault, Error, Expected, Found, LimitFault, Span, SyntaxFault, ValueFault};
use crate::math::number::{Decimal, Unreadable};
use crate::model::Limits;
use crate::syntax::ast::{
    Array, AskKind, DropoutClause, File, Formula, LossSpec, Name, Number, Op, Param, Setting,
    Statement, Value, VarySpec, Vector,
};

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/network.pest"]
    pub struct NetworkParser;
}

use grammar::{NetworkParser, Rule};

/// How deeply `( [ {` may nest, together, anywhere in a file.
pub const MAX_NESTING: usize = 64;
/// How many terms (numbers, names, operators and function calls) one formula may have.
pub const MAX_FORMULA_TERMS: usize = 256;
/// How deeply the operations of one formula may nest (`-(-(-a))` is 4 deep, `a+b+c` is 3).
pub const MAX_FORMULA_DEPTH: usize = 64;

/// Parses a whole `.nn` text within the default limits.
pub fn parse(text: &str) -> Result<File, Error> {
    parse_within(text, &Limits::default())
}

/// Parses a whole `.nn` text, refusing first (by one linear scan) a text that holds more
/// tokens than any network within `limits` needs: parsing costs a few hundred bytes of memory
/// per token, so a file far larger than its network must not reach the parser.
pub fn parse_within(text: &str, limits: &Limits) -> Result<File, Error> {
    scan(text, limits.tokens())?;
    match super::direct::read(text, &|at| formula_at(text, at)) {
        Some(file) => Ok(file),
        None => parse_with_pest(text),
    }
}

/// A formula alone (`graph "(x+y)*z"`), within the nesting, size and depth limits of a
/// file's formulas; `max_tokens` bounds the text before pest reads it.
pub fn parse_formula(text: &str, max_tokens: usize) -> Result<Formula, Error> {
    scan(text, max_tokens)?;
    let mut pairs = NetworkParser::parse(Rule::formula_only, text).map_err(|plain| {
        match explained(Rule::formula_only, text, plain) {
            // A formula alone is not a file.
            Error::Syntax {
                fault:
                    SyntaxFault::Expected {
                        expected,
                        found: Found::EndOfFile,
                    },
                span,
            } => Error::Syntax {
                fault: SyntaxFault::Expected {
                    expected,
                    found: Found::EndOfFormula,
                },
                span,
            },
            other => other,
        }
    })?;
    let whole = pairs
        .next()
        .expect("the formula rule always yields one pair");
    let expr = whole
        .into_inner()
        .next()
        .expect("a formula holds one expression");
    checked_formula(expr)
}

/// For the direct reader: the formula at byte `at` of `text`, read by the `expr` rule alone
/// (as in the whole grammar: no rule looks behind), with its text and end; `None` for one the
/// grammar or the limits refuse.
fn formula_at(text: &str, at: usize) -> Option<(Formula, String, usize)> {
    let pair = NetworkParser::parse(Rule::expr, &text[at..]).ok()?.next()?;
    let (written, end) = (pair.as_str().trim().to_string(), at + pair.as_span().end());
    let mut formula = checked_formula(pair).ok()?;
    shift(&mut formula, at);
    Some((formula, written, end))
}

/// Moves a formula's spans `by` bytes on. The recursion is bounded by the depth limit,
/// checked first.
fn shift(formula: &mut Formula, by: usize) {
    let moved = |span: &mut Span| *span = Span::new(span.start + by, span.end + by);
    match formula {
        Formula::Number(n) => moved(&mut n.span),
        Formula::Name(n) => moved(&mut n.span),
        Formula::Neg { operand, span } => {
            moved(span);
            shift(operand, by);
        }
        Formula::Binary { lhs, rhs, span, .. } => {
            moved(span);
            shift(lhs, by);
            shift(rhs, by);
        }
        Formula::Call {
            function,
            args,
            span,
        } => {
            moved(span);
            moved(&mut function.span);
            args.iter_mut().for_each(|arg| shift(arg, by));
        }
    }
}

/// pest's switch for recording every attempt is one for the whole process: explanations of
/// errors take turns at it.
static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The error of a text that `rule` did not parse (`plain`, pest's first error), explained by
/// parsing it again with every attempt recorded.
fn explained(rule: Rule, text: &str, plain: pest::error::Error<Rule>) -> Error {
    let _turn = DETAIL.lock().unwrap_or_else(|p| p.into_inner());
    pest::set_error_detail(true);
    let detailed = NetworkParser::parse(rule, text).err();
    pest::set_error_detail(false);
    syntax_error(text, detailed.unwrap_or(plain))
}

/// Parses a whole text with pest: a file the direct reader does not read, and every error.
fn parse_with_pest(text: &str) -> Result<File, Error> {
    // Recording every attempt (for a message that says what was expected) costs more than the
    // parse itself, so it is done only to explain a text that did not parse. pest's switch is
    // one for the whole process: explanations take turns, and a parse that succeeds never
    // touches it (while one is on, other parses are only slower).
    let mut pairs = NetworkParser::parse(Rule::file, text)
        .map_err(|plain| explained(Rule::file, text, plain))?;
    let file = pairs.next().expect("the file rule always yields one pair");
    let mut statements = Vec::new();
    for pair in file.into_inner() {
        if pair.as_rule() == Rule::EOI {
            break;
        }
        statements.push(statement(pair)?);
    }
    Ok(File {
        statements,
        end: {
            let end = text.trim_end().len();
            Span::new(end, end)
        },
    })
}

fn span(pair: &Pair<'_, Rule>) -> Span {
    Span::from_pest(pair.as_span())
}

/// The children of a pair, without the keyword tokens.
fn children<'a>(pair: Pair<'a, Rule>) -> impl Iterator<Item = Pair<'a, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_title
            | Rule::kw_input
            | Rule::kw_target
            | Rule::kw_layer
            | Rule::kw_loss
            | Rule::kw_sgd
            | Rule::kw_optimizer
            | Rule::kw_weight_decay
            | Rule::kw_dropout
            | Rule::kw_activation
            | Rule::kw_vary
            | Rule::kw_ask
            | Rule::kw_in
            | Rule::kw_step
            | Rule::kw_graph
            | Rule::kw_at
    )
}

/// Precedence, lowest first: `+ -`, then `* /`, then unary minus, then `^` (right
/// associative), so `-a^2` is `-(a^2)` and `2^3^2` is `2^(3^2)`.
fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(PrattOp::infix(Rule::add, Assoc::Left) | PrattOp::infix(Rule::sub, Assoc::Left))
            .op(PrattOp::infix(Rule::mul, Assoc::Left) | PrattOp::infix(Rule::div, Assoc::Left))
            .op(PrattOp::prefix(Rule::neg))
            .op(PrattOp::infix(Rule::pow, Assoc::Right))
    })
}

/// Rejects, in one pass over the text, brackets nested deeper than [`MAX_NESTING`] (at the first
/// bracket beyond it) and more than `max_tokens` tokens (at the first token beyond): a token
/// is a run of letters, digits, `_` and `.`, or any other character but white space; a string or
/// a comment counts as its opening `"` or `#` alone.
fn scan(text: &str, max_tokens: usize) -> Result<(), Error> {
    #[derive(Clone, Copy, PartialEq)]
    enum In {
        Code,
        String,
        Escape,
        Comment,
    }
    let mut state = In::Code;
    let mut depth = 0usize;
    // The brackets opened in the string the scan is in, when it is a graph's formula (the
    // string after the word `graph`, which pest reads as a formula: its brackets nest as
    // deeply as pest recurses); a title's text is not nesting.
    let mut quoted = 0usize;
    let mut formula = false;
    // The last word of code (its start and end) and where the last code before `at` ends.
    let (mut word_start, mut word_end, mut code_end) = (0usize, 0usize, 0usize);
    let mut tokens = 0usize;
    let mut in_word = false;
    for (at, byte) in text.bytes().enumerate() {
        let after_graph =
            word_end == code_end && &text.as_bytes()[word_start..word_end] == b"graph";
        if state == In::Code && !byte.is_ascii_whitespace() {
            // A comment is not code: `graph # …` then the quote is still after `graph`.
            if byte != b'#' {
                code_end = at + 1;
            }
            // Bytes of a non-ASCII character continue the token they are in.
            let word = byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.') || byte >= 0x80;
            if !(word && in_word) {
                tokens += 1;
                if tokens > max_tokens {
                    return Err(Error::TooManyTokens {
                        limit: max_tokens,
                        span: Span::new(at, at + 1),
                    });
                }
            }
            if word {
                if !in_word {
                    word_start = at;
                }
                word_end = at + 1;
            }
            in_word = word;
        } else {
            in_word = false;
        }
        state = match (state, byte) {
            (In::Code, b'"') => {
                (quoted, formula) = (0, after_graph);
                In::String
            }
            (In::String, b'(' | b'[' | b'{') if formula => {
                open_bracket(&mut quoted, at)?;
                In::String
            }
            (In::String, b')' | b']' | b'}') if formula => {
                quoted = quoted.saturating_sub(1);
                In::String
            }
            (In::Code, b'#') => In::Comment,
            (In::Code, b'(' | b'[' | b'{') => {
                open_bracket(&mut depth, at)?;
                In::Code
            }
            (In::Code, b')' | b']' | b'}') => {
                depth = depth.saturating_sub(1);
                In::Code
            }
            // A string ends at its closing quote, or (unterminated) at the end of the line.
            (In::String, b'\\') => In::Escape,
            (In::String, b'"') | (In::String | In::Escape | In::Comment, b'\n') => In::Code,
            (In::Escape, _) => In::String,
            (other, _) => other,
        };
    }
    Ok(())
}

/// One more bracket open, at byte `at`: an error at it when that is more than [`MAX_NESTING`].
fn open_bracket(depth: &mut usize, at: usize) -> Result<(), Error> {
    *depth += 1;
    if *depth > MAX_NESTING {
        return Err(Error::OverLimit {
            fault: LimitFault::Nesting { max: MAX_NESTING },
            span: Span::new(at, at + 1),
        });
    }
    Ok(())
}

/// Rejects a formula of more than [`MAX_FORMULA_TERMS`] terms, at the first term beyond the
/// limit, counting on the token stream (iteratively) before anything is built from it.
fn check_formula_size(pair: &Pair<'_, Rule>) -> Result<(), Error> {
    let mut terms = pair.clone().into_inner().flatten().filter(|p| {
        matches!(
            p.as_rule(),
            Rule::unsigned
                | Rule::name
                | Rule::add
                | Rule::sub
                | Rule::mul
                | Rule::div
                | Rule::pow
                | Rule::neg
        )
    });
    match terms.nth(MAX_FORMULA_TERMS) {
        Some(beyond) => Err(Error::OverLimit {
            fault: LimitFault::FormulaTerms {
                max: MAX_FORMULA_TERMS,
            },
            span: span(&beyond),
        }),
        None => Ok(()),
    }
}

/// Rejects a formula whose operations nest deeper than [`MAX_FORMULA_DEPTH`], at the first
/// term beyond that depth. The recursion is bounded by [`MAX_FORMULA_TERMS`], checked first.
fn check_formula_depth(formula: &Formula) -> Result<(), Error> {
    fn beyond(f: &Formula, depth: usize) -> Option<Span> {
        if depth > MAX_FORMULA_DEPTH {
            return Some(f.span());
        }
        match f {
            Formula::Number(_) | Formula::Name(_) => None,
            Formula::Neg { operand, .. } => beyond(operand, depth + 1),
            Formula::Binary { lhs, rhs, .. } => {
                beyond(lhs, depth + 1).or_else(|| beyond(rhs, depth + 1))
            }
            Formula::Call { args, .. } => args.iter().find_map(|a| beyond(a, depth + 1)),
        }
    }
    match beyond(formula, 1) {
        Some(span) => Err(Error::OverLimit {
            fault: LimitFault::FormulaDepth {
                max: MAX_FORMULA_DEPTH,
            },
            span,
        }),
        None => Ok(()),
    }
}

/// A whole formula (of an activation or a loss), within the size and depth limits.
fn checked_formula(pair: Pair<'_, Rule>) -> Result<Formula, Error> {
    check_formula_size(&pair)?;
    let formula = formula(pair)?;
    check_formula_depth(&formula)?;
    Ok(formula)
}

fn formula(pair: Pair<'_, Rule>) -> Result<Formula, Error> {
    pratt()
        .map_primary(|primary| match primary.as_rule() {
            Rule::unsigned => number(primary).map(Formula::Number),
            Rule::name => Ok(Formula::Name(name(primary))),
            Rule::expr => formula(primary),
            Rule::call => {
                let whole = span(&primary);
                let mut parts = primary.into_inner();
                let function = name(parts.next().expect("a call has a name"));
                let args = parts.map(formula).collect::<Result<_, _>>()?;
                Ok(Formula::Call {
                    function,
                    args,
                    span: whole,
                })
            }
            rule => unreachable!("the grammar has no primary {rule:?}"),
        })
        .map_prefix(|op, operand| {
            let operand = operand?;
            let span = Span::new(span(&op).start, operand.span().end);
            Ok(Formula::Neg {
                operand: Box::new(operand),
                span,
            })
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            let op = match op.as_rule() {
                Rule::add => Op::Add,
                Rule::sub => Op::Sub,
                Rule::mul => Op::Mul,
                Rule::div => Op::Div,
                _ => Op::Pow,
            };
            let span = Span::new(lhs.span().start, rhs.span().end);
            Ok(Formula::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                span,
            })
        })
        .parse(pair.into_inner())
}

/// One statement of the file, by its rule.
fn statement(pair: Pair<'_, Rule>) -> Result<Statement, Error> {
    let whole = span(&pair);
    let rule = pair.as_rule();
    let mut inner = children(pair);
    Ok(match rule {
        Rule::title => Statement::Title {
            text: unescape(next(&mut inner))?,
            span: whole,
        },
        Rule::input => {
            let (name, value) = (name(next(&mut inner)), array(next(&mut inner))?);
            Statement::Input {
                name,
                value,
                span: whole,
            }
        }
        Rule::target => {
            let (name, value) = (name(next(&mut inner)), array(next(&mut inner))?);
            Statement::Target {
                name,
                value,
                span: whole,
            }
        }
        Rule::layer => layer(inner, whole)?,
        Rule::loss => Statement::Loss {
            spec: loss(next(&mut inner))?,
            span: whole,
        },
        Rule::activation => activation(inner, whole)?,
        Rule::vary => vary(inner, whole)?,
        Rule::ask => ask(inner, whole)?,
        Rule::graph => {
            let pair = next(&mut inner);
            let text = pair.as_str().trim().to_string();
            Statement::Graph {
                formula: checked_formula(pair)?,
                text,
                at: inner.map(setting).collect::<Result<_, Error>>()?,
                span: whole,
            }
        }
        Rule::sgd => Statement::Sgd {
            settings: inner.map(setting).collect::<Result<_, Error>>()?,
            span: whole,
        },
        Rule::optimizer => {
            let mut inner = inner.peekable();
            let name = inner.next_if(|p| p.as_rule() == Rule::name).map(name);
            Statement::Optimizer {
                name,
                settings: inner.map(option).collect::<Result<_, Error>>()?,
                span: whole,
            }
        }
        Rule::weight_decay => Statement::WeightDecay {
            value: number(next(&mut inner))?,
            span: whole,
        },
        _ => unreachable!("the grammar has no other statements"),
    })
}

/// The next child of a statement, which the grammar guarantees.
fn next<'a>(inner: &mut impl Iterator<Item = Pair<'a, Rule>>) -> Pair<'a, Rule> {
    inner.next().expect("the grammar guarantees this child")
}

/// `layer sigmoid W = [[…]] b = […]`.
fn layer<'a>(
    mut inner: impl Iterator<Item = Pair<'a, Rule>>,
    whole: Span,
) -> Result<Statement, Error> {
    let activation = name(next(&mut inner));
    let (mut params, mut dropouts) = (Vec::new(), Vec::new());
    for p in inner {
        let whole = span(&p);
        if p.as_rule() == Rule::dropout {
            dropouts.push(DropoutClause {
                settings: children(p).map(option).collect::<Result<_, Error>>()?,
                span: whole,
            });
            continue;
        }
        let mut parts = p.into_inner();
        let name = name(parts.next().expect("param name"));
        let value = array(parts.next().expect("param value"))?;
        params.push(Param {
            name,
            value,
            span: whole,
        });
    }
    Ok(Statement::Layer {
        activation,
        params,
        dropouts,
        span: whole,
    })
}

/// What follows `loss`: a name, or `(y, t) = formula`.
fn loss(spec: Pair<'_, Rule>) -> Result<LossSpec, Error> {
    Ok(match spec.as_rule() {
        Rule::custom_loss => {
            let mut parts = spec.into_inner();
            let y = name(parts.next().expect("the output's name"));
            let t = name(parts.next().expect("the target's name"));
            let pair = parts.next().expect("the formula");
            let text = pair.as_str().trim().to_string();
            let body = checked_formula(pair)?;
            LossSpec::Custom { y, t, body, text }
        }
        _ => LossSpec::Named(name(spec)),
    })
}

/// `activation f(a) = formula`.
fn activation<'a>(
    mut inner: impl Iterator<Item = Pair<'a, Rule>>,
    whole: Span,
) -> Result<Statement, Error> {
    let function = name(next(&mut inner));
    let param = name(next(&mut inner));
    let pair = next(&mut inner);
    let text = pair.as_str().trim().to_string();
    let body = checked_formula(pair)?;
    Ok(Statement::Activation {
        name: function,
        param,
        body,
        text,
        span: whole,
    })
}

/// `vary W in [-1, 1] step 0.1`, `vary t in {0, 1}`.
fn vary<'a>(
    mut inner: impl Iterator<Item = Pair<'a, Rule>>,
    whole: Span,
) -> Result<Statement, Error> {
    let target = name(next(&mut inner));
    let spec = next(&mut inner);
    let values = match spec.as_rule() {
        Rule::vary_range => {
            let mut parts = spec.into_inner().filter(|p| p.as_rule() == Rule::number);
            let mut take = || number(parts.next().expect("a range has three numbers"));
            let (low, high, step) = (take()?, take()?, take()?);
            VarySpec::Range { low, high, step }
        }
        _ => VarySpec::Set(spec.into_inner().map(number).collect::<Result<_, _>>()?),
    };
    Ok(Statement::Vary {
        target,
        values,
        span: whole,
    })
}

/// `ask y`, `ask grad w12 1`: at most one number after the name.
fn ask<'a>(
    mut inner: impl Iterator<Item = Pair<'a, Rule>>,
    whole: Span,
) -> Result<Statement, Error> {
    let first = next(&mut inner);
    if first.as_rule() == Rule::ask_partial {
        return Ok(Statement::Ask {
            kind: AskKind::Partial,
            target: name(next(&mut first.into_inner())),
            layer: None,
            span: whole,
        });
    }
    let (kind, target) = match first.as_rule() {
        Rule::ask_kind => {
            let kind = if first.as_str().starts_with("grad") {
                AskKind::Grad
            } else {
                AskKind::Update
            };
            (kind, name(next(&mut inner)))
        }
        _ => (AskKind::Value, name(first)),
    };
    let mut rest = inner.peekable();
    let kind = match rest.next_if(|p| p.as_rule() == Rule::ask_after) {
        Some(_) if kind == AskKind::Value => AskKind::After,
        Some(after) => {
            let word = if kind == AskKind::Grad {
                "grad"
            } else {
                "update"
            };
            return Err(Error::BadValue {
                fault: ValueFault::Ask(AskFault::AfterOnlyLoss(format!("{word} {}", target.text))),
                span: span(&after),
            });
        }
        None => kind,
    };
    let mut inner = rest;
    let layer = inner.next().map(number).transpose()?;
    if let Some(more) = inner.next() {
        return Err(Error::BadValue {
            fault: ValueFault::Ask(AskFault::AskNumbers),
            span: span(&more),
        });
    }
    Ok(Statement::Ask {
        kind,
        target,
        layer,
        span: whole,
    })
}

/// `lr = 0.1` in `sgd`.
fn setting(pair: Pair<'_, Rule>) -> Result<Setting, Error> {
    let whole = span(&pair);
    let mut parts = pair.into_inner();
    let name = name(parts.next().expect("setting name"));
    let value = Value::Number(number(parts.next().expect("setting value"))?);
    Ok(Setting {
        name,
        value,
        span: whole,
    })
}

/// `form = zero`, `mask = [[1, 0]]` in `optimizer` and `dropout`.
fn option(pair: Pair<'_, Rule>) -> Result<Setting, Error> {
    let whole = span(&pair);
    let mut parts = pair.into_inner();
    let name = name(parts.next().expect("option name"));
    let value = next(&mut parts.next().expect("option value").into_inner());
    let value = match value.as_rule() {
        Rule::number => Value::Number(number(value)?),
        Rule::name => Value::Name(self::name(value)),
        _ => Value::Array(array(value)?),
    };
    Ok(Setting {
        name,
        value,
        span: whole,
    })
}

fn name(pair: Pair<'_, Rule>) -> Name {
    Name {
        text: pair.as_str().to_string(),
        span: span(&pair),
    }
}

fn number(pair: Pair<'_, Rule>) -> Result<Number, Error> {
    let span = span(&pair);
    let value = Decimal::read(pair.as_str()).map_err(|why| {
        let text = pair.as_str().to_string();
        let fault = match why {
            Unreadable::TooLarge => ValueFault::NumberTooLarge(text),
            Unreadable::TooPrecise | Unreadable::Malformed => ValueFault::NumberTooPrecise(text),
        };
        Error::BadValue { fault, span }
    })?;
    Ok(Number { value, span })
}

fn vector(pair: Pair<'_, Rule>) -> Result<Vector, Error> {
    let span = span(&pair);
    let items = pair.into_inner().map(number).collect::<Result<_, _>>()?;
    Ok(Vector { items, span })
}

fn array(pair: Pair<'_, Rule>) -> Result<Array, Error> {
    match pair.as_rule() {
        Rule::vector => Ok(Array::Vector(vector(pair)?)),
        _ => {
            let span = span(&pair);
            let rows = pair.into_inner().map(vector).collect::<Result<_, _>>()?;
            Ok(Array::Matrix { rows, span })
        }
    }
}

/// Undoes the two escapes a string may contain, `\"` and `\\`; any other backslash is an
/// error at the backslash (so that `\input` is not taken for a typo of `"`).
fn unescape(string: Pair<'_, Rule>) -> Result<String, Error> {
    let inner = string.into_inner().next().expect("a string has its text");
    super::direct::unescaped(inner.as_str(), inner.as_span().start())
}

const STATEMENT: &str =
    "a statement (title, input, target, layer, activation, loss, sgd, vary, ask or graph)";

/// What a grammar rule is called in a message.
fn describe(rule: &Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the file",
        Rule::file
        | Rule::statement
        | Rule::keyword
        | Rule::title
        | Rule::input
        | Rule::target
        | Rule::layer
        | Rule::loss
        | Rule::sgd
        | Rule::optimizer
        | Rule::weight_decay
        | Rule::kw_optimizer
        | Rule::kw_weight_decay
        | Rule::kw_title
        | Rule::kw_input
        | Rule::kw_target
        | Rule::kw_layer
        | Rule::kw_loss
        | Rule::kw_sgd
        | Rule::kw_activation
        | Rule::kw_vary
        | Rule::kw_ask
        | Rule::kw_graph
        | Rule::vary
        | Rule::ask
        | Rule::graph
        | Rule::activation => STATEMENT,
        Rule::kw_at => "`at`",
        Rule::kw_in => "`in`",
        Rule::kw_step => "`step`",
        Rule::kw_grad | Rule::kw_update | Rule::ask_kind => "`grad` or `update`",
        Rule::kw_after | Rule::ask_after => "`after`",
        Rule::ask_partial => "a partial derivative such as `df/dx`",
        Rule::vary_range => "a range such as `[-1, 1] step 0.1`",
        Rule::vary_set => "a set such as `{0, 1}`",
        Rule::custom_loss => "a loss formula such as `(y, t) = (y - t)^2 / 2`",
        Rule::expr
        | Rule::graph_formula
        | Rule::formula_only
        | Rule::unsigned
        | Rule::call
        | Rule::primary
        | Rule::prefix => "a formula",
        Rule::infix => "an operator",
        Rule::add | Rule::sub | Rule::mul | Rule::div | Rule::pow => "an operator",
        Rule::neg => "a minus sign",
        // `dropout …` is one of a layer's parameters.
        Rule::param | Rule::dropout | Rule::kw_dropout => "a layer parameter such as `W = [[…]]`",
        Rule::setting | Rule::option => "a setting such as `lr = 0.1`",
        Rule::value => "a value such as `0.9`, `zero` or `[[1, 0], [1, 1]]`",
        Rule::matrix => "a matrix such as `[[1, 2], [3, 4]]`",
        Rule::vector => "a vector such as `[1, 2]`",
        Rule::number => "a number",
        Rule::name => "a name",
        Rule::string => "a string in double quotes",
        Rule::string_inner => "the text of the string",
        Rule::WHITESPACE | Rule::COMMENT | Rule::word_end => "a space",
        Rule::array => "a vector or a matrix",
    }
}

/// What stands at `at`: a word (its first 20 characters), one character, or the end of the
/// file. `at` may be any byte offset; one inside a character means that character.
fn found_at(text: &str, at: usize) -> Found {
    let rest = &text[crate::error::floor_boundary(text, at)..];
    let is_word = |c: &char| c.is_alphanumeric() || *c == '_' || *c == '.';
    let word: String = rest.chars().take_while(is_word).take(20).collect();
    let cut = rest.chars().take_while(is_word).nth(20).is_some();
    match rest.chars().next() {
        None => Found::EndOfFile,
        Some('\n') | Some('\r') => Found::EndOfLine,
        Some(_) if !word.is_empty() => Found::Word { text: word, cut },
        Some(c) => Found::Char(c),
    }
}

/// The located error for a parse that stopped at byte `at`, having wanted `expected`: a
/// character the language has no place for says what it is ([`Foreign`]); anything else is a
/// plain syntax error.
fn stopped_at(text: &str, at: usize, expected: Vec<String>) -> Error {
    let expected = Expected(expected);
    let at = crate::error::floor_boundary(text, at);
    let rest = &text[at..];
    let found = rest.chars().next();
    let span = Span::new(at, at + found.map_or(1, char::len_utf8));
    if let Some(kind) = found.and_then(Foreign::of) {
        return Error::Character {
            expected,
            found: found.unwrap_or_default(),
            kind,
            span,
        };
    }
    Error::Syntax {
        fault: SyntaxFault::Expected {
            expected,
            found: found_at(text, at),
        },
        span,
    }
}

fn syntax_error(text: &str, error: pest::error::Error<Rule>) -> Error {
    // With error detail on, pest knows the literal tokens (`]`, `,`, `=`) it wanted at the
    // furthest point it reached; rule names alone would miss them.
    from_attempts(text, &error).unwrap_or_else(|| from_location(text, &error))
}

/// The error that a detailed parse's attempts explain, if they do.
fn from_attempts(text: &str, error: &pest::error::Error<Rule>) -> Option<Error> {
    let attempts = error.parse_attempts()?;
    let mut expected: Vec<String> = Vec::new();
    let mut push = |item: String| {
        if !expected.contains(&item) {
            expected.push(item);
        }
    };
    let mut statement = false;
    for token in attempts.expected_tokens() {
        let token = token.to_string();
        // Characters inside numbers and names (`0..9`, `-`, `e`) and layout: the rule's
        // own name says it better.
        let internal = token.contains("..") || token == "BUILTIN_RULE";
        match token.as_str() {
            _ if internal => {}
            " " | "\t" | "\r" | "\n" | "#" | "-" | "+" | "." | "e" | "E" | "_" | "\\" => {}
            "title" | "input" | "target" | "layer" | "loss" | "sgd" | "activation" | "vary"
            | "ask" | "optimizer" | "weight_decay" | "graph" => statement = true,
            // A layer's `dropout` is said by its rule, as a layer parameter.
            "dropout" => {}
            _ => push(format!("`{token}`")),
        }
    }
    for stack in attempts.call_stacks() {
        let rule = stack.deepest.get_rule();
        match rule {
            Some(Rule::WHITESPACE | Rule::COMMENT | Rule::word_end | Rule::string_inner) | None => {
            }
            Some(rule) => push(describe(rule).to_string()),
        }
    }
    if statement {
        push(STATEMENT.to_string());
    }
    let is_array = |e: &String| e == describe(&Rule::matrix) || e == describe(&Rule::vector);
    if expected.iter().any(|e| e == "`,`" || e == "`]`") {
        // Inside brackets: what is wanted is the next item or the closing bracket.
        expected.retain(|e| !is_array(e));
    } else if expected.iter().any(is_array) || expected.iter().any(|e| e == describe(&Rule::value))
    {
        // `[` opens a vector or a matrix (or a setting's value), which say it better.
        expected.retain(|e| e != "`[`");
    }
    if expected.iter().any(|e| e == describe(&Rule::string)) {
        expected.retain(|e| e != "`\"`");
    }
    if !expected.is_empty() {
        return Some(stopped_at(text, attempts.max_position, expected));
    }
    // Only the character after a title's backslash was wanted: the line ended there.
    let at = attempts.max_position;
    let in_string = attempts
        .call_stacks()
        .iter()
        .any(|stack| stack.deepest.get_rule() == Some(&Rule::string_inner));
    if in_string && at > 0 && text.get(at - 1..at) == Some("\\") {
        return Some(Error::Escape {
            escape: None,
            span: Span::new(at - 1, at),
        });
    }
    None
}

/// The error at where a parse stopped, from the rules pest wanted there.
fn from_location(text: &str, error: &pest::error::Error<Rule>) -> Error {
    let (InputLocation::Pos(at) | InputLocation::Span((at, _))) = error.location;
    let fault = match &error.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            let mut unique: Vec<String> = Vec::new();
            for rule in positives {
                let text = describe(rule).to_string();
                if !unique.contains(&text) {
                    unique.push(text);
                }
            }
            if !unique.is_empty() {
                return stopped_at(text, at, unique);
            }
            match negatives.first() {
                Some(first) => SyntaxFault::Unexpected(Found::Part(describe(first))),
                None => SyntaxFault::Unexpected(found_at(text, at)),
            }
        }
        // The grammar raises no errors of its own.
        ErrorVariant::CustomError { .. } => SyntaxFault::Unexpected(found_at(text, at)),
    };
    let span = match error.location {
        InputLocation::Pos(at) => Span::new(at, at + 1),
        InputLocation::Span((start, end)) => Span::new(start, end),
    };
    Error::Syntax { fault, span }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Vec<Statement> {
        parse(text).unwrap().statements
    }

    fn syntax(text: &str) -> (String, usize) {
        match parse(text) {
            Err(error @ Error::Syntax { .. }) => (error.to_string(), error.span().unwrap().start),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    /// The message and the text at the span of a limit that `text` goes beyond.
    fn limit(text: &str) -> (String, usize) {
        match parse(text) {
            Err(error @ Error::OverLimit { .. }) => {
                (error.to_string(), error.span().unwrap().start)
            }
            other => panic!("expected a limit, got {other:?}"),
        }
    }

    fn activation(formula: &str) -> String {
        format!("activation f(a) = {formula}\n")
    }

    /// Whether the direct reader, where it reads a text at all, builds the file pest builds.
    fn same_as_pest(text: &str) -> Result<bool, String> {
        match crate::syntax::direct::read(text, &|at| formula_at(text, at)) {
            None => Ok(false),
            Some(file) => match parse_with_pest(text) {
                Ok(pest) if pest == file => Ok(true),
                other => Err(format!("{text:?}: direct {file:?}, pest {other:?}")),
            },
        }
    }

    /// Every `.nn` file of the repository, a few generated networks, and the places where the
    /// grammar gives white space to a statement or not.
    fn corpus() -> Vec<String> {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut texts = Vec::new();
        for dir in ["examples", "tests/rows/networks", "tests/errors"] {
            let mut paths: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "nn"))
                .collect();
            paths.sort();
            texts.extend(paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()));
        }
        for (sizes, bias) in [(&[3usize, 2, 2][..], false), (&[4, 3, 3, 2], true)] {
            let limits = Limits::default();
            texts.push(crate::commands::gen::generate(sizes, &[], bias, 7, &limits).unwrap());
        }
        texts.extend(
            [
                "layer sigmoid   # no parameters\n\ninput x = [1]",
                "layer sigmoid W = [[1]] # after\n b = [2] ",
                "layer sigmoid\tW=[[1,],[2],]b=[-0.5e-2]layer identity W=[]",
                "sgd lr = 0.1  # one setting\n",
                "sgd lr = 0.1 , steps = 2 # two\n",
                "sgd lr=1,steps=2,x=3",
                "title \"a \\\" b \\\\ c 手\"\ntitle\"\"",
                "input x = [ ] target t = [[ ]] loss sum_squared loss x",
                "input x = [007, -0, 0.000, 1.10, 123456789012345678, 1234567890123456789]",
                "input x = [1e3, 2E-2, 3e+1, 0.5e0, 99999999999999999999999, 0.000000000000000000001]",
                "input\r\nx\r=\r[1]\r",
                "optimizer adam lr = 0.001, beta1 = 0.9, form = zero\n",
                "optimizer sgd\n",
                "optimizer lr = 0.1\noptimizer\noptimizer\tadam\n\n",
                "optimizer # no name\n lr=1, form = x",
                "optimizer adam   # no settings\n\n",
                "optimizer momentum lr=1,form=ema,x=[1],y=[[1]] , z = -2e-3",
                "optimizer adam lr = 0.1 , # why\n eps = 1e-8 # end\n",
                "weight_decay 0.01 weight_decay -1e-2\nweight_decay 0",
                "layer relu W=[[1]] dropout mask=[[1],[0]], keep=0.5 b=[1] dropout scale = none",
                "layer relu dropout = [1] dropout mask = [1]  # end\n",
                "layer relu dropout mask = [1, 0] , keep = 1\n\nlayer identity",
                "layer relu\n  W = [[1]]\n  dropout mask = [[1, 0],\n [0, 1]], keep = 0.5, scale = none\n",
            ]
            .map(String::from),
        );
        texts.extend(torch_cases());
        texts
    }

    /// The `.nn` texts of `tests/data/torch-optimizers.json`: every optimizer, weight decay and
    /// dropout.
    fn torch_cases() -> Vec<String> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/torch-optimizers.json"
        );
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        data["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|case| case["nn"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_direct_reader_builds_what_pest_builds() {
        let texts = corpus();
        let mut direct = 0;
        for text in &texts {
            direct += usize::from(same_as_pest(text).unwrap());
        }
        // The files without formulas or exam statements are all read directly.
        assert!(direct > texts.len() / 3, "{direct} of {}", texts.len());
        for text in [
            "examples/article.nn",
            "examples/custom.nn",
            "examples/deep.nn",
            "examples/softmax.nn",
        ] {
            let text = std::fs::read_to_string(format!("{}/{text}", env!("CARGO_MANIFEST_DIR")));
            assert_eq!(same_as_pest(&text.unwrap()), Ok(true));
        }
        // The statements of issue 18 are read directly: a big network with them is never
        // left to pest.
        for text in torch_cases() {
            assert_eq!(same_as_pest(&text), Ok(true), "{text}");
        }
    }

    #[test]
    fn the_direct_reader_gives_up_wherever_pest_differs() {
        // Every text one edit away from a small file: a byte deleted, or one of the
        // characters that matter to the grammar put in.
        let inserts = [
            " ", "\n", "#", ",", "[", "]", "=", "-", ".", "e", "E+", "\"", "\\", "a", "0", "(",
            "layer", "é", "\r",
        ];
        let article = include_str!("../../examples/article.nn");
        let small = "title \"t\"\ninput x=[1,2]\nlayer relu W=[[1,-2.5]] b=[0]\nloss sum_squared\nsgd lr=1e-1, steps=2\n";
        let formulas =
            "activation f(a) = a/(1+exp(-a)) # c\nlayer f W=[[1]]\nloss (y, t) = -(y - t)^2^3\n";
        let training = "input x=[[1,2],[3,4]]\nlayer tanh W=[[1,-2],[0,1]] dropout mask=[[1,0],[0,1]], keep=0.5\n b=[0,1]\nlayer identity W=[[1,1]]\nweight_decay 1e-2\noptimizer adam lr=0.1, form=zero\n";
        for base in [article, small, formulas, training] {
            let mut cuts: Vec<usize> = (0..=base.len())
                .filter(|&i| base.is_char_boundary(i))
                .collect();
            cuts.dedup();
            for &at in &cuts {
                if at < base.len() {
                    let end = (at + 1..=base.len())
                        .find(|&e| base.is_char_boundary(e))
                        .unwrap();
                    same_as_pest(&format!("{}{}", &base[..at], &base[end..])).unwrap();
                }
                for insert in inserts {
                    same_as_pest(&format!("{}{insert}{}", &base[..at], &base[at..])).unwrap();
                }
            }
        }
    }

    proptest::proptest! {
        /// Any number literal the grammar reads has the direct reader's value, or sends the
        /// file to pest.
        #[test]
        fn numbers_read_directly_are_pests(
            literal in r"-?[0-9]{1,24}(\.[0-9]{1,24})?([eE][+-]?[0-9]{1,3})?",
        ) {
            let text = format!("input x = [{literal}, {literal}]");
            let read = same_as_pest(&text);
            proptest::prop_assert!(read.is_ok(), "{:?}", read);
        }
    }

    #[test]
    fn nesting_is_limited_before_pest_runs() {
        let deepest = MAX_NESTING;
        let text = activation(&format!("{}a{}", "(".repeat(deepest), ")".repeat(deepest)));
        assert!(parse(&text).is_ok());
        // Far too deep for pest's recursion: refused at the first bracket beyond the limit.
        let text = activation(&format!("{}a", "exp(".repeat(100_000)));
        let (message, at) = limit(&text);
        assert_eq!(
            message,
            "too deeply nested: more than 64 levels of parentheses and brackets"
        );
        assert_eq!(at, "activation f(a) = ".len() + 4 * MAX_NESTING + 3);
        // Brackets of every kind count together.
        let (_, at) = limit(&format!("input x = {}", "[{(".repeat(30)));
        assert_eq!(at, "input x = ".len() + MAX_NESTING);
    }

    #[test]
    fn brackets_in_strings_and_comments_are_not_nesting() {
        let many = "(".repeat(1000);
        let text = format!("title \"{many} \\\" {many}\" # {many}\ninput x = [1]\n");
        assert!(parse(&text).is_ok(), "{:?}", parse(&text));
        // An unterminated string ends at the line's end; what follows is code again.
        let text = format!("title \"{many}\n{}", "(".repeat(MAX_NESTING + 1));
        assert_eq!(limit(&text).1, text.rfind('(').unwrap());
        // A graph's formula is in quotes, and its brackets are nesting.
        let text = format!("graph # the formula\n \"{many}x\"");
        assert_eq!(limit(&text).1, text.find('(').unwrap() + MAX_NESTING);
        let text = format!("graphs \"{many}x\"");
        assert!(matches!(parse(&text), Err(Error::Syntax { .. })));
    }

    #[test]
    fn formula_terms_are_counted_before_building() {
        // 8 sums of 16 terms, multiplied, and negated: 256 terms, 25 levels deep.
        let sum = vec!["a"; 16].join("+");
        let product = vec![format!("({sum})"); 8].join("*");
        assert!(parse(&activation(&format!("-{product}"))).is_ok());
        let text = activation(&format!("-{product}*a"));
        let (message, at) = limit(&text);
        assert_eq!(
            message,
            "the formula is too long: more than 256 terms (numbers, names, operators and function calls)"
        );
        assert_eq!(&text[at..], "*a\n");
        // Prefix minus signs the Pratt parser would recurse on, 100,000 of them.
        let text = format!("loss (y, t) = {}y", "-".repeat(100_000));
        assert_eq!(limit(&text).1, "loss (y, t) = ".len() + MAX_FORMULA_TERMS);
    }

    #[test]
    fn formula_depth_is_limited() {
        for (deepest, beyond) in [
            (
                format!("{}a", "-".repeat(63)),
                format!("{}a", "-".repeat(64)),
            ),
            (vec!["a"; 64].join("^"), vec!["a"; 65].join("^")),
            (vec!["a"; 64].join("-"), vec!["a"; 65].join("-")),
        ] {
            assert!(parse(&activation(&deepest)).is_ok(), "{deepest}");
            let (message, _) = limit(&activation(&beyond));
            assert_eq!(
                message,
                "the formula is too deeply nested: more than 64 levels of operations"
            );
        }
    }

    /// The first token beyond the budget, where the scan stops, or `None` within it.
    fn first_token_beyond(text: &str, budget: usize) -> Option<usize> {
        match scan(text, budget) {
            Ok(()) => None,
            Err(Error::TooManyTokens { limit, span }) => {
                assert_eq!(limit, budget);
                Some(span.start)
            }
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_scan_counts_words_and_symbols_not_strings_comments_or_space() {
        // `input` `x` `=` `[` `1.5e3` `,` `-` `2` `]` `#` `title`: eleven tokens; the comment is
        // its `#` alone.
        let text = "input  x = [1.5e3, -2]  # a comment [[[ 1 2 3\ntitle";
        assert_eq!(first_token_beyond(text, 11), None);
        assert_eq!(
            first_token_beyond(text, 10),
            Some(text.find("title").unwrap())
        );
        assert_eq!(first_token_beyond(text, 9), Some(text.find('#').unwrap()));
        assert_eq!(first_token_beyond(text, 8), Some(text.find(']').unwrap()));
        // A string is one token, its quote; the text inside counts nothing.
        assert_eq!(first_token_beyond("title \"a b c , [ ] 1 2\"", 2), None);
        // A run of non-ASCII letters is one token, like a name.
        assert_eq!(first_token_beyond("loss 二乗誤差", 2), None);
        assert_eq!(first_token_beyond("loss 二乗誤差", 1), Some(5));
    }

    #[test]
    fn keeps_spans_of_names_and_numbers() {
        let text = "layer sigmoid\n  W = [[0.1, -2]]\n";
        let [Statement::Layer {
            activation,
            params,
            span,
            ..
        }]: [Statement; 1] = parsed(text).try_into().unwrap()
        else {
            panic!("one layer")
        };
        assert_eq!(&text[activation.span.start..activation.span.end], "sigmoid");
        assert_eq!(
            (span.start, &text[span.start..span.start + 5]),
            (0, "layer")
        );
        let rows = params[0].value.rows();
        let minus_two = &rows[0].items[1];
        assert_eq!(&text[minus_two.span.start..minus_two.span.end], "-2");
        assert_eq!(minus_two.value.to_string(), "-2");
        assert_eq!(
            &text[params[0].name.span.start..params[0].name.span.end],
            "W"
        );
    }

    #[test]
    fn vectors_and_matrices_differ() {
        let statements = parsed("input x = [1, 2, 3]\ntarget t = [[0, 1]]");
        assert!(
            matches!(&statements[0], Statement::Input { value: Array::Vector(v), .. } if v.items.len() == 3)
        );
        assert!(
            matches!(&statements[1], Statement::Target { value: Array::Matrix { rows, .. }, .. } if rows.len() == 1)
        );
    }

    #[test]
    fn strings_unescape_and_keep_unicode() {
        let text = r#"title "手計算 \"quoted\" \\ done""#;
        assert_eq!(
            parsed(text)[0],
            Statement::Title {
                text: "手計算 \"quoted\" \\ done".into(),
                span: Span::new(0, text.len())
            }
        );
    }

    #[test]
    fn comments_and_line_breaks_are_free() {
        let statements = parsed("# c\nsgd lr = 0.1, # why\n steps = 2 # end");
        let [Statement::Sgd { settings, .. }]: [Statement; 1] = statements.try_into().unwrap()
        else {
            panic!()
        };
        assert_eq!(settings.len(), 2);
        assert_eq!(settings[1].name.text, "steps");
    }

    #[test]
    fn keywords_need_a_word_boundary() {
        let (message, at) = syntax("layersigmoid");
        assert_eq!(
            message,
            "expected a statement (title, input, target, layer, activation, loss, sgd, vary, ask or graph), found `layersigmoid`"
        );
        assert_eq!(at, 0);
    }

    #[test]
    fn errors_speak_in_words() {
        let (message, at) = syntax("input x = [1, 2,, 3]");
        assert_eq!(message, "expected `]` or a number, found `,`");
        assert_eq!(at, 16);
        let (message, _) = syntax("layer sigmoid W = ");
        assert_eq!(
            message,
            "expected a matrix such as `[[1, 2], [3, 4]]` or a vector such as `[1, 2]`, found the end of the file"
        );
        let (message, _) = syntax("title untitled");
        assert_eq!(
            message,
            "expected a string in double quotes, found `untitled`"
        );
        let (message, at) = syntax("input x = [[1, 2]\nlayer");
        assert_eq!(
            (message.as_str(), at),
            ("expected `,` or `]`, found `layer`", 18)
        );
    }

    #[test]
    fn errors_in_the_statements_of_training_speak_in_words() {
        for (text, expected) in [
            ("optimizer adam lr = ", "expected a value such as `0.9`, `zero` or `[[1, 0], [1, 1]]`, found the end of the file"),
            ("optimizer adam lr = 0.1,", "expected a name, found the end of the file"),
            ("weight_decay = 0.1", "expected a number, found `=`"),
            // `dropout` alone reads as a parameter named `dropout` missing its `=`.
            (
                "layer relu W = [[1]] dropout\n",
                "expected `=`, a layer parameter such as `W = [[…]]` or a name, found the end of the file",
            ),
        ] {
            let found = syntax(text).0;
            assert!(found == expected, "{text:?}: {found}");
        }
    }

    #[test]
    fn only_two_escapes_and_the_error_is_at_the_backslash() {
        let text = r#"title "ok \\ \" then \input""#;
        match parse(text) {
            Err(Error::Escape {
                escape: Some('i'),
                span,
            }) => assert_eq!(&text[span.start..span.end], "\\i"),
            other => panic!("{other:?}"),
        }
        let text = "title \"\\二\"";
        match parse(text) {
            Err(Error::Escape {
                escape: Some('二'),
                span,
            }) => assert_eq!(&text[span.start..span.end], "\\二"),
            other => panic!("{other:?}"),
        }
        for text in ["title \"a\\", "title \"a\\\ninput x = [1]"] {
            match parse(text) {
                Err(Error::Escape { escape: None, span }) => {
                    assert_eq!(&text[span.start..span.end], "\\")
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_foreign_character_is_spanned_whole() {
        for (text, found) in [
            ("input x = [1，2]", '，'),
            ("\u{FEFF}input x = [1]", '\u{FEFF}'),
            ("input x = [1, \u{2212}1]", '−'),
            ("loss 二乗誤差", '二'),
        ] {
            match parse(text) {
                Err(Error::Character { found: f, span, .. }) => {
                    assert_eq!(f, found);
                    assert_eq!(&text[span.start..span.end], found.to_string());
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        // A plain syntax error at a word still names the word, clipped to 20 characters.
        let (message, _) = syntax(&format!("lyer{}", "x".repeat(30)));
        assert!(
            message.ends_with("found `lyerxxxxxxxxxxxxxxxx…`"),
            "{message}"
        );
    }

    #[test]
    fn a_graph_statement_keeps_its_formula_at_its_place_in_the_file() {
        let text = "# a graph\ngraph \"(x+y)*z\" at x = -2, y = 5 , z=-4\n";
        let file = parse(text).unwrap();
        let [Statement::Graph {
            formula,
            text: written,
            at,
            span,
        }] = file.statements.as_slice()
        else {
            panic!("{file:?}");
        };
        assert_eq!(written, "(x+y)*z");
        // The product's span runs from its first factor's (inside the bracket) to the quote.
        assert_eq!(&text[formula.span().start..formula.span().end], "x+y)*z");
        let names: Vec<&str> = at.iter().map(|s| s.name.text.as_str()).collect();
        assert_eq!(names, ["x", "y", "z"]);
        assert_eq!(&text[at[1].name.span.start..at[1].name.span.end], "y");
        assert_eq!(&text[span.start..span.end], &text[10..text.len() - 1]);
        // The direct reader leaves it to pest, which is the only reader of `graph`.
        assert_eq!(same_as_pest(text), Ok(false));
        // Without values, and refused without its quotes or with a value that is a name.
        assert!(parse("graph \"2*3\"").is_ok());
        assert!(matches!(parse("graph (x+y)"), Err(Error::Syntax { .. })));
        assert!(matches!(
            parse("graph \"x\" at x = y"),
            Err(Error::Syntax { .. })
        ));
    }
}
