//! The built-in activations and losses, as data.
//!
//! Each activation is stated once, as a formula in its argument `a`, together with its
//! derivative written the way a textbook writes it (`h'(a) = h(a)(1 − h(a))`). The derivative
//! is what the worked solution shows and evaluates; a unit test checks every stated derivative
//! against the symbolic differentiator and against finite differences, so the table cannot
//! drift from the definitions.

use crate::expr::{Expr, Func, Index, Symbol};

/// The name of the bound variable in activation formulas.
pub const ARG: &str = "a";

/// A built-in activation function.
pub struct Activation {
    /// The name used in `.nn` files.
    pub name: &'static str,
    /// `h(a)` as a formula in [`ARG`].
    pub definition: fn() -> Expr,
    /// `h'(a)` as a formula in [`ARG`] and `h` itself (`f` stands for the function being
    /// derived, so that the derivative reads `h(a)(1 − h(a))` rather than repeating `exp`).
    pub derivative: fn(f: Func) -> Expr,
    /// The name of the derivative rule, as a worked solution cites it.
    pub rule: &'static str,
}

impl Activation {
    /// The constant value of the derivative, if it does not depend on `a` (identity: 1).
    pub fn constant_derivative(&self, f: Func) -> Option<Expr> {
        let d = (self.derivative)(f);
        (!d.any(&|e| matches!(e, Expr::Var(_) | Expr::Call(..)))).then_some(d)
    }
}

fn arg() -> Expr {
    Expr::Var(ARG)
}

/// Every built-in activation.
pub static ACTIVATIONS: &[Activation] = &[
    Activation {
        name: "identity",
        definition: arg,
        derivative: |_| Expr::int(1),
        rule: "identity rule: o'(a) = 1",
    },
    Activation {
        name: "sigmoid",
        // 1 / (1 + exp(−a))
        definition: || {
            Expr::Div(
                Box::new(Expr::int(1)),
                Box::new(Expr::Add(vec![
                    Expr::int(1),
                    Expr::call(Func::Exp, Expr::Neg(Box::new(arg()))),
                ])),
            )
        },
        // h(a)(1 − h(a))
        derivative: |f| {
            Expr::Mul(vec![
                Expr::call(f, arg()),
                Expr::minus(Expr::int(1), Expr::call(f, arg())),
            ])
        },
        rule: "sigmoid rule: h'(a) = h(a)(1 - h(a))",
    },
];

/// Looks up a built-in activation by its name.
pub fn activation(name: &str) -> Option<&'static Activation> {
    ACTIVATIONS.iter().find(|a| a.name == name)
}

/// A built-in loss function.
pub struct Loss {
    /// The name used in `.nn` files.
    pub name: &'static str,
    /// `E` as a formula in the outputs `y_k` and targets `t_k` of one sample, for `outputs` units.
    pub definition: fn(outputs: u32) -> Expr,
}

/// Every built-in loss.
pub static LOSSES: &[Loss] = &[Loss {
    name: "sum_squared",
    // ½ Σ_k (y_k − t_k)²
    definition: |_outputs| {
        Expr::Mul(vec![
            Expr::half(),
            Expr::sum(
                'k',
                _outputs,
                Expr::pow(
                    Expr::minus(
                        Expr::sym(Symbol::out(OUTPUT_LAYER, Index::Var('k'))),
                        Expr::sym(Symbol::target(Index::Var('k'))),
                    ),
                    Expr::int(2),
                ),
            ),
        ])
    },
}];

/// Loss formulas name the output layer with this placeholder; [`Loss::instantiate`] replaces it.
const OUTPUT_LAYER: u32 = u32::MAX;

impl Loss {
    /// The loss formula for a network whose output layer is `layer` with `outputs` units.
    pub fn instantiate(&self, layer: u32, outputs: u32) -> Expr {
        fn relayer(e: &Expr, layer: u32) -> Expr {
            match e {
                Expr::Sym(s) if s.layer == OUTPUT_LAYER => {
                    let mut s = s.clone();
                    s.layer = layer;
                    Expr::Sym(s)
                }
                _ => e.map_children(&mut |c| relayer(c, layer)),
            }
        }
        relayer(&(self.definition)(outputs), layer)
    }
}

/// Looks up a built-in loss by its name.
pub fn loss(name: &str) -> Option<&'static Loss> {
    LOSSES.iter().find(|l| l.name == name)
}

/// The names of the built-ins, for "expected one of …" messages.
pub fn activation_names() -> Vec<&'static str> {
    ACTIVATIONS.iter().map(|a| a.name).collect()
}

pub fn loss_names() -> Vec<&'static str> {
    LOSSES.iter().map(|l| l.name).collect()
}
