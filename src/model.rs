//! The checked network: what `check` guarantees about a `.nn` file, as plain data.
//!
//! Every later stage may rely on these invariants: at least one layer, every `W` has one row per
//! unit and one column per unit of the layer before, `b` (when present) one entry per unit,
//! `x` as wide as the input and `t` as wide as the output, a learning rate above zero, each optimizer setting in its range,
//! dropout only on hidden layers with a mask row per sample as wide as the layer.

use std::sync::Arc;

use crate::error::{OptimizerName, Span};
use crate::math::functions::{Activation, Loss};
use crate::math::number::Decimal;

/// One layer: its activation, weights (units × inputs) and optional bias.
#[derive(Clone, Debug)]
pub struct Layer {
    pub activation: Arc<Activation>,
    pub weights: Vec<Vec<Decimal>>,
    pub bias: Option<Vec<Decimal>>,
    /// Dropout in training; only on a hidden layer.
    pub dropout: Option<Dropout>,
}

impl Layer {
    pub fn units(&self) -> usize {
        self.weights.len()
    }

    pub fn inputs(&self) -> usize {
        self.weights.first().map_or(0, Vec::len)
    }

    /// How many weights and biases the layer has.
    pub fn parameters(&self) -> usize {
        Layer::parameters_of(self.units(), self.inputs(), self.bias.is_some())
    }

    /// How many weights and biases a layer of `units` × `inputs` has (at most `usize::MAX`,
    /// for sizes asked for before any layer is made).
    pub fn parameters_of(units: usize, inputs: usize, bias: bool) -> usize {
        units
            .saturating_mul(inputs)
            .saturating_add(if bias { units } else { 0 })
    }
}

/// How the parameters are trained: `optimizer NAME lr = η, …, steps = N`, or the older
/// `sgd lr = η, steps = N` (the same as `optimizer sgd`). Every setting but `lr` has a default,
/// filled in by `check`, so that later stages never guess one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Training {
    pub lr: Decimal,
    pub steps: u32,
    pub optimizer: Optimizer,
}

/// The update rule, with its settings. Each form is a convention found in teaching material;
/// every output states the one it uses (issue 18; the formulas are in docs/language.md).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// w ← w − η∇E.
    Sgd,
    /// Momentum μ (0 ≤ μ < 1, default 0.9), in one of three forms; v starts at 0.
    Momentum {
        momentum: Decimal,
        form: MomentumForm,
    },
    /// PyTorch's `nesterov=True`: v ← μv + ∇E, w ← w − η(∇E + μv).
    Nesterov { momentum: Decimal },
    /// h ← h + (∇E)², w ← w − η∇E/(√h + ε); ε > 0, default 1e-7.
    AdaGrad { eps: Decimal },
    /// h ← ρh + (1−ρ)(∇E)², w ← w − η∇E/(√h + ε); ρ default 0.99, ε default 1e-8.
    RmsProp { decay: Decimal, eps: Decimal },
    /// β₁ default 0.9, β₂ default 0.999, ε default 1e-8, form default `paper`.
    Adam {
        beta1: Decimal,
        beta2: Decimal,
        eps: Decimal,
        form: AdamForm,
    },
}

impl Optimizer {
    /// The name `optimizer NAME` gives it (`sgd lr = …` is `sgd`).
    pub fn name(&self) -> OptimizerName {
        match self {
            Optimizer::Sgd => OptimizerName::Sgd,
            Optimizer::Momentum { .. } => OptimizerName::Momentum,
            Optimizer::Nesterov { .. } => OptimizerName::Nesterov,
            Optimizer::AdaGrad { .. } => OptimizerName::AdaGrad,
            Optimizer::RmsProp { .. } => OptimizerName::RmsProp,
            Optimizer::Adam { .. } => OptimizerName::Adam,
        }
    }
}

/// `optimizer momentum …, form = …`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MomentumForm {
    /// v ← μv − η∇E, w ← w + v (ゼロから作るDeep Learning, Bishop); the default.
    Zero,
    /// v ← μv + ∇E, w ← w − ηv (`torch.optim.SGD` with momentum).
    PyTorch,
    /// v ← μv + (1−μ)∇E, w ← w − ηv (an exponential moving average).
    Ema,
}

