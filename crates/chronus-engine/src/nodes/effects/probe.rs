//! A probe: passes audio through and reports, per lane, the minimum, maximum, RMS and count
//! of non-finite samples of each completed window of `window` frames.
//!
//! Each window's figures are published twice, from the frame that completes it: on the
//! statistic outputs, which hold them until the next window completes (so a live snapshot,
//! `live.read(probe.rms)`, reads the latest complete window), and as one record of a feed
//! ([`crate::analysis::feed`]) stamped with the window's first frame on the engine's sample
//! clock, which the offline renderer collects whole and a live engine's readers poll. Both
//! do not depend on the engine's block size, so they are the same live and offline.
//! Non-finite samples pass through on `out`, are left out of minimum, maximum and RMS, and
//! are what `nonfinite` counts.

use crate::analysis::feed::{feed, FeedInfo, FeedReader, FeedWriter};
use crate::node::{Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, PortSpec};

use super::super::{IN, OUT};

/// Largest window, in frames (ten seconds at 96 kHz).
const MAX_WINDOW: f64 = 960_000.0;
/// Most lanes a probe reads (its feed record holds four values per lane).
const MAX_LANES: usize = 256;
/// Names and units of a feed record's values, repeated lane after lane.
const COLUMNS: [&str; 4] = ["min", "max", "rms", "nonfinite"];
const UNITS: [&str; 4] = ["", "", "", "samples"];

/// `probe(in; window, buffer)`.
pub static PROBE: NodeSpec = NodeSpec {
    kind: "probe",
    doc: "Probe tap: `out` is the input unchanged; `min`, `max`, `rms` and `nonfinite` hold the \
          minimum, maximum, RMS and count of NaN/infinite samples of the latest complete window \
          of `window` frames, per lane, from the frame that completes it (non-finite samples are \
          left out of the other three; a window with no finite sample reads 0). Zero until the \
          first window completes. Each window is also published as a record (min, max, rms, \
          nonfinite per lane, stamped with its first frame) for `live.probes()` and \
          `render(..., probes=True)`.",
    inputs: &[IN],
    outputs: &[
        OUT,
        PortSpec { name: "min", doc: "Smallest finite sample of the latest window (one channel per lane)." },
        PortSpec { name: "max", doc: "Largest finite sample of the latest window (one channel per lane)." },
        PortSpec { name: "rms", doc: "RMS of the finite samples of the latest window (one channel per lane)." },
        PortSpec { name: "nonfinite", doc: "NaN and infinite samples in the latest window (one channel per lane)." },
    ],
    params: &[],
    options: &[
        OptionSpec {
            name: "window",
            default: OptDefault::Num { default: 256.0, min: 1.0, max: MAX_WINDOW },
            doc: "Frames per window (256: one default engine block, 5.3 ms at 48 kHz).",
        },
        OptionSpec {
            name: "buffer",
            default: OptDefault::Num { default: 10.0, min: 0.1, max: 600.0 },
            doc: "Seconds of window records the feed holds for a reader that falls behind (then \
                  records are dropped and counted, never waited for).",
        },
    ],
    input_rule: InputRule::Broadcast,
    build: |ctx| {
        let lanes = ctx.lanes;
        if lanes > MAX_LANES {
            return Err(ctx.invalid(format!("{lanes} lanes: a probe reads at most {MAX_LANES}")));
        }
        let window = ctx.num("window").round() as usize;
        let info = FeedInfo {
            kind: ctx.spec.kind,
            columns: COLUMNS.iter().copied().cycle().take(4 * lanes).collect(),
            units: UNITS.iter().copied().cycle().take(4 * lanes).collect(),
            width: 4 * lanes,
            samplerate: ctx.samplerate,
            hop: window as f64 / ctx.samplerate,
            latency: window as f64 / ctx.samplerate,
        };
        let records = (ctx.num("buffer") * ctx.samplerate / window as f64).ceil() as usize + 16;
        if records.saturating_mul(4 * lanes + 2) > 1 << 28 {
            return Err(ctx.invalid("the feed would hold over 2^28 values: lower `buffer` or raise `window`"));
        }
        let (writer, reader) = feed(info, records);
        Built::lanes(
            Probe {
                lanes,
                window,
                filled: 0,
                acc: vec![Window::EMPTY; lanes].into(),
                held: vec![[0.0; 4]; lanes].into(),
                record: vec![0.0; 4 * lanes].into(),
                writer,
                reader: Some(reader),
            },
            ctx,
        )
    },
};

