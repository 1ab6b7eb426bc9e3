"""Delay, pan, mixer, channel sums and signal arithmetic, against their formulas."""

import numpy as np
import pytest

import chronus as cx
from conftest import SR


def impulse(g, at=0):
    src = g.const(0.0)
    g.set(src.value, 1.0, frame=at, ramp=0)
    g.set(src.value, 0.0, frame=at + 1, ramp=0)
    return src


def test_delay_integer_fractional_and_feedback():
    g = cx.Graph()
    g.output(g.delay(impulse(g), time=480 / SR, feedback=0.5))
    out = cx.render(g, 0.1, SR)[0]
    hits = np.flatnonzero(np.abs(out) > 1e-6)
    assert list(hits[:4]) == [480, 960, 1440, 1920]
    np.testing.assert_allclose(out[[480, 960, 1440, 1920]], [1, 0.5, 0.25, 0.125], rtol=1e-6)

    g = cx.Graph()
    g.output(g.delay(impulse(g), time=480.5 / SR))
    out = cx.render(g, 0.02, SR)[0]
    # Half-way between two frames: the energy centre sits at 480.5.
    centre = np.sum(np.arange(len(out)) * out) / np.sum(out)
    assert centre == pytest.approx(480.5, abs=1e-3)


def test_delay_mix_blends_dry_and_wet():
    g = cx.Graph()
    g.output(g.delay(impulse(g, at=10), time=100 / SR, mix=0.25))
    out = cx.render(g, 0.01, SR)[0]
    assert out[10] == pytest.approx(0.75)
    assert out[110] == pytest.approx(0.25)


def test_pan_is_equal_power():
    g = cx.Graph()
    g.output(g.pan(g.const([1.0, 1.0, 1.0]), pan=[-1.0, 0.0, 1.0]))
    out = cx.render(g, 0.01, SR)
    left, right = out[:, -1]
    assert left == pytest.approx(1 + np.sqrt(0.5), abs=1e-6)
    assert right == pytest.approx(1 + np.sqrt(0.5), abs=1e-6)
    for p in np.linspace(-1, 1, 9):
        g = cx.Graph()
        g.output(g.pan(g.const(1.0), pan=float(p)))
        gl, gr = cx.render(g, 0.01, SR)[:, -1]
        assert gl**2 + gr**2 == pytest.approx(1.0, abs=1e-6)
        assert gl == pytest.approx(np.cos((p + 1) * np.pi / 4), abs=1e-6)


def test_mixer_sum_and_arithmetic():
    g = cx.Graph()
    a, b = g.const(2.0), g.const(3.0)
    g.output(g.mixer(a, b, gains=[0.5, -1.0], gain=2.0))
    assert cx.render(g, 0.01, SR)[0, -1] == pytest.approx(2 * (1 - 3))

    g = cx.Graph()
    x = g.const([1.0, 2.0, 3.0, 4.0])
    g.output(x.sum(channels=2))
    np.testing.assert_allclose(cx.render(g, 0.01, SR)[:, -1], [4.0, 6.0])

    g = cx.Graph()
    a, b = g.const(3.0), g.const(5.0)
    exprs = [a + b, a - b, a * b, -a, a * 2 + 1, 10 - a, a / 4, 2 * (a + 1) - b * 0.5]
    for e in exprs:
        g.output(e)
    total = cx.render(g, 0.01, SR)[0, -1]
    assert total == pytest.approx(8 - 2 + 15 - 3 + 7 + 7 + 0.75 + 5.5)


def test_modulating_a_parameter_replaces_its_constant():
    g = cx.Graph()
    osc = g.sine(1000.0)
    osc.freq = g.const(250.0)
    g.output(osc)
    out = cx.render(g, 1.0, SR)[0]
    crossings = np.sum((out[:-1] < 0) & (out[1:] >= 0))
    assert abs(crossings - 250) <= 1
    osc.freq = 500.0  # back to a constant
    out = cx.render(g, 1.0, SR)[0]
    assert abs(np.sum((out[:-1] < 0) & (out[1:] >= 0)) - 500) <= 1
