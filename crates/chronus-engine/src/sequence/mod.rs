//! Music on the engine's sample clock: a tempo map (beats <-> seconds <-> frames), tracks of
//! events stamped in beats, the transport that plays them from the audio thread, and the
//! song (timeline, tracks, tempo, controller mappings) a graph plays from its first frame.
//!
//! Tracks are compiled on the control thread (from note lists, patterns or MIDI files) and
//! handed to the audio thread whole; every block, the transport turns the events falling in
//! that block into sample-stamped engine events, so notes land on their exact frame
//! whatever the block size, and tempo changes while playing move what has not played yet.

mod song;
mod tempo;
mod track;
mod transport;

pub use song::{Song, Timeline};
pub use tempo::{TempoMap, DEFAULT_BPM};
pub use track::{Track, TrackEvent};
pub use transport::{Transport, TransportState, CUE_ROOM, MAX_BEAT, MAX_TRACK_EVENTS_PER_BLOCK};
