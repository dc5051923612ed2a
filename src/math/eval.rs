//! The numeric evaluator: walks a formula with the values of the network's quantities.
//!
//! All numbers the tool prints come from here, so the values in a row are the values of the
//! formula printed in that row. Exactness travels with every value (see `number`), and a
//! computation that leaves the real numbers is a [`Fault`], never a NaN in the output.

use std::fmt;

use crate::math::expr::{Expr, Func, Index, Symbol};
use crate::math::functions::{Activation, Shape, ARG};
use crate::math::number::Value;
use crate::math::precise::{self, Dd};

/// Where the evaluator finds the numbers and functions a formula refers to.
pub trait Env {
    /// The current value of a quantity.
    fn symbol(&self, symbol: &Symbol) -> Option<Value>;
    /// The activation of layer `layer`.
    fn activation(&self, layer: u32) -> Option<&Activation>;
    /// Whether a factor beside an exact 0 must have a value too (see [`eval_as_printed`]).
    fn strict(&self) -> bool {
        false
    }
    /// A value standing for a whole subexpression, taken as if the subexpression were that
    /// number: a formula is evaluated as its numbers row would be without that row being
    /// written out.
    fn replaced(&self, _expr: &Expr) -> Option<Value> {
        None
    }
}

/// `env` for [`eval_as_printed`].
struct Strict<'e>(&'e dyn Env);

impl Env for Strict<'_> {
    fn symbol(&self, symbol: &Symbol) -> Option<Value> {
        self.0.symbol(symbol)
    }

    fn activation(&self, layer: u32) -> Option<&Activation> {
        self.0.activation(layer)
    }

    fn strict(&self) -> bool {
        true
    }

    fn replaced(&self, expr: &Expr) -> Option<Value> {
        self.0.replaced(expr)
    }
}

/// Evaluates a row as its reader does: every factor must have a value, even beside a 0.
/// [`eval`] takes `(1-1)\cdot\log(1-y)` as 0 whatever y is (the cross-entropy convention, and
/// right for the true y); printed with y shown as `1.0`, the row has no value.
pub fn eval_as_printed(expr: &Expr, env: &dyn Env) -> Result<Value, Fault> {
    eval(expr, &Strict(env))
}

/// Why a formula has no real value.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// A quantity the formula uses has no value yet (a bug in the derivation order).
    Unbound(String),
    /// The result is too large for a float.
    Overflow,
    /// A division by zero.
    DivisionByZero,
    /// A division by a computed number that is not 0 but too close to 0 for a float: it
    /// underflowed or rounded to 0 (`1 − σ(40)`).
    DivisionByRoundedZero,
    /// 0 to a negative power: a division by zero too.
    ZeroToNegativePower,
    /// The logarithm of zero or of a negative number.
    LogOfNonPositive,
    /// The logarithm of a computed number that rounded to 0 (`log(σ(−1000))`).
    LogOfRoundedZero,
    /// The square root of a negative number.
    SqrtOfNegative,
    /// A negative number to a fractional power.
    FractionalPowerOfNegative,
    /// `u/|u|` (the derivative of `|u|`) at u = 0, with no factor beside it that is 0 there.
    SignOfZero,
    /// Any other result that is not a real number.
    NotReal,
}

