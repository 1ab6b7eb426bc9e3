"""Sessions: audio files on tracks, buses and a master, compiled to one graph.

A :class:`Session` is a description: tracks holding clips (regions of audio files placed
at seconds or beats, looped, time-stretched, pitch-shifted, or brought to the session's
tempo from their own), each track with an effects chain, a fader (dB, smoothed), an
equal-power pan, mute and solo, and sends to buses that have effects of their own; all of
it sums into a master. It is not a second engine: :meth:`Session.graph` compiles it to an
ordinary :class:`chronus.Graph` (clip nodes -> effects -> mute -> fader -> pan -> master
sum), which :func:`chronus.render` renders and :class:`chronus.Engine` plays, so what is
exported is what is heard.

>>> import chronus as cx
>>> s = cx.Session(samplerate=48_000, bpm=96)
>>> drums = s.track("drums", gain_db=-3.0, pan=0.2)
>>> verb = s.bus("verb", fx=("reverb", {"decay": 2.0, "mix": 1.0}))
>>> _ = drums.send(verb, -12.0)
"""

from __future__ import annotations

import importlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload
from weakref import WeakKeyDictionary

import numpy as np

from .audio import read_audio
from .graph import Graph
from .nodes import Clip as ClipNode
from .nodes import Meter
from .progress import ProgressArg
from .signal import Node, Signal
from .tempo import TempoMap, TimeSignature

if TYPE_CHECKING:
    from .live import Engine, Take
    from .takes import Arm, Recording, TakeFile

#: An effect: a function ``fx(graph, signal) -> signal`` (any chain of graph nodes), or a
#: node kind with its parameters, ``("reverb", {"decay": 2.2})``, which a saved session
#: keeps (a function is kept by its importable name, ``module:function``).
Effect = Callable[[Graph, Signal], Signal] | tuple[str, Mapping[str, Any]]

#: Version of the saved-session format.
FORMAT = 1


def _db(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and -200.0 <= value <= 60.0):
        raise ValueError(f"{name} must be a finite number of dB in -200 .. 60, got {value!r}")
    return float(value)


def _pan(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and -1.0 <= value <= 1.0):
        raise ValueError(f"{name} must be a number from -1 (left) to 1 (right), got {value!r}")
    return float(value)


def pan_gains(pan: float) -> tuple[float, float]:
    """Left and right gains of the equal-power pan law used on tracks and buses:
    ``sqrt(2) cos(t)`` and ``sqrt(2) sin(t)`` with ``t = (pan + 1) pi / 4``, so the power
    ``gl^2 + gr^2`` is 2 everywhere and a centred track passes unchanged."""
    t = (pan + 1.0) * math.pi / 4.0
    return math.sqrt(2.0) * math.cos(t), math.sqrt(2.0) * math.sin(t)


def _check_effect(owner: str, fx: object) -> Effect:
    if callable(fx):
        return fx
    if (
        isinstance(fx, (tuple, list))
        and len(fx) == 2
        and isinstance(fx[0], str)
        and isinstance(fx[1], Mapping)
    ):
        return (fx[0], dict(fx[1]))
    raise TypeError(
        f"{owner}: an effect is a function fx(graph, signal) -> signal or a (kind, params) pair, got {fx!r}"
    )


def _apply(g: Graph, x: Signal, fx: Effect, owner: str) -> Signal:
    if callable(fx):
        y = fx(g, x)
    else:
        kind, params = fx
        y = g.add_node(kind, inputs={"in": x}, params=dict(params))
    if not isinstance(y, Signal):
        raise TypeError(f"{owner}: an effect must return a signal, got {type(y).__name__}")
    return y


def _effect_json(fx: Effect, owner: str) -> object:
    if callable(fx):
        module, qualname = getattr(fx, "__module__", None), getattr(fx, "__qualname__", "")
        if not module or "<" in qualname or module == "__main__":
            raise ValueError(
                f"{owner}: cannot save the effect {qualname or fx!r}: save needs effects given as "
                "(kind, params) pairs or functions importable by name (module:function)"
            )
        return {"function": f"{module}:{qualname}"}
    kind, params = fx
    return {"kind": kind, "params": dict(params)}


def _effect_from_json(data: Mapping[str, Any]) -> Effect:
    if "function" in data:
        module, _, name = str(data["function"]).partition(":")
        obj: Any = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj  # type: ignore[no-any-return]
    return (str(data["kind"]), dict(data["params"]))


