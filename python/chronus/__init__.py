"""Chronus: a real-time, programmable audio engine for Python.

Build a :class:`Graph`, render it offline with :func:`render`, or play it live with
:class:`Engine` (sound card, JACK, or the headless null device).

>>> import chronus as cx
>>> g = cx.Graph()
>>> _ = g.output(g.saw(110) >> g.lowpass(cutoff=900, q=2.0))
>>> cx.render(g, seconds=0.1).shape
(1, 4800)
"""

from . import analysis, corpus, drums, nodes, pitch_monitor, presets, probes, record, session
from ._core import CycleError, DeviceError, GraphError, QueueFullError
from .analysis import Analysis, FeatureStream, Frames, analyze
from .audio import read_audio, write_audio, write_wav
from .control import serve
from .graph import Graph, node_kinds
from .inspect_live import NodeProfile
from .instruments import Operator, Zone
from .kernels import Block, Kernel, KernelError, StateArray, kernel, sample_kernel
from .live import Engine, devices, measure_latency, midi_inputs
from .midi import Bend, Control, MidiFileError, MidiSong, read_midi, write_midi
from .patch import PatchError, load_patch
from .pattern import Note, Pattern
from .probes import Probed, ProbeReading, ProbeWindows
from .render import render
from .session import Session
from .signal import Node, Param, Signal
from .tempo import TempoMap, TimeSignature, beats
from .timed import NoteTarget
from .when import When

#: Older names of node classes, kept working.
FeedbackNode = nodes.Feedback

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "Bend",
    "Block",
    "Control",
    "CycleError",
    "DeviceError",
    "Engine",
    "FeatureStream",
    "FeedbackNode",
    "Frames",
    "Graph",
    "GraphError",
    "Kernel",
    "KernelError",
    "MidiFileError",
    "MidiSong",
    "Node",
    "NodeProfile",
    "Note",
    "NoteTarget",
    "Operator",
    "Param",
    "PatchError",
    "Pattern",
    "ProbeReading",
    "ProbeWindows",
    "Probed",
    "QueueFullError",
    "Session",
    "Signal",
    "StateArray",
    "TempoMap",
    "TimeSignature",
    "When",
    "Zone",
    "analysis",
    "analyze",
    "beats",
    "corpus",
    "devices",
    "drums",
    "kernel",
    "load_patch",
    "measure_latency",
    "midi_inputs",
    "node_kinds",
    "nodes",
    "pitch_monitor",
    "presets",
    "probes",
    "read_audio",
    "read_midi",
    "record",
    "render",
    "sample_kernel",
    "serve",
    "session",
    "write_audio",
    "write_midi",
    "write_wav",
]
