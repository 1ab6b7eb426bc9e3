//! Sampler: recordings played back per voice, every voice a lane.
//!
//! The recordings ("zones") arrive at build time as two array options: `data`, every
//! zone's frames one after another (one column per channel, mono or stereo), and `zones`,
//! one row per zone:
//!
//! | column | meaning |
//! |--------|---------|
//! | 0 | frames of the zone in `data` |
//! | 1 | sample rate of the recording, Hz |
//! | 2 | root: MIDI note (fractional allowed) that plays it at its recorded pitch |
//! | 3, 4 | lowest and highest key it answers (inclusive) |
//! | 5, 6 | lowest and highest velocity it answers (inclusive, [0, 1]) |
//! | 7, 8 | loop start and end, frames within the zone (`end <= start`: no loop) |
//! | 9 | crossfade at the loop end, frames |
//! | 10 | loop mode: 0 no loop, 1 one-shot, 2 continuous loop, 3 sustain loop |
//!
//! A note start (gate rise, or trigger rise) picks the first zone whose key and velocity
//! ranges hold the `note` and `velocity` of that frame, and plays it from its first frame
//! on that very frame. Pitch follows `freq` relative to the root's frequency (A4 = 440 Hz),
//! at the zone's own sample rate. Reading between recorded frames follows the `quality`
//! option: `sinc` (the default) reads through tabulated polyphase windowed-sinc kernels
//! ([`crate::dsp::sinc::Polyphase`]: 32 taps at or below the recorded speed, up to 64 when
//! pitching up, stretched to stay alias-free), exact at the root pitch; `cubic` through a
//! 4-point Hermite (Catmull-Rom) polynomial and `linear` between the two nearest frames,
//! cheaper and not band-limited (their images and aliases are measured in
//! tests/test_sampler_quality.py). Loop modes follow SFZ: *no loop* plays until the release ends or the
//! recording does; *one-shot* plays the whole recording, ignoring note-offs; *continuous*
//! loops until the release ends; *sustain* loops while the note is held, then plays on
//! through the rest of the recording. A loop's last `crossfade` frames are mixed linearly
//! with the frames before its start, so the wrap is seamless; the mix is right for
//! material that repeats in phase (good loop points), as it keeps its level.
//!
//! A note starting on a voice that still sounds hands the old playback to a 5 ms fade-out
//! (no click) while the new one rises through its own amplitude envelope (linear attack,
//! exponential release).
//!
//! Zones whose keys reach an octave or more above their root also keep copies of their
//! recording at half, a quarter and an eighth of its rate ([`Octave`]): a playback more
//! than twice as fast as recorded reads the copy that brings its rate under 2 (at every
//! quality), with a kernel stretched by less than 2 instead of by the whole rate, so its
//! cost stops growing with the transposition. Looped zones also keep copies of the loop
//! as heard ([`unroll`]: the recording to the loop end, then the loop twice more), which
//! looping playbacks read, so that reads across the loop's seam stay on the copies too.
//! Within a kernel's reach of a zone's edges it reads the recording itself, as slower
//! playbacks always do; there, and for zones without copies played faster than twice their
//! speed, `sinc` computes the 40-tap kernel of [`crate::dsp::sinc::Kernel`] stretched by
//! the rate, tap by tap.
//!
//! Memory: the node reads a copy of `data` stored channel after channel ([`Planar`], as
//! large as `data`: 4 bytes a value), so that one interpolated set of weights is applied to
//! the left and to the right frames as they lie; the halved copies are planar too. Each
//! loop also keeps the loop as heard around its seam ([`Loop::seam`]: the crossfade and
//! [`SEAM_REACH`] frames either side), so that reads near the seam and through the
//! crossfade take their frames in place. All copies are made at build time, on the control
//! thread. Reads that hold one rate over a block go [`GROUP`] at a time through the table,
//! their sums reduced together. Positions are held in integers of `2^-32` frames
//! ([`crate::dsp::sinc::POSITION_BITS`]), stepped by the rate in the same units, so that a
//! read's frame and phase are a shift and a mask away.

use std::sync::Arc;

use crate::dsp::envelope::{Envelope, Rates, Times};
use crate::dsp::finite::all_finite;
use crate::dsp::sinc::{
    frame_and_fraction, halve, in_frames, kernel, polyphase, polyphase_for, to_position, Polyphase, FRACTION_BITS,
    HALF_TAPS, POSITION_BITS, TAPS,
};
use crate::dsp::sums::{self, dot, lerp_dot};
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ParamView, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::build_cache::BuildCache;
use super::gate::{Edge, Gates};
use super::params::{params, ParamDef};
use super::OUT;

/// Columns of the `zones` table.
const ZONE_COLUMNS: usize = 11;
/// Duration of the fade-out of a playback cut short by a new note, in seconds.
const HANDOVER: f64 = 0.005;
/// Most channels a recording may have.
const MAX_CHANNELS: usize = 2;
/// Most the reading kernel is stretched: a recording pitched more than 4 octaves above
/// its recorded speed may alias.
const MAX_STRETCH: f64 = 16.0;
/// Most kernel taps a read takes.
const MAX_TAPS: usize = (TAPS as f64 * MAX_STRETCH) as usize + 2;
/// Most frames a zone may hold (6 hours at 48 kHz): reading positions, up to twice a
/// zone's length within the copies of a loop as heard, stay under `2^31` frames, which an
/// integer position ([`crate::dsp::sinc::POSITION_BITS`]) reaches.
const MAX_ZONE_FRAMES: usize = 1 << 30;
/// Halved copies kept of a zone that plays more than an octave up: reads up to `2^OCTAVES`
/// times as fast as recorded then cost what reads under twice as fast do.
const OCTAVES: usize = 3;
/// Transposition in semitones (pitch bend, say) allowed for beyond a zone's highest key
/// when deciding whether it needs halved copies.
const BEND_ROOM: f32 = 2.0;

/// How reads between recorded frames are interpolated (the `quality` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quality {
    /// Tabulated polyphase windowed sinc, band-limited.
    Sinc,
    /// 4-point Hermite (Catmull-Rom).
    Cubic,
    /// Between the two nearest frames.
    Linear,
}

/// The `quality` option's choices, the default first.
const QUALITIES: &[&str] = &["sinc", "cubic", "linear"];

/// `sampler(freq, note, velocity, gate, trigger, attack, release, dynamics; data, zones,
/// quality)`.
pub static SAMPLER: NodeSpec = NodeSpec {
    kind: "sampler",
    doc: "Sampler: plays recordings (zones chosen by key and velocity) one voice per lane, from \
          the exact frame a note starts, pitched by freq relative to each zone's root through a \
          tabulated windowed-sinc kernel (alias-free when pitching up; or cubic or linear \
          interpolation, cheaper), with no-loop, one-shot, continuous and sustain loop modes, crossfaded loop points, and an attack/release envelope. \
          Output: one channel per voice for mono recordings, a left/right pair per voice for \
          stereo ones.",
    inputs: &[],
    outputs: &[OUT],
    params: SamplerParams::SPECS,
    options: &[
        OptionSpec {
            name: "data",
            default: OptDefault::Array { min_columns: 1, max_columns: MAX_CHANNELS },
            doc: "Every zone's frames, one after another; one column per channel (required).",
        },
        OptionSpec {
            name: "zones",
            default: OptDefault::Array { min_columns: ZONE_COLUMNS, max_columns: ZONE_COLUMNS },
            doc: "One row per zone: frames, sample rate, root, key range, velocity range, loop start and \
                  end, crossfade, loop mode (see the node's documentation).",
        },
        OptionSpec {
            name: "quality",
            default: OptDefault::Choice(QUALITIES),
            doc: "Interpolation between recorded frames: 'sinc' (polyphase windowed sinc, 32 to 64 taps, \
                  images and aliases of tones in the passband under -90 dB), 'cubic' (4-point Hermite) or \
                  'linear' (cheaper, not band-limited).",
        },
    ],
    input_rule: InputRule::Broadcast,
    build,
};

