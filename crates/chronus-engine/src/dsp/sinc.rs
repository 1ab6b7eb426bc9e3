//! Band-limited reading of sampled audio between its samples, at any playback rate.
//!
//! [`Kernel`] (used to halve recordings, and for reads faster than twice the recorded speed
//! that cannot use a halved copy: near a loop's or a recording's edges, or of recordings
//! without copies) is a Kaiser-windowed sinc over 20 zero crossings each side (40 taps at
//! rates up to 1): flat within 0.0001 dB up to 0.42 of the input rate (20 kHz at 48 kHz)
//! and at least 100 dB down on the images from 0.58 on. It is 1 at its centre and 0 at
//! every other integer, so reading on a sample gives that sample exactly. Played faster
//! than recorded (rate `r > 1`), content above the output's Nyquist frequency would fold
//! back: the kernel is then stretched by `r` (its cutoff lowered to `1 / r`), costing
//! `40 r` taps.
//!
//! [`Polyphase`] tables serve reads at rates up to 2 with a fixed number of taps and no
//! arithmetic per tap beyond one interpolation: a 32-tap Kaiser-windowed sinc (beta 10;
//! flat within 0.0001 dB to 0.4 of the input rate, at least 100 dB down from 0.6 on)
//! tabulated at 257 phases (a unit of its argument in 256 steps: the table for rates up to
//! 1 takes 33 KB), the weights for a reading position interpolated linearly between the two
//! nearest phases (images of tones under 0.35 of the input and output rates measured under
//! -110 dB). Above a rate of 1 a table holds the same kernel stretched by `s = 2^(j/4)`
//! (`32 s` taps rounded up to a multiple of 8): a read at rate `r` takes the table with
//! the smallest stretch at or above `r`, whose band edges are `0.4 r / s` and `0.6 r / s`
//! of the output rate (so the passband reaches at least 0.336 of the output rate, 16 kHz
//! at 48 kHz, and what folds back lands above 0.4).

use std::sync::OnceLock;

use super::sums;

/// Taps each side of the reading position at rates up to 1.
pub const HALF_TAPS: usize = 20;
/// Taps at rates up to 1.
pub const TAPS: usize = 2 * HALF_TAPS;
/// Kernel values per unit of its argument in [`Kernel`]'s table.
const STEPS: usize = 512;
/// Kaiser window shape (about 100 dB of stopband for this length).
const BETA: f64 = 10.0;

/// The kernel, tabulated.
pub struct Kernel {
    /// `h(m / STEPS)` for `m` in `0..=HALF_TAPS * STEPS`, plus a zero.
    proto: Box<[f32]>,
}

/// The zeroth-order modified Bessel function of the first kind (power series).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, mut k) = (1.0, 1.0, 1.0);
    while term > 1e-17 * sum {
        term *= (x / (2.0 * k)).powi(2);
        sum += term;
        k += 1.0;
    }
    sum
}

/// The kernel at `x` input samples from the reading position.
fn h(x: f64) -> f64 {
    kaiser_sinc(x, HALF_TAPS, BETA)
}

/// A sinc (zeros on the integers) under a Kaiser window of shape `beta` reaching `half`
/// samples either side.
fn kaiser_sinc(x: f64, half: usize, beta: f64) -> f64 {
    let u = x / half as f64;
    if u.abs() >= 1.0 || (x != 0.0 && x.fract() == 0.0) {
        return 0.0; // exactly, on the sinc's zeros
    }
    let sinc = if x == 0.0 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
    sinc * bessel_i0(beta * (1.0 - u * u).sqrt()) / bessel_i0(beta)
}

/// Fractional bits of a reading position held as an integer ([`to_position`]): positions
/// are counted in units of `2^-32` of a frame, in an `i64` (up to `2^31` frames either way),
/// so that stepping one by a rate (also in those units) is an integer add, and taking its
/// frame and phase a shift and a mask ([`frame_and_fraction`]).
pub const POSITION_BITS: u32 = 32;
/// Fractional bits of a position's distance past its frame that pick and interpolate a
/// polyphase table's rows ([`Polyphase::rows`]).
pub const FRACTION_BITS: u32 = 24;

