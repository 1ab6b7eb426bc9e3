//! Spectral filterbanks (mel, chroma, log-frequency) stored sparsely: each filter keeps only
//! the run of bins where it is non-zero, so applying one is a short dot product.

/// A bank of filters over the bins of a spectrum.
pub struct FilterBank {
    /// For each filter: its first bin and the offset of its weights in `weights`.
    rows: Box<[(usize, usize, usize)]>,
    weights: Box<[f32]>,
    bins: usize,
}

impl FilterBank {
    /// A bank from dense rows (each `bins` long), keeping each row's non-zero span.
    pub fn from_dense(rows: &[Vec<f64>]) -> Self {
        let bins = rows.first().map_or(0, Vec::len);
        let mut spans = Vec::with_capacity(rows.len());
        let mut weights = Vec::new();
        for row in rows {
            assert_eq!(row.len(), bins, "filterbank rows differ in length");
            let first = row.iter().position(|w| *w != 0.0).unwrap_or(0);
            let last = row.iter().rposition(|w| *w != 0.0).map_or(first, |l| l + 1);
            spans.push((first, weights.len(), last - first));
            weights.extend(row[first..last].iter().map(|w| *w as f32));
        }
        FilterBank { rows: spans.into(), weights: weights.into(), bins }
    }

    /// Number of filters.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the bank has no filters.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of spectrum bins the bank reads.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// `out[i] = sum_k w[i][k] * spectrum[k]`.
    pub fn apply(&self, spectrum: &[f32], out: &mut [f32]) {
        debug_assert_eq!(spectrum.len(), self.bins);
        for (o, &(first, at, len)) in out.iter_mut().zip(self.rows.iter()) {
            let w = &self.weights[at..at + len];
            *o = w.iter().zip(&spectrum[first..first + len]).map(|(a, b)| a * b).sum();
        }
    }
}

/// Hz to mel on the Slaney scale (linear below 1 kHz, logarithmic above), as librosa's
/// default `hz_to_mel(htk=False)`.
pub fn hz_to_mel(hz: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if hz >= min_log_hz {
        min_log_mel + (hz / min_log_hz).ln() / logstep
    } else {
        hz / f_sp
    }
}

/// Inverse of [`hz_to_mel`].
pub fn mel_to_hz(mel: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        min_log_hz * (logstep * (mel - min_log_mel)).exp()
    } else {
        f_sp * mel
    }
}

/// Triangular mel filters with Slaney area normalisation (librosa's `filters.mel` with its
/// defaults): `bands` filters between `fmin` and `fmax` Hz over a `size`-point FFT.
pub fn mel(samplerate: f64, size: usize, bands: usize, fmin: f64, fmax: f64) -> FilterBank {
    let freqs = super::spectrum::bin_frequencies(size, samplerate);
    let (lo, hi) = (hz_to_mel(fmin), hz_to_mel(fmax));
    let edges: Vec<f64> = (0..bands + 2).map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (bands + 1) as f64)).collect();
    let rows: Vec<Vec<f64>> = (0..bands)
        .map(|i| {
            let (a, b, c) = (edges[i], edges[i + 1], edges[i + 2]);
            let norm = 2.0 / (c - a);
            freqs
                .iter()
                .map(|&f| {
                    let lower = (f - a) / (b - a);
                    let upper = (c - f) / (c - b);
                    lower.min(upper).max(0.0) * norm
                })
                .collect()
        })
        .collect();
    FilterBank::from_dense(&rows)
}

/// Chroma filters as librosa's `filters.chroma` (Ellis's chromagram): each FFT bin spreads
/// over the pitch classes as a Gaussian one bin-spacing wide, normalised over the classes
/// and weighted by a Gaussian over octaves centred on `ctroct = 5` (about 880 Hz) with
/// `octwidth = 2`; class 0 is C. `tuning` is the deviation from A440 in fractions of a class.
pub fn chroma(samplerate: f64, size: usize, classes: usize, tuning: f64) -> FilterBank {
    let n = classes as f64;
    let a440 = 440.0 * 2f64.powf(tuning / n);
    let octs = |f: f64| (f / (a440 / 16.0)).log2();
    // Pitch in classes for every bin of the full (two-sided) FFT; bin 0 is made up as 1.5
    // octaves below bin 1.
    let mut frq: Vec<f64> = (1..size).map(|k| n * octs(k as f64 * samplerate / size as f64)).collect();
    frq.insert(0, frq[0] - 1.5 * n);
    let mut width: Vec<f64> = frq.windows(2).map(|w| (w[1] - w[0]).max(1.0)).collect();
    width.push(1.0);
    let half = (n / 2.0).round();
    let mut rows = vec![vec![0.0; size]; classes];
    for k in 0..size {
        let mut norm = 0.0;
        for (c, row) in rows.iter_mut().enumerate() {
            let d = (frq[k] - c as f64 + half + 10.0 * n).rem_euclid(n) - half;
            let w = (-0.5 * (2.0 * d / width[k]).powi(2)).exp();
            row[k] = w;
            norm += w * w;
        }
        let norm = norm.sqrt();
        let octave = (-0.5 * ((frq[k] / n - 5.0) / 2.0).powi(2)).exp();
        for row in rows.iter_mut() {
            row[k] = if norm > 0.0 { row[k] / norm } else { row[k] } * octave;
        }
    }
    // Class 0 is C: rotate by 3 classes per 12 (from A).
    rows.rotate_left(3 * (classes / 12));
    for row in rows.iter_mut() {
        row.truncate(size / 2 + 1);
    }
    FilterBank::from_dense(&rows)
}

