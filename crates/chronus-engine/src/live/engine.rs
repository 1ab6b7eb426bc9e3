//! The control thread's side of the live engine.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::audio::AudioSide;
use super::capture::{capture, Source};
use super::command::{Command, Returned};
use super::os_midi;
use super::stats::Snapshot;
use crate::analysis::feed::{Feeds, SharedReader};
use crate::backend::{self, BackendCounters, Opened, Running, StreamInfo, StreamRequest};
use crate::compile::{compile, CompileOptions};
use crate::error::{Error, Result};
use crate::event::{Event, EventKind, NodeEvent};
use crate::graph::{Graph, NodeId};
use crate::limits;
use crate::midi::{CcMapping, Curve, MidiRoutes};
use crate::offline::{check_event, check_song};
use crate::processor::Processor;
use crate::processor::{StampedMidi, TransportCommand};
use crate::record::midi_file::MidiFileRecorder;
use crate::record::{Recorder, Recording, Target};
use crate::schedule::{Inspection, InspectionReader, Schedule, Shadow};
use crate::sequence::{Song, TempoMap, Timeline, Track, Transport, CUE_ROOM, MAX_BEAT};
use crate::transition::compile_transition;

/// How to start an engine.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// The device stream to open.
    pub stream: StreamRequest,
    /// Largest block the graph processes at once, in frames (device callbacks of any size
    /// are cut into blocks of at most this).
    pub blocksize: usize,
    /// Default glide of parameter changes in seconds.
    pub smoothing: f64,
    /// Crossfade in seconds for connections an edit adds or removes (0: edits swap in
    /// at once; see [`crate::transition`]).
    pub edit_fade: f64,
    /// Commands that can wait in the control -> audio queue.
    pub command_capacity: usize,
    /// Future events the audio thread can hold.
    pub event_capacity: usize,
    /// Whether the transport plays from the engine's first frame (as in an offline render)
    /// rather than waiting for a start command.
    pub autoplay: bool,
}

/// A graph playing live. Dropping it stops the audio.
pub struct Engine {
    commands: rtrb::Producer<Command>,
    returns: rtrb::Consumer<Returned>,
    stats: Arc<Mutex<triple_buffer::Output<Snapshot>>>,
    running: Option<Box<dyn Running>>,
    /// The opened device and the audio side, between [`Engine::open`] and [`Engine::play`].
    pending: Option<(Box<dyn Opened>, AudioSide)>,
    info: StreamInfo,
    opts: CompileOptions,
    /// Crossfade of edited connections, in frames (0: none).
    edit_fade: usize,
    /// Whether [`Engine::play`] starts the transport.
    autoplay: bool,
    counters: Arc<BackendCounters>,
    dropped_commands: u64,
    epoch: Instant,
    graph: Graph,
    lanes: HashMap<NodeId, usize>,
    /// Cue commands sent (compared with what the audio thread took, to know how many wait).
    cues_sent: u64,
    /// Timed events sent (compared with what the audio thread applied, to know the room
    /// left in its event queue).
    events_sent: u64,
    /// Future events the audio thread can hold.
    event_capacity: usize,
    /// The audio thread's count of events applied, as last read.
    events_done_seen: u64,
    /// Set by the audio thread when a callback panicked.
    faulted: Arc<AtomicBool>,
    /// The schedule that plays once every swap sent has been taken (what the next swap's
    /// migration is planned against).
    shadow: Shadow,
    /// The last generation stamped on a schedule sent.
    generation: u64,
    recorder: Option<Recorder>,
    /// Timestamped MIDI from other threads (a MIDI input port's callback) to the audio thread.
    midi_tx: Arc<Mutex<rtrb::Producer<Event>>>,
    midi_record: Option<MidiRecording>,
    midi_input: Option<os_midi::InputConnection>,
    monitor: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
    /// The reading ends of the inspections of the latest schedules sent, newest first (the
    /// audio thread may still play an older one for a block after a swap).
    inspections: Vec<InspectionReader>,
    /// The feature feeds of the playing graph's analyzer nodes.
    feeds: Feeds,
}

