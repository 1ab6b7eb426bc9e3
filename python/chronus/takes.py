"""Recording into a session's tracks: armed tracks, punch in/out at beats, loop recording.

A track is armed with :meth:`chronus.session.Track.arm` (which channels of the device
input, or of the engine's output, it takes). :meth:`chronus.Session.record` records every
armed track at once (``track.record`` one track) while an engine plays the session:

* ``punch=(beat_in, beat_out)``: the take is the audio between those beats, to the frame,
  and becomes a clip on its track at ``beat_in``;
* ``loop=(beat_a, beat_b)``: the session cycles over the region, as a DAW's cycle does
  (:meth:`chronus.Session.set_cycle`, ``passes`` times, or
  :data:`chronus.cycle.ENDLESS_PASSES` when recording until ``stop()``; the engine
  takes the cycle at once, before the region starts): every pass plays the same backing,
  sample for sample, and each pass over the region is a take of its own; all are kept
  (files and :attr:`Track.takes`), the last complete one is the active clip at ``beat_a``
  (:meth:`Track.activate` swaps another in), which the cycle then plays in every pass
  (from the next compile: a render, the engine's next edit). The cycle stays set when
  the recording ends (after its passes the session plays on from ``beat_b``);
  ``session.stop_cycle()`` ends it as a DAW does (the pass playing is the last, then the
  session plays on from ``beat_b``); ``session.set_cycle(None)`` and an edit of the engine
  drop it (the timeline then plays straight on, from the frame the engine has reached);
* neither: from now until ``stop()``, the clip where the take started.

Beats are placed on the engine's frame clock through the session's tempo map (the
timeline plays from the engine's first frame; a loop's passes follow one another on the
clock, each a region's length later, while the cycle plays the region again in each one).
One capture runs for all armed tracks: the engine's write-behind recorder streams it to a
WAV file beside the takes (crash safe: readable up to the last second), started a little
before the punch-in by a watcher thread and stopped after the punch-out; at the end each
take is cut from it on its exact frames, a chunk at a time (memory flat), and the capture
file is removed.
Frames the writer lost (overruns) are counted and reported in :attr:`Recording.overruns`
and a :class:`RecordingWarning`; the takes are still cut (from that point on they are no
longer sample accurate).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import soundfile as sf

from .cycle import ENDLESS_PASSES, Cycle

if TYPE_CHECKING:
    from .live import Engine
    from .session import Clip, Session, Track

__all__ = ["Arm", "Recording", "RecordingWarning", "TakeFile"]

#: Seconds before the punch-in at which the capture starts.
PREROLL = 0.5
#: Frames read and written at a time when cutting takes.
CUT_CHUNK = 65_536
#: Sources a track records.
SOURCES = ("input", "output")


class RecordingWarning(UserWarning):
    """A recording lost frames (the writer fell behind) or could not cut a take."""


@dataclass(frozen=True)
class Arm:
    """What an armed track records: ``source`` ("input": the device input, "output": the
    engine's output) and which of its channels."""

    source: str
    #: None: the source's first two channels (one, if it has one).
    channels: tuple[int, ...] | None


@dataclass
class TakeFile:
    """One take on a track: its file, where it starts on the engine clock (frames), the
    loop pass it came from (0 without a loop) and whether it ran its whole region."""

    track: Track
    path: Path
    start: int
    frames: int
    index: int
    complete: bool
    #: Where its clip goes on the timeline, frames: a loop pass at the loop's start.
    at: int
    #: The clip playing it, while it is the active take.
    clip: Clip | None = field(default=None, repr=False)


def check_arm(track: Track, source: str, channels: int | Sequence[int] | None) -> Arm:
    """The :class:`Arm` of ``track.arm(source=, channels=)``, or an error naming the track."""
    if source not in SOURCES:
        raise ValueError(f"track '{track.name}': arm() records source 'input' or 'output', not {source!r}")
    if channels is None:
        return Arm(source, None)
    chosen: tuple[int, ...] = (channels,) if isinstance(channels, int) else tuple(channels)
    if (
        not chosen
        or len(chosen) > 2
        or any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in chosen)
    ):
        raise ValueError(
            f"track '{track.name}': arm() takes one or two channel numbers >= 0, got {channels!r}"
        )
    return Arm(source, chosen)


