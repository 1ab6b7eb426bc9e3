//! Write-behind recording: the audio thread copies frames of any set of channels into a
//! preallocated lock-free ring ([`RecordSink`]); a worker thread ([`Recorder`]) drains the
//! ring into memory or straight into a file (WAV or FLAC, [`FileFormat`]), making the file
//! readable at least once a second: its header always describes the data written so far,
//! so a process killed mid-take (`kill -9`) leaves a valid file holding everything up to
//! the last flush, and memory stays flat however long the take.
//!
//! One recorder serves every kind of recording: the live engine's capture of its output
//! and device input, and any other signal a host taps on the audio thread.
//!
//! ```
//! use chronus_engine::record::{recorder, Target};
//! let (mut sink, rec) = recorder(2, 48_000.0, 1.0, Target::Memory).unwrap();
//! // Audio thread: frames of 2 channels, interleaved, stamped with the sample clock.
//! assert!(sink.push(0, 3, [0.1f32, -0.1, 0.2, -0.2, 0.3, -0.3].into_iter()));
//! drop(sink);
//! let take = rec.finish().unwrap();
//! assert_eq!((take.frames, take.start, take.samples.len()), (3, Some(0), 6));
//! ```

mod flac;
pub mod midi_file;
mod wav;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::limits;

/// How often a file being recorded is made readable (header and data flushed).
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// How often the worker drains the ring.
const DRAIN_EVERY: Duration = Duration::from_millis(5);
/// Sample clock of the first frame before anything was recorded.
const NOT_STARTED: u64 = u64::MAX;

/// Sample encodings of a recorded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// WAV with 32-bit float samples (every bit the engine made); RF64 past 4 GB.
    WavFloat,
    /// WAV with 16-bit PCM samples.
    Wav16,
    /// WAV with 24-bit PCM samples.
    Wav24,
    /// FLAC, 16 bits per sample (lossless at that depth).
    Flac16,
    /// FLAC, 24 bits per sample.
    Flac24,
}

impl FileFormat {
    /// The format for a file name: `.wav` (float unless `bits` is 16 or 24) or `.flac`
    /// (24 bits unless `bits` is 16).
    pub fn for_path(path: &Path, bits: Option<u32>) -> Result<FileFormat> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        match (ext.as_str(), bits) {
            ("wav", None | Some(32)) => Ok(FileFormat::WavFloat),
            ("wav", Some(16)) => Ok(FileFormat::Wav16),
            ("wav", Some(24)) => Ok(FileFormat::Wav24),
            ("flac", Some(16)) => Ok(FileFormat::Flac16),
            ("flac", None | Some(24)) => Ok(FileFormat::Flac24),
            ("wav" | "flac", Some(b)) => {
                Err(Error::Invalid(format!("{}: cannot record {b}-bit samples (16, 24 or 32 for WAV)", path.display())))
            }
            _ => Err(Error::Invalid(format!(
                "{}: recordings are written as .wav or .flac, not '.{ext}'",
                path.display()
            ))),
        }
    }
}

/// Where a recording goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Kept in memory and handed back by [`Recorder::finish`].
    Memory,
    /// Streamed into a file (created or truncated).
    File {
        /// Where.
        path: PathBuf,
        /// How.
        format: FileFormat,
    },
}

/// A file being written while a recording runs.
pub(crate) trait FileWriter: Send {
    /// Appends interleaved frames.
    fn write(&mut self, samples: &[f32]) -> std::io::Result<()>;
    /// Makes the file readable as it stands: data written out, header describing it.
    fn flush(&mut self) -> std::io::Result<()>;
    /// Writes what is left and closes the file.
    fn finish(self: Box<Self>) -> std::io::Result<()>;
}

/// State shared by the two ends of a recording.
#[derive(Debug)]
struct Shared {
    /// Sample clock of the first recorded frame.
    start: AtomicU64,
    /// Frames dropped because the ring was full.
    overruns: AtomicU64,
    /// Frames the worker has taken out of the ring.
    frames: AtomicU64,
}

/// The audio thread's end of a recording.
pub struct RecordSink {
    producer: rtrb::Producer<f32>,
    channels: usize,
    shared: Arc<Shared>,
}

impl RecordSink {
    /// Channels per frame.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Appends `frames` frames whose first plays at `clock`, given as interleaved samples
    /// (`channels` per frame; a short iterator is padded with zeros). Never blocks or
    /// allocates: when the ring has no room the frames are dropped, counted as overruns,
    /// and false is returned.
    pub fn push(&mut self, clock: u64, frames: usize, samples: impl Iterator<Item = f32>) -> bool {
        let Ok(chunk) = self.producer.write_chunk_uninit(frames * self.channels) else {
            self.shared.overruns.fetch_add(frames as u64, Ordering::Relaxed);
            return false;
        };
        if self.shared.start.load(Ordering::Relaxed) == NOT_STARTED {
            self.shared.start.store(clock, Ordering::Release);
        }
        chunk.fill_from_iter(samples.chain(std::iter::repeat(0.0)));
        true
    }
}

