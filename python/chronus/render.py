"""Offline rendering and audio files."""

from __future__ import annotations

import math

import numpy as np

from . import _core
from .audio import _checked_audio
from .graph import Graph

DEFAULT_SAMPLERATE = 48_000
DEFAULT_BLOCKSIZE = 256
DEFAULT_SMOOTHING = 0.005


def render(
    graph: Graph,
    seconds: float,
    samplerate: int = DEFAULT_SAMPLERATE,
    blocksize: int = DEFAULT_BLOCKSIZE,
    *,
    smoothing: float = DEFAULT_SMOOTHING,
    input: np.ndarray | None = None,
) -> np.ndarray:
    """Renders ``seconds`` of ``graph`` offline: its timeline, tracks and tempo map play from
    the first frame with the transport running, exactly as a live :class:`chronus.Engine`
    plays them from its start.

    Runs the same engine loop as live playback (same graph, events and block size give the
    same samples) with the GIL released.

    Args:
        graph: the patch; it must have an output.
        seconds: duration in seconds (> 0).
        samplerate: sample rate in Hz.
        blocksize: largest block in frames (16 to 4096), as a live engine would use.
        smoothing: default glide of parameter changes in seconds (0 turns it off).
        input: audio for ``g.input()`` nodes, shape (channels, frames) or (frames,);
            silence after its end.

    Returns:
        float32 array of shape (channels, frames).
    """
    if not isinstance(graph, Graph):
        raise TypeError(f"render() needs a chronus.Graph, got {type(graph).__name__}")
    if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive duration, got {seconds!r}")
    if not (isinstance(samplerate, (int, float)) and samplerate > 0):
        raise ValueError(f"samplerate must be a positive number of Hz, got {samplerate!r}")
    frames = round(seconds * samplerate)
    source = None if input is None else _checked_audio(input, "render input")
    song = graph.song(samplerate)
    return _core.render(
        graph._core, song, frames, float(samplerate), int(blocksize), float(smoothing), source
    )
