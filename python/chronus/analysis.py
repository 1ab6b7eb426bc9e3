"""Analysis: feature frames from analyzer nodes, live and over recordings.

Analyzer nodes (``g.onsets(x)``, ``g.pitch(x)``, ``g.mel(x)``, ... see ``docs/nodes.md``) pass
their input through and publish frames stamped with the engine's sample clock. Read them live
with :meth:`chronus.Engine.features`, or over a file or an array with :func:`analyze`: the
same input gives the same frames both ways, bit for bit.

>>> import numpy as np
>>> import chronus as cx
>>> sr = 22050
>>> tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(sr) / sr)
>>> pitch = cx.analyze(tone, ["pitch"], samplerate=sr)["pitch"]
>>> round(float(np.median(pitch["f0"][pitch["voiced"] > 0])))
220
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from .audio import _checked_audio, read_audio
from .graph import Graph
from .signal import Node

#: Every analyzer kind, in the order :func:`analyze` reports them.
FEATURES: tuple[str, ...] = (
    "stft",
    "mel",
    "mfcc",
    "chroma",
    "spectral",
    "rms",
    "loudness",
    "onsets",
    "pitch",
    "notes",
    "beats",
    "samples",
)

#: Options of the beat tracker (the ``beats`` node and the offline tracker alike).
_BEAT_OPTIONS = {"bpm_min": 55.0, "bpm_max": 215.0, "prior_bpm": 120.0, "prior_octaves": 0.5}


@dataclass(frozen=True)
class FeedInfo:
    """What an analyzer's frames carry."""

    #: Node kind that wrote them.
    kind: str
    #: Names of the values of a frame (empty for numbered bins: spectra, mel bands, MFCC).
    columns: tuple[str, ...]
    #: Units of the values: one per column, or one for every bin.
    units: tuple[str, ...]
    #: Values per frame.
    width: int
    #: Sample rate of the clock the frames are stamped with, in Hz.
    samplerate: float
    #: Seconds between frames (0 for events: onsets, beats, notes).
    hop: float
    #: Most seconds from the time a frame stands for to the moment it is published.
    latency: float

    @classmethod
    def _of(cls, d: Mapping[str, Any]) -> FeedInfo:
        return cls(
            kind=str(d["kind"]),
            columns=tuple(d["columns"]),
            units=tuple(d["units"]),
            width=int(d["width"]),
            samplerate=float(d["samplerate"]),
            hop=float(d["hop"]),
            latency=float(d["latency"]),
        )

    def column(self, name: str) -> int:
        """Index of column ``name``; KeyError listing the columns if it has none such."""
        if name not in self.columns:
            have = ", ".join(self.columns) if self.columns else f"none: {self.width} numbered bins"
            raise KeyError(f"{self.kind} frames have no column '{name}' (columns: {have})")
        return self.columns.index(name)


@dataclass(frozen=True)
class Frame:
    """One frame: its time and values."""

    info: FeedInfo
    #: Time the frame stands for, on the engine's sample clock (frames).
    clock: int
    #: float32 values, ``info.width`` of them.
    values: NDArray[np.float32]

    @property
    def time(self) -> float:
        """Time the frame stands for, in seconds of the engine clock."""
        return self.clock / self.info.samplerate

    def __getitem__(self, column: str) -> float:
        return float(self.values[self.info.column(column)])


@dataclass(frozen=True)
class Frames:
    """Frames of one analyzer, oldest first: ``frames["f0"]`` is a column, ``frames.times``
    their times in seconds, ``frames.values`` the (frames, width) array."""

    info: FeedInfo
    #: int64 times on the engine's sample clock (frames).
    clock: NDArray[np.int64]
    #: float32 values, shape (frames, width).
    values: NDArray[np.float32]
    #: Frames lost before these were read (a reader that fell behind); 0 offline.
    dropped: int = 0

    @property
    def times(self) -> NDArray[np.float64]:
        """Times the frames stand for, in seconds of the engine clock."""
        return self.clock / self.info.samplerate

    def __len__(self) -> int:
        return len(self.clock)

    def __getitem__(self, column: str) -> NDArray[np.float32]:
        return self.values[:, self.info.column(column)]

    def __iter__(self) -> Iterator[Frame]:
        for clock, values in zip(self.clock, self.values, strict=True):
            yield Frame(self.info, int(clock), values)


