//! Long files streamed from disk: a read-ahead worker (one thread for every stream, like
//! Ardour's butler) decodes and converts each file into a lock-free ring that its player
//! reads on the audio thread; the audio thread never touches the file system and never
//! waits (a ring that runs dry plays silence and is counted in [`StreamReader::underruns`]).
//!
//! Each stream keeps the first [`HEAD`] seconds of its region in memory, so a start (or a
//! restart, when a clip is launched again) plays at once from there while the worker goes
//! back to the region's start and refills the ring behind it. Memory per stream is bounded
//! whatever the file's length: `(HEAD + RING) * samplerate * channels * 4` bytes of audio
//! (6 s: 2.3 MB for 48 kHz stereo; a 60-minute file held whole would take 1.4 GB) plus the
//! decoder's one-packet buffers.
//!
//! Offline renders must not depend on how fast the disk is: while an offline render runs on
//! a thread ([`OfflineRender`]), a reader whose ring is dry waits for the worker instead.
//!
//! Restarts reopen the file and seek to the region (sample-accurate for WAV, AIFF and FLAC)
//! from a whole number of the two rates' common period before it, and decode from there, so
//! the frames after the head are the frames a first start plays.

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rtrb::{Consumer, Producer, RingBuffer};

use super::decode::{file_error, MediaReader};
use super::resample::Converter;
use crate::error::Result;

/// Seconds of each region kept in memory for instant starts.
pub const HEAD: f64 = 2.0;
/// Seconds of read-ahead in each ring.
pub const RING: f64 = 4.0;
/// How often the worker looks at its streams.
const POLL: Duration = Duration::from_millis(2);
/// Output frames decoded before a region's start and dropped, so the resampler has its
/// history when the region's first frame comes out.
const PREROLL: u64 = 4096;

/// What a stream plays: a region of a file at the engine's rate.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSpec {
    /// The file.
    pub path: PathBuf,
    /// The engine's rate, Hz.
    pub samplerate: u32,
    /// First frame of the region, at the engine's rate.
    pub offset: u64,
    /// Frames of the region (None: to the end of the file).
    pub length: Option<u64>,
}

/// What the reader and the worker share.
struct Shared {
    channels: usize,
    /// The region's first frames, interleaved.
    head: Box<[f32]>,
    /// Generation of the playback the reader wants (bumped at each restart).
    wanted: AtomicU64,
    /// Generation the worker is filling the ring for.
    served: AtomicU64,
    /// Frames pushed into the ring before the first frame of the served generation.
    boundary: AtomicU64,
    /// Frames pushed when the served generation's region ended (u64::MAX until it does).
    end: AtomicU64,
    /// Blocks in which the ring ran dry while playing live.
    underruns: AtomicU64,
    /// A decoding error the worker met (the stream then ends), for the control thread.
    failed: AtomicBool,
}

/// The worker's side of one stream.
struct Filler {
    spec: StreamSpec,
    shared: Arc<Shared>,
    producer: Producer<f32>,
    source: Source,
    generation: u64,
    pushed: u64,
}

/// A decoder and converter positioned in the region.
struct Source {
    reader: MediaReader,
    converter: Converter,
    /// Converted frames waiting for room in the ring.
    pending: Vec<f32>,
    /// Next frame of `pending` to push.
    next: usize,
    /// Output frames still to drop before the region's first (the head's, on a restart).
    skip: u64,
    /// Region frames still to give (None: to the end of the file).
    left: Option<u64>,
    decoded: Vec<f32>,
    done: bool,
}

impl Source {
    /// Opens the region of `spec`, dropping its first `skip` frames.
    fn open(spec: &StreamSpec, skip: u64) -> Result<Source> {
        let mut reader = MediaReader::open(&spec.path)?;
        let (file_rate, rate) = (reader.samplerate() as u64, spec.samplerate as u64);
        // Start on a frame where both rates meet, PREROLL output frames early or more (the
        // decoder's own pre-roll if longer).
        let period = file_rate / gcd(file_rate, rate);
        let preroll = PREROLL.max(reader.preroll() * rate / file_rate);
        let start_out = spec.offset.saturating_sub(preroll);
        let start_file = start_out * file_rate / rate / period * period;
        let lead = spec.offset - start_file * rate / file_rate;
        let mut drop_file = 0;
        if start_file > 0 {
            drop_file = reader.seek(start_file)?;
        }
        let channels = reader.channels().max(1);
        let converter = Converter::new(file_rate as u32, rate as u32, channels)?;
        let mut source = Source {
            reader,
            converter,
            pending: Vec::new(),
            next: 0,
            skip: lead + skip,
            left: spec.length.map(|l| l - skip.min(l)),
            decoded: Vec::new(),
            done: false,
        };
        // Frames between where the seek landed and where conversion must start.
        while drop_file > 0 {
            source.decoded.clear();
            if !source.reader.next_chunk(&mut source.decoded)? {
                break;
            }
            let n = (source.decoded.len() / channels) as u64;
            let used = n.min(drop_file);
            drop_file -= used;
            if drop_file == 0 {
                let rest = source.decoded.split_off(used as usize * channels);
                source.converter.push(&rest, &mut source.pending);
                source.account(channels);
            }
        }
        Ok(source)
    }

