//! Delay line with fractional, modulatable delay time, feedback and a tone control in the
//! loop; one independent line per lane (per-lane times make a stereo delay).

use crate::dsp::delay_line::DelayLine;
use crate::dsp::tone::{Tone, ToneState};
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::memory;
use super::params::{params, ParamDef};
use super::{IN, OUT};

params! {
    /// Parameters of `delay` and `pingpong`.
    pub(crate) struct DelayParams {
        time: ParamDef {
            default: 0.25,
            min: 0.0,
            max: 3600.0,
            unit: "s",
            smooth: true,
            doc: "Delay time, clamped to [1 frame, max_time].",
        },
        feedback: ParamDef {
            default: 0.0,
            min: -1.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "Gain of the output fed back into the line.",
        },
        mix: ParamDef {
            default: 1.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "0 is dry only, 1 is delayed signal only.",
        },
        lowcut: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 100_000.0,
            unit: "Hz",
            smooth: true,
            doc: "Corner of a 6 dB/octave highpass on what enters the line, so every repeat thins \
                  out (0 is off).",
        },
        highcut: ParamDef {
            default: 100_000.0,
            min: 1.0,
            max: 100_000.0,
            unit: "Hz",
            smooth: true,
            doc: "Corner of a 6 dB/octave lowpass on what enters the line, so every repeat darkens \
                  (off at or above half the sample rate).",
        },
    }
}

/// Longest delay in seconds (memory).
pub(crate) const MAX_TIME: OptionSpec = OptionSpec {
    name: "max_time",
    default: OptDefault::Num { default: 2.0, min: 0.001, max: 3600.0 },
    doc: "Longest delay in seconds (sets the memory allocated).",
};

/// `delay(in, time, feedback, mix, lowcut, highcut; max_time)`.
pub static DELAY: NodeSpec = NodeSpec {
    kind: "delay",
    doc: "Delay with feedback: the line is fed tone(input + feedback x output), where the tone \
          control is an optional low cut and high cut; the delay time may be fractional and \
          modulated (4-point Hermite interpolation). Each lane is its own line.",
    inputs: &[IN],
    outputs: &[OUT],
    params: DelayParams::SPECS,
    options: &[MAX_TIME],
    input_rule: InputRule::Broadcast,
    build,
};

/// Frames of the line `max_time` asks for, checked against the memory a node may take.
pub(crate) fn line_frames(ctx: &BuildCtx, lanes: usize) -> Result<usize> {
    let max_time = ctx.num("max_time");
    let frames = (max_time * ctx.samplerate).ceil() as usize;
    let what = format!("option 'max_time' = {max_time} s on {lanes} lane(s)");
    memory::check(ctx, what, DelayLine::bytes(lanes, frames))?;
    Ok(frames)
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let lanes = ctx.lanes;
    let max_frames = line_frames(ctx, lanes)?;
    Built::lanes(
        Delay {
            lanes,
            samplerate: ctx.samplerate as f32,
            line: DelayLine::new(lanes, max_frames),
            tone: LoopTone::new(lanes, ctx.samplerate as f32),
        },
        ctx,
    )
}

/// The tone control of each lane of a feedback loop, redesigned only when its corners move.
pub(crate) struct LoopTone {
    samplerate: f32,
    tones: Box<[Tone]>,
    states: Box<[ToneState]>,
    /// (lowcut, highcut) each lane's tone was designed for.
    designed: Box<[(f32, f32)]>,
}

impl LoopTone {
    /// Tone controls for `lanes` lanes, both sections off until tuned.
    pub(crate) fn new(lanes: usize, samplerate: f32) -> Self {
        LoopTone {
            samplerate,
            tones: vec![Tone::new(0.0, samplerate, samplerate); lanes].into(),
            states: vec![[0.0; 2]; lanes].into(),
            designed: vec![(0.0, samplerate); lanes].into(),
        }
    }

    /// Designs lane `lane` for corners `lowcut` and `highcut` in Hz.
    #[inline]
    pub(crate) fn tune(&mut self, lane: usize, lowcut: f32, highcut: f32) {
        if self.designed[lane] != (lowcut, highcut) {
            self.designed[lane] = (lowcut, highcut);
            self.tones[lane] = Tone::new(lowcut, highcut, self.samplerate);
        }
    }

    /// Filters one sample of lane `lane`.
    #[inline(always)]
    pub(crate) fn tick(&mut self, lane: usize, x: f32) -> f32 {
        self.tones[lane].tick(&mut self.states[lane], x)
    }

    /// Silences the filters' memories (after what went through them turned non-finite).
    pub(crate) fn clear(&mut self) {
        self.states.fill([0.0; 2]);
    }
}

/// Resets a feedback loop's line and tone control once a block in which something
/// non-finite entered it (`clean` false); returns whether it did.
pub(crate) fn reset_loop(clean: bool, line: &mut DelayLine, tone: &mut LoopTone, lanes: usize) -> bool {
    if clean {
        return false;
    }
    for l in 0..lanes {
        line.clear_lane(l);
    }
    tone.clear();
    true
}

struct Delay {
    lanes: usize,
    samplerate: f32,
    line: DelayLine,
    tone: LoopTone,
}

impl Node for Delay {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let DelayParams { time, feedback, mix, lowcut, highcut } = DelayParams::from(io.params);
        let steady_tone = lowcut.as_const().is_some() && highcut.as_const().is_some();
        // Whether everything written into the line this block was finite.
        let mut clean = true;
        for (f, (row, x)) in io.outputs[0].chunks_exact_mut(lanes).zip(io.inputs[0].chunks_exact(lanes)).enumerate() {
            let (t, fb, m) = (time.frame(f, lanes), feedback.frame(f, lanes), mix.frame(f, lanes));
            if f == 0 || !steady_tone {
                let (lo, hi) = (lowcut.frame(f, lanes), highcut.frame(f, lanes));
                for l in 0..lanes {
                    self.tone.tune(l, lo[l], hi[l]);
                }
            }
            for l in 0..lanes {
                let y = self.line.read(l, t[l] * self.samplerate);
                let fed = self.tone.tick(l, x[l] + fb[l] * y);
                clean &= fed.is_finite();
                self.line.write(l, fed);
                row[l] = x[l] + m[l] * (y - x[l]);
            }
            self.line.advance();
        }
        if reset_loop(clean, &mut self.line, &mut self.tone, lanes) {
            io.repairs.resets += 1;
        }
    }
}
