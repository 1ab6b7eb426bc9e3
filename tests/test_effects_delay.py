"""Delays: tone control in the feedback loop, ping-pong, tempo-synced times."""

import numpy as np
import pytest
from test_nodes import impulse

import chronus as cx
from conftest import SR


def echo_gain_db(out, start, length, freq):
    """Gain at ``freq`` of the echo that starts at frame ``start`` (a unit impulse's response)."""
    seg = out[start - 64 : start + length].astype(np.float64)
    n = np.arange(start - 64, start + length)
    return 20 * np.log10(np.abs(np.sum(seg * np.exp(-2j * np.pi * freq * (n - start) / SR))))


def one_pole_db(freq, corner, kind):
    """Gain of the bilinear first-order lowpass/highpass with its -3 dB point at ``corner``."""
    ratio = np.tan(np.pi * freq / SR) / np.tan(np.pi * corner / SR)
    h = 1 / np.sqrt(1 + ratio**2) if kind == "lowpass" else ratio / np.sqrt(1 + ratio**2)
    return 20 * np.log10(h)


@pytest.mark.parametrize(
    ("kind", "corner", "probe"), [("lowpass", 2000.0, 5000.0), ("highpass", 500.0, 200.0)]
)
def test_every_repeat_goes_through_the_loop_filter_once_more(kind, corner, probe):
    g = cx.Graph()
    tone = {"highcut": corner} if kind == "lowpass" else {"lowcut": corner}
    g.output(g.delay(impulse(g), time=0.1, feedback=0.5, **tone))
    out = cx.render(g, 0.45, SR)[0]
    per_pass = one_pole_db(probe, corner, kind)
    for n in (1, 2, 3):
        measured = echo_gain_db(out, n * 4800, 4000, probe)
        expected = n * per_pass + (n - 1) * 20 * np.log10(0.5)
        assert measured == pytest.approx(expected, abs=0.05), f"echo {n}"
    # The corner itself is 3 dB down per pass.
    assert echo_gain_db(out, 4800, 4000, corner) == pytest.approx(-3.01, abs=0.05)


def test_pingpong_alternates_sides_with_the_feedback_gain():
    g = cx.Graph()
    g.output(g.pingpong(impulse(g), time=0.1, feedback=0.5, mix=1.0))
    out = cx.render(g, 0.5, SR)
    hits = [(int(c), int(f), float(out[c, f])) for c, f in zip(*np.nonzero(np.abs(out) > 1e-6), strict=True)]
    assert hits == [(0, 4800, 1.0), (0, 14_400, 0.25), (1, 9600, 0.5), (1, 19_200, 0.125)]


def test_pingpong_takes_stereo_and_separate_side_times():
    g = cx.Graph()
    click = g.const([0.0, 0.0])
    g.set(click.value, 1.0, frame=0, ramp=0, lane=1)  # right channel only
    g.set(click.value, 0.0, frame=1, ramp=0, lane=1)
    g.output(g.pingpong(click, time=[0.1, 0.05], feedback=0.5, mix=0.5))
    out = cx.render(g, 0.3, SR)
    # Dry at half level on its own side; the mono sum (0.5) enters the left line.
    assert out[1, 0] == pytest.approx(0.5) and out[0, 0] == 0.0
    assert out[0, 4800] == pytest.approx(0.5 * 0.5)
    assert out[1, 4800 + 2400] == pytest.approx(0.5 * 0.5 * 0.5)
    assert out[0, 4800 + 2400 + 4800] == pytest.approx(0.5 * 0.5 * 0.25)


def test_beats_converts_beats_at_a_tempo_to_seconds():
    assert cx.beats(1, bpm=120) == 0.5
    assert cx.beats(0.75, bpm=120) == 0.375
    assert cx.beats(4, bpm=90) == pytest.approx(8 / 3)
    with pytest.raises(ValueError, match="bpm"):
        cx.beats(1, bpm=0)
    g = cx.Graph()
    g.output(g.delay(impulse(g), time=cx.beats(1, bpm=100)))
    out = cx.render(g, 1.0, SR)[0]
    assert int(np.argmax(out)) == round(0.6 * SR)
