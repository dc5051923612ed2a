//! Double-double arithmetic: the approximate values, to about 32 significant digits.
//!
//! A worked solution prints four (up to 17) digits, and each must be the correctly rounded
//! true value. Float64 gets some wrong: a saturated `tanh` gives `1 − h² ≈ 5.063e-14` where
//! the truth is 5.066e-14 (h = 1 − 2.5e-14 keeps 3 digits of 1 − h), a δ sum that cancels
//! keeps as many digits as it cancelled, and `1 − σ(74)` is 0 in float64 (it is 7.3e-33), so
//! every δ after it is 0. A [`Dd`] is an unevaluated sum `hi + lo` of two floats with
//! `|lo| ≤ ulp(hi)/2`: `hi` is the float nearest to the value, and the pair carries ~106 bits.
//!
//! **Accuracy** (u = 2⁻⁵³, u² ≈ 1.2e-32), as the tests measure against mpmath:
//! - `+ −` have relative error ≤ 3u² *of the result* (Joldes–Muller–Popescu's accurate sum),
//!   so a sum is compensated for free: cancellation only exposes its operands' own errors;
//!   `×` ≤ 5u², `÷` ≤ 10u², [`sqrt`] ≤ 4u², relative.
//! - [`exp`], [`expm1`], [`ln`], [`log1p`], [`tanh`], [`sigmoid`], [`softplus`], [`powf`]: within
//!   a few units of 1e-30 relative. [`exp`] reduces by ln 2 in three parts and sums the series
//!   of e^(r/1024); [`ln`] is one Newton step on [`exp`], near 1 through [`log1p`] so that
//!   ln(1 + 1e-20) keeps its digits.
//! - `tanh` and `sigmoid` near ±1 are computed as `1 − t` from the small `t` (`2e^{−2|a|}/(1 +
//!   e^{−2|a|})`, `σ(−a)`), so the pair holds 1 − y itself: the later `1 − h²` or `1 − σ` is
//!   right to 1e-32 absolute, and where t < 1e-16 to 1e-16 *relative* (the tail holds t as a
//!   float): `1 − σ(74)` is 7.3e-33 with 16 digits. Below 2⁻¹⁰⁷⁴ (e^{−745}) t underflows to 0,
//!   exactly as a float does, and the evaluator says the number rounded to 0.
//! - [`sin`], [`cos`]: the argument is reduced by π/2 in four parts in double-double, right to
//!   ~1e-32 *absolute* near a zero of the function (relative elsewhere) for |x| < 2³⁰; beyond,
//!   the reduction of `hi` is libm's and the result is right to about 1e-16 relative.
//! - Errors are relative to the exact inputs given: an input is itself a pair, and a function
//!   amplifies its error by its condition number (exp(700) by 700), as any precision would.
//! - The tail is subnormal below ~1e-292: such values have float precision (and none below
//!   1e-308); overflow gives `hi = ±∞` with `lo = 0`, never a NaN, so callers still see it.

/// `hi + lo`, with `hi` the float nearest to the sum.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Dd {
    pub hi: f64,
    pub lo: f64,
}

/// The error-free sum: `s + e = a + b` exactly.
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// [`two_sum`] for |a| ≥ |b|.
#[inline]
fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// The error-free product: `p + e = a·b` exactly (barring underflow).
#[inline]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// A non-finite leading part stands alone: its error terms would be NaN.
#[inline]
fn pair(hi: f64, lo: f64) -> Dd {
    if hi.is_finite() {
        Dd { hi, lo }
    } else {
        Dd { hi, lo: 0.0 }
    }
}

#[inline]
fn normalised((hi, lo): (f64, f64)) -> Dd {
    pair(hi, lo)
}

/// ln 2 in three parts (mpmath, 400 bits).
const LN2: [f64; 3] = [
    std::f64::consts::LN_2,
    2.3190468138462996e-17,
    5.707708438416212e-34,
];
/// π/2 in four parts (mpmath, 400 bits).
const PI_2: [f64; 4] = [
    std::f64::consts::FRAC_PI_2,
    6.123233995736766e-17,
    -1.4973849048591698e-33,
    5.562271104316826e-50,
];

