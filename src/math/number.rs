//! Numbers that know whether they are exact.
//!
//! A hand calculation writes `0.1·1 + 0.1·2 + 0.1·3 = 0.6` with `=`, but `1/(1+exp(−0.6)) ≈ 0.6457`
//! with `≈`. To tell the two apart we carry, beside every f64, the exact value when there is
//! one: numbers typed in the `.nn` file are decimals ([`Decimal`], which the formulas keep too),
//! and `+ − × ÷` keep them exact as rationals ([`Ratio`]): `2/3 · 0.78` is exactly 0.52, which
//! a decimal-only type would have lost at the 2/3. Anything through `exp`, `log`, … is not
//! exact, and neither is a rational that would overflow i128.
//!
//! Exact numbers are shown by their exact decimal expansion, cut by a [`Rounding`] rule (half-up
//! unless asked otherwise), never by the nearest double: 1.2345 is 1.235, not the 1.234 its
//! double (1.23449999…) gives. With `--carry rounded` each carried value is the shown decimal,
//! kept as a rational too ([`Value::carried`]), so the rows combine exactly what they print.

use std::cmp::Ordering;
use std::fmt;
use std::num::NonZeroI128;

use crate::math::precise::{self, i128_to_f64, Dd, Expansion};

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
        // In 64 bits where the mantissa fits: a 128-bit remainder is a library call.
        if let Ok(mut small) = i64::try_from(d.mantissa) {
            while d.scale > 0 && small % 10 == 0 && small != 0 {
                small /= 10;
                d.scale -= 1;
            }
            d.mantissa = small.into();
        }
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
    pub fn to_f64(self) -> f64 {
        if self.scale == 0 {
            return i128_to_f64(self.mantissa);
        }
        // Both exactly representable: one division, correctly rounded (Clinger's fast path).
        const EXACT_POWERS: [f64; 23] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
        ];
        if self.mantissa.unsigned_abs() < 1 << 53 && self.scale < 23 {
            return i128_to_f64(self.mantissa) / EXACT_POWERS[self.scale as usize];
        }
        format!("{}e-{}", self.mantissa, self.scale)
            .parse()
            .unwrap_or(f64::NAN)
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

/// How an exact number is cut to the digits shown when it lies exactly half-way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rounding {
    /// Ties away from zero, as taught at school: 1.2345 → 1.235, −1.2345 → −1.235.
    #[default]
    HalfUp,
    /// Ties to the even digit, as IEEE arithmetic does: 1.2345 → 1.234, 1.2355 → 1.236.
    HalfEven,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        // Most numbers here fit 64 bits: their gcd by shifts and subtractions.
        if let (Ok(a64), Ok(b64)) = (u64::try_from(a), u64::try_from(b)) {
            return binary_gcd(a64, b64).into();
        }
        (a, b) = (b, a % b);
    }
    a
}

/// Stein's gcd: no division, which a 64-bit remainder costs tens of cycles for, in every
/// exact sum and product (the 78,400 of a 784-100-10 forward pass).
fn binary_gcd(mut a: u64, mut b: u64) -> u64 {
    if a == 0 || b == 0 {
        return a | b;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

/// 5^0 … 5^54, the powers of five in i128.
const POWERS_OF_FIVE: [i128; 55] = {
    let mut powers = [1i128; 55];
    let mut k = 1;
    while k < 55 {
        powers[k] = powers[k - 1] * 5;
        k += 1;
    }
    powers
};

/// `a / b` exactly divisible, by 64-bit division where both fit.
#[inline]
fn divide_exactly(a: i128, b: i128) -> i128 {
    if b == 1 {
        return a;
    }
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(a), Ok(b)) if b != -1 => (a / b).into(),
        _ => a / b,
    }
}

/// An exact rational `num/den`, normalised (`den > 0`, no common factor). Arithmetic returns
/// `None` when a numerator or denominator would leave i128, and the caller then treats the
/// result as approximate. `2/3 · 0.78 = 0.52` stays exact this way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: i128,
    /// Positive; nonzero in its type, so that an `Option<Ratio>` (two in every [`Value`])
    /// takes no more room than the ratio.
    den: NonZeroI128,
}

/// 1, as a denominator.
const UNIT: NonZeroI128 = match NonZeroI128::new(1) {
    Some(one) => one,
    None => NonZeroI128::MAX,
};

impl Ratio {
    pub const ZERO: Ratio = Ratio { num: 0, den: UNIT };
    pub const ONE: Ratio = Ratio { num: 1, den: UNIT };

    fn den(&self) -> i128 {
        self.den.get()
    }

    /// `num/den` in lowest terms; `None` for a zero denominator or `i128::MIN` (which has no
    /// negation, so it is never a ratio here).
    pub fn new(num: i128, den: i128) -> Option<Ratio> {
        if den == 0 || num == i128::MIN || den == i128::MIN {
            return None;
        }
        let g = gcd(num.unsigned_abs(), den.unsigned_abs()) as i128;
        let (num, den) = (divide_exactly(num, g), divide_exactly(den, g));
        let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
        Some(Ratio {
            num,
            den: NonZeroI128::new(den)?,
        })
    }

