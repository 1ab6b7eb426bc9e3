//! Declicked edits. Swapping a new schedule in at a block boundary keeps every surviving
//! node's state, but a connection that appears or disappears would still step the signal
//! it carries. So an edit first plays a *transition*: one schedule holding the nodes of
//! both graphs, in which every audio edge the edit adds fades in and every edge it removes
//! fades out (complementary raised cosines over a few milliseconds). Once the fade is
//! done the edited graph's own schedule takes over, and the removed nodes go with the
//! transition back to the control thread.
//!
//! Fades apply to edges into audio inputs and into the graph output whose destination is
//! in both graphs; a new node's own inputs and a removed node's inputs stay as they are,
//! so it sounds normally while it fades. Modulation edges are not faded: a parameter
//! takes its new source at once (as a jump in the value the user wired in).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::compile::{compile_faded, CompileOptions};
use crate::error::Result;
use crate::graph::{Edge, Graph, NodeId, Sink};
use crate::schedule::{Fade, Schedule};

/// The schedule that crossfades from `old` to `new` over `length` frames and then hands
/// over to `then` (the compiled `new`); None when no audio edge changes, so `then` can be
/// swapped in directly. Fails when the two graphs cannot play together (their union has
/// a cycle, or a sink would sum unequal widths).
pub fn compile_transition(
    old: &Graph,
    new: &Graph,
    opts: &CompileOptions,
    length: usize,
) -> Result<Option<Transition>> {
    let Some(Union { graph, fades, renamed }) = union(old, new) else { return Ok(None) };
    let mut schedule = compile_faded(&graph, opts, fades, length)?;
    schedule.origins = renamed.into_iter().map(|(old_id, id)| (id, old_id)).collect();
    schedule.origins.sort_unstable();
    Ok(Some(Transition(schedule)))
}

/// A compiled crossfade between two graphs, waiting for the schedule it leads to.
pub struct Transition(Schedule);

impl Transition {
    /// The crossfade schedule itself (to stamp and plan it before it leads anywhere).
    pub(crate) fn schedule_mut(&mut self) -> &mut Schedule {
        &mut self.0
    }

    /// The schedule to swap in: this crossfade, then `next` with every surviving node's
    /// state (taken over at the first block boundary after the fade).
    pub fn then(mut self, next: Box<Schedule>) -> Schedule {
        self.0.next = Some(next);
        self.0
    }
}

/// Both graphs in one.
struct Union {
    graph: Graph,
    /// The fade of each edge that differs.
    fades: HashMap<Edge, Fade>,
    /// Old nodes whose id the edit gave to a different node (another kind or other
    /// options, as when a patch file run again builds its nodes differently), with the
    /// fresh id each plays under in the union.
    renamed: Vec<(NodeId, NodeId)>,
}