/// 1/n! for n = 2…30 (mpmath, 400 bits, split into the nearest float and the rest).
const INV_FACT: [Dd; 29] = [
    Dd::new(0.5, 0.0),
    Dd::new(0.16666666666666666, 9.25185853854297e-18),
    Dd::new(0.041666666666666664, 2.3129646346357427e-18),
    Dd::new(0.008333333333333333, 1.1564823173178714e-19),
    Dd::new(0.001388888888888889, -5.300543954373577e-20),
    Dd::new(0.0001984126984126984, 1.7209558293420705e-22),
    Dd::new(2.48015873015873e-05, 2.1511947866775882e-23),
    Dd::new(2.7557319223985893e-06, -1.858393274046472e-22),
    Dd::new(2.755731922398589e-07, 2.3767714622250297e-23),
    Dd::new(2.505210838544172e-08, -1.448814070935912e-24),
    Dd::new(2.08767569878681e-09, -1.20734505911326e-25),
    Dd::new(1.6059043836821613e-10, 1.2585294588752098e-26),
    Dd::new(1.1470745597729725e-11, 2.0655512752830745e-28),
    Dd::new(7.647163731819816e-13, 7.03872877733453e-30),
    Dd::new(4.779477332387385e-14, 4.399205485834081e-31),
    Dd::new(2.8114572543455206e-15, 1.6508842730861433e-31),
    Dd::new(1.5619206968586225e-16, 1.1910679660273754e-32),
    Dd::new(8.22063524662433e-18, 2.2141894119604265e-34),
    Dd::new(4.110317623312165e-19, 1.4412973378659527e-36),
    Dd::new(1.9572941063391263e-20, -1.3643503830087908e-36),
    Dd::new(8.896791392450574e-22, -7.911402614872376e-38),
    Dd::new(3.868170170630684e-23, -8.843177655482344e-40),
    Dd::new(1.6117375710961184e-24, -3.6846573564509766e-41),
    Dd::new(6.446950284384474e-26, -1.9330404233703465e-42),
    Dd::new(2.4795962632247976e-27, -1.2953730964765229e-43),
    Dd::new(9.183689863795546e-29, 1.4303150396787322e-45),
    Dd::new(3.279889237069838e-30, 1.5117542744029879e-46),
    Dd::new(1.1309962886447716e-31, 1.0498015412959506e-47),
    Dd::new(3.7699876288159054e-33, 2.5870347832750324e-49),
];

fn inv_fact(n: usize) -> Dd {
    INV_FACT[n - 2]
}

impl Dd {
    pub const ZERO: Dd = Dd::new(0.0, 0.0);
    pub const ONE: Dd = Dd::new(1.0, 0.0);

    /// The pair as given (the caller keeps |lo| ≤ ulp(hi)/2).
    pub const fn new(hi: f64, lo: f64) -> Dd {
        Dd { hi, lo }
    }

    pub const fn from_f64(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    /// The exact sum of two floats.
    pub fn sum_of(a: f64, b: f64) -> Dd {
        normalised(two_sum(a, b))
    }

    /// The exact product of two floats.
    pub fn product_of(a: f64, b: f64) -> Dd {
        normalised(two_prod(a, b))
    }

    /// `mantissa · 10^(−scale)`, for scale ≤ 30 (a decimal literal); within u² relative.
    pub fn from_decimal(mantissa: i128, scale: u32) -> Dd {
        let pow10 = |s: u32| -> Dd {
            // 10^s = 2^s·5^s: exact in one float to 10^22, in two to 10^44.
            if s <= 22 {
                Dd::from_f64(EXACT_POWERS_OF_TEN[s as usize])
            } else {
                Dd::product_of(1e22, 10f64.powi(s as i32 - 22))
            }
        };
        let hi = i128_to_f64(mantissa);
        // `as` saturates at ±2^127: the remainder is then off by one in 1e38, below u².
        let rest = i128_to_f64(mantissa.wrapping_sub(hi as i128));
        let m = Dd::sum_of(hi, rest);
        if scale == 0 {
            m
        } else if scale <= 22 && rest == 0.0 {
            // An exact float over an exact power of ten: the remainder of the correctly
            // rounded quotient is exact (one fma), and one more division gives the tail.
            let p = EXACT_POWERS_OF_TEN[scale as usize];
            let q = hi / p;
            let r = (-q).mul_add(p, hi);
            normalised(quick_two_sum(q, r / p))
        } else {
            m / pow10(scale)
        }
    }

    pub fn is_finite(self) -> bool {
        self.hi.is_finite()
    }

    pub fn abs(self) -> Dd {
        if self.hi < 0.0 {
            -self
        } else {
            self
        }
    }

    /// Times a power of two, exactly (unless the result leaves the floats' range).
    fn ldexp(self, k: i32) -> Dd {
        let half = k / 2;
        let (a, b) = (2f64.powi(half), 2f64.powi(k - half));
        pair(self.hi * a * b, self.lo * a * b)
    }

    fn mul_f64(self, b: f64) -> Dd {
        let (p, e) = two_prod(self.hi, b);
        if !p.is_finite() {
            return pair(p, 0.0);
        }
        normalised(quick_two_sum(p, self.lo.mul_add(b, e)))
    }

    fn sqr(self) -> Dd {
        self * self
    }

    /// `self^n` by squaring; 0^−n is +∞ as for floats.
    pub fn powi(self, n: i64) -> Dd {
        let mut base = self;
        let mut result = Dd::ONE;
        let mut e = n.unsigned_abs();
        while e > 0 {
            if e & 1 == 1 {
                result = result * base;
            }
            e >>= 1;
            if e > 0 {
                base = base.sqr();
            }
        }
        if n < 0 {
            Dd::ONE / result
        } else {
            result
        }
    }
}

impl std::ops::Add for Dd {
    type Output = Dd;
    #[inline]
    fn add(self, b: Dd) -> Dd {
        let (s1, s2) = two_sum(self.hi, b.hi);
        if !s1.is_finite() {
            return pair(s1, 0.0);
        }
        let (t1, t2) = two_sum(self.lo, b.lo);
        let (s1, s2) = quick_two_sum(s1, s2 + t1);
        normalised(quick_two_sum(s1, s2 + t2))
    }
}

impl std::ops::Sub for Dd {
    type Output = Dd;
    #[inline]
    fn sub(self, b: Dd) -> Dd {
        self + -b
    }
}

impl std::ops::Neg for Dd {
    type Output = Dd;
    #[inline]
    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }
}

