//! Freeverb-style reverb (Jezar at Dreampoint's public-domain design): per channel, eight
//! parallel lowpass-feedback combs into four series all-passes, the right channel's lines
//! 23 samples (at 44.1 kHz) longer than the left's.
//!
//! One departure from the original: instead of one "room size" feedback shared by every
//! comb, each comb's feedback is set from the decay time, `g = 10^(-3 d / (RT60 sr))` for a
//! comb of `d` frames, so every comb (and so the whole tail) falls 60 dB in `decay` seconds
//! below the damping corner.

use crate::dsp::fixed_delay::{lockstep, FixedDelay};
use crate::error::Result;
use crate::node::{BuildCtx, Built};
use crate::spec::{InputRule, NodeSpec};

use super::super::{IN, OUT};
use super::reverb::{self, rt60_gain, ReverbParams, Tank};

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
/// [`super::fdn`].
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
    params: ReverbParams::SPECS,
    options: &[],
    input_rule: InputRule::AsIs,
    build,
};

fn build(ctx: &BuildCtx) -> Result<Built> {
    let scale = ctx.samplerate / TUNING_RATE;
    let frames = |samples: f64, side: usize| ((samples + side as f64 * STEREO_SPREAD) * scale).round() as usize;
    let tank = Freeverb {
        samplerate: ctx.samplerate as f32,
        combs: [0, 1].map(|side| COMBS.map(|c| FixedDelay::new(frames(c, side)))),
        feedback: [[0.0; COMBS.len()]; 2],
        store: [[0.0; COMBS.len()]; 2],
        allpasses: ALLPASSES.map(|a| [0, 1].map(|side| FixedDelay::new(frames(a, side)))),
        damp: 0.0,
    };
    reverb::build(ctx, tank)
}

/// The combs and all-passes of both channels.
struct Freeverb {
    samplerate: f32,
    /// Left and right combs.
    combs: [[FixedDelay; COMBS.len()]; 2],
    feedback: [[f32; COMBS.len()]; 2],
    /// Each comb's damping lowpass state.
    store: [[f32; COMBS.len()]; 2],
    /// All-passes, stage by stage, left and right.
    allpasses: [[FixedDelay; 2]; ALLPASSES.len()],
    /// Coefficient of the combs' damping lowpass.
    damp: f32,
}

impl Tank for Freeverb {
    /// The shortest all-pass: a chunk's reads then all come before its writes.
    fn chunk(&self) -> usize {
        self.allpasses.iter().flatten().map(FixedDelay::len).min().expect("all-passes")
    }

    fn design(&mut self, decay: f32, damping: f32) {
        for (g, comb) in self.feedback.iter_mut().flatten().zip(self.combs.iter().flatten()) {
            *g = rt60_gain(comb.len() as f32, decay, self.samplerate);
        }
        self.damp = damping.clamp(0.0, 1.0) * DAMP_SCALE;
    }

    fn run(&mut self, fed: [&mut [f32]; 2], mut wet: [&mut [f32]; 2]) {
        let m = fed[0].len();
        let [left, right] = fed;
        for (l, r) in left.iter_mut().zip(right.iter()) {
            *l = INPUT_GAIN * (*l + r);
        }
        let mono: &[f32] = left;
        let (keep, damp) = (1.0 - self.damp, self.damp);
        // Each channel's eight combs side by side: their damping recursions are independent,
        // so they overlap in the processor.
        for ((combs, (store, feedback)), wet) in
            self.combs.iter_mut().zip(self.store.iter_mut().zip(&self.feedback)).zip(wet.iter_mut())
        {
            // Locals, which the compiler keeps in registers (the slots might alias fields).
            let (mut st, g) = (*store, *feedback);
            lockstep(combs, m, |n, slots| {
                // Whole arrays at a time, so the eight combs become vector arithmetic.
                let y = slots.each_ref().map(|s| **s);
                let mut next = [0.0f32; COMBS.len()];
                for k in 0..COMBS.len() {
                    st[k] = keep * y[k] + damp * st[k];
                    next[k] = mono[n] + g[k] * st[k];
                }
                for (slot, x) in slots.into_iter().zip(next) {
                    *slot = x;
                }
                wet[n] = ((y[0] + y[1]) + (y[2] + y[3])) + ((y[4] + y[5]) + (y[6] + y[7]));
            });
            *store = st;
        }
        // The all-passes, a stage at a time over the chunk (it is shorter than each of them).
        let allpass = |slots: &mut [f32], x: &mut [f32]| {
            for (s, x) in slots.iter_mut().zip(x) {
                let buffered = *s;
                *s = *x + ALLPASS_FEEDBACK * buffered;
                *x = buffered - *x;
            }
        };
        for stage in self.allpasses.iter_mut() {
            for (ap, x) in stage.iter_mut().zip(wet.iter_mut()) {
                let [a, b] = ap.slots(m);
                let (xa, xb) = x.split_at_mut(a.len());
                allpass(a, xa);
                allpass(b, xb);
                ap.advance(m);
            }
        }
    }

    fn clear(&mut self) {
        self.combs.iter_mut().flatten().chain(self.allpasses.iter_mut().flatten()).for_each(FixedDelay::clear);
        self.store = [[0.0; COMBS.len()]; 2];
    }
}
