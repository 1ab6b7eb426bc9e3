//! Graph compiler: validates a [`Graph`], orders it (Kahn), infers channel counts, builds
//! and prepares every node, and assigns pooled buffers by liveness. Runs on the control
//! thread; the result needs no allocation to run.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{Error, Result};
use crate::graph::{Edge, Graph, NodeId, Sink};
use crate::limits;
use crate::node::{BuildCtx, Repairs};
use crate::nodes;
use crate::param::ParamState;
use crate::schedule::{
    BufRef, Fade, FadeClock, FeedbackLine, Fill, Inspector, NodeImpl, NodeSlot, ParamSource, Schedule, Signature,
    Source, Step, MAX_PARAMS, MAX_PORTS,
};
use crate::spec::{InputRule, NodeSpec};

/// Node kinds the compiler builds itself (their [`NodeSpec::build`] refuses): they need
/// what only the engine has (the block size, the device input, the transport).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// Breaks a cycle with one block of delay ([`nodes::FEEDBACK`]).
    Feedback,
    /// Reads the device input ([`nodes::INPUT`]).
    DeviceInput,
    /// Reads the transport ([`nodes::CLOCK`]).
    Clock,
}

impl Builtin {
    /// Which built-in kind `spec` is, if any (by identity of the registered spec).
    pub fn of(spec: &NodeSpec) -> Option<Builtin> {
        [(&nodes::FEEDBACK, Builtin::Feedback), (&nodes::INPUT, Builtin::DeviceInput), (&nodes::CLOCK, Builtin::Clock)]
            .into_iter()
            .find_map(|(s, b)| std::ptr::eq(s, spec).then_some(b))
    }

    /// The kind name users build it by.
    pub const fn kind(self) -> &'static str {
        match self {
            Builtin::Feedback => "feedback",
            Builtin::DeviceInput => "input",
            Builtin::Clock => "clock",
        }
    }
}

fn builtin(graph: &Graph, id: NodeId) -> Option<Builtin> {
    graph.node(id).ok().and_then(|n| Builtin::of(n.spec))
}

/// Engine settings a schedule is compiled for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompileOptions {
    /// Sample rate in Hz.
    pub samplerate: f64,
    /// Largest block in frames (16 to 4096).
    pub max_block: usize,
    /// Default glide of parameter changes in seconds (0 turns smoothing off).
    pub smoothing: f64,
}

impl CompileOptions {
    /// Checks the settings, naming the bad one.
    pub fn validate(&self) -> Result<()> {
        if !(self.samplerate.is_finite() && (1000.0..=768_000.0).contains(&self.samplerate)) {
            return Err(Error::Invalid(format!("samplerate {} Hz is outside [1000, 768000]", self.samplerate)));
        }
        if !(16..=4096).contains(&self.max_block) {
            return Err(Error::Invalid(format!("blocksize {} frames is outside [16, 4096]", self.max_block)));
        }
        if !(self.smoothing.is_finite() && (0.0..=10.0).contains(&self.smoothing)) {
            return Err(Error::Invalid(format!("smoothing {} s is outside [0, 10]", self.smoothing)));
        }
        Ok(())
    }
}

/// A vertex of the dependency graph. A feedback node is two vertices: its read (which
/// depends on nothing) and its write (which depends on what feeds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Vertex {
    FeedbackRead(NodeId),
    Node(NodeId),
    FeedbackWrite(NodeId),
    Output,
}

/// Compiles `graph` for the given settings.
pub fn compile(graph: &Graph, opts: &CompileOptions) -> Result<Schedule> {
    opts.validate()?;
    let order = order(graph)?;
    Compiler::new(graph, opts, HashMap::new()).run(&order, None)
}

/// Compiles `graph` as [`compile`] does, only to learn what it became (channels, latencies,
/// steps): nodes skip work that only playing needs (an aligned clip's first start, worked
/// out ahead), so the schedule plays as [`compile`]'s would, with those starts costlier.
pub fn compile_info(graph: &Graph, opts: &CompileOptions) -> Result<Schedule> {
    opts.validate()?;
    let order = order(graph)?;
    Compiler { plays: false, ..Compiler::new(graph, opts, HashMap::new()) }.run(&order, None)
}

