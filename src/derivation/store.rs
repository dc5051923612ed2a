//! The values of a step while they are computed, in per-layer arrays: a quantity is found by
//! indexing with its layer, unit and sample, not by hashing its symbol. A 784-100-10 network
//! has 2 × 79,400 parameters and gradients; a map keyed by `Symbol` spent most of the
//! derivation hashing, comparing and allocating for them.

use crate::math::expr::{Index, Kind, Setting, Symbol};
use crate::math::number::Value;
use crate::model::Network;

/// Where a quantity is kept: its kind and layer, its indices from 0 (`j` only for weights) and
/// its sample from 0 (`None` for what is not per sample, and for the total loss).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Slot {
    pub(super) kind: Kind,
    pub(super) layer: u32,
    pub(super) i: usize,
    pub(super) j: usize,
    pub(super) sample: Option<usize>,
}

impl Slot {
    /// The slot of `symbol` with its index variables bound by `bound` (a row of a layer's
    /// formula): `None` where no value can be kept, as for an index left unbound, a per-sample
    /// quantity without its sample among several (or with one where there is only one), or the
    /// wrong number of indices.
    pub(super) fn of(symbol: &Symbol, bound: &[(char, Index)], single: bool) -> Option<Slot> {
        let index = |index: &Index| -> Option<usize> {
            let number = match index {
                Index::Var(var) => bound.iter().find(|(v, _)| v == var)?.1,
                number => *number,
            };
            match number {
                Index::Num(n) if n >= 1 => Some(n as usize - 1),
                _ => None,
            }
        };
        let arity = match symbol.kind {
            Kind::Weight | Kind::GradWeight => 2,
            Kind::Rate | Kind::Loss | Kind::DecayedLoss | Kind::Keep | Kind::Setting(_) => 0,
            _ => 1,
        };
        if symbol.indices.len() != arity {
            return None;
        }
        let i = match symbol.indices.first() {
            Some(first) => index(first)?,
            None => 0,
        };
        let j = match symbol.indices.get(1) {
            Some(second) => index(second)?,
            None => 0,
        };
        let sample = match (symbol.sample, symbol.per_sample()) {
            (None, false) => None,
            (None, true) if single => Some(0),
            (None, true) if symbol.kind == Kind::Loss => None,
            (Some(n), true) if !single => Some(index(&n)?),
            _ => return None,
        };
        Some(Slot {
            kind: symbol.kind,
            layer: symbol.layer,
            i,
            j,
            sample,
        })
    }
}

/// Per sample, a value per unit.
type PerSample = Vec<Vec<Option<Value>>>;

/// One layer's values.
#[derive(Clone, Debug)]
pub(super) struct LayerStore {
    /// Units of the layer below: weight (i, j) is at `i * inputs + j`.
    pub(super) inputs: usize,
    pub(super) weights: Vec<Option<Value>>,
    pub(super) bias: Vec<Option<Value>>,
    pub(super) grad_weights: Vec<Option<Value>>,
    pub(super) grad_bias: Vec<Option<Value>>,
    pub(super) pre: PerSample,
    pub(super) out: PerSample,
    pub(super) delta: PerSample,
    pub(super) act_deriv: PerSample,
    /// z̃ after dropout, and the mask r (given), per sample; empty without dropout.
    pub(super) dropped: PerSample,
    pub(super) mask: PerSample,
    /// p, with inverted dropout.
    pub(super) keep: Option<Value>,
}

/// Every value of a step, `None` until it is computed (or given).
#[derive(Clone, Debug)]
pub(super) struct Store {
    /// Whether there is one sample: its quantities then have no sample index.
    pub(super) single: bool,
    /// The inputs x (outputs of layer 0), per sample.
    pub(super) inputs: PerSample,
    pub(super) targets: PerSample,
    pub(super) rate: Option<Value>,
    /// λ, with weight decay.
    pub(super) decay: Option<Value>,
    /// Ẽ, with weight decay.
    pub(super) decayed_loss: Option<Value>,
    /// E_n per sample (with one sample, E itself).
    pub(super) sample_loss: Vec<Option<Value>>,
    /// E over several samples.
    pub(super) loss: Option<Value>,
    /// Layer 1 first.
    pub(super) layers: Vec<LayerStore>,
}

impl Store {
    /// Room for every value of `network` computed in a step, none of them known yet; no
    /// parameters.
    pub(super) fn empty(network: &Network) -> Store {
        let samples = network.samples();
        let per_sample = |units: usize| vec![vec![None; units]; samples];
        let layers = (1..=network.depth())
            .map(|l| {
                let units = network.width(l);
                let inputs = network.width(l - 1);
                let biases = network.layer(l).bias.as_ref().map_or(0, Vec::len);
                // The weights and biases are given: `Values::given` makes them.
                LayerStore {
                    inputs,
                    weights: Vec::new(),
                    bias: Vec::new(),
                    grad_weights: vec![None; units * inputs],
                    grad_bias: vec![None; biases],
                    pre: per_sample(units),
                    out: per_sample(units),
                    delta: per_sample(units),
                    act_deriv: per_sample(units),
                    dropped: match network.layer(l).dropout {
                        Some(_) => per_sample(units),
                        None => Vec::new(),
                    },
                    // The mask and p are given: `Values::given` makes them.
                    mask: Vec::new(),
                    keep: None,
                }
            })
            .collect();
        Store {
            single: samples == 1,
            inputs: per_sample(network.width(0)),
            targets: per_sample(network.width(network.depth())),
            rate: None,
            decay: None,
            decayed_loss: None,
            sample_loss: vec![None; samples],
            loss: None,
            layers,
        }
    }

