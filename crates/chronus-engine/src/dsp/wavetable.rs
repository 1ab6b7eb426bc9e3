//! Band-limited mip-mapped wavetables.
//!
//! Each waveform is stored as a series of single-cycle tables ("levels"), level `j` holding
//! harmonics `1..=K_j` with `K_j = floor(K_max * 2^(-j/4))`: four levels per octave. An
//! oscillator with phase increment `inc` (cycles per frame) reads the richest level whose
//! top harmonic stays below Nyquist, so nothing aliases, and the top harmonic is never
//! more than a quarter octave below Nyquist (above 20 kHz at 48 kHz), so nothing audible
//! is lost. Tables are 4096 samples and hold at most 1024 harmonics, which keeps the
//! images of linear interpolation at least 24 dB under the harmonic that makes them.
//!
//! [`MipTable`] holds the built-in waveforms; [`Wavetable`] holds user tables of one or
//! more frames (waveforms to morph between), taken from any number of samples per cycle
//! by FFT, with levels that shrink with their harmonics and are read by cubic B-spline.

use std::f64::consts::PI;
use std::sync::OnceLock;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner};

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

/// Top harmonic of level `j` of a waveform whose richest level holds `top_harmonics`.
fn harmonics_at(top_harmonics: usize, j: usize) -> usize {
    (top_harmonics as f64 * 2f64.powf(-(j as f64) / LEVELS_PER_OCTAVE as f64)).floor() as usize
}

/// Index of the level to play at `inc` cycles per frame, among `count` levels of a
/// waveform whose richest level holds `top_harmonics` (the last level is silent).
#[inline]
fn level_for(top_harmonics: usize, count: usize, inc: f32) -> usize {
    /// Quarter-octave steps within one octave: 2^(1/4), 2^(2/4), 2^(3/4).
    const QUARTERS: [f32; 3] = [1.189_207_1, std::f32::consts::SQRT_2, 1.681_792_8];
    let x = 2.0 * top_harmonics as f32 * inc.abs();
    if x <= 1.0 || x.is_nan() {
        return 0;
    }
    if x.is_infinite() {
        return count - 1;
    }
    let bits = x.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127;
    let mantissa = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let quarter = if mantissa == 1.0 { 0 } else { 1 + QUARTERS.iter().filter(|q| mantissa > **q).count() };
    ((4 * exponent as usize) + quarter).min(count - 1)
}

/// One cycle from its spectrum (bins `0..=len/2`, as the forward FFT of the cycle divided
/// by its length).
fn synthesize(ifft: &dyn ComplexToReal<f64>, spectrum: &mut [Complex<f64>]) -> Vec<f64> {
    let mut samples = ifft.make_output_vec();
    ifft.process(spectrum, &mut samples).expect("sizes match the plan");
    samples
}

