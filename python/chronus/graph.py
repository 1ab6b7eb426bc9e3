"""Building patches: a :class:`Graph` of nodes joined by signals.

Every builder method adds one node to the graph and returns it as a :class:`Node`, which
is also a :class:`Signal` (its first output). Any parameter accepts a number, a sequence
of numbers (one per lane: that many parallel voices), or a signal (modulation, which
replaces the constant while connected).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from .basics import BasicNodes
from .effects import EffectNodes
from .instruments import InstrumentNodes, VoicesNode
from .kernels import KernelNodes
from .sequence import ClockNode, SequenceParts, Track
from .signal import SPECS, FeedbackNode, Node, Param, ParamValue, Signal
from .tempo import TempoMap

__all__ = ["FeedbackNode", "Graph", "Node", "Param", "Signal", "TimedChange", "TimedEvent", "node_kinds"]


@dataclass(frozen=True)
class TimedChange:
    """A parameter change stored in a graph's timeline for :func:`chronus.render`."""

    param: Param
    value: float
    at: float | None
    frame: int | None
    ramp: float | None
    lane: int | None
    beat: float | None = None


@dataclass(frozen=True)
class TimedEvent:
    """A musical event (note, controller, bend) stored in a graph's timeline."""

    node: Node
    kind: str
    at: float | None
    frame: int | None
    #: Seconds after ``at``/``frame`` (a note-off after its note-on), or beats after ``beat``.
    after: float = 0.0
    channel: int = 0
    data: int = 0
    value: float = 0.0
    beat: float | None = None


