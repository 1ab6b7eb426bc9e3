"""Sessions from the command line and over OSC: `chronus render song.chronus.json` writes what
cx.render gives (bit for bit in float WAV, within 24-bit rounding in FLAC), `chronus play`
sounds, and a served session launches clips on the bar frame a clip placed there plays
from, mutes, moves faders, cycles its timeline over a region (``/session/cycle``: heard as
the render of the session with that cycle plays it), and answers bad names and values with
errors and counters."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from test_control_osc import Client

import chronus as cx
from chronus.control import ControlError
from chronus.cycle import ENDLESS_PASSES, Cycle
from conftest import SR, wait_until


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chronus.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 120-bpm loop of bursts (1 s), a stereo noise loop (1 s) and a click."""
    base = tmp_path_factory.mktemp("media")
    loop = np.zeros(SR, np.float32)
    burst = np.hanning(97) * np.sin(2 * np.pi * 3000 * np.arange(97) / SR)
    loop[:97] += 0.8 * burst.astype(np.float32)
    loop[SR // 2 : SR // 2 + 97] += 0.3 * burst.astype(np.float32)
    sf.write(base / "loop120.wav", loop, SR, subtype="FLOAT")
    noise = (0.2 * np.random.default_rng(3).standard_normal((SR, 2))).astype(np.float32)
    sf.write(base / "noise.wav", noise, SR, subtype="FLOAT")
    click = np.zeros(SR // 2, np.float32)
    click[0] = 0.5
    sf.write(base / "click.wav", click, SR, subtype="FLOAT")
    return {p.stem: p for p in base.iterdir()}


def song(media: dict[str, Path], placed: float | None = None) -> cx.Session:
    """A loop from beat 0, and an idle loop on the same track (or that loop ``placed`` at a
    beat); a noise track sent to a reverb bus; a click track with an idle click."""
    s = cx.Session(samplerate=SR, bpm=96)
    loops = s.track("loops", gain_db=-2.0)
    loops.clip(media["loop120"], beat=0, loop=True, bpm=120, until_beat=16)
    loops.clip(media["loop120"], loop=True, bpm=100, idle=placed is None, beat=placed or 0.0, gain_db=-6.0)
    noise = s.track("noise", gain_db=-12.0, pan=0.4)
    noise.clip(media["noise"], at=0.25, length=0.5)
    verb = s.bus("verb", fx=("reverb", {"decay": 0.6, "mix": 1.0}))
    noise.send(verb, -6.0)
    s.track("clicks").clip(media["click"], idle=True)
    return s


# -- the command line ---------------------------------------------------------------------


def test_cli_render_of_a_saved_session_equals_cx_render(media, tmp_path):
    path = song(media).save(tmp_path / "song.chronus.json")
    loaded = cx.Session.load(path)
    res = run("render", str(path), "-o", str(tmp_path / "mix.wav"))
    assert res.returncode == 0, res.stderr
    assert f"{loaded.duration():.2f} s, 2 ch, {SR} Hz" in res.stdout
    got, rate = sf.read(tmp_path / "mix.wav", dtype="float32", always_2d=True)
    reference = cx.render(loaded, seconds=loaded.duration())
    assert rate == SR and np.max(np.abs(reference)) > 0.1
    np.testing.assert_array_equal(got.T, reference)
    # --seconds overrides the session's length; FLAC is 24-bit.
    res = run("render", str(path), "-o", str(tmp_path / "mix.flac"), "--seconds", "3")
    assert res.returncode == 0, res.stderr
    got, rate = sf.read(tmp_path / "mix.flac", dtype="float32", always_2d=True)
    assert sf.info(str(tmp_path / "mix.flac")).subtype == "PCM_24"
    reference = cx.render(loaded, seconds=3.0)
    assert got.T.shape == reference.shape == (2, 3 * SR)
    np.testing.assert_allclose(got.T, reference, rtol=0, atol=2.0**-23 * 1.01)
    res = run("render", str(path), "-o", str(tmp_path / "mix16.flac"), "--seconds", "1", "--subtype", "16")
    assert res.returncode == 0, res.stderr
    assert sf.info(str(tmp_path / "mix16.flac")).subtype == "PCM_16"


def test_cli_plays_a_session_and_refuses_other_files(media, tmp_path):
    s = cx.Session(samplerate=SR)
    s.track("noise").clip(media["noise"], loop=True)
    path = s.save(tmp_path / "song.chronus.json")
    res = run("play", str(path), "--backend", "null", "--seconds", "1")
    assert res.returncode == 0, res.stderr
    assert "playing" in res.stdout and "song.chronus.json" in res.stdout
    peaks = [float(m) for m in re.findall(r"peak (-?[\d.]+) dBFS", res.stdout)]
    assert peaks and max(peaks) > -20.0, res.stdout  # the loop is heard (0.2 rms noise)
    res = run("play", str(path), "--backend", "null", "--seconds", "1", "--samplerate", "44100")
    assert res.returncode == 1 and f"session at {SR} Hz" in res.stderr
    other = tmp_path / "song.txt"
    other.write_text("{}")
    for command in (("play", str(other), "--backend", "null"), ("render", str(other), "-o", "x.wav")):
        res = run(*command)
        assert res.returncode == 1 and "song.txt" in res.stderr and "Traceback" not in res.stderr
    broken = tmp_path / "broken.chronus.json"
    broken.write_text('{"chronus_session": 1}')
    res = run("render", str(broken), "-o", str(tmp_path / "x.wav"))
    assert res.returncode == 1 and "broken.chronus.json" in res.stderr and "Traceback" not in res.stderr
    res = run("graph", str(path), "--json")
    assert res.returncode == 0 and "noise.fader" in res.stdout


# -- OSC ------------------------------------------------------------------------------------


def test_osc_launch_starts_a_clip_on_the_bar_like_a_clip_placed_there(media):
    s = song(media)
    with cx.serve(s, osc="127.0.0.1:0", backend="null", blocksize=256) as srv:
        c = Client(srv.osc_port or 0)
        live = srv.engine
        live.start_capture()
        assert wait_until(lambda: live.transport.beat > 1.2, timeout=10)
        c.send("/launch/loops/1")
        (reply,) = [m for m in c.replies("/reply/launch/loops/1") if m.address.startswith("/reply")]
        beat = reply.params[0]
        assert wait_until(lambda: live.transport.beat > beat + 5.0, timeout=15)
        audio, start = live.stop_capture()
        c.close()
    assert beat % 4 == 0 and beat >= 4
    reference = cx.render(song(media, placed=beat), seconds=(start + audio.shape[1]) / SR, blocksize=256)
    np.testing.assert_array_equal(audio, reference[:, start:])
    # The launched loop is heard from the bar's frame (the two loops overlap there).
    bar = round(s.tempo.seconds(beat) * SR) - start
    unlaunched = cx.render(song(media), seconds=(start + audio.shape[1]) / SR, blocksize=256)[:, start:]
    np.testing.assert_allclose(audio[:, :bar], unlaunched[:, :bar], rtol=0, atol=1e-6)
    assert np.max(np.abs(audio[:, bar : bar + 200] - unlaunched[:, bar : bar + 200])) > 0.1


def test_osc_tracks_mute_fade_pan_and_solo(media):
    s = cx.Session(samplerate=SR)
    s.track("noise").clip(media["noise"], loop=True, fade_out=0.0)
    s.track("clicks").clip(media["click"], idle=True)
    with cx.serve(s, osc="127.0.0.1:0", backend="null", blocksize=256) as srv:
        c = Client(srv.osc_port or 0)
        live = srv.engine
        time.sleep(0.2)
        live.start_capture()
        time.sleep(0.3)
        c.send("/track/noise/mute", 1)
        assert wait_until(lambda: srv.counters()["applied"] == 1, 2.0)
        muted = live.frame()
        time.sleep(0.3)
        audio, start = live.stop_capture()
        assert s.tracks[0].muted
        # Before: the loop; 0.1 s after the message: nothing.
        assert np.max(np.abs(audio[:, : muted - start - SR // 10])) > 0.3
        assert np.max(np.abs(audio[:, muted - start + SR // 10 :])) < 1e-6
        c.send("/track/noise/mute", 0)
        c.send("/track/noise/gain_db", -12.0)
        c.send("/track/noise/pan", -0.5)
        c.send("/track/clicks/solo", 1)
        c.send("/bus/master/gain_db", -1.0)
        assert wait_until(lambda: srv.counters()["applied"] == 6, 2.0)
        assert (s.tracks[0].gain_db, s.tracks[0].pan, s.master.gain_db) == (-12.0, -0.5, -1.0)
        assert s.tracks[1].soloed and not s.tracks[0].muted and not s.tracks[0]._audible()
        # Errors: unknown track, clip, address; bad and out-of-range values.
        before = srv.counters()
        for address, args in [
            ("/track/nosuch/mute", (1,)),
            ("/launch/nosuch/0", ()),
            ("/launch/clicks/7", ()),
            ("/track/noise/volume", (1.0,)),
            ("/bus/master/solo", ()),
            ("/track/noise/pan", (3.0,)),
            ("/track/noise/gain_db", ("loud",)),
            ("/launch/clicks/0", ("fortnight",)),
            ("/launch/clicks/0", (0,)),
        ]:
            c.send(address, *args)
            errors = [m for m in c.replies("/error") if m.address == "/error"]
            assert errors and errors[0].params[0] == address, address
        c.send("/track/nosuch/gain_db", 0.0)
        (error,) = [m for m in c.replies("/error") if m.address == "/error"]
        assert "no track 'nosuch'" in error.params[1] and "noise, clicks" in error.params[1]
        after = srv.counters()
        assert after["unknown"] - before["unknown"] == 6
        assert after["out_of_range"] - before["out_of_range"] == 2
        assert after["bad_args"] - before["bad_args"] == 2
        # A clip by its file's stem, on the next beat.
        c.send("/launch/clicks/click", "beat")
        (reply,) = [m for m in c.replies("/reply/launch/clicks/click") if m.address.startswith("/reply")]
        assert reply.params[0] == int(reply.params[0])
        # /list: every session address with types, range and unit.
        c.send("/list")
        listed = {m.params[0]: m.params for m in c.replies("/reply/list/end") if m.address == "/reply/list"}
        assert listed["/track/noise/gain_db"][1:5] == ["f", -200.0, 60.0, "dB"]
        assert listed["/track/noise/pan"][1:4] == ["f", -1.0, 1.0]
        assert listed["/track/clicks/solo"][1:4] == ["i", 0.0, 1.0]
        assert listed["/bus/master/mute"][1] == "i"
        assert {"/launch/clicks/0", "/stop/clicks/0", "/launch/noise/0"} <= set(listed)
        assert "click.wav" in listed["/launch/clicks/0"][5]
        c.close()


def cycled(media: dict[str, Path]) -> cx.Session:
    """At 120 bpm (a beat is half a second): the 1 s loop from 0 s, a noise burst from
    1.5 s to 2.5 s (fade-out 0), straddling the start of a cycle over beats 4 .. 6 (2 s .. 3 s)."""
    s = cx.Session(samplerate=SR, bpm=120)
    s.track("loops").clip(media["loop120"], beat=0, loop=True, until_beat=16)
    s.track("noise", gain_db=-6.0).clip(media["noise"], beat=3, length=1.0, fade_out=0.0)
    return s


#: The cycle's region on the frame clock (the timeline plays from the engine's first frame).
FA, FB = 2 * SR, 3 * SR


def captured(srv: cx.control.Server, until: int) -> tuple[np.ndarray, int]:
    """The server's engine output from now until frame ``until``, and its first frame."""
    live = srv.engine
    assert wait_until(lambda: live.frame() > until, timeout=20), live.frame()
    return live.stop_capture()


def reference(s: cx.Session, audio: np.ndarray, start: int) -> np.ndarray:
    """The render of ``s`` over the frames captured."""
    return cx.render(s, seconds=(start + audio.shape[1]) / SR, blocksize=256)[:, start:]


def test_osc_session_cycle_plays_the_region_again_as_the_render_does(media):
    s = cycled(media)
    with cx.serve(s, osc="127.0.0.1:0", backend="null", blocksize=256) as srv:
        c = Client(srv.osc_port or 0)
        srv.engine.start_capture()
        c.send("/session/cycle", 4.0, 6, 2)  # an int beat is a beat too
        (reply,) = [m for m in c.replies("/reply/session/cycle") if m.address.startswith("/reply")]
        # In before the region starts (by far: compiling takes milliseconds).
        assert srv.engine.frame() + 2 * 256 < FA
        c.close()
        audio, start = captured(srv, FB + 2 * (FB - FA) + SR // 4)
    assert reply.params == [4.0, 6.0, 2]
    assert s.cycle == Cycle(4.0, 6.0, 2)
    # Heard as the session with that cycle renders, sample for sample: the region twice, then on.
    np.testing.assert_array_equal(audio, reference(s, audio, start))
    # The second pass plays the first again (after the 5 ms the loop cut at the end fades
    # out over: a declick).
    tail = int(0.005 * SR)
    first, second = audio[:, FA - start : FB - start], audio[:, FB - start : 2 * FB - FA - start]
    np.testing.assert_allclose(second[:, tail:], first[:, tail:], rtol=0, atol=1e-6)
    assert np.max(np.abs(first[:, : SR // 2])) > 0.1, "the noise burst plays in both passes"
    s.set_cycle(None)
    assert np.max(np.abs(audio - reference(s, audio, start))) > 0.1, "uncycled, it plays on"


def test_osc_session_cycle_without_arguments_stops_cycling(media):
    s = cycled(media)
    # Before the region wraps: no cycle at all, the timeline straight.
    with cx.serve(s, osc="127.0.0.1:0", backend="null", blocksize=256) as srv:
        c = Client(srv.osc_port or 0)
        srv.engine.start_capture()
        c.send("/session/cycle", 4.0, 6.0)
        (reply,) = [m for m in c.replies("/reply/session/cycle") if m.address.startswith("/reply")]
        assert reply.params == [4.0, 6.0, ENDLESS_PASSES] and s.cycle == Cycle(4.0, 6.0, ENDLESS_PASSES)
        assert wait_until(lambda: srv.engine.frame() > FA + SR // 4, timeout=10)  # in the first pass
        c.send("/session/cycle")
        (reply,) = [m for m in c.replies("/reply/session/cycle") if m.address.startswith("/reply")]
        assert srv.engine.frame() + 4 * 256 < FB
        c.close()
        audio, start = captured(srv, FB + SR // 2)
    assert reply.params == [] and s.cycle is None
    np.testing.assert_array_equal(audio, reference(s, audio, start))
    # In a later pass: that pass is the last; then the timeline plays on from the region's end.
    s = cycled(media)
    with cx.serve(s, osc="127.0.0.1:0", backend="null", blocksize=256) as srv:
        c = Client(srv.osc_port or 0)
        srv.engine.start_capture()
        c.send("/session/cycle", 4.0, 6.0)
        assert [m for m in c.replies("/reply/session/cycle") if m.address.startswith("/reply")]
        assert wait_until(lambda: srv.engine.frame() > FB + SR // 4, timeout=10)  # in the second pass
        c.send("/session/cycle")
        (reply,) = [m for m in c.replies("/reply/session/cycle") if m.address.startswith("/reply")]
        assert srv.engine.frame() + 4 * 256 < 2 * FB - FA
        c.close()
        audio, start = captured(srv, 2 * FB - FA + SR // 2)
    assert reply.params == [4.0, 6.0, 2] and s.cycle == Cycle(4.0, 6.0, 2)
    np.testing.assert_array_equal(audio, reference(s, audio, start))
    s.set_cycle(4.0, 6.0)
    endless = reference(s, audio, start)
    third = slice(2 * FB - FA - start, 3 * FB - 2 * FA - start)
    assert np.max(np.abs(audio[:, third] - endless[:, third])) > 0.1, "no third pass"


def test_stop_cycle_with_no_engine_playing_drops_the_cycle(media):
    # (With one, the OSC test above: /session/cycle without arguments calls it.)
    s = cycled(media)
    s.set_cycle(4.0, 6.0, passes=3)
    s.stop_cycle()
    assert s.cycle is None
    s.stop_cycle()  # no cycle: nothing to stop
    assert s.cycle is None


def test_bad_session_cycles_are_refused_naming_the_address_and_change_nothing(media):
    s = cycled(media)
    with cx.serve(s, osc="127.0.0.1:0", backend="null", blocksize=256) as srv:
        c = Client(srv.osc_port or 0)
        c.send("/session/cycle", 8.0, 12.0, 3)
        assert [m for m in c.replies("/reply/session/cycle") if m.address.startswith("/reply")]
        tempo = srv.engine.tempo_map
        before = srv.counters()
        bad = [
            ((6.0, 4.0), "out_of_range", "start < end"),
            ((4.0, 4.0), "out_of_range", "start < end"),
            ((4.0, 6.0, 0), "out_of_range", "passes"),
            ((4.0, 6.0, 2.5), "out_of_range", "whole number"),
            ((4.0, 6.0, ENDLESS_PASSES + 1), "out_of_range", "passes"),
            ((-1.0, 6.0), "out_of_range", "start"),
            ((4.0, 4.0 + 1e-6), "out_of_range", "by a frame"),  # shorter than a frame
            (("four", 6.0), "bad_args", "start must be a number"),
            ((4.0, "six"), "bad_args", "end must be a number"),
            ((4.0, 6.0, "twice"), "bad_args", "passes must be a whole number"),
            ((4.0,), "bad_args", "takes 2 to 3 arguments"),
            ((4.0, 6.0, 2, 1), "bad_args", "takes 2 to 3 arguments"),
        ]
        for args, kind, words in bad:
            c.send("/session/cycle", *args)
            (error,) = [m for m in c.replies("/error") if m.address == "/error"]
            assert error.params[0] == "/session/cycle" and words in error.params[1], (args, error.params)
            with pytest.raises(ControlError, match=words) as err:
                srv.controller.handle("/session/cycle", list(args))
            assert err.value.kind == kind and "/session/cycle" in str(err.value)
        c.send("/session/loop", 4.0, 6.0)
        (error,) = [m for m in c.replies("/error") if m.address == "/error"]
        assert error.params[0] == "/session/loop" and "/session/cycle" in error.params[1]
        after = srv.counters()
        # Nothing changed: the cycle, the engine's tempo map (an update would have replaced it).
        assert s.cycle == Cycle(8.0, 12.0, 3) and srv.engine.tempo_map is tempo
        for kind in ("out_of_range", "bad_args"):
            expected = 2 * sum(k == kind for _, k, _ in bad)
            assert after[kind] - before[kind] == expected, kind
        assert after["unknown"] - before["unknown"] == 1 and after["applied"] == before["applied"]
        c.send("/list")
        listed = {m.params[0]: m.params for m in c.replies("/reply/list/end") if m.address == "/reply/list"}
        assert listed["/session/cycle"][1:5] == ["[ff[i]]", 0.0, float("inf"), "beats"]
        assert "passes" in listed["/session/cycle"][5]
        c.close()


def test_a_graph_served_has_no_session_addresses():
    g = cx.Graph()
    g.output(g.sine(440.0) * 0.1)
    with cx.serve(g, osc="127.0.0.1:0", backend="null") as srv:
        c = Client(srv.osc_port or 0)
        c.send("/launch/loops/0")
        (error,) = [m for m in c.replies("/error") if m.address == "/error"]
        assert "not a session" in error.params[1]
        c.send("/list")
        listed = [m.params[0] for m in c.replies("/reply/list/end") if m.address == "/reply/list"]
        assert not [a for a in listed if a.startswith(("/launch", "/track", "/bus", "/session"))]
        c.send("/session/cycle", 4.0, 8.0)
        (error,) = [m for m in c.replies("/error") if m.address == "/error"]
        assert error.params[0] == "/session/cycle" and "not a session" in error.params[1]
        c.close()
    with pytest.raises(TypeError, match="Graph, Session or Engine"):
        cx.serve("song.chronus.json", backend="null")  # type: ignore[arg-type]
