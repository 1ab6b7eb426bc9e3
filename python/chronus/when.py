"""When something happens: one value type for every timed call, on graphs and live engines.

A :class:`When` is a time in seconds, a frame of the engine's sample clock, a beat of the
transport, or *now*; everything that schedules (``set``, ``note``, ``gate`` ... on a
:class:`chronus.Graph` or a live :class:`chronus.Engine`) takes it as ``at=`` (seconds),
``frame=`` or ``beat=`` and checks it here, in one place. Seconds and frames count from the
engine's first frame (an offline render's first sample); beats are the transport's, which
plays from that frame too unless told otherwise.

>>> When.of(at=1.5)
When(seconds=1.5)
>>> When.of(beat=4).after(0.5)
When(beat=4.0, plus=0.5)
>>> When.of(at=1.0, plus=0.25).frame_at(48_000)
60000
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass


def check_real(name: str, value: object, *, low: float | None = None, high: float | None = None) -> float:
    """``value`` as a finite float inside ``[low, high]``, or a ValueError/TypeError naming
    ``name`` (bools and None are refused, since they are almost always a mistake here)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {x}")
    if (low is not None and x < low) or (high is not None and x > high):
        raise ValueError(f"{name} must be {_bounds(low, high)}, got {x:g}")
    return x


def _bounds(low: float | None, high: float | None) -> str:
    if high is None:
        return f">= {low:g}"
    if low is None:
        return f"<= {high:g}"
    return f"in [{low:g}, {high:g}]"


def check_int(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int inside ``[low, high]``; a float with a fractional part, a bool or
    anything else is an error naming ``name`` (never silently truncated)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}")
    x = float(value)
    if not (math.isfinite(x) and x.is_integer()):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    n = int(value) if isinstance(value, numbers.Integral) else int(x)
    if (low is not None and n < low) or (high is not None and n > high):
        span = f"in {low}..{high}" if low is not None and high is not None else _bounds(low, high)
        raise ValueError(f"{name} must be {span}, got {n}")
    return n


@dataclass(frozen=True)
class When:
    """A moment: ``seconds`` after the engine's first frame, ``frame`` of its sample clock,
    or ``beat`` of its transport (at most one of the three; none means now), plus ``plus``:
    seconds after a time or frame, beats after a beat (a note-off after its note-on).
    Build it with :meth:`of`, which checks everything."""

    seconds: float | None = None
    frame: int | None = None
    beat: float | None = None
    plus: float = 0.0

    @classmethod
    def of(
        cls,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        *,
        plus: float = 0.0,
        required: bool = False,
    ) -> When:
        """The moment given as ``at`` (seconds), ``frame`` or ``beat``: at most one of them
        (exactly one when ``required``), each >= 0."""
        given = sum(x is not None for x in (at, frame, beat))
        if given > 1 or (required and given == 0):
            how = "exactly" if required else "at most"
            raise ValueError(f"give {how} one of at= (seconds), frame= or beat=")
        return cls(
            seconds=None if at is None else check_real("at (seconds)", at, low=0.0),
            frame=None if frame is None else check_int("frame", frame, low=0),
            beat=None if beat is None else check_real("beat", beat, low=0.0),
            plus=check_real("duration", plus, low=0.0),
        )

    @property
    def now(self) -> bool:
        """Whether it means "as soon as possible" (no time, frame or beat given)."""
        return self.seconds is None and self.frame is None and self.beat is None

    def after(self, duration: float) -> When:
        """``duration`` later: seconds after a time, a frame or now, beats after a beat."""
        d = check_real("duration", duration, low=0.0)
        return When(self.seconds, self.frame, self.beat, self.plus + d)

    def frame_at(self, samplerate: float, now: int = 0) -> int:
        """The frame of the sample clock this moment falls on (``now`` stands for the
        present); a beat has no frame of its own (it follows the transport)."""
        if self.beat is not None:
            raise ValueError("a beat has no fixed frame: it plays when the transport gets there")
        if self.seconds is not None:
            start = round(self.seconds * samplerate)
        elif self.frame is not None:
            start = self.frame
        else:
            start = now
        return start + round(self.plus * samplerate)

    def __repr__(self) -> str:
        parts = [
            f"{k}={v!r}"
            for k, v in (("seconds", self.seconds), ("frame", self.frame), ("beat", self.beat))
            if v is not None
        ]
        if self.plus:
            parts.append(f"plus={self.plus!r}")
        return f"When({', '.join(parts) or 'now'})"