class FeatureStream:
    """The frames an analyzer node of a live engine publishes (from
    :meth:`chronus.Engine.features`).

    Frames wait in a ring the node preallocated (its ``buffer`` option, in seconds); a reader
    that falls behind loses the newest frames, never delays the audio, and :attr:`dropped`
    counts them. :meth:`latest` never loses anything: it is the newest frame, read or not.
    """

    def __init__(self, feed: _core.Feed, name: str) -> None:
        self._feed = feed
        #: The analyzer node's name.
        self.name = name
        #: What the frames carry.
        self.info = FeedInfo._of(feed.info())

    @property
    def written(self) -> int:
        """Frames the node published so far, read or not."""
        return self._feed.written()

    @property
    def dropped(self) -> int:
        """Frames lost because they were not read in time."""
        return self._feed.dropped()

    def latest(self) -> Frame | None:
        """The newest frame (None before the first)."""
        got = self._feed.latest()
        if got is None:
            return None
        clock, values = got
        return Frame(self.info, clock, values)

    def read(self) -> Frames:
        """Every frame waiting, oldest first (possibly none); it is not returned again."""
        clock, values = self._feed.drain()
        return Frames(self.info, clock, values, self.dropped)

    def frames(self, timeout: float | None = None, poll: float = 0.005) -> Iterator[Frame]:
        """Yields frames as they come, oldest first, checking every ``poll`` seconds; ends
        once ``timeout`` seconds pass without a new frame (None: never)."""
        if timeout is not None and not (math.isfinite(timeout) and timeout >= 0):
            raise ValueError(f"timeout must be a number of seconds >= 0 or None, got {timeout!r}")
        if not (math.isfinite(poll) and poll > 0):
            raise ValueError(f"poll must be a positive number of seconds, got {poll!r}")
        last = time.monotonic()
        while True:
            batch = self.read()
            if len(batch):
                last = time.monotonic()
                yield from batch
            elif timeout is not None and time.monotonic() - last >= timeout:
                return
            else:
                time.sleep(poll)

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def __repr__(self) -> str:
        return f"FeatureStream({self.name!r}, kind={self.info.kind!r}, dropped={self.dropped})"


def stream(engine_core: _core.Engine, graph: Graph, node: Node) -> FeatureStream:
    """The feature stream of analyzer ``node`` playing in ``engine_core`` (see
    :meth:`chronus.Engine.features`)."""
    if not isinstance(node, Node):
        raise TypeError(f"features() needs an analyzer node, got {type(node).__name__}")
    if node._graph is not graph:
        raise ValueError(f"node '{node.name}' belongs to another graph than the engine's")
    if node.kind not in FEATURES:
        raise ValueError(
            f"node '{node.name}' is a {node.kind or 'custom'} node, which publishes no features "
            f"(analyzers: {', '.join(FEATURES)})"
        )
    feed = engine_core.feed(node.id)
    if feed is None:
        raise ValueError(f"node '{node.name}' is not playing yet: send the edit that adds it (update())")
    return FeatureStream(feed, node.name)


