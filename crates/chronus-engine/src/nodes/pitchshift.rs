//! Pitch shifter for live signals: Signalsmith Stretch at a stretch of 1, transposing by a
//! modulatable number of semitones. It is fed one hop at a time (the input gathered while
//! the previous hop plays), so its output does not depend on the block size; its latency,
//! reported, is the stretcher's input and output latencies plus that hop. Non-finite input
//! samples are replaced by silence and counted (`Repairs::ignored`).

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
        let hop = Stretcher::hop_at(ctx.samplerate);
        let node = PitchShift {
            stretcher: Stretcher::new(channels, ctx.samplerate, hop, hop, false),
            channels,
            input: vec![0.0; hop * channels].into(),
            output: vec![0.0; hop * channels].into(),
            filled: 0,
            lanes: ctx.lanes,
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
    /// The hop being gathered (a mono input feeds every channel).
    input: Box<[f32]>,
    /// The hop being played.
    output: Box<[f32]>,
    /// Frames of the current hop gathered (and played).
    filled: usize,
    /// Lanes of the parameter views (the input's channels).
    lanes: usize,
}

impl Node for PitchShift {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let p = PitchShiftParams::from(io.params);
        let (ch, hop) = (self.channels, self.input.len() / self.channels);
        let src = io.inputs[0];
        let wide = src.len() == io.frames * ch;
        let out = &mut *io.outputs[0];
        let mut f = 0;
        while f < io.frames {
            if self.filled == hop {
                // A whole hop gathered: shift it, at the transposition of the frame it ends on.
                let semitones = p.semitones.at(f, 0, self.lanes);
                self.stretcher.set_semitones(if semitones.is_finite() { semitones.clamp(-36.0, 36.0) } else { 0.0 });
                self.stretcher.process(&self.input, &mut self.output);
                self.filled = 0;
            }
            let n = (hop - self.filled).min(io.frames - f);
            let at = self.filled * ch;
            out[f * ch..(f + n) * ch].copy_from_slice(&self.output[at..at + n * ch]);
            let gathered = &mut self.input[at..at + n * ch];
            if wide {
                gathered.copy_from_slice(&src[f * ch..(f + n) * ch]);
            } else {
                for (frame, x) in gathered.chunks_exact_mut(ch).zip(&src[f..f + n]) {
                    frame.fill(*x);
                }
            }
            // Non-finite input would stay in the analysis history for a whole block
            // (0.16 s): it is left out (silence) and counted instead.
            for x in gathered.iter_mut().filter(|x| !x.is_finite()) {
                *x = 0.0;
                io.repairs.ignored += 1;
            }
            self.filled += n;
            f += n;
        }
    }

    fn latency(&self) -> usize {
        self.stretcher.input_latency() + self.stretcher.output_latency() + self.stretcher.hop()
    }
}
