//! DSP building blocks shared by several nodes (no engine types here).

pub mod delay_line;
pub mod envelope;
pub mod rng;
pub mod sinc;
pub mod sine;
pub mod sums;
pub mod wavetable;
