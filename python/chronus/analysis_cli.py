"""The analysis commands of ``chronus``: ``analyze`` (features of a file, as JSON) and the
apps: ``drum-trainer``, ``pitch-monitor``, ``record-features``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import corpus, drums, pitch_monitor, record
from .analysis import FEATURES, Analysis, Frame, analyze
from .neural import PITCH_BACKENDS


def _summary(name: str, result: Analysis) -> str:
    """One short reading of feature ``name``: counts, tempo, voiced share."""
    frames = result[name]
    if name == "beats":
        tempo = result.tempo
        return f"{len(frames)} beats" + (f" at {tempo:.1f} BPM" if tempo is not None else "")
    if name == "pitch":
        voiced = float((frames["voiced"] > 0).mean()) if len(frames) else 0.0
        return f"pitch {len(frames)} frames ({voiced:.0%} voiced)"
    if name == "notes":
        return f"{len(result.notes)} notes"
    return f"{len(frames)} {name}" + ("" if frames.info.hop == 0 else " frames")


def _cmd_analyze(args: argparse.Namespace) -> int:
    features = [f.strip() for f in args.features.split(",") if f.strip()]
    if Path(args.file).is_dir():
        if not args.zarr:
            raise ValueError(f"{args.file} is a folder: name the store to write with --zarr OUT.zarr")
        if args.pitch_backend != "yin":
            raise ValueError("--pitch-backend applies to one file; a folder is analyzed with the yin tracker")
        causal, scheduler, workers = not args.offline, args.scheduler, args.workers
        report = corpus.analyze_corpus(
            args.file, args.zarr, features, causal=causal, scheduler=scheduler, workers=workers
        )
        print(
            f"{args.zarr}: {len(report.done)} files analyzed, {len(report.skipped)} already there, "
            f"{len(report.failed)} failed" + "".join(f"\n  {k}: {v}" for k, v in report.failed.items())
        )
        return 0
    start = time.perf_counter()
    result = analyze(args.file, features, causal=not args.offline, pitch_backend=args.pitch_backend)
    elapsed = time.perf_counter() - start
    data: dict[str, Any] = result.to_json()
    if args.json == "-":
        json.dump(data, sys.stdout)
        sys.stdout.write("\n")
    elif args.json:
        Path(args.json).write_text(json.dumps(data))
    speed = result.duration / elapsed if elapsed > 0 else float("inf")
    line = (
        f"{args.file}: {result.duration:.2f} s at {result.samplerate:g} Hz | "
        + " | ".join(_summary(name, result) for name in result)
        + f" | {speed:.0f}x real time"
        + (f" | wrote {args.json}" if args.json and args.json != "-" else "")
    )
    print(line, file=sys.stderr if args.json == "-" else sys.stdout)
    return 0


def _cmd_drum_trainer(args: argparse.Namespace) -> int:
    if args.file:
        report = drums.drum_timing(args.file, args.bpm, subdivision=args.subdivision)
    else:

        def show(hit: float, error: float, so_far: drums.TimingReport) -> None:
            side = "late" if error > 0 else "early"
            print(
                f"{hit:8.2f} s  {abs(error) * 1e3:5.1f} ms {side:5s} | mean {so_far.mean_ms:+6.1f} ms, "
                f"spread {so_far.spread_ms:5.1f} ms",
                flush=True,
            )

        report = drums.train_live(
            args.bpm,
            args.seconds,
            backend=args.backend,
            latency=args.latency,
            subdivision=args.subdivision,
            on_hit=show,
        )
    print(report.text())
    if args.summary:
        Path(args.summary).write_text(json.dumps(report.summary(), indent=1))
        print(f"wrote {args.summary}")
    return 0


def _cmd_pitch_monitor(args: argparse.Namespace) -> int:
    if args.file:
        rows = pitch_monitor.pitch_to_midi(args.file, args.midi)
    else:

        def show_note(at: float, midi: int, on: bool) -> None:
            print(
                f"\n{at:8.2f} s  {'on ' if on else 'off'} {pitch_monitor.note_name(midi)} ({midi})",
                flush=True,
            )

        def show_frame(frame: Frame) -> None:
            line = pitch_monitor.view(frame["f0"], frame["confidence"], frame["voiced"] > 0)
            print("\r" + line.ljust(40), end="", flush=True)

        rows = pitch_monitor.monitor_live(
            args.seconds, backend=args.backend, midi_path=args.midi, on_frame=show_frame, on_note=show_note
        )
        print()
    for onset, offset, midi in rows:
        print(f"{onset:8.2f} - {offset:8.2f} s  {pitch_monitor.note_name(midi):4s} ({int(midi)})")
    if args.midi:
        print(f"wrote {args.midi}")
    return 0


def _cmd_record_features(args: argparse.Namespace) -> int:
    features = [f.strip() for f in args.features.split(",") if f.strip()]
    if args.file:
        path = record.record_file(args.file, args.zarr, features, chunk=args.chunk)
    else:
        path = record.record_live(args.zarr, features, args.seconds, backend=args.backend, chunk=args.chunk)
    print(f"wrote {path}")
    return 0


def add_commands(sub: Any) -> None:
    """Adds the analysis commands to the ``chronus`` parser's subcommands ``sub``."""
    an = sub.add_parser("analyze", help="analyze an audio file (or a folder, into Zarr): onsets, beats...")
    an.add_argument("file", help="audio file (WAV, FLAC, OGG, MP3, ...), or a folder of them")
    an.add_argument(
        "--features",
        default="onsets,beats,pitch",
        help=f"comma-separated features ({','.join(FEATURES)}); default onsets,beats,pitch",
    )
    an.add_argument("--json", default=None, metavar="OUT", help="write the features as JSON ('-': stdout)")
    an.add_argument(
        "--offline", action="store_true", help="look-ahead modes (beats decoded over the whole file)"
    )
    an.add_argument(
        "--pitch-backend",
        default="yin",
        choices=PITCH_BACKENDS,
        help="what computes pitch: yin (the DSP tracker) or swift-f0 (neural: chronus-audio[neural])",
    )
    an.add_argument("--zarr", default=None, metavar="STORE", help="for a folder: the Zarr store to write")
    an.add_argument(
        "--scheduler", default=None, help="for a folder: a Dask scheduler (tcp://HOST:PORT) to run on"
    )
    an.add_argument("--workers", type=int, default=None, help="for a folder: processes (default: cores)")
    an.set_defaults(func=_cmd_analyze)

    def live_or_file(p: argparse.ArgumentParser, seconds: float) -> None:
        p.add_argument("--file", default=None, help="analyze this recording instead of listening live")
        p.add_argument("--seconds", type=float, default=seconds, help="how long to listen live")
        p.add_argument("--backend", default="auto", help="auto, jack, null, or a cpal host such as alsa")

    dt = sub.add_parser("drum-trainer", help="play a click and time each hit on input 1 (early/late in ms)")
    dt.add_argument("--bpm", type=float, required=True, help="tempo of the click in beats per minute")
    dt.add_argument("--subdivision", type=int, default=1, help="grid points per beat (2: eighths)")
    dt.add_argument("--latency", type=float, default=0.0, help="round-trip latency in s (chronus latency)")
    dt.add_argument("--summary", default=None, metavar="OUT", help="write the session summary as JSON")
    live_or_file(dt, 60.0)
    dt.set_defaults(func=_cmd_drum_trainer)

    pm = sub.add_parser("pitch-monitor", help="show the pitch of input 1 as notes and cents; notes to MIDI")
    pm.add_argument("--midi", default=None, metavar="OUT", help="write the notes as a MIDI file")
    live_or_file(pm, 60.0)
    pm.set_defaults(func=_cmd_pitch_monitor)

    rf = sub.add_parser("record-features", help="record features of input 1 (or a file) into a Zarr store")
    rf.add_argument("--zarr", required=True, help="the store to write (a folder)")
    rf.add_argument("--features", default="rms,pitch,onsets", help=f"comma-separated ({','.join(FEATURES)})")
    rf.add_argument("--chunk", type=int, default=record.CHUNK, help="frames per chunk")
    live_or_file(rf, 10.0)
    rf.set_defaults(func=_cmd_record_features)
