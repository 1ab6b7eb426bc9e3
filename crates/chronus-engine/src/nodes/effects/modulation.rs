//! Chorus and flanger: a delay line whose time is swept by a sine LFO, with feedback, one
//! line and one LFO per lane (lanes `spread` cycles apart, for a wide stereo image).
//!
//! Both kinds run the same code; they differ in their ranges and defaults, and the flanger
//! can sweep through zero: its dry path is then delayed by [`TZF_LAG`] (the node's latency)
//! and the wet tap moves around that point, so the two cross and cancel completely.

use crate::dsp::delay_line::DelayLine;
use crate::dsp::fastmath::min_of;
use crate::dsp::finite::all_finite;
use crate::dsp::fixed_delay::FixedDelay;
use crate::dsp::lfo::Lfo;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::super::memory;
use super::super::params::{params, ParamDef};
use super::super::{IN, OUT};
use super::mix;

/// Fixed delay of the flanger's dry path when it sweeps through zero, in seconds (the
/// largest depth).
pub const TZF_LAG: f32 = 0.01;

const fn rate(default: f32) -> ParamDef {
    ParamDef {
        default,
        min: 0.0,
        max: 20.0,
        unit: "Hz",
        smooth: true,
        doc: "LFO frequency (0 holds the sweep at its centre).",
    }
}
const fn depth(default: f32, max: f32) -> ParamDef {
    ParamDef {
        default,
        min: 0.0,
        max,
        unit: "s",
        smooth: true,
        doc: "How far the delay swings either side of `delay`.",
    }
}
const fn delay(default: f32, max: f32, doc: &'static str) -> ParamDef {
    ParamDef { default, min: 0.0, max, unit: "s", smooth: true, doc }
}
const fn feedback(default: f32) -> ParamDef {
    ParamDef {
        default,
        min: -0.99,
        max: 0.99,
        unit: "",
        smooth: true,
        doc: "Gain of the delayed signal fed back into the line (negative inverts it).",
    }
}

params! {
    /// Parameters of `chorus` (and, with other ranges, of `flanger`).
    struct ModDelayParams {
        rate: rate(1.0),
        depth: depth(0.002, 0.05),
        delay: delay(0.007, 0.1, "Centre of the swept delay."),
        feedback: feedback(0.0),
        mix: mix(0.5),
    }
}

params!(impl ModDelayParams::FLANGER {
    rate: rate(0.25),
    depth: depth(0.002, TZF_LAG),
    delay: delay(0.002, 0.02, "Centre of the swept delay (through zero: offset from the delayed dry path)."),
    feedback: feedback(0.5),
    mix: mix(0.5),
});

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
    params: ModDelayParams::SPECS,
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
    params: ModDelayParams::FLANGER,
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
    let most = ModDelayParams::from(ctx.spec.params);
    let longest = ((most.delay.max + most.depth.max) as f64 * sr).ceil() as usize + lag + 4;
    memory::check(ctx, format!("a line on each of {lanes} lanes"), DelayLine::bytes(lanes, longest))?;
    Built::lanes(
        ModDelay {
            lanes,
            samplerate: sr as f32,
            lfo: Lfo::new(lanes, ctx.num("spread"), sr),
            delays: vec![0.0; ctx.max_block].into(),
            wet: vec![0.0; ctx.max_block].into(),
            fed: vec![0.0; ctx.max_block].into(),
            line: DelayLine::new(lanes, longest),
            dry: (0..lanes).map(|_| FixedDelay::new(lag)).collect(),
        },
        ctx,
    )
}

struct ModDelay {
    lanes: usize,
    samplerate: f32,
    lfo: Lfo,
    /// One lane's delay in frames over the block (first the LFO's values).
    delays: Box<[f32]>,
    /// One lane's wet signal over the block.
    wet: Box<[f32]>,
    /// One lane's line input over the block.
    fed: Box<[f32]>,
    line: DelayLine,
    /// Each lane's dry path: delayed by the lag of through-zero flanging, else by nothing.
    dry: Box<[FixedDelay]>,
}

/// Frames from `start` whose reads all reach back before `start`, so they can be read
/// before any of them is written (at least one).
fn readable_run(delays: &[f32], start: usize) -> usize {
    let rest = &delays[start..];
    // Frame start + k reads back from frame start + k + 1 - floor(d) (the newest point of
    // the Hermite spline), which comes before start when d >= k + 2: for every k at once
    // when the shortest delay exceeds the run.
    if min_of(rest) >= (rest.len() + 1) as f32 {
        return rest.len();
    }
    let blocked = rest.iter().enumerate().skip(1).find(|(k, d)| **d < (k + 2) as f32);
    blocked.map_or(rest.len(), |(k, _)| k)
}

impl Node for ModDelay {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (lanes, frames, sr) = (self.lanes, io.frames, self.samplerate);
        let input = io.inputs[0];
        let p = ModDelayParams::from(io.params);
        let mut reset = false;
        // Lane by lane over the whole block, so each step is one loop over it.
        for l in 0..lanes {
            let [rate, depth, delay, feedback, mix] =
                [p.rate, p.depth, p.delay, p.feedback, p.mix].map(|v| v.lane(l, lanes));
            let delays = &mut self.delays[..frames];
            self.lfo.fill(l, |f| rate.at(f), rate.as_const().is_some(), delays);
            let lag = self.dry[l].len() as f32;
            if let (Some(delay), Some(depth)) = (delay.as_const(), depth.as_const()) {
                let (centre, swing) = (lag + delay * sr, depth * sr);
                for d in delays.iter_mut() {
                    *d = centre + swing * *d;
                }
            } else {
                // The same arithmetic as above, frame by frame (so both paths agree exactly).
                for (f, d) in delays.iter_mut().enumerate() {
                    *d = (lag + delay.at(f) * sr) + (depth.at(f) * sr) * *d;
                }
            }
            let (wet, fed) = (&mut self.wet[..frames], &mut self.fed[..frames]);
            let mut start = 0;
            while start < frames {
                let run = start..start + readable_run(delays, start);
                self.line.read_block_at(l, run.start, &delays[run.clone()], &mut wet[run.clone()]);
                for f in run.clone() {
                    fed[f] = input[f * lanes + l] + feedback.at(f) * wet[f];
                }
                self.line.write_block_at(l, run.start, &fed[run.clone()]);
                start = run.end;
            }
            // Something non-finite entered the line or the dry path: start them afresh.
            if !all_finite(fed) {
                self.line.clear_lane(l);
                self.dry[l].clear();
                reset = true;
            }
            let (dry, out) = (&mut self.dry[l], &mut *io.outputs[0]);
            match (dry.is_empty(), mix.as_const()) {
                (true, Some(m)) => {
                    for (f, w) in wet.iter().enumerate() {
                        let x = input[f * lanes + l];
                        out[f * lanes + l] = x + m * (w - x);
                    }
                }
                _ => {
                    for (f, w) in wet.iter().enumerate() {
                        let x = dry.swap(input[f * lanes + l]);
                        out[f * lanes + l] = x + mix.at(f) * (w - x);
                    }
                }
            }
        }
        self.line.skip(frames);
        if reset {
            io.repairs.resets += 1;
        }
    }

    fn latency(&self) -> usize {
        self.dry[0].len()
    }
}
