//! Bindings for the live engine and the device list.

use chronus_engine as engine;
use engine::backend::StreamRequest;
use engine::live::{EngineConfig, Source};
use engine::record::{FileFormat, Target};
use numpy::{PyArray1, PyArrayMethods};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use engine::midi::MidiRoutes;
use engine::processor::TransportCommand;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::analysis::Feed;
use crate::song::{Action, CcMap, Song};
use crate::{args, to_py, Graph};

/// One node of an inspection as Python sees it: (node, total_ns, worst_ns, passes, resets,
/// ignored samples).
type NodeRow = (u32, u64, u64, u64, u64, u64);

/// A graph playing live (see `chronus.Engine` for the Python face).
///
/// Every method releases the GIL before it takes the engine's lock, and never waits for
/// the GIL while holding it, so Python threads can call in concurrently without deadlock.
#[pyclass(module = "chronus._core")]
pub struct Engine {
    inner: Mutex<Option<engine::live::Engine>>,
}

impl Engine {
    /// Runs `f` on the live engine with the GIL released.
    fn run<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut engine::live::Engine) -> engine::Result<R> + Send,
    ) -> PyResult<R> {
        py.detach(|| {
            let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            let live = guard.as_mut().ok_or_else(|| PyRuntimeError::new_err("the engine is closed"))?;
            f(live).map_err(to_py)
        })
    }
}

