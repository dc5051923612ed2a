//! Syntax tree → checked [`Network`]: every rule the later stages rely on is enforced here,
//! and each violation is reported at the span of the text that breaks it.
//!
//! [`check_with_limits`] runs the stages in order, each in its own file: the statements sorted
//! by kind (here), the layers and arrays (`layers`), the file's own formulas (`formulas`),
//! whether the loss fits (`fits`), the limits (`limits`), the training (`training`: `sgd`,
//! `optimizer`, `weight_decay` and each layer's `dropout`) and the exam statements (`exam`).

mod exam;
mod fits;
mod formulas;
mod graph;
mod layers;
mod limits;
mod training;

pub use fits::target_fault;
pub use graph::{formula_from_text, graph_of_file, FreeFormula, Given, GraphAsk, GraphStatement};

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{
    Defined, Error, LimitFault, Numbers, ShapeFault, Span, TrainingFault, ValueFault,
};
use crate::math::functions::{Activation, Builtin};
use crate::math::number::Decimal;
#[cfg(test)]
use crate::model::Optimizer;
use crate::model::{Limits, Network, Training};
use crate::syntax::ast::{
    Array, AskKind, File, LossSpec, Name, Number, Setting, Statement, VarySpec,
};

use layers::LayerText;
use training::Written;

/// A file's `graph` statement, which a network's command does not work.
fn graph_in_network(span: Span) -> Error {
    Error::Graph {
        fault: crate::error::GraphFault::GraphInNetwork,
        span,
    }
}

/// The first two stages on one text: parsed and checked within `limits`, the syntax tree
/// dropped once the network is built. Every command that reads a `.nn` text starts here.
pub fn network_from_text(text: &str, limits: &Limits) -> Result<Network, Error> {
    let file = crate::syntax::parser::parse_within(text, limits)?;
    check_with_limits(&file, limits)
}

/// Checks a parsed file against the default limits and builds the network it describes.
#[cfg(test)]
pub fn check(file: &File) -> Result<Network, Error> {
    check_with_limits(file, &Limits::default())
}

/// Checks a parsed file and builds the network it describes, refusing work beyond `limits`.
pub fn check_with_limits(file: &File, limits: &Limits) -> Result<Network, Error> {
    let statements = Statements::sort(file, limits)?;
    let (x_array, t_array, loss_spec) = statements.required(file.end)?;
    // The input and target as samples: a vector is one sample, a matrix one sample per row.
    let x = layers::rectangular(x_array, Numbers::Input)?;
    let t = layers::rectangular(t_array, Numbers::Target)?;
    if x.len() != t.len() {
        return Err(Error::Shape {
            fault: ShapeFault::Samples {
                targets: t.len(),
                inputs: x.len(),
            },
            span: t_array.span(),
        });
    }
    let mut layers = layers::check_layers(&statements.layers, &statements.custom)?;
    layers::check_ends(&layers, &x, &t, t_array, &file.statements)?;
    let dropouts: Vec<_> = statements.layers.iter().map(|l| l.dropouts).collect();
    training::check_dropouts(&dropouts, &mut layers, x.len())?;
    let (loss, loss_terms) = formulas::check_loss(loss_spec, t[0].len(), layers.len(), x.len())?;
    let loss_span = formulas::loss_span(loss_spec);
    let (last, _) = layers.last().expect("checked non-empty");
    fits::check_loss_fits(&loss, &last.activation, &t, t_array, loss_span)?;
    let training = statements.training.as_ref();
    limits::check_limits(
        &layers,
        x[0].len(),
        x_array.span(),
        x.len(),
        training,
        limits,
    )?;
    limits::check_formula_rows(&layers, loss_terms, x.len(), training, limits)?;
    let exam = exam::check_exam(
        &statements.varies,
        &statements.asks,
        &layers,
        training.is_some(),
        &loss,
    )?;
    let spans = crate::model::Spans {
        loss: loss_span,
        layers: layers.iter().map(|(_, span)| *span).collect(),
        weight_decay: statements.weight_decay.map(|(_, span)| span),
        dropouts: dropouts.iter().map(|d| d.first().map(|d| d.span)).collect(),
    };
    Ok(Network {
        title: statements.title.map(|(text, _)| text),
        layers: layers.into_iter().map(|(layer, _)| layer).collect(),
        x,
        t,
        loss,
        training: statements.training.map(|(training, _)| training),
        weight_decay: statements.weight_decay.map(|(decay, _)| decay),
        exam,
        spans,
    })
}

