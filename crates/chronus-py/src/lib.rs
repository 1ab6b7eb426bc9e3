//! `chronus._core`: thin PyO3 bindings over `chronus-engine`. Conversion, validation and
//! GIL release only; no DSP and no logic a test would need to reach through Python.

use chronus_engine as engine;
use engine::{ArrayData, CompileOptions, Event, EventKind, NodeEvent, OptValue, Ramp};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::create_exception;
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

mod args;
mod live;
mod song;

create_exception!(
    _core,
    GraphError,
    PyValueError,
    "A graph that cannot be built or compiled; the message names the node, parameter or port."
);
create_exception!(
    _core,
    CycleError,
    GraphError,
    "A cycle that does not pass through a feedback node; the message lists its nodes."
);
create_exception!(
    _core,
    QueueFullError,
    PyRuntimeError,
    "A real-time queue is full; nothing was sent and the engine keeps playing."
);
create_exception!(
    _core,
    DeviceError,
    PyRuntimeError,
    "An audio backend or device that cannot be found, opened or driven."
);

pub(crate) fn to_py(err: engine::Error) -> PyErr {
    match err {
        engine::Error::Cycle(m) => CycleError::new_err(m),
        engine::Error::Capacity(m) => QueueFullError::new_err(m),
        engine::Error::Device(m) => DeviceError::new_err(m),
        engine::Error::Unknown(m) | engine::Error::Invalid(m) => GraphError::new_err(m),
        engine::Error::Memory(m) => PyMemoryError::new_err(m),
    }
}

/// A float32 NumPy array of one or two dimensions as an [`ArrayData`] (a 1-D array is one
/// column); `None` if `v` is no such array. The values are copied once, here.
fn to_array(v: &Bound<'_, PyAny>) -> Option<Result<ArrayData, String>> {
    if let Ok(a) = v.extract::<PyReadonlyArray2<f32>>() {
        let columns = a.shape()[1];
        return Some(ArrayData::new(a.as_array().iter().copied().collect::<Vec<f32>>(), columns));
    }
    let a = v.extract::<PyReadonlyArray1<f32>>().ok()?;
    Some(ArrayData::new(a.as_array().iter().copied().collect::<Vec<f32>>(), 1))
}

/// The engine's graph description: nodes, constant parameters and edges.
#[pyclass(module = "chronus._core")]
#[derive(Clone, Default)]
pub(crate) struct Graph {
    inner: engine::Graph,
}

#[pymethods]
impl Graph {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Adds a node of `kind` with `options` (name -> number or str); returns its id.
    #[pyo3(signature = (kind, options, label=None))]
    fn add(&mut self, kind: &str, options: &Bound<'_, PyDict>, label: Option<&str>) -> PyResult<u32> {
        let mut opts = Vec::new();
        for (k, v) in options.iter() {
            let key: String = k.extract()?;
            let value = if let Ok(s) = v.extract::<String>() {
                OptValue::Text(s)
            } else if let Ok(x) = v.extract::<f64>() {
                OptValue::Num(x)
            } else if let Some(array) = to_array(&v) {
                OptValue::Array(array.map_err(|m| GraphError::new_err(format!("{kind}: option '{key}': {m}")))?)
            } else {
                return Err(GraphError::new_err(format!(
                    "{kind}: option '{key}' must be a number, a string or a float32 array, got {}",
                    v.get_type().name()?
                )));
            };
            opts.push((key, value));
        }
        let refs: Vec<(&str, OptValue)> = opts.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        self.inner.add(kind, &refs, label).map_err(to_py)
    }

    /// Removes node `node` and its edges.
    fn remove(&mut self, node: u32) -> PyResult<()> {
        self.inner.remove(node).map_err(to_py)
    }

    /// Sets a parameter's constant value(s): one value, or one per lane.
    fn set_param(&mut self, node: u32, name: &str, values: Vec<f32>) -> PyResult<u16> {
        self.inner.set_param(node, name, &values).map_err(to_py)
    }

    /// Index of parameter `name` of `node`.
    fn param_index(&self, node: u32, name: &str) -> PyResult<u16> {
        self.inner.param_index(node, name).map_err(to_py)
    }

    /// Checks a constant value for a parameter without setting it.
    fn check_value(&self, node: u32, param: u16, value: f32) -> PyResult<()> {
        self.inner.check_value(node, param, value).map_err(to_py)
    }

