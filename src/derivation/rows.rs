//! The gradient and update rows, one per weight and bias: the bulk of a big network's worked
//! solution (160,000 rows for 784-100-10 with SGD). They are not kept: the derivation hands out
//! each layer's rows as a [`Rows`] stream, whose per-layer part (the formula with its sums
//! written out, its kind and rules) is made once, so that making row `k` only fills in its
//! indices and its numbers. The renderer reads the stream; it never rebuilds a formula nor
//! looks a number up by its symbol.

use super::chain::{Chain, ChainKind, LayerNumbers, Step};
use super::decay;
use super::formulas::{Formulas, I, J};
use super::optimizers::{written_row, Program, Written};
use super::options::Options;
use super::rules::{update_chain, update_formula, update_gradient};
use super::sym;
use super::values::{updated, RowFormula, Source, StepSource, Values};
use crate::error::Error;
use crate::math::expr::{Expr, Index, Symbol};
use crate::math::number::Value;
use crate::model::Network;

/// Which rows of a layer's parameters a stream holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parameters {
    /// `∂E/∂w = formula = numbers ≈ value`.
    Gradients,
    /// `w ← w − η ∂E/∂w = numbers ≈ value`, with SGD.
    Updates,
}

/// A gradient formula in the index variables `i` (and `j`), with every sum written out, as
/// each of its rows starts.
#[derive(Clone, Debug)]
struct Pattern {
    formula: RowFormula,
    /// Whether it has Kronecker deltas, resolved once the indices are known.
    kronecker: bool,
    kind: ChainKind,
    rules: Vec<&'static str>,
}

impl Pattern {
    fn new(formula: &Expr, kind: ChainKind, rules: &[&'static str]) -> Pattern {
        let formula = formula.expand_sums();
        Pattern {
            kronecker: formula.any(&|x| matches!(x, Expr::Kron(..))),
            formula: RowFormula::new(formula),
            kind,
            rules: rules.to_vec(),
        }
    }

    /// The formula at the given indices: what `instance` makes of the general formula, since
    /// writing a sum out does not depend on the indices outside it.
    fn at(&self, indices: &[(char, Index)]) -> Expr {
        let mut e = self.formula.formula.clone();
        for (var, index) in indices {
            e = e.with_index(*var, *index);
        }
        if self.kronecker {
            crate::math::simplify::resolve_kronecker(&e)
        } else {
            e
        }
    }
}

/// What the rows of one layer share, made once per derivation.
#[derive(Clone, Debug)]
pub(super) struct LayerRows {
    layer: u32,
    /// Units of the layer below: a weight row `k` is w_{k / inputs + 1, k % inputs + 1}.
    inputs: usize,
    weights: usize,
    count: usize,
    weight: Pattern,
    bias: Pattern,
    /// `w − η ∂E/∂w` and `b − η ∂E/∂b` in the index variables, with SGD.
    update_weight: RowFormula,
    update_bias: RowFormula,
    /// Whether there is weight decay.
    decay: bool,
    /// Where the rows write δ^{(1)} out (the article's expanded first layer): the weight's and
    /// the bias's gradient with δ^{(1)} named instead, `δ_i^{(1)} x_j` (`+ λ w_{ij}` with
    /// decay), what a student who worked δ^{(1)} first multiplies.
    named_delta: Option<(Pattern, Pattern)>,
}

/// One parameter of a layer, by its row.
#[derive(Clone, Copy)]
enum Parameter {
    /// w_{ij}, from 0.
    Weight(usize, usize),
    /// b_i, from 0.
    Bias(usize),
}

impl LayerRows {
    pub(super) fn new(f: &Formulas, layer: u32) -> LayerRows {
        let (weight, weight_rules) = f.shown_weight_gradient(layer);
        let (bias, bias_rules) = f.shown_bias_gradient(layer);
        let kind = if layer == 1 && f.expanded_first_layer() {
            ChainKind::ExpandedGradient
        } else {
            ChainKind::WeightGradient
        };
        let inputs = f.network.width(layer - 1);
        let weights = f.network.width(layer) * inputs;
        let decay = f.network.weight_decay.is_some();
        // With weight decay, a weight's row computes ∂Ẽ/∂w: its formula gets `+ λ w_{ij}`.
        let decayed = |weight: &Expr| match decay {
            true => Expr::Add(vec![
                weight.clone(),
                decay::term(&Symbol::weight(layer, I, J)),
            ]),
            false => weight.clone(),
        };
        let named_delta = (kind == ChainKind::ExpandedGradient).then(|| {
            let (weight, bias) = f.gradient_with_named_delta(layer);
            (
                Pattern::new(&decayed(&weight), kind, weight_rules),
                Pattern::new(&bias, ChainKind::WeightGradient, bias_rules),
            )
        });
        let weight = decayed(weight);
        LayerRows {
            layer,
            inputs,
            weights,
            count: f.parameter_count(layer),
            weight: Pattern::new(&weight, kind, weight_rules),
            decay,
            bias: Pattern::new(bias, ChainKind::WeightGradient, bias_rules),
            update_weight: RowFormula::new(update_formula(&Symbol::weight(layer, I, J), decay)),
            update_bias: RowFormula::new(update_formula(&Symbol::bias(layer, I), decay)),
            named_delta,
        }
    }

