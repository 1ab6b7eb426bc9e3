//! Parametric equalizer: up to [`BANDS`] bands in series, each a bell, a shelf or a
//! Butterworth low/high cut of 12, 24 or 48 dB/octave.
//!
//! A band's type is a construction option (`band1` .. `band8`) because it decides how many
//! second-order sections the band needs; its frequency, gain and Q are parameters
//! (`freq1`, `gain1`, `q1`, ...), so they glide and can be modulated like any other.

use crate::dsp::biquad::{self, butterworth_q, Section, Shape, State};
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ParamView, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::super::params::{params, ParamDef};
use super::super::{IN, OUT};

/// Most bands one `eq` node holds.
pub const BANDS: usize = 8;
const _: () = assert!(EqParams::SPECS.len() == 3 * BANDS, "three parameters per band");

const TYPES: &[&str] = &[
    "off",
    "peak",
    "lowshelf",
    "highshelf",
    "lowcut12",
    "lowcut24",
    "lowcut48",
    "highcut12",
    "highcut24",
    "highcut48",
];

const fn band(name: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        default: OptDefault::Choice(TYPES),
        doc: "Band type: off, peak (bell), lowshelf, highshelf, or a Butterworth lowcut/highcut \
              of 12, 24 or 48 dB/octave.",
    }
}
params! {
    /// Parameters of `eq`: three per band.
    struct EqParams {
        bands: [EqBand; K in 1, 2, 3, 4, 5, 6, 7, 8] {
            freq: ParamDef {
                default: 1000.0,
                min: 1.0,
                max: 100_000.0,
                unit: "Hz",
                smooth: true,
                doc: "Centre (peak), corner (shelves) or -3 dB (cuts) frequency of the band, clamped \
                      below 0.49 x sample rate.",
            },
            gain: ParamDef {
                default: 0.0,
                min: -48.0,
                max: 48.0,
                unit: "dB",
                smooth: true,
                doc: "Boost or cut of a peak or shelf band (cuts ignore it).",
            },
            q: ParamDef {
                default: std::f32::consts::FRAC_1_SQRT_2,
                min: 0.01,
                max: 100.0,
                unit: "",
                smooth: true,
                doc: "Quality of a peak or shelf band (cuts are Butterworth and ignore it).",
            },
        },
    }
}

/// `eq(in, freq1, gain1, q1, ..., freq8, gain8, q8; band1..band8)`.
pub static EQ: NodeSpec = NodeSpec {
    kind: "eq",
    doc: "Parametric EQ of up to 8 bands in series, per lane. Peak and shelves are RBJ-cookbook \
          sections; low and high cuts are Butterworth filters (cascaded second-order sections) \
          of 12, 24 or 48 dB/octave, -3 dB at their frequency.",
    inputs: &[IN],
    outputs: &[OUT],
    params: EqParams::SPECS,
    options: &[
        band("band1"),
        band("band2"),
        band("band3"),
        band("band4"),
        band("band5"),
        band("band6"),
        band("band7"),
        band("band8"),
    ],
    input_rule: InputRule::Broadcast,
    build,
};

/// What one band computes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// One cookbook section (peak or shelf) using freq, gain and Q.
    Cookbook(Shape),
    /// A Butterworth lowpass or highpass of this (even) order.
    Cut(Shape, usize),
}

