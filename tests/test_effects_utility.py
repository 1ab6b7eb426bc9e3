"""Gain in dB, DC blocker, mid/side, stereo width and the meter tap, against their formulas."""

import numpy as np
import pytest
from scipy.signal import freqz
from test_filters import impulse_response

import chronus as cx
from conftest import SR


def test_gain_in_db_and_its_glide():
    g = cx.Graph()
    amp = g.gain(g.const([1.0, 2.0]), gain=[-6.0, 12.0])
    g.output(amp)
    g.set(amp.gain, 0.0, at=0.01, ramp=0.01)
    out = cx.render(g, 0.03, SR)
    np.testing.assert_allclose(out[:, 0], [10 ** (-6 / 20), 2 * 10 ** (12 / 20)], rtol=1e-6)
    np.testing.assert_allclose(out[:, -1], [1.0, 2.0], rtol=1e-6)
    # Half way through the ramp: half way in dB.
    np.testing.assert_allclose(out[:, 480 + 239], [10 ** (-3 / 20), 2 * 10 ** (6 / 20)], rtol=1e-4)


@pytest.mark.parametrize("cutoff", [5.0, 20.0, 100.0])
def test_dc_blocker_matches_its_difference_equation(cutoff):
    h = impulse_response(lambda g, x: g.dcblock(x, cutoff=cutoff), frames=1 << 18)
    freqs = np.geomspace(1, 20_000, 300)
    _, H = freqz(h, worN=freqs, fs=SR)
    r = np.exp(-2 * np.pi * cutoff / SR)
    _, ref = freqz([1, -1], [1, -r], worN=freqs, fs=SR)
    np.testing.assert_allclose(20 * np.log10(np.abs(H)), 20 * np.log10(np.abs(ref)), atol=0.01)
    assert 20 * np.log10(np.abs(freqz(h, worN=[cutoff], fs=SR)[1][0])) == pytest.approx(-3.0, abs=0.1)
    # A constant goes away.
    g = cx.Graph()
    g.output(g.dcblock(g.const(0.5), cutoff=cutoff))
    assert abs(cx.render(g, 2.0, SR)[0, -1]) < 1e-3


def test_mid_side_encode_decode_round_trip():
    g = cx.Graph()
    lr = g.noise(channels=2, seed=9)
    ms = g.midside(lr)
    g.output(g.midside(ms, mode="decode"))
    back = cx.render(g, 0.1, SR)
    g2 = cx.Graph()
    g2.output(g2.noise(channels=2, seed=9))
    ref = cx.render(g2, 0.1, SR)
    np.testing.assert_allclose(back, ref, atol=1e-6)
    g3 = cx.Graph()
    g3.output(g3.midside(g3.noise(channels=2, seed=9)))
    mid, side = cx.render(g3, 0.1, SR)
    np.testing.assert_allclose(mid, (ref[0] + ref[1]) / 2, atol=1e-7)
    np.testing.assert_allclose(side, (ref[0] - ref[1]) / 2, atol=1e-7)
    # Mono encodes as mid only.
    g4 = cx.Graph()
    g4.output(g4.midside(g4.const(0.25)))
    np.testing.assert_array_equal(cx.render(g4, 0.01, SR)[:, -1], [0.25, 0.0])


@pytest.mark.parametrize("width", [0.0, 0.5, 1.0, 2.0])
def test_width_scales_the_side_signal(width):
    g = cx.Graph()
    g.output(g.width(g.const([0.8, 0.2]), width=width))
    left, right = cx.render(g, 0.01, SR)[:, -1]
    assert (left + right) / 2 == pytest.approx(0.5)
    assert (left - right) / 2 == pytest.approx(0.3 * width)


def test_meter_passes_audio_and_reads_peak_and_rms():
    g = cx.Graph()
    sig = g.sine([1000.0, 1000.0]) * [0.5, 0.1]
    m = g.meter(sig, window=0.05, release=0.2)
    g.output(m)
    audio = cx.render(g, 1.0, SR)
    g2 = cx.Graph()
    g2.output(g2.sine([1000.0, 1000.0]) * [0.5, 0.1])
    np.testing.assert_array_equal(audio, cx.render(g2, 1.0, SR))
    for port, expected in [("peak", [0.5, 0.1]), ("rms", [0.5 / np.sqrt(2), 0.1 / np.sqrt(2)])]:
        g3 = cx.Graph()
        m3 = g3.meter(g3.sine([1000.0, 1000.0]) * [0.5, 0.1], window=0.05, release=0.2)
        g3.output(m3.out(port))
        reading = cx.render(g3, 1.0, SR)[:, -SR // 10 :]
        np.testing.assert_allclose(reading.mean(axis=1), expected, rtol=0.01)
        np.testing.assert_allclose(reading.max(axis=1), expected, rtol=0.02)


def test_meter_peak_falls_with_its_release_time_constant():
    g = cx.Graph()
    level = g.const(1.0)
    g.set(level.value, 0.0, at=0.1, ramp=0)
    m = g.meter(level, release=0.05)
    g.output(m.out("peak"))
    peak = cx.render(g, 0.3, SR)[0]
    drop = int(0.1 * SR)
    assert peak[drop - 1] == 1.0
    assert peak[drop + int(0.05 * SR) - 1] == pytest.approx(np.exp(-1), rel=1e-3)


def test_bad_effect_settings_name_the_node():
    g = cx.Graph()
    g.output(g.distortion(g.sine(), oversample=3, name="fuzz"))
    with pytest.raises(cx.GraphError, match=r"fuzz: option 'oversample' = 3 must be 1, 2, 4 or 8"):
        cx.render(g, 0.01, SR)
    g = cx.Graph()
    g.output(g.reverb(g.noise(channels=3), name="hall"))
    with pytest.raises(
        cx.GraphError, match=r"hall: input 'in' carries 3 channels; this effect takes mono or stereo"
    ):
        cx.render(g, 0.01, SR)
    with pytest.raises(cx.GraphError, match=r"parameter 'ratio' = 0.5 is outside \[1, 1000\]"):
        g.compressor(ratio=0.5)
    with pytest.raises(cx.GraphError, match="option 'detector' = 'loud' is not one of peak, rms"):
        g.compressor(detector="loud")
