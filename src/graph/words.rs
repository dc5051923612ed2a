//! The graph's words in English and Japanese (the textbook's: 乗算ノード, 加算ノード, 逆伝播):
//! words, with the formulas they name as [`Math`], which `latex::graph` sets as LaTeX and
//! `render::graph` as Markdown (the formulas in its inline math).

use std::borrow::Cow;

use super::Op;
use crate::math::functions::Builtin;

/// The language of the words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tongue {
    En,
    Ja,
}

/// The headings and sentences of a worked graph.
pub struct Words {
    pub graph: &'static str,
    pub legend: &'static str,
    pub forward: &'static str,
    pub forward_intro: &'static str,
    pub backward: &'static str,
    pub backward_intro: &'static str,
    pub output: &'static str,
    pub summed: &'static str,
}

pub fn words(tongue: Tongue) -> Words {
    match tongue {
        Tongue::En => Words {
            graph: "The computational graph",
            legend: "Forward values above each edge, backward gradients below (in red).",
            forward: "Forward pass",
            forward_intro: "Each node's value from its inputs, inputs first.",
            backward: "Backward pass",
            backward_intro: "From f back to the inputs: each node passes its local derivative times the upstream gradient to each input; where paths meet, the gradients are added.",
            output: "The output node: the gradient of f by itself is 1.",
            summed: "paths meet: their gradients are added",
        },
        Tongue::Ja => Words {
            graph: "計算グラフ",
            legend: "各エッジの上に順伝播の値, 下に逆伝播の勾配(赤)を書きます.",
            forward: "順伝播",
            forward_intro: "入力側から順に各ノードの値を求めます.",
            backward: "逆伝播",
            backward_intro: "出力 f から入力へ向かって, 各ノードは上流から伝わる勾配に局所的な微分を掛けて各入力へ流します. 経路が合流するところでは勾配を足し合わせます.",
            output: "出力ノード: f の f による微分は 1 です.",
            summed: "経路が合流するので勾配を足します",
        },
    }
}

/// A formula said in a sentence, which the LaTeX and the Markdown set as math.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Math {
    /// E, the loss.
    Loss,
    /// a, a unit's sum.
    Sum,
    /// a_k, an output unit's sum.
    OutputSum,
    /// δ, the layer view's error.
    Delta,
    /// ∂E/∂w.
    WeightGradient,
    /// σ'(a) = σ(a)(1 − σ(a)).
    SigmoidDerivative,
    /// 1 − tanh(a)².
    TanhDerivative,
    /// h'(a).
    Derivative,
    /// a > 0.
    Positive,
    /// y_k − t_k.
    OutputMinusTarget,
}

/// A piece of a sentence: words, or a formula.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Text(Cow<'static, str>),
    Math(Math),
}

/// A sentence of words and formulas.
pub type Prose = Vec<Piece>;

/// Words as a piece of a sentence.
pub fn text(words: impl Into<Cow<'static, str>>) -> Piece {
    Piece::Text(words.into())
}

/// A sentence of words only.
fn plain(words: &'static str) -> Prose {
    vec![text(words)]
}

/// What a node is called in the backward pass, and what it passes back.
pub fn node_kind(op: Op, tongue: Tongue) -> Prose {
    use Math::{OutputMinusTarget, OutputSum};
    let said = match (tongue, op) {
        (Tongue::En, Op::Add) => "Addition node: passes the upstream gradient on unchanged",
        (Tongue::En, Op::Sub) => {
            "Subtraction node: passes the upstream gradient on, negated to the subtrahend"
        }
        (Tongue::En, Op::Mul) => "Multiplication node: the upstream gradient times the other input",
        (Tongue::En, Op::Div) => "Division node",
        (Tongue::En, Op::Pow) => "Power node",
        (Tongue::En, Op::Neg) => "Negation node: the upstream gradient negated",
        (Tongue::En, Op::Call(_)) => {
            "Function node: the upstream gradient times the function's derivative"
        }
        (Tongue::En, Op::Input(_) | Op::Constant(_) | Op::Data(_)) => "Input",
        (Tongue::En, Op::Loss) => "Loss node: the upstream gradient times the loss's derivative",
        (Tongue::En, Op::SoftmaxWithLoss) => {
            return vec![
                text("Softmax-with-Loss node: passes "),
                Piece::Math(OutputMinusTarget),
                text(" back to "),
                Piece::Math(OutputSum),
            ]
        }
        (Tongue::Ja, Op::Add) => "加算ノード: 上流の勾配をそのまま流す",
        (Tongue::Ja, Op::Sub) => "減算ノード: 上流の勾配を流す(引く側には符号を反転)",
        (Tongue::Ja, Op::Mul) => "乗算ノード: 上流の勾配に入力をひっくり返した値を掛ける",
        (Tongue::Ja, Op::Div) => "除算ノード",
        (Tongue::Ja, Op::Pow) => "べき乗ノード",
        (Tongue::Ja, Op::Neg) => "符号反転ノード: 上流の勾配の符号を反転して流す",
        (Tongue::Ja, Op::Call(_)) => "関数ノード: 上流の勾配に関数の微分を掛ける",
        (Tongue::Ja, Op::Input(_) | Op::Constant(_) | Op::Data(_)) => "入力",
        (Tongue::Ja, Op::Loss) => "損失ノード: 上流の勾配に損失関数の微分を掛ける",
        (Tongue::Ja, Op::SoftmaxWithLoss) => {
            return vec![
                text("Softmax-with-Lossノード: "),
                Piece::Math(OutputSum),
                text(" へ "),
                Piece::Math(OutputMinusTarget),
                text(" を流す"),
            ]
        }
    };
    plain(said)
}

