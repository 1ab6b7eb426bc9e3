//! What Python schedules: actions (what happens), and the song (when it happens: the timeline
//! in frames, tracks in beats, tempo map, controller mappings).

use chronus_engine as engine;
use engine::midi::{CcMapping, Curve};
use engine::sequence::{TempoMap, Track as EngineTrack, TrackEvent};
use engine::{Event, EventKind, NodeEvent, Ramp};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::to_py;

/// A value checked against an inclusive integer range, or an error naming it.
fn ranged<T: TryFrom<i128>>(what: &str, value: &Bound<'_, PyAny>, max: i64) -> PyResult<T> {
    let value = crate::args::int(value, what, "", 0, max as i128)?;
    T::try_from(value).map_err(|_| PyValueError::new_err(format!("{what} must be in 0..{max}, got {value}")))
}

/// A MIDI channel 0..15.
fn midi_channel(value: &Bound<'_, PyAny>) -> PyResult<u8> {
    ranged("channel", value, 15)
}

/// A 7-bit MIDI data byte (note, controller, program) 0..127.
fn data(what: &str, value: &Bound<'_, PyAny>) -> PyResult<u8> {
    ranged(what, value, 127)
}

/// What an event does, without its time: a parameter change or a musical event for a node
/// (or, with no node, for the engine's MIDI output).
#[pyclass(module = "chronus._core", frozen, eq)]
#[derive(Clone, Copy, PartialEq)]
pub(crate) struct Action {
    pub(crate) kind: EventKind,
}

impl Action {
    fn musical(node: Option<u32>, event: NodeEvent) -> PyResult<Action> {
        event.check().map_err(PyValueError::new_err)?;
        let kind = match node {
            Some(node) => EventKind::Node { node, event },
            None => EventKind::MidiOut { event },
        };
        Ok(Action { kind })
    }
}

