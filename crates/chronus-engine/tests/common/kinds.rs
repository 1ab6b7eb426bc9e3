//! Every node kind as the property harness (`tests/nodes.rs`) and the allocation test
//! (`tests/realtime.rs`) play it: a default recipe, and one table of fixtures for the
//! kinds that need more (array options, notes, a gate, wider tolerances).
#![allow(dead_code)]

use chronus_engine::spec::{InstanceRef, NodeSpec, ParamSpec};
use chronus_engine::{compile, ArrayData, Event, EventKind, Graph, NodeEvent, NodeId, OptValue, Processor};

use super::{one_pole_kernel, opts};

/// Channels of the device input a rig plays: left and right audio, then a modulation signal.
pub const INPUT_CHANNELS: usize = 3;

/// What the harness must know about a kind that its default recipe cannot play alone.
pub struct Fixture {
    /// The kind.
    pub kind: &'static str,
    /// Options it needs.
    pub options: fn() -> Vec<(&'static str, OptValue)>,
    /// What a kind whose nodes declare their own ports and parameters (kernels) runs.
    pub instance: Option<fn() -> InstanceRef>,
    /// Constant parameters that make it sound (gates on, and the like).
    pub params: &'static [(&'static str, f32)],
    /// Whether it plays notes (a note-on at frame 100, its note-off at frame 5000).
    pub notes: bool,
    /// Largest difference allowed between renders at different block sizes, and between a
    /// parameter given as a constant and as a signal (0: bit-identical).
    pub tolerance: f32,
    /// Parameters for measuring latency with an impulse (those that hide the dry path).
    pub latency_params: &'static [(&'static str, f32)],
    /// How its output follows its first input.
    pub timing: Timing,
}

/// How a kind's first output follows its first input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// By the kind's reported latency (the default).
    Latency,
    /// Exactly one engine block late, by design (the feedback node).
    OneBlock,
    /// Not at all: the input is a measurement, not audio to pass on (voices' level).
    Apart,
    /// It has no audio input; its reported latency is from its gate rising (held up from
    /// frame 0 by the fixture) to its first sound (the stretched clip player).
    Gate,
}

fn none() -> Vec<(&'static str, OptValue)> {
    Vec::new()
}

const DEFAULT: Fixture = Fixture {
    kind: "",
    options: none,
    instance: None,
    params: &[],
    notes: false,
    tolerance: 0.0,
    latency_params: &[],
    timing: Timing::Latency,
};

fn stereo_feedback() -> Vec<(&'static str, OptValue)> {
    vec![("channels", OptValue::Num(2.0))]
}

fn two_voices() -> Vec<(&'static str, OptValue)> {
    vec![("voices", OptValue::Num(2.0))]
}

/// Two frames (a sine, then its octave) for the wavetable.
fn table() -> Vec<(&'static str, OptValue)> {
    let frames: Vec<f32> =
        (0..128).map(|i| ((1 + i / 64) as f32 * std::f32::consts::TAU * (i % 64) as f32 / 64.0).sin()).collect();
    vec![("table", OptValue::Array(ArrayData::new(frames, 64).unwrap()))]
}

/// A stereo recording with a looped, crossfaded zone for low keys and a one-shot for high ones.
fn recordings() -> Vec<(&'static str, OptValue)> {
    let tone: Vec<f32> = (0..2000).flat_map(|i| [(i as f32 * 0.05).sin(), (i as f32 * 0.07).cos()]).collect();
    #[rustfmt::skip]
    let zones = vec![
        1500.0, 44_100.0, 60.0, 0.0, 64.0, 0.0, 1.0, 500.0, 1400.0, 200.0, 2.0,
        500.0, 48_000.0, 72.0, 65.0, 127.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0,
    ];
    vec![
        ("data", OptValue::Array(ArrayData::new(tone, 2).unwrap())),
        ("zones", OptValue::Array(ArrayData::new(zones, 11).unwrap())),
    ]
}

