//! Feedback delay network reverb (Jot and Chaigne 1991): eight delay lines of mutually prime
//! lengths mixed through a Hadamard matrix, each line followed by an absorption filter that
//! sets its decay exactly.
//!
//! A line of `d` frames loses `20 log10 g` dB per pass, so the gain that makes the whole
//! network decay by 60 dB in `RT60` seconds is `g = 10^(-3 d / (RT60 sr))` ([`rt60_gain`]);
//! the Hadamard matrix is orthogonal, so it neither adds nor removes energy. Damping makes
//! each absorption filter a one-pole lowpass with that gain at DC and the gain of a shorter
//! RT60 at Nyquist. Before the network, a pre-delay and four all-pass diffusers per channel
//! thicken the onset; after it, the left and right outputs are taken from different lines,
//! then width (mid/side) and the dry/wet mix apply.

use crate::dsp::delay_line::DelayLine;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, ParamSpec};

use super::super::{IN, OUT};
use super::{mono_or_stereo, stereo_frame};

pub(crate) const DECAY: ParamSpec = ParamSpec {
    name: "decay",
    default: 1.5,
    min: 0.05,
    max: 100.0,
    unit: "s",
    smooth: true,
    doc: "Decay time RT60: time for the tail to fall by 60 dB (at low frequencies).",
};
pub(crate) const DAMPING: ParamSpec = ParamSpec {
    name: "damping",
    default: 0.5,
    min: 0.0,
    max: 1.0,
    unit: "",
    smooth: true,
    doc: "How much faster high frequencies die away (0 none, 1 most).",
};
pub(crate) const PREDELAY: ParamSpec = ParamSpec {
    name: "predelay",
    default: 0.0,
    min: 0.0,
    max: 1.0,
    unit: "s",
    smooth: true,
    doc: "Delay before the reverberation starts.",
};
pub(crate) const WIDTH: ParamSpec = ParamSpec {
    name: "width",
    default: 1.0,
    min: 0.0,
    max: 1.0,
    unit: "",
    smooth: true,
    doc: "Stereo width of the reverberation (0 mono, 1 full).",
};
pub(crate) const MIX: ParamSpec = super::mix(0.3);

/// Feedback gain that makes a loop of `frames` frames decay by 60 dB in `rt60` seconds.
#[inline]
pub(crate) fn rt60_gain(frames: usize, rt60: f32, samplerate: f32) -> f32 {
    10f32.powf(-3.0 * frames as f32 / (rt60.max(1e-3) * samplerate))
}

/// Lines in the network.
const LINES: usize = 8;
/// Nominal line lengths in milliseconds at size 1 (rounded to distinct primes in frames).
const LINE_MS: [f64; LINES] = [31.7, 37.9, 41.3, 47.1, 53.9, 59.3, 67.3, 73.9];
/// Input diffuser lengths (ms) and coefficients, after Dattorro's plate; the right
/// channel's are 7 % longer.
const DIFFUSER_MS: [f64; 4] = [4.77, 3.60, 12.73, 9.31];
const DIFFUSION: [f32; 4] = [0.75, 0.75, 0.625, 0.625];
/// Fraction of the decay time left at Nyquist at full damping.
const DAMPED_RATIO: f32 = 0.1;
/// Gain from the input into each line, and from the lines to each output (about unity RMS
/// gain for noise at a 2 s decay).
const INPUT_GAIN: f32 = 0.5;
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
    let channels = mono_or_stereo(ctx, 0)?;
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
    let diffusers: Vec<usize> = DIFFUSER_MS
        .iter()
        .flat_map(|ms| [(ms * sr / 1000.0).round() as usize, (1.07 * ms * sr / 1000.0).round() as usize])
        .collect();
    let node = Fdn {
        channels,
        lanes: ctx.lanes,
        samplerate: sr as f32,
        predelay: DelayLine::new(2, (PREDELAY.max as f64 * sr).ceil() as usize),
        diffuser_line: DelayLine::new(diffusers.len(), *diffusers.iter().max().expect("diffusers")),
        diffusers: diffusers.into(),
        lines: DelayLine::new(LINES, *lengths.iter().max().expect("lines")),
        lengths,
        absorb: [(0.0, 0.0); LINES],
        absorb_state: [0.0; LINES],
        designed: (f32::NAN, f32::NAN),
    };
    Ok(Built { node: Box::new(node), output_channels: vec![2] })
}

