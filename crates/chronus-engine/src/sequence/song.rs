//! Everything timed that a graph holds, played from the engine's first frame: a timeline of
//! frame-stamped events, tracks under a tempo map, and controller mappings. Offline renders
//! and live engines load the same [`Song`] into their processor before the first block, so
//! what plays live is what renders offline.

use super::tempo::{TempoMap, DEFAULT_BPM};
use super::track::Track;
use crate::event::Event;
use crate::midi::CcMapping;

/// Events stamped in frames of the engine's sample clock (frame 0 is the engine's first
/// frame), played once, in time order; events on the same frame keep the order they were
/// given in. Never allocates once built.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    events: Box<[Event]>,
    /// Index of the next event to play.
    next: usize,
}

impl Timeline {
    /// A timeline of `events` (any order).
    pub fn new(mut events: Vec<Event>) -> Timeline {
        // Stable: events on one frame keep their order (a note-off before a note-on).
        events.sort_by_key(|e| e.time);
        Timeline { events: events.into(), next: 0 }
    }

    /// Every event, in time order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Frame of the next event to play.
    pub fn next_time(&self) -> Option<u64> {
        self.events.get(self.next).map(|e| e.time)
    }

    /// Takes the next event if it is due at or before `time`.
    pub fn pop_due(&mut self, time: u64) -> Option<Event> {
        let event = *self.events.get(self.next).filter(|e| e.time <= time)?;
        self.next += 1;
        Some(event)
    }

    /// Skips every event stamped before `frame` (a timeline swapped in while playing carries
    /// on from the current frame rather than replaying the past).
    pub fn seek(&mut self, frame: u64) {
        self.next = self.events.partition_point(|e| e.time < frame);
    }
}

/// What a graph plays over time. Loaded into a [`crate::Processor`] before its first block,
/// live and offline alike.
#[derive(Debug, Clone, PartialEq)]
pub struct Song {
    /// Where the beats fall.
    pub tempo: TempoMap,
    /// What the transport plays, in beats.
    pub tracks: Vec<Track>,
    /// Controllers mapped onto parameters.
    pub cc_maps: Vec<CcMapping>,
    /// Events at frames of the sample clock, from the engine's start.
    pub timeline: Vec<Event>,
}

impl Default for Song {
    /// Nothing but a steady [`DEFAULT_BPM`].
    fn default() -> Song {
        Song {
            tempo: TempoMap::constant(DEFAULT_BPM).expect("the default tempo is valid"),
            tracks: vec![],
            cc_maps: vec![],
            timeline: vec![],
        }
    }
}

impl Song {
    /// A song of nothing but `events` on the timeline, at the default tempo.
    pub fn timeline(events: Vec<Event>) -> Song {
        Song { timeline: events, ..Song::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventKind, Ramp};

    fn at(time: u64, value: f32) -> Event {
        Event { time, kind: EventKind::Param { node: 0, param: 0, lane: None, value, ramp: Ramp::Jump } }
    }

    #[test]
    fn plays_in_time_order_keeping_ties_in_order_and_seeks() {
        let mut t = Timeline::new(vec![at(20, 1.0), at(10, 2.0), at(20, 3.0), at(5, 4.0)]);
        assert_eq!(t.next_time(), Some(5));
        assert_eq!(t.pop_due(4), None);
        let due: Vec<f32> = std::iter::from_fn(|| t.pop_due(20))
            .map(|e| match e.kind {
                EventKind::Param { value, .. } => value,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(due, [4.0, 2.0, 1.0, 3.0]);
        assert_eq!(t.next_time(), None);
        t.seek(10);
        assert_eq!(t.next_time(), Some(10), "an event on the seek frame still plays");
        t.seek(11);
        assert_eq!(t.next_time(), Some(20));
    }
}
