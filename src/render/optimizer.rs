//! The template context of an optimizer beyond plain SGD: the section's heading and the
//! sentence that names the optimizer and the convention it follows (teaching material uses
//! several for the same method, so every output says which), its settings, its general rows,
//! and the summary's state matrices and matrix update. Plain SGD has none of it: its output is
//! as it always was.

use super::blocks::Views;
use super::layout::{Lang, Layout};
use super::templates::Engine;
use super::views::{BlockView, OptimizerView};
use crate::derivation::{Derivation, LayerNumbers};
use crate::latex::matrix as tex;
use crate::latex::{EQUALS, LEFTARROW};
use crate::math::expr::{Moment, Setting, Symbol};
use crate::math::number::{Decimal, Value};

use crate::model::{AdamForm, MomentumForm, Optimizer};

/// The heading and the sentence, in English and Japanese.
fn words(optimizer: &Optimizer, lang: Lang) -> (&'static str, &'static str) {
    let ja = lang == Lang::Ja;
    let (heading, intro, heading_ja, intro_ja) = match optimizer {
        Optimizer::Sgd => (
            "Update by stochastic gradient descent",
            "Each weight moves against its gradient",
            "確率的勾配降下法による学習",
            "勾配の逆向きに重みを更新します",
        ),
        Optimizer::Momentum { form, .. } => {
            let (intro, intro_ja) = match form {
                MomentumForm::Zero => (
                    "Each parameter is updated with momentum in the form of Deep Learning from Scratch and of Bishop: the velocity v, from 0, is the step itself",
                    "ゼロから作るDeep LearningやBishopの形のモーメンタムで各パラメータを更新します.速度vは0から始まり,そのまま更新量になります",
                ),
                MomentumForm::PyTorch => (
                    "Each parameter is updated with momentum in the form of PyTorch (torch.optim.SGD): v, from 0, sums the gradients and the step is the learning rate times v",
                    "PyTorch (torch.optim.SGD) の形のモーメンタムで各パラメータを更新します.vは0から始まって勾配を積み重ね,更新量は学習率とvの積です",
                ),
                MomentumForm::Ema => (
                    "Each parameter is updated with momentum as an exponential moving average: v, from 0, averages the gradients and the step is the learning rate times v",
                    "指数移動平均の形のモーメンタムで各パラメータを更新します.vは0から始まって勾配を平均し,更新量は学習率とvの積です",
                ),
            };
            ("Update by momentum", intro, "モーメンタムによる学習", intro_ja)
        }
        Optimizer::Nesterov { .. } => (
            "Update by Nesterov momentum",
            "Each parameter is updated with Nesterov momentum in the form of PyTorch (torch.optim.SGD with nesterov=True): v, from 0, sums the gradients, and the step looks ahead along v",
            "Nesterovのモーメンタムによる学習",
            "PyTorch (torch.optim.SGD, nesterov=True) の形のNesterovのモーメンタムで各パラメータを更新します.vは0から始まって勾配を積み重ね,更新はvの先を見て行います",
        ),
        Optimizer::AdaGrad { .. } => (
            "Update by AdaGrad",
            "Each parameter is updated with AdaGrad (as in Deep Learning from Scratch and PyTorch): h, from 0, sums the squared gradients and divides each step",
            "AdaGradによる学習",
            "AdaGrad(ゼロから作るDeep Learning, PyTorchの形)で各パラメータを更新します.hは0から始まって勾配の二乗を積み重ね,更新量を割ります",
        ),
        Optimizer::RmsProp { .. } => (
            "Update by RMSProp",
            "Each parameter is updated with RMSProp (as in Deep Learning from Scratch and PyTorch): h, from 0, is a moving average of the squared gradients and divides each step",
            "RMSPropによる学習",
            "RMSProp(ゼロから作るDeep Learning, PyTorchの形)で各パラメータを更新します.hは0から始まる勾配の二乗の移動平均で,更新量を割ります",
        ),
        Optimizer::Adam { form, .. } => {
            let (intro, intro_ja) = match form {
                AdamForm::Paper => (
                    "Each parameter is updated with Adam in the form of Kingma and Ba's paper and of PyTorch (torch.optim.Adam): the moments m and v, from 0, are corrected for their start at 0 before each step, t being the step's number",
                    "Kingma and Baの論文やPyTorch (torch.optim.Adam) の形のAdamで各パラメータを更新します.モーメントmとvは0から始まり,更新の前に0から始めた偏りを補正します(tはステップの番号です)",
                ),
                AdamForm::Zero => (
                    "Each parameter is updated with Adam in the form of Deep Learning from Scratch: the moments m and v, from 0, are used as they are, and the correction for their start at 0 is in the step size of step t",
                    "ゼロから作るDeep Learningの形のAdamで各パラメータを更新します.モーメントmとvは0から始まってそのまま使い,0から始めた偏りの補正はステップtの学習率に含めます",
                ),
            };
            ("Update by Adam", intro, "Adamによる学習", intro_ja)
        }
    };
    if ja {
        (heading_ja, intro_ja)
    } else {
        (heading, intro)
    }
}