impl MomentumForm {
    /// Every form, in the order messages list them.
    pub const ALL: [MomentumForm; 3] =
        [MomentumForm::Zero, MomentumForm::PyTorch, MomentumForm::Ema];

    /// The name `form = …` gives it.
    pub fn name(self) -> &'static str {
        match self {
            MomentumForm::Zero => "zero",
            MomentumForm::PyTorch => "pytorch",
            MomentumForm::Ema => "ema",
        }
    }
}

/// `optimizer adam …, form = …`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdamForm {
    /// m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), w ← w − η m̂/(√v̂ + ε): Kingma and Ba, and
    /// `torch.optim.Adam`; the default.
    Paper,
    /// ηₜ = η√(1−β₂ᵗ)/(1−β₁ᵗ), w ← w − ηₜ m/(√v + ε) (ゼロから作るDeep Learning).
    Zero,
}

impl AdamForm {
    /// Every form, in the order messages list them.
    pub const ALL: [AdamForm; 2] = [AdamForm::Paper, AdamForm::Zero];

    /// The name `form = …` gives it.
    pub fn name(self) -> &'static str {
        match self {
            AdamForm::Paper => "paper",
            AdamForm::Zero => "zero",
        }
    }
}

/// `dropout mask = [[…], …], keep = p` on a hidden layer: which outputs each sample keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct Dropout {
    /// One row per sample, one entry per unit of the layer: kept or dropped.
    pub mask: Vec<Vec<bool>>,
    pub scale: DropoutScale,
}

/// What a kept output is multiplied by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DropoutScale {
    /// Inverted dropout: z̃ = h(a) ⊙ mask / keep, 0 < keep ≤ 1 (the default form).
    Inverted { keep: Decimal },
    /// `scale = none`: z̃ = h(a) ⊙ mask (ゼロから作るDeep Learning's training form).
    None,
}

/// Caps on the size of the work a file may ask for, so that a file asking for hours of work
/// gets a message at once instead. Each is raisable on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Layers with weights.
    pub layers: usize,
    /// Units in any one layer (and values in the input).
    pub units: usize,
    /// SGD steps.
    pub steps: u32,
    /// Training samples.
    pub samples: usize,
    /// Weight gradients derived in all: weights (and biases) times steps.
    pub gradients: usize,
}

impl Limits {
    /// The most tokens a file may hold: twice (a number and its comma) every weight and bias
    /// the gradient limit allows and every input and target value the unit and sample limits
    /// allow, and 100,000 for everything else. 900,000 by default.
    pub fn tokens(&self) -> usize {
        let values = self
            .gradients
            .saturating_add(self.units.saturating_mul(self.samples).saturating_mul(2));
        values.saturating_mul(2).saturating_add(100_000)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            layers: 32,
            units: 1000,
            steps: 100,
            samples: 100,
            gradients: 200_000,
        }
    }
}

/// What a `vary` statement redraws in every exam variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaryTarget {
    /// Every weight (`W`), or one layer's (`W2`).
    Weights(Option<u32>),
    /// Every bias (`b`), or one layer's (`b1`).
    Biases(Option<u32>),
    /// The inputs `x`.
    Input,
    /// The targets `t`.
    Target,
    /// The learning rate `lr`.
    Rate,
}

/// `vary TARGET in …`: the values to draw from.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    pub target: VaryTarget,
    pub values: Vec<Decimal>,
    /// `vary W1`, as written, for messages.
    pub name: String,
    /// The statement in the file, so that a variant's problems point at it.
    pub span: Span,
}