struct Fdn {
    channels: usize,
    lanes: usize,
    samplerate: f32,
    /// Pre-delay of left and right.
    predelay: DelayLine,
    /// Diffuser lengths: stage k left is lane 2k, right 2k + 1.
    diffusers: Box<[usize]>,
    diffuser_line: DelayLine,
    lines: DelayLine,
    lengths: [usize; LINES],
    /// Absorption filter of each line: (input gain, pole), y = k x + b y[-1].
    absorb: [(f32, f32); LINES],
    absorb_state: [f32; LINES],
    /// (decay, damping) the absorption was designed for.
    designed: (f32, f32),
}

impl Fdn {
    fn design(&mut self, decay: f32, damping: f32) {
        self.designed = (decay, damping);
        let nyquist_rt60 = decay * (1.0 - (1.0 - DAMPED_RATIO) * damping.clamp(0.0, 1.0));
        for (filter, len) in self.absorb.iter_mut().zip(self.lengths) {
            let dc = rt60_gain(len, decay, self.samplerate);
            let top = rt60_gain(len, nyquist_rt60, self.samplerate);
            // A one-pole k / (1 - b z^-1) with gain dc at 0 Hz and top at Nyquist.
            let pole = (dc - top) / (dc + top);
            *filter = (dc * (1.0 - pole), pole);
        }
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

impl Node for Fdn {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let at = |i: usize, f: usize| io.params[i].at(f, 0, lanes);
        for (f, o) in io.outputs[0].chunks_exact_mut(2).enumerate() {
            let (decay, damping, predelay, width, mix) = (at(0, f), at(1, f), at(2, f), at(3, f), at(4, f));
            if (decay, damping) != self.designed {
                self.design(decay, damping);
            }
            let (l, r) = stereo_frame(io.inputs[0], self.channels, f);
            let delay = predelay * self.samplerate;
            let mut fed = [l, r];
            if delay >= 1.0 {
                fed = [self.predelay.read(0, delay), self.predelay.read(1, delay)];
            }
            self.predelay.write(0, l);
            self.predelay.write(1, r);
            self.predelay.advance();

            for (k, (len, g)) in self.diffusers.iter().zip(DIFFUSION.iter().flat_map(|g| [g, g])).enumerate() {
                let x = &mut fed[k % 2];
                let buffered = self.diffuser_line.tap(k, *len);
                let v = *x - g * buffered;
                self.diffuser_line.write(k, v);
                *x = buffered + g * v;
            }
            self.diffuser_line.advance();

            let mut v = [0.0f32; LINES];
            for (i, ((x, (k, b)), s)) in
                v.iter_mut().zip(self.absorb.iter()).zip(self.absorb_state.iter_mut()).enumerate()
            {
                *s = k * self.lines.tap(i, self.lengths[i]) + b * *s;
                *x = *s;
            }
            // Left from the even lines, right from the odd ones, with alternating signs.
            let wet_l = OUTPUT_GAIN * (v[0] - v[2] + v[4] - v[6]);
            let wet_r = OUTPUT_GAIN * (v[1] - v[3] + v[5] - v[7]);
            hadamard(&mut v);
            for (i, x) in v.iter().enumerate() {
                self.lines.write(i, x + INPUT_GAIN * fed[i % 2]);
            }
            self.lines.advance();

            let (mid, side) = (0.5 * (wet_l + wet_r), 0.5 * width * (wet_l - wet_r));
            o[0] = l + mix * (mid + side - l);
            o[1] = r + mix * (mid - side - r);
        }
    }
}
