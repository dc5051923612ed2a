//! What a teacher grades with: each asked number as shown, the tolerance an online quiz allows
//! around it, and the answer key's first pages, a table of them per variant.
//!
//! Answers and tolerances are decimals written digit for digit (never a float's `1.5e-4`
//! noise), with a decimal point always: Canvas hides a numerical answer without one, and a
//! teacher reading `0.00015` in the key reads what Moodle and Canvas were given.

use super::Tolerance;
use crate::math::number::{Rounding, Shown, Value};

/// The most the rule's tolerance may be, as a fraction of the answer.
pub const MOST: f64 = 0.01;

/// A decimal `m`·10^`e`, exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dec {
    m: i128,
    e: i32,
}

impl Dec {
    /// The number a shown value reads as.
    pub fn shown(shown: &Shown) -> Dec {
        let digits: i128 = shown.digits.parse().unwrap_or(0);
        let m = if shown.negative { -digits } else { digits };
        Dec {
            m,
            e: shown.exponent - shown.digits.len() as i32 + 1,
        }
        .trimmed()
    }

    /// A float's shortest decimal, to `significant` digits (0: all it needs).
    pub fn from_f64(x: f64, significant: usize) -> Dec {
        let text = match significant {
            0 => format!("{x:e}"),
            n => format!("{x:.*e}", n - 1),
        };
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let m: i128 = format!("{int}{frac}").parse().unwrap_or(0);
        Dec {
            m,
            e: exponent - frac.len() as i32,
        }
        .trimmed()
    }

    fn trimmed(mut self) -> Dec {
        if self.m == 0 {
            return Dec { m: 0, e: 0 };
        }
        while self.m % 10 == 0 {
            self.m /= 10;
            self.e += 1;
        }
        self
    }

    /// Both at the smaller exponent, if the mantissas fit.
    fn aligned(self, other: Dec) -> Option<(i128, i128, i32)> {
        let e = self.e.min(other.e);
        let scale = |d: Dec| {
            10i128
                .checked_pow((d.e - e) as u32)
                .and_then(|p| d.m.checked_mul(p))
        };
        Some((scale(self)?, scale(other)?, e))
    }

    pub fn add(self, other: Dec) -> Option<Dec> {
        let (a, b, e) = self.aligned(other)?;
        Some(
            Dec {
                m: a.checked_add(b)?,
                e,
            }
            .trimmed(),
        )
    }

    pub fn sub(self, other: Dec) -> Option<Dec> {
        self.add(Dec {
            m: other.m.checked_neg()?,
            e: other.e,
        })
    }

    pub fn abs(self) -> Dec {
        Dec {
            m: self.m.abs(),
            e: self.e,
        }
    }

    pub fn f64(self) -> f64 {
        self.text().parse().unwrap_or(f64::NAN)
    }

    /// Positional notation with a decimal point and at least one digit after it: `4.0`,
    /// `50.0`, `-0.00015`.
    pub fn text(self) -> String {
        let sign = if self.m < 0 { "-" } else { "" };
        let digits = self.m.unsigned_abs().to_string();
        if self.e >= 0 {
            return format!("{sign}{digits}{}.0", "0".repeat(self.e as usize));
        }
        let scale = (-self.e) as usize;
        if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            format!("{sign}{int}.{frac}")
        } else {
            format!("{sign}0.{}{digits}", "0".repeat(scale - digits.len()))
        }
    }
}

/// One asked number as graded: the answer given to the quiz and its tolerance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Graded {
    pub answer: Dec,
    pub tolerance: Dec,
}

impl Graded {
    /// The answer as the key shows it (`key`), its tolerance by `rule` from the exact value
    /// and the value with the shown values carried.
    pub fn new(
        key: Value,
        exact: Value,
        rounded: Value,
        digits: u32,
        rounding: Rounding,
        rule: Tolerance,
    ) -> Graded {
        let answer = Dec::shown(&Shown::new(key, digits, rounding));
        let size = answer.f64().abs();
        let tolerance = match rule {
            Tolerance::Rule => rule_tolerance(exact, rounded, digits, rounding, size),
            Tolerance::Relative(r) => Dec::from_f64(r * size, 3),
            Tolerance::Absolute(a) => Dec::from_f64(a, 0),
        };
        Graded { answer, tolerance }
    }

    /// The accepted interval's ends.
    pub fn bounds(&self) -> (String, String) {
        match (
            self.answer.sub(self.tolerance),
            self.answer.add(self.tolerance),
        ) {
            (Some(lo), Some(hi)) => (lo.text(), hi.text()),
            _ => {
                // Too many digits apart to add exactly: floats, still with a point.
                let (a, t) = (self.answer.f64(), self.tolerance.f64());
                (
                    Dec::from_f64(a - t, 0).text(),
                    Dec::from_f64(a + t, 0).text(),
                )
            }
        }
    }
}

