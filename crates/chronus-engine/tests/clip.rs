//! The clip player: sample-exact starts, regions, gapless loops, reverse, equal-power fades,
//! and the stretcher's latency (reported, and where the region's frames land); the pitch
//! shifter for live signals.

mod common;

use chronus_engine::{compile, render, ArrayData, Event, EventKind, Graph, NodeId, OptValue, Ramp, RenderJob, Song};
use common::{node, opts, SR};

/// A mono recording whose every frame differs: frame `i` holds `0.5 sin(0.001 i^1.3) + 1e-4 i`.
fn recording(frames: usize) -> Vec<f32> {
    (0..frames).map(|i| 0.5 * (0.001 * (i as f32).powf(1.3)).sin() + 1e-4 * (i % 1000) as f32).collect()
}

fn clip(g: &mut Graph, data: Vec<f32>, channels: usize, options: &[(&str, OptValue)]) -> NodeId {
    let mut all = vec![("data", OptValue::Array(ArrayData::new(data, channels).unwrap()))];
    all.extend(options.iter().cloned());
    let id = node(g, "clip", &[], &all);
    g.connect_output(id, "out").unwrap();
    id
}

fn gate(node: NodeId, value: f32, time: u64) -> Event {
    Event { time, kind: EventKind::Param { node, param: 0, lane: None, value, ramp: Ramp::Jump } }
}

fn run(g: &Graph, block: usize, frames: usize, events: &[Event]) -> Vec<f32> {
    render(g, &opts(block), RenderJob { frames, song: Song::timeline(events.to_vec()), ..Default::default() })
        .unwrap()
        .samples
}

fn text(v: &str) -> OptValue {
    OptValue::Text(v.into())
}

#[test]
fn a_clip_starts_on_its_frame_and_plays_its_region_exactly() {
    let data = recording(20_000);
    let mut g = Graph::new();
    let c = clip(
        &mut g,
        data.clone(),
        1,
        &[("offset", OptValue::Num(1234.0)), ("length", OptValue::Num(5000.0)), ("fade_out", OptValue::Num(0.0))],
    );
    for block in [64, 1024] {
        for start in [0u64, 1, 63, 1000, 4097] {
            let out = run(&g, block, 12_000, &[gate(c, 1.0, start)]);
            let s = start as usize;
            assert!(out[..s].iter().all(|x| *x == 0.0), "block {block}, start {start}: sound before the start");
            assert_eq!(&out[s..s + 5000], &data[1234..6234], "block {block}, start {start}");
            assert!(out[s + 5000..].iter().all(|x| *x == 0.0), "block {block}: sound after the region");
        }
    }
}

#[test]
fn a_looped_region_repeats_without_a_gap() {
    let data = recording(10_000);
    let (offset, length) = (300usize, 1777usize);
    let mut g = Graph::new();
    let c = clip(
        &mut g,
        data.clone(),
        1,
        &[
            ("offset", OptValue::Num(offset as f64)),
            ("length", OptValue::Num(length as f64)),
            ("loop", text("on")),
            ("fade_out", OptValue::Num(0.0)),
        ],
    );
    let out = run(&g, 64, 20_000, &[gate(c, 1.0, 100), gate(c, 0.0, 15_000)]);
    for (k, y) in out[100..15_000].iter().enumerate() {
        assert_eq!(*y, data[offset + k % length], "frame {k} of the loop");
    }
    assert!(out[15_000..].iter().all(|x| *x == 0.0));
}

