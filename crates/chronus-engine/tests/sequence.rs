//! The transport plays tracks and cued events on their exact frames: loops, polymeter,
//! probability, tempo changes, seeking and block-size independence.

mod common;

use chronus_engine::processor::TransportCommand;
use chronus_engine::sequence::{TempoMap, Track, TrackEvent, Transport, CUE_ROOM};
use chronus_engine::{
    compile, render, CompileOptions, EventKind, Graph, NodeEvent, OptValue, Processor, RenderJob, Song,
};
use common::node;

const SR: f64 = 48_000.0;

fn opts(block: usize) -> CompileOptions {
    CompileOptions { samplerate: SR, max_block: block, smoothing: 0.0 }
}

/// A graph whose output is the sum of a voice allocator's retrigger pulses.
fn trigger_graph() -> (Graph, u32) {
    let mut g = Graph::new();
    let v = node(&mut g, "voices", &[], &[("voices", OptValue::Num(8.0))]);
    let sum = node(&mut g, "sum", &[], &[]);
    g.connect_input(v, "trigger", sum, "in").unwrap();
    g.connect_output(sum, "out").unwrap();
    (g, v)
}

fn note(node: u32, beat: f64, note: u8, probability: f32) -> TrackEvent {
    TrackEvent {
        beat,
        kind: EventKind::Node { node, event: NodeEvent::NoteOn { channel: 0, note, velocity: 1.0 } },
        probability,
    }
}

fn triggers(g: &Graph, block: usize, frames: usize, song: Song) -> Vec<usize> {
    let out = render(g, &opts(block), RenderJob { frames, song: Some(song), ..Default::default() }).unwrap().samples;
    out.iter().enumerate().flat_map(|(i, x)| std::iter::repeat_n(i, *x as usize)).collect()
}

#[test]
fn notes_land_where_the_tempo_map_puts_them() {
    let (g, v) = trigger_graph();
    let tempo = TempoMap::new(&[(0.0, 120.0), (2.0, 90.0), (3.0, 200.0)]).unwrap();
    let beats = [0.0, 0.5, 1.999, 2.0, 2.25, 3.0, 3.5];
    let events = beats.iter().enumerate().map(|(i, b)| note(v, *b, 40 + i as u8, 1.0)).collect();
    let track = Track::new(events, None, 0).unwrap();
    let expected: Vec<usize> = beats.iter().map(|b| (tempo.seconds(*b) * SR).round() as usize).collect();
    for block in [16, 64, 1000] {
        let song = Song { tempo: tempo.clone(), tracks: vec![track.clone()], cc_maps: vec![] };
        assert_eq!(triggers(&g, block, 2 * 48_000, song), expected, "block {block}");
    }
}

#[test]
fn looping_tracks_make_polymeter_and_probability_is_seeded() {
    let (g, v) = trigger_graph();
    let tempo = TempoMap::constant(120.0).unwrap();
    let three = Track::new(vec![note(v, 0.0, 40, 1.0)], Some(3.0), 0).unwrap();
    let four = Track::new(vec![note(v, 0.0, 50, 1.0)], Some(4.0), 0).unwrap();
    let song = Song { tempo: tempo.clone(), tracks: vec![three, four], cc_maps: vec![] };
    let got = triggers(&g, 256, 24 * 24_000, song);
    let mut expected: Vec<usize> = (0..8).map(|k| k * 3 * 24_000).chain((0..6).map(|k| k * 4 * 24_000)).collect();
    expected.sort_unstable();
    assert_eq!(got, expected);

    let maybe: Vec<TrackEvent> = (0..16).map(|i| note(v, i as f64 * 0.25, 60, 0.5)).collect();
    let song = |seed| Song {
        tempo: tempo.clone(),
        tracks: vec![Track::new(maybe.clone(), Some(4.0), seed).unwrap()],
        cc_maps: vec![],
    };
    let a = triggers(&g, 256, 32 * 24_000, song(1));
    assert_eq!(a, triggers(&g, 64, 32 * 24_000, song(1)));
    assert_ne!(a, triggers(&g, 256, 32 * 24_000, song(2)));
    assert!((40..=88).contains(&a.len()), "{} of 128 half-likely notes played", a.len());
}

/// Runs `proc` for `frames` frames in blocks of `block`; returns the frames of its pulses.
fn run_pulses(proc: &mut Processor, frames: usize, block: usize) -> Vec<usize> {
    let start = proc.clock() as usize;
    let mut out = vec![0.0f32; frames];
    for chunk in out.chunks_mut(block) {
        proc.process(chunk, 1);
    }
    out.iter().enumerate().flat_map(|(i, x)| std::iter::repeat_n(start + i, *x as usize)).collect()
}

#[test]
fn cued_events_play_when_the_transport_reaches_their_beat() {
    let (g, v) = trigger_graph();
    let on = |n: u8| EventKind::Node { node: v, event: NodeEvent::NoteOn { channel: 0, note: n, velocity: 1.0 } };
    let mut proc = Processor::new(compile(&g, &opts(256)).unwrap(), 1024);
    let map = TempoMap::constant(120.0).unwrap();
    proc.swap_transport(Some(Box::new(Transport::new(map, vec![], SR))));
    // Cued before the transport plays, out of order, two on one beat.
    for (beat, n) in [(2.5, 40), (0.25, 41), (1.0, 42), (3.0, 43), (3.0, 44)] {
        assert!(proc.cue(beat, on(n)));
    }
    assert_eq!(run_pulses(&mut proc, 1000, 100), Vec::<usize>::new(), "a stopped transport holds its cues");
    proc.transport_command(TransportCommand::Start);
    let beat = |b: f64| 1000 + (b * 24_000.0) as usize;
    let got = run_pulses(&mut proc, 80_000, 333);
    assert_eq!(got, vec![beat(0.25), beat(1.0), beat(2.5), beat(3.0), beat(3.0)]);

    // A beat already passed plays at once, counted late.
    let late = proc.counters().late_events;
    assert!(proc.cue(0.5, on(45)));
    assert_eq!(run_pulses(&mut proc, 100, 100), vec![81_000]);
    assert_eq!(proc.counters().late_events, late + 1);

    // While the transport loops short of a cue's beat, the cue waits.
    proc.transport_command(TransportCommand::Seek(4.0));
    proc.transport_command(TransportCommand::Loop(Some((4.0, 5.0))));
    assert!(proc.cue(6.0, on(46)));
    assert!(run_pulses(&mut proc, 96_000, 256).is_empty());
    assert_eq!(proc.transport().unwrap().cued(), 1);
    proc.transport_command(TransportCommand::Loop(None));
    assert_eq!(run_pulses(&mut proc, 96_000, 256).len(), 1);

    // The cue list is preallocated: when it is full, cueing fails instead of allocating.
    for _ in 0..CUE_ROOM {
        assert!(proc.cue(1000.0, on(47)));
    }
    assert!(!proc.cue(1000.0, on(47)));
}
