//! `derive --view graph|both` (issue 17): the network's first sample at its first step as a
//! computational graph, worked by the graph's own passes (`graph::work_with`, with the
//! network's activations), in every format: the LaTeX and SVG of `graph "FORMULA"`'s
//! drawing code, its rows, and its JSON beside the layer view's.

use std::io::Write;
use std::path::Path;

use crate::derivation::Derivation;
use crate::error::{Error, GraphViewFault, Span};
use crate::graph::{
    drawn, elided, first_only, from_network, work_with, Failure, Prose, Refusal, Tongue, Worked,
};
use crate::latex::graph::{both_documents, network_body, network_document, NetworkPage};
use crate::latex::{Environment, Printer};

use super::{Env, Format, Lang, Layout, View};

/// A network's graph worked, what its picture draws, and the sentences about both.
pub struct GraphView {
    pub worked: Worked,
    pub drawn: Worked,
    pub notes: Vec<Prose>,
    /// The file's title, shown above the graph where the view stands alone.
    pub title: Option<String>,
    printer: Printer,
    tongue: Tongue,
}

fn tongue(lang: Lang) -> Tongue {
    match lang {
        Lang::En => Tongue::En,
        Lang::Ja => Tongue::Ja,
    }
}

impl GraphView {
    /// The graph of `derivation`'s network, or why it has none (located in the file).
    pub fn new(derivation: &Derivation, lang: Lang) -> Result<GraphView, Error> {
        let network = derivation.network;
        let built = from_network(network).map_err(refused)?;
        let given = built.given.clone();
        let lookup = |name: &str| given.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let worked = work_with(built.graph, &lookup, network).map_err(|failure| {
            let span = network.spans.layers.first().copied().unwrap_or_default();
            let (node, fault) = match failure {
                Failure::NoValue { node } => (node, "it has no value".to_string()),
                Failure::Numeric { node, fault, .. } => (node, fault.to_string()),
                Failure::NoDerivative { message, .. } => return Error::Unsupported { message },
            };
            Error::GraphView {
                fault: GraphViewFault::Numeric {
                    node: node.to_string(),
                    fault,
                },
                span,
            }
        })?;
        let tongue = tongue(lang);
        let picture = drawn(&worked, &built.path, built.products);
        let steps = network.training.map_or(1, |t| t.steps);
        let mut notes: Vec<Prose> = first_only(network.samples(), steps, tongue)
            .into_iter()
            .collect();
        if picture.elided > 0 {
            notes.push(elided(picture.elided, tongue));
        }
        let printer = Printer::new(network.depth(), derivation.options.digits)
            .with_rounding(derivation.options.rounding);
        Ok(GraphView {
            worked,
            drawn: picture.worked,
            notes,
            title: network.title.clone(),
            printer,
            tongue,
        })
    }

    fn page(&self) -> NetworkPage<'_> {
        NetworkPage {
            worked: &self.worked,
            drawn: &self.drawn,
            notes: &self.notes,
            title: self.title.as_deref(),
        }
    }

    /// The picture alone, as SVG.
    pub fn svg(&self) -> String {
        super::graph::svg(&self.drawn, &self.printer, self.tongue)
    }

    /// The Markdown post of the graph view, its picture linked as `figure`.
    pub fn markdown(&self, layout: &Layout, figure: Option<&str>) -> String {
        super::graph::network_markdown(
            &self.page(),
            &self.printer,
            self.tongue,
            layout.flavor,
            figure,
        )
    }

    fn body(&self, layout: &Layout) -> String {
        let env = match layout.env {
            Env::Eqnarray => Environment::Eqnarray,
            Env::Align => Environment::Align,
        };
        network_body(&self.page(), &self.printer, self.tongue, env)
    }

    fn document(&self, layout: &Layout) -> String {
        let env = match layout.env {
            Env::Eqnarray => Environment::Eqnarray,
            Env::Align => Environment::Align,
        };
        network_document(&self.page(), &self.printer, self.tongue, env)
    }
}

/// A refusal as the error located at its statement.
fn refused(refusal: Refusal) -> Error {
    let (fault, span): (GraphViewFault, Span) = match refusal {
        Refusal::Dropout { layer, span } => (GraphViewFault::Dropout { layer }, span),
        Refusal::WeightDecay { span } => (GraphViewFault::WeightDecay, span),
        Refusal::Softmax { loss, span } => (GraphViewFault::Softmax { loss }, span),
        Refusal::Loss { span } => (GraphViewFault::Loss, span),
        Refusal::TooLarge { products, span } => (
            GraphViewFault::TooLarge {
                products,
                most: crate::graph::MOST_PRODUCTS,
            },
            span,
        ),
    };
    Error::GraphView { fault, span }
}

/// `derivation` in `format` for `layout.view` graph or both (figures: the Markdown post's
/// SVGs beside it, the network's and the graph's).
pub fn render_view(
    derivation: &Derivation,
    format: Format,
    layout: &Layout,
    templates: Option<&Path>,
    figures: (Option<&str>, Option<&str>),
    out: &mut dyn Write,
) -> Result<(), Error> {
    let mut view = GraphView::new(derivation, layout.lang)?;
    let both = layout.view == View::Both;
    if both {
        // The layer view before it has the title already.
        view.title = None;
    }
    let layer_view = Layout {
        view: View::Layers,
        ..*layout
    };
    let layers = |format: Format| -> Result<String, Error> {
        if format == Format::Markdown {
            let mut post = Vec::new();
            super::render_post(derivation, &layer_view, templates, figures.0, &mut post)?;
            return super::utf8(post, "markdown");
        }
        super::render(derivation, format, &layer_view, templates)
    };
    let text = match format {
        Format::Json => {
            let graph = super::graph::graph_json(&view.worked, &view.printer);
            super::json::json_with(derivation, Some(graph))?
        }
        Format::Svg => view.svg(),
        Format::Latex if both => format!("{}\n{}", layers(format)?, view.body(layout)),
        Format::Latex => view.body(layout),
        Format::Document if both => both_documents(&layers(format)?, &view.body(layout)),
        Format::Document => view.document(layout),
        Format::Markdown if both => {
            format!("{}\n{}", layers(format)?, view.markdown(layout, figures.1))
        }
        Format::Markdown => view.markdown(layout, figures.1),
    };
    out.write_all(text.as_bytes())
        .map_err(|source| Error::Write {
            path: "the output".into(),
            source,
        })
}
