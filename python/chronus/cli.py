"""The ``chronus`` command: demo, render, play, serve, graph, devices, latency."""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time
from pathlib import Path

import numpy as np

from . import _core, analysis_cli
from .aac import AacExtraMissingError
from .audio import SUBTYPE_NAMES
from .control import describe, serve, to_dot
from .demo import DEMO_SECONDS, build_demo
from .exporting import export_graph
from .graph import Graph
from .inspect_live import NodeProfile
from .live import Engine, devices, measure_latency, midi_inputs
from .loudness import Scaled
from .midi import MidiFileError, read_midi
from .neural import NeuralExtraMissingError
from .patch import DEFAULT_TIMEOUT, Patch, PatchError, is_session_file, load_patch, load_session, load_source
from .presets import PRESETS
from .probes import ProbeReading
from .progress import Progress
from .render import DEFAULT_BLOCKSIZE, DEFAULT_SAMPLERATE
from .session import Session
from .stream import render_to_file, renderer


def _db(x: float) -> str:
    return f"{20 * np.log10(x):.1f} dBFS" if x > 0 else "-inf dBFS"


def _render_to_file(
    graph: Graph,
    seconds: float,
    out: Path,
    samplerate: int,
    blocksize: int,
    subtype: str | None = None,
    progress: bool | None = None,
) -> str:
    """Renders straight into ``out``, block by block (memory flat in the length), and sums
    up the result."""
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive duration, got {seconds}")
    start = time.perf_counter()
    metered = _Metered(renderer(graph, seconds, samplerate, blocksize))
    bar = Progress.make(progress, metered.remaining, samplerate, label=out.name)
    render_to_file(Scaled(metered, 1.0, bar), out, samplerate, subtype)
    if bar is not None:
        bar.finish()
    peak, energy, frames, channels = metered.peak, metered.energy, metered.frames, metered.channels
    elapsed = time.perf_counter() - start
    rms = math.sqrt(energy / max(frames * channels, 1))
    speed = seconds / elapsed if elapsed > 0 else float("inf")
    return (
        f"wrote {out}: {seconds:.2f} s, {channels} ch, {samplerate} Hz | peak {_db(peak)} | "
        f"RMS {_db(rms)} | rendered in {elapsed:.3f} s = {speed:.0f}x real time"
    )


class _Metered:
    """A renderer whose chunks are measured (peak, energy) as they pass."""

    def __init__(self, renderer: _core.Renderer) -> None:
        self._renderer = renderer
        self.channels = renderer.channels
        self.peak, self.energy, self.frames = 0.0, 0.0, 0

    @property
    def remaining(self) -> int:
        return self._renderer.remaining

    def next(self, frames: int) -> np.ndarray:
        block = self._renderer.next(frames)
        if block.size:
            self.peak = max(self.peak, float(np.max(np.abs(block))))
            self.energy += float(np.sum(np.square(block, dtype=np.float64)))
            self.frames += block.shape[1]
        return block


def _cmd_demo(args: argparse.Namespace) -> int:
    samplerate = args.samplerate or DEFAULT_SAMPLERATE
    print(_render_to_file(build_demo(), args.seconds, Path(args.output), samplerate, args.blocksize))
    return 0


def _session_rate(session: Session, path: str, samplerate: int | None) -> int:
    """A session plays at its own rate; asking for another is an error naming the file."""
    if samplerate is not None and samplerate != session.samplerate:
        raise ValueError(
            f"{path} is a session at {session.samplerate} Hz: it renders and plays at that rate, "
            f"not {samplerate} (leave --samplerate out)"
        )
    return session.samplerate


