//! Delay line with fractional, modulatable delay time and feedback.

use crate::dsp::delay_line::DelayLine;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, ParamSpec};

use super::{IN, OUT};

/// `delay(in, time, feedback, mix; max_time)`.
pub static DELAY: NodeSpec = NodeSpec {
    kind: "delay",
    doc: "Delay with feedback: the line is fed input + feedback x output; the delay time may \
          be fractional and modulated (4-point Hermite interpolation).",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[
        ParamSpec {
            name: "time",
            default: 0.25,
            min: 0.0,
            max: 3600.0,
            unit: "s",
            smooth: true,
            doc: "Delay time, clamped to [1 frame, max_time].",
        },
        ParamSpec {
            name: "feedback",
            default: 0.0,
            min: -1.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "Gain of the output fed back into the line.",
        },
        ParamSpec {
            name: "mix",
            default: 1.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "0 is dry only, 1 is delayed signal only.",
        },
    ],
    options: &[OptionSpec {
        name: "max_time",
        default: OptDefault::Num { default: 2.0, min: 0.001, max: 3600.0 },
        doc: "Longest delay in seconds (sets the memory allocated).",
    }],
    input_rule: InputRule::Broadcast,
    build,
};

fn build(ctx: &BuildCtx) -> Result<Built> {
    let max_frames = (ctx.num("max_time") * ctx.samplerate).ceil() as usize;
    Built::lanes(
        Delay { lanes: ctx.lanes, samplerate: ctx.samplerate as f32, line: DelayLine::new(ctx.lanes, max_frames) },
        ctx,
    )
}

struct Delay {
    lanes: usize,
    samplerate: f32,
    line: DelayLine,
}

impl Node for Delay {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let (time, feedback, mix) = (io.params[0], io.params[1], io.params[2]);
        for (f, (row, x)) in io.outputs[0].chunks_exact_mut(lanes).zip(io.inputs[0].chunks_exact(lanes)).enumerate() {
            let (t, fb, m) = (time.frame(f, lanes), feedback.frame(f, lanes), mix.frame(f, lanes));
            for l in 0..lanes {
                let y = self.line.read(l, t[l] * self.samplerate);
                self.line.write(l, x[l] + fb[l] * y);
                row[l] = x[l] + m[l] * (y - x[l]);
            }
            self.line.advance();
        }
    }
}