impl std::ops::Mul for Dd {
    type Output = Dd;
    #[inline]
    fn mul(self, b: Dd) -> Dd {
        let (p, e) = two_prod(self.hi, b.hi);
        if !p.is_finite() || p == 0.0 {
            return pair(p, 0.0);
        }
        let e = e + self.hi.mul_add(b.lo, self.lo * b.hi);
        normalised(quick_two_sum(p, e))
    }
}

impl std::ops::Div for Dd {
    type Output = Dd;
    #[inline]
    fn div(self, b: Dd) -> Dd {
        let q1 = self.hi / b.hi;
        if !q1.is_finite() || q1 == 0.0 {
            return pair(q1, 0.0);
        }
        let r = self - b.mul_f64(q1);
        let q2 = r.hi / b.hi;
        let r = r - b.mul_f64(q2);
        let q3 = r.hi / b.hi;
        normalised(quick_two_sum(q1, q2)) + Dd::from_f64(q3)
    }
}

/// √x; NaN below 0.
pub fn sqrt(x: Dd) -> Dd {
    if x.hi <= 0.0 {
        return Dd::from_f64(x.hi.sqrt());
    }
    if !x.is_finite() {
        return x;
    }
    if x.hi < 1e-280 {
        // y² would have a subnormal tail: scale by an even power of two first.
        return sqrt(x.ldexp(600)).ldexp(-300);
    }
    let y = x.hi.sqrt();
    let r = x - Dd::product_of(y, y);
    normalised(quick_two_sum(y, r.hi / (2.0 * y)))
}

/// e^r − 1 for |r| ≤ 1, to relative accuracy: the series of e^(r/1024) − 1 (12 terms), then
/// ten doublings `m ← m(m + 2)`.
fn expm1_small(r: Dd) -> Dd {
    let s = r.ldexp(-10);
    let mut term = s;
    let mut sum = s;
    for n in 2..=12 {
        term = term * s;
        sum = sum + term * inv_fact(n);
    }
    for _ in 0..10 {
        sum = sum * (sum + Dd::from_f64(2.0));
    }
    sum
}

/// eˣ; +∞ above ln(MAX), 0 below the smallest subnormal.
pub fn exp(x: Dd) -> Dd {
    if x.hi > 709.79 {
        return Dd::from_f64(f64::INFINITY);
    }
    if x.hi < -745.2 {
        return Dd::ZERO;
    }
    if x.hi.is_nan() {
        return x;
    }
    let k = (x.hi / LN2[0]).round();
    // x − k·ln 2: each k·part exact as a pair, the last one small.
    let r = x - Dd::product_of(k, LN2[0]) - Dd::product_of(k, LN2[1]) - Dd::from_f64(k * LN2[2]);

    (expm1_small(r) + Dd::ONE).ldexp(k as i32)
}

/// eˣ − 1, to relative accuracy near 0.
#[cfg(test)]
pub fn expm1(x: Dd) -> Dd {
    if x.hi.abs() <= 1.0 {
        expm1_small(x)
    } else {
        exp(x) - Dd::ONE
    }
}

/// ln(1 + d), to relative accuracy near 0; NaN below −1.
pub fn log1p(d: Dd) -> Dd {
    if d.hi.abs() > 0.5 || !d.is_finite() {
        return ln(d + Dd::ONE);
    }
    if d.hi == 0.0 {
        return Dd::ZERO;
    }
    // One Newton step on y ↦ e^y − (1 + d) from y0 = ln_1p(d) in floats:
    // y = y0 + (1 + d)e^{−y0} − 1 = y0 + (d + m + d·m), m = e^{−y0} − 1.
    let y0 = d.hi.ln_1p();
    let m = expm1_small(Dd::from_f64(-y0));
    Dd::from_f64(y0) + (d + m + d * m)
}

