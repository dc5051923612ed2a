//! The optimizers beyond plain SGD (issue 18): momentum in its three forms, Nesterov, AdaGrad,
//! RMSProp and Adam in its two forms, each as the rows a student writes for every parameter —
//! the state rows, then the update — general formula → numbers → value.
//!
//! An optimizer is a short *program* of assignments per parameter ([`Program`]), written once
//! in symbols: `v ← μv − η ∂E/∂w`, then `w ← w + v`. Its rows are evaluated in order, and a
//! row reads every state as it stands when the row is reached: the state it assigns as it was
//! after the last step (0 at the first), a state assigned above it as just assigned. The
//! state is kept beside the parameters in per-layer arrays in row order (weights row by row,
//! then biases), carried exact or rounded as every value is, from step to step. Only values are
//! computed while deriving; each row is written when the renderer asks for it ([`super::Rows`]),
//! so a big network's rows stream as plain SGD's do.
//!
//! The gradient an update uses is [`super::rules::update_gradient`]'s, looked up by its slot,
//! so that whatever loss it names (weight decay's Ẽ) every optimizer descends it.

use super::chain::{Chain, ChainKind, StateNumbers};
use super::rules::update_gradient;
use super::sym;
use super::values::{given, legible, Source, Values};
use crate::error::Error;
use crate::math::eval;
use crate::math::expr::{Expr, Func, Index, Kind, Moment, Setting, Symbol};
use crate::math::number::{Decimal, Value};
use crate::model::{AdamForm, MomentumForm, Network, Optimizer};

use super::options::Options;

/// What a row of the program assigns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// A state, carried to the next step (`←`), or with `carried` false a quantity defined
    /// in the step only (Adam's `\hat m`, `\hat v`, with `=`).
    State { moment: Moment, carried: bool },
    /// The parameter itself: the update, always the last row.
    Parameter,
}

/// The rows of an optimizer for one parameter, in order.
#[derive(Clone, Debug)]
pub(super) struct Program {
    pub(super) optimizer: Optimizer,
    pub(super) targets: Vec<Target>,
    /// Whether the gradient is weight decay's `∂Ẽ/∂w` (for weights).
    pub(super) decay: bool,
}

fn s(setting: Setting) -> Expr {
    sym(Symbol::setting(setting))
}

fn one_minus(e: Expr) -> Expr {
    Expr::minus(Expr::int(1), e)
}

fn squared(e: Expr) -> Expr {
    Expr::pow(e, Expr::int(2))
}

/// `√state + ε`.
fn root_plus_eps(state: Expr) -> Expr {
    Expr::Add(vec![Expr::call(Func::Sqrt, state), s(Setting::Eps)])
}

/// `η · numerator/(√state + ε)` (Adam's moments).
fn adaptive(rate: Expr, numerator: Expr, state: Expr) -> Expr {
    let denominator = root_plus_eps(state);
    Expr::Mul(vec![
        rate,
        Expr::Div(Box::new(numerator), Box::new(denominator)),
    ])
}

/// `η/(√h + ε) · ∂E/∂w` (AdaGrad's and RMSProp's), without a fraction inside a fraction.
fn scaled_gradient(rate: Expr, gradient: Expr, state: Expr) -> Expr {
    let scale = Expr::Div(Box::new(rate), Box::new(root_plus_eps(state)));
    Expr::Mul(vec![scale, gradient])
}

impl Program {
    /// The program of the network's optimizer; `None` for plain SGD (and without training),
    /// which keeps its own rows.
    pub(super) fn of(network: &Network) -> Option<Program> {
        let optimizer = network.training?.optimizer;
        let state = |moment| Target::State {
            moment,
            carried: true,
        };
        let hat = |moment| Target::State {
            moment,
            carried: false,
        };
        let targets = match optimizer {
            Optimizer::Sgd => return None,
            Optimizer::Momentum { .. } | Optimizer::Nesterov { .. } => vec![state(Moment::V)],
            Optimizer::AdaGrad { .. } | Optimizer::RmsProp { .. } => vec![state(Moment::H)],
            Optimizer::Adam {
                form: AdamForm::Paper,
                ..
            } => vec![
                state(Moment::M),
                state(Moment::V),
                hat(Moment::MHat),
                hat(Moment::VHat),
            ],
            Optimizer::Adam {
                form: AdamForm::Zero,
                ..
            } => vec![state(Moment::M), state(Moment::V)],
        };
        let mut targets = targets;
        targets.push(Target::Parameter);
        Some(Program {
            optimizer,
            targets,
            decay: network.weight_decay.is_some(),
        })
    }

