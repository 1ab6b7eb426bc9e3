"""Filters: measured responses against the RBJ cookbook and the analog state-variable prototype."""

import numpy as np
import pytest
from scipy.signal import bilinear, freqz

import chronus as cx
from conftest import SR

FREQS = np.geomspace(20, 20_000, 400)


def impulse_response(build, frames=1 << 16):
    """Renders the impulse response of ``build(g, impulse)``."""
    g = cx.Graph()
    src = g.const(0.0)
    g.set(src.value, 1.0, frame=0, ramp=0)
    g.set(src.value, 0.0, frame=1, ramp=0)
    g.output(build(g, src))
    return cx.render(g, frames / SR, SR)[0]


def response_db(h, freqs=FREQS):
    _, H = freqz(h, worN=freqs, fs=SR)
    return 20 * np.log10(np.abs(H))


def rbj(mode, f0, q, gain_db):
    """RBJ cookbook coefficients, written independently of the engine."""
    A = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / SR
    cs, sn = np.cos(w0), np.sin(w0)
    al = sn / (2 * q)
    sq = 2 * np.sqrt(A) * al
    table = {
        "lowpass": ([(1 - cs) / 2, 1 - cs, (1 - cs) / 2], [1 + al, -2 * cs, 1 - al]),
        "highpass": ([(1 + cs) / 2, -(1 + cs), (1 + cs) / 2], [1 + al, -2 * cs, 1 - al]),
        "bandpass": ([al, 0, -al], [1 + al, -2 * cs, 1 - al]),
        "notch": ([1, -2 * cs, 1], [1 + al, -2 * cs, 1 - al]),
        "allpass": ([1 - al, -2 * cs, 1 + al], [1 + al, -2 * cs, 1 - al]),
        "peak": ([1 + al * A, -2 * cs, 1 - al * A], [1 + al / A, -2 * cs, 1 - al / A]),
        "lowshelf": (
            [
                A * ((A + 1) - (A - 1) * cs + sq),
                2 * A * ((A - 1) - (A + 1) * cs),
                A * ((A + 1) - (A - 1) * cs - sq),
            ],
            [(A + 1) + (A - 1) * cs + sq, -2 * ((A - 1) + (A + 1) * cs), (A + 1) + (A - 1) * cs - sq],
        ),
        "highshelf": (
            [
                A * ((A + 1) + (A - 1) * cs + sq),
                -2 * A * ((A - 1) + (A + 1) * cs),
                A * ((A + 1) + (A - 1) * cs - sq),
            ],
            [(A + 1) - (A - 1) * cs + sq, 2 * ((A - 1) - (A + 1) * cs), (A + 1) - (A - 1) * cs - sq],
        ),
    }
    return table[mode]


MODES = ["lowpass", "highpass", "bandpass", "notch", "peak", "lowshelf", "highshelf", "allpass"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("f0", "q", "gain"), [(1000.0, 0.7071, 6.0), (120.0, 4.0, -9.0), (9000.0, 1.5, 12.0)]
)
def test_biquad_matches_the_rbj_cookbook(mode, f0, q, gain):
    h = impulse_response(lambda g, x: g.biquad(x, mode=mode, freq=f0, q=q, gain=gain))
    b, a = rbj(mode, f0, q, gain)
    _, H = freqz(b, a, worN=FREQS, fs=SR)
    ref = 20 * np.log10(np.abs(H))
    ours = response_db(h)
    audible = ref > -60
    assert np.max(np.abs(ours[audible] - ref[audible])) < 0.1


def svf_reference(mode, fc, q):
    """The analog state-variable filter, bilinear-transformed with the cutoff prewarped."""
    wc = 2 * SR * np.tan(np.pi * fc / SR)
    den = [1, wc / q, wc**2]
    num = {
        "lowpass": [0, 0, wc**2],
        "highpass": [1, 0, 0],
        "bandpass": [0, wc / q, 0],
        "notch": [1, 0, wc**2],
        "peak": [-1, 0, wc**2],
        "allpass": [1, -wc / q, wc**2],
    }[mode]
    return bilinear(num, den, fs=SR)


@pytest.mark.filterwarnings("ignore::scipy.signal.BadCoefficients")
@pytest.mark.parametrize("mode", ["lowpass", "highpass", "bandpass", "notch", "peak", "allpass"])
@pytest.mark.parametrize(("fc", "q"), [(1500.0, 2.0), (80.0, 0.7071), (12_000.0, 5.0)])
def test_svf_matches_the_analog_prototype(mode, fc, q):
    h = impulse_response(lambda g, x: g.svf(x, mode=mode, cutoff=fc, q=q))
    b, a = svf_reference(mode, fc, q)
    _, H = freqz(b, a, worN=FREQS, fs=SR)
    ref = 20 * np.log10(np.abs(H))
    ours = response_db(h)
    audible = ref > -60
    assert np.max(np.abs(ours[audible] - ref[audible])) < 0.1


def test_svf_stays_stable_under_audio_rate_cutoff_modulation():
    g = cx.Graph()
    sweep = 7500 + 7450 * g.sine(3000.0)  # 50 Hz to 14.95 kHz, 3000 times a second
    y = g.svf(g.noise(seed=2), mode="lowpass", cutoff=sweep, q=20.0)
    g.output(y)
    out = cx.render(g, 2.0, SR)[0]
    assert np.all(np.isfinite(out))
    assert np.max(np.abs(out)) < 50


def test_biquad_and_svf_process_each_lane_independently():
    g = cx.Graph()
    noise = g.noise(channels=2, seed=5)
    g.output(g.biquad(noise, mode="lowpass", freq=[200.0, 8000.0]))
    out = cx.render(g, 2.0, SR)
    lo, hi = (np.mean(np.abs(np.diff(row))) for row in out)
    assert hi > 5 * lo
