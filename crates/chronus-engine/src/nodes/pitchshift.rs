//! Pitch shifter for live signals: Signalsmith Stretch at a stretch of 1, transposing by a
//! modulatable number of semitones, its input and output latencies reported together.

use crate::dsp::stretch::Stretcher;
use crate::node::{Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::params::{params, ParamDef};
use super::{IN, OUT};

/// Most channels one shifter takes.
const MAX_CHANNELS: usize = 8;

/// `pitchshift(in, semitones; channels)`.
pub static PITCHSHIFT: NodeSpec = NodeSpec {
    kind: "pitchshift",
    doc: "Pitch shifter (Signalsmith Stretch): transposes its input by `semitones` at the same \
          length and tempo, all channels together (stereo stays coherent). Delays the signal by \
          its latency (about 0.1 s, reported to the compiler).",
    inputs: &[IN],
    outputs: &[OUT],
    params: PitchShiftParams::SPECS,
    options: &[OptionSpec {
        name: "channels",
        default: OptDefault::Num { default: 0.0, min: 0.0, max: MAX_CHANNELS as f64 },
        doc: "Channels shifted together (0: as many as the input carries).",
    }],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let channels = match ctx.num("channels") as usize {
            0 => ctx.input_channels[0].max(1),
            n => n,
        };
        if channels > MAX_CHANNELS || (ctx.input_channels[0] > 1 && ctx.input_channels[0] != channels) {
            return Err(ctx.invalid(format!(
                "shifts {channels} channels but its input carries {} (at most {MAX_CHANNELS})",
                ctx.input_channels[0]
            )));
        }
        if ctx.lanes > 1 && ctx.input_channels[0] < ctx.lanes {
            return Err(ctx.invalid("semitones takes one value for all channels"));
        }
        let node = PitchShift {
            stretcher: Stretcher::new(channels, ctx.samplerate, ctx.max_block, ctx.max_block),
            channels,
            input: vec![0.0; ctx.max_block * channels].into(),
        };
        Ok(Built { node: Box::new(node), output_channels: vec![channels] })
    },
};

params! {
    /// Parameters of `pitchshift`.
    struct PitchShiftParams {
        semitones: ParamDef {
            default: 0.0,
            min: -36.0,
            max: 36.0,
            unit: "st",
            smooth: false,
            doc: "Transposition in semitones, read once a block.",
        },
    }
}

struct PitchShift {
    stretcher: Stretcher,
    channels: usize,
    /// The input widened to `channels` (a mono input feeds every channel).
    input: Box<[f32]>,
}

impl Node for PitchShift {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let p = PitchShiftParams::from(io.params);
        let semitones = p.semitones.at(0, 0, 1).clamp(-36.0, 36.0);
        self.stretcher.set_semitones(if semitones.is_finite() { semitones } else { 0.0 });
        let (ch, frames) = (self.channels, io.frames);
        let src = io.inputs[0];
        let input = &mut self.input[..frames * ch];
        if src.len() == input.len() {
            input.copy_from_slice(src);
        } else {
            for (frame, x) in input.chunks_exact_mut(ch).zip(src) {
                frame.fill(*x);
            }
        }
        self.stretcher.process(input, io.outputs[0]);
    }

    fn latency(&self) -> usize {
        self.stretcher.input_latency() + self.stretcher.output_latency()
    }
}
