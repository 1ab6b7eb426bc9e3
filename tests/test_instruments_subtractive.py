"""Subtractive preset: both oscillators at their pitches, the filter envelope and LFO moving
the cutoff by octaves, vibrato, the amplitude envelope and velocity, live parameters; and
the transpose node it is built on."""

import numpy as np
import pytest
from scipy.signal import hilbert

import chronus as cx
from conftest import SR, harmonic_amplitudes


def test_transpose_moves_frequencies_by_semitones():
    g = cx.Graph()
    g.output(g.transpose(g.const([100.0, 440.0]), semitones=[12.0, -0.5]))
    np.testing.assert_allclose(cx.render(g, 0.01, SR)[:, -1], [200.0, 440 * 2 ** (-0.5 / 12)], rtol=1e-6)
    g = cx.Graph()
    ramp = g.const(-12.0)
    g.set(ramp.value, 12.0, frame=0, ramp=0.01)
    g.output(g.transpose(g.const(1000.0), semitones=ramp))
    x = cx.render(g, 0.01, SR)[0]
    st = -12 + 24 * (np.arange(len(x)) + 1) / len(x)
    np.testing.assert_allclose(x, 1000 * 2 ** (st / 12), rtol=1e-5)


def held(synth_kw, notes=((57, 0.8),), seconds=1.0, output=None):
    g = cx.Graph()
    synth = g.subtractive(4, **synth_kw)
    g.output(output(synth) if output else synth)
    for note, velocity in notes:
        g.note(synth.voices, note, frame=0, velocity=velocity)
    return cx.render(g, seconds, SR)[0], synth


OPEN = {"cutoff": 20_000.0, "filter_env": 0.0, "resonance": 0.7071}


def test_two_oscillators_sound_at_their_pitches_and_levels():
    # Sines a fifth apart, mixed 0.25 / 0.75, through an open filter at sustain 0.5.
    kw = dict(OPEN, osc1="sine", osc2="sine", detune=7.0, mix=0.75, attack=0.0, decay=0.0, sustain=0.5)
    x, _ = held(kw, notes=[(57, 1.0)])
    x = x[4800:]
    f1, f2 = 220.0, 220.0 * 2 ** (7 / 12)
    # Both partials sit under the 20 kHz cutoff: the 12 dB/oct lowpass passes them at unity.
    assert harmonic_amplitudes(x, f1, 1)[0] == pytest.approx(0.5 * 0.5 * 0.25, rel=2e-3)
    assert harmonic_amplitudes(x, f2, 1)[0] == pytest.approx(0.5 * 0.5 * 0.75, rel=2e-3)


def test_filter_envelope_and_lfo_move_the_cutoff_by_octaves():
    kw = {
        "cutoff": 500.0,
        "filter_env": 3.0,
        "filter_attack": 0.01,
        "filter_decay": 0.1,
        "filter_sustain": 0.5,
        "lfo_filter": 0.5,
        "lfo_rate": 4.0,
    }
    x, _ = held(kw, output=lambda s: s.cutoff_signal.sum() / 4)  # every voice: one lane each
    t = np.arange(len(x))
    # The library's linear ADSR: up in 480 frames, down to 0.5 in 4800 more.
    env = np.where(t < 480, (t + 1) / 480, np.maximum(1 - 0.5 * (t - 479) / 4800, 0.5))
    lfo = np.sin(2 * np.pi * 4.0 * t / SR)
    expected = 500 * 2 ** (3.0 * env + 0.5 * lfo)
    # Only voice 0 plays; the three idle voices sit at the LFO-swept base cutoff.
    idle = 500 * 2 ** (0.5 * lfo)
    np.testing.assert_allclose(x, (expected + 3 * idle) / 4, rtol=2e-4)


def test_lfo_to_pitch_is_vibrato_in_semitones():
    kw = dict(OPEN, osc1="sine", osc2="sine", detune=0.0, lfo_pitch=1.0, lfo_rate=5.0)
    g = cx.Graph()
    synth = g.subtractive(1, **kw)
    g.output(synth.pitch)
    g.note(synth.voices, 69, frame=0)
    x = cx.render(g, 1.0, SR)[0]
    lfo = np.sin(2 * np.pi * 5.0 * np.arange(len(x)) / SR)
    np.testing.assert_allclose(x, 440 * 2 ** (lfo / 12), rtol=1e-5)
    # ...and the oscillators follow it: the sound's instantaneous frequency swings as far.
    y, _ = held(kw, notes=[(69, 1.0)])
    inst = np.diff(np.unwrap(np.angle(hilbert(y)))) * SR / (2 * np.pi)
    inst = inst[4800:-4800]  # away from the analytic signal's edge effects
    assert inst.max() == pytest.approx(440 * 2 ** (1 / 12), abs=3.0)
    assert inst.min() == pytest.approx(440 * 2 ** (-1 / 12), abs=3.0)


def test_amplitude_envelope_velocity_and_release_leave_nothing_behind():
    kw = dict(OPEN, osc1="sine", osc2="sine", detune=0.0, attack=0.0, decay=0.0, sustain=0.5, release=0.1)
    g = cx.Graph()
    synth = g.subtractive(4, **kw)
    g.output(synth)
    g.note(synth.voices, 69, frame=0, duration=0.5, velocity=0.4)
    x = cx.render(g, 1.0, SR)[0]
    assert np.max(np.abs(x[4800:20_000])) == pytest.approx(0.5 * 0.4 * 0.5, rel=1e-3)  # volume 0.5
    assert np.all(x[int(0.61 * SR) :] == 0.0)  # released over 0.1 s, then silent


def svf_lowpass_gain(f, cutoff, q):
    """|H| of the TPT state-variable lowpass: the analog prototype, bilinear-warped."""
    w = np.tan(np.pi * f / SR) / np.tan(np.pi * cutoff / SR)
    return 1 / np.sqrt((1 - w**2) ** 2 + (w / q) ** 2)


def test_handle_parameters_are_live():
    kw = {"osc1": "saw", "mix": 0.0, "filter_env": 0.0, "cutoff": 8000.0, "resonance": 1.0}
    g = cx.Graph()
    synth = g.subtractive(2, **kw)
    g.output(synth)
    g.note(synth.voices, 45, frame=0)
    g.set(synth.cutoff, 200.0, at=0.5, ramp=0.0)
    g.set(synth.volume, 0.25, at=0.5, ramp=0.0)
    x = cx.render(g, 1.0, SR)[0]
    k = np.array([1, 20])
    bright = harmonic_amplitudes(x[4800:24_000], 110.0, 20)[k - 1]
    dark = harmonic_amplitudes(x[28_800:], 110.0, 20)[k - 1]
    expected = 0.5 * svf_lowpass_gain(110.0 * k, 200.0, 1.0) / svf_lowpass_gain(110.0 * k, 8000.0, 1.0)
    np.testing.assert_allclose(dark / bright, expected, rtol=0.02)  # volume halved, cutoff down
    assert repr(synth) == "<Subtractive 2 voices>" and synth.cutoff.name == "value"
