//! Waveshaping distortion with optional oversampling ([`crate::dsp::oversample`]).
//!
//! The drive gain is applied at the base rate (a gain commutes with resampling); only the
//! memoryless curve runs at the high rate, where the harmonics it makes above the base
//! Nyquist frequency are removed before they can fold back as aliases. The dry path is
//! delayed by the oversampler's latency so that `mix` blends in phase.

use crate::dsp::fastmath;
use crate::dsp::finite::all_finite;
use crate::dsp::fixed_delay::FixedDelay;
use crate::dsp::oversample::{Oversampler, MAX_FACTOR};
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::super::params::{params, ParamDef};
use super::super::{IN, OUT};
use super::{db_to_gain, mix};

/// `distortion(in, drive, mix; shape, oversample)`.
pub static DISTORTION: NodeSpec = NodeSpec {
    kind: "distortion",
    doc: "Waveshaper y = shape(drive x) per lane. Shapes: tanh; soft (cubic, 1.5 x - 0.5 x^3, \
          flat beyond +-1); hard (clip at +-1); fold (foldback: reflects at +-1). Oversampling \
          by 2, 4 or 8 keeps aliasing down and adds its filters' delay as latency.",
    inputs: &[IN],
    outputs: &[OUT],
    params: DistortionParams::SPECS,
    options: &[
        OptionSpec { name: "shape", default: OptDefault::Choice(&["tanh", "soft", "hard", "fold"]), doc: "Curve." },
        OptionSpec {
            name: "oversample",
            default: OptDefault::Int { default: 1, min: 1, max: MAX_FACTOR as i64 },
            doc: "Oversampling factor: 1 (none), 2, 4 or 8.",
        },
    ],
    input_rule: InputRule::Broadcast,
    build,
};

params! {
    /// Parameters of `distortion`.
    struct DistortionParams {
        drive: ParamDef {
            default: 12.0,
            min: -48.0,
            max: 72.0,
            unit: "dB",
            smooth: true,
            doc: "Gain before the curve.",
        },
        mix: mix(1.0),
    }
}

/// A memoryless curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Tanh,
    Soft,
    Hard,
    Fold,
}

impl Shape {
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        match self {
            Shape::Tanh => fastmath::tanh(x),
            Shape::Soft => {
                let x = x.clamp(-1.0, 1.0);
                1.5 * x - 0.5 * x * x * x
            }
            Shape::Hard => x.clamp(-1.0, 1.0),
            Shape::Fold => ((x - 1.0).rem_euclid(4.0) - 2.0).abs() - 1.0,
        }
    }
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let factor = ctx.num("oversample");
    if ![1.0, 2.0, 4.0, 8.0].contains(&factor) {
        return Err(ctx.invalid(format!("option 'oversample' = {factor} must be 1, 2, 4 or 8")));
    }
    let shape = match ctx.text("shape") {
        "tanh" => Shape::Tanh,
        "soft" => Shape::Soft,
        "hard" => Shape::Hard,
        _ => Shape::Fold,
    };
    let lanes = ctx.lanes;
    let oversampler = Oversampler::new(factor as usize, lanes, ctx.max_block);
    let latency = oversampler.latency();
    Built::lanes(
        Distortion {
            lanes,
            shape,
            oversampler,
            dry: (0..lanes).map(|_| FixedDelay::new(latency)).collect(),
            wet: vec![0.0; ctx.max_block].into(),
        },
        ctx,
    )
}

struct Distortion {
    lanes: usize,
    shape: Shape,
    oversampler: Oversampler,
    /// Each lane's input, delayed to line up with the oversampled path.
    dry: Box<[FixedDelay]>,
    /// One lane's block.
    wet: Box<[f32]>,
}

impl Node for Distortion {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (lanes, frames) = (self.lanes, io.frames);
        let DistortionParams { drive, mix } = DistortionParams::from(io.params);
        let shape = self.shape;
        let input = io.inputs[0];
        let out = &mut *io.outputs[0];
        for l in 0..lanes {
            let wet = &mut self.wet[..frames];
            for (f, w) in wet.iter_mut().enumerate() {
                *w = input[f * lanes + l] * db_to_gain(drive.at(f, l, lanes));
            }
            self.oversampler.process(l, wet, |block| {
                for v in block {
                    *v = shape.apply(*v);
                }
            });
            for (f, w) in wet.iter().enumerate() {
                out[f * lanes + l] = *w;
            }
        }
        for (f, (row, x)) in out.chunks_exact_mut(lanes).zip(input.chunks_exact(lanes)).enumerate() {
            let m = mix.frame(f, lanes);
            for (((o, x), m), dry) in row.iter_mut().zip(x).zip(m).zip(self.dry.iter_mut()) {
                let dry = dry.swap(*x);
                *o = dry + m * (*o - dry);
            }
        }
        // Non-finite input lingers in the oversampling filters and the dry delay for up to
        // their length: clear them so it ends with this block.
        if !all_finite(input) {
            for l in 0..lanes {
                self.oversampler.clear(l);
                self.dry[l].clear();
            }
            io.repairs.resets += 1;
        }
    }

    fn latency(&self) -> usize {
        self.oversampler.latency()
    }
}
