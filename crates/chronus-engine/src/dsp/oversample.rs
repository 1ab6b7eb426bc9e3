//! Oversampling by 2, 4 or 8 for nonlinear processing, with cascaded linear-phase halfband
//! FIR stages in polyphase form.
//!
//! Each stage doubles (or halves) the rate with a Kaiser-windowed halfband filter: every
//! other tap is zero, so the interpolator computes one of its two output phases as a dot
//! product and the other as a pure delay, and the decimator does the same on its input
//! phases. The stage next to the base rate keeps 0 to 20 kHz (at 48 kHz; the same fraction
//! of Nyquist at other rates) and rejects everything that would fold back into it by
//! [`STOPBAND_DB`]; the outer stages only have to protect what the inner ones pass, so they
//! are much shorter. The whole chain is linear phase; its delay is padded to a whole number
//! of base-rate frames ([`Oversampler::latency`]) so a dry path can be aligned exactly.

use super::fixed_delay::FixedDelay;

/// Stopband attenuation of every stage, in dB.
pub const STOPBAND_DB: f64 = 100.0;
/// Top of the band kept intact, as a fraction of the base Nyquist frequency (20 kHz at 48 kHz).
const PASSBAND: f64 = 20.0 / 24.0;
/// Largest factor supported.
pub const MAX_FACTOR: usize = 8;

/// The dot-product phase of a halfband filter of length `4k + 3`: taps `h[2i - half]` for
/// `i` in `0..=half` (the centre tap, 1/2, is applied as a delay).
struct Halfband {
    taps: Box<[f32]>,
    /// Index of the centre tap, odd.
    half: usize,
}

