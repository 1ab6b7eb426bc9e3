"""Session tracks beyond audio clips: an instrument on a track plays its MIDI files,
patterns and notes as the same instrument in a plain graph does, saves and loads, and plays
live as it renders; effects with latency are compensated so that parallel paths (tracks
side by side, a dry track and its send through a latent bus) meet at the master on the same
frame; a session playing live takes new clips, tracks and effects through the engine's
edit, its clips carrying on where they are."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import chronus as cx
from conftest import SR, assert_live_equals_render, wait_until

SYNTH = {"voices": 4, "cutoff": 900.0, "release": 0.1}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A mono click (0.5 s), a stereo noise loop (1 s) and a MIDI file of three notes."""
    base = tmp_path_factory.mktemp("media")
    click = np.zeros(SR // 2, np.float32)
    click[0] = 0.5
    sf.write(base / "click.wav", click, SR, subtype="FLOAT")
    noise = (0.2 * np.random.default_rng(9).standard_normal((SR, 2))).astype(np.float32)
    sf.write(base / "noise.wav", noise, SR, subtype="FLOAT")
    notes = [cx.Note(60, 0.0, 0.5), cx.Note(64, 0.5, 0.5, 0.6), cx.Note(67, 1.0, 1.0, 0.9)]
    cx.write_midi(base / "song.mid", notes, cx.TempoMap.constant(90))
    return {p.stem: p for p in base.iterdir()}


def keys_session(media: dict[str, Path], *, clip: bool = True) -> cx.Session:
    s = cx.Session(samplerate=SR, bpm=120)
    keys = s.track("keys")
    keys.instrument("subtractive", **SYNTH)
    keys.midi(media["song"], beat=1.0)
    keys.pattern(cx.Pattern("x..x ..x.", note=48), loop=4.0)
    keys.note(72, beat=0.25, length=0.5, velocity=0.5)
    if clip:
        keys.clip(media["noise"], at=0.3, length=0.2, gain_db=-12.0)
    return s


def test_an_instrument_track_plays_what_the_same_instrument_plays_in_a_graph(media):
    s = keys_session(media, clip=False)
    out = cx.render(s, seconds=3.0)
    g = cx.Graph()
    g.tempo = cx.TempoMap.constant(120)
    synth = g.subtractive(**SYNTH)
    song = cx.read_midi(media["song"])
    g.play(synth, [cx.Note(n.pitch, n.beat + 1.0, n.length, n.velocity) for n in song.notes])
    g.play(synth, cx.Pattern("x..x ..x.", note=48), loop=4.0)
    g.play(synth, [cx.Note(72, 0.25, 0.5, 0.5)])
    g.output(synth)
    ref = cx.render(g, seconds=3.0, samplerate=SR)[0]
    assert np.max(np.abs(ref)) > 0.05
    # Centred at unity: the instrument's mono output on both sides (float32 gain path).
    np.testing.assert_allclose(out, np.stack([ref, ref]), rtol=1e-6, atol=1e-7)
    # The MIDI file plays in the session's beats (its own 90 bpm is not used).
    assert s.duration() == pytest.approx(cx.TempoMap.constant(120).seconds(1.0 + 2.0))


def test_instruments_sit_beside_clips_and_save_with_their_parts(media, tmp_path):
    s = keys_session(media)
    s.tracks[0].fx(("gain", {"gain": -3.0}))
    (tmp_path / "song").mkdir()
    path = s.save(tmp_path / "song" / "song.chronus.json")
    data = json.loads(path.read_text())["tracks"][0]
    assert data["instrument"] == {"builder": "subtractive", "params": SYNTH}
    midi = next(p for p in data["parts"] if "midi" in p)
    assert not Path(midi["midi"]).is_absolute()
    assert (path.parent / midi["midi"]).resolve() == media["song"].resolve()
    again = cx.Session.load(path)
    np.testing.assert_array_equal(cx.render(again, seconds=3.0), cx.render(s, seconds=3.0))
    # A pattern whose steps no pattern string holds (an accent chained to a ghost note)
    # is refused by the track's name; so is a lambda instrument, as lambda effects are.
    bass = s.track("bass").instrument("subtractive", voices=2)
    bass.pattern(cx.Pattern("X...") + cx.Pattern("o..."))
    with pytest.raises(ValueError, match="track 'bass': cannot save the pattern"):
        s.save(tmp_path / "bad.json")
    bass.parts.clear()
    s.track("lead").instrument(lambda g: g.subtractive(voices=2))
    with pytest.raises(ValueError, match="track 'lead': cannot save the instrument"):
        s.save(tmp_path / "bad.json")


def test_instrument_mistakes_are_named(media):
    s = cx.Session(samplerate=SR)
    t = s.track("t")
    with pytest.raises(ValueError, match="track 't': midi\\(\\) needs an instrument"):
        t.midi(media["song"])
    with pytest.raises(ValueError, match="no builder named 'subtractiv'"):
        t.instrument("subtractiv")
    t.instrument(lambda g: g.saw(220))
    with pytest.raises(TypeError, match="track 't': the instrument takes no notes"):
        cx.render(s, seconds=0.1)


def test_an_instrument_track_played_live_equals_its_render(media, backend):
    s = keys_session(media)
    assert_live_equals_render(s, backend, seconds=2.5, peak=1e-2)


# -- latency compensation ----------------------------------------------------------------


def lag(a: np.ndarray, b: np.ndarray) -> int:
    """The lag of ``b`` behind ``a`` at the peak of their cross-correlation (left channels)."""
    xc = np.correlate(b[0], a[0], mode="full")
    return int(np.argmax(np.abs(xc))) - (a.shape[1] - 1)


LIMITER = ("limiter", {"ceiling": 0.9, "lookahead": 0.005})  # 240 frames of lookahead


def test_tracks_with_and_without_latent_effects_meet_on_the_same_frame(media):
    s = cx.Session(samplerate=SR)
    s.track("dry").clip(media["click"], at=0.1)
    s.track("limited").clip(media["click"], at=0.1)
    s.tracks[1].fx(LIMITER).fx(("distortion", {"drive": 1.0, "oversample": 4}))
    stems = {t.name: cx.render(s.graph(stem=t.name), 0.3, SR) for t in s.tracks}
    own = s.latencies()
    assert own["dry"] == 0 and own["limited"] > round(0.005 * SR)  # lookahead + oversampling
    assert s.latency() == own["limited"]
    assert lag(stems["dry"], stems["limited"]) == 0
    # The dry click is delayed by exactly the other track's latency, sample for sample.
    assert np.flatnonzero(stems["dry"][0]).tolist() == [round(0.1 * SR) + own["limited"]]
    # Without compensation they would be that far apart: the mix has one click, not two.
    mix = cx.render(s, seconds=0.3)
    assert int(np.argmax(np.abs(mix[0]))) == round(0.1 * SR) + own["limited"]


def test_a_send_through_a_latent_bus_stays_aligned_with_the_dry_path(media):
    s = cx.Session(samplerate=SR)
    t = s.track("t")
    t.clip(media["click"], at=0.1)
    t.fx(LIMITER)
    bus = s.bus("crushed", fx=[("distortion", {"drive": 2.0, "oversample": 8}), LIMITER])
    t.send(bus, -6.0)
    s.bus("plain")  # no sends: not played, not counted
    own = s.latencies()
    assert own["crushed"] > own["t"] > 0 and "plain" not in own
    assert s.latency() == own["t"] + own["crushed"]
    dry, wet = cx.render(s.graph(stem="t"), 0.3, SR), cx.render(s.graph(stem="crushed"), 0.3, SR)
    assert lag(dry, wet) == 0
    # The dry click reaches the master after both chains: on the frame the wet one does.
    frame = round(0.1 * SR) + s.latency()
    assert np.flatnonzero(dry[0]).tolist() == [frame]
    assert int(np.argmax(np.abs(wet[0]))) == frame
    # Stems still sum to the mix (no master effects).
    np.testing.assert_allclose(dry + wet, cx.render(s, seconds=0.3), atol=1e-7)


# -- live edits ---------------------------------------------------------------------------


def edited_session(media: dict[str, Path], *, edited: bool) -> cx.Session:
    s = cx.Session(samplerate=SR, bpm=120)
    loop = s.track("loop", gain_db=-6.0)
    loop.clip(media["noise"], loop=True, fade_out=0.0)
    if edited:
        loop.fx(("gain", {"gain": -4.0}))
        s.track("clicks", pan=0.5).clip(media["click"], beat=6)
        keys = s.track("keys")
        keys.instrument("subtractive", **SYNTH)
        keys.note(60, beat=6.5, length=0.5)
    return s


def test_a_playing_session_takes_new_tracks_clips_and_effects_in_place(media):
    s = edited_session(media, edited=False)
    with cx.Engine(s, backend="null", blocksize=256) as live:
        live.start_capture()
        assert wait_until(lambda: live.transport.beat > 2.0, timeout=10)
        loop_node = s.tracks[0].clips[0].node
        with live.edit():
            s.tracks[0].fx(("gain", {"gain": -4.0}))
            s.track("clicks", pan=0.5).clip(media["click"], beat=6)
            keys = s.track("keys")
            keys.instrument("subtractive", **SYNTH)
            keys.note(60, beat=6.5, length=0.5)
        edit = live.frame()
        assert live.graph is s._last or live.graph in s._parts
        assert s.tracks[0].clips[0].node is loop_node  # the same node: it played on
        assert wait_until(lambda: live.transport.beat > 7.5, timeout=15)
        audio, start = live.stop_capture()
    # Once the edit's crossfade is over, the engine plays exactly what the edited session
    # renders from the start: the loop kept its place, the new parts land on their beats.
    # (The new synth's oscillators run from the edit, not from frame 0, so its note differs
    # in phase: exact up to its note, then the same level.)
    edited = edited_session(media, edited=True)
    seconds = (start + audio.shape[1]) / SR
    reference = cx.render(edited, seconds=seconds)[:, start:]
    after, note = edit - start + SR // 10, round(3.25 * SR) - start
    click = round(3.0 * SR) - start
    assert after < click < note
    np.testing.assert_array_equal(audio[:, after:note], reference[:, after:note])
    assert audio[1, click] > 0.4  # the new clip on beat 6 (right of centre)
    edited.tracks[2].mute()
    without = cx.render(edited, seconds=seconds)[:, start:]
    window = slice(note, note + SR // 4)

    def rms(x: np.ndarray) -> float:
        return float(np.sqrt(np.mean(x**2)))

    keys_live, keys_ref = audio[:, window] - without[:, window], reference[:, window] - without[:, window]
    assert rms(keys_ref) > 0.01
    # Two detuned saws in another relative phase: another level, the same pitch (C4).
    assert 0.3 < rms(keys_live) / rms(keys_ref) < 3.0
    spectrum = np.abs(np.fft.rfft(keys_live[0] * np.hanning(keys_live.shape[1])))
    assert abs(np.fft.rfftfreq(keys_live.shape[1], 1 / SR)[np.argmax(spectrum)] - 261.6) < 8
    # Before the edit it played the unedited session.
    before = cx.render(edited_session(media, edited=False), seconds=(start + audio.shape[1]) / SR)
    np.testing.assert_array_equal(audio[:, : SR // 2], before[:, start : start + SR // 2])


# -- launches under live tempo changes ----------------------------------------------------


def test_a_stretched_launch_lands_on_its_bar_after_a_live_tempo_change(media):
    # A plain click and a stretched one (whose gate is cued its stretcher's latency early)
    # launched on the same bar, after the tempo went from 96 to 120 bpm live: the stretched
    # one sounds where it does when both are placed on one beat offline. On the session's
    # 96 bpm map the cue would be 0.128 beats early, 768 frames late at 120 bpm.
    def session(idle: bool) -> cx.Session:
        s = cx.Session(samplerate=SR, bpm=96)
        s.track("plain", pan=-1.0).clip(media["click"], idle=idle, beat=0.0 if idle else 4.0)
        s.track("stretched", pan=1.0).clip(media["click"], idle=idle, beat=0.0 if idle else 4.0, stretch=1.25)
        return s

    def offset(audio: np.ndarray) -> int:
        plain = int(np.flatnonzero(np.abs(audio[0]) > 1e-3)[0])
        return int(np.argmax(np.abs(audio[1, plain - SR // 10 : plain + SR // 10]))) - SR // 10

    placed = cx.render(session(idle=False), seconds=4.0)
    s = session(idle=True)
    with cx.Engine(s, backend="null", blocksize=256) as live:
        live.start_capture()
        assert wait_until(lambda: live.transport.beat > 0.5, timeout=10)
        live.transport.tempo(120)
        assert live.tempo_map.bpm(live.transport.beat + 1.0) == 120.0
        assert wait_until(lambda: live.transport.beat > 1.0, timeout=10)
        beats = [live.launch(t.clips[0], quantize="bar") for t in s.tracks]
        assert beats == [4.0, 4.0]
        assert wait_until(lambda: live.transport.beat > 5.5, timeout=15)
        audio, _ = live.stop_capture()
    assert offset(audio) == offset(placed)


def test_a_latent_effect_added_live_realigns_the_other_tracks(media):
    # Two tracks of the same looping click; a limiter (240 frames of lookahead) added to one
    # while playing delays the other by as much, so that after the edit the clicks still
    # meet on one frame, as in a render of the edited session.
    def clicks(limited: bool) -> cx.Session:
        s = cx.Session(samplerate=SR)
        for name in ("a", "b"):
            s.track(name).clip(media["click"], loop=True, fade_out=0.0)
        if limited:
            s.tracks[1].fx(LIMITER)
        return s

    s = clicks(limited=False)
    with cx.Engine(s, backend="null", blocksize=256) as live:
        live.start_capture()
        assert wait_until(lambda: live.frame() > SR // 2, timeout=10)
        with live.edit():
            s.tracks[1].fx(LIMITER)
        edit = live.frame()
        assert s.latency() == round(0.005 * SR)
        assert wait_until(lambda: live.frame() > edit + 2 * SR, timeout=10)
        audio, start = live.stop_capture()
    after = edit - start + SR // 10
    reference = cx.render(clicks(limited=True), seconds=(start + audio.shape[1]) / SR)[:, start:]
    np.testing.assert_array_equal(audio[:, after:], reference[:, after:])
    hits = np.flatnonzero(audio[0, after:]) + after + start
    assert len(hits) >= 3 and set(hits % (SR // 2)) == {round(0.005 * SR)}


def test_a_clip_stopped_live_stays_stopped_through_an_edit(media):
    s = cx.Session(samplerate=SR)
    loop = s.track("loop")
    loop.clip(media["noise"], loop=True, fade_out=0.0)
    with cx.Engine(s, backend="null", blocksize=256) as live:
        assert wait_until(lambda: live.frame() > SR // 4, timeout=10)
        live.stop(loop.clips[0], quantize="now")
        assert wait_until(lambda: live.frame() > SR // 2, timeout=10)
        with live.edit():
            s.track("clicks").clip(media["click"], at=10.0)
        live.start_capture()
        assert wait_until(lambda: live.frame() > SR, timeout=10)
        audio, _ = live.stop_capture()
    assert np.all(audio == 0.0)


def test_an_edit_keeps_the_instrument_and_a_swapped_pattern_until_its_parts_change(media):
    s = cx.Session(samplerate=SR, bpm=120)
    drums = s.track("drums").instrument("subtractive", **SYNTH)
    drums.pattern("x.x.x.x.")
    with cx.Engine(s, backend="null", blocksize=256) as live:
        g = live.graph
        [index] = [i for i, t in enumerate(g.tracks) if t.pattern is not None]
        synth = s._parts[g]["instrument", "drums"].nodes
        # What a control surface does (/pattern/<name>): the graph's track swapped, an update.
        swapped = g.tracks[index].with_pattern(cx.Pattern("x..."))
        g.tracks[index] = swapped
        live.update()
        with live.edit():
            s.track("other").clip(media["click"], beat=4)
        assert g.tracks[index] is swapped, "an edit that leaves the parts alone keeps the swap"
        with live.edit():
            drums.note(72, 1.0, 0.5)
        assert s._parts[g]["instrument", "drums"].nodes == synth, "new notes keep the voices"
        assert [t.pattern.text if t.pattern else None for t in g.tracks] == ["x.x.x.x.", None]
