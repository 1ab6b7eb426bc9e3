//! Kernels: DSP compiled outside the engine (from Python, by numba) into a C-callable
//! function, which the audio thread calls through its pointer with preallocated buffers.
//!
//! A kernel is one registered node kind, [`KERNEL`], whose ports and parameters each node
//! declares for itself through a [`crate::spec::Instance`] made by [`instance`]. The
//! instance holds the [`KernelCode`]: the function pointer, the shape of its arrays and a
//! keep-alive token (the Python function object) that is dropped with the last schedule
//! that can call it, which the audio thread hands back to the control thread to drop.
//!
//! Each block, for each lane (a kernel runs once per lane, so voices are lanes), the node
//! copies the lane's inputs into planar rows, expands each parameter into one value per
//! frame (clamped to its range), calls the kernel, checks its outputs and copies them
//! back. A kernel whose outputs are not finite has that lane's outputs and state reset
//! (zeroed), counted as the node's repair like any node's ([`crate::node::Repairs`]); it
//! costs one block.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{intern, InputRule, Instance, InstanceRef, NodeSpec, ParamSpec, PortSpec};

/// Kind name of kernel nodes.
pub const KIND: &str = "kernel";

/// The C signature of every kernel, called once per lane per (sub-)block:
///
/// - `inputs`: `n_inputs` rows of `frames` samples, planar (row `k` at `k * frames`);
/// - `outputs`: `n_outputs` rows of `frames` samples, zeroed before the call;
/// - `params`: one row of `frames` values per parameter, in declaration order;
/// - `state`: the lane's state arrays, one after another (kept between calls, zero at
///   first), as float64;
/// - `frames`: frames in this call (1 to the engine's block size);
/// - `samplerate`: in Hz; `lane`: which lane (voice) this call computes.
///
/// Pointers are never null (empty rows point at a valid, unused scratch value).
pub type KernelFn = unsafe extern "C" fn(
    inputs: *const f32,
    outputs: *mut f32,
    params: *const f32,
    state: *mut f64,
    frames: i64,
    samplerate: f64,
    lane: i64,
);

/// Something the code's owner must keep alive while the code can be called (the compiled
/// Python function object); dropped when the last schedule holding the code is dropped.
pub type KeepAlive = Box<dyn std::any::Any + Send + Sync>;

/// A compiled kernel: its function, the shape of its arrays and its owner's token.
pub struct KernelCode {
    name: String,
    func: KernelFn,
    inputs: usize,
    outputs: usize,
    /// Name and length (in float64 values) of each state array, per lane.
    state: Vec<(String, usize)>,
    _keepalive: KeepAlive,
}

impl std::fmt::Debug for KernelCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KernelCode")
            .field("name", &self.name)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field("state", &self.state)
            .finish()
    }
}

/// Longest state a kernel may ask for, in values per lane (2^24: 128 MiB of float64).
pub const MAX_STATE: usize = 1 << 24;

impl KernelCode {
    /// Wraps a compiled kernel.
    ///
    /// # Safety
    /// `func` must have the [`KernelFn`] signature, stay callable while `keepalive` lives,
    /// read and write only the rows described there (with `inputs`/`outputs` rows and the
    /// `state` arrays given here), and be real-time safe: no allocation, lock, system call
    /// or Python (Chronus's Python layer checks numba's code for these before it gets here).
    pub unsafe fn new(
        name: &str,
        func: KernelFn,
        inputs: usize,
        outputs: usize,
        state: Vec<(String, usize)>,
        keepalive: KeepAlive,
    ) -> Result<KernelCode> {
        let total: usize = state.iter().map(|s| s.1).sum();
        if outputs == 0 || total > MAX_STATE {
            return Err(Error::Invalid(format!(
                "kernel '{name}': needs at least one output and at most {MAX_STATE} state values per lane \
                 (has {outputs} outputs, {total} state values)"
            )));
        }
        Ok(KernelCode { name: name.to_owned(), func, inputs, outputs, state, _keepalive: keepalive })
    }

    /// The kernel's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn state_len(&self) -> usize {
        self.state.iter().map(|s| s.1).sum()
    }
}

/// A kernel parameter as its author declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelParam {
    /// Name (a Python identifier).
    pub name: String,
    /// Value when none is set.
    pub default: f32,
    /// Smallest value: constants outside are refused, signals are clamped.
    pub min: f32,
    /// Largest value.
    pub max: f32,
}

const INPUT_NAMES: [&str; 8] = ["in1", "in2", "in3", "in4", "in5", "in6", "in7", "in8"];
const OUTPUT_NAMES: [&str; 8] = ["out1", "out2", "out3", "out4", "out5", "out6", "out7", "out8"];

