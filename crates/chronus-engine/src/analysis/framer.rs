//! Causal framing: cuts a sample stream into overlapping frames of `size` samples every
//! `hop` samples, whatever the block sizes it is fed in.
//!
//! Frame `k` holds samples `(k + 1) * hop - size .. (k + 1) * hop` of the stream (samples
//! before the start read as zeros), so it is complete, and handed out, as soon as its last
//! sample arrives: no lookahead. Its *end* (`(k + 1) * hop`) is the stream position at which
//! it became available; its centre is `end - size / 2`.

/// A sliding window over a sample stream.
pub struct Framer {
    size: usize,
    hop: usize,
    /// The latest `size` samples, oldest first; the last `hop - pending` are not yet filled.
    window: Box<[f32]>,
    /// Samples received since the last frame.
    pending: usize,
    /// Samples received since the start.
    position: u64,
}

impl Framer {
    /// A framer of `size`-sample frames every `hop` samples (`1 <= hop <= size`).
    pub fn new(size: usize, hop: usize) -> Self {
        assert!(hop >= 1 && hop <= size, "framing needs 1 <= hop ({hop}) <= size ({size})");
        Framer { size, hop, window: vec![0.0; size].into(), pending: 0, position: 0 }
    }

    /// Frame length in samples.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Samples between frame starts.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Samples received since the start.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Feeds `input`; calls `frame(samples, end)` for every frame it completes, with `end`
    /// the stream position just past the frame's last sample.
    pub fn push(&mut self, mut input: &[f32], mut frame: impl FnMut(&[f32], u64)) {
        let tail = self.size - self.hop;
        while !input.is_empty() {
            let n = (self.hop - self.pending).min(input.len());
            let at = tail + self.pending;
            self.window[at..at + n].copy_from_slice(&input[..n]);
            self.pending += n;
            self.position += n as u64;
            input = &input[n..];
            if self.pending == self.hop {
                frame(&self.window, self.position);
                self.window.copy_within(self.hop.., 0);
                self.pending = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_do_not_depend_on_block_sizes() {
        let signal: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let collect = |blocks: &[usize]| {
            let mut f = Framer::new(8, 3);
            let mut out = Vec::new();
            let mut rest = &signal[..];
            for &b in blocks.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let n = b.min(rest.len());
                f.push(&rest[..n], |w, end| out.push((w.to_vec(), end)));
                rest = &rest[n..];
            }
            out
        };
        let a = collect(&[1]);
        assert_eq!(a, collect(&[7, 64, 2]));
        assert_eq!(a.len(), 1000 / 3);
        // Frame k ends at (k + 1) * hop and holds the 8 samples before, zeros before 0.
        assert_eq!(a[0], (vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0], 3));
        assert_eq!(a[10].1, 33);
        assert_eq!(a[10].0, (25..33).map(|i| i as f32).collect::<Vec<_>>());
    }
}