def _frame(session: Session, beat: float, what: str) -> int:
    if isinstance(beat, bool) or not isinstance(beat, (int, float)) or not math.isfinite(beat) or beat < 0:
        raise ValueError(f"{what} must be a finite beat >= 0, got {beat!r}")
    return round(session.tempo.seconds(float(beat)) * session.samplerate)


def _region(session: Session, region: object, name: str) -> tuple[float, float, int, int]:
    if not (isinstance(region, (tuple, list)) and len(region) == 2):
        raise ValueError(f"{name} must be a pair of beats (start, end), got {region!r}")
    a, b = region
    fa, fb = _frame(session, a, f"{name} start"), _frame(session, b, f"{name} end")
    if not fb > fa:
        raise ValueError(f"{name} must end after it starts, got {region!r}")
    return float(a), float(b), fa, fb


class Recording:
    """A recording into armed tracks (made by :meth:`chronus.Session.record` or
    :meth:`chronus.session.Track.record` with ``punch=`` or ``loop=``); ``stop()`` (or
    ``wait()`` for a punch or a set number of loop passes) cuts the takes."""

    def __init__(
        self,
        session: Session,
        live: Engine,
        tracks: Sequence[Track],
        folder: Path,
        *,
        punch: tuple[float, float] | None = None,
        loop: tuple[float, float] | None = None,
        passes: int | None = None,
        name: str = "take",
        slack: float = 10.0,
        single: bool = False,
    ) -> None:
        if session._live is not live:
            raise ValueError("record() needs the engine playing this session")
        if not tracks:
            raise ValueError("nothing to record: arm a track first (track.arm())")
        if punch is not None and loop is not None:
            raise ValueError("record() takes punch= or loop=, not both")
        if passes is not None and (
            loop is None or isinstance(passes, bool) or not isinstance(passes, int) or passes < 1
        ):
            raise ValueError(f"passes is a whole number >= 1 of loop passes (with loop=), got {passes!r}")
        self.session = session
        self.live = live
        self.tracks = list(tracks)
        for track in self.tracks:
            if track.armed is None:
                raise ValueError(f"track '{track.name}' is not armed: call track.arm() first")
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"cannot record into {self.folder}: the folder does not exist")
        self.name = name
        self._single = single
        self.punch = punch
        self.loop = loop
        #: The region on the engine clock (frames): start, end (None: until stopped), and
        #: the length of a loop pass.
        self.start_frame: int | None = None
        self.end_frame: int | None = None
        self.pass_frames: int | None = None
        sr = session.samplerate
        if punch is not None:
            _, _, self.start_frame, self.end_frame = _region(session, punch, "punch")
        elif loop is not None:
            beat_a, beat_b, a, b = _region(session, loop, "loop")
            self.start_frame, self.pass_frames = a, b - a
            self.end_frame = None if passes is None else a + passes * (b - a)
        now = live.frame()
        if self.start_frame is not None and self.start_frame <= now + 2 * live.info["blocksize"]:
            raise ValueError(
                f"the recording region starts at frame {self.start_frame} of the engine clock, "
                f"which is already at {now}: punch in later"
            )
        wanted = {t.armed.source for t in self.tracks if t.armed is not None}
        self._source = "both" if len(wanted) == 2 else wanted.pop()
        outputs, inputs = int(live.info["outputs"]), int(live.info["inputs"])
        self._channels: dict[str, tuple[int, ...]] = {}
        for track in self.tracks:
            arm = track.armed
            assert arm is not None
            have = outputs if arm.source == "output" else inputs
            chosen = arm.channels if arm.channels is not None else tuple(range(min(have, 2)))
            if not chosen or max(chosen) >= have:
                raise ValueError(
                    f"track '{track.name}' is armed on {arm.source} channels {list(chosen)}, "
                    f"but the engine has {have} {arm.source} channels"
                )
            self._channels[track.name] = chosen
        self._offsets = {"output": 0, "input": outputs if self._source == "both" else 0}
        self._raw = self.folder / f".{name}.capture.wav"
        self._slack = slack
        self._take: Any = None
        self._capture: dict[str, Any] | None = None
        self._stop = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        #: Frames lost because the writer fell behind (counted when the capture stops).
        self.overruns = 0
        #: The takes cut, in order (after ``stop()``).
        self.takes: list[TakeFile] = []
        self._samplerate = sr
        if loop is not None:
            # The session cycles over the region while it records: each pass hears the same
            # backing (swapped in at the next block or the one after, before the region).
            cycle = Cycle(beat_a, beat_b, ENDLESS_PASSES if passes is None else passes)
            if session.cycle != cycle:
                session.set_cycle(beat_a, beat_b, passes=passes)
                live.update()
                assert self.start_frame is not None and self.pass_frames is not None
                wrap = self.start_frame + self.pass_frames
                if live.frame() + 2 * live.info["blocksize"] >= wrap:
                    warnings.warn(
                        f"the cycle reached the engine at frame {live.frame()}, about the first pass's "
                        f"end {wrap} (the session took long to compile): the first passes may not "
                        "hear the same backing",
                        RecordingWarning,
                        stacklevel=3,
                    )
        self._free = self.start_frame is None
        if self._free:
            # From now: the region starts where the capture does (known when it stops).
            self._start_capture()
            self._done.set()
        else:
            self._watcher = threading.Thread(target=self._watch, name="chronus-punch", daemon=True)
            self._watcher.start()

    # -- the capture ----------------------------------------------------------------------
    def _start_capture(self) -> None:
        with self._lock:
            if self._take is None:
                self._take = self.live.record(self._raw, source=self._source, bits=32, slack=self._slack)

    def _stop_capture(self) -> None:
        with self._lock:
            if self._take is None or self._capture is not None:
                return
            try:
                self._capture = self._take.stop()
            except RuntimeError:
                # Frames were lost; the take's result is kept (with its overrun count).
                self._capture = self._take._result
                if self._capture is None:
                    raise
            self.overruns = int(self._capture["overruns"])

    def _watch(self) -> None:
        """Starts the capture a little before the region and stops it after its end."""
        try:
            sr, block = self._samplerate, int(self.live.info["blocksize"])
            assert self.start_frame is not None
            while not self._stop.is_set() and self.live.frame() < self.start_frame - PREROLL * sr:
                time.sleep(0.005)
            if self._stop.is_set():
                return
            self._start_capture()
            if self.end_frame is not None:
                margin = self.end_frame + 4 * block + int(0.05 * sr)
                while not self._stop.is_set() and self.live.frame() < margin:
                    time.sleep(0.005)
                self._stop_capture()
        except BaseException as err:  # reported by stop()
            self._error = err
        finally:
            self._done.set()

    def status(self) -> dict[str, Any]:
        """While it runs: "state" ("waiting" for the punch-in, "recording", "done"),
        the engine's frame, and the capture's frames and overruns so far."""
        state = "done" if self._capture is not None else "recording" if self._take is not None else "waiting"
        info: dict[str, Any] = {"state": state, "frame": self.live.frame(), "overruns": self.overruns}
        if state == "recording":
            with contextlib.suppress(RuntimeError):
                current = self._take.status()
                info["frames"], info["overruns"] = current["frames"], current["overruns"]
        return info

    def wait(self, timeout: float | None = None) -> list[TakeFile]:
        """Waits until the punch-out (or the last loop pass) has passed, then cuts the takes."""
        if self.end_frame is None:
            raise ValueError("wait() needs an end: a punch, or loop passes (otherwise call stop())")
        if not self._done.wait(timeout):
            raise TimeoutError(f"the recording did not reach its end within {timeout} s")
        return self.stop()

    def stop(self) -> list[TakeFile]:
        """Stops recording (at once, if the region has not ended) and cuts the takes; places
        each track's active take as a clip; returns the takes."""
        if self.takes:
            return self.takes
        self._stop.set()
        if self.end_frame is not None:
            self._done.wait(5.0)
        if self._error is not None:
            raise self._error
        self._stop_capture()
        if self._capture is None:
            raise RuntimeError("the recording stopped before its region began: nothing was recorded")
        try:
            self.takes = self._cut(self._capture)
        finally:
            self._raw.unlink(missing_ok=True)
        if self.overruns:
            warnings.warn(
                f"the recording lost {self.overruns} frames (the writer fell behind): takes after "
                "the loss are shorter than their region",
                RecordingWarning,
                stacklevel=2,
            )
        return self.takes

    # -- cutting --------------------------------------------------------------------------
    def _windows(self, captured_start: int, captured_end: int) -> list[tuple[int, int, int, bool, int]]:
        """(start, end, pass index, complete, clip position) on the engine clock of each take."""
        assert self.start_frame is not None
        first = max(self.start_frame, captured_start)
        if self.pass_frames is None:
            end = captured_end if self.end_frame is None else min(self.end_frame, captured_end)
            complete = (self.end_frame is None or end == self.end_frame) and first == self.start_frame
            return [(first, end, 0, complete, first)] if end > first else []
        windows = []
        index = 0
        while True:
            a = self.start_frame + index * self.pass_frames
            b = a + self.pass_frames
            if self.end_frame is not None and a >= self.end_frame:
                break
            if a >= captured_end:
                break
            end = min(b, captured_end)
            begin = max(a, captured_start)
            if end > begin:
                at = self.start_frame + (begin - a)
                windows.append((begin, end, index, end == b and begin == a, at))
            index += 1
        return windows

    def _cut(self, capture: dict[str, Any]) -> list[TakeFile]:
        start = int(capture["start"])
        frames = int(capture["frames"])
        if self._free:
            self.start_frame = start
        windows = self._windows(start, start + frames)
        if self.start_frame is not None and start > self.start_frame:
            warnings.warn(
                f"the capture began at frame {start}, after the region's start {self.start_frame}: "
                "the first take starts late",
                RecordingWarning,
                stacklevel=3,
            )
        takes: list[TakeFile] = []
        if not windows:
            return takes
        with sf.SoundFile(self._raw) as raw:
            for track in self.tracks:
                arm = track.armed
                assert arm is not None
                columns = [self._offsets[arm.source] + c for c in self._channels[track.name]]
                made = []
                for a, b, index, complete, at in windows:
                    suffix = f"-{index + 1}" if self.pass_frames is not None else ""
                    stem = self.name if self._single else f"{self.name}-{track.name}"
                    path = self.folder / f"{stem}{suffix}.wav"
                    raw.seek(a - start)
                    with sf.SoundFile(path, "w", self._samplerate, len(columns), subtype="FLOAT") as out:
                        left = b - a
                        while left > 0:
                            block = raw.read(min(CUT_CHUNK, left), dtype="float32", always_2d=True)
                            if block.shape[0] == 0:
                                break
                            out.write(np.ascontiguousarray(block[:, columns]))
                            left -= block.shape[0]
                    made.append(TakeFile(track, path, a, b - a - left, index, complete and left == 0, at))
                track.takes.extend(made)
                takes.extend(made)
                finished = [t for t in made if t.complete] or made
                activate(finished[-1])
        return takes


def activate(take: TakeFile) -> Clip:
    """Makes ``take`` its track's active take: its clip (where the take's region starts)
    replaces the clip of any other take of the track placed there."""
    track = take.track
    for other in track.takes:
        if other is not take and other.clip is not None and other.at == take.at:
            if other.clip in track.clips:
                track.clips.remove(other.clip)
            other.clip = None
    if take.clip is None or take.clip not in track.clips:
        take.clip = track.clip(take.path, at=take.at / track.session.samplerate, fade_out=0.0)
    return take.clip
