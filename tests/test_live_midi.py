"""Live MIDI and the live transport: JACK MIDI lands on exact frames, timestamp-only
sources land within a block, the transport plays, loops and retempos from the engine clock."""

import itertools
import threading
import time

import jack
import numpy as np
import pytest

import chronus as cx
from conftest import SR, pulses, wait_until


def trigger_graph(voices=8):
    g = cx.Graph()
    v = g.voices(voices)
    g.output(g.stack(v.trigger.sum(), v.gate.sum()))
    return g, v


def clock_offset(live) -> int:
    """JACK frame time minus the engine's sample clock (constant while no cycle is lost)."""
    s = live._core.snapshot()
    return s["device_frame"] - (s["clock"] - s["callback_frames"])


def jack_midi_round(live) -> tuple[list[int], list[int], bool]:
    """Sends 12 notes from a second JACK client at known frames; returns the frames they
    should land on (engine clock), where they landed, and whether JACK kept every cycle."""
    sender = jack.Client("chronus-midi-sender", no_start_server=True)
    port = sender.midi_outports.register("out")
    plan = {40 + 7 * k: (k * 37) % 256 for k in range(12)}  # cycle -> offset in it
    sent, cycle = [], [0]

    @sender.set_process_callback
    def process(frames):
        port.clear_buffer()
        if cycle[0] in plan:
            offset = plan[cycle[0]]
            port.write_midi_event(offset, bytes([0x90, 60 + len(sent), 100]))
            sent.append(sender.last_frame_time + offset)
        cycle[0] += 1

    sender.activate()
    try:
        sender.connect(port, f"{live.info['device']}:midi_in")
        live.start_capture()
        before = clock_offset(live)
        time.sleep(1.2)
        after = clock_offset(live)
        audio, start = live.stop_capture()
    finally:
        sender.deactivate()
        sender.close()
    return [t - before - start for t in sent], pulses(audio[0]), before == after


def test_jack_midi_lands_on_the_exact_frame(jack_server):
    g, _ = trigger_graph()
    with cx.Engine(g, backend="jack", connect=False, midi_in="") as live:
        # This machine sometimes loses whole JACK cycles, which shifts the clocks apart:
        # measure again (a few times) rather than compare across a lost cycle.
        for _ in range(5):
            expected, got, steady = jack_midi_round(live)
            if steady:
                break
        else:
            pytest.skip("every attempt lost JACK cycles; exact timing cannot be compared here")
    assert len(expected) == 12
    assert got == expected


def lost_frames(first: dict, last: dict) -> float:
    """Frames the device clock fell behind the wall clock between two snapshots
    (0 while JACK keeps every cycle; a stalled machine loses whole cycles)."""
    wall = (last["callback_started"] - first["callback_started"]) * SR
    played = (last["clock"] - last["callback_frames"]) - (first["clock"] - first["callback_frames"])
    return wall - played


def timestamped_round(live) -> tuple[np.ndarray, float]:
    """Sends 40 notes stamped with time.monotonic(); returns each one's offset from where
    its stamp says it belongs (frames) and the frames JACK lost meanwhile."""
    live.start_capture()
    time.sleep(0.1)
    first = live.stats()
    stamps = []
    for i in range(40):
        t = time.monotonic()
        live.send_midi([0x90, 40 + i, 100], timestamp=t)
        stamps.append(t)
        time.sleep(0.0231)
    time.sleep(0.1)
    last = live.stats()
    audio, _ = live.stop_capture()
    got = np.array(pulses(audio[0]), dtype=float)
    assert len(got) == 40
    intended = (np.array(stamps) - stamps[0]) * SR
    return (got - got[0]) - intended, lost_frames(first, last)


def test_timestamped_midi_lands_within_one_block_and_jitter_is_reported(jack_server, capsys):
    g, _ = trigger_graph(32)
    with cx.Engine(g, backend="jack", connect=False) as live:
        block = live.info["device_block"]
        # A stall that loses JACK cycles moves the audio clock against the wall clock, so
        # offsets measured across it say nothing about the stamping: measure again instead.
        for _ in range(5):
            error, lost = timestamped_round(live)
            if abs(lost) < block / 8:
                break
        else:
            pytest.skip("every attempt lost JACK cycles; timestamp accuracy cannot be measured here")
    with capsys.disabled():
        print(
            f"\ntimestamped MIDI: offset jitter mean {error.mean():+.1f} frames, std {error.std():.1f}, "
            f"worst {np.abs(error).max():.0f} frames (block {block})"
        )
    assert np.abs(error).max() <= block


def test_midi_out_plays_tracks_on_exact_frames(jack_server):
    g = cx.Graph()
    g.output(g.const(0.0))
    g.tempo = cx.TempoMap.constant(150)
    g.play(None, cx.Pattern("x.x.xx..", note=42))  # to the MIDI output, looping
    with cx.Engine(g, backend="jack", connect=False, midi_out=True) as live:
        receiver = jack.Client("chronus-midi-receiver", no_start_server=True)
        port = receiver.midi_inports.register("in")
        got = []

        @receiver.set_process_callback
        def process(frames):
            for offset, data in port.incoming_midi_events():
                if bytes(data)[0] & 0xF0 == 0x90:
                    got.append(receiver.last_frame_time + offset)

        receiver.activate()
        try:
            receiver.connect(f"{live.info['device']}:midi_out", port)
            xruns = live.stats()["xruns"]
            time.sleep(2.0)
            xruns = live.stats()["xruns"] - xruns
        finally:
            receiver.deactivate()
            receiver.close()
    assert len(got) >= 6
    step = 60 / 150 / 4 * SR  # a sixteenth at 150 BPM: 4800 frames
    allowed = {2 * step, 1 * step, 3 * step}  # x.x.xx.. : 2, 2, 1, 3 steps
    off = [d for d in np.diff(got).tolist() if d not in allowed]
    # A lost JACK cycle (xrun) shifts the engine against JACK's clock by whole periods.
    assert len(off) <= xruns, (off, xruns)
    assert all(min(abs(d - a) for a in allowed) % 256 == 0 for d in off)


