"""Voice allocation: sample-accurate notes, stealing, sustain pedal, pitch bend."""

import numpy as np
import pytest

import chronus as cx
from conftest import SR


def gates(g, v, seconds, block=256):
    g.output(v.gate)
    return cx.render(g, seconds, SR, block)


@pytest.mark.parametrize("block", [64, 1024])
def test_notes_start_on_their_exact_frame(block):
    g = cx.Graph()
    v = g.voices(4)
    amp = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.0, decay=0.0, sustain=1.0, release=0.0)
    g.output((amp * v.velocity).sum())
    starts = [37, 1000, 1001, 4097, 9999]
    for i, f in enumerate(starts):
        g.note(v, 60 + i, frame=f, velocity=0.5)
    out = cx.render(g, 0.25, SR, block)[0]
    levels = np.round(out / 0.5).astype(int)  # number of sounding notes
    steps = np.flatnonzero(np.diff(levels)) + 1
    assert list(steps) == [37, 1000, 1001, 4097]  # the fifth note steals, level stays 4
    assert out[9998] == out[9999] == pytest.approx(2.0)


def test_300_notes_into_256_voices_steal_the_oldest_and_leave_nothing_stuck():
    g = cx.Graph()
    v = g.voices(256, steal="oldest")
    g.output(v.note)
    g.output(v.gate * 1000.0)
    pairs = [(i % 3, i % 128) for i in range(300)]  # distinct (channel, note) pairs
    for i, (ch, n) in enumerate(pairs):
        g.note(v, n, frame=10 * i, channel=ch, duration=(4000 - 10 * i) / SR)  # all off at 4000
    out = cx.render(g, 0.1, SR)
    held = out[:, 3999]
    assert np.all(held >= 1000)  # every voice sounding
    assert sorted(held - 1000) == sorted(n for _, n in pairs[-256:])
    assert np.all(out[:, 4000] < 1000)  # every note-off found its voice: nothing stuck


def test_quietest_voice_is_stolen():
    g = cx.Graph()
    v = g.voices(4, steal="quietest")
    level = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.0, decay=0.0, sustain=1.0) * v.velocity
    v.track(level)
    g.output(v.note)
    for i, vel in enumerate([0.9, 0.2, 0.7, 0.8]):
        g.note(v, 60 + i, frame=100 * i, velocity=vel)
    g.note(v, 72, frame=2000)
    notes = cx.render(g, 0.06, SR)[:, -1]
    assert sorted(notes) == [60, 62, 63, 72]  # note 61 (velocity 0.2) was the quietest


def test_sustain_pedal_and_repeated_notes():
    g = cx.Graph()
    v = g.voices(2)
    g.note(v, 60, frame=0)
    g.control(v, 64, 1.0, frame=100)
    g.note(v, 60, frame=200, duration=0.0)  # note-off (and immediate on/off) under the pedal
    g.control(v, 64, 0.0, frame=1000)
    out = gates(g, v, 0.05)
    assert out.sum(axis=0)[150] == 1 and out.sum(axis=0)[900] == 1  # one voice, held by the pedal
    assert out.sum(axis=0)[1000] == 0


def test_pitch_bend_and_tuning():
    g = cx.Graph()
    v = g.voices(1, tuning=442.0, bend_range=2.0)
    g.output(v.freq)
    g.note(v, 69, frame=0)
    g.bend(v, 1.0, frame=100)
    g.bend(v, -0.5, frame=200)
    f = cx.render(g, 0.01, SR)[0]
    assert f[50] == pytest.approx(442.0)
    assert f[150] == pytest.approx(442.0 * 2 ** (2 / 12), rel=1e-6)
    assert f[250] == pytest.approx(442.0 * 2 ** (-1 / 12), rel=1e-6)


def test_bad_note_events_are_rejected():
    g = cx.Graph()
    v = g.voices(2)
    with pytest.raises(ValueError, match="MIDI note number"):
        g.note(v, 128, at=0.0)
    with pytest.raises(ValueError, match="velocity"):
        g.note(v, 60, at=0.0, velocity=0.0)
    with pytest.raises(ValueError, match="channel"):
        g.note(v, 60, at=0.0, channel=16)


def test_glide_slides_linearly_in_pitch_over_the_glide_time():
    g = cx.Graph()
    v = g.voices(1, glide=0.01)
    g.output(v.freq)
    g.note(v, 57, frame=0)  # a voice's first note has nothing to slide from: it jumps
    g.note(v, 69, frame=1000)  # the only voice is stolen and slides from A3 to A4
    f = cx.render(g, 0.05, SR)[0]
    assert np.all(f[:1000] == pytest.approx(220.0))
    n = round(0.01 * SR)
    k = np.arange(n)
    expected = 440.0 * 2 ** ((-12 + 12 * (k + 1) / n) / 12)  # first step on the note's frame
    np.testing.assert_allclose(f[1000 : 1000 + n], expected, rtol=2e-6)
    assert np.all(f[1000 + n - 1 :] == pytest.approx(440.0))


