"""Waveshapers, oversampling (aliasing of a 5 kHz sine at 48 kHz) and the bit crusher."""

import itertools

import numpy as np
import pytest

import chronus as cx
from conftest import SR, spectrum


def aliasing_db(x, f0):
    """Energy below 20 kHz that is not a harmonic of ``f0``, relative to the total, in dB."""
    freqs, power = spectrum(x)
    harmonic = np.zeros_like(freqs, dtype=bool)
    for k in range(1, int(SR / 2 / f0) + 1):
        harmonic |= np.abs(freqs - k * f0) <= 8.0
    harmonic |= freqs < 5.0
    audible = freqs < 20_000
    return float(10 * np.log10(power[audible & ~harmonic].sum() / power.sum()))


def shaped(shape, oversample, freq=5000.0, drive=12.0, seconds=1.0):
    g = cx.Graph()
    g.output(g.distortion(g.sine(freq), drive=drive, shape=shape, oversample=oversample))
    return cx.render(g, seconds, SR)[0, SR // 10 :]


@pytest.mark.parametrize("shape", ["tanh", "soft", "hard", "fold"])
def test_oversampling_lowers_the_aliasing_of_a_5khz_sine(shape):
    aliasing = [aliasing_db(shaped(shape, factor), 5000.0) for factor in (1, 2, 4, 8)]
    assert aliasing[0] > -30  # without oversampling the folded harmonics are plain to see
    for lower, higher in itertools.pairwise(aliasing):
        assert higher < lower - 6, aliasing


def test_oversampled_tanh_is_practically_alias_free():
    assert aliasing_db(shaped("tanh", 1), 5000.0) > -30
    assert aliasing_db(shaped("tanh", 4), 5000.0) < -100


CURVES = {
    "tanh": np.tanh,
    "soft": lambda x: np.where(np.abs(x) >= 1, np.sign(x), 1.5 * x - 0.5 * x**3),
    "hard": lambda x: np.clip(x, -1, 1),
    "fold": lambda x: np.abs(np.mod(x - 1, 4) - 2) - 1,
}


@pytest.mark.parametrize("shape", list(CURVES))
def test_curves_match_their_formulas(shape):
    g = cx.Graph()
    ramp = g.const(-3.0)
    g.set(ramp.value, 3.0, frame=0, ramp=999 / SR)
    drive = 6.0
    g.output(g.distortion(ramp, drive=drive, shape=shape))
    out = cx.render(g, 1000 / SR, SR, smoothing=0.0)[0]
    x = np.minimum(-3.0 + 6.0 * np.arange(1, 1001) / 999, 3.0)  # a ramp's first frame takes a step
    np.testing.assert_allclose(out, CURVES[shape](x * 10 ** (drive / 20)), atol=2e-6)


@pytest.mark.parametrize("factor", [2, 4, 8])
def test_oversampling_latency_is_reported_and_the_dry_path_is_aligned(factor):
    g = cx.Graph()
    click = g.const(0.0)
    g.set(click.value, 0.01, frame=100, ramp=0)  # small: tanh is linear there
    g.set(click.value, 0.0, frame=101, ramp=0)
    dist = g.distortion(click, drive=0.0, oversample=factor)
    g.output(dist)
    latency = g.info(SR)["latency"][dist.id]
    assert latency > 0
    out = cx.render(g, 0.05, SR)[0]
    assert int(np.argmax(np.abs(out))) == 100 + latency
    # Linear phase: the click comes out symmetric about its centre.
    centre = 100 + latency
    np.testing.assert_allclose(out[centre - 30 : centre], out[centre + 30 : centre : -1], atol=1e-9)
    # mix = 0 is the input delayed by exactly that latency.
    g = cx.Graph()
    sine = g.sine(1000.0)
    g.output(g.distortion(sine, drive=20.0, mix=0.0, oversample=factor))
    g2 = cx.Graph()
    g2.output(g2.sine(1000.0))
    dry, ref = cx.render(g, 0.1, SR)[0], cx.render(g2, 0.1, SR)[0]
    np.testing.assert_array_equal(dry[latency:], ref[:-latency])


def test_gentle_oversampled_drive_matches_the_curve_in_band():
    # At low drive all harmonics stay far below 20 kHz, so the oversampled output is the curve
    # itself, only delayed.
    g = cx.Graph()
    dist = g.distortion(g.sine(200.0) * 0.5, drive=0.0, oversample=4)
    g.output(dist)
    latency = g.info(SR)["latency"][dist.id]
    out = cx.render(g, 0.5, SR)[0]
    t = (np.arange(len(out)) - latency) / SR
    expected = np.tanh(0.5 * np.sin(2 * np.pi * 200.0 * t))
    np.testing.assert_allclose(out[2000:], expected[2000:], atol=2e-4)


def test_bitcrusher_quantizes_to_its_grid_and_holds_at_its_rate():
    g = cx.Graph()
    ramp = g.const(-1.0)
    g.set(ramp.value, 1.0, frame=0, ramp=4799 / SR)
    g.output(g.bitcrusher(ramp, bits=3.0, rate=SR / 8))
    out = cx.render(g, 4800 / SR, SR, smoothing=0.0)[0]
    # 3 bits: a step of 2^(1 - 3) = 0.25, so nine levels from -1 to 1.
    np.testing.assert_allclose(out / 0.25, np.round(out / 0.25), atol=1e-6)
    assert len(np.unique(out)) == 9
    # A new value every 8 frames, never in between.
    changes = np.flatnonzero(np.diff(out)) + 1
    assert np.all(changes % 8 == 0)
    # What is held is the input at the hold frame, rounded.
    x = -1.0 + 2.0 * np.arange(1, 4801) / 4799
    np.testing.assert_allclose(out[::8], np.round(np.minimum(x[::8], 1.0) * 4) / 4, atol=1e-6)


def test_bitcrusher_with_fractional_bits_and_mix():
    g = cx.Graph()
    c = g.const(0.3)
    g.output(g.bitcrusher(c, bits=2.5, mix=0.5))
    out = cx.render(g, 0.01, SR)[0, -1]
    step = 2 ** (1 - 2.5)
    assert out == pytest.approx(0.5 * 0.3 + 0.5 * round(0.3 / step) * step, rel=1e-6)
