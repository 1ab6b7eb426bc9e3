"""Live equals offline, for everything timed: what a graph holds (timeline events at seconds,
frames and beats, tracks, patterns, MIDI songs, automation, tempo maps, controller
mappings, gates) plays live from the engine's first frame exactly as `render` plays it.
Captures on the null backend and on JACK are compared with the render sample for sample."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import mido
import numpy as np
import pytest

import chronus as cx
from conftest import REPO, SR, wait_until

EXAMPLES = sorted((REPO / "examples").glob("*.py"))


def capture_live(graph: cx.Graph, seconds: float, backend: str, **engine: object) -> tuple[np.ndarray, int]:
    """Plays ``graph`` live for about ``seconds`` and returns (capture, its first frame)."""
    with cx.Engine(graph, backend=backend, blocksize=256, **engine) as live:  # type: ignore[arg-type]
        live.start_capture()
        start = live.frame()
        assert wait_until(lambda: live.frame() > start + seconds * live.samplerate, timeout=seconds * 4 + 5)
        return live.stop_capture()


def assert_live_equals_render(graph: cx.Graph, seconds: float, backend: str) -> np.ndarray:
    audio, start = capture_live(graph, seconds, backend)
    reference = cx.render(graph, (start + audio.shape[1]) / SR, SR, 256)[:, start:]
    if audio.shape[0] != reference.shape[0]:  # a mono graph is copied to every device channel
        audio = audio[: reference.shape[0]]
    assert audio.shape == reference.shape
    assert np.max(np.abs(reference)) > 1e-3, "the comparison needs sound to compare"
    diff = np.max(np.abs(audio - reference))
    assert diff == 0.0, f"live capture differs from the render by up to {diff:g}"
    return audio


def every_timed_event(midi_path: Path) -> cx.Graph:
    """A graph using every kind of timed event a graph can hold."""
    g = cx.Graph()
    g.tempo = cx.TempoMap([(0, 140), (3, 95), (6, 170)])
    lead = g.voices(6, name="lead")
    amp = g.adsr(gate=lead.gate, trigger=lead.trigger, attack=0.002, release=0.05)
    filt = g.lowpass(g.saw(lead.freq), cutoff=1500.0, q=2.0, name="filt")
    g.output((filt * amp * lead.velocity).sum() * 0.2)
    drums = g.voices(4, name="drums")
    g.output((g.noise(seed=3) * g.adsr(gate=drums.gate, trigger=drums.trigger, release=0.02)).sum() * 0.1)
    pad_env = g.adsr(attack=0.05, release=0.2, name="pad_env")
    pad = g.sine(220.0, name="pad")
    g.output(pad * pad_env * 0.1)
    # Timeline: seconds, frames and beats; set, ramp, gate, note, note_off, control, bend.
    g.note(lead, 60, at=0.05, duration=0.3)
    g.note(lead, 64, frame=7_000, velocity=0.5)
    g.note_off(lead, 64, frame=20_000)
    g.note(lead, 67, beat=1.5, duration=0.5)
    g.set(filt.cutoff, 600.0, at=0.4, ramp=0.0)
    g.ramp(filt.cutoff, 3000.0, 0.3, beat=2.0)
    g.set(pad.freq, 330.0, frame=30_000, ramp=0.01)
    g.gate(pad_env, at=0.1, duration=0.6)
    g.gate(pad_env, beat=4.0, duration=1.0)
    g.bend(lead, 0.5, at=0.5)
    g.control(lead, 74, 0.25, beat=2.5)  # through the controller mapping below
    g.map_cc(74, filt.q, 0.7, 6.0)
    # Tracks: a pattern with probability and swing, a note list, a MIDI song, automation.
    g.play(drums, cx.Pattern("x.x? X..x", note=36, swing=0.6), seed=7)
    g.play(lead, [cx.Note(72, beat=3.0, length=0.5), cx.Note(74, beat=3.75, length=0.25)])
    g.play(lead, cx.read_midi(midi_path), transpose=-12)
    g.automate(pad.freq, [(0.0, 220.0), (4.0, 440.0), (6.0, 330.0)])
    return g


@pytest.fixture(scope="module")
def midi_song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("midi") / "song.mid"
    mf = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(140)))
    for i, note in enumerate([60, 62, 64, 65]):
        track.append(mido.Message("note_on", note=note, velocity=90, time=0 if i == 0 else 240))
        track.append(mido.Message("note_off", note=note, velocity=0, time=240))
    track.append(mido.Message("control_change", control=74, value=100, time=0))
    mf.tracks.append(track)
    mf.save(path)
    return path


def patch_graph(path: Path) -> cx.Graph:
    return cx.load_patch(path).graph


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_plays_live_as_it_renders_on_the_null_backend(example: Path) -> None:
    assert_live_equals_render(patch_graph(example), 1.2, "null")


def test_a_graph_with_every_kind_of_timed_event_plays_live_as_it_renders(midi_song: Path) -> None:
    audio = assert_live_equals_render(every_timed_event(midi_song), 2.5, "null")
    assert np.count_nonzero(np.abs(audio[0]) > 1e-3) > SR  # it is busy most of the time


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_plays_on_jack_as_it_renders(example: Path, jack_server: dict) -> None:
    assert jack_server["samplerate"] == SR
    assert_live_equals_render(patch_graph(example), 1.0, "jack")


def test_every_kind_of_timed_event_plays_on_jack_as_it_renders(midi_song: Path, jack_server: dict) -> None:
    assert_live_equals_render(every_timed_event(midi_song), 2.0, "jack")


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_chronus_play_sounds_for_every_example(example: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "chronus.cli", "play", str(example), "--backend", "null", "--seconds", "2.2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    peaks = [line.split("peak")[1] for line in out.stdout.splitlines() if "peak" in line]
    assert peaks and all("-inf" not in p for p in peaks), out.stdout


def hits(audio: np.ndarray) -> list[tuple[int, int]]:
    """(frame, note) of every note start in a capture of (trigger count, note at triggers)."""
    return [(int(f), round(audio[1][f])) for f in np.flatnonzero(audio[0] > 0.5)]


def test_a_pattern_edited_live_is_heard_from_the_beat_it_reaches() -> None:
    g = cx.Graph()
    g.tempo = cx.TempoMap([(0, 240)])  # a bar (4 beats) per second
    v = g.voices(4)
    g.output(g.stack(v.trigger.sum(), (v.note * v.trigger).sum()))
    g.play(v, cx.Pattern("x...", note=36, steps_per_beat=1))  # one hit per bar, on its first beat
    with cx.Engine(g, backend="null", outputs=2, blocksize=256) as live:
        live.start_capture()
        time.sleep(1.3)
        with live.edit():
            g.tracks.clear()
            g.play(v, cx.Pattern("..x.", note=38, steps_per_beat=1))  # now on the third beat of each bar
        edited = live.frame()
        time.sleep(1.6)
        audio, start = live.stop_capture()
    tempo = cx.TempoMap([(0, 240)])
    frame_of: Callable[[float], int] = lambda beat: tempo.frame(beat, SR) - start  # noqa: E731
    played = hits(audio)
    old = [(f, n) for f, n in played if n == 36]
    new = [(f, n) for f, n in played if n == 38]
    assert old and new and max(f for f, _ in old) < min(f for f, _ in new)
    # Every hit lies exactly on the tempo map's frame for its beat: bars for the old pattern,
    # third beats for the new one.
    assert all(f == frame_of(4 * round((f + start) / (SR / 4) / 4)) for f, _ in old)
    assert all(f == frame_of(4 * round(((f + start) / (SR / 4) - 2) / 4) + 2) for f, _ in new)
    # The first new hit is the first third beat the transport reached after the edit
    # arrived (the edit lands within a block or two of `edited`).
    first_new = new[0][0] + start
    assert first_new >= edited - 256
    assert first_new - SR < edited + 2 * 256, "a whole bar passed before the new pattern played"


def test_notes_sound_for_every_kind_of_note_target() -> None:
    g = cx.Graph()
    plain = g.voices(2)
    g.output((g.sine(plain.freq) * g.adsr(gate=plain.gate, release=0.01)).sum() * 0.2)
    fm = g.fm([cx.Operator()], voices=g.voices(2))
    g.output(fm.sum() * 0.2)
    table = np.sin(2 * np.pi * np.arange(256) / 256)
    pad = g.voices(2)
    wave = g.wavetable(table, voices=pad)
    g.output((wave * g.adsr(gate=pad.gate, release=0.01)).sum() * 0.2)
    zone = cx.Zone(np.sin(2 * np.pi * 261.63 * np.arange(SR) / SR).astype(np.float32), SR, root=60)
    sampler = g.sampler(zone, voices=g.voices(2), release=0.01)
    g.output(sampler.sum() * 0.2)
    synth = g.subtractive(g.voices(2), release=0.01)
    g.output(synth * 0.5)
    targets = {"voices": plain, "fm": fm, "wavetable": wave, "sampler": sampler, "subtractive": synth}
    with cx.Engine(g, backend="null", blocksize=256) as live:
        for name, target in targets.items():
            live.start_capture()
            live.note(target, 69, duration=0.25)
            time.sleep(0.4)
            audio, _ = live.stop_capture()
            rms = float(np.sqrt(np.mean(audio[0] ** 2)))
            assert rms > 0.01, f"{name}: a note sent to it played nothing (RMS {rms:g})"
            time.sleep(0.1)
        with pytest.raises(TypeError, match="plays no notes"):
            live.note(g.sine(), 60)
        with pytest.raises(TypeError, match="plays no notes"):
            live.note(g.fm([cx.Operator()]), 60)  # an instrument with no voice allocator


def test_a_graph_without_tracks_plays_events_at_beats_from_the_first_frame() -> None:
    g = cx.Graph()
    level = g.const(0.0)
    g.output(level)
    g.set(level.value, 1.0, beat=2, ramp=0)  # 1 s at 120 BPM
    with cx.Engine(g, backend="null", blocksize=256, smoothing=0.0) as live:
        live.set(level.value, 0.5, beat=3, ramp=0)
        live.start_capture()
        assert wait_until(lambda: live.transport.beat > 3.2, timeout=5)
        audio, start = live.stop_capture()
    steps = np.flatnonzero(np.diff(audio[0])) + 1 + start
    assert list(steps) == [SR, SR * 3 // 2]
