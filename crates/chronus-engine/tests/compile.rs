//! Graph validation and compilation: errors name their culprits, cycles need a feedback
//! node, buffers are reused by liveness, channel counts are inferred.

mod common;

use chronus_engine::{compile, render, Error, Graph, OptValue, RenderJob, Song};
use common::{node, opts};

#[test]
fn unknown_things_are_named() {
    let mut g = Graph::new();
    let err = g.add("sawtooth", &[], None).unwrap_err();
    assert!(matches!(&err, Error::Unknown(m) if m.contains("'sawtooth'") && m.contains("saw")), "{err}");
    let saw = g.add("saw", &[], None).unwrap();
    let err = g.set_param(saw, "cutof", &[1.0]).unwrap_err();
    assert_eq!(err.to_string(), "saw#0 has no parameter 'cutof' (parameters: freq)");
    let err = g.set_param(saw, "freq", &[f32::NAN]).unwrap_err();
    assert!(err.to_string().starts_with("saw#0: parameter 'freq' = NaN is outside"), "{err}");
    let err = g.add("svf", &[("mode", OptValue::Text("lowpas".into()))], Some("filter")).unwrap_err();
    assert!(err.to_string().contains("filter: option 'mode' = 'lowpas' is not one of lowpass"), "{err}");
    let err = g.add("delay", &[("max_time", OptValue::Num(-1.0))], None).unwrap_err();
    assert!(err.to_string().contains("option 'max_time' = -1 is outside"), "{err}");
    let err = g.add("noise", &[("colour", OptValue::Text("pink".into()))], None).unwrap_err();
    assert!(err.to_string().contains("unknown option 'colour'"), "{err}");
    let err = g.connect_input(saw, "out", saw, "in").unwrap_err();
    assert_eq!(err.to_string(), "saw#0 has no input 'in' (inputs: none)");
}

#[test]
fn a_cycle_is_an_error_naming_its_nodes() {
    let mut g = Graph::new();
    let osc = node(&mut g, "sine", &[], &[]);
    let a = g.add("muladd", &[], Some("amp")).unwrap();
    let b = g.add("svf", &[], Some("filter")).unwrap();
    g.connect_input(osc, "out", a, "in").unwrap();
    g.connect_input(a, "out", b, "in").unwrap();
    g.connect_param(b, "out", a, "mul").unwrap();
    g.connect_output(b, "out").unwrap();
    let Err(Error::Cycle(msg)) = compile(&g, &opts(64)) else { panic!("cycle accepted") };
    assert!(msg.contains("amp -> filter -> amp") || msg.contains("filter -> amp -> filter"), "{msg}");
    assert!(!msg.contains("sine"), "{msg}");
}

#[test]
fn a_feedback_node_closes_a_loop_with_one_block_of_delay() {
    // out = impulse + 0.5 * fb, fb = out delayed by one block: echoes every `block` frames.
    for block in [16usize, 64, 100] {
        let mut g = Graph::new();
        let impulse = node(&mut g, "const", &[("value", &[0.0])], &[]);
        let fb = node(&mut g, "feedback", &[], &[]);
        let sum = node(&mut g, "muladd", &[], &[]);
        let half = node(&mut g, "muladd", &[("mul", &[0.5])], &[]);
        g.connect_input(impulse, "out", sum, "in").unwrap();
        g.connect_input(fb, "out", half, "in").unwrap();
        g.connect_input(half, "out", sum, "in").unwrap();
        g.connect_input(sum, "out", fb, "in").unwrap();
        g.connect_output(sum, "out").unwrap();
        let events = [
            chronus_engine::Event {
                time: 5,
                kind: chronus_engine::EventKind::Param {
                    node: impulse,
                    param: 0,
                    lane: None,
                    value: 1.0,
                    ramp: chronus_engine::Ramp::Jump,
                },
            },
            chronus_engine::Event {
                time: 6,
                kind: chronus_engine::EventKind::Param {
                    node: impulse,
                    param: 0,
                    lane: None,
                    value: 0.0,
                    ramp: chronus_engine::Ramp::Jump,
                },
            },
        ];
        let out = render(
            &g,
            &opts(block),
            RenderJob { frames: block * 4, song: Song::timeline(events.to_vec()), ..Default::default() },
        )
        .unwrap()
        .samples;
        for (i, x) in out.iter().enumerate() {
            let expected = if i >= 5 && (i - 5) % block == 0 { 0.5f32.powi(((i - 5) / block) as i32) } else { 0.0 };
            assert_eq!(*x, expected, "block {block}, frame {i}");
        }
    }
}

