//! Feed-forward compressor and downward expander/gate (Giannoulis, Massberg and Reiss,
//! "Digital Dynamic Range Compressor Design: A Tutorial and Analysis", JAES 2012).
//!
//! Per frame: the level of the key signal (the `sidechain` input when connected, otherwise
//! the input itself; the loudest channel, so stereo stays linked) is measured as a peak or
//! an RMS value in dB; the static curve turns it into a gain reduction in dB; a decoupled
//! detector in the log domain ([`Dynamics::smooth`]) applies the attack and release time
//! constants; the same gain goes to every channel.

use crate::dsp::smoother::{coef, follow};
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, ParamSpec, PortSpec};

use super::super::{IN, OUT};
use super::{db_to_gain, gain_to_db, mix, REDUCTION};

const SIDECHAIN: PortSpec = PortSpec {
    name: "sidechain",
    doc: "Key signal: when connected, its level drives the gain instead of the input's.",
};

const fn threshold(default: f32) -> ParamSpec {
    ParamSpec {
        name: "threshold",
        default,
        min: -120.0,
        max: 24.0,
        unit: "dB",
        smooth: true,
        doc: "Level where the curve bends.",
    }
}
const fn ratio(default: f32, doc: &'static str) -> ParamSpec {
    ParamSpec { name: "ratio", default, min: 1.0, max: 1000.0, unit: "", smooth: true, doc }
}
const KNEE: ParamSpec = ParamSpec {
    name: "knee",
    default: 6.0,
    min: 0.0,
    max: 48.0,
    unit: "dB",
    smooth: true,
    doc: "Width of the quadratic soft knee centred on the threshold (0 is a hard knee).",
};
const fn time(name: &'static str, default: f32, doc: &'static str) -> ParamSpec {
    ParamSpec { name, default, min: 0.0, max: 10.0, unit: "s", smooth: true, doc }
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
    params: &[
        threshold(-20.0),
        ratio(4.0, "Input dB per output dB above the threshold."),
        KNEE,
        time("attack", 0.005, "Time constant of gain reduction growing (63 % of a step)."),
        time("release", 0.1, "Time constant of gain reduction shrinking."),
        ParamSpec {
            name: "makeup",
            default: 0.0,
            min: -48.0,
            max: 48.0,
            unit: "dB",
            smooth: true,
            doc: "Gain after compression.",
        },
        mix(1.0),
    ],
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
    params: &[
        threshold(-50.0),
        ratio(2.0, "Output dB per input dB below the threshold."),
        KNEE,
        time("attack", 0.001, "Time constant of opening (gain reduction shrinking)."),
        time("release", 0.1, "Time constant of closing (gain reduction growing)."),
        time("hold", 0.0, "Time the gain holds before closing starts."),
        ParamSpec {
            name: "range",
            default: 80.0,
            min: 0.0,
            max: 200.0,
            unit: "dB",
            smooth: true,
            doc: "Most attenuation applied.",
        },
    ],
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

/// Gain reduction in dB (0 or more) of a compressor at input level `x` dB.
#[inline]
fn compress(x: f32, threshold: f32, ratio: f32, knee: f32) -> f32 {
    let over = x - threshold;
    let slope = 1.0 - 1.0 / ratio.max(1.0);
    if 2.0 * over <= -knee {
        0.0
    } else if 2.0 * over < knee {
        let k = over + 0.5 * knee;
        slope * k * k / (2.0 * knee)
    } else {
        slope * over
    }
}

/// Gain reduction in dB (0 or more) of a downward expander at input level `x` dB.
#[inline]
fn expand(x: f32, threshold: f32, ratio: f32, knee: f32) -> f32 {
    let under = threshold - x;
    let slope = ratio.max(1.0) - 1.0;
    if 2.0 * under <= -knee {
        0.0
    } else if 2.0 * under < knee {
        let k = under + 0.5 * knee;
        slope * k * k / (2.0 * knee)
    } else {
        slope * under
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
        held: 0.0,
        smoothed: 0.0,
        hold_left: 0.0,
        times: [f32::NAN; 2],
        coefs: [0.0; 2],
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
    /// Inner (attack-holding) and outer (smoothed) detector states: gain reduction in dB,
    /// negated for the expander.
    held: f32,
    smoothed: f32,
    /// Frames of hold left before the gain may start closing.
    hold_left: f32,
    /// (attack, release) in seconds the coefficients were made for, and the coefficients.
    times: [f32; 2],
    coefs: [f32; 2],
}

impl Dynamics {
    /// Level of the key at frame `f` in dB: the loudest channel.
    #[inline]
    fn level_db(&mut self, key: &[f32], f: usize) -> f32 {
        let row = &key[f * self.key_channels..(f + 1) * self.key_channels];
        match self.rms {
            None => gain_to_db(row.iter().fold(0.0f32, |m, x| m.max(x.abs()))),
            Some(c) => {
                let mut loudest = 0.0f32;
                for (ms, x) in self.mean_square.iter_mut().zip(row) {
                    follow(ms, x * x, c);
                    loudest = loudest.max(*ms);
                }
                10.0 * loudest.max(1e-20).log10()
            }
        }
    }
}

impl Dynamics {
    /// Moves the smoothed reduction one frame towards `target` dB and returns it.
    ///
    /// A decoupled detector, written for the attack direction (reduction growing for the
    /// compressor, shrinking for the expander, so `q = sign * reduction` rises): an inner
    /// follower jumps to the target on attack and falls back with the release time constant
    /// (after `hold` seconds), and an outer follower smooths its rises with the attack time
    /// constant and follows its falls at once. A step therefore gives exact exponential
    /// attack and release curves, and a steady tone only ripples by the release over one
    /// period.
    #[inline]
    fn smooth(&mut self, target: f32, hold: f32) -> f32 {
        let sign = match self.curve {
            Curve::Compress => 1.0,
            Curve::Expand => -1.0,
        };
        let target = sign * target;
        if target >= self.held {
            self.held = target;
            self.hold_left = hold * self.samplerate;
        } else if self.hold_left >= 1.0 {
            self.hold_left -= 1.0;
        } else {
            follow(&mut self.held, target, self.coefs[1]);
        }
        if self.held > self.smoothed {
            follow(&mut self.smoothed, self.held, self.coefs[0]);
        } else {
            self.smoothed = self.held;
        }
        sign * self.smoothed
    }
}

impl Node for Dynamics {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let ProcessIo { frames, inputs, outputs, params } = io;
        let (lanes, channels) = (self.lanes, self.channels);
        let input = inputs[0];
        let key = if self.keyed { inputs[1] } else { input };
        // Channels are linked: the first lane's parameters apply.
        let p = |i: usize, f: usize| params[i].at(f, 0, lanes);
        let [out, reduction_out] = &mut outputs[..] else { unreachable!("dynamics have two outputs") };
        for f in 0..*frames {
            let (threshold, ratio, knee, attack, release) = (p(0, f), p(1, f), p(2, f), p(3, f), p(4, f));
            if [attack, release] != self.times {
                self.times = [attack, release];
                self.coefs = [coef(attack, self.samplerate), coef(release, self.samplerate)];
            }
            let level = self.level_db(key, f);
            let (reduction, makeup, wet) = match self.curve {
                Curve::Compress => (self.smooth(compress(level, threshold, ratio, knee), 0.0), p(5, f), p(6, f)),
                Curve::Expand => {
                    let target = expand(level, threshold, ratio, knee).min(p(6, f));
                    (self.smooth(target, p(5, f)), 0.0, 1.0)
                }
            };
            reduction_out[f] = reduction;
            let g = db_to_gain(makeup - reduction);
            let rows = out[f * channels..(f + 1) * channels].iter_mut().zip(&input[f * channels..(f + 1) * channels]);
            for (o, x) in rows {
                *o = x + wet * (x * g - x);
            }
        }
    }
}
