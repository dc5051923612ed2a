//! The general chains stated before the numbers: the network's equations, the activations'
//! rules, the gradient formulas and the update rule.

use super::chain::{Chain, ChainKind, LayerChains};
use super::formulas::{replace_symbol, write_out_small_sums, Formulas, I, J};
use super::sym;
use crate::math::expr::{Expr, Func, Index, Kind, Symbol};
use crate::math::functions::{Shape, ARG};
use crate::math::number::Value;
use crate::model::Network;

pub(super) fn general_equations(f: &Formulas, layer: u32) -> LayerChains {
    let network = f.network;
    let pre = Chain::new(
        ChainKind::Equation,
        f.pre(layer, I),
        vec![write_out_small_sums(&f.pre_definition(layer, I, 'j'))],
    );
    let act = &network.layer(layer).activation;
    let out_symbol = sym(Symbol::out(layer, I).at(f.sample));
    let out = match act.shape {
        Shape::Softmax => Chain::new(
            ChainKind::Equation,
            out_symbol,
            vec![write_out_small_sums(&f.softmax_formula(layer, I))],
        ),
        Shape::Elementwise => Chain::new(
            ChainKind::Equation,
            out_symbol,
            vec![
                f.out_definition(layer, I),
                act.definition.bind(ARG, &f.pre(layer, I)),
            ],
        ),
    };
    let mut chains = vec![pre, out];
    if network.layer(layer).dropout.is_some() {
        chains.push(Chain::new(
            ChainKind::Equation,
            sym(Symbol::dropped(layer, I).at(f.sample)),
            vec![f.dropped_definition(layer, I)],
        ));
    }
    LayerChains { layer, chains }
}

/// `h(a) = …` and `h'(a) = …` for each layer's activation, stated once.
pub(super) fn activation_rules(network: &Network) -> Vec<Chain> {
    let printer_names_differ = network.depth() > 2;
    let mut chains = Vec::new();
    let mut stated: Vec<&str> = Vec::new();
    for layer in 1..=network.depth() {
        let act = &network.layer(layer).activation;
        let f = Func::Act(layer);
        // With h and o only (one hidden layer), each function is stated once; deeper networks
        // name each layer's function, so each is stated.
        let key = if printer_names_differ || layer == network.depth() {
            ""
        } else {
            act.name.as_str()
        };
        if !key.is_empty() && stated.contains(&key) {
            continue;
        }
        stated.push(key);
        match act.shape {
            Shape::Softmax => {
                let y_k = Symbol::out(layer, Index::Var('k'));
                let a_i = Symbol::pre(layer, I);
                let jacobian = Expr::Mul(vec![
                    sym(y_k.clone()),
                    Expr::Add(vec![
                        Expr::Kron(Index::Var('k'), I),
                        Expr::Neg(Box::new(sym(Symbol::out(layer, I)))),
                    ]),
                ]);
                chains.push(
                    Chain::new(
                        ChainKind::Rule,
                        Expr::partial(sym(y_k), sym(a_i)),
                        vec![jacobian],
                    )
                    .with_rules(&[act.rule]),
                );
            }
            Shape::Elementwise => {
                chains.push(Chain::new(
                    ChainKind::Rule,
                    Expr::call(f, Expr::Var(ARG)),
                    vec![act.definition.clone()],
                ));
                let rule = act.rule;
                chains.push(
                    Chain::new(
                        ChainKind::Rule,
                        Expr::deriv(f, Expr::Var(ARG)),
                        vec![act.derivative_as(f)],
                    )
                    .with_rules(&[rule]),
                );
            }
        }
    }
    chains
}

