//! Beat and tempo tracking with a hidden Markov model over beat period and phase (a
//! "beat pointer", after Whiteley et al. 2006 and Krebs et al. 2015), run forward for the
//! causal tracker and by Viterbi over a whole file for the offline one.
//!
//! Observations are SuperFlux novelty at 100 frames per second, divided by its maximum
//! over the last `NORM_WINDOW` seconds (so `0..1` whatever the level). A state is a beat
//! period `tau` (whole frames, from `60 / bpm_max` to `60 / bpm_min` s) and a position
//! `phi` in `0..tau`; `phi` advances one frame per frame, and at the end of a beat the
//! period may change, with probability falling as `exp(-100 |tau' / tau - 1|)` and
//! weighted by a log-normal prior on tempo (centred on `prior_bpm`, `prior_octaves` wide),
//! which keeps the tracker at the tactus rather than at twice or half of it. The first
//! sixteenth of each beat expects novelty (`P = a`), the rest does not
//! (`P = (1 - a) / 15`).
//!
//! The causal tracker reports a beat when the most probable position of the most probable
//! tempo enters the beat region, at least 0.6 periods after the previous beat: its beats are predicted from the tempo and
//! phase heard so far, and reported a quarter window (12 ms) after the time they stand
//! for. The offline tracker decodes the single best state sequence over the whole file.

use super::onset::Novelty;
use super::{Analyzer, Emit};

/// Frames per second of the beat model.
pub const FPS: f64 = 100.0;
/// Seconds over which novelty is normalised by its maximum.
const NORM_WINDOW: f64 = 4.0;
/// Sharpness of tempo changes between beats.
const TEMPO_CHANGE: f64 = 100.0;
/// The beat region is the first `1 / BEAT_REGION` of a beat.
const BEAT_REGION: f64 = 16.0;
/// Shortest gap between causal beats, in periods.
const REFRACTORY: f64 = 0.6;
/// Analysis window of the novelty in seconds.
const WINDOW: f64 = 0.046;

/// Settings of the beat trackers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeatConfig {
    /// Slowest tempo in beats per minute.
    pub bpm_min: f64,
    /// Fastest tempo in beats per minute.
    pub bpm_max: f64,
    /// Most likely tempo a priori.
    pub prior_bpm: f64,
    /// Width (standard deviation) of the tempo prior in octaves (0: no prior).
    pub prior_octaves: f64,
}

impl Default for BeatConfig {
    fn default() -> Self {
        BeatConfig { bpm_min: 55.0, bpm_max: 215.0, prior_bpm: 120.0, prior_octaves: 0.5 }
    }
}

impl BeatConfig {
    /// Checks the tempo range: it must span at least a factor 1.5 and leave two activation
    /// frames per beat at the fastest tempo.
    pub fn check(&self) -> std::result::Result<(), String> {
        let finite = [self.bpm_min, self.bpm_max, self.prior_bpm, self.prior_octaves].iter().all(|v| v.is_finite());
        if !finite || self.bpm_min <= 0.0 || self.bpm_min * 1.5 > self.bpm_max || 60.0 * FPS / self.bpm_max < 2.0 {
            return Err(format!(
                "bpm_min {} and bpm_max {} must span at least a factor 1.5, below {} BPM",
                self.bpm_min,
                self.bpm_max,
                30.0 * FPS
            ));
        }
        Ok(())
    }
}

/// The state space and transition weights shared by both trackers.
struct Model {
    /// Beat period of each tempo state, in frames.
    taus: Box<[usize]>,
    /// Offset of each tempo's positions in the flat state vector.
    offsets: Box<[usize]>,
    /// Positions at the start of each beat that expect novelty.
    beat_len: Box<[usize]>,
    /// `trans[j * n + i]`: weight of moving from tempo `i` to tempo `j` at a beat.
    trans: Box<[f64]>,
    /// For each tempo `j`, the range of tempi `i` whose weight into `j` is not negligible.
    band: Box<[(usize, usize)]>,
    states: usize,
}

