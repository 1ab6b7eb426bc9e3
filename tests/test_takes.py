"""Recording into tracks on the null backend: punch in/out at beats cut to the frame (the
take equals the render between the punch frames and lands as a clip at the punch-in),
loop recording (a take per pass, all kept, the last active, others swapped in), armed
tracks on the output and the input at once, overruns counted and reported, bad requests
named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import chronus as cx
from chronus.cycle import ENDLESS_PASSES, Cycle
from chronus.takes import RecordingWarning
from conftest import SR, wait_until

BEAT = SR // 2  # frames per beat at 120 bpm


@pytest.fixture
def session(tmp_path: Path) -> cx.Session:
    rng = np.random.default_rng(9)
    noise = (0.2 * rng.standard_normal((SR, 2))).astype(np.float32)
    sf.write(tmp_path / "noise.wav", noise, SR, subtype="FLOAT")
    s = cx.Session(samplerate=SR, bpm=120)
    s.track("drums", pan=0.3).clip(tmp_path / "noise.wav", at=0.0, loop=True, until=8.0)
    s.track("takes")
    return s


def rendered(s: cx.Session, seconds: float = 6.0) -> np.ndarray:
    """The mix as it played while recording: the takes track silent."""
    takes = s.tracks[1]
    takes.mute()
    try:
        return cx.render(s, seconds)
    finally:
        takes.mute(False)


@pytest.mark.parametrize("backend", ["null", "jack"])
def test_a_punch_is_cut_to_its_frames_and_lands_at_the_punch_in(session, tmp_path, backend, request):
    takes = session.tracks[1].arm(source="output")
    if backend == "jack":
        request.getfixturevalue("jack_server")
    kwargs = {"connect": False} if backend == "jack" else {}
    with cx.Engine(session, backend=backend, blocksize=256, **kwargs) as live:
        recording = session.record(live, tmp_path, punch=(2.0, 5.0))
        assert recording.status()["state"] in ("waiting", "recording")
        made = recording.wait(timeout=20)
    [take] = made
    assert take.start == 2 * BEAT and take.frames == 3 * BEAT and take.complete
    audio, _ = sf.read(take.path, dtype="float32", always_2d=True)
    reference = rendered(session)
    # The take's first sample is the output at the punch-in frame, and so on to the frame.
    np.testing.assert_array_equal(audio.T, reference[:, 2 * BEAT : 5 * BEAT])
    assert take.clip is not None and take.clip in takes.clips
    assert round(take.clip.start_seconds() * SR) == 2 * BEAT
    # Played back in place of the original, it sounds where the original did.
    session.tracks[0].mute()
    replayed = cx.render(session, 6.0)
    np.testing.assert_array_equal(replayed[:, 2 * BEAT : 5 * BEAT], reference[:, 2 * BEAT : 5 * BEAT])
    assert np.all(replayed[:, : 2 * BEAT] == 0) and np.all(replayed[:, 5 * BEAT :] == 0)
    assert not list(tmp_path.glob(".*capture*")), "the capture file is removed"


def test_loop_recording_keeps_a_take_per_pass_and_the_last_one_plays(session, tmp_path):
    takes = session.tracks[1]
    with cx.Engine(session, backend="null", blocksize=256) as live:
        recording = takes.record(live, tmp_path / "loop.wav", source="output", loop=(2.0, 4.0), passes=3)
        made = recording.wait(timeout=20)
    assert [t.index for t in made] == [0, 1, 2] and all(t.complete for t in made)
    assert [t.path.name for t in made] == ["loop-1.wav", "loop-2.wav", "loop-3.wav"]
    assert takes.takes == made
    reference = rendered(session)
    for take in made:
        a = 2 * BEAT + take.index * 2 * BEAT
        assert take.start == a and take.at == 2 * BEAT
        np.testing.assert_array_equal(
            sf.read(take.path, dtype="float32")[0].T, reference[:, a : a + 2 * BEAT]
        )
    # One clip plays the region: the last pass; swapping in the first replaces it.
    assert [c.path for c in takes.clips] == [made[2].path]
    clip = takes.activate(made[0])
    assert [c.path for c in takes.clips] == [made[0].path] and clip.start_seconds() == 1.0
    with pytest.raises(ValueError, match="not one of this track's"):
        session.tracks[0].activate(made[1])


@pytest.mark.parametrize("backend", ["null", "jack"])
def test_loop_recording_cycles_the_backing_and_each_take_is_its_pass(session, tmp_path, backend, request):
    """The session cycles over the loop while it records: every pass plays the same backing
    (the drum loop, a second long, straddling the region's start re-entered at its phase),
    as the session renders with that cycle; on JACK an input track's takes are what came
    in, pass by pass."""
    length = 3 * BEAT // 2  # the region, 1.5 beats: not a whole number of the drum loop
    session.tracks[1].arm(source="output")
    # An instrument too: its notes and the tempo map change with the cycle, mid-play.
    synth = session.track("synth", gain_db=-12.0).instrument("subtractive")
    synth.note(60, 1.0, 1.25)  # held into the region: once
    synth.note(64, 2.5, 0.5)
    synth.note(67, 3.0, 1.0)  # held past its end: cut there but in the last pass
    kwargs: dict = {}
    signal = feeder = None
    if backend == "jack":
        request.getfixturevalue("jack_server")
        # Every frame of the input differs from every other: where a take came from shows.
        signal = (np.arange(8 * SR) / (8 * SR) * 0.5).astype(np.float32)
        feeder = request.getfixturevalue("jack_feeder")(signal)
        session.track("vocal").arm(source="input", channels=[0])
        kwargs = {"connect": False, "inputs": 1}
    with cx.Engine(session, backend=backend, blocksize=256, **kwargs) as live:
        if feeder is not None:
            live.connect(feeder.output, f"{live.info['device']}:in_1")
            feeder.play()
        recording = session.record(live, tmp_path, loop=(2.0, 3.5), passes=3)
        assert session.cycle == Cycle(2.0, 3.5, 3)
        made = recording.wait(timeout=30)
    out = [t for t in made if t.track is session.tracks[1]]
    assert [t.index for t in out] == [0, 1, 2] and all(t.complete for t in out)
    for track in session.tracks[1:]:
        if track.name != "synth":
            track.mute()
    cycled = cx.render(session, 6.0)
    audio = [sf.read(t.path, dtype="float32")[0].T for t in out]
    fade = int(0.005 * SR)  # the loop's fade-out at its cut rings into the next pass
    for take, played in zip(out, audio, strict=True):
        a = 2 * BEAT + take.index * length
        np.testing.assert_array_equal(played, cycled[:, a : a + length])
    # Every pass the same drums (the synth's oscillators run free: its notes repeat, its
    # samples do not).
    synth.mute()
    drums = cx.render(session, 6.0)
    for k in (1, 2):
        np.testing.assert_array_equal(
            drums[:, 2 * BEAT + k * length + fade : 2 * BEAT + (k + 1) * length],
            drums[:, 2 * BEAT + fade : 2 * BEAT + length],
        )
    # Uncycled, the drum loop would have moved on: the passes would differ.
    session.set_cycle(None)
    straight = cx.render(session, 6.0)
    assert not np.allclose(
        straight[:, 2 * BEAT + length + fade : 2 * BEAT + 2 * length],
        drums[:, 2 * BEAT + fade : 2 * BEAT + length],
    )
    if signal is not None:
        sung = [sf.read(t.path, dtype="float32")[0] for t in made if t.track.name == "vocal"]
        [first] = np.flatnonzero(signal == sung[0][0])
        for k, take in enumerate(sung):
            np.testing.assert_array_equal(take, signal[first + k * length : first + (k + 1) * length])


def test_an_endless_loop_recording_cycles_until_stopped(session, tmp_path):
    takes = session.tracks[1].arm(source="output")
    length = 3 * BEAT // 2
    with cx.Engine(session, backend="null", blocksize=256) as live:
        recording = session.record(live, tmp_path, loop=(2.0, 3.5))
        assert session.cycle == Cycle(2.0, 3.5, ENDLESS_PASSES)
        assert wait_until(lambda: live.frame() > 2 * BEAT + 3 * length + BEAT // 4, timeout=20)
        made = recording.stop()
    assert [t.index for t in made] == [0, 1, 2, 3] and [t.complete for t in made] == [True] * 3 + [False]
    takes.mute()
    cycled = cx.render(session, 5.0)
    fade = int(0.005 * SR)
    for take in made[:3]:
        a = 2 * BEAT + take.index * length
        played = sf.read(take.path, dtype="float32")[0].T
        np.testing.assert_array_equal(played, cycled[:, a : a + length])
        np.testing.assert_array_equal(played[:, fade:], cycled[:, 2 * BEAT + fade : 2 * BEAT + length])


def test_armed_tracks_record_output_and_input_together_until_stopped(session, tmp_path):
    session.tracks[1].arm(source="output", channels=1)
    vocal = session.track("vocal").arm(source="input", channels=[0])
    with cx.Engine(session, backend="null", blocksize=256, inputs=2) as live:
        recording = session.record(live, tmp_path, name="free")
        assert wait_until(lambda: live.frame() > SR, timeout=10)
        made = recording.stop()
    out, mic = made
    assert out.path.name == "free-takes.wav" and mic.path.name == "free-vocal.wav"
    assert out.start == mic.start and out.frames == mic.frames > SR // 2
    right = sf.read(out.path, dtype="float32", always_2d=True)[0]
    assert right.shape[1] == 1
    np.testing.assert_array_equal(right[:, 0], rendered(session)[1, out.start : out.start + out.frames])
    assert np.all(sf.read(mic.path, dtype="float32")[0] == 0)  # the null device's input is silent
    assert vocal.clips[0].path == mic.path


def test_overruns_are_counted_and_reported(session, tmp_path, monkeypatch):
    session.tracks[1].arm(source="output")
    real_stop = cx.live.Take.stop

    def lossy(self):
        result = real_stop(self)
        self._result = dict(result, overruns=7)
        raise RuntimeError("the recording lost 7 frames (the writer fell behind)")

    monkeypatch.setattr(cx.live.Take, "stop", lossy)
    with cx.Engine(session, backend="null", blocksize=256) as live:
        recording = session.record(live, tmp_path)
        assert wait_until(lambda: live.frame() > SR // 2, timeout=10)
        with pytest.warns(RecordingWarning, match="lost 7 frames"):
            made = recording.stop()
    assert recording.overruns == 7 and len(made) == 1


def test_bad_recordings_are_named(session, tmp_path):
    takes = session.tracks[1]
    with pytest.raises(ValueError, match="source 'input' or 'output'"):
        takes.arm(source="mic")
    with pytest.raises(ValueError, match="one or two channel numbers"):
        takes.arm(source="output", channels=[0, 1, 2])
    with cx.Engine(session, backend="null", blocksize=256) as live:
        with pytest.raises(ValueError, match="arm a track first"):
            session.record(live, tmp_path)
        takes.arm(source="output", channels=[3])
        with pytest.raises(ValueError, match="the engine has 2 output channels"):
            session.record(live, tmp_path)
        takes.arm(source="output")
        with pytest.raises(ValueError, match="must end after it starts"):
            session.record(live, tmp_path, punch=(4.0, 3.0))
        with pytest.raises(ValueError, match="punch in later"):
            session.record(live, tmp_path, punch=(0.0, 1.0))
        with pytest.raises(ValueError, match="punch= or loop=, not both"):
            session.record(live, tmp_path, punch=(8.0, 9.0), loop=(8.0, 9.0))
        with pytest.raises(ValueError, match="passes is a whole number"):
            session.record(live, tmp_path, loop=(8.0, 9.0), passes=0)
    takes.arm(False)
    assert takes.armed is None


def test_cutting_takes_holds_a_chunk_not_the_take(session, tmp_path, monkeypatch):
    """Ten seconds recorded (3.8 MB of stereo float32) are cut a chunk at a time. (Placing
    the take then reads it whole, as the session reads every clip: clip nodes play arrays;
    that is left out here.)"""
    import tracemalloc

    import chronus.takes

    placed = []
    monkeypatch.setattr(chronus.takes, "activate", placed.append)
    session.tracks[1].arm(source="output")
    with cx.Engine(session, backend="null", blocksize=256) as live:
        recording = session.record(live, tmp_path)
        assert wait_until(lambda: live.frame() > 10 * SR, timeout=30)
        tracemalloc.start()
        [take] = recording.stop()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert placed == [take] and take.frames >= 9 * SR
    assert peak < 2.5e6, f"cutting allocated {peak / 1e6:.1f} MB at its peak"
