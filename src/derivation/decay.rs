//! Weight decay (`weight_decay λ`, issue 18): the loss descended is `Ẽ = E + (λ/2) Σ w²` over
//! every weight matrix (not the biases, as PyTorch's parameter groups have it), so a weight's
//! gradient is `∂Ẽ/∂w = ∂E/∂w + λw` and a bias's stays `∂E/∂b`.
//!
//! The decay is a term added to what is there, never a second derivation: the weight gradient
//! rows get `+ λ w_{ij}` in their formula (so the value kept in the gradient's slot is the one
//! every optimizer reads through [`super::rules::update_gradient`]), and the loss rows get one
//! more row after E. Its squares are summed per layer and shown as one value per layer: a
//! 784-100-10 network has 79,000 of them, which no page holds written out.

use super::chain::{Chain, ChainKind, DecayedLoss};
use super::sym;
use super::values::Values;
use crate::error::Error;
use crate::math::expr::{Expr, Index, Setting, Symbol};
use crate::math::number::Value;
use crate::model::Network;

/// λ.
pub(super) fn lambda() -> Expr {
    sym(Symbol::setting(Setting::WeightDecay))
}

/// `λ w` for `weight` (a weight, or the generic `w`).
pub(super) fn term(weight: &Symbol) -> Expr {
    Expr::Mul(vec![lambda(), sym(weight.clone())])
}

/// `∂E/∂w + λw`: the general form of a weight's decayed gradient.
pub(super) fn gradient(weight: &Symbol) -> Expr {
    Expr::Add(vec![
        Expr::partial(sym(Symbol::loss()), sym(weight.clone())),
        term(weight),
    ])
}

/// `E + (λ/2)(sums)`, with `sums` one term per layer.
fn decayed(sums: Vec<Expr>) -> Expr {
    let half = Expr::Div(Box::new(lambda()), Box::new(Expr::int(2)));
    let sums = if sums.len() == 1 {
        sums.into_iter().next().unwrap_or_else(|| Expr::int(0))
    } else {
        Expr::Add(sums)
    };
    Expr::Add(vec![sym(Symbol::loss()), Expr::Mul(vec![half, sums])])
}

/// `Ẽ = E + (λ/2) Σ_l Σ_i Σ_j (w_{ij}^{(l)})²` in general form, one double sum per layer.
pub(super) fn loss_formula(network: &Network) -> Expr {
    let sums = (1..=network.depth())
        .map(|layer| {
            let square = Expr::pow(
                sym(Symbol::weight(layer, Index::Var('i'), Index::Var('j'))),
                Expr::int(2),
            );
            let inner = Expr::sum('j', network.width(layer - 1) as u32, square);
            Expr::sum('i', network.width(layer) as u32, inner)
        })
        .collect();
    decayed(sums)
}

/// The step's `Ẽ = general = E + (λ/2)(S₁ + S₂) ≈ value`, each S the sum of a layer's squared
/// weights as one value (carried as every shown value is), and that value kept for the
/// gradients check and the JSON. `None` without weight decay.
pub(super) fn loss(values: &mut Values, step: u32) -> Result<Option<DecayedLoss>, Error> {
    let network = values.network;
    if network.weight_decay.is_none() {
        return Ok(None);
    }
    let squares: Vec<Value> = values
        .store
        .layers
        .iter()
        .map(|layer| {
            let sum = layer
                .weights
                .iter()
                .flatten()
                .fold(Value::int(0), |sum, &w| sum + w * w);
            values.rounded(sum)
        })
        .collect();
    let numbers = decayed(squares.iter().map(|&s| Expr::Val(s)).collect());
    let symbol = Symbol::decayed_loss();
    let lhs = sym(symbol.clone());
    let (substituted, value) = values.evaluate(&numbers, &lhs, step)?;
    let value = values.carry(symbol, value);
    let rows = vec![loss_formula(network), substituted, Expr::Val(value)];
    let chain = Chain::new(ChainKind::Loss, lhs, rows);
    Ok(Some(DecayedLoss {
        chain,
        value,
        squares,
    }))
}
