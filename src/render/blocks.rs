//! Blocks of rows: the context holds a marker for each, and the rows are made when the output
//! reaches it, big blocks printed in parallel pieces, so that a block of 80,000 rows is never
//! held whole.

use std::io::Write;
use std::sync::{mpsc, Mutex};

use rayon::prelude::*;

use super::layout::{Flavor, Form, Layout};
use super::pending::{marker, Pending};
use super::templates::Engine;
use super::views::{BlockView, ChainView};
use crate::derivation::{Chain, Derivation, LayerChains, Parameters, Step};
use crate::error::Error;
use crate::latex::fit;
use crate::latex::{Environment, Printer, APPROX, EQUALS};
use crate::math::number::Value;

/// Chains whose LaTeX is longer than this (in bytes) are marked `long`: on one line they would
/// run off an A4 page.
pub(super) const LONG_CHAIN: usize = 150;

/// How each chain of a block is laid out: by the built-in layout (`chain.tex.tera`, compiled
/// into [`Views::lay_out`]; a test checks that both agree), or by the user's `chain.tex.tera`.
pub(super) enum ChainLayout<'t> {
    Builtin,
    Template {
        tera: &'t tera::Tera,
        context: tera::Context,
        /// The first error of the user's template, reported after the context is built.
        error: Mutex<Option<Error>>,
    },
}

/// Blocks of more chains than this are printed in parallel, this many chains per piece.
pub(super) const PIECE: usize = 512;
/// Smaller blocks of at least this many chains are printed in parallel too, in two pieces per
/// thread: a layer's forward sums (100 chains of 784 terms) are few but long.
const FEW: usize = 8;

/// How many chains of a block of `count` go into one piece, with `threads` to print them;
/// chains `big` enough each get their own.
fn piece_size(count: usize, threads: usize, big: bool) -> usize {
    match count {
        _ if big => 1,
        0..FEW => count.max(1),
        FEW..=PIECE => count.div_ceil(2 * threads).max(1),
        _ => PIECE,
    }
}

pub(super) struct Views<'a> {
    /// This view's number, unique in the process (the row templates it makes are its own).
    pub(super) id: u64,
    pub(super) printer: Printer,
    pub(super) derivation: &'a Derivation<'a>,
    pub(super) network: &'a crate::model::Network,
    pub(super) samples: usize,
    /// `eqnarray`, `align` or `aligned`.
    pub(super) env: Environment,
    pub(super) math_open: &'static str,
    pub(super) math_close: &'static str,
    /// Which rows are written: element-wise, matrix, or both (the others are empty blocks).
    pub(super) form: Form,
    pub(super) layout: ChainLayout<'a>,
    /// The blocks whose markers are in the context, by number.
    pub(super) pending: Mutex<Vec<Pending<'a>>>,
}

/// Prints the `p`-th piece of a block into a buffer (cleared first).
type Piece<'p> = dyn Fn(usize, &mut String) + Sync + 'p;

/// Prints the pieces from `first` on into `texts`, one each, in parallel.
fn print_batch(piece: &Piece, first: usize, texts: &mut [String]) {
    texts
        .par_iter_mut()
        .enumerate()
        .for_each(|(n, text)| piece(first + n, text));
}

/// The error that stops the output once a user's chain template has failed.
fn stop() -> std::io::Error {
    std::io::Error::other("chain.tex.tera failed")
}

impl<'a> Views<'a> {
    pub(super) fn new(
        derivation: &'a Derivation,
        layout: &Layout,
        markdown: bool,
        engine: &'a Engine,
    ) -> Self {
        let env = match (markdown, layout.env) {
            (true, _) => Environment::Aligned,
            (false, env) => env.environment(),
        };
        let (math_open, math_close) = layout.flavor.math_fences();
        let chain_layout = if engine.builtin_chain {
            ChainLayout::Builtin
        } else {
            let mut context = tera::Context::new();
            context.insert("env", env.name());
            context.insert("lang", &layout.lang);
            context.insert("form", &layout.form);
            context.insert("flavor", &layout.flavor);
            context.insert("math_open", math_open);
            context.insert("math_close", math_close);
            ChainLayout::Template {
                tera: &engine.tera,
                context,
                error: Mutex::new(None),
            }
        };
        let mut views = Self::builtin(derivation, env);
        views.math_open = math_open;
        views.math_close = math_close;
        views.form = layout.form;
        views.layout = chain_layout;
        views
    }

