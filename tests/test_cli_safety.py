"""The command line treats patch files as code and bad files as errors: only .py files run,
an exiting or hanging patch is an error, MIDI files with absurd times or tempos are named."""

from __future__ import annotations

import subprocess
import sys
import time

import mido
import numpy as np
import soundfile as sf


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chronus.cli", *args], capture_output=True, text=True, timeout=timeout
    )


def test_only_python_files_run_as_patches(tmp_path):
    for name in ("patch.txt", "take.wav", "patch"):
        f = tmp_path / name
        f.write_text("import os\nos.system('touch pwned')\n")
        res = run("render", str(f), "-o", str(tmp_path / "x.wav"))
        assert res.returncode == 1
        assert "only Python files ending in .py are run as patches" in res.stderr
        assert "Traceback" not in res.stderr
    assert not (tmp_path / "pwned").exists()
    help_text = run("render", "--help").stdout
    assert "Python code" in help_text and "trust" in help_text


def test_an_exiting_patch_is_an_error(tmp_path):
    for code in ("0", "3", "'bye'"):
        f = tmp_path / "exits.py"
        f.write_text(f"import sys\nsys.exit({code})\n")
        res = run("render", str(f), "-o", str(tmp_path / "x.wav"))
        assert res.returncode == 1, res.stderr
        assert f"exited (SystemExit({code}))" in res.stderr
        assert not (tmp_path / "x.wav").exists()


def test_a_hanging_patch_times_out(tmp_path):
    f = tmp_path / "hangs.py"
    f.write_text("while True:\n    pass\n")
    started = time.monotonic()
    res = run("render", str(f), "-o", str(tmp_path / "x.wav"), "--timeout", "1", timeout=30)
    assert res.returncode == 1
    assert "did not finish building its graph within 1 s" in res.stderr
    assert time.monotonic() - started < 15


def test_play_refuses_a_negative_length():
    res = run("play", "examples/drone.py", "--backend", "null", "--seconds", "-1")
    assert res.returncode == 2 and "must be a positive number of seconds" in res.stderr


def midi_file(path, events, ticks_per_beat=96):
    mf = mido.MidiFile(type=0, ticks_per_beat=ticks_per_beat)
    track = mido.MidiTrack(events)
    mf.tracks.append(track)
    mf.save(path)
    return path


def test_a_note_without_note_off_sounds_until_the_song_ends_with_a_warning(tmp_path):
    path = midi_file(
        tmp_path / "open.mid",
        [
            mido.Message("note_on", note=60, velocity=100, time=0),
            mido.Message("note_on", note=64, velocity=100, time=96),
            mido.Message("note_off", note=64, velocity=0, time=192),
        ],
    )
    out = tmp_path / "open.wav"
    res = run("render", str(path), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "1 note(s) have no note-off" in res.stderr
    audio, rate = sf.read(out)
    first_beat = audio[: rate // 2]
    assert np.max(np.abs(first_beat)) > 0.01


def test_midi_files_with_absurd_times_or_tempos_are_named(tmp_path):
    far = midi_file(
        tmp_path / "far.mid",
        [
            mido.Message("note_on", note=60, velocity=100, time=0),
            mido.Message("note_off", note=60, velocity=0, time=0x0FFFFFFF),
        ],
    )
    started = time.monotonic()
    res = run("render", str(far), "-o", str(tmp_path / "far.wav"))
    assert res.returncode == 1 and "far.mid lasts 388.4 hours" in res.stderr, res.stderr
    assert time.monotonic() - started < 30
    for tempo, reason in ((0, "a tempo of 0 µs per beat"), (1, "outside (0, 10000]")):
        path = midi_file(
            tmp_path / f"tempo{tempo}.mid",
            [
                mido.MetaMessage("set_tempo", tempo=tempo, time=0),
                mido.Message("note_on", note=60, velocity=100, time=0),
                mido.Message("note_off", note=60, velocity=0, time=96),
            ],
        )
        res = run("render", str(path), "-o", str(tmp_path / "x.wav"))
        assert res.returncode == 1
        assert f"tempo{tempo}.mid" in res.stderr and reason in res.stderr, res.stderr
