"""Chorus, flanger and phaser: measured delay sweeps and notch positions against their parameters."""

import numpy as np
import pytest
from scipy.signal import freqz, hilbert
from test_filters import impulse_response

import chronus as cx
from conftest import SR

PROBE = 40.0  # Hz: slow enough that a 10 ms delay is under half a cycle


def measured_delay(kind, channels=1, **params):
    """Delay in seconds of the wet path, frame by frame over 2 s, read from the phase of a sine
    probe. The 2 s analysed hold whole cycles of the probe and of the sweep (rates of 0.5 Hz
    multiples), so the output is periodic there and its analytic signal exact."""
    g = cx.Graph()
    probe = g.sine([PROBE] * channels)
    g.output(getattr(g, kind)(probe, mix=1.0, feedback=0.0, **params))
    start = SR // 2  # after the line has filled
    out = cx.render(g, 2.5, SR)[:, start : start + 2 * SR]
    t = np.arange(start, start + 2 * SR) / SR
    reference = -1j * np.exp(2j * np.pi * PROBE * t)  # the analytic signal of sin(2 pi f t)
    phase = np.angle(hilbert(out, axis=-1) * np.conj(reference))
    return t, -phase / (2 * np.pi * PROBE)


@pytest.mark.parametrize(
    ("rate", "depth", "delay"), [(2.0, 0.003, 0.007), (0.5, 0.001, 0.01), (5.0, 0.004, 0.005)]
)
def test_chorus_sweeps_its_delay_over_the_set_range(rate, depth, delay):
    t, d = measured_delay("chorus", 2, rate=rate, depth=depth, delay=delay, spread=0.25)
    for lane, offset in enumerate([0.0, 0.25]):
        expected = delay + depth * np.sin(2 * np.pi * (rate * t + offset))
        assert np.max(np.abs(d[lane] - expected)) < 2e-5, f"lane {lane}"
    assert np.max(d[0]) == pytest.approx(delay + depth, abs=2e-5)
    assert np.min(d[0]) == pytest.approx(delay - depth, abs=2e-5)


def test_through_zero_flanger_sweeps_around_its_delayed_dry_path():
    g = cx.Graph()
    fl = g.flanger(through_zero=True)
    g.output(fl)
    lag = g.info(SR)["latency"][fl.id]
    assert lag == round(0.01 * SR)
    t, d = measured_delay("flanger", rate=1.0, depth=0.002, delay=0.0, through_zero=True)
    # Relative to the dry path the wet tap goes from 2 ms behind to 2 ms ahead: through zero.
    np.testing.assert_allclose(d[0] - lag / SR, 0.002 * np.sin(2 * np.pi * t), atol=2e-5)
    # The dry path alone is the input delayed by exactly the reported latency.
    g = cx.Graph()
    g.output(g.flanger(g.sine(PROBE), mix=0.0, through_zero=True))
    g2 = cx.Graph()
    g2.output(g2.sine(PROBE))
    dry, ref = cx.render(g, 0.1, SR)[0], cx.render(g2, 0.1, SR)[0]
    np.testing.assert_array_equal(dry[lag:], ref[:-lag])


def comb_reference_db(freqs, delay_frames, feedback, mix):
    """out = (1 - mix) x + mix w, w = z^-D (x + feedback w)."""
    z = np.exp(-2j * np.pi * freqs / SR * delay_frames)
    return 20 * np.log10(np.abs((1 - mix) + mix * z / (1 - feedback * z)))


def local_minima(freqs, db, depth=-40.0):
    """Frequencies of the local minima of ``db`` deeper than ``depth`` dB (the notches)."""
    i = np.flatnonzero((db[1:-1] < db[:-2]) & (db[1:-1] < db[2:]) & (db[1:-1] < depth)) + 1
    return freqs[i]


def test_flanger_notches_sit_at_odd_multiples_of_half_the_delay_frequency():
    freqs = np.linspace(20, 6000, 12_000)
    h = impulse_response(lambda g, x: g.flanger(x, rate=0.0, delay=96 / SR, feedback=0.0, mix=0.5))
    _, H = freqz(h, worN=freqs, fs=SR)
    notches = local_minima(freqs, 20 * np.log10(np.abs(H) + 1e-12))
    expected = (2 * np.arange(len(notches)) + 1) * SR / (2 * 96)
    assert len(notches) == 12
    np.testing.assert_allclose(notches, expected, atol=1.0)


