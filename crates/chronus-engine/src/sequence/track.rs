//! Tracks: events stamped in beats, played once or looped.

use crate::error::{Error, Result};
use crate::event::EventKind;
use crate::graph::NodeId;

/// One event of a track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackEvent {
    /// Position in beats from the start of the track (or of each loop).
    pub beat: f64,
    /// What happens (its sample time comes from the beat).
    pub kind: EventKind,
    /// Chance in [0, 1] that the event plays each time it comes round.
    pub probability: f32,
}

/// Most events a looping track may play per beat (a 64th-note grid of 1024-voice chords
/// fits; a loop of a billionth of a beat does not).
pub const MAX_EVENTS_PER_BEAT: f64 = 65_536.0;

/// Events in beat order, played once, or looped every `length` beats (each track can have
/// its own length: polymeter).
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub(crate) events: Box<[TrackEvent]>,
    pub(crate) length: Option<f64>,
    pub(crate) seed: u64,
}

impl Track {
    /// A track of `events` (any order), looping every `length` beats if given. `seed`
    /// drives the probability draws, so a render is repeatable.
    pub fn new(mut events: Vec<TrackEvent>, length: Option<f64>, seed: u64) -> Result<Track> {
        if let Some(l) = length.filter(|l| !(l.is_finite() && *l > 0.0)) {
            return Err(Error::Invalid(format!("a looping track needs a length > 0 beats, not {l}")));
        }
        for e in &events {
            if !(e.beat.is_finite() && e.beat >= 0.0) {
                return Err(Error::Invalid(format!("track event at beat {} (beats must be >= 0)", e.beat)));
            }
            if let Some(l) = length.filter(|l| e.beat >= *l) {
                return Err(Error::Invalid(format!("track event at beat {} lies past the loop length {l}", e.beat)));
            }
            if !(0.0..=1.0).contains(&e.probability) {
                return Err(Error::Invalid(format!("probability {} is outside [0, 1]", e.probability)));
            }
        }
        if let Some(l) = length.filter(|l| events.len() as f64 / l > MAX_EVENTS_PER_BEAT) {
            return Err(Error::Invalid(format!(
                "a track of {} events looping every {l} beats plays {:.3e} events per beat, more than the {} \
                 a track may (make the loop longer or the steps coarser)",
                events.len(),
                events.len() as f64 / l,
                MAX_EVENTS_PER_BEAT
            )));
        }
        // Stable: events on the same beat keep their order (a note-off before a note-on).
        events.sort_by(|a, b| a.beat.total_cmp(&b.beat));
        Ok(Track { events: events.into(), length, seed })
    }

    /// Nodes the track sends events to.
    pub fn targets(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.events.iter().filter_map(|e| match e.kind {
            EventKind::Param { node, .. } | EventKind::Node { node, .. } => Some(node),
            EventKind::Midi { .. } | EventKind::MidiOut { .. } => None,
        })
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the track has no events.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
