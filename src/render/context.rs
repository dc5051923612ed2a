//! The template context: the network, each step's samples, gradients and summary, as the
//! [`views`](super::views) the templates read.

use rayon::prelude::*;

use super::blocks::Views;
use super::layout::{Lang, Layout};
use super::views::{
    BlockView, ContextView, LayerView, LossRowView, SampleView, StepView, SummaryView,
};
use crate::derivation::{LayerNumbers, Parameters, SampleRows, Step};
use crate::latex::matrix as tex;
use crate::latex::{escape_markdown, escape_text, fit, needs_luatexja, EQUALS, LEFTARROW};
use crate::math::functions::{Activation, Builtin, BuiltinLoss, Loss};
use crate::math::number::Decimal;

impl<'a> Views<'a> {
    fn tuple(&self, items: impl IntoIterator<Item = String>) -> String {
        format!("({})", items.into_iter().collect::<Vec<_>>().join(", "))
    }

    pub(super) fn sample(&self, rows: &'a SampleRows, step: &'a Step) -> SampleView {
        let derivation = self.derivation;
        use crate::math::expr::{Index, Symbol};
        let network = derivation.network;
        let n = rows.sample.unwrap_or(1) as usize;
        let sample = rows.sample.map(Index::Num);
        let symbols = |kind: fn(Index) -> Symbol, count: usize| {
            self.tuple(
                (1..=count).map(|j| self.printer.symbol(&kind(Index::Num(j as u32)).at(sample))),
            )
        };
        let numbers = |row: &[crate::math::number::Decimal]| {
            self.tuple(row.iter().map(|d| self.printer.given(*d)))
        };
        let outputs = &step.layers[network.depth() as usize - 1].out[n - 1];
        let outputs_rel = self.rel(outputs.iter());
        let outputs_text = self.tuple(outputs.iter().map(|v| self.printer.value(*v)));
        let y_name = self.with_sample(self.vector_name(network.depth()), rows.sample);
        // "So", ", and the loss is" and the space around.
        let outputs_rows = if fit::width(&tex::equation(&y_name, &[(outputs_rel, &outputs_text)]))
            + 110.0
            <= fit::LINE
        {
            BlockView::default()
        } else {
            self.views(vec![
                self.matrix_row(y_name, vec![(outputs_rel, outputs_text.clone())])
            ])
        };
        let input = numbers(&network.x[n - 1]);
        let input_symbols = symbols(|j| Symbol::out(0, j), network.width(0));
        let target = numbers(&network.t[n - 1]);
        let target_symbols = symbols(Symbol::target, network.t[n - 1].len());
        SampleView {
            number: rows.sample,
            given: self.given(
                rows.sample,
                [&input_symbols, &input, &target_symbols, &target],
            ),
            input,
            input_symbols,
            target,
            target_symbols,
            forward: self.elementwise(&rows.forward),
            outputs: outputs_text,
            outputs_rel,
            outputs_rows,
            loss: self.chains([&rows.loss]),
            derivatives: self.elementwise(&rows.derivatives),
            deltas: self.elementwise(&rows.deltas),
            matrix_forward: self.matrices(|| self.matrix_forward(step, n - 1, rows.sample)),
            matrix_backward: self.matrices(|| self.matrix_backward(step, n - 1, rows.sample)),
        }
    }

    /// The sample sentence's `x = … = …` and `t = … = …` as a block of rows when the sentence
    /// would not fit on a line.
    pub(super) fn given(&self, sample: Option<u32>, [xs, x, ts, t]: [&String; 4]) -> BlockView {
        // "The training sample is" and the punctuation.
        const PROSE: f64 = 125.0;
        let x_name = self.with_sample(tex::output_vector(0, self.network.depth()), sample);
        let t_name = self.with_sample(tex::target_vector(), sample);
        let sentence = tex::in_a_row(
            &tex::equation(&x_name, &[(EQUALS, xs), (EQUALS, x)]),
            &tex::equation(&t_name, &[(EQUALS, ts), (EQUALS, t)]),
        );
        if fit::width(&sentence) + PROSE <= fit::LINE {
            return BlockView::default();
        }
        self.views(vec![
            self.matrix_row(x_name, vec![(EQUALS, xs.clone()), (EQUALS, x.clone())]),
            self.matrix_row(t_name, vec![(EQUALS, ts.clone()), (EQUALS, t.clone())]),
        ])
    }

