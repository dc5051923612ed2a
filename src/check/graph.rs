//! The formula of `graph "FORMULA"` (issue 17): every name is a variable, given its value by
//! `--at`, so the formula is converted with its names as they are written; and since the
//! graph's faults (a division by zero at one node) must point at that node, the span of every
//! node of the formula tree is kept, in the tree's pre-order (`graph::Graph` records each
//! node's pre-order number as its `origin`). A file's `graph` statement is checked here too
//! ([`graph_of_file`]): the same formula, its values written after `at`.

use crate::error::{Defined, Error, GraphFault, Span, ValuesIn};
use crate::math::expr::{interned, Expr};
use crate::math::number::Decimal;
use crate::syntax::ast::{AskKind, File, Formula, Op, Statement, Value as AstValue};

/// A formula of free variables as a tree, the span of each of its nodes in pre-order, and
/// its variables in order of first use with the span of that use.
#[derive(Clone, Debug, PartialEq)]
pub struct FreeFormula {
    pub expr: Expr,
    pub spans: Vec<Span>,
    pub variables: Vec<(String, Span)>,
}

/// The first two stages on the text of one formula: parsed within the limits of a file's
/// formulas (and `max_tokens` tokens), and converted.
pub fn formula_from_text(text: &str, max_tokens: usize) -> Result<FreeFormula, Error> {
    free_formula(&crate::syntax::parser::parse_formula(text, max_tokens)?)
}

/// Converts `formula`, whose names are all variables. `-3` (a minus before a number) is the
/// constant −3, one node, as a reader takes it. The recursion is bounded by the parser's
/// depth limit.
pub fn free_formula(formula: &Formula) -> Result<FreeFormula, Error> {
    let mut out = FreeFormula {
        expr: Expr::int(0),
        spans: Vec::new(),
        variables: Vec::new(),
    };
    out.expr = convert(formula, &mut out.spans, &mut out.variables)?;
    Ok(out)
}

fn convert(
    formula: &Formula,
    spans: &mut Vec<Span>,
    variables: &mut Vec<(String, Span)>,
) -> Result<Expr, Error> {
    spans.push(formula.span());
    Ok(match formula {
        Formula::Number(n) => Expr::Num(n.value),
        Formula::Name(name) => {
            if !variables.iter().any(|(known, _)| *known == name.text) {
                variables.push((name.text.clone(), name.span));
            }
            Expr::Var(interned(&name.text))
        }
        Formula::Neg { operand, .. } => match &**operand {
            Formula::Number(n) => Expr::Num(n.value.negated()),
            other => Expr::Neg(Box::new(convert(other, spans, variables)?)),
        },
        Formula::Binary { op, lhs, rhs, span } => {
            let a = convert(lhs, spans, variables)?;
            if *op == Op::Sub {
                // a − b is a + (−b) in the tree: the negation is a node of the same span.
                spans.push(*span);
            }
            let b = convert(rhs, spans, variables)?;
            super::formulas::binary(*op, a, b)
        }
        Formula::Call {
            function,
            args,
            span,
        } => {
            let f = super::formulas::called(function, args, *span)?;
            Expr::call(f, convert(&args[0], spans, variables)?)
        }
    })
}

/// A value given to a graph's variable (by `--at` or a file's `at`), with its name's span.
#[derive(Clone, Debug, PartialEq)]
pub struct Given {
    pub name: String,
    pub value: Decimal,
    pub span: Span,
}

/// A file's `graph "(x+y)*z" at x = -2, …` statement, checked as far as the file alone can
/// be: its formula converted (spans the file's), its values each given once, and the exam's
/// `vary` and `ask` statements beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphStatement {
    pub formula: FreeFormula,
    /// The formula as written between the quotes.
    pub text: String,
    pub given: Vec<Given>,
    pub span: Span,
    /// `vary x in [-3, 3] step 1`: the variable and the values it is drawn from.
    pub varies: Vec<GraphVary>,
    /// What the exam asks, in order, each once.
    pub asks: Vec<GraphAsk>,
}

/// A graph file's `vary` statement, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphVary {
    pub name: String,
    pub values: Vec<Decimal>,
    pub span: Span,
}

/// What a graph file's `ask` asks: f, or ∂f/∂(a variable).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphAsk {
    Value,
    Partial(String),
}

