//! Equal-power stereo panning.

use crate::node::{Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec};

use super::params::{params, ParamDef};
use super::{IN, OUT};

/// `pan(in, pan)`.
pub static PAN: NodeSpec = NodeSpec {
    kind: "pan",
    doc: "Equal-power pan to stereo: each input lane is a mono source placed at its own `pan` \
          position (-1 left, 0 centre at -3 dB per side, 1 right); the lanes are summed into \
          one stereo pair.",
    inputs: &[IN],
    outputs: &[OUT],
    params: PanParams::SPECS,
    options: &[],
    input_rule: InputRule::Broadcast,
    build: |ctx| {
        let node = Pan { lanes: ctx.lanes, gains: vec![(0.0, 0.0); ctx.lanes].into() };
        Ok(Built { node: Box::new(node), output_channels: vec![2] })
    },
};

params! {
    /// Parameters of `pan`.
    struct PanParams {
        pan: ParamDef {
            default: 0.0,
            min: -1.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "Position from -1 (left) to 1 (right).",
        },
    }
}

struct Pan {
    lanes: usize,
    /// (left, right) gain of each lane.
    gains: Box<[(f32, f32)]>,
}

impl Pan {
    fn place(&mut self, positions: &[f32]) {
        for (g, p) in self.gains.iter_mut().zip(positions) {
            let (sin, cos) = ((p.clamp(-1.0, 1.0) + 1.0) * std::f32::consts::FRAC_PI_4).sin_cos();
            *g = (cos, sin);
        }
    }
}

impl Node for Pan {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (input, pan) = (io.inputs[0], PanParams::from(io.params).pan);
        let lanes = self.lanes;
        let steady = pan.as_const();
        if let Some(p) = steady {
            self.place(p);
        }
        for (f, (o, x)) in io.outputs[0].chunks_exact_mut(2).zip(input.chunks_exact(lanes)).enumerate() {
            if steady.is_none() {
                self.place(pan.frame(f, lanes));
            }
            let (mut left, mut right) = (0.0, 0.0);
            for (x, (gl, gr)) in x.iter().zip(self.gains.iter()) {
                left += x * gl;
                right += x * gr;
            }
            o[0] = left;
            o[1] = right;
        }
    }
}
