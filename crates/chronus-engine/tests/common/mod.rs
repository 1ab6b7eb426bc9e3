//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use chronus_engine::kernel::{self, KernelCode, KernelParam};
use chronus_engine::spec::InstanceRef;
use chronus_engine::{ArrayData, CompileOptions, Graph, NodeId, OptValue};

pub mod kinds;
pub mod manual;

pub const SR: f64 = 48_000.0;

pub fn opts(max_block: usize) -> CompileOptions {
    CompileOptions { samplerate: SR, max_block, smoothing: 0.005 }
}

/// Adds a node and sets constant parameters.
pub fn node(g: &mut Graph, kind: &str, params: &[(&str, &[f32])], options: &[(&str, OptValue)]) -> NodeId {
    let id = g.add(kind, options, None).unwrap();
    for (name, values) in params {
        g.set_param(id, name, values).unwrap();
    }
    id
}

/// A graph using every node kind, with 4-lane voices, modulation and a feedback loop.
pub fn every_node_graph() -> (Graph, Vec<NodeId>) {
    let mut g = Graph::new();
    let lanes: &[f32] = &[110.0, 220.0, 330.0, 440.0];
    let sine = node(&mut g, "sine", &[("freq", &[3.0])], &[]);
    let saw = node(&mut g, "saw", &[("freq", lanes)], &[]);
    let square = node(&mut g, "square", &[("freq", lanes)], &[]);
    let pulse = node(&mut g, "pulse", &[("freq", lanes)], &[]);
    let tri = node(&mut g, "triangle", &[("freq", lanes)], &[]);
    let white = node(&mut g, "noise", &[], &[("channels", OptValue::Num(4.0))]);
    let pink = node(&mut g, "noise", &[], &[("color", OptValue::Text("pink".into()))]);
    let konst = node(&mut g, "const", &[("value", &[0.5])], &[]);
    let lfo = node(&mut g, "muladd", &[("mul", &[200.0]), ("add", &[900.0])], &[]);
    g.connect_input(sine, "out", lfo, "in").unwrap();
    let mixer = node(&mut g, "mixer", &[], &[]);
    for (src, port) in [(saw, "in1"), (square, "in2"), (pulse, "in3"), (tri, "in4"), (white, "in5"), (pink, "in6")] {
        g.connect_input(src, "out", mixer, port).unwrap();
    }
    g.connect_param(sine, "out", pulse, "width").unwrap();
    let svf = node(&mut g, "svf", &[("q", &[2.0])], &[]);
    g.connect_input(mixer, "out", svf, "in").unwrap();
    g.connect_param(lfo, "out", svf, "cutoff").unwrap();
    let biquad = node(&mut g, "biquad", &[], &[("mode", OptValue::Text("peak".into()))]);
    g.connect_input(svf, "out", biquad, "in").unwrap();
    let adsr = node(&mut g, "adsr", &[("gate", &[0.0, 0.0, 0.0, 0.0])], &[]);
    let voices = node(&mut g, "voices", &[], &[("voices", OptValue::Num(4.0))]);
    g.connect_param(voices, "gate", adsr, "gate").unwrap();
    g.connect_param(voices, "trigger", adsr, "trigger").unwrap();
    let voice_osc = node(&mut g, "saw", &[], &[]);
    let vibrato = node(&mut g, "transpose", &[], &[]);
    g.connect_input(voices, "freq", vibrato, "in").unwrap();
    g.connect_param(sine, "out", vibrato, "semitones").unwrap();
    g.connect_param(vibrato, "out", voice_osc, "freq").unwrap();
    g.connect_input(voice_osc, "out", mixer, "in7").unwrap();
    let input = node(&mut g, "input", &[], &[("channels", OptValue::Num(2.0))]);
    let input_mono = node(&mut g, "sum", &[], &[]);
    g.connect_input(input, "out", input_mono, "in").unwrap();
    g.connect_input(input_mono, "out", mixer, "in8").unwrap();
    let fm = node(&mut g, "fm", &[("level2", &[1.5]), ("ratio2", &[2.0]), ("feedback", &[0.7])], &[]);
    for port in ["freq", "gate", "trigger", "velocity"] {
        g.connect_param(voices, port, fm, port).unwrap();
    }
    g.connect_input(fm, "out", mixer, "in8").unwrap();
    // Two frames (a sine, then its octave) to morph between, swept by the LFO.
    let frames: Vec<f32> =
        (0..128).map(|i| ((1 + i / 64) as f32 * std::f32::consts::TAU * (i % 64) as f32 / 64.0).sin()).collect();
    let table = OptValue::Array(ArrayData::new(frames, 64).unwrap());
    let wavetable = node(&mut g, "wavetable", &[], &[("table", table)]);
    g.connect_param(voices, "freq", wavetable, "freq").unwrap();
    g.connect_param(sine, "out", wavetable, "position").unwrap();
    g.connect_input(wavetable, "out", mixer, "in8").unwrap();
    let vca = node(&mut g, "mul", &[], &[]);
    g.connect_input(biquad, "out", vca, "a").unwrap();
    g.connect_input(adsr, "out", vca, "b").unwrap();
    let fb = node(&mut g, "feedback", &[], &[("channels", OptValue::Num(4.0))]);
    let delay = node(&mut g, "delay", &[("time", &[0.01]), ("feedback", &[0.3])], &[]);
    g.connect_input(vca, "out", delay, "in").unwrap();
    // A tempo-synced delay time: a fiftieth of a beat, read from the transport's clock.
    let clock = node(&mut g, "clock", &[], &[]);
    let synced = node(&mut g, "muladd", &[("mul", &[0.02])], &[]);
    g.connect_input(clock, "period", synced, "in").unwrap();
    g.connect_param(synced, "out", delay, "time").unwrap();
    g.connect_input(fb, "out", delay, "in").unwrap();
    let damp = node(&mut g, "muladd", &[("mul", &[0.2])], &[]);
    g.connect_input(delay, "out", damp, "in").unwrap();
    g.connect_input(damp, "out", fb, "in").unwrap();
    g.connect_param(konst, "out", damp, "add").unwrap();
    let pan = node(&mut g, "pan", &[("pan", &[-1.0, -0.3, 0.3, 1.0])], &[]);
    g.connect_input(delay, "out", pan, "in").unwrap();
    // A stereo sampler: a looped, crossfaded zone for low keys, a one-shot for high ones.
    let tone: Vec<f32> = (0..2000).flat_map(|i| [(i as f32 * 0.05).sin(), (i as f32 * 0.07).cos()]).collect();
    #[rustfmt::skip]
    let zones = vec![
        1500.0, 44_100.0, 60.0, 0.0, 64.0, 0.0, 1.0, 500.0, 1400.0, 200.0, 2.0,
        500.0, 48_000.0, 72.0, 65.0, 127.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0,
    ];
    // Played at every reading quality.
    let sampled = node(&mut g, "sum", &[], &[("channels", OptValue::Num(2.0))]);
    for quality in ["sinc", "cubic", "linear"] {
        let sampler = node(
            &mut g,
            "sampler",
            &[("release", &[0.01])],
            &[
                ("data", OptValue::Array(ArrayData::new(tone.clone(), 2).unwrap())),
                ("zones", OptValue::Array(ArrayData::new(zones.clone(), 11).unwrap())),
                ("quality", OptValue::Text(quality.into())),
            ],
        );
        for port in ["freq", "note", "velocity", "gate", "trigger"] {
            g.connect_param(voices, port, sampler, port).unwrap();
        }
        g.connect_input(sampler, "out", sampled, "in").unwrap();
    }
    let clips = clips(&mut g, sine);
    g.connect_input(clips, "out", mixer, "in8").unwrap();
    let sum = node(&mut g, "sum", &[], &[("channels", OptValue::Num(2.0))]);
    g.connect_input(delay, "out", sum, "in").unwrap();
    let out = node(&mut g, "muladd", &[("mul", &[0.25])], &[]);
    g.connect_input(pan, "out", out, "in").unwrap();
    let pair = node(&mut g, "stack", &[], &[]);
    let damp_mono = node(&mut g, "sum", &[], &[]);
    g.connect_input(damp, "out", damp_mono, "in").unwrap();
    g.connect_input(damp_mono, "out", pair, "in1").unwrap();
    g.connect_input(konst, "out", pair, "in2").unwrap();
    g.connect_input(pair, "out", out, "in").unwrap();
    g.connect_input(sum, "out", out, "in").unwrap();
    let effects = effects_chain(&mut g, delay, sine, white);
    g.connect_input(effects, "out", out, "in").unwrap();
    g.connect_input(sampled, "out", out, "in").unwrap();
    let kernel = g.add_instance(kernel::KIND, one_pole_kernel("one_pole"), None).unwrap();
    g.connect_input(delay, "out", kernel, "in1").unwrap();
    g.connect_input(sine, "out", kernel, "in2").unwrap();
    g.connect_param(sine, "out", kernel, "coef").unwrap();
    g.connect_input(kernel, "out", sum, "in").unwrap();
    // Every analyzer taps the mix (loudness the stereo bus); their feeds go unread, so the
    // small ones fill up and drop frames too.
    for kind in ["stft", "mel", "mfcc", "chroma", "spectral", "rms", "onsets", "pitch", "notes", "beats", "samples"] {
        let tap = node(&mut g, kind, &[], &[("buffer", OptValue::Num(0.1))]);
        g.connect_input(out, "out", tap, "in").unwrap();
    }
    let loudness = node(&mut g, "loudness", &[], &[]);
    g.connect_input(sum, "out", loudness, "in").unwrap();
    g.connect_output(out, "out").unwrap();
    (g, vec![adsr, svf, saw, biquad, delay, out, voices, kernel])
}

