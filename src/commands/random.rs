//! SplitMix64: a small, fast generator that gives the same numbers on every machine, so that a
//! seed always means the same exam variants and the same generated networks. [`Rng`] is the one
//! way `exam` and `gen` draw from it.

use crate::math::number::Decimal;

/// The generator's state.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The draws the commands make: a value from a list, a number below a bound, a decimal.
pub struct Rng(SplitMix64);

impl Rng {
    /// The stream of `seed` as it is.
    pub fn new(seed: u64) -> Rng {
        Rng(SplitMix64::new(seed))
    }

    /// An exam variant's stream, from the seed, the variant and the attempt: each variant is
    /// drawn alone, so that how variants are spread over threads changes nothing.
    pub fn for_variant(seed: u64, variant: usize, attempt: usize) -> Rng {
        let mixed = seed
            ^ (variant as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (attempt as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut rng = Rng::new(mixed);
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number in `0..n` (`n` above 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// One of `values` (not empty).
    pub fn pick<T: Copy>(&mut self, values: &[T]) -> T {
        values[self.below(values.len() as u64) as usize]
    }

    /// A decimal of hundredths in [−scale, scale].
    pub fn hundredths(&mut self, scale: u32) -> Decimal {
        let span = 2 * scale as u64 * 100 + 1;
        let hundredths = self.below(span) as i64 - scale as i64 * 100;
        Decimal::new(hundredths.into(), 2).unwrap_or(Decimal::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_first_values() {
        // The reference sequence of SplitMix64 from seed 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn a_variant_stream_is_its_own() {
        let (mut a, mut b) = (Rng::for_variant(7, 3, 0), Rng::for_variant(7, 3, 0));
        let (mut c, mut d) = (Rng::for_variant(7, 4, 0), Rng::for_variant(7, 3, 1));
        let x = a.next_u64();
        assert_eq!(x, b.next_u64());
        assert_ne!(x, c.next_u64());
        assert_ne!(x, d.next_u64());
    }

    #[test]
    fn hundredths_stay_in_their_range_and_reach_both_ends() {
        let mut rng = Rng::new(1);
        let drawn: Vec<Decimal> = (0..5000).map(|_| rng.hundredths(1)).collect();
        let (low, high) = (Decimal::from_int(-1), Decimal::ONE);
        assert!(drawn.iter().all(|d| low <= *d && *d <= high), "{drawn:?}");
        assert!(drawn.contains(&low) && drawn.contains(&high));
        assert!(drawn.contains(&Decimal::new(5, 2).unwrap()));
    }
}