/// Compiles `graph` with the edges in `fades` faded in or out over `length` frames.
pub(crate) fn compile_faded(
    graph: &Graph,
    opts: &CompileOptions,
    fades: HashMap<Edge, Fade>,
    length: usize,
) -> Result<Schedule> {
    opts.validate()?;
    let order = order(graph)?;
    Compiler::new(graph, opts, fades).run(&order, Some(FadeClock { done: 0, length: length.max(1) }))
}

fn is_feedback(graph: &Graph, id: NodeId) -> bool {
    builtin(graph, id) == Some(Builtin::Feedback)
}

fn producer(graph: &Graph, e: &Edge) -> Vertex {
    if is_feedback(graph, e.src) {
        Vertex::FeedbackRead(e.src)
    } else {
        Vertex::Node(e.src)
    }
}

fn consumer(graph: &Graph, e: &Edge) -> Vertex {
    match e.dst {
        Sink::Output => Vertex::Output,
        Sink::Input(n, _) | Sink::Param(n, _) if is_feedback(graph, n) => Vertex::FeedbackWrite(n),
        Sink::Input(n, _) | Sink::Param(n, _) => Vertex::Node(n),
    }
}

/// Topological order (Kahn). Feedback reads come first, the output last; ties go by id.
fn order(graph: &Graph) -> Result<Vec<Vertex>> {
    let mut vertices = BTreeSet::new();
    for (id, node) in graph.nodes() {
        if Builtin::of(node.spec) == Some(Builtin::Feedback) {
            vertices.insert(Vertex::FeedbackRead(id));
            vertices.insert(Vertex::FeedbackWrite(id));
        } else {
            vertices.insert(Vertex::Node(id));
        }
    }
    vertices.insert(Vertex::Output);
    let mut indegree: BTreeMap<Vertex, usize> = vertices.iter().map(|v| (*v, 0)).collect();
    let mut next: HashMap<Vertex, Vec<Vertex>> = HashMap::new();
    let mut prev: HashMap<Vertex, Vec<Vertex>> = HashMap::new();
    for e in graph.edges() {
        let (p, c) = (producer(graph, e), consumer(graph, e));
        *indegree.get_mut(&c).expect("edges only join existing nodes") += 1;
        next.entry(p).or_default().push(c);
        prev.entry(c).or_default().push(p);
    }
    let mut ready: BTreeSet<Vertex> = indegree.iter().filter(|(_, d)| **d == 0).map(|(v, _)| *v).collect();
    let mut out = Vec::with_capacity(vertices.len());
    while let Some(v) = ready.pop_first() {
        out.push(v);
        for c in next.get(&v).into_iter().flatten() {
            let d = indegree.get_mut(c).expect("vertex exists");
            *d -= 1;
            if *d == 0 {
                ready.insert(*c);
            }
        }
    }
    if out.len() == vertices.len() {
        return Ok(out);
    }
    Err(Error::Cycle(describe_cycle(graph, &indegree, &prev)))
}

/// Names the nodes of one cycle among the vertices Kahn could not order.
fn describe_cycle(graph: &Graph, indegree: &BTreeMap<Vertex, usize>, prev: &HashMap<Vertex, Vec<Vertex>>) -> String {
    let stuck = |v: &Vertex| indegree.get(v).is_some_and(|d| *d > 0);
    let mut v = *indegree.keys().find(|v| stuck(v)).expect("some vertex is stuck");
    let mut path = vec![v];
    loop {
        v = *prev[&v].iter().find(|p| stuck(p)).expect("a stuck vertex has a stuck predecessor");
        if let Some(start) = path.iter().position(|p| *p == v) {
            let mut cycle: Vec<String> = path[start..]
                .iter()
                .rev()
                .map(|v| match v {
                    Vertex::Node(id) | Vertex::FeedbackRead(id) | Vertex::FeedbackWrite(id) => graph.name(*id),
                    Vertex::Output => "output".to_owned(),
                })
                .collect();
            cycle.push(cycle[0].clone());
            return format!(
                "cycle without a feedback node: {} (close loops through a feedback node)",
                cycle.join(" -> ")
            );
        }
        path.push(v);
    }
}

