"""Long files on session tracks stream from disk: a clip of a file longer than
``chronus.session.STREAM_SECONDS`` that does not loop plays through the engine's read-ahead
worker (the same frames a held copy plays, live as offline), the session never reads the
file whole (memory stays bounded), and the panel's overview of it is read block by block."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import chronus as cx
import chronus.session as session_module
from chronus.audio import probe_audio
from chronus.control.overview import file_overview, overview
from conftest import DATA, SR, assert_live_equals_render, wait_until

STEM = DATA / "mdb_drums" / "stems" / "MusicDelta_Rock" / "musdb_style" / "bass.flac"


@pytest.fixture(scope="module")
def stem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve seconds of a real bass stem at the session's rate, lossless (24-bit FLAC)."""
    audio, _ = cx.read_audio(STEM, SR)
    path = tmp_path_factory.mktemp("stream") / "bass48.flac"
    sf.write(path, audio[:, 2 * SR : 14 * SR].T, SR, subtype="PCM_24")
    return path


def session(path: Path) -> cx.Session:
    s = cx.Session(samplerate=SR, bpm=100)
    bass = s.track("bass", gain_db=-3.0, pan=-0.2)
    bass.clip(path, at=0.5, offset=1.0)
    bass.fx(("compressor", {"threshold": -20.0, "ratio": 3.0}))
    s.track("stretched").clip(path, beat=2, stretch=1.25, length=4.0)
    return s


