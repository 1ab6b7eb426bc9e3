//! Pitch arithmetic: a frequency moved by a number of semitones.

use crate::node::{Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec};

use super::params::{params, ParamDef};
use super::{IN, OUT};

/// `transpose(in, semitones)`.
pub static TRANSPOSE: NodeSpec = NodeSpec {
    kind: "transpose",
    doc: "Multiplies its input (a frequency) by 2^(semitones / 12): pitch modulation in musical \
          units, such as vibrato, detune (cents are hundredths) or an envelope sweeping a \
          filter's cutoff by octaves (twelves of semitones).",
    inputs: &[IN],
    outputs: &[OUT],
    params: TransposeParams::SPECS,
    options: &[],
    input_rule: InputRule::Broadcast,
    build: |ctx| Built::lanes(Transpose { lanes: ctx.lanes, factor: vec![1.0; ctx.lanes].into() }, ctx),
};

params! {
    /// Parameters of `transpose`.
    struct TransposeParams {
        semitones: ParamDef {
            default: 0.0,
            min: -240.0,
            max: 240.0,
            unit: "semitones",
            smooth: true,
            doc: "Interval to move by; negative goes down.",
        },
    }
}

struct Transpose {
    lanes: usize,
    /// Per-lane factor for constant intervals.
    factor: Box<[f32]>,
}

impl Node for Transpose {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (input, semitones) = (io.inputs[0], TransposeParams::from(io.params).semitones);
        let rows = io.outputs[0].chunks_exact_mut(self.lanes).zip(input.chunks_exact(self.lanes));
        if let Some(st) = semitones.as_const() {
            for (f, s) in self.factor.iter_mut().zip(st) {
                *f = (s / 12.0).exp2();
            }
            for (row, x) in rows {
                for ((o, x), f) in row.iter_mut().zip(x).zip(self.factor.iter()) {
                    *o = x * f;
                }
            }
            return;
        }
        for (f, (row, x)) in rows.enumerate() {
            for ((o, x), s) in row.iter_mut().zip(x).zip(semitones.frame(f, self.lanes)) {
                *o = x * (s / 12.0).exp2();
            }
        }
    }
}