@dataclass
class Clip:
    """A region of an audio file placed on a track (made by :meth:`Track.clip`)."""

    track: Track
    path: Path
    #: Start on the session's timeline, seconds (``at``) or beats (``beat``): one is set.
    at: float | None
    beat: float | None
    offset: float
    length: float | None
    gain_db: float
    loop: bool
    stretch: float
    semitones: float
    bpm: float | None
    fade_in: float
    fade_out: float
    until: float | None
    until_beat: float | None
    #: Placed nowhere: the clip plays when launched (:meth:`chronus.Engine.launch`).
    idle: bool = False
    #: Where the latest live launch and stop of the clip land on the transport's timeline,
    #: seconds (None: not launched, or not stopped since), as the panel draws them.
    launched: tuple[float, float | None] | None = field(default=None, repr=False, compare=False)
    #: The clip node of the last compiled graph.
    node: ClipNode | None = field(default=None, repr=False, compare=False)
    _built: WeakKeyDictionary[Graph, tuple[ClipNode, int]] = field(
        default_factory=WeakKeyDictionary, repr=False, compare=False
    )

    def _live_node(self, live: Engine) -> tuple[ClipNode, int]:
        """The clip's node in the graph ``live`` plays, and how early its gate moves (frames)."""
        if self.track.session._live is not live or live.graph not in self._built:
            raise ValueError(f"this engine does not play the session of track '{self.track.name}'")
        return self._built[live.graph]

    def start_seconds(self) -> float:
        """Where the clip starts on the session's timeline, seconds."""
        return self.at if self.at is not None else self.track.session.tempo.seconds(self.beat or 0.0)

    def ratio(self) -> float:
        """The time-stretch ratio played: ``stretch`` times the source's tempo over the
        session's (a loop at ``bpm`` lasts its beats in the session's tempo)."""
        ratio = self.stretch
        if self.bpm is not None:
            ratio *= self.bpm / self.track.session.bpm
        return ratio

    def end_seconds(self) -> float:
        """Where the clip stops sounding (a loop: at ``until``, or after one pass; an idle
        clip: at 0)."""
        if self.idle:
            return 0.0
        if self.until is not None:
            return self.until
        if self.until_beat is not None:
            return self.track.session.tempo.seconds(self.until_beat)
        sr = self.track.session.samplerate
        frames = self.track.session._audio(self.path).shape[1]
        region = frames / sr - self.offset if self.length is None else self.length
        return self.start_seconds() + max(region, 0.0) * self.ratio()

    def to_json(self, base: Path) -> dict[str, Any]:
        data: dict[str, Any] = {"path": os.path.relpath(self.path, base)}
        for key in (
            "at", "beat", "offset", "length", "gain_db", "loop", "stretch", "semitones", "bpm",
            "fade_in", "fade_out", "until", "until_beat", "idle",
        ):  # fmt: skip
            data[key] = getattr(self, key)
        return data


class _Strip:
    """What tracks and buses share: effects, fader, pan, mute, and the nodes that play them."""

    kind = "strip"

    def __init__(self, session: Session, name: str, gain_db: float, pan: float) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.kind} needs a name, got {name!r}")
        self.session = session
        self.name = name
        self._gain_db = _db(f"{self.kind} '{name}' gain_db", gain_db)
        self._pan = _pan(f"{self.kind} '{name}' pan", pan)
        self.effects: list[Effect] = []
        self.muted = False
        #: The meter node (peak and RMS of the strip's output) of the last compiled graph.
        self.meter: Meter | None = None
        # The mute, fader and pan nodes of each graph compiled (what a live engine plays).
        self._built: WeakKeyDictionary[Graph, tuple[Node, Node, Node, Meter]] = WeakKeyDictionary()

    def _live_node(self, which: int) -> tuple[Engine, Node] | None:
        """The engine playing the session and this strip's mute (0), fader (1) or pan (2) in it."""
        live = self.session._live
        if live is None or live.graph not in self._built:
            return None
        return live, self._built[live.graph][which]

    def fx(self, effect: Effect) -> _Strip:
        """Appends an effect to the chain (``fx(graph, signal) -> signal`` or a
        ``(kind, params)`` pair); returns this strip."""
        self.effects.append(_check_effect(f"{self.kind} '{self.name}'", effect))
        return self

    @property
    def gain_db(self) -> float:
        """Fader gain, dB (-200 .. 60); setting it while an engine plays the session glides there."""
        return self._gain_db

    @gain_db.setter
    def gain_db(self, value: float) -> None:
        self._gain_db = _db(f"{self.kind} '{self.name}' gain_db", value)
        found = self._live_node(1)
        if found is not None:
            live, fader = found
            live.set(fader.param("gain"), self._gain_db)

    @property
    def pan(self) -> float:
        """Equal-power pan, -1 (left) .. 1 (right) (see :func:`pan_gains`); live like ``gain_db``."""
        return self._pan

    @pan.setter
    def pan(self, value: float) -> None:
        self._pan = _pan(f"{self.kind} '{self.name}' pan", value)
        found = self._live_node(2)
        if found is not None:
            live, panner = found
            for lane, gain in enumerate(pan_gains(self._pan)):
                live.set(panner.param("mul"), gain, lane=lane)

    def levels(self, live: Engine) -> dict[str, list[float]]:
        """The strip's meter while ``live`` plays the session: "peak" (instant attack,
        1.5 s fall) and "rms" (0.3 s average) of its output after the pan, linear, per channel."""
        if self.session._live is not live or live.graph not in self._built:
            raise ValueError(f"{self.kind} '{self.name}': levels() needs the engine playing this session")
        meter = self._built[live.graph][3]
        return {"peak": live.read(meter.peak), "rms": live.read(meter.rms)}

    def mute(self, on: bool = True) -> None:
        """Silences the strip (its sends too); live like ``gain_db``."""
        self.muted = bool(on)
        self.session._update_mutes()

    def _audible(self) -> bool:
        return not self.muted

    def _strip(self, g: Graph, x: Signal) -> tuple[Signal, Signal]:
        """Effects, mute, fader and pan after ``x``; returns (pre-fader, post-fader) signals."""
        for fx in self.effects:
            x = _apply(g, x, fx, f"{self.kind} '{self.name}'")
        # What reaches a strip is stereo; effects may change that.
        x = _to_stereo(g, self.session.samplerate, x, f"{self.name}.stereo", None if self.effects else 2)
        mute = g.muladd(x, mul=1.0 if self._audible() else 0.0, name=f"{self.name}.mute")
        fader = g.gain(mute, gain=self._gain_db, name=f"{self.name}.fader")
        panner = g.muladd(fader, mul=list(pan_gains(self._pan)), name=f"{self.name}.pan")
        self.meter = g.meter(panner, name=f"{self.name}.meter")
        self._built[g] = (mute, fader, panner, self.meter)
        return mute, self.meter