def _cmd_render(args: argparse.Namespace) -> int:
    suffix = Path(args.patch).suffix.lower()
    samplerate = args.samplerate or DEFAULT_SAMPLERATE
    if suffix in (".mid", ".midi"):
        graph, length = _midi_graph(args.patch, args.instrument, whole=args.seconds is None)
        seconds = args.seconds if args.seconds is not None else length
    elif is_session_file(args.patch):
        session = load_session(args.patch)
        samplerate = _session_rate(session, args.patch, args.samplerate)
        graph = session.graph()
        seconds = args.seconds if args.seconds is not None else session.duration()
        if seconds <= 0:
            raise ValueError(
                f"{args.patch} has no clip placed on its timeline (only idle ones): give --seconds"
            )
    elif suffix != ".py":
        raise PatchError(
            f"refusing to run {args.patch}: only Python files ending in .py are run as patches "
            "(a patch file is code), saved sessions end in .json and MIDI files in .mid"
        )
    else:
        patch = load_patch(args.patch, timeout=args.timeout)
        graph = patch.graph
        seconds = args.seconds if args.seconds is not None else (patch.seconds or 10.0)
    subtype = None if args.subtype is None else SUBTYPE_NAMES.get(args.subtype.lower(), args.subtype.upper())
    if args.lufs is not None or args.true_peak is not None:
        print(_render_normalized(graph, seconds, Path(args.output), samplerate, subtype, args))
        return 0
    print(
        _render_to_file(graph, seconds, Path(args.output), samplerate, args.blocksize, subtype, args.progress)
    )
    return 0


def _render_normalized(
    graph: Graph, seconds: float, out: Path, samplerate: int, subtype: str | None, args: argparse.Namespace
) -> str:
    """Renders to a loudness target and/or under a true-peak ceiling (two passes) and sums up."""
    from .loudness import LoudnessReport

    start = time.perf_counter()
    report = export_graph(
        graph, seconds, samplerate, out, subtype=subtype, lufs=args.lufs, true_peak_db=args.true_peak,
        progress=args.progress, blocksize=args.blocksize,
    )  # fmt: skip
    assert isinstance(report, LoudnessReport)
    elapsed = time.perf_counter() - start
    return (
        f"wrote {out}: {seconds:.2f} s, {samplerate} Hz | {report.summary()} | "
        f"rendered twice in {elapsed:.3f} s = {seconds / elapsed:.0f}x real time"
    )


#: Longest MIDI song ``chronus render`` plays by itself, in seconds.
MAX_MIDI_SECONDS = 24 * 3600.0


def _midi_graph(path: str, instrument: str, *, whole: bool = True) -> tuple[Graph, float]:
    """A graph playing the MIDI file at ``path`` on a preset; and its length with a release
    tail, in seconds."""
    if instrument not in PRESETS:
        raise ValueError(f"unknown instrument '{instrument}' (instruments: {', '.join(PRESETS)})")
    song = read_midi(path)
    if whole and song.seconds > MAX_MIDI_SECONDS:
        raise MidiFileError(
            f"{path} lasts {song.seconds / 3600:.1f} hours (its last note ends at beat {song.beats:g}); "
            f"MIDI renders are limited to {MAX_MIDI_SECONDS / 3600:g} hours (--seconds renders a part)"
        )
    graph = Graph()
    graph.tempo = song.tempo
    graph.play(PRESETS[instrument](graph), song)
    return graph, song.seconds + 1.5


def _load(args: argparse.Namespace) -> tuple[Graph | Session, Patch | None]:
    """What ``play`` and ``serve`` play: a patch's graph (and the patch) or a session."""
    source = load_source(args.patch, timeout=getattr(args, "timeout", None))
    if isinstance(source, Session):
        _session_rate(source, args.patch, args.samplerate)
        return source, None
    return source.graph, source


def _cmd_play(args: argparse.Namespace) -> int:
    played, patch = _load(args)
    with Engine(
        played,
        backend=args.backend,
        device=args.device,
        samplerate=args.samplerate,
        blocksize=args.blocksize,
        midi_in=args.midi_in,
        midi_target=None if patch is None else patch.midi_target,
    ) as live:
        info = live.info
        print(
            f"playing {args.patch} on {info['backend']}:{info['device']} at {info['samplerate']:.0f} Hz, "
            f"block {info['blocksize']} (Ctrl-C stops)"
        )
        start = time.monotonic()
        path = Path(args.patch)
        watched = _mtime(path)
        next_report = start + 1.0
        try:
            while args.seconds is None or time.monotonic() - start < args.seconds:
                time.sleep(WATCH_PERIOD if args.watch else min(1.0, args.seconds or 1.0))
                if args.watch and _mtime(path) != watched:
                    watched = _mtime(path)
                    _reload(live, path)
                if time.monotonic() < next_report:
                    continue
                next_report += 1.0
                s = live.stats()
                peak = max(live.meters()["peak_db"], default=float("-inf"))
                print(
                    f"{s['time']:7.1f} s | load {100 * s['load']:5.1f}% | callback p99 "
                    f"{s['callback_p99_ms']:.3f} ms of {s['deadline_ms']:.3f} ms | xruns {s['xruns']} "
                    f"| peak {peak:.1f} dBFS",
                    flush=True,
                )
                if args.profile:
                    _print_profile(live.profile()[: args.profile])
                _print_probes(live.probes())
        except KeyboardInterrupt:
            pass
    return 0


