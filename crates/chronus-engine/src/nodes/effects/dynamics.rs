//! Feed-forward compressor and downward expander/gate (Giannoulis, Massberg and Reiss,
//! "Digital Dynamic Range Compressor Design: A Tutorial and Analysis", JAES 2012).
//!
//! Per frame: the level of the key signal (the `sidechain` input when connected, otherwise
//! the input itself; the loudest channel, so stereo stays linked) is measured as a peak or
//! an RMS value in dB; the static curve turns it into a gain reduction in dB; a decoupled
//! detector in the log domain ([`Dynamics::smooth`]) applies the attack and release time
//! constants; the same gain goes to every channel.

use crate::dsp::fastmath::{max, min};
use crate::dsp::finite::all_finite;
use crate::dsp::smoother::{coef, follow};
use crate::error::Result;
use crate::node::{BuildCtx, Built, LaneView, Node, ParamView, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, PortSpec};

use super::super::params::{params, ParamDef};
use super::super::{IN, OUT};
use super::{db_to_gain, gain_to_db, mix, power_to_db, REDUCTION};

const SIDECHAIN: PortSpec = PortSpec {
    name: "sidechain",
    doc: "Key signal: when connected, its level drives the gain instead of the input's.",
};

const fn threshold(default: f32) -> ParamDef {
    ParamDef { default, min: -120.0, max: 24.0, unit: "dB", smooth: true, doc: "Level where the curve bends." }
}
const fn ratio(default: f32, doc: &'static str) -> ParamDef {
    ParamDef { default, min: 1.0, max: 1000.0, unit: "", smooth: true, doc }
}
const KNEE: ParamDef = ParamDef {
    default: 6.0,
    min: 0.0,
    max: 48.0,
    unit: "dB",
    smooth: true,
    doc: "Width of the quadratic soft knee centred on the threshold (0 is a hard knee).",
};
const fn time(default: f32, doc: &'static str) -> ParamDef {
    ParamDef { default, min: 0.0, max: 10.0, unit: "s", smooth: true, doc }
}

params! {
    /// Parameters of `compressor`.
    struct CompressorParams {
        threshold: threshold(-20.0),
        ratio: ratio(4.0, "Input dB per output dB above the threshold."),
        knee: KNEE,
        attack: time(0.005, "Time constant of gain reduction growing (63 % of a step)."),
        release: time(0.1, "Time constant of gain reduction shrinking."),
        makeup: ParamDef {
            default: 0.0,
            min: -48.0,
            max: 48.0,
            unit: "dB",
            smooth: true,
            doc: "Gain after compression.",
        },
        mix: mix(1.0),
    }
}

params! {
    /// Parameters of `expander`.
    struct ExpanderParams {
        threshold: threshold(-50.0),
        ratio: ratio(2.0, "Output dB per input dB below the threshold."),
        knee: KNEE,
        attack: time(0.001, "Time constant of opening (gain reduction shrinking)."),
        release: time(0.1, "Time constant of closing (gain reduction growing)."),
        hold: time(0.0, "Time the gain holds before closing starts."),
        range: ParamDef {
            default: 80.0,
            min: 0.0,
            max: 200.0,
            unit: "dB",
            smooth: true,
            doc: "Most attenuation applied.",
        },
    }
}

const DETECTOR: OptionSpec = OptionSpec {
    name: "detector",
    default: OptDefault::Choice(&["peak", "rms"]),
    doc: "Level measure: the sample peak, or the RMS over `window`.",
};
const WINDOW: OptionSpec = OptionSpec {
    name: "window",
    default: OptDefault::Num { default: 0.01, min: 0.0001, max: 1.0 },
    doc: "Time constant of the RMS detector in seconds.",
};

/// `compressor(in, sidechain, threshold, ratio, knee, attack, release, makeup, mix; detector, window)`.
pub static COMPRESSOR: NodeSpec = NodeSpec {
    kind: "compressor",
    doc: "Feed-forward compressor with soft knee, peak or RMS detection, makeup gain, dry/wet \
          mix and a sidechain input. Above the knee the output level rises 1/ratio dB per dB. \
          Channels are linked. Time constants are the time to cover 63 % of a change in gain \
          reduction (in dB).",
    inputs: &[IN, SIDECHAIN],
    outputs: &[OUT, REDUCTION],
    params: CompressorParams::SPECS,
    options: &[DETECTOR, WINDOW],
    input_rule: InputRule::AsIs,
    build: |ctx| build(ctx, Curve::Compress),
};

/// `expander(in, sidechain, threshold, ratio, knee, attack, release, hold, range; detector, window)`.
pub static EXPANDER: NodeSpec = NodeSpec {
    kind: "expander",
    doc: "Downward expander and noise gate: below the threshold the output level falls `ratio` \
          dB per dB, down to at most `range` dB of attenuation (a high ratio makes a gate). \
          Attack is how fast it opens, release how fast it closes once `hold` has passed. \
          Peak or RMS detection, sidechain input, linked channels.",
    inputs: &[IN, SIDECHAIN],
    outputs: &[OUT, REDUCTION],
    params: ExpanderParams::SPECS,
    options: &[DETECTOR, WINDOW],
    input_rule: InputRule::AsIs,
    build: |ctx| build(ctx, Curve::Expand),
};

