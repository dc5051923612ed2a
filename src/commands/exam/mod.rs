//! `backprop-tex exam`: one `.nn` file, N different versions of the problem — a question sheet,
//! a worked answer key, a Moodle quiz, and each variant's own file and numbers.
//!
//! Every variant is drawn from its own random stream (seed and variant number), so the output
//! does not depend on how variants are spread over threads: the same seed gives byte-identical
//! files. Variants are derived in parallel a batch at a time and written in order, so memory
//! stays flat however many variants are asked for.
//!
//! A variant is the checked network with its varied values replaced, never text read again:
//! whatever goes wrong in it points at the `vary` statement of the user's file that drew it.
//! A draw that cannot be worked by hand (or whose numbers leave the reals) is drawn again,
//! cheaply where possible: saturation is seen by a plain float forward pass before anything
//! is derived, a draw already tried is not tried again, and the derivations a variant may
//! spend on failures shrink as the network grows, so an impossible exam fails in a second.
//!
//! The bundle is written into a directory beside the destination and renamed into place only
//! when every file is complete and on disk: a teacher's previous exam is never half replaced.
//!
//! One module per output that is not a template: `moodle` (the question bank), `canvas` (the
//! QTI package), `key` (answers, tolerances and the answer key's table), `svg` (the drawing
//! the online questions carry) and `text` (their words, in English and Japanese).

mod canvas;
mod key;
mod moodle;
mod svg;
mod text;

pub use key::Tolerance;
pub use moodle::MoodleKind;
pub use svg::network_svg;

use std::collections::HashSet;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::commands::random::SplitMix64;
use crate::derivation::{self, Carry, Derivation, Options};
use crate::error::{DirRefusal, DrawFault, Error, Tried};
use crate::latex::Printer;
use crate::math::expr::{Expr, Index, Symbol};
use crate::math::functions::Shape;
use crate::math::number::{Decimal, Value};
use crate::model::{Ask, Network, Parameter, Quantity, Vary, VaryTarget};
use crate::render::{self, Layout};

/// What `exam` was asked for. The network is checked against the command line's limits before;
/// a variant has its shape, so it is within them too.
#[derive(Clone, Debug)]
pub struct ExamSettings {
    pub variants: usize,
    pub seed: u64,
    pub out: PathBuf,
    pub options: Options,
    pub layout: Layout,
    pub templates: Option<PathBuf>,
    /// Replace the exam bundle already in `out`.
    pub force: bool,
    /// The kind of Moodle questions.
    pub moodle: MoodleKind,
    /// The tolerance of the online answers.
    pub tolerance: Tolerance,
}

/// How many draws a variant may take before the file is declared unworkable.
const ATTEMPTS: usize = 1000;
/// The derivation work a variant may spend on draws that fail, in gradients (weights and
/// biases × samples × steps) per derived draw: under a second (release build, one core)
/// however big the network.
const WORK: usize = 50_000;
/// Draws derived at least, however big the network.
const MIN_DERIVED: usize = 3;
/// Draw spaces up to this many draws are counted, so that trying them all ends the search.
const COUNTED_SPACE: u64 = 1 << 20;
/// The files made beside the bundle's while it is written, and removed before it is renamed
/// into place: the answer key's derivations (appended to it) and Canvas's assessment (copied
/// into the zip).
const DERIVATIONS: &str = ".answers-derivations.tex";
const ASSESSMENT: &str = ".canvas-assessment.xml";
/// The Canvas package.
const CANVAS: &str = "canvas-qti.zip";
/// Variants derived at once (in parallel) before they are written.
const BATCH: usize = 64;
/// A sigmoid or tanh input beyond this is too flat to work by hand.
const SATURATION: f64 = 4.0;
/// A relu input this close to its kink is ambiguous by hand.
const KINK: f64 = 0.05;