/// The instance a kernel node carries: ports `in` (or `in1`..`inN`) and `out` (or
/// `out1`..`outN`), one parameter per [`KernelParam`], and the code.
pub fn instance(code: Arc<KernelCode>, params: &[KernelParam]) -> Result<InstanceRef> {
    let ports = |n: usize, one: &'static str, many: &[&'static str; 8], doc: &'static str| -> Result<Vec<PortSpec>> {
        if n > many.len() {
            return Err(Error::Invalid(format!("kernel '{}': at most 8 inputs and 8 outputs", code.name)));
        }
        Ok(if n == 1 {
            vec![PortSpec { name: one, doc }]
        } else {
            many[..n].iter().map(|&name| PortSpec { name, doc }).collect()
        })
    };
    let inputs = ports(code.inputs, "in", &INPUT_NAMES, "Kernel input (one row of `inp`).")?;
    let outputs = ports(code.outputs, "out", &OUTPUT_NAMES, "Kernel output (one row of `out`).")?;
    let mut specs = Vec::new();
    for p in params {
        let ok = p.min.is_finite() && p.max.is_finite() && p.min <= p.default && p.default <= p.max;
        if !ok || specs.iter().any(|s: &ParamSpec| s.name == p.name) {
            return Err(Error::Invalid(format!(
                "kernel '{}': parameter '{}' needs a unique name and finite min <= default <= max, \
                 got {} <= {} <= {}",
                code.name, p.name, p.min, p.default, p.max
            )));
        }
        specs.push(ParamSpec {
            name: intern(&p.name),
            default: p.default,
            min: p.min,
            max: p.max,
            unit: "",
            smooth: true,
            doc: "Kernel parameter (one value per frame).",
        });
    }
    Ok(InstanceRef(Arc::new(Instance { inputs, outputs, params: specs, data: code })))
}

/// `kernel`: a node running a [`KernelCode`]; its ports and parameters come from its
/// instance.
pub static KERNEL: NodeSpec = NodeSpec {
    kind: KIND,
    doc: "Python DSP compiled by numba into native code (`@chronus.kernel`), run once per lane \
          on the audio thread. Its inputs, outputs, parameters and state are the kernel's own.",
    inputs: &[],
    outputs: &[],
    params: &[],
    options: &[],
    input_rule: InputRule::Broadcast,
    build,
};

fn build(ctx: &BuildCtx) -> Result<Built> {
    let instance = ctx.instance.ok_or_else(|| ctx.invalid("a kernel node needs its compiled code"))?;
    let code = Arc::clone(&instance.data)
        .downcast::<KernelCode>()
        .map_err(|_| ctx.invalid("a kernel node's instance holds no kernel code"))?;
    let lanes = ctx.lanes;
    let frames = ctx.max_block;
    let state_len = code.state_len();
    let ranges = instance.params.iter().map(|p| (p.default, p.min, p.max)).collect();
    let node = KernelNode {
        inputs: vec![0.0; (code.inputs * frames).max(1)].into(),
        outputs: vec![0.0; code.outputs * frames].into(),
        params: vec![0.0; (instance.params.len() * frames).max(1)].into(),
        state: vec![0.0; (state_len * lanes).max(1)].into(),
        state_len,
        ranges,
        lanes,
        samplerate: ctx.samplerate,
        code,
    };
    Ok(Built { node: Box::new(node), output_channels: vec![lanes; instance.outputs.len()] })
}

/// A kernel node as the audio thread runs it.
struct KernelNode {
    code: Arc<KernelCode>,
    /// Planar scratch rows for one lane's inputs, outputs and per-frame parameters.
    inputs: Box<[f32]>,
    outputs: Box<[f32]>,
    params: Box<[f32]>,
    /// Every lane's state, `state_len` values each.
    state: Box<[f64]>,
    state_len: usize,
    /// (default, min, max) of each parameter.
    ranges: Box<[(f32, f32, f32)]>,
    lanes: usize,
    samplerate: f64,
}

/// A parameter value as a kernel receives it: within range, and the default for NaN.
#[inline(always)]
fn clamp(x: f32, (default, min, max): (f32, f32, f32)) -> f32 {
    if x.is_nan() {
        default
    } else {
        x.clamp(min, max)
    }
}