/// What a finished recording holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Interleaved samples (a memory recording; empty for a file).
    pub samples: Vec<f32>,
    /// Channels per frame.
    pub channels: usize,
    /// Frames recorded.
    pub frames: u64,
    /// Sample clock of the first frame (None if nothing was recorded).
    pub start: Option<u64>,
    /// Frames lost because the ring was full.
    pub overruns: u64,
    /// The file written, for a file recording.
    pub path: Option<PathBuf>,
}

/// The control side of a recording: a worker draining the ring.
pub struct Recorder {
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
    worker: Option<JoinHandle<std::io::Result<Vec<f32>>>>,
    /// The first write error, kept for [`Recorder::error`] while the worker runs.
    failure: Arc<Mutex<Option<String>>>,
    channels: usize,
    path: Option<PathBuf>,
}

/// A recording of `channels` channels at `samplerate` Hz with room for `slack` seconds in
/// flight between the audio thread and the worker: returns the audio-thread sink and the
/// control-side recorder. Checks the slack and creates the file (if any) before starting.
pub fn recorder(channels: usize, samplerate: f64, slack: f64, target: Target) -> Result<(RecordSink, Recorder)> {
    if !(slack.is_finite() && slack > 0.0 && slack <= limits::MAX_CAPTURE_SLACK) {
        return Err(Error::Invalid(format!(
            "slack = {slack} s is outside (0, {}] (seconds of audio the ring holds in flight)",
            limits::MAX_CAPTURE_SLACK
        )));
    }
    if channels == 0 {
        return Err(Error::Invalid("a recording needs at least one channel".into()));
    }
    if let Target::File { path, format: FileFormat::Flac16 | FileFormat::Flac24 } = &target {
        if channels > 8 {
            return Err(Error::Invalid(format!(
                "{}: FLAC holds at most 8 channels, not {channels} (record to .wav)",
                path.display()
            )));
        }
    }
    let len = ((samplerate * slack) as usize).max(1024) * channels;
    limits::check_memory(&format!("slack = {slack} s of {channels} channels"), len as f64 * 4.0)?;
    let (mut writer, path): (Option<Box<dyn FileWriter>>, _) = match &target {
        Target::Memory => (None, None),
        Target::File { path, format } => {
            let w = open_writer(path, *format, channels, samplerate)
                .map_err(|e| Error::Device(format!("cannot record to {}: {e}", path.display())))?;
            (Some(w), Some(path.clone()))
        }
    };
    let (mut producer, mut consumer) = rtrb::RingBuffer::<f32>::new(len);
    prefault(&mut producer, &mut consumer);
    let shared =
        Arc::new(Shared { start: AtomicU64::new(NOT_STARTED), overruns: AtomicU64::new(0), frames: AtomicU64::new(0) });
    let stop = Arc::new(AtomicBool::new(false));
    let failure = Arc::new(Mutex::new(None));
    let (flag, counts, failed) = (stop.clone(), shared.clone(), failure.clone());
    let worker = std::thread::Builder::new()
        .name("chronus-record".into())
        .spawn(move || {
            let mut memory = Vec::new();
            let mut flushed = Instant::now();
            let result: std::io::Result<Vec<f32>> = (|| loop {
                let stopping = flag.load(Ordering::Acquire);
                let n = consumer.slots() / channels * channels;
                if let Ok(chunk) = consumer.read_chunk(n) {
                    let (a, b) = chunk.as_slices();
                    match writer.as_mut() {
                        Some(w) => {
                            w.write(a)?;
                            w.write(b)?;
                        }
                        None => {
                            memory.extend_from_slice(a);
                            memory.extend_from_slice(b);
                        }
                    }
                    chunk.commit_all();
                    counts.frames.fetch_add((n / channels) as u64, Ordering::Relaxed);
                }
                if stopping {
                    if let Some(w) = writer.take() {
                        w.finish()?;
                    }
                    return Ok(std::mem::take(&mut memory));
                }
                if flushed.elapsed() >= FLUSH_EVERY {
                    if let Some(w) = writer.as_mut() {
                        w.flush()?;
                    }
                    flushed = Instant::now();
                }
                std::thread::sleep(DRAIN_EVERY);
            })();
            if let Err(e) = &result {
                *failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
            }
            result
        })
        .map_err(|e| Error::Device(format!("cannot start the recording worker: {e}")))?;
    let sink = RecordSink { producer, channels, shared: shared.clone() };
    Ok((sink, Recorder { stop, shared, worker: Some(worker), failure, channels, path }))
}

