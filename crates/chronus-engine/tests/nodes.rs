//! Properties every node kind has, checked over `nodes::all()`: a kind is covered by being
//! registered. Kinds the default recipe cannot play alone (array options, notes, gates,
//! compiler-built kinds) have a fixture in `common::kinds::FIXTURES`; a kind that cannot
//! be built at all fails `every_kind_can_be_built` with the reason.
//!
//! - the output does not depend on the block size (64, 1000 and 4096 frames);
//! - a parameter given as a constant and as a signal of the same value (the Const and
//!   Varying paths) gives the same output;
//! - the output stays finite with every parameter at either end of its documented range,
//!   and with every parameter modulated far outside it (huge, infinite and NaN values);
//! - ten NaN input frames cost the block they arrive in, no more, and are counted;
//! - the reported latency is where an impulse comes out.
//!
//! Unless a fixture states a tolerance, outputs must agree bit for bit.

mod common;

use chronus_engine::nodes;
use chronus_engine::spec::{NodeSpec, ParamSpec};
use chronus_engine::{compile, Graph, OptValue};
use common::kinds::{fixture, input, params_of, wild, Drive, Rig, Timing, FIXTURES, INPUT_CHANNELS};
use proptest::prelude::*;

/// Frames each render plays.
const FRAMES: usize = 9000;
/// Block size where the property does not vary it.
const BLOCK: usize = 256;

fn rig(spec: &NodeSpec, drives: &[(&str, Drive)]) -> Rig {
    Rig::new(spec, drives).unwrap_or_else(|e| panic!("{}: {e}", spec.kind))
}

/// Output of `rig` for `input` in blocks of `block`, and its channel count.
fn play(spec: &NodeSpec, rig: &Rig, input: &[f32], block: usize) -> (Vec<f32>, usize) {
    let (out, channels, _) =
        rig.play(input, input.len() / INPUT_CHANNELS, block).unwrap_or_else(|e| panic!("{}: {e}", spec.kind));
    (out, channels)
}

/// Largest difference between two renders; NaN where one holds NaN and the other not.
fn difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| if x.to_bits() == y.to_bits() { 0.0 } else { (x - y).abs() }).fold(0.0, |m, d| {
        if d > m || d.is_nan() {
            d
        } else {
            m
        }
    })
}

fn first_nonfinite(out: &[f32], channels: usize) -> Option<(usize, f32)> {
    out.iter().position(|x| !x.is_finite()).map(|i| (i / channels, out[i]))
}

#[test]
fn every_kind_can_be_built() {
    for spec in nodes::all() {
        let rig = Rig::new(spec, &[]).unwrap_or_else(|e| {
            panic!("the harness cannot build '{}' ({e}): give it a fixture in tests/common/kinds.rs", spec.kind)
        });
        if let Err(e) = rig.play(&input(64, |_| 0.0), 64, 64) {
            panic!("the harness cannot play '{}' ({e}): give it a fixture in tests/common/kinds.rs", spec.kind);
        }
    }
    for f in FIXTURES {
        assert!(nodes::spec(f.kind).is_some(), "fixture for '{}', which is not a registered kind", f.kind);
    }
}

#[test]
fn output_does_not_depend_on_the_block_size() {
    let audio = input(FRAMES, |_| 0.0);
    for spec in nodes::all() {
        let fix = fixture(spec);
        let rig = rig(spec, &[]);
        let renders: Vec<(Vec<f32>, usize)> = [64, 1000, 4096].map(|block| play(spec, &rig, &audio, block)).into();
        if fix.timing == Timing::OneBlock {
            // By design: the output is the input one block later, whatever the block.
            for (block, (out, channels)) in [64, 1000, 4096].into_iter().zip(&renders) {
                let expected: Vec<f32> = (0..FRAMES)
                    .flat_map(|f| {
                        let at = f.checked_sub(block);
                        [0, 1].map(|c| at.map_or(0.0, |a| audio[a * INPUT_CHANNELS + c]))
                    })
                    .collect();
                assert_eq!(*channels, 2);
                assert_eq!(difference(out, &expected), 0.0, "{}: block {block}", spec.kind);
            }
            continue;
        }
        let (first, _) = &renders[0];
        assert!(first.iter().all(|x| x.is_finite()), "{}: non-finite output", spec.kind);
        for ((out, _), block) in renders[1..].iter().zip([1000, 4096]) {
            let d = difference(first, out);
            assert!(
                d <= fix.tolerance,
                "{}: blocks of 64 and {block} frames differ by {d} (tolerance {})",
                spec.kind,
                fix.tolerance
            );
        }
    }
}