params! {
    /// Parameters of `sampler`.
    struct SamplerParams {
        freq: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 100_000.0,
            unit: "Hz",
            smooth: true,
            doc: "Pitch: a zone plays at freq / (its root's frequency) of its recorded speed; 0 plays every \
                  zone at its recorded pitch.",
        },
        note: ParamDef {
            default: 60.0,
            min: 0.0,
            max: 127.0,
            unit: "",
            smooth: false,
            doc: "Key (MIDI note number) that picks the zone when a note starts.",
        },
        velocity: ParamDef {
            default: 1.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: false,
            doc: "Velocity that picks the zone (velocity layers) and scales the level when a note starts.",
        },
        gate: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: false,
            doc: "Above 0.5 holds the note: a rise starts it, a fall releases it (one-shot zones play on).",
        },
        trigger: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: false,
            doc: "A rise above 0.5 starts a note, with or without the gate (drum-style triggering).",
        },
        attack: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 60.0,
            unit: "s",
            smooth: false,
            doc: "Linear fade-in at the note's start.",
        },
        release: ParamDef {
            default: 0.05,
            min: 0.0,
            max: 60.0,
            unit: "s",
            smooth: false,
            doc: "Exponential fade after the note ends: 60 dB in this time.",
        },
        dynamics: ParamDef {
            default: 1.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: false,
            doc: "How much velocity sets the level: gain 1 - dynamics + dynamics x velocity.",
        },

    }
}

/// The views a `sampler` node gets for one block.
type Views<'a> = SamplerParams<ParamView<'a>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoopMode {
    NoLoop,
    OneShot,
    Continuous,
    Sustain,
}

/// A loop inside a zone, with its crossfade mixed in advance.
struct Loop {
    start: usize,
    end: usize,
    /// Frames of crossfade before `end`.
    fade: usize,
    /// The crossfaded frames `end - fade .. end`, channel-interleaved.
    blend: Box<[f32]>,
    /// The loop as heard around its seam ([`unroll`]'s frames `seam_first..end +
    /// SEAM_REACH`, the crossfade with [`SEAM_REACH`] frames either side), which reads
    /// near the seam take in place instead of frame by frame: `fade + 2 SEAM_REACH` frames
    /// at most, 4 bytes a value.
    seam: Planar,
    seam_first: usize,
}

/// Frames either side of a loop's crossfade and seam that [`Loop::seam`] holds: the reach
/// of the widest read.
const SEAM_REACH: usize = MAX_TAPS;

impl Loop {
    /// The loop `start..end` of a zone's `frames` (`channels` interleaved), its last `fade`
    /// frames mixed with those before `start` (`fade` at most `start` and `end - start`).
    fn new(start: usize, end: usize, fade: usize, frames: &[f32], channels: usize) -> Loop {
        let span = end - start;
        let mut blend = vec![0.0f32; fade * channels];
        for (k, frame) in blend.chunks_exact_mut(channels).enumerate() {
            let i = end - fade + k;
            let t = (k + 1) as f32 / (fade + 1) as f32;
            for (c, b) in frame.iter_mut().enumerate() {
                *b = (1.0 - t) * frames[i * channels + c] + t * frames[(i - span) * channels + c];
            }
        }
        // Frame u of the loop as heard, channel c.
        let heard = |mut u: usize, c: usize| {
            while u >= end {
                u -= span;
            }
            match u.checked_sub(end - fade) {
                Some(k) => blend[k * channels + c],
                None => frames[u * channels + c],
            }
        };
        let seam_first = (end - fade).saturating_sub(SEAM_REACH);
        let seam: Vec<f32> =
            (seam_first..end + SEAM_REACH).flat_map(|u| (0..channels).map(move |c| heard(u, c))).collect();
        Loop { start, end, fade, seam: Planar::new(&seam, channels), seam_first, blend: blend.into() }
    }
}

struct Zone {
    /// Index in `data` of the zone's first frame.
    first: usize,
    frames: usize,
    /// Recorded sample rate over the engine's.
    speed: f64,
    /// The root: the MIDI note that plays the recording at its own pitch.
    root: f32,
    /// Frequency of the root note, Hz.
    root_hz: f64,
    keys: [f32; 2],
    velocities: [f32; 2],
    mode: LoopMode,
    lp: Option<Loop>,
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let (data, table) = (ctx.array("data"), ctx.array("zones"));
    if data.is_empty() || table.is_empty() {
        return Err(
            ctx.invalid("options 'data' and 'zones' are required: give the recordings and one zone per recording")
        );
    }
    for (name, array) in [("data", data), ("zones", table)] {
        if !all_finite(array.values()) {
            return Err(ctx.invalid(format!("option '{name}' holds NaN or infinite values")));
        }
    }
    let channels = data.columns();
    let values = data.values();
    let mut zones = Vec::with_capacity(table.rows());
    let mut first = 0;
    for z in 0..table.rows() {
        let row = table.row(z);
        let bad = |msg: String| ctx.invalid(format!("zone {z}: {msg}"));
        let whole = |x: f32, what: &str| {
            if x >= 0.0 && x.fract() == 0.0 {
                Ok(x as usize)
            } else {
                Err(bad(format!("{what} = {x} must be a whole number of frames")))
            }
        };
        let frames = whole(row[0], "frames")?;
        if frames > MAX_ZONE_FRAMES {
            return Err(bad(format!("{frames} frames are more than a zone may hold ({MAX_ZONE_FRAMES})")));
        }
        if frames == 0 || first + frames > data.rows() {
            return Err(bad(format!(
                "{frames} frames from frame {first} do not fit the {} frames of data",
                data.rows()
            )));
        }
        let (rate, root) = (row[1] as f64, row[2] as f64);
        if !(rate > 0.0 && rate.is_finite() && (0.0..=127.0).contains(&root)) {
            return Err(bad(format!("sample rate {rate} Hz and root {root} must be positive and a MIDI note")));
        }
        let mode = match row[10] {
            0.0 => LoopMode::NoLoop,
            1.0 => LoopMode::OneShot,
            2.0 => LoopMode::Continuous,
            3.0 => LoopMode::Sustain,
            m => return Err(bad(format!("loop mode {m} is not 0, 1, 2 or 3"))),
        };
        let (start, end) = (whole(row[7], "loop start")?, whole(row[8], "loop end")?);
        let lp = if end > start {
            if end > frames {
                return Err(bad(format!("loop end {end} is past the zone's {frames} frames")));
            }
            // The crossfade mixes in frames before the loop start: at most that many.
            let fade = whole(row[9], "crossfade")?.min(start).min(end - start);
            Some(Loop::new(start, end, fade, &values[first * channels..(first + frames) * channels], channels))
        } else {
            None
        };
        if lp.is_none() && matches!(mode, LoopMode::Continuous | LoopMode::Sustain) {
            return Err(bad("a looping mode needs loop points (end after start)".into()));
        }
        zones.push(Zone {
            first,
            frames,
            speed: rate / ctx.samplerate,
            root: root as f32,
            root_hz: 440.0 * ((root - 69.0) / 12.0).exp2(),
            keys: [row[3], row[4]],
            velocities: [row[5], row[6]],
            mode,
            lp,
        });
        first += frames;
    }
    let quality = match ctx.text("quality") {
        "cubic" => Quality::Cubic,
        "linear" => Quality::Linear,
        _ => Quality::Sinc,
    };
    // Tabulated here, on the control thread, before any audio thread reads them.
    kernel();
    polyphase();
    let copies = COPIES.get(&[data, table], ctx.samplerate.to_bits(), || {
        let recording = Planar::new(values, channels);
        let octaves = octaves(&recording, values, &zones);
        Copies { recording, octaves }
    });
    let lanes = ctx.lanes;
    let node = Sampler {
        gates: Gates::new(lanes, true),
        bank: Bank {
            copies,
            channels,
            zones: zones.into(),
            quality,
            lanes,
            samplerate: ctx.samplerate as f32,
            handover: (HANDOVER * ctx.samplerate).round().max(1.0) as u32,
            voices: vec![Voice::default(); lanes].into(),
            avx2: avx2(),
            level: vec![0.0; ctx.max_block].into(),
            weights: vec![0.0; MAX_TAPS].into(),
        },
    };
    Ok(Built { node: Box::new(node), output_channels: vec![lanes * channels] })
}

