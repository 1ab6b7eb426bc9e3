//! Gain in decibels and a DC blocker.

use crate::node::{Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec};

use super::super::params::{params, ParamDef};
use super::super::{IN, OUT};
use super::db_to_gain;

/// `gain(in, gain)`.
pub static GAIN: NodeSpec = NodeSpec {
    kind: "gain",
    doc: "Gain in decibels, per lane; changes glide in dB.",
    inputs: &[IN],
    outputs: &[OUT],
    params: GainParams::SPECS,
    options: &[],
    input_rule: InputRule::Broadcast,
    build: |ctx| Built::lanes(Gain { lanes: ctx.lanes, linear: vec![1.0; ctx.lanes].into() }, ctx),
};

params! {
    /// Parameters of `gain`.
    struct GainParams {
        gain: ParamDef {
            default: 0.0,
            min: -200.0,
            max: 60.0,
            unit: "dB",
            smooth: true,
            doc: "Gain (0 dB leaves the signal unchanged).",
        },
    }
}

struct Gain {
    lanes: usize,
    linear: Box<[f32]>,
}

impl Node for Gain {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (lanes, db) = (self.lanes, GainParams::from(io.params).gain);
        let steady = db.as_const();
        if let Some(db) = steady {
            for (g, d) in self.linear.iter_mut().zip(db) {
                *g = db_to_gain(*d);
            }
        }
        for (f, (row, x)) in io.outputs[0].chunks_exact_mut(lanes).zip(io.inputs[0].chunks_exact(lanes)).enumerate() {
            if steady.is_none() {
                for (g, d) in self.linear.iter_mut().zip(db.frame(f, lanes)) {
                    *g = db_to_gain(*d);
                }
            }
            for ((o, x), g) in row.iter_mut().zip(x).zip(self.linear.iter()) {
                *o = x * g;
            }
        }
    }
}

/// `dcblock(in, cutoff)`.
pub static DCBLOCK: NodeSpec = NodeSpec {
    kind: "dcblock",
    doc: "DC blocker: y[n] = x[n] - x[n-1] + R y[n-1] with R = exp(-2 pi cutoff / samplerate), \
          a first-order highpass with a zero at DC.",
    inputs: &[IN],
    outputs: &[OUT],
    params: DcBlockParams::SPECS,
    options: &[],
    input_rule: InputRule::Broadcast,
    build: |ctx| {
        let lanes = ctx.lanes;
        Built::lanes(
            DcBlock {
                lanes,
                w_per_hz: (2.0 * std::f64::consts::PI / ctx.samplerate) as f32,
                pole: vec![0.0; lanes].into(),
                state: vec![(0.0, 0.0); lanes].into(),
            },
            ctx,
        )
    },
};

params! {
    /// Parameters of `dcblock`.
    struct DcBlockParams {
        cutoff: ParamDef {
            default: 10.0,
            min: 0.1,
            max: 1000.0,
            unit: "Hz",
            smooth: true,
            doc: "Corner frequency (about -3 dB).",
        },
    }
}

struct DcBlock {
    lanes: usize,
    w_per_hz: f32,
    pole: Box<[f32]>,
    /// (previous input, previous output) of each lane.
    state: Box<[(f32, f32)]>,
}

impl Node for DcBlock {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (lanes, cutoff) = (self.lanes, DcBlockParams::from(io.params).cutoff);
        let steady = cutoff.as_const().is_some();
        for (f, (row, x)) in io.outputs[0].chunks_exact_mut(lanes).zip(io.inputs[0].chunks_exact(lanes)).enumerate() {
            if f == 0 || !steady {
                for (p, c) in self.pole.iter_mut().zip(cutoff.frame(f, lanes)) {
                    *p = (-c * self.w_per_hz).exp();
                }
            }
            for (((o, x), (x1, y1)), r) in row.iter_mut().zip(x).zip(self.state.iter_mut()).zip(self.pole.iter()) {
                let y = x - *x1 + r * *y1;
                *x1 = *x;
                *y1 = y;
                *o = y;
            }
        }
        if !self.state.iter().fold(true, |ok, (x1, y1)| ok & x1.is_finite() & y1.is_finite()) {
            self.state.iter_mut().filter(|(x1, y1)| !(x1.is_finite() && y1.is_finite())).for_each(|s| *s = (0.0, 0.0));
            io.repairs.resets += 1;
        }
    }
}
