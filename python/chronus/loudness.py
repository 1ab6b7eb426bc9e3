"""Loudness: integrated loudness (ITU-R BS.1770-4, EBU R128) and true peak, measured as a
render streams, and exports normalized to a loudness target under a true-peak ceiling.

:class:`LoudnessMeter` takes audio a chunk at a time and keeps only its filter states and
one number per 100 ms per channel, so measuring a render of any length stays memory flat.
The K-weighting filters are pyloudnorm's (the same coefficients, run with their state
carried across chunks), the gating is the spec's: 400 ms blocks every 100 ms, an absolute
gate at -70 LUFS and a relative one 10 LU under the loudness of the blocks above it. True
peak is the largest absolute value of the signal oversampled 4x by the interpolation
filter of BS.1770-4 Annex 2 (48 taps, 4 phases).

A normalized export (:func:`render_normalized`, which ``Session.export(..., lufs=)``,
``chronus.render(..., out=, lufs=)`` and ``chronus render --lufs`` use) renders twice: once
measuring, then again (the engine is deterministic: the same samples) with one constant
gain applied as it is written. The ceiling is kept by *reducing that gain*, never by a
limiter: the result is the mix scaled, no sample shaped, so when the mix's peak-to-loudness
ratio does not allow both, the true peak sits on the ceiling and the loudness stays under
the target (the report says so, and a :class:`LoudnessWarning` is issued). The ceiling
holds for the samples given to the file writer: a lossy encoder (MP3, Vorbis, Opus, AAC)
may move the decoded peaks, so leave it room there (-1 dBTP or lower).

>>> import numpy as np
>>> sr = 48_000
>>> tone = 10 ** (-23 / 20) * np.sin(2 * np.pi * 997 * np.arange(sr * 2) / sr)
>>> meter = LoudnessMeter(sr, 2)  # EBU Tech 3341: a 1 kHz sine at -23 dBFS in stereo
>>> meter.add(np.stack([tone, tone]))
>>> round(meter.integrated(), 1), round(meter.true_peak_db(), 1)
(-23.0, -23.0)
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from .progress import Progress, ProgressArg

__all__ = [
    "LoudnessMeter",
    "LoudnessReport",
    "LoudnessWarning",
    "check_targets",
    "gain_for",
    "measure",
    "render_normalized",
]

#: Channel weights of BS.1770 (L, R, C, Ls, Rs); further channels weigh 1.
CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)
#: The absolute gate, LUFS.
ABSOLUTE_GATE = -70.0
#: The relative gate, LU under the loudness of the blocks over the absolute gate.
RELATIVE_GATE = 10.0
#: Loudness targets accepted, LUFS.
LUFS_RANGE = (-70.0, 0.0)
#: True-peak ceilings accepted, dBTP.
TRUE_PEAK_RANGE = (-30.0, 0.0)
#: How far under the ceiling the gain aims, dB: room for the rounding of PCM files.
CEILING_MARGIN = 0.005

#: BS.1770-4 Annex 2: the 4x interpolation filter, 4 phases of 12 taps.
_PHASES = np.array(
    [
        [0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000,
         -0.0594482421875, 0.1373291015625, 0.9721679687500, -0.1022949218750,
         0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500],
        [-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250,
         -0.1665039062500, 0.4650878906250, 0.7797851562500, -0.2003173828125,
         0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375],
        [-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000,
         -0.2003173828125, 0.7797851562500, 0.4650878906250, -0.1665039062500,
         0.0891113281250, -0.0517578125000, 0.0292968750000, -0.0291748046875],
        [-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750,
         -0.1022949218750, 0.9721679687500, 0.1373291015625, -0.0594482421875,
         0.0332031250000, -0.0196533203125, 0.0109863281250, 0.0017089843750],
    ]
)  # fmt: skip
#: The same filter interleaved for ``upfirdn``: ``h[4k + p]`` is tap k of phase p.
_INTERPOLATOR = _PHASES.T.reshape(-1)
_TAPS = _PHASES.shape[1]


class LoudnessWarning(UserWarning):
    """A normalized export could not reach its loudness target under its true-peak ceiling."""


def _k_weighting(samplerate: int) -> list[tuple[NDArray[np.float64], NDArray[np.float64], float]]:
    """The two K-weighting stages (b, a, passband gain) at ``samplerate``, as pyloudnorm
    designs them (the high shelf, then the high pass)."""
    try:
        import pyloudnorm
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ImportError("loudness measurement needs pyloudnorm: pip install pyloudnorm") from None
    meter = pyloudnorm.Meter(samplerate)
    stages = []
    for stage in meter._filters.values():
        b, a = stage.generate_coefficients()
        stages.append((np.asarray(b, np.float64), np.asarray(a, np.float64), float(stage.passband_gain)))
    return stages


class LoudnessMeter:
    """Integrated loudness (BS.1770-4 gating) and 4x true peak of audio fed a chunk at a
    time with :meth:`add` (float arrays of shape (channels, frames)); memory grows by one
    number per channel every 100 ms."""

    def __init__(self, samplerate: int, channels: int) -> None:
        if not (isinstance(samplerate, int) and samplerate >= 1_000):
            raise ValueError(f"samplerate must be a whole number of Hz >= 1000, got {samplerate!r}")
        if not (isinstance(channels, int) and 1 <= channels <= 256):
            raise ValueError(f"channels must be 1 .. 256, got {channels!r}")
        from scipy import signal  # imported here: it takes a second or two to import

        self._lfilter = signal.lfilter
        self._upfirdn = signal.upfirdn
        self.samplerate = samplerate
        self.channels = channels
        self._stages = _k_weighting(samplerate)
        self._states = [np.zeros((channels, max(len(a), len(b)) - 1)) for b, a, _ in self._stages]
        self._hop = round(0.1 * samplerate)
        self._partial = np.zeros(channels)  # sum of squares of the unfinished 100 ms hop
        self._filled = 0
        self._hops: list[NDArray[np.float64]] = []
        self._history = np.zeros((channels, _TAPS - 1))
        self._peak = 0.0
        self._sample_peak = 0.0
        self.frames = 0

    def add(self, audio: NDArray[np.floating]) -> None:
        """Measures the next ``audio`` (channels, frames)."""
        x = np.asarray(audio, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.channels:
            raise ValueError(f"expected audio of shape ({self.channels}, frames), got {x.shape}")
        if x.shape[1] == 0:
            return
        self.frames += x.shape[1]
        self._sample_peak = max(self._sample_peak, float(np.max(np.abs(x))))
        self._true_peak(x)
        y = x
        for i, (b, a, gain) in enumerate(self._stages):
            y, self._states[i] = self._lfilter(b, a, y, axis=1, zi=self._states[i])
            y = y * gain
        squares = y * y
        at = 0
        n = squares.shape[1]
        while at < n:
            take = min(self._hop - self._filled, n - at)
            self._partial += squares[:, at : at + take].sum(axis=1)
            self._filled += take
            at += take
            if self._filled == self._hop:
                self._hops.append(self._partial)
                self._partial = np.zeros(self.channels)
                self._filled = 0

    def _true_peak(self, x: NDArray[np.float64]) -> None:
        joined = np.concatenate([self._history, x], axis=1)
        self._history = joined[:, -(_TAPS - 1) :]
        up = self._upfirdn(_INTERPOLATOR, joined, up=4, axis=1)
        # Outputs that have every tap over real (or earlier) input: from the first new sample.
        start = 4 * (_TAPS - 1)
        window = up[:, start : 4 * joined.shape[1]]
        if window.size:
            self._peak = max(self._peak, float(np.max(np.abs(window))))

    def _flush_peak(self) -> float:
        """The true peak including the filter's tail past the last sample (zeros after it)."""
        tail = np.concatenate([self._history, np.zeros((self.channels, _TAPS - 1))], axis=1)
        up = self._upfirdn(_INTERPOLATOR, tail, up=4, axis=1)[:, 4 * (_TAPS - 1) : 4 * tail.shape[1]]
        return max(self._peak, self._sample_peak, float(np.max(np.abs(up))) if up.size else 0.0)

    def integrated(self) -> float:
        """Integrated loudness so far, LUFS (-inf for silence or less than 400 ms)."""
        if len(self._hops) < 4:
            return -math.inf
        hops = np.array(self._hops)  # (hops, channels)
        weights = np.array(
            [CHANNEL_WEIGHTS[c] if c < len(CHANNEL_WEIGHTS) else 1.0 for c in range(self.channels)]
        )
        # 400 ms blocks every 100 ms: four consecutive hops; mean square per channel.
        kernel = np.ones(4)
        blocks = np.stack(
            [np.convolve(hops[:, c], kernel, mode="valid") for c in range(self.channels)], axis=1
        ) / (4 * self._hop)
        power = blocks @ weights
        with np.errstate(divide="ignore"):
            loudness = -0.691 + 10.0 * np.log10(power)
        above = loudness > ABSOLUTE_GATE
        if not np.any(above):
            return -math.inf
        relative = -0.691 + 10.0 * math.log10(float(np.mean(power[above]))) - RELATIVE_GATE
        gated = above & (loudness > relative)
        return -0.691 + 10.0 * math.log10(float(np.mean(power[gated])))

    def true_peak(self) -> float:
        """True peak so far (linear, the largest absolute value 4x oversampled)."""
        return self._flush_peak()

    def true_peak_db(self) -> float:
        """True peak so far, dBTP."""
        peak = self.true_peak()
        return 20.0 * math.log10(peak) if peak > 0 else -math.inf

    def sample_peak(self) -> float:
        """The largest absolute sample so far (linear)."""
        return self._sample_peak