/// What a layer's activation node is called, by its activation (`None`: one defined in the
/// file).
pub fn activation_kind(builtin: Option<Builtin>, tongue: Tongue) -> Prose {
    let (before, math, after) = match (tongue, builtin) {
        (Tongue::En, Some(Builtin::Sigmoid)) => (
            "Sigmoid node: the upstream gradient times ",
            Math::SigmoidDerivative,
            "",
        ),
        (Tongue::En, Some(Builtin::Identity)) => {
            return plain("Identity node: passes the upstream gradient on unchanged")
        }
        (Tongue::En, Some(Builtin::Tanh)) => (
            "Tanh node: the upstream gradient times ",
            Math::TanhDerivative,
            "",
        ),
        (Tongue::En, Some(Builtin::Relu)) => (
            "ReLU node: passes the upstream gradient on where ",
            Math::Positive,
            ", else 0",
        ),
        (Tongue::En, _) => (
            "Activation node: the upstream gradient times the activation's derivative ",
            Math::Derivative,
            "",
        ),
        (Tongue::Ja, Some(Builtin::Sigmoid)) => (
            "シグモイドノード: 上流の勾配に ",
            Math::SigmoidDerivative,
            " を掛ける",
        ),
        (Tongue::Ja, Some(Builtin::Identity)) => {
            return plain("恒等関数ノード: 上流の勾配をそのまま流す")
        }
        (Tongue::Ja, Some(Builtin::Tanh)) => (
            "tanhノード: 上流の勾配に ",
            Math::TanhDerivative,
            " を掛ける",
        ),
        (Tongue::Ja, Some(Builtin::Relu)) => (
            "ReLUノード: ",
            Math::Positive,
            " なら上流の勾配をそのまま流し, それ以外は 0 を流す",
        ),
        (Tongue::Ja, _) => (
            "活性化関数ノード: 上流の勾配に活性化関数の微分 ",
            Math::Derivative,
            " を掛ける",
        ),
    };
    let mut said = vec![text(before), Piece::Math(math)];
    if !after.is_empty() {
        said.push(text(after));
    }
    said
}

/// The sentences of a network's graph.
pub struct NetworkWords {
    pub intro: Prose,
    pub backward_intro: Prose,
    /// The note of the loss's own row: ∂E/∂E = 1.
    pub output: Prose,
    /// Said of a sum node's gradient and of a weight's: which layer-view quantity it is.
    pub is_delta: Prose,
    pub is_gradient: Prose,
    pub is_bias_gradient: Prose,
}