/// Where a MIDI recording goes.
enum MidiRecording {
    Memory(rtrb::Consumer<StampedMidi>),
    File(MidiFileRecorder),
}

/// Timestamped MIDI messages that can wait for the audio thread.
const MIDI_QUEUE: usize = 4096;
/// MIDI messages a recording can hold in flight.
const MIDI_RECORD_RING: usize = 1 << 16;
/// Inspection readers kept: of the schedule sent last, of a transition's two, of the one before.
const INSPECTION_READERS: usize = 4;

impl Engine {
    /// Opens the device, compiles `graph` for it and starts playing it and `song` (its
    /// timeline and tracks from the first frame, exactly as an offline render plays them).
    pub fn start(graph: &Graph, song: Song, config: &EngineConfig) -> Result<Engine> {
        let mut engine = Engine::open(graph, config)?;
        engine.play(song)?;
        Ok(engine)
    }

    /// Opens the device and compiles `graph` for it, without starting the audio: the caller
    /// learns what the device granted ([`Engine::info`]: its sample rate, to place a song's
    /// events on frames) and then calls [`Engine::play`].
    pub fn open(graph: &Graph, config: &EngineConfig) -> Result<Engine> {
        let counters = Arc::new(BackendCounters::default());
        let opened = backend::open(&config.stream, counters.clone())?;
        let (mut engine, side) = Engine::prepare(graph, config, opened.info().clone(), counters)?;
        engine.pending = Some((opened, side));
        Ok(engine)
    }

    /// Loads `song` (checked against the graph) and starts the audio of an engine made by
    /// [`Engine::open`]: its timeline and tracks play from the first frame, the transport
    /// running from it when the configuration says `autoplay`.
    pub fn play(&mut self, song: Song) -> Result<()> {
        let (opened, mut side) =
            self.pending.take().ok_or_else(|| Error::Invalid("the engine is already playing".into()))?;
        if let Err(e) = check_song(&self.graph, |n| self.lanes.get(&n).copied(), &song) {
            self.pending = Some((opened, side));
            return Err(e);
        }
        side.load_song(song, self.autoplay);
        self.running = Some(opened.start(side)?);
        Ok(())
    }

    /// An engine with no device: the caller drives the returned [`AudioSide`] (tests,
    /// benchmarks, hosts that own their own audio callback). The sample rate is the
    /// request's (48 kHz if none).
    pub fn start_manual(graph: &Graph, song: Song, config: &EngineConfig) -> Result<(Engine, AudioSide)> {
        let (engine, mut side) = Engine::manual(graph, config)?;
        check_song(&engine.graph, |n| engine.lanes.get(&n).copied(), &song)?;
        side.load_song(song, config.autoplay);
        Ok((engine, side))
    }

    fn manual(graph: &Graph, config: &EngineConfig) -> Result<(Engine, AudioSide)> {
        let r = &config.stream;
        let info = StreamInfo {
            backend: "manual".into(),
            device: "manual".into(),
            samplerate: r.samplerate.unwrap_or(48_000) as f64,
            device_block: None,
            outputs: r.outputs,
            inputs: r.inputs,
        };
        Engine::prepare(graph, config, info, Arc::new(BackendCounters::default()))
    }

