//! The editable description of a patch: nodes, their constant parameters and the edges
//! between them. It lives on the control thread; [`crate::compile::compile`] turns it into a
//! [`crate::schedule::Schedule`] for the audio thread.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::nodes;
use crate::schedule::{MAX_PARAMS, MAX_PORTS};
use crate::spec::{ArrayData, InstanceRef, NodeSpec, OptDefault, OptValue, ParamSpec, PortSpec};

/// Stable identity of a node; survives edits, so state can follow it into a new schedule.
pub type NodeId = u32;

/// One node of the description.
#[derive(Debug, Clone)]
pub struct NodeDesc {
    /// Its kind.
    pub spec: &'static NodeSpec,
    /// Options in spec order, defaults filled in.
    pub options: Vec<OptValue>,
    /// Constant value of each parameter, one per lane (or one for all lanes).
    pub params: Vec<Vec<f32>>,
    /// Optional user-given name used in messages.
    pub label: Option<String>,
    /// Ports and parameters the node declares for itself (a kernel's), in place of its
    /// kind's; read them through [`NodeDesc::inputs`], [`NodeDesc::outputs`] and
    /// [`NodeDesc::params`].
    pub instance: Option<InstanceRef>,
}

impl NodeDesc {
    /// Audio inputs: the instance's, else the kind's.
    pub fn inputs(&self) -> &[PortSpec] {
        self.instance.as_ref().map_or(self.spec.inputs, |i| &i.inputs)
    }

    /// Audio outputs: the instance's, else the kind's.
    pub fn outputs(&self) -> &[PortSpec] {
        self.instance.as_ref().map_or(self.spec.outputs, |i| &i.outputs)
    }

    /// Parameters: the instance's, else the kind's.
    pub fn params(&self) -> &[ParamSpec] {
        self.instance.as_ref().map_or(self.spec.params, |i| &i.params)
    }
}

/// Where an edge ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sink {
    /// An audio input port of a node.
    Input(NodeId, u16),
    /// A parameter of a node (modulation: the signal replaces the constant).
    Param(NodeId, u16),
    /// The graph's output.
    Output,
}

/// A connection from an output port to a sink. Several edges into one sink are summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edge {
    /// Source node.
    pub src: NodeId,
    /// Output port index of the source.
    pub port: u16,
    /// Destination.
    pub dst: Sink,
}

