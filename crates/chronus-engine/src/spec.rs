//! Static descriptions of node kinds: their ports, parameters and options.
//!
//! A [`NodeSpec`] is what the graph validates against and what Python introspects; the
//! DSP itself lives in [`crate::nodes`].

use std::sync::Arc;

use crate::error::Result;
use crate::node::{BuildCtx, Built};

/// A named audio input or output port.
#[derive(Debug, Clone)]
pub struct PortSpec {
    /// Port name, unique among the node's inputs (or outputs).
    pub name: &'static str,
    /// One-line description.
    pub doc: &'static str,
}

/// A named, modulatable parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Parameter name, unique within the node.
    pub name: &'static str,
    /// Value used when the user sets none.
    pub default: f32,
    /// Smallest value accepted: constants below it are refused, modulation signals are held
    /// to it on the audio thread (and NaN read as the default).
    pub min: f32,
    /// Largest value accepted, likewise.
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
    /// Bulk data (samples, wavetables, tables of settings), shared by reference.
    Array(ArrayData),
}

/// A read-only 2-D array of `f32` shared by reference: `rows` rows of `columns` values,
/// row-major. Audio is one row per frame and one column per channel (interleaved); a table
/// has one row per entry.
///
/// Data reaches nodes this way at build time, on the control thread: a node keeps a clone
/// (a reference count, no copy) and the audio thread only reads it. Two values are equal
/// when they share the same allocation and shape, so comparing the options of a rebuilt
/// graph (to carry node state across an edit) costs nothing however large the data.
#[derive(Clone)]
pub struct ArrayData {
    data: Arc<[f32]>,
    columns: usize,
}

impl ArrayData {
    /// Wraps `data` as rows of `columns` values; `data.len()` must be a multiple of
    /// `columns` (which must not be 0).
    pub fn new(data: impl Into<Arc<[f32]>>, columns: usize) -> std::result::Result<Self, String> {
        let data = data.into();
        if columns == 0 || data.len() % columns != 0 {
            return Err(format!("{} values do not make rows of {columns}", data.len()));
        }
        Ok(ArrayData { data, columns })
    }

    /// Values per row.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.data.len() / self.columns
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Every value, row after row.
    pub fn values(&self) -> &[f32] {
        &self.data
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.columns..(i + 1) * self.columns]
    }

    /// A second handle on the same values (no copy).
    pub fn share(&self) -> Arc<[f32]> {
        Arc::clone(&self.data)
    }
}

impl PartialEq for ArrayData {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.data, &other.data) && self.columns == other.columns
    }
}

impl std::fmt::Debug for ArrayData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArrayData({} x {})", self.rows(), self.columns)
    }
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
    /// A whole number (a count, an index, a seed) with its inclusive range; it reaches the
    /// node as [`OptValue::Num`], and a value with a fractional part is refused.
    Int {
        /// Default value.
        default: i64,
        /// Smallest value accepted.
        min: i64,
        /// Largest value accepted.
        max: i64,
    },
    /// One of a fixed set of names; the first is the default.
    Choice(&'static [&'static str]),
    /// An [`ArrayData`] whose column count lies in the inclusive range; the default is
    /// empty (no rows), which the node's build rejects if it needs data.
    Array {
        /// Fewest columns accepted.
        min_columns: usize,
        /// Most columns accepted.
        max_columns: usize,
    },
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

/// Ports and parameters one node declares for itself, in place of its kind's static lists.
///
/// Most kinds have a fixed shape, declared once in their [`NodeSpec`]. A kernel (Python
/// DSP compiled by numba, see [`crate::kernel`]) has the ports and parameters its author
/// chose: its kind declares none, and each node carries an `Instance` instead, which
/// validation ([`crate::graph::NodeDesc::params`] and friends), the compiler, the build
/// ([`crate::node::BuildCtx::instance`]) and the Python surface read in place of the
/// kind's lists. Names are [`intern`]ed so that the same `PortSpec`/`ParamSpec` types serve.
pub struct Instance {
    /// Audio inputs.
    pub inputs: Vec<PortSpec>,
    /// Audio outputs.
    pub outputs: Vec<PortSpec>,
    /// Parameters, in the order the node receives them.
    pub params: Vec<ParamSpec>,
    /// What the kind's build needs besides (a kernel's compiled code), read by downcasting.
    pub data: Arc<dyn std::any::Any + Send + Sync>,
}

/// A shared [`Instance`]. Two are equal when they are the same allocation, so a node keeps
/// its state across edits exactly while it keeps its instance (re-adding the same kernel
/// object gives the same instance; a new kernel gives a new one).
#[derive(Clone)]
pub struct InstanceRef(pub Arc<Instance>);

impl PartialEq for InstanceRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for InstanceRef {
    type Target = Instance;
    fn deref(&self) -> &Instance {
        &self.0
    }
}

impl std::fmt::Debug for InstanceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |ports: &[PortSpec]| ports.iter().map(|p| p.name).collect::<Vec<_>>();
        f.debug_struct("Instance")
            .field("inputs", &names(&self.inputs))
            .field("outputs", &names(&self.outputs))
            .field("params", &self.params.iter().map(|p| p.name).collect::<Vec<_>>())
            .finish()
    }
}

/// `name` as a `&'static str`: the first call for each distinct name leaks one copy, later
/// calls return it. For the names of per-instance ports and parameters (a handful per
/// kernel author), which then fit the static spec types. Control thread only.
pub fn intern(name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_compare_by_identity_and_shape() {
        let a = ArrayData::new(vec![1.0, 2.0, 3.0, 4.0], 2).unwrap();
        assert_eq!((a.rows(), a.columns(), a.row(1)), (2, 2, &[3.0, 4.0][..]));
        assert_eq!(a, a.clone());
        assert_ne!(a, ArrayData::new(vec![1.0, 2.0, 3.0, 4.0], 2).unwrap(), "equal values, other allocation");
        assert_ne!(a, ArrayData::new(a.share(), 1).unwrap(), "same allocation, other shape");
        assert!(ArrayData::new(vec![1.0, 2.0, 3.0], 2).unwrap_err().contains("3 values do not make rows of 2"));
        assert!(ArrayData::new(vec![], 0).is_err());
        assert_eq!(format!("{a:?}"), "ArrayData(2 x 2)");
    }

    #[test]
    fn interned_names_are_stored_once() {
        let a = intern(&String::from("drive"));
        let b = intern("drive");
        assert_eq!(a, "drive");
        assert!(std::ptr::eq(a, b));
    }
}
