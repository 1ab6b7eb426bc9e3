"""What the panel's session view draws: each track, bus and the master as a row, each clip at
its place on the session's timeline with a waveform overview of its file, and each row's
controls as the OSC addresses they send (so the panel can do what OSC can and no more).

An overview is computed once per file on the control side, from the audio the session plays
(the file at the session's rate; a file the session streams is read block by block, at its
own rate, never whole): the smallest and largest sample of each of a few hundred
buckets of consecutive frames, over all channels. The panel sends it once per connection;
the browser draws it wherever the clip plays (offset, loop, stretch) and never sees audio.
The session's cycle changes live, so it travels with each snapshot's state instead, with the
transport's place folded into its region while it repeats (:func:`cycle_state`).

>>> import numpy as np
>>> lo, hi = overview(np.array([[0.0, 0.5, -0.25, 1.0, -1.0, 0.0]]), buckets=3)
>>> lo.tolist(), hi.tolist()
([0.0, -0.25, -1.0], [0.5, 1.0, 0.0])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _core
from ..audio import probe_audio
from .addresses import _strips

if TYPE_CHECKING:
    from ..live import Engine
    from ..session import Clip, Session, _Strip

#: Buckets of an overview: about one per pixel column of the panel's timeline.
BUCKETS = 600
#: Frames read at a time from a file too long to hold.
BLOCK = 1 << 16
#: Decimals an overview's values keep in JSON (1/10000 of full scale: below a pixel).
DECIMALS = 4


def overview(audio: np.ndarray, buckets: int = BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """The smallest and largest sample of each bucket of ``audio`` ((channels, frames) or
    (frames,)), over all channels: bucket ``i`` of ``b`` holds frames ``i * n // b`` up to
    ``(i + 1) * n // b`` (``b`` is ``buckets``, or ``n`` when there are fewer frames).
    Non-finite samples count as 0. Returns (mins, maxs), float32."""
    if not (isinstance(buckets, int) and buckets >= 1):
        raise ValueError(f"buckets must be a whole number >= 1, got {buckets!r}")
    x = np.nan_to_num(np.atleast_2d(np.asarray(audio, dtype=np.float32)), nan=0.0, posinf=0.0, neginf=0.0)
    frames = x.shape[1]
    count = min(buckets, frames)
    if count == 0:
        empty = np.zeros(0, np.float32)
        return empty, empty
    edges = (np.arange(count, dtype=np.int64) * frames) // count
    lows = np.minimum.reduceat(x.min(axis=0), edges)
    highs = np.maximum.reduceat(x.max(axis=0), edges)
    return lows, highs


def file_overview(path: Path, buckets: int = BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """:func:`overview` of the file at ``path`` (at its own rate, any format the engine
    decodes), read through its decoder :data:`BLOCK` frames at a time: memory stays flat
    whatever the file's length."""
    frames = probe_audio(path)[2]
    count = min(buckets, frames)
    edges = (np.arange(count, dtype=np.int64) * frames) // count
    lows = np.full(count, np.inf, np.float32)
    highs = np.full(count, -np.inf, np.float32)
    done = 0
    for block in _core.AudioBlocks(os.fspath(path), BLOCK):
        x = np.nan_to_num(block, nan=0.0, posinf=0.0, neginf=0.0)
        end = done + x.shape[1]
        # The buckets this block touches, and where each starts within it.
        first = int(np.searchsorted(edges, done, "right")) - 1
        last = int(np.searchsorted(edges, end - 1, "right")) - 1
        starts = np.concatenate([[0], edges[first + 1 : last + 1] - done])
        span = slice(first, last + 1)
        lows[span] = np.minimum(lows[span], np.minimum.reduceat(x.min(axis=0), starts))
        highs[span] = np.maximum(highs[span], np.maximum.reduceat(x.max(axis=0), starts))
        done = end
    return lows, highs


class Overviews:
    """Overviews by file, each computed once (from the audio a session plays)."""

    def __init__(self, buckets: int = BUCKETS) -> None:
        self.buckets = buckets
        self._done: dict[tuple[Path, int], dict[str, Any]] = {}

    def of(self, session: Session, path: Path) -> dict[str, Any]:
        """``path``'s overview as JSON data: its length in seconds at the session's rate and
        the mins and maxs of its buckets."""
        key = (path, session.samplerate)
        found = self._done.get(key)
        if found is None:
            frames = session._shape(path)[1]
            if session.holds(path):
                lows, highs = overview(session._audio(path), self.buckets)
            else:
                lows, highs = file_overview(path, self.buckets)
            found = {
                "file": path.name,
                "seconds": frames / session.samplerate,
                "min": [round(float(v), DECIMALS) for v in lows],
                "max": [round(float(v), DECIMALS) for v in highs],
            }
            self._done[key] = found
        return found

    def __len__(self) -> int:
        return len(self._done)