/// Whether this CPU runs AVX2 and FMA code.
fn avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Where one playback is in its zone.
#[derive(Debug, Clone, Copy)]
struct Head {
    zone: usize,
    /// Position in the zone's frames, in units of `2^-POSITION_BITS` frames ([`to_position`]).
    pos: i64,
    /// Whether the loop is in force.
    looping: bool,
    /// Whether it has wrapped at least once (frames before the loop start then lie behind
    /// the loop end in the playback's past).
    wrapped: bool,
    /// A sustain loop to leave as soon as the position is clear of its edges.
    leaving: bool,
}

/// A playback cut short by a new note, fading out.
#[derive(Debug, Clone, Copy)]
struct Handover {
    head: Head,
    /// Gain when the fade began.
    gain: f32,
    /// Frames of fade left.
    left: u32,
}

#[derive(Debug, Clone, Copy, Default)]
struct Voice {
    head: Option<Head>,
    /// Gain of the note (velocity and dynamics).
    gain: f32,
    envelope: Envelope,
    /// Attack and release the envelope's rates were computed for.
    times: (f32, f32),
    rates: Rates,
    handover: Option<Handover>,
}

struct Sampler {
    gates: Gates,
    bank: Bank,
}

/// The recordings at `2^-k` of their rate (`k` = 1 for the first octave): each zone that
/// needs it, band-limited and halved `k` times ([`halve`]), zone after zone.
struct Octave {
    /// The frames, channel after channel.
    data: Planar,
    /// Each zone's first frame in `data` (None: the zone has no copies).
    first: Box<[Option<usize>]>,
    /// Where each looped zone's [`unroll`]ed recording, halved as often, starts in `data`
    /// (None: no loop or no copies): what looping playbacks read.
    looped: Box<[Option<usize>]>,
}

/// Halved copies, by octave, of the zones that play more than an octave above their
/// recorded speed (see [`BEND_ROOM`]), each channel halved on its own.
fn octaves(recording: &Planar, data: &[f32], zones: &[Zone]) -> Vec<Octave> {
    let channels = recording.channels;
    let mut octaves: Vec<Octave> = Vec::with_capacity(OCTAVES);
    let needs = |zone: &Zone| zone.speed * (((zone.keys[1] + BEND_ROOM - zone.root) / 12.0) as f64).exp2() >= 2.0;
    // The loops as heard, for the zones with copies and a loop.
    let unrolled: Vec<Option<Planar>> = zones
        .iter()
        .map(|zone| {
            let lp = zone.lp.as_ref().filter(|_| needs(zone))?;
            let frames = &data[zone.first * channels..(zone.first + zone.frames) * channels];
            Some(Planar::new(&unroll(frames, channels, lp), channels))
        })
        .collect();
    for k in 1..=OCTAVES {
        // Channel c's source frames of zone z (or its unrolled loop): the recording's for
        // the first octave, the previous octave's after.
        let source = |c: usize, z: usize, looped: bool| -> &[f32] {
            let (whole, frames) = match looped {
                false => (recording.span(zones[z].first, zones[z].frames)[c], zones[z].frames),
                true => {
                    let u = unrolled[z].as_ref().expect("a looped zone with copies has its loop unrolled");
                    (u.from(0)[c], u.frames)
                }
            };
            let Some(up) = octaves.last() else { return whole };
            let start = match looped {
                false => up.first[z].expect("a zone with copies has them in every octave"),
                true => up.looped[z].expect("a looped zone with copies has them in every octave"),
            };
            up.data.span(start, frames.div_ceil(1 << (k - 1)))[c]
        };
        let mut planes = vec![Vec::new(); channels];
        let (mut first, mut looped) = (Vec::with_capacity(zones.len()), Vec::with_capacity(zones.len()));
        for (z, zone) in zones.iter().enumerate() {
            if !needs(zone) {
                first.push(None);
                looped.push(None);
                continue;
            }
            first.push(Some(planes[0].len()));
            planes.iter_mut().enumerate().for_each(|(c, p)| p.extend(halve(source(c, z, false))));
            if unrolled[z].is_none() {
                looped.push(None);
                continue;
            }
            looped.push(Some(planes[0].len()));
            planes.iter_mut().enumerate().for_each(|(c, p)| p.extend(halve(source(c, z, true))));
        }
        octaves.push(Octave { data: Planar::from_planes(planes), first: first.into(), looped: looped.into() });
    }
    octaves
}

/// Frames stored channel after channel (planar): channel `c` of frame `i` at
/// `c * frames + i`, so that one set of kernel weights applies to each channel's frames as
/// they lie, with no shuffling of interleaved pairs.
struct Planar {
    values: Box<[f32]>,
    /// Frames per channel.
    frames: usize,
    channels: usize,
}

impl Planar {
    /// `interleaved` (`channels` values a frame), stored planar.
    fn new(interleaved: &[f32], channels: usize) -> Planar {
        let frames = interleaved.len() / channels;
        let mut values = vec![0.0f32; frames * channels].into_boxed_slice();
        for (c, plane) in values.chunks_exact_mut(frames.max(1)).enumerate() {
            plane.iter_mut().zip(interleaved.chunks_exact(channels)).for_each(|(v, frame)| *v = frame[c]);
        }
        Planar { values, frames, channels }
    }

    /// Channels' frames given one plane each (all as long).
    fn from_planes(planes: Vec<Vec<f32>>) -> Planar {
        let (channels, frames) = (planes.len(), planes[0].len());
        debug_assert!(planes.iter().all(|p| p.len() == frames));
        Planar { values: planes.concat().into(), frames, channels }
    }

    /// Frames `first..first + len` of each channel (empty beyond the channels stored).
    #[inline(always)]
    fn span(&self, first: usize, len: usize) -> Planes<'_> {
        std::array::from_fn(|c| match c < self.channels {
            true => &self.values[c * self.frames + first..c * self.frames + first + len],
            false => &[],
        })
    }

    /// Frames from `first` on, of each channel (empty beyond the channels stored).
    #[inline(always)]
    fn from(&self, first: usize) -> Planes<'_> {
        self.span(first, self.frames - first)
    }
}

/// Each channel's frames (planar, see [`Planar`]), empty beyond the channels stored.
type Planes<'a> = [&'a [f32]; MAX_CHANNELS];

/// What a sampler derives from its recordings at build time, shared by the nodes built
/// from the same arrays: the recordings stored planar (4 bytes a value, as many as `data`
/// holds: a second copy of the recordings, the option's array being kept as given) and
/// their halved copies (planar too).
struct Copies {
    recording: Planar,
    octaves: Vec<Octave>,
}

/// Frames of [`unroll`]'s result.
fn unrolled_frames(lp: &Loop) -> usize {
    lp.end + 2 * (lp.end - lp.start) + UNROLL_MARGIN
}

/// Frames beyond two passes of a loop that [`unroll`] adds.
const UNROLL_MARGIN: usize = 4096;

