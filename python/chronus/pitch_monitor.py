"""Pitch-to-MIDI monitor: a monophonic source's pitch shown as note names with their cents
off, and its notes (segmented with on/off hysteresis by the ``notes`` analyzer) as MIDI.

Over a recording (:func:`pitch_to_midi`) or live from input 1 (:func:`monitor_live`).

>>> import chronus as cx
>>> cx.pitch_monitor.note_name(69.0), cx.pitch_monitor.note_name(60.3)
('A4', 'C4')
>>> cx.pitch_monitor.view(445.0, 0.95)
'A4    +20 cents  confidence 0.95'
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .analysis import Frame, analyze
from .graph import Graph
from .live import Engine
from .midi import write_midi
from .pattern import Note
from .signal import Signal
from .tempo import TempoMap

NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def midi_of(hz: float) -> float:
    """Fractional MIDI number of a frequency in Hz (A4 = 440 Hz = 69)."""
    return 69.0 + 12.0 * math.log2(hz / 440.0)


def note_name(midi: float) -> str:
    """Name of the nearest note, with its octave (60 is C4)."""
    n = round(midi)
    return f"{NAMES[n % 12]}{n // 12 - 1}"


def view(f0: float, confidence: float, voiced: bool = True) -> str:
    """One line of the terminal view: nearest note, cents off it, confidence ("--" for an
    unvoiced frame)."""
    confidence = confidence if confidence > 0 else 0.0
    if not (voiced and math.isfinite(f0) and f0 > 0):
        return f"--              confidence {confidence:.2f}"
    m = midi_of(f0)
    cents = 100.0 * (m - round(m))
    return f"{note_name(m):4s} {cents:+4.0f} cents  confidence {confidence:.2f}"


def _midi_notes(rows: NDArray[np.float64], bpm: float) -> list[Note]:
    beat = bpm / 60.0
    return [
        Note(pitch=round(m), beat=t0 * beat, length=max(t1 - t0, 1e-3) * beat)
        for t0, t1, m in rows
        if 0 <= round(m) <= 127
    ]


def pitch_to_midi(
    source: str | os.PathLike[str] | ArrayLike,
    midi_path: str | os.PathLike[str] | None = None,
    *,
    samplerate: float | None = None,
    fmin: float = 40.0,
    fmax: float = 1600.0,
) -> NDArray[np.float64]:
    """The notes of a monophonic recording as rows of (onset s, offset s, MIDI number,
    rounded), written as a MIDI file (120 BPM: one beat per half second) if ``midi_path``."""
    result = analyze(source, {"notes": {"fmin": fmin, "fmax": fmax}}, samplerate=samplerate)
    rows: NDArray[np.float64] = result.notes.copy()
    rows[:, 2] = np.round(rows[:, 2])
    if midi_path is not None:
        write_midi(Path(midi_path), _midi_notes(rows, 120.0), TempoMap())
    return rows


def monitor_live(
    seconds: float,
    *,
    backend: str = "auto",
    fmin: float = 40.0,
    fmax: float = 1600.0,
    midi_path: str | os.PathLike[str] | None = None,
    on_frame: Callable[[Frame], None] | None = None,
    on_note: Callable[[float, int, bool], None] | None = None,
    source: Callable[[Graph], Signal] | None = None,
) -> NDArray[np.float64]:
    """Tracks input 1 for ``seconds``: ``on_frame(pitch frame)`` for the view,
    ``on_note(time s, MIDI number, on)`` as each note starts and ends. Returns the notes as
    rows of (onset s, offset s, MIDI) and writes them to ``midi_path`` if given.

    ``source(g)`` may build the signal to track instead of the input (a test, a demo)."""
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive duration, got {seconds!r}")
    g = Graph()
    heard = g.input() if source is None else source(g)
    pitch = g.pitch(heard, fmin=fmin, fmax=fmax)
    notes = g.notes(heard, fmin=fmin, fmax=fmax)
    g.output(pitch * 0.0 + notes * 0.0)
    rows: list[tuple[float, float, float]] = []
    sounding: tuple[float, int] | None = None
    with Engine(g, backend=backend, inputs=1 if source is None else 0, outputs=1) as live:
        pitches, events = live.features(pitch), live.features(notes)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            latest = pitches.latest()
            pitches.read()
            if latest is not None and on_frame is not None:
                on_frame(latest)
            for event in events.read():
                midi, on = round(event["pitch"]), event["on"] > 0
                if sounding is not None:
                    rows.append((sounding[0], event.time, float(sounding[1])))
                    if on_note is not None:
                        on_note(event.time, sounding[1], False)
                    sounding = None
                if on:
                    sounding = (event.time, midi)
                    if on_note is not None:
                        on_note(event.time, midi, True)
            time.sleep(0.02)
        end = live.now()
    if sounding is not None:
        rows.append((sounding[0], max(end, sounding[0]), float(sounding[1])))
    out = np.array(rows, dtype=np.float64).reshape(-1, 3)
    if midi_path is not None:
        write_midi(Path(midi_path), _midi_notes(out, 120.0), TempoMap())
    return out
