//! Second-order sections with the responses of the RBJ cookbook (Robert Bristow-Johnson,
//! "Cookbook formulae for audio EQ biquad filter coefficients") and Butterworth cascades,
//! realised as a trapezoidal state-variable filter (Andrew Simper, "Solving the continuous
//! SVF equations using trapezoidal integration and equivalent currents", 2013).
//!
//! The cookbook's designs are the bilinear transforms of analog prototypes prewarped at
//! their frequency; the trapezoidal SVF discretizes the same prototypes the same way, so
//! the transfer functions are identical (the tests check them against the cookbook's
//! coefficients). What differs is the structure: a direct-form biquad whose coefficients
//! move every frame (audio-rate modulation of its frequency) can blow up even though every
//! set of coefficients it passes through is stable, whereas the SVF's two integrators keep
//! their meaning whatever the coefficients do, so it stays bounded under modulation. The
//! state is kept in double precision so that low corner frequencies stay accurate.

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

/// The coefficients of one section: the SVF's `a1, a2, a3` and the output mix
/// `m0 x + m1 band + m2 low`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Section {
    a1: f64,
    a2: f64,
    a3: f64,
    m0: f64,
    m1: f64,
    m2: f64,
}

/// Integrator states of one section.
pub type State = [f64; 2];

impl Section {
    /// A section that passes its input unchanged.
    pub const IDENTITY: Section = Section { a1: 1.0, a2: 0.0, a3: 0.0, m0: 1.0, m1: 0.0, m2: 0.0 };

    /// The cookbook's `shape` at `freq` Hz (clamped to [1 Hz, 0.49 x samplerate]), quality
    /// `q` (at least 0.01) and `gain_db` dB (peak and shelves only).
    pub fn design(shape: Shape, samplerate: f64, freq: f64, q: f64, gain_db: f64) -> Section {
        let g = (PI * freq.clamp(1.0, 0.49 * samplerate) / samplerate).tan();
        let k = 1.0 / q.max(0.01);
        // Amplitude of the peak and shelves: 10^(gain / 40).
        let a = (gain_db * (std::f64::consts::LN_10 / 40.0)).exp();
        let (g, k, [m0, m1, m2]) = match shape {
            Shape::Lowpass => (g, k, [0.0, 0.0, 1.0]),
            Shape::Highpass => (g, k, [1.0, -k, -1.0]),
            Shape::Bandpass => (g, k, [0.0, k, 0.0]),
            Shape::Notch => (g, k, [1.0, -k, 0.0]),
            Shape::Allpass => (g, k, [1.0, -2.0 * k, 0.0]),
            Shape::Peak => {
                let k = k / a;
                (g, k, [1.0, k * (a * a - 1.0), 0.0])
            }
            Shape::Lowshelf => (g / a.sqrt(), k, [1.0, k * (a - 1.0), a * a - 1.0]),
            Shape::Highshelf => (g * a.sqrt(), k, [a * a, k * (1.0 - a) * a, 1.0 - a * a]),
        };
        let a1 = 1.0 / (1.0 + g * (g + k));
        Section { a1, a2: g * a1, a3: g * g * a1, m0, m1, m2 }
    }

    /// Runs one sample through the section with state `s`.
    #[inline(always)]
    pub fn tick(&self, s: &mut State, x: f64) -> f64 {
        let v3 = x - s[1];
        let v1 = self.a1 * s[0] + self.a2 * v3;
        let v2 = s[1] + self.a2 * s[0] + self.a3 * v3;
        s[0] = 2.0 * v1 - s[0];
        s[1] = 2.0 * v2 - s[1];
        self.m0 * x + self.m1 * v1 + self.m2 * v2
    }
}

/// Q of section `k` (0-based) of an even-order-`order` Butterworth filter built as a cascade
/// of second-order sections: `1 / (2 cos((2k + 1) pi / (2 order)))`. Cascading lowpass (or
/// highpass) sections with these Qs at one corner frequency gives the bilinear transform of
/// the analog Butterworth filter prewarped at that corner.
pub fn butterworth_q(order: usize, k: usize) -> f64 {
    debug_assert!(order.is_multiple_of(2) && k < order / 2);
    1.0 / (2.0 * ((2 * k + 1) as f64 * PI / (2 * order) as f64).cos())
}