impl Fault {
    /// The function whose domain the fault leaves (`sqrt` for the root of a negative number).
    pub fn domain(&self) -> Option<&'static str> {
        match self {
            Fault::LogOfNonPositive | Fault::LogOfRoundedZero => Some("log"),
            Fault::SqrtOfNegative => Some("sqrt"),
            Fault::FractionalPowerOfNegative => Some("a fractional power"),
            Fault::DivisionByZero | Fault::DivisionByRoundedZero | Fault::ZeroToNegativePower => {
                Some("division")
            }
            Fault::Unbound(_) | Fault::Overflow | Fault::SignOfZero | Fault::NotReal => None,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Unbound(what) => write!(f, "{what} has no value"),
            Fault::Overflow => write!(f, "the number overflows"),
            Fault::DivisionByZero => write!(f, "division by zero"),
            Fault::DivisionByRoundedZero => write!(
                f,
                "division by a number too close to 0 for a float (it rounded to 0)"
            ),
            Fault::ZeroToNegativePower => write!(f, "division by zero (0 to a negative power)"),
            Fault::LogOfNonPositive => write!(f, "log of a number that is not positive"),
            Fault::LogOfRoundedZero => write!(
                f,
                "log of a number too close to 0 for a float (it rounded to 0)"
            ),
            Fault::SqrtOfNegative => write!(f, "sqrt of a negative number"),
            Fault::FractionalPowerOfNegative => {
                write!(
                    f,
                    "a negative number to a fractional power is not a real number"
                )
            }
            Fault::SignOfZero => write!(
                f,
                "abs is not differentiable at 0: u/|u| has no value at u = 0, and no factor \
                 beside it is 0 there"
            ),
            Fault::NotReal => write!(f, "the result is not a real number"),
        }
    }
}

/// A computed (inexact) value that came out as 0: the true value is almost surely not 0, but
/// too small for a float. (A carried 0 is the shown numbers' own 0, not a float's.)
fn rounded_to_zero(v: Value) -> bool {
    v.f == 0.0 && v.exact().is_none() && v.carried().is_none()
}

fn finite(v: Value) -> Result<Value, Fault> {
    if v.f.is_nan() {
        Err(Fault::NotReal)
    } else if v.f.is_infinite() {
        Err(Fault::Overflow)
    } else {
        Ok(v)
    }
}

/// Evaluates `expr` in `env`.
///
/// One frame per level of the formula: the work of each kind of node is in a function of its
/// own, so that this frame stays small (a debug build's frame holds every arm's temporaries).
pub fn eval(expr: &Expr, env: &dyn Env) -> Result<Value, Fault> {
    if let Some(value) = env.replaced(expr) {
        return finite(value);
    }
    let value = match expr {
        Expr::Num(d) => Ok(Value::decimal(*d)),
        Expr::Val(v) => Ok(*v),
        Expr::Sym(s) => symbol(s, env),
        Expr::Add(terms) => sum(terms, env),
        Expr::Mul(factors) => product(factors, env),
        Expr::Neg(x) => negated(x, env),
        Expr::Div(a, b) => quotient(a, b, env),
        Expr::Pow(a, b) => power(a, b, env),
        Expr::Call(func, x) => call(*func, x, env),
        Expr::Deriv(func, x) => derivative(*func, x, env),
        Expr::Cases {
            arg,
            positive,
            otherwise,
        } => cases(arg, positive, otherwise, env),
        Expr::Sum { .. } => eval(&expr.expand_sums(), env),
        Expr::Kron(Index::Num(a), Index::Num(b)) => Ok(Value::int(i64::from(a == b))),
        Expr::Kron(a, b) if a == b => Ok(Value::int(1)),
        Expr::Var(_) | Expr::Kron(..) | Expr::Partial(..) => Err(unbound(expr)),
    };
    finite(value?)
}

fn unbound(expr: &Expr) -> Fault {
    Fault::Unbound(expr.to_string())
}

fn negated(x: &Expr, env: &dyn Env) -> Result<Value, Fault> {
    Ok(-eval(x, env)?)
}

fn cases(arg: &Expr, positive: &Expr, otherwise: &Expr, env: &dyn Env) -> Result<Value, Fault> {
    if eval(arg, env)?.f > 0.0 {
        eval(positive, env)
    } else {
        eval(otherwise, env)
    }
}

fn symbol(s: &Symbol, env: &dyn Env) -> Result<Value, Fault> {
    env.symbol(s).ok_or_else(|| Fault::Unbound(s.to_string()))
}

/// The terms of a sum.
fn sum(terms: &[Expr], env: &dyn Env) -> Result<Value, Fault> {
    let mut acc = Value::int(0);
    for term in terms {
        acc = finite(acc + eval(term, env)?)?;
    }
    Ok(acc)
}

