"""Music in a graph: a tempo map, tracks of notes and automation in beats, and MIDI
controller mappings. :class:`chronus.Graph` inherits these; the engine's transport plays
the tracks from its sample clock, offline and live alike.

>>> import chronus as cx
>>> g = cx.Graph()
>>> g.tempo = cx.TempoMap.constant(96)
>>> v = g.voices(8)
>>> _ = g.output((g.saw(v.freq) * g.adsr(gate=v.gate, trigger=v.trigger)).sum() * 0.1)
>>> _ = g.play(v, cx.Pattern("x..x..x.", note=48))        # loops every 2 beats
>>> _ = g.play(v, [cx.Note(60, beat=0, length=3.5)])     # plays once
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import _core
from .midi import Bend, Control, MidiSong
from .pattern import Note, Pattern
from .signal import Node, Param, Signal
from .tempo import TempoMap

Playable = Pattern | MidiSong | Sequence[Note] | str

#: Curves a controller mapping can follow.
CURVES = ("linear", "exponential", "power")


@dataclass
class Automation:
    """A parameter moving through (beat, value) points, gliding or stepping between them."""

    param: Param
    points: Sequence[tuple[float, float]]
    glide: bool = True


@dataclass
class Track:
    """One track of a graph's song: what plays, to whom, looped or once."""

    target: Node | None
    notes: Sequence[Note] = ()
    controls: Sequence[Control] = ()
    bends: Sequence[Bend] = ()
    automation: Automation | None = None
    loop: float | None = None
    seed: int = 0

    def engine_tuple(self, tempo: TempoMap, samplerate: float) -> tuple[list[tuple], float | None, int]:
        """The track as the engine takes it: (events, loop length, seed)."""
        node = -1 if self.target is None else self.target.id
        events: list[tuple] = []
        for n in self.notes:
            events.append(("note_on", n.beat, n.probability, node, n.channel, n.pitch, n.velocity, -1))
            end = n.beat + n.length
            if self.loop is not None:
                end = min(end, math.nextafter(self.loop, 0.0))
            events.append(("note_off", end, 1.0, node, n.channel, n.pitch, 0.0, -1))
        for c in self.controls:
            events.append(("control", c.beat, 1.0, node, c.channel, c.controller, c.value, -1))
        for b in self.bends:
            events.append(("bend", b.beat, 1.0, node, b.channel, 0, b.value, -1))
        if self.automation is not None:
            a = self.automation
            pts = sorted(a.points)
            for i, (beat, value) in enumerate(pts):
                events.append(("param", beat, 1.0, a.param.node.id, 255, a.param.index, value, 0))
                if a.glide and i + 1 < len(pts):
                    nxt_beat, nxt_value = pts[i + 1]
                    ramp = round((tempo.seconds(nxt_beat) - tempo.seconds(beat)) * samplerate)
                    events.append(("param", beat, 1.0, a.param.node.id, 255, a.param.index, nxt_value, ramp))
        return events, self.loop, self.seed


@dataclass(frozen=True)
class CcMap:
    """MIDI controller ``controller`` (on ``channel``, or any) moving ``param`` from ``min``
    to ``max`` along ``curve`` ("linear", "exponential", or "power" with ``power``)."""

    controller: int
    param: Param
    min: float
    max: float
    curve: str = "linear"
    power: float = 2.0
    channel: int | None = None

    def engine_tuple(self) -> tuple:
        return (
            -1 if self.channel is None else self.channel,
            self.controller,
            self.param.node.id,
            self.param.index,
            float(self.min),
            float(self.max),
            self.curve,
            float(self.power),
        )


class ClockNode(Node):
    """The transport as signals, frame by frame (see :meth:`SequenceParts.clock`)."""

    @property
    def beat(self) -> Signal:
        """Position in beats (holds while stopped, wraps with a loop)."""
        return self.out("beat")

    @property
    def bpm(self) -> Signal:
        """Tempo in beats per minute."""
        return self.out("bpm")

    @property
    def period(self) -> Signal:
        """Length of one beat in seconds (60 / bpm): ``clock.period * 0.75`` is a dotted
        eighth that follows the tempo."""
        return self.out("period")

    @property
    def playing(self) -> Signal:
        """1 while the transport plays, else 0."""
        return self.out("playing")


