//! Reading audio files with symphonia: WAV, AIFF, FLAC, OGG/Vorbis, Opus (in Ogg, decoded by
//! libopus through symphonia-adapter-libopus), MP3, AAC and ALAC (in MP4/M4A), chunk by
//! chunk, as interleaved `f32` frames at the file's own rate (48 kHz for Opus).
//!
//! Every failure is an [`Error::Invalid`] naming the file and what is wrong with it: missing,
//! empty, not audio, truncated (fewer frames than its header announces) or garbled (packets
//! that fail to decode, or samples far beyond full scale, which no valid encoding produces:
//! a byte-garbled MP3 otherwise decodes to peaks of +27 dBFS).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CodecRegistry, Decoder, DecoderOptions, CODEC_TYPE_NULL, CODEC_TYPE_OPUS};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;
use symphonia::core::units::Time;

use super::mp4::Edit;
use crate::error::{Error, Result};

/// Largest magnitude a decoded sample may have: +12 dBFS. Lossy codecs overshoot full scale
/// on clipped masters by a dB or two; anything this far beyond is garbage.
pub const MAX_PEAK: f32 = 4.0;
/// Most channels a file may have.
pub const MAX_CHANNELS: usize = 64;
/// Frames a file may fall short of the length its header gives before it counts as
/// truncated (decoders may drop a partial last packet).
const SHORT_ALLOWANCE: u64 = 4096;

/// A file opened for decoding, read one packet at a time.
pub struct MediaReader {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track: u32,
    channels: usize,
    samplerate: u32,
    /// Frames the header announces, if it does.
    frames: Option<u64>,
    buffer: Option<SampleBuffer<f32>>,
    /// Frames decoded since the start (or since the last seek), before the edit.
    decoded: u64,
    /// The container's edit (MP4 priming and padding; the frame count of an MP4 track or an
    /// AIFF file, where the decoder stops), applied to what is returned.
    edit: Option<Edit>,
    /// Frames to decode ahead of a seek target before the output equals a decode from the
    /// start (see [`MediaReader::preroll`]).
    preroll: u64,
    /// The first packet's frames (interleaved), decoded by [`MediaReader::open`] to learn the
    /// channel count, until the first chunk returns them.
    first: Vec<f32>,
}

/// Seconds libopus must decode ahead of a seek target before its output equals, bit for bit,
/// a decode from the start: its band energies are predicted from frame to frame, so a
/// decoder reset mid-stream converges slowly (80 ms, the spec's pre-roll, leaves it about
/// -55 dB off on piano; a second matched exactly in tests/test_media.py).
const OPUS_PREROLL: f64 = 1.0;

/// symphonia's decoders with libopus's beside them (symphonia has no Opus decoder of its own).
fn codecs() -> &'static CodecRegistry {
    static CODECS: OnceLock<CodecRegistry> = OnceLock::new();
    CODECS.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_all::<symphonia_adapter_libopus::OpusDecoder>();
        registry
    })
}

/// An error about `path`.
pub(crate) fn file_error(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("audio file {}: {what}", path.display()))
}

