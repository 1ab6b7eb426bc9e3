//! Phaser: a chain of first-order all-pass stages whose break frequency an LFO sweeps
//! exponentially, mixed with the dry signal (each pair of stages makes one notch), with
//! feedback from the chain's output to its input one frame later.

use crate::dsp::fastmath::{self, exp2};
use crate::dsp::finite::reset_nonfinite;
use crate::dsp::lfo::Lfo;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::super::params::{params, ParamDef};
use super::super::{IN, OUT};
use super::mix;

/// Most all-pass stages.
pub const MAX_STAGES: usize = 24;

/// `phaser(in, rate, freq, depth, feedback, mix; stages, spread)`.
pub static PHASER: NodeSpec = NodeSpec {
    kind: "phaser",
    doc: "Phaser per lane: `stages` first-order all-passes H(z) = (a + z^-1) / (1 + a z^-1) \
          with a = (t - 1) / (t + 1), t = tan(pi fc / samplerate), each turning -90 degrees at \
          fc = freq x 2^(depth x sin(2 pi rate t)); out = dry + mix (chain - dry), the chain fed \
          input + feedback x its previous output.",
    inputs: &[IN],
    outputs: &[OUT],
    params: PhaserParams::SPECS,
    options: &[
        OptionSpec {
            name: "stages",
            default: OptDefault::Int { default: 4, min: 1, max: MAX_STAGES as i64 },
            doc: "Number of all-pass stages (notches: half of it).",
        },
        OptionSpec {
            name: "spread",
            default: OptDefault::Num { default: 0.25, min: 0.0, max: 1.0 },
            doc: "LFO phase offset between successive lanes, in cycles.",
        },
    ],
    input_rule: InputRule::Broadcast,
    build,
};

params! {
    /// Parameters of `phaser`.
    struct PhaserParams {
        rate: ParamDef {
            default: 0.5,
            min: 0.0,
            max: 20.0,
            unit: "Hz",
            smooth: true,
            doc: "LFO frequency (0 holds the sweep at `freq`).",
        },
        freq: ParamDef {
            default: 1000.0,
            min: 1.0,
            max: 20_000.0,
            unit: "Hz",
            smooth: true,
            doc: "Centre of the sweep: the stages' -90 degree frequency.",
        },
        depth: ParamDef {
            default: 1.0,
            min: 0.0,
            max: 6.0,
            unit: "octaves",
            smooth: true,
            doc: "How far the sweep goes either side of `freq`.",
        },
        feedback: ParamDef {
            default: 0.0,
            min: -0.99,
            max: 0.99,
            unit: "",
            smooth: true,
            doc: "Gain of the chain's output fed back to its input (sharpens the notches' peaks).",
        },
        mix: mix(0.5),
    }
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let lanes = ctx.lanes;
    let stages = ctx.num("stages") as usize;
    Built::lanes(
        Phaser {
            lanes,
            stages,
            pi_over_sr: (std::f64::consts::PI / ctx.samplerate) as f32,
            nyquist_guard: (0.49 * ctx.samplerate) as f32,
            lfo: Lfo::new(lanes, ctx.num("spread"), ctx.samplerate),
            sweep: vec![0.0; ctx.max_block].into(),
            state: vec![0.0; lanes * stages].into(),
            last: vec![0.0; lanes].into(),
        },
        ctx,
    )
}

struct Phaser {
    lanes: usize,
    stages: usize,
    pi_over_sr: f32,
    nyquist_guard: f32,
    lfo: Lfo,
    /// One lane's LFO values over the block.
    sweep: Box<[f32]>,
    /// One state per stage per lane: `state[lane * stages + k]`.
    state: Box<[f32]>,
    /// Previous chain output of each lane (the feedback).
    last: Box<[f32]>,
}

impl Node for Phaser {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (lanes, n, frames) = (self.lanes, self.stages, io.frames);
        let p = PhaserParams::from(io.params);
        for l in 0..lanes {
            let [rate, freq, depth, feedback, mix] =
                [p.rate, p.freq, p.depth, p.feedback, p.mix].map(|v| v.lane(l, lanes));
            let sweep = &mut self.sweep[..frames];
            self.lfo.fill(l, |f| rate.at(f), rate.as_const().is_some(), sweep);
            let state = &mut self.state[l * n..(l + 1) * n];
            for (f, s) in sweep.iter().enumerate() {
                let cutoff = (freq.at(f) * exp2(depth.at(f) * s)).clamp(1.0, self.nyquist_guard);
                let t = fastmath::tan(cutoff * self.pi_over_sr);
                let a = (t - 1.0) / (t + 1.0);
                let x = io.inputs[0][f * lanes + l];
                let mut y = x + feedback.at(f) * self.last[l];
                for s in state.iter_mut() {
                    let out = a * y + *s;
                    *s = y - a * out;
                    y = out;
                }
                self.last[l] = y;
                io.outputs[0][f * lanes + l] = x + mix.at(f) * (y - x);
            }
        }
        if reset_nonfinite(&mut self.state) | reset_nonfinite(&mut self.last) {
            io.repairs.resets += 1;
        }
    }
}
