//! The transport: plays tracks against the sample clock (audio thread; no allocation once
//! built).

use super::tempo::TempoMap;
use super::track::Track;
use crate::dsp::rng::XorShift32;
use crate::event::{Event, EventKind, NodeEvent};
use crate::graph::NodeId;

/// Tempo changes the transport can take while playing without allocating.
const TEMPO_ROOM: usize = 256;
/// Cued events that can wait for their beat.
pub const CUE_ROOM: usize = 1024;
/// Latest beat the transport can be sent to (seek, loop): a song of a billion beats lasts
/// sixteen years at 120 BPM, and beyond it positions lose their frame accuracy.
pub const MAX_BEAT: f64 = 1e9;
/// Most events one track plays in one block; a looping track denser than that (a tiny
/// loop at a high tempo) skips ahead to the block's end, counting what it skipped, so the
/// audio thread's work per block stays bounded.
pub const MAX_TRACK_EVENTS_PER_BLOCK: usize = 4096;

/// An event waiting for the transport to reach its beat.
#[derive(Debug, Clone, Copy)]
struct Cue {
    beat: f64,
    kind: EventKind,
}

/// Where a track is.
struct Cursor {
    track: Track,
    /// Index of the next event.
    next: usize,
    /// Loop count of the next event (looping tracks).
    cycle: u64,
    rng: XorShift32,
}

impl Cursor {
    fn beat_of_next(&self) -> Option<f64> {
        let e = self.track.events.get(self.next)?;
        Some(e.beat + self.cycle as f64 * self.track.length.unwrap_or(0.0))
    }

    /// Puts the cursor on the first event at or after `beat`.
    fn seek(&mut self, beat: f64) {
        (self.cycle, self.next) = self.position(beat);
    }

    /// The (loop count, index) of the first event at or after `beat`.
    fn position(&self, beat: f64) -> (u64, usize) {
        match self.track.length {
            Some(len) => {
                let cycle = (beat / len).floor().max(0.0) as u64;
                let within = beat - cycle as f64 * len;
                let next = self.track.events.partition_point(|e| e.beat < within);
                if next == self.track.events.len() {
                    (cycle.saturating_add(1), 0)
                } else {
                    (cycle, next)
                }
            }
            None => (0, self.track.events.partition_point(|e| e.beat < beat)),
        }
    }

    /// Events between this cursor and `other` (same track, `other` later).
    fn events_until(&self, other_cycle: u64, other_next: usize) -> u64 {
        let per_cycle = self.track.events.len() as u64;
        (other_cycle.saturating_sub(self.cycle)).saturating_mul(per_cycle).saturating_add(other_next as u64)
            - self.next as u64
    }

    fn advance(&mut self) {
        self.next += 1;
        if self.next == self.track.events.len() && self.track.length.is_some() {
            self.next = 0;
            self.cycle += 1;
        }
    }
}

/// Whether the transport runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportState {
    /// Not advancing; tracks are silent.
    Stopped,
    /// Advancing with the sample clock.
    Playing,
}

/// Tracks, a tempo map and a play position.
pub struct Transport {
    map: TempoMap,
    cursors: Vec<Cursor>,
    targets: Box<[NodeId]>,
    state: TransportState,
    samplerate: f64,
    /// Frame of the sample clock at `anchor_beat`.
    anchor_frame: u64,
    anchor_beat: f64,
    /// `map.seconds(anchor_beat)`.
    anchor_seconds: f64,
    /// Beat at which a stopped transport resumes.
    position: f64,
    loop_range: Option<(f64, f64)>,
    /// Cued events, latest beat first (the next one to play is last).
    cues: Vec<Cue>,
}

