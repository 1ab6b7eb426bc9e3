//! The process loop never allocates or frees: parameter events, ramps, sub-block splits,
//! odd callback sizes, schedule swaps and the on-demand inspection (per-node timings, output
//! values) all run under an allocation checker, and so do NaN input and modulation far
//! outside every parameter's range, through every node kind.

mod common;

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use chronus_engine::schedule::{PROFILE, VALUES};
use chronus_engine::{compile, nodes, Event, EventKind, NodeEvent, Processor, Ramp};
use common::kinds::{self, Drive, Rig, INPUT_CHANNELS};
use common::{every_node_graph, one_pole_kernel, opts};

#[global_allocator]
static ALLOC: AllocDisabler = AllocDisabler;

/// C and C++ code linked into the engine (Signalsmith Stretch) allocates through `malloc`,
/// which the Rust allocator check does not see: this binary defines `malloc` and friends
/// itself, counting the calls a thread makes while it is flagged, then hands them to glibc.
mod c_heap {
    use std::cell::Cell;
    use std::ffi::c_void;

    extern "C" {
        fn __libc_malloc(size: usize) -> *mut c_void;
        fn __libc_calloc(n: usize, size: usize) -> *mut c_void;
        fn __libc_realloc(p: *mut c_void, size: usize) -> *mut c_void;
        fn __libc_free(p: *mut c_void);
    }

    // Per thread: tests run in parallel, and only the flagged thread's calls count.
    thread_local! {
        static WATCHED: Cell<bool> = const { Cell::new(false) };
        static CALLS: Cell<usize> = const { Cell::new(0) };
    }

    fn count() {
        if WATCHED.with(|w| w.get()) {
            CALLS.with(|c| c.set(c.get() + 1));
        }
    }

    #[no_mangle]
    extern "C" fn malloc(size: usize) -> *mut c_void {
        count();
        unsafe { __libc_malloc(size) }
    }
    #[no_mangle]
    extern "C" fn calloc(n: usize, size: usize) -> *mut c_void {
        count();
        unsafe { __libc_calloc(n, size) }
    }
    #[no_mangle]
    extern "C" fn realloc(p: *mut c_void, size: usize) -> *mut c_void {
        count();
        unsafe { __libc_realloc(p, size) }
    }
    #[no_mangle]
    extern "C" fn free(p: *mut c_void) {
        if !p.is_null() {
            count();
        }
        unsafe { __libc_free(p) }
    }

    /// Runs `f` with this thread's `malloc`/`free` calls counted; returns their number.
    pub fn calls_in(f: impl FnOnce()) -> usize {
        let before = CALLS.with(|c| c.get());
        WATCHED.with(|w| w.set(true));
        f();
        WATCHED.with(|w| w.set(false));
        CALLS.with(|c| c.get()) - before
    }
}

fn param(node: u32, param: u16, lane: Option<u16>, value: f32, ramp: Ramp, time: u64) -> Event {
    Event { time, kind: EventKind::Param { node, param, lane, value, ramp } }
}

#[test]
fn the_c_heap_check_sees_malloc() {
    extern "C" {
        fn strdup(s: *const std::ffi::c_char) -> *mut std::ffi::c_char;
    }
    let calls = c_heap::calls_in(|| unsafe {
        let copy = strdup(c"seen".as_ptr());
        c_heap_free(copy.cast());
    });
    assert_eq!(calls, 2, "strdup's malloc and the free");
}

fn c_heap_free(p: *mut std::ffi::c_void) {
    extern "C" {
        fn free(p: *mut std::ffi::c_void);
    }
    unsafe { free(p) }
}

#[test]
fn graph_covers_every_node_kind() {
    let (g, _) = every_node_graph();
    for spec in nodes::all() {
        assert!(g.nodes().any(|(_, n)| n.spec.kind == spec.kind), "{} is missing from the alloc test graph", spec.kind);
    }
}

