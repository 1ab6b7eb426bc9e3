//! A compiled graph ready for the audio thread, and the pass that runs it over one block.
//!
//! Everything here is preallocated by [`crate::compile`]; [`Schedule::run`] only moves
//! boxed buffers in and out of their slots and never allocates or frees.
//!
//! A buffer whose producer held it constant over the pass ([`Node::constant_outputs`])
//! carries only its first frame until some step reads it frame by frame; parameters driven
//! by it see [`ParamView::Const`]. Firewheel's silence masks do the same for zeros.

use arrayvec::ArrayVec;

use crate::event::EventKind;
use crate::graph::NodeId;
use crate::node::{Node, ParamView, ProcessIo};
use crate::param::ParamState;
use crate::sequence::{Transport, TransportState, DEFAULT_BPM};
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

/// Which way a faded edge goes during a declicked edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fade {
    /// An edge the edit adds: its gain rises from 0 to 1.
    In,
    /// An edge the edit removes: its gain falls from 1 to 0.
    Out,
}

/// Progress of a declicked edit's crossfade, in frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FadeClock {
    pub done: usize,
    pub length: usize,
}

impl FadeClock {
    /// Gain of an edge fading in, `frame` frames into the current pass: a raised cosine
    /// from 0 to 1 (an edge fading out gets one minus it, so the two always sum to 1).
    #[inline]
    fn gain_in(&self, frame: usize) -> f32 {
        let t = ((self.done + frame) as f64 / self.length as f64).min(1.0);
        (0.5 - 0.5 * (std::f64::consts::PI * t).cos()) as f32
    }

    fn finished(&self) -> bool {
        self.done >= self.length
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
}

impl Schedule {
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

