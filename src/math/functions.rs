//! The activations and losses, as data.
//!
//! Each activation is stated once, as a formula in its argument `a`, together with its
//! derivative written the way a textbook writes it (`h'(a) = h(a)(1 − h(a))`). The derivative
//! is what the worked solution shows and evaluates; a unit test checks every built-in's stated
//! derivative against the symbolic differentiator and against finite differences, so the table
//! cannot drift from the definitions. A custom activation (`activation swish(a) = …`) is the
//! same data, with its derivative produced by the differentiator.

use crate::math::expr::{Expr, Func, Index, Symbol};
use crate::math::number::Decimal;

/// The name of the bound variable in activation formulas.
pub const ARG: &str = "a";
/// The bound variables of a custom loss: one output and its target.
pub const LOSS_Y: &str = "y";
pub const LOSS_T: &str = "t";

/// Whether an activation acts on each unit alone or on the whole layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `z_i = h(a_i)`.
    Elementwise,
    /// `y_k = exp(a_k) / Σ_m exp(a_m)`, output layer only; its derivative is the Jacobian
    /// `∂y_k/∂a_i = y_k(δ_{ki} − y_i)`.
    Softmax,
}

/// An activation function.
#[derive(Clone, Debug, PartialEq)]
pub struct Activation {
    /// The name used in `.nn` files.
    pub name: String,
    /// Which built-in it is; `None` for one defined in the file.
    pub builtin: Option<Builtin>,
    pub shape: Shape,
    /// `h(a)` as a formula in [`ARG`] (unused for softmax).
    pub definition: Expr,
    /// `h'(a)` as a formula in [`ARG`] and [`Func::Own`] (the function itself).
    pub derivative: Expr,
    /// The derivative rule, as the worked solution cites it.
    pub rule: &'static str,
    /// An elementary function that computes `h` without overflow in its intermediate steps
    /// (`1/(1+exp(−a))` overflows for a < −709; σ(a) does not). Values come from it; the
    /// definition is what the rows show.
    pub numeric: Option<Func>,
    /// Defined in the file rather than built in (`builtin` is `None`).
    pub custom: bool,
    /// For a custom activation: its parameter and formula as written, to write the file again.
    pub source: Option<(String, String)>,
}

impl Activation {
    fn builtin(
        which: Builtin,
        definition: Expr,
        derivative: Expr,
        rule: &'static str,
    ) -> Activation {
        Activation {
            name: which.name().to_string(),
            builtin: Some(which),
            shape: Shape::Elementwise,
            definition,
            derivative,
            rule,
            numeric: None,
            custom: false,
            source: None,
        }
    }

    fn computed_by(mut self, f: Func) -> Activation {
        self.numeric = Some(f);
        self
    }

    /// The derivative for the activation called `f` (a layer's `Func::Act`).
    pub fn derivative_as(&self, f: Func) -> Expr {
        self.derivative.own_as(f)
    }

    /// The constant value of the derivative, if it does not depend on `a` (identity: 1).
    pub fn constant_derivative(&self) -> Option<Expr> {
        let varies = self.shape == Shape::Softmax
            || self.derivative.any(&|e| {
                matches!(
                    e,
                    Expr::Var(_) | Expr::Call(..) | Expr::Deriv(..) | Expr::Cases { .. }
                )
            });
        (!varies).then(|| self.derivative.clone())
    }
}

fn arg() -> Expr {
    Expr::Var(ARG)
}

fn own() -> Expr {
    Expr::call(Func::Own, arg())
}

fn cases(positive: Expr, otherwise: Expr) -> Expr {
    Expr::Cases {
        arg: Box::new(arg()),
        positive: Box::new(positive),
        otherwise: Box::new(otherwise),
    }
}

fn num(text: &str) -> Expr {
    Expr::Num(Decimal::parse(text).expect("a valid constant"))
}

/// The slope of `leaky_relu` below zero.
pub const LEAKY_SLOPE: &str = "0.01";