#[test]
fn process_loop_does_not_allocate() {
    let (g, ids) = every_node_graph();
    let [adsr, svf, saw, biquad, delay, out, voices, kernel] = ids[..] else { unreachable!() };
    let mut schedule = compile(&g, &opts(256)).unwrap();
    let mut readers = schedule.take_inspection_readers();
    // The replacement swaps the kernel for another with the same state, which inherits it.
    let mut edited = g.clone();
    edited.set_instance(kernel, one_pole_kernel("one_pole_v2")).unwrap();
    let mut replacement = Some(Box::new(compile(&edited, &opts(256)).unwrap()));
    let mut proc = Processor::new(schedule, 1024);
    let mut buffer = vec![0.0f32; 2 * 4096];
    let mut old = None;
    reset_violation_count();
    let c_calls = c_heap::calls_in(|| {
        assert_no_alloc(|| {
            let mut t = 0u64;
            for (i, frames) in [256usize, 100, 1, 4096, 333, 256, 17, 1024].iter().cycle().take(400).enumerate() {
                let i = i as u64;
                // Gates on/off per lane, mid-block ramps, jumps, default glides, a stale lane.
                proc.push_event(param(adsr, 4, Some((i % 4) as u16), (i % 2) as f32, Ramp::Default, t + 7)).unwrap();
                proc.push_event(param(svf, 1, None, 1.0 + (i % 5) as f32, Ramp::Frames(300), t + 31)).unwrap();
                proc.push_event(param(saw, 0, Some(2), 200.0 + i as f32, Ramp::Jump, t + 3)).unwrap();
                proc.push_event(param(biquad, 2, None, (i % 12) as f32, Ramp::Default, t)).unwrap();
                proc.push_event(param(delay, 0, None, 0.005 + 0.001 * (i % 7) as f32, Ramp::Frames(50), t + 64))
                    .unwrap();
                proc.push_event(param(out, 0, None, 0.2, Ramp::Default, t.saturating_sub(10))).unwrap();
                proc.push_event(param(kernel, 0, Some(1), 0.05 * (i % 3) as f32, Ramp::Frames(40), t + 9)).unwrap();
                proc.push_event(param(9999, 0, None, 0.0, Ramp::Jump, t + 1)).unwrap();
                let note = (40 + i % 50) as u8;
                let channel = (i % 3) as u8;
                for (dt, event) in [
                    (5, NodeEvent::NoteOn { channel, note, velocity: 0.8 }),
                    (90, NodeEvent::NoteOff { channel, note: note.wrapping_sub(7) }),
                    (11, NodeEvent::Control { channel, controller: 64, value: (i % 2) as f32 }),
                    (13, NodeEvent::PitchBend { channel, value: -0.5 }),
                ] {
                    proc.push_event(Event { time: t + dt, kind: EventKind::Node { node: voices, event } }).unwrap();
                }
                if i == 100 {
                    proc.set_inspect(PROFILE | VALUES);
                }
                if i == 200 {
                    old = Some(proc.swap_schedule(replacement.take().unwrap()));
                }
                if i == 300 {
                    proc.set_inspect(VALUES);
                }
                proc.process(&mut buffer[..2 * frames], 2);
                t += *frames as u64;
            }
        })
    });
    assert_eq!(violation_count(), 0, "the audio thread allocated or freed");
    assert_eq!(c_calls, 0, "C or C++ code on the audio thread called malloc or free");
    assert!(buffer.iter().all(|x| x.is_finite()));
    assert!(buffer.iter().any(|x| *x != 0.0));
    assert!(proc.counters().late_events > 0 && proc.counters().orphan_events > 0);
    assert!(old.is_some());
    // The first schedule published its timings and values until it was swapped out.
    let published = readers[0].latest();
    assert!(published.clock > 0 && published.nodes.iter().any(|n| n.timing.passes > 0));
    assert!(published.values.iter().any(|x| *x != 0.0));
}

#[test]
fn nan_input_and_wild_modulation_do_not_allocate_in_any_kind() {
    const FRAMES: usize = 4096;
    // Modulation far outside every range on channel 2; NaN bursts and infinities in the audio.
    let mut audio = kinds::input(FRAMES, kinds::wild);
    for f in (300..FRAMES).step_by(997) {
        for x in &mut audio[f * INPUT_CHANNELS..(f + 10) * INPUT_CHANNELS] {
            *x = if f % 2 == 0 { f32::NAN } else { f32::INFINITY };
        }
    }
    for spec in nodes::all() {
        let params = kinds::params_of(spec);
        let drives: Vec<(&str, Drive)> = params.iter().map(|p| (p.name, Drive::Modulation)).collect();
        let rig = Rig::new(spec, &drives).unwrap();
        let schedule = compile(&rig.graph, &opts(256)).unwrap();
        let channels = schedule.output_channels();
        let mut proc = Processor::new(schedule, 64);
        for e in &rig.events {
            proc.push_event(*e).unwrap();
        }
        let mut out = vec![0.0f32; FRAMES * channels];
        reset_violation_count();
        assert_no_alloc(|| {
            for (o, i) in out.chunks_mut(333 * channels).zip(audio.chunks(333 * INPUT_CHANNELS)) {
                proc.process_duplex(o, channels, i, INPUT_CHANNELS);
            }
        });
        assert_eq!(violation_count(), 0, "{}: the audio thread allocated or freed", spec.kind);
    }
}