    /// Applies the skip and the region's end to frames just converted into `pending`.
    fn account(&mut self, channels: usize) {
        let frames = (self.pending.len() / channels) as u64;
        let drop = self.skip.min(frames);
        self.skip -= drop;
        self.next = drop as usize;
        if let Some(left) = &mut self.left {
            let keep = (frames - drop).min(*left);
            *left -= keep;
            self.pending.truncate((drop + keep) as usize * channels);
            if *left == 0 {
                self.done = true;
            }
        }
    }

    /// Frames ready to push (interleaved), decoding more if none are; empty at the end.
    fn ready(&mut self, channels: usize) -> Result<&[f32]> {
        while self.next * channels >= self.pending.len() && !self.done {
            self.pending.clear();
            self.next = 0;
            self.decoded.clear();
            if self.reader.next_chunk(&mut self.decoded)? {
                self.converter.push(&self.decoded, &mut self.pending);
            } else {
                self.converter.finish(&mut self.pending);
                self.done = true;
            }
            self.account(channels);
        }
        Ok(&self.pending[(self.next * channels).min(self.pending.len())..])
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl Filler {
    /// Tops the ring up; false once the reader is gone.
    fn service(&mut self) -> bool {
        if self.producer.is_abandoned() {
            return false;
        }
        let ch = self.shared.channels;
        let wanted = self.shared.wanted.load(Ordering::Acquire);
        if wanted != self.generation {
            let head = (self.shared.head.len() / ch) as u64;
            match Source::open(&self.spec, head) {
                Ok(source) => self.source = source,
                Err(_) => {
                    self.shared.failed.store(true, Ordering::Relaxed);
                    self.source.done = true;
                    self.source.pending.clear();
                }
            }
            self.generation = wanted;
            self.shared.boundary.store(self.pushed, Ordering::Relaxed);
            self.shared.end.store(u64::MAX, Ordering::Relaxed);
            self.shared.served.store(wanted, Ordering::Release);
        }
        while self.producer.slots() >= ch {
            let ready = match self.source.ready(ch) {
                Ok(r) => r,
                Err(_) => {
                    self.shared.failed.store(true, Ordering::Relaxed);
                    &[]
                }
            };
            if ready.is_empty() {
                if self.shared.end.load(Ordering::Relaxed) == u64::MAX {
                    self.shared.end.store(self.pushed, Ordering::Release);
                }
                break;
            }
            let room = self.producer.slots() / ch * ch;
            let take = ready.len().min(room);
            let (done, _) = self.producer.push_partial_slice(&ready[..take]);
            let frames = done.len() / ch;
            self.source.next += frames;
            self.pushed += frames as u64;
        }
        true
    }
}

/// The worker thread and the streams it fills.
struct Butler {
    fillers: Mutex<Vec<Filler>>,
}

fn butler() -> &'static Butler {
    static BUTLER: OnceLock<Butler> = OnceLock::new();
    BUTLER.get_or_init(|| {
        std::thread::Builder::new()
            .name("chronus-disk".into())
            .spawn(|| loop {
                let busy = {
                    let mut fillers = butler().fillers.lock().unwrap_or_else(|e| e.into_inner());
                    fillers.retain_mut(Filler::service);
                    !fillers.is_empty()
                };
                std::thread::sleep(if busy { POLL } else { POLL * 10 });
            })
            .expect("the disk worker thread starts");
        Butler { fillers: Mutex::new(Vec::new()) }
    })
}

thread_local! {
    static OFFLINE: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as rendering offline while it lives: readers on it wait for
/// the disk instead of playing silence.
pub struct OfflineRender(bool);

impl OfflineRender {
    /// Enters offline rendering on this thread.
    pub fn enter() -> OfflineRender {
        OfflineRender(OFFLINE.with(|o| o.replace(true)))
    }
}

impl Drop for OfflineRender {
    fn drop(&mut self) {
        OFFLINE.with(|o| o.set(self.0));
    }
}

/// The audio thread's side of a stream: reads the region frame by frame from its start.
pub struct StreamReader {
    shared: Arc<Shared>,
    consumer: Consumer<f32>,
    generation: u64,
    /// Frames popped from the ring.
    popped: u64,
    /// Frames of the region played since the start.
    position: u64,
    /// Frames the reader skipped while the ring was dry (dropped when they arrive).
    owed: u64,
    /// Whether the reader played past the head since its last start (a restart must then
    /// ask the worker to go back).
    dirty: bool,
    ended: bool,
}

impl StreamReader {
    /// Opens `spec`: reads its head now (control thread) and hands the rest to the worker.
    pub fn open(spec: StreamSpec) -> Result<StreamReader> {
        let mut source = Source::open(&spec, 0)?;
        let channels = source.reader.channels();
        let head_frames = (HEAD * spec.samplerate as f64) as usize;
        let mut head = Vec::with_capacity(head_frames * channels);
        while head.len() < head_frames * channels {
            let ready = source.ready(channels)?;
            if ready.is_empty() {
                break;
            }
            let take = ready.len().min(head_frames * channels - head.len());
            head.extend_from_slice(&ready[..take]);
            source.next += take / channels;
        }
        if head.is_empty() {
            return Err(file_error(&spec.path, format!("holds no frames from frame {}", spec.offset)));
        }
        let ring = ((RING * spec.samplerate as f64) as usize).max(1) * channels;
        let (producer, consumer) = RingBuffer::new(ring);
        let shared = Arc::new(Shared {
            channels,
            head: head.into(),
            wanted: AtomicU64::new(0),
            served: AtomicU64::new(0),
            boundary: AtomicU64::new(0),
            end: AtomicU64::new(u64::MAX),
            underruns: AtomicU64::new(0),
            failed: AtomicBool::new(false),
        });
        let filler = Filler { spec, shared: Arc::clone(&shared), producer, source, generation: 0, pushed: 0 };
        butler().fillers.lock().unwrap_or_else(|e| e.into_inner()).push(filler);
        Ok(StreamReader {
            shared,
            consumer,
            generation: 0,
            popped: 0,
            position: 0,
            owed: 0,
            dirty: false,
            ended: false,
        })
    }

    /// Channels per frame.
    pub fn channels(&self) -> usize {
        self.shared.channels
    }

    /// Blocks in which the ring ran dry (live), so far.
    pub fn underruns(&self) -> u64 {
        self.shared.underruns.load(Ordering::Relaxed)
    }

    /// Bytes of audio this stream holds, whatever the file's length (head and ring).
    pub fn memory_bytes(&self) -> usize {
        (self.shared.head.len() + self.consumer.buffer().capacity()) * std::mem::size_of::<f32>()
    }

    /// Whether the worker met a decoding error (the stream then ends early).
    pub fn failed(&self) -> bool {
        self.shared.failed.load(Ordering::Relaxed)
    }

    /// Goes back to the region's first frame (audio thread: never blocks).
    pub fn restart(&mut self) {
        self.position = 0;
        self.ended = false;
        if self.dirty {
            self.dirty = false;
            self.generation += 1;
            self.owed = 0;
            self.shared.wanted.store(self.generation, Ordering::Release);
        }
    }

    /// Fills `out` (interleaved) with the next frames of the region; returns how many
    /// frames were the region's (fewer at its end, the rest then silent).
    pub fn read(&mut self, out: &mut [f32]) -> usize {
        let ch = self.shared.channels;
        let frames = out.len() / ch;
        let mut done = 0;
        let head = (self.shared.head.len() / ch) as u64;
        if self.position < head {
            let n = ((head - self.position) as usize).min(frames);
            let from = self.position as usize * ch;
            out[..n * ch].copy_from_slice(&self.shared.head[from..from + n * ch]);
            self.position += n as u64;
            done = n;
        }
        if done < frames && !self.ended {
            self.dirty = true;
            done += self.read_ring(&mut out[done * ch..]);
        }
        out[done * ch..].fill(0.0);
        done
    }

    fn read_ring(&mut self, out: &mut [f32]) -> usize {
        let ch = self.shared.channels;
        let frames = out.len() / ch;
        let mut done = 0;
        loop {
            if self.shared.served.load(Ordering::Acquire) == self.generation {
                // Drop what belongs to an earlier playback, and frames skipped while dry.
                let stale = self.shared.boundary.load(Ordering::Relaxed).saturating_sub(self.popped) + self.owed;
                let drop = (stale as usize).min(self.consumer.slots() / ch);
                if drop > 0 {
                    if let Ok(chunk) = self.consumer.read_chunk(drop * ch) {
                        chunk.commit_all();
                    }
                    self.popped += drop as u64;
                    self.owed = self.owed.saturating_sub(drop as u64);
                }
                if stale as usize == drop {
                    let (got, _) = self.consumer.pop_partial_slice(&mut out[done * ch..]);
                    let n = got.len() / ch;
                    self.popped += n as u64;
                    self.position += n as u64;
                    done += n;
                    if done == frames {
                        return done;
                    }
                    if self.popped >= self.shared.end.load(Ordering::Acquire) {
                        self.ended = true;
                        return done;
                    }
                }
            }
            if !OFFLINE.with(|o| o.get()) {
                break;
            }
            // Offline: the render waits for the disk rather than play silence.
            std::thread::sleep(Duration::from_micros(200));
        }
        // Live and dry: play silence for the rest, keep time, count it.
        out[done * ch..].fill(0.0);
        let missing = (frames - done) as u64;
        self.owed += missing;
        self.position += missing;
        self.shared.underruns.fetch_add(1, Ordering::Relaxed);
        frames
    }
}
