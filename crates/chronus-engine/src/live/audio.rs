//! The audio thread's side of the live engine.

use std::time::Instant;

use super::capture::CaptureSink;
use super::command::{Command, Returned};
use super::stats::{Meters, Snapshot};
use crate::event::{Event, EventKind, NodeEvent};
use crate::processor::{Processor, StampedMidi};
use crate::sequence::TransportState;

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
    out_channels: usize,
    in_channels: usize,
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
            out_channels,
            in_channels,
        }
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
        if self.processor.push_event(Event { time, kind: EventKind::Midi { event } }).is_err() {
            self.processor.count_dropped();
        }
    }

    /// Produces the next `out.len() / out_channels` frames, given the device input for the
    /// same frames (`in_channels` interleaved; empty for output-only streams).
    pub fn callback(&mut self, out: &mut [f32], input: &[f32]) {
        self.callback_with_midi(out, input, &mut |_, _| {});
    }

    /// Like [`AudioSide::callback`], and hands every MIDI message the engine sends in these
    /// frames to `midi_out` as (frame of the sample clock, bytes).
    pub fn callback_with_midi(&mut self, out: &mut [f32], input: &[f32], midi_out: &mut dyn FnMut(u64, &[u8])) {
        let started = Instant::now();
        let frames = out.len() / self.out_channels;
        self.drain_commands();
        while let Ok(event) = self.midi_events.pop() {
            if self.processor.push_event(event).is_err() {
                self.processor.count_dropped();
            }
        }
        let clock = self.processor.clock();
        let in_ch = if input.is_empty() { 0 } else { self.in_channels };
        self.processor.process_duplex(out, self.out_channels, input, in_ch);
        if let Some(capture) = &mut self.capture {
            capture.write(clock, out, self.out_channels, input, in_ch, frames);
        }
        self.pass_midi(midi_out);
        self.meters.update(out, self.out_channels, &mut self.snapshot);
        self.publish(started, frames);
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
        self.snapshot.record_callback(frames, started.elapsed());
        let counters = self.processor.counters();
        let clock = self.processor.clock();
        let s = &mut self.snapshot;
        s.clock = clock;
        s.callback_start_ns = started.saturating_duration_since(self.epoch).as_nanos() as u64;
        s.late_events = counters.late_events;
        s.orphan_events = counters.orphan_events;
        s.dropped_events = counters.dropped_events;
        s.swaps = counters.swaps;
        s.crossfades = counters.crossfades;
        s.node_resets = counters.node_resets;
        s.ignored_samples = counters.ignored_samples;
        s.dropped_midi = s.dropped_midi.max(counters.dropped_midi);
        if let Some(t) = self.processor.transport() {
            s.playing = t.state() == TransportState::Playing;
            s.beat = t.beat_at(clock);
            s.bpm = t.tempo_map().bpm(s.beat);
            s.cued = t.cued() as u32;
        }
        self.stats.write(self.snapshot);
    }

    /// Ends a declicked edit whose crossfade is done, then applies every waiting command.
    /// A command that hands something back waits (with everything behind it) while the
    /// return queue is full, so the pushes below cannot fail and nothing is ever freed here;
    /// a swap (with everything behind it) waits for a running crossfade to finish.
    fn drain_commands(&mut self) {
        if !self.returns.is_full() {
            if let Some(transition) = self.processor.finish_transition() {
                let _ = self.returns.push(Returned::Schedule(transition));
            }
        }
        while let Ok(command) = self.commands.peek() {
            let held = (self.capture.is_some(), self.processor.transport().is_some(), self.midi_record.is_some());
            if command.hands_back(held.0, held.1, held.2) && self.returns.is_full() {
                return;
            }
            if matches!(command, Command::Swap(_)) && self.processor.in_transition() {
                return;
            }
            let Ok(command) = self.commands.pop() else { return };
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
        }
    }
}
