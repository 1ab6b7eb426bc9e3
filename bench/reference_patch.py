"""Reference polyphonic patch: Chronus against pyo, signalflow and DawDreamer/Faust, in one run.

The patch of the peers' survey: N voices, voice i a band-limited saw at 55 * 2^(4i/N) Hz
(four octaves) -> resonant lowpass (1500 Hz, Q 2) -> ADSR (10 ms attack, 100 ms decay,
sustain 0.7, release 0.3 s, gate held), summed to mono; 10 s at 48 kHz in blocks of 256.

"x real time" is the rendered length divided by the wall time of the render call alone:
building the graph is left out, but what the render call itself does is in (for Chronus,
the graph compile inside ``cx.render``; for pyo, writing its float WAV file). DawDreamer's
Faust JIT compile is a separate call, reported as build time and not timed. Each engine
gets one short warm-up, then ``--runs`` runs in turns whose order rotates every round;
the median counts. Every output is checked (length, finite, not silent, RMS over the whole
render and over its last tenth within a factor of 2 of Chronus's, magnitude spectrum of the
last second like Chronus's) so that no engine looks fast by rendering the wrong thing; a
failed check marks the row INVALID and the exit status is 1. A peer that is not installed,
or cannot run here, is skipped with the reason.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/reference_patch.py                 # N = 64 and 256, 10 s, median of 5
    .venv/bin/python bench/reference_patch.py --quick         # smoke run: 2 s, 2 runs
    .venv/bin/python bench/reference_patch.py --json out.json
"""

from __future__ import annotations

import os

# numpy's OpenBLAS threads spin on the second core after use; keep them from competing with
# the engines being timed (none of them uses BLAS). pyo: no wxPython banner on import.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("PYO_GUI_WX", "0")

import argparse
import contextlib
import datetime
import importlib.metadata
import io
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import chronus as cx

SR = 48_000
BLOCK = 256
ATTACK, DECAY, SUSTAIN, RELEASE = 0.01, 0.1, 0.7, 0.3
CUTOFF, Q = 1500.0, 2.0
RMS_FACTOR = 2.0  # an output's RMS must be within this factor of Chronus's
MIN_SIMILARITY = 0.9  # cosine similarity of the last second's magnitude spectrum with Chronus's

# x real time at N = 256 on a 2-core machine, from the peers' survey (context only).
SURVEY_256 = {
    "dawdreamer": 19.5,
    "csound": 16.0,
    "supercollider": 14.5,
    "signalflow": 6.0,
    "pyo": 4.4,
}


def voice_freqs(n: int) -> np.ndarray:
    """Voice i at 55 * 2^(4i/N) Hz: N voices over four octaves from 55 Hz."""
    return 55.0 * 2.0 ** (4.0 * np.arange(n) / n)


# A case builds the patch for N voices and returns (render, result): ``render`` is the one
# call that is timed, ``result`` fetches the mono float32 output afterwards (untimed).
Render = Callable[[], object]
Result = Callable[[], np.ndarray]
Builder = Callable[[int, float], tuple[Render, Result]]


# ----------------------------------------------------------------------------- Chronus


def chronus_case(n: int, seconds: float) -> tuple[Render, Result]:
    g = cx.Graph()
    env = g.adsr(gate=np.ones(n), attack=ATTACK, decay=DECAY, sustain=SUSTAIN, release=RELEASE)
    g.output(((g.saw(voice_freqs(n)) >> g.lowpass(cutoff=CUTOFF, q=Q)) * env).sum())
    out: list[np.ndarray] = []

    def render() -> None:
        out.append(cx.render(g, seconds, SR, BLOCK))  # compiles, then renders

    return render, lambda: out[0][0]


# ----------------------------------------------------------------------------- pyo