    /// The Summary of layer `l` as a block of rows, ∂E/∂W above W ← …, when its displays
    /// would not fit the line.
    fn summary_rows(&self, l: u32, summary: &SummaryView) -> BlockView {
        let name = |p: &str| tex::parameter(if p == "b" { 'b' } else { 'W' }, l);
        let gradient = |p: &str| self.update_gradient(&name(p), p == "b");
        let update = |p: &str| match (p, &summary.update, &summary.bias_update) {
            ("b", _, Some(update)) | ("W", Some(update), _) => update.clone(),
            _ => tex::descent(&name(p), &gradient(p)),
        };
        // `=` or `\approx` before the gradient and before the update, per matrix.
        let relations = |p: &str| match p {
            "b" => (summary.grad_bias_rel, summary.bias_after_rel),
            _ => (summary.grad_rel, summary.after_rel),
        };
        let display = |p: &str, grad: &str, after: Option<&String>| {
            let (grad_rel, after_rel) = relations(p);
            let text = tex::equation(&gradient(p), &[(grad_rel, grad)]);
            match after {
                Some(after) => tex::side_by_side(
                    &text,
                    &tex::update(&name(p), &tex::equation(&update(p), &[(after_rel, after)])),
                ),
                None => text,
            }
        };
        let fits = |p: &str, grad: &str, after: Option<&String>| {
            self.fits(&display(p, grad, after), fit::LINE)
        };
        let weights_fit = fits("W", &summary.grad_weights, summary.weights_after.as_ref());
        let bias_fits = summary
            .grad_bias
            .as_ref()
            .is_none_or(|b| fits("b", b, summary.bias_after.as_ref()));
        if weights_fit && bias_fits {
            return BlockView::default();
        }
        let mut rows = Vec::new();
        let mut parameter = |p: &str, grad: &String, after: Option<&String>| {
            let (grad_rel, after_rel) = relations(p);
            rows.push(self.matrix_row(gradient(p), vec![(grad_rel, grad.clone())]));
            if let Some(after) = after {
                rows.push(self.matrix_row(
                    name(p),
                    vec![(LEFTARROW, update(p)), (after_rel, after.clone())],
                ));
            }
        };
        parameter("W", &summary.grad_weights, summary.weights_after.as_ref());
        if let Some(b) = &summary.grad_bias {
            parameter("b", b, summary.bias_after.as_ref());
        }
        self.views(rows)
    }

    pub(super) fn step(&self, step: &'a Step) -> StepView {
        StepView {
            number: step.number,
            matrix_gradients: self.matrices(|| self.matrix_gradients(step)),
            samples: step
                .samples
                .iter()
                .map(|rows| self.sample(rows, step))
                .collect(),
            total_loss: step.total_loss.as_ref().map(|c| self.chains([c])),
            decayed_loss: step.decayed_loss.as_ref().map(|d| self.chains([&d.chain])),
            loss_value: self.printer.value(step.loss_value),
            gradients: self.parameter_rows(step, Parameters::Gradients),
            updates: self.parameter_rows(step, Parameters::Updates),
            step_rate: step.step_rate.as_ref().map(|c| self.chains([c])),
            summary: step
                .layers
                .iter()
                .enumerate()
                .rev()
                .map(|(n, numbers): (usize, &LayerNumbers)| {
                    let mut summary = SummaryView {
                        layer: n as u32 + 1,
                        grad_name: self.update_gradient(&tex::parameter('W', n as u32 + 1), false),
                        grad_rel: self.rel(numbers.grad_weights.iter().flatten()),
                        grad_bias_rel: self.rel(numbers.grad_bias.iter().flatten()),
                        after_rel: self.rel(numbers.weights_after.iter().flatten().flatten()),
                        bias_after_rel: self.rel(numbers.bias_after.iter().flatten()),
                        grad_weights: self.value_matrix(&numbers.grad_weights),
                        grad_bias: numbers.grad_bias.as_deref().map(|b| self.value_column(b)),
                        weights_after: numbers
                            .weights_after
                            .as_deref()
                            .map(|w| self.value_matrix(w)),
                        bias_after: numbers.bias_after.as_deref().map(|b| self.value_column(b)),
                        rows: BlockView::default(),
                        update: self.matrix_update(n as u32 + 1).map(|u| u.0),
                        bias_update: self.matrix_update(n as u32 + 1).map(|u| u.1),
                        states: self.states(n as u32 + 1, numbers),
                    };
                    summary.rows = self.summary_rows(n as u32 + 1, &summary);
                    summary
                })
                .collect(),
        }
    }
}

