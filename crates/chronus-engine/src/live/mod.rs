//! The live engine: a graph playing on an audio device (or a headless backend) while the
//! control thread changes it through lock-free queues.
//!
//! - [`AudioSide`] lives on the audio thread: it drains commands, runs the
//!   [`crate::Processor`], feeds the capture tap and publishes a [`Snapshot`];
//! - [`Engine`] lives on the control thread: it compiles graphs, sends commands, drops
//!   what the audio thread hands back, and reads snapshots.

mod audio;
pub mod capture;
mod command;
mod engine;
pub mod os_midi;
pub mod stats;

pub use audio::{AudioSide, Halt, COMMANDS_PER_CALLBACK};
pub use capture::Source;
pub use command::{Command, Returned};
pub use engine::{check_mapping, Engine, EngineConfig};
pub use stats::Snapshot;
