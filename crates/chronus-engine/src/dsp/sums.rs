//! Sums and dot products kept in eight partial sums, so that their loops vectorize (a
//! single running float sum is a chain the compiler may not reorder).

/// `x[0] + x[1] + ...`.
#[inline]
pub fn sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        acc.iter_mut().zip(c).for_each(|(a, x)| *a += x);
    }
    acc.iter().sum::<f32>() + tail
}

/// `w[0] x[0] + w[1] x[1] + ...` over the shorter of the two.
#[inline]
pub fn dot(w: &[f32], x: &[f32]) -> f32 {
    let n = w.len().min(x.len());
    let (w, x) = (&w[..n], &x[..n]);
    let mut acc = [0.0f32; 8];
    for (w, x) in w.chunks_exact(8).zip(x.chunks_exact(8)) {
        for i in 0..8 {
            acc[i] += w[i] * x[i];
        }
    }
    let tail = n - n % 8;
    acc.iter().sum::<f32>() + w[tail..].iter().zip(&x[tail..]).map(|(w, x)| w * x).sum::<f32>()
}

/// `sum w[j] (x[2j], x[2j + 1])`: weights applied to interleaved pairs (stereo frames).
#[inline]
pub fn dot_pairs(w: &[f32], x: &[f32]) -> [f32; 2] {
    let n = w.len().min(x.len() / 2);
    let mut acc = [0.0f32; 8];
    for (w, x) in w[..n].chunks_exact(4).zip(x.chunks_exact(8)) {
        for i in 0..4 {
            acc[2 * i] += w[i] * x[2 * i];
            acc[2 * i + 1] += w[i] * x[2 * i + 1];
        }
    }
    let tail = n - n % 4;
    let mut pair = [acc[0] + acc[2] + acc[4] + acc[6], acc[1] + acc[3] + acc[5] + acc[7]];
    for (w, x) in w[tail..n].iter().zip(x[2 * tail..].chunks_exact(2)) {
        pair[0] += w * x[0];
        pair[1] += w * x[1];
    }
    pair
}

/// `sum (a[j] + d (b[j] - a[j])) x[j]`: weights interpolated between two rows and applied
/// in one pass (`a`, `b` and `x` of one length, a multiple of 8).
#[inline(always)]
pub fn lerp_dot(a: &[f32], b: &[f32], d: f32, x: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    for ((a, b), x) in a.chunks_exact(8).zip(b.chunks_exact(8)).zip(x.chunks_exact(8)) {
        for i in 0..8 {
            acc[i] += (a[i] + d * (b[i] - a[i])) * x[i];
        }
    }
    // A tree of vector adds, not a chain of scalar ones.
    let a4: [f32; 4] = std::array::from_fn(|i| acc[i] + acc[i + 4]);
    (a4[0] + a4[2]) + (a4[1] + a4[3])
}

/// [`lerp_dot`] on interleaved pairs (stereo frames): `x` twice as long as `a` and `b`.
#[inline(always)]
pub fn lerp_dot_pairs(a: &[f32], b: &[f32], d: f32, x: &[f32]) -> [f32; 2] {
    let mut acc = [0.0f32; 16];
    for ((a, b), x) in a.chunks_exact(8).zip(b.chunks_exact(8)).zip(x.chunks_exact(16)) {
        for i in 0..8 {
            let w = a[i] + d * (b[i] - a[i]);
            acc[2 * i] += w * x[2 * i];
            acc[2 * i + 1] += w * x[2 * i + 1];
        }
    }
    // A tree of vector adds that keeps left and right apart.
    let a8: [f32; 8] = std::array::from_fn(|i| acc[i] + acc[i + 8]);
    let a4: [f32; 4] = std::array::from_fn(|i| a8[i] + a8[i + 4]);
    [a4[0] + a4[2], a4[1] + a4[3]]
}

/// [`lerp_dot`] and [`lerp_dot_pairs`] in AVX2 instructions, with the same operations in
/// the same order (no fused multiply-adds), so their results are identical.
#[cfg(target_arch = "x86_64")]
pub mod avx2 {
    use std::arch::x86_64::*;

