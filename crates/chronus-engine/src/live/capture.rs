//! The recording tap: the audio thread copies what it outputs (and optionally its device
//! input) into a lock-free ring; a worker thread drains the ring into memory. A device
//! stall cannot corrupt a capture, and a slow reader only loses frames it is told about.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Sample clock of the first captured frame before anything was captured.
const NOT_STARTED: u64 = u64::MAX;

/// State shared between the two ends of a capture.
#[derive(Debug)]
struct Shared {
    /// Sample clock of the first captured frame.
    start: AtomicU64,
    /// Frames dropped because the ring was full.
    overruns: AtomicU64,
}

/// The audio thread's end of a capture.
pub struct CaptureSink {
    producer: rtrb::Producer<f32>,
    with_input: bool,
    shared: Arc<Shared>,
}

impl CaptureSink {
    /// Appends `frames` frames: the output's channels, then (if asked for) the input's.
    /// Never blocks or allocates; a full ring drops the block and counts it.
    pub(crate) fn write(&mut self, clock: u64, out: &[f32], out_ch: usize, input: &[f32], in_ch: usize, frames: usize) {
        let in_ch = if self.with_input { in_ch } else { 0 };
        let width = out_ch + in_ch;
        let Ok(chunk) = self.producer.write_chunk_uninit(frames * width) else {
            self.shared.overruns.fetch_add(frames as u64, Ordering::Relaxed);
            return;
        };
        if self.shared.start.load(Ordering::Relaxed) == NOT_STARTED {
            self.shared.start.store(clock, Ordering::Release);
        }
        let samples = (0..frames).flat_map(|f| {
            let o = &out[f * out_ch..(f + 1) * out_ch];
            let i = if in_ch > 0 { &input[f * in_ch..(f + 1) * in_ch] } else { &[][..] };
            o.iter().chain(i).copied()
        });
        chunk.fill_from_iter(samples);
    }
}

/// The control side of a capture: a worker draining the ring into memory.
pub struct Recorder {
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
    worker: Option<JoinHandle<Vec<f32>>>,
    /// Channels per captured frame.
    pub channels: usize,
}

/// A finished capture.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// Interleaved samples.
    pub samples: Vec<f32>,
    /// Channels per frame (output channels, then input channels if captured).
    pub channels: usize,
    /// Sample clock of the first frame (None if nothing was captured).
    pub start: Option<u64>,
    /// Frames lost because the worker fell behind.
    pub overruns: u64,
}

/// Makes a capture holding up to `seconds_of_slack` of audio in flight between the audio
/// thread and the worker: returns the audio-thread sink and the control-side recorder.
pub fn capture(channels: usize, with_input: bool, samplerate: f64, seconds_of_slack: f64) -> (CaptureSink, Recorder) {
    let capacity = ((samplerate * seconds_of_slack) as usize).max(1024) * channels.max(1);
    let (producer, mut consumer) = rtrb::RingBuffer::<f32>::new(capacity);
    let shared = Arc::new(Shared { start: AtomicU64::new(NOT_STARTED), overruns: AtomicU64::new(0) });
    let stop = Arc::new(AtomicBool::new(false));
    let worker_stop = stop.clone();
    let worker = std::thread::Builder::new()
        .name("chronus-capture".into())
        .spawn(move || {
            let mut samples = Vec::new();
            loop {
                let stopping = worker_stop.load(Ordering::Acquire);
                let n = consumer.slots();
                if let Ok(chunk) = consumer.read_chunk(n) {
                    let (a, b) = chunk.as_slices();
                    samples.extend_from_slice(a);
                    samples.extend_from_slice(b);
                    chunk.commit_all();
                }
                if stopping {
                    return samples;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
        .expect("spawn capture worker");
    let sink = CaptureSink { producer, with_input, shared: shared.clone() };
    (sink, Recorder { stop, shared, worker: Some(worker), channels })
}

impl Recorder {
    /// Stops draining (after the audio thread has let go of the sink) and returns the audio.
    pub fn finish(mut self) -> Capture {
        self.stop.store(true, Ordering::Release);
        let mut samples = self.worker.take().map(|w| w.join().unwrap_or_default()).unwrap_or_default();
        let width = self.channels.max(1);
        samples.truncate(samples.len() / width * width);
        let start = self.shared.start.load(Ordering::Acquire);
        Capture {
            samples,
            channels: self.channels,
            start: (start != NOT_STARTED).then_some(start),
            overruns: self.shared.overruns.load(Ordering::Relaxed),
        }
    }

    /// Frames lost so far because the worker fell behind.
    pub fn overruns(&self) -> u64 {
        self.shared.overruns.load(Ordering::Relaxed)
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}