#[test]
fn buffers_are_reused_along_a_chain() {
    let mut g = Graph::new();
    let mut prev = node(&mut g, "saw", &[], &[]);
    for _ in 0..50 {
        let next = node(&mut g, "muladd", &[("mul", &[0.99])], &[]);
        g.connect_input(prev, "out", next, "in").unwrap();
        prev = next;
    }
    g.connect_output(prev, "out").unwrap();
    let s = compile(&g, &opts(256)).unwrap();
    assert_eq!(s.step_count(), 51);
    assert!(s.buffer_count() <= 2, "{} buffers for a chain", s.buffer_count());
}

#[test]
fn lanes_come_from_the_widest_parameter_or_input() {
    let mut g = Graph::new();
    let saw = node(&mut g, "saw", &[("freq", &[100.0, 200.0, 300.0])], &[]);
    let lfo = node(&mut g, "sine", &[("freq", &[1.0])], &[]);
    let filt = node(&mut g, "svf", &[], &[]);
    g.connect_input(saw, "out", filt, "in").unwrap();
    g.connect_param(lfo, "out", filt, "cutoff").unwrap();
    let sum = node(&mut g, "sum", &[], &[]);
    g.connect_input(filt, "out", sum, "in").unwrap();
    g.connect_output(sum, "out").unwrap();
    let s = compile(&g, &opts(64)).unwrap();
    assert_eq!(s.lanes(saw), Some(3));
    assert_eq!(s.lanes(filt), Some(3));
    assert_eq!(s.output_channels(), 1);

    g.set_param(filt, "q", &[1.0, 2.0]).unwrap();
    let err = compile(&g, &opts(64)).err().unwrap();
    assert!(err.to_string().contains("svf#2: parameter 'q' has 2 lanes but the node runs 3"), "{err}");
}

#[test]
fn mismatched_widths_into_one_input_are_rejected() {
    let mut g = Graph::new();
    let a = node(&mut g, "saw", &[("freq", &[1.0, 2.0])], &[]);
    let b = node(&mut g, "saw", &[("freq", &[1.0, 2.0, 3.0])], &[]);
    let m = node(&mut g, "muladd", &[], &[]);
    g.connect_input(a, "out", m, "in").unwrap();
    g.connect_input(b, "out", m, "in").unwrap();
    g.connect_output(m, "out").unwrap();
    let err = compile(&g, &opts(64)).err().unwrap();
    assert!(err.to_string().contains("muladd#2 input 'in'"), "{err}");
}

#[test]
fn bad_engine_settings_are_named() {
    let g = Graph::new();
    let err = compile(&g, &opts(8)).err().unwrap();
    assert_eq!(err.to_string(), "blocksize 8 frames is outside [16, 4096]");
    let err = render(&g, &opts(64), RenderJob { frames: 10, song: Song::default(), ..Default::default() }).unwrap_err();
    assert!(err.to_string().contains("no output"), "{err}");
}

#[test]
fn nodes_report_their_latency_in_the_schedule() {
    let mut g = Graph::new();
    let src = node(&mut g, "const", &[("value", &[0.5])], &[]);
    let lim = node(&mut g, "limiter", &[], &[("lookahead", OptValue::Num(0.005))]);
    let dist = node(&mut g, "distortion", &[], &[("oversample", OptValue::Num(2.0))]);
    g.connect_input(src, "out", lim, "in").unwrap();
    g.connect_input(lim, "out", dist, "in").unwrap();
    g.connect_output(dist, "out").unwrap();
    let schedule = compile(&g, &opts(64)).unwrap();
    assert_eq!(schedule.latency(src), Some(0));
    assert_eq!(schedule.latency(lim), Some(240));
    assert!(schedule.latency(dist).is_some_and(|l| l > 0));
    assert_eq!(schedule.latency(99), None);
}

#[test]
fn an_input_port_counts_as_keyed_only_when_connected() {
    // A loud input over a silent sidechain: keyed, nothing to compress; unkeyed, 15 dB off.
    let level = |keyed: bool| {
        let mut g = Graph::new();
        let loud = node(&mut g, "const", &[("value", &[1.0])], &[]);
        let comp = node(&mut g, "compressor", &[("knee", &[0.0]), ("attack", &[0.0])], &[]);
        g.connect_input(loud, "out", comp, "in").unwrap();
        if keyed {
            let silent = node(&mut g, "const", &[], &[]);
            g.connect_input(silent, "out", comp, "sidechain").unwrap();
        }
        g.connect_output(comp, "out").unwrap();
        *render(&g, &opts(64), RenderJob { frames: 64, ..Default::default() }).unwrap().samples.last().unwrap()
    };
    assert_eq!(level(true), 1.0);
    assert!((20.0 * level(false).log10() + 15.0).abs() < 1e-3);
}

