//! Numbers that know whether they are exact.
//!
//! A hand calculation writes `0.1·1 + 0.1·2 + 0.1·3 = 0.6` with `=`, but `1/(1+exp(−0.6)) ≈ 0.6457`
//! with `≈`. To tell the two apart we carry, beside every f64, the exact decimal value when there
//! is one: numbers typed in the `.nn` file are decimals, and `+ − ×` (and division where the
//! quotient is a finite decimal) keep them decimal. Anything through `exp`, `log`, … is not.

use std::cmp::Ordering;
use std::fmt;

use crate::precise::{self, Dd, Expansion};

/// An exact decimal `mantissa · 10^(−scale)`, kept normalised (no trailing zeros in the
/// mantissa unless the scale is 0). Arithmetic returns `None` when it would overflow, and the
/// caller then treats the result as approximate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// The largest scale we keep: beyond this a decimal is no use to a reader anyway.
const MAX_SCALE: u32 = 30;

/// Numbers in a file are below 1e38: at most 38 digits before the point.
const MAX_MAGNITUDE: i64 = 38;

/// Why a literal is not a [`Decimal`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// 1e38 or more in size.
    TooLarge,
    /// More than 38 significant digits or 30 decimal places.
    TooPrecise,
    /// Not a decimal literal at all (the grammar never passes one).
    Malformed,
}

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

