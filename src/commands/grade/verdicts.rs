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
//! earlier answers, and at least one of those answers is itself not correct. "What it gives"
//! allows for rounding: half a unit of the answer's last digit (the student rounded it) and as
//! much as the rounding of the written numbers it rests on can move it (each moved by half a
//! unit of its last digit, the formula evaluated again, the changes added up). The formula is evaluated in a *world* where each quantity the student answered
//! has the student's value and each one they skipped is computed from the world before it, so
//! a wrong δ reaches an update through a gradient the student left out. Under `exact` the
//! world keeps the true value of every correct answer, under `rounded` the value as written,
//! and `either` tries both. **Wrong** is neither.

use std::cell::RefCell;
use std::collections::BTreeMap;

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
    /// A unit of the last digit written.
    pub unit: f64,
}

impl Given {
    /// How far the true number can be from the one written: half a unit of its last digit
    /// (the student rounded it), but none for a zero without decimal places (`0`, `0e5`),
    /// which claims the value is zero (see [`agrees`]).
    fn room(self) -> f64 {
        if self.value.is_zero() && self.unit >= 1.0 {
            0.0
        } else {
            0.5 * self.unit
        }
    }
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
    /// and what the skipped quantities come to from them), and its value; for `follows`, the
    /// value it follows as: what their numbers give in the world that made it follow (with
    /// `--carry rounded`, their rounded values carried).
    pub substituted: Expr,
    pub theirs: Option<Value>,
}

/// A quantity's value in a world: the value, how far the rounding of the student's written
/// numbers it rests on can move it, and the answers (not correct) it rests on.
#[derive(Clone, Debug)]
struct Held {
    value: Value,
    bound: f64,
    from: Vec<usize>,
}

type World = Vec<Option<Held>>;

/// A world (each quantity as the student holds it), what each quantity's formula gives there,
/// and what its `by_delta` formula gives, where it has one.
struct Worlds {
    held: World,
    computed: World,
    by_delta: World,
}

/// `correct` with one more way to be right where `check` allows rounded values: a first-layer
/// gradient that is the student's own correct δ^{(1)} (as written) times the input, at the
/// digits written — what carrying the rounded δ gives, though the rows write the gradient
/// expanded. One pass in the derivation's order (see [`build`]): each quantity is decided
/// before a later one reads it, so that a gradient's update sees it.
fn by_delta_correct(
    derivation: &Derivation,
    table: &[Quantity],
    given: &[Option<Given>],
    correct: &[bool],
    check: &Check,
) -> Vec<bool> {
    let mut correct = correct.to_vec();
    if check.worlds().contains(&false) {
        build(derivation, table, given, &mut correct, (false, None), true);
    }
    correct
}

/// Whether `value` shown at `digits` is the student's number. A written 0 has no significant
/// digit: with decimal places (`0.000`, `0e-3`) it is right when the value is 0 at the places
/// written; without (`0`, `-0`, `0e5`) it claims the value is zero, and is right only when it
/// is — `0` for 0.23 or 10.43 is wrong, though either rounds to 0 at a unit of 1 or 10⁵.
pub fn agrees(value: Value, given: Given, rounding: Rounding) -> bool {
    if given.value.is_zero() {
        if given.unit >= 1.0 {
            return value.f == 0.0;
        }
        return value.f.abs() <= 0.5 * given.unit;
    }
    value.is_finite()
        && Shown::new(value, given.digits, rounding).ratio() == Some(Ratio::from(given.value))
}

/// Whether the student's number is what `held` comes to: within half a unit of their last
/// digit (their own rounding) and the most the rounding of the numbers it rests on moves it.
fn follows(held: &Held, given: Given) -> bool {
    let (value, theirs) = (held.value.f, given.value.to_f64());
    let slack = given.room() + held.bound + 1e-12 * value.abs();
    !held.from.is_empty() && value.is_finite() && (value - theirs).abs() <= slack
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
    let correct = &by_delta_correct(derivation, table, given, correct, check);
    let worlds: Vec<Worlds> = check
        .worlds()
        .iter()
        .map(|&exact_when_correct| {
            world(derivation, table, given, correct, exact_when_correct, None)
        })
        .collect();
    let mut shown = Lines {
        index: super::index(table),
        worlds: BTreeMap::new(),
    };
    let mut out = Vec::new();
    for (q, g) in given.iter().enumerate() {
        let Some(g) = *g else { continue };
        let (substituted, theirs) = line(derivation, table, given, correct, check, &mut shown, q);
        let mut judged = Judged {
            quantity: q,
            verdict: Verdict::Wrong,
            from: Vec::new(),
            substituted,
            theirs,
        };
        if correct[q] {
            judged.verdict = Verdict::Correct;
        } else if let Some(from) = worlds.iter().find_map(|w| {
            [&w.by_delta[q], &w.computed[q]]
                .into_iter()
                .flatten()
                .find(|held| follows(held, g))
                .map(|held| (held.from.clone(), held.value))
        }) {
            judged.verdict = Verdict::Follows;
            (judged.from, judged.theirs) = (from.0, Some(from.1));
        }
        out.push(judged);
    }
    out
}

