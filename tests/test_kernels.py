"""Kernels: Python DSP compiled by numba, run by the engine on its audio thread.

Each example kernel's output is compared with the same Python function run by NumPy on the
same input (and, for the one-pole, with scipy's lfilter), offline and live; kernels that
would allocate, raise or call Python are refused when decorated."""

import gc
import os
import runpy
import subprocess
import sys
import time
import weakref

import numpy as np
import pytest
from scipy.signal import lfilter

import chronus as cx
from conftest import REPO, SR, wait_until

pytest.importorskip("numba")

EXAMPLES = REPO / "examples"


def example(name: str) -> dict:
    return runpy.run_path(str(EXAMPLES / f"kernel_{name}.py"))


def reference(k: cx.Kernel, inputs: np.ndarray, params: dict[str, np.ndarray], lane: int = 0) -> np.ndarray:
    """``k``'s Python function run by NumPy over the whole signal as one block."""
    frames = inputs.shape[1]
    out = np.zeros((k.outputs, frames), np.float32)
    rows = [np.clip(params[p], lo, hi).astype(np.float32) for p, (_, lo, hi) in k.params.items()]
    state = [np.zeros(n) for n in k.state.values()]
    extras = {"samplerate": float(SR), "lane": lane}
    names = list(__import__("inspect").signature(k.py_func).parameters)[len(rows) + len(state) + 3 :]
    k.py_func(inputs.astype(np.float32), out, *rows, *state, frames, *[extras[n] for n in names])
    return out


def test_the_waveshaper_matches_its_numpy_reference_with_a_modulated_clamped_drive():
    shaper = example("waveshaper")["shaper"]
    n = SR // 2
    t = np.arange(n) / SR
    x = 0.8 * np.sin(2 * np.pi * 220 * t)
    drive = np.linspace(0.0, 60.0, n)  # past its maximum of 50: clamped
    g = cx.Graph()
    y = g.kernel(shaper, g.input(1, offset=0), drive=g.input(1, offset=1), bias=0.3)
    g.output(y)
    got = cx.render(g, n / SR, input=np.stack([x, drive]).astype(np.float32))[0]
    want = reference(shaper, x[None], {"drive": drive, "bias": np.full(n, 0.3)})[0]
    assert np.max(np.abs(got - want)) < 2e-6
    assert np.max(np.abs(got - (np.tanh(np.minimum(drive, 50) * x + 0.3) - np.tanh(0.3)))) < 1e-5


def test_the_one_pole_matches_numpy_and_scipy():
    one_pole = example("one_pole")["one_pole"]
    n = SR // 2
    x = np.random.default_rng(3).uniform(-1, 1, n).astype(np.float32)
    g = cx.Graph()
    g.output(g.kernel(one_pole, g.input(), cutoff=800.0))
    got = cx.render(g, n / SR, blocksize=64, input=x)[0]
    want = reference(one_pole, x[None], {"cutoff": np.full(n, 800.0)})[0]
    assert np.max(np.abs(got - want)) < 1e-6
    a = 1 - np.exp(-2 * np.pi * 800 / SR)
    assert np.max(np.abs(got - lfilter([a], [1, a - 1], x))) < 1e-5