    /// Connects `src`'s output `port` to `dst`'s input or parameter `name` (`kind` is
    /// "input" or "param"), or to the graph output when `kind` is "output".
    #[pyo3(signature = (src, port, kind, dst=None, name=None))]
    fn connect(&mut self, src: u32, port: &str, kind: &str, dst: Option<u32>, name: Option<&str>) -> PyResult<()> {
        let result = match (kind, dst, name) {
            ("output", _, _) => self.inner.connect_output(src, port),
            ("input", Some(d), Some(n)) => self.inner.connect_input(src, port, d, n),
            ("param", Some(d), Some(n)) => self.inner.connect_param(src, port, d, n),
            _ => return Err(PyValueError::new_err(format!("bad connection kind '{kind}'"))),
        };
        result.map(|_| ()).map_err(to_py)
    }

    /// Removes the edge from `src`'s output `port` into `dst`'s input `name` (`kind`
    /// "input"), or into the graph output (`kind` "output"); returns whether it existed.
    #[pyo3(signature = (src, port, kind, dst=None, name=None))]
    fn disconnect(&mut self, src: u32, port: &str, kind: &str, dst: Option<u32>, name: Option<&str>) -> PyResult<bool> {
        let sink = match (kind, dst, name) {
            ("output", _, _) => engine::Sink::Output,
            ("input", Some(d), Some(n)) => self.inner.input_sink(d, n).map_err(to_py)?,
            _ => return Err(PyValueError::new_err(format!("bad connection kind '{kind}'"))),
        };
        let edge = self.inner.edge(src, port, sink).map_err(to_py)?;
        Ok(self.inner.disconnect(edge))
    }

    /// Removes every edge into `node`'s parameter `name` (back to its constant); returns
    /// how many there were.
    fn disconnect_param(&mut self, node: u32, name: &str) -> PyResult<usize> {
        let index = self.inner.param_index(node, name).map_err(to_py)?;
        Ok(self.inner.disconnect_sink(engine::Sink::Param(node, index)))
    }

    /// Checks a controller mapping (see `song::CcTuple`) against the graph.
    fn check_cc_map(&self, map: song::CcTuple) -> PyResult<()> {
        let maps = song::cc_maps(vec![map])?;
        engine::live::check_mapping(&self.inner, &maps[0]).map_err(to_py)
    }

    /// Whether node `node` exists.
    fn has(&self, node: u32) -> bool {
        self.inner.node(node).is_ok()
    }

    /// Display name of a node.
    fn name(&self, node: u32) -> String {
        self.inner.name(node)
    }

    /// Compiles the graph and returns a summary (output channels, lanes and latency in frames
    /// per node, steps, buffers) without rendering; raises the same errors `render` would.
    #[pyo3(signature = (samplerate, blocksize))]
    fn compile_info<'py>(&self, py: Python<'py>, samplerate: f64, blocksize: usize) -> PyResult<Bound<'py, PyDict>> {
        let opts = CompileOptions { samplerate, max_block: blocksize, smoothing: 0.0 };
        let schedule = engine::compile(&self.inner, &opts).map_err(to_py)?;
        let info = PyDict::new(py);
        info.set_item("output_channels", schedule.output_channels())?;
        info.set_item("steps", schedule.step_count())?;
        info.set_item("buffers", schedule.buffer_count())?;
        let lanes = PyDict::new(py);
        let latency = PyDict::new(py);
        for (id, _) in self.inner.nodes() {
            lanes.set_item(id, schedule.lanes(id))?;
            latency.set_item(id, schedule.latency(id))?;
        }
        info.set_item("lanes", lanes)?;
        info.set_item("latency", latency)?;
        Ok(info)
    }

    fn __copy__(&self) -> Self {
        self.clone()
    }
}

/// One parameter event as Python sends it: (frame, node, param, lane or None for every
/// lane, value, ramp frames or -1 for the default glide).
type EventTuple = (args::Frame, u32, u16, Option<args::Lane>, f32, args::RampFrames);

pub(crate) fn param_kind(node: u32, param: u16, lane: Option<u16>, value: f32, ramp: i64) -> EventKind {
    EventKind::Param {
        node,
        param,
        lane,
        value,
        ramp: match ramp {
            r if r < 0 => Ramp::Default,
            0 => Ramp::Jump,
            r => Ramp::Frames(u32::try_from(r).unwrap_or(u32::MAX)),
        },
    }
}

/// One musical event as Python sends it: (frame, node, kind, channel, data, value) where
/// kind is "note_on" (data = note, value = velocity), "note_off" (data = note),
/// "control" (data = controller, value in [0, 1]), "bend" (value in [-1, 1]),
/// "program" (data = program) or "all_notes_off".
type NodeEventTuple = (args::Frame, u32, String, args::Channel, args::Data7, f32);

