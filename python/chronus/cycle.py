"""A session's cycle: the timeline played over and over between two beats, as a DAW's
cycle (loop) region plays while loop recording.

A :class:`Cycle` over beats ``[start, end)`` played ``passes`` times is compiled into the
session's graph (:meth:`chronus.Session.set_cycle`): the timeline plays as written up to
``end``; then pass ``k`` (1 .. passes-1) plays the region again, ``k`` region lengths
later on the frame clock; after the last pass the session plays on from ``end``, that many
passes late. Every pass hears the same backing, to the frame:

* clips are re-entered: a clip starting in the region is gated again at its frame in each
  pass; a clip that started before the region (straddling its start) is re-entered at the
  region's start by a second clip player started that far into its region (the clip
  node's ``start``: a loop carries on at its phase, fades as if it had played); a clip
  still playing at the end is cut there (its fade-out rings into the next pass, like a
  DAW's declick), except in the last pass, where it plays on. Two players alternate per
  re-entry (so a clip cut at the end and started again on the same frame, at the region's
  start, does not lose its fade or its restart). A stretched clip re-entered in the middle
  restarts its stretcher there, reset: every re-entered pass plays the same samples (but
  the first one's start, where the first pass's stretcher rings out), and the same loop
  as the first pass at the same level, not the same samples (a phase vocoder's phases
  follow what it played before); a stretched clip cut at the end differs from the uncut
  one over the stretcher's latency before the cut. A
  streamed clip (:data:`chronus.session.STREAM_SECONDS`) restarts from the head its
  stream keeps in memory (a re-entry mid-file opens a second stream at that offset);
* instruments' MIDI files and notes are unrolled: notes in the region repeat each pass
  (a note held past the end is cut there, except in the last pass), controllers and
  bends too. What the region starts with is chased at every later pass's start, as a
  DAW's "chase events" does: a note started before the region and still held at its
  start is played again there (struck anew, for what is left of it up to the end, or
  all of it in the last pass); a controller or bend the region changes is set back to
  its value at the region's start (its last event before it; a bend never moved before
  it to the centre; a controller never set before it cannot be known and keeps what the
  last pass left). A looping pattern must loop a whole number of times in the region
  (it then repeats with it as it is);
* the tempo map is cycled with the region, so beats keep their frames.

Frames: the region is ``[round(seconds(start) * sr), round(seconds(end) * sr))``; pass
``k`` is that region shifted by ``k`` times its length. Clips are placed on exact frames;
notes are placed in beats on the cycled tempo map, the same frames when the region's ends
fall on whole frames (any whole beat at 120 bpm and 48 kHz), else up to a frame apart.

Effects (reverbs, delays) are not reset at the wrap: their tails ring over into the next
pass, as in a DAW, so a pass equals the region rendered alone only away from such tails.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from .midi import Bend, Control, MidiSong
from .pattern import Note, Pattern
from .tempo import TempoMap

if TYPE_CHECKING:
    from .session import Part

_Event = TypeVar("_Event", Control, Bend)

#: Passes compiled for a cycle set without a count (an endless loop recording): at 2 bars of
#: 120 bpm, 8.5 minutes; then the session plays on.
ENDLESS_PASSES = 128


@dataclass(frozen=True)
class Cycle:
    """The region ``[start, end)`` in beats, played ``passes`` times."""

    start: float
    end: float
    passes: int

    @property
    def beats(self) -> float:
        """Length of a pass, beats."""
        return self.end - self.start

    def frames(self, tempo: TempoMap, samplerate: int) -> tuple[int, int]:
        """(first frame, frame after the last) of the region on the uncycled timeline."""
        return (
            round(tempo.seconds(self.start) * samplerate),
            round(tempo.seconds(self.end) * samplerate),
        )

    def tempo(self, tempo: TempoMap) -> TempoMap:
        """``tempo`` cycled: the region's tempo changes repeat each pass, the changes after
        it come ``passes - 1`` region lengths later."""
        a, b, n, length = self.start, self.end, self.passes, self.beats
        changes: dict[float, float] = {}
        for beat, bpm in tempo.changes:
            if beat < a:
                changes[beat] = bpm
        for k in range(n):
            changes[a + k * length] = tempo.bpm(a)
            for beat, bpm in tempo.changes:
                if a <= beat < b:
                    changes[beat + k * length] = bpm
        shift = (n - 1) * length
        changes[b + shift] = tempo.bpm(b)
        for beat, bpm in tempo.changes:
            if beat >= b:
                changes[beat + shift] = bpm
        return TempoMap(sorted(changes.items()), list(tempo.signatures))

    def beats_of(self, beat: float) -> list[float]:
        """Where an event at ``beat`` on the uncycled timeline plays on the cycled one."""
        a, b, length = self.start, self.end, self.beats
        if beat < a:
            return [beat]
        if beat < b:
            return [beat + k * length for k in range(self.passes)]
        return [beat + (self.passes - 1) * length]

    def notes(self, notes: list[Note]) -> list[Note]:
        """``notes`` unrolled over the cycle (held notes cut at the end but in the last pass;
        notes held into the region chased at each later pass's start)."""
        a, b, length, last = self.start, self.end, self.beats, self.passes - 1
        out: list[Note] = []
        for n in notes:
            if n.beat < a:
                held = n.length if last == 0 else min(n.length, max(b - n.beat, 0.0))
                out.append(replace(n, length=held))
                end = n.beat + n.length
                if end > a:  # held into the region: chased at every later pass's start
                    for k in range(1, self.passes):
                        rest = end - a if k == last else min(end, b) - a
                        out.append(replace(n, beat=a + k * length, length=rest))
            elif n.beat < b:
                for k in range(self.passes):
                    held = n.length if k == last else min(n.length, b - n.beat)
                    out.append(replace(n, beat=n.beat + k * length, length=held))
            else:
                out.append(replace(n, beat=n.beat + last * length))
        return out

    def events(
        self,
        events: Sequence[_Event],
        key: Callable[[_Event], Hashable],
        rest: Callable[[_Event], _Event] | None,
    ) -> list[_Event]:
        """Controller or bend ``events`` (sorted by beat) unrolled over the cycle, and each
        ``key``'s value at the region's start chased at every later pass's start where the
        region changes it after its first beat: its last event before the region, or
        ``rest(first event in the region)`` when none came before (None: not chased)."""
        a, b, length = self.start, self.end, self.beats
        out = [replace(e, beat=x) for e in events for x in self.beats_of(e.beat)]
        before: dict[Hashable, _Event] = {}
        inside: dict[Hashable, _Event] = {}
        for e in events:
            if e.beat < a:
                before[key(e)] = e
            elif e.beat < b:
                inside.setdefault(key(e), e)
        for k, first in inside.items():
            start = before.get(k)
            if start is None and rest is not None:
                start = rest(first)
            if start is None or first.beat == a:  # set by the pass itself at its start
                continue
            out += [replace(start, beat=a + p * length) for p in range(1, self.passes)]
        return sorted(out, key=lambda e: e.beat)

    def part(self, part: Part, owner: str) -> tuple[MidiSong | Pattern | list[Note], float | None]:
        """What ``part`` plays over the cycle, and its loop (beats): a looping part as it is
        (it must loop a whole number of times in the region), the rest unrolled."""
        what = part.playable()
        loop = part.loop if part.loop is not None else what.beats if isinstance(what, Pattern) else None
        if loop is not None:
            turns = self.beats / loop
            if not math.isclose(turns, round(turns), abs_tol=1e-9) or round(turns) < 1:
                raise ValueError(
                    f"{owner}: a pattern looping every {loop:g} beats cannot follow a cycle of "
                    f"{self.beats:g} beats: make the cycle a whole number of its loops"
                )
            return what, part.loop
        if isinstance(what, MidiSong):
            controls = self.events(what.controls, lambda c: (c.channel, c.controller), None)
            bends = self.events(what.bends, lambda e: e.channel, lambda e: replace(e, value=0.0))
            return MidiSong(self.notes(what.notes), what.tempo, controls, bends, what.path), None
        assert isinstance(what, list)  # a pattern loops
        return self.notes(what), None


@dataclass(frozen=True)
class Segment:
    """One stretch of a clip's playing on the cycled timeline, in frames where it sounds:
    started ``phase`` frames into its playing at ``rise``, stopped by its gate at ``fall``
    (None: it runs out by itself at ``ends``, or never)."""

    phase: int
    rise: int
    fall: int | None
    ends: float


def segments(
    start: int, until: int | None, ends: float, cycle: Cycle | None, region: tuple[int, int]
) -> list[Segment]:
    """Where a clip sounding from frame ``start`` (stopped by its gate at ``until``, else
    running out at ``ends``, maybe never) plays on the timeline ``cycle`` makes of the
    region ``[region)`` of frames (see the module)."""
    stop = until if until is not None else ends
    if cycle is None or cycle.passes == 1:
        return [Segment(0, start, until, stop)]
    fa, fb = region
    length, last = fb - fa, cycle.passes - 1
    shift = last * length
    if start >= fb:
        return [Segment(0, start + shift, None if until is None else until + shift, stop + shift)]
    out: list[Segment] = []
    cut = stop > fb
    out.append(Segment(0, start, fb if cut else until, min(stop, fb)))
    if stop <= fa:
        return out
    phase = max(fa - start, 0)
    first = max(start, fa)
    for k in range(1, cycle.passes):
        if k < last and cut:
            out.append(Segment(phase, first + k * length, fb + k * length, fb + k * length))
        else:
            fall = None if until is None else until + k * length
            out.append(Segment(phase, first + k * length, fall, stop + k * length))
    return out