impl MediaReader {
    /// Opens `path` and finds its first audio track.
    pub fn open(path: &Path) -> Result<MediaReader> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => file_error(path, "does not exist"),
            _ => file_error(path, format!("cannot be read: {e}")),
        })?;
        if meta.is_dir() {
            return Err(file_error(path, "is a folder, not a file"));
        }
        if meta.len() == 0 {
            return Err(file_error(path, "is empty (0 bytes)"));
        }
        let file = File::open(path).map_err(|e| file_error(path, format!("cannot be opened: {e}")))?;
        let stream = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let options = FormatOptions { enable_gapless: true, ..Default::default() };
        let probed = symphonia::default::get_probe()
            .format(&hint, stream, &options, &MetadataOptions::default())
            .map_err(|e| file_error(path, format!("is not audio in a format Chronus reads ({e})")))?;
        let format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| file_error(path, "holds no audio track"))?;
        let params = &track.codec_params;
        let decoder = codecs()
            .make(params, &DecoderOptions::default())
            .map_err(|e| file_error(path, format!("uses a codec Chronus cannot decode ({e})")))?;
        let samplerate = params.sample_rate.ok_or_else(|| file_error(path, "does not give its sample rate"))?;
        let channels = params.channels.map_or(0, |c| c.count());
        if channels > MAX_CHANNELS {
            return Err(file_error(path, format!("has {channels} channels; at most {MAX_CHANNELS} are read")));
        }
        let container = Container::of(path);
        let edit = match container {
            Container::Mp4 => Some(super::mp4::edit(path, samplerate).unwrap_or(Edit { skip: 0, keep: None })),
            Container::Aiff => aiff_frames(path).map(|n| Edit { skip: 0, keep: Some(n) }),
            Container::Other => None,
        };
        let preroll = if params.codec == CODEC_TYPE_OPUS { (OPUS_PREROLL * samplerate as f64) as u64 } else { 0 };
        // The header's count is in the track's time base (an MP4 track's media timescale,
        // which need not be its sample rate); frames are at the sample rate.
        let n_frames = match (params.n_frames, params.time_base) {
            (Some(n), Some(base)) if base.numer != 0 && base.denom != samplerate => {
                Some((n as u128 * base.numer as u128 * samplerate as u128 / base.denom as u128) as u64)
            }
            (n, _) => n,
        };
        // An Ogg Opus file's last granule position counts the stream's pre-skip (its header's
        // delay), which libopus's adapter drops from the first packet.
        let n_frames = match params.codec {
            CODEC_TYPE_OPUS => n_frames.map(|n| n.saturating_sub(params.delay.unwrap_or(0) as u64)),
            _ => n_frames,
        };
        let frames = match (n_frames, edit) {
            (Some(n), Some(e)) => Some(e.keep.unwrap_or(u64::MAX).min(n.saturating_sub(e.skip))),
            (None, Some(e)) => e.keep,
            (n, None) => n,
        };
        // The decoder stops there: an MP4 track's duration (its samples' durations summed)
        // ends within its last AAC packet, which decodes to a whole 1024 frames; symphonia
        // takes an AIFF file's sound data as 8 bytes longer than it is (it counts the chunk's
        // offset and block size fields), which would make a frame of the next chunk's bytes.
        let edit = edit.map(|e| Edit { keep: frames, ..e });
        let mut reader = MediaReader {
            edit,
            path: path.to_owned(),
            track: track.id,
            frames,
            format,
            decoder,
            channels,
            samplerate,
            buffer: None,
            decoded: 0,
            preroll,
            first: Vec::new(),
        };
        // A track that gives its channel count only with its first packet (AAC in MP4 in
        // symphonia) has that packet decoded now and held for the first chunk.
        if channels == 0 {
            let mut first = Vec::new();
            reader.next_chunk(&mut first)?;
            reader.first = first;
        }
        Ok(reader)
    }

    /// Channels per frame (0 only for a file with no audio frames).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Frames (at the file's rate) to decode before a seek target and drop, for the output to
    /// equal a decode from the start: 0 but for codecs whose state converges slowly (Opus).
    pub fn preroll(&self) -> u64 {
        self.preroll
    }

    /// The file's sample rate, Hz.
    pub fn samplerate(&self) -> u32 {
        self.samplerate
    }

    /// Frames the header announces, if it does.
    pub fn frames(&self) -> Option<u64> {
        self.frames
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends the next packet's frames (interleaved) to `out`; false at the end of the file.
    pub fn next_chunk(&mut self, out: &mut Vec<f32>) -> Result<bool> {
        if !self.first.is_empty() {
            out.append(&mut self.first);
            return Ok(true);
        }
        loop {
            let packet = match self.format.next_packet() {
                Ok(p) => p,
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.check_complete()?;
                    return Ok(false);
                }
                Err(e) => return Err(self.garbled(e)),
            };
            if packet.track_id() != self.track {
                continue;
            }
            let decoded = match self.decoder.decode(&packet) {
                Ok(d) => d,
                Err(e) => return Err(self.garbled(e)),
            };
            let spec = *decoded.spec();
            if decoded.frames() == 0 {
                continue;
            }
            if self.channels == 0 {
                self.channels = spec.channels.count();
            } else if spec.channels.count() != self.channels {
                return Err(file_error(&self.path, "changes its channel count midway"));
            }
            let buffer = match &mut self.buffer {
                Some(b) if b.capacity() >= decoded.capacity() * self.channels => b,
                slot => slot.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
            };
            buffer.copy_interleaved_ref(decoded);
            let samples = buffer.samples();
            if let Some(peak) = samples.iter().map(|x| x.abs()).find(|x| x.is_nan() || *x > MAX_PEAK) {
                return Err(file_error(
                    &self.path,
                    format!(
                        "is garbled: it decodes to a sample of {peak} ({:+.1} dBFS) near frame {}",
                        20.0 * peak.log10(),
                        self.decoded
                    ),
                ));
            }
            let n = (samples.len() / self.channels) as u64;
            let (first, last) = match self.edit {
                None => (0, n),
                Some(e) => {
                    let first = e.skip.saturating_sub(self.decoded).min(n);
                    let end = e.keep.map_or(u64::MAX, |k| k + e.skip);
                    (first, end.saturating_sub(self.decoded).clamp(first, n))
                }
            };
            let ch = self.channels;
            out.extend_from_slice(&samples[first as usize * ch..last as usize * ch]);
            self.decoded += n;
            if first == last && self.edit.is_some_and(|e| e.keep.is_some_and(|k| self.decoded >= k + e.skip)) {
                return Ok(false);
            }
            return Ok(true);
        }
    }

    /// Moves to frame `frame` (at the file's rate); the next chunk starts at or before it,
    /// and the returned number of frames must be skipped to reach it exactly.
    pub fn seek(&mut self, frame: u64) -> Result<u64> {
        let time =
            Time::new(frame / self.samplerate as u64, (frame % self.samplerate as u64) as f64 / self.samplerate as f64);
        let seeked = self
            .format
            .seek(SeekMode::Accurate, SeekTo::Time { time, track_id: Some(self.track) })
            .map_err(|e| file_error(&self.path, format!("cannot seek to frame {frame} ({e})")))?;
        self.decoder.reset();
        self.first.clear();
        self.decoded = seeked.actual_ts;
        // From the frame asked for, not `required_ts`: symphonia converts the `Time` (whose
        // fraction is a float) back to a timestamp by truncation, one frame short at some
        // positions (31,904 at 48 kHz).
        Ok(frame.saturating_sub(seeked.actual_ts))
    }

    fn garbled(&self, e: SymError) -> Error {
        match e {
            SymError::IoError(e) => file_error(&self.path, format!("cannot be read near frame {} ({e})", self.decoded)),
            e => file_error(&self.path, format!("is garbled near frame {} ({e})", self.decoded)),
        }
    }

    fn check_complete(&self) -> Result<()> {
        let decoded = self.decoded.saturating_sub(self.edit.map_or(0, |e| e.skip));
        match self.frames {
            Some(n) if decoded + SHORT_ALLOWANCE < n => Err(file_error(
                &self.path,
                format!("is truncated: it holds {decoded} of the {n} frames its header announces"),
            )),
            _ => Ok(()),
        }
    }
}

