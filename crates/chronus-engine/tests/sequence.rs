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
    let out = render(g, &opts(block), RenderJob { frames, song, ..Default::default() }).unwrap().samples;
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
        let song = Song { tempo: tempo.clone(), tracks: vec![track.clone()], ..Song::default() };
        assert_eq!(triggers(&g, block, 2 * 48_000, song), expected, "block {block}");
    }
}

#[test]
fn looping_tracks_make_polymeter_and_probability_is_seeded() {
    let (g, v) = trigger_graph();
    let tempo = TempoMap::constant(120.0).unwrap();
    let three = Track::new(vec![note(v, 0.0, 40, 1.0)], Some(3.0), 0).unwrap();
    let four = Track::new(vec![note(v, 0.0, 50, 1.0)], Some(4.0), 0).unwrap();
    let song = Song { tempo: tempo.clone(), tracks: vec![three, four], ..Song::default() };
    let got = triggers(&g, 256, 24 * 24_000, song);
    let mut expected: Vec<usize> = (0..8).map(|k| k * 3 * 24_000).chain((0..6).map(|k| k * 4 * 24_000)).collect();
    expected.sort_unstable();
    assert_eq!(got, expected);

    let maybe: Vec<TrackEvent> = (0..16).map(|i| note(v, i as f64 * 0.25, 60, 0.5)).collect();
    let song = |seed| Song {
        tempo: tempo.clone(),
        tracks: vec![Track::new(maybe.clone(), Some(4.0), seed).unwrap()],
        ..Song::default()
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

/// A graph whose output is a clock's beat, bpm, period and playing flag.
fn clock_graph() -> Graph {
    let mut g = Graph::new();
    let clock = g.add("clock", &[], None).unwrap();
    let stack = node(&mut g, "stack", &[], &[("inputs", OptValue::Num(4.0))]);
    for (i, port) in ["beat", "bpm", "period", "playing"].iter().enumerate() {
        let input = format!("in{}", i + 1);
        g.connect_input(clock, port, stack, &input).unwrap();
    }
    g.connect_output(stack, "out").unwrap();
    g
}

#[test]
fn a_clock_reads_the_transport_frame_by_frame() {
    let g = clock_graph();
    let tempo = TempoMap::new(&[(0.0, 120.0), (2.0, 90.0), (3.0, 200.0)]).unwrap();
    let frames = 3 * 48_000;
    for block in [64, 1000] {
        let song = Song { tempo: tempo.clone(), ..Song::default() };
        let out = render(&g, &opts(block), RenderJob { frames, song, ..Default::default() }).unwrap();
        let s = &out.samples;
        for n in (0..frames).step_by(97) {
            let beat = tempo.beat(n as f64 / SR);
            let bpm = tempo.bpm(beat);
            assert!((s[n] as f64 - beat).abs() < 1e-5 * beat.max(1.0), "block {block} frame {n}: beat {}", s[n]);
            assert_eq!(s[frames + n], bpm as f32, "frame {n}");
            assert!((s[2 * frames + n] as f64 - 60.0 / bpm).abs() < 1e-6);
            assert_eq!(s[3 * frames + n], 1.0);
        }
    }
    // Without a song, an offline render still plays a 120 BPM transport from beat 0.
    let out = render(&g, &opts(256), RenderJob { frames: 48_000, ..Default::default() }).unwrap();
    assert!((out.samples[47_999] - 47_999.0 / 24_000.0).abs() < 1e-5);
    assert_eq!(out.samples[48_000], 120.0);
}

#[test]
fn a_clock_wraps_with_the_loop_on_the_exact_frame() {
    let g = clock_graph();
    let mut proc = Processor::new(compile(&g, &opts(1024)).unwrap(), 64);
    let map = TempoMap::constant(120.0).unwrap();
    proc.swap_transport(Some(Box::new(Transport::new(map, vec![], SR))));
    proc.transport_command(TransportCommand::Loop(Some((0.5, 1.5))));
    proc.transport_command(TransportCommand::Start);
    // Blocks of 1000 frames put the wraps (every 24,000 frames after beat 1.5) mid-block.
    let mut out = vec![0.0f32; 4 * 100_000];
    for chunk in out.chunks_mut(4 * 1000) {
        proc.process(chunk, 4);
    }
    for n in 0..100_000usize {
        let beat = if n < 36_000 { n as f64 / 24_000.0 } else { 0.5 + ((n - 36_000) % 24_000) as f64 / 24_000.0 };
        assert!((out[4 * n] as f64 - beat).abs() < 1e-5, "frame {n}: {} vs {beat}", out[4 * n]);
    }
    proc.transport_command(TransportCommand::Stop);
    let mut tail = vec![0.0f32; 4 * 256];
    proc.process(&mut tail, 4);
    assert_eq!(tail[3], 0.0, "stopped");
    assert_eq!(tail[0], tail[4 * 255], "holds its position");
}

#[test]
fn a_new_transport_can_carry_on_from_the_old_ones_beat() {
    let (g, v) = trigger_graph();
    let mut proc = Processor::new(compile(&g, &opts(256)).unwrap(), 1024);
    let map = || TempoMap::constant(120.0).unwrap();
    let every_beat = Track::new(vec![note(v, 0.0, 40, 1.0)], Some(1.0), 0).unwrap();
    proc.swap_transport(Some(Box::new(Transport::new(map(), vec![every_beat], SR))));
    proc.transport_command(TransportCommand::Start);
    let cue = EventKind::Node { node: v, event: NodeEvent::NoteOn { channel: 0, note: 41, velocity: 1.0 } };
    assert!(proc.cue(3.0, cue));
    let first = run_pulses(&mut proc, 36_000, 100); // beats 0 and 1, then up to beat 1.5
    assert_eq!(first, vec![0, 24_000]);
    // The edited song: off-beats only. It picks up at beat 1.5 with the next off-beat at
    // 1.75, and the cue for beat 3 comes along.
    let off_beats = Track::new(vec![note(v, 0.25, 42, 1.0)], Some(0.5), 0).unwrap();
    proc.continue_transport(Box::new(Transport::new(map(), vec![off_beats], SR)));
    let then = run_pulses(&mut proc, 48_000, 100);
    let beat = |b: f64| (b * 24_000.0) as usize;
    let mut want = vec![beat(1.75), beat(2.25), beat(2.75), beat(3.0), beat(3.25)];
    want.sort_unstable();
    assert_eq!(then, want);
    assert!((proc.transport().unwrap().beat_at(proc.clock()) - 3.5).abs() < 1e-9);
}
