//! The verdict on each answer: correct, follows (error carried forward) or wrong.
//!
//! **Correct** is judged at the digits the student wrote: `3.252` claims four significant
//! digits, and is correct when the true value rounded to four digits is 3.252 (`--carry
//! exact`), or when the value the derivation gets carrying every value rounded to four digits
//! is (`--carry rounded`), or either (`either`, the default). Each answer is judged at its own
//! digits, so a sheet mixing three and four digits is judged line by line.
//!
//! **Follows** is the teacher's error carried forward: the answer is not correct, but it is
//! what the quantity's formula (the derivation's own first row) gives from the student's own
//! earlier answers, at the student's digits, and at least one of those answers is itself not
//! correct. The formula is evaluated in a *world* where each quantity the student answered
//! has the student's value and each one they skipped is computed from the world before it, so
//! a wrong δ reaches an update through a gradient the student left out. Under `exact` the
//! world keeps the true value of every correct answer, under `rounded` the value as written,
//! and `either` tries both. **Wrong** is neither.

use std::cell::RefCell;

use super::table::{Naming, Quantity};
use super::Check;
use crate::derivation::Derivation;
use crate::math::expr::Expr;
use crate::math::names::Indices;
use crate::math::number::{Decimal, Ratio, Rounding, Shown, Value};

/// A verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Correct,
    Follows,
    Wrong,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Correct => "correct",
            Verdict::Follows => "follows",
            Verdict::Wrong => "wrong",
        }
    }
}

/// What the student gave for one quantity.
#[derive(Clone, Copy, Debug)]
pub struct Given {
    pub value: Decimal,
    pub digits: u32,
}

/// The judgement of one answered quantity.
#[derive(Clone, Debug)]
pub struct Judged {
    /// The quantity (index into the table).
    pub quantity: usize,
    pub verdict: Verdict,
    /// For `follows`: the answers (not correct) the value came from, earliest first.
    pub from: Vec<usize>,
    /// The formula with the student's own numbers in place (their answers, the given numbers,
    /// and what the skipped quantities come to from them), and its value.
    pub substituted: Expr,
    pub theirs: Option<Value>,
}

/// A world's value of each quantity so far, and the answers (not correct) it rests on.
type World = Vec<Option<(Value, Vec<usize>)>>;

/// Whether `value` shown at `digits` is the student's number.
pub fn agrees(value: Value, given: Given, rounding: Rounding) -> bool {
    value.is_finite()
        && Shown::new(value, given.digits, rounding).ratio() == Some(Ratio::from(given.value))
}

/// Judges every answered quantity. `given[q]` is the student's answer to quantity `q`;
/// `correct[q]` whether it is correct.
pub fn judge(
    derivation: &Derivation,
    table: &[Quantity],
    given: &[Option<Given>],
    correct: &[bool],
    check: &Check,
) -> Vec<Judged> {
    let rounding = derivation.options.rounding;
    let worlds: Vec<(World, Vec<Option<(Value, Vec<usize>)>>)> = check
        .worlds()
        .iter()
        .map(|&exact_when_correct| world(derivation, table, given, correct, exact_when_correct))
        .collect();
    let written = world(derivation, table, given, correct, false);
    let mut out = Vec::new();
    for (q, g) in given.iter().enumerate() {
        let Some(g) = *g else { continue };
        let (substituted, theirs) = substituted(derivation, table, &written.0, q);
        let mut judged = Judged {
            quantity: q,
            verdict: Verdict::Wrong,
            from: Vec::new(),
            substituted,
            theirs,
        };
        if correct[q] {
            judged.verdict = Verdict::Correct;
        } else if let Some(from) = worlds.iter().find_map(|(_, computed)| {
            let (value, from) = computed[q].as_ref()?;
            (!from.is_empty() && agrees(*value, g, rounding)).then(|| from.clone())
        }) {
            judged.verdict = Verdict::Follows;
            judged.from = from;
        }
        out.push(judged);
    }
    out
}

/// Looks a quantity of `formula` up in `world`, noting which it used.
fn lookup<'w>(
    naming: Naming,
    index: &'w rustc_hash::FxHashMap<String, usize>,
    world: &'w World,
    step: u32,
    used: &'w RefCell<Vec<usize>>,
) -> impl Fn(&Expr) -> Option<Value> + 'w {
    move |e: &Expr| {
        let name = naming.of(e, step, Indices::Joined)?;
        let &q = index.get(&name)?;
        let (value, _) = world.get(q)?.as_ref()?;
        used.borrow_mut().push(q);
        Some(*value)
    }
}

/// A world: each quantity's value and the answers it rests on (see the module's note), and
/// what each quantity's formula gives there.
fn world(
    derivation: &Derivation,
    table: &[Quantity],
    given: &[Option<Given>],
    correct: &[bool],
    exact_when_correct: bool,
) -> (World, World) {
    let naming = Naming {
        depth: derivation.network.depth(),
    };
    let index = super::index(table);
    let mut world: World = vec![None; table.len()];
    let mut computed: World = vec![None; table.len()];
    for (q, quantity) in table.iter().enumerate() {
        let step = &derivation.steps[quantity.step];
        let used = RefCell::new(Vec::new());
        let value = {
            let own = lookup(naming, &index, &world, step.number, &used);
            derivation
                .evaluate_with(step, quantity.formula(), &own)
                .ok()
        };
        let mut from: Vec<usize> = used
            .into_inner()
            .iter()
            .filter_map(|&u| world[u].as_ref())
            .flat_map(|(_, f)| f.iter().copied())
            .collect();
        from.sort_unstable();
        from.dedup();
        computed[q] = value.map(|v| (v, from.clone()));
        world[q] = Some(match given[q] {
            Some(_) if correct[q] && exact_when_correct => (quantity.value, Vec::new()),
            Some(g) if correct[q] => (Value::decimal(g.value), Vec::new()),
            Some(g) => (Value::decimal(g.value), vec![q]),
            None => match value {
                Some(v) => (v, from),
                None => (quantity.value, Vec::new()),
            },
        });
    }
    (world, computed)
}

/// Quantity `q`'s formula with the student's world in place, and its value there.
fn substituted(
    derivation: &Derivation,
    table: &[Quantity],
    world: &World,
    q: usize,
) -> (Expr, Option<Value>) {
    let naming = Naming {
        depth: derivation.network.depth(),
    };
    let index = super::index(table);
    let step = &derivation.steps[table[q].step];
    let used = RefCell::new(Vec::new());
    let own = lookup(naming, &index, world, step.number, &used);
    let formula = table[q].formula();
    (
        derivation.substitute_with(step, formula, &own),
        derivation.evaluate_with(step, formula, &own).ok(),
    )
}