/// A stereo recording for the clip player (a click, then two quieter tones: 2000 frames),
/// looped through the stretcher so that every parameter (stretch and semitones too) takes
/// effect; the click marks where the region starts.
fn clip_recording() -> Vec<(&'static str, OptValue)> {
    let tone: Vec<f32> = (0..2000)
        .flat_map(|i| match i {
            0 => [1.0, 1.0],
            _ => [0.2 * (i as f32 * 0.05).sin(), 0.2 * (i as f32 * 0.07).cos()],
        })
        .collect();
    vec![
        ("data", OptValue::Array(ArrayData::new(tone, 2).unwrap())),
        ("loop", OptValue::Text("on".into())),
        ("stretcher", OptValue::Text("on".into())),
    ]
}

/// The kinds the default recipe (the rig's audio into every input, default parameters)
/// cannot build or play alone, and the tolerances some need, with the reasons.
pub static FIXTURES: &[Fixture] = &[
    // Built by the compiler: its output is its input one engine block later.
    Fixture { kind: "feedback", options: stereo_feedback, timing: Timing::OneBlock, ..DEFAULT },
    Fixture { kind: "voices", options: two_voices, notes: true, timing: Timing::Apart, ..DEFAULT },
    // A kernel's ports and parameters are its code's: a one-pole lowpass of its two inputs.
    Fixture { kind: "kernel", instance: Some(|| one_pole_kernel("harness")), ..DEFAULT },
    Fixture { kind: "adsr", params: &[("gate", 1.0)], ..DEFAULT },
    Fixture { kind: "fm", params: &[("gate", 1.0), ("level2", 2.0), ("feedback", 1.0)], ..DEFAULT },
    Fixture { kind: "sampler", options: recordings, params: &[("gate", 1.0)], ..DEFAULT },
    Fixture { kind: "clip", options: clip_recording, params: &[("gate", 1.0)], timing: Timing::Gate, ..DEFAULT },
    Fixture { kind: "wavetable", options: table, params: &[("position", 0.5)], ..DEFAULT },
    // Lowpasses: the impulse response peaks after the impulse, unless the corner is at the
    // top. A modulated svf tunes with a polynomial tangent (a cutoff a few millionths off).
    Fixture { kind: "svf", tolerance: 1e-5, latency_params: &[("cutoff", 100_000.0)], ..DEFAULT },
    Fixture { kind: "biquad", latency_params: &[("freq", 100_000.0)], ..DEFAULT },
    // Wet only by default: the echo, not the dry path, would be measured.
    Fixture { kind: "delay", latency_params: &[("mix", 0.0)], ..DEFAULT },
    Fixture { kind: "pingpong", latency_params: &[("mix", 0.0)], ..DEFAULT },
];

/// The fixture of `spec`'s kind, or the default recipe.
pub fn fixture(spec: &NodeSpec) -> &'static Fixture {
    FIXTURES.iter().find(|f| f.kind == spec.kind).unwrap_or(&DEFAULT)
}

/// How a parameter of the node under test is driven.
#[derive(Debug, Clone, Copy)]
pub enum Drive {
    /// A constant (the node sees a constant view).
    Constant(f32),
    /// A `const` node's output (the node sees per-frame values, all equal).
    Signal(f32),
    /// The rig's modulation channel (input channel 2).
    Modulation,
}

/// A graph around one node of a kind: the device input's first two channels into each of
/// its inputs (and channel 2 available as modulation), its outputs side by side at the
/// graph output.
pub struct Rig {
    pub graph: Graph,
    /// The node under test.
    pub node: NodeId,
    /// Notes for it, if it plays them.
    pub events: Vec<Event>,
    /// Its parameters (its kind's, or its instance's).
    pub params: Vec<ParamSpec>,
    /// How many audio inputs it has.
    pub inputs: usize,
}

