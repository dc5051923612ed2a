//! `backprop-tex exam`: one `.nn` file, N different versions of the problem — a question sheet,
//! a worked answer key, a Moodle quiz, and each variant's own file and numbers.
//!
//! Every variant is drawn from its own random stream (seed and variant number), so the output
//! does not depend on how variants are spread over threads: the same seed gives byte-identical
//! files. Variants are derived in parallel a batch at a time and written in order, so memory
//! stays flat however many variants are asked for.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::derivation::{self, Carry, Derivation, Options};
use crate::error::Error;
use crate::functions::Shape;
use crate::latex::Printer;
use crate::model::{Ask, Limits, Network, VaryTarget};
use crate::number::{Decimal, Value};
use crate::random::SplitMix64;
use crate::render::{self, Layout};

/// What `exam` was asked for.
#[derive(Clone, Debug)]
pub struct ExamSettings {
    pub variants: usize,
    pub seed: u64,
    pub out: PathBuf,
    pub options: Options,
    pub layout: Layout,
    pub templates: Option<PathBuf>,
    pub limits: Limits,
}

/// How many draws a variant may take before the file is declared unworkable.
const ATTEMPTS: usize = 1000;
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
struct Answer {
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
) -> Vec<Answer> {
    use crate::expr::{Expr, Index, Kind, Symbol};
    let network = derivation.network;
    let step = &derivation.steps[0];
    let other = &rounded.steps[0];
    let depth = network.depth() as usize;
    let chain_rows = |chain: &crate::derivation::Chain| -> String {
        let rows: Vec<String> = chain
            .rows
            .iter()
            .map(|row| format!("{}{}", printer.relation(row), printer.expr(&row.expr)))
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
                for (n, sample) in step.samples.iter().enumerate() {
                    for (k, y) in step.layers[depth - 1].out[n].iter().enumerate() {
                        let symbol =
                            Symbol::out(depth as u32, num(k + 1)).at(sample.sample.map(Index::Num));
                        let lhs = Expr::Sym(symbol.clone());
                        out.push(Answer {
                            name: crate::latex::plain(&lhs),
                            symbol: printer.symbol(&symbol),
                            value: *y,
                            rounded: other.layers[depth - 1].out[n][k],
                            feedback: find(&sample.forward, &lhs),
                        });
                    }
                }
            }
            Ask::Gradient { bias, layer } | Ask::Update { bias, layer } => {
                let update = matches!(ask, Ask::Update { .. });
                for l in layers(layer) {
                    let numbers = &step.layers[l - 1];
                    let others = &other.layers[l - 1];
                    // (parameter, its row's index, value, value with rounded numbers carried)
                    let mut cells: Vec<(Symbol, usize, Value, Value)> = Vec::new();
                    let weights = numbers.grad_weights.len() * network.width(l as u32 - 1);
                    if bias {
                        for (i, v) in numbers.grad_bias.iter().flatten().enumerate() {
                            let parameter = Symbol::bias(l as u32, num(i + 1));
                            let (value, rounded) = if update {
                                (
                                    numbers.bias_after.as_ref().map_or(*v, |b| b[i]),
                                    others.bias_after.as_ref().map_or(*v, |b| b[i]),
                                )
                            } else {
                                (*v, others.grad_bias.as_ref().map_or(*v, |b| b[i]))
                            };
                            cells.push((parameter, weights + i, value, rounded));
                        }
                    } else {
                        for (i, row) in numbers.grad_weights.iter().enumerate() {
                            for (j, v) in row.iter().enumerate() {
                                let parameter = Symbol::weight(l as u32, num(i + 1), num(j + 1));
                                let (value, rounded) = if update {
                                    (
                                        numbers.weights_after.as_ref().map_or(*v, |w| w[i][j]),
                                        others.weights_after.as_ref().map_or(*v, |w| w[i][j]),
                                    )
                                } else {
                                    (*v, others.grad_weights[i][j])
                                };
                                cells.push((parameter, i * row.len() + j, value, rounded));
                            }
                        }
                    }
                    for (parameter, index, value, rounded) in cells {
                        let (lhs, chain) = if update {
                            (
                                Expr::Sym(parameter.clone()),
                                derivation.update_chain(step, l as u32, index),
                            )
                        } else {
                            (
                                Expr::partial(
                                    Expr::Sym(Symbol::loss()),
                                    Expr::Sym(parameter.clone()),
                                ),
                                Some(derivation.gradient_chain(step, l as u32, index)),
                            )
                        };
                        let symbol = if update {
                            format!("{}\\text{{ after the update}}", printer.symbol(&parameter))
                        } else {
                            printer.expr(&lhs)
                        };
                        let name = match parameter.kind {
                            Kind::Weight | Kind::Bias if update => {
                                format!("{} after the update", crate::latex::plain(&lhs))
                            }
                            _ => crate::latex::plain(&lhs),
                        };
                        out.push(Answer {
                            name,
                            symbol,
                            value,
                            rounded,
                            feedback: chain.as_ref().map(chain_rows).unwrap_or_default(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Whether a drawn variant can be worked by hand: no saturated sigmoid or tanh, no relu input
/// at its kink, no asked number that rounds to zero.
fn workable(derivation: &Derivation, answers: &[Answer], digits: u32) -> bool {
    let network = derivation.network;
    for step in &derivation.steps {
        for (layer, numbers) in network.layers.iter().zip(&step.layers) {
            if layer.activation.shape != Shape::Elementwise || layer.activation.custom {
                continue;
            }
            let inputs = numbers.pre.iter().flatten().map(|v| v.f.abs());
            match layer.activation.name.as_str() {
                "sigmoid" | "tanh" if inputs.clone().any(|a| a > SATURATION) => return false,
                "relu" | "leaky_relu" if inputs.clone().any(|a| a < KINK) => return false,
                _ => {}
            }
        }
    }
    let smallest = 10f64.powi(-(digits as i32));
    answers.iter().all(|a| a.value.f.abs() >= smallest)
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
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Wraps HTML in CDATA, splitting any `]]>` it contains.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// Everything one variant writes.
struct Variant {
    nn: String,
    json: String,
    question: String,
    answer: String,
    moodle: String,
}

fn make_variant(
    network: &Network,
    settings: &ExamSettings,
    tera: &render::Engine,
    number: usize,
    width: usize,
) -> Result<Variant, Error> {
    let label = format!("{number:0width$}");
    for attempt in 0..ATTEMPTS {
        let mut rng = Rng::new(settings.seed, number, attempt);
        let mut drawn = draw(network, &mut rng);
        let title = network
            .title
            .clone()
            .unwrap_or_else(|| "Backpropagation".into());
        drawn.title = Some(format!("{title} (variant {label})"));
        // The variant's own file, read back: its numbers are exactly what `derive` makes of it.
        let nn = to_nn(&drawn);
        let reread =
            crate::check::check_with_limits(&crate::parser::parse(&nn)?, &settings.limits)?;
        let exact = derivation::derive(
            &reread,
            Options {
                carry: Carry::Exact,
                ..settings.options
            },
        )?;
        let rounded = derivation::derive(
            &reread,
            Options {
                carry: Carry::Rounded,
                ..settings.options
            },
        )?;
        let printer = Printer::new(reread.depth(), settings.options.digits);
        let answers = answers(&exact, &rounded, &printer, &asks(network));
        if !workable(&exact, &answers, settings.options.digits) {
            continue;
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
        let mut moodle = String::new();
        for (n, a) in answers.iter().enumerate() {
            let shown = Value::approx(a.value.f);
            // Wide enough for both ways of working: the difference between exact and rounded
            // carrying, plus a unit in the last shown digit.
            let unit = 10f64.powi(
                crate::number::Shown::new(shown, settings.options.digits).exponent
                    - settings.options.digits as i32
                    + 1,
            );
            let tolerance = ((a.value.f - a.rounded.f).abs() * 1.5).max(unit);
            moodle.push_str(&format!(
                "  <question type=\"numerical\">\n    <name><text>{}</text></name>\n    <questiontext format=\"html\"><text>{}</text></questiontext>\n    <generalfeedback format=\"html\"><text>{}</text></generalfeedback>\n    <defaultgrade>1</defaultgrade>\n    <answer fraction=\"100\"><text>{}</text><tolerance>{}</tolerance><feedback><text></text></feedback></answer>\n  </question>\n",
                xml(&format!("Variant {label} question {}: {}", n + 1, a.name)),
                cdata(&format!("<p>Variant {label}: compute \\({}\\) to {} significant digits.</p>", a.symbol, settings.options.digits)),
                cdata(&a.feedback),
                a.value.f,
                tolerance,
            ));
        }
        return Ok(Variant {
            nn,
            json,
            question,
            answer,
            moodle,
        });
    }
    Err(Error::Value {
        message: format!(
            "variant {number}: no draw in {ATTEMPTS} attempts can be worked by hand \
             (a sigmoid or tanh input beyond ±{SATURATION}, a relu input within {KINK} of 0, or an asked number that rounds to 0); widen the `vary` ranges"
        ),
        span: crate::error::Span::default(),
    })
}

fn write_error(path: &Path, e: std::io::Error) -> Error {
    Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The error of a failed write to `path`, for `map_err`.
fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| write_error(path, e)
}

/// Writes the exam's files into `settings.out`; returns the paths written.
pub fn write_exam(network: &Network, settings: &ExamSettings) -> Result<Vec<PathBuf>, Error> {
    if network.exam.varies.is_empty() {
        return Err(Error::Missing {
            what: "`vary` statement, so every variant would be the same (such as `vary W in [-1, 1] step 0.1`)",
            span: crate::error::Span::default(),
        });
    }
    let dir = &settings.out;
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
    let tera = render::engine(settings.templates.as_deref())?;
    let width = settings.variants.to_string().len().max(2);

    // The shared preamble, from the first variant's look (the same for all).
    let first = make_variant(network, settings, &tera, 1, width)?;
    let reread = crate::check::check(&crate::parser::parse(&first.nn)?)?;
    let layout_derivation = derivation::derive(&reread, settings.options)?;
    let preamble = render::render_string(
        &tera,
        &layout_derivation,
        &settings.layout,
        "preamble.tex.tera",
        serde_json::Map::new(),
    )?;

    let open = |name: &str| -> Result<(PathBuf, BufWriter<File>), Error> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|e| write_error(&path, e))?;
        Ok((path, BufWriter::new(file)))
    };
    let (questions_path, mut questions) = open("questions.tex")?;
    let (answers_path, mut answers) = open("answers.tex")?;
    let (moodle_path, mut moodle) = open("moodle.xml")?;
    let mut written = vec![
        questions_path.clone(),
        answers_path.clone(),
        moodle_path.clone(),
    ];
    write!(questions, "{preamble}\n\\begin{{document}}\n").map_err(io(&questions_path))?;
    let carry_note = match settings.options.carry {
        Carry::Exact => "Values are carried at full precision from row to row; only the shown values are rounded.",
        Carry::Rounded => "Each value is carried into the next row rounded, as shown, as when working by hand.",
    };
    write!(
        answers,
        "{preamble}\n\\begin{{document}}\n\\section*{{Answer key}}\n{carry_note}\n\\newpage\n"
    )
    .map_err(io(&answers_path))?;
    writeln!(moodle, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>")
        .map_err(io(&moodle_path))?;

    let mut write_variant = |number: usize, v: Variant| -> Result<(), Error> {
        let label = format!("{number:0width$}");
        for (name, text) in [
            (format!("variant-{label}.nn"), &v.nn),
            (format!("variant-{label}.json"), &v.json),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| write_error(&path, e))?;
            written.push(path);
        }
        questions
            .write_all(v.question.as_bytes())
            .map_err(io(&questions_path))?;
        answers
            .write_all(v.answer.as_bytes())
            .map_err(io(&answers_path))?;
        moodle
            .write_all(v.moodle.as_bytes())
            .map_err(io(&moodle_path))?;
        Ok(())
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
    writeln!(questions, "\\end{{document}}").map_err(io(&questions_path))?;
    writeln!(answers, "\\end{{document}}").map_err(io(&answers_path))?;
    writeln!(moodle, "</quiz>").map_err(io(&moodle_path))?;
    for (path, writer) in [
        (&questions_path, &mut questions),
        (&answers_path, &mut answers),
        (&moodle_path, &mut moodle),
    ] {
        writer.flush().map_err(io(path))?;
    }
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

    #[test]
    fn a_variant_file_reads_back_the_same() {
        let text = include_str!("../examples/custom.nn");
        let network = crate::check::check(&crate::parser::parse(text).unwrap()).unwrap();
        let again = crate::check::check(&crate::parser::parse(&to_nn(&network)).unwrap()).unwrap();
        assert_eq!(to_nn(&again), to_nn(&network));
        assert_eq!(again.layers[0].weights, network.layers[0].weights);
    }
}
