"""Probe nodes: the figures a render returns equal numpy's on the rendered signal, window by
window (minimum and maximum exactly, RMS to a float32 rounding); non-finite samples are
counted and left out; a live engine (null backend and JACK) publishes the very records the
render returns for the same frames, which equal numpy's on the live capture too."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import chronus as cx
from chronus.probes import ProbeReading, ProbeWindows
from conftest import SR, wait_until

#: RMS is summed in float64 and rounded to float32 once: within one float32 rounding of
#: numpy's float64 figure.
RMS_RTOL = 2e-7


def numpy_figures(x: np.ndarray, window: int) -> tuple[np.ndarray, ...]:
    """(min, max, rms, nonfinite) per window and lane of ``x`` (lanes, frames), with
    non-finite samples left out of the first three (0 when a window has none)."""
    lanes, frames = x.shape
    n = frames // window
    w = x[:, : n * window].reshape(lanes, n, window).transpose(1, 0, 2).astype(np.float64)
    finite = np.isfinite(w)
    count = finite.sum(axis=2)
    safe = np.where(finite, w, 0.0)
    mins = np.where(count > 0, np.where(finite, w, np.inf).min(axis=2), 0.0)
    maxs = np.where(count > 0, np.where(finite, w, -np.inf).max(axis=2), 0.0)
    rms = np.sqrt((safe**2).sum(axis=2) / np.maximum(count, 1))
    return mins, maxs, rms, window - count


def assert_figures_equal_numpy(got: ProbeWindows, x: np.ndarray) -> None:
    mins, maxs, rms, bad = numpy_figures(x, got.window)
    assert len(got) == len(mins) and got.lanes == x.shape[0]
    assert np.array_equal(got.frames, np.arange(len(got)) * got.window)
    assert np.array_equal(got.min, mins.astype(np.float32))
    assert np.array_equal(got.max, maxs.astype(np.float32))
    np.testing.assert_allclose(got.rms, rms, rtol=RMS_RTOL, atol=0)
    assert np.array_equal(got.nonfinite, bad)


def filtered_chord() -> tuple[cx.Graph, float]:
    """Two lanes (220 and 331 Hz saws) through a lowpass, probed "after filter", then halved
    (exactly, so the probed signal is twice the output)."""
    g = cx.Graph()
    swell = 0.3 + 0.25 * g.sine(1.5)
    filt = g.lowpass(g.saw([220.0, 331.0]) * swell, cutoff=1200.0, q=1.5)
    probe = g.probe(filt, "after filter", window=300)
    g.output(probe * 0.5)
    return g, 0.5


def test_probe_figures_equal_numpy_on_the_rendered_signal():
    g, gain = filtered_chord()
    audio, probes = cx.render(g, 0.5, SR, probes=True)
    assert list(probes) == ["after filter"]
    got = probes["after filter"]
    assert got.window == 300 and len(got) == 0.5 * SR // 300
    assert_figures_equal_numpy(got, audio / gain)
    assert got.rms.min() > 0.01, "the comparison needs sound"
    one = got[3]
    assert isinstance(one, ProbeReading) and one.frame == 900 and one.label == "after filter"
    assert one.rms == tuple(float(v) for v in got.rms[3])


def test_the_block_size_and_a_file_render_give_the_same_probe_records(tmp_path: Path):
    g, _ = filtered_chord()
    _, small = cx.render(g, 0.3, SR, 64, probes=True)
    _, large = cx.render(g, 0.3, SR, 1024, probes=True)
    path, streamed = cx.render(g, 0.3, SR, 256, out=tmp_path / "x.wav", probes=True)
    assert path.is_file()
    for other in (large, streamed):
        a, b = small["after filter"], other["after filter"]
        for field in ("frames", "min", "max", "rms", "nonfinite"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), field


def test_a_render_without_probes_is_unchanged_and_probes_is_typed_off_by_default():
    g, _ = filtered_chord()
    plain = cx.render(g, 0.1)
    audio, _ = cx.render(g, 0.1, probes=True)
    assert isinstance(plain, np.ndarray) and np.array_equal(plain, audio)
    empty = cx.Graph()
    empty.output(empty.sine(100))
    assert cx.render(empty, 0.05, probes=True).probes == {}


def test_a_nan_injecting_signal_counts_nonfinite_samples():
    """Input samples of 3e38 overflow to infinity times 1e9, and inf - inf is NaN: the graph
    turns them into NaN and passes every other sample through exactly."""
    x = (0.5 * np.sin(2 * np.pi * 440.0 * np.arange(4800) / SR)).astype(np.float32)
    spikes = [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 2500, 2501, 4000]
    x[spikes] = 3e38
    g = cx.Graph()
    source = g.input(channels=1)
    big = source * 1e9
    g.output(g.probe((big - big) + source, "spoilt", window=256))
    _, probes = cx.render(g, 0.1, SR, input=x, probes=True)
    got = probes["spoilt"]
    counts = got.nonfinite[:, 0]
    assert counts[1000 // 256] == 10 and counts[2500 // 256] == 2 and counts[4000 // 256] == 1, counts
    assert counts.sum() == len(spikes)
    assert np.all(np.isfinite(got.min)) and np.all(np.isfinite(got.rms))
    # numpy on the same samples, NaNs and all, agrees.
    spoilt = x.copy()
    spoilt[spikes] = np.nan
    assert_figures_equal_numpy(got, spoilt[None, :])


def test_the_probe_builder_takes_its_label_second_and_names_the_node():
    g = cx.Graph()
    p = g.probe(g.sine(1.0), "after filter")
    assert p.name == "after filter" and p.kind == "probe"
    assert g.probe(g.sine(1.0)).name.startswith("probe#")
    with pytest.raises(cx.GraphError, match="after filter"):
        g.probe(g.sine(1.0), "after filter")
    with pytest.raises(TypeError, match="label must be a string"):
        g.probe(g.sine(1.0), 3)  # type: ignore[arg-type]


def live_probes_equal_the_render(backend: str, **engine: object) -> None:
    """Plays a probed graph, reads ``live.probes()`` a few times while capturing, and checks
    every reading against the render's record for the same window and against numpy on the
    captured samples of that window."""
    g, gain = filtered_chord()
    readings: list[ProbeReading] = []
    with cx.Engine(g, backend=backend, blocksize=256, **engine) as live:  # type: ignore[arg-type]
        assert wait_until(lambda: live.probes()["after filter"] is not None, 5.0)
        live.start_capture()
        start = live.frame()
        for _ in range(5):
            time.sleep(0.05)
            reading = live.probes()["after filter"]
            assert reading is not None
            readings.append(reading)
        assert wait_until(lambda: live.frame() > start + 0.4 * SR, 5.0)
        capture, first = live.stop_capture()
    assert len({r.frame for r in readings}) > 1, "the readings follow the audio"
    end = max(r.frame + r.window for r in readings)
    _, probes = cx.render(g, end / SR, SR, 256, probes=True)
    rendered = probes["after filter"]
    compared_with_capture = 0
    for r in readings:
        assert r.frame % r.window == 0
        assert r == rendered[r.frame // r.window], "live equals offline"
        lo = r.frame - first
        if lo >= 0 and lo + r.window <= capture.shape[1]:
            mins, maxs, rms, bad = numpy_figures(capture[:2, lo : lo + r.window] / gain, r.window)
            assert r.min == tuple(mins[0].astype(np.float32)) and r.max == tuple(maxs[0].astype(np.float32))
            np.testing.assert_allclose(r.rms, rms[0], rtol=RMS_RTOL)
            assert r.nonfinite == tuple(bad[0]) == (0, 0)
            compared_with_capture += 1
    assert compared_with_capture >= 1


def test_live_probes_equal_the_render_on_the_null_backend():
    live_probes_equal_the_render("null", outputs=2)


def test_live_probes_equal_the_render_on_jack(jack_server: dict):
    assert jack_server["samplerate"] == SR
    live_probes_equal_the_render("jack", connect=False, outputs=2)


def test_live_probes_before_the_first_window_and_of_probes_not_sent_yet():
    g = cx.Graph()
    g.output(g.probe(g.sine(220.0), "slow", window=48_000 * 20))
    with cx.Engine(g, backend="null") as live:
        assert live.probes() == {"slow": None}
        g.probe(g.sine(1.0), "added later")
        assert "added later" not in live.probes()
        live.update()
        assert wait_until(lambda: "added later" in live.probes(), 2.0)


def test_chronus_play_prints_the_probes_each_second(tmp_path: Path):
    patch = tmp_path / "probed.py"
    patch.write_text(
        "import chronus as cx\n\n"
        "def patch() -> cx.Graph:\n"
        "    g = cx.Graph()\n"
        "    g.output(g.probe(g.sine(100.0) * 0.5, 'tone out', window=480))\n"
        "    return g\n"
    )
    cmd = [sys.executable, "-m", "chronus.cli", "play", str(patch), "--backend", "null", "--seconds", "2"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    rows = [line for line in res.stdout.splitlines() if "probe 'tone out'" in line]
    assert len(rows) == 2, res.stdout
    assert re.search(r"min -0\.5000 \| max \+0\.5000 \| rms 0\.3536 \| non-finite 0$", rows[-1]), rows[-1]
