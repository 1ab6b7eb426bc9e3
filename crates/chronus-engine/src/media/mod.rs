//! Audio files for clips: decoding ([`decode`]), sample-rate conversion ([`resample`]) and,
//! for long files, streaming from disk through a read-ahead worker ([`stream`]).
//!
//! All of it runs on the control thread or on the worker; the audio thread only reads what
//! they prepared (whole buffers, or lock-free rings).

pub mod decode;
mod mp4;
pub mod resample;
pub mod stream;

use std::path::Path;

pub use decode::{decode_file, probe, Audio, MediaReader, Probe};
pub use resample::{convert, Converter};

use crate::error::Result;

/// Decodes `path` and converts it to `samplerate` Hz (interleaved, the file's channels).
pub fn load(path: &Path, samplerate: u32) -> Result<Audio> {
    let audio = decode_file(path)?;
    if audio.samplerate == samplerate {
        return Ok(audio);
    }
    let samples = convert(&audio.samples, audio.channels, audio.samplerate, samplerate)?;
    Ok(Audio { samples, channels: audio.channels, samplerate })
}
