//! The graph description as Python edits it.

use chronus_engine as engine;
use engine::{ArrayData, CompileOptions, OptValue};
use numpy::{PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::kernel::Kernel;
use crate::song::CcMap;
use crate::{args, param_dicts, to_py, GraphError};

/// A float32 NumPy array of one or two dimensions as an [`ArrayData`] (a 1-D array is one
/// column); `None` if `v` is no such array. The values are copied once, here.
fn to_array(v: &Bound<'_, PyAny>) -> Option<Result<ArrayData, String>> {
    if let Ok(a) = v.extract::<PyReadonlyArray2<f32>>() {
        let columns = a.shape()[1];
        return Some(ArrayData::new(a.as_array().iter().copied().collect::<Vec<f32>>(), columns));
    }
    let a = v.extract::<PyReadonlyArray1<f32>>().ok()?;
    Some(ArrayData::new(a.as_array().iter().copied().collect::<Vec<f32>>(), 1))
}

/// The engine's graph description: nodes, constant parameters and edges.
#[pyclass(module = "chronus._core")]
#[derive(Clone, Default)]
pub(crate) struct Graph {
    pub(crate) inner: engine::Graph,
}

#[pymethods]
impl Graph {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Adds a node of `kind` with `options` (name -> number, str or float32 array) and an
    /// optional display name; returns its id.
    #[pyo3(signature = (kind, options, label=None))]
    fn add(&mut self, kind: &str, options: &Bound<'_, PyDict>, label: Option<&str>) -> PyResult<u32> {
        let mut opts = Vec::new();
        for (k, v) in options.iter() {
            let key: String = k.extract()?;
            let value = if let Ok(s) = v.extract::<String>() {
                OptValue::Text(s)
            } else if let Ok(x) = v.extract::<f64>() {
                OptValue::Num(x)
            } else if let Some(array) = to_array(&v) {
                OptValue::Array(array.map_err(|m| GraphError::new_err(format!("{kind}: option '{key}': {m}")))?)
            } else {
                return Err(GraphError::new_err(format!(
                    "{kind}: option '{key}' must be a number, a string or a float32 array, got {}",
                    v.get_type().name()?
                )));
            };
            opts.push((key, value));
        }
        let refs: Vec<(&str, OptValue)> = opts.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        self.inner.add(kind, &refs, label).map_err(to_py)
    }

    /// Adds a node running `kernel`; returns its id.
    #[pyo3(signature = (kernel, label=None))]
    fn add_kernel(&mut self, kernel: &Kernel, label: Option<&str>) -> PyResult<u32> {
        self.inner.add_instance(engine::kernel::KIND, kernel.instance.clone(), label).map_err(to_py)
    }

    /// Makes kernel node `node` run `kernel` from the next compile (same input and output
    /// counts; parameters matched by name).
    fn set_kernel(&mut self, node: u32, kernel: &Kernel) -> PyResult<()> {
        self.inner.set_instance(node, kernel.instance.clone()).map_err(to_py)
    }

    /// The ports and parameters of node `node` (its own for a kernel, else its kind's), as
    /// {kind, inputs, outputs, params} with params shaped as in `node_specs`.
    fn node_spec<'py>(&self, py: Python<'py>, node: u32) -> PyResult<Bound<'py, PyDict>> {
        let desc = self.inner.node(node).map_err(to_py)?;
        let d = PyDict::new(py);
        d.set_item("kind", desc.spec.kind)?;
        d.set_item("inputs", desc.inputs().iter().map(|p| p.name).collect::<Vec<_>>())?;
        d.set_item("outputs", desc.outputs().iter().map(|p| p.name).collect::<Vec<_>>())?;
        d.set_item("params", param_dicts(py, desc.params())?)?;
        Ok(d)
    }

    /// The id the next node added will get.
    fn next_id(&self) -> u32 {
        self.inner.next_id()
    }

    /// Removes node `node` and its edges.
    fn remove(&mut self, node: u32) -> PyResult<()> {
        self.inner.remove(node).map_err(to_py)
    }

    /// Sets a parameter's constant value(s): one value, or one per lane; returns its index.
    fn set_param(&mut self, node: u32, name: &str, values: Vec<f32>) -> PyResult<u16> {
        self.inner.set_param(node, name, &values).map_err(to_py)
    }

    /// Index of parameter `name` of `node`.
    fn param_index(&self, node: u32, name: &str) -> PyResult<u16> {
        self.inner.param_index(node, name).map_err(to_py)
    }

    /// Checks a constant value for a parameter without setting it.
    fn check_value(&self, node: u32, param: u16, value: f32) -> PyResult<()> {
        self.inner.check_value(node, param, value).map_err(to_py)
    }

    /// Connects `src`'s output `port` into `dst`'s input port `input` (summed with what is
    /// there already).
    fn connect_input(&mut self, src: u32, port: &str, dst: u32, input: &str) -> PyResult<()> {
        self.inner.connect_input(src, port, dst, input).map(|_| ()).map_err(to_py)
    }

    /// Connects `src`'s output `port` to `dst`'s parameter `param` (modulation).
    fn connect_param(&mut self, src: u32, port: &str, dst: u32, param: &str) -> PyResult<()> {
        self.inner.connect_param(src, port, dst, param).map(|_| ()).map_err(to_py)
    }

    /// Sends `src`'s output `port` to the graph output.
    fn connect_output(&mut self, src: u32, port: &str) -> PyResult<()> {
        self.inner.connect_output(src, port).map(|_| ()).map_err(to_py)
    }

    /// Removes the edge from `src`'s output `port` into `dst`'s input `input`; returns
    /// whether it existed.
    fn disconnect_input(&mut self, src: u32, port: &str, dst: u32, input: &str) -> PyResult<bool> {
        let sink = self.inner.input_sink(dst, input).map_err(to_py)?;
        let edge = self.inner.edge(src, port, sink).map_err(to_py)?;
        Ok(self.inner.disconnect(edge))
    }

    /// Stops sending `src`'s output `port` to the graph output; returns whether it was sent.
    fn disconnect_output(&mut self, src: u32, port: &str) -> PyResult<bool> {
        let edge = self.inner.edge(src, port, engine::Sink::Output).map_err(to_py)?;
        Ok(self.inner.disconnect(edge))
    }

    /// Removes every edge into `node`'s parameter `name` (back to its constant); returns
    /// how many there were.
    fn disconnect_param(&mut self, node: u32, name: &str) -> PyResult<usize> {
        let index = self.inner.param_index(node, name).map_err(to_py)?;
        Ok(self.inner.disconnect_sink(engine::Sink::Param(node, index)))
    }

    /// Checks a controller mapping against the graph.
    fn check_cc_map(&self, map: &CcMap) -> PyResult<()> {
        engine::live::check_mapping(&self.inner, &map.inner).map_err(to_py)
    }

    /// Whether node `node` exists.
    fn has(&self, node: u32) -> bool {
        self.inner.node(node).is_ok()
    }

    /// Display name of a node.
    fn name(&self, node: u32) -> String {
        self.inner.name(node)
    }

    /// What node `node` is now: kind, name, params ({name: constant values per lane, or
    /// the "node.port" names of the signals modulating it}), options ({name: number, text,
    /// or (rows, columns) of an array}).
    fn node_info<'py>(&self, py: Python<'py>, node: u32) -> PyResult<Bound<'py, PyDict>> {
        let desc = self.inner.node(node).map_err(to_py)?;
        let info = PyDict::new(py);
        info.set_item("kind", desc.spec.kind)?;
        info.set_item("name", self.inner.name(node))?;
        let params = PyDict::new(py);
        for (index, (spec, values)) in desc.params().iter().zip(&desc.params).enumerate() {
            let sources: Vec<String> = self
                .inner
                .edges()
                .iter()
                .filter(|e| e.dst == engine::Sink::Param(node, index as u16))
                .map(|e| self.port_name(e.src, e.port))
                .collect();
            if sources.is_empty() {
                params.set_item(spec.name, values.clone())?;
            } else {
                params.set_item(spec.name, sources)?;
            }
        }
        info.set_item("params", params)?;
        let options = PyDict::new(py);
        for (spec, value) in desc.spec.options.iter().zip(&desc.options) {
            match value {
                OptValue::Num(x) => options.set_item(spec.name, x)?,
                OptValue::Text(t) => options.set_item(spec.name, t)?,
                OptValue::Array(a) => options.set_item(spec.name, (a.rows(), a.columns()))?,
            }
        }
        info.set_item("options", options)?;
        Ok(info)
    }

    /// Every edge as (source node, source port name, sink kind "input" | "param" |
    /// "output", destination node or None, destination port or parameter name or None).
    fn edges<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for e in self.inner.edges() {
            // A kernel node's ports and parameters are its own (`outputs()` and friends
            // read them), not its kind's.
            let src = self.inner.node(e.src).map_err(to_py)?;
            let port = src.outputs()[e.port as usize].name;
            let (kind, dst, name) = match e.dst {
                engine::Sink::Input(d, i) => {
                    ("input", Some(d), Some(self.inner.node(d).map_err(to_py)?.inputs()[i as usize].name))
                }
                engine::Sink::Param(d, p) => {
                    ("param", Some(d), Some(self.inner.node(d).map_err(to_py)?.params()[p as usize].name))
                }
                engine::Sink::Output => ("output", None, None),
            };
            list.append((e.src, port, kind, dst, name))?;
        }
        Ok(list)
    }

    /// Compiles the graph and returns a summary (output channels, lanes, latency in frames and
    /// channels of each output port per node, steps, buffers) without rendering; raises the same errors `render` would.
    #[pyo3(signature = (samplerate, blocksize))]
    fn compile_info<'py>(
        &self,
        py: Python<'py>,
        samplerate: f64,
        blocksize: args::Blocksize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = CompileOptions { samplerate, max_block: blocksize.0, smoothing: 0.0 };
        let schedule = engine::compile_info(&self.inner, &opts).map_err(to_py)?;
        let info = PyDict::new(py);
        info.set_item("output_channels", schedule.output_channels())?;
        info.set_item("steps", schedule.step_count())?;
        info.set_item("buffers", schedule.buffer_count())?;
        let lanes = PyDict::new(py);
        let latency = PyDict::new(py);
        let channels = PyDict::new(py);
        for (id, _) in self.inner.nodes() {
            lanes.set_item(id, schedule.lanes(id))?;
            latency.set_item(id, schedule.latency(id))?;
            channels.set_item(id, schedule.output_channels_of(id))?;
        }
        info.set_item("lanes", lanes)?;
        info.set_item("latency", latency)?;
        info.set_item("channels", channels)?;
        Ok(info)
    }

    fn __copy__(&self) -> Self {
        self.clone()
    }
}

impl Graph {
    /// "name.port" of output `port` of node `node` (just the name for a node's only output).
    fn port_name(&self, node: u32, port: u16) -> String {
        let name = self.inner.name(node);
        match self.inner.node(node) {
            Ok(d) if d.outputs().len() > 1 => format!("{name}.{}", d.outputs()[port as usize].name),
            _ => name,
        }
    }
}