/// A patch description: nodes plus edges.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: BTreeMap<NodeId, NodeDesc>,
    edges: Vec<Edge>,
    next_id: NodeId,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node of `kind` with the given options (others take their defaults).
    pub fn add(&mut self, kind: &str, options: &[(&str, OptValue)], label: Option<&str>) -> Result<NodeId> {
        if kind == crate::kernel::KIND {
            return Err(Error::Invalid(format!(
                "{kind} nodes are added with their compiled code (Graph::add_instance; from Python, g.kernel(...))"
            )));
        }
        self.insert(kind, options, None, label)
    }

    /// Adds a node of `kind` that declares its own ports and parameters (a kernel, see
    /// [`crate::kernel::instance`]); its parameters start at their defaults.
    pub fn add_instance(&mut self, kind: &str, instance: InstanceRef, label: Option<&str>) -> Result<NodeId> {
        if kind != crate::kernel::KIND {
            return Err(Error::Invalid(format!(
                "{kind} nodes take no instance (only {} nodes do)",
                crate::kernel::KIND
            )));
        }
        check_instance(kind, &instance)?;
        self.insert(kind, &[], Some(instance), label)
    }

    fn insert(
        &mut self,
        kind: &str,
        options: &[(&str, OptValue)],
        instance: Option<InstanceRef>,
        label: Option<&str>,
    ) -> Result<NodeId> {
        let spec = nodes::spec(kind).ok_or_else(|| {
            let known: Vec<_> = nodes::all().iter().map(|s| s.kind).collect();
            Error::Unknown(format!("unknown node kind '{kind}' (known: {})", known.join(", ")))
        })?;
        self.insert_spec(spec, options, instance, label)
    }

    /// Adds a node of a kind that is not in the registry ([`nodes::all`]): one a host
    /// defines for itself, or a test's.
    pub fn add_spec(
        &mut self,
        spec: &'static NodeSpec,
        options: &[(&str, OptValue)],
        label: Option<&str>,
    ) -> Result<NodeId> {
        self.insert_spec(spec, options, None, label)
    }

    fn insert_spec(
        &mut self,
        spec: &'static NodeSpec,
        options: &[(&str, OptValue)],
        instance: Option<InstanceRef>,
        label: Option<&str>,
    ) -> Result<NodeId> {
        let id = self.next_id;
        let name = label.map_or_else(|| format!("{}#{id}", spec.kind), str::to_owned);
        let options = resolve_options(spec, &name, options)?;
        let mut desc = NodeDesc { spec, options, params: Vec::new(), label: label.map(str::to_owned), instance };
        desc.params = desc.params().iter().map(|p| vec![p.default]).collect();
        self.nodes.insert(id, desc);
        self.next_id += 1;
        Ok(id)
    }

    /// Gives node `id` another instance of the same shape (a kernel swapped for another,
    /// at the next compile). Inputs and outputs must keep their counts, so every audio
    /// edge stays; parameters are matched by name: those the new instance keeps keep
    /// their values and modulation, those it drops lose their edges, new ones start at
    /// their defaults.
    pub fn set_instance(&mut self, id: NodeId, instance: InstanceRef) -> Result<()> {
        let name = self.name(id);
        let desc = self.node(id)?;
        if desc.instance.is_none() {
            return Err(Error::Invalid(format!("{name} is a {} node, which takes no instance", desc.spec.kind)));
        }
        check_instance(desc.spec.kind, &instance)?;
        let (ins, outs) = (desc.inputs().len(), desc.outputs().len());
        if instance.inputs.len() != ins || instance.outputs.len() != outs {
            return Err(Error::Invalid(format!(
                "{name}: the replacement has {} inputs and {} outputs where the node has {ins} and {outs} \
                 (add a new node to change them)",
                instance.inputs.len(),
                instance.outputs.len()
            )));
        }
        let old = desc.params();
        let moved: Vec<Option<usize>> =
            old.iter().map(|p| instance.params.iter().position(|q| q.name == p.name)).collect();
        let params = instance
            .params
            .iter()
            .map(|p| match old.iter().position(|q| q.name == p.name) {
                Some(i) => desc.params[i].clone(),
                None => vec![p.default],
            })
            .collect();
        self.edges = std::mem::take(&mut self.edges)
            .into_iter()
            .filter_map(|mut e| {
                if let Sink::Param(n, i) = e.dst {
                    if n == id {
                        e.dst = Sink::Param(n, moved[i as usize]? as u16);
                    }
                }
                Some(e)
            })
            .collect();
        let desc = self.nodes.get_mut(&id).expect("checked above");
        desc.params = params;
        desc.instance = Some(instance);
        Ok(())
    }

    /// A graph of exactly these nodes and edges (every edge must join two of the nodes).
    pub(crate) fn from_parts(nodes: BTreeMap<NodeId, NodeDesc>, edges: Vec<Edge>) -> Graph {
        let next_id = nodes.keys().next_back().map_or(0, |id| id + 1);
        Graph { nodes, edges, next_id }
    }

    /// Removes a node and every edge touching it.
    pub fn remove(&mut self, id: NodeId) -> Result<()> {
        self.node(id)?;
        self.nodes.remove(&id);
        self.edges.retain(|e| e.src != id && e.dst.node() != Some(id));
        Ok(())
    }

    /// The node `id`.
    pub fn node(&self, id: NodeId) -> Result<&NodeDesc> {
        self.nodes.get(&id).ok_or_else(|| Error::Unknown(format!("no node with id {id} in this graph")))
    }

    /// All nodes in id order.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &NodeDesc)> {
        self.nodes.iter().map(|(id, n)| (*id, n))
    }

    /// All edges in the order they were made.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The id the next node added will get.
    pub fn next_id(&self) -> NodeId {
        self.next_id
    }

    /// Display name of a node: its label, or `kind#id`.
    pub fn name(&self, id: NodeId) -> String {
        match self.nodes.get(&id) {
            Some(NodeDesc { label: Some(l), .. }) => l.clone(),
            Some(n) => format!("{}#{id}", n.spec.kind),
            None => format!("node#{id}"),
        }
    }

    /// Index of parameter `name` on node `id`, or an error listing the node's parameters.
    pub fn param_index(&self, id: NodeId, name: &str) -> Result<u16> {
        let params = self.node(id)?.params();
        params.iter().position(|p| p.name == name).map(|i| i as u16).ok_or_else(|| {
            let known: Vec<_> = params.iter().map(|p| p.name).collect();
            Error::Unknown(format!(
                "{} has no parameter '{name}' (parameters: {})",
                self.name(id),
                list_or_none(&known)
            ))
        })
    }

    fn input_index(&self, id: NodeId, name: &str) -> Result<u16> {
        let inputs = self.node(id)?.inputs();
        inputs.iter().position(|p| p.name == name).map(|i| i as u16).ok_or_else(|| {
            let known: Vec<_> = inputs.iter().map(|p| p.name).collect();
            Error::Unknown(format!("{} has no input '{name}' (inputs: {})", self.name(id), list_or_none(&known)))
        })
    }

    fn output_index(&self, id: NodeId, name: &str) -> Result<u16> {
        let outputs = self.node(id)?.outputs();
        outputs.iter().position(|p| p.name == name).map(|i| i as u16).ok_or_else(|| {
            let known: Vec<_> = outputs.iter().map(|p| p.name).collect();
            Error::Unknown(format!("{} has no output '{name}' (outputs: {})", self.name(id), list_or_none(&known)))
        })
    }

    /// Checks that `value` is an acceptable constant for parameter `param` of node `id`.
    pub fn check_value(&self, id: NodeId, param: u16, value: f32) -> Result<()> {
        let p = &self.node(id)?.params()[param as usize];
        if !value.is_finite() || value < p.min || value > p.max {
            return Err(Error::Invalid(format!(
                "{}: parameter '{}' = {value} is outside [{}, {}]{}",
                self.name(id),
                p.name,
                p.min,
                p.max,
                if p.unit.is_empty() { String::new() } else { format!(" {}", p.unit) }
            )));
        }
        Ok(())
    }

    /// Sets the constant value of a parameter: one value for all lanes, or one per lane.
    pub fn set_param(&mut self, id: NodeId, name: &str, values: &[f32]) -> Result<u16> {
        let index = self.param_index(id, name)?;
        if values.is_empty() {
            return Err(Error::Invalid(format!("{}: parameter '{name}' got no values", self.name(id))));
        }
        for &v in values {
            self.check_value(id, index, v)?;
        }
        let node = self.nodes.get_mut(&id).expect("checked above");
        node.params[index as usize] = values.to_vec();
        Ok(index)
    }

    /// Connects output `port` of `src` to input `input` of `dst`.
    pub fn connect_input(&mut self, src: NodeId, port: &str, dst: NodeId, input: &str) -> Result<Edge> {
        let sink = Sink::Input(dst, self.input_index(dst, input)?);
        self.connect(src, port, sink)
    }

    /// Connects output `port` of `src` to parameter `param` of `dst` (modulation).
    pub fn connect_param(&mut self, src: NodeId, port: &str, dst: NodeId, param: &str) -> Result<Edge> {
        let sink = Sink::Param(dst, self.param_index(dst, param)?);
        self.connect(src, port, sink)
    }

    /// Connects output `port` of `src` to the graph output.
    pub fn connect_output(&mut self, src: NodeId, port: &str) -> Result<Edge> {
        self.connect(src, port, Sink::Output)
    }

    /// The sink for input `input` of `dst`.
    pub fn input_sink(&self, dst: NodeId, input: &str) -> Result<Sink> {
        Ok(Sink::Input(dst, self.input_index(dst, input)?))
    }

    /// The edge from output `port` of `src` to `dst`, if the names exist.
    pub fn edge(&self, src: NodeId, port: &str, dst: Sink) -> Result<Edge> {
        Ok(Edge { src, port: self.output_index(src, port)?, dst })
    }

    fn connect(&mut self, src: NodeId, port: &str, dst: Sink) -> Result<Edge> {
        let port = self.output_index(src, port)?;
        let edge = Edge { src, port, dst };
        if !self.edges.contains(&edge) {
            self.edges.push(edge);
        }
        Ok(edge)
    }

    /// Removes one edge; returns whether it existed.
    pub fn disconnect(&mut self, edge: Edge) -> bool {
        let before = self.edges.len();
        self.edges.retain(|e| *e != edge);
        self.edges.len() != before
    }

    /// Removes every edge into `sink`; returns how many there were.
    pub fn disconnect_sink(&mut self, sink: Sink) -> usize {
        let before = self.edges.len();
        self.edges.retain(|e| e.dst != sink);
        before - self.edges.len()
    }
}

