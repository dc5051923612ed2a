//! The exam's own words, in English and Japanese: the online questions, the answer key's
//! headings and the names of the asked numbers. The sheets' words are in the templates.

use crate::render::Lang;

/// What an exam's problem is about: a network, or a formula's computational graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Network,
    Graph,
}

/// The words of one language.
#[derive(Clone, Copy, Debug)]
pub struct Texts(pub Lang);

impl Texts {
    fn ja(self) -> bool {
        self.0 == Lang::Ja
    }

    /// Appended to an updated parameter's name (plain, or in LaTeX as text).
    pub fn after_update(self) -> &'static str {
        if self.ja() {
            "（更新後）"
        } else {
            " after the update"
        }
    }

    /// Appended to the plain name of a per-sample number when there are several samples.
    pub fn of_sample(self, n: u32) -> String {
        if self.ja() {
            format!("（サンプル{n}）")
        } else {
            format!(" of sample {n}")
        }
    }

    /// Appended to an asked number's name (plain, or in LaTeX as text) when the file has
    /// several steps: every asked number is the first step's.
    pub fn in_first_step(self) -> &'static str {
        if self.ja() {
            "（ステップ1）"
        } else {
            " in step 1"
        }
    }

    pub fn intro(self, subject: Subject) -> &'static str {
        match (subject, self.ja()) {
            (Subject::Network, true) => "次のニューラルネットワークについて答えなさい。",
            (Subject::Network, false) => "For the network below, compute the quantity asked.",
            (Subject::Graph, true) => "次の計算グラフについて答えなさい。",
            (Subject::Graph, false) => {
                "For the computational graph below, compute the quantity asked."
            }
        }
    }

    pub fn intro_all(self, subject: Subject) -> &'static str {
        match (subject, self.ja()) {
            (Subject::Network, true) => {
                "次のニューラルネットワークについて、すべての問いに答えなさい。"
            }
            (Subject::Network, false) => "For the network below, compute every quantity asked.",
            (Subject::Graph, true) => "次の計算グラフについて、すべての問いに答えなさい。",
            (Subject::Graph, false) => {
                "For the computational graph below, compute every quantity asked."
            }
        }
    }

    pub fn layer(self, number: usize, activation: &str) -> String {
        if self.ja() {
            format!("第{number}層の活性化関数は {activation} です。")
        } else {
            format!("Layer {number} uses {activation}.")
        }
    }

    /// The loss's sentence around `formula`, in inline math already.
    pub fn loss(self, formula: &str) -> String {
        if self.ja() {
            format!("誤差関数は {formula} です。")
        } else {
            format!("The loss is {formula}.")
        }
    }

    /// The learning rate's sentence around `rate`, an inline-math `η = …`.
    pub fn rate(self, rate: &str) -> String {
        if self.ja() {
            format!("学習率は {rate} です。")
        } else {
            format!("The learning rate is {rate}.")
        }
    }

    /// The optimizer's sentence: its convention in words, then its settings in inline math.
    pub fn optimizer(self, intro: &str, settings: &[String]) -> String {
        if self.ja() {
            format!("{intro}。設定は {} です。", settings.join("、"))
        } else {
            format!("{intro}, with {}.", settings.join(", "))
        }
    }

    /// The sentence before weight decay's display.
    pub fn weight_decay(self) -> &'static str {
        if self.ja() {
            "誤差には荷重減衰の項を加えます（重みだけ、バイアスは除く）。"
        } else {
            "The loss descended includes weight decay (of the weights, not the biases)."
        }
    }

    /// The sentence before a layer's dropout display.
    pub fn dropout(self, layer: u32) -> String {
        if self.ja() {
            format!("第{layer}層にはドロップアウトがかかります。")
        } else {
            format!("Layer {layer} uses dropout.")
        }
    }

    pub fn picture(self, subject: Subject) -> &'static str {
        match (subject, self.ja()) {
            (Subject::Network, true) => "ネットワークの図",
            (Subject::Network, false) => "The network",
            (Subject::Graph, true) => "計算グラフ",
            (Subject::Graph, false) => "The computational graph",
        }
    }

    /// The ask of one numerical question, `symbol` in inline math already.
    pub fn compute(self, symbol: &str, digits: u32) -> String {
        if self.ja() {
            format!("{symbol} を有効数字{digits}桁で求めなさい。")
        } else {
            format!("Compute {symbol} to {digits} significant digits.")
        }
    }

    /// The line above a Cloze question's blanks.
    pub fn compute_all(self, digits: u32) -> String {
        if self.ja() {
            format!("次の値を有効数字{digits}桁で求めなさい。")
        } else {
            format!("Compute, to {digits} significant digits:")
        }
    }

    pub fn question_name(self, label: &str, k: usize, name: &str) -> String {
        if self.ja() {
            format!("問題 {label} の問 {k}: {name}")
        } else {
            format!("Variant {label} question {k}: {name}")
        }
    }

    pub fn variant_name(self, label: &str) -> String {
        if self.ja() {
            format!("問題 {label}")
        } else {
            format!("Variant {label}")
        }
    }

    pub fn key_title(self) -> &'static str {
        if self.ja() {
            "解答"
        } else {
            "Answer key"
        }
    }

    pub fn carry_note(self, rounded: bool) -> &'static str {
        match (self.ja(), rounded) {
            (false, false) => "Values are carried at full precision from row to row; only the shown values are rounded.",
            (false, true) => "Each value is carried into the next row rounded, as shown, as when working by hand.",
            (true, false) => "各行の値は丸めずに次の行へ引き継ぎ、表示する値だけを丸めています。",
            (true, true) => "手計算と同じく、各行の値は表示どおりに丸めて次の行へ引き継いでいます。",
        }
    }

    /// What the table of asked values is and how its tolerance was chosen; `percent` writes
    /// a percentage as the key's LaTeX has it.
    pub fn table_note(
        self,
        rule: super::Tolerance,
        digits: u32,
        percent: impl Fn(&str) -> String,
    ) -> String {
        use super::Tolerance;
        match (self.ja(), rule) {
            (false, Tolerance::Rule) => format!(
                "First the asked numbers of every variant, as entered in Moodle and Canvas, with \
                 the tolerance they accept: half a unit of the {digits}th significant digit, \
                 widened by the difference carrying the shown values makes, at most {} of \
                 the answer. The worked derivations follow.",
                percent("1")
            ),
            (false, Tolerance::Relative(r)) => format!(
                "First the asked numbers of every variant, as entered in Moodle and Canvas, with \
                 the tolerance they accept ({} of the answer). The worked derivations follow.",
                percent(&(r * 100.0).to_string())
            ),
            (false, Tolerance::Absolute(a)) => format!(
                "First the asked numbers of every variant, as entered in Moodle and Canvas, with \
                 the tolerance they accept ({a} either side). The worked derivations follow."
            ),
            (true, Tolerance::Rule) => format!(
                "まず各問題で求める値(Moodle・Canvasに入力した正解)と許容誤差を示します。許容誤差は\
                 有効数字{digits}桁目の半単位に、表示値を引き継いだ場合との差を加えたもので、\
                 正解の{}を超えません。その後に計算過程を示します。",
                percent("1")
            ),
            (true, Tolerance::Relative(r)) => format!(
                "まず各問題で求める値(Moodle・Canvasに入力した正解)と許容誤差(正解の{})を示します。\
                 その後に計算過程を示します。",
                percent(&(r * 100.0).to_string())
            ),
            (true, Tolerance::Absolute(a)) => format!(
                "まず各問題で求める値(Moodle・Canvasに入力した正解)と許容誤差(±{a})を示します。\
                 その後に計算過程を示します。"
            ),
        }
    }

    /// The table's column heads: quantity, answer, tolerance.
    pub fn columns(self) -> [&'static str; 3] {
        if self.ja() {
            ["求める値", "正解", "許容誤差"]
        } else {
            ["quantity", "answer", "tolerance"]
        }
    }
}