impl Model {
    fn new(config: &BeatConfig) -> Self {
        let lo = (60.0 * FPS / config.bpm_max).floor().max(2.0) as usize;
        let hi = ((60.0 * FPS / config.bpm_min).ceil() as usize).max(lo);
        let taus: Box<[usize]> = (lo..=hi).collect();
        let mut offsets = Vec::with_capacity(taus.len());
        let mut states = 0;
        for &t in taus.iter() {
            offsets.push(states);
            states += t;
        }
        let n = taus.len();
        let prior = |tau: usize| {
            if config.prior_octaves <= 0.0 {
                return 1.0;
            }
            let octaves = (60.0 * FPS / tau as f64 / config.prior_bpm).log2() / config.prior_octaves;
            (-0.5 * octaves * octaves).exp()
        };
        let change = |i: usize, j: usize| (-TEMPO_CHANGE * (taus[j] as f64 / taus[i] as f64 - 1.0).abs()).exp();
        let mut trans = vec![0.0; n * n];
        for i in 0..n {
            let sum: f64 = (0..n).map(|j| change(i, j)).sum();
            for j in 0..n {
                trans[j * n + i] = change(i, j) / sum * prior(taus[j]);
            }
        }
        // Changes of more than 30 % weigh less than exp(-30): leave them out.
        let band = (0..n)
            .map(|j| {
                let near = |i: &usize| (taus[*i] as f64 / taus[j] as f64 - 1.0).abs() < 0.3;
                let first = (0..n).find(near).unwrap_or(j);
                let last = (0..n).rev().find(near).unwrap_or(j);
                (first, last + 1)
            })
            .collect();
        Model {
            beat_len: taus.iter().map(|t| ((*t as f64 / BEAT_REGION) as usize).max(1)).collect(),
            offsets: offsets.into(),
            taus,
            trans: trans.into(),
            band,
            states,
        }
    }

    fn tempi(&self) -> usize {
        self.taus.len()
    }

    /// Likelihood ratio of a beat state over a non-beat state for activation `a`.
    fn ratio(a: f32) -> f64 {
        let a = (a as f64).clamp(1e-4, 0.99);
        a * (BEAT_REGION - 1.0) / (1.0 - a)
    }
}

/// Novelty normalised by its recent maximum: the beat model's observations.
pub struct Activation {
    novelty: Novelty,
    /// Sliding maximum: a monotonic queue of `(frame, value)` (ring).
    queue: Box<[(u64, f32)]>,
    head: usize,
    len: usize,
    frame: u64,
    window: u64,
    /// Samples from a frame's centre to the time its novelty stands for.
    placement: i64,
}

impl Activation {
    /// Activations of audio at `samplerate` Hz, [`FPS`] per second.
    pub fn new(samplerate: f64) -> Self {
        let size = 1usize << (WINDOW * samplerate).max(64.0).log2().round() as u32;
        let hop = (samplerate / FPS).round() as usize;
        let window = (NORM_WINDOW * FPS) as u64;
        Activation {
            novelty: Novelty::new(samplerate, size, hop, 1.0),
            queue: vec![(0, 0.0); window as usize + 1].into(),
            head: 0,
            len: 0,
            frame: 0,
            window,
            placement: (size / 4) as i64,
        }
    }

    /// Samples from the time an activation stands for to the end of its frame.
    pub fn latency(&self) -> i64 {
        self.placement
    }

    /// Feeds samples; `activation(a, time)` per frame.
    pub fn push(&mut self, input: &[f32], mut activation: impl FnMut(f32, i64)) {
        let Activation { novelty, queue, head, len, frame, window, placement } = self;
        let cap = queue.len();
        novelty.push(input, |v, centre| {
            // Drop values no larger than the new one from the back, expired ones from the front.
            while *len > 0 && queue[(*head + *len - 1) % cap].1 <= v {
                *len -= 1;
            }
            queue[(*head + *len) % cap] = (*frame, v);
            *len += 1;
            while queue[*head].0 + *window <= *frame {
                *head = (*head + 1) % cap;
                *len -= 1;
            }
            let max = queue[*head].1;
            *frame += 1;
            activation(if max > 0.0 { v / max } else { 0.0 }, centre + *placement);
        });
    }
}

/// Frames between exact recomputations of the forward pass's running sums.
const RESUM: u64 = 256;