/// Half a unit of the last asked digit plus the difference the two ways of carrying make to
/// the shown value, at most [`MOST`] of the answer (rounded down to two digits).
fn rule_tolerance(exact: Value, rounded: Value, digits: u32, rounding: Rounding, size: f64) -> Dec {
    let shown = Shown::new(exact, digits, rounding);
    let half = Dec {
        m: 5,
        e: shown.exponent - digits as i32,
    };
    let carried = Dec::shown(&Shown::new(rounded, digits, rounding));
    let widened = Dec::shown(&shown)
        .sub(carried)
        .and_then(|d| half.add(d.abs()))
        .unwrap_or(half);
    let cap = cap(size);
    if size > 0.0 && widened.f64() > cap.f64() {
        cap
    } else {
        widened
    }
}

/// [`MOST`] of `size`, rounded down to two significant digits.
fn cap(size: f64) -> Dec {
    let most = MOST * size;
    if !(most.is_finite() && most > 0.0) {
        return Dec { m: 0, e: 0 };
    }
    let e = most.log10().floor() as i32 - 1;
    let mut m = (most / 10f64.powi(e)).floor() as i128;
    while m > 0 && (Dec { m, e }).f64() > most {
        m -= 1;
    }
    Dec { m, e }.trimmed()
}

/// The answer key's table of a variant: every asked number as the quizzes were given it,
/// with its tolerance.
pub fn table(online: &super::Online, texts: super::text::Texts) -> String {
    let rows: Vec<[String; 2]> = online
        .asked
        .iter()
        .map(|a| [a.graded.answer.text(), a.graded.tolerance.text()])
        .collect();
    crate::latex::exam::key_table(
        &texts.variant_name(online.label),
        texts.columns(),
        online
            .asked
            .iter()
            .zip(&rows)
            .map(|(a, [answer, tolerance])| [a.symbol.as_str(), answer, tolerance]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(f: f64) -> Value {
        Value::approx(f)
    }

    #[test]
    fn decimals_always_have_a_point_and_no_float_noise() {
        assert_eq!(Dec::from_f64(4.0, 0).text(), "4.0");
        assert_eq!(Dec::from_f64(50.0, 0).text(), "50.0");
        assert_eq!(Dec::from_f64(-0.00015, 0).text(), "-0.00015");
        let sum = Dec::from_f64(0.00005, 0)
            .add(Dec::from_f64(0.0001, 0))
            .unwrap();
        assert_eq!(sum.text(), "0.00015");
        assert_eq!(Dec::from_f64(1.23456, 3).text(), "1.23");
    }

    #[test]
    fn the_rule_is_half_a_unit_widened_by_carrying_and_at_most_one_percent() {
        // 3.2518 at 4 digits shows 3.252: half a unit is 0.0005.
        let g = Graded::new(
            value(3.2518),
            value(3.2518),
            value(3.2518),
            4,
            Rounding::HalfUp,
            Tolerance::Rule,
        );
        assert_eq!(
            (g.answer.text(), g.tolerance.text()),
            ("3.252".into(), "0.0005".into())
        );
        assert_eq!(g.bounds(), ("3.2515".into(), "3.2525".into()));
        // Carried rounded it shows 3.254: two units more.
        let g = Graded::new(
            value(3.2518),
            value(3.2518),
            value(3.2541),
            4,
            Rounding::HalfUp,
            Tolerance::Rule,
        );
        assert_eq!(g.tolerance.text(), "0.0025");
        // At one digit half a unit of 0.3 is 0.05, 17 %: capped at 1 %.
        let g = Graded::new(
            value(0.3),
            value(0.3),
            value(0.3),
            1,
            Rounding::HalfUp,
            Tolerance::Rule,
        );
        assert_eq!(g.tolerance.text(), "0.003");
        let g = Graded::new(
            value(-0.7777),
            value(-0.7777),
            value(-0.7777),
            1,
            Rounding::HalfUp,
            Tolerance::Rule,
        );
        assert_eq!(
            (g.answer.text(), g.tolerance.text()),
            ("-0.8".into(), "0.008".into())
        );
        // 1 % of 0.998 is 0.00998: rounded down, never up to 0.01 (nor down to 0).
        assert_eq!(cap(0.998).text(), "0.0099");
        assert_eq!(cap(0.9989).text(), "0.0099");
    }

    #[test]
    fn a_given_tolerance_is_relative_or_absolute() {
        let g = Graded::new(
            value(2.0),
            value(2.0),
            value(2.0),
            4,
            Rounding::HalfUp,
            Tolerance::Relative(0.005),
        );
        assert_eq!(g.tolerance.text(), "0.01");
        let g = Graded::new(
            value(2.0),
            value(2.0),
            value(2.0),
            4,
            Rounding::HalfUp,
            Tolerance::Absolute(0.001),
        );
        assert_eq!(g.tolerance.text(), "0.001");
    }
}