impl Node for KernelNode {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (frames, lanes) = (io.frames, self.lanes);
        let mut reset = false;
        for lane in 0..lanes {
            for (row, input) in self.inputs.chunks_exact_mut(frames).zip(io.inputs.iter()) {
                for (f, x) in row.iter_mut().enumerate() {
                    *x = input[f * lanes + lane];
                }
            }
            for ((row, view), range) in self.params.chunks_exact_mut(frames).zip(io.params).zip(self.ranges.iter()) {
                let view = view.lane(lane, lanes);
                match view.as_const() {
                    Some(v) => row.fill(clamp(v, *range)),
                    None => {
                        for (f, x) in row.iter_mut().enumerate() {
                            *x = clamp(view.at(f), *range);
                        }
                    }
                }
            }
            let outputs = &mut self.outputs[..self.code.outputs * frames];
            outputs.fill(0.0);
            let state = &mut self.state[lane * self.state_len..];
            // SAFETY: `KernelCode::new`'s contract: the rows match the code's shape, every
            // pointer is valid for what the kernel reads and writes, and the code lives as
            // long as `self.code`.
            unsafe {
                (self.code.func)(
                    self.inputs.as_ptr(),
                    outputs.as_mut_ptr(),
                    self.params.as_ptr(),
                    state.as_mut_ptr(),
                    frames as i64,
                    self.samplerate,
                    lane as i64,
                );
            }
            if !outputs.iter().all(|x| x.is_finite()) {
                outputs.fill(0.0);
                state[..self.state_len].fill(0.0);
                reset = true;
            }
            for (row, output) in outputs.chunks_exact(frames).zip(io.outputs.iter_mut()) {
                for (f, x) in row.iter().enumerate() {
                    output[f * lanes + lane] = *x;
                }
            }
        }
        if reset {
            io.repairs.resets += 1;
        }
    }

    fn inherit(&mut self, old: &mut dyn Node) -> bool {
        let old: &mut dyn std::any::Any = old;
        let Some(old) = old.downcast_mut::<KernelNode>() else { return false };
        if old.lanes != self.lanes || old.code.state != self.code.state {
            return false;
        }
        self.state.copy_from_slice(&old.state);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{compile, CompileOptions};
    use crate::graph::Graph;
    use crate::schedule::{NodeImpl, Schedule};

    /// out = gain * in; state[0] counts calls (per lane).
    unsafe extern "C" fn gain(
        inputs: *const f32,
        outputs: *mut f32,
        params: *const f32,
        state: *mut f64,
        frames: i64,
        _samplerate: f64,
        _lane: i64,
    ) {
        let n = frames as usize;
        let (x, y, g) = unsafe {
            (
                std::slice::from_raw_parts(inputs, n),
                std::slice::from_raw_parts_mut(outputs, n),
                std::slice::from_raw_parts(params, n),
            )
        };
        for f in 0..n {
            y[f] = g[f] * x[f];
        }
        unsafe { *state += 1.0 };
    }

    fn gain_kernel(name: &str) -> InstanceRef {
        // SAFETY: `gain` reads one input row and one parameter row, writes one output row
        // and one state value.
        let code = unsafe { KernelCode::new(name, gain, 1, 1, vec![("calls".into(), 1)], Box::new(())) }.unwrap();
        instance(Arc::new(code), &[KernelParam { name: "gain".into(), default: 0.5, min: -2.0, max: 2.0 }]).unwrap()
    }

    fn opts() -> CompileOptions {
        CompileOptions { samplerate: 48_000.0, max_block: 64, smoothing: 0.0 }
    }

    #[test]
    fn a_kernel_runs_per_lane_with_clamped_parameters() {
        let mut g = Graph::new();
        let src = g.add("const", &[], None).unwrap();
        g.set_param(src, "value", &[1.0, -1.0, 0.25]).unwrap();
        let k = g.add_instance(KIND, gain_kernel("gain"), Some("amp")).unwrap();
        g.connect_input(src, "out", k, "in").unwrap();
        g.set_param(k, "gain", &[0.5]).unwrap();
        g.connect_output(k, "out").unwrap();
        assert!(g.set_param(k, "gain", &[3.0]).unwrap_err().to_string().contains("'gain' = 3 is outside [-2, 2]"));
        let mut s = compile(&g, &opts()).unwrap();
        s.run(64, &[], 0, (None, 0));
        assert_eq!(s.output(2).unwrap(), &[0.5, -0.5, 0.125, 0.5, -0.5, 0.125]);
        assert_eq!(s.lanes(k), Some(3));
    }

    #[test]
    fn replacing_the_instance_keeps_matching_parameters_and_needs_the_same_ports() {
        let mut g = Graph::new();
        let lfo = g.add("sine", &[], None).unwrap();
        let k = g.add_instance(KIND, gain_kernel("a"), None).unwrap();
        g.connect_param(lfo, "out", k, "gain").unwrap();
        g.set_instance(k, gain_kernel("b")).unwrap();
        assert_eq!(g.edges().len(), 1, "the modulation of 'gain' stays");
        let code = unsafe { KernelCode::new("c", gain, 1, 1, vec![], Box::new(())) }.unwrap();
        let other = instance(Arc::new(code), &[KernelParam { name: "level".into(), default: 1.0, min: 0.0, max: 1.0 }])
            .unwrap();
        g.set_instance(k, other).unwrap();
        assert!(g.edges().is_empty(), "'gain' is gone, and its modulation with it");
        assert_eq!(g.node(k).unwrap().params, vec![vec![1.0]]);
        let code = unsafe { KernelCode::new("d", gain, 2, 1, vec![], Box::new(())) }.unwrap();
        let wider = instance(Arc::new(code), &[]).unwrap();
        assert!(g.set_instance(k, wider).unwrap_err().to_string().contains("2 inputs and 1 outputs"));
        assert!(g.add(KIND, &[], None).is_err(), "a kernel needs its code");
    }

    #[test]
    fn a_kernel_swapped_for_one_with_the_same_state_layout_inherits_its_state() {
        let mut g = Graph::new();
        let k = g.add_instance(KIND, gain_kernel("a"), None).unwrap();
        g.connect_output(k, "out").unwrap();
        let mut old = compile(&g, &opts()).unwrap();
        for _ in 0..3 {
            old.run(64, &[], 0, (None, 0));
        }
        g.set_instance(k, gain_kernel("b")).unwrap();
        let mut new = compile(&g, &opts()).unwrap();
        new.migrate_from(&mut old);
        let calls = |s: &mut Schedule| {
            let slot = s.slots.iter_mut().find(|s| s.id == k).unwrap();
            let NodeImpl::Dsp(node) = &mut slot.imp else { unreachable!() };
            let node: &mut dyn std::any::Any = node.as_mut();
            node.downcast_mut::<KernelNode>().unwrap().state[0]
        };
        assert_eq!(calls(&mut new), 3.0, "a copy of the state carries on");
        assert_eq!(calls(&mut old), 3.0, "the old instance keeps its own");
    }

    /// Like `gain`, but its second call writes NaN (and so does every call whose input is
    /// NaN, as the gain's is when the parameter signal is).
    unsafe extern "C" fn faulty(
        inputs: *const f32,
        outputs: *mut f32,
        params: *const f32,
        state: *mut f64,
        frames: i64,
        samplerate: f64,
        lane: i64,
    ) {
        unsafe {
            gain(inputs, outputs, params, state, frames, samplerate, lane);
            if *state == 2.0 {
                *outputs.add(3) = f32::NAN;
            }
        }
    }

    #[test]
    fn non_finite_outputs_reset_the_lane_and_count_as_the_nodes_repair() {
        let code = Arc::new(
            unsafe { KernelCode::new("faulty", faulty, 1, 1, vec![("calls".into(), 1)], Box::new(())) }.unwrap(),
        );
        let params = [KernelParam { name: "gain".into(), default: 1.0, min: -1.0, max: 1.0 }];
        let mut g = Graph::new();
        let src = g.add("const", &[], None).unwrap();
        g.set_param(src, "value", &[1.0, 0.5]).unwrap();
        let k = g.add_instance(KIND, instance(code, &params).unwrap(), None).unwrap();
        g.connect_input(src, "out", k, "in").unwrap();
        // A modulation far outside the range is clamped to it.
        let big = g.add("const", &[], None).unwrap();
        g.set_param(big, "value", &[1000.0]).unwrap();
        g.connect_param(big, "out", k, "gain").unwrap();
        g.connect_output(k, "out").unwrap();
        let mut s = compile(&g, &opts()).unwrap();
        let mut blocks = Vec::new();
        for _ in 0..4 {
            s.run(8, &[], 0, (None, 0));
            blocks.push(s.output(8).unwrap().to_vec());
        }
        let steady: Vec<f32> = [1.0, 0.5].repeat(8);
        assert_eq!(blocks[0], steady, "the constant inputs times the clamped gain, per lane");
        assert_eq!(blocks[1], vec![0.0; 16], "the faulty block is silenced in both lanes");
        assert_eq!(blocks[2], steady, "and their state was reset, so the counts start again");
        assert_eq!(blocks[3], vec![0.0; 16]);
        let repairs = s.repairs(k).unwrap();
        assert_eq!(repairs.resets, 2, "one repair per faulty block, however many lanes it reset");
        assert_eq!(s.take_repairs().resets, 2, "and the schedule's total counts them");
    }
}
