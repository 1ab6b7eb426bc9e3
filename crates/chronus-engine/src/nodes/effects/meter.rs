//! A meter tap: passes audio through and measures its peak and RMS level per lane.
//!
//! Non-finite samples (NaN, infinities) pass through on `out` but are left out of the
//! readings, and counted ([`crate::node::Repairs::ignored`]).
//!
//! The readings are ordinary output signals (one value per frame and lane), so they can be
//! rendered, drawn, or used to modulate other parameters (envelope following). The
//! per-lane state ([`Meter::peak`], [`Meter::mean_square`]) holds the latest reading, which
//! is what a live snapshot reads.

use crate::dsp::smoother::{coef, follow};
use crate::node::{Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, PortSpec};

use super::super::{IN, OUT};

/// `meter(in; window, release)`.
pub static METER: NodeSpec = NodeSpec {
    kind: "meter",
    doc: "Meter tap: `out` is the input unchanged; `peak` follows |x| with instant attack and \
          an exponential fall of time constant `release`; `rms` is the square root of x^2 \
          averaged by a one-pole smoother of time constant `window`. Linear values per lane.",
    inputs: &[IN],
    outputs: &[
        OUT,
        PortSpec { name: "peak", doc: "Peak level (linear, one channel per lane)." },
        PortSpec { name: "rms", doc: "RMS level (linear, one channel per lane)." },
    ],
    params: &[],
    options: &[
        OptionSpec {
            name: "window",
            default: OptDefault::Num { default: 0.3, min: 0.0, max: 60.0 },
            doc: "Time constant of the RMS average in seconds (0.3 s reads like a VU meter).",
        },
        OptionSpec {
            name: "release",
            default: OptDefault::Num { default: 1.5, min: 0.0, max: 60.0 },
            doc: "Time constant of the peak's fall in seconds.",
        },
    ],
    input_rule: InputRule::Broadcast,
    build: |ctx| {
        let lanes = ctx.lanes;
        Built::lanes(
            Meter {
                lanes,
                peak: vec![0.0; lanes].into(),
                mean_square: vec![0.0; lanes].into(),
                rms_coef: coef(ctx.num("window") as f32, ctx.samplerate as f32),
                release_coef: coef(ctx.num("release") as f32, ctx.samplerate as f32),
            },
            ctx,
        )
    },
};

/// Peak and RMS followers, one per lane.
pub struct Meter {
    lanes: usize,
    /// Latest peak reading of each lane (linear).
    pub peak: Box<[f32]>,
    /// Latest mean square of each lane.
    pub mean_square: Box<[f32]>,
    rms_coef: f32,
    release_coef: f32,
}

impl Node for Meter {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let [out, peak_out, rms_out] = &mut io.outputs[..] else { unreachable!("meter has three outputs") };
        out.copy_from_slice(io.inputs[0]);
        let frames = peak_out.chunks_exact_mut(lanes).zip(rms_out.chunks_exact_mut(lanes));
        for ((peak_row, rms_row), x) in frames.zip(io.inputs[0].chunks_exact(lanes)) {
            for l in 0..lanes {
                if !x[l].is_finite() {
                    // Left out of the readings (counted), which hold their last values.
                    io.repairs.ignored += 1;
                    peak_row[l] = self.peak[l];
                    rms_row[l] = self.mean_square[l].sqrt();
                    continue;
                }
                let a = x[l].abs();
                let p = &mut self.peak[l];
                if a >= *p {
                    *p = a;
                } else {
                    follow(p, a, self.release_coef);
                }
                follow(&mut self.mean_square[l], x[l] * x[l], self.rms_coef);
                peak_row[l] = *p;
                rms_row[l] = self.mean_square[l].sqrt();
            }
        }
    }
}
