//! Band-limited mip-mapped wavetables.
//!
//! Each waveform is stored as a series of single-cycle tables ("levels"), level `j` holding
//! harmonics `1..=K_j` with `K_j = floor(K_max * 2^(-j/4))`: four levels per octave. An
//! oscillator with phase increment `inc` (cycles per frame) reads the richest level whose
//! top harmonic stays below Nyquist, so nothing aliases, and the top harmonic is never
//! more than a quarter octave below Nyquist (above 20 kHz at 48 kHz), so nothing audible
//! is lost. Tables are 4096 samples and hold at most 1024 harmonics, which keeps the
//! images of linear interpolation at least 24 dB under the harmonic that makes them.

use std::sync::OnceLock;

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

/// Samples per table cycle.
pub const TABLE_LEN: usize = 4096;
/// Most harmonics any level holds.
const MAX_HARMONICS: usize = TABLE_LEN / 4;
/// Levels per octave of fundamental frequency.
const LEVELS_PER_OCTAVE: f32 = 4.0;

/// One cycle plus a guard sample equal to the first, for interpolation without wrapping.
pub type Cycle = [f32; TABLE_LEN + 1];

/// A waveform as mip levels from richest to silent.
pub struct MipTable {
    levels: Vec<Box<Cycle>>,
    top_harmonics: usize,
}

impl MipTable {
    /// Builds the levels of the waveform whose harmonic `k` is `amplitude(k) * sin(2 pi k t)`.
    fn new(top_harmonics: usize, amplitude: impl Fn(usize) -> f64) -> Self {
        let mut planner = RealFftPlanner::<f64>::new();
        let ifft = planner.plan_fft_inverse(TABLE_LEN);
        let mut levels = Vec::new();
        let mut j = 0;
        loop {
            let k_max = (top_harmonics as f64 * 2f64.powf(-(j as f64) / LEVELS_PER_OCTAVE as f64)).floor() as usize;
            let mut spectrum = vec![Complex::new(0.0, 0.0); TABLE_LEN / 2 + 1];
            for (k, bin) in spectrum.iter_mut().enumerate().take(k_max + 1).skip(1) {
                // The inverse FFT sums X[k] e^{i theta} and its conjugate: -i c/2 gives c sin(theta).
                *bin = Complex::new(0.0, -amplitude(k) / 2.0);
            }
            let mut samples = vec![0.0f64; TABLE_LEN];
            ifft.process(&mut spectrum, &mut samples).expect("sizes match the plan");
            let mut cycle = Box::new([0.0f32; TABLE_LEN + 1]);
            for (c, s) in cycle.iter_mut().zip(samples.iter().cycle()) {
                *c = *s as f32;
            }
            levels.push(cycle);
            if k_max == 0 {
                break;
            }
            j += 1;
        }
        MipTable { levels, top_harmonics }
    }

    /// Index of the level to play at `inc` cycles per frame (the last level is silent):
    /// `ceil(4 log2(2 K inc))`, computed exactly from the float's exponent and mantissa
    /// (no libm call, so it is cheap enough for audio-rate frequency modulation).
    #[inline]
    pub fn level(&self, inc: f32) -> usize {
        /// Quarter-octave steps within one octave: 2^(1/4), 2^(2/4), 2^(3/4).
        const QUARTERS: [f32; 3] = [1.189_207_1, std::f32::consts::SQRT_2, 1.681_792_8];
        let x = 2.0 * self.top_harmonics as f32 * inc.abs();
        if x <= 1.0 || x.is_nan() {
            return 0;
        }
        if x.is_infinite() {
            return self.levels.len() - 1;
        }
        let bits = x.to_bits();
        let exponent = ((bits >> 23) & 0xff) as i32 - 127;
        let mantissa = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
        let quarter = if mantissa == 1.0 { 0 } else { 1 + QUARTERS.iter().filter(|q| mantissa > **q).count() };
        ((4 * exponent as usize) + quarter).min(self.levels.len() - 1)
    }

    /// The cycle of level `level`.
    #[inline]
    pub fn cycle(&self, level: usize) -> &Cycle {
        &self.levels[level]
    }

    /// Number of levels, the silent one included.
    pub fn len(&self) -> usize {
        self.levels.len()
    }

    /// Whether there are no levels (never true for built tables).
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }
}

/// Bits of a fixed-point phase that index the table; the rest interpolate.
const INDEX_SHIFT: u32 = 32 - TABLE_LEN.trailing_zeros();
/// Scale from the interpolation bits of a phase to a fraction in [0, 1).
const FRAC_SCALE: f32 = 1.0 / (1u32 << INDEX_SHIFT) as f32;

