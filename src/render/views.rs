//! The template context as serde structs: the contract with the templates, documented in
//! `docs/templates.md`. Everything in it is already text; the templates never compute.

use serde::Serialize;

use super::layout::{Flavor, Form, Lang};
use crate::derivation::ChainKind;

#[derive(Serialize)]
pub(super) struct RowView {
    /// `=`, `\approx`, `\leftarrow`, or empty on a row that continues the one above.
    pub(super) rel: &'static str,
    pub(super) body: String,
    /// No page break before this row (`\\*`): it continues the general formula or is the
    /// first row of numbers under it.
    pub(super) keep: bool,
}

/// A block of rows for `rows.tex.tera` to put in its environment.
#[derive(Serialize, Default)]
pub(super) struct BlockView {
    /// Stands for the chains, laid out one by one by `chain.tex.tera` and separated by `\\`
    /// and a newline: a short marker that [`Splicer`] replaces with them as the output is
    /// written, so that a block of 80,000 rows is never held whole.
    pub(super) rows: String,
    /// How many chains the block holds (0: nothing to show).
    pub(super) count: usize,
    /// The layer of the block's chains, when they are one layer's.
    pub(super) layer: Option<u32>,
}

#[derive(Serialize)]
pub(super) struct ChainView {
    #[serde(serialize_with = "kind_name")]
    pub(super) kind: ChainKind,
    /// Whether the rows are long enough to stand one per line (a layout hint; templates may
    /// ignore it).
    pub(super) long: bool,
    pub(super) layer: Option<u32>,
    pub(super) lhs: String,
    pub(super) rows: Vec<RowView>,
    pub(super) rules: Vec<&'static str>,
}

#[derive(Serialize)]
pub(super) struct LayerView {
    pub(super) number: u32,
    pub(super) activation: String,
    /// The activation's name as the prose says it (`the sigmoid function`, `シグモイド関数`).
    pub(super) activation_name: String,
    /// Its definition in LaTeX, `h(a)=\frac{1}{1+\exp(-a)}`.
    pub(super) definition: String,
    pub(super) function: String,
    pub(super) units: usize,
    pub(super) inputs: usize,
    pub(super) weights_symbolic: String,
    pub(super) weights: String,
    pub(super) bias_symbolic: Option<String>,
    pub(super) bias: Option<String>,
    /// `W = … = …` (and `b`) as a block of rows, when they do not fit on one line (else empty).
    pub(super) rows: BlockView,
    /// `W = …` and `b = …` with the numbers only (an exam's question) as a block of rows,
    /// when they do not fit on one line (else empty).
    pub(super) given_rows: BlockView,
    /// With dropout: the masks, p and the form, `\mathbf{r}=…,\qquad p=0.5,\qquad
    /// \tilde{\mathbf{z}}=\mathbf{z}\odot\frac{\mathbf{r}}{p}` (an exam's question states them).
    pub(super) dropout: Option<String>,
}

#[derive(Serialize)]
pub(super) struct SummaryView {
    pub(super) layer: u32,
    /// The weights' gradient as the update uses it: ∂E/∂W, or ∂Ẽ/∂W with weight decay.
    pub(super) grad_name: String,
    /// `=` or `\approx` before ∂E/∂W, as its numbers are exact or rounded.
    pub(super) grad_rel: &'static str,
    /// Likewise before ∂E/∂b.
    pub(super) grad_bias_rel: &'static str,
    /// Likewise before the updated W.
    pub(super) after_rel: &'static str,
    /// Likewise before the updated b.
    pub(super) bias_after_rel: &'static str,
    pub(super) grad_weights: String,
    pub(super) grad_bias: Option<String>,
    pub(super) weights_after: Option<String>,
    pub(super) bias_after: Option<String>,
    /// The gradients and updates stacked as a block of rows, when their displays would not
    /// fit the line (else empty).
    pub(super) rows: BlockView,
    /// Beyond plain SGD: the right-hand side of `W^{(l)}\leftarrow …` (`W^{(l)}+V^{(l)}`),
    /// null for plain SGD (the template writes its descent).
    pub(super) update: Option<String>,
    /// Likewise for the bias.
    pub(super) bias_update: Option<String>,
    /// The optimizer's carried states after the step as a block of rows, `V^{(l)} ≈ …` (empty
    /// for plain SGD).
    pub(super) states: BlockView,
}

