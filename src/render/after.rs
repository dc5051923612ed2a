//! The loss after the update as the templates show it: per sample the forward pass as vectors
//! of values only (a, z, y: the rows that make them were shown in the steps), E after, and how
//! much the last update lowered it.

use super::blocks::Views;
use super::views::{AfterSampleView, AfterView, BlockView};
use crate::derivation::After;
use crate::latex::matrix as tex;
use crate::math::expr::{Index, Symbol};
use crate::math::number::Value;

impl Views<'_> {
    pub(super) fn after(&self, after: &After) -> AfterView {
        let samples = self.samples;
        let numbered = |n: usize| (samples > 1).then_some(n as u32);
        let views = (1..=samples)
            .map(|n| AfterSampleView {
                number: numbered(n),
                rows: self.after_sample(after, n, numbered(n)),
            })
            .collect();
        let total = (samples > 1).then(|| {
            let loss = self.printer.symbol(&Symbol::loss());
            self.views(vec![self.matrix_row(loss, vec![self.shown(after.loss)])])
        });
        let change = if after.decrease.f < 0.0 {
            -after.decrease
        } else {
            after.decrease
        };
        AfterView {
            step: after.step,
            samples: views,
            total,
            loss_rel: self.rel(std::iter::once(&after.loss)),
            loss: self.printer.value(after.loss),
            before_rel: self.rel(std::iter::once(&after.before)),
            before: self.printer.value(after.before),
            comparable: self.network.layers.iter().all(|l| l.dropout.is_none()),
            decreased: after.decrease.f >= 0.0,
            change_rel: self.rel(std::iter::once(&change)),
            change: self.printer.value(change),
        }
    }

    /// `rel value` of one value.
    fn shown(&self, value: Value) -> (&'static str, String) {
        (self.rel(std::iter::once(&value)), self.printer.value(value))
    }

    /// Sample `n`'s a and z of every layer (the last z is y) and its loss, a row each.
    fn after_sample(&self, after: &After, n: usize, sample: Option<u32>) -> BlockView {
        let mut rows = Vec::new();
        for (l, layer) in after.layers.iter().enumerate() {
            let l = l as u32 + 1;
            for (name, values) in [
                (tex::pre_vector(l), &layer.pre[n - 1]),
                (self.vector_name(l), &layer.out[n - 1]),
            ] {
                let rel = self.rel(values.iter());
                rows.push(self.matrix_row(
                    self.with_sample(name, sample),
                    vec![(rel, self.value_column(values))],
                ));
            }
        }
        let loss = self
            .printer
            .symbol(&Symbol::loss().at(sample.map(Index::Num)));
        rows.push(self.matrix_row(loss, vec![self.shown(after.sample_losses[n - 1])]));
        self.views(rows)
    }
}
