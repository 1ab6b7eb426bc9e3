"""Neural pitch: swift-f0 (an ONNX model, MIT) behind the same pitch frames as the DSP tracker.

The model never runs on the audio thread. A ``samples`` tap (``g.samples(x)``) hands the
input to a worker, which resamples it to the model's 16 kHz with a streaming soxr resampler,
runs the model over fixed windows (:data:`STEP` new frames with :data:`CONTEXT` frames of
audio either side) and publishes frames of ``f0`` (Hz), ``voiced`` (0 or 1) and
``confidence`` (0..1) stamped on the engine's sample clock, like the ``pitch`` node's.
Everything the worker computes depends on the samples alone, never on how they were
delivered, so live frames equal offline frames (:func:`chronus.analyze` with
``pitch_backend="swift-f0"``) bit for bit for the same input.

It needs the ``neural`` extra: ``pip install 'chronus-audio[neural]'`` (swift-f0, whose wheel
holds the model weights, onnxruntime and soxr); nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
import math
import threading
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .analysis import FeatureStream, FeedInfo, Frame, Frames

#: Pitch backends: the DSP tracker (the ``pitch`` node) and the neural model.
PITCH_BACKENDS: tuple[str, ...] = ("yin", "swift-f0")

#: The model's sample rate and hop (frames every 16 ms).
MODEL_RATE = 16_000
MODEL_HOP = 256
#: New frames per model run.
STEP = 64
#: Frames of audio the model sees before and after the frames it is asked for (its
#: receptive field reaches 11 frames each way).
CONTEXT = 16
#: Input samples resampled at a time (a fixed slicing keeps the output independent of how
#: the audio arrives).
RESAMPLE_BLOCK = 4096
#: Samples per block of the tap that feeds a live worker.
TAP_BLOCK = 1024
#: A frame is voiced when the model's confidence reaches this (swift-f0's calibration).
VOICED = 0.5

COLUMNS = ("f0", "voiced", "confidence")
UNITS = ("Hz", "", "")


class NeuralExtraMissingError(ImportError):
    """The neural pitch backend's packages are not installed."""


def _modules() -> tuple[ModuleType, ModuleType]:
    """swift_f0 and soxr, or :class:`NeuralExtraMissingError` naming the extra."""
    try:
        swift_f0 = importlib.import_module("swift_f0")
        importlib.import_module("onnxruntime")
        soxr = importlib.import_module("soxr")
    except ImportError as e:
        raise NeuralExtraMissingError(
            f"the 'swift-f0' pitch backend needs the neural extra, which is not installed "
            f"({e.name or e} is missing): pip install 'chronus-audio[neural]'",
            name=e.name,
        ) from e
    return swift_f0, soxr


def check_backend(backend: str) -> str:
    """``backend`` if it is one of :data:`PITCH_BACKENDS`, else ValueError listing them."""
    if backend not in PITCH_BACKENDS:
        raise ValueError(f"unknown pitch backend {backend!r} (backends: {', '.join(PITCH_BACKENDS)})")
    return backend


def latency(samplerate: float, tap_block: int = TAP_BLOCK) -> float:
    """Most seconds from the time a frame stands for to its publication, not counting the
    model's run time: a tap block, a resampler block, and a whole step with its lookahead."""
    model = (STEP + CONTEXT) * MODEL_HOP / MODEL_RATE
    return (tap_block + RESAMPLE_BLOCK) / samplerate + model


