"""Kernels: what calling a numba kernel costs per block, against a built-in node doing the
same work, and against the same DSP as a Python per-block callback in pyo and signalflow.

DSPs: a copy (the bare call), a gain, a one-pole filter (the DC blocker y = x - x1 + R y1,
which Chronus has built in) and a tanh waveshaper; at 64, 256 and 1024 frames per block.

- Chronus built-in: ``muladd(mul=1)``, ``gain`` (dB), ``dcblock``, ``distortion(shape=
  "tanh", mix=1)``; Chronus kernel: the same DSP as an ``@cx.kernel``. Each runs as a chain
  of ``--chain`` nodes in series after a noise source, rendered offline; its per-block cost
  is (render time of the chain - render time of the source alone) / (chain x blocks).
- pyo: a ``CallAlways`` object (pyo's per-block Python hook) runs the DSP in NumPy on a
  block of a precomputed input and writes it into a ``DataTable`` that ``TableScan`` plays
  (the pattern of pyo's own examples); per-block cost = (render time with the hook - render
  time of the same server without it) / blocks.
- signalflow: it has no per-block Python hook on its audio thread (its ``Node`` binding has
  no overridable ``process``: a Python subclass's ``process`` is never called), so Python
  drives the graph block by block (``node.process(frames)``) and runs the DSP in NumPy on the
  node's ``output_buffer``; per-block cost = (that loop's time - ``render_to_buffer`` of the
  same node) / blocks.

Every variant's output is checked against the same DSP in NumPy over the whole signal.
Variants run in turns whose order rotates each round; the median of ``--runs`` counts.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/kernels.py                # 10 s per render, chains of 16, median of 5
    .venv/bin/python bench/kernels.py --quick        # smoke run
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("PYO_GUI_WX", "0")

import argparse
import contextlib
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
from scipy.signal import lfilter

import chronus as cx

SR = 48_000
GAIN_DB = -0.05  # close to 1, so that a chain of gains keeps the level
CUTOFF = 10.0  # Hz, the DC blocker's corner
DRIVE_DB = 6.0
TOLERANCE = 2e-5  # largest difference from the NumPy reference of one node


def db(x: float) -> float:
    return 10 ** (x / 20)


# -- the DSP as kernels -----------------------------------------------------------------------
@cx.kernel()
def copy(inp, out, frames):
    for i in range(frames):
        out[0, i] = inp[0, i]


@cx.kernel(params={"gain": 1.0})
def gain(inp, out, gain, frames):
    for i in range(frames):
        out[0, i] = gain[i] * inp[0, i]


@cx.kernel(params={"cutoff": (10.0, 0.1, 1000.0)}, state={"s": 4})
def dc_block(inp, out, cutoff, s, frames, samplerate):
    """y = x - x1 + R y1, R = exp(-2 pi cutoff / samplerate), recomputed when cutoff moves;
    s holds x1, y1, R and the cutoff R was computed for."""
    for i in range(frames):
        if cutoff[i] != s[3]:
            s[3] = cutoff[i]
            s[2] = np.exp(-2.0 * np.pi * cutoff[i] / samplerate)
        y = inp[0, i] - s[0] + s[2] * s[1]
        s[0] = inp[0, i]
        s[1] = y
        out[0, i] = y


@cx.kernel(params={"drive": 1.0})
def shaper(inp, out, drive, frames):
    for i in range(frames):
        out[0, i] = np.tanh(drive[i] * inp[0, i])


# -- the DSP as NumPy blocks (Python callbacks) and over a whole signal (references) ----------
Block = Callable[[np.ndarray], np.ndarray]


def numpy_block(dsp: str) -> Block:
    """A fresh per-block NumPy function for ``dsp`` (it keeps its own filter state)."""
    if dsp == "copy":
        return lambda x: x
    if dsp == "gain":
        g = np.float32(db(GAIN_DB))
        return lambda x: x * g
    if dsp == "one-pole":
        r = np.exp(-2 * np.pi * CUTOFF / SR)
        zi = np.zeros(1)

        def one_pole(x: np.ndarray) -> np.ndarray:
            nonlocal zi
            y, zi = lfilter([1.0, -1.0], [1.0, -r], x, zi=zi)
            return y

        return one_pole
    drive = np.float32(db(DRIVE_DB))
    return lambda x: np.tanh(drive * x)


@dataclass
class Dsp:
    name: str
    builtin: str  # what Chronus has built in
    add_builtin: Callable[[cx.Graph, cx.Signal], cx.Signal]
    add_kernel: Callable[[cx.Graph, cx.Signal], cx.Signal]


DSPS = [
    Dsp("copy", "muladd(mul=1)", lambda g, x: g.muladd(x, mul=1.0), lambda g, x: g.kernel(copy, x)),
    Dsp(
        "gain",
        "gain (dB)",
        lambda g, x: g.gain(x, gain=GAIN_DB),
        lambda g, x: g.kernel(gain, x, gain=db(GAIN_DB)),
    ),
    Dsp(
        "one-pole",
        "dcblock",
        lambda g, x: g.dcblock(x, cutoff=CUTOFF),
        lambda g, x: g.kernel(dc_block, x, cutoff=CUTOFF),
    ),
    Dsp(
        "tanh",
        'distortion("tanh")',
        lambda g, x: g.distortion(x, drive=DRIVE_DB, mix=1.0, shape="tanh"),
        lambda g, x: g.kernel(shaper, x, drive=db(DRIVE_DB)),
    ),
]


# -- variants: each builds (untimed) and returns (render, result) -----------------------------
Render = Callable[[], None]
Result = Callable[[], np.ndarray]
#: (dsp or None for the baseline, block frames, seconds, input) -> (render, result)
Build = Callable[[Dsp | None, int, float, np.ndarray], tuple[Render, Result]]


def chronus_variant(kind: str, chain: int) -> Build:
    def build(dsp: Dsp | None, frames: int, seconds: float, x: np.ndarray) -> tuple[Render, Result]:
        g = cx.Graph()
        node: cx.Signal = g.input()
        for _ in range(chain if dsp else 0):
            node = (dsp.add_builtin if kind == "built-in" else dsp.add_kernel)(g, node)
        g.output(node)
        out: list[np.ndarray] = []

        def render() -> None:
            out.append(cx.render(g, seconds, SR, frames, input=x))

        return render, lambda: out[0][0]

    return build


def pyo_variant(dsp: Dsp | None, frames: int, seconds: float, x: np.ndarray) -> tuple[Render, Result]:
    import pyo
    import soundfile

    tmp = tempfile.TemporaryDirectory(prefix="chronus-bench-pyo-")
    path = os.path.join(tmp.name, "out.wav")
    server = pyo.Server(sr=SR, nchnls=1, buffersize=frames, duplex=0, audio="offline", verbosity=1)
    server.boot()
    server.recordOptions(dur=seconds, filename=path, fileformat=0, sampletype=3)  # WAV, float32
    # pyo frees a table's memory with its server: everything that reaches it (the NumPy view
    # shared with the table, the objects) is dropped before the server shuts down.
    held: dict[str, object] = {"table": pyo.DataTable(size=frames)}
    held["block"] = np.asarray(held["table"].getBuffer())  # shares the table's memory
    if dsp is not None:
        process, position = numpy_block(dsp.name), [0]

        def hook() -> None:
            p = position[0]
            held["block"][:] = process(x[p : p + frames])
            position[0] = p + frames

        held["hook"] = pyo.CallAlways(hook)
    held["scan"] = pyo.TableScan(held["table"]).out()

    def render() -> None:
        server.start()  # offline: returns when `seconds` are rendered

    def result() -> np.ndarray:
        audio, _ = soundfile.read(path, dtype="float32")
        held.clear()
        server.shutdown()
        tmp.cleanup()
        return audio

    return render, result


def signalflow_variant(dsp: Dsp | None, frames: int, seconds: float, x: np.ndarray) -> tuple[Render, Result]:
    import signalflow as sf

    graph = sf.AudioGraph(output_device=sf.AudioOut_Dummy(1, SR, frames), start=False)
    source = sf.BufferPlayer(sf.Buffer(x[None, :].copy()))
    blocks = round(seconds * SR) // frames
    out = np.zeros(blocks * frames, np.float32)
    if dsp is None:
        graph.play(source)
        buf = sf.Buffer(1, blocks * frames)

        def render() -> None:
            graph.render_to_buffer(buf)

        def result() -> np.ndarray:
            audio = np.array(buf.data[0], dtype=np.float32)
            graph.destroy()
            return audio

        return render, result
    process = numpy_block(dsp.name)

    def loop() -> None:
        for b in range(blocks):
            source.process(frames)
            out[b * frames : (b + 1) * frames] = process(source.output_buffer[0][:frames])

    def done() -> np.ndarray:
        graph.destroy()
        return out

    return loop, done


@dataclass
class Variant:
    name: str
    package: str
    build: Build


def variants(chain: int) -> list[Variant]:
    return [
        Variant("chronus built-in", "chronus-audio", chronus_variant("built-in", chain)),
        Variant("chronus kernel", "chronus-audio", chronus_variant("kernel", chain)),
        Variant("pyo callback", "pyo", pyo_variant),
        Variant("signalflow Python loop", "signalflow", signalflow_variant),
    ]


# -- measurement ------------------------------------------------------------------------------
def cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def chronus_build() -> str:
    """When the extension whose speed is measured was built."""
    built = time.localtime(os.path.getmtime(cx._core.__file__))
    return f"extension built {time.strftime('%Y-%m-%d %H:%M', built)}"


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def timed(
    build: Build, dsp: Dsp | None, frames: int, seconds: float, x: np.ndarray
) -> tuple[float, np.ndarray]:
    with contextlib.redirect_stdout(io.StringIO()):  # pyo prints its server messages
        render, result = build(dsp, frames, seconds, x)
    start = time.perf_counter()
    render()
    wall = time.perf_counter() - start
    with contextlib.redirect_stdout(io.StringIO()):
        return wall, result()


@dataclass
class Row:
    variant: Variant
    dsp: Dsp
    frames: int
    per_block_ns: list[float] = field(default_factory=list)
    error: float = float("nan")
    skipped: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.per_block_ns) if self.per_block_ns else float("nan")


def check(row: Row, audio: np.ndarray, x: np.ndarray) -> None:
    """Largest difference from the NumPy reference, past pyo's fade-in (its first 10 ms)."""
    want = numpy_block(row.dsp.name)(x.astype(np.float64))[: audio.shape[0]]
    skip = SR // 100
    row.error = float(np.max(np.abs(audio[skip:] - want[skip:])))


