//! Clip player: a region of a recording played from the exact frame its gate rises, once or
//! looped, forwards or reversed, with equal-power fades and a gain, optionally through a
//! time-stretcher and pitch-shifter (Signalsmith Stretch) whose ratio and transposition
//! follow their parameters block by block.
//!
//! The recording arrives as the array option `data` (one row per frame, one column per
//! channel) at the engine's rate: [`crate::media::load`] decodes and converts files to it.
//!
//! The player is a [`Player`] that produces the clip's "dry" signal (region, loop, reverse,
//! fades); without the stretcher that is the output. With it, each block the player
//! advances by `frames / stretch` frames (an accumulator keeps the total exact, so a loop
//! stays locked to the frames it started on) and the stretcher turns them into `frames`
//! frames. The stretcher delays what it plays by its output latency, reported by
//! [`Node::latency`]: a gate rising at frame `T` sounds the region's first frame at `T +
//! latency` (a session starts such clips that much early). At a start the stretcher is
//! primed ("seek") with the region's first input-latency frames, which puts the region's
//! first frame exactly `latency` frames after the gate; what comes out before it (the
//! analysis window reaching back from the first frame) is silenced. With `stretcher='aligned'` the
//! stretcher then runs ahead through that latency at the start (a few hops computed in the
//! gate's block, their output dropped), so the region's first frame plays on the gate's
//! frame and the node reports no latency: what a session uses, so that a stretched loop's
//! downbeat lands on the session's beat even when it starts at frame 0. The first such start
//! of a clip playing from memory is worked out when the node is built (on the control
//! thread, at the parameters it is built with: see [`Primed`]) and the next one while the
//! clip is idle, a piece per block, so that the gate's block does no more of the
//! stretcher's work than any other block; a start before that is through, or at other
//! parameters, runs ahead in the gate's block.

use crate::dsp::stretch::Stretcher;
use std::sync::Arc;

