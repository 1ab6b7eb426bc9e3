"""Loudness-normalized exports: the meter against pyloudnorm and the spec's reference tones,
true peak by 4x oversampling, normalized exports read back and measured independently
(pyloudnorm, a 16x resampler), the ceiling kept by the gain, stems sharing one gain, bad
targets refused, the two passes memory flat, and progress reporting that leaves the bits alone."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pyloudnorm as pyln
import pytest
import soundfile as sf
from scipy import signal as sps

import chronus as cx
from chronus.loudness import LoudnessMeter, LoudnessWarning, measure, render_normalized
from chronus.stream import renderer
from conftest import SR


def sine(freq: float, dbfs: float, seconds: float, phase: float = 0.0) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    return (10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * t + phase)).astype(np.float64)


def pyloudnorm_lufs(audio: np.ndarray, rate: int = SR) -> float:
    return float(pyln.Meter(rate).integrated_loudness(np.asarray(audio, np.float64).T))


def independent_true_peak_db(audio: np.ndarray) -> float:
    """True peak by a different interpolator: scipy's polyphase resampler at 16x."""
    up = sps.resample_poly(np.asarray(audio, np.float64), 16, 1, axis=-1)
    return 20 * math.log10(float(np.max(np.abs(up))))


def test_pyloudnorm_reads_the_reference_tones_as_the_spec_says():
    # BS.1770-4: a 0 dBFS 1 kHz sine in one front channel reads -3.01 LKFS; EBU Tech 3341
    # case 1: a -23 dBFS 1 kHz sine in both channels reads -23.0 LUFS (within 0.1).
    mono = sine(1000, 0.0, 10.0)
    assert pyloudnorm_lufs(mono[np.newaxis, :]) == pytest.approx(-3.01, abs=0.1)
    stereo = np.stack([sine(1000, -23.0, 20.0)] * 2)
    assert pyloudnorm_lufs(stereo) == pytest.approx(-23.0, abs=0.1)
    stereo20 = np.stack([sine(1000, -20.0, 10.0)] * 2)
    assert pyloudnorm_lufs(stereo20) == pytest.approx(-20.0, abs=0.1)


@pytest.mark.parametrize("chunk", [1, 4_799, 65_536])
def test_the_streaming_meter_equals_pyloudnorm_whatever_the_chunks(chunk):
    rng = np.random.default_rng(3)
    # Loud and quiet passages, so that both gates act.
    x = rng.standard_normal((2, SR * 6)) * 0.1
    x[:, SR * 2 : SR * 3] *= 0.001
    x[:, SR * 4 :] *= 0.05
    meter = LoudnessMeter(SR, 2)
    step = chunk if chunk > 1 else 977
    for i in range(0, x.shape[1], step):
        meter.add(x[:, i : i + step])
    assert meter.integrated() == pytest.approx(pyloudnorm_lufs(x), abs=1e-6)
    whole = LoudnessMeter(SR, 2)
    whole.add(x)
    assert meter.true_peak() == pytest.approx(whole.true_peak(), abs=1e-12)


