"""Signals, nodes and parameters: the handles a patch is written with.

A :class:`Node` is also a :class:`Signal` (its first output). Signals combine with
operators (``+``, ``-``, ``*``, ``/``, unary ``-``) and chain with ``>>`` into a node's
first input. Each node kind has its own class (generated into :mod:`chronus.nodes` from the
engine's specs) whose parameters are attributes: reading ``f.cutoff`` gives a
:class:`Param`, assigning ``f.cutoff = 800`` (or a signal) sets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, Union, overload

import numpy as np

from . import _core

if TYPE_CHECKING:
    from .graph import Graph
    from .nodes import Feedback, Mul, Muladd, Pan, Sum

#: What a parameter accepts: a number, one number per lane, or a signal (modulation).
ParamValue = Union[float, Sequence[float], "np.ndarray[Any, Any]", "Signal"]

N = TypeVar("N", bound="Node")

#: Every node kind's spec, as the engine describes it (see :func:`chronus.node_kinds`).
SPECS: dict[str, dict[str, Any]] = {kind: dict(spec) for kind, spec in _core.node_specs().items()}


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

    @property
    def port(self) -> str:
        """The output port it comes from."""
        return self._port

    def _check_same_graph(self, other: Signal) -> None:
        if other._graph is not self._graph:
            raise _core.GraphError(
                f"{other._graph._core.name(other._node)} belongs to another graph than "
                f"{self._graph._core.name(self._node)}"
            )

    # -- arithmetic -------------------------------------------------------------------
    def __add__(self, other: ParamValue) -> Muladd:
        if isinstance(other, Signal):
            self._check_same_graph(other)
            return self._graph.muladd([self, other])
        return self._graph.muladd(self, add=other)

    __radd__ = __add__

    def __sub__(self, other: ParamValue) -> Muladd:
        if isinstance(other, Signal):
            return self + (-other)
        return self._graph.muladd(self, add=-np.asarray(other, dtype=np.float64))

    def __rsub__(self, other: ParamValue) -> Muladd:
        return self._graph.muladd(self, mul=-1.0, add=other)

    def __mul__(self, other: ParamValue) -> Muladd | Mul:
        if isinstance(other, Signal):
            self._check_same_graph(other)
            return self._graph.mul(self, other)
        return self._graph.muladd(self, mul=other)

    __rmul__ = __mul__

    def __truediv__(self, other: float | Sequence[float] | np.ndarray[Any, Any]) -> Muladd:
        if isinstance(other, Signal):
            raise TypeError("dividing by a signal is not supported; multiply by a reciprocal instead")
        divisor = np.asarray(other, dtype=np.float64)
        if np.any(divisor == 0):
            raise ZeroDivisionError(f"{self._graph._core.name(self._node)} divided by zero")
        return self._graph.muladd(self, mul=1.0 / divisor)

    def __neg__(self) -> Muladd:
        return self._graph.muladd(self, mul=-1.0)

    def __rshift__(self, node: N) -> N:
        """Feeds this signal into ``node``'s first input and returns ``node``."""
        if not isinstance(node, Node):
            raise TypeError(f">> needs a node on its right, got {type(node).__name__}")
        inputs = node.spec["inputs"]
        if not inputs:
            raise _core.GraphError(f"{node.name} has no input to feed")
        self._check_same_graph(node)
        node.connect(inputs[0], self)
        return node

    # -- conveniences -----------------------------------------------------------------
    def sum(self, channels: int = 1) -> Sum:
        """Sums this signal's lanes down to ``channels`` (voices to mono or stereo)."""
        return self._graph.sum(self, channels=channels)

    def pan(self, pan: ParamValue = 0.0) -> Pan:
        """Places each lane in the stereo field (-1 left to 1 right) and sums to stereo."""
        return self._graph.pan(self, pan=pan)

    def __repr__(self) -> str:
        return f"<Signal {self._graph._core.name(self._node)}.{self._port}>"


@dataclass(frozen=True)
class Param:
    """A parameter of a node, as a target for ``set``, live control or modulation."""

    node: Node
    name: str
    index: int

    def __repr__(self) -> str:
        return f"<Param {self.node.name}.{self.name}>"


class ParamSlot:
    """A node class's parameter attribute: reading it on a node gives a :class:`Param`,
    assigning a number, per-lane numbers or a signal sets it (:meth:`Node.set_param`)."""

    def __init__(self, name: str, index: int) -> None:
        self.name = name
        self.index = index

    @overload
    def __get__(self, node: None, owner: type[Node]) -> ParamSlot: ...
    @overload
    def __get__(self, node: Node, owner: type[Node]) -> Param: ...
    def __get__(self, node: Node | None, owner: type[Node]) -> Param | ParamSlot:
        return self if node is None else Param(node, self.name, self.index)

    def __set__(self, node: Node, value: ParamValue) -> None:
        node.set_param(self.name, value)


class OutputSlot:
    """A node class's attribute for an output port other than its first (the node itself)."""

    def __init__(self, port: str) -> None:
        self.port = port

    @overload
    def __get__(self, node: None, owner: type[Node]) -> OutputSlot: ...
    @overload
    def __get__(self, node: Node, owner: type[Node]) -> Signal: ...
    def __get__(self, node: Node | None, owner: type[Node]) -> Signal | OutputSlot:
        return self if node is None else node.out(self.port)


