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
