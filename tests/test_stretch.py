"""Time-stretch and pitch-shift of clips (Signalsmith Stretch), measured on a Bach soprano
line rendered with exactly known notes: lengths, and each note's f0 in the result."""

from __future__ import annotations

import numpy as np
import pytest

import chronus as cx
from conftest import DATA

SR = 48_000
LINE = DATA / "synth_music21" / "bach_bwv66.6_S_saw"  # .flac, .notes.csv
#: The stretcher's hop (20 ms): lengths are good to one hop.
HOP = round(0.02 * SR)


@pytest.fixture(scope="module")
def line() -> tuple[np.ndarray, np.ndarray]:
    """The notes of the line's first 11.5 s at 48 kHz (mono), cut in the silence after the
    last of them, and the notes (onset s, offset s, MIDI)."""
    audio, _ = cx.read_audio(f"{LINE}.flac", SR)
    notes = np.loadtxt(f"{LINE}.notes.csv", delimiter=",", ndmin=2)
    notes = notes[notes[:, 1] < 11.5]
    return audio[:, : round((notes[-1, 1] + 0.015) * SR)], notes


def stretched(audio: np.ndarray, stretch: float = 1.0, semitones: float = 0.0) -> np.ndarray:
    """The clip through the stretcher, from its first frame (the latency trimmed)."""
    g = cx.Graph()
    c = g.clip(audio, samplerate=SR, gate=1.0, stretch=stretch, semitones=semitones, fade_out=0.0)
    g.output(c)
    latency = g.info()["latency"][c.id]
    frames = round(audio.shape[1] * stretch) + latency + 4 * HOP
    return cx.render(g, seconds=frames / SR, samplerate=SR)[0, latency:]


def sounding_length(x: np.ndarray) -> int:
    """Frames until the sound ends: the last 10 ms RMS frame within 20 dB of the loudest.
    (The stretcher's window smears the last 40 dB of a decay over up to half its block, so
    a lower threshold would measure the window, not the timing.)"""
    hop = SR // 100
    rms = np.sqrt(np.mean(x[: len(x) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    return int(np.flatnonzero(rms > 0.1 * rms.max())[-1] + 1) * hop


def f0_near(x: np.ndarray, centre: float, expected: float) -> float:
    """The fundamental near ``expected`` Hz of a 4096-frame window at ``centre`` seconds:
    the Hann-windowed spectrum's peak (zero-padded to 2^17), interpolated."""
    n = 4096
    start = round(centre * SR) - n // 2
    frame = x[start : start + n] * np.hanning(n)
    spectrum = np.abs(np.fft.rfft(frame, 1 << 17))
    freqs = np.fft.rfftfreq(1 << 17, 1 / SR)
    near = np.flatnonzero(np.abs(1200 * np.log2(np.maximum(freqs, 1) / expected)) < 100)
    k = near[np.argmax(spectrum[near])]
    a, b, c = np.log(spectrum[k - 1 : k + 2])
    return float(freqs[k] + (a - c) / (2 * (a - 2 * b + c)) * (freqs[1] - freqs[0]))


def cents_off(x: np.ndarray, notes: np.ndarray, stretch: float, semitones: float) -> np.ndarray:
    """Per note longer than 0.25 s: f0 at its middle (in stretched time) against the note's
    exact pitch shifted by ``semitones``, in cents."""
    errors = []
    for onset, offset, midi in notes:
        if offset - onset < 0.25:
            continue
        expected = 440 * 2 ** ((midi + semitones - 69) / 12)
        found = f0_near(x, (onset + offset) / 2 * stretch, expected)
        errors.append(1200 * np.log2(found / expected))
    return np.array(errors)


@pytest.mark.parametrize("ratio", [0.8, 1.25, 2.0])
def test_stretch_changes_length_not_pitch(line, ratio):
    audio, notes = line
    y = stretched(audio, stretch=ratio)
    assert abs(sounding_length(y) - ratio * sounding_length(audio[0])) <= HOP
    errors = cents_off(y, notes, ratio, 0.0)
    assert len(errors) >= 10
    assert np.abs(errors).max() < 5.0, np.round(errors, 2)


@pytest.mark.parametrize("semitones", [-12, -3, 3, 12])
def test_semitones_change_pitch_not_length(line, semitones):
    audio, notes = line
    y = stretched(audio, semitones=semitones)
    assert abs(sounding_length(y) - sounding_length(audio[0])) <= HOP
    errors = cents_off(y, notes, 1.0, semitones)
    assert len(errors) >= 10
    assert np.abs(errors).max() < 5.0, np.round(errors, 2)
