//! Frame-wise spectral features: STFT, mel bands, chroma, MFCC, centroid/rolloff/flatness/
//! flux, and frame RMS. Each is an [`Analyzer`]; frames are stamped with their centre.
//!
//! Definitions follow librosa's where it has one (with `center=False`, so frames are the
//! causal ones of [`Framer`]): `stft` (windowed FFT), `melspectrogram` (power, Slaney mel
//! filters), `chroma_stft` (power, Ellis filters, max-normalised, `tuning` given rather
//! than estimated), `mfcc` (orthonormal DCT-II of `10 log10(max(mel, 1e-10))`, without
//! librosa's file-wide `top_db` floor, which a stream cannot know), `spectral_centroid`,
//! `spectral_rolloff` (magnitude), `spectral_flatness` (power) and `rms`.

use realfft::num_complex::Complex;

use super::filterbank::{self, FilterBank};
use super::framer::Framer;
use super::spectrum::{bin_frequencies, Spectrum, Window};
use super::{Analyzer, Emit};

/// Floor under powers before taking logs (librosa's `amin`).
pub const AMIN: f32 = 1e-10;

/// Framing plus a windowed FFT: the front end of every spectral feature.
pub struct SpectralFrames {
    framer: Framer,
    spectrum: Spectrum,
}

impl SpectralFrames {
    /// Frames of `size` samples every `hop`, windowed by `window`.
    pub fn new(size: usize, hop: usize, window: Window) -> Self {
        SpectralFrames { framer: Framer::new(size, hop), spectrum: Spectrum::new(size, window) }
    }

    /// Bins per spectrum.
    pub fn bins(&self) -> usize {
        self.spectrum.bins()
    }

    /// Feeds `input`; calls `frame(spectrum, centre)` for every completed frame, with
    /// `centre` the stream position of the frame's centre (negative for the first frames,
    /// which reach back before the start).
    pub fn push(&mut self, input: &[f32], mut frame: impl FnMut(&[Complex<f32>], i64)) {
        let half = (self.framer.size() / 2) as i64;
        let SpectralFrames { framer, spectrum } = self;
        framer.push(input, |samples, end| frame(spectrum.transform(samples), end as i64 - half));
    }
}

#[inline]
fn power(c: &Complex<f32>) -> f32 {
    c.re * c.re + c.im * c.im
}

/// What the `stft` analyzer reports per bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StftOutput {
    /// `|X|`.
    Magnitude,
    /// `|X|^2`.
    Power,
    /// `arg X` in radians.
    Phase,
}

/// The short-time Fourier transform: one value per bin per frame.
pub struct Stft {
    front: SpectralFrames,
    output: StftOutput,
    values: Box<[f32]>,
}

impl Stft {
    /// `size`-point frames every `hop` samples.
    pub fn new(size: usize, hop: usize, window: Window, output: StftOutput) -> Self {
        let front = SpectralFrames::new(size, hop, window);
        Stft { values: vec![0.0; front.bins()].into(), front, output }
    }
}

impl Analyzer for Stft {
    fn width(&self) -> usize {
        self.values.len()
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let Stft { front, output, values } = self;
        front.push(input, |spec, t| {
            for (v, c) in values.iter_mut().zip(spec) {
                *v = match output {
                    StftOutput::Magnitude => power(c).sqrt(),
                    StftOutput::Power => power(c),
                    StftOutput::Phase => c.im.atan2(c.re),
                };
            }
            emit(t, values);
        });
    }
}

/// Mel-band power (or dB) per frame.
pub struct Mel {
    front: SpectralFrames,
    bank: FilterBank,
    db: bool,
    power: Box<[f32]>,
    values: Box<[f32]>,
}

impl Mel {
    /// `bands` Slaney mel bands between `fmin` and `fmax` Hz; dB (`10 log10(max(p, 1e-10))`)
    /// if `db`, else power.
    pub fn new(samplerate: f64, size: usize, hop: usize, bands: usize, fmin: f64, fmax: f64, db: bool) -> Self {
        let front = SpectralFrames::new(size, hop, Window::Hann);
        Mel {
            bank: filterbank::mel(samplerate, size, bands, fmin, fmax),
            power: vec![0.0; front.bins()].into(),
            values: vec![0.0; bands].into(),
            front,
            db,
        }
    }
}

/// `10 log10(max(x, AMIN))` in place.
fn to_db(values: &mut [f32]) {
    for v in values {
        *v = 10.0 * v.max(AMIN).log10();
    }
}

impl Analyzer for Mel {
    fn width(&self) -> usize {
        self.values.len()
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let Mel { front, bank, db, power: p, values } = self;
        front.push(input, |spec, t| {
            for (o, c) in p.iter_mut().zip(spec) {
                *o = power(c);
            }
            bank.apply(p, values);
            if *db {
                to_db(values);
            }
            emit(t, values);
        });
    }
}

/// Mel-frequency cepstral coefficients per frame.
pub struct Mfcc {
    mel: Mel,
    dct: Box<[f32]>,
    values: Box<[f32]>,
}

impl Mfcc {
    /// `coefficients` MFCCs from `bands` mel bands between `fmin` and `fmax` Hz.
    pub fn new(
        samplerate: f64,
        size: usize,
        hop: usize,
        bands: usize,
        coefficients: usize,
        fmin: f64,
        fmax: f64,
    ) -> Self {
        Mfcc {
            mel: Mel::new(samplerate, size, hop, bands, fmin, fmax, true),
            dct: filterbank::dct2(bands, coefficients),
            values: vec![0.0; coefficients].into(),
        }
    }
}

