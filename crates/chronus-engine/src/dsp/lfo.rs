//! Low-frequency sine oscillators for modulation effects, one per lane.

use super::fastmath::sin_cycles;
use super::wavetable::{phase_of, step_of, Phase};

/// A sine LFO per lane; lane `l` starts `l * spread` cycles ahead of lane 0, so a stereo
/// signal gets two sweeps a fixed phase apart.
pub struct Lfo {
    phase: Box<[Phase]>,
    /// Each lane's rate in Hz and the phase step it makes.
    steps: Box<[(f32, Phase)]>,
    inv_sr: f64,
}

impl Lfo {
    /// `lanes` oscillators at `samplerate` Hz, successive lanes `spread` cycles apart.
    pub fn new(lanes: usize, spread: f64, samplerate: f64) -> Self {
        Lfo {
            phase: (0..lanes).map(|l| phase_of(l as f64 * spread)).collect(),
            steps: vec![(0.0, 0); lanes].into(),
            inv_sr: 1.0 / samplerate,
        }
    }

    /// Writes lane `lane`'s values in [-1, 1] for the next `out.len()` frames, frame `f` at
    /// `rate(f)` Hz, and moves that lane on. At a constant rate the whole block is one loop
    /// of vector arithmetic.
    #[inline]
    pub fn fill(&mut self, lane: usize, rate: impl Fn(usize) -> f32, constant: bool, out: &mut [f32]) {
        let (hz, step) = &mut self.steps[lane];
        let phase = &mut self.phase[lane];
        // A phase as a signed fraction of a cycle, in [-0.5, 0.5).
        let value = |p: Phase| sin_cycles(p as i32 as f32 * (1.0 / 4_294_967_296.0));
        let mut retune = |r: f32| {
            if r != *hz {
                *hz = r;
                *step = step_of(r as f64 * self.inv_sr);
            }
            *step
        };
        if constant {
            let step = retune(rate(0));
            let mut p = *phase;
            for o in out.iter_mut() {
                *o = value(p);
                p = p.wrapping_add(step);
            }
            *phase = p;
        } else {
            for (f, o) in out.iter_mut().enumerate() {
                *o = value(*phase);
                *phase = phase.wrapping_add(retune(rate(f)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_run_a_sine_with_their_phase_offsets() {
        let mut lfo = Lfo::new(2, 0.25, 48_000.0);
        let mut out = [vec![0.0f32; 4800], vec![0.0f32; 4800]];
        for (lane, o) in out.iter_mut().enumerate() {
            for block in o.chunks_mut(100) {
                lfo.fill(lane, |_| 10.0, lane == 0, block);
            }
        }
        for (lane, offset) in [0.0, 0.25].into_iter().enumerate() {
            for (n, y) in out[lane].iter().enumerate() {
                let want = (2.0 * std::f64::consts::PI * (10.0 * n as f64 / 48_000.0 + offset)).sin();
                assert!((*y as f64 - want).abs() < 1e-5);
            }
        }
    }
}