    /// The carried states, in the order of the rows (the JSON's keys).
    pub(super) fn carried(&self) -> impl Iterator<Item = Moment> + '_ {
        self.targets.iter().filter_map(|t| match t {
            Target::State {
                moment,
                carried: true,
            } => Some(*moment),
            _ => None,
        })
    }

    /// The formula of row `row` for `parameter` (a weight, a bias, or the generic `w`).
    pub(super) fn formula(&self, row: usize, parameter: &Symbol) -> Expr {
        let g = update_gradient(parameter, self.decay);
        let p = sym(parameter.clone());
        let state = |m| sym(Symbol::state_of(m, parameter));
        let eta = sym(Symbol::rate());
        let decayed = |coefficient: Setting, old: Expr, new: Expr| {
            Expr::Add(vec![
                Expr::Mul(vec![s(coefficient), old]),
                Expr::Mul(vec![one_minus(s(coefficient)), new]),
            ])
        };
        let momentum = || Expr::Mul(vec![s(Setting::Momentum), state(Moment::V)]);
        match (self.optimizer, self.targets[row]) {
            (Optimizer::Momentum { form, .. }, Target::State { .. }) => match form {
                MomentumForm::Zero => Expr::minus(momentum(), Expr::Mul(vec![eta, g])),
                MomentumForm::PyTorch => Expr::Add(vec![momentum(), g]),
                MomentumForm::Ema => decayed(Setting::Momentum, state(Moment::V), g),
            },
            (Optimizer::Momentum { form, .. }, Target::Parameter) => match form {
                MomentumForm::Zero => Expr::Add(vec![p, state(Moment::V)]),
                MomentumForm::PyTorch | MomentumForm::Ema => {
                    Expr::minus(p, Expr::Mul(vec![eta, state(Moment::V)]))
                }
            },
            (Optimizer::Nesterov { .. }, Target::State { .. }) => Expr::Add(vec![momentum(), g]),
            (Optimizer::Nesterov { .. }, Target::Parameter) => {
                Expr::minus(p, Expr::Mul(vec![eta, Expr::Add(vec![g, momentum()])]))
            }
            (Optimizer::AdaGrad { .. }, Target::State { .. }) => {
                Expr::Add(vec![state(Moment::H), squared(g)])
            }
            (Optimizer::RmsProp { .. }, Target::State { .. }) => {
                decayed(Setting::Decay, state(Moment::H), squared(g))
            }
            (Optimizer::AdaGrad { .. } | Optimizer::RmsProp { .. }, Target::Parameter) => {
                Expr::minus(p, scaled_gradient(eta, g, state(Moment::H)))
            }
            (Optimizer::Adam { .. }, Target::State { moment, .. }) => {
                let corrected = |m, beta| {
                    let power = Expr::pow(s(beta), s(Setting::Step));
                    Expr::Div(Box::new(state(m)), Box::new(one_minus(power)))
                };
                match moment {
                    Moment::M => decayed(Setting::Beta1, state(Moment::M), g),
                    Moment::V => decayed(Setting::Beta2, state(Moment::V), squared(g)),
                    Moment::MHat => corrected(Moment::M, Setting::Beta1),
                    _ => corrected(Moment::V, Setting::Beta2),
                }
            }
            (Optimizer::Adam { form, .. }, Target::Parameter) => match form {
                AdamForm::Paper => {
                    Expr::minus(p, adaptive(eta, state(Moment::MHat), state(Moment::VHat)))
                }
                AdamForm::Zero => Expr::minus(
                    p,
                    adaptive(s(Setting::StepRate), state(Moment::M), state(Moment::V)),
                ),
            },
            (Optimizer::Sgd, _) => Expr::minus(p, Expr::Mul(vec![eta, g])),
        }
    }

    /// The symbol row `row` assigns for `parameter`.
    pub(super) fn target_symbol(&self, row: usize, parameter: &Symbol) -> Symbol {
        match self.targets[row] {
            Target::State { moment, .. } => Symbol::state_of(moment, parameter),
            Target::Parameter => parameter.clone(),
        }
    }

    /// Row `row` as a chain: `target ← formula`, and with `numbers` its numbers and value.
    pub(super) fn chain(
        &self,
        row: usize,
        parameter: &Symbol,
        numbers: Option<(Expr, Value)>,
    ) -> Chain {
        let (kind, assign) = match self.targets[row] {
            Target::State { carried, .. } => (ChainKind::State, carried),
            Target::Parameter => (ChainKind::OptimizerUpdate, true),
        };
        let mut rows = vec![self.formula(row, parameter)];
        if let Some((substituted, value)) = numbers {
            rows.push(substituted);
            rows.push(Expr::Val(value));
        }
        let mut chain = Chain::new(kind, sym(self.target_symbol(row, parameter)), rows);
        chain.rows[0].assign = assign;
        chain
    }

    /// The general rows, stated once before the numbers: each row for the generic weight `w`,
    /// and with Adam's `form = zero` the step size η_t.
    pub(super) fn rules(&self) -> Vec<Chain> {
        let w = Symbol::new(Kind::Weight, 0, &[]);
        let mut chains: Vec<Chain> = (0..self.targets.len())
            .map(|row| self.chain(row, &w, None))
            .collect();
        if let Some(formula) = self.step_rate_formula() {
            let rate = Chain::new(ChainKind::Equation, s(Setting::StepRate), vec![formula]);
            let at = chains.len() - 1;
            chains.insert(at, rate);
        }
        chains
    }

    /// `η √(1−β₂ᵗ)/(1−β₁ᵗ)`, with Adam's `form = zero`.
    fn step_rate_formula(&self) -> Option<Expr> {
        let Optimizer::Adam {
            form: AdamForm::Zero,
            ..
        } = self.optimizer
        else {
            return None;
        };
        let power = |beta| Expr::pow(s(beta), s(Setting::Step));
        Some(Expr::Mul(vec![
            sym(Symbol::rate()),
            Expr::Div(
                Box::new(Expr::call(Func::Sqrt, one_minus(power(Setting::Beta2)))),
                Box::new(one_minus(power(Setting::Beta1))),
            ),
        ]))
    }

    /// The value of a setting as the numbers rows show it: ε readably (`10^{-8}`,
    /// `1.5\cdot10^{-7}`), the others as given; t is the step.
    fn setting(&self, setting: Setting, step: u32, options: &Options) -> Option<Expr> {
        let value = |d: Decimal| Some(Expr::Val(given(d, options)));
        match (setting, self.optimizer) {
            (Setting::Step, _) => Some(Expr::Val(Value::int(i64::from(step)))),
            (Setting::Momentum, Optimizer::Momentum { momentum, .. })
            | (Setting::Momentum, Optimizer::Nesterov { momentum }) => value(momentum),
            (Setting::Decay, Optimizer::RmsProp { decay, .. }) => value(decay),
            (Setting::Beta1, Optimizer::Adam { beta1, .. }) => value(beta1),
            (Setting::Beta2, Optimizer::Adam { beta2, .. }) => value(beta2),
            (Setting::Eps, Optimizer::AdaGrad { eps })
            | (Setting::Eps, Optimizer::RmsProp { eps, .. })
            | (Setting::Eps, Optimizer::Adam { eps, .. }) => Some(readable(eps, options)),
            _ => None,
        }
    }

    /// Adam's (`form = zero`) step size at `step`, `η_t = formula = numbers ≈ value`.
    pub(super) fn step_rate(&self, values: &Values, step: u32) -> Result<Option<Chain>, Error> {
        let Some(formula) = self.step_rate_formula() else {
            return Ok(None);
        };
        let filled = self.fill(&formula, step, &values.options, &|_| None);
        let lhs = s(Setting::StepRate);
        let (numbers, value) = values.evaluate(&filled, &lhs, step)?;
        let value = values.rounded(value);
        Ok(Some(Chain::new(
            ChainKind::Equation,
            lhs,
            vec![formula, numbers, Expr::Val(value)],
        )))
    }

    /// `formula` with the settings and states (`state` gives each) in place, ready for the
    /// source's own substitution of the parameters, the rate and the gradients.
    fn fill(
        &self,
        formula: &Expr,
        step: u32,
        options: &Options,
        state: &dyn Fn(&Symbol) -> Option<Value>,
    ) -> Expr {
        fill(formula, &mut |e| match e {
            Expr::Sym(symbol) => match symbol.kind {
                Kind::Setting(setting) => self.setting(setting, step, options),
                Kind::StateWeight(_) | Kind::StateBias(_) => state(symbol).map(Expr::Val),
                _ => None,
            },
            _ => None,
        })
    }
}

