//! The options that change the numbers: digits, carrying, rounding.

use crate::math::number::Rounding;

/// How values are carried from row to row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Carry {
    /// Later rows use the full-precision values (the rounded value is only shown).
    #[default]
    Exact,
    /// Later rows use each value as shown, rounded to the digits, as a student by hand would.
    Rounded,
}

/// Options that change the numbers.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Significant digits shown (and carried, with [`Carry::Rounded`]).
    pub digits: u32,
    /// Whether later rows use the exact values or the values as shown.
    pub carry: Carry,
    /// How exact numbers are cut to the digits (and carried).
    pub rounding: Rounding,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            digits: 4,
            carry: Carry::Exact,
            rounding: Rounding::HalfUp,
        }
    }
}