/// A product; once a factor is exactly 0 the product is 0, and the factors after it are not
/// evaluated: `t_k log y_k` is 0 for a target of 0 even where y_k rounded to 0 (the
/// convention of cross-entropy, and the true value: y_k is not really 0).
///
/// A sign `u/|u|` at u = 0 has no value, but it is bounded (±1 on either side): beside a
/// factor that is 0 there, the product's limit is 0, and that is its value. Any other fault
/// counts where it happens.
fn product(factors: &[Expr], env: &dyn Env) -> Result<Value, Fault> {
    let mut acc = Value::int(1);
    let mut sign_of_zero = false;
    for factor in factors {
        match eval(factor, env) {
            Err(Fault::SignOfZero) => sign_of_zero = true,
            value => acc = finite(acc * value?)?,
        }
        if acc.exact().is_some_and(|d| d.is_zero()) && !env.strict() {
            return Ok(acc);
        }
    }
    if sign_of_zero && acc.f != 0.0 {
        return Err(Fault::SignOfZero);
    }
    Ok(acc)
}

fn quotient(a: &Expr, b: &Expr, env: &dyn Env) -> Result<Value, Fault> {
    // u/|u| is the sign of u: ±1 where u ≠ 0, and no value at 0 (see `product`).
    let sign = matches!(b, Expr::Call(Func::Abs, u) if **u == *a);
    let (a, b) = (eval(a, env)?, eval(b, env)?);
    if sign && a.f == 0.0 {
        return Err(Fault::SignOfZero);
    }
    if rounded_to_zero(b) {
        return Err(Fault::DivisionByRoundedZero);
    }
    if b.f == 0.0 {
        return Err(Fault::DivisionByZero);
    }
    Ok(a / b)
}

/// `a^b`; 0 to a negative power is a division by zero, not an overflow.
fn power(a: &Expr, b: &Expr, env: &dyn Env) -> Result<Value, Fault> {
    let (a, b) = (eval(a, env)?, eval(b, env)?);
    if a.f == 0.0 && b.f < 0.0 {
        return Err(Fault::ZeroToNegativePower);
    }
    // An exact 0 to a positive power is exactly 0 (`|0|^0.5` in a derivative of `|u|^1.5`).
    if a.exact().is_some_and(|d| d.is_zero()) && b.f > 0.0 {
        return Ok(Value::int(0));
    }
    let value = a.pow(b);
    if value.f.is_nan() && a.f < 0.0 {
        return Err(Fault::FractionalPowerOfNegative);
    }
    Ok(value)
}

/// `func(x)`: a layer's activation or an elementary function. Kept out of [`eval`], whose
/// stack frame (one per level of the formula) stays small that way.
fn call(func: Func, x: &Expr, env: &dyn Env) -> Result<Value, Fault> {
    let x = eval(x, env)?;
    match func {
        Func::Act(layer) => {
            let act = activation(env, layer)?;
            if act.shape == Shape::Softmax {
                return Err(Fault::Unbound(format!(
                    "softmax of layer {layer} needs the whole layer"
                )));
            }
            match act.numeric {
                Some(f) => apply(f, x),
                None => eval(&act.definition.bind(ARG, &Expr::Val(x)), env),
            }
        }
        Func::Own => Err(Fault::Unbound("the function being defined".into())),
        elementary => apply(elementary, x),
    }
}

/// `func'(x)`, kept out of [`eval`] like [`call`].
fn derivative(func: Func, x: &Expr, env: &dyn Env) -> Result<Value, Fault> {
    let x = eval(x, env)?;
    match func {
        Func::Act(layer) => {
            let act = activation(env, layer)?;
            eval(&act.derivative_as(func).bind(ARG, &Expr::Val(x)), env)
        }
        Func::Own => Err(Fault::Unbound("the function being defined".into())),
        elementary => {
            let rule = crate::math::diff::ELEMENTARY
                .iter()
                .find(|(f, _)| *f == elementary)
                .ok_or_else(|| Fault::Unbound(format!("{}'", elementary.name())))?;
            eval(&(rule.1)(Expr::Val(x)), env)
        }
    }
}