impl Decimal {
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };
    pub const ONE: Decimal = Decimal {
        mantissa: 1,
        scale: 0,
    };

    /// `mantissa · 10^(−scale)`, normalised; `None` if the scale is absurd or the mantissa is
    /// `i128::MIN` (which has no negation, so it is never a decimal here).
    pub fn new(mantissa: i128, scale: u32) -> Option<Decimal> {
        if mantissa == i128::MIN {
            return None;
        }
        let mut d = Decimal { mantissa, scale };
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        if d.mantissa == 0 {
            return Some(Decimal::ZERO);
        }
        (d.scale <= MAX_SCALE).then_some(d)
    }

    pub fn from_int(n: i64) -> Decimal {
        Decimal::new(n as i128, 0).expect("scale 0 is always valid")
    }

    /// Parses a decimal literal such as `-0.25`, `3`, `1e-3`, `2.5E+2`.
    pub fn parse(text: &str) -> Option<Decimal> {
        Decimal::read(text).ok()
    }

    /// Parses a decimal literal, or says why it is not one this tool keeps: below 1e38 in
    /// size ([`MAX_MAGNITUDE`] digits before the point), at most 38 significant digits and
    /// [`MAX_SCALE`] decimal places. Zero is zero whatever its exponent (`0e999999999999`).
    pub fn read(text: &str) -> Result<Decimal, Unreadable> {
        let (body, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let (negative, body) = match body.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, body.strip_prefix('+').unwrap_or(body)),
        };
        let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
        let is_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        let exponent_digits = exponent.map(|e| e.strip_prefix(['+', '-']).unwrap_or(e));
        if (int_part.is_empty() && frac_part.is_empty())
            || !is_digits(int_part)
            || !is_digits(frac_part)
            || exponent_digits.is_some_and(|e| e.is_empty() || !is_digits(e))
        {
            return Err(Unreadable::Malformed);
        }
        // Trailing zeros after the point say nothing: `1.000…0` is 1.
        let frac_part = frac_part.trim_end_matches('0');
        let int_digits = int_part.trim_start_matches('0');
        let significant = format!("{int_digits}{frac_part}");
        let significant = significant.trim_start_matches('0');
        if significant.is_empty() {
            return Ok(Decimal::ZERO);
        }
        let Some(exponent) = exponent.map_or(Some(0), |e| e.parse::<i64>().ok()) else {
            // Beyond i64: absurdly large, or absurdly small.
            return Err(match exponent {
                Some(e) if e.starts_with('-') => Unreadable::TooPrecise,
                _ => Unreadable::TooLarge,
            });
        };
        // Digits before the point: 1e38 has 39, 9.9e37 has 38.
        let magnitude = if int_digits.is_empty() {
            -((frac_part.len() - frac_part.trim_start_matches('0').len()) as i64)
        } else {
            int_digits.len() as i64
        }
        .saturating_add(exponent);
        if magnitude > MAX_MAGNITUDE {
            return Err(Unreadable::TooLarge);
        }
        let mut mantissa: i128 = significant.parse().map_err(|_| Unreadable::TooPrecise)?;
        if negative {
            mantissa = -mantissa;
        }
        let scale = (frac_part.len() as i64).saturating_sub(exponent);
        if scale >= 0 {
            u32::try_from(scale)
                .ok()
                .and_then(|scale| Decimal::new(mantissa, scale))
                .ok_or(Unreadable::TooPrecise)
        } else {
            // Below 1e38, so the whole number fits.
            let factor = u32::try_from(-scale).ok().and_then(pow10);
            factor
                .and_then(|f| mantissa.checked_mul(f))
                .and_then(|m| Decimal::new(m, 0))
                .ok_or(Unreadable::TooLarge)
        }
    }

    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    pub fn is_one(&self) -> bool {
        self.mantissa == 1 && self.scale == 0
    }

    pub fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// The integer value, if this decimal is a whole number.
    pub fn as_integer(&self) -> Option<i128> {
        (self.scale == 0).then_some(self.mantissa)
    }

    /// The nearest f64 (correctly rounded, through the decimal string).
    pub fn to_f64(&self) -> f64 {
        if self.scale == 0 {
            return self.mantissa as f64;
        }
        // Both exactly representable: one division, correctly rounded (Clinger's fast path).
        const EXACT_POWERS: [f64; 23] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
        ];
        if self.mantissa.unsigned_abs() < 1 << 53 && self.scale < 23 {
            return self.mantissa as f64 / EXACT_POWERS[self.scale as usize];
        }
        format!("{}e-{}", self.mantissa, self.scale)
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// `self − f` as a float: with `f` the nearest float, the pair `f + tail` is the decimal
    /// to about 32 digits.
    fn tail(&self, f: f64) -> f64 {
        (Dd::from_decimal(self.mantissa, self.scale) - Dd::from_f64(f)).hi
    }

    /// How many significant digits the decimal has (0 has one; 40000 has one).
    pub fn significant_digits(&self) -> u32 {
        let mut m = self.mantissa.unsigned_abs();
        if m == 0 {
            return 1;
        }
        while m % 10 == 0 {
            m /= 10;
        }
        m.ilog10() + 1
    }

    fn aligned(a: Decimal, b: Decimal) -> Option<(i128, i128, u32)> {
        let scale = a.scale.max(b.scale);
        let am = a.mantissa.checked_mul(pow10(scale - a.scale)?)?;
        let bm = b.mantissa.checked_mul(pow10(scale - b.scale)?)?;
        Some((am, bm, scale))
    }

    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let (a, b, scale) = Decimal::aligned(self, other)?;
        Decimal::new(a.checked_add(b)?, scale)
    }

    pub fn negated(self) -> Decimal {
        Decimal {
            mantissa: -self.mantissa,
            scale: self.scale,
        }
    }

    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        self.checked_add(other.negated())
    }

    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        Decimal::new(
            self.mantissa.checked_mul(other.mantissa)?,
            self.scale.checked_add(other.scale)?,
        )
    }

    /// The exact quotient when it is a finite decimal (the divisor's mantissa has no prime
    /// factors but 2 and 5), otherwise `None`.
    pub fn checked_div(self, other: Decimal) -> Option<Decimal> {
        if other.is_zero() {
            return None;
        }
        let mut numerator = self.mantissa;
        let mut extra_scale = 0u32;
        while numerator % other.mantissa != 0 {
            numerator = numerator.checked_mul(10)?;
            extra_scale += 1;
            if extra_scale > MAX_SCALE {
                return None;
            }
        }
        let quotient = numerator / other.mantissa;
        // self/other = (m1/m2) · 10^(s2 − s1); numerator carried 10^extra_scale more.
        let scale = self.scale as i64 + extra_scale as i64 - other.scale as i64;
        if scale >= 0 {
            Decimal::new(quotient, u32::try_from(scale).ok()?)
        } else {
            Decimal::new(
                quotient.checked_mul(pow10(u32::try_from(-scale).ok()?)?)?,
                0,
            )
        }
    }

    /// `self^n` for a whole exponent; negative exponents go through [`Decimal::checked_div`].
    /// Exponents beyond ±1000 are not worked out exactly.
    pub fn powi(self, n: i64) -> Option<Decimal> {
        if n.unsigned_abs() > 1000 {
            return None;
        }
        if n < 0 {
            return Decimal::ONE.checked_div(self.powi(-n)?);
        }
        let mut result = Decimal::ONE;
        for _ in 0..n {
            result = result.checked_mul(self)?;
        }
        Some(result)
    }
}