use crate::error::Result;
use crate::media::stream::{StreamReader, StreamSpec};
use crate::node::{BuildCtx, Built, Node, ParamView, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::effects::db_to_gain;
use super::params::{params, ParamDef};
use super::OUT;

/// Most channels a clip may have.
pub const MAX_CHANNELS: usize = 8;
/// Stretch ratios allowed (output length over input length). Beyond 2 Signalsmith Stretch
/// randomises its phases from a seed it draws itself, so that renders would differ from
/// run to run and live would not equal offline: 2 is the most it is asked for (with an
/// even hop, no hop takes fewer than half a hop of input).
const MIN_RATIO: f32 = 0.25;
const MAX_RATIO: f32 = 2.0;
/// Output frames of a hop computed together by a stretched clip (the last piece of a hop
/// may be shorter).
const PIECE: usize = 64;

/// `clip(gate, gain, stretch, semitones; data, offset, length, loop, reverse, fade_in,
/// fade_out, stretcher)`.
pub static CLIP: NodeSpec = NodeSpec {
    kind: "clip",
    doc: "Clip player: plays a region of a recording (the `data` option, at the engine's rate) from \
          the exact frame its gate rises, once or looped without a gap, forwards or reversed, with \
          equal-power fades, a gain, and optionally Signalsmith Stretch time-stretching and \
          pitch-shifting (independent of each other, both modulatable). Output: the recording's \
          channels. With the stretcher on, the output comes `latency` frames after the gate \
          (reported to the compiler); 'aligned' starts it on the gate's frame instead.",
    inputs: &[],
    outputs: &[OUT],
    params: ClipParams::SPECS,
    options: &[
        OptionSpec {
            name: "data",
            default: OptDefault::Array { min_columns: 1, max_columns: MAX_CHANNELS },
            doc: "The recording: one row per frame, one column per channel, at the engine's rate (or 'file').",
        },
        OptionSpec {
            name: "file",
            default: OptDefault::Path,
            doc: "Instead of 'data': an audio file streamed from disk (the region forwards only; \
                  memory bounded whatever its length).",
        },
        OptionSpec {
            name: "offset",
            default: OptDefault::Num { default: 0.0, min: 0.0, max: 1e12 },
            doc: "First frame of the region in the recording (frames).",
        },
        OptionSpec {
            name: "length",
            default: OptDefault::Num { default: 0.0, min: 0.0, max: 1e12 },
            doc: "Frames in the region (0: to the end of the recording).",
        },
        OptionSpec {
            name: "start",
            default: OptDefault::Num { default: 0.0, min: 0.0, max: 1e12 },
            doc: "Frames of the region already played when the gate rises: a start resumes there \
                  (a loop counts on from it, fades as if it had played those frames; a session's \
                  cycle re-enters a clip that started before the cycle). Needs 'data'.",
        },
        OptionSpec {
            name: "loop",
            default: OptDefault::Choice(&["off", "on"]),
            doc: "'on' repeats the region without a gap until the gate falls.",
        },
        OptionSpec {
            name: "reverse",
            default: OptDefault::Choice(&["off", "on"]),
            doc: "'on' plays the region from its last frame to its first.",
        },
        OptionSpec {
            name: "fade_in",
            default: OptDefault::Num { default: 0.0, min: 0.0, max: 60.0 },
            doc: "Equal-power fade at the start, seconds (of the recording).",
        },
        OptionSpec {
            name: "fade_out",
            default: OptDefault::Num { default: 0.005, min: 0.0, max: 60.0 },
            doc: "Equal-power fade, seconds (of the recording): ends at the end of an unlooped region, \
                  and starts when the gate falls.",
        },
        OptionSpec {
            name: "stretcher",
            default: OptDefault::Choice(&["off", "on", "aligned"]),
            doc: "'on' runs the clip through Signalsmith Stretch (stretch and semitones take effect; \
                  adds its latency); 'aligned' too, but runs the stretcher ahead through its latency \
                  at each start, so the region's first frame plays on the gate's frame (no latency).",
        },
    ],
    input_rule: InputRule::Broadcast,
    build,
};

params! {
    /// Parameters of `clip`.
    struct ClipParams {
        gate: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: false,
            doc: "A rise above 0.5 starts the region from its first frame; a fall fades it out (fade_out).",
        },
        gain: ParamDef {
            default: 0.0,
            min: -200.0,
            max: 24.0,
            unit: "dB",
            smooth: true,
            doc: "Gain applied to the clip.",
        },
        stretch: ParamDef {
            default: 1.0,
            min: MIN_RATIO,
            max: MAX_RATIO,
            unit: "",
            smooth: false,
            doc: "Time-stretch ratio (output length over input length: 1.25 plays 25 % longer at the \
                  same pitch); read once a block; needs stretcher='on'.",
        },
        semitones: ParamDef {
            default: 0.0,
            min: -36.0,
            max: 36.0,
            unit: "st",
            smooth: false,
            doc: "Pitch shift in semitones at the same length; read once a block; needs stretcher='on'.",
        },
    }
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    if ctx.lanes != 1 {
        return Err(ctx.invalid(format!("a clip plays one region; its parameters have {} lanes", ctx.lanes)));
    }
    let (data, file) = (ctx.array("data"), ctx.text("file"));
    let looping = ctx.text("loop") == "on";
    let reverse = ctx.text("reverse") == "on";
    let offset = ctx.num("offset") as usize;
    let (source, channels, length) = match (data.is_empty(), file.is_empty()) {
        (false, true) => {
            let frames = data.rows();
            if offset >= frames {
                return Err(ctx.invalid(format!("offset {offset} is past the recording's {frames} frames")));
            }
            let length = match ctx.num("length") as usize {
                0 => frames - offset,
                n if offset + n <= frames => n,
                n => {
                    return Err(ctx.invalid(format!(
                        "a region of {n} frames from frame {offset} does not fit the recording's {frames} frames"
                    )))
                }
            };
            (Source::Memory(data.share()), data.columns(), length)
        }
        (true, false) => {
            if looping || reverse || ctx.num("start") > 0.0 {
                return Err(ctx.invalid(
                    "loops, reverse and start play from memory: give 'data' rather than 'file' (a stream starts later by its offset)",
                ));
            }
            let spec = StreamSpec {
                path: file.into(),
                samplerate: ctx.samplerate as u32,
                offset: offset as u64,
                length: match ctx.num("length") as u64 {
                    0 => None,
                    n => Some(n),
                },
            };
            let reader = StreamReader::open(spec).map_err(|e| ctx.invalid(e))?;
            let channels = reader.channels();
            if channels > MAX_CHANNELS {
                return Err(ctx.invalid(format!("{file} has {channels} channels; a clip plays at most {MAX_CHANNELS}")));
            }
            let length = ctx.num("length") as usize;
            (Source::Stream(reader), channels, if length == 0 { usize::MAX } else { length })
        }
        (true, true) => return Err(ctx.invalid("option 'data' or 'file' is required: give the recording or its file")),
        (false, false) => return Err(ctx.invalid("give option 'data' or option 'file', not both")),
    };
    let fade = |name: &str| ((ctx.num(name) * ctx.samplerate).round() as usize).min(length);
    let start = ctx.num("start") as usize;
    if !looping && start >= length {
        return Err(ctx.invalid(format!("start {start} is past the region's {length} frames")));
    }
    let player = Player {
        source,
        channels,
        offset,
        length,
        looping,
        reverse,
        fade_in: fade("fade_in"),
        fade_out: fade("fade_out"),
        start,
        state: State::Idle,
        played: 0,
    };
    let stretcher = match ctx.text("stretcher") {
        "on" => Some(Stretched::new(channels, ctx.samplerate, false)),
        "aligned" => Some(Stretched::new(channels, ctx.samplerate, true)),
        _ => None,
    };
    let primed = match ctx.text("stretcher") {
        "aligned" if ctx.plays => {
            let views: Vec<ParamView> = ctx.params.iter().map(|v| ParamView::Const(&v[..1])).collect();
            Primed::new(&player, &ClipParams::from(&views[..]), ctx.samplerate)
        }
        _ => None,
    };
    let node = Clip { player, stretcher, primed, gate: false, scratch: vec![0.0; ctx.max_block * channels].into() };
    Ok(Built { node: Box::new(node), output_channels: vec![channels] })
}

