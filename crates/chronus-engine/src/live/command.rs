//! Messages between the control thread and the audio thread.

use super::capture::CaptureSink;
use crate::event::EventKind;
use crate::schedule::Schedule;

/// Control thread -> audio thread.
pub enum Command {
    /// An event at a sample time, or at the start of the next block when `time` is None.
    Event {
        /// Frame on the engine's sample clock.
        time: Option<u64>,
        /// What it does.
        kind: EventKind,
    },
    /// A new schedule to swap in at the next block boundary.
    Swap(Box<Schedule>),
    /// Start copying output (and input) into this capture.
    StartCapture(CaptureSink),
    /// Stop the running capture.
    StopCapture,
}

/// Audio thread -> control thread: things to drop off the audio thread.
pub enum Returned {
    /// A schedule that was swapped out (with the fresh node instances it did not use).
    Schedule(Box<Schedule>),
    /// A finished capture's sink.
    Capture(CaptureSink),
}