/// A variant's random stream, from the seed, the variant and the attempt.
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64, variant: usize, attempt: usize) -> Rng {
        let mixed = seed
            ^ (variant as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (attempt as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut rng = Rng(SplitMix64::new(mixed));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn pick(&mut self, values: &[Decimal]) -> Decimal {
        values[(self.next() % values.len() as u64) as usize]
    }
}

/// The network with every `vary` redrawn.
fn draw(network: &Network, rng: &mut Rng) -> Network {
    let mut drawn = network.clone();
    drawn.exam = Default::default();
    for vary in &network.exam.varies {
        let values = &vary.values;
        let layers = |layer: Option<u32>| -> Vec<usize> {
            match layer {
                Some(l) => vec![l as usize - 1],
                None => (0..network.layers.len()).collect(),
            }
        };
        match vary.target {
            VaryTarget::Weights(layer) => {
                for l in layers(layer) {
                    for w in drawn.layers[l].weights.iter_mut().flatten() {
                        *w = rng.pick(values);
                    }
                }
            }
            VaryTarget::Biases(layer) => {
                for l in layers(layer) {
                    for b in drawn.layers[l].bias.iter_mut().flatten() {
                        *b = rng.pick(values);
                    }
                }
            }
            VaryTarget::Input => drawn
                .x
                .iter_mut()
                .flatten()
                .for_each(|v| *v = rng.pick(values)),
            VaryTarget::Target => drawn
                .t
                .iter_mut()
                .flatten()
                .for_each(|v| *v = rng.pick(values)),
            VaryTarget::Rate => {
                if let Some(sgd) = &mut drawn.sgd {
                    sgd.lr = rng.pick(values);
                }
            }
        }
    }
    drawn
}

/// One asked number: how to name it, its value, and the worked chain for feedback.
pub(crate) struct Answer {
    name: String,
    symbol: String,
    value: Value,
    /// The value with rounded values carried, for the Moodle tolerance.
    rounded: Value,
    feedback: String,
}

/// The questions a file asks, or all weight (and bias) gradients by default.
fn asks(network: &Network) -> Vec<Ask> {
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
fn answers(
    derivation: &Derivation,
    rounded: &Derivation,
    printer: &Printer,
    asks: &[Ask],
    texts: text::Texts,
) -> Vec<Answer> {
    use crate::math::expr::{Expr, Index, Symbol};
    let network = derivation.network;
    let step = &derivation.steps[0];
    let other = &rounded.steps[0];
    let depth = network.depth() as usize;
    let chain_rows = |chain: &crate::derivation::Chain| -> String {
        let rows: Vec<String> = chain
            .rows
            .iter()
            .zip(printer.relations(&chain.rows))
            // `\leftarrow` before `w` needs a space, or it reads as `\leftarroww`.
            .map(|(row, rel)| {
                let space = if rel.ends_with(|c: char| c.is_ascii_alphabetic()) {
                    " "
                } else {
                    ""
                };
                format!("{rel}{space}{}", printer.expr(&row.expr))
            })
            .collect();
        format!("\\[{}{}\\]", printer.expr(&chain.lhs), rows.join(""))
    };
    let find = |groups: &[crate::derivation::LayerChains], lhs: &Expr| -> String {
        groups
            .iter()
            .flat_map(|g| &g.chains)
            .find(|c| &c.lhs == lhs)
            .map(chain_rows)
            .unwrap_or_default()
    };
    let layers = |layer: Option<u32>| -> Vec<usize> {
        match layer {
            Some(l) => vec![l as usize],
            None => (1..=depth).rev().collect(),
        }
    };
    let num = |n: usize| Index::Num(n as u32);
    // The gradient of one weight or bias of layer `l`, or its value after the update; none
    // where the layer has no such parameter (the file's check refuses it before).
    let parameter = |l: usize, parameter: Parameter, update: bool| -> Option<Answer> {
        let numbers = &step.layers[l - 1];
        let others = &other.layers[l - 1];
        let weights = numbers.grad_weights.len() * network.width(l as u32 - 1);
        // (parameter, its row's index, value, value with rounded numbers carried)
        let (parameter, index, value, rounded) = match parameter {
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
                (
                    Symbol::bias(l as u32, num(i + 1)),
                    weights + i,
                    value,
                    rounded,
                )
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
                let symbol = Symbol::weight(l as u32, num(i + 1), num(j + 1));
                (symbol, i * row.len() + j, value, rounded)
            }
        };
        let (lhs, chain) = if update {
            (
                Expr::Sym(parameter.clone()),
                derivation.update_chain(step, l as u32, index),
            )
        } else {
            (
                Expr::partial(Expr::Sym(Symbol::loss()), Expr::Sym(parameter.clone())),
                Some(derivation.gradient_chain(step, l as u32, index)),
            )
        };
        let (symbol, name) = if update {
            (
                format!(
                    "{}{}",
                    printer.symbol(&parameter),
                    texts.after_update_latex()
                ),
                format!("{}{}", printer.plain(&lhs), texts.after_update()),
            )
        } else {
            (printer.expr(&lhs), printer.plain(&lhs))
        };
        // The plain name joins a weight's indices (`w_2050`): with an index of two digits they
        // are written apart, as the sheet's w_{20,50} is.
        let name = match parameter.indices.as_slice() {
            [Index::Num(i), Index::Num(j)] if *i > 9 || *j > 9 => {
                name.replacen(&format!("w_{i}{j}^"), &format!("w_{i},{j}^"), 1)
            }
            _ => name,
        };
        Some(Answer {
            name,
            symbol,
            value,
            rounded,
            feedback: chain.as_ref().map(chain_rows).unwrap_or_default(),
        })
    };
    // Unit `unit` (from 0) of layer `l`'s a, z or delta in sample `n` (from 0), named by its
    // sample when there are several, with its row of the forward or backward pass.
    let unit_answer = |quantity: Quantity, l: usize, unit: usize, n: usize| -> Option<Answer> {
        let number = |layers: &[crate::derivation::LayerNumbers]| -> Option<Value> {
            let of = &layers[l - 1];
            let rows = match quantity {
                Quantity::Pre => &of.pre,
                Quantity::Out => &of.out,
                Quantity::Delta => &of.delta,
            };
            rows.get(n)?.get(unit).copied()
        };
        let (value, rounded) = (number(&step.layers)?, number(&other.layers)?);
        let sample = step.samples.get(n)?;
        let (l, i) = (l as u32, num(unit + 1));
        let symbol = match quantity {
            Quantity::Pre => Symbol::pre(l, i),
            Quantity::Out => Symbol::out(l, i),
            Quantity::Delta => Symbol::delta(l, i),
        }
        .at(sample.sample.map(Index::Num));
        let lhs = Expr::Sym(symbol.clone());
        let feedback = match quantity {
            Quantity::Delta => {
                let shown = find(&sample.deltas, &lhs);
                if shown.is_empty() {
                    find(sample.unshown_deltas.as_slice(), &lhs)
                } else {
                    shown
                }
            }
            _ => find(&sample.forward, &lhs),
        };
        let name = match sample.sample {
            Some(n) => format!("{}{}", printer.plain(&lhs), texts.of_sample(n)),
            None => printer.plain(&lhs),
        };
        Some(Answer {
            name,
            symbol: printer.symbol(&symbol),
            value,
            rounded,
            feedback,
        })
    };
    let samples = step.samples.len();
    let mut out = Vec::new();
    for ask in asks {
        match *ask {
            Ask::Loss => out.push(Answer {
                name: "E".into(),
                symbol: "E".into(),
                value: step.loss_value,
                rounded: other.loss_value,
                feedback: step
                    .total_loss
                    .as_ref()
                    .map_or_else(|| chain_rows(&step.samples[0].loss), chain_rows),
            }),
            Ask::Outputs => {
                for n in 0..samples {
                    for unit in 0..network.width(depth as u32) {
                        out.extend(unit_answer(Quantity::Out, depth, unit, n));
                    }
                }
            }
            Ask::Gradient { bias, layer } | Ask::Update { bias, layer } => {
                let update = matches!(ask, Ask::Update { .. });
                for l in layers(layer) {
                    let numbers = &step.layers[l - 1];
                    if bias {
                        for i in 0..numbers.grad_bias.as_ref().map_or(0, Vec::len) {
                            out.extend(parameter(l, Parameter::Bias { i: i as u32 + 1 }, update));
                        }
                    } else {
                        for (i, row) in numbers.grad_weights.iter().enumerate() {
                            for j in 0..row.len() {
                                let weight = Parameter::Weight {
                                    i: i as u32 + 1,
                                    j: j as u32 + 1,
                                };
                                out.extend(parameter(l, weight, update));
                            }
                        }
                    }
                }
            }
            Ask::Parameter {
                update,
                layer,
                parameter: p,
            } => out.extend(parameter(layer as usize, p, update)),
            Ask::Units { quantity, layer } => {
                let layers: Vec<usize> = match (layer, quantity) {
                    (Some(l), _) => vec![l as usize],
                    // Forward quantities in the forward order, deltas backward.
                    (None, Quantity::Delta) => (1..=depth).rev().collect(),
                    (None, _) => (1..=depth).collect(),
                };
                // Sample by sample, as the outputs are.
                for l in layers {
                    for n in 0..samples {
                        for unit in 0..network.width(l as u32) {
                            out.extend(unit_answer(quantity, l, unit, n));
                        }
                    }
                }
            }
            Ask::Unit {
                quantity,
                layer,
                unit,
            } => {
                for n in 0..samples {
                    out.extend(unit_answer(quantity, layer as usize, unit as usize - 1, n));
                }
            }
        }
    }
    // A number two asks name (`ask y` and `ask y2`, `ask grad W` and `ask grad w12 1`) is
    // asked once, where it is first asked.
    let mut seen = HashSet::new();
    out.retain(|a| seen.insert(a.symbol.clone()));
    // Every number is the first step's: with several, the question says so.
    if derivation.steps.len() > 1 {
        for answer in &mut out {
            answer.symbol.push_str(&texts.in_first_step_latex());
            answer.name.push_str(texts.in_first_step());
        }
    }
    out
}

/// A reason a draw is drawn again, and the layer it depends on up to (`None`: everything).
type Fault = (Option<u32>, DrawFault);

/// A hand-worker's objection to the input `a` of unit `j` (from 0) of layer `l` (from 1):
/// a saturated sigmoid or tanh, or a relu at its kink. `margin` widens the accepted band,
/// so that an estimate only refuses what the derivation would refuse too.
fn unit_fault(
    network: &Network,
    l: u32,
    j: usize,
    sample: usize,
    a: f64,
    margin: f64,
) -> Option<DrawFault> {
    let activation = &network.layer(l).activation;
    if activation.shape != Shape::Elementwise || activation.custom {
        return None;
    }
    let quantity = || {
        let sample = (network.samples() > 1).then_some(Index::Num(sample as u32 + 1));
        crate::latex::plain(&Expr::Sym(
            Symbol::pre(l, Index::Num(j as u32 + 1)).at(sample),
        ))
    };
    match activation.name.as_str() {
        "sigmoid" | "tanh" if a.abs() > SATURATION + margin => Some(DrawFault::Saturated {
            quantity: quantity(),
            activation: activation.name.clone(),
            value: a,
            limit: SATURATION,
        }),
        "relu" | "leaky_relu" if a.abs() < KINK - margin => Some(DrawFault::Kink {
            quantity: quantity(),
            activation: activation.name.clone(),
            value: a,
            limit: KINK,
        }),
        _ => None,
    }
}

/// The first step's forward pass in plain floats, as far as the built-in activations go: a
/// draw it finds saturated (by a clear margin) the derivation would refuse too, found in
/// microseconds instead of a derivation's milliseconds.
fn quick_fault(network: &Network) -> Option<Fault> {
    const MARGIN: f64 = 1e-6;
    let slope: f64 = crate::math::functions::LEAKY_SLOPE.parse().unwrap_or(0.01);
    for (n, x) in network.x.iter().enumerate() {
        let mut z: Vec<f64> = x.iter().map(Decimal::to_f64).collect();
        for (l, layer) in (1..).zip(&network.layers) {
            let pre: Vec<f64> = layer
                .weights
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let sum: f64 = row.iter().zip(&z).map(|(w, z)| w.to_f64() * z).sum();
                    sum + layer.bias.as_ref().map_or(0.0, |b| b[i].to_f64())
                })
                .collect();
            if let Some(fault) = pre
                .iter()
                .enumerate()
                .find_map(|(j, a)| unit_fault(network, l, j, n, *a, MARGIN))
            {
                return Some((Some(l), fault));
            }
            if layer.activation.custom {
                break;
            }
            let h: fn(f64, f64) -> f64 = match layer.activation.name.as_str() {
                "identity" => |a, _| a,
                "sigmoid" => |a, _| 1.0 / (1.0 + (-a).exp()),
                "tanh" => |a, _| a.tanh(),
                "relu" => |a, _| a.max(0.0),
                "leaky_relu" => |a, s| if a > 0.0 { a } else { s * a },
                "softplus" => |a, _| a.max(0.0) + (-a.abs()).exp().ln_1p(),
                _ => break,
            };
            z = pre.into_iter().map(|a| h(a, slope)).collect();
        }
    }
    None
}

