//! Freeverb-style reverb (Jezar at Dreampoint's public-domain design): per channel, eight
//! parallel lowpass-feedback combs into four series all-passes, the right channel's lines
//! 23 samples (at 44.1 kHz) longer than the left's.
//!
//! One departure from the original: instead of one "room size" feedback shared by every
//! comb, each comb's feedback is set from the decay time, `g = 10^(-3 d / (RT60 sr))` for a
//! comb of `d` frames, so every comb (and so the whole tail) falls 60 dB in `decay` seconds
//! below the damping corner.

use crate::dsp::delay_line::DelayLine;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec};

use super::super::{IN, OUT};
use super::reverb::{rt60_gain, DAMPING, DECAY, MIX, PREDELAY, WIDTH};
use super::{mono_or_stereo, stereo_frame};

/// Comb lengths of the left channel in samples at 44.1 kHz.
const COMBS: [f64; 8] = [1116.0, 1188.0, 1277.0, 1356.0, 1422.0, 1491.0, 1557.0, 1617.0];
/// All-pass lengths of the left channel in samples at 44.1 kHz.
const ALLPASSES: [f64; 4] = [556.0, 441.0, 341.0, 225.0];
/// Extra length of the right channel's lines in samples at 44.1 kHz.
const STEREO_SPREAD: f64 = 23.0;
/// Rate the lengths above are given at.
const TUNING_RATE: f64 = 44_100.0;
/// Input gain into the combs (Freeverb's). Its wet scale of 3 times its default wet level of
/// 1/3 makes unity, so the all-passes' output is the wet signal, near the level of
/// [`super::reverb`].
const INPUT_GAIN: f32 = 0.015;
/// Feedback of the all-passes.
const ALLPASS_FEEDBACK: f32 = 0.5;
/// Largest damping coefficient (damping = 1).
const DAMP_SCALE: f32 = 0.4;

/// `freeverb(in, decay, damping, predelay, width, mix)`.
pub static FREEVERB: NodeSpec = NodeSpec {
    kind: "freeverb",
    doc: "Freeverb-style reverb: 8 damped combs and 4 all-passes per channel, each comb's \
          feedback set so the tail decays by 60 dB in `decay` seconds. Mono or stereo in \
          (summed into the tank), stereo out. Parameters use their first lane.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[DECAY, DAMPING, PREDELAY, WIDTH, MIX],
    options: &[],
    input_rule: InputRule::AsIs,
    build,
};

fn build(ctx: &BuildCtx) -> Result<Built> {
    let channels = mono_or_stereo(ctx, 0)?;
    let scale = ctx.samplerate / TUNING_RATE;
    let frames = |samples: f64, side: usize| ((samples + side as f64 * STEREO_SPREAD) * scale).round() as usize;
    let combs: Vec<usize> = (0..2).flat_map(|side| COMBS.iter().map(move |c| frames(*c, side))).collect();
    let allpasses: Vec<usize> = ALLPASSES.iter().flat_map(|a| [frames(*a, 0), frames(*a, 1)]).collect();
    let node = Freeverb {
        channels,
        lanes: ctx.lanes,
        samplerate: ctx.samplerate as f32,
        predelay: DelayLine::new(1, (PREDELAY.max as f64 * ctx.samplerate).ceil() as usize),
        comb_line: DelayLine::new(combs.len(), *combs.iter().max().expect("combs")),
        comb_feedback: vec![0.0; combs.len()].into(),
        comb_store: vec![0.0; combs.len()].into(),
        allpass_line: DelayLine::new(allpasses.len(), *allpasses.iter().max().expect("all-passes")),
        combs: combs.into(),
        allpasses: allpasses.into(),
        decay: f32::NAN,
    };
    Ok(Built { node: Box::new(node), output_channels: vec![2] })
}

struct Freeverb {
    channels: usize,
    lanes: usize,
    samplerate: f32,
    predelay: DelayLine,
    /// Comb lengths in frames: left 0..8, right 8..16 (lanes of `comb_line`).
    combs: Box<[usize]>,
    comb_line: DelayLine,
    comb_feedback: Box<[f32]>,
    /// Each comb's damping lowpass state.
    comb_store: Box<[f32]>,
    /// All-pass lengths in frames: stage k left is lane 2k, right 2k + 1.
    allpasses: Box<[usize]>,
    allpass_line: DelayLine,
    /// Decay the feedbacks were set for.
    decay: f32,
}

impl Node for Freeverb {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let at = |i: usize, f: usize| io.params[i].at(f, 0, lanes);
        for (f, o) in io.outputs[0].chunks_exact_mut(2).enumerate() {
            let (decay, damping, predelay, width, mix) = (at(0, f), at(1, f), at(2, f), at(3, f), at(4, f));
            if decay != self.decay {
                self.decay = decay;
                for (g, d) in self.comb_feedback.iter_mut().zip(self.combs.iter()) {
                    *g = rt60_gain(*d, decay, self.samplerate);
                }
            }
            let (l, r) = stereo_frame(io.inputs[0], self.channels, f);
            let input = INPUT_GAIN * (l + r);
            let delay = predelay * self.samplerate;
            let fed = if delay >= 1.0 { self.predelay.read(0, delay) } else { input };
            self.predelay.write(0, input);
            self.predelay.advance();

            let damp = damping.clamp(0.0, 1.0) * DAMP_SCALE;
            let mut sums = [0.0f32; 2];
            for (c, ((len, g), store)) in
                self.combs.iter().zip(self.comb_feedback.iter()).zip(self.comb_store.iter_mut()).enumerate()
            {
                let y = self.comb_line.tap(c, *len);
                *store = y + damp * (*store - y);
                self.comb_line.write(c, fed + g * *store);
                sums[c / 8] += y;
            }
            self.comb_line.advance();
            for (k, len) in self.allpasses.iter().enumerate() {
                let x = &mut sums[k % 2];
                let buffered = self.allpass_line.tap(k, *len);
                self.allpass_line.write(k, *x + ALLPASS_FEEDBACK * buffered);
                *x = buffered - *x;
            }
            self.allpass_line.advance();

            let [wl, wr] = sums;
            let (direct, cross) = (0.5 + 0.5 * width, 0.5 - 0.5 * width);
            o[0] = l + mix * (direct * wl + cross * wr - l);
            o[1] = r + mix * (direct * wr + cross * wl - r);
        }
    }
}