/// A zone's recording as a playback that loops hears it: up to the loop end (its last
/// frames crossfaded), then the loop again and again ([`unrolled_frames`] in all). A
/// looping playback at `pos` hears what this holds around `pos` before its first wrap,
/// and around `pos + (end - start)` after it.
fn unroll(frames: &[f32], channels: usize, lp: &Loop) -> Vec<f32> {
    let span = lp.end - lp.start;
    let mut out = Vec::with_capacity(unrolled_frames(lp) * channels);
    out.extend_from_slice(&frames[..(lp.end - lp.fade) * channels]);
    out.extend_from_slice(&lp.blend);
    for i in lp.end..unrolled_frames(lp) {
        let j = (i - span) * channels;
        out.extend_from_within(j..j + channels);
    }
    out
}

/// Copies in use, by the recordings and zone table they came from.
static COPIES: BuildCache<Copies> = BuildCache::new();

/// The recordings and the voices playing them.
struct Bank {
    copies: Arc<Copies>,
    channels: usize,
    zones: Box<[Zone]>,
    quality: Quality,
    lanes: usize,
    samplerate: f32,
    /// Frames of the fade-out of a playback cut short.
    handover: u32,
    voices: Box<[Voice]>,
    /// Whether the CPU runs AVX2 and FMA code.
    avx2: bool,
    /// Per-frame envelope of the lane being rendered.
    level: Box<[f32]>,
    /// Scratch: the kernel weights of one read.
    weights: Box<[f32]>,
}

/// A read of the recordings: the zones and the frames they index.
struct Reader<'a> {
    data: &'a Planar,
    octaves: &'a [Octave],
    channels: usize,
    zones: &'a [Zone],
    quality: Quality,
    /// Whether to apply table weights with AVX2 and FMA instructions (set only in code
    /// compiled for them, run on a CPU that has them).
    avx2: bool,
}

/// Reads a steady stretch takes at once through a table ([`sums::avx2::lerp_dots`]: one
/// reduction serves them all).
const GROUP: usize = 4;

/// One read through a table: the rows `a` and `b` and how far (`d`) the weights lie from
/// the first to the second, `a + d (b - a)`.
type Rows<'a> = (&'a [f32], &'a [f32], f32);

/// The weights of `rows` applied to `x` (the frames of each of `ch` channels), in AVX2 and
/// FMA instructions if `avx2` (the same operations in the same order, the multiplies and
/// adds fused: the last bits differ from the portable path's).
#[inline(always)]
fn lerp_read(avx2: bool, rows: Rows, x: Planes<'_>, ch: usize) -> [f32; 2] {
    let [value] = lerp_reads::<1>(avx2, [rows], [x], ch);
    value
}

/// [`lerp_read`] for `N` reads (`N` 1 or [`GROUP`]), each read's result the same as alone.
#[inline(always)]
fn lerp_reads<const N: usize>(avx2: bool, rows: [Rows; N], x: [Planes<'_>; N], ch: usize) -> [[f32; 2]; N] {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` is only set in Bank::render_avx2, which runs on CPUs with AVX2 and FMA.
        return unsafe {
            if ch == 1 {
                sums::avx2::lerp_dots::<N, 1>(rows, x.map(|[l, _]| [l])).map(|[v]| [v, 0.0])
            } else {
                sums::avx2::lerp_dots::<N, 2>(rows, x)
            }
        };
    }
    let _ = avx2;
    std::array::from_fn(|j| {
        let (a, b, d) = rows[j];
        if ch == 1 {
            [lerp_dot(a, b, d, [x[j][0]])[0], 0.0]
        } else {
            lerp_dot(a, b, d, x[j])
        }
    })
}

/// `weights` applied to each of `ch` channels' frames `x`.
#[inline(always)]
fn dots(weights: &[f32], x: Planes<'_>, ch: usize) -> [f32; 2] {
    std::array::from_fn(|c| if c < ch { dot(weights, x[c]) } else { 0.0 })
}

/// Writes the `ch` values of `mix` to `out` from `at` (with a length the compiler knows,
/// not a call to copy a few bytes).
#[inline(always)]
fn put(out: &mut [f32], at: usize, mix: [f32; 2], ch: usize) {
    if ch == 1 {
        out[at] = mix[0];
    } else {
        out[at..at + 2].copy_from_slice(&mix);
    }
}

/// Frames `first..first + len` of each plane of `x`.
#[inline(always)]
fn frames_at(x: Planes<'_>, ch: usize, first: usize, len: usize) -> Planes<'_> {
    std::array::from_fn(|c| if c < ch { &x[c][first..first + len] } else { &[] })
}

/// The frames a `linear` or `cubic` read at a frame `n` (or past it) takes: from
/// `n - back` on, `taps` of them.
#[inline(always)]
fn short_span(quality: Quality) -> (i64, usize) {
    match quality {
        Quality::Linear => (0, 2),
        _ => (1, 4),
    }
}

/// The weights of a `linear` or `cubic` read `q` past a frame (in units of
/// `2^-FRACTION_BITS` of a frame, as [`frame_and_fraction`] gives it), for the frames of
/// [`short_span`] (the rest of the array is 0).
#[inline(always)]
fn short_weights(quality: Quality, q: u32) -> [f32; 4] {
    // (Exact: 24 bits.)
    let t = q as f32 * (1.0 / (1u32 << FRACTION_BITS) as f32);
    match quality {
        Quality::Linear => [1.0 - t, t, 0.0, 0.0],
        _ => {
            let (t2, t3) = (t * t, t * t * t);
            [-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0, -1.5 * t3 + 2.0 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2]
        }
    }
}

/// A `linear` or `cubic` read at `pos` (in units of `2^-POSITION_BITS` frames) of each of
/// `ch` channels of `x`, all of whose frames it takes lie within `x`: the weights of
/// [`short_weights`] applied tap after tap, in the order (and so with the results) of
/// [`dots`] and of reads frame by frame, without their scratch weights and loops.
#[inline(always)]
fn short_read(quality: Quality, pos: i64, x: Planes<'_>, ch: usize) -> [f32; 2] {
    let (n, q) = frame_and_fraction(pos);
    let ((back, taps), w) = (short_span(quality), short_weights(quality, q));
    let first = (n - back) as usize;
    let apply = |x: &[f32]| {
        let x = &x[first..first + taps];
        (0..taps).fold(0.0f32, |v, j| v + w[j] * x[j])
    };
    [apply(x[0]), if ch > 1 { apply(x[1]) } else { 0.0 }]
}

/// The weights of a read at `pos` (frames of the recording read, in units of
/// `2^-POSITION_BITS` frames) at `rate` frames per output frame: writes them to the front
/// of `weights` and returns the first frame they apply to and how many there are. `sinc`
/// reads faster than 2 compute the stretched 40-tap kernel; every other read takes a fixed
/// number of taps.
#[inline(always)]
fn weights_at(quality: Quality, pos: i64, rate: f64, weights: &mut [f32]) -> (i64, usize) {
    let (n, q) = frame_and_fraction(pos);
    match quality {
        Quality::Linear | Quality::Cubic => {
            let (back, taps) = short_span(quality);
            weights[..taps].copy_from_slice(&short_weights(quality, q)[..taps]);
            (n - back, taps)
        }
        Quality::Sinc if rate <= 2.0 => {
            let table = polyphase_for(rate);
            table.weights(q, weights);
            (n - table.lead() as i64, table.taps())
        }
        Quality::Sinc => {
            // Faster than twice the recorded speed (no copies, or near an edge): the
            // kernel stretched by the rate, normalized to unit gain.
            let (pos, stretch) = (in_frames(pos), rate.min(MAX_STRETCH));
            let reach = HALF_TAPS as f64 * stretch;
            let (lo, hi) = ((pos - reach).ceil() as i64, (pos + reach).floor() as i64);
            let count = (hi - lo + 1) as usize;
            kernel().stretched((lo as f64 - pos) as f32, stretch as f32, &mut weights[..count]);
            (lo, count)
        }
    }
}

/// The value on each channel of `frames` (`ch` channels, planar) read at `pos` at
/// `rate`, if the frames the read takes (`first`, `count`) `fit` (clear of any edge, so
/// read in place); None if not. A `sinc` read at rates up to 2 interpolates between the
/// table's two phases and applies the weights in one pass.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn in_place(
    avx2: bool,
    quality: Quality,
    pos: i64,
    rate: f64,
    frames: Planes<'_>,
    ch: usize,
    fits: impl Fn(i64, usize) -> bool,
    weights: &mut [f32],
) -> Option<[f32; 2]> {
    if quality == Quality::Sinc && rate <= 2.0 {
        let table = polyphase_for(rate);
        let (n, q) = frame_and_fraction(pos);
        let (first, taps) = (n - table.lead() as i64, table.taps());
        if !fits(first, taps) {
            return None;
        }
        let rows = table.rows(q);
        return Some(lerp_read(avx2, rows, frames_at(frames, ch, first as usize, taps), ch));
    }
    if quality != Quality::Sinc {
        let ((n, _), (back, taps)) = (frame_and_fraction(pos), short_span(quality));
        return fits(n - back, taps).then(|| short_read(quality, pos, frames, ch));
    }
    let (first, count) = weights_at(quality, pos, rate, weights);
    if !fits(first, count) {
        return None;
    }
    Some(dots(&weights[..count], frames_at(frames, ch, first as usize, count), ch))
}

