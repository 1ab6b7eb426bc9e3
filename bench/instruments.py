"""Instruments through the voice allocator: how many times faster than real time.

The reference patch: N voices, voice i a band-limited saw at 55 * 2 ** (4 i / N) Hz ->
resonant lowpass (1500 Hz, Q 2) -> ADSR (10 ms, 100 ms, 0.7, gate held) -> summed to mono;
10 s at 48 kHz in blocks of 256 frames. The saw, filter and envelope read the allocator's
frequency, gate and trigger, and N held notes play it.

Pitches: voice i must sound 48 i / N semitones above A1 (MIDI note 33), a fraction of a
semitone apart. Each note is the integer part, played on a MIDI channel whose pitch bend
(range 1 semitone) adds the fraction: with N dividing 768, 48 i / N is a whole number of
sixteenths, so 16 channels carry every fraction exactly (MPE style), and each (channel,
note) pair is distinct, so the N notes take N voices. The script checks the allocator's
frequencies against the formula before timing.

With ``--instruments`` it also times the other instruments at 64 held voices: the
4-operator FM synth and a 64-frame wavetable (notes over four octaves), a stereo sampler
(a TinySOL flute note looped with a crossfade, notes an octave either side of it; then the
same two to three octaves up, read from the recording's halved copies; each at the
three reading qualities) and the subtractive preset with its LFO on pitch and cutoff.

    .venv/bin/python bench/instruments.py                  # --voices 16 64 256 --runs 5
    .venv/bin/python bench/instruments.py --instruments
    .venv/bin/python bench/instruments.py --sampler --runs 5   # the sampler rows at each quality
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

# OpenBLAS spins idle threads after numpy uses it; they would compete with the engine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import chronus as cx
from chronus.nodes import Voices

SR = 48_000
BLOCK = 256
SECONDS = 10.0


def _data() -> Path:
    """The shared data folder, found as tests/conftest.py finds it: $CHRONUS_DATA,
    ../shared/data beside the checkout, or /work/shared/data."""
    repo = Path(__file__).resolve().parents[1]
    for c in (os.environ.get("CHRONUS_DATA"), repo.parent / "shared" / "data", "/work/shared/data"):
        if c and Path(c).is_dir():
            return Path(c)
    return repo.parent / "shared" / "data"


FLUTE = _data() / "tinysol" / "Fl-ord-C4-mf-N-T14d.flac"


def reference_notes(n: int) -> list[tuple[int, int, float]]:
    """(note, channel, bend) for voice i: note + bend = 33 + 48 i / n semitones."""
    if 768 % n:
        raise SystemExit(f"{n} voices: the pitch scheme needs a voice count dividing 768")
    sixteenths = [48 * 16 * i // n for i in range(n)]
    return [(33 + s // 16, s % 16, (s % 16) / 16) for s in sixteenths]


def play_reference(g: cx.Graph, v: Voices, n: int) -> None:
    for channel in range(16):
        g.bend(v, channel / 16, frame=0, channel=channel)
    for note, channel, _ in reference_notes(n):
        g.note(v, note, frame=0, channel=channel)


def reference(n: int) -> cx.Graph:
    g = cx.Graph()
    v = g.voices(n, bend_range=1.0)
    amp = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.01, decay=0.1, sustain=0.7)
    g.output((g.lowpass(g.saw(v.freq), cutoff=1500.0, q=2.0) * amp).sum())
    play_reference(g, v, n)
    return g


def direct(n: int) -> cx.Graph:
    """The reference patch without the allocator: per-lane frequencies and a held gate."""
    g = cx.Graph()
    amp = g.adsr(gate=[1.0] * n, attack=0.01, decay=0.1, sustain=0.7)
    g.output((g.lowpass(g.saw(55.0 * 2.0 ** (4 * np.arange(n) / n)), cutoff=1500.0, q=2.0) * amp).sum())
    return g


def check_pitches(n: int) -> float:
    """Largest deviation of the allocator's frequencies from 55 * 2 ** (4 i / n), in cents."""
    g = cx.Graph()
    v = g.voices(n, bend_range=1.0)
    g.output(v.freq)
    play_reference(g, v, n)
    freqs = cx.render(g, 0.01, SR, BLOCK)[:, -1]
    ideal = 55.0 * 2.0 ** (4 * np.arange(n) / n)
    return float(np.max(np.abs(1200 * np.log2(freqs / ideal))))


