//! Arithmetic on signals: constants, scale/offset, products, mixing and channel sums.

use crate::dsp::sums;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ParamView, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, PortSpec};

use super::params::{params, ParamDef};
use super::{IN, OUT};

/// `const(value)`.
pub static CONST: NodeSpec = NodeSpec {
    kind: "const",
    doc: "A constant signal (one value per lane); changes glide like any parameter.",
    inputs: &[],
    outputs: &[OUT],
    params: ConstParams::SPECS,
    options: &[],
    input_rule: InputRule::Broadcast,
    build: |ctx| Built::lanes(Const { lanes: ctx.lanes }, ctx),
};

params! {
    /// Parameters of `const`.
    struct ConstParams {
        value: ParamDef { default: 0.0, min: -1e9, max: 1e9, unit: "", smooth: true, doc: "Output value." },
    }
}

struct Const {
    lanes: usize,
}

impl Node for Const {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let value = ConstParams::from(io.params).value;
        if let Some([v]) = value.as_const() {
            io.outputs[0].fill(*v);
            return;
        }
        for (f, row) in io.outputs[0].chunks_exact_mut(self.lanes).enumerate() {
            row.copy_from_slice(value.frame(f, self.lanes));
        }
    }
}

/// `muladd(in, mul, add)`.
pub static MULADD: NodeSpec = NodeSpec {
    kind: "muladd",
    doc: "Scale and offset: out = in * mul + add (gain, inversion, bias, range mapping).",
    inputs: &[IN],
    outputs: &[OUT],
    params: MulAddParams::SPECS,
    options: &[],
    input_rule: InputRule::Broadcast,
    build: |ctx| Built::lanes(MulAdd { lanes: ctx.lanes }, ctx),
};

params! {
    /// Parameters of `muladd`.
    struct MulAddParams {
        mul: ParamDef { default: 1.0, min: -1e9, max: 1e9, unit: "", smooth: true, doc: "Factor." },
        add: ParamDef { default: 0.0, min: -1e9, max: 1e9, unit: "", smooth: true, doc: "Offset." },
    }
}

struct MulAdd {
    lanes: usize,
}

impl Node for MulAdd {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let MulAddParams { mul, add } = MulAddParams::from(io.params);
        let input = io.inputs[0];
        let lanes = self.lanes;
        if let (1, Some([m]), Some([a])) = (lanes, mul.as_const(), add.as_const()) {
            for (o, x) in io.outputs[0].iter_mut().zip(input) {
                *o = x * m + a;
            }
            return;
        }
        for (f, (row, x)) in io.outputs[0].chunks_exact_mut(lanes).zip(input.chunks_exact(lanes)).enumerate() {
            let (m, a) = (mul.frame(f, lanes), add.frame(f, lanes));
            for (((o, x), m), a) in row.iter_mut().zip(x).zip(m).zip(a) {
                *o = x * m + a;
            }
        }
    }
}

/// `mul(a, b)`.
pub static MUL: NodeSpec = NodeSpec {
    kind: "mul",
    doc: "Product of two signals (ring modulation, VCA).",
    inputs: &[PortSpec { name: "a", doc: "First factor." }, PortSpec { name: "b", doc: "Second factor." }],
    outputs: &[OUT],
    params: &[],
    options: &[],
    input_rule: InputRule::Broadcast,
    build: |ctx| Built::lanes(Mul, ctx),
};

struct Mul;

impl Node for Mul {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (a, b) = (io.inputs[0], io.inputs[1]);
        for ((o, a), b) in io.outputs[0].iter_mut().zip(a).zip(b) {
            *o = a * b;
        }
    }
}

params! {
    /// Parameters of `mixer`.
    struct MixerParams {
        inputs: [MixerInput; K in 1, 2, 3, 4, 5, 6, 7, 8] {
            gain: ParamDef {
                default: 1.0,
                min: -1e3,
                max: 1e3,
                unit: "",
                smooth: true,
                doc: "Linear gain of this input.",
            },
        },
        gain: ParamDef { default: 1.0, min: -1e3, max: 1e3, unit: "", smooth: true, doc: "Master gain." },
    }
}

const fn port(name: &'static str) -> PortSpec {
    PortSpec { name, doc: "Input to mix." }
}

/// `mixer(in1..in8, gain1..gain8, gain)`.
pub static MIXER: NodeSpec = NodeSpec {
    kind: "mixer",
    doc: "Mixes up to eight inputs, each with its own linear gain, then applies a master gain.",
    inputs: &[port("in1"), port("in2"), port("in3"), port("in4"), port("in5"), port("in6"), port("in7"), port("in8")],
    outputs: &[OUT],
    params: MixerParams::SPECS,
    options: &[],
    input_rule: InputRule::Broadcast,
    build: |ctx| Built::lanes(Mixer { lanes: ctx.lanes }, ctx),
};

struct Mixer {
    lanes: usize,
}

impl Mixer {
    fn accumulate(out: &mut [f32], input: &[f32], gain: ParamView, master: ParamView, lanes: usize) {
        for (f, (row, x)) in out.chunks_exact_mut(lanes).zip(input.chunks_exact(lanes)).enumerate() {
            for (((o, x), g), m) in row.iter_mut().zip(x).zip(gain.frame(f, lanes)).zip(master.frame(f, lanes)) {
                *o += x * g * m;
            }
        }
    }
}

