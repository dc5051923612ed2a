//! The whole worked solution (`Derivation`) and `derive`, which makes it.

use super::after::{after, After};
use super::chain::{Chain, ChainKind, LayerChains, Step};
use super::formulas::Formulas;
use super::optimizers::Program;
use super::options::{Carry, Options};
use super::rows::{self, Parameters, Rows};
use super::rules::{
    activation_rules, general_equations, gradient_rules, loss_equations, update_chain,
};
use super::steps::derive_step;
use super::values::{Own, StepSource, Values, MOST_DIGITS};
use crate::error::Error;
use crate::math::expr::{Kind, Symbol};
use crate::model::Network;

/// The whole worked solution.
///
/// The gradient and update rows — one per weight, the bulk of a big network's derivation — are
/// not kept: their values are in [`Step::layers`], and [`Derivation::parameter_rows`] hands
/// them out as a stream per layer ([`Rows`]) that makes each row when it is written, so memory
/// does not grow with the output.
#[derive(Clone)]
pub struct Derivation<'n> {
    pub network: &'n Network,
    pub options: Options,
    /// The network's general equations, per layer.
    pub equations: Vec<LayerChains>,
    /// Definitions and derivative rules of the activations used.
    pub activation_rules: Vec<Chain>,
    /// `E = …` (and `E_n = …` with several samples) in general form.
    pub loss: Vec<Chain>,
    /// The general gradient formulas, output layer first.
    pub gradient_rules: Vec<Chain>,
    /// `w ← w − η ∂E/∂w`, when the file has `sgd`.
    pub update_rule: Option<Chain>,
    /// An optimizer's general rows beyond plain SGD, in order (`v ← μv − η ∂E/∂w`,
    /// `w ← w + v`); empty for plain SGD.
    pub optimizer_rules: Vec<Chain>,
    /// The rule that gave δ^{(L)} = y − t directly (softmax with cross-entropy, …), if any.
    pub shortcut: Option<&'static str>,
    pub steps: Vec<Step>,
    /// The forward pass and E after the last update, when the file trains.
    pub after: Option<After>,
    formulas: Formulas<'n>,
    /// What each layer's gradient and update rows share, layer 1 first.
    rows: Vec<rows::LayerRows>,
    /// The optimizer's rows beyond plain SGD.
    program: Option<Program>,
}

/// Derives the whole worked solution. With rounded values carried, a row that leaves the real
/// numbers only because of the rounding is an [`Error::RoundedAway`] that says how many digits
/// would do; where the exact values leave them too, the error is theirs.
pub fn derive(network: &Network, options: Options) -> Result<Derivation<'_>, Error> {
    match derive_as(network, options) {
        Err(Error::RoundedAway {
            quantity,
            step,
            fault,
            digits,
            span,
            ..
        }) => {
            derive_as(
                network,
                Options {
                    carry: Carry::Exact,
                    ..options
                },
            )?;
            // A few more digits, each a whole derivation (this is the failing path only).
            let enough = (digits + 1..=MOST_DIGITS.min(digits + 6))
                .find(|&digits| derive_as(network, Options { digits, ..options }).is_ok());
            Err(Error::RoundedAway {
                quantity,
                step,
                fault,
                digits,
                enough,
                span,
            })
        }
        other => other,
    }
}

pub(super) fn derive_as(network: &Network, options: Options) -> Result<Derivation<'_>, Error> {
    let formulas = Formulas::derive(network)?;
    let depth = network.depth();
    let equations = (1..=depth)
        .map(|layer| general_equations(&formulas, layer))
        .collect();
    let activation_rules = activation_rules(network);
    let loss = loss_equations(&formulas);
    let gradient_rules = gradient_rules(&formulas);
    let update_rule = network.training.map(|_| {
        let w = Symbol::new(Kind::Weight, 0, &[]);
        update_chain(
            &w,
            ChainKind::Equation,
            None,
            network.weight_decay.is_some(),
        )
    });

    let mut values = Values::given(network, options);
    let rows: Vec<rows::LayerRows> = (1..=depth)
        .map(|layer| rows::LayerRows::new(&formulas, layer))
        .collect();
    let step_count = network.training.map_or(1, |s| s.steps);
    let mut steps = Vec::with_capacity(step_count as usize);
    for number in 1..=step_count {
        steps.push(derive_step(&formulas, &rows, &mut values, number)?);
    }
    let after = match (network.training, steps.last()) {
        (Some(_), Some(last)) => Some(after(&formulas, &mut values, last.number, last.loss_value)?),
        _ => None,
    };

    let program = Program::of(network);
    Ok(Derivation {
        network,
        options,
        equations,
        activation_rules,
        loss,
        gradient_rules,
        update_rule,
        optimizer_rules: program.as_ref().map(Program::rules).unwrap_or_default(),
        program,
        shortcut: formulas.shortcut,
        steps,
        after,
        formulas,
        rows,
    })
}

