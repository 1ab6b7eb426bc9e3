//! Property tests over what reaches the audio thread: arbitrary event streams (any times,
//! nodes that do not exist, lanes out of range, odd block sizes) and arbitrary sequences of
//! live commands (events, cues, transport moves with absurd values, swaps, captures). The
//! engine must never panic or fault, must account for every event, and must stay
//! deterministic. Case counts are kept small so the suite runs in seconds.

mod common;

use chronus_engine::backend::StreamRequest;
use chronus_engine::live::{Engine, EngineConfig, Source};
use chronus_engine::processor::TransportCommand;
use chronus_engine::record::Target;
use chronus_engine::sequence::{TempoMap, Track, TrackEvent};
use chronus_engine::{compile, Event, EventKind, Graph, NodeEvent, Processor, Ramp, Song};
use common::{node, opts};
use proptest::prelude::*;

/// A small graph with a two-lane constant, an oscillator and a voice allocator driving an
/// envelope (its lanes summed): (graph, [const, saw, voices, adsr]).
fn graph() -> (Graph, [u32; 4]) {
    let mut g = Graph::new();
    let c = node(&mut g, "const", &[("value", &[0.1, 0.2])], &[]);
    let saw = node(&mut g, "saw", &[("freq", &[110.0])], &[]);
    let v = node(&mut g, "voices", &[], &[]);
    let env = node(&mut g, "adsr", &[], &[]);
    g.connect_param(v, "gate", env, "gate").unwrap();
    let mix = node(&mut g, "sum", &[], &[]);
    g.connect_input(env, "out", mix, "in").unwrap();
    g.connect_output(c, "out").unwrap();
    g.connect_output(saw, "out").unwrap();
    g.connect_output(mix, "out").unwrap();
    (g, [c, saw, v, env])
}

fn ramp() -> impl Strategy<Value = Ramp> {
    prop_oneof![Just(Ramp::Default), Just(Ramp::Jump), (0u32..100_000).prop_map(Ramp::Frames)]
}

/// Any event kind for nodes 0..6 (ids 4 and 5 do not exist), with lanes 0..4 (the nodes run
/// one or two), values inside the parameters' ranges.
fn event_kind() -> impl Strategy<Value = EventKind> {
    let param = (0u32..6, 0u16..3, proptest::option::of(0u16..4), 0.0f32..1.0, ramp())
        .prop_map(|(node, param, lane, value, ramp)| EventKind::Param { node, param, lane, value, ramp });
    let note = (0u32..6, 0u8..16, 0u8..128, 0.01f32..1.0).prop_map(|(node, channel, note, velocity)| EventKind::Node {
        node,
        event: NodeEvent::NoteOn { channel, note, velocity },
    });
    let off = (0u32..6, 0u8..16, 0u8..128)
        .prop_map(|(node, channel, note)| EventKind::Node { node, event: NodeEvent::NoteOff { channel, note } });
    let panic = (0u32..6).prop_map(|node| EventKind::Node { node, event: NodeEvent::AllNotesOff });
    prop_oneof![param, note, off, panic]
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec((0u64..20_000, event_kind()).prop_map(|(time, kind)| Event { time, kind }), 0..300)
}

/// Renders `events` through a processor in callbacks of the given sizes; returns the output
/// and the counters.
fn play(events: &[Event], sizes: &[usize]) -> (Vec<f32>, chronus_engine::processor::Counters) {
    let (g, _) = graph();
    let mut proc = Processor::new(compile(&g, &opts(256)).unwrap(), 1024);
    for e in events {
        proc.push_event(*e).unwrap();
    }
    let mut out = Vec::new();
    let mut buffer = vec![0.0f32; 4096];
    for n in sizes.iter().cycle().take(60) {
        proc.process(&mut buffer[..*n], 1);
        out.extend_from_slice(&buffer[..*n]);
        proc.clear_midi();
    }
    (out, proc.counters())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_event_stream_is_applied_or_counted_and_never_panics(
        events in events(),
        sizes in prop::collection::vec(1usize..4096, 1..8),
    ) {
        let (out, counters) = play(&events, &sizes);
        let played: u64 = sizes.iter().cycle().take(60).map(|n| *n as u64).sum();
        let due = events.iter().filter(|e| e.time < played).count() as u64;
        prop_assert_eq!(counters.events_done, due, "every due event is taken: applied or orphaned");
        prop_assert_eq!(counters.dropped_events, 0);
        prop_assert!(out.iter().all(|x| x.is_finite()));
        // Deterministic: the same stream in the same callbacks plays the same samples.
        let (again, _) = play(&events, &sizes);
        prop_assert_eq!(out, again);
    }
}