pub(crate) fn node_kind(node: u32, kind: &str, channel: u8, data: u8, value: f32) -> PyResult<EventKind> {
    let event = match kind {
        "note_on" => NodeEvent::NoteOn { channel, note: data, velocity: value },
        "note_off" => NodeEvent::NoteOff { channel, note: data },
        "control" => NodeEvent::Control { channel, controller: data, value },
        "bend" => NodeEvent::PitchBend { channel, value },
        "program" => NodeEvent::Program { channel, program: data },
        "all_notes_off" => NodeEvent::AllNotesOff,
        other => return Err(PyValueError::new_err(format!("unknown event kind '{other}'"))),
    };
    Ok(EventKind::Node { node, event })
}

/// What a render needs besides the graph, converted from Python: events, interleaved input
/// and its channel count, song.
struct JobParts {
    events: Vec<Event>,
    input: Vec<f32>,
    in_channels: usize,
    song: Option<engine::Song>,
}

impl JobParts {
    fn new(
        events: Vec<EventTuple>,
        node_events: Vec<NodeEventTuple>,
        input: Option<PyReadonlyArray2<'_, f32>>,
        tempo: Option<Vec<(f64, f64)>>,
        tracks: Option<Vec<song::TrackTuple>>,
        cc_maps: Option<Vec<song::CcTuple>>,
    ) -> PyResult<JobParts> {
        let song = match (tempo, tracks, cc_maps) {
            (None, None, None) => None,
            (tempo, tracks, cc_maps) => Some(engine::Song {
                tempo: song::tempo(&tempo.unwrap_or_else(|| vec![(0.0, 120.0)]))?,
                tracks: song::tracks(tracks.unwrap_or_default())?,
                cc_maps: song::cc_maps(cc_maps.unwrap_or_default())?,
            }),
        };
        let mut events: Vec<Event> = events
            .into_iter()
            .map(|(time, node, param, lane, value, ramp)| Event {
                time: time.0,
                kind: param_kind(node, param, lane.map(|l| l.0), value, ramp.0),
            })
            .collect();
        for (time, node, kind, channel, data, value) in node_events {
            events.push(Event { time: time.0, kind: node_kind(node, &kind, channel.0, data.0, value)? });
        }
        // The input arrives as (channels, frames); the engine reads it interleaved.
        let (input, in_channels) = match &input {
            Some(a) => {
                let view = a.as_array();
                let (ch, n) = view.dim();
                let mut interleaved = vec![0.0f32; ch * n];
                for ((c, f), x) in view.indexed_iter() {
                    interleaved[f * ch + c] = *x;
                }
                (interleaved, ch)
            }
            None => (Vec::new(), 0),
        };
        Ok(JobParts { events, input, in_channels, song })
    }

    fn job(&self, frames: usize) -> engine::RenderJob<'_> {
        engine::RenderJob {
            frames,
            events: &self.events,
            input: engine::Input { samples: &self.input, channels: self.in_channels },
            song: self.song.clone(),
        }
    }
}

/// Renders `frames` frames of `graph`; returns float32 of shape (channels, frames). The
/// GIL is released while the engine runs.
#[pyfunction]
#[pyo3(signature = (graph, frames, samplerate, blocksize, smoothing, events, node_events, input=None, tempo=None, tracks=None, cc_maps=None))]
#[allow(clippy::too_many_arguments)]
fn render<'py>(
    py: Python<'py>,
    graph: &Bound<'py, Graph>,
    frames: args::Frames,
    samplerate: f64,
    blocksize: args::Blocksize,
    smoothing: f64,
    events: Vec<EventTuple>,
    node_events: Vec<NodeEventTuple>,
    input: Option<PyReadonlyArray2<'py, f32>>,
    tempo: Option<Vec<(f64, f64)>>,
    tracks: Option<Vec<song::TrackTuple>>,
    cc_maps: Option<Vec<song::CcTuple>>,
) -> PyResult<Bound<'py, PyAny>> {
    let frames = frames.0;
    let opts = CompileOptions { samplerate, max_block: blocksize.0, smoothing };
    let parts = JobParts::new(events, node_events, input, tempo, tracks, cc_maps)?;
    // Borrow the graph only to copy it: another thread may edit it while this one renders.
    let g = graph.borrow().inner.clone();
    let (planar, channels) = py
        .detach(move || {
            let r = engine::render(&g, &opts, parts.job(frames))?;
            Ok::<_, engine::Error>((r.samples, r.channels))
        })
        .map_err(to_py)?;
    let array = PyArray1::from_vec(py, planar).reshape([channels, frames])?;
    Ok(array.into_any())
}

/// An offline render produced chunk by chunk (memory flat in the render's length); the
/// chunks are exactly the samples `render` gives. Arguments as for `render`.
#[pyclass(module = "chronus._core")]
struct Renderer {
    inner: std::sync::Mutex<engine::Renderer>,
    channels: usize,
}

