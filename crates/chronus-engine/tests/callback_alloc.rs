//! The real backends' callback threads never allocate or free: the engine runs on the null
//! device's thread and on JACK's process thread (headless dummy driver) while the control
//! thread sends MIDI, parameter events and cues, swaps the graph, and records audio to a
//! file and MIDI to memory. Built with the `alloc-check` feature, every device callback runs
//! under `assert_no_alloc`, which counts what it catches.

mod common;

use std::time::Duration;

use assert_no_alloc::{reset_violation_count, violation_count, AllocDisabler};
use chronus_engine::backend::StreamRequest;
use chronus_engine::live::{Engine, EngineConfig, Source};
use chronus_engine::midi::MidiRoutes;
use chronus_engine::processor::TransportCommand;
use chronus_engine::record::{FileFormat, Target};
use chronus_engine::sequence::{TempoMap, Track, TrackEvent};
use chronus_engine::{EventKind, NodeEvent, Ramp, Song};
use common::{every_node_graph, node};

#[global_allocator]
static ALLOC: AllocDisabler = AllocDisabler;

fn config(backend: &str) -> EngineConfig {
    EngineConfig {
        stream: StreamRequest {
            backend: backend.into(),
            device: None,
            samplerate: Some(48_000),
            blocksize: 256,
            outputs: 2,
            inputs: 0,
            client_name: "chronus-alloc-check".into(),
            connect: false,
            midi_in: backend == "jack",
            midi_out: backend == "jack",
        },
        blocksize: 256,
        smoothing: 0.005,
        edit_fade: 0.005,
        command_capacity: 256,
        event_capacity: 1024,
        autoplay: true,
    }
}

/// Plays the every-node graph on `backend` for about a second of edits; the number of
/// device callbacks it ran, or None when the backend cannot be opened here.
fn exercise(backend: &str) -> Option<u64> {
    let (mut graph, ids) = every_node_graph();
    let (voices, svf) = (ids[6], ids[1]);
    let mut engine = match Engine::start(&graph, Song::default(), &config(backend)) {
        Ok(engine) => engine,
        Err(e) if backend == "jack" => {
            eprintln!("skipped JACK: {e} (scripts/test.sh starts a dummy server)");
            return None;
        }
        Err(e) => panic!("{backend}: {e}"),
    };
    let events = (0..8)
        .map(|i| TrackEvent {
            beat: f64::from(i) * 0.5,
            kind: EventKind::Node {
                node: voices,
                event: NodeEvent::NoteOn { channel: 0, note: 50 + i, velocity: 0.6 },
            },
            probability: 1.0,
        })
        .collect();
    let track = Track::new(events, Some(4.0), 1).unwrap();
    engine.set_transport(TempoMap::constant(240.0).unwrap(), vec![track]).unwrap();
    engine.transport(TransportCommand::Start).unwrap();
    engine.set_routes(MidiRoutes::omni(voices)).unwrap();
    let take = std::env::temp_dir().join(format!("chronus-alloc-{backend}-{}.wav", std::process::id()));
    for round in 0..50u32 {
        let note = 40 + (round % 30) as u8;
        engine.send_midi(&[0x90, note, 100], None).unwrap();
        engine.send_midi(&[0x80, note.wrapping_sub(3), 0], None).unwrap();
        engine.send_midi(&[0xB0, 74, (round * 5 % 128) as u8], None).unwrap();
        let ramp = Ramp::Frames(64);
        let cutoff = 300.0 + 40.0 * round as f32;
        engine.send(None, EventKind::Param { node: svf, param: 0, lane: None, value: cutoff, ramp }).unwrap();
        let kind = EventKind::Node { node: voices, event: NodeEvent::NoteOn { channel: 0, note: 70, velocity: 0.5 } };
        engine.cue(f64::from(round % 7) * 0.75, kind).unwrap();
        match round {
            5 => engine
                .start_capture(Source::Output, 1.0, Target::File { path: take.clone(), format: FileFormat::Wav24 })
                .unwrap(),
            10 => engine.start_midi_record(None).unwrap(),
            30 => drop(engine.stop_midi_record().unwrap()),
            40 => drop(engine.stop_capture().unwrap()),
            _ => {}
        }
        if round % 10 == 3 {
            // A hot swap adding a sounding node (crossfaded in), then one removing it.
            let extra = node(&mut graph, "sine", &[("freq", &[220.0])], &[]);
            graph.connect_output(extra, "out").unwrap();
            engine.swap(&graph).unwrap();
            graph.remove(extra).unwrap();
        } else if round % 10 == 8 {
            engine.swap(&graph).unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let callbacks = engine.snapshot().callbacks;
    engine.stop().unwrap();
    let _ = std::fs::remove_file(&take);
    Some(callbacks)
}

#[test]
fn backend_callback_threads_never_allocate() {
    for backend in ["null", "jack"] {
        reset_violation_count();
        let Some(callbacks) = exercise(backend) else { continue };
        assert!(callbacks > 50, "{backend}: only {callbacks} callbacks ran");
        assert_eq!(violation_count(), 0, "{backend}: a device callback allocated or freed");
    }
}
