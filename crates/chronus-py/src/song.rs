//! Conversion of tracks, tempo maps and controller mappings from Python tuples.

use chronus_engine as engine;
use engine::midi::{CcMapping, Curve};
use engine::sequence::{TempoMap, Track, TrackEvent};
use engine::EventKind;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::{node_kind, param_kind, to_py};

/// A track event as Python sends it: (kind, beat, probability, node or -1 for MIDI out,
/// channel or lane (255: every lane), data (note, controller, program or param index),
/// value, ramp frames or -1). Kinds: "param" and the musical kinds of `render`.
pub type TrackEventTuple = (String, f64, f32, i64, u8, u16, f32, i64);

/// A track as Python sends it: (events, loop length in beats or None, seed).
pub type TrackTuple = (Vec<TrackEventTuple>, Option<f64>, u64);

/// A controller mapping as Python sends it: (channel or -1, controller, node, param index,
/// min, max, curve "linear" | "exponential" | "power", power).
pub type CcTuple = (i32, u8, u32, u16, f32, f32, String, f32);

fn track_event((kind, beat, probability, node, channel, data, value, ramp): TrackEventTuple) -> PyResult<TrackEvent> {
    let kind = match (kind.as_str(), u32::try_from(node)) {
        ("param", Ok(node)) => {
            let lane = if channel == 255 { None } else { Some(u16::from(channel)) };
            let ramp = if ramp < 0 { -1 } else { ramp };
            param_kind(node, data, lane, value, ramp)
        }
        ("param", Err(_)) => return Err(PyValueError::new_err("a parameter event needs a node")),
        (other, Ok(node)) => node_kind(node, other, channel, data as u8, value)?,
        (other, Err(_)) => match node_kind(0, other, channel, data as u8, value)? {
            EventKind::Node { event, .. } => EventKind::MidiOut { event },
            _ => unreachable!("node_kind makes node events"),
        },
    };
    Ok(TrackEvent { beat, kind, probability })
}

/// Builds the tracks.
pub fn tracks(tracks: Vec<TrackTuple>) -> PyResult<Vec<Track>> {
    tracks
        .into_iter()
        .map(|(events, length, seed)| {
            let events = events.into_iter().map(track_event).collect::<PyResult<Vec<_>>>()?;
            Track::new(events, length, seed).map_err(to_py)
        })
        .collect()
}

/// Builds a tempo map from (beat, bpm) changes.
pub fn tempo(changes: &[(f64, f64)]) -> PyResult<TempoMap> {
    TempoMap::new(changes).map_err(to_py)
}

/// Builds controller mappings.
pub fn cc_maps(maps: Vec<CcTuple>) -> PyResult<Vec<CcMapping>> {
    maps.into_iter()
        .map(|(channel, controller, node, param, min, max, curve, power)| {
            let curve = match curve.as_str() {
                "linear" => Curve::Linear,
                "exponential" => Curve::Exponential,
                "power" => Curve::Power(power),
                other => {
                    return Err(PyValueError::new_err(format!("unknown curve '{other}' (linear, exponential, power)")))
                }
            };
            Ok(CcMapping { channel: u8::try_from(channel).ok(), controller, node, param, min, max, curve })
        })
        .collect()
}