/// The names of the built-in activations, for "expected one of …" messages, in the order of
/// [`Builtin`].
pub const ACTIVATION_NAMES: &[&str] = &[
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "softplus",
    "softmax",
];

/// The built-in activations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    Identity,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Softplus,
    Softmax,
}

impl Builtin {
    /// Every built-in activation, in the order of [`ACTIVATION_NAMES`].
    pub const ALL: [Builtin; 7] = [
        Builtin::Identity,
        Builtin::Sigmoid,
        Builtin::Tanh,
        Builtin::Relu,
        Builtin::LeakyRelu,
        Builtin::Softplus,
        Builtin::Softmax,
    ];

    /// The name used in `.nn` files.
    pub fn name(self) -> &'static str {
        ACTIVATION_NAMES[self as usize]
    }

    /// The built-in activation called `name`.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The names, for "expected one of …" messages.
    pub fn names() -> Vec<&'static str> {
        ACTIVATION_NAMES.to_vec()
    }

    /// The activation as data: its formula, derivative and rule.
    pub fn activation(self) -> Activation {
        let one = || Expr::int(1);
        match self {
            Builtin::Identity => {
                Activation::builtin(self, arg(), one(), "identity rule: h'(a) = 1")
            }
            Builtin::Sigmoid => Activation::builtin(
                self,
                Expr::Div(
                    Box::new(one()),
                    Box::new(Expr::Add(vec![
                        one(),
                        Expr::call(Func::Exp, Expr::Neg(Box::new(arg()))),
                    ])),
                ),
                Expr::Mul(vec![own(), Expr::minus(one(), own())]),
                "sigmoid rule: h'(a) = h(a)(1 - h(a))",
            )
            .computed_by(Func::Sigmoid),
            Builtin::Tanh => Activation::builtin(
                self,
                Expr::call(Func::Tanh, arg()),
                Expr::minus(one(), Expr::pow(own(), Expr::int(2))),
                "tanh rule: h'(a) = 1 - h(a)^2",
            ),
            Builtin::Relu => Activation::builtin(
                self,
                cases(arg(), Expr::int(0)),
                cases(one(), Expr::int(0)),
                "relu rule: h'(a) = 1 for a > 0, 0 for a <= 0",
            ),
            Builtin::LeakyRelu => Activation::builtin(
                self,
                cases(arg(), Expr::Mul(vec![num(LEAKY_SLOPE), arg()])),
                cases(one(), num(LEAKY_SLOPE)),
                "leaky relu rule: h'(a) = 1 for a > 0, 0.01 for a <= 0",
            ),
            Builtin::Softplus => Activation::builtin(
                self,
                Expr::call(
                    Func::Log,
                    Expr::Add(vec![one(), Expr::call(Func::Exp, arg())]),
                ),
                Expr::call(Func::Sigmoid, arg()),
                "softplus rule: h'(a) = sigmoid(a)",
            )
            .computed_by(Func::Softplus),
            Builtin::Softmax => Activation {
                shape: Shape::Softmax,
                ..Activation::builtin(
                    self,
                    Expr::call(Func::Exp, arg()),
                    Expr::call(Func::Exp, arg()),
                    "softmax rule: dy_k/da_i = y_k(delta_ki - y_i)",
                )
            },
        }
    }
}

/// The built-in activation called `name`.
#[cfg(test)]
pub fn builtin_activation(name: &str) -> Option<Activation> {
    Builtin::from_name(name).map(Builtin::activation)
}

/// How the per-sample losses add up to `E`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// `E = Σ_n E_n` (PRML).
    Sum,
    /// `E = (1/N) Σ_n E_n` (`mean_squared`, Chainer's mean over all elements).
    Mean,
}

/// What a loss needs of the output layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Any output.
    Anything,
    /// Probabilities from softmax or sigmoid, with targets in [0, 1] (and summing to 1 per
    /// sample with softmax).
    Probabilities,
    /// A sigmoid output, with targets in [0, 1].
    SigmoidOutput,
}