#[test]
fn a_start_resumes_the_region_where_a_clip_that_had_played_it_would_be() {
    // What a session's cycle relies on: a clip started `start` frames into its region plays,
    // from its gate on, exactly what the same clip gated `start` frames earlier plays there
    // (loops wrapping, fades included).
    let data = recording(10_000);
    let (offset, length, start) = (300usize, 1777usize, 2500usize);
    let options = |looping: &str, start: usize| {
        vec![
            ("offset", OptValue::Num(offset as f64)),
            ("length", OptValue::Num(length as f64)),
            ("loop", text(looping)),
            ("fade_in", OptValue::Num(0.06)),
            ("fade_out", OptValue::Num(0.01)),
            ("start", OptValue::Num(start as f64)),
        ]
    };
    for (looping, start) in [("on", start), ("off", 1000), ("off", 10)] {
        let mut g = Graph::new();
        let c = clip(&mut g, data.clone(), 1, &options(looping, 0));
        let whole = run(&g, 64, 12_000, &[gate(c, 1.0, 100), gate(c, 0.0, 9_000)]);
        let mut g = Graph::new();
        let c = clip(&mut g, data.clone(), 1, &options(looping, start));
        let resumed = run(&g, 64, 12_000, &[gate(c, 1.0, 100 + start as u64), gate(c, 0.0, 9_000)]);
        assert!(resumed[..100 + start].iter().all(|x| *x == 0.0));
        assert_eq!(&resumed[100 + start..], &whole[100 + start..], "loop {looping}, start {start}");
    }
    let mut g = Graph::new();
    let id = clip(&mut g, data, 1, &[("length", OptValue::Num(100.0)), ("start", OptValue::Num(100.0))]);
    let err = compile(&g, &opts(64)).err().expect("an error").to_string();
    assert!(err.contains("start 100 is past the region's 100 frames"), "{err}");
    g.remove(id).unwrap();
}

#[test]
fn reverse_plays_the_region_backwards_and_stereo_keeps_its_channels() {
    let left = recording(4_000);
    let data: Vec<f32> = left.iter().flat_map(|x| [*x, -2.0 * x]).collect();
    let mut g = Graph::new();
    let c = clip(
        &mut g,
        data,
        2,
        &[
            ("offset", OptValue::Num(500.0)),
            ("length", OptValue::Num(1000.0)),
            ("reverse", text("on")),
            ("fade_out", OptValue::Num(0.0)),
        ],
    );
    let out = run(&g, 256, 3_000, &[gate(c, 1.0, 10)]);
    let (l, r) = out.split_at(3_000);
    for k in 0..1000 {
        assert_eq!(l[10 + k], left[1499 - k]);
        assert_eq!(r[10 + k], -2.0 * left[1499 - k]);
    }
}

#[test]
fn fades_are_equal_power_and_a_gate_fall_fades_out() {
    let data = vec![1.0f32; 48_000];
    let mut g = Graph::new();
    let c = clip(&mut g, data, 1, &[("fade_in", OptValue::Num(0.01)), ("fade_out", OptValue::Num(0.02))]);
    let out = run(&g, 128, 48_000, &[gate(c, 1.0, 1000), gate(c, 0.0, 20_000)]);
    let (fin, fout) = ((0.01 * SR) as usize, (0.02 * SR) as usize);
    for k in 0..fin {
        let expected = (std::f64::consts::FRAC_PI_2 * (k as f64 + 0.5) / fin as f64).sin();
        assert!((out[1000 + k] as f64 - expected).abs() < 1e-6, "fade in, frame {k}");
    }
    assert!(out[1000 + fin..20_000].iter().all(|x| *x == 1.0));
    for k in 0..fout {
        let expected = (std::f64::consts::FRAC_PI_2 * (k as f64 + 0.5) / fout as f64).cos();
        assert!((out[20_000 + k] as f64 - expected).abs() < 1e-6, "fade out, frame {k}");
    }
    assert!(out[20_000 + fout..].iter().all(|x| *x == 0.0));
    // Equal power: the fade-in and fade-out curves of a crossfade sum to unit power.
    for k in 0..fin {
        let a = (std::f64::consts::FRAC_PI_2 * (k as f64 + 0.5) / fin as f64).sin();
        let b = (std::f64::consts::FRAC_PI_2 * (k as f64 + 0.5) / fin as f64).cos();
        assert!((a * a + b * b - 1.0).abs() < 1e-12);
    }
}

#[test]
fn bad_regions_and_missing_data_are_errors_naming_the_clip() {
    let mut g = Graph::new();
    let data = OptValue::Array(ArrayData::new(vec![0.0; 100], 1).unwrap());
    let cases: [(&[(&str, OptValue)], &str); 3] = [
        (&[], "option 'data' or 'file' is required"),
        (&[("data", data.clone()), ("offset", OptValue::Num(100.0))], "offset 100 is past the recording's 100 frames"),
        (&[("data", data), ("offset", OptValue::Num(50.0)), ("length", OptValue::Num(51.0))], "does not fit"),
    ];
    for (options, message) in cases {
        let id = g.add("clip", options, Some("drums")).unwrap();
        g.connect_output(id, "out").unwrap();
        let err = compile(&g, &opts(64)).err().expect("an error").to_string();
        assert!(err.contains("drums") && err.contains(message), "{err}");
        g.remove(id).unwrap();
    }
}

