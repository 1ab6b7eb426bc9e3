//! Four-operator FM (phase modulation) synthesizer, every voice a lane.
//!
//! Each operator is a sine at `ratio * freq + fixed` Hz with its own exponential ADSR
//! envelope ([`crate::dsp::envelope`]), output level and velocity sensitivity. An operator
//! that modulates another adds its output, in radians, to that operator's phase, so a
//! modulator's level is its peak modulation index. Operator 4 can modulate itself
//! (feedback, through the mean of its last two outputs as on Yamaha's chips). The routing
//! is one of the eight algorithms of Yamaha's four-operator synthesizers (DX21, DX27,
//! DX100, TX81Z; the YM2151 "connections"), numbered as there; `a > b` means a modulates b,
//! `+` mixes, and the operators on the right of the last `>` (or alone) are heard:
//!
//! | algorithm | routing                  | heard      |
//! |-----------|--------------------------|------------|
//! | 1         | 4 > 3 > 2 > 1            | 1          |
//! | 2         | (4 + 3) > 2 > 1          | 1          |
//! | 3         | (4 + (3 > 2)) > 1        | 1          |
//! | 4         | ((4 > 3) + 2) > 1        | 1          |
//! | 5         | (4 > 3) + (2 > 1)        | 3, 1       |
//! | 6         | 4 > (3, 2, 1)            | 3, 2, 1    |
//! | 7         | (4 > 3) + 2 + 1          | 3, 2, 1    |
//! | 8         | 4 + 3 + 2 + 1            | all four   |
//!
//! The inner loop runs all voices as lanes with polynomial sines and no branch, so it
//! vectorizes; envelopes render per lane a stretch at a time, cut at note starts and stops.

use crate::dsp::envelope::{Envelope, Rates, Times};
use crate::dsp::finite::reset_nonfinite;
use crate::dsp::sine::sin_cycles;
use crate::dsp::wavetable::{step_of, Phase};
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ParamView, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::gate::{Edge, Gates};
use super::params::{params, ParamDef};
use super::OUT;

/// Operators per voice.
const OPERATORS: usize = 4;
/// Radians to cycles.
const PER_RADIAN: f32 = 1.0 / std::f32::consts::TAU;
/// A phase in 32-bit fixed point to cycles (as a signed value, in [-1/2, 1/2)).
const PER_PHASE: f32 = 1.0 / 4_294_967_296.0;

/// A flag: off below 0.5, on above (never smoothed).
const fn switch(doc: &'static str) -> ParamDef {
    ParamDef { default: 0.0, min: 0.0, max: 1.0, unit: "", smooth: false, doc }
}
/// An envelope time, read once per block.
const fn time(default: f32, doc: &'static str) -> ParamDef {
    ParamDef { default, min: 0.0, max: 600.0, unit: "s", smooth: false, doc }
}

