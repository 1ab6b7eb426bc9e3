"""Timed calls, written once for graphs and live engines.

:class:`Timed` holds the one implementation of ``set``, ``ramp``, ``gate``, ``note``,
``note_off``, ``control`` and ``bend``: each checks its arguments, builds an action (what
happens) and a :class:`chronus.when.When` (when it happens), and hands both to
``_schedule``. A :class:`chronus.Graph` records them on its timeline (played from the
engine's first frame, live and offline alike); a live :class:`chronus.Engine` sends them to
the audio thread.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from . import _core
from .signal import Node, Param
from .when import When, check_int, check_real

if TYPE_CHECKING:
    from .graph import Graph


@runtime_checkable
class NoteTarget(Protocol):
    """Anything that plays notes: a voice allocator, an instrument built with ``voices=``,
    an instrument handle such as :meth:`chronus.Graph.subtractive`'s."""

    def note_node(self) -> Node:
        """The node that hears the notes (a voice allocator)."""
        ...


def note_node(target: object) -> Node:
    """The node that hears notes sent to ``target``, or a TypeError saying why it cannot."""
    if not isinstance(target, NoteTarget):
        raise TypeError(
            f"{target!r} plays no notes: send notes to a voice allocator (g.voices()), an "
            "instrument built with voices=, or an instrument handle"
        )
    return target.note_node()


@dataclass(frozen=True)
class ParamChange:
    """``param`` moves to ``value`` (on ``lane``, or all), gliding over ``ramp`` seconds
    (None: the default smoothing; 0: a jump)."""

    param: Param
    value: float
    lane: int | None = None
    ramp: float | None = None

    @property
    def node(self) -> Node:
        """The node the change is for."""
        return self.param.node

    def core(self, samplerate: float) -> _core.Action:
        """The action as the engine takes it."""
        ramp = None if self.ramp is None else round(self.ramp * samplerate)
        return _core.Action.param(self.param.node.id, self.param.index, self.value, self.lane, ramp)


@dataclass(frozen=True)
class Musical:
    """A musical event for ``node`` (None: the engine's MIDI output): ``kind`` is note_on
    (``data`` = note, ``value`` = velocity), note_off (``data`` = note), control (``data``
    = controller, ``value`` in [0, 1]), bend (``value`` in [-1, 1]) or program."""

    node: Node | None
    kind: str
    channel: int = 0
    data: int = 0
    value: float = 0.0

    def core(self, samplerate: float) -> _core.Action:
        """The action as the engine takes it."""
        node = None if self.node is None else self.node.id
        if self.kind == "note_on":
            return _core.Action.note_on(node, self.channel, self.data, self.value)
        if self.kind == "note_off":
            return _core.Action.note_off(node, self.channel, self.data)
        if self.kind == "control":
            return _core.Action.control(node, self.channel, self.data, self.value)
        if self.kind == "bend":
            return _core.Action.bend(node, self.channel, self.value)
        if self.kind == "program":
            return _core.Action.program(node, self.channel, self.data)
        raise ValueError(f"unknown musical event kind {self.kind!r}")


Action = ParamChange | Musical


