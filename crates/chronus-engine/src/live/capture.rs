//! The live engine's recording tap: the audio thread copies what it outputs and/or its
//! device input into a [`crate::record`] ring; the recorder's worker keeps it in memory or
//! streams it to a file. A device stall cannot corrupt a capture, and a slow reader only
//! loses frames it is told about (counted in the engine's stats).

use crate::error::Result;
use crate::record::{recorder, RecordSink, Recorder, Target};

/// Which signals a capture records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// What the engine outputs.
    Output,
    /// The device input.
    Input,
    /// The output's channels, then the input's.
    Both,
}

impl Source {
    /// Channels per captured frame for a device with these channel counts.
    pub fn channels(self, outputs: usize, inputs: usize) -> usize {
        match self {
            Source::Output => outputs,
            Source::Input => inputs,
            Source::Both => outputs + inputs,
        }
    }
}

/// The audio thread's end of a capture.
pub struct CaptureSink {
    sink: RecordSink,
    source: Source,
}

impl CaptureSink {
    /// Appends `frames` frames of the output (`out_ch` interleaved) and/or the input
    /// (`in_ch` interleaved; silence where the device gave none). Never blocks or
    /// allocates; returns false (and the recorder counts the frames) when the ring is full.
    pub(crate) fn write(
        &mut self,
        clock: u64,
        out: &[f32],
        out_ch: usize,
        input: &[f32],
        in_ch: usize,
        frames: usize,
    ) -> bool {
        let (source, empty, width) = (self.source, input.is_empty(), self.sink.channels());
        let row = move |f: usize| {
            let o = match source {
                Source::Input => &[][..],
                _ => &out[f * out_ch..(f + 1) * out_ch],
            };
            let i = match source {
                Source::Output => &[][..],
                _ if empty => &[][..],
                _ => &input[f * in_ch..(f + 1) * in_ch],
            };
            // Input channels the callback did not have read as silence.
            let pad = width.saturating_sub(o.len() + i.len());
            o.iter().chain(i).copied().chain(std::iter::repeat_n(0.0, pad))
        };
        self.sink.push(clock, frames, (0..frames).flat_map(row))
    }
}

/// Starts a capture of `source` for a device of `outputs`/`inputs` channels at
/// `samplerate`, with `slack` seconds of room in flight, into `target`.
pub fn capture(
    source: Source,
    outputs: usize,
    inputs: usize,
    samplerate: f64,
    slack: f64,
    target: Target,
) -> Result<(CaptureSink, Recorder)> {
    let channels = source.channels(outputs, inputs);
    if channels == 0 {
        return Err(crate::error::Error::Invalid(
            "nothing to capture: the engine was opened without input channels (inputs=)".into(),
        ));
    }
    let (sink, recorder) = recorder(channels, samplerate, slack, target)?;
    Ok((CaptureSink { sink, source }, recorder))
}
