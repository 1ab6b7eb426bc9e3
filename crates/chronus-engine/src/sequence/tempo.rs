//! Tempo maps: where each beat falls in time.

use crate::error::{Error, Result};

/// A constant-tempo stretch starting at `beat`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    /// First beat of the stretch.
    beat: f64,
    /// Time of that beat in seconds from beat 0.
    seconds: f64,
    /// Seconds per beat.
    spb: f64,
}

/// Piecewise-constant tempo: beat 0 is at 0 s; each change applies from its beat on.
#[derive(Debug, Clone, PartialEq)]
pub struct TempoMap {
    segments: Vec<Segment>,
}

/// Tempo of a transport that was given no tempo map, in beats per minute.
pub const DEFAULT_BPM: f64 = 120.0;

impl TempoMap {
    /// A single tempo in beats per minute.
    pub fn constant(bpm: f64) -> Result<TempoMap> {
        TempoMap::new(&[(0.0, bpm)])
    }

    /// Tempo changes as (beat, bpm), the first at beat 0.
    pub fn new(changes: &[(f64, f64)]) -> Result<TempoMap> {
        let Some(first) = changes.first() else {
            return Err(Error::Invalid("a tempo map needs at least one tempo".into()));
        };
        if first.0 != 0.0 {
            return Err(Error::Invalid(format!("the first tempo must start at beat 0, not {}", first.0)));
        }
        let mut segments: Vec<Segment> = Vec::with_capacity(changes.len());
        for &(beat, bpm) in changes {
            if !(bpm.is_finite() && bpm > 0.0 && bpm <= 10_000.0) {
                return Err(Error::Invalid(format!("tempo {bpm} bpm at beat {beat} is outside (0, 10000]")));
            }
            let seconds = match segments.last() {
                Some(prev) if beat < prev.beat || !beat.is_finite() => {
                    return Err(Error::Invalid(format!("tempo change at beat {beat} comes before beat {}", prev.beat)));
                }
                Some(prev) => prev.seconds + (beat - prev.beat) * prev.spb,
                None => 0.0,
            };
            if segments.last().is_some_and(|p| p.beat == beat) {
                segments.pop();
            }
            segments.push(Segment { beat, seconds, spb: 60.0 / bpm });
        }
        Ok(TempoMap { segments })
    }

    fn by_beat(&self, beat: f64) -> &Segment {
        let i = self.segments.partition_point(|s| s.beat <= beat);
        &self.segments[i.saturating_sub(1)]
    }

    fn by_seconds(&self, seconds: f64) -> &Segment {
        let i = self.segments.partition_point(|s| s.seconds <= seconds);
        &self.segments[i.saturating_sub(1)]
    }

    /// Seconds from beat 0 to `beat` (negative beats extrapolate the first tempo).
    pub fn seconds(&self, beat: f64) -> f64 {
        let s = self.by_beat(beat);
        s.seconds + (beat - s.beat) * s.spb
    }

    /// The beat at `seconds` from beat 0.
    pub fn beat(&self, seconds: f64) -> f64 {
        let s = self.by_seconds(seconds);
        s.beat + (seconds - s.seconds) / s.spb
    }

    /// Tempo at `beat` in beats per minute.
    pub fn bpm(&self, beat: f64) -> f64 {
        60.0 / self.by_beat(beat).spb
    }

    /// Makes room for `extra` live tempo changes, so that [`TempoMap::set_tempo_from`]
    /// never allocates.
    pub(crate) fn reserve(&mut self, extra: usize) {
        self.segments.reserve(extra);
    }

    /// Keeps the map up to `beat` and plays `bpm` from there on, in place. Returns false
    /// (changing nothing) for a bad tempo or when the reserved room is used up.
    pub(crate) fn set_tempo_from(&mut self, beat: f64, bpm: f64) -> bool {
        if !(bpm.is_finite() && bpm > 0.0 && bpm <= 10_000.0) || self.segments.len() == self.segments.capacity() {
            return false;
        }
        let beat = beat.max(0.0);
        let seconds = self.seconds(beat);
        let keep = self.segments.partition_point(|s| s.beat < beat).max(1);
        self.segments.truncate(keep);
        if self.segments[keep - 1].beat == beat {
            self.segments.pop();
        }
        self.segments.push(Segment { beat, seconds, spb: 60.0 / bpm });
        true
    }

    /// The (beat, bpm) changes.
    pub fn changes(&self) -> Vec<(f64, f64)> {
        self.segments.iter().map(|s| (s.beat, 60.0 / s.spb)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip_across_changes() {
        let map = TempoMap::new(&[(0.0, 120.0), (4.0, 90.0), (10.5, 173.0)]).unwrap();
        assert_eq!(map.seconds(4.0), 2.0);
        assert!((map.seconds(6.0) - (2.0 + 2.0 * 60.0 / 90.0)).abs() < 1e-12);
        for i in 0..2000 {
            let beat = i as f64 * 0.0137;
            assert!((map.beat(map.seconds(beat)) - beat).abs() < 1e-12, "{beat}");
        }
        assert_eq!(map.bpm(5.0), 90.0);
        assert!(TempoMap::new(&[(1.0, 120.0)]).is_err());
        let mut live = map.clone();
        live.reserve(4);
        assert!(live.set_tempo_from(6.0, 60.0));
        assert_eq!(live.seconds(6.0), map.seconds(6.0));
        assert!((live.seconds(7.0) - map.seconds(6.0) - 1.0).abs() < 1e-12);
        assert_eq!(live.changes(), vec![(0.0, 120.0), (4.0, 90.0), (6.0, 60.0)]);
        assert!(TempoMap::new(&[(0.0, 120.0), (2.0, -1.0)]).is_err());
    }
}