    fn prepare(
        graph: &Graph,
        config: &EngineConfig,
        info: StreamInfo,
        counters: Arc<BackendCounters>,
    ) -> Result<(Engine, AudioSide)> {
        let opts =
            CompileOptions { samplerate: info.samplerate, max_block: config.blocksize, smoothing: config.smoothing };
        if !(config.edit_fade.is_finite() && (0.0..=1.0).contains(&config.edit_fade)) {
            return Err(Error::Invalid(format!("edit_fade {} s is outside [0, 1]", config.edit_fade)));
        }
        limits::check_queue("queue", "commands", config.command_capacity)?;
        limits::check_queue("event_capacity", "events", config.event_capacity)?;
        let mut schedule = compile(graph, &opts)?;
        schedule.set_generation(1);
        let shadow = schedule.shadow();
        let feeds = Feeds::default().adopted(&mut schedule).install();
        let lanes = graph.nodes().filter_map(|(id, _)| Some((id, schedule.lanes(id)?))).collect();
        let inspections = schedule.take_inspection_readers();
        let processor = Processor::new(schedule, config.event_capacity);
        let (commands, command_rx) = rtrb::RingBuffer::new(config.command_capacity.max(1));
        // Every swap or capture stop returns at most one item: the return queue can always
        // hold everything the command queue can cause.
        let (return_tx, returns) = rtrb::RingBuffer::new(config.command_capacity.max(1) + 1);
        let (stats_in, stats_out) = triple_buffer::triple_buffer(&Snapshot::default());
        let (midi_tx, midi_rx) = rtrb::RingBuffer::new(MIDI_QUEUE);
        let epoch = Instant::now();
        let faulted = Arc::new(AtomicBool::new(false));
        let side = AudioSide::new(
            processor,
            command_rx,
            midi_rx,
            return_tx,
            stats_in,
            epoch,
            info.outputs,
            info.inputs,
            faulted.clone(),
        );
        let mut engine = Engine {
            feeds,
            commands,
            returns,
            stats: Arc::new(Mutex::new(stats_out)),
            running: None,
            pending: None,
            autoplay: config.autoplay,
            edit_fade: (config.edit_fade * info.samplerate).round() as usize,
            info,
            opts,
            counters,
            dropped_commands: 0,
            epoch,
            graph: graph.clone(),
            lanes,
            cues_sent: 0,
            events_sent: 0,
            event_capacity: config.event_capacity,
            events_done_seen: 0,
            faulted: faulted.clone(),
            shadow,
            generation: 1,
            recorder: None,
            midi_tx: Arc::new(Mutex::new(midi_tx)),
            midi_record: None,
            midi_input: None,
            monitor: None,
            inspections,
        };
        if std::env::var("CHRONUS_AUDIO_DEBUG").is_ok_and(|v| !v.is_empty() && v != "0") {
            engine.monitor = Some(engine.spawn_monitor());
        }
        Ok((engine, side))
    }

    /// The feature feed of analyzer node `node` (shared: the engine hands it a fresh feed
    /// if an edit rebuilds the node), or None if it writes none.
    pub fn feed(&self, node: NodeId) -> Option<SharedReader> {
        self.feeds.get(node)
    }

    /// What the backend granted.
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// Largest engine block in frames.
    pub fn blocksize(&self) -> usize {
        self.opts.max_block
    }

    /// Drops whatever the audio thread handed back.
    fn collect(&mut self) {
        while let Ok(item) = self.returns.pop() {
            drop(item);
        }
    }

    fn push(&mut self, command: Command) -> Result<()> {
        self.collect();
        if self.faulted.load(Ordering::Relaxed) {
            return Err(Error::Device(
                "the audio thread panicked and the engine now plays silence; nothing was sent \
                 (close the engine and start a new one)"
                    .into(),
            ));
        }
        self.commands.push(command).map_err(|_| self.queue_full())
    }

    /// Counts a refused command and says why.
    fn queue_full(&mut self) -> Error {
        self.dropped_commands += 1;
        Error::Capacity(format!(
            "the command queue is full ({} waiting): the audio thread is not keeping up; \
             nothing was sent and the engine keeps playing",
            self.commands.buffer().capacity()
        ))
    }

    /// Sends an event for frame `time` of the sample clock, or for the start of the next
    /// block when `time` is None. Checks it against the playing graph first.
    pub fn send(&mut self, time: Option<u64>, kind: EventKind) -> Result<()> {
        check_event(&self.graph, &|n| self.lanes.get(&n).copied(), &Event { time: time.unwrap_or(0), kind })?;
        self.push_event(time, kind)
    }

