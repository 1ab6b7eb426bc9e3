"""MIDI files: read them into notes, controllers and a tempo map; write them back.

Parsing is done by `mido <https://mido.readthedocs.io>`_ (formats 0 and 1, running status,
tempo and time-signature meta events); this module turns its ticks into beats.
"""

from __future__ import annotations

import os
import warnings
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mido

from .pattern import Note
from .tempo import TempoMap, TimeSignature


class MidiFileError(ValueError):
    """A MIDI file that cannot be read; the message names the file and the problem."""


class MidiFileWarning(UserWarning):
    """Something in a MIDI file that was read with a repair (named in the message)."""


@dataclass(frozen=True)
class Control:
    """A controller change at ``beat``: ``value`` in [0, 1] (MIDI value / 127)."""

    beat: float
    controller: int
    value: float
    channel: int = 0


@dataclass(frozen=True)
class Bend:
    """A pitch-bend position in [-1, 1] at ``beat``."""

    beat: float
    value: float
    channel: int = 0


@dataclass
class MidiSong:
    """What a MIDI file holds, in beats (quarter notes) from its start."""

    notes: list[Note]
    tempo: TempoMap
    controls: list[Control] = field(default_factory=list)
    bends: list[Bend] = field(default_factory=list)
    path: Path | None = None

    @property
    def beats(self) -> float:
        """Beat at which the last note ends."""
        return max((n.beat + n.length for n in self.notes), default=0.0)

    @property
    def seconds(self) -> float:
        """Time at which the last note ends, in seconds."""
        return self.tempo.seconds(self.beats)


def read_midi(path: str | os.PathLike[str]) -> MidiSong:
    """Reads a standard MIDI file (format 0 or 1) into a :class:`MidiSong`."""
    path = Path(path)
    try:
        mf = mido.MidiFile(path, clip=False)
    except FileNotFoundError:
        raise MidiFileError(f"MIDI file {path} does not exist") from None
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as err:
        reason = str(err) or type(err).__name__
        raise MidiFileError(f"cannot read MIDI file {path}: {reason}") from err
    if mf.type == 2:
        raise MidiFileError(
            f"cannot read MIDI file {path}: format 2 (independent sequences) is not supported"
        )
    ppq = mf.ticks_per_beat
    if not ppq or ppq <= 0:
        raise MidiFileError(f"cannot read MIDI file {path}: bad time division {ppq}")
    tempos: dict[float, float] = {}
    signatures: dict[float, TimeSignature] = {}
    notes: list[Note] = []
    controls: list[Control] = []
    bends: list[Bend] = []
    sounding: dict[tuple[int, int], deque[tuple[float, float]]] = defaultdict(deque)
    end = 0.0
    for track in mf.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            beat = tick / ppq
            end = max(end, beat)
            if msg.type == "set_tempo":
                if msg.tempo <= 0:
                    raise MidiFileError(
                        f"cannot read MIDI file {path}: a tempo of {msg.tempo} µs per beat at beat {beat:g}"
                    )
                tempos[beat] = mido.tempo2bpm(msg.tempo)
            elif msg.type == "time_signature":
                signatures[beat] = TimeSignature(beat, msg.numerator, msg.denominator)
            elif msg.type == "note_on" and msg.velocity > 0:
                sounding[(msg.channel, msg.note)].append((beat, msg.velocity / 127))
            elif msg.type in ("note_off", "note_on"):
                started = sounding.get((msg.channel, msg.note))
                if started:
                    start, velocity = started.popleft()
                    notes.append(Note(msg.note, start, beat - start, velocity, msg.channel))
            elif msg.type == "control_change":
                controls.append(Control(beat, msg.control, msg.value / 127, msg.channel))
            elif msg.type == "pitchwheel":
                bends.append(Bend(beat, msg.pitch / 8192 if msg.pitch < 0 else msg.pitch / 8191, msg.channel))
    # Notes left on at the end of the song are closed there (at least a beat long).
    unclosed = [(key, start) for key, starts in sounding.items() for start in starts]
    for (channel, pitch), (start, velocity) in unclosed:
        notes.append(Note(pitch, start, max(end - start, 1.0), velocity, channel))
    if unclosed:
        warnings.warn(
            f"{path}: {len(unclosed)} note(s) have no note-off; they end at the end of the song "
            f"(beat {end:g}, or a beat after they start)",
            MidiFileWarning,
            stacklevel=2,
        )
    tempos.setdefault(0.0, 120.0)
    signatures.setdefault(0.0, TimeSignature(0.0))
    try:
        tempo = TempoMap(sorted(tempos.items()), sorted(signatures.values(), key=lambda s: s.beat))
    except ValueError as err:
        raise MidiFileError(f"cannot read MIDI file {path}: {err}") from None
    notes.sort(key=lambda n: (n.beat, n.pitch))
    return MidiSong(
        notes, tempo, sorted(controls, key=lambda c: c.beat), sorted(bends, key=lambda b: b.beat), path
    )


def write_midi(
    path: str | os.PathLike[str],
    notes: Iterable[Note],
    tempo: TempoMap | None = None,
    *,
    controls: Sequence[Control] = (),
    ticks_per_beat: int = 480,
) -> Path:
    """Writes notes (and controllers) as a format-1 MIDI file with a tempo track."""
    tempo = tempo or TempoMap()
    mf = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    conductor = mido.MidiTrack()
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for beat, bpm in tempo.changes:
        events.append(
            (round(beat * ticks_per_beat), 0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))
        )
    for sig in tempo.signatures:
        meta = mido.MetaMessage("time_signature", numerator=sig.numerator, denominator=sig.denominator)
        events.append((round(sig.beat * ticks_per_beat), 0, meta))
    _append(conductor, events)
    mf.tracks.append(conductor)
    music: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for n in notes:
        velocity = max(1, min(127, round(n.velocity * 127)))
        start, end = round(n.beat * ticks_per_beat), round((n.beat + n.length) * ticks_per_beat)
        music.append((start, 1, mido.Message("note_on", note=n.pitch, velocity=velocity, channel=n.channel)))
        music.append((end, 0, mido.Message("note_off", note=n.pitch, velocity=0, channel=n.channel)))
    for c in controls:
        value = max(0, min(127, round(c.value * 127)))
        msg = mido.Message("control_change", control=c.controller, value=value, channel=c.channel)
        music.append((round(c.beat * ticks_per_beat), 0, msg))
    track = mido.MidiTrack()
    _append(track, music)
    mf.tracks.append(track)
    path = Path(path)
    mf.save(path)
    return path


def _append(track: mido.MidiTrack, events: list[tuple[int, int, mido.Message | mido.MetaMessage]]) -> None:
    """Appends (tick, order, message) events in time order with delta times (note-offs before
    note-ons on the same tick)."""
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
