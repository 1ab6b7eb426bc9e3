"""Seeing inside a playing graph: ``live.read`` gives the last frame a node wrote (checked
against a capture and against formulas), ``live.profile`` finds the node that costs most,
and ``chronus play --profile`` prints it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import chronus as cx
from conftest import wait_until

SR = 48_000


def test_read_gives_a_constant_and_follows_a_set():
    g = cx.Graph()
    level = g.const(0.25, name="level")
    g.output(g.sine(440) * level)
    with cx.Engine(g, backend="null", smoothing=0.0) as live:
        assert live.read(level) == [0.25]
        live.set(level.value, 0.75)
        assert wait_until(lambda: live.read(level) == [0.75], timeout=2.0)


def test_read_of_a_meter_equals_numpy_on_the_signal():
    """A 0.5-amplitude sine: the meter's peak holds 0.5 and its RMS settles on 0.5 / sqrt(2)."""
    g = cx.Graph()
    meter = g.meter(g.sine(1000) * 0.5, window=0.02, release=1.5)
    g.output(meter)
    x = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(SR) / SR)
    with cx.Engine(g, backend="null", samplerate=SR) as live:
        time.sleep(0.3)
        (peak,) = live.read(meter.peak)
        (rms,) = live.read(meter.rms)
    assert peak == pytest.approx(np.max(np.abs(x)), rel=1e-3)
    assert rms == pytest.approx(np.sqrt(np.mean(x**2)), rel=0.02)


def test_read_is_the_last_frame_of_the_block_on_a_capture(jack_server):
    """With a ramp on the output, the value read equals the captured sample at the clock of
    the block it came from: the frame just before a block boundary."""
    g = cx.Graph()
    ramp = g.saw(1.0) * 0.5
    g.output(ramp)
    block = jack_server["blocksize"]
    with cx.Engine(g, backend="jack", connect=False, smoothing=0.0) as live:
        live.start_capture()
        time.sleep(0.2)
        (value,) = live.read(ramp)
        time.sleep(0.1)
        audio, start = live.stop_capture()
    x = audio[0]
    # The saw climbs 1/SR per frame, so the value matches one captured frame only: the last
    # of a block.
    ends = np.arange(block - 1 - (start % block), len(x), block)
    match = int(np.argmin(np.abs(x - value)))
    assert abs(x[match] - value) < 1e-6
    assert match in ends


def test_read_refuses_a_signal_of_another_graph():
    g, other = cx.Graph(), cx.Graph()
    g.output(g.sine(220))
    stranger = other.sine(330)
    with cx.Engine(g, backend="null") as live, pytest.raises(ValueError, match="not a node output"):
        live.read(stranger)


def test_profile_names_the_node_that_costs_most():
    g = cx.Graph()
    bank = g.lowpass(g.saw([100.0 + i for i in range(128)], name="bank_osc"), 800, q=2.0, name="bank")
    cheap = g.const(0.001, name="cheap")
    g.output(bank.sum() * cheap)
    with cx.Engine(g, backend="null") as live:
        live.profile()
        time.sleep(0.5)
        rows = live.profile()
        live.stop_inspecting()
    by_name = {r.name: r for r in rows}
    assert rows[0].name in ("bank", "bank_osc")
    assert by_name["bank"].mean_ms > 5 * by_name["cheap"].mean_ms
    assert all(r.passes > 10 and r.worst_ms >= r.mean_ms for r in rows)
    assert sum(r.share for r in rows) == pytest.approx(1.0)


def test_chronus_play_profile_prints_the_costliest_nodes(tmp_path: Path):
    patch = tmp_path / "bank.py"
    patch.write_text(
        "import chronus as cx\n\n"
        "def patch() -> cx.Graph:\n"
        "    g = cx.Graph()\n"
        "    bank = g.lowpass(g.saw([100.0 + i for i in range(64)]), 800, name='bank')\n"
        "    g.output(bank.sum() * 0.001)\n"
        "    return g\n"
    )
    cmd = [sys.executable, "-m", "chronus.cli", "play", str(patch), "--backend", "null", "--seconds", "2"]
    res = subprocess.run([*cmd, "--profile", "2"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    rows = [line for line in res.stdout.splitlines() if "of node time" in line]
    assert len(rows) == 4, res.stdout  # two reports, two nodes each
    assert re.search(r"^\s+(bank|saw#0)\s+(svf|saw)\s+mean +[\d.]+ ms \| worst +[\d.]+ ms", rows[0]), rows[0]
