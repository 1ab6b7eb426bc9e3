"""Effects chain benchmark: Chronus against pedalboard on the same input, in the same run.

The chain of the peers' survey: compressor (-20 dB, 4:1, 5 ms / 100 ms) -> chorus -> reverb,
over 60 s of stereo 48 kHz noise with a 0.5 Hz swell, processed in blocks of 256 frames.
Chronus runs it three times: with its default reverb (the FDN, ``g.reverb``), with the
FDN's line modulation on (``modulation=0.5``), and with its Freeverb-style one
(``g.freeverb``, the same algorithm as pedalboard's ``Reverb``).
After a warm-up, each engine runs ``--runs`` times, in rotating turns, and its median is
reported as "x real time" (seconds of audio per second of processing). Chronus generates
the noise and the swell inside its graph, so its time includes making the input; pedalboard
gets that very input as an array (rendered by Chronus beforehand, outside the timing).

    .venv/bin/python bench/effects_chain.py [--seconds 60] [--runs 5]
"""

from __future__ import annotations

import os

# numpy's OpenBLAS threads spin on the second core after use; keep them from competing with
# the engines being timed (neither engine uses BLAS).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
import pedalboard

import chronus as cx

SR = 48_000
BLOCK = 256


def source(g: cx.Graph) -> cx.Signal:
    """Stereo white noise whose level swells at 0.5 Hz (gain 0.05 to 0.95)."""
    return g.noise(channels=2, seed=1) * (0.5 + 0.45 * g.sine(0.5))


def chronus_chain(reverb: str, **options: float) -> cx.Graph:
    g = cx.Graph()
    x = g.compressor(source(g), threshold=-20.0, ratio=4.0, knee=0.0, attack=0.005, release=0.1)
    x = g.chorus(x, rate=1.0, depth=0.002, delay=0.007, mix=0.5)
    g.output(getattr(g, reverb)(x, decay=1.0, damping=0.5, width=1.0, mix=0.33, **options))
    return g


def pedalboard_chain() -> pedalboard.Pedalboard:
    return pedalboard.Pedalboard(
        [
            pedalboard.Compressor(threshold_db=-20.0, ratio=4.0, attack_ms=5.0, release_ms=100.0),
            pedalboard.Chorus(rate_hz=1.0, centre_delay_ms=7.0, mix=0.5),
            pedalboard.Reverb(room_size=0.5, damping=0.5, width=1.0, wet_level=0.33, dry_level=0.67),
        ]
    )


def timed(run: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = run()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="audio length in seconds (default 60)")
    parser.add_argument("--runs", type=int, default=5, help="runs per engine; the median counts (default 5)")
    args = parser.parse_args()

    g = cx.Graph()
    g.output(source(g))
    audio = cx.render(g, args.seconds, SR, BLOCK)  # (2, frames) float32, the shared input
    board = pedalboard_chain()
    engines: dict[str, Callable[[], np.ndarray]] = {
        "chronus, reverb (FDN)": lambda: cx.render(chronus_chain("reverb"), args.seconds, SR, BLOCK),
        "pedalboard": lambda: board(audio, SR, buffer_size=BLOCK, reset=True),
        "chronus, freeverb": lambda: cx.render(chronus_chain("freeverb"), args.seconds, SR, BLOCK),
        "chronus, FDN modulated": lambda: cx.render(
            chronus_chain("reverb", modulation=0.5), args.seconds, SR, BLOCK
        ),
    }
    for run in engines.values():
        run()  # warm-up: first-touch memory, caches, lazily built tables
    times: dict[str, list[float]] = {name: [] for name in engines}
    names = list(engines)
    for i in range(args.runs):
        # Rotate the order each round: whoever runs right after another engine pays for the
        # memory it left behind, so no engine should always be that one.
        for name in names[i % len(names) :] + names[: i % len(names)]:
            seconds, out = timed(engines[name])
            assert out.shape == audio.shape and np.all(np.isfinite(out)), name
            times[name].append(seconds)

    speed = {name: args.seconds / statistics.median(t) for name, t in times.items()}
    print(f"effects chain, {args.seconds:g} s stereo {SR} Hz, block {BLOCK}, median of {args.runs}")
    print(f"  {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, ", end="")
    print(f"pedalboard {pedalboard.__version__}, chronus {cx.__version__}")
    for name, x in speed.items():
        ratio = "" if name == "pedalboard" else f"  = {x / speed['pedalboard']:.2f}x pedalboard"
        runs = ", ".join(f"{t:.3f}" for t in times[name])
        print(f"  {name:24s} {x:5.0f}x real time{ratio:24s} (runs: {runs} s)")


if __name__ == "__main__":
    main()