/// One sample's passes in one step.
#[derive(Serialize)]
pub(super) struct SampleView {
    /// The sample's number, or null when there is only one.
    pub(super) number: Option<u32>,
    pub(super) input: String,
    pub(super) input_symbols: String,
    pub(super) target: String,
    pub(super) target_symbols: String,
    /// `x = … = …` and `t = … = …` as a block of rows, when the sentence would not fit on a
    /// line (else empty).
    pub(super) given: BlockView,
    pub(super) forward: BlockView,
    pub(super) outputs: String,
    pub(super) outputs_rel: &'static str,
    /// `y ≈ …` as a block of rows, when the sentence naming the outputs would not fit a line
    /// (else empty).
    pub(super) outputs_rows: BlockView,
    pub(super) loss: BlockView,
    pub(super) derivatives: BlockView,
    pub(super) deltas: BlockView,
    /// The forward pass in matrix form, with numbers.
    pub(super) matrix_forward: BlockView,
    /// The δ vectors in matrix form, with numbers.
    pub(super) matrix_backward: BlockView,
}

#[derive(Serialize)]
pub(super) struct StepView {
    pub(super) number: u32,
    /// The gradients in matrix form, with numbers.
    pub(super) matrix_gradients: BlockView,
    pub(super) samples: Vec<SampleView>,
    pub(super) total_loss: Option<BlockView>,
    /// `Ẽ = E + (λ/2) Σ w²`, with weight decay (else null).
    pub(super) decayed_loss: Option<BlockView>,
    pub(super) loss_value: String,
    /// One block per layer, output layer first.
    pub(super) gradients: Vec<BlockView>,
    /// One block per layer, output layer first (none without SGD).
    pub(super) updates: Vec<BlockView>,
    /// Adam's step size of the step, `η_t = …`, with `form = zero` (else null).
    pub(super) step_rate: Option<BlockView>,
    pub(super) summary: Vec<SummaryView>,
}

/// The loss after the last update (`after`): the forward pass as values, E, the change.
#[derive(Serialize)]
pub(super) struct AfterView {
    /// The step whose update it follows: the last.
    pub(super) step: u32,
    pub(super) samples: Vec<AfterSampleView>,
    /// `E ≈ …` over the samples, with several.
    pub(super) total: Option<BlockView>,
    pub(super) loss_rel: &'static str,
    pub(super) loss: String,
    /// E of the last step, before its update.
    pub(super) before_rel: &'static str,
    pub(super) before: String,
    /// Whether `before` and `loss` measure the same thing, so that their difference is the
    /// update's: false with dropout, where the step's E had its masks and E after has none.
    pub(super) comparable: bool,
    /// Whether the update lowered E (or left it), else raised it.
    pub(super) decreased: bool,
    /// By how much, a magnitude.
    pub(super) change_rel: &'static str,
    pub(super) change: String,
}

/// One sample after the update: `a`, `z` (`y`) of each layer and `E_n`, a row each.
#[derive(Serialize)]
pub(super) struct AfterSampleView {
    /// The sample's number, or null when there is only one.
    pub(super) number: Option<u32>,
    pub(super) rows: BlockView,
}

#[derive(Serialize)]
pub(super) struct LossRowView {
    pub(super) step: u32,
    pub(super) rel: &'static str,
    pub(super) loss: String,
}

