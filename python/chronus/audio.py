"""Audio files: reading them whole into arrays and writing arrays out, in every format
libsndfile handles (through soundfile): WAV, AIFF, FLAC, OGG/Vorbis, Opus, MP3. Reading also
takes AAC and ALAC in MP4/M4A (the engine's decoder, symphonia) and converts the sample rate
on request (the engine's resampler, rubato).

Arrays are float32 of shape (channels, frames), as :func:`chronus.render` returns them.
Writes go to a temporary name beside the target and are renamed into place only once
complete, so an error never leaves a broken file; reads refuse files shorter than their
header says.

>>> import numpy as np, chronus as cx, tempfile, os
>>> tone = np.sin(2 * np.pi * 440 * np.arange(4800) / 48_000).astype(np.float32)
>>> path = cx.write_audio(os.path.join(tempfile.mkdtemp(), "tone.flac"), tone, 48_000)
>>> audio, rate = cx.read_audio(path)
>>> audio.shape, rate
((1, 4800), 48000)
"""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from numpy.typing import ArrayLike, NDArray

from . import _core
from .aac import AAC_EXTENSIONS, write_m4a

__all__ = ["FORMATS", "probe_audio", "read_audio", "write_audio", "write_wav"]

#: Container, default subtype and the subtypes offered for each file extension.
FORMATS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    ".wav": ("WAV", "FLOAT", ("PCM_16", "PCM_24", "PCM_32", "FLOAT")),
    ".flac": ("FLAC", "PCM_24", ("PCM_16", "PCM_24")),
    ".ogg": ("OGG", "VORBIS", ("VORBIS",)),
    ".opus": ("OGG", "OPUS", ("OPUS",)),
    ".mp3": ("MP3", "MPEG_LAYER_III", ("MPEG_LAYER_III",)),
    ".aiff": ("AIFF", "PCM_24", ("PCM_16", "PCM_24", "PCM_32", "FLOAT")),
    ".aif": ("AIFF", "PCM_24", ("PCM_16", "PCM_24", "PCM_32", "FLOAT")),
}

#: Short names for subtypes: ``subtype="16"`` is 16-bit PCM, ``"32f"`` 32-bit float.
SUBTYPE_NAMES = {"16": "PCM_16", "24": "PCM_24", "32": "PCM_32", "32f": "FLOAT", "float": "FLOAT"}

#: Sample rates the Opus encoder takes, in Hz.
OPUS_RATES = (8_000, 12_000, 16_000, 24_000, 48_000)