def bench(sizes: list[int], seconds: float, runs: int, chain: int) -> list[Row]:
    rng = np.random.default_rng(1)
    x = rng.uniform(-0.5, 0.5, round(seconds * SR) + 4096).astype(np.float32)
    all_variants = variants(chain)
    single = {v.name: v for v in variants(1)}  # for the output check: one node, not a chain
    skipped = {}
    for v in all_variants:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                __import__(v.package.replace("chronus-audio", "chronus"))
        except Exception as exc:
            skipped[v.name] = f"{v.package} cannot be imported ({type(exc).__name__}: {exc})"
    rows = []
    for frames in sizes:
        for dsp in DSPS:
            group = [Row(v, dsp, frames, skipped=skipped.get(v.name)) for v in all_variants]
            rows += group
            live = [r for r in group if not r.skipped]
            for r in live:  # warm-up, and the output check
                _, audio = timed(single[r.variant.name].build, dsp, frames, min(seconds, 1.0), x)
                check(r, audio, x)
            for i in range(runs):
                for r in live[i % len(live) :] + live[: i % len(live)]:
                    nodes = chain if r.variant.name.startswith("chronus") else 1
                    base, _ = timed(r.variant.build, None, frames, seconds, x)
                    wall, _ = timed(r.variant.build, dsp, frames, seconds, x)
                    blocks = round(seconds * SR) / frames
                    r.per_block_ns.append((wall - base) / (nodes * blocks) * 1e9)
            summary = ", ".join(f"{r.variant.name} {r.median:.0f} ns" for r in live)
            print(f"  {dsp.name:9s} {frames:5d} frames: {summary}", file=sys.stderr, flush=True)
    return rows