def pyo_case(n: int, seconds: float) -> tuple[Render, Result]:
    """pyo's offline server (no audio device), float32 build, buffer size 256.

    pyo's closest band-limited saw is ``LFO(type=0)`` ("band-limited low frequency
    oscillator", usable at audio rates); ``sharp=1`` gives it the most harmonics. The filter
    is the RBJ ``Biquad`` lowpass with Q 2; each voice has its own ``Adsr`` stream (dur=0:
    held until stopped). ``Mix`` sums the N streams to one.
    """
    import pyo
    import soundfile

    tmp = tempfile.TemporaryDirectory(prefix="chronus-bench-pyo-")
    path = os.path.join(tmp.name, "out.wav")
    server = pyo.Server(sr=SR, nchnls=1, buffersize=BLOCK, duplex=0, audio="offline", verbosity=1)
    server.boot()
    assert (server.getSamplingRate(), server.getBufferSize(), server.getNchnls()) == (SR, BLOCK, 1)
    server.recordOptions(dur=seconds, filename=path, fileformat=0, sampletype=3)  # WAV, float32
    env = pyo.Adsr(attack=ATTACK, decay=DECAY, sustain=SUSTAIN, release=RELEASE, dur=0, mul=[1.0] * n)
    saw = pyo.LFO(freq=voice_freqs(n).tolist(), sharp=1.0, type=0)
    voices = pyo.Biquad(saw, freq=CUTOFF, q=Q, type=0, mul=env)
    mix = pyo.Mix(voices, voices=1).out()
    assert len(env) == len(saw) == len(voices) == n and len(mix) == 1
    env.play()
    keep = [env, saw, voices, mix]  # pyo stops objects that are garbage-collected

    def render() -> None:
        server.start()  # offline: blocks until `seconds` are rendered to the file

    def result() -> np.ndarray:
        server.shutdown()
        keep.clear()
        audio, sr = soundfile.read(path, dtype="float32", always_2d=True)
        tmp.cleanup()
        assert sr == SR and audio.shape[1] == 1, (sr, audio.shape)
        return audio[:, 0]

    return render, result


# ----------------------------------------------------------------------------- signalflow


def _signalflow_graph():
    import signalflow as sf

    # The dummy output device sets the sample rate and the block size render_to_buffer uses.
    return sf, sf.AudioGraph(output_device=sf.AudioOut_Dummy(1, SR, BLOCK), start=False)


def _signalflow_render(sf, graph, mix, seconds: float) -> tuple[Render, Result]:
    assert graph.sample_rate == SR and graph.output_buffer_size == BLOCK
    graph.play(mix)
    buf = sf.Buffer(1, round(seconds * SR))

    def render() -> None:
        graph.render_to_buffer(buf)

    def result() -> np.ndarray:
        audio = np.array(buf.data[0], dtype=np.float32)
        graph.destroy()  # one AudioGraph per process at a time
        return audio

    return render, result


def signalflow_chains_case(n: int, seconds: float) -> tuple[Render, Result]:
    """One chain of nodes per voice, as in the survey: SawOscillator -> SVFilter -> x ADSR.

    signalflow has no band-limited saw (``SawOscillator`` is a naive ramp, which is cheaper
    than a band-limited one). ``SVFilter`` computes k = 2 - 2 * resonance and Q = 1/k, so
    Q 2 is resonance 0.75.
    """
    sf, graph = _signalflow_graph()
    voices = [
        sf.SVFilter(sf.SawOscillator(float(f)), "low_pass", CUTOFF, 1.0 - 0.5 / Q)
        * sf.ADSREnvelope(ATTACK, DECAY, SUSTAIN, RELEASE, 1.0)
        for f in voice_freqs(n)
    ]
    return _signalflow_render(sf, graph, sf.Sum(voices), seconds)


def signalflow_channels_case(n: int, seconds: float) -> tuple[Render, Result]:
    """The same patch as N-channel nodes (one saw node with N channels, one filter node).

    signalflow's ADSREnvelope computes one envelope and copies it to every channel, so this
    variant runs one envelope, not N (all N gates are the same here, so the sound is too).
    """
    sf, graph = _signalflow_graph()
    saw = sf.SawOscillator(voice_freqs(n).tolist())
    voices = sf.SVFilter(saw, "low_pass", CUTOFF, 1.0 - 0.5 / Q) * sf.ADSREnvelope(
        ATTACK, DECAY, SUSTAIN, RELEASE, 1.0
    )
    assert voices.num_output_channels == n
    return _signalflow_render(sf, graph, sf.ChannelMixer(1, voices, False), seconds)


# ----------------------------------------------------------------------------- DawDreamer


def faust_program(n: int, shared_gate: bool) -> str:
    """The patch in Faust: os.sawtooth (band-limited) -> fi.resonlp(1500, 2, 1) x en.adsr."""
    # A per-voice gate control (default 1) gives every voice its own envelope, as a
    # polyphonic synth has; with the constant gate 1 Faust's compiler shares the N identical
    # envelopes as one computation.
    gate = "1" if shared_gate else 'nentry("gate%i", 1, 0, 1, 1)'
    return (
        'import("stdfaust.lib");\n'
        f"N = {n};\n"
        f"voice(i) = os.sawtooth(55 * 2 ^ (4 * i / N)) : fi.resonlp({CUTOFF}, {Q}, 1)"
        f" : *(en.adsr({ATTACK}, {DECAY}, {SUSTAIN}, {RELEASE}, {gate}));\n"
        "process = par(i, N, voice(i)) :> _;\n"
    )