/// `formula` with each subexpression `with` has a formula for replaced by it.
fn fill(formula: &Expr, with: &mut impl FnMut(&Expr) -> Option<Expr>) -> Expr {
    if let Some(replaced) = with(formula) {
        return replaced;
    }
    formula.map_children(&mut |child| fill(child, with))
}

/// A small ε as a power of ten (`10^{-8}`, or `1.5\cdot10^{-7}`), exact; others as given.
pub fn readable(eps: Decimal, options: &Options) -> Expr {
    let f = eps.to_f64();
    if f >= 1e-3 || f <= 0.0 {
        return Expr::Val(given(eps, options));
    }
    let exponent = f.log10().floor() as i64;
    let power = Expr::pow(Expr::Val(Value::int(10)), Expr::Val(Value::int(exponent)));
    let mantissa = Decimal::from_int(10)
        .powi(-exponent)
        .and_then(|scale| eps.checked_mul(scale));
    match mantissa {
        Some(m) if m.is_one() => power,
        Some(m) => Expr::Mul(vec![Expr::Val(Value::decimal(m)), power]),
        None => Expr::Val(given(eps, options)),
    }
}

/// Every layer's carried state after a step (the next step's `before`), layer 1 first.
pub(super) type Carried = Vec<Vec<StateNumbers>>;