#[test]
fn constant_signals_reach_every_reader_intact() {
    // The allocator holds freq/gate/velocity constant between events and writes one frame;
    // audio inputs, mixes, feedback loops and the graph output must still see every frame.
    use chronus_engine::{Event, EventKind, NodeEvent};
    let mut g = Graph::new();
    let v = node(&mut g, "voices", &[], &[("voices", OptValue::Num(2.0))]);
    let as_audio = node(&mut g, "muladd", &[("mul", &[0.001])], &[]);
    g.connect_input(v, "freq", as_audio, "in").unwrap();
    let mixed = node(&mut g, "muladd", &[], &[]);
    g.connect_input(v, "gate", mixed, "in").unwrap();
    g.connect_input(v, "velocity", mixed, "in").unwrap();
    let gain = node(&mut g, "muladd", &[], &[]);
    g.connect_param(v, "gate", gain, "add").unwrap();
    let fb = node(&mut g, "feedback", &[], &[("channels", OptValue::Num(2.0))]);
    g.connect_input(v, "note", fb, "in").unwrap();
    let late = node(&mut g, "muladd", &[("mul", &[1e-3])], &[]);
    g.connect_input(fb, "out", late, "in").unwrap();
    for n in [as_audio, mixed, gain, late] {
        g.connect_output(n, "out").unwrap();
    }
    g.connect_output(v, "trigger").unwrap();
    let on = |time, note| Event {
        time,
        kind: EventKind::Node { node: v, event: NodeEvent::NoteOn { channel: 0, note, velocity: 0.5 } },
    };
    let events = [on(100, 69), on(300, 81)];
    let out =
        render(&g, &opts(64), RenderJob { frames: 640, song: Song::timeline(events.to_vec()), ..Default::default() })
            .unwrap();
    // Voice 0 plays A4 from frame 100, voice 1 A5 from frame 300. Each output channel is
    // freq/1000 + (gate + velocity) + gate + trigger + note/1000 one block (64 frames) late.
    for (c, start, hz, note) in [(0, 100, 440.0, 69.0), (1, 300, 880.0, 81.0)] {
        for f in start..640 {
            let trigger = if f == start { 1.0 } else { 0.0 };
            let delayed = if f >= start + 64 { note * 1e-3 } else { 0.0 };
            let want = 1e-3 * hz + 1.5 + 1.0 + trigger + delayed;
            let got = out.samples[c * 640 + f];
            assert!((got - want).abs() < 1e-4, "frame {f} voice {c}: {got} vs {want}");
        }
    }
}

#[test]
fn array_options_are_checked_by_shape_and_required_by_the_node() {
    use chronus_engine::ArrayData;
    let mut g = Graph::new();
    let narrow = OptValue::Array(ArrayData::new(vec![0.0; 6], 2).unwrap());
    let err = g.add("wavetable", &[("table", narrow)], None).unwrap_err();
    assert!(err.to_string().contains("option 'table' has 2 columns; it takes 4 to 1048576"), "{err}");
    let err = g.add("wavetable", &[("table", OptValue::Num(1.0))], None).unwrap_err();
    assert!(err.to_string().contains("option 'table' must be an array"), "{err}");
    let w = g.add("wavetable", &[], Some("pad")).unwrap();
    g.connect_output(w, "out").unwrap();
    let Err(err) = compile(&g, &opts(64)) else { panic!("a wavetable without a table compiled") };
    assert!(err.to_string().contains("pad: option 'table' is required"), "{err}");
}

#[test]
fn compiler_built_kinds_are_recognised_by_their_registered_spec() {
    use chronus_engine::compile::Builtin;
    for b in [Builtin::Feedback, Builtin::DeviceInput, Builtin::Clock] {
        let spec = chronus_engine::nodes::spec(b.kind()).expect("registered");
        assert_eq!(Builtin::of(spec), Some(b));
    }
    let built_by_compiler = chronus_engine::nodes::all().iter().filter(|s| Builtin::of(s).is_some()).count();
    assert_eq!(built_by_compiler, 3);
}
