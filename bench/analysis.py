"""Analysis speed against librosa and essentia, side by side in one process, one thread each.

For each task, every engine runs over the same files (decoded once, mono float32, held in
memory) after one warm-up; the median of ``--runs`` timings counts, as x real time (seconds of
audio per second of work). The score of each engine on the task (mir_eval, as in
tests/test_analysis_accuracy.py) is printed beside its speed. Also: the live load of the
whole analyzer set (every kind on one input) at 256-frame blocks, from a render of the same
graph. The neural pitch backend (swift-f0) runs when the neural extra is installed.

    .venv/bin/python bench/analysis.py            # --runs 3 --data /work/shared/data
    .venv/bin/python bench/analysis.py --tasks pitch
"""

# ruff: noqa: E402  (the thread limits must be set before numpy and the engines load)
from __future__ import annotations

import os

# One thread for every engine: numpy/scipy BLAS, numba, essentia's own.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import importlib.util
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import mir_eval
import numpy as np

import chronus as cx
from chronus.analysis import FEATURES

REPO = Path(__file__).resolve().parent.parent
Estimator = Callable[[np.ndarray, int], np.ndarray]


def load(paths: list[Path]) -> list[tuple[str, np.ndarray, int]]:
    out = []
    for p in paths:
        audio, sr = cx.read_audio(p)
        out.append((p.name, np.ascontiguousarray(audio.mean(axis=0)), sr))
    return out


def timed(
    fn: Estimator, files: list[tuple[str, np.ndarray, int]], runs: int
) -> tuple[float, list[np.ndarray]]:
    """x real time (median of ``runs``, after a warm-up on the first file) and the results."""
    fn(files[0][1][: files[0][2] * 2], files[0][2])
    seconds = sum(len(x) / sr for _, x, sr in files)
    times, results = [], []
    for _ in range(runs):
        start = time.perf_counter()
        results = [fn(x, sr) for _, x, sr in files]
        times.append(time.perf_counter() - start)
    return seconds / statistics.median(times), results


def merged(times: np.ndarray, within: float = 0.03) -> np.ndarray:
    out: list[float] = []
    for t in np.sort(times):
        if not out or t - out[-1] > within:
            out.append(float(t))
    return np.array(out)


def onset_engines() -> dict[str, Estimator]:
    import librosa

    engines: dict[str, Estimator] = {
        "chronus onsets (causal)": lambda x, sr: cx.analyze(x, ["onsets"], samplerate=sr).onsets,
        "librosa onset_detect": lambda x, sr: librosa.onset.onset_detect(y=x, sr=sr, units="time"),
    }
    if importlib.util.find_spec("essentia"):
        import essentia.standard as es

        engines["essentia OnsetRate"] = lambda x, sr: np.asarray(es.OnsetRate()(x)[0])
    return engines


def beat_engines() -> dict[str, Estimator]:
    import librosa

    engines: dict[str, Estimator] = {
        "chronus beats (causal)": lambda x, sr: cx.analyze(x, ["beats"], samplerate=sr).beats,
        "chronus beats (offline)": lambda x, sr: cx.analyze(x, ["beats"], samplerate=sr, causal=False).beats,
        "librosa beat_track": lambda x, sr: librosa.beat.beat_track(y=x, sr=sr, units="time")[1],
    }
    if importlib.util.find_spec("essentia"):
        import essentia.standard as es

        engines["essentia RhythmExtractor2013"] = lambda x, sr: np.asarray(
            es.RhythmExtractor2013(method="multifeature")(x)[1]
        )
    return engines


def pitch_engines() -> dict[str, Estimator]:
    """Each returns rows of (time s, f0 Hz, voiced)."""
    import librosa

    def chronus(x: np.ndarray, sr: int) -> np.ndarray:
        p = cx.analyze(x, ["pitch"], samplerate=sr)["pitch"]
        return np.stack([p.times, p["f0"], p["voiced"]], axis=1)

    def pyin(x: np.ndarray, sr: int) -> np.ndarray:
        f0, voiced, _ = librosa.pyin(x, fmin=40, fmax=1600, sr=sr, frame_length=1024, hop_length=128)
        t = librosa.times_like(f0, sr=sr, hop_length=128)
        return np.stack([t, np.nan_to_num(f0), voiced], axis=1)

    def yin(x: np.ndarray, sr: int) -> np.ndarray:
        f0 = librosa.yin(x, fmin=40, fmax=1600, sr=sr, frame_length=1024, hop_length=128)
        return np.stack([librosa.times_like(f0, sr=sr, hop_length=128), f0, np.ones_like(f0)], axis=1)

    def swift_f0(x: np.ndarray, sr: int) -> np.ndarray:
        p = cx.analyze(x, ["pitch"], samplerate=sr, pitch_backend="swift-f0")["pitch"]
        return np.stack([p.times, p["f0"], p["voiced"]], axis=1)

    engines: dict[str, Estimator] = {"chronus pitch (causal)": chronus}
    if importlib.util.find_spec("swift_f0"):
        engines["chronus swift-f0 (neural, 1 thread)"] = swift_f0
    engines.update({"librosa pyin": pyin, "librosa yin": yin})
    if importlib.util.find_spec("essentia"):
        import essentia.standard as es

        def essentia_pyin(x: np.ndarray, sr: int) -> np.ndarray:
            f0, _ = es.PitchYinProbabilistic(frameSize=1024, hopSize=128, sampleRate=sr)(x)
            f0 = np.asarray(f0)
            t = np.arange(len(f0)) * 128 / sr
            return np.stack([t, np.abs(f0), f0 > 0], axis=1)

        engines["essentia PitchYinProbabilistic"] = essentia_pyin
    return engines