struct Compiler<'g> {
    graph: &'g Graph,
    opts: CompileOptions,
    /// Channels of each produced port.
    port_channels: HashMap<(NodeId, u16), usize>,
    /// Buffer holding each produced port.
    port_buffer: HashMap<(NodeId, u16), BufRef>,
    /// Reads still to come of each produced port.
    pending_reads: HashMap<(NodeId, u16), usize>,
    /// The edges into each sink, in the order they were made.
    into: HashMap<Sink, Vec<Edge>>,
    /// Capacity in channels of each pool buffer.
    capacity: Vec<usize>,
    free: Vec<u32>,
    max_silence: usize,
    slots: Vec<NodeSlot>,
    steps: Vec<Step>,
    /// Edges a declicked edit fades in or out (empty for a plain compile).
    fades: HashMap<Edge, Fade>,
    /// Reading ends of the feature feeds built nodes write.
    feeds: Vec<(NodeId, crate::analysis::feed::FeedReader)>,
    /// Whether the schedule is compiled to play ([`compile_info`]: only to be looked at).
    plays: bool,
}

impl<'g> Compiler<'g> {
    fn new(graph: &'g Graph, opts: &CompileOptions, fades: HashMap<Edge, Fade>) -> Self {
        let mut pending_reads = HashMap::new();
        let mut into: HashMap<Sink, Vec<Edge>> = HashMap::new();
        for e in graph.edges() {
            *pending_reads.entry((e.src, e.port)).or_insert(0) += 1;
            into.entry(e.dst).or_default().push(*e);
        }
        Compiler {
            graph,
            opts: *opts,
            port_channels: HashMap::new(),
            port_buffer: HashMap::new(),
            pending_reads,
            into,
            capacity: Vec::new(),
            free: Vec::new(),
            max_silence: 1,
            slots: Vec::new(),
            steps: Vec::new(),
            fades,
            feeds: Vec::new(),
            plays: true,
        }
    }

    fn run(mut self, order: &[Vertex], fade: Option<FadeClock>) -> Result<Schedule> {
        let mut output = None;
        for v in order {
            match *v {
                Vertex::Node(id) => match builtin(self.graph, id) {
                    Some(Builtin::DeviceInput) => self.device_input(id)?,
                    Some(Builtin::Clock) => self.clock(id),
                    Some(Builtin::Feedback) | None => self.node(id)?,
                },
                Vertex::FeedbackRead(id) => self.feedback_read(id)?,
                Vertex::FeedbackWrite(id) => self.feedback_write(id)?,
                Vertex::Output => output = self.output()?,
            }
        }
        let max_block = self.opts.max_block;
        let mut index: Vec<(NodeId, u32)> = self.slots.iter().enumerate().map(|(i, s)| (s.id, i as u32)).collect();
        index.sort_unstable();
        let inspector = Inspector::new(self.slots.iter().map(|s| (s.id, s.signature.outputs.as_slice())));
        Ok(Schedule {
            inspector,
            // Every page written here, so the audio thread never faults on a new buffer.
            buffers: self.capacity.iter().map(|c| limits::resident_zeros(c * max_block)).collect(),
            fills: vec![Fill::Full; self.capacity.len()],
            silence: limits::resident_zeros(self.max_silence * max_block),
            slots: self.slots,
            steps: self.steps,
            index,
            output,
            samplerate: self.opts.samplerate,
            max_block,
            fade,
            next: None,
            origins: Vec::new(),
            generation: 0,
            plan: None,
            feeds: self.feeds,
            repairs: Repairs::default(),
        })
    }

