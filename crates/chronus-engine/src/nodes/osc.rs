//! Oscillators: sine, and band-limited saw, square, pulse and triangle read from mip-mapped
//! wavetables ([`crate::dsp::wavetable`]), one lane per voice.

use crate::dsp::wavetable::{self, phase_of, read, step_of, Cycle, MipTable, Phase};
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ParamView, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::params::{params, ParamDef};
use super::OUT;

/// Frequency of every oscillator.
const FREQ: ParamDef = ParamDef {
    default: 440.0,
    min: -100_000.0,
    max: 100_000.0,
    unit: "Hz",
    smooth: true,
    doc: "Frequency; negative values run the cycle backwards (through-zero FM).",
};

params! {
    /// Parameters of `sine`, `saw`, `square` and `triangle`.
    struct OscParams {
        freq: FREQ,
    }
}

params! {
    /// Parameters of `pulse`.
    struct PulseParams {
        freq: FREQ,
        width: ParamDef {
            default: 0.5,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "Fraction of the cycle spent high (0.5 is a square).",
        },
    }
}

const PHASE: OptionSpec = OptionSpec {
    name: "phase",
    default: OptDefault::Num { default: 0.0, min: 0.0, max: 1.0 },
    doc: "Starting phase in cycles.",
};

/// `sine(freq)`.
pub static SINE: NodeSpec = NodeSpec {
    kind: "sine",
    doc: "Sine oscillator, sin(2 pi phase), from a 4096-point table (error under -120 dB).",
    inputs: &[],
    outputs: &[OUT],
    params: OscParams::SPECS,
    options: &[PHASE],
    input_rule: InputRule::Broadcast,
    build: |ctx| build(ctx, wavetable::sine(), false),
};

/// `saw(freq)`.
pub static SAW: NodeSpec = NodeSpec {
    kind: "saw",
    doc: "Band-limited rising sawtooth from -1 to 1 (mip-mapped wavetable, no aliasing).",
    inputs: &[],
    outputs: &[OUT],
    params: OscParams::SPECS,
    options: &[PHASE],
    input_rule: InputRule::Broadcast,
    build: |ctx| build(ctx, wavetable::saw(), false),
};

/// `square(freq)`.
pub static SQUARE: NodeSpec = NodeSpec {
    kind: "square",
    doc: "Band-limited square, +1 on the first half of the cycle and -1 on the second.",
    inputs: &[],
    outputs: &[OUT],
    params: OscParams::SPECS,
    options: &[PHASE],
    input_rule: InputRule::Broadcast,
    build: |ctx| build(ctx, wavetable::square(), false),
};

/// `pulse(freq, width)`.
pub static PULSE: NodeSpec = NodeSpec {
    kind: "pulse",
    doc: "Band-limited pulse, +1 for `width` of the cycle and -1 for the rest (difference of two \
          band-limited saws, so width can be modulated freely).",
    inputs: &[],
    outputs: &[OUT],
    params: PulseParams::SPECS,
    options: &[PHASE],
    input_rule: InputRule::Broadcast,
    build: |ctx| build(ctx, wavetable::saw(), true),
};

/// `triangle(freq)`.
pub static TRIANGLE: NodeSpec = NodeSpec {
    kind: "triangle",
    doc: "Band-limited triangle rising from 0 at phase 0 to 1 at phase 1/4.",
    inputs: &[],
    outputs: &[OUT],
    params: OscParams::SPECS,
    options: &[PHASE],
    input_rule: InputRule::Broadcast,
    build: |ctx| build(ctx, wavetable::triangle(), false),
};

fn build(ctx: &BuildCtx, table: &'static MipTable, pulse: bool) -> Result<Built> {
    let lanes = ctx.lanes;
    Built::lanes(
        Osc {
            table,
            pulse,
            lanes,
            inv_sr: 1.0 / ctx.samplerate,
            phase: vec![phase_of(ctx.num("phase")); lanes].into(),
            inc: vec![0; lanes].into(),
            cycles: vec![table.cycle(0); lanes].into(),
            tuned: vec![f32::NAN; lanes].into(),
        },
        ctx,
    )
}

struct Osc {
    table: &'static MipTable,
    pulse: bool,
    lanes: usize,
    inv_sr: f64,
    /// Phase of each lane.
    phase: Box<[Phase]>,
    /// Phase step of each lane per frame.
    inc: Box<[Phase]>,
    /// Mip level each lane reads.
    cycles: Box<[&'static Cycle]>,
    /// Frequency each lane's step and level were computed for, in Hz.
    tuned: Box<[f32]>,
}

impl Osc {
    /// Follows new frequencies; lanes whose frequency did not change keep their step.
    #[inline(always)]
    fn retune(&mut self, freqs: &[f32]) {
        for (((inc, cycle), tuned), f) in
            self.inc.iter_mut().zip(self.cycles.iter_mut()).zip(self.tuned.iter_mut()).zip(freqs)
        {
            if f.to_bits() == tuned.to_bits() {
                continue;
            }
            *tuned = *f;
            let cycles_per_frame = *f as f64 * self.inv_sr;
            *inc = step_of(cycles_per_frame);
            *cycle = self.table.cycle(self.table.level(cycles_per_frame as f32));
        }
    }

    fn single(&mut self, freq: ParamView, out: &mut [f32]) {
        let lanes = self.lanes;
        let steady = freq.as_const();
        if let Some(f) = steady {
            self.retune(f);
        }
        for (frame, row) in out.chunks_exact_mut(lanes).enumerate() {
            if steady.is_none() {
                self.retune(freq.frame(frame, lanes));
            }
            for (((o, p), inc), cycle) in
                row.iter_mut().zip(self.phase.iter_mut()).zip(self.inc.iter()).zip(self.cycles.iter())
            {
                *o = read(cycle, *p);
                *p = p.wrapping_add(*inc);
            }
        }
    }

    fn pulse(&mut self, freq: ParamView, width: ParamView, out: &mut [f32]) {
        let lanes = self.lanes;
        let steady = freq.as_const();
        if let Some(f) = steady {
            self.retune(f);
        }
        for (frame, row) in out.chunks_exact_mut(lanes).enumerate() {
            if steady.is_none() {
                self.retune(freq.frame(frame, lanes));
            }
            let widths = width.frame(frame, lanes);
            for ((((o, p), inc), cycle), w) in
                row.iter_mut().zip(self.phase.iter_mut()).zip(self.inc.iter()).zip(self.cycles.iter()).zip(widths)
            {
                let w = w.clamp(0.0, 1.0);
                let offset = (w * 4_294_967_296.0f32) as u64 as u32;
                *o = read(cycle, p.wrapping_sub(offset)) - read(cycle, *p) + (2.0 * w - 1.0);
                *p = p.wrapping_add(*inc);
            }
        }
    }
}

impl Node for Osc {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        if self.pulse {
            let p = PulseParams::from(io.params);
            self.pulse(p.freq, p.width, io.outputs[0]);
        } else {
            self.single(OscParams::from(io.params).freq, io.outputs[0]);
        }
    }
}
