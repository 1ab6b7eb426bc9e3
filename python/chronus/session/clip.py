"""The clip player node on a graph: a region of a recording started by its gate."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..graph import Graph
from ..signal import Node, ParamValue
from .media import load_audio


def clip(
    g: Graph,
    source: str | os.PathLike[str] | np.ndarray,
    *,
    samplerate: int,
    gate: ParamValue = 0.0,
    gain_db: ParamValue = 0.0,
    offset: float = 0.0,
    length: float | None = None,
    loop: bool = False,
    reverse: bool = False,
    fade_in: float = 0.0,
    fade_out: float = 0.005,
    stretch: ParamValue | None = None,
    semitones: ParamValue | None = None,
    stream: bool = False,
    name: str | None = None,
) -> Node:
    """Adds a clip player to ``g``: it plays a region of ``source`` from the frame its gate rises.

    Args:
        g: the graph.
        source: an audio file (any format :func:`load_audio` reads, converted to
            ``samplerate``) or audio already at ``samplerate``, shape (channels, frames).
        samplerate: the rate the graph will run at, Hz.
        gate: a rise above 0.5 starts the region from its first frame; a fall fades it out.
        gain_db: gain in dB (smoothed).
        offset: start of the region in the recording, seconds.
        length: length of the region, seconds (None: to the end).
        loop: repeat the region without a gap while the gate is up.
        reverse: play the region backwards.
        fade_in, fade_out: equal-power fades, seconds; ``fade_out`` ends at the end of an
            unlooped region and starts when the gate falls.
        stretch: time-stretch ratio (1.25 plays 25 % longer at the same pitch) and
        semitones: pitch shift at the same length; either one runs the clip through
            Signalsmith Stretch, which delays it by ``g.info()["latency"][node.id]`` frames.
        stream: stream the file from disk instead of loading it (long files: memory stays
            bounded, about 6 s of audio per clip; no loop or reverse).
    """
    options: dict[str, float | str | np.ndarray] = {}
    if stream:
        if isinstance(source, np.ndarray):
            raise ValueError("stream=True needs a file, not an array")
        if loop or reverse:
            raise ValueError(
                "a streamed clip plays forwards once: load it (stream=False) to loop or reverse it"
            )
        options["file"] = os.fspath(Path(source).resolve())
    elif isinstance(source, np.ndarray):
        audio = np.asarray(source, dtype=np.float32)
        if audio.ndim == 1:
            audio = audio[np.newaxis, :]
    else:
        audio, _ = load_audio(source, samplerate)
    if not stream:
        if audio.ndim != 2 or audio.shape[1] == 0:
            raise ValueError(f"clip source must have shape (channels, frames), got {audio.shape}")
        options["data"] = np.ascontiguousarray(audio.T)
    stretched = stretch is not None or semitones is not None
    options |= {
        "offset": round(offset * samplerate),
        "length": 0 if length is None else max(1, round(length * samplerate)),
        "loop": "on" if loop else "off",
        "reverse": "on" if reverse else "off",
        "fade_in": fade_in,
        "fade_out": fade_out,
        "stretcher": "on" if stretched else "off",
    }
    params: dict[str, ParamValue] = {"gate": gate, "gain": gain_db}
    if stretch is not None:
        params["stretch"] = stretch
    if semitones is not None:
        params["semitones"] = semitones
    return g.add_node("clip", params=params, options=options, name=name)
