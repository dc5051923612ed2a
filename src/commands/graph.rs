//! `graph "FORMULA" --at x=-2,y=5,z=-4` (issue 17): a scalar formula of the `.nn` formula
//! language as a computational graph, worked forward and backward, in every format. The
//! formula and the `--at` text are each a source of their own, so that a fault points into
//! the one it is in. A `.nn` file's `graph "FORMULA" at x = -2, …` statement is worked by the
//! same code ([`of_file`]), for `derive FILE` and `exam FILE`, its faults located in the file.

use std::path::{Path, PathBuf};

use crate::check::{formula_from_text, graph_of_file, FreeFormula, Given, GraphStatement};
use crate::error::{Error, GraphFault, Source, Span, ValueFault, ValuesIn};
use crate::graph::{work, Failure, Graph, Tongue, Worked};
use crate::latex::{Environment, Printer};
use crate::math::number::{Decimal, Rounding, Unreadable, Value};
use crate::model::Limits;
use crate::output;
use crate::render::{Env, Flavor, Format, Lang};
use crate::syntax::parser::MAX_FORMULA_TERMS;

/// How a worked graph is written: by `graph`, and by `derive` on a graph file.
pub struct GraphSettings<'a> {
    pub format: Format,
    pub lang: Lang,
    /// The environment of the LaTeX rows (Markdown's are always `aligned`).
    pub env: Env,
    pub flavor: Flavor,
    pub digits: u32,
    pub rounding: Rounding,
    pub output: Option<&'a Path>,
}

/// The name the formula is shown under in messages, and `--at`'s.
const FORMULA: &str = "<formula>";
const AT: &str = "<--at>";

/// Runs `graph FORMULA --at AT`: the source of any error is left in `source`.
pub fn run(
    formula: &str,
    at: &str,
    settings: &GraphSettings,
    source: &mut Option<Source>,
) -> Result<(), Error> {
    let text = crate::syntax::input::normalise(formula.to_string());
    let at = at.to_string();
    *source = Some(Source::new(FORMULA, text.clone()));
    // A formula's tokens are its terms and brackets: a few times its terms bound them.
    let formula = formula_from_text(&text, 4 * MAX_FORMULA_TERMS)?;
    refuse_output_name(&formula)?;
    let given = given_values(&at).inspect_err(|_| *source = Some(Source::new(AT, at.clone())))?;
    matched(&formula, &given, ValuesIn::At).inspect_err(|e| {
        if let Error::Graph {
            fault: GraphFault::NotInFormula { .. },
            ..
        } = e
        {
            *source = Some(Source::new(AT, at.clone()));
        }
    })?;
    let worked = worked(&formula, &given, &text)?;
    write(&worked, settings)
}

/// The graph file `text`'s graph, if it is one (`None`: a network's file), checked and
/// worked, with the span of its statement; a fault is located in `text`. Only a text that has the word `graph` is parsed
/// here: a network's file goes on to the network's pipeline unread.
pub fn of_file(text: &str, limits: &Limits) -> Result<Option<(Worked, Span)>, Error> {
    let Some(statement) = statement_of_file(text, limits)? else {
        return Ok(None);
    };
    let worked = worked_statement(&statement, text)?;
    Ok(Some((worked, statement.span)))
}

/// The graph statement of `text`, checked with its `vary` and `ask`, if the text is a graph
/// file; its values are checked against the formula too (every variable given one).
pub fn statement_of_file(text: &str, limits: &Limits) -> Result<Option<GraphStatement>, Error> {
    if !text.contains("graph") {
        return Ok(None);
    }
    let file = crate::syntax::parser::parse_within(text, limits)?;
    let Some(statement) = graph_of_file(&file)? else {
        return Ok(None);
    };
    refuse_output_name(&statement.formula)?;
    matched(&statement.formula, &statement.given, ValuesIn::File)?;
    Ok(Some(statement))
}

/// A file's graph statement worked at its values.
pub fn worked_statement(statement: &GraphStatement, text: &str) -> Result<Worked, Error> {
    refuse_output_name(&statement.formula)?;
    matched(&statement.formula, &statement.given, ValuesIn::File)?;
    worked(&statement.formula, &statement.given, text)
}

/// Refuses a variable without a value and a value for a name the formula does not use.
fn matched(formula: &FreeFormula, given: &[Given], written: ValuesIn) -> Result<(), Error> {
    if let Some((name, span)) = formula
        .variables
        .iter()
        .find(|(name, _)| !given.iter().any(|g| g.name == *name))
    {
        return Err(Error::Graph {
            fault: GraphFault::NoValue {
                name: name.clone(),
                given: given.iter().map(|g| g.name.clone()).collect(),
                written,
            },
            span: *span,
        });
    }
    if let Some(extra) = given
        .iter()
        .find(|g| !formula.variables.iter().any(|(name, _)| *name == g.name))
    {
        return Err(Error::Graph {
            fault: GraphFault::NotInFormula {
                name: extra.name.clone(),
                used: formula.variables.iter().map(|(n, _)| n.clone()).collect(),
            },
            span: extra.span,
        });
    }
    Ok(())
}

/// Refuses a variable that reads as f (`f`, `f_`): the output's name in every row.
pub fn refuse_output_name(formula: &FreeFormula) -> Result<(), Error> {
    match formula
        .variables
        .iter()
        .find(|(name, _)| crate::graph::read_as(name) == crate::graph::OUTPUT)
    {
        Some((name, span)) => Err(Error::Graph {
            fault: GraphFault::OutputName(name.clone()),
            span: *span,
        }),
        None => Ok(()),
    }
}