impl fmt::Display for Decimal {
    /// Plain positional notation: `0.6`, `-12.5`, `300`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        if scale == 0 {
            write!(f, "{sign}{digits}")
        } else if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            write!(f, "{sign}{int}.{frac}")
        } else {
            write!(f, "{sign}0.{}{digits}", "0".repeat(scale - digits.len()))
        }
    }
}

/// A computed number: its value as a double-double `f + lo` (`f` the nearest f64, see
/// `precise`), and its exact decimal value when it has one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Value {
    pub f: f64,
    /// What `f` leaves of the value, below half its last bit.
    pub lo: f64,
    pub exact: Option<Decimal>,
}

impl Value {
    pub fn exact(d: Decimal) -> Value {
        let f = d.to_f64();
        Value {
            f,
            lo: d.tail(f),
            exact: Some(d),
        }
    }

    pub fn approx(f: f64) -> Value {
        Value::precise(Dd::from_f64(f))
    }

    /// An approximate value known to double-double precision.
    pub fn precise(d: Dd) -> Value {
        Value {
            f: d.hi,
            lo: d.lo,
            exact: None,
        }
    }

    /// The value as a double-double.
    pub fn dd(&self) -> Dd {
        Dd::new(self.f, self.lo)
    }

    pub fn int(n: i64) -> Value {
        Value::exact(Decimal::from_int(n))
    }

    /// `op` exactly where both are decimals and the result is one, else `approx` in
    /// double-double (a compensated sum, for `+`).
    fn combine(
        self,
        other: Value,
        approx: impl FnOnce(Dd, Dd) -> Dd,
        exact: impl FnOnce(Decimal, Decimal) -> Option<Decimal>,
    ) -> Value {
        let exact = match (self.exact, other.exact) {
            (Some(a), Some(b)) => exact(a, b),
            _ => None,
        };
        match exact {
            Some(d) => Value::exact(d),
            None => Value::precise(approx(self.dd(), other.dd())),
        }
    }

    pub fn pow(self, exponent: Value) -> Value {
        let whole = exponent
            .exact
            .and_then(|d| d.as_integer())
            .and_then(|n| i64::try_from(n).ok())
            .filter(|n| n.unsigned_abs() <= 64);
        match (self.exact, whole) {
            (Some(base), Some(n)) => match base.powi(n) {
                Some(d) => Value::exact(d),
                None => Value::precise(self.dd().powi(n)),
            },
            (_, Some(n)) => Value::precise(self.dd().powi(n)),
            _ => Value::precise(precise::powf(self.dd(), exponent.dd())),
        }
    }

    /// An approximate value computed by a function such as `exp` from this one.
    pub fn map(self, function: impl FnOnce(Dd) -> Dd) -> Value {
        Value::precise(function(self.dd()))
    }

    pub fn is_finite(&self) -> bool {
        self.f.is_finite()
    }

    /// This value rounded to `digits` significant digits, as a person carrying rounded
    /// numbers from row to row would write it down. Exact values that already fit stay exact.
    pub fn rounded(self, digits: u32) -> Value {
        if let Some(d) = self.exact {
            if d.significant_digits() <= digits {
                return self;
            }
        }
        let shown = Shown::new(self, digits);
        Value::approx(shown.f64())
    }
}

