"""Corpus analysis: every audio file under a folder into one Zarr store, on a local process
pool or a Dask cluster.

Each file becomes a group of the store (named by its path under the folder, ``/`` written
as ``:``) holding one group per feature as :mod:`chronus.record` writes them, with the
file's path, sample rate and duration as attributes. A file's group is marked complete
only once all of it is written, so a run that stops can be run again: complete files are
skipped, incomplete ones redone. A file that cannot be analyzed is reported and skipped
(the store's ``failed`` attribute lists it with the reason); the batch goes on. The store's
metadata is consolidated at the end.

Workers only analyze; the calling process writes the store, one file at a time.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .analysis import Analysis, _feature_options, analyze
from .record import CHUNK, ZarrRecorder, _zarr

#: File extensions taken as audio.
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff")


@dataclass
class CorpusReport:
    """What a corpus run did, by file (paths relative to the folder)."""

    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def audio_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Audio files under ``folder`` (recursively), sorted."""
    root = Path(folder)
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder")
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)


def _key(relative: str) -> str:
    return relative.replace("/", ":")


def _analyze_one(
    path: str, features: dict[str, dict[str, float | str]], causal: bool
) -> tuple[str, Analysis | None, str]:
    """Runs in a worker: (path, the analysis or None, the error message)."""
    try:
        return path, analyze(path, features, causal=causal), ""
    except Exception as err:  # a bad file is reported, never fatal to the batch
        return path, None, f"{type(err).__name__}: {err}"


def _results(
    paths: list[str],
    features: dict[str, dict[str, float | str]],
    causal: bool,
    scheduler: str | None,
    workers: int | None,
) -> Iterator[tuple[str, Analysis | None, str]]:
    if scheduler is not None:
        try:
            from distributed import Client
            from distributed import as_completed as dask_completed
        except ImportError:
            raise ImportError(
                "--scheduler needs dask's distributed scheduler: pip install 'dask[distributed]'"
            ) from None
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            futures = client.map(_analyze_one, paths, features=features, causal=causal, pure=False)
            for future in dask_completed(futures):  # type: ignore[no-untyped-call]
                yield future.result()
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        jobs = [pool.submit(_analyze_one, p, features, causal) for p in paths]
        for job in as_completed(jobs):
            yield job.result()


def analyze_corpus(
    folder: str | os.PathLike[str],
    store: str | os.PathLike[str],
    features: Sequence[str] | Mapping[str, Mapping[str, float | str]] = ("onsets", "beats", "pitch"),
    *,
    causal: bool = True,
    scheduler: str | None = None,
    workers: int | None = None,
    chunk: int = CHUNK,
    progress: bool = True,
) -> CorpusReport:
    """Analyzes every audio file under ``folder`` into the Zarr store ``store``.

    Args:
        features: as for :func:`chronus.analyze`.
        causal: as for :func:`chronus.analyze`.
        scheduler: address of a Dask scheduler (``tcp://host:port``) to run the analyses
            on; None: a local pool of ``workers`` processes (default: one per core).
        progress: print a progress line to stderr.
    """
    chosen = _feature_options(features)
    zarr = _zarr()
    root = Path(folder)
    files = audio_files(root)
    group = zarr.open_group(str(store), mode="a")
    group.attrs.update({"format": "chronus corpus 1", "features": list(chosen), "causal": causal})
    failed: dict[str, str] = dict(group.attrs.get("failed", {}))
    report = CorpusReport()
    todo: list[str] = []
    for file in files:
        relative = file.relative_to(root).as_posix()
        key = _key(relative)
        if key in group and group[key].attrs.get("complete", False):
            report.skipped.append(relative)
            continue
        if key in group:
            del group[key]
        todo.append(str(file))
    total = len(todo)
    for n, (path, result, error) in enumerate(_results(todo, chosen, causal, scheduler, workers), 1):
        relative = Path(path).relative_to(root).as_posix()
        if result is None:
            failed[relative] = error
            report.failed[relative] = error
            print(f"\nskipped {relative}: {error}", file=sys.stderr)
        else:
            _write(group, _key(relative), relative, result, chunk)
            failed.pop(relative, None)
            report.done.append(relative)
        if progress:
            bar = "#" * (30 * n // max(total, 1))
            print(f"\r[{bar:30s}] {n}/{total} {relative[-40:]:40s}", end="", file=sys.stderr, flush=True)
    if progress and total:
        print(file=sys.stderr)
    group.attrs["failed"] = failed
    with warnings.catch_warnings():  # zarr notes that consolidation is not in the v3 spec yet
        warnings.simplefilter("ignore", UserWarning)
        zarr.consolidate_metadata(str(store))
    return report


def _write(root: Any, key: str, relative: str, result: Analysis, chunk: int) -> None:
    """One file's analysis into group ``key`` of ``root``, marked complete last."""
    recorder = ZarrRecorder(root.create_group(key), chunk)
    recorder.annotate(path=relative, samplerate=result.samplerate, duration=result.duration, complete=False)
    for name, frames in result.items():
        recorder.add(name, frames.info)
        recorder.append(name, frames)
    recorder.close()
    recorder.annotate(complete=True)
