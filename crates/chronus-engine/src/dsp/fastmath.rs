//! Fast base-2 logarithm and exponential for per-sample level and gain conversions
//! (dynamics, gains in dB), a sine of a phase in cycles (LFOs), tanh (waveshaping), a tangent
//! for filter coefficients under modulation, and minimum/maximum without NaN handling. Plain
//! arithmetic, inlined, so loops over blocks vectorize; errors far below anything audible.

/// The larger of `a` and `b` (one instruction; unlike `f32::max`, no NaN handling).
#[inline(always)]
pub fn max(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// The smaller of `a` and `b` (one instruction; unlike `f32::min`, no NaN handling).
#[inline(always)]
pub fn min(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else {
        b
    }
}

/// log2(x) for positive normal `x` (results for 0, subnormals or negatives are meaningless;
/// clamp first).
#[inline(always)]
pub fn log2(x: f32) -> f32 {
    // x = 2^e * m with m in [sqrt(1/2), sqrt(2)), then ln m = 2 atanh(z), z = (m - 1) / (m + 1).
    let bits = x.to_bits() as i32;
    let shifted = bits - 0x3f35_04f3; // the bits of sqrt(1/2)
    let e = shifted >> 23;
    let m = f32::from_bits((bits - (e << 23)) as u32);
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let series = z * (2.0 + z2 * (2.0 / 3.0 + z2 * (2.0 / 5.0 + z2 * (2.0 / 7.0 + z2 * (2.0 / 9.0)))));
    e as f32 + series * std::f32::consts::LOG2_E
}

/// 2^x, for x in [-126, 127] (clamped there).
#[inline(always)]
pub fn exp2(x: f32) -> f32 {
    let x = min(max(x, -126.0), 127.0);
    // Round to nearest by adding 1.5 x 2^23: the integer lands in the low mantissa bits.
    let shifted = x + 12_582_912.0;
    let i = shifted.to_bits() as i32 - 0x4b40_0000;
    let f = x - (shifted - 12_582_912.0); // in [-0.5, 0.5]
    let t = f * std::f32::consts::LN_2;
    let p = 1.0 + t * (1.0 + t * (0.5 + t * (1.0 / 6.0 + t * (1.0 / 24.0 + t * (1.0 / 120.0 + t * (1.0 / 720.0))))));
    p * f32::from_bits(((i + 127) as u32) << 23)
}

/// tanh(x): an odd Taylor polynomial (to x^15) below |x| = 1/2, and
/// (1 - e) / (1 + e) with e = exp(-2|x|) from [`exp2`] above; error under 3e-7.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let x2 = x * x;
    let series = x
        * (1.0
            + x2 * (-1.0 / 3.0
                + x2 * (2.0 / 15.0
                    + x2 * (-17.0 / 315.0
                        + x2 * (62.0 / 2835.0
                            + x2 * (-1382.0 / 155_925.0
                                + x2 * (21_844.0 / 6_081_075.0 + x2 * (-929_569.0 / 638_512_875.0))))))));
    let e = exp2(-2.0 * std::f32::consts::LOG2_E * min(a, 20.0));
    let tail = ((1.0 - e) / (1.0 + e)).copysign(x);
    if a < 0.5 {
        series
    } else {
        tail
    }
}

/// The smallest value of `values` (infinity if empty), with eight running minima so that
/// it vectorizes.
#[inline]
pub fn min_of(values: &[f32]) -> f32 {
    let mut acc = [f32::INFINITY; 8];
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder().iter().fold(f32::INFINITY, |m, x| min(m, *x));
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a = min(*a, *x);
        }
    }
    acc.iter().fold(tail, |m, x| min(m, *x))
}

/// sin(2 pi `cycles`) for `cycles` in [-0.5, 0.5]: folded onto [-1/4, 1/4] and evaluated
/// as an odd Taylor polynomial of degree 11 (error under 1e-7).
#[inline(always)]
pub fn sin_cycles(cycles: f32) -> f32 {
    let half = if cycles < 0.0 { -0.5 } else { 0.5 };
    let folded = if cycles.abs() > 0.25 { half - cycles } else { cycles };
    let x = folded * std::f32::consts::TAU;
    let x2 = x * x;
    x * (1.0
        + x2 * (-1.0 / 6.0
            + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362_880.0 + x2 * (-1.0 / 39_916_800.0))))))
}

/// `tan(x)` for `x` in [0, pi/2), from Taylor polynomials of sin (to x^9) and cos (to x^10);
/// relative error under 2e-5 up to x = 0.49 pi, and no libm call, so it vectorizes.
#[inline(always)]
pub fn tan(x: f32) -> f32 {
    let x2 = x * x;
    let sin = x * (1.0 + x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362_880.0)))));
    let cos =
        1.0 + x2 * (-0.5 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40_320.0 + x2 * (-1.0 / 3_628_800.0)))));
    sin / cos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_and_exp2_match_the_library_closely() {
        let mut x = 1e-30f32;
        while x < 1e30 {
            let err = (log2(x) - x.log2()).abs();
            assert!(err < 3e-6 * x.log2().abs().max(1.0), "log2({x}): {} vs {}", log2(x), x.log2());
            x *= 1.0137;
        }
        let mut x = -125.0f32;
        while x < 126.0 {
            let rel = (exp2(x) / x.exp2() - 1.0).abs();
            assert!(rel < 3e-7, "exp2({x}): {} vs {}", exp2(x), x.exp2());
            x += 0.0173;
        }
        for k in -5000..=5000 {
            let c = k as f32 / 10_000.0;
            let err = (sin_cycles(c) as f64 - (std::f64::consts::TAU * c as f64).sin()).abs();
            assert!(err < 2e-7, "sin_cycles({c}): {err}");
        }
        for k in -30_000..=30_000 {
            let x = k as f32 / 2_000.0;
            let err = (tanh(x) as f64 - (x as f64).tanh()).abs();
            assert!(err < 3e-7, "tanh({x}): {err}");
        }
        assert_eq!(exp2(0.0), 1.0);
        let values: Vec<f32> = (0..37).map(|k| ((k * 7919) % 37) as f32 - 3.5).collect();
        assert_eq!(min_of(&values), -3.5);
        assert_eq!(min_of(&values[1..5]), values[1..5].iter().cloned().fold(f32::INFINITY, f32::min));
        assert_eq!(log2(1.0), 0.0);
    }

    #[test]
    fn tan_is_close_to_libm_over_the_filter_range() {
        for i in 0..=1000 {
            let x = i as f32 / 1000.0 * 0.49 * std::f32::consts::PI;
            let (fast, exact) = (tan(x), (x as f64).tan() as f32);
            assert!(((fast - exact) / exact.max(1e-6)).abs() < 2e-5, "x = {x}: {fast} vs {exact}");
        }
    }
}