def measure(audio: NDArray[np.floating], samplerate: int) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of ``audio`` (channels, frames) or (frames,)."""
    data = np.asarray(audio)
    if data.ndim == 1:
        data = data[np.newaxis, :]
    meter = LoudnessMeter(samplerate, data.shape[0])
    meter.add(data)
    return meter.integrated(), meter.true_peak_db()


def check_targets(lufs: float | None, true_peak_db: float | None) -> None:
    """Refuses a loudness target or true-peak ceiling that is not a finite number in range,
    with a ValueError naming the argument."""
    for name, value, (low, high), unit in (
        ("lufs", lufs, LUFS_RANGE, "LUFS"),
        ("true_peak_db", true_peak_db, TRUE_PEAK_RANGE, "dBTP"),
    ):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number of {unit}, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{name} must be in {low:g} .. {high:g} {unit}, got {value!r}")


@dataclass(frozen=True)
class LoudnessReport:
    """What a normalized export measured and did."""

    #: The file written.
    path: Path
    #: Loudness and true peak of the render before the gain (LUFS, dBTP).
    input_lufs: float
    input_true_peak_db: float
    #: The gain applied to every sample, dB.
    gain_db: float
    #: Loudness and true peak of what was written (the input's plus the gain: the gain is
    #: linear), LUFS and dBTP.
    lufs: float
    true_peak_db: float
    #: The target and ceiling asked for.
    target_lufs: float | None
    ceiling_db: float | None
    #: True when the ceiling lowered the gain (the loudness is then under the target).
    peak_limited: bool

    def summary(self) -> str:
        """One line: the measurements before and after, and the gain."""
        limited = " (held under the true-peak ceiling)" if self.peak_limited else ""
        return (
            f"loudness {self.input_lufs:.1f} -> {self.lufs:.1f} LUFS, true peak "
            f"{self.input_true_peak_db:.1f} -> {self.true_peak_db:.1f} dBTP, "
            f"gain {self.gain_db:+.2f} dB{limited}"
        )


def gain_for(
    reference: LoudnessMeter | None,
    meters: list[LoudnessMeter],
    lufs: float | None,
    true_peak_db: float | None,
    *,
    name: str = "the render",
) -> float:
    """The gain (dB) bringing ``reference`` to ``lufs`` (0 without a target), lowered so
    that none of ``meters`` has its true peak over ``true_peak_db`` (less a margin of
    :data:`CEILING_MARGIN` for the rounding of PCM files)."""
    gain = 0.0
    if lufs is not None and reference is not None:
        measured = reference.integrated()
        if not math.isfinite(measured):
            raise ValueError(
                f"cannot normalize {name} to {lufs:g} LUFS: it is silent (under the -70 LUFS gate)"
            )
        gain = lufs - measured
    if true_peak_db is not None:
        for meter in meters:
            peak = meter.true_peak_db()
            if math.isfinite(peak) and peak + gain > true_peak_db - CEILING_MARGIN:
                gain = true_peak_db - CEILING_MARGIN - peak
    return gain


class FrameSource(Protocol):
    """What streams a render: ``channels``, ``remaining`` frames and ``next(frames)``."""

    @property
    def channels(self) -> int: ...

    @property
    def remaining(self) -> int: ...

    def next(self, frames: int) -> NDArray[np.float32]: ...


class Scaled:
    """A frame source whose chunks are multiplied by one gain (and counted for progress)."""

    def __init__(self, source: FrameSource, gain: float = 1.0, progress: Progress | None = None) -> None:
        self._source = source
        self._gain = np.float32(gain)
        self._progress = progress
        self.channels = source.channels

    @property
    def remaining(self) -> int:
        return self._source.remaining

    def next(self, frames: int) -> NDArray[np.float32]:
        block = self._source.next(frames)
        if self._progress is not None and block.shape[1]:
            self._progress.advance(block.shape[1])
        if self._gain != 1.0:
            block = block * self._gain
        return block


def render_normalized(
    make_source: Callable[[], FrameSource],
    out: str | os.PathLike[str],
    samplerate: int,
    *,
    subtype: str | None = None,
    lufs: float | None = None,
    true_peak_db: float | None = None,
    progress: ProgressArg = None,
) -> LoudnessReport:
    """Writes a render to ``out`` normalized to ``lufs`` (integrated, BS.1770-4) with its
    true peak at most ``true_peak_db`` (either may be None). ``make_source()`` must give the
    same samples each time it is called (a fresh renderer of the same graph): it is called
    twice, once to measure and once to write, so memory stays flat however long the render.

    The ceiling is kept by lowering the gain (no limiter): then the loudness stays under the
    target, the report's ``peak_limited`` is True and a :class:`LoudnessWarning` is issued."""
    from .stream import CHUNK, render_to_file

    check_targets(lufs, true_peak_db)
    first = make_source()
    total = first.remaining
    bar = Progress.make(progress, 2 * total, samplerate, label=f"{Path(out).name}: measuring")
    meter = LoudnessMeter(samplerate, first.channels)
    while True:
        block = first.next(CHUNK)
        if block.shape[1] == 0:
            break
        meter.add(block)
        if bar is not None:
            bar.advance(block.shape[1])
    measured, peak = meter.integrated(), meter.true_peak_db()
    gain = gain_for(meter, [meter], lufs, true_peak_db, name=str(out))
    limited = true_peak_db is not None and gain < (0.0 if lufs is None else lufs - measured)
    if bar is not None:
        bar.label = f"{Path(out).name}: writing"
    path = render_to_file(Scaled(make_source(), 10.0 ** (gain / 20.0), bar), out, samplerate, subtype)
    if bar is not None:
        bar.finish()
    report = LoudnessReport(
        path=path,
        input_lufs=measured,
        input_true_peak_db=peak,
        gain_db=gain,
        lufs=measured + gain,
        true_peak_db=peak + gain,
        target_lufs=lufs,
        ceiling_db=true_peak_db,
        peak_limited=limited,
    )
    if meter.sample_peak() * 10 ** (gain / 20) > 1.0:
        warnings.warn(
            f"{path}: the gain of {gain:+.2f} dB takes samples over full scale (clipped in PCM and "
            f"lossy files): give true_peak_db (e.g. -1) to keep the peaks under it",
            LoudnessWarning,
            stacklevel=2,
        )
    if limited and lufs is not None and report.lufs < lufs - 0.5:
        warnings.warn(
            f"{path}: {report.lufs:.1f} LUFS, not {lufs:g}: the true-peak ceiling of {true_peak_db:g} dBTP "
            f"held the gain at {gain:+.2f} dB (the mix's peak is {peak - measured:.1f} dB over its loudness)",
            LoudnessWarning,
            stacklevel=2,
        )
    return report
