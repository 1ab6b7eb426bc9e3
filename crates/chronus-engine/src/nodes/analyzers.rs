//! Analyzer taps: nodes that pass their input through unchanged and publish feature frames
//! (spectra, pitch, onsets, beats, loudness, ...) through a feed ([`crate::analysis::feed`])
//! stamped with the engine's sample clock. The DSP lives in [`crate::analysis`]; these are
//! its node specs. Multichannel input is averaged to mono, except for `loudness`, which
//! weighs channels as BS.1770 does.

use crate::analysis::beat::{BeatConfig, Beats};
use crate::analysis::features::{Chroma, Mel, Mfcc, Rms, Samples, SpectralShape, Stft, StftOutput};
use crate::analysis::feed::{feed, FeedInfo, FeedReader, FeedWriter};
use crate::analysis::loudness::{self, Loudness};
use crate::analysis::notes::Notes;
use crate::analysis::onset::{OnsetConfig, Onsets};
use crate::analysis::pitch::{Pitch, PitchConfig};
use crate::analysis::spectrum::Window;
use crate::analysis::Analyzer;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::{IN, OUT};

/// Most channels an analyzer reads.
const MAX_CHANNELS: usize = 64;

const SIZE: OptionSpec = OptionSpec {
    name: "size",
    default: OptDefault::Num { default: 2048.0, min: 16.0, max: 65536.0 },
    doc: "Analysis window (and FFT size) in samples; even.",
};
const HOP: OptionSpec = OptionSpec {
    name: "hop",
    default: OptDefault::Num { default: 512.0, min: 1.0, max: 65536.0 },
    doc: "Samples between frames (at most `size`).",
};
const BUFFER: OptionSpec = OptionSpec {
    name: "buffer",
    default: OptDefault::Num { default: 10.0, min: 0.1, max: 600.0 },
    doc: "Seconds of frames the feed holds for a reader that falls behind (then frames are \
          dropped and counted, never waited for).",
};
const FMIN: OptionSpec = OptionSpec {
    name: "fmin",
    default: OptDefault::Num { default: 0.0, min: 0.0, max: 100_000.0 },
    doc: "Lowest frequency of the bands in Hz.",
};
const FMAX: OptionSpec = OptionSpec {
    name: "fmax",
    default: OptDefault::Num { default: 0.0, min: 0.0, max: 100_000.0 },
    doc: "Highest frequency of the bands in Hz (0: half the sample rate).",
};
const BANDS: OptionSpec = OptionSpec {
    name: "bands",
    default: OptDefault::Num { default: 128.0, min: 1.0, max: 1024.0 },
    doc: "Number of mel bands.",
};
const PITCH_FMIN: OptionSpec = OptionSpec {
    name: "fmin",
    default: OptDefault::Num { default: 40.0, min: 10.0, max: 5000.0 },
    doc: "Lowest fundamental tracked in Hz.",
};
const PITCH_FMAX: OptionSpec = OptionSpec {
    name: "fmax",
    default: OptDefault::Num { default: 1600.0, min: 20.0, max: 10_000.0 },
    doc: "Highest fundamental tracked in Hz (at most a quarter of the ~11 kHz analysis rate).",
};

/// A node that feeds its (downmixed) input to an analyzer and publishes its frames.
struct Tap {
    analyzer: Box<dyn Analyzer>,
    writer: FeedWriter,
    reader: Option<FeedReader>,
    channels: usize,
    mono: Box<[f32]>,
    /// Engine frame at which the analyzer's stream started (its first call).
    origin: Option<u64>,
}

impl Node for Tap {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let input = io.inputs[0];
        io.outputs[0].copy_from_slice(input);
        let origin = *self.origin.get_or_insert(io.time) as i64;
        let samples = if self.analyzer.channels() == self.channels || self.channels == 1 {
            input
        } else {
            let mono = &mut self.mono[..io.frames];
            let scale = 1.0 / self.channels as f32;
            for (m, row) in mono.iter_mut().zip(input.chunks_exact(self.channels)) {
                *m = row.iter().sum::<f32>() * scale;
            }
            &self.mono[..io.frames]
        };
        let writer = &mut self.writer;
        self.analyzer.push(samples, &mut |t, v| writer.write(origin + t, v));
    }

    fn take_feed(&mut self) -> Option<FeedReader> {
        self.reader.take()
    }
}