params! {
    /// Parameters of `fm`: the voice's, then each operator's.
    struct FmParams {
        freq: ParamDef {
            default: 440.0,
            min: -100_000.0,
            max: 100_000.0,
            unit: "Hz",
            smooth: true,
            doc: "Voice frequency; each operator runs at ratio x freq + fixed.",
        },
        gate: switch("Above 0.5 holds the note: a rise starts the envelopes, a fall releases them."),
        trigger: switch("A rise above 0.5 while the gate is on restarts the envelopes (a new note on a held voice)."),
        velocity: ParamDef {
            default: 1.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: false,
            doc: "Strike velocity; scales each operator's level by its velocity sensitivity.",
        },
        feedback: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 4.0,
            unit: "rad",
            smooth: true,
            doc: "Self-modulation of operator 4: its phase moves by feedback x (mean of its last two outputs) \
                  radians (about 1 makes a saw-like tone, beyond 1.5 noise).",
        },
        ops: [Operator; K in 1, 2, 3, 4] {
            ratio: ParamDef {
                default: 1.0,
                min: 0.0,
                max: 64.0,
                unit: "",
                smooth: true,
                doc: "Operator frequency as a multiple of the voice frequency (0 for a fixed frequency).",
            },
            fixed: ParamDef {
                default: 0.0,
                min: -20_000.0,
                max: 20_000.0,
                unit: "Hz",
                smooth: true,
                doc: "Frequency added to the operator's ratio x freq: a detune, or with ratio 0 a fixed frequency.",
            },
            level: ParamDef {
                // Operator 1 is heard in every algorithm: it sounds by default.
                default: if K == 1 { 1.0 } else { 0.0 },
                min: 0.0,
                max: 32.0,
                unit: "",
                smooth: true,
                doc: "Peak output: the amplitude of a heard operator, the modulation index (radians) of a modulator.",
            },
            vel: ParamDef {
                default: 1.0,
                min: 0.0,
                max: 1.0,
                unit: "",
                smooth: false,
                doc: "Velocity sensitivity: the level is scaled by 1 - vel + vel x velocity.",
            },
            attack: time(0.002, "Envelope attack: linear rise from 0 to full level."),
            decay: time(1.0, "Envelope decay: exponential fall towards sustain, 60 dB closer in this time."),
            sustain: ParamDef {
                default: 1.0,
                min: 0.0,
                max: 1.0,
                unit: "",
                smooth: false,
                doc: "Envelope level held while the gate is on.",
            },
            release: time(0.2, "Envelope release: exponential fall of 60 dB in this time after the gate closes."),
        },
    }
}

/// The views an `fm` node gets for one block.
type Views<'a> = FmParams<ParamView<'a>>;

/// `fm(freq, gate, trigger, velocity, feedback, {ratio,fixed,level,vel,attack,decay,sustain,release}1..4; algorithm)`.
pub static FM: NodeSpec = NodeSpec {
    kind: "fm",
    doc: "Four-operator FM synthesizer (phase modulation, Yamaha's eight 4-operator algorithms, \
          feedback on operator 4). Operators run at ratio x freq + fixed Hz with their own \
          exponential ADSR envelope, level and velocity sensitivity; modulator levels are \
          modulation indices in radians. Envelope times and velocity are read once per block, \
          everything else per frame. Phases restart at 0 when a note starts from silence.",
    inputs: &[],
    outputs: &[OUT],
    params: FmParams::SPECS,
    options: &[OptionSpec {
        name: "algorithm",
        default: OptDefault::Int { default: 1, min: 1, max: 8 },
        doc: "Operator routing, 1 (4 > 3 > 2 > 1) to 8 (all four heard); see the table in the docs.",
    }],
    input_rule: InputRule::Broadcast,
    build,
};

/// One algorithm: who modulates whom and who is heard.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Routing {
    /// `into[k]`: bit `j` set if operator `j + 1` modulates operator `k + 1` (always `j > k`).
    into: [u8; OPERATORS],
    /// Bit `k` set if operator `k + 1` is heard.
    heard: u8,
}

/// Yamaha's four-operator algorithms 1 to 8.
const ALGORITHMS: [Routing; 8] = [
    Routing { into: [0b0010, 0b0100, 0b1000, 0], heard: 0b0001 },
    Routing { into: [0b0010, 0b1100, 0, 0], heard: 0b0001 },
    Routing { into: [0b1010, 0b0100, 0, 0], heard: 0b0001 },
    Routing { into: [0b0110, 0, 0b1000, 0], heard: 0b0001 },
    Routing { into: [0b0010, 0, 0b1000, 0], heard: 0b0101 },
    Routing { into: [0b1000, 0b1000, 0b1000, 0], heard: 0b0111 },
    Routing { into: [0, 0, 0b1000, 0], heard: 0b0111 },
    Routing { into: [0, 0, 0, 0], heard: 0b1111 },
];

