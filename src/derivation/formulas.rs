//! The general formulas: each layer's defining equations and their derivatives (δ by the
//! chain rule, the gradients), in index variables, made once per network.

use super::sym;
use crate::error::Error;
use crate::math::diff;
use crate::math::expr::{Expr, Func, Index, Symbol};
use crate::math::functions::{self, Aggregate, Shape};
use crate::model::{DropoutScale, Network};

pub(super) const I: Index = Index::Var('i');
pub(super) const J: Index = Index::Var('j');
pub(super) const N: Index = Index::Var('n');

/// General formulas with at most this many terms in a sum are written out term by term
/// (sums over samples are always left as `Σ_n`).
pub(super) const WRITE_OUT_UP_TO: u32 = 4;

pub(super) type Derived = (Expr, Vec<&'static str>);

/// The symbolic part: each layer's equations and their derivatives, in index variables
/// (`i`, `j`, and `n` for the sample when there are several).
#[derive(Clone)]
pub(super) struct Formulas<'n> {
    pub(super) network: &'n Network,
    /// The sample index of per-sample quantities in general formulas.
    pub(super) sample: Option<Index>,
    /// δ_i^{(l)} for l = 1..=L (index l−1), per sample.
    pub(super) delta: Vec<Derived>,
    /// ∂E/∂w_{ij}^{(l)}: the per-sample term, before the sum over samples.
    pub(super) grad_weight_term: Vec<Derived>,
    /// ∂E/∂b_i^{(l)}: the per-sample term.
    pub(super) grad_bias_term: Vec<Derived>,
    /// ∂E/∂w_{ij}^{(l)} as the rows show it (summed over samples), per layer.
    pub(super) shown_grad_weight: Vec<Derived>,
    /// ∂E/∂b_i^{(l)} as the rows show it, per layer.
    pub(super) shown_grad_bias: Vec<Derived>,
    /// The rule that gave δ^{(L)} = y − t directly, when one did.
    pub(super) shortcut: Option<&'static str>,
}

/// A derivative the derivation could not make. `check` has made the one derivative that can
/// grow with the file (the custom loss's, [`diff::loss_by_output`]) and refused it when too large;
/// the network's own equations are small.
pub(super) fn failure(failure: diff::Failure) -> Error {
    match failure {
        diff::Failure::Unsupported(message) => Error::Unsupported { message },
        diff::Failure::TooLarge { limit } => Error::Unsupported {
            message: format!("the derivative has more than {limit} terms"),
        },
    }
}

pub(super) fn simplified(raw: &Expr, mut rules: Vec<&'static str>) -> Derived {
    let (e, more) = crate::math::simplify::simplify(raw);
    rules.extend(more);
    (e, dedup(rules))
}

impl<'n> Formulas<'n> {
    /// `a_i^{(l)} = Σ_var w_{i,var}^{(l)} z_var^{(l−1)} (+ b_i^{(l)})`.
    pub(super) fn pre_definition(&self, layer: u32, i: Index, var: char) -> Expr {
        let network = self.network;
        let inputs = network.width(layer - 1) as u32;
        let sum = Expr::sum(
            var,
            inputs,
            Expr::Mul(vec![
                sym(Symbol::weight(layer, i, Index::Var(var))),
                sym(self.read(layer - 1, Index::Var(var))),
            ]),
        );
        match network.layer(layer).bias {
            Some(_) => Expr::Add(vec![sum, sym(Symbol::bias(layer, i))]),
            None => sum,
        }
    }

    /// What the next layer reads of unit `i` of `layer`: `z_i^{(l)}`, or `\tilde z_i^{(l)}`
    /// where the layer has dropout.
    pub(super) fn read(&self, layer: u32, i: Index) -> Symbol {
        let dropout = layer >= 1 && self.network.layer(layer).dropout.is_some();
        let symbol = match dropout {
            true => Symbol::dropped(layer, i),
            false => Symbol::out(layer, i),
        };
        symbol.at(self.sample)
    }

