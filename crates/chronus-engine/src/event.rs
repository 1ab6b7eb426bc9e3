//! Timestamped events for the audio thread and the queue that holds future ones.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::graph::NodeId;

/// How a parameter change reaches its new value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ramp {
    /// Glide over the parameter's default smoothing time (about 5 ms; none for gates).
    Default,
    /// Jump on the stamped frame.
    Jump,
    /// Glide linearly over this many frames, starting on the stamped frame.
    Frames(u32),
}

/// A musical event addressed to a node (an instrument, a voice allocator, a sequencer).
/// Channels are MIDI channels 0 to 15; notes are MIDI note numbers 0 to 127.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NodeEvent {
    /// A key goes down; `velocity` in (0, 1].
    NoteOn {
        /// MIDI channel.
        channel: u8,
        /// MIDI note number.
        note: u8,
        /// Strike velocity, (0, 1].
        velocity: f32,
    },
    /// A key comes up.
    NoteOff {
        /// MIDI channel.
        channel: u8,
        /// MIDI note number.
        note: u8,
    },
    /// A controller moves; `value` in [0, 1] (MIDI value / 127).
    Control {
        /// MIDI channel.
        channel: u8,
        /// Controller number (64 is the sustain pedal).
        controller: u8,
        /// Position in [0, 1].
        value: f32,
    },
    /// The pitch wheel moves; `value` in [-1, 1].
    PitchBend {
        /// MIDI channel.
        channel: u8,
        /// Position in [-1, 1] (0 is centre).
        value: f32,
    },
    /// A program (patch) change.
    Program {
        /// MIDI channel.
        channel: u8,
        /// Program number 0 to 127.
        program: u8,
    },
    /// Every sounding note is released (MIDI panic).
    AllNotesOff,
}

impl NodeEvent {
    /// Checks the ranges of the fields, describing the first bad one.
    pub fn check(&self) -> Result<(), String> {
        let (channel, note, value, range) = match *self {
            NodeEvent::NoteOn { channel, note, velocity } => (channel, note, velocity, 0.0..=1.0),
            NodeEvent::NoteOff { channel, note } => (channel, note, 0.0, 0.0..=1.0),
            NodeEvent::Control { channel, controller, value } => (channel, controller, value, 0.0..=1.0),
            NodeEvent::PitchBend { channel, value } => (channel, 0, value, -1.0..=1.0),
            NodeEvent::Program { channel, program } => (channel, program, 0.0, 0.0..=1.0),
            NodeEvent::AllNotesOff => (0, 0, 0.0, 0.0..=1.0),
        };
        if channel > 15 {
            return Err(format!("channel {channel} is outside 0..15"));
        }
        if note > 127 {
            return Err(format!("note/controller/program {note} is outside 0..127"));
        }
        if !range.contains(&value) {
            return Err(format!("value {value} is outside [{}, {}]", range.start(), range.end()));
        }
        Ok(())
    }
}

/// What an event does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventKind {
    /// Set a parameter's constant value.
    Param {
        /// Target node.
        node: NodeId,
        /// Parameter index in the node's spec.
        param: u16,
        /// One lane, or every lane.
        lane: Option<u16>,
        /// New value.
        value: f32,
        /// How to get there.
        ramp: Ramp,
    },
    /// Deliver a musical event to a node.
    Node {
        /// Target node.
        node: NodeId,
        /// The event.
        event: NodeEvent,
    },
    /// MIDI from outside (a controller, a MIDI input port): routed to the node listening on
    /// its channel, and through the controller mappings.
    Midi {
        /// The event.
        event: NodeEvent,
    },
    /// MIDI to send out of the engine's MIDI output at this event's frame.
    MidiOut {
        /// The event.
        event: NodeEvent,
    },
}

