//! Bit crushing: amplitude quantization and sample-and-hold rate reduction.

use crate::dsp::finite::reset_nonfinite;
use crate::node::{Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec};

use super::super::params::{params, ParamDef};
use super::super::{IN, OUT};
use super::mix;

/// `bitcrusher(in, bits, rate, mix)`.
pub static BITCRUSHER: NodeSpec = NodeSpec {
    kind: "bitcrusher",
    doc: "Bit crusher per lane: holds a new input sample `rate` times a second (sample-and-hold \
          on a phase accumulator, so any rate works) and rounds it to a grid of step \
          2^(1 - bits): `bits` levels per half range, fractional bits allowed.",
    inputs: &[IN],
    outputs: &[OUT],
    params: BitcrusherParams::SPECS,
    options: &[],
    input_rule: InputRule::Broadcast,
    build: |ctx| {
        let lanes = ctx.lanes;
        Built::lanes(
            Bitcrusher {
                lanes,
                inv_sr: 1.0 / ctx.samplerate as f32,
                phase: vec![1.0; lanes].into(),
                held: vec![0.0; lanes].into(),
            },
            ctx,
        )
    },
};

params! {
    /// Parameters of `bitcrusher`.
    struct BitcrusherParams {
        bits: ParamDef {
            default: 8.0,
            min: 1.0,
            max: 32.0,
            unit: "",
            smooth: true,
            doc: "Resolution in bits (the step is 2 / 2^bits of the -1..1 range).",
        },
        rate: ParamDef {
            default: 100_000.0,
            min: 1.0,
            max: 1_000_000.0,
            unit: "Hz",
            smooth: true,
            doc: "Rate of new samples (at or above the sample rate: every frame).",
        },
        mix: mix(1.0),
    }
}

struct Bitcrusher {
    lanes: usize,
    inv_sr: f32,
    /// Fraction of the hold period elapsed; a new sample is taken when it reaches 1.
    phase: Box<[f32]>,
    held: Box<[f32]>,
}

impl Node for Bitcrusher {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let BitcrusherParams { bits, rate, mix } = BitcrusherParams::from(io.params);
        for (f, (row, x)) in io.outputs[0].chunks_exact_mut(lanes).zip(io.inputs[0].chunks_exact(lanes)).enumerate() {
            let (b, r, m) = (bits.frame(f, lanes), rate.frame(f, lanes), mix.frame(f, lanes));
            for l in 0..lanes {
                if self.phase[l] >= 1.0 {
                    self.phase[l] = (self.phase[l] - 1.0).min(1.0);
                    let scale = (b[l] - 1.0).exp2();
                    self.held[l] = (x[l] * scale).round() / scale;
                }
                self.phase[l] += r[l] * self.inv_sr;
                row[l] = x[l] + m[l] * (self.held[l] - x[l]);
            }
        }
        if reset_nonfinite(&mut self.held) {
            io.repairs.resets += 1;
        }
    }
}