def test_karplus_strong_runs_one_string_per_lane():
    string = example("karplus")["string"]
    n = SR // 2
    burst = np.zeros(n, np.float32)
    burst[:200] = np.random.default_rng(5).uniform(-1, 1, 200)
    freqs = [110.0, 196.0]
    g = cx.Graph()
    strings = g.kernel(string, g.input(), freq=freqs, decay=0.995)
    g.output(strings)
    got = cx.render(g, n / SR, input=burst)
    assert got.shape == (2, n)
    for lane, f in enumerate(freqs):
        want = reference(string, burst[None], {"freq": np.full(n, f), "decay": np.full(n, 0.995)}, lane)[0]
        assert np.max(np.abs(got[lane] - want)) < 1e-6
        # It rings with a period of int(SR / f) + 1/2 samples (the averaging adds half).
        tail = got[lane][n // 4 :].astype(np.float64)
        period = int(SR / f) + 0.5
        lags = np.arange(int(0.6 * period), int(1.4 * period))
        corr = [np.dot(tail[:-lag], tail[lag:]) for lag in lags]
        assert abs(lags[int(np.argmax(corr))] - period) <= 1


def test_granular_grains_match_their_numpy_reference():
    granulate = example("granular")["granulate"]
    n = SR // 4
    t = np.arange(n) / SR
    x = np.sin(2 * np.pi * (330 * t + 40 * t**2)).astype(np.float32)
    g = cx.Graph()
    g.output(g.kernel(granulate, g.input(), density=80, size=0.03, pitch=1.5))
    got = cx.render(g, n / SR, input=x)[0]
    params = {"density": np.full(n, 80.0), "size": np.full(n, 0.03), "pitch": np.full(n, 1.5)}
    want = reference(granulate, x[None], params)[0]
    assert np.max(np.abs(got)) > 0.1
    assert np.max(np.abs(got - want)) < 1e-5


def test_every_example_plays_and_renders():
    for name in ["waveshaper", "one_pole", "karplus", "granular"]:
        patch = cx.load_patch(EXAMPLES / f"kernel_{name}.py")
        audio = cx.render(patch.graph, 1.0)
        assert np.all(np.isfinite(audio)) and np.max(np.abs(audio)) > 0.01, name
        with cx.Engine(patch.graph, backend="null") as live:
            assert wait_until(lambda live=live: max(live.meters()["peak"] or [0]) > 0.001), name


def build_live_graph(string: cx.Kernel, one_pole: cx.Kernel) -> cx.Graph:
    g = cx.Graph()
    env = g.adsr(gate=1, attack=0.0005, decay=0.004, sustain=0.0)
    plucks = g.kernel(string, g.noise(seed=9) * env, freq=[98.0, 147.0], decay=0.996)
    g.output(g.kernel(one_pole, plucks.sum(), cutoff=2000 + 1500 * g.sine(3.0)) * 0.5)
    return g


def test_a_live_capture_equals_the_render(backend):
    string, one_pole = example("karplus")["string"], example("one_pole")["one_pole"]
    g = build_live_graph(string, one_pole)
    options = {"connect": False} if backend == "jack" else {}
    with cx.Engine(g, backend=backend, **options) as live:
        live.start_capture()
        time.sleep(0.6)
        audio, start = live.stop_capture()
    reference = cx.render(build_live_graph(string, one_pole), (start + audio.shape[1]) / SR)
    assert np.max(np.abs(audio)) > 0.01
    assert np.array_equal(audio[0], reference[0, start:])


def test_kernels_that_would_allocate_raise_or_call_python_are_refused():
    with pytest.raises(cx.KernelError, match=r"kernel 'copying' .*allocates.*\n  line \d+: tmp = np.empty"):

        @cx.kernel()
        def copying(inp, out, frames):
            tmp = np.empty(frames, np.float32)
            for i in range(frames):
                tmp[i] = inp[0, i]
            for i in range(frames):
                out[0, i] = tmp[i]

    with pytest.raises(
        cx.KernelError, match=r"kernel 'doubled' .*allocates.*\n  line \d+: out\[0\] = inp\[0\] \* 2"
    ):

        @cx.kernel()
        def doubled(inp, out, frames):
            out[0] = inp[0] * 2  # a whole-array expression makes a temporary array

    with pytest.raises(cx.KernelError, match=r"kernel 'chatty' .*calls into Python.*\n  line \d+: print"):

        @cx.kernel()
        def chatty(inp, out, frames):
            print(frames)

    with pytest.raises(cx.KernelError, match=r"kernel 'strict' .*can raise an exception"):

        @cx.kernel(params={"limit": 1.0})
        def strict(inp, out, limit, frames):
            for i in range(frames):
                if inp[0, i] > limit[i]:
                    raise ValueError("too loud")
                out[0, i] = inp[0, i]

    with pytest.raises(cx.KernelError, match=r"(?s)kernel 'broken' does not compile.*undefined_name"):

        @cx.kernel()
        def broken(inp, out, frames):
            out[0, 0] = undefined_name  # noqa: F821


def test_bad_declarations_name_the_kernel():
    def body(inp, out, frames):
        pass

    with pytest.raises(cx.KernelError, match="kernel 'body': inputs must be a whole number from 0 to 8"):
        cx.kernel(inputs=9)(body)
    with pytest.raises(cx.KernelError, match="kernel 'body': parameter name 'frames' is reserved"):
        cx.kernel(params={"frames": 1.0})(body)
    with pytest.raises(
        cx.KernelError, match=r"kernel 'body': the function takes \(inp, out, frames\); it needs 4"
    ):
        cx.kernel(params={"gain": 1.0})(body)
    with pytest.raises(cx.KernelError, match="parameter 'gain' needs finite min <= default <= max"):
        cx.kernel(params={"gain": (5.0, 0.0, 1.0)})(body)
    shaper = example("waveshaper")["shaper"]
    g = cx.Graph()
    with pytest.raises(cx.GraphError, match=r"kernel 'shaper' has no parameter 'gain' .*drive, bias"):
        g.kernel(shaper, g.sine(1), gain=1)
    with pytest.raises(cx.GraphError, match=r"parameter 'drive' = 80 is outside \[0, 50\]"):
        g.kernel(shaper, g.sine(1), drive=80)


def test_a_sample_kernel_is_sugar_for_the_block_loop():
    @cx.sample_kernel(outputs=2, params={"drive": 2.0})
    def split(x, drive):
        return np.tanh(drive * x), -x

    g = cx.Graph()
    k = g.kernel(split, g.input(), drive=3.0)
    g.output(g.stack(k, k.out("out2")))
    x = np.linspace(-1, 1, 4800).astype(np.float32)
    got = cx.render(g, 0.1, input=x)
    assert np.max(np.abs(got[0] - np.tanh(3 * x))) < 1e-6
    assert np.array_equal(got[1], -x)


def test_non_finite_outputs_reset_the_kernel_and_count_as_its_repairs():
    @cx.kernel(state={"acc": 1}, cache=False)
    def blows_up(inp, out, acc, frames):
        for i in range(frames):
            acc[0] = acc[0] * 1e10 + 1.0  # overflows to inf within every block
            out[0, i] = acc[0]

    g = cx.Graph()
    g.output(g.kernel(blows_up, g.const([0.0, 0.0])))  # two lanes
    audio = cx.render(g, 0.1, blocksize=64)
    assert np.all(np.isfinite(audio)) and np.all(audio == 0)
    with cx.Engine(g, backend="null") as live:
        assert wait_until(lambda: live.stats()["callbacks"] >= 20)
        stats, peak = live.stats(), max(live.meters()["peak"])
    # Both lanes blow up in every block, each reset starting afresh: one repair per block.
    assert stats["node_resets"] == stats["callbacks"], stats
    assert stats["ignored_samples"] == 0 and peak == 0


def test_compiled_kernels_are_cached_on_disk(tmp_path):
    script = (
        "import runpy\n"
        f"ns = runpy.run_path({str(EXAMPLES / 'kernel_one_pole.py')!r})\n"
        "print(ns['one_pole'].cache_hit)\n"
    )
    env = {**os.environ, "CHRONUS_KERNEL_CACHE": str(tmp_path)}
    runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
        )
        runs.append((out.stdout.strip(), time.perf_counter() - t0))
        assert out.returncode == 0, out.stderr
    assert [r[0] for r in runs] == ["False", "True"]
    assert any(p.suffix == ".ok" for p in tmp_path.iterdir()), "the check's approval is kept beside the code"


