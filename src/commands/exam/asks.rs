//! The asked numbers of a variant: what the file asks for (every gradient by default), each
//! with its name, value and worked rows, read from the derivation.

use std::collections::HashSet;

use super::text;
use crate::derivation::{Derivation, LayerChains, LayerNumbers, Step};
use crate::latex::{self, Printer};
use crate::math::expr::{Expr, Index, Symbol};
use crate::math::number::Value;
use crate::model::{Ask, Network, Parameter, Quantity};

/// One asked number: how to name it, its value, and the worked chain for feedback.
pub(super) struct Answer {
    pub(super) name: String,
    pub(super) symbol: String,
    pub(super) value: Value,
    /// The value with rounded values carried, for the Moodle tolerance.
    pub(super) rounded: Value,
    pub(super) feedback: String,
}

/// The questions a file asks, or all weight (and bias) gradients by default.
pub(super) fn asks(network: &Network) -> Vec<Ask> {
    if !network.exam.asks.is_empty() {
        return network.exam.asks.clone();
    }
    let mut asks = vec![Ask::Gradient {
        bias: false,
        layer: None,
    }];
    if network.layers.iter().any(|l| l.bias.is_some()) {
        asks.push(Ask::Gradient {
            bias: true,
            layer: None,
        });
    }
    asks
}

/// The asked numbers of a derivation (first step), each with its worked rows.
pub(super) fn answers(
    derivation: &Derivation,
    rounded: &Derivation,
    printer: &Printer,
    asks: &[Ask],
    texts: text::Texts,
) -> Vec<Answer> {
    let reader = Reader {
        derivation,
        rounded,
        step: &derivation.steps[0],
        other: &rounded.steps[0],
        printer,
        texts,
    };
    let mut out = Vec::new();
    for ask in asks {
        reader.ask(*ask, &mut out);
    }
    // A number two asks name (`ask y` and `ask y2`, `ask grad W` and `ask grad w12 1`) is
    // asked once, where it is first asked.
    let mut seen = HashSet::new();
    out.retain(|a| seen.insert(a.symbol.clone()));
    // Every number is the first step's: with several, the question says so (but E after the
    // update, which says when it is).
    if derivation.steps.len() > 1 {
        let after = reader.loss_after().map(|a| a.symbol);
        for answer in out.iter_mut().filter(|a| Some(&a.symbol) != after.as_ref()) {
            answer
                .symbol
                .push_str(&latex::exam::text(texts.in_first_step()));
            answer.name.push_str(texts.in_first_step());
        }
    }
    out
}

/// Where the asked numbers are read: the first step, exact and with rounded values carried.
struct Reader<'a> {
    derivation: &'a Derivation<'a>,
    /// The whole derivation with rounded values carried (E after the update is not a step's).
    rounded: &'a Derivation<'a>,
    step: &'a Step,
    /// The first step with rounded values carried.
    other: &'a Step,
    printer: &'a Printer,
    texts: text::Texts,
}

/// A parameter's row in the gradient chains, its value, and its value with rounded values
/// carried.
struct Found {
    symbol: Symbol,
    index: usize,
    value: Value,
    rounded: Value,
}