impl Derivation<'_> {
    /// Whether the first layer's gradients are written in the article's expanded form,
    /// h'(a)(Σ w δ) x, with δ^{(1)} written out instead of carried (so with rounded values
    /// carried, they are not δ^{(1)} as shown times x).
    pub fn expands_first_layer(&self) -> bool {
        self.formulas.expanded_first_layer()
    }

    /// The `index`-th gradient of layer 1 with δ^{(1)} named (`δ_i^{(1)} x_j`, `+ λw` with
    /// weight decay), where the rows write it expanded (`expands_first_layer`): what a student
    /// who worked δ^{(1)} first multiplies. `None` where the rows already name δ.
    pub fn gradient_by_named_delta(
        &self,
        layer: u32,
        index: usize,
    ) -> Option<crate::math::expr::Expr> {
        let rows = self.rows.get((layer as usize).checked_sub(1)?)?;
        rows.gradient_by_named_delta(index)
    }

    /// How many gradient rows (and update rows) `layer` has: one per weight, then per bias.
    pub fn parameter_count(&self, layer: u32) -> usize {
        self.formulas.parameter_count(layer)
    }

    /// The gradient rows (or the update rows) of every layer in `step`, output layer first;
    /// no update rows without SGD.
    pub fn parameter_rows<'a>(&'a self, step: &'a Step, of: Parameters) -> Vec<Rows<'a>> {
        if of == Parameters::Updates && self.network.training.is_none() {
            return Vec::new();
        }
        self.rows
            .iter()
            .rev()
            .map(|rows| {
                Rows::new(rows, step, self.network, &self.options, of)
                    .with_program(self.program.as_ref())
            })
            .collect()
    }

    /// The gradient row of the `index`-th parameter of `layer` in `step`:
    /// `∂E/∂w = formula = numbers ≈ value`.
    pub fn gradient_chain(&self, step: &Step, layer: u32, index: usize) -> Chain {
        let rows = &self.rows[layer as usize - 1];
        Rows::new(
            rows,
            step,
            self.network,
            &self.options,
            Parameters::Gradients,
        )
        .get(index)
    }

    /// The update row of the `index`-th parameter of `layer` in `step`, when there is SGD:
    /// `w ← w − η ∂E/∂w = numbers ≈ value` (with another optimizer, its last row: the
    /// parameter's update).
    pub fn update_chain(&self, step: &Step, layer: u32, index: usize) -> Option<Chain> {
        self.network.training?;
        let rows = &self.rows[layer as usize - 1];
        let per = self.program.as_ref().map_or(1, |p| p.targets.len());
        let stream = Rows::new(rows, step, self.network, &self.options, Parameters::Updates)
            .with_program(self.program.as_ref());
        Some(stream.get(index * per + per - 1))
    }

    /// `formula`, a row of `step`, evaluated as its row is but with `own` giving the value of
    /// any quantity it wants to stand in for the step's (a student's answers, for `grade`): a
    /// symbol, an activation's derivative `h'(a)`, a gradient `∂E/∂w`. An activation of a
    /// pre-activation is computed from the pre-activation, so that a value `own` gives for it
    /// is followed through.
    pub fn evaluate_with(
        &self,
        step: &Step,
        formula: &crate::math::expr::Expr,
        own: &dyn Fn(&crate::math::expr::Expr) -> Option<crate::math::number::Value>,
    ) -> Result<crate::math::number::Value, crate::math::eval::Fault> {
        let source = StepSource {
            network: self.network,
            step,
            options: &self.options,
        };
        crate::math::eval::eval(formula, &Own { source, own })
    }

    /// `formula` of `step` with numbers in place of its quantities, as its numbers row has
    /// them, but with `own`'s values where it gives one (see [`Derivation::evaluate_with`]);
    /// an activation of a pre-activation keeps its call, around the pre-activation's number.
    pub fn substitute_with(
        &self,
        step: &Step,
        formula: &crate::math::expr::Expr,
        own: &dyn Fn(&crate::math::expr::Expr) -> Option<crate::math::number::Value>,
    ) -> crate::math::expr::Expr {
        use super::values::Source as _;
        use crate::math::expr::Expr;
        let source = StepSource {
            network: self.network,
            step,
            options: &self.options,
        };
        formula.substitute(&mut |e| match e {
            Expr::Call(..) => None,
            Expr::Deriv(..) => own(e),
            _ => own(e).or_else(|| source.lookup(e)),
        })
    }

    /// The optimizer's carried states, in the order of its rows (none for plain SGD).
    pub fn carried_states(&self) -> Vec<crate::math::expr::Moment> {
        self.program
            .as_ref()
            .map(|p| p.carried().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::chain::Row;
    use super::super::values::{Source, StepSource};
    use super::*;
    use crate::math::eval;
    use crate::math::expr::Expr;

    /// Every example, and the same networks with rounded values carried.
    fn derivations(run: impl Fn(&Derivation)) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let network =
                crate::check::check(&crate::syntax::parser::parse(&text).unwrap()).unwrap();
            for carry in [Carry::Exact, Carry::Rounded] {
                let options = Options {
                    digits: 4,
                    carry,
                    ..Options::default()
                };
                run(&derive(&network, options).unwrap());
                count += 1;
            }
        }
        assert!(count >= 8, "{count} derivations");
    }

    /// A row written again from a finished step says what was computed: its formula with the
    /// step's values in place holds only numbers, is one of its rows (or is just the value),
    /// and evaluates to the value it ends with (or to that value before rounding for carrying).
    fn assert_numbers_give_value(chain: &Chain, step: &Step, network: &Network, options: &Options) {
        let source = StepSource {
            network,
            step,
            options,
        };
        let numbers = source.substitute(&chain.rows[0].expr);
        assert!(
            !numbers.any(&|e| matches!(e, Expr::Sym(_))),
            "a symbol is left in {numbers:?} of {chain:?}"
        );
        assert!(
            chain.rows.iter().any(|row| row.expr == numbers),
            "{chain:?}"
        );
        let computed = eval::eval(&numbers, &source).unwrap();
        let Some(Row {
            expr: Expr::Val(shown),
            ..
        }) = chain.rows.last()
        else {
            panic!("{chain:?} does not end with its value")
        };
        let close = (computed.f - shown.f).abs() <= 1e-12 * computed.f.abs().max(1e-300);
        let rounded = computed.rounded(options.digits, options.rounding).f == shown.f;
        assert!(close || rounded, "{computed:?} vs {shown:?} in {chain:?}");
    }

    #[test]
    fn gradient_and_update_rows_are_written_from_their_values() {
        derivations(|d| {
            let mut rows = 0;
            for step in &d.steps {
                for layer in 1..=d.network.depth() {
                    for index in 0..d.parameter_count(layer) {
                        let chain = d.gradient_chain(step, layer, index);
                        assert_numbers_give_value(&chain, step, d.network, &d.options);
                        if let Some(update) = d.update_chain(step, layer, index) {
                            assert!(update.rows[0].assign);
                            assert_numbers_give_value(&update, step, d.network, &d.options);
                        }
                        rows += 1;
                    }
                }
            }
            assert!(rows > 0);
        });
    }

    #[test]
    fn the_first_error_in_order_is_reported_every_time() {
        // 300 units that all overflow, evaluated in parallel: the message names the first.
        let units = 300;
        let text = format!(
            "input x = [1e37]\ntarget t = [{}]\n{}layer identity W = [{}]\nloss sum_squared\n",
            vec!["0"; units].join(","),
            "layer identity W = [[1e37]]\n".repeat(7),
            vec!["[1e37]"; units].join(",")
        );
        let network = crate::check::check(&crate::syntax::parser::parse(&text).unwrap()).unwrap();
        for _ in 0..20 {
            match derive(&network, Options::default()) {
                Err(Error::Numeric { quantity, .. }) => assert_eq!(quantity, "a_1^(8)"),
                other => panic!("expected an overflow, got {:?}", other.map(|_| ())),
            }
        }
    }

    #[test]
    fn the_articles_layout_is_kept_while_its_sum_is_short() {
        let network = |output: usize| {
            let text = format!(
                "input x = [1, 2]\ntarget t = [{}]\nlayer sigmoid W = [[0.1, 0.2], [0.3, 0.4]]\n\
                 layer identity W = [{}]\nloss sum_squared\n",
                vec!["0"; output].join(", "),
                vec!["[1, 2]"; output].join(", ")
            );
            crate::check::check(&crate::syntax::parser::parse(&text).unwrap()).unwrap()
        };
        for (output, expanded) in [(2, true), (4, true), (5, false), (10, false)] {
            let net = network(output);
            let d = derive(&net, Options::default()).unwrap();
            let kind = d.gradient_chain(&d.steps[0], 1, 0).kind;
            assert_eq!(
                kind == ChainKind::ExpandedGradient,
                expanded,
                "{output} outputs"
            );
            // Named, δ^{(1)} has its own rows; expanded, it is written inside each gradient.
            let deltas = &d.steps[0].samples[0].deltas;
            assert_eq!(deltas.iter().any(|g| g.layer == 1), !expanded);
        }
    }
}