/// The value a parameter is tested at: the fixture's, else the default.
fn value_of(spec: &NodeSpec, p: &ParamSpec) -> f32 {
    fixture(spec).params.iter().find(|(n, _)| *n == p.name).map_or(p.default, |(_, v)| *v)
}

/// Renders `spec` with `param` at `value` as a constant and as a signal; asserts they agree.
fn check_paths(spec: &NodeSpec, param: &ParamSpec, value: f32, audio: &[f32]) {
    let tolerance = fixture(spec).tolerance;
    let (constant, _) = play(spec, &rig(spec, &[(param.name, Drive::Constant(value))]), audio, BLOCK);
    let (signal, _) = play(spec, &rig(spec, &[(param.name, Drive::Signal(value))]), audio, BLOCK);
    let d = difference(&constant, &signal);
    assert!(
        d <= tolerance,
        "{}: '{}' = {value} as a constant and as a signal differ by {d} (tolerance {tolerance})",
        spec.kind,
        param.name
    );
}

#[test]
fn constant_and_signal_parameters_agree() {
    let audio = input(2000, |_| 0.0);
    for spec in nodes::all() {
        for p in params_of(spec) {
            check_paths(spec, &p, value_of(spec, &p), &audio);
        }
    }
}

/// Every (kind, parameter) pair.
fn every_param() -> Vec<(&'static NodeSpec, ParamSpec)> {
    nodes::all().iter().flat_map(|s| params_of(s).into_iter().map(move |p| (*s, p))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any value in the documented range, not only the default.
    #[test]
    fn constant_and_signal_parameters_agree_anywhere_in_range(pick in any::<prop::sample::Index>(), at in 0.0f64..=1.0) {
        let params = every_param();
        let (spec, p) = params[pick.index(params.len())];
        let value = (p.min as f64 + at * (p.max as f64 - p.min as f64)) as f32;
        check_paths(spec, &p, value.clamp(p.min, p.max), &input(1000, |_| 0.0));
    }
}

#[test]
fn every_parameter_at_either_end_of_its_range_stays_finite() {
    let audio = input(3000, |_| 0.0);
    for spec in nodes::all() {
        for p in params_of(spec) {
            for value in [p.min, p.max] {
                let (out, channels) = play(spec, &rig(spec, &[(p.name, Drive::Constant(value))]), &audio, BLOCK);
                if let Some((frame, x)) = first_nonfinite(&out, channels) {
                    panic!("{}: '{}' = {value}: output {x} at frame {frame}", spec.kind, p.name);
                }
            }
        }
    }
}

#[test]
fn modulation_far_outside_the_range_stays_finite() {
    let audio = input(3000, wild);
    for spec in nodes::all() {
        // Each parameter alone, then all of them at once.
        let params = params_of(spec);
        let mut runs: Vec<Vec<(&str, Drive)>> = params.iter().map(|p| vec![(p.name, Drive::Modulation)]).collect();
        runs.push(params.iter().map(|p| (p.name, Drive::Modulation)).collect());
        for drives in runs {
            let (out, channels) = play(spec, &rig(spec, &drives), &audio, BLOCK);
            if let Some((frame, x)) = first_nonfinite(&out, channels) {
                let names: Vec<&str> = drives.iter().map(|d| d.0).collect();
                panic!("{}: modulating {names:?} far outside the range: output {x} at frame {frame}", spec.kind);
            }
        }
    }
}

#[test]
fn nan_input_costs_one_block_and_is_counted() {
    // Ten NaN frames in the fourth block (768..1024).
    let mut audio = input(FRAMES, |_| 0.0);
    for f in 1000..1010 {
        audio[f * INPUT_CHANNELS] = f32::NAN;
        audio[f * INPUT_CHANNELS + 1] = f32::NAN;
    }
    for spec in nodes::all() {
        let rig = rig(spec, &[]);
        if rig.inputs == 0 {
            continue;
        }
        let (out, channels, processor) = rig.play(&audio, FRAMES, BLOCK).unwrap();
        if let Some((frame, x)) = first_nonfinite(&out, channels) {
            assert!(frame >= 768, "{}: output {x} at frame {frame}, before the bad input", spec.kind);
        }
        if let Some((frame, x)) = first_nonfinite(&out[1024 * channels..], channels) {
            panic!("{}: output {x} at frame {}, after the bad block", spec.kind, 1024 + frame);
        }
        let repairs = processor.schedule().repairs(rig.node).unwrap();
        let counters = processor.counters();
        assert!(repairs.resets <= 1, "{}: {} resets for one bad block", spec.kind, repairs.resets);
        assert_eq!(counters.node_resets, repairs.resets, "{}: the processor counts what the node reset", spec.kind);
        if spec.kind == "meter" {
            assert_eq!(repairs.ignored, 20, "meter: ten stereo frames of NaN left out");
        }
    }
}

#[test]
fn reported_latency_is_where_an_impulse_comes_out() {
    const AT: usize = 2000;
    // Long enough for the longest latency (the stretchers': 0.18 s at 48 kHz).
    const FRAMES: usize = 12_000;
    let impulse: Vec<f32> = (0..FRAMES)
        .flat_map(|f| {
            let x = if f == AT { 1.0 } else { 0.0 };
            [x, x, 0.0]
        })
        .collect();
    for spec in nodes::all() {
        let fix = fixture(spec);
        let drives: Vec<(&str, Drive)> = fix.latency_params.iter().map(|(n, v)| (*n, Drive::Constant(*v))).collect();
        let rig = rig(spec, &drives);
        let (out, channels, processor) = rig.play(&impulse, FRAMES, BLOCK).unwrap();
        // Compiler-built kinds without a slot (input, clock) add no latency.
        let latency = processor.schedule().latency(rig.node).unwrap_or(0);
        // The first output port's first channel.
        let first = |f: usize| out[f * channels].abs();
        if fix.timing == Timing::Gate {
            // The recording's opening click, through a stretcher that smears it a little.
            let click = (0..latency + 1000).max_by(|a, b| first(*a).total_cmp(&first(*b))).unwrap();
            assert_eq!(click, latency, "{}: reports {latency} frames of latency from its gate", spec.kind);
            continue;
        }
        if rig.inputs == 0 || fix.timing != Timing::Latency {
            assert_eq!(latency, 0, "{}: a kind that passes no input on reports no latency", spec.kind);
            continue;
        }
        let peak = (0..FRAMES).max_by(|a, b| first(*a).total_cmp(&first(*b))).unwrap();
        assert!(first(peak) > 0.0, "{}: no response to an impulse", spec.kind);
        assert_eq!(
            peak - AT,
            latency,
            "{}: reports {latency} frames of latency; the impulse peaks {} frames late",
            spec.kind,
            peak as i64 - AT as i64
        );
    }
}

#[test]
fn oversized_buffers_are_refused_before_allocating() {
    let delay = |lanes: usize, max_time: f64| {
        let mut g = Graph::new();
        let osc = g.add("sine", &[], None).unwrap();
        g.set_param(osc, "freq", &vec![100.0; lanes]).unwrap();
        let d = g.add("delay", &[("max_time", OptValue::Num(max_time))], None).unwrap();
        g.connect_input(osc, "out", d, "in").unwrap();
        g.connect_output(d, "out").unwrap();
        compile(&g, &common::opts(256)).map(|_| ())
    };
    // An hour of delay on 64 lanes: 68.7 GB, which used to abort the process.
    let err = delay(64, 3600.0).unwrap_err().to_string();
    assert!(err.contains("delay#1") && err.contains("'max_time' = 3600 s on 64 lane(s)"), "{err}");
    assert!(err.contains("68.7 GB") && err.contains("at most 2.1 GB"), "{err}");
    // An hour on one lane, or a minute on 64, fit.
    delay(1, 3600.0).unwrap();
    delay(64, 60.0).unwrap();
}