/// The graph holding both `old` and `new` and the fade of each edge that differs; None
/// when every audio edge is the same in both.
fn union(old: &Graph, new: &Graph) -> Option<Union> {
    let same_node = |id: NodeId| match (old.node(id), new.node(id)) {
        (Ok(a), Ok(b)) => a.spec.kind == b.spec.kind && a.options == b.options && a.instance == b.instance,
        _ => false,
    };
    let free = old.nodes().chain(new.nodes()).map(|(id, _)| id + 1).max().unwrap_or(0);
    let renamed: Vec<(NodeId, NodeId)> = old
        .nodes()
        .filter(|(id, _)| new.node(*id).is_ok() && !same_node(*id))
        .zip(free..)
        .map(|((id, _), fresh)| (id, fresh))
        .collect();
    let rename: HashMap<NodeId, NodeId> = renamed.iter().copied().collect();
    let old_id = |id: NodeId| rename.get(&id).copied().unwrap_or(id);
    let old_edges: Vec<Edge> = old
        .edges()
        .iter()
        .map(|e| Edge {
            src: old_id(e.src),
            port: e.port,
            dst: match e.dst {
                Sink::Input(n, i) => Sink::Input(old_id(n), i),
                Sink::Param(n, i) => Sink::Param(old_id(n), i),
                Sink::Output => Sink::Output,
            },
        })
        .collect();

    // Fade where the destination plays on in both graphs; a node the edit adds or removes
    // keeps its own inputs as they are, so it sounds normally while it fades.
    let faded = |e: &Edge| match e.dst {
        Sink::Output => true,
        Sink::Input(n, _) => same_node(n),
        Sink::Param(..) => false,
    };
    let in_old: HashSet<Edge> = old_edges.iter().copied().collect();
    let in_new: HashSet<Edge> = new.edges().iter().copied().collect();
    let mut fades = HashMap::new();
    for e in new.edges().iter().filter(|e| faded(e) && !in_old.contains(e)) {
        fades.insert(*e, Fade::In);
    }
    let mut edges = new.edges().to_vec();
    for e in old_edges.iter().filter(|e| !in_new.contains(e)) {
        if faded(e) {
            fades.insert(*e, Fade::Out);
            edges.push(*e);
        } else if e.dst.node().is_some_and(|n| new.node(n).is_err()) {
            // Into a node the edit removes (or renamed): it plays on as it was.
            edges.push(*e);
        }
    }
    if fades.is_empty() {
        return None;
    }
    let mut nodes: BTreeMap<NodeId, _> = old.nodes().map(|(id, n)| (old_id(id), n.clone())).collect();
    nodes.extend(new.nodes().map(|(id, n)| (id, n.clone())));
    Some(Union { graph: Graph::from_parts(nodes, edges), fades, renamed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> CompileOptions {
        CompileOptions { samplerate: 48_000.0, max_block: 64, smoothing: 0.0 }
    }

    fn constant(g: &mut Graph, value: f32) -> NodeId {
        let id = g.add("const", &[], None).unwrap();
        g.set_param(id, "value", &[value]).unwrap();
        id
    }

    /// Runs `schedule` for `frames` frames in blocks of 64 and returns its mono output.
    fn play(schedule: &mut Schedule, frames: usize) -> Vec<f32> {
        let mut out = Vec::new();
        for _ in 0..frames / 64 {
            schedule.run(64, &[], 0, (None, 0));
            out.extend_from_slice(schedule.output(64).unwrap());
        }
        out
    }

    #[test]
    fn an_unchanged_wiring_needs_no_transition() {
        let mut g = Graph::new();
        let c = constant(&mut g, 0.5);
        g.connect_output(c, "out").unwrap();
        let mut edited = g.clone();
        edited.set_param(c, "value", &[0.25]).unwrap();
        assert!(union(&g, &edited).is_none());
    }

    #[test]
    fn removed_and_added_sources_fade_along_complementary_raised_cosines() {
        let mut old = Graph::new();
        let a = constant(&mut old, 1.0);
        old.connect_output(a, "out").unwrap();
        let mut new = old.clone();
        new.remove(a).unwrap();
        let b = constant(&mut new, 0.5);
        new.connect_output(b, "out").unwrap();

        let then = Box::new(crate::compile::compile(&new, &opts()).unwrap());
        let mut t = compile_transition(&old, &new, &opts(), 256).unwrap().unwrap().then(then);
        let out = play(&mut t, 320);
        for (n, y) in out.iter().enumerate() {
            let g_in = 0.5 - 0.5 * (std::f64::consts::PI * (n.min(256) as f64 / 256.0)).cos();
            let want = (1.0 - g_in) * 1.0 + g_in * 0.5;
            assert!((*y as f64 - want).abs() < 1e-6, "frame {n}: {y} vs {want}");
        }
        assert!(t.transition_finished());
    }

    #[test]
    fn a_union_with_a_cycle_is_refused() {
        let mut old = Graph::new();
        let a = old.add("muladd", &[], None).unwrap();
        let b = old.add("muladd", &[], None).unwrap();
        let mut new = old.clone();
        old.connect_input(a, "out", b, "in").unwrap();
        old.connect_output(b, "out").unwrap();
        new.connect_input(b, "out", a, "in").unwrap();
        new.connect_output(a, "out").unwrap();
        assert!(compile_transition(&old, &new, &opts(), 256).is_err());
    }

    #[test]
    fn a_node_whose_id_now_names_another_node_plays_on_under_a_fresh_id() {
        // A patch file run again can give id 0 to another kind of node: the old one must
        // fade out from where it was, not restart, while the new one fades in.
        let mut old = Graph::new();
        let sine = old.add("sine", &[], None).unwrap();
        old.set_param(sine, "freq", &[440.0]).unwrap();
        old.connect_output(sine, "out").unwrap();
        let mut new = Graph::new();
        let saw = new.add("saw", &[], None).unwrap();
        new.connect_output(saw, "out").unwrap();
        assert_eq!(sine, saw);

        let mut playing = crate::compile::compile(&old, &opts()).unwrap();
        play(&mut playing, 640);
        let then = Box::new(crate::compile::compile(&new, &opts()).unwrap());
        let mut t = compile_transition(&old, &new, &opts(), 256).unwrap().unwrap().then(then);
        t.migrate_from(&mut playing);
        let out = play(&mut t, 64);
        let expected = (std::f64::consts::TAU * 440.0 * 640.0 / 48_000.0).sin();
        assert!((out[0] as f64 - expected).abs() < 1e-4, "{} vs {expected}", out[0]);
    }
}