    /// The `k`-th parameter's gradient formula with δ^{(1)} named, in numbered indices, where
    /// the rows write it out (see `named_delta`).
    pub(super) fn gradient_by_named_delta(&self, k: usize) -> Option<Expr> {
        let (weight, bias) = self.named_delta.as_ref()?;
        let (bound, count) = self.bound(k);
        Some(match self.parameter(k) {
            Parameter::Weight(..) => weight.at(&bound[..count]),
            Parameter::Bias(_) => bias.at(&bound[..count]),
        })
    }

    pub(super) fn count(&self) -> usize {
        self.count
    }

    fn parameter(&self, k: usize) -> Parameter {
        if k < self.weights {
            Parameter::Weight(k / self.inputs, k % self.inputs)
        } else {
            Parameter::Bias(k - self.weights)
        }
    }

    /// The symbol of the `k`-th parameter.
    fn symbol(&self, k: usize) -> Symbol {
        let n = |i: usize| Index::Num(i as u32 + 1);
        match self.parameter(k) {
            Parameter::Weight(i, j) => Symbol::weight(self.layer, n(i), n(j)),
            Parameter::Bias(i) => Symbol::bias(self.layer, n(i)),
        }
    }

    /// `∂E/∂p` of the `k`-th parameter (`∂Ẽ/∂w` of a weight with weight decay): the gradient
    /// its update uses.
    fn gradient_lhs(&self, k: usize) -> Expr {
        update_gradient(&self.symbol(k), self.decay)
    }

    /// The gradient formula of the `k`-th parameter, in numbered indices.
    pub(super) fn gradient_formula(&self, k: usize) -> Expr {
        let n = |i: usize| Index::Num(i as u32 + 1);
        match self.parameter(k) {
            Parameter::Weight(i, j) => self.weight.at(&[('i', n(i)), ('j', n(j))]),
            Parameter::Bias(i) => self.bias.at(&[('i', n(i))]),
        }
    }

    /// The index variables of the `k`-th parameter's rows bound to its indices.
    fn bound(&self, k: usize) -> ([(char, Index); 2], usize) {
        let n = |i: usize| Index::Num(i as u32 + 1);
        match self.parameter(k) {
            Parameter::Weight(i, j) => ([('i', n(i)), ('j', n(j))], 2),
            Parameter::Bias(i) => ([('i', n(i)), ('j', n(0))], 1),
        }
    }

    /// The value of the `k`-th parameter's gradient, as the row gives it.
    pub(super) fn gradient_value(
        &self,
        values: &Values,
        k: usize,
        step: u32,
    ) -> Result<Value, Error> {
        let formula = match self.parameter(k) {
            Parameter::Weight(..) => &self.weight.formula,
            Parameter::Bias(_) => &self.bias.formula,
        };
        let (bound, count) = self.bound(k);
        formula.value(values, &bound[..count], step, || {
            (self.gradient_formula(k), self.gradient_lhs(k))
        })
    }

