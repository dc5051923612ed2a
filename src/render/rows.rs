//! One chain's rows: printed, fitted to the line (broken where too wide or too tall), kept with
//! the row above where a page break would split a formula from its first numbers, and laid out
//! by the built-in `chain.tex.tera` or the user's.

use super::blocks::{ChainLayout, Views, LONG_CHAIN};
use super::templates::template_error;
use super::views::{ChainView, RowView};
use crate::derivation::{Chain, ChainKind};
use crate::latex::fit;

/// Rows at least this long (in bytes) are broken in parallel when a chain has two of them.
const PARALLEL_ROW: usize = 4096;

impl Views<'_> {
    pub(super) fn chain(&self, chain: &Chain, layer: Option<u32>) -> ChainView {
        let lhs = self.printer.expr(&chain.lhs);
        let rows = self.row_views(
            chain
                .rows
                .iter()
                .zip(self.printer.relations(&chain.rows))
                .map(|(row, rel)| (rel, self.printer.expr(&row.expr)))
                .collect(),
        );
        let width = lhs.len() + rows.iter().map(|r| r.body.len() + 8).sum::<usize>();
        ChainView {
            kind: chain.kind,
            long: width > LONG_CHAIN,
            layer,
            lhs,
            rows,
            rules: chain.rules.clone(),
        }
    }

    /// Rows as the template sees them, each marked whether it keeps with the one above.
    pub(super) fn row_views(&self, rows: Vec<(&'static str, String)>) -> Vec<RowView> {
        let keeps = {
            let rows: smallvec::SmallVec<[(&str, &str); 4]> =
                rows.iter().map(|r| (r.0, r.1.as_str())).collect();
            self.keeps(&rows)
        };
        rows.into_iter()
            .zip(keeps)
            .map(|((rel, body), keep)| RowView { rel, body, keep })
            .collect()
    }

    /// Which rows of a stacked chain keep with the row above: the general formula's
    /// continuations and the first row of numbers (in LaTeX, unless the general formula
    /// alone takes many lines, or the rows kept together would be taller than a row may be:
    /// the row blocks of a tall matrix).
    pub(super) fn keeps(&self, rows: &[(&str, &str)]) -> smallvec::SmallVec<[bool; 4]> {
        const MOST: usize = 6;
        let general = 1 + rows.iter().skip(1).take_while(|r| r.0.is_empty()).count();
        let pages = self.env.paged() && general <= MOST;
        let mut keeps: smallvec::SmallVec<[bool; 4]> = (0..rows.len())
            .map(|k| pages && k >= 1 && k <= general)
            .collect();
        if pages && keeps.iter().any(|&k| k) {
            let heights: smallvec::SmallVec<[f64; 4]> = rows
                .iter()
                .map(|r| fit::height_of(r.1, fit::TALLEST))
                .collect();
            let mut together = heights.first().copied().unwrap_or(0.0);
            for (keep, h) in keeps.iter_mut().zip(&heights).skip(1) {
                if *keep && together + h <= fit::TALLEST {
                    together += h;
                } else {
                    *keep = false;
                    together = *h;
                }
            }
        }
        keeps
    }

    /// The most a row may be high: a page's in LaTeX, none on a web page (Markdown).
    fn tallest(&self) -> f64 {
        if self.env.paged() {
            fit::TALLEST
        } else {
            f64::INFINITY
        }
    }

    /// Whether `text` fits on one line `room` points wide and is no taller than a row may be.
    pub(super) fn fits(&self, text: &str, room: f64) -> bool {
        fit::width(text) <= room && !fit::tall(text, self.tallest())
    }

    /// The width the right-hand sides of a block have beside left-hand sides `lhs` points
    /// wide: the line less the relation and the environment's gaps around it.
    fn room(&self, lhs: f64) -> f64 {
        let gap = self.env.relation_gap();
        fit::LINE - lhs - gap
    }

    /// The rows of a chain broken to fit beside left-hand sides `lhs` points wide, stacked;
    /// `None` when they fit as printed (on one line unless `stacked`). A continuation row has
    /// an empty relation.
    pub(super) fn fit<'b>(
        &self,
        lhs: f64,
        stacked: bool,
        rows: &[(&'static str, &'b str)],
    ) -> Option<Vec<(&'static str, std::borrow::Cow<'b, str>)>> {
        use std::borrow::Cow;
        let room = self.room(lhs);
        let tallest = self.tallest();
        let tall: smallvec::SmallVec<[bool; 4]> =
            rows.iter().map(|r| fit::tall(r.1, tallest)).collect();
        let low = !tall.contains(&true);
        let relations = 17.0 * rows.len().saturating_sub(1) as f64;
        let fits = |widths: &[f64]| {
            low && if stacked {
                widths.iter().all(|&w| w <= room)
            } else {
                widths.iter().sum::<f64>() + relations <= room
            }
        };
        // Most rows fit by their cheap bounds, and are not measured; in a stacked chain only
        // each row's side of the room counts, and a bound may tell that too.
        let bounds: smallvec::SmallVec<[Option<fit::Bounds>; 4]> =
            rows.iter().map(|r| fit::row_bounds(r.1)).collect();
        let sure = low
            && if stacked {
                bounds.iter().all(|b| b.is_some_and(|b| b.within(room)))
            } else {
                let total: Option<fit::Bounds> = bounds.iter().copied().sum();
                total.is_some_and(|t| t.within(room - relations))
            };
        if sure {
            return None;
        }
        let widths: smallvec::SmallVec<[f64; 4]> = rows
            .iter()
            .zip(&bounds)
            .map(|(r, b)| match b {
                Some(b) if stacked && b.within(room) => b.high,
                Some(b) if stacked && b.beyond(room) => b.low,
                _ => fit::width(r.1),
            })
            .collect();
        if fits(&widths) {
            return None;
        }
        let broken = |((&(_, body), &w), &tall): ((&(&'static str, &str), &f64), &bool)| {
            (w > room || tall)
                .then(|| fit::break_wide_row(body, room, room - fit::INDENT_WIDTH, tallest))
                .flatten()
        };
        // A pre-activation's rows (784 terms each, symbols and numbers) are broken side by side.
        let long = rows.iter().filter(|r| r.1.len() >= PARALLEL_ROW).count() >= 2;
        let broken: Vec<Option<Vec<String>>> = if long {
            use rayon::prelude::*;
            rows.par_iter()
                .zip(&widths[..])
                .zip(&tall[..])
                .map(broken)
                .collect()
        } else {
            rows.iter().zip(&widths).zip(&tall).map(broken).collect()
        };
        let mut fitted = Vec::with_capacity(rows.len());
        for (&(rel, body), lines) in rows.iter().zip(broken) {
            match lines {
                Some(lines) => {
                    for (n, line) in lines.into_iter().enumerate() {
                        fitted.push((if n == 0 { rel } else { "" }, Cow::Owned(line)));
                    }
                }
                None => fitted.push((rel, Cow::Borrowed(body))),
            }
        }
        Some(fitted)
    }

    /// Writes `rows` as they are, or as [`Views::fit`] broke them (always stacked then).
    fn write_fitted(
        &self,
        stacked: bool,
        rows: &[(&'static str, &str)],
        fitted: Option<&[(&'static str, std::borrow::Cow<'_, str>)]>,
        out: &mut String,
    ) {
        match fitted {
            None => self.write_rows(stacked, rows, out),
            Some(fitted) => {
                let rows: Vec<(&'static str, &str)> = fitted
                    .iter()
                    .map(|(rel, body)| (*rel, body.as_ref()))
                    .collect();
                self.write_rows(true, &rows, out);
            }
        }
    }

    /// Appends one chain as `chain.tex.tera` lays it out, its rows fitted beside left-hand
    /// sides `lhs` points wide.
    pub(super) fn lay_out(&self, chain: &ChainView, lhs: f64, out: &mut String) {
        let rows: smallvec::SmallVec<[(&'static str, &str); 4]> = chain
            .rows
            .iter()
            .map(|row| (row.rel, row.body.as_str()))
            .collect();
        let stacked = chain.long || Self::stacks(chain.kind);
        let fitted = self.fit(lhs, stacked, &rows);
        match &self.layout {
            ChainLayout::Builtin => {
                out.push_str(&chain.lhs);
                self.write_fitted(stacked, &rows, fitted.as_deref(), out);
            }
            ChainLayout::Template {
                tera,
                context,
                error,
            } => {
                let refitted;
                let chain = match fitted {
                    None => chain,
                    Some(fitted) => {
                        refitted = ChainView {
                            kind: chain.kind,
                            long: true,
                            layer: chain.layer,
                            lhs: chain.lhs.clone(),
                            rows: self.row_views(
                                fitted
                                    .into_iter()
                                    .map(|(rel, body)| (rel, body.into_owned()))
                                    .collect(),
                            ),
                            rules: chain.rules.clone(),
                        };
                        &refitted
                    }
                };
                let mut context = context.clone();
                context.insert("chain", chain);
                match tera.render("chain.tex.tera", &context) {
                    Ok(text) => out.push_str(&text),
                    Err(e) => {
                        let mut first = error.lock().unwrap_or_else(|p| p.into_inner());
                        first.get_or_insert_with(|| template_error("chain.tex.tera", &e));
                    }
                }
            }
        }
    }

    /// Appends `chain` laid out beside left-hand sides `lhs` points wide; with the built-in
    /// layout, printed straight into `out` without a [`ChainView`] (the rows of a big network
    /// are most of its run time).
    pub(super) fn write_chain(
        &self,
        chain: &Chain,
        layer: Option<u32>,
        lhs: f64,
        out: &mut String,
    ) {
        if !matches!(self.layout, ChainLayout::Builtin) {
            return self.lay_out(&self.chain(chain, layer), lhs, out);
        }
        let mut bodies = String::with_capacity(256);
        let mut rows: smallvec::SmallVec<[(&'static str, usize); 4]> = smallvec::SmallVec::new();
        for (row, rel) in chain.rows.iter().zip(self.printer.relations(&chain.rows)) {
            self.printer.write_expr(&row.expr, &mut bodies);
            rows.push((rel, bodies.len()));
        }
        let start = out.len();
        self.printer.write_expr(&chain.lhs, out);
        self.write_printed(chain.kind, start, &bodies, &rows, lhs, out);
    }

    /// Appends a chain whose left-hand side is printed at `start..` of `out` and whose rows
    /// are `bodies` cut at the ends in `rows`, each after its relation.
    pub(super) fn write_printed(
        &self,
        kind: ChainKind,
        start: usize,
        bodies: &str,
        rows: &[(&'static str, usize)],
        lhs: f64,
        out: &mut String,
    ) {
        let width = out.len() - start + bodies.len() + 8 * rows.len();
        let stacked = width > LONG_CHAIN || Self::stacks(kind);
        let mut from = 0;
        let rows: smallvec::SmallVec<[(&'static str, &str); 4]> = rows
            .iter()
            .map(|&(rel, end)| {
                let body = &bodies[from..end];
                from = end;
                (rel, body)
            })
            .collect();
        self.write_shaped(lhs, stacked, &rows, out);
    }

    /// Writes `rows` fitted beside left-hand sides `lhs` points wide, as [`Views::fit`] and
    /// [`Views::keeps`] decide. Neither looks at which digits a row has (every digit is as
    /// wide and as high as any other), so a chain that fits as printed is remembered by its
    /// shape, its digits made `0`, on each thread: a layer's 78,400 gradient rows have a few
    /// hundred shapes.
    fn write_shaped(
        &self,
        lhs: f64,
        stacked: bool,
        rows: &[(&'static str, &str)],
        out: &mut String,
    ) {
        /// Longer chains are fitted directly (they are few, and their shapes many).
        const SHORT: usize = 512;
        /// Shapes kept per thread; all are forgotten when there are more.
        const KEPT: usize = 4096;
        type Keeps = smallvec::SmallVec<[bool; 4]>;
        type Shapes = rustc_hash::FxHashMap<Box<[u8]>, Keeps>;
        thread_local! {
            static SHAPES: std::cell::RefCell<Shapes> = std::cell::RefCell::default();
        }
        let mut key = smallvec::SmallVec::<[u8; SHORT]>::new();
        key.extend_from_slice(&lhs.to_bits().to_le_bytes());
        key.push(u8::from(stacked));
        key.push(self.env as u8);
        for &(rel, body) in rows {
            if key.len() + rel.len() + body.len() + 2 > SHORT {
                let fitted = self.fit(lhs, stacked, rows);
                return self.write_fitted(stacked, rows, fitted.as_deref(), out);
            }
            key.extend_from_slice(rel.as_bytes());
            key.push(0xFF);
            let at = key.len();
            key.extend_from_slice(body.as_bytes());
            for c in &mut key[at..] {
                if c.is_ascii_digit() {
                    *c = b'0';
                }
            }
            key.push(0xFE);
        }
        let known = SHAPES.with_borrow(|shapes| shapes.get(&key[..]).cloned());
        if let Some(keeps) = known {
            return self.write_kept(stacked, rows, &keeps, out);
        }
        let fitted = self.fit(lhs, stacked, rows);
        if fitted.is_none() {
            let keeps = self.keeps(rows);
            self.write_kept(stacked, rows, &keeps, out);
            SHAPES.with_borrow_mut(|shapes| {
                if shapes.len() >= KEPT {
                    shapes.clear();
                }
                shapes.insert(key[..].into(), keeps);
            });
            return;
        }
        self.write_fitted(stacked, rows, fitted.as_deref(), out);
    }

    /// Whether chains of `kind` stand one step per row however short they are.
    pub(super) fn stacks(kind: ChainKind) -> bool {
        matches!(
            kind,
            ChainKind::PreActivation
                | ChainKind::Loss
                | ChainKind::Gradient
                | ChainKind::ExpandedGradient
                | ChainKind::Matrix
        )
    }

    /// The rows of a chain after its left-hand side: `&rel&body`, then ` rel body` on the
    /// same line or `\\` (`\\*` where the row keeps with the one above), a newline and
    /// `&rel&body` when stacked (eqnarray; align and aligned take `&rel body`).
    fn write_rows(&self, stacked: bool, rows: &[(&'static str, &str)], out: &mut String) {
        self.write_kept(stacked, rows, &self.keeps(rows), out);
    }

    /// [`Views::write_rows`] with which rows keep with the one above already known.
    fn write_kept(
        &self,
        stacked: bool,
        rows: &[(&'static str, &str)],
        keeps: &[bool],
        out: &mut String,
    ) {
        let after_rel = self.env.after_relation();
        for (n, &(rel, body)) in rows.iter().enumerate() {
            if n == 0 {
                out.push('&');
            } else if stacked {
                out.push_str(if keeps[n] { "\\\\*\n&" } else { "\\\\\n&" });
            } else {
                out.push(' ');
            }
            out.push_str(rel);
            out.push_str(if n == 0 || stacked { after_rel } else { " " });
            out.push_str(body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{Env, Layout};
    use super::super::templates::engine;
    use super::*;
    use crate::derivation::Parameters;

    #[test]
    fn a_chain_remembered_by_its_shape_is_written_as_the_fitter_writes_it() {
        // Every gradient and update row of the examples, in each environment, stacked or not,
        // beside a narrow and a wide left-hand side: written through the shapes this thread
        // remembers (twice, so that the second is a hit), and fitted anew.
        let engine = engine(None).unwrap();
        for text in [
            include_str!("../../examples/article.nn"),
            include_str!("../../examples/deep.nn"),
            include_str!("../../examples/softmax.nn"),
        ] {
            let tree = crate::syntax::parser::parse(text).unwrap();
            let network = crate::check::check(&tree).unwrap();
            let derivation = crate::derivation::derive(&network, Default::default()).unwrap();
            for (env, markdown) in [
                (Env::Eqnarray, false),
                (Env::Align, false),
                (Env::Align, true),
            ] {
                let layout = Layout {
                    env,
                    ..Layout::default()
                };
                let views = Views::new(&derivation, &layout, markdown, &engine);
                let mut chains = 0;
                for step in &derivation.steps {
                    for of in [Parameters::Gradients, Parameters::Updates] {
                        for rows in derivation.parameter_rows(step, of) {
                            for k in 0..rows.len() {
                                let view = views.chain(&rows.get(k), None);
                                let rows: Vec<(&'static str, &str)> =
                                    view.rows.iter().map(|r| (r.rel, r.body.as_str())).collect();
                                for (lhs, stacked) in [(40.0, true), (40.0, false), (400.0, true)] {
                                    let mut fitted = String::new();
                                    let fit = views.fit(lhs, stacked, &rows);
                                    views.write_fitted(stacked, &rows, fit.as_deref(), &mut fitted);
                                    for _ in 0..2 {
                                        let mut shaped = String::new();
                                        views.write_shaped(lhs, stacked, &rows, &mut shaped);
                                        assert_eq!(shaped, fitted);
                                    }
                                }
                                chains += 1;
                            }
                        }
                    }
                }
                assert!(chains >= 20, "{chains} chains");
            }
        }
    }
}
