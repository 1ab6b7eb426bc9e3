"""Musical time: converting beats at a tempo to the seconds that time parameters take."""

from __future__ import annotations

import math


def beats(count: float, bpm: float) -> float:
    """Duration of ``count`` beats at ``bpm`` beats per minute, in seconds.

    A beat is whatever the tempo counts (a quarter note in 4/4), so at 120 BPM
    ``beats(1, 120)`` is 0.5 s, a dotted eighth is ``beats(0.75, 120)`` = 0.375 s and a
    triplet eighth ``beats(1 / 3, 120)``. Use it wherever a time in seconds goes, e.g.
    ``g.delay(x, time=cx.beats(0.75, bpm=120))``.
    """
    if not (math.isfinite(count) and count >= 0):
        raise ValueError(f"count must be a number of beats >= 0, got {count}")
    if not (math.isfinite(bpm) and bpm > 0):
        raise ValueError(f"bpm must be a tempo > 0 beats per minute, got {bpm}")
    return 60.0 * count / bpm
