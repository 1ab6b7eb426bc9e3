//! The engine loop shared by live devices and offline rendering: it advances the sample
//! clock, plays the song's timeline and the transport's tracks, routes MIDI, applies due
//! events on their exact frame (splitting blocks at event offsets), runs the schedule with
//! denormals flushed to zero, and copies the graph output out.

use arrayvec::ArrayVec;

use crate::event::{Event, EventKind, EventQueue, NodeEvent, Ramp};
use crate::midi::{CcMapping, MidiRoutes};
use crate::schedule::Schedule;
use crate::sequence::{Song, Timeline, Transport};

/// MIDI events kept per callback for the backend (out) and for recording (in).
pub const MIDI_PER_CALLBACK: usize = 1024;

/// Counters the audio thread keeps about itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Events that arrived after their time and were applied at the start of a block.
    pub late_events: u64,
    /// Events whose target node or lane no longer exists.
    pub orphan_events: u64,
    /// Sub-blocks run (blocks plus splits at event offsets).
    pub passes: u64,
    /// Events that arrived while the future-event queue was full, and were not applied.
    pub dropped_events: u64,
    /// Events taken from the caller's queue ([`Processor::push_event`]) so far, applied or
    /// orphaned: a sender that counts what it pushed knows how much room is left.
    pub events_done: u64,
    /// Schedules swapped in.
    pub swaps: u64,
    /// Declicked edits whose crossfade finished and handed over to the edited graph.
    pub crossfades: u64,
    /// MIDI messages that found the per-callback MIDI buffers full.
    pub dropped_midi: u64,
    /// Track events skipped because a looping track was too dense to play within a block
    /// (see [`crate::sequence::MAX_TRACK_EVENTS_PER_BLOCK`]).
    pub skipped_track_events: u64,
    /// Blocks after which a node found its state non-finite and reset it (summed over
    /// nodes; per node: [`Schedule::repairs`]).
    pub node_resets: u64,
    /// Non-finite samples meters left out of their readings.
    pub ignored_samples: u64,
}

/// What the transport should do (sent from the control thread).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TransportCommand {
    /// Play from the current position.
    Start,
    /// Stop, releasing notes.
    Stop,
    /// Jump to a beat.
    Seek(f64),
    /// Loop between two beats, or stop looping.
    Loop(Option<(f64, f64)>),
    /// Set the tempo in beats per minute from the current beat on.
    Tempo(f64),
}

/// A stamped MIDI message kept for the backend or a recorder.
pub type StampedMidi = (u64, NodeEvent);

/// Runs a [`Schedule`] against the sample clock.
pub struct Processor {
    schedule: Box<Schedule>,
    /// Future events from the caller (the control thread, an offline job): the caller can
    /// count its own room (see [`Counters::events_done`]).
    events: EventQueue,
    /// Future events the engine makes itself (the transport's tracks and releases, MIDI
    /// input): full only when a burst outruns its room, each loss counted.
    internal: EventQueue,
    clock: u64,
    counters: Counters,
    transport: Option<Box<Transport>>,
    timeline: Box<Timeline>,
    routes: MidiRoutes,
    cc_maps: Box<[CcMapping]>,
    midi_in: ArrayVec<StampedMidi, MIDI_PER_CALLBACK>,
    midi_out: ArrayVec<StampedMidi, MIDI_PER_CALLBACK>,
    /// What the schedule measures about itself ([`crate::schedule::PROFILE`],
    /// [`crate::schedule::VALUES`]), kept across swaps.
    inspect: u8,
}

impl Processor {
    /// A processor starting at frame 0 that can hold `event_capacity` future events from
    /// its caller, and as many of its own.
    pub fn new(schedule: Schedule, event_capacity: usize) -> Self {
        Processor {
            schedule: Box::new(schedule),
            events: EventQueue::with_capacity(event_capacity),
            internal: EventQueue::with_capacity(event_capacity),
            clock: 0,
            counters: Counters::default(),
            transport: None,
            timeline: Box::default(),
            routes: MidiRoutes::default(),
            cc_maps: Box::new([]),
            midi_in: ArrayVec::new(),
            midi_out: ArrayVec::new(),
            inspect: 0,
        }
    }