/// An elementary function at `x`, or why it has no real value there.
pub fn apply(f: Func, x: Value) -> Result<Value, Fault> {
    // The values a person knows exactly: exp(0) = 1, log(1) = 0, tanh(0) = 0, σ(0) = ½, …
    let zero = x.exact().is_some_and(|d| d.is_zero());
    let one = x.exact().is_some_and(|d| d.is_one());
    let known = |text: &str| {
        Ok(Value::decimal(
            crate::math::number::Decimal::parse(text).expect("a constant"),
        ))
    };
    match f {
        Func::Exp | Func::Cos if zero => return known("1"),
        Func::Tanh | Func::Sin | Func::Sqrt if zero => return known("0"),
        Func::Sigmoid if zero => return known("0.5"),
        Func::Log if one => return known("0"),
        Func::Sqrt if one => return known("1"),
        _ => {}
    }
    // In double-double (see `precise`): each within a few units of 1e-30 of the true value.
    let value = match f {
        Func::Exp => x.map(precise::exp),
        Func::Log if rounded_to_zero(x) => return Err(Fault::LogOfRoundedZero),
        Func::Log if x.f <= 0.0 => return Err(Fault::LogOfNonPositive),
        Func::Log => x.map(precise::ln),
        Func::Sqrt if x.f < 0.0 => return Err(Fault::SqrtOfNegative),
        Func::Sqrt => x.map(precise::sqrt),
        Func::Tanh => x.map(precise::tanh),
        Func::Sigmoid => x.map(precise::sigmoid),
        Func::Softplus => x.map(precise::softplus),
        Func::Sin => x.map(precise::sin),
        Func::Cos => x.map(precise::cos),
        // A carried (rounded, shown) number keeps its exact decimal through `abs`.
        Func::Abs => match x.rational() {
            Some(d) if d.is_negative() => -x,
            Some(_) => x,
            None => x.map(Dd::abs),
        },
        Func::Act(_) | Func::Own => return Err(Fault::Unbound(f.name())),
    };
    finite(value)
}