class Graph(BasicNodes, EffectNodes, InstrumentNodes, KernelNodes, SequenceParts):
    """A patch under construction.

    >>> g = Graph()
    >>> voice = g.saw(110) >> g.lowpass(cutoff=900 + 600 * g.sine(0.25), q=2.0)
    >>> _ = g.output(voice * 0.3)
    """

    def __init__(self) -> None:
        self._core = _core.Graph()
        self._nodes: list[Node] = []
        self.timeline: list[TimedChange | TimedEvent] = []
        #: Where beats fall (tracks, patterns and MIDI files play through it).
        self.tempo: TempoMap = TempoMap()
        #: What the transport plays (see :meth:`play`, :meth:`automate`).
        self.tracks: list[Track] = []
        #: MIDI controllers mapped onto parameters (see :meth:`map_cc`).
        self.cc_maps = []

    # -- generic ----------------------------------------------------------------------
    def add_node(
        self,
        kind: str,
        *,
        inputs: dict[str, Signal | Sequence[Signal]] | None = None,
        params: dict[str, ParamValue] | None = None,
        options: dict[str, float | str | np.ndarray] | None = None,
        name: str | None = None,
    ) -> Node:
        """Adds a node of any kind (see :func:`chronus.node_kinds`) and wires it up.

        Array options (samples, wavetables) take 1-D or 2-D arrays (rows of columns, e.g.
        frames of channels); they are copied once, as float32, when the node is added.
        """
        node_id = self._core.add(kind, {k: _option(kind, k, v) for k, v in (options or {}).items()}, name)
        cls = {"feedback": FeedbackNode, "voices": VoicesNode, "clock": ClockNode}.get(kind, Node)
        node = cls(self, node_id, kind)
        self._nodes.append(node)
        for port, sources in (inputs or {}).items():
            for source in [sources] if isinstance(sources, Signal) else sources:
                node.connect(port, source)
        for pname, value in (params or {}).items():
            node.set_param(pname, value)
        return node

    def output(self, signal: Signal) -> Signal:
        """Sends ``signal`` to the graph output (several outputs are summed)."""
        if not isinstance(signal, Signal):
            raise TypeError(f"output() needs a signal, got {type(signal).__name__}")
        if signal._graph is not self:
            raise _core.GraphError("output() got a signal from another graph")
        self._core.connect(signal._node, signal._port, "output")
        return signal

    def nodes(self) -> list[Node]:
        """Every node added through this graph object, in creation order."""
        return [n for n in self._nodes if self._core.has(n.id)]

    def unoutput(self, signal: Signal) -> None:
        """Stops sending ``signal`` to the graph output."""
        if not self._core.disconnect(signal._node, signal._port, "output"):
            raise _core.GraphError(f"{signal!r} is not connected to the output")

    def remove(self, node: Node) -> None:
        """Removes ``node`` and every connection to or from it."""
        if not isinstance(node, Node) or node.graph is not self:
            raise _core.GraphError(f"remove() needs a node of this graph, got {node!r}")
        self._core.remove(node.id)
        self.tracks = [t for t in self.tracks if t.target is None or t.target.id != node.id]
        self.cc_maps = [m for m in self.cc_maps if m.param.node.id != node.id]
        self.timeline = [
            t for t in self.timeline if (t.param.node if isinstance(t, TimedChange) else t.node).id != node.id
        ]

    # -- timeline -----------------------------------------------------------------------
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
        """Schedules a change of ``param`` for :func:`chronus.render`.

        ``at`` is the time in seconds (or ``frame`` in frames, or ``beat`` on the graph's
        tempo map); ``ramp`` the glide in seconds (``None`` for the default smoothing, 0 to
        jump); ``lane`` one lane or all.
        """
        if not isinstance(param, Param):
            raise TypeError(f"set() needs a parameter such as node.cutoff, got {type(param).__name__}")
        if param.node.graph is not self:
            raise _core.GraphError(f"{param!r} belongs to another graph")
        check_when(at, frame, beat)
        if ramp is not None and not (math.isfinite(ramp) and ramp >= 0):
            raise ValueError(f"ramp must be >= 0 seconds, got {ramp}")
        if lane is not None and lane < 0:
            raise ValueError(f"lane must be >= 0, got {lane}")
        self._core.check_value(param.node.id, param.index, float(value))
        self.timeline.append(TimedChange(param, float(value), at, frame, ramp, lane, beat))

    def note(
        self,
        target: Node,
        note: int,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        duration: float | None = None,
        velocity: float = 0.8,
        channel: int = 0,
    ) -> None:
        """Schedules a note for ``target`` (a voice allocator or instrument).

        ``note`` is a MIDI note number, ``at`` the start in seconds (or ``frame``, or
        ``beat``), ``duration`` the time until its note-off (seconds, or beats when the
        start is a beat; none if omitted), ``velocity`` in (0, 1], ``channel`` 0 to 15.
        """
        check_when(at, frame, beat)
        if not 0 <= note <= 127:
            raise ValueError(f"note must be a MIDI note number 0..127, got {note}")
        if not 0 < velocity <= 1:
            raise ValueError(f"velocity must be in (0, 1], got {velocity}")
        if duration is not None and not (math.isfinite(duration) and duration >= 0):
            raise ValueError(f"duration must be >= 0 seconds, got {duration}")
        self._event(target, "note_on", at, frame, channel, note, velocity, beat=beat)
        if duration is not None:
            self._event(target, "note_off", at, frame, channel, note, 0.0, after=duration, beat=beat)

    def note_off(
        self,
        target: Node,
        note: int,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        channel: int = 0,
    ) -> None:
        """Schedules the release of MIDI note ``note`` on ``target``."""
        check_when(at, frame, beat)
        if not 0 <= note <= 127:
            raise ValueError(f"note must be a MIDI note number 0..127, got {note}")
        self._event(target, "note_off", at, frame, channel, note, 0.0, beat=beat)

    def control(
        self,
        target: Node,
        controller: int,
        value: float,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        channel: int = 0,
    ) -> None:
        """Schedules a MIDI-style controller change (``value`` in [0, 1]; 64 is the sustain pedal)."""
        check_when(at, frame, beat)
        if not 0 <= controller <= 127 or not 0 <= value <= 1:
            raise ValueError(f"controller must be 0..127 and value in [0, 1], got {controller}, {value}")
        self._event(target, "control", at, frame, channel, controller, value, beat=beat)

    def bend(
        self,
        target: Node,
        value: float,
        *,
        at: float | None = None,
        frame: int | None = None,
        beat: float | None = None,
        channel: int = 0,
    ) -> None:
        """Schedules a pitch-bend position in [-1, 1] (the bend range is set on the instrument)."""
        check_when(at, frame, beat)
        if not -1 <= value <= 1:
            raise ValueError(f"bend must be in [-1, 1], got {value}")
        self._event(target, "bend", at, frame, channel, 0, value, beat=beat)

    def _event(
        self,
        target: Node,
        kind: str,
        at: float | None,
        frame: int | None,
        channel: int,
        data: int,
        value: float,
        after: float = 0.0,
        beat: float | None = None,
    ) -> None:
        if not isinstance(target, Node) or target.graph is not self:
            raise _core.GraphError(f"{kind} needs a node of this graph as its target, got {target!r}")
        if not 0 <= channel <= 15:
            raise ValueError(f"channel must be 0..15, got {channel}")
        self.timeline.append(
            TimedEvent(target, kind, at, frame, after, channel, int(data), float(value), beat)
        )

    def gate(self, env: Node, on: float, off: float | None = None, *, lane: int | None = None) -> None:
        """Opens ``env``'s gate at ``on`` seconds and closes it at ``off`` (if given)."""
        self.set(env.gate, 1.0, at=on, ramp=0, lane=lane)
        if off is not None:
            if off < on:
                raise ValueError(f"gate off time {off} s comes before on time {on} s")
            self.set(env.gate, 0.0, at=off, ramp=0, lane=lane)

    def info(self, samplerate: float = 48_000, blocksize: int = 256) -> dict[str, Any]:
        """Compiles the graph and reports what it became.

        Keys: ``output_channels``; ``lanes`` and ``latency`` (frames of delay the node adds,
        e.g. a limiter's lookahead), each a dict keyed by node id; ``steps``; ``buffers``.
        """
        return self._core.compile_info(float(samplerate), int(blocksize))