/// A stretch of reads at one rate that all lie clear of every edge: the frames read (the
/// zone's recording or a halved copy of it) and how.
struct Steady<'a> {
    frames: Planes<'a>,
    /// The copy's octave `k`: positions in the copied signal are divided by `2^k` (shifted
    /// right), as [`Reader::read_octave`] does (0 for the recording itself).
    octave: u32,
    /// What to add to the playback's position for the copied signal's (see
    /// [`Reader::copy_of`]), in units of `2^-POSITION_BITS` frames.
    offset: i64,
    /// The table of a `sinc` read.
    table: Option<&'static Polyphase>,
}

impl<'a> Reader<'a> {
    /// What [`Reader::read`] does for the next `count` frames of `head` at `rate`, if they
    /// are all plain table reads in place (and [`Reader::advance`] only moves the position
    /// on): the same frames, step and table for each, so that a loop over them computes
    /// exactly what frame-by-frame reads would.
    #[inline(always)]
    fn steady(&self, head: &Head, rate: f64, count: usize) -> Option<Steady<'a>> {
        if head.leaving || !rate.is_finite() {
            return None;
        }
        let pos = in_frames(head.pos);
        let z = &self.zones[head.zone];
        let (behind, ahead) = match (&z.lp, head.looping) {
            (Some(lp), true) => (if head.wrapped { lp.start as i64 } else { 0 }, (lp.end - lp.fade) as i64),
            _ => (0, z.frames as i64),
        };
        // The last position, with a frame to spare for the rate's rounding to the positions'
        // units.
        let last = pos + count as f64 * rate + 1.0;
        if let (Some(lp), true) = (&z.lp, head.looping) {
            if last >= lp.end as f64 {
                return None; // the loop wraps: Reader::advance moves the position back
            }
        }
        // Frames a read takes before and after the one at or before its position.
        let reach = |rate: f64| match self.quality {
            Quality::Sinc => {
                let table = polyphase_for(rate);
                (Some(table), table.lead() as i64, table.lead() as i64 + 1)
            }
            Quality::Cubic | Quality::Linear => {
                let (back, taps) = short_span(self.quality);
                (None, back, taps as i64 - 1 - back)
            }
        };
        if rate < 2.0 {
            let (table, before, after) = reach(rate);
            if pos.floor() as i64 - before < behind || last.floor() as i64 + after + 1 > ahead {
                return None;
            }
            let frames = self.data.span(z.first, z.frames);
            return Some(Steady { frames, octave: 0, offset: 0, table });
        }
        let rate = rate.min(MAX_STRETCH);
        let k = (rate.log2() as usize).clamp(1, OCTAVES);
        let (frames, shift, (behind, ahead)) = self.copy_of(head, k)?;
        let scale = (1u32 << k) as f64;
        let (table, before, after) = reach(rate / scale);
        let lo = ((pos + shift as f64) / scale).floor() as i64 - before;
        let hi = ((last + shift as f64) / scale).floor() as i64 + after + 1;
        let spread = (2 * HALF_TAPS) as i64 * ((1 << k) - 1);
        if lo * (1 << k) - spread < behind || hi * (1 << k) + spread >= ahead {
            return None;
        }
        Some(Steady { frames, octave: k as u32, offset: shift << POSITION_BITS, table })
    }

    /// Frame `i` (any integer) of the playback `head` as heard: zero outside the zone;
    /// while looping, frames past the loop end wrap to its start, frames before its start
    /// (after a wrap) to before its end, and the last frames of the loop are crossfaded.
    #[inline]
    fn frame(&self, head: &Head, i: i64, c: usize) -> f32 {
        let z = &self.zones[head.zone];
        let mut i = i;
        if let (true, Some(lp)) = (head.looping, &z.lp) {
            let (start, end, span) = (lp.start as i64, lp.end as i64, (lp.end - lp.start) as i64);
            if i >= end {
                i = start + (i - end) % span;
            } else if head.wrapped && i < start {
                i = end - 1 - (start - 1 - i) % span;
            }
            let faded = end - lp.fade as i64;
            if i >= faded && i < end {
                return lp.blend[(i - faded) as usize * self.channels + c];
            }
        }
        if i < 0 || i >= z.frames as i64 {
            0.0
        } else {
            self.data.span(z.first + i as usize, 1)[c][0]
        }
    }

    /// The playback's value on each channel at its position, read at `rate` frames of the
    /// recording per output frame; `out` gets one value per channel. `weights` is scratch
    /// room for [`MAX_TAPS`] kernel weights.
    #[inline(always)]
    fn read(&self, head: &Head, rate: f64, weights: &mut [f32], out: &mut [f32; 2]) {
        let z = &self.zones[head.zone];
        let ch = self.channels;
        // Clear of the zone's edges and of any loop, the frames are read in place.
        let (behind, ahead) = match (&z.lp, head.looping) {
            (Some(lp), true) => (if head.wrapped { lp.start as i64 } else { 0 }, (lp.end - lp.fade) as i64),
            _ => (0, z.frames as i64),
        };
        if rate >= 2.0 && self.read_octave(head, rate, weights, out) {
            return;
        }
        let frames = self.data.span(z.first, z.frames);
        let fits = |first: i64, count: usize| first >= behind && first + count as i64 <= ahead;
        if let Some(value) = in_place(self.avx2, self.quality, head.pos, rate, frames, ch, fits, weights) {
            *out = value;
            return;
        }
        if self.read_seam(head, rate, weights, out) {
            return;
        }
        let (first, count) = weights_at(self.quality, head.pos, rate, weights);
        let w = &weights[..count];
        *out = [0.0; 2];
        for (j, w) in w.iter().enumerate() {
            for (c, o) in out.iter_mut().enumerate().take(ch) {
                *o += w * self.frame(head, first + j as i64, c);
            }
        }
    }

    /// [`Reader::read`] of a looping playback from its loop's seam copy ([`Loop::seam`]), if
    /// the frames the read takes lie within it; false if not.
    #[inline(always)]
    fn read_seam(&self, head: &Head, rate: f64, weights: &mut [f32], out: &mut [f32; 2]) -> bool {
        let Some(lp) = self.zones[head.zone].lp.as_ref().filter(|_| head.looping) else { return false };
        let span = lp.end - lp.start;
        // The copy holds the loop as heard from `seam_first` on, past its end. A wrapped
        // playback hears frames before the loop start as those before its end: near the
        // start, its frames lie `span` on in the copy; elsewhere (near the end again) they
        // lie at its position, as long as none is before the loop start.
        let near_start = head.wrapped
            && head.pos + ((span as i64) << POSITION_BITS) < ((lp.end + SEAM_REACH) as i64) << POSITION_BITS;
        let shift = if near_start { span } else { 0 };
        let lowest = if head.wrapped && !near_start { lp.start as i64 - lp.seam_first as i64 } else { 0 };
        let pos = head.pos + ((shift as i64 - lp.seam_first as i64) << POSITION_BITS);
        let fits = |first: i64, count: usize| first >= lowest.max(0) && first as usize + count <= lp.seam.frames;
        match in_place(self.avx2, self.quality, pos, rate, lp.seam.from(0), self.channels, fits, weights) {
            Some(value) => {
                *out = value;
                true
            }
            None => false,
        }
    }

    /// [`Reader::read`] from the halved copy that brings `rate` (at least 2) under 2, if the
    /// zone has copies and every recorded frame they draw on lies in `clear` (frames read in
    /// place: clear of the zone's edges and of the loop's); false if not.
    #[inline(always)]
    fn read_octave(&self, head: &Head, rate: f64, weights: &mut [f32], out: &mut [f32; 2]) -> bool {
        let rate = rate.min(MAX_STRETCH);
        let k = (rate.log2() as usize).clamp(1, OCTAVES);
        let Some((frames, shift, clear)) = self.copy_of(head, k) else { return false };
        let scale = (1u32 << k) as f64;
        // Divided by scale, a power of 2 (shifted: the same in every read path).
        let (pos, stretch) = ((head.pos + (shift << POSITION_BITS)) >> k, rate / scale);
        // A copied frame j draws on recorded frames within 2 HALF_TAPS (2^k - 1) of j 2^k.
        let spread = (2 * HALF_TAPS) as i64 * ((1 << k) - 1);
        let fits = |lo: i64, count: usize| {
            let hi = lo + count as i64 - 1;
            lo * (1 << k) - spread >= clear.0 && hi * (1 << k) + spread < clear.1
        };
        let ch = self.channels;
        match in_place(self.avx2, self.quality, pos, stretch, frames, ch, fits, weights) {
            Some(value) => {
                *out = value;
                true
            }
            None => false,
        }
    }

    /// The halved copy (`k` times) that reads of `head` use, if the zone has copies: its
    /// frames, what to add to the head's position for its position in the copied signal
    /// (the recording, or for a looping playback the loop as heard, [`unroll`]), and the
    /// span of the copied signal's frames within which it is what the playback hears.
    #[inline(always)]
    fn copy_of(&self, head: &Head, k: usize) -> Option<(Planes<'a>, i64, (i64, i64))> {
        let z = &self.zones[head.zone];
        let octave = &self.octaves[k - 1];
        match (&z.lp, head.looping) {
            (Some(lp), true) => {
                let start = octave.looped[head.zone]?;
                let span = (lp.end - lp.start) as i64;
                let (shift, behind) = if head.wrapped { (span, lp.start as i64) } else { (0, 0) };
                Some((octave.data.from(start), shift, (behind, unrolled_frames(lp) as i64)))
            }
            _ => {
                let start = octave.first[head.zone]?;
                Some((octave.data.from(start), 0, (0, z.frames as i64)))
            }
        }
    }

    /// Moves `head` on by `rate` frames; returns false once the playback is over.
    #[inline(always)]
    fn advance(&self, head: &mut Head, rate: f64) -> bool {
        let z = &self.zones[head.zone];
        head.pos = head.pos.saturating_add(to_position(rate));
        let pos = in_frames(head.pos);
        match (&z.lp, head.looping) {
            (Some(lp), true) => {
                if head.pos >= (lp.end as i64) << POSITION_BITS {
                    head.pos -= ((lp.end - lp.start) as i64) << POSITION_BITS;
                    head.wrapped = true;
                }
                // Leave a sustain loop only well inside it, where the frames the kernel
                // reads are the same looped or not.
                let margin = HALF_TAPS as f64 * rate.clamp(1.0, MAX_STRETCH);
                if head.leaving && pos >= lp.start as f64 + margin && pos < (lp.end - lp.fade) as f64 - margin {
                    head.looping = false;
                    head.wrapped = false;
                }
                true
            }
            _ => pos < z.frames as f64 + HALF_TAPS as f64 * rate.clamp(1.0, MAX_STRETCH),
        }
    }
}

