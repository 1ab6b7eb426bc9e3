//! Loudness after ITU-R BS.1770-4 / EBU R 128: K-weighting, momentary (400 ms), short-term
//! (3 s) and gated integrated loudness in LUFS, and true peak in dBTP (4x oversampled).
//!
//! The K-weighting is the standard's two biquads (a high shelf of about +4 dB above 1.5 kHz
//! and a high-pass at 38 Hz), derived for any sample rate from the analogue parameters that
//! reproduce the standard's 48 kHz coefficients. Mean squares are gathered per 100 ms step;
//! every step ends a 400 ms gating block (75 % overlap) and produces one frame.
//!
//! Integrated loudness gates blocks twice: at -70 LUFS (absolute), then at 10 LU below the
//! loudness of the blocks that passed (relative). Blocks are kept as a histogram of
//! [`HIST_STEP`] LU bins holding each bin's count and summed energy, so memory is fixed,
//! energies are exact and only the relative gate is resolved to one bin.

use super::{Analyzer, Emit};

/// Gating-block step in seconds (the standard's 75 % overlap of 400 ms blocks).
pub const STEP: f64 = 0.1;
/// Blocks per momentary window (400 ms).
const MOMENTARY: usize = 4;
/// Blocks per short-term window (3 s).
const SHORT_TERM: usize = 30;
/// Absolute gate in LUFS.
const ABSOLUTE_GATE: f64 = -70.0;
/// Relative gate in LU below the absolutely gated loudness.
const RELATIVE_GATE: f64 = -10.0;
/// Width of a histogram bin in LU.
pub const HIST_STEP: f64 = 0.01;
/// Loudest block the histogram resolves (louder ones share its top bin, energy intact).
const HIST_TOP: f64 = 30.0;
/// Oversampling factor of the true-peak meter.
const TP_FACTOR: usize = 4;
/// Taps of each true-peak interpolation phase.
const TP_TAPS: usize = 24;

/// Loudness in LUFS of a weighted mean square (floored far below any real signal).
pub fn lufs(mean_square: f64) -> f64 {
    -0.691 + 10.0 * mean_square.max(1e-20).log10()
}

/// The K-weighting of one channel: two biquads in direct form I, in f64.
#[derive(Clone)]
struct KWeighting {
    b: [[f64; 3]; 2],
    a: [[f64; 2]; 2],
    x: [[f64; 2]; 2],
    y: [[f64; 2]; 2],
}

impl KWeighting {
    fn new(samplerate: f64) -> Self {
        // Stage 1: high shelf (f0, gain G dB, Q), bilinear transform.
        let (f0, g, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
        let k = (std::f64::consts::PI * f0 / samplerate).tan();
        let vh = 10f64.powf(g / 20.0);
        let vb = vh.powf(0.4996667741545416);
        let a0 = 1.0 + k / q + k * k;
        let shelf_b = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0];
        let shelf_a = [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0];
        // Stage 2: the RLB high-pass.
        let (f0, q) = (38.13547087602444, 0.5003270373238773);
        let k = (std::f64::consts::PI * f0 / samplerate).tan();
        let a0 = 1.0 + k / q + k * k;
        let hp_a = [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0];
        KWeighting { b: [shelf_b, [1.0, -2.0, 1.0]], a: [shelf_a, hp_a], x: [[0.0; 2]; 2], y: [[0.0; 2]; 2] }
    }

    #[inline]
    fn tick(&mut self, mut v: f64) -> f64 {
        for s in 0..2 {
            let (b, a) = (self.b[s], self.a[s]);
            let y = b[0] * v + b[1] * self.x[s][0] + b[2] * self.x[s][1] - a[0] * self.y[s][0] - a[1] * self.y[s][1];
            self.x[s] = [v, self.x[s][0]];
            self.y[s] = [y, self.y[s][0]];
            v = y;
        }
        v
    }

    fn reset_if_broken(&mut self) {
        if !self.y.iter().flatten().chain(self.x.iter().flatten()).all(|v| v.is_finite()) {
            self.x = [[0.0; 2]; 2];
            self.y = [[0.0; 2]; 2];
        }
    }
}

/// Channel weights of BS.1770 by layout: 1 for front channels, 1.41 (+1.5 dB) for
/// surrounds, 0 for the LFE of a 5.1 stream (L R C LFE Ls Rs).
pub fn channel_weights(channels: usize) -> Vec<f64> {
    match channels {
        5 => vec![1.0, 1.0, 1.0, 1.41, 1.41],
        6 => vec![1.0, 1.0, 1.0, 0.0, 1.41, 1.41],
        n => vec![1.0; n],
    }
}

/// A 4x polyphase interpolator measuring the peak between samples (BS.1770-4 Annex 2).
struct TruePeak {
    /// `TP_FACTOR` phases of `TP_TAPS` taps.
    phases: Box<[[f32; TP_TAPS]]>,
    /// Per channel, the last `TP_TAPS` samples (twice, so a window is one slice).
    history: Box<[f32]>,
    pos: usize,
    peak: f32,
}