class Timed:
    """The timed calls shared by :class:`chronus.Graph` (which records them on its timeline)
    and :class:`chronus.Engine` (which sends them while playing).

    Times: ``at`` in seconds or ``frame`` of the sample clock (both counted from the engine's
    first frame), or ``beat`` of the transport. A graph needs one of them; a live engine
    takes none as "now".
    """

    #: Whether a call must say when (graphs) or may mean "now" (live engines).
    _time_required = True

    def _schedule(self, when: When, action: Action) -> None:
        raise NotImplementedError

    def _owner(self) -> Graph:
        """The graph whose nodes the calls may address."""
        raise NotImplementedError

    def _when(self, at: float | None, frame: int | None, beat: float | None) -> When:
        return When.of(at, frame, beat, required=self._time_required)

    def _own_param(self, param: object, call: str) -> Param:
        if not isinstance(param, Param):
            raise TypeError(f"{call}() needs a parameter such as node.cutoff, got {type(param).__name__}")
        if param.node.graph is not self._owner():
            raise _core.GraphError(f"{param!r} belongs to another graph than the one {call}() schedules for")
        return param

    def _own_node(self, target: object, call: str) -> Node:
        node = note_node(target)
        if node.graph is not self._owner():
            raise _core.GraphError(f"{call}() got {target!r}, which belongs to another graph")
        return node

    def set(
        self,
        param: Param,
        value: float,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        ramp: float | None = None,
        lane: int | None = None,
    ) -> None:
        """Changes ``param`` to ``value`` at ``at`` seconds, ``frame`` or ``beat``,
        sample-accurately; ``ramp`` is the glide in seconds (None: the default smoothing of
        about 5 ms; 0: a jump); ``lane`` one lane (voice) or all."""
        param = self._own_param(param, "set")
        when = self._when(at, frame, beat)
        value = check_real(f"{param.name} value", value)
        self._owner()._core.check_value(param.node.id, param.index, value)
        change = ParamChange(
            param,
            value,
            None if lane is None else check_int("lane", lane, low=0, high=65_535),
            None if ramp is None else check_real("ramp (seconds)", ramp, low=0.0),
        )
        self._schedule(when, change)

    def ramp(
        self,
        param: Param,
        value: float,
        duration: float,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        lane: int | None = None,
    ) -> None:
        """Glides ``param`` linearly to ``value`` over ``duration`` seconds, starting at
        ``at`` seconds, ``frame`` or ``beat``."""
        self.set(param, value, at=at, frame=frame, beat=beat, ramp=duration, lane=lane)

    def gate(
        self,
        env: Node,
        state: bool = True,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        duration: float | None = None,
        lane: int | None = None,
        on: float | None = None,
        off: float | None = None,
    ) -> None:
        """Opens (``state`` True) or closes an envelope's gate at ``at`` seconds, ``frame``
        or ``beat``; with ``duration`` (seconds, or beats after a beat) it closes again
        that much later. (``on=``/``off=`` in seconds are the older spelling of
        ``at=``/``duration=`` and still work.)"""
        if on is not None or off is not None:
            warnings.warn(
                "gate(env, on=, off=) is deprecated: use gate(env, at=on, duration=off - on)",
                DeprecationWarning,
                stacklevel=2,
            )
            if on is None or at is not None:
                raise ValueError("give gate() either at= (and duration=) or the older on= (and off=)")
            at = on
            if off is not None:
                if off < on:
                    raise ValueError(f"gate off time {off} s comes before on time {on} s")
                duration = off - on
        gate = getattr(env, "gate", None)
        if not isinstance(gate, Param):
            raise TypeError(f"gate() needs an envelope with a gate parameter, got {env!r}")
        when = self._when(at, frame, beat)
        self._own_param(gate, "gate")
        lane = None if lane is None else check_int("lane", lane, low=0, high=65_535)
        self._schedule(when, ParamChange(gate, 1.0 if state else 0.0, lane, 0.0))
        if duration is not None:
            self._schedule(when.after(duration), ParamChange(gate, 0.0 if state else 1.0, lane, 0.0))

    def note(
        self,
        target: NoteTarget,
        note: int,
        velocity: float = 0.8,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        duration: float | None = None,
        channel: int = 0,
    ) -> None:
        """Plays MIDI note ``note`` (0..127) on ``target`` (a voice allocator, an
        instrument built with ``voices=``, or an instrument handle) with ``velocity`` in
        (0, 1] on ``channel`` (0..15), at ``at`` seconds, ``frame`` or ``beat``; with
        ``duration`` (seconds, or beats for a note at a beat) its note-off follows."""
        node = self._own_node(target, "note")
        when = self._when(at, frame, beat)
        pitch = check_int("note (MIDI note number)", note, low=0, high=127)
        vel = check_real("velocity", velocity, low=0.0, high=1.0)
        if vel == 0.0:
            raise ValueError("velocity must be > 0 (a note-on of velocity 0 is a note-off: use note_off())")
        ch = check_int("channel", channel, low=0, high=15)
        if duration is not None:
            duration = check_real("duration", duration, low=0.0)
        self._schedule(when, Musical(node, "note_on", ch, pitch, vel))
        if duration is not None:
            self._schedule(when.after(duration), Musical(node, "note_off", ch, pitch))

    def note_off(
        self,
        target: NoteTarget,
        note: int,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        channel: int = 0,
    ) -> None:
        """Releases MIDI note ``note`` on ``target`` at ``at`` seconds, ``frame`` or ``beat``."""
        node = self._own_node(target, "note_off")
        when = self._when(at, frame, beat)
        pitch = check_int("note (MIDI note number)", note, low=0, high=127)
        self._schedule(when, Musical(node, "note_off", check_int("channel", channel, low=0, high=15), pitch))

    def control(
        self,
        target: NoteTarget,
        controller: int,
        value: float,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        channel: int = 0,
    ) -> None:
        """Moves MIDI controller ``controller`` (0..127; 64 is the sustain pedal) of
        ``target`` to ``value`` in [0, 1]."""
        node = self._own_node(target, "control")
        when = self._when(at, frame, beat)
        number = check_int("controller", controller, low=0, high=127)
        v = check_real("controller value", value, low=0.0, high=1.0)
        self._schedule(
            when, Musical(node, "control", check_int("channel", channel, low=0, high=15), number, v)
        )

    def bend(
        self,
        target: NoteTarget,
        value: float,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        channel: int = 0,
    ) -> None:
        """Moves ``target``'s pitch wheel to ``value`` in [-1, 1] (the range in semitones is
        the voice allocator's ``bend_range``)."""
        node = self._own_node(target, "bend")
        when = self._when(at, frame, beat)
        v = check_real("bend", value, low=-1.0, high=1.0)
        self._schedule(when, Musical(node, "bend", check_int("channel", channel, low=0, high=15), 0, v))