/// Whether every state is finite.
#[inline]
pub fn finite(states: &[State]) -> bool {
    states.iter().fold(true, |ok, s| ok & s[0].is_finite() & s[1].is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cookbook's own coefficients `[b0, b1, b2, a1, a2]` (a0 = 1).
    fn cookbook(shape: Shape, samplerate: f64, freq: f64, q: f64, gain_db: f64) -> [f64; 5] {
        let w0 = 2.0 * PI * freq / samplerate;
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / (2.0 * q);
        let a = 10f64.powf(gain_db / 40.0);
        let r = 2.0 * a.sqrt() * alpha;
        let (b, d) = match shape {
            Shape::Lowpass => {
                ([(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0], [1.0 + alpha, -2.0 * cos, 1.0 - alpha])
            }
            Shape::Highpass => {
                ([(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0], [1.0 + alpha, -2.0 * cos, 1.0 - alpha])
            }
            Shape::Bandpass => ([alpha, 0.0, -alpha], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
            Shape::Notch => ([1.0, -2.0 * cos, 1.0], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
            Shape::Allpass => ([1.0 - alpha, -2.0 * cos, 1.0 + alpha], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
            Shape::Peak => {
                ([1.0 + alpha * a, -2.0 * cos, 1.0 - alpha * a], [1.0 + alpha / a, -2.0 * cos, 1.0 - alpha / a])
            }
            Shape::Lowshelf => (
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
            ),
            Shape::Highshelf => (
                [
                    a * ((a + 1.0) + (a - 1.0) * cos + r),
                    -2.0 * a * ((a - 1.0) + (a + 1.0) * cos),
                    a * ((a + 1.0) + (a - 1.0) * cos - r),
                ],
                [(a + 1.0) - (a - 1.0) * cos + r, 2.0 * ((a - 1.0) - (a + 1.0) * cos), (a + 1.0) - (a - 1.0) * cos - r],
            ),
        };
        [b[0] / d[0], b[1] / d[0], b[2] / d[0], d[1] / d[0], d[2] / d[0]]
    }

    /// The first `n` samples of the impulse response of a direct-form biquad.
    fn direct_impulse(c: [f64; 5], n: usize) -> Vec<f64> {
        let [b0, b1, b2, a1, a2] = c;
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        (0..n)
            .map(|i| {
                let x = if i == 0 { 1.0 } else { 0.0 };
                let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
                (x2, x1, y2, y1) = (x1, x, y1, y);
                y
            })
            .collect()
    }

    fn section_impulse(section: &Section, n: usize) -> Vec<f64> {
        let mut s = [0.0; 2];
        (0..n).map(|i| section.tick(&mut s, if i == 0 { 1.0 } else { 0.0 })).collect()
    }

    #[test]
    fn every_shape_has_the_cookbook_response() {
        let shapes = [
            Shape::Lowpass,
            Shape::Highpass,
            Shape::Bandpass,
            Shape::Notch,
            Shape::Peak,
            Shape::Lowshelf,
            Shape::Highshelf,
            Shape::Allpass,
        ];
        for shape in shapes {
            for (freq, q, gain) in [(1000.0, 0.75, 6.0), (120.0, 4.0, -9.0), (9000.0, 1.5, 12.0), (30.0, 0.3, -30.0)] {
                let ours = section_impulse(&Section::design(shape, 48_000.0, freq, q, gain), 4000);
                let theirs = direct_impulse(cookbook(shape, 48_000.0, freq, q, gain), 4000);
                let worst = ours.iter().zip(&theirs).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
                assert!(worst < 1e-9, "{shape:?} at {freq} Hz, q {q}, {gain} dB: impulse responses differ by {worst}");
            }
        }
    }

    #[test]
    fn butterworth_cascade_is_3_db_down_at_the_corner_and_flat_below() {
        for order in [2usize, 4, 8] {
            let sections: Vec<Section> = (0..order / 2)
                .map(|k| Section::design(Shape::Lowpass, 48_000.0, 200.0, butterworth_q(order, k), 0.0))
                .collect();
            // Gain at `freq` measured with a steady sine through the cascade.
            let gain = |freq: f64| {
                let mut states = vec![[0.0; 2]; sections.len()];
                let mut peak = 0.0f64;
                for n in 0..96_000 {
                    let mut y = (2.0 * PI * freq * n as f64 / 48_000.0).sin();
                    for (c, s) in sections.iter().zip(&mut states) {
                        y = c.tick(s, y);
                    }
                    if n > 48_000 {
                        peak = peak.max(y.abs());
                    }
                }
                peak
            };
            assert!((20.0 * gain(200.0).log10() + 3.0103).abs() < 2e-3, "order {order}");
            assert!((20.0 * gain(20.0).log10()).abs() < 2e-3, "order {order}");
        }
    }

    #[test]
    fn audio_rate_frequency_modulation_stays_bounded() {
        // Noise sweeping the frequency over 100 Hz to 20 kHz at Q 5, for every shape: a
        // direct-form biquad redesigned every frame blows up on this.
        let mut rng = crate::dsp::rng::XorShift32::new(7);
        for shape in [Shape::Lowpass, Shape::Highpass, Shape::Bandpass, Shape::Peak, Shape::Highshelf, Shape::Allpass] {
            let mut s = [0.0; 2];
            let mut peak = 0.0f64;
            for _ in 0..48_000 {
                let freq = 100.0 * 200f64.powf(rng.unipolar() as f64);
                let section = Section::design(shape, 48_000.0, freq, 5.0, 12.0);
                peak = peak.max(section.tick(&mut s, rng.bipolar() as f64).abs());
            }
            assert!(peak.is_finite() && peak < 100.0, "{shape:?}: peak {peak}");
            assert!(finite(&[s]));
        }
    }
}