/// What an analyzer publishes, for its feed.
struct Described {
    columns: &'static [&'static str],
    units: &'static [&'static str],
    /// Frames per second at most (sizes the feed).
    rate: f64,
    /// Seconds between frames (0 for events).
    hop: f64,
    latency: f64,
}

/// Builds a tap around `analyzer`.
fn tap(ctx: &BuildCtx, analyzer: Box<dyn Analyzer>, what: Described) -> Result<Built> {
    let channels = ctx.input_channels[0];
    if channels > MAX_CHANNELS {
        return Err(ctx.invalid(format!("{channels} input channels: analyzers read at most {MAX_CHANNELS}")));
    }
    let info = FeedInfo {
        kind: ctx.spec.kind,
        columns: what.columns.to_vec(),
        units: what.units.to_vec(),
        width: analyzer.width(),
        samplerate: ctx.samplerate,
        hop: what.hop,
        latency: what.latency,
    };
    let frames = (ctx.num("buffer") * what.rate).ceil() as usize + 16;
    if frames.saturating_mul(analyzer.width() + 2) > 1 << 28 {
        return Err(ctx.invalid("the feed would hold over 2^28 values: lower `buffer` or the frame size"));
    }
    let (writer, reader) = feed(info, frames);
    let node =
        Tap { analyzer, writer, reader: Some(reader), channels, mono: vec![0.0; ctx.max_block].into(), origin: None };
    Ok(Built { node: Box::new(node), output_channels: vec![channels] })
}

/// `(size, hop)` checked: an even size, a hop no larger than it.
fn framing(ctx: &BuildCtx) -> Result<(usize, usize)> {
    let (size, hop) = (ctx.num("size") as usize, ctx.num("hop") as usize);
    if !size.is_multiple_of(2) || hop > size {
        return Err(ctx.invalid(format!("size {size} must be even and hop {hop} at most the size")));
    }
    Ok((size, hop))
}

fn band_limits(ctx: &BuildCtx) -> Result<(f64, f64)> {
    let nyquist = ctx.samplerate / 2.0;
    let fmin = ctx.num("fmin");
    let fmax = if ctx.num("fmax") > 0.0 { ctx.num("fmax").min(nyquist) } else { nyquist };
    if fmin >= fmax {
        return Err(ctx.invalid(format!("fmin {fmin} Hz must lie below fmax {fmax} Hz")));
    }
    Ok((fmin, fmax))
}

fn framed(
    ctx: &BuildCtx,
    size: usize,
    hop: usize,
    columns: &'static [&'static str],
    units: &'static [&'static str],
) -> Described {
    let sr = ctx.samplerate;
    Described { columns, units, rate: sr / hop as f64, hop: hop as f64 / sr, latency: size as f64 / 2.0 / sr }
}

/// `stft(in; size, hop, window, output, buffer)`.
pub static STFT: NodeSpec = NodeSpec {
    kind: "stft",
    doc: "Short-time Fourier transform tap: every `hop` samples, the windowed FFT of the last \
          `size` samples, as `size / 2 + 1` bins of magnitude, power or phase (radians). \
          Frames are dated at their window's centre. Passes its input through.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[
        SIZE,
        HOP,
        OptionSpec {
            name: "window",
            default: OptDefault::Choice(&["hann", "hamming", "blackman", "rectangular"]),
            doc: "Window shape (periodic).",
        },
        OptionSpec {
            name: "output",
            default: OptDefault::Choice(&["magnitude", "power", "phase"]),
            doc: "What each bin holds.",
        },
        BUFFER,
    ],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let (size, hop) = framing(ctx)?;
        let window = Window::named(ctx.text("window")).expect("validated choice");
        let (output, unit) = match ctx.text("output") {
            "power" => (StftOutput::Power, "power"),
            "phase" => (StftOutput::Phase, "rad"),
            _ => (StftOutput::Magnitude, "magnitude"),
        };
        let units: &'static [&'static str] = match unit {
            "power" => &["power"],
            "rad" => &["rad"],
            _ => &["magnitude"],
        };
        tap(ctx, Box::new(Stft::new(size, hop, window, output)), framed(ctx, size, hop, &[], units))
    },
};

