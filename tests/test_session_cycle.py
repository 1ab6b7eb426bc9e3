"""A session's cycle (``Session.set_cycle``): every pass over the region plays what the
timeline plays there, sample for sample: clips straddling the region's start re-entered at
their offset (held loops, plain and streamed clips), clips cut at the end, instruments'
notes repeated, the tempo map cycled; after the last pass the session plays on from the
end; stretched clips re-entered alike in every later pass (close to the first); a bus's
echoes ring over the wrap; a saved session keeps its cycle; live equals the render on the
null backend and on JACK."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

import chronus as cx
import chronus.session as session_module
from chronus.cycle import Cycle
from conftest import SR, assert_live_equals_render

BEAT = SR // 2  # frames per beat at 120 bpm
A, B = 4.0, 8.0  # the cycle, beats
FA, FB = 4 * BEAT, 8 * BEAT
L = FB - FA


def write(path: Path, seconds: float, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    audio = (0.2 * rng.standard_normal((int(seconds * SR), 2))).astype(np.float32)
    sf.write(path, audio, SR, subtype="FLOAT")
    return path


@pytest.fixture
def session(tmp_path: Path) -> cx.Session:
    s = cx.Session(samplerate=SR, bpm=120)
    loop = write(tmp_path / "loop.wav", 0.7, 1)  # a loop of 0.7 s: not a whole number per pass
    hit = write(tmp_path / "hit.wav", 0.3, 2)
    long = write(tmp_path / "long.wav", 6.0, 3)
    s.track("loop").clip(loop, beat=1.0, loop=True, until_beat=20.0)  # straddles a and b
    hits = s.track("hits")
    hits.clip(hit, beat=5.5, fade_out=0.0)  # inside the region
    hits.clip(hit, beat=7.75)  # cut at the end
    s.track("long", gain_db=-6.0).clip(long, beat=2.0, offset=0.25, fade_in=0.01)  # straddles a
    synth = s.track("synth").instrument("subtractive")
    synth.note(60, 2.0, 1.0)  # before the region
    synth.note(64, 4.5, 1.0)
    synth.note(67, 7.5, 2.0)  # held past the end: cut there but in the last pass
    return s


def passes(audio: np.ndarray, count: int) -> list[np.ndarray]:
    return [audio[:, FA + k * L : FB + k * L] for k in range(count)]


def stem(s: cx.Session, name: str, seconds: float) -> np.ndarray:
    return cx.render(s.graph(stem=name), seconds, samplerate=SR)


CLIPS = ("loop", "hits", "long")


def test_every_pass_plays_the_region_sample_for_sample(session):
    plain = {name: stem(session, name, 5.0) for name in CLIPS}
    session.set_cycle(A, B, passes=4)
    for name in CLIPS:
        cycled = stem(session, name, 10.0)
        # Before the cycle: the timeline as it is.
        np.testing.assert_array_equal(cycled[:, :FA], plain[name][:, :FA])
        for k, played in enumerate(passes(cycled, 4)):
            # Clips cut at the end fade out over their 5 ms into the next pass (a declick):
            # the passes after the first equal the region after that.
            tail = 0 if k == 0 else int(0.005 * SR)
            np.testing.assert_allclose(
                played[:, tail:], plain[name][:, FA + tail : FB], atol=1e-6, err_msg=f"{name}, pass {k}"
            )
    # The synth's notes repeat with the region (held past its end: cut but in the last
    # pass); the note before it plays once. (Its oscillators run free, as a synth's do, so
    # its passes are alike in notes, not in samples.)
    [track] = session.graph().tracks
    assert sorted((n.beat, n.length) for n in track.notes) == [
        (2.0, 1.0), (4.5, 1.0), (7.5, 0.5), (8.5, 1.0), (11.5, 0.5), (12.5, 1.0), (15.5, 0.5),
        (16.5, 1.0), (19.5, 2.0),
    ]  # fmt: skip


def test_after_the_last_pass_the_session_plays_on_from_the_end(session):
    plain = {name: stem(session, name, 11.0) for name in CLIPS}
    session.set_cycle(A, B, passes=3)
    shift = 2 * L
    for name in CLIPS:
        cycled = stem(session, name, 11.0 + shift / SR)
        # From the end on, the timeline as it is, two passes late (the clips playing at the
        # end play on in the last pass).
        np.testing.assert_allclose(cycled[:, FB + shift :], plain[name][:, FB:], atol=1e-6, err_msg=name)


def test_the_cycle_wraps_without_a_gap_in_clips_held_whole(tmp_path):
    # Just the straddling loop, no fade at the cut: each wrap joins pass k's last frame to
    # the region's first exactly as the region itself is.
    s = cx.Session(samplerate=SR, bpm=120)
    s.track("loop").clip(write(tmp_path / "l.wav", 0.7, 4), beat=1.0, loop=True, fade_out=0.0)
    reference = cx.render(s, 5.0)[:, FA:FB]
    s.set_cycle(A, B, passes=5)
    for k, played in enumerate(passes(cx.render(s, 12.0), 5)):
        np.testing.assert_array_equal(played, reference, err_msg=f"pass {k}")


def test_a_streamed_clip_is_reentered_at_its_offset(tmp_path, monkeypatch):
    monkeypatch.setattr(session_module, "STREAM_SECONDS", 3.0)
    s = cx.Session(samplerate=SR, bpm=120)
    clip = s.track("long").clip(write(tmp_path / "long.wav", 8.0, 5), beat=1.0, offset=0.5, fade_out=0.0)
    assert s.streams(clip)
    reference = cx.render(s, 5.0)[:, FA:FB]
    s.set_cycle(A, B, passes=3)
    for k, played in enumerate(passes(cx.render(s, 9.0), 3)):
        np.testing.assert_array_equal(played, reference, err_msg=f"pass {k}")


def test_a_clip_started_into_its_region_plays_from_memory(tmp_path):
    path = write(tmp_path / "x.wav", 1.0, 8)
    g = cx.Graph()
    late = g.clip(path, samplerate=SR, start=0.25, gate=1.0, fade_out=0.0)
    g.output(late)
    audio = cx.render(g, 1.0, samplerate=SR)
    np.testing.assert_array_equal(audio[:, : 3 * SR // 4], sf.read(path, dtype="float32")[0].T[:, SR // 4 :])
    with pytest.raises(ValueError, match="start into it"):
        cx.Graph().clip(path, samplerate=SR, stream=True, start=0.25)


def test_a_stretched_loop_is_reentered_alike_in_every_later_pass(tmp_path):
    s = cx.Session(samplerate=SR, bpm=120)
    s.track("loop").clip(write(tmp_path / "l.wav", 0.5, 6), beat=1.0, loop=True, bpm=100, fade_out=0.0)
    first = cx.render(s, 5.0)[:, FA:FB]
    s.set_cycle(A, B, passes=5)
    played = passes(cx.render(s, 12.0), 5)
    # The stretcher's window reaches back from a cut by its latency.
    latency = s.stretch_latency()
    cut = L - latency
    # The first pass is the region as it plays uncycled, up to the cut at its end.
    np.testing.assert_array_equal(played[0][:, :cut], first[:, :cut])
    # Every start resets the stretcher: re-entered passes are the same samples, but for the
    # first one's start (where the first pass's stretcher rings out) and the last one's end
    # (not cut: it plays on).
    np.testing.assert_array_equal(played[3], played[2])
    np.testing.assert_array_equal(played[1][:, 2 * latency :], played[2][:, 2 * latency :])
    np.testing.assert_array_equal(played[4][:, :cut], played[2][:, :cut])
    # The first pass's stretcher had run since the clip began, and a phase vocoder's phases
    # follow what it played: the re-entered passes play the same loop at the same level,
    # not the same samples (documented in chronus.cycle).
    rms = [float(np.sqrt(np.mean(p[:, 2 * latency : cut] ** 2))) for p in (played[0], played[2])]
    assert abs(rms[1] / rms[0] - 1) < 0.05, rms


def song(path: Path) -> Path:
    """A MIDI file (480 ticks a beat): a note from beat 3 held to beat 6 (into the region
    [4, 8)), the mod wheel at 0.2 from beat 1 and 0.8 from beat 5, the expression pedal
    first set at beat 6, a bend to 0.5 at beat 6 on channel 0 (never bent before) and
    bends before and in the region on channel 1."""
    track = mido.MidiTrack()
    events = [
        (1.0, mido.Message("control_change", control=1, value=round(0.2 * 127))),
        (2.0, mido.Message("pitchwheel", channel=1, pitch=-4096)),
        (3.0, mido.Message("note_on", note=57, velocity=90)),
        (5.0, mido.Message("control_change", control=1, value=round(0.8 * 127))),
        (6.0, mido.Message("note_off", note=57)),
        (6.0, mido.Message("control_change", control=11, value=100)),
        (6.0, mido.Message("pitchwheel", pitch=4096)),
        (6.5, mido.Message("pitchwheel", channel=1, pitch=2048)),
    ]
    now = 0
    for beat, msg in events:
        tick = round(beat * 480)
        track.append(msg.copy(time=tick - now))
        now = tick
    mf = mido.MidiFile(type=0, ticks_per_beat=480)
    mf.tracks.append(track)
    mf.save(path)
    return path


def test_what_the_region_starts_with_is_chased_at_every_pass(tmp_path):
    s = cx.Session(samplerate=SR, bpm=120)
    keys = s.track("keys").instrument("subtractive")
    keys.midi(song(tmp_path / "song.mid"))
    s.set_cycle(A, B, passes=3)
    [track] = s.graph().tracks
    # The note held from beat 3 into the region: cut at its end in the first two passes,
    # struck again at each later pass's start, whole in the last one (to beat 6 + 8).
    assert sorted((n.beat, n.length) for n in track.notes) == [(3.0, 3.0), (8.0, 2.0), (12.0, 2.0)]
    # The mod wheel goes back to 0.2 where each later pass starts; the expression pedal,
    # never set before the region, is not chased.
    wheel = [(c.beat, round(c.value * 127)) for c in track.controls if c.controller == 1]
    assert wheel == [(1.0, 25), (5.0, 102), (8.0, 25), (9.0, 102), (12.0, 25), (13.0, 102)]
    assert [c.beat for c in track.controls if c.controller == 11] == [6.0, 10.0, 14.0]
    # Channel 0, never bent before the region, goes back to the centre; channel 1 to
    # where it was bent before.
    bends = [(e.beat, e.channel, round(e.value, 3)) for e in track.bends]
    assert sorted(bends) == [
        (2.0, 1, -0.5), (6.0, 0, 0.5), (6.5, 1, 0.25), (8.0, 0, 0.0), (8.0, 1, -0.5), (10.0, 0, 0.5),
        (10.5, 1, 0.25), (12.0, 0, 0.0), (12.0, 1, -0.5), (14.0, 0, 0.5), (14.5, 1, 0.25),
    ]  # fmt: skip


def test_chased_events_play_live_as_they_render(tmp_path, backend):
    s = cx.Session(samplerate=SR, bpm=120)
    s.track("keys").instrument("subtractive").midi(song(tmp_path / "song.mid"))
    s.set_cycle(A, B, passes=3)
    assert_live_equals_render(s, backend, seconds=6.5, peak=0.01)


def test_a_note_held_into_the_region_sounds_in_every_pass(tmp_path):
    s = cx.Session(samplerate=SR, bpm=120)
    s.track("keys").instrument("subtractive").note(57, 3.0, 3.0)  # beats 3 to 6
    s.set_cycle(A, B, passes=3)
    audio = cx.render(s, 7.0)
    for k, played in enumerate(passes(audio, 3)):
        rms = float(np.sqrt(np.mean(played[:, : BEAT // 2] ** 2)))
        assert rms > 0.01, f"pass {k}: the held note is silent at the region's start ({rms})"


def test_a_cycle_lengthens_the_session_by_its_passes_after_the_first(session):
    plain = session.duration()
    session.set_cycle(A, B, passes=3)
    assert session.duration() == pytest.approx(plain + 2 * L / SR)
    session.set_cycle(40.0, 44.0, passes=3)  # after everything: nothing repeats
    assert session.duration() == plain


def test_a_saved_session_keeps_its_cycle(session, tmp_path):
    session.set_cycle(A, B, passes=3)
    loaded = cx.Session.load(session.save(tmp_path / "song.chronus.json"))
    assert loaded.cycle == session.cycle
    np.testing.assert_array_equal(stem(loaded, "loop", 9.0), stem(session, "loop", 9.0))


def test_the_tempo_map_cycles_with_the_region():
    # Tempo changes before, inside and after the region: every pass keeps the region's
    # tempo, and what comes after the region keeps its own, passes late.
    tempo = cx.TempoMap([(0.0, 120.0), (2.0, 90.0), (5.0, 150.0), (9.0, 60.0)])
    cycle = Cycle(4.0, 8.0, 3)
    cycled = cycle.tempo(tempo)
    span = tempo.seconds(8.0) - tempo.seconds(4.0)
    for beat in (0.0, 1.5, 3.0):
        assert cycled.seconds(beat) == pytest.approx(tempo.seconds(beat), abs=1e-12)
    for k in range(3):
        for beat in (4.0, 4.5, 5.0, 6.25, 7.99):
            expected = tempo.seconds(beat) + k * span
            assert cycled.seconds(beat + 4.0 * k) == pytest.approx(expected, abs=1e-12), (k, beat)
    for beat in (8.0, 9.0, 10.5):
        assert cycled.seconds(beat + 8.0) == pytest.approx(tempo.seconds(beat) + 2 * span, abs=1e-12)
    assert cycle.beats_of(3.0) == [3.0] and cycle.beats_of(5.0) == [5.0, 9.0, 13.0]
    assert cycle.beats_of(9.0) == [17.0]


def test_a_bus_tail_rings_over_the_wrap_and_later_passes_agree(tmp_path):
    # A delay bus: its echoes of a pass ring into the next one, as in a DAW (the engine is
    # not reset at the wrap). The first pass is the region as it plays uncycled; the later
    # ones are alike once the echoes of what came before the first have died away.
    s = cx.Session(samplerate=SR, bpm=120)
    echo = s.bus("echo", fx=("delay", {"time": 0.3, "feedback": 0.2, "mix": 1.0}))
    hits = s.track("hits")
    hits.clip(write(tmp_path / "hit.wav", 0.1, 7), beat=5.0, fade_out=0.0)
    hits.send(echo, -6.0)
    reference = cx.render(s, 5.0)[:, FA:FB]
    s.set_cycle(A, B, passes=4)
    played = passes(cx.render(s, 10.0), 4)
    np.testing.assert_array_equal(played[0], reference)
    assert np.max(np.abs(played[1][:, :BEAT] - reference[:, :BEAT])) > 1e-4  # pass 0's echoes
    # (What differs between later passes is the echoes' echoes, decayed by 0.2 per repeat.)
    np.testing.assert_allclose(played[3], played[2], atol=1e-6)


def test_bad_cycles_are_named(session):
    with pytest.raises(ValueError, match="end after it starts"):
        session.set_cycle(4.0, 4.0)
    with pytest.raises(ValueError, match="passes is a whole number"):
        session.set_cycle(4.0, 8.0, passes=0)
    drums = session.track("drums").instrument("subtractive")
    drums.pattern("x.x.x..x")  # loops every 2 beats
    with pytest.raises(ValueError, match=r"track 'drums'.*whole number of its loops"):
        session.set_cycle(4.0, 7.0, passes=2)
    assert session.cycle is None
    session.set_cycle(4.0, 8.0, passes=2)
    drums.pattern("x..", loop=3.0)  # added after: named where the cycle is compiled
    with pytest.raises(ValueError, match="whole number of its loops"):
        session.graph()


def test_a_cycle_plays_live_as_it_renders(session, backend):
    session.set_cycle(A, B, passes=3)
    assert_live_equals_render(session, backend, seconds=6.5, peak=0.05)