def mel_engines() -> dict[str, Estimator]:
    import librosa

    return {
        "chronus mel (2048/512, 128 bands)": lambda x, sr: (
            cx.analyze(x, ["mel"], samplerate=sr)["mel"].values
        ),
        "librosa melspectrogram": lambda x, sr: librosa.feature.melspectrogram(y=x, sr=sr),
    }


def score_onsets(refs: list[np.ndarray], results: list[np.ndarray]) -> str:
    f = [mir_eval.onset.f_measure(r, np.sort(e), window=0.05)[0] for r, e in zip(refs, results, strict=True)]
    return f"F(50 ms) {np.mean(f):.3f}"


def score_beats(refs: list[np.ndarray], results: list[np.ndarray]) -> str:
    trim = mir_eval.beat.trim_beats
    f = [mir_eval.beat.f_measure(trim(r), trim(np.asarray(e))) for r, e in zip(refs, results, strict=True)]
    return f"F(70 ms) {np.mean(f):.3f}"


def score_pitch(refs: list[np.ndarray], results: list[np.ndarray]) -> str:
    rpa = []
    for ref, est in zip(refs, results, strict=True):
        f0 = np.where(est[:, 2] > 0, est[:, 1], -est[:, 1])
        with warnings.catch_warnings():  # swift-f0's 16 ms frames fall on whole samples
            warnings.filterwarnings("ignore", "Non-uniform timescale", UserWarning)
            rv, rc, ev, ec = mir_eval.melody.to_cent_voicing(ref[:, 0], ref[:, 1], est[:, 0], f0)
        rpa.append(mir_eval.melody.raw_pitch_accuracy(rv, rc, ev, ec))
    return f"RPA {np.mean(rpa):.3f}"


def live_load(blocksize: int = 256, seconds: float = 30.0, samplerate: int = 48_000) -> float:
    """Share of real time the full analyzer set takes at ``blocksize`` (render of the graph)."""
    g = cx.Graph()
    src = g.noise() * 0.3
    for kind in FEATURES:
        getattr(g, kind)(src)
    g.output(src)
    cx.render(g, 1.0, samplerate, blocksize)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        cx.render(g, seconds, samplerate, blocksize)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("CHRONUS_DATA", "/work/shared/data")))
    ap.add_argument("--tasks", default="onsets,beats,pitch,mel", help="comma-separated subset to run")
    args = ap.parse_args()
    d = args.data
    drums = sorted((d / "mdb_drums" / "audio" / "drum_only").glob("*_Drum.flac"))
    onset_refs = [
        merged(
            np.loadtxt(
                d / "mdb_drums" / "annotations" / "class" / p.name.replace("_Drum.flac", "_class.txt"),
                usecols=0,
                ndmin=1,
            )
        )
        for p in drums
    ]
    mixes = [
        d / "mdb_drums" / "audio" / "full_mix" / f"MusicDelta_{n}_MIX.flac"
        for n in ("Reggae", "Rock", "Zeppelin")
    ]
    beat_refs = [
        np.loadtxt(d / "mdb_drums" / "annotations" / "beats" / p.name.replace(".flac", ".beats"), ndmin=2)[
            :, 0
        ]
        for p in mixes
    ]
    mixes.append(d / "ballroom" / "Media-105901.flac")
    beat_refs.append(np.loadtxt(d / "ballroom" / "Media-105901.beats", ndmin=2)[:, 0])
    voices = sorted((d / "synth_music21").glob("bach_bwv66.6_*.flac"))
    pitch_refs = [np.loadtxt(p.with_name(p.name.replace(".flac", ".f0.csv")), delimiter=",") for p in voices]
    tasks = [
        ("onsets: MDB drum-only mixes", drums, onset_engines(), onset_refs, score_onsets),
        ("beats: full mixes (MDB + ballroom)", mixes, beat_engines(), beat_refs, score_beats),
        ("pitch: synthetic chorale voices (bwv66.6)", voices, pitch_engines(), pitch_refs, score_pitch),
        ("mel spectrogram: MDB drum-only mixes", drums, mel_engines(), None, None),
    ]
    wanted = args.tasks.split(",")
    tasks = [t for t in tasks if t[0].split()[0].rstrip(":") in wanted]
    print(f"python {sys.version.split()[0]}, chronus {cx.__version__}, runs {args.runs}, one thread")
    for title, paths, engines, refs, score in tasks:
        files = load(paths)
        seconds = sum(len(x) / sr for _, x, sr in files)
        print(f"\n{title} ({len(files)} files, {seconds:.0f} s)")
        base = None
        for name, fn in engines.items():
            speed, results = timed(fn, files, args.runs)
            base = base or speed
            quality = score(refs, results) if score and refs is not None else ""
            print(f"  {name:34s} {speed:8.0f}x real time  ({speed / base:5.2f} of chronus)  {quality}")
    if "live" not in wanted and args.tasks != ap.get_default("tasks"):
        return
    load_256 = live_load()
    print(
        f"\nlive load of all {len(FEATURES)} analyzers on one input, 48 kHz, 256-frame blocks: "
        f"{100 * load_256:.1f}% of real time"
    )


if __name__ == "__main__":
    main()
