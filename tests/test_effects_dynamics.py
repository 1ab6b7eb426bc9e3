"""Compressor, expander/gate and limiter against their static curves and time constants."""

import numpy as np
import pytest

import chronus as cx
from conftest import SR, harmonic_amplitudes


def db(x):
    return 20 * np.log10(x)


def compressor_curve(x, threshold, ratio, knee):
    """Output level (dB) of the Giannoulis/Massberg/Reiss soft-knee compressor at input level x (dB)."""
    if 2 * (x - threshold) < -knee:
        return x
    if 2 * abs(x - threshold) < knee:
        return x + (1 / ratio - 1) * (x - threshold + knee / 2) ** 2 / (2 * knee)
    return threshold + (x - threshold) / ratio


def expander_curve(x, threshold, ratio, knee):
    """Output level (dB) of a soft-knee downward expander at input level x (dB)."""
    if 2 * (x - threshold) > knee:
        return x
    if 2 * abs(x - threshold) < knee:
        return x - (ratio - 1) * (x - threshold - knee / 2) ** 2 / (2 * knee)
    return threshold + (x - threshold) * ratio


def steady_amplitude(x, f0):
    """Amplitude of the f0 component of a steady stretch of signal."""
    return harmonic_amplitudes(x, f0, 1)[0]


LEVELS = [-40.0, -29.0, -24.0, -22.0, -20.0, -18.0, -15.0, -10.0, -3.0]


CURVES = [(-20.0, 4.0, 6.0), (-25.0, 2.0, 0.0), (-15.0, 10.0, 12.0)]


@pytest.mark.parametrize(("threshold", "ratio", "knee"), CURVES)
@pytest.mark.parametrize("detector", ["peak", "rms"])
def test_compressor_static_curve_on_steady_sines(threshold, ratio, knee, detector):
    for level in LEVELS:
        amp = 10 ** (level / 20)
        g = cx.Graph()
        comp = g.compressor(
            g.sine(1000.0) * amp,
            threshold=threshold,
            ratio=ratio,
            knee=knee,
            attack=0.005,
            release=0.1,
            detector=detector,
            makeup=3.0,
        )
        g.output(comp)
        out = cx.render(g, 1.0, SR)[0, -int(0.4 * SR) :]
        # Peak detection sees the sine's peak; RMS detection its RMS, 3.01 dB lower.
        detected = level if detector == "peak" else level - db(np.sqrt(2))
        expected = level + compressor_curve(detected, threshold, ratio, knee) - detected + 3.0
        measured = db(steady_amplitude(out, 1000.0))
        assert measured == pytest.approx(expected, abs=0.5), f"input {level} dB"


def crossing_time(x, start, level):
    """Seconds from ``start`` until ``x`` first crosses ``level`` (linear interpolation)."""
    seg = x[start:]
    crossed = seg >= level if seg[0] < level else seg <= level
    i = int(np.argmax(crossed))
    assert i > 0, "never crossed"
    frac = (level - seg[i - 1]) / (seg[i] - seg[i - 1])
    return (i - 1 + frac) / SR


def step_response(attack, release, port):
    """The compressor's ``port`` for an input stepping from -40 dB to 0 dB and back, and the input."""
    up, down = 4800, 4800 + int((10 * attack + 0.05) * SR)
    g = cx.Graph()
    level = g.const(0.01)  # -40 dB: below the threshold
    comp = g.compressor(level, threshold=-20.0, ratio=4.0, knee=0.0, attack=attack, release=release)
    g.set(level.value, 1.0, frame=up, ramp=0)  # 0 dB: 20 dB over, so 15 dB of reduction
    g.set(level.value, 0.01, frame=down, ramp=0)
    g.output(comp.out(port))
    out = cx.render(g, down / SR + 10 * release, SR)[0]
    frames = np.arange(len(out))
    return out, np.where((frames >= up) & (frames < down), 1.0, 0.01), up, down


@pytest.mark.parametrize(("attack", "release"), [(0.005, 0.1), (0.02, 0.5), (0.001, 0.05)])
def test_compressor_attack_and_release_time_constants_on_a_step(attack, release):
    out, step, up, down = step_response(attack, release, "out")
    reduction = -db(out / step)  # the gain actually applied, in dB
    final = 15.0
    assert reduction[down - 1] == pytest.approx(final, abs=0.01)
    assert np.all(np.abs(reduction[:up]) < 1e-4)
    t_attack = crossing_time(reduction, up, final * (1 - np.exp(-1)))
    t_release = crossing_time(reduction, down, final * np.exp(-1))
    assert t_attack == pytest.approx(attack, rel=0.1)
    assert t_release == pytest.approx(release, rel=0.1)
    # The reduction output reports the same gain.
    reported, *_ = step_response(attack, release, "reduction")
    np.testing.assert_allclose(reported, reduction, atol=1e-3)