/// A loss function.
#[derive(Clone, Debug, PartialEq)]
pub struct Loss {
    /// The name used in `.nn` files (`custom` for `loss (y, t) = …`).
    pub name: String,
    /// Which built-in it is; `None` for one defined in the file.
    pub builtin: Option<BuiltinLoss>,
    /// `E_n` for one sample, in the outputs `y_k` and targets `t_k` (with its `Σ_k`).
    pub per_sample: Expr,
    pub aggregate: Aggregate,
    pub needs: Needs,
    pub custom: bool,
    /// For a custom loss: its parameters and formula as written, to write the file again.
    pub source: Option<(String, String, String)>,
}

/// Loss formulas name the output layer with this placeholder; [`Loss::instantiate`] replaces it.
const OUTPUT_LAYER: u32 = u32::MAX;

fn y_k() -> Expr {
    Expr::sym(Symbol::out(OUTPUT_LAYER, Index::Var('k')))
}

fn t_k() -> Expr {
    Expr::sym(Symbol::target(Index::Var('k')))
}

/// The names of the built-in losses, in the order of [`BuiltinLoss`].
pub const LOSS_NAMES: &[&str] = &[
    "sum_squared",
    "mean_squared",
    "cross_entropy",
    "binary_cross_entropy",
];

/// The built-in losses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinLoss {
    SumSquared,
    MeanSquared,
    CrossEntropy,
    BinaryCrossEntropy,
}

impl BuiltinLoss {
    /// Every built-in loss, in the order of [`LOSS_NAMES`].
    pub const ALL: [BuiltinLoss; 4] = [
        BuiltinLoss::SumSquared,
        BuiltinLoss::MeanSquared,
        BuiltinLoss::CrossEntropy,
        BuiltinLoss::BinaryCrossEntropy,
    ];

    /// The name used in `.nn` files.
    pub fn name(self) -> &'static str {
        LOSS_NAMES[self as usize]
    }

    /// The built-in loss called `name`.
    pub fn from_name(name: &str) -> Option<BuiltinLoss> {
        BuiltinLoss::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The names, for "expected one of …" messages.
    pub fn names() -> Vec<&'static str> {
        LOSS_NAMES.to_vec()
    }

    /// The loss as data, for `outputs` output units.
    pub fn loss(self, outputs: u32) -> Loss {
        let sum = |body: Expr| Expr::sum('k', outputs, body);
        let square = || Expr::pow(Expr::minus(y_k(), t_k()), Expr::int(2));
        let log = |x: Expr| Expr::call(Func::Log, x);
        let (per_sample, aggregate, needs) = match self {
            // ½ Σ_k (y_k − t_k)²
            BuiltinLoss::SumSquared => (
                Expr::Mul(vec![Expr::half(), sum(square())]),
                Aggregate::Sum,
                Needs::Anything,
            ),
            // (1/K) Σ_k (y_k − t_k)², averaged over samples too
            BuiltinLoss::MeanSquared if outputs == 1 => {
                (sum(square()), Aggregate::Mean, Needs::Anything)
            }
            BuiltinLoss::MeanSquared => (
                Expr::Mul(vec![
                    Expr::Div(Box::new(Expr::int(1)), Box::new(Expr::int(outputs.into()))),
                    sum(square()),
                ]),
                Aggregate::Mean,
                Needs::Anything,
            ),
            // −Σ_k t_k log y_k
            BuiltinLoss::CrossEntropy => (
                Expr::Neg(Box::new(sum(Expr::Mul(vec![t_k(), log(y_k())])))),
                Aggregate::Sum,
                Needs::Probabilities,
            ),
            // −Σ_k (t_k log y_k + (1 − t_k) log(1 − y_k))
            BuiltinLoss::BinaryCrossEntropy => (
                Expr::Neg(Box::new(sum(Expr::Add(vec![
                    Expr::Mul(vec![t_k(), log(y_k())]),
                    Expr::Mul(vec![
                        Expr::minus(Expr::int(1), t_k()),
                        log(Expr::minus(Expr::int(1), y_k())),
                    ]),
                ])))),
                Aggregate::Sum,
                Needs::SigmoidOutput,
            ),
        };
        Loss {
            name: self.name().to_string(),
            builtin: Some(self),
            per_sample,
            aggregate,
            needs,
            custom: false,
            source: None,
        }
    }
}