/// Why a derived variant cannot be worked by hand: a saturated sigmoid or tanh, a relu input
/// at its kink, or an asked number that rounds to zero.
fn derived_fault(derivation: &Derivation, answers: &[Answer], digits: u32) -> Option<Fault> {
    let network = derivation.network;
    for step in &derivation.steps {
        for (l, numbers) in (1..).zip(&step.layers) {
            for (n, sample) in numbers.pre.iter().enumerate() {
                for (j, a) in sample.iter().enumerate() {
                    if let Some(fault) = unit_fault(network, l, j, n, a.f, 0.0) {
                        return Some(((step.number == 1).then_some(l), fault));
                    }
                }
            }
        }
    }
    let smallest = 10f64.powi(-(digits as i32));
    answers
        .iter()
        .find(|a| a.value.f.abs() < smallest)
        .map(|a| {
            (
                None,
                DrawFault::RoundsToZero {
                    name: a.name.clone(),
                    value: a.value.f,
                    digits,
                },
            )
        })
}

/// How many different draws the `vary` statements allow, when there are few enough to count.
/// Each value is drawn by the last `vary` that covers it.
fn space(network: &Network) -> Option<u64> {
    let varies = &network.exam.varies;
    let covers = |vary: &Vary, target: VaryTarget| match (vary.target, target) {
        (VaryTarget::Weights(None), VaryTarget::Weights(_))
        | (VaryTarget::Biases(None), VaryTarget::Biases(_)) => true,
        (a, b) => a == b,
    };
    let mut cells: Vec<(VaryTarget, usize)> = vec![
        (VaryTarget::Input, network.x.iter().map(Vec::len).sum()),
        (VaryTarget::Target, network.t.iter().map(Vec::len).sum()),
        (VaryTarget::Rate, usize::from(network.sgd.is_some())),
    ];
    for (l, layer) in (1..).zip(&network.layers) {
        cells.push((VaryTarget::Weights(Some(l)), layer.units() * layer.inputs()));
        cells.push((
            VaryTarget::Biases(Some(l)),
            layer.bias.as_ref().map_or(0, Vec::len),
        ));
    }
    let mut size: u64 = 1;
    for (target, count) in cells {
        let Some(vary) = varies.iter().rev().find(|v| covers(v, target)) else {
            continue;
        };
        let choices = vary.values.len() as u64;
        for _ in 0..count {
            size = size.checked_mul(choices).filter(|s| *s <= COUNTED_SPACE)?;
            if choices == 1 {
                break;
            }
        }
    }
    Some(size)
}

/// A fingerprint of a draw's values, to try each draw once.
fn fingerprint(network: &Network) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    network.x.hash(&mut hasher);
    network.t.hash(&mut hasher);
    network.sgd.map(|s| s.lr).hash(&mut hasher);
    for layer in &network.layers {
        layer.weights.hash(&mut hasher);
        layer.bias.hash(&mut hasher);
    }
    hasher.finish()
}

