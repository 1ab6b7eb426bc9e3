"""Progress of long exports: a bar on stderr, or calls to a function of your own.

``progress=`` on :meth:`chronus.Session.export`, ``export_stems`` and
``chronus.render(..., out=)`` takes None (a bar when stderr is a terminal), True (a bar
always), False (nothing) or a function ``progress(done, total)`` called with frames done
and frames in all (a normalized export counts both of its passes). Reporting never
changes the samples written.

>>> seen = []
>>> bar = Progress.make(lambda done, total: seen.append((done, total)), 100, 48_000)
>>> bar.advance(40); bar.advance(60); bar.finish()
>>> seen
[(40, 100), (100, 100)]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "ProgressArg"]

#: What ``progress=`` takes.
ProgressArg = bool | Callable[[int, int], None] | None

#: Seconds between redraws of the bar.
REDRAW = 0.1
#: Characters of the bar itself.
WIDTH = 30


class Progress:
    """Counts frames done out of ``total``; draws a bar on ``stream`` or calls ``callback``."""

    def __init__(
        self,
        total: int,
        samplerate: float,
        *,
        label: str = "",
        callback: Callable[[int, int], None] | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.total = max(int(total), 1)
        self.samplerate = samplerate
        self.label = label
        self.done = 0
        self._callback = callback
        self._stream = stream
        self._started = time.perf_counter()
        self._drawn = 0.0

    @classmethod
    def make(
        cls, progress: ProgressArg, total: int, samplerate: float, *, label: str = ""
    ) -> Progress | None:
        """The reporter ``progress=`` asks for (None when nothing is to be shown)."""
        if progress is False:
            return None
        if callable(progress) and not isinstance(progress, bool):
            return cls(total, samplerate, label=label, callback=progress)
        if progress is None and not sys.stderr.isatty():
            return None
        if progress is None or progress is True:
            return cls(total, samplerate, label=label, stream=sys.stderr)
        raise TypeError(f"progress must be None, True, False or a function (done, total), got {progress!r}")

    def advance(self, frames: int) -> None:
        """Records ``frames`` more done."""
        self.done += int(frames)
        if self._callback is not None:
            self._callback(self.done, self.total)
            return
        now = time.perf_counter()
        if now - self._drawn >= REDRAW:
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float, end: str = "") -> None:
        if self._stream is None:
            return
        fraction = min(self.done / self.total, 1.0)
        filled = round(fraction * WIDTH)
        elapsed = now - self._started
        audio = self.done / self.samplerate
        speed = f"{audio / elapsed:.0f}x real time" if elapsed > 0 else ""
        bar = "#" * filled + "-" * (WIDTH - filled)
        self._stream.write(f"\r{self.label} [{bar}] {100 * fraction:3.0f}% {speed}   {end}")
        self._stream.flush()

    def finish(self) -> None:
        """Ends the bar (a last redraw and a newline)."""
        if self._callback is None:
            self._draw(time.perf_counter(), end="\n")
