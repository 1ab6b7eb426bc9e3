"""Offline rendering returns NumPy arrays, writes WAV files, and releases the GIL."""

import threading
import time

import numpy as np
import soundfile as sf

import chronus as cx
from conftest import SR


def test_render_shape_and_dtype():
    g = cx.Graph()
    g.output(g.pan(g.saw(110.0), -0.5))
    out = cx.render(g, 0.5, SR)
    assert out.shape == (2, SR // 2)
    assert out.dtype == np.float32
    assert out.flags.c_contiguous


def test_wav_round_trip_is_exact(tmp_path):
    g = cx.Graph()
    g.output(g.pan(g.noise(seed=1) * 0.5, 0.3))
    audio = cx.render(g, 0.25, SR)
    path = cx.write_wav(tmp_path / "noise.wav", audio, SR)
    data, rate = sf.read(path, dtype="float32", always_2d=True)
    assert rate == SR
    assert np.array_equal(data.T, audio)
    back, rate = cx.read_audio(path)
    assert np.array_equal(back, audio)


def test_unreadable_and_unwritable_files_are_named(tmp_path):
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not a wav file")
    try:
        cx.read_audio(junk)
    except ValueError as err:
        assert "junk.wav" in str(err)
    else:
        raise AssertionError("junk accepted")
    try:
        cx.write_wav(tmp_path / "no" / "such" / "dir.wav", np.zeros(10), SR)
    except FileNotFoundError as err:
        assert "does not exist" in str(err)
    else:
        raise AssertionError("bad path accepted")


def test_render_releases_the_gil():
    g = cx.Graph()
    freqs = 55 * 2 ** (4 * np.arange(256) / 256)
    g.output((g.saw(freqs) >> g.lowpass(cutoff=1500, q=2)).sum())
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    start = time.perf_counter()
    cx.render(g, 2.0, SR)
    alone = time.perf_counter() - start
    t = threading.Thread(target=count)
    t.start()
    try:
        cx.render(g, 2.0, SR)
    finally:
        stop.set()
        t.join()
    # With the GIL held for the whole render, the counter thread could not run at all.
    assert ticks > 10_000, (ticks, alone)
