"""The README is a test: every code block in it runs as written, in a folder holding the
small files the blocks name, and the Python ones pass mypy --strict."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest

import chronus as cx
from conftest import REPO

README = REPO / "README.md"
#: Blocks that set the machine up or run this very test suite.
META = ("scripts/setup.sh", "scripts/test.sh")


def blocks(language: str) -> list[str]:
    text = README.read_text()
    found = re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    return [code for lang, code in found if lang == language]


PYTHON = blocks("python")
SHELL = [b for b in blocks("sh") if not any(m in b for m in META)]


def test_the_readme_has_the_blocks_this_test_expects() -> None:
    assert len(PYTHON) >= 7 and len(SHELL) >= 1
    assert "../" not in README.read_text(), "the README links outside the repository"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working folder with the files the README's blocks read: a short MIDI song, a saved
    session (song.chronus.json and its loop), and the examples folder."""
    mf = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100)))
    for i, note in enumerate([60, 64, 67, 72]):
        track.append(mido.Message("note_on", note=note, velocity=90, time=0 if i == 0 else 240))
        track.append(mido.Message("note_off", note=note, velocity=0, time=240))
    mf.tracks.append(track)
    mf.save(tmp_path / "song.mid")
    loop = np.zeros(48_000, dtype=np.float32)
    loop[::12_000] = 0.5
    cx.write_audio(tmp_path / "loop.wav", loop, 48_000)
    session = cx.Session(samplerate=48_000, bpm=120)
    session.track("loop").clip(tmp_path / "loop.wav", beat=0, loop=True, until_beat=8)
    session.save(tmp_path / "song.chronus.json")
    (tmp_path / "examples").symlink_to(REPO / "examples")
    return tmp_path


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_every_python_block_runs_as_written(index: int, folder: Path, request: pytest.FixtureRequest) -> None:
    code = PYTHON[index]
    if "cx.Engine(" in code:
        request.getfixturevalue("jack_server")  # plays live: the default backend finds it
    script = folder / f"block_{index}.py"
    script.write_text(code)
    out = run([sys.executable, str(script)], folder)
    assert out.returncode == 0, f"README block {index} failed:\n{code}\n{out.stdout}\n{out.stderr}"


def test_the_python_blocks_type_check(tmp_path: Path) -> None:
    from mypy import api

    for index, code in enumerate(PYTHON):
        (tmp_path / f"block_{index}.py").write_text(code)
    out, err, status = api.run(["--strict", "--cache-dir", str(tmp_path / ".mypy"), str(tmp_path)])
    assert status == 0, out + err


@pytest.mark.parametrize("index", range(len(SHELL)))
def test_every_shell_block_runs_as_written(index: int, folder: Path) -> None:
    code = SHELL[index]
    out = run(["bash", "-e", "-c", code], folder)
    assert out.returncode == 0, f"README shell block {index} failed:\n{code}\n{out.stdout}\n{out.stderr}"