    /// `\tilde z_i^{(l)} = r_i^{(l)} z_i^{(l)} / p^{(l)}` (inverted dropout), or `r_i z_i` with
    /// `scale = none`: the output after dropout, a defining equation of the network.
    pub(super) fn dropped_definition(&self, layer: u32, i: Index) -> Expr {
        let kept = Expr::Mul(vec![
            sym(Symbol::mask(layer, i).at(self.sample)),
            sym(Symbol::out(layer, i).at(self.sample)),
        ]);
        match self.network.layer(layer).dropout.as_ref().map(|d| d.scale) {
            Some(DropoutScale::Inverted { .. }) => {
                Expr::Div(Box::new(kept), Box::new(sym(Symbol::keep(layer))))
            }
            _ => kept,
        }
    }

    /// `z_i^{(l)} = h^{(l)}(a_i^{(l)})`, the node of the graph.
    pub(super) fn out_definition(&self, layer: u32, i: Index) -> Expr {
        Expr::call(Func::Act(layer), self.pre(layer, i))
    }

    /// `exp(a_i)/Σ_m exp(a_m)`, a softmax output written out.
    pub(super) fn softmax_formula(&self, layer: u32, i: Index) -> Expr {
        let units = self.network.width(layer) as u32;
        Expr::Div(
            Box::new(Expr::call(Func::Exp, self.pre(layer, i))),
            Box::new(Expr::sum(
                'm',
                units,
                Expr::call(Func::Exp, self.pre(layer, Index::Var('m'))),
            )),
        )
    }

    pub(super) fn pre(&self, layer: u32, i: Index) -> Expr {
        sym(Symbol::pre(layer, i).at(self.sample))
    }

    /// `E_n`, the loss of one sample.
    pub(super) fn sample_loss(&self) -> Expr {
        self.network
            .loss
            .instantiate(self.network.depth())
            .with_sample(self.sample)
    }

    pub(super) fn d(&self, e: &Expr, wrt: Symbol) -> Result<Derived, Error> {
        diff::derivative(e, &sym(wrt), self.network).map_err(failure)
    }

