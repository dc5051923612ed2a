//! The worked solution: every quantity as *formula → numbers → value*.
//!
//! The network is written as a graph of defining equations (`a = Σ w z + b`, `z = h(a)`,
//! `E = loss(y, t)`). Backpropagation is the chain rule on that graph: the δ of a unit is the
//! sum, over the units it feeds, of their δ times the local derivative, and each local
//! derivative comes from the differentiator applied to one defining equation. So every formula
//! is derived, none is typed in, and each formula's size is bounded by the fan-out of one unit
//! (δ of the next layer appears by name, never expanded), at any depth.
//!
//! The numbers row of a formula is the formula with the current values substituted, and its
//! value is the evaluator's value of that numbers row — so what is printed is what is computed.

use std::collections::HashMap;

use crate::diff;
use crate::error::Error;
use crate::eval::{self, Env};
use crate::expr::{Expr, Func, Index, Kind, Symbol};
use crate::functions::{Activation, ARG};
use crate::model::Network;
use crate::number::Value;

/// How values are carried from row to row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Carry {
    /// Later rows use the full-precision values (the rounded value is only shown).
    #[default]
    Exact,
    /// Later rows use each value as shown, rounded to the digits, as a student by hand would.
    Rounded,
}

/// Options that change the numbers.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Significant digits shown (and carried, with [`Carry::Rounded`]).
    pub digits: u32,
    pub carry: Carry,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            digits: 4,
            carry: Carry::Exact,
        }
    }
}

/// What a chain of equalities states; templates lay each kind out in their own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainKind {
    /// A general equation of the network (`a_i^{(1)} = …`).
    Equation,
    /// An activation's definition or derivative rule (`h'(a) = h(a)(1 − h(a))`).
    Rule,
    /// A general gradient formula, derived by the chain rule.
    Gradient,
    /// A pre-activation with numbers.
    PreActivation,
    /// An activation output with numbers.
    Activation,
    /// The loss with numbers.
    Loss,
    /// An activation derivative at one unit, with numbers.
    Derivative,
    /// A δ with numbers.
    Delta,
    /// A weight or bias gradient with numbers.
    WeightGradient,
    /// A first-layer gradient in the article's expanded form, with numbers.
    ExpandedGradient,
    /// An SGD update with numbers.
    Update,
}

/// One row of a chain: `rel expr`. The relation of a row is `=` or `≈` as its numbers are
/// exact or rounded (decided when printing); `assign` makes it `←`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub assign: bool,
    pub expr: Expr,
}

/// `lhs = row₁ = row₂ ≈ value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    pub kind: ChainKind,
    pub lhs: Expr,
    pub rows: Vec<Row>,
    /// The differentiation and simplification rules that produced the formula.
    pub rules: Vec<&'static str>,
}

impl Chain {
    fn new(kind: ChainKind, lhs: Expr, rows: Vec<Expr>) -> Chain {
        let mut deduplicated: Vec<Expr> = Vec::with_capacity(rows.len());
        for row in rows {
            if deduplicated.last() != Some(&row) && row != lhs {
                deduplicated.push(row);
            }
        }
        Chain {
            kind,
            lhs,
            rows: deduplicated
                .into_iter()
                .map(|expr| Row {
                    assign: false,
                    expr,
                })
                .collect(),
            rules: Vec::new(),
        }
    }

    fn with_rules(mut self, rules: &[&'static str]) -> Chain {
        self.rules = rules.to_vec();
        self
    }
}

/// Chains that belong to one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerChains {
    pub layer: u32,
    pub chains: Vec<Chain>,
}

/// The numbers of one layer in one step (one sample).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNumbers {
    pub weights: Vec<Vec<Value>>,
    pub bias: Option<Vec<Value>>,
    pub pre: Vec<Value>,
    pub out: Vec<Value>,
    pub delta: Vec<Value>,
    pub grad_weights: Vec<Vec<Value>>,
    pub grad_bias: Option<Vec<Value>>,
    pub weights_after: Option<Vec<Vec<Value>>>,
    pub bias_after: Option<Vec<Value>>,
}

