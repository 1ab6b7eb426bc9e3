//! Lookahead brick-wall limiter: the output's sample peak never exceeds the ceiling.
//!
//! With a lookahead of `L` frames, let `g[j] = min(1, ceiling / peak[j])` be the gain frame
//! `j` needs (`peak` is the loudest channel, so channels stay linked). The node keeps
//! `m[k]`, the minimum of `g` over frames `k - L ..= k`, lets it recover at the release
//! rate but never above `m[k]` (`r[k]`), and applies the average of `r` over `k - L ..= k`
//! to the input delayed by `L` frames. Every term of that average belongs to a window that
//! contains the delayed frame, so each is at most the gain that frame needs, and so is
//! their mean: gain reduction ramps in smoothly over the lookahead and the ceiling holds
//! exactly (a margin of one part in 10^6 absorbs float rounding). The delay `L` is the
//! node's latency.

use std::collections::VecDeque;

use crate::dsp::finite::all_finite;
use crate::dsp::fixed_delay::FixedDelay;
use crate::dsp::smoother::{coef, follow};
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::super::memory;
use super::super::params::{params, ParamDef};
use super::super::{IN, OUT};
use super::{db_to_gain, gain_to_db, REDUCTION};

/// Fraction of the ceiling the limiter aims at, so that rounding never crosses it.
const MARGIN: f32 = 1.0 - 1e-6;

/// `limiter(in, ceiling, release; lookahead)`.
pub static LIMITER: NodeSpec = NodeSpec {
    kind: "limiter",
    doc: "Lookahead brick-wall limiter: the output's sample peak never exceeds `ceiling`. \
          Gain reduction ramps in over the lookahead (which is the node's latency) and \
          recovers with time constant `release`. Channels are linked.",
    inputs: &[IN],
    outputs: &[OUT, REDUCTION],
    params: LimiterParams::SPECS,
    options: &[OptionSpec {
        name: "lookahead",
        default: OptDefault::Num { default: 0.005, min: 0.0001, max: 0.1 },
        doc: "How far ahead the limiter looks, in seconds (rounded to whole frames): its latency.",
    }],
    input_rule: InputRule::AsIs,
    build,
};

params! {
    /// Parameters of `limiter` (first lane: channels are linked).
    struct LimiterParams {
        ceiling: ParamDef {
            default: -1.0,
            min: -60.0,
            max: 24.0,
            unit: "dB",
            smooth: true,
            doc: "Highest sample peak of the output.",
        },
        release: ParamDef {
            default: 0.1,
            min: 0.0,
            max: 10.0,
            unit: "s",
            smooth: true,
            doc: "Time constant of the gain's recovery.",
        },
    }
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let channels = ctx.input_channels[0];
    let lookahead = ((ctx.num("lookahead") * ctx.samplerate).round() as usize).max(1);
    // The delayed channels, the ramp, and the sliding minimum's (frame, gain) pairs.
    let bytes = (lookahead as f64 + 1.0) * (channels as f64 + 5.0) * std::mem::size_of::<f32>() as f64;
    memory::check(ctx, format!("option 'lookahead' on {channels} channels"), bytes)?;
    let window = lookahead + 1;
    let node = Limiter {
        channels,
        lanes: ctx.lanes,
        samplerate: ctx.samplerate as f32,
        lookahead,
        delayed: (0..channels).map(|_| FixedDelay::new(lookahead)).collect(),
        minima: VecDeque::with_capacity(window),
        frame: 0,
        recovered: 1.0,
        ramp: vec![1.0; window].into(),
        ramp_pos: 0,
        ramp_sum: window as f64,
        release: (f32::NAN, 0.0),
    };
    Ok(Built { node: Box::new(node), output_channels: vec![channels, 1] })
}

struct Limiter {
    channels: usize,
    lanes: usize,
    samplerate: f32,
    lookahead: usize,
    /// Each channel of the input, `lookahead` frames late.
    delayed: Box<[FixedDelay]>,
    /// Monotonic queue of (frame, needed gain) for the sliding minimum over `lookahead + 1`
    /// frames; its capacity is reserved at build and never exceeded.
    minima: VecDeque<(u64, f32)>,
    frame: u64,
    /// The minimum, recovering at the release rate but never above it.
    recovered: f32,
    /// The last `lookahead + 1` values of `recovered`, and their sum.
    ramp: Box<[f32]>,
    ramp_pos: usize,
    ramp_sum: f64,
    /// (release time, its coefficient).
    release: (f32, f32),
}

impl Node for Limiter {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let ProcessIo { frames, inputs, outputs, params, repairs, .. } = io;
        let (channels, lanes) = (self.channels, self.lanes);
        let [out, reduction_out] = &mut outputs[..] else { unreachable!("limiter has two outputs") };
        let window = self.lookahead as u64 + 1;
        let p = LimiterParams::from(*params);
        for f in 0..*frames {
            let row = &inputs[0][f * channels..(f + 1) * channels];
            let ceiling = db_to_gain(p.ceiling.at(f, 0, lanes)) * MARGIN;
            let release = p.release.at(f, 0, lanes);
            if release != self.release.0 {
                self.release = (release, coef(release, self.samplerate));
            }
            let peak = row.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            let needed = if peak > ceiling { ceiling / peak } else { 1.0 };

            // Sliding minimum of the needed gain over the window ending at this frame.
            while self.minima.front().is_some_and(|&(t, _)| t + window <= self.frame) {
                self.minima.pop_front();
            }
            while self.minima.back().is_some_and(|&(_, g)| g >= needed) {
                self.minima.pop_back();
            }
            self.minima.push_back((self.frame, needed));
            let minimum = self.minima.front().map_or(1.0, |&(_, g)| g);
            self.frame += 1;

            if minimum < self.recovered {
                self.recovered = minimum;
            } else {
                follow(&mut self.recovered, minimum, self.release.1);
            }
            let old = std::mem::replace(&mut self.ramp[self.ramp_pos], self.recovered);
            self.ramp_pos = if self.ramp_pos + 1 == self.ramp.len() { 0 } else { self.ramp_pos + 1 };
            self.ramp_sum += self.recovered as f64 - old as f64;
            let gain = ((self.ramp_sum / window as f64) as f32).min(1.0);

            for ((o, x), delayed) in
                out[f * channels..(f + 1) * channels].iter_mut().zip(row).zip(self.delayed.iter_mut())
            {
                *o = delayed.swap(*x) * gain;
            }
            reduction_out[f] = -gain_to_db(gain);
        }
        // Non-finite input sits in the lookahead delay for the next block: clear it, and
        // the gain computed from it.
        if !(all_finite(inputs[0]) && self.recovered.is_finite() && self.ramp_sum.is_finite()) {
            self.delayed.iter_mut().for_each(FixedDelay::clear);
            self.minima.clear();
            self.recovered = 1.0;
            self.ramp.fill(1.0);
            self.ramp_sum = self.ramp.len() as f64;
            repairs.resets += 1;
        }
    }

    fn latency(&self) -> usize {
        self.lookahead
    }
}