/// Where the player is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Playing,
    /// Fading out after the gate fell: frames of the fade done.
    Stopping(usize),
}

/// Where the recording's frames come from.
enum Source {
    /// The whole recording, interleaved (loops and reverse need it).
    Memory(Arc<[f32]>),
    /// The region, streamed from disk from its first frame.
    Stream(StreamReader),
}

/// The clip's dry signal: the region, looped or reversed, with its fades.
struct Player {
    source: Source,
    channels: usize,
    /// First frame of the region in a recording held in memory.
    offset: usize,
    /// Frames of the region (usize::MAX: a stream's, to the end of its file).
    length: usize,
    looping: bool,
    reverse: bool,
    fade_in: usize,
    fade_out: usize,
    /// Frames of the region counted as played when a start begins (a loop: any count;
    /// unlooped: fewer than `length`).
    start: usize,
    state: State,
    /// Frames of the region played since the start (loops keep counting), from `start`.
    played: usize,
}

/// Equal-power gain `t` of the way through a fade in (`sin(pi/2 t)`).
#[inline]
fn rise(t: f64) -> f32 {
    (std::f64::consts::FRAC_PI_2 * t.clamp(0.0, 1.0)).sin() as f32
}

impl Player {
    /// A player of the same region, from its first frame, sharing the recording (control
    /// thread); None for a region streamed from disk (its frames arrive as it plays).
    fn twin(&self) -> Option<Player> {
        let Source::Memory(data) = &self.source else { return None };
        Some(Player { source: Source::Memory(data.clone()), state: State::Idle, played: 0, ..*self })
    }

    fn start(&mut self) {
        self.state = State::Playing;
        self.played = self.start;
        if let Source::Stream(reader) = &mut self.source {
            reader.restart();
        }
    }

    fn stop(&mut self) {
        if self.state == State::Playing {
            self.state = if self.fade_out == 0 { State::Idle } else { State::Stopping(0) };
        }
    }

    fn active(&self) -> bool {
        self.state != State::Idle
    }