fn activation(env: &dyn Env, layer: u32) -> Result<&Activation, Fault> {
    env.activation(layer)
        .ok_or_else(|| Fault::Unbound(format!("activation of layer {layer}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::functions::builtin_activation;
    use crate::math::number::Decimal;
    use std::collections::HashMap;

    struct Map(HashMap<Symbol, Value>, Activation);

    impl Env for Map {
        fn symbol(&self, symbol: &Symbol) -> Option<Value> {
            self.0.get(symbol).copied()
        }
        fn activation(&self, _layer: u32) -> Option<&Activation> {
            Some(&self.1)
        }
    }

    fn env(values: HashMap<Symbol, Value>, activation: &str) -> Map {
        Map(values, builtin_activation(activation).unwrap())
    }

    fn dec(text: &str) -> Value {
        Value::decimal(Decimal::parse(text).unwrap())
    }

    #[test]
    fn sigmoid_through_the_table() {
        let env = env(HashMap::new(), "sigmoid");
        let z = eval(&Expr::call(Func::Act(1), Expr::Val(dec("0.6"))), &env).unwrap();
        assert!((z.f - 0.6456563062257954).abs() < 1e-15);
        assert_eq!(z.exact(), None);
        let d = eval(&Expr::deriv(Func::Act(1), Expr::Val(dec("0.6"))), &env).unwrap();
        assert!((d.f - z.f * (1.0 - z.f)).abs() < 1e-15);
    }

    #[test]
    fn relu_stays_exact_and_has_its_kink_at_zero() {
        let env = env(HashMap::new(), "relu");
        let at = |x: &str| eval(&Expr::call(Func::Act(1), Expr::Val(dec(x))), &env).unwrap();
        assert_eq!(
            at("-0.5").exact(),
            Decimal::parse("0").map(crate::math::number::Ratio::from)
        );
        assert_eq!(
            at("0.25").exact(),
            Decimal::parse("0.25").map(crate::math::number::Ratio::from)
        );
        let slope = |x: &str| {
            eval(&Expr::deriv(Func::Act(1), Expr::Val(dec(x))), &env)
                .unwrap()
                .f
        };
        assert_eq!((slope("0"), slope("0.1")), (0.0, 1.0));
    }

    #[test]
    fn symbols_come_from_the_environment() {
        let w = Symbol::weight(1, Index::Num(1), Index::Num(1));
        let env = env(HashMap::from([(w.clone(), dec("0.1"))]), "identity");
        let e = Expr::Mul(vec![Expr::Sym(w), Expr::int(3)]);
        assert_eq!(
            eval(&e, &env).unwrap().exact(),
            Decimal::parse("0.3").map(crate::math::number::Ratio::from)
        );
    }

    #[test]
    fn faults_instead_of_nan() {
        let env = env(HashMap::new(), "identity");
        let log0 = Expr::call(Func::Log, Expr::int(0));
        assert_eq!(eval(&log0, &env), Err(Fault::LogOfNonPositive));
        let div0 = Expr::Div(Box::new(Expr::int(1)), Box::new(Expr::int(0)));
        assert_eq!(eval(&div0, &env), Err(Fault::DivisionByZero));
        let huge = Expr::call(Func::Exp, Expr::int(1000));
        assert_eq!(eval(&huge, &env), Err(Fault::Overflow));
        let root = Expr::call(Func::Sqrt, Expr::int(-1));
        assert_eq!(eval(&root, &env), Err(Fault::SqrtOfNegative));
        let missing = Expr::Sym(Symbol::loss());
        assert!(matches!(eval(&missing, &env), Err(Fault::Unbound(_))));
    }

    #[test]
    fn faults_say_when_a_number_only_rounded_to_zero() {
        let env = env(HashMap::new(), "identity");
        let tiny = || Expr::call(Func::Sigmoid, Expr::int(-1000));
        let log = Expr::call(Func::Log, tiny());
        assert_eq!(eval(&log, &env), Err(Fault::LogOfRoundedZero));
        let one_minus = |a| Expr::minus(Expr::int(1), Expr::call(Func::Sigmoid, Expr::int(a)));
        // 1 − σ(40) = 4.248e-18 is a number in double-double: log of it is −40 − 4.2e-18.
        let log = eval(&Expr::call(Func::Log, one_minus(40)), &env).unwrap();
        assert_eq!(log.f, -40.0);
        assert!(log.lo < 0.0 && log.lo > -1e-16);
        // 1 − σ(800) = e^−800 is below the smallest float, and rounds to 0.
        let log = Expr::call(Func::Log, one_minus(800));
        assert_eq!(eval(&log, &env), Err(Fault::LogOfRoundedZero));
        let div = Expr::Div(Box::new(Expr::int(1)), Box::new(one_minus(800)));
        assert_eq!(eval(&div, &env), Err(Fault::DivisionByRoundedZero));
        let div = Expr::Div(Box::new(Expr::int(1)), Box::new(tiny()));
        assert_eq!(eval(&div, &env), Err(Fault::DivisionByRoundedZero));
        let inverse = Expr::pow(Expr::int(0), Expr::int(-1));
        assert_eq!(eval(&inverse, &env), Err(Fault::ZeroToNegativePower));
        let root = Expr::pow(Expr::int(-2), Expr::Num(Decimal::parse("0.5").unwrap()));
        assert_eq!(eval(&root, &env), Err(Fault::FractionalPowerOfNegative));
        assert_eq!(Fault::SqrtOfNegative.domain(), Some("sqrt"));
    }

    #[test]
    fn a_product_is_zero_from_its_first_exact_zero_factor() {
        let env = env(HashMap::new(), "identity");
        // t log y with t = 0 and y rounded to 0: 0, as cross-entropy has it.
        let tiny = Expr::call(Func::Sigmoid, Expr::int(-1000));
        let term = Expr::Mul(vec![Expr::int(0), Expr::call(Func::Log, tiny.clone())]);
        assert_eq!(
            eval(&term, &env).unwrap().exact(),
            Decimal::parse("0").map(crate::math::number::Ratio::from)
        );
        // A fault before the zero still counts.
        let term = Expr::Mul(vec![Expr::call(Func::Log, tiny), Expr::int(0)]);
        assert_eq!(eval(&term, &env), Err(Fault::LogOfRoundedZero));
        // As printed, (1-1)·log(1-1.0) has no value; (1-1)·log(1-0.997) is 0.
        let one_minus = |y: &str| Expr::minus(Expr::int(1), Expr::Num(Decimal::parse(y).unwrap()));
        let term = |y: &str| Expr::Mul(vec![one_minus("1"), Expr::call(Func::Log, one_minus(y))]);
        assert!(eval(&term("1.0"), &env).is_ok());
        assert_eq!(
            eval_as_printed(&term("1.0"), &env),
            Err(Fault::LogOfNonPositive)
        );
        assert_eq!(
            eval_as_printed(&term("0.997"), &env).unwrap().exact(),
            Some(crate::math::number::Ratio::ZERO)
        );
    }

    #[test]
    fn a_sign_is_plus_or_minus_one_and_has_no_value_at_zero() {
        let env = env(HashMap::new(), "identity");
        let sign = |u: Expr| Expr::Div(Box::new(u.clone()), Box::new(Expr::call(Func::Abs, u)));
        let value = |e: &Expr| eval(e, &env);
        assert_eq!(
            value(&sign(Expr::Val(dec("-0.25")))).unwrap().exact(),
            Decimal::parse("-1").map(crate::math::number::Ratio::from)
        );
        assert_eq!(
            value(&sign(Expr::Val(dec("3")))).unwrap().exact(),
            Decimal::parse("1").map(crate::math::number::Ratio::from)
        );
        let zero = || Expr::minus(Expr::Val(dec("0.5")), Expr::Val(dec("0.5")));
        assert_eq!(value(&sign(zero())), Err(Fault::SignOfZero));
        assert!(Fault::SignOfZero
            .to_string()
            .starts_with("abs is not differentiable at 0: "));
        // Beside a factor that is 0 there, before or after it, the product is its limit, 0.
        let power = |n: &str| {
            Expr::pow(
                Expr::call(Func::Abs, zero()),
                Expr::Num(Decimal::parse(n).unwrap()),
            )
        };
        for factors in [
            vec![power("0.5"), sign(zero())],
            vec![sign(zero()), power("0.5")],
            vec![Expr::int(3), Expr::Neg(Box::new(sign(zero()))), zero()],
        ] {
            assert_eq!(
                value(&Expr::Mul(factors)).unwrap().exact(),
                Decimal::parse("0").map(crate::math::number::Ratio::from)
            );
        }
        // Beside factors that are not 0, or in a sum, it stays undefined.
        let alone = Expr::Mul(vec![Expr::int(2), sign(zero())]);
        assert_eq!(value(&alone), Err(Fault::SignOfZero));
        let sum = Expr::Add(vec![Expr::int(1), sign(zero())]);
        assert_eq!(value(&sum), Err(Fault::SignOfZero));
        // Other faults beside a 0 still count; a plain u/v at 0 is a division by zero.
        let log0 = Expr::Mul(vec![
            sign(zero()),
            Expr::call(Func::Log, Expr::int(0)),
            Expr::int(0),
        ]);
        assert_eq!(value(&log0), Err(Fault::LogOfNonPositive));
        let other = Expr::Div(
            Box::new(zero()),
            Box::new(Expr::call(Func::Abs, Expr::int(0))),
        );
        assert_eq!(value(&other), Err(Fault::DivisionByZero));
    }

    #[test]
    fn sigmoid_and_softplus_do_not_overflow() {
        let env = env(HashMap::new(), "identity");
        let sigmoid = eval(&Expr::call(Func::Sigmoid, Expr::int(-800)), &env).unwrap();
        assert!(sigmoid.f >= 0.0 && sigmoid.f < 1e-300);
        let softplus = eval(&Expr::call(Func::Softplus, Expr::int(800)), &env).unwrap();
        assert_eq!(softplus.f, 800.0);
    }
}