impl TruePeak {
    fn new(channels: usize) -> Self {
        // Kaiser-windowed sinc cut at the original Nyquist frequency.
        let len = TP_FACTOR * TP_TAPS;
        let beta = 8.0;
        let i0 = |x: f64| {
            let (mut term, mut sum) = (1.0, 1.0);
            for k in 1..50 {
                term *= (x / 2.0) * (x / 2.0) / (k * k) as f64;
                sum += term;
            }
            sum
        };
        let centre = (len - 1) as f64 / 2.0;
        let taps: Vec<f64> = (0..len)
            .map(|n| {
                let t = (n as f64 - centre) / TP_FACTOR as f64;
                let sinc = if t == 0.0 { 1.0 } else { (std::f64::consts::PI * t).sin() / (std::f64::consts::PI * t) };
                let r = (n as f64 - centre) / centre;
                sinc * i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0(beta)
            })
            .collect();
        let phases = (0..TP_FACTOR).map(|p| std::array::from_fn(|k| taps[k * TP_FACTOR + p] as f32)).collect();
        TruePeak { phases, history: vec![0.0; 2 * TP_TAPS * channels].into(), pos: 0, peak: 0.0 }
    }

    #[inline]
    fn push(&mut self, frame: &[f32]) {
        for (c, &x) in frame.iter().enumerate() {
            let h = &mut self.history[c * 2 * TP_TAPS..(c + 1) * 2 * TP_TAPS];
            h[self.pos] = x;
            h[self.pos + TP_TAPS] = x;
            // Newest sample last: the window is h[pos + 1 ..= pos + TP_TAPS].
            let window = &h[self.pos + 1..self.pos + 1 + TP_TAPS];
            for phase in self.phases.iter() {
                let y: f32 = phase.iter().rev().zip(window).map(|(a, b)| a * b).sum();
                self.peak = self.peak.max(y.abs());
            }
        }
        self.pos = (self.pos + 1) % TP_TAPS;
    }
}

/// Streaming loudness meter: one frame per 100 ms with momentary, short-term and
/// integrated loudness (LUFS) and the true peak so far (dBTP).
pub struct Loudness {
    channels: usize,
    weights: Box<[f64]>,
    filters: Box<[KWeighting]>,
    /// Weighted energy of the current step so far.
    acc: f64,
    /// Frames in the current step so far.
    count: usize,
    step: usize,
    /// Mean weighted energy of the last [`SHORT_TERM`] steps (ring).
    steps: Box<[f64]>,
    steps_pos: usize,
    steps_seen: usize,
    /// Per loudness bin: number of gating blocks and their summed energy.
    hist_count: Box<[u64]>,
    hist_energy: Box<[f64]>,
    true_peak: TruePeak,
}

impl Loudness {
    /// A meter for `channels` interleaved channels at `samplerate` Hz.
    pub fn new(samplerate: f64, channels: usize) -> Self {
        let bins = ((HIST_TOP - ABSOLUTE_GATE) / HIST_STEP).ceil() as usize + 1;
        Loudness {
            channels,
            weights: channel_weights(channels).into(),
            filters: vec![KWeighting::new(samplerate); channels].into(),
            acc: 0.0,
            count: 0,
            step: (STEP * samplerate).round() as usize,
            steps: vec![0.0; SHORT_TERM].into(),
            steps_pos: 0,
            steps_seen: 0,
            hist_count: vec![0; bins].into(),
            hist_energy: vec![0.0; bins].into(),
            true_peak: TruePeak::new(channels),
        }
    }

    fn window_energy(&self, blocks: usize) -> f64 {
        let n = blocks.min(self.steps.len());
        let sum: f64 = (0..n).map(|i| self.steps[(self.steps_pos + SHORT_TERM - 1 - i) % SHORT_TERM]).sum();
        sum / n as f64
    }

    fn integrated(&self) -> f64 {
        let (count, energy) =
            self.hist_count.iter().zip(self.hist_energy.iter()).fold((0u64, 0.0), |a, (c, e)| (a.0 + c, a.1 + e));
        if count == 0 {
            return lufs(0.0);
        }
        let gate = lufs(energy / count as f64) + RELATIVE_GATE;
        let first = (((gate - ABSOLUTE_GATE) / HIST_STEP).ceil().max(0.0) as usize).min(self.hist_count.len());
        let (count, energy) = self.hist_count[first..]
            .iter()
            .zip(&self.hist_energy[first..])
            .fold((0u64, 0.0), |a, (c, e)| (a.0 + c, a.1 + e));
        if count == 0 {
            lufs(0.0)
        } else {
            lufs(energy / count as f64)
        }
    }

