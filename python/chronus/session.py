"""Sessions: audio files on tracks, buses and a master, compiled to one graph.

A :class:`Session` is a description: tracks holding clips (regions of audio files placed
at seconds or beats, looped, time-stretched, pitch-shifted, or brought to the session's
tempo from their own; files longer than :data:`STREAM_SECONDS` that do not loop stream from
disk, so memory stays bounded whatever their length) and optionally an instrument played
by MIDI files, patterns and notes, each track with an effects chain (latency compensated
across tracks and buses), a fader (dB, smoothed), an equal-power pan, mute and solo, and
sends to buses that have effects of their own; all of it sums into a master. It is not a second engine:
:meth:`Session.graph` compiles it to an ordinary :class:`chronus.Graph` (clip nodes and
instruments -> effects -> alignment -> mute -> fader -> pan -> master sum), which
:func:`chronus.render` renders and :class:`chronus.Engine` plays, so what is exported is
what is heard.

>>> import chronus as cx
>>> s = cx.Session(samplerate=48_000, bpm=96)
>>> drums = s.track("drums", gain_db=-3.0, pan=0.2)
>>> verb = s.bus("verb", fx=("reverb", {"decay": 2.0, "mix": 1.0}))
>>> _ = drums.send(verb, -12.0)
"""

from __future__ import annotations

import importlib
import itertools
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import numpy as np

from .audio import probe_audio, read_audio
from .cycle import ENDLESS_PASSES, Cycle, Segment, segments
from .graph import Graph
from .midi import MidiSong, read_midi
from .nodes import Clip as ClipNode
from .nodes import Meter
from .pattern import Note, Pattern
from .progress import ProgressArg
from .signal import SPECS, Node, Signal
from .tempo import TempoMap, TimeSignature
from .timed import note_node

if TYPE_CHECKING:
    from .live import Engine, Take
    from .takes import Arm, Recording, TakeFile

#: An effect: a function ``fx(graph, signal) -> signal`` (any chain of graph nodes), or a
#: node kind with its parameters and options, ``("reverb", {"decay": 2.2})``,
#: ``("limiter", {"ceiling": -1.0, "lookahead": 0.005})``, which a saved session
#: keeps (a function is kept by its importable name, ``module:function``).
Effect = Callable[[Graph, Signal], Signal] | tuple[str, Mapping[str, Any]]

#: Version of the saved-session format.
FORMAT = 1

#: Clips of files longer than this, seconds, that do not loop play streamed from disk (a
#: read-ahead worker, about 6 s of audio in memory per clip: 2.3 MB at 48 kHz stereo) rather
#: than held whole (a 60-minute stereo file would take 1.4 GB); loops are held.
STREAM_SECONDS = 60.0


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
        # Construction-time options (a limiter's lookahead, oversampling) ride with the params.
        names = {o["name"] for o in SPECS[kind]["options"]} if kind in SPECS else set()
        options = {k: v for k, v in params.items() if k in names}
        values = {k: v for k, v in params.items() if k not in names}
        y = g.add_node(kind, inputs={"in": x}, params=values, options=options)
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


def _import(path: str) -> Any:
    """The object an importable name ``module:qualname`` names."""
    module, _, name = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _effect_from_json(data: Mapping[str, Any]) -> Effect:
    if "function" in data:
        return _import(str(data["function"]))  # type: ignore[no-any-return]
    return (str(data["kind"]), dict(data["params"]))


T = TypeVar("T")
_stores = itertools.count()


class _PerGraph(Generic[T]):
    """A value per compiled graph, kept in the graph itself (so that a graph, the nodes a
    value names and the audio its clip nodes hold are freed together, which a weak-keyed
    dictionary whose values hold the graph's nodes would prevent)."""

    def __init__(self) -> None:
        self._key = f"_session_{next(_stores)}"

    def __contains__(self, g: object) -> bool:
        return isinstance(g, Graph) and self._key in g.__dict__

    def __getitem__(self, g: Graph) -> T:
        return g.__dict__[self._key]  # type: ignore[no-any-return]

    def __setitem__(self, g: Graph, value: T) -> None:
        g.__dict__[self._key] = value

    def get(self, g: Graph) -> T | None:
        return g.__dict__.get(self._key)


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
    _built: _PerGraph[tuple[ClipNode, int]] = field(default_factory=_PerGraph, repr=False, compare=False)
    # Started or stopped live (Engine.launch/stop): its gate is the engine's, not the timeline's.
    _launched: bool = field(default=False, repr=False, compare=False)

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
        frames = self.track.session._shape(self.path)[1]
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
        self._built: _PerGraph[tuple[Node, Node, Node, Meter]] = _PerGraph()

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

    def _effects(self, g: Graph, x: Signal) -> Signal:
        """The effects after ``x`` (which may change its channels: the session makes the
        result stereo), ending on a node's main output."""
        for fx in self.effects:
            x = _apply(g, x, fx, f"{self.kind} '{self.name}'")
        return _main(g, x)

    def _fader(self, g: Graph, x: Signal) -> tuple[Signal, tuple[Node, Node, Node, Meter]]:
        """Mute, fader, pan and meter after ``x``: the meter, and the four nodes."""
        mute = g.muladd(x, mul=1.0 if self._audible() else 0.0, name=f"{self.name}.mute")
        fader = g.gain(mute, gain=self._gain_db, name=f"{self.name}.fader")
        panner = g.muladd(fader, mul=list(pan_gains(self._pan)), name=f"{self.name}.pan")
        meter = g.meter(panner, name=f"{self.name}.meter")
        return meter, (mute, fader, panner, meter)


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