impl Node for Mixer {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let out = &mut *io.outputs[0];
        out.fill(0.0);
        let p = MixerParams::from(io.params);
        for (input, each) in io.inputs.iter().zip(&p.inputs) {
            Self::accumulate(out, input, each.gain, p.gain, self.lanes);
        }
    }
}

/// `sum(in, channels)`.
pub static SUM: NodeSpec = NodeSpec {
    kind: "sum",
    doc: "Sums the channels of its input down to `channels` outputs: input channel c goes to \
          output c mod channels (voices to mono, or to stereo pairs).",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[OptionSpec {
        name: "channels",
        default: OptDefault::Int { default: 1, min: 1, max: 1024 },
        doc: "Output channels.",
    }],
    input_rule: InputRule::AsIs,
    build: build_sum,
};

fn build_sum(ctx: &BuildCtx) -> Result<Built> {
    let out = ctx.num("channels") as usize;
    Ok(Built { node: Box::new(Sum { inputs: ctx.input_channels[0], outputs: out }), output_channels: vec![out] })
}

struct Sum {
    inputs: usize,
    outputs: usize,
}

impl Node for Sum {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let input = io.inputs[0];
        let out = &mut *io.outputs[0];
        if self.outputs == 1 {
            for (o, row) in out.iter_mut().zip(input.chunks_exact(self.inputs)) {
                *o = sums::sum(row);
            }
            return;
        }
        sum_channels(input, self.inputs, out, self.outputs);
    }
}

/// Sums `input` (`inputs` channels) into `out` (`outputs` channels): input channel c adds
/// into output c % outputs, in channel order, from 0.
fn sum_channels(input: &[f32], inputs: usize, out: &mut [f32], outputs: usize) {
    let mut done = 0;
    if outputs == 2 && inputs.is_multiple_of(2) {
        // Stereo pairs (a stereo voice bank), 8 frames at a time: the same adds in the
        // same order for each output, but those of the 8 frames overlap.
        const FRAMES: usize = 8;
        for (o, i) in out.chunks_exact_mut(2 * FRAMES).zip(input.chunks_exact(inputs * FRAMES)) {
            let mut acc = [0.0f32; 2 * FRAMES];
            for l in (0..inputs).step_by(2) {
                for k in 0..FRAMES {
                    acc[2 * k] += i[k * inputs + l];
                    acc[2 * k + 1] += i[k * inputs + l + 1];
                }
            }
            o.copy_from_slice(&acc);
            done += FRAMES;
        }
    }
    // The rest taken `outputs` channels at a time (no division per sample).
    let (out, input) = (&mut out[done * outputs..], &input[done * inputs..]);
    out.fill(0.0);
    for (orow, irow) in out.chunks_exact_mut(outputs).zip(input.chunks_exact(inputs)) {
        for group in irow.chunks(outputs) {
            for (o, x) in orow.iter_mut().zip(group) {
                *o += x;
            }
        }
    }
}

/// `stack(in1..in8)`.
pub static STACK: NodeSpec = NodeSpec {
    kind: "stack",
    doc: "Puts its inputs side by side as channels: the output has the channels of in1, then \
          those of in2, and so on (two mono signals make a stereo pair).",
    inputs: &[port("in1"), port("in2"), port("in3"), port("in4"), port("in5"), port("in6"), port("in7"), port("in8")],
    outputs: &[OUT],
    params: &[],
    options: &[OptionSpec {
        name: "inputs",
        default: OptDefault::Int { default: 2, min: 1, max: 8 },
        doc: "How many inputs take part (unconnected ones among them are silent channels).",
    }],
    input_rule: InputRule::AsIs,
    build: build_stack,
};

fn build_stack(ctx: &BuildCtx) -> Result<Built> {
    let used = ctx.num("inputs") as usize;
    let widths: Vec<usize> = ctx.input_channels[..used].to_vec();
    let total = widths.iter().sum();
    Ok(Built { node: Box::new(Stack { widths: widths.into(), total }), output_channels: vec![total] })
}

struct Stack {
    widths: Box<[usize]>,
    total: usize,
}

impl Node for Stack {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let out = &mut *io.outputs[0];
        let mut first = 0;
        for (input, &w) in io.inputs.iter().zip(self.widths.iter()) {
            for (row, src) in out.chunks_exact_mut(self.total).zip(input.chunks_exact(w)) {
                row[first..first + w].copy_from_slice(src);
            }
            first += w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sum_channels;

    /// The channel sums are exactly those of adding each input channel in order.
    #[test]
    fn channel_sums_add_in_channel_order() {
        for (inputs, outputs, frames) in [(128, 2, 37), (6, 2, 16), (5, 2, 9), (9, 3, 11), (4, 1, 5)] {
            let input: Vec<f32> = (0..inputs * frames).map(|j| ((j * 7919) % 1013) as f32 / 997.0 - 0.5).collect();
            let mut out = vec![f32::NAN; outputs * frames];
            sum_channels(&input, inputs, &mut out, outputs);
            for f in 0..frames {
                let mut expect = vec![0.0f32; outputs];
                for c in 0..inputs {
                    expect[c % outputs] += input[f * inputs + c];
                }
                let got = &out[f * outputs..(f + 1) * outputs];
                assert!(
                    got.iter().zip(&expect).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{inputs}->{outputs} frame {f}"
                );
            }
        }
    }
}