pub fn network_words(tongue: Tongue) -> NetworkWords {
    use Math::{Delta, Loss, Sum, WeightGradient};
    let m = Piece::Math;
    match tongue {
        Tongue::En => NetworkWords {
            intro: vec![
                text("The network as a computational graph: a product node for every weight times its input, a sum node "),
                m(Sum),
                text(" for every unit (its bias one more input), an activation node for every unit, and the loss node "),
                m(Loss),
                text(". The gradient arriving at a sum node is the layer view's "),
                m(Delta),
                text("; the gradient to a weight is its "),
                m(WeightGradient),
                text("."),
            ],
            backward_intro: vec![
                text("From "),
                m(Loss),
                text(" back to the weights: each node passes its local derivative times the upstream gradient to each input; where paths meet (an output read by several units), the gradients are added."),
            ],
            output: vec![
                text("The loss node: the gradient of "),
                m(Loss),
                text(" by itself is 1."),
            ],
            is_delta: vec![text("the layer view's "), m(Delta)],
            is_gradient: plain("the layer view's gradient of the weight"),
            is_bias_gradient: plain("the layer view's gradient of the bias"),
        },
        Tongue::Ja => NetworkWords {
            intro: vec![
                text("ネットワークを計算グラフで表します: 重みと入力の積ごとに乗算ノード, ユニットごとに加算ノード "),
                m(Sum),
                text("(バイアスも入力の一つ), 活性化関数ノード, そして損失ノード "),
                m(Loss),
                text(" を置きます. 加算ノードに届く勾配が層ごとの計算の "),
                m(Delta),
                text(", 重みへの勾配が "),
                m(WeightGradient),
                text(" です."),
            ],
            backward_intro: vec![
                text("損失 "),
                m(Loss),
                text(" から重みへ向かって, 各ノードは上流から伝わる勾配に局所的な微分を掛けて各入力へ流します. 経路が合流するところ(複数のユニットが読む出力)では勾配を足し合わせます."),
            ],
            output: vec![
                text("損失ノード: "),
                m(Loss),
                text(" の "),
                m(Loss),
                text(" による微分は 1 です."),
            ],
            is_delta: vec![text("層ごとの計算の "), m(Delta)],
            is_gradient: plain("層ごとの計算の重みの勾配"),
            is_bias_gradient: plain("層ごとの計算のバイアスの勾配"),
        },
    }
}

/// The sentence under a picture of one path: how many product nodes are left out.
pub fn elided(count: usize, tongue: Tongue) -> Prose {
    vec![text(match tongue {
        Tongue::En => format!("Only one path is drawn (the first input, the first unit of each layer, the first output). The other {count} product nodes are drawn the same way; their gradients are in the rows below."),
        Tongue::Ja => format!("図には一つの経路(最初の入力, 各層の最初のユニット, 最初の出力)だけを描きます. 残りの{count}個の乗算ノードも同じように描けます. その勾配は下の式にあります."),
    })]
}

/// The sentence for a file with several samples or steps: the graph is of the first.
pub fn first_only(samples: usize, steps: u32, tongue: Tongue) -> Option<Prose> {
    if samples <= 1 && steps <= 1 {
        return None;
    }
    let plural = |n: usize, one: &str, many: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    };
    let (samples_en, steps_en) = (
        plural(samples, "sample", "samples"),
        plural(steps as usize, "step", "steps"),
    );
    // The sum over the samples is only the layer view's to make when there are several.
    Some(match (tongue, samples > 1) {
        (Tongue::En, true) => vec![
            text(format!("The file has {samples_en} and {steps_en}: the graph is the first sample's at the first step, so its weight gradients are the first sample's part of ")),
            Piece::Math(Math::WeightGradient),
            text(" (the layer view sums them over the samples and makes the updates)."),
        ],
        (Tongue::En, false) => vec![text(format!("The file has {samples_en} and {steps_en}: the graph is of the first step (the layer view makes the updates and the later steps)."))],
        (Tongue::Ja, true) => vec![text(format!("このファイルはサンプル{samples}個, ステップ{steps}回です. グラフは最初のステップの最初のサンプルのもので, 重みの勾配はそのサンプルの分です(サンプルについての和と更新は層ごとの計算にあります)."))],
        (Tongue::Ja, false) => vec![text(format!("このファイルはサンプル{samples}個, ステップ{steps}回です. グラフは最初のステップのものです(更新とその後のステップは層ごとの計算にあります)."))],
    })
}

/// A differentiation rule's name in the language (the table's names are English).
pub fn rule_name(rule: &'static str, tongue: Tongue) -> &'static str {
    if tongue == Tongue::En {
        return rule;
    }
    match rule {
        "sum rule" => "和の微分",
        "product rule" => "積の微分",
        "quotient rule" => "商の微分",
        "power rule" | "general power rule" => "べき乗の微分",
        "chain rule" => "合成関数の微分",
        "constant rule" => "定数の微分",
        "variable rule" => "変数の微分",
        "softmax with cross-entropy" => "ソフトマックスと交差エントロピー",
        other => other,
    }
}
