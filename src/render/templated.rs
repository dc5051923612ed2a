//! A layer's gradient and update rows printed from one template per class of their numbers.
//!
//! Those rows are most of a big network's output (160,000 for 784-100-10), and every row of a
//! layer prints the same formula with only its indices and numbers changing. So a row's
//! numbers are read without writing the row out ([`Rows::row_numbers`]), their classes (sign,
//! positional or scientific form, zero: [`Printer::value_class`]) and the indices' widths
//! (one digit or more) pick a template, and the template's holes are filled. The template
//! is the printer's own text of the first row of its class, cut at marks
//! ([`crate::latex::holes`]), and is kept only if, filled with that row's numbers, it gives
//! byte for byte what the printer gives: a pure shortcut, never a second source of truth.
//! Rows it cannot tell apart (numbers alike, zeros, a user's chain template, rows other than
//! plain SGD's) are written out as before.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use smallvec::SmallVec;

use super::blocks::{ChainLayout, Views};
use crate::derivation::{ChainKind, Parameters, Rows};
use crate::latex::holes::{Holed, SHOWN_EXACTLY};
use crate::latex::{APPROX, EQUALS, LEFTARROW};
use crate::math::expr::Expr;
use crate::math::number::Value;

/// What a row of a chain holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The formula: no numbers.
    Formula,
    /// The formula's numbers.
    Numbers,
    /// The value alone.
    Value,
}

/// One class's rows: the left-hand side and each row with holes.
#[derive(Debug)]
struct RowTemplate {
    kind: ChainKind,
    lhs: Holed,
    rows: SmallVec<[Row; 3]>,
}

#[derive(Debug)]
struct Row {
    role: Role,
    assign: bool,
    /// Which of the row's numbers (see [`Rows::row_numbers`]) fill its holes.
    holes: Range<usize>,
    holed: Holed,
}

/// A row's numbers, their classes ([`crate::latex::Printer::value_class`]) and its indices.
#[derive(Clone, Copy)]
struct Filling<'n> {
    numbers: &'n [Value],
    classes: &'n [u8],
    indices: [u32; 2],
}

/// A class of rows: the view's number, the layer, gradients or updates, weight or bias, the
/// indices' widths, whether the numbers row is the value itself, each number's class.
type Key = SmallVec<[u8; 24]>;

/// The bytes of a [`Key`] before the numbers' classes.
const KEY_HEAD: usize = 8;

/// Templates kept per thread; all are forgotten when there are more.
const KEPT: usize = 4096;

/// The templates of one [`Views`] (by its number): `None` for a class whose first row did not
/// give a template.
type Templates = (u64, rustc_hash::FxHashMap<Key, Option<Rc<RowTemplate>>>);

thread_local! {
    static TEMPLATES: RefCell<Templates> = RefCell::default();
}

