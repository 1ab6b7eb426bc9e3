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

from . import _core
from .basics import BasicNodes
from .effects import EffectNodes
from .signal import SPECS, FeedbackNode, Node, Param, ParamValue, Signal

__all__ = ["FeedbackNode", "Graph", "Node", "Param", "Signal", "TimedChange", "node_kinds"]


@dataclass(frozen=True)
class TimedChange:
    """A parameter change stored in a graph's timeline for :func:`chronus.render`."""

    param: Param
    value: float
    at: float | None
    frame: int | None
    ramp: float | None
    lane: int | None


class Graph(BasicNodes, EffectNodes):
    """A patch under construction.

    >>> g = Graph()
    >>> voice = g.saw(110) >> g.lowpass(cutoff=900 + 600 * g.sine(0.25), q=2.0)
    >>> _ = g.output(voice * 0.3)
    """

    def __init__(self) -> None:
        self._core = _core.Graph()
        self.timeline: list[TimedChange] = []

    # -- generic ----------------------------------------------------------------------
    def add_node(
        self,
        kind: str,
        *,
        inputs: dict[str, Signal | Sequence[Signal]] | None = None,
        params: dict[str, ParamValue] | None = None,
        options: dict[str, float | str] | None = None,
        name: str | None = None,
    ) -> Node:
        """Adds a node of any kind (see :func:`chronus.node_kinds`) and wires it up."""
        node_id = self._core.add(kind, dict(options or {}), name)
        cls = FeedbackNode if kind == "feedback" else Node
        node = cls(self, node_id, kind)
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

    # -- timeline -----------------------------------------------------------------------
    def set(
        self,
        param: Param,
        value: float,
        *,
        at: float | None = None,
        frame: int | None = None,
        ramp: float | None = None,
        lane: int | None = None,
    ) -> None:
        """Schedules a change of ``param`` for :func:`chronus.render`.

        ``at`` is the time in seconds (or ``frame`` in frames); ``ramp`` the glide in
        seconds (``None`` for the default smoothing, 0 to jump); ``lane`` one lane or all.
        """
        if not isinstance(param, Param):
            raise TypeError(f"set() needs a parameter such as node.cutoff, got {type(param).__name__}")
        if param.node.graph is not self:
            raise _core.GraphError(f"{param!r} belongs to another graph")
        if (at is None) == (frame is None):
            raise ValueError("give exactly one of at= (seconds) or frame=")
        if at is not None and not (math.isfinite(at) and at >= 0):
            raise ValueError(f"at must be a time >= 0 in seconds, got {at}")
        if frame is not None and frame < 0:
            raise ValueError(f"frame must be >= 0, got {frame}")
        if ramp is not None and not (math.isfinite(ramp) and ramp >= 0):
            raise ValueError(f"ramp must be >= 0 seconds, got {ramp}")
        if lane is not None and lane < 0:
            raise ValueError(f"lane must be >= 0, got {lane}")
        self._core.check_value(param.node.id, param.index, float(value))
        self.timeline.append(TimedChange(param, float(value), at, frame, ramp, lane))

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


def node_kinds() -> dict[str, dict[str, Any]]:
    """Every node kind with its documentation, ports, parameters (units, ranges) and options."""
    return dict(SPECS)
