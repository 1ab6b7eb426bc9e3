"""Building patches: a :class:`Graph` of nodes joined by signals.

Every builder method adds one node to the graph and returns it as a :class:`Node`, which
is also a :class:`Signal` (its first output). Signals combine with operators (``+``,
``-``, ``*``, ``/``, unary ``-``) and chain with ``>>`` into a node's first input. Any
parameter accepts a number, a sequence of numbers (one per lane: that many parallel
voices), or a signal (modulation, which replaces the constant while connected).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from . import _core

ParamValue = Union[float, Sequence[float], np.ndarray, "Signal"]

_SPECS: dict[str, dict[str, Any]] = _core.node_specs()

#: Q of a maximally flat (Butterworth) second-order filter.
BUTTERWORTH_Q = math.sqrt(0.5)


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
        spec = _SPECS[node.kind]
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

    def __init__(self, graph: Graph, node: int, kind: str) -> None:
        spec = _SPECS[kind]
        super().__init__(graph, node, spec["outputs"][0] if spec["outputs"] else "out")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "_params", {p["name"]: i for i, p in enumerate(spec["params"])})

    @property
    def id(self) -> int:
        """Stable id of the node in its graph."""
        return self._node

    @property
    def name(self) -> str:
        """Display name: the label given at creation, or ``kind#id``."""
        return self._graph._core.name(self._node)

    def out(self, port: str) -> Signal:
        """The output ``port`` of this node."""
        outputs = _SPECS[self.kind]["outputs"]
        if port not in outputs:
            raise _core.GraphError(f"{self.name} has no output '{port}' (outputs: {', '.join(outputs)})")
        return Signal(self._graph, self._node, port)

    def connect(self, input: str, signal: Signal) -> Node:
        """Adds ``signal`` into input port ``input`` (several signals into one port are summed)."""
        self._check_same_graph(signal)
        self._graph._core.connect(signal._node, signal._port, "input", self._node, input)
        return self

    def set_param(self, name: str, value: ParamValue) -> None:
        """Sets parameter ``name`` to a constant (one per lane allowed) or a modulating signal."""
        core = self._graph._core
        if isinstance(value, Signal):
            self._check_same_graph(value)
            core.param_index(self._node, name)
            core.disconnect_param(self._node, name)
            core.connect(value._node, value._port, "param", self._node, name)
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


@dataclass(frozen=True)
class TimedChange:
    """A parameter change stored in a graph's timeline for :func:`chronus.render`."""

    param: Param
    value: float
    at: float | None
    frame: int | None
    ramp: float | None
    lane: int | None