/// Which static curve, and so which direction attack and release act in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Curve {
    Compress,
    Expand,
}

impl Curve {
    /// Gain reduction in dB (0 or more) at input level `x` dB: the quadratic soft knee of
    /// width `knee` centred on `threshold`, straight lines outside it. Branch-free, so blocks
    /// of levels vectorize.
    #[inline(always)]
    fn reduction(self, x: f32, threshold: f32, ratio: f32, knee: f32) -> f32 {
        let (distance, slope) = match self {
            // Compressor: how far over the threshold, 1 - 1/ratio dB of reduction per dB.
            Curve::Compress => (x - threshold, 1.0 - 1.0 / max(ratio, 1.0)),
            // Expander: how far under it, ratio - 1 dB per dB.
            Curve::Expand => (threshold - x, max(ratio, 1.0) - 1.0),
        };
        let knee = max(knee, 1e-6);
        let k = min(max(distance + 0.5 * knee, 0.0), knee);
        slope * (k * k / (2.0 * knee) + max(distance - 0.5 * knee, 0.0))
    }
}

fn build(ctx: &BuildCtx, curve: Curve) -> Result<Built> {
    let channels = ctx.input_channels[0];
    let keyed = ctx.connected[1];
    let key_channels = if keyed { ctx.input_channels[1] } else { channels };
    let samplerate = ctx.samplerate as f32;
    let node = Dynamics {
        curve,
        channels,
        keyed,
        key_channels,
        lanes: ctx.lanes,
        samplerate,
        rms: (ctx.text("detector") == "rms").then(|| coef(ctx.num("window") as f32, samplerate)),
        mean_square: vec![0.0; key_channels].into(),
        detector: Detector::default(),
        times: [f32::NAN; 2],
        coefs: [0.0; 2],
        scratch: vec![0.0; ctx.max_block].into(),
    };
    Ok(Built { node: Box::new(node), output_channels: vec![channels, 1] })
}

struct Dynamics {
    curve: Curve,
    channels: usize,
    /// Whether the sidechain input drives the detector.
    keyed: bool,
    key_channels: usize,
    lanes: usize,
    samplerate: f32,
    /// Coefficient of the RMS average, or `None` for peak detection.
    rms: Option<f32>,
    /// Per-channel mean square of the key (RMS detection).
    mean_square: Box<[f32]>,
    detector: Detector,
    /// (attack, release) in seconds the coefficients were made for, and the coefficients.
    times: [f32; 2],
    coefs: [f32; 2],
    /// Per-frame levels, then reductions, then gains, of the current block.
    scratch: Box<[f32]>,
}

impl Dynamics {
    /// Writes the key's level in dB for each frame into `levels`: the loudest channel's
    /// sample peak, or its RMS.
    fn detect(&mut self, key: &[f32], levels: &mut [f32]) {
        let rows = key.chunks_exact(self.key_channels);
        match self.rms {
            None => {
                if self.key_channels == 2 {
                    for (level, row) in levels.iter_mut().zip(key.chunks_exact(2)) {
                        *level = max(row[0].abs(), row[1].abs());
                    }
                } else {
                    for (level, row) in levels.iter_mut().zip(rows) {
                        *level = row.iter().fold(0.0f32, |m, x| max(m, x.abs()));
                    }
                }
                for level in levels.iter_mut() {
                    *level = gain_to_db(*level);
                }
            }
            Some(c) => {
                for (level, row) in levels.iter_mut().zip(rows) {
                    let mut loudest = 0.0f32;
                    for (ms, x) in self.mean_square.iter_mut().zip(row) {
                        follow(ms, x * x, c);
                        loudest = max(loudest, *ms);
                    }
                    *level = loudest;
                }
                for level in levels.iter_mut() {
                    *level = power_to_db(*level);
                }
            }
        }
    }
}

/// The level detector's state, in dB of gain reduction, negated for the expander (so that
/// the attack direction is always up).
#[derive(Debug, Clone, Copy, Default)]
struct Detector {
    /// Inner follower: jumps up, falls at the release rate.
    held: f32,
    /// Outer follower: rises at the attack rate, falls at once.
    smoothed: f32,
    /// Frames of hold left before the inner follower may fall.
    hold_left: f32,
}

impl Detector {
    /// Whether the followers hold finite values.
    fn finite(&self) -> bool {
        self.held.is_finite() & self.smoothed.is_finite() & self.hold_left.is_finite()
    }