/// Frames of the clicks in `x`: local maxima above 30 % of the largest value (the stretcher
/// smears a click's level by a factor of two either way).
fn clicks(x: &[f32]) -> Vec<usize> {
    let top = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    (1..x.len() - 1)
        .filter(|&i| x[i].abs() > 0.3 * top && x[i].abs() >= x[i - 1].abs() && x[i].abs() > x[i + 1].abs())
        .collect()
}

#[test]
fn the_stretcher_reports_its_latency_and_lands_downbeats_on_the_grid() {
    // A loop of 4 beats at 120 BPM (one click per beat), stretched to 96 BPM (ratio 1.25)
    // and to half speed (ratio 2): after the reported latency, every click lands within
    // 1 ms of its beat on the stretched grid.
    let beat = (0.5 * SR) as usize;
    let mut data = vec![0.0f32; 4 * beat];
    for b in 0..4 {
        for k in 0..32 {
            data[b * beat + k] = (1.0 - k as f32 / 32.0) * if k % 2 == 0 { 1.0 } else { -1.0 };
        }
    }
    for ratio in [0.8f32, 1.0, 1.25, 2.0] {
        let mut g = Graph::new();
        let c = clip(&mut g, data.clone(), 1, &[("loop", text("on")), ("stretcher", text("on"))]);
        g.set_param(c, "stretch", &[ratio]).unwrap();
        let latency = compile(&g, &opts(256)).unwrap().latency(c).unwrap();
        assert!(latency > 0 && latency < (0.2 * SR) as usize, "latency {latency}");
        let start = 3_000u64;
        let frames = start as usize + latency + (12.0 * beat as f32 * ratio) as usize;
        let out = run(&g, 256, frames, &[gate(c, 1.0, start)]);
        let found = clicks(&out);
        let grid = |n: usize| start as f64 + latency as f64 + n as f64 * beat as f64 * ratio as f64;
        let mut n = 0;
        while grid(n) + 100.0 < frames as f64 {
            let nearest = found.iter().map(|f| (*f as f64 - grid(n)).abs()).fold(f64::MAX, f64::min);
            assert!(nearest <= 0.001 * SR, "ratio {ratio}: beat {n} is {nearest} frames from the grid");
            n += 1;
        }
        assert!(n >= 10, "ratio {ratio}: only {n} beats checked");
    }
}

/// Frequency of the strongest component of `x` (Hann window, zero-padded, interpolated).
fn peak_hz(x: &[f32]) -> f64 {
    let n = x.len();
    let size = 1 << 18;
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(size);
    let mut input = vec![0.0; size];
    for (i, v) in x.iter().enumerate() {
        input[i] = *v as f64 * (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos());
    }
    let mut spectrum = fft.make_output_vec();
    fft.process(&mut input, &mut spectrum).unwrap();
    let mag: Vec<f64> = spectrum.iter().map(|c| c.norm().max(1e-30).ln()).collect();
    let k = (1..mag.len() - 1).max_by(|a, b| mag[*a].total_cmp(&mag[*b])).unwrap();
    let (a, b, c) = (mag[k - 1], mag[k], mag[k + 1]);
    (k as f64 + (a - c) / (2.0 * (a - 2.0 * b + c))) * SR / size as f64
}

#[test]
fn the_pitch_shifter_transposes_a_stereo_tone_and_reports_its_latency() {
    for semitones in [-12.0f32, -5.0, 7.0] {
        let mut g = Graph::new();
        let tone = node(&mut g, "sine", &[("freq", &[440.0, 440.0])], &[]);
        let shift = node(&mut g, "pitchshift", &[("semitones", &[semitones])], &[]);
        g.connect_input(tone, "out", shift, "in").unwrap();
        g.connect_output(shift, "out").unwrap();
        let latency = compile(&g, &opts(256)).unwrap().latency(shift).unwrap();
        assert!(latency > 1_000 && latency < (0.25 * SR) as usize, "latency {latency}");
        let out = run(&g, 256, 3 * SR as usize, &[]);
        let (left, right) = out.split_at(3 * SR as usize);
        let apart = left.iter().zip(right).map(|(l, r)| (l - r).abs()).fold(0.0f32, f32::max);
        assert!(apart < 1e-3, "the channels of one signal shift alike: {apart}");
        let expected = 440.0 * 2f64.powf(semitones as f64 / 12.0);
        let cents = 1200.0 * (peak_hz(&left[SR as usize..]) / expected).log2();
        assert!(cents.abs() < 5.0, "{semitones} semitones: {cents:.2} cents off");
        // Silence in, silence out until the latency has passed; sound after it.
        assert!(left[..latency / 2].iter().all(|x| x.abs() < 1e-3), "sound before half the latency");
        assert!(left[latency..latency + 4800].iter().any(|x| x.abs() > 0.1), "silence after the latency");
    }
}