impl Bank {
    /// The first zone answering `key` at `velocity`.
    fn zone_for(&self, key: f32, velocity: f32) -> Option<usize> {
        self.zones.iter().position(|z| {
            (z.keys[0]..=z.keys[1]).contains(&key) && (z.velocities[0]..=z.velocities[1]).contains(&velocity)
        })
    }

    /// Starts a note on lane `l` at `frame`.
    fn start(&mut self, l: usize, p: &Views, frame: usize) {
        let lanes = self.lanes;
        let key = p.note.at(frame, l, lanes).round();
        let velocity = p.velocity.at(frame, l, lanes);
        let dynamics = p.dynamics.at(frame, l, lanes);
        let zone = self.zone_for(key, velocity);
        let handover = self.handover;
        let v = &mut self.voices[l];
        if let Some(head) = v.head {
            let gain = v.gain * v.envelope.level();
            if gain > 0.0 {
                v.handover = Some(Handover { head, gain, left: handover });
            }
        }
        v.head = zone.map(|zone| Head {
            zone,
            pos: 0,
            looping: matches!(self.zones[zone].mode, LoopMode::Continuous | LoopMode::Sustain),
            wrapped: false,
            leaving: false,
        });
        v.gain = 1.0 - dynamics + dynamics * velocity;
        // The new playback is a new sound: its envelope rises from silence.
        v.envelope = Envelope::default();
        v.envelope.start();
    }

    /// Ends the note on lane `l` (one-shot zones play on).
    fn stop(&mut self, l: usize) {
        let v = &mut self.voices[l];
        let Some(head) = &mut v.head else { return };
        match self.zones[head.zone].mode {
            LoopMode::OneShot => {}
            LoopMode::Sustain => {
                head.leaving = true;
                v.envelope.stop();
            }
            LoopMode::NoLoop | LoopMode::Continuous => v.envelope.stop(),
        }
    }