    pub fn from_int(n: i64) -> Ratio {
        Ratio {
            num: n as i128,
            den: UNIT,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.num == 0
    }

    pub fn is_one(&self) -> bool {
        self.num == 1 && self.den() == 1
    }

    pub fn is_negative(&self) -> bool {
        self.num < 0
    }

    /// The integer value, if this is a whole number.
    pub fn as_integer(&self) -> Option<i128> {
        (self.den() == 1).then_some(self.num)
    }

    pub fn negated(self) -> Ratio {
        Ratio {
            num: -self.num,
            den: self.den,
        }
    }

    pub fn checked_add(self, other: Ratio) -> Option<Ratio> {
        let g = gcd(self.den() as u128, other.den() as u128) as i128;
        let den = divide_exactly(self.den(), g).checked_mul(other.den())?;
        let num = self
            .num
            .checked_mul(divide_exactly(other.den(), g))?
            .checked_add(other.num.checked_mul(divide_exactly(self.den(), g))?)?;
        Ratio::new(num, den)
    }

    pub fn checked_sub(self, other: Ratio) -> Option<Ratio> {
        self.checked_add(other.negated())
    }

    pub fn checked_mul(self, other: Ratio) -> Option<Ratio> {
        // Cancelled crosswise first, so that the products stay as small as they can.
        let g1 = gcd(self.num.unsigned_abs(), other.den() as u128).max(1) as i128;
        let g2 = gcd(other.num.unsigned_abs(), self.den() as u128).max(1) as i128;
        Ratio::new(
            divide_exactly(self.num, g1).checked_mul(divide_exactly(other.num, g2))?,
            divide_exactly(self.den(), g2).checked_mul(divide_exactly(other.den(), g1))?,
        )
    }

    /// The exact quotient; `None` for a zero divisor or an overflow.
    pub fn checked_div(self, other: Ratio) -> Option<Ratio> {
        if other.is_zero() {
            return None;
        }
        self.checked_mul(Ratio::new(other.den(), other.num)?)
    }

    /// `self^n` for a whole exponent up to ±1000 (0⁻ⁿ is `None`).
    pub fn powi(self, n: i64) -> Option<Ratio> {
        if n.unsigned_abs() > 1000 {
            return None;
        }
        let mut result = Ratio::from_int(1);
        for _ in 0..n.unsigned_abs() {
            result = result.checked_mul(self)?;
        }
        if n < 0 {
            Ratio::from_int(1).checked_div(result)
        } else {
            Some(result)
        }
    }

    /// The decimal, when the value is a finite one that [`Decimal`] holds (the denominator has
    /// no prime factors but 2 and 5).
    pub fn to_decimal(self) -> Option<Decimal> {
        // The denominator is 2^twos · 5^fives, or the value is no finite decimal; then
        // 10^scale / den is 2^(scale − twos) · 5^(scale − fives), without a division.
        let twos = self.den().trailing_zeros();
        let fives = POWERS_OF_FIVE.binary_search(&(self.den() >> twos)).ok()? as u32;
        let scale = twos.max(fives);
        if scale > 38 {
            return None; // 10^scale leaves i128
        }
        let factor = POWERS_OF_FIVE[(scale - fives) as usize] << (scale - twos);
        Decimal::new(self.num.checked_mul(factor)?, scale)
    }

    /// The nearest f64.
    pub fn to_f64(self) -> f64 {
        const EXACT: u128 = 1 << 53;
        if self.num.unsigned_abs() <= EXACT && (self.den() as u128) <= EXACT {
            // Both exact: one division, correctly rounded.
            return i128_to_f64(self.num) / i128_to_f64(self.den());
        }
        if let Some(d) = self.to_decimal() {
            return d.to_f64();
        }
        // Forty digits leave nothing for the float's own rounding to get wrong in practice.
        let (digits, exponent, _) = ratio_digits(self, 40, Rounding::HalfEven);
        let sign = if self.is_negative() { "-" } else { "" };
        let digits = String::from_utf8(digits).unwrap_or_default();
        format!("{sign}0.{digits}e{}", exponent + 1)
            .parse()
            .unwrap_or(f64::NAN)
    }
}

impl Ratio {
    /// The value as a double-double (within u² relative).
    pub fn to_dd(self) -> Dd {
        if self.den() == 1 {
            return Dd::from_decimal(self.num, 0);
        }
        if let Some(d) = self.to_decimal() {
            return Dd::from_decimal(d.mantissa, d.scale);
        }
        Dd::from_decimal(self.num, 0) / Dd::from_decimal(self.den(), 0)
    }

    /// The nearest float and what it leaves of the value.
    fn split(&self) -> (f64, f64) {
        let f = self.to_f64();
        (f, (self.to_dd() - Dd::from_f64(f)).hi)
    }
}

impl From<Decimal> for Ratio {
    fn from(d: Decimal) -> Ratio {
        // A scale of at most 30 has a power of ten well inside i128.
        let den = pow10(d.scale).unwrap_or(1);
        Ratio::new(d.mantissa, den).unwrap_or(Ratio::ZERO)
    }
}

impl fmt::Display for Ratio {
    /// `0.52` when the value is a finite decimal, `2/3` otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_decimal() {
            Some(d) => write!(f, "{d}"),
            None => write!(f, "{}/{}", self.num, self.den()),
        }
    }
}

/// The digits of `|r|` from the first significant one on: the integer part's, then the
/// fraction's by long division (never overflowing: `10·rem` is worked out modulo `den`).
struct DigitStream {
    integer: Vec<u8>,
    at: usize,
    rem: u128,
    den: u128,
}

impl DigitStream {
    /// The stream and the decimal exponent of its first digit (`r ≠ 0`).
    fn new(r: Ratio) -> (DigitStream, i32) {
        let (num, den) = (r.num.unsigned_abs(), r.den() as u128);
        let integer = num / den;
        let mut stream = DigitStream {
            integer: Vec::new(),
            at: 0,
            rem: num % den,
            den,
        };
        if integer > 0 {
            stream.integer = integer.to_string().into_bytes();
            let exponent = stream.integer.len() as i32 - 1;
            return (stream, exponent);
        }
        let mut exponent = -1;
        // Leading zeros of the fraction; at most 39 (den < 10^39).
        while stream.peek_zero() {
            stream.next_digit();
            exponent -= 1;
        }
        (stream, exponent)
    }

    fn peek_zero(&self) -> bool {
        // The next fraction digit is 0 when 10·rem < den.
        self.integer.is_empty() && self.rem < self.den.div_ceil(10)
    }

    fn next_digit(&mut self) -> u8 {
        if self.at < self.integer.len() {
            self.at += 1;
            return self.integer[self.at - 1];
        }
        if let Ok(den) = u64::try_from(self.den) {
            if den <= u64::MAX / 10 {
                // 10·rem fits 64 bits: one division.
                let scaled = self.rem as u64 * 10;
                self.rem = (scaled % den).into();
                return b'0' + (scaled / den) as u8;
            }
        }
        let (mut digit, mut acc) = (0u8, 0u128);
        for _ in 0..10 {
            if acc >= self.den - self.rem {
                acc -= self.den - self.rem;
                digit += 1;
            } else {
                acc += self.rem;
            }
        }
        self.rem = acc;
        b'0' + digit
    }

    /// Whether anything nonzero is left.
    fn rest_nonzero(&self) -> bool {
        self.rem != 0 || self.integer[self.at..].iter().any(|&d| d != b'0')
    }
}

/// The first `count` significant digits of `|r|` (nonzero), rounded by `rounding`, the decimal
/// exponent of the first, and whether they are the whole value (nothing was cut off).
fn ratio_digits(r: Ratio, count: usize, rounding: Rounding) -> (Vec<u8>, i32, bool) {
    let (mut stream, mut exponent) = DigitStream::new(r);
    let mut kept: Vec<u8> = (0..count).map(|_| stream.next_digit()).collect();
    let next = stream.next_digit();
    let sticky = stream.rest_nonzero();
    let whole = next == b'0' && !sticky;
    let up = match rounding {
        Rounding::HalfUp => next >= b'5',
        Rounding::HalfEven => {
            next > b'5' || (next == b'5' && (sticky || kept.last().is_some_and(|d| d % 2 == 1)))
        }
    };
    if up && !carry_up(&mut kept) {
        exponent += 1;
    }
    (kept, exponent, whole)
}