/// One thing the control thread may do to a live engine.
#[derive(Debug, Clone)]
enum Op {
    Send(Option<u64>, EventKind),
    Cue(f64, EventKind),
    Transport(TransportCommand),
    Swap(u8),
    /// Start a capture (true; if none runs).
    Capture(bool),
    Callbacks(usize),
}

fn finite_or_not() -> impl Strategy<Value = f64> {
    prop_oneof![-10.0f64..1e4, Just(f64::NAN), Just(f64::INFINITY), Just(-0.0), Just(1e300)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (proptest::option::of(0u64..50_000), event_kind()).prop_map(|(t, k)| Op::Send(t, k)),
        (finite_or_not(), event_kind()).prop_map(|(b, k)| Op::Cue(b, k)),
        prop_oneof![
            Just(TransportCommand::Start),
            Just(TransportCommand::Stop),
            finite_or_not().prop_map(TransportCommand::Seek),
            (finite_or_not(), finite_or_not()).prop_map(|(a, b)| TransportCommand::Loop(Some((a, b)))),
            Just(TransportCommand::Loop(None)),
            finite_or_not().prop_map(TransportCommand::Tempo),
        ]
        .prop_map(Op::Transport),
        (0u8..4).prop_map(Op::Swap),
        any::<bool>().prop_map(Op::Capture),
        (1usize..20).prop_map(Op::Callbacks),
    ]
}

fn config() -> EngineConfig {
    EngineConfig {
        stream: StreamRequest {
            backend: "manual".into(),
            device: None,
            samplerate: Some(48_000),
            blocksize: 256,
            outputs: 1,
            inputs: 1,
            client_name: "fuzz".into(),
            connect: false,
            midi_in: false,
            midi_out: false,
        },
        blocksize: 256,
        smoothing: 0.005,
        edit_fade: 0.005,
        command_capacity: 64,
        event_capacity: 128,
        autoplay: true,
    }
}

/// The base graph with `edit` applied: 0 none, 1 one more oscillator, 2 the saw removed,
/// 3 the constant rewired through a gain.
fn edited(edit: u8) -> Graph {
    let (mut g, [c, saw, ..]) = graph();
    match edit {
        1 => {
            let s = node(&mut g, "sine", &[("freq", &[330.0])], &[]);
            g.connect_output(s, "out").unwrap();
        }
        2 => g.remove(saw).unwrap(),
        3 => {
            let gain = node(&mut g, "muladd", &[("mul", &[0.5])], &[]);
            g.connect_input(c, "out", gain, "in").unwrap();
            g.connect_output(gain, "out").unwrap();
        }
        _ => {}
    }
    g
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_command_sequence_keeps_the_engine_playing(ops in prop::collection::vec(op(), 1..60)) {
        let (g, [_, _, v, _]) = graph();
        let note = TrackEvent {
            beat: 0.0,
            kind: EventKind::Node { node: v, event: NodeEvent::NoteOn { channel: 0, note: 60, velocity: 0.5 } },
            probability: 1.0,
        };
        let song = Song {
            tempo: TempoMap::constant(140.0).unwrap(),
            tracks: vec![Track::new(vec![note], Some(1.0), 1).unwrap()],
            ..Song::default()
        };
        let (mut engine, mut side) = Engine::start_manual(&g, song, &config()).unwrap();
        let mut out = vec![0.0f32; 256];
        let input = vec![0.25f32; 256];
        let mut capturing = false;
        for op in ops {
            // Errors are fine (full queues, bad values, a capture already running): they
            // must be errors, never panics, and the engine must go on.
            let _ = match op {
                Op::Send(t, k) => engine.send(t, k),
                Op::Cue(b, k) => engine.cue(b, k),
                Op::Transport(c) => engine.transport(c),
                Op::Swap(e) => engine.swap(&edited(e)),
                Op::Capture(true) if !capturing => engine.start_capture(Source::Both, 0.5, Target::Memory).map(|_| {
                    capturing = true;
                }),
                // Stopping waits for the audio thread to hand the sink back, which this
                // single-threaded test cannot do while waiting: captures run to the end.
                Op::Capture(_) => Ok(()),
                Op::Callbacks(n) => {
                    for _ in 0..n {
                        side.callback(&mut out, &input);
                    }
                    Ok(())
                }
            };
        }
        for _ in 0..10 {
            side.callback(&mut out, &input);
        }
        let s = engine.snapshot();
        prop_assert!(!s.faulted && s.audio_panics == 0);
        prop_assert!(out.iter().all(|x| x.is_finite()));
    }
}
