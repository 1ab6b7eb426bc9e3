"""The neural pitch backend (swift-f0 behind the pitch frames): raw pitch accuracy on the
shared data, frames on the engine's sample clock, live frames equal to offline ones (null
backend and JACK), and the message when the ``neural`` extra is missing.

The extra is installed by scripts/setup.sh (requirements-dev.txt); a developer without it
sees these tests skipped, CI (``CI=1``) sees them fail."""

from __future__ import annotations

import importlib
import json
import warnings

import numpy as np
import pytest
from test_analysis_accuracy import _pitch_files

import chronus as cx
from chronus import _core, neural
from conftest import IN_CI, wait_until

try:
    neural._modules()
    HAVE_NEURAL = True
except ImportError:
    HAVE_NEURAL = False

needs_neural = pytest.mark.skipif(
    not HAVE_NEURAL and not IN_CI,
    reason="the neural extra is not installed: pip install 'chronus-audio[neural]'",
)
mir_eval = pytest.importorskip("mir_eval")

SR = 22_050


def tone(freq: float, seconds: float, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * sr)) / sr)).astype(np.float32)


@needs_neural
def test_raw_pitch_accuracy_on_the_shared_melodies(data_dir):
    """RPA within 50 cents on the reference's voiced frames (mir_eval), target >= 0.98."""
    rpa, recall = [], []
    for audio, csv in _pitch_files(data_dir):
        ref = np.loadtxt(csv, delimiter=",", ndmin=2)
        p = cx.analyze(audio, ["pitch"], pitch_backend="swift-f0")["pitch"]
        assert p.info.kind == "pitch" and p.info.columns == ("f0", "voiced", "confidence")
        f0 = np.where(p["voiced"] > 0, p["f0"], -p["f0"]).astype(np.float64)
        with warnings.catch_warnings():
            # Frames are every 256 samples at 16 kHz, stamped on whole engine frames: mir_eval
            # warns that the times are not exactly uniform, and interpolates the voiced ones.
            warnings.filterwarnings("ignore", "Non-uniform timescale", UserWarning)
            rv, rc, ev, ec = mir_eval.melody.to_cent_voicing(ref[:, 0], ref[:, 1], p.times, f0)
        rpa.append(mir_eval.melody.raw_pitch_accuracy(rv, rc, ev, ec))
        recall.append(mir_eval.melody.voicing_measures(rv, ev)[0])
        print(f"swift-f0 {audio.name:40s} RPA={rpa[-1]:.4f} voicing recall={recall[-1]:.3f}")
    print(f"swift-f0: mean RPA={np.mean(rpa):.4f} (min {np.min(rpa):.4f}), recall {np.mean(recall):.3f}")
    assert np.mean(rpa) >= 0.98 and np.min(rpa) >= 0.98
    assert np.mean(recall) >= 0.95


