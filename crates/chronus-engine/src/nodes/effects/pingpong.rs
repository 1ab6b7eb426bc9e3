//! Ping-pong delay: two lines whose feedback crosses over, so echoes bounce left, right,
//! left... from a mono or stereo input to a stereo output.

use crate::dsp::delay_line::DelayLine;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ParamView, ProcessIo};
use crate::nodes::delay::{line_frames, reset_loop, DelayParams, LoopTone, MAX_TIME};
use crate::spec::{InputRule, NodeSpec};

use super::super::{IN, OUT};
use super::{mono_or_stereo, stereo_frame};

/// `pingpong(in, time, feedback, mix, lowcut, highcut; max_time)`.
pub static PINGPONG: NodeSpec = NodeSpec {
    kind: "pingpong",
    doc: "Ping-pong delay: the input's mono sum enters the left line; each line's output, \
          times feedback, feeds the other line, through the tone control. Echoes land left \
          after `time` (gain 1), right after twice that (gain feedback), left again (gain \
          feedback^2), and so on. A second value (lane) of a parameter sets the right line's. \
          Mono or stereo in, stereo out.",
    inputs: &[IN],
    outputs: &[OUT],
    params: DelayParams::SPECS,
    options: &[MAX_TIME],
    input_rule: InputRule::AsIs,
    build,
};

fn build(ctx: &BuildCtx) -> Result<Built> {
    let channels = mono_or_stereo(ctx, 0)?;
    let max_frames = line_frames(ctx, 2)?;
    let node = PingPong {
        channels,
        lanes: ctx.lanes,
        samplerate: ctx.samplerate as f32,
        line: DelayLine::new(2, max_frames),
        tone: LoopTone::new(2, ctx.samplerate as f32),
    };
    Ok(Built { node: Box::new(node), output_channels: vec![2] })
}

struct PingPong {
    channels: usize,
    lanes: usize,
    samplerate: f32,
    /// Lane 0 is the left line, lane 1 the right.
    line: DelayLine,
    tone: LoopTone,
}

impl Node for PingPong {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        // Side `s` reads lane `s` of each parameter, or lane 0 when there is only one.
        let side = lanes.min(2) - 1;
        let DelayParams { time, feedback, mix, lowcut, highcut } = DelayParams::from(io.params);
        let at = |p: ParamView, f: usize, s: usize| p.at(f, s * side, lanes);
        let steady_tone = lowcut.as_const().is_some() && highcut.as_const().is_some();
        // Whether everything written into the lines this block was finite.
        let mut clean = true;
        for (f, o) in io.outputs[0].chunks_exact_mut(2).enumerate() {
            if f == 0 || !steady_tone {
                for s in 0..2 {
                    self.tone.tune(s, at(lowcut, f, s), at(highcut, f, s));
                }
            }
            let (l, r) = stereo_frame(io.inputs[0], self.channels, f);
            let left = self.line.read(0, at(time, f, 0) * self.samplerate);
            let right = self.line.read(1, at(time, f, 1) * self.samplerate);
            let into_left = self.tone.tick(0, 0.5 * (l + r) + at(feedback, f, 0) * right);
            let into_right = self.tone.tick(1, at(feedback, f, 1) * left);
            clean &= into_left.is_finite() & into_right.is_finite();
            self.line.write(0, into_left);
            self.line.write(1, into_right);
            self.line.advance();
            o[0] = l + at(mix, f, 0) * (left - l);
            o[1] = r + at(mix, f, 1) * (right - r);
        }
        if reset_loop(clean, &mut self.line, &mut self.tone, 2) {
            io.repairs.resets += 1;
        }
    }
}