impl Analyzer for Mfcc {
    fn width(&self) -> usize {
        self.values.len()
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let Mfcc { mel, dct, values } = self;
        let bands = mel.values.len();
        mel.push(input, &mut |t, db| {
            for (v, row) in values.iter_mut().zip(dct.chunks_exact(bands)) {
                *v = row.iter().zip(db).map(|(a, b)| a * b).sum();
            }
            emit(t, values);
        });
    }
}

/// Pitch-class energy per frame, scaled so the strongest class reads 1.
pub struct Chroma {
    front: SpectralFrames,
    bank: FilterBank,
    power: Box<[f32]>,
    values: Box<[f32]>,
}

impl Chroma {
    /// `classes` pitch classes (12: C, C#, ... B), tuned `tuning` classes off A440.
    pub fn new(samplerate: f64, size: usize, hop: usize, classes: usize, tuning: f64) -> Self {
        let front = SpectralFrames::new(size, hop, Window::Hann);
        Chroma {
            bank: filterbank::chroma(samplerate, size, classes, tuning),
            power: vec![0.0; front.bins()].into(),
            values: vec![0.0; classes].into(),
            front,
        }
    }
}

impl Analyzer for Chroma {
    fn width(&self) -> usize {
        self.values.len()
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let Chroma { front, bank, power: p, values } = self;
        front.push(input, |spec, t| {
            for (o, c) in p.iter_mut().zip(spec) {
                *o = power(c);
            }
            bank.apply(p, values);
            let max = values.iter().fold(0.0f32, |m, v| m.max(*v));
            if max > f32::MIN_POSITIVE {
                for v in values.iter_mut() {
                    *v /= max;
                }
            }
            emit(t, values);
        });
    }
}

/// Spectral shape per frame: centroid (Hz), 85 % rolloff (Hz), flatness (0..1) and flux.
pub struct SpectralShape {
    front: SpectralFrames,
    freqs: Box<[f32]>,
    magnitude: Box<[f32]>,
    previous: Box<[f32]>,
    rolloff: f32,
}

impl SpectralShape {
    /// Spectral shape of `size`-point frames every `hop` samples; `rolloff` is the fraction
    /// of magnitude below the rolloff frequency (0.85 in librosa).
    pub fn new(samplerate: f64, size: usize, hop: usize, rolloff: f32) -> Self {
        let front = SpectralFrames::new(size, hop, Window::Hann);
        let bins = front.bins();
        SpectralShape {
            freqs: bin_frequencies(size, samplerate).iter().map(|f| *f as f32).collect(),
            magnitude: vec![0.0; bins].into(),
            previous: vec![0.0; bins].into(),
            front,
            rolloff,
        }
    }
}

impl Analyzer for SpectralShape {
    fn width(&self) -> usize {
        4
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let SpectralShape { front, freqs, magnitude, previous, rolloff } = self;
        let bins = magnitude.len() as f32;
        front.push(input, |spec, t| {
            let (mut sum, mut weighted, mut log_power, mut power_sum, mut flux) = (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0);
            for (((m, prev), c), f) in magnitude.iter_mut().zip(previous.iter_mut()).zip(spec).zip(freqs.iter()) {
                let p = power(c);
                *m = p.sqrt();
                sum += *m;
                weighted += *m * f;
                let pt = p.max(AMIN);
                log_power += pt.ln();
                power_sum += pt;
                flux += (*m - *prev).max(0.0);
                *prev = *m;
            }
            let centroid = if sum > 0.0 { weighted / sum } else { 0.0 };
            let threshold = *rolloff * sum;
            let mut acc = 0.0;
            let mut roll = 0.0;
            for (m, f) in magnitude.iter().zip(freqs.iter()) {
                acc += m;
                if acc >= threshold {
                    roll = *f;
                    break;
                }
            }
            let flatness = (log_power / bins).exp() / (power_sum / bins);
            emit(t, &[centroid, roll, flatness, flux]);
        });
    }
}

/// Root mean square of each frame (linear).
pub struct Rms {
    framer: Framer,
}

impl Rms {
    /// RMS of `size`-sample frames every `hop` samples.
    pub fn new(size: usize, hop: usize) -> Self {
        Rms { framer: Framer::new(size, hop) }
    }
}

impl Analyzer for Rms {
    fn width(&self) -> usize {
        1
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let half = (self.framer.size() / 2) as i64;
        let n = self.framer.size() as f32;
        self.framer.push(input, |frame, end| {
            let energy: f32 = frame.iter().map(|x| x * x).sum();
            emit(end as i64 - half, &[(energy / n).sqrt()]);
        });
    }
}

/// The input itself, in blocks: every `size` samples, the last `size` samples, stamped with
/// the first one's position. Workers that run off the audio thread (a neural pitch model)
/// read the audio through it, on the engine's sample clock.
pub struct Samples {
    framer: Framer,
}

impl Samples {
    /// Blocks of `size` samples.
    pub fn new(size: usize) -> Self {
        Samples { framer: Framer::new(size, size) }
    }
}

impl Analyzer for Samples {
    fn width(&self) -> usize {
        self.framer.size()
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let size = self.framer.size() as i64;
        self.framer.push(input, |block, end| emit(end as i64 - size, block));
    }
}