/// The built-in loss called `name`, for `outputs` output units.
#[cfg(test)]
pub fn builtin_loss(name: &str, outputs: u32) -> Option<Loss> {
    BuiltinLoss::from_name(name).map(|loss| loss.loss(outputs))
}

/// A custom loss `loss (y, t) = element`, summed over the output units (and samples).
pub fn custom_loss(element: &Expr, outputs: u32) -> Loss {
    let body = element.bind(LOSS_Y, &y_k()).bind(LOSS_T, &t_k());
    Loss {
        name: "custom".to_string(),
        builtin: None,
        per_sample: Expr::sum('k', outputs, body),
        aggregate: Aggregate::Sum,
        needs: Needs::Anything,
        custom: true,
        source: None,
    }
}

impl Loss {
    /// `E_n` for a network whose output layer is `layer`.
    pub fn instantiate(&self, layer: u32) -> Expr {
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
        relayer(&self.per_sample, layer)
    }
}

/// Output activation and loss pairs whose δ simplifies to `y_k − t_k`, with the reason the
/// derivation states.
pub const SHORTCUTS: &[(Builtin, BuiltinLoss, &str)] = &[
    (
        Builtin::Softmax,
        BuiltinLoss::CrossEntropy,
        "softmax with cross-entropy: delta_k = y_k - t_k (the targets of a sample sum to 1)",
    ),
    (
        Builtin::Sigmoid,
        BuiltinLoss::BinaryCrossEntropy,
        "sigmoid with binary cross-entropy: delta_k = y_k - t_k",
    ),
];

/// The shortcut rule for this output activation and loss, if there is one.
pub fn shortcut(activation: &Activation, loss: &Loss) -> Option<&'static str> {
    SHORTCUTS
        .iter()
        .find(|(a, l, _)| Some(*a) == activation.builtin && Some(*l) == loss.builtin)
        .map(|(_, _, rule)| *rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_enums_agree() {
        assert_eq!(ACTIVATION_NAMES.len(), Builtin::ALL.len());
        for builtin in Builtin::ALL {
            assert_eq!(Builtin::from_name(builtin.name()), Some(builtin));
            let activation = builtin.activation();
            assert_eq!(
                (activation.name.as_str(), activation.builtin),
                (builtin.name(), Some(builtin))
            );
            assert!(!activation.custom);
        }
        assert_eq!(LOSS_NAMES.len(), BuiltinLoss::ALL.len());
        for loss in BuiltinLoss::ALL {
            assert_eq!(BuiltinLoss::from_name(loss.name()), Some(loss));
            assert_eq!(loss.loss(2).name, loss.name());
        }
        assert_eq!(Builtin::from_name("softsign"), None);
        assert_eq!(BuiltinLoss::from_name("custom"), None);
    }

    #[test]
    fn mean_squared_gives_two_over_k_in_lowest_terms() {
        // δ's coefficient has one form: 2/K as a fraction in lowest terms, never a decimal.
        for (outputs, coefficient) in [
            (1, "2 "),
            (2, ""),
            (3, "(/ 2 3) "),
            (4, "(/ 1 2) "),
            (5, "(/ 2 5) "),
            (6, "(/ 1 3) "),
            (10, "(/ 1 5) "),
        ] {
            let loss = builtin_loss("mean_squared", outputs).unwrap();
            let y_i = Expr::sym(Symbol::out(1, Index::Var('i')));
            let (d, _) = crate::math::diff::derivative(
                &loss.instantiate(1),
                &y_i,
                &crate::math::diff::NoLayers,
            )
            .unwrap();
            let expected = match coefficient {
                "" => "(+ z1_i (- t_i))".to_string(),
                c => format!("(* {c}(+ z1_i (- t_i)))"),
            };
            assert_eq!(d.to_string(), expected, "{outputs} outputs");
        }
    }
}
