"""Chronus: a real-time, programmable audio engine for Python.

Build a :class:`Graph`, render it offline with :func:`render`, or play it live with
:class:`Engine` (sound card, JACK, or the headless null device).

>>> import chronus as cx
>>> g = cx.Graph()
>>> _ = g.output(g.saw(110) >> g.lowpass(cutoff=900, q=2.0))
>>> cx.render(g, seconds=0.1).shape
(1, 4800)
"""

from ._core import CycleError, DeviceError, GraphError, QueueFullError
from .graph import FeedbackNode, Graph, Node, Param, Signal, node_kinds
from .live import Engine, devices, measure_latency
from .patch import PatchError, load_patch
from .render import read_audio, render, write_wav

__version__ = "0.1.0"

__all__ = [
    "CycleError",
    "DeviceError",
    "Engine",
    "FeedbackNode",
    "Graph",
    "GraphError",
    "Node",
    "Param",
    "PatchError",
    "QueueFullError",
    "Signal",
    "devices",
    "load_patch",
    "measure_latency",
    "node_kinds",
    "read_audio",
    "render",
    "write_wav",
]