    /// Writes the next `out.len() / channels` frames (silence once it is over) and moves on.
    fn pull(&mut self, out: &mut [f32]) {
        let ch = self.channels;
        // A stream gives its frames in order; past its end they are silent.
        let streamed = match &mut self.source {
            Source::Stream(reader) if self.state != State::Idle => reader.read(out),
            _ => 0,
        };
        for (f, frame) in out.chunks_exact_mut(ch).enumerate() {
            let ended = match self.source {
                Source::Memory(_) => !self.looping && self.played >= self.length,
                Source::Stream(_) => f >= streamed,
            };
            if self.state == State::Idle || ended {
                self.state = State::Idle;
                frame.fill(0.0);
                continue;
            }
            let mut gain = 1.0f32;
            if self.played < self.fade_in {
                gain *= rise((self.played as f64 + 0.5) / self.fade_in as f64);
            }
            if !self.looping && self.length - self.played <= self.fade_out {
                gain *= rise(((self.length - self.played) as f64 - 0.5) / self.fade_out as f64);
            }
            if let State::Stopping(done) = &mut self.state {
                gain *= rise(1.0 - (*done as f64 + 0.5) / self.fade_out as f64);
                *done += 1;
                if *done >= self.fade_out {
                    self.state = State::Idle;
                }
            }
            match &self.source {
                Source::Memory(data) => {
                    let k = if self.looping { self.played % self.length } else { self.played };
                    let index = self.offset + if self.reverse { self.length - 1 - k } else { k };
                    for (o, x) in frame.iter_mut().zip(&data[index * ch..(index + 1) * ch]) {
                        *o = gain * x;
                    }
                }
                Source::Stream(_) => frame.iter_mut().for_each(|x| *x *= gain),
            }
            self.played += 1;
        }
    }
}

/// The player through the stretcher, one hop at a time: each hop of output takes the next
/// `hop / ratio` frames of the player (an accumulator keeps the total exact, so a loop stays
/// locked to the frames it started on), at the ratio and transposition of the frame the hop
/// starts on. Hops start on the gate's frame and follow each other, whatever the engine's
/// blocks, so the output does not depend on the block size.
///
/// The stretcher is split (see [`crate::dsp::stretch`]) and each hop is fed in pieces of
/// [`PIECE`] output frames (and the matching share of its input), cut at fixed frames of the
/// hop, each when its first frame is to be played: so a hop's spectral work is spread over
/// the blocks that play it (stretched loops started on the same beat no longer all compute a
/// whole hop in the same block), and the calls made, hence the output, are the same for any
/// block size.
struct Stretched {
    stretcher: Stretcher,
    channels: usize,
    /// Input frames owed to the stretcher, fractional.
    position: f64,
    /// Input scratch: room for the most input frames a hop can take.
    input: Box<[f32]>,
    /// The current hop's output, how much of it has been computed, and played.
    output: Box<[f32]>,
    done: usize,
    played: usize,
    /// Input frames of the current hop (the first `take` frames of `input`).
    take: usize,
    /// What a start primes the stretcher with.
    preroll: Box<[f32]>,
    /// Output frames since the player went idle (the stretcher rings on for a while).
    idle: usize,
    /// Whether a start runs ahead through the output latency.
    aligned: bool,
    /// Output frames still to drop after a start (aligned).
    skip: usize,
    /// Output frames still to silence after a start (not aligned): what the stretcher
    /// plays before the region's first frame comes out (its window reaching back).
    hush: usize,
    /// Output frames the stretcher has computed since it was built (what the tests count).
    #[cfg(test)]
    computed: usize,
}

impl Stretched {
    fn new(channels: usize, samplerate: f64, aligned: bool) -> Stretched {
        let hop = Stretcher::hop_at(samplerate);
        let max_input = (hop as f64 / MIN_RATIO as f64).ceil() as usize + 2;
        let stretcher = Stretcher::new(channels, samplerate, max_input, hop, true);
        Stretched {
            channels,
            position: 0.0,
            input: vec![0.0; max_input * channels].into(),
            output: vec![0.0; hop * channels].into(),
            done: hop,
            played: hop,
            take: 0,
            preroll: vec![0.0; stretcher.preroll() * channels].into(),
            idle: usize::MAX,
            aligned,
            skip: 0,
            hush: 0,
            stretcher,
            #[cfg(test)]
            computed: 0,
        }
    }