/// A setting as the rows write it: a small ε as a power of ten (`10^{-8}`).
fn setting_value(views: &Views, d: Decimal) -> String {
    views
        .printer
        .expr(&crate::derivation::readable(d, &views.derivation.options))
}

/// What a problem must state about training beyond the learning rate, as LaTeX: the optimizer
/// and its settings, weight decay, each layer's dropout. The exam's online questions state them
/// as the question sheet does (a student cannot answer `ask update` without the convention).
pub struct Givens {
    /// The optimizer in words and its settings (`\mu=0.9`), none for plain SGD.
    pub optimizer: Option<(String, Vec<String>)>,
    /// `\tilde{E}=E+\frac{\lambda}{2}(…),\qquad \lambda=0.01`.
    pub weight_decay: Option<String>,
    /// Each layer with dropout (from 1) and its masks, p and form.
    pub dropouts: Vec<(u32, String)>,
}

/// The [`Givens`] of `derivation`, in the layout's language.
pub fn givens(derivation: &Derivation, layout: &Layout, engine: &Engine) -> Givens {
    let views = Views::new(derivation, layout, false, engine);
    Givens {
        optimizer: views
            .optimizer(layout.lang)
            .map(|view| (view.intro, view.settings)),
        weight_decay: views.weight_decay_given(),
        dropouts: (1..=derivation.network.depth())
            .filter_map(|l| views.dropout_given(l).map(|given| (l, given)))
            .collect(),
    }
}

