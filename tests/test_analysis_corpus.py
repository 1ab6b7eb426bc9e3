"""Corpus analysis: a folder of files into one Zarr store, resumable, bad files skipped,
the same store from a local process pool and from a Dask cluster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import chronus as cx

zarr = pytest.importorskip("zarr")

SR = 22_050


def make_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    (folder / "takes").mkdir(parents=True)
    t = np.arange(2 * SR) / SR
    for name, freq in (("a.wav", 220.0), ("takes/b.flac", 330.0), ("takes/c.wav", 440.0)):
        tone = 0.4 * np.sin(2 * np.pi * freq * t) * (np.sin(2 * np.pi * 2 * t) > 0)
        cx.write_audio(folder / name, tone.astype(np.float32), SR)
    (folder / "bad.wav").write_bytes(b"RIFF not really a wave file")
    (folder / "notes.txt").write_text("not audio: ignored")
    return folder


def arrays(store: Path) -> dict[str, np.ndarray]:
    root = zarr.open_group(str(store), mode="r")
    out = {}
    for key, group in root.groups():
        for name, feature in group.groups():
            for part in ("values", "clock", "times"):
                out[f"{key}/{name}/{part}"] = feature[part][:]
    return out


def test_a_folder_becomes_one_store_that_resumes_and_skips_bad_files(tmp_path, capsys):
    folder = make_corpus(tmp_path)
    store = tmp_path / "c.zarr"
    report = cx.corpus.analyze_corpus(folder, store, ["onsets", "pitch"], workers=2)
    assert sorted(report.done) == ["a.wav", "takes/b.flac", "takes/c.wav"] and not report.skipped
    assert list(report.failed) == ["bad.wav"] and "bad.wav" in capsys.readouterr().err
    root = zarr.open_consolidated(str(store), mode="r")
    assert root.attrs["failed"]["bad.wav"] == report.failed["bad.wav"]
    group = root["takes:b.flac"]
    assert group.attrs["path"] == "takes/b.flac" and group.attrs["complete"] is True
    expected = cx.analyze(folder / "takes" / "b.flac", ["onsets", "pitch"])
    assert np.array_equal(group["pitch"]["values"][:], expected["pitch"].values)
    assert np.array_equal(group["onsets"]["times"][:], expected["onsets"].times)
    # Run again: done files are skipped, the bad one is tried and reported again.
    again = cx.corpus.analyze_corpus(folder, store, ["onsets", "pitch"], workers=2, progress=False)
    assert not again.done and sorted(again.skipped) == sorted(report.done)
    assert list(again.failed) == ["bad.wav"]


def test_a_dask_cluster_writes_the_store_the_local_pool_writes(tmp_path):
    distributed = pytest.importorskip("distributed")
    folder = make_corpus(tmp_path)
    (folder / "bad.wav").unlink()
    local = cx.corpus.analyze_corpus(folder, tmp_path / "local.zarr", ["mel", "beats"], progress=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        remote = cx.corpus.analyze_corpus(
            folder, tmp_path / "dask.zarr", ["mel", "beats"], scheduler=address, progress=False
        )
    assert sorted(remote.done) == sorted(local.done) and len(local.done) == 3
    a, b = arrays(tmp_path / "local.zarr"), arrays(tmp_path / "dask.zarr")
    assert a.keys() == b.keys() and len(a) == 18
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_bad_folders_are_named(tmp_path):
    with pytest.raises(NotADirectoryError, match="nope"):
        cx.corpus.analyze_corpus(tmp_path / "nope", tmp_path / "x.zarr")


def test_chronus_analyze_of_a_folder_writes_the_store(tmp_path, capsys):
    from chronus.cli import main

    folder = make_corpus(tmp_path)
    store = tmp_path / "cli.zarr"
    assert main(["analyze", str(folder), "--features", "rms", "--zarr", str(store), "--workers", "1"]) == 0
    assert "3 files analyzed, 0 already there, 1 failed" in capsys.readouterr().out
    assert zarr.open_group(str(store), mode="r")["a.wav"]["rms"]["values"].shape[1] == 1
    assert main(["analyze", str(folder)]) == 1
    assert "--zarr" in capsys.readouterr().err