/// The graph of `formula` worked at the `given` values; a fault at a node is located at
/// that node's text.
pub(crate) fn worked(formula: &FreeFormula, given: &[Given], text: &str) -> Result<Worked, Error> {
    let graph = Graph::from_expr(&formula.expr);
    let origins: Vec<usize> = graph.nodes.iter().map(|n| n.origin).collect();
    let lookup = |name: &str| {
        given
            .iter()
            .find(|g| g.name == name)
            .map(|g| Value::decimal(g.value))
    };
    work(graph, &lookup).map_err(|failure| {
        let (node, fault, backward) = match failure {
            Failure::NoValue { node } => (node, "it has no value".to_string(), false),
            Failure::Numeric {
                node,
                fault,
                backward,
            } => (node, fault.to_string(), backward),
            Failure::NoDerivative { message, .. } => {
                return Error::Unsupported { message };
            }
        };
        let span = closed(text, formula.spans[origins[node]]);
        Error::Graph {
            fault: GraphFault::Numeric {
                node: text[span.start..span.end].to_string(),
                fault,
                backward,
            },
            span,
        }
    })
}

/// `span` widened over the closing parentheses its text opens and does not close: a node
/// `x/(y-y)` ends where its divisor does, inside the parenthesis.
fn closed(text: &str, span: Span) -> Span {
    let inside = &text[span.start..span.end];
    let open = inside
        .matches('(')
        .count()
        .saturating_sub(inside.matches(')').count());
    let after = &text[span.end..];
    let mut end = span.end;
    for (at, c) in after.char_indices() {
        if after[..at].matches(')').count() == open {
            break;
        }
        end = span.end + at + c.len_utf8();
    }
    Span::new(span.start, end)
}

/// `x=-2,y=5,z=-4` read into names and exact values, each name's span kept.
fn given_values(at: &str) -> Result<Vec<Given>, Error> {
    let mut given: Vec<Given> = Vec::new();
    let mut start = 0;
    for item in at.split(',') {
        let span_of = |part: &str| {
            let offset = item.find(part).unwrap_or(0);
            Span::new(start + offset, start + offset + part.len().max(1))
        };
        let whole = span_of(item.trim());
        let (name, number) = item
            .split_once('=')
            .map(|(n, v)| (n.trim(), v.trim()))
            .filter(|(n, _)| is_name(n))
            .ok_or_else(|| Error::Graph {
                fault: GraphFault::NotAnAssignment(item.trim().to_string()),
                span: whole,
            })?;
        let value = Decimal::read(number).map_err(|why| match why {
            Unreadable::Malformed => Error::Graph {
                fault: GraphFault::NotANumber(number.to_string()),
                span: span_of(number),
            },
            Unreadable::TooLarge => Error::BadValue {
                fault: ValueFault::NumberTooLarge(number.to_string()),
                span: span_of(number),
            },
            Unreadable::TooPrecise => Error::BadValue {
                fault: ValueFault::NumberTooPrecise(number.to_string()),
                span: span_of(number),
            },
        })?;
        let span = span_of(name);
        if given.iter().any(|g| g.name == name) {
            return Err(Error::Graph {
                fault: GraphFault::TwoValues {
                    name: name.to_string(),
                    written: ValuesIn::At,
                },
                span,
            });
        }
        given.push(Given {
            name: name.to_string(),
            value,
            span,
        });
        start += item.len() + 1;
    }
    Ok(given)
}

/// A name as the language writes one: a letter, then letters, digits and `_`.
fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The worked graph in the asked format, to standard output or `-o` (a Markdown post with
/// its SVG beside it, `post-graph.svg`).
pub fn write(worked: &Worked, settings: &GraphSettings) -> Result<(), Error> {
    let printer = Printer::new(0, settings.digits).with_rounding(settings.rounding);
    let env = match settings.env {
        Env::Eqnarray => Environment::Eqnarray,
        Env::Align => Environment::Align,
    };
    let tongue = match settings.lang {
        Lang::En => Tongue::En,
        Lang::Ja => Tongue::Ja,
    };
    let side = settings
        .output
        .filter(|_| settings.format == Format::Markdown)
        .filter(|path| output::is_file(path))
        .map(figure_path);
    let text = match settings.format {
        Format::Latex => crate::latex::graph::body(worked, &printer, tongue, env),
        Format::Document => crate::latex::graph::document(worked, &printer, tongue, env),
        Format::Json => crate::render::graph::json(worked, &printer),
        Format::Svg => crate::render::graph::svg(worked, &printer, tongue),
        Format::Markdown => {
            let name = side
                .as_ref()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned());
            crate::render::graph::markdown(
                worked,
                &printer,
                tongue,
                settings.flavor,
                name.as_deref(),
            )
        }
    };
    let produce = |out: &mut dyn std::io::Write| {
        out.write_all(text.as_bytes())
            .map_err(|source| Error::Write {
                path: String::new(),
                source,
            })
    };
    match (settings.output, side) {
        (Some(path), Some(figure)) => {
            let svg = crate::render::graph::svg(worked, &printer, tongue);
            output::write_output_with_side(path, produce, &figure, svg.as_bytes())
        }
        (path, _) => output::write_output(path, produce),
    }
}

/// The drawing beside a Markdown post: `post.md` → `post-graph.svg`.
fn figure_path(post: &Path) -> PathBuf {
    let stem = post.file_stem().unwrap_or(post.as_os_str());
    let mut name = stem.to_os_string();
    name.push("-graph.svg");
    post.with_file_name(name)
}