class Bus(_Strip):
    """A bus: what tracks send to it, through its effects, fader and pan, into the master
    (made by :meth:`Session.bus`). Buses are solo-safe: soloing a track never mutes them."""

    kind = "bus"

    def to_json(self) -> dict[str, Any]:
        owner = f"bus '{self.name}'"
        return {
            "name": self.name,
            "gain_db": self._gain_db,
            "pan": self._pan,
            "muted": self.muted,
            "fx": [_effect_json(f, owner) for f in self.effects],
        }


@dataclass
class Send:
    """A track's send to a bus, in dB, after the fader (or before it, ``pre=True``)."""

    bus: Bus
    db: float
    pre: bool
    node: Node | None = field(default=None, repr=False, compare=False)


class TrackTake:
    """A take recording into a track (made by :meth:`Track.record`)."""

    def __init__(self, track: Track, take: Take) -> None:
        self.track = track
        #: The engine's recording (``status()`` while it runs).
        self.take = take
        #: The clip the take became, once stopped.
        self.clip: Clip | None = None

    def stop(self) -> Clip:
        """Stops the recording and places the file on the track at the session time its
        first frame was recorded (no fades: it plays as recorded); returns that clip."""
        if self.clip is None:
            info = self.take.stop()
            at = info["start"] / self.track.session.samplerate
            self.clip = self.track.clip(info["path"], at=at, fade_out=0.0)
        return self.clip


