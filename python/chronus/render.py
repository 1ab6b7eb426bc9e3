"""Offline rendering and audio files."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Literal, overload

import numpy as np

from . import _core
from .audio import _checked_audio
from .graph import Graph
from .probes import Probed, ProbedFile
from .progress import ProgressArg
from .session import Session

DEFAULT_SAMPLERATE = 48_000
DEFAULT_BLOCKSIZE = 256
DEFAULT_SMOOTHING = 0.005


@overload
def render(
    graph: Graph | Session,
    seconds: float,
    samplerate: int | None = ...,
    blocksize: int = ...,
    *,
    smoothing: float = ...,
    input: np.ndarray | None = ...,
    out: None = None,
    subtype: str | None = ...,
    probes: Literal[False] = False,
    lufs: float | None = ...,
    true_peak_db: float | None = ...,
    progress: ProgressArg = ...,
) -> np.ndarray: ...


@overload
def render(
    graph: Graph | Session,
    seconds: float,
    samplerate: int | None = ...,
    blocksize: int = ...,
    *,
    smoothing: float = ...,
    input: np.ndarray | None = ...,
    out: str | os.PathLike[str],
    subtype: str | None = ...,
    probes: Literal[False] = False,
    lufs: float | None = ...,
    true_peak_db: float | None = ...,
    progress: ProgressArg = ...,
) -> Path: ...


@overload
def render(
    graph: Graph | Session,
    seconds: float,
    samplerate: int | None = ...,
    blocksize: int = ...,
    *,
    smoothing: float = ...,
    input: np.ndarray | None = ...,
    out: None = None,
    subtype: str | None = ...,
    probes: Literal[True],
) -> Probed: ...


@overload
def render(
    graph: Graph | Session,
    seconds: float,
    samplerate: int | None = ...,
    blocksize: int = ...,
    *,
    smoothing: float = ...,
    input: np.ndarray | None = ...,
    out: str | os.PathLike[str],
    subtype: str | None = ...,
    probes: Literal[True],
) -> ProbedFile: ...


def render(
    graph: Graph | Session,
    seconds: float,
    samplerate: int | None = None,
    blocksize: int = DEFAULT_BLOCKSIZE,
    *,
    smoothing: float = DEFAULT_SMOOTHING,
    input: np.ndarray | None = None,
    out: str | os.PathLike[str] | None = None,
    subtype: str | None = None,
    probes: bool = False,
    lufs: float | None = None,
    true_peak_db: float | None = None,
    progress: ProgressArg = None,
) -> np.ndarray | Path | Probed | ProbedFile:
    """Renders ``seconds`` of ``graph`` offline: its timeline, tracks and tempo map play from
    the first frame with the transport running, exactly as a live :class:`chronus.Engine`
    plays them from its start.

    Runs the same engine loop as live playback (same graph, events and block size give the
    same samples) with the GIL released.

    Args:
        graph: the patch (it must have an output), or a :class:`chronus.Session`,
            which is compiled to one (:meth:`chronus.Session.graph`).
        seconds: duration in seconds (> 0).
        samplerate: sample rate in Hz (default: a session's own, otherwise 48 kHz).
        blocksize: largest block in frames (16 to 4096), as a live engine would use.
        smoothing: default glide of parameter changes in seconds (0 turns it off).
        input: audio for ``g.input()`` nodes, shape (channels, frames) or (frames,);
            silence after its end.
        out: an audio file (.wav, .flac, .ogg, ...) to stream the render into, block by
            block, instead of returning it: memory stays flat however long the render
            (a render held in memory is refused when it would not fit). WAV files past
            4 GB are written as RF64.
        subtype: the file's sample format (libsndfile subtype such as "PCM_24"; default:
            float for WAV, the format's own otherwise).
        probes: also return every window the graph's probes (``g.probe(x, "label")``)
            measured: their minimum, maximum, RMS and non-finite count per lane, the very
            records a live engine publishes (see :mod:`chronus.probes`).

    Returns:
        float32 array of shape (channels, frames), or the path written when ``out`` is given;
        with ``probes=True``, a :class:`chronus.probes.Probed` ``(audio, probes)`` (or
        :class:`chronus.probes.ProbedFile` ``(path, probes)``), ``probes`` a dict of
        :class:`chronus.probes.ProbeWindows` by label.
    """
    if isinstance(graph, Session):
        if samplerate is not None and samplerate != graph.samplerate:
            raise ValueError(f"the session runs at {graph.samplerate} Hz; not {samplerate}")
        samplerate = graph.samplerate
        graph = graph.graph()
    if samplerate is None:
        samplerate = DEFAULT_SAMPLERATE
    normalize = lufs is not None or true_peak_db is not None
    if normalize and probes:
        raise ValueError("render(): lufs/true_peak_db and probes=True do not go together")
    if not probes and out is not None:
        from .exporting import export_graph, exported_path

        return exported_path(
            export_graph(
                graph, seconds, samplerate, out, subtype=subtype, lufs=lufs, true_peak_db=true_peak_db,
                progress=progress, blocksize=blocksize, smoothing=smoothing, input=input,
            )
        )  # fmt: skip
    args = _job(graph, seconds, samplerate, blocksize, smoothing, input)
    if not probes:
        audio = _core.render(*args)
        if normalize:
            from .loudness import LoudnessMeter, check_targets, gain_for

            check_targets(lufs, true_peak_db)
            meter = LoudnessMeter(int(samplerate), audio.shape[0])
            meter.add(audio)
            audio = audio * np.float32(10 ** (gain_for(meter, [meter], lufs, true_peak_db) / 20))
        return audio
    from .probes import collect, collected

    renderer = _core.Renderer(*args)
    collect(renderer, graph)
    if out is not None:
        from .stream import render_to_file

        path = render_to_file(renderer, out, samplerate, subtype)
        return ProbedFile(path, collected(renderer, graph))
    from .stream import chunks

    # Allocated at once, so that a render too long for memory is a MemoryError up front.
    audio = np.empty((renderer.channels, renderer.remaining), dtype=np.float32)
    done = 0
    for chunk in chunks(renderer):
        audio[:, done : done + chunk.shape[1]] = chunk
        done += chunk.shape[1]
    return Probed(audio, collected(renderer, graph))


def _job(
    graph: Graph,
    seconds: float,
    samplerate: int,
    blocksize: int,
    smoothing: float,
    input: np.ndarray | None,
) -> tuple[_core.Graph, _core.Song, int, float, int, float, np.ndarray | None]:
    """The arguments of ``_core.render`` (and ``_core.Renderer``) for a render of ``graph``."""
    if not isinstance(graph, Graph):
        raise TypeError(f"render() needs a chronus.Graph or Session, got {type(graph).__name__}")
    if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive duration, got {seconds!r}")
    if not (isinstance(samplerate, (int, float)) and math.isfinite(samplerate) and samplerate > 0):
        raise ValueError(f"samplerate must be a positive, finite number of Hz, got {samplerate!r}")
    frames = round(seconds * samplerate)
    source = None if input is None else _checked_audio(input, "render input")
    song = graph.song(samplerate)
    return (graph._core, song, frames, float(samplerate), blocksize, float(smoothing), source)