/// Touches every page of a fresh ring here, on the control thread, so the audio thread
/// never takes a page fault the first time it writes somewhere.
fn prefault(producer: &mut rtrb::Producer<f32>, consumer: &mut rtrb::Consumer<f32>) {
    let len = producer.slots();
    if let Ok(chunk) = producer.write_chunk_uninit(len) {
        chunk.fill_from_iter(std::iter::repeat(0.0));
    }
    if let Ok(chunk) = consumer.read_chunk(len) {
        chunk.commit_all();
    }
}

fn open_writer(
    path: &Path,
    format: FileFormat,
    channels: usize,
    samplerate: f64,
) -> std::io::Result<Box<dyn FileWriter>> {
    let rate = samplerate.round() as u32;
    Ok(match format {
        FileFormat::WavFloat => Box::new(wav::WavWriter::create(path, channels, rate, wav::Sample::F32)?),
        FileFormat::Wav16 => Box::new(wav::WavWriter::create(path, channels, rate, wav::Sample::I16)?),
        FileFormat::Wav24 => Box::new(wav::WavWriter::create(path, channels, rate, wav::Sample::I24)?),
        FileFormat::Flac16 => Box::new(flac::FlacWriter::create(path, channels, rate, 16)?),
        FileFormat::Flac24 => Box::new(flac::FlacWriter::create(path, channels, rate, 24)?),
    })
}

impl Recorder {
    /// Channels per frame.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The file being written, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Frames lost so far because the ring was full.
    pub fn overruns(&self) -> u64 {
        self.shared.overruns.load(Ordering::Relaxed)
    }

    /// Frames taken out of the ring so far (written, or kept in memory).
    pub fn frames(&self) -> u64 {
        self.shared.frames.load(Ordering::Relaxed)
    }

    /// The write error that stopped the worker, if one did (a full disk, a removed drive).
    pub fn error(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stops (call it once the audio thread has let go of the sink, so every frame it
    /// wrote is drained), finishes the file and returns what was recorded.
    pub fn finish(mut self) -> Result<Recording> {
        self.stop.store(true, Ordering::Release);
        let outcome = match self.worker.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the recording worker panicked")),
            None => Ok(Vec::new()),
        };
        let samples = outcome.map_err(|e| {
            let what = self.path.as_ref().map_or("the recording".to_owned(), |p| p.display().to_string());
            Error::Device(format!("writing {what} failed: {e}"))
        })?;
        let start = self.shared.start.load(Ordering::Acquire);
        Ok(Recording {
            frames: self.frames(),
            samples,
            channels: self.channels,
            start: (start != NOT_STARTED).then_some(start),
            overruns: self.overruns(),
            path: self.path.take(),
        })
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

/// Converts a sample to a signed integer of `bits` bits (clamped, rounded; NaN is 0).
pub(crate) fn quantize(x: f32, bits: u32) -> i32 {
    let scale = (1i64 << (bits - 1)) as f64;
    let x = if x.is_nan() { 0.0 } else { x as f64 };
    (x * scale).round().clamp(-scale, scale - 1.0) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_quantize_with_clipping_and_nan_as_silence() {
        assert_eq!(quantize(1.0, 16), 32767);
        assert_eq!(quantize(-1.0, 16), -32768);
        assert_eq!(quantize(0.5, 24), 1 << 22);
        assert_eq!(quantize(f32::NAN, 16), 0);
        assert_eq!(quantize(f32::INFINITY, 24), (1 << 23) - 1);
    }

    #[test]
    fn a_full_ring_drops_whole_blocks_and_counts_them() {
        let (mut sink, rec) = recorder(1, 1000.0, 0.001, Target::Memory).unwrap();
        // The ring holds 1024 frames at least; the worker may drain meanwhile, so push far
        // more than it can hold at once.
        let mut dropped = 0;
        for block in 0..1000u64 {
            if !sink.push(block * 512, 512, std::iter::repeat(1.0)) {
                dropped += 512;
            }
        }
        drop(sink);
        let take = rec.finish().unwrap();
        assert_eq!(take.overruns, dropped);
        assert_eq!(take.frames + dropped, 512_000);
        assert!(take.samples.iter().all(|x| *x == 1.0));
    }

    #[test]
    fn bad_slack_and_unknown_formats_are_refused() {
        for slack in [0.0, -1.0, f64::INFINITY, f64::NAN, 1e6] {
            assert!(recorder(2, 48_000.0, slack, Target::Memory).is_err(), "{slack}");
        }
        let err = FileFormat::for_path(Path::new("take.mp3"), None).unwrap_err();
        assert!(err.to_string().contains("not '.mp3'"), "{err}");
        assert_eq!(FileFormat::for_path(Path::new("a.FLAC"), Some(16)).unwrap(), FileFormat::Flac16);
    }
}