impl std::ops::Add for Value {
    type Output = Value;
    fn add(self, other: Value) -> Value {
        self.combine(other, |a, b| a + b, Decimal::checked_add)
    }
}

impl std::ops::Sub for Value {
    type Output = Value;
    fn sub(self, other: Value) -> Value {
        self.combine(other, |a, b| a - b, Decimal::checked_sub)
    }
}

impl std::ops::Mul for Value {
    type Output = Value;
    fn mul(self, other: Value) -> Value {
        // Zero times anything finite is exactly zero (a relu derivative of 0, say).
        let exact_zero = |v: &Value| v.exact.is_some_and(|d| d.is_zero());
        if exact_zero(&self) || exact_zero(&other) {
            return Value::int(0);
        }
        self.combine(other, |a, b| a * b, Decimal::checked_mul)
    }
}

/// Division; the caller rules out a zero divisor.
impl std::ops::Div for Value {
    type Output = Value;
    fn div(self, other: Value) -> Value {
        self.combine(other, |a, b| a / b, Decimal::checked_div)
    }
}

impl std::ops::Neg for Value {
    type Output = Value;
    fn neg(self) -> Value {
        Value {
            f: -self.f,
            lo: -self.lo,
            exact: self.exact.map(Decimal::negated),
        }
    }
}

/// How a value is shown with `digits` significant digits, and whether that is exact.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    /// `-` or empty.
    pub negative: bool,
    /// The significant digits, without sign or point.
    pub digits: String,
    /// The decimal exponent of the first digit (`0.6457` → −1).
    pub exponent: i32,
    /// The shown number equals the value exactly.
    pub exact: bool,
}

impl Shown {
    pub fn new(value: Value, digits: u32) -> Shown {
        let digits = digits.max(1);
        if let Some(d) = value.exact {
            if d.significant_digits() <= digits {
                return Shown::from_decimal(d);
            }
        }
        Shown::rounded(value, digits)
    }

    fn from_decimal(d: Decimal) -> Shown {
        if d.is_zero() {
            return Shown {
                negative: false,
                digits: "0".into(),
                exponent: 0,
                exact: true,
            };
        }
        let all = d.mantissa.unsigned_abs().to_string();
        // 1e37 is `1` and an exponent, not `1.000…0` with 37 zeros: positional notation
        // writes the zeros back where it needs them.
        let digits = all.trim_end_matches('0').to_string();
        Shown {
            negative: d.is_negative(),
            exponent: all.len() as i32 - 1 - d.scale as i32,
            digits,
            exact: true,
        }
    }

    /// The approximate value `f + lo` rounded correctly (an exact decimal with more digits
    /// rounds as its float `f`, as before: its ties are `from_decimal`'s to decide).
    fn rounded(value: Value, digits: u32) -> Shown {
        let f = value.f;
        if f == 0.0 {
            return Shown {
                negative: false,
                digits: "0".into(),
                exponent: 0,
                exact: false,
            };
        }
        // |f + lo| = |f| ± lo.
        let lo = match value.exact {
            Some(_) => 0.0,
            None if f < 0.0 => -value.lo,
            None => value.lo,
        };
        let (digits, exponent) = round_pair(f.abs(), lo, digits as usize);
        Shown {
            negative: f < 0.0,
            digits,
            exponent,
            exact: false,
        }
    }

    /// Whether `value` is shown exactly with `digits` significant digits (no formatting).
    pub fn is_exact(value: Value, digits: u32) -> bool {
        value
            .exact
            .is_some_and(|d| d.significant_digits() <= digits.max(1))
    }

