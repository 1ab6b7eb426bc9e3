//! Low-frequency sine oscillators for modulation effects, one per lane.

use super::wavetable::{self, phase_of, read, step_of, Cycle, Phase};

/// A sine LFO per lane; lane `l` starts `l * spread` cycles ahead of lane 0, so a stereo
/// signal gets two sweeps a fixed phase apart.
pub struct Lfo {
    cycle: &'static Cycle,
    phase: Box<[Phase]>,
    inv_sr: f64,
}

impl Lfo {
    /// `lanes` oscillators at `samplerate` Hz, successive lanes `spread` cycles apart.
    pub fn new(lanes: usize, spread: f64, samplerate: f64) -> Self {
        Lfo {
            cycle: wavetable::sine().cycle(0),
            phase: (0..lanes).map(|l| phase_of(l as f64 * spread)).collect(),
            inv_sr: 1.0 / samplerate,
        }
    }

    /// Writes each lane's value in [-1, 1] for this frame into `out` and advances each lane by
    /// one frame at its rate in `rates` (Hz).
    #[inline]
    pub fn tick(&mut self, rates: &[f32], out: &mut [f32]) {
        for ((o, p), r) in out.iter_mut().zip(self.phase.iter_mut()).zip(rates) {
            *o = read(self.cycle, *p);
            *p = p.wrapping_add(step_of(*r as f64 * self.inv_sr));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_run_a_sine_with_their_phase_offsets() {
        let mut lfo = Lfo::new(2, 0.25, 48_000.0);
        let mut out = [0.0f32; 2];
        for n in 0..4800 {
            lfo.tick(&[10.0, 10.0], &mut out);
            let t = n as f64 / 48_000.0;
            let want = (2.0 * std::f64::consts::PI * 10.0 * t).sin();
            let want_cos = (2.0 * std::f64::consts::PI * (10.0 * t + 0.25)).sin();
            assert!((out[0] as f64 - want).abs() < 1e-5 && (out[1] as f64 - want_cos).abs() < 1e-5);
        }
    }
}