    /// Sends an event if the audio thread's event queue has room for it (counting what was
    /// sent against what the audio thread reports applied), else a capacity error.
    fn push_event(&mut self, time: Option<u64>, kind: EventKind) -> Result<()> {
        // The audio thread's count only grows: look it up again only when the last one seen
        // leaves no room.
        let mut waiting = self.events_sent.saturating_sub(self.events_done_seen);
        if waiting >= self.event_capacity as u64 {
            self.events_done_seen = self.snapshot().events_done;
            waiting = self.events_sent.saturating_sub(self.events_done_seen);
        }
        if waiting >= self.event_capacity as u64 {
            return Err(Error::Capacity(format!(
                "{waiting} events already wait for their time in the engine (room for {}); \
                 nothing was sent and the engine keeps playing",
                self.event_capacity
            )));
        }
        self.push(Command::Event { time, kind })?;
        self.events_sent += 1;
        Ok(())
    }

    /// Compiles `graph` and swaps it in at the next block boundary; nodes that survive keep
    /// their state (phases, delay lines, envelopes, parameter glides), and connections the
    /// edit adds or removes crossfade over `edit_fade` (when both graphs can play together:
    /// otherwise the edit swaps in at once).
    pub fn swap(&mut self, graph: &Graph) -> Result<()> {
        let schedule = Box::new(compile(graph, &self.opts)?);
        let lanes = graph.nodes().filter_map(|(id, _)| Some((id, schedule.lanes(id)?))).collect();
        let (mut schedule, shadow) = self.declicked(graph, schedule);
        let feeds = self.feeds.adopted(&mut schedule);
        let mut readers = schedule.take_inspection_readers();
        self.push(Command::Swap(schedule))?;
        self.feeds = feeds.install();
        readers.reverse();
        readers.append(&mut self.inspections);
        readers.truncate(INSPECTION_READERS);
        self.inspections = readers;
        self.graph = graph.clone();
        self.lanes = lanes;
        self.shadow = shadow;
        Ok(())
    }

    /// The transition that fades from the playing graph into `graph` and then hands over
    /// to `schedule`, or `schedule` itself when no connection changes, fading is off, or
    /// the two graphs cannot play together (a cycle through both, unequal widths).
    ///
    /// Each schedule comes stamped and with its migration planned here, so the audio
    /// thread only moves the matched states: the transition (or the schedule) against the
    /// one that will be playing when it arrives, the schedule against the transition it
    /// takes over from. Returns it with the shadow of the schedule that plays once it has
    /// taken over (what the next edit is planned against).
    fn declicked(&mut self, graph: &Graph, mut schedule: Box<Schedule>) -> (Box<Schedule>, Shadow) {
        schedule.set_generation(self.next_generation());
        let transition = match self.edit_fade {
            0 => None,
            fade => compile_transition(&self.graph, graph, &self.opts, fade).ok().flatten(),
        };
        let Some(mut transition) = transition else {
            schedule.plan_from(&self.shadow);
            let shadow = schedule.shadow();
            return (schedule, shadow);
        };
        let crossfade = transition.schedule_mut();
        crossfade.set_generation(self.next_generation());
        crossfade.plan_from(&self.shadow);
        schedule.plan_from(&crossfade.shadow());
        let shadow = schedule.shadow();
        (Box::new(transition.then(schedule)), shadow)
    }

    fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Has the audio thread measure what `flags` ask for ([`PROFILE`](crate::schedule::PROFILE): each node's time in
    /// `process`, from zero when it is switched on; [`VALUES`](crate::schedule::VALUES): the last frame of every node
    /// output; 0: nothing), read back through [`Engine::inspection`] and
    /// [`Engine::read_output`].
    pub fn inspect(&mut self, flags: u8) -> Result<()> {
        self.push(Command::Inspect(flags))
    }

    /// The newest [`Inspection`] the audio thread published (its `clock` is 0 when nothing
    /// was measured yet).
    pub fn inspection(&mut self) -> Option<&Inspection> {
        let newest = (0..self.inspections.len()).max_by_key(|&i| self.inspections[i].latest().clock)?;
        Some(self.inspections[newest].latest())
    }

    /// The last frame of output `port` of node `id` (one value per channel) in the newest
    /// inspection that holds it, with the sample clock it was published at; None when the
    /// playing graph has no such output. All zeros until [`crate::schedule::VALUES`] is on.
    pub fn read_output(&mut self, id: NodeId, port: usize) -> Option<(u64, Vec<f32>)> {
        let mut best: Option<(u64, Vec<f32>)> = None;
        for reader in &mut self.inspections {
            let clock = reader.latest().clock;
            if best.as_ref().is_some_and(|b| b.0 >= clock) {
                continue;
            }
            if let Some(values) = reader.values(id, port) {
                best = Some((clock, values.to_vec()));
            }
        }
        best
    }

    /// The latest state published by the audio thread.
    pub fn snapshot(&self) -> Snapshot {
        let mut out = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        *out.read()
    }

    /// Xruns the backend reported.
    pub fn xruns(&self) -> u64 {
        self.counters.xruns.load(Ordering::Relaxed)
    }

    /// Frames of input missing in duplex streams.
    pub fn input_underruns(&self) -> u64 {
        self.counters.input_underruns.load(Ordering::Relaxed)
    }

    /// Commands refused because the queue was full.
    pub fn dropped_commands(&self) -> u64 {
        self.dropped_commands
    }

    /// The sample clock now, frames: the last callback's first frame plus the wall-clock time
    /// since it started, held at the frame the next callback starts from when that callback
    /// is late. So the clock never runs ahead of the audio and never steps back: a change sent
    /// without a time lands on the next callback's first frame, at or after `now()`.
    pub fn now(&self) -> u64 {
        let s = self.snapshot();
        let since = self.epoch.elapsed().as_nanos() as u64;
        let elapsed = since.saturating_sub(s.callback_start_ns) as f64 * 1e-9;
        let at_start = s.clock.saturating_sub(s.callback_frames as u64);
        (at_start + (elapsed * self.info.samplerate) as u64).min(s.clock)
    }

    /// Starts recording `source` (the output, the device input, or both) into `target`
    /// (memory, or a WAV/FLAC file written as the take goes, readable at every second), with
    /// room for `slack` seconds between the audio thread and the writer.
    pub fn start_capture(&mut self, source: Source, slack: f64, target: Target) -> Result<()> {
        if self.recorder.is_some() {
            return Err(Error::Invalid("a capture is already running; stop it first".into()));
        }
        let (sink, recorder) =
            capture(source, self.info.outputs, self.info.inputs, self.info.samplerate, slack, target)?;
        self.push(Command::StartCapture(sink))?;
        self.recorder = Some(recorder);
        Ok(())
    }

    /// The running capture, if any (for its progress: frames, overruns, path, error).
    pub fn capture_status(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    /// Stops the capture and returns what it recorded (a file capture: the file is
    /// complete when this returns).
    pub fn stop_capture(&mut self) -> Result<Recording> {
        let Some(recorder) = self.recorder.take() else {
            return Err(Error::Invalid("no capture is running".into()));
        };
        if let Err(e) = self.push(Command::StopCapture) {
            self.recorder = Some(recorder);
            return Err(e);
        }
        // Wait (briefly) for the audio thread to hand the sink back, so every frame it wrote
        // is in the ring before the recorder's last drain.
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match self.returns.pop() {
                Ok(Returned::Capture(sink)) => {
                    drop(sink);
                    break;
                }
                Ok(other) => drop(other),
                Err(_) if Instant::now() > deadline => break,
                Err(_) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
        recorder.finish()
    }

    /// Replaces the transport's tracks and tempo map (stopped, at beat 0).
    pub fn set_transport(&mut self, map: TempoMap, tracks: Vec<Track>) -> Result<()> {
        let song = Song { tempo: map, tracks, ..Song::default() };
        check_song(&self.graph, |n| self.lanes.get(&n).copied(), &song)?;
        let transport = Transport::new(song.tempo, song.tracks, self.info.samplerate);
        self.push(Command::SetTransport(Some(Box::new(transport))))
    }

    /// Plays `song` from where the playing one is, without a jump: the transport carries on
    /// from the old one's beat, loop, play state and cued events with the new tempo map and
    /// tracks (notes the old tracks left on are released), the timeline carries on from the
    /// current frame, and the controller mappings are replaced. For a song edited while it
    /// plays; checked against the playing graph first.
    pub fn continue_song(&mut self, song: Song) -> Result<()> {
        check_song(&self.graph, |n| self.lanes.get(&n).copied(), &song)?;
        let Song { tempo, tracks, cc_maps, timeline } = song;
        let transport = Transport::new(tempo, tracks, self.info.samplerate);
        // Three commands, applied in one block unless the queue fills between them.
        if self.commands.slots() < 3 {
            return Err(self.queue_full());
        }
        self.push(Command::ContinueTransport(Box::new(transport)))?;
        self.push(Command::SetTimeline(Box::new(Timeline::new(timeline))))?;
        self.push(Command::SetCcMaps(cc_maps.into()))
    }

    /// Sends an event for the moment the transport plays `beat` (at once if it is past;
    /// a stopped transport keeps it until it plays there). Checks it against the playing
    /// graph first. Cued events belong to the transport: replacing it forgets them.
    pub fn cue(&mut self, beat: f64, kind: EventKind) -> Result<()> {
        if !(beat.is_finite() && (0.0..=MAX_BEAT).contains(&beat)) {
            return Err(Error::Invalid(format!("beat {beat} is outside [0, {MAX_BEAT:e}]")));
        }
        check_event(&self.graph, &|n| self.lanes.get(&n).copied(), &Event { time: 0, kind })?;
        let s = self.snapshot();
        let waiting = u64::from(s.cued) + (self.cues_sent - s.cues_received);
        if waiting >= CUE_ROOM as u64 {
            return Err(Error::Capacity(format!(
                "{waiting} events already wait for their beat on the transport (room for {CUE_ROOM}); \
                 nothing was cued and the engine keeps playing"
            )));
        }
        self.push(Command::Cue { beat, kind })?;
        self.cues_sent += 1;
        Ok(())
    }

    /// Starts, stops, seeks, loops or retempos the transport at the next block.
    /// Beats must be finite, in [0, [`MAX_BEAT`]], loops must end after they start and
    /// tempos lie in (0, 10000] BPM; anything else is refused, naming the value.
    pub fn transport(&mut self, command: TransportCommand) -> Result<()> {
        let beat_ok = |b: f64| b.is_finite() && (0.0..=MAX_BEAT).contains(&b);
        match command {
            TransportCommand::Seek(b) if !beat_ok(b) => {
                return Err(Error::Invalid(format!("seek: beat {b} is outside [0, {MAX_BEAT:e}]")))
            }
            TransportCommand::Loop(Some((a, b))) if !(beat_ok(a) && beat_ok(b) && b > a) => {
                return Err(Error::Invalid(format!(
                    "loop: {a}..{b} is not a range of beats within [0, {MAX_BEAT:e}] that ends after it starts"
                )))
            }
            TransportCommand::Tempo(bpm) if !(bpm.is_finite() && bpm > 0.0 && bpm <= 10_000.0) => {
                return Err(Error::Invalid(format!("tempo {bpm} BPM is outside (0, 10000]")))
            }
            _ => {}
        }
        self.push(Command::Transport(command))
    }

    /// Sets which node hears each channel of incoming MIDI.
    pub fn set_routes(&mut self, routes: MidiRoutes) -> Result<()> {
        self.push(Command::SetRoutes(routes))
    }

    /// Replaces the controller mappings (each checked against the playing graph).
    pub fn set_cc_maps(&mut self, maps: Vec<CcMapping>) -> Result<()> {
        for m in &maps {
            check_mapping(&self.graph, m)?;
        }
        self.push(Command::SetCcMaps(maps.into()))
    }

    /// The sample-clock frame at which a message stamped `at` (by a timestamp-only source,
    /// such as an OS MIDI driver) plays: the audio clock at `at`, as estimated from the last
    /// callback's (clock, time) pair, plus one device period so it is never late.
    pub fn frame_at(&self, at: Instant) -> u64 {
        frame_at(&self.snapshot(), self.epoch, at, self.info.samplerate, self.latency_frames())
    }

    fn latency_frames(&self) -> u64 {
        self.info.device_block.unwrap_or(self.opts.max_block) as u64
    }

    /// Sends a raw MIDI message received at `at` (None: now) into the engine, through the
    /// MIDI routes and controller mappings.
    pub fn send_midi(&mut self, bytes: &[u8], at: Option<Instant>) -> Result<()> {
        let event = NodeEvent::from_midi(bytes)
            .ok_or_else(|| Error::Invalid(format!("not a note, controller, bend or program message: {bytes:02x?}")))?;
        let time = self.frame_at(at.unwrap_or_else(Instant::now));
        self.push_event(Some(time), EventKind::Midi { event })
    }

    /// Listens to the OS MIDI input port whose name contains `name` (ALSA sequencer,
    /// CoreMIDI, WinMM), stamping each message on arrival.
    pub fn open_midi_input(&mut self, name: &str) -> Result<()> {
        let (tx, stats, epoch) = (self.midi_tx.clone(), self.stats.clone(), self.epoch);
        let (sr, latency) = (self.info.samplerate, self.latency_frames());
        let connection = os_midi::InputConnection::open(name, move |bytes| {
            let Some(event) = NodeEvent::from_midi(bytes) else { return };
            let snapshot = *stats.lock().unwrap_or_else(|e| e.into_inner()).read();
            let time = frame_at(&snapshot, epoch, Instant::now(), sr, latency);
            let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).push(Event { time, kind: EventKind::Midi { event } });
        })?;
        self.midi_input = Some(connection);
        Ok(())
    }

    /// Starts recording incoming MIDI with sample timestamps: kept in memory, or (with
    /// `path`) streamed to a MIDI file that is readable at every second.
    pub fn start_midi_record(&mut self, path: Option<&Path>) -> Result<()> {
        if self.midi_record.is_some() {
            return Err(Error::Invalid("MIDI is already being recorded; stop first".into()));
        }
        let (tx, rx) = rtrb::RingBuffer::new(MIDI_RECORD_RING);
        let recording = match path {
            Some(p) => MidiRecording::File(MidiFileRecorder::start(p, self.info.samplerate, rx)?),
            None => MidiRecording::Memory(rx),
        };
        self.push(Command::StartMidiRecord(tx))?;
        self.midi_record = Some(recording);
        Ok(())
    }

    /// Stops recording MIDI; returns what arrived, stamped with sample-clock frames (a file
    /// recording returns nothing: its messages are in the file, complete when this returns).
    pub fn stop_midi_record(&mut self) -> Result<Vec<StampedMidi>> {
        let Some(recording) = self.midi_record.take() else {
            return Err(Error::Invalid("no MIDI recording is running".into()));
        };
        self.push(Command::StopMidiRecord)?;
        match recording {
            MidiRecording::File(recorder) => {
                // The worker finishes once the audio thread has let go of the ring (handed
                // back and dropped by collect()).
                let deadline = Instant::now() + Duration::from_secs(2);
                while Instant::now() < deadline && !recorder.is_done() {
                    self.collect();
                    std::thread::sleep(Duration::from_millis(1));
                }
                recorder.finish().map(|_| Vec::new())
            }
            MidiRecording::Memory(mut rx) => {
                let mut out = Vec::new();
                let deadline = Instant::now() + Duration::from_secs(2);
                while !rx.is_abandoned() && Instant::now() < deadline {
                    while let Ok(m) = rx.pop() {
                        out.push(m);
                    }
                    self.collect();
                    std::thread::sleep(Duration::from_millis(1));
                }
                while let Ok(m) = rx.pop() {
                    out.push(m);
                }
                Ok(out)
            }
        }
    }

    /// Connects two ports (JACK).
    pub fn connect(&self, from: &str, to: &str) -> Result<()> {
        self.running.as_ref().ok_or_else(|| Error::Device("the engine is stopped".into()))?.connect(from, to)
    }

    /// Stops the audio and releases the device.
    pub fn stop(&mut self) -> Result<()> {
        self.midi_input = None;
        if let Some((flag, thread)) = self.monitor.take() {
            flag.store(true, Ordering::Release);
            let _ = thread.join();
        }
        let result = self.running.take().map_or(Ok(()), |r| r.stop());
        self.collect();
        result
    }

    fn spawn_monitor(&self) -> (Arc<AtomicBool>, JoinHandle<()>) {
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, stats, counters, sr) =
            (stop.clone(), self.stats.clone(), self.counters.clone(), self.info.samplerate);
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_secs(1));
                let s = *stats.lock().unwrap_or_else(|e| e.into_inner()).read();
                let deadline_ms = s.callback_frames as f64 / sr * 1e3;
                eprintln!(
                    "chronus: {:.1} s | load {:.1}% | callback mean {:.3} ms worst {:.3} ms p99 {:.3} ms of {:.3} ms \
                     | xruns {} | late events {} | dropped events {}",
                    s.clock as f64 / sr,
                    100.0 * s.load(sr),
                    s.busy_ns as f64 / s.callbacks.max(1) as f64 * 1e-6,
                    s.worst_ns as f64 * 1e-6,
                    s.time_quantile(0.99) * 1e3,
                    deadline_ms,
                    counters.xruns.load(Ordering::Relaxed),
                    s.late_events,
                    s.dropped_events,
                );
            }
        });
        (stop, thread)
    }
}