@needs_neural
def test_frames_are_every_16_ms_on_the_sample_clock_and_a_tone_starts_where_it_starts():
    """Frame k is dated round(k * 256 * sr / 16000) engine frames after the first sample; a
    330 Hz tone after 1 s of silence is voiced from 1 s (within two frames), at 330 Hz."""
    x = np.concatenate([np.zeros(SR, np.float32), tone(330.0, 2.0)])
    p = cx.analyze(x, ["pitch"], samplerate=SR, pitch_backend="swift-f0")["pitch"]
    k = np.arange(len(p))
    assert np.array_equal(p.clock, np.rint(k * 256 * SR / 16_000).astype(np.int64))
    # Every frame up to the end of the audio (ceil of its length in 16 kHz hops).
    assert len(p) == -(-(3 * 16_000) // 256)
    assert p.info.hop == 0.016 and p.info.samplerate == SR
    voiced = p.times[p["voiced"] > 0]
    assert abs(voiced[0] - 1.0) <= 0.032 and voiced[-1] >= 2.95
    assert np.all(p["confidence"][p.times < 0.95] == 0)  # digital silence is never voiced
    f0 = p["f0"][(p.times > 1.1) & (p.times < 2.9)]
    assert np.all(np.abs(1200 * np.log2(f0 / 330.0)) < 10)


@needs_neural
def test_the_frames_do_not_depend_on_how_the_audio_arrives():
    """The worker slices the audio itself: pushed in any pieces, the frames are the same."""
    x = tone(220.0, 3.0) + 0.05 * np.random.default_rng(3).standard_normal(3 * SR).astype(np.float32)
    runs = []
    for pieces in (1024, 77, 5000):
        tracker = neural.SwiftF0Tracker(SR)
        parts = [tracker.push(x[i : i + pieces], i) for i in range(0, len(x), pieces)]
        parts.append(tracker.flush())
        runs.append(neural._join(tracker.info, parts))
    for other in runs[1:]:
        assert np.array_equal(runs[0].clock, other.clock) and np.array_equal(runs[0].values, other.values)
    offline = cx.analyze(x, ["pitch"], samplerate=SR, pitch_backend="swift-f0")["pitch"]
    assert np.array_equal(offline.clock, runs[0].clock) and np.array_equal(offline.values, runs[0].values)


@needs_neural
def test_live_frames_on_the_null_backend_equal_the_offline_frames_bit_for_bit():
    """Live, a worker reads a sample tap; the frames it published before closing are a
    prefix of the offline frames, and once closed (flushed) they are the offline frames of
    the blocks it read, exactly."""
    g = cx.Graph()
    src = g.sine(220) * 0.5
    tap = g.samples(src)
    g.output(tap * 0.1)
    with cx.Engine(g, backend="null", samplerate=SR) as live:
        stream = live.features(tap, pitch_backend="swift-f0")
        assert isinstance(stream, neural.NeuralPitchStream) and stream.info.kind == "pitch"
        assert wait_until(lambda: stream.written >= 2 * neural.STEP, timeout=30)
        early = stream.read()
        latest = stream.latest()
    # The engine closed: the worker read what the tap held and flushed.
    rest = stream.read()
    stream.close()
    assert latest is not None and latest.clock >= early.clock[-1]
    live_frames = np.concatenate([early.clock, rest.clock]), np.concatenate([early.values, rest.values])
    blocks_read = stream._tracker.consumed // neural.TAP_BLOCK
    n = (blocks_read + 1) * neural.TAP_BLOCK
    for node_id, info, clock, values in _core.analyze(g._core, np.zeros((1, n), np.float32), float(SR), 256):
        if node_id == tap.id:
            info = cx.analysis.FeedInfo._of(info)
            blocks = cx.analysis.Frames(info, clock[:blocks_read], values[:blocks_read])
            break
    else:
        raise AssertionError("the sample tap published nothing offline")
    offline = neural.pitch_of_blocks(blocks, np.zeros(0, np.float32), SR, {})
    assert np.array_equal(offline.clock[: len(early)], early.clock)
    assert np.array_equal(offline.values[: len(early)], early.values)
    assert np.array_equal(offline.clock, live_frames[0]) and np.array_equal(offline.values, live_frames[1])
    assert stream.dropped == 0 and len(offline) > 2 * neural.STEP
    assert np.all(np.abs(offline.values[10:-10, 0] - 220) < 1)


@needs_neural
def test_live_frames_of_jack_input_fed_by_another_client_equal_the_offline_frames(jack_server, jack_feeder):
    sr = jack_server["samplerate"]
    x = tone(330.0, 3.0, sr, amp=0.3) * np.linspace(0.2, 1.0, 3 * sr, dtype=np.float32)
    feeder = jack_feeder(x)
    g = cx.Graph()
    heard = g.input()
    tap = g.samples(heard)
    g.output(heard * 0.0)
    with cx.Engine(g, backend="jack", connect=False, inputs=1, outputs=1) as live:
        live.connect(feeder.output, f"{live.info['device']}:in_1")
        stream = live.features(tap, pitch_backend="swift-f0")
        live.start_capture(with_input=True)
        feeder.play()
        assert wait_until(lambda: feeder.at >= len(x) + sr // 2, timeout=20)
        audio, start = live.stop_capture()
        # Frames published while running (not flushed): the ones the audio fully decided.
        heard_all = start + audio.shape[1] - 2 * sr // 10
        assert wait_until(lambda: stream._tracker.consumed >= heard_all, timeout=60)
        got = stream.read()
    stream.close()
    heard_offline = np.concatenate([np.zeros(start, np.float32), audio[1]])
    offline = cx.analyze(heard_offline, ["pitch"], samplerate=sr, pitch_backend="swift-f0")["pitch"]
    n = len(got)
    assert n >= 150, n
    assert np.array_equal(got.clock, offline.clock[:n]) and np.array_equal(got.values, offline.values[:n])
    assert got.dropped == 0
    voiced = got.values[(got.times > start / sr + 0.2) & (got["voiced"] > 0), 0]
    assert len(voiced) > 100 and np.all(np.abs(voiced - 330) < 2)


@needs_neural
def test_the_analyze_command_takes_the_pitch_backend(tmp_path, capsys):
    from chronus.cli import main

    path = tmp_path / "tone.wav"
    cx.write_audio(path, tone(440.0, 1.5), SR)
    out = tmp_path / "out.json"
    assert (
        main(["analyze", str(path), "--features", "pitch", "--pitch-backend", "swift-f0", "--json", str(out)])
        == 0
    )
    data = json.loads(out.read_text())["pitch"]
    p = cx.analyze(path, ["pitch"], pitch_backend="swift-f0")["pitch"]
    assert data["times"] == p.times.tolist() and data["f0"] == p["f0"].astype(float).tolist()
    assert len(data["f0"]) == 94 and np.median(data["f0"]) == pytest.approx(440, abs=1)
    assert "pitch 94 frames" in capsys.readouterr().out


def test_a_missing_extra_is_named_with_the_pip_command(monkeypatch, tmp_path, capsys):
    real = importlib.import_module

    def without_swift_f0(name: str, package: str | None = None):  # type: ignore[no-untyped-def]
        if name == "swift_f0":
            raise ModuleNotFoundError("No module named 'swift_f0'", name="swift_f0")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", without_swift_f0)
    x = tone(220.0, 0.5)
    with pytest.raises(ImportError, match=r"pip install 'chronus-audio\[neural\]'") as e:
        cx.analyze(x, ["pitch"], samplerate=SR, pitch_backend="swift-f0")
    assert isinstance(e.value, neural.NeuralExtraMissingError) and "swift_f0 is missing" in str(e.value)
    g = cx.Graph()
    tap = g.samples(g.sine(220))
    g.output(tap)
    with (
        cx.Engine(g, backend="null", samplerate=SR) as live,
        pytest.raises(neural.NeuralExtraMissingError, match="neural extra"),
    ):
        live.features(tap, pitch_backend="swift-f0")
    from chronus.cli import main

    path = tmp_path / "tone.wav"
    cx.write_audio(path, x, SR)
    assert main(["analyze", str(path), "--features", "pitch", "--pitch-backend", "swift-f0"]) == 1
    assert "pip install 'chronus-audio[neural]'" in capsys.readouterr().err
    # The DSP tracker needs nothing more; unknown backends are named.
    assert len(cx.analyze(x, ["pitch"], samplerate=SR)["pitch"]) > 0
    with pytest.raises(ValueError, match="unknown pitch backend 'crepe'"):
        cx.analyze(x, ["pitch"], samplerate=SR, pitch_backend="crepe")
