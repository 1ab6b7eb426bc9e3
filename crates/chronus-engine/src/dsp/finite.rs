//! Checks for non-finite values (NaN and infinities), cheap enough for a node to run over
//! its state once a block.

/// Whether every value is finite. Branch-free, so it vectorizes.
#[inline]
pub fn all_finite(values: &[f32]) -> bool {
    values.iter().fold(true, |ok, x| ok & x.is_finite())
}

/// Sets every non-finite value to 0; returns whether there was any (one repair to count).
#[inline]
pub fn reset_nonfinite(values: &mut [f32]) -> bool {
    if all_finite(values) {
        return false;
    }
    values.iter_mut().filter(|x| !x.is_finite()).for_each(|x| *x = 0.0);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_clears_nan_and_infinities() {
        let mut v = [1.0, f32::NAN, -2.0, f32::INFINITY, f32::NEG_INFINITY, f32::MAX];
        assert!(!all_finite(&v));
        assert!(reset_nonfinite(&mut v));
        assert_eq!(v, [1.0, 0.0, -2.0, 0.0, 0.0, f32::MAX]);
        assert!(all_finite(&v) && !reset_nonfinite(&mut v));
    }
}
