//! `chronus._core`: thin PyO3 bindings over `chronus-engine`. Conversion, validation and
//! GIL release only; no DSP and no logic a test would need to reach through Python.

use chronus_engine as engine;
use engine::CompileOptions;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray2};
use pyo3::create_exception;
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

mod analysis;
mod args;
mod graph;
mod kernel;
mod live;
mod media;
mod song;

use graph::Graph;
use song::Song;

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

/// Renders `frames` frames of `graph` playing `song` from frame 0 (transport running);
/// returns float32 of shape (channels, frames). `input` (channels, frames) plays the part of
/// the device input. The GIL is released while the engine runs.
#[pyfunction]
#[pyo3(signature = (graph, song, frames, samplerate, blocksize, smoothing, input=None))]
#[allow(clippy::too_many_arguments)]
fn render<'py>(
    py: Python<'py>,
    graph: &Bound<'py, Graph>,
    song: &Song,
    frames: args::Frames,
    samplerate: f64,
    blocksize: args::Blocksize,
    smoothing: f64,
    input: Option<PyReadonlyArray2<'py, f32>>,
) -> PyResult<Bound<'py, PyAny>> {
    let frames = frames.0;
    let opts = CompileOptions { samplerate, max_block: blocksize.0, smoothing };
    // Borrow the graph only to copy it: another thread may edit it while this one renders.
    let (g, song) = (graph.borrow().inner.clone(), song.inner.clone());
    let (in_samples, in_channels) = input.as_ref().map(interleaved).unwrap_or_default();
    let (planar, channels) = py
        .detach(move || {
            let input = engine::Input { samples: &in_samples, channels: in_channels };
            let r = engine::render(&g, &opts, engine::RenderJob { frames, input, song })?;
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
    #[pyo3(signature = (graph, song, frames, samplerate, blocksize, smoothing, input=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        graph: &Bound<'_, Graph>,
        song: &Song,
        frames: args::Frames,
        samplerate: f64,
        blocksize: args::Blocksize,
        smoothing: f64,
        input: Option<PyReadonlyArray2<'_, f32>>,
    ) -> PyResult<Self> {
        let opts = CompileOptions { samplerate, max_block: blocksize.0, smoothing };
        let (g, song) = (graph.borrow().inner.clone(), song.inner.clone());
        let (in_samples, in_channels) = input.as_ref().map(interleaved).unwrap_or_default();
        let frames = frames.0;
        let renderer = py
            .detach(move || {
                let input = engine::Input { samples: &in_samples, channels: in_channels };
                engine::Renderer::new(&g, &opts, engine::RenderJob { frames, input, song })
            })
            .map_err(to_py)?;
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

    /// Keeps every record the feeds of `nodes` (analyzers, probes, by id) publish from now
    /// on, for `collected`.
    fn collect(&self, py: Python<'_>, nodes: Vec<u32>) -> PyResult<()> {
        py.detach(|| self.inner.lock().unwrap_or_else(|e| e.into_inner()).collect(&nodes)).map_err(to_py)
    }

    /// The records collected since `collect` (or the last call): a list of (node id, info,
    /// int64 times on the sample clock from 0, float32 values (n, width)).
    fn collected<'py>(&self, py: Python<'py>) -> PyResult<Vec<analysis::Analyzed<'py>>> {
        let got = py.detach(|| self.inner.lock().unwrap_or_else(|e| e.into_inner()).take_collected());
        got.into_iter()
            .map(|(id, c)| {
                let (times, values) = analysis::frame_arrays(py, c.times, c.values, c.info.width)?;
                Ok((id, analysis::info_dict(py, &c.info)?, times, values))
            })
            .collect()
    }
}

/// Audio given as (channels, frames), interleaved for the engine: (samples, channels).
pub(crate) fn interleaved(audio: &PyReadonlyArray2<'_, f32>) -> (Vec<f32>, usize) {
    let view = audio.as_array();
    let (ch, n) = view.dim();
    let mut out = vec![0.0f32; ch * n];
    for ((c, f), x) in view.indexed_iter() {
        out[f * ch + c] = *x;
    }
    (out, ch)
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
        d.set_item("params", param_dicts(py, spec.params)?)?;
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
                engine::spec::OptDefault::Int { default, min, max } => {
                    od.set_item("default", default)?;
                    od.set_item("min", min)?;
                    od.set_item("max", max)?;
                    od.set_item("integer", true)?;
                }
                engine::spec::OptDefault::Choice(choices) => {
                    od.set_item("default", choices[0])?;
                    od.set_item("choices", choices.to_vec())?;
                }
                engine::spec::OptDefault::Path => {
                    od.set_item("default", "")?;
                    od.set_item("path", true)?;
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

/// Parameters as dicts: name, default, min, max, unit, smooth, doc.
pub(crate) fn param_dicts<'py>(py: Python<'py>, params: &[engine::spec::ParamSpec]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for p in params {
        let pd = PyDict::new(py);
        pd.set_item("name", p.name)?;
        pd.set_item("default", p.default)?;
        pd.set_item("min", p.min)?;
        pd.set_item("max", p.max)?;
        pd.set_item("unit", p.unit)?;
        pd.set_item("smooth", p.smooth)?;
        pd.set_item("doc", p.doc)?;
        list.append(pd)?;
    }
    Ok(list)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Graph>()?;
    m.add_class::<Song>()?;
    m.add_class::<Renderer>()?;
    m.add_class::<song::Action>()?;
    m.add_class::<song::Track>()?;
    m.add_class::<song::CcMap>()?;
    m.add_class::<live::Engine>()?;
    m.add_class::<kernel::Kernel>()?;
    m.add_class::<analysis::Feed>()?;
    m.add_function(wrap_pyfunction!(live::devices, m)?)?;
    m.add_function(wrap_pyfunction!(live::midi_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(render, m)?)?;
    m.add_function(wrap_pyfunction!(node_specs, m)?)?;
    m.add_function(wrap_pyfunction!(media::load_audio, m)?)?;
    m.add_function(wrap_pyfunction!(media::resample, m)?)?;
    m.add_function(wrap_pyfunction!(media::probe_audio, m)?)?;
    m.add_class::<media::AudioBlocks>()?;
    m.add("AudioFileError", m.py().get_type::<media::AudioFileError>())?;
    m.add_function(wrap_pyfunction!(analysis::analyze, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::beats_offline, m)?)?;
    m.add("GraphError", m.py().get_type::<GraphError>())?;
    m.add("CycleError", m.py().get_type::<CycleError>())?;
    m.add("QueueFullError", m.py().get_type::<QueueFullError>())?;
    m.add("DeviceError", m.py().get_type::<DeviceError>())?;
    Ok(())
}