class Node(Signal):
    """A node in a graph; as a signal it stands for its first output.

    Each kind's class (in :mod:`chronus.nodes`) has its parameters as attributes; any
    node also gives them by name with :meth:`param`.
    """

    #: The node kind (see :func:`chronus.node_kinds`).
    kind: ClassVar[str] = ""

    def __init__(self, graph: Graph, node: int, spec: dict[str, Any] | None = None) -> None:
        # A node with ports and parameters of its own (a kernel) brings its ``spec``;
        # others take their kind's.
        spec = spec or SPECS[self.kind]
        super().__init__(graph, node, spec["outputs"][0] if spec["outputs"] else "out")
        self._spec = spec

    @property
    def id(self) -> int:
        """Stable id of the node in its graph."""
        return self._node

    @property
    def name(self) -> str:
        """Display name: the name given at creation, or ``builder#id``."""
        return self._graph._core.name(self._node)

    @property
    def spec(self) -> dict[str, Any]:
        """Its ports and parameters, as :func:`chronus.node_kinds` describes them."""
        return self._spec

    @classmethod
    def spec_default(cls, param: str) -> float:
        """The default value of parameter ``param`` of this kind, from its spec."""
        for p in SPECS[cls.kind]["params"]:
            if p["name"] == param:
                return float(p["default"])
        raise AttributeError(f"{cls.kind} has no parameter '{param}'")

    def param(self, name: str) -> Param:
        """The parameter called ``name`` (``node.param("cutoff")`` is ``node.cutoff``)."""
        for i, p in enumerate(self._spec["params"]):
            if p["name"] == name:
                return Param(self, name, i)
        known = ", ".join(p["name"] for p in self._spec["params"]) or "none"
        raise AttributeError(f"{self.name} has no parameter '{name}' (parameters: {known})")

    def params(self) -> dict[str, Param]:
        """Every parameter by name."""
        return {p["name"]: Param(self, p["name"], i) for i, p in enumerate(self._spec["params"])}

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
        values = np.asarray(value)
        if values.size == 0 or values.dtype.kind not in "iuf":
            raise _core.GraphError(
                f"{self.name}: parameter '{name}' needs a number, one number per lane, or a signal; "
                f"got {value!r}"
            )
        core.param_index(self._node, name)
        core.disconnect_param(self._node, name)
        core.set_param(self._node, name, values.astype(np.float32).ravel().tolist())

    if not TYPE_CHECKING:  # type checkers see the real attributes only, so a misspelt one is flagged

        def __getattr__(self, name: str) -> Any:
            if name.startswith("_"):
                raise AttributeError(name)
            self.param(name)  # raises, naming the node and its parameters
            raise AttributeError(name)

        def __setattr__(self, name: str, value: Any) -> None:
            if name.startswith("_") or isinstance(getattr(type(self), name, None), (ParamSlot, property)):
                object.__setattr__(self, name, value)
                return
            known = ", ".join(p["name"] for p in self._spec["params"]) or "none"
            raise AttributeError(f"{self.name} has no parameter '{name}' (parameters: {known})")

    def __repr__(self) -> str:
        info = self._graph._core.node_info(self._node)
        shown = [f"{k}={_show(v)}" for k, v in info["params"].items()]
        shown += [f"{k}={v!r}" for k, v in info["options"].items() if not isinstance(v, tuple)]
        return f"<{type(self).__name__} {info['name']}{' ' if shown else ''}{' '.join(shown)}>"


def _show(value: list[float] | list[str]) -> str:
    """A parameter's value for a repr: its constant, per-lane constants, or its modulators."""
    if value and isinstance(value[0], str):
        return "<" + " + ".join(str(v) for v in value) + ">"
    numbers = [f"{float(v):g}" for v in value]
    return numbers[0] if len(numbers) == 1 else "[" + ", ".join(numbers) + "]"


class VoicesMixin:
    """What a voice allocator adds to its node class: a voice count and level tracking."""

    if TYPE_CHECKING:
        _graph: Graph
        _node: int

        def connect(self, input: str, signal: Signal) -> Node: ...

    @property
    def count(self) -> int:
        """Number of voices (lanes of every output)."""
        voices = self._graph._core.node_info(self._node)["options"]["voices"]
        assert isinstance(voices, float)
        return int(voices)

    def note_node(self) -> Node:
        """A voice allocator hears its own notes."""
        assert isinstance(self, Node)
        return self

    def track(self, level: Signal) -> Node:
        """Reports each voice's loudness (e.g. its amplitude envelope) for ``steal="quietest"``.

        The level reaches the allocator through a feedback node, one block late, which is
        what breaks the loop allocator -> envelope -> allocator.
        """
        loop: Feedback = self._graph.feedback(channels=self.count)
        loop.feed(level)
        return self.connect("level", loop)


class PlayedMixin:
    """What an instrument node (fm, sampler, wavetable) adds to its class: notes sent to it
    go to the voice allocator it was built with (``voices=``)."""

    def note_node(self) -> Node:
        """The voice allocator that plays this instrument."""
        voices = getattr(self, "_voices", None)
        if not isinstance(voices, Node):
            raise TypeError(
                f"{self!r} plays no notes: it was built without voices= (a voice allocator, "
                "g.voices()), so it plays what its freq/gate parameters say"
            )
        return voices


class FeedbackMixin:
    """What a feedback node adds to its class: ``fb.feed(signal)`` closes the loop."""

    if TYPE_CHECKING:

        def connect(self, input: str, signal: Signal) -> Node: ...

    def feed(self, signal: Signal) -> Node:
        """Sends ``signal`` into the loop (heard from this node one block later)."""
        return self.connect("in", signal)