    fn end_step(&mut self, emit: Emit, end: u64) {
        self.steps[self.steps_pos] = self.acc / self.count as f64;
        self.steps_pos = (self.steps_pos + 1) % SHORT_TERM;
        self.steps_seen += 1;
        self.acc = 0.0;
        self.count = 0;
        for f in self.filters.iter_mut() {
            f.reset_if_broken();
        }
        let momentary = self.window_energy(MOMENTARY);
        if self.steps_seen >= MOMENTARY {
            let l = lufs(momentary);
            if l > ABSOLUTE_GATE {
                let bin = (((l - ABSOLUTE_GATE) / HIST_STEP) as usize).min(self.hist_count.len() - 1);
                self.hist_count[bin] += 1;
                self.hist_energy[bin] += momentary;
            }
        }
        let tp = 20.0 * (self.true_peak.peak.max(1e-10) as f64).log10();
        let values =
            [lufs(momentary) as f32, lufs(self.window_energy(SHORT_TERM)) as f32, self.integrated() as f32, tp as f32];
        emit(end as i64, &values);
    }

    /// Frames seen since the start.
    fn position(&self) -> u64 {
        (self.steps_seen * self.step + self.count) as u64
    }
}

impl Analyzer for Loudness {
    fn width(&self) -> usize {
        4
    }

    fn channels(&self) -> usize {
        self.channels
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        for frame in input.chunks_exact(self.channels) {
            let mut e = 0.0;
            for ((x, f), w) in frame.iter().zip(self.filters.iter_mut()).zip(self.weights.iter()) {
                let y = f.tick(*x as f64);
                e += w * y * y;
            }
            self.acc += e;
            self.count += 1;
            self.true_peak.push(frame);
            if self.count == self.step {
                let end = self.position();
                self.end_step(emit, end);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meter(signal: &[f32], channels: usize, sr: f64) -> Vec<[f32; 4]> {
        let mut m = Loudness::new(sr, channels);
        let mut out = Vec::new();
        for block in signal.chunks(channels * 300) {
            m.push(block, &mut |_, v| out.push([v[0], v[1], v[2], v[3]]));
        }
        out
    }

    fn sine(freq: f64, db: f64, seconds: f64, sr: f64, channels: usize) -> Vec<f32> {
        let a = 10f64.powf(db / 20.0);
        let n = (seconds * sr) as usize;
        (0..n * channels)
            .map(|i| (a * (std::f64::consts::TAU * freq * (i / channels) as f64 / sr).sin()) as f32)
            .collect()
    }

    #[test]
    fn k_weighting_matches_the_standards_48_khz_coefficients() {
        let k = KWeighting::new(48_000.0);
        let want_b = [1.53512485958697, -2.69169618940638, 1.19839281085285];
        let want_a = [-1.69065929318241, 0.73248077421585];
        assert!(k.b[0].iter().zip(want_b).all(|(b, w)| (b - w).abs() < 1e-9));
        assert!(k.a[0].iter().zip(want_a).all(|(a, w)| (a - w).abs() < 1e-9));
        assert!((k.a[1][0] + 1.99004745483398).abs() < 1e-9 && (k.a[1][1] - 0.99007225036621).abs() < 1e-9);
    }

    #[test]
    fn ebu_tech_3341_tone_reads_its_level() {
        // Test 1 of EBU Tech 3341: a stereo 1 kHz sine at -23 dBFS reads -23 LUFS
        // (momentary, short-term and integrated) within 0.1 LU, at 44.1 and 48 kHz.
        for sr in [44_100.0, 48_000.0] {
            let frames = meter(&sine(1000.0, -23.0, 20.0, sr, 2), 2, sr);
            let last = frames.last().unwrap();
            for v in &last[..3] {
                assert!((v + 23.0).abs() < 0.1, "{sr}: {last:?}");
            }
            // The sine's true peak is its amplitude, -23 dBTP, within the meter's 0.5 dB.
            assert!((last[3] + 23.0).abs() < 0.5, "{last:?}");
        }
    }

    #[test]
    fn the_relative_gate_drops_quiet_passages() {
        // EBU Tech 3341 test 3: -36 dBFS for 10 s, -23 for 60 s, -36 for 10 s reads -23 LUFS:
        // the quiet passages are more than 10 LU down and gated out.
        let sr = 48_000.0;
        let mut s = sine(1000.0, -36.0, 10.0, sr, 2);
        s.extend(sine(1000.0, -23.0, 60.0, sr, 2));
        s.extend(sine(1000.0, -36.0, 10.0, sr, 2));
        let integrated = meter(&s, 2, sr).last().unwrap()[2];
        assert!((integrated + 23.0).abs() < 0.1, "{integrated}");
    }

    #[test]
    fn true_peak_sees_the_peak_between_samples() {
        // A sine at a quarter of the rate, sampled 45 degrees off its peaks: every sample
        // reads 0.707 of the amplitude, the true peak is the amplitude (+3 dB).
        let sr = 48_000.0;
        let s: Vec<f32> = (0..48_000)
            .map(|n| (std::f64::consts::TAU * 0.25 * n as f64 + std::f64::consts::FRAC_PI_4).sin() as f32 * 0.5)
            .collect();
        let tp = meter(&s, 1, sr).last().unwrap()[3];
        assert!((tp - 20.0 * 0.5f32.log10()).abs() < 0.2, "{tp}");
    }
}