/// The `vary` statements a fault depends on: for a fault of layer `l` in the first step, those
/// that draw x or the weights and biases of layers 1 to l; for the targets, those that draw t;
/// otherwise all of them.
fn blamed<'n>(network: &'n Network, fault: &Fault) -> Vec<&'n Vary> {
    network
        .exam
        .varies
        .iter()
        .filter(|vary| match (fault, vary.target) {
            ((_, DrawFault::Targets(_)), target) => target == VaryTarget::Target,
            ((Some(_), _), VaryTarget::Input)
            | ((Some(_), _), VaryTarget::Weights(None))
            | ((Some(_), _), VaryTarget::Biases(None)) => true,
            ((Some(l), _), VaryTarget::Weights(Some(k)) | VaryTarget::Biases(Some(k))) => k <= *l,
            ((Some(_), _), _) => false,
            ((None, _), _) => true,
        })
        .collect()
}

/// Writes `network` as a `.nn` file (without its `vary` and `ask` statements).
pub fn to_nn(network: &Network) -> String {
    let vector = |v: &[Decimal]| {
        format!(
            "[{}]",
            v.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let matrix = |m: &[Vec<Decimal>]| {
        format!(
            "[{}]",
            m.iter()
                .map(|r| vector(r))
                .collect::<Vec<_>>()
                .join(",\n       ")
        )
    };
    let mut text = String::new();
    if let Some(title) = &network.title {
        text.push_str(&format!(
            "title \"{}\"\n",
            title.replace('\\', "\\\\").replace('"', "\\\"")
        ));
    }
    let mut defined: Vec<&str> = Vec::new();
    for layer in &network.layers {
        if let Some((param, formula)) = &layer.activation.source {
            if !defined.contains(&layer.activation.name.as_str()) {
                text.push_str(&format!(
                    "activation {}({param}) = {formula}\n",
                    layer.activation.name
                ));
                defined.push(&layer.activation.name);
            }
        }
    }
    let samples = |rows: &[Vec<Decimal>]| {
        if rows.len() == 1 {
            vector(&rows[0])
        } else {
            matrix(rows)
        }
    };
    text.push_str(&format!(
        "\ninput  x = {}\ntarget t = {}\n",
        samples(&network.x),
        samples(&network.t)
    ));
    for layer in &network.layers {
        text.push_str(&format!(
            "\nlayer {}\n  W = {}\n",
            layer.activation.name,
            matrix(&layer.weights)
        ));
        if let Some(b) = &layer.bias {
            text.push_str(&format!("  b = {}\n", vector(b)));
        }
    }
    match &network.loss.source {
        Some((y, t, formula)) => text.push_str(&format!("\nloss ({y}, {t}) = {formula}\n")),
        None => text.push_str(&format!("\nloss {}\n", network.loss.name)),
    }
    if let Some(sgd) = network.sgd {
        text.push_str(&format!("sgd lr = {}, steps = {}\n", sgd.lr, sgd.steps));
    }
    text
}

/// Escapes text for XML.
pub(crate) fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Wraps HTML in CDATA, splitting any `]]>` it contains.
pub(crate) fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// Everything one variant writes.
struct Variant {
    nn: String,
    json: String,
    question: String,
    answer: String,
    /// The answer key's table of the asked numbers.
    table: String,
    moodle: String,
    /// The Canvas items, and the drawing they show.
    canvas: String,
    svg: Option<String>,
    /// The drawn network, for the shared preamble.
    network: Network,
}

/// The reasons draws of one variant failed, to report the most common.
#[derive(Default)]
struct Faults(Vec<(usize, Fault)>);

impl Faults {
    fn add(&mut self, fault: Fault) {
        let same = |other: &Fault| {
            other.0 == fault.0
                && std::mem::discriminant(&other.1) == std::mem::discriminant(&fault.1)
        };
        match self.0.iter_mut().find(|(_, f)| same(f)) {
            Some((count, _)) => *count += 1,
            None => self.0.push((1, fault)),
        }
    }

    /// The most common fault (the first seen among equals).
    fn worst(self) -> Option<Fault> {
        let most = self.0.iter().map(|(count, _)| *count).max()?;
        self.0
            .into_iter()
            .find(|(count, _)| *count == most)
            .map(|(_, f)| f)
    }
}

fn make_variant(
    network: &Network,
    settings: &ExamSettings,
    tera: &render::Engine,
    number: usize,
    width: usize,
) -> Result<Variant, Error> {
    let label = format!("{number:0width$}");
    let space = space(network);
    let steps = network.sgd.map_or(1, |s| s.steps as usize);
    let cost = (network.parameters() * network.samples() * steps).max(1);
    let derivable = (WORK / cost).clamp(MIN_DERIVED, ATTEMPTS);
    let mut seen: HashSet<u64> = HashSet::new();
    let mut derived = 0;
    let mut faults = Faults::default();
    let questions = asks(network);
    let exhausted = |seen: &HashSet<u64>| space.is_some_and(|n| seen.len() as u64 >= n);
    let title = exam_title(network);
    for attempt in 0..ATTEMPTS {
        let mut rng = Rng::new(settings.seed, number, attempt);
        let mut drawn = draw(network, &mut rng);
        if !seen.insert(fingerprint(&drawn)) {
            if exhausted(&seen) {
                break;
            }
            continue;
        }
        drawn.title = Some(format!("{title} (variant {label})"));
        match attempt_variant(
            drawn,
            settings,
            tera,
            &label,
            &questions,
            &mut derived,
            &title,
        ) {
            Ok(Ok(variant)) => return Ok(variant),
            Ok(Err(fault)) => {
                // A fault of values no draw changes is every draw's.
                let fixed = blamed(network, &fault).iter().all(|v| v.values.len() == 1);
                if fixed && !exhausted(&seen) {
                    return Err(unworkable(network, number, Tried::Fixed, fault));
                }
                faults.add(fault);
            }
            Err(error) => {
                return Err(Error::InVariant {
                    variant: number,
                    error: Box::new(error),
                })
            }
        }
        if exhausted(&seen) || derived >= derivable {
            break;
        }
    }
    let tried = match space {
        Some(n) if seen.len() as u64 >= n => Tried::All(n),
        _ => Tried::Some(seen.len()),
    };
    let fault = faults.worst().unwrap_or((
        None,
        DrawFault::Numeric {
            message: "no draw was made".into(),
            rounded: false,
        },
    ));
    Err(unworkable(network, number, tried, fault))
}

/// The error of a variant no draw of which can be worked by hand, at the `vary` statements
/// its fault depends on.
fn unworkable(network: &Network, variant: usize, tried: Tried, fault: Fault) -> Error {
    let blamed = blamed(network, &fault);
    Error::Unworkable(Box::new(crate::error::Unworkable {
        variant,
        tried,
        fault: fault.1,
        varies: blamed.iter().map(|v| v.name.clone()).collect(),
        span: blamed.first().map(|v| v.span),
        also: blamed.iter().skip(1).map(|v| v.span).collect(),
    }))
}

/// One draw made into a variant, or the reason it must be drawn again; an error is final.
fn attempt_variant(
    drawn: Network,
    settings: &ExamSettings,
    tera: &render::Engine,
    label: &str,
    asks: &[Ask],
    derived: &mut usize,
    title: &str,
) -> Result<Result<Variant, Fault>, Error> {
    if let Some(place) =
        crate::check::target_fault(&drawn.loss, drawn.output_activation(), &drawn.t)
    {
        return Ok(Err((None, DrawFault::Targets(place.fault))));
    }
    if let Some(fault) = quick_fault(&drawn) {
        return Ok(Err(fault));
    }
    *derived += 1;
    let derive = |carry: Carry| -> Result<Result<Derivation, Fault>, Error> {
        match derivation::derive(
            &drawn,
            Options {
                carry,
                ..settings.options
            },
        ) {
            Ok(d) => Ok(Ok(d)),
            Err(e @ (Error::Numeric { .. } | Error::RoundedAway { .. })) => Ok(Err((
                None,
                DrawFault::Numeric {
                    message: e.to_string(),
                    rounded: carry == Carry::Rounded,
                },
            ))),
            Err(e) => Err(e),
        }
    };
    let exact = match derive(Carry::Exact)? {
        Ok(d) => d,
        Err(fault) => return Ok(Err(fault)),
    };
    // Saturation seen in the exact numbers spares the rounded derivation.
    if let Some(fault) = derived_fault(&exact, &[], settings.options.digits) {
        return Ok(Err(fault));
    }
    let rounded = match derive(Carry::Rounded)? {
        Ok(d) => d,
        Err(fault) => return Ok(Err(fault)),
    };
    let printer = Printer::new(drawn.depth(), settings.options.digits)
        .with_rounding(settings.options.rounding);
    let texts = text::Texts(settings.layout.lang);
    let answers = answers(&exact, &rounded, &printer, asks, texts);
    if let Some(fault) = derived_fault(&exact, &answers, settings.options.digits) {
        return Ok(Err(fault));
    }
    let key = match settings.options.carry {
        Carry::Exact => &exact,
        Carry::Rounded => &rounded,
    };
    let json = render::render(&exact, render::Format::Json, &settings.layout, None)?;
    let questions: Vec<serde_json::Value> = answers
        .iter()
        .map(|a| serde_json::json!({"symbol": a.symbol}))
        .collect();
    let mut extra = serde_json::Map::new();
    extra.insert("variant".into(), serde_json::json!(label));
    extra.insert("questions".into(), serde_json::Value::Array(questions));
    extra.insert("question".into(), serde_json::json!(true));
    let question =
        render::render_string(tera, &exact, &settings.layout, "question.tex.tera", extra)?;
    let mut answer = render::render_string(
        tera,
        key,
        &settings.layout,
        "body.tex.tera",
        serde_json::Map::new(),
    )?;
    answer.push_str("\n\\newpage\n");
    let digits = settings.options.digits;
    let asked: Vec<Asked> = answers
        .into_iter()
        .map(|a| {
            let shown = match settings.options.carry {
                Carry::Exact => a.value,
                Carry::Rounded => a.rounded,
            };
            Asked {
                graded: key::Graded::new(
                    shown,
                    a.value,
                    a.rounded,
                    digits,
                    settings.options.rounding,
                    settings.tolerance,
                ),
                name: a.name,
                symbol: a.symbol,
                feedback: a.feedback,
            }
        })
        .collect();
    let svg = settings.layout.diagram.then(|| network_svg(&drawn));
    let online = Online {
        label,
        digits,
        problem: problem(&exact, &printer, texts, svg),
        asked,
    };
    let moodle = moodle::variant(settings.moodle, title, &online, texts);
    let canvas = canvas::items(&online, texts);
    let table = key::table(&online, texts);
    let nn = to_nn(&drawn);
    drop((exact, rounded));
    Ok(Ok(Variant {
        nn,
        json,
        question,
        answer,
        table,
        moodle,
        canvas,
        svg: online.problem.svg,
        network: drawn,
    }))
}

/// One asked number as the online quizzes and the key's table give it.
pub(crate) struct Asked {
    /// Plain text (`dE/dw_12^(1)`).
    pub name: String,
    /// LaTeX.
    pub symbol: String,
    /// The worked rows, in `\[ \]`.
    pub feedback: String,
    pub graded: key::Graded,
}

/// A variant as the online quizzes ask it.
pub(crate) struct Online<'a> {
    pub label: &'a str,
    pub digits: u32,
    pub problem: Problem,
    pub asked: Vec<Asked>,
}

/// The problem of a variant in HTML with MathJax's `\( \)` and `\[ \]`: the network, its
/// weights and biases, the input, the target and the learning rate.
pub(crate) struct Problem {
    /// Everything after the opening sentence and the picture.
    rest: String,
    /// The drawing (none with `--no-diagram`).
    pub svg: Option<String>,
}

impl Problem {
    /// The whole problem: `intro`, the picture `img` (HTML), the rest.
    pub fn html(&self, intro: &str, img: Option<&str>) -> String {
        format!("<p>{intro}</p>{}{}", img.unwrap_or(""), self.rest)
    }
}

/// The title the exam's categories and quiz are named by.
fn exam_title(network: &Network) -> String {
    network
        .title
        .clone()
        .unwrap_or_else(|| "Backpropagation".into())
}

/// A matrix of the file's numbers as a LaTeX `bmatrix`.
fn bmatrix(rows: &[Vec<Decimal>]) -> String {
    let rows: Vec<String> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(Decimal::to_string)
                .collect::<Vec<_>>()
                .join(" & ")
        })
        .collect();
    format!("\\begin{{bmatrix}}{}\\end{{bmatrix}}", rows.join("\\\\"))
}

