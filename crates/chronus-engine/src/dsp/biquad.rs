//! Second-order sections: RBJ-cookbook designs (Robert Bristow-Johnson, "Cookbook formulae
//! for audio EQ biquad filter coefficients"), Butterworth cascades, and a transposed direct
//! form II section in double precision so that low corner frequencies stay accurate.

use std::f64::consts::PI;

/// Response of one cookbook section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// 12 dB/octave lowpass, resonance set by Q.
    Lowpass,
    /// 12 dB/octave highpass, resonance set by Q.
    Highpass,
    /// Bandpass with 0 dB peak gain.
    Bandpass,
    /// Notch at the centre frequency.
    Notch,
    /// Bell boosting or cutting around the centre frequency.
    Peak,
    /// Shelf boosting or cutting below the corner frequency.
    Lowshelf,
    /// Shelf boosting or cutting above the corner frequency.
    Highshelf,
    /// Flat magnitude, phase turning through -360 degrees.
    Allpass,
}

/// Normalized coefficients `[b0, b1, b2, a1, a2]` (a0 = 1).
pub type Coefs = [f64; 5];

/// A section that passes its input unchanged.
pub const IDENTITY: Coefs = [1.0, 0.0, 0.0, 0.0, 0.0];

/// Cookbook coefficients for `shape` at `freq` Hz (clamped to [1 Hz, 0.49 x samplerate]),
/// quality `q` and `gain_db` dB (peak and shelves only).
pub fn design(shape: Shape, samplerate: f64, freq: f64, q: f64, gain_db: f64) -> Coefs {
    let w0 = 2.0 * PI * freq.clamp(1.0, 0.49 * samplerate) / samplerate;
    let (sin, cos) = w0.sin_cos();
    let alpha = sin / (2.0 * q.max(0.01));
    let a = 10f64.powf(gain_db / 40.0);
    let (b, a) = match shape {
        Shape::Lowpass => ([(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
        Shape::Highpass => {
            ([(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0], [1.0 + alpha, -2.0 * cos, 1.0 - alpha])
        }
        Shape::Bandpass => ([alpha, 0.0, -alpha], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
        Shape::Notch => ([1.0, -2.0 * cos, 1.0], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
        Shape::Allpass => ([1.0 - alpha, -2.0 * cos, 1.0 + alpha], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
        Shape::Peak => ([1.0 + alpha * a, -2.0 * cos, 1.0 - alpha * a], [1.0 + alpha / a, -2.0 * cos, 1.0 - alpha / a]),
        Shape::Lowshelf => {
            let r = 2.0 * a.sqrt() * alpha;
            (
                [
                    a * ((a + 1.0) - (a - 1.0) * cos + r),
                    2.0 * a * ((a - 1.0) - (a + 1.0) * cos),
                    a * ((a + 1.0) - (a - 1.0) * cos - r),
                ],
                [
                    (a + 1.0) + (a - 1.0) * cos + r,
                    -2.0 * ((a - 1.0) + (a + 1.0) * cos),
                    (a + 1.0) + (a - 1.0) * cos - r,
                ],
            )
        }
        Shape::Highshelf => {
            let r = 2.0 * a.sqrt() * alpha;
            (
                [
                    a * ((a + 1.0) + (a - 1.0) * cos + r),
                    -2.0 * a * ((a - 1.0) + (a + 1.0) * cos),
                    a * ((a + 1.0) + (a - 1.0) * cos - r),
                ],
                [(a + 1.0) - (a - 1.0) * cos + r, 2.0 * ((a - 1.0) - (a + 1.0) * cos), (a + 1.0) - (a - 1.0) * cos - r],
            )
        }
    };
    [b[0] / a[0], b[1] / a[0], b[2] / a[0], a[1] / a[0], a[2] / a[0]]
}

/// Q of section `k` (0-based) of an even-order-`order` Butterworth filter built as a cascade
/// of second-order sections: `1 / (2 cos((2k + 1) pi / (2 order)))`. Cascading cookbook
/// lowpass (or highpass) sections with these Qs at one corner frequency gives the bilinear
/// transform of the analog Butterworth filter prewarped at that corner.
pub fn butterworth_q(order: usize, k: usize) -> f64 {
    debug_assert!(order.is_multiple_of(2) && k < order / 2);
    1.0 / (2.0 * ((2 * k + 1) as f64 * PI / (2 * order) as f64).cos())
}

/// Runs one sample through a transposed direct form II section with state `s`.
#[inline(always)]
pub fn tick(c: &Coefs, s: &mut [f64; 2], x: f64) -> f64 {
    let [b0, b1, b2, a1, a2] = *c;
    let y = b0 * x + s[0];
    s[0] = b1 * x - a1 * y + s[1];
    s[1] = b2 * x - a2 * y;
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    fn magnitude(c: &Coefs, samplerate: f64, freq: f64) -> f64 {
        let w = 2.0 * PI * freq / samplerate;
        let z1 = (w.cos(), -w.sin());
        let z2 = ((2.0 * w).cos(), -(2.0 * w).sin());
        let num = (c[0] + c[1] * z1.0 + c[2] * z2.0, c[1] * z1.1 + c[2] * z2.1);
        let den = (1.0 + c[3] * z1.0 + c[4] * z2.0, c[3] * z1.1 + c[4] * z2.1);
        (num.0.hypot(num.1)) / den.0.hypot(den.1)
    }

    #[test]
    fn butterworth_cascade_is_3_db_down_at_the_corner_and_flat_below() {
        for order in [2usize, 4, 8] {
            let sections: Vec<Coefs> =
                (0..order / 2).map(|k| design(Shape::Lowpass, 48_000.0, 200.0, butterworth_q(order, k), 0.0)).collect();
            let gain = |f: f64| sections.iter().map(|c| magnitude(c, 48_000.0, f)).product::<f64>();
            assert!((20.0 * gain(200.0).log10() + 3.0103).abs() < 1e-3, "order {order}");
            assert!((20.0 * gain(20.0).log10()).abs() < 1e-3, "order {order}");
            // Well above the corner the slope is 6 dB per octave per pole.
            let slope = 20.0 * (gain(3200.0) / gain(1600.0)).log10();
            assert!((slope + 6.0 * order as f64).abs() < 1.5, "order {order}: {slope}");
        }
    }

    #[test]
    fn peak_reaches_its_gain_at_the_centre() {
        let c = design(Shape::Peak, 48_000.0, 2000.0, 1.5, -7.5);
        assert!((20.0 * magnitude(&c, 48_000.0, 2000.0).log10() + 7.5).abs() < 1e-9);
        let mut s = [0.0; 2];
        let dc: f64 = (0..10_000).map(|_| tick(&c, &mut s, 1.0)).last().unwrap();
        assert!((dc - 1.0).abs() < 1e-9);
    }
}
