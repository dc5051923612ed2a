//! The matrix form: vectors and matrices of the numbers the derivation computed, as
//! `bmatrix`es, with the relation each row of numbers earns.

use super::blocks::Views;
use super::views::ChainView;
use crate::derivation::{ChainKind, LayerNumbers, Step};
use crate::latex::matrix as tex;
use crate::latex::{APPROX, EQUALS};
use crate::math::expr::Func;
use crate::math::number::Value;

impl Views<'_> {
    /// A `rows` × `columns` bmatrix whose cell (i, j) (from 0) `cell` writes; the rows of a
    /// big one are printed in parallel.
    pub(super) fn bmatrix(
        &self,
        rows: usize,
        columns: usize,
        cell: impl Fn(usize, usize, &mut String) + Sync,
    ) -> String {
        tex::bmatrix(rows, columns, cell)
    }

    pub(super) fn value_matrix(&self, rows: &[Vec<Value>]) -> String {
        let columns = rows.first().map_or(0, Vec::len);
        self.bmatrix(rows.len(), columns, |i, j, out| {
            self.printer.write_value(rows[i][j], out)
        })
    }

    pub(super) fn value_column(&self, values: &[Value]) -> String {
        let rows: Vec<Vec<Value>> = values.iter().map(|v| vec![*v]).collect();
        self.value_matrix(&rows)
    }
}