/// One training step: the forward pass, the loss, backpropagation and the update.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub number: u32,
    pub forward: Vec<LayerChains>,
    pub loss: Chain,
    pub derivatives: Vec<LayerChains>,
    pub deltas: Vec<LayerChains>,
    pub gradients: Vec<LayerChains>,
    pub updates: Vec<LayerChains>,
    pub loss_value: Value,
    pub layers: Vec<LayerNumbers>,
}

/// The whole worked solution.
#[derive(Clone)]
pub struct Derivation<'n> {
    pub network: &'n Network,
    pub options: Options,
    /// The network's general equations, per layer.
    pub equations: Vec<LayerChains>,
    /// Definitions and derivative rules of the activations used.
    pub activation_rules: Vec<Chain>,
    /// `E = …` in general form.
    pub loss: Chain,
    /// The general gradient formulas, output layer first.
    pub gradient_rules: Vec<Chain>,
    /// `w ← w − η ∂E/∂w`, when the file has `sgd`.
    pub update_rule: Option<Chain>,
    pub steps: Vec<Step>,
}

fn sym(s: Symbol) -> Expr {
    Expr::Sym(s)
}

fn num(n: usize) -> Index {
    Index::Num(n as u32)
}

const I: Index = Index::Var('i');
const J: Index = Index::Var('j');

/// General formulas with at most this many terms in a sum are written out term by term.
const WRITE_OUT_UP_TO: u32 = 4;