/// A routing as the factors of the inner loop: `m[k][j]` scales operator `j`'s output
/// (radians) into operator `k`'s phase (cycles); `heard[k]` is 1 for heard operators.
#[derive(Debug, Clone, Copy)]
struct Mix {
    m: [[f32; OPERATORS]; OPERATORS],
    heard: [f32; OPERATORS],
}

impl Mix {
    fn of(r: Routing) -> Self {
        let bit = |mask: u8, i: usize| if mask & (1 << i) != 0 { 1.0 } else { 0.0 };
        let mut m = [[0.0; OPERATORS]; OPERATORS];
        for (k, row) in m.iter_mut().enumerate() {
            for (j, x) in row.iter_mut().enumerate() {
                *x = bit(r.into[k], j) * PER_RADIAN;
            }
        }
        Mix { m, heard: std::array::from_fn(|k| bit(r.heard, k)) }
    }
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let algorithm = ctx.num("algorithm");
    if algorithm.fract() != 0.0 {
        return Err(ctx.invalid(format!("algorithm {algorithm} is not one of 1, 2, ..., 8")));
    }
    let lanes = ctx.lanes;
    let lane_array = || -> [Box<[Phase]>; OPERATORS] { std::array::from_fn(|_| vec![0; lanes].into()) };
    Built::lanes(
        Fm {
            lanes,
            samplerate: ctx.samplerate as f32,
            mix: Mix::of(ALGORITHMS[algorithm as usize - 1]),
            phase: lane_array(),
            inc: lane_array(),
            recent: [vec![0.0; lanes].into(), vec![0.0; lanes].into()],
            envelopes: vec![[Envelope::default(); OPERATORS]; lanes].into(),
            times: vec![[Times { sustain: f32::NAN, ..Times::default() }; OPERATORS]; lanes].into(),
            rates: vec![[Rates::default(); OPERATORS]; lanes].into(),
            gates: Gates::new(lanes, false),
            amp: std::array::from_fn(|_| vec![0.0; ctx.max_block * lanes].into()),
            held: vec![[false; OPERATORS]; lanes].into(),
            steady: [false; OPERATORS],
            gain: vec![0.0; lanes].into(),
            silent: false,
        },
        ctx,
    )
}

struct Fm {
    lanes: usize,
    samplerate: f32,
    mix: Mix,
    /// Phase of each operator, per lane.
    phase: [Box<[Phase]>; OPERATORS],
    /// Phase step per frame of each operator, per lane.
    inc: [Box<[Phase]>; OPERATORS],
    /// Operator 4's last and second-last outputs, per lane (for feedback).
    recent: [Box<[f32]>; 2],
    envelopes: Box<[[Envelope; OPERATORS]]>,
    /// Envelope settings each lane's rates were computed for.
    times: Box<[[Times; OPERATORS]]>,
    rates: Box<[[Rates; OPERATORS]]>,
    gates: Gates,
    /// Amplitude of each operator for each frame and lane of the block (frame-major); only
    /// the first frame when the operator is steady.
    amp: [Box<[f32]>; OPERATORS],
    /// Per lane and operator: whether the envelope holds still for the block (only the
    /// first frame of `amp` was written).
    held: Box<[[bool; OPERATORS]]>,
    /// Per operator: whether its amplitude is the same on every frame for every lane.
    steady: [bool; OPERATORS],
    /// Per-lane scratch: velocity gain of one operator.
    gain: Box<[f32]>,
    /// Whether the last block was silent (every envelope idle, output written as one frame).
    silent: bool,
}

impl Fm {
    /// Follows the envelope settings (read on the block's first frame).
    fn update_rates(&mut self, p: &Views) {
        let lanes = self.lanes;
        for (l, (times, rates)) in self.times.iter_mut().zip(self.rates.iter_mut()).enumerate() {
            for k in 0..OPERATORS {
                let t = Times {
                    attack: p.ops[k].attack.at(0, l, lanes),
                    decay: p.ops[k].decay.at(0, l, lanes),
                    sustain: p.ops[k].sustain.at(0, l, lanes),
                    release: p.ops[k].release.at(0, l, lanes),
                };
                if t != times[k] {
                    times[k] = t;
                    rates[k] = Rates::new(t, self.samplerate);
                }
            }
        }
    }

