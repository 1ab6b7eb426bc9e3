//! The audio thread's side of the live engine.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::capture::CaptureSink;
use super::command::{Command, Returned};
use super::stats::{Meters, Snapshot};
use crate::event::{Event, EventKind, NodeEvent};
use crate::processor::{Processor, StampedMidi};
use crate::sequence::TransportState;

/// Most commands one callback applies; the rest wait for the next callback (counted in
/// [`Snapshot::commands_deferred`]), so a burst of commands cannot stretch one callback.
pub const COMMANDS_PER_CALLBACK: usize = 256;

/// A cooperative stop: the control thread asks, the audio callback acknowledges (and from
/// then on outputs silence without touching the engine), and only then does the backend
/// tear the stream down. A callback still running when the stream is closed (an overloaded
/// JACK client being deactivated) is what kills processes; this makes sure none is.
#[derive(Debug, Default)]
pub struct Halt {
    state: AtomicU8,
}

const RUNNING: u8 = 0;
const REQUESTED: u8 = 1;
const ACKNOWLEDGED: u8 = 2;

impl Halt {
    /// Asks the callback to stop and waits (polling every millisecond) until one callback
    /// has acknowledged it, at most `timeout`. Returns whether it was acknowledged (a
    /// stream that no longer calls back never acknowledges).
    pub fn stop(&self, timeout: Duration) -> bool {
        let _ = self.state.compare_exchange(RUNNING, REQUESTED, Ordering::AcqRel, Ordering::Acquire);
        let deadline = Instant::now() + timeout;
        while self.state.load(Ordering::Acquire) != ACKNOWLEDGED {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }

    /// Audio side: whether to stop (acknowledging the request).
    fn stopping(&self) -> bool {
        match self.state.load(Ordering::Acquire) {
            RUNNING => false,
            REQUESTED => {
                self.state.store(ACKNOWLEDGED, Ordering::Release);
                true
            }
            _ => true,
        }
    }
}

/// Everything the audio callback owns. [`AudioSide::callback`] never allocates, frees,
/// locks or blocks: commands arrive through a wait-free queue, released resources leave
/// through another, and state is published through a triple buffer.
pub struct AudioSide {
    processor: Processor,
    commands: rtrb::Consumer<Command>,
    midi_events: rtrb::Consumer<Event>,
    returns: rtrb::Producer<Returned>,
    stats: triple_buffer::Input<Snapshot>,
    snapshot: Snapshot,
    meters: Meters,
    capture: Option<CaptureSink>,
    midi_record: Option<rtrb::Producer<StampedMidi>>,
    epoch: Instant,
    /// In Hz: a callback's deadline is its frames' duration.
    samplerate: f64,
    out_channels: usize,
    in_channels: usize,
    halt: Arc<Halt>,
    /// Set when a callback panicked: the engine's state may be torn, so it outputs silence
    /// from then on (reported in [`Snapshot::audio_panics`]).
    faulted: bool,
    /// Tells the control side at once that the engine faulted.
    faulted_flag: Arc<AtomicBool>,
}

impl AudioSide {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        processor: Processor,
        commands: rtrb::Consumer<Command>,
        midi_events: rtrb::Consumer<Event>,
        returns: rtrb::Producer<Returned>,
        stats: triple_buffer::Input<Snapshot>,
        epoch: Instant,
        out_channels: usize,
        in_channels: usize,
        faulted_flag: Arc<AtomicBool>,
    ) -> Self {
        let samplerate = processor.schedule().samplerate();
        AudioSide {
            processor,
            commands,
            midi_events,
            returns,
            stats,
            snapshot: Snapshot::default(),
            meters: Meters::new(out_channels, samplerate),
            capture: None,
            midi_record: None,
            epoch,
            samplerate,
            out_channels,
            in_channels,
            halt: Arc::new(Halt::default()),
            faulted: false,
            faulted_flag,
        }
    }

    /// The handle that stops this side's callbacks cooperatively (see [`Halt`]).
    pub fn halt(&self) -> Arc<Halt> {
        self.halt.clone()
    }

