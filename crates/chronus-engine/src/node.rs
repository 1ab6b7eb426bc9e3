//! The interface between the engine and a DSP node.
//!
//! Buffers are interleaved frame-major: sample `c` of frame `f` in a `C`-channel buffer is
//! at `f * C + c`. Nodes with many lanes (voices) therefore run their per-frame work as an
//! inner loop over contiguous lanes, which the compiler vectorizes.

use crate::error::{Error, Result};
use crate::event::NodeEvent;
use crate::spec::{ArrayData, InstanceRef, NodeSpec, OptValue};

/// The value of one parameter over the current (sub-)block, one value per lane.
#[derive(Debug, Clone, Copy)]
pub enum ParamView<'a> {
    /// The same per-lane values for every frame of the block (`len == lanes`).
    Const(&'a [f32]),
    /// Per-frame values, interleaved (`len == frames * lanes`).
    Varying(&'a [f32]),
}

impl<'a> ParamView<'a> {
    /// The per-lane values at `frame` (`lanes` long).
    #[inline(always)]
    pub fn frame(&self, frame: usize, lanes: usize) -> &'a [f32] {
        match *self {
            ParamView::Const(v) => v,
            ParamView::Varying(v) => &v[frame * lanes..frame * lanes + lanes],
        }
    }

    /// The per-lane values if they are constant over the block.
    #[inline]
    pub fn as_const(&self) -> Option<&'a [f32]> {
        match *self {
            ParamView::Const(v) => Some(v),
            ParamView::Varying(_) => None,
        }
    }

    /// The value of `lane` at `frame`.
    #[inline(always)]
    pub fn at(&self, frame: usize, lane: usize, lanes: usize) -> f32 {
        match *self {
            ParamView::Const(v) => v[lane],
            ParamView::Varying(v) => v[frame * lanes + lane],
        }
    }

    /// The values of one lane, for nodes that run a lane through a whole block at a time.
    #[inline]
    pub fn lane(&self, lane: usize, lanes: usize) -> LaneView<'a> {
        match *self {
            ParamView::Const(v) => LaneView { values: &v[lane..=lane], stride: 0 },
            ParamView::Varying(v) => LaneView { values: &v[lane..], stride: lanes },
        }
    }
}

/// One lane of a parameter over the current (sub-)block ([`ParamView::lane`]).
#[derive(Debug, Clone, Copy)]
pub struct LaneView<'a> {
    values: &'a [f32],
    /// Distance between frames in `values` (0 for a constant).
    stride: usize,
}

impl LaneView<'_> {
    /// The value at `frame`.
    #[inline(always)]
    pub fn at(&self, frame: usize) -> f32 {
        self.values[frame * self.stride]
    }

    /// The value if it is constant over the block.
    #[inline]
    pub fn as_const(&self) -> Option<f32> {
        (self.stride == 0).then(|| self.values[0])
    }
}

/// What nodes repaired, counted for the engine's statistics (per node and in total).
///
/// A recursive node (filter, delay line, reverb, feedback path) checks its state once per
/// block; state gone non-finite (NaN or infinity, from its input or from a blow-up) is
/// reset, so a bad block costs that block and not the rest of the performance.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Repairs {
    /// Blocks after which the node found non-finite state and reset it.
    pub resets: u64,
    /// Non-finite input samples the node left out of what it measures (meters).
    pub ignored: u64,
}

impl Repairs {
    /// Whether nothing was repaired.
    pub fn is_empty(&self) -> bool {
        *self == Repairs::default()
    }

    /// Adds `other`'s counts.
    pub fn add(&mut self, other: Repairs) {
        self.resets += other.resets;
        self.ignored += other.ignored;
    }
}

/// What a node sees in one call to [`Node::process`].
pub struct ProcessIo<'a, 'b> {
    /// Number of frames to produce (at most the engine's maximum block).
    pub frames: usize,
    /// One interleaved slice per input port, `frames * channels` long.
    pub inputs: &'b [&'a [f32]],
    /// One interleaved slice per output port, `frames * channels` long.
    pub outputs: &'b mut [&'a mut [f32]],
    /// One view per parameter, in spec order.
    pub params: &'b [ParamView<'a>],
    /// Frame of the engine's sample clock at which this call's first frame plays.
    pub time: u64,
    /// Where the node counts what it repaired during this call (starts empty).
    pub repairs: &'b mut Repairs,
}

/// A prepared DSP node. `process` runs on the audio thread: it must not allocate, free,
/// lock, block, log or panic.
pub trait Node: Send + std::any::Any {
    /// Produces `io.frames` frames from the inputs and parameters.
    fn process(&mut self, io: &mut ProcessIo<'_, '_>);