def _print_profile(rows: list[NodeProfile]) -> None:
    """The costliest nodes, one line each: name, kind, mean and worst ms per pass, share."""
    for p in rows:
        print(
            f"    {p.name:<24} {p.kind:<12} mean {p.mean_ms:8.4f} ms | worst {p.worst_ms:8.4f} ms "
            f"| {100 * p.share:5.1f}% of node time",
            flush=True,
        )


def _print_probes(readings: dict[str, ProbeReading | None]) -> None:
    """Each probe's latest window, one line per probe: its figures lane by lane."""

    def lanes(values: tuple[float, ...] | tuple[int, ...], fmt: str) -> str:
        return " ".join(format(v, fmt) for v in values)

    for label, r in readings.items():
        if r is None:
            print(f"    probe {label!r}: no complete window yet", flush=True)
            continue
        print(
            f"    probe {label!r}: min {lanes(r.min, '+.4f')} | max {lanes(r.max, '+.4f')} | "
            f"rms {lanes(r.rms, '.4f')} | non-finite {lanes(r.nonfinite, 'd')}",
            flush=True,
        )


#: Nodes ``chronus play --profile`` lists by default.
PROFILE_ROWS = 8

#: How often ``chronus play --watch`` looks at the patch file, in seconds.
WATCH_PERIOD = 0.25


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _reload(live: Engine, path: Path) -> None:
    """Runs the patch file again (or loads the session file again) and swaps it in; a
    broken file keeps the old one playing."""
    try:
        source = load_source(path, timeout=DEFAULT_TIMEOUT)
        if isinstance(source, Session):
            _session_rate(source, str(path), round(live.samplerate))
            live.replace(source)
        else:
            live.replace(source.graph, midi_target=source.midi_target)
    except (PatchError, _core.GraphError, _core.CycleError, _core.QueueFullError, ValueError) as err:
        print(f"not reloaded, still playing the previous graph: {err}", flush=True)
        return
    print(f"reloaded {path}", flush=True)


