//! Audio analysis as streams: every analyzer takes blocks of samples of any size and hands
//! out feature frames as soon as the audio they describe has arrived (causal, no
//! allocation after construction), so the same code runs on the audio thread of a live
//! engine and over files in batch, frame for frame the same.
//!
//! A frame is a fixed number of `f32` values ([`Analyzer::width`]) stamped with the stream
//! position (in samples since the analyzer started, possibly negative for the first
//! windowed frames) that the values describe: the centre of the analysis window for
//! frame-wise features, the estimated time of the event for detectors (onsets, beats).
//!
//! - [`framer`], [`spectrum`], [`filterbank`]: framing, windowed FFT, mel/chroma/DCT banks;
//! - [`features`]: STFT, mel, MFCC, chroma, spectral shape, RMS;
//! - [`loudness`]: ITU-R BS.1770 loudness and true peak.

pub mod batch;
pub mod beat;
pub mod decimate;
pub mod features;
pub mod feed;
pub mod filterbank;
pub mod framer;
pub mod loudness;
pub mod notes;
pub mod onset;
pub mod pitch;
pub mod spectrum;

/// Where an analyzer sends its frames: `(time, values)`, with `time` in samples since the
/// analyzer started.
pub type Emit<'a> = &'a mut dyn FnMut(i64, &[f32]);

/// A streaming analyzer: interleaved samples in, feature frames out.
pub trait Analyzer: Send {
    /// Values per frame.
    fn width(&self) -> usize;

    /// Interleaved channels the analyzer reads (1 unless it measures several channels).
    fn channels(&self) -> usize {
        1
    }

    /// Feeds `input` (`channels` interleaved); calls `emit` for every frame it completes.
    /// Never allocates.
    fn push(&mut self, input: &[f32], emit: Emit);
}

#[cfg(test)]
mod tests;
