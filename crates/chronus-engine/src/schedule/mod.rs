//! A compiled graph ready for the audio thread.
//!
//! Everything here is preallocated by [`crate::compile::compile`]; running a schedule
//! (`Schedule::run`, in `run.rs`) only moves boxed buffers in and out of their slots and
//! never allocates or frees.
//!
//! The module is split by job:
//! - this file: the schedule's types (steps, slots, signatures) and event application;
//! - `migrate.rs`: carrying node state from the playing schedule into a new one;
//! - `run.rs`: the pass that runs every step over one block;
//! - `mix.rs`: the mixing and crossfade kernels;
//! - `feedback.rs`: the delay lines behind feedback nodes;
//! - `inspect.rs`: per-node timings and output values, measured on demand.
//!
//! A buffer whose producer held it constant over the pass ([`Node::constant_outputs`])
//! carries only its first frame until some step reads it frame by frame; parameters driven
//! by it see [`ParamView::Const`]. Firewheel's silence masks do the same for zeros.
//!
//! [`Node::constant_outputs`]: crate::node::Node::constant_outputs
//! [`ParamView::Const`]: crate::node::ParamView::Const

mod feedback;
mod inspect;
mod migrate;
mod mix;
mod run;

pub(crate) use feedback::FeedbackLine;
pub(crate) use inspect::Inspector;
pub use inspect::{Inspection, InspectionReader, NodeReading, NodeTiming, PROFILE, VALUES};
pub(crate) use migrate::{MigrationPlan, Shadow};
pub(crate) use mix::{Fade, FadeClock};

use crate::event::EventKind;
use crate::graph::NodeId;
use crate::node::{Node, Repairs};
use crate::param::ParamState;
use crate::spec::{InstanceRef, OptValue};

/// Most ports a node kind may declare on each side.
pub const MAX_PORTS: usize = 8;
/// Most parameters a node kind may declare.
pub const MAX_PARAMS: usize = 40;

/// A slice of a pool buffer: `channels` interleaved channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BufRef {
    pub id: u32,
    pub channels: u32,
}

/// Where a node input comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source {
    Buf(BufRef),
    Silence(u32),
}

/// Where a parameter's values come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ParamSource {
    /// The parameter's own constant/ramp state.
    Own,
    /// A signal with one channel per lane.
    Signal(BufRef),
}

pub(crate) enum Step {
    /// `dst = sum of srcs`, each mono source copied to every channel.
    Mix {
        dst: BufRef,
        srcs: Vec<BufRef>,
    },
    /// Like `Mix`, with the sources an edit adds or removes faded in or out along the
    /// schedule's [`FadeClock`] (a declicked edit, see [`crate::transition`]).
    Crossfade {
        dst: BufRef,
        srcs: Vec<(BufRef, Option<Fade>)>,
    },
    Node {
        slot: u32,
        inputs: Box<[Source]>,
        outputs: Box<[BufRef]>,
        params: Box<[ParamSource]>,
    },
    FeedbackRead {
        slot: u32,
        out: BufRef,
    },
    /// Copies device input channels `first..first + out.channels` (silence where the device
    /// has fewer).
    DeviceInput {
        first: u32,
        out: BufRef,
    },
    FeedbackWrite {
        slot: u32,
        input: Source,
    },
    /// Writes the transport's beat, bpm, beat period and playing flag (mono each).
    Clock {
        outputs: [BufRef; 4],
    },
}

/// What the frames of a pool buffer hold during the current pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fill {
    /// Every frame was written and may differ.
    Full,
    /// Every frame holds the same values; only the first frame is written.
    Constant,
    /// Every frame holds the same values and every frame is written.
    ConstantExpanded,
}

impl Fill {
    fn is_constant(self) -> bool {
        self != Fill::Full
    }
}

/// What a node slot runs.
pub(crate) enum NodeImpl {
    Dsp(Box<dyn Node>),
    Feedback(FeedbackLine),
}

/// What must match for a node's state to carry over into a new schedule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Signature {
    pub kind: &'static str,
    pub options: Vec<OptValue>,
    pub lanes: usize,
    pub inputs: Vec<usize>,
    pub connected: Vec<bool>,
    pub outputs: Vec<usize>,
    /// The node's own ports and parameters (a kernel's code), compared by identity.
    pub instance: Option<InstanceRef>,
}

pub(crate) struct NodeSlot {
    pub id: NodeId,
    pub imp: NodeImpl,
    pub params: Vec<ParamState>,
    pub signature: Signature,
    /// Frames of delay the node adds ([`Node::latency`]).
    pub latency: usize,
    /// What the node repaired since it was built (follows its state across edits).
    pub repairs: Repairs,
}