    /// [`super::lerp_dot`].
    ///
    /// # Safety
    /// The CPU must support AVX2; the slices as for [`super::lerp_dot`].
    #[inline]
    #[target_feature(enable = "avx2")]
    pub unsafe fn lerp_dot(a: &[f32], b: &[f32], d: f32, x: &[f32]) -> f32 {
        let n = a.len().min(b.len()).min(x.len()) / 8 * 8;
        let dv = _mm256_set1_ps(d);
        let mut acc = _mm256_setzero_ps();
        let mut i = 0;
        while i < n {
            // SAFETY: i + 8 <= n, within each slice.
            let (wa, wb) = unsafe { (_mm256_loadu_ps(a.as_ptr().add(i)), _mm256_loadu_ps(b.as_ptr().add(i))) };
            let w = _mm256_add_ps(wa, _mm256_mul_ps(dv, _mm256_sub_ps(wb, wa)));
            let xv = unsafe { _mm256_loadu_ps(x.as_ptr().add(i)) };
            acc = _mm256_add_ps(acc, _mm256_mul_ps(w, xv));
            i += 8;
        }
        let a4 = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
        let mut v = [0.0f32; 4];
        // SAFETY: v holds 4 floats.
        unsafe { _mm_storeu_ps(v.as_mut_ptr(), a4) };
        (v[0] + v[2]) + (v[1] + v[3])
    }

    /// [`super::lerp_dot_pairs`].
    ///
    /// # Safety
    /// The CPU must support AVX2; the slices as for [`super::lerp_dot_pairs`].
    #[inline]
    #[target_feature(enable = "avx2")]
    pub unsafe fn lerp_dot_pairs(a: &[f32], b: &[f32], d: f32, x: &[f32]) -> [f32; 2] {
        let n = a.len().min(b.len()).min(x.len() / 2) / 8 * 8;
        let dv = _mm256_set1_ps(d);
        let (lo, hi) = (_mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3), _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7));
        let (mut acc0, mut acc1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        let mut i = 0;
        while i < n {
            // SAFETY: i + 8 <= n, within a and b, and 2 (i + 8) within x.
            let (wa, wb) = unsafe { (_mm256_loadu_ps(a.as_ptr().add(i)), _mm256_loadu_ps(b.as_ptr().add(i))) };
            let w = _mm256_add_ps(wa, _mm256_mul_ps(dv, _mm256_sub_ps(wb, wa)));
            let (x0, x1) =
                unsafe { (_mm256_loadu_ps(x.as_ptr().add(2 * i)), _mm256_loadu_ps(x.as_ptr().add(2 * i + 8))) };
            acc0 = _mm256_add_ps(acc0, _mm256_mul_ps(_mm256_permutevar8x32_ps(w, lo), x0));
            acc1 = _mm256_add_ps(acc1, _mm256_mul_ps(_mm256_permutevar8x32_ps(w, hi), x1));
            i += 8;
        }
        let a8 = _mm256_add_ps(acc0, acc1);
        let a4 = _mm_add_ps(_mm256_castps256_ps128(a8), _mm256_extractf128_ps(a8, 1));
        let a2 = _mm_add_ps(a4, _mm_movehl_ps(a4, a4));
        let mut v = [0.0f32; 4];
        // SAFETY: v holds 4 floats.
        unsafe { _mm_storeu_ps(v.as_mut_ptr(), a2) };
        [v[0], v[1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_plain_loops() {
        for n in [0usize, 1, 7, 8, 13, 40, 61] {
            let w: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let x: Vec<f32> = (0..2 * n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = w.iter().zip(&x).map(|(w, x)| w * x).sum();
            assert!((dot(&w, &x) - plain).abs() < 1e-5, "{n}");
            assert!((sum(&w) - w.iter().sum::<f32>()).abs() < 1e-5, "{n}");
            let left: f32 = w.iter().zip(x.iter().step_by(2)).map(|(w, x)| w * x).sum();
            let right: f32 = w.iter().zip(x.iter().skip(1).step_by(2)).map(|(w, x)| w * x).sum();
            let [l, r] = dot_pairs(&w, &x);
            assert!((l - left).abs() < 1e-5 && (r - right).abs() < 1e-5, "{n}");
            if n % 8 == 0 {
                // Weights halfway between w and its reverse.
                let b: Vec<f32> = w.iter().rev().copied().collect();
                let mid: Vec<f32> = w.iter().zip(&b).map(|(a, b)| a + 0.25 * (b - a)).collect();
                assert!((lerp_dot(&w, &b, 0.25, &x[..n]) - dot(&mid, &x)).abs() < 1e-5, "{n}");
                let ([l, r], [l2, r2]) = (lerp_dot_pairs(&w, &b, 0.25, &x), dot_pairs(&mid, &x));
                assert!((l - l2).abs() < 1e-5 && (r - r2).abs() < 1e-5, "{n}");
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2.
                    let (m, p) =
                        unsafe { (avx2::lerp_dot(&w, &b, 0.25, &x[..n]), avx2::lerp_dot_pairs(&w, &b, 0.25, &x)) };
                    assert_eq!(m.to_bits(), lerp_dot(&w, &b, 0.25, &x[..n]).to_bits(), "{n}");
                    assert_eq!(p.map(f32::to_bits), lerp_dot_pairs(&w, &b, 0.25, &x).map(f32::to_bits), "{n}");
                }
            }
        }
    }
}
