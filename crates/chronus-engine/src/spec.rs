//! Static descriptions of node kinds: their ports, parameters and options.
//!
//! A [`NodeSpec`] is what the graph validates against and what Python introspects; the
//! DSP itself lives in [`crate::nodes`].

use crate::error::Result;
use crate::node::{BuildCtx, Built};

/// A named audio input or output port.
#[derive(Debug)]
pub struct PortSpec {
    /// Port name, unique among the node's inputs (or outputs).
    pub name: &'static str,
    /// One-line description.
    pub doc: &'static str,
}

/// A named, modulatable parameter.
#[derive(Debug)]
pub struct ParamSpec {
    /// Parameter name, unique within the node.
    pub name: &'static str,
    /// Value used when the user sets none.
    pub default: f32,
    /// Smallest constant value accepted (signals are clamped by the node where needed).
    pub min: f32,
    /// Largest constant value accepted.
    pub max: f32,
    /// Unit shown to users ("Hz", "s", "dB", "" for plain numbers).
    pub unit: &'static str,
    /// Whether changes glide over the smoothing time by default (false for gates).
    pub smooth: bool,
    /// One-line description.
    pub doc: &'static str,
}

/// The value of a construction-time option.
#[derive(Debug, Clone, PartialEq)]
pub enum OptValue {
    /// A number (sizes, times, seeds, channel counts).
    Num(f64),
    /// A choice among names (filter modes, noise colours).
    Text(String),
}

/// A construction-time option: fixed while the node lives (changing it rebuilds the node).
#[derive(Debug)]
pub struct OptionSpec {
    /// Option name.
    pub name: &'static str,
    /// Value used when the user gives none.
    pub default: OptDefault,
    /// One-line description.
    pub doc: &'static str,
}

/// Default and allowed values of an option.
#[derive(Debug)]
pub enum OptDefault {
    /// A number with its inclusive range.
    Num {
        /// Default value.
        default: f64,
        /// Smallest value accepted.
        min: f64,
        /// Largest value accepted.
        max: f64,
    },
    /// One of a fixed set of names; the first is the default.
    Choice(&'static [&'static str]),
}

/// How a node's lane count relates to its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputRule {
    /// Inputs are widened to the node's lane count (mono inputs are copied to every lane);
    /// the lane count is the widest input or parameter.
    Broadcast,
    /// Inputs reach the node with their own channel counts (mixdown, pan of stereo, ...).
    AsIs,
}

/// A node kind: everything needed to validate, document and build it.
pub struct NodeSpec {
    /// Kind name used from Python (`"saw"`, `"svf"`, ...).
    pub kind: &'static str,
    /// One-paragraph description.
    pub doc: &'static str,
    /// Audio inputs.
    pub inputs: &'static [PortSpec],
    /// Audio outputs.
    pub outputs: &'static [PortSpec],
    /// Parameters, in the order the node receives them.
    pub params: &'static [ParamSpec],
    /// Construction-time options.
    pub options: &'static [OptionSpec],
    /// How inputs set the lane count.
    pub input_rule: InputRule,
    /// Builds a prepared instance (control thread; may allocate).
    pub build: fn(&BuildCtx) -> Result<Built>,
}

impl std::fmt::Debug for NodeSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeSpec").field("kind", &self.kind).finish()
    }
}

impl NodeSpec {
    /// Index of the parameter called `name`.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }
    /// Index of the input port called `name`.
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|p| p.name == name)
    }
    /// Index of the output port called `name`.
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.outputs.iter().position(|p| p.name == name)
    }
}