#[test]
fn aligned_clip_starts_do_not_allocate() {
    // An aligned stretcher's first start takes over the one worked out when it was built (the
    // ratio and transposition it starts at are the ones it was built with); later ones reset
    // it and run ahead through its latency (from `start` frames into its loop), or take over
    // the start worked out while the clip was idle: gates rising and falling again and again,
    // with the ratio and transposition moving, then a start after a long rest at steady
    // parameters, stay off the heap.
    let mut g = chronus_engine::Graph::new();
    let data: Vec<f32> = (0..6000).flat_map(|i| [(i as f32 * 0.05).sin(), (i as f32 * 0.07).cos()]).collect();
    let clip = common::node(
        &mut g,
        "clip",
        &[],
        &[
            ("data", chronus_engine::OptValue::Array(chronus_engine::ArrayData::new(data, 2).unwrap())),
            ("loop", chronus_engine::OptValue::Text("on".into())),
            ("start", chronus_engine::OptValue::Num(1000.0)),
            ("stretcher", chronus_engine::OptValue::Text("aligned".into())),
        ],
    );
    g.connect_output(clip, "out").unwrap();
    g.set_param(clip, "stretch", &[0.5]).unwrap();
    g.set_param(clip, "semitones", &[-3.0]).unwrap();
    let mut proc = Processor::new(compile(&g, &opts(256)).unwrap(), 1024);
    let mut buffer = vec![0.0f32; 2 * 1024];
    reset_violation_count();
    let c_calls = c_heap::calls_in(|| {
        assert_no_alloc(|| {
            let mut t = 0u64;
            for (i, frames) in [256usize, 100, 1, 1024, 333].iter().cycle().take(200).enumerate() {
                let i = i as u64;
                proc.push_event(param(clip, 0, None, (i % 3 != 2) as u8 as f32, Ramp::Jump, t + i % 50)).unwrap();
                proc.push_event(param(clip, 2, None, 0.5 + 0.1 * (i % 10) as f32, Ramp::Jump, t)).unwrap();
                proc.push_event(param(clip, 3, None, (i % 7) as f32 - 3.0, Ramp::Jump, t)).unwrap();
                proc.process(&mut buffer[..2 * frames], 2);
                t += *frames as u64;
            }
            for block in 0..200u64 {
                proc.push_event(param(clip, 0, None, !(20..120).contains(&block) as u8 as f32, Ramp::Jump, t)).unwrap();
                proc.process(&mut buffer[..2 * 256], 2);
                t += 256;
            }
        })
    });
    assert_eq!(violation_count(), 0, "an aligned start allocated or freed");
    assert_eq!(c_calls, 0, "an aligned start called malloc or free");
    assert!(buffer.iter().all(|x| x.is_finite()) && buffer.iter().any(|x| *x != 0.0));
}

#[test]
fn sampler_reads_do_not_allocate_at_any_quality() {
    use chronus_engine::{ArrayData, Graph, OptValue};
    // A stereo zone with copies (keys reach far above the root), looped with a crossfade,
    // played with its pitch swept from three octaves down to four up (through the copies,
    // the stretched tables and the reads near the loop's edges) and held steady (the
    // steady path), at every quality.
    let tone: Vec<f32> = (0..20_000).flat_map(|i| [(i as f32 * 0.05).sin(), (i as f32 * 0.31).cos()]).collect();
    let zones = vec![20_000.0, 44_100.0, 60.0, 0.0, 127.0, 0.0, 1.0, 3_000.0, 15_000.0, 500.0, 2.0];
    for quality in ["sinc", "cubic", "linear"] {
        let mut g = Graph::new();
        let lfo = common::node(&mut g, "sine", &[("freq", &[0.7])], &[]);
        // 2^(x) over x in [-3, 4]: an exponential sweep from 33 Hz to 4.2 kHz about middle C.
        let sweep = common::node(&mut g, "muladd", &[("mul", &[2_100.0]), ("add", &[2_130.0])], &[]);
        g.connect_input(lfo, "out", sweep, "in").unwrap();
        let swept = common::node(
            &mut g,
            "sampler",
            &[("gate", &[1.0])],
            &[
                ("data", OptValue::Array(ArrayData::new(tone.clone(), 2).unwrap())),
                ("zones", OptValue::Array(ArrayData::new(zones.clone(), 11).unwrap())),
                ("quality", OptValue::Text(quality.into())),
            ],
        );
        g.connect_param(sweep, "out", swept, "freq").unwrap();
        let held = common::node(
            &mut g,
            "sampler",
            &[("gate", &[1.0, 1.0, 1.0]), ("freq", &[200.0, 400.0, 2_000.0])],
            &[
                ("data", OptValue::Array(ArrayData::new(tone.clone(), 2).unwrap())),
                ("zones", OptValue::Array(ArrayData::new(zones.clone(), 11).unwrap())),
                ("quality", OptValue::Text(quality.into())),
            ],
        );
        let mix = common::node(&mut g, "sum", &[], &[("channels", OptValue::Num(2.0))]);
        g.connect_input(held, "out", mix, "in").unwrap();
        let both = common::node(&mut g, "mixer", &[], &[]);
        g.connect_input(swept, "out", both, "in1").unwrap();
        g.connect_input(mix, "out", both, "in2").unwrap();
        g.connect_output(both, "out").unwrap();
        let mut proc = Processor::new(compile(&g, &opts(256)).unwrap(), 64);
        let mut out = vec![0.0f32; 2 * 256];
        reset_violation_count();
        assert_no_alloc(|| {
            for frames in [256usize, 100, 1, 17, 255].iter().cycle().take(2_000) {
                proc.process(&mut out[..2 * frames], 2);
            }
        });
        assert_eq!(violation_count(), 0, "sampler, quality {quality}: the audio thread allocated or freed");
        assert!(out.iter().all(|x| x.is_finite()) && out.iter().any(|x| *x != 0.0), "{quality}");
    }
}
