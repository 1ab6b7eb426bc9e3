"""The clip player node's builder (mixed into :class:`chronus.Graph`): a region of a
recording, from a file or an array, started by its gate. Its class, :class:`chronus.nodes.Clip`,
is generated from the engine's spec; the builder is written here because its source is
structured (a file read and converted to the graph's rate, an array, or a file streamed from
disk)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .audio import read_audio
from .nodes import Clip, NodeBuilders
from .signal import ParamValue

#: The sample rate a clip is converted to unless told otherwise, Hz (as :func:`chronus.render`).
DEFAULT_SAMPLERATE = 48_000


def clip_frames(
    source: str | os.PathLike[str] | NDArray[np.floating], samplerate: int
) -> NDArray[np.float32]:
    """``source`` as the clip node's ``data`` option: a file read and converted to
    ``samplerate`` Hz, or an array of shape (channels, frames) or (frames,) already at that
    rate; returned as C-ordered float32 of shape (frames, channels)."""
    if isinstance(source, np.ndarray):
        audio = np.asarray(source, dtype=np.float32)
        if audio.ndim == 1:
            audio = audio[np.newaxis, :]
    else:
        audio, _ = read_audio(source, samplerate)
    if audio.ndim != 2 or audio.shape[1] == 0 or not 1 <= audio.shape[0] <= 8:
        raise ValueError(f"a clip's audio must have shape (channels 1..8, frames > 0), got {audio.shape}")
    if not np.all(np.isfinite(audio)):
        raise ValueError("a clip's audio holds NaN or infinite samples")
    return np.ascontiguousarray(audio.T)


class ClipNodes(NodeBuilders):
    """The builder of clip player nodes (mixed into :class:`chronus.Graph`)."""

    def clip(
        self,
        source: str | os.PathLike[str] | NDArray[np.floating],
        *,
        samplerate: int = DEFAULT_SAMPLERATE,
        gate: ParamValue = 0.0,
        gain_db: ParamValue = 0.0,
        offset: float = 0.0,
        length: float | None = None,
        start: float = 0.0,
        loop: bool = False,
        reverse: bool = False,
        fade_in: float = 0.0,
        fade_out: float = 0.005,
        stretch: ParamValue | None = None,
        semitones: ParamValue | None = None,
        stream: bool = False,
        align: bool = False,
        name: str | None = None,
    ) -> Clip:
        """A clip player: plays a region of ``source`` from the exact frame its gate rises.

        Args:
            source: an audio file (any format :func:`chronus.read_audio` reads, converted
                to ``samplerate``) or audio already at ``samplerate``, shape (channels,
                frames) or (frames,).
            samplerate: the rate the graph will run at, Hz.
            gate: a rise above 0.5 starts the region from its first frame; a fall fades it out.
            gain_db: gain in dB (smoothed).
            offset: start of the region in the recording, seconds.
            length: length of the region, seconds (None: to the end).
            start: seconds of the region counted as played when the gate rises: a start
                resumes there (a loop carries on at that phase, fades as if it had played
                them); not for a stream (give it a later ``offset``).
            loop: repeat the region without a gap while the gate is up.
            reverse: play the region backwards.
            fade_in: equal-power fade at the start, seconds.
            fade_out: equal-power fade, seconds: ends at the end of an unlooped region and
                starts when the gate falls.
            stretch: time-stretch ratio (1.25 plays 25 % longer at the same pitch) and
            semitones: pitch shift at the same length; either one runs the clip through
                Signalsmith Stretch, which delays it by ``g.info()["latency"][node.id]`` frames.
            stream: stream the file from disk instead of loading it (long files: memory stays
                bounded, about 6 s of audio per clip; forwards once, no loop or reverse;
                formats the engine decodes: WAV, AIFF, FLAC, OGG/Vorbis, Opus, MP3, M4A).
            align: with ``stretch`` or ``semitones``, run the stretcher ahead through its
                latency at each start, so the region's first frame plays on the gate's
                frame (no latency; a few hops are computed in the gate's block).
        """
        options: dict[str, object] = {}
        if stream:
            if isinstance(source, np.ndarray):
                raise ValueError("clip: stream=True needs a file, not an array")
            if loop or reverse or start:
                raise ValueError(
                    "clip: a streamed clip plays forwards once from its offset; load it (stream=False) "
                    "to loop, reverse or start into it"
                )
            options["file"] = os.fspath(Path(source).resolve())
        else:
            options["data"] = clip_frames(source, samplerate)
        stretched = stretch is not None or semitones is not None
        options |= {
            "offset": round(offset * samplerate),
            "length": 0 if length is None else max(1, round(length * samplerate)),
            "start": round(start * samplerate),
            "loop": "on" if loop else "off",
            "reverse": "on" if reverse else "off",
            "fade_in": fade_in,
            "fade_out": fade_out,
            "stretcher": ("aligned" if align else "on") if stretched else "off",
        }
        params: dict[str, ParamValue] = {"gate": gate, "gain": gain_db}
        if stretch is not None:
            params["stretch"] = stretch
        if semitones is not None:
            params["semitones"] = semitones
        return self._add(Clip, {}, params, options, name)