def test_true_peak_finds_the_peak_between_samples():
    # A quarter-rate sine at 45 degrees: every sample at 0.707 of its amplitude (-3 dB)
    # while the wave reaches its amplitude between them.
    x = sine(SR / 4, -6.0, 1.0, phase=math.pi / 4)
    _lufs, tp = measure(x, SR)
    assert 20 * math.log10(np.max(np.abs(x))) == pytest.approx(-9.01, abs=0.01)
    assert tp == pytest.approx(-6.0, abs=0.3)
    assert tp == pytest.approx(independent_true_peak_db(x), abs=0.3)
    # At 1 kHz the true peak is the sample peak.
    assert measure(sine(997, -6.0, 1.0), SR)[1] == pytest.approx(-6.0, abs=0.01)
    assert measure(np.zeros(SR), SR) == (-math.inf, -math.inf)


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> cx.Session:
    """A session of a tonal pad with drum-like bursts (peaks well over the loudness)."""
    base = tmp_path_factory.mktemp("loud")
    rng = np.random.default_rng(11)
    t = np.arange(SR * 4) / SR
    pad = 0.2 * (np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 331 * t))
    sf.write(base / "pad.wav", np.stack([pad, pad * 0.8], axis=1).astype(np.float32), SR, subtype="FLOAT")
    hits = np.zeros(SR // 2)
    hits[:2400] = rng.standard_normal(2400) * np.exp(-np.arange(2400) / 600) * 0.1
    sf.write(base / "hit.wav", hits.astype(np.float32), SR, subtype="FLOAT")
    s = cx.Session(samplerate=SR, bpm=120)
    pads = s.track("pad", gain_db=-2.0)
    pads.clip(base / "pad.wav", at=0.0)
    pads.clip(base / "pad.wav", at=4.0)
    drums = s.track("drums", pan=0.3)
    for beat in range(16):
        drums.clip(base / "hit.wav", beat=float(beat))
    return s


@pytest.mark.parametrize(
    ("target", "ext", "subtype"), [(-14.0, "flac", None), (-23.0, "wav", None), (-16.0, "wav", "16")]
)
def test_a_normalized_export_reads_back_at_its_target(song, tmp_path, target, ext, subtype):
    path = song.export(tmp_path / f"mix.{ext}", lufs=target, subtype=subtype)
    audio, rate = cx.read_audio(path)
    assert pyloudnorm_lufs(audio, rate) == pytest.approx(target, abs=0.5)
    # The gain is linear, so the file is the plain export scaled by one number.
    plain, _ = cx.read_audio(song.export(tmp_path / "plain.wav"))
    gain = float(np.sum(audio * plain) / np.sum(plain * plain))
    np.testing.assert_allclose(audio, gain * plain, atol=1e-4 if subtype else 1e-6)


def test_the_true_peak_ceiling_is_kept_by_lowering_the_gain(song, tmp_path):
    # -6 LUFS is far too loud for a -1 dBTP ceiling: the gain stops at the ceiling.
    with pytest.warns(LoudnessWarning, match="true-peak ceiling"):
        report = render_normalized(
            lambda: renderer(song.graph(), song.duration(), SR),
            tmp_path / "hot.wav",
            SR,
            lufs=-6.0,
            true_peak_db=-1.0,
        )
    assert report.peak_limited
    audio, _ = cx.read_audio(report.path)
    assert measure(audio, SR)[1] <= -1.0
    # The spec's 4x interpolator reads inter-sample peaks a little low (here by < 0.1 dB
    # against 16x); the ceiling holds for the spec's measurement.
    assert independent_true_peak_db(audio) <= -1.0 + 0.1
    assert pyloudnorm_lufs(audio) == pytest.approx(report.lufs, abs=0.05)
    assert report.lufs < -6.5
    # A reachable target: on target and under the ceiling, no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = song.export(tmp_path / "ok.flac", lufs=-18.0, true_peak_db=-1.0)
    audio, _ = cx.read_audio(path)
    assert pyloudnorm_lufs(audio) == pytest.approx(-18.0, abs=0.5)
    assert measure(audio, SR)[1] <= -1.0


def test_a_ceiling_alone_only_ever_lowers_the_gain(song, tmp_path):
    plain, _ = cx.read_audio(song.export(tmp_path / "plain.wav"))
    peak = measure(plain, SR)[1]
    same, _ = cx.read_audio(song.export(tmp_path / "same.wav", true_peak_db=0.0))
    np.testing.assert_array_equal(same, plain)  # already under 0 dBTP: gain 0, same bits
    low, _ = cx.read_audio(song.export(tmp_path / "low.wav", true_peak_db=peak - 6.0))
    assert measure(low, SR)[1] == pytest.approx(peak - 6.0, abs=0.01)


def test_stems_share_one_gain_and_sum_to_the_normalized_mix(song, tmp_path):
    mix, _ = cx.read_audio(song.export(tmp_path / "mix.wav", lufs=-16.0, true_peak_db=-1.0))
    seen: list[tuple[int, int]] = []
    paths = song.export_stems(
        tmp_path / "stems", lufs=-16.0, true_peak_db=-1.0, progress=lambda d, t: seen.append((d, t))
    )
    # Measured: both stems and the mix; written: both stems.
    frames = round(song.duration() * SR)
    assert seen[-1] == (5 * frames, 5 * frames)
    stems = [cx.read_audio(p)[0] for p in paths]
    np.testing.assert_allclose(sum(stems), mix, atol=1e-5)
    for stem in stems:
        assert measure(stem, SR)[1] <= -1.0


def test_render_to_a_file_and_to_memory_normalize_alike(song, tmp_path):
    g = song.graph()
    audio = cx.render(g, 3.0, SR, lufs=-20.0)
    assert pyloudnorm_lufs(audio) == pytest.approx(-20.0, abs=0.01)
    path = cx.render(g, 3.0, SR, out=tmp_path / "r.wav", lufs=-20.0)
    np.testing.assert_array_equal(cx.read_audio(path)[0], audio)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lufs": float("nan")}, "lufs must be a finite number"),
        ({"lufs": 3.0}, r"lufs must be in -70 \.\. 0"),
        ({"lufs": "loud"}, "lufs must be a finite number"),
        ({"lufs": True}, "lufs must be a finite number"),
        ({"true_peak_db": 1.0}, r"true_peak_db must be in -30 \.\. 0"),
        ({"true_peak_db": float("inf")}, "true_peak_db must be a finite number"),
    ],
)
def test_bad_targets_are_refused_by_name(song, tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        song.export(tmp_path / "bad.wav", **kwargs)
    with pytest.raises(ValueError, match=match):
        cx.render(song, 1.0, out=tmp_path / "bad.wav", **kwargs)
    assert not (tmp_path / "bad.wav").exists()


def test_silence_cannot_be_normalized(tmp_path):
    g = cx.Graph()
    g.output(g.muladd(g.sine(440), mul=0.0))
    with pytest.raises(ValueError, match="silent"):
        cx.render(g, 1.0, out=tmp_path / "s.wav", lufs=-14.0)
    assert not (tmp_path / "s.wav").exists()


def test_progress_reports_every_frame_of_both_passes_and_changes_no_bits(song, tmp_path):
    seen: list[tuple[int, int]] = []
    quiet = song.export(tmp_path / "a.wav", lufs=-16.0, progress=False)
    loud = song.export(
        tmp_path / "b.wav", lufs=-16.0, progress=lambda done, total: seen.append((done, total))
    )
    frames = round(song.duration() * SR)
    assert seen[-1] == (2 * frames, 2 * frames)
    assert all(b[0] > a[0] for a, b in itertools.pairwise(seen))
    np.testing.assert_array_equal(sf.read(quiet)[0], sf.read(loud)[0])
    seen.clear()
    song.export(tmp_path / "c.wav", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (frames, frames)


def test_the_progress_bar_draws_on_stderr_when_asked(song, tmp_path, capsys):
    song.export(tmp_path / "a.wav", progress=True)
    err = capsys.readouterr().err
    assert "a.wav" in err and "100%" in err and err.endswith("\n")
    song.export(tmp_path / "b.wav")  # stderr is no terminal here: nothing
    assert capsys.readouterr().err == ""
    with pytest.raises(TypeError, match="progress must be"):
        song.export(tmp_path / "c.wav", progress="yes")  # type: ignore[arg-type]


def test_the_two_passes_stay_memory_flat(tmp_path):
    """A 10-minute normalized export never holds more than a few chunks."""
    import tracemalloc

    g = cx.Graph()
    g.output(g.muladd(g.sine(440), mul=0.2))
    tracemalloc.start()
    cx.render(g, 600.0, SR, out=tmp_path / "long.flac", lufs=-14.0, true_peak_db=-1.0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # 10 minutes of float32 mono is 115 MB; the passes hold a few 65,536-frame chunks.
    assert peak < 20e6, f"peak Python allocation {peak / 1e6:.1f} MB"
    info = sf.info(tmp_path / "long.flac")
    assert info.frames == 600 * SR
    assert pyloudnorm_lufs(cx.read_audio(tmp_path / "long.flac")[0][:, : SR * 30]) == pytest.approx(
        -14.0, abs=0.5
    )


def test_the_cli_renders_to_a_loudness_target(song, tmp_path):
    import subprocess
    import sys

    session = song.save(tmp_path / "song.chronus.json")
    out = tmp_path / "cli.flac"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "chronus.cli",
            "render",
            str(session),
            "-o",
            str(out),
            "--lufs",
            "-14",
            "--true-peak",
            "-1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "LUFS" in done.stdout and "dBTP" in done.stdout
    audio, _ = cx.read_audio(out)
    assert pyloudnorm_lufs(audio) == pytest.approx(-14.0, abs=0.5)
    assert measure(audio, SR)[1] <= -1.0
    bad = subprocess.run(
        [sys.executable, "-m", "chronus.cli", "render", str(session), "-o", str(out), "--lufs", "5"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0 and "lufs must be in" in bad.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "chronus.cli", "render", str(session), "-o", str(out), "--progress"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0 and "cli.flac" in shown.stderr and "100%" in shown.stderr


@pytest.mark.parametrize(("rate", "channels"), [(44_100, 1), (32_000, 5), (96_000, 2)])
def test_the_meter_equals_pyloudnorm_at_other_rates_and_layouts(rate, channels):
    rng = np.random.default_rng(rate)
    x = rng.standard_normal((channels, rate * 3)) * np.linspace(0.02, 0.2, channels)[:, None]
    meter = LoudnessMeter(rate, channels)
    for i in range(0, x.shape[1], 10_000):
        meter.add(x[:, i : i + 10_000])
    assert meter.integrated() == pytest.approx(pyloudnorm_lufs(x, rate), abs=1e-6)