class SwiftF0Tracker:
    """The streaming worker: audio at ``samplerate`` in (:meth:`push`), pitch frames out.

    Frame ``k`` stands for the input time ``k * 256 / 16000`` s after the first sample
    pushed; its clock is ``origin + round(k * 256 * samplerate / 16000)``. The frames of a
    step come out once the audio for the step and its lookahead has arrived; :meth:`flush`
    ends the stream and hands out the rest (the audio after the end reads as silence).
    """

    def __init__(
        self,
        samplerate: float,
        *,
        fmin: float | None = None,
        fmax: float | None = None,
        threads: int = 1,
    ) -> None:
        swift_f0, soxr = _modules()
        if not (math.isfinite(samplerate) and samplerate >= 1000 and float(samplerate).is_integer()):
            raise ValueError(f"the swift-f0 backend needs a whole sample rate >= 1000 Hz, got {samplerate!r}")
        self.samplerate = float(samplerate)
        self.fmin = None if fmin is None else float(fmin)
        self.fmax = None if fmax is None else float(fmax)
        self._detector = swift_f0.SwiftF0(threads=threads, spin=False)
        self._resampler = soxr.ResampleStream(int(samplerate), MODEL_RATE, 1, dtype="float32", quality="HQ")
        # Input waiting for the resampler; 16 kHz audio from frame `_base - CONTEXT` on.
        self._pending = np.zeros(0, np.float32)
        self._audio = np.zeros(CONTEXT * MODEL_HOP, np.float32)
        self._base = 0
        self._resampled = 0
        self._origin: int | None = None
        self._next_clock: int | None = None
        self._flushed = False
        #: Input samples pushed so far.
        self.consumed = 0
        #: Input samples lost before they were pushed (gaps filled with silence).
        self.gaps = 0

    @property
    def info(self) -> FeedInfo:
        """What the frames carry (the ``pitch`` node's columns)."""
        return FeedInfo(
            "pitch", COLUMNS, UNITS, 3, self.samplerate, MODEL_HOP / MODEL_RATE, latency(self.samplerate)
        )

    def _empty(self) -> Frames:
        return Frames(self.info, np.zeros(0, np.int64), np.zeros((0, 3), np.float32))

    def push(self, samples: NDArray[np.float32], clock: int | None = None) -> Frames:
        """Feeds mono ``samples`` (the first at engine ``clock``, if known); returns the frames
        completed. A jump in ``clock`` past the samples expected is filled with silence and
        counted in :attr:`gaps`; a clock going back raises."""
        if self._flushed:
            raise RuntimeError("this pitch stream was flushed; start another")
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if clock is not None:
            if self._origin is None:
                self._origin, self._next_clock = int(clock), int(clock)
            assert self._next_clock is not None
            gap = int(clock) - self._next_clock
            if gap < 0:
                raise ValueError(f"samples at clock {clock} overlap the ones pushed up to {self._next_clock}")
            if gap:
                self.gaps += gap
                samples = np.concatenate([np.zeros(gap, np.float32), samples])
        elif self._origin is None:
            self._origin, self._next_clock = 0, 0
        self._next_clock = (self._next_clock or 0) + len(samples)
        self.consumed += len(samples)
        self._pending = np.concatenate([self._pending, samples])
        blocks = len(self._pending) // RESAMPLE_BLOCK
        if blocks:
            self._resample(self._pending[: blocks * RESAMPLE_BLOCK], last=False)
            self._pending = self._pending[blocks * RESAMPLE_BLOCK :].copy()
        return self._run(final=False)

    def flush(self) -> Frames:
        """Ends the stream: the frames still owed, up to the end of the audio."""
        if self._flushed:
            return self._empty()
        self._resample(self._pending, last=True)
        self._pending = np.zeros(0, np.float32)
        out = self._run(final=True)
        self._flushed = True
        return out

    def _resample(self, x: NDArray[np.float32], last: bool) -> None:
        parts = [self._resampler.resample_chunk(block, last=False) for block in _blocks(x)]
        if last:
            parts.append(self._resampler.resample_chunk(np.zeros(0, np.float32), last=True))
        got = np.concatenate([self._audio, *parts]).astype(np.float32, copy=False)
        self._resampled += len(got) - len(self._audio)
        self._audio = got

    def _run(self, final: bool) -> Frames:
        """Model runs over every whole step the audio holds (at the end, over the rest)."""
        window = (CONTEXT + STEP + CONTEXT) * MODEL_HOP
        owed = -(-self._resampled // MODEL_HOP) if final else 0  # frames up to the end
        clocks: list[NDArray[np.int64]] = []
        values: list[NDArray[np.float32]] = []
        while True:
            if len(self._audio) >= window:
                step = STEP
            elif final and self._base < owed:
                step = min(STEP, owed - self._base)
                self._audio = np.concatenate([self._audio, np.zeros(window - len(self._audio), np.float32)])
            else:
                break
            result = self._detector.detect(self._audio[:window], MODEL_RATE, self.fmin, self.fmax)
            f0 = result.pitch_hz[CONTEXT : CONTEXT + step]
            confidence = result.confidence[CONTEXT : CONTEXT + step]
            frames = np.arange(self._base, self._base + step)
            assert self._origin is not None
            stamps = np.rint(frames * (MODEL_HOP * self.samplerate / MODEL_RATE)).astype(np.int64)
            clocks.append(self._origin + stamps)
            values.append(np.stack([f0, confidence >= VOICED, confidence], axis=1).astype(np.float32))
            self._audio = self._audio[STEP * MODEL_HOP :]
            self._base += step
        if not clocks:
            return self._empty()
        return Frames(self.info, np.concatenate(clocks), np.concatenate(values))


def _blocks(x: NDArray[np.float32]) -> Iterator[NDArray[np.float32]]:
    for start in range(0, len(x), RESAMPLE_BLOCK):
        yield np.ascontiguousarray(x[start : start + RESAMPLE_BLOCK])


def _join(info: FeedInfo, parts: list[Frames]) -> Frames:
    parts = [p for p in parts if len(p)]
    if not parts:
        return Frames(info, np.zeros(0, np.int64), np.zeros((0, 3), np.float32))
    return Frames(info, np.concatenate([p.clock for p in parts]), np.concatenate([p.values for p in parts]))


def pitch_of_blocks(
    blocks: Frames, tail: NDArray[np.float32], samplerate: float, options: dict[str, Any]
) -> Frames:
    """Offline: the frames of a tracker fed the sample tap's ``blocks`` then ``tail`` (the
    input after the last whole block), flushed."""
    tracker = SwiftF0Tracker(samplerate, **_tracker_options(options))
    blocks_in = zip(blocks.clock, blocks.values, strict=True)
    parts = [tracker.push(values, int(clock)) for clock, values in blocks_in]
    if len(tail):
        start = int(blocks.clock[-1]) + blocks.info.width if len(blocks) else 0
        parts.append(tracker.push(tail, start))
    parts.append(tracker.flush())
    return _join(tracker.info, parts)


def _tracker_options(options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - {"fmin", "fmax", "buffer"}
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ValueError(f"the swift-f0 pitch backend has no option {names} (options: fmin, fmax)")
    return {k: float(v) for k, v in options.items() if k in ("fmin", "fmax")}


class NeuralPitchStream:
    """Live frames of the swift-f0 backend over a ``samples`` tap (from
    :meth:`chronus.Engine.features` with ``pitch_backend="swift-f0"``): the same reading
    methods as :class:`~chronus.analysis.FeatureStream`.

    A worker thread drains the tap every ``poll`` seconds and runs the model; its frames wait
    for :meth:`read` in a list holding ``buffer`` seconds of them (then the newest are dropped
    and counted). :meth:`close` stops the worker and hands out the frames still owed for the
    audio it read (the tap's last partial block is never published, so it is not among them).
    """

    def __init__(
        self,
        tap: FeatureStream,
        *,
        fmin: float | None = None,
        fmax: float | None = None,
        buffer: float = 10.0,
        poll: float = 0.01,
    ) -> None:
        if tap.info.kind != "samples":
            kind = tap.info.kind
            raise ValueError(f"the swift-f0 backend reads a samples tap (g.samples(x)), not a {kind} node")
        self._tap = tap
        self._tracker = SwiftF0Tracker(tap.info.samplerate, fmin=fmin, fmax=fmax)
        #: The tap node's name.
        self.name = tap.name
        #: What the frames carry.
        self.info = self._tracker.info
        self._capacity = max(16, int(buffer / self.info.hop))
        self._lock = threading.Lock()
        self._clock: list[NDArray[np.int64]] = []
        self._values: list[NDArray[np.float32]] = []
        self._waiting = 0
        self._written = 0
        self._dropped = 0
        self._latest: Frame | None = None
        self._error: BaseException | None = None
        self._poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name=f"swift-f0 {self.name}", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                if not self._step():
                    self._stop.wait(self._poll)
            self._step()
            self._publish(self._tracker.flush())
        except BaseException as e:  # handed to the reader
            self._error = e

    def _step(self) -> bool:
        blocks = self._tap.read()
        for clock, values in zip(blocks.clock, blocks.values, strict=True):
            self._publish(self._tracker.push(values, int(clock)))
        return len(blocks) > 0

    def _publish(self, frames: Frames) -> None:
        if not len(frames):
            return
        with self._lock:
            room = max(0, self._capacity - self._waiting)
            kept = min(room, len(frames))
            if kept:
                self._clock.append(frames.clock[:kept])
                self._values.append(frames.values[:kept])
                self._waiting += kept
            self._dropped += len(frames) - kept
            self._written += len(frames)
            self._latest = Frame(self.info, int(frames.clock[-1]), frames.values[-1])

    def _check(self) -> None:
        if self._error is not None:
            raise RuntimeError(f"the swift-f0 worker of {self.name!r} failed: {self._error}") from self._error

    @property
    def written(self) -> int:
        """Frames the worker published so far, read or not."""
        return self._written

    @property
    def dropped(self) -> int:
        """Frames lost: not read in time, or never computed because the tap dropped audio
        (each lost tap sample counts as 1 / (hop in samples) of a frame, rounded up)."""
        hop = MODEL_HOP * self.info.samplerate / MODEL_RATE
        return self._dropped + math.ceil(self._tracker.gaps / hop)

    def latest(self) -> Frame | None:
        """The newest frame (None before the first)."""
        self._check()
        return self._latest

    def read(self) -> Frames:
        """Every frame waiting, oldest first (possibly none); it is not returned again."""
        self._check()
        with self._lock:
            clock, values = self._clock, self._values
            self._clock, self._values, self._waiting = [], [], 0
        if not clock:
            return Frames(self.info, np.zeros(0, np.int64), np.zeros((0, 3), np.float32), self.dropped)
        return Frames(self.info, np.concatenate(clock), np.concatenate(values), self.dropped)

    def frames(self, timeout: float | None = None, poll: float = 0.005) -> Iterator[Frame]:
        """Yields frames as they come, oldest first; ends once ``timeout`` seconds pass
        without a new frame (None: never)."""
        if timeout is not None and not (math.isfinite(timeout) and timeout >= 0):
            raise ValueError(f"timeout must be a number of seconds >= 0 or None, got {timeout!r}")
        last = time.monotonic()
        while True:
            batch = self.read()
            if len(batch):
                last = time.monotonic()
                yield from batch
            elif not self._thread.is_alive() or (timeout is not None and time.monotonic() - last >= timeout):
                return
            else:
                time.sleep(poll)

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def close(self) -> None:
        """Stops the worker after it read what the tap holds and published the frames owed."""
        self._halt()
        self._check()

    def _halt(self) -> None:
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> NeuralPitchStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"NeuralPitchStream({self.name!r}, backend='swift-f0', dropped={self.dropped})"
