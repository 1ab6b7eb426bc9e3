//! Clips streamed from disk: they play what the same clip plays from memory, restart after
//! their head, keep time through an underrun, and hold a bounded amount of memory however
//! long the file.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use chronus_engine::media::stream::{StreamReader, StreamSpec, HEAD, RING};
use chronus_engine::media::{load, Audio};
use chronus_engine::{render, ArrayData, Event, EventKind, Graph, NodeId, OptValue, Ramp, RenderJob, Song};
use common::{node, opts, SR};

/// Writes a 16-bit PCM WAV header for `frames` frames, then the samples (none if `samples`
/// is empty: the file is then extended, sparse, to its full length of silence).
fn write_wav(path: &Path, rate: u32, channels: u16, frames: u64, samples: &[i16]) {
    let bytes = frames * channels as u64 * 2;
    let mut f = std::fs::File::create(path).unwrap();
    let mut header = Vec::new();
    header.extend_from_slice(b"RIFF");
    header.extend_from_slice(&((36 + bytes) as u32).to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&16u32.to_le_bytes());
    header.extend_from_slice(&1u16.to_le_bytes());
    header.extend_from_slice(&channels.to_le_bytes());
    header.extend_from_slice(&rate.to_le_bytes());
    header.extend_from_slice(&(rate * channels as u32 * 2).to_le_bytes());
    header.extend_from_slice(&(channels * 2).to_le_bytes());
    header.extend_from_slice(&16u16.to_le_bytes());
    header.extend_from_slice(b"data");
    header.extend_from_slice(&(bytes as u32).to_le_bytes());
    f.write_all(&header).unwrap();
    if samples.is_empty() {
        f.set_len(44 + bytes).unwrap();
    } else {
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        f.write_all(&data).unwrap();
    }
}