/// The forward (filtering) pass of the model, one frame at a time.
///
/// Work per frame is proportional to the number of tempi, not of states: positions move
/// by rotating each tempo's ring, non-beat positions keep their value (their likelihood is
/// the common factor), and each tempo's total is kept as a running sum. Values are
/// rescaled only when their total drifts far from 1.
struct Forward {
    model: Model,
    /// Forward probabilities per tempo, each a ring of `tau` positions starting at `heads`.
    alpha: Box<[f64]>,
    heads: Box<[usize]>,
    exits: Box<[f64]>,
    /// Sum of each tempo's ring.
    sums: Box<[f64]>,
    frame: u64,
    last_beat: Option<u64>,
}

impl Forward {
    fn new(config: &BeatConfig) -> Self {
        let model = Model::new(config);
        let n = model.tempi();
        let mut f = Forward {
            alpha: vec![1.0 / model.states as f64; model.states].into(),
            heads: vec![0; n].into(),
            exits: vec![0.0; n].into(),
            sums: vec![0.0; n].into(),
            model,
            frame: 0,
            last_beat: None,
        };
        f.resum();
        f
    }

    /// Recomputes every tempo's sum exactly and rescales so they total 1.
    fn resum(&mut self) {
        let Forward { model, alpha, sums, .. } = self;
        for (j, s) in sums.iter_mut().enumerate() {
            *s = alpha[model.offsets[j]..model.offsets[j] + model.taus[j]].iter().sum();
        }
        let total: f64 = sums.iter().sum();
        if total > 0.0 && total.is_finite() {
            alpha.iter_mut().for_each(|v| *v /= total);
            sums.iter_mut().for_each(|v| *v /= total);
        } else {
            alpha.fill(1.0 / model.states as f64);
            for (j, s) in sums.iter_mut().enumerate() {
                *s = model.taus[j] as f64 / model.states as f64;
            }
        }
    }

    /// One forward step; returns the beat period (frames) if a beat falls on this frame:
    /// when the most probable position of the most probable tempo is in its beat region.
    fn step(&mut self, a: f32) -> Option<usize> {
        let Forward { model, alpha, heads, exits, sums, .. } = self;
        let n = model.tempi();
        for i in 0..n {
            let tau = model.taus[i];
            heads[i] = (heads[i] + tau - 1) % tau;
            // After the move, the slot at the head held the last position: the beat's end.
            exits[i] = alpha[model.offsets[i] + heads[i]];
        }
        let ratio = Model::ratio(a);
        let mut total = 0.0;
        for j in 0..n {
            let (tau, off) = (model.taus[j], model.offsets[j]);
            let (lo, hi) = model.band[j];
            let entry: f64 = exits[lo..hi].iter().zip(&model.trans[j * n + lo..j * n + hi]).map(|(e, t)| e * t).sum();
            let ring = &mut alpha[off..off + tau];
            sums[j] += entry - ring[heads[j]];
            ring[heads[j]] = entry;
            let mut region = 0.0;
            for p in 0..model.beat_len[j] {
                let v = &mut ring[(heads[j] + p) % tau];
                region += *v;
                *v *= ratio;
            }
            sums[j] += (ratio - 1.0) * region;
            total += sums[j];
        }
        let now = self.frame;
        self.frame += 1;
        if !(1e-100..1e100).contains(&total) || now.is_multiple_of(RESUM) {
            self.resum();
        }
        let Forward { model, alpha, heads, sums, last_beat, .. } = self;
        let j = sums.iter().enumerate().fold((0, f64::MIN), |m, (k, v)| if *v > m.1 { (k, *v) } else { m }).0;
        let (tau, off) = (model.taus[j], model.offsets[j]);
        let best = alpha[off..off + tau]
            .iter()
            .enumerate()
            .fold((0, f64::MIN), |m, (k, v)| if *v > m.1 { (k, *v) } else { m })
            .0;
        let phi = (best + tau - heads[j]) % tau;
        let due = phi < model.beat_len[j] && last_beat.is_none_or(|l| (now - l) as f64 > REFRACTORY * tau as f64);
        if due {
            *last_beat = Some(now);
        }
        due.then_some(tau)
    }
}

/// The causal beat tracker: frames are beats, `[tempo (BPM), latency (s)]`.
pub struct Beats {
    activation: Activation,
    forward: Forward,
    samplerate: f64,
}

impl Beats {
    /// A causal tracker for audio at `samplerate` Hz.
    pub fn new(samplerate: f64, config: &BeatConfig) -> Self {
        Beats { activation: Activation::new(samplerate), forward: Forward::new(config), samplerate }
    }
}