impl Views<'_> {
    /// Weight decay as a problem states it: Ẽ's definition and λ (none without decay).
    pub(super) fn weight_decay_given(&self) -> Option<String> {
        let lambda = self.derivation.network.weight_decay?;
        let decayed = self.derivation.steps.first()?.decayed_loss.as_ref()?;
        let definition = crate::latex::exam::definition(&self.printer, &decayed.chain);
        let name = self.printer.symbol(&Symbol::setting(Setting::WeightDecay));
        let value = tex::equation(&name, &[(EQUALS, &setting_value(self, lambda))]);
        Some(tex::side_by_side(&definition, &value))
    }

    /// The optimizer's view, or `None` for plain SGD (and without training).
    pub(super) fn optimizer(&self, lang: Lang) -> Option<OptimizerView> {
        let derivation = self.derivation;
        let training = derivation.network.training?;
        if derivation.optimizer_rules.is_empty() {
            return None;
        }
        let (heading, intro) = words(&training.optimizer, lang);
        let setting = |s: Setting, d: Decimal| {
            let name = self.printer.symbol(&Symbol::setting(s));
            tex::equation(&name, &[(EQUALS, &setting_value(self, d))])
        };
        let rate = tex::equation(
            &self.printer.symbol(&Symbol::rate()),
            &[(EQUALS, &self.printer.given(training.lr))],
        );
        let mut settings = vec![rate];
        match training.optimizer {
            Optimizer::Sgd => {}
            Optimizer::Momentum { momentum, .. } | Optimizer::Nesterov { momentum } => {
                settings.push(setting(Setting::Momentum, momentum));
            }
            Optimizer::AdaGrad { eps } => settings.push(setting(Setting::Eps, eps)),
            Optimizer::RmsProp { decay, eps } => {
                settings.push(setting(Setting::Decay, decay));
                settings.push(setting(Setting::Eps, eps));
            }
            Optimizer::Adam {
                beta1, beta2, eps, ..
            } => {
                settings.push(setting(Setting::Beta1, beta1));
                settings.push(setting(Setting::Beta2, beta2));
                settings.push(setting(Setting::Eps, eps));
            }
        }
        Some(OptimizerView {
            heading: heading.to_string(),
            intro: intro.to_string(),
            settings,
            rules: self.chains(&derivation.optimizer_rules),
        })
    }

    /// The gradient a parameter matrix's update descends: ∂Ẽ/∂W for weights under weight
    /// decay, ∂E/∂W or ∂E/∂b otherwise (biases are not decayed).
    pub(super) fn update_gradient(&self, parameter: &str, bias: bool) -> String {
        if !bias && self.derivation.network.weight_decay.is_some() {
            tex::decayed_gradient(parameter)
        } else {
            tex::gradient(parameter)
        }
    }

    /// The right-hand sides of the summary's matrix updates of layer `l`, weights and biases,
    /// beyond plain SGD.
    pub(super) fn matrix_update(&self, l: u32) -> Option<(String, String)> {
        let optimizer = self.derivation.network.training?.optimizer;
        let update = |bias: bool| {
            let name = tex::parameter(if bias { 'b' } else { 'W' }, l);
            let state = |m: Moment| tex::state_matrix(m, bias, l);
            let gradient = self.update_gradient(&name, bias);
            tex::optimizer_update(&optimizer, &name, &gradient, &state)
        };
        Some((update(false)?, update(true)?))
    }

    /// The carried states of a layer after a step, as the summary shows them: a block of
    /// rows `V^{(l)} ≈ …`, `\mathbf{v}_b^{(l)} ≈ …` (empty for plain SGD).
    pub(super) fn states(&self, l: u32, numbers: &LayerNumbers) -> BlockView {
        if numbers.state.is_empty() {
            return BlockView::default();
        }
        let Some(optimizer) = self.derivation.network.training.map(|t| t.optimizer) else {
            return BlockView::default();
        };
        let inputs = self.derivation.network.width(l - 1).max(1);
        let weights = numbers.grad_weights.len() * inputs;
        let mut rows = Vec::new();
        for state in numbers.state.iter().filter(|s| s.carried) {
            let (w, b) = state.after.split_at(weights.min(state.after.len()));
            let matrix: Vec<Vec<Value>> = w.chunks(inputs).map(<[Value]>::to_vec).collect();
            let name = |bias| tex::state_matrix(state.moment, bias, l);
            // The state's rule in matrix form before its value: V ← μV − η∂E/∂W ≈ ….
            let rule = |bias: bool| {
                let parameter = tex::parameter(if bias { 'b' } else { 'W' }, l);
                let names = |m: Moment| tex::state_matrix(m, bias, l);
                let corrected = matches!(state.moment, Moment::MHat | Moment::VHat);
                let rel = if corrected { EQUALS } else { LEFTARROW };
                let gradient = self.update_gradient(&parameter, bias);
                tex::state_rule(&optimizer, state.moment, &gradient, &names).map(|rhs| (rel, rhs))
            };
            let with_value = |bias: bool, rel: &'static str, value: String| {
                rule(bias).into_iter().chain([(rel, value)]).collect()
            };
            let rel = self.rel(w.iter());
            let value = self.value_matrix(&matrix);
            rows.push(self.matrix_row(name(false), with_value(false, rel, value)));
            if numbers.bias.is_some() && !b.is_empty() {
                let rel = self.rel(b.iter());
                let value = self.value_column(b);
                rows.push(self.matrix_row(name(true), with_value(true, rel, value)));
            }
        }
        self.views(rows)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::layout::Layout;
    use super::super::{render, Format};
    use crate::derivation::{derive, Options};
    use crate::math::number::Decimal;
    use crate::model::{AdamForm, MomentumForm, Network, Optimizer};

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    /// Every optimizer and form, with the language's defaults.
    pub(crate) fn optimizers() -> Vec<(&'static str, Optimizer)> {
        let momentum = |form| Optimizer::Momentum {
            momentum: d("0.9"),
            form,
        };
        let adam = |form| Optimizer::Adam {
            beta1: d("0.9"),
            beta2: d("0.999"),
            eps: d("0.00000001"),
            form,
        };
        vec![
            ("momentum-zero", momentum(MomentumForm::Zero)),
            ("momentum-pytorch", momentum(MomentumForm::PyTorch)),
            ("momentum-ema", momentum(MomentumForm::Ema)),
            ("nesterov", Optimizer::Nesterov { momentum: d("0.9") }),
            (
                "adagrad",
                Optimizer::AdaGrad {
                    eps: d("0.0000001"),
                },
            ),
            (
                "rmsprop",
                Optimizer::RmsProp {
                    decay: d("0.99"),
                    eps: d("0.00000001"),
                },
            ),
            ("adam-paper", adam(AdamForm::Paper)),
            ("adam-zero", adam(AdamForm::Zero)),
        ]
    }

    /// The article's network with `optimizer` and `steps` steps.
    pub(crate) fn article(optimizer: Optimizer, steps: u32) -> Network {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join("examples/article.nn")).unwrap();
        let mut network =
            crate::check::network_from_text(&text, &crate::model::Limits::default()).unwrap();
        let training = network.training.as_mut().unwrap();
        training.optimizer = optimizer;
        training.steps = steps;
        network
    }

    #[test]
    fn every_optimizer_renders_in_every_format() {
        for (name, optimizer) in optimizers() {
            let network = article(optimizer, 2);
            let derivation = derive(&network, Options::default()).unwrap();
            for format in [Format::Latex, Format::Markdown, Format::Json] {
                let text = render(&derivation, format, &Layout::default(), None).unwrap();
                if std::env::var("SHOW_OPTIMIZER").is_ok_and(|v| v == name) {
                    println!("{text}");
                }
                assert!(!text.contains("NaN"), "{name} {format:?}");
            }
        }
    }
}
