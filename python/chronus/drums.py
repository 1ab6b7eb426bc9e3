"""Drum timing trainer: how early or late each hit falls against a metronome's grid.

Over a recording (:func:`drum_timing`) or live against a click the engine plays
(:func:`train_live`); both detect hits with the causal ``onsets`` analyzer and report each
hit's error in ms, the running mean and spread, and an early/late histogram.

>>> import numpy as np
>>> import chronus as cx
>>> report = cx.drums.timing([0.0, 0.51, 0.99, 1.505], bpm=120)
>>> [round(e) for e in report.errors_ms]
[0, 10, -10, 5]
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .analysis import analyze
from .graph import Graph
from .live import Engine
from .signal import Signal


def _check_bpm(bpm: float, subdivision: int) -> float:
    if isinstance(bpm, bool) or not isinstance(bpm, (int, float)) or not (20 <= bpm <= 400):
        raise ValueError(f"bpm must be a tempo from 20 to 400 beats per minute, got {bpm!r}")
    if isinstance(subdivision, bool) or not isinstance(subdivision, int) or not 1 <= subdivision <= 8:
        raise ValueError(f"subdivision must be an integer from 1 to 8 hits per beat, got {subdivision!r}")
    return 60.0 / bpm / subdivision


@dataclass(frozen=True)
class TimingReport:
    """Each hit against the nearest grid point: negative errors are early, positive late."""

    #: Tempo of the grid in beats per minute.
    bpm: float
    #: Grid points per beat (2: eighth notes).
    subdivision: int
    #: Time of the first grid point in seconds.
    start: float
    #: Hit times in seconds.
    hits: NDArray[np.float64]
    #: Error of each hit in seconds (hit minus nearest grid point).
    errors: NDArray[np.float64]

    @property
    def errors_ms(self) -> NDArray[np.float64]:
        """Error of each hit in ms."""
        return self.errors * 1e3

    @property
    def mean_ms(self) -> float:
        """Mean error in ms (NaN without hits): the player's tendency to rush or drag."""
        return float(np.mean(self.errors_ms)) if len(self.errors) else math.nan

    @property
    def spread_ms(self) -> float:
        """Standard deviation of the errors in ms (NaN without hits): steadiness."""
        return float(np.std(self.errors_ms)) if len(self.errors) else math.nan

    def histogram(
        self, bin_ms: float = 10.0, span_ms: float = 50.0
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Counts of errors in bins of ``bin_ms`` from ``-span_ms`` to ``span_ms`` (errors
        beyond fall into the outer bins); returns the bin edges (ms) and the counts."""
        edges = np.arange(-span_ms, span_ms + bin_ms / 2, bin_ms)
        counts, _ = np.histogram(np.clip(self.errors_ms, -span_ms, span_ms), bins=edges)
        return edges, counts.astype(np.int64)

    def summary(self) -> dict[str, Any]:
        """The session as plain data (for JSON)."""
        edges, counts = self.histogram()
        return {
            "bpm": self.bpm,
            "subdivision": self.subdivision,
            "start": self.start,
            "hits": len(self.hits),
            "mean_ms": None if math.isnan(self.mean_ms) else self.mean_ms,
            "spread_ms": None if math.isnan(self.spread_ms) else self.spread_ms,
            "early": int(np.sum(self.errors < 0)),
            "late": int(np.sum(self.errors > 0)),
            "histogram": {"edges_ms": edges.tolist(), "counts": counts.tolist()},
            "hit_times": self.hits.tolist(),
            "errors_ms": self.errors_ms.tolist(),
        }

    def text(self) -> str:
        """A terminal view: mean, spread and the early/late histogram."""
        head = f"{len(self.hits)} hits at {self.bpm:g} BPM"
        lines = [f"{head}: mean {self.mean_ms:+.1f} ms, spread {self.spread_ms:.1f} ms"]
        edges, counts = self.histogram()
        for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True):
            lines.append(f"{lo:+5.0f}..{hi:+4.0f} ms {'#' * int(n)}")
        return "\n".join(lines)


def _errors(hits: NDArray[np.float64], period: float, start: float) -> NDArray[np.float64]:
    k = np.round((hits - start) / period)
    return hits - (start + k * period)


def timing(hits: ArrayLike, bpm: float, *, start: float = 0.0, subdivision: int = 1) -> TimingReport:
    """The error of each hit (seconds) against a grid of ``subdivision`` points per beat at
    ``bpm`` from ``start`` seconds."""
    period = _check_bpm(bpm, subdivision)
    times = np.sort(np.asarray(hits, dtype=np.float64).reshape(-1))
    if not np.isfinite(times).all():
        raise ValueError("hit times must be finite seconds")
    return TimingReport(float(bpm), subdivision, float(start), times, _errors(times, period, start))


def drum_timing(
    source: str | os.PathLike[str] | ArrayLike,
    bpm: float,
    *,
    samplerate: float | None = None,
    start: float | None = None,
    subdivision: int = 1,
    threshold: float | None = None,
) -> TimingReport:
    """Hits of a recording (file or array) against a grid at ``bpm``: the hits are found
    with the causal onset detector (``threshold``: its option, lower finds softer hits); the
    grid starts at ``start`` seconds (None: at the first hit)."""
    _check_bpm(bpm, subdivision)
    options: dict[str, float | str] = {} if threshold is None else {"threshold": threshold}
    hits = analyze(source, {"onsets": options}, samplerate=samplerate).onsets
    first = float(hits[0]) if len(hits) else 0.0
    return timing(hits, bpm, start=first if start is None else start, subdivision=subdivision)


def click(g: Graph, bpm: float, level: float = 0.3) -> Signal:
    """A metronome click in ``g``: a 1.5 kHz blip on every beat from the engine's first frame."""
    _check_bpm(bpm, 1)
    gate = g.pulse(bpm / 60.0, width=0.1) * 0.5 + 0.5
    return g.sine(1500.0) * g.adsr(gate=gate, attack=0.0005, decay=0.03, sustain=0.0, release=0.01) * level


def train_live(
    bpm: float,
    seconds: float,
    *,
    backend: str = "auto",
    latency: float = 0.0,
    subdivision: int = 1,
    threshold: float | None = None,
    on_hit: Callable[[float, float, TimingReport], None] | None = None,
    loopback: bool = False,
) -> TimingReport:
    """Plays a click at ``bpm`` and times the hits heard on input 1 for ``seconds``.

    Args:
        latency: round-trip latency of the device in seconds (``chronus latency``), taken
            off every hit before it is compared with the click.
        on_hit: called with (hit time s, error s, report so far) for each hit as it comes.
        loopback: connect the engine's own output to its input (JACK) instead of the
            device's ports: the click plays itself, perfectly in time, which checks the
            set-up and ``latency`` (every error should then be within a few ms of 0).
    """
    period = _check_bpm(bpm, subdivision)
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive duration, got {seconds!r}")
    g = Graph()
    heard = g.input()
    detector = g.onsets(heard) if threshold is None else g.onsets(heard, threshold=threshold)
    g.output(click(g, bpm) + detector * 0.0)
    hits: list[float] = []
    with Engine(g, backend=backend, inputs=1, outputs=1, connect=not loopback) as live:
        if loopback:
            client = live.info["device"]
            live.connect(f"{client}:out_1", f"{client}:in_1")
        stream = live.features(detector)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for frame in stream.read():
                hit = frame.time - latency
                hits.append(hit)
                if on_hit is not None:
                    report = timing(hits, bpm, subdivision=subdivision)
                    on_hit(hit, float(_errors(np.array([hit]), period, 0.0)[0]), report)
            time.sleep(0.01)
    return timing(hits, bpm, subdivision=subdivision)
