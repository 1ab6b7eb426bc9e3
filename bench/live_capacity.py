"""How many reference voices the live engine sustains on the null backend.

The reference patch (N band-limited saws -> resonant lowpass 1500 Hz Q 2 -> ADSR, summed)
plays on the timer-paced null device at 48 kHz. For each block size the largest N whose mean
DSP load stays under 70% of real time is found by bisection on short probes, then confirmed
by a full run; the confirming run reports load, callback times and xruns.

    .venv/bin/python bench/live_capacity.py            # 30 s confirmations, block 64 and 256
    .venv/bin/python bench/live_capacity.py --quick    # 5 s confirmations
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import chronus as cx

SR = 48_000
TARGET_LOAD = 0.70


def reference(n: int) -> cx.Graph:
    g = cx.Graph()
    freqs = 55 * 2 ** (4 * np.arange(n) / n)
    env = g.adsr(gate=np.ones(n), attack=0.01, decay=0.1, sustain=0.7)
    g.output(((g.saw(freqs) >> g.lowpass(cutoff=1500, q=2)) * env).sum() * (1 / n))
    return g


def play(n: int, block: int, seconds: float) -> dict:
    with cx.Engine(reference(n), backend="null", blocksize=block, samplerate=SR) as live:
        time.sleep(0.5)  # let the envelopes settle and the first callbacks run
        before = live.stats()
        time.sleep(seconds)
        after = live.stats()
    busy = after["callback_mean_ms"] * after["callbacks"] - before["callback_mean_ms"] * before["callbacks"]
    played = (after["clock"] - before["clock"]) / SR * 1e3
    return {
        "voices": n,
        "block": block,
        "seconds": seconds,
        "load": busy / played if played else float("inf"),
        "callback_mean_ms": after["callback_mean_ms"],
        "callback_p99_ms": after["callback_p99_ms"],
        "callback_worst_ms": after["callback_worst_ms"],
        "deadline_ms": after["deadline_ms"],
        "xruns": after["xruns"] - before["xruns"],
    }


def capacity(block: int, probe: float, confirm: float) -> dict:
    lo, hi = 64, 64
    while play(hi, block, probe)["load"] < TARGET_LOAD:
        lo, hi = hi, hi * 2
    while hi - lo > max(16, lo // 32):
        mid = (lo + hi) // 2
        if play(mid, block, probe)["load"] < TARGET_LOAD:
            lo = mid
        else:
            hi = mid
    result = play(lo, block, confirm)
    while result["load"] >= TARGET_LOAD:  # the machine got busier: step down and confirm again
        lo = int(lo * 0.9)
        result = play(lo, block, confirm)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 s probes and 5 s confirmations")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    probe, confirm = (1.0, 5.0) if args.quick else (3.0, 30.0)
    results = [capacity(block, probe, confirm) for block in (64, 256)]
    print(f"reference voices on the null backend at {SR} Hz with mean load < {TARGET_LOAD:.0%}:")
    for r in results:
        print(
            f"  block {r['block']:4}: {r['voices']:6} voices | load {100 * r['load']:.1f}%"
            f" over {r['seconds']:.0f} s"
            f" | callback mean {r['callback_mean_ms']:.3f} ms, p99 {r['callback_p99_ms']:.3f} ms, worst"
            f" {r['callback_worst_ms']:.3f} ms of {r['deadline_ms']:.3f} ms | xruns {r['xruns']}"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