/// Frame of the sample clock for time `at`, from the last callback's (clock, time) pair.
fn frame_at(s: &Snapshot, epoch: Instant, at: Instant, samplerate: f64, latency: u64) -> u64 {
    let at_ns = at.saturating_duration_since(epoch).as_nanos() as i128;
    let callback_start = s.clock.saturating_sub(s.callback_frames as u64) as i128;
    let elapsed = at_ns - s.callback_start_ns as i128;
    let frame = callback_start + (elapsed as f64 * 1e-9 * samplerate).round() as i128 + latency as i128;
    frame.max(0) as u64
}

/// Checks a controller mapping against the graph, naming the culprit.
pub fn check_mapping(graph: &Graph, m: &CcMapping) -> Result<()> {
    let desc = graph.node(m.node)?;
    let param = desc
        .params()
        .get(m.param as usize)
        .ok_or_else(|| Error::Unknown(format!("{} has no parameter #{}", graph.name(m.node), m.param)))?;
    if m.controller > 127 || m.channel.is_some_and(|c| c > 15) {
        return Err(Error::Invalid(format!("controller {} / channel {:?} out of MIDI range", m.controller, m.channel)));
    }
    for v in [m.min, m.max] {
        graph.check_value(m.node, m.param, v)?;
    }
    if let Curve::Exponential = m.curve {
        if m.min == 0.0 || m.max == 0.0 || (m.min < 0.0) != (m.max < 0.0) {
            return Err(Error::Invalid(format!(
                "{}: an exponential mapping of '{}' needs min and max of one sign and not 0",
                graph.name(m.node),
                param.name
            )));
        }
    }
    Ok(())
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
