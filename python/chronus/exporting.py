"""Exports of graphs and sessions to files, with the options they share: a loudness target
and true-peak ceiling (:mod:`chronus.loudness`) and progress reporting
(:mod:`chronus.progress`). ``Session.export``, ``Session.export_stems`` and
``chronus.render(..., out=)`` come here."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import _core
from .graph import Graph
from .loudness import LoudnessReport, Scaled, check_targets, render_normalized
from .progress import Progress, ProgressArg


def export_graph(
    graph: Graph,
    seconds: float,
    samplerate: int,
    out: str | os.PathLike[str],
    *,
    subtype: str | None = None,
    lufs: float | None = None,
    true_peak_db: float | None = None,
    progress: ProgressArg = None,
    blocksize: int | None = None,
    smoothing: float | None = None,
    input: np.ndarray | None = None,
) -> LoudnessReport | Path:
    """Streams ``seconds`` of ``graph`` into ``out``; with ``lufs`` or ``true_peak_db``
    normalized in two passes (returns the :class:`chronus.loudness.LoudnessReport`),
    otherwise in one (returns the path)."""
    from .render import DEFAULT_BLOCKSIZE, DEFAULT_SMOOTHING, _job
    from .stream import render_to_file

    check_targets(lufs, true_peak_db)
    subtype = _subtype(subtype)
    args = _job(
        graph,
        seconds,
        samplerate,
        DEFAULT_BLOCKSIZE if blocksize is None else blocksize,
        DEFAULT_SMOOTHING if smoothing is None else smoothing,
        input,
    )
    if lufs is not None or true_peak_db is not None:
        return render_normalized(
            lambda: _core.Renderer(*args),
            out,
            samplerate,
            subtype=subtype,
            lufs=lufs,
            true_peak_db=true_peak_db,
            progress=progress,
        )
    source = _core.Renderer(*args)
    bar = Progress.make(progress, source.remaining, samplerate, label=Path(out).name)
    path = render_to_file(Scaled(source, 1.0, bar), out, samplerate, subtype)
    if bar is not None:
        bar.finish()
    return path


def _subtype(subtype: str | None) -> str | None:
    """A subtype's short name ("16", "24", "32f") as libsndfile's ("PCM_16", ...)."""
    from .audio import SUBTYPE_NAMES

    return None if subtype is None else SUBTYPE_NAMES.get(subtype.lower(), subtype.upper())


def exported_path(result: LoudnessReport | Path) -> Path:
    """The file an export wrote."""
    return result.path if isinstance(result, LoudnessReport) else result


def export_stems(
    stems: list[tuple[Graph, Path]],
    mix: Graph | None,
    seconds: float,
    samplerate: int,
    *,
    subtype: str | None = None,
    lufs: float | None = None,
    true_peak_db: float | None = None,
    progress: ProgressArg = None,
) -> list[Path]:
    """Streams each ``(graph, path)`` of ``stems``; with ``lufs`` or ``true_peak_db`` all
    with one gain: the one normalizing ``mix`` to ``lufs``, lowered so that no stem's
    (nor the mix's) true peak passes ``true_peak_db``."""
    from .loudness import LoudnessMeter, gain_for
    from .render import DEFAULT_BLOCKSIZE, DEFAULT_SMOOTHING, _job
    from .stream import CHUNK, render_to_file

    check_targets(lufs, true_peak_db)
    subtype = _subtype(subtype)
    jobs = [_job(g, seconds, samplerate, DEFAULT_BLOCKSIZE, DEFAULT_SMOOTHING, None) for g, _ in stems]
    normalize = lufs is not None or true_peak_db is not None
    frames = round(seconds * samplerate)
    measured = jobs + (
        [_job(mix, seconds, samplerate, DEFAULT_BLOCKSIZE, DEFAULT_SMOOTHING, None)] if mix else []
    )
    passes = len(jobs) + (len(measured) if normalize else 0)
    bar = Progress.make(progress, passes * frames, samplerate, label="stems")
    gain = 0.0
    if normalize:
        meters = []
        for args in measured:
            source = _core.Renderer(*args)
            meter = LoudnessMeter(samplerate, source.channels)
            while (block := source.next(CHUNK)).shape[1]:
                meter.add(block)
                if bar is not None:
                    bar.advance(block.shape[1])
            meters.append(meter)
        reference = meters[-1] if mix is not None else None
        gain = gain_for(reference, meters, lufs, true_peak_db)
    written = []
    for args, (_, path) in zip(jobs, stems, strict=True):
        written.append(
            render_to_file(Scaled(_core.Renderer(*args), 10 ** (gain / 20), bar), path, samplerate, subtype)
        )
    if bar is not None:
        bar.finish()
    return written