/// A stereo recording whose frames all differ (a chirp left, its negation scaled right).
fn recording(frames: usize) -> Vec<i16> {
    (0..frames)
        .flat_map(|i| {
            let x = (0.3 * (0.00001 * (i as f64).powf(1.5)).sin() + 0.01 * ((i % 97) as f64 / 97.0)) * 32767.0;
            [x as i16, (-0.5 * x) as i16]
        })
        .collect()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chronus-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn gate(node: NodeId, value: f32, time: u64) -> Event {
    Event { time, kind: EventKind::Param { node, param: 0, lane: None, value, ramp: Ramp::Jump } }
}

/// Renders a clip of `options` with the gate events; planar output.
fn play(options: &[(&str, OptValue)], frames: usize, events: &[Event]) -> Vec<f32> {
    let mut g = Graph::new();
    let c = node(&mut g, "clip", &[], options);
    g.connect_output(c, "out").unwrap();
    let events: Vec<Event> = events.iter().map(|e| Event { kind: with_node(e.kind, c), ..*e }).collect();
    render(&g, &opts(256), RenderJob { frames, song: Song::timeline(events.to_vec()), ..Default::default() })
        .unwrap()
        .samples
}

fn with_node(kind: EventKind, node: NodeId) -> EventKind {
    match kind {
        EventKind::Param { param, lane, value, ramp, .. } => EventKind::Param { node, param, lane, value, ramp },
        k => k,
    }
}

fn memory(audio: &Audio) -> OptValue {
    OptValue::Array(ArrayData::new(audio.samples.clone(), audio.channels).unwrap())
}

#[test]
fn a_streamed_clip_plays_what_the_clip_from_memory_plays_and_restarts_after_its_head() {
    let frames = 20 * SR as usize;
    for rate in [48_000u32, 44_100] {
        let path = temp(&format!("chirp-{rate}.wav"));
        write_wav(&path, rate, 2, frames as u64, &recording(frames));
        let audio = load(&path, SR as u32).unwrap();
        let file = OptValue::Text(path.to_str().unwrap().into());
        let region = [("offset", OptValue::Num(12_345.0)), ("length", OptValue::Num(7.0 * SR))];
        let fade = ("fade_out", OptValue::Num(0.0));
        // Played, stopped after 4 s (past the head), played again from the start.
        let events = [gate(0, 1.0, 100), gate(0, 0.0, 200_000), gate(0, 1.0, 250_000)];
        let n = 650_000;
        let from_disk = play(&[("file", file), region[0].clone(), region[1].clone(), fade.clone()], n, &events);
        let from_memory = play(&[("data", memory(&audio)), region[0].clone(), region[1].clone(), fade], n, &events);
        let worst = from_disk.iter().zip(&from_memory).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        // Same rate: the same frames. Converted: the stream starts its conversion on a
        // frame where both rates meet, so rounding differs by a few ulps.
        let allowed = if rate == SR as u32 { 0.0 } else { 1e-5 };
        assert!(worst <= allowed, "{rate} Hz: streamed and in-memory clips differ by {worst}");
        assert!(from_disk[250_000 + 48_000 * 3] != 0.0, "{rate} Hz: the restart plays");
    }
}

#[test]
fn a_sixty_minute_file_streams_in_bounded_memory() {
    let path = temp("hour.wav");
    let frames = 60 * 60 * SR as u64;
    write_wav(&path, SR as u32, 2, frames, &[]);
    let reader =
        StreamReader::open(StreamSpec { path: path.clone(), samplerate: SR as u32, offset: 0, length: None }).unwrap();
    let bound = ((HEAD + RING) * SR * 2.0 * 4.0) as usize;
    assert!(reader.memory_bytes() <= bound + 64, "{} bytes", reader.memory_bytes());
    assert!(bound < 3_000_000, "the bound for 48 kHz stereo is {bound} bytes");
    drop(reader);
    // Rendering a minute of it from deep inside the file adds no more than that.
    let rss = || {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        statm.split_whitespace().nth(1).unwrap().parse::<usize>().unwrap() * 4096
    };
    let before = rss();
    let file = OptValue::Text(path.to_str().unwrap().into());
    let out =
        play(&[("file", file), ("offset", OptValue::Num(50.0 * 60.0 * SR))], 60 * SR as usize, &[gate(0, 1.0, 0)]);
    assert!(out.iter().all(|x| *x == 0.0));
    let grown = rss().saturating_sub(before);
    // The render's own output (a minute of stereo: 23 MB) plus the stream's bound.
    assert!(grown < 23_040_000 + 2 * bound + 16_000_000, "memory grew by {grown} bytes");
}

#[test]
fn a_dry_ring_plays_silence_keeps_time_and_is_counted() {
    let frames = 10 * SR as usize;
    let path = temp("dry.wav");
    let samples = recording(frames);
    write_wav(&path, SR as u32, 2, frames as u64, &samples);
    let mut reader = StreamReader::open(StreamSpec { path, samplerate: SR as u32, offset: 0, length: None }).unwrap();
    let head = (HEAD * SR) as usize;
    // Read the head and 1000 frames past it at once, as a live audio thread that got ahead of
    // a slow disk would; then, a moment later, the next 1000 frames.
    let mut out = vec![0.0f32; (head + 1000) * 2];
    reader.read(&mut out);
    let dry = reader.underruns();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut next = vec![0.0f32; 2000];
    reader.read(&mut next);
    let expected = |i: usize| samples[i] as f32 / 32768.0;
    for (k, x) in out.iter().enumerate() {
        let want = if dry > 0 && k >= head * 2 { 0.0 } else { expected(k) };
        assert_eq!(*x, want, "sample {k} (underruns {dry})");
    }
    for (k, x) in next.iter().enumerate() {
        assert_eq!(*x, expected((head + 1000) * 2 + k), "after the underrun, sample {k} keeps time");
    }
    assert_eq!(reader.underruns(), dry, "no underrun once the worker caught up");
}