#[test]
fn an_aligned_stretcher_plays_the_region_from_the_gate_frame() {
    // 'aligned' runs ahead through the latency at the start: its output is the unaligned
    // output moved earlier by exactly the latency, sample for sample, whatever the block
    // size, so a clip started at frame 0 sounds from frame 0; it reports no latency. The
    // unaligned one is silent until the region's first frame. So it is whether the first
    // start is the one worked out when the clip was built (at the ratio it was built with)
    // or, the ratio moved before the gate, runs ahead in the gate's block.
    let data = recording(30_000);
    for ratio in [0.8f32, 1.25, 2.0] {
        let build = |mode: &str| {
            let mut g = Graph::new();
            let c = clip(&mut g, data.clone(), 1, &[("loop", text("on")), ("stretcher", text(mode))]);
            g.set_param(c, "stretch", &[ratio]).unwrap();
            g.set_param(c, "semitones", &[2.0]).unwrap();
            (g, c)
        };
        let (late, c1) = build("on");
        let (aligned, c2) = build("aligned");
        let latency = compile(&late, &opts(256)).unwrap().latency(c1).unwrap();
        assert_eq!(compile(&aligned, &opts(256)).unwrap().latency(c2), Some(0));
        let moved = |node: NodeId| Event {
            time: 0,
            kind: EventKind::Param { node, param: 2, lane: None, value: 0.9 * ratio, ramp: Ramp::Jump },
        };
        for (start, block, moves) in [(0u64, 256, false), (777, 64, false), (5_000, 1024, false), (777, 256, true)] {
            let frames = 40_000;
            let (first, second) = if moves { (vec![moved(c1)], vec![moved(c2)]) } else { (vec![], vec![]) };
            let reference = run(&late, 256, frames + latency, &[first, vec![gate(c1, 1.0, start)]].concat());
            let out = run(&aligned, block, frames, &[second, vec![gate(c2, 1.0, start)]].concat());
            let s = start as usize;
            assert!(out[..s].iter().all(|x| *x == 0.0), "ratio {ratio}: sound before the gate");
            assert!(reference[..s + latency].iter().all(|x| *x == 0.0), "ratio {ratio}: sound before the region");
            assert_eq!(
                &out[s..],
                &reference[s + latency..frames + latency],
                "ratio {ratio}, start {start}, block {block}, ratio moved: {moves}"
            );
        }
    }
}

#[test]
fn a_stretched_clip_retriggered_mid_hop_plays_the_same_samples_at_any_block_size() {
    // The stretcher is fed in pieces of a hop, each when its first frame is played: a gate
    // that falls and rises again inside a hop, and stretch and transposition changes inside
    // hops, give the same samples whatever the engine's block size.
    let data = recording(30_000);
    for mode in ["on", "aligned"] {
        let mut g = Graph::new();
        let c = clip(&mut g, data.clone(), 1, &[("loop", text("on")), ("stretcher", text(mode))]);
        g.set_param(c, "stretch", &[1.25]).unwrap();
        let ev = |param: u16, value: f32, time: u64| Event {
            time,
            kind: EventKind::Param { node: c, param, lane: None, value, ramp: Ramp::Jump },
        };
        let events = [
            ev(0, 1.0, 1_000),
            ev(2, 0.8, 7_123),
            ev(3, 3.0, 9_001),
            ev(0, 0.0, 20_333),
            ev(0, 1.0, 20_777),
            ev(2, 2.0, 31_500),
            ev(0, 0.0, 40_010),
            ev(0, 1.0, 41_111),
        ];
        let frames = 60_000;
        let reference = run(&g, 256, frames, &events);
        assert!(reference[25_000..].iter().any(|x| x.abs() > 0.1), "{mode}: silent after the retrigger");
        for block in [64, 37, 1000] {
            assert_eq!(run(&g, block, frames, &events), reference, "{mode}, block {block}");
        }
    }
}
