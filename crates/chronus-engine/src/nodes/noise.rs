//! White and pink noise, one independent stream per lane.

use crate::dsp::rng::XorShift32;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::OUT;

/// `noise(color, seed)`.
pub static NOISE: NodeSpec = NodeSpec {
    kind: "noise",
    doc: "Noise. White: uniform in [-1, 1) (-4.8 dBFS RMS). Pink: white through a cascade of \
          first-order sections with poles every half decade from 1 Hz, -3.01 dB per octave \
          within 0.4 dB from 20 Hz to 10 kHz at 48 kHz, scaled to -12 dBFS RMS.",
    inputs: &[],
    outputs: &[OUT],
    params: &[],
    options: &[
        OptionSpec { name: "color", default: OptDefault::Choice(&["white", "pink"]), doc: "Spectrum." },
        OptionSpec {
            name: "seed",
            default: OptDefault::Int { default: 0, min: 0, max: 4_294_967_295 },
            doc: "Seed; lane n uses seed + n. The same seed gives the same noise.",
        },
        OptionSpec {
            name: "channels",
            default: OptDefault::Int { default: 1, min: 1, max: 1024 },
            doc: "Independent noise channels (lanes).",
        },
    ],
    input_rule: InputRule::Broadcast,
    build,
};

fn build(ctx: &BuildCtx) -> Result<Built> {
    let lanes = ctx.lanes.max(ctx.num("channels") as usize);
    let seed = ctx.num("seed") as u64;
    let rngs = (0..lanes as u64).map(|l| XorShift32::new(seed + l)).collect();
    let pink = (ctx.text("color") == "pink").then(|| Pinking::new(ctx.samplerate, lanes));
    Ok(Built { node: Box::new(Noise { lanes, rngs, pink }), output_channels: vec![lanes] })
}

struct Noise {
    lanes: usize,
    rngs: Box<[XorShift32]>,
    pink: Option<Pinking>,
}

impl Node for Noise {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let out = &mut *io.outputs[0];
        for row in out.chunks_exact_mut(self.lanes) {
            for (o, rng) in row.iter_mut().zip(self.rngs.iter_mut()) {
                *o = rng.bipolar();
            }
        }
        if let Some(pink) = &mut self.pink {
            pink.process(out);
        }
    }
}

/// Pole/zero pairs of the pinking cascade: pole at `f`, zero at `f * sqrt(10^0.5)`.
const SPACING_DECADES: f64 = 0.5;
/// Target RMS of pink noise (-12 dBFS).
const PINK_RMS: f64 = 0.25;

/// A cascade of first-order sections `(1 - b z^-1) / (1 - a z^-1)` (matched-z from analog
/// poles and zeros alternating every quarter decade), whose product falls 10 dB a decade.
struct Pinking {
    lanes: usize,
    /// `(a, b)` per section.
    sections: Vec<(f32, f32)>,
    gain: f32,
    /// Previous input and output of each section for each lane.
    state: Box<[(f32, f32)]>,
}

impl Pinking {
    fn new(samplerate: f64, lanes: usize) -> Self {
        let ratio = 10f64.powf(SPACING_DECADES);
        let mut sections = Vec::new();
        let mut pole = 1.0;
        while pole < 4.0 * samplerate {
            let zero = pole * ratio.sqrt();
            let map = |f: f64| (-2.0 * std::f64::consts::PI * f / samplerate).exp();
            sections.push((map(pole), map(zero)));
            pole *= ratio;
        }
        // Scale by the RMS gain for uniform white input (variance 1/3), integrated over frequency.
        let bins = 8192;
        let power: f64 = (0..bins)
            .map(|i| {
                let w = std::f64::consts::PI * (i as f64 + 0.5) / bins as f64;
                sections
                    .iter()
                    .map(|(a, b)| (1.0 - 2.0 * b * w.cos() + b * b) / (1.0 - 2.0 * a * w.cos() + a * a))
                    .product::<f64>()
            })
            .sum::<f64>()
            / bins as f64;
        let gain = PINK_RMS / (power / 3.0).sqrt();
        Pinking {
            lanes,
            sections: sections.iter().map(|(a, b)| (*a as f32, *b as f32)).collect(),
            gain: gain as f32,
            state: vec![(0.0, 0.0); lanes * sections.len()].into(),
        }
    }

    fn process(&mut self, buf: &mut [f32]) {
        let n = self.sections.len();
        for row in buf.chunks_exact_mut(self.lanes) {
            for (l, x) in row.iter_mut().enumerate() {
                let mut v = *x;
                for ((a, b), (x1, y1)) in self.sections.iter().zip(&mut self.state[l * n..(l + 1) * n]) {
                    let y = v - b * *x1 + a * *y1;
                    *x1 = v;
                    *y1 = y;
                    v = y;
                }
                *x = v * self.gain;
            }
        }
    }
}
