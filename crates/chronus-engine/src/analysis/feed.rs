//! Feature feeds: how analyzer nodes hand their frames from the audio thread to readers on
//! other threads, without allocating, locking or waiting.
//!
//! A feed is a preallocated single-producer single-consumer ring of records (`rtrb`), each
//! record the frame's time on the engine's sample clock (an `i64` split over two `f32`
//! slots, bit for bit) followed by its values, plus a triple buffer holding the latest
//! record for readers that only want a snapshot. When the ring is full the audio thread
//! drops the new frame and counts it; the reader sees the count ([`FeedReader::dropped`]).
//!
//! The node that writes a feed is built on the control thread; the compiler takes the
//! reading end out of it ([`crate::node::Node::take_feed`]) and keeps it in the compiled
//! schedule, keyed by node id, from where the live engine or the offline driver collects
//! it ([`crate::schedule::Schedule::take_feeds`], [`Feeds`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::graph::NodeId;
use crate::schedule::{Schedule, Signature};

/// Slots a record's time takes in the ring.
const TIME_SLOTS: usize = 2;

/// What a feed carries: for readers to name and scale the values.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedInfo {
    /// Kind of the node writing it.
    pub kind: &'static str,
    /// Names of the values of a frame, one per column (empty for numbered bins).
    pub columns: Vec<&'static str>,
    /// Units of the values: one per column, or one for every bin.
    pub units: Vec<&'static str>,
    /// Values per frame.
    pub width: usize,
    /// Sample rate of the engine clock the times count, in Hz.
    pub samplerate: f64,
    /// Seconds between frames (0 for events: onsets, beats, notes).
    pub hop: f64,
    /// Seconds from the time a frame stands for to the moment it is published, at most.
    pub latency: f64,
}

#[derive(Default)]
struct Counters {
    written: AtomicU64,
    dropped: AtomicU64,
}

/// The audio thread's end of a feed.
pub struct FeedWriter {
    ring: rtrb::Producer<f32>,
    latest: triple_buffer::Input<Vec<f32>>,
    counters: Arc<Counters>,
    width: usize,
}

/// The reading end of a feed.
pub struct FeedReader {
    ring: rtrb::Consumer<f32>,
    latest: triple_buffer::Output<Vec<f32>>,
    counters: Arc<Counters>,
    info: FeedInfo,
}

/// A feed holding up to `frames` frames of `info.width` values.
pub fn feed(info: FeedInfo, frames: usize) -> (FeedWriter, FeedReader) {
    let record = TIME_SLOTS + info.width;
    let (producer, consumer) = rtrb::RingBuffer::new(record * frames.max(1));
    let (latest_in, latest_out) = triple_buffer::triple_buffer(&vec![f32::NAN; record]);
    let counters = Arc::new(Counters::default());
    (
        FeedWriter { ring: producer, latest: latest_in, counters: counters.clone(), width: info.width },
        FeedReader { ring: consumer, latest: latest_out, counters, info },
    )
}

fn split(time: i64) -> [f32; 2] {
    let bits = time as u64;
    [f32::from_bits(bits as u32), f32::from_bits((bits >> 32) as u32)]
}

fn join(lo: f32, hi: f32) -> i64 {
    (u64::from(lo.to_bits()) | (u64::from(hi.to_bits()) << 32)) as i64
}