impl NodeEvent {
    /// Reads one MIDI message (as from a MIDI port). Messages that carry no musical event
    /// (clock, sysex, ...) give None.
    pub fn from_midi(bytes: &[u8]) -> Option<NodeEvent> {
        use midly::live::LiveEvent;
        use midly::MidiMessage as M;
        let LiveEvent::Midi { channel, message } = LiveEvent::parse(bytes).ok()? else { return None };
        let channel = channel.as_int();
        Some(match message {
            M::NoteOn { key, vel } if vel.as_int() > 0 => {
                NodeEvent::NoteOn { channel, note: key.as_int(), velocity: vel.as_int() as f32 / 127.0 }
            }
            M::NoteOn { key, .. } | M::NoteOff { key, .. } => NodeEvent::NoteOff { channel, note: key.as_int() },
            M::Controller { controller, value } => {
                NodeEvent::Control { channel, controller: controller.as_int(), value: value.as_int() as f32 / 127.0 }
            }
            M::PitchBend { bend } => NodeEvent::PitchBend { channel, value: bend.as_f32() },
            M::ProgramChange { program } => NodeEvent::Program { channel, program: program.as_int() },
            M::Aftertouch { .. } | M::ChannelAftertouch { .. } => return None,
        })
    }

    /// Writes the event as a MIDI message into `out`; returns its length (0 if it has no
    /// single-message form).
    pub fn to_midi(&self, out: &mut [u8; 3]) -> usize {
        use midly::live::LiveEvent;
        use midly::num::{u4, u7};
        use midly::{MidiMessage as M, PitchBend};
        let seven = |x: f32| u7::new((x.clamp(0.0, 1.0) * 127.0).round() as u8);
        let (channel, message) = match *self {
            NodeEvent::NoteOn { channel, note, velocity } => {
                (channel, M::NoteOn { key: u7::new(note & 127), vel: seven(velocity).max(u7::new(1)) })
            }
            NodeEvent::NoteOff { channel, note } => (channel, M::NoteOff { key: u7::new(note & 127), vel: u7::new(0) }),
            NodeEvent::Control { channel, controller, value } => {
                (channel, M::Controller { controller: u7::new(controller & 127), value: seven(value) })
            }
            NodeEvent::PitchBend { channel, value } => {
                (channel, M::PitchBend { bend: PitchBend::from_f32(value.clamp(-1.0, 1.0)) })
            }
            NodeEvent::Program { channel, program } => (channel, M::ProgramChange { program: u7::new(program & 127) }),
            NodeEvent::AllNotesOff => return 0,
        };
        let event = LiveEvent::Midi { channel: u4::new(channel & 15), message };
        let mut slice: &mut [u8] = &mut out[..];
        match event.write(&mut slice) {
            Ok(()) => 3 - slice.len(),
            Err(_) => 0,
        }
    }
}

/// An event stamped in sample time (frames since the engine started).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Frame at which the event takes effect.
    pub time: u64,
    /// What it does.
    pub kind: EventKind,
}

struct Queued {
    event: Event,
    seq: u64,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    // Reversed so that the max-heap pops the earliest event; ties keep arrival order.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.event.time, other.seq).cmp(&(self.event.time, self.seq))
    }
}

/// Future events in time order, with a fixed capacity so that pushing never allocates.
pub struct EventQueue {
    heap: BinaryHeap<Queued>,
    capacity: usize,
    seq: u64,
}

impl EventQueue {
    /// A queue holding at most `capacity` events.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue { heap: BinaryHeap::with_capacity(capacity), capacity, seq: 0 }
    }

    /// Adds an event; hands it back if the queue is full.
    pub fn push(&mut self, event: Event) -> Result<(), Event> {
        if self.heap.len() >= self.capacity {
            return Err(event);
        }
        self.heap.push(Queued { event, seq: self.seq });
        self.seq += 1;
        Ok(())
    }

    /// Time of the earliest event.
    pub fn next_time(&self) -> Option<u64> {
        self.heap.peek().map(|q| q.event.time)
    }

    /// Removes and returns the earliest event if it is due at or before `time`.
    pub fn pop_due(&mut self, time: u64) -> Option<Event> {
        if self.next_time()? <= time {
            self.heap.pop().map(|q| q.event)
        } else {
            None
        }
    }
}