/// The symbolic part: each layer's equations and their derivatives, with index variables.
struct Formulas<'n> {
    network: &'n Network,
    /// δ_i^{(l)} for l = 1..=L (index l−1), in index `i`.
    delta: Vec<(Expr, Vec<&'static str>)>,
    /// ∂E/∂w_{ij}^{(l)} in `i`, `j`.
    grad_weight: Vec<(Expr, Vec<&'static str>)>,
    /// ∂E/∂b_i^{(l)} in `i`.
    grad_bias: Vec<(Expr, Vec<&'static str>)>,
}

impl<'n> Formulas<'n> {
    /// `a_i^{(l)} = Σ_var w_{i,var}^{(l)} z_var^{(l−1)} (+ b_i^{(l)})`.
    fn pre_definition(network: &Network, layer: u32, i: Index, var: char) -> Expr {
        let inputs = network.width(layer - 1) as u32;
        let sum = Expr::sum(
            var,
            inputs,
            Expr::Mul(vec![
                sym(Symbol::weight(layer, i, Index::Var(var))),
                sym(Symbol::out(layer - 1, Index::Var(var))),
            ]),
        );
        match network.layer(layer).bias {
            Some(_) => Expr::Add(vec![sum, sym(Symbol::bias(layer, i))]),
            None => sum,
        }
    }

    /// `z_i^{(l)} = h^{(l)}(a_i^{(l)})`.
    fn out_definition(layer: u32, i: Index) -> Expr {
        Expr::call(Func::Act(layer), sym(Symbol::pre(layer, i)))
    }

    fn derive(network: &'n Network) -> Result<Formulas<'n>, Error> {
        let depth = network.depth();
        let mut formulas = Formulas {
            network,
            delta: Vec::new(),
            grad_weight: Vec::new(),
            grad_bias: Vec::new(),
        };
        let acts = |l: u32| {
            (1..=network.depth())
                .contains(&l)
                .then(|| network.layer(l).activation)
        };
        let d = |e: &Expr, wrt: Symbol| -> Result<(Expr, Vec<&'static str>), Error> {
            diff::derivative(e, &sym(wrt), &acts)
                .map_err(|diff::Unsupported(message)| Error::Unsupported { message })
        };

        // Output layer: δ_i^{(L)} = ∂y_i/∂a_i · ∂E/∂y_i.
        let loss = network.loss.instantiate(depth, network.width(depth) as u32);
        let (de_dy, mut rules) = d(&loss, Symbol::out(depth, I))?;
        let (dy_da, more) = d(&Formulas::out_definition(depth, I), Symbol::pre(depth, I))?;
        rules.extend(more);
        let (delta_out, more) = crate::simplify::simplify(&Expr::Mul(vec![dy_da, de_dy]));
        rules.extend(more);
        let mut deltas = vec![(delta_out, dedup(rules))];

        // Hidden layers, from the top down: δ_i^{(l)} = ∂z_i/∂a_i · Σ_k ∂a_k^{(l+1)}/∂z_i · δ_k^{(l+1)}.
        for layer in (1..depth).rev() {
            let k = Index::Var('k');
            let (dz_da, mut rules) = d(&Formulas::out_definition(layer, I), Symbol::pre(layer, I))?;
            let (da_dz, more) = d(
                &Formulas::pre_definition(network, layer + 1, k, 'j'),
                Symbol::out(layer, I),
            )?;
            rules.extend(more);
            let fan_out = network.width(layer + 1) as u32;
            let raw = Expr::Mul(vec![
                dz_da,
                Expr::sum(
                    'k',
                    fan_out,
                    Expr::Mul(vec![da_dz, sym(Symbol::delta(layer + 1, k))]),
                ),
            ]);
            let (delta, more) = crate::simplify::simplify(&raw);
            rules.extend(more);
            deltas.push((delta, dedup(rules)));
        }
        deltas.reverse();
        formulas.delta = deltas;

        // ∂E/∂w_{ij}^{(l)} = δ_i^{(l)} · ∂a_i^{(l)}/∂w_{ij}^{(l)}, and likewise for b.
        for layer in 1..=depth {
            let definition = Formulas::pre_definition(network, layer, I, 'm');
            let (da_dw, rules) = d(&definition, Symbol::weight(layer, I, J))?;
            let (grad, more) =
                crate::simplify::simplify(&Expr::Mul(vec![sym(Symbol::delta(layer, I)), da_dw]));
            formulas
                .grad_weight
                .push((grad, dedup([rules, more].concat())));
            let (da_db, rules) = d(&definition, Symbol::bias(layer, I))?;
            let (grad, more) =
                crate::simplify::simplify(&Expr::Mul(vec![sym(Symbol::delta(layer, I)), da_db]));
            formulas
                .grad_bias
                .push((grad, dedup([rules, more].concat())));
        }
        Ok(formulas)
    }

    /// The article's layout: with exactly one hidden layer, the first layer's gradients are
    /// written with δ^{(1)} expanded: `h'(a_i^{(1)})(w_{1i}^{(2)}δ_1^{(2)} + …)·x_j`.
    fn expanded_first_layer(&self) -> bool {
        self.network.depth() == 2
    }

    fn delta_of(&self, layer: u32) -> &(Expr, Vec<&'static str>) {
        &self.delta[layer as usize - 1]
    }

    /// The gradient of w_{ij}^{(l)} in `i`, `j` as the worked rows show it.
    fn shown_weight_gradient(&self, layer: u32) -> (Expr, Vec<&'static str>) {
        let (grad, rules) = &self.grad_weight[layer as usize - 1];
        if layer == 1 && self.expanded_first_layer() {
            let (delta, delta_rules) = self.delta_of(1);
            let (inlined, _) =
                crate::simplify::simplify(&replace_symbol(grad, &Symbol::delta(1, I), delta));
            (
                inlined,
                dedup([delta_rules.clone(), rules.clone()].concat()),
            )
        } else {
            (grad.clone(), rules.clone())
        }
    }
}

fn dedup(rules: Vec<&'static str>) -> Vec<&'static str> {
    let mut out = Vec::with_capacity(rules.len());
    for rule in rules {
        if !out.contains(&rule) {
            out.push(rule);
        }
    }
    out
}

fn replace_symbol(e: &Expr, target: &Symbol, by: &Expr) -> Expr {
    match e {
        Expr::Sym(s) if s == target => by.clone(),
        _ => e.map_children(&mut |c| replace_symbol(c, target, by)),
    }
}

/// Writes out sums small enough to read term by term (general formulas).
fn write_out_small_sums(e: &Expr) -> Expr {
    e.expand_sums_up_to(WRITE_OUT_UP_TO)
}

/// The values of one step.
struct Values<'n> {
    network: &'n Network,
    map: HashMap<Symbol, Value>,
    options: Options,
}

impl Env for Values<'_> {
    fn symbol(&self, symbol: &Symbol) -> Option<Value> {
        self.map.get(symbol).copied()
    }

    fn activation(&self, layer: u32) -> Option<&'static Activation> {
        (1..=self.network.depth())
            .contains(&layer)
            .then(|| self.network.layer(layer).activation)
    }
}

impl Values<'_> {
    /// Stores a computed value as later rows will use it.
    fn carry(&mut self, symbol: Symbol, value: Value) -> Value {
        let carried = match self.options.carry {
            Carry::Exact => value,
            Carry::Rounded => value.rounded(self.options.digits),
        };
        self.map.insert(symbol, carried);
        carried
    }

    fn get(&self, symbol: &Symbol) -> Value {
        self.map
            .get(symbol)
            .copied()
            .unwrap_or(Value::approx(f64::NAN))
    }

    /// The value standing for a subexpression in a numbers row: a quantity, or an activation
    /// (or its derivative) applied to a unit's pre-activation, which is that unit's output.
    fn lookup(&self, e: &Expr) -> Option<Value> {
        match e {
            Expr::Sym(s) => self.map.get(s).copied(),
            Expr::Call(Func::Act(layer), arg) | Expr::Deriv(Func::Act(layer), arg) => {
                let Expr::Sym(a) = &**arg else { return None };
                if a.kind != Kind::Pre || a.layer != *layer {
                    return None;
                }
                let kind = if matches!(e, Expr::Call(..)) {
                    Kind::Out
                } else {
                    Kind::ActDeriv
                };
                self.map
                    .get(&Symbol::new(kind, *layer, &a.indices))
                    .copied()
            }
            Expr::Partial(num, den) => match (&**num, &**den) {
                (Expr::Sym(loss), Expr::Sym(w)) if loss.kind == Kind::Loss => {
                    let kind = match w.kind {
                        Kind::Weight => Kind::GradWeight,
                        Kind::Bias => Kind::GradBias,
                        _ => return None,
                    };
                    self.map
                        .get(&Symbol::new(kind, w.layer, &w.indices))
                        .copied()
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn substitute(&self, e: &Expr) -> Expr {
        e.substitute(&mut |x| self.lookup(x))
    }

    /// The numbers row and value of `formula`, for the quantity called `name` in messages.
    fn evaluate(&self, formula: &Expr, name: &Expr, step: u32) -> Result<(Expr, Value), Error> {
        let substituted = self.substitute(formula);
        let value = eval::eval(&substituted, self).map_err(|fault| Error::Numeric {
            quantity: crate::latex::plain(name),
            step,
            fault: fault.to_string(),
        })?;
        Ok((substituted, value))
    }
}

/// Derives the whole worked solution.
pub fn derive(network: &Network, options: Options) -> Result<Derivation<'_>, Error> {
    let formulas = Formulas::derive(network)?;
    let depth = network.depth();

    let equations = (1..=depth)
        .map(|layer| general_equations(network, layer))
        .collect();
    let activation_rules = activation_rules(network);
    let loss = Chain::new(
        ChainKind::Equation,
        sym(Symbol::loss()),
        vec![network.loss.instantiate(depth, network.width(depth) as u32)],
    );
    let gradient_rules = gradient_rules(network, &formulas);
    let update_rule = network.sgd.map(|_| {
        let w = Symbol::new(Kind::Weight, 0, &[]);
        update_chain(&w, ChainKind::Equation, None)
    });

    let mut values = Values {
        network,
        map: HashMap::new(),
        options,
    };
    for (j, x) in network.x.iter().enumerate() {
        values
            .map
            .insert(Symbol::out(0, num(j + 1)), Value::exact(*x));
    }
    for (k, t) in network.t.iter().enumerate() {
        values
            .map
            .insert(Symbol::target(num(k + 1)), Value::exact(*t));
    }
    for (l, layer) in network.layers.iter().enumerate() {
        let l = l as u32 + 1;
        for (i, row) in layer.weights.iter().enumerate() {
            for (j, w) in row.iter().enumerate() {
                values
                    .map
                    .insert(Symbol::weight(l, num(i + 1), num(j + 1)), Value::exact(*w));
            }
        }
        for (i, b) in layer.bias.iter().flatten().enumerate() {
            values
                .map
                .insert(Symbol::bias(l, num(i + 1)), Value::exact(*b));
        }
    }
    if let Some(sgd) = network.sgd {
        values.map.insert(Symbol::rate(), Value::exact(sgd.lr));
    }

    let step_count = network.sgd.map_or(1, |s| s.steps);
    let mut steps = Vec::with_capacity(step_count as usize);
    for number in 1..=step_count {
        steps.push(derive_step(&formulas, &mut values, number)?);
    }

    Ok(Derivation {
        network,
        options,
        equations,
        activation_rules,
        loss,
        gradient_rules,
        update_rule,
        steps,
    })
}

fn general_equations(network: &Network, layer: u32) -> LayerChains {
    let pre = Chain::new(
        ChainKind::Equation,
        sym(Symbol::pre(layer, I)),
        vec![write_out_small_sums(&Formulas::pre_definition(
            network, layer, I, 'j',
        ))],
    );
    let definition = (network.layer(layer).activation.definition)();
    let out = Chain::new(
        ChainKind::Equation,
        sym(Symbol::out(layer, I)),
        vec![
            Formulas::out_definition(layer, I),
            definition.bind(ARG, &sym(Symbol::pre(layer, I))),
        ],
    );
    LayerChains {
        layer,
        chains: vec![pre, out],
    }
}

/// `h(a) = …` and `h'(a) = …` for each layer's activation, stated once.
fn activation_rules(network: &Network) -> Vec<Chain> {
    let mut chains = Vec::new();
    for layer in 1..=network.depth() {
        let act = network.layer(layer).activation;
        let f = Func::Act(layer);
        let symbol_taken = chains
            .iter()
            .any(|c: &Chain| c.lhs == Expr::call(f, Expr::Var(ARG)));
        if symbol_taken {
            continue;
        }
        chains.push(Chain::new(
            ChainKind::Rule,
            Expr::call(f, Expr::Var(ARG)),
            vec![(act.definition)()],
        ));
        chains.push(
            Chain::new(
                ChainKind::Rule,
                Expr::deriv(f, Expr::Var(ARG)),
                vec![(act.derivative)(f)],
            )
            .with_rules(&[act.rule]),
        );
    }
    chains
}

fn gradient_rules(network: &Network, formulas: &Formulas) -> Vec<Chain> {
    let depth = network.depth();
    let mut chains = Vec::new();
    for layer in (1..=depth).rev() {
        let (delta, delta_rules) = formulas.delta_of(layer);
        let delta_symbol = sym(Symbol::delta(layer, I));
        let de_da = Expr::partial(sym(Symbol::loss()), sym(Symbol::pre(layer, I)));
        let grad_lhs = Expr::partial(sym(Symbol::loss()), sym(Symbol::weight(layer, I, J)));
        if layer == 1 && formulas.expanded_first_layer() {
            // The article's derivation of the first layer's gradient, step by step.
            let (shown, rules) = formulas.shown_weight_gradient(1);
            let k = Index::Var('k');
            let via_next = Expr::sum(
                'k',
                network.width(2) as u32,
                Expr::Mul(vec![
                    Expr::partial(sym(Symbol::loss()), sym(Symbol::pre(2, k))),
                    Expr::partial(sym(Symbol::pre(2, k)), sym(Symbol::pre(1, I))),
                ]),
            );
            let (grad, _) = &formulas.grad_weight[0];
            let (da_dw, _) = crate::simplify::simplify(&replace_symbol(
                grad,
                &Symbol::delta(1, I),
                &Expr::int(1),
            ));
            chains.push(
                Chain::new(
                    ChainKind::Gradient,
                    grad_lhs,
                    vec![
                        Expr::Mul(vec![
                            de_da,
                            Expr::partial(sym(Symbol::pre(1, I)), sym(Symbol::weight(1, I, J))),
                        ]),
                        Expr::Mul(vec![write_out_small_sums(&via_next), da_dw]),
                        write_out_small_sums(&shown),
                    ],
                )
                .with_rules(&rules),
            );
        } else {
            chains.push(
                Chain::new(
                    ChainKind::Gradient,
                    delta_symbol,
                    vec![de_da, write_out_small_sums(delta)],
                )
                .with_rules(delta_rules),
            );
            let (grad, rules) = &formulas.grad_weight[layer as usize - 1];
            chains.push(
                Chain::new(ChainKind::Gradient, grad_lhs, vec![grad.clone()]).with_rules(rules),
            );
        }
        if network.layer(layer).bias.is_some() {
            let (grad, rules) = &formulas.grad_bias[layer as usize - 1];
            let lhs = Expr::partial(sym(Symbol::loss()), sym(Symbol::bias(layer, I)));
            chains.push(Chain::new(ChainKind::Gradient, lhs, vec![grad.clone()]).with_rules(rules));
        }
    }
    chains
}

/// `p ← p − η ∂E/∂p`, with the numbers when `values` are given.
fn update_chain(parameter: &Symbol, kind: ChainKind, numbers: Option<(Expr, Value)>) -> Chain {
    let formula = Expr::minus(
        sym(parameter.clone()),
        Expr::Mul(vec![
            sym(Symbol::rate()),
            Expr::partial(sym(Symbol::loss()), sym(parameter.clone())),
        ]),
    );
    let mut rows = vec![formula];
    if let Some((substituted, value)) = numbers {
        rows.push(substituted);
        rows.push(Expr::Val(value));
    }
    let mut chain = Chain::new(kind, sym(parameter.clone()), rows);
    chain.rows[0].assign = true;
    chain
}

/// `lhs = formula = numbers ≈ value`, storing the value under `symbol`.
fn numbered(
    values: &mut Values,
    kind: ChainKind,
    symbol: Symbol,
    lhs: Expr,
    formula: Expr,
    step: u32,
) -> Result<(Chain, Value), Error> {
    let (substituted, value) = values.evaluate(&formula, &lhs, step)?;
    let value = values.carry(symbol, value);
    Ok((
        Chain::new(kind, lhs, vec![formula, substituted, Expr::Val(value)]),
        value,
    ))
}

fn derive_step(formulas: &Formulas, values: &mut Values, step: u32) -> Result<Step, Error> {
    let network = formulas.network;
    let depth = network.depth();
    let mut forward = Vec::new();

    for layer in 1..=depth {
        let mut chains = Vec::new();
        let units = network.width(layer);
        for i in 1..=units {
            let symbol = Symbol::pre(layer, num(i));
            let formula = Formulas::pre_definition(network, layer, num(i), 'j').expand_sums();
            let (chain, _) = numbered(
                values,
                ChainKind::PreActivation,
                symbol.clone(),
                sym(symbol),
                formula,
                step,
            )?;
            chains.push(chain);
        }
        for i in 1..=units {
            let a = Symbol::pre(layer, num(i));
            let symbol = Symbol::out(layer, num(i));
            let definition = (network.layer(layer).activation.definition)();
            let substituted = definition.bind(ARG, &Expr::Val(values.get(&a)));
            let (_, value) = values.evaluate(&substituted, &sym(symbol.clone()), step)?;
            let value = values.carry(symbol.clone(), value);
            // Show the definition with numbers, or when that is just the number itself (the
            // identity), the definition in symbols.
            let middle = match substituted {
                Expr::Val(_) => definition.bind(ARG, &sym(a)),
                other => other,
            };
            chains.push(Chain::new(
                ChainKind::Activation,
                sym(symbol),
                vec![
                    Formulas::out_definition(layer, num(i)),
                    middle,
                    Expr::Val(value),
                ],
            ));
        }
        forward.push(LayerChains { layer, chains });
    }

    let loss_formula = network
        .loss
        .instantiate(depth, network.width(depth) as u32)
        .expand_sums();
    let (loss, loss_value) = numbered(
        values,
        ChainKind::Loss,
        Symbol::loss(),
        sym(Symbol::loss()),
        loss_formula,
        step,
    )?;

    // h'(a_i^{(l)}) at every unit where it is not a constant.
    let mut derivatives = Vec::new();
    for layer in (1..=depth).rev() {
        let act = network.layer(layer).activation;
        let f = Func::Act(layer);
        if act.constant_derivative(f).is_some() {
            continue;
        }
        let mut chains = Vec::new();
        for i in 1..=network.width(layer) {
            let a = sym(Symbol::pre(layer, num(i)));
            let formula = (act.derivative)(f).bind(ARG, &a);
            let lhs = Expr::deriv(f, a);
            let (chain, _) = numbered(
                values,
                ChainKind::Derivative,
                Symbol::act_deriv(layer, num(i)),
                lhs,
                formula,
                step,
            )?;
            chains.push(chain.with_rules(&[act.rule]));
        }
        derivatives.push(LayerChains { layer, chains });
    }

    // δ, output layer first; with the article's layout δ^{(1)} is computed but not shown.
    let mut deltas = Vec::new();
    for layer in (1..=depth).rev() {
        let (delta, rules) = formulas.delta_of(layer);
        let mut chains = Vec::new();
        for i in 1..=network.width(layer) {
            let symbol = Symbol::delta(layer, num(i));
            let formula = delta.with_index('i', num(i)).expand_sums();
            let (chain, _) = numbered(
                values,
                ChainKind::Delta,
                symbol.clone(),
                sym(symbol),
                formula,
                step,
            )?;
            chains.push(chain.with_rules(rules));
        }
        if !(layer == 1 && formulas.expanded_first_layer()) {
            deltas.push(LayerChains { layer, chains });
        }
    }

    let mut gradients = Vec::new();
    for layer in (1..=depth).rev() {
        let (grad, rules) = formulas.shown_weight_gradient(layer);
        let kind = if layer == 1 && formulas.expanded_first_layer() {
            ChainKind::ExpandedGradient
        } else {
            ChainKind::WeightGradient
        };
        let mut chains = Vec::new();
        for i in 1..=network.width(layer) {
            for j in 1..=network.width(layer - 1) {
                let w = Symbol::weight(layer, num(i), num(j));
                let formula = grad
                    .with_index('i', num(i))
                    .with_index('j', num(j))
                    .expand_sums();
                let lhs = Expr::partial(sym(Symbol::loss()), sym(w));
                let symbol = Symbol::grad_weight(layer, num(i), num(j));
                let (chain, _) = numbered(values, kind, symbol, lhs, formula, step)?;
                chains.push(chain.with_rules(&rules));
            }
        }
        if network.layer(layer).bias.is_some() {
            let (grad, rules) = &formulas.grad_bias[layer as usize - 1];
            for i in 1..=network.width(layer) {
                let lhs = Expr::partial(sym(Symbol::loss()), sym(Symbol::bias(layer, num(i))));
                let formula = grad.with_index('i', num(i));
                let symbol = Symbol::grad_bias(layer, num(i));
                let (chain, _) = numbered(
                    values,
                    ChainKind::WeightGradient,
                    symbol,
                    lhs,
                    formula,
                    step,
                )?;
                chains.push(chain.with_rules(rules));
            }
        }
        gradients.push(LayerChains { layer, chains });
    }

    // Updates: computed from this step's values, stored for the next step afterwards.
    let mut updates = Vec::new();
    let mut updated: Vec<(Symbol, Value)> = Vec::new();
    if network.sgd.is_some() {
        for layer in (1..=depth).rev() {
            let mut parameters: Vec<Symbol> = Vec::new();
            for i in 1..=network.width(layer) {
                for j in 1..=network.width(layer - 1) {
                    parameters.push(Symbol::weight(layer, num(i), num(j)));
                }
            }
            if network.layer(layer).bias.is_some() {
                parameters.extend((1..=network.width(layer)).map(|i| Symbol::bias(layer, num(i))));
            }
            let mut chains = Vec::new();
            for parameter in parameters {
                let formula = update_chain(&parameter, ChainKind::Update, None).rows[0]
                    .expr
                    .clone();
                let (substituted, value) =
                    values.evaluate(&formula, &sym(parameter.clone()), step)?;
                let value = match values.options.carry {
                    Carry::Exact => value,
                    Carry::Rounded => value.rounded(values.options.digits),
                };
                updated.push((parameter.clone(), value));
                chains.push(update_chain(
                    &parameter,
                    ChainKind::Update,
                    Some((substituted, value)),
                ));
            }
            updates.push(LayerChains { layer, chains });
        }
    }

    let layers = (1..=depth)
        .map(|layer| layer_numbers(values, &updated, layer))
        .collect();
    for (parameter, value) in updated {
        values.map.insert(parameter, value);
    }

    Ok(Step {
        number: step,
        forward,
        loss,
        derivatives,
        deltas,
        gradients,
        updates,
        loss_value,
        layers,
    })
}

fn layer_numbers(values: &Values, updated: &[(Symbol, Value)], layer: u32) -> LayerNumbers {
    let network = values.network;
    let units = network.width(layer);
    let inputs = network.width(layer - 1);
    let matrix = |f: &dyn Fn(usize, usize) -> Symbol| -> Vec<Vec<Value>> {
        (1..=units)
            .map(|i| (1..=inputs).map(|j| values.get(&f(i, j))).collect())
            .collect()
    };
    let vector = |f: &dyn Fn(usize) -> Symbol| -> Vec<Value> {
        (1..=units).map(|i| values.get(&f(i))).collect()
    };
    let after: HashMap<&Symbol, Value> = updated.iter().map(|(s, v)| (s, *v)).collect();
    let has_bias = network.layer(layer).bias.is_some();
    let sgd = network.sgd.is_some();
    LayerNumbers {
        weights: matrix(&|i, j| Symbol::weight(layer, num(i), num(j))),
        bias: has_bias.then(|| vector(&|i| Symbol::bias(layer, num(i)))),
        pre: vector(&|i| Symbol::pre(layer, num(i))),
        out: vector(&|i| Symbol::out(layer, num(i))),
        delta: vector(&|i| Symbol::delta(layer, num(i))),
        grad_weights: matrix(&|i, j| Symbol::grad_weight(layer, num(i), num(j))),
        grad_bias: has_bias.then(|| vector(&|i| Symbol::grad_bias(layer, num(i)))),
        weights_after: sgd.then(|| {
            (1..=units)
                .map(|i| {
                    (1..=inputs)
                        .map(|j| after[&Symbol::weight(layer, num(i), num(j))])
                        .collect()
                })
                .collect()
        }),
        bias_after: (sgd && has_bias).then(|| {
            (1..=units)
                .map(|i| after[&Symbol::bias(layer, num(i))])
                .collect()
        }),
    }
}
