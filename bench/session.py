"""A mixing session's cost: offline render speed and live DSP load on JACK.

The session: 8 tracks, each a MedleyDB stem (bass, drums, other, vocals of two songs from
the shared data, 44.1 kHz converted to 48 kHz) placed as two clips (the whole stem at 0 s,
and its first 8 s again later), each track through a 4-band EQ and a compressor, with two
post-fader sends to buses holding a reverb and a delay; plus a loops track of 20 looped
two-beat slices of a ballroom recording (84 bpm) stretched to the session's 120 bpm, each
at its own offset into the file. Everything sums to a master with a limiter (5 ms lookahead,
compensated: every track is delayed to match).

Offline: ``cx.render(session, seconds)`` in blocks of 256, the graph compiled in the call
(as ``Session.export`` does), the median of ``--runs`` runs; "x real time" is the seconds
rendered over the wall time, and over the process's CPU time (which other processes on a
shared machine do not inflate). Live: ``cx.Engine(session, backend="jack", blocksize=256)``
on the running JACK server (dummy driver, 256 frames), its mean DSP load (time spent in the
callback over the time played, as bench/live_capacity.py computes it), callback times and
xruns over ``--live`` seconds, after 2 s of warm-up; the worst callback and the xruns of
the first second (where the 20 loops start); then the 20 loops are stopped on a bar, left
idle at least 2 s, and launched again on one bar: the worst callback of the 2.5 s around that launch
(the upper edge of its bucket in the engine's callback-time histogram, within 5.5 %) and
its xruns.

    ./scripts/jack-dummy.sh start        # JACK_DEFAULT_SERVER names the server
    .venv/bin/python bench/session.py    # --seconds 30 --runs 5 --live 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import chronus as cx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import DATA

SR = 48_000
BLOCK = 256
STEMS = [
    DATA / "mdb_drums" / "stems" / song / "musdb_style" / f"{part}.flac"
    for song in ("MusicDelta_Rock", "MusicDelta_Reggae")
    for part in ("bass", "drums", "other", "vocals")
]
LOOPS = DATA / "ballroom" / "Media-105901.flac"
LOOPS_BPM = 84.0


def eq_and_compressor(g: cx.Graph, x: cx.Signal) -> cx.Signal:
    """A track's channel strip: 4-band EQ, then a compressor."""
    eq = g.eq(
        x,
        bands=[
            ("lowcut", 40, 12),
            ("peak", 300, -2.0, 1.0),
            ("peak", 3000, 1.5, 0.8),
            ("highshelf", 10000, 1.0),
        ],
    )
    return g.compressor(eq, threshold=-18.0, ratio=3.0, attack=0.01, release=0.15)


def session(loops: bool = True) -> cx.Session:
    s = cx.Session(samplerate=SR, bpm=120)
    verb = s.bus("verb", fx=("reverb", {"decay": 1.8, "mix": 1.0}))
    echo = s.bus("echo", fx=("delay", {"time": 0.375, "feedback": 0.35, "mix": 1.0}))
    for i, stem in enumerate(STEMS):
        track = s.track(
            f"{stem.parent.parent.name[11:].lower()}_{stem.stem}", gain_db=-6.0, pan=-0.6 + 0.15 * i
        )
        track.clip(stem, at=0.0)
        track.clip(stem, at=16.0, length=8.0, fade_in=0.01)
        track.fx(eq_and_compressor)
        track.send(verb, -14.0)
        track.send(echo, -18.0)
    s.master.fx(("limiter", {"ceiling": -0.3, "lookahead": 0.005}))
    if not loops:
        return s
    loops_track = s.track("loops", gain_db=-18.0)
    beats = 2.0
    slice_seconds = beats * 60.0 / LOOPS_BPM
    for i in range(20):
        loops_track.clip(
            LOOPS, beat=0, offset=1.0 + i * slice_seconds, length=slice_seconds, loop=True, bpm=LOOPS_BPM
        )
    return s


def render_speed(s: cx.Session, seconds: float, runs: int) -> dict:
    cx.render(s, seconds=1.0, blocksize=BLOCK)  # warm-up: files read, pages touched
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        cx.render(s, seconds=seconds, blocksize=BLOCK)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    start = time.perf_counter()
    graph = s.graph()
    compile_s = time.perf_counter() - start
    return {
        "x_real_time": seconds / statistics.median(times),
        "x_real_time_cpu": seconds / statistics.median(cpu),
        "runs": [round(seconds / t, 1) for t in times],
        "graph_seconds": compile_s,
        "nodes": len(graph.nodes()),
        "latency_frames": s.latency(),
    }