    /// Starts the region: resets the stretcher and primes it with the region's first
    /// input-latency frames, so its first frame comes out after exactly the output latency.
    fn start(&mut self, player: &mut Player, ratio: f32) {
        // Every start sounds as the first one did, whatever played before (a session's
        // cycle re-enters clips and expects each pass alike): a hop cut short is dropped
        // with the rest of the stretcher's state, not finished.
        self.stretcher.reset();
        let n = self.preroll.len();
        let ahead = self.stretcher.input_latency() * self.channels;
        self.preroll[..n - ahead].fill(0.0);
        player.pull(&mut self.preroll[n - ahead..]);
        self.stretcher.seek(&self.preroll, 1.0 / ratio.clamp(MIN_RATIO, MAX_RATIO) as f64);
        self.position = 0.0;
        self.played = self.stretcher.hop();
        self.done = self.played;
        self.idle = 0;
        let latency = self.stretcher.output_latency();
        (self.skip, self.hush) = if self.aligned { (latency, 0) } else { (0, latency) };
    }

    /// Frames between the gate and the region's first frame.
    fn latency(&self) -> usize {
        if self.aligned {
            0
        } else {
            self.stretcher.output_latency()
        }
    }

    /// Computes the current hop's next piece of output.
    fn piece(&mut self) {
        let (ch, hop) = (self.channels, self.stretcher.hop());
        let end = (self.done + PIECE).min(hop);
        let (a, b) = (self.take * self.done / hop, self.take * end / hop);
        self.stretcher.process(&self.input[a * ch..b * ch], &mut self.output[self.done * ch..end * ch]);
        #[cfg(test)]
        {
            self.computed += end - self.done;
        }
        self.done = end;
    }

    /// Fills `out` (frames `from..` of the block) from the player, reading the ratio and
    /// transposition at the frame each new hop starts on; first runs ahead through what an
    /// aligned start still has to skip (all of it even when `out` is empty).
    fn run(&mut self, player: &mut Player, p: &ClipParams<ParamView>, from: usize, out: &mut [f32]) {
        self.run_within(player, p, from, out, usize::MAX);
    }

    /// [`Stretched::run`], computing at most `pieces` pieces while it runs ahead with `out`
    /// empty (a start worked out a piece at a time); whether the run ahead is through.
    fn run_within(
        &mut self,
        player: &mut Player,
        p: &ClipParams<ParamView>,
        from: usize,
        out: &mut [f32],
        mut pieces: usize,
    ) -> bool {
        let (ch, hop) = (self.channels, self.stretcher.hop());
        let frames = out.len() / ch;
        let mut f = 0;
        while f < frames || self.skip > 0 {
            if self.played == hop && !player.active() {
                // Once the player has been idle long enough for the stretcher to ring out,
                // skip its work: silent hops.
                self.idle = self.idle.saturating_add(hop);
                if self.idle > self.stretcher.output_latency() + self.stretcher.preroll() + hop {
                    self.output.fill(0.0);
                    self.played = 0;
                    self.done = hop;
                }
            }
            if self.played == hop {
                let ratio = p.stretch.at(from + f, 0, 1).clamp(MIN_RATIO, MAX_RATIO);
                self.stretcher.set_semitones(p.semitones.at(from + f, 0, 1).clamp(-36.0, 36.0));
                let before = self.position.floor();
                self.position += hop as f64 / ratio as f64;
                self.take = (self.position.floor() - before) as usize;
                player.pull(&mut self.input[..self.take * ch]);
                self.played = 0;
                self.done = 0;
            }
            if self.played == self.done {
                if f >= frames {
                    if pieces == 0 {
                        return false;
                    }
                    pieces -= 1;
                }
                self.piece();
            }
            if self.skip > 0 {
                // Aligned start: the latency's worth of output is computed and dropped.
                let drop = (self.done - self.played).min(self.skip);
                self.played += drop;
                self.skip -= drop;
                continue;
            }
            let n = (self.done - self.played).min(frames - f);
            let quiet = n.min(self.hush);
            out[f * ch..(f + quiet) * ch].fill(0.0);
            out[(f + quiet) * ch..(f + n) * ch]
                .copy_from_slice(&self.output[(self.played + quiet) * ch..(self.played + n) * ch]);
            self.hush -= quiet;
            self.played += n;
            f += n;
        }
        true
    }
}

