//! The live engine: the audio side never allocates while commands, swaps and captures
//! flow from another thread; events land on their sample; the null device keeps time.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use chronus_engine::backend::StreamRequest;
use chronus_engine::live::{Engine, EngineConfig, Source};
use chronus_engine::midi::{CcMapping, Curve, MidiRoutes};
use chronus_engine::processor::TransportCommand;
use chronus_engine::record::{FileFormat, Target};
use chronus_engine::schedule::{PROFILE, VALUES};
use chronus_engine::sequence::{TempoMap, Track, TrackEvent};
use chronus_engine::{Event, EventKind, Graph, NodeEvent, Ramp, Song};
use common::{every_node_graph, node};

#[global_allocator]
static ALLOC: AllocDisabler = AllocDisabler;

fn config(backend: &str, outputs: usize, inputs: usize) -> EngineConfig {
    EngineConfig {
        stream: StreamRequest {
            backend: backend.into(),
            device: None,
            samplerate: Some(48_000),
            blocksize: 256,
            outputs,
            inputs,
            client_name: "chronus-test".into(),
            connect: false,
            midi_in: false,
            midi_out: false,
        },
        blocksize: 256,
        smoothing: 0.005,
        edit_fade: 0.005,
        command_capacity: 256,
        event_capacity: 1024,
        autoplay: true,
    }
}

