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
//! One module per thing the command does: `draw` (drawing a variant until it can be worked
//! by hand), `asks` (the asked numbers of a derivation), `variant` (one variant's files),
//! `sheets` (the bundle's files, written variant by variant), `bundle` (the destination,
//! replaced as a whole), and per output that is not a
//! template: `moodle` (the question bank), `canvas` (the QTI package), `key` (answers,
//! tolerances and the answer key's table), `svg` (the drawing the online questions carry) and
//! `text` (their words, in English and Japanese).

mod asks;
mod bundle;
mod canvas;
mod draw;
mod faults;
mod graph;
mod key;
mod moodle;
mod sheets;
mod svg;
mod text;
mod variant;

pub use graph::write_graph_exam;
pub use moodle::MoodleKind;
pub use svg::network_svg;

use std::path::PathBuf;

use rayon::prelude::*;

use crate::derivation::{self, Options};
use crate::error::Error;
use crate::model::Network;
use crate::render::{self, Layout};
use bundle::{Destination, Staging};
use draw::make_variant;
use sheets::Sheets;
pub(crate) use variant::Online;
use variant::Variant;

/// How wide the accepted interval around an answer is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Tolerance {
    /// Half a unit of the last asked digit, widened by what carrying the shown values can
    /// change, at most 1 % of the answer (docs/exam.md).
    #[default]
    Rule,
    /// This fraction of the answer (`--tolerance 0.5%` is 0.005).
    Relative(f64),
    /// This much either side (`--tolerance 0.001`).
    Absolute(f64),
}

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

/// Variants derived at once (in parallel) before they are written.
const BATCH: usize = 64;

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

/// The title the exam's categories and quiz are named by.
fn exam_title(network: &Network) -> String {
    network
        .title
        .clone()
        .unwrap_or_else(|| "Backpropagation".into())
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
            render::Template::Preamble,
            serde_json::Map::new(),
        )?
    };

    let mut staging = Staging::new(destination.sibling("exam")?);
    let title = exam_title(network);
    let mut sheets = Sheets::open(&staging.path, shown, &preamble, settings, &title)?;
    sheets.add(&format!("{:0width$}", 1), first.files)?;
    let mut next = 2;
    while next <= settings.variants {
        let end = (next + BATCH).min(settings.variants + 1);
        let batch: Vec<Result<Variant, Error>> = (next..end)
            .into_par_iter()
            .map(|number| make_variant(network, settings, &tera, number, width))
            .collect();
        for (offset, variant) in batch.into_iter().enumerate() {
            sheets.add(&format!("{:0width$}", next + offset), variant?.files)?;
        }
        next = end;
    }
    let written = sheets.finish()?;
    destination.commit(&mut staging, shown)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_cannot_be_closed_early() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
    }
}
