//! Engine overhead per block: the audio callback with an empty graph, and with 100 trivial
//! nodes (a chain of `muladd`), through the real live path (command queue drained, stats
//! and meters published). Prints ns per block and ns per node, median of 5 runs. Two more
//! chains have a parameter of every node modulated by a signal, in range and outside it,
//! which is what holding modulation to each parameter's range costs.
//!
//! Run: `cargo bench -p chronus-engine --bench overhead`

use std::time::Instant;

use chronus_engine::live::{Engine, EngineConfig};
use chronus_engine::{Graph, Song};

#[path = "../tests/common/manual.rs"]
mod manual;
use manual::manual_config;

const BLOCK: usize = 256;
const BLOCKS: usize = 20_000;
const RUNS: usize = 5;

fn config() -> EngineConfig {
    EngineConfig { smoothing: 0.005, edit_fade: 0.005, ..manual_config(2, BLOCK) }
}

fn chain(nodes: usize) -> Graph {
    let mut g = Graph::new();
    let mut prev = g.add("const", &[], None).unwrap();
    for _ in 1..nodes {
        let next = g.add("muladd", &[], None).unwrap();
        g.connect_input(prev, "out", next, "in").unwrap();
        prev = next;
    }
    if nodes > 0 {
        g.connect_output(prev, "out").unwrap();
    }
    g
}

/// A chain of 100 `gain` nodes whose gain (range -200..60 dB) follows one signal, a sine
/// swinging `centre` +- 1 dB.
fn modulated_chain(centre: f32) -> Graph {
    let mut g = Graph::new();
    let lfo = g.add("sine", &[], None).unwrap();
    g.set_param(lfo, "freq", &[0.5]).unwrap();
    let db = g.add("muladd", &[], None).unwrap();
    g.set_param(db, "add", &[centre]).unwrap();
    g.connect_input(lfo, "out", db, "in").unwrap();
    let mut prev = g.add("const", &[], None).unwrap();
    g.set_param(prev, "value", &[0.1]).unwrap();
    for _ in 0..100 {
        let next = g.add("gain", &[], None).unwrap();
        g.connect_input(prev, "out", next, "in").unwrap();
        g.connect_param(db, "out", next, "gain").unwrap();
        prev = next;
    }
    g.connect_output(prev, "out").unwrap();
    g
}

/// Median nanoseconds per callback of `BLOCK` frames.
fn ns_per_block(graph: &Graph) -> f64 {
    let mut runs: Vec<f64> = (0..RUNS)
        .map(|_| {
            let (_engine, mut side) = Engine::start_manual(graph, Song::default(), &config()).unwrap();
            let mut out = vec![0.0f32; 2 * BLOCK];
            for _ in 0..1000 {
                side.callback(&mut out, &[]);
            }
            let start = Instant::now();
            for _ in 0..BLOCKS {
                side.callback(&mut out, &[]);
            }
            start.elapsed().as_nanos() as f64 / BLOCKS as f64
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[RUNS / 2]
}

fn main() {
    let empty = ns_per_block(&chain(0));
    let hundred = ns_per_block(&chain(100));
    let in_range = ns_per_block(&modulated_chain(0.0));
    let clamped = ns_per_block(&modulated_chain(100.0));
    let deadline_ns = BLOCK as f64 / 48_000.0 * 1e9;
    println!("engine overhead, {BLOCK}-frame blocks at 48 kHz, median of {RUNS} x {BLOCKS} blocks");
    println!(
        "  empty graph      : {empty:9.0} ns per block ({:.4}% of the {deadline_ns:.0} ns deadline)",
        100.0 * empty / deadline_ns
    );
    println!("  100 trivial nodes: {hundred:9.0} ns per block",);
    println!(
        "  per node         : {:9.1} ns per block ({:.3} ns per frame)",
        (hundred - empty) / 100.0,
        (hundred - empty) / 100.0 / BLOCK as f64
    );
    println!("  100 gains, modulated in range    : {in_range:9.0} ns per block");
    println!("  100 gains, modulated out of range: {clamped:9.0} ns per block");
}
