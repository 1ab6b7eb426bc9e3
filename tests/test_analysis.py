"""Feature frames in Python: cx.analyze over arrays and files, live streams from an engine
(the same frames bit for bit), the offline beat tracker, and errors that name the culprit."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import chronus as cx
from chronus import _core
from conftest import wait_until

SR = 22_050


def tone(freq: float, seconds: float, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * sr)) / sr)).astype(np.float32)


def clicks(bpm: float, seconds: float, sr: int = SR) -> tuple[np.ndarray, np.ndarray]:
    """A click every beat from 0.5 s: the audio and the click times."""
    times = np.arange(0.5, seconds - 0.2, 60.0 / bpm)
    x = np.zeros(int(seconds * sr), np.float32)
    burst = np.random.default_rng(1).uniform(-0.8, 0.8, int(0.01 * sr)) * np.exp(
        -np.arange(int(0.01 * sr)) / 40
    )
    for t in times:
        i = round(t * sr)
        x[i : i + len(burst)] += burst.astype(np.float32)
    return x, times


def test_the_pitch_of_a_tone_is_its_frequency_and_frames_are_dated_at_their_hop():
    a = cx.analyze(tone(220.0, 1.0), ["pitch"], samplerate=SR)
    p = a["pitch"]
    assert p.info.columns == ("f0", "voiced", "confidence") and p.info.units[0] == "Hz"
    voiced = p["voiced"] > 0
    assert voiced[len(p) // 4 :].all()
    cents = 1200 * np.log2(p["f0"][voiced] / 220.0)
    assert np.abs(cents[len(cents) // 4 :]).max() < 5
    steps = np.diff(p.times)
    assert np.allclose(steps, p.info.hop, atol=1.5 / SR), (steps.min(), steps.max(), p.info.hop)
    first = next(iter(p))
    assert first.clock == p.clock[0] and first["f0"] == p["f0"][0]


def test_a_file_and_its_array_give_the_same_frames_whatever_the_block_size(tmp_path):
    x = tone(330.0, 1.5) + clicks(120, 1.5)[0]
    path = tmp_path / "x.wav"
    cx.write_audio(path, x, SR, subtype="FLOAT")
    features = ["mel", "spectral", "onsets", "pitch", "loudness"]
    from_file = cx.analyze(path, features, blocksize=1024)
    from_array = cx.analyze(x, features, samplerate=SR, blocksize=256)
    for name in features:
        assert np.array_equal(from_file[name].clock, from_array[name].clock), name
        assert np.array_equal(from_file[name].values, from_array[name].values), name
    assert from_file.samplerate == SR and from_file.duration == pytest.approx(1.5)


def test_a_click_track_gives_its_beats_and_tempo_causally_and_offline():
    x, times = clicks(100.0, 20.0)
    for causal in (True, False):
        a = cx.analyze(x, ["beats"], samplerate=SR, causal=causal)
        assert a.tempo is not None and abs(a.tempo / 100.0 - 1) < 0.01, (causal, a.tempo)
        late = a.beats[(a.beats > 5.0) & (a.beats < times[-1] + 0.1)]
        near = np.abs(late[:, None] - times[None, :]).min(axis=1)
        assert len(late) >= 20 and near.max() < 0.02, (causal, near.max())
        assert a["beats"]["tempo"][-1] == pytest.approx(100.0, rel=0.03)
    # Offline, every click is found, even the ones before the tracker could lock on.
    off = cx.analyze(x, ["beats"], samplerate=SR, causal=False).beats
    off = off[off < times[-1] + 0.1]
    assert len(off) == len(times) and np.abs(off - times).max() < 0.02


def test_notes_of_a_melody_are_rows_of_onset_offset_and_pitch():
    melody = [(57, 0.2, 0.6), (60, 0.8, 1.2), (64, 1.4, 1.9)]
    x = np.zeros(int(2.2 * SR), np.float32)
    for midi, on, off in melody:
        freq = 440.0 * 2 ** ((midi - 69) / 12)
        seg = tone(freq, off - on)
        i = int(on * SR)
        x[i : i + len(seg)] += seg
    notes = cx.analyze(x, ["notes"], samplerate=SR).notes
    assert notes.shape == (3, 3), notes
    for (midi, on, off), (t0, t1, m) in zip(melody, notes, strict=True):
        assert abs(t0 - on) < 0.05 and abs(t1 - off) < 0.1 and abs(m - midi) < 0.25, (
            midi,
            on,
            off,
            t0,
            t1,
            m,
        )


def test_options_reach_the_analyzer_and_json_holds_every_feature():
    x = tone(440.0, 1.0) + clicks(120, 1.0)[0]
    a = cx.analyze(x, {"mel": {"bands": 40}, "onsets": {}, "pitch": {"fmin": 100}}, samplerate=SR)
    assert a["mel"].values.shape[1] == 40 and list(a) == ["mel", "onsets", "pitch"]
    data = json.loads(
        json.dumps(cx.analyze(x, ["onsets", "beats", "pitch", "notes", "rms"], samplerate=SR).to_json())
    )
    assert set(data) >= {"onsets", "beats", "tempo", "pitch", "notes", "rms", "samplerate", "duration"}
    assert set(data["pitch"]) == {"times", "f0", "voiced", "confidence"}
    assert all(isinstance(v, bool) for v in data["pitch"]["voiced"])
    assert data["rms"]["columns"] == ["rms"] and len(data["rms"]["values"]) == len(data["rms"]["times"])


def test_bad_requests_are_named(tmp_path):
    x = tone(440.0, 0.2)
    with pytest.raises(ValueError, match="unknown feature 'pitches'"):
        cx.analyze(x, ["pitches"], samplerate=SR)
    with pytest.raises(ValueError, match=r"mel:.*colour"):
        cx.analyze(x, {"mel": {"colour": 1}}, samplerate=SR)
    with pytest.raises(cx.GraphError, match="bands"):
        cx.analyze(x, {"mel": {"bands": 0}}, samplerate=SR)
    with pytest.raises(ValueError, match="needs its samplerate"):
        cx.analyze(x)
    with pytest.raises(TypeError, match="wrap it in a list"):
        cx.analyze(x, "pitch", samplerate=SR)
    with pytest.raises(FileNotFoundError, match=r"nope.wav"):
        cx.analyze(tmp_path / "nope.wav")
    cx.write_audio(tmp_path / "x.wav", x, SR)
    with pytest.raises(ValueError, match="not resampled"):
        cx.analyze(tmp_path / "x.wav", samplerate=44_100)
    with pytest.raises(ValueError, match="beats has no option"):
        cx.analyze(x, {"beats": {"bpm": 120}}, samplerate=SR, causal=False)
    with pytest.raises(ValueError, match=r"span at least a factor 1.5"):
        cx.analyze(x, {"beats": {"bpm_min": 100, "bpm_max": 110}}, samplerate=SR, causal=False)
    with pytest.raises(KeyError, match=r"no column 'freq'.*f0"):
        cx.analyze(x, ["pitch"], samplerate=SR)["pitch"]["freq"]
    with pytest.raises(KeyError, match=r"no 'onsets'.*pitch"):
        cx.analyze(x, ["pitch"], samplerate=SR)["onsets"]


def _live_graph() -> tuple[cx.Graph, cx.nodes.Pitch, cx.nodes.Onsets]:
    g = cx.Graph()
    src = g.sine(220) * 0.5
    pitch = g.pitch(src)
    onsets = g.onsets(src)
    g.output(pitch * 0.1)
    return g, pitch, onsets


def test_live_frames_equal_the_offline_frames_bit_for_bit():
    g, pitch, _ = _live_graph()
    with cx.Engine(g, backend="null", samplerate=SR) as live:
        stream = live.features(pitch)
        assert stream.info.kind == "pitch" and stream.info.samplerate == SR
        assert wait_until(lambda: stream.written > 100)
        frames = stream.read()
        latest = stream.latest()
    assert latest is not None and latest.clock >= frames.clock[-1]
    n = int(frames.clock[-1]) + SR
    for node_id, _, clock, values in _core.analyze(g._core, np.zeros((1, n), np.float32), float(SR), 256):
        if node_id == pitch.id:
            k = len(frames)
            assert np.array_equal(clock[:k], frames.clock)
            assert np.array_equal(values[:k], frames.values)
            break
    else:
        raise AssertionError("the pitch node published nothing offline")


def test_a_slow_reader_loses_frames_it_is_told_about_and_iterates_the_rest():
    g = cx.Graph()
    pitch = g.pitch(g.sine(330) * 0.5, buffer=0.1)
    g.output(pitch)
    with cx.Engine(g, backend="null", samplerate=SR) as live:
        stream = live.features(pitch)
        assert wait_until(lambda: stream.dropped > 0)
        frames = stream.read()
        assert len(frames) > 0 and frames.dropped > 0
        assert len(frames) + frames.dropped <= stream.written
        got = []
        for frame in stream.frames(timeout=1.0):
            got.append(frame)
            if len(got) == 20:
                break
        assert len(got) == 20 and all(b.clock > a.clock for a, b in itertools.pairwise(got))
        assert abs(got[-1]["f0"] - 330) < 2


def test_features_of_nodes_that_are_not_analyzers_are_refused():
    g, pitch, _ = _live_graph()
    h = cx.Graph()
    other = h.pitch(h.sine(1))
    with cx.Engine(g, backend="null", samplerate=SR) as live:
        with pytest.raises(ValueError, match="publishes no features"):
            live.features(g.nodes()[0])
        with pytest.raises(ValueError, match="another graph"):
            live.features(other)
        with live.edit():
            late = g.rms(pitch)
        assert live.features(late).info.columns == ("rms",)


def test_the_analyze_command_writes_json_and_names_bad_input(tmp_path, capsys):
    from chronus.cli import main

    x, _ = clicks(120.0, 6.0)
    path = tmp_path / "clicks.wav"
    cx.write_audio(path, x + tone(440.0, 6.0, amp=0.2), SR)
    out = tmp_path / "out.json"
    assert main(["analyze", str(path), "--features", "onsets,beats,pitch,notes", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert abs(data["tempo"] - 120) < 2 and len(data["onsets"]) >= 10 and len(data["beats"]) >= 8
    assert len(data["pitch"]["f0"]) == len(data["pitch"]["times"]) and data["notes"]
    assert "beats at" in capsys.readouterr().out
    assert main(["analyze", str(path), "--features", "beats", "--offline", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["causal"] is False
    assert main(["analyze", str(path), "--features", "onset"]) == 1
    assert "unknown feature 'onset'" in capsys.readouterr().err


def test_live_frames_of_jack_input_fed_by_another_client_equal_the_offline_frames(jack_server, jack_feeder):
    sr = jack_server["samplerate"]
    x, _ = clicks(120.0, 3.0, sr)
    x = x + tone(330.0, 3.0, sr, amp=0.3)
    feeder = jack_feeder(x)
    g = cx.Graph()
    heard = g.input()
    onsets, pitch = g.onsets(heard), g.pitch(heard)
    g.output(heard * 0.0)
    with cx.Engine(g, backend="jack", connect=False, inputs=1, outputs=1) as live:
        live.connect(feeder.output, f"{live.info['device']}:in_1")
        streams = {"onsets": live.features(onsets), "pitch": live.features(pitch)}
        live.start_capture(with_input=True)
        feeder.play()
        assert wait_until(lambda: feeder.at >= len(x) + sr // 2, timeout=20)
        audio, start = live.stop_capture()
        got = {name: s.read() for name, s in streams.items()}
        blocksize = live.info["blocksize"]
    # Offline: the same input on the same clock (silence until the capture began).
    heard_offline = np.concatenate([np.zeros(start, np.float32), audio[1]])[np.newaxis]
    ids = {onsets.id: "onsets", pitch.id: "pitch"}
    end = start + audio.shape[1] - sr // 4  # frames the live analyzers had all their input for
    for node_id, _, clock, values in _core.analyze(g._core, heard_offline, float(sr), blocksize):
        name = ids[node_id]
        live_frames, n = got[name], int(np.sum(clock < end))
        assert n >= (5 if name == "onsets" else 400), (name, n)
        assert np.array_equal(live_frames.clock[:n], clock[:n]), name
        assert np.array_equal(live_frames.values[:n], values[:n]), name
    assert len(got["onsets"]) >= 5 and got["pitch"].dropped == 0