/// Adds one in the last place, carrying through nines (9.9996 → 10.00); `false` when the
/// carry went past the first digit, which then reads `10…0` cut to the same length.
fn carry_up(kept: &mut Vec<u8>) -> bool {
    for d in kept.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return true;
        }
    }
    kept.insert(0, b'1');
    kept.pop();
    false
}

/// A computed number: its f64 value, and its exact value when it has one.
///
/// A value has at most one rational: the value itself exactly, or (with `--carry rounded`)
/// what the shown numbers it comes from give. Keeping one `Option<Ratio>` and a flag instead
/// of one of each keeps a value at 64 bytes: the 784-100-10 network makes millions, and fresh
/// heap pages are zeroed by the kernel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Value {
    /// The nearest f64 to the value (see `precise`: `f + lo` is the value to ~32 digits).
    pub f: f64,
    /// What `f` leaves of the value, below half its last bit.
    pub lo: f64,
    /// The rational this value computes with: see [`Value::exact`] and [`Value::carried`].
    rational: Option<Ratio>,
    /// Whether `rational` is carried (not the true value); false when there is none.
    carried: bool,
    /// At least this many significant digits where it is shown (0: as many as the others):
    /// set on a number in a row whose shown numbers would otherwise leave the real numbers.
    pub digits: u8,
}

impl Value {
    pub fn decimal(d: Decimal) -> Value {
        let f = d.to_f64();
        Value {
            f,
            lo: (Dd::from_decimal(d.mantissa, d.scale) - Dd::from_f64(f)).hi,
            rational: Some(Ratio::from(d)),
            carried: false,
            digits: 0,
        }
    }

    /// An exact rational value.
    pub fn ratio(r: Ratio) -> Value {
        let (f, lo) = r.split();
        Value {
            f,
            lo,
            rational: Some(r),
            carried: false,
            digits: 0,
        }
    }

    /// A value computed from rounded, carried numbers: exactly `r` in their arithmetic.
    pub fn from_carried(r: Ratio) -> Value {
        let (f, lo) = r.split();
        Value {
            f,
            lo,
            rational: Some(r),
            carried: true,
            digits: 0,
        }
    }

    /// The value exactly, when it is known (numbers from the file and `+ − × ÷` of them).
    pub fn exact(&self) -> Option<Ratio> {
        self.rational.filter(|_| !self.carried)
    }

    /// With `--carry rounded`: what the shown, rounded numbers this value comes from give
    /// exactly (`0.6457 − 0.6457 = 0`, no float residue). It is not the true value, so it is
    /// never shown with `=`; `None` when `exact` is known.
    pub fn carried(&self) -> Option<Ratio> {
        self.rational.filter(|_| self.carried)
    }

    /// This value, shown with at least `digits` significant digits.
    pub fn with_digits(self, digits: u8) -> Value {
        Value { digits, ..self }
    }

    pub fn approx(f: f64) -> Value {
        Value::precise(Dd::from_f64(f))
    }

    /// An approximate value known to double-double precision.
    pub fn precise(d: Dd) -> Value {
        Value {
            f: d.hi,
            lo: d.lo,
            rational: None,
            carried: false,
            digits: 0,
        }
    }

    /// The value as a double-double.
    pub fn dd(&self) -> Dd {
        Dd::new(self.f, self.lo)
    }

    pub fn int(n: i64) -> Value {
        Value::ratio(Ratio::from_int(n))
    }

    /// The rational this value computes with: exact, or carried.
    pub fn rational(&self) -> Option<Ratio> {
        self.rational
    }

    fn is_exact_zero(&self) -> bool {
        self.exact().is_some_and(|r| r.is_zero())
    }

    fn is_zero_rational(&self) -> bool {
        self.rational().is_some_and(|r| r.is_zero())
    }

    /// The result of an operation: exact when both operands are, carried when both have a
    /// rational but one is carried, otherwise `approx` in double-double (a compensated sum,
    /// for `+`).
    fn combine(
        self,
        other: Value,
        approx: impl FnOnce(Dd, Dd) -> Dd,
        exact: impl FnOnce(Ratio, Ratio) -> Option<Ratio>,
    ) -> Value {
        let (Some(a), Some(b)) = (self.rational(), other.rational()) else {
            return Value::precise(approx(self.dd(), other.dd()));
        };
        match exact(a, b) {
            Some(r) if !self.carried && !other.carried => Value::ratio(r),
            Some(r) => Value::from_carried(r),
            None => Value::precise(approx(self.dd(), other.dd())),
        }
    }