impl Sink {
    /// The node this sink belongs to, if any.
    pub fn node(&self) -> Option<NodeId> {
        match *self {
            Sink::Input(n, _) | Sink::Param(n, _) => Some(n),
            Sink::Output => None,
        }
    }
}

/// Checks that an instance fits what a schedule can run.
fn check_instance(kind: &str, instance: &InstanceRef) -> Result<()> {
    let (ins, outs, params) = (instance.inputs.len(), instance.outputs.len(), instance.params.len());
    if ins > MAX_PORTS || outs > MAX_PORTS || params > MAX_PARAMS {
        return Err(Error::Invalid(format!(
            "a {kind} node has at most {MAX_PORTS} inputs, {MAX_PORTS} outputs and {MAX_PARAMS} parameters; \
             this one has {ins}, {outs} and {params}"
        )));
    }
    Ok(())
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn resolve_options(spec: &NodeSpec, name: &str, given: &[(&str, OptValue)]) -> Result<Vec<OptValue>> {
    for (key, _) in given {
        if !spec.options.iter().any(|o| o.name == *key) {
            let known: Vec<_> = spec.options.iter().map(|o| o.name).collect();
            return Err(Error::Unknown(format!("{name}: unknown option '{key}' (options: {})", list_or_none(&known))));
        }
    }
    spec.options
        .iter()
        .map(|o| {
            let value = given.iter().rev().find(|(k, _)| *k == o.name).map(|(_, v)| v);
            match (&o.default, value) {
                (OptDefault::Num { default, .. }, None) => Ok(OptValue::Num(*default)),
                (OptDefault::Int { default, .. }, None) => Ok(OptValue::Num(*default as f64)),
                (OptDefault::Choice(choices), None) => Ok(OptValue::Text(choices[0].to_owned())),
                (OptDefault::Num { min, max, .. }, Some(OptValue::Num(v))) => {
                    if v.is_finite() && *v >= *min && *v <= *max {
                        Ok(OptValue::Num(*v))
                    } else {
                        Err(Error::Invalid(format!("{name}: option '{}' = {v} is outside [{min}, {max}]", o.name)))
                    }
                }
                (OptDefault::Int { min, max, .. }, Some(OptValue::Num(v))) => {
                    if v.fract() == 0.0 && *v >= *min as f64 && *v <= *max as f64 {
                        Ok(OptValue::Num(*v))
                    } else if v.is_finite() && v.fract() != 0.0 {
                        Err(Error::Invalid(format!("{name}: option '{}' must be a whole number, got {v}", o.name)))
                    } else {
                        Err(Error::Invalid(format!("{name}: option '{}' = {v} is outside {min}..{max}", o.name)))
                    }
                }
                (OptDefault::Choice(choices), Some(OptValue::Text(v))) => {
                    if choices.contains(&v.as_str()) {
                        Ok(OptValue::Text(v.clone()))
                    } else {
                        Err(Error::Invalid(format!(
                            "{name}: option '{}' = '{v}' is not one of {}",
                            o.name,
                            choices.join(", ")
                        )))
                    }
                }
                (OptDefault::Array { min_columns, .. }, None) => {
                    Ok(OptValue::Array(ArrayData::new(Vec::new(), *min_columns).expect("empty data fits any shape")))
                }
                (OptDefault::Array { min_columns, max_columns }, Some(OptValue::Array(a))) => {
                    if (*min_columns..=*max_columns).contains(&a.columns()) {
                        Ok(OptValue::Array(a.clone()))
                    } else {
                        Err(Error::Invalid(format!(
                            "{name}: option '{}' has {} columns; it takes {}",
                            o.name,
                            a.columns(),
                            if min_columns == max_columns {
                                min_columns.to_string()
                            } else {
                                format!("{min_columns} to {max_columns}")
                            }
                        )))
                    }
                }
                (OptDefault::Array { .. }, Some(v)) => {
                    Err(Error::Invalid(format!("{name}: option '{}' must be an array, got {v:?}", o.name)))
                }
                (OptDefault::Num { .. } | OptDefault::Int { .. }, Some(v)) => {
                    Err(Error::Invalid(format!("{name}: option '{}' must be a number, got {v:?}", o.name)))
                }
                (OptDefault::Choice(choices), Some(v)) => Err(Error::Invalid(format!(
                    "{name}: option '{}' must be one of {}, got {v:?}",
                    o.name,
                    choices.join(", ")
                ))),
            }
        })
        .collect()
}