impl Analyzer for Beats {
    fn width(&self) -> usize {
        2
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let Beats { activation, forward, samplerate } = self;
        let latency = (activation.latency() as f64 / *samplerate) as f32;
        activation.push(input, |a, time| {
            if let Some(tau) = forward.step(a) {
                emit(time, &[(60.0 * FPS / tau as f64) as f32, latency]);
            }
        });
    }
}

/// The offline tracker: the most probable beat sequence given every activation of a file
/// (Viterbi). Returns each beat's frame index and the tempo (BPM) of the beat it starts.
pub fn offline(activations: &[f32], config: &BeatConfig) -> Vec<(usize, f64)> {
    let model = Model::new(config);
    let n = model.tempi();
    let log_trans: Vec<f64> = model.trans.iter().map(|t| t.max(1e-300).ln()).collect();
    let mut delta = vec![-(model.states as f64).ln(); model.states];
    let mut heads = vec![0usize; n];
    let mut exits = vec![0.0; n];
    // Back pointers are needed only where a beat starts: the tempo each came from.
    let mut back = vec![0u16; activations.len() * n];
    for (t, &a) in activations.iter().enumerate() {
        for i in 0..n {
            let tau = model.taus[i];
            heads[i] = (heads[i] + tau - 1) % tau;
            exits[i] = delta[model.offsets[i] + heads[i]];
        }
        let bonus = Model::ratio(a).ln();
        for j in 0..n {
            let (tau, off) = (model.taus[j], model.offsets[j]);
            let (lo, hi) = model.band[j];
            let (from, entry) = (lo..hi).map(|i| (i, exits[i] + log_trans[j * n + i])).fold((0, f64::MIN), |m, c| {
                if c.1 > m.1 {
                    c
                } else {
                    m
                }
            });
            back[t * n + j] = from as u16;
            let ring = &mut delta[off..off + tau];
            ring[heads[j]] = entry;
            for p in 0..model.beat_len[j] {
                ring[(heads[j] + p) % tau] += bonus;
            }
        }
        // Scores only fall; keep them near 0 now and then (f64 has room for thousands of
        // frames in between).
        if t % 1024 == 1023 {
            let top = delta.iter().fold(f64::MIN, |m, v| m.max(*v));
            delta.iter_mut().for_each(|v| *v -= top);
        }
    }
    if activations.is_empty() {
        return Vec::new();
    }
    let best = delta.iter().enumerate().fold((0, f64::MIN), |m, (k, v)| if *v > m.1 { (k, *v) } else { m }).0;
    let mut i = model.offsets.partition_point(|o| *o <= best) - 1;
    let mut phi = (best - model.offsets[i] + model.taus[i] - heads[i]) % model.taus[i];
    let mut t = activations.len() as isize - 1;
    let mut beats = Vec::new();
    loop {
        let start = t - phi as isize;
        if start < 0 {
            break;
        }
        beats.push((start as usize, 60.0 * FPS / model.taus[i] as f64));
        i = back[start as usize * n + i] as usize;
        t = start - 1;
        phi = model.taus[i] - 1;
    }
    beats.reverse();
    beats
}

/// The offline tracker over a whole recording at `samplerate` Hz: each beat's time on the
/// sample clock (frames from the first sample) and the tempo (BPM) of the beat it starts.
pub fn track_offline(samples: &[f32], samplerate: f64, config: &BeatConfig) -> Vec<(i64, f64)> {
    let mut activation = Activation::new(samplerate);
    let (mut values, mut stamps) = (Vec::new(), Vec::new());
    activation.push(samples, |a, time| {
        values.push(a);
        stamps.push(time);
    });
    offline(&values, config).into_iter().map(|(frame, bpm)| (stamps[frame], bpm)).collect()
}

/// Tempo of a beat sequence in BPM: the median inter-beat interval (None for fewer than
/// two beats).
pub fn tempo(beat_times: &[f64]) -> Option<f64> {
    let mut gaps: Vec<f64> = beat_times.windows(2).map(|w| w[1] - w[0]).filter(|g| *g > 0.0).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_by(f64::total_cmp);
    Some(60.0 / gaps[gaps.len() / 2])
}