/// A one-pole lowpass of `in1 + 0.1 * in2` as a kernel would be compiled: `coef` per frame
/// (0..1), one state value per lane.
unsafe extern "C" fn one_pole(
    inputs: *const f32,
    outputs: *mut f32,
    params: *const f32,
    state: *mut f64,
    frames: i64,
    _samplerate: f64,
    _lane: i64,
) {
    let n = frames as usize;
    // SAFETY: the engine passes 2 input rows, 1 output row, 1 parameter row, 1 state value.
    let (x, y, coef, z) = unsafe {
        (
            std::slice::from_raw_parts(inputs, 2 * n),
            std::slice::from_raw_parts_mut(outputs, n),
            std::slice::from_raw_parts(params, n),
            &mut *state,
        )
    };
    for f in 0..n {
        *z += coef[f] as f64 * ((x[f] + 0.1 * x[n + f]) as f64 - *z);
        y[f] = *z as f32;
    }
}

/// A kernel instance running [`one_pole`] (2 inputs, 1 output, parameter `coef`).
pub fn one_pole_kernel(name: &str) -> InstanceRef {
    // SAFETY: `one_pole` matches the shape declared here and is real-time safe.
    let code = unsafe { KernelCode::new(name, one_pole, 2, 1, vec![("z".into(), 1)], Box::new(())) }.unwrap();
    let coef = KernelParam { name: "coef".into(), default: 0.1, min: 0.0, max: 1.0 };
    kernel::instance(Arc::new(code), &[coef]).unwrap()
}