/// An activation as the prose names it: `the sigmoid function`, `シグモイド関数`; one of the
/// file's own by its name.
fn activation_name(act: &Activation, lang: Lang, markdown: bool) -> String {
    let ja = lang == Lang::Ja;
    let known = match act.builtin {
        None => None,
        Some(Builtin::Identity) => Some(("the identity function", "恒等関数")),
        Some(Builtin::Sigmoid) => Some(("the sigmoid function", "シグモイド関数")),
        Some(Builtin::Tanh) => Some(("the hyperbolic tangent", "tanh関数")),
        Some(Builtin::Relu) => Some(("the ReLU function", "ReLU関数")),
        Some(Builtin::LeakyRelu) => Some(("the leaky ReLU function", "Leaky ReLU関数")),
        Some(Builtin::Softplus) => Some(("the softplus function", "ソフトプラス関数")),
        Some(Builtin::Softmax) => Some(("the softmax function", "ソフトマックス関数")),
    };
    match known {
        Some((en, ja_name)) => if ja { ja_name } else { en }.to_string(),
        None => {
            let name = if markdown {
                escape_markdown(&act.name)
            } else {
                escape_text(&act.name)
            };
            if ja {
                format!("自作の関数{name}")
            } else {
                format!("its own function {name}")
            }
        }
    }
}

/// A loss as the prose names it: `the sum of squared errors`, `二乗和誤差`.
fn loss_kind(loss: &Loss, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let (en, ja_name) = match loss.builtin {
        Some(BuiltinLoss::SumSquared) => ("the sum of squared errors", "二乗和誤差"),
        Some(BuiltinLoss::MeanSquared) => ("the mean squared error", "平均二乗誤差"),
        Some(BuiltinLoss::CrossEntropy) => ("the cross-entropy", "交差エントロピー誤差"),
        Some(BuiltinLoss::BinaryCrossEntropy) => {
            ("the binary cross-entropy", "二値交差エントロピー誤差")
        }
        None => ("the file's own function", "次の自作の関数"),
    };
    if ja { ja_name } else { en }.to_string()
}

/// A column of numbers given in the file, each with all its digits.
fn given_column(views: &Views, values: &[Decimal]) -> String {
    views.bmatrix(values.len(), 1, |i, _, out| {
        views.printer.write_given(values[i], out)
    })
}

/// Layer `l`'s view: its activation, definition and parameters.
fn layer_view(
    views: &Views,
    l: u32,
    layer: &crate::model::Layer,
    layout: &Layout,
    markdown: bool,
) -> LayerView {
    use crate::math::expr::{Expr, Func, Index, Symbol};
    let printer = views.printer;
    let function = printer.expr(&Expr::call(Func::Act(l), Expr::Var("a")));
    let definition = match layer.activation.shape {
        crate::math::functions::Shape::Softmax => {
            let a = |k: char| printer.symbol(&Symbol::pre(l, Index::Var(k)));
            let y = printer.symbol(&Symbol::out(l, Index::Var('k')));
            crate::latex::softmax_definition(&y, &a('k'), &a('j'))
        }
        crate::math::functions::Shape::Elementwise => tex::equation(
            &function,
            &[(EQUALS, &printer.expr(&layer.activation.definition))],
        ),
    };
    let weights_symbolic = views.bmatrix(layer.units(), layer.inputs(), |i, j, out| {
        let (i, j) = (Index::Num(i as u32 + 1), Index::Num(j as u32 + 1));
        printer.write_symbol(&Symbol::weight(l, i, j), out)
    });
    let weights = views.bmatrix(layer.units(), layer.inputs(), |i, j, out| {
        printer.write_given(layer.weights[i][j], out)
    });
    let bias_symbolic = layer.bias.as_ref().map(|b| {
        views.bmatrix(b.len(), 1, |i, _, out| {
            printer.write_symbol(&Symbol::bias(l, Index::Num(i as u32 + 1)), out)
        })
    });
    let bias = layer.bias.as_ref().map(|b| given_column(views, b));
    let given = Given {
        l,
        weights_symbolic: &weights_symbolic,
        weights: &weights,
        bias_symbolic: bias_symbolic.as_deref(),
        bias: bias.as_deref(),
    };
    let (rows, given_rows) = (given.rows(views), given.numbers_rows(views));
    LayerView {
        number: l,
        activation: escape_text(&layer.activation.name),
        activation_name: activation_name(&layer.activation, layout.lang, markdown),
        definition,
        function: printer.function_name(Func::Act(l)),
        units: layer.units(),
        inputs: layer.inputs(),
        weights_symbolic,
        weights,
        bias_symbolic,
        bias,
        rows,
        given_rows,
        dropout: views.dropout_given(l),
    }
}

/// A layer's given parameters, symbols and numbers, as `bmatrix`es.
struct Given<'g> {
    l: u32,
    weights_symbolic: &'g str,
    weights: &'g str,
    bias_symbolic: Option<&'g str>,
    bias: Option<&'g str>,
}