/// `mel(in; size, hop, bands, fmin, fmax, scale, buffer)`.
pub static MEL: NodeSpec = NodeSpec {
    kind: "mel",
    doc: "Mel spectrogram tap: the power spectrum of each frame (Hann window) summed into \
          `bands` triangular Slaney mel bands with area normalisation (librosa's \
          melspectrogram), as power or dB (10 log10, floored at 1e-10).",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[
        SIZE,
        HOP,
        BANDS,
        FMIN,
        FMAX,
        OptionSpec { name: "scale", default: OptDefault::Choice(&["power", "db"]), doc: "Power or decibels." },
        BUFFER,
    ],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let (size, hop) = framing(ctx)?;
        let (fmin, fmax) = band_limits(ctx)?;
        let db = ctx.text("scale") == "db";
        let mel = Mel::new(ctx.samplerate, size, hop, ctx.num("bands") as usize, fmin, fmax, db);
        tap(ctx, Box::new(mel), framed(ctx, size, hop, &[], if db { &["dB"] } else { &["power"] }))
    },
};

/// `mfcc(in; size, hop, bands, coefficients, fmin, fmax, buffer)`.
pub static MFCC: NodeSpec = NodeSpec {
    kind: "mfcc",
    doc: "Mel-frequency cepstral coefficients tap: the orthonormal DCT-II of the mel bands in \
          dB (librosa's mfcc without its file-wide top_db floor, which a stream cannot know).",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[
        SIZE,
        HOP,
        BANDS,
        OptionSpec {
            name: "coefficients",
            default: OptDefault::Num { default: 20.0, min: 1.0, max: 1024.0 },
            doc: "Coefficients kept (at most `bands`).",
        },
        FMIN,
        FMAX,
        BUFFER,
    ],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let (size, hop) = framing(ctx)?;
        let (fmin, fmax) = band_limits(ctx)?;
        let (bands, coefficients) = (ctx.num("bands") as usize, ctx.num("coefficients") as usize);
        if coefficients > bands {
            return Err(ctx.invalid(format!("{coefficients} coefficients from {bands} bands: at most one per band")));
        }
        let mfcc = Mfcc::new(ctx.samplerate, size, hop, bands, coefficients, fmin, fmax);
        tap(ctx, Box::new(mfcc), framed(ctx, size, hop, &[], &["dB"]))
    },
};

/// `chroma(in; size, hop, tuning, buffer)`.
pub static CHROMA: NodeSpec = NodeSpec {
    kind: "chroma",
    doc: "Chromagram tap: the power spectrum folded onto the 12 pitch classes (C first) with \
          librosa's chroma filters, each frame scaled so its strongest class reads 1.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[
        SIZE,
        HOP,
        OptionSpec {
            name: "tuning",
            default: OptDefault::Num { default: 0.0, min: -0.5, max: 0.5 },
            doc: "Deviation of the reference from A440, in fractions of a semitone.",
        },
        BUFFER,
    ],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let (size, hop) = framing(ctx)?;
        let chroma = Chroma::new(ctx.samplerate, size, hop, 12, ctx.num("tuning"));
        let classes: &'static [&'static str] = &["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
        tap(ctx, Box::new(chroma), framed(ctx, size, hop, classes, &["relative"; 12]))
    },
};

/// `spectral(in; size, hop, rolloff, buffer)`.
pub static SPECTRAL: NodeSpec = NodeSpec {
    kind: "spectral",
    doc: "Spectral shape tap: per frame, the centroid (Hz, magnitude-weighted mean frequency), \
          the rolloff (Hz below which `rolloff` of the magnitude lies), the flatness (geometric \
          over arithmetic mean of the power, 0..1) and the flux (summed rise of the magnitude \
          since the previous frame).",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[
        SIZE,
        HOP,
        OptionSpec {
            name: "rolloff",
            default: OptDefault::Num { default: 0.85, min: 0.01, max: 0.99 },
            doc: "Fraction of the magnitude below the rolloff frequency.",
        },
        BUFFER,
    ],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let (size, hop) = framing(ctx)?;
        let shape = SpectralShape::new(ctx.samplerate, size, hop, ctx.num("rolloff") as f32);
        let what = framed(ctx, size, hop, &["centroid", "rolloff", "flatness", "flux"], &["Hz", "Hz", "", "magnitude"]);
        tap(ctx, Box::new(shape), what)
    },
};