    /// Loads everything timed a graph holds before the first callback (see
    /// [`Processor::load_song`]).
    pub(crate) fn load_song(&mut self, song: crate::sequence::Song, play: bool) {
        self.processor.load_song(song, play);
    }

    /// Output channels per frame.
    pub fn out_channels(&self) -> usize {
        self.out_channels
    }

    /// Input channels per frame.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// The sample clock: frames produced so far.
    pub fn clock(&self) -> u64 {
        self.processor.clock()
    }

    /// Records the device's own frame counter for the callback about to run (JACK).
    pub fn set_device_frame(&mut self, frame: u64) {
        self.snapshot.device_frame = frame;
    }

    /// Hands the engine a MIDI message received `offset` frames into the callback about to
    /// run (or, if `offset` lies in the past, as soon as possible).
    pub fn midi_input(&mut self, offset: u32, bytes: &[u8]) {
        let Some(event) = NodeEvent::from_midi(bytes) else { return };
        let time = self.processor.clock() + offset as u64;
        self.processor.push_internal(Event { time, kind: EventKind::Midi { event } });
    }

    /// Produces the next `out.len() / out_channels` frames, given the device input for the
    /// same frames (`in_channels` interleaved; empty for output-only streams).
    pub fn callback(&mut self, out: &mut [f32], input: &[f32]) {
        self.callback_with_midi(out, input, &mut |_, _| {});
    }

    /// Like [`AudioSide::callback`], and hands every MIDI message the engine sends in these
    /// frames to `midi_out` as (frame of the sample clock, bytes).
    ///
    /// Never unwinds: a panic inside is caught here, counted, and turns the output silent
    /// for good (the engine's state may be torn); once a stop was requested ([`Halt`]) the
    /// engine is no longer run either.
    pub fn callback_with_midi(&mut self, out: &mut [f32], input: &[f32], midi_out: &mut dyn FnMut(u64, &[u8])) {
        if self.halt.stopping() {
            out.fill(0.0);
            return;
        }
        let started = Instant::now();
        let frames = out.len() / self.out_channels.max(1);
        if !self.faulted {
            let run = catch_unwind(AssertUnwindSafe(|| self.run(out, input, midi_out)));
            if run.is_err() {
                self.faulted = true;
                self.faulted_flag.store(true, Ordering::Relaxed);
                self.snapshot.audio_panics += 1;
            }
        }
        if self.faulted {
            out.fill(0.0);
        }
        self.publish(started, frames);
    }

    fn run(&mut self, out: &mut [f32], input: &[f32], midi_out: &mut dyn FnMut(u64, &[u8])) {
        let frames = out.len() / self.out_channels;
        self.drain_commands();
        while let Ok(event) = self.midi_events.pop() {
            self.processor.push_internal(event);
        }
        let clock = self.processor.clock();
        let in_ch = if input.is_empty() { 0 } else { self.in_channels };
        self.processor.process_duplex(out, self.out_channels, input, in_ch);
        if let Some(capture) = &mut self.capture {
            if !capture.write(clock, out, self.out_channels, input, in_ch, frames) {
                self.snapshot.capture_overruns += frames as u64;
            }
        }
        self.pass_midi(midi_out);
        self.meters.update(out, self.out_channels, &mut self.snapshot);
    }

    fn pass_midi(&mut self, midi_out: &mut dyn FnMut(u64, &[u8])) {
        let mut bytes = [0u8; 3];
        for (frame, event) in self.processor.midi_out() {
            let n = event.to_midi(&mut bytes);
            if n > 0 {
                midi_out(*frame, &bytes[..n]);
            }
        }
        for stamped in self.processor.midi_in() {
            self.snapshot.midi_received += 1;
            if let NodeEvent::Control { channel, controller, value } = stamped.1 {
                self.snapshot.last_cc = (channel as i32, controller as i32, (value * 127.0).round() as i32);
                self.snapshot.cc_received += 1;
            }
            if let Some(ring) = &mut self.midi_record {
                if ring.push(*stamped).is_err() {
                    self.snapshot.dropped_midi += 1;
                }
            }
        }
        self.processor.clear_midi();
    }

