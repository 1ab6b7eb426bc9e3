//! Faults the audio thread must survive without taking the process down or stalling: a
//! panicking node, a flood of commands, a looping track denser than a block can play, and
//! a stop requested while callbacks run.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chronus_engine::live::{Engine, EngineConfig, COMMANDS_PER_CALLBACK};
use chronus_engine::node::{BuildCtx, Built, Node, ProcessIo};
use chronus_engine::processor::TransportCommand;
use chronus_engine::sequence::{TempoMap, Track, TrackEvent, MAX_TRACK_EVENTS_PER_BLOCK};
use chronus_engine::spec::{InputRule, NodeSpec, PortSpec};
use chronus_engine::{Error, EventKind, Graph, NodeEvent, Ramp, Song};
use common::manual::manual_config;

fn config(command_capacity: usize) -> EngineConfig {
    EngineConfig { command_capacity, event_capacity: 4096, ..manual_config(1, 256) }
}

/// Outputs 1.0 for `after` blocks, then panics (a stand-in for a node with a bug).
struct Panicky {
    left: u32,
}

impl Node for Panicky {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        if self.left == 0 {
            panic!("a node bug");
        }
        self.left -= 1;
        io.outputs[0].fill(1.0);
    }
}

static PANICKY: NodeSpec = NodeSpec {
    kind: "panicky",
    doc: "Test node: panics after three blocks.",
    inputs: &[],
    outputs: &[PortSpec { name: "out", doc: "1.0, until it panics." }],
    params: &[],
    options: &[],
    input_rule: InputRule::AsIs,
    build: |ctx: &BuildCtx| Built::lanes(Panicky { left: 3 }, ctx),
};