@dataclass
class Instrument:
    """What plays a track's notes (made by :meth:`Track.instrument`): ``builder`` is the name
    of a graph builder that returns an instrument handle (``"subtractive"``), an importable
    function ``"module:function"``, or a function; it is called ``builder(graph, **params)``
    (a name: ``graph.<name>(**params)``) and returns a signal that takes notes (an
    instrument handle, or an instrument built with ``voices=``), or a pair
    ``(note target, signal)``."""

    builder: str | Callable[..., Any]
    params: dict[str, Any]

    def fingerprint(self) -> object:
        key = self.builder if isinstance(self.builder, str) else ("function", id(self.builder))
        return (key, json.dumps(self.params, sort_keys=True, default=repr))

    def build(self, g: Graph, owner: str) -> tuple[Any, Signal]:
        """The instrument built into ``g``: (note target, output signal)."""
        builder = self.builder
        if isinstance(builder, str):
            if ":" in builder:
                made = _import(builder)(g, **self.params)
            else:
                made = getattr(g, builder)(**self.params)
        else:
            made = builder(g, **self.params)
        target, out = made if isinstance(made, tuple) and len(made) == 2 else (made, made)
        if not isinstance(out, Signal):
            raise TypeError(f"{owner}: the instrument must return a signal, got {type(out).__name__}")
        try:
            note_node(target)
        except TypeError as e:
            raise TypeError(f"{owner}: the instrument takes no notes: {e}") from None
        return target, out

    def to_json(self, owner: str) -> dict[str, Any]:
        builder = self.builder
        if callable(builder):
            module, qualname = getattr(builder, "__module__", None), getattr(builder, "__qualname__", "")
            if not module or "<" in qualname or module == "__main__":
                raise ValueError(
                    f"{owner}: cannot save the instrument {qualname or builder!r}: save needs an "
                    'instrument given as a builder name ("subtractive") with params, or a function '
                    "importable by name (module:function)"
                )
            builder = f"{module}:{qualname}"
        try:
            params = json.loads(json.dumps(self.params))
        except (TypeError, ValueError):
            raise ValueError(
                f"{owner}: cannot save the instrument's params {self.params!r}: not JSON"
            ) from None
        return {"builder": builder, "params": params}


