//! Mixing kernels: plain sums of the edges into a sink, and the per-edge raised-cosine
//! fades of a declicked edit (see [`crate::transition`]).

use super::run::slice;
use super::BufRef;

/// Which way a faded edge goes during a declicked edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fade {
    /// An edge the edit adds: its gain rises from 0 to 1.
    In,
    /// An edge the edit removes: its gain falls from 1 to 0.
    Out,
}

/// Progress of a declicked edit's crossfade, in frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FadeClock {
    pub done: usize,
    pub length: usize,
}

impl FadeClock {
    /// Gain of an edge fading in, `frame` frames into the current pass: a raised cosine
    /// from 0 to 1 (an edge fading out gets one minus it, so the two always sum to 1).
    #[inline]
    fn gain_in(&self, frame: usize) -> f32 {
        let t = ((self.done + frame) as f64 / self.length as f64).min(1.0);
        (0.5 - 0.5 * (std::f64::consts::PI * t).cos()) as f32
    }

    pub(super) fn finished(&self) -> bool {
        self.done >= self.length
    }
}

pub(super) fn mix(out: &mut [f32], dst: BufRef, srcs: &[BufRef], buffers: &[Box<[f32]>], frames: usize) {
    let ch = dst.channels as usize;
    let out = &mut out[..frames * ch];
    out.fill(0.0);
    for src in srcs {
        let input = slice(buffers, *src, frames);
        if src.channels == dst.channels {
            for (o, i) in out.iter_mut().zip(input) {
                *o += *i;
            }
        } else {
            for (row, &i) in out.chunks_exact_mut(ch).zip(input) {
                for o in row {
                    *o += i;
                }
            }
        }
    }
}

/// `mix` with per-edge fades: a faded source is weighted by the clock's raised cosine.
pub(super) fn crossfade(
    out: &mut [f32],
    dst: BufRef,
    srcs: &[(BufRef, Option<Fade>)],
    buffers: &[Box<[f32]>],
    frames: usize,
    clock: &FadeClock,
) {
    let ch = dst.channels as usize;
    let out = &mut out[..frames * ch];
    out.fill(0.0);
    for (src, fade) in srcs {
        let input = slice(buffers, *src, frames);
        let wide = src.channels == dst.channels;
        for (f, row) in out.chunks_exact_mut(ch).enumerate() {
            let gain = match fade {
                None => 1.0,
                Some(Fade::In) => clock.gain_in(f),
                Some(Fade::Out) => 1.0 - clock.gain_in(f),
            };
            if wide {
                for (o, i) in row.iter_mut().zip(&input[f * ch..f * ch + ch]) {
                    *o += gain * *i;
                }
            } else {
                for o in row {
                    *o += gain * input[f];
                }
            }
        }
    }
}
