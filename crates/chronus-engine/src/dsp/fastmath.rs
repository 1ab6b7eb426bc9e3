//! Cheap, branch-free approximations for per-sample coefficient updates under modulation.

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
    #[test]
    fn tan_is_close_to_libm_over_the_filter_range() {
        for i in 0..=1000 {
            let x = i as f32 / 1000.0 * 0.49 * std::f32::consts::PI;
            let (fast, exact) = (super::tan(x), (x as f64).tan() as f32);
            assert!(((fast - exact) / exact.max(1e-6)).abs() < 2e-5, "x = {x}: {fast} vs {exact}");
        }
    }
}