/// A column vector.
fn column(values: &[Decimal]) -> String {
    let rows: Vec<Vec<Decimal>> = values.iter().map(|v| vec![*v]).collect();
    bmatrix(&rows)
}

fn problem(
    derivation: &Derivation,
    printer: &Printer,
    texts: text::Texts,
    svg: Option<String>,
) -> Problem {
    let network = derivation.network;
    let mut rest = String::new();
    let sentences: Vec<String> = (1..)
        .zip(&network.layers)
        .map(|(l, layer)| texts.layer(l, &xml(&layer.activation.name)))
        .collect();
    rest.push_str(&format!("<p>{}</p>", sentences.join(" ")));
    if let Some(loss) = derivation.loss.first() {
        let formula = match loss.rows.first() {
            Some(row) => format!("{}={}", printer.expr(&loss.lhs), printer.expr(&row.expr)),
            None => printer.expr(&loss.lhs),
        };
        rest.push_str(&format!("<p>{}</p>", texts.loss(&xml(&formula))));
    }
    for (l, layer) in (1..).zip(&network.layers) {
        let bias = layer.bias.as_ref().map_or(String::new(), |b| {
            format!(",\\qquad b^{{({l})}}={}", column(b))
        });
        rest.push_str(&format!(
            "<p>\\[W^{{({l})}}={}{bias}\\]</p>",
            bmatrix(&layer.weights)
        ));
    }
    let several = network.samples() > 1;
    for (n, (x, t)) in network.x.iter().zip(&network.t).enumerate() {
        let sub = if several {
            format!("_{{{}}}", n + 1)
        } else {
            String::new()
        };
        rest.push_str(&format!(
            "<p>\\[\\mathbf{{x}}{sub}={},\\qquad \\mathbf{{t}}{sub}={}\\]</p>",
            column(x),
            column(t)
        ));
    }
    if let Some(sgd) = network.sgd {
        rest.push_str(&format!("<p>{}</p>", texts.rate(&sgd.lr.to_string())));
    }
    Problem { rest, svg }
}

