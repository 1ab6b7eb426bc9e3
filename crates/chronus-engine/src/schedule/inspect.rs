//! Looking inside a running schedule, on demand: how long each node takes per pass (two clock
//! reads around its `process`), what it repaired, and the latest frame of every node output.
//!
//! Everything is preallocated when the schedule is compiled: the schedule's [`Inspector`]
//! keeps each slot's timing and the latest frame of every output port, and holds the writing
//! end of a triple buffer of [`Inspection`]s. The audio thread measures only what the flags
//! ask for ([`PROFILE`], [`VALUES`]; nothing by default) and the processor publishes once per
//! call ([`Schedule::publish_inspection`]); the control thread reads the latest published
//! whole through an [`InspectionReader`], taken from the schedule before it is sent
//! ([`Schedule::take_inspection_readers`]).

use std::time::Duration;

use super::Schedule;
use crate::graph::NodeId;
use crate::node::Repairs;

/// Flag: time every node's `process` (two clock reads per node and pass).
pub const PROFILE: u8 = 1;
/// Flag: keep the last frame of every node output.
pub const VALUES: u8 = 2;

/// Where each output port of a node keeps its last frame: (start in [`Inspection::values`],
/// channels), port after port.
type PortLayout = Box<[(u32, u32)]>;

/// Time one node spent in `process`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NodeTiming {
    /// Total, in nanoseconds.
    pub total_ns: u64,
    /// Longest single pass, in nanoseconds.
    pub worst_ns: u64,
    /// Passes timed (a call runs one pass per block, more when events split it).
    pub passes: u64,
}

/// One node as an [`Inspection`] reports it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NodeReading {
    /// The node.
    pub id: NodeId,
    /// Its time in `process` since profiling was last switched on (carried across edits).
    pub timing: NodeTiming,
    /// What it repaired since it was built ([`crate::node::Repairs`]).
    pub repairs: Repairs,
}

/// What a schedule publishes after a call of the processor.
#[derive(Debug, Clone, Default)]
pub struct Inspection {
    /// The sample clock after the call (0: nothing published yet).
    pub clock: u64,
    /// Every node, in the schedule's slot order.
    pub nodes: Box<[NodeReading]>,
    /// The last frame of every output port of every node, slot after slot, port after port,
    /// all channels (see [`InspectionReader::values`]); zeros until [`VALUES`] is on.
    pub values: Box<[f32]>,
}

/// The schedule's side: what to measure, the measurements, and where to publish them.
pub(crate) struct Inspector {
    /// [`PROFILE`] | [`VALUES`], or 0.
    flags: u8,
    /// Per slot.
    timings: Box<[NodeTiming]>,
    /// Per slot, per output port: (start in `latest`, channels).
    ports: Box<[PortLayout]>,
    /// The last frame of every output port, laid out as [`Inspection::values`].
    latest: Box<[f32]>,
    out: triple_buffer::Input<Inspection>,
    reader: Option<InspectionReader>,
}