/// ln x; −∞ at 0, NaN below. x = 2^e·m with m in [√½, √2): ln x = e·ln 2 + log1p(m − 1).
pub fn ln(x: Dd) -> Dd {
    if x.hi <= 0.0 || !x.is_finite() {
        return Dd::from_f64(x.hi.ln());
    }
    if x.hi < f64::MIN_POSITIVE {
        // A subnormal: scale into the normal range first (exactly).
        return ln(x.ldexp(600)) - ln2_times(600.0);
    }
    let mut e = ((x.hi.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    let mut m = x.ldexp(-e);
    if m.hi > std::f64::consts::SQRT_2 {
        m = m.ldexp(-1);
        e += 1;
    }
    let rest = log1p(m - Dd::ONE);
    if e == 0 {
        rest
    } else {
        ln2_times(f64::from(e)) + rest
    }
}

/// k·ln 2 for a whole k below 2^53: each part's product exact as a pair.
fn ln2_times(k: f64) -> Dd {
    Dd::product_of(k, LN2[0]) + Dd::product_of(k, LN2[1]) + Dd::from_f64(k * LN2[2])
}

/// xʸ for a real exponent: as floats' `powf` at the edges (0^y, negative x to a fraction).
pub fn powf(x: Dd, y: Dd) -> Dd {
    if y.lo == 0.0 && y.hi.fract() == 0.0 && y.hi.abs() <= 1024.0 {
        return x.powi(y.hi as i64);
    }
    if x.hi <= 0.0 || !x.is_finite() || !y.is_finite() {
        return Dd::from_f64(x.hi.powf(y.hi));
    }
    exp(y * ln(x))
}

/// tanh x; near ±1 as `1 − t`, so that the tail holds 1 − |y|.
pub fn tanh(x: Dd) -> Dd {
    if x.hi.is_nan() || x.hi == 0.0 {
        return x;
    }
    let a = x.abs();
    let y = if a.hi < 0.5 {
        let m = expm1_small(a.mul_f64(2.0));
        m / (m + Dd::from_f64(2.0))
    } else {
        let e = exp(a.mul_f64(-2.0));
        Dd::ONE - e.mul_f64(2.0) / (Dd::ONE + e)
    };
    if x.hi < 0.0 {
        -y
    } else {
        y
    }
}

/// σ(x) = 1/(1 + e^{−x}); for x ≥ 0 as `1 − σ(−x)`, so that the tail holds 1 − y.
pub fn sigmoid(x: Dd) -> Dd {
    if x.hi.is_nan() {
        return x;
    }
    let small = |v: Dd| {
        let e = exp(v);
        e / (Dd::ONE + e)
    };
    if x.hi >= 0.0 {
        Dd::ONE - small(-x)
    } else {
        small(x)
    }
}

/// ln(1 + eˣ), as `max(x, 0) + log1p(e^{−|x|})` (no overflow, no cancellation).
pub fn softplus(x: Dd) -> Dd {
    if x.hi.is_nan() {
        return x;
    }
    let tail = log1p(exp(-x.abs()));
    if x.hi > 0.0 {
        x + tail
    } else {
        tail
    }
}

/// sin r and cos r for |r| ≤ π/4 (Taylor, to r^29/29!: below 1e-34).
fn sin_cos_small(r: Dd) -> (Dd, Dd) {
    let r2 = r.sqr();
    let mut sin = r;
    let mut cos = Dd::ONE;
    let mut power = Dd::ONE; // r^(2k)
    for k in 1..=14 {
        power = power * r2;
        let sign = if k % 2 == 1 { -1.0 } else { 1.0 };
        cos = cos + (power * inv_fact(2 * k)).mul_f64(sign);
        sin = sin + (power * r * inv_fact(2 * k + 1)).mul_f64(sign);
    }
    (sin, cos)
}

/// sin and cos of x: the quadrant and the remainder of x by π/2, reduced in double-double.
fn sin_cos(x: Dd) -> (Dd, Dd) {
    if !x.is_finite() {
        let nan = Dd::from_f64(f64::NAN);
        return (nan, nan);
    }
    if x.hi.abs() >= (1u64 << 30) as f64 {
        // Beyond the reduction's range: libm's reduction of hi, the tail to first order.
        let (s, c) = x.hi.sin_cos();
        return (Dd::sum_of(s, c * x.lo), Dd::sum_of(c, -s * x.lo));
    }
    let k = (x.hi / PI_2[0]).round();
    let r = x
        - Dd::product_of(k, PI_2[0])
        - Dd::product_of(k, PI_2[1])
        - Dd::product_of(k, PI_2[2])
        - Dd::from_f64(k * PI_2[3]);
    let (s, c) = sin_cos_small(r);
    match (k as i64).rem_euclid(4) {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

pub fn sin(x: Dd) -> Dd {
    sin_cos(x).0
}

pub fn cos(x: Dd) -> Dd {
    sin_cos(x).1
}

/// An exact decimal of any length, `±digits · 10^exp`: the exact value of a pair, to round it
/// correctly where its leading float alone would not tell (and to measure errors in tests).
#[derive(Clone, Debug, PartialEq)]
pub struct Expansion {
    negative: bool,
    /// Most significant first, no leading or trailing zeros; empty for 0.
    digits: Vec<u8>,
    /// The power of ten of the last digit.
    exp: i32,
}

impl Expansion {
    /// The exact value of a finite float: `{:.800e}` prints every digit a float has (at most
    /// 767), then zeros.
    pub fn of_f64(x: f64) -> Expansion {
        Expansion::parse(&format!("{:.*e}", 800, x)).unwrap_or(Expansion::zero())
    }

    /// The exact value `hi + lo` of a finite pair.
    pub fn of_pair(x: Dd) -> Expansion {
        Expansion::of_f64(x.hi).add(&Expansion::of_f64(x.lo))
    }

    fn zero() -> Expansion {
        Expansion {
            negative: false,
            digits: Vec::new(),
            exp: 0,
        }
    }

    /// A decimal literal: `-1.25`, `3e-7`, `1.5E+300`.
    pub fn parse(text: &str) -> Option<Expansion> {
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = body.split_once(['e', 'E']).unwrap_or((body, "0"));
        let exponent: i32 = exponent.parse().ok()?;
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut digits = Vec::with_capacity(int.len() + frac.len());
        for b in int.bytes().chain(frac.bytes()) {
            if !b.is_ascii_digit() {
                return None;
            }
            digits.push(b - b'0');
        }
        Some(Expansion::normalised(
            negative,
            digits,
            exponent.checked_sub(i32::try_from(frac.len()).ok()?)?,
        ))
    }

    fn normalised(negative: bool, mut digits: Vec<u8>, mut exp: i32) -> Expansion {
        while digits.last() == Some(&0) {
            digits.pop();
            exp += 1;
        }
        let leading = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..leading);
        if digits.is_empty() {
            return Expansion::zero();
        }
        Expansion {
            negative,
            digits,
            exp,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    #[cfg(test)]
    pub fn negated(mut self) -> Expansion {
        self.negative = !self.negative && !self.is_zero();
        self
    }

    /// The exact sum.
    pub fn add(&self, other: &Expansion) -> Expansion {
        if self.is_zero() {
            return other.clone();
        }
        if other.is_zero() {
            return self.clone();
        }
        let low = self.exp.min(other.exp);
        let top = |e: &Expansion| e.exp + e.digits.len() as i32;
        let len = (top(self).max(top(other)) - low) as usize + 1;
        // Little-endian signed digits, then carried into 0…9.
        let mut acc = vec![0i32; len];
        for e in [self, other] {
            let sign = if e.negative { -1 } else { 1 };
            for (i, &d) in e.digits.iter().rev().enumerate() {
                acc[(e.exp - low) as usize + i] += sign * i32::from(d);
            }
        }
        let carry = |acc: &mut [i32]| {
            let mut carry = 0;
            for d in acc.iter_mut() {
                let v = *d + carry;
                *d = v.rem_euclid(10);
                carry = v.div_euclid(10);
            }
            carry
        };
        let mut negative = false;
        if carry(&mut acc) < 0 {
            // The sum is −(10^len − Σ d·10^i): negate the digits and add 10^len.
            negative = true;
            acc.iter_mut().for_each(|d| *d = -*d);
            acc.push(1);
            carry(&mut acc);
        }
        let digits = acc.iter().rev().map(|&d| d as u8).collect();
        Expansion::normalised(negative, digits, low)
    }

    /// The exact product with a whole number.
    #[cfg(test)]
    pub fn mul_int(&self, n: u64) -> Expansion {
        let mut out = Vec::with_capacity(self.digits.len() + 20);
        let mut carry: u128 = 0;
        for &d in self.digits.iter().rev() {
            let v = u128::from(d) * u128::from(n) + carry;
            out.push((v % 10) as u8);
            carry = v / 10;
        }
        while carry > 0 {
            out.push((carry % 10) as u8);
            carry /= 10;
        }
        out.reverse();
        Expansion::normalised(self.negative, out, self.exp)
    }

    /// |self / other| as a float, exactly as far as the float goes (no underflow on the way).
    #[cfg(test)]
    pub fn ratio(&self, other: &Expansion) -> f64 {
        let shift = |e: &Expansion| {
            let mut e = e.clone();
            e.exp -= other.exp + other.digits.len() as i32;
            e.negative = false;
            e.to_f64()
        };
        shift(self) / shift(other)
    }

    /// The nearest float.
    #[cfg(test)]
    pub fn to_f64(&self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        let digits: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let sign = if self.negative { "-" } else { "" };
        format!("{sign}{digits}e{}", self.exp)
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// The first `count` significant digits of the magnitude, rounded half to even, and the
    /// decimal exponent of the first (`None` for 0).
    pub fn round(&self, count: usize) -> Option<(String, i32)> {
        let count = count.max(1);
        let first = self.exp + self.digits.len() as i32 - 1;
        if self.digits.is_empty() {
            return None;
        }
        let mut kept: Vec<u8> = self.digits.iter().take(count).copied().collect();
        kept.resize(count, 0);
        let mut exponent = first;
        if self.digits.len() > count {
            let next = self.digits[count];
            // No trailing zeros: anything after `next` is nonzero.
            let beyond = self.digits.len() > count + 1;
            let odd = kept[count - 1] % 2 == 1;
            if next > 5 || (next == 5 && (beyond || odd)) {
                let mut at = count;
                loop {
                    if at == 0 {
                        kept.insert(0, 1);
                        kept.truncate(count);
                        exponent += 1;
                        break;
                    }
                    at -= 1;
                    if kept[at] == 9 {
                        kept[at] = 0;
                    } else {
                        kept[at] += 1;
                        break;
                    }
                }
            }
        }
        Some((
            kept.iter().map(|d| char::from(b'0' + d)).collect(),
            exponent,
        ))
    }
}

/// 10^0 … 10^22, each exactly a float (what `10f64.powi` gives for them, by exact products).
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The nearest f64 to `n`, by the 64-bit conversion where `n` fits it (the same rounding,
/// a fraction of the 128-bit conversion's cost).
/// (The 128-bit conversion is a function of its own that is never inlined: with both arms
/// inline, the optimiser saw that they compute the same number and made every call the
/// 128-bit one, `__floattidf`: 5% of a 784-100-10 run's instructions.)
#[inline]
pub(crate) fn i128_to_f64(n: i128) -> f64 {
    match i64::try_from(n) {
        Ok(n) => n as f64,
        Err(_) => wide_to_f64(n),
    }
}

#[cold]
#[inline(never)]
fn wide_to_f64(n: i128) -> f64 {
    n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_powers_of_ten_is_what_powi_gives() {
        for (s, p) in EXACT_POWERS_OF_TEN.iter().enumerate() {
            assert_eq!(p.to_bits(), 10f64.powi(s as i32).to_bits(), "10^{s}");
        }
    }

    fn exact(text: &str) -> Expansion {
        Expansion::parse(text).expect("a decimal")
    }

    /// The pair nearest a decimal: `hi` its nearest float, `lo` the nearest float to the rest.
    fn dd(text: &str) -> Dd {
        let hi: f64 = text.parse().unwrap();
        let rest = exact(text).add(&Expansion::of_f64(hi).negated()).to_f64();
        Dd::sum_of(hi, rest)
    }

    /// |got − want| / |want| in units of 1e-30, computed exactly from the decimal expansions.
    fn error(got: Dd, want: &str) -> f64 {
        let want = exact(want);
        Expansion::of_pair(got)
            .add(&want.clone().negated())
            .ratio(&want)
            / 1e-30
    }

    /// What a pair near 1 keeps of 1 − y: the tail's last bit beside 1 (2^−106 ≈ 1.2e-32)
    /// absolute, and where 1 − y is the tail itself, the tail's precision (2^−53) relative.
    const TAIL_ABSOLUTE: f64 = 2.5e-32;
    const TAIL_RELATIVE: f64 = 2.3e-16;

    #[track_caller]
    fn check(name: &str, got: Dd, want: &str, bound: f64) {
        // Below 1e-292 the tail is subnormal: it holds multiples of 2^−1074 only.
        let bound = bound + 5e-324 / want.parse::<f64>().unwrap().abs() / 1e-30;
        let e = error(got, want);
        assert!(
            e <= bound,
            "{name} = {:e} + {:e}, not {want}: {e:.3} × 1e-30 > {bound}",
            got.hi,
            got.lo
        );
    }

    // Every reference value below is mpmath's, from `scripts/precise-reference.py` (60
    // digits, the argument exactly the float written here, printed with 40 digits).

    #[test]
    fn exp_across_its_range() {
        for (x, want) in [
            (1.0, "2.718281828459045235360287471352662497757"),
            (-1.0, "0.3678794411714423215955237701614608674458"),
            (0.5, "1.648721270700128146848650787814163571654"),
            (1e-10, "1.000000000100000000005000003643386398581"),
            (-20.0, "2.061153622438557827965940380155820976376e-9"),
            (40.0, "235385266837019985.4078999107490348045089"),
            (700.0, "1.014232054735004509455329595231267615205e+304"),
            (-700.0, "9.859676543759770856705372947849465105116e-305"),
            (709.7, "1.654984027680264403080250283472354982281e+308"),
            (-74.0, "7.281290178321643834296973716877553324763e-33"),
        ] {
            check(&format!("exp({x})"), exp(Dd::from_f64(x)), want, 3.0);
        }
        assert_eq!(exp(Dd::from_f64(710.0)), Dd::from_f64(f64::INFINITY));
        assert_eq!(exp(Dd::from_f64(-800.0)), Dd::ZERO);
    }

    #[test]
    fn expm1_and_log1p_keep_tiny_values_relative() {
        for (x, want) in [
            (1e-20, "9.999999999999999451582714542095716511811e-21"),
            (-3e-05, "-2.999955000449996701020542147016373257058e-5"),
            (0.75, "1.117000016612674668545369819837095610134"),
        ] {
            check(&format!("expm1({x})"), expm1(Dd::from_f64(x)), want, 3.0);
        }
        for (x, want) in [
            (1e-20, "9.99999999999999945148271454209571652278e-21"),
            (-0.4, "-0.5108256237659907202129482504755473004409"),
            (0.3, "0.262364264467491043495318874379750203632"),
            (3e-17, "3.00000000000000001555287661288690436452e-17"),
        ] {
            check(&format!("log1p({x})"), log1p(Dd::from_f64(x)), want, 3.0);
        }
    }

    #[test]
    fn ln_far_from_and_near_one() {
        for (x, want) in [
            (2.0, "0.6931471805599453094172321214581765680755"),
            (10.0, "2.302585092994045684017991454684364207601"),
            (1e300, "690.7755278982137052579021966605136811507"),
            (1e-300, "-690.7755278982137051803383445701005029086"),
            (5e-324, "-744.4400719213812623141072984460816341131"),
            (0.9999, "-0.0001000050003333473208196443471674320948708"),
            (1.0000001, "9.99999950583870451775160996834544912303e-8"),
        ] {
            check(&format!("ln({x})"), ln(Dd::from_f64(x)), want, 3.0);
        }
        assert_eq!(ln(Dd::ZERO).hi, f64::NEG_INFINITY);
        assert!(ln(Dd::from_f64(-1.0)).hi.is_nan());
    }

    #[test]
    fn sqrt_and_powers() {
        for (x, want) in [
            (2.0, "1.41421356237309504880168872420969807857"),
            (1e-300, "1.000000000000000012529545917604379764353e-150"),
        ] {
            check(&format!("sqrt({x})"), sqrt(Dd::from_f64(x)), want, 1.0);
        }
        check("1.5^7", Dd::from_f64(1.5).powi(7), "17.0859375", 0.0);
        check("2^-3", Dd::from_f64(2.0).powi(-3), "0.125", 0.0);
        check(
            "1.1^0.5",
            powf(Dd::from_decimal(11, 1), Dd::from_f64(0.5)),
            "1.048808848170151546991453513679937598475",
            3.0,
        );
        check(
            "2.5^-1.75",
            powf(Dd::from_f64(2.5), Dd::from_f64(-1.75)),
            "0.2011893487492696653308424807454172541242",
            3.0,
        );
        assert!(powf(Dd::from_f64(-2.0), Dd::from_f64(0.5)).hi.is_nan());
        assert_eq!(Dd::ZERO.powi(-1).hi, f64::INFINITY);
    }

    #[test]
    fn tanh_saturates_from_the_side_of_one_minus_y() {
        for (x, want) in [
            (0.25, "0.2449186624037091292778011314910169575066"),
            (1e-08, "9.999999999999999875892274967951385830706e-9"),
            (0.5, "0.4621171572600097585023184836436725487303"),
            (3.0, "0.9950547536867304513318801852554884750978"),
            (-16.0, "-0.9999999999999746716689018119693159363014"),
            (20.0, "0.9999999999999999915032914894168220454386"),
        ] {
            check(&format!("tanh({x})"), tanh(Dd::from_f64(x)), want, 3.0);
        }
        // 1 − tanh(x)², what the tanh rule computes: right to 1e-32 absolute, and to the
        // tail's own 1e-16 relative where it is below 1e-16.
        for (x, want) in [
            (16.0, "5.065666219637541984377117773795111661173e-14"),
            (20.0, "1.699341702116635583692882810380141920667e-17"),
            (40.0, "7.219405551381660689248513429400109424085e-35"),
        ] {
            let h = tanh(Dd::from_f64(x));
            let value: f64 = want.parse().unwrap();
            let bound = (TAIL_ABSOLUTE / value).max(TAIL_RELATIVE) / 1e-30;
            check(&format!("1 - tanh({x})^2"), Dd::ONE - h * h, want, bound);
        }
    }

    #[test]
    fn sigmoid_at_saturation_and_beyond_the_floats() {
        for (x, want) in [
            (0.6, "0.6456563062257954478290800078846994741309"),
            (-40.0, "4.248354255291588977280720904404506371435e-18"),
            (40.0, "0.9999999999999999957516457447084110227193"),
            (-700.0, "9.859676543759770856705372947849465105116e-305"),
            (700.0, "1.0"),
        ] {
            check(
                &format!("sigmoid({x})"),
                sigmoid(Dd::from_f64(x)),
                want,
                3.0,
            );
        }
        // 1 − σ(x) = σ(−x): the tail holds it, to 1e-16 relative.
        for (x, want) in [
            (40.0, "4.248354255291588977280720904404506371435e-18"),
            (74.0, "7.281290178321643834296973716877500307577e-33"),
            (700.0, "9.859676543759770856705372947849465105116e-305"),
        ] {
            let y = sigmoid(Dd::from_f64(x));
            let value: f64 = want.parse().unwrap();
            let bound = (TAIL_ABSOLUTE / value).max(TAIL_RELATIVE) / 1e-30;
            check(&format!("1 - sigmoid({x})"), Dd::ONE - y, want, bound);
        }
        // Beyond the floats' range, as a float: exactly 1.
        assert_eq!(Dd::ONE - sigmoid(Dd::from_f64(800.0)), Dd::ZERO);
    }

    #[test]
    fn softplus_without_overflow_or_cancellation() {
        for (x, want) in [
            (0.0, "0.6931471805599453094172321214581765680755"),
            (2.0, "2.126928011042972496443726806358304431434"),
            (-2.0, "0.1269280110429724964437268063583044314343"),
            (-50.0, "1.928749847963917783017156812728211532955e-22"),
            (800.0, "800.0"),
        ] {
            check(
                &format!("softplus({x})"),
                softplus(Dd::from_f64(x)),
                want,
                3.0,
            );
        }
    }

    #[test]
    fn sin_and_cos_reduced_in_double_double() {
        for (x, sin_x, cos_x) in [
            (
                0.5,
                "0.4794255386042030002732879352155713880818",
                "0.8775825618903727161162815826038296519916",
            ),
            (
                3.0,
                "0.1411200080598672221007448028081102798469",
                "-0.9899924966004454572715727947312613023937",
            ),
            (
                100.0,
                "-0.506365641109758793656557610459785432065",
                "0.8623188722876839341019385139508425355101",
            ),
            (
                -7.5,
                "-0.9379999767747388579484637981490472364318",
                "0.3466353178350258109716193361718955783718",
            ),
            (
                // The float nearest π: its sine is π minus it, and only the reduction in
                // double-double finds its digits.
                std::f64::consts::PI,
                "1.224646799147353177226065932274997997083e-16",
                "-0.9999999999999999999999999999999925012011",
            ),
            (
                1000000.0,
                "-0.3499935021712929521176524867807714690614",
                "0.9367521275331447869385325350749187757081",
            ),
            (
                123456789.0,
                "0.990114751802035444229163738006831737119",
                "0.1402596815339096299506554932787677396832",
            ),
        ] {
            check(&format!("sin({x})"), sin(Dd::from_f64(x)), sin_x, 3.0);
            check(&format!("cos({x})"), cos(Dd::from_f64(x)), cos_x, 3.0);
        }
    }

    #[test]
    fn decimals_enter_with_their_tails() {
        check("0.1", Dd::from_decimal(1, 1), "0.1", 0.1);
        check("1.2345", Dd::from_decimal(12345, 4), "1.2345", 0.1);
        check(
            "38 digits",
            Dd::from_decimal(12345678901234567890123456789012345678, 30),
            "12345678.901234567890123456789012345678",
            0.1,
        );
        check("1e-30", Dd::from_decimal(1, 30), "1e-30", 0.1);
        check("-7e22", Dd::from_decimal(-7, 0).mul_f64(1e22), "-7e22", 0.0);
        assert_eq!(dd("0.1"), Dd::from_decimal(1, 1));
    }

    #[test]
    fn overflow_stays_infinite_never_nan() {
        let big = Dd::from_f64(1e300);
        let inf = Dd::from_f64(f64::INFINITY);
        assert_eq!(big * big, inf);
        assert_eq!(big * big + big, inf);
        assert_eq!(-(big * big) - big, -inf);
        assert_eq!(Dd::ONE / Dd::ZERO, inf);
        assert_eq!(Dd::from_f64(f64::MAX).powi(2), inf);
        assert!((inf - inf).hi.is_nan());
    }

    #[test]
    fn expansions_add_and_round_exactly() {
        let sum = exact("0.1").add(&exact("-0.35"));
        assert_eq!(sum, exact("-0.25"));
        assert_eq!(
            exact("1e-30").add(&exact("1")),
            exact("1.000000000000000000000000000001")
        );
        assert_eq!(exact("5").add(&exact("-5")), exact("0"));
        assert_eq!(exact("999").mul_int(1001), exact("999999"));
        let round = |t: &str, n| exact(t).round(n).unwrap();
        assert_eq!(round("0.12345", 4), ("1234".to_string(), -1));
        assert_eq!(round("0.123450000001", 4), ("1235".to_string(), -1));
        assert_eq!(round("0.12355", 4), ("1236".to_string(), -1));
        assert_eq!(round("9.9996", 4), ("1000".to_string(), 1));
        assert_eq!(round("-3", 4), ("3000".to_string(), 0));
        assert_eq!(
            Expansion::of_f64(0.1),
            exact("0.1000000000000000055511151231257827021181583404541015625")
        );
    }
}

#[cfg(test)]
mod arithmetic {
    //! `+ − × ÷` against exact rationals: the operands are short decimals m·10^−s, and the
    //! pair's error is measured exactly, in decimal expansions, against the rational result.
    use super::{Dd, Expansion};
    use proptest::prelude::*;

    /// |value − p/q| / |p/q| for q = 10^k, exactly.
    fn decimal_error(value: Dd, p: i128, k: u32) -> f64 {
        let want = Expansion::parse(&format!("{p}e-{k}")).unwrap();
        Expansion::of_pair(value)
            .add(&want.clone().negated())
            .ratio(&want)
    }

    /// |value·n − m| / |m|, exactly: the error of value as m/n.
    fn quotient_error(value: Dd, m: i128, n: i128) -> f64 {
        let mut product = Expansion::of_pair(value).mul_int(n.unsigned_abs() as u64);
        if n < 0 {
            product = product.negated();
        }
        let m = Expansion::parse(&m.to_string()).unwrap();
        product.add(&m.clone().negated()).ratio(&m)
    }

    fn operand() -> impl Strategy<Value = (i64, u32)> {
        (-999_999_999i64..=999_999_999, 0u32..=9).prop_filter("nonzero", |(m, _)| *m != 0)
    }

    const U2: f64 = 1.232595164407831e-32; // 2^−106

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]

        #[test]
        fn an_integer_converts_as_the_128_bit_conversion_rounds_it(
            wide in any::<i128>(),
            narrow in any::<i64>(),
            shift in 0u32..127,
        ) {
            for n in [wide, wide >> shift, i128::from(narrow), i128::from(narrow) << (shift % 64)] {
                prop_assert_eq!(crate::math::precise::i128_to_f64(n).to_bits(), (n as f64).to_bits(), "{}", n);
            }
        }

        #[test]
        fn within_a_few_units_of_u_squared((ma, sa) in operand(), (mb, sb) in operand()) {
            let (a, b) = (Dd::from_decimal(ma.into(), sa), Dd::from_decimal(mb.into(), sb));
            prop_assert!(decimal_error(a, ma.into(), sa) <= U2 / 2.0);
            let (ma, mb) = (i128::from(ma), i128::from(mb));
            let (pa, pb) = (10i128.pow(sa), 10i128.pow(sb));
            let sum = ma * pb + mb * pa;
            if sum != 0 {
                // Relative to the result, times how much the operands cancel: their own
                // errors (u²/2 each) are all a cancelling sum keeps.
                let cancel = ((ma * pb).abs() + (mb * pa).abs()) as f64 / sum.abs() as f64;
                prop_assert!(decimal_error(a + b, sum, sa + sb) <= (3.0 + cancel) * U2);
            }
            prop_assert!(decimal_error(a * b, ma * mb, sa + sb) <= 6.0 * U2);
            prop_assert!(quotient_error(a / b, ma * pb, mb * pa) <= 11.0 * U2);
            prop_assert_eq!(a - a, Dd::ZERO);
        }
    }
}
