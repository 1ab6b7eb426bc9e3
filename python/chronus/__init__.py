"""Chronus: a real-time, programmable audio engine for Python.

Build a :class:`Graph`, render it offline with :func:`render`, or (soon) play it live.

>>> import chronus as cx
>>> g = cx.Graph()
>>> _ = g.output(g.saw(110) >> g.lowpass(cutoff=900, q=2.0))
>>> cx.render(g, seconds=0.1).shape
(1, 4800)
"""

from ._core import CycleError, GraphError, QueueFullError
from .graph import FeedbackNode, Graph, Node, Param, Signal, node_kinds
from .instruments import Operator, Zone
from .patch import PatchError, load_patch
from .render import read_audio, render, write_wav

__version__ = "0.1.0"

__all__ = [
    "CycleError",
    "FeedbackNode",
    "Graph",
    "GraphError",
    "Node",
    "Operator",
    "Param",
    "PatchError",
    "QueueFullError",
    "Signal",
    "Zone",
    "load_patch",
    "node_kinds",
    "read_audio",
    "render",
    "write_wav",
]
