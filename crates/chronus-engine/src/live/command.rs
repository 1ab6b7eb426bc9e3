//! Messages between the control thread and the audio thread.

use super::capture::CaptureSink;
use crate::event::EventKind;
use crate::midi::{CcMapping, MidiRoutes};
use crate::processor::{StampedMidi, TransportCommand};
use crate::schedule::Schedule;
use crate::sequence::{Timeline, Transport};

/// Control thread -> audio thread.
pub enum Command {
    /// An event at a sample time, or at the start of the next block when `time` is None.
    Event {
        /// Frame on the engine's sample clock.
        time: Option<u64>,
        /// What it does.
        kind: EventKind,
    },
    /// An event for the moment the transport plays `beat`.
    Cue {
        /// Beat on the transport's tempo map.
        beat: f64,
        /// What it does.
        kind: EventKind,
    },
    /// A new schedule to swap in at the next block boundary.
    Swap(Box<Schedule>),
    /// Start copying output (and input) into this capture.
    StartCapture(CaptureSink),
    /// Stop the running capture.
    StopCapture,
    /// Replace the transport (tracks and tempo map), or remove it.
    SetTransport(Option<Box<Transport>>),
    /// Replace the transport with one that carries on from the old one's position.
    ContinueTransport(Box<Transport>),
    /// Replace the timeline with one that carries on from the current frame.
    SetTimeline(Box<Timeline>),
    /// Start, stop, seek, loop or retempo the transport.
    Transport(TransportCommand),
    /// Which node hears each MIDI channel.
    SetRoutes(MidiRoutes),
    /// Replace the controller mappings.
    SetCcMaps(Box<[CcMapping]>),
    /// Start recording incoming MIDI into this ring.
    StartMidiRecord(rtrb::Producer<StampedMidi>),
    /// Stop recording incoming MIDI.
    StopMidiRecord,
    /// Measure per-node timings and output values ([`crate::schedule::PROFILE`] |
    /// [`crate::schedule::VALUES`], or 0).
    Inspect(u8),
}

impl Command {
    /// Whether applying it hands something back to the control thread (given what the
    /// audio side holds now), so it must wait while the return queue is full.
    pub(crate) fn hands_back(&self, capturing: bool, has_transport: bool, recording_midi: bool) -> bool {
        match self {
            Command::Swap(_) | Command::StopCapture | Command::SetCcMaps(_) | Command::SetTimeline(_) => true,
            Command::StartCapture(_) => capturing,
            Command::SetTransport(_) | Command::ContinueTransport(_) => has_transport,
            Command::StartMidiRecord(_) | Command::StopMidiRecord => recording_midi,
            Command::Event { .. }
            | Command::Cue { .. }
            | Command::Transport(_)
            | Command::SetRoutes(_)
            | Command::Inspect(_) => false,
        }
    }
}

/// Audio thread -> control thread: things to drop off the audio thread.
pub enum Returned {
    /// A schedule that was swapped out (with the fresh node instances it did not use).
    Schedule(Box<Schedule>),
    /// A finished capture's sink.
    Capture(CaptureSink),
    /// A transport that was replaced.
    Transport(Box<Transport>),
    /// A timeline that was replaced.
    Timeline(Box<Timeline>),
    /// Controller mappings that were replaced.
    CcMaps(Box<[CcMapping]>),
    /// A finished MIDI recording's ring.
    MidiRecord(rtrb::Producer<StampedMidi>),
}