    pub(super) fn get(&self, slot: Slot) -> Option<Value> {
        *self.place(slot)?
    }

    /// Keeps `value` in `slot`; false where no value can be kept there.
    pub(super) fn set(&mut self, slot: Slot, value: Value) -> bool {
        match self.place_mut(slot) {
            Some(place) => {
                *place = Some(value);
                true
            }
            None => false,
        }
    }

    fn place(&self, slot: Slot) -> Option<&Option<Value>> {
        let Slot {
            kind,
            layer,
            i,
            j,
            sample,
        } = slot;
        let layer_store = || self.layers.get((layer as usize).checked_sub(1)?);
        let unit = |rows| unit(rows, sample, i);
        match kind {
            Kind::Out if layer == 0 => unit(&self.inputs),
            Kind::Target => unit(&self.targets),
            Kind::Rate => Some(&self.rate),
            Kind::Setting(Setting::WeightDecay) => Some(&self.decay),
            Kind::DecayedLoss => Some(&self.decayed_loss),
            Kind::Loss => match sample {
                Some(n) => self.sample_loss.get(n),
                None => Some(&self.loss),
            },
            Kind::Pre => unit(&layer_store()?.pre),
            Kind::Out => unit(&layer_store()?.out),
            Kind::Delta => unit(&layer_store()?.delta),
            Kind::ActDeriv => unit(&layer_store()?.act_deriv),
            Kind::Dropped => unit(&layer_store()?.dropped),
            Kind::Mask => unit(&layer_store()?.mask),
            Kind::Keep => Some(&layer_store()?.keep),
            Kind::Weight => layer_store()?.weights.get(at(layer_store()?, i, j)?),
            Kind::GradWeight => layer_store()?.grad_weights.get(at(layer_store()?, i, j)?),
            Kind::Bias => layer_store()?.bias.get(i),
            Kind::GradBias => layer_store()?.grad_bias.get(i),
            // The optimizer keeps its own arrays (`optimizers::LayerState`).
            Kind::StateWeight(_) | Kind::StateBias(_) | Kind::Setting(_) => None,
        }
    }

    fn place_mut(&mut self, slot: Slot) -> Option<&mut Option<Value>> {
        let Slot {
            kind,
            layer,
            i,
            j,
            sample,
        } = slot;
        if kind == Kind::Out && layer == 0 {
            return unit_mut(&mut self.inputs, sample, i);
        }
        match kind {
            Kind::Target => return unit_mut(&mut self.targets, sample, i),
            Kind::Rate => return Some(&mut self.rate),
            Kind::Setting(Setting::WeightDecay) => return Some(&mut self.decay),
            Kind::DecayedLoss => return Some(&mut self.decayed_loss),
            Kind::Loss => {
                return match sample {
                    Some(n) => self.sample_loss.get_mut(n),
                    None => Some(&mut self.loss),
                }
            }
            _ => {}
        }
        let store = self.layers.get_mut((layer as usize).checked_sub(1)?)?;
        let at = at(store, i, j);
        match kind {
            Kind::Pre => unit_mut(&mut store.pre, sample, i),
            Kind::Out => unit_mut(&mut store.out, sample, i),
            Kind::Delta => unit_mut(&mut store.delta, sample, i),
            Kind::ActDeriv => unit_mut(&mut store.act_deriv, sample, i),
            Kind::Dropped => unit_mut(&mut store.dropped, sample, i),
            Kind::Mask | Kind::Keep => None,
            Kind::Weight => store.weights.get_mut(at?),
            Kind::GradWeight => store.grad_weights.get_mut(at?),
            Kind::Bias => store.bias.get_mut(i),
            Kind::GradBias => store.grad_bias.get_mut(i),
            Kind::Target | Kind::Rate | Kind::Loss | Kind::DecayedLoss => None,
            Kind::StateWeight(_) | Kind::StateBias(_) | Kind::Setting(_) => None,
        }
    }
}

/// Where weight (i, j) is in a layer's row-by-row arrays.
fn at(store: &LayerStore, i: usize, j: usize) -> Option<usize> {
    if j >= store.inputs {
        return None;
    }
    i.checked_mul(store.inputs)?.checked_add(j)
}

/// Unit `i` of `sample`.
fn unit(rows: &PerSample, sample: Option<usize>, i: usize) -> Option<&Option<Value>> {
    rows.get(sample?)?.get(i)
}

fn unit_mut(rows: &mut PerSample, sample: Option<usize>, i: usize) -> Option<&mut Option<Value>> {
    rows.get_mut(sample?)?.get_mut(i)
}