/// `frames` (a position, or a rate in frames per frame) in units of `2^-POSITION_BITS`
/// frames, rounded to the nearest (saturating beyond the `i64` range; NaN gives 0).
#[inline]
pub fn to_position(frames: f64) -> i64 {
    (frames * (1u64 << POSITION_BITS) as f64).round() as i64
}

/// A position in units of `2^-POSITION_BITS` frames, in frames.
#[inline]
pub fn in_frames(pos: i64) -> f64 {
    pos as f64 * (1.0 / (1u64 << POSITION_BITS) as f64)
}

/// The frame at or before a position (in units of `2^-POSITION_BITS` frames) and how far
/// the position lies past it, in units of `2^-FRACTION_BITS` of a frame (finer bits
/// dropped).
#[inline(always)]
pub fn frame_and_fraction(pos: i64) -> (i64, u32) {
    let fraction = (pos >> (POSITION_BITS - FRACTION_BITS)) as u32 & ((1 << FRACTION_BITS) - 1);
    (pos >> POSITION_BITS, fraction)
}

/// Fractional bits that pick a row of a polyphase table.
const PHASE_BITS: u32 = 8;
/// Rows of a polyphase table, less one: a unit of the kernel's argument in `PHASES` steps.
const PHASES: usize = 1 << PHASE_BITS;
/// Fractional bits left below a row: how far the position lies towards the next row.
const BETWEEN_BITS: u32 = FRACTION_BITS - PHASE_BITS;

/// Taps each side of the polyphase kernel at rates up to 1.
pub const POLY_HALF: usize = 16;
/// Kaiser window shape of the polyphase kernel.
const POLY_BETA: f64 = 10.0;
/// Polyphase tables per octave of stretch.
const STRETCHES_PER_OCTAVE: usize = 4;
/// Polyphase tables: stretch 1 (rates up to 1) to stretch 2.
pub const POLY_TABLES: usize = STRETCHES_PER_OCTAVE + 1;

/// One polyphase table: the kernel stretched by `stretch`, at `PHASES + 1` phases.
pub struct Polyphase {
    taps: usize,
    stretch: f64,
    /// `PHASES + 1` rows of `taps` weights from `start` on: row `p` holds the weights for
    /// the samples `n - (taps / 2 - 1) ..= n + taps / 2` when reading at `n + p / PHASES`.
    rows: Box<[f32]>,
    /// Where the rows begin in `rows`: at a multiple of 64 bytes in memory, so that no load
    /// of 8 weights (32 bytes, `taps` a multiple of 8) spans two cache lines.
    start: usize,
}

impl Polyphase {
    fn new(stretch: f64) -> Polyphase {
        let taps = (2.0 * POLY_HALF as f64 * stretch / 8.0).ceil() as usize * 8;
        let lead = (taps / 2 - 1) as f64;
        // Room for the rows and up to 15 values before them to align them (the heap block
        // does not move with the Box).
        let mut rows = vec![0.0f32; (PHASES + 1) * taps + 15].into_boxed_slice();
        let start = rows.as_ptr().align_offset(64).min(15);
        let weights = (0..=PHASES).flat_map(|p| {
            (0..taps).map(move |j| {
                let x = (j as f64 - lead - p as f64 / PHASES as f64) / stretch;
                (kaiser_sinc(x, POLY_HALF, POLY_BETA) / stretch) as f32
            })
        });
        rows[start..].iter_mut().zip(weights).for_each(|(r, w)| *r = w);
        Polyphase { taps, stretch, rows, start }
    }

    /// Taps of a read (a multiple of 8).
    #[inline]
    pub fn taps(&self) -> usize {
        self.taps
    }

    /// Frames before the reading position's frame `n` that a read starts at.
    #[inline]
    pub fn lead(&self) -> usize {
        self.taps / 2 - 1
    }

    /// The stretch of the kernel (its cutoff is `0.5 / stretch` of the input rate).
    pub fn stretch(&self) -> f64 {
        self.stretch
    }

