//! RBJ-cookbook biquad node (sections in [`crate::dsp::biquad`]: the cookbook's responses
//! through a state-variable structure that stays stable under audio-rate modulation).

use crate::dsp::biquad::{self, Section, Shape, State};
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::params::{params, ParamDef};
use super::{IN, OUT};

const MODES: &[&str] = &["lowpass", "highpass", "bandpass", "notch", "peak", "lowshelf", "highshelf", "allpass"];

/// `biquad(in, freq, q, gain; mode)`.
pub static BIQUAD: NodeSpec = NodeSpec {
    kind: "biquad",
    doc: "Second-order filter from the RBJ cookbook: lowpass, highpass, bandpass (0 dB peak), \
          notch, peak, lowshelf, highshelf, allpass. `gain` applies to peak and shelves.",
    inputs: &[IN],
    outputs: &[OUT],
    params: BiquadParams::SPECS,
    options: &[OptionSpec { name: "mode", default: OptDefault::Choice(MODES), doc: "Response type." }],
    input_rule: InputRule::Broadcast,
    build,
};

params! {
    /// Parameters of `biquad`.
    struct BiquadParams {
        freq: ParamDef {
            default: 1000.0,
            min: 1.0,
            max: 100_000.0,
            unit: "Hz",
            smooth: true,
            doc: "Corner or centre frequency (clamped below 0.49 x sample rate).",
        },
        q: ParamDef {
            default: std::f32::consts::FRAC_1_SQRT_2,
            min: 0.01,
            max: 100.0,
            unit: "",
            smooth: true,
            doc: "Quality factor.",
        },
        gain: ParamDef { default: 0.0, min: -48.0, max: 48.0, unit: "dB", smooth: true, doc: "Boost or cut." },
    }
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let shape = match ctx.text("mode") {
        "lowpass" => Shape::Lowpass,
        "highpass" => Shape::Highpass,
        "bandpass" => Shape::Bandpass,
        "notch" => Shape::Notch,
        "peak" => Shape::Peak,
        "lowshelf" => Shape::Lowshelf,
        "highshelf" => Shape::Highshelf,
        _ => Shape::Allpass,
    };
    let lanes = ctx.lanes;
    Built::lanes(
        Biquad {
            shape,
            lanes,
            samplerate: ctx.samplerate,
            sections: vec![Section::IDENTITY; lanes].into(),
            state: vec![[0.0; 2]; lanes].into(),
            designed: vec![[f32::NAN; 3]; lanes].into(),
        },
        ctx,
    )
}

struct Biquad {
    shape: Shape,
    lanes: usize,
    samplerate: f64,
    sections: Box<[Section]>,
    state: Box<[State]>,
    /// (freq, q, gain) each lane's coefficients were designed for.
    designed: Box<[[f32; 3]]>,
}

impl Biquad {
    fn redesign(&mut self, freq: &[f32], q: &[f32], gain: &[f32]) {
        for l in 0..self.lanes {
            let want = [freq[l], q[l], gain[l]];
            if want != self.designed[l] {
                self.designed[l] = want;
                self.sections[l] =
                    Section::design(self.shape, self.samplerate, want[0] as f64, want[1] as f64, want[2] as f64);
            }
        }
    }
}

impl Node for Biquad {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let BiquadParams { freq, q, gain } = BiquadParams::from(io.params);
        let steady = freq.as_const().is_some() && q.as_const().is_some() && gain.as_const().is_some();
        for (f, (row, x)) in io.outputs[0].chunks_exact_mut(lanes).zip(io.inputs[0].chunks_exact(lanes)).enumerate() {
            if f == 0 || !steady {
                self.redesign(freq.frame(f, lanes), q.frame(f, lanes), gain.frame(f, lanes));
            }
            for (((o, x), c), s) in row.iter_mut().zip(x).zip(self.sections.iter()).zip(self.state.iter_mut()) {
                *o = c.tick(s, *x as f64) as f32;
            }
        }
        if !biquad::finite(&self.state) {
            self.state.iter_mut().filter(|s| !biquad::finite(&[**s])).for_each(|s| *s = [0.0; 2]);
            io.repairs.resets += 1;
        }
    }
}
