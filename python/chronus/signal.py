"""Signals, nodes and parameters: the handles a patch is written with.

A :class:`Node` is also a :class:`Signal` (its first output). Signals combine with
operators (``+``, ``-``, ``*``, ``/``, unary ``-``) and chain with ``>>`` into a node's
first input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from . import _core

if TYPE_CHECKING:
    from .graph import Graph

ParamValue = Union[float, Sequence[float], np.ndarray, "Signal"]

SPECS: dict[str, dict[str, Any]] = _core.node_specs()


class Signal:
    """One output port of a node inside a graph."""

    def __init__(self, graph: Graph, node: int, port: str = "out") -> None:
        self._graph = graph
        self._node = node
        self._port = port

    @property
    def graph(self) -> Graph:
        """The graph the signal belongs to."""
        return self._graph

    def _check_same_graph(self, other: Signal) -> None:
        if other._graph is not self._graph:
            raise _core.GraphError(
                f"{other._graph._core.name(other._node)} belongs to another graph than "
                f"{self._graph._core.name(self._node)}"
            )

    # -- arithmetic -------------------------------------------------------------------
    def __add__(self, other: ParamValue) -> Node:
        if isinstance(other, Signal):
            self._check_same_graph(other)
            return self._graph.muladd([self, other])
        return self._graph.muladd(self, add=other)

    __radd__ = __add__

    def __sub__(self, other: ParamValue) -> Node:
        if isinstance(other, Signal):
            return self + (-other)
        return self._graph.muladd(self, add=-np.asarray(other, dtype=np.float64))

    def __rsub__(self, other: ParamValue) -> Node:
        return self._graph.muladd(self, mul=-1.0, add=other)

    def __mul__(self, other: ParamValue) -> Node:
        if isinstance(other, Signal):
            self._check_same_graph(other)
            return self._graph.add_node("mul", inputs={"a": self, "b": other})
        return self._graph.muladd(self, mul=other)

    __rmul__ = __mul__

    def __truediv__(self, other: float | Sequence[float] | np.ndarray) -> Node:
        if isinstance(other, Signal):
            raise TypeError("dividing by a signal is not supported; multiply by a reciprocal instead")
        divisor = np.asarray(other, dtype=np.float64)
        if np.any(divisor == 0):
            raise ZeroDivisionError(f"{self._graph._core.name(self._node)} divided by zero")
        return self._graph.muladd(self, mul=1.0 / divisor)

    def __neg__(self) -> Node:
        return self._graph.muladd(self, mul=-1.0)

    def __rshift__(self, node: Node) -> Node:
        """Feeds this signal into ``node``'s first input and returns ``node``."""
        if not isinstance(node, Node):
            raise TypeError(f">> needs a node on its right, got {type(node).__name__}")
        spec = node._spec
        if not spec["inputs"]:
            raise _core.GraphError(f"{node.name} has no input to feed")
        self._check_same_graph(node)
        node.connect(spec["inputs"][0], self)
        return node

    # -- conveniences -----------------------------------------------------------------
    def sum(self, channels: int = 1) -> Node:
        """Sums this signal's lanes down to ``channels`` (voices to mono or stereo)."""
        return self._graph.sum(self, channels=channels)

    def pan(self, pan: ParamValue = 0.0) -> Node:
        """Places each lane in the stereo field (-1 left to 1 right) and sums to stereo."""
        return self._graph.pan(self, pan=pan)

    def __repr__(self) -> str:
        return f"<Signal {self._graph._core.name(self._node)}.{self._port}>"


@dataclass(frozen=True)
class Param:
    """A parameter of a node, as a target for :meth:`Graph.set` and live control."""

    node: Node
    name: str
    index: int

    def __repr__(self) -> str:
        return f"<Param {self.node.name}.{self.name}>"


class Node(Signal):
    """A node in a graph; as a signal it stands for its first output.

    Parameters appear as attributes: reading ``node.cutoff`` gives a :class:`Param`;
    assigning ``node.cutoff = 800`` or ``node.cutoff = lfo * 100 + 800`` changes it.
    """

    def __init__(self, graph: Graph, node: int, kind: str, spec: dict[str, Any] | None = None) -> None:
        # A kernel node declares its own ports and parameters (``spec``); others take
        # their kind's.
        spec = spec or SPECS[kind]
        super().__init__(graph, node, spec["outputs"][0] if spec["outputs"] else "out")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_params", {p["name"]: i for i, p in enumerate(spec["params"])})

    @property
    def id(self) -> int:
        """Stable id of the node in its graph."""
        return self._node

    @property
    def name(self) -> str:
        """Display name: the label given at creation, or ``kind#id``."""
        return self._graph._core.name(self._node)

    def note_node(self) -> Node | None:
        """The node that hears notes sent to this one: itself for a voice allocator, the
        allocator an instrument was built with (``voices=``), else None."""
        if self.kind == "voices":
            return self
        voices = self.__dict__.get("_voices")
        return voices if isinstance(voices, Node) else None

    def out(self, port: str) -> Signal:
        """The output ``port`` of this node."""
        outputs = self._spec["outputs"]
        if port not in outputs:
            raise _core.GraphError(f"{self.name} has no output '{port}' (outputs: {', '.join(outputs)})")
        return Signal(self._graph, self._node, port)

    def connect(self, input: str, signal: Signal) -> Node:
        """Adds ``signal`` into input port ``input`` (several signals into one port are summed)."""
        self._check_same_graph(signal)
        self._graph._core.connect_input(signal._node, signal._port, self._node, input)
        return self

    def disconnect(self, input: str, signal: Signal) -> Node:
        """Removes ``signal`` from input port ``input``."""
        if not self._graph._core.disconnect_input(signal._node, signal._port, self._node, input):
            raise _core.GraphError(f"{signal!r} is not connected to {self.name} input '{input}'")
        return self

    def set_param(self, name: str, value: ParamValue) -> None:
        """Sets parameter ``name`` to a constant (one per lane allowed) or a modulating signal."""
        core = self._graph._core
        if isinstance(value, Signal):
            self._check_same_graph(value)
            core.param_index(self._node, name)
            core.disconnect_param(self._node, name)
            core.connect_param(value._node, value._port, self._node, name)
            return
        values = np.asarray(value, dtype=np.float32).ravel()
        if values.size == 0 or not np.issubdtype(values.dtype, np.number):
            raise _core.GraphError(f"{self.name}: parameter '{name}' needs a number or one number per lane")
        core.param_index(self._node, name)
        core.disconnect_param(self._node, name)
        core.set_param(self._node, name, values.tolist())

    def __getattr__(self, name: str) -> Param:
        params = object.__getattribute__(self, "_params")
        if name in params:
            return Param(self, name, params[name])
        if name.startswith("_"):
            raise AttributeError(name)
        known = ", ".join(params) or "none"
        raise AttributeError(f"{self.name} has no parameter '{name}' (parameters: {known})")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__.get("_params", {}):
            self.set_param(name, value)
        else:
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"<Node {self.name}>"


class FeedbackNode(Node):
    """A one-block feedback point: ``fb = g.feedback()``, use ``fb`` as a signal anywhere,
    then close the loop with ``fb.feed(signal)``."""

    def feed(self, signal: Signal) -> FeedbackNode:
        """Sends ``signal`` into the loop (heard from ``self`` one block later)."""
        self.connect("in", signal)
        return self