@dataclass
class Part:
    """What an instrument track plays: a MIDI file from ``beat``, a looping pattern, or
    notes (made by :meth:`Track.midi`, :meth:`Track.pattern`, :meth:`Track.note`)."""

    kind: str  # "midi", "pattern" or "notes"
    what: MidiSong | Pattern | list[Note]
    beat: float = 0.0
    loop: float | None = None
    transpose: int = 0
    channel: int | None = None

    def fingerprint(self) -> object:
        notes = tuple(self.what) if isinstance(self.what, list) else id(self.what)
        return (self.kind, notes, self.beat, self.loop, self.transpose, self.channel)

    def playable(self) -> MidiSong | Pattern | list[Note]:
        """What :meth:`chronus.Graph.play` takes, moved to start at ``beat``."""
        if isinstance(self.what, MidiSong) and self.beat:
            b = self.beat
            return MidiSong(
                [replace(n, beat=n.beat + b) for n in self.what.notes],
                self.what.tempo,
                [replace(c, beat=c.beat + b) for c in self.what.controls],
                [replace(e, beat=e.beat + b) for e in self.what.bends],
                self.what.path,
            )
        return self.what

    def end_beat(self) -> float:
        """Where the last note ends (a pattern: one pass)."""
        if isinstance(self.what, Pattern):
            return self.what.beats
        notes = self.what.notes if isinstance(self.what, MidiSong) else self.what
        return self.beat + max((n.beat + n.length for n in notes), default=0.0)

    def to_json(self, base: Path, owner: str) -> dict[str, Any]:
        data: dict[str, Any] = {"transpose": self.transpose, "channel": self.channel}
        if isinstance(self.what, MidiSong):
            assert self.what.path is not None
            data.update(midi=os.path.relpath(self.what.path, base), beat=self.beat)
        elif isinstance(self.what, Pattern):
            p = self.what
            accent, velocity, soft, probability = p._levels
            fields = {
                "steps": p.text, "note": p.note, "steps_per_beat": p.steps_per_beat, "swing": p.swing,
                "accent": accent, "velocity": velocity, "soft": soft, "probability": probability,
                "gate": p.gate, "channel": p.channel,
            }  # fmt: skip
            if Pattern(**fields).notes() != p.notes():  # type: ignore[arg-type]
                raise ValueError(
                    f"{owner}: cannot save the pattern {p!r}: its steps are not one pattern string "
                    "(chained or repeated patterns keep velocities a string cannot)"
                )
            data.update(pattern=fields, loop=self.loop)
        else:
            data["notes"] = [
                [n.pitch, n.beat, n.length, n.velocity, n.channel, n.probability] for n in self.what
            ]
        return data


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
        self._instrument: Instrument | None = None
        #: What the track's instrument plays (:meth:`midi`, :meth:`pattern`, :meth:`note`).
        self.parts: list[Part] = []

    # -- instruments ------------------------------------------------------------------------
    def instrument(self, builder: str | Callable[..., Any], **params: Any) -> Track:
        """Puts an instrument on the track, beside its clips, played by its MIDI files,
        patterns and notes on the session's tempo map; returns this track.

        ``builder`` is the name of a graph builder returning an instrument handle
        (``t.instrument("subtractive", voices=8, cutoff=900)`` calls
        ``g.subtractive(voices=8, cutoff=900)``), an importable ``"module:function"``, or a
        function called ``builder(g, **params)``; a function returns a signal that takes
        notes (an instrument handle, or an instrument built with ``voices=``) or a pair
        ``(note target, signal)``. A saved session keeps names and importable functions and
        refuses lambdas by the track's name, as for effects."""
        if isinstance(builder, str):
            if ":" not in builder and not callable(getattr(Graph, builder, None)):
                raise ValueError(f"track '{self.name}': the graph has no builder named '{builder}'")
        elif not callable(builder):
            raise TypeError(
                f"track '{self.name}': an instrument is a builder name or a function, got {builder!r}"
            )
        self._instrument = Instrument(builder, dict(params))
        return self

    def _check_instrument(self, what: str) -> None:
        if self._instrument is None:
            raise ValueError(
                f"track '{self.name}': {what}() needs an instrument first (track.instrument(...))"
            )

    def midi(
        self,
        path: str | os.PathLike[str],
        *,
        beat: float = 0.0,
        transpose: int = 0,
        channel: int | None = None,
    ) -> Part:
        """Plays the notes, controllers and bends of the MIDI file ``path`` on the track's
        instrument from ``beat`` on, in beats (the session's tempo map sets their times; the
        file's own tempo is not used); ``transpose`` in semitones; ``channel`` forces one."""
        self._check_instrument("midi")
        if not (isinstance(beat, (int, float)) and math.isfinite(beat) and beat >= 0):
            raise ValueError(f"track '{self.name}': midi beat must be a finite number >= 0, got {beat!r}")
        song = read_midi(Path(path).resolve())
        return self._add_part(Part("midi", song, float(beat), None, int(transpose), channel))

    def pattern(self, pattern: Pattern | str, *, loop: float | None = None, transpose: int = 0) -> Part:
        """Loops a step pattern (:class:`chronus.Pattern`, or its string) on the track's
        instrument from beat 0, every pattern length (or ``loop`` beats)."""
        self._check_instrument("pattern")
        if isinstance(pattern, str):
            pattern = Pattern(pattern)
        if not isinstance(pattern, Pattern):
            raise TypeError(f"track '{self.name}': pattern() takes a Pattern or a string, got {pattern!r}")
        return self._add_part(Part("pattern", pattern, 0.0, loop, int(transpose)))

    def note(
        self,
        pitch: int,
        beat: float,
        length: float = 1.0,
        velocity: float = 0.8,
        *,
        channel: int = 0,
    ) -> Note:
        """Plays MIDI note ``pitch`` on the track's instrument at ``beat`` for ``length``
        beats with ``velocity`` in (0, 1]."""
        self._check_instrument("note")
        for name, value in (("beat", beat), ("length", length)):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(
                    f"track '{self.name}': note {name} must be a finite number >= 0, got {value!r}"
                )
        if not (isinstance(pitch, int) and 0 <= pitch <= 127):
            raise ValueError(f"track '{self.name}': note pitch must be a MIDI note 0..127, got {pitch!r}")
        if not 0.0 < velocity <= 1.0:
            raise ValueError(f"track '{self.name}': note velocity must be in (0, 1], got {velocity!r}")
        n = Note(pitch, float(beat), float(length), float(velocity), int(channel))
        notes = next((p for p in self.parts if p.kind == "notes"), None)
        if notes is None:
            notes = self._add_part(Part("notes", []))
        assert isinstance(notes.what, list)
        notes.what.append(n)
        return n

    def _add_part(self, part: Part) -> Part:
        if part.channel is not None and not (isinstance(part.channel, int) and 0 <= part.channel <= 15):
            raise ValueError(f"track '{self.name}': channel must be 0..15 or None, got {part.channel!r}")
        if part.loop is not None and not (
            isinstance(part.loop, (int, float)) and math.isfinite(part.loop) and part.loop > 0
        ):
            raise ValueError(f"track '{self.name}': loop must be a length > 0 in beats, got {part.loop!r}")
        self.parts.append(part)
        return part

    def _build_instrument(self, g: Graph) -> tuple[Signal, Any]:
        """The instrument built into ``g``: its output (the session makes it stereo once its
        channels are compiled) and what takes its notes (see :meth:`_play_parts`)."""
        assert self._instrument is not None
        target, out = self._instrument.build(g, f"track '{self.name}'")
        return _main(g, out), target

    def _play_parts(self, g: Graph, target: Any, cycle: Cycle | None, out: Signal) -> Signal:
        """Makes the track's parts the tracks of ``g``'s song that play ``target`` (the
        instrument's note target, whose output is ``out``, returned), replacing those it
        had: unrolled over ``cycle``, if any."""
        node = note_node(target)
        g.tracks = [t for t in g.tracks if t.target is None or t.target.id != node.id]
        for part in self.parts:
            what, loop = (
                (part.playable(), part.loop) if cycle is None else cycle.part(part, f"track '{self.name}'")
            )
            g.play(target, what, loop=loop, transpose=part.transpose, channel=part.channel)
        return out

    def end_seconds(self) -> float:
        """Where the track's last clip or note ends (a pattern: one pass)."""
        tempo = self.session.tempo
        ends = [c.end_seconds() for c in self.clips]
        if self._instrument is not None:
            ends += [tempo.seconds(p.end_beat()) for p in self.parts]
        return max(ends, default=0.0)

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
        self.session._check(clip)  # a bad file is named here
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
        takes to the frame (``path`` names them: WAV, ``-1``, ``-2``... per loop pass; the
        session cycles over a loop while it records, see :meth:`Session.set_cycle`)."""
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
            "instrument": None if self._instrument is None else self._instrument.to_json(owner),
            "parts": [p.to_json(base, owner) for p in self.parts],
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


@dataclass
class _Part:
    """Nodes one part of a session (a clip, an instrument, a strip's effects ...) became in a
    graph: what they were built from (``fingerprint``), the nodes, the output, and extras."""

    fingerprint: object
    nodes: list[Node]
    out: Signal
    extra: Any


def _drop(g: Graph, part: _Part) -> None:
    for node in part.nodes:
        if g._core.has(node.id):
            g.remove(node)


def _sum(g: Graph, name: str) -> Node:
    return g.muladd(None, name=name)


def _connect_all(g: Graph, node: Signal, sources: list[Signal]) -> None:
    """Makes ``sources`` exactly what feeds ``node``'s input (a sum)."""
    wanted = {(s._node, s.port) for s in sources}
    have = set()
    for src, port, kind, dst, name in g._core.edges():
        if kind == "input" and dst == node._node and name == "in":
            if (src, port) in wanted:
                have.add((src, port))
            else:
                g._core.disconnect_input(src, port, node._node, "in")
    for s in sources:
        if (s._node, s.port) not in have:
            g._core.connect_input(s._node, s.port, node._node, "in")
            have.add((s._node, s.port))


def _effect_key(fx: Effect) -> object:
    if callable(fx):
        return ("function", id(fx))
    kind, params = fx
    return (kind, json.dumps(dict(params), sort_keys=True, default=repr))


def _node_latencies(g: Graph, samplerate: int) -> dict[int, int]:
    return {int(k): int(v or 0) for k, v in g.info(samplerate)["latency"].items()}


def _path_latency(
    edges: list[tuple[int, str, str, int | None, str | None]], latency: dict[int, int], source: int, sink: int
) -> int:
    """Frames of the longest path from node ``source`` to node ``sink``: the sum of the
    latencies its nodes report (``source``'s own excluded); 0 if ``sink`` is ``source``."""
    feeds: dict[int, list[int]] = {}
    for src, _, kind, dst, _ in edges:
        if kind in ("input", "param") and dst is not None:
            feeds.setdefault(dst, []).append(src)
    memo: dict[int, int | None] = {source: 0}

    def longest(node: int, seen: frozenset[int]) -> int | None:
        if node in memo:
            return memo[node]
        found = [
            x
            for x in (longest(s, seen | {node}) for s in feeds.get(node, ()) if s not in seen)
            if x is not None
        ]
        result = max(found) + latency.get(node, 0) if found else None
        memo[node] = result
        return result

    return longest(sink, frozenset()) or 0


def _gain(g: Graph, x: Signal, name: str) -> Node:
    return g.gain(x, name=name)


def _main(g: Graph, x: Signal) -> Signal:
    """``x``, through a unity muladd when it is not a node's main output."""
    return g.muladd(x) if x.port != "out" else x


def _delay(g: Graph, x: Signal, frames: int, samplerate: int, name: str) -> Node:
    """``x`` delayed by exactly ``frames`` (a delay line read at a whole number of frames:
    the time is the float32 whose product with the rate is exactly ``frames``)."""
    rate = np.float32(samplerate)
    time = np.float32(frames / samplerate)
    for _ in range(8):
        product = time * rate
        if product == frames:
            break
        time = np.nextafter(time, np.float32(np.inf if product < frames else -np.inf), dtype=np.float32)
    return g.delay(x, time=float(time), mix=1.0, max_time=frames / samplerate + 0.01, name=name)


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
        self._cycle: Cycle | None = None
        self._cache: dict[Path, np.ndarray] = {}
        self._shapes: dict[Path, tuple[int, int]] = {}
        self._last: Graph | None = None
        # The last graph compiled with a master (not a stem): what latency() reports on.
        self._mix: Graph | None = None
        self._latency: int | None = None
        # The parts each compiled graph was built from (reused by live edits), and its latencies.
        self._parts: _PerGraph[dict[tuple[Any, ...], _Part]] = _PerGraph()
        self._latencies: _PerGraph[dict[str, int]] = _PerGraph()

    @property
    def bpm(self) -> float:
        """The tempo at beat 0."""
        return float(self.tempo.changes[0][1])

    @property
    def cycle(self) -> Cycle | None:
        """The cycle the session plays (:meth:`set_cycle`), or None."""
        return self._cycle

    def set_cycle(self, start: float | None, end: float | None = None, *, passes: int | None = None) -> None:
        """Plays the timeline in a cycle over beats ``[start, end)``, ``passes`` times (None:
        :data:`chronus.cycle.ENDLESS_PASSES`), then on from ``end``, as a DAW's cycle region
        (see :mod:`chronus.cycle`): every pass plays the region's clips, notes and tempo
        again, to the frame. ``set_cycle(None)`` plays the timeline straight (an engine past
        the first wrap: see :meth:`stop_cycle`). Compiled into every graph made after (a
        render, an export, an engine's next ``update()``); an engine playing the session
        takes it at its next edit, which must come before the region's end for the first
        pass to wrap."""
        if start is None:
            self._cycle = None
            return
        for name, value in (("cycle start", start), ("cycle end", end)):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
            ):
                raise ValueError(f"{name} must be a finite beat >= 0, got {value!r}")
        assert end is not None
        if passes is not None and (isinstance(passes, bool) or not isinstance(passes, int) or passes < 1):
            raise ValueError(f"passes is a whole number >= 1 of cycle passes, got {passes!r}")
        cycle = Cycle(float(start), float(end), ENDLESS_PASSES if passes is None else passes)
        fa, fb = cycle.frames(self.tempo, self.samplerate)
        if fb <= fa:
            raise ValueError(
                f"a cycle must end after it starts (by a frame at least), got {start!r} .. {end!r}"
            )
        for track in self.tracks:
            for part in track.parts:
                cycle.part(part, f"track '{track.name}'")  # a pattern it cannot follow is named here
        self._cycle = cycle

    def stop_cycle(self) -> None:
        """Stops cycling as a DAW's cycle switched off mid-pass. While an engine plays the
        session and the region has wrapped, the pass playing becomes the last: it plays to
        the region's end, then the timeline plays on from there (dropping the cycle instead,
        ``set_cycle(None)``, would move the timeline on by the passes played, since the
        cycle is placed on the engine's frame clock). Before the first wrap, or with no
        engine, the cycle is dropped. An engine playing the session takes it at once
        (``update()``; if that fails the cycle is as before)."""
        cycle, live = self._cycle, self._live
        if cycle is None:
            return
        self._cycle = None
        if live is not None:
            fa, fb = cycle.frames(self.tempo, self.samplerate)
            # Where the edit lands, or a little later (an update swaps in two blocks on): a
            # pass counted late plays once more, one counted early would cut to the end.
            at = live.frame() + 4 * int(live.info["blocksize"])
            if at >= fb:
                playing = (at - fb) // (fb - fa) + 2
                self._cycle = cycle if playing >= cycle.passes else replace(cycle, passes=playing)
            try:
                live.update()
            except BaseException:
                self._cycle = cycle
                raise

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

    def _shape(self, path: Path) -> tuple[int, int]:
        """(channels, frames at the session's rate) of the file at ``path``: the held copy's,
        else from its header (:func:`chronus.audio.probe_audio`, any format; frames
        converted as the engine's resampler converts them), never decoding it whole."""
        if path in self._cache:
            return self._cache[path].shape
        shape = self._shapes.get(path)
        if shape is None:
            channels, rate, frames = probe_audio(path)
            shape = (channels, -(-frames * self.samplerate // rate))
            self._shapes[path] = shape
        return shape

    def streams(self, clip: Clip) -> bool:
        """Whether ``clip`` plays streamed from disk: it does not loop and its file is longer
        than :data:`STREAM_SECONDS` (and not held already, for a loop of it)."""
        return not clip.loop and not self.holds(clip.path)

    def holds(self, path: Path) -> bool:
        """Whether the file at ``path`` is held in memory (read whole, at the session's rate):
        it is short, or a clip loops it."""
        return path in self._cache or not self._long(path)

    def _long(self, path: Path) -> bool:
        return self._shape(path)[1] > STREAM_SECONDS * self.samplerate

    def _check(self, clip: Clip) -> None:
        """Reads ``clip``'s file now (or, streamed, its header), so a bad file is named
        where the clip is added."""
        if not self.streams(clip):
            self._audio(clip.path)

    def _update_mutes(self) -> None:
        for strip in [*self.tracks, *self.buses, self.master]:
            found = strip._live_node(0)
            if found is not None:
                live, mute = found
                live.set(mute.param("mul"), 1.0 if strip._audible() else 0.0)

    def duration(self) -> float:
        """Seconds until the last clip or note ends (a loop without ``until``, a pattern: one
        pass), on the timeline as the session's cycle plays it (its passes after the first
        delay what comes after it)."""
        end = max((t.end_seconds() for t in self.tracks), default=0.0)
        cycle = self._cycle
        if cycle is None or self.tempo.seconds(cycle.start) >= end:
            return end
        fa, fb = cycle.frames(self.tempo, self.samplerate)
        return max(end, self.tempo.seconds(cycle.end)) + (cycle.passes - 1) * (fb - fa) / self.samplerate

    # -- compiling ------------------------------------------------------------------------
    def graph(self, stem: str | None = None) -> Graph:
        """The session compiled to a graph: per track, its clips and instrument summed (each
        on two channels) -> effects -> latency alignment -> mute -> fader -> pan -> meter;
        sends (a gain in dB after the pan, or after the mute with ``pre=True``) into buses,
        which run the same strip; tracks and buses sum into the master strip, the graph's
        output. Clip starts and stops are timeline events on their exact frames; an
        instrument's MIDI files, patterns and notes are tracks of the graph's song.

        Effects that report latency (a limiter's lookahead, oversampling, a pitch shifter)
        are compensated: every track's chain is delayed to the longest track chain, every
        bus's to the longest bus chain, and tracks reach the master that bus latency later,
        so parallel paths (a dry track and its send through a latent bus) stay aligned to the
        sample at the master; :meth:`latency` reports the total.

        With ``stem`` (a track or bus name) the output is that strip alone, after its pan
        and alignment (no master), which is what :meth:`export_stems` writes."""
        if stem is not None and stem not in self._names() - {"master"}:
            raise ValueError(f"the session has no track or bus named '{stem}'")
        g = Graph()
        self._assemble(g, stem, None)
        self._last = g
        if stem is None:
            self._mix = g
        return g

    def graph_from(self, frame: int, playing: tuple[Session, Graph] | None = None) -> Graph:
        """The session compiled (as :meth:`graph`) to take over at ``frame`` from a graph
        already playing (:meth:`chronus.Engine.replace`): each placed clip's gate is set to
        where its timeline has it at that frame, since the timeline's past events do not
        fire again after a swap. With ``playing``, (another session, the graph compiled
        from it that plays), that graph is edited into this session instead: the parts
        the two sessions share (a clip placed alike, a track's strip, its effects) keep
        their nodes and so their state, as in a live edit."""
        if playing is None:
            g = Graph()
            self._assemble(g, None, {}, frame)
        else:
            other, g = playing
            parts = other._parts.get(g)
            if parts is None:
                raise ValueError("this graph was not compiled from the session it is said to be")
            self._assemble(g, None, dict(parts), frame)
        self._last = self._mix = g
        return g

    def _rebuild(self, g: Graph, frame: int) -> None:
        """Brings graph ``g`` (compiled from this session and playing, about to be swapped
        in at ``frame``) up to date with the session: parts that did not change (a clip, an
        instrument, a strip's effects) keep their nodes, so their state (a clip's position,
        a reverb's tail) carries on across the edit; changed parts are rebuilt; parts gone
        are removed. A kept clip's gate is set to where its timeline has moved it by
        ``frame`` (a swap sets parameters to the graph's values)."""
        old = self._parts.get(g)
        if old is None:
            raise ValueError("this graph was not compiled from the session")
        self._assemble(g, None, dict(old), frame)
        self._mix = g

    def latency(self) -> int:
        """Frames by which the master lags the timeline after compensation (the longest
        track chain, plus the longest bus chain when a bus plays, plus the master's effects),
        as of the graph last compiled with a master (compiles one if none was)."""
        return self.latencies()["total"]

    def latencies(self) -> dict[str, int]:
        """Each playing strip's own effects latency in frames (by name; "master" too), and
        "total" (:meth:`latency`), as of the graph last compiled with a master (a render,
        an export, the graph an engine plays after its last edit)."""
        if self._mix is None:
            self.graph()
        assert self._mix is not None
        return dict(self._latencies[self._mix])

    def _assemble(
        self, g: Graph, stem: str | None, old: dict[tuple[Any, ...], _Part] | None, frame: int = 0
    ) -> None:
        """Builds the session into ``g`` part by part; with ``old`` (the parts ``g`` was last
        built from) unchanged parts are kept, changed ones rebuilt and the rest removed."""
        sr = self.samplerate
        parts: dict[tuple[Any, ...], _Part] = {}

        def part(key: tuple[Any, ...], fingerprint: object, build: Callable[..., Any], *args: Any) -> _Part:
            """The part ``key``: kept if built from the same ``fingerprint``, else built by
            ``build(*args)`` (a signal, or a signal and extras)."""
            prev = old.pop(key, None) if old is not None else None
            if prev is not None:
                if prev.fingerprint == fingerprint and all(g._core.has(n.id) for n in prev.nodes):
                    parts[key] = prev
                    return prev
                _drop(g, prev)
            mark = len(g._nodes)
            made = build(*args)
            out, extra = made if isinstance(made, tuple) else (made, None)
            built = _Part(fingerprint, [n for n in g._nodes[mark:] if g._core.has(n.id)], out, extra)
            parts[key] = built
            return built

        cycle = self._cycle if self._cycle is not None and self._cycle.passes > 1 else None
        g.tempo = self.tempo if cycle is None else cycle.tempo(self.tempo)
        region = cycle.frames(self.tempo, sr) if cycle is not None else (0, 0)
        playing = [t for t in self.tracks if t.clips or t._instrument is not None]
        sent = {s.bus.name for t in playing for s in t.sends}
        buses = [b for b in self.buses if b.name in sent]
        if not playing:
            raise ValueError("the session plays nothing: add a clip or an instrument to a track")
        sums: dict[str, _Part] = {}
        own: dict[str, int] = {}
        outs: dict[str, Signal] = {}

        def chains(strips: list[_Strip]) -> dict[str, Signal]:
            """Each strip's effects after its sum, made stereo (one compile tells the
            channels and the latencies); fills ``own`` with each chain's latency."""
            raw: dict[str, Signal] = {}
            for strip in strips:
                x = sums[strip.name].out
                if strip.effects:
                    fp = (x._node, tuple(_effect_key(f) for f in strip.effects))
                    x = part(("chain", strip.name), fp, strip._effects, g, x).out
                raw[strip.name] = x
                own[strip.name] = 0
            if not any(s.effects for s in strips):
                return raw
            info = g.info(sr)
            latency = {int(k): int(v or 0) for k, v in info["latency"].items()}
            edges = g._core.edges()
            for strip in strips:
                x = raw[strip.name]
                if strip.effects:
                    own[strip.name] = _path_latency(edges, latency, sums[strip.name].out._node, x._node)
                    channels = int(info["channels"][x._node][0])
                    if channels != 2:
                        stereo = part(
                            ("stereo", strip.name),
                            (x._node, channels),
                            _to_stereo,
                            g,
                            sr,
                            x,
                            f"{strip.name}.stereo",
                            channels,
                        )
                        raw[strip.name] = stereo.out
            return raw

        # Tracks: clips (stereo) and instruments (made stereo) summed, then effects.
        raw_sources: dict[str, Signal] = {}
        track_sources: dict[str, list[Signal]] = {}
        # Each clip player's gates on the (cycled) timeline, which replace those it had.
        gates: list[tuple[ClipNode, int, list[Segment]]] = []
        for track in playing:
            sources: list[Signal] = []
            for index, clip in enumerate(track.clips):
                clip_fp = (clip.to_json(Path("/")), self.tempo.changes, index)
                for player, phase, align, played in self._players(clip, cycle, region):
                    p = part(
                        ("clip", track.name, index, *player),
                        (clip_fp, phase, align),
                        self._clip,
                        g,
                        clip,
                        phase,
                        align,
                        player,
                    )
                    node, lead = p.extra
                    if not player:
                        clip.node = node
                        clip._built[g] = (node, lead)
                    gates.append((node, lead, played))
                    if old is not None and not clip.idle and not clip._launched:
                        on = any(
                            seg.rise - lead <= frame < (math.inf if seg.fall is None else seg.fall - lead)
                            for seg in played
                        )
                        node.set_param("gate", 1.0 if on else 0.0)
                    sources.append(p.out)
            if track._instrument is not None:
                p = part(
                    ("instrument", track.name), track._instrument.fingerprint(), track._build_instrument, g
                )
                # Its parts: the song's tracks for it, replaced only when they change (a pattern
                # swapped in over OSC stays where it is until then).
                target, out = p.extra, p.out
                song_fp = (note_node(target).id, tuple(x.fingerprint() for x in track.parts), cycle)
                part(("song", track.name), song_fp, track._play_parts, g, target, cycle, out)
                raw_sources[track.name] = out
            track_sources[track.name] = sources
            sums[track.name] = part(("sum", track.name), None, _sum, g, f"{track.name}.clips")
        players = {node.id for node, _, _ in gates}
        g.timeline = [t for t in g.timeline if t.node is None or t.node.id not in players]
        for node, lead, played in gates:
            for seg in played:
                g.set(node.gate, 1.0, frame=seg.rise - lead, ramp=0)
                if seg.fall is not None:
                    g.set(node.gate, 0.0, frame=max(seg.fall, seg.rise) - lead, ramp=0)
        if raw_sources:
            # Instruments' channels are known once compiled: made stereo before the sums.
            info = g.info(sr)
            for key, x in raw_sources.items():
                channels = int(info["channels"][x._node][0])
                if channels != 2:
                    name = f"{key}.instrument.stereo"
                    x = part(
                        ("instrument.stereo", key), (x._node, channels), _to_stereo, g, sr, x, name, channels
                    ).out
                track_sources[key].append(x)
        for track in playing:
            _connect_all(g, sums[track.name].out, track_sources[track.name])
        chained = chains(list(playing))
        track_max = max(own[t.name] for t in playing)
        for track in playing:
            meter, mute = self._fader_part(g, part, track, chained[track.name], track_max - own[track.name])
            outs[track.name] = meter
            for i, send in enumerate(track.sends):
                tap = mute if send.pre else meter
                name = f"{track.name}.send.{send.bus.name}"
                p = part(("send", track.name, i), (tap._node, send.bus.name), _gain, g, tap, name)
                assert isinstance(p.out, Node)
                send.node = p.out
                p.out.set_param("gain", send.db)
        # Buses: what is sent to them, then their effects; aligned with each other.
        for bus in buses:
            sums[bus.name] = part(("sum", bus.name), None, _sum, g, f"{bus.name}.in")
            _connect_all(
                g,
                sums[bus.name].out,
                [s.node for t in playing for s in t.sends if s.bus is bus and s.node is not None],
            )
        chained = chains(list(buses))
        bus_max = max((own[b.name] for b in buses), default=0)
        for bus in buses:
            outs[bus.name], _ = self._fader_part(g, part, bus, chained[bus.name], bus_max - own[bus.name])
        # Tracks reach the master as late as the buses' effects make what they send.
        if bus_max:
            for track in playing:
                m = outs[track.name]
                name = f"{track.name}.out"
                outs[track.name] = part(
                    ("out", track.name), (m._node, bus_max), _delay, g, m, bus_max, sr, name
                ).out
        if stem is not None:
            if stem not in outs:
                raise ValueError(f"'{stem}' plays nothing: it has no clips (or nothing is sent to it)")
            out = outs[stem]
            own["master"] = 0
        else:
            master = self.master
            sums["master"] = part(("sum", "master"), None, _sum, g, "master.in")
            _connect_all(g, sums["master"].out, [outs[s.name] for s in [*playing, *buses]])
            chained = chains([master])
            out, _ = self._fader_part(g, part, master, chained["master"], 0)
        for src, port, kind, _, _ in g._core.edges():
            if kind == "output" and (src, port) != (out._node, out.port):
                g._core.disconnect_output(src, port)
        if not any(k == "output" for _, _, k, _, _ in g._core.edges()):
            g.output(out)
        for leftover in (old or {}).values():
            _drop(g, leftover)
        self._parts[g] = parts
        self._latencies[g] = {**own, "total": track_max + bus_max + own["master"]}

    def _fader_part(
        self, g: Graph, part: Callable[..., _Part], strip: _Strip, x: Signal, align: int
    ) -> tuple[Signal, Node]:
        """``strip``'s alignment delay (``align`` frames, if any), mute, fader, pan and
        meter after ``x``, set to the strip's current values: (meter, mute)."""
        if align:
            name = f"{strip.name}.align"
            x = part(("align", strip.name), (x._node, align), _delay, g, x, align, self.samplerate, name).out
        p = part(("strip", strip.name), x._node, strip._fader, g, x)
        mute, gain, panner, meter = p.extra
        strip._built[g] = p.extra
        strip.meter = meter
        mute.set_param("mul", 1.0 if strip._audible() else 0.0)
        gain.set_param("gain", strip._gain_db)
        panner.set_param("mul", list(pan_gains(strip._pan)))
        return meter, mute

    def stretch_latency(self) -> int:
        """Frames by which the stretcher delays a clip at the session's rate."""
        if self._latency is None:
            g = Graph()
            probe = g.clip(np.zeros((1, 64), np.float32), samplerate=self.samplerate, stretch=1.0)
            g.output(probe)
            self._latency = int(g.info(self.samplerate)["latency"][probe.id])
        return self._latency

    def _players(
        self, clip: Clip, cycle: Cycle | None, region: tuple[int, int]
    ) -> list[tuple[tuple[int, ...], int, bool, list[Segment]]]:
        """The clip players ``clip`` needs on the (cycled) timeline: for each, its part key
        suffix (empty: the clip's own node), how far into the clip it starts (frames of the
        timeline), whether its stretcher runs aligned, and the stretches it plays. Stretches
        that start at the same point share a player when it is free by then (its gate fell
        and its fade-out rang out), else another one alternates with it."""
        sr = self.samplerate
        stretched = clip.ratio() != 1.0 or clip.semitones != 0.0
        latency = self.stretch_latency() if stretched else 0
        if clip.idle:
            return [((), 0, False, [])]
        start = round(clip.start_seconds() * sr)
        timed = clip.until is not None or clip.until_beat is not None
        ends = round(clip.end_seconds() * sr)
        until = max(ends, start) if timed else None
        played = segments(start, until, math.inf if clip.loop and not timed else ends, cycle, region)
        ring = math.ceil(clip.fade_out * sr * clip.ratio()) + latency + 1
        slots: dict[int, list[float]] = {}
        plan: dict[tuple[int, int], list[Segment]] = {}
        for seg in played:
            free = slots.setdefault(seg.phase, [])
            slot = next((i for i, f in enumerate(free) if f < seg.rise), len(free))
            busy = (seg.ends if seg.fall is None else seg.fall) + ring
            if slot == len(free):
                free.append(busy)
            else:
                # A player that ran out by itself: its gate falls once it rang out, so that
                # it rises again.
                free[slot] = busy
                prev = plan[seg.phase, slot][-1]
                if prev.fall is None:
                    plan[seg.phase, slot][-1] = replace(prev, fall=int(prev.ends) + ring)
            plan.setdefault((seg.phase, slot), []).append(seg)
        # A stretched player whose first start comes before its latency runs aligned.
        return [
            ((), 0, stretched and segs[0].rise < latency, segs)
            if key == (0, 0)
            else (key, key[0], stretched and segs[0].rise < latency, segs)
            for key, segs in plan.items()
        ]

    def _clip(
        self, g: Graph, clip: Clip, phase: int = 0, align: bool = False, player: tuple[int, ...] = ()
    ) -> tuple[Signal, tuple[ClipNode, int]]:
        """A player of the clip (made stereo), started ``phase`` frames of the timeline into
        it (a cycle's re-entry; ``player``: which, (phase, slot), none for the clip's own),
        and (node, lead: how early its gate moves, frames). A stretched clip's gate rises
        (and falls) its latency early, so that it sounds on its frame; ``align`` runs the
        stretcher ahead instead (for a first start before its latency: exact too, but those
        hops are computed in the gate's block)."""
        sr = self.samplerate
        streamed = self.streams(clip)
        source: Path | np.ndarray = clip.path if streamed else self._audio(clip.path)
        channels = self._shape(clip.path)[0]
        ratio = clip.ratio()
        stretched = ratio != 1.0 or clip.semitones != 0.0
        lead = self.stretch_latency() if stretched and not align else 0
        # Frames of the file the clip played before the re-entry (an unlooped region's last
        # at most, should rounding reach past it).
        skip = round(phase / ratio)
        if skip and not clip.loop:
            region = self._shape(clip.path)[1] - round(clip.offset * sr)
            if clip.length is not None:
                region = min(region, round(clip.length * sr))
            skip = min(skip, region - 1)
        offset, length, start, fade_in = clip.offset, clip.length, 0.0, clip.fade_in
        if streamed and skip:
            # A stream starts later by its offset (its fade-in is not resumed).
            offset += skip / sr
            length = None if length is None else length - skip / sr
            fade_in = 0.0
        elif skip:
            start = skip / sr
        node = g.clip(
            source,
            samplerate=sr,
            stream=streamed,
            gain_db=clip.gain_db,
            offset=offset,
            length=length,
            start=start,
            loop=clip.loop,
            fade_in=fade_in,
            fade_out=clip.fade_out,
            stretch=ratio if stretched else None,
            semitones=clip.semitones if stretched else None,
            align=align,
        )
        index = clip.track.clips.index(clip)
        name = f"{clip.track.name}.clip{index}" + "".join(f".{k}" for k in player)
        stereo = _to_stereo(g, sr, node, f"{name}.stereo", channels)
        return stereo, (node, lead)

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
        ``loop=(a, b)``, over which the session cycles (:meth:`set_cycle`) so that every
        pass plays the same backing (all takes kept, the last complete one active;
        ``passes`` ends it). See :mod:`chronus.takes`."""
        from .takes import Recording

        armed = [t for t in self.tracks if t.armed is not None]
        return Recording(self, live, armed, Path(folder), punch=punch, loop=loop, passes=passes, name=name)

    def to_json(self, base: Path) -> dict[str, Any]:
        """The session as JSON data, media paths relative to ``base``."""
        cycle = self._cycle
        return {
            "chronus_session": FORMAT,
            "samplerate": self.samplerate,
            "tempo": [list(c) for c in self.tempo.changes],
            "signatures": [[s.beat, s.numerator, s.denominator] for s in self.tempo.signatures],
            "tracks": [t.to_json(base) for t in self.tracks],
            "buses": [b.to_json() for b in self.buses],
            "master": self.master.to_json(),
            "cycle": None if cycle is None else [cycle.start, cycle.end, cycle.passes],
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
            if t.get("instrument") is not None:
                track.instrument(t["instrument"]["builder"], **t["instrument"]["params"])
            for p in t.get("parts", []):
                if "midi" in p:
                    track.midi(
                        source.parent / p["midi"],
                        beat=p["beat"],
                        transpose=p["transpose"],
                        channel=p["channel"],
                    )
                elif "pattern" in p:
                    track.pattern(Pattern(**p["pattern"]), loop=p["loop"], transpose=p["transpose"])
                else:
                    for pitch, beat, length, velocity, channel, probability in p["notes"]:
                        note = track.note(pitch, beat, length, velocity, channel=channel)
                        if probability != 1.0:
                            notes = track.parts[-1].what
                            assert isinstance(notes, list)
                            notes[-1] = replace(note, probability=probability)
        if data.get("cycle") is not None:  # files saved before cycles have none
            start, end, passes = data["cycle"]
            s.set_cycle(start, end, passes=passes)
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
    gate cued its stretcher's latency earlier, on the tempo map in effect: the session's,
    with live tempo changes); returns that beat (None: now)."""
    node, lead = clip._live_node(live)
    clip._launched = True
    # The tempo map in effect: the session's, with the transport's live tempo changes.
    tempo = live.tempo_map
    if quantize == "now":
        if start:
            live.set(node.gate, 0.0, ramp=0)
        live.set(node.gate, 1.0 if start else 0.0, ramp=0)
        _show_launch(clip, tempo.seconds(live.transport.beat), start)
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
    _show_launch(clip, tempo.seconds(beat), start)
    return beat


def _show_launch(clip: Clip, seconds: float, start: bool) -> None:
    """Notes a launch (or stop) of ``clip`` at ``seconds`` on the transport's timeline."""
    if start:
        clip.launched = (seconds, None)
    elif clip.launched is not None and clip.launched[1] is None:
        clip.launched = (clip.launched[0], max(seconds, clip.launched[0]))