    /// [`LayerRows::update_value`] without the evaluator where [`updated`] can tell: the
    /// parameter and its gradient read from the layer's arrays at `k` (the slots the row's
    /// symbols name), `scaled` the step's [`super::values::scaled_rate`]. `None`: ask
    /// `update_value`.
    pub(super) fn quick_update(
        &self,
        values: &Values,
        k: usize,
        scaled: Option<Value>,
    ) -> Option<Value> {
        let kept = values.store.layers.get(self.layer as usize - 1)?;
        let (p, g) = match self.parameter(k) {
            Parameter::Weight(..) => (kept.weights.get(k)?, kept.grad_weights.get(k)?),
            Parameter::Bias(i) => (kept.bias.get(i)?, kept.grad_bias.get(i)?),
        };
        updated((*p)?, scaled?, *g)
    }

    /// The value of the `k`-th parameter after the update, as its row gives it (before it is
    /// rounded for carrying).
    pub(super) fn update_value(
        &self,
        values: &Values,
        k: usize,
        step: u32,
    ) -> Result<Value, Error> {
        let formula = match self.parameter(k) {
            Parameter::Weight(..) => &self.update_weight,
            Parameter::Bias(_) => &self.update_bias,
        };
        let (bound, count) = self.bound(k);
        formula.value(values, &bound[..count], step, || {
            let parameter = self.symbol(k);
            (update_formula(&parameter, self.decay), sym(parameter))
        })
    }
}

/// The gradient (or update) rows of one layer in one step, in the order of its parameters
/// (`w_{11}, w_{12}, …`, then `b_1, …`), each made when asked for. Cheap to copy and to share
/// between threads: it only borrows the derivation.
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    rows: &'a LayerRows,
    step: &'a Step,
    network: &'a Network,
    options: &'a Options,
    of: Parameters,
    /// The optimizer's rows beyond plain SGD: each parameter's update is then its state rows
    /// and its update, `per_parameter` rows.
    program: Option<&'a Program>,
}