impl Transport {
    /// A stopped transport at beat 0 playing `tracks` under `map`.
    pub fn new(map: TempoMap, tracks: Vec<Track>, samplerate: f64) -> Transport {
        let mut map = map;
        map.reserve(TEMPO_ROOM);
        let mut targets: Vec<NodeId> = tracks.iter().flat_map(|t| t.targets()).collect();
        targets.sort_unstable();
        targets.dedup();
        let cursors = tracks
            .into_iter()
            .map(|track| {
                let rng = XorShift32::new(track.seed);
                Cursor { track, next: 0, cycle: 0, rng }
            })
            .collect();
        Transport {
            map,
            cursors,
            targets: targets.into(),
            state: TransportState::Stopped,
            samplerate,
            anchor_frame: 0,
            anchor_beat: 0.0,
            anchor_seconds: 0.0,
            position: 0.0,
            loop_range: None,
            cues: Vec::with_capacity(CUE_ROOM),
        }
    }

    /// Cues an event for the moment the transport plays `beat` (at once, counted late, if
    /// it has passed it already; a seek past it plays it at the seek). Events cued for the
    /// same beat play in the order they were cued. False (and nothing cued) when
    /// [`CUE_ROOM`] events are already waiting. Never allocates.
    pub fn cue(&mut self, beat: f64, kind: EventKind) -> bool {
        if self.cues.len() == self.cues.capacity() {
            return false;
        }
        let at = self.cues.partition_point(|c| c.beat > beat);
        self.cues.insert(at, Cue { beat, kind });
        true
    }

    /// Events cued and not yet played.
    pub fn cued(&self) -> usize {
        self.cues.len()
    }

    /// Whether it is playing.
    pub fn state(&self) -> TransportState {
        self.state
    }

    /// The tempo map.
    pub fn tempo_map(&self) -> &TempoMap {
        &self.map
    }

    /// The frame at which `beat` plays (given the current anchor).
    pub fn frame_of(&self, beat: f64) -> i64 {
        (self.anchor_frame as i64)
            .saturating_add(((self.map.seconds(beat) - self.anchor_seconds) * self.samplerate).round() as i64)
    }

    /// The beat playing at `frame` (or the resume position when stopped). Frames of the
    /// current block before a loop wrap (the anchor already moved to the loop start) count
    /// back from the loop end.
    pub fn beat_at(&self, frame: u64) -> f64 {
        match self.state {
            TransportState::Stopped => self.position,
            TransportState::Playing => {
                let offset = (frame as f64 - self.anchor_frame as f64) / self.samplerate;
                match self.loop_range {
                    Some((start, end)) if offset < 0.0 && self.anchor_beat == start => {
                        self.map.beat(self.map.seconds(end) + offset)
                    }
                    _ => self.map.beat(self.anchor_seconds + offset),
                }
            }
        }
    }

    fn anchor(&mut self, frame: u64, beat: f64) {
        self.anchor_frame = frame;
        self.anchor_beat = beat;
        self.anchor_seconds = self.map.seconds(beat);
    }

    /// Starts playing at `frame` from the current position.
    pub fn start(&mut self, frame: u64) {
        if self.state == TransportState::Playing {
            return;
        }
        let beat = self.position;
        self.anchor(frame, beat);
        self.cursors.iter_mut().for_each(|c| c.seek(beat));
        self.state = TransportState::Playing;
    }

    /// Stops at `frame`, releasing every note the tracks may have left on.
    pub fn stop(&mut self, frame: u64, push: &mut impl FnMut(Event)) {
        if self.state == TransportState::Stopped {
            return;
        }
        self.position = self.beat_at(frame);
        self.state = TransportState::Stopped;
        self.release(frame, push);
    }

    /// Jumps to `beat` at `frame` (notes left on are released).
    pub fn seek(&mut self, frame: u64, beat: f64, push: &mut impl FnMut(Event)) {
        let beat = beat.max(0.0);
        self.position = beat;
        if self.state == TransportState::Playing {
            self.release(frame, push);
            self.anchor(frame, beat);
            self.cursors.iter_mut().for_each(|c| c.seek(beat));
        }
    }

    /// Loops between two beats (None stops looping).
    pub fn set_loop(&mut self, range: Option<(f64, f64)>) {
        self.loop_range = range.filter(|(a, b)| a.is_finite() && b.is_finite() && *a >= 0.0 && b > a);
    }