class Track(_Strip):
    """A track: clips summed, through its effects, mute, fader and pan, into the master;
    sends to buses (made by :meth:`Session.track`)."""

    kind = "track"

    def __init__(self, session: Session, name: str, gain_db: float, pan: float) -> None:
        super().__init__(session, name, gain_db, pan)
        self.clips: list[Clip] = []
        self.sends: list[Send] = []
        self.soloed = False
        #: What the track records when armed (:meth:`arm`), or None.
        self.armed: Arm | None = None
        #: Every take recorded into the track (:mod:`chronus.takes`), the inactive ones too.
        self.takes: list[TakeFile] = []

    def clip(
        self,
        path: str | os.PathLike[str],
        *,
        at: float | None = None,
        beat: float | None = None,
        offset: float = 0.0,
        length: float | None = None,
        gain_db: float = 0.0,
        loop: bool = False,
        stretch: float = 1.0,
        semitones: float = 0.0,
        bpm: float | None = None,
        fade_in: float = 0.0,
        fade_out: float = 0.005,
        until: float | None = None,
        until_beat: float | None = None,
        idle: bool = False,
    ) -> Clip:
        """Places a region of the audio file ``path`` on this track.

        Args:
            path: any file :func:`chronus.read_audio` reads (converted to the session's rate).
            at: start on the timeline, seconds; or
            beat: start in beats of the session's tempo map (default: at 0 s). Starts are
                sample-exact, stretched clips included (their stretcher runs ahead).
            offset: start of the region in the file, seconds.
            length: length of the region, seconds of the file (None: to its end).
            gain_db: the clip's gain, dB.
            loop: repeat the region without a gap (until ``until``/``until_beat``, or forever).
            stretch: time-stretch ratio at the same pitch (1.25: 25 % longer), 0.25 .. 2.
            semitones: pitch shift at the same length.
            bpm: the file's tempo: the clip is stretched to the session's (times ``stretch``).
            fade_in, fade_out: equal-power fades, seconds.
            until, until_beat: where a looped clip stops (seconds or beats).
            idle: place the clip nowhere: it waits to be launched live
                (:meth:`chronus.Engine.launch`).
        """
        if (at is None) == (beat is None) and not (at is None and beat is None):
            raise ValueError(
                f"track '{self.name}': a clip starts at seconds (at=) or beats (beat=), not both"
            )
        if at is None and beat is None:
            at = 0.0
        for name, value in (("at", at), ("beat", beat), ("offset", offset)):
            if value is not None and not (
                isinstance(value, (int, float)) and math.isfinite(value) and value >= 0
            ):
                raise ValueError(
                    f"track '{self.name}': clip {name} must be a finite number >= 0, got {value!r}"
                )
        if length is not None and not (
            isinstance(length, (int, float)) and math.isfinite(length) and length > 0
        ):
            raise ValueError(
                f"track '{self.name}': clip length must be a positive number of seconds, got {length!r}"
            )
        if bpm is not None and not (isinstance(bpm, (int, float)) and math.isfinite(bpm) and bpm > 0):
            raise ValueError(f"track '{self.name}': clip bpm must be a positive tempo, got {bpm!r}")
        clip = Clip(
            self,
            Path(path).resolve(),
            None if at is None else float(at),
            None if beat is None else float(beat),
            float(offset),
            None if length is None else float(length),
            _db(f"track '{self.name}': clip gain_db", gain_db),
            bool(loop),
            float(stretch),
            float(semitones),
            None if bpm is None else float(bpm),
            float(fade_in),
            float(fade_out),
            None if until is None else float(until),
            None if until_beat is None else float(until_beat),
            bool(idle),
        )
        ratio = clip.ratio()
        if not 0.25 <= ratio <= 2.0:
            raise ValueError(
                f"track '{self.name}': the clip's stretch ratio {ratio:g} (stretch x bpm / session bpm) "
                "is outside 0.25 .. 2"
            )
        if not -36.0 <= clip.semitones <= 36.0:
            raise ValueError(f"track '{self.name}': clip semitones must be in -36 .. 36, got {semitones!r}")
        self.session._audio(clip.path)  # read now: a bad file is named here
        self.clips.append(clip)
        return clip

    def send(self, bus: Bus, db: float = 0.0, *, pre: bool = False) -> Send:
        """Sends this track to ``bus`` at ``db`` (after the fader and pan; before the fader
        with ``pre=True``)."""
        if not isinstance(bus, Bus) or bus.session is not self.session:
            raise ValueError(f"track '{self.name}': send() needs a bus of this session, got {bus!r}")
        send = Send(bus, _db(f"track '{self.name}' send to '{bus.name}'", db), bool(pre))
        self.sends.append(send)
        return send

    @overload
    def record(
        self,
        live: Engine,
        path: str | os.PathLike[str],
        *,
        source: str = ...,
        bits: int | None = ...,
        punch: None = None,
        loop: None = None,
        passes: None = None,
    ) -> TrackTake: ...

    @overload
    def record(
        self,
        live: Engine,
        path: str | os.PathLike[str],
        *,
        source: str = ...,
        bits: int | None = ...,
        punch: tuple[float, float] | None = ...,
        loop: tuple[float, float] | None = ...,
        passes: int | None = ...,
    ) -> TrackTake | Recording: ...

    def record(
        self,
        live: Engine,
        path: str | os.PathLike[str],
        *,
        source: str = "input",
        bits: int | None = None,
        punch: tuple[float, float] | None = None,
        loop: tuple[float, float] | None = None,
        passes: int | None = None,
    ) -> TrackTake | Recording:
        """Records a take to ``path`` (WAV or FLAC, written behind the audio thread as it
        plays: see :meth:`chronus.Engine.record`) while ``live`` plays this session; its
        ``stop()`` puts the file on this track as a clip where the take started.

        With ``punch=(beat_in, beat_out)`` or ``loop=(beat_a, beat_b)`` (and ``passes``) it
        records what the track is armed for (:meth:`arm`; ``source`` if it is not armed)
        and returns a :class:`chronus.takes.Recording` whose ``wait()``/``stop()`` cut the
        takes to the frame (``path`` names them: WAV, ``-1``, ``-2``... per loop pass)."""
        if self.session._live is not live:
            raise ValueError(f"track '{self.name}': record() needs the engine playing this session")
        if punch is None and loop is None:
            return TrackTake(self, live.record(path, source=source, bits=bits))
        from .takes import Recording

        if self.armed is None:
            self.arm(source=source)
        target = Path(path)
        return Recording(
            self.session, live, [self], target.parent, punch=punch, loop=loop, passes=passes,
            name=target.stem, single=True,
        )  # fmt: skip

    def arm(
        self, on: bool = True, *, source: str = "input", channels: int | Sequence[int] | None = None
    ) -> Track:
        """Arms the track for :meth:`Session.record`: it records ``source`` ("input": the
        device input; "output": the engine's output) channels ``channels`` (one or two
        numbers; default the first two). ``arm(False)`` disarms it. Returns the track."""
        from .takes import check_arm

        self.armed = check_arm(self, source, channels) if on else None
        return self

    def activate(self, take: TakeFile) -> Clip:
        """Makes ``take`` (one of :attr:`takes`) the one its region plays: its clip replaces
        the other takes' there."""
        from .takes import activate

        if take not in self.takes:
            raise ValueError(f"track '{self.name}': that take is not one of this track's")
        return activate(take)

    def solo(self, on: bool = True) -> None:
        """Solos the track: while any track is soloed, tracks that are not are muted
        (buses are solo-safe); live like ``gain_db``."""
        self.soloed = bool(on)
        self.session._update_mutes()

    def _audible(self) -> bool:
        if self.muted:
            return False
        return self.soloed or not any(t.soloed for t in self.session.tracks)

    def to_json(self, base: Path) -> dict[str, Any]:
        owner = f"track '{self.name}'"
        return {
            "name": self.name,
            "gain_db": self._gain_db,
            "pan": self._pan,
            "muted": self.muted,
            "soloed": self.soloed,
            "fx": [_effect_json(f, owner) for f in self.effects],
            "sends": [{"bus": s.bus.name, "db": s.db, "pre": s.pre} for s in self.sends],
            "clips": [c.to_json(base) for c in self.clips],
        }


