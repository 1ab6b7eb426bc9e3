//! Causal pitch tracking: probabilistic YIN (pYIN-style candidates) with a causal Viterbi
//! over the candidates of successive frames.
//!
//! The input is decimated to about 11 kHz (enough for fundamentals up to a few kHz and
//! cheap), framed, and each frame's cumulative mean normalised difference function
//! (de Cheveigné & Kawahara, 2002) is computed through one cross-correlation by FFT. Every
//! dip of it between `1 / fmax` and `1 / fmin` is a candidate period, with the probability
//! that plain YIN picks it when its threshold is drawn from a Beta(2, 18) distribution
//! (mean 0.1, as pYIN; Mauch & Dixon, 2014); the candidate periods are refined by parabolic
//! interpolation of the plain difference function.
//!
//! The tracker keeps, for every candidate of the latest frame and for "unvoiced", the
//! score of the best path ending there (log-probabilities: the candidates' own, a cost for
//! pitch moves between frames that grows with the interval up to a cap of `JUMP_CAP`
//! semitones, so a note change costs the same whatever its size, and a cost for switching
//! voicing). Each frame reports the best voiced candidate's pitch (always, even when the
//! frame is judged unvoiced), whether the best path is voiced, and the frame's voicing
//! probability (the summed candidate probabilities) as confidence.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::decimate::Decimator;
use super::framer::Framer;
use super::{Analyzer, Emit};

/// Most candidates kept per frame.
pub const MAX_CANDIDATES: usize = 8;
/// Cost of a pitch move between frames, in log-probability per semitone.
const MOVE_COST: f32 = 2.0;
/// Moves larger than this many semitones cost the same (a note change).
const JUMP_CAP: f32 = 2.0;
/// Probability of switching between voiced and unvoiced from one frame to the next.
const SWITCH: f32 = 0.01;
/// Weight of the global minimum when no dip falls under the drawn threshold (pYIN).
const FALLBACK: f32 = 0.01;
/// Analysis rate the input is decimated towards, in Hz.
const ANALYSIS_RATE: f64 = 11_025.0;

/// Settings of the pitch tracker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PitchConfig {
    /// Lowest fundamental in Hz.
    pub fmin: f64,
    /// Highest fundamental in Hz.
    pub fmax: f64,
    /// Integration window in seconds (the difference function sums over this long).
    pub window: f64,
    /// Hop between frames in seconds.
    pub hop: f64,
}

impl Default for PitchConfig {
    fn default() -> Self {
        PitchConfig { fmin: 40.0, fmax: 1600.0, window: 0.04, hop: 0.0058 }
    }
}

/// The CDF of Beta(2, 18): the share of YIN thresholds at or below `x`.
fn threshold_cdf(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    let y = 1.0 - x;
    1.0 - (y.powi(19) + 19.0 * x * y.powi(18))
}

/// A period candidate: `period` in analysis samples (fractional) and its probability.
#[derive(Debug, Clone, Copy, Default)]
pub struct Candidate {
    /// Period in analysis samples.
    pub period: f32,
    /// Probability that this is the frame's period (the candidates sum to at most 1).
    pub probability: f32,
}

/// The YIN difference function of one frame, by FFT.
struct Yin {
    window: usize,
    max_lag: usize,
    min_lag: usize,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    a: Box<[f32]>,
    b: Box<[f32]>,
    spec_a: Box<[Complex<f32>]>,
    spec_b: Box<[Complex<f32>]>,
    scratch_f: Box<[Complex<f32>]>,
    scratch_i: Box<[Complex<f32>]>,
    corr: Box<[f32]>,
    /// Cumulative mean normalised difference, lags 0..=max_lag.
    cmnd: Box<[f32]>,
    /// The plain difference function, lags 0..=max_lag (interpolated for the period).
    diff: Box<[f32]>,
}

impl Yin {
    fn new(window: usize, min_lag: usize, max_lag: usize) -> Self {
        let n = (window + max_lag + 1).next_power_of_two();
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(n);
        let inverse = planner.plan_fft_inverse(n);
        Yin {
            window,
            max_lag,
            min_lag,
            a: forward.make_input_vec().into(),
            b: forward.make_input_vec().into(),
            spec_a: forward.make_output_vec().into(),
            spec_b: forward.make_output_vec().into(),
            scratch_f: forward.make_scratch_vec().into(),
            scratch_i: inverse.make_scratch_vec().into(),
            corr: inverse.make_output_vec().into(),
            cmnd: vec![1.0; max_lag + 2].into(),
            diff: vec![0.0; max_lag + 2].into(),
            forward,
            inverse,
        }
    }

