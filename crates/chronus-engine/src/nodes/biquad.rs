//! RBJ-cookbook biquads (Robert Bristow-Johnson, "Cookbook formulae for audio EQ biquad
//! filter coefficients"), transposed direct form II in double precision so that low
//! corner frequencies stay accurate.

use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ParamView, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, ParamSpec};

use super::{IN, OUT};

const MODES: &[&str] = &["lowpass", "highpass", "bandpass", "notch", "peak", "lowshelf", "highshelf", "allpass"];

/// `biquad(in, freq, q, gain; mode)`.
pub static BIQUAD: NodeSpec = NodeSpec {
    kind: "biquad",
    doc: "Second-order filter from the RBJ cookbook: lowpass, highpass, bandpass (0 dB peak), \
          notch, peak, lowshelf, highshelf, allpass. `gain` applies to peak and shelves.",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[
        ParamSpec {
            name: "freq",
            default: 1000.0,
            min: 1.0,
            max: 100_000.0,
            unit: "Hz",
            smooth: true,
            doc: "Corner or centre frequency (clamped below 0.49 x sample rate).",
        },
        ParamSpec {
            name: "q",
            default: std::f32::consts::FRAC_1_SQRT_2,
            min: 0.01,
            max: 100.0,
            unit: "",
            smooth: true,
            doc: "Quality factor.",
        },
        ParamSpec { name: "gain", default: 0.0, min: -48.0, max: 48.0, unit: "dB", smooth: true, doc: "Boost or cut." },
    ],
    options: &[OptionSpec { name: "mode", default: OptDefault::Choice(MODES), doc: "Response type." }],
    input_rule: InputRule::Broadcast,
    build,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Lowpass,
    Highpass,
    Bandpass,
    Notch,
    Peak,
    Lowshelf,
    Highshelf,
    Allpass,
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let mode = match ctx.text("mode") {
        "lowpass" => Mode::Lowpass,
        "highpass" => Mode::Highpass,
        "bandpass" => Mode::Bandpass,
        "notch" => Mode::Notch,
        "peak" => Mode::Peak,
        "lowshelf" => Mode::Lowshelf,
        "highshelf" => Mode::Highshelf,
        _ => Mode::Allpass,
    };
    let lanes = ctx.lanes;
    Built::lanes(
        Biquad {
            mode,
            lanes,
            samplerate: ctx.samplerate,
            coefs: vec![[0.0; 5]; lanes].into(),
            state: vec![[0.0; 2]; lanes].into(),
            designed: vec![[f32::NAN; 3]; lanes].into(),
        },
        ctx,
    )
}

/// Normalized coefficients `[b0, b1, b2, a1, a2]` (a0 = 1) from the cookbook.
fn design(mode: Mode, samplerate: f64, freq: f64, q: f64, gain_db: f64) -> [f64; 5] {
    let w0 = 2.0 * std::f64::consts::PI * freq.clamp(1.0, 0.49 * samplerate) / samplerate;
    let (sin, cos) = w0.sin_cos();
    let alpha = sin / (2.0 * q.max(0.01));
    let a = 10f64.powf(gain_db / 40.0);
    let (b, a) = match mode {
        Mode::Lowpass => ([(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
        Mode::Highpass => {
            ([(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0], [1.0 + alpha, -2.0 * cos, 1.0 - alpha])
        }
        Mode::Bandpass => ([alpha, 0.0, -alpha], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
        Mode::Notch => ([1.0, -2.0 * cos, 1.0], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
        Mode::Allpass => ([1.0 - alpha, -2.0 * cos, 1.0 + alpha], [1.0 + alpha, -2.0 * cos, 1.0 - alpha]),
        Mode::Peak => ([1.0 + alpha * a, -2.0 * cos, 1.0 - alpha * a], [1.0 + alpha / a, -2.0 * cos, 1.0 - alpha / a]),
        Mode::Lowshelf => {
            let r = 2.0 * a.sqrt() * alpha;
            (
                [
                    a * ((a + 1.0) - (a - 1.0) * cos + r),
                    2.0 * a * ((a - 1.0) - (a + 1.0) * cos),
                    a * ((a + 1.0) - (a - 1.0) * cos - r),
                ],
                [
                    (a + 1.0) + (a - 1.0) * cos + r,
                    -2.0 * ((a - 1.0) + (a + 1.0) * cos),
                    (a + 1.0) + (a - 1.0) * cos - r,
                ],
            )
        }
        Mode::Highshelf => {
            let r = 2.0 * a.sqrt() * alpha;
            (
                [
                    a * ((a + 1.0) + (a - 1.0) * cos + r),
                    -2.0 * a * ((a - 1.0) + (a + 1.0) * cos),
                    a * ((a + 1.0) + (a - 1.0) * cos - r),
                ],
                [(a + 1.0) - (a - 1.0) * cos + r, 2.0 * ((a - 1.0) - (a + 1.0) * cos), (a + 1.0) - (a - 1.0) * cos - r],
            )
        }
    };
    [b[0] / a[0], b[1] / a[0], b[2] / a[0], a[1] / a[0], a[2] / a[0]]
}

struct Biquad {
    mode: Mode,
    lanes: usize,
    samplerate: f64,
    coefs: Box<[[f64; 5]]>,
    state: Box<[[f64; 2]]>,
    /// (freq, q, gain) each lane's coefficients were designed for.
    designed: Box<[[f32; 3]]>,
}

impl Biquad {
    fn redesign(&mut self, freq: &[f32], q: &[f32], gain: &[f32]) {
        for l in 0..self.lanes {
            let want = [freq[l], q[l], gain[l]];
            if want != self.designed[l] {
                self.designed[l] = want;
                self.coefs[l] = design(self.mode, self.samplerate, want[0] as f64, want[1] as f64, want[2] as f64);
            }
        }
    }
}

impl Node for Biquad {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let [freq, q, gain]: [ParamView; 3] = [io.params[0], io.params[1], io.params[2]];
        let steady = freq.as_const().is_some() && q.as_const().is_some() && gain.as_const().is_some();
        for (f, (row, x)) in io.outputs[0].chunks_exact_mut(lanes).zip(io.inputs[0].chunks_exact(lanes)).enumerate() {
            if f == 0 || !steady {
                self.redesign(freq.frame(f, lanes), q.frame(f, lanes), gain.frame(f, lanes));
            }
            for (((o, x), [b0, b1, b2, a1, a2]), [s1, s2]) in
                row.iter_mut().zip(x).zip(self.coefs.iter()).zip(self.state.iter_mut())
            {
                let x = *x as f64;
                let y = b0 * x + *s1;
                *s1 = b1 * x - a1 * y + *s2;
                *s2 = b2 * x - a2 * y;
                *o = y as f32;
            }
        }
    }
}
