"""Building patches: a :class:`Graph` of nodes joined by signals.

Every builder method adds one node to the graph and returns it as an instance of its
kind's class (:mod:`chronus.nodes`), which is also a :class:`Signal` (its first output).
Any parameter accepts a number, a sequence of numbers (one per lane: that many parallel
voices), or a signal (modulation, which replaces the constant while connected).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from .clips import ClipNodes
from .instruments import InstrumentNodes
from .kernels import KernelNodes
from .nodes import KINDS, N
from .sequence import CcMap, SequenceParts, Track
from .signal import SPECS, Node, Param, ParamValue, Signal
from .tempo import TempoMap
from .timed import Action, Timed
from .when import When

__all__ = ["Graph", "Node", "Param", "Scheduled", "Signal", "node_kinds"]


@dataclass(frozen=True)
class Scheduled:
    """An entry of a graph's timeline: what happens (a parameter change or a musical event)
    and when."""

    when: When
    action: Action

    @property
    def node(self) -> Node | None:
        """The node it is for (None: the MIDI output)."""
        return self.action.node


class Graph(Timed, InstrumentNodes, ClipNodes, KernelNodes, SequenceParts):
    """A patch under construction.

    >>> g = Graph()
    >>> voice = g.saw(110) >> g.lowpass(cutoff=900 + 600 * g.sine(0.25), q=2.0)
    >>> _ = g.output(voice * 0.3)
    """

    def __init__(self) -> None:
        self._core = _core.Graph()
        self._nodes: list[Node] = []
        #: Timed calls (:meth:`set`, :meth:`note`, :meth:`gate` ...) in the order made;
        #: played from the engine's first frame, live and offline alike.
        self.timeline: list[Scheduled] = []
        #: Where beats fall (tracks, patterns and MIDI files play through it).
        self.tempo: TempoMap = TempoMap()
        #: What the transport plays (see :meth:`play`, :meth:`automate`).
        self.tracks: list[Track] = []
        #: MIDI controllers mapped onto parameters (see :meth:`map_cc`).
        self.cc_maps: list[CcMap] = []

    # -- generic ----------------------------------------------------------------------
    def add_node(
        self,
        kind: str,
        *,
        inputs: dict[str, Signal | Sequence[Signal] | None] | None = None,
        params: dict[str, ParamValue] | None = None,
        options: dict[str, object] | None = None,
        name: str | None = None,
    ) -> Node:
        """Adds a node of any kind by name (see :func:`chronus.node_kinds`) and wires it up;
        the builder methods (``g.sine(...)``, ``g.reverb(...)``) are the typed way in.

        Array options (samples, wavetables) take 1-D or 2-D arrays (rows of columns, e.g.
        frames of channels); they are copied once, as float32, when the node is added.
        """
        cls = KINDS.get(kind)
        if cls is None:
            known = ", ".join(KINDS)
            raise _core.GraphError(f"unknown node kind '{kind}' (known: {known})")
        return self._add(cls, inputs or {}, params or {}, options or {}, name)

    def _add(
        self,
        cls: type[N],
        inputs: dict[str, Signal | Sequence[Signal] | None],
        params: dict[str, ParamValue],
        options: dict[str, object],
        name: str | None,
        builder: str | None = None,
    ) -> N:
        """Adds a node of ``cls``'s kind, connects ``inputs`` and sets ``params``; a node
        that cannot be completed is taken out again. Named ``builder#id`` by default when a
        builder presets another kind (``lowpass#3`` is an svf)."""
        kind = cls.kind
        if name is None and builder is not None:
            name = f"{builder}#{self._core.next_id()}"
        given = {k: _option(kind, k, v) for k, v in options.items() if v is not None}
        node_id = self._core.add(kind, given, name)
        try:
            node = cls(self, node_id)
            for port, sources in inputs.items():
                if sources is None:
                    continue
                listed = sources if isinstance(sources, (list, tuple)) else [sources]
                for source in listed:
                    if not isinstance(source, Signal):
                        raise TypeError(
                            f"{self._core.name(node_id)}: input '{port}' needs a signal (or a list of "
                            f"signals to sum), got {type(source).__name__}"
                        )
                    node.connect(port, source)
            for pname, value in params.items():
                node.set_param(pname, value)
        except BaseException:
            self._core.remove(node_id)
            raise
        self._nodes.append(node)
        return node

    def output(self, signal: Signal) -> Signal:
        """Sends ``signal`` to the graph output (several outputs are summed)."""
        if not isinstance(signal, Signal):
            raise TypeError(f"output() needs a signal, got {type(signal).__name__}")
        if signal._graph is not self:
            raise _core.GraphError("output() got a signal from another graph")
        self._core.connect_output(signal._node, signal._port)
        return signal

    def nodes(self) -> list[Node]:
        """Every node added through this graph object, in creation order."""
        return [n for n in self._nodes if self._core.has(n.id)]

    def unoutput(self, signal: Signal) -> None:
        """Stops sending ``signal`` to the graph output."""
        if not self._core.disconnect_output(signal._node, signal._port):
            raise _core.GraphError(f"{signal!r} is not connected to the output")

    def remove(self, node: Node) -> None:
        """Removes ``node`` and every connection to or from it."""
        if not isinstance(node, Node) or node.graph is not self:
            raise _core.GraphError(f"remove() needs a node of this graph, got {node!r}")
        self._core.remove(node.id)
        self.tracks = [t for t in self.tracks if t.target is None or t.target.id != node.id]
        self.cc_maps = [m for m in self.cc_maps if m.param.node.id != node.id]
        self.timeline = [t for t in self.timeline if t.node is None or t.node.id != node.id]

    # -- timeline -----------------------------------------------------------------------
    def _schedule(self, when: When, action: Action) -> None:
        self.timeline.append(Scheduled(when, action))

    def _owner(self) -> Graph:
        return self

    def info(self, samplerate: float = 48_000, blocksize: int = 256) -> dict[str, Any]:
        """Compiles the graph and reports what it became.

        Keys: ``output_channels``; ``lanes``, ``latency`` (frames of delay the node adds,
        e.g. a limiter's lookahead) and ``channels`` (of each output port), each a dict keyed by
        node id; ``steps``; ``buffers``.
        """
        return dict(self._core.compile_info(float(samplerate), int(blocksize)))

    def to_dot(self, samplerate: float = 48_000, blocksize: int = 256) -> str:
        """The graph in Graphviz's DOT language (``dot -Tsvg``): nodes with their kind,
        parameters and latency, edges with their ports and channel counts."""
        from .control.structure import to_dot

        return to_dot(self, samplerate, blocksize)


def _option(kind: str, name: str, value: object) -> object:
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


def node_kinds() -> dict[str, dict[str, Any]]:
    """Every node kind with its documentation, ports, parameters (units, ranges) and options."""
    return dict(SPECS)
