"""Audio files: every format round-trips (lossless ones bit-exact at their bit depth, lossy
ones by spectrum), the extension picks the format, unknown ones are refused, a write that
fails leaves no file, and reads name what is wrong with a file."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chronus as cx
from conftest import SR


def music(frames: int = SR, channels: int = 2) -> np.ndarray:
    """Two seconds' worth of partials and noise below full scale, float32 (channels, frames)."""
    t = np.arange(frames) / SR
    rng = np.random.default_rng(7)
    rows = [
        0.4 * np.sin(2 * np.pi * (220 + 110 * c) * t)
        + 0.2 * np.sin(2 * np.pi * 3520 * t)
        + 0.05 * rng.standard_normal(frames)
        for c in range(channels)
    ]
    return np.clip(np.array(rows), -0.99, 0.99).astype(np.float32)


def quantized(x: np.ndarray, bits: int) -> np.ndarray:
    scale = 2.0 ** (bits - 1)
    return (np.clip(np.round(x * scale), -scale, scale - 1) / scale).astype(np.float32)


@pytest.mark.parametrize(
    ("name", "subtype", "bits"),
    [
        ("x.wav", None, None),
        ("x.wav", "16", 16),
        ("x.wav", "24", 24),
        ("x.wav", "32f", None),
        ("x.flac", None, 24),
        ("x.flac", "16", 16),
        ("x.aiff", "24", 24),
        ("x.aif", "16", 16),
    ],
)
def test_lossless_formats_round_trip_bit_exactly(
    tmp_path: Path, name: str, subtype: str | None, bits: int | None
) -> None:
    x = music()
    path = cx.write_audio(tmp_path / name, x, SR, subtype=subtype)
    y, rate = cx.read_audio(path)
    assert rate == SR and y.shape == x.shape
    expected = x if bits is None else quantized(x, bits)
    assert np.array_equal(y, expected)


def band_levels(x: np.ndarray) -> np.ndarray:
    """Energy (dB) in octave bands from 125 Hz to 8 kHz of a mono signal."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    edges = 125 * 2.0 ** np.arange(0, 7)
    return np.array(
        [
            10 * np.log10(spectrum[(freqs >= lo) & (freqs < hi)].sum() + 1e-12)
            for lo, hi in itertools.pairwise(edges)
        ]
    )


@pytest.mark.parametrize("name", ["x.ogg", "x.opus", "x.mp3"])
def test_lossy_formats_keep_the_spectrum(tmp_path: Path, name: str) -> None:
    # Perceptual coders change samples, not the spectrum: octave-band levels within 1 dB in
    # the bands that hold the partials, within 3 dB in those holding only the noise floor
    # (30 dB under the partials, where the coders' masking models reshape it), and the same
    # length within the coder's padding.
    x = music(2 * SR)
    path = cx.write_audio(tmp_path / name, x, SR)
    y, rate = cx.read_audio(path)
    assert rate == SR and y.shape[0] == 2
    assert abs(y.shape[1] - x.shape[1]) < 0.1 * SR
    n = min(x.shape[1], y.shape[1]) - SR // 10
    for c in range(2):
        original, coded = band_levels(x[c, :n]), band_levels(y[c, :n])
        loud = original > original.max() - 20
        assert np.allclose(coded[loud], original[loud], atol=1.0), (name, coded, original)
        assert np.allclose(coded[~loud], original[~loud], atol=3.0), (name, coded, original)


def test_the_extension_picks_the_format_and_unknown_ones_are_refused(tmp_path: Path) -> None:
    import soundfile as sf

    x = music(4800)
    for ext, fmt in [("wav", "WAV"), ("flac", "FLAC"), ("ogg", "OGG"), ("mp3", "MP3"), ("aiff", "AIFF")]:
        assert sf.info(str(cx.write_audio(tmp_path / f"a.{ext}", x, SR))).format == fmt
    assert sf.info(str(cx.write_wav(tmp_path / "b.mp3", x, SR))).format == "MP3", "write_wav is a thin alias"
    with pytest.raises(ValueError, match=r"unknown audio file extension '.xyz' \(known: .wav, .flac"):
        cx.write_audio(tmp_path / "c.xyz", x, SR)
    with pytest.raises(ValueError, match="take subtype PCM_16, PCM_24, not '32f'"):
        cx.write_audio(tmp_path / "c.flac", x, SR, subtype="32f")
    with pytest.raises(
        ValueError, match="Opus takes sample rates of 8000, 12000, 16000, 24000, 48000 Hz, not 44100"
    ):
        cx.write_audio(tmp_path / "c.opus", x, 44_100)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.aiff",
        "a.flac",
        "a.mp3",
        "a.ogg",
        "a.wav",
        "b.mp3",
    ]


@pytest.mark.parametrize(
    ("audio", "rate", "message"),
    [
        (np.full((2, 4800), np.nan, dtype=np.float32), SR, "audio holds 9600 NaN or infinite samples"),
        (np.zeros((2, 4800)), 0, "samplerate must be in 1..768000 Hz, got 0"),
        (np.zeros((2, 4800)), 44_100.5, "samplerate must be in 1..768000 Hz, got 44100.5"),
        (np.zeros((4800, 300)), SR, "has 4800 channels"),
        (np.zeros((2, 2, 2)), SR, r"must have shape \(channels, frames\)"),
    ],
)
def test_a_write_that_fails_leaves_no_file(
    tmp_path: Path, audio: np.ndarray, rate: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        cx.write_audio(tmp_path / "out.wav", audio, rate)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_write_leaves_no_file(tmp_path: Path) -> None:
    # A writer killed in the middle of a long write leaves only its temporary file (a
    # hidden ".part" beside the target), never a target that looks complete but is not.
    script = (
        "import numpy as np, chronus as cx, sys\n"
        "x = np.zeros((2, 48000 * 600), np.float32)\n"
        "print('writing', flush=True)\n"
        "cx.write_audio(sys.argv[1], x, 48000, subtype='24')\n"
    )
    target = tmp_path / "long.flac"
    proc = subprocess.Popen([sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    while not any(p.name.endswith(".part") for p in tmp_path.iterdir()):
        pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not target.exists()


def test_reads_name_what_is_wrong_with_a_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"cannot read .*missing.wav: it does not exist"):
        cx.read_audio(tmp_path / "missing.wav")
    (tmp_path / "empty.mp3").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty.mp3: the file is empty"):
        cx.read_audio(tmp_path / "empty.mp3")
    (tmp_path / "garbage.wav").write_bytes(b"RIFF" + bytes(range(256)) * 8)
    with pytest.raises(ValueError, match=r"cannot read .*garbage.wav"):
        cx.read_audio(tmp_path / "garbage.wav")
    for name, subtype in [("half.wav", "16"), ("half.aiff", "24")]:
        whole = cx.write_audio(tmp_path / name, music(), SR, subtype=subtype).read_bytes()
        (tmp_path / name).write_bytes(whole[: len(whole) // 2])
        with pytest.raises(
            ValueError,
            match=rf"{name}: it is truncated: its header declares 48000 frames but only \d+ are there",
        ):
            cx.read_audio(tmp_path / name)


def test_render_input_is_checked() -> None:
    g = cx.Graph()
    g.output(g.input())
    with pytest.raises(ValueError, match="render input holds 4800 NaN or infinite samples"):
        cx.render(g, 0.1, input=np.full(4800, np.nan, dtype=np.float32))