    /// Frames processed since start.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// The running schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Counters so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Counts an event that could not be queued (its sender learns of it only here).
    pub(crate) fn count_dropped(&mut self) {
        self.counters.dropped_events += 1;
    }

    /// Queues an event; gives it back if the queue is full. Never allocates.
    pub fn push_event(&mut self, event: Event) -> Result<(), Event> {
        self.events.push(event)
    }

    /// Queues an event the engine made itself (MIDI input); counts it dropped if there is
    /// no room. Never allocates.
    pub(crate) fn push_internal(&mut self, event: Event) {
        if self.internal.push(event).is_err() {
            self.counters.dropped_events += 1;
        }
    }

    /// Replaces the schedule at this block boundary, carrying over the state of nodes that
    /// survive. Returns the old schedule, which the caller must drop off the audio thread.
    pub fn swap_schedule(&mut self, mut schedule: Box<Schedule>) -> Box<Schedule> {
        // Flags first: switching profiling on clears timings, which the migration then carries over.
        schedule.set_inspect(self.inspect);
        schedule.migrate_from(&mut self.schedule);
        self.counters.swaps += 1;
        std::mem::replace(&mut self.schedule, schedule)
    }

    /// Measures what `flags` ask for from now on ([`crate::schedule::PROFILE`]: each node's
    /// time in `process`; [`crate::schedule::VALUES`]: the last frame of every node output;
    /// 0: nothing), published after every call of [`Processor::process_duplex`] for the
    /// schedule's [`crate::schedule::InspectionReader`]s. Never allocates.
    pub fn set_inspect(&mut self, flags: u8) {
        self.inspect = flags;
        self.schedule.set_inspect(flags);
    }

    /// Whether a declicked edit is still crossfading (or waiting to hand over).
    pub fn in_transition(&self) -> bool {
        self.schedule.in_transition()
    }

    /// Once a transition's crossfade is done, swaps in the schedule it leads to (carrying
    /// every surviving node's state over) and returns the transition, which holds the
    /// removed nodes and must be dropped off the audio thread. None while it still fades.
    pub fn finish_transition(&mut self) -> Option<Box<Schedule>> {
        if !self.schedule.transition_finished() {
            return None;
        }
        let mut next = self.schedule.next.take()?;
        next.take_over(&mut self.schedule);
        self.counters.crossfades += 1;
        Some(std::mem::replace(&mut self.schedule, next))
    }

    /// Loads everything timed a graph holds before the first block (control thread): the
    /// timeline plays from the current frame on, the transport (tracks under the tempo map)
    /// starts at once when `play`, and the controller mappings apply.
    pub fn load_song(&mut self, song: Song, play: bool) {
        let Song { tempo, tracks, cc_maps, timeline } = song;
        let samplerate = self.schedule.samplerate();
        self.swap_timeline(Box::new(Timeline::new(timeline)));
        self.swap_cc_maps(cc_maps.into());
        self.swap_transport(Some(Box::new(Transport::new(tempo, tracks, samplerate))));
        if play {
            self.transport_command(TransportCommand::Start);
        }
    }

    /// Replaces the timeline with one that carries on from the current frame (events it
    /// holds for earlier frames are skipped); returns the old one, to be dropped off the
    /// audio thread.
    pub fn swap_timeline(&mut self, mut timeline: Box<Timeline>) -> Box<Timeline> {
        timeline.seek(self.clock);
        std::mem::replace(&mut self.timeline, timeline)
    }

    /// Replaces the transport (tracks and tempo map); returns the old one, to be dropped off
    /// the audio thread. A transport that was playing releases its notes first.
    pub fn swap_transport(&mut self, transport: Option<Box<Transport>>) -> Option<Box<Transport>> {
        self.transport_command(TransportCommand::Stop);
        std::mem::replace(&mut self.transport, transport)
    }

    /// Replaces the transport with one that carries on where the old one is (its beat,
    /// loop, play state and cued events; see [`Transport::take_over`]); returns the old
    /// one, to be dropped off the audio thread.
    pub fn continue_transport(&mut self, mut transport: Box<Transport>) -> Option<Box<Transport>> {
        let Processor { transport: old, internal: events, counters, clock, .. } = self;
        if let Some(old) = old.as_deref_mut() {
            transport.take_over(old, *clock, &mut |e: Event| {
                if events.push(e).is_err() {
                    counters.dropped_events += 1;
                }
            });
        }
        self.transport.replace(transport)
    }

