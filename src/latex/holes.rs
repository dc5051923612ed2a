//! A printed formula with holes for its numbers and indices, to be filled row after row.
//!
//! A layer's gradient (or update) rows all print one formula with only indices and numbers
//! changing; what else the printer chooses from a number (its sign, positional or scientific
//! form, `-(-x)`, a zero numerator) is the number's [`Printer::value_class`]. So a row is
//! printed once per class of its numbers with marks after each number and index, and the
//! marked text, cut at the marks, is the template ([`Holed`]) the other rows of the class fill
//! in. The template is made by the printer itself, so it is never a second source of truth;
//! whoever uses it checks the filled template against the printer on the row it came from.

use std::cell::{Cell, RefCell};

use super::{write_count, Printer};
use crate::math::expr::Expr;
use crate::math::number::{Shown, Value};

/// Follows each index written as a number (`w_{3⟨mark⟩5⟨mark⟩}`).
pub(super) const INDEX_MARK: char = '\u{3}';
/// Follows each number: `⟨VALUE_MARK⟩position⟨VALUE_END⟩`, its position in [`WRITTEN`].
const VALUE_MARK: char = '\u{1}';
const VALUE_END: char = '\u{2}';

thread_local! {
    /// The numbers the marked printer wrote, in order, with the length of each one's text.
    static WRITTEN: RefCell<Vec<(Value, usize)>> = const { RefCell::new(Vec::new()) };
    /// Set when the marked text would not be the same for other numbers of the same class.
    static SPOILED: Cell<bool> = const { Cell::new(false) };
}

/// Marks the number `v` whose text starts at `start` of `out`.
pub(super) fn mark_value(v: Value, start: usize, out: &mut String) {
    let len = out.len() - start;
    let position = WRITTEN.with_borrow_mut(|w| {
        w.push((v, len));
        w.len() - 1
    });
    out.push(VALUE_MARK);
    write_count(position as u32, out);
    out.push(VALUE_END);
}

/// Whether `text` holds a mark.
pub(super) fn has_marks(text: &str) -> bool {
    text.contains([VALUE_MARK, INDEX_MARK])
}

/// Says the text being marked cannot be a template.
pub(super) fn spoil() {
    SPOILED.set(true);
}

/// The bit of a [`Printer::value_class`] that says the number is shown exactly.
pub const SHOWN_EXACTLY: u8 = 1 << 4;

/// One piece of a template.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(Box<str>),
    /// The `hole`-th number (negated: the printer wrote `-(-x)` as `x`).
    Value {
        hole: usize,
        negated: bool,
    },
    /// The `k`-th index.
    Index(usize),
}

/// A formula as printed, with holes for its numbers and its indices.
#[derive(Clone, Debug, PartialEq)]
pub struct Holed {
    pieces: Vec<Piece>,
}

impl Printer {
    /// How the printer treats `v` beyond its digits: its sign (of the float and as shown),
    /// positional or scientific, an exact zero; and whether it is shown exactly
    /// ([`SHOWN_EXACTLY`], as [`Printer::shows_exactly`] says). Two numbers of one class
    /// print the same but for their digits.
    pub fn value_class(&self, v: Value) -> u8 {
        let (negative, positional, exact) = Shown::with(v, self.digits, self.rounding, |s| {
            (s.negative, s.positional(), s.exact)
        });
        let zero = v.exact().is_some_and(|r| r.is_zero());
        u8::from(v.f < 0.0)
            | u8::from(negative) << 1
            | u8::from(positional) << 2
            | u8::from(zero) << 3
            | if v.exact().is_some() && exact {
                SHOWN_EXACTLY
            } else {
                0
            }
    }

    /// `e` printed with holes: each number of `e` one of `values` (or its negation), each
    /// index that is one of `fake` the hole of that index. `None` where the holes cannot be
    /// told apart (two numbers alike or opposite, a zero) or where other numbers of the
    /// same classes would print differently.
    pub fn holed(&self, e: &Expr, values: &[Value], fake: &[u32]) -> Option<Holed> {
        WRITTEN.with_borrow_mut(Vec::clear);
        SPOILED.set(false);
        let text = Printer {
            marked: true,
            ..*self
        }
        .expr(e);
        let written = WRITTEN.with_borrow_mut(std::mem::take);
        if SPOILED.replace(false) {
            return None;
        }
        cut(&text, &written, values, fake)
    }

    /// Appends `holed` with its holes filled: numbers from `values`, indices from `indices`.
    pub fn fill(&self, holed: &Holed, values: &[Value], indices: &[u32], out: &mut String) {
        for piece in &holed.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Value { hole, negated } => {
                    let v = values[*hole];
                    self.write_value(if *negated { -v } else { v }, out);
                }
                Piece::Index(k) => write_count(indices[*k], out),
            }
        }
    }
}