def _option(kind: str, name: str, value: float | str | np.ndarray) -> float | str | np.ndarray:
    """An option value as the engine takes it: arrays become 1-D or 2-D C-ordered float32."""
    if not isinstance(value, np.ndarray):
        return value
    if value.ndim not in (1, 2) or value.size == 0:
        raise _core.GraphError(
            f"{kind}: option '{name}' needs a non-empty 1-D or 2-D array, got shape {value.shape}"
        )
    if not np.all(np.isfinite(value)):
        raise _core.GraphError(f"{kind}: option '{name}' holds NaN or infinite values")
    return np.ascontiguousarray(value, dtype=np.float32)


def check_when(
    at: float | None, frame: int | None, beat: float | None = None, *, required: bool = True
) -> None:
    """Checks a time given as seconds, frame or beat: exactly one of them (at most one
    when not ``required``), each a number >= 0."""
    given = sum(x is not None for x in (at, frame, beat))
    if given > 1 or (required and given == 0):
        raise ValueError(f"give {'exactly' if required else 'at most'} one of at= (seconds), frame= or beat=")
    if beat is not None and not (math.isfinite(beat) and beat >= 0):
        raise ValueError(f"beat must be >= 0, got {beat}")
    if at is not None and not (math.isfinite(at) and at >= 0):
        raise ValueError(f"at must be a time >= 0 in seconds, got {at}")
    if frame is not None and frame < 0:
        raise ValueError(f"frame must be >= 0, got {frame}")


def node_kinds() -> dict[str, dict[str, Any]]:
    """Every node kind with its documentation, ports, parameters (units, ranges) and options."""
    return dict(SPECS)