def test_live_transport_loops_seeks_and_changes_tempo():
    g, v = trigger_graph()
    g.play(v, [cx.Note(60 + i, beat=i, length=0.5) for i in range(8)])
    with cx.Engine(g, backend="null") as live:
        live.transport.loop(0, 2)  # two beats at 120 BPM: one second
        live.start_capture()
        time.sleep(3.2)
        audio, _ = live.stop_capture()
        hits = pulses(audio[0])
        assert np.allclose(np.diff(hits), SR // 2)  # beats 0 and 1, again and again
        assert live.transport.playing
        live.transport.loop(None)
        live.transport.stop()
        time.sleep(0.1)
        assert not live.transport.playing
        live.transport.seek(4)
        live.transport.tempo(60)
        live.start_capture()
        live.transport.start()
        time.sleep(2.6)
        audio, _ = live.stop_capture()
        hits = pulses(audio[0])
        assert np.allclose(np.diff(hits), SR)  # one beat per second at 60 BPM
        assert live.transport.bpm == 60
        assert 6 < live.transport.beat < 7.5


def test_events_cued_at_beats_land_on_the_transports_frames():
    # A track marks beat 0 of each pass; cued notes, a parameter step and a gate must land
    # exactly where the tempo map puts their beats relative to it, whatever the device does.
    g = cx.Graph()
    v = g.voices(8)
    level = g.const(0.0)
    env = g.adsr(attack=0.0, decay=0.0, sustain=1.0, release=0.0)
    g.output(g.stack(v.trigger.sum(), level, env))
    g.tempo = cx.TempoMap([(0, 150), (2, 100)])
    with cx.Engine(g, backend="null", outputs=3, smoothing=0.0, autoplay=False) as live:
        with pytest.raises(ValueError, match="beat must be >= 0"):
            live.set(level.value, 1.0, beat=-1)
        with pytest.raises(ValueError, match="give at most one of"):
            live.set(level.value, 1.0, at=1.0, beat=1)
        live.note(v, 60, beat=0)
        live.note(v, 62, beat=1.5, duration=0.25)
        live.note(v, 64, beat=2.5)
        live.set(level.value, 0.5, beat=3, ramp=0)
        live.gate(env, beat=1)
        live.gate(env, False, beat=2.5)
        time.sleep(0.3)
        assert not live.transport.playing
        live.start_capture()
        live.transport.start()
        time.sleep(2.6)
        audio, _ = live.stop_capture()
        # An event for a beat already passed plays at once and is counted late.
        late = live.stats()["late_events"]
        live.set(level.value, 0.25, beat=0.5, ramp=0)
        assert wait_until(lambda: live.stats()["late_events"] == late + 1)
    tempo = cx.TempoMap([(0, 150), (2, 100)])
    hits = pulses(audio[0])
    zero = hits[0]

    def at(beat):
        return zero + round(tempo.seconds(beat) * SR)

    assert hits == [at(0), at(1.5), at(2.5)]
    assert int(np.flatnonzero(audio[1] == 0.5)[0]) == at(3)
    gate = np.flatnonzero(audio[2] > 0.5)
    assert (gate[0], gate[-1] + 1) == (at(1), at(2.5))


def test_a_full_cue_list_is_an_error_and_nothing_is_lost():
    g = cx.Graph()
    level = g.const(0.0)
    g.output(level)
    with cx.Engine(g, backend="null") as live:
        for i in range(1024):
            live.set(level.value, i / 1024, beat=100 + i)
        assert wait_until(lambda: live.stats()["cued"] == 1024)
        with pytest.raises(cx.QueueFullError, match="1024 events already wait for their beat"):
            live.set(level.value, 1.0, beat=50)
        assert live.stats()["dropped_events"] == 0
        live.set(level.value, 0.5, ramp=0)  # the engine plays on and takes other commands
        assert wait_until(lambda: live.meters()["peak"][0] == pytest.approx(0.5, abs=0.05))


def test_midi_learn_record_and_save(tmp_path, jack_server):
    g, v = trigger_graph()
    lp = g.lowpass(g.saw(v.freq), cutoff=1000)
    g.output(lp.sum() * 0)
    with cx.Engine(g, backend="jack", connect=False) as live:
        live.start_midi_record()
        learned = []

        def move_knob():
            time.sleep(0.2)
            live.send_midi([0xB0, 21, 127])

        knob = threading.Thread(target=move_knob)
        knob.start()
        learned.append(live.learn(lp.cutoff, 200, 8000, curve="exponential", timeout=5))
        knob.join()
        for i, note in enumerate((60, 64, 67)):
            live.send_midi([0x90, note, 90])
            time.sleep(0.05)
            live.send_midi([0x80, note, 0])
            time.sleep(0.05 + 0.01 * i)
        events = live.stop_midi_record()
    assert learned == [21]
    assert [m.controller for m in g.cc_maps] == [21]
    notes_on = [e for e in events if e[1][0] & 0xF0 == 0x90]
    assert [e[1][1] for e in notes_on] == [60, 64, 67]
    assert all(b[0] > a[0] for a, b in itertools.pairwise(events))
    path = cx.live.save_midi_recording(tmp_path / "take.mid", events, SR)
    song = cx.read_midi(path)
    assert [n.pitch for n in song.notes] == [60, 64, 67]
    assert song.notes[0].length == pytest.approx(0.1, abs=0.03)  # about 50 ms at 120 BPM