/// What a window has seen so far in one lane.
#[derive(Debug, Clone, Copy)]
struct Window {
    min: f32,
    max: f32,
    sum_squares: f64,
    finite: u32,
    nonfinite: u32,
}

impl Window {
    const EMPTY: Window =
        Window { min: f32::INFINITY, max: f32::NEG_INFINITY, sum_squares: 0.0, finite: 0, nonfinite: 0 };

    fn add(&mut self, x: f32) {
        if !x.is_finite() {
            self.nonfinite += 1;
            return;
        }
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.sum_squares += f64::from(x) * f64::from(x);
        self.finite += 1;
    }

    /// (min, max, rms, nonfinite), zeros for what no finite sample gave.
    fn figures(&self) -> [f32; 4] {
        if self.finite == 0 {
            return [0.0, 0.0, 0.0, self.nonfinite as f32];
        }
        let rms = (self.sum_squares / f64::from(self.finite)).sqrt() as f32;
        [self.min, self.max, rms, self.nonfinite as f32]
    }
}

/// Window statistics, one set per lane.
pub struct Probe {
    lanes: usize,
    window: usize,
    /// Frames of the current window seen so far.
    filled: usize,
    acc: Box<[Window]>,
    /// Figures of the latest complete window, per lane: min, max, rms, nonfinite.
    held: Box<[[f32; 4]]>,
    /// A feed record being written: `held`, lane after lane.
    record: Box<[f32]>,
    writer: FeedWriter,
    reader: Option<FeedReader>,
}

impl Node for Probe {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let [out, min, max, rms, nonfinite] = &mut io.outputs[..] else { unreachable!("probe has five outputs") };
        let input = io.inputs[0];
        out.copy_from_slice(input);
        let rows = min.chunks_exact_mut(lanes).zip(max.chunks_exact_mut(lanes));
        let rows = rows.zip(rms.chunks_exact_mut(lanes).zip(nonfinite.chunks_exact_mut(lanes)));
        for (f, (((min, max), (rms, nonfinite)), x)) in rows.zip(input.chunks_exact(lanes)).enumerate() {
            for (acc, &x) in self.acc.iter_mut().zip(x) {
                acc.add(x);
            }
            self.filled += 1;
            if self.filled == self.window {
                for ((held, acc), record) in
                    self.held.iter_mut().zip(self.acc.iter_mut()).zip(self.record.chunks_exact_mut(4))
                {
                    *held = acc.figures();
                    record.copy_from_slice(held);
                    *acc = Window::EMPTY;
                }
                self.filled = 0;
                let first = (io.time + f as u64 + 1).saturating_sub(self.window as u64);
                self.writer.write(first as i64, &self.record);
            }
            for (l, held) in self.held.iter().enumerate() {
                (min[l], max[l], rms[l], nonfinite[l]) = (held[0], held[1], held[2], held[3]);
            }
        }
    }

    fn take_feed(&mut self) -> Option<FeedReader> {
        self.reader.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_leave_non_finite_samples_out_and_count_them() {
        let mut w = Window::EMPTY;
        for x in [0.5, -0.25, f32::NAN, 1.0, f32::INFINITY] {
            w.add(x);
        }
        let rms = ((0.25 + 0.0625 + 1.0) / 3.0f64).sqrt() as f32;
        assert_eq!(w.figures(), [-0.25, 1.0, rms, 2.0]);
        let mut bad = Window::EMPTY;
        bad.add(f32::NAN);
        assert_eq!(bad.figures(), [0.0, 0.0, 0.0, 1.0]);
    }
}
