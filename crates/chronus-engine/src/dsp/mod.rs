//! DSP building blocks shared by several nodes (no engine types here).

pub mod biquad;
pub mod delay_line;
pub mod envelope;
pub mod fastmath;
pub mod finite;
pub mod fixed_delay;
pub mod lfo;
pub mod oversample;
pub mod rng;
pub mod sinc;
pub mod sine;
pub mod smoother;
pub mod stretch;
pub mod sums;
pub mod tone;
pub mod wavetable;
