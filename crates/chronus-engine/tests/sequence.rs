//! The transport plays tracks on their exact frames: loops, polymeter, probability, tempo
//! changes, seeking and block-size independence.

mod common;

use chronus_engine::sequence::{TempoMap, Track, TrackEvent};
use chronus_engine::{render, CompileOptions, EventKind, Graph, NodeEvent, OptValue, RenderJob, Song};
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