def report(rows: list[Row], seconds: float, runs: int, chain: int) -> list[dict]:
    print(
        f"\nper-block cost of one node or callback, ns (median of {runs}; {seconds:g} s renders, "
        f"Chronus nodes in chains of {chain}); ratios against the Chronus kernel"
    )
    print(f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, {chronus_build()}")
    print(f"numba {version('numba')}, pyo {version('pyo')}, signalflow {version('signalflow')}")
    print(
        f"{'dsp':9s} {'frames':>6s} {'built-in':>9s} {'kernel':>8s} {'overhead':>9s} {'kern/blt':>8s} "
        f"{'pyo':>9s} {'pyo/kern':>8s} {'sigflow':>9s} {'sf/kern':>8s}  max error (built-in, kernel, pyo, sf)"
    )
    out = []
    keys = sorted({(r.frames, DSPS.index(r.dsp)) for r in rows})
    for frames, d in keys:
        group = {r.variant.name: r for r in rows if r.frames == frames and r.dsp is DSPS[d]}
        b, k = group["chronus built-in"], group["chronus kernel"]
        p, s = group["pyo callback"], group["signalflow Python loop"]

        def ratio(a: Row, ref: Row) -> str:
            return "" if a.skipped else f"{a.median / ref.median:7.1f}x"

        def ns(a: Row) -> str:
            return "skipped" if a.skipped else f"{a.median:9.0f}"

        errors = ", ".join("-" if r.skipped else f"{r.error:.1e}" for r in (b, k, p, s))
        print(
            f"{DSPS[d].name:9s} {frames:6d} {ns(b)} {k.median:8.0f} {k.median - b.median:9.0f} "
            f"{ratio(k, b):>8s} {ns(p)} {ratio(p, k):>8s} {ns(s)} {ratio(s, k):>8s}  {errors}"
        )
        for r in (b, k, p, s):
            out.append(
                {
                    "dsp": r.dsp.name,
                    "frames": frames,
                    "variant": r.variant.name,
                    "version": version(r.variant.package),
                    "per_block_ns": r.per_block_ns,
                    "median_ns": None if r.skipped else r.median,
                    "max_error": None if r.skipped else r.error,
                    "skipped": r.skipped,
                }
            )
    for name, r in {r.variant.name: r for r in rows if r.skipped}.items():
        print(f"{name}: skipped, {r.skipped}")
    print(
        "\noverhead: kernel minus built-in, per block. Built-ins: "
        + "; ".join(f"{d.name} = {d.builtin}" for d in DSPS)
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, nargs="+", default=[64, 256, 1024], help="block sizes")
    parser.add_argument("--seconds", type=float, help="render length (default 10; 1 with --quick)")
    parser.add_argument("--runs", type=int, help="timed runs, median counts (default 5; 2 with --quick)")
    parser.add_argument("--chain", type=int, default=16, help="Chronus nodes in series per render")
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()
    seconds = args.seconds or (1.0 if args.quick else 10.0)
    runs = args.runs or (2 if args.quick else 5)
    rows = bench(args.frames, seconds, runs, args.chain)
    results = report(rows, seconds, runs, args.chain)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"seconds": seconds, "runs": runs, "chain": args.chain, "results": results}, f, indent=2
            )
    bad = [r for r in rows if not r.skipped and not r.error <= TOLERANCE]
    for r in bad:
        print(f"INVALID: {r.variant.name} {r.dsp.name} at {r.frames}: error {r.error:.2e}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
