//! A multi-lane delay line with fractional (cubic Hermite) reads.

use super::fastmath::min_of;

/// Ring buffers holding the recent past of `lanes` signals, one after the other.
///
/// Per frame, read first (delays are counted from the frame being produced, so a delay of
/// 1 frame returns the previous input), then write every lane, then [`DelayLine::advance`].
/// The `_at` forms work `offset` frames into a block instead, so a lane can be run through a
/// whole block before the line moves on with [`DelayLine::skip`]: frame `f`'s reads must
/// come before its write, and before the writes of frames after it.
pub struct DelayLine {
    /// Frames each lane holds (a power of two).
    len: usize,
    buf: Box<[f32]>,
    pos: usize,
    max_delay: f32,
}

impl DelayLine {
    /// Bytes [`DelayLine::new`] allocates for these sizes (in floating point: no overflow).
    pub fn bytes(lanes: usize, max_delay: usize) -> f64 {
        let len = (max_delay as f64 + 4.0).log2().ceil().exp2();
        len * lanes as f64 * std::mem::size_of::<f32>() as f64
    }

    /// A line that can delay by up to `max_delay` frames.
    pub fn new(lanes: usize, max_delay: usize) -> Self {
        let len = (max_delay + 4).next_power_of_two();
        DelayLine { len, buf: vec![0.0; len * lanes].into(), pos: 0, max_delay: max_delay.max(1) as f32 }
    }

    /// The ring of `lane`.
    #[inline(always)]
    fn ring(&self, lane: usize) -> &[f32] {
        &self.buf[lane * self.len..(lane + 1) * self.len]
    }

    /// Silences what `lane` holds (after its input went non-finite).
    pub fn clear_lane(&mut self, lane: usize) {
        self.buf[lane * self.len..(lane + 1) * self.len].fill(0.0);
    }

    /// Longest delay in frames.
    pub fn max_delay(&self) -> f32 {
        self.max_delay
    }

    /// The input of `lane` from `delay` frames ago (clamped to [1, max_delay]), interpolated
    /// with a 4-point Hermite spline (linear below 2 frames, where the spline would need
    /// the sample not yet written).
    #[inline(always)]
    pub fn read(&self, lane: usize, delay: f32) -> f32 {
        self.read_at(lane, 0, delay)
    }

    /// [`DelayLine::read`] for the frame `offset` frames into the block.
    #[inline(always)]
    pub fn read_at(&self, lane: usize, offset: usize, delay: f32) -> f32 {
        let d = delay.clamp(1.0, self.max_delay);
        let whole = d as usize;
        let frac = d - whole as f32;
        let newer = (self.pos + offset).wrapping_sub(whole);
        let ring = self.ring(lane);
        let at = |i: usize| ring[i & (ring.len() - 1)];
        if whole < 2 {
            let (y0, y1) = (at(newer), at(newer.wrapping_sub(1)));
            return y0 + frac * (y1 - y0);
        }
        hermite([at(newer.wrapping_add(1)), at(newer), at(newer.wrapping_sub(1)), at(newer.wrapping_sub(2))], frac)
    }

    /// [`DelayLine::read_at`] for the frames `offset..offset + out.len()`, frame
    /// `offset + k` delayed by `delays[k]`, into `out`. Runs four frames at a time, the
    /// interpolation as vector arithmetic, when every delay is at least 2 frames.
    pub fn read_block_at(&self, lane: usize, offset: usize, delays: &[f32], out: &mut [f32]) {
        if min_of(delays) < 2.0 {
            for (k, (o, d)) in out.iter_mut().zip(delays).enumerate() {
                *o = self.read_at(lane, offset + k, *d);
            }
            return;
        }
        let ring = self.ring(lane);
        let mask = ring.len() - 1;
        let quads = out.chunks_exact_mut(4).zip(delays.chunks_exact(4));
        for (q, (o, d)) in quads.enumerate() {
            let mut points = [[0.0f32; 4]; 4];
            let mut frac = [0.0f32; 4];
            let mut whole = [0usize; 4];
            for k in 0..4 {
                // floor(d) as the low mantissa bits of d - 0.5 + 2^23 (round to nearest);
                // an integer d may come out one lower with frac = 1, which interpolates to
                // the same point.
                let d = d[k].min(self.max_delay);
                let shifted = (d - 0.5) + 8_388_608.0;
                whole[k] = (shifted.to_bits() & 0x7f_ffff) as usize;
                frac[k] = d - (shifted - 8_388_608.0);
            }
            for k in 0..4 {
                let newer = (self.pos + offset + 4 * q + k).wrapping_sub(whole[k]);
                for (j, p) in points.iter_mut().enumerate() {
                    p[k] = ring[newer.wrapping_add(1).wrapping_sub(j) & mask];
                }
            }
            for k in 0..4 {
                o[k] = hermite([points[0][k], points[1][k], points[2][k], points[3][k]], frac[k]);
            }
        }
        let done = out.len() / 4 * 4;
        for k in done..out.len() {
            out[k] = self.read_at(lane, offset + k, delays[k]);
        }
    }