    /// Receives a musical event stamped for the first frame of the next `process` call (the
    /// engine splits blocks at event times). Nodes that play no notes ignore them.
    fn event(&mut self, _event: &NodeEvent) {}

    /// Frames by which the node delays what passes through it (lookahead, linear-phase
    /// filters), fixed once built. The compiler records it so callers can align paths.
    fn latency(&self) -> usize {
        0
    }

    /// Output ports (bit `p` for port `p`) whose values the last `process` call held
    /// constant over every frame, writing only the first frame (`channels` values).
    ///
    /// The engine fills in the other frames only if a consumer reads the port as an audio
    /// input; a parameter driven by it sees [`ParamView::Const`], so its consumer can take
    /// its per-block fast path (control-rate signals such as a voice allocator's pitch and
    /// gate cost nothing per frame). A port must not be reported constant unless its first
    /// frame was written. The default reports none.
    fn constant_outputs(&self) -> u32 {
        0
    }

    /// Takes over what it can of the state of `old`, the instance it replaces in an edit
    /// that changed the node's signature (so `old` was not moved over whole), and returns
    /// whether it took anything. Runs on the audio thread at the swap: it must not
    /// allocate. A kernel swapped for another with the same state layout starts from a
    /// copy of the old kernel's state; other nodes start afresh (the default).
    fn inherit(&mut self, _old: &mut dyn Node) -> bool {
        false
    }

    /// The reading end of the feature feed this node writes ([`crate::analysis::feed`]),
    /// taken once by the compiler on the control thread right after the node is built.
    /// Nodes that publish no frames have none.
    fn take_feed(&mut self) -> Option<crate::analysis::feed::FeedReader> {
        None
    }
}

/// Everything a node kind needs to build a prepared instance.
#[derive(Debug)]
pub struct BuildCtx<'a> {
    /// The kind being built.
    pub spec: &'static NodeSpec,
    /// Display name of the node, for error messages.
    pub name: &'a str,
    /// Sample rate in Hz.
    pub samplerate: f64,
    /// Largest block the node will be asked to process, in frames.
    pub max_block: usize,
    /// Number of parallel lanes (voices/channels) the node runs.
    pub lanes: usize,
    /// Channel count of each input port as the node will receive it.
    pub input_channels: &'a [usize],
    /// Whether anything is connected to each input port (an unconnected port reads silence).
    pub connected: &'a [bool],
    /// Options, complete (defaults filled in) and in spec order.
    pub options: &'a [OptValue],
    /// Each parameter's value as the node starts (one per lane, or one for all lanes), in
    /// spec order, in the parameter's unit; a parameter fed by a signal follows the signal
    /// instead, and commands may change any of them before the node plays.
    pub params: &'a [Vec<f32>],
    /// Whether the node is built to play (false: compiled only to learn what the graph
    /// became, [`crate::compile::compile_info`]), so that it may skip work only playing needs.
    pub plays: bool,
    /// The ports and parameters this node declares for itself (a kernel's), if any; they
    /// replace the kind's lists (see [`crate::spec::Instance`]).
    pub instance: Option<&'a InstanceRef>,
}

impl BuildCtx<'_> {
    /// The numeric option `name`.
    pub fn num(&self, name: &str) -> f64 {
        match self.option(name) {
            OptValue::Num(v) => *v,
            _ => unreachable!("option {name} is validated as a number"),
        }
    }

    /// The choice option `name`.
    pub fn text(&self, name: &str) -> &str {
        match self.option(name) {
            OptValue::Text(v) => v,
            _ => unreachable!("option {name} is validated as text"),
        }
    }

    /// The array option `name`.
    pub fn array(&self, name: &str) -> &ArrayData {
        match self.option(name) {
            OptValue::Array(v) => v,
            _ => unreachable!("option {name} is validated as an array"),
        }
    }

    fn option(&self, name: &str) -> &OptValue {
        let i = self
            .spec
            .options
            .iter()
            .position(|o| o.name == name)
            .unwrap_or_else(|| panic!("{} has no option {name}", self.spec.kind));
        &self.options[i]
    }

    /// An error naming this node.
    pub fn invalid(&self, msg: impl std::fmt::Display) -> Error {
        Error::Invalid(format!("{}: {msg}", self.name))
    }
}

/// A freshly built node and the channel count of each of its outputs.
pub struct Built {
    /// The prepared instance.
    pub node: Box<dyn Node>,
    /// Channels of each output port, in spec order.
    pub output_channels: Vec<usize>,
}

impl Built {
    /// A node whose every output has one channel per lane.
    pub fn lanes(node: impl Node + 'static, ctx: &BuildCtx) -> Result<Built> {
        Ok(Built { node: Box::new(node), output_channels: vec![ctx.lanes; ctx.spec.outputs.len()] })
    }
}
