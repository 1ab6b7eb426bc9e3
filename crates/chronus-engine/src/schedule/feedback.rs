//! The delay lines behind feedback nodes.

use crate::dsp::finite::all_finite;

/// The delay line behind a `feedback` node: its output is its input delayed by exactly
/// `delay` frames (the engine's maximum block), which is what lets it close a cycle.
pub(crate) struct FeedbackLine {
    channels: usize,
    delay: usize,
    ring: Box<[f32]>,
    frames: usize,
    pos: usize,
}

impl FeedbackLine {
    pub(crate) fn new(channels: usize, delay: usize) -> Self {
        let frames = 2 * delay;
        FeedbackLine { channels, delay, ring: crate::limits::resident_zeros(frames * channels), frames, pos: 0 }
    }

    pub(super) fn read(&self, out: &mut [f32], frames: usize) {
        let ch = self.channels;
        let mut from = (self.pos + self.frames - self.delay) % self.frames;
        for row in out.chunks_exact_mut(ch).take(frames) {
            row.copy_from_slice(&self.ring[from * ch..from * ch + ch]);
            from = (from + 1) % self.frames;
        }
    }

    /// Writes the next block; one holding anything non-finite goes in as silence, so the
    /// loop starts afresh (returns true: a reset to count).
    pub(super) fn write(&mut self, input: &[f32], frames: usize) -> bool {
        let ch = self.channels;
        let wide = input.len() == frames * ch;
        let clean = all_finite(input);
        for f in 0..frames {
            let row = &mut self.ring[self.pos * ch..self.pos * ch + ch];
            if !clean {
                row.fill(0.0);
            } else if wide {
                row.copy_from_slice(&input[f * ch..f * ch + ch]);
            } else {
                row.fill(input[f]);
            }
            self.pos = (self.pos + 1) % self.frames;
        }
        !clean
    }
}