/// A graph compiled for a sample rate and maximum block size.
pub struct Schedule {
    pub(crate) slots: Vec<NodeSlot>,
    pub(crate) steps: Vec<Step>,
    pub(crate) buffers: Vec<Box<[f32]>>,
    /// What each pool buffer holds during the current pass.
    pub(crate) fills: Vec<Fill>,
    pub(crate) silence: Box<[f32]>,
    /// `(node id, slot index)` sorted by id.
    pub(crate) index: Vec<(NodeId, u32)>,
    pub(crate) output: Option<BufRef>,
    pub(crate) samplerate: f64,
    pub(crate) max_block: usize,
    /// Set on a transition schedule: how far its crossfade has gone.
    pub(crate) fade: Option<FadeClock>,
    /// Set on a transition schedule: the edited graph's own schedule, which takes over
    /// (with every surviving node's state) once the crossfade is done.
    pub(crate) next: Option<Box<Schedule>>,
    /// Set on a transition schedule: nodes that play under a fresh id here and take their
    /// state from another id in the schedule before, as (id here, id before), sorted.
    pub(crate) origins: Vec<(NodeId, NodeId)>,
    /// Which engine-sent schedule this is (0: none, as offline), for [`MigrationPlan`]s.
    pub(crate) generation: u64,
    /// Slots whose state carries over from the schedule before, planned off the audio
    /// thread.
    pub(crate) plan: Option<MigrationPlan>,
    /// The reading ends of the feature feeds its nodes write, until taken.
    pub(crate) feeds: Vec<(NodeId, crate::analysis::feed::FeedReader)>,
    /// What the nodes repaired since [`Schedule::take_repairs`] was last called.
    pub(crate) repairs: Repairs,
    /// Per-node timings and output values, measured on demand.
    pub(crate) inspector: Inspector,
}

impl Schedule {
    /// Takes the reading ends of the feature feeds written by this schedule's nodes (and
    /// not those of a transition's next schedule: see [`crate::analysis::feed::Feeds`]).
    pub fn take_feeds(&mut self) -> Vec<(NodeId, crate::analysis::feed::FeedReader)> {
        std::mem::take(&mut self.feeds)
    }

    /// What must match for node `id`'s state to carry over into a later schedule.
    pub(crate) fn signature(&self, id: NodeId) -> Option<&Signature> {
        self.slot(id).map(|s| &s.signature)
    }

    /// The id whose state node `id` takes over when this schedule is swapped in (its own,
    /// unless a transition renamed it).
    pub(crate) fn origin(&self, id: NodeId) -> NodeId {
        match self.origins.binary_search_by_key(&id, |o| o.0) {
            Ok(i) => self.origins[i].1,
            Err(_) => id,
        }
    }

    /// Sample rate in Hz.
    pub fn samplerate(&self) -> f64 {
        self.samplerate
    }

    /// Largest block in frames.
    pub fn max_block(&self) -> usize {
        self.max_block
    }

    /// Channels of the graph output (0 when nothing is connected to it).
    pub fn output_channels(&self) -> usize {
        self.output.map_or(0, |b| b.channels as usize)
    }

    /// Number of lanes node `id` runs, if it is in this schedule.
    pub fn lanes(&self, id: NodeId) -> Option<usize> {
        self.slot(id).map(|s| s.signature.lanes)
    }

    /// Channels of each output port of node `id`, if it is in this schedule.
    pub fn output_channels_of(&self, id: NodeId) -> Option<&[usize]> {
        self.slot(id).map(|s| s.signature.outputs.as_slice())
    }

    /// Frames of delay node `id` adds to what passes through it, if it is in this schedule.
    pub fn latency(&self, id: NodeId) -> Option<usize> {
        self.slot(id).map(|s| s.latency)
    }

    /// What node `id` repaired since it was built (carried across edits with its state), if
    /// it is in this schedule.
    pub fn repairs(&self, id: NodeId) -> Option<Repairs> {
        self.slot(id).map(|s| s.repairs)
    }

    /// What every node repaired since the last call (the processor adds it to its counters).
    pub(crate) fn take_repairs(&mut self) -> Repairs {
        std::mem::take(&mut self.repairs)
    }

    /// Number of DSP steps (nodes, mixes, feedback reads/writes) per pass.
    pub fn step_count(&self) -> usize {
        self.steps.len()
    }

    /// Number of pooled buffers (after reuse by liveness).
    pub fn buffer_count(&self) -> usize {
        self.buffers.len()
    }

    /// Whether this is a transition whose crossfade is still running or waiting to hand
    /// over to the schedule it leads to.
    pub fn in_transition(&self) -> bool {
        self.next.is_some()
    }

    /// Whether this transition's crossfade is complete.
    pub(crate) fn transition_finished(&self) -> bool {
        self.next.is_some() && self.fade.is_none_or(|f| f.finished())
    }

    fn slot(&self, id: NodeId) -> Option<&NodeSlot> {
        let i = self.index.binary_search_by_key(&id, |e| e.0).ok()?;
        Some(&self.slots[self.index[i].1 as usize])
    }

    fn slot_mut(&mut self, id: NodeId) -> Option<&mut NodeSlot> {
        let i = self.slot_index(id)?;
        Some(&mut self.slots[i])
    }

    fn slot_index(&self, id: NodeId) -> Option<usize> {
        let i = self.index.binary_search_by_key(&id, |e| e.0).ok()?;
        Some(self.index[i].1 as usize)
    }

    /// Applies an event now; returns false if its target is not in this schedule.
    pub(crate) fn apply(&mut self, event: &EventKind) -> bool {
        match *event {
            EventKind::Param { node, param, lane, value, ramp } => {
                let Some(slot) = self.slot_mut(node) else { return false };
                let Some(state) = slot.params.get_mut(param as usize) else { return false };
                if lane.is_some_and(|l| l as usize >= state.lanes()) {
                    return false;
                }
                state.set(lane.map(usize::from), value, ramp);
                true
            }
            EventKind::Node { node, event } => match self.slot_mut(node).map(|s| &mut s.imp) {
                Some(NodeImpl::Dsp(dsp)) => {
                    dsp.event(&event);
                    true
                }
                _ => false,
            },
            // Routed by the processor before they get here.
            EventKind::Midi { .. } | EventKind::MidiOut { .. } => false,
        }
    }
}