def test_replace_kernel_keeps_matching_parameters_and_releases_the_old_code():
    def make(sign: float) -> cx.Kernel:
        @cx.kernel(params={"gain": 1.0}, state={"z": 1}, name=f"gain{sign:+}", cache=False)
        def scaled(inp, out, gain, z, frames):
            for i in range(frames):
                out[0, i] = sign * gain[i] * inp[0, i]

        return scaled

    first, second = make(1.0), make(-1.0)
    g = cx.Graph()
    node = g.kernel(first, g.input(), gain=0.5)
    g.output(node)
    x = np.ones(480, np.float32)
    assert np.allclose(cx.render(g, 0.01, input=x), 0.5)
    g.replace_kernel(node, second)
    assert node.kernel is second
    assert np.allclose(cx.render(g, 0.01, input=x), -0.5), "the gain of 0.5 carried over"
    code = weakref.ref(first.cfunc)
    del first
    gc.collect()
    assert code() is None, "nothing holds the replaced kernel's code any more"


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_hundred_live_kernel_swaps_never_click_leak_or_keep_old_code():
    def shaper(curve: float) -> cx.Kernel:
        @cx.kernel(params={"gain": 0.4}, name=f"shaper_{curve}", cache=False)
        def shaped(inp, out, gain, frames):
            for i in range(frames):
                out[0, i] = gain[i] * np.tanh(curve * inp[0, i]) / np.tanh(curve)

        return shaped

    a, b = shaper(1.0), shaper(2.0)
    g = cx.Graph()
    node = g.kernel(a, g.sine(220.0), gain=0.4)
    g.output(node)
    # The largest step any of the shapes takes on its own: 0.4 * slope at 0 * 2 pi 220 / SR.
    bound = 0.4 * max(c / np.tanh(c) for c in (1.0, 2.0, 1.5, 2.5, 3.0)) * 2 * np.pi * 220 / SR
    released = []
    with cx.Engine(g, backend="null") as live:
        live.start_capture()
        for i in range(100):
            if i == 10:
                gc.collect()
                rss_before = rss_bytes()
            live.replace_kernel(node, b if i % 2 == 0 else a)
            time.sleep(0.012)
        time.sleep(0.05)
        live.update()  # collects what the audio thread handed back
        gc.collect()
        rss_after = rss_bytes()
        # Three fresh kernels played and replaced: their code goes once the audio thread
        # has handed back every schedule that could call it.
        for curve in (1.5, 2.5, 3.0):
            fresh = shaper(curve)
            released.append(weakref.ref(fresh.cfunc))
            live.replace_kernel(node, fresh)
            time.sleep(0.02)
            live.replace_kernel(node, a)
            del fresh
        time.sleep(0.1)
        live.update()
        gc.collect()
        audio, _ = live.stop_capture()
        stats = live.stats()
    assert stats["swaps"] >= 106
    steps = np.abs(np.diff(audio[0]))
    assert steps.max() <= 1.05 * bound, (steps.max(), bound)
    assert np.max(np.abs(audio)) > 0.35
    assert rss_after - rss_before < 2 << 20, (rss_before, rss_after)
    assert all(r() is None for r in released), "replaced kernels' code is released"