    /// Stores the current frame's input of `lane`.
    #[inline(always)]
    pub fn write(&mut self, lane: usize, x: f32) {
        self.write_at(lane, 0, x);
    }

    /// [`DelayLine::write`] for the frame `offset` frames into the block.
    #[inline(always)]
    pub fn write_at(&mut self, lane: usize, offset: usize, x: f32) {
        self.buf[lane * self.len + ((self.pos + offset) & (self.len - 1))] = x;
    }

    /// [`DelayLine::write_at`] for the frames `offset..offset + values.len()` (at most the
    /// line's capacity).
    #[inline]
    pub fn write_block_at(&mut self, lane: usize, offset: usize, values: &[f32]) {
        let ring = &mut self.buf[lane * self.len..(lane + 1) * self.len];
        let start = (self.pos + offset) & (self.len - 1);
        let first = values.len().min(self.len - start);
        ring[start..start + first].copy_from_slice(&values[..first]);
        ring[..values.len() - first].copy_from_slice(&values[first..]);
    }

    /// Moves on to the next frame.
    #[inline(always)]
    pub fn advance(&mut self) {
        self.skip(1);
    }

    /// Moves on by `frames` frames (a block written with the `_at` forms).
    #[inline(always)]
    pub fn skip(&mut self, frames: usize) {
        self.pos = (self.pos + frames) & (self.len - 1);
    }
}

/// 4-point, 3rd-order Hermite interpolation between `y[1]` (frac 0) and `y[2]` (frac 1) of
/// four consecutive points.
#[inline(always)]
pub(crate) fn hermite([ym1, y0, y1, y2]: [f32; 4], frac: f32) -> f32 {
    let c1 = 0.5 * (y1 - ym1);
    let c2 = ym1 - 2.5 * y0 + 2.0 * y1 - 0.5 * y2;
    let c3 = 0.5 * (y2 - ym1) + 1.5 * (y0 - y1);
    ((c3 * frac + c2) * frac + c1) * frac + y0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_fractional_delays() {
        let mut line = DelayLine::new(1, 64);
        let mut out = Vec::new();
        for n in 0..40 {
            out.push((line.read(0, 5.0), line.read(0, 10.5)));
            line.write(0, n as f32);
            line.advance();
        }
        // A ramp delayed by 5 frames, and by 10.5 frames (cubic interpolation is exact on lines).
        for (n, (a, b)) in out.iter().enumerate().skip(14) {
            assert_eq!(*a, n as f32 - 5.0);
            assert!((b - (n as f32 - 10.5)).abs() < 1e-5, "{n}: {b}");
        }
    }

    #[test]
    fn blocks_written_ahead_read_like_single_frames() {
        let mut line = DelayLine::new(2, 16);
        let mut out = Vec::new();
        for block in 0..10 {
            for lane in 0..2 {
                for offset in 0..7 {
                    let n = block * 7 + offset;
                    out.push((lane, n, line.read_at(lane, offset, 3.25)));
                    if offset % 2 == 0 {
                        line.write_at(lane, offset, (n * (lane + 1)) as f32);
                    } else {
                        line.write_block_at(lane, offset, &[(n * (lane + 1)) as f32]);
                    }
                }
            }
            line.skip(7);
        }
        for (lane, n, y) in out.into_iter().filter(|(_, n, _)| *n > 8) {
            let want = (n as f32 - 3.25) * (lane + 1) as f32;
            assert!((y - want).abs() < 1e-4, "lane {lane} frame {n}: {y} vs {want}");
        }
    }

    #[test]
    fn block_reads_match_single_reads() {
        let mut line = DelayLine::new(1, 64);
        for n in 0..100 {
            line.write(0, (n as f32 * 0.37).sin());
            line.advance();
        }
        let mut delays: Vec<f32> = (0..11).map(|k| 2.0 + 3.7 * k as f32).collect();
        delays[5] = 9.0;
        let mut block = vec![0.0; delays.len()];
        line.read_block_at(0, 3, &delays, &mut block);
        for (k, (b, d)) in block.iter().zip(&delays).enumerate() {
            assert!((b - line.read_at(0, 3 + k, *d)).abs() < 1e-6, "{k}");
        }
    }
}
