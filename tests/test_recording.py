"""Recordings go to disk as they happen: a killed process leaves a readable file holding
everything up to the last second, and memory stays flat however long the take."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import mido
import numpy as np
import pytest
import soundfile as sf

import chronus as cx

RECORD_THEN_WAIT = """
import sys, time
import chronus as cx
g = cx.Graph()
g.output(g.sine([220.0, 330.0]) * 0.5)
live = cx.Engine(g, backend="null", outputs=2)
take = live.record(sys.argv[1]{bits})
print("recording", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("name,bits", [("take.wav", None), ("take16.wav", 16), ("take.flac", 24)])
def test_a_recording_killed_mid_take_leaves_a_readable_file(tmp_path, name, bits):
    path = tmp_path / name
    script = RECORD_THEN_WAIT.format(bits="" if bits is None else f", bits={bits}")
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "recording"
    started = time.monotonic()
    time.sleep(3.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    recorded = time.monotonic() - started
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    assert rate == 48_000 and audio.shape[1] == 2
    # Everything up to the last flush (at most a second, plus a FLAC block, ago).
    seconds = audio.shape[0] / rate
    assert recorded - 1.2 <= seconds <= recorded + 0.1, (seconds, recorded)
    # The content is the graph's: sines at 220 and 330 Hz of amplitude 0.5, whatever frame the
    # take began on (a sine satisfies x[n+1] = 2 cos(w) x[n] - x[n-1]).
    step = 2.0 ** -(bits - 1) if bits else 1e-6
    for channel, freq in enumerate((220.0, 330.0)):
        x = audio[:, channel].astype(np.float64)
        w = 2 * np.pi * freq / rate
        residual = x[2:] - 2 * np.cos(w) * x[1:-1] + x[:-2]
        assert np.max(np.abs(residual)) < 4 * step + 1e-5
        assert np.max(np.abs(x)) == pytest.approx(0.5, abs=1e-3)


def test_a_long_file_recording_keeps_memory_flat(tmp_path):
    """32 channels for 4 s are 24.6 MB of float samples: kept in memory they would show in
    the resident size; streamed to a file they must not."""

    def rss() -> int:
        with open(f"/proc/{os.getpid()}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    g = cx.Graph()
    g.output(g.noise() * 0.1)
    with cx.Engine(g, backend="null", outputs=32) as live:
        take = live.record(tmp_path / "long.wav")
        time.sleep(1.0)
        before = rss()
        time.sleep(4.0)
        grown = rss() - before
        status = take.status()
        info = take.stop()
    assert status["error"] is None and status["overruns"] == 0
    assert info["frames"] >= 4.5 * 48_000
    assert grown < 6e6, f"resident size grew by {grown / 1e6:.1f} MB"
    assert sf.info(tmp_path / "long.wav").frames == info["frames"]


def test_captures_choose_their_source_and_a_stopped_take_is_complete(tmp_path):
    g = cx.Graph()
    g.output(g.const(0.25))
    with cx.Engine(g, backend="null", outputs=1, inputs=2) as live:
        with live.record(tmp_path / "both.wav", source="both") as take:
            time.sleep(0.3)
        info = take.stop()
        out_take = live.record(tmp_path / "out.flac")
        time.sleep(0.2)
        out_info = out_take.stop()
        path, start = out_info["path"], out_info["start"]
        assert live.stats()["capture_overruns"] == 0
    both, _ = sf.read(tmp_path / "both.wav", dtype="float32", always_2d=True)
    assert both.shape == (info["frames"], 3)
    assert np.all(both[:, 0] == 0.25) and np.all(both[:, 1:] == 0.0)
    out, _ = sf.read(path, dtype="float32", always_2d=True)
    assert out.shape[1] == 1 and np.allclose(out, 0.25, atol=2**-23)
    assert start > 0


def test_bad_recordings_are_refused_with_the_reason(tmp_path):
    g = cx.Graph()
    g.output(g.const(0.0))
    with cx.Engine(g, backend="null") as live:
        with pytest.raises(cx.GraphError, match=r"not '\.mp3'"):
            live.record(tmp_path / "take.mp3")
        with (
            cx.Engine(g, backend="null", outputs=9) as wide,
            pytest.raises(cx.GraphError, match="FLAC holds at most 8 channels"),
        ):
            wide.record(tmp_path / "wide.flac")
        with pytest.raises(cx.GraphError, match="cannot record 12-bit"):
            live.record(tmp_path / "take.wav", bits=12)
        with pytest.raises(cx.GraphError, match="without input channels"):
            live.record(tmp_path / "take.wav", source="input")
        with pytest.raises(ValueError, match="source must be"):
            live.record(tmp_path / "take.wav", source="mic")
        with pytest.raises(cx.DeviceError, match="cannot record to"):
            live.record(tmp_path / "missing" / "take.wav")
        for slack in (1e6, float("inf"), 0.0):
            with pytest.raises(cx.GraphError, match="slack"):
                live.start_capture(slack=slack)


def test_a_midi_recording_streams_to_a_midi_file(tmp_path):
    g = cx.Graph()
    v = g.voices(4)
    g.output(g.saw(v.freq).sum() * 0.1)
    path = tmp_path / "take.mid"
    with cx.Engine(g, backend="null") as live:
        live.start_midi_record(path)
        # Stamped with when they were sent, so a late callback on a busy machine does not
        # move them on the engine's clock.
        sent = [time.monotonic()]
        live.send_midi([0x90, 60, 100], timestamp=sent[0])
        time.sleep(0.5)
        sent.append(time.monotonic())
        live.send_midi([0x80, 60, 0], timestamp=sent[1])
        time.sleep(1.3)
        # Readable before the recording stops (flushed within a second).
        early = mido.MidiFile(path)
        assert [m.type for m in early.tracks[0] if not m.is_meta] == ["note_on", "note_off"]
        assert live.stop_midi_record() == []
    notes = [m for m in mido.MidiFile(path).tracks[0] if not m.is_meta]
    # 960 ticks per beat at 120 BPM: 1920 ticks a second, within 50 ms.
    assert notes[1].time == pytest.approx(1920 * (sent[1] - sent[0]), abs=96)