class Analysis(Mapping[str, Frames]):
    """The frames of each feature :func:`analyze` computed, by feature name, with the
    common readings: :attr:`onsets`, :attr:`beats`, :attr:`tempo`, :attr:`notes`."""

    def __init__(self, frames: dict[str, Frames], samplerate: float, duration: float, causal: bool) -> None:
        self._frames = frames
        #: Sample rate of the analyzed audio, in Hz.
        self.samplerate = samplerate
        #: Length of the analyzed audio, in seconds.
        self.duration = duration
        #: Whether every feature came from a causal (live-capable) analyzer.
        self.causal = causal

    def __getitem__(self, feature: str) -> Frames:
        if feature not in self._frames:
            raise KeyError(f"no '{feature}' in this analysis (computed: {', '.join(self._frames)})")
        return self._frames[feature]

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def onsets(self) -> NDArray[np.float64]:
        """Onset times in seconds."""
        return self["onsets"].times

    @property
    def beats(self) -> NDArray[np.float64]:
        """Beat times in seconds."""
        return self["beats"].times

    @property
    def tempo(self) -> float | None:
        """Tempo in BPM: 60 over the median interval between beats (None for under two)."""
        gaps = np.diff(self.beats)
        gaps = gaps[gaps > 0]
        return float(60.0 / np.median(gaps)) if len(gaps) else None

    @property
    def notes(self) -> NDArray[np.float64]:
        """Notes as rows of (onset s, offset s, pitch as a fractional MIDI number); a note
        dated before the start begins at 0, one still sounding at the end ends with the audio."""
        frames = self["notes"]
        rows: list[tuple[float, float, float]] = []
        start: tuple[float, float] | None = None
        for t, pitch, on in zip(frames.times, frames["pitch"], frames["on"], strict=True):
            if on > 0:
                start = (max(float(t), 0.0), float(pitch))
            elif start is not None:
                rows.append((start[0], float(t), start[1]))
                start = None
        if start is not None:
            rows.append((start[0], max(self.duration, start[0]), start[1]))
        return np.array(rows, dtype=np.float64).reshape(-1, 3)

    def to_json(self) -> dict[str, Any]:
        """Plain data for JSON: event features as lists of seconds (``onsets``, ``beats``,
        with ``tempo``), ``pitch`` as times/f0/voiced/confidence, ``notes`` as
        [onset s, offset s, MIDI] rows, other features as times/columns/units/values."""
        out: dict[str, Any] = {
            "samplerate": self.samplerate,
            "duration": self.duration,
            "causal": self.causal,
        }
        for name, frames in self._frames.items():
            if name in ("onsets", "beats"):
                out[name] = frames.times.tolist()
                if name == "beats":
                    out["tempo"] = self.tempo
            elif name == "pitch":
                out[name] = {
                    "times": frames.times.tolist(),
                    "f0": frames["f0"].astype(float).tolist(),
                    "voiced": (frames["voiced"] > 0).tolist(),
                    "confidence": frames["confidence"].astype(float).tolist(),
                }
            elif name == "notes":
                out[name] = self.notes.tolist()
            else:
                out[name] = {
                    "times": frames.times.tolist(),
                    "columns": list(frames.info.columns),
                    "units": list(frames.info.units),
                    "values": frames.values.astype(float).tolist(),
                }
        return out

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}: {len(v)}" for k, v in self._frames.items())
        return f"Analysis({self.duration:.2f} s at {self.samplerate:g} Hz; {parts})"


def _feature_options(
    features: Sequence[str] | Mapping[str, Mapping[str, float | str]],
) -> dict[str, dict[str, float | str]]:
    """``features`` as {name: options}, each name checked."""
    if isinstance(features, str):
        raise TypeError(f"features must be a list of names, got the string {features!r} (wrap it in a list)")
    chosen: dict[str, dict[str, float | str]] = (
        {k: dict(v) for k, v in features.items()}
        if isinstance(features, Mapping)
        else {k: {} for k in features}
    )
    if not chosen:
        raise ValueError(f"no features asked for (choose from: {', '.join(FEATURES)})")
    for name in chosen:
        if name not in FEATURES:
            raise ValueError(f"unknown feature '{name}' (features: {', '.join(FEATURES)})")
    return chosen


def _offline_beats(
    audio: NDArray[np.float32], samplerate: float, options: Mapping[str, float | str]
) -> Frames:
    """Beats by the offline tracker (Viterbi over the whole recording)."""
    unknown = set(options) - set(_BEAT_OPTIONS) - {"buffer"}
    if unknown:
        raise ValueError(
            f"beats has no option {', '.join(sorted(unknown))} (options: {', '.join(_BEAT_OPTIONS)})"
        )
    config = {k: float(options.get(k, v)) for k, v in _BEAT_OPTIONS.items()}
    mono = np.ascontiguousarray(audio.mean(axis=0, dtype=np.float32))
    clock, tempo = _core.beats_offline(mono, samplerate, **config)
    duration = audio.shape[1] / samplerate
    info = FeedInfo("beats", ("tempo", "latency"), ("BPM", "s"), 2, samplerate, 0.0, duration)
    values = np.stack([tempo, np.full(len(tempo), duration)], axis=1).astype(np.float32).reshape(-1, 2)
    return Frames(info, clock, values)


