"""The apps built on the analyzers: the drum timing trainer, the pitch-to-MIDI monitor and
the feature recorder into Zarr, over files and live."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import chronus as cx

zarr = pytest.importorskip("zarr")

SR = 22_050


def hits_audio(times: np.ndarray, seconds: float, sr: int = SR) -> np.ndarray:
    x = np.zeros(int(seconds * sr), np.float32)
    n = int(0.02 * sr)
    burst = (np.random.default_rng(3).uniform(-0.9, 0.9, n) * np.exp(-np.arange(n) / (0.003 * sr))).astype(
        np.float32
    )
    for t in times:
        i = round(t * sr)
        x[i : i + n] += burst[: len(x) - i]
    return x


def melody_audio(notes: list[tuple[int, float, float]], seconds: float, sr: int = SR) -> np.ndarray:
    x = np.zeros(int(seconds * sr), np.float32)
    for midi, on, off in notes:
        freq = 440.0 * 2 ** ((midi - 69) / 12)
        i, j = int(on * sr), int(off * sr)
        x[i:j] += (0.5 * np.sin(2 * np.pi * freq * np.arange(j - i) / sr)).astype(np.float32)
    return x


def test_a_drum_take_gives_each_hits_timing_error():
    bpm, period = 100.0, 0.6
    offsets = np.array([0.0, 0.012, -0.018, 0.004, 0.025, -0.006, 0.0, -0.03] * 3)
    grid = 0.5 + period * np.arange(len(offsets))
    report = cx.drums.drum_timing(hits_audio(grid + offsets, 16.0), bpm, samplerate=SR, start=0.5)
    assert len(report.hits) == len(offsets)
    # The detector dates every hit alike, to within half its frame (5.8 ms at 22.05 kHz).
    shift = np.median(report.errors - offsets)
    assert abs(shift) < 0.006 and np.abs(report.errors - offsets - shift).max() < 0.003
    summary = json.loads(json.dumps(report.summary()))
    assert summary["hits"] == len(offsets) and summary["early"] + summary["late"] <= len(offsets)
    assert sum(summary["histogram"]["counts"]) == len(offsets)
    assert "hits at 100 BPM" in report.text()
    with pytest.raises(ValueError, match="bpm must be"):
        cx.drums.timing([0.0], bpm=0)


def test_the_drum_trainer_times_its_own_click_through_a_jack_loopback(jack_server):
    latency = cx.measure_latency(backend="jack")["ms"] / 1e3
    seen: list[float] = []
    report = cx.drums.train_live(
        120.0, 4.0, backend="jack", latency=latency, loopback=True, on_hit=lambda t, e, r: seen.append(e)
    )
    assert len(seen) == len(report.hits)
    # The click plays itself exactly on the grid: every hit within 6 ms of it, all alike
    # (but the first, which may sound before the loopback is connected).
    errors = report.errors_ms[report.hits > 0.25]
    assert len(errors) >= 6 and np.abs(errors).max() < 6 and np.std(errors) < 1.5, report.errors_ms


def test_pitch_to_midi_writes_the_melody(tmp_path):
    melody = [(57, 0.2, 0.7), (60, 0.9, 1.4), (64, 1.6, 2.2), (69, 2.4, 3.0)]
    rows = cx.pitch_monitor.pitch_to_midi(melody_audio(melody, 3.4), tmp_path / "m.mid", samplerate=SR)
    assert [int(r[2]) for r in rows] == [m for m, _, _ in melody]
    assert np.abs(rows[:, 0] - [on for _, on, _ in melody]).max() < 0.05
    song = cx.read_midi(tmp_path / "m.mid")
    assert [n.pitch for n in song.notes] == [m for m, _, _ in melody]
    assert song.notes[1].beat == pytest.approx(rows[1, 0] * 2, abs=0.01)


def test_the_live_pitch_monitor_shows_the_note_and_its_cents():
    frames: list[str] = []
    events: list[tuple[int, bool]] = []
    rows = cx.pitch_monitor.monitor_live(
        1.0,
        backend="null",
        source=lambda g: g.sine(445.0) * 0.4,
        on_frame=lambda f: frames.append(cx.pitch_monitor.view(f["f0"], f["confidence"])),
        on_note=lambda t, m, on: events.append((m, on)),
    )
    note, cents = frames[-1].split()[:2]  # 445 Hz is A4 + 19.6 cents
    assert note == "A4" and abs(int(cents) - 19.6) <= 1, frames[-1]
    assert events[0] == (69, True) and rows.shape == (1, 3) and rows[0, 2] == 69


def test_features_recorded_into_zarr_read_back_with_zarr_alone(tmp_path):
    x = melody_audio([(60, 0.1, 1.0), (67, 1.2, 2.0)], 2.2)
    path = cx.record.record_file(x, tmp_path / "f.zarr", ["pitch", "mel", "onsets"], samplerate=SR, chunk=64)
    store = zarr.open_group(str(path), mode="r")
    expected = cx.analyze(x, ["pitch", "mel", "onsets"], samplerate=SR)
    for name in ("pitch", "mel", "onsets"):
        group = store[name]
        assert np.array_equal(group["values"][:], expected[name].values)
        assert np.array_equal(group["clock"][:], expected[name].clock)
        assert np.array_equal(group["times"][:], expected[name].times)
        assert group["values"].chunks[0] == 64
    assert store["pitch"].attrs["columns"] == ["f0", "voiced", "confidence"]
    assert store["pitch"].attrs["units"][0] == "Hz" and store.attrs["samplerate"] == SR
    assert store["mel"].attrs["hop"] == pytest.approx(512 / SR)


RECORDER = """
import sys
import chronus as cx
g = cx.Graph()
tone = g.sine(330) * 0.3
g.output(tone * 0.0)
cx.record.record_live(sys.argv[1], ["pitch", "rms"], 60.0, backend="null", chunk=32, graph=g, signal=tone)
"""


# The recorder killed where a SIGKILL can land between its writes of one chunk: after
# `values` grew by the chunk, before the chunk's data and the time axes were written.
KILLED_MID_WRITE = """
import os, signal
from chronus.record import ZarrRecorder
write = ZarrRecorder._write
def _write(self, name, clock, values, samplerate):
    n = self._groups[name]["times"].shape[0]
    if name == "pitch" and n >= 96:
        self._groups[name]["values"].resize((n + len(clock), values.shape[1]))
        os.kill(os.getpid(), signal.SIGKILL)
    write(self, name, clock, values, samplerate)