/// The graph a file holds, or `None` for a network's file. A graph file holds one `graph`
/// statement and nothing of a network: the graph's variables are not the network's (a
/// network's equations as a graph are `derive --view graph`), so a statement of a network
/// beside it is refused where it is.
pub fn graph_of_file(file: &File) -> Result<Option<GraphStatement>, Error> {
    let Some((formula, at, span, text)) = file.statements.iter().find_map(|s| match s {
        Statement::Graph {
            formula,
            at,
            span,
            text,
        } => Some((formula, at, *span, text)),
        _ => None,
    }) else {
        return Ok(None);
    };
    for statement in &file.statements {
        let keyword = match statement {
            Statement::Graph { span: other, .. } if *other == span => continue,
            Statement::Graph { span: again, .. } => {
                return Err(Error::Duplicate {
                    what: Defined::Statement("graph"),
                    span: *again,
                    first: span,
                })
            }
            Statement::Vary { .. } | Statement::Ask { .. } => continue,
            Statement::Title { .. } => "title",
            Statement::Input { .. } => "input",
            Statement::Target { .. } => "target",
            Statement::Layer { .. } => "layer",
            Statement::Loss { .. } => "loss",
            Statement::Activation { .. } => "activation",
            Statement::Sgd { .. } => "sgd",
            Statement::Optimizer { .. } => "optimizer",
            Statement::WeightDecay { .. } => "weight_decay",
        };
        return Err(Error::Graph {
            fault: GraphFault::NotInGraphFile(keyword),
            span: statement.span(),
        });
    }
    let mut given: Vec<Given> = Vec::new();
    for setting in at {
        let AstValue::Number(number) = &setting.value else {
            unreachable!("the grammar gives a graph's values as numbers")
        };
        if given.iter().any(|g| g.name == setting.name.text) {
            return Err(Error::Graph {
                fault: GraphFault::TwoValues {
                    name: setting.name.text.clone(),
                    written: ValuesIn::File,
                },
                span: setting.name.span,
            });
        }
        given.push(Given {
            name: setting.name.text.clone(),
            value: number.value,
            span: setting.name.span,
        });
    }
    let formula = free_formula(formula)?;
    let (varies, asks) = exam_statements(file, &formula)?;
    Ok(Some(GraphStatement {
        formula,
        text: text.clone(),
        given,
        span,
        varies,
        asks,
    }))
}

/// A graph file's `vary` (of the formula's variables) and `ask` (`f`, `df/dx`) statements.
fn exam_statements(
    file: &File,
    formula: &FreeFormula,
) -> Result<(Vec<GraphVary>, Vec<GraphAsk>), Error> {
    let used = || formula.variables.iter().map(|(n, _)| n.clone()).collect();
    let variable = |name: &str| formula.variables.iter().any(|(n, _)| n == name);
    let (mut varies, mut asks) = (Vec::new(), Vec::new());
    let mut room = super::exam::MAX_VARY_VALUES;
    for statement in &file.statements {
        match statement {
            Statement::Vary {
                target,
                values,
                span,
            } => {
                if !variable(&target.text) {
                    return Err(Error::Graph {
                        fault: GraphFault::VaryNotVariable {
                            name: target.text.clone(),
                            used: used(),
                        },
                        span: target.span,
                    });
                }
                let values = super::exam::vary_values(values, room)?;
                room -= values.len();
                varies.push(GraphVary {
                    name: target.text.clone(),
                    values,
                    span: *span,
                });
            }
            Statement::Ask {
                kind,
                target,
                layer,
                span,
            } => {
                let ask = match (kind, layer) {
                    (AskKind::Value, None) if target.text == super::super::graph::OUTPUT => {
                        GraphAsk::Value
                    }
                    (AskKind::Partial, _) if variable(&target.text) => {
                        GraphAsk::Partial(target.text.clone())
                    }
                    (AskKind::Partial, _) => {
                        return Err(Error::Graph {
                            fault: GraphFault::AskNoNode {
                                name: target.text.clone(),
                                used: used(),
                            },
                            span: target.span,
                        })
                    }
                    _ => {
                        return Err(Error::Graph {
                            fault: GraphFault::AskNotInGraph(
                                file_text_of(statement).unwrap_or_else(|| target.text.clone()),
                            ),
                            span: *span,
                        })
                    }
                };
                if !asks.contains(&ask) {
                    asks.push(ask);
                }
            }
            _ => {}
        }
    }
    Ok((varies, asks))
}

/// How an `ask` that a graph file cannot answer was written, for its message.
fn file_text_of(statement: &Statement) -> Option<String> {
    let Statement::Ask {
        kind,
        target,
        layer,
        ..
    } = statement
    else {
        return None;
    };
    let word = match kind {
        AskKind::Grad => "grad ",
        AskKind::Update => "update ",
        _ => "",
    };
    let after = if *kind == AskKind::After {
        " after"
    } else {
        ""
    };
    let layer = layer
        .as_ref()
        .map_or(String::new(), |n| format!(" {}", n.value));
    Some(format!("{word}{}{after}{layer}", target.text))
}