    /// The shown number as an f64.
    pub fn f64(&self) -> f64 {
        let sign = if self.negative { "-" } else { "" };
        format!("{sign}0.{}e{}", self.digits, self.exponent + 1)
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// Whether positional notation reads well (otherwise use `m × 10^e`).
    pub fn positional(&self) -> bool {
        (-4..6).contains(&self.exponent) || (self.exact && (-6..12).contains(&self.exponent))
    }

    /// Positional digits with the point placed, no sign: `0.6457`, `10.89`, `300`.
    pub fn write_positional(&self, out: &mut String) {
        let digits = self.digits.as_str();
        let point = self.exponent + 1; // digits before the point
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-point) as usize));
            out.push_str(digits);
        } else if point as usize >= digits.len() {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
        } else {
            let (int, frac) = digits.split_at(point as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    }

    /// Scientific mantissa text without sign: `1.235`.
    pub fn write_mantissa(&self, out: &mut String) {
        let (first, rest) = self.digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
    }
}

/// The first `count` significant digits of the pair `f + lo` (f positive and finite), correctly
/// rounded, and the decimal exponent of the first.
///
/// `f` alone rounds the same way unless `f + lo` lies across a rounding boundary from it:
/// [`round_significant`] gives f's digits q, standing for the interval q ± ½ in units of
/// 10^p; the pair scaled to those units in double-double (relative error below 1e-29) lies
/// inside it by more than that error in every case but the rare one where the pair sits at a
/// boundary to ~28 digits, or (at 16 and 17 digits, finer than f's last bit) rounds to a
/// neighbour of q. There the pair's exact decimal expansion is rounded, half to even
/// ([`Expansion`], a hundred times slower).
fn round_pair(f: f64, lo: f64, count: usize) -> (String, i32) {
    let (digits, exponent) = round_significant(f, count);
    if lo == 0.0 {
        return (digits, exponent);
    }
    let p = exponent - count as i32 + 1;
    if f.is_normal() && p.abs() < 290 {
        let q: u64 = digits.parse().unwrap_or(0);
        // q exactly as a pair (beyond 2^53 a float does not hold it).
        let q_hi = q as f64;
        let q = Dd::sum_of(q_hi, (i128::from(q) - q_hi as i128) as f64);
        let from_q = Dd::new(f, lo) * ten_to(-p) - q;
        if 0.5 - from_q.hi.abs() > 1e-28 * (q.hi + 1.0) {
            return (digits, exponent);
        }
    }
    Expansion::of_pair(Dd::new(f, lo))
        .round(count)
        .unwrap_or((digits, exponent))
}

/// 10^k as a pair, within 1e-29 relative for |k| < 300 (exact to 10^22).
fn ten_to(k: i32) -> Dd {
    match k {
        0..=22 => Dd::from_f64(10f64.powi(k)),
        23.. => Dd::from_f64(10.0).powi(i64::from(k)),
        _ => Dd::ONE / ten_to(-k),
    }
}