/// The state at the start: every carried state 0, exactly.
pub(super) fn initial(program: &Program, network: &Network) -> Carried {
    (1..=network.depth())
        .map(|layer| {
            let count = network.layer(layer).parameters();
            program
                .targets
                .iter()
                .filter_map(|t| match *t {
                    Target::State { moment, carried } => Some(StateNumbers {
                        moment,
                        carried,
                        before: vec![Value::int(0); count],
                        after: vec![Value::int(0); count],
                    }),
                    Target::Parameter => None,
                })
                .collect()
        })
        .collect()
}

/// The `k`-th parameter of `layer` (weights row by row, then biases).
pub(super) fn parameter_symbol(network: &Network, layer: u32, k: usize) -> Symbol {
    let inputs = network.width(layer - 1).max(1);
    let weights = network.width(layer) * network.width(layer - 1);
    let n = |i: usize| Index::Num(i as u32 + 1);
    if k < weights {
        Symbol::weight(layer, n(k / inputs), n(k % inputs))
    } else {
        Symbol::bias(layer, n(k - weights))
    }
}

/// The state row `row` of parameter `k` reads for `symbol`: a state assigned above `row`
/// after the step, any other before it.
fn state_at(
    program: &Program,
    state: &[StateNumbers],
    row: usize,
    k: usize,
    symbol: &Symbol,
) -> Option<Value> {
    let (Kind::StateWeight(moment) | Kind::StateBias(moment)) = symbol.kind else {
        return None;
    };
    let above = program.targets[..row]
        .iter()
        .any(|t| matches!(t, Target::State { moment: m, .. } if *m == moment));
    let numbers = state.iter().find(|s| s.moment == moment)?;
    if above {
        numbers.after.get(k).copied()
    } else {
        numbers.before.get(k).copied()
    }
}

/// The rows of parameter `k` of `layer` in one step, in order (its states, then its value
/// after the step), each carried; `before` is the layer's state after the last step.
pub(super) fn parameter_values(
    program: &Program,
    values: &Values,
    before: &[StateNumbers],
    (layer, k): (u32, usize),
    step: u32,
    step_rate: Option<Value>,
) -> Result<Vec<Value>, Error> {
    let parameter = parameter_symbol(values.network, layer, k);
    let rows = program.targets.len();
    let mut now: Vec<Value> = Vec::with_capacity(rows);
    for row in 0..rows {
        let formula = program.formula(row, &parameter);
        let read = |symbol: &Symbol| {
            let (Kind::StateWeight(moment) | Kind::StateBias(moment)) = symbol.kind else {
                return None;
            };
            // Assigned above: its value now; else as the step found it.
            let above = program.targets[..row]
                .iter()
                .position(|t| matches!(t, Target::State { moment: m, .. } if *m == moment));
            match above {
                Some(at) => now.get(at).copied(),
                None => before
                    .iter()
                    .find(|s| s.moment == moment)
                    .and_then(|s| before_next(s, k)),
            }
        };
        let filled = program.fill(&formula, step, &values.options, &read);
        let filled = with_step_rate(filled, step_rate);
        let lhs = sym(program.target_symbol(row, &parameter));
        let value = evaluate(values, &filled, &lhs, step)?;
        now.push(values.rounded(value));
    }
    Ok(now)
}

