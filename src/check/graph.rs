//! The formula of `graph "FORMULA"` (issue 17): every name is a variable, given its value by
//! `--at`, so the formula is converted with its names as they are written; and since the
//! graph's faults (a division by zero at one node) must point at that node, the span of every
//! node of the formula tree is kept, in the tree's pre-order (`graph::Graph` records each
//! node's pre-order number as its `origin`).

use crate::error::{Error, Span};
use crate::math::expr::{interned, Expr};
use crate::syntax::ast::{Formula, Op};

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
