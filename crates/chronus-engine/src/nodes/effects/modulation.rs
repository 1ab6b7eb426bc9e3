//! Chorus and flanger: a delay line whose time is swept by a sine LFO, with feedback, one
//! line and one LFO per lane (lanes `spread` cycles apart, for a wide stereo image).
//!
//! Both kinds run the same code; they differ in their ranges and defaults, and the flanger
//! can sweep through zero: its dry path is then delayed by [`TZF_LAG`] (the node's latency)
//! and the wet tap moves around that point, so the two cross and cancel completely.

use crate::dsp::delay_line::DelayLine;
use crate::dsp::lfo::Lfo;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, ParamSpec};

use super::super::{IN, OUT};
use super::mix;

/// Fixed delay of the flanger's dry path when it sweeps through zero, in seconds (the
/// largest depth).
pub const TZF_LAG: f32 = 0.01;

const fn rate(default: f32) -> ParamSpec {
    ParamSpec {
        name: "rate",
        default,
        min: 0.0,
        max: 20.0,
        unit: "Hz",
        smooth: true,
        doc: "LFO frequency (0 holds the sweep at its centre).",
    }
}
const fn depth(default: f32, max: f32) -> ParamSpec {
    ParamSpec {
        name: "depth",
        default,
        min: 0.0,
        max,
        unit: "s",
        smooth: true,
        doc: "How far the delay swings either side of `delay`.",
    }
}
const fn delay(default: f32, max: f32, doc: &'static str) -> ParamSpec {
    ParamSpec { name: "delay", default, min: 0.0, max, unit: "s", smooth: true, doc }
}
const fn feedback(default: f32) -> ParamSpec {
    ParamSpec {
        name: "feedback",
        default,
        min: -0.99,
        max: 0.99,
        unit: "",
        smooth: true,
        doc: "Gain of the delayed signal fed back into the line (negative inverts it).",
    }
}
const SPREAD: OptionSpec = OptionSpec {
    name: "spread",
    default: OptDefault::Num { default: 0.25, min: 0.0, max: 1.0 },
    doc: "LFO phase offset between successive lanes, in cycles (0.25 puts left and right in quadrature).",
};

/// `chorus(in, rate, depth, delay, feedback, mix; spread)`.
pub static CHORUS: NodeSpec = NodeSpec {
    kind: "chorus",
    doc: "Chorus: the wet signal is the input delayed by delay + depth x sin(2 pi rate t) \
          (Hermite interpolation), with feedback into the line; per lane.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[rate(1.0), depth(0.002, 0.05), delay(0.007, 0.1, "Centre of the swept delay."), feedback(0.0), mix(0.5)],
    options: &[SPREAD],
    input_rule: InputRule::Broadcast,
    build: |ctx| build(ctx, false),
};

/// `flanger(in, rate, depth, delay, feedback, mix; spread, through_zero)`.
pub static FLANGER: NodeSpec = NodeSpec {
    kind: "flanger",
    doc: "Flanger: a short swept delay (delay + depth x sin(2 pi rate t)) mixed with the dry \
          signal, with feedback; per lane. With through_zero on, the dry path is delayed by \
          10 ms (reported as latency) and `delay` is the wet tap's offset from it, so the \
          sweep passes through zero.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[
        rate(0.25),
        depth(0.002, TZF_LAG),
        delay(0.002, 0.02, "Centre of the swept delay (through zero: offset from the delayed dry path)."),
        feedback(0.5),
        mix(0.5),
    ],
    options: &[
        SPREAD,
        OptionSpec {
            name: "through_zero",
            default: OptDefault::Choice(&["off", "on"]),
            doc: "Sweep the wet path through the (delayed) dry path.",
        },
    ],
    input_rule: InputRule::Broadcast,
    build: |ctx| build(ctx, ctx.text("through_zero") == "on"),
};

fn build(ctx: &BuildCtx, through_zero: bool) -> Result<Built> {
    let sr = ctx.samplerate;
    let lanes = ctx.lanes;
    let lag = if through_zero { (TZF_LAG as f64 * sr).round() as usize } else { 0 };
    let param_max = |name| ctx.spec.params[ctx.spec.param_index(name).expect("spec has it")].max as f64;
    let longest = ((param_max("delay") + param_max("depth")) * sr).ceil() as usize + lag + 4;
    Built::lanes(
        ModDelay {
            lanes,
            samplerate: sr as f32,
            lfo: Lfo::new(lanes, ctx.num("spread"), sr),
            sweep: vec![0.0; lanes].into(),
            line: DelayLine::new(lanes, longest),
            lag,
            dry: DelayLine::new(lanes, lag.max(1)),
        },
        ctx,
    )
}

struct ModDelay {
    lanes: usize,
    samplerate: f32,
    lfo: Lfo,
    /// This frame's LFO value of each lane.
    sweep: Box<[f32]>,
    line: DelayLine,
    /// Frames the dry path is delayed by (through-zero flanging), else 0.
    lag: usize,
    dry: DelayLine,
}

impl Node for ModDelay {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let [rate, depth, delay, feedback, mix] = [0, 1, 2, 3, 4].map(|i| io.params[i]);
        let lag = self.lag as f32;
        for (f, (row, x)) in io.outputs[0].chunks_exact_mut(lanes).zip(io.inputs[0].chunks_exact(lanes)).enumerate() {
            self.lfo.tick(rate.frame(f, lanes), &mut self.sweep);
            let (depth, delay, fb, m) =
                (depth.frame(f, lanes), delay.frame(f, lanes), feedback.frame(f, lanes), mix.frame(f, lanes));
            for l in 0..lanes {
                let d = lag + (delay[l] + depth[l] * self.sweep[l]) * self.samplerate;
                let wet = self.line.read(l, d);
                self.line.write(l, x[l] + fb[l] * wet);
                let dry = if self.lag == 0 {
                    x[l]
                } else {
                    let late = self.dry.tap(l, self.lag);
                    self.dry.write(l, x[l]);
                    late
                };
                row[l] = dry + m[l] * (wet - dry);
            }
            self.line.advance();
            if self.lag > 0 {
                self.dry.advance();
            }
        }
    }

    fn latency(&self) -> usize {
        self.lag
    }
}
