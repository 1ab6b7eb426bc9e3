"""The ``chronus`` command: ``chronus demo`` and ``chronus render PATCH.py -o OUT.wav``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from . import _core
from .demo import DEMO_SECONDS, build_demo
from .graph import Graph
from .patch import PatchError, load_patch
from .render import DEFAULT_BLOCKSIZE, DEFAULT_SAMPLERATE, render, write_wav


def _db(x: float) -> str:
    return f"{20 * np.log10(x):.1f} dBFS" if x > 0 else "-inf dBFS"


def _render_to_file(graph: Graph, seconds: float, out: Path, samplerate: int, blocksize: int) -> str:
    start = time.perf_counter()
    audio = render(graph, seconds, samplerate, blocksize)
    elapsed = time.perf_counter() - start
    write_wav(out, audio, samplerate)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0
    speed = seconds / elapsed if elapsed > 0 else float("inf")
    return (
        f"wrote {out}: {seconds:.2f} s, {audio.shape[0]} ch, {samplerate} Hz | peak {_db(peak)} | "
        f"RMS {_db(rms)} | rendered in {elapsed:.3f} s = {speed:.0f}x real time"
    )


def _cmd_demo(args: argparse.Namespace) -> int:
    print(_render_to_file(build_demo(), args.seconds, Path(args.output), args.samplerate, args.blocksize))
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    patch = load_patch(args.patch)
    seconds = args.seconds if args.seconds is not None else (patch.seconds or 10.0)
    print(_render_to_file(patch.graph, seconds, Path(args.output), args.samplerate, args.blocksize))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chronus", description="Chronus audio engine.")
    sub = parser.add_subparsers(dest="command", required=True)

    def engine_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--samplerate", type=int, default=DEFAULT_SAMPLERATE, help="sample rate in Hz")
        p.add_argument("--blocksize", type=int, default=DEFAULT_BLOCKSIZE, help="block size in frames")

    demo = sub.add_parser("demo", help="render the demo patch to a WAV file and summarize it")
    demo.add_argument("-o", "--output", default="chronus-demo.wav", help="WAV file to write")
    demo.add_argument("--seconds", type=float, default=DEMO_SECONDS, help="length in seconds")
    engine_args(demo)
    demo.set_defaults(func=_cmd_demo)

    rend = sub.add_parser("render", help="render a patch file to a WAV file")
    rend.add_argument("patch", help="patch file (defines patch() or graph)")
    rend.add_argument("-o", "--output", required=True, help="WAV file to write")
    rend.add_argument(
        "--seconds", type=float, default=None, help="length in seconds (default: the patch's own)"
    )
    engine_args(rend)
    rend.set_defaults(func=_cmd_render)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chronus`` command."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (PatchError, _core.GraphError, ValueError, OSError) as err:
        print(f"chronus: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
