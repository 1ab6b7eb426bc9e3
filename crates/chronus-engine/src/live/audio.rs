//! The audio thread's side of the live engine.

use std::time::Instant;

use super::capture::CaptureSink;
use super::command::{Command, Returned};
use super::stats::{Meters, Snapshot};
use crate::event::Event;
use crate::processor::Processor;

/// Everything the audio callback owns. [`AudioSide::callback`] never allocates, frees,
/// locks or blocks: commands arrive through a wait-free queue, released resources leave
/// through another, and state is published through a triple buffer.
pub struct AudioSide {
    processor: Processor,
    commands: rtrb::Consumer<Command>,
    returns: rtrb::Producer<Returned>,
    stats: triple_buffer::Input<Snapshot>,
    snapshot: Snapshot,
    meters: Meters,
    capture: Option<CaptureSink>,
    epoch: Instant,
    out_channels: usize,
    in_channels: usize,
}

impl AudioSide {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        processor: Processor,
        commands: rtrb::Consumer<Command>,
        returns: rtrb::Producer<Returned>,
        stats: triple_buffer::Input<Snapshot>,
        epoch: Instant,
        out_channels: usize,
        in_channels: usize,
    ) -> Self {
        let samplerate = processor.schedule().samplerate();
        AudioSide {
            processor,
            commands,
            returns,
            stats,
            snapshot: Snapshot::default(),
            meters: Meters::new(out_channels, samplerate),
            capture: None,
            epoch,
            out_channels,
            in_channels,
        }
    }

    /// Output channels per frame.
    pub fn out_channels(&self) -> usize {
        self.out_channels
    }

    /// Input channels per frame.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// Produces the next `out.len() / out_channels` frames, given the device input for the
    /// same frames (`in_channels` interleaved; empty for output-only streams).
    pub fn callback(&mut self, out: &mut [f32], input: &[f32]) {
        let started = Instant::now();
        let frames = out.len() / self.out_channels;
        self.drain_commands();
        let clock = self.processor.clock();
        let in_ch = if input.is_empty() { 0 } else { self.in_channels };
        self.processor.process_duplex(out, self.out_channels, input, in_ch);
        if let Some(capture) = &mut self.capture {
            capture.write(clock, out, self.out_channels, input, in_ch, frames);
        }
        self.meters.update(out, self.out_channels, &mut self.snapshot);
        self.snapshot.record_callback(frames, started.elapsed());
        let counters = self.processor.counters();
        self.snapshot.clock = self.processor.clock();
        self.snapshot.callback_start_ns = started.saturating_duration_since(self.epoch).as_nanos() as u64;
        self.snapshot.late_events = counters.late_events;
        self.snapshot.orphan_events = counters.orphan_events;
        self.snapshot.dropped_events = counters.dropped_events;
        self.snapshot.swaps = counters.swaps;
        self.stats.write(self.snapshot);
    }

    /// Applies every waiting command. A command that hands something back waits (with
    /// everything behind it) while the return queue is full, so the pushes below cannot fail
    /// and nothing is ever freed here.
    fn drain_commands(&mut self) {
        while let Ok(command) = self.commands.peek() {
            let hands_back = match command {
                Command::Swap(_) | Command::StopCapture => true,
                Command::StartCapture(_) => self.capture.is_some(),
                Command::Event { .. } => false,
            };
            if hands_back && self.returns.is_full() {
                return;
            }
            let Ok(command) = self.commands.pop() else { return };
            match command {
                Command::Event { time, kind } => {
                    let time = time.unwrap_or_else(|| self.processor.clock());
                    if self.processor.push_event(Event { time, kind }).is_err() {
                        self.processor.count_dropped();
                    }
                }
                Command::Swap(schedule) => {
                    let old = self.processor.swap_schedule(schedule);
                    let _ = self.returns.push(Returned::Schedule(old));
                }
                Command::StartCapture(sink) => {
                    if let Some(previous) = self.capture.replace(sink) {
                        let _ = self.returns.push(Returned::Capture(previous));
                    }
                }
                Command::StopCapture => {
                    if let Some(sink) = self.capture.take() {
                        let _ = self.returns.push(Returned::Capture(sink));
                    }
                }
            }
        }
    }
}