impl Inspector {
    /// An inspector for slots holding `nodes` (id and output channel counts, in slot order).
    pub(crate) fn new<'a>(nodes: impl Iterator<Item = (NodeId, &'a [usize])>) -> Self {
        let mut ids = Vec::new();
        let mut ports = Vec::new();
        let mut at = 0u32;
        for (id, channels) in nodes {
            let list: PortLayout = channels
                .iter()
                .map(|&c| {
                    let port = (at, c as u32);
                    at += c as u32;
                    port
                })
                .collect();
            ids.push(id);
            ports.push(list);
        }
        let initial = Inspection {
            clock: 0,
            nodes: ids.iter().map(|&id| NodeReading { id, ..Default::default() }).collect(),
            values: vec![0.0; at as usize].into(),
        };
        let (input, output) = triple_buffer::triple_buffer(&initial);
        let mut by_id: Vec<(NodeId, PortLayout)> = ids.iter().copied().zip(ports.iter().cloned()).collect();
        by_id.sort_by_key(|p| p.0);
        Inspector {
            flags: 0,
            timings: vec![NodeTiming::default(); ids.len()].into(),
            ports: ports.into(),
            latest: vec![0.0; at as usize].into(),
            out: input,
            reader: Some(InspectionReader { out: output, ports: by_id }),
        }
    }

    /// Whether every node's `process` is timed.
    #[inline]
    pub(crate) fn profiling(&self) -> bool {
        self.flags & PROFILE != 0
    }

    /// Whether output frames are kept.
    #[inline]
    pub(crate) fn keeping(&self) -> bool {
        self.flags & VALUES != 0
    }

    /// Counts one timed pass of slot `slot`.
    #[inline]
    pub(crate) fn time(&mut self, slot: usize, took: Duration) {
        let Some(t) = self.timings.get_mut(slot) else { return };
        let ns = took.as_nanos() as u64;
        t.total_ns += ns;
        t.worst_ns = t.worst_ns.max(ns);
        t.passes += 1;
    }

    /// Keeps `row` (one frame, all channels) as the latest frame of output `port` of slot `slot`.
    #[inline]
    pub(crate) fn keep(&mut self, slot: usize, port: usize, row: &[f32]) {
        let Some(&(start, channels)) = self.ports.get(slot).and_then(|p| p.get(port)) else { return };
        let (start, channels) = (start as usize, channels as usize);
        if let Some(dst) = self.latest.get_mut(start..start + channels) {
            dst.copy_from_slice(&row[..channels.min(row.len())]);
        }
    }

    /// The timing of slot `slot`, for carrying it into the next schedule.
    pub(crate) fn timing(&self, slot: usize) -> NodeTiming {
        self.timings.get(slot).copied().unwrap_or_default()
    }

    /// Sets the timing of slot `slot` (carried from the schedule before).
    pub(crate) fn set_timing(&mut self, slot: usize, timing: NodeTiming) {
        if let Some(t) = self.timings.get_mut(slot) {
            *t = timing;
        }
    }
}

/// The control thread's end: the latest [`Inspection`] a schedule published.
pub struct InspectionReader {
    out: triple_buffer::Output<Inspection>,
    /// Per node, sorted by id: (start in `values`, channels) of each output port.
    ports: Vec<(NodeId, PortLayout)>,
}

impl InspectionReader {
    /// The latest inspection published (its `clock` is 0 if there was none yet).
    pub fn latest(&mut self) -> &Inspection {
        self.out.read()
    }

    /// The last frame of output `port` of node `id` in the latest inspection (one value
    /// per channel), if the schedule runs that node and port.
    pub fn values(&mut self, id: NodeId, port: usize) -> Option<&[f32]> {
        let i = self.ports.binary_search_by_key(&id, |p| p.0).ok()?;
        let (start, channels) = *self.ports[i].1.get(port)?;
        let (start, channels) = (start as usize, channels as usize);
        self.out.read().values.get(start..start + channels)
    }
}

impl Schedule {
    /// Measures what `flags` ask for ([`PROFILE`], [`VALUES`]; 0: nothing), here and in the
    /// schedule a transition leads to. Switching profiling on starts its timings from zero.
    pub(crate) fn set_inspect(&mut self, flags: u8) {
        let inspector = &mut self.inspector;
        if flags & PROFILE != 0 && !inspector.profiling() {
            inspector.timings.fill(NodeTiming::default());
        }
        inspector.flags = flags;
        if let Some(next) = &mut self.next {
            next.set_inspect(flags);
        }
    }

    /// Whether anything is measured.
    pub(crate) fn inspecting(&self) -> bool {
        self.inspector.flags != 0
    }

    /// Publishes every node's timing, repairs and latest output frame for the control
    /// thread, stamped with the sample clock `clock`. Never allocates.
    pub(crate) fn publish_inspection(&mut self, clock: u64) {
        let Schedule { slots, inspector, .. } = self;
        let Inspector { timings, latest, out, .. } = inspector;
        let published = out.input_buffer_mut();
        published.clock = clock;
        for ((reading, slot), timing) in published.nodes.iter_mut().zip(slots.iter()).zip(timings.iter()) {
            reading.timing = *timing;
            reading.repairs = slot.repairs;
        }
        published.values.copy_from_slice(latest);
        out.publish();
    }

    /// Takes the reading ends of this schedule's inspections (and of the schedule a
    /// transition leads to); control thread, before the schedule is sent.
    pub fn take_inspection_readers(&mut self) -> Vec<InspectionReader> {
        let mut readers: Vec<InspectionReader> = self.inspector.reader.take().into_iter().collect();
        if let Some(next) = &mut self.next {
            readers.extend(next.take_inspection_readers());
        }
        readers
    }
}
