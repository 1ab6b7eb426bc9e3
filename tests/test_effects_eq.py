"""Parametric EQ: every band's measured response against its design formula."""

import numpy as np
import pytest
from scipy.signal import butter, freqz, sosfreqz
from test_filters import FREQS, impulse_response, rbj

import chronus as cx
from conftest import SR


def db_response(b, a):
    _, H = freqz(b, a, worN=FREQS, fs=SR)
    return 20 * np.log10(np.abs(H))


def butterworth_db(kind, freq, slope):
    sos = butter(slope // 6, freq, btype="highpass" if kind == "lowcut" else "lowpass", fs=SR, output="sos")
    _, H = sosfreqz(sos, worN=FREQS, fs=SR)
    return 20 * np.log10(np.maximum(np.abs(H), 1e-30))


def reference_db(band):
    """The design formula of one band: RBJ cookbook sections, or scipy's digital Butterworth."""
    kind, freq, *rest = band
    if kind in ("lowcut", "highcut"):
        return butterworth_db(kind, freq, rest[0] if rest else 12)
    gain = rest[0]
    q = rest[1] if len(rest) > 1 else (1.0 if kind == "peak" else np.sqrt(0.5))
    return db_response(*rbj(kind, freq, q, gain))


def measured_db(bands, freqs=FREQS):
    h = impulse_response(lambda g, x: g.eq(x, bands=bands), frames=1 << 17)
    _, H = freqz(h, worN=freqs, fs=SR)
    return 20 * np.log10(np.maximum(np.abs(H), 1e-30))


BANDS = [
    ("peak", 1000.0, 6.0, 1.0),
    ("peak", 120.0, -9.0, 4.0),
    ("peak", 9000.0, 3.0, 0.5),
    ("lowshelf", 200.0, 6.0),
    ("lowshelf", 80.0, -12.0, 1.2),
    ("highshelf", 6000.0, -4.0),
    ("highshelf", 10_000.0, 9.0, 0.5),
    ("lowcut", 80.0, 12),
    ("lowcut", 80.0, 24),
    ("lowcut", 300.0, 48),
    ("highcut", 5000.0, 12),
    ("highcut", 8000.0, 24),
    ("highcut", 2000.0, 48),
]


@pytest.mark.parametrize("band", BANDS, ids=lambda b: "-".join(str(v) for v in b))
def test_each_band_matches_its_design_formula(band):
    ref, ours = reference_db(band), measured_db([band])
    audible = ref > -60
    assert np.max(np.abs(ours[audible] - ref[audible])) < 0.1


@pytest.mark.parametrize("slope", [12, 24, 48])
def test_cut_slopes_are_12_24_48_db_per_octave(slope):
    corner, octave_below, two_below = measured_db([("lowcut", 1000.0, slope)], [1000.0, 500.0, 250.0])
    assert corner == pytest.approx(-3.01, abs=0.01)
    assert octave_below - two_below == pytest.approx(slope, abs=0.5)


def test_bands_in_series_multiply():
    bands = [("lowcut", 80, 24), ("peak", 1000, 3.0, 1.2), ("highshelf", 8000, -4.0), ("highcut", 16_000, 12)]
    ref = sum(reference_db(b) for b in bands)
    ours = measured_db(bands)
    audible = ref > -60
    assert np.max(np.abs(ours[audible] - ref[audible])) < 0.1


def sine_gain_db(g, freq, start, stop):
    out = cx.render(g, stop / SR, SR)[0, start:stop]
    t = np.arange(start, stop) / SR
    amp = 2 * np.abs(np.mean(out * np.exp(-2j * np.pi * freq * t)))
    return 20 * np.log10(amp)


def test_band_parameters_can_change_and_be_modulated():
    g = cx.Graph()
    eq = g.eq(g.sine(1000.0), bands=[("lowcut", 30, 12), ("peak", 1000.0, 6.0, 2.0)])
    g.output(eq)
    g.set(eq.gain2, -10.0, at=0.5)
    assert sine_gain_db(g, 1000.0, 12_000, 24_000) == pytest.approx(6.0, abs=0.05)
    assert sine_gain_db(g, 1000.0, 36_000, 48_000) == pytest.approx(-10.0, abs=0.05)
    # A signal drives the gain: a constant 3 dB from a const node.
    eq.gain2 = g.const(3.0)
    assert sine_gain_db(g, 1000.0, 12_000, 24_000) == pytest.approx(3.0, abs=0.05)


def test_per_channel_values():
    g = cx.Graph()
    g.output(g.eq(g.sine([1000.0, 1000.0]), bands=[("peak", 1000.0, [6.0, -6.0])]))
    out = cx.render(g, 0.5, SR)[:, -SR // 4 :]
    left, right = (20 * np.log10(np.max(np.abs(row))) for row in out)
    assert left == pytest.approx(6.0, abs=0.05)
    assert right == pytest.approx(-6.0, abs=0.05)


def test_bad_bands_are_named():
    g = cx.Graph()
    with pytest.raises(cx.GraphError, match="at most 8 bands"):
        g.eq(bands=[("peak", 1000.0, 1.0)] * 9)
    with pytest.raises(cx.GraphError, match="slope must be 12, 24 or 48"):
        g.eq(bands=[("lowcut", 100.0, 36)])
    with pytest.raises(cx.GraphError, match="unknown type 'bell'"):
        g.eq(bands=[("bell", 100.0, 3.0)])
    with pytest.raises(cx.GraphError, match=r"eq band 1: \('peak', freq, gain_db\[, q\]\) expected"):
        g.eq(bands=[("peak", 100.0)])