/// `rms(in; size, hop, buffer)`.
pub static RMS: NodeSpec = NodeSpec {
    kind: "rms",
    doc: "RMS tap: the root mean square of each `size`-sample frame (linear).",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[SIZE, HOP, BUFFER],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let (size, hop) = framing(ctx)?;
        tap(ctx, Box::new(Rms::new(size, hop)), framed(ctx, size, hop, &["rms"], &["linear"]))
    },
};

/// `loudness(in; buffer)`.
pub static LOUDNESS: NodeSpec = NodeSpec {
    kind: "loudness",
    doc: "Loudness tap after ITU-R BS.1770-4 / EBU R 128: every 100 ms, the momentary (400 ms) \
          and short-term (3 s) loudness, the gated integrated loudness so far (LUFS) and the \
          true peak so far (dBTP, 4x oversampled), dated at the end of the momentary window. \
          Channels weigh 1, surrounds of 5 or 6 channels 1.41, the LFE of 5.1 nothing.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[BUFFER],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let meter = Loudness::new(ctx.samplerate, ctx.input_channels[0].min(MAX_CHANNELS));
        let what = Described {
            columns: &["momentary", "short_term", "integrated", "true_peak"],
            units: &["LUFS", "LUFS", "LUFS", "dBTP"],
            rate: 1.0 / loudness::STEP,
            hop: loudness::STEP,
            latency: 0.0,
        };
        tap(ctx, Box::new(meter), what)
    },
};

/// `onsets(in; threshold, lookahead, buffer)`.
pub static ONSETS: NodeSpec = NodeSpec {
    kind: "onsets",
    doc: "Onset detector tap (causal SuperFlux: log-frequency spectral flux against a \
          max-filtered earlier frame, online peak picking): one event per onset, dated at the \
          onset, with its novelty strength and the seconds it took to be reported (a quarter \
          of a 23 ms window plus the lookahead).",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[
        OptionSpec {
            name: "threshold",
            default: OptDefault::Num { default: 1.1, min: 0.0, max: 100.0 },
            doc: "Novelty above its local mean an onset needs (lower finds softer onsets).",
        },
        OptionSpec {
            name: "lookahead",
            default: OptDefault::Num { default: 0.0, min: 0.0, max: 0.1 },
            doc: "Seconds the peak picker may wait for later frames (adds to the latency).",
        },
        BUFFER,
    ],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let config = OnsetConfig {
            threshold: ctx.num("threshold") as f32,
            lookahead: ctx.num("lookahead"),
            ..OnsetConfig::default()
        };
        let det = Onsets::new(ctx.samplerate, &config);
        let latency = det.latency() as f64 / ctx.samplerate;
        let what = Described {
            columns: &["strength", "latency"],
            units: &["", "s"],
            rate: 1.0 / config.combine,
            hop: 0.0,
            latency,
        };
        tap(ctx, Box::new(det), what)
    },
};

fn pitch_config(ctx: &BuildCtx) -> Result<PitchConfig> {
    let (fmin, fmax) = (ctx.num("fmin"), ctx.num("fmax"));
    if fmin >= fmax {
        return Err(ctx.invalid(format!("fmin {fmin} Hz must lie below fmax {fmax} Hz")));
    }
    Ok(PitchConfig { fmin, fmax, ..PitchConfig::default() })
}

/// `pitch(in; fmin, fmax, buffer)`.
pub static PITCH: NodeSpec = NodeSpec {
    kind: "pitch",
    doc: "Pitch tracker tap (causal probabilistic YIN with a Viterbi over candidates): every \
          5.8 ms, the fundamental frequency (Hz, the best estimate even when unvoiced), whether \
          the frame is voiced (0 or 1), and the voicing probability (0..1).",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[PITCH_FMIN, PITCH_FMAX, BUFFER],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let config = pitch_config(ctx)?;
        let p = Pitch::new(ctx.samplerate, &config);
        let what = Described {
            columns: &["f0", "voiced", "confidence"],
            units: &["Hz", "", ""],
            rate: 1.0 / config.hop + 1.0,
            hop: config.hop,
            latency: p.latency() as f64 / ctx.samplerate,
        };
        tap(ctx, Box::new(p), what)
    },
};