def neural_backend(pitch_backend: str) -> bool:
    """Whether ``pitch_backend`` is the neural one (ValueError for an unknown backend; the
    neural extra's ImportError if it is asked for and missing)."""
    from . import neural as _neural

    if _neural.check_backend(pitch_backend) == "yin":
        return False
    _neural._modules()
    return True


def analyze(
    source: str | os.PathLike[str] | ArrayLike,
    features: Sequence[str] | Mapping[str, Mapping[str, float | str]] = ("onsets", "beats", "pitch"),
    *,
    samplerate: float | None = None,
    causal: bool = True,
    blocksize: int = 1024,
    pitch_backend: str = "yin",
) -> Analysis:
    """Runs analyzers over a recording with the engine loop, exactly as live nodes would.

    Args:
        source: an audio file (WAV, FLAC, OGG, MP3, ...) or an array of shape (channels,
            frames) or (frames,).
        features: names from :data:`FEATURES`, or {name: {option: value}} with the options
            of the node of that name (``{"mel": {"bands": 64}}``).
        samplerate: sample rate of an array, in Hz (required for arrays; for a file, if
            given, it must be the file's: nothing is resampled).
        causal: True gives exactly what the live nodes give; False lets the beat tracker
            look at the whole recording (Viterbi decoding) instead of deciding as it goes.
        blocksize: frames per engine block (the frames do not depend on it).
        pitch_backend: what computes ``pitch``: "yin" (the ``pitch`` node) or "swift-f0"
            (the neural model of :mod:`chronus.neural`, fed by a ``samples`` tap; needs
            ``pip install 'chronus-audio[neural]'``). Its options are ``fmin`` and ``fmax``.

    Returns:
        An :class:`Analysis`: ``result["pitch"]["f0"]``, ``result.onsets``, ``result.tempo``...
    """
    chosen = _feature_options(features)
    neural = neural_backend(pitch_backend) and "pitch" in chosen
    if isinstance(source, (str, os.PathLike)):
        audio, file_rate = read_audio(source)
        if samplerate is not None and samplerate != file_rate:
            raise ValueError(
                f"{Path(source)} is at {file_rate} Hz, not the {samplerate} Hz asked for "
                "(it is not resampled)"
            )
        rate = float(file_rate)
    else:
        if samplerate is None:
            raise ValueError("analyze() of an array needs its samplerate (Hz)")
        audio = _checked_audio(source, "analyze() input")
        rate = float(samplerate)
    if not (math.isfinite(rate) and rate >= 1000):
        raise ValueError(f"samplerate must be at least 1000 Hz, got {samplerate!r}")
    if isinstance(blocksize, bool) or not isinstance(blocksize, int) or not 16 <= blocksize <= 4096:
        raise ValueError(f"blocksize must be an integer from 16 to 4096 frames, got {blocksize!r}")
    g = Graph()
    x = g.input(channels=audio.shape[0])
    g.output(x)
    taps: dict[int, str] = {}
    for name, options in chosen.items():
        if name == "beats" and not causal:
            continue
        builder = getattr(g, name)
        try:
            if name == "pitch" and neural:
                options = {"size": 1024, "buffer": options.get("buffer", 10.0)}
                builder = g.samples
            node = builder(x, **options)
        except TypeError as e:
            raise ValueError(f"{name}: {e}") from None
        taps[node.id] = name
    got: dict[str, Frames] = {}
    if taps:
        for node_id, info, clock, values in _core.analyze(g._core, audio, rate, blocksize):
            got[taps[node_id]] = Frames(FeedInfo._of(info), clock, values)
    if "beats" in chosen and not causal:
        got["beats"] = _offline_beats(audio, rate, chosen["beats"])
    if neural:
        from . import neural as _neural

        blocks = got["pitch"]
        start = len(blocks) * blocks.info.width
        tail = audio[:, start:].sum(axis=0, dtype=np.float32) * np.float32(1 / audio.shape[0])
        got["pitch"] = _neural.pitch_of_blocks(blocks, tail, rate, dict(chosen["pitch"]))
    ordered = {name: got[name] for name in chosen}
    return Analysis(ordered, rate, audio.shape[1] / rate, causal)