    /// Frames of delay node `id` adds to what passes through it, if it is in this schedule.
    pub fn latency(&self, id: NodeId) -> Option<usize> {
        self.slot(id).map(|s| s.latency)
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
        let i = self.index.binary_search_by_key(&id, |e| e.0).ok()?;
        Some(&mut self.slots[self.index[i].1 as usize])
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

    /// Moves the state of every node that survives unchanged from `old` into `self`; the
    /// fresh instances they replace end up in `old`, to be dropped off the audio thread.
    /// Parameters whose constant the edit changed glide to their new value.
    pub(crate) fn migrate_from(&mut self, old: &mut Schedule) {
        self.take_states(old, true);
    }

    /// Takes over from the transition `old` that led here (compiled from the same graph):
    /// node states as [`Schedule::migrate_from`], parameters exactly as they are now, since
    /// events applied during the crossfade are newer than this schedule's constants.
    pub(crate) fn take_over(&mut self, old: &mut Schedule) {
        self.take_states(old, false);
    }

    fn take_states(&mut self, old: &mut Schedule, follow_graph: bool) {
        // Two passes: nodes that inherit from an old instance (a kernel swapped for another)
        // copy its state before the first pass moves it away (an edit's transition can also
        // play the old instance on under a fresh id).
        for inherit in [true, false] {
            for slot in &mut self.slots {
                let origin = match self.origins.binary_search_by_key(&slot.id, |o| o.0) {
                    Ok(i) => self.origins[i].1,
                    Err(_) => slot.id,
                };
                let Some(old_slot) = old.slot_mut(origin) else { continue };
                let same = old_slot.signature == slot.signature;
                if inherit && !same && old_slot.signature.kind == slot.signature.kind {
                    if let (NodeImpl::Dsp(new), NodeImpl::Dsp(old)) = (&mut slot.imp, &mut old_slot.imp) {
                        new.inherit(old.as_mut());
                    }
                }
                if inherit || !same {
                    continue;
                }
                std::mem::swap(&mut slot.imp, &mut old_slot.imp);
                for (new, old) in slot.params.iter_mut().zip(&old_slot.params) {
                    new.migrate_from(old, follow_graph);
                }
            }
        }
    }

    /// Runs every step for `frames` frames (at most `max_block`), with `input` the device
    /// input for these frames (`in_channels` interleaved, possibly none) and `clock` the
    /// transport (if any) and the sample-clock frame the pass starts at.
    pub(crate) fn run(&mut self, frames: usize, input: &[f32], in_channels: usize, clock: (Option<&Transport>, u64)) {
        debug_assert!(frames > 0 && frames <= self.max_block);
        let Schedule { slots, steps, buffers, fills, silence, fade, .. } = self;
        for step in steps.iter() {
            match step {
                Step::Mix { dst, srcs } => {
                    // A sum of constant signals is constant: mix their first frames only.
                    let constant = srcs.iter().all(|s| fills[s.id as usize].is_constant());
                    if !constant {
                        for s in srcs {
                            expand(buffers, fills, *s, frames);
                        }
                    }
                    let mut out = std::mem::take(&mut buffers[dst.id as usize]);
                    mix(&mut out, *dst, srcs, buffers, if constant { 1 } else { frames });
                    buffers[dst.id as usize] = out;
                    fills[dst.id as usize] = if constant { Fill::Constant } else { Fill::Full };
                }
                Step::Crossfade { dst, srcs } => {
                    for (s, _) in srcs {
                        expand(buffers, fills, *s, frames);
                    }
                    let clock = fade.unwrap_or(FadeClock { done: 1, length: 1 });
                    let mut out = std::mem::take(&mut buffers[dst.id as usize]);
                    crossfade(&mut out, *dst, srcs, buffers, frames, &clock);
                    buffers[dst.id as usize] = out;
                    fills[dst.id as usize] = Fill::Full;
                }
                Step::Node { slot, inputs, outputs, params } => {
                    for input in inputs.iter() {
                        if let Source::Buf(b) = input {
                            expand(buffers, fills, *b, frames);
                        }
                    }
                    let slot = &mut slots[*slot as usize];
                    let mut outs: ArrayVec<Box<[f32]>, MAX_PORTS> =
                        outputs.iter().map(|o| std::mem::take(&mut buffers[o.id as usize])).collect();
                    for (state, source) in slot.params.iter_mut().zip(params) {
                        if let ParamSource::Own = source {
                            state.advance(frames);
                        }
                    }
                    {
                        let views: ArrayVec<ParamView, MAX_PARAMS> = slot
                            .params
                            .iter()
                            .zip(params)
                            .map(|(state, source)| match source {
                                ParamSource::Own => state.view(frames),
                                ParamSource::Signal(b) if fills[b.id as usize].is_constant() => {
                                    ParamView::Const(slice(buffers, *b, 1))
                                }
                                ParamSource::Signal(b) => ParamView::Varying(slice(buffers, *b, frames)),
                            })
                            .collect();
                        let ins: ArrayVec<&[f32], MAX_PORTS> =
                            inputs.iter().map(|s| source(buffers, silence, *s, frames)).collect();
                        let mut out_slices: ArrayVec<&mut [f32], MAX_PORTS> =
                            outs.iter_mut().zip(outputs).map(|(b, o)| &mut b[..frames * o.channels as usize]).collect();
                        if let NodeImpl::Dsp(node) = &mut slot.imp {
                            node.process(&mut ProcessIo {
                                frames,
                                inputs: &ins,
                                outputs: &mut out_slices,
                                params: &views,
                            });
                        }
                    }
                    let constant = match &slot.imp {
                        NodeImpl::Dsp(node) => node.constant_outputs(),
                        NodeImpl::Feedback(_) => 0,
                    };
                    for (port, (b, o)) in outs.into_iter().zip(outputs).enumerate() {
                        buffers[o.id as usize] = b;
                        fills[o.id as usize] = if constant & (1 << port) != 0 { Fill::Constant } else { Fill::Full };
                    }
                }
                Step::FeedbackRead { slot, out } => {
                    if let NodeImpl::Feedback(line) = &mut slots[*slot as usize].imp {
                        let n = frames * out.channels as usize;
                        line.read(&mut buffers[out.id as usize][..n], frames);
                    }
                    fills[out.id as usize] = Fill::Full;
                }
                Step::FeedbackWrite { slot, input } => {
                    if let Source::Buf(b) = input {
                        expand(buffers, fills, *b, frames);
                    }
                    if let NodeImpl::Feedback(line) = &mut slots[*slot as usize].imp {
                        line.write(source(buffers, silence, *input, frames), frames);
                    }
                }
                Step::Clock { outputs } => {
                    write_clock(buffers, outputs, frames, clock);
                    for o in outputs {
                        fills[o.id as usize] = Fill::Full;
                    }
                }
                Step::DeviceInput { first, out } => {
                    let ch = out.channels as usize;
                    let dst = &mut buffers[out.id as usize][..frames * ch];
                    copy_channels(dst, ch, input, in_channels, *first as usize);
                    fills[out.id as usize] = Fill::Full;
                }
            }
        }
        if let Some(out) = self.output {
            expand(&mut self.buffers, &mut self.fills, out, frames);
        }
        if let Some(f) = &mut self.fade {
            f.done = (f.done + frames).min(f.length);
        }
    }

    /// The graph output of the last pass, interleaved.
    pub(crate) fn output(&self, frames: usize) -> Option<&[f32]> {
        self.output.map(|b| slice(&self.buffers, b, frames))
    }
}

#[inline]
fn slice(buffers: &[Box<[f32]>], b: BufRef, frames: usize) -> &[f32] {
    &buffers[b.id as usize][..frames * b.channels as usize]
}

#[inline]
fn source<'a>(buffers: &'a [Box<[f32]>], silence: &'a [f32], s: Source, frames: usize) -> &'a [f32] {
    match s {
        Source::Buf(b) => slice(buffers, b, frames),
        Source::Silence(ch) => &silence[..frames * ch as usize],
    }
}

/// Copies channels `first..first + out_ch` of `input` into `out`, silence where missing.
fn copy_channels(out: &mut [f32], out_ch: usize, input: &[f32], in_ch: usize, first: usize) {
    if in_ch == 0 || first >= in_ch {
        out.fill(0.0);
        return;
    }
    for (row, src) in out.chunks_exact_mut(out_ch).zip(input.chunks_exact(in_ch)) {
        for (c, o) in row.iter_mut().enumerate() {
            *o = src.get(first + c).copied().unwrap_or(0.0);
        }
    }
}

/// Fills a clock node's outputs (beat, bpm, period, playing) for `frames` frames from
/// `(transport, first frame)`; without a transport, beat 0 at 120 BPM, stopped.
fn write_clock(buffers: &mut [Box<[f32]>], outputs: &[BufRef; 4], frames: usize, clock: (Option<&Transport>, u64)) {
    let (transport, start) = clock;
    // The four outputs are distinct buffers: take them out to fill them side by side.
    let [mut beat, mut bpm, mut period, mut playing] = outputs.map(|o| std::mem::take(&mut buffers[o.id as usize]));
    let rows = beat[..frames].iter_mut().zip(&mut bpm[..frames]).zip(&mut period[..frames]).zip(&mut playing[..frames]);
    for (f, (((b, t), p), on)) in rows.enumerate() {
        let (now, tempo, moving) = match transport {
            Some(tr) => {
                let now = tr.beat_at(start + f as u64);
                (now, tr.tempo_map().bpm(now), tr.state() == TransportState::Playing)
            }
            None => (0.0, DEFAULT_BPM, false),
        };
        *b = now as f32;
        *t = tempo as f32;
        *p = (60.0 / tempo) as f32;
        *on = if moving { 1.0 } else { 0.0 };
    }
    for (o, buffer) in outputs.iter().zip([beat, bpm, period, playing]) {
        buffers[o.id as usize] = buffer;
    }
}

/// Writes every frame of a buffer that holds only its first (constant) frame.
fn expand(buffers: &mut [Box<[f32]>], fills: &mut [Fill], b: BufRef, frames: usize) {
    let id = b.id as usize;
    if fills[id] != Fill::Constant {
        return;
    }
    let ch = b.channels as usize;
    let (first, rest) = buffers[id][..frames * ch].split_at_mut(ch);
    for row in rest.chunks_exact_mut(ch) {
        row.copy_from_slice(first);
    }
    fills[id] = Fill::ConstantExpanded;
}

fn mix(out: &mut [f32], dst: BufRef, srcs: &[BufRef], buffers: &[Box<[f32]>], frames: usize) {
    let ch = dst.channels as usize;
    let out = &mut out[..frames * ch];
    out.fill(0.0);
    for src in srcs {
        let input = slice(buffers, *src, frames);
        if src.channels == dst.channels {
            for (o, i) in out.iter_mut().zip(input) {
                *o += *i;
            }
        } else {
            for (row, &i) in out.chunks_exact_mut(ch).zip(input) {
                for o in row {
                    *o += i;
                }
            }
        }
    }
}

/// `mix` with per-edge fades: a faded source is weighted by the clock's raised cosine.
fn crossfade(
    out: &mut [f32],
    dst: BufRef,
    srcs: &[(BufRef, Option<Fade>)],
    buffers: &[Box<[f32]>],
    frames: usize,
    clock: &FadeClock,
) {
    let ch = dst.channels as usize;
    let out = &mut out[..frames * ch];
    out.fill(0.0);
    for (src, fade) in srcs {
        let input = slice(buffers, *src, frames);
        let wide = src.channels == dst.channels;
        for (f, row) in out.chunks_exact_mut(ch).enumerate() {
            let gain = match fade {
                None => 1.0,
                Some(Fade::In) => clock.gain_in(f),
                Some(Fade::Out) => 1.0 - clock.gain_in(f),
            };
            if wide {
                for (o, i) in row.iter_mut().zip(&input[f * ch..f * ch + ch]) {
                    *o += gain * *i;
                }
            } else {
                for o in row {
                    *o += gain * input[f];
                }
            }
        }
    }
}

/// The delay line behind a `feedback` node: its output is its input delayed by exactly
/// `delay` frames (the engine's maximum block), which is what lets it close a cycle.
pub(crate) struct FeedbackLine {
    channels: usize,
    delay: usize,
    ring: Box<[f32]>,
    frames: usize,
    pos: usize,
}

impl FeedbackLine {
    pub(crate) fn new(channels: usize, delay: usize) -> Self {
        let frames = 2 * delay;
        FeedbackLine { channels, delay, ring: vec![0.0; frames * channels].into(), frames, pos: 0 }
    }

    fn read(&self, out: &mut [f32], frames: usize) {
        let ch = self.channels;
        let mut from = (self.pos + self.frames - self.delay) % self.frames;
        for row in out.chunks_exact_mut(ch).take(frames) {
            row.copy_from_slice(&self.ring[from * ch..from * ch + ch]);
            from = (from + 1) % self.frames;
        }
    }

    fn write(&mut self, input: &[f32], frames: usize) {
        let ch = self.channels;
        let wide = input.len() == frames * ch;
        for f in 0..frames {
            let row = &mut self.ring[self.pos * ch..self.pos * ch + ch];
            if wide {
                row.copy_from_slice(&input[f * ch..f * ch + ch]);
            } else {
                row.fill(input[f]);
            }
            self.pos = (self.pos + 1) % self.frames;
        }
    }
}
