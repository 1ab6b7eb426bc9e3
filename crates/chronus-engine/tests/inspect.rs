//! Looking inside a running schedule: the output values it publishes are the last frames
//! the nodes wrote, the per-node timings count every pass and find the expensive node, they
//! carry across an edit, and a live engine reads them back after swaps.

mod common;

use chronus_engine::live::{Engine, EngineConfig};
use chronus_engine::schedule::{PROFILE, VALUES};
use chronus_engine::{compile, Graph, NodeId, OptValue, Processor, Song};
use common::manual::manual_config;
use common::{node, opts};

/// A sine at 1 kHz straight to the output, a constant 0.25, and a 64-lane filter bank.
fn graph(level: f32) -> (Graph, [NodeId; 3]) {
    let mut g = Graph::new();
    let sine = node(&mut g, "sine", &[("freq", &[1000.0])], &[]);
    let level = node(&mut g, "const", &[("value", &[level])], &[]);
    let freqs: Vec<f32> = (0..64).map(|i| 100.0 + 10.0 * i as f32).collect();
    let bank = node(&mut g, "saw", &[("freq", &freqs)], &[]);
    let filter = node(&mut g, "svf", &[("cutoff", &[800.0])], &[("mode", OptValue::Text("lowpass".into()))]);
    g.connect_input(bank, "out", filter, "in").unwrap();
    let sink = node(&mut g, "gain", &[], &[]);
    g.connect_input(filter, "out", sink, "in").unwrap();
    g.connect_param(level, "out", sink, "gain").unwrap();
    g.connect_output(sine, "out").unwrap();
    (g, [sine, level, filter])
}

#[test]
fn values_are_the_last_frame_each_node_wrote() {
    let (g, [sine, level, filter]) = graph(0.25);
    let mut schedule = compile(&g, &opts(256)).unwrap();
    let mut reader = schedule.take_inspection_readers().remove(0);
    let mut proc = Processor::new(schedule, 64);
    let mut out = vec![0.0f32; 256];
    proc.process(&mut out[..100], 1);
    assert_eq!(reader.latest().clock, 0, "nothing is published before it is asked for");
    proc.set_inspect(VALUES);
    for frames in [100usize, 256, 1, 37] {
        proc.process(&mut out[..frames], 1);
        assert_eq!(reader.latest().clock, proc.clock());
        assert_eq!(reader.values(sine, 0).unwrap(), &out[frames - 1..frames]);
        assert_eq!(reader.values(level, 0).unwrap(), &[0.25]);
        assert_eq!(reader.values(filter, 0).unwrap().len(), 64);
    }
    assert!(reader.values(filter, 1).is_none() && reader.values(9999, 0).is_none());
}

#[test]
fn timings_count_every_pass_find_the_expensive_node_and_survive_an_edit() {
    let (g, [_, level, filter]) = graph(0.25);
    let mut schedule = compile(&g, &opts(256)).unwrap();
    let mut reader = schedule.take_inspection_readers().remove(0);
    let mut proc = Processor::new(schedule, 64);
    let mut out = vec![0.0f32; 256];
    proc.set_inspect(PROFILE);
    for _ in 0..50 {
        proc.process(&mut out, 1);
    }
    let timing = |reader: &mut chronus_engine::schedule::InspectionReader, id: NodeId| {
        reader.latest().nodes.iter().find(|n| n.id == id).unwrap().timing
    };
    let (bank, cheap) = (timing(&mut reader, filter), timing(&mut reader, level));
    assert_eq!((bank.passes, cheap.passes), (50, 50));
    assert!(bank.worst_ns * 50 >= bank.total_ns && bank.total_ns > 0);
    assert!(bank.total_ns > 5 * cheap.total_ns, "64-lane filter {bank:?} vs constant {cheap:?}");
    // The same graph compiled again takes the nodes' state, timings included.
    let mut again = Box::new(compile(&g, &opts(256)).unwrap());
    let mut next = again.take_inspection_readers().remove(0);
    drop(proc.swap_schedule(again));
    proc.process(&mut out, 1);
    assert_eq!(timing(&mut next, filter).passes, 51);
    // Switched off and on again, timing starts from zero.
    proc.set_inspect(0);
    proc.process(&mut out, 1);
    proc.set_inspect(PROFILE);
    proc.process(&mut out, 1);
    assert_eq!(timing(&mut next, filter).passes, 1);
}

#[test]
fn a_live_engine_reads_outputs_across_swaps() {
    let config = EngineConfig { command_capacity: 16, event_capacity: 64, ..manual_config(1, 256) };

    let (g, [_, level, _]) = graph(0.25);
    let (mut engine, mut side) = Engine::start_manual(&g, Song::default(), &config).unwrap();
    let mut out = vec![0.0f32; 256];
    side.callback(&mut out, &[]);
    assert_eq!(engine.inspection().unwrap().clock, 0);
    engine.inspect(VALUES | PROFILE).unwrap();
    side.callback(&mut out, &[]);
    assert_eq!(engine.read_output(level, 0), Some((512, vec![0.25])));
    let (edited, _) = graph(0.75);
    engine.swap(&edited).unwrap();
    side.callback(&mut out, &[]);
    assert_eq!(engine.read_output(level, 0), Some((768, vec![0.75])));
    let inspection = engine.inspection().unwrap();
    assert_eq!(inspection.clock, 768);
    assert!(inspection.nodes.iter().all(|n| n.timing.passes >= 1));
    assert_eq!(engine.read_output(9999, 0), None);
}