impl MipTable {
    /// Builds the levels of the waveform whose harmonic `k` is `amplitude(k) * sin(2 pi k t)`.
    fn new(top_harmonics: usize, amplitude: impl Fn(usize) -> f64) -> Self {
        let mut planner = RealFftPlanner::<f64>::new();
        let ifft = planner.plan_fft_inverse(TABLE_LEN);
        let mut levels = Vec::new();
        let mut j = 0;
        loop {
            let k_max = harmonics_at(top_harmonics, j);
            let mut spectrum = vec![Complex::new(0.0, 0.0); TABLE_LEN / 2 + 1];
            for (k, bin) in spectrum.iter_mut().enumerate().take(k_max + 1).skip(1) {
                // The inverse FFT sums X[k] e^{i theta} and its conjugate: -i c/2 gives c sin(theta).
                *bin = Complex::new(0.0, -amplitude(k) / 2.0);
            }
            let mut cycle = Box::new([0.0f32; TABLE_LEN + 1]);
            for (c, s) in cycle.iter_mut().zip(synthesize(ifft.as_ref(), &mut spectrum).iter().cycle()) {
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
        level_for(self.top_harmonics, self.levels.len(), inc)
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

/// Fewest samples per cycle of a [`Wavetable`] level.
const MIN_LEN: usize = 4;

/// Guard samples around each [`Wavetable`] cycle: one before, two after.
const GUARDS: usize = 3;

/// One mip level of a [`Wavetable`]: every frame's cycle at one length.
struct Level {
    /// Samples per cycle (a power of two).
    len: usize,
    /// Right shift taking a [`Phase`] to a sample index.
    shift: u32,
    /// Frame after frame, `len + GUARDS` spline coefficients each: the last of the cycle,
    /// the cycle, then its first two.
    cycles: Box<[f32]>,
}

/// A user wavetable: one or more frames (single-cycle waveforms, to morph between), each
/// band-limited into mip levels four per octave like [`MipTable`]. Level `j` holds
/// harmonics `1..=K_j` in cycles of `16 K_j` samples rounded up to a power of two, at most
/// 4096 (so at least 4 per harmonic) and at least 4; about 256 KB per frame in all.
/// Cycles are read as cubic B-splines, whose response to harmonic `k` of an `N`-sample
/// cycle is `sinc^4(k / N)`: the stored coefficients are the harmonics divided by it, so
/// every harmonic plays at exactly its level. The images the spline leaves fall off as
/// `(k / N)^8` in energy: -38 dB under the harmonic that makes them at `k / N = 1/4` (only
/// in the levels with more than 256 harmonics, played below 90 Hz at 48 kHz), under
/// -90 dB from `1/16` on. The DC offset of each frame is dropped.
pub struct Wavetable {
    frames: usize,
    top_harmonics: usize,
    levels: Vec<Level>,
}

impl Wavetable {
    /// Builds a table from `rows` of `columns` samples each (`values.len()` a multiple of
    /// `columns`), each row holding `cycles` cycles of one frame. A row keeps its harmonics
    /// below its own Nyquist frequency (up to 1024); resampling to the level lengths is
    /// exact, by FFT.
    pub fn from_rows(values: &[f32], columns: usize, cycles: usize) -> Self {
        assert!(columns > 0 && cycles > 0 && values.len().is_multiple_of(columns) && !values.is_empty());
        let frames = values.len() / columns;
        let top_harmonics = ((columns - 1) / 2 / cycles).min(MAX_HARMONICS);
        let mut planner = RealFftPlanner::<f64>::new();
        let fft = planner.plan_fft_forward(columns);
        // Every frame's harmonics 1..=top, scaled as the spectrum of a unit-length cycle.
        let mut harmonics = Vec::with_capacity(frames * top_harmonics);
        let mut row = fft.make_input_vec();
        let mut bins = fft.make_output_vec();
        for frame in values.chunks_exact(columns) {
            row.iter_mut().zip(frame).for_each(|(r, v)| *r = *v as f64);
            fft.process(&mut row, &mut bins).expect("sizes match the plan");
            harmonics.extend((1..=top_harmonics).map(|k| bins[k * cycles] / columns as f64));
        }
        let mut levels = Vec::new();
        let mut j = 0;
        loop {
            let k_max = harmonics_at(top_harmonics, j);
            let len = (16 * k_max).next_power_of_two().clamp(MIN_LEN, TABLE_LEN);
            let ifft = planner.plan_fft_inverse(len);
            let mut cycles_out = vec![0.0f32; frames * (len + GUARDS)];
            let mut spectrum = ifft.make_input_vec();
            let boost: Vec<f64> = (1..=k_max)
                .map(|k| {
                    let x = PI * k as f64 / len as f64;
                    (x / x.sin()).powi(4)
                })
                .collect();
            for (f, out) in cycles_out.chunks_exact_mut(len + GUARDS).enumerate() {
                spectrum.fill(Complex::new(0.0, 0.0));
                let frame = &harmonics[f * top_harmonics..f * top_harmonics + k_max];
                for ((bin, h), b) in spectrum[1..=k_max].iter_mut().zip(frame).zip(&boost) {
                    *bin = h * *b;
                }
                let cycle = synthesize(ifft.as_ref(), &mut spectrum);
                for (i, o) in out.iter_mut().enumerate() {
                    *o = cycle[(i + len - 1) % len] as f32;
                }
            }
            levels.push(Level { len, shift: 32 - len.trailing_zeros(), cycles: cycles_out.into() });
            if k_max == 0 {
                break;
            }
            j += 1;
        }
        Wavetable { frames, top_harmonics, levels }
    }

    /// Number of frames.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Index of the level to play at `inc` cycles per frame (the last level is silent).
    #[inline]
    pub fn level(&self, inc: f32) -> usize {
        level_for(self.top_harmonics, self.levels.len(), inc)
    }

    /// Frame `frame` of level `level` at `phase`: the cubic B-spline through the four
    /// coefficients around it.
    #[inline(always)]
    pub fn read(&self, level: usize, frame: usize, phase: Phase) -> f32 {
        let lv = &self.levels[level];
        let i = (phase >> lv.shift) as usize;
        let t = (phase & ((1 << lv.shift) - 1)) as f32 * (1.0 / (1u64 << lv.shift) as f32);
        let at = frame * (lv.len + GUARDS) + i;
        let [c0, c1, c2, c3]: [f32; 4] = lv.cycles[at..at + 4].try_into().expect("four taps");
        let (t2, u) = (t * t, 1.0 - t);
        let (w0, w3) = (u * u * u * (1.0 / 6.0), t2 * t * (1.0 / 6.0));
        let w1 = (2.0 / 3.0) - t2 + 0.5 * t2 * t;
        let w2 = 1.0 - w0 - w1 - w3;
        w0 * c0 + w1 * c1 + w2 * c2 + w3 * c3
    }
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
    fn user_rows_of_several_cycles_resample_exactly_and_shrink_per_octave() {
        // 600 samples holding 3 cycles of sin(2 pi t) + 0.5 cos(4 pi t) + 0.1 sin(198 pi t)
        // + 0.25 (DC, dropped): harmonic 99 is the highest the rows can carry.
        let wave = |t: f64| (2.0 * PI * t).sin() + 0.5 * (4.0 * PI * t).cos() + 0.1 * (198.0 * PI * t).sin();
        let row: Vec<f32> = (0..600).map(|i| (wave(3.0 * i as f64 / 600.0) + 0.25) as f32).collect();
        let table = Wavetable::from_rows(&row, 600, 3);
        assert_eq!((table.frames(), table.top_harmonics), (1, 99));
        // Read finely, the spline holds exactly the row's harmonics (the stored boost undoes
        // its dulling); what else it holds are images near 2048 +- k.
        let n = 1 << 14;
        let read: Vec<f64> = (0..n).map(|i| table.read(0, 0, phase_of(i as f64 / n as f64)) as f64).collect();
        let harmonic = |k: usize| {
            let (mut re, mut im) = (0.0, 0.0);
            for (i, x) in read.iter().enumerate() {
                let a = 2.0 * PI * (k * i) as f64 / n as f64;
                (re, im) = (re + x * a.cos(), im + x * a.sin());
            }
            (2.0 * re / n as f64, 2.0 * im / n as f64)
        };
        let (c1, s1) = harmonic(1);
        let (c2, s2) = harmonic(2);
        assert!((s1 - 1.0).abs() < 1e-5 && c1.abs() < 1e-5 && (c2 - 0.5).abs() < 1e-5 && s2.abs() < 1e-5);
        assert!(harmonic(0).0.abs() < 1e-6, "DC is dropped");
        let (c99, s99) = harmonic(99);
        assert!((s99 - 0.1).abs() < 1e-5 && c99.abs() < 1e-5);
        // Level 0 has 2048 samples (16 x 99 rounded up). Harmonic 99 leaves an image at
        // 2048 - 99 of relative level sinc^4(1949 / 2048) / sinc^4(99 / 2048), -104 dB.
        let sinc = |x: f64| (PI * x).sin() / (PI * x);
        let (ic, is) = harmonic(1949);
        let expected = 0.1 * (sinc(1949.0 / 2048.0) / sinc(99.0 / 2048.0)).powi(4);
        assert!((ic.hypot(is) / expected - 1.0).abs() < 0.02, "{} vs {expected}", ic.hypot(is));
        for (j, level) in table.levels.iter().enumerate() {
            assert_eq!(
                level.len,
                (16 * harmonics_at(99, j)).next_power_of_two().clamp(MIN_LEN, TABLE_LEN),
                "level {j}"
            );
        }
        assert!(table.levels.last().unwrap().cycles.iter().all(|x| *x == 0.0));
    }

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
