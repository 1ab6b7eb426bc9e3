//! Chronus engine: a real-time audio graph engine with no Python in it.
//!
//! - [`graph::Graph`] describes a patch (control thread);
//! - [`compile::compile`] turns it into a [`schedule::Schedule`] with every buffer
//!   preallocated;
//! - [`processor::Processor`] runs a schedule against the sample clock, applying
//!   timestamped [`event::Event`]s on their exact frame, for live devices and for
//!   [`offline::render`] alike.

#![warn(missing_docs)]

pub mod analysis;
pub mod backend;
pub mod compile;
pub mod dsp;
pub mod error;
pub mod event;
pub mod graph;
pub mod kernel;
pub mod limits;
pub mod live;
pub mod media;
pub mod midi;
pub mod node;
pub mod nodes;
pub mod offline;
mod param;
pub mod processor;
pub mod record;
pub mod schedule;
pub mod sequence;
pub mod spec;
pub mod transition;

pub use compile::{compile, compile_info, CompileOptions};
pub use error::{Error, Result};
pub use event::{Event, EventKind, NodeEvent, Ramp};
pub use graph::{Graph, NodeId, Sink};
pub use offline::{render, Input, RenderJob, Rendered, Renderer};
pub use processor::Processor;
pub use sequence::{Song, Timeline};
pub use spec::{ArrayData, OptValue};
