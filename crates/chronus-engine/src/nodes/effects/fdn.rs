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
//!
//! With `modulation`, each line is read through a slowly moving tap (a sine of its own
//! rate between 0.3 and 0.9 Hz, up to 0.25 ms deep, Hermite-interpolated), as the
//! modulated reverbs of studio units do: the network's resonances keep shifting, so long
//! tails lose their metallic ring. The absorption gains use each line's mean length, so
//! the decay time still holds.

use crate::dsp::fixed_delay::{lockstep, FixedDelay};
use crate::error::Result;
use crate::node::{BuildCtx, Built};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::super::{IN, OUT};
use super::reverb::{self, rt60_gain, ReverbParams, Tank};

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
/// Deepest tap movement, in seconds either way (at `modulation` 1).
const MAX_EXCURSION: f64 = 0.000_25;
/// Rates of the line modulations in Hz: spread out, none a multiple of another.
const MOD_HZ: [f64; LINES] = [0.31, 0.37, 0.43, 0.53, 0.61, 0.71, 0.79, 0.89];

/// `reverb(in, decay, damping, predelay, width, mix; size)`.
pub static REVERB: NodeSpec = NodeSpec {
    kind: "reverb",
    doc: "Feedback-delay-network reverb: 8 lines, Hadamard feedback matrix, per-line absorption \
          set from the decay time (RT60) and damping, pre-delay, input diffusion, stereo width \
          and mix. Mono or stereo in, stereo out. Parameters use their first lane.",
    inputs: &[IN],
    outputs: &[OUT],
    params: ReverbParams::SPECS,
    options: &[
        OptionSpec {
            name: "size",
            default: OptDefault::Num { default: 1.0, min: 0.25, max: 4.0 },
            doc: "Scale of the line lengths (room size; 1 is 32 to 74 ms).",
        },
        OptionSpec {
            name: "modulation",
            default: OptDefault::Num { default: 0.0, min: 0.0, max: 1.0 },
            doc: "Depth of the slow modulation of the lines (0 off, 1 is 0.25 ms either way): \
                  smooths the ring of long tails.",
        },
    ],
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
    let depth = (ctx.num("modulation") * MAX_EXCURSION * sr) as f32;
    let mut tank = Fdn {
        samplerate: sr as f32,
        diffusers,
        lines: lengths.map(FixedDelay::new),
        absorb: [(0.0, 0.0); LINES],
        absorb_state: [0.0; LINES],
        wobble: None,
    };
    if depth > 0.0 {
        tank.wobble = Some(Wobble::new(depth, sr, tank.chunk()));
    }
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
    /// Moving taps, when modulated.
    wobble: Option<Wobble>,
}

/// The line modulation: a sine per line from a rotating phasor, scaled to a tap offset.
struct Wobble {
    /// Half the tap's travel in frames: a line is read `1 + depth * (1 + sin)` frames short
    /// (the one frame leaves the interpolator a point on either side).
    depth: f32,
    /// Each line's phasor (cos, sin).
    phasor: [(f32, f32); LINES],
    /// Each line's rotation per frame (cos, sin of its angular step).
    step: [(f32, f32); LINES],
    /// What each line puts out, frame by frame over a chunk (read before any is written).
    outs: Box<[[f32; LINES]]>,
}

impl Wobble {
    fn new(depth: f32, samplerate: f64, chunk: usize) -> Self {
        let unit = |w: f64| (w.cos() as f32, w.sin() as f32);
        // Phases spread evenly, so the lines never all shorten at once.
        let phasor = std::array::from_fn(|i| unit(std::f64::consts::TAU * i as f64 / LINES as f64));
        let step = MOD_HZ.map(|hz| unit(std::f64::consts::TAU * hz / samplerate));
        Wobble { depth, phasor, step, outs: vec![[0.0; LINES]; chunk].into() }
    }

    /// Reads what every line puts out over the next `m` frames into `outs`, each through
    /// its moving tap, and moves the phasors on (back onto the unit circle, from which
    /// rounding drifts them slowly).
    fn read(&mut self, lines: &[FixedDelay; LINES], m: usize) {
        for (i, (line, ((c, s), (sc, ss)))) in lines.iter().zip(self.phasor.iter_mut().zip(self.step)).enumerate() {
            let (mut c0, mut s0) = (*c, *s);
            for (n, out) in self.outs[..m].iter_mut().enumerate() {
                // Frame n's sample `1 + depth (1 + sin)` frames younger than the line's length.
                out[i] = line.tap(n as f32 + 1.0 + self.depth * (1.0 + s0));
                (c0, s0) = (c0 * sc - s0 * ss, c0 * ss + s0 * sc);
            }
            let k = 1.5 - 0.5 * (c0 * c0 + s0 * s0);
            (*c, *s) = (c0 * k, s0 * k);
        }
    }
}

impl Tank for Fdn {
    /// The shortest line or diffuser: a chunk's reads then all come before its writes.
    fn chunk(&self) -> usize {
        self.diffusers.iter().flatten().chain(&self.lines).map(FixedDelay::len).min().expect("lines")
    }

    fn design(&mut self, decay: f32, damping: f32) {
        let nyquist_rt60 = decay * (1.0 - (1.0 - DAMPED_RATIO) * damping.clamp(0.0, 1.0));
        // A modulated line is `1 + depth` frames short on average.
        let short = self.wobble.as_ref().map_or(0.0, |w| 1.0 + w.depth);
        for (filter, line) in self.absorb.iter_mut().zip(&self.lines) {
            let mean = line.len() as f32 - short;
            let dc = rt60_gain(mean, decay, self.samplerate);
            let top = rt60_gain(mean, nyquist_rt60, self.samplerate);
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
        // One frame of the network, given what each line puts out; returns what goes in.
        let mut frame = |n: usize, outs: [f32; LINES]| -> [f32; LINES] {
            let mut v = [0.0f32; LINES];
            for (((x, y), (k, b)), s) in v.iter_mut().zip(outs).zip(&absorb).zip(state.iter_mut()) {
                *s = k * y + b * *s;
                *x = *s;
            }
            // Left from the even lines, right from the odd ones, with alternating signs.
            wet_l[n] = OUTPUT_GAIN * ((v[0] - v[2]) + (v[4] - v[6]));
            wet_r[n] = OUTPUT_GAIN * ((v[1] - v[3]) + (v[5] - v[7]));
            hadamard(&mut v);
            let fed = [fed_l[n], fed_r[n]].map(|x| INPUT_GAIN * x);
            std::array::from_fn(|i| v[i] + fed[i % 2])
        };
        match &mut self.wobble {
            None => lockstep(&mut self.lines, m, |n, slots| {
                let ins = frame(n, slots.each_ref().map(|s| **s));
                for (slot, x) in slots.into_iter().zip(ins) {
                    *slot = x;
                }
            }),
            Some(wobble) => {
                // Every tap of the chunk reads a slot no frame before it in the chunk
                // writes (taps reach at least a frame ahead), so the reads can come first.
                wobble.read(&self.lines, m);
                let outs = &wobble.outs;
                lockstep(&mut self.lines, m, |n, slots| {
                    for (slot, x) in slots.into_iter().zip(frame(n, outs[n])) {
                        *slot = x;
                    }
                });
            }
        }
        self.absorb_state = state;
    }

    fn clear(&mut self) {
        self.diffusers.iter_mut().flatten().chain(&mut self.lines).for_each(FixedDelay::clear);
        self.absorb_state = [0.0; LINES];
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