/// Zeroth-order modified Bessel function of the first kind (power series).
fn bessel_i0(x: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    let q = x * x / 4.0;
    for k in 1..200 {
        term *= q / (k * k) as f64;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

impl Halfband {
    /// A halfband filter whose transition band is `transition` wide (fraction of its rate),
    /// centred on a quarter of its rate, with at least [`STOPBAND_DB`] of rejection: Kaiser's
    /// length estimate, lengthened until the designed response meets the stopband.
    fn design(transition: f64) -> Self {
        let length = (STOPBAND_DB - 7.95) / (14.36 * transition) + 1.0;
        let mut half = ((length - 1.0) / 2.0).ceil() as usize | 1;
        loop {
            let taps = Self::kaiser(half);
            if Self::worst_stopband_db(&taps, half, 0.25 + transition / 2.0) <= -STOPBAND_DB {
                return Halfband { taps: taps.iter().map(|t| *t as f32).collect(), half };
            }
            half += 2;
        }
    }

    /// Odd taps of the Kaiser-windowed halfband sinc with centre `half`, summing to 1/2
    /// (unity gain at DC).
    fn kaiser(half: usize) -> Vec<f64> {
        let beta = 0.1102 * (STOPBAND_DB - 8.7);
        let mut taps: Vec<f64> = (0..=half)
            .map(|i| {
                let n = 2.0 * i as f64 - half as f64;
                let r = n / half as f64;
                let window = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / bessel_i0(beta);
                (std::f64::consts::FRAC_PI_2 * n).sin() / (std::f64::consts::PI * n) * window
            })
            .collect();
        let sum: f64 = taps.iter().sum();
        for t in &mut taps {
            *t *= 0.5 / sum;
        }
        taps
    }

    /// Largest magnitude in dB from `stop` (fraction of the rate) to Nyquist.
    fn worst_stopband_db(taps: &[f64], half: usize, stop: f64) -> f64 {
        (0..=512)
            .map(|k| {
                let f = stop + (0.5 - stop) * k as f64 / 512.0;
                let h: f64 = 0.5
                    + taps
                        .iter()
                        .enumerate()
                        .map(|(i, t)| t * (2.0 * std::f64::consts::PI * f * (2.0 * i as f64 - half as f64)).cos())
                        .sum::<f64>();
                20.0 * h.abs().max(1e-30).log10()
            })
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

/// Dot product with eight partial sums so that it vectorizes.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Recent samples in a doubled ring so the last `len` always form one contiguous slice.
struct History {
    buf: Box<[f32]>,
    len: usize,
    pos: usize,
}

impl History {
    fn new(len: usize) -> Self {
        History { buf: vec![0.0; 2 * len].into(), len, pos: 0 }
    }

    fn clear(&mut self) {
        self.buf.fill(0.0);
    }

    /// Appends `x` and returns the last `len` samples, oldest first.
    #[inline(always)]
    fn push(&mut self, x: f32) -> &[f32] {
        self.pos = if self.pos + 1 == self.len { 0 } else { self.pos + 1 };
        self.buf[self.pos] = x;
        self.buf[self.pos + self.len] = x;
        &self.buf[self.pos + 1..self.pos + 1 + self.len]
    }
}

/// One lane's filter memories for one stage.
struct StageState {
    /// Interpolator input history.
    up: History,
    /// Decimator history of the even input phase.
    even: History,
    /// Decimator odd input phase, delayed to meet the centre tap.
    odd: FixedDelay,
}

/// Oversampling for several lanes: [`Oversampler::process`] raises one lane's block to the
/// high rate, lets a closure process it there, and brings it back down.
pub struct Oversampler {
    stages: Vec<Halfband>,
    /// `states[lane][stage]`.
    states: Vec<Vec<StageState>>,
    /// Per-lane delay at the top rate that makes the total latency whole base frames.
    pads: Vec<FixedDelay>,
    scratch: [Box<[f32]>; 2],
    latency: usize,
}

impl Oversampler {
    /// Oversampling by `factor` (1, 2, 4 or 8) for `lanes` lanes and blocks of up to
    /// `max_block` base-rate frames. A factor of 1 runs the closure at the base rate.
    pub fn new(factor: usize, lanes: usize, max_block: usize) -> Self {
        assert!(factor.is_power_of_two() && factor <= MAX_FACTOR, "factor {factor} is not 1, 2, 4 or 8");
        let count = factor.trailing_zeros() as usize;
        let stages: Vec<Halfband> = (0..count).map(|k| Halfband::design(0.5 - PASSBAND / (2u32 << k) as f64)).collect();
        // Each stage delays by `half` samples of its high rate on the way up and again on the
        // way down; count that in samples of the top rate.
        let top: usize = stages.iter().enumerate().map(|(k, s)| (2 * s.half) << (count - 1 - k)).sum();
        let pad = (factor - top % factor) % factor;
        let states = (0..lanes)
            .map(|_| {
                stages
                    .iter()
                    .map(|s| StageState {
                        up: History::new(s.half + 1),
                        even: History::new(s.half + 1),
                        odd: FixedDelay::new(s.half.div_ceil(2)),
                    })
                    .collect()
            })
            .collect();
        Oversampler {
            stages,
            states,
            pads: (0..lanes).map(|_| FixedDelay::new(pad)).collect(),
            scratch: [vec![0.0; max_block * factor].into(), vec![0.0; max_block * factor].into()],
            latency: (top + pad) / factor,
        }
    }

    /// Oversampling factor.
    pub fn factor(&self) -> usize {
        1 << self.stages.len()
    }

    /// Delay from input to output in base-rate frames.
    pub fn latency(&self) -> usize {
        self.latency
    }

    /// Silences `lane`'s filter memories (after its input went non-finite).
    pub fn clear(&mut self, lane: usize) {
        for state in &mut self.states[lane] {
            state.up.clear();
            state.even.clear();
            state.odd.clear();
        }
        self.pads[lane].clear();
    }

    /// Replaces `block` (one lane, base rate) by: upsample, `process` at the high rate (its
    /// slice holds `block.len() * factor` samples), downsample.
    pub fn process(&mut self, lane: usize, block: &mut [f32], mut process: impl FnMut(&mut [f32])) {
        let factor = self.factor();
        let [a, b] = &mut self.scratch;
        let (mut cur, mut next) = (&mut a[..], &mut b[..]);
        let mut len = block.len();
        cur[..len].copy_from_slice(block);
        for (filter, state) in self.stages.iter().zip(self.states[lane].iter_mut()) {
            let centre = filter.half.div_ceil(2);
            for (x, out) in cur[..len].iter().zip(next.chunks_exact_mut(2)) {
                let window = state.up.push(*x);
                out[0] = 2.0 * dot(window, &filter.taps);
                out[1] = window[centre];
            }
            len *= 2;
            std::mem::swap(&mut cur, &mut next);
        }
        let pad = &mut self.pads[lane];
        for x in &mut cur[..len] {
            *x = pad.swap(*x);
        }
        process(&mut cur[..len]);
        for (filter, state) in self.stages.iter().zip(self.states[lane].iter_mut()).rev() {
            for (pair, out) in cur[..len].chunks_exact(2).zip(next.iter_mut()) {
                let window = state.even.push(pair[0]);
                *out = dot(window, &filter.taps) + 0.5 * state.odd.swap(pair[1]);
            }
            len /= 2;
            std::mem::swap(&mut cur, &mut next);
        }
        debug_assert_eq!(len * factor, block.len() * factor);
        block.copy_from_slice(&cur[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    const SR: f64 = 48_000.0;

    /// Amplitude of the component at `freq` (Hz, at `rate`) in `x`, by projection with a Hann window.
    fn amplitude(x: &[f32], freq: f64, rate: f64) -> f64 {
        let n = x.len();
        let (mut re, mut im, mut wsum) = (0.0, 0.0, 0.0);
        for (i, v) in x.iter().enumerate() {
            let w = 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos();
            let ph = 2.0 * PI * freq * i as f64 / rate;
            re += w * *v as f64 * ph.cos();
            im += w * *v as f64 * ph.sin();
            wsum += w;
        }
        2.0 * re.hypot(im) / wsum
    }

    fn sines(n: usize, offset: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = (i as f64 - offset as f64) / SR;
                (0.5 * (2.0 * PI * 1000.0 * t).sin() + 0.4 * (2.0 * PI * 15_000.0 * t).sin()) as f32
            })
            .collect()
    }

    #[test]
    fn round_trip_is_a_pure_delay_of_the_reported_latency() {
        for factor in [1usize, 2, 4, 8] {
            let mut os = Oversampler::new(factor, 2, 256);
            let input = sines(8192, 0);
            let mut out = input.clone();
            for block in out.chunks_mut(100) {
                os.process(1, block, |_| {});
            }
            let expected = sines(8192, os.latency());
            let err = out[2000..].iter().zip(&expected[2000..]).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(err < 1e-4, "factor {factor}: latency {} error {err}", os.latency());
        }
    }

    #[test]
    fn images_and_aliases_are_rejected_by_the_stopband() {
        for factor in [2usize, 4, 8] {
            let rate = SR * factor as f64;
            // Upsampling a 15 kHz sine leaves no image at the first mirror frequency.
            let mut os = Oversampler::new(factor, 1, 4096);
            let mut captured = Vec::new();
            let mut block: Vec<f32> = (0..4096).map(|i| (2.0 * PI * 15_000.0 * i as f64 / SR).sin() as f32).collect();
            os.process(0, &mut block, |x| captured.extend_from_slice(x));
            let tail = &captured[captured.len() / 2..];
            let image = amplitude(tail, 2.0 * SR / 2.0 - 15_000.0, rate);
            assert!(20.0 * image.log10() < -STOPBAND_DB + 6.0, "factor {factor}: image {image}");
            assert!((amplitude(tail, 15_000.0, rate) - 1.0).abs() < 1e-3);
            // A tone made at the top rate that would fold to 12 kHz is gone after downsampling.
            let alias = rate / 2.0 - 12_000.0;
            let mut os = Oversampler::new(factor, 1, 4096);
            let mut block = vec![0.0f32; 4096];
            let mut n = 0usize;
            os.process(0, &mut block, |x| {
                for v in x.iter_mut() {
                    *v = (2.0 * PI * alias * n as f64 / rate).sin() as f32;
                    n += 1;
                }
            });
            let left = amplitude(&block[2048..], 12_000.0, SR);
            assert!(20.0 * left.log10() < -STOPBAND_DB + 6.0, "factor {factor}: alias of {alias} Hz: {left}");
        }
    }
}
