//! A gentle tone control for feedback loops: a first-order highpass ("low cut") and
//! lowpass ("high cut") in topology-preserving-transform form (Zavalishin), each
//! 6 dB/octave with its -3 dB point exactly at the corner frequency.

/// Coefficients of the two first-order sections; `None` where a section is switched off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tone {
    /// `g / (1 + g)` of the highpass, `g = tan(pi fc / samplerate)`.
    lowcut: Option<f32>,
    /// `g / (1 + g)` of the lowpass.
    highcut: Option<f32>,
}

/// Integrator states of one lane (highpass, lowpass).
pub type ToneState = [f32; 2];

fn gain(freq: f32, samplerate: f32) -> f32 {
    let g = (std::f32::consts::PI * freq / samplerate).tan();
    g / (1.0 + g)
}

impl Tone {
    /// A low cut at `lowcut` Hz (off at 0 or below) and a high cut at `highcut` Hz (off at or
    /// above half the sample rate).
    pub fn new(lowcut: f32, highcut: f32, samplerate: f32) -> Self {
        let nyquist = 0.5 * samplerate;
        Tone {
            lowcut: (lowcut > 0.0).then(|| gain(lowcut.min(0.49 * samplerate), samplerate)),
            highcut: (highcut < nyquist).then(|| gain(highcut.max(1.0), samplerate)),
        }
    }

    /// Filters one sample of a lane with state `s`.
    #[inline(always)]
    pub fn tick(&self, s: &mut ToneState, x: f32) -> f32 {
        let mut y = x;
        if let Some(g) = self.lowcut {
            let v = (y - s[0]) * g;
            let low = v + s[0];
            s[0] = low + v;
            y -= low;
        }
        if let Some(g) = self.highcut {
            let v = (y - s[1]) * g;
            let low = v + s[1];
            s[1] = low + v;
            y = low;
        }
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gain of `tone` at `freq` Hz measured with a steady sine.
    fn gain_at(tone: &Tone, freq: f32) -> f32 {
        let mut s = [0.0; 2];
        let mut peak = 0.0f32;
        for n in 0..96_000 {
            let y = tone.tick(&mut s, (2.0 * std::f32::consts::PI * freq * n as f32 / 48_000.0).sin());
            if n > 48_000 {
                peak = peak.max(y.abs());
            }
        }
        peak
    }

    #[test]
    fn corners_are_3_db_down_and_off_means_off() {
        let sqrt_half = std::f32::consts::FRAC_1_SQRT_2;
        assert!((gain_at(&Tone::new(200.0, 48_000.0, 48_000.0), 200.0) - sqrt_half).abs() < 2e-3);
        assert!((gain_at(&Tone::new(0.0, 3000.0, 48_000.0), 3000.0) - sqrt_half).abs() < 2e-3);
        let off = Tone::new(0.0, 24_000.0, 48_000.0);
        let mut s = [0.0; 2];
        assert!((0..100).all(|n| off.tick(&mut s, n as f32) == n as f32));
    }
}