    /// Views that lay chains out as the built-in templates do, in `env`, in LaTeX's fences.
    pub(super) fn builtin(derivation: &'a Derivation, env: Environment) -> Self {
        let network = derivation.network;
        let (math_open, math_close) = Flavor::default().math_fences();
        static VIEWS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Views {
            id: VIEWS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            printer: Printer::new(network.depth(), derivation.options.digits)
                .with_rounding(derivation.options.rounding),
            derivation,
            network,
            samples: network.samples(),
            env,
            math_open,
            math_close,
            form: Form::default(),
            layout: ChainLayout::Builtin,
            pending: Mutex::new(Vec::new()),
        }
    }

    /// Whether a user's `chain.tex.tera` has failed (and the output should stop).
    fn failed(&self) -> bool {
        match &self.layout {
            ChainLayout::Builtin => false,
            ChainLayout::Template { error, .. } => {
                error.lock().unwrap_or_else(|p| p.into_inner()).is_some()
            }
        }
    }

    /// The first error of a user's `chain.tex.tera`, if any.
    pub(super) fn take_template_error(&self) -> Option<Error> {
        match &self.layout {
            ChainLayout::Builtin => None,
            ChainLayout::Template { error, .. } => {
                error.lock().unwrap_or_else(|p| p.into_inner()).take()
            }
        }
    }

    /// A block of the rows `pending` stands for: a marker now, the rows when it is written.
    pub(super) fn block(&self, pending: Pending<'a>, layer: Option<u32>) -> BlockView {
        let count = pending.count();
        if count == 0 {
            return BlockView {
                layer,
                ..BlockView::default()
            };
        }
        let mut blocks = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let rows = marker(blocks.len());
        blocks.push(pending);
        BlockView { rows, count, layer }
    }

    /// The width of the widest left-hand side of `pending` (the column its rows align on), in
    /// points. A layer's parameters are named alike, the last with the longest indices.
    fn lhs_width(&self, pending: &Pending) -> f64 {
        let widest =
            |lhs: &mut dyn Iterator<Item = String>| lhs.map(|l| fit::width(&l)).fold(0.0, f64::max);
        match pending {
            Pending::Chains(chains) => {
                widest(&mut chains.iter().map(|(c, _)| self.printer.expr(&c.lhs)))
            }
            Pending::Views(views) => widest(&mut views.iter().map(|v| v.lhs.clone())),
            Pending::Rows(rows) => widest(
                &mut [0, rows.len().saturating_sub(1)]
                    .into_iter()
                    .map(|k| self.printer.expr(&rows.lhs(k))),
            ),
        }
    }

    /// Appends the `k`-th chain of `pending`, beside left-hand sides `lhs` points wide.
    fn lay_out_pending(&self, pending: &Pending, k: usize, lhs: f64, out: &mut String) {
        match pending {
            Pending::Chains(chains) => self.write_chain(chains[k].0, chains[k].1, lhs, out),
            Pending::Views(views) => self.lay_out(&views[k], lhs, out),
            Pending::Rows(rows) => self.write_row(rows, k, lhs, out),
        }
    }

    /// Writes the rows of `pending` to `out`, separated by `\\` and a newline. Big blocks are
    /// printed in parallel pieces, a few pieces at a time, so that only those are in memory.
    pub(super) fn write_block(
        &self,
        pending: &Pending,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let count = pending.count();
        let lhs = self.lhs_width(pending);
        let size = piece_size(count, rayon::current_num_threads(), pending.big());
        let piece = |p: usize, text: &mut String| {
            text.clear();
            for k in p * size..((p + 1) * size).min(count) {
                if k > 0 {
                    text.push_str("\\\\\n");
                }
                self.lay_out_pending(pending, k, lhs, text);
            }
        };
        let pieces = count.div_ceil(size);
        if pieces == 1 {
            let mut text = String::new();
            piece(0, &mut text);
            return self.write_texts(&[text], out);
        }
        let batch = 2 * rayon::current_num_threads();
        if rayon::current_thread_index().is_some() {
            return self.write_in_turn(pieces, batch, &piece, out);
        }
        self.write_pipelined(pieces, batch, &piece, out)
    }

