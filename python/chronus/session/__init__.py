"""Sessions: audio files on tracks, clips that loop and stretch, buses, recording, export.

This package holds the parts built so far: :func:`load_audio` (the engine's decoder and
resampler, every format Chronus reads) and :func:`clip` (the clip player node on any graph).
"""

from .clip import clip
from .media import AudioFileError, load_audio

__all__ = ["AudioFileError", "clip", "load_audio"]