def worst_between(before: dict, after: dict) -> float:
    """The worst callback (ms) between two engine snapshots: the upper edge of the highest
    histogram bucket (1 us to 1 s, log-spaced) that gained a callback."""
    gained = [a - b for a, b in zip(after["callback_histogram"], before["callback_histogram"], strict=True)]
    top = max((i for i, n in enumerate(gained) if n > 0), default=-1)
    buckets = len(gained)
    return 1e-3 * 10 ** ((top + 1) / buckets * 6.0) if top >= 0 else 0.0


def relaunch(live: cx.Engine, loops: list[cx.Clip]) -> dict:
    """Stops ``loops`` on a bar, leaves them idle at least 2 s (4 s after the stop is sent, a
    bar at 120 bpm being 2 s), launches them again on one bar."""
    for clip in loops:
        live.stop(clip, quantize="bar")
    time.sleep(4.0)
    # The engine's raw snapshot: stats() leaves the callback-time histogram out.
    before = live._core.snapshot()
    for clip in loops:
        live.launch(clip, quantize="bar")
    time.sleep(2.5)
    after = live._core.snapshot()
    return {
        "relaunch_worst_ms": worst_between(before, after),
        "relaunch_xruns": after["xruns"] - before["xruns"],
    }


def live_load(s: cx.Session, seconds: float) -> dict:
    with cx.Engine(s, backend="jack", blocksize=BLOCK, connect=False) as live:
        time.sleep(1.0)
        start = live.stats()
        time.sleep(1.0)
        before = live.stats()
        time.sleep(seconds)
        after = live.stats()
        device_block = live.info["device_block"]
        loops = [t for t in s.tracks if t.name == "loops"]
        again = relaunch(live, loops[0].clips) if loops else {}
    busy = after["callback_mean_ms"] * after["callbacks"] - before["callback_mean_ms"] * before["callbacks"]
    played = (after["clock"] - before["clock"]) / SR * 1e3
    return {
        "load": busy / played,
        "device_block": device_block,
        "callback_mean_ms": after["callback_mean_ms"],
        "callback_p99_ms": after["callback_p99_ms"],
        "callback_worst_ms": after["callback_worst_ms"],
        "deadline_ms": after["deadline_ms"],
        "xruns": after["xruns"] - before["xruns"],
        "late_callbacks": after["late_callbacks"] - before["late_callbacks"],
        "start_worst_ms": start["callback_worst_ms"],
        "start_xruns": start["xruns"],
        **again,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds rendered per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--live", type=float, default=20.0, help="seconds of live play measured (0: skip)")
    parser.add_argument("--without-loops", action="store_true", help="leave the 20 stretched loops out")
    args = parser.parse_args()
    s = session(loops=not args.without_loops)
    offline = render_speed(s, args.seconds, args.runs)
    print(
        f"session: {len(s.tracks)} tracks ({sum(len(t.clips) for t in s.tracks)} clips, "
        f"{0 if args.without_loops else 20} stretched loops), "
        f"{len(s.buses)} buses, {offline['nodes']} nodes, latency {offline['latency_frames']} frames"
    )
    print(f"graph built and compiled in {offline['graph_seconds'] * 1e3:.0f} ms")
    print(
        f"render ({args.seconds:g} s, blocks of {BLOCK}): {offline['x_real_time']:.1f}x real time "
        f"(median; runs {offline['runs']}); on CPU time {offline['x_real_time_cpu']:.1f}x"
    )
    if args.live > 0:
        live = live_load(s, args.live)
        print(
            f"live on JACK ({live['device_block']} frames, {args.live:g} s): load {live['load']:.1%}, "
            f"callback mean {live['callback_mean_ms']:.2f} ms, p99 {live['callback_p99_ms']:.2f} ms, "
            f"worst {live['callback_worst_ms']:.2f} ms of {live['deadline_ms']:.2f} ms; "
            f"xruns {live['xruns']}, late callbacks {live['late_callbacks']}; first second: worst "
            f"callback {live['start_worst_ms']:.2f} ms, xruns {live['start_xruns']}"
        )
        if "relaunch_worst_ms" in live:
            print(
                f"20 loops stopped, idle 2 s or more, launched on one bar: worst callback "
                f"{live['relaunch_worst_ms']:.2f} ms, xruns {live['relaunch_xruns']}"
            )


if __name__ == "__main__":
    main()
