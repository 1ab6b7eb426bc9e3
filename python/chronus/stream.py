"""Streaming renders: an offline render produced chunk by chunk and written to an audio file
as it goes, so memory stays flat however long the render. The chunks are exactly the
samples :func:`chronus.render` returns."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from . import _core
from .aac import AAC_EXTENSIONS, aac_writer
from .graph import Graph
from .render import DEFAULT_BLOCKSIZE, DEFAULT_SAMPLERATE, DEFAULT_SMOOTHING, _job

if TYPE_CHECKING:
    from .loudness import FrameSource

#: Frames rendered and written at a time.
CHUNK = 65_536
#: Bytes per sample of the uncompressed subtypes, for the disk-space check.
_SAMPLE_BYTES = {"FLOAT": 4, "DOUBLE": 8, "PCM_32": 4, "PCM_24": 3, "PCM_16": 2, "PCM_U8": 1, "PCM_S8": 1}
#: Largest data a plain RIFF WAV holds; larger renders are written as RF64.
_RIFF_LIMIT = 4 * 1024**3 - 1024


def renderer(
    graph: Graph,
    seconds: float,
    samplerate: int = DEFAULT_SAMPLERATE,
    blocksize: int = DEFAULT_BLOCKSIZE,
    *,
    smoothing: float = DEFAULT_SMOOTHING,
    input: np.ndarray | None = None,
) -> _core.Renderer:
    """A render of ``graph`` (arguments as :func:`chronus.render`) to be read chunk by chunk
    with ``.next(frames)`` (or :func:`chunks`)."""
    return _core.Renderer(*_job(graph, seconds, samplerate, blocksize, smoothing, input))


def chunks(renderer: FrameSource, size: int = CHUNK) -> Iterator[np.ndarray]:
    """Successive float32 (channels, n) chunks of a :class:`chronus._core.Renderer`."""
    while True:
        block = renderer.next(size)
        if block.shape[1] == 0:
            return
        yield block


def render_to_file(
    renderer: FrameSource, out: str | os.PathLike[str], samplerate: float, subtype: str | None = None
) -> Path:
    """Writes everything ``renderer`` produces to the audio file ``out`` (format from its
    extension), chunk by chunk, through a temporary name renamed at the end: an
    interrupted render leaves no partial file under ``out``. Checks the free disk space of
    uncompressed formats first."""
    path = Path(out)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: folder {path.parent} does not exist")
    ext = path.suffix.lower().lstrip(".")
    if f".{ext}" in AAC_EXTENSIONS:
        if subtype is not None:
            raise ValueError(f"cannot write {path}: AAC has no subtype (got {subtype!r})")
        with aac_writer(path, int(samplerate), renderer.channels) as writer:
            for block in chunks(renderer):
                writer.write(block)
        return path
    # Opus goes in an Ogg container; .aif is AIFF too.
    formats = {k.lower(): k for k in sf.available_formats()} | {"opus": "OGG", "aif": "AIFF"}
    if ext == "opus" and subtype is None:
        subtype = "OPUS"
    if ext not in formats:
        raise ValueError(f"cannot write {path}: unknown audio file extension '.{ext}'")
    file_format = formats[ext]
    if subtype is None and file_format in ("WAV", "AIFF"):
        subtype = "FLOAT"
    if subtype is None and file_format == "FLAC":
        subtype = "PCM_24"  # as write_audio (libsndfile's own default is 16-bit)
    channels, frames = renderer.channels, renderer.remaining
    bytes_per_sample = _SAMPLE_BYTES.get(subtype or "", 0)
    size = frames * channels * bytes_per_sample
    if file_format == "WAV" and size > _RIFF_LIMIT:
        file_format = "RF64"
    free = shutil.disk_usage(path.parent).free
    if size > free:
        raise OSError(
            f"cannot write {path}: {frames} frames of {channels} channels take {size / 1e9:.1f} GB "
            f"and only {free / 1e9:.1f} GB are free"
        )
    partial = path.with_name(path.name + ".partial")
    try:
        with sf.SoundFile(partial, "w", int(samplerate), channels, subtype=subtype, format=file_format) as f:
            for block in chunks(renderer):
                f.write(block.T)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