def test_sidechain_keyed_by_a_second_signal_ducks_the_first():
    g = cx.Graph()
    music = g.sine(220.0) * 0.5  # -6 dB: far above the threshold, but not what the detector hears
    kick = g.const(0.0)
    g.set(kick.value, 1.0, at=0.5, ramp=0)  # the key at 0 dB from 0.5 s to 1 s
    g.set(kick.value, 0.0, at=1.0, ramp=0)
    duck = g.compressor(
        music, threshold=-30.0, ratio=10.0, knee=0.0, attack=0.001, release=0.05, sidechain=kick
    )
    g.output(duck)
    out = cx.render(g, 1.5, SR)[0]
    before, during, after = out[int(0.1 * SR) : int(0.5 * SR)], out[int(0.7 * SR) : SR], out[int(1.4 * SR) :]
    # Without the key the music passes untouched; with it, 27 dB of reduction (30 dB over, 10:1).
    assert db(steady_amplitude(before, 220.0)) == pytest.approx(db(0.5), abs=0.05)
    assert db(steady_amplitude(during, 220.0)) == pytest.approx(db(0.5) - 27.0, abs=0.3)
    assert db(steady_amplitude(after, 220.0)) == pytest.approx(db(0.5), abs=0.05)
    # The key itself is not heard.
    assert abs(np.mean(during)) < 1e-4