#[derive(Serialize)]
pub(super) struct ContextView {
    /// The title, escaped for the output's format (LaTeX or Markdown).
    pub(super) title: Option<String>,
    /// The title has characters only lualatex typesets (Japanese): an English document loads
    /// luatexja.
    pub(super) cjk: bool,
    pub(super) lang: Lang,
    /// `eqnarray`, `align`, or `aligned` (Markdown math blocks).
    pub(super) env: &'static str,
    pub(super) form: Form,
    pub(super) flavor: Flavor,
    /// What opens and closes a display math block in Markdown (```` ```math ```` or `$$`).
    pub(super) math_open: &'static str,
    pub(super) math_close: &'static str,
    /// The drawing of the network (`crate::render::drawing`), when asked for.
    pub(super) diagram: Option<crate::render::drawing::Drawing>,
    /// Markdown: the relative link of the drawing's SVG file written beside the post, or null
    /// when there is none (standard output, a device); set through `extra`.
    pub(super) figure: Option<String>,
    /// Set on an exam's question pages: the drawing shows only the given values.
    pub(super) question: bool,
    /// The network's equations in matrix form.
    pub(super) matrix_equations: BlockView,
    pub(super) digits: u32,
    #[serde(serialize_with = "carry_name")]
    pub(super) carry: crate::derivation::Carry,
    #[serde(serialize_with = "rounding_name")]
    pub(super) rounding: crate::math::number::Rounding,
    pub(super) sizes: Vec<usize>,
    pub(super) depth: u32,
    pub(super) loss_name: String,
    /// The loss as the prose names it (`the sum of squared errors`, `二乗和誤差`).
    pub(super) loss_kind: String,
    pub(super) samples_count: usize,
    /// The most columns of any matrix shown (at least amsmath's default of 10), for
    /// `\setcounter{MaxMatrixCols}{…}`.
    pub(super) matrix_columns: usize,
    pub(super) learning_rate: Option<String>,
    pub(super) steps_count: u32,
    pub(super) layers: Vec<LayerView>,
    pub(super) equations: BlockView,
    pub(super) activation_rules: BlockView,
    pub(super) loss: BlockView,
    /// `E_n = …` (or `E = …`), the loss in general form, as one chain.
    pub(super) loss_formula: ChainView,
    /// E at each step.
    pub(super) loss_table: Vec<LossRowView>,
    pub(super) gradient_rules: BlockView,
    pub(super) update_rule: Option<ChainView>,
    /// The optimizer beyond plain SGD (`render::optimizer`), null for plain SGD.
    pub(super) optimizer: Option<OptimizerView>,
    /// Weight decay as a problem states it, `\tilde{E}=…,\qquad \lambda=…` (else null).
    pub(super) weight_decay: Option<String>,
    /// Which shortcut gave δ of the output layer directly: `softmax_cross_entropy`,
    /// `sigmoid_binary_cross_entropy`, or null.
    pub(super) shortcut: Option<String>,
    pub(super) steps: Vec<StepView>,
    /// The forward pass and E after the last update, when the file trains (else null).
    pub(super) after: Option<AfterView>,
}

// The names templates and JSON know the derivation's enums by. They are render's contract, so
// the derivation's types know nothing of serde.

/// A chain's kind as templates test it (`chain.kind == "weight_gradient"`).
fn kind_name<S: serde::Serializer>(kind: &ChainKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match kind {
        ChainKind::Equation => "equation",
        ChainKind::Rule => "rule",
        ChainKind::Gradient => "gradient",
        ChainKind::PreActivation => "pre_activation",
        ChainKind::Activation => "activation",
        ChainKind::Loss => "loss",
        ChainKind::Derivative => "derivative",
        ChainKind::Delta => "delta",
        ChainKind::WeightGradient => "weight_gradient",
        ChainKind::ExpandedGradient => "expanded_gradient",
        ChainKind::Update => "update",
        ChainKind::State => "state",
        ChainKind::OptimizerUpdate => "optimizer_update",
        ChainKind::Matrix => "matrix",
    })
}

/// How values are carried: `"exact"` or `"rounded"`.
pub(super) fn carry_name<S: serde::Serializer>(
    carry: &crate::derivation::Carry,
    s: S,
) -> Result<S::Ok, S::Error> {
    use crate::derivation::Carry;
    s.serialize_str(match carry {
        Carry::Exact => "exact",
        Carry::Rounded => "rounded",
    })
}

/// How ties are rounded: `"half-up"` or `"half-even"`.
pub(super) fn rounding_name<S: serde::Serializer>(
    rounding: &crate::math::number::Rounding,
    s: S,
) -> Result<S::Ok, S::Error> {
    use crate::math::number::Rounding;
    s.serialize_str(match rounding {
        Rounding::HalfUp => "half-up",
        Rounding::HalfEven => "half-even",
    })
}

/// The optimizer's part of the context (`optimizer`, null for plain SGD).
#[derive(Serialize)]
pub(super) struct OptimizerView {
    /// The update section's heading (`Update by momentum`, `モーメンタムによる学習`).
    pub(super) heading: String,
    /// The sentence before the general rows: the optimizer and its convention, in words.
    pub(super) intro: String,
    /// Each setting as LaTeX, `\eta=0.1`, `\mu=0.9`, `\varepsilon=10^{-8}`.
    pub(super) settings: Vec<String>,
    /// The general rows, in order: the states, then the update.
    pub(super) rules: BlockView,
}
