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

/// `((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))`: eight partial sums
/// added in the order [`avx2::lerp_dots`]' horizontal adds take.
#[inline(always)]
fn reduce8(s: [f32; 8]) -> f32 {
    ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

/// `sum (a[j] + d (b[j] - a[j])) x[c][j]` for each channel `c`: weights interpolated
/// between two rows and applied in one pass to a channel's frames stored on their own
/// (planar). `a`, `b` and every `x[c]` hold at least `n` values, `n` the length of `a`
/// rounded down to a multiple of 8. Each sum is kept in 8 partial sums added by
/// `reduce8`, in the order [`avx2::lerp_dots`] takes (which fuses the multiplies and adds).
#[inline(always)]
pub fn lerp_dot<const CH: usize>(a: &[f32], b: &[f32], d: f32, x: [&[f32]; CH]) -> [f32; CH] {
    let mut acc = [[0.0f32; 8]; CH];
    for (k, (a, b)) in a.chunks_exact(8).zip(b.chunks_exact(8)).enumerate() {
        let w: [f32; 8] = std::array::from_fn(|i| a[i] + d * (b[i] - a[i]));
        for (acc, x) in acc.iter_mut().zip(x) {
            let x = &x[8 * k..8 * k + 8];
            for i in 0..8 {
                acc[i] += w[i] * x[i];
            }
        }
    }
    acc.map(reduce8)
}

/// [`lerp_dot`] with fused multiply-adds (each rounded once): `w = fma(d, b - a, a)` and
/// `acc = fma(w, x, acc)`, in the order of [`lerp_dot`]. What [`avx2::lerp_dots`] computes,
/// bit for bit (a reference for its tests: without FMA instructions `mul_add` is a slow
/// library call, so the portable path keeps [`lerp_dot`]).
#[cfg(test)]
pub fn lerp_dot_fused<const CH: usize>(a: &[f32], b: &[f32], d: f32, x: [&[f32]; CH]) -> [f32; CH] {
    let mut acc = [[0.0f32; 8]; CH];
    for (k, (a, b)) in a.chunks_exact(8).zip(b.chunks_exact(8)).enumerate() {
        let w: [f32; 8] = std::array::from_fn(|i| d.mul_add(b[i] - a[i], a[i]));
        for (acc, x) in acc.iter_mut().zip(x) {
            let x = &x[8 * k..8 * k + 8];
            for i in 0..8 {
                acc[i] = w[i].mul_add(x[i], acc[i]);
            }
        }
    }
    acc.map(reduce8)
}

/// [`lerp_dot`] in AVX2 and FMA instructions: the same operations in the same order, the
/// multiplies and adds fused (the test reference `lerp_dot_fused` gives identical results). So CPUs with
/// AVX2 and FMA and those without (which take [`lerp_dot`]) differ in the last bits.
#[cfg(target_arch = "x86_64")]
pub mod avx2 {
    use std::arch::x86_64::*;

    /// [`super::lerp_dot`] for `N` reads at once (`N * CH` at most 8), each read `(a, b, d)`
    /// applied to its frames `x`: the `N * CH` sums are reduced together, a horizontal add
    /// serving two to eight of them. Every row and frame slice as for [`super::lerp_dot`]
    /// (a read's sums stop at its shortest slice).
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn lerp_dots<const N: usize, const CH: usize>(
        rows: [(&[f32], &[f32], f32); N],
        x: [[&[f32]; CH]; N],
    ) -> [[f32; CH]; N] {
        let mut acc = [[_mm256_setzero_ps(); CH]; N];
        for ((acc, (a, b, d)), x) in acc.iter_mut().zip(rows).zip(x) {
            let n = x.iter().fold(a.len().min(b.len()), |n, x| n.min(x.len())) / 8 * 8;
            let dv = _mm256_set1_ps(d);
            let mut i = 0;
            while i < n {
                // SAFETY: i + 8 <= n, within a, b and every x[c].
                let (wa, wb) = unsafe { (_mm256_loadu_ps(a.as_ptr().add(i)), _mm256_loadu_ps(b.as_ptr().add(i))) };
                let w = _mm256_fmadd_ps(dv, _mm256_sub_ps(wb, wa), wa);
                for (acc, x) in acc.iter_mut().zip(x) {
                    let xv = unsafe { _mm256_loadu_ps(x.as_ptr().add(i)) };
                    *acc = _mm256_fmadd_ps(w, xv, *acc);
                }
                i += 8;
            }
        }
        let mut sums = [0.0f32; 8];
        let v: [__m256; 8] = std::array::from_fn(|k| acc[(k / CH).min(N - 1)][k % CH]);
        // hadd(p, q) = [p0+p1, p2+p3, q0+q1, q2+q3 | p4+p5, p6+p7, q4+q5, q6+q7]: two rounds
        // leave the half sums (s0+s1)+(s2+s3) and (s4+s5)+(s6+s7) of four vectors in the
        // low and high halves, which one add combines.
        if N * CH > 4 {
            let (t0, t1) = (_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
            let (t2, t3) = (_mm256_hadd_ps(v[4], v[5]), _mm256_hadd_ps(v[6], v[7]));
            let (u0, u1) = (_mm256_hadd_ps(t0, t1), _mm256_hadd_ps(t2, t3));
            let lo = _mm256_permute2f128_ps(u0, u1, 0x20);
            let hi = _mm256_permute2f128_ps(u0, u1, 0x31);
            // SAFETY: sums holds 8 floats.
            unsafe { _mm256_storeu_ps(sums.as_mut_ptr(), _mm256_add_ps(lo, hi)) };
        } else {
            let last = N * CH - 1;
            let t0 = _mm256_hadd_ps(v[0], v[1.min(last)]);
            let t1 = if last >= 2 { _mm256_hadd_ps(v[2], v[3.min(last)]) } else { t0 };
            let u = _mm256_hadd_ps(t0, t1);
            let r = _mm_add_ps(_mm256_castps256_ps128(u), _mm256_extractf128_ps(u, 1));
            // SAFETY: sums holds 8 floats.
            unsafe { _mm_storeu_ps(sums.as_mut_ptr(), r) };
        }
        std::array::from_fn(|j| std::array::from_fn(|c| sums[j * CH + c]))
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
            if n % 8 == 0 {
                // Weights halfway between w and its reverse, on the two channels of x apart.
                let b: Vec<f32> = w.iter().rev().copied().collect();
                let mid: Vec<f32> = w.iter().zip(&b).map(|(a, b)| a + 0.25 * (b - a)).collect();
                let planes: [Vec<f32>; 2] = [0, 1].map(|c| x.iter().skip(c).step_by(2).copied().collect());
                let [l, r] = lerp_dot(&w, &b, 0.25, [&planes[0][..], &planes[1][..]]);
                let [l2, r2] = [dot(&mid, &planes[0]), dot(&mid, &planes[1])];
                assert!((l - l2).abs() < 1e-5 && (r - r2).abs() < 1e-5, "{n}");
                assert_eq!(lerp_dot(&w, &b, 0.25, [&planes[1][..]])[0].to_bits(), r.to_bits(), "{n}");
                let [l3, r3] = lerp_dot_fused(&w, &b, 0.25, [&planes[0][..], &planes[1][..]]);
                assert!((l - l3).abs() < 1e-5 && (r - r3).abs() < 1e-5, "{n}");
                assert_eq!(lerp_dot_fused(&w, &b, 0.25, [&planes[1][..]])[0].to_bits(), r3.to_bits(), "{n}");
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                    // Every grouping gives each read the fused portable result, bit for bit.
                    let read = |k: usize| (&w[..], &b[..], 0.25 + 0.125 * k as f32);
                    let plain: Vec<[f32; 2]> = (0..4)
                        .map(|k| lerp_dot_fused(read(k).0, read(k).1, read(k).2, [&planes[0][..], &planes[1]]))
                        .collect();
                    let bits = |v: &[[f32; 2]]| v.iter().flatten().map(|v| v.to_bits()).collect::<Vec<_>>();
                    let xs = [[&planes[0][..], &planes[1][..]]; 4];
                    // SAFETY: the CPU has AVX2 and FMA.
                    let (four, one, mono) = unsafe {
                        (
                            avx2::lerp_dots::<4, 2>(std::array::from_fn(read), xs),
                            avx2::lerp_dots::<1, 2>([read(2)], [xs[0]]),
                            avx2::lerp_dots::<4, 1>(std::array::from_fn(read), [[&planes[1][..]]; 4]),
                        )
                    };
                    assert_eq!(bits(&four), bits(&plain), "{n}");
                    assert_eq!(bits(&one), bits(&plain[2..3]), "{n}");
                    let right: Vec<u32> = plain.iter().map(|p| p[1].to_bits()).collect();
                    assert_eq!(mono.iter().map(|m| m[0].to_bits()).collect::<Vec<_>>(), right, "{n}");
                }
            }
        }
    }
}