    pub(super) fn derive(network: &'n Network) -> Result<Formulas<'n>, Error> {
        let depth = network.depth();
        let mut f = Formulas {
            network,
            sample: (network.samples() > 1).then_some(N),
            delta: Vec::new(),
            grad_weight_term: Vec::new(),
            grad_bias_term: Vec::new(),
            shown_grad_weight: Vec::new(),
            shown_grad_bias: Vec::new(),
            shortcut: functions::shortcut(network.output_activation(), &network.loss),
        };
        let mut deltas = vec![f.output_delta()?];
        for layer in (1..depth).rev() {
            deltas.push(f.hidden_delta(layer)?);
        }
        deltas.reverse();
        f.delta = deltas;
        // ∂E_n/∂w_{ij}^{(l)} = δ_i^{(l)} · ∂a_i^{(l)}/∂w_{ij}^{(l)}, and likewise for b.
        for layer in 1..=depth {
            let definition = f.pre_definition(layer, I, 'm');
            let delta = sym(Symbol::delta(layer, I).at(f.sample));
            let (da_dw, rules) = f.d(&definition, Symbol::weight(layer, I, J))?;
            f.grad_weight_term
                .push(simplified(&Expr::Mul(vec![delta.clone(), da_dw]), rules));
            let (da_db, rules) = f.d(&definition, Symbol::bias(layer, I))?;
            f.grad_bias_term
                .push(simplified(&Expr::Mul(vec![delta, da_db]), rules));
        }
        f.shown_grad_weight = (1..=depth).map(|l| f.weight_gradient_to_show(l)).collect();
        f.shown_grad_bias = (1..=depth).map(|l| f.bias_gradient_to_show(l)).collect();
        Ok(f)
    }

    /// Output layer: δ_i^{(L)} = Σ_q ∂y_q/∂a_i · ∂E_n/∂y_q (only q = i for elementwise
    /// activations), unless a shortcut rule states it directly.
    fn output_delta(&self) -> Result<Derived, Error> {
        let (network, s) = (self.network, self.sample);
        let depth = network.depth();
        if let Some(rule) = self.shortcut {
            let y_minus_t = Expr::minus(
                sym(Symbol::out(depth, I).at(s)),
                sym(Symbol::target(I).at(s)),
            );
            return Ok((y_minus_t, vec![rule]));
        }
        let q = Index::Var('q');
        let (de_dy, mut rules) =
            diff::loss_by_output(&network.loss, depth, network.samples()).map_err(failure)?;
        let (dy_da, more) = self.d(&self.out_definition(depth, q), Symbol::pre(depth, I).at(s))?;
        rules.extend(more);
        let outputs = network.width(depth) as u32;
        Ok(simplified(
            &Expr::sum('q', outputs, Expr::Mul(vec![dy_da, de_dy])),
            rules,
        ))
    }

    /// A hidden layer's: δ_i^{(l)} = ∂z_i/∂a_i · Σ_k ∂a_k^{(l+1)}/∂z_i · δ_k^{(l+1)}.
    fn hidden_delta(&self, layer: u32) -> Result<Derived, Error> {
        let s = self.sample;
        let k = Index::Var('k');
        let (dz_da, mut rules) =
            self.d(&self.out_definition(layer, I), Symbol::pre(layer, I).at(s))?;
        let (da_dz, more) = self.d(&self.pre_definition(layer + 1, k, 'j'), self.read(layer, I))?;
        rules.extend(more);
        // With dropout, z̃_i = r_i z_i / p lies between: ∂z̃_i/∂z_i = r_i / p joins the chain.
        let dz_da = match self.network.layer(layer).dropout {
            Some(_) => {
                let (dzt_dz, more) = self.d(
                    &self.dropped_definition(layer, I),
                    Symbol::out(layer, I).at(s),
                )?;
                rules.extend(more);
                Expr::Mul(vec![dz_da, dzt_dz])
            }
            None => dz_da,
        };
        let fan_out = self.network.width(layer + 1) as u32;
        let raw = Expr::Mul(vec![
            dz_da,
            Expr::sum(
                'k',
                fan_out,
                Expr::Mul(vec![da_dz, sym(Symbol::delta(layer + 1, k).at(s))]),
            ),
        ]);
        Ok(simplified(&raw, rules))
    }

    /// The article's layout: with exactly one hidden layer, the first layer's gradients are
    /// written with δ^{(1)} expanded: `h'(a_i^{(1)})(w_{1i}^{(2)}δ_1^{(2)} + …)·x_j` — as long
    /// as that sum is short enough to write out. With a wider output layer, δ^{(1)} is named
    /// and computed once per unit, as in deeper networks, instead of its sum being written
    /// again in the gradient of every input weight of the unit.
    pub(super) fn expanded_first_layer(&self) -> bool {
        self.network.depth() == 2 && self.network.width(2) as u32 <= WRITE_OUT_UP_TO
    }

    /// ∂E/∂w_{ij}^{(l)} as the rows show it.
    pub(super) fn shown_weight_gradient(&self, layer: u32) -> &Derived {
        &self.shown_grad_weight[layer as usize - 1]
    }

    /// ∂E/∂b_i^{(l)} as the rows show it.
    pub(super) fn shown_bias_gradient(&self, layer: u32) -> &Derived {
        &self.shown_grad_bias[layer as usize - 1]
    }

    pub(super) fn delta_of(&self, layer: u32) -> &Derived {
        &self.delta[layer as usize - 1]
    }

    /// `Σ_n term` (or its mean), or the term itself with one sample.
    pub(super) fn over_samples(&self, term: Expr) -> Expr {
        let count = self.network.samples() as u32;
        if count == 1 {
            return term;
        }
        let sum = Expr::sum('n', count, term);
        match self.network.loss.aggregate {
            Aggregate::Sum => sum,
            Aggregate::Mean => Expr::Mul(vec![
                Expr::Div(Box::new(Expr::int(1)), Box::new(Expr::int(count.into()))),
                sum,
            ]),
        }
    }

    /// The gradients of w_{ij}^{(l)} and b_i^{(l)} with δ^{(l)} named, summed over the
    /// samples: what the rows show but where they write δ^{(1)} out.
    pub(super) fn gradient_with_named_delta(&self, layer: u32) -> (Expr, Expr) {
        let (weight, _) = &self.grad_weight_term[layer as usize - 1];
        let (bias, _) = &self.grad_bias_term[layer as usize - 1];
        (
            self.over_samples(weight.clone()),
            self.over_samples(bias.clone()),
        )
    }

    /// The gradient of w_{ij}^{(l)} in `i`, `j` as the worked rows show it.
    pub(super) fn weight_gradient_to_show(&self, layer: u32) -> Derived {
        let (term, rules) = &self.grad_weight_term[layer as usize - 1];
        let (term, rules) = if layer == 1 && self.expanded_first_layer() {
            let (delta, delta_rules) = self.delta_of(1);
            let inlined = replace_symbol(term, &Symbol::delta(1, I).at(self.sample), delta);
            let (inlined, _) = crate::math::simplify::simplify(&inlined);
            (
                inlined,
                dedup([delta_rules.clone(), rules.clone()].concat()),
            )
        } else {
            (term.clone(), rules.clone())
        };
        (self.over_samples(term), rules)
    }

    pub(super) fn bias_gradient_to_show(&self, layer: u32) -> Derived {
        let (term, rules) = &self.grad_bias_term[layer as usize - 1];
        if layer == 1 && self.expanded_first_layer() {
            // δ^{(1)} is not shown in the article's layout, so it is written out here too.
            let (delta, delta_rules) = self.delta_of(1);
            let inlined = replace_symbol(term, &Symbol::delta(1, I).at(self.sample), delta);
            let (inlined, _) = crate::math::simplify::simplify(&inlined);
            return (
                self.over_samples(inlined),
                dedup([delta_rules.clone(), rules.clone()].concat()),
            );
        }
        (self.over_samples(term.clone()), rules.clone())
    }

    /// The parameters of `layer` in the order of its rows: `w_{11}, w_{12}, …`, then `b_1, …`.
    pub(super) fn parameter_count(&self, layer: u32) -> usize {
        let network = self.network;
        let units = network.width(layer);
        let bias = if network.layer(layer).bias.is_some() {
            units
        } else {
            0
        };
        units * network.width(layer - 1) + bias
    }

    /// Whether the rows show h'(a) of `layer` at each unit.
    pub(super) fn shows_derivatives(&self, layer: u32) -> bool {
        let act = &self.network.layer(layer).activation;
        let needed = layer < self.network.depth() || self.shortcut.is_none();
        needed && act.shape == Shape::Elementwise && act.constant_derivative().is_none()
    }
}

pub(super) fn dedup(rules: Vec<&'static str>) -> Vec<&'static str> {
    let mut out = Vec::with_capacity(rules.len());
    for rule in rules {
        if !out.contains(&rule) {
            out.push(rule);
        }
    }
    out
}

pub(super) fn replace_symbol(e: &Expr, target: &Symbol, by: &Expr) -> Expr {
    match e {
        Expr::Sym(s) if s == target => by.clone(),
        _ => e.map_children(&mut |c| replace_symbol(c, target, by)),
    }
}

/// Writes out sums small enough to read term by term (general formulas); sums over samples
/// stay `Σ_n`.
pub(super) fn write_out_small_sums(e: &Expr) -> Expr {
    e.expand_sums_where(&|var, count| var != 'n' && count <= WRITE_OUT_UP_TO)
}

/// A general formula at given indices, with its sums written out and Kronecker deltas resolved.
pub(super) fn instance(e: &Expr, indices: &[(char, Index)]) -> Expr {
    let mut e = e.clone();
    for (var, index) in indices {
        e = e.with_index(*var, *index);
    }
    let e = e.expand_sums();
    if e.any(&|x| matches!(x, Expr::Kron(..))) {
        crate::math::simplify::resolve_kronecker(&e)
    } else {
        e
    }
}
