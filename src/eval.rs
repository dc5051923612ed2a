//! The numeric evaluator: walks a formula with the values of the network's quantities.
//!
//! All numbers the tool prints come from here, so the values in a row are the values of the
//! formula printed in that row. Exactness travels with every value (see `number`), and a
//! computation that leaves the real numbers is a [`Fault`], never a NaN in the output.

use std::fmt;

use crate::expr::{Expr, Func, Index, Symbol};
use crate::functions::{Activation, ARG};
use crate::number::Value;

/// Where the evaluator finds the numbers and functions a formula refers to.
pub trait Env {
    /// The current value of a quantity.
    fn symbol(&self, symbol: &Symbol) -> Option<Value>;
    /// The activation of layer `layer`.
    fn activation(&self, layer: u32) -> Option<&'static Activation>;
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
    /// The logarithm of zero or of a negative number.
    LogOfNonPositive,
    /// A result that is not a real number, such as a negative number to a fractional power.
    NotReal,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Unbound(what) => write!(f, "{what} has no value"),
            Fault::Overflow => write!(f, "the number overflows"),
            Fault::DivisionByZero => write!(f, "division by zero"),
            Fault::LogOfNonPositive => write!(f, "log of a number that is not positive"),
            Fault::NotReal => write!(f, "the result is not a real number"),
        }
    }
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
pub fn eval(expr: &Expr, env: &dyn Env) -> Result<Value, Fault> {
    let value = match expr {
        Expr::Num(d) => Value::exact(*d),
        Expr::Val(v) => *v,
        Expr::Sym(s) => env.symbol(s).ok_or_else(|| Fault::Unbound(s.to_string()))?,
        Expr::Var(name) => return Err(Fault::Unbound((*name).to_string())),
        Expr::Add(terms) => {
            let mut sum = Value::int(0);
            for term in terms {
                sum = finite(sum + eval(term, env)?)?;
            }
            sum
        }
        Expr::Mul(factors) => {
            let mut product = Value::int(1);
            for factor in factors {
                product = finite(product * eval(factor, env)?)?;
            }
            product
        }
        Expr::Neg(x) => -eval(x, env)?,
        Expr::Div(a, b) => {
            let (a, b) = (eval(a, env)?, eval(b, env)?);
            if b.f == 0.0 {
                return Err(Fault::DivisionByZero);
            }
            a / b
        }
        Expr::Pow(a, b) => eval(a, env)?.pow(eval(b, env)?),
        Expr::Call(func, x) => {
            let x = eval(x, env)?;
            match func {
                Func::Act(layer) => {
                    let act = activation(env, *layer)?;
                    eval(&(act.definition)().bind(ARG, &Expr::Val(x)), env)?
                }
                Func::Exp => x.map(f64::exp),
                Func::Log => {
                    if x.f <= 0.0 {
                        return Err(Fault::LogOfNonPositive);
                    }
                    x.map(f64::ln)
                }
            }
        }
        Expr::Deriv(func, x) => {
            let x = eval(x, env)?;
            match func {
                Func::Act(layer) => {
                    let act = activation(env, *layer)?;
                    eval(&(act.derivative)(*func).bind(ARG, &Expr::Val(x)), env)?
                }
                Func::Exp => x.map(f64::exp),
                Func::Log => {
                    if x.f == 0.0 {
                        return Err(Fault::DivisionByZero);
                    }
                    Value::int(1) / x
                }
            }
        }
        Expr::Sum { .. } => eval(&expr.expand_sums(), env)?,
        Expr::Kron(Index::Num(a), Index::Num(b)) => Value::int(i64::from(a == b)),
        Expr::Kron(a, b) if a == b => Value::int(1),
        Expr::Kron(..) | Expr::Partial(..) => return Err(Fault::Unbound(expr.to_string())),
    };
    finite(value)
}

fn activation(env: &dyn Env, layer: u32) -> Result<&'static Activation, Fault> {
    env.activation(layer)
        .ok_or_else(|| Fault::Unbound(format!("activation of layer {layer}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions;
    use crate::number::Decimal;
    use std::collections::HashMap;

    struct Map(HashMap<Symbol, Value>);

    impl Env for Map {
        fn symbol(&self, symbol: &Symbol) -> Option<Value> {
            self.0.get(symbol).copied()
        }
        fn activation(&self, _layer: u32) -> Option<&'static Activation> {
            functions::activation("sigmoid")
        }
    }

    fn dec(text: &str) -> Value {
        Value::exact(Decimal::parse(text).unwrap())
    }

    #[test]
    fn sigmoid_through_the_table() {
        let env = Map(HashMap::new());
        let z = eval(&Expr::call(Func::Act(1), Expr::Val(dec("0.6"))), &env).unwrap();
        assert!((z.f - 0.6456563062257954).abs() < 1e-15);
        assert_eq!(z.exact, None);
        let d = eval(&Expr::deriv(Func::Act(1), Expr::Val(dec("0.6"))), &env).unwrap();
        assert!((d.f - z.f * (1.0 - z.f)).abs() < 1e-15);
    }

    #[test]
    fn symbols_come_from_the_environment() {
        let w = Symbol::weight(1, Index::Num(1), Index::Num(1));
        let env = Map(HashMap::from([(w.clone(), dec("0.1"))]));
        let e = Expr::Mul(vec![Expr::Sym(w), Expr::int(3)]);
        assert_eq!(eval(&e, &env).unwrap().exact, Decimal::parse("0.3"));
    }

    #[test]
    fn faults_instead_of_nan() {
        let env = Map(HashMap::new());
        let log0 = Expr::call(Func::Log, Expr::int(0));
        assert_eq!(eval(&log0, &env), Err(Fault::LogOfNonPositive));
        let div0 = Expr::Div(Box::new(Expr::int(1)), Box::new(Expr::int(0)));
        assert_eq!(eval(&div0, &env), Err(Fault::DivisionByZero));
        let huge = Expr::call(Func::Exp, Expr::int(1000));
        assert_eq!(eval(&huge, &env), Err(Fault::Overflow));
        let missing = Expr::Sym(Symbol::loss());
        assert!(matches!(eval(&missing, &env), Err(Fault::Unbound(_))));
    }
}
