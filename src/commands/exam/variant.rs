//! One variant made: a workable draw derived, exactly and with rounded values carried, and
//! written as every file of the bundle has it (question, answer, key table, quizzes, `.nn`).

use super::asks::{answers, Answer};
use super::faults::{derived_fault, quick_fault, Fault};
use super::{canvas, key, moodle, network_svg, text, xml, ExamSettings};
use crate::commands::nn::{self, Style};
use crate::derivation::{self, Carry, Derivation, Options};
use crate::error::{DrawFault, Error};
use crate::latex::{self, Printer};
use crate::model::{Ask, Network};
use crate::render;

/// A network's variant: its files, and the network drawn (for the shared preamble).
pub(super) struct Variant {
    pub(super) files: Files,
    pub(super) network: Network,
}

/// Everything one variant writes.
pub(super) struct Files {
    pub(super) nn: String,
    pub(super) json: String,
    pub(super) question: String,
    pub(super) answer: String,
    /// The answer key's table of the asked numbers.
    pub(super) table: String,
    pub(super) moodle: String,
    /// The Canvas items, and the drawing they show.
    pub(super) canvas: String,
    pub(super) svg: Option<String>,
}

/// One draw made into a variant, or the reason it must be drawn again; an error is final.
pub(super) fn attempt_variant(
    drawn: Network,
    settings: &ExamSettings,
    tera: &render::Engine,
    label: &str,
    asks: &[Ask],
    derived: &mut usize,
    title: &str,
) -> Result<Result<Variant, Fault>, Error> {
    let (exact, rounded) = match derive_workable(&drawn, settings, derived)? {
        Ok(both) => both,
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
    let question = question_sheet(&exact, &answers, settings, tera, label)?;
    let mut answer = render::render_string(
        tera,
        key,
        &settings.layout,
        render::Template::Body,
        serde_json::Map::new(),
    )?;
    answer.push('\n');
    answer.push_str(latex::exam::NEW_PAGE);
    let svg = settings.layout.diagram.then(|| network_svg(&drawn));
    let online = Online {
        label,
        digits: settings.options.digits,
        problem: problem(
            &exact,
            &printer,
            texts,
            svg,
            render::givens(&exact, &settings.layout, tera),
        ),
        asked: graded(answers, settings),
    };
    let moodle = moodle::variant(settings.moodle, title, &online, texts);
    let canvas = canvas::items(&online, texts);
    let table = key::table(&online, texts);
    let nn = nn::write(&drawn, Style::VARIANT);
    drop((exact, rounded));
    Ok(Ok(Variant {
        files: Files {
            nn,
            json,
            question,
            answer,
            table,
            moodle,
            canvas,
            svg: online.problem.svg,
        },
        network: drawn,
    }))
}

/// The draw derived exactly and with rounded values carried, or why it must be drawn again:
/// the cheap faults first (targets, a float forward pass), the rounded derivation only for a
/// draw whose exact numbers can be worked by hand. `derived` counts the derivations tried.
fn derive_workable<'n>(
    drawn: &'n Network,
    settings: &ExamSettings,
    derived: &mut usize,
) -> Result<Result<(Derivation<'n>, Derivation<'n>), Fault>, Error> {
    // A draw changes values, never the shape, the activations, the loss or the statements, so
    // of the file's checks only those on values can fail, and only two are not already made
    // on every value a `vary` can draw (`check` refuses a learning rate of 0 or below, and a
    // target outside [0, 1] for a loss of probabilities, in the `vary` itself): softmax
    // targets of a sample must add up to 1, which depends on the draw as a whole, and the
    // numbers must stay in the reals, which only the derivation finds (a `Numeric` fault).
    if let Some(place) =
        crate::check::target_fault(&drawn.loss, drawn.output_activation(), &drawn.t)
    {
        return Ok(Err((None, DrawFault::Targets(place.fault))));
    }
    if let Some(fault) = quick_fault(drawn) {
        return Ok(Err(fault));
    }
    *derived += 1;
    let exact = match derive(drawn, settings.options, Carry::Exact)? {
        Ok(d) => d,
        Err(fault) => return Ok(Err(fault)),
    };
    // Saturation seen in the exact numbers spares the rounded derivation.
    if let Some(fault) = derived_fault(&exact, &[], settings.options.digits) {
        return Ok(Err(fault));
    }
    Ok(derive(drawn, settings.options, Carry::Rounded)?.map(|rounded| (exact, rounded)))
}

/// The draw derived with `carry`; numbers that leave the reals are a fault of the draw.
fn derive(
    drawn: &Network,
    options: Options,
    carry: Carry,
) -> Result<Result<Derivation<'_>, Fault>, Error> {
    match derivation::derive(drawn, Options { carry, ..options }) {
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
}