    fn edges_into(&self, sink: Sink) -> Vec<Edge> {
        self.into.get(&sink).cloned().unwrap_or_default()
    }

    /// Channel count of a sink fed by `edges`: the widest edge; the others must be mono or
    /// equally wide.
    fn sink_channels(&self, edges: &[Edge], what: impl Fn() -> String) -> Result<usize> {
        let widths: Vec<usize> = edges.iter().map(|e| self.port_channels[&(e.src, e.port)]).collect();
        let widest = widths.iter().copied().max().unwrap_or(0);
        if let Some((e, w)) = edges.iter().zip(&widths).find(|(_, w)| **w != 1 && **w != widest) {
            return Err(Error::Invalid(format!(
                "{}: {} carries {w} channels but another signal into it carries {widest} \
                 (signals summed together must be mono or equally wide)",
                what(),
                self.graph.name(e.src),
            )));
        }
        Ok(widest)
    }

    fn alloc(&mut self, channels: usize) -> BufRef {
        let best = self
            .free
            .iter()
            .enumerate()
            .filter(|(_, id)| self.capacity[**id as usize] >= channels)
            .min_by_key(|(_, id)| self.capacity[**id as usize])
            .map(|(i, _)| i);
        let id = match best {
            Some(i) => self.free.swap_remove(i),
            None => {
                self.capacity.push(channels);
                (self.capacity.len() - 1) as u32
            }
        };
        BufRef { id, channels: channels as u32 }
    }

    fn release_port(&mut self, port: (NodeId, u16)) {
        let left = self.pending_reads.get_mut(&port).expect("every read port was counted");
        *left -= 1;
        if *left == 0 {
            let b = self.port_buffer[&port];
            self.free.push(b.id);
        }
    }

    /// Makes the signal feeding a sink available with `channels` channels: the producer's
    /// buffer itself when one edge matches, otherwise a mix into a fresh buffer.
    /// Returns the source and the temporary buffer to free after use, if any.
    fn gather(&mut self, edges: &[Edge], channels: usize) -> (Option<BufRef>, Option<u32>) {
        if edges.iter().any(|e| self.fades.contains_key(e)) {
            let srcs = edges.iter().map(|e| (self.port_buffer[&(e.src, e.port)], self.fades.get(e).copied())).collect();
            let dst = self.alloc(channels);
            self.steps.push(Step::Crossfade { dst, srcs });
            return (Some(dst), Some(dst.id));
        }
        match edges {
            [] => (None, None),
            [e] if self.port_channels[&(e.src, e.port)] == channels => (Some(self.port_buffer[&(e.src, e.port)]), None),
            _ => {
                let srcs = edges.iter().map(|e| self.port_buffer[&(e.src, e.port)]).collect();
                let dst = self.alloc(channels);
                self.steps.push(Step::Mix { dst, srcs });
                (Some(dst), Some(dst.id))
            }
        }
    }