impl Given<'_> {
    /// The display `W = … = …,\qquad b = … = …` as a block of rows, when it is too wide (else
    /// empty).
    fn rows(&self, views: &Views) -> BlockView {
        let (w_name, b_name) = (tex::weight_matrix(self.l), tex::bias_name(self.l));
        let w_rows = [(EQUALS, self.weights_symbolic), (EQUALS, self.weights)];
        let mut display = tex::equation(&w_name, &w_rows);
        let bias = self.bias_symbolic.zip(self.bias);
        if let Some((bs, b)) = bias {
            let b_display = tex::equation(&b_name, &[(EQUALS, bs), (EQUALS, b)]);
            display = tex::side_by_side(&display, &b_display);
        }
        if views.fits(&display, fit::LINE) {
            return BlockView::default();
        }
        let owned = |rows: &[(&'static str, &str)]| {
            rows.iter()
                .map(|(rel, rhs)| (*rel, rhs.to_string()))
                .collect()
        };
        let mut rows = vec![views.matrix_row(w_name, owned(&w_rows))];
        if let Some((bs, b)) = bias {
            rows.push(views.matrix_row(b_name, owned(&[(EQUALS, bs), (EQUALS, b)])));
        }
        views.views(rows)
    }

    /// `W = …` and `b = …` with the numbers only (an exam's question) as a block of rows, when
    /// they do not fit on one line (else empty).
    fn numbers_rows(&self, views: &Views) -> BlockView {
        let (w_name, b_name) = (tex::weight_matrix(self.l), tex::bias_name(self.l));
        let mut given = tex::equation(&w_name, &[(EQUALS, self.weights)]);
        if let Some(b) = self.bias {
            given = tex::side_by_side(&given, &tex::equation(&b_name, &[(EQUALS, b)]));
        }
        if views.fits(&given, fit::LINE) {
            return BlockView::default();
        }
        let mut rows = vec![views.matrix_row(w_name, vec![(EQUALS, self.weights.to_string())])];
        if let Some(b) = self.bias {
            rows.push(views.matrix_row(b_name, vec![(EQUALS, b.to_string())]));
        }
        views.views(rows)
    }
}

pub(super) fn context<'a>(views: &Views<'a>, markdown: bool, layout: &Layout) -> ContextView {
    let derivation = views.derivation;
    let network = derivation.network;
    let depth = network.depth();
    let printer = views.printer;
    // The layers' views (their given matrices measured) beside the steps' (their summaries):
    // the two big serial stretches before the output starts. Blocks are numbered in the order
    // they are made, whichever that is; each marker stands for its own.
    let (layers, steps) = rayon::join(
        || {
            let layers = network.layers.par_iter().enumerate();
            layers
                .map(|(n, layer)| layer_view(views, n as u32 + 1, layer, layout, markdown))
                .collect()
        },
        || derivation.steps.par_iter().map(|s| views.step(s)).collect(),
    );
    ContextView {
        title: network.title.as_deref().map(|t| {
            if markdown {
                escape_markdown(t)
            } else {
                escape_text(t)
            }
        }),
        cjk: network.title.as_deref().is_some_and(needs_luatexja),
        lang: layout.lang,
        env: views.env.name(),
        form: layout.form,
        flavor: layout.flavor,
        math_open: views.math_open,
        math_close: views.math_close,
        question: false,
        diagram: layout
            .diagram
            .then(|| crate::render::drawing::draw(derivation, &printer))
            .flatten(),
        figure: None,
        matrix_equations: views.matrices(|| views.matrix_equations()),
        digits: derivation.options.digits,
        carry: derivation.options.carry,
        rounding: derivation.options.rounding,
        sizes: network.sizes(),
        depth,
        loss_name: network.loss.name.clone(),
        loss_kind: loss_kind(&network.loss, layout.lang),
        samples_count: network.samples(),
        matrix_columns: network.sizes().into_iter().max().unwrap_or(0).max(10),
        learning_rate: network.training.map(|s| s.lr.to_string()),
        steps_count: derivation.steps.len() as u32,
        layers,
        equations: views.layered(&derivation.equations),
        activation_rules: views.chains(&derivation.activation_rules),
        loss: views.chains(&derivation.loss),
        loss_formula: views.chain(&derivation.loss[0], None),
        loss_table: derivation
            .steps
            .iter()
            .map(|step| LossRowView {
                step: step.number,
                rel: views.rel(std::iter::once(&step.loss_value)),
                loss: printer.value(step.loss_value),
            })
            .collect(),
        gradient_rules: views.chains(&derivation.gradient_rules),
        update_rule: derivation
            .update_rule
            .as_ref()
            .map(|c| views.chain(c, None)),
        optimizer: views.optimizer(layout.lang),
        weight_decay: views.weight_decay_given(),
        shortcut: derivation
            .shortcut
            .map(|_| format!("{}_{}", network.output_activation().name, network.loss.name)),
        steps,
        // Made last, so that the blocks before keep their markers' numbers.
        after: derivation.after.as_ref().map(|a| views.after(a)),
    }
}
