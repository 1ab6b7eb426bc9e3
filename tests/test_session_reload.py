"""A session loaded again replaces the one an engine plays (``live.replace(session)``,
``chronus play song.chronus.json --watch``): clips the timeline has playing play on from
where they are, and what changed is heard."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import soundfile as sf

import chronus as cx
from conftest import SR, wait_until


def saved_session(tmp_path, gain_db: float) -> cx.Session:
    noise = (0.2 * np.random.default_rng(3).standard_normal((6 * SR, 2))).astype(np.float32)
    sf.write(tmp_path / "noise.wav", noise, SR, subtype="FLOAT")
    s = cx.Session(samplerate=SR, bpm=120)
    s.track("noise", gain_db=gain_db).clip(tmp_path / "noise.wav", at=0.0)
    s.save(tmp_path / "song.chronus.json")
    return s


def test_a_session_loaded_again_plays_on_with_its_changes(tmp_path):
    s = saved_session(tmp_path, 0.0)
    with cx.Engine(s, backend="null", blocksize=256) as live:
        live.start_capture()
        assert wait_until(lambda: live.frame() > SR, timeout=10)
        changed = cx.Session.load(tmp_path / "song.chronus.json")
        changed.tracks[0].gain_db = -6.0
        live.replace(changed)
        assert live.session is changed and s._live is None
        swapped = live.frame()
        assert wait_until(lambda: live.frame() > swapped + SR, timeout=10)
        audio, start = live.stop_capture()
    before = cx.render(s, seconds=(start + audio.shape[1]) / SR, blocksize=256)[:, start:]
    after = cx.render(changed, seconds=(start + audio.shape[1]) / SR, blocksize=256)[:, start:]
    # Up to the swap, the first session; half a second after it (crossfade and fader
    # glide done), the changed one, the clip playing on rather than starting again.
    cut = swapped - start - 256
    np.testing.assert_array_equal(audio[:, :cut], before[:, :cut])
    settled = swapped - start + SR // 2
    assert np.abs(after[:, settled:]).max() > 0.05
    np.testing.assert_allclose(audio[:, settled:], after[:, settled:], atol=1e-6)


def test_play_watch_reloads_a_saved_session(tmp_path):
    saved_session(tmp_path, 0.0)
    path = tmp_path / "song.chronus.json"
    cmd = [sys.executable, "-m", "chronus.cli", "play", str(path), "--backend", "null", "--seconds", "3.5"]
    proc = subprocess.Popen([*cmd, "--watch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        changed = cx.Session.load(path)
        changed.tracks[0].gain_db = -6.0
        changed.save(path)
        time.sleep(1.0)
        path.write_text("{ not json")
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert f"reloaded {path}" in out
    assert "not reloaded, still playing the previous graph" in out