    /// The two rows around a reading position `q` past a sample (in units of
    /// `2^-FRACTION_BITS` of a frame, as [`frame_and_fraction`] gives it) and how far it
    /// lies from the first to the second: the weights are `a + d (b - a)`.
    #[inline(always)]
    pub fn rows(&self, q: u32) -> (&[f32], &[f32], f32) {
        let taps = self.taps;
        // Under PHASES: rows p and p + 1 both exist.
        let p = ((q >> BETWEEN_BITS) as usize) & (PHASES - 1);
        let d = (q & ((1 << BETWEEN_BITS) - 1)) as f32 * (1.0 / (1 << BETWEEN_BITS) as f32);
        let at = self.start + p * taps;
        debug_assert!(at + 2 * taps <= self.rows.len());
        // SAFETY: `start` is at most 15 and `p + 2` at most `PHASES + 1`, and `rows` holds
        // `(PHASES + 1) * taps + 15` values.
        let (a, b) = unsafe { self.rows.get_unchecked(at..at + 2 * taps) }.split_at(taps);
        (a, b, d)
    }

    /// Weights for the samples `n - lead ..= n + taps / 2` when reading `q` past `n` (see
    /// [`Polyphase::rows`]); `out` holds `taps` of them.
    #[inline]
    pub fn weights(&self, q: u32, out: &mut [f32]) {
        let (a, b, d) = self.rows(q);
        for ((o, a), b) in out[..self.taps].iter_mut().zip(a).zip(b) {
            *o = a + d * (b - a);
        }
    }
}

/// The polyphase tables, by stretch: `2^(j / 4)` for table `j`.
pub fn polyphase() -> &'static [Polyphase; POLY_TABLES] {
    static T: OnceLock<[Polyphase; POLY_TABLES]> = OnceLock::new();
    T.get_or_init(|| std::array::from_fn(|j| Polyphase::new((j as f64 / STRETCHES_PER_OCTAVE as f64).exp2())))
}

/// The table for reads at `rate` (at most 2): the one with the smallest stretch at or
/// above it.
#[inline]
pub fn polyphase_for(rate: f64) -> &'static Polyphase {
    let tables = polyphase();
    tables.iter().find(|t| t.stretch >= rate).unwrap_or(&tables[POLY_TABLES - 1])
}

/// The shared kernel tables.
pub fn kernel() -> &'static Kernel {
    static K: OnceLock<Kernel> = OnceLock::new();
    K.get_or_init(|| {
        let proto = (0..=HALF_TAPS * STEPS + 1).map(|m| h(m as f64 / STEPS as f64) as f32).collect();
        Kernel { proto }
    })
}

impl Kernel {
    /// Weights, normalized to unit gain, of the kernel stretched by `stretch` (at least 1)
    /// for consecutive samples, the first `first` input samples from the reading position
    /// (`first` in `[-HALF_TAPS * stretch, 0]`, `out` no longer than the kernel's reach).
    #[inline]
    pub fn stretched(&self, first: f32, stretch: f32, out: &mut [f32]) {
        let scale = STEPS as f32 / stretch;
        let (start, last) = (first * scale, (HALF_TAPS * STEPS) as f32);
        for (j, w) in out.iter_mut().enumerate() {
            let m = (start + j as f32 * scale).abs().min(last);
            let i = m as u32 as usize;
            let d = m - i as f32;
            *w = self.proto[i] + d * (self.proto[i + 1] - self.proto[i]);
        }
        let norm = 1.0 / sums::sum(out);
        out.iter_mut().for_each(|w| *w *= norm);
    }
}

