//! `backprop-tex grade FILE ANSWERS…`: a student's hand calculation checked against the
//! derivation, answer by answer, with the marks a teacher gives for error carried forward.
//!
//! The rooms: `answers` (the answer file, with spans), `table` (every answerable quantity of
//! the derivation, named as the tool's messages name it, in the derivation's order),
//! `verdicts` (correct, follows or wrong, and the rule for the digits), `formula` (a formula
//! in plain text, for the report) and `report` (text, JSON, CSV and the blank sheet; the
//! marked solution's LaTeX is `latex::grade`'s).

mod answers;
mod formula;
mod report;
mod table;
mod verdicts;

pub use answers::first_filled;
pub use report::{csv, json, latex, sheet, text};
pub use verdicts::Verdict;

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::derivation::{self, Carry, Derivation, Options};
use crate::error::{AnswerFault, Counted, Error, Source};
use crate::math::number::Value;
use crate::model::Network;
use answers::Answer;
use table::Quantity;
use verdicts::{agrees, Given, Judged};

/// Which carried values make an answer correct (`--carry`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Check {
    /// The true value, rounded to the student's digits.
    Exact,
    /// The value got by carrying every value rounded to the student's digits.
    Rounded,
    /// Either of them.
    #[default]
    Either,
}

impl Check {
    /// For each world `follows` tries: whether it keeps the true value of a correct answer
    /// (rather than the value as written).
    fn worlds(self) -> &'static [bool] {
        match self {
            Check::Exact => &[true],
            Check::Rounded => &[false],
            Check::Either => &[true, false],
        }
    }
}

/// The names of `table` to their quantity: each quantity's name, and its other spellings
/// where they name no other quantity (`w_111^(1)` is `w_1,11^(1)` or `w_11,1^(1)`).
fn index(table: &[Quantity]) -> FxHashMap<String, usize> {
    let mut spellings: FxHashMap<&str, usize> = FxHashMap::default();
    for quantity in table {
        for other in [&quantity.short, &quantity.alias] {
            if *other != quantity.name {
                *spellings.entry(other.as_str()).or_default() += 1;
            }
        }
    }
    let mut out = FxHashMap::default();
    for (q, quantity) in table.iter().enumerate() {
        for other in [&quantity.short, &quantity.alias] {
            if spellings.get(other.as_str()) == Some(&1) {
                out.insert(other.clone(), q);
            }
        }
    }
    for (q, quantity) in table.iter().enumerate() {
        out.insert(quantity.name.clone(), q);
    }
    out
}

/// The loose forms (see [`answers::loose`]) of every spelling of `table`'s quantities, to the
/// quantities that have each.
fn loose_index(table: &[Quantity]) -> FxHashMap<String, Vec<usize>> {
    let mut out: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (q, quantity) in table.iter().enumerate() {
        for spelling in [
            &quantity.name,
            &quantity.short,
            &quantity.alias,
            &quantity.apart,
        ] {
            let have = out.entry(answers::loose(spelling)).or_default();
            if !have.contains(&q) {
                have.push(q);
            }
        }
    }
    out
}

/// One answer marked.
#[derive(Clone, Debug)]
pub struct Row {
    pub answer: Answer,
    pub judged: Judged,
    /// The value the carry rule judged the answer against: the true value, or under
    /// `--carry rounded` (and under `either` where only it makes the answer right) the value
    /// got carrying values rounded to the student's digits — what "should be" shows.
    pub expected: Value,
}

/// An answer file marked, its rows in the order of the derivation.
#[derive(Clone, Debug)]
pub struct Marked {
    pub file: String,
    pub rows: Vec<Row>,
}

impl Marked {
    /// How many answers have `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.rows
            .iter()
            .filter(|r| r.judged.verdict == verdict)
            .count()
    }

    /// Whether every answer is correct.
    pub fn all_correct(&self) -> bool {
        self.count(Verdict::Correct) == self.rows.len()
    }

    /// The first wrong answer (a row), and how many answers after it follow from it, directly
    /// or through other answers that follow from it.
    pub fn first_wrong(&self) -> Option<(usize, usize)> {
        let first = self
            .rows
            .iter()
            .position(|r| r.judged.verdict == Verdict::Wrong)?;
        let mut reached = vec![self.rows[first].judged.quantity];
        for row in &self.rows[first + 1..] {
            let judged = &row.judged;
            if judged.verdict == Verdict::Follows && judged.from.iter().any(|q| reached.contains(q))
            {
                reached.push(judged.quantity);
            }
        }
        Some((first, reached.len() - 1))
    }
}