/// `samples(in; size, buffer)`.
pub static SAMPLES: NodeSpec = NodeSpec {
    kind: "samples",
    doc: "Sample tap: the input itself (downmixed to mono) in blocks of `size` samples, each \
          stamped with its first sample's time on the engine clock, for workers off the audio \
          thread (the neural pitch backend). Passes its input through.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[
        OptionSpec {
            name: "size",
            default: OptDefault::Num { default: 1024.0, min: 16.0, max: 16384.0 },
            doc: "Samples per block.",
        },
        BUFFER,
    ],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let size = ctx.num("size") as usize;
        let sr = ctx.samplerate;
        let what = Described {
            columns: &[],
            units: &["linear"],
            rate: sr / size as f64,
            hop: size as f64 / sr,
            latency: size as f64 / sr,
        };
        tap(ctx, Box::new(Samples::new(size)), what)
    },
};

/// `notes(in; fmin, fmax, buffer)`.
pub static NOTES: NodeSpec = NodeSpec {
    kind: "notes",
    doc: "Note tap for a monophonic source (the pitch tracker segmented with hysteresis): an \
          event when a note starts (on = 1) and when it ends (on = 0), dated at the onset or \
          offset, with the note's pitch as a fractional MIDI number.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[PITCH_FMIN, PITCH_FMAX, BUFFER],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let config = pitch_config(ctx)?;
        let notes = Notes::new(ctx.samplerate, &config);
        let what = Described {
            columns: &["pitch", "on", "latency"],
            units: &["MIDI", "", "s"],
            rate: 1.0 / config.hop,
            hop: 0.0,
            latency: 0.2,
        };
        tap(ctx, Box::new(notes), what)
    },
};

/// `beats(in; bpm_min, bpm_max, prior_bpm, prior_octaves, buffer)`.
pub static BEATS: NodeSpec = NodeSpec {
    kind: "beats",
    doc: "Causal beat tracker tap (an HMM over beat period and phase on spectral-flux novelty, \
          run forward): an event per beat, dated at the beat (predicted from what was heard, \
          reported 12 ms after it), with the current tempo in BPM.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[
        OptionSpec {
            name: "bpm_min",
            default: OptDefault::Num { default: 55.0, min: 20.0, max: 400.0 },
            doc: "Slowest tempo in beats per minute.",
        },
        OptionSpec {
            name: "bpm_max",
            default: OptDefault::Num { default: 215.0, min: 20.0, max: 400.0 },
            doc: "Fastest tempo in beats per minute.",
        },
        OptionSpec {
            name: "prior_bpm",
            default: OptDefault::Num { default: 120.0, min: 20.0, max: 400.0 },
            doc: "Most likely tempo a priori, in beats per minute.",
        },
        OptionSpec {
            name: "prior_octaves",
            default: OptDefault::Num { default: 0.5, min: 0.0, max: 4.0 },
            doc: "Width of the log-normal tempo prior in octaves (0: none).",
        },
        BUFFER,
    ],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let config = beat_config(ctx)?;
        let what = Described {
            columns: &["tempo", "latency"],
            units: &["BPM", "s"],
            rate: config.bpm_max / 60.0 * 2.0,
            hop: 0.0,
            latency: 0.012,
        };
        tap(ctx, Box::new(Beats::new(ctx.samplerate, &config)), what)
    },
};

/// The beat tracker settings of a `beats` node, checked.
pub fn beat_config(ctx: &BuildCtx) -> Result<BeatConfig> {
    let config = BeatConfig {
        bpm_min: ctx.num("bpm_min"),
        bpm_max: ctx.num("bpm_max"),
        prior_bpm: ctx.num("prior_bpm"),
        prior_octaves: ctx.num("prior_octaves"),
    };
    config.check().map_err(|m| ctx.invalid(m))?;
    Ok(config)
}
