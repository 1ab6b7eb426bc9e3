"""What a big live edit costs the audio thread: the worst callback while a 10,000-node graph
is edited, against the worst callback of the same graph left alone.

The graph is 5,000 chains (a sine or a constant, scaled into the output): 10,000 nodes,
about 50 % load on JACK (or the null device) at 48 kHz / 256 frames (ballast lanes on one
extra oscillator can add load). Each edit adds one chain and swaps the graph in
with `update()` (edit_fade 5 ms: a crossfade transition, then its hand-over). The worst
callback of each window is read from the engine's callback-time histogram (5.5 % buckets).

    .venv/bin/python bench/edit_worst_callback.py [--backend jack] [--nodes 10000] [--edits 10]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import chronus as cx

SR = 48_000
BLOCK = 256


def bucket_upper_ms(i: int) -> float:
    """Upper edge of callback-time bucket ``i`` (log-spaced from 1 µs to 1 s, 256 buckets)."""
    return 1e-6 * 10 ** ((i + 1) / 256 * 6) * 1e3


def window_worst_ms(before: list[int], after: list[int]) -> float:
    """The worst callback between two histogram readings (upper edge of its bucket)."""
    grew = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if b > a]
    return bucket_upper_ms(grew[-1]) if grew else 0.0


def build(nodes: int, ballast: int) -> cx.Graph:
    """``nodes`` nodes in chains of two (a source scaled into the output): sines for 30 % of
    the chains, constants for the rest."""
    g = cx.Graph()
    chains = nodes // 2
    for i in range(chains):
        source = g.sine(100.0 + i % 1000) if i < 0.3 * chains else g.const(0.5)
        g.output(source * 1e-5)
    if ballast:
        g.output(g.lowpass(g.saw([55.0 + i * 0.01 for i in range(ballast)]), 800.0).sum() * 1e-5)
    return g


def measure(backend: str, nodes: int, edits: int, ballast: int) -> dict:
    g = build(nodes, ballast)
    core = None
    with cx.Engine(g, backend=backend, blocksize=BLOCK, samplerate=None if backend == "jack" else SR) as live:
        core = live._core
        time.sleep(1.5)  # first touches and warm-up
        h0 = core.snapshot()["callback_histogram"]
        x0 = live.stats()["xruns"]
        time.sleep(3.0)
        h1 = core.snapshot()["callback_histogram"]
        x1 = live.stats()["xruns"]
        load = live.stats()["load"]
        update_ms = []
        for e in range(edits):
            g.output(g.sine(2000.0 + e) * 1e-5)
            start = time.perf_counter()
            live.update()
            update_ms.append((time.perf_counter() - start) * 1e3)
            time.sleep(0.3)
        h2 = core.snapshot()["callback_histogram"]
        x2 = live.stats()["xruns"]
        deadline = live.stats()["deadline_ms"]
    return {
        "backend": backend,
        "nodes": len(g.nodes()),
        "load": load,
        "deadline_ms": deadline,
        "idle_worst_ms": window_worst_ms(h0, h1),
        "idle_xruns": x1 - x0,
        "edit_worst_ms": window_worst_ms(h1, h2),
        "edit_xruns": x2 - x1,
        "edits": edits,
        "update_ms": float(np.median(update_ms)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="jack")
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--ballast", type=int, default=0, help="saw+lowpass lanes added for load")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = [measure(args.backend, args.nodes, args.edits, args.ballast) for _ in range(args.runs)]
    for r in rows:
        print(
            f"{r['nodes']} nodes on {r['backend']}, load {100 * r['load']:.0f} %: worst callback "
            f"{r['idle_worst_ms']:.2f} ms idle ({r['idle_xruns']} xruns), {r['edit_worst_ms']:.2f} ms "
            f"during {r['edits']} edits ({r['edit_xruns']} xruns) of {r['deadline_ms']:.2f} ms; "
            f"update() {r['update_ms']:.1f} ms",
            flush=True,
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