impl Kind {
    fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "peak" => Kind::Cookbook(Shape::Peak),
            "lowshelf" => Kind::Cookbook(Shape::Lowshelf),
            "highshelf" => Kind::Cookbook(Shape::Highshelf),
            "lowcut12" => Kind::Cut(Shape::Highpass, 2),
            "lowcut24" => Kind::Cut(Shape::Highpass, 4),
            "lowcut48" => Kind::Cut(Shape::Highpass, 8),
            "highcut12" => Kind::Cut(Shape::Lowpass, 2),
            "highcut24" => Kind::Cut(Shape::Lowpass, 4),
            "highcut48" => Kind::Cut(Shape::Lowpass, 8),
            _ => return None,
        })
    }

    fn sections(self) -> usize {
        match self {
            Kind::Cookbook(_) => 1,
            Kind::Cut(_, order) => order / 2,
        }
    }

    /// Writes the band's sections for `freq` Hz, `gain` dB and quality `q`.
    fn design(self, samplerate: f64, freq: f32, gain: f32, q: f32, out: &mut [Section]) {
        match self {
            Kind::Cookbook(shape) => {
                for c in out.iter_mut() {
                    *c = Section::design(shape, samplerate, freq as f64, q as f64, gain as f64);
                }
            }
            Kind::Cut(shape, order) => {
                for (k, c) in out.iter_mut().enumerate() {
                    *c = Section::design(shape, samplerate, freq as f64, butterworth_q(order, k), 0.0);
                }
            }
        }
    }
}

/// An active band: its kind, which band's parameters drive it and where its sections start.
struct Band {
    kind: Kind,
    /// Position among the eight bands (0 for `band1`).
    number: usize,
    first: usize,
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let mut bands = Vec::new();
    let mut sections = 0;
    for b in 0..BANDS {
        if let Some(kind) = Kind::parse(ctx.text(ctx.spec.options[b].name)) {
            bands.push(Band { kind, number: b, first: sections });
            sections += kind.sections();
        }
    }
    let lanes = ctx.lanes;
    Built::lanes(
        Eq {
            lanes,
            samplerate: ctx.samplerate,
            sections,
            coefs: vec![Section::IDENTITY; lanes * sections].into(),
            state: vec![[0.0; 2]; lanes * sections].into(),
            designed: vec![[f32::NAN; 3]; lanes * bands.len()].into(),
            bands,
        },
        ctx,
    )
}

struct Eq {
    lanes: usize,
    samplerate: f64,
    bands: Vec<Band>,
    /// Sections per lane.
    sections: usize,
    /// `coefs[lane * sections + s]`.
    coefs: Box<[Section]>,
    state: Box<[State]>,
    /// (freq, gain, q) each band of each lane was designed for: `designed[lane * bands + b]`.
    designed: Box<[[f32; 3]]>,
}

impl Eq {
    fn redesign(&mut self, p: &EqParams<ParamView>, f: usize) {
        let lanes = self.lanes;
        for (b, band) in self.bands.iter().enumerate() {
            let EqBand { freq, gain, q } = p.bands[band.number];
            let [freq, gain, q] = [freq, gain, q].map(|v| v.frame(f, lanes));
            for l in 0..lanes {
                let want = [freq[l], gain[l], q[l]];
                let designed = &mut self.designed[l * self.bands.len() + b];
                if *designed != want {
                    *designed = want;
                    let start = l * self.sections + band.first;
                    let out = &mut self.coefs[start..start + band.kind.sections()];
                    band.kind.design(self.samplerate, want[0], want[1], want[2], out);
                }
            }
        }
    }
}

impl Node for Eq {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let p = EqParams::from(io.params);
        let steady = self.bands.iter().all(|b| {
            let EqBand { freq, gain, q } = p.bands[b.number];
            [freq, gain, q].iter().all(|v| v.as_const().is_some())
        });
        let n = self.sections;
        for f in 0..io.frames {
            if f == 0 || !steady {
                self.redesign(&p, f);
            }
            for l in 0..lanes {
                let mut y = io.inputs[0][f * lanes + l] as f64;
                let range = l * n..(l + 1) * n;
                for (c, s) in self.coefs[range.clone()].iter().zip(&mut self.state[range]) {
                    y = c.tick(s, y);
                }
                io.outputs[0][f * lanes + l] = y as f32;
            }
        }
        if !biquad::finite(&self.state) {
            for lane in self.state.chunks_exact_mut(n) {
                if !biquad::finite(lane) {
                    lane.fill([0.0; 2]);
                }
            }
            io.repairs.resets += 1;
        }
    }
}