/// The marked `text` cut into pieces at its marks.
fn cut(text: &str, written: &[(Value, usize)], values: &[Value], fake: &[u32]) -> Option<Holed> {
    let mut pieces = Vec::new();
    // The text since the last mark.
    let mut literal = String::new();
    let flush = |literal: &mut String, pieces: &mut Vec<Piece>| {
        if !literal.is_empty() {
            pieces.push(Piece::Text(std::mem::take(literal).into_boxed_str()));
        }
    };
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            VALUE_MARK => {
                let mut position = 0usize;
                for d in chars.by_ref() {
                    match d.to_digit(10) {
                        Some(d) => position = position * 10 + d as usize,
                        None if d == VALUE_END => break,
                        None => return None,
                    }
                }
                let &(w, len) = written.get(position)?;
                let start = literal.len().checked_sub(len)?;
                literal.truncate(start);
                flush(&mut literal, &mut pieces);
                pieces.push(hole_of(w, values)?);
            }
            INDEX_MARK => {
                let digits = literal.bytes().rev().take_while(u8::is_ascii_digit).count();
                let at = literal.len().checked_sub(digits).filter(|_| digits > 0)?;
                let n: u32 = literal[at..].parse().ok()?;
                match fake.iter().position(|&f| f == n) {
                    Some(k) => {
                        literal.truncate(at);
                        flush(&mut literal, &mut pieces);
                        pieces.push(Piece::Index(k));
                    }
                    // An index the formula has itself (a sum's, a sample's).
                    None => flush(&mut literal, &mut pieces),
                }
            }
            VALUE_END => return None,
            c => literal.push(c),
        }
    }
    flush(&mut literal, &mut pieces);
    Some(Holed { pieces })
}

/// Which of `values` the printer wrote as `w`: the only one equal to it or to its negation.
fn hole_of(w: Value, values: &[Value]) -> Option<Piece> {
    let mut found = None;
    for (hole, &v) in values.iter().enumerate() {
        for (negated, candidate) in [(false, v), (true, -v)] {
            if candidate == w {
                if found.is_some() {
                    return None;
                }
                found = Some(Piece::Value { hole, negated });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::expr::{Index, Symbol};

    fn printer() -> Printer {
        Printer::new(2, 4)
    }

    #[test]
    fn a_filled_template_is_the_printed_row() {
        let p = printer();
        let (d, z) = (Value::approx(0.7566), Value::approx(-0.002696));
        let e = Expr::Mul(vec![Expr::Val(d), Expr::Val(z)]);
        let holed = p.holed(&e, &[d, z], &[]).unwrap();
        let (d2, z2) = (Value::approx(0.1234), Value::approx(-0.5));
        let mut filled = String::new();
        p.fill(&holed, &[d2, z2], &[], &mut filled);
        let again = Expr::Mul(vec![Expr::Val(d2), Expr::Val(z2)]);
        assert_eq!(filled, p.expr(&again));
        assert_eq!(p.value_class(z), p.value_class(z2));
    }

    #[test]
    fn the_class_says_whether_a_number_is_shown_exactly() {
        let p = printer();
        let third = Value::int(1) / Value::int(3);
        let quarter = Value::int(1) / Value::int(4);
        for v in [
            Value::int(3),
            Value::int(0),
            Value::int(-123457),
            Value::approx(0.1),
            third,
            quarter,
            -quarter,
        ] {
            let class = p.value_class(v);
            assert_eq!(class & SHOWN_EXACTLY != 0, p.shows_exactly(v), "{v:?}");
        }
        assert_ne!(p.value_class(third), p.value_class(quarter));
    }

    #[test]
    fn indices_are_holes_and_constants_stay() {
        let p = printer();
        let at = |i: u32, j: u32| {
            Expr::Mul(vec![
                Expr::Sym(Symbol::weight(2, Index::Num(i), Index::Num(j))),
                Expr::Sym(Symbol::weight(1, Index::Num(3), Index::Num(i))),
            ])
        };
        let holed = p.holed(&at(8, 9), &[], &[8, 9]).unwrap();
        let mut filled = String::new();
        p.fill(&holed, &[], &[1, 2], &mut filled);
        assert_eq!(filled, p.expr(&at(1, 2)));
        assert!(!filled.contains([VALUE_MARK, INDEX_MARK]));
    }

    #[test]
    fn numbers_alike_or_zero_make_no_template() {
        let p = printer();
        let v = Value::approx(0.25);
        let e = Expr::Add(vec![Expr::Val(v), Expr::Neg(Box::new(Expr::Val(v)))]);
        assert_eq!(p.holed(&e, &[v, v], &[]), None);
        let zero = Value::int(0);
        assert_eq!(p.holed(&Expr::Val(zero), &[zero], &[]), None);
    }
}
