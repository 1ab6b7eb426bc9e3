//! Sine of a phase in cycles by polynomial: no table and no branch, so a loop computing it
//! for many lanes at once vectorizes (the FM operators use it).

/// `1.5 * 2^23`: adding and subtracting it rounds an `f32` below `2^22` to an integer.
const ROUND: f32 = 12_582_912.0;

/// Odd minimax polynomial for `sin(2 pi v)` on `[-1/4, 1/4]`: `v (C1 + v^2 (C3 + ...))`.
const C1: f32 = std::f32::consts::TAU;
const C3: f32 = -41.341_656;
const C5: f32 = 81.601_006;
const C7: f32 = -76.549_78;
const C9: f32 = 39.536_7;

/// `sin(2 pi t)` for a phase `t` in cycles, `|t| < 2^22`; the error stays under `3e-7`
/// (about -130 dB).
#[inline(always)]
pub fn sin_cycles(t: f32) -> f32 {
    // Into [-1/2, 1/2], then folded into [-1/4, 1/4] with sin(pi - x) = sin(x).
    let t = t - ((t + ROUND) - ROUND);
    let folded = 0.5f32.copysign(t) - t;
    let v = if t.abs() > 0.25 { folded } else { t };
    let v2 = v * v;
    v * (C1 + v2 * (C3 + v2 * (C5 + v2 * (C7 + v2 * C9))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sine_everywhere_in_range() {
        let mut worst = 0.0f64;
        for i in 0..=400_000 {
            let t = -40.0 + i as f64 * 2e-4 + 1.3e-6;
            let err = (sin_cycles(t as f32) as f64 - (2.0 * std::f64::consts::PI * (t as f32) as f64).sin()).abs();
            worst = worst.max(err);
        }
        assert!(worst < 3e-7, "worst error {worst}");
        assert_eq!(sin_cycles(0.0), 0.0);
        assert!((sin_cycles(0.25) - 1.0).abs() < 3e-7 && (sin_cycles(-0.25) + 1.0).abs() < 3e-7);
    }
}