    pub fn pow(self, exponent: Value) -> Value {
        let whole = exponent
            .exact()
            .and_then(|d| d.as_integer())
            .and_then(|n| i64::try_from(n).ok())
            .filter(|n| n.unsigned_abs() <= 64);
        match (self.rational(), whole) {
            (Some(base), Some(n)) => match base.powi(n) {
                Some(r) if !self.carried => Value::ratio(r),
                Some(r) => Value::from_carried(r),
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
    /// numbers from row to row writes it down: the shown decimal, carried exactly. Exact
    /// values that already fit stay exact; a float 0 stays a float (it may be an underflow).
    pub fn rounded(self, digits: u32, rounding: Rounding) -> Value {
        let shown = Shown::new(self, digits, rounding);
        if shown.exact || (self.rational().is_none() && (self.f == 0.0 || !self.f.is_finite())) {
            return self;
        }
        match shown.ratio() {
            Some(r) => Value::from_carried(r),
            None => Value::approx(shown.f64()),
        }
    }
}

impl std::ops::Add for Value {
    type Output = Value;
    fn add(self, other: Value) -> Value {
        self.combine(other, |a, b| a + b, Ratio::checked_add)
    }
}

impl std::ops::Sub for Value {
    type Output = Value;
    fn sub(self, other: Value) -> Value {
        self.combine(other, |a, b| a - b, Ratio::checked_sub)
    }
}

impl std::ops::Mul for Value {
    type Output = Value;
    fn mul(self, other: Value) -> Value {
        // Zero times anything finite is exactly zero (a relu derivative of 0, say), and a
        // carried zero stays one.
        if self.is_exact_zero() || other.is_exact_zero() {
            return Value::int(0);
        }
        if self.is_zero_rational() || other.is_zero_rational() {
            return Value::from_carried(Ratio::ZERO);
        }
        self.combine(other, |a, b| a * b, Ratio::checked_mul)
    }
}

/// Division; the caller rules out a zero divisor. An exact 0 divided by anything is exactly 0
/// (`0/0.6225` in cross-entropy with a target of 0).
impl std::ops::Div for Value {
    type Output = Value;
    fn div(self, other: Value) -> Value {
        if self.is_exact_zero() {
            return Value::int(0);
        }
        if self.is_zero_rational() {
            return Value::from_carried(Ratio::ZERO);
        }
        self.combine(other, |a, b| a / b, Ratio::checked_div)
    }
}

impl std::ops::Neg for Value {
    type Output = Value;
    fn neg(self) -> Value {
        Value {
            f: -self.f,
            lo: -self.lo,
            rational: self.rational.map(Ratio::negated),
            carried: self.carried,
            digits: self.digits,
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
    /// `value` with `digits` significant digits. A number with a rational (exact or carried)
    /// is cut by its exact decimal and `rounding`; an exact one that fits is shown whole, with
    /// no trailing zeros (`0.6`), anything else with all `digits` (`0.8590`).
    pub fn new(value: Value, digits: u32, rounding: Rounding) -> Shown {
        Shown::with(value, digits, rounding, Shown::clone)
    }

    /// What `use_it` makes of [`Shown::new`]'s `Shown`, lent from the values this thread
    /// remembers rather than copied: the printer writes every number of every row, and a copy
    /// is a `String` each time.
    pub fn with<R>(
        value: Value,
        digits: u32,
        rounding: Rounding,
        use_it: impl FnOnce(&Shown) -> R,
    ) -> R {
        /// Values remembered on each thread, by a hash of their float: a row shows the same
        /// δ, input or rate as the rows around it, and the printer asks twice for a lone value
        /// (to choose its parentheses, then to write it); 1,024 hold a layer's inputs, which
        /// every unit's gradient rows show again.
        const BITS: u32 = 10;
        const RECENT: usize = 1 << BITS;
        type Recent = [Option<(Value, u32, Rounding, Shown)>; RECENT];
        thread_local! {
            static SEEN: std::cell::RefCell<Recent> =
                const { std::cell::RefCell::new([const { None }; RECENT]) };
        }
        // The same value to the bit: `==` on floats holds 0 and -0 equal.
        let same = |a: &Value, b: &Value| {
            a.f.to_bits() == b.f.to_bits()
                && a.lo.to_bits() == b.lo.to_bits()
                && a.rational == b.rational
                && a.carried == b.carried
                && a.digits == b.digits
        };
        let slot = ((value.f.to_bits() ^ value.lo.to_bits().rotate_left(32))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            >> (64 - BITS)) as usize;
        SEEN.with(|seen| {
            let Ok(mut seen) = seen.try_borrow_mut() else {
                return use_it(&Shown::compute(value, digits, rounding));
            };
            let entry = &mut seen[slot];
            if !entry
                .as_ref()
                .is_some_and(|(v, d, r, _)| same(v, &value) && *d == digits && *r == rounding)
            {
                *entry = None;
            }
            let (.., shown) = entry.get_or_insert_with(|| {
                (
                    value,
                    digits,
                    rounding,
                    Shown::compute(value, digits, rounding),
                )
            });
            use_it(shown)
        })
    }

    /// [`Shown::new`] worked out.
    fn compute(value: Value, digits: u32, rounding: Rounding) -> Shown {
        let digits = digits.max(value.digits.into()).max(1);
        match value.rational() {
            Some(r) => Shown::from_ratio(r, digits, rounding, value.exact().is_some()),
            None => Shown::rounded(value, digits),
        }
    }

    fn from_ratio(r: Ratio, digits: u32, rounding: Rounding, exact: bool) -> Shown {
        if r.is_zero() {
            return Shown {
                negative: false,
                digits: "0".into(),
                exponent: 0,
                exact,
            };
        }
        let (kept, exponent, whole) = ratio_digits(r, digits as usize, rounding);
        let mut text = String::from_utf8(kept).unwrap_or_default();
        let exact = exact && whole;
        if exact {
            // 1e37 is `1` and an exponent, not `1.000…0`: positional notation writes the
            // zeros back where it needs them.
            text.truncate(text.trim_end_matches('0').len().max(1));
        }
        Shown {
            negative: r.is_negative(),
            digits: text,
            exponent,
            exact,
        }
    }

    /// The approximate value `f + lo`, rounded correctly.
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
        let lo = if f < 0.0 { -value.lo } else { value.lo };
        let (digits, exponent) = round_pair(f.abs(), lo, digits as usize);
        Shown {
            negative: f < 0.0,
            digits,
            exponent,
            exact: false,
        }
    }

    /// A decimal from the file with all its significant digits, read straight off its
    /// mantissa: what [`Shown::new`] makes of `Value::decimal(d)` at that many digits or
    /// more, without the rational's long division (every given weight is written so).
    pub fn of_decimal(d: Decimal) -> Shown {
        let m = d.mantissa.unsigned_abs();
        if m == 0 {
            return Shown {
                negative: false,
                digits: "0".into(),
                exponent: 0,
                exact: true,
            };
        }
        let mut digits = match u64::try_from(m) {
            Ok(small) => small.to_string(),
            Err(_) => m.to_string(),
        };
        let exponent = digits.len() as i32 - 1 - d.scale as i32;
        digits.truncate(digits.trim_end_matches('0').len());
        Shown {
            negative: d.mantissa < 0,
            digits,
            exponent,
            exact: true,
        }
    }

    /// Whether `value` is shown exactly with `digits` significant digits.
    pub fn is_exact(value: Value, digits: u32) -> bool {
        let digits = digits.max(value.digits.into()).max(1);
        value
            .exact()
            .is_some_and(|r| r.is_zero() || ratio_digits(r, digits as usize, Rounding::HalfUp).2)
    }

    /// The shown number exactly, when its digits make a decimal (always, but for absurd
    /// exponents).
    pub fn ratio(&self) -> Option<Ratio> {
        let mantissa: i128 = self.digits.parse().ok()?;
        let mantissa = if self.negative { -mantissa } else { mantissa };
        // digits · 10^(exponent − len + 1)
        let shift = self.exponent - self.digits.len() as i32 + 1;
        if shift >= 0 {
            Ratio::new(mantissa.checked_mul(pow10(shift as u32)?)?, 1)
        } else {
            Ratio::new(mantissa, pow10(shift.unsigned_abs())?)
        }
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
    if let Some(shown) = round_pair_scaled(f, lo, count) {
        return shown;
    }
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
        // Below a q that a carry made a power of ten (9995 → 1.00e4), the neighbour is a
        // tenth of a unit away (9.99e3), so the boundary is 0.05 below, not 0.5.
        let carried = digits
            .strip_prefix('1')
            .is_some_and(|rest| rest.bytes().all(|d| d == b'0'));
        let half = if carried && from_q.hi < 0.0 {
            0.05
        } else {
            0.5
        };
        if half - from_q.hi.abs() > 1e-28 * (q.hi + 1.0) {
            return (digits, exponent);
        }
    }
    Expansion::of_pair(Dd::new(f, lo))
        .round(count)
        .unwrap_or((digits, exponent))
}

/// [`round_pair`] without a decimal string, in the common case: the pair scaled in
/// double-double so that `count` digits are before the point (relative error below 1e-29),
/// and the nearest integer to it, when the pair is farther than that error from half-way
/// between two integers. `None` near a boundary, beyond 15 digits (the integer no longer fits
/// a float's 53 bits with room) and for subnormal or extreme numbers: [`round_pair`]'s
/// slower ways then decide. Formatting the float (`{:e}`) was most of the cost of showing a
/// number.
fn round_pair_scaled(f: f64, lo: f64, count: usize) -> Option<(String, i32)> {
    if !f.is_normal() || count > 15 {
        return None;
    }
    // The first digit's exponent, from the float; wrong by one near a power of ten, where
    // the scaled pair falls out of [10^(count−1), 10^count) and the exponent is moved.
    let mut exponent = f.log10().floor() as i32;
    let low = 10f64.powi(count as i32 - 1);
    let high = low * 10.0;
    for _ in 0..3 {
        let p = exponent - count as i32 + 1;
        if p.abs() >= 290 {
            return None;
        }
        let scaled = Dd::new(f, lo) * ten_to(-p);
        if scaled.hi < low {
            exponent -= 1;
            continue;
        }
        if scaled.hi >= high {
            exponent += 1;
            continue;
        }
        let q = scaled.hi.round();
        let from_q = scaled - Dd::from_f64(q);
        if 0.5 - from_q.hi.abs() <= 1e-28 * (q + 1.0) {
            return None;
        }
        if q >= high {
            // 9999.6 → 1.000e4.
            let mut digits = String::with_capacity(count);
            digits.push('1');
            digits.extend(std::iter::repeat_n('0', count - 1));
            return Some((digits, exponent + 1));
        }
        return Some((integer_digits(q as u64, count), exponent));
    }
    None
}

/// `n`'s `count` decimal digits, leading zeros included.
fn integer_digits(mut n: u64, count: usize) -> String {
    let mut buffer = [b'0'; 20];
    for at in (0..count).rev() {
        buffer[at] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    buffer[..count].iter().map(|&b| char::from(b)).collect()
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

    #[test]
    fn a_remembered_value_is_shown_as_worked_out_and_only_for_itself() {
        // 0.1 given (exact) and 0.1 computed (a float): the same float, shown differently.
        let given = Value::decimal(dec("0.1"));
        let computed = Value::approx(0.1);
        assert_eq!(given.f.to_bits(), computed.f.to_bits());
        let zero = Value::approx(0.0);
        let negative_zero = Value::approx(-0.0);
        let values = [
            given,
            computed,
            zero,
            negative_zero,
            -given,
            Value::int(7) / Value::int(3),
        ];
        for _ in 0..2 {
            for v in values {
                for (digits, rounding) in [(4, Rounding::HalfUp), (2, Rounding::HalfEven)] {
                    assert_eq!(
                        Shown::new(v, digits, rounding),
                        Shown::compute(v, digits, rounding),
                        "{v:?} at {digits}"
                    );
                }
            }
        }
        assert_eq!(Shown::new(given, 4, Rounding::HalfUp).digits, "1");
        assert_eq!(Shown::new(computed, 4, Rounding::HalfUp).digits, "1000");
    }

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
        let v = Value::int(2).pow(Value::decimal(Decimal::from_int(i64::MIN)));
        assert_eq!(v.exact(), None);
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
        let shown = Shown::new(Value::decimal(dec("1e37")), 4, Rounding::HalfUp);
        assert_eq!((shown.digits.as_str(), shown.exponent), ("1", 37));
        let mut out = String::new();
        shown.write_mantissa(&mut out);
        assert_eq!(out, "1");
        // Positional notation puts the zeros back.
        let shown = Shown::new(Value::decimal(dec("300")), 4, Rounding::HalfUp);
        let mut out = String::new();
        shown.write_positional(&mut out);
        assert_eq!(out, "300");
    }

    #[test]
    fn whole_numbers_with_zeros_are_short() {
        assert_eq!(Decimal::parse("40000").unwrap().significant_digits(), 1);
        assert!(
            Shown::new(
                Value::decimal(Decimal::parse("40000").unwrap()),
                4,
                Rounding::HalfUp
            )
            .exact
        );
    }

    #[test]
    fn article_sum_is_exact() {
        let terms = [("0.1", "1"), ("0.1", "2"), ("0.1", "3")];
        let sum = terms.iter().fold(Value::int(0), |acc, (w, x)| {
            acc + Value::decimal(dec(w)) * Value::decimal(dec(x))
        });
        assert_eq!(sum.exact(), Some(Ratio::from(dec("0.6"))));
        assert_eq!(sum.f, 0.6);
    }

    #[test]
    fn functions_make_values_approximate() {
        let v = Value::decimal(dec("0.6")).map(precise::sigmoid);
        assert_eq!(v.exact(), None);
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
                let shown = Shown::new($value, $digits, Rounding::HalfUp);
                assert_eq!(written(|t| shown.write_positional(t)), $text);
                assert_eq!(shown.exact, $exact);
            }
        };
    }

    shown!(keeps_trailing_zeros: Value::approx(0.859072), 4 => "0.8591", exact false);
    shown!(pads_to_digits: Value::approx(0.85900001), 4 => "0.8590", exact false);
    shown!(exact_short_decimal: Value::decimal(Decimal::parse("0.6").unwrap()), 4 => "0.6", exact true);
    shown!(exact_long_decimal_rounds: Value::decimal(Decimal::parse("0.123456").unwrap()), 4 => "0.1235", exact false);
    shown!(large_value: Value::approx(10.89230728), 4 => "10.89", exact false);
    shown!(rounds_up_a_decade: Value::approx(9.99999), 3 => "10.0", exact false);
    shown!(small_value: Value::approx(0.00123456), 3 => "0.00123", exact false);

    #[test]
    fn very_small_values_are_not_positional() {
        let shown = Shown::new(Value::approx(1.5e-7), 2, Rounding::HalfUp);
        assert!(!shown.positional());
        assert_eq!(written(|t| shown.write_mantissa(t)), "1.5");
        assert_eq!(shown.exponent, -7);
    }

    fn ratio(a: i128, b: i128) -> Ratio {
        Ratio::new(a, b).unwrap()
    }

    #[test]
    fn an_absent_rational_takes_no_room_of_its_own() {
        // Every value holds two: the denominator's niche keeps them at 32 bytes each.
        assert_eq!(
            std::mem::size_of::<Option<Ratio>>(),
            std::mem::size_of::<Ratio>()
        );
        assert_eq!(std::mem::size_of::<Value>(), 64);
    }

    #[test]
    fn rationals_are_normalised_and_exact() {
        assert_eq!(ratio(4, -6), ratio(-2, 3));
        assert_eq!(ratio(0, -7), Ratio::ZERO);
        assert_eq!(Ratio::new(1, 0), None);
        let third = ratio(1, 3);
        assert_eq!(third.checked_add(third).unwrap(), ratio(2, 3));
        assert_eq!(ratio(1, 6).checked_sub(ratio(1, 2)).unwrap(), ratio(-1, 3));
        assert_eq!(ratio(2, 3).checked_div(ratio(-4, 9)).unwrap(), ratio(-3, 2));
        assert_eq!(ratio(2, 3).powi(-2).unwrap(), ratio(9, 4));
        assert_eq!(Ratio::ZERO.powi(-1), None);
        assert_eq!(ratio(1, 3).to_decimal(), None);
        assert_eq!(ratio(1, 8).to_decimal(), Some(dec("0.125")));
        assert_eq!(ratio(2, 3).to_string(), "2/3");
        assert_eq!(ratio(-13, 25).to_string(), "-0.52");
    }

    #[test]
    fn two_thirds_of_a_decimal_can_be_exact() {
        // mean_squared's 2/K: (2/3)·(0 − (−0.78)) = 0.52 exactly.
        let two_thirds = Value::int(2) / Value::int(3);
        assert_eq!(two_thirds.exact(), Some(ratio(2, 3)));
        assert!(!Shown::is_exact(two_thirds, 17));
        let delta = two_thirds * (Value::int(0) - Value::decimal(dec("-0.78")));
        assert_eq!(delta.exact(), Some(Ratio::from(dec("0.52"))));
        assert_eq!(delta.f, 0.52);
        let shown = Shown::new(delta, 4, Rounding::HalfUp);
        assert!(shown.exact);
        assert_eq!(written(|t| shown.write_positional(t)), "0.52");
        let shown = Shown::new(two_thirds, 4, Rounding::HalfUp);
        assert!(!shown.exact);
        assert_eq!(written(|t| shown.write_positional(t)), "0.6667");
    }

    #[test]
    fn overflow_falls_back_to_approximate() {
        let big = Value::ratio(ratio(1, 3_i128.pow(41)));
        let product = big * big;
        assert_eq!(product.exact(), None);
        assert!((product.f - 3f64.powi(-82)).abs() <= 1e-15 * product.f);
        let huge = Value::decimal(dec("1e37"));
        assert_eq!((huge * huge).exact(), None);
        assert_eq!((huge * huge).f, 1e74);
        // A sum whose common denominator leaves i128.
        let sum = Value::ratio(ratio(1, 3_i128.pow(40))) + Value::ratio(ratio(1, 7_i128.pow(23)));
        assert_eq!(sum.exact(), None);
        assert!(sum.f > 0.0);
    }

    #[test]
    fn exact_zero_divided_is_exact_zero() {
        let y = Value::approx(0.6224593312018546);
        let q = Value::int(0) / y;
        assert_eq!(q.exact(), Some(Ratio::ZERO));
        // An unchanged weight stays exact: 0.5 − 1·0 = 0.5.
        let w = Value::decimal(dec("0.5")) - Value::int(1) * (Value::decimal(dec("-0.235")) * q);
        assert_eq!(w.exact(), Some(Ratio::from(dec("0.5"))));
        assert!(Shown::is_exact(w, 4));
    }

    macro_rules! ties {
        ($name:ident: $text:literal, $digits:literal => up $up:literal, even $even:literal) => {
            #[test]
            fn $name() {
                let v = Value::decimal(dec($text));
                for (rounding, expected) in [(Rounding::HalfUp, $up), (Rounding::HalfEven, $even)] {
                    let shown = Shown::new(v, $digits, rounding);
                    let mut text = String::new();
                    if shown.negative {
                        text.push('-');
                    }
                    shown.write_positional(&mut text);
                    assert_eq!(
                        text, expected,
                        "{} at {} digits, {rounding:?}",
                        $text, $digits
                    );
                    assert!(!shown.exact);
                }
            }
        };
    }

    ties!(half_up_rounds_ties_away_from_zero: "1.2345", 4 => up "1.235", even "1.234");
    ties!(negative_ties_round_away_from_zero: "-1.2345", 4 => up "-1.235", even "-1.234");
    ties!(tie_below_one: "0.78125", 4 => up "0.7813", even "0.7812");
    ties!(tie_to_an_even_digit_above: "1.2355", 4 => up "1.236", even "1.236");
    ties!(not_a_tie_just_above: "1.234500001", 4 => up "1.235", even "1.235");
    ties!(not_a_tie_just_below: "1.234499999", 4 => up "1.234", even "1.234");
    ties!(tie_carries_through_nines: "9.9995", 4 => up "10.00", even "10.00");
    ties!(tie_in_a_large_number: "12345", 4 => up "12350", even "12340");
    ties!(tie_of_a_small_number: "0.00012345", 4 => up "0.0001235", even "0.0001234");

    #[test]
    fn a_pair_just_below_a_carry_keeps_its_lower_digits() {
        // 9995 − 1e-26 is 9.99e3 at three digits, though the float 9995 alone ties to 1.00e4.
        let lo = -9995e-30;
        assert_eq!(round_pair(9995.0, lo, 3), ("999".to_string(), 3));
        assert_eq!(round_pair(9995.0, -lo, 3), ("100".to_string(), 4));
        assert_eq!(round_pair(0.95, -1e-20, 1), ("9".to_string(), -1));
        // The common case is decided by scaling, near a boundary it is not.
        assert_eq!(
            round_pair_scaled(0.6456563062257954, 1e-17, 4),
            Some(("6457".to_string(), -1))
        );
        assert_eq!(
            round_pair_scaled(9999.6, 0.0, 4),
            Some(("1000".to_string(), 4))
        );
        assert_eq!(round_pair_scaled(0.125, 0.0, 2), None);
    }

    #[test]
    fn a_repeating_fraction_rounds_by_its_digits() {
        // 1/6 = 0.1666…: no tie, but the float 0.16666666666666666 agrees only by luck.
        let sixth = Value::int(1) / Value::int(6);
        let shown = Shown::new(sixth, 3, Rounding::HalfEven);
        assert_eq!((shown.digits.as_str(), shown.exponent), ("167", -1));
        // 5/7 ≈ 0.714285714…, and −5/7.
        let shown = Shown::new(-(Value::int(5) / Value::int(7)), 6, Rounding::HalfUp);
        assert_eq!((shown.negative, shown.digits.as_str()), (true, "714286"));
        // Denominators beyond 10³⁷ still give their digits (10·rem would not fit).
        let r = ratio(i128::MAX / 3, i128::MAX - 1);
        let shown = Shown::new(Value::ratio(r), 5, Rounding::HalfUp);
        assert_eq!((shown.digits.as_str(), shown.exponent), ("33333", -1));
    }

    #[test]
    fn carried_values_combine_without_float_residue() {
        // As shown: 0.6457 and 0.3543; their float sum is not 1, nor their difference exact.
        let a = Value::approx(0.6456563062257954).rounded(4, Rounding::HalfUp);
        let b = Value::approx(0.35434369377420455).rounded(4, Rounding::HalfUp);
        assert_eq!(a.carried(), Some(Ratio::from(dec("0.6457"))));
        assert_eq!(a.exact(), None);
        assert_eq!((a + b).carried(), Some(Ratio::ONE));
        assert_eq!((a - a).carried(), Some(Ratio::ZERO));
        // Never shown as exact, though its digits are all there.
        assert!(!Shown::new(a + b, 4, Rounding::HalfUp).exact);
        assert!(!Shown::is_exact(a + b, 4));
        // Carried ties round by their exact decimal too: 0.5·0.2469 = 0.12345.
        let half = Value::decimal(dec("0.5"));
        let c = Value::approx(0.24687).rounded(4, Rounding::HalfUp);
        let product = half * c;
        assert_eq!(product.carried(), Some(Ratio::from(dec("0.12345"))));
        assert_eq!(
            product.rounded(4, Rounding::HalfUp).carried(),
            Some(Ratio::from(dec("0.1235")))
        );
        assert_eq!(
            product.rounded(4, Rounding::HalfEven).carried(),
            Some(Ratio::from(dec("0.1234")))
        );
        // A given number with more digits is carried as shown: 3·1.235 = 3.705.
        let x = Value::decimal(dec("1.23456")).rounded(4, Rounding::HalfUp);
        assert_eq!(
            (Value::int(3) * x).carried(),
            Some(Ratio::from(dec("3.705")))
        );
        // An exact number that fits stays exact, and a float 0 stays a float.
        let w = Value::decimal(dec("0.25"));
        assert_eq!(w.rounded(4, Rounding::HalfUp), w);
        assert_eq!(
            Value::approx(0.0).rounded(4, Rounding::HalfUp),
            Value::approx(0.0)
        );
    }

    #[test]
    fn rationals_convert_to_the_nearest_float() {
        assert_eq!(ratio(2, 3).to_f64(), 2.0 / 3.0);
        assert_eq!(ratio(-1, 10).to_f64(), -0.1);
        // Beyond 2^53 on both sides: through the decimal or forty digits.
        let r = ratio(10_i128.pow(30) + 1, 3 * 10_i128.pow(20));
        let expected: f64 = "3333333333.33333333333666666666667".parse().unwrap();
        assert_eq!(r.to_f64(), expected);
        let r = ratio(1, 10_i128.pow(25));
        assert_eq!(r.to_f64(), 1e-25);
    }

    #[test]
    fn rounding_carries_the_shown_number() {
        let v = Value::approx(0.6456563062257954).rounded(4, Rounding::HalfUp);
        assert_eq!(v.f, 0.6457);
        assert_eq!(v.exact(), None);
    }
}

#[cfg(test)]
mod exact_arithmetic {
    use super::{binary_gcd, pow10, Decimal, Ratio};
    use proptest::prelude::*;

    fn euclid(mut a: u64, mut b: u64) -> u64 {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }

    /// The decimal of a ratio by dividing out the fives one by one (what `to_decimal` did).
    fn by_division(r: Ratio) -> Option<Decimal> {
        let twos = r.den().trailing_zeros();
        let mut den = r.den() >> twos;
        let mut fives = 0u32;
        while den > 1 && den % 5 == 0 {
            den /= 5;
            fives += 1;
        }
        if den != 1 {
            return None;
        }
        let scale = twos.max(fives);
        let factor = pow10(scale)? / r.den();
        Decimal::new(r.num.checked_mul(factor)?, scale)
    }

    #[test]
    fn gcd_of_zero_and_extremes() {
        for (a, b) in [
            (0, 0),
            (0, 7),
            (7, 0),
            (u64::MAX, u64::MAX),
            (u64::MAX, 1),
            (1 << 63, 1 << 62),
        ] {
            assert_eq!(binary_gcd(a, b), euclid(a, b), "{a}, {b}");
        }
    }

    #[test]
    fn decimals_of_every_power_of_ten_and_beyond() {
        for scale in 0..=40u32 {
            for num in [1i128, -3, 7, 10, 123_456_789, i128::MAX / 3] {
                for den in [
                    pow10(scale),
                    pow10(scale).and_then(|p| p.checked_mul(3)),
                    Some(1 << scale.min(120)),
                ] {
                    if let Some(r) = den.and_then(|den| Ratio::new(num, den)) {
                        assert_eq!(r.to_decimal(), by_division(r), "{num}/{den:?}");
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn decimals_lose_their_trailing_zeros_as_by_128_bit_division(
            mantissa in any::<i128>(),
            small in any::<i64>(),
            zeros in 0u32..12,
            scale in 0u32..40,
        ) {
            for m in [mantissa, i128::from(small), i128::from(small).saturating_mul(pow10(zeros).unwrap_or(1))] {
                let mut d = (m != i128::MIN).then_some(Decimal { mantissa: m, scale });
                if let Some(d) = d.as_mut() {
                    while d.scale > 0 && d.mantissa % 10 == 0 {
                        d.mantissa /= 10;
                        d.scale -= 1;
                    }
                    if d.mantissa == 0 {
                        *d = Decimal::ZERO;
                    }
                }
                let expected = d.filter(|d| d.scale <= super::MAX_SCALE);
                prop_assert_eq!(Decimal::new(m, scale), expected);
            }
        }

        #[test]
        fn binary_gcd_is_euclids(a in any::<u64>(), b in any::<u64>(), shift in 0u32..40) {
            prop_assert_eq!(binary_gcd(a, b), euclid(a, b));
            let (a, b) = (a >> shift << shift, b >> (shift / 2) << (shift / 2));
            prop_assert_eq!(binary_gcd(a, b), euclid(a, b));
        }

        #[test]
        fn to_decimal_is_division_of_the_fives(
            num in any::<i64>(),
            twos in 0u32..70,
            fives in 0u32..50,
            other in prop::sample::select(vec![1i128, 3, 7, 9]),
        ) {
            let den = (1i128 << twos).checked_mul(super::POWERS_OF_FIVE[fives as usize]);
            if let Some(r) = den.and_then(|d| d.checked_mul(other)).and_then(|d| Ratio::new(num.into(), d)) {
                prop_assert_eq!(r.to_decimal(), by_division(r));
            }
        }
    }
}

#[cfg(test)]
mod rounding {
    use super::round_significant;
    use crate::math::precise::{Dd, Expansion};
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
        fn decimals_are_shown_as_their_value_is(mantissa in any::<i128>(), scale in 0u32..=30, digits in 1u32..=17) {
            let Some(d) = super::Decimal::new(mantissa >> (mantissa as u32 % 100), scale) else {
                return Ok(());
            };
            let digits = digits.max(d.significant_digits());
            let through_value =
                super::Shown::new(super::Value::decimal(d), digits, super::Rounding::HalfUp);
            prop_assert_eq!(super::Shown::of_decimal(d), through_value);
        }

        #[test]
        fn scaled_pairs_round_as_their_exact_expansion(
            mantissa in 1.0f64..10.0,
            e in -30i32..30,
            tail in -1.0f64..1.0,
            count in 1usize..=15,
        ) {
            // The magnitudes a network's numbers have; the proptest above covers all floats.
            let f = mantissa * 10f64.powi(e);
            let ulp = f64::from_bits(f.to_bits() + 1) - f;
            let lo = if e % 3 == 0 { 0.0 } else { tail * ulp / 2.0 };
            let exact = Expansion::of_pair(Dd::new(f, lo)).round(count).unwrap();
            if let Some(scaled) = super::round_pair_scaled(f, lo, count) {
                prop_assert_eq!(scaled, exact);
            }
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
        fn the_fast_paths_agree_with_128_bits(a in any::<u128>(), b in any::<u128>(), shift in 0u32..128) {
            // The 64-bit shortcuts (gcd, conversion, exact division) give what the plain
            // 128-bit operations give, at every size.
            let (a, b) = (a >> shift, b >> (127 - shift));
            let mut plain = (a, b);
            while plain.1 != 0 {
                plain = (plain.1, plain.0 % plain.1);
            }
            prop_assert_eq!(super::gcd(a, b), plain.0);
            let n = (a >> 1) as i128 * if shift % 2 == 0 { 1 } else { -1 };
            prop_assert_eq!(super::i128_to_f64(n), n as f64);
            let d = ((b >> 1) as i128).max(1);
            prop_assert_eq!(super::divide_exactly(n - n % d, d), (n - n % d) / d);
        }

        #[test]
        fn decimals_convert_to_the_nearest_float(mantissa in any::<i64>(), scale in 0u32..30) {
            let d = super::Decimal::new(mantissa.into(), scale).unwrap();
            let parsed: f64 = format!("{mantissa}e-{scale}").parse().unwrap();
            prop_assert_eq!(d.to_f64(), parsed);
        }

        #[test]
        fn rationals_round_by_their_exact_digits(a in -999_999i128..1_000_000, b in 1i128..1_000_000, count in 1usize..=8, even in any::<bool>()) {
            // The reference: ⌊|a|·10^k / b⌋ with enough digits, and its remainder, in plain i128.
            prop_assume!(a != 0);
            let r = super::Ratio::new(a, b).unwrap();
            let rounding = if even { super::Rounding::HalfEven } else { super::Rounding::HalfUp };
            let (num, den) = (a.abs(), b);
            let mut k = 0i32;
            while num * 10i128.pow((k + 12) as u32) / den < 10i128.pow(count as u32) {
                k += 1;
            }
            let scaled = num * 10i128.pow((k + 12) as u32);
            let all = (scaled / den).to_string();
            let rem = scaled % den;
            let (kept, rest) = all.split_at(count);
            let first_rest = rest.as_bytes()[0];
            let sticky = rem != 0 || rest[1..].bytes().any(|d| d != b'0');
            let mut value: i128 = kept.parse().unwrap();
            let odd = value % 2 == 1;
            let up = match rounding {
                super::Rounding::HalfUp => first_rest >= b'5',
                super::Rounding::HalfEven => first_rest > b'5' || (first_rest == b'5' && (sticky || odd)),
            };
            value += up as i128;
            let mut exponent = all.len() as i32 - 1 - (k + 12);
            let mut expected = value.to_string();
            if expected.len() > count {
                expected.truncate(count);
                exponent += 1;
            }
            let shown = super::Shown::new(super::Value::ratio(r), count as u32, rounding);
            let whole = first_rest == b'0' && !sticky;
            if whole {
                let trimmed = expected.trim_end_matches('0');
                prop_assert_eq!(shown.digits.as_str(), if trimmed.is_empty() { "0" } else { trimmed });
            } else {
                prop_assert_eq!(&shown.digits, &expected);
            }
            prop_assert_eq!(shown.exponent, exponent);
            prop_assert_eq!(shown.exact, whole);
            prop_assert_eq!(shown.negative, a < 0);
            prop_assert_eq!(r.to_f64(), a as f64 / b as f64);
        }

        #[test]
        fn matches_exact_formatting_on_short_decimals(m in 1u32..100_000, e in -12i32..12, count in 1usize..=6) {
            // Values such as 0.12345 sit near a half-way point at the cut.
            let f = m as f64 * 10f64.powi(e);
            prop_assert_eq!(round_significant(f, count), exact(f, count));
        }
    }
}
