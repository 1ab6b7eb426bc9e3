//! Effects: reverbs, modulation, dynamics, distortion, equalization and stereo utilities.
//!
//! Channel-wise effects (EQ, distortion, chorus, ...) run one lane per channel. Inherently
//! stereo effects (reverbs, ping-pong, width, mid/side) take mono or stereo input as it is
//! and output stereo. Dynamics link their channels: one gain, from the loudest channel.

pub(crate) mod bitcrusher;
pub(crate) mod distortion;
pub(crate) mod dynamics;
pub(crate) mod eq;
pub(crate) mod fdn;
pub(crate) mod freeverb;
pub(crate) mod limiter;
pub(crate) mod meter;
pub(crate) mod modulation;
pub(crate) mod phaser;
pub(crate) mod pingpong;
pub(crate) mod probe;
pub(crate) mod reverb;
pub(crate) mod stereo;
pub(crate) mod utility;

use crate::dsp::fastmath;
use crate::error::Result;
use crate::node::BuildCtx;
use crate::spec::PortSpec;

use super::params::ParamDef;

/// The gain-reduction output of dynamics processors.
pub(crate) const REDUCTION: PortSpec =
    PortSpec { name: "reduction", doc: "Gain reduction applied, in dB (0 or more; one channel)." };

/// A dry/wet crossfade parameter with the given default.
pub(crate) const fn mix(default: f32) -> ParamDef {
    ParamDef { default, min: 0.0, max: 1.0, unit: "", smooth: true, doc: "0 is dry only, 1 is wet only." }
}

/// log2(10) / 20: decibels to base-2 exponent.
const DB_TO_LOG2: f32 = std::f32::consts::LOG2_10 / 20.0;

/// Converts decibels to a linear gain.
#[inline(always)]
pub(crate) fn db_to_gain(db: f32) -> f32 {
    fastmath::exp2(db * DB_TO_LOG2)
}

/// Converts a linear magnitude to decibels (-200 dB for silence and below).
#[inline(always)]
pub(crate) fn gain_to_db(gain: f32) -> f32 {
    fastmath::log2(fastmath::max(gain, 1e-10)) / DB_TO_LOG2
}

/// Converts a power (mean square) to decibels (-200 dB for silence and below).
#[inline(always)]
pub(crate) fn power_to_db(power: f32) -> f32 {
    0.5 * fastmath::log2(fastmath::max(power, 1e-20)) / DB_TO_LOG2
}

/// Channels of input `port`, checked to be mono or stereo.
pub(crate) fn mono_or_stereo(ctx: &BuildCtx, port: usize) -> Result<usize> {
    match ctx.input_channels[port] {
        c @ (1 | 2) => Ok(c),
        c => Err(ctx.invalid(format!(
            "input '{}' carries {c} channels; this effect takes mono or stereo",
            ctx.spec.inputs[port].name
        ))),
    }
}

/// The (left, right) pair of frame `f` of a mono or stereo interleaved buffer.
#[inline(always)]
pub(crate) fn stereo_frame(input: &[f32], channels: usize, f: usize) -> (f32, f32) {
    if channels == 1 {
        (input[f], input[f])
    } else {
        (input[2 * f], input[2 * f + 1])
    }
}
