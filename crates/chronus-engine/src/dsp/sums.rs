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
        }
    }
}