impl Views<'_> {
    /// Appends row `k` of `rows` beside left-hand sides `lhs` points wide: from its class's
    /// template where there is one, written out otherwise.
    pub(super) fn write_row(&self, rows: &Rows, k: usize, lhs: f64, out: &mut String) {
        let mut numbers: SmallVec<[Value; 8]> = SmallVec::new();
        if !matches!(self.layout, ChainLayout::Builtin) || !rows.row_numbers(k, &mut numbers) {
            return self.write_chain(&rows.get(k), Some(rows.layer()), lhs, out);
        }
        let indices = rows.indices(k);
        let key = self.row_key(rows, k, &numbers, indices);
        let known = TEMPLATES.with_borrow_mut(|(id, templates)| {
            if *id != self.id {
                *id = self.id;
                templates.clear();
            }
            templates.get(&key).cloned()
        });
        match known {
            Some(Some(template)) => {
                let filled = Filling {
                    numbers: &numbers,
                    classes: &key[KEY_HEAD..],
                    indices,
                };
                if !self.write_templated(&template, &filled, lhs, out) {
                    self.write_chain(&rows.get(k), Some(rows.layer()), lhs, out);
                }
            }
            Some(None) => self.write_chain(&rows.get(k), Some(rows.layer()), lhs, out),
            None => {
                let mut written = String::new();
                self.write_chain(&rows.get(k), Some(rows.layer()), lhs, &mut written);
                let filling = Filling {
                    numbers: &numbers,
                    classes: &key[KEY_HEAD..],
                    indices,
                };
                let template = self
                    .template(rows, k, &numbers, indices)
                    .filter(|template| {
                        let mut filled = String::new();
                        self.write_templated(template, &filling, lhs, &mut filled)
                            && filled == written
                    })
                    .map(Rc::new);
                out.push_str(&written);
                TEMPLATES.with_borrow_mut(|(_, templates)| {
                    if templates.len() >= KEPT {
                        templates.clear();
                    }
                    templates.insert(key, template);
                });
            }
        }
    }

    fn row_key(&self, rows: &Rows, k: usize, numbers: &[Value], indices: [u32; 2]) -> Key {
        let mut key = Key::new();
        key.extend_from_slice(&rows.layer().to_le_bytes());
        key.push(match rows.of() {
            Parameters::Gradients => 0,
            Parameters::Updates => 1,
        });
        key.push(u8::from(rows.is_bias(k)));
        key.push(u8::from(indices[0] >= 10) | u8::from(indices[1] >= 10) << 1);
        // Chain::new drops a value row that repeats a numbers row of one number.
        key.push(u8::from(numbers.len() == 2 && numbers[0] == numbers[1]));
        debug_assert_eq!(key.len(), KEY_HEAD);
        key.extend(numbers.iter().map(|v| self.printer.value_class(*v)));
        key
    }

    /// The template of row `k`'s class, from row `k` printed with marks, its indices shown
    /// as others of the same widths so that they are told from the formula's own.
    fn template(
        &self,
        rows: &Rows,
        k: usize,
        numbers: &[Value],
        indices: [u32; 2],
    ) -> Option<RowTemplate> {
        let count = if rows.is_bias(k) { 1 } else { 2 };
        let mut fake = [0u32; 2];
        for n in 0..count {
            let choices = if indices[n] < 10 {
                [6, 7, 8, 9]
            } else {
                [96, 97, 98, 99]
            };
            fake[n] = choices
                .into_iter()
                .find(|c| !indices.contains(c) && !fake[..n].contains(c))?;
        }
        let chain = rows.shown_as(k, fake)?;
        let fake = &fake[..count];
        let values = numbers.len() - 1;
        let last = chain.rows.len() - 1;
        let mut template_rows = SmallVec::new();
        for (r, row) in chain.rows.iter().enumerate() {
            let has_numbers = row.expr.any(&|e| matches!(e, Expr::Val(_)));
            let (role, holes) = match (&row.expr, has_numbers) {
                (_, false) => (Role::Formula, 0..0),
                (Expr::Val(_), true) if r == last => (Role::Value, values..values + 1),
                (_, true) => (Role::Numbers, 0..values),
            };
            let holed = self
                .printer
                .holed(&row.expr, &numbers[holes.clone()], fake)?;
            template_rows.push(Row {
                role,
                assign: row.assign,
                holes,
                holed,
            });
        }
        Some(RowTemplate {
            kind: chain.kind,
            lhs: self.printer.holed(&chain.lhs, &[], fake)?,
            rows: template_rows,
        })
    }

    /// Appends `template` filled with a row's `numbers` and `indices`; `false` (and nothing
    /// appended) where its relations need the printer: a row of exactly shown numbers after
    /// a rounded one, which is `=` only if the rounded numbers give it exactly.
    fn write_templated(
        &self,
        template: &RowTemplate,
        filling: &Filling,
        lhs: f64,
        out: &mut String,
    ) -> bool {
        let Filling {
            numbers,
            classes,
            indices,
        } = *filling;
        let mut relations: SmallVec<[&'static str; 4]> = SmallVec::new();
        let mut previous_rounded = false;
        for row in &template.rows {
            let rounded = row.role != Role::Formula
                && classes[row.holes.clone()]
                    .iter()
                    .any(|class| class & SHOWN_EXACTLY == 0);
            relations.push(if row.assign {
                LEFTARROW
            } else if rounded {
                APPROX
            } else if previous_rounded {
                return false;
            } else {
                EQUALS
            });
            previous_rounded = rounded;
        }
        let mut bodies = String::with_capacity(256);
        let mut ends: SmallVec<[(&'static str, usize); 4]> = SmallVec::new();
        for (row, rel) in template.rows.iter().zip(relations) {
            let values = &numbers[row.holes.clone()];
            self.printer.fill(&row.holed, values, &indices, &mut bodies);
            ends.push((rel, bodies.len()));
        }
        let start = out.len();
        self.printer.fill(&template.lhs, &[], &indices, out);
        self.write_printed(template.kind, start, &bodies, &ends, lhs, out);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{Env, Layout};
    use super::super::templates::engine;
    use super::*;
    use crate::derivation::{Carry, Options};
    use crate::math::number::Rounding;
    use proptest::prelude::*;

    /// Writes every gradient and update row of `text` both ways, in each environment, and
    /// says how many rows came from a template.
    fn rows_agree(text: &str, options: Options) -> usize {
        let engine = engine(None).unwrap();
        let tree = crate::syntax::parser::parse(text).unwrap();
        let network = crate::check::check(&tree).unwrap();
        let Ok(derivation) = crate::derivation::derive(&network, options) else {
            return 0;
        };
        let mut templated = 0;
        for (env, markdown) in [
            (Env::Eqnarray, false),
            (Env::Align, false),
            (Env::Align, true),
        ] {
            let layout = Layout {
                env,
                ..Layout::default()
            };
            let views = Views::new(&derivation, &layout, markdown, &engine);
            for step in &derivation.steps {
                for of in [Parameters::Gradients, Parameters::Updates] {
                    for rows in derivation.parameter_rows(step, of) {
                        for k in 0..rows.len() {
                            for lhs in [40.0, 400.0] {
                                let mut general = String::new();
                                views.write_chain(
                                    &rows.get(k),
                                    Some(rows.layer()),
                                    lhs,
                                    &mut general,
                                );
                                let mut fast = String::new();
                                views.write_row(&rows, k, lhs, &mut fast);
                                assert_eq!(fast, general, "layer {} row {k}", rows.layer());
                            }
                        }
                    }
                }
            }
            templated += TEMPLATES.with_borrow(|(_, t)| t.values().filter(|t| t.is_some()).count());
        }
        templated
    }

    #[test]
    fn every_row_of_the_examples_is_the_printers_own() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut templated = 0;
        for dir in ["examples", "tests/rows/networks"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for (digits, carry) in [(4, Carry::Exact), (2, Carry::Rounded), (6, Carry::Exact)] {
                    let options = Options {
                        digits,
                        carry,
                        rounding: Rounding::HalfUp,
                    };
                    templated += rows_agree(&text, options);
                }
            }
        }
        assert!(templated > 50, "{templated} templates");
    }

    /// A number of every class: signs, zeros, tiny and huge (scientific), exact and not.
    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            (-999i32..1000).prop_map(|n| format!("{}", n as f64 / 100.0)),
            (-9i32..10).prop_map(|n| n.to_string()),
            (1u32..99, prop::bool::ANY)
                .prop_map(|(n, s)| format!("{}{n}e-7", if s { "-" } else { "" })),
            (1u32..99, prop::bool::ANY)
                .prop_map(|(n, s)| format!("{}{n}e6", if s { "-" } else { "" })),
            Just("0".to_string()),
            (1u32..999).prop_map(|n| format!("0.{n:03}1")),
        ]
    }

    fn matrix(rows: usize, cols: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::collection::vec(number(), cols), rows).prop_map(|m| {
            let rows: Vec<String> = m.iter().map(|r| format!("[{}]", r.join(", "))).collect();
            format!("[{}]", rows.join(", "))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn a_templated_row_is_the_printers_row_for_random_numbers(
            x in matrix(2, 3),
            w1 in matrix(3, 3),
            w2 in matrix(2, 3),
            b in prop::collection::vec(number(), 2).prop_map(|v| format!("[{}]", v.join(", "))),
            act in prop::sample::select(vec!["sigmoid", "tanh", "relu", "identity"]),
            digits in 2u32..7,
            rounded in prop::bool::ANY,
            lr in prop::sample::select(vec!["0.1", "0.5", "2", "1e-3"]),
        ) {
            let text = format!(
                "input x = {x}\ntarget t = [[0, 1], [1, 0]]\nlayer {act}\n  W = {w1}\n\
                 layer identity\n  W = {w2}\n  b = {b}\nloss sum_squared\nsgd lr = {lr}\n"
            );
            let carry = if rounded { Carry::Rounded } else { Carry::Exact };
            let options = Options { digits, carry, rounding: Rounding::HalfUp };
            rows_agree(&text, options);
        }
    }
}