    /// Renders every envelope for the block into `amp`; returns whether all lanes are
    /// silent throughout (idle, and no note started). Envelopes that hold still (sustaining
    /// or idle, no note starting or stopping) write one frame; an operator whose every lane
    /// holds is steady, the others get their held lanes filled in.
    fn envelopes(&mut self, p: &Views, frames: usize) -> bool {
        let lanes = self.lanes;
        let mut silent = true;
        for l in 0..lanes {
            let envs = &mut self.envelopes[l];
            let held = &mut self.held[l];
            let (phase, recent, amp, rates) = (&mut self.phase, &mut self.recent, &mut self.amp, &self.rates[l]);
            silent &= envs.iter().all(Envelope::is_idle);
            self.gates.scan(l, lanes, frames, p.gate, p.trigger, |edge, from, to| {
                match edge {
                    Some(Edge::Start) => {
                        if envs.iter().all(Envelope::is_idle) {
                            phase.iter_mut().for_each(|ph| ph[l] = 0);
                            recent.iter_mut().for_each(|r| r[l] = 0.0);
                        }
                        envs.iter_mut().for_each(Envelope::start);
                        silent = false;
                    }
                    Some(Edge::Stop) => envs.iter_mut().for_each(Envelope::stop),
                    None => {}
                }
                let whole = edge.is_none() && to - from == frames;
                for (((env, rates), amp), held) in envs.iter_mut().zip(rates).zip(amp.iter_mut()).zip(held.iter_mut()) {
                    *held = whole && env.holds();
                    let count = if *held { 1 } else { to - from };
                    env.render(rates, &mut amp[from * lanes + l..], lanes, count);
                }
            });
        }
        for (k, amp) in self.amp.iter_mut().enumerate() {
            self.steady[k] = self.held.iter().all(|h| h[k]);
            if self.steady[k] {
                continue;
            }
            for l in (0..lanes).filter(|l| self.held[*l][k]) {
                for f in 1..frames {
                    amp[f * lanes + l] = amp[l];
                }
            }
        }
        silent
    }

    /// Scales each operator's envelope by its level and velocity gain (a steady operator
    /// stays steady unless its level moves).
    fn apply_levels(&mut self, p: &Views, frames: usize) {
        let lanes = self.lanes;
        let velocity = p.velocity;
        for (k, amp) in self.amp.iter_mut().enumerate() {
            let (level, sens) = (p.ops[k].level, p.ops[k].vel);
            for (l, g) in self.gain.iter_mut().enumerate() {
                let s = sens.at(0, l, lanes);
                *g = 1.0 - s + s * velocity.at(0, l, lanes);
            }
            if self.steady[k] && level.as_const().is_none() {
                let (first, rest) = amp[..frames * lanes].split_at_mut(lanes);
                rest.chunks_exact_mut(lanes).for_each(|row| row.copy_from_slice(first));
                self.steady[k] = false;
            }
            let rows = if self.steady[k] { 1 } else { frames };
            for (f, row) in amp.chunks_exact_mut(lanes).take(rows).enumerate() {
                for ((a, lv), g) in row.iter_mut().zip(level.frame(f, lanes)).zip(self.gain.iter()) {
                    *a *= lv * g;
                }
            }
        }
    }