#[pymethods]
impl Renderer {
    #[new]
    #[pyo3(signature = (graph, frames, samplerate, blocksize, smoothing, events, node_events, input=None, tempo=None, tracks=None, cc_maps=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        graph: &Bound<'_, Graph>,
        frames: args::Frames,
        samplerate: f64,
        blocksize: args::Blocksize,
        smoothing: f64,
        events: Vec<EventTuple>,
        node_events: Vec<NodeEventTuple>,
        input: Option<PyReadonlyArray2<'_, f32>>,
        tempo: Option<Vec<(f64, f64)>>,
        tracks: Option<Vec<song::TrackTuple>>,
        cc_maps: Option<Vec<song::CcTuple>>,
    ) -> PyResult<Self> {
        let opts = CompileOptions { samplerate, max_block: blocksize.0, smoothing };
        let parts = JobParts::new(events, node_events, input, tempo, tracks, cc_maps)?;
        let g = graph.borrow().inner.clone();
        let renderer = py.detach(move || engine::Renderer::new(&g, &opts, parts.job(frames.0))).map_err(to_py)?;
        let channels = renderer.channels();
        Ok(Renderer { inner: std::sync::Mutex::new(renderer), channels })
    }

    /// Output channels.
    #[getter]
    fn channels(&self) -> usize {
        self.channels
    }

    /// Frames still to render.
    #[getter]
    fn remaining(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).remaining()
    }

    /// The next at most `frames` frames as float32 (channels, n); n is 0 once done.
    fn next<'py>(&self, py: Python<'py>, frames: args::Frames) -> PyResult<Bound<'py, PyAny>> {
        let (n, ch) = (frames.0, self.channels);
        let (planar, got) = py.detach(|| {
            let mut r = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            let n = n.min(r.remaining());
            let mut planar = vec![0.0f32; n * ch];
            let got = r.next_planar(&mut planar, n);
            (planar, got)
        });
        Ok(PyArray1::from_vec(py, planar).reshape([ch, got])?.into_any())
    }
}

/// Every node kind: {kind: {doc, inputs, outputs, params: [{name, default, min, max,
/// unit, smooth, doc}], options: [{name, default, min, max | choices | columns, doc}]}}
/// (array options have default None and `columns` = (fewest, most)).
#[pyfunction]
fn node_specs(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    for spec in engine::nodes::all() {
        let d = PyDict::new(py);
        d.set_item("doc", spec.doc)?;
        d.set_item("inputs", spec.inputs.iter().map(|p| p.name).collect::<Vec<_>>())?;
        d.set_item("outputs", spec.outputs.iter().map(|p| p.name).collect::<Vec<_>>())?;
        let params = PyList::empty(py);
        for p in spec.params {
            let pd = PyDict::new(py);
            pd.set_item("name", p.name)?;
            pd.set_item("default", p.default)?;
            pd.set_item("min", p.min)?;
            pd.set_item("max", p.max)?;
            pd.set_item("unit", p.unit)?;
            pd.set_item("smooth", p.smooth)?;
            pd.set_item("doc", p.doc)?;
            params.append(pd)?;
        }
        d.set_item("params", params)?;
        let options = PyList::empty(py);
        for o in spec.options {
            let od = PyDict::new(py);
            od.set_item("name", o.name)?;
            od.set_item("doc", o.doc)?;
            match &o.default {
                engine::spec::OptDefault::Num { default, min, max } => {
                    od.set_item("default", default)?;
                    od.set_item("min", min)?;
                    od.set_item("max", max)?;
                }
                engine::spec::OptDefault::Choice(choices) => {
                    od.set_item("default", choices[0])?;
                    od.set_item("choices", choices.to_vec())?;
                }
                engine::spec::OptDefault::Array { min_columns, max_columns } => {
                    od.set_item("default", py.None())?;
                    od.set_item("columns", (min_columns, max_columns))?;
                }
            }
            options.append(od)?;
        }
        d.set_item("options", options)?;
        out.set_item(spec.kind, d)?;
    }
    Ok(out)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Graph>()?;
    m.add_class::<live::Engine>()?;
    m.add_class::<Renderer>()?;
    m.add_function(wrap_pyfunction!(live::devices, m)?)?;
    m.add_function(wrap_pyfunction!(live::midi_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(render, m)?)?;
    m.add_function(wrap_pyfunction!(node_specs, m)?)?;
    m.add("GraphError", m.py().get_type::<GraphError>())?;
    m.add("CycleError", m.py().get_type::<CycleError>())?;
    m.add("QueueFullError", m.py().get_type::<QueueFullError>())?;
    m.add("DeviceError", m.py().get_type::<DeviceError>())?;
    Ok(())
}