impl<'a> Rows<'a> {
    pub(super) fn new(
        rows: &'a LayerRows,
        step: &'a Step,
        network: &'a Network,
        options: &'a Options,
        of: Parameters,
    ) -> Rows<'a> {
        Rows {
            rows,
            step,
            network,
            options,
            of,
            program: None,
        }
    }

    /// The same stream with an optimizer's rows for the updates.
    pub(super) fn with_program(self, program: Option<&'a Program>) -> Rows<'a> {
        Rows { program, ..self }
    }

    /// How many update rows each parameter has.
    fn per_parameter(&self) -> usize {
        match (self.of, self.program) {
            (Parameters::Updates, Some(program)) => program.targets.len(),
            _ => 1,
        }
    }

    /// Whether these are gradient or update rows.
    pub fn of(&self) -> Parameters {
        self.of
    }

    /// The layer whose parameters these are.
    pub fn layer(&self) -> u32 {
        self.rows.layer
    }

    /// How many rows: one per weight, then one per bias (an optimizer's updates: as many
    /// per parameter as it has rows).
    pub fn len(&self) -> usize {
        self.rows.count * self.per_parameter()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.count == 0
    }

    /// The left-hand side of row `k`: `∂E/∂w_{ij}` (or `w_{ij}` for an update, or the state
    /// an optimizer's row assigns).
    pub fn lhs(&self, k: usize) -> Expr {
        let per = self.per_parameter();
        let parameter = self.rows.symbol(k / per);
        match (self.of, self.program) {
            (Parameters::Gradients, _) => self.rows.gradient_lhs(k / per),
            (Parameters::Updates, Some(program)) => sym(program.target_symbol(k % per, &parameter)),
            (Parameters::Updates, None) => sym(parameter),
        }
    }

    /// Row `k`: its formula, its numbers and its value.
    pub fn get(&self, k: usize) -> Chain {
        match (self.of, self.program) {
            (Parameters::Gradients, _) => self.gradient(k),
            (Parameters::Updates, Some(program)) => self.optimizer_row(program, k),
            (Parameters::Updates, None) => self.update(k),
        }
    }

    /// Row `k` of an optimizer's updates: row `k % per` of parameter `k / per`.
    fn optimizer_row(&self, program: &Program, k: usize) -> Chain {
        let per = self.per_parameter();
        let (parameter, row) = (k / per, k % per);
        let numbers = self.numbers();
        let after = numbers.and_then(|numbers| match self.rows.parameter(parameter) {
            Parameter::Weight(i, j) => numbers.weights_after.as_ref()?.get(i)?.get(j).copied(),
            Parameter::Bias(i) => numbers.bias_after.as_ref()?.get(i).copied(),
        });
        let state = numbers.map_or(&[][..], |n| n.state.as_slice());
        let step_rate =
            self.step
                .step_rate
                .as_ref()
                .and_then(|chain| match chain.rows.last()?.expr {
                    Expr::Val(value) => Some(value),
                    _ => None,
                });
        let at = Written {
            state,
            after,
            step_rate,
            layer: self.rows.layer,
            k: parameter,
            row,
            step: self.step.number,
        };
        written_row(program, &self.source(), &at, self.options)
    }

    fn source(&self) -> StepSource<'a> {
        StepSource {
            network: self.network,
            step: self.step,
            options: self.options,
        }
    }

    fn numbers(&self) -> Option<&'a LayerNumbers> {
        self.step.layers.get(self.rows.layer as usize - 1)
    }

    fn gradient(&self, k: usize) -> Chain {
        let formula = self.rows.gradient_formula(k);
        let substituted = self.source().substitute(&formula);
        let value = self
            .numbers()
            .and_then(|numbers| match self.rows.parameter(k) {
                Parameter::Weight(i, j) => numbers.grad_weights.get(i)?.get(j).copied(),
                Parameter::Bias(i) => numbers.grad_bias.as_ref()?.get(i).copied(),
            });
        let pattern = match self.rows.parameter(k) {
            Parameter::Weight(..) => &self.rows.weight,
            Parameter::Bias(_) => &self.rows.bias,
        };
        let mut rows = vec![
            formula,
            substituted,
            Expr::Val(value.unwrap_or_else(missing)),
        ];
        if let (true, Parameter::Weight(..)) = (self.rows.decay, self.rows.parameter(k)) {
            rows.insert(0, decay::gradient(&self.rows.symbol(k)));
        }
        Chain::new(pattern.kind, self.lhs(k), rows).with_rules(&pattern.rules)
    }

    fn update(&self, k: usize) -> Chain {
        let parameter = self.rows.symbol(k);
        let substituted = self
            .source()
            .substitute(&update_formula(&parameter, self.rows.decay));
        let value = self
            .numbers()
            .and_then(|numbers| match self.rows.parameter(k) {
                Parameter::Weight(i, j) => numbers.weights_after.as_ref()?.get(i)?.get(j).copied(),
                Parameter::Bias(i) => numbers.bias_after.as_ref()?.get(i).copied(),
            });
        let numbers = Some((substituted, value.unwrap_or_else(missing)));
        update_chain(&parameter, ChainKind::Update, numbers, self.rows.decay)
    }
}

