//! What a 10,000-node edit costs the audio thread: the callback that takes the swap (and
//! the one that takes over after the crossfade) against an ordinary callback of the same
//! graph, with the migration planned on the control thread (the live engine) and matched
//! on the audio thread (a bare `Processor` given an unplanned schedule). Medians and
//! worst of 15 edits; block 256 at 48 kHz (deadline 5.33 ms).
//!
//! Run: `cargo bench -p chronus-engine --bench swap`

use std::time::{Duration, Instant};

use chronus_engine::live::{Engine, EngineConfig};
use chronus_engine::{compile, CompileOptions, Graph, Processor, Song};

#[path = "../tests/common/manual.rs"]
mod manual;
use manual::manual_config;

const BLOCK: usize = 256;
const EDITS: usize = 15;

fn config(edit_fade: f64) -> EngineConfig {
    EngineConfig { smoothing: 0.005, edit_fade, ..manual_config(2, BLOCK) }
}

/// 5,000 chains of two nodes (a sine for 30 % of them, else a constant, scaled into the
/// output): the graph of `bench/edit_worst_callback.py`.
fn graph(chains: usize) -> Graph {
    let mut g = Graph::new();
    for i in 0..chains {
        let kind = if i < chains * 3 / 10 { "sine" } else { "const" };
        let src = g.add(kind, &[], None).unwrap();
        let scale = g.add("muladd", &[], None).unwrap();
        g.set_param(scale, "mul", &[1e-5]).unwrap();
        g.connect_input(src, "out", scale, "in").unwrap();
        g.connect_output(scale, "out").unwrap();
    }
    g
}

fn add_chain(g: &mut Graph) {
    let src = g.add("sine", &[], None).unwrap();
    g.connect_output(src, "out").unwrap();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn report(what: &str, extra: Vec<f64>, normal: f64) {
    let worst = extra.iter().copied().fold(0.0, f64::max);
    println!(
        "{what}: ordinary callback {normal:.3} ms; the swap's callback adds {:.3} ms median, {worst:.3} ms worst \
         ({:.1} % of the 5.33 ms deadline at worst)",
        median(extra.clone()),
        100.0 * worst / 5.333
    );
}

/// The live engine: migration planned by `Engine::swap`; with `edit_fade`, the transition's
/// hand-over callback is timed too.
fn planned(edit_fade: f64) {
    let mut g = graph(5000);
    let (mut engine, mut side) = Engine::start_manual(&g, Song::default(), &config(edit_fade)).unwrap();
    let mut out = vec![0.0f32; 2 * BLOCK];
    let mut time = |side: &mut chronus_engine::live::AudioSide| {
        let start = Instant::now();
        side.callback(&mut out, &[]);
        ms(start.elapsed())
    };
    for _ in 0..50 {
        time(&mut side);
    }
    let (mut extra, mut normal, mut handover) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..EDITS {
        let ordinary = median((0..9).map(|_| time(&mut side)).collect());
        normal.push(ordinary);
        add_chain(&mut g);
        engine.swap(&g).unwrap();
        extra.push(time(&mut side) - ordinary);
        let fades = engine.snapshot().crossfades;
        for _ in 0..200 {
            let t = time(&mut side);
            if engine.snapshot().crossfades > fades {
                handover.push(t - ordinary);
                break;
            }
        }
    }
    let normal = median(normal);
    report(&format!("planned (live engine, edit_fade {edit_fade} s), swap"), extra, normal);
    if !handover.is_empty() {
        report(&format!("planned (live engine, edit_fade {edit_fade} s), hand-over"), handover, normal);
    }
}

/// A bare processor swapping in schedules that carry no plan: matched on the audio thread.
fn unplanned() {
    let opts = CompileOptions { samplerate: 48_000.0, max_block: BLOCK, smoothing: 0.005 };
    let mut g = graph(5000);
    let mut proc = Processor::new(compile(&g, &opts).unwrap(), 1024);
    let mut out = vec![0.0f32; 2 * BLOCK];
    let time = |proc: &mut Processor, out: &mut [f32]| {
        let start = Instant::now();
        proc.process(out, 2);
        ms(start.elapsed())
    };
    for _ in 0..50 {
        time(&mut proc, &mut out);
    }
    let (mut extra, mut normal, mut old) = (Vec::new(), Vec::new(), Vec::new());
    let (mut swap_only, mut after) = (Vec::new(), Vec::new());
    for _ in 0..EDITS {
        let ordinary = median((0..9).map(|_| time(&mut proc, &mut out)).collect());
        normal.push(ordinary);
        add_chain(&mut g);
        let next = Box::new(compile(&g, &opts).unwrap());
        let start = Instant::now();
        old.push(proc.swap_schedule(next));
        swap_only.push(ms(start.elapsed()));
        proc.process(&mut out, 2);
        extra.push(ms(start.elapsed()) - ordinary);
        after.push(time(&mut proc, &mut out) - ordinary);
    }
    report("unplanned (matched on the audio thread), swap", extra, median(normal));
    println!(
        "  of which the matching itself: {:.3} ms median; the callback after the swap's adds {:.3} ms median",
        median(swap_only),
        median(after)
    );
}

fn main() {
    planned(0.0);
    planned(0.005);
    unplanned();
}
