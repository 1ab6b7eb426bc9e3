"""FM synthesizer: spectra against Bessel functions, the eight algorithms' routings,
operator envelopes, velocity, sample-accurate notes through the voice allocator."""

import numpy as np
import pytest
from scipy.special import jv

import chronus as cx
from chronus import Operator
from conftest import SR

HELD = {"attack": 0.0, "sustain": 1.0}  # envelopes at full level from the first frame


def held_fm(operators, algorithm=1, freq=200.0, feedback=0.0, seconds=1.0):
    g = cx.Graph()
    g.output(g.fm(operators, algorithm=algorithm, freq=freq, gate=1.0, feedback=feedback))
    return cx.render(g, seconds, SR)[0]


def amplitude_at(x, hz):
    """Amplitude of the component at ``hz`` by projection on a Hann window."""
    t = np.arange(len(x)) / SR
    w = np.hanning(len(x))
    return 2 * abs(np.sum(x * w * np.exp(-2j * np.pi * hz * t))) / np.sum(w)


@pytest.mark.parametrize("beta", [0.5, 2.0, 3.8])
def test_two_operator_sidebands_follow_bessel_functions(beta):
    fc, fm = 8000.0, 500.0  # carrier and modulator; sidebands at fc + n fm, none folded
    x = held_fm([Operator(ratio=1, **HELD), Operator(ratio=fm / fc, level=beta, **HELD)], freq=fc)
    for n in range(-5, 6):
        assert amplitude_at(x, fc + n * fm) == pytest.approx(abs(jv(n, beta)), abs=2e-4), n
    assert np.max(np.abs(x)) == pytest.approx(1.0, abs=1e-3)


def test_feedback_gives_the_kepler_series():
    # y = sin(theta + beta y) solves Kepler's equation: harmonic n has amplitude
    # 2 J_n(n beta) / (n beta). The chip-style feedback (mean of the last two outputs)
    # lags by 1.5 frames, which dulls harmonic n by about 1e-4 n^2 (f0 / 25 Hz)^2.
    beta = 0.8
    ops = [Operator(level=0.0), Operator(level=0.0), Operator(level=0.0), Operator(**HELD)]
    for f0, tolerance in ((25.0, 0.005), (100.0, 0.05)):
        x = held_fm(ops, algorithm=8, freq=f0, feedback=beta)
        for n in range(1, 7):
            ideal = 2 * jv(n, n * beta) / (n * beta)
            assert amplitude_at(x, n * f0) == pytest.approx(ideal, rel=tolerance), (f0, n)


# For each algorithm: the heard operators and the (modulator, target) edges, written from
# the Yamaha 4-operator charts (independently of the engine's bit masks).
ROUTES = {
    1: ({1}, {(4, 3), (3, 2), (2, 1)}),
    2: ({1}, {(4, 2), (3, 2), (2, 1)}),
    3: ({1}, {(4, 1), (3, 2), (2, 1)}),
    4: ({1}, {(4, 3), (3, 1), (2, 1)}),
    5: ({1, 3}, {(4, 3), (2, 1)}),
    6: ({1, 2, 3}, {(4, 3), (4, 2), (4, 1)}),
    7: ({1, 2, 3}, {(4, 3)}),
    8: ({1, 2, 3, 4}, set()),
}
RATIOS = [1.0, 3.0, 7.0, 13.0]  # operator n runs at RATIOS[n - 1] * 100 Hz


@pytest.mark.parametrize("algorithm", range(1, 9))
def test_each_algorithm_routes_as_documented(algorithm):
    heard, edges = ROUTES[algorithm]

    def render(levels):
        ops = [Operator(ratio=r, level=lv, **HELD) for r, lv in zip(RATIOS, levels, strict=True)]
        return held_fm(ops, algorithm=algorithm, freq=100.0, seconds=0.2)

    for n in range(1, 5):  # one operator alone is a sine if heard, silence otherwise
        x = render([1.0 if k == n else 0.0 for k in range(1, 5)])
        assert amplitude_at(x, 100 * RATIOS[n - 1]) == pytest.approx(1.0 if n in heard else 0.0, abs=1e-3)
    for j in range(2, 5):
        for k in range(1, j):
            if k not in heard:
                continue
            # Carrier k at level 1 plus operator j at index 1: a modulating edge moves
            # energy from the carrier's own frequency into sidebands fk +- fj.
            x = render([1.0 if n == k else (1.0 if n == j else 0.0) for n in range(1, 5)])
            fk, fj = 100 * RATIOS[k - 1], 100 * RATIOS[j - 1]
            expected = jv(0, 1.0) if (j, k) in edges else 1.0
            assert amplitude_at(x, fk) == pytest.approx(expected, abs=2e-3), (algorithm, j, k)
            assert amplitude_at(x, fk + fj) == pytest.approx(
                jv(1, 1.0) if (j, k) in edges else (1.0 if j in heard and fk + fj == fj else 0.0), abs=2e-3
            ), (algorithm, j, k)