/// The first `count` significant digits of `f` (positive, finite), correctly rounded, and the
/// decimal exponent of the first.
///
/// The shortest decimal that reads back as `f` (`{:e}`, fast) rounds to the same digits as the
/// exact binary value, except when it ends exactly half-way at the cut: another decimal as close
/// to `f` and no longer would otherwise lie between them. Padding it with zeros is right as long
/// as the digits asked for are much coarser than the float's spacing (normal numbers, at most
/// 15 digits). Otherwise the digits are worked out exactly (`{:.*e}`, many times slower).
fn round_significant(f: f64, count: usize) -> (String, i32) {
    let exact = || {
        let text = format!("{:.*e}", count - 1, f);
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        (mantissa.replace('.', ""), exponent.parse().unwrap_or(0))
    };
    if !f.is_normal() || count > 15 {
        return exact();
    }
    // At most 17 digits, a point and an exponent such as `e-308`: written on the stack.
    let mut buffer = [0u8; 32];
    let written = {
        let mut cursor = std::io::Cursor::new(&mut buffer[..]);
        if std::io::Write::write_fmt(&mut cursor, format_args!("{f:e}")).is_err() {
            return exact();
        }
        cursor.position() as usize
    };
    let shortest = &buffer[..written];
    let e_at = shortest.iter().position(|&b| b == b'e').unwrap_or(written);
    let mut exponent: i32 = std::str::from_utf8(&shortest[(e_at + 1).min(written)..])
        .ok()
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    let mut all = [0u8; 32];
    let mut len = 0;
    for &b in shortest[..e_at].iter().filter(|b| b.is_ascii_digit()) {
        all[len] = b;
        len += 1;
    }
    let all = &all[..len];
    if all.len() <= count {
        let mut digits = String::with_capacity(count);
        digits.extend(all.iter().map(|&b| char::from(b)));
        digits.extend(std::iter::repeat_n('0', count - all.len()));
        return (digits, exponent);
    }
    let (kept, rest) = all.split_at(count);
    if rest == b"5" {
        return exact();
    }
    let mut kept = kept.to_vec();
    if rest[0] >= b'5' {
        // Round up, carrying through nines: 9.9996 → 10.00.
        let mut at = count;
        loop {
            if at == 0 {
                kept.insert(0, b'1');
                kept.truncate(count);
                exponent += 1;
                break;
            }
            at -= 1;
            if kept[at] == b'9' {
                kept[at] = b'0';
            } else {
                kept[at] += 1;
                break;
            }
        }
    }
    (String::from_utf8(kept).unwrap_or_default(), exponent)
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        let (a, b, _) = Decimal::aligned(*self, *other)?;
        Some(a.cmp(&b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    macro_rules! decimal_op {
        ($name:ident: $a:literal $op:ident $b:literal => $expected:expr) => {
            #[test]
            fn $name() {
                let result = dec($a).$op(dec($b)).map(|d| d.to_string());
                assert_eq!(result.as_deref(), $expected);
            }
        };
    }

    decimal_op!(adds_tenths_exactly: "0.1" checked_add "0.2" => Some("0.3"));
    decimal_op!(subtracts_to_negative: "0.1" checked_sub "0.35" => Some("-0.25"));
    decimal_op!(multiplies_scales: "0.1" checked_mul "0.2" => Some("0.02"));
    decimal_op!(divides_when_finite: "1" checked_div "8" => Some("0.125"));
    decimal_op!(divides_by_power_of_ten: "3.2" checked_div "100" => Some("0.032"));
    decimal_op!(refuses_repeating_quotient: "1" checked_div "3" => None);
    decimal_op!(refuses_division_by_zero: "1" checked_div "0" => None);

    #[test]
    fn parses_literals() {
        assert_eq!(dec("-0.25").to_string(), "-0.25");
        assert_eq!(dec("1e-3").to_string(), "0.001");
        assert_eq!(dec("2.5E+2").to_string(), "250");
        assert_eq!(dec("007.50").to_string(), "7.5");
        assert_eq!(dec("0").to_string(), "0");
        assert_eq!(Decimal::parse("."), None);
        assert_eq!(Decimal::parse("1x"), None);
    }

    #[test]
    fn extreme_values_are_refused_not_panicked_on() {
        let min = Decimal::new(i128::MIN + 1, 0).unwrap();
        assert_eq!(min.checked_sub(Decimal::ONE), None);
        assert_eq!(
            min.checked_div(Decimal::from_int(-1))
                .map(|d| d.to_string()),
            Some((i128::MAX).to_string())
        );
        assert_eq!(Decimal::from_int(1).powi(i64::MIN), None);
        assert_eq!(Decimal::from_int(1).powi(999_999_999_999), None);
        assert_eq!(Decimal::parse("0e40"), Some(Decimal::ZERO));
        let v = Value::int(2).pow(Value::exact(Decimal::from_int(i64::MIN)));
        assert_eq!(v.exact, None);
    }

    #[test]
    fn numbers_are_below_1e38_exactly_as_the_docs_say() {
        let read = Decimal::read;
        assert_eq!(read("1e38"), Err(Unreadable::TooLarge));
        assert_eq!(read("-1e38"), Err(Unreadable::TooLarge));
        assert_eq!(
            read("100000000000000000000000000000000000000"),
            Err(Unreadable::TooLarge)
        );
        assert_eq!(read("1e99999999999999999999"), Err(Unreadable::TooLarge));
        let nines = "9".repeat(38);
        assert_eq!(read(&nines).map(|d| d.to_string()), Ok(nines.clone()));
        assert_eq!(read("9.9e37").map(|d| d.significant_digits()), Ok(2));
        assert_eq!(
            read("0.00001e38").map(|d| d.to_string()),
            Ok(format!("1{}", "0".repeat(33)))
        );
        // Zero is zero, whatever its exponent; trailing zeros are no digits.
        assert_eq!(read("0e99999999999999999999"), Ok(Decimal::ZERO));
        assert_eq!(read("-0.000e-5"), Ok(Decimal::ZERO));
        assert_eq!(read(&format!("1.{}", "0".repeat(60))), Ok(Decimal::ONE));
        assert_eq!(read("1e-99999999999999999999"), Err(Unreadable::TooPrecise));
        assert_eq!(read("1e-31"), Err(Unreadable::TooPrecise));
        assert_eq!(
            read(&"1".repeat(39).replacen('1', "1.", 1)),
            Err(Unreadable::TooPrecise)
        );
        assert_eq!(read("1e"), Err(Unreadable::Malformed));
        assert_eq!(read("."), Err(Unreadable::Malformed));
    }

    #[test]
    fn exact_powers_of_ten_are_shown_short() {
        let shown = Shown::new(Value::exact(dec("1e37")), 4);
        assert_eq!((shown.digits.as_str(), shown.exponent), ("1", 37));
        let mut out = String::new();
        shown.write_mantissa(&mut out);
        assert_eq!(out, "1");
        // Positional notation puts the zeros back.
        let shown = Shown::new(Value::exact(dec("300")), 4);
        let mut out = String::new();
        shown.write_positional(&mut out);
        assert_eq!(out, "300");
    }

    #[test]
    fn whole_numbers_with_zeros_are_short() {
        assert_eq!(Decimal::parse("40000").unwrap().significant_digits(), 1);
        assert!(Shown::new(Value::exact(Decimal::parse("40000").unwrap()), 4).exact);
    }

    #[test]
    fn article_sum_is_exact() {
        let terms = [("0.1", "1"), ("0.1", "2"), ("0.1", "3")];
        let sum = terms.iter().fold(Value::int(0), |acc, (w, x)| {
            acc + Value::exact(dec(w)) * Value::exact(dec(x))
        });
        assert_eq!(sum.exact, Some(dec("0.6")));
        assert_eq!(sum.f, 0.6);
    }

    #[test]
    fn functions_make_values_approximate() {
        let v = Value::exact(dec("0.6")).map(precise::sigmoid);
        assert_eq!(v.exact, None);
    }

    fn written(write: impl FnOnce(&mut String)) -> String {
        let mut text = String::new();
        write(&mut text);
        text
    }

    macro_rules! shown {
        ($name:ident: $value:expr, $digits:literal => $text:literal, exact $exact:literal) => {
            #[test]
            fn $name() {
                let shown = Shown::new($value, $digits);
                assert_eq!(written(|t| shown.write_positional(t)), $text);
                assert_eq!(shown.exact, $exact);
            }
        };
    }

    shown!(keeps_trailing_zeros: Value::approx(0.859072), 4 => "0.8591", exact false);
    shown!(pads_to_digits: Value::approx(0.85900001), 4 => "0.8590", exact false);
    shown!(exact_short_decimal: Value::exact(Decimal::parse("0.6").unwrap()), 4 => "0.6", exact true);
    shown!(exact_long_decimal_rounds: Value::exact(Decimal::parse("0.123456").unwrap()), 4 => "0.1235", exact false);
    shown!(large_value: Value::approx(10.89230728), 4 => "10.89", exact false);
    shown!(rounds_up_a_decade: Value::approx(9.99999), 3 => "10.0", exact false);
    shown!(small_value: Value::approx(0.00123456), 3 => "0.00123", exact false);

    #[test]
    fn very_small_values_are_not_positional() {
        let shown = Shown::new(Value::approx(1.5e-7), 2);
        assert!(!shown.positional());
        assert_eq!(written(|t| shown.write_mantissa(t)), "1.5");
        assert_eq!(shown.exponent, -7);
    }

    #[test]
    fn rounding_carries_the_shown_number() {
        let v = Value::approx(0.6456563062257954).rounded(4);
        assert_eq!(v.f, 0.6457);
        assert_eq!(v.exact, None);
    }
}

#[cfg(test)]
mod rounding {
    use super::round_significant;
    use crate::precise::{Dd, Expansion};
    use proptest::prelude::*;

    /// What `{:.*e}` (exact, slow) gives: the reference.
    fn exact(f: f64, count: usize) -> (String, i32) {
        let text = format!("{:.*e}", count - 1, f);
        let (mantissa, exponent) = text.split_once('e').unwrap();
        (mantissa.replace('.', ""), exponent.parse().unwrap())
    }

    #[test]
    fn halfway_carries_and_short_values() {
        for (f, count) in [
            (0.125, 2),
            (0.375, 2),
            (2.5, 1),
            (9.9996, 4),
            (9.99949999, 4),
            (0.5, 4),
            (1.0, 4),
            (1e-300, 3),
            (f64::MAX, 4),
            (f64::MIN_POSITIVE, 4),
            (5e-324, 4),
            (0.6456563062257954, 4),
        ] {
            assert_eq!(
                round_significant(f, count),
                exact(f, count),
                "{f} to {count}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn matches_exact_formatting(bits in any::<u64>(), count in 1usize..=17) {
            let f = f64::from_bits(bits).abs();
            prop_assume!(f.is_finite() && f > 0.0);
            prop_assert_eq!(round_significant(f, count), exact(f, count));
        }

        #[test]
        fn pairs_round_as_their_exact_expansion(
            bits in any::<u64>(),
            tail in -1.0f64..1.0,
            count in 1usize..=17,
        ) {
            let f = f64::from_bits(bits).abs();
            prop_assume!(f.is_normal());
            // Any tail a normalised pair can have: below half of f's last bit.
            let ulp = f64::from_bits(f.to_bits() + 1) - f;
            let lo = tail * ulp / 2.0;
            let exact = Expansion::of_pair(Dd::new(f, lo)).round(count).unwrap();
            prop_assert_eq!(super::round_pair(f, lo, count), exact);
        }

        #[test]
        fn pairs_at_a_rounding_boundary_round_exactly(
            m in 1u64..100_000, e in -20i32..20, count in 1usize..=5, tail in -4i32..=4,
        ) {
            // m·10^e is often a tie at `count` digits; the pair nearest it is off by ~1e-33,
            // and a tail of a few units of 1e-30 puts it on either side.
            let decimal = Expansion::parse(&format!("{m}e{e}")).unwrap();
            let f = decimal.to_f64();
            let rest = decimal.add(&Expansion::of_f64(f).negated()).to_f64();
            let lo = rest + f64::from(tail) * 1e-30 * f;
            let lo = if lo.abs() * 2.0 > f64::EPSILON * f { rest } else { lo };
            let exact = Expansion::of_pair(Dd::new(f, lo)).round(count).unwrap();
            prop_assert_eq!(super::round_pair(f, lo, count), exact);
        }

        #[test]
        fn decimals_convert_to_the_nearest_float(mantissa in any::<i64>(), scale in 0u32..30) {
            let d = super::Decimal::new(mantissa.into(), scale).unwrap();
            let parsed: f64 = format!("{mantissa}e-{scale}").parse().unwrap();
            prop_assert_eq!(d.to_f64(), parsed);
        }

        #[test]
        fn matches_exact_formatting_on_short_decimals(m in 1u32..100_000, e in -12i32..12, count in 1usize..=6) {
            // Values such as 0.12345 sit near a half-way point at the cut.
            let f = m as f64 * 10f64.powi(e);
            prop_assert_eq!(round_significant(f, count), exact(f, count));
        }
    }
}
