//! Notes from a pitch track: a causal segmenter turning [`Pitch`] frames into note-on and
//! note-off events, for monophonic sources (voice, a melody instrument).
//!
//! A note starts once [`STABLE`] seconds of consecutive voiced frames stay within
//! [`TOLERANCE`] semitones of their mean pitch; it is dated half an integration window
//! before the first of them (a frame turns voiced once the note fills most of its window). It
//! lasts while frames are voiced and within [`TOLERANCE`] of the note's mean pitch, and
//! ends at the first frame of a run of [`STABLE`] seconds that is not (so vibrato and a
//! stray frame do not split it); a run that is itself a stable new pitch starts the next
//! note at once. Events are `[pitch (MIDI number, fractional), 1 (on) or 0 (off),
//! latency (s)]`, stamped with the onset or offset they announce.

use super::pitch::{Pitch, PitchConfig};
use super::{Analyzer, Emit};

/// Seconds a pitch must hold to start a note, or be lost to end one.
pub const STABLE: f64 = 0.04;
/// Semitones a frame may stray from the note's pitch and still belong to it.
pub const TOLERANCE: f32 = 0.6;

/// MIDI note number (fractional) of `hz`.
pub fn midi(hz: f32) -> f32 {
    69.0 + 12.0 * (hz.max(1e-3) / 440.0).log2()
}

/// A run of consecutive frames: its first frame's time and its pitch sum.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    start: i64,
    frames: usize,
    sum: f32,
}

impl Run {
    fn mean(&self) -> f32 {
        self.sum / self.frames.max(1) as f32
    }
}

/// The note segmenter over a pitch tracker.
pub struct Notes {
    pitch: Pitch,
    samplerate: f64,
    stable: usize,
    /// The sounding note, if any.
    note: Option<Run>,
    /// Frames that would start a note (or that stray from the sounding one).
    candidate: Run,
    /// Whether the candidate frames are voiced (a run of unvoiced frames ends a note too).
    candidate_voiced: bool,
}

impl Notes {
    /// A segmenter for audio at `samplerate` Hz.
    pub fn new(samplerate: f64, config: &PitchConfig) -> Self {
        let stable = ((STABLE / config.hop).round() as usize).max(1);
        Notes {
            pitch: Pitch::new(samplerate, config),
            samplerate,
            stable,
            note: None,
            candidate: Run::default(),
            candidate_voiced: false,
        }
    }
}

impl Analyzer for Notes {
    fn width(&self) -> usize {
        3
    }

    fn push(&mut self, input: &[f32], emit: Emit) {
        let Notes { pitch, samplerate, stable, note, candidate, candidate_voiced } = self;
        let latency = pitch.latency();
        let lead = pitch.window() / 2;
        let secs = |d: i64| (d as f64 / *samplerate) as f32;
        pitch.push(input, &mut |t, v| {
            let (p, voiced) = (midi(v[0]), v[1] > 0.5);
            if let Some(n) = note.as_mut() {
                if voiced && (p - n.mean()).abs() <= TOLERANCE {
                    n.frames += 1;
                    n.sum += p;
                    candidate.frames = 0;
                    return;
                }
            }
            // A frame that starts or extends the candidate run.
            let joins = candidate.frames > 0
                && voiced == *candidate_voiced
                && (!voiced || (p - candidate.mean()).abs() <= TOLERANCE);
            if joins {
                candidate.frames += 1;
                candidate.sum += if voiced { p } else { 0.0 };
            } else {
                *candidate = Run { start: t, frames: 1, sum: if voiced { p } else { 0.0 } };
                *candidate_voiced = voiced;
            }
            if candidate.frames < *stable {
                return;
            }
            let reported = t + latency;
            if let Some(n) = note.take() {
                emit(candidate.start, &[n.mean(), 0.0, secs(reported - candidate.start)]);
            }
            if *candidate_voiced {
                let on = *candidate;
                let start = on.start - lead;
                emit(start, &[on.mean(), 1.0, secs(reported - start)]);
                *note = Some(on);
            }
            candidate.frames = 0;
        });
    }
}
