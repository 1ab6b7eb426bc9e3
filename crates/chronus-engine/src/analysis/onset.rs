//! Causal onset detection: SuperFlux novelty (Böck & Widmer, 2013) with online peak picking.
//!
//! Each frame's magnitude spectrum goes through a bank of triangular log-frequency filters
//! (24 per octave, 30 Hz to 17 kHz) and is compressed (`log10(1 + x)`). The novelty is the
//! sum over bands of the rise from a *max-filtered* earlier frame (each band compared with
//! the loudest of its neighbours `lag` frames back), which ignores the wobble of vibrato
//! and of frequency-modulated partials while keeping percussive rises.
//!
//! A frame is an onset when its novelty is the largest from `pre_max` before it to
//! `lookahead` frames after it, exceeds the mean of the novelty from `pre_avg` before to
//! `lookahead` after by `threshold`, and comes `combine` after the previous onset. It is
//! reported once the `lookahead` frames have arrived: the detector's latency is the frame's
//! half window plus `lookahead` hops.

use super::features::SpectralFrames;
use super::filterbank::{self, FilterBank};
use super::spectrum::Window;
use super::{Analyzer, Emit};

/// Settings of the onset detector (times in seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OnsetConfig {
    /// Analysis window in seconds (rounded to a power-of-two number of samples).
    pub window: f64,
    /// Hop between frames in seconds.
    pub hop: f64,
    /// Novelty above the local mean that an onset needs (compressed-magnitude units).
    pub threshold: f32,
    /// How far back the local maximum reaches.
    pub pre_max: f64,
    /// How far back the local mean reaches.
    pub pre_avg: f64,
    /// How far ahead the peak picker looks (adds to the latency).
    pub lookahead: f64,
    /// Shortest time between two onsets.
    pub combine: f64,
    /// Gain before the log compression `log10(1 + gain * x)`.
    pub gain: f32,
}

impl Default for OnsetConfig {
    fn default() -> Self {
        OnsetConfig {
            window: 0.023,
            hop: 0.005,
            threshold: 1.1,
            pre_max: 0.03,
            pre_avg: 0.1,
            lookahead: 0.0,
            combine: 0.03,
            gain: 1.0,
        }
    }
}

/// SuperFlux novelty, one value per frame.
pub struct Novelty {
    front: SpectralFrames,
    bank: FilterBank,
    magnitude: Box<[f32]>,
    /// The last `lag + 1` compressed band frames, max-filtered over 3 bands (ring).
    history: Box<[f32]>,
    current: Box<[f32]>,
    lag: usize,
    frame: usize,
    gain: f32,
}

impl Novelty {
    /// Novelty of `size`-sample frames every `hop` samples.
    pub fn new(samplerate: f64, size: usize, hop: usize, gain: f32) -> Self {
        let front = SpectralFrames::new(size, hop, Window::Hann);
        let bank = filterbank::logarithmic(samplerate, size, 24.0, 30.0, 17_000.0);
        // Compare with the frame whose window overlaps this one by at most half: a Hann
        // window falls to half its peak a quarter of its length from its edge.
        let lag = ((size as f64 / 4.0) / hop as f64).round().max(1.0) as usize;
        let bands = bank.len();
        Novelty {
            magnitude: vec![0.0; front.bins()].into(),
            history: vec![0.0; bands * (lag + 1)].into(),
            current: vec![0.0; bands].into(),
            front,
            bank,
            lag,
            frame: 0,
            gain,
        }
    }

    /// Feeds samples; `novelty(value, centre)` per frame, `centre` its window's centre.
    pub fn push(&mut self, input: &[f32], mut novelty: impl FnMut(f32, i64)) {
        let Novelty { front, bank, magnitude, history, current, lag, frame, gain } = self;
        let bands = current.len();
        front.push(input, |spec, t| {
            for (m, c) in magnitude.iter_mut().zip(spec) {
                *m = (c.re * c.re + c.im * c.im).sqrt();
            }
            bank.apply(magnitude, current);
            for v in current.iter_mut() {
                *v = (1.0 + *gain * *v).log10();
            }
            let slots = *lag + 1;
            let old = ((*frame + 1) % slots) * bands;
            let reference = &history[old..old + bands];
            let value: f32 = current.iter().zip(reference).map(|(c, r)| (c - r).max(0.0)).sum();
            // Store this frame max-filtered over 3 bands for the frame `lag` ahead.
            let slot = (*frame % slots) * bands;
            let stored = &mut history[slot..slot + bands];
            for (b, s) in stored.iter_mut().enumerate() {
                let lo = b.saturating_sub(1);
                let hi = (b + 1).min(bands - 1);
                *s = current[lo..=hi].iter().fold(f32::MIN, |m, v| m.max(*v));
            }
            *frame += 1;
            novelty(if *frame > *lag { value } else { 0.0 }, t);
        });
    }
}