/// For a printer that prints a layer's rows from one template per class of their numbers
/// (`latex::holes`): a row's indices and numbers without its formula written out, and a row
/// with other indices shown, to make the template from.
impl Rows<'_> {
    /// Row `k`'s indices from 1: `[i, j]` for a weight, `[i, 0]` for a bias.
    pub fn indices(&self, k: usize) -> [u32; 2] {
        match self.rows.parameter(k) {
            Parameter::Weight(i, j) => [i as u32 + 1, j as u32 + 1],
            Parameter::Bias(i) => [i as u32 + 1, 0],
        }
    }

    /// Whether row `k` is a bias's (its rows have one index).
    pub fn is_bias(&self, k: usize) -> bool {
        matches!(self.rows.parameter(k), Parameter::Bias(_))
    }

    /// The formula of row `k`'s numbers row in the index variables, where its rows can be
    /// had without writing them out: not with a Kronecker delta to resolve, nor for rows other
    /// than plain SGD's (weight decay, dropout, other optimizers write other rows).
    fn numbers_formula(&self, k: usize) -> Option<&Expr> {
        let plain = self.network.weight_decay.is_none()
            && self.network.layers.iter().all(|l| l.dropout.is_none());
        let bias = self.is_bias(k);
        match self.of {
            Parameters::Gradients => {
                let pattern = if bias {
                    &self.rows.bias
                } else {
                    &self.rows.weight
                };
                (plain && !pattern.kronecker).then_some(&pattern.formula.formula)
            }
            Parameters::Updates => {
                let sgd = self
                    .network
                    .training
                    .is_some_and(|t| t.optimizer == crate::model::Optimizer::Sgd);
                let formula = if bias {
                    &self.rows.update_bias
                } else {
                    &self.rows.update_weight
                };
                (plain && sgd).then_some(&formula.formula)
            }
        }
    }

    /// Row `k`'s numbers: each subexpression its numbers row has a number for, in the
    /// formula's order, then its value. `false` where the row must be written out
    /// ([`Rows::get`]): see `numbers_formula`, or a quantity without a number.
    pub fn row_numbers(&self, k: usize, out: &mut smallvec::SmallVec<[Value; 8]>) -> bool {
        out.clear();
        let Some(formula) = self.numbers_formula(k) else {
            return false;
        };
        let (bound, count) = self.rows.bound(k);
        let source = self.source();
        if !numbers_of(&source, formula, &bound[..count], out) {
            return false;
        }
        out.push(self.value(k).unwrap_or_else(missing));
        true
    }

    /// Row `k` as [`Rows::get`] makes it, but with its indices shown as `shown` (its numbers
    /// are row `k`'s own); `None` where [`Rows::row_numbers`] is `false`.
    pub fn shown_as(&self, k: usize, shown: [u32; 2]) -> Option<Chain> {
        let formula = self.numbers_formula(k)?;
        let (bound, count) = self.rows.bound(k);
        let fake = [('i', Index::Num(shown[0])), ('j', Index::Num(shown[1]))];
        let fake = &fake[..count];
        let source = self.source();
        let mut substituted = formula.substitute(&mut |x| source.lookup_bound(x, &bound[..count]));
        for (var, index) in fake {
            substituted = substituted.with_index(*var, *index);
        }
        let value = self.value(k).unwrap_or_else(missing);
        let parameter = match self.rows.parameter(k) {
            Parameter::Weight(..) => Symbol::weight(self.rows.layer, fake[0].1, fake[1].1),
            Parameter::Bias(_) => Symbol::bias(self.rows.layer, fake[0].1),
        };
        Some(match self.of {
            Parameters::Gradients => {
                let pattern = if self.is_bias(k) {
                    &self.rows.bias
                } else {
                    &self.rows.weight
                };
                let lhs = Expr::partial(sym(Symbol::loss()), sym(parameter));
                let rows = vec![pattern.at(fake), substituted, Expr::Val(value)];
                Chain::new(pattern.kind, lhs, rows).with_rules(&pattern.rules)
            }
            Parameters::Updates => {
                let numbers = Some((substituted, value));
                update_chain(&parameter, ChainKind::Update, numbers, self.rows.decay)
            }
        })
    }

    /// Row `k`'s value: the gradient, or the parameter after the update.
    fn value(&self, k: usize) -> Option<Value> {
        let numbers = self.numbers()?;
        match (self.of, self.rows.parameter(k)) {
            (Parameters::Gradients, Parameter::Weight(i, j)) => {
                numbers.grad_weights.get(i)?.get(j).copied()
            }
            (Parameters::Gradients, Parameter::Bias(i)) => {
                numbers.grad_bias.as_ref()?.get(i).copied()
            }
            (Parameters::Updates, Parameter::Weight(i, j)) => {
                numbers.weights_after.as_ref()?.get(i)?.get(j).copied()
            }
            (Parameters::Updates, Parameter::Bias(i)) => {
                numbers.bias_after.as_ref()?.get(i).copied()
            }
        }
    }
}

/// Pushes the numbers `source` has for `e`'s subexpressions, as `substitute` puts them in;
/// `false` where a quantity (or anything but numbers and operations) would be left.
fn numbers_of(
    source: &StepSource,
    e: &Expr,
    bound: &[(char, Index)],
    out: &mut smallvec::SmallVec<[Value; 8]>,
) -> bool {
    if let Some(v) = source.lookup_bound(e, bound) {
        out.push(v);
        return true;
    }
    match e {
        Expr::Sym(_) | Expr::Val(_) | Expr::Var(_) | Expr::Kron(..) | Expr::Sum { .. } => false,
        _ => {
            let mut all = true;
            e.for_each_child(&mut |child| all = all && numbers_of(source, child, bound, out));
            all
        }
    }
}