_faust_cache: dict[tuple[int, bool], tuple[object, object, float]] = {}


def _dawdreamer_case(n: int, seconds: float, shared_gate: bool) -> tuple[Render, Result]:
    """DawDreamer's Faust processor (LLVM JIT, default flags) in a RenderEngine at block 256.

    The JIT compile (seconds for N = 256) is done once per program and reported as build
    time; every run renders from the start on the same compiled engine.
    """
    import dawdreamer as daw

    key = (n, shared_gate)
    if key not in _faust_cache:
        start = time.perf_counter()
        engine = daw.RenderEngine(SR, BLOCK)
        faust = engine.make_faust_processor("reference")
        if not (faust.set_dsp_string(faust_program(n, shared_gate)) and faust.compile()):
            raise RuntimeError("Faust program did not compile")
        assert faust.get_num_input_channels() == 0 and faust.get_num_output_channels() == 1
        engine.load_graph([(faust, [])])
        _faust_cache[key] = (engine, faust, time.perf_counter() - start)
    engine, _faust, _ = _faust_cache[key]

    def render() -> None:
        engine.render(seconds)

    def result() -> np.ndarray:
        audio = engine.get_audio()
        assert audio.shape[0] == 1, audio.shape
        return np.asarray(audio[0], dtype=np.float32)

    return render, result


def dawdreamer_voices_case(n: int, seconds: float) -> tuple[Render, Result]:
    return _dawdreamer_case(n, seconds, shared_gate=False)


def dawdreamer_shared_case(n: int, seconds: float) -> tuple[Render, Result]:
    return _dawdreamer_case(n, seconds, shared_gate=True)


def faust_compile_seconds(name: str, n: int) -> float | None:
    if not name.startswith("dawdreamer"):
        return None
    entry = _faust_cache.get((n, name.endswith("shared gate")))
    return entry[2] if entry else None


# ----------------------------------------------------------------------------- harness


@dataclass
class Engine:
    name: str
    package: str  # distribution, for the version and the skip message
    module: str  # import name
    build: Builder
    survey: str | None  # key in SURVEY_256
    note: str


ENGINES = [
    Engine("chronus", "chronus-audio", "chronus", chronus_case, None, "voices are lanes of one node"),
    Engine(
        "dawdreamer/faust",
        "dawdreamer",
        "dawdreamer",
        dawdreamer_voices_case,
        "dawdreamer",
        "par(i, N, voice(i)), a gate control per voice",
    ),
    Engine(
        "dawdreamer/faust, shared gate",
        "dawdreamer",
        "dawdreamer",
        dawdreamer_shared_case,
        None,
        "constant gate: Faust computes the N identical envelopes once",
    ),
    Engine("pyo", "pyo", "pyo", pyo_case, "pyo", "LFO(type=0) saw, Biquad, Adsr; N streams, Mix"),
    Engine(
        "signalflow",
        "signalflow",
        "signalflow",
        signalflow_chains_case,
        "signalflow",
        "per-voice chains, naive saw",
    ),
    Engine(
        "signalflow, N-channel nodes",
        "signalflow",
        "signalflow",
        signalflow_channels_case,
        None,
        "one N-channel node per stage, one envelope, naive saw",
    ),
]


@dataclass
class Row:
    engine: Engine
    n: int
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    build: list[float] = field(default_factory=list)
    rms: float = float("nan")
    tail_rms: float = float("nan")
    similarity: float = float("nan")  # of the spectrum with Chronus's (1 = the same shape)
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None

    def speed(self, seconds: float) -> float:
        return seconds / statistics.median(self.wall) if self.wall else float("nan")


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def availability(engine: Engine) -> str | None:
    """None if the engine can be imported, else why not."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # pyo prints a banner
            __import__(engine.module)
    except Exception as exc:  # ImportError, or a binary that cannot load here
        return f"{engine.package} cannot be imported ({type(exc).__name__}: {exc})"
    return None


def run_once(row: Row, seconds: float) -> np.ndarray:
    """Builds the patch (untimed), times the render call, returns the output."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        render, result = row.engine.build(row.n, seconds)
    built = time.perf_counter() - start
    cpu0, wall0 = time.process_time(), time.perf_counter()
    render()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    with contextlib.redirect_stdout(io.StringIO()):
        audio = result()
    row.wall.append(wall)
    row.cpu.append(cpu)
    row.build.append(built)
    return audio