/// A layer's state in a step from each parameter's rows (`per_parameter`, in row order) and
/// the state after the last step.
pub(super) fn layer_state(
    program: &Program,
    before: &[StateNumbers],
    per_parameter: &[Vec<Value>],
) -> Vec<StateNumbers> {
    let count = per_parameter.len();
    program
        .targets
        .iter()
        .enumerate()
        .filter_map(|(row, target)| match *target {
            Target::State { moment, carried } => Some((row, moment, carried)),
            Target::Parameter => None,
        })
        .map(|(row, moment, carried)| StateNumbers {
            moment,
            carried,
            before: before
                .iter()
                .find(|s| s.moment == moment)
                .map(|s| (0..count).filter_map(|k| before_next(s, k)).collect())
                .unwrap_or_else(|| vec![Value::int(0); count]),
            after: per_parameter
                .iter()
                .filter_map(|now| now.get(row).copied())
                .collect(),
        })
        .collect()
}

/// The value of parameter `k` that `state` starts the next step with: after this step if it
/// is carried, else 0 (a hat is defined afresh each step).
fn before_next(state: &StateNumbers, k: usize) -> Option<Value> {
    if state.carried {
        state.after.get(k).copied()
    } else {
        Some(Value::int(0))
    }
}

/// `η_t` in place, with its value in this step.
fn with_step_rate(formula: Expr, rate: Option<Value>) -> Expr {
    let Some(rate) = rate else { return formula };
    formula.substitute(&mut |e| match e {
        Expr::Sym(s) if s.kind == Kind::Setting(Setting::StepRate) => Some(rate),
        _ => None,
    })
}

/// The value of a filled row: the source's substitution, then the evaluator (as
/// [`Values::evaluate`], without making the numbers row legible: it is not shown yet).
fn evaluate(values: &Values, filled: &Expr, lhs: &Expr, step: u32) -> Result<Value, Error> {
    let substituted = values.substitute(filled);
    match eval::eval(&substituted, values) {
        Ok(value) => Ok(value),
        Err(_) => values.evaluate(filled, lhs, step).map(|(_, value)| value),
    }
}

/// Which row of a finished step to write, and the step's numbers it needs beyond the source.
pub(super) struct Written<'s> {
    pub(super) state: &'s [StateNumbers],
    /// The parameter after the step.
    pub(super) after: Option<Value>,
    pub(super) step_rate: Option<Value>,
    pub(super) layer: u32,
    /// The parameter, in row order.
    pub(super) k: usize,
    /// The row of the program.
    pub(super) row: usize,
    pub(super) step: u32,
}

/// A row of a finished step written out: its formula, numbers and value, the numbers from
/// `source` (the step's parameters, rate and gradients) and the step's state.
pub(super) fn written_row(
    program: &Program,
    source: &dyn SourceEnv,
    at: &Written,
    options: &Options,
) -> Chain {
    let (k, row) = (at.k, at.row);
    let parameter = parameter_symbol(source.network(), at.layer, k);
    let formula = program.formula(row, &parameter);
    let filled = program.fill(&formula, at.step, options, &|symbol| {
        state_at(program, at.state, row, k, symbol)
    });
    let filled = with_step_rate(filled, at.step_rate);
    let numbers = legible(source.substituted(&filled), source.env(), options);
    let value = match program.targets[row] {
        Target::Parameter => at.after,
        Target::State { moment, .. } => at
            .state
            .iter()
            .find(|s| s.moment == moment)
            .and_then(|s| s.after.get(k).copied()),
    };
    let value = value.unwrap_or(Value::approx(f64::NAN));
    program.chain(row, &parameter, Some((numbers, value)))
}

/// What [`written_row`] needs of a source: its substitution, and it as an environment.
pub(super) trait SourceEnv {
    fn network(&self) -> &Network;
    fn substituted(&self, e: &Expr) -> Expr;
    fn env(&self) -> &dyn eval::Env;
}

impl SourceEnv for super::values::StepSource<'_> {
    fn network(&self) -> &Network {
        self.network
    }

    fn substituted(&self, e: &Expr) -> Expr {
        self.substitute(e)
    }

    fn env(&self) -> &dyn eval::Env {
        self
    }
}
