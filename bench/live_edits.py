"""What a live edit costs: the control thread's time in ``update()`` (compiling the edited
graph, and with crossfades on also the transition between the two graphs) and how long
until the audio thread plays the edit and until its crossfade has handed over.

A graph of K chains (sine -> lowpass -> scale -> output) plays on the timer-paced null
device at 48 kHz / 256 frames; each edit adds one more chain and connects it to the output.
Median over the edits, with ``edit_fade`` 5 ms and 0 (swap at once) side by side. Then
the same edit on a graph holding a 16-voice wavetable of 64 frames of 2048 samples, whose
mip-maps the compiler builds once and shares while a node plays them.

    .venv/bin/python bench/live_edits.py
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import chronus as cx

SR = 48_000


def chain(g: cx.Graph, i: int) -> None:
    g.output(g.lowpass(g.sine(100.0 + i), 1000.0) * 0.001)


def wait_for(live: cx.Engine, key: str, value: int, timeout: float = 2.0) -> float:
    """Seconds until stats()[key] reaches value."""
    start = time.perf_counter()
    while live.stats()[key] < value:
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{key} never reached {value}")
        time.sleep(0.0002)
    return time.perf_counter() - start


def measure(chains: int, edit_fade: float, edits: int) -> dict:
    g = cx.Graph()
    for i in range(chains):
        chain(g, i)
    update, heard, handed = [], [], []
    with cx.Engine(g, backend="null", blocksize=256, samplerate=SR, edit_fade=edit_fade) as live:
        time.sleep(0.2)
        for e in range(edits):
            swaps, fades = live.stats()["swaps"], live.stats()["crossfades"]
            chain(g, chains + e)
            start = time.perf_counter()
            live.update()
            update.append(time.perf_counter() - start)
            heard.append(update[-1] + wait_for(live, "swaps", swaps + 1))
            if edit_fade:
                handed.append(update[-1] + wait_for(live, "crossfades", fades + 1))
            time.sleep(0.02)
    row = {
        "chains": chains,
        "edit_fade_ms": edit_fade * 1e3,
        "update_ms": float(np.median(update) * 1e3),
        "heard_ms": float(np.median(heard) * 1e3),
    }
    if handed:
        row["handed_over_ms"] = float(np.median(handed) * 1e3)
    return row


def wavetable_graph() -> tuple[cx.Graph, float]:
    """A 16-voice wavetable of 64 frames (2048 samples each) and its cold compile time (s)."""
    g = cx.Graph()
    v = g.voices(16)
    n = np.arange(2048 * 64)
    table = np.sin(2 * np.pi * n / 2048 * (1 + n // 2048 / 8)).astype(np.float32)
    g.output(g.wavetable(table, voices=v, frame_size=2048).sum() * 0.1)
    start = time.perf_counter()
    g.info()
    return g, time.perf_counter() - start


def measure_wavetable(edits: int) -> dict:
    g, cold = wavetable_graph()
    times = []
    with cx.Engine(g, backend="null", blocksize=256, samplerate=SR) as live:
        for e in range(edits):
            chain(g, e)
            start = time.perf_counter()
            live.update()
            times.append(time.perf_counter() - start)
            time.sleep(0.02)
    return {"wavetable_cold_compile_ms": cold * 1e3, "wavetable_update_ms": float(np.median(times) * 1e3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--chains", type=int, nargs="+", default=[10, 100, 500])
    args = parser.parse_args()
    rows = []
    for k in args.chains:
        for fade in (0.005, 0.0):
            rows.append(measure(k, fade, args.edits))
            r = rows[-1]
            print(
                f"{k:4d} chains, edit_fade {r['edit_fade_ms']:.0f} ms: update() {r['update_ms']:.2f} ms, "
                f"heard after {r['heard_ms']:.2f} ms"
                + (f", handed over after {r['handed_over_ms']:.2f} ms" if "handed_over_ms" in r else ""),
                flush=True,
            )
    table = measure_wavetable(args.edits)
    print(
        f"wavetable graph: cold compile {table['wavetable_cold_compile_ms']:.1f} ms, "
        f"update() {table['wavetable_update_ms']:.2f} ms"
    )
    print(json.dumps([*rows, table]))


if __name__ == "__main__":
    main()