def finite_or_none(x: float | None) -> float | None:
    """JSON has no NaN: a figure that could not be measured is null."""
    return None if x is None or np.isnan(x) else x


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def tail_spectrum(audio: np.ndarray) -> np.ndarray:
    """Magnitude spectrum of the last second (or last half, if shorter), Hann-windowed."""
    tail = audio[-min(SR, audio.shape[0] // 2) :].astype(np.float64)
    return np.abs(np.fft.rfft(tail * np.hanning(tail.shape[0])))


def check(row: Row, audio: np.ndarray, frames: int, reference: Row | None, ref_audio: np.ndarray) -> None:
    """Sanity of one output: the right length, finite, not silent, the level and the spectrum.

    The spectrum check compares the magnitude spectrum of the last second with Chronus's
    (cosine similarity); the peers measure 0.99 or more, while Chronus's own patch with every
    voice detuned by 3 % measures 0.2 to 0.6, so a wrong pitch or a missing stage shows.
    """
    if audio.ndim != 1 or audio.shape[0] != frames:
        row.problems.append(f"output shape {audio.shape}, expected ({frames},)")
        return
    if not np.all(np.isfinite(audio)):
        row.problems.append("output has NaN or infinity")
        return
    tail = audio[-max(frames // 10, 1) :]
    row.rms, row.tail_rms = rms(audio), rms(tail)
    if row.rms < 1e-4 or row.tail_rms < 1e-4:
        row.problems.append(f"output is silent (RMS {row.rms:.2g}, last tenth {row.tail_rms:.2g})")
        return
    if reference is row:
        row.similarity = 1.0
    if reference is None or reference is row or reference.problems:
        return
    for what, mine, ref in (
        ("RMS", row.rms, reference.rms),
        ("tail RMS", row.tail_rms, reference.tail_rms),
    ):
        if not ref / RMS_FACTOR <= mine <= ref * RMS_FACTOR:
            row.problems.append(f"{what} {mine:.3g} vs Chronus {ref:.3g}")
    mine_s, ref_s = tail_spectrum(audio), tail_spectrum(ref_audio)
    row.similarity = float(mine_s @ ref_s / (np.linalg.norm(mine_s) * np.linalg.norm(ref_s)))
    if row.similarity < MIN_SIMILARITY:
        row.problems.append(f"spectrum unlike Chronus's (similarity {row.similarity:.2f})")


def bench(voices: list[int], seconds: float, runs: int, warmup: float, names: list[str]) -> list[Row]:
    engines = [e for e in ENGINES if e.name in names]
    frames = round(seconds * SR)
    rows: list[Row] = []
    for n in voices:
        group = [Row(e, n) for e in engines]
        rows += group
        for row in group:
            row.skipped = availability(row.engine)
        for row in group:  # warm-up: first-touch memory, lazily built tables, JIT compiles
            if row.skipped:
                continue
            print(f"  N={n:<4d} warm-up {row.engine.name}", file=sys.stderr, flush=True)
            try:
                run_once(row, warmup)
            except Exception as exc:
                row.skipped = f"failed to run: {type(exc).__name__}: {exc}"
            row.wall, row.cpu, row.build = [], [], []
        live = [row for row in group if not row.skipped]
        first: dict[str, np.ndarray] = {}  # each engine's output from the first round
        for i in range(runs):
            # Rotate the order each round: whoever runs right after another engine pays for
            # the memory it left behind, so no engine should always be that one.
            for row in live[i % len(live) :] + live[: i % len(live)]:
                if row.skipped:
                    continue
                try:
                    audio = run_once(row, seconds)
                except Exception as exc:
                    row.skipped = f"failed in run {i + 1}: {type(exc).__name__}: {exc}"
                    continue
                first.setdefault(row.engine.name, audio)
                speed = seconds / row.wall[-1]
                progress = f"  N={n:<4d} run {i + 1}/{runs} {row.engine.name:30s} {speed:7.1f}x"
                print(progress, file=sys.stderr, flush=True)
        live = [row for row in live if not row.skipped]
        reference = next((row for row in live if row.engine.name == "chronus"), None)
        for row in sorted(live, key=lambda row: row is not reference):  # Chronus first
            ref_audio = first[reference.engine.name] if reference else first[row.engine.name]
            check(row, first[row.engine.name], frames, reference, ref_audio)
    return rows


def chronus_build() -> str:
    """Where the Chronus extension came from and when it was built (the timing depends on it)."""
    path = cx._core.__file__
    built = datetime.datetime.fromtimestamp(os.path.getmtime(path)).astimezone()
    return f"{path}, built {built.isoformat(timespec='seconds')}"


def cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def report(rows: list[Row], seconds: float, runs: int) -> list[dict]:
    print(
        f"\nreference patch: N saws -> lowpass {CUTOFF:g} Hz Q {Q:g} -> ADSR, summed; "
        f"{seconds:g} s mono at {SR} Hz, block {BLOCK}, median of {runs}"
    )
    print(f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"chronus extension: {chronus_build()}")
    header = f"{'engine':30s} {'version':8s} {'N':>4s} {'x real time':>11s} {'vs Chronus':>10s}"
    print(f"{header} {'cpu/wall':>8s} {'build s':>7s} {'survey':>6s}  notes")
    out = []
    for n in sorted({row.n for row in rows}):
        group = [row for row in rows if row.n == n]
        ref = next((row for row in group if row.engine.name == "chronus" and row.wall), None)
        for row in group:
            e = row.engine
            label = f"{e.name:30s} {version(e.package):8s}"
            if row.skipped:
                print(f"{label} {n:4d}  skipped: {row.skipped}")
                out.append(
                    {"engine": e.name, "version": version(e.package), "voices": n, "skipped": row.skipped}
                )
                continue
            x = row.speed(seconds)
            ratio = x / ref.speed(seconds) if ref else float("nan")
            cpu_wall = sum(row.cpu) / sum(row.wall)
            faust = faust_compile_seconds(e.name, n)
            build = faust if faust is not None else statistics.median(row.build)
            survey = SURVEY_256.get(e.survey) if (e.survey and n == 256) else None
            survey_s = f"{survey:5.1f}x" if survey else ""
            flag = "  INVALID: " + "; ".join(row.problems) if row.problems else ""
            print(
                f"{label} {n:4d} {x:10.1f}x {ratio:9.2f}x {cpu_wall:8.2f} {build:7.2f} {survey_s:>6s}"
                f"  {e.note}{flag}"
            )
            out.append(
                {
                    "engine": e.name,
                    "version": version(e.package),
                    "voices": n,
                    "x_real_time": x,
                    "vs_chronus": finite_or_none(ratio),
                    "wall_seconds": row.wall,
                    "cpu_seconds": row.cpu,
                    "build_seconds": build,
                    "rms": finite_or_none(row.rms),
                    "tail_rms": finite_or_none(row.tail_rms),
                    "spectral_similarity": finite_or_none(row.similarity),
                    "survey_x_real_time": survey,
                    "note": e.note,
                    "problems": row.problems,
                }
            )
    print(
        "\nvs Chronus: the engine's speed as a multiple of Chronus's (below 1: slower). cpu/wall above 1"
        "\nmeans the render used more than one core. build s: graph construction (not timed; for"
        "\nDawDreamer, the Faust JIT compile). survey: x real time at N=256 quoted by the peers' survey."
    )
    ref256 = next((r for r in rows if r.engine.name == "chronus" and r.n == 256 and r.wall), None)
    if ref256 is not None:
        x = ref256.speed(seconds)
        print(f"Chronus at N=256: {x:.1f}x real time; target 40x: {'met' if x >= 40 else 'NOT met'}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--voices", type=int, nargs="+", default=[64, 256], help="voice counts (default 64 256)"
    )
    parser.add_argument("--seconds", type=float, help="render length in seconds (default 10; 2 with --quick)")
    parser.add_argument(
        "--runs", type=int, help="timed runs per engine, median counts (default 5; 2 with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: shorter renders, fewer runs")
    parser.add_argument(
        "--engines",
        nargs="+",
        default=[e.name for e in ENGINES],
        metavar="NAME",
        help="engines to run (default all): " + ", ".join(repr(e.name) for e in ENGINES),
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = parser.parse_args()
    seconds = args.seconds or (2.0 if args.quick else 10.0)
    runs = args.runs or (2 if args.quick else 5)
    unknown = set(args.engines) - {e.name for e in ENGINES}
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    if "chronus" not in args.engines:
        args.engines.insert(0, "chronus")  # the reference for ratios and output checks

    rows = bench(args.voices, seconds, runs, warmup=min(1.0, seconds), names=args.engines)
    results = report(rows, seconds, runs)
    if args.json:
        doc = {
            "benchmark": "reference polyphonic patch",
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": {
                "cpu": cpu_model(),
                "cores": os.cpu_count(),
                "arch": platform.machine(),
                "python": platform.python_version(),
            },
            "chronus_extension": chronus_build(),
            "seconds": seconds,
            "samplerate": SR,
            "blocksize": BLOCK,
            "runs": runs,
            "results": results,
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
    return 1 if any(row.problems for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
