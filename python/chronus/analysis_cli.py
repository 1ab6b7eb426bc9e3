"""The analysis commands of ``chronus``: ``analyze`` (features of a file, as JSON)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .analysis import FEATURES, Analysis, analyze


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
    start = time.perf_counter()
    result = analyze(args.file, features, causal=not args.offline)
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


def add_commands(sub: Any) -> None:
    """Adds the analysis commands to the ``chronus`` parser's subcommands ``sub``."""
    an = sub.add_parser("analyze", help="analyze an audio file: onsets, beats, pitch, notes, spectra...")
    an.add_argument("file", help="audio file (WAV, FLAC, OGG, MP3, ...)")
    an.add_argument(
        "--features",
        default="onsets,beats,pitch",
        help=f"comma-separated features ({','.join(FEATURES)}); default onsets,beats,pitch",
    )
    an.add_argument("--json", default=None, metavar="OUT", help="write the features as JSON ('-': stdout)")
    an.add_argument(
        "--offline", action="store_true", help="look-ahead modes (beats decoded over the whole file)"
    )
    an.set_defaults(func=_cmd_analyze)
