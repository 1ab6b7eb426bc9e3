//! Analyzer nodes in the engine: live frames equal offline frames bit for bit, feeds survive
//! edits that keep their node, and a reader that falls behind loses frames it is told about.

mod common;

use chronus_engine::analysis::batch::analyze;
use chronus_engine::backend::StreamRequest;
use chronus_engine::live::{Engine, EngineConfig};
use chronus_engine::{Graph, NodeId, OptValue, Song};
use common::{node, opts, SR};

const KINDS: [&str; 12] =
    ["stft", "mel", "mfcc", "chroma", "spectral", "rms", "loudness", "onsets", "pitch", "notes", "beats", "samples"];

fn config() -> EngineConfig {
    EngineConfig {
        stream: StreamRequest {
            backend: "manual".into(),
            device: None,
            samplerate: Some(SR as u32),
            blocksize: 256,
            outputs: 1,
            inputs: 1,
            client_name: "chronus-test".into(),
            connect: false,
            midi_in: false,
            midi_out: false,
        },
        blocksize: 256,
        smoothing: 0.005,
        edit_fade: 0.005,
        command_capacity: 64,
        event_capacity: 256,
        autoplay: false,
    }
}

/// A melody of decaying tones with a click under every beat (120 BPM), 6 s.
fn music() -> Vec<f32> {
    let n = (6.0 * SR) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / SR;
            let beat = t % 0.5;
            let freq = [220.0, 277.2, 329.6, 440.0][(t / 0.5) as usize % 4];
            let tone = 0.3 * (std::f64::consts::TAU * freq * t).sin() * (-beat * 3.0).exp();
            let click = if beat < 0.002 { 0.8 * (1.0 - beat / 0.002) } else { 0.0 };
            (tone + click) as f32
        })
        .collect()
}

/// Every analyzer kind tapping the device input.
fn analyzers() -> (Graph, Vec<NodeId>) {
    let mut g = Graph::new();
    let input = node(&mut g, "input", &[], &[]);
    let taps: Vec<NodeId> = KINDS
        .iter()
        .map(|kind| {
            let tap = node(&mut g, kind, &[], &[]);
            g.connect_input(input, "out", tap, "in").unwrap();
            tap
        })
        .collect();
    g.connect_output(input, "out").unwrap();
    (g, taps)
}

#[test]
fn live_frames_equal_offline_frames_bit_for_bit() {
    let (g, taps) = analyzers();
    let x = music();
    let offline = analyze(&g, &opts(1024), &x, 1).unwrap();
    let (engine, mut side) = Engine::start_manual(&g, Song::default(), &config()).unwrap();
    let mut out = vec![0.0; 256];
    let (mut times, mut values): (Vec<Vec<i64>>, Vec<Vec<f32>>) = (vec![Vec::new(); 12], vec![Vec::new(); 12]);
    // Device callbacks of varying sizes; the readers drain as they go.
    for (k, block) in x.chunks(300).enumerate() {
        let n = block.len().min(if k % 2 == 0 { 300 } else { 77 });
        side.callback(&mut out[..0], &[]);
        let mut rest = block;
        while !rest.is_empty() {
            let m = n.min(rest.len()).min(256);
            side.callback(&mut out[..m], &rest[..m]);
            rest = &rest[m..];
        }
        for (i, tap) in taps.iter().enumerate() {
            engine.feed(*tap).unwrap().lock().unwrap().drain(&mut times[i], &mut values[i]);
        }
    }
    for (i, tap) in taps.iter().enumerate() {
        let (_, frames) = offline.iter().find(|(id, _)| id == tap).unwrap();
        assert!(!frames.times.is_empty() || KINDS[i] == "notes", "{} published nothing", KINDS[i]);
        assert_eq!(frames.times, times[i], "{} frame times", KINDS[i]);
        let same = frames.values.iter().zip(&values[i]).all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same && frames.values.len() == values[i].len(), "{} values differ", KINDS[i]);
    }
    // The sample tap hands out the input itself, block after block, each at its first sample.
    let (size, blocks) = (1024, times[11].len());
    assert!(blocks == x.len() / size && times[11].iter().enumerate().all(|(k, t)| *t == (k * size) as i64));
    assert!(values[11] == x[..blocks * size], "the sample tap's blocks are its input");
    let reader = engine.feed(taps[7]).unwrap();
    let onsets = reader.lock().unwrap();
    assert_eq!(onsets.dropped(), 0);
    assert!(onsets.info().columns == ["strength", "latency"] && onsets.info().hop == 0.0);
}

