"""Chronus: a real-time, programmable audio engine for Python.

Build a :class:`Graph`, render it offline with :func:`render`, or play it live with
:class:`Engine` (sound card, JACK, or the headless null device).

>>> import chronus as cx
>>> g = cx.Graph()
>>> _ = g.output(g.saw(110) >> g.lowpass(cutoff=900, q=2.0))
>>> cx.render(g, seconds=0.1).shape
(1, 4800)
"""

from . import presets
from ._core import CycleError, DeviceError, GraphError, QueueFullError
from .effects import beats
from .graph import FeedbackNode, Graph, Node, Param, Signal, node_kinds
from .instruments import Operator, Zone
from .kernels import Kernel, KernelError, kernel, sample_kernel
from .live import Engine, devices, measure_latency, midi_inputs
from .midi import Bend, Control, MidiFileError, MidiSong, read_midi, write_midi
from .patch import PatchError, load_patch
from .pattern import Note, Pattern
from .render import read_audio, render, write_wav
from .tempo import TempoMap, TimeSignature

__version__ = "0.1.0"

__all__ = [
    "Bend",
    "Control",
    "CycleError",
    "DeviceError",
    "Engine",
    "FeedbackNode",
    "Graph",
    "GraphError",
    "Kernel",
    "KernelError",
    "MidiFileError",
    "MidiSong",
    "Node",
    "Note",
    "Operator",
    "Param",
    "PatchError",
    "Pattern",
    "QueueFullError",
    "Signal",
    "TempoMap",
    "TimeSignature",
    "Zone",
    "beats",
    "devices",
    "kernel",
    "load_patch",
    "measure_latency",
    "midi_inputs",
    "node_kinds",
    "presets",
    "read_audio",
    "read_midi",
    "render",
    "sample_kernel",
    "write_midi",
    "write_wav",
]