def test_a_kernel_that_runs_too_long_counts_late_callbacks_and_still_closes(backend):
    """A kernel spinning for several block deadlines per call: the engine reports the late
    callbacks (and JACK its xruns), Python stays responsive, and closing returns."""

    @cx.kernel(params={"spins": 1.0}, name="too_long", cache=False)
    def too_long(inp, out, spins, frames):
        acc = 0.0
        for j in range(int(spins[0])):
            acc += np.sin(j * 1e-3)
        for i in range(frames):
            out[0, i] = inp[0, i] + 1e-30 * acc

    # About eight deadlines of work per call, measured here since the machine's speed varies
    # (a loaded machine overstates it: JACK's real-time thread then runs it in about three).
    probe = cx.Graph()
    probe.output(probe.kernel(too_long, probe.sine(220.0), spins=2e5))
    started = time.perf_counter()
    cx.render(probe, 20 * 256 / SR, blocksize=256)
    per_spin = (time.perf_counter() - started) / (20 * 2e5)
    spins = min(8 * (256 / SR) / per_spin, 5e7)

    g = cx.Graph()
    g.output(g.kernel(too_long, g.sine(220.0), spins=spins))
    options = {"connect": False} if backend == "jack" else {}
    live = cx.Engine(g, backend=backend, blocksize=256, **options)
    ticks = 0
    deadline = time.perf_counter() + 1.0
    while time.perf_counter() < deadline:  # the control side is not held up by the audio thread
        ticks += 1
        time.sleep(0.001)
    stats = live.stats()
    started = time.perf_counter()
    live.close()
    closed_in = time.perf_counter() - started
    assert stats["late_callbacks"] + stats["xruns"] > 0, stats
    assert ticks > 300, ticks
    assert closed_in < 5.0, closed_in
    with cx.Engine(cx.Graph(), backend=backend, **options) as again:  # the backend is usable again
        time.sleep(0.1)
        assert again.stats()["callbacks"] > 0