    /// Computes the normalised difference of `frame` (`window + max_lag + 1` samples);
    /// returns false for a silent frame.
    fn analyse(&mut self, frame: &[f32]) -> bool {
        let (w, max_lag) = (self.window, self.max_lag);
        self.a.fill(0.0);
        self.a[..w].copy_from_slice(&frame[..w]);
        self.b.fill(0.0);
        self.b[..frame.len()].copy_from_slice(frame);
        let energy0: f32 = frame[..w].iter().map(|x| x * x).sum();
        if energy0 < 1e-10 * w as f32 {
            return false;
        }
        let fft = &self.forward;
        fft.process_with_scratch(&mut self.a, &mut self.spec_a, &mut self.scratch_f).expect("sized by plan");
        fft.process_with_scratch(&mut self.b, &mut self.spec_b, &mut self.scratch_f).expect("sized by plan");
        for (x, y) in self.spec_a.iter_mut().zip(self.spec_b.iter()) {
            *x = x.conj() * y;
        }
        // A real inverse needs real first and last bins (they are, up to rounding).
        let last = self.spec_a.len() - 1;
        self.spec_a[0].im = 0.0;
        self.spec_a[last].im = 0.0;
        self.inverse
            .process_with_scratch(&mut self.spec_a, &mut self.corr, &mut self.scratch_i)
            .expect("sized by plan");
        let scale = 1.0 / self.corr.len() as f32;
        // d(tau) = e(0) + e(tau) - 2 r(tau), e(tau) the energy of frame[tau .. tau + w].
        let mut energy = energy0;
        let mut running = 0.0f32;
        self.cmnd[0] = 1.0;
        for tau in 1..=max_lag {
            energy += frame[tau + w - 1] * frame[tau + w - 1] - frame[tau - 1] * frame[tau - 1];
            let d = (energy0 + energy - 2.0 * self.corr[tau] * scale).max(0.0);
            running += d;
            self.diff[tau] = d;
            self.cmnd[tau] = if running > 0.0 { d * tau as f32 / running } else { 1.0 };
        }
        true
    }

    /// The candidates of the last analysed frame, most probable first; returns how many.
    fn candidates(&self, out: &mut [Candidate; MAX_CANDIDATES]) -> usize {
        let c = &self.cmnd;
        let mut n = 0;
        let mut lowest_before = 1.0f32;
        let (mut global, mut global_tau) = (f32::MAX, self.min_lag);
        let mut found = [Candidate::default(); MAX_CANDIDATES];
        for tau in self.min_lag.max(2)..self.max_lag {
            if c[tau] < global {
                global = c[tau];
                global_tau = tau;
            }
            if c[tau] <= c[tau - 1] && c[tau] < c[tau + 1] {
                let p = threshold_cdf(lowest_before) - threshold_cdf(c[tau]);
                if p > 0.0 {
                    let cand = Candidate { period: refine(&self.diff, tau), probability: p };
                    if n < MAX_CANDIDATES {
                        found[n] = cand;
                        n += 1;
                    } else if let Some(weakest) =
                        found.iter_mut().min_by(|a, b| a.probability.total_cmp(&b.probability))
                    {
                        if weakest.probability < p {
                            *weakest = cand;
                        }
                    }
                }
                lowest_before = lowest_before.min(c[tau]);
            }
        }
        // Thresholds below every dip: YIN falls back to the global minimum.
        let fallback = threshold_cdf(global) * FALLBACK;
        let period = refine(&self.diff, global_tau);
        match found[..n].iter_mut().find(|f| (f.period - period).abs() < 0.5) {
            Some(f) => f.probability += fallback,
            None if n < MAX_CANDIDATES => {
                found[n] = Candidate { period, probability: fallback };
                n += 1;
            }
            None => {}
        }
        found[..n].sort_unstable_by(|a, b| b.probability.total_cmp(&a.probability));
        out[..n].copy_from_slice(&found[..n]);
        n
    }
}

/// The fractional lag of the minimum through `tau - 1`, `tau`, `tau + 1` of the plain
/// difference function (a parabola; less biased than one through the normalised one).
fn refine(c: &[f32], tau: usize) -> f32 {
    if tau == 0 || tau + 1 >= c.len() {
        return tau as f32;
    }
    let (a, b, d) = (c[tau - 1], c[tau], c[tau + 1]);
    let denom = a - 2.0 * b + d;
    if denom.abs() < 1e-12 {
        return tau as f32;
    }
    tau as f32 + (0.5 * (a - d) / denom).clamp(-1.0, 1.0)
}

/// Semitones from 1 Hz.
fn semitones(hz: f32) -> f32 {
    12.0 * hz.max(1e-3).log2()
}

/// The causal Viterbi over candidates.
struct Tracker {
    prev: [(f32, f32); MAX_CANDIDATES],
    prev_n: usize,
    prev_unvoiced: f32,
    now: [(f32, f32); MAX_CANDIDATES],
}

impl Tracker {
    fn new() -> Self {
        Tracker { prev: [(0.0, 0.0); MAX_CANDIDATES], prev_n: 0, prev_unvoiced: 0.0, now: [(0.0, 0.0); MAX_CANDIDATES] }
    }