impl Reader<'_> {
    fn depth(&self) -> usize {
        self.derivation.network.depth() as usize
    }

    fn samples(&self) -> usize {
        self.step.samples.len()
    }

    /// The answers `ask` asks for, in order, appended to `out`.
    fn ask(&self, ask: Ask, out: &mut Vec<Answer>) {
        let network = self.derivation.network;
        let depth = self.depth();
        match ask {
            Ask::Loss => out.push(self.loss()),
            Ask::LossAfter => out.extend(self.loss_after()),
            Ask::Outputs => {
                for n in 0..self.samples() {
                    for unit in 0..network.width(depth as u32) {
                        out.extend(self.unit(Quantity::Out, depth, unit, n));
                    }
                }
            }
            Ask::Gradient { bias, layer } => self.layer_parameters(bias, layer, false, out),
            Ask::Update { bias, layer } => self.layer_parameters(bias, layer, true, out),
            Ask::Parameter {
                update,
                layer,
                parameter,
            } => out.extend(self.parameter(layer as usize, parameter, update)),
            Ask::Units { quantity, layer } => {
                let layers: Vec<usize> = match (layer, quantity) {
                    (Some(l), _) => vec![l as usize],
                    // Forward quantities in the forward order, deltas backward.
                    (None, Quantity::Delta) => (1..=depth).rev().collect(),
                    (None, _) => (1..=depth).collect(),
                };
                // Sample by sample, as the outputs are.
                for l in layers {
                    for n in 0..self.samples() {
                        for unit in 0..network.width(l as u32) {
                            out.extend(self.unit(quantity, l, unit, n));
                        }
                    }
                }
            }
            Ask::Unit {
                quantity,
                layer,
                unit,
            } => {
                for n in 0..self.samples() {
                    out.extend(self.unit(quantity, layer as usize, unit as usize - 1, n));
                }
            }
        }
    }

    fn loss(&self) -> Answer {
        let step = self.step;
        Answer {
            name: "E".into(),
            symbol: "E".into(),
            value: step.loss_value,
            rounded: self.other.loss_value,
            feedback: match &step.total_loss {
                Some(total) => latex::exam::chain(self.printer, total),
                None => latex::exam::chain(self.printer, &step.samples[0].loss),
            },
        }
    }

    /// E after the last update; none without training (the file's check refuses it before).
    fn loss_after(&self) -> Option<Answer> {
        let (after, other) = (
            self.derivation.after.as_ref()?,
            self.rounded.after.as_ref()?,
        );
        Some(Answer {
            name: format!("E{}", self.texts.after_update()),
            symbol: format!("E{}", latex::exam::text(self.texts.after_update())),
            value: after.loss,
            rounded: other.loss,
            feedback: latex::exam::value(self.printer, "E", after.loss),
        })
    }

    /// Every weight (or bias) gradient, or value after the update, of one layer or of all,
    /// the last layer first.
    fn layer_parameters(
        &self,
        bias: bool,
        layer: Option<u32>,
        update: bool,
        out: &mut Vec<Answer>,
    ) {
        let layers: Vec<usize> = match layer {
            Some(l) => vec![l as usize],
            None => (1..=self.depth()).rev().collect(),
        };
        for l in layers {
            let numbers = &self.step.layers[l - 1];
            if bias {
                for i in 0..numbers.grad_bias.as_ref().map_or(0, Vec::len) {
                    out.extend(self.parameter(l, Parameter::Bias { i: i as u32 + 1 }, update));
                }
            } else {
                for (i, row) in numbers.grad_weights.iter().enumerate() {
                    for j in 0..row.len() {
                        let weight = Parameter::Weight {
                            i: i as u32 + 1,
                            j: j as u32 + 1,
                        };
                        out.extend(self.parameter(l, weight, update));
                    }
                }
            }
        }
    }

    /// One weight or bias of layer `l`: its symbol, row and values; none where the layer has
    /// no such parameter (the file's check refuses it before).
    fn find(&self, l: usize, parameter: Parameter, update: bool) -> Option<Found> {
        let numbers = &self.step.layers[l - 1];
        let others = &self.other.layers[l - 1];
        let num = |n: usize| Index::Num(n as u32);
        let weights = numbers.grad_weights.len() * self.derivation.network.width(l as u32 - 1);
        Some(match parameter {
            Parameter::Bias { i } => {
                let i = i as usize - 1;
                let v = *numbers.grad_bias.as_ref()?.get(i)?;
                let (value, rounded) = if update {
                    (
                        numbers.bias_after.as_ref().map_or(v, |b| b[i]),
                        others.bias_after.as_ref().map_or(v, |b| b[i]),
                    )
                } else {
                    (v, others.grad_bias.as_ref().map_or(v, |b| b[i]))
                };
                Found {
                    symbol: Symbol::bias(l as u32, num(i + 1)),
                    index: weights + i,
                    value,
                    rounded,
                }
            }
            Parameter::Weight { i, j } => {
                let (i, j) = (i as usize - 1, j as usize - 1);
                let row = numbers.grad_weights.get(i)?;
                let v = *row.get(j)?;
                let (value, rounded) = if update {
                    (
                        numbers.weights_after.as_ref().map_or(v, |w| w[i][j]),
                        others.weights_after.as_ref().map_or(v, |w| w[i][j]),
                    )
                } else {
                    (v, others.grad_weights[i][j])
                };
                Found {
                    symbol: Symbol::weight(l as u32, num(i + 1), num(j + 1)),
                    index: i * row.len() + j,
                    value,
                    rounded,
                }
            }
        })
    }

    /// The gradient of one weight or bias of layer `l`, or its value after the update.
    fn parameter(&self, l: usize, parameter: Parameter, update: bool) -> Option<Answer> {
        let Found {
            symbol: parameter,
            index,
            value,
            rounded,
        } = self.find(l, parameter, update)?;
        let (printer, texts) = (self.printer, self.texts);
        let (lhs, chain) = if update {
            (
                Expr::Sym(parameter.clone()),
                self.derivation.update_chain(self.step, l as u32, index),
            )
        } else {
            // The gradient the update uses, as its row names it: ∂Ẽ/∂w with weight decay (the
            // question then asks for ∂Ẽ/∂w), ∂E/∂w (and ∂E/∂b) otherwise.
            let chain = self.derivation.gradient_chain(self.step, l as u32, index);
            (chain.lhs.clone(), Some(chain))
        };
        let (symbol, name) = if update {
            (
                format!(
                    "{}{}",
                    printer.symbol(&parameter),
                    latex::exam::text(texts.after_update())
                ),
                format!("{}{}", printer.plain(&lhs), texts.after_update()),
            )
        } else {
            (printer.expr(&lhs), printer.plain(&lhs))
        };
        Some(Answer {
            name,
            symbol,
            value,
            rounded,
            feedback: chain
                .as_ref()
                .map(|c| latex::exam::chain(printer, c))
                .unwrap_or_default(),
        })
    }

    /// Unit `unit` (from 0) of layer `l`'s a, z or delta in sample `n` (from 0), named by its
    /// sample when there are several, with its row of the forward or backward pass.
    fn unit(&self, quantity: Quantity, l: usize, unit: usize, n: usize) -> Option<Answer> {
        let number = |layers: &[LayerNumbers]| -> Option<Value> {
            let of = &layers[l - 1];
            let rows = match quantity {
                Quantity::Pre => &of.pre,
                Quantity::Out => &of.out,
                Quantity::Delta => &of.delta,
            };
            rows.get(n)?.get(unit).copied()
        };
        let (value, rounded) = (number(&self.step.layers)?, number(&self.other.layers)?);
        let sample = self.step.samples.get(n)?;
        let (l, i) = (l as u32, Index::Num(unit as u32 + 1));
        let symbol = match quantity {
            Quantity::Pre => Symbol::pre(l, i),
            Quantity::Out => Symbol::out(l, i),
            Quantity::Delta => Symbol::delta(l, i),
        }
        .at(sample.sample.map(Index::Num));
        let lhs = Expr::Sym(symbol.clone());
        let feedback = match quantity {
            Quantity::Delta => {
                let shown = self.chain_of(&sample.deltas, &lhs);
                if shown.is_empty() {
                    self.chain_of(sample.unshown_deltas.as_slice(), &lhs)
                } else {
                    shown
                }
            }
            _ => self.chain_of(&sample.forward, &lhs),
        };
        let printer = self.printer;
        let name = match sample.sample {
            Some(n) => format!("{}{}", printer.plain(&lhs), self.texts.of_sample(n)),
            None => printer.plain(&lhs),
        };
        Some(Answer {
            name,
            symbol: printer.symbol(&symbol),
            value,
            rounded,
            feedback,
        })
    }

    /// The worked rows of the chain of `groups` for `lhs`, or nothing.
    fn chain_of(&self, groups: &[LayerChains], lhs: &Expr) -> String {
        groups
            .iter()
            .flat_map(|g| &g.chains)
            .find(|c| &c.lhs == lhs)
            .map(|c| latex::exam::chain(self.printer, c))
            .unwrap_or_default()
    }
}
