"""Feature recorder: analyzer frames into a Zarr store, appended in whole chunks as they come.

Each feature is a group with ``values`` (float32, frames x width), ``clock`` (int64, the
engine's sample clock) and ``times`` (float64 seconds) on one time axis, and its kind,
columns, units, samplerate, hop and latency as attributes; the root holds the samplerate
and the engine clock of the first frame. A reader needs zarr alone. Frames are written a
chunk at a time (values first, then the time axes), so a killed recorder leaves a readable
store that has lost at most the chunk in flight: the length of ``times`` is the number of
complete frames (``values`` and ``clock`` may have grown by the chunk in flight, rows that
read as zeros: read them up to that length).

Needs zarr (``pip install chronus-audio[analysis]``).

>>> import numpy as np, tempfile, zarr
>>> import chronus as cx
>>> sr = 22050
>>> tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(sr) / sr)
>>> path = cx.record.record_file(tone, tempfile.mkdtemp() + "/t.zarr", ["rms"], samplerate=sr)
>>> store = zarr.open_group(path, mode="r")
>>> store["rms/values"].shape[1], store["rms"].attrs["columns"]
(1, ['rms'])
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .analysis import FeedInfo, Frames, _feature_options, analyze
from .graph import Graph
from .live import Engine
from .signal import Signal

#: Frames per chunk unless told otherwise.
CHUNK = 256


def _zarr() -> ModuleType:
    try:
        import zarr
    except ImportError:
        raise ImportError(
            "recording features needs zarr: pip install 'chronus-audio[analysis]' (or pip install zarr)"
        ) from None
    return zarr


class ZarrRecorder:
    """Writes the frames of named features into a Zarr store, a whole chunk at a time."""

    def __init__(self, group: Any, chunk: int = CHUNK) -> None:
        """A recorder writing into the open Zarr group ``group`` (see :meth:`create`)."""
        if isinstance(chunk, bool) or not isinstance(chunk, int) or not 1 <= chunk <= 1 << 20:
            raise ValueError(f"chunk must be a number of frames from 1 to 2^20, got {chunk!r}")
        self.chunk = chunk
        self._root = group
        self._pending: dict[str, list[Frames]] = {}
        self._groups: dict[str, Any] = {}

    @classmethod
    def create(cls, path: str | os.PathLike[str], chunk: int = CHUNK, **attrs: Any) -> ZarrRecorder:
        """A recorder into a new store at ``path`` (replacing what was there), with ``attrs``
        on its root."""
        recorder = cls(_zarr().open_group(str(path), mode="w"), chunk)
        recorder.annotate(format="chronus features 1", **attrs)
        return recorder

    def add(self, name: str, info: FeedInfo) -> None:
        """Declares feature ``name`` (its arrays and attributes are written now)."""
        group = self._root.create_group(name)
        group.attrs.update(
            {
                "kind": info.kind,
                "columns": list(info.columns),
                "units": list(info.units),
                "samplerate": info.samplerate,
                "hop": info.hop,
                "latency": info.latency,
            }
        )
        group.create_array("values", shape=(0, info.width), chunks=(self.chunk, info.width), dtype="float32")
        group.create_array("clock", shape=(0,), chunks=(self.chunk,), dtype="int64")
        group.create_array("times", shape=(0,), chunks=(self.chunk,), dtype="float64")
        self._groups[name] = group
        self._pending[name] = []

    def append(self, name: str, frames: Frames) -> None:
        """Queues ``frames`` of feature ``name`` and writes every whole chunk waiting."""
        if name not in self._groups:
            raise KeyError(
                f"feature '{name}' was not added to the recorder (added: {', '.join(self._groups)})"
            )
        if len(frames):
            self._pending[name].append(frames)
        self._drain(name, everything=False)

    def _drain(self, name: str, everything: bool) -> None:
        pending = self._pending[name]
        waiting = sum(len(f) for f in pending)
        whole = waiting if everything else waiting - waiting % self.chunk
        if whole == 0:
            return
        info = pending[0].info
        clock = np.concatenate([f.clock for f in pending])
        values = np.concatenate([f.values for f in pending])
        self._write(name, clock[:whole], values[:whole], info.samplerate)
        self._pending[name] = [Frames(info, clock[whole:], values[whole:])] if whole < waiting else []

    def _write(
        self, name: str, clock: NDArray[np.int64], values: NDArray[np.float32], samplerate: float
    ) -> None:
        group = self._groups[name]
        n = group["times"].shape[0]
        end = n + len(clock)
        group["values"].resize((end, values.shape[1]))
        group["values"][n:end] = values
        group["clock"].resize((end,))
        group["clock"][n:end] = clock
        group["times"].resize((end,))
        group["times"][n:end] = clock / samplerate

    def annotate(self, **attrs: Any) -> None:
        """Adds attributes to the store's root."""
        self._root.attrs.update(attrs)

    def close(self) -> None:
        """Writes what is left (the last, partial chunk)."""
        for name in self._groups:
            self._drain(name, everything=True)


def record_file(
    source: str | os.PathLike[str] | ArrayLike,
    path: str | os.PathLike[str],
    features: Sequence[str] | Mapping[str, Mapping[str, float | str]],
    *,
    samplerate: float | None = None,
    chunk: int = CHUNK,
) -> Path:
    """Analyzes a recording and writes the chosen features into a Zarr store at ``path``."""
    result = analyze(source, features, samplerate=samplerate)
    origin = str(source) if isinstance(source, (str, os.PathLike)) else "array"
    recorder = ZarrRecorder.create(path, chunk, samplerate=result.samplerate, clock_start=0, source=origin)
    for name, frames in result.items():
        recorder.add(name, frames.info)
        recorder.append(name, frames)
    recorder.close()
    return Path(path)


def record_live(
    path: str | os.PathLike[str],
    features: Sequence[str] | Mapping[str, Mapping[str, float | str]],
    seconds: float,
    *,
    backend: str = "auto",
    chunk: int = CHUNK,
    graph: Graph | None = None,
    signal: Signal | None = None,
) -> Path:
    """Records the chosen features of input 1 (or of ``signal`` in ``graph``) for
    ``seconds`` into a Zarr store, chunk by chunk as the frames come."""
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive duration, got {seconds!r}")
    chosen = _feature_options(features)
    g = graph or Graph()
    heard = signal if signal is not None else g.input()
    taps = {name: getattr(g, name)(heard, **options) for name, options in chosen.items()}
    if graph is None:
        g.output(heard * 0.0)
    with Engine(g, backend=backend, inputs=1 if signal is None else 0) as live:
        streams = {name: live.features(node) for name, node in taps.items()}
        recorder = ZarrRecorder.create(path, chunk, samplerate=live.samplerate, clock_start=live.frame())
        for name, stream in streams.items():
            recorder.add(name, stream.info)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, stream in streams.items():
                recorder.append(name, stream.read())
            time.sleep(0.02)
        for name, stream in streams.items():
            recorder.append(name, stream.read())
        dropped = {name: stream.dropped for name, stream in streams.items()}
    recorder.annotate(dropped=dropped)
    recorder.close()
    return Path(path)
