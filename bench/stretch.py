"""Time-stretch and pitch-shift cost: Chronus's clip stretcher (Signalsmith Stretch) against
pedalboard's ``time_stretch`` (Rubber Band) on the same input, in the same run.

The input is a minute of stereo music at 48 kHz (a MedleyDB mixture, converted and tiled).
Each case stretches it to 1.25 times its length at the same pitch, or shifts it 3 semitones
up at the same length. Chronus renders a clip through the engine (offline, blocks of 256
frames, exactly what plays live); pedalboard processes the array in one call. Figures are
seconds of input per second of wall time (x real time), the median of ``--runs`` runs taken
in turns.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pedalboard

import chronus as cx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import DATA

SR = 48_000
SOURCE = DATA / "mdb_drums" / "stems" / "MusicDelta_Rock" / "musdb_style" / "mixture.flac"


def music(seconds: float) -> np.ndarray:
    audio, _ = cx.read_audio(SOURCE, SR)
    reps = int(np.ceil(seconds * SR / audio.shape[1]))
    return np.ascontiguousarray(np.tile(audio, reps)[:, : round(seconds * SR)])


def chronus_stretch(audio: np.ndarray, stretch: float, semitones: float) -> float:
    g = cx.Graph()
    c = g.clip(audio, samplerate=SR, gate=1.0, stretch=stretch, semitones=semitones)
    g.output(c)
    seconds = audio.shape[1] / SR * stretch
    start = time.perf_counter()
    cx.render(g, seconds=seconds, samplerate=SR)
    return time.perf_counter() - start


def pedalboard_stretch(audio: np.ndarray, stretch: float, semitones: float, high_quality: bool) -> float:
    start = time.perf_counter()
    pedalboard.time_stretch(
        audio, SR, stretch_factor=1 / stretch, pitch_shift_in_semitones=semitones, high_quality=high_quality
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    audio = music(args.seconds)
    print(
        f"{args.seconds:g} s of stereo music at {SR} Hz, median of {args.runs}, x real time (input seconds)"
    )
    engines = {
        "Chronus (Signalsmith Stretch)": lambda s, p: chronus_stretch(audio, s, p),
        "pedalboard (Rubber Band), high_quality": lambda s, p: pedalboard_stretch(audio, s, p, True),
        "pedalboard (Rubber Band), fast": lambda s, p: pedalboard_stretch(audio, s, p, False),
    }
    for label, (stretch, semitones) in {"stretch 1.25": (1.25, 0.0), "+3 semitones": (1.0, 3.0)}.items():
        for engine in engines.values():
            engine(stretch, semitones)  # warm-up
        times: dict[str, list[float]] = {name: [] for name in engines}
        for _ in range(args.runs):
            for name, engine in engines.items():
                times[name].append(engine(stretch, semitones))
        print(label)
        for name, runs in times.items():
            speed = args.seconds / statistics.median(runs)
            print(f"  {name:40s} {speed:7.1f}x")


if __name__ == "__main__":
    main()
