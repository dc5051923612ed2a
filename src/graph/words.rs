//! The graph's words in English and Japanese (the textbook's: 乗算ノード, 加算ノード, 逆伝播):
//! plain text, which `latex::graph` and `render::graph` set in their own markup.

use super::Op;

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

/// What a node is called in the backward pass, and what it passes back.
pub fn node_kind(op: Op, tongue: Tongue) -> &'static str {
    match (tongue, op) {
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
        (Tongue::En, Op::Input(_) | Op::Constant(_)) => "Input",
        (Tongue::Ja, Op::Add) => "加算ノード: 上流の勾配をそのまま流す",
        (Tongue::Ja, Op::Sub) => "減算ノード: 上流の勾配を流す(引く側には符号を反転)",
        (Tongue::Ja, Op::Mul) => "乗算ノード: 上流の勾配に入力をひっくり返した値を掛ける",
        (Tongue::Ja, Op::Div) => "除算ノード",
        (Tongue::Ja, Op::Pow) => "べき乗ノード",
        (Tongue::Ja, Op::Neg) => "符号反転ノード: 上流の勾配の符号を反転して流す",
        (Tongue::Ja, Op::Call(_)) => "関数ノード: 上流の勾配に関数の微分を掛ける",
        (Tongue::Ja, Op::Input(_) | Op::Constant(_)) => "入力",
    }
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
        other => other,
    }
}