def test_operator_envelopes_follow_their_formulas_frame_by_frame():
    attack, decay, sustain, release = 0.01, 0.1, 0.5, 0.2
    g = cx.Graph()
    fm = g.fm([Operator(attack=attack, decay=decay, sustain=sustain, release=release)], freq=1000.0)
    g.output(fm)
    g.set(fm.gate, 1.0, frame=480, ramp=0)
    g.set(fm.gate, 0.0, frame=48_480, ramp=0)
    x = cx.render(g, 1.5, SR)[0]
    k = np.arange(len(x) - 480)  # frames since the note started
    # Linear attack over 480 frames, exponential decay (distance to sustain 60 dB down in
    # 0.1 s), then release from the sustain level (60 dB down in 0.2 s), idle at -100 dB.
    c_d, c_r = 10 ** (-3 / (decay * SR)), 10 ** (-3 / (release * SR))
    env = np.minimum((k + 1) / (attack * SR), 1.0)
    falling = k >= attack * SR
    env[falling] = sustain + (1 - sustain) * c_d ** (k[falling] - attack * SR + 1)
    r = k - 48_000 + 1
    env[r > 0] = sustain * c_r ** r[r > 0]
    env[(r > 0) & (env < 1e-5)] = 0.0
    expected = env * np.sin(2 * np.pi * 1000.0 * k / SR)  # key sync: the note starts at phase 0
    assert np.all(x[:480] == 0.0)
    assert np.max(np.abs(x[480:] - expected)) < 2e-4
    idle = 48_480 + int(np.ceil(np.log(1e-5 / sustain) / np.log(c_r)))
    assert np.all(x[idle:] == 0.0) and np.any(x[idle - 100 : idle] != 0.0)


def test_velocity_sensitivity_scales_levels():
    def peak(vel, velocity):
        g = cx.Graph()
        g.output(g.fm([Operator(vel=vel, **HELD)], freq=500.0, gate=1.0, velocity=velocity))
        return np.max(np.abs(cx.render(g, 0.05, SR)[0]))

    assert peak(1.0, 0.25) == pytest.approx(0.25, abs=1e-4)
    assert peak(0.5, 0.25) == pytest.approx(0.625, abs=1e-4)
    assert peak(0.0, 0.25) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("block", [64, 1024])
def test_notes_through_the_allocator_start_on_their_frame(block):
    g = cx.Graph()
    v = g.voices(4)
    fm = g.fm([Operator(**HELD, release=0.0)], voices=v)
    g.output(fm.sum())
    g.note(v, 69, frame=1001, duration=2000 / SR)
    g.note(v, 81, frame=1500, velocity=0.5, duration=1000 / SR)
    x = cx.render(g, 0.1, SR, blocksize=block)[0]
    k = np.arange(len(x))
    a4 = np.where((k >= 1001) & (k < 3001), 0.8 * np.sin(2 * np.pi * 440 * (k - 1001) / SR), 0.0)
    a5 = np.where((k >= 1500) & (k < 2500), 0.5 * np.sin(2 * np.pi * 880 * (k - 1500) / SR), 0.0)
    assert np.max(np.abs(x - a4 - a5)) < 1e-5


def test_levels_and_ratios_follow_signals_frame_by_frame():
    g = cx.Graph()
    tremolo = g.sine(5.0) * 0.5 + 0.5
    g.output(g.fm([Operator(level=tremolo, **HELD)], freq=1000.0, gate=1.0))
    x = cx.render(g, 0.5, SR)[0]
    t = np.arange(len(x)) / SR
    expected = (0.5 + 0.5 * np.sin(2 * np.pi * 5 * t)) * np.sin(2 * np.pi * 1000 * t)
    assert np.max(np.abs(x - expected)) < 2e-4
    # A fixed-frequency operator (ratio 0) ignores the voice frequency.
    g = cx.Graph()
    g.output(g.fm([Operator(ratio=0.0, fixed=700.0, **HELD)], freq=123.0, gate=1.0))
    x = cx.render(g, 0.5, SR)[0]
    assert amplitude_at(x, 700.0) == pytest.approx(1.0, abs=1e-3)