    /// Cues an event for the moment the transport plays `beat` (see [`Transport::cue`]);
    /// false if there is no transport or its cue list is full. Never allocates.
    pub fn cue(&mut self, beat: f64, kind: EventKind) -> bool {
        self.transport.as_deref_mut().is_some_and(|t| t.cue(beat, kind))
    }

    /// The transport, if any.
    pub fn transport(&self) -> Option<&Transport> {
        self.transport.as_deref()
    }

    /// Applies a transport command at the current frame.
    pub fn transport_command(&mut self, command: TransportCommand) {
        let Processor { transport, internal: events, counters, clock, .. } = self;
        let Some(t) = transport.as_deref_mut() else { return };
        let mut push = |e: Event| {
            if events.push(e).is_err() {
                counters.dropped_events += 1;
            }
        };
        match command {
            TransportCommand::Start => t.start(*clock),
            TransportCommand::Stop => t.stop(*clock, &mut push),
            TransportCommand::Seek(beat) => t.seek(*clock, beat, &mut push),
            TransportCommand::Loop(range) => t.set_loop(range),
            TransportCommand::Tempo(bpm) => {
                if !t.set_tempo(*clock, bpm) {
                    counters.dropped_events += 1;
                }
            }
        }
    }

    /// Sets which node hears each MIDI channel.
    pub fn set_routes(&mut self, routes: MidiRoutes) {
        self.routes = routes;
    }

    /// Replaces the controller mappings; returns the old ones, to be dropped off the audio
    /// thread.
    pub fn swap_cc_maps(&mut self, maps: Box<[CcMapping]>) -> Box<[CcMapping]> {
        std::mem::replace(&mut self.cc_maps, maps)
    }

    /// MIDI received since the last [`Processor::clear_midi`], stamped with its frame.
    pub fn midi_in(&self) -> &[StampedMidi] {
        &self.midi_in
    }

    /// MIDI to send out since the last [`Processor::clear_midi`], stamped with its frame.
    pub fn midi_out(&self) -> &[StampedMidi] {
        &self.midi_out
    }

    /// Forgets the MIDI kept for the backend and recorders.
    pub fn clear_midi(&mut self) {
        self.midi_in.clear();
        self.midi_out.clear();
    }

    /// Fills `out` (interleaved, `channels` per frame) with the next frames of the graph.
    ///
    /// The graph output is mapped onto `channels`: equal widths copy, a mono graph is
    /// copied to every channel, otherwise surplus graph channels are dropped and missing
    /// ones are silent.
    pub fn process(&mut self, out: &mut [f32], channels: usize) {
        self.process_duplex(out, channels, &[], 0);
    }

    /// Like [`Processor::process`], with the device input for the same frames (`input`,
    /// `in_channels` interleaved) available to `input` nodes.
    pub fn process_duplex(&mut self, out: &mut [f32], channels: usize, input: &[f32], in_channels: usize) {
        // SAFETY: the guard only sets FTZ/DAZ for this thread and restores them on exit.
        unsafe { no_denormals::no_denormals(|| self.process_inner(out, channels, input, in_channels)) }
    }

    fn process_inner(&mut self, out: &mut [f32], channels: usize, input: &[f32], in_ch: usize) {
        let total = out.len() / channels;
        let max_block = self.schedule.max_block();
        let mut done = 0;
        while done < total {
            let n = (total - done).min(max_block);
            let inp = if in_ch > 0 { &input[done * in_ch..(done + n) * in_ch] } else { &[][..] };
            self.block(&mut out[done * channels..(done + n) * channels], channels, inp, in_ch, n);
            done += n;
        }
        if self.schedule.inspecting() {
            self.schedule.publish_inspection(self.clock);
        }
    }

