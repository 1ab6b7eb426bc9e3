//! One-pole smoothing: an exponential approach to a target with a time constant (envelope
//! followers, gain smoothing, release curves).

/// Per-frame coefficient of a one-pole smoother that covers `1 - 1/e` (63.2 %) of a step in
/// `seconds` at `samplerate` Hz; 0 (an instant jump) for a time of zero.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_covers_63_percent_in_one_time_constant() {
        let c = coef(0.01, 48_000.0);
        let mut s = 0.0;
        for _ in 0..480 {
            follow(&mut s, 1.0, c);
        }
        assert!((s - (1.0 - (-1.0f32).exp())).abs() < 1e-4, "{s}");
        assert_eq!(coef(0.0, 48_000.0), 0.0);
    }
}
