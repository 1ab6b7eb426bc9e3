//! The node library and its registry.

mod adsr;
mod analyzers;
mod biquad;
mod build_cache;
mod clip;
mod delay;
mod effects;
mod fm;
mod gate;
mod math;
pub mod memory;
mod noise;
mod osc;
mod pan;
pub(crate) mod params;
mod pitchshift;
mod sampler;
mod svf;
mod transpose;
mod voices;
mod wavetable;

use crate::error::Error;
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, PortSpec};

pub(crate) const IN: PortSpec = PortSpec { name: "in", doc: "Signal to process." };
pub(crate) const OUT: PortSpec = PortSpec { name: "out", doc: "Output signal." };

/// `feedback(in; channels)`: closes a cycle with one block of delay. The compiler runs it
/// as a read at the start of the pass and a write once its input is ready.
pub static FEEDBACK: NodeSpec = NodeSpec {
    kind: crate::compile::Builtin::Feedback.kind(),
    doc: "One-block feedback: outputs its input delayed by exactly the engine's block size, \
          which is what lets a signal path loop back on itself.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[OptionSpec {
        name: "channels",
        default: OptDefault::Int { default: 1, min: 1, max: 1024 },
        doc: "Channels carried (fixed, since the loop's width cannot be inferred).",
    }],
    input_rule: InputRule::AsIs,
    build: |ctx| Err(Error::Invalid(format!("{}: feedback nodes are built by the compiler", ctx.name))),
};

/// `input(; channels, offset)`: device input channels as a signal (silence offline unless
/// the render is given input audio). Built by the compiler.
pub static INPUT: NodeSpec = NodeSpec {
    kind: crate::compile::Builtin::DeviceInput.kind(),
    doc: "Audio from the device input (or from the array given to an offline render): \
          `channels` channels starting at device channel `offset`; missing channels are silent.",
    inputs: &[],
    outputs: &[OUT],
    params: &[],
    options: &[
        OptionSpec {
            name: "channels",
            default: OptDefault::Int { default: 1, min: 1, max: 256 },
            doc: "Channels to take.",
        },
        OptionSpec {
            name: "offset",
            default: OptDefault::Int { default: 0, min: 0, max: 255 },
            doc: "First device channel (0-based).",
        },
    ],
    input_rule: InputRule::AsIs,
    build: |ctx| Err(Error::Invalid(format!("{}: input nodes are built by the compiler", ctx.name))),
};

/// `clock()`: the transport's position and tempo as signals, frame by frame (tempo-synced
/// delay times and modulation rates follow tempo maps and live tempo changes). Built by
/// the compiler.
pub static CLOCK: NodeSpec = NodeSpec {
    kind: crate::compile::Builtin::Clock.kind(),
    doc: "The transport as signals: its position in beats, its tempo, the length of a beat \
          and whether it plays. Without a transport: beat 0 at 120 BPM, stopped.",
    inputs: &[],
    outputs: &[
        PortSpec { name: "beat", doc: "Position in beats (holds while stopped; wraps with a loop)." },
        PortSpec { name: "bpm", doc: "Tempo in beats per minute." },
        PortSpec { name: "period", doc: "Length of a beat in seconds (60 / bpm)." },
        PortSpec { name: "playing", doc: "1 while the transport plays, else 0." },
    ],
    params: &[],
    options: &[],
    input_rule: InputRule::AsIs,
    build: |ctx| Err(Error::Invalid(format!("{}: clock nodes are built by the compiler", ctx.name))),
};

static ALL: &[&NodeSpec] = &[
    &osc::SINE,
    &osc::SAW,
    &osc::SQUARE,
    &osc::PULSE,
    &osc::TRIANGLE,
    &noise::NOISE,
    &math::CONST,
    &math::MULADD,
    &math::MUL,
    &math::MIXER,
    &math::SUM,
    &math::STACK,
    &pan::PAN,
    &biquad::BIQUAD,
    &svf::SVF,
    &adsr::ADSR,
    &delay::DELAY,
    &voices::VOICES,
    &fm::FM,
    &wavetable::WAVETABLE,
    &sampler::SAMPLER,
    &clip::CLIP,
    &pitchshift::PITCHSHIFT,
    &transpose::TRANSPOSE,
    &FEEDBACK,
    &INPUT,
    &CLOCK,
    &effects::fdn::REVERB,
    &effects::freeverb::FREEVERB,
    &effects::pingpong::PINGPONG,
    &effects::modulation::CHORUS,
    &effects::modulation::FLANGER,
    &effects::phaser::PHASER,
    &effects::dynamics::COMPRESSOR,
    &effects::dynamics::EXPANDER,
    &effects::limiter::LIMITER,
    &effects::distortion::DISTORTION,
    &effects::bitcrusher::BITCRUSHER,
    &effects::eq::EQ,
    &effects::utility::GAIN,
    &effects::utility::DCBLOCK,
    &effects::stereo::MIDSIDE,
    &effects::stereo::WIDTH,
    &effects::meter::METER,
    &effects::probe::PROBE,
    &analyzers::STFT,
    &analyzers::MEL,
    &analyzers::MFCC,
    &analyzers::CHROMA,
    &analyzers::SPECTRAL,
    &analyzers::RMS,
    &analyzers::LOUDNESS,
    &analyzers::ONSETS,
    &analyzers::PITCH,
    &analyzers::NOTES,
    &analyzers::BEATS,
    &analyzers::SAMPLES,
    &crate::kernel::KERNEL,
];

/// Every node kind.
pub fn all() -> &'static [&'static NodeSpec] {
    ALL
}

/// The node kind called `kind`.
pub fn spec(kind: &str) -> Option<&'static NodeSpec> {
    ALL.iter().copied().find(|s| s.kind == kind)
}