/// Two stereo clips gated on and off by a 3 Hz square wave: one looped, reversed and faded
/// (and pitch-shifted), one through the stretcher with its ratio and transposition swept by
/// `lfo`. Returns their mono sum.
pub fn clips(g: &mut Graph, lfo: NodeId) -> NodeId {
    let tone: Vec<f32> = (0..6000).flat_map(|i| [(i as f32 * 0.05).sin(), (i as f32 * 0.07).cos()]).collect();
    let data = ArrayData::new(tone, 2).unwrap();
    let gate = node(g, "square", &[("freq", &[3.0])], &[]);
    let looped = node(
        g,
        "clip",
        &[],
        &[
            ("data", OptValue::Array(data.clone())),
            ("offset", OptValue::Num(100.0)),
            ("length", OptValue::Num(3000.0)),
            ("loop", text("on")),
            ("reverse", text("on")),
            ("fade_in", OptValue::Num(0.01)),
        ],
    );
    let stretched = node(g, "clip", &[], &[("data", OptValue::Array(data)), ("stretcher", text("on"))]);
    let ratio = node(g, "muladd", &[("mul", &[0.3]), ("add", &[1.2])], &[]);
    g.connect_input(lfo, "out", ratio, "in").unwrap();
    g.connect_param(ratio, "out", stretched, "stretch").unwrap();
    let semitones = node(g, "muladd", &[("mul", &[5.0])], &[]);
    g.connect_input(lfo, "out", semitones, "in").unwrap();
    g.connect_param(semitones, "out", stretched, "semitones").unwrap();
    let shifted = node(g, "pitchshift", &[], &[]);
    g.connect_input(looped, "out", shifted, "in").unwrap();
    g.connect_param(semitones, "out", shifted, "semitones").unwrap();
    let sum = node(g, "sum", &[], &[]);
    for clip in [looped, stretched] {
        g.connect_param(gate, "out", clip, "gate").unwrap();
        g.connect_input(clip, "out", sum, "in").unwrap();
    }
    g.connect_input(shifted, "out", sum, "in").unwrap();
    sum
}

