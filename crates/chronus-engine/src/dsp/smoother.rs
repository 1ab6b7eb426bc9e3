//! One-pole smoothing: an exponential approach to a target, with one time constant or with
//! separate attack and release times (envelope followers, gain smoothing, damping).

/// Per-frame coefficient of a one-pole smoother that covers `1 - 1/e` (63.2 %) of a step in
/// `seconds` at `samplerate` Hz; 0 (an instant jump) for times under one frame.
pub fn coef(seconds: f32, samplerate: f32) -> f32 {
    let frames = seconds * samplerate;
    if frames > 1e-3 {
        (-1.0 / frames).exp()
    } else {
        0.0
    }
}

/// Moves `state` one frame towards `target` with smoothing coefficient `coef` (from [`coef`]).
#[inline(always)]
pub fn follow(state: &mut f32, target: f32, coef: f32) {
    // Written so that only one multiply and one add depend on the previous state.
    *state = coef * *state + (1.0 - coef) * target;
}

/// Attack/release ballistics: one time constant while the target is above the state, another
/// while it is below.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ballistics {
    /// Coefficient used while rising.
    pub attack: f32,
    /// Coefficient used while falling.
    pub release: f32,
}

impl Ballistics {
    /// Ballistics with `attack` and `release` time constants in seconds (63.2 % of a step).
    pub fn new(attack: f32, release: f32, samplerate: f32) -> Self {
        Ballistics { attack: coef(attack, samplerate), release: coef(release, samplerate) }
    }

    /// Moves `state` one frame towards `target`.
    #[inline(always)]
    pub fn follow(&self, state: &mut f32, target: f32) {
        follow(state, target, if target > *state { self.attack } else { self.release });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_covers_63_percent_in_one_time_constant() {
        let b = Ballistics::new(0.01, 0.1, 48_000.0);
        let mut s = 0.0;
        for _ in 0..480 {
            b.follow(&mut s, 1.0);
        }
        assert!((s - (1.0 - (-1.0f32).exp())).abs() < 1e-4, "{s}");
        let mut s = 1.0;
        for _ in 0..4800 {
            b.follow(&mut s, 0.0);
        }
        assert!((s - (-1.0f32).exp()).abs() < 1e-4, "{s}");
        assert_eq!(coef(0.0, 48_000.0), 0.0);
    }
}
