//! A fixed delay as a circular buffer of exactly its length: the slot about to be written
//! holds the sample written `len` frames ago. Reverb lines, combs and all-passes use it a
//! block at a time: as long as a block is no longer than the delay, every sample read in
//! it was written before it started, so the reads, the arithmetic and the writes can each
//! run as one loop over the block.

use super::delay_line::hermite;

/// A delay of a fixed number of frames (one lane).
#[derive(Debug, Clone)]
pub struct FixedDelay {
    buf: Box<[f32]>,
    pos: usize,
}

impl FixedDelay {
    /// A silent delay of `len` frames (0 passes samples straight through [`FixedDelay::swap`]).
    pub fn new(len: usize) -> Self {
        FixedDelay { buf: vec![0.0; len].into(), pos: 0 }
    }

    /// Delay in frames.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether the delay is zero frames long.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Silences what the delay holds.
    pub fn clear(&mut self) {
        self.buf.fill(0.0);
    }

    /// Stores `x` and returns the sample stored `len` frames ago.
    #[inline(always)]
    pub fn swap(&mut self, x: f32) -> f32 {
        if self.buf.is_empty() {
            return x;
        }
        let y = std::mem::replace(&mut self.buf[self.pos], x);
        self.pos = if self.pos + 1 == self.buf.len() { 0 } else { self.pos + 1 };
        y
    }

    /// The sample stored `len - ahead` frames ago, for `ahead` in `[1, len - 3)`, by 4-point
    /// Hermite interpolation (flat to within 0.3 dB up to a quarter of the sample rate):
    /// a shorter, fractional (modulated) delay. Read before the slot is overwritten.
    #[inline(always)]
    pub fn tap(&self, ahead: f32) -> f32 {
        debug_assert!(ahead >= 1.0 && ahead + 3.0 < self.buf.len() as f32);
        let whole = ahead as usize;
        let frac = ahead - whole as f32;
        let (len, first) = (self.buf.len(), self.pos + whole - 1);
        if first + 4 <= len {
            let p = &self.buf[first..first + 4];
            return hermite([p[0], p[1], p[2], p[3]], frac);
        }
        let at = |k: usize| self.buf[(first + k) % len];
        hermite([at(0), at(1), at(2), at(3)], frac)
    }

    /// The slots of the next `n` frames (at most `len`), in order, as two slices (the
    /// second is empty unless the ring wraps). Each holds the sample from `len` frames
    /// before its frame: read it, overwrite it with that frame's input, then
    /// [`FixedDelay::advance`] by `n`.
    #[inline]
    pub fn slots(&mut self, n: usize) -> [&mut [f32]; 2] {
        debug_assert!(n <= self.buf.len());
        let first = n.min(self.buf.len() - self.pos);
        let (wrapped, from_pos) = self.buf.split_at_mut(self.pos);
        [&mut from_pos[..first], &mut wrapped[..n - first]]
    }

    /// Moves on by `n` frames (after filling their [`FixedDelay::slots`]).
    #[inline]
    pub fn advance(&mut self, n: usize) {
        self.pos = (self.pos + n) % self.buf.len();
    }
}

/// Runs a bank of delays in lockstep over the next `frames` frames (at most the shortest
/// delay): for each frame `n`, `each(n, slots)` gets every delay's slot for that frame,
/// holding its output, to overwrite with its input. The slots are walked in runs that stay
/// clear of every ring's wrap, so the loop stays tight.
#[inline]
pub fn lockstep<const N: usize>(
    delays: &mut [FixedDelay; N],
    frames: usize,
    mut each: impl FnMut(usize, [&mut f32; N]),
) {
    let mut done = 0;
    while done < frames {
        let run = delays.iter().map(|d| d.buf.len() - d.pos).fold(frames - done, usize::min);
        let mut spans = delays.each_mut().map(|d| &mut d.buf[d.pos..d.pos + run]);
        for n in 0..run {
            each(done + n, spans.each_mut().map(|s| &mut s[n]));
        }
        for d in delays.iter_mut() {
            d.advance(run);
        }
        done += run;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_single_frames_delay_alike() {
        let input: Vec<f32> = (1..=100).map(|n| n as f32).collect();
        let mut one = FixedDelay::new(7);
        let singly: Vec<f32> = input.iter().map(|x| one.swap(*x)).collect();
        let mut slotted = FixedDelay::new(7);
        let mut by_slots = Vec::new();
        let mut rest = &input[..];
        for size in [3, 7, 1, 5].into_iter().cycle() {
            let (chunk, tail) = rest.split_at(size.min(rest.len()));
            rest = tail;
            if chunk.is_empty() {
                break;
            }
            for (slot, x) in slotted.slots(chunk.len()).into_iter().flat_map(|s| s.iter_mut()).zip(chunk) {
                by_slots.push(std::mem::replace(slot, *x));
            }
            slotted.advance(chunk.len());
        }
        assert_eq!(singly, by_slots);
        let mut bank = [FixedDelay::new(7), FixedDelay::new(5)];
        let mut outs = [Vec::new(), Vec::new()];
        for chunk in input.chunks(4) {
            lockstep(&mut bank, chunk.len(), |n, slots| {
                for (out, slot) in outs.iter_mut().zip(slots) {
                    out.push(std::mem::replace(slot, chunk[n]));
                }
            });
        }
        assert_eq!(outs[0], singly);
        assert_eq!(outs[1][5..], input[..95]);
        assert!(singly[..7].iter().all(|x| *x == 0.0));
        assert_eq!(singly[7..], input[..93]);
        assert_eq!(FixedDelay::new(0).swap(3.0), 3.0);
    }

    #[test]
    fn taps_read_shorter_and_fractional_delays() {
        let mut d = FixedDelay::new(64);
        let wave = |n: f32| (0.05 * n).sin();
        for n in 0..200 {
            d.swap(wave(n as f32));
        }
        // 200 samples written; the next swap would return sample 136 (64 ago).
        for ahead in [1usize, 5, 30] {
            assert_eq!(d.tap(ahead as f32), wave((136 + ahead) as f32), "ahead {ahead}");
        }
        for ahead in [1.25f32, 7.5, 40.9] {
            assert!((d.tap(ahead) - wave(136.0 + ahead)).abs() < 1e-5, "ahead {ahead}");
        }
    }
}
