//! Windowed real FFT of one frame, with its magnitude, power and phase.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

/// Analysis window shapes (periodic, as `scipy.signal.get_window(..., fftbins=True)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Raised cosine: `0.5 - 0.5 cos(2 pi n / N)`.
    Hann,
    /// `0.54 - 0.46 cos(2 pi n / N)`.
    Hamming,
    /// `0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)`.
    Blackman,
    /// All ones.
    Rectangular,
}

impl Window {
    /// The window called `name` ("hann", "hamming", "blackman", "rectangular").
    pub fn named(name: &str) -> Option<Window> {
        Some(match name {
            "hann" => Window::Hann,
            "hamming" => Window::Hamming,
            "blackman" => Window::Blackman,
            "rectangular" => Window::Rectangular,
            _ => return None,
        })
    }

    /// The `size` window coefficients.
    pub fn coefficients(self, size: usize) -> Box<[f32]> {
        let n = size as f64;
        (0..size)
            .map(|i| {
                let x = std::f64::consts::TAU * i as f64 / n;
                (match self {
                    Window::Hann => 0.5 - 0.5 * x.cos(),
                    Window::Hamming => 0.54 - 0.46 * x.cos(),
                    Window::Blackman => 0.42 - 0.5 * x.cos() + 0.08 * (2.0 * x).cos(),
                    Window::Rectangular => 1.0,
                }) as f32
            })
            .collect()
    }
}

/// Centre frequency in Hz of each of the `size / 2 + 1` bins of a `size`-point FFT.
pub fn bin_frequencies(size: usize, samplerate: f64) -> Box<[f64]> {
    (0..size / 2 + 1).map(|k| k as f64 * samplerate / size as f64).collect()
}

/// The windowed FFT of `size`-sample frames (planned and allocated once).
pub struct Spectrum {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Box<[f32]>,
    input: Box<[f32]>,
    output: Box<[Complex<f32>]>,
    scratch: Box<[Complex<f32>]>,
}

impl Spectrum {
    /// An FFT of `size` points (even) with the given window.
    pub fn new(size: usize, window: Window) -> Self {
        assert!(size >= 2 && size.is_multiple_of(2), "FFT size {size} must be even");
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(size);
        Spectrum {
            window: window.coefficients(size),
            input: fft.make_input_vec().into(),
            output: fft.make_output_vec().into(),
            scratch: fft.make_scratch_vec().into(),
            fft,
        }
    }

    /// Number of bins (`size / 2 + 1`).
    pub fn bins(&self) -> usize {
        self.output.len()
    }

    /// FFT size.
    pub fn size(&self) -> usize {
        self.input.len()
    }

    /// The complex spectrum of `frame` (`size` samples) times the window.
    pub fn transform(&mut self, frame: &[f32]) -> &[Complex<f32>] {
        for ((i, x), w) in self.input.iter_mut().zip(frame).zip(self.window.iter()) {
            *i = x * w;
        }
        self.fft
            .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
            .expect("buffers are sized by the plan");
        &self.output
    }

    /// The power spectrum `|X|^2` of `frame` into `out` (`bins` long).
    pub fn power(&mut self, frame: &[f32], out: &mut [f32]) {
        for (o, c) in out.iter_mut().zip(self.transform(frame)) {
            *o = c.re * c.re + c.im * c.im;
        }
    }

    /// The magnitude spectrum `|X|` of `frame` into `out` (`bins` long).
    pub fn magnitude(&mut self, frame: &[f32], out: &mut [f32]) {
        for (o, c) in out.iter_mut().zip(self.transform(frame)) {
            *o = (c.re * c.re + c.im * c.im).sqrt();
        }
    }

    /// The phase spectrum `arg X` (radians, -pi..pi) of `frame` into `out` (`bins` long).
    pub fn phase(&mut self, frame: &[f32], out: &mut [f32]) {
        for (o, c) in out.iter_mut().zip(self.transform(frame)) {
            *o = c.im.atan2(c.re);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bin_centred_sine_peaks_in_its_bin_with_the_window_gain() {
        let (size, sr) = (1024, 48_000.0);
        let k = 37;
        let f = bin_frequencies(size, sr)[k];
        let frame: Vec<f32> = (0..size).map(|n| (std::f64::consts::TAU * f * n as f64 / sr).cos() as f32).collect();
        let mut s = Spectrum::new(size, Window::Hann);
        let mut mag = vec![0.0; s.bins()];
        s.magnitude(&frame, &mut mag);
        let peak = mag.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap();
        assert_eq!(peak.0, k);
        // A Hann window's coherent gain is 1/2: a unit cosine reads size / 4.
        assert!((peak.1 - size as f32 / 4.0).abs() < 1e-2, "{}", peak.1);
        // Its neighbours read half that; two bins away it is gone.
        assert!((mag[k + 1] - size as f32 / 8.0).abs() < 1e-2 && mag[k + 2] < 1e-2);
    }
}