    /// Renders frames `from..to` of lane `l` into `out` (frame-major, `lanes * channels` wide).
    fn render(&mut self, l: usize, p: &Views, from: usize, to: usize, out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: the CPU has AVX2 and FMA (detected at build).
            return unsafe { self.render_avx2(l, p, from, to, out) };
        }
        self.render_lane::<false>(l, p, from, to, out)
    }

    /// [`Bank::render`] compiled for AVX2 and FMA: the kernels' loops run 8 lanes wide. Rust
    /// does not fuse multiplies and adds by itself; only table reads
    /// ([`sums::avx2::lerp_dots`]) do, so they differ in the last bits from the baseline
    /// build's (every read through them, grouped or not, the same on one CPU).
    #[target_feature(enable = "avx2,fma")]
    unsafe fn render_avx2(&mut self, l: usize, p: &Views, from: usize, to: usize, out: &mut [f32]) {
        self.render_lane::<true>(l, p, from, to, out)
    }

    #[inline(always)]
    fn render_lane<const AVX2: bool>(&mut self, l: usize, p: &Views, from: usize, to: usize, out: &mut [f32]) {
        let (lanes, ch) = (self.lanes, self.channels);
        let reader = Reader {
            data: &self.copies.recording,
            octaves: &self.copies.octaves,
            channels: ch,
            zones: &self.zones,
            quality: self.quality,
            avx2: AVX2,
        };
        let v = &mut self.voices[l];
        let level = &mut self.level[..to - from];
        let weights = &mut self.weights;
        v.envelope.render(&v.rates, level, 1, to - from);
        let rate_of = |head: &Head, f: usize| {
            let z = &reader.zones[head.zone];
            let freq = p.freq.at(f, l, lanes) as f64;
            // A frequency within the precision of single floats (0.001 cent) of the root
            // is the root: the recording then plays sample for sample.
            let ratio = freq / z.root_hz;
            z.speed * if freq <= 0.0 || (ratio - 1.0).abs() < 6e-7 { 1.0 } else { ratio }
        };
        let mut value = [0.0f32; 2];
        let steady_freq = p.freq.as_const().is_some();
        let mut f = from;
        while f < to {
            if let (Some(head), None, true) = (&mut v.head, &v.handover, steady_freq) {
                let rate = rate_of(head, f);
                if let Some(s) = reader.steady(head, rate, to - f) {
                    // The position's step per frame, as Reader::advance takes it.
                    let step = to_position(rate);
                    // The frame-by-frame loop below, reduced to what these frames need
                    // (the same arithmetic as Reader::read). While the voice cannot end
                    // (its envelope is not idle), table reads go GROUP at a time.
                    if let (Some(table), false) = (s.table, v.envelope.is_idle()) {
                        let (lead, taps) = (table.lead(), table.taps());
                        // The position in the copied signal, kept out of memory for the loop
                        // (steady: no wrap).
                        let mut at = head.pos + s.offset;
                        while to - f >= GROUP {
                            let mut firsts = [0; GROUP];
                            let rows: [Rows; GROUP] = std::array::from_fn(|j| {
                                let (n, q) = frame_and_fraction(at >> s.octave);
                                at += step;
                                // Steady reads start at or after frame 0: n >= lead.
                                firsts[j] = n as usize - lead;
                                table.rows(q)
                            });
                            let x = firsts.map(|first| {
                                debug_assert!(first + taps <= s.frames[0].len());
                                // SAFETY: Reader::steady checked that every frame these reads
                                // take lies within `s.frames`.
                                std::array::from_fn(|c| match c < ch {
                                    true => unsafe { s.frames[c].get_unchecked(first..first + taps) },
                                    false => &[],
                                })
                            });
                            let values = lerp_reads(reader.avx2, rows, x, ch);
                            for (g, value) in (f..).zip(values) {
                                let gain = v.gain * level[g - from];
                                let mut mix = [0.0f32; 2];
                                mix.iter_mut().zip(value).for_each(|(m, x)| *m += gain * x);
                                put(out, (g * lanes + l) * ch, mix, ch);
                            }
                            f += GROUP;
                        }
                        head.pos = at - s.offset;
                    }
                    for (g, env) in (f..to).zip(&level[f - from..]) {
                        let pos = (head.pos + s.offset) >> s.octave;
                        let value = match s.table {
                            Some(table) => {
                                let (n, q) = frame_and_fraction(pos);
                                let first = n as usize - table.lead();
                                let rows = table.rows(q);
                                lerp_read(reader.avx2, rows, frames_at(s.frames, ch, first, table.taps()), ch)
                            }
                            None => short_read(reader.quality, pos, s.frames, ch),
                        };
                        let gain = v.gain * env;
                        let mut mix = [0.0f32; 2];
                        mix.iter_mut().zip(value).for_each(|(m, x)| *m += gain * x);
                        put(out, (g * lanes + l) * ch, mix, ch);
                        head.pos += step;
                        f = g + 1;
                        if *env == 0.0 && v.envelope.is_idle() {
                            v.head = None;
                            break;
                        }
                    }
                    continue;
                }
            }
            let env = &level[f - from];
            let mut mix = [0.0f32; 2];
            if let Some(head) = &mut v.head {
                let rate = rate_of(head, f);
                reader.read(head, rate, weights, &mut value);
                let gain = v.gain * env;
                mix.iter_mut().zip(value).for_each(|(m, x)| *m += gain * x);
                if !reader.advance(head, rate) || (*env == 0.0 && v.envelope.is_idle()) {
                    v.head = None;
                }
            }
            if let Some(h) = &mut v.handover {
                let rate = rate_of(&h.head, f);
                reader.read(&h.head, rate, weights, &mut value);
                let gain = h.gain * h.left as f32 / (self.handover + 1) as f32;
                mix.iter_mut().zip(value).for_each(|(m, x)| *m += gain * x);
                h.left -= 1;
                if h.left == 0 || !reader.advance(&mut h.head, rate) {
                    v.handover = None;
                }
            }
            put(out, (f * lanes + l) * ch, mix, ch);
            f += 1;
        }
        if v.head.is_none() && !v.envelope.is_idle() {
            // The recording ran out: the voice is free, and its next note starts from 0.
            v.envelope = Envelope::default();
        }
    }
}