    /// Moves one frame towards `target` and returns the smoothed value.
    ///
    /// A decoupled detector: the inner follower jumps to the target on attack and falls back
    /// with the release coefficient (after `hold` frames); the outer one smooths its rises
    /// with the attack coefficient and follows its falls at once. A step therefore gives
    /// exact exponential attack and release curves, and a steady tone only ripples by the
    /// release over one period.
    #[inline(always)]
    fn step(&mut self, target: f32, [attack, release]: [f32; 2], hold: f32) -> f32 {
        if hold > 0.0 || self.hold_left >= 1.0 {
            if target >= self.held {
                self.held = target;
                self.hold_left = hold;
            } else if self.hold_left >= 1.0 {
                self.hold_left -= 1.0;
            } else {
                follow(&mut self.held, target, release);
            }
        } else {
            // Without hold, branch-free: the jump up or the release-rate fall, whichever is higher.
            self.held = max(target, release * self.held + (1.0 - release) * target);
        }
        // The attack-rate rise or the fall at once, whichever is lower.
        self.smoothed = min(self.held, attack * self.smoothed + (1.0 - attack) * self.held);
        self.smoothed
    }
}

/// What the two curves add to the parameters they share (first lane: channels are linked).
#[derive(Clone, Copy)]
enum Tail<'a> {
    /// Makeup gain (dB) and dry/wet mix.
    Compress { makeup: LaneView<'a>, mix: LaneView<'a> },
    /// Hold time (s) and the most attenuation (dB).
    Expand { hold: LaneView<'a>, range: LaneView<'a> },
}

impl Node for Dynamics {
    fn process<'a>(&mut self, io: &mut ProcessIo<'a, '_>) {
        let ProcessIo { frames, inputs, outputs, params, repairs, .. } = io;
        let (lanes, channels) = (self.lanes, self.channels);
        let input = inputs[0];
        let key = if self.keyed { inputs[1] } else { input };
        // Channels are linked: the first lane's parameters apply.
        let first = |v: ParamView<'a>| v.lane(0, lanes);
        let ([threshold, ratio, knee, attack, release], tail) = match self.curve {
            Curve::Compress => {
                let p = CompressorParams::from(*params);
                let tail = Tail::Compress { makeup: first(p.makeup), mix: first(p.mix) };
                ([p.threshold, p.ratio, p.knee, p.attack, p.release].map(first), tail)
            }
            Curve::Expand => {
                let p = ExpanderParams::from(*params);
                let tail = Tail::Expand { hold: first(p.hold), range: first(p.range) };
                ([p.threshold, p.ratio, p.knee, p.attack, p.release].map(first), tail)
            }
        };
        let curve = self.curve;
        let [out, reduction_out] = &mut outputs[..] else { unreachable!("dynamics have two outputs") };
        let mut scratch = std::mem::take(&mut self.scratch);
        let work = &mut scratch[..*frames];

        // Pass by pass over the block, so that the conversions and the curve vectorize.
        self.detect(key, work);
        if let (Some(t), Some(r), Some(k)) = (threshold.as_const(), ratio.as_const(), knee.as_const()) {
            for x in work.iter_mut() {
                *x = curve.reduction(*x, t, r, k);
            }
        } else {
            for (f, x) in work.iter_mut().enumerate() {
                *x = curve.reduction(*x, threshold.at(f), ratio.at(f), knee.at(f));
            }
        }
        // A local copy of the detector, kept in registers through the loop.
        let mut detector = self.detector;
        let sr = self.samplerate;
        for (f, (x, reported)) in work.iter_mut().zip(reduction_out.iter_mut()).enumerate() {
            let times = [attack.at(f), release.at(f)];
            if times != self.times {
                self.times = times;
                self.coefs = times.map(|t| coef(t, sr));
            }
            // The expander's reduction is counted down.
            *x = match tail {
                Tail::Compress { makeup, .. } => {
                    *reported = detector.step(*x, self.coefs, 0.0);
                    makeup.at(f) - *reported
                }
                Tail::Expand { hold, range } => {
                    *reported = -detector.step(-min(*x, range.at(f)), self.coefs, hold.at(f) * sr);
                    -*reported
                }
            };
        }
        self.detector = detector;
        if !(detector.finite() & all_finite(&self.mean_square)) {
            self.detector = Detector::default();
            self.mean_square.fill(0.0);
            repairs.resets += 1;
        }
        for x in work.iter_mut() {
            *x = db_to_gain(*x);
        }
        let rows = out.chunks_exact_mut(channels).zip(input.chunks_exact(channels));
        // A dry/wet mix other than fully wet (compressor only).
        let blend = match tail {
            Tail::Compress { mix, .. } if mix.as_const() != Some(1.0) => Some(mix),
            _ => None,
        };
        match (blend, channels) {
            // Fully wet stereo and mono (the usual cases), written out so that they vectorize.
            (None, 2) => {
                for ((o, x), g) in out.chunks_exact_mut(2).zip(input.chunks_exact(2)).zip(work.iter()) {
                    o[0] = x[0] * g;
                    o[1] = x[1] * g;
                }
            }
            (None, _) => {
                for ((o, x), g) in rows.zip(work.iter()) {
                    for (o, x) in o.iter_mut().zip(x) {
                        *o = x * g;
                    }
                }
            }
            (Some(mix), _) => {
                for (f, ((o, x), g)) in rows.zip(work.iter()).enumerate() {
                    let wet = mix.at(f);
                    // Exactly the fully wet result at 1, the input at 0.
                    for (o, x) in o.iter_mut().zip(x) {
                        *o = wet * (x * g) + (1.0 - wet) * x;
                    }
                }
            }
        }
        self.scratch = scratch;
    }
}