impl FeedWriter {
    /// Publishes a frame (audio thread: never allocates or blocks). A full ring drops it
    /// and counts the loss.
    pub fn write(&mut self, time: i64, values: &[f32]) {
        debug_assert_eq!(values.len(), self.width);
        let head = split(time);
        let latest = self.latest.input_buffer_mut();
        latest[..TIME_SLOTS].copy_from_slice(&head);
        latest[TIME_SLOTS..].copy_from_slice(values);
        self.latest.publish();
        self.counters.written.fetch_add(1, Ordering::Relaxed);
        match self.ring.write_chunk_uninit(TIME_SLOTS + self.width) {
            Ok(chunk) => {
                chunk.fill_from_iter(head.iter().chain(values).copied());
            }
            Err(_) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl FeedReader {
    /// What the feed carries.
    pub fn info(&self) -> &FeedInfo {
        &self.info
    }

    /// Frames the writer published so far (read or not).
    pub fn written(&self) -> u64 {
        self.counters.written.load(Ordering::Relaxed)
    }

    /// Frames lost because the ring was full when they came.
    pub fn dropped(&self) -> u64 {
        self.counters.dropped.load(Ordering::Relaxed)
    }

    /// The latest frame published, if any (whether or not it was read from the ring).
    pub fn latest(&mut self) -> Option<(i64, &[f32])> {
        if self.written() == 0 {
            return None;
        }
        let r = self.latest.read();
        Some((join(r[0], r[1]), &r[TIME_SLOTS..]))
    }

    /// Takes every frame waiting in the ring, oldest first, appending their times to
    /// `times` and their values (row after row) to `values`; returns how many.
    pub fn drain(&mut self, times: &mut Vec<i64>, values: &mut Vec<f32>) -> usize {
        let record = TIME_SLOTS + self.info.width;
        let n = self.ring.slots() / record;
        if n == 0 {
            return 0;
        }
        let chunk = self.ring.read_chunk(n * record).expect("slots were counted");
        let (a, b) = chunk.as_slices();
        let mut row = Vec::with_capacity(record);
        for x in a.iter().chain(b) {
            row.push(*x);
            if row.len() == record {
                times.push(join(row[0], row[1]));
                values.extend_from_slice(&row[TIME_SLOTS..]);
                row.clear();
            }
        }
        chunk.commit_all();
        n
    }
}

/// A reader shared between the engine (which replaces it when its node is rebuilt) and
/// whoever reads it.
pub type SharedReader = Arc<Mutex<FeedReader>>;

/// The feeds of a running graph by node id, kept across edits the way node state is: a
/// node that survives an edit keeps writing to the feed its readers already hold; one that
/// is rebuilt hands its readers a fresh feed in the same handle.
#[derive(Default)]
pub struct Feeds {
    slots: HashMap<NodeId, (Signature, SharedReader)>,
    /// Fresh readers to put into existing handles once the edit is sent.
    pending: Vec<(SharedReader, FeedReader)>,
}

impl Feeds {
    /// The feed of node `id`, if it writes one.
    pub fn get(&self, id: NodeId) -> Option<SharedReader> {
        self.slots.get(&id).map(|(_, r)| r.clone())
    }

    /// The feeds once `schedule` replaces the running graph: takes its feeds, keeping a
    /// node's current feed when the schedule will carry that node's state over (by the rule
    /// of `Schedule::migrate_from`: same id or origin, same signature). A transition's own
    /// schedule and the one it leads to are adopted in turn. Nothing changes for readers
    /// until [`Feeds::install`].
    pub fn adopted(&self, schedule: &mut Schedule) -> Feeds {
        let mut old: HashMap<NodeId, (Signature, SharedReader)> =
            self.slots.iter().map(|(id, (s, r))| (*id, (s.clone(), r.clone()))).collect();
        let mut next = Feeds::default();
        for (id, reader) in schedule.take_feeds() {
            let Some(signature) = schedule.signature(id).cloned() else { continue };
            let slot = match old.remove(&schedule.origin(id)) {
                Some((was, slot)) if was == signature => slot,
                Some((_, slot)) => {
                    next.pending.push((slot.clone(), reader));
                    slot
                }
                None => Arc::new(Mutex::new(reader)),
            };
            next.slots.insert(id, (signature, slot));
        }
        match schedule.next.as_deref_mut() {
            Some(then) => {
                let mut last = next.adopted(then);
                last.pending.splice(0..0, next.pending);
                last
            }
            None => next,
        }
    }

    /// Hands rebuilt nodes' readers their fresh feeds; returns the feeds now in use.
    pub fn install(mut self) -> Feeds {
        for (slot, reader) in self.pending.drain(..) {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = reader;
        }
        self
    }
}
