//! A small, fast, seedable random source for noise generators (xorshift32).

/// xorshift32 state; never zero.
#[derive(Debug, Clone, Copy)]
pub struct XorShift32(u32);

impl XorShift32 {
    /// A generator for `seed` (any value; mixed so that nearby seeds give unrelated streams).
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let s = (z ^ (z >> 31)) as u32;
        XorShift32(if s == 0 { 0x6D2B_79F5 } else { s })
    }

    /// Next value, uniform in [0, 1).
    #[inline(always)]
    pub fn unipolar(&mut self) -> f32 {
        0.5 * (self.bipolar() + 1.0)
    }

    /// Next value, uniform in [-1, 1).
    #[inline(always)]
    pub fn bipolar(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        // Top 24 bits give an exactly representable value in [0, 1).
        (x >> 8) as f32 * (2.0 / 16_777_216.0) - 1.0
    }
}
