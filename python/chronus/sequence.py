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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from . import _core
from ._core import Song as CoreSong
from ._core import Track as CoreTrack
from .midi import Bend, Control, MidiSong
from .pattern import Note, Pattern
from .signal import Node, Param
from .tempo import TempoMap
from .timed import NoteTarget, note_node

if TYPE_CHECKING:
    from .graph import Scheduled

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
    #: The step pattern the notes came from, if any (control surfaces replace it).
    pattern: Pattern | None = None
    #: The track's name (control surfaces address it by this, else by its target's).
    name: str | None = None

    def with_pattern(self, pattern: Pattern) -> Track:
        """This track playing ``pattern`` instead, looping over its length."""
        return replace(self, notes=pattern.notes(), loop=pattern.beats, pattern=pattern)

    def core(self, tempo: TempoMap, samplerate: float) -> _core.Track:
        """The track as the engine takes it."""
        node = None if self.automation is not None else self.target
        track = _core.Track(self.loop, self.seed)
        for n in self.notes:
            track.at(n.beat, _core.Action.note_on(_id(node), n.channel, n.pitch, n.velocity), n.probability)
            end = n.beat + n.length
            if self.loop is not None:
                end = min(end, math.nextafter(self.loop, 0.0))
            track.at(end, _core.Action.note_off(_id(node), n.channel, n.pitch))
        for c in self.controls:
            track.at(c.beat, _core.Action.control(_id(node), c.channel, c.controller, c.value))
        for b in self.bends:
            track.at(b.beat, _core.Action.bend(_id(node), b.channel, b.value))
        if self.automation is not None:
            a = self.automation
            pts = sorted(a.points)
            p = a.param
            for i, (beat, value) in enumerate(pts):
                track.at(beat, _core.Action.param(p.node.id, p.index, value, None, 0))
                if a.glide and i + 1 < len(pts):
                    nxt_beat, nxt_value = pts[i + 1]
                    ramp = round((tempo.seconds(nxt_beat) - tempo.seconds(beat)) * samplerate)
                    track.at(beat, _core.Action.param(p.node.id, p.index, nxt_value, None, ramp))
        return track


def _id(node: Node | None) -> int | None:
    return None if node is None else node.id


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

    def core(self) -> _core.CcMap:
        """The mapping as the engine takes it."""
        return _core.CcMap(
            self.controller,
            self.param.node.id,
            self.param.index,
            float(self.min),
            float(self.max),
            self.curve,
            float(self.power),
            self.channel,
        )


class SequenceParts:
    """The song of a graph (mixed into :class:`chronus.Graph`)."""

    tempo: TempoMap
    tracks: list[Track]
    cc_maps: list[CcMap]
    timeline: list[Scheduled]
    _core: _core.Graph

    def play(
        self,
        target: NoteTarget | None,
        what: Playable,
        *,
        loop: float | None = None,
        seed: int = 0,
        transpose: int = 0,
        channel: int | None = None,
        name: str | None = None,
    ) -> Track:
        """Plays notes on ``target`` (a voice allocator or instrument; None: the MIDI output).

        ``what`` is a :class:`Pattern` or pattern string (looping every pattern length), a
        :class:`MidiSong` (its notes, controllers and bends, once), or a list of
        :class:`Note`. ``loop`` (beats) loops anything; ``transpose`` shifts pitches in
        semitones; ``channel`` forces a MIDI channel; ``seed`` drives probabilities;
        ``name`` names the track for control surfaces (``/pattern/<name>``).
        """
        node = None
        if target is not None:
            node = note_node(target)
            if node.graph is not self:
                raise _core.GraphError(f"play() got {target!r}, which belongs to another graph")
        controls: Sequence[Control] = ()
        bends: Sequence[Bend] = ()
        if isinstance(what, str):
            what = Pattern(what)
        notes: list[Note]
        pattern = what if isinstance(what, Pattern) and not transpose and channel is None else None
        if isinstance(what, Pattern):
            notes = list(what.notes())
            loop = what.beats if loop is None else loop
        elif isinstance(what, MidiSong):
            notes, controls, bends = list(what.notes), what.controls, what.bends
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
        if pattern is not None and loop != pattern.beats:
            pattern = None
        track = Track(
            node, list(notes), list(controls), list(bends), loop=loop, seed=seed, pattern=pattern, name=name
        )
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
        self._core.check_cc_map(mapping.core())
        self.cc_maps.append(mapping)
        return mapping

    def song(self, samplerate: float) -> CoreSong:
        """Everything timed this graph holds, as the engine plays it from its first frame:
        the timeline (entries at seconds or frames on the sample clock; those at beats on
        the transport, which follows the tempo map), the tracks, and the controller
        mappings."""
        song = CoreSong(list(self.tempo.changes))
        at_beats: CoreTrack | None = None
        for entry in self.timeline:
            action = entry.action.core(samplerate)
            when = entry.when
            if when.beat is not None:
                at_beats = at_beats or CoreTrack()
                at_beats.at(when.beat + when.plus, action)
            else:
                song.at(when.frame_at(samplerate), action)
        if at_beats is not None:
            song.add_track(at_beats)
        for t in self.tracks:
            song.add_track(t.core(self.tempo, samplerate))
        for m in self.cc_maps:
            song.add_cc_map(m.core())
        return song