def write_audio(
    path: str | os.PathLike[str], audio: ArrayLike, samplerate: int, *, subtype: str | None = None
) -> Path:
    """Writes ``audio`` (shape (channels, frames) or (frames,)) to ``path``, in the format
    its extension names: .wav, .flac, .ogg (Vorbis), .opus, .mp3, .aiff/.aif, and AAC in
    .m4a/.mp4 (with PyAV, the ``[aac]`` extra; mono or stereo, 128 kbit/s per channel).

    ``subtype`` picks the sample format where the container offers a choice: "16", "24",
    "32" (PCM) or "32f" (float) for WAV and AIFF, "16" or "24" for FLAC (default: 32-bit
    float for WAV, 24-bit otherwise); libsndfile's own names ("PCM_24") work too. The file
    appears only when complete: it is written under a temporary name and renamed.
    Returns the path written.
    """
    target = Path(path)
    ext = target.suffix.lower()
    if ext in AAC_EXTENSIONS:
        if subtype is not None:
            raise ValueError(f"cannot write {target}: AAC has no subtype (got {subtype!r})")
        if not isinstance(samplerate, (int, np.integer)) or isinstance(samplerate, bool):
            raise ValueError(
                f"cannot write {target}: samplerate must be a whole number of Hz, got {samplerate!r}"
            )
        return write_m4a(target, _checked_audio(audio, "audio"), int(samplerate))
    if ext not in FORMATS:
        known = ", ".join(FORMATS)
        raise ValueError(f"cannot write {target}: unknown audio file extension {ext!r} (known: {known})")
    container, default, offered = FORMATS[ext]
    chosen = SUBTYPE_NAMES.get(str(subtype).lower(), str(subtype).upper()) if subtype is not None else default
    if chosen not in offered:
        takes = ", ".join(offered)
        raise ValueError(f"cannot write {target}: {ext} files take subtype {takes}, not {subtype!r}")
    data = _checked_audio(audio, "audio")
    whole = isinstance(samplerate, (int, np.integer)) and not isinstance(samplerate, bool)
    if not whole or not 1 <= samplerate <= 768_000:
        raise ValueError(f"cannot write {target}: samplerate must be in 1..768000 Hz, got {samplerate!r}")
    if chosen == "OPUS" and samplerate not in OPUS_RATES:
        rates = ", ".join(str(r) for r in OPUS_RATES)
        raise ValueError(f"cannot write {target}: Opus takes sample rates of {rates} Hz, not {samplerate}")
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {target}: folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(handle)
    try:
        sf.write(temporary, _samples(data, chosen).T, int(samplerate), subtype=chosen, format=container)
        os.replace(temporary, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        if isinstance(err, (sf.LibsndfileError, RuntimeError, TypeError)):
            raise ValueError(f"cannot write {target}: {err}") from err
        raise
    return target


def write_wav(
    path: str | os.PathLike[str], audio: ArrayLike, samplerate: int, *, subtype: str | None = None
) -> Path:
    """The older name of :func:`write_audio` (which picks the format from the extension)."""
    return write_audio(path, audio, samplerate, subtype=subtype)


#: Extensions read by the engine's decoder (symphonia) because libsndfile lacks their codecs.
ENGINE_DECODED = (".m4a", ".mp4", ".aac", ".alac")


def read_audio(
    path: str | os.PathLike[str], samplerate: int | None = None
) -> tuple[NDArray[np.float32], int]:
    """Reads an audio file (WAV, AIFF, FLAC, OGG/Vorbis, Opus, MP3, AAC/ALAC in M4A) whole.

    Returns float32 of shape (channels, frames) and the sample rate in Hz. With
    ``samplerate`` (Hz), the audio is converted to that rate (the engine's band-limited
    resampler) and that rate is returned. A file that does not exist, is empty, cannot be
    decoded, or holds fewer frames than its header says is an error naming the file.
    """
    source = Path(path)
    if samplerate is not None and (
        not isinstance(samplerate, (int, np.integer)) or not 1_000 <= samplerate <= 768_000
    ):
        raise ValueError(f"cannot read {source}: samplerate must be in 1000..768000 Hz, got {samplerate!r}")
    _check_file(source)
    if source.suffix.lower() in ENGINE_DECODED:
        audio, rate = _core.load_audio(os.fspath(source), None if samplerate is None else int(samplerate))
        return audio, rate
    audio, rate = _read_libsndfile(source)
    if samplerate is not None and samplerate != rate:
        return _core.resample(audio, rate, int(samplerate)), int(samplerate)
    return audio, rate


def probe_audio(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """Channels, sample rate (Hz) and frames (at that rate) of an audio file in any format
    :func:`read_audio` reads, from its header and without decoding it: the frames the
    engine's decoder yields (what a streamed session clip plays). Errors as
    :func:`read_audio`'s."""
    source = Path(path)
    _check_file(source)
    return _core.probe_audio(os.fspath(source))


def _check_file(source: Path) -> None:
    if not source.exists():
        raise FileNotFoundError(f"cannot read {source}: it does not exist")
    if source.is_dir():
        raise IsADirectoryError(f"cannot read {source}: it is a folder")
    if source.stat().st_size == 0:
        raise ValueError(f"cannot read {source}: the file is empty")


def _read_libsndfile(source: Path) -> tuple[NDArray[np.float32], int]:
    """``source`` read whole through libsndfile, its truncation and samples checked."""
    try:
        with sf.SoundFile(os.fspath(source)) as f:
            declared = _declared_frames(source, f)
            data = f.read(dtype="float32", always_2d=True)
            rate = int(f.samplerate)
    except (sf.LibsndfileError, RuntimeError) as err:
        raise ValueError(f"cannot read {source}: {err}") from err
    frames = data.shape[0]
    if declared is not None and frames < declared:
        raise ValueError(
            f"cannot read {source}: it is truncated: its header declares {declared} frames but "
            f"only {frames} are there"
        )
    if not np.all(np.isfinite(data)):
        raise ValueError(f"cannot read {source}: it holds NaN or infinite samples")
    return np.ascontiguousarray(data.T), rate


#: Bits of the PCM subtypes.
PCM_BITS = {"PCM_16": 16, "PCM_24": 24, "PCM_32": 32}


def _samples(
    data: NDArray[np.float32], subtype: str
) -> NDArray[np.float32] | NDArray[np.int32] | NDArray[np.int16]:
    """What soundfile writes for ``subtype``: PCM is quantized here (round to nearest, full
    scale = 2 ** (bits - 1), clipped), so reading a file back gives exactly the quantized
    values (libsndfile's own float conversion scales writes and reads differently)."""
    bits = PCM_BITS.get(subtype)
    if bits is None:
        return data
    scale = 2.0 ** (bits - 1)
    ints = np.clip(np.round(data.astype(np.float64) * scale), -scale, scale - 1)
    if bits == 16:
        return ints.astype(np.int16)
    # 24 and 32 bits travel in int32 (soundfile takes the top 24 bits for PCM_24).
    return (ints * 2.0 ** (32 - bits)).astype(np.int32)


def _checked_audio(audio: ArrayLike, name: str) -> NDArray[np.float32]:
    """``audio`` as C-ordered float32 (channels, frames), or an error naming ``name``."""
    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 1:
        data = data[np.newaxis, :]
    if data.ndim != 2 or data.shape[0] == 0:
        raise ValueError(f"{name} must have shape (channels, frames) or (frames,), got {np.shape(audio)}")
    if data.shape[0] > 256:
        raise ValueError(f"{name} has {data.shape[0]} channels (at most 256): is it (frames, channels)?")
    bad = np.size(data) - np.count_nonzero(np.isfinite(data))
    if bad:
        raise ValueError(f"{name} holds {bad} NaN or infinite samples")
    return np.ascontiguousarray(data)


def _declared_frames(path: Path, f: sf.SoundFile) -> int | None:
    """Frames the file's header declares, where libsndfile trusts the data it finds instead
    (WAV and AIFF, whose reader shortens a truncated file without a word); elsewhere the
    decoder's own count."""
    if f.format in ("WAV", "WAVEX"):
        return _riff_frames(path)
    if f.format == "AIFF":
        return _aiff_frames(path)
    return int(f.frames) if f.frames > 0 else None


def _riff_frames(path: Path) -> int | None:
    """Frames in the data chunk of a RIFF/WAVE file as its header declares them."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        block_align, data_bytes = None, None
        while data_bytes is None:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return None
            cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"fmt ":
                fmt = fh.read(size)
                block_align = struct.unpack("<H", fmt[12:14])[0] if len(fmt) >= 14 else None
                fh.seek(size % 2, os.SEEK_CUR)
            elif cid == b"data":
                data_bytes = size
            else:
                fh.seek(size + size % 2, os.SEEK_CUR)
    if not block_align or data_bytes in (0, 0xFFFFFFFF):  # unknown size (streamed) or RF64
        return None
    return int(data_bytes // block_align)


def _aiff_frames(path: Path) -> int | None:
    """Sample frames an AIFF file's COMM chunk declares."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"FORM" or head[8:12] not in (b"AIFF", b"AIFC"):
            return None
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return None
            cid, size = chunk[:4], struct.unpack(">I", chunk[4:])[0]
            if cid == b"COMM":
                comm = fh.read(size)
                return int(struct.unpack(">I", comm[2:6])[0]) if len(comm) >= 6 else None
            fh.seek(size + size % 2, os.SEEK_CUR)