/// A phase as a fraction of a cycle in 32-bit fixed point: it wraps by itself, and a
/// frequency resolves to `samplerate / 2^32` Hz (about 1e-5 Hz at 48 kHz).
pub type Phase = u32;

/// The fixed-point phase for `cycles` (any real number; only the fraction matters).
#[inline]
pub fn phase_of(cycles: f64) -> Phase {
    ((cycles - cycles.floor()) * 4_294_967_296.0) as u64 as u32
}

/// The per-frame phase step for `cycles_per_frame` (negative runs backwards), rounded to
/// the nearest step.
#[inline]
pub fn step_of(cycles_per_frame: f64) -> Phase {
    let v = cycles_per_frame * 4_294_967_296.0;
    (v + 0.5f64.copysign(v)) as i64 as u32
}

/// Reads `cycle` at `phase` with linear interpolation.
#[inline(always)]
pub fn read(cycle: &Cycle, phase: Phase) -> f32 {
    let i = (phase >> INDEX_SHIFT) as usize;
    let frac = (phase & ((1 << INDEX_SHIFT) - 1)) as f32 * FRAC_SCALE;
    let a = cycle[i];
    let b = cycle[i + 1];
    a + frac * (b - a)
}

/// A sine: one harmonic, so one level plus silence above Nyquist.
pub fn sine() -> &'static MipTable {
    static T: OnceLock<MipTable> = OnceLock::new();
    T.get_or_init(|| MipTable::new(1, |_| 1.0))
}

/// A rising sawtooth from -1 to 1: `-(2/pi) sum sin(2 pi k t) / k`.
pub fn saw() -> &'static MipTable {
    static T: OnceLock<MipTable> = OnceLock::new();
    T.get_or_init(|| MipTable::new(MAX_HARMONICS, |k| -2.0 / (std::f64::consts::PI * k as f64)))
}

/// A square, +1 on the first half cycle: `(4/pi) sum_{k odd} sin(2 pi k t) / k`.
pub fn square() -> &'static MipTable {
    static T: OnceLock<MipTable> = OnceLock::new();
    T.get_or_init(|| {
        MipTable::new(MAX_HARMONICS, |k| if k % 2 == 1 { 4.0 / (std::f64::consts::PI * k as f64) } else { 0.0 })
    })
}

/// A triangle rising through 0 at t = 0 to 1 at t = 1/4:
/// `(8/pi^2) sum_{k odd} (-1)^((k-1)/2) sin(2 pi k t) / k^2`.
pub fn triangle() -> &'static MipTable {
    static T: OnceLock<MipTable> = OnceLock::new();
    T.get_or_init(|| {
        MipTable::new(MAX_HARMONICS, |k| {
            if k % 2 == 0 {
                return 0.0;
            }
            let sign = if (k / 2) % 2 == 0 { 1.0 } else { -1.0 };
            sign * 8.0 / (std::f64::consts::PI * std::f64::consts::PI * (k * k) as f64)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saw_matches_the_ideal_ramp_away_from_the_jump() {
        let t = saw().cycle(0);
        for i in (256..3840).step_by(64) {
            let ideal = 2.0 * i as f32 / TABLE_LEN as f32 - 1.0;
            assert!((t[i] - ideal).abs() < 0.01, "sample {i}: {} vs {ideal}", t[i]);
        }
    }

    #[test]
    fn level_is_the_ceiling_of_four_log2() {
        let table = saw();
        for i in 0..20_000 {
            let inc = 1e-5 * 1.0007f32.powi(i);
            let exact = (4.0 * (2.0 * MAX_HARMONICS as f64 * inc as f64).log2()).ceil().max(0.0) as usize;
            assert_eq!(table.level(inc), exact.min(table.len() - 1), "inc {inc}");
        }
    }

    #[test]
    fn level_keeps_every_harmonic_below_nyquist() {
        let table = saw();
        for inc in [1e-4f32, 0.001, 0.0211, 0.05, 0.2, 0.49] {
            let level = table.level(inc);
            let k = (MAX_HARMONICS as f64 * 2f64.powf(-(level as f64) / 4.0)).floor();
            assert!(k * (inc as f64) < 0.5, "inc {inc}: level {level} holds {k} harmonics");
            // ...and it is the richest level that does (no needless dulling).
            let best = (0..table.len())
                .map(|j| (MAX_HARMONICS as f64 * 2f64.powf(-(j as f64) / 4.0)).floor())
                .find(|k| k * (inc as f64) < 0.5)
                .unwrap();
            assert_eq!(k, best, "inc {inc}");
        }
        assert_eq!(table.level(0.6), table.len() - 1);
        assert!(table.cycle(table.len() - 1).iter().all(|s| *s == 0.0));
    }
}
