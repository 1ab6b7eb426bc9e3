//! Offline renders: a render streamed chunk by chunk is the render held in memory, sample
//! for sample; a render too long for memory is refused with its size, not an abort.

mod common;

use chronus_engine::sequence::{TempoMap, Track, TrackEvent};
use chronus_engine::{render, Error, Event, EventKind, Input, NodeEvent, Ramp, RenderJob, Renderer, Song};
use common::{every_node_graph, opts};

#[test]
fn a_render_in_chunks_equals_the_render_in_memory() {
    let (g, ids) = every_node_graph();
    let (voices, svf) = (ids[6], ids[1]);
    let events: Vec<Event> = (0..40u64)
        .map(|i| Event {
            time: i * 977,
            kind: EventKind::Param {
                node: svf,
                param: 0,
                lane: None,
                value: 300.0 + 40.0 * i as f32,
                ramp: Ramp::Default,
            },
        })
        .collect();
    let note = |beat, note| TrackEvent {
        beat,
        kind: EventKind::Node { node: voices, event: NodeEvent::NoteOn { channel: 0, note, velocity: 0.7 } },
        probability: 1.0,
    };
    let song = Song {
        tempo: TempoMap::constant(140.0).unwrap(),
        tracks: vec![Track::new(vec![note(0.0, 60), note(0.75, 64), note(1.5, 67)], Some(2.0), 3).unwrap()],
        cc_maps: vec![],
        timeline: events,
    };
    let input: Vec<f32> = (0..20_000).map(|i| ((i as f32) * 0.01).sin()).collect();
    let frames = 40_000;
    let job = || RenderJob { frames, input: Input { samples: &input, channels: 2 }, song: song.clone() };
    let whole = render(&g, &opts(256), job()).unwrap();
    let mut renderer = Renderer::new(&g, &opts(256), job()).unwrap();
    let channels = renderer.channels();
    let mut planes = vec![Vec::new(); channels];
    for n in [1000, 7, 4096, 333, 1, 20_000].iter().cycle() {
        let mut chunk = vec![0.0f32; n * channels];
        let got = renderer.next_planar(&mut chunk, *n);
        if got == 0 {
            break;
        }
        for (c, plane) in planes.iter_mut().enumerate() {
            plane.extend_from_slice(&chunk[c * n..c * n + got]);
        }
    }
    assert_eq!(renderer.remaining(), 0);
    let streamed: Vec<f32> = planes.concat();
    assert_eq!(streamed.len(), whole.samples.len());
    let differ = streamed.iter().zip(&whole.samples).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
    assert_eq!(differ, 0, "{differ} samples differ");
}

#[test]
fn a_render_that_would_not_fit_in_memory_is_refused_with_its_size() {
    let (g, _) = every_node_graph();
    let job = RenderJob { frames: 480_000_000_000, ..Default::default() };
    let err = render(&g, &opts(256), job).unwrap_err();
    assert!(matches!(&err, Error::Memory(m) if m.contains("10000000.000000 s") && m.contains("TB")), "{err}");
}

/// A probe's records, collected from a render, are its input's figures window by window
/// (non-finite samples counted and left out), stamped with each window's first frame, and
/// the same whatever the block size.
#[test]
fn probe_records_are_the_windows_figures_whatever_the_block_size() {
    const WINDOW: usize = 300;
    let frames = 10_000;
    let mut input: Vec<f32> = (0..frames).map(|i| ((i as f32) * 0.013).sin() * (1.0 + i as f32 / 5000.0)).collect();
    input[1234] = f32::NAN;
    input[1500] = f32::INFINITY;
    input[1501] = f32::NEG_INFINITY;
    let mut g = chronus_engine::Graph::new();
    let src = g.add("input", &[("channels", chronus_engine::OptValue::Num(1.0))], None).unwrap();
    let probe = g.add("probe", &[("window", chronus_engine::OptValue::Num(WINDOW as f64))], Some("p")).unwrap();
    g.connect_input(src, "out", probe, "in").unwrap();
    g.connect_output(probe, "out").unwrap();
    let records = |block: usize| {
        let job = RenderJob { frames, input: Input { samples: &input, channels: 1 }, song: Song::default() };
        let mut r = Renderer::new(&g, &opts(block), job).unwrap();
        r.collect(&[probe]).unwrap();
        let mut out = vec![0.0f32; frames];
        assert_eq!(r.next_planar(&mut out, frames), frames);
        let mut got = r.take_collected();
        assert_eq!(got.len(), 1);
        got.remove(0).1
    };
    let c = records(256);
    assert_eq!(c.info.width, 4);
    assert_eq!(c.times, (0..frames / WINDOW).map(|w| (w * WINDOW) as i64).collect::<Vec<_>>());
    for (w, row) in c.values.chunks_exact(4).enumerate() {
        let xs = &input[w * WINDOW..(w + 1) * WINDOW];
        let finite: Vec<f64> = xs.iter().filter(|x| x.is_finite()).map(|&x| f64::from(x)).collect();
        let min = finite.iter().copied().fold(f64::INFINITY, f64::min) as f32;
        let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max) as f32;
        let rms = (finite.iter().map(|x| x * x).sum::<f64>() / finite.len() as f64).sqrt() as f32;
        let bad = (xs.len() - finite.len()) as f32;
        assert_eq!(row, [min, max, rms, bad], "window {w}");
    }
    assert_eq!(c.values[4 * 4 + 3], 1.0, "window 4 holds the NaN");
    assert_eq!(c.values[5 * 4 + 3], 2.0, "window 5 holds both infinities");
    for block in [16, 100, 4096] {
        assert_eq!(records(block), c, "block size {block}");
    }
}