def test_mono_falls_back_to_held_keys_and_retriggers():
    g = cx.Graph()
    v = g.voices(3, mode="mono")  # three voices in unison
    g.output(v.note)
    g.output(v.gate * 1000.0)
    g.output(v.trigger * 10_000.0)
    g.note(v, 60, frame=0, duration=3000 / SR)
    g.note(v, 64, frame=1000, duration=1000 / SR)
    out = cx.render(g, 0.1, SR)
    assert np.all(out == out[0])  # every voice plays the same key
    x = out[0]
    note, gate, trig = x % 1000, (x // 1000) % 10, x // 10_000
    assert note[500] == 60 and note[1500] == 64 and note[2500] == 60 and note[3500] == 60
    assert list(np.flatnonzero(trig)) == [0, 1000, 2000]  # back to the held key retriggers
    assert gate[2999] == 1 and gate[3000] == 0


def test_legato_changes_pitch_without_retriggering_and_glides_only_when_overlapping():
    g = cx.Graph()
    v = g.voices(1, mode="legato", glide=0.005)
    g.output(v.freq)
    g.output(v.trigger * 10_000.0)
    g.note(v, 69, frame=0, duration=2000 / SR)
    g.note(v, 81, frame=1000, duration=500 / SR)  # overlaps: slides, no retrigger
    g.note(v, 57, frame=5000, duration=500 / SR)  # detached: jumps and retriggers
    x = cx.render(g, 0.15, SR)[0]
    trig, freq = x >= 10_000, x % 10_000
    assert list(np.flatnonzero(trig)) == [0, 5000]
    n = round(0.005 * SR)
    assert freq[999] == pytest.approx(440.0) and freq[1000] == pytest.approx(440 * 2 ** (1 / n))
    assert freq[1000 + n] == pytest.approx(880.0)
    assert freq[1500 + n] == pytest.approx(440.0)  # key 81 up: back to 69 (sliding)
    assert freq[5000] == pytest.approx(220.0, rel=1e-6)


def test_velocity_curve_and_per_channel_bend_give_fractional_pitches():
    def render(output):
        g = cx.Graph()
        v = g.voices(16, bend_range=1.0, velocity_curve=2.0)
        g.output(output(v))
        for ch in range(16):  # MPE style: each channel bends its own note by ch/16 semitone
            g.bend(v, ch / 16, frame=0, channel=ch)
            g.note(v, 45, frame=0, channel=ch, velocity=0.5)
        return cx.render(g, 0.01, SR)[:, -1]

    freq = render(lambda v: v.freq)
    cents = 1200 * np.log2(freq / (110.0 * 2 ** (np.arange(16) / 16 / 12)))
    assert np.max(np.abs(cents)) < 0.01
    np.testing.assert_allclose(render(lambda v: v.velocity), 0.25, rtol=1e-6)  # 0.5 ** 2


def test_300_notes_into_256_voices_steal_the_quietest_even_in_a_burst():
    rng = np.random.default_rng(7)
    velocities = rng.permutation(np.linspace(0.05, 1.0, 256))
    g = cx.Graph()
    v = g.voices(256, steal="quietest")
    amp = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.0, decay=0.0, sustain=1.0, release=0.0)
    v.track(amp * v.velocity)
    g.output(v.note)
    g.output(v.gate * 1000.0)
    keys = [(i % 4, 20 + i // 4) for i in range(300)]  # distinct (channel, note) pairs
    for i, (ch, n) in enumerate(keys[:256]):
        g.note(v, n, frame=10 * i, channel=ch, velocity=float(velocities[i]), duration=(8000 - 10 * i) / SR)
    for i, (ch, n) in enumerate(keys[256:]):  # 44 notes within one block
        g.note(v, n, frame=5000 + 5 * i, channel=ch, velocity=0.5, duration=(8000 - 5000 - 5 * i) / SR)
    out = cx.render(g, 0.2, SR, blocksize=256)
    held = out[:, 7999]
    assert np.all(held >= 1000)
    loudest = np.argsort(velocities)[44:]  # the 44 quietest notes were stolen
    assert sorted(held - 1000) == sorted([keys[i][1] for i in loudest] + [n for _, n in keys[256:]])
    assert np.all(out[:, 8000] < 1000)  # every note-off found its voice: nothing stuck


def test_per_voice_parameters_follow_the_voice_that_plays():
    # One value per lane is one value per voice: here a stereo position and a detune that
    # stay with the voice whatever note it takes; live changes can target one voice (lane).
    g = cx.Graph()
    v = g.voices(2)
    osc = g.sine(v.freq * [1.0, 1.5])
    g.output(osc.pan([-1.0, 1.0]))
    g.note(v, 57, frame=0)  # voice 0: 220 Hz, hard left
    g.note(v, 69, frame=0)  # voice 1: 440 * 1.5 Hz, hard right
    left, right = cx.render(g, 0.5, SR)
    for x, hz in ((left, 220.0), (right, 660.0)):
        spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
        assert np.fft.rfftfreq(len(x), 1 / SR)[np.argmax(spectrum)] == pytest.approx(hz, abs=2.0)
    assert np.max(np.abs(left)) > 0.99 and np.max(np.abs(right)) > 0.99