/// The question sheet's page of a variant, asking for `answers`.
fn question_sheet(
    exact: &Derivation,
    answers: &[Answer],
    settings: &ExamSettings,
    tera: &render::Engine,
    label: &str,
) -> Result<String, Error> {
    let questions: Vec<serde_json::Value> = answers
        .iter()
        .map(|a| serde_json::json!({"symbol": a.symbol}))
        .collect();
    let mut extra = serde_json::Map::new();
    extra.insert("variant".into(), serde_json::json!(label));
    extra.insert("questions".into(), serde_json::Value::Array(questions));
    extra.insert("question".into(), serde_json::json!(true));
    render::render_string(
        tera,
        exact,
        &settings.layout,
        render::Template::Question,
        extra,
    )
}

/// The answers as the online quizzes grade them: the shown value (carried as `--carry` says),
/// with its tolerance.
fn graded(answers: Vec<Answer>, settings: &ExamSettings) -> Vec<Asked> {
    let options = settings.options;
    answers
        .into_iter()
        .map(|a| {
            let shown = match options.carry {
                Carry::Exact => a.value,
                Carry::Rounded => a.rounded,
            };
            Asked {
                graded: key::Graded::new(
                    shown,
                    a.value,
                    a.rounded,
                    options.digits,
                    options.rounding,
                    settings.tolerance,
                ),
                name: a.name,
                symbol: a.symbol,
                feedback: a.feedback,
            }
        })
        .collect()
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
    /// What the problem is about, for its opening sentence and its picture's name.
    pub subject: text::Subject,
    /// Everything after the opening sentence and the picture.
    rest: String,
    /// The drawing (none with `--no-diagram`).
    pub svg: Option<String>,
}

impl Problem {
    /// A problem whose text after the opening sentence and the picture is `rest` (HTML).
    pub fn new(subject: text::Subject, rest: String, svg: Option<String>) -> Problem {
        Problem { subject, rest, svg }
    }

    /// The whole problem: `intro`, the picture `img` (HTML), the rest.
    pub fn html(&self, intro: &str, img: Option<&str>) -> String {
        format!("<p>{intro}</p>{}{}", img.unwrap_or(""), self.rest)
    }
}

/// The problem of a variant as the online questions show it.
fn problem(
    derivation: &Derivation,
    printer: &Printer,
    texts: text::Texts,
    svg: Option<String>,
    givens: render::Givens,
) -> Problem {
    let network = derivation.network;
    let mut rest = String::new();
    let sentences: Vec<String> = (1..)
        .zip(&network.layers)
        .map(|(l, layer)| texts.layer(l, &xml(&layer.activation.name)))
        .collect();
    rest.push_str(&format!("<p>{}</p>", sentences.join(" ")));
    if let Some(loss) = derivation.loss.first() {
        let formula = latex::exam::definition(printer, loss);
        rest.push_str(&format!(
            "<p>{}</p>",
            texts.loss(&latex::exam::inline(&xml(&formula)))
        ));
    }
    let display = |math: &str| latex::exam::display(&xml(math));
    for (l, layer) in (1..).zip(&network.layers) {
        let values = latex::exam::layer_values(l, &layer.weights, layer.bias.as_deref());
        rest.push_str(&format!("<p>{values}</p>"));
        if let Some((_, dropout)) = givens.dropouts.iter().find(|(at, _)| *at == l) {
            rest.push_str(&format!("<p>{}</p>", texts.dropout(l)));
            rest.push_str(&format!("<p>{}</p>", display(dropout)));
        }
    }
    let several = network.samples() > 1;
    for (n, (x, t)) in network.x.iter().zip(&network.t).enumerate() {
        let values = latex::exam::sample_values(several.then_some(n + 1), x, t);
        rest.push_str(&format!("<p>{values}</p>"));
    }
    if let Some(sgd) = network.training {
        rest.push_str(&format!(
            "<p>{}</p>",
            texts.rate(&latex::exam::rate(&sgd.lr.to_string()))
        ));
    }
    if let Some(decay) = &givens.weight_decay {
        rest.push_str(&format!("<p>{}</p>", texts.weight_decay()));
        rest.push_str(&format!("<p>{}</p>", display(decay)));
    }
    if let Some((intro, settings)) = &givens.optimizer {
        let settings: Vec<String> = settings
            .iter()
            .map(|s| latex::exam::inline(&xml(s)))
            .collect();
        rest.push_str(&format!("<p>{}</p>", texts.optimizer(intro, &settings)));
    }
    Problem::new(text::Subject::Network, rest, svg)
}