fn text(v: &str) -> OptValue {
    OptValue::Text(v.into())
}

/// Runs `src` (4 lanes) through every effect kind, with `lfo` (mono) modulating some of their
/// parameters and `key` keying the compressor; returns the stereo result.
pub fn effects_chain(g: &mut Graph, src: NodeId, lfo: NodeId, key: NodeId) -> NodeId {
    let chain = |g: &mut Graph, from: NodeId, kind: &str, params: &[(&str, &[f32])], options: &[(&str, OptValue)]| {
        let id = node(g, kind, params, options);
        g.connect_input(from, "out", id, "in").unwrap();
        id
    };
    let bands = [("band1", text("lowcut24")), ("band2", text("peak")), ("band3", text("highshelf"))];
    let eq = chain(g, src, "eq", &[("gain2", &[6.0]), ("freq3", &[6000.0])], &bands);
    g.connect_param(lfo, "out", eq, "gain2").unwrap();
    let dist = chain(g, eq, "distortion", &[("drive", &[18.0])], &[("oversample", OptValue::Num(4.0))]);
    let crush = chain(g, dist, "bitcrusher", &[("bits", &[6.0]), ("rate", &[11025.0]), ("mix", &[0.3])], &[]);
    let dc = chain(g, crush, "dcblock", &[], &[]);
    let gain = chain(g, dc, "gain", &[("gain", &[-6.0])], &[]);
    let chorus = chain(g, gain, "chorus", &[], &[]);
    let flanger = chain(g, chorus, "flanger", &[], &[("through_zero", text("on"))]);
    let phaser = chain(g, flanger, "phaser", &[("feedback", &[0.4])], &[("stages", OptValue::Num(6.0))]);
    let stereo = chain(g, phaser, "sum", &[], &[("channels", OptValue::Num(2.0))]);
    let comp = chain(g, stereo, "compressor", &[("threshold", &[-30.0])], &[("detector", text("rms"))]);
    g.connect_input(key, "out", comp, "sidechain").unwrap();
    let gate = chain(g, comp, "expander", &[("hold", &[0.01])], &[]);
    let pingpong = chain(g, gate, "pingpong", &[("time", &[0.01, 0.02]), ("feedback", &[0.5])], &[]);
    let freeverb = chain(g, pingpong, "freeverb", &[("predelay", &[0.01])], &[]);
    let reverb = chain(g, freeverb, "reverb", &[("predelay", &[0.02])], &[("modulation", OptValue::Num(0.5))]);
    g.connect_param(lfo, "out", reverb, "damping").unwrap();
    let encode = chain(g, reverb, "midside", &[], &[]);
    let decode = chain(g, encode, "midside", &[], &[("mode", text("decode"))]);
    let width = chain(g, decode, "width", &[("width", &[1.5])], &[]);
    let meter = chain(g, width, "meter", &[], &[]);
    let probe = chain(g, meter, "probe", &[], &[("window", OptValue::Num(100.0))]);
    chain(g, probe, "limiter", &[("ceiling", &[-3.0])], &[])
}
