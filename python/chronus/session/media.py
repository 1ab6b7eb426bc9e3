"""Audio files as the engine reads them for clips: decoded in Rust (symphonia: WAV, AIFF,
FLAC, OGG/Vorbis, MP3, AAC/ALAC in MP4/M4A; Opus through libsndfile) and converted to the
session's rate by the engine's resampler (rubato)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

from .. import _core

AudioFileError = _core.AudioFileError

#: Extensions decoded through libsndfile rather than the engine (codecs symphonia lacks).
_LIBSNDFILE_ONLY = {".opus"}


def load_audio(path: str | os.PathLike[str], samplerate: int | None = None) -> tuple[np.ndarray, int]:
    """Decodes an audio file, converted to ``samplerate`` Hz if given.

    Returns float32 of shape (channels, frames) and the rate in Hz. Raises
    :class:`AudioFileError` naming the file when it is missing, empty, truncated, garbled or
    in a format Chronus cannot read.
    """
    path = Path(path)
    if samplerate is not None and not (isinstance(samplerate, int) and 1_000 <= samplerate <= 768_000):
        raise ValueError(f"samplerate must be a whole number of Hz in [1000, 768000], got {samplerate!r}")
    if path.suffix.lower() not in _LIBSNDFILE_ONLY:
        return _core.load_audio(os.fspath(path), samplerate)
    if not path.is_file():
        raise AudioFileError(f"audio file {path}: does not exist")
    try:
        data, rate = sf.read(os.fspath(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as err:
        raise AudioFileError(f"audio file {path}: cannot be decoded ({err})") from err
    if data.shape[0] == 0:
        raise AudioFileError(f"audio file {path}: holds no audio frames")
    audio = np.ascontiguousarray(data.T)
    if samplerate is not None and samplerate != rate:
        audio, rate = _core.resample(audio, int(rate), samplerate), samplerate
    return audio, int(rate)