pub(super) fn gradient_rules(f: &Formulas) -> Vec<Chain> {
    let network = f.network;
    let depth = network.depth();
    let s = f.sample;
    let mut chains = Vec::new();
    for layer in (1..=depth).rev() {
        let (delta, delta_rules) = f.delta_of(layer);
        let delta_symbol = sym(Symbol::delta(layer, I).at(s));
        let de_da = Expr::partial(sym(Symbol::loss().at(s)), f.pre(layer, I));
        let grad_lhs = Expr::partial(sym(Symbol::loss()), sym(Symbol::weight(layer, I, J)));
        if layer == 1 && f.expanded_first_layer() {
            // The article's derivation of the first layer's gradient, step by step.
            let (shown, rules) = f.shown_weight_gradient(1);
            let k = Index::Var('k');
            let via_next = Expr::sum(
                'k',
                network.width(2) as u32,
                Expr::Mul(vec![
                    Expr::partial(sym(Symbol::loss().at(s)), f.pre(2, k)),
                    Expr::partial(f.pre(2, k), f.pre(1, I)),
                ]),
            );
            let (term, _) = &f.grad_weight_term[0];
            let (da_dw, _) = crate::math::simplify::simplify(&replace_symbol(
                term,
                &Symbol::delta(1, I).at(s),
                &Expr::int(1),
            ));
            chains.push(
                Chain::new(
                    ChainKind::Gradient,
                    grad_lhs,
                    vec![
                        f.over_samples(Expr::Mul(vec![
                            de_da,
                            Expr::partial(f.pre(1, I), sym(Symbol::weight(1, I, J))),
                        ])),
                        f.over_samples(Expr::Mul(vec![write_out_small_sums(&via_next), da_dw])),
                        write_out_small_sums(shown),
                    ],
                )
                .with_rules(rules),
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
            let (grad, rules) = f.shown_weight_gradient(layer);
            chains.push(
                Chain::new(ChainKind::Gradient, grad_lhs, vec![grad.clone()]).with_rules(rules),
            );
        }
        if network.weight_decay.is_some() {
            let w = Symbol::weight(layer, I, J);
            let lhs = Expr::partial(sym(Symbol::decayed_loss()), sym(w.clone()));
            chains.push(Chain::new(
                ChainKind::Gradient,
                lhs,
                vec![super::decay::gradient(&w)],
            ));
        }
        if network.layer(layer).bias.is_some() {
            let (grad, rules) = f.shown_bias_gradient(layer);
            let lhs = Expr::partial(sym(Symbol::loss()), sym(Symbol::bias(layer, I)));
            chains.push(Chain::new(ChainKind::Gradient, lhs, vec![grad.clone()]).with_rules(rules));
        }
    }
    chains
}

/// The gradient an update of `parameter` uses, `∂E/∂p`: the one place that says which loss
/// an optimizer descends. With weight decay (`decay`), a weight's is `∂Ẽ/∂w`, kept in the
/// gradient's slot (see `decay`); a bias's stays `∂E/∂b`.
pub(super) fn update_gradient(parameter: &Symbol, decay: bool) -> Expr {
    let loss = if decay && parameter.kind == Kind::Weight {
        Symbol::decayed_loss()
    } else {
        Symbol::loss()
    };
    Expr::partial(sym(loss), sym(parameter.clone()))
}

/// `p − η ∂E/∂p` (`∂Ẽ/∂w` with weight decay).
pub(super) fn update_formula(parameter: &Symbol, decay: bool) -> Expr {
    Expr::minus(
        sym(parameter.clone()),
        Expr::Mul(vec![sym(Symbol::rate()), update_gradient(parameter, decay)]),
    )
}

/// `p ← p − η ∂E/∂p`, with the numbers when given.
pub(super) fn update_chain(
    parameter: &Symbol,
    kind: ChainKind,
    numbers: Option<(Expr, Value)>,
    decay: bool,
) -> Chain {
    let mut rows = vec![update_formula(parameter, decay)];
    if let Some((substituted, value)) = numbers {
        rows.push(substituted);
        rows.push(Expr::Val(value));
    }
    let mut chain = Chain::new(kind, sym(parameter.clone()), rows);
    chain.rows[0].assign = true;
    chain
}

/// `E_n = …` in general form, and with several samples `E = Σ_n E_n` (or their mean).
pub(super) fn loss_equations(f: &Formulas) -> Vec<Chain> {
    let mut loss = vec![Chain::new(
        ChainKind::Equation,
        sym(Symbol::loss().at(f.sample)),
        vec![f.sample_loss()],
    )];
    if f.network.samples() > 1 {
        loss.push(Chain::new(
            ChainKind::Equation,
            sym(Symbol::loss()),
            vec![f.over_samples(sym(Symbol::loss().at(f.sample)))],
        ));
    }
    if f.network.weight_decay.is_some() {
        loss.push(Chain::new(
            ChainKind::Equation,
            sym(Symbol::decayed_loss()),
            vec![super::decay::loss_formula(f.network)],
        ));
    }
    loss
}