/// Orthonormal DCT-II matrix (`outputs` x `inputs`), as `scipy.fftpack.dct(norm="ortho")`.
pub fn dct2(inputs: usize, outputs: usize) -> Box<[f32]> {
    let n = inputs as f64;
    let mut m = Vec::with_capacity(inputs * outputs);
    for k in 0..outputs {
        let scale = if k == 0 { (1.0 / n).sqrt() } else { (2.0 / n).sqrt() };
        for i in 0..inputs {
            m.push((scale * (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2.0 * n)).cos()) as f32);
        }
    }
    m.into()
}

/// Triangular filters on a logarithmic frequency axis, `per_octave` bands per octave from
/// `fmin` to `fmax` Hz, each of peak height 1. Centres falling on the same FFT bin are
/// merged, so low octaves have fewer bands than high ones (as in SuperFlux).
pub fn logarithmic(samplerate: f64, size: usize, per_octave: f64, fmin: f64, fmax: f64) -> FilterBank {
    let bins = size / 2 + 1;
    let fmax = fmax.min(samplerate / 2.0);
    let mut centres: Vec<usize> = Vec::new();
    let mut f = fmin;
    while f <= fmax {
        let k = (f * size as f64 / samplerate).round() as usize;
        if k < bins && centres.last() != Some(&k) {
            centres.push(k);
        }
        f *= 2f64.powf(1.0 / per_octave);
    }
    let rows: Vec<Vec<f64>> = centres
        .windows(3)
        .map(|w| {
            let (a, b, c) = (w[0] as f64, w[1] as f64, w[2] as f64);
            (0..bins)
                .map(|k| {
                    let k = k as f64;
                    if k <= b {
                        ((k - a) / (b - a)).max(0.0)
                    } else {
                        ((c - k) / (c - b)).max(0.0)
                    }
                })
                .collect()
        })
        .collect();
    FilterBank::from_dense(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slaney_mel_scale_inverts_and_is_linear_below_1_khz() {
        for hz in [0.0, 200.0, 999.0, 1000.0, 4000.0, 16_000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9 * hz.max(1.0));
        }
        assert!((hz_to_mel(500.0) - 7.5).abs() < 1e-12 && (hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
    }

    #[test]
    fn sparse_application_equals_the_dense_product() {
        let fb = mel(22_050.0, 512, 20, 0.0, 11_025.0);
        let spectrum: Vec<f32> = (0..257).map(|k| ((k * 37) % 11) as f32).collect();
        let mut out = vec![0.0; 20];
        fb.apply(&spectrum, &mut out);
        let freqs = super::super::spectrum::bin_frequencies(512, 22_050.0);
        // Rebuild filter 5 densely by the formula and compare.
        let edges: Vec<f64> = (0..22).map(|i| mel_to_hz(hz_to_mel(11_025.0) * i as f64 / 21.0)).collect();
        let dense: f64 = freqs
            .iter()
            .zip(&spectrum)
            .map(|(&f, &s)| {
                let w = ((f - edges[5]) / (edges[6] - edges[5])).min((edges[7] - f) / (edges[7] - edges[6])).max(0.0);
                w * 2.0 / (edges[7] - edges[5]) * s as f64
            })
            .sum();
        assert!((out[5] as f64 - dense).abs() < 1e-5 * dense.abs().max(1.0), "{} vs {dense}", out[5]);
    }

    #[test]
    fn the_dct_is_orthonormal() {
        let n = 16;
        let m = dct2(n, n);
        for a in 0..n {
            for b in 0..n {
                let dot: f32 = (0..n).map(|i| m[a * n + i] * m[b * n + i]).sum();
                assert!((dot - if a == b { 1.0 } else { 0.0 }).abs() < 1e-5);
            }
        }
    }
}