    /// Advances by one frame of `(pitch semitones, probability)` candidates; returns the
    /// index of the best voiced candidate (if any) and whether the best path is voiced.
    fn step(&mut self, cands: &[(f32, f32)]) -> (Option<usize>, bool) {
        let (stay, switch) = ((1.0 - SWITCH).ln(), SWITCH.ln());
        let voicing: f32 = cands.iter().map(|c| c.1).sum::<f32>().min(1.0);
        let mut best_prev_voiced = f32::NEG_INFINITY;
        for p in &self.prev[..self.prev_n] {
            best_prev_voiced = best_prev_voiced.max(p.1);
        }
        for (i, &(pitch, prob)) in cands.iter().enumerate() {
            let mut best = self.prev_unvoiced + switch;
            for &(pp, score) in &self.prev[..self.prev_n] {
                let jump = (pitch - pp).abs().min(JUMP_CAP);
                best = best.max(score + stay - MOVE_COST * jump);
            }
            self.now[i] = (pitch, best + prob.max(1e-6).ln());
        }
        let unvoiced = (self.prev_unvoiced + stay).max(best_prev_voiced + switch) + (1.0 - voicing).max(1e-6).ln();
        // Renormalise so scores stay bounded.
        let top = self.now[..cands.len()].iter().fold(unvoiced, |m, c| m.max(c.1));
        let mut best: Option<usize> = None;
        for i in 0..cands.len() {
            self.now[i].1 -= top;
            if best.is_none_or(|b| self.now[i].1 > self.now[b].1) {
                best = Some(i);
            }
        }
        self.prev_unvoiced = unvoiced - top;
        self.prev[..cands.len()].copy_from_slice(&self.now[..cands.len()]);
        self.prev_n = cands.len();
        let voiced = best.is_some_and(|b| self.now[b].1 > self.prev_unvoiced);
        (best, voiced)
    }
}

/// The pitch tracker: frames of `[f0 (Hz), voiced (0 or 1), confidence (0..1)]`.
pub struct Pitch {
    decimator: Decimator,
    framer: Framer,
    yin: Yin,
    tracker: Tracker,
    rate: f32,
    fmin: f32,
    /// Input samples from a frame's end back to the time it describes, plus the
    /// decimator's delay.
    centre_offset: i64,
    /// The integration window in input samples.
    window: i64,
    last_f0: f32,
}

impl Pitch {
    /// A tracker for audio at `samplerate` Hz.
    pub fn new(samplerate: f64, config: &PitchConfig) -> Self {
        let factor = ((samplerate / ANALYSIS_RATE).floor() as usize).max(1);
        let rate = samplerate / factor as f64;
        let fmax = config.fmax.min(rate / 4.0);
        let min_lag = ((rate / fmax).floor() as usize).max(2);
        let max_lag = (rate / config.fmin).ceil() as usize + 1;
        let window = ((config.window * rate).round() as usize).max(16);
        let size = window + max_lag + 1;
        let hop = ((config.hop * rate).round() as usize).clamp(1, size);
        let decimator = Decimator::new(factor);
        // A frame compares its first `window` samples with copies one period later: it
        // describes the middle of that span, taken for the period at the geometric centre
        // of the pitch range.
        let typical_period = rate / (config.fmin * fmax).sqrt();
        let described = (window as f64 + typical_period) / 2.0;
        let centre_offset = ((size as f64 - described) * factor as f64 + decimator.delay()).round() as i64;
        Pitch {
            framer: Framer::new(size, hop),
            yin: Yin::new(window, min_lag, max_lag),
            tracker: Tracker::new(),
            rate: rate as f32,
            fmin: config.fmin as f32,
            centre_offset,
            window: (window * factor) as i64,
            decimator,
            last_f0: 0.0,
        }
    }

    /// Samples from the time a frame describes to the moment it is reported.
    pub fn latency(&self) -> i64 {
        self.centre_offset
    }

    /// The integration window in samples: a note turns voiced once it fills most of it.
    pub fn window(&self) -> i64 {
        self.window
    }
}

impl Analyzer for Pitch {
    fn width(&self) -> usize {
        3
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let Pitch { decimator, framer, yin, tracker, rate, fmin, centre_offset, last_f0, .. } = self;
        let factor = decimator.factor() as i64;
        let mut cands = [Candidate::default(); MAX_CANDIDATES];
        let mut pitches = [(0.0f32, 0.0f32); MAX_CANDIDATES];
        decimator.push(input, |y| {
            framer.push(&[y], |frame, end| {
                let n = if yin.analyse(frame) { yin.candidates(&mut cands) } else { 0 };
                for (p, c) in pitches.iter_mut().zip(&cands[..n]) {
                    *p = (semitones(*rate / c.period), c.probability);
                }
                let (best, voiced) = tracker.step(&pitches[..n]);
                if let Some(b) = best {
                    *last_f0 = *rate / cands[b].period;
                }
                let confidence: f32 = pitches[..n].iter().map(|p| p.1).sum::<f32>().min(1.0);
                let f0 = if *last_f0 > 0.0 { *last_f0 } else { *fmin };
                let t = end as i64 * factor - *centre_offset;
                emit(t, &[f0, if voiced { 1.0 } else { 0.0 }, confidence]);
            });
        });
    }
}