def _signal_channels(g: Graph, samplerate: int, x: Signal) -> tuple[Signal, int]:
    """``x`` (through a unity muladd when it is not a node's main output) and its channel count."""
    if x.port != "out":
        x = g.muladd(x)
    return x, int(g.info(samplerate)["channels"][x._node][0])


def _to_stereo(g: Graph, samplerate: int, x: Signal, name: str, channels: int | None = None) -> Signal:
    """``x`` (of ``channels`` channels, or as compiled) as two channels: mono on both
    sides, more than two folded (channel c to c mod 2)."""
    if channels is None:
        x, channels = _signal_channels(g, samplerate, x)
    if channels == 2:
        return x
    if channels == 1:
        return g.stack(x, x, name=name)
    return g.sum(x, channels=2, name=name)


class Session:
    """Tracks of audio clips, buses and a master, compiled to one graph (see the module).

    Args:
        samplerate: the rate files are converted to and the session renders and plays at, Hz.
        bpm: the tempo (beats of clips, loops' ``bpm``), or
        tempo: a whole :class:`chronus.TempoMap`.
    """

    def __init__(
        self, samplerate: int = 48_000, bpm: float = 120.0, *, tempo: TempoMap | None = None
    ) -> None:
        if not (isinstance(samplerate, int) and 1_000 <= samplerate <= 768_000):
            raise ValueError(f"samplerate must be a whole number of Hz in 1000 .. 768000, got {samplerate!r}")
        self.samplerate = samplerate
        self.tempo = tempo if tempo is not None else TempoMap.constant(bpm)
        self.tracks: list[Track] = []
        self.buses: list[Bus] = []
        #: The master bus: every track and bus sums into it; ``s.master.fx(...)`` adds effects.
        self.master = Bus(self, "master", 0.0, 0.0)
        self._live: Engine | None = None
        self._cache: dict[Path, np.ndarray] = {}
        self._last: Graph | None = None
        self._latency: int | None = None

    @property
    def bpm(self) -> float:
        """The tempo at beat 0."""
        return float(self.tempo.changes[0][1])

    def _names(self) -> set[str]:
        return {t.name for t in self.tracks} | {b.name for b in self.buses} | {"master"}

    def track(self, name: str, gain_db: float = 0.0, pan: float = 0.0) -> Track:
        """A new track named ``name``, fader at ``gain_db`` dB, panned to ``pan`` (-1 .. 1)."""
        if name in self._names():
            raise ValueError(f"the session already has a track or bus named '{name}'")
        track = Track(self, name, gain_db, pan)
        self.tracks.append(track)
        return track

    def bus(
        self,
        name: str,
        fx: Effect | list[Effect] | None = None,
        gain_db: float = 0.0,
        pan: float = 0.0,
    ) -> Bus:
        """A new bus named ``name`` with effects ``fx`` (one or a list), fader and pan."""
        if name in self._names():
            raise ValueError(f"the session already has a track or bus named '{name}'")
        bus = Bus(self, name, gain_db, pan)
        for effect in fx if isinstance(fx, list) else [] if fx is None else [fx]:
            bus.fx(effect)
        self.buses.append(bus)
        return bus

    def _audio(self, path: Path) -> np.ndarray:
        """The file at ``path`` at the session's rate, shape (channels, frames), read once."""
        audio = self._cache.get(path)
        if audio is None:
            audio, _ = read_audio(path, self.samplerate)
            self._cache[path] = audio
        return audio

    def _update_mutes(self) -> None:
        for strip in [*self.tracks, *self.buses, self.master]:
            found = strip._live_node(0)
            if found is not None:
                live, mute = found
                live.set(mute.param("mul"), 1.0 if strip._audible() else 0.0)

    def duration(self) -> float:
        """Seconds until the last clip ends (a loop without ``until``: one pass)."""
        return max((c.end_seconds() for t in self.tracks for c in t.clips), default=0.0)

    # -- compiling ------------------------------------------------------------------------
    def graph(self, stem: str | None = None) -> Graph:
        """The session compiled to a graph: per track, its clips summed (each on two
        channels) -> effects -> mute -> fader -> pan -> meter; sends (a gain in dB after
        the pan, or after the mute with ``pre=True``) into buses, which run the same strip;
        tracks and buses sum into the master strip, the graph's output. Clip starts and
        stops are timeline events on their exact frames.

        With ``stem`` (a track or bus name) the output is that strip alone, after its pan
        (no master), which is what :meth:`export_stems` writes."""
        if stem is not None and stem not in self._names() - {"master"}:
            raise ValueError(f"the session has no track or bus named '{stem}'")
        g = Graph()
        g.tempo = self.tempo
        to_bus: dict[str, list[Signal]] = {b.name: [] for b in self.buses}
        to_master: list[Signal] = []
        outputs: dict[str, Signal] = {}
        for track in self.tracks:
            played = [self._clip(g, c) for c in track.clips]
            if not played:
                continue
            summed = g.muladd(played, name=f"{track.name}.clips")
            pre, post = track._strip(g, summed)
            for send in track.sends:
                tap = pre if send.pre else post
                send.node = g.gain(tap, gain=send.db, name=f"{track.name}.send.{send.bus.name}")
                to_bus[send.bus.name].append(send.node)
            to_master.append(post)
            outputs[track.name] = post
        for bus in self.buses:
            if not to_bus[bus.name]:
                continue
            _, post = bus._strip(g, g.muladd(to_bus[bus.name], name=f"{bus.name}.in"))
            to_master.append(post)
            outputs[bus.name] = post
        if stem is not None:
            if stem not in outputs:
                raise ValueError(f"'{stem}' plays nothing: it has no clips (or nothing is sent to it)")
            g.output(outputs[stem])
        elif to_master:
            _, out = self.master._strip(g, g.muladd(to_master, name="master.in"))
            g.output(out)
        else:
            raise ValueError("the session plays nothing: add a clip to a track")
        self._last = g
        return g

    def stretch_latency(self) -> int:
        """Frames by which the stretcher delays a clip at the session's rate."""
        if self._latency is None:
            g = Graph()
            probe = g.clip(np.zeros((1, 64), np.float32), samplerate=self.samplerate, stretch=1.0)
            g.output(probe)
            self._latency = int(g.info(self.samplerate)["latency"][probe.id])
        return self._latency

    def _clip(self, g: Graph, clip: Clip) -> Signal:
        sr = self.samplerate
        audio = self._audio(clip.path)
        ratio = clip.ratio()
        stretched = ratio != 1.0 or clip.semitones != 0.0
        start = round(clip.start_seconds() * sr)
        # A stretched clip's gate rises (and falls) its latency early, so that it sounds on
        # its frame; one starting before its latency runs the stretcher ahead instead
        # (aligned: exact too, but those hops are computed in the gate's block).
        lead = self.stretch_latency() if stretched else 0
        align = stretched and not clip.idle and start < lead
        if align:
            lead = 0
        node = g.clip(
            audio,
            samplerate=sr,
            gain_db=clip.gain_db,
            offset=clip.offset,
            length=clip.length,
            loop=clip.loop,
            fade_in=clip.fade_in,
            fade_out=clip.fade_out,
            stretch=ratio if stretched else None,
            semitones=clip.semitones if stretched else None,
            align=align,
        )
        clip.node = node
        clip._built[g] = (node, lead)
        if not clip.idle:
            g.set(node.gate, 1.0, frame=start - lead, ramp=0)
        if not clip.idle and (clip.until is not None or clip.until_beat is not None):
            g.set(node.gate, 0.0, frame=max(round(clip.end_seconds() * sr) - lead, start - lead), ramp=0)
        index = clip.track.clips.index(clip)
        return _to_stereo(g, sr, node, f"{clip.track.name}.clip{index}.stereo", audio.shape[0])

    # -- files ----------------------------------------------------------------------------
    def export(
        self,
        path: str | os.PathLike[str],
        seconds: float | None = None,
        *,
        tail: float = 0.0,
        subtype: str | None = None,
        stem: str | None = None,
        lufs: float | None = None,
        true_peak_db: float | None = None,
        progress: ProgressArg = None,
    ) -> Path:
        """Renders the mix (or one ``stem``) to ``path``, block by block (memory flat): WAV,
        FLAC, OGG/Vorbis, Opus (.opus), MP3, AIFF, AAC (.m4a, with PyAV) ... by extension;
        ``seconds`` defaults to :meth:`duration` plus ``tail``; ``subtype`` is the sample
        format ("PCM_16", "PCM_24", "FLOAT"; default float for WAV/AIFF).

        ``lufs`` normalizes the integrated loudness (BS.1770-4) to that target and
        ``true_peak_db`` keeps the true peak (4x oversampled) at or under that ceiling, by
        lowering the gain (no limiter): two passes, memory flat (see :mod:`chronus.loudness`).
        ``progress``: a bar on stderr (None: when it is a terminal; True; False) or a
        function ``progress(done, total)`` of frames (see :mod:`chronus.progress`)."""
        from .exporting import export_graph, exported_path

        length = (self.duration() + tail) if seconds is None else seconds
        g = self.graph(stem)
        return exported_path(
            export_graph(
                g, length, self.samplerate, path, subtype=subtype, lufs=lufs,
                true_peak_db=true_peak_db, progress=progress,
            )
        )  # fmt: skip

    def export_stems(
        self,
        folder: str | os.PathLike[str],
        seconds: float | None = None,
        *,
        tail: float = 0.0,
        format: str = "wav",
        subtype: str | None = None,
        lufs: float | None = None,
        true_peak_db: float | None = None,
        progress: ProgressArg = None,
    ) -> list[Path]:
        """Exports every track and bus that plays to ``folder``/<name>.<format>, each
        after its pan and before the master (so without master effects they sum to the mix).

        With ``lufs``/``true_peak_db`` every stem gets one and the same gain: the one that
        brings the mix to ``lufs``, lowered if any stem's (or the mix's) true peak would pass
        the ceiling, so the stems keep their balance and still sum to the normalized mix."""
        from .exporting import export_stems

        base = Path(folder)
        base.mkdir(parents=True, exist_ok=True)
        length = (self.duration() + tail) if seconds is None else seconds
        graphs = []
        for strip in [*self.tracks, *self.buses]:
            try:
                g = self.graph(strip.name)
            except ValueError as e:
                if "plays nothing" in str(e):
                    continue
                raise
            graphs.append((g, base / f"{strip.name}.{format}"))
        mix = self.graph() if lufs is not None or true_peak_db is not None else None
        return export_stems(
            graphs, mix, length, self.samplerate, subtype=subtype, lufs=lufs,
            true_peak_db=true_peak_db, progress=progress,
        )  # fmt: skip

    def record(
        self,
        live: Engine,
        folder: str | os.PathLike[str],
        *,
        punch: tuple[float, float] | None = None,
        loop: tuple[float, float] | None = None,
        passes: int | None = None,
        name: str = "take",
    ) -> Recording:
        """Records every armed track (:meth:`Track.arm`) while ``live`` plays the session,
        into ``folder``/<name>-<track>.wav: from now until ``stop()``; between the beats
        ``punch=(in, out)`` (the take becomes a clip at ``in``); or a take per pass of
        ``loop=(a, b)`` (all kept, the last complete one active; ``passes`` ends it). See
        :mod:`chronus.takes`."""
        from .takes import Recording

        armed = [t for t in self.tracks if t.armed is not None]
        return Recording(self, live, armed, Path(folder), punch=punch, loop=loop, passes=passes, name=name)

    def to_json(self, base: Path) -> dict[str, Any]:
        """The session as JSON data, media paths relative to ``base``."""
        return {
            "chronus_session": FORMAT,
            "samplerate": self.samplerate,
            "tempo": [list(c) for c in self.tempo.changes],
            "signatures": [[s.beat, s.numerator, s.denominator] for s in self.tempo.signatures],
            "tracks": [t.to_json(base) for t in self.tracks],
            "buses": [b.to_json() for b in self.buses],
            "master": self.master.to_json(),
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Saves the session as JSON (human-readable; media paths relative to the file)."""
        target = Path(path).resolve()
        data = self.to_json(target.parent)
        target.write_text(json.dumps(data, indent=2) + "\n")
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Session:
        """A session saved by :meth:`save` (media paths relative to the file)."""
        source = Path(path).resolve()
        data = json.loads(source.read_text())
        if data.get("chronus_session") != FORMAT:
            raise ValueError(f"{source} is not a Chronus session (format {FORMAT})")
        tempo = TempoMap(
            [(float(b), float(t)) for b, t in data["tempo"]],
            [TimeSignature(float(b), int(n), int(d)) for b, n, d in data["signatures"]],
        )
        s = cls(int(data["samplerate"]), tempo=tempo)
        for b in data["buses"]:
            bus = s.bus(b["name"], [_effect_from_json(f) for f in b["fx"]], b["gain_db"], b["pan"])
            bus.muted = bool(b["muted"])
        m = data["master"]
        s.master = Bus(s, "master", m["gain_db"], m["pan"])
        s.master.muted = bool(m["muted"])
        for f in m["fx"]:
            s.master.fx(_effect_from_json(f))
        buses = {b.name: b for b in s.buses}
        for t in data["tracks"]:
            track = s.track(t["name"], t["gain_db"], t["pan"])
            track.muted, track.soloed = bool(t["muted"]), bool(t["soloed"])
            for f in t["fx"]:
                track.fx(_effect_from_json(f))
            for c in t["clips"]:
                track.clip(
                    source.parent / c.pop("path"),
                    **c,
                )
            for snd in t["sends"]:
                track.send(buses[snd["bus"]], snd["db"], pre=snd["pre"])
        return s


#: What ``quantize=`` takes besides a number of bars.
QUANTIZE = ("beat", "bar", "now")


def next_boundary(tempo: TempoMap, beat: float, quantize: str | int) -> float:
    """The first beat after ``beat`` on the grid ``quantize``: "beat", "bar", or a whole
    number of bars (bar lines counted from bar 0 under the tempo map's time signatures)."""
    if quantize == "beat":
        return float(math.floor(beat) + 1)
    bars = 1 if quantize == "bar" else quantize
    if isinstance(bars, bool) or not isinstance(bars, int) or bars < 1:
        raise ValueError(
            f"quantize must be 'beat', 'bar', 'now' or a whole number of bars >= 1, got {quantize!r}"
        )
    number, into = tempo.bar(beat)
    line = beat - into
    while not (line > beat and number % bars == 0):
        signature = [sig for sig in tempo.signatures if sig.beat <= line][-1:] or [TimeSignature(0.0)]
        line += signature[0].beats_per_bar
        number += 1
    return float(line)


def launch(live: Engine, clip: Clip, quantize: str | int, *, start: bool) -> float | None:
    """Starts (or stops) ``clip`` on the next grid line of the engine's transport (the
    gate cued its stretcher's latency earlier, on the session's tempo map); returns that
    beat (None: now)."""
    node, lead = clip._live_node(live)
    tempo = clip.track.session.tempo
    if quantize == "now":
        if start:
            live.set(node.gate, 0.0, ramp=0)
        live.set(node.gate, 1.0 if start else 0.0, ramp=0)
        _launched(clip, tempo.seconds(live.transport.beat), start)
        return None
    sr = live.samplerate
    # Far enough ahead that the command reaches the audio thread first: two blocks.
    ahead = (2 * live.info["blocksize"] + lead) / sr
    now = live.transport.beat
    beat = next_boundary(tempo, tempo.beat(tempo.seconds(now) + ahead), quantize)
    cue = tempo.beat(tempo.seconds(beat) - lead / sr)
    if start:
        # A fall two frames before, so that a clip already playing starts again.
        live.set(node.gate, 0.0, beat=tempo.beat(tempo.seconds(beat) - (lead + 2) / sr), ramp=0)
    live.set(node.gate, 1.0 if start else 0.0, beat=cue, ramp=0)
    _launched(clip, tempo.seconds(beat), start)
    return beat


def _launched(clip: Clip, seconds: float, start: bool) -> None:
    """Notes a launch (or stop) of ``clip`` at ``seconds`` on the transport's timeline."""
    if start:
        clip.launched = (seconds, None)
    elif clip.launched is not None and clip.launched[1] is None:
        clip.launched = (clip.launched[0], max(seconds, clip.launched[0]))