@pytest.mark.parametrize("feedback", [0.6, -0.4])
def test_flanger_response_with_feedback_matches_the_comb_formula(feedback):
    freqs = np.linspace(20, 20_000, 2000)
    h = impulse_response(lambda g, x: g.flanger(x, rate=0.0, delay=120 / SR, feedback=feedback, mix=0.7))
    _, H = freqz(h, worN=freqs, fs=SR)
    ref = comb_reference_db(freqs, 120, feedback, 0.7)
    ours = 20 * np.log10(np.abs(H))
    audible = ref > -40
    assert np.max(np.abs(ours[audible] - ref[audible])) < 0.1


def phaser_reference(freqs, fc, stages, feedback, mix):
    """Response of the phaser: first-order all-passes A(z) = (a + z^-1)/(1 + a z^-1) in series,
    fed back one frame late: y = A x / (1 - feedback z^-1 A), out = (1 - mix) x + mix y."""
    t = np.tan(np.pi * fc / SR)
    a = (t - 1) / (t + 1)
    z1 = np.exp(-2j * np.pi * freqs / SR)
    A = ((a + z1) / (1 + a * z1)) ** stages
    return (1 - mix) + mix * A / (1 - feedback * z1 * A)


@pytest.mark.parametrize(("freq", "stages"), [(1000.0, 4), (400.0, 8), (3000.0, 2)])
def test_phaser_notches_sit_where_the_all_passes_turn_odd_multiples_of_180_degrees(freq, stages):
    h = impulse_response(lambda g, x: g.phaser(x, rate=0.0, freq=freq, stages=stages, mix=0.5))
    H = np.fft.rfft(h, 1 << 20)  # 0.05 Hz bins
    notches = local_minima(np.fft.rfftfreq(1 << 20, 1 / SR), 20 * np.log10(np.abs(H) + 1e-12))
    # Each stage turns -2 atan(tan(pi f / sr) / tan(pi fc / sr)): a notch where the chain is at -(2k+1) pi.
    k = np.arange(stages // 2)
    expected = SR / np.pi * np.arctan(np.tan(np.pi * freq / SR) * np.tan((2 * k + 1) * np.pi / (2 * stages)))
    assert len(notches) == len(expected)
    np.testing.assert_allclose(notches, expected, rtol=2e-3)


@pytest.mark.parametrize("feedback", [0.5, -0.7])
def test_phaser_response_with_feedback_matches_its_formula(feedback):
    freqs = np.geomspace(20, 20_000, 500)
    h = impulse_response(lambda g, x: g.phaser(x, rate=0.0, freq=800.0, stages=6, feedback=feedback, mix=0.5))
    _, H = freqz(h, worN=freqs, fs=SR)
    ref = 20 * np.log10(np.abs(phaser_reference(freqs, 800.0, 6, feedback, 0.5)))
    ours = 20 * np.log10(np.abs(H))
    audible = ref > -40
    assert np.max(np.abs(ours[audible] - ref[audible])) < 0.1


def test_phaser_sweep_moves_the_notch_by_its_depth():
    # A probe at the first notch for fc = 2 kHz (the top of a 1-octave sweep around 1 kHz)
    # vanishes when the LFO peaks (t = 0.5 s at 0.5 Hz) and passes when it bottoms (t = 1.5 s).
    stages = 4
    top = 2000.0
    probe = SR / np.pi * np.arctan(np.tan(np.pi * top / SR) * np.tan(np.pi / (2 * stages)))
    g = cx.Graph()
    g.output(g.phaser(g.sine(probe), rate=0.5, freq=1000.0, depth=1.0, stages=stages, mix=0.5))
    out = cx.render(g, 2.0, SR)[0]
    envelope = np.abs(hilbert(out))
    middle = slice(SR // 10, -SR // 10)
    quietest = (int(np.argmin(envelope[middle])) + SR // 10) / SR
    assert quietest == pytest.approx(0.5, abs=0.01)
    assert 20 * np.log10(np.min(envelope[middle]) / np.max(envelope[middle])) < -30