/// A derivation's quantities and what a sheet is marked against.
pub struct Grader<'n> {
    pub derivation: Derivation<'n>,
    pub table: Vec<Quantity>,
    index: FxHashMap<String, usize>,
    loose: FxHashMap<String, Vec<usize>>,
    check: Check,
    /// The quantities' values with rounded values carried, by digits (`None`: that carry
    /// leaves the real numbers).
    rounded: BTreeMap<u32, Option<Vec<Value>>>,
}

impl<'n> Grader<'n> {
    /// The grader of `network`; `options` give the rounding and the digits the report shows.
    pub fn new(network: &'n Network, options: Options, check: Check) -> Result<Grader<'n>, Error> {
        let exact = Options {
            carry: Carry::Exact,
            ..options
        };
        let derivation = derivation::derive(network, exact)?;
        let table = table::table(&derivation);
        Ok(Grader {
            index: index(&table),
            loose: loose_index(&table),
            derivation,
            table,
            check,
            rounded: BTreeMap::new(),
        })
    }

    /// The values carried rounded to `digits`.
    fn rounded(&mut self, digits: u32) -> Option<&Vec<Value>> {
        let digits = digits.clamp(1, 17);
        let (network, options) = (self.derivation.network, self.derivation.options);
        self.rounded
            .entry(digits)
            .or_insert_with(|| {
                let options = Options {
                    carry: Carry::Rounded,
                    digits,
                    ..options
                };
                derivation::derive(network, options)
                    .ok()
                    .map(|d| table::values(&d))
            })
            .as_ref()
    }

    /// Marks the answer file `source`.
    pub fn mark(&mut self, source: &Source) -> Result<Marked, Error> {
        let answers = answers::read(source)?;
        let mut given: Vec<Option<Given>> = vec![None; self.table.len()];
        let mut first: Vec<Option<usize>> = vec![None; self.table.len()];
        let mut placed = Vec::with_capacity(answers.len());
        for (a, answer) in answers.iter().enumerate() {
            let q = self.quantity(answer)?;
            if answer.blank {
                continue;
            }
            if let Some(earlier) = first[q] {
                return Err(Error::Answers {
                    fault: AnswerFault::Twice {
                        name: answer.written.clone(),
                        first: answers[earlier].name_span,
                    },
                    span: answer.name_span,
                });
            }
            first[q] = Some(a);
            given[q] = Some(Given {
                value: answer.value,
                digits: answer.digits,
                unit: answer.unit,
            });
            placed.push(q);
        }
        if placed.is_empty() {
            return Err(Error::Answers {
                fault: AnswerFault::NoAnswers,
                span: crate::error::Span::new(0, 0),
            });
        }
        let (correct, expected) = self.correct(&given);
        let judged = verdicts::judge(&self.derivation, &self.table, &given, &correct, &self.check);
        let mut rows: Vec<Row> = judged
            .into_iter()
            .filter_map(|judged| {
                let a = first[judged.quantity]?;
                Some(Row {
                    answer: answers[a].clone(),
                    expected: expected[judged.quantity],
                    judged,
                })
            })
            .collect();
        rows.sort_by_key(|r| r.judged.quantity);
        Ok(Marked {
            file: source.name.clone(),
            rows,
        })
    }

    /// Whether each given answer is correct at its digits, by the carry rule, and the value it
    /// was judged against (see [`Row::expected`]).
    fn correct(&mut self, given: &[Option<Given>]) -> (Vec<bool>, Vec<Value>) {
        let rounding = self.derivation.options.rounding;
        let mut out = vec![false; given.len()];
        let mut expected: Vec<Value> = self.table.iter().map(|q| q.value).collect();
        for (q, g) in given.iter().enumerate() {
            let Some(g) = *g else { continue };
            let truth = self.table[q].value;
            let exact = agrees(truth, g, rounding);
            let rounded = match self.check {
                Check::Exact => None,
                Check::Rounded | Check::Either => {
                    (self.rounded(g.digits)).and_then(|values| values.get(q).copied())
                }
            };
            let rounded_agrees = rounded.is_some_and(|v| agrees(v, g, rounding));
            (out[q], expected[q]) = match (self.check, rounded) {
                (Check::Exact, _) | (_, None) => (exact && self.check != Check::Rounded, truth),
                (Check::Rounded, Some(r)) => (rounded_agrees, r),
                (Check::Either, Some(_)) if exact => (true, truth),
                (Check::Either, Some(r)) if rounded_agrees => (true, r),
                (Check::Either, Some(_)) => (false, truth),
            };
        }
        (out, expected)
    }

    /// The quantity an answer names, or where it names none, the nearest name.
    fn quantity(&self, answer: &Answer) -> Result<usize, Error> {
        let samples = self.derivation.network.samples();
        // In a file of one sample, `[n=1]` names that sample, as `[step 1]` names the step.
        let only_sample = samples == 1
            && (answer.counts.iter()).any(|c| c.what == Counted::Sample && c.number == 1);
        let key = match &answer.key {
            Some(key) if only_sample => Some(key.replacen(" [n=1]", "", 1)),
            key => key.clone(),
        };
        let fits = |q: &usize| !only_sample || self.table[*q].per_sample;
        if let Some(key) = &key {
            if let Some(&q) = self.index.get(key).filter(|q| fits(q)) {
                return Ok(q);
            }
            // Written otherwise (`dE/dw11(1)`): the one quantity of that loose form, if one.
            let loosely = self.loose.get(&answers::loose(key));
            let could_be: Vec<usize> = loosely
                .into_iter()
                .flatten()
                .copied()
                .filter(fits)
                .collect();
            match could_be[..] {
                [] => {}
                [q] => return Ok(q),
                _ => {
                    return Err(Error::Answers {
                        fault: AnswerFault::Ambiguous {
                            name: answer.written.clone(),
                            could_be: could_be
                                .iter()
                                .map(|&q| self.table[q].name.clone())
                                .collect(),
                        },
                        span: answer.name_span,
                    })
                }
            }
        }
        let steps = self.derivation.steps.len();
        for count in &answer.counts {
            let have = match count.what {
                Counted::Step => steps,
                Counted::Sample => samples,
            };
            if count.number > have as u64 {
                return Err(Error::Answers {
                    fault: AnswerFault::NoSuch {
                        what: count.what,
                        written: count.written.clone(),
                        count: have,
                    },
                    span: count.span,
                });
            }
        }
        let wanted = answer.key.as_deref().unwrap_or(&answer.written);
        Err(Error::Answers {
            fault: AnswerFault::Unknown {
                name: answer.written.clone(),
                nearest: nearest(wanted, self.table.iter().map(|q| q.name.as_str())),
            },
            span: answer.name_span,
        })
    }
}

/// The name of `names` nearest to `wanted` by edit distance, if it is near enough to be meant.
fn nearest<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Option<String> {
    let wanted: Vec<char> = wanted.chars().take(200).collect();
    let (distance, name) = names
        .map(|name| (edit_distance(&wanted, name), name))
        .min_by_key(|(d, _)| *d)?;
    (distance <= 2.max(wanted.len() / 2)).then(|| name.to_string())
}

/// Levenshtein distance, one row at a time.
fn edit_distance(a: &[char], b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_name_is_suggested_only_when_near() {
        let names = ["delta_1^(2)", "delta_2^(2)", "dE/dw_11^(1)"];
        assert_eq!(
            nearest("delta_3^(2)", names.iter().copied()).as_deref(),
            Some("delta_1^(2)")
        );
        assert_eq!(
            nearest("dE/dw11^(1)", names.iter().copied()).as_deref(),
            Some("dE/dw_11^(1)")
        );
        assert_eq!(nearest("banana", names.iter().copied()), None);
    }
}
