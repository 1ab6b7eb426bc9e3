"""The chronus command: demo, render, and its error messages."""

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from conftest import REPO

EXAMPLES = sorted((REPO / "examples").glob("*.py"))


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chronus.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_demo_writes_a_wav_and_summarizes_it(tmp_path):
    out = tmp_path / "demo.wav"
    res = run("demo", "-o", str(out), "--seconds", "2")
    assert res.returncode == 0, res.stderr
    assert "2.00 s, 2 ch, 48000 Hz" in res.stdout
    assert "peak" in res.stdout and "RMS" in res.stdout and "x real time" in res.stdout
    data, rate = sf.read(out)
    assert rate == 48000 and data.shape == (96000, 2)
    assert np.max(np.abs(data)) > 0.1


def test_there_are_at_least_three_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_renders(example: Path, tmp_path):
    out = tmp_path / f"{example.stem}.wav"
    res = run("render", str(example), "-o", str(out), "--seconds", "3")
    assert res.returncode == 0, res.stderr
    data, _ = sf.read(out)
    assert np.max(np.abs(data)) > 0.01
    assert np.max(np.abs(data)) <= 1.0


def test_render_errors_are_one_line_messages(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import chronus as cx\ng = cx.Graph()\ngraph = g\ng.output(g.sine(440, q=3))\n")
    res = run("render", str(bad), "-o", str(tmp_path / "x.wav"))
    assert res.returncode == 1
    assert "bad.py (line 4) raised TypeError" in res.stderr
    assert "Traceback" not in res.stderr
    res = run("render", str(EXAMPLES[0]), "-o", str(tmp_path / "x.wav"), "--seconds", "-2")
    assert res.returncode == 1 and "seconds must be a positive duration" in res.stderr


def test_devices_lists_the_null_backend():
    res = run("devices")
    assert res.returncode == 0, res.stderr
    assert "null" in res.stdout and "timer-paced" in res.stdout


def test_play_on_the_null_backend_prints_load_and_xruns():
    res = run("play", str(EXAMPLES[0]), "--backend", "null", "--seconds", "2")
    assert res.returncode == 0, res.stderr
    lines = [line for line in res.stdout.splitlines() if "load" in line]
    assert len(lines) == 2
    for line in lines:
        assert re.search(r"load +[\d.]+% \| callback p99 [\d.]+ ms of 5\.333 ms \| xruns \d+", line), line
    assert "playing" in res.stdout


PATCH = """
import chronus as cx

def patch():
    g = cx.Graph()
    g.output(g.sine({freq}) * 0.2)
    return g
"""


def test_play_watch_reloads_the_patch_when_it_is_saved(tmp_path):
    path = tmp_path / "live.py"
    path.write_text(PATCH.format(freq=220))
    cmd = [sys.executable, "-m", "chronus.cli", "play", str(path), "--backend", "null", "--seconds", "3.5"]
    proc = subprocess.Popen([*cmd, "--watch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.2)
        path.write_text(PATCH.format(freq=330))
        time.sleep(1.0)
        path.write_text("def broken(:\n")
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert f"reloaded {path}" in out
    assert "not reloaded, still playing the previous graph" in out and "SyntaxError" in out
    assert len([line for line in out.splitlines() if "load" in line]) >= 3


def test_latency_through_jack(jack_server):
    res = run("latency", "--backend", "jack")
    assert res.returncode == 0, res.stderr
    assert f"round-trip latency: {jack_server['blocksize']} frames" in res.stdout


def test_play_with_a_missing_backend_is_a_clear_error():
    res = run("play", str(EXAMPLES[0]), "--backend", "nosuch", "--seconds", "1")
    assert res.returncode == 1
    assert "unknown backend 'nosuch'" in res.stderr
