//! Integer-factor decimation with a Kaiser-windowed sinc low-pass, computing only the
//! outputs it keeps.

/// Taps per unit of decimation factor.
const TAPS_PER_FACTOR: usize = 16;

/// A decimator by `factor` (1 passes samples through).
pub struct Decimator {
    factor: usize,
    taps: Box<[f32]>,
    /// The last `taps` inputs, twice over so a window is one slice.
    history: Box<[f32]>,
    pos: usize,
    phase: usize,
}

impl Decimator {
    /// A decimator by `factor`: flat to about 0.45 of the output Nyquist frequency, with its
    /// -6 dB point at 0.9 of it and 60 dB of rejection from 1.3 of it on.
    pub fn new(factor: usize) -> Self {
        let factor = factor.max(1);
        let len = if factor == 1 { 1 } else { TAPS_PER_FACTOR * factor };
        let cutoff = 0.45 / factor as f64; // cycles per input sample
        let centre = (len - 1) as f64 / 2.0;
        let beta = 7.0;
        let i0 = |x: f64| {
            let (mut term, mut sum) = (1.0, 1.0);
            for k in 1..50 {
                term *= (x / 2.0) * (x / 2.0) / (k * k) as f64;
                sum += term;
            }
            sum
        };
        let mut taps: Vec<f64> = (0..len)
            .map(|n| {
                let t = n as f64 - centre;
                let sinc = if t == 0.0 {
                    2.0 * cutoff
                } else {
                    (std::f64::consts::TAU * cutoff * t).sin() / (std::f64::consts::PI * t)
                };
                let r = if centre > 0.0 { t / centre } else { 0.0 };
                sinc * i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0(beta)
            })
            .collect();
        let sum: f64 = taps.iter().sum();
        taps.iter_mut().for_each(|t| *t /= sum);
        Decimator {
            factor,
            taps: taps.iter().rev().map(|t| *t as f32).collect(),
            history: vec![0.0; 2 * len].into(),
            pos: 0,
            phase: 0,
        }
    }

    /// The decimation factor.
    pub fn factor(&self) -> usize {
        self.factor
    }

    /// Delay of the filter in input samples.
    pub fn delay(&self) -> f64 {
        (self.taps.len() - 1) as f64 / 2.0
    }

    /// Feeds `input`; calls `out(y)` for every output sample.
    pub fn push(&mut self, input: &[f32], mut out: impl FnMut(f32)) {
        let len = self.taps.len();
        for &x in input {
            self.history[self.pos] = x;
            self.history[self.pos + len] = x;
            self.pos = (self.pos + 1) % len;
            self.phase += 1;
            if self.phase == self.factor {
                self.phase = 0;
                // Oldest first: history[pos .. pos + len].
                let window = &self.history[self.pos..self.pos + len];
                out(window.iter().zip(self.taps.iter()).map(|(a, b)| a * b).sum());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_band_and_stops_what_would_alias() {
        let sr = 44_100.0;
        let level = |freq: f64| {
            let mut d = Decimator::new(4);
            let x: Vec<f32> =
                (0..44_100).map(|n| (std::f64::consts::TAU * freq * n as f64 / sr).sin() as f32).collect();
            let mut y = Vec::new();
            d.push(&x, |v| y.push(v));
            let tail = &y[y.len() / 2..];
            (tail.iter().map(|v| v * v).sum::<f32>() / tail.len() as f32 * 2.0).sqrt()
        };
        // By 4 at 44.1 kHz: flat to 2.5 kHz (fundamentals and their first harmonics), and
        // what would fold back below 4 kHz is 60 dB down.
        for f in [200.0, 1000.0, 2500.0] {
            assert!((level(f) - 1.0).abs() < 0.01, "{f} Hz: {}", level(f));
        }
        for f in [7100.0, 9000.0, 15_000.0] {
            assert!(level(f) < 1e-3, "{f} Hz: {}", level(f));
        }
    }
}