#[test]
fn a_feed_survives_an_edit_that_keeps_its_node_and_is_renewed_when_it_is_rebuilt() {
    let (g, taps) = analyzers();
    let rms = taps[5];
    let (mut engine, mut side) = Engine::start_manual(&g, Song::default(), &config()).unwrap();
    let reader = engine.feed(rms).unwrap();
    let x = music();
    let mut out = vec![0.0; 256];
    let mut play = |side: &mut chronus_engine::live::AudioSide, from: usize, to: usize| {
        for block in x[from..to].chunks(256) {
            side.callback(&mut out[..block.len()], block);
        }
    };
    play(&mut side, 0, 48_000);
    // An edit elsewhere: the rms node keeps its state and its feed.
    let mut edited = g.clone();
    let extra = node(&mut edited, "sine", &[], &[]);
    edited.connect_output(extra, "out").unwrap();
    engine.swap(&edited).unwrap();
    play(&mut side, 48_000, 96_000);
    let (mut times, mut values) = (Vec::new(), Vec::new());
    reader.lock().unwrap().drain(&mut times, &mut values);
    assert!(std::sync::Arc::ptr_eq(&reader, &engine.feed(rms).unwrap()));
    // One unbroken series of frames every hop (512) through the edit.
    assert!(times.len() > 180 && times.windows(2).all(|w| w[1] - w[0] == 512), "{}", times.len());
    // Rebuilding it (unplugged, so another signature) hands the same handle a fresh feed,
    // which counts from the rebuild.
    let written = reader.lock().unwrap().written();
    let mut rebuilt = edited.clone();
    rebuilt.disconnect_sink(rebuilt.input_sink(rms, "in").unwrap());
    engine.swap(&rebuilt).unwrap();
    play(&mut side, 96_000, 192_000);
    let (mut times, mut values) = (Vec::new(), Vec::new());
    let r = reader.lock().unwrap().drain(&mut times, &mut values);
    assert!(written >= 187 && (180..=96_000 / 512).contains(&r), "{written} then {r}");
    assert!(values.iter().all(|v| *v == 0.0), "the unplugged node hears silence");
}

#[test]
fn a_reader_that_falls_behind_loses_frames_and_is_told_how_many() {
    let mut g = Graph::new();
    let input = node(&mut g, "input", &[], &[]);
    let stft = node(&mut g, "stft", &[], &[("buffer", OptValue::Num(0.1))]);
    g.connect_input(input, "out", stft, "in").unwrap();
    let (engine, mut side) = Engine::start_manual(&g, Song::default(), &config()).unwrap();
    let x = music();
    let mut out = vec![0.0; 256];
    for block in x.chunks(256) {
        side.callback(&mut out[..block.len()], block);
    }
    let reader = engine.feed(stft).unwrap();
    let mut r = reader.lock().unwrap();
    let (mut times, mut values) = (Vec::new(), Vec::new());
    let kept = r.drain(&mut times, &mut values) as u64;
    assert_eq!(r.written(), x.len() as u64 / 512);
    assert_eq!(kept + r.dropped(), r.written());
    assert!(r.dropped() > 0 && values.len() == times.len() * 1025);
    // The snapshot is the newest frame, whatever the ring lost.
    let (t, latest) = r.latest().unwrap();
    assert_eq!(t, (x.len() / 512 * 512) as i64 - 1024);
    assert_eq!(latest.len(), 1025);
}