def _cmd_serve(args: argparse.Namespace) -> int:
    played, patch = _load(args)
    signal.signal(signal.SIGTERM, _interrupt)
    with serve(
        played,
        osc=None if args.no_osc else args.osc,
        http=args.http,
        record_dir=args.record_dir,
        latency=args.latency,
        allow_remote=args.allow_remote,
        token=args.token,
        backend=args.backend,
        device=args.device,
        samplerate=args.samplerate,
        blocksize=args.blocksize,
        midi_target=None if patch is None else patch.midi_target,
    ) as server:
        info = server.engine.info
        print(
            f"serving {args.patch} on {info['backend']}:{info['device']} at {info['samplerate']:.0f} Hz, "
            f"block {info['blocksize']} (Ctrl-C stops)",
            flush=True,
        )
        if server.osc is not None:
            print(
                f"OSC on udp://{server.osc.host}:{server.osc_port} (send /list for every address)", flush=True
            )
        if server.url is not None:
            print(f"panel at {server.url}", flush=True)
        start = time.monotonic()
        try:
            while args.seconds is None or time.monotonic() - start < args.seconds:
                time.sleep(0.1)
        except KeyboardInterrupt:
            pass
    return 0


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM ends ``chronus serve`` as Ctrl-C does: surfaces closed, engine stopped."""
    raise KeyboardInterrupt


def _cmd_graph(args: argparse.Namespace) -> int:
    source = load_source(args.patch)
    if isinstance(source, Session):
        graph, samplerate = source.graph(), _session_rate(source, args.patch, args.samplerate)
    else:
        graph, samplerate = source.graph, args.samplerate or DEFAULT_SAMPLERATE
    if args.json:
        print(json.dumps(describe(graph, samplerate, args.blocksize), indent=2))
    else:
        print(to_dot(graph, samplerate, args.blocksize), end="")
    return 0


def _cmd_devices(args: argparse.Namespace) -> int:
    rows = devices()
    print(f"{'backend':8} {'default':7} {'outputs':>7} {'inputs':>6}  {'rates (Hz)':15}  name")
    for d in rows:
        lo, hi = d["samplerates"]
        rates = f"{lo}" if lo == hi else f"{lo}-{hi}"
        default = "yes" if d["default"] else ""
        print(f"{d['backend']:8} {default:7} {d['outputs']:7} {d['inputs']:6}  {rates:15}  {d['name']}")
    sources = midi_inputs()
    print("MIDI inputs: " + (", ".join(sources) if sources else "none"))
    return 0


def _cmd_latency(args: argparse.Namespace) -> int:
    result = measure_latency(
        backend=args.backend,
        device=args.device,
        samplerate=args.samplerate,
        blocksize=args.blocksize,
        loopback=not args.cable,
        repeats=args.repeats,
    )
    print(
        f"round-trip latency: {result['frames']} frames = {result['ms']:.2f} ms at "
        f"{result['samplerate']:.0f} Hz (median of {len(result['measurements'])}: {result['measurements']})"
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chronus",
        description="Chronus audio engine.",
        epilog="Patch files are Python code: render and play run them with your rights, so only "
        "use patch files you trust. Saved sessions (.json) are read as data, except effects saved "
        "as functions, which are imported by name: trust them as well.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def seconds_arg(text: str) -> float:
        value = float(text)
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
        return value

    def timeout_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--timeout",
            type=seconds_arg,
            default=DEFAULT_TIMEOUT,
            help="longest the patch file may take to build its graph, in seconds "
            f"(default {DEFAULT_TIMEOUT:g})",
        )

    def engine_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--samplerate",
            type=int,
            default=None,
            help=f"sample rate in Hz (default {DEFAULT_SAMPLERATE}; a session's own for a session)",
        )
        p.add_argument("--blocksize", type=int, default=DEFAULT_BLOCKSIZE, help="block size in frames")

    demo = sub.add_parser("demo", help="render the demo patch to a WAV file and summarize it")
    demo.add_argument("-o", "--output", default="chronus-demo.wav", help="WAV file to write")
    demo.add_argument("--seconds", type=float, default=DEMO_SECONDS, help="length in seconds")
    engine_args(demo)
    demo.set_defaults(func=_cmd_demo)

    rend = sub.add_parser(
        "render", help="render a patch file (Python code), a saved session or a MIDI file to an audio file"
    )
    rend.add_argument(
        "patch",
        help="patch file ending in .py (Python code, run as is: only run patch files you trust; "
        "defines patch() or graph), a saved session (.json, e.g. song.chronus.json), or a MIDI file (.mid)",
    )
    rend.add_argument(
        "--instrument", default="poly_saw", help=f"instrument for MIDI files ({', '.join(PRESETS)})"
    )
    rend.add_argument("-o", "--output", required=True, help="audio file to write (.wav, .flac, ...)")
    rend.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="length in seconds (default: the patch's own; a session's: until its last clip ends)",
    )
    rend.add_argument(
        "--subtype",
        default=None,
        help="sample format: 16, 24, 32 (PCM) or 32f (float), or a libsndfile name such as PCM_24 "
        "(default: 32-bit float for WAV and AIFF, 24-bit for FLAC)",
    )
    rend.add_argument(
        "--lufs",
        type=float,
        default=None,
        help="normalize to this integrated loudness (ITU-R BS.1770-4 / EBU R128), e.g. -14; "
        "renders twice (measuring, then writing), memory flat",
    )
    rend.add_argument(
        "--true-peak",
        type=float,
        default=None,
        metavar="DBTP",
        help="keep the true peak (4x oversampled) at or under this many dBTP, e.g. -1, by lowering "
        "the gain (no limiter: a mix too peaky for both stays under --lufs)",
    )
    rend.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar on stderr (default: when stderr is a terminal)",
    )
    timeout_arg(rend)
    engine_args(rend)
    rend.set_defaults(func=_cmd_render)

    def live_args(p: argparse.ArgumentParser, backend: str) -> None:
        p.add_argument("--backend", default=backend, help="auto, jack, null, or a cpal host such as alsa")
        p.add_argument("--device", default=None, help="device name (or part of it)")
        p.add_argument(
            "--samplerate", type=int, default=None, help="sample rate in Hz (default: the device's)"
        )
        p.add_argument("--blocksize", type=int, default=DEFAULT_BLOCKSIZE, help="block size in frames")

    play = sub.add_parser(
        "play",
        help="play a patch file (Python code) or a saved session live until Ctrl-C, printing load and xruns",
    )
    play.add_argument(
        "patch",
        help="patch file ending in .py (Python code, run as is: only run patch files you trust), "
        "or a saved session (.json)",
    )
    play.add_argument("--seconds", type=seconds_arg, default=None, help="stop after this many seconds")
    timeout_arg(play)
    play.add_argument(
        "--watch",
        action="store_true",
        help="reload the patch (or session) file whenever it is saved: nodes keep their state, "
        "changed connections crossfade, the song carries on from the current beat (clips playing "
        "play on)",
    )
    play.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=PROFILE_ROWS,
        default=0,
        metavar="N",
        help=f"each second, print the N costliest nodes (default {PROFILE_ROWS}) with their mean and "
        "worst time per block on the audio thread",
    )
    play.add_argument(
        "--midi-in", default=None, help="MIDI input to play from (port name or part of it; JACK or OS MIDI)"
    )
    live_args(play, "auto")
    play.set_defaults(func=_cmd_play)

    srv = sub.add_parser(
        "serve", help="play a patch file or a session live and serve it to OSC clients and a browser panel"
    )
    srv.add_argument(
        "patch",
        help="patch file (defines patch() or graph), or a saved session (.json: adds /launch, /stop, "
        "/track, /bus and /session/cycle addresses)",
    )
    srv.add_argument("--osc", default="127.0.0.1:57120", help="where to listen for OSC (UDP host:port)")
    srv.add_argument("--no-osc", action="store_true", help="do not listen for OSC")
    srv.add_argument(
        "--http", default=None, help="serve the browser panel on host:port (e.g. 127.0.0.1:8000)"
    )
    srv.add_argument(
        "--record-dir", default=".", help="the only folder /record/start may write into (default: here)"
    )
    srv.add_argument("--latency", type=float, default=0.0, help="seconds added to OSC bundles' time tags")
    srv.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow listening on addresses other machines reach (the panel then needs a token)",
    )
    srv.add_argument("--token", default=None, help="token the panel's page must present (default: random)")
    srv.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    live_args(srv, "auto")
    srv.set_defaults(func=_cmd_serve)

    gr = sub.add_parser("graph", help="print a patch's (or a session's) graph as DOT (Graphviz) or JSON")
    gr.add_argument("patch", help="patch file (defines patch() or graph), or a saved session (.json)")
    form = gr.add_mutually_exclusive_group()
    form.add_argument("--dot", action="store_true", help="Graphviz DOT (the default): | dot -Tsvg > g.svg")
    form.add_argument("--json", action="store_true", help="nodes and edges as JSON")
    engine_args(gr)
    gr.set_defaults(func=_cmd_graph)

    devs = sub.add_parser("devices", help="list backends and devices with their channels and rates")
    devs.set_defaults(func=_cmd_devices)

    lat = sub.add_parser("latency", help="measure round-trip latency through a loopback")
    live_args(lat, "jack")
    lat.add_argument(
        "--cable", action="store_true", help="use a physical loopback cable instead of JACK ports"
    )
    lat.add_argument("--repeats", type=int, default=5, help="impulses to measure")
    lat.set_defaults(func=_cmd_latency)
    analysis_cli.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chronus`` command."""
    args = _parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except (
        PatchError,
        MidiFileError,
        _core.GraphError,
        _core.DeviceError,
        ValueError,
        OSError,
        RuntimeError,
        NeuralExtraMissingError,
        AacExtraMissingError,
    ) as err:
        print(f"chronus: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