#[test]
fn a_panic_on_the_audio_thread_is_caught_counted_and_silences_the_engine() {
    let mut g = Graph::new();
    let id = g.add_spec(&PANICKY, &[], None).unwrap();
    g.connect_output(id, "out").unwrap();
    let (mut engine, mut side) = Engine::start_manual(&g, Song::default(), &config(64)).unwrap();
    let mut out = vec![0.0f32; 256];
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut peaks = Vec::new();
    for _ in 0..6 {
        out.fill(0.5);
        side.callback(&mut out, &[]);
        peaks.push(out.iter().fold(0.0f32, |m, x| m.max(x.abs())));
    }
    std::panic::set_hook(hook);
    assert_eq!(peaks, [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    let s = engine.snapshot();
    assert_eq!((s.audio_panics, s.faulted, s.callbacks), (1, true, 6));
    let kind = EventKind::Node { node: id, event: NodeEvent::AllNotesOff };
    let err = engine.send(None, kind).unwrap_err();
    assert!(matches!(&err, Error::Device(m) if m.contains("panicked")), "{err}");
}

#[test]
fn one_callback_applies_a_bounded_number_of_commands() {
    let mut g = Graph::new();
    let c = g.add("const", &[], None).unwrap();
    g.connect_output(c, "out").unwrap();
    let (mut engine, mut side) = Engine::start_manual(&g, Song::default(), &config(4096)).unwrap();
    let total = 3 * COMMANDS_PER_CALLBACK + 10;
    for i in 0..total {
        let kind = EventKind::Param { node: c, param: 0, lane: None, value: i as f32 / total as f32, ramp: Ramp::Jump };
        engine.send(None, kind).unwrap();
    }
    let mut out = vec![0.0f32; 256];
    let mut values = Vec::new();
    for _ in 0..5 {
        side.callback(&mut out, &[]);
        values.push(out[0]);
    }
    // Four callbacks take the commands (256 + 256 + 256 + 10); the last value is the
    // last command's, reached in the fourth callback and not before.
    let last = (total - 1) as f32 / total as f32;
    assert!(values[2] < last && values[3] == last && values[4] == last, "{values:?}");
    assert_eq!(engine.snapshot().commands_deferred, 3);
}

#[test]
fn a_looping_track_denser_than_a_block_can_play_is_refused_or_cut_short() {
    let note = |beat| TrackEvent {
        beat,
        kind: EventKind::Node { node: 0, event: NodeEvent::NoteOn { channel: 0, note: 60, velocity: 0.5 } },
        probability: 1.0,
    };
    // The pattern "x" * 16 at a billion steps per beat.
    let err = Track::new((0..16).map(|i| note(i as f64 * 1e-9)).collect(), Some(16e-9), 0).unwrap_err();
    assert!(err.to_string().contains("events per beat"), "{err}");

    // The densest track accepted, played at the fastest tempo: each block plays at most
    // MAX_TRACK_EVENTS_PER_BLOCK of its events and counts the rest.
    let events = 64;
    let track = Track::new((0..events).map(|i| note(i as f64 / 65_536.0)).collect(), Some(events as f64 / 65_536.0), 0)
        .unwrap();
    let mut g = Graph::new();
    let v = g.add("voices", &[], None).unwrap();
    g.connect_output(v, "gate").unwrap();
    let (mut engine, mut side) = Engine::start_manual(&g, Song::default(), &config(64)).unwrap();
    engine.set_transport(TempoMap::constant(10_000.0).unwrap(), vec![track]).unwrap();
    engine.transport(TransportCommand::Start).unwrap();
    let mut out = vec![0.0f32; 256];
    let started = Instant::now();
    for _ in 0..8 {
        side.callback(&mut out, &[]);
    }
    let s = engine.snapshot();
    // 10,000 BPM at 48 kHz: 256 frames are 0.889 beats, 58,254 events a block.
    assert!(s.skipped_track_events > 7 * 50_000, "{}", s.skipped_track_events);
    assert!(s.worst_ns < 100_000_000, "worst callback {} ms", s.worst_ns / 1_000_000);
    assert!(started.elapsed() < Duration::from_secs(5));
    const { assert!(MAX_TRACK_EVENTS_PER_BLOCK < 58_254) };
}

#[test]
fn a_stop_is_acknowledged_by_the_callback_before_the_stream_goes() {
    let mut g = Graph::new();
    let c = g.add("const", &[], None).unwrap();
    g.set_param(c, "value", &[0.5]).unwrap();
    g.connect_output(c, "out").unwrap();
    let (_engine, mut side) = Engine::start_manual(&g, Song::default(), &config(64)).unwrap();
    let halt = side.halt();
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let audio = std::thread::spawn(move || {
        let mut out = vec![0.0f32; 256];
        let mut after_stop = Vec::new();
        while !flag.load(Ordering::Acquire) {
            side.callback(&mut out, &[]);
            after_stop.push(out[0]);
            std::thread::sleep(Duration::from_millis(1));
        }
        after_stop
    });
    std::thread::sleep(Duration::from_millis(20));
    assert!(halt.stop(Duration::from_secs(2)));
    let stopped_at = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    done.store(true, Ordering::Release);
    let outputs = audio.join().unwrap();
    assert_eq!(outputs[0], 0.5);
    assert_eq!(*outputs.last().unwrap(), 0.0, "the callback keeps running the engine after the stop");
    assert!(stopped_at.elapsed() < Duration::from_secs(1));
    // A stream that never calls back cannot acknowledge: stop gives up after its timeout.
    let (_engine, side) = Engine::start_manual(&g, Song::default(), &config(64)).unwrap();
    assert!(!side.halt().stop(Duration::from_millis(30)));
}

#[test]
fn a_full_event_queue_refuses_timed_and_immediate_events_alike() {
    let mut g = Graph::new();
    let c = g.add("const", &[], None).unwrap();
    g.connect_output(c, "out").unwrap();
    let mut cfg = config(4096);
    cfg.event_capacity = 16;
    let (mut engine, mut side) = Engine::start_manual(&g, Song::default(), &cfg).unwrap();
    let set = |v: f32| EventKind::Param { node: c, param: 0, lane: None, value: v, ramp: Ramp::Jump };
    for i in 0..16 {
        engine.send(Some(48_000 + i), set(0.5)).unwrap();
    }
    for time in [Some(96_000), None] {
        let err = engine.send(time, set(0.25)).unwrap_err();
        assert!(matches!(&err, Error::Capacity(m) if m.contains("16 events already wait")), "{err}");
    }
    let mut out = vec![0.0f32; 256];
    side.callback(&mut out, &[]);
    assert!(engine.send(None, set(0.25)).is_err(), "still waiting for their time");
    for _ in 0..200 {
        side.callback(&mut out, &[]);
    }
    assert_eq!(out[0], 0.5);
    engine.send(None, set(0.25)).unwrap();
    side.callback(&mut out, &[]);
    assert_eq!(out[0], 0.25);
    let s = engine.snapshot();
    assert_eq!((s.events_done, s.dropped_events), (17, 0));
}