impl Node for Sampler {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (lanes, frames) = (self.bank.lanes, io.frames);
        let p = &SamplerParams::from(io.params);
        let out = &mut *io.outputs[0];
        let bank = &mut self.bank;
        for l in 0..lanes {
            let times = (p.attack.at(0, l, lanes), p.release.at(0, l, lanes));
            let v = &mut bank.voices[l];
            if times != v.times {
                v.times = times;
                let t = Times { attack: times.0, decay: 0.0, sustain: 1.0, release: times.1 };
                v.rates = Rates::new(t, bank.samplerate);
            }
            self.gates.scan(l, lanes, frames, p.gate, p.trigger, |edge, from, to| {
                match edge {
                    Some(Edge::Start) => bank.start(l, p, from),
                    Some(Edge::Stop) => bank.stop(l),
                    None => {}
                }
                bank.render(l, p, from, to, out);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ArrayData, OptValue};

    /// Builds a sampler from `data` (mono) and one `zones` row, as the compiler would.
    fn built(data: Vec<f32>, zone: [f32; ZONE_COLUMNS]) -> Result<Built> {
        let mut g = crate::graph::Graph::new();
        let options = [
            ("data", OptValue::Array(ArrayData::new(data, 1).unwrap())),
            ("zones", OptValue::Array(ArrayData::new(zone.to_vec(), ZONE_COLUMNS).unwrap())),
        ];
        let id = g.add("sampler", &options, None).unwrap();
        let desc = g.node(id).unwrap();
        build(&BuildCtx {
            spec: &SAMPLER,
            name: "sampler",
            samplerate: 48_000.0,
            max_block: 256,
            lanes: 1,
            input_channels: &[],
            connected: &[],
            options: &desc.options,
            params: &desc.params,
            plays: true,
            instance: None,
        })
    }

    #[test]
    fn a_zone_longer_than_positions_reach_is_refused() {
        let zone = |frames: usize| [frames as f32, 48_000.0, 60.0, 0.0, 127.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        assert!(built(vec![0.0; 1_000], zone(1_000)).is_ok());
        // Checked before the data is looked at (2^30 + 128: the next whole number a float
        // column holds).
        let Err(e) = built(vec![0.0; 1_000], zone(MAX_ZONE_FRAMES + 128)) else { panic!("built") };
        assert!(e.to_string().contains("zone 0: 1073741952 frames are more than a zone may hold"), "{e}");
    }

    /// No halved copies: reads faster than twice the recorded speed take the stretched kernel.
    fn no_copies() -> Vec<Octave> {
        (0..OCTAVES)
            .map(|_| Octave { data: Planar::new(&[], 1), first: Box::new([None]), looped: Box::new([None]) })
            .collect()
    }

    /// A sinc reader (portable path) of a mono `recording` through `octaves`.
    fn sinc_reader<'a>(recording: &'a Planar, zones: &'a [Zone], octaves: &'a [Octave]) -> Reader<'a> {
        Reader { data: recording, octaves, channels: 1, zones, quality: Quality::Sinc, avx2: false }
    }

    #[test]
    fn halved_copies_of_a_loop_read_like_the_loop_as_heard() {
        // A loop whose seam is not smooth (the crossfade hides it): near the seam, before
        // and after a wrap, reads through the copies of the loop as heard agree with reads
        // of the recording through its loop (the kernel stretched by the whole rate).
        let tone = |n: usize, f: f64| (std::f64::consts::TAU * f * n as f64).sin() as f32;
        let data: Vec<f32> =
            (0..40_000).map(|n| tone(n, 0.003) + 0.5 * tone(n, 0.0171) + 0.5 * tone(n, 0.45)).collect();
        let (start, end, fade) = (5_000, 31_000, 700);
        let zones = [Zone {
            first: 0,
            frames: data.len(),
            speed: 1.0,
            root: 60.0,
            root_hz: 261.6,
            keys: [0.0, 127.0],
            velocities: [0.0, 1.0],
            mode: LoopMode::Continuous,
            lp: Some(Loop::new(start, end, fade, &data, 1)),
        }];
        let recording = Planar::new(&data, 1);
        let (copies, none) = (octaves(&recording, &data, &zones), no_copies());
        let (with, without) = (sinc_reader(&recording, &zones, &copies), sinc_reader(&recording, &zones, &none));
        let mut weights = vec![0.0; MAX_TAPS];
        for rate in [2.0, 2.7, 5.3, 9.9, 16.0] {
            let (mut error, mut energy, mut through_copies) = (0.0f64, 0.0f64, 0);
            for i in 0..400 {
                // Around the loop end before the first wrap, and around both edges after.
                let (pos, wrapped) = match i % 3 {
                    0 => (end as f64 - 1_500.0 + i as f64 * 7.31, false),
                    1 => (end as f64 - 1_500.0 + i as f64 * 7.31, true),
                    _ => (start as f64 + i as f64 * 7.31, true),
                };
                let head = Head { zone: 0, pos: to_position(pos), looping: true, wrapped, leaving: false };
                let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
                through_copies += usize::from(with.read_octave(&head, rate, &mut weights, &mut a));
                with.read(&head, rate, &mut weights, &mut a);
                without.read(&head, rate, &mut weights, &mut b);
                error += ((a[0] - b[0]) as f64).powi(2);
                energy += (b[0] as f64).powi(2);
            }
            // The crossfade's corners spread a little of the mismatched tones over the band
            // where the copies (flat to 0.21 of each copy's rate) and the stretched kernel
            // (flat to 0.42 / rate) differ: measured -88.6 dB at rate 9.9, under -90 at the
            // others. A read at the wrong place in the loop would differ by tens of dB.
            let db = 10.0 * (error / energy).log10();
            assert!(db < -85.0, "rate {rate}: copies differ by {db:.1} dB");
            assert!(through_copies > 250, "rate {rate}: {through_copies} of 400 reads through the copies");
        }
    }

    #[test]
    fn reads_near_a_seam_match_reads_frame_by_frame() {
        // A stereo loop with a crossfade; reads around its seam, before and after a wrap,
        // at every quality and at rates under and over 2 (no halved copies): in place from
        // the seam copy, against the weights applied frame by frame through the loop.
        let tone = |n: usize, f: f64| (std::f64::consts::TAU * f * n as f64).sin() as f32;
        let data: Vec<f32> = (0..20_000).flat_map(|n| [tone(n, 0.004), tone(n, 0.031) - tone(n, 0.2)]).collect();
        let (start, end, fade) = (3_000, 12_000, 500);
        let zones = [Zone {
            first: 0,
            frames: 20_000,
            speed: 1.0,
            root: 60.0,
            root_hz: 261.6,
            keys: [0.0, 127.0],
            velocities: [0.0, 1.0],
            mode: LoopMode::Continuous,
            lp: Some(Loop::new(start, end, fade, &data, 2)),
        }];
        let recording = Planar::new(&data, 2);
        let none: Vec<Octave> = (0..OCTAVES)
            .map(|_| Octave { data: Planar::new(&[], 2), first: Box::new([None]), looped: Box::new([None]) })
            .collect();
        let mut weights = vec![0.0; MAX_TAPS];
        for quality in [Quality::Sinc, Quality::Cubic, Quality::Linear] {
            let reader = Reader { data: &recording, octaves: &none, channels: 2, zones: &zones, quality, avx2: false };
            for rate in [0.6, 1.0, 1.7, 3.1, 9.0] {
                for i in 0..300 {
                    // In the crossfade and past the end before a wrap, near the start after
                    // one, and in the crossfade again.
                    let (pos, wrapped) = match i % 3 {
                        0 => (end as f64 - 700.0 + i as f64 * 2.47, false),
                        1 => (start as f64 + i as f64 * 1.29, true),
                        _ => (end as f64 - 700.0 + i as f64 * 2.21, true),
                    };
                    let head = Head { zone: 0, pos: to_position(pos), looping: true, wrapped, leaving: false };
                    let mut value = [0.0; 2];
                    let (first, count) = weights_at(quality, head.pos, rate, &mut weights);
                    // Every read that reaches into the crossfade or over the seam is in place.
                    let reaches =
                        |at: usize| (first..first + count as i64).contains(&(at as i64)) || first >= at as i64;
                    let seam = reader.read_seam(&head, rate, &mut weights, &mut value);
                    if (i % 3 != 1 && reaches(end - fade)) || (i % 3 == 1 && first < (start + 300) as i64) {
                        assert!(seam, "{quality:?} rate {rate} at {pos} ({wrapped}): not read from the seam copy");
                    }
                    reader.read(&head, rate, &mut weights, &mut value);
                    let (first, count) = weights_at(quality, head.pos, rate, &mut weights);
                    for (c, v) in value.iter().enumerate() {
                        let plain: f32 =
                            (0..count).map(|j| weights[j] * reader.frame(&head, first + j as i64, c)).sum();
                        assert!((v - plain).abs() < 1e-5, "{quality:?} rate {rate} at {pos}: {v} and {plain}");
                    }
                }
            }
        }
    }

    #[test]
    fn halved_copies_read_like_the_recording_itself() {
        // Two tones every read keeps (0.5 % and 2 % of the recorded rate) and one every
        // read removes (45 %): through the copies or not, reads must agree.
        let tone = |n: usize, f: f64| (std::f64::consts::TAU * f * n as f64).sin() as f32;
        let data: Vec<f32> = (0..30_000).map(|n| tone(n, 0.005) + 0.5 * tone(n, 0.02) + 0.5 * tone(n, 0.45)).collect();
        let zones = [Zone {
            first: 0,
            frames: data.len(),
            speed: 1.0,
            root: 60.0,
            root_hz: 261.6,
            keys: [0.0, 127.0],
            velocities: [0.0, 1.0],
            mode: LoopMode::NoLoop,
            lp: None,
        }];
        let recording = Planar::new(&data, 1);
        let (copies, none) = (octaves(&recording, &data, &zones), no_copies());
        let (with, without) = (sinc_reader(&recording, &zones, &copies), sinc_reader(&recording, &zones, &none));
        let mut weights = vec![0.0; MAX_TAPS];
        for rate in [2.0, 2.7, 4.0, 5.3, 9.9, 16.0] {
            let (mut error, mut energy) = (0.0f64, 0.0f64);
            for i in 0..300 {
                let pos = to_position(3_000.0 + i as f64 * 77.31);
                let head = Head { zone: 0, pos, looping: false, wrapped: false, leaving: false };
                let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
                assert!(with.read_octave(&head, rate, &mut weights, &mut a));
                without.read(&head, rate, &mut weights, &mut b);
                error += ((a[0] - b[0]) as f64).powi(2);
                energy += (b[0] as f64).powi(2);
            }
            let db = 10.0 * (error / energy).log10();
            assert!(db < -90.0, "rate {rate}: copies differ by {db:.1} dB");
        }
    }
}