def _clip(clip: Clip, track: str, index: int, file: int) -> dict[str, Any]:
    return {
        "index": index,
        "file": file,
        "name": clip.path.name,
        # Where it sounds on the timeline (an idle clip waits to be launched: no place).
        "start": None if clip.idle else clip.start_seconds(),
        "end": None if clip.idle else clip.end_seconds(),
        "offset": clip.offset,
        "length": clip.length,
        "loop": clip.loop,
        "ratio": clip.ratio(),
        "launch": f"/launch/{track}/{index}",
        "stop": f"/stop/{track}/{index}",
    }


def _row(kind: str, osc: str, strip: _Strip) -> dict[str, Any]:
    prefix = f"/{kind}/{osc}"
    return {
        "kind": kind,
        "name": strip.name,
        "key": f"{kind}/{osc}",
        "gain_db": f"{prefix}/gain_db",
        "pan": f"{prefix}/pan",
        "mute": f"{prefix}/mute",
        "solo": f"{prefix}/solo" if kind == "track" else None,
        "clips": [],
    }


def layout(session: Session, overviews: Overviews) -> dict[str, Any]:
    """The session view as JSON data (sent once per connection): the timeline's length,
    one row per track, bus and the master with its addresses and clips, the overview
    of every file played (clips refer to it by number), and the address that sets the
    session's cycle (the snapshots carry the cycle itself: it changes live)."""
    files: dict[Path, int] = {}
    shown: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for osc, track in _strips(session.tracks).items():
        row = _row("track", osc, track)
        for i, clip in enumerate(track.clips):
            if clip.path not in files:
                files[clip.path] = len(shown)
                shown.append(overviews.of(session, clip.path))
            row["clips"].append(_clip(clip, osc, i, files[clip.path]))
        rows.append(row)
    for osc, bus in _strips([*session.buses, session.master]).items():
        rows.append(_row("bus", osc, bus))
    return {
        "type": "session",
        "samplerate": session.samplerate,
        # The timeline as written (a cycle's passes repeat part of it: not drawn longer).
        "seconds": max(max((t.end_seconds() for t in session.tracks), default=0.0), 1.0),
        "rows": rows,
        "overviews": shown,
        "cycle": "/session/cycle",
    }


def cycle_state(session: Session, beat: float) -> tuple[float, dict[str, Any] | None]:
    """The place on the timeline as written of the transport's ``beat`` (seconds; while a
    cycle repeats its region, the place in the region the pass plays), and the session's
    cycle: its beats, passes, where its region lies on the timeline (seconds) and the pass
    playing (1 .. passes; None outside the region), or None without a cycle."""
    cycle = session.cycle
    if cycle is None:
        return session.tempo.seconds(beat), None
    a, b, length, passes = cycle.start, cycle.end, cycle.beats, cycle.passes
    played: int | None = None
    if a <= beat < b + (passes - 1) * length:
        turn = min(int((beat - a) // length), passes - 1)
        beat -= turn * length
        played = turn + 1
    elif beat >= b:
        beat -= (passes - 1) * length
    return session.tempo.seconds(beat), {
        "start": a,
        "end": b,
        "passes": passes,
        "from": session.tempo.seconds(a),
        "to": session.tempo.seconds(b),
        "pass": played,
    }


def state(session: Session, live: Engine) -> dict[str, Any]:
    """What a snapshot carries about the session: the transport's place on the timeline
    (seconds, from its beat on the session's tempo map; in the region while a cycle repeats
    it), the cycle (see :func:`cycle_state`) and each row's fader, pan, mute,
    solo and meter (peak and RMS per channel; None for a strip the graph does not play), and
    for a track the clips launched live (index: [start, stop or None], seconds)."""
    strips: dict[str, Any] = {}
    launched = {
        f"track/{osc}": {str(i): c.launched for i, c in enumerate(track.clips) if c.launched is not None}
        for osc, track in _strips(session.tracks).items()
    }
    rows: list[tuple[str, dict[str, _Strip]]] = [
        ("track", dict(_strips(session.tracks))),
        ("bus", dict(_strips([*session.buses, session.master]))),
    ]
    for kind, named in rows:
        for osc, strip in named.items():
            try:
                levels: dict[str, list[float]] | None = strip.levels(live)
            except (ValueError, TimeoutError, RuntimeError):
                # Not played by this graph, or the audio thread published nothing in time.
                levels = None
            strips[f"{kind}/{osc}"] = {
                "gain_db": strip.gain_db,
                "pan": strip.pan,
                "muted": strip.muted,
                "soloed": bool(getattr(strip, "soloed", False)),
                "audible": strip._audible(),
                "levels": levels,
            }
            if launched.get(f"{kind}/{osc}"):
                # Clips launched live: (start, stop or None) on the transport's timeline, s.
                strips[f"{kind}/{osc}"]["launched"] = launched[f"{kind}/{osc}"]
    seconds, cycle = cycle_state(session, float(live.transport.beat))
    return {"seconds": seconds, "cycle": cycle, "strips": strips}
