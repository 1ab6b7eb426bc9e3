"""Tempo maps: where each beat falls in time, and back.

A :class:`TempoMap` is piecewise-constant tempo: beat 0 is at 0 s, and each change holds
from its beat on. The engine plays tracks through the same map (in Rust), so
:meth:`TempoMap.frame` is exactly where a beat lands in a render.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TimeSignature:
    """A time signature taking effect at ``beat`` (quarter notes from the start)."""

    beat: float
    numerator: int = 4
    denominator: int = 4

    @property
    def beats_per_bar(self) -> float:
        """Quarter-note beats in one bar (6/8 has 3)."""
        return self.numerator * 4 / self.denominator


@dataclass
class TempoMap:
    """Tempo changes as (beat, bpm), the first at beat 0, plus time signatures.

    >>> m = TempoMap([(0, 120), (8, 60)])
    >>> m.seconds(8), m.seconds(9)
    (4.0, 5.0)
    >>> m.beat(5.0)
    9.0
    """

    changes: Sequence[tuple[float, float]] = ((0.0, 120.0),)
    signatures: Sequence[TimeSignature] = field(default_factory=lambda: [TimeSignature(0.0)])

    def __post_init__(self) -> None:
        if isinstance(self.changes, (int, float)):
            self.changes = [(0.0, float(self.changes))]
        changes = [(float(b), float(t)) for b, t in self.changes]
        if not changes or changes[0][0] != 0:
            raise ValueError(f"the first tempo must start at beat 0, got {changes[:1]}")
        starts: list[float] = []
        seconds: list[float] = []
        for i, (beat, bpm) in enumerate(changes):
            if not math.isfinite(beat):
                raise ValueError(f"tempo change {i} is at beat {beat}; beats must be finite")
            if not 0 < bpm <= 10_000:
                raise ValueError(f"tempo {bpm} bpm at beat {beat} is outside (0, 10000]")
            if i and beat < changes[i - 1][0]:
                raise ValueError(f"tempo change at beat {beat} comes before beat {changes[i - 1][0]}")
            if i:
                prev_beat, prev_bpm = changes[i - 1]
                seconds.append(seconds[-1] + (beat - prev_beat) * 60.0 / prev_bpm)
            else:
                seconds.append(0.0)
            starts.append(beat)
        self.changes = changes
        self._starts = starts
        self._seconds = seconds
        self._spb = [60.0 / bpm for _, bpm in changes]
        self.signatures = sorted(self.signatures, key=lambda s: s.beat)

    @classmethod
    def constant(cls, bpm: float, numerator: int = 4, denominator: int = 4) -> TempoMap:
        """A single tempo (and time signature)."""
        return cls([(0.0, bpm)], [TimeSignature(0.0, numerator, denominator)])

    def seconds(self, beat: float) -> float:
        """Seconds from beat 0 to ``beat``."""
        i = max(bisect.bisect_right(self._starts, beat) - 1, 0)
        return float(self._seconds[i] + (beat - self._starts[i]) * self._spb[i])

    def beat(self, seconds: float) -> float:
        """The beat at ``seconds``."""
        i = max(bisect.bisect_right(self._seconds, seconds) - 1, 0)
        return float(self._starts[i] + (seconds - self._seconds[i]) / self._spb[i])

    def bpm(self, beat: float) -> float:
        """Tempo at ``beat`` in beats per minute."""
        return 60.0 / self._spb[max(bisect.bisect_right(self._starts, beat) - 1, 0)]

    def frame(self, beat: float, samplerate: float) -> int:
        """The frame at which ``beat`` plays when the song starts at frame 0 (rounded half
        away from zero, as the engine does)."""
        return math.floor(self.seconds(beat) * samplerate + 0.5)

    def beat_at_frame(self, frame: int, samplerate: float) -> float:
        """The beat playing at ``frame``."""
        return self.beat(frame / samplerate)

    def bar(self, beat: float) -> tuple[int, float]:
        """(bar number from 0, beat within the bar) under the time signatures."""
        bar, start = 0, 0.0
        sigs = list(self.signatures) or [TimeSignature(0.0)]
        for i, sig in enumerate(sigs):
            end = sigs[i + 1].beat if i + 1 < len(sigs) else float("inf")
            if beat < end:
                n = int((beat - sig.beat) // sig.beats_per_bar)
                return bar + n, beat - sig.beat - n * sig.beats_per_bar
            span = end - sig.beat
            bar += int(span // sig.beats_per_bar)
            start = end
        return bar, beat - start


def beats(count: float, bpm: float) -> float:
    """Duration of ``count`` beats at ``bpm`` beats per minute, in seconds: tempo-synced times.

    A beat is whatever the tempo counts (a quarter note in 4/4), so at 120 BPM
    ``beats(1, 120)`` is 0.5 s, a dotted eighth is ``beats(0.75, 120)`` = 0.375 s and a
    triplet eighth ``beats(1 / 3, 120)``. Use it wherever a time in seconds goes, e.g.
    ``g.delay(x, time=cx.beats(0.75, bpm=120))`` or ``g.chorus(x, rate=1 / cx.beats(4, 120))``.
    These are fixed; for times that follow the tempo map and live tempo changes, modulate
    with the transport's clock instead: ``g.delay(x, time=g.clock().period * 0.75)``.
    """
    if not (math.isfinite(count) and count >= 0):
        raise ValueError(f"count must be a number of beats >= 0, got {count}")
    if not (math.isfinite(bpm) and bpm > 0):
        raise ValueError(f"bpm must be a tempo > 0 beats per minute, got {bpm}")
    return 60.0 * count / bpm