class Graph:
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

    # -- sources ----------------------------------------------------------------------
    def sine(self, freq: ParamValue = 440.0, *, phase: float = 0.0, name: str | None = None) -> Node:
        """Sine oscillator. ``freq`` in Hz, ``phase`` the starting phase in cycles."""
        return self.add_node("sine", params={"freq": freq}, options={"phase": phase}, name=name)

    def saw(self, freq: ParamValue = 440.0, *, phase: float = 0.0, name: str | None = None) -> Node:
        """Band-limited rising sawtooth (-1 to 1), ``freq`` in Hz."""
        return self.add_node("saw", params={"freq": freq}, options={"phase": phase}, name=name)

    def square(self, freq: ParamValue = 440.0, *, phase: float = 0.0, name: str | None = None) -> Node:
        """Band-limited square, ``freq`` in Hz."""
        return self.add_node("square", params={"freq": freq}, options={"phase": phase}, name=name)

    def pulse(
        self,
        freq: ParamValue = 440.0,
        width: ParamValue = 0.5,
        *,
        phase: float = 0.0,
        name: str | None = None,
    ) -> Node:
        """Band-limited pulse, ``freq`` in Hz, ``width`` the fraction of the cycle spent high."""
        return self.add_node(
            "pulse", params={"freq": freq, "width": width}, options={"phase": phase}, name=name
        )

    def triangle(self, freq: ParamValue = 440.0, *, phase: float = 0.0, name: str | None = None) -> Node:
        """Band-limited triangle, ``freq`` in Hz."""
        return self.add_node("triangle", params={"freq": freq}, options={"phase": phase}, name=name)

    def noise(
        self, color: str = "white", *, seed: int = 0, channels: int = 1, name: str | None = None
    ) -> Node:
        """White (uniform in [-1, 1)) or pink (-3 dB/octave) noise; ``channels`` independent lanes."""
        return self.add_node("noise", options={"color": color, "seed": seed, "channels": channels}, name=name)

    def const(self, value: ParamValue, *, name: str | None = None) -> Node:
        """A constant signal (one value per lane allowed)."""
        return self.add_node("const", params={"value": value}, name=name)

    # -- arithmetic and mixing ----------------------------------------------------------
    def muladd(
        self,
        input: Signal | Sequence[Signal] | None = None,
        mul: ParamValue = 1.0,
        add: ParamValue = 0.0,
        *,
        name: str | None = None,
    ) -> Node:
        """``input * mul + add``; several inputs are summed first."""
        inputs = {} if input is None else {"in": input}
        return self.add_node("muladd", inputs=inputs, params={"mul": mul, "add": add}, name=name)

    def mixer(
        self,
        *inputs: Signal,
        gains: Sequence[ParamValue] | None = None,
        gain: ParamValue = 1.0,
        name: str | None = None,
    ) -> Node:
        """Mixes up to eight signals, each with a linear gain, then a master ``gain``."""
        if len(inputs) > 8:
            raise _core.GraphError(f"mixer takes at most 8 inputs, got {len(inputs)}; chain two mixers")
        gains = list(gains) if gains is not None else [1.0] * len(inputs)
        if len(gains) != len(inputs):
            raise _core.GraphError(f"mixer got {len(inputs)} inputs but {len(gains)} gains")
        params: dict[str, ParamValue] = {f"gain{i + 1}": g for i, g in enumerate(gains)}
        params["gain"] = gain
        return self.add_node(
            "mixer", inputs={f"in{i + 1}": s for i, s in enumerate(inputs)}, params=params, name=name
        )

    def sum(self, input: Signal | None = None, *, channels: int = 1, name: str | None = None) -> Node:
        """Sums the lanes of ``input`` down to ``channels`` (lane c goes to channel c mod channels)."""
        inputs = {} if input is None else {"in": input}
        return self.add_node("sum", inputs=inputs, options={"channels": channels}, name=name)

    def pan(self, input: Signal | None = None, pan: ParamValue = 0.0, *, name: str | None = None) -> Node:
        """Equal-power stereo pan of each lane (-1 left, 1 right), summed to one stereo pair."""
        inputs = {} if input is None else {"in": input}
        return self.add_node("pan", inputs=inputs, params={"pan": pan}, name=name)

    # -- filters ------------------------------------------------------------------------
    def biquad(
        self,
        input: Signal | None = None,
        *,
        mode: str = "lowpass",
        freq: ParamValue = 1000.0,
        q: ParamValue = BUTTERWORTH_Q,
        gain: ParamValue = 0.0,
        name: str | None = None,
    ) -> Node:
        """RBJ-cookbook biquad: ``mode`` is lowpass, highpass, bandpass, notch, peak, lowshelf,
        highshelf or allpass; ``freq`` in Hz, ``gain`` in dB (peak and shelves)."""
        inputs = {} if input is None else {"in": input}
        return self.add_node(
            "biquad",
            inputs=inputs,
            params={"freq": freq, "q": q, "gain": gain},
            options={"mode": mode},
            name=name,
        )

    def svf(
        self,
        input: Signal | None = None,
        *,
        mode: str = "lowpass",
        cutoff: ParamValue = 1000.0,
        q: ParamValue = BUTTERWORTH_Q,
        name: str | None = None,
    ) -> Node:
        """State-variable filter (stable under fast modulation): lowpass, highpass, bandpass,
        notch, peak or allpass; ``cutoff`` in Hz."""
        inputs = {} if input is None else {"in": input}
        return self.add_node(
            "svf", inputs=inputs, params={"cutoff": cutoff, "q": q}, options={"mode": mode}, name=name
        )

    def lowpass(
        self,
        input: Signal | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = BUTTERWORTH_Q,
        *,
        name: str | None = None,
    ) -> Node:
        """12 dB/octave resonant lowpass (state-variable), ``cutoff`` in Hz."""
        return self.svf(input, mode="lowpass", cutoff=cutoff, q=q, name=name)

    def highpass(
        self,
        input: Signal | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = BUTTERWORTH_Q,
        *,
        name: str | None = None,
    ) -> Node:
        """12 dB/octave resonant highpass (state-variable), ``cutoff`` in Hz."""
        return self.svf(input, mode="highpass", cutoff=cutoff, q=q, name=name)

    def bandpass(
        self,
        input: Signal | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = BUTTERWORTH_Q,
        *,
        name: str | None = None,
    ) -> Node:
        """Bandpass with 0 dB peak at ``cutoff`` (Hz); bandwidth narrows as ``q`` grows."""
        return self.svf(input, mode="bandpass", cutoff=cutoff, q=q, name=name)

    # -- envelopes and time -------------------------------------------------------------
    def adsr(
        self,
        gate: ParamValue = 0.0,
        attack: ParamValue = 0.01,
        decay: ParamValue = 0.1,
        sustain: ParamValue = 0.7,
        release: ParamValue = 0.3,
        *,
        name: str | None = None,
    ) -> Node:
        """Linear ADSR envelope (0 to 1); times in seconds, ``gate`` above 0.5 is on."""
        params = {"gate": gate, "attack": attack, "decay": decay, "sustain": sustain, "release": release}
        return self.add_node("adsr", params=params, name=name)

    def delay(
        self,
        input: Signal | None = None,
        time: ParamValue = 0.25,
        feedback: ParamValue = 0.0,
        mix: ParamValue = 1.0,
        *,
        max_time: float = 2.0,
        name: str | None = None,
    ) -> Node:
        """Delay line: ``time`` in seconds (fractional, modulatable, at most ``max_time``),
        ``feedback`` gain, ``mix`` from 0 (dry) to 1 (delayed only)."""
        inputs = {} if input is None else {"in": input}
        return self.add_node(
            "delay",
            inputs=inputs,
            params={"time": time, "feedback": feedback, "mix": mix},
            options={"max_time": max_time},
            name=name,
        )

    def feedback(self, channels: int = 1, *, name: str | None = None) -> FeedbackNode:
        """A loop point with one block of delay; close it with ``.feed(signal)``."""
        node = self.add_node("feedback", options={"channels": channels}, name=name)
        assert isinstance(node, FeedbackNode)
        return node

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
        """Compiles the graph and reports output channels, lanes per node, steps and buffers."""
        return self._core.compile_info(float(samplerate), int(blocksize))


def node_kinds() -> dict[str, dict[str, Any]]:
    """Every node kind with its documentation, ports, parameters (units, ranges) and options."""
    return dict(_SPECS)