    /// Prints `pieces` a batch at a time with the pool, writing each batch after it. For a
    /// thread of the pool (an exam's variants): waiting on a printer thread, it would keep
    /// itself from the pieces, and the pool from finishing them.
    fn write_in_turn(
        &self,
        pieces: usize,
        batch: usize,
        piece: &Piece,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let mut texts = vec![String::new(); batch.min(pieces)];
        for first in (0..pieces).step_by(batch) {
            let texts = &mut texts[..batch.min(pieces - first)];
            print_batch(piece, first, texts);
            self.write_texts(texts, out)?;
        }
        Ok(())
    }

    /// Pipelined: a printer thread fills one set of buffers with a batch of `pieces` (in
    /// parallel) while this thread writes the set before; the two sets go back and forth,
    /// grown once (fresh pages cost the kernel's zeroing of them).
    fn write_pipelined(
        &self,
        pieces: usize,
        batch: usize,
        piece: &Piece,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let sets = batch.min(pieces);
        std::thread::scope(|scope| {
            let (full, printed) = mpsc::sync_channel::<Vec<String>>(1);
            let (empty, free) = mpsc::channel::<Vec<String>>();
            for _ in 0..2 {
                empty.send(vec![String::new(); sets]).ok();
            }
            scope.spawn(move || {
                for first in (0..pieces).step_by(batch) {
                    let Ok(mut texts) = free.recv() else { return };
                    texts.truncate(batch.min(pieces - first));
                    print_batch(piece, first, &mut texts);
                    if full.send(texts).is_err() {
                        return;
                    }
                }
            });
            // Returning drops the channels' ends here, which stops the printer thread.
            for texts in printed {
                self.write_texts(&texts, out)?;
                empty.send(texts).ok();
            }
            Ok(())
        })
    }

    /// Writes printed pieces, unless a user's chain template has failed (which stops the
    /// output at the next piece).
    fn write_texts(&self, texts: &[String], out: &mut dyn Write) -> std::io::Result<()> {
        if self.failed() {
            return Err(stop());
        }
        texts
            .iter()
            .try_for_each(|text| out.write_all(text.as_bytes()))
    }

    /// The element-wise rows of `groups`, unless only the matrix form is asked for.
    pub(super) fn elementwise(&self, groups: &'a [LayerChains]) -> BlockView {
        if self.form == Form::Matrix {
            return BlockView::default();
        }
        self.layered(groups)
    }

    /// The matrix-form rows `make` gives, unless only the element-wise form is asked for.
    pub(super) fn matrices(&self, make: impl FnOnce() -> Vec<ChainView>) -> BlockView {
        if self.form == Form::Elements {
            return BlockView::default();
        }
        self.views(make())
    }

    pub(super) fn chains(&self, chains: impl IntoIterator<Item = &'a Chain>) -> BlockView {
        let chains = chains.into_iter().map(|c| (c, None)).collect();
        self.block(Pending::Chains(chains), None)
    }

    pub(super) fn layered(&self, groups: &'a [LayerChains]) -> BlockView {
        let chains = groups
            .iter()
            .flat_map(|g| g.chains.iter().map(move |c| (c, Some(g.layer))))
            .collect();
        self.block(Pending::Chains(chains), None)
    }

    pub(super) fn views(&self, views: Vec<ChainView>) -> BlockView {
        self.block(Pending::Views(views), None)
    }

    /// The gradient rows (or the update rows) of every layer, output first.
    pub(super) fn parameter_rows(&self, step: &'a Step, of: Parameters) -> Vec<BlockView> {
        self.derivation
            .parameter_rows(step, of)
            .into_iter()
            .map(|rows| match self.form {
                Form::Matrix => self.block(Pending::Views(Vec::new()), Some(rows.layer())),
                Form::Elements | Form::Both => self.block(Pending::Rows(rows), Some(rows.layer())),
            })
            .collect()
    }

    /// `=` when every value is shown exactly, `\approx` otherwise.
    pub(super) fn rel<'v>(&self, mut values: impl Iterator<Item = &'v Value>) -> &'static str {
        if values.all(|v| self.printer.shows_exactly(*v)) {
            EQUALS
        } else {
            APPROX
        }
    }
}