/// An aligned clip's next start, worked out ahead: a second stretcher started on the
/// region's first frames (by a twin of the player) and run ahead through its latency, at the
/// stretch and transposition the clip is idle at. When the clip starts at those parameters,
/// the run ahead would make exactly these calls: the clip swaps the two stretchers and takes
/// the twin's place in the region instead, and the gate's block computes no more than its
/// share. The first start is worked out when the node is built (control thread); the next
/// one while the clip is idle after that, a piece per block (the audio thread: no
/// allocation), from the stretcher the swap handed back. A start that finds no start worked
/// out at its parameters resets the clip's own stretcher and runs ahead in the gate's block:
/// the output is the same either way.
struct Primed {
    stretched: Stretched,
    /// A player of the same region, sharing the recording, where the run ahead left it.
    twin: Player,
    /// Stretch ratio and transposition (semitones) it is run at, as the clip clamps them.
    ratio: f32,
    semitones: f32,
    stage: Stage,
}

/// How far the next start is worked out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Not begun (the stretcher is the one a start handed back).
    Stale,
    /// Started; pieces of the run ahead still to compute.
    Running,
    /// Through: a start at `ratio` and `semitones` can take it over.
    Ready,
}

impl Primed {
    /// Works out `player`'s first start at the parameters `p` (control thread: it
    /// allocates); None for a region streamed from disk.
    fn new(player: &Player, p: &ClipParams<ParamView>, samplerate: f64) -> Option<Primed> {
        let twin = player.twin()?;
        let stretched = Stretched::new(player.channels, samplerate, true);
        let mut primed = Primed { stretched, twin, ratio: 1.0, semitones: 0.0, stage: Stage::Stale };
        primed.advance(p, usize::MAX);
        Some(primed)
    }

    /// The stretch ratio and transposition at frame `f` of the block, as the clip uses them.
    fn clamped(p: &ClipParams<ParamView>, f: usize) -> (f32, f32) {
        (p.stretch.at(f, 0, 1).clamp(MIN_RATIO, MAX_RATIO), p.semitones.at(f, 0, 1).clamp(-36.0, 36.0))
    }

    /// Works the start out further at the parameters of the block's first frame, by at most
    /// `pieces` pieces after the stretcher's start (begun again if the parameters moved).
    fn advance(&mut self, p: &ClipParams<ParamView>, pieces: usize) {
        let now = Primed::clamped(p, 0);
        if self.stage != Stage::Stale && now != (self.ratio, self.semitones) {
            self.stage = Stage::Stale;
        }
        if self.stage == Stage::Stale {
            (self.ratio, self.semitones) = now;
            self.twin.start();
            self.stretched.start(&mut self.twin, self.ratio);
            self.stage = Stage::Running;
        }
        if self.stage == Stage::Running && self.stretched.run_within(&mut self.twin, p, 0, &mut [], pieces) {
            self.stage = Stage::Ready;
        }
    }
}

struct Clip {
    player: Player,
    stretcher: Option<Stretched>,
    /// An aligned clip's next start, worked out ahead (a clip playing from memory).
    primed: Option<Primed>,
    gate: bool,
    /// Output of one run before the gain.
    scratch: Box<[f32]>,
}

impl Clip {
    /// Starts the region at frame `f` of the block: through the start worked out ahead if
    /// it was worked out at the parameters of that frame, else through the stretcher (if
    /// any).
    fn start(&mut self, p: &ClipParams<ParamView>, f: usize) {
        self.player.start();
        let Some(s) = &mut self.stretcher else { return };
        if let Some(primed) = self.primed.as_mut().filter(|x| x.stage == Stage::Ready) {
            primed.stage = Stage::Stale;
            if Primed::clamped(p, f) == (primed.ratio, primed.semitones) {
                std::mem::swap(s, &mut primed.stretched);
                (self.player.state, self.player.played) = (primed.twin.state, primed.twin.played);
                return;
            }
        }
        s.start(&mut self.player, p.stretch.at(f, 0, 1));
    }