#[test]
fn audio_side_never_allocates_while_the_control_thread_edits() {
    let (mut graph, ids) = every_node_graph();
    let (voices, svf) = (ids[6], ids[1]);
    let (mut engine, mut side) = Engine::start_manual(&graph, Song::default(), &config("manual", 2, 2)).unwrap();
    let take = std::env::temp_dir().join(format!("chronus-live-take-{}.flac", std::process::id()));
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let audio = std::thread::spawn(move || {
        let mut out = vec![0.0f32; 2 * 4096];
        let input = vec![0.25f32; 2 * 4096];
        let sizes = [256usize, 64, 1, 1000, 17, 333];
        reset_violation_count();
        let mut i = 0;
        while !flag.load(Ordering::Acquire) {
            let n = sizes[i % sizes.len()];
            assert_no_alloc(|| side.callback(&mut out[..2 * n], &input[..2 * n]));
            i += 1;
        }
        (violation_count(), i, side)
    });
    let track = Track::new(
        (0..8)
            .map(|i| TrackEvent {
                beat: i as f64 * 0.5,
                kind: EventKind::Node {
                    node: voices,
                    event: NodeEvent::NoteOn { channel: 0, note: 50 + i, velocity: 0.6 },
                },
                probability: 0.7,
            })
            .collect(),
        Some(4.0),
        9,
    )
    .unwrap();
    engine.set_transport(TempoMap::constant(180.0).unwrap(), vec![track.clone()]).unwrap();
    engine.transport(TransportCommand::Start).unwrap();
    engine.set_routes(MidiRoutes::omni(voices)).unwrap();
    let mut recording_from = 0;
    for round in 0..60u32 {
        let t = engine.now() + 100;
        match round % 10 {
            1 => engine.transport(TransportCommand::Tempo(90.0 + round as f64)).unwrap(),
            2 => engine.transport(TransportCommand::Loop(Some((1.0, 3.0)))).unwrap(),
            3 => {
                // Inspection switched on and off while schedules swap.
                engine.inspect([PROFILE | VALUES, VALUES, 0][(round / 10) as usize % 3]).unwrap();
                let _ = engine.inspection();
            }
            4 => engine.transport(TransportCommand::Seek(0.5)).unwrap(),
            5 => {
                let map = CcMapping {
                    channel: None,
                    controller: 74,
                    node: svf,
                    param: 0,
                    min: 200.0,
                    max: 5000.0,
                    curve: Curve::Exponential,
                };
                engine.set_cc_maps(vec![map]).unwrap();
            }
            6 => {
                recording_from = engine.snapshot().midi_received;
                engine.start_midi_record(None).unwrap();
            }
            8 => {
                // Let the audio thread reach the messages sent since the recording started.
                let deadline = std::time::Instant::now() + Duration::from_secs(5);
                while engine.snapshot().midi_received <= recording_from && std::time::Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                assert!(!engine.stop_midi_record().unwrap().is_empty());
            }
            9 => {
                // The song edited while it plays: a new transport takes over the old one's
                // beat, loop, play state and cues; the new timeline carries on from the
                // current frame.
                let later = |frames: u64| Event {
                    time: t + frames,
                    kind: EventKind::Param { node: svf, param: 0, lane: None, value: 900.0, ramp: Ramp::Default },
                };
                let song = Song {
                    tempo: TempoMap::constant(150.0).unwrap(),
                    tracks: vec![track.clone()],
                    timeline: vec![later(10), later(300)],
                    ..Song::default()
                };
                engine.continue_song(song).unwrap();
            }
            _ => {}
        }
        // As from a MIDI port: routed to the voices, and through the CC mapping. (This audio
        // thread runs as fast as it can, not in real time, so the messages are sent for the
        // next block rather than stamped with wall-clock arrival times.)
        let cc = NodeEvent::Control { channel: 0, controller: 74, value: (round % 2) as f32 };
        engine
            .send(None, EventKind::Midi { event: NodeEvent::NoteOn { channel: 1, note: 60, velocity: 0.7 } })
            .unwrap();
        engine.send(None, EventKind::Midi { event: cc }).unwrap();
        let note = 40 + (round % 30) as u8;
        engine
            .send(
                Some(t),
                EventKind::Node { node: voices, event: NodeEvent::NoteOn { channel: 0, note, velocity: 0.7 } },
            )
            .unwrap();
        engine
            .send(
                None,
                EventKind::Param {
                    node: svf,
                    param: 1,
                    lane: None,
                    value: 1.0 + (round % 4) as f32,
                    ramp: Ramp::Default,
                },
            )
            .unwrap();
        // Cued for a beat of the transport (inserted in order into its preallocated list).
        let kind = EventKind::Node { node: voices, event: NodeEvent::NoteOn { channel: 0, note: 70, velocity: 0.5 } };
        engine.cue(f64::from(round % 7) * 0.75, kind).unwrap();
        if round % 10 == 3 {
            // Add (and later remove) a sounding node: a hot swap that crossfades it in
            // (and, next time, out).
            let extra = node(&mut graph, "sine", &[("freq", &[220.0])], &[]);
            graph.connect_output(extra, "out").unwrap();
            engine.swap(&graph).unwrap();
            graph.remove(extra).unwrap();
        }
        if round % 20 == 5 {
            // Captures alternate between memory and a FLAC file written as they go.
            let target = match round % 40 {
                5 => Target::Memory,
                _ => Target::File { path: take.clone(), format: FileFormat::Flac24 },
            };
            engine.start_capture(Source::Both, 1.0, target).unwrap();
        }
        if round % 20 == 15 {
            let capture = engine.stop_capture().unwrap();
            assert_eq!(capture.channels, 4);
            assert!(capture.frames > 0);
            assert_eq!(capture.samples.is_empty(), capture.path.is_some());
        }
        std::thread::sleep(Duration::from_millis(3));
    }
    std::thread::sleep(Duration::from_millis(20));
    stop.store(true, Ordering::Release);
    let (violations, callbacks, side) = audio.join().unwrap();
    assert_eq!(violations, 0, "the audio side allocated or freed");
    assert!(callbacks > 100, "{callbacks} callbacks");
    let s = engine.snapshot();
    assert!(s.swaps >= 6, "{} swaps", s.swaps);
    assert!(s.crossfades >= 6, "{} crossfades", s.crossfades);
    assert_eq!(s.dropped_events, 0);
    drop(side);
    let _ = std::fs::remove_file(take);
}

