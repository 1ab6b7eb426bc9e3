//! The pass that runs every step of a schedule over one block.

use std::time::Instant;

use arrayvec::ArrayVec;

use super::mix::{crossfade, mix, FadeClock};
use super::{BufRef, Fill, NodeImpl, ParamSource, Schedule, Source, Step, MAX_PARAMS, MAX_PORTS};
use crate::node::{ParamView, ProcessIo, Repairs};
use crate::sequence::{Transport, TransportState, DEFAULT_BPM};

impl Schedule {
    /// Runs every step for `frames` frames (at most `max_block`), with `input` the device
    /// input for these frames (`in_channels` interleaved, possibly none) and `clock` the
    /// transport (if any) and the sample-clock frame the pass starts at.
    pub(crate) fn run(&mut self, frames: usize, input: &[f32], in_channels: usize, clock: (Option<&Transport>, u64)) {
        debug_assert!(frames > 0 && frames <= self.max_block);
        let Schedule { slots, steps, buffers, fills, silence, fade, repairs, inspector, .. } = self;
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
                Step::Node { slot: index, inputs, outputs, params } => {
                    let index = *index as usize;
                    for input in inputs.iter() {
                        if let Source::Buf(b) = input {
                            expand(buffers, fills, *b, frames);
                        }
                    }
                    let slot = &mut slots[index];
                    let mut outs: ArrayVec<Box<[f32]>, MAX_PORTS> =
                        outputs.iter().map(|o| std::mem::take(&mut buffers[o.id as usize])).collect();
                    for (state, source) in slot.params.iter_mut().zip(params) {
                        if let ParamSource::Own = source {
                            state.advance(frames);
                        }
                    }
                    {
                        // Modulation is held to each parameter's range here, for every node.
                        let views: ArrayVec<ParamView, MAX_PARAMS> = slot
                            .params
                            .iter_mut()
                            .zip(params)
                            .map(|(state, source)| match source {
                                ParamSource::Own => state.view(frames),
                                ParamSource::Signal(b) if fills[b.id as usize].is_constant() => {
                                    state.modulated(slice(buffers, *b, 1), true)
                                }
                                ParamSource::Signal(b) => state.modulated(slice(buffers, *b, frames), false),
                            })
                            .collect();
                        let ins: ArrayVec<&[f32], MAX_PORTS> =
                            inputs.iter().map(|s| source(buffers, silence, *s, frames)).collect();
                        let mut out_slices: ArrayVec<&mut [f32], MAX_PORTS> =
                            outs.iter_mut().zip(outputs).map(|(b, o)| &mut b[..frames * o.channels as usize]).collect();
                        if let NodeImpl::Dsp(node) = &mut slot.imp {
                            let mut repaired = Repairs::default();
                            let timer = inspector.profiling().then(Instant::now);
                            node.process(&mut ProcessIo {
                                frames,
                                inputs: &ins,
                                outputs: &mut out_slices,
                                params: &views,
                                time: clock.1,
                                repairs: &mut repaired,
                            });
                            if let Some(started) = timer {
                                inspector.time(index, started.elapsed());
                            }
                            if !repaired.is_empty() {
                                slot.repairs.add(repaired);
                                repairs.add(repaired);
                            }
                        }
                    }
                    let constant = match &slot.imp {
                        NodeImpl::Dsp(node) => node.constant_outputs(),
                        NodeImpl::Feedback(_) => 0,
                    };
                    for (port, (b, o)) in outs.into_iter().zip(outputs).enumerate() {
                        let held = constant & (1 << port) != 0;
                        if inspector.keeping() {
                            // The last frame written: the first one of an output held constant.
                            let ch = o.channels as usize;
                            let last = if held { 0 } else { frames - 1 };
                            inspector.keep(index, port, &b[last * ch..(last + 1) * ch]);
                        }
                        buffers[o.id as usize] = b;
                        fills[o.id as usize] = if held { Fill::Constant } else { Fill::Full };
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
                    let slot = &mut slots[*slot as usize];
                    if let NodeImpl::Feedback(line) = &mut slot.imp {
                        if line.write(source(buffers, silence, *input, frames), frames) {
                            let reset = Repairs { resets: 1, ignored: 0 };
                            slot.repairs.add(reset);
                            repairs.add(reset);
                        }
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
pub(super) fn slice(buffers: &[Box<[f32]>], b: BufRef, frames: usize) -> &[f32] {
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