    fn render(&mut self, p: &ClipParams<ParamView>, from: usize, to: usize, out: &mut [f32]) {
        let ch = self.player.channels;
        let dry = &mut self.scratch[..(to - from) * ch];
        match &mut self.stretcher {
            None => self.player.pull(dry),
            Some(s) => s.run(&mut self.player, p, from, dry),
        }
        let gain = p.gain;
        let steady = gain.as_const().map(|g| db_to_gain(g[0]));
        for (f, (o, x)) in out[from * ch..to * ch].chunks_exact_mut(ch).zip(dry.chunks_exact(ch)).enumerate() {
            let g = steady.unwrap_or_else(|| db_to_gain(gain.at(from + f, 0, 1)));
            for (o, x) in o.iter_mut().zip(x) {
                *o = g * x;
            }
        }
    }
}

impl Node for Clip {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let frames = io.frames;
        let p = ClipParams::from(io.params);
        let out = &mut *io.outputs[0];
        let last = if p.gate.as_const().is_some() { 1 } else { frames };
        let mut from = 0;
        for f in 0..last {
            let on = p.gate.at(f, 0, 1) > 0.5;
            if on == self.gate {
                continue;
            }
            if f > from {
                self.render(&p, from, f, out);
                from = f;
            }
            self.gate = on;
            if on {
                self.start(&p, f);
            } else {
                self.player.stop();
            }
        }
        self.render(&p, from, frames, out);
        if let Some(primed) = self.primed.as_mut().filter(|_| !self.gate && !self.player.active()) {
            // Idle: the next start is worked out a piece per block.
            primed.advance(&p, 1);
        }
    }

    fn latency(&self) -> usize {
        self.stretcher.as_ref().map_or(0, Stretched::latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Graph;
    use crate::spec::{ArrayData, OptValue};

    const SR: f64 = 48_000.0;

    /// A looped mono clip with `stretcher`, stretched by 1.25 and 2 semitones up, as built
    /// to play (or, `plays` false, only to be looked at).
    fn clip(stretcher: &str, plays: bool) -> Box<dyn Node> {
        let data: Vec<f32> = (0..30_000).map(|i| (0.001 * (i as f32).powf(1.3)).sin()).collect();
        let mut g = Graph::new();
        let options = [
            ("data", OptValue::Array(ArrayData::new(data, 1).unwrap())),
            ("loop", OptValue::Text("on".into())),
            ("stretcher", OptValue::Text(stretcher.into())),
        ];
        let id = g.add("clip", &options, None).unwrap();
        g.set_param(id, "stretch", &[1.25]).unwrap();
        g.set_param(id, "semitones", &[2.0]).unwrap();
        let desc = g.node(id).unwrap();
        let ctx = BuildCtx {
            spec: &CLIP,
            name: "clip",
            samplerate: SR,
            max_block: 1024,
            lanes: 1,
            input_channels: &[],
            connected: &[],
            options: &desc.options,
            params: &desc.params,
            plays,
            instance: None,
        };
        build(&ctx).unwrap().node
    }

    /// Output frames the stretchers of `node` have computed.
    fn computed(node: &mut Box<dyn Node>) -> usize {
        let clip = (&mut **node as &mut dyn std::any::Any).downcast_mut::<Clip>().unwrap();
        let primed = clip.primed.as_ref().map_or(0, |p| p.stretched.computed);
        clip.stretcher.as_ref().unwrap().computed + primed
    }

    /// Output frames the stretchers of a clip compute in each of `blocks` blocks of `block`
    /// frames (on the audio thread), at stretch ratio `stretch`, the gate rising at each of
    /// `rises` (and falling the frame before, for a retrigger).
    fn computed_per_block(
        node: &mut Box<dyn Node>,
        block: usize,
        blocks: usize,
        rises: &[usize],
        stretch: f32,
    ) -> Vec<usize> {
        let on = |t: usize| rises.iter().any(|r| t >= *r) && !rises.iter().any(|r| t + 1 == *r);
        played(node, block, blocks, on, stretch).0
    }

    /// What a clip computes in each of `blocks` blocks of `block` frames (as
    /// [`computed_per_block`]) and plays, the gate on at the frames where `on` says.
    fn played(
        node: &mut Box<dyn Node>,
        block: usize,
        blocks: usize,
        on: impl Fn(usize) -> bool,
        stretch: f32,
    ) -> (Vec<usize>, Vec<f32>) {
        let mut out = vec![0.0; block];
        let mut heard = Vec::with_capacity(block * blocks);
        let work = (0..blocks)
            .map(|b| {
                let gate: Vec<f32> = (b * block..(b + 1) * block).map(|t| on(t) as u8 as f32).collect();
                let params = [
                    ParamView::Varying(&gate),
                    ParamView::Const(&[0.0]),
                    ParamView::Const(&[stretch]),
                    ParamView::Const(&[2.0]),
                ];
                let before = computed(node);
                node.process(&mut ProcessIo {
                    frames: block,
                    inputs: &[],
                    outputs: &mut [&mut out[..]],
                    params: &params,
                    time: (b * block) as u64,
                    repairs: &mut Default::default(),
                });
                heard.extend_from_slice(&out);
                computed(node) - before
            })
            .collect();
        (work, heard)
    }

    #[test]
    fn an_aligned_first_start_computes_no_more_in_its_block_than_the_block_plays() {
        // The first start of an aligned clip at the parameters it was built with was worked
        // out when it was built: from the gate's block on, each block of 256 frames computes
        // the stretcher's pieces that start in it (256 frames: 4 of 64), wherever the gate
        // rises in the latency. A retrigger, and a first start at another ratio, run ahead
        // through the latency (4800 frames at 48 kHz) in the gate's block.
        let latency = Stretcher::new(1, SR, 1, 1, true).output_latency();
        assert_eq!(latency, 4800);
        for start in [0, 1000, 4799] {
            let mut node = clip("aligned", true);
            let work = computed_per_block(&mut node, 256, 60, &[start, 9_000], 1.25);
            let retrigger = 9_000 / 256;
            for (b, w) in work.iter().enumerate().filter(|(b, _)| *b != retrigger) {
                assert!(*w <= 256, "start {start}: block {b} computed {w} frames: {work:?}");
            }
            assert!(work[retrigger] >= latency, "the retrigger ran ahead in its block: {work:?}");
            assert!(work.iter().sum::<usize>() >= 60 * 256 - start - 256, "the stretcher ran: {work:?}");
        }
        let mut node = clip("aligned", true);
        let work = computed_per_block(&mut node, 256, 4, &[0], 1.5);
        assert!(work[0] >= latency, "a first start at another ratio runs ahead: {work:?}");
        // Compiled only to be looked at (compile_info), the clip works out nothing ahead.
        let mut node = clip("aligned", false);
        let work = computed_per_block(&mut node, 256, 4, &[0], 1.25);
        assert!(work[0] >= latency, "a clip built only to be looked at runs ahead: {work:?}");
        // Without the stretcher's latency to run through, a first start computes no more.
        let mut node = clip("on", true);
        let work = computed_per_block(&mut node, 256, 60, &[0], 1.25);
        assert!(work.iter().all(|w| *w <= 256) && work[59] == 256, "{work:?}");
    }

    #[test]
    fn an_idle_aligned_clip_works_its_next_start_out_a_piece_per_block() {
        // Started at frame 0, stopped at 20,000, started again at 60,000, stopped at 100,500
        // and started at 110,000: the idle blocks work the next start out (a piece of 64
        // frames each, besides the stretcher ringing out), so the block of the start at
        // 60,000 computes no more than it plays; 9,500 idle frames are too few to work out
        // the start at 110,000 (75 pieces: 19,200 frames), which runs ahead in its block.
        // Either way the clip plays exactly what one running ahead at every start plays.
        let on = |t: usize| t < 20_000 || (60_000..100_500).contains(&t) || t >= 110_000;
        let (block, blocks) = (256, 460);
        let mut primed = clip("aligned", true);
        let (work, heard) = played(&mut primed, block, blocks, on, 1.25);
        let mut plain = clip("aligned", false);
        let (_, reference) = played(&mut plain, block, blocks, on, 1.25);
        assert!(heard == reference, "the clip plays as one running ahead at every start");
        assert!(heard[60_000..61_000].iter().any(|x| x.abs() > 0.1), "the clip plays again");
        assert!(work[60_000 / block] <= block, "the start at 60,000 was worked out: {work:?}");
        assert!(work[110_000 / block] >= 4800, "the start at 110,000 ran ahead: {work:?}");
        let idle = |b: &usize| !(b * block..(b + 1) * block).any(on);
        assert!((0..blocks).filter(idle).all(|b| work[b] <= block + PIECE), "{work:?}");
    }
}