#[pymethods]
impl Engine {
    /// Opens the device and compiles `graph` for it; `play` starts the audio.
    #[new]
    #[pyo3(signature = (graph, backend, device, samplerate, blocksize, outputs, inputs, smoothing, edit_fade, client_name, connect, command_capacity, event_capacity, midi_in=false, midi_out=false, autoplay=true))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        graph: &Bound<'_, Graph>,
        backend: &Bound<'_, PyAny>,
        device: Option<&Bound<'_, PyAny>>,
        samplerate: Option<args::Samplerate>,
        blocksize: args::Blocksize,
        outputs: args::Outputs,
        inputs: args::Inputs,
        smoothing: f64,
        edit_fade: f64,
        client_name: &Bound<'_, PyAny>,
        connect: bool,
        command_capacity: args::Queue,
        event_capacity: args::EventCapacity,
        midi_in: bool,
        midi_out: bool,
        autoplay: bool,
    ) -> PyResult<Self> {
        let config = EngineConfig {
            stream: StreamRequest {
                backend: args::text(backend, "backend", "a string such as 'auto', 'jack', 'null' or 'alsa'")?,
                device: device.map(|d| args::text(d, "device", "a device name (or part of it)")).transpose()?,
                samplerate: samplerate.map(|r| r.0),
                blocksize: blocksize.0,
                outputs: outputs.0,
                inputs: inputs.0,
                client_name: args::text(client_name, "name", "a client name")?,
                connect,
                midi_in,
                midi_out,
            },
            blocksize: blocksize.0,
            smoothing,
            edit_fade,
            command_capacity: command_capacity.0,
            event_capacity: event_capacity.0,
            autoplay,
        };
        // Borrow the graph only to copy it: another thread may edit it while this one waits.
        let g = graph.borrow().inner.clone();
        let inner = py.detach(move || engine::live::Engine::open(&g, &config)).map_err(to_py)?;
        Ok(Engine { inner: Mutex::new(Some(inner)) })
    }

    /// Starts the audio, playing `song` from the first frame (the timeline and the tracks;
    /// the transport running from it when the engine was opened with `autoplay`).
    fn play(&self, py: Python<'_>, song: &Song) -> PyResult<()> {
        let song = song.inner.clone();
        self.run(py, move |live| live.play(song))
    }

    /// What the backend granted: backend, device, samplerate, device_block, blocksize,
    /// outputs, inputs.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let (i, blocksize) = self.run(py, |live| Ok((live.info().clone(), live.blocksize())))?;
        let d = PyDict::new(py);
        d.set_item("backend", &i.backend)?;
        d.set_item("device", &i.device)?;
        d.set_item("samplerate", i.samplerate)?;
        d.set_item("device_block", i.device_block)?;
        d.set_item("blocksize", blocksize)?;
        d.set_item("outputs", i.outputs)?;
        d.set_item("inputs", i.inputs)?;
        Ok(d)
    }

    /// Sends `action` for `frame` of the sample clock (None: the start of the next block).
    /// Checked against the playing graph first.
    #[pyo3(signature = (action, frame=None))]
    fn send(&self, py: Python<'_>, action: &Action, frame: Option<args::Frame>) -> PyResult<()> {
        let kind = action.kind;
        self.run(py, |live| live.send(frame.map(|f| f.0), kind))
    }

    /// Sends `action` for the moment the transport plays `beat` (at once if it has passed).
    fn cue(&self, py: Python<'_>, action: &Action, beat: f64) -> PyResult<()> {
        let kind = action.kind;
        self.run(py, |live| live.cue(beat, kind))
    }

    /// Compiles `graph` and swaps it in while playing.
    fn swap(&self, py: Python<'_>, graph: &Bound<'_, Graph>) -> PyResult<()> {
        // Borrow the graph only to copy it: another thread may edit it while this one waits.
        let g = graph.borrow().inner.clone();
        self.run(py, move |live| live.swap(&g))
    }

    /// The sample clock now (estimated between callbacks).
    fn now(&self, py: Python<'_>) -> PyResult<u64> {
        self.run(py, |live| Ok(live.now()))
    }

    /// The feature feed of analyzer node `node` (None if it writes none or is not playing).
    fn feed(&self, py: Python<'_>, node: u32) -> PyResult<Option<Feed>> {
        Ok(self.run(py, |live| Ok(live.feed(node)))?.map(Feed::new))
    }

    /// Timing, counters and meters from the latest callback.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let (s, sr, xruns, dropped, underruns) = self.run(py, |live| {
            Ok((live.snapshot(), live.info().samplerate, live.xruns(), live.dropped_commands(), live.input_underruns()))
        })?;
        let d = PyDict::new(py);
        let deadline = s.callback_frames as f64 / sr;
        d.set_item("clock", s.clock)?;
        d.set_item("time", s.clock as f64 / sr)?;
        d.set_item("callbacks", s.callbacks)?;
        d.set_item("callback_frames", s.callback_frames)?;
        d.set_item("callback_started", s.callback_start_ns as f64 * 1e-9)?;
        d.set_item("deadline_ms", deadline * 1e3)?;
        d.set_item("callback_mean_ms", s.busy_ns as f64 / s.callbacks.max(1) as f64 * 1e-6)?;
        d.set_item("callback_worst_ms", s.worst_ns as f64 * 1e-6)?;
        d.set_item("callback_p99_ms", s.time_quantile(0.99) * 1e3)?;
        d.set_item("late_callbacks", s.late_callbacks)?;
        d.set_item("load", s.load(sr))?;
        d.set_item("xruns", xruns)?;
        d.set_item("late_events", s.late_events)?;
        d.set_item("orphan_events", s.orphan_events)?;
        d.set_item("dropped_events", s.dropped_events)?;
        d.set_item("events_done", s.events_done)?;
        d.set_item("dropped_commands", dropped)?;
        d.set_item("swaps", s.swaps)?;
        d.set_item("crossfades", s.crossfades)?;
        d.set_item("node_resets", s.node_resets)?;
        d.set_item("ignored_samples", s.ignored_samples)?;
        d.set_item("capture_overruns", s.capture_overruns)?;
        d.set_item("input_underruns", underruns)?;
        d.set_item("beat", s.beat)?;
        d.set_item("bpm", s.bpm)?;
        d.set_item("playing", s.playing)?;
        d.set_item("cued", s.cued)?;
        d.set_item("last_cc", s.last_cc)?;
        d.set_item("midi_received", s.midi_received)?;
        d.set_item("cc_received", s.cc_received)?;
        d.set_item("dropped_midi", s.dropped_midi)?;
        d.set_item("device_frame", s.device_frame)?;
        d.set_item("commands_deferred", s.commands_deferred)?;
        d.set_item("skipped_track_events", s.skipped_track_events)?;
        d.set_item("audio_panics", s.audio_panics)?;
        d.set_item("faulted", s.faulted)?;
        d.set_item("callback_histogram", s.time_histogram.to_vec())?;
        let ch = s.channels as usize;
        d.set_item("peak", s.peak[..ch].to_vec())?;
        d.set_item("rms", s.rms[..ch].to_vec())?;
        Ok(d)
    }

    /// Has the audio thread time every node's `process` (`profile`, from zero when switched
    /// on) and keep the last frame of every node output (`values`).
    fn inspect(&self, py: Python<'_>, profile: bool, values: bool) -> PyResult<()> {
        let flags =
            if profile { engine::schedule::PROFILE } else { 0 } | if values { engine::schedule::VALUES } else { 0 };
        self.run(py, move |live| live.inspect(flags))
    }

    /// The newest inspection: (sample clock, [(node, total_ns, worst_ns, passes, resets,
    /// ignored samples)]); clock 0 when nothing was published yet.
    fn inspection(&self, py: Python<'_>) -> PyResult<(u64, Vec<NodeRow>)> {
        self.run(py, |live| {
            Ok(live.inspection().map_or((0, Vec::new()), |i| {
                let nodes = i
                    .nodes
                    .iter()
                    .map(|n| {
                        let t = n.timing;
                        (n.id, t.total_ns, t.worst_ns, t.passes, n.repairs.resets, n.repairs.ignored)
                    })
                    .collect();
                (i.clock, nodes)
            }))
        })
    }

    /// The last frame of output `port` of `node` (one value per channel) with the sample clock
    /// it was published at, or None when the playing graph has no such output.
    fn read_output(&self, py: Python<'_>, node: u32, port: usize) -> PyResult<Option<(u64, Vec<f32>)>> {
        self.run(py, move |live| Ok(live.read_output(node, port)))
    }

    /// Starts recording `source` ("output", "input" or "both") into memory, or into the
    /// WAV/FLAC file `path` (written as the take goes; `bits` 16, 24 or 32 for WAV).
    #[pyo3(signature = (source, slack, path=None, bits=None))]
    fn start_capture(
        &self,
        py: Python<'_>,
        source: &str,
        slack: f64,
        path: Option<PathBuf>,
        bits: Option<u32>,
    ) -> PyResult<()> {
        let source = match source {
            "output" => Source::Output,
            "input" => Source::Input,
            "both" => Source::Both,
            other => {
                return Err(PyValueError::new_err(format!("source must be 'output', 'input' or 'both', got '{other}'")))
            }
        };
        let target = match path {
            Some(path) => {
                let format = FileFormat::for_path(&path, bits).map_err(to_py)?;
                Target::File { path, format }
            }
            None => Target::Memory,
        };
        self.run(py, move |live| live.start_capture(source, slack, target))
    }

    /// The running capture: {frames, overruns, path, error} (None when none runs).
    fn capture_status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let status = self.run(py, |live| {
            Ok(live.capture_status().map(|r| (r.frames(), r.overruns(), r.path().map(PathBuf::from), r.error())))
        })?;
        let Some((frames, overruns, path, error)) = status else { return Ok(None) };
        let d = PyDict::new(py);
        d.set_item("frames", frames)?;
        d.set_item("overruns", overruns)?;
        d.set_item("path", path)?;
        d.set_item("error", error)?;
        Ok(Some(d))
    }

    /// Stops recording; returns (float32 (channels, frames) or None for a file capture,
    /// start frame or None, overruns, frames, path or None).
    #[allow(clippy::type_complexity)]
    fn stop_capture<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Option<Bound<'py, PyAny>>, Option<u64>, u64, u64, Option<PathBuf>)> {
        let capture = self.run(py, |live| live.stop_capture())?;
        let array = match capture.path {
            Some(_) => None,
            None => {
                let ch = capture.channels.max(1);
                let frames = capture.samples.len() / ch;
                let mut planar = vec![0.0f32; frames * ch];
                for (f, row) in capture.samples.chunks_exact(ch).enumerate() {
                    for (c, x) in row.iter().enumerate() {
                        planar[c * frames + f] = *x;
                    }
                }
                Some(PyArray1::from_vec(py, planar).reshape([ch, frames])?.into_any())
            }
        };
        Ok((array, capture.start, capture.overruns, capture.frames, capture.path))
    }

    /// Plays `song` from where the playing one is (transport position, the timeline from
    /// the current frame), without a jump.
    fn continue_song(&self, py: Python<'_>, song: &Song) -> PyResult<()> {
        let song = song.inner.clone();
        self.run(py, move |live| live.continue_song(song))
    }

    /// Replaces the transport with `song`'s tempo map and tracks, stopped at beat 0 (events
    /// cued for beats are forgotten).
    fn reset_transport(&self, py: Python<'_>, song: &Song) -> PyResult<()> {
        let song = song.inner.clone();
        self.run(py, move |live| live.set_transport(song.tempo, song.tracks))
    }

    /// Starts the transport from its position.
    fn transport_start(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |live| live.transport(TransportCommand::Start))
    }

    /// Stops the transport, releasing the notes its tracks left on.
    fn transport_stop(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |live| live.transport(TransportCommand::Stop))
    }

    /// Moves the transport to `beat`.
    fn transport_seek(&self, py: Python<'_>, beat: f64) -> PyResult<()> {
        if !(beat.is_finite() && beat >= 0.0) {
            return Err(PyValueError::new_err(format!("seek needs a beat >= 0, got {beat}")));
        }
        self.run(py, |live| live.transport(TransportCommand::Seek(beat)))
    }

    /// Loops the transport between beats `start` and `end`, or stops looping (None).
    #[pyo3(signature = (range))]
    fn transport_loop(&self, py: Python<'_>, range: Option<(f64, f64)>) -> PyResult<()> {
        if let Some((a, b)) = range {
            if !(a.is_finite() && b.is_finite() && a >= 0.0 && b > a) {
                return Err(PyValueError::new_err(format!("a loop needs 0 <= start < end beats, got {a}, {b}")));
            }
        }
        self.run(py, |live| live.transport(TransportCommand::Loop(range)))
    }

    /// Sets the tempo from the transport's current beat on, in beats per minute.
    fn transport_tempo(&self, py: Python<'_>, bpm: f64) -> PyResult<()> {
        if !(bpm.is_finite() && bpm > 0.0 && bpm <= 10_000.0) {
            return Err(PyValueError::new_err(format!("tempo must be in (0, 10000] bpm, got {bpm}")));
        }
        self.run(py, |live| live.transport(TransportCommand::Tempo(bpm)))
    }

    /// Which node hears each of the 16 MIDI channels (None: nobody).
    fn set_routes(&self, py: Python<'_>, routes: Vec<Option<u32>>) -> PyResult<()> {
        let mut r = MidiRoutes::default();
        for (slot, node) in r.by_channel.iter_mut().zip(routes) {
            *slot = node;
        }
        self.run(py, move |live| live.set_routes(r))
    }

    /// Replaces the controller mappings.
    fn set_cc_maps(&self, py: Python<'_>, maps: Vec<Bound<'_, CcMap>>) -> PyResult<()> {
        let maps = maps.iter().map(|m| m.get().inner).collect();
        self.run(py, move |live| live.set_cc_maps(maps))
    }

    /// Sends a raw MIDI message received `age` seconds ago (None: now).
    #[pyo3(signature = (bytes, age=None))]
    fn send_midi(&self, py: Python<'_>, bytes: Vec<u8>, age: Option<f64>) -> PyResult<()> {
        let at = match age {
            Some(a) if a.is_finite() && a >= 0.0 => Some(Instant::now() - Duration::from_secs_f64(a)),
            Some(a) => return Err(PyValueError::new_err(format!("age must be >= 0 seconds, got {a}"))),
            None => None,
        };
        self.run(py, move |live| live.send_midi(&bytes, at))
    }

    /// Listens to the OS MIDI input port whose name contains `name`.
    fn open_midi_input(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        self.run(py, |live| live.open_midi_input(name))
    }

    /// Starts recording incoming MIDI, in memory or (with `path`) into a MIDI file written
    /// as it goes.
    #[pyo3(signature = (path=None))]
    fn start_midi_record(&self, py: Python<'_>, path: Option<PathBuf>) -> PyResult<()> {
        self.run(py, |live| live.start_midi_record(path.as_deref()))
    }

    /// Stops recording MIDI; returns [(frame, bytes)].
    fn stop_midi_record(&self, py: Python<'_>) -> PyResult<Vec<(u64, Vec<u8>)>> {
        let recorded = self.run(py, |live| live.stop_midi_record())?;
        let mut bytes = [0u8; 3];
        Ok(recorded
            .into_iter()
            .filter_map(|(frame, event)| {
                let n = event.to_midi(&mut bytes);
                (n > 0).then(|| (frame, bytes[..n].to_vec()))
            })
            .collect())
    }

    /// Connects two ports by name (JACK), e.g. "chronus:out_1" to "chronus:in_1".
    fn connect(&self, py: Python<'_>, source: &str, destination: &str) -> PyResult<()> {
        self.run(py, |live| live.connect(source, destination))
    }

    /// Stops the audio and releases the device (the GIL is released meanwhile).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| {
            let taken = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take();
            taken.map_or(Ok(()), |mut live| live.stop()).map_err(to_py)
        })
    }

    /// Whether the engine is still open.
    #[getter]
    fn open(&self, py: Python<'_>) -> bool {
        py.detach(|| self.inner.lock().unwrap_or_else(|e| e.into_inner()).is_some())
    }
}

/// Names of the OS MIDI input ports (ALSA sequencer, CoreMIDI, WinMM); empty without one.
#[pyfunction]
pub fn midi_inputs() -> Vec<String> {
    engine::live::os_midi::input_ports()
}

/// Every backend and device: [{backend, name, outputs, inputs, samplerates, default}].
#[pyfunction]
pub fn devices(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for d in py.detach(engine::backend::devices) {
        let e = PyDict::new(py);
        e.set_item("backend", d.backend)?;
        e.set_item("name", d.name)?;
        e.set_item("outputs", d.outputs)?;
        e.set_item("inputs", d.inputs)?;
        e.set_item("samplerates", d.samplerates)?;
        e.set_item("default", d.default)?;
        list.append(e)?;
    }
    Ok(list)
}