/// Online peak picking over a novelty curve (see the module docs).
pub struct PeakPicker {
    /// The last `pre_avg + lookahead + 1` novelty values (ring).
    values: Box<[f32]>,
    times: Box<[i64]>,
    pos: usize,
    seen: usize,
    pre_max: usize,
    pre_avg: usize,
    lookahead: usize,
    combine: i64,
    threshold: f32,
    last: Option<i64>,
}

impl PeakPicker {
    /// A picker with windows in frames and `combine` in samples.
    pub fn new(pre_max: usize, pre_avg: usize, lookahead: usize, combine: i64, threshold: f32) -> Self {
        let len = pre_avg.max(pre_max) + lookahead + 1;
        PeakPicker {
            values: vec![0.0; len].into(),
            times: vec![0; len].into(),
            pos: 0,
            seen: 0,
            pre_max,
            pre_avg,
            lookahead,
            combine,
            threshold,
            last: None,
        }
    }

    /// Adds a novelty value; returns `(time, value)` of the frame `lookahead` back if it is
    /// an onset.
    pub fn push(&mut self, value: f32, time: i64) -> Option<(i64, f32)> {
        let len = self.values.len();
        self.values[self.pos] = value;
        self.times[self.pos] = time;
        self.pos = (self.pos + 1) % len;
        self.seen += 1;
        if self.seen <= self.lookahead {
            return None;
        }
        // Index `back` frames before the newest.
        let at = |back: usize| (self.pos + len - 1 - back) % len;
        let candidate = at(self.lookahead);
        let v = self.values[candidate];
        let avail = self.seen - 1;
        let max_back = (self.lookahead + self.pre_max).min(avail);
        let avg_back = (self.lookahead + self.pre_avg).min(avail);
        let peak = (0..=max_back).all(|b| self.values[at(b)] <= v);
        let mean = (0..=avg_back).map(|b| self.values[at(b)]).sum::<f32>() / (avg_back + 1) as f32;
        let t = self.times[candidate];
        if peak && v > 0.0 && v >= mean + self.threshold && self.last.is_none_or(|l| t - l >= self.combine) {
            self.last = Some(t);
            return Some((t, v));
        }
        None
    }
}

/// The onset detector: frames are onsets, `[strength, latency]` with the novelty peak and
/// the seconds between the onset and the moment it was reported.
pub struct Onsets {
    novelty: Novelty,
    picker: PeakPicker,
    samplerate: f64,
    /// Samples between a frame's centre and the end of its window.
    half: i64,
    hop: i64,
}

/// Where in its frame an onset is placed, as a fraction of the half window after the
/// frame's centre. A frame's novelty first rises when an onset enters the louder half of
/// its window, between its centre and its end: the onset is placed midway (a noise burst
/// then reads within a hop of its true start).
const PLACEMENT: f64 = 0.5;

impl Onsets {
    /// An onset detector at `samplerate` Hz.
    pub fn new(samplerate: f64, config: &OnsetConfig) -> Self {
        let size = 1usize << (config.window * samplerate).max(64.0).log2().round() as u32;
        let hop = ((config.hop * samplerate).round() as usize).clamp(1, size);
        let frames = |s: f64| (s * samplerate / hop as f64).round() as usize;
        Onsets {
            novelty: Novelty::new(samplerate, size, hop, config.gain),
            picker: PeakPicker::new(
                frames(config.pre_max),
                frames(config.pre_avg).max(1),
                frames(config.lookahead),
                (config.combine * samplerate) as i64,
                config.threshold,
            ),
            samplerate,
            half: (size / 2) as i64,
            hop: hop as i64,
        }
    }

    /// Samples from an onset's time to its report: what is left of its frame after it
    /// (a quarter window) plus the lookahead.
    pub fn latency(&self) -> i64 {
        self.half - self.offset() + self.picker.lookahead as i64 * self.hop
    }

    fn offset(&self) -> i64 {
        (self.half as f64 * PLACEMENT).round() as i64
    }
}

impl Analyzer for Onsets {
    fn width(&self) -> usize {
        2
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let offset = self.offset();
        let Onsets { novelty, picker, samplerate, half, .. } = self;
        novelty.push(input, |value, centre| {
            if let Some((t, strength)) = picker.push(value, centre) {
                let (onset, reported) = (t + offset, centre + *half);
                emit(onset, &[strength, ((reported - onset) as f64 / *samplerate) as f32]);
            }
        });
    }
}