/// A value that is missing (it cannot be: the step has every parameter's numbers).
fn missing() -> crate::math::number::Value {
    crate::math::number::Value::approx(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::super::formulas::instance;
    use super::super::{derive, Options};
    use super::*;

    /// The examples and the row checker's networks.
    fn networks() -> Vec<Network> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut networks = Vec::new();
        for dir in ["examples", "tests/rows/networks"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                let tree = crate::syntax::parser::parse(&text).unwrap();
                networks.push(crate::check::check(&tree).unwrap());
            }
        }
        assert!(networks.len() >= 14, "{} networks", networks.len());
        networks
    }

    #[test]
    fn a_rows_formula_is_the_general_formula_at_its_indices() {
        // The pattern writes its sums out before the indices are filled in; `instance` did it
        // after. Both must give the same formula, Kronecker deltas resolved.
        for network in networks() {
            let f = Formulas::derive(&network).unwrap();
            for layer in 1..=network.depth() {
                let rows = LayerRows::new(&f, layer);
                for k in 0..rows.count() {
                    let expected = match rows.symbol(k).indices.as_slice() {
                        [i, j] => {
                            instance(&f.shown_weight_gradient(layer).0, &[('i', *i), ('j', *j)])
                        }
                        [i] => instance(&f.shown_bias_gradient(layer).0, &[('i', *i)]),
                        other => panic!("{other:?}"),
                    };
                    assert_eq!(rows.gradient_formula(k), expected, "layer {layer} row {k}");
                }
            }
        }
    }

    #[test]
    fn a_quick_update_is_the_rows_own_value() {
        use super::super::options::Carry;
        use super::super::values::scaled_rate;
        let mut quick_ones = 0;
        for network in networks() {
            let f = Formulas::derive(&network).unwrap();
            for carry in [Carry::Exact, Carry::Rounded] {
                let options = Options {
                    carry,
                    ..Options::default()
                };
                let mut values = Values::given(&network, options);
                let scaled = scaled_rate(values.store.rate);
                for layer in 1..=network.depth() {
                    let rows = LayerRows::new(&f, layer);
                    // Some gradient: the parameters themselves, over 7.
                    let gradients: Vec<Value> = (0..rows.count())
                        .map(|k| values.get(&rows.symbol(k)) / Value::int(7))
                        .collect();
                    values.keep_gradients(layer, &gradients);
                    for k in 0..rows.count() {
                        let quick = rows.quick_update(&values, k, scaled);
                        let slow = rows.update_value(&values, k, 1).ok();
                        quick_ones += usize::from(quick.is_some());
                        assert_eq!(
                            format!("{quick:?}"),
                            format!("{slow:?}"),
                            "layer {layer} row {k}"
                        );
                    }
                }
            }
        }
        assert!(quick_ones > 100, "{quick_ones} rows had a quick update");
    }

    #[test]
    fn the_stream_holds_every_parameter_of_every_layer_output_first() {
        for network in networks() {
            let d = derive(&network, Options::default()).unwrap();
            let step = &d.steps[0];
            let gradients = d.parameter_rows(step, Parameters::Gradients);
            let layers: Vec<u32> = gradients.iter().map(Rows::layer).collect();
            assert_eq!(layers, (1..=network.depth()).rev().collect::<Vec<_>>());
            for rows in &gradients {
                let layer = network.layer(rows.layer());
                let bias = layer.bias.as_ref().map_or(0, Vec::len);
                assert_eq!(rows.len(), layer.units() * layer.inputs() + bias);
                for k in [0, rows.len() - 1] {
                    let chain = rows.get(k);
                    assert_eq!(chain.lhs, rows.lhs(k));
                    assert!(matches!(
                        chain.kind,
                        ChainKind::WeightGradient | ChainKind::ExpandedGradient
                    ));
                }
            }
            let updates = d.parameter_rows(step, Parameters::Updates);
            assert_eq!(
                updates.len(),
                network.training.map_or(0, |_| network.depth() as usize)
            );
            for rows in &updates {
                let last = rows.len() - 1;
                let chain = rows.get(last);
                assert_eq!(chain.kind, ChainKind::Update);
                assert_eq!(chain.lhs, rows.lhs(last));
                assert!(chain.rows[0].assign);
            }
        }
    }
}