def test_compressor_links_stereo_channels():
    g = cx.Graph()
    stereo = g.sine([500.0, 500.0]) * [1.0, 0.05]  # loud left, quiet right
    comp = g.compressor(stereo, threshold=-20.0, ratio=4.0, knee=0.0)
    g.output(comp)
    out = cx.render(g, 1.0, SR)[:, -SR // 2 :]
    gains = [steady_amplitude(out[0], 500.0) / 1.0, steady_amplitude(out[1], 500.0) / 0.05]
    # One gain for both, set by the loud channel: 20 dB over at 4:1 is 15 dB of reduction.
    assert db(gains[0]) == pytest.approx(-15.0, abs=0.3)
    assert db(gains[1]) == pytest.approx(db(gains[0]), abs=0.01)


def test_parallel_compression_mix_blends_dry_and_compressed():
    g = cx.Graph()
    comp = g.compressor(g.const(1.0), threshold=-20.0, ratio=4.0, knee=0.0, attack=0.0001, mix=0.5)
    g.output(comp)
    out = cx.render(g, 0.5, SR)[0, -1]
    assert out == pytest.approx(0.5 * 1.0 + 0.5 * 10 ** (-15 / 20), rel=1e-4)


@pytest.mark.parametrize(("threshold", "ratio", "knee"), [(-40.0, 2.0, 0.0), (-30.0, 3.0, 10.0)])
def test_expander_static_curve_on_steady_sines(threshold, ratio, knee):
    for level in [-60.0, -50.0, -44.0, -40.0, -35.0, -28.0, -20.0]:
        amp = 10 ** (level / 20)
        g = cx.Graph()
        g.output(g.expander(g.sine(1000.0) * amp, threshold=threshold, ratio=ratio, knee=knee, release=0.2))
        out = cx.render(g, 1.0, SR)[0, -int(0.4 * SR) :]
        expected = expander_curve(level, threshold, ratio, knee)
        assert db(steady_amplitude(out, 1000.0)) == pytest.approx(expected, abs=0.5), f"input {level} dB"


def test_expander_range_limits_the_attenuation():
    g = cx.Graph()
    g.output(g.expander(g.const(0.001), threshold=-20.0, ratio=4.0, knee=0.0, release=0.05, range=12.0))
    out = cx.render(g, 1.0, SR)[0, -1]
    assert db(out / 0.001) == pytest.approx(-12.0, abs=0.01)


def test_noise_gate_holds_then_closes_with_its_release():
    g = cx.Graph()
    level = g.const(0.5)
    g.set(level.value, 0.003, at=0.5, ramp=0)  # about -50 dB: under the threshold
    gate = g.noise_gate(level, threshold=-40.0, hold=0.1, release=0.02, range=60.0)
    g.output(gate.out("reduction"))
    red = cx.render(g, 1.0, SR)[0]
    off = int(0.5 * SR)
    assert np.all(red[:off] == 0.0)  # open
    assert np.all(red[off : off + int(0.1 * SR) - 1] == 0.0)  # held open for 0.1 s
    closing = off + int(0.1 * SR)
    assert red[closing + 10] > 0.0
    t = crossing_time(red, closing, 60.0 * (1 - np.exp(-1)))
    assert t == pytest.approx(0.02, rel=0.1)
    assert red[-1] == pytest.approx(60.0, abs=0.01)


def peak_out(signal_builder, ceiling=-1.0, lookahead=0.005, release=0.1, seconds=2.0):
    g = cx.Graph()
    lim = g.limiter(signal_builder(g), ceiling=ceiling, lookahead=lookahead, release=release)
    g.output(lim)
    return cx.render(g, seconds, SR), g, lim


LOUD = {
    "noise +18 dB": lambda g: g.noise(seed=3) * 8.0,
    "stereo noise": lambda g: g.noise(channels=2, seed=4) * [12.0, 3.0],
    "sine 100 Hz +12 dB": lambda g: g.sine(100.0) * 4.0,
    "sine 1 kHz +24 dB": lambda g: g.sine(1000.0) * 16.0,
    "sine 15 kHz +6 dB": lambda g: g.sine(15_000.0) * 2.0,
    "clicks over a quiet tone": lambda g: g.sine(300.0) * 0.1 + g.pulse(7.0, width=0.0005) * 10.0 + 10.0,
    "square bursts": lambda g: g.square(110.0) * (g.square(3.0) * 5.0 + 5.0),
}


@pytest.mark.parametrize("case", list(LOUD))
@pytest.mark.parametrize("ceiling", [-1.0, -6.0])
def test_limiter_output_never_exceeds_the_ceiling(case, ceiling):
    out, *_ = peak_out(LOUD[case], ceiling=ceiling)
    limit = 10 ** (ceiling / 20)
    assert np.max(np.abs(out)) <= limit
    assert np.max(np.abs(out)) > 0.9 * limit  # it limits, it does not just turn the signal down


def test_limiter_is_smooth_on_a_steady_loud_sine():
    # A clipper would make strong harmonics; a limiter only turns the gain down.
    out, *_ = peak_out(lambda g: g.sine(1000.0) * 4.0, ceiling=-1.0)
    steady = out[0, SR:]
    amps = harmonic_amplitudes(steady, 1000.0, 8)
    assert db(amps[0]) == pytest.approx(-1.0, abs=0.05)
    assert db(np.sqrt(np.sum(amps[1:] ** 2)) / amps[0]) < -60


@pytest.mark.parametrize("lookahead", [0.001, 0.005, 0.02])
def test_limiter_reported_latency_equals_measured_latency(lookahead):
    g = cx.Graph()
    click = g.const(0.0)
    g.set(click.value, 0.5, frame=1000, ramp=0)  # under the ceiling: passes at unity gain
    g.set(click.value, 0.0, frame=1001, ramp=0)
    lim = g.limiter(click, ceiling=0.0, lookahead=lookahead)
    g.output(lim)
    out = cx.render(g, 0.1, SR)[0]
    reported = g.info(SR)["latency"][lim.id]
    assert reported == round(lookahead * SR)
    assert int(np.argmax(np.abs(out))) - 1000 == reported
    assert out[1000 + reported] == pytest.approx(0.5)
    # A loud click is turned down to the ceiling at the same place.
    g.set(click.value, 8.0, frame=3000, ramp=0)
    g.set(click.value, 0.0, frame=3001, ramp=0)
    out = cx.render(g, 0.1, SR)[0]
    assert int(np.argmax(np.abs(out[2000:]))) + 2000 - 3000 == reported
    assert np.max(np.abs(out)) == pytest.approx(1.0, rel=1e-5)


def test_limiter_links_stereo_channels():
    g = cx.Graph()
    stereo = g.sine([200.0, 200.0]) * [4.0, 0.1]  # left far over the ceiling, right quiet
    lim = g.limiter(stereo, ceiling=-6.0)
    g.output(lim)
    out = cx.render(g, 1.0, SR)[:, SR // 2 :]
    latency = g.info(SR)["latency"][lim.id]
    g2 = cx.Graph()
    g2.output(g2.sine([200.0, 200.0]) * [4.0, 0.1])
    dry = cx.render(g2, 1.0, SR)[:, SR // 2 - latency : SR - latency]
    away_from_zero = np.abs(dry[0]) > 0.2
    gains = out[:, away_from_zero] / dry[:, away_from_zero]
    # The same gain on both sides, set by the loud one (about 18 dB of reduction).
    np.testing.assert_allclose(gains[1], gains[0], rtol=1e-4)
    assert np.max(gains[0]) < 10 ** (-17 / 20)