    fn node(&mut self, id: NodeId) -> Result<()> {
        let graph = self.graph;
        let desc = graph.node(id)?;
        let spec = desc.spec;
        let (spec_inputs, spec_outputs, spec_params) = (desc.inputs(), desc.outputs(), desc.params());
        let name = graph.name(id);
        assert!(spec_inputs.len() <= MAX_PORTS && spec_outputs.len() <= MAX_PORTS && spec_params.len() <= MAX_PARAMS);

        let input_edges: Vec<Vec<Edge>> =
            (0..spec_inputs.len()).map(|i| self.edges_into(Sink::Input(id, i as u16))).collect();
        let param_edges: Vec<Vec<Edge>> =
            (0..spec_params.len()).map(|i| self.edges_into(Sink::Param(id, i as u16))).collect();
        let mut input_widths = Vec::new();
        for (i, edges) in input_edges.iter().enumerate() {
            input_widths.push(self.sink_channels(edges, || format!("{name} input '{}'", spec_inputs[i].name))?);
        }
        let mut param_widths = Vec::new();
        for (i, edges) in param_edges.iter().enumerate() {
            let w = if edges.is_empty() {
                desc.params[i].len()
            } else {
                self.sink_channels(edges, || format!("{name} parameter '{}'", spec_params[i].name))?
            };
            param_widths.push(w);
        }
        let lanes = input_widths.iter().chain(&param_widths).copied().max().unwrap_or(1).max(1);
        for (i, w) in param_widths.iter().enumerate() {
            if *w != 1 && *w != lanes {
                return Err(Error::Invalid(format!(
                    "{name}: parameter '{}' has {w} lanes but the node runs {lanes} (give 1 or {lanes})",
                    spec_params[i].name
                )));
            }
        }
        let input_channels: Vec<usize> = match spec.input_rule {
            InputRule::Broadcast => {
                if let Some((i, w)) = input_widths.iter().enumerate().find(|(_, w)| **w > 1 && **w != lanes) {
                    return Err(Error::Invalid(format!(
                        "{name}: input '{}' carries {w} channels but the node runs {lanes} lanes",
                        spec_inputs[i].name
                    )));
                }
                vec![lanes; spec_inputs.len()]
            }
            InputRule::AsIs => input_widths.iter().map(|w| (*w).max(1)).collect(),
        };

        let connected: Vec<bool> = input_edges.iter().map(|e| !e.is_empty()).collect();
        let mut built = (spec.build)(&BuildCtx {
            spec,
            name: &name,
            samplerate: self.opts.samplerate,
            max_block: self.opts.max_block,
            lanes,
            input_channels: &input_channels,
            connected: &connected,
            options: &desc.options,
            params: &desc.params,
            plays: self.plays,
            instance: desc.instance.as_ref(),
        })?;
        debug_assert_eq!(built.output_channels.len(), spec_outputs.len());

        let mut temps = Vec::new();
        let mut inputs = Vec::new();
        for (edges, ch) in input_edges.iter().zip(&input_channels) {
            let (src, temp) = self.gather(edges, *ch);
            temps.extend(temp);
            self.max_silence = self.max_silence.max(*ch);
            inputs.push(src.map_or(Source::Silence(*ch as u32), Source::Buf));
        }
        let mut params = Vec::new();
        for edges in &param_edges {
            let (src, temp) = self.gather(edges, lanes);
            temps.extend(temp);
            params.push(src.map_or(ParamSource::Own, ParamSource::Signal));
        }
        let mut outputs = Vec::new();
        for (port, ch) in built.output_channels.iter().enumerate() {
            let b = self.alloc(*ch);
            self.port_channels.insert((id, port as u16), *ch);
            self.port_buffer.insert((id, port as u16), b);
            outputs.push(b);
        }
        let smooth = (self.opts.smoothing * self.opts.samplerate).round() as u32;
        let param_states = spec_params
            .iter()
            .zip(&desc.params)
            .map(|(p, values)| {
                ParamState::new(p, values, lanes, self.opts.max_block, if p.smooth { smooth } else { 0 })
            })
            .collect();
        self.steps.push(Step::Node {
            slot: self.slots.len() as u32,
            inputs: inputs.into(),
            outputs: outputs.into(),
            params: params.into(),
        });
        if let Some(feed) = built.node.take_feed() {
            self.feeds.push((id, feed));
        }
        self.slots.push(NodeSlot {
            id,
            latency: built.node.latency(),
            imp: NodeImpl::Dsp(built.node),
            params: param_states,
            repairs: Repairs::default(),
            signature: Signature {
                kind: spec.kind,
                options: desc.options.clone(),
                lanes,
                inputs: input_channels,
                connected,
                outputs: built.output_channels.clone(),
                instance: desc.instance.clone(),
            },
        });

        self.free.extend(temps);
        for e in input_edges.iter().chain(&param_edges).flatten() {
            self.release_port((e.src, e.port));
        }
        for port in 0..spec_outputs.len() as u16 {
            if !self.pending_reads.contains_key(&(id, port)) {
                self.free.push(self.port_buffer[&(id, port)].id);
            }
        }
        Ok(())
    }