    /// Carries on at `frame` from where `old` is: its beat, loop, play state and cued
    /// events move here (the notes its tracks left on are released through `push`). This
    /// transport's own tempo map and tracks then play from that beat.
    pub fn take_over(&mut self, old: &mut Transport, frame: u64, push: &mut impl FnMut(Event)) {
        self.position = old.beat_at(frame);
        self.loop_range = old.loop_range;
        std::mem::swap(&mut self.cues, &mut old.cues);
        if old.state == TransportState::Playing {
            old.release(frame, push);
            self.start(frame);
        }
    }

    /// Changes the tempo from the beat playing at `frame` on; false if the map is out of
    /// room (it then keeps its tempo).
    pub fn set_tempo(&mut self, frame: u64, bpm: f64) -> bool {
        let beat = self.beat_at(frame);
        if !self.map.set_tempo_from(beat, bpm) {
            return false;
        }
        if self.state == TransportState::Playing {
            self.anchor(frame, beat);
        }
        true
    }

    fn release(&self, frame: u64, push: &mut impl FnMut(Event)) {
        for node in self.targets.iter() {
            push(Event { time: frame, kind: EventKind::Node { node: *node, event: NodeEvent::AllNotesOff } });
        }
    }

    /// Emits (through `push`) every track event whose frame falls in `[start, end)`,
    /// wrapping at the loop end as often as it falls in the block. Returns the events
    /// skipped because a track had more than [`MAX_TRACK_EVENTS_PER_BLOCK`] in the block.
    pub fn run(&mut self, start: u64, end: u64, push: &mut impl FnMut(Event)) -> u64 {
        if self.state == TransportState::Stopped {
            return 0;
        }
        let mut skipped = 0;
        // Loops shorter than this many wraps per block are cut short rather than spun.
        const MAX_WRAPS: usize = 64;
        for _ in 0..MAX_WRAPS {
            let wrap = self.loop_range.and_then(|(a, b)| {
                let at = self.frame_of(b);
                (at < end as i64).then_some((a, at.max(start as i64) as u64))
            });
            let Some((loop_start, at)) = wrap else {
                return skipped + self.emit(end, push);
            };
            skipped += self.emit(at, push);
            self.anchor(at, loop_start);
            self.cursors.iter_mut().for_each(|c| c.seek(loop_start));
        }
        skipped
    }

    /// Emits the events due before `until`; returns how many were skipped (see
    /// [`MAX_TRACK_EVENTS_PER_BLOCK`]).
    fn emit(&mut self, until: u64, push: &mut impl FnMut(Event)) -> u64 {
        let mut skipped = 0;
        let (anchor_frame, anchor_seconds, sr) = (self.anchor_frame as i64, self.anchor_seconds, self.samplerate);
        while let Some(cue) = self.cues.last() {
            let frame =
                anchor_frame.saturating_add(((self.map.seconds(cue.beat) - anchor_seconds) * sr).round() as i64);
            if frame >= until as i64 {
                break;
            }
            push(Event { time: frame.max(0) as u64, kind: cue.kind });
            self.cues.pop();
        }
        let beat_at_until = self.map.beat(anchor_seconds + (until as i64 - anchor_frame) as f64 / sr);
        for cursor in &mut self.cursors {
            let mut played = 0;
            while let Some(beat) = cursor.beat_of_next() {
                let frame =
                    anchor_frame.saturating_add(((self.map.seconds(beat) - anchor_seconds) * sr).round() as i64);
                if frame >= until as i64 {
                    break;
                }
                if played == MAX_TRACK_EVENTS_PER_BLOCK {
                    let (cycle, next) = cursor.position(beat_at_until);
                    if (cycle, next) > (cursor.cycle, cursor.next) {
                        skipped += cursor.events_until(cycle, next);
                        (cursor.cycle, cursor.next) = (cycle, next);
                    }
                    break;
                }
                played += 1;
                let event = cursor.track.events[cursor.next];
                if event.probability >= 1.0 || cursor.rng.unipolar() < event.probability {
                    push(Event { time: frame.max(0) as u64, kind: event.kind });
                }
                cursor.advance();
            }
        }
        skipped
    }
}