/// What [`probe`] learns of a file: its format and length, without decoding it whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Channels per frame.
    pub channels: usize,
    /// The file's sample rate, Hz.
    pub samplerate: u32,
    /// Frames at the file's rate that decoding it yields (an MP4 file's edit list applied).
    pub frames: u64,
}

/// The channels, sample rate and length of `path` from its header: the container's frame
/// count (WAV and AIFF data size, FLAC STREAMINFO, an MP3 file's Xing/Info tag, the
/// granule position of an Ogg file's last page, an MP4 track's duration with its edit list
/// applied), the number of frames [`decode_file`] yields. An MP3 file without a Xing/Info
/// tag has symphonia's estimate from its bit rate and length (exact for constant bit rate
/// without trailing tags). A header without a count (a FLAC stream written with none) has
/// the frames counted by decoding the file packet by packet, each dropped: the time of a
/// decode, the memory of one packet.
pub fn probe(path: &Path) -> Result<Probe> {
    let mut reader = MediaReader::open(path)?;
    let frames = match reader.frames() {
        Some(n) => n,
        None => {
            let (mut chunk, mut counted) = (Vec::new(), 0);
            while reader.next_chunk(&mut chunk)? {
                counted += (chunk.len() / reader.channels()) as u64;
                chunk.clear();
            }
            counted
        }
    };
    if frames == 0 || reader.channels() == 0 {
        return Err(file_error(path, "holds no audio frames"));
    }
    Ok(Probe { channels: reader.channels(), samplerate: reader.samplerate(), frames })
}

/// The containers whose frame count the reader takes from the file itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    /// An ISO base media file (MP4, M4A): its second box-header word is `ftyp`.
    Mp4,
    /// An AIFF or AIFF-C file: `FORM` then `AIFF` or `AIFC`.
    Aiff,
    Other,
}

impl Container {
    fn of(path: &Path) -> Container {
        use std::io::Read;
        let mut head = [0u8; 12];
        if File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_err() {
            return Container::Other;
        }
        match (&head[0..4], &head[4..8], &head[8..12]) {
            (_, b"ftyp", _) => Container::Mp4,
            (b"FORM", _, b"AIFF" | b"AIFC") => Container::Aiff,
            _ => Container::Other,
        }
    }
}

/// The frame count of an AIFF file's `COMM` chunk (numSampleFrames), if it has one.
fn aiff_frames(path: &Path) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = File::open(path).ok()?;
    let end = file.metadata().ok()?.len();
    let mut at = 12u64;
    while at + 8 <= end {
        let mut header = [0u8; 14];
        file.seek(SeekFrom::Start(at)).ok()?;
        file.read_exact(&mut header[..8]).ok()?;
        let size = u32::from_be_bytes(header[4..8].try_into().ok()?) as u64;
        if &header[..4] == b"COMM" {
            file.read_exact(&mut header[8..14]).ok()?;
            return Some(u32::from_be_bytes(header[10..14].try_into().ok()?) as u64);
        }
        // Chunks are padded to an even length.
        at += 8 + size + (size & 1);
    }
    None
}

/// Decoded audio: interleaved frames and their format.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Interleaved samples, `channels` per frame.
    pub samples: Vec<f32>,
    /// Channels per frame.
    pub channels: usize,
    /// Sample rate, Hz.
    pub samplerate: u32,
}

impl Audio {
    /// Number of frames.
    pub fn frames(&self) -> usize {
        self.samples.len() / self.channels.max(1)
    }
}

/// Decodes the whole of `path` at its own rate.
pub fn decode_file(path: &Path) -> Result<Audio> {
    let mut reader = MediaReader::open(path)?;
    let mut samples = Vec::with_capacity(reader.frames().unwrap_or(0).min(1 << 28) as usize * reader.channels());
    while reader.next_chunk(&mut samples)? {}
    if samples.is_empty() {
        return Err(file_error(path, "holds no audio frames"));
    }
    Ok(Audio { samples, channels: reader.channels(), samplerate: reader.samplerate() })
}