    /// A numeric option of a compiler-built node.
    fn option(&self, id: NodeId, name: &str) -> Result<f64> {
        let desc = self.graph.node(id)?;
        let probe = BuildCtx {
            spec: desc.spec,
            name: "",
            samplerate: self.opts.samplerate,
            max_block: self.opts.max_block,
            lanes: 1,
            input_channels: &[],
            connected: &[],
            options: &desc.options,
            params: &desc.params,
            plays: self.plays,
            instance: None,
        };
        Ok(probe.num(name))
    }

    fn feedback_channels(&self, id: NodeId) -> Result<usize> {
        Ok(self.option(id, "channels")? as usize)
    }

    fn clock(&mut self, id: NodeId) {
        let outputs: [BufRef; 4] = std::array::from_fn(|port| {
            let b = self.alloc(1);
            self.port_channels.insert((id, port as u16), 1);
            self.port_buffer.insert((id, port as u16), b);
            b
        });
        self.steps.push(Step::Clock { outputs });
        for (port, b) in outputs.iter().enumerate() {
            if !self.pending_reads.contains_key(&(id, port as u16)) {
                self.free.push(b.id);
            }
        }
    }

    fn device_input(&mut self, id: NodeId) -> Result<()> {
        let channels = self.option(id, "channels")? as usize;
        let first = self.option(id, "offset")? as u32;
        let out = self.alloc(channels);
        self.port_channels.insert((id, 0), channels);
        self.port_buffer.insert((id, 0), out);
        self.steps.push(Step::DeviceInput { first, out });
        if !self.pending_reads.contains_key(&(id, 0)) {
            self.free.push(out.id);
        }
        Ok(())
    }

    fn feedback_read(&mut self, id: NodeId) -> Result<()> {
        let channels = self.feedback_channels(id)?;
        let out = self.alloc(channels);
        self.port_channels.insert((id, 0), channels);
        self.port_buffer.insert((id, 0), out);
        let slot = self.slots.len() as u32;
        self.steps.push(Step::FeedbackRead { slot, out });
        self.slots.push(NodeSlot {
            id,
            imp: NodeImpl::Feedback(FeedbackLine::new(channels, self.opts.max_block)),
            params: Vec::new(),
            signature: Signature {
                kind: Builtin::Feedback.kind(),
                options: self.graph.node(id)?.options.clone(),
                lanes: channels,
                inputs: vec![channels],
                connected: vec![true],
                outputs: vec![channels],
                instance: None,
            },
            latency: 0,
            repairs: Repairs::default(),
        });
        if !self.pending_reads.contains_key(&(id, 0)) {
            self.free.push(out.id);
        }
        Ok(())
    }

    fn feedback_write(&mut self, id: NodeId) -> Result<()> {
        let channels = self.feedback_channels(id)?;
        let name = self.graph.name(id);
        let edges = self.edges_into(Sink::Input(id, 0));
        let width = self.sink_channels(&edges, || format!("{name} input 'in'"))?;
        if width > 1 && width != channels {
            return Err(Error::Invalid(format!(
                "{name}: input carries {width} channels but the feedback node has {channels} (set channels={width})"
            )));
        }
        let (src, temp) = self.gather(&edges, channels);
        let slot = self.slots.iter().position(|s| s.id == id).expect("read vertex came first") as u32;
        self.max_silence = self.max_silence.max(channels);
        self.steps.push(Step::FeedbackWrite { slot, input: src.map_or(Source::Silence(channels as u32), Source::Buf) });
        self.free.extend(temp);
        for e in &edges {
            self.release_port((e.src, e.port));
        }
        Ok(())
    }

    fn output(&mut self) -> Result<Option<BufRef>> {
        let edges = self.edges_into(Sink::Output);
        let channels = self.sink_channels(&edges, || "graph output".to_owned())?;
        let (src, _) = self.gather(&edges, channels);
        Ok(src)
    }
}
