//! The file's own formulas, `activation f(a) = …` and `loss (y, t) = …`: their names resolved
//! to the bound variables, their functions looked up, and each differentiated here, where a
//! formula too large to differentiate can still be pointed at.

use crate::error::{Error, LimitFault, Place, Span, ValueFault};
use crate::math::expr::{Expr, Func};
use crate::math::functions::{self, Activation, BuiltinLoss, Loss, Shape, ARG, LOSS_T, LOSS_Y};
use crate::syntax::ast::{Formula, LossSpec, Name, Op};

/// The loss a `loss` statement names or defines, for `outputs` output units, `depth` layers
/// and `samples` samples; for a custom loss also the terms of its formula and derivative
/// (written once per output unit and sample), and the span of its formula.
pub(super) fn check_loss(
    spec: &LossSpec,
    outputs: usize,
    depth: usize,
    samples: usize,
) -> Result<(Loss, Option<(usize, Span)>), Error> {
    let (y, t, body, text) = match spec {
        LossSpec::Named(name) => {
            let loss = BuiltinLoss::from_name(&name.text).ok_or_else(|| Error::Unknown {
                what: "loss",
                name: name.text.clone(),
                expected: BuiltinLoss::names(),
                span: name.span,
            })?;
            return Ok((loss.loss(outputs as u32), None));
        }
        LossSpec::Custom { y, t, body, text } => (y, t, body, text),
    };
    if y.text == t.text {
        return Err(Error::BadValue {
            fault: ValueFault::SameLossParameters(y.text.clone()),
            span: t.span,
        });
    }
    let params = [(y.text.as_str(), LOSS_Y), (t.text.as_str(), LOSS_T)];
    let element = convert(body, &params, &Place::Loss)?;
    let mut loss = functions::custom_loss(&element, outputs as u32);
    // Differentiated here, where the formula's place is known, exactly as the derivation will.
    let (derivative, _) = crate::math::diff::loss_by_output(&loss, depth as u32, samples)
        .map_err(|failure| derivative_error(failure, Place::Loss, body.span()))?;
    let terms = terms(&element) + terms(&derivative);
    loss.source = Some((y.text.clone(), t.text.clone(), text.clone()));
    Ok((loss, Some((terms, body.span()))))
}

/// The span a message about the loss points at: its name, or its formula.
pub(super) fn loss_span(spec: &LossSpec) -> Span {
    match spec {
        LossSpec::Named(name) => name.span,
        LossSpec::Custom { body, .. } => body.span(),
    }
}

/// A custom activation: its formula in `a`, and its derivative from the differentiator.
pub(super) fn custom_activation(
    name: &Name,
    param: &Name,
    body: &Formula,
) -> Result<Activation, Error> {
    let place = Place::Activation(name.text.clone());
    let definition = convert(body, &[(param.text.as_str(), ARG)], &place)?;
    let derivative = crate::math::diff::derivative_in_arg(&definition)
        .map_err(|failure| derivative_error(failure, place, body.span()))?;
    Ok(Activation {
        name: name.text.clone(),
        builtin: None,
        shape: Shape::Elementwise,
        definition,
        derivative,
        rule: "derived by the differentiator",
        numeric: None,
        custom: true,
        source: None,
    })
}

/// The error for a formula that cannot be differentiated: unsupported, or a derivative too
/// large to write out (located at the formula).
fn derivative_error(failure: crate::math::diff::Failure, place: Place, span: Span) -> Error {
    match failure {
        crate::math::diff::Failure::Unsupported(message) => Error::Unsupported { message },
        crate::math::diff::Failure::TooLarge { limit } => Error::OverLimit {
            fault: LimitFault::Derivative { place, limit },
            span,
        },
    }
}

/// A formula as written → a formula tree, with its parameters renamed to the canonical
/// bound variables (`a`; `y` and `t`).
fn convert(
    formula: &Formula,
    params: &[(&str, &'static str)],
    place: &Place,
) -> Result<Expr, Error> {
    let go = |f: &Formula| convert(f, params, place);
    Ok(match formula {
        Formula::Number(n) => Expr::Num(n.value),
        Formula::Name(name) => match params.iter().find(|(user, _)| *user == name.text) {
            Some((_, canonical)) => Expr::Var(canonical),
            None => {
                return Err(Error::Undefined {
                    name: name.text.clone(),
                    place: place.clone(),
                    params: params.iter().map(|(user, _)| user.to_string()).collect(),
                    span: name.span,
                });
            }
        },
        Formula::Neg { operand, .. } => Expr::Neg(Box::new(go(operand)?)),
        Formula::Binary { op, lhs, rhs, .. } => binary(*op, go(lhs)?, go(rhs)?),
        Formula::Call {
            function,
            args,
            span,
        } => Expr::call(called(function, args, *span)?, go(&args[0])?),
    })
}

/// `a op b` as a tree (`a − b` is `a + (−b)`).
pub(super) fn binary(op: Op, a: Expr, b: Expr) -> Expr {
    match op {
        Op::Add => Expr::Add(vec![a, b]),
        Op::Sub => Expr::minus(a, b),
        Op::Mul => Expr::Mul(vec![a, b]),
        Op::Div => Expr::Div(Box::new(a), Box::new(b)),
        Op::Pow => Expr::pow(a, b),
    }
}

/// The elementary function a call names, which takes exactly one argument.
pub(super) fn called(function: &Name, args: &[Formula], span: Span) -> Result<Func, Error> {
    let f = Func::elementary(&function.text).ok_or_else(|| Error::Unknown {
        what: "function",
        name: function.text.clone(),
        expected: Func::ELEMENTARY.iter().map(|(name, _)| *name).collect(),
        span: function.span,
    })?;
    if args.len() != 1 {
        return Err(Error::Arity {
            function: function.text.clone(),
            given: args.len(),
            span,
        });
    }
    Ok(f)
}

/// The terms of a formula, for the limit on formula rows.
pub(super) fn terms(e: &Expr) -> usize {
    e.size_within(usize::MAX).unwrap_or(usize::MAX)
}