/// What an exam question asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    /// The outputs y.
    Outputs,
    /// The loss E.
    Loss,
    /// E after the last update (`ask E after`): the data loss with the trained parameters.
    LossAfter,
    /// The gradients of one layer's weights (or biases), or all layers' (`None`).
    Gradient { bias: bool, layer: Option<u32> },
    /// The updated weights (or biases).
    Update { bias: bool, layer: Option<u32> },
    /// One weight's or bias's gradient (`ask grad w12 1`), or its value after the update
    /// (`ask update b2 1`).
    Parameter {
        update: bool,
        layer: u32,
        parameter: Parameter,
    },
    /// A per-unit quantity of one layer (`ask a 1`), or of every layer (`None`, `ask delta`).
    Units {
        quantity: Quantity,
        layer: Option<u32>,
    },
    /// A per-unit quantity of one unit (from 1) of one layer: `ask a2 1` is a_2^(1).
    Unit {
        quantity: Quantity,
        layer: u32,
        unit: u32,
    },
}

/// One weight or bias of a layer, by its indices from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parameter {
    /// w_ij: from input j to unit i.
    Weight { i: u32, j: u32 },
    /// b_i.
    Bias { i: u32 },
}

/// What a unit has, per sample: its pre-activation a, its output z, its delta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    Pre,
    Out,
    Delta,
}

/// The exam statements of a file: what varies, and what is asked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exam {
    pub varies: Vec<Vary>,
    pub asks: Vec<Ask>,
}

/// Where the statements that a derivation's messages point at are in the file.
#[derive(Clone, Debug, Default)]
pub struct Spans {
    /// The loss (its name, or its formula).
    pub loss: Span,
    /// Each `layer` statement, in order.
    pub layers: Vec<Span>,
    /// The `weight_decay` statement, if any.
    pub weight_decay: Option<Span>,
    /// Each layer's `dropout` clause, if any, in the order of the layers.
    pub dropouts: Vec<Option<Span>>,
}

/// A network with its training samples, ready to derive.
#[derive(Clone, Debug)]
pub struct Network {
    pub title: Option<String>,
    pub layers: Vec<Layer>,
    /// The input samples, one row each.
    pub x: Vec<Vec<Decimal>>,
    /// The targets, one row per sample.
    pub t: Vec<Vec<Decimal>>,
    pub loss: Loss,
    /// The optimizer and steps; without one, only the gradients are derived.
    pub training: Option<Training>,
    /// L2 weight decay λ ≥ 0: E~ = E + (λ/2) Σ w² over every weight (not the biases).
    pub weight_decay: Option<Decimal>,
    /// `vary` and `ask`, for `backprop-tex exam`; `derive` uses the values as written.
    pub exam: Exam,
    pub spans: Spans,
}

impl Network {
    /// The number of layers with weights (L).
    pub fn depth(&self) -> u32 {
        self.layers.len() as u32
    }

    /// The layer numbered `l` (from 1).
    pub fn layer(&self, l: u32) -> &Layer {
        &self.layers[l as usize - 1]
    }

    /// Units in layer `l`; layer 0 is the input.
    pub fn width(&self, l: u32) -> usize {
        if l == 0 {
            self.x.first().map_or(0, Vec::len)
        } else {
            self.layer(l).units()
        }
    }

    /// The number of training samples (N).
    pub fn samples(&self) -> usize {
        self.x.len()
    }

    /// The output layer's activation.
    pub fn output_activation(&self) -> &Activation {
        &self.layer(self.depth()).activation
    }

    /// How many weights and biases the network has.
    pub fn parameters(&self) -> usize {
        self.layers
            .iter()
            .map(Layer::parameters)
            .fold(0, usize::saturating_add)
    }

    /// How many units the network has, inputs included.
    pub fn units(&self) -> usize {
        self.sizes().iter().sum()
    }

    /// The sizes of all layers, input first (the article's network: 3, 2, 2).
    pub fn sizes(&self) -> Vec<usize> {
        (0..=self.depth()).map(|l| self.width(l)).collect()
    }
}

impl crate::math::diff::Layers for Network {
    fn activation(&self, layer: u32) -> Option<&Activation> {
        (1..=self.depth())
            .contains(&layer)
            .then(|| &*self.layer(layer).activation)
    }

    fn units(&self, layer: u32) -> u32 {
        self.width(layer) as u32
    }
}
