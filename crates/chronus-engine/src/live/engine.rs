//! The control thread's side of the live engine.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::audio::AudioSide;
use super::capture::{capture, Capture, Recorder};
use super::command::{Command, Returned};
use super::stats::Snapshot;
use crate::backend::{self, BackendCounters, Running, StreamInfo, StreamRequest};
use crate::compile::{compile, CompileOptions};
use crate::error::{Error, Result};
use crate::event::{Event, EventKind};
use crate::graph::{Graph, NodeId};
use crate::offline::check_event;
use crate::processor::Processor;

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
    /// Commands that can wait in the control -> audio queue.
    pub command_capacity: usize,
    /// Future events the audio thread can hold.
    pub event_capacity: usize,
}

/// A graph playing live. Dropping it stops the audio.
pub struct Engine {
    commands: rtrb::Producer<Command>,
    returns: rtrb::Consumer<Returned>,
    stats: Arc<Mutex<triple_buffer::Output<Snapshot>>>,
    running: Option<Box<dyn Running>>,
    info: StreamInfo,
    opts: CompileOptions,
    counters: Arc<BackendCounters>,
    dropped_commands: u64,
    epoch: Instant,
    graph: Graph,
    lanes: HashMap<NodeId, usize>,
    recorder: Option<Recorder>,
    monitor: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl Engine {
    /// Opens the device, compiles `graph` for it and starts playing.
    pub fn start(graph: &Graph, config: &EngineConfig) -> Result<Engine> {
        let counters = Arc::new(BackendCounters::default());
        let opened = backend::open(&config.stream, counters.clone())?;
        let (mut engine, side) = Engine::prepare(graph, config, opened.info().clone(), counters)?;
        engine.running = Some(opened.start(side)?);
        Ok(engine)
    }

    /// An engine with no device: the caller drives the returned [`AudioSide`] (tests,
    /// benchmarks, hosts that own their own audio callback). The sample rate is the
    /// request's (48 kHz if none).
    pub fn start_manual(graph: &Graph, config: &EngineConfig) -> Result<(Engine, AudioSide)> {
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
        let schedule = compile(graph, &opts)?;
        let lanes = graph.nodes().filter_map(|(id, _)| Some((id, schedule.lanes(id)?))).collect();
        let (commands, command_rx) = rtrb::RingBuffer::new(config.command_capacity.max(1));
        // Every swap or capture stop returns at most one item: the return queue can always
        // hold everything the command queue can cause.
        let (return_tx, returns) = rtrb::RingBuffer::new(config.command_capacity.max(1) + 1);
        let (stats_in, stats_out) = triple_buffer::triple_buffer(&Snapshot::default());
        let epoch = Instant::now();
        let side = AudioSide::new(
            Processor::new(schedule, config.event_capacity),
            command_rx,
            return_tx,
            stats_in,
            epoch,
            info.outputs,
            info.inputs,
        );
        let mut engine = Engine {
            commands,
            returns,
            stats: Arc::new(Mutex::new(stats_out)),
            running: None,
            info,
            opts,
            counters,
            dropped_commands: 0,
            epoch,
            graph: graph.clone(),
            lanes,
            recorder: None,
            monitor: None,
        };
        if std::env::var("CHRONUS_AUDIO_DEBUG").is_ok_and(|v| !v.is_empty() && v != "0") {
            engine.monitor = Some(engine.spawn_monitor());
        }
        Ok((engine, side))
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
        self.commands.push(command).map_err(|_| {
            self.dropped_commands += 1;
            Error::Capacity(format!(
                "the command queue is full ({} waiting): the audio thread is not keeping up; \
                 nothing was sent and the engine keeps playing",
                self.commands.buffer().capacity()
            ))
        })
    }

    /// Sends an event for frame `time` of the sample clock, or for the start of the next
    /// block when `time` is None. Checks it against the playing graph first.
    pub fn send(&mut self, time: Option<u64>, kind: EventKind) -> Result<()> {
        check_event(&self.graph, |n| self.lanes.get(&n).copied(), &Event { time: time.unwrap_or(0), kind })?;
        self.push(Command::Event { time, kind })
    }

    /// Compiles `graph` and swaps it in at the next block boundary; nodes that survive keep
    /// their state (phases, delay lines, envelopes, parameter glides).
    pub fn swap(&mut self, graph: &Graph) -> Result<()> {
        let schedule = compile(graph, &self.opts)?;
        let lanes = graph.nodes().filter_map(|(id, _)| Some((id, schedule.lanes(id)?))).collect();
        self.push(Command::Swap(Box::new(schedule)))?;
        self.graph = graph.clone();
        self.lanes = lanes;
        Ok(())
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

    /// The sample clock now, estimated from the last callback's (clock, time) pair.
    pub fn now(&self) -> u64 {
        let s = self.snapshot();
        let since = self.epoch.elapsed().as_nanos() as u64;
        let elapsed = since.saturating_sub(s.callback_start_ns) as f64 * 1e-9;
        let at_start = s.clock.saturating_sub(s.callback_frames as u64);
        at_start + (elapsed * self.info.samplerate) as u64
    }

    /// Starts recording the engine's output (and device input when `with_input`), with
    /// room for `slack` seconds between the audio thread and the recorder.
    pub fn start_capture(&mut self, with_input: bool, slack: f64) -> Result<()> {
        if self.recorder.is_some() {
            return Err(Error::Invalid("a capture is already running; stop it first".into()));
        }
        let channels = self.info.outputs + if with_input { self.info.inputs } else { 0 };
        let (sink, recorder) = capture(channels, with_input, self.info.samplerate, slack);
        self.push(Command::StartCapture(sink))?;
        self.recorder = Some(recorder);
        Ok(())
    }

    /// Stops the capture and returns what it recorded.
    pub fn stop_capture(&mut self) -> Result<Capture> {
        let Some(recorder) = self.recorder.take() else {
            return Err(Error::Invalid("no capture is running".into()));
        };
        self.push(Command::StopCapture)?;
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
        Ok(recorder.finish())
    }

    /// Connects two ports (JACK).
    pub fn connect(&self, from: &str, to: &str) -> Result<()> {
        self.running.as_ref().ok_or_else(|| Error::Device("the engine is stopped".into()))?.connect(from, to)
    }

    /// Stops the audio and releases the device.
    pub fn stop(&mut self) -> Result<()> {
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

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