    fn publish(&mut self, started: Instant, frames: usize) {
        self.snapshot.record_callback(frames, started.elapsed(), self.samplerate);
        let counters = self.processor.counters();
        let clock = self.processor.clock();
        let s = &mut self.snapshot;
        s.clock = clock;
        s.callback_start_ns = started.saturating_duration_since(self.epoch).as_nanos() as u64;
        s.late_events = counters.late_events;
        s.orphan_events = counters.orphan_events;
        s.dropped_events = counters.dropped_events;
        s.events_done = counters.events_done;
        s.swaps = counters.swaps;
        s.crossfades = counters.crossfades;
        s.node_resets = counters.node_resets;
        s.ignored_samples = counters.ignored_samples;
        s.dropped_midi = s.dropped_midi.max(counters.dropped_midi);
        s.skipped_track_events = counters.skipped_track_events;
        s.faulted = self.faulted;
        if let Some(t) = self.processor.transport() {
            s.playing = t.state() == TransportState::Playing;
            s.beat = t.beat_at(clock);
            s.bpm = t.tempo_map().bpm(s.beat);
            s.cued = t.cued() as u32;
        }
        self.stats.write(self.snapshot);
    }

    /// Ends a declicked edit whose crossfade is done, then applies the waiting commands, at
    /// most [`COMMANDS_PER_CALLBACK`] of them and at most one swap.
    /// A command that hands something back waits (with everything behind it) while the
    /// return queue is full, so the pushes below cannot fail and nothing is ever freed here;
    /// a swap (with everything behind it) waits for a running crossfade to finish.
    fn drain_commands(&mut self) {
        if !self.returns.is_full() {
            if let Some(transition) = self.processor.finish_transition() {
                let _ = self.returns.push(Returned::Schedule(transition));
            }
        }
        for applied in 0.. {
            let Ok(command) = self.commands.peek() else { return };
            if applied == COMMANDS_PER_CALLBACK {
                self.snapshot.commands_deferred += 1;
                return;
            }
            let held = (self.capture.is_some(), self.processor.transport().is_some(), self.midi_record.is_some());
            if command.hands_back(held.0, held.1, held.2) && self.returns.is_full() {
                return;
            }
            if matches!(command, Command::Swap(_)) && self.processor.in_transition() {
                return;
            }
            let Ok(command) = self.commands.pop() else { return };
            let swapped = matches!(command, Command::Swap(_));
            let back = match command {
                Command::Event { time, kind } => {
                    let time = time.unwrap_or_else(|| self.processor.clock());
                    if self.processor.push_event(Event { time, kind }).is_err() {
                        self.processor.count_dropped();
                    }
                    None
                }
                Command::Cue { beat, kind } => {
                    self.snapshot.cues_received += 1;
                    if !self.processor.cue(beat, kind) {
                        self.processor.count_dropped();
                    }
                    None
                }
                Command::Swap(schedule) => Some(Returned::Schedule(self.processor.swap_schedule(schedule))),
                Command::StartCapture(sink) => self.capture.replace(sink).map(Returned::Capture),
                Command::StopCapture => self.capture.take().map(Returned::Capture),
                Command::SetTransport(t) => self.processor.swap_transport(t).map(Returned::Transport),
                Command::ContinueTransport(t) => self.processor.continue_transport(t).map(Returned::Transport),
                Command::SetTimeline(t) => Some(Returned::Timeline(self.processor.swap_timeline(t))),
                Command::Transport(c) => {
                    self.processor.transport_command(c);
                    None
                }
                Command::SetRoutes(r) => {
                    self.processor.set_routes(r);
                    None
                }
                Command::SetCcMaps(m) => Some(Returned::CcMaps(self.processor.swap_cc_maps(m))),
                Command::StartMidiRecord(ring) => self.midi_record.replace(ring).map(Returned::MidiRecord),
                Command::StopMidiRecord => self.midi_record.take().map(Returned::MidiRecord),
                Command::Inspect(flags) => {
                    self.processor.set_inspect(flags);
                    None
                }
            };
            if let Some(item) = back {
                let _ = self.returns.push(item);
            }
            if swapped {
                return;
            }
        }
    }
}