ZarrRecorder._write = _write
"""


def assert_whole_chunks_of_the_tone(path) -> None:
    """The store holds whole chunks of frames, as many as ``times`` says (rows of ``values``
    past them are the chunk in flight: unwritten, they read as zeros), at least 96 pitch
    frames, and the second half of them found the tone's 330 Hz."""
    store = zarr.open_group(str(path), mode="r")
    for name, width in (("pitch", 3), ("rms", 1)):
        times = store[name]["times"][:]
        n = len(times)
        assert n % 32 == 0 and (name == "rms" or n >= 96), (name, n)
        values = store[name]["values"][:n]
        assert values.shape == (n, width) and np.isfinite(values).all()
        assert np.all(np.diff(store[name]["clock"][:n]) > 0)
        if name == "pitch":
            f0 = values[:, 0]
            assert np.median(f0[n // 2 :]) == pytest.approx(330, abs=2)


def test_a_killed_recorder_leaves_a_readable_store_of_whole_chunks(tmp_path):
    path = tmp_path / "live.zarr"
    proc = subprocess.Popen([sys.executable, "-c", RECORDER, str(path)], env=dict(os.environ))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                if zarr.open_group(str(path), mode="r")["pitch/times"].shape[0] >= 96:
                    break
            except Exception:
                continue
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert_whole_chunks_of_the_tone(path)


def test_a_recorder_killed_between_the_writes_of_a_chunk_leaves_whole_chunks(tmp_path):
    """Where the kill above lands when it fails: `values` grown past `times` by a chunk
    never written (reading those rows, zeros, as frames: after 96 frames, a median f0 of
    165 Hz over the last 64 rows, half zeros and half 330 Hz)."""
    path = tmp_path / "live.zarr"
    subprocess.run([sys.executable, "-c", KILLED_MID_WRITE + RECORDER, str(path)], timeout=60)
    store = zarr.open_group(str(path), mode="r")
    assert store["pitch/values"].shape[0] > store["pitch/times"].shape[0] >= 96
    assert_whole_chunks_of_the_tone(path)


def test_recording_live_for_a_while_keeps_every_frame(tmp_path):
    g = cx.Graph()
    tone = g.sine(220) * 0.3
    g.output(tone * 0.0)
    path = cx.record.record_live(
        tmp_path / "l.zarr", ["rms"], 1.0, backend="null", graph=g, signal=tone, chunk=8
    )
    store = zarr.open_group(str(path), mode="r")
    clock = store["rms/clock"][:]
    assert len(clock) > 60 and np.all(np.diff(clock) == 512) and store.attrs["dropped"] == {"rms": 0}
    # (the first 3 frames see the silence before the engine started)
    assert np.allclose(store["rms/values"][3:, 0], 0.3 / np.sqrt(2), atol=3e-3)  # 9.4 periods a window
