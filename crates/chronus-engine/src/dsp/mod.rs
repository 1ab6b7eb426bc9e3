//! DSP building blocks shared by several nodes (no engine types here).

pub mod delay_line;
pub mod fastmath;
pub mod rng;
pub mod wavetable;