def rss() -> int:
    """Resident memory of this process, bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_long_clip_streams_and_plays_what_a_held_copy_plays(stem, monkeypatch):
    held = cx.render(session(stem), seconds=9.0)
    monkeypatch.setattr(session_module, "STREAM_SECONDS", 5.0)
    s = session(stem)
    assert all(s.streams(c) for t in s.tracks for c in t.clips)
    assert not s._cache, "a streamed file was read whole"
    streamed = cx.render(s, seconds=9.0)
    assert np.abs(held).max() > 0.05
    np.testing.assert_array_equal(streamed, held)


def test_a_loop_of_a_long_file_is_held(stem, monkeypatch):
    monkeypatch.setattr(session_module, "STREAM_SECONDS", 5.0)
    s = cx.Session(samplerate=SR)
    clip = s.track("loop").clip(stem, loop=True, until=20.0)
    assert not s.streams(clip) and s.holds(stem)
    # The same file unlooped on another track now plays from the copy held for the loop.
    assert not s.streams(s.track("once").clip(stem, at=1.0))


def test_a_streamed_session_played_live_equals_its_render(stem, monkeypatch, backend):
    monkeypatch.setattr(session_module, "STREAM_SECONDS", 5.0)
    s = session(stem)
    assert_live_equals_render(s, backend, seconds=4, peak=0.05)


def test_a_five_minute_file_on_a_track_is_never_read_whole(tmp_path):
    """Five minutes of stereo at 48 kHz held whole is 115 MB of float32; streamed, the
    session keeps its header and the engine about 6 s of audio (2.3 MB) per clip."""
    minutes = 5
    path = tmp_path / "long.flac"
    t = np.arange(10 * SR) / SR
    ten_seconds = (0.3 * np.sin(2 * np.pi * 110 * np.stack([t, 1.01 * t]))).T
    with sf.SoundFile(path, "w", SR, 2, subtype="PCM_16") as f:
        for _ in range(minutes * 6):
            f.write(ten_seconds)
    held_bytes = minutes * 60 * SR * 2 * 4
    before = rss()
    s = cx.Session(samplerate=SR)
    clip = s.track("long").clip(path, at=0.0)
    assert s.streams(clip)
    assert s.duration() == pytest.approx(minutes * 60, abs=1e-3)
    audio = cx.render(s, seconds=2.0)
    with cx.Engine(s, backend="null", blocksize=256) as live:
        assert wait_until(lambda: live.frame() > SR, timeout=10)
    grown = rss() - before
    assert grown < held_bytes / 4, f"memory grew {grown / 1e6:.0f} MB"
    assert np.abs(audio).max() == pytest.approx(0.3, abs=0.01)


def test_the_overview_of_a_streamed_file_is_the_overview_of_the_whole_file(stem, monkeypatch):
    audio, _ = sf.read(stem, dtype="float32", always_2d=True)
    for buckets in (7, 600, 10 * SR):
        lows, highs = file_overview(stem, buckets)
        want_lows, want_highs = overview(audio.T, buckets)
        np.testing.assert_array_equal(lows, want_lows)
        np.testing.assert_array_equal(highs, want_highs)
    monkeypatch.setattr("chronus.control.overview.BLOCK", 1000)  # buckets across blocks
    lows, highs = file_overview(stem, 600)
    np.testing.assert_array_equal(lows, overview(audio.T, 600)[0])
    np.testing.assert_array_equal(highs, overview(audio.T, 600)[1])


@pytest.fixture(scope="module")
def long_m4a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three minutes of AAC in M4A at 44.1 kHz stereo (the real bass stem over and over),
    written a chunk at a time through PyAV: libsndfile cannot read it, the engine can."""
    pytest.importorskip("av", reason="PyAV (the [aac] extra) is not installed")
    from chronus.aac import aac_writer

    stem, rate = cx.read_audio(STEM)
    path = tmp_path_factory.mktemp("m4a") / "long.m4a"
    with aac_writer(path, rate, 2) as writer:
        for _ in range(-(-180 * rate // stem.shape[1])):
            writer.write(stem)
    return path


def long_m4a_session(path: Path) -> cx.Session:
    s = cx.Session(samplerate=SR)
    s.track("bass", gain_db=-3.0, pan=-0.2).clip(path, at=0.5, offset=61.0)
    s.track("again").clip(path, at=2.0)
    return s


def test_a_long_m4a_file_streams_from_its_header_and_plays_what_a_held_copy_plays(long_m4a, monkeypatch):
    """Three minutes of 44.1 kHz stereo held whole at 48 kHz is 69 MB of float32: the
    session learns the file's length from its header (the engine's probe: libsndfile does
    not read M4A) and streams both clips, and their render equals the held copy's."""
    held_bytes = 180 * SR * 2 * 4
    before = rss()
    s = long_m4a_session(long_m4a)
    assert all(s.streams(c) for t in s.tracks for c in t.clips) and not s.holds(long_m4a)
    channels, rate, frames = probe_audio(long_m4a)
    assert (channels, rate) == (2, 44_100) and frames >= 180 * rate
    assert s.duration() == pytest.approx(2.0 + frames / rate, abs=1 / SR)
    streamed = cx.render(s, seconds=6.0)
    grown = rss() - before
    assert not s._cache, "a streamed file was read whole"
    assert grown < held_bytes / 4, f"memory grew {grown / 1e6:.0f} MB"
    monkeypatch.setattr(session_module, "STREAM_SECONDS", 1e9)
    held_session = long_m4a_session(long_m4a)
    assert not any(held_session.streams(c) for t in held_session.tracks for c in t.clips)
    held = cx.render(held_session, seconds=6.0)
    assert np.abs(held).max() > 0.05
    np.testing.assert_allclose(streamed, held, rtol=0, atol=1e-6)


def test_a_long_m4a_file_played_live_equals_its_render(long_m4a, backend):
    s = long_m4a_session(long_m4a)
    assert all(s.streams(c) for t in s.tracks for c in t.clips)
    assert_live_equals_render(s, backend, seconds=4, peak=0.05)


def test_the_overview_of_a_streamed_m4a_file_is_read_through_the_engine(long_m4a):
    """The panel draws a streamed file from an overview read block by block: for M4A
    (libsndfile cannot read it) through the engine's decoder, equal to the whole file's."""
    s = long_m4a_session(long_m4a)
    assert not s.holds(long_m4a)
    lows, highs = file_overview(long_m4a, 600)
    audio, _ = cx.read_audio(long_m4a)
    want_lows, want_highs = overview(audio, 600)
    np.testing.assert_array_equal(lows, want_lows)
    np.testing.assert_array_equal(highs, want_highs)
