"""AAC/M4A export through PyAV (the [aac] extra): arrays and streamed renders round-trip
through the engine's decoder, sessions export to .m4a (loudness-normalized too), bad
requests are named, and a missing PyAV is named with the pip command."""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest

import chronus as cx
from conftest import SR

av = pytest.importorskip("av", reason="PyAV (the [aac] extra) is not installed")

#: Frames of priming the AAC encoder puts first (the engine's decoder reads them as silence).
PRIMING = 1024


def snr_db(reference: np.ndarray, decoded: np.ndarray) -> float:
    error = decoded - reference
    return 10 * math.log10(float(np.sum(reference**2)) / float(np.sum(error**2)))


def aligned(decoded: np.ndarray, frames: int) -> np.ndarray:
    return decoded[:, PRIMING : PRIMING + frames]


def test_an_array_round_trips_through_m4a(tmp_path):
    t = np.arange(SR) / SR
    stereo = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.2 * np.sin(2 * np.pi * 660 * t)]).astype(
        np.float32
    )
    path = cx.write_audio(tmp_path / "tone.m4a", stereo, SR)
    assert path.exists() and not list(tmp_path.glob(".*partial"))
    decoded, rate = cx.read_audio(path)
    assert rate == SR and decoded.shape[0] == 2
    assert SR + PRIMING <= decoded.shape[1] <= SR + PRIMING + 2048
    assert snr_db(stereo, aligned(decoded, SR)) > 30
    mono = cx.write_audio(tmp_path / "mono.m4a", stereo[0], SR)
    assert cx.read_audio(mono)[0].shape[0] == 1


def test_a_streamed_session_export_round_trips(tmp_path):
    t = np.arange(2 * SR) / SR
    tone = (0.25 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    src = cx.write_audio(tmp_path / "src.wav", tone, SR)
    s = cx.Session(samplerate=SR)
    s.track("a", pan=-0.5).clip(src, at=0.5)
    reference = cx.render(s, 3.0)
    path = s.export(tmp_path / "mix.m4a", 3.0)
    decoded, _ = cx.read_audio(path)
    assert snr_db(reference, aligned(decoded, reference.shape[1])) > 25
    normalized = s.export(tmp_path / "loud.m4a", 3.0, lufs=-16.0, true_peak_db=-1.0)
    from chronus.loudness import measure

    assert measure(cx.read_audio(normalized)[0], SR)[0] == pytest.approx(-16.0, abs=0.5)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ({"samplerate": 44_123}, "AAC takes sample rates"),
        ({"subtype": "16"}, "AAC has no subtype"),
        ({"channels": 3}, "mono or stereo"),
    ],
)
def test_bad_m4a_requests_are_named(tmp_path, args, match):
    audio = np.zeros((args.get("channels", 2), 4800), np.float32)
    with pytest.raises(ValueError, match=match):
        cx.write_audio(tmp_path / "x.m4a", audio, args.get("samplerate", SR), subtype=args.get("subtype"))
    assert list(tmp_path.iterdir()) == []


def test_a_missing_pyav_is_named_with_the_pip_command(tmp_path, monkeypatch):
    real = builtins.__import__

    def no_av(name, *a, **k):
        if name == "av" or name.startswith("av."):
            raise ImportError("No module named 'av'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_av)
    from chronus.aac import AacExtraMissingError

    with pytest.raises(AacExtraMissingError, match=r"pip install 'chronus-audio\[aac\]'"):
        cx.write_audio(tmp_path / "x.m4a", np.zeros(480, np.float32), SR)
    assert list(tmp_path.iterdir()) == []
