"""AAC in M4A files, written through PyAV (FFmpeg's native AAC encoder), whole or a chunk
at a time as a render streams. An optional extra: ``pip install 'chronus-audio[aac]'``
(or ``pip install av``); without it, writing .m4a says so. Reading M4A needs nothing
extra (the engine's decoder).

The encoder starts with 1024 frames of priming, which the file's edit list does not skip
(the frames are written without timestamps): decoders, the engine's among them, read them
as silence before the audio.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["AAC_EXTENSIONS", "AAC_RATES", "AacExtraMissingError", "AacWriter", "write_m4a"]

#: Extensions written as AAC in an MP4 container.
AAC_EXTENSIONS = (".m4a", ".mp4")
#: Sample rates AAC takes, Hz.
AAC_RATES = (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 64_000, 88_200, 96_000)
#: Default bit rate per channel, bits per second.
BITRATE_PER_CHANNEL = 128_000


class AacExtraMissingError(ImportError):
    """PyAV, which writes AAC, is not installed."""


def _av() -> ModuleType:
    try:
        import av
    except ImportError:
        raise AacExtraMissingError(
            "writing AAC (.m4a) needs PyAV: pip install 'chronus-audio[aac]' (or pip install av)"
        ) from None
    return av


def _layout(channels: int) -> str:
    layouts = {1: "mono", 2: "stereo"}
    if channels not in layouts:
        raise ValueError(f"AAC export takes mono or stereo audio, not {channels} channels")
    return layouts[channels]


class AacWriter:
    """Writes float32 (channels, frames) chunks as AAC into an M4A file (see :func:`write_m4a`);
    the file appears under its name only when :meth:`close` completes."""

    def __init__(
        self, path: str | os.PathLike[str], samplerate: int, channels: int, bitrate: int | None = None
    ) -> None:
        av = _av()
        self.path = Path(path)
        if samplerate not in AAC_RATES:
            rates = ", ".join(str(r) for r in AAC_RATES)
            raise ValueError(
                f"cannot write {self.path}: AAC takes sample rates of {rates} Hz, not {samplerate}"
            )
        self._layout = _layout(channels)
        if bitrate is None:
            bitrate = BITRATE_PER_CHANNEL * channels
        if isinstance(bitrate, bool) or not isinstance(bitrate, int) or not 16_000 <= bitrate <= 512_000:
            raise ValueError(
                f"cannot write {self.path}: bitrate must be 16000 .. 512000 bits/s, got {bitrate!r}"
            )
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"cannot write {self.path}: folder {self.path.parent} does not exist")
        self.samplerate = samplerate
        self.channels = channels
        self._partial = self.path.with_name(f".{self.path.name}.partial")
        self._container: Any = av.open(os.fspath(self._partial), "w", format="mp4")
        self._stream: Any = self._container.add_stream("aac", rate=samplerate)
        self._stream.layout = self._layout
        self._stream.bit_rate = bitrate
        self._frame = av.AudioFrame

    def write(self, chunk: NDArray[np.float32]) -> None:
        """Encodes the next ``chunk`` (channels, frames)."""
        data = np.ascontiguousarray(chunk, dtype=np.float32)
        if data.ndim != 2 or data.shape[0] != self.channels:
            raise ValueError(f"expected ({self.channels}, frames) audio, got {data.shape}")
        if data.shape[1] == 0:
            return
        frame = self._frame.from_ndarray(data, format="fltp", layout=self._layout)
        frame.sample_rate = self.samplerate
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> Path:
        """Flushes the encoder, closes the file and renames it into place."""
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()
        os.replace(self._partial, self.path)
        return self.path

    def abort(self) -> None:
        """Closes and removes the unfinished file."""
        with contextlib.suppress(Exception):
            self._container.close()
        self._partial.unlink(missing_ok=True)


@contextlib.contextmanager
def aac_writer(path: str | os.PathLike[str], samplerate: int, channels: int) -> Iterator[AacWriter]:
    """An :class:`AacWriter` closed (renamed into place) on success, removed on an error."""
    writer = AacWriter(path, samplerate, channels)
    try:
        yield writer
    except BaseException:
        writer.abort()
        raise
    writer.close()


def write_m4a(
    path: str | os.PathLike[str], audio: NDArray[np.float32], samplerate: int, bitrate: int | None = None
) -> Path:
    """Writes ``audio`` (channels, frames) as AAC in an M4A file at ``bitrate`` bits/s
    (default 128 kbit/s per channel)."""
    writer = AacWriter(path, samplerate, audio.shape[0], bitrate)
    try:
        writer.write(audio)
    except BaseException:
        writer.abort()
        raise
    return writer.close()
