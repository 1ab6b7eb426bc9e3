"""Reverbs: decay time (RT60) from Schroeder backward integration, damping, pre-delay, width, mix."""

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

import chronus as cx
from conftest import SR


def impulse_response(kind, seconds, **params):
    g = cx.Graph()
    click = g.const(0.0)
    g.set(click.value, 1.0, frame=0, ramp=0)
    g.set(click.value, 0.0, frame=1, ramp=0)
    g.output(getattr(g, kind)(click, mix=1.0, **params))
    return cx.render(g, seconds, SR)


def rt60(h):
    """RT60 in seconds of an impulse response (channels, frames): Schroeder's backward-integrated
    energy decay curve, a line fitted from -5 dB to -35 dB (T30), extrapolated to -60 dB."""
    energy = np.sum(np.atleast_2d(h).astype(np.float64) ** 2, axis=0)
    edc = np.cumsum(energy[::-1])[::-1]
    edc_db = 10 * np.log10(edc / edc[0])
    start, stop = int(np.argmax(edc_db <= -5)), int(np.argmax(edc_db <= -35))
    t = np.arange(start, stop) / SR
    slope, _ = np.polyfit(t, edc_db[start:stop], 1)
    return -60 / slope


@pytest.mark.parametrize("kind", ["reverb", "freeverb"])
@pytest.mark.parametrize("decay", [0.5, 1.0, 3.0])
def test_measured_rt60_matches_the_decay_setting(kind, decay):
    h = impulse_response(kind, 2 * decay + 1.0, decay=decay, damping=0.0)
    assert rt60(h) == pytest.approx(decay, rel=0.15)


@pytest.mark.parametrize("decay", [0.5, 1.0, 3.0])
def test_a_modulated_network_keeps_its_decay_time(decay):
    h = impulse_response("reverb", 2 * decay + 1.0, decay=decay, damping=0.0, modulation=1.0)
    assert rt60(h) == pytest.approx(decay, rel=0.15)


def test_modulation_keeps_the_resonances_of_a_long_tail_moving():
    # Without modulation the tail rings on the same resonances throughout: the spectra
    # of two later half-seconds match closely. Moving taps shift them, so they differ.
    def spectral_correlation(modulation):
        x = impulse_response("reverb", 3.0, decay=3.0, damping=0.0, modulation=modulation)[0]
        f = np.fft.rfftfreq(SR // 2, 1 / SR)
        keep = (f > 200) & (f < 4000)

        def log_spectrum(start):
            seg = x[int(start * SR) : int(start * SR) + SR // 2] * np.hanning(SR // 2)
            return np.log(np.abs(np.fft.rfft(seg))[keep] + 1e-12)

        return np.corrcoef(log_spectrum(1.0), log_spectrum(2.0))[0, 1]

    still, moving = spectral_correlation(0.0), spectral_correlation(0.5)
    assert still > 0.6
    assert moving < 0.5 * still


def band(h, low, high):
    sos = butter(4, [low, high], btype="bandpass", fs=SR, output="sos")
    return sosfilt(sos, h, axis=-1)


@pytest.mark.parametrize("kind", ["reverb", "freeverb"])
def test_damping_shortens_the_high_frequency_decay_only(kind):
    h = impulse_response(kind, 5.0, decay=2.0, damping=0.8)
    low, high = rt60(band(h, 150, 400)), rt60(band(h, 6000, 12000))
    assert low == pytest.approx(2.0, rel=0.15)
    assert high < 0.6 * low


@pytest.mark.parametrize("kind", ["reverb", "freeverb"])
def test_predelay_width_and_mix(kind):
    def onset(h):
        return int(np.argmax(np.max(np.abs(h), axis=0) > 1e-9))

    late = impulse_response(kind, 1.0, decay=1.0, predelay=0.1)
    early = impulse_response(kind, 1.0, decay=1.0)
    assert onset(late) - onset(early) == round(0.1 * SR)
    np.testing.assert_allclose(late[:, 4800:], early[:, :-4800], atol=1e-6)
    # Full width: two decorrelated channels; zero width: identical channels.
    wide = impulse_response(kind, 1.0, decay=1.0)
    assert abs(np.corrcoef(wide[0], wide[1])[0, 1]) < 0.3
    narrow = impulse_response(kind, 1.0, decay=1.0, width=0.0)
    np.testing.assert_allclose(narrow[0], narrow[1], atol=1e-7)
    # Mix 0 is the dry signal, unchanged, on both channels.
    g = cx.Graph()
    dry = g.sine(440.0)
    g.output(getattr(g, kind)(dry, mix=0.0))
    g2 = cx.Graph()
    g2.output(g2.sine(440.0))
    out, ref = cx.render(g, 0.2, SR), cx.render(g2, 0.2, SR)[0]
    np.testing.assert_array_equal(out[0], ref)
    np.testing.assert_array_equal(out[1], ref)


def test_reverb_takes_stereo_input_and_keeps_its_side():
    # A source hard left leaves more reverberant energy on the left early on.
    g = cx.Graph()
    click = g.const([0.0, 0.0])
    g.set(click.value, 1.0, frame=0, ramp=0, lane=0)
    g.set(click.value, 0.0, frame=1, ramp=0, lane=0)
    g.output(g.reverb(click, decay=1.0, mix=1.0))
    h = cx.render(g, 0.5, SR)
    early = slice(0, int(0.05 * SR))
    assert np.sum(h[0, early] ** 2) > 2 * np.sum(h[1, early] ** 2)


def test_size_scales_the_echo_density_not_the_decay():
    small = impulse_response("reverb", 2.5, decay=1.0, damping=0.0, size=0.5)
    large = impulse_response("reverb", 2.5, decay=1.0, damping=0.0, size=2.0)
    assert rt60(small) == pytest.approx(1.0, rel=0.15)
    assert rt60(large) == pytest.approx(1.0, rel=0.15)
    # The first arrival through the network comes later in a larger room.
    first = [int(np.argmax(np.max(np.abs(h), axis=0) > 1e-3)) for h in (small, large)]
    assert first[1] > first[0]