    /// Computes the operators' phase steps for `frame`.
    fn retune(&mut self, p: &Views, frame: usize) {
        let lanes = self.lanes;
        let inv_sr = 1.0 / self.samplerate as f64;
        let freq = p.freq.frame(frame, lanes);
        for (k, inc) in self.inc.iter_mut().enumerate() {
            let (ratio, fixed) = (p.ops[k].ratio.frame(frame, lanes), p.ops[k].fixed.frame(frame, lanes));
            for (((i, f), r), x) in inc.iter_mut().zip(freq).zip(ratio).zip(fixed) {
                *i = step_of((r * f + x) as f64 * inv_sr);
            }
        }
    }
}

impl Node for Fm {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (lanes, frames) = (self.lanes, io.frames);
        let p = &FmParams::from(io.params);
        let out = &mut *io.outputs[0];
        self.update_rates(p);
        self.silent = self.envelopes(p, frames);
        if self.silent {
            out[..lanes].fill(0.0);
            return;
        }
        self.apply_levels(p, frames);
        let steady = p.freq.as_const().is_some()
            && p.ops.iter().all(|o| o.ratio.as_const().is_some() && o.fixed.as_const().is_some());
        let Mix { m, heard } = self.mix;
        let fb_scale = 0.5 * PER_RADIAN;
        for f in 0..frames {
            if f == 0 || !steady {
                self.retune(p, f);
            }
            let Fm { phase, inc, recent, amp, steady, .. } = self;
            let row = &mut out[f * lanes..(f + 1) * lanes];
            let feedback = p.feedback.frame(f, lanes);
            let [a1, a2, a3, a4]: [&[f32]; OPERATORS] = std::array::from_fn(|k| {
                let at = if steady[k] { 0 } else { f * lanes };
                &amp[k][at..at + lanes]
            });
            let [p1, p2, p3, p4] = phase.each_mut().map(|x| &mut x[..lanes]);
            let [i1, i2, i3, i4] = inc.each_ref().map(|x| &x[..lanes]);
            let [last, before] = recent.each_mut().map(|x| &mut x[..lanes]);
            for l in 0..lanes {
                let cycles = |ph: Phase| ph as i32 as f32 * PER_PHASE;
                let y4 = a4[l] * sin_cycles(cycles(p4[l]) + fb_scale * feedback[l] * (last[l] + before[l]));
                let y3 = a3[l] * sin_cycles(cycles(p3[l]) + m[2][3] * y4);
                let y2 = a2[l] * sin_cycles(cycles(p2[l]) + m[1][3] * y4 + m[1][2] * y3);
                let y1 = a1[l] * sin_cycles(cycles(p1[l]) + m[0][3] * y4 + m[0][2] * y3 + m[0][1] * y2);
                row[l] = heard[0] * y1 + heard[1] * y2 + heard[2] * y3 + heard[3] * y4;
                before[l] = last[l];
                last[l] = y4;
                p1[l] = p1[l].wrapping_add(i1[l]);
                p2[l] = p2[l].wrapping_add(i2[l]);
                p3[l] = p3[l].wrapping_add(i3[l]);
                p4[l] = p4[l].wrapping_add(i4[l]);
            }
        }
        // Operator 4's feedback is the node's only recursion.
        let [last, before] = &mut self.recent;
        if reset_nonfinite(last) | reset_nonfinite(before) {
            io.repairs.resets += 1;
        }
    }

    fn constant_outputs(&self) -> u32 {
        self.silent as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithms_only_modulate_downwards_and_always_have_a_carrier() {
        for r in ALGORITHMS {
            assert!(r.heard & 1 == 1, "operator 1 is always heard");
            for (k, into) in r.into.iter().enumerate() {
                assert_eq!(into & ((1 << (k + 1)) - 1), 0, "operator {} modulated from below", k + 1);
            }
        }
        let specs = FmParams::from(FM.params);
        assert_eq!(FM.params.len(), 5 + OPERATORS * 8);
        assert_eq!(specs.ops[3].release.name, "release4");
        assert_eq!((specs.ops[0].level.default, specs.ops[1].level.default), (1.0, 0.0));
    }
}