fn write_error(path: &Path, e: std::io::Error) -> Error {
    Error::Write {
        path: path.display().to_string(),
        source: e,
    }
}

/// The error of a failed write to `path`, for `map_err`.
fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| write_error(path, e)
}

/// Whether `name` is one of the files an exam bundle holds, or one LaTeX makes from them
/// (`questions.pdf`, `answers.aux`, …): only a directory of these is replaced by `--force`.
fn in_bundle(name: &str) -> bool {
    let variant = name.strip_prefix("variant-").and_then(|rest| {
        rest.strip_suffix(".nn")
            .or_else(|| rest.strip_suffix(".json"))
    });
    // Only what LaTeX (pdflatex, lualatex, latexmk, SyncTeX) makes from a sheet: a teacher's
    // `questions.nn` or `answers-edited.tex` beside it is theirs, not the bundle's.
    const LATEX_MADE: &[&str] = &[
        "tex",
        "pdf",
        "aux",
        "log",
        "out",
        "toc",
        "lof",
        "lot",
        "dvi",
        "xdv",
        "fls",
        "fdb_latexmk",
        "synctex",
        "synctex.gz",
        "synctex(busy)",
        "synctex.gz(busy)",
        "nav",
        "snm",
        "vrb",
        "bbl",
        "blg",
        "bcf",
        "run.xml",
    ];
    let sheet = name
        .strip_prefix("questions.")
        .or_else(|| name.strip_prefix("answers."));
    name == "moodle.xml"
        || name == CANVAS
        || sheet.is_some_and(|extension| LATEX_MADE.contains(&extension))
        || variant.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The first entry of `dir` that is not one of an exam bundle's files, if any.
fn foreign_entry(dir: &Path) -> std::io::Result<Option<String>> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() || !in_bundle(&name) {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

/// Removes a previous bundle moved aside: its bundle files, then the directory. Anything else
/// found in it (written there while the exam was made) stays, with the directory, and is named.
fn remove_previous(dir: &Path) -> std::io::Result<()> {
    let mut kept = None;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // As `foreign_entry` judged it: any bundle name but a directory's (a link goes, not
        // what it points to).
        if !entry.file_type()?.is_dir() && in_bundle(&name) {
            std::fs::remove_file(entry.path())?;
        } else {
            kept.get_or_insert(name);
        }
    }
    match kept {
        Some(name) => Err(std::io::Error::other(format!(
            "`{name}` appeared in it while the exam was made, so it is kept there"
        ))),
        None => std::fs::remove_dir(dir),
    }
}

/// What is at the destination before the bundle is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    Nothing,
    Empty,
    /// A previous bundle, to replace (`--force`).
    Bundle,
}

/// The destination directory, checked before anything is derived or written.
struct Destination {
    /// Where the bundle goes (a symbolic link resolved).
    dir: PathBuf,
    /// The directory beside it, where it is built.
    parent: PathBuf,
    /// Its last component, to name the directories built beside it.
    base: String,
    found: Found,
    /// The permissions of the directory that is there, for the one that replaces it.
    permissions: Option<std::fs::Permissions>,
}

