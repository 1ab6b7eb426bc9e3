"""Oscillators: pitch, band-limiting and waveform shape, measured against formulas."""

import numpy as np
import pytest
from scipy.signal import hilbert

import chronus as cx
from conftest import SR, harmonic_amplitudes, off_harmonic_db, spectrum


def render_one(build, seconds=1.0, **kw):
    g = cx.Graph()
    g.output(build(g))
    return cx.render(g, seconds, SR, **kw)[0]


def test_sine_peak_is_within_half_a_hertz_of_440():
    x = render_one(lambda g: g.sine(440.0), seconds=4.0)
    freqs, power = spectrum(x)
    k = int(np.argmax(power))
    # Parabolic interpolation of the log peak.
    a, b, c = np.log(power[k - 1 : k + 2])
    peak = freqs[k] + 0.5 * (a - c) / (a - 2 * b + c) * (freqs[1] - freqs[0])
    assert abs(peak - 440.0) < 0.5
    assert off_harmonic_db(x, 440.0) < -100  # distortion and noise far below the tone
    assert np.max(np.abs(x)) == pytest.approx(1.0, abs=1e-4)


def test_sine_matches_the_formula_sample_by_sample():
    x = render_one(lambda g: g.sine(1000.0, phase=0.25), seconds=0.1)
    t = np.arange(len(x)) / SR
    assert np.max(np.abs(x - np.sin(2 * np.pi * (1000.0 * t + 0.25)))) < 1e-5


NAIVE = {
    "saw": lambda ph: 2 * ph - 1,
    "square": lambda ph: np.where(ph < 0.5, 1.0, -1.0),
}


@pytest.mark.parametrize("shape", ["saw", "square"])
def test_aliasing_is_at_least_40_db_under_the_naive_waveform(shape):
    f0 = 1013.7  # aliases of a naive waveform fall between the harmonics
    x = render_one(lambda g: getattr(g, shape)(f0), seconds=2.0)[4800:]
    t = (np.arange(len(x)) + 4800) / SR
    naive = NAIVE[shape]((f0 * t) % 1.0)
    ours_db, naive_db = off_harmonic_db(x, f0), off_harmonic_db(naive, f0)
    assert naive_db > -25, naive_db  # the measurement does see aliasing
    assert ours_db < naive_db - 40, (ours_db, naive_db)


def test_saw_keeps_every_audible_harmonic_at_its_ideal_level():
    f0 = 440.0
    x = render_one(lambda g: g.saw(f0), seconds=1.0)
    count = int(19_000 / f0)
    amps = harmonic_amplitudes(x, f0, count)
    ideal = 2 / (np.pi * np.arange(1, count + 1))
    assert np.max(np.abs(20 * np.log10(amps / ideal))) < 0.1


def test_triangle_and_pulse_shapes():
    f0 = 220.0
    tri = render_one(lambda g: g.triangle(f0), seconds=0.5)
    amps = harmonic_amplitudes(tri, f0, 9)
    ideal = np.array([8 / (np.pi**2 * k**2) if k % 2 else 0 for k in range(1, 10)])
    assert np.max(np.abs(amps - ideal)) < 1e-3
    assert off_harmonic_db(tri, f0) < -90
    for width in (0.1, 0.25, 0.5, 0.8):
        pulse = render_one(lambda g, w=width: g.pulse(f0, width=w), seconds=1.0)
        # Mean over whole cycles is 2w - 1; harmonic k has amplitude 4 sin(pi k w) / (pi k).
        assert np.mean(pulse[: int(SR / f0) * 200]) == pytest.approx(2 * width - 1, abs=2e-3)
        amps = harmonic_amplitudes(pulse, f0, 5)
        ideal = np.abs(4 * np.sin(np.pi * np.arange(1, 6) * width) / (np.pi * np.arange(1, 6)))
        assert np.max(np.abs(amps - ideal)) < 2e-3, width


def test_frequency_modulation_and_per_lane_frequencies():
    g = cx.Graph()
    lanes = g.sine([100.0, 200.0, 300.0])
    g.output(lanes)
    x = cx.render(g, 1.0, SR)
    assert x.shape == (3, SR)
    for row, f in zip(x, (100.0, 200.0, 300.0), strict=True):
        freqs, power = spectrum(row)
        assert abs(freqs[np.argmax(power)] - f) < 1.0
    # Vibrato: a 5 Hz sine sweeping 440 +- 20 Hz gives instantaneous frequency in that range.
    y = render_one(lambda g: g.sine(440 + 20 * g.sine(5.0)), seconds=1.0)
    analytic = np.unwrap(np.angle(hilbert(y)))
    inst = np.diff(analytic) * SR / (2 * np.pi)
    inner = inst[2000:-2000]
    assert 415 < inner.min() < 425 and 455 < inner.max() < 465


def test_above_nyquist_is_silent_not_aliased():
    x = render_one(lambda g: g.saw(30_000.0), seconds=0.1)
    assert np.max(np.abs(x)) == 0.0


def test_white_noise_is_uniform_flat_and_seeded():
    x = render_one(lambda g: g.noise(seed=3), seconds=4.0)
    assert x.min() >= -1.0 and x.max() < 1.0
    assert np.mean(x) == pytest.approx(0.0, abs=0.01)
    assert np.var(x) == pytest.approx(1 / 3, rel=0.02)
    freqs, power = spectrum(x)
    bands = [power[(freqs > lo) & (freqs < lo * 2)].mean() for lo in (100, 1000, 10_000)]
    assert max(bands) / min(bands) < 1.2
    assert np.array_equal(x, render_one(lambda g: g.noise(seed=3), seconds=4.0))
    assert not np.array_equal(x, render_one(lambda g: g.noise(seed=4), seconds=4.0))


def test_pink_noise_falls_3_db_per_octave():
    from scipy.signal import welch

    x = render_one(lambda g: g.noise("pink", seed=1), seconds=30.0)
    freqs, psd = welch(x, SR, nperseg=1 << 15)
    band = (freqs >= 20) & (freqs <= 10_000)
    slope, intercept = np.polyfit(np.log2(freqs[band]), 10 * np.log10(psd[band]), 1)
    assert slope == pytest.approx(-3.01, abs=0.1)
    # Smooth over third-octaves, then compare with the fitted line.
    centres = 20 * 2 ** (np.arange(0, 9, 1 / 3))
    dev = []
    for c in centres:
        sel = (freqs >= c / 2 ** (1 / 6)) & (freqs < c * 2 ** (1 / 6))
        dev.append(10 * np.log10(psd[sel].mean()) - (slope * np.log2(c) + intercept))
    assert np.max(np.abs(dev)) < 0.75
    assert np.sqrt(np.mean(x**2)) == pytest.approx(0.25, rel=0.1)