#[test]
fn events_for_a_sample_time_land_on_that_sample() {
    let mut g = Graph::new();
    let c = node(&mut g, "const", &[("value", &[0.0])], &[]);
    g.connect_output(c, "out").unwrap();
    let (mut engine, mut side) = Engine::start_manual(&g, Song::default(), &config("manual", 1, 0)).unwrap();
    let mut out = vec![0.0f32; 480];
    side.callback(&mut out, &[]);
    engine.start_capture(Source::Output, 1.0, Target::Memory).unwrap();
    let target = 1234;
    engine
        .send(Some(target), EventKind::Param { node: c, param: 0, lane: None, value: 1.0, ramp: Ramp::Jump })
        .unwrap();
    for _ in 0..10 {
        side.callback(&mut out, &[]);
    }
    let stop = std::thread::spawn(move || {
        let capture = engine.stop_capture();
        (engine, capture)
    });
    // Keep the audio side running until the capture sink has come back.
    while !stop.is_finished() {
        side.callback(&mut out, &[]);
        std::thread::sleep(Duration::from_millis(1));
    }
    let (_engine, capture) = stop.join().unwrap();
    let capture = capture.unwrap();
    let start = capture.start.unwrap();
    assert_eq!(start, 480);
    let first = capture.samples.iter().position(|x| *x == 1.0).unwrap() as u64 + start;
    assert_eq!(first, target);
}

#[test]
fn a_full_command_queue_is_an_error_and_the_engine_goes_on() {
    let mut g = Graph::new();
    let c = node(&mut g, "const", &[], &[]);
    g.connect_output(c, "out").unwrap();
    let (mut engine, mut side) = Engine::start_manual(&g, Song::default(), &config("manual", 1, 0)).unwrap();
    let kind = EventKind::Param { node: c, param: 0, lane: None, value: 0.5, ramp: Ramp::Jump };
    let mut sent = 0;
    let err = loop {
        match engine.send(None, kind) {
            Ok(()) => sent += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(sent, 256);
    assert!(err.to_string().contains("command queue is full"), "{err}");
    assert_eq!(engine.dropped_commands(), 1);
    let mut out = vec![0.0f32; 256];
    side.callback(&mut out, &[]);
    assert_eq!(out[255], 0.5);
    engine.send(None, kind).unwrap();
}

#[test]
fn the_null_device_advances_at_the_real_rate() {
    let mut g = Graph::new();
    let s = node(&mut g, "sine", &[], &[]);
    g.connect_output(s, "out").unwrap();
    let mut engine = Engine::start(&g, Song::default(), &config("null", 2, 0)).unwrap();
    // The null device keeps absolute deadlines, so a late wake-up is made up for, unless it
    // comes more than a whole period (5.3 ms) late: then, like a real device running dry, it
    // drops the lost time and counts an xrun. On a loaded machine its clock is then slow
    // by as long as the scheduler kept its thread waiting, which says nothing about its
    // pacing. So a window of one second is judged on the rate only if it had no xrun (within
    // 3 %); one with xruns is retried, up to 8 times. In every window the clock must not run
    // fast (it never makes up more than it lost), and if every window had xruns the test
    // fails with each window's figures.
    let mut windows = Vec::new();
    for _ in 0..8 {
        let (x0, t0, c0) = (engine.xruns(), Instant::now(), engine.snapshot().clock);
        std::thread::sleep(Duration::from_millis(1000));
        let frames = engine.snapshot().clock - c0;
        let expected = t0.elapsed().as_secs_f64() * 48_000.0;
        let (xruns, ratio) = (engine.xruns() - x0, frames as f64 / expected);
        // A block (256 frames) may complete between the two readings of the wall clock.
        assert!(frames as f64 <= expected * 1.03 + 256.0, "runs fast: {frames} frames for {expected:.0}");
        if xruns == 0 {
            assert!(ratio > 0.97, "{frames} frames for {expected:.0} with no xrun");
            engine.stop().unwrap();
            return;
        }
        windows.push(format!("{frames} frames for {expected:.0} ({xruns} xruns)"));
    }
    panic!("every window had xruns, the rate could not be judged: {}", windows.join("; "));
}