/// One channel's `frames` (silence beyond both ends) at half the rate: filtered by the
/// kernel stretched by 2 (flat to 0.42 and at least 100 dB down from 0.58 of the new
/// Nyquist frequency), then every other frame, the first kept. Reading the result with the
/// kernel stretched by `r` matches reading the original stretched by `2 r`.
///
/// The stretched kernel is a half-band filter: its taps an even number of frames from the
/// centre are 0 (the sinc's zeros), and it is symmetric. So an output frame is the centre
/// tap times its own frame plus `HALF_TAPS` weights, each applied to the sum of the two odd
/// neighbours at its distance: 20 multiplies instead of 81, computed for runs of
/// consecutive outputs at once (which vectorizes).
pub fn halve(frames: &[f32]) -> Vec<f32> {
    let n = frames.len();
    let reach = 2 * HALF_TAPS;
    let mut w = vec![0.0f32; 2 * reach + 1];
    kernel().stretched(-(reach as f32), 2.0, &mut w);
    debug_assert!(w.iter().skip(reach % 2).step_by(2).enumerate().all(|(k, w)| k == HALF_TAPS || *w == 0.0));
    let centre = w[reach];
    // Weight `i` applies to the frames `2 i + 1` either side of an output's own frame.
    let odd: Vec<f32> = (0..HALF_TAPS).map(|i| w[reach + 2 * i + 1]).collect();
    // Outputs computed at once, in registers and on the stack.
    const RUN: usize = 64;
    // The odd frames with HALF_TAPS frames of silence each side (and up to RUN - 1 more
    // after, so that every run reads whole runs): output `m` (frame `2 m`) takes
    // `padded[m + HALF_TAPS + i]` (frame `2 m + 2 i + 1`) and `padded[m + HALF_TAPS - 1 - i]`
    // (frame `2 m - 2 i - 1`).
    let outputs = n.div_ceil(2);
    let mut padded = vec![0.0f32; outputs.next_multiple_of(RUN) + 2 * HALF_TAPS];
    padded[HALF_TAPS..HALF_TAPS + n / 2].iter_mut().zip(frames.iter().skip(1).step_by(2)).for_each(|(p, x)| *p = *x);
    let mut out = Vec::with_capacity(outputs);
    for m in (0..outputs).step_by(RUN) {
        let mut run = [0.0f32; RUN];
        for (i, w) in odd.iter().enumerate() {
            let after: &[f32; RUN] = padded[m + HALF_TAPS + i..][..RUN].try_into().expect("RUN values");
            let before: &[f32; RUN] = padded[m + HALF_TAPS - 1 - i..][..RUN].try_into().expect("RUN values");
            for t in 0..RUN {
                run[t] += w * (after[t] + before[t]);
            }
        }
        let own = frames[2 * m..].iter().step_by(2);
        out.extend(run.iter().zip(own).map(|(r, x)| centre * x + r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `signal(n)` at `pos` with the polyphase table for `rate`.
    fn read(signal: impl Fn(i64) -> f64, pos: f64, rate: f64) -> f64 {
        let (n, q) = frame_and_fraction(to_position(pos));
        let table = polyphase_for(rate);
        let mut w = vec![0.0; table.taps()];
        table.weights(q, &mut w);
        w.iter().enumerate().map(|(j, w)| *w as f64 * signal(n - table.lead() as i64 + j as i64)).sum()
    }

    #[test]
    fn positions_give_their_frame_and_fraction() {
        for (frames, n, q) in
            [(0.0, 0, 0), (3.25, 3, 1 << 22), (-0.25, -1, 3 << 22), (1e9 + 0.5, 1_000_000_000, 1 << 23)]
        {
            assert_eq!(frame_and_fraction(to_position(frames)), (n, q), "{frames}");
            assert_eq!(in_frames(to_position(frames)), frames);
        }
        // A fraction finer than the table's resolution is dropped, not rounded.
        assert_eq!(frame_and_fraction(to_position(2.0) + 255), (2, 0));
        assert_eq!(frame_and_fraction(to_position(2.0) - 1), (1, (1 << FRACTION_BITS) - 1));
    }

    #[test]
    fn polyphase_reads_samples_exactly_and_sines_in_the_passband_closely() {
        let signal = |n: i64| (0.3 * n as f64).sin() + 0.1 * n as f64;
        for n in -5..5 {
            assert_eq!(read(signal, n as f64, 1.0), signal(n));
        }
        // Every table: a sine in its passband (0.4 / stretch of the input rate) read at
        // arbitrary positions, against its exact value.
        for table in polyphase() {
            assert_eq!(table.taps() % 8, 0);
            assert!(table.taps() as f64 >= 2.0 * POLY_HALF as f64 * table.stretch());
            for f in [0.01, 0.1, 0.25, 0.4] {
                let f = f / table.stretch();
                let mut worst = 0.0f64;
                for i in 0..500 {
                    let pos = i as f64 * 0.7319 + 0.013;
                    let exact = (std::f64::consts::TAU * f * pos).sin();
                    let sine = |n: i64| (std::f64::consts::TAU * f * n as f64).sin();
                    worst = worst.max((read(sine, pos, table.stretch()) - exact).abs());
                }
                assert!(worst < 3e-5, "stretch {}, {f} cycles/sample: error {worst}", table.stretch());
            }
        }
    }

    #[test]
    fn polyphase_tables_cover_rates_up_to_2() {
        assert_eq!(polyphase_for(0.3).stretch(), 1.0);
        assert_eq!(polyphase_for(1.0).stretch(), 1.0);
        for rate in [1.0001, 1.1, 1.19, 1.2, 1.5, 1.9, 2.0] {
            let s = polyphase_for(rate).stretch();
            assert!(s >= rate && s < rate * 2f64.powf(0.25) + 1e-9, "rate {rate}: stretch {s}");
        }
    }

    #[test]
    fn stretched_weights_follow_the_kernel_and_sum_to_one() {
        let k = kernel();
        for stretch in [1.0f32, 1.5, 2.0, 3.7] {
            let first = (-(HALF_TAPS as f32) * stretch + 0.25).ceil() - 0.25;
            let mut s = vec![0.0; (2.0 * HALF_TAPS as f32 * stretch) as usize];
            k.stretched(first, stretch, &mut s);
            assert!((s.iter().sum::<f32>() - 1.0).abs() < 1e-6);
            for (j, w) in s.iter().enumerate() {
                let x = (first + j as f32) as f64 / stretch as f64;
                assert!((w - (h(x) / stretch as f64) as f32).abs() < 2e-4, "stretch {stretch}, tap {j}");
            }
        }
    }

    #[test]
    fn halving_equals_the_whole_kernel_applied_frame_by_frame() {
        // An odd length, so that the last output has a frame but no odd neighbour after it.
        let x: Vec<f32> = (0..301).map(|n| ((n as f64 * 0.37).sin() + 0.3 * (n as f64 * 1.91).cos()) as f32).collect();
        let reach = 2 * HALF_TAPS;
        let mut w = vec![0.0f32; 2 * reach + 1];
        kernel().stretched(-(reach as f32), 2.0, &mut w);
        let y = halve(&x);
        assert_eq!(y.len(), 151);
        for (m, y) in y.iter().enumerate() {
            // Every tap, silence beyond both ends (the edges included), summed in f64.
            let want: f64 = (0..=2 * reach)
                .filter_map(|t| Some(w[t] as f64 * *x.get((2 * m + t).checked_sub(reach)?)? as f64))
                .sum();
            assert!((*y as f64 - want).abs() < 1e-6, "output {m}: {y} against {want}");
        }
    }

    #[test]
    fn halving_keeps_the_passband_and_removes_what_would_fold() {
        let level = |hz: f64| {
            // A 48 kHz sine, halved to 24 kHz: the level of the same sine in the result.
            let x: Vec<f32> =
                (0..48_000).map(|n| (std::f64::consts::TAU * hz * n as f64 / 48e3).sin() as f32).collect();
            let y = halve(&x);
            assert_eq!(y.len(), 24_000);
            let (mut re, mut im) = (0.0, 0.0);
            for (k, v) in y.iter().enumerate().skip(2_000).take(20_000) {
                let phase = std::f64::consts::TAU * hz * k as f64 / 24e3;
                (re, im) = (re + *v as f64 * phase.cos(), im + *v as f64 * phase.sin());
            }
            2.0 * (re * re + im * im).sqrt() / 20_000.0
        };
        assert!((level(1_000.0) - 1.0).abs() < 1e-3, "passband");
        assert!((level(4_800.0) - 1.0).abs() < 1e-3, "0.4 of the new Nyquist");
        let folded = level(24_000.0 - 3_000.0); // 21 kHz would fold onto 3 kHz
        assert!(folded < 1e-4, "{folded}");
    }
}