/// The most activations a file may define: each is differentiated when it is checked, used or
/// not (3,000 at the formula limits took over a minute). A network uses one per layer, and
/// has at most 32 layers by default.
pub const MAX_CUSTOM_ACTIVATIONS: usize = 32;

/// A file's statements sorted by kind, each checked on its own: once where once is allowed,
/// `sgd`'s settings, and the file's own activations defined (and differentiated).
struct Statements<'a> {
    title: Option<(String, Span)>,
    input: Option<(&'a Array, Span)>,
    target: Option<(&'a Array, Span)>,
    loss: Option<(&'a LossSpec, Span)>,
    training: Option<(Training, Span)>,
    /// Which statement gave `training`.
    training_written: Option<Written<'a>>,
    weight_decay: Option<(Decimal, Span)>,
    layers: Vec<LayerText<'a>>,
    custom: HashMap<String, (Arc<Activation>, Span)>,
    varies: Vec<(&'a Name, &'a VarySpec, Span)>,
    asks: Vec<(AskKind, &'a Name, Option<&'a Number>)>,
}

impl<'a> Statements<'a> {
    fn sort(file: &'a File, limits: &Limits) -> Result<Statements<'a>, Error> {
        // Counted before any is differentiated, so that the refusal is immediate.
        let too_many = file
            .statements
            .iter()
            .filter_map(|statement| match statement {
                Statement::Activation { name, .. } => Some(name),
                _ => None,
            })
            .nth(MAX_CUSTOM_ACTIVATIONS);
        if let Some(name) = too_many {
            return Err(Error::OverLimit {
                fault: LimitFault::CustomActivations {
                    max: MAX_CUSTOM_ACTIVATIONS,
                },
                span: name.span,
            });
        }
        let mut sorted = Statements {
            title: None,
            input: None,
            target: None,
            loss: None,
            training: None,
            training_written: None,
            weight_decay: None,
            layers: Vec::new(),
            custom: HashMap::new(),
            varies: Vec::new(),
            asks: Vec::new(),
        };
        for statement in &file.statements {
            sorted.add(statement, limits)?;
        }
        Ok(sorted)
    }

    fn add(&mut self, statement: &'a Statement, limits: &Limits) -> Result<(), Error> {
        let span = statement.span();
        match statement {
            Statement::Title { text, .. } => {
                once(&self.title, Defined::Statement("title"), span)?;
                self.title = Some((text.clone(), span));
            }
            Statement::Input { value, .. } => {
                once(&self.input, Defined::Statement("input"), span)?;
                self.input = Some((value, span));
            }
            Statement::Target { value, .. } => {
                once(&self.target, Defined::Statement("target"), span)?;
                self.target = Some((value, span));
            }
            Statement::Loss { spec, .. } => {
                once(&self.loss, Defined::Statement("loss"), span)?;
                self.loss = Some((spec, span));
            }
            Statement::Sgd { settings, .. } => {
                self.add_training(Written::Sgd, settings, span, limits)?
            }
            Statement::Optimizer { name, settings, .. } => {
                self.add_optimizer(name.as_ref(), settings, span, limits)?
            }
            Statement::WeightDecay { value, .. } => {
                once(&self.weight_decay, Defined::Statement("weight_decay"), span)?;
                self.weight_decay = Some((training::check_weight_decay(value)?, span));
            }
            Statement::Activation {
                name,
                param,
                body,
                text,
                ..
            } => {
                if Builtin::from_name(&name.text).is_some() {
                    return Err(Error::BadValue {
                        fault: ValueFault::BuiltinName(name.text.clone()),
                        span: name.span,
                    });
                }
                if let Some((_, first)) = self.custom.get(&name.text) {
                    return Err(Error::Duplicate {
                        what: Defined::Activation(name.text.clone()),
                        span,
                        first: *first,
                    });
                }
                let mut activation = formulas::custom_activation(name, param, body)?;
                activation.source = Some((param.text.clone(), text.clone()));
                self.custom
                    .insert(name.text.clone(), (Arc::new(activation), span));
            }
            Statement::Layer {
                activation,
                params,
                dropouts,
                ..
            } => self.layers.push(LayerText {
                activation,
                params,
                dropouts,
                span,
            }),
            Statement::Graph { .. } => return Err(graph_in_network(span)),
            Statement::Vary { target, values, .. } => self.varies.push((target, values, span)),
            Statement::Ask {
                kind,
                target,
                layer,
                ..
            } => self.asks.push((*kind, target, layer.as_ref())),
        }
        Ok(())
    }

    /// The input, target and loss, which every file has, or the error for the first missing
    /// (located at the file's end); a file has at least one layer too.
    fn required(&self, end: Span) -> Result<(&'a Array, &'a Array, &'a LossSpec), Error> {
        let missing = |what| Error::Missing { what, span: end };
        let (x, _) = self
            .input
            .ok_or(missing("input (such as `input x = [1, 2, 3]`)"))?;
        let (t, _) = self
            .target
            .ok_or(missing("target (such as `target t = [0, 1]`)"))?;
        let (loss, _) = self
            .loss
            .ok_or(missing("loss (such as `loss sum_squared`)"))?;
        if self.layers.is_empty() {
            return Err(missing("layer (such as `layer sigmoid W = [[0.1, 0.2]]`)"));
        }
        Ok((x, t, loss))
    }
}

impl<'a> Statements<'a> {
    /// `optimizer NAME …`; without a name, refused at the keyword.
    fn add_optimizer(
        &mut self,
        name: Option<&'a Name>,
        settings: &[Setting],
        span: Span,
        limits: &Limits,
    ) -> Result<(), Error> {
        let name = name.ok_or(Error::Training {
            fault: TrainingFault::NoOptimizerName,
            span: Span::new(span.start, span.start + "optimizer".len()),
        })?;
        self.add_training(Written::Optimizer(name), settings, span, limits)
    }

    /// `sgd` or `optimizer`, refused after another: `sgd` or `optimizer` twice, or one of each.
    fn add_training(
        &mut self,
        written: Written<'a>,
        settings: &[Setting],
        span: Span,
        limits: &Limits,
    ) -> Result<(), Error> {
        if let (Some((_, first)), Some(before)) = (&self.training, self.training_written) {
            let what = match (before, written) {
                (Written::Sgd, Written::Sgd) => Defined::Statement("sgd"),
                (Written::Optimizer(_), Written::Optimizer(_)) => Defined::Statement("optimizer"),
                _ => Defined::SgdAndOptimizer,
            };
            return Err(Error::Duplicate {
                what,
                span,
                first: *first,
            });
        }
        self.training = Some((training::check_training(written, settings, limits)?, span));
        self.training_written = Some(written);
        Ok(())
    }
}

fn once<T>(seen: &Option<(T, Span)>, what: Defined, span: Span) -> Result<(), Error> {
    match seen {
        Some((_, first)) => Err(Error::Duplicate {
            what,
            span,
            first: *first,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::number::Decimal;
    use crate::syntax::parser::parse;

    const ARTICLE: &str = include_str!("../../examples/article.nn");

    fn checked(text: &str) -> Result<Network, Error> {
        check(&parse(text).unwrap())
    }

    /// The message and the text under the span.
    fn fails(text: &str) -> (String, String) {
        let error = checked(text).expect_err("an error");
        let span = error.span().expect("a span");
        (error.to_string(), text[span.start..span.end].to_string())
    }

    #[test]
    fn the_article_checks() {
        let network = checked(ARTICLE).unwrap();
        assert_eq!(network.sizes(), [3, 2, 2]);
        assert_eq!(network.layers[0].activation.name, "sigmoid");
        assert_eq!(
            network.training,
            Some(Training {
                lr: Decimal::parse("0.1").unwrap(),
                steps: 1,
                optimizer: Optimizer::Sgd,
            })
        );
    }

    macro_rules! rejects {
        ($name:ident: $text:expr => $message:expr, at $at:expr) => {
            #[test]
            fn $name() {
                let (message, at) = fails($text);
                assert_eq!(message, $message);
                assert_eq!(at, $at);
            }
        };
    }

    const TAIL: &str = "target t = [0]\nloss sum_squared\n";

    rejects!(columns_against_previous_layer:
        &format!("input x = [1, 2]\nlayer sigmoid W = [[1, 2], [3, 4]]\nlayer identity W = [[1, 2, 3]]\n{TAIL}")
        => "W of layer 2 has 3 columns, but layer 1 has 2 units", at "[[1, 2, 3]]");
    rejects!(columns_against_input:
        &format!("input x = [1, 2]\nlayer identity W = [[1, 2, 3]]\n{TAIL}")
        => "W of layer 1 has 3 columns, but the input x has 2 values", at "[[1, 2, 3]]");
    rejects!(ragged_matrix:
        &format!("input x = [1, 2]\nlayer identity W = [[1, 2], [3]]\n{TAIL}")
        => "W of layer 1 is ragged: this row has 1 value, the first has 2", at "[3]");
    rejects!(unknown_activation:
        &format!("input x = [1]\nlayer softsign W = [[1]]\n{TAIL}")
        => "unknown activation `softsign`; expected one of: identity, sigmoid, tanh, relu, leaky_relu, softplus, softmax", at "softsign");
    rejects!(unknown_loss:
        "input x = [1]\nlayer identity W = [[1]]\ntarget t = [0]\nloss hinge\n"
        => "unknown loss `hinge`; expected one of: sum_squared, mean_squared, cross_entropy, binary_cross_entropy", at "hinge");
    rejects!(bias_length:
        &format!("input x = [1]\nlayer identity W = [[1]] b = [1, 2]\n{TAIL}")
        => "b of layer 1 has 2 values, but the layer has 1 unit (rows of W)", at "[1, 2]");
    rejects!(target_width:
        "input x = [1]\nlayer identity W = [[1]]\ntarget t = [0, 1]\nloss sum_squared\n"
        => "the target t has 2 values, but the output layer 1 has 1 unit", at "[0, 1]");
    rejects!(duplicate_title:
        &format!("title \"a\"\ntitle \"b\"\ninput x = [1]\nlayer identity W = [[1]]\n{TAIL}")
        => "title is defined twice", at "title \"b\"");
    rejects!(empty_input:
        &format!("input x = []\nlayer identity W = [[1]]\n{TAIL}")
        => "the input is empty", at "[]");
    rejects!(zero_learning_rate:
        &format!("input x = [1]\nlayer identity W = [[1]]\n{TAIL}sgd lr = 0\n")
        => "the learning rate must be above 0, not 0", at "0");
    rejects!(fractional_steps:
        &format!("input x = [1]\nlayer identity W = [[1]]\n{TAIL}sgd lr = 0.1, steps = 1.5\n")
        => "steps must be a whole number of at least 1, not 1.5", at "1.5");
    rejects!(steps_beyond_any_limit:
        &format!("input x = [1]\nlayer identity W = [[1]]\n{TAIL}sgd lr = 0.1, steps = 4294967296\n")
        => "4294967296 steps are asked for; the limit is 100 (raise it with --max-steps)", at "4294967296");
    #[test]
    fn custom_formulas_written_too_often_are_refused() {
        let text = format!(
            "activation f(a) = sin(sin(sin(sin(sin(a)))))\ninput x = [1]\nlayer f W = [[1]]\n{TAIL}"
        );
        let file = parse(&text).unwrap();
        let limits = |gradients| Limits {
            gradients,
            ..Limits::default()
        };
        // 1 unit × 1 sample × 1 step × 27 terms: beyond 10 per gradient of 2, within 3.
        let error = check_with_limits(&file, &limits(2)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "layer 1 writes its activation f and its derivative (27 terms) for 1 unit × 1 sample × 1 step: \
             27 terms of custom formulas in all; the limit is 20, 10 per gradient (raise it with --max-gradients)"
        );
        assert!(check_with_limits(&file, &limits(3)).is_ok());
    }

    rejects!(unknown_setting:
        &format!("input x = [1]\nlayer identity W = [[1]]\n{TAIL}sgd rate = 0.1\n")
        => "unknown sgd setting `rate`; expected one of: lr, steps", at "rate");
    rejects!(missing_loss:
        "input x = [1]\nlayer identity W = [[1]]\ntarget t = [0]\n"
        => "the file has no loss (such as `loss sum_squared`)", at "");
}
