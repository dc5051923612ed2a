//! Chains of rows, `lhs = formula = numbers ≈ value`, and a step's chains and numbers: what
//! the derivation hands on, as data.

use crate::math::expr::Expr;
use crate::math::number::Value;

/// What a chain of equalities states; templates lay each kind out in their own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainKind {
    /// A general equation of the network (`a_i^{(1)} = …`).
    Equation,
    /// An activation's definition or derivative rule (`h'(a) = h(a)(1 − h(a))`).
    Rule,
    /// A general gradient formula, derived by the chain rule.
    Gradient,
    /// A pre-activation with numbers.
    PreActivation,
    /// An activation output with numbers.
    Activation,
    /// The loss with numbers.
    Loss,
    /// An activation derivative at one unit, with numbers.
    Derivative,
    /// A δ with numbers.
    Delta,
    /// A weight or bias gradient with numbers.
    WeightGradient,
    /// A first-layer gradient in the article's expanded form, with numbers.
    ExpandedGradient,
    /// An SGD update with numbers.
    Update,
    /// An optimizer's state row with numbers (`v ← μv − η ∂E/∂w`, Adam's `\hat m = …`).
    State,
    /// An optimizer's update of a parameter with numbers (`w ← w + v`), beyond plain SGD.
    OptimizerUpdate,
    /// A row of the matrix form (vectors and matrices with numbers).
    Matrix,
}

/// One row of a chain: `rel expr`. The relation of a row is `=` or `≈` as its numbers are
/// exact or rounded (decided when printing); `assign` makes it `←`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub assign: bool,
    pub expr: Expr,
}

/// `lhs = row₁ = row₂ ≈ value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    pub kind: ChainKind,
    pub lhs: Expr,
    pub rows: Vec<Row>,
    /// The differentiation and simplification rules that produced the formula.
    pub rules: Vec<&'static str>,
}

impl Chain {
    pub(super) fn new(kind: ChainKind, lhs: Expr, rows: Vec<Expr>) -> Chain {
        let mut deduplicated: Vec<Expr> = Vec::with_capacity(rows.len());
        for row in rows {
            if deduplicated.last() != Some(&row) && row != lhs {
                deduplicated.push(row);
            }
        }
        Chain {
            kind,
            lhs,
            rows: deduplicated
                .into_iter()
                .map(|expr| Row {
                    assign: false,
                    expr,
                })
                .collect(),
            rules: Vec::new(),
        }
    }

    pub(super) fn with_rules(mut self, rules: &[&'static str]) -> Chain {
        self.rules = rules.to_vec();
        self
    }
}

/// Chains that belong to one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerChains {
    pub layer: u32,
    pub chains: Vec<Chain>,
}

/// The numbers of one layer in one step; per-sample quantities have one row per sample.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNumbers {
    pub weights: Vec<Vec<Value>>,
    pub bias: Option<Vec<Value>>,
    pub pre: Vec<Vec<Value>>,
    pub out: Vec<Vec<Value>>,
    pub delta: Vec<Vec<Value>>,
    /// h'(a_i) per sample (`None` for softmax, which has a Jacobian instead).
    pub act_deriv: Option<Vec<Vec<Value>>>,
    /// z̃_i after dropout per sample, where the layer has dropout.
    pub dropped: Option<Vec<Vec<Value>>>,
    pub grad_weights: Vec<Vec<Value>>,
    pub grad_bias: Option<Vec<Value>>,
    pub weights_after: Option<Vec<Vec<Value>>>,
    pub bias_after: Option<Vec<Value>>,
    /// The optimizer's state in this step, in the order of its rows (empty for plain SGD).
    pub state: Vec<StateNumbers>,
}

/// The forward and backward pass of one sample.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRows {
    /// The sample's number (from 1), or `None` when there is only one.
    pub sample: Option<u32>,
    pub forward: Vec<LayerChains>,
    /// `E_n` (or `E` itself with one sample).
    pub loss: Chain,
    pub derivatives: Vec<LayerChains>,
    pub deltas: Vec<LayerChains>,
    /// δ^{(1)} where the article's layout writes it inside each gradient instead: not shown,
    /// but an exam may ask for it (`ask delta 1`).
    pub unshown_deltas: Option<LayerChains>,
}

/// One training step: every sample's passes, the loss, the gradients and the update.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub number: u32,
    pub samples: Vec<SampleRows>,
    /// `E = Σ_n E_n`, with several samples.
    pub total_loss: Option<Chain>,
    pub loss_value: Value,
    pub sample_losses: Vec<Value>,
    pub layers: Vec<LayerNumbers>,
    /// Adam's step size η_t of this step, with `form = zero`.
    pub step_rate: Option<Chain>,
    /// `Ẽ = E + (λ/2) Σ w²`, with weight decay.
    pub decayed_loss: Option<DecayedLoss>,
}

/// A step's loss with weight decay.
#[derive(Clone, Debug, PartialEq)]
pub struct DecayedLoss {
    /// `Ẽ = general = numbers ≈ value`.
    pub chain: Chain,
    pub value: Value,
    /// Σ_{ij} (w_{ij}^{(l)})² of each layer, layer 1 first, as the numbers row shows them.
    pub squares: Vec<Value>,
}

/// One layer's state in one step, in row order (weights row by row, then biases): for each
/// row of the program but the update, its values before the step and after it.
#[derive(Clone, Debug, PartialEq)]
pub struct StateNumbers {
    pub moment: crate::math::expr::Moment,
    /// Whether the state is carried to the next step (false for Adam's hats).
    pub carried: bool,
    pub before: Vec<Value>,
    pub after: Vec<Value>,
}
