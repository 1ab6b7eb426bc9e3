//! DSP building blocks shared by several nodes (no engine types here).

pub mod biquad;
pub mod delay_line;
pub mod fastmath;
pub mod fixed_delay;
pub mod lfo;
pub mod oversample;
pub mod rng;
pub mod smoother;
pub mod tone;
pub mod wavetable;
