//! Audio files through the engine's decoder (symphonia) and resampler (rubato).

use std::path::PathBuf;

use chronus_engine as engine;
use numpy::{PyArray1, PyArrayMethods};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    _core,
    AudioFileError,
    PyValueError,
    "An audio file that is missing, empty, truncated, garbled or in a format Chronus cannot read; \
     the message names the file."
);

/// Decodes `path` (WAV, AIFF, FLAC, OGG/Vorbis, MP3, AAC/ALAC in MP4) and converts it to
/// `samplerate` Hz if given; returns float32 of shape (channels, frames) and the rate in Hz.
/// The GIL is released while it decodes.
#[pyfunction]
#[pyo3(signature = (path, samplerate=None))]
pub(crate) fn load_audio(py: Python<'_>, path: PathBuf, samplerate: Option<u32>) -> PyResult<(Bound<'_, PyAny>, u32)> {
    let audio = py
        .detach(move || match samplerate {
            Some(rate) => engine::media::load(&path, rate),
            None => engine::media::decode_file(&path),
        })
        .map_err(|e| AudioFileError::new_err(e.to_string()))?;
    let (channels, frames) = (audio.channels, audio.frames());
    let mut planar = vec![0.0f32; audio.samples.len()];
    for (f, frame) in audio.samples.chunks_exact(channels).enumerate() {
        for (c, x) in frame.iter().enumerate() {
            planar[c * frames + f] = *x;
        }
    }
    let array = PyArray1::from_vec(py, planar).reshape([channels, frames])?;
    Ok((array.into_any(), audio.samplerate))
}

/// `audio` (float32, shape (channels, frames)) converted from `source` Hz to `target` Hz with
/// the engine's resampler; returns float32 of shape (channels, ceil(frames * target / source)).
#[pyfunction]
pub(crate) fn resample<'py>(
    py: Python<'py>,
    audio: numpy::PyReadonlyArray2<'py, f32>,
    source: u32,
    target: u32,
) -> PyResult<Bound<'py, PyAny>> {
    let view = audio.as_array();
    let (channels, frames) = view.dim();
    let mut interleaved = vec![0.0f32; channels * frames];
    for ((c, f), x) in view.indexed_iter() {
        interleaved[f * channels + c] = *x;
    }
    let out = py
        .detach(move || engine::media::convert(&interleaved, channels, source, target))
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let n = out.len() / channels.max(1);
    let mut planar = vec![0.0f32; out.len()];
    for (f, frame) in out.chunks_exact(channels).enumerate() {
        for (c, x) in frame.iter().enumerate() {
            planar[c * n + f] = *x;
        }
    }
    Ok(PyArray1::from_vec(py, planar).reshape([channels, n])?.into_any())
}

/// Channels, sample rate (Hz) and frames (at that rate) of `path`, from its header (see
/// `chronus_engine::media::probe`): the frames decoding it yields, without decoding it.
/// The GIL is released while it reads.
#[pyfunction]
pub(crate) fn probe_audio(py: Python<'_>, path: PathBuf) -> PyResult<(usize, u32, u64)> {
    let probe = py.detach(move || engine::media::probe(&path)).map_err(|e| AudioFileError::new_err(e.to_string()))?;
    Ok((probe.channels, probe.samplerate, probe.frames))
}

/// The frames of an audio file in any format the engine decodes, read `block` frames at a
/// time (the last block shorter): an iterator of float32 arrays of shape (channels, frames)
/// at the file's own rate. Memory holds one block whatever the file's length. The GIL is
/// released while it decodes.
#[pyclass(module = "chronus._core")]
pub(crate) struct AudioBlocks {
    reader: engine::media::MediaReader,
    block: usize,
    /// Decoded frames (interleaved) not yet returned.
    pending: Vec<f32>,
    done: bool,
}

#[pymethods]
impl AudioBlocks {
    #[new]
    fn new(py: Python<'_>, path: PathBuf, block: usize) -> PyResult<Self> {
        if block == 0 {
            return Err(PyValueError::new_err("block must be at least 1 frame"));
        }
        let reader = py
            .detach(move || engine::media::MediaReader::open(&path))
            .map_err(|e| AudioFileError::new_err(e.to_string()))?;
        Ok(AudioBlocks { reader, block, pending: Vec::new(), done: false })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let channels = self.reader.channels().max(1);
        let want = self.block * channels;
        let AudioBlocks { reader, pending, done, .. } = self;
        py.detach(|| {
            while !*done && pending.len() < want {
                *done = !reader.next_chunk(pending)?;
            }
            Ok::<_, engine::Error>(())
        })
        .map_err(|e| AudioFileError::new_err(e.to_string()))?;
        let take = want.min(self.pending.len());
        if take == 0 {
            return Ok(None);
        }
        let frames = take / channels;
        let mut planar = vec![0.0f32; take];
        for (f, frame) in self.pending[..take].chunks_exact(channels).enumerate() {
            for (c, x) in frame.iter().enumerate() {
                planar[c * frames + f] = *x;
            }
        }
        self.pending.drain(..take);
        Ok(Some(PyArray1::from_vec(py, planar).reshape([channels, frames])?.into_any()))
    }
}
