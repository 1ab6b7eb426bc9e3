//! Topology-preserving-transform state-variable filter (Zavalishin, "The Art of VA Filter
//! Design"; Simper's trapezoidal SVF). Stable and click-free under fast cutoff modulation,
//! which is why the `lowpass`/`highpass`/`bandpass` builders use it.

use crate::dsp::fastmath;
use crate::dsp::finite::all_finite;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::params::{params, ParamDef};
use super::{IN, OUT};

const MODES: &[&str] = &["lowpass", "highpass", "bandpass", "notch", "peak", "allpass"];

/// `svf(in, cutoff, q; mode)`.
pub static SVF: NodeSpec = NodeSpec {
    kind: "svf",
    doc: "State-variable filter (TPT): 12 dB/octave lowpass or highpass, bandpass with 0 dB \
          peak, notch, peak (lowpass minus highpass) or allpass; resonance via q.",
    inputs: &[IN],
    outputs: &[OUT],
    params: SvfParams::SPECS,
    options: &[OptionSpec { name: "mode", default: OptDefault::Choice(MODES), doc: "Response type." }],
    input_rule: InputRule::Broadcast,
    build,
};

params! {
    /// Parameters of `svf`.
    struct SvfParams {
        cutoff: ParamDef {
            default: 1000.0,
            min: 1.0,
            max: 100_000.0,
            unit: "Hz",
            smooth: true,
            doc: "Cutoff frequency (signals are clamped to [1 Hz, 0.49 x sample rate]).",
        },
        q: ParamDef {
            default: std::f32::consts::FRAC_1_SQRT_2,
            min: 0.025,
            max: 100.0,
            unit: "",
            smooth: true,
            doc: "Resonance (0.707 is maximally flat).",
        },
    }
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    // Output = m0 * input + (m1 * k) * band + m2 * low, with k = 1/q.
    let mix = match ctx.text("mode") {
        "lowpass" => [0.0, 0.0, 1.0],
        "highpass" => [1.0, -1.0, -1.0],
        "bandpass" => [0.0, 1.0, 0.0],
        "notch" => [1.0, -1.0, 0.0],
        "peak" => [1.0, -1.0, -2.0],
        _ => [1.0, -2.0, 0.0],
    };
    let lanes = ctx.lanes;
    let zeros = || vec![0.0f32; lanes].into_boxed_slice();
    Built::lanes(
        Svf {
            lanes,
            mix,
            pi_over_sr: (std::f64::consts::PI / ctx.samplerate) as f32,
            nyquist_guard: (0.49 * ctx.samplerate) as f32,
            a1: zeros(),
            a2: zeros(),
            a3: zeros(),
            m1: zeros(),
            ic1: zeros(),
            ic2: zeros(),
        },
        ctx,
    )
}

struct Svf {
    lanes: usize,
    mix: [f32; 3],
    pi_over_sr: f32,
    nyquist_guard: f32,
    a1: Box<[f32]>,
    a2: Box<[f32]>,
    a3: Box<[f32]>,
    /// Band output weight (depends on each lane's k).
    m1: Box<[f32]>,
    ic1: Box<[f32]>,
    ic2: Box<[f32]>,
}

impl Svf {
    /// Computes each lane's coefficients: exactly when the parameters hold for the block,
    /// with a polynomial tangent when they move every frame (modulation).
    #[inline]
    fn tune(&mut self, cutoff: &[f32], q: &[f32], exact: bool) {
        for l in 0..self.lanes {
            let x = cutoff[l].clamp(1.0, self.nyquist_guard) * self.pi_over_sr;
            let g = if exact { x.tan() } else { fastmath::tan(x) };
            let k = 1.0 / q[l].max(0.025);
            let a1 = 1.0 / (1.0 + g * (g + k));
            self.a1[l] = a1;
            self.a2[l] = g * a1;
            self.a3[l] = g * g * a1;
            self.m1[l] = self.mix[1] * k;
        }
    }
}

impl Node for Svf {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let SvfParams { cutoff, q } = SvfParams::from(io.params);
        let steady = cutoff.as_const().is_some() && q.as_const().is_some();
        let [m0, _, m2] = self.mix;
        for (f, (row, x)) in io.outputs[0].chunks_exact_mut(lanes).zip(io.inputs[0].chunks_exact(lanes)).enumerate() {
            if f == 0 || !steady {
                self.tune(cutoff.frame(f, lanes), q.frame(f, lanes), steady);
            }
            let lanes_iter = row
                .iter_mut()
                .zip(x)
                .zip(self.ic1.iter_mut().zip(self.ic2.iter_mut()))
                .zip(self.a1.iter().zip(self.a2.iter()).zip(self.a3.iter().zip(self.m1.iter())));
            for (((o, v0), (ic1, ic2)), ((a1, a2), (a3, m1))) in lanes_iter {
                let v3 = v0 - *ic2;
                let v1 = a1 * *ic1 + a2 * v3;
                let v2 = *ic2 + a2 * *ic1 + a3 * v3;
                *ic1 = 2.0 * v1 - *ic1;
                *ic2 = 2.0 * v2 - *ic2;
                *o = m0 * v0 + m1 * v1 + m2 * v2;
            }
        }
        if !(all_finite(&self.ic1) && all_finite(&self.ic2)) {
            for (a, b) in self.ic1.iter_mut().zip(self.ic2.iter_mut()) {
                if !(a.is_finite() && b.is_finite()) {
                    (*a, *b) = (0.0, 0.0);
                }
            }
            io.repairs.resets += 1;
        }
    }
}
