"""Probe nodes' figures: the minimum, maximum, RMS and count of non-finite samples of each
window of a probed signal, per lane, as a live engine reads them (:meth:`chronus.Engine.probes`)
and as an offline render returns them (``chronus.render(..., probes=True)``).

A probe (``g.probe(x, "after filter")``) passes its input through and publishes one record
per completed window of ``window`` frames (256 by default), stamped with the window's first
frame on the engine's sample clock. Non-finite samples (NaN, infinities) are counted and left
out of the other three figures; a window with no finite sample reads 0 for them. The records
do not depend on the block size, so a live engine publishes the very records the offline
render of the same graph returns.

>>> import chronus as cx
>>> g = cx.Graph()
>>> _ = g.output(g.probe(g.sine(440) * 0.5, "sine"))
>>> audio, probes = cx.render(g, 0.1, probes=True)
>>> round(float(probes["sine"].max.max()), 3)
0.5
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from . import _core
    from .graph import Graph

#: The node kind of probes.
KIND = "probe"
#: Values per lane in a probe's record, in order.
FIGURES = ("min", "max", "rms", "nonfinite")


@dataclass(frozen=True)
class ProbeReading:
    """One window of one probe: each figure has one value per lane (channel)."""

    #: The probe's label (its node name).
    label: str
    #: The window's first frame on the engine's sample clock (frames since it started).
    frame: int
    #: Frames in the window.
    window: int
    #: Smallest finite sample, per lane (0 when the window had none).
    min: tuple[float, ...]
    #: Largest finite sample, per lane (0 when the window had none).
    max: tuple[float, ...]
    #: Root mean square of the finite samples, per lane (0 when the window had none).
    rms: tuple[float, ...]
    #: NaN and infinite samples, per lane.
    nonfinite: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class ProbeWindows:
    """Every window of one probe in an offline render, oldest first: figure arrays of shape
    (windows, lanes)."""

    #: The probe's label (its node name).
    label: str
    #: Frames per window.
    window: int
    #: First frame of each window (int64, (windows,)).
    frames: np.ndarray
    #: Smallest finite sample per window and lane (float32).
    min: np.ndarray
    #: Largest finite sample per window and lane (float32).
    max: np.ndarray
    #: RMS of the finite samples per window and lane (float32).
    rms: np.ndarray
    #: NaN and infinite samples per window and lane (int64).
    nonfinite: np.ndarray

    @property
    def lanes(self) -> int:
        """Lanes (channels) probed."""
        return int(self.min.shape[1])

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> ProbeReading:
        """Window ``i`` as a :class:`ProbeReading`."""
        return ProbeReading(
            self.label,
            int(self.frames[i]),
            self.window,
            tuple(float(v) for v in self.min[i]),
            tuple(float(v) for v in self.max[i]),
            tuple(float(v) for v in self.rms[i]),
            tuple(int(v) for v in self.nonfinite[i]),
        )

    def __repr__(self) -> str:
        return f"ProbeWindows({self.label!r}, window={self.window}, windows={len(self)}, lanes={self.lanes})"


class Probed(NamedTuple):
    """What ``chronus.render(..., probes=True)`` returns: ``audio, probes = render(...)``."""

    #: The render, float32 (channels, frames).
    audio: np.ndarray
    #: Every window of every probe, by label.
    probes: dict[str, ProbeWindows]


class ProbedFile(NamedTuple):
    """What ``chronus.render(..., out=path, probes=True)`` returns."""

    #: The audio file written.
    path: Path
    #: Every window of every probe, by label.
    probes: dict[str, ProbeWindows]


def _window(info: Mapping[str, Any]) -> int:
    """Frames per window, from a probe feed's info (its hop in seconds)."""
    return round(float(info["hop"]) * float(info["samplerate"]))


def _figures(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(min, max, rms, nonfinite) arrays of shape (windows, lanes) from records of shape
    (windows, 4 * lanes) laid out lane after lane."""
    rows = np.asarray(values, dtype=np.float32)
    by_lane = rows.reshape(rows.shape[0], -1, len(FIGURES))
    mins, maxs, rms, bad = (np.ascontiguousarray(by_lane[:, :, i]) for i in range(len(FIGURES)))
    return mins, maxs, rms, bad.astype(np.int64)


def probe_nodes(graph: Graph) -> dict[int, str]:
    """The probes of ``graph``: label by node id."""
    return {n.id: n.name for n in graph.nodes() if n.kind == KIND}


def collect(renderer: _core.Renderer, graph: Graph) -> None:
    """Has ``renderer`` keep every record of ``graph``'s probes."""
    renderer.collect(list(probe_nodes(graph)))


def collected(renderer: _core.Renderer, graph: Graph) -> dict[str, ProbeWindows]:
    """Every window the probes of ``graph`` published in ``renderer``, by label."""
    labels = probe_nodes(graph)
    out: dict[str, ProbeWindows] = {}
    for node_id, info, times, values in renderer.collected():
        window = _window(info)
        lanes = int(info["width"]) // len(FIGURES)
        mins, maxs, rms, bad = _figures(np.asarray(values).reshape(-1, lanes * len(FIGURES)))
        label = labels[node_id]
        out[label] = ProbeWindows(label, window, np.asarray(times, dtype=np.int64), mins, maxs, rms, bad)
    return {label: out[label] for label in labels.values() if label in out}


def reading(engine_core: _core.Engine, node_id: int, label: str) -> ProbeReading | None:
    """The latest complete window of the probe ``node_id`` playing in ``engine_core`` (None
    before its first window completes, or when the probe was not sent to the engine yet)."""
    feed = engine_core.feed(node_id)
    got = None if feed is None else feed.latest()
    if feed is None or got is None:
        return None
    frame, values = got
    mins, maxs, rms, bad = _figures(np.asarray(values).reshape(1, -1))
    return ProbeReading(
        label,
        int(frame),
        _window(feed.info()),
        tuple(float(v) for v in mins[0]),
        tuple(float(v) for v in maxs[0]),
        tuple(float(v) for v in rms[0]),
        tuple(int(v) for v in bad[0]),
    )


def latest(engine_core: _core.Engine, graph: Graph) -> dict[str, ProbeReading | None]:
    """The latest complete window of every probe of ``graph`` playing in ``engine_core``, by
    label (None before a probe's first window completes). Probes not sent to the engine yet
    (no ``update()`` since they were added) are left out."""
    out: dict[str, ProbeReading | None] = {}
    for node_id, label in probe_nodes(graph).items():
        if engine_core.feed(node_id) is None:
            continue
        out[label] = reading(engine_core, node_id, label)
    return out


def table(readings: dict[str, ProbeReading | None]) -> list[dict[str, Any]]:
    """Readings as plain rows for JSON (the panel, ``chronus play``): label, frame, window
    and the four figures per lane (None before a probe's first window)."""
    rows: list[dict[str, Any]] = []
    for label, r in readings.items():
        if r is None:
            rows.append({"label": label, "frame": None, "window": None})
            continue
        rows.append(
            {
                "label": label,
                "frame": r.frame,
                "window": r.window,
                "min": list(r.min),
                "max": list(r.max),
                "rms": list(r.rms),
                "nonfinite": list(r.nonfinite),
            }
        )
    return rows
