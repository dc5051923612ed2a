//! The exam of a graph file (issue 17): `vary` redraws the graph's variables, `ask f` and
//! `ask df/dx` are its questions (every partial when nothing is asked), and the bundle is the
//! network exam's — question sheet, answer key with its table, Moodle and Canvas quizzes with
//! the same tolerances, each variant's `.nn` and JSON — written by the same `Sheets`.
//!
//! A variant is the graph worked at its drawn values by the code `graph` uses; a draw whose
//! numbers leave the reals (a division by zero at one node) is drawn again, and a file where
//! every draw does is refused with the fault of the last, located at its node.

use std::path::PathBuf;

use super::bundle::{Destination, Staging};
use super::key::Graded;
use super::sheets::Sheets;
use super::text::{Subject, Texts};
use super::variant::{Asked, Files, Online, Problem};
use super::{canvas, key, moodle, xml, ExamSettings};
use crate::check::{Given, GraphAsk, GraphStatement};
use crate::commands::random::Rng;
use crate::derivation::Carry;
use crate::error::Error;
use crate::graph::{words, Tongue, Worked};
use crate::latex::{self, Environment, Printer};
use crate::render::{Env, Lang};

/// How many draws a variant may take before the file is refused.
const ATTEMPTS: usize = 1000;

/// Writes the exam of a graph file (`text`) into `settings.out`; returns the paths written.
pub fn write_graph_exam(
    statement: &GraphStatement,
    text: &str,
    settings: &ExamSettings,
) -> Result<Vec<PathBuf>, Error> {
    if statement.varies.is_empty() {
        return Err(Error::NothingVaries);
    }
    let shown = &settings.out;
    let destination = Destination::check(shown, settings.force)?;
    let tongue = match settings.layout.lang {
        Lang::En => Tongue::En,
        Lang::Ja => Tongue::Ja,
    };
    let title = words(tongue).graph.to_string();
    let width = settings.variants.to_string().len().max(2);
    let preamble = latex::graph::preamble(tongue);
    let mut staging = Staging::new(destination.sibling("exam")?);
    let mut sheets = Sheets::open(&staging.path, shown, &preamble, settings, &title)?;
    for number in 1..=settings.variants {
        let label = format!("{number:0width$}");
        let (worked, given) = draw(statement, text, settings.seed, number)?;
        let files = variant_files(
            statement,
            (&worked, &given),
            settings,
            tongue,
            (&title, &label),
        );
        sheets.add(&label, files)?;
    }
    let written = sheets.finish()?;
    destination.commit(&mut staging, shown)?;
    Ok(written)
}

/// Variant `number`'s graph: the varied variables drawn (the last `vary` of a name wins),
/// the others at the file's values, drawn again while a node leaves the reals.
fn draw(
    statement: &GraphStatement,
    text: &str,
    seed: u64,
    number: usize,
) -> Result<(Worked, Vec<Given>), Error> {
    let mut last = None;
    for attempt in 0..ATTEMPTS {
        let mut rng = Rng::for_variant(seed, number, attempt);
        let mut given: Vec<Given> = statement.given.clone();
        for vary in &statement.varies {
            let value = rng.pick(&vary.values);
            if let Some(g) = given.iter_mut().find(|g| g.name == vary.name) {
                g.value = value;
            }
        }
        match crate::commands::graph::worked(&statement.formula, &given, text) {
            Ok(worked) => return Ok((worked, given)),
            Err(e @ Error::Graph { .. }) => last = Some(e),
            Err(e) => return Err(e),
        }
        // One draw is all there is when every vary has one value.
        if statement.varies.iter().all(|v| v.values.len() == 1) {
            break;
        }
    }
    // The fault of the last draw, located at its node (every draw had one).
    Err(last.unwrap_or(Error::NothingVaries))
}

/// What the exam asks: as written, or every partial when nothing is.
fn asks(statement: &GraphStatement) -> Vec<GraphAsk> {
    if !statement.asks.is_empty() {
        return statement.asks.clone();
    }
    statement
        .formula
        .variables
        .iter()
        .map(|(name, _)| GraphAsk::Partial(name.clone()))
        .collect()
}

/// One variant's files.
fn variant_files(
    statement: &GraphStatement,
    (worked, given): (&Worked, &[Given]),
    settings: &ExamSettings,
    tongue: Tongue,
    (title, label): (&str, &str),
) -> Files {
    let options = settings.options;
    let printer = Printer::new(0, options.digits).with_rounding(options.rounding);
    let texts = Texts(settings.layout.lang);
    let partials = worked.partials();
    let feedback = latex::graph::feedback(worked, &printer, tongue);
    let asked: Vec<Asked> = asks(statement)
        .iter()
        .filter_map(|ask| {
            let (name, by, value) = match ask {
                GraphAsk::Value => ("f".to_string(), None, worked.value()),
                GraphAsk::Partial(x) => {
                    let (var, _, gradient) = partials.iter().find(|(n, _, _)| n == x)?;
                    (format!("df/d{x}"), Some(*var), *gradient)
                }
            };
            Some(Asked {
                name,
                symbol: latex::graph::asked_symbol(&printer, by),
                feedback: feedback.clone(),
                graded: Graded::new(
                    value,
                    value,
                    value,
                    options.digits,
                    options.rounding,
                    settings.tolerance,
                ),
            })
        })
        .collect();
    // The graph's picture writes every value and gradient on its edges: the answers. The
    // online questions show the formula and the values instead.
    let svg = None;
    let rest = format!(
        "<p>{}</p><p>{}</p>",
        latex::exam::inline(&xml(&latex::graph::formula(worked, &printer))),
        latex::exam::inline(&xml(&latex::graph::values(worked, &printer)))
    );
    let online = Online {
        label,
        digits: options.digits,
        problem: Problem::new(Subject::Graph, rest, svg),
        asked,
    };
    let questions: Vec<String> = online
        .asked
        .iter()
        .map(|a| texts.compute(&latex::exam::inline(&a.symbol), options.digits))
        .collect();
    let heading = texts.variant_name(label);
    let env = match settings.layout.env {
        Env::Eqnarray => Environment::Eqnarray,
        Env::Align => Environment::Align,
    };
    let mut answer = latex::graph::body(worked, &printer, tongue, env);
    answer.push_str(latex::exam::NEW_PAGE);
    debug_assert!(
        options.carry == Carry::Exact,
        "refused before: a graph carries nothing"
    );
    Files {
        nn: variant_nn(statement, given, title, label),
        json: crate::render::graph::json(worked, &printer),
        question: latex::graph::question_page(worked, &printer, &heading, &questions),
        answer,
        table: key::table(&online, texts),
        moodle: moodle::variant(settings.moodle, title, &online, texts),
        canvas: canvas::items(&online, texts),
        svg: online.problem.svg,
    }
}

/// The variant as a graph file of its own, at its drawn values: `derive variant-01.nn`
/// works it.
fn variant_nn(statement: &GraphStatement, given: &[Given], title: &str, label: &str) -> String {
    let values: Vec<String> = given
        .iter()
        .map(|g| format!("{} = {}", g.name, g.value))
        .collect();
    let at = if values.is_empty() {
        String::new()
    } else {
        format!(" at {}", values.join(", "))
    };
    format!(
        "# {title} (variant {label})\ngraph \"{}\"{at}\n",
        statement.text
    )
}