def held_notes(g: cx.Graph, v: Voices, n: int, low: int = 48, octaves: int = 4) -> None:
    """n held notes spread over `octaves` octaves from MIDI note `low`."""
    for i in range(n):
        g.note(v, low + (12 * octaves * i) // n, frame=0, channel=i % 16)


def fm(n: int) -> cx.Graph:
    g = cx.Graph()
    v = g.voices(n)
    ops = [cx.Operator(), cx.Operator(ratio=2.0, level=1.5, decay=2.0, sustain=0.3)]
    ops += [cx.Operator(ratio=3.0, level=0.5), cx.Operator(ratio=1.01, level=0.3)]
    g.output(g.fm(ops, algorithm=1, feedback=0.5, voices=v).sum())
    held_notes(g, v, n)
    return g


def wavetable(n: int) -> cx.Graph:
    g = cx.Graph()
    v = g.voices(n)
    t = np.arange(2048) / 2048
    frames = np.stack([np.sign(np.sin(2 * np.pi * t)) * (k / 63) + np.sin(2 * np.pi * t) for k in range(64)])
    osc = g.wavetable(frames, voices=v, position=g.sine(0.5) * 0.5 + 0.5)
    g.output(osc.sum())
    held_notes(g, v, n)
    return g


Quality = Literal["sinc", "cubic", "linear"]


def sampler(n: int, low: int = 48, octaves: int = 2, quality: Quality = "sinc") -> cx.Graph:
    recording, rate = cx.read_audio(FLUTE)
    stereo = np.stack([recording[0], recording[0]])
    zone = cx.Zone(stereo, rate, root=60, loop=(44_100, 200_000), crossfade=2000)
    g = cx.Graph()
    v = g.voices(n)
    g.output(g.sampler(zone, voices=v, quality=quality).sum(channels=2))
    held_notes(g, v, n, low=low, octaves=octaves)  # default: an octave either side of its pitch
    return g


def sampler_up(n: int, quality: Quality = "sinc") -> cx.Graph:
    """The sampler two to three octaves above the recording's pitch."""
    return sampler(n, low=84, octaves=1, quality=quality)


def sampler_rows(runs: int) -> None:
    """The sampler rows at each reading quality, 64 held voices."""
    for quality in ("sinc", "cubic", "linear"):
        for build in (sampler, sampler_up):
            wall, cpu = median_cpu_speed(lambda b=build, q=quality: b(64, quality=q), runs)
            print(f"  {build.__name__:12s} {quality:6s} {wall:6.1f}x real time ({cpu:.1f}x by CPU time)")


def subtractive(n: int) -> cx.Graph:
    g = cx.Graph()
    synth = g.subtractive(n, lfo_pitch=0.1, lfo_filter=0.5)
    g.output(synth)
    held_notes(g, synth.voices, n)
    return g


def median_speed(build: Callable[[], cx.Graph], runs: int) -> tuple[float, list[float]]:
    graph = build()
    cx.render(graph, 0.5, SR, BLOCK)  # warm-up: tables, caches
    speeds = []
    for _ in range(runs):
        start = time.perf_counter()
        cx.render(graph, SECONDS, SR, BLOCK)
        speeds.append(SECONDS / (time.perf_counter() - start))
    return statistics.median(speeds), speeds


def median_cpu_speed(build: Callable[[], cx.Graph], runs: int) -> tuple[float, float]:
    """Median times real time by the wall clock and by the process's CPU time (which a
    machine shared with other work inflates less)."""
    graph = build()
    cx.render(graph, 0.5, SR, BLOCK)
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        cx.render(graph, SECONDS, SR, BLOCK)
        wall.append(SECONDS / (time.perf_counter() - start))
        cpu.append(SECONDS / (time.process_time() - start_cpu))
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voices", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--instruments", action="store_true", help="also time the other instruments")
    parser.add_argument("--sampler", action="store_true", help="only the sampler rows, at each quality")
    args = parser.parse_args()
    if args.sampler:
        print(f"sampler, 64 held voices, median of {args.runs}")
        sampler_rows(args.runs)
        return
    print(f"reference patch through the voice allocator, {SECONDS:g} s at {SR} Hz, block {BLOCK}")
    for n in args.voices:
        cents = check_pitches(n)
        if cents > 0.01:
            sys.exit(f"{n} voices: pitches are off the formula by {cents:.4f} cents")
        median, speeds = median_speed(lambda n=n: reference(n), args.runs)
        runs = ", ".join(f"{s:.1f}" for s in speeds)
        print(f"  {n:4d} voices: {median:6.1f}x real time (runs: {runs}); pitches within {cents:.5f} cents")
        median, _ = median_speed(lambda n=n: direct(n), args.runs)
        print(f"             {median:6.1f}x for the same patch with its lanes set directly (no allocator)")
    if args.instruments:
        print(f"instruments, 64 held voices, median of {args.runs}")
        for build in (fm, wavetable, subtractive):
            median, _ = median_speed(lambda b=build: b(64), args.runs)
            print(f"  {build.__name__:12s} {median:6.1f}x real time")
        sampler_rows(args.runs)


if __name__ == "__main__":
    main()