/// How a world shown in a "with your numbers" line carries values: the true value of each
/// correct answer (`true`) or the value as written, and with `Some(digits)` each quantity the
/// student skipped rounded to those digits, as `derive --carry rounded` carries it.
type Carried = (bool, Option<u32>);

/// The worlds a line "with your numbers" may show for an answer `g`, the carry rule's first:
/// under `exact` the true values of correct answers, otherwise the values as written with
/// the skipped ones rounded to the answer's digits. A wrong answer's line shows the first of
/// them that does not give the student's own number.
fn shown_worlds(check: &Check, g: Given) -> [Carried; 2] {
    let rounded = (false, Some(g.digits.clamp(1, 17)));
    match check {
        Check::Exact => [(true, None), rounded],
        Check::Rounded | Check::Either => [rounded, (true, None)],
    }
}

/// The worlds the lines "with your numbers" are shown in, built as they are first needed.
struct Lines {
    index: rustc_hash::FxHashMap<String, usize>,
    worlds: BTreeMap<Carried, World>,
}

/// Quantity `q`'s formula "with your numbers" and its value, in the first of
/// [`shown_worlds`] that does not give the student's own number where it is not correct
/// (`shown` keeps the worlds built).
fn line(
    derivation: &Derivation,
    table: &[Quantity],
    given: &[Option<Given>],
    correct: &[bool],
    check: &Check,
    shown: &mut Lines,
    q: usize,
) -> (Expr, Option<Value>) {
    let Lines { index, worlds } = shown;
    let mut out = None;
    for carried in given[q].map(|g| shown_worlds(check, g)).unwrap_or_default() {
        let held = worlds.entry(carried).or_insert_with(|| {
            let (exact, digits) = carried;
            world(derivation, table, given, correct, exact, digits).held
        });
        let (substituted, theirs) = substituted(derivation, table, index, held, q);
        let proves_them_right = given[q]
            .zip(theirs)
            .is_some_and(|(g, v)| !correct[q] && agrees(v, g, derivation.options.rounding));
        let first = out.is_none();
        if first || !proves_them_right {
            out = Some((substituted, theirs));
        }
        if !proves_them_right {
            break;
        }
    }
    out.unwrap_or_else(|| substituted(derivation, table, index, &Vec::new(), q))
}

/// Looks a quantity of a formula up in `world`, noting which it used; `shift` moves one
/// quantity's value (to see how much the result depends on it).
fn lookup<'w>(
    naming: Naming,
    index: &'w rustc_hash::FxHashMap<String, usize>,
    world: &'w World,
    step: u32,
    used: &'w RefCell<Vec<usize>>,
    shift: Option<(usize, f64)>,
) -> impl Fn(&Expr) -> Option<Value> + 'w {
    move |e: &Expr| {
        let name = naming.of(e, step, Indices::ApartWhenWide)?;
        let &q = index.get(&name)?;
        let held = world.get(q)?.as_ref()?;
        used.borrow_mut().push(q);
        Some(match shift {
            Some((s, by)) if s == q => Value::approx(held.value.f + by),
            _ => held.value,
        })
    }
}

/// A world: each quantity's value as the student holds it (see the module's note), and what
/// each quantity's formula gives there.
fn world(
    derivation: &Derivation,
    table: &[Quantity],
    given: &[Option<Given>],
    correct: &[bool],
    exact_when_correct: bool,
    carried: Option<u32>,
) -> Worlds {
    let mut correct = correct.to_vec();
    let how = (exact_when_correct, carried);
    build(derivation, table, given, &mut correct, how, false)
}