impl Destination {
    fn check(out: &Path, force: bool) -> Result<Destination, Error> {
        let refuse = |refusal| Error::ExamDir {
            path: out.display().to_string(),
            refusal,
        };
        let (dir, found, permissions) = match std::fs::metadata(out) {
            Ok(meta) if !meta.is_dir() => return Err(refuse(DirRefusal::NotADirectory)),
            Ok(meta) => {
                let dir = std::fs::canonicalize(out).map_err(io(out))?;
                let mut entries = std::fs::read_dir(&dir).map_err(io(out))?;
                let found = match entries.next() {
                    None => Found::Empty,
                    Some(_) if !force => return Err(refuse(DirRefusal::NotEmpty)),
                    Some(_) => {
                        if let Some(entry) = foreign_entry(&dir).map_err(io(out))? {
                            return Err(refuse(DirRefusal::Foreign { entry }));
                        }
                        Found::Bundle
                    }
                };
                (dir, found, Some(meta.permissions()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                (out.to_path_buf(), Found::Nothing, None)
            }
            Err(e) => return Err(write_error(out, e)),
        };
        let base = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| refuse(DirRefusal::NoParent))?;
        let parent = match dir.parent() {
            Some(p) if p.as_os_str().is_empty() => PathBuf::from("."),
            Some(p) => p.to_path_buf(),
            None => return Err(refuse(DirRefusal::NoParent)),
        };
        Ok(Destination {
            dir,
            parent,
            base,
            found,
            permissions,
        })
    }

    /// A new empty directory beside the destination, named after it and `what`.
    fn sibling(&self, what: &str) -> Result<PathBuf, Error> {
        std::fs::create_dir_all(&self.parent).map_err(io(&self.parent))?;
        for n in 0..1000 {
            let path =
                self.parent
                    .join(format!(".{}.{what}-{}-{n}", self.base, std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(write_error(&path, e)),
            }
        }
        Err(write_error(
            &self.parent,
            std::io::Error::other("no free name for a temporary directory"),
        ))
    }

    /// Moves the finished bundle in `staging` into place: renamed onto a missing or empty
    /// destination; a previous bundle is renamed aside first, put back if the new one cannot
    /// take its place, and removed once it has.
    fn commit(&self, staging: &mut Staging, shown: &Path) -> Result<(), Error> {
        if let Some(permissions) = &self.permissions {
            std::fs::set_permissions(&staging.path, permissions.clone()).map_err(io(shown))?;
        }
        let sync_parent = || {
            // Makes the renames durable; a file system that cannot sync a directory is no error.
            let _ = File::open(&self.parent).and_then(|d| d.sync_all());
        };
        if self.found != Found::Bundle {
            match std::fs::rename(&staging.path, &self.dir) {
                Ok(()) => staging.done = true,
                // An empty directory that cannot be replaced (a mount point): filled instead.
                Err(_) if self.found == Found::Empty => self.fill(staging, shown)?,
                Err(e) => return Err(write_error(shown, e)),
            }
            sync_parent();
            return Ok(());
        }
        // Looked at again: the exam may have taken minutes, and what appeared meanwhile (a
        // teacher's notes) is not the bundle's.
        if let Some(entry) = foreign_entry(&self.dir).map_err(io(shown))? {
            return Err(Error::ExamDir {
                path: shown.display().to_string(),
                refusal: DirRefusal::Foreign { entry },
            });
        }
        let mut aside = Staging::new(self.sibling("old")?);
        std::fs::rename(&self.dir, &aside.path).map_err(io(shown))?;
        // From here only the bundle's files are removed from it (`remove_previous`): a
        // program whose current directory was the old one may still write into it.
        aside.done = true;
        if let Err(e) = std::fs::rename(&staging.path, &self.dir) {
            return match std::fs::rename(&aside.path, &self.dir) {
                Ok(()) => Err(write_error(shown, e)),
                Err(back) => Err(Error::WriteMessage {
                    path: shown.display().to_string(),
                    message: format!(
                        "{e}; the previous bundle is kept in {} ({back})",
                        aside.path.display()
                    ),
                }),
            };
        }
        staging.done = true;
        sync_parent();
        remove_previous(&aside.path).map_err(|e| Error::WriteMessage {
            path: shown.display().to_string(),
            message: format!(
                "the new exam is in place, but the previous bundle, moved to {}, was not \
                 removed: {e}",
                aside.path.display()
            ),
        })
    }
}

impl Destination {
    /// Moves every file of `staging` into the empty destination; on a failure, moves back
    /// those already moved, so that it is empty again.
    fn fill(&self, staging: &Staging, shown: &Path) -> Result<(), Error> {
        let mut moved: Vec<std::ffi::OsString> = Vec::new();
        let result = (|| -> std::io::Result<()> {
            for entry in std::fs::read_dir(&staging.path)? {
                let name = entry?.file_name();
                std::fs::rename(staging.path.join(&name), self.dir.join(&name))?;
                moved.push(name);
            }
            File::open(&self.dir)?.sync_all()
        })();
        result.map_err(|e| {
            for name in &moved {
                let _ = std::fs::rename(self.dir.join(name), staging.path.join(name));
            }
            write_error(shown, e)
        })
    }
}

/// A directory beside the destination, removed with everything in it unless `done`.
struct Staging {
    path: PathBuf,
    done: bool,
}

impl Staging {
    fn new(path: PathBuf) -> Staging {
        Staging { path, done: false }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A file of the bundle: written in `staging`, named in messages by its final path.
struct Out {
    shown: PathBuf,
    writer: BufWriter<File>,
}

impl Out {
    fn create(staging: &Path, shown_dir: &Path, name: &str) -> Result<Out, Error> {
        let shown = shown_dir.join(name);
        let file = File::create(staging.join(name)).map_err(io(&shown))?;
        Ok(Out {
            shown,
            writer: BufWriter::with_capacity(1 << 16, file),
        })
    }

    fn write(&mut self, text: &str) -> Result<(), Error> {
        self.writer
            .write_all(text.as_bytes())
            .map_err(io(&self.shown))
    }

    /// Appends the file at `path` (named `shown` in messages), then removes it.
    fn append(&mut self, path: &Path, shown: &Path) -> Result<(), Error> {
        let mut file = File::open(path).map_err(io(shown))?;
        std::io::copy(&mut file, &mut self.writer).map_err(io(&self.shown))?;
        std::fs::remove_file(path).map_err(io(shown))
    }

    /// Flushes and syncs the file: on disk before the bundle takes its name.
    fn finish(self) -> Result<PathBuf, Error> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| write_error(&self.shown, e.into_error()))?;
        file.sync_all().map_err(io(&self.shown))?;
        Ok(self.shown)
    }
}

/// Writes the exam's files into `settings.out`; returns the paths written.
///
/// Everything is written, flushed and synced in a directory beside `settings.out`, which is
/// renamed into place only then; on any failure it is removed and `settings.out` is as it was.
pub fn write_exam(network: &Network, settings: &ExamSettings) -> Result<Vec<PathBuf>, Error> {
    if network.exam.varies.is_empty() {
        return Err(Error::NothingVaries);
    }
    let shown = &settings.out;
    let destination = Destination::check(shown, settings.force)?;
    let tera = render::engine(settings.templates.as_deref())?;
    let width = settings.variants.to_string().len().max(2);

    // The shared preamble, from the first variant's look (the same for all).
    let first = make_variant(network, settings, &tera, 1, width)?;
    let preamble = {
        let derivation = derivation::derive(&first.network, settings.options)?;
        render::render_string(
            &tera,
            &derivation,
            &settings.layout,
            "preamble.tex.tera",
            serde_json::Map::new(),
        )?
    };

    let mut staging = Staging::new(destination.sibling("exam")?);
    let dir = staging.path.clone();
    let texts = text::Texts(settings.layout.lang);
    let title = exam_title(network);
    let mut questions = Out::create(&dir, shown, "questions.tex")?;
    let mut answers = Out::create(&dir, shown, "answers.tex")?;
    // The derivations follow every variant's table: held beside the key until the end.
    let mut derivations = Out::create(&dir, shown, DERIVATIONS)?;
    let mut moodle = Out::create(&dir, shown, "moodle.xml")?;
    let zip_shown = shown.join(CANVAS);
    let mut canvas = canvas::Package::create(&dir.join(CANVAS), &dir.join(ASSESSMENT), &title)
        .map_err(io(&zip_shown))?;
    questions.write(&format!("{preamble}\n\\begin{{document}}\n"))?;
    answers.write(&format!(
        "{preamble}\n\\begin{{document}}\n\\section*{{{}}}\n{}\n\n{}\n",
        texts.key_title(),
        texts.carry_note(settings.options.carry == Carry::Rounded),
        texts.table_note(settings.tolerance, settings.options.digits)
    ))?;
    derivations.write("\\newpage\n")?;
    moodle.write(moodle::header())?;
    if settings.moodle == MoodleKind::Cloze {
        moodle.write(&moodle::cloze_category(&title))?;
    }

    let mut variant_files: Vec<String> = Vec::with_capacity(2 * settings.variants);
    let mut write_variant = |number: usize, v: Variant| -> Result<(), Error> {
        let label = format!("{number:0width$}");
        for (name, text) in [
            (format!("variant-{label}.nn"), &v.nn),
            (format!("variant-{label}.json"), &v.json),
        ] {
            std::fs::write(dir.join(&name), text).map_err(io(&shown.join(&name)))?;
            variant_files.push(name);
        }
        questions.write(&v.question)?;
        answers.write(&v.table)?;
        derivations.write(&v.answer)?;
        moodle.write(&v.moodle)?;
        canvas
            .add(&label, &v.canvas, v.svg.as_deref())
            .map_err(io(&zip_shown))
    };
    write_variant(1, first)?;
    let mut next = 2;
    while next <= settings.variants {
        let end = (next + BATCH).min(settings.variants + 1);
        let batch: Vec<Result<Variant, Error>> = (next..end)
            .into_par_iter()
            .map(|number| make_variant(network, settings, &tera, number, width))
            .collect();
        for (offset, variant) in batch.into_iter().enumerate() {
            write_variant(next + offset, variant?)?;
        }
        next = end;
    }
    questions.write("\\end{document}\n")?;
    derivations.write("\\end{document}\n")?;
    let derivations = derivations.finish()?;
    answers.append(&dir.join(DERIVATIONS), &derivations)?;
    moodle.write(moodle::footer())?;
    canvas.finish().map_err(io(&zip_shown))?;
    let mut written = vec![
        questions.finish()?,
        answers.finish()?,
        moodle.finish()?,
        zip_shown,
    ];
    // The variants' files, synced together (the file system batches them).
    variant_files
        .par_iter()
        .map(|name| {
            File::open(dir.join(name))
                .and_then(|f| f.sync_all())
                .map_err(io(&shown.join(name)))
        })
        .collect::<Result<(), Error>>()?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io(shown))?;
    destination.commit(&mut staging, shown)?;
    written.extend(variant_files.iter().map(|name| shown.join(name)));
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_fixed() {
        let mut a = Rng::new(7, 3, 0);
        let mut b = Rng::new(7, 3, 0);
        let mut c = Rng::new(7, 4, 0);
        let (x, y, z) = (a.next(), b.next(), c.next());
        assert_eq!(x, y);
        assert_ne!(x, z);
    }

    #[test]
    fn cdata_cannot_be_closed_early() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
    }