class SequenceParts:
    """The song of a graph (mixed into :class:`chronus.Graph`)."""

    tempo: TempoMap
    tracks: list[Track]
    cc_maps: list[CcMap]
    _core: _core.Graph
    # Provided by Graph: adds a node of any kind and wires it up.
    add_node: Callable[..., Node]

    def clock(self, *, name: str | None = None) -> ClockNode:
        """The transport's position and tempo as signals, for times and rates that follow
        the tempo map and live tempo changes, e.g. a delay of a dotted eighth
        ``g.delay(x, time=clock.period * 0.75)`` or an LFO once per bar
        ``g.sine(clock.bpm * (1 / 240))``. Offline renders play the transport from beat 0
        (120 BPM without a tempo map); live, it moves when the transport plays.
        """
        node = self.add_node("clock", name=name)
        assert isinstance(node, ClockNode)
        return node

    def play(
        self,
        target: Node | None,
        what: Playable,
        *,
        loop: float | None = None,
        seed: int = 0,
        transpose: int = 0,
        channel: int | None = None,
    ) -> Track:
        """Plays notes on ``target`` (a voice allocator or instrument; None: the MIDI output).

        ``what`` is a :class:`Pattern` or pattern string (looping every pattern length), a
        :class:`MidiSong` (its notes, controllers and bends, once), or a list of
        :class:`Note`. ``loop`` (beats) loops anything; ``transpose`` shifts pitches in
        semitones; ``channel`` forces a MIDI channel; ``seed`` drives probabilities.
        """
        if target is not None and (not isinstance(target, Node) or target.graph is not self):
            raise _core.GraphError(
                f"play() needs a node of this graph (or None for MIDI out), got {target!r}"
            )
        controls: Sequence[Control] = ()
        bends: Sequence[Bend] = ()
        if isinstance(what, str):
            what = Pattern(what)
        if isinstance(what, Pattern):
            notes = what.notes()
            loop = what.beats if loop is None else loop
        elif isinstance(what, MidiSong):
            notes, controls, bends = what.notes, what.controls, what.bends
        else:
            notes = list(what)
            if not all(isinstance(n, Note) for n in notes):
                raise TypeError("play() takes a Pattern, a pattern string, a MidiSong, or a list of Note")
        if transpose or channel is not None:
            notes = [
                Note(
                    n.pitch + transpose,
                    n.beat,
                    n.length,
                    n.velocity,
                    n.channel if channel is None else channel,
                    n.probability,
                )
                for n in notes
            ]
        for n in notes:
            if not 0 <= n.pitch <= 127:
                raise ValueError(f"note {n.pitch} at beat {n.beat} is outside MIDI notes 0..127")
        if loop is not None and not (math.isfinite(loop) and loop > 0):
            raise ValueError(f"loop must be a length > 0 in beats, got {loop}")
        track = Track(target, list(notes), list(controls), list(bends), loop=loop, seed=seed)
        self.tracks.append(track)
        return track

    def automate(
        self,
        param: Param,
        points: Sequence[tuple[float, float]],
        *,
        glide: bool = True,
        loop: float | None = None,
    ) -> Track:
        """Moves ``param`` through (beat, value) points: gliding linearly from each to the
        next, or stepping with ``glide=False``; ``loop`` repeats it every that many beats."""
        if not isinstance(param, Param) or param.node.graph is not self:
            raise _core.GraphError(f"automate() needs a parameter of this graph, got {param!r}")
        for beat, value in points:
            if beat < 0 or (loop is not None and beat >= loop):
                raise ValueError(f"automation point at beat {beat} lies outside [0, {loop or 'inf'})")
            self._core.check_value(param.node.id, param.index, float(value))
        track = Track(param.node, automation=Automation(param, list(points), glide), loop=loop)
        self.tracks.append(track)
        return track

    def map_cc(
        self,
        controller: int,
        param: Param,
        min: float,
        max: float,
        *,
        curve: str = "linear",
        power: float = 2.0,
        channel: int | None = None,
    ) -> CcMap:
        """Maps MIDI controller ``controller`` onto ``param`` over [``min``, ``max``].

        Checked now, not when the first CC arrives: an unknown parameter, a value outside
        the parameter's range or an impossible curve raise here.
        """
        if not isinstance(param, Param):
            raise _core.GraphError(f"map_cc() needs a parameter such as node.cutoff, got {param!r}")
        if param.node.graph is not self:
            raise _core.GraphError(f"{param!r} belongs to another graph")
        if curve not in CURVES:
            raise ValueError(f"curve must be one of {', '.join(CURVES)}, got {curve!r}")
        if not 0 <= controller <= 127 or (channel is not None and not 0 <= channel <= 15):
            raise ValueError(f"controller must be 0..127 and channel 0..15, got {controller}, {channel}")
        mapping = CcMap(controller, param, min, max, curve, power, channel)
        self._core.check_cc_map(mapping.engine_tuple())
        self.cc_maps.append(mapping)
        return mapping

    def song(self, samplerate: float) -> tuple[list[tuple[float, float]], list[tuple], list[tuple]] | None:
        """The tempo map, tracks and controller mappings as the engine takes them (None if
        the graph has no song)."""
        if not self.tracks and not self.cc_maps and self.tempo == TempoMap():
            return None
        tracks = [t.engine_tuple(self.tempo, samplerate) for t in self.tracks]
        return list(self.tempo.changes), tracks, [m.engine_tuple() for m in self.cc_maps]
