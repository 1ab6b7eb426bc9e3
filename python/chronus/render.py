"""Offline rendering and audio files."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from . import _core
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
    source = None
    if input is not None:
        source = np.asarray(input, dtype=np.float32)
        if source.ndim == 1:
            source = source[np.newaxis, :]
        if source.ndim != 2 or source.shape[0] > 256:
            raise ValueError(f"input must have shape (channels, frames), got {np.shape(input)}")
        source = np.ascontiguousarray(source)
    song = graph.song(samplerate)
    return _core.render(
        graph._core, song, frames, float(samplerate), int(blocksize), float(smoothing), source
    )


def write_wav(
    path: str | os.PathLike[str], audio: np.ndarray, samplerate: int, *, subtype: str = "FLOAT"
) -> Path:
    """Writes ``audio`` (shape (channels, frames) or (frames,)) to a WAV file.

    ``subtype`` is a libsndfile subtype: "FLOAT" (default, keeps every bit of the render),
    "PCM_24" or "PCM_16".
    """
    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 1:
        data = data[np.newaxis, :]
    if data.ndim != 2:
        raise ValueError(f"audio must have shape (channels, frames), got {data.shape}")
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise FileNotFoundError(f"cannot write {path}: folder {path.parent} does not exist")
    sf.write(path, data.T, int(samplerate), subtype=subtype, format="WAV")
    return path


def read_audio(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Reads an audio file (WAV, FLAC, OGG, MP3 where libsndfile supports it).

    Returns float32 of shape (channels, frames) and the sample rate in Hz.
    """
    try:
        data, rate = sf.read(os.fspath(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as err:
        raise ValueError(f"cannot read audio file {os.fspath(path)}: {err}") from err
    return np.ascontiguousarray(data.T), int(rate)
