//! Feedback delay network reverb (Jot and Chaigne 1991): eight delay lines of mutually prime
//! lengths mixed through a Hadamard matrix, each line followed by an absorption filter that
//! sets its decay exactly.
//!
//! A line of `d` frames loses `20 log10 g` dB per pass, so the gain that makes the whole
//! network decay by 60 dB in `RT60` seconds is `g = 10^(-3 d / (RT60 sr))` ([`rt60_gain`]);
//! the Hadamard matrix is orthogonal, so it neither adds nor removes energy. Damping makes
//! each absorption filter a one-pole lowpass with that gain at DC and the gain of a shorter
//! RT60 at Nyquist. Before the network, four all-pass diffusers per channel thicken the
//! onset; the left and right outputs are taken from different lines.

use crate::dsp::fixed_delay::{lockstep, FixedDelay};
use crate::error::Result;
use crate::node::{BuildCtx, Built};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::super::{IN, OUT};
use super::reverb::{self, rt60_gain, Tank, DAMPING, DECAY, MIX, PREDELAY, WIDTH};

/// Lines in the network.
const LINES: usize = 8;
/// Nominal line lengths in milliseconds at size 1 (rounded to distinct primes in frames).
const LINE_MS: [f64; LINES] = [31.7, 37.9, 41.3, 47.1, 53.9, 59.3, 67.3, 73.9];
/// Input diffuser lengths in milliseconds, after Dattorro's plate; the right channel's are
/// 7 % longer.
const DIFFUSER_MS: [f64; 4] = [4.77, 3.60, 12.73, 9.31];
/// All-pass coefficient of each diffuser stage.
const DIFFUSION: [f32; 4] = [0.75, 0.75, 0.625, 0.625];
/// Fraction of the decay time left at Nyquist at full damping.
const DAMPED_RATIO: f32 = 0.1;
/// Gain from the input into each line.
const INPUT_GAIN: f32 = 0.5;
/// Gain from the lines to each output (with [`INPUT_GAIN`], about unity RMS gain for noise at
/// a 2 s decay).
const OUTPUT_GAIN: f32 = 0.7;

/// `reverb(in, decay, damping, predelay, width, mix; size)`.
pub static REVERB: NodeSpec = NodeSpec {
    kind: "reverb",
    doc: "Feedback-delay-network reverb: 8 lines, Hadamard feedback matrix, per-line absorption \
          set from the decay time (RT60) and damping, pre-delay, input diffusion, stereo width \
          and mix. Mono or stereo in, stereo out. Parameters use their first lane.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[DECAY, DAMPING, PREDELAY, WIDTH, MIX],
    options: &[OptionSpec {
        name: "size",
        default: OptDefault::Num { default: 1.0, min: 0.25, max: 4.0 },
        doc: "Scale of the line lengths (room size; 1 is 32 to 74 ms).",
    }],
    input_rule: InputRule::AsIs,
    build,
};

fn is_prime(n: usize) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d))
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let sr = ctx.samplerate;
    let size = ctx.num("size");
    let mut lengths = [0usize; LINES];
    for (i, ms) in LINE_MS.iter().enumerate() {
        let mut n = (ms * size * sr / 1000.0).round() as usize;
        while !is_prime(n) || lengths[..i].contains(&n) {
            n += 1;
        }
        lengths[i] = n;
    }
    let diffusers =
        DIFFUSER_MS.map(|ms| [1.0, 1.07].map(|scale| FixedDelay::new((scale * ms * sr / 1000.0).round() as usize)));
    let tank = Fdn {
        samplerate: sr as f32,
        diffusers,
        lines: lengths.map(FixedDelay::new),
        absorb: [(0.0, 0.0); LINES],
        absorb_state: [0.0; LINES],
    };
    reverb::build(ctx, tank)
}

/// The network and its input diffusers.
struct Fdn {
    samplerate: f32,
    /// Input diffusers: stage by stage, left and right.
    diffusers: [[FixedDelay; 2]; DIFFUSER_MS.len()],
    lines: [FixedDelay; LINES],
    /// Absorption filter of each line: (input gain, pole), y = k x + b y[-1].
    absorb: [(f32, f32); LINES],
    absorb_state: [f32; LINES],
}

impl Tank for Fdn {
    /// The shortest line or diffuser: a chunk's reads then all come before its writes.
    fn chunk(&self) -> usize {
        self.diffusers.iter().flatten().chain(&self.lines).map(FixedDelay::len).min().expect("lines")
    }

    fn design(&mut self, decay: f32, damping: f32) {
        let nyquist_rt60 = decay * (1.0 - (1.0 - DAMPED_RATIO) * damping.clamp(0.0, 1.0));
        for (filter, line) in self.absorb.iter_mut().zip(&self.lines) {
            let dc = rt60_gain(line.len(), decay, self.samplerate);
            let top = rt60_gain(line.len(), nyquist_rt60, self.samplerate);
            // A one-pole k / (1 - b z^-1) with gain dc at 0 Hz and top at Nyquist.
            let pole = (dc - top) / (dc + top);
            *filter = (dc * (1.0 - pole), pole);
        }
    }

    fn run(&mut self, mut fed: [&mut [f32]; 2], wet: [&mut [f32]; 2]) {
        let m = fed[0].len();
        // Diffusers, a stage at a time over the chunk (it is shorter than each of them).
        for (stage, g) in self.diffusers.iter_mut().zip(DIFFUSION) {
            for (d, x) in stage.iter_mut().zip(fed.iter_mut()) {
                let diffuse = |slots: &mut [f32], x: &mut [f32]| {
                    for (s, x) in slots.iter_mut().zip(x) {
                        let buffered = *s;
                        *s = *x - g * buffered;
                        *x = buffered + g * *s;
                    }
                };
                let [a, b] = d.slots(m);
                let (xa, xb) = x.split_at_mut(a.len());
                diffuse(a, xa);
                diffuse(b, xb);
                d.advance(m);
            }
        }
        let [fed_l, fed_r] = fed;
        let [wet_l, wet_r] = wet;
        // Locals, which the compiler keeps in registers (the slots might alias fields).
        let (absorb, mut state) = (self.absorb, self.absorb_state);
        lockstep(&mut self.lines, m, |n, slots| {
            let mut v = [0.0f32; LINES];
            for (((x, slot), (k, b)), s) in v.iter_mut().zip(&slots).zip(&absorb).zip(state.iter_mut()) {
                *s = k * **slot + b * *s;
                *x = *s;
            }
            // Left from the even lines, right from the odd ones, with alternating signs.
            wet_l[n] = OUTPUT_GAIN * ((v[0] - v[2]) + (v[4] - v[6]));
            wet_r[n] = OUTPUT_GAIN * ((v[1] - v[3]) + (v[5] - v[7]));
            hadamard(&mut v);
            let fed = [fed_l[n], fed_r[n]].map(|x| INPUT_GAIN * x);
            for (i, (slot, x)) in slots.into_iter().zip(v).enumerate() {
                *slot = x + fed[i % 2];
            }
        });
        self.absorb_state = state;
    }
}

/// In-place fast Walsh-Hadamard transform of 8 values, scaled to be orthogonal.
#[inline(always)]
fn hadamard(v: &mut [f32; LINES]) {
    let mut h = 1;
    while h < LINES {
        for i in (0..LINES).step_by(2 * h) {
            for j in i..i + h {
                let (a, b) = (v[j], v[j + h]);
                v[j] = a + b;
                v[j + h] = a - b;
            }
        }
        h *= 2;
    }
    let scale = 1.0 / (LINES as f32).sqrt();
    for x in v.iter_mut() {
        *x *= scale;
    }
}