    fn network(text: &str) -> Network {
        crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap()
    }

    #[test]
    fn only_what_an_exam_writes_belongs_to_a_bundle() {
        for name in [
            "questions.tex",
            "questions.pdf",
            "answers.synctex.gz",
            "answers.fdb_latexmk",
            "questions.aux",
            "moodle.xml",
            "canvas-qti.zip",
            "variant-07.nn",
            "variant-1000.json",
        ] {
            assert!(in_bundle(name), "{name}");
        }
        for name in [
            "notes.txt",
            "questions",
            "questions.nn",
            "questions.mine.tex",
            "questions.tex~",
            "questions.tex.bak",
            "answers.",
            "answers.docx",
            "moodle.xml~",
            "canvas-qti.zip.part",
            "variant-.nn",
            "variant-07.tex",
            "variant-x1.json",
            ".git",
        ] {
            assert!(!in_bundle(name), "{name}");
        }
    }

    #[test]
    fn a_previous_bundle_is_removed_but_never_what_appeared_in_it() {
        let parent = tempfile::tempdir().unwrap();
        let old = parent.path().join("old");
        std::fs::create_dir(&old).unwrap();
        std::fs::write(old.join("questions.tex"), "old").unwrap();
        std::fs::write(old.join("variant-01.nn"), "old").unwrap();
        let target = parent.path().join("kept.log");
        std::fs::write(&target, "not the bundle's").unwrap();
        std::os::unix::fs::symlink(&target, old.join("answers.log")).unwrap();
        remove_previous(&old).unwrap();
        assert!(target.exists());
        assert!(!old.exists());
        // A file written into the old directory after it was checked (by an editor whose
        // current directory it was) stays, and so does the directory holding it.
        std::fs::create_dir(&old).unwrap();
        std::fs::write(old.join("questions.tex"), "old").unwrap();
        std::fs::write(old.join("notes.txt"), "mine").unwrap();
        std::fs::create_dir(old.join("figures")).unwrap();
        let message = remove_previous(&old).unwrap_err().to_string();
        assert!(
            message.contains("`notes.txt`") || message.contains("`figures`"),
            "{message}"
        );
        assert_eq!(
            std::fs::read_to_string(old.join("notes.txt")).unwrap(),
            "mine"
        );
        assert!(old.join("figures").is_dir());
        assert!(!old.join("questions.tex").exists());
        assert!(foreign_entry(&old).unwrap().is_some());
    }

    #[test]
    fn the_space_counts_the_last_vary_of_each_value() {
        let base =
            "input x = [1, 2]\ntarget t = [0]\nlayer identity W = [[1, 1]]\nloss sum_squared\n";
        let space_of = |varies: &str| space(&network(&format!("{base}{varies}")));
        assert_eq!(space_of("vary W in {1, 2, 3}\n"), Some(9));
        assert_eq!(
            space_of("vary W in {1, 2, 3}\nvary x in {1, 2}\n"),
            Some(36)
        );
        // W1 overrides W: one choice for each weight.
        assert_eq!(space_of("vary W in {1, 2, 3}\nvary W1 in {5}\n"), Some(1));
        assert_eq!(space_of("vary x in [0, 100] step 0.01\n"), None);
    }

    #[test]
    fn the_quick_forward_pass_refuses_only_what_the_derivation_refuses() {
        let text = include_str!("../../../examples/exam.nn").replace(
            "vary W1 in [-0.5, 0.5] step 0.1",
            "vary W1 in [-2, 2] step 0.1\nvary x in {-1, 0.02, 1, 3}",
        );
        let network = network(&text);
        let mut refused = 0;
        for variant in 0..400 {
            let drawn = draw(&network, &mut Rng::new(1, variant, 0));
            if quick_fault(&drawn).is_some() {
                refused += 1;
                let exact = derivation::derive(&drawn, Options::default()).unwrap();
                assert!(derived_fault(&exact, &[], 4).is_some(), "variant {variant}");
            }
        }
        assert!(refused > 40, "only {refused} draws refused");
    }

    #[test]
    fn a_variant_file_reads_back_the_same() {
        let text = include_str!("../../../examples/custom.nn");
        let network = crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap();
        let again =
            crate::check::check(&crate::syntax::parser::parse(&to_nn(&network)).unwrap()).unwrap();
        assert_eq!(to_nn(&again), to_nn(&network));
        assert_eq!(again.layers[0].weights, network.layers[0].weights);
    }
}
