//! Bindings for feature frames: the feeds of a live engine's analyzer nodes, offline
//! analysis through the engine loop, and the offline (look-ahead) beat tracker.

use chronus_engine as engine;
use engine::analysis::beat::{self, BeatConfig};
use engine::analysis::feed::{FeedInfo, SharedReader};
use engine::CompileOptions;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::{args, interleaved, to_py, Graph};

/// What a feed carries: kind, columns, units, width, samplerate (Hz), hop (s), latency (s).
pub(crate) fn info_dict<'py>(py: Python<'py>, info: &FeedInfo) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("kind", info.kind)?;
    d.set_item("columns", info.columns.clone())?;
    d.set_item("units", info.units.clone())?;
    d.set_item("width", info.width)?;
    d.set_item("samplerate", info.samplerate)?;
    d.set_item("hop", info.hop)?;
    d.set_item("latency", info.latency)?;
    Ok(d)
}

/// Frames as numpy: times (int64, sample clock) and values (float32, frames x width).
pub(crate) type FrameArrays<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>);

pub(crate) fn frame_arrays(
    py: Python<'_>,
    times: Vec<i64>,
    values: Vec<f32>,
    width: usize,
) -> PyResult<FrameArrays<'_>> {
    let n = times.len();
    let values = PyArray1::from_vec(py, values).reshape([n, width])?;
    Ok((PyArray1::from_vec(py, times).into_any(), values.into_any()))
}

/// The reading end of an analyzer node's feed in a live engine (see
/// `chronus.analysis.FeatureStream` for the Python face). When an edit rebuilds the node,
/// the engine puts a fresh feed into this same handle.
#[pyclass(module = "chronus._core")]
pub struct Feed {
    inner: SharedReader,
}

impl Feed {
    pub(crate) fn new(inner: SharedReader) -> Self {
        Feed { inner }
    }

    /// Runs `f` on the reader with the GIL released.
    fn with<R: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut engine::analysis::feed::FeedReader) -> R + Send) -> R {
        py.detach(|| f(&mut self.inner.lock().unwrap_or_else(|e| e.into_inner())))
    }
}

#[pymethods]
impl Feed {
    /// What the feed carries.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let info = self.with(py, |r| r.info().clone());
        info_dict(py, &info)
    }

    /// Frames published so far, read or not.
    fn written(&self, py: Python<'_>) -> u64 {
        self.with(py, |r| r.written())
    }

    /// Frames lost because the reader fell behind.
    fn dropped(&self, py: Python<'_>) -> u64 {
        self.with(py, |r| r.dropped())
    }

    /// The latest frame: (time on the sample clock, float32 values), or None before the first.
    fn latest<'py>(&self, py: Python<'py>) -> PyResult<Option<(i64, Bound<'py, PyAny>)>> {
        let latest = self.with(py, |r| r.latest().map(|(t, v)| (t, v.to_vec())));
        Ok(latest.map(|(t, v)| (t, PyArray1::from_vec(py, v).into_any())))
    }

    /// Takes every frame waiting: (int64 times (n,), float32 values (n, width)).
    fn drain<'py>(&self, py: Python<'py>) -> PyResult<FrameArrays<'py>> {
        let (times, values, width) = self.with(py, |r| {
            let (mut times, mut values) = (Vec::new(), Vec::new());
            r.drain(&mut times, &mut values);
            (times, values, r.info().width)
        });
        frame_arrays(py, times, values, width)
    }
}

/// One analyzer's frames: (node id, info, times, values).
pub(crate) type Analyzed<'py> = (u32, Bound<'py, PyDict>, Bound<'py, PyAny>, Bound<'py, PyAny>);

/// Runs `graph` over `input` (float32, channels x frames, feeding its input nodes) with the
/// engine loop and returns every frame each analyzer published: a list of (node id, info,
/// int64 times on the sample clock from 0, float32 values (n, width)). GIL released.
#[pyfunction]
#[pyo3(signature = (graph, input, samplerate, blocksize))]
pub fn analyze<'py>(
    py: Python<'py>,
    graph: &Bound<'py, Graph>,
    input: PyReadonlyArray2<'py, f32>,
    samplerate: f64,
    blocksize: args::Blocksize,
) -> PyResult<Vec<Analyzed<'py>>> {
    let opts = CompileOptions { samplerate, max_block: blocksize.0, smoothing: 0.0 };
    // Borrow the graph only to copy it: another thread may edit it while this one runs.
    let g = graph.borrow().inner.clone();
    let (samples, channels) = interleaved(&input);
    let collected =
        py.detach(move || engine::analysis::batch::analyze(&g, &opts, &samples, channels)).map_err(to_py)?;
    collected
        .into_iter()
        .map(|(id, c)| {
            let (times, values) = frame_arrays(py, c.times, c.values, c.info.width)?;
            Ok((id, info_dict(py, &c.info)?, times, values))
        })
        .collect()
}

/// The offline beat tracker (Viterbi over the whole recording) on mono `samples` at
/// `samplerate` Hz: (int64 beat times on the sample clock, float64 tempo in BPM per beat).
#[pyfunction]
#[pyo3(signature = (samples, samplerate, bpm_min, bpm_max, prior_bpm, prior_octaves))]
pub fn beats_offline<'py>(
    py: Python<'py>,
    samples: PyReadonlyArray1<'py, f32>,
    samplerate: f64,
    bpm_min: f64,
    bpm_max: f64,
    prior_bpm: f64,
    prior_octaves: f64,
) -> PyResult<FrameArrays<'py>> {
    let config = BeatConfig { bpm_min, bpm_max, prior_bpm, prior_octaves };
    config.check().map_err(PyValueError::new_err)?;
    if !(samplerate.is_finite() && samplerate >= 1000.0) {
        return Err(PyValueError::new_err(format!("samplerate {samplerate} Hz: at least 1000 Hz")));
    }
    let x = samples.as_slice()?.to_vec();
    let beats = py.detach(move || beat::track_offline(&x, samplerate, &config));
    let (times, tempi): (Vec<i64>, Vec<f64>) = beats.into_iter().unzip();
    Ok((PyArray1::from_vec(py, times).into_any(), PyArray1::from_vec(py, tempi).into_any()))
}
