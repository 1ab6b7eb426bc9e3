"""Seeing inside a playing graph: the latest value of any node output and a per-node CPU
profile, measured on the audio thread only while asked for, and the probes' latest windows
(see :class:`Inspecting`).

>>> import chronus as cx
>>> g = cx.Graph()
>>> meter = g.meter(g.sine(220) * 0.5)
>>> _ = g.output(meter)
>>> with cx.Engine(g, backend="null") as live:          # doctest: +SKIP
...     print(live.read(meter.peak))                     # [0.5]
...     print(live.profile()[0].name)                    # the node that costs most
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import _core
    from .graph import Graph
    from .probes import ProbeReading
    from .signal import Signal

#: How long :meth:`Inspecting.read` and :meth:`Inspecting.profile` wait for the audio thread
#: to publish its first measurement after being asked, in seconds.
FIRST_READING_TIMEOUT = 2.0


@dataclass(frozen=True)
class NodeProfile:
    """One node's time in ``process`` on the audio thread, since profiling started."""

    #: The node's display name (``name=`` or ``kind#id``).
    name: str
    #: Its kind.
    kind: str
    #: Mean time per pass, in milliseconds.
    mean_ms: float
    #: Longest pass, in milliseconds.
    worst_ms: float
    #: Passes timed (one per block, more when events split a block).
    passes: int
    #: Its part of the time all nodes took (0..1).
    share: float


class Inspecting:
    """Mixed into :class:`chronus.Engine`: reads node outputs and per-node timings that the
    audio thread publishes once per callback, without touching its buffers. Nothing is
    measured until :meth:`read` or :meth:`profile` is first called; :meth:`stop_inspecting`
    ends it."""

    _core: _core.Engine
    graph: Graph
    _inspect_flags: tuple[bool, bool] = (False, False)

    def _inspect(self, profile: bool, values: bool) -> None:
        """Asks the audio thread for (profile, values) and waits for its first publication."""
        flags = (profile or self._inspect_flags[0], values or self._inspect_flags[1])
        if flags == self._inspect_flags:
            return
        self._core.inspect(*flags)
        self._inspect_flags = flags
        # The first publication after the request may come from a callback that began before
        # the audio thread took it; the one after that began later, so it has measured.
        deadline = time.monotonic() + FIRST_READING_TIMEOUT
        clock = self._core.inspection()[0]
        for _ in range(2):
            while (published := self._core.inspection()[0]) <= clock:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the audio thread published nothing within {FIRST_READING_TIMEOUT} s")
                time.sleep(0.001)
            clock = published

    @property
    def profiling(self) -> bool:
        """Whether :meth:`profile` runs (until :meth:`stop_inspecting`)."""
        return self._inspect_flags[0]

    @property
    def reading(self) -> bool:
        """Whether node outputs are kept for :meth:`read` (until :meth:`stop_reading`)."""
        return self._inspect_flags[1]

    def stop_reading(self) -> None:
        """Stops keeping node outputs for :meth:`read` (profiling, if on, goes on)."""
        self._core.inspect(self._inspect_flags[0], False)
        self._inspect_flags = (self._inspect_flags[0], False)

    def stop_inspecting(self) -> None:
        """Stops measuring node outputs and timings (the audio thread's default)."""
        self._core.inspect(False, False)
        self._inspect_flags = (False, False)

    def read(self, signal: Signal) -> list[float]:
        """The latest value of a node output, one per channel (lane): the last frame the node
        wrote in the latest callback, e.g. ``live.read(meter.peak)``. The first call starts
        keeping outputs on the audio thread (one frame copy per port and callback)."""
        from .signal import Node

        mine = signal._graph is self.graph
        node = next((n for n in self.graph.nodes() if n.id == signal._node), None) if mine else None
        if not isinstance(node, Node):
            raise ValueError(f"{signal!r} is not a node output of the graph playing")
        port = node._spec["outputs"].index(signal.port)
        self._inspect(False, True)
        found = self._core.read_output(node.id, port)
        if found is None:
            raise ValueError(f"{node.name} is not in the graph playing (call update() after editing)")
        return found[1]

    def profile(self) -> list[NodeProfile]:
        """Each node's mean and worst time per pass on the audio thread since the first call
        (two clock reads per node and pass while profiling runs), costliest first. The first
        call starts profiling and returns what one callback measured."""
        self._inspect(True, False)
        _, rows = self._core.inspection()
        total = sum(r[1] for r in rows) or 1
        # Nodes an edit removed play on in its crossfade under their old ids.
        names = {n.id: (n.name, n.kind) for n in self.graph.nodes()}
        out = [
            NodeProfile(
                name=names.get(node, (f"#{node}", ""))[0],
                kind=names.get(node, (f"#{node}", "removed"))[1],
                mean_ms=total_ns / passes * 1e-6 if passes else 0.0,
                worst_ms=worst_ns * 1e-6,
                passes=passes,
                share=total_ns / total,
            )
            for node, total_ns, worst_ns, passes, _, _ in rows
        ]
        return sorted(out, key=lambda p: -p.mean_ms)

    def probes(self) -> dict[str, ProbeReading | None]:
        """The latest complete window of every probe playing (``g.probe(x, "label")``), by
        label: minimum, maximum, RMS and non-finite count per lane, and the window's first
        frame on the sample clock; None for a probe whose first window has not completed.
        Each probe publishes every window itself, so nothing has to be switched on; the
        records are those ``cx.render(..., probes=True)`` returns for the same frames."""
        from .probes import latest

        return latest(self._core, self.graph)