    fn block(&mut self, out: &mut [f32], channels: usize, input: &[f32], in_ch: usize, frames: usize) {
        let start = self.clock;
        let end = start + frames as u64;
        if let Some(t) = self.transport.as_deref_mut() {
            let (events, counters) = (&mut self.internal, &mut self.counters);
            let skipped = t.run(start, end, &mut |e| {
                if events.push(e).is_err() {
                    counters.dropped_events += 1;
                }
            });
            counters.skipped_track_events += skipped;
        }
        let mut pos = 0;
        while pos < frames {
            let now = start + pos as u64;
            // The timeline first, so events on one frame apply in the same order live and
            // offline (the queues hold what arrived from outside and the transport's events).
            while let Some(event) = self.timeline.pop_due(now) {
                self.apply(now, event.kind);
            }
            while let Some(event) = self.pop_due(now) {
                if event.time < now && pos == 0 {
                    self.counters.late_events += 1;
                }
                self.apply(now, event.kind);
            }
            let next = [self.events.next_time(), self.internal.next_time(), self.timeline.next_time()]
                .into_iter()
                .flatten()
                .min();
            let stop = match next {
                Some(t) if t < end => (t - start) as usize,
                _ => frames,
            };
            let n = stop - pos;
            let inp = if in_ch > 0 { &input[pos * in_ch..stop * in_ch] } else { &[][..] };
            self.schedule.run(n, inp, in_ch, (self.transport.as_deref(), now));
            self.counters.passes += 1;
            let repaired = self.schedule.take_repairs();
            self.counters.node_resets += repaired.resets;
            self.counters.ignored_samples += repaired.ignored;
            write_output(&self.schedule, &mut out[pos * channels..stop * channels], channels, n);
            pos = stop;
        }
        self.clock = end;
    }

    /// The earliest event due at `now` from either queue (the caller's first on a tie, as
    /// it queued them before the block began).
    fn pop_due(&mut self, now: u64) -> Option<Event> {
        let caller_first = match (self.events.next_time(), self.internal.next_time()) {
            (Some(a), Some(b)) => a <= b,
            (a, _) => a.is_some(),
        };
        if caller_first {
            let event = self.events.pop_due(now);
            self.counters.events_done += u64::from(event.is_some());
            event
        } else {
            self.internal.pop_due(now)
        }
    }

    fn apply(&mut self, now: u64, kind: EventKind) {
        let applied = match kind {
            EventKind::Param { .. } => self.schedule.apply(&kind),
            EventKind::Node { event, .. } => {
                self.map_controller(&event);
                self.schedule.apply(&kind)
            }
            EventKind::Midi { event } => {
                self.keep(now, event, true);
                self.map_controller(&event);
                match self.routes.target(&event) {
                    Some(node) => self.schedule.apply(&EventKind::Node { node, event }),
                    None => true,
                }
            }
            EventKind::MidiOut { event } => {
                self.keep(now, event, false);
                true
            }
        };
        if !applied {
            self.counters.orphan_events += 1;
        }
    }

    fn keep(&mut self, now: u64, event: NodeEvent, incoming: bool) {
        let list = if incoming { &mut self.midi_in } else { &mut self.midi_out };
        if list.try_push((now, event)).is_err() {
            self.counters.dropped_midi += 1;
        }
    }

    fn map_controller(&mut self, event: &NodeEvent) {
        let NodeEvent::Control { channel, controller, value } = *event else { return };
        for m in self.cc_maps.iter().filter(|m| m.matches(channel, controller)) {
            let kind = EventKind::Param {
                node: m.node,
                param: m.param,
                lane: None,
                value: m.value(value),
                ramp: Ramp::Default,
            };
            if !self.schedule.apply(&kind) {
                self.counters.orphan_events += 1;
            }
        }
    }
}

fn write_output(schedule: &Schedule, out: &mut [f32], channels: usize, frames: usize) {
    let Some(graph_out) = schedule.output(frames) else {
        out.fill(0.0);
        return;
    };
    let gch = schedule.output_channels();
    if gch == channels {
        out.copy_from_slice(graph_out);
        return;
    }
    for (row, src) in out.chunks_exact_mut(channels).zip(graph_out.chunks_exact(gch)) {
        for (c, o) in row.iter_mut().enumerate() {
            *o = if gch == 1 { src[0] } else { src.get(c).copied().unwrap_or(0.0) };
        }
    }
}