impl Rig {
    /// Builds the rig of `spec` with its fixture's parameters, then `drives`.
    pub fn new(spec: &NodeSpec, drives: &[(&str, Drive)]) -> Result<Rig, String> {
        let fix = fixture(spec);
        let mut g = Graph::new();
        let err = |e: chronus_engine::Error| e.to_string();
        let audio = g.add("input", &[("channels", OptValue::Num(2.0))], Some("audio")).map_err(err)?;
        let node = match fix.instance {
            Some(instance) => g.add_instance(spec.kind, instance(), Some("tested")),
            None => g.add(spec.kind, &(fix.options)(), Some("tested")),
        }
        .map_err(err)?;
        let desc = g.node(node).map_err(err)?;
        let params = desc.params().to_vec();
        let inputs: Vec<String> = desc.inputs().iter().map(|p| p.name.to_string()).collect();
        let outputs: Vec<String> = desc.outputs().iter().map(|p| p.name.to_string()).collect();
        for (name, value) in fix.params {
            g.set_param(node, name, &[*value]).map_err(err)?;
        }
        for input in &inputs {
            g.connect_input(audio, "out", node, input).map_err(err)?;
        }
        let mut modulation = None;
        for (name, drive) in drives {
            match *drive {
                Drive::Constant(v) => {
                    g.set_param(node, name, &[v]).map_err(err)?;
                }
                Drive::Signal(v) => {
                    let source = g.add("const", &[], None).map_err(err)?;
                    g.set_param(source, "value", &[v]).map_err(err)?;
                    g.connect_param(source, "out", node, name).map_err(err)?;
                }
                Drive::Modulation => {
                    let source = *modulation.get_or_insert_with(|| {
                        let options = [("channels", OptValue::Num(1.0)), ("offset", OptValue::Num(2.0))];
                        g.add("input", &options, Some("modulation")).expect("an input node")
                    });
                    g.connect_param(source, "out", node, name).map_err(err)?;
                }
            }
        }
        match &outputs[..] {
            [one] => {
                g.connect_output(node, one).map_err(err)?;
            }
            ports => {
                let side = g.add("stack", &[("inputs", OptValue::Num(ports.len() as f64))], None).map_err(err)?;
                for (i, port) in ports.iter().enumerate() {
                    g.connect_input(node, port, side, &format!("in{}", i + 1)).map_err(err)?;
                }
                g.connect_output(side, "out").map_err(err)?;
            }
        }
        let mut events = Vec::new();
        if fix.notes {
            let note = |time, event| Event { time, kind: EventKind::Node { node, event } };
            events.push(note(100, NodeEvent::NoteOn { channel: 0, note: 60, velocity: 0.8 }));
            events.push(note(5000, NodeEvent::NoteOff { channel: 0, note: 60 }));
        }
        Ok(Rig { graph: g, node, events, params, inputs: inputs.len() })
    }

    /// Plays `frames` frames of `input` ([`INPUT_CHANNELS`] interleaved) in blocks of
    /// `block` frames; returns the output (interleaved), its channel count and the processor.
    pub fn play(&self, input: &[f32], frames: usize, block: usize) -> Result<(Vec<f32>, usize, Processor), String> {
        let schedule = compile(&self.graph, &opts(block)).map_err(|e| e.to_string())?;
        let channels = schedule.output_channels();
        let mut processor = Processor::new(schedule, 64);
        for e in &self.events {
            processor.push_event(*e).map_err(|_| "event queue full".to_owned())?;
        }
        let mut out = vec![0.0f32; frames * channels];
        for (o, i) in out.chunks_mut(block * channels).zip(input.chunks(block * INPUT_CHANNELS)) {
            processor.process_duplex(o, channels, i, INPUT_CHANNELS);
        }
        Ok((out, channels, processor))
    }
}

/// The parameters of `spec`'s nodes as the harness builds them (a kernel's are its code's).
pub fn params_of(spec: &NodeSpec) -> Vec<ParamSpec> {
    Rig::new(spec, &[]).map(|r| r.params).unwrap_or_default()
}

/// A small deterministic generator (xorshift).
pub struct Rng(u32);

impl Rng {
    pub fn new(seed: u32) -> Self {
        Rng(seed.max(1))
    }

    /// Uniform in [-1, 1).
    pub fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 >> 8) as f32 / 8_388_608.0 - 1.0
    }
}

/// `frames` frames of rig input: noise at -6 dBFS on both audio channels, and `modulation`
/// (one value per frame) on the third.
pub fn input(frames: usize, modulation: impl Fn(usize) -> f32) -> Vec<f32> {
    let mut rng = Rng::new(11);
    (0..frames).flat_map(|f| [0.5 * rng.next(), 0.5 * rng.next(), modulation(f)]).collect()
}

/// Modulation far outside any documented range: a frame-by-frame mix of huge, infinite,
/// NaN and ordinary values.
pub fn wild(frame: usize) -> f32 {
    const VALUES: [f32; 9] = [1e4, -1e4, 1e30, -1e30, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 0.5, 3e7];
    VALUES[(frame * 7 + frame / 13) % VALUES.len()]
}