#[pymethods]
impl Action {
    /// Changes parameter `param` (its index) of `node` to `value`, on one lane or all,
    /// gliding over `ramp` frames (None: the default smoothing; 0: a jump).
    #[staticmethod]
    #[pyo3(signature = (node, param, value, lane=None, ramp=None))]
    fn param(
        node: u32,
        param: u16,
        value: f32,
        lane: Option<&Bound<'_, PyAny>>,
        ramp: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Action> {
        let lane = lane.map(|l| ranged::<u16>("lane", l, u16::MAX as i64)).transpose()?;
        let ramp = ramp.map(|r| ranged::<u32>("ramp (frames)", r, u32::MAX as i64)).transpose()?;
        let ramp = match ramp {
            None => Ramp::Default,
            Some(0) => Ramp::Jump,
            Some(r) => Ramp::Frames(r),
        };
        Ok(Action { kind: EventKind::Param { node, param, lane, value, ramp } })
    }

    /// A key goes down: MIDI `note` on `channel` with `velocity` in (0, 1].
    #[staticmethod]
    fn note_on(
        node: Option<u32>,
        channel: &Bound<'_, PyAny>,
        note: &Bound<'_, PyAny>,
        velocity: f32,
    ) -> PyResult<Action> {
        if !(velocity > 0.0 && velocity <= 1.0) {
            return Err(PyValueError::new_err(format!("velocity must be in (0, 1], got {velocity}")));
        }
        let event = NodeEvent::NoteOn { channel: midi_channel(channel)?, note: data("note", note)?, velocity };
        Action::musical(node, event)
    }

    /// A key comes up.
    #[staticmethod]
    fn note_off(node: Option<u32>, channel: &Bound<'_, PyAny>, note: &Bound<'_, PyAny>) -> PyResult<Action> {
        Action::musical(node, NodeEvent::NoteOff { channel: midi_channel(channel)?, note: data("note", note)? })
    }

    /// Controller `controller` moves to `value` in [0, 1].
    #[staticmethod]
    fn control(
        node: Option<u32>,
        channel: &Bound<'_, PyAny>,
        controller: &Bound<'_, PyAny>,
        value: f32,
    ) -> PyResult<Action> {
        let event =
            NodeEvent::Control { channel: midi_channel(channel)?, controller: data("controller", controller)?, value };
        Action::musical(node, event)
    }

    /// The pitch wheel moves to `value` in [-1, 1].
    #[staticmethod]
    fn bend(node: Option<u32>, channel: &Bound<'_, PyAny>, value: f32) -> PyResult<Action> {
        Action::musical(node, NodeEvent::PitchBend { channel: midi_channel(channel)?, value })
    }

    /// A program change.
    #[staticmethod]
    fn program(node: Option<u32>, channel: &Bound<'_, PyAny>, program: &Bound<'_, PyAny>) -> PyResult<Action> {
        Action::musical(
            node,
            NodeEvent::Program { channel: midi_channel(channel)?, program: data("program", program)? },
        )
    }

    /// Every note `node` plays is released.
    #[staticmethod]
    fn all_notes_off(node: u32) -> Action {
        Action { kind: EventKind::Node { node, event: NodeEvent::AllNotesOff } }
    }

    fn __repr__(&self) -> String {
        format!("Action({:?})", self.kind)
    }
}

/// A track being built: actions at beats, played once or looped every `loop` beats.
#[pyclass(module = "chronus._core")]
#[derive(Clone)]
pub(crate) struct Track {
    events: Vec<TrackEvent>,
    length: Option<f64>,
    seed: u64,
}

#[pymethods]
impl Track {
    /// An empty track; `loop` is its loop length in beats (None: plays once); `seed` drives
    /// the probability draws.
    #[new]
    #[pyo3(signature = (r#loop=None, seed=0))]
    fn new(r#loop: Option<f64>, seed: u64) -> Track {
        Track { events: Vec::new(), length: r#loop, seed }
    }

    /// Adds `action` at `beat` (from the track's start, or from each loop's), played with
    /// chance `probability` in [0, 1] each time it comes round.
    #[pyo3(signature = (beat, action, probability=1.0))]
    fn at(&mut self, beat: f64, action: &Action, probability: f32) {
        self.events.push(TrackEvent { beat, kind: action.kind, probability });
    }

    /// Number of events.
    fn __len__(&self) -> usize {
        self.events.len()
    }
}

/// MIDI controller `controller` (on `channel`, or any) moving parameter `param` of `node`
/// from `min` to `max` along `curve` ("linear", "exponential", or "power" with `power`).
#[pyclass(module = "chronus._core", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct CcMap {
    pub(crate) inner: CcMapping,
}

#[pymethods]
impl CcMap {
    #[new]
    #[pyo3(signature = (controller, node, param, min, max, curve="linear", power=2.0, channel=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        controller: &Bound<'_, PyAny>,
        node: u32,
        param: u16,
        min: f32,
        max: f32,
        curve: &str,
        power: f32,
        channel: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<CcMap> {
        let curve = match curve {
            "linear" => Curve::Linear,
            "exponential" => Curve::Exponential,
            "power" => Curve::Power(power),
            other => {
                return Err(PyValueError::new_err(format!("unknown curve '{other}' (linear, exponential, power)")))
            }
        };
        let channel = channel.map(midi_channel).transpose()?;
        let controller = data("controller", controller)?;
        Ok(CcMap { inner: CcMapping { channel, controller, node, param, min, max, curve } })
    }
}

/// Everything timed a graph plays from the engine's first frame: actions at frames (the
/// timeline), tracks of actions at beats under a tempo map, controller mappings.
#[pyclass(module = "chronus._core", eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct Song {
    pub(crate) inner: engine::Song,
}

#[pymethods]
impl Song {
    /// An empty song under a tempo map of (beat, bpm) changes.
    #[new]
    fn new(tempo: Vec<(f64, f64)>) -> PyResult<Song> {
        let tempo = TempoMap::new(&tempo).map_err(to_py)?;
        Ok(Song { inner: engine::Song { tempo, ..engine::Song::default() } })
    }

    /// Adds `action` at `frame` of the engine's sample clock (0: the engine's first frame).
    fn at(&mut self, frame: u64, action: &Action) {
        self.inner.timeline.push(Event { time: frame, kind: action.kind });
    }

    /// Adds a track (checked here: beats >= 0, inside the loop, probabilities in [0, 1]).
    fn add_track(&mut self, track: &Track) -> PyResult<()> {
        let built = EngineTrack::new(track.events.clone(), track.length, track.seed).map_err(to_py)?;
        self.inner.tracks.push(built);
        Ok(())
    }

    /// Adds a controller mapping.
    fn add_cc_map(&mut self, map: &CcMap) {
        self.inner.cc_maps.push(map.inner);
    }

    /// Number of timeline events, tracks and controller mappings.
    fn counts(&self) -> (usize, usize, usize) {
        (self.inner.timeline.len(), self.inner.tracks.len(), self.inner.cc_maps.len())
    }
}
