"""What loudness normalization costs an export: a 3-minute session exported to 24-bit FLAC
plainly (one pass) and normalized to -14 LUFS under a -1 dBTP ceiling (two passes: the
render measured, then rendered again and written with one gain), in the same run, in turns
whose order alternates. Also the meter alone (BS.1770-4 loudness and 4x true peak) over the
same audio held in memory. Figures are seconds of audio per second of wall time (x real
time), the median of ``--runs`` runs.

The session: a stereo pad (two detuned sines) and a noise-burst drum track, looped clips
for the whole length, the drums through a compressor, both sent to a reverb bus.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import chronus as cx
from chronus.loudness import LoudnessMeter

SR = 48_000


def session(folder: Path, seconds: float) -> cx.Session:
    rng = np.random.default_rng(1)
    t = np.arange(4 * SR) / SR
    pad = 0.15 * np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 221.5 * t)])
    cx.write_audio(folder / "pad.wav", pad, SR)
    hits = np.zeros(SR // 2)
    hits[:4800] = 0.12 * rng.standard_normal(4800) * np.exp(-np.arange(4800) / 800)
    cx.write_audio(folder / "hit.wav", hits, SR)
    s = cx.Session(samplerate=SR, bpm=120)
    verb = s.bus("verb", fx=("reverb", {"decay": 1.8, "mix": 1.0}), gain_db=-6.0)
    pads = s.track("pad", gain_db=-3.0)
    pads.clip(folder / "pad.wav", loop=True, until=seconds)
    drums = s.track("drums", pan=0.2)
    drums.clip(folder / "hit.wav", loop=True, until=seconds)
    drums.fx(("compressor", {"threshold": -18.0, "ratio": 4.0}))
    pads.send(verb, -6.0)
    drums.send(verb, -12.0)
    return s


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        s = session(folder, args.seconds)
        plain = lambda: s.export(folder / "plain.flac", args.seconds, progress=False)  # noqa: E731
        normalized = lambda: s.export(  # noqa: E731
            folder / "norm.flac", args.seconds, lufs=-14.0, true_peak_db=-1.0, progress=False
        )
        audio = cx.render(s, args.seconds)

        def meter_only() -> None:
            m = LoudnessMeter(SR, audio.shape[0])
            for i in range(0, audio.shape[1], 65_536):
                m.add(audio[:, i : i + 65_536])
            m.integrated(), m.true_peak_db()

        times: dict[str, list[float]] = {"plain export": [], "normalized export": [], "meter alone": []}
        plain(), normalized()  # warm-up
        for run in range(args.runs):
            order = [("plain export", plain), ("normalized export", normalized)]
            for name, fn in order if run % 2 == 0 else order[::-1]:
                times[name].append(timed(fn))
            times["meter alone"].append(timed(meter_only))
        print(f"{args.seconds:g} s stereo at {SR} Hz, median of {args.runs} runs (x real time):")
        for name, values in times.items():
            speeds = [args.seconds / v for v in values]
            runs = ", ".join(f"{v:.1f}" for v in speeds)
            print(f"  {name:18s} {statistics.median(speeds):6.1f}x   runs: {runs}")
        ratio = statistics.median(times["normalized export"]) / statistics.median(times["plain export"])
        print(f"  normalized / plain wall time: {ratio:.2f}")
        m = LoudnessMeter(SR, 2)
        m.add(cx.read_audio(folder / "norm.flac")[0])
        print(f"  the normalized file: {m.integrated():.2f} LUFS, {m.true_peak_db():.2f} dBTP")


if __name__ == "__main__":
    main()
