"""Clips live equal clips offline: a clip from memory, a stretched one, and one streamed from
disk, started at a sample time on the null backend and on JACK, against the offline render."""

from __future__ import annotations

import time

import numpy as np
import pytest
import soundfile as sf

import chronus as cx
from conftest import DATA

SR = 48_000
SOURCE = DATA / "mdb_drums" / "stems" / "MusicDelta_Rock" / "musdb_style" / "drums.flac"


@pytest.fixture(scope="module")
def drums(tmp_path_factory) -> tuple[np.ndarray, str]:
    """Ten seconds of drums at 48 kHz, as an array and as a WAV file."""
    audio, _ = cx.read_audio(SOURCE, SR)
    audio = audio[:, 5 * SR : 15 * SR]
    path = tmp_path_factory.mktemp("clips") / "drums.wav"
    sf.write(path, audio.T, SR, subtype="FLOAT")
    return audio, str(path)


def patch(drums, kind: str) -> tuple[cx.Graph, object]:
    audio, path = drums
    g = cx.Graph()
    if kind == "memory":
        c = g.clip(audio, samplerate=SR, offset=0.5, length=6.0, fade_in=0.01)
    elif kind == "stretched":
        c = g.clip(audio, samplerate=SR, loop=True, stretch=1.25, semitones=-2)
    else:
        c = g.clip(path, samplerate=SR, offset=0.5, length=6.0, stream=True)
    g.output(c)
    return g, c


@pytest.mark.parametrize("kind", ["memory", "stretched", "stream"])
def test_a_clip_started_live_plays_what_the_offline_render_plays(drums, kind, backend):
    g, c = patch(drums, kind)
    seconds = 3.0
    # Offline, the gate rises at frame 0; live, at a frame a moment ahead.
    g2, c2 = patch(drums, kind)
    g2.set(c2.gate, 1.0, frame=0, ramp=0)
    reference = cx.render(g2, seconds=seconds, samplerate=SR, blocksize=256)
    kwargs = {"connect": False} if backend == "jack" else {}
    with cx.Engine(g, backend=backend, blocksize=256, **kwargs) as live:
        live.start_capture()
        target = live.frame() + SR // 5
        live.set(c.gate, 1.0, frame=target, ramp=0)
        time.sleep(seconds + 0.6)
        audio, start = live.stop_capture()
    assert np.abs(audio[:, : target - start]).max(initial=0.0) == 0.0, "sound before the start"
    heard = audio[:, target - start : target - start + reference.shape[1]]
    assert heard.shape == reference.shape
    np.testing.assert_array_equal(heard, reference)