/// [`world`], quantity by quantity in the derivation's order; with `by_delta`, a given answer
/// not correct becomes correct where its `by_delta` formula, from correct answers only, gives
/// it at its digits — before any later quantity reads it.
fn build(
    derivation: &Derivation,
    table: &[Quantity],
    given: &[Option<Given>],
    correct: &mut [bool],
    (exact_when_correct, carried): Carried,
    by_delta_decides: bool,
) -> Worlds {
    let naming = Naming {
        depth: derivation.network.depth(),
    };
    let rounding = derivation.options.rounding;
    let index = super::index(table);
    let mut world: World = vec![None; table.len()];
    let mut computed: World = vec![None; table.len()];
    let mut by_delta: World = vec![None; table.len()];
    for (q, quantity) in table.iter().enumerate() {
        let held = hold(
            derivation,
            &world,
            &index,
            naming,
            quantity,
            quantity.formula(),
        );
        by_delta[q] = (quantity.by_delta.as_ref())
            .and_then(|formula| hold(derivation, &world, &index, naming, quantity, formula));
        if let (true, Some(g), false, Some(b)) =
            (by_delta_decides, given[q], correct[q], &by_delta[q])
        {
            correct[q] = b.from.is_empty() && agrees(b.value, g, rounding);
        }
        computed[q] = held.clone();
        let written = |g: Given, from| Held {
            value: Value::decimal(g.value),
            bound: g.room(),
            from,
        };
        world[q] = Some(match given[q] {
            // The true value, but the student's own is anywhere its digits allow.
            Some(g) if correct[q] && exact_when_correct => Held {
                value: quantity.value,
                bound: g.room(),
                from: Vec::new(),
            },
            Some(g) if correct[q] => written(g, Vec::new()),
            Some(g) => written(g, vec![q]),
            // A skipped gradient the student's own δ (not correct) gives comes from that δ,
            // so that it reaches the update, though the rows write the gradient expanded.
            None => {
                let from_delta = by_delta[q].clone().filter(|b| !b.from.is_empty());
                let mut held = from_delta.or(held).unwrap_or(Held {
                    value: quantity.value,
                    bound: 0.0,
                    from: Vec::new(),
                });
                if let Some(digits) = carried {
                    held.value = held.value.rounded(digits, rounding);
                }
                held
            }
        });
    }
    Worlds {
        held: world,
        computed,
        by_delta,
    }
}

/// What `formula` (one of `quantity`'s) gives in `world`: its value, how far the rounding of
/// the student's numbers it rests on can move it, and the answers (not correct) it rests on.
fn hold(
    derivation: &Derivation,
    world: &World,
    index: &rustc_hash::FxHashMap<String, usize>,
    naming: Naming,
    quantity: &Quantity,
    formula: &Expr,
) -> Option<Held> {
    let step = &derivation.steps[quantity.step];
    let evaluate = |shift, used: &RefCell<Vec<usize>>| {
        let own = lookup(naming, index, world, step.number, used, shift);
        derivation.evaluate_with(step, formula, &own).ok()
    };
    let used = RefCell::new(Vec::new());
    evaluate(None, &used).map(|value| {
        let mut used = used.into_inner();
        used.sort_unstable();
        used.dedup();
        let mut from: Vec<usize> = Vec::new();
        let mut bound = 0.0;
        for &u in &used {
            let Some(input) = &world[u] else { continue };
            from.extend(&input.from);
            if input.bound > 0.0 {
                // Both ways: a square moves further one way than the other.
                let moved = |by| {
                    evaluate(Some((u, by)), &RefCell::default())
                        .map_or(f64::INFINITY, |m| (m.f - value.f).abs())
                };
                bound += moved(input.bound).max(moved(-input.bound));
            }
        }
        from.sort_unstable();
        from.dedup();
        Held { value, bound, from }
    })
}

/// Quantity `q`'s formula with the student's world in place, and its value there.
fn substituted(
    derivation: &Derivation,
    table: &[Quantity],
    index: &rustc_hash::FxHashMap<String, usize>,
    world: &World,
    q: usize,
) -> (Expr, Option<Value>) {
    let naming = Naming {
        depth: derivation.network.depth(),
    };
    let step = &derivation.steps[table[q].step];
    let used = RefCell::new(Vec::new());
    let own = lookup(naming, index, world, step.number, &used, None);
    let formula = table[q].formula();
    (
        derivation.substitute_with(step, formula, &own),
        derivation.evaluate_with(step, formula, &own).ok(),
    )
}