/// The matrix form and the drawing: vectors and matrices of numbers the derivation computed,
/// written with the one printer.
impl Views<'_> {
    pub(super) fn vector_name(&self, layer: u32) -> String {
        tex::output_vector(layer, self.network.depth())
    }

    /// What layer `l + 1` reads of layer `l`: its outputs, or them after dropout.
    pub(super) fn input_name(&self, l: u32) -> String {
        match self.dropout(l) {
            Some(_) => tex::dropped_vector(l, self.network.depth()),
            None => self.vector_name(l),
        }
    }

    fn dropout(&self, l: u32) -> Option<&crate::model::Dropout> {
        (l >= 1).then(|| self.network.layer(l).dropout.as_ref())?
    }

    /// p of layer `l`'s inverted dropout, as given.
    fn keep(&self, l: u32) -> Option<Value> {
        match self.dropout(l)?.scale {
            crate::model::DropoutScale::Inverted { keep } => Some(Value::decimal(keep)),
            crate::model::DropoutScale::None => None,
        }
    }

    /// Layer `l`'s mask of sample `n` (from 0) as exact 0s and 1s.
    fn mask(&self, l: u32, n: usize) -> Vec<Value> {
        self.dropout(l).map_or_else(Vec::new, |d| {
            d.mask[n].iter().map(|&k| Value::int(k.into())).collect()
        })
    }

    /// `slope` followed by dropout's factor `⊙ r/p` where layer `l` has dropout; `mask` and
    /// `keep` name the mask and p (or give their numbers).
    fn with_dropout(&self, l: u32, slope: String, mask: String, keep: Option<String>) -> String {
        match self.dropout(l) {
            Some(_) => tex::masked(&slope, &mask, keep.as_deref()),
            None => slope,
        }
    }

    /// h'(a) ⊙ r/p, the slope δ is backpropagated through, in general form.
    fn slope_formula(&self, l: u32, pre: String, mask: String) -> String {
        let depth = self.network.depth();
        let applied = tex::apply(&self.function_name(l, true), &pre);
        let keep = self.keep(l).map(|_| tex::keep_name(l, depth));
        self.with_dropout(l, applied, mask, keep)
    }

    /// The same with the numbers of sample `n` (from 0).
    fn slope_numbers(&self, l: u32, n: usize, slopes: &[Value]) -> String {
        let keep = self.keep(l).map(|p| {
            let mut out = String::new();
            self.printer.write_value(p, &mut out);
            out
        });
        let mask = self.value_column(&self.mask(l, n));
        self.with_dropout(l, self.value_column(slopes), mask, keep)
    }

    /// Layer `l`'s dropout as given: every sample's mask, p, and z̃'s form.
    pub(super) fn dropout_given(&self, l: u32) -> Option<String> {
        let dropout = self.dropout(l)?;
        let depth = self.network.depth();
        let masks: Vec<String> = (0..dropout.mask.len())
            .map(|n| self.value_column(&self.mask(l, n)))
            .collect();
        let keep = self.keep(l).map(|p| {
            let mut out = String::new();
            self.printer.write_value(p, &mut out);
            out
        });
        let form = self.with_dropout(
            l,
            self.vector_name(l),
            tex::mask_vector(l, depth),
            keep.as_ref().map(|_| tex::keep_name(l, depth)),
        );
        let form = format!("{}={form}", self.input_name(l));
        Some(tex::dropout_given(&masks, keep.as_deref(), &form))
    }

    /// Dropout's factor r_i/p (or r_i) of unit `i` (from 0) of sample `n`; 1 without dropout.
    fn dropout_factor(&self, l: u32, n: usize, i: usize) -> Value {
        match self.dropout(l) {
            None => Value::int(1),
            Some(_) => {
                let r = self.mask(l, n)[i];
                match self.keep(l) {
                    Some(p) => r / self.as_shown(p),
                    None => r,
                }
            }
        }
    }

    pub(super) fn with_sample(&self, name: String, sample: Option<u32>) -> String {
        tex::of_sample(name, sample)
    }

    fn function_name(&self, layer: u32, derivative: bool) -> String {
        if derivative {
            self.printer.derivative_name(Func::Act(layer))
        } else {
            self.printer.function_name(Func::Act(layer))
        }
    }

    /// Whether the loss is the mean over several samples (its gradients are scaled by 1/N).
    fn mean_over_samples(&self) -> bool {
        let mean = matches!(
            self.network.loss.aggregate,
            crate::math::functions::Aggregate::Mean
        );
        mean && self.samples > 1
    }

    /// `\frac{1}{N}` before a sum over samples of a mean loss, or nothing.
    fn mean_scale(&self) -> String {
        if self.mean_over_samples() {
            tex::mean_scale(self.samples)
        } else {
            String::new()
        }
    }

    pub(super) fn matrix_row(&self, lhs: String, rows: Vec<(&'static str, String)>) -> ChainView {
        ChainView {
            kind: ChainKind::Matrix,
            long: true,
            layer: None,
            lhs,
            rows: self.row_views(rows),
            rules: Vec::new(),
        }
    }

    fn transpose(rows: &[Vec<Value>]) -> Vec<Vec<Value>> {
        let width = rows.first().map_or(0, Vec::len);
        (0..width)
            .map(|j| rows.iter().map(|r| r[j]).collect())
            .collect()
    }

    /// `v` as it is printed: itself when it is shown exactly, else the shown decimal (carried
    /// exactly), so that a numbers row combines what it shows.
    fn as_shown(&self, v: Value) -> Value {
        let options = &self.derivation.options;
        v.rounded(options.digits, options.rounding)
    }

    /// The relation before `values`, the result of a numbers row whose `numbers` are printed
    /// and whose entry `k` (in row order) `from_shown(k)` computes from them as printed. `=`
    /// only where every value is shown exactly and is exactly what the shown numbers give —
    /// `0.7809\cdot1+(-0.82)` is not −0.03909 — as for the element rows
    /// ([`Printer::relations`]).
    fn rel_after<'v>(
        &self,
        numbers: impl Iterator<Item = &'v Value>,
        values: &[Value],
        from_shown: impl Fn(usize) -> Value,
    ) -> &'static str {
        if !values.iter().all(|v| self.printer.shows_exactly(*v)) {
            return APPROX;
        }
        if self.rel(numbers) == EQUALS {
            return EQUALS;
        }
        let given = |k: usize| {
            let c = from_shown(k);
            c.rational()
        };
        if (0..values.len()).all(|k| given(k).is_some_and(|r| values[k].exact() == Some(r))) {
            EQUALS
        } else {
            APPROX
        }
    }

    /// a = W z (+ b), z = h(a), δ = h'(a) ⊙ Wᵀδ, ∂E/∂W = δ zᵀ, in general form.
    pub(super) fn matrix_equations(&self) -> Vec<ChainView> {
        let depth = self.network.depth();
        let sum = |body: String| {
            if self.samples > 1 {
                tex::sum_over_samples(&body)
            } else {
                body
            }
        };
        let sample = |name: String| {
            if self.samples > 1 {
                tex::of_each_sample(name)
            } else {
                name
            }
        };
        let mut rows = Vec::new();
        for l in 1..=depth {
            let bias = if self.network.layer(l).bias.is_some() {
                format!("+{}", tex::bias_vector(l))
            } else {
                String::new()
            };
            rows.push(self.matrix_row(
                sample(tex::pre_vector(l)),
                vec![(
                    EQUALS,
                    format!(
                        "{}{}{bias}",
                        tex::weight_matrix(l),
                        sample(self.input_name(l - 1))
                    ),
                )],
            ));
            rows.push(self.matrix_row(
                sample(self.vector_name(l)),
                vec![(
                    EQUALS,
                    tex::apply(&self.function_name(l, false), &sample(tex::pre_vector(l))),
                )],
            ));
            if self.dropout(l).is_some() {
                let mask = sample(tex::mask_vector(l, depth));
                let keep = self.keep(l).map(|_| tex::keep_name(l, depth));
                let dropped = self.with_dropout(l, sample(self.vector_name(l)), mask, keep);
                rows.push(self.matrix_row(sample(self.input_name(l)), vec![(EQUALS, dropped)]));
            }
        }
        for l in (1..depth).rev() {
            rows.push(self.matrix_row(
                sample(tex::delta_vector(l)),
                vec![(
                    EQUALS,
                    tex::backpropagated_from(
                        &self.slope_formula(
                            l,
                            sample(tex::pre_vector(l)),
                            sample(tex::mask_vector(l, depth)),
                        ),
                        l as usize + 1,
                        &sample(tex::delta_vector(l + 1)),
                    ),
                )],
            ));
        }
        let scale = self.mean_scale();
        for l in (1..=depth).rev() {
            let product = tex::outer_product(
                &sample(tex::delta_vector(l)),
                &sample(self.input_name(l - 1)),
            );
            rows.push(self.matrix_row(
                tex::gradient(&tex::weight_matrix(l)),
                vec![(EQUALS, format!("{scale}{}", sum(product)))],
            ));
        }
        rows
    }

    /// The inputs of layer `l` (from 1) for sample `n` (from 0): the given x, or the outputs
    /// of the layer before.
    fn inputs(&self, step: &Step, l: usize, n: usize) -> Vec<Value> {
        if l == 1 {
            self.network.x[n]
                .iter()
                .map(|d| Value::decimal(*d))
                .collect()
        } else {
            let below = &step.layers[l - 2];
            match &below.dropped {
                Some(dropped) => dropped[n].clone(),
                None => below.out[n].clone(),
            }
        }
    }

    /// The forward pass of sample `n` (from 0) in matrix form.
    pub(super) fn matrix_forward(
        &self,
        step: &Step,
        n: usize,
        sample: Option<u32>,
    ) -> Vec<ChainView> {
        let mut rows = Vec::new();
        for (l, numbers) in step.layers.iter().enumerate() {
            let l = l as u32 + 1;
            let input = self.inputs(step, l as usize, n);
            let a = &numbers.pre[n];
            let (bias_symbol, bias_numbers) = match &numbers.bias {
                Some(b) => (
                    format!("+{}", tex::bias_vector(l)),
                    format!("+{}", self.value_column(b)),
                ),
                None => (String::new(), String::new()),
            };
            let all: Vec<&Value> = numbers
                .weights
                .iter()
                .flatten()
                .chain(&input)
                .chain(numbers.bias.iter().flatten())
                .collect();
            rows.push(self.matrix_row(
                self.with_sample(tex::pre_vector(l), sample),
                vec![
                    (
                        EQUALS,
                        format!(
                            "{}{}{bias_symbol}",
                            tex::weight_matrix(l),
                            self.with_sample(self.input_name(l - 1), sample)
                        ),
                    ),
                    (
                        self.rel(all.iter().copied()),
                        format!(
                            "{}{}{bias_numbers}",
                            self.value_matrix(&numbers.weights),
                            self.value_column(&input)
                        ),
                    ),
                    (
                        self.rel_after(all.into_iter(), a, |i| {
                            let terms = numbers.weights[i].iter().zip(&input);
                            let sum = terms.fold(Value::int(0), |acc, (w, x)| {
                                acc + self.as_shown(*w) * self.as_shown(*x)
                            });
                            match &numbers.bias {
                                Some(b) => sum + self.as_shown(b[i]),
                                None => sum,
                            }
                        }),
                        self.value_column(a),
                    ),
                ],
            ));
            let z = &numbers.out[n];
            rows.push(self.matrix_row(
                self.with_sample(self.vector_name(l), sample),
                vec![
                    (
                        EQUALS,
                        tex::apply(
                            &self.function_name(l, false),
                            &self.with_sample(tex::pre_vector(l), sample),
                        ),
                    ),
                    (self.rel(z.iter()), self.value_column(z)),
                ],
            ));
            if let Some(dropped) = &numbers.dropped {
                rows.push(self.dropped_row(l, n, sample, z, &dropped[n]));
            }
        }
        rows
    }

    /// z̃ = r ⊙ z / p of layer `l` for sample `n` (from 0), `z` and `dropped` its values.
    fn dropped_row(
        &self,
        l: u32,
        n: usize,
        sample: Option<u32>,
        z: &[Value],
        dropped: &[Value],
    ) -> ChainView {
        let depth = self.network.depth();
        let mask = self.mask(l, n);
        let keep = self.keep(l);
        let general = self.with_dropout(
            l,
            self.with_sample(self.vector_name(l), sample),
            self.with_sample(tex::mask_vector(l, depth), sample),
            keep.map(|_| tex::keep_name(l, depth)),
        );
        let keep_shown = keep.map(|p| {
            let mut out = String::new();
            self.printer.write_value(p, &mut out);
            out
        });
        let numbers = self.with_dropout(
            l,
            self.value_column(z),
            self.value_column(&mask),
            keep_shown,
        );
        let shown: Vec<&Value> = z.iter().chain(&mask).chain(keep.iter()).collect();
        let from_shown = |i: usize| self.as_shown(z[i]) * self.dropout_factor(l, n, i);
        self.matrix_row(
            self.with_sample(self.input_name(l), sample),
            vec![
                (EQUALS, general),
                (self.rel(shown.iter().copied()), numbers),
                (
                    self.rel_after(shown.into_iter(), dropped, from_shown),
                    self.value_column(dropped),
                ),
            ],
        )
    }

    /// The δ vectors of sample `n` (from 0) in matrix form.
    pub(super) fn matrix_backward(
        &self,
        step: &Step,
        n: usize,
        sample: Option<u32>,
    ) -> Vec<ChainView> {
        let depth = self.network.depth() as usize;
        let delta_name = |l: usize| self.with_sample(tex::delta_vector(l), sample);
        let mut rows = Vec::new();
        let output = &step.layers[depth - 1].delta[n];
        rows.push(self.matrix_row(
            delta_name(depth),
            vec![
                (
                    EQUALS,
                    tex::gradient(&self.with_sample(tex::pre_vector(depth), sample)),
                ),
                (self.rel(output.iter()), self.value_column(output)),
            ],
        ));
        for l in (1..depth).rev() {
            let numbers = &step.layers[l - 1];
            let next = &step.layers[l];
            let Some(slopes) = &numbers.act_deriv else {
                continue;
            };
            let transposed = Self::transpose(&next.weights);
            let shown: Vec<&Value> = slopes[n]
                .iter()
                .chain(transposed.iter().flatten())
                .chain(&next.delta[n])
                .collect();
            rows.push(self.matrix_row(
                delta_name(l),
                vec![
                    (
                        EQUALS,
                        tex::backpropagated_from(
                            &self.slope_formula(
                                l as u32,
                                self.with_sample(tex::pre_vector(l), sample),
                                self.with_sample(tex::mask_vector(l as u32, depth as u32), sample),
                            ),
                            l + 1,
                            &delta_name(l + 1),
                        ),
                    ),
                    (
                        self.rel(shown.iter().copied()),
                        tex::backpropagated_numbers(
                            &self.slope_numbers(l as u32, n, &slopes[n]),
                            &self.value_matrix(&transposed),
                            &self.value_column(&next.delta[n]),
                        ),
                    ),
                    (
                        self.rel_after(shown.into_iter(), &numbers.delta[n], |i| {
                            self.as_shown(slopes[n][i])
                                * self.dropout_factor(l as u32, n, i)
                                * self.backpropagated(next, n, i)
                        }),
                        self.value_column(&numbers.delta[n]),
                    ),
                ],
            ));
        }
        rows
    }

    /// (Wᵀδ)_i of the layer after, `next`, for sample `n` (from 0), from its numbers as shown.
    fn backpropagated(&self, next: &LayerNumbers, n: usize, i: usize) -> Value {
        let terms = next.weights.iter().zip(&next.delta[n]);
        terms.fold(Value::int(0), |acc, (row, d)| {
            acc + self.as_shown(row[i]) * self.as_shown(*d)
        })
    }

    /// ∂E/∂W = δ zᵀ (summed over samples) with numbers. Where the element rows write the first
    /// layer's gradients out as h'(a)(Σ w δ) x and the values are carried rounded, δ^{(1)} as
    /// shown times x is not what they computed: the numbers are then h'(a) ⊙ (W^{(2)})ᵀδ^{(2)}
    /// times xᵀ, which give the element rows' values.
    pub(super) fn matrix_gradients(&self, step: &Step) -> Vec<ChainView> {
        let depth = self.network.depth() as usize;
        (1..=depth)
            .rev()
            .map(|l| self.layer_gradient(step, l))
            .collect()
    }

    /// The rows of ∂E/∂W^{(l)}: its formulas, the product of the numbers as shown, its value.
    fn layer_gradient(&self, step: &Step, l: usize) -> ChainView {
        let numbers = &step.layers[l - 1];
        let inputs: Vec<Vec<Value>> = (0..self.samples).map(|n| self.inputs(step, l, n)).collect();
        let expanded = self.expanded(step, l);
        let mut shown: Vec<&Value> = match &expanded {
            Some(e) => e
                .slopes
                .iter()
                .flatten()
                .chain(e.transposed.iter().flatten())
                .chain(e.next.delta.iter().flatten())
                .chain(inputs.iter().flatten())
                .collect(),
            None => numbers
                .delta
                .iter()
                .flatten()
                .chain(inputs.iter().flatten())
                .collect(),
        };
        let mut chain = self.gradient_formulas(l, expanded.is_some());
        let columns = numbers.grad_weights.first().map_or(0, Vec::len).max(1);
        let values: Vec<Value> = numbers.grad_weights.iter().flatten().copied().collect();
        let mut product = self.gradient_numbers(numbers, &inputs, expanded.as_ref());
        let mut lhs = tex::gradient(&tex::weight_matrix(l));
        // With weight decay, ∂Ẽ/∂W = ∂E/∂W + λW: the term on every row, λ and W as shown.
        let decay = self.network.weight_decay.map(Value::decimal);
        if let Some(lambda) = &decay {
            let (name, lambda_tex) = (tex::weight_matrix(l), self.printer.value(*lambda));
            for (_, row) in chain.iter_mut() {
                *row = tex::plus_decay(row, tex::LAMBDA, &name);
            }
            chain.insert(0, (EQUALS, tex::plus_decay(&lhs, tex::LAMBDA, &name)));
            lhs = tex::decayed_gradient(&name);
            let weights = self.value_matrix(&numbers.weights);
            product = tex::plus_decay(&product, &lambda_tex, &weights);
            shown.push(lambda);
            shown.extend(numbers.weights.iter().flatten());
        }
        // Entry k = (i, j) from the numbers as shown.
        let from_shown = |k: usize| {
            let (i, j) = (k / columns, k % columns);
            let gradient = self.gradient_as_shown(l, numbers, &inputs, expanded.as_ref(), i, j);
            match &decay {
                Some(lambda) => {
                    gradient + self.as_shown(*lambda) * self.as_shown(numbers.weights[i][j])
                }
                None => gradient,
            }
        };
        chain.push((self.rel(shown.iter().copied()), product));
        chain.push((
            self.rel_after(shown.into_iter(), &values, from_shown),
            self.value_matrix(&numbers.grad_weights),
        ));
        self.matrix_row(lhs, chain)
    }

    /// (h'(a) per sample, the layer after) where the first layer's δ is written out and the
    /// values are carried rounded; `None` otherwise.
    fn expanded<'s>(&self, step: &'s Step, l: usize) -> Option<Expanded<'s>> {
        let rounded = self.derivation.options.carry == crate::derivation::Carry::Rounded;
        match (&step.layers[l - 1].act_deriv, step.layers.get(l)) {
            (Some(slopes), Some(next))
                if rounded && l == 1 && self.derivation.expands_first_layer() =>
            {
                Some(Expanded {
                    slopes,
                    next,
                    transposed: Self::transpose(&next.weights),
                })
            }
            _ => None,
        }
    }

    /// ∂E/∂w_{ij} of layer `l` without decay, from the numbers as shown: Σₙ δᵢ zⱼ (over the
    /// samples, their mean where the loss is one), δ written out where `expanded` says.
    fn gradient_as_shown(
        &self,
        l: usize,
        numbers: &LayerNumbers,
        inputs: &[Vec<Value>],
        expanded: Option<&Expanded>,
        i: usize,
        j: usize,
    ) -> Value {
        let sum = (0..self.samples).fold(Value::int(0), |acc, n| {
            let delta = match expanded {
                Some(e) => {
                    self.as_shown(e.slopes[n][i])
                        * self.dropout_factor(l as u32, n, i)
                        * self.backpropagated(e.next, n, i)
                }
                None => self.as_shown(numbers.delta[n][i]),
            };
            acc + delta * self.as_shown(inputs[n][j])
        });
        if self.mean_over_samples() {
            sum / Value::int(self.samples as i64)
        } else {
            sum
        }
    }

    /// ∂E/∂W of layer `l` in general form: δ zᵀ (summed over samples), and with `expanded`,
    /// δ written out as h'(a) ⊙ Wᵀδ.
    fn gradient_formulas(&self, l: usize, expanded: bool) -> Vec<(&'static str, String)> {
        let scale = self.mean_scale();
        let with_n = |name: String| {
            if self.samples > 1 {
                tex::of_each_sample(name)
            } else {
                name
            }
        };
        let symbolic = |delta: String| {
            let input = with_n(self.input_name(l as u32 - 1));
            if self.samples > 1 {
                format!(
                    "{scale}{}",
                    tex::sum_over_samples(&tex::outer_product(&delta, &input))
                )
            } else {
                tex::outer_product(&delta, &input)
            }
        };
        let mut chain = vec![(EQUALS, symbolic(with_n(tex::delta_vector(l))))];
        if expanded {
            chain.push((
                EQUALS,
                symbolic(tex::grouped(&tex::backpropagated_from(
                    &self.slope_formula(
                        l as u32,
                        with_n(tex::pre_vector(l)),
                        with_n(tex::mask_vector(l as u32, self.network.depth())),
                    ),
                    l + 1,
                    &with_n(tex::delta_vector(l + 1)),
                ))),
            ));
        }
        chain
    }

    /// ∂E/∂W of a layer with its numbers: each sample's δ (or h'(a) ⊙ Wᵀδ) times its inputs
    /// transposed, summed (and scaled) over samples.
    fn gradient_numbers(
        &self,
        numbers: &LayerNumbers,
        inputs: &[Vec<Value>],
        expanded: Option<&Expanded>,
    ) -> String {
        let products: Vec<String> = (0..self.samples)
            .map(|n| {
                let delta = match expanded {
                    Some(e) => tex::grouped(&tex::backpropagated_numbers(
                        &self.slope_numbers(1, n, &e.slopes[n]),
                        &self.value_matrix(&e.transposed),
                        &self.value_column(&e.next.delta[n]),
                    )),
                    None => self.value_column(&numbers.delta[n]),
                };
                format!("{delta}{}", self.value_matrix(&[inputs[n].clone()]))
            })
            .collect();
        if self.samples > 1 {
            format!("{}{}", self.mean_scale(), tex::grouped(&products.join("+")))
        } else {
            products.join("")
        }
    }
}

/// The first layer's δ written out in the gradient's numbers row: h'(a) per sample, and the
/// next layer's numbers with its weights transposed.
struct Expanded<'s> {
    slopes: &'s [Vec<Value>],
    next: &'s LayerNumbers,
    transposed: Vec<Vec<Value>>,
}
