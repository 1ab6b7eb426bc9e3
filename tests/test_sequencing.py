"""Events, tempo maps, patterns and MIDI files: notes land on the sample the tempo map
gives, whatever the block size."""

import time

import mido
import numpy as np
import pytest

import chronus as cx
from conftest import DATA, SR, pulses

PRETTY = DATA / "midi" / "pretty_midi_example.mid"


def instrument(g: cx.Graph, voices: int = 64):
    """A sine instrument; returns (allocator, stereo-free output: [audio, trigger count])."""
    v = g.voices(voices)
    amp = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.0, decay=0.05, sustain=0.5, release=0.05)
    audio = (g.sine(v.freq) * amp * v.velocity).sum() * 0.05
    g.output(g.stack(audio, v.trigger.sum()))
    return v


@pytest.mark.parametrize("block", [64, 1024])
def test_a_real_midi_file_plays_every_note_on_its_tempo_map_sample(block, data_dir):
    song = cx.read_midi(PRETTY)
    seconds = 40.0
    # Expected onsets, independently: mido's own clock through the file's tempo changes.
    expected, now = [], 0.0
    for msg in mido.MidiFile(PRETTY):
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0 and now * SR < seconds * SR - 1:
            expected.append(now * SR)
    assert len(song.tempo.changes) > 100 and len(expected) > 200
    g = cx.Graph()
    g.tempo = song.tempo
    g.play(instrument(g, 256), song)
    audio, triggers = cx.render(g, seconds, SR, block)
    got = pulses(triggers)
    assert len(got) == len(expected)
    assert np.max(np.abs(np.array(got) - np.array(expected))) <= 1.0
    # ...and the audio starts sounding on the first note's frame.
    assert np.all(audio[: got[0]] == 0) and audio[got[0] + 1] != 0


def test_tempo_map_conversions_round_trip_exactly():
    tempo = cx.TempoMap([(0, 120), (3.5, 87.3), (7, 174.6), (11.25, 60)])
    for f in range(0, 10 * SR, 7):
        assert tempo.frame(tempo.beat_at_frame(f, SR), SR) == f
    for beat in np.linspace(0, 20, 997):
        assert tempo.beat(tempo.seconds(beat)) == pytest.approx(beat, abs=1e-12)
    assert tempo.seconds(3.5) == 1.75
    assert tempo.seconds(7) == pytest.approx(1.75 + 3.5 * 60 / 87.3)
    assert tempo.bpm(8) == 174.6
    with pytest.raises(ValueError, match="first tempo must start at beat 0"):
        cx.TempoMap([(1, 120)])


@pytest.mark.parametrize("block", [64, 1024])
def test_a_swung_pattern_triggers_on_the_formula_sample(block):
    g = cx.Graph()
    g.tempo = cx.TempoMap.constant(120)
    v = instrument(g)
    pattern = cx.Pattern("x" * 16, swing=0.55)
    g.play(v, pattern)
    _, triggers = cx.render(g, 4.0, SR, block)  # two loops of one bar
    spb = 60 / 120  # seconds per beat
    expected = [
        round(((loop * 16 + i) // 2 * 2 + (i % 2) * 2 * 0.55) / 4 * spb * SR)
        for loop in range(2)
        for i in range(16)
    ]
    assert pulses(triggers) == expected
    assert expected[1] == 6600  # 55% of a pair of sixteenths at 120 BPM


def test_accents_ties_polymeter_and_chaining():
    g = cx.Graph()
    v = g.voices(8)
    g.output(g.stack(v.velocity.sum(), v.trigger.sum(), v.gate.sum()))
    g.play(v, cx.Pattern("X.o3", note=36))  # 1 beat, loops
    g.play(v, cx.Pattern("x__", note=38, gate=0.5))  # 3 steps: polymeter against 4
    _, triggers, _ = cx.render(g, 6.0, SR)  # 12 beats at 120 BPM
    step = SR // 8  # a sixteenth at 120 BPM
    hits = pulses(triggers)
    four = [k * 4 * step + o for k in range(12) for o in (0, 2 * step, 3 * step)]
    three = [k * 3 * step for k in range(16)]
    assert hits == sorted(four + three)
    # The tied note holds for 2.5 steps, then the gate falls.
    g2 = cx.Graph()
    v2 = g2.voices(1)
    g2.output(g2.stack(v2.velocity, v2.gate))
    g2.play(v2, cx.Pattern("X.o3", note=36) + cx.Pattern("x__.", note=36))
    velocities, gate = cx.render(g2, 2.0, SR)
    assert velocities[10] == pytest.approx(1.0)
    assert velocities[2 * step + 10] == pytest.approx(0.35)
    assert velocities[3 * step + 10] == pytest.approx(3 / 9)
    assert gate[4 * step + int(2.4 * step)] == 1 and gate[4 * step + int(2.6 * step)] == 0
    with pytest.raises(ValueError, match=r"unknown step 'q' at position 1"):
        cx.Pattern("xq")


def test_probability_is_seeded_and_about_right():
    g = cx.Graph()
    v = g.voices(4)
    g.output(v.trigger.sum())
    g.play(v, cx.Pattern("x?" * 16, probability=0.25), seed=3)
    a = pulses(cx.render(g, 32.0, SR)[0])  # 64 beats: 256 chances at 25%
    b = pulses(cx.render(g, 32.0, SR, 64)[0])
    assert a == b
    assert 64 - 24 < len(a) < 64 + 24


def test_notes_and_automation_at_beats_follow_tempo_changes():
    g = cx.Graph()
    g.tempo = cx.TempoMap([(0, 60), (2, 120)])
    v = instrument(g)
    g.note(v, 60, beat=3.0, duration=0.5)
    c = g.const(0.0)
    g.output(g.stack(c, c * 0))  # the automation lives on channel 0 of a second output
    g.automate(c.value, [(0.0, 0.0), (2.0, 1.0), (4.0, 0.0)])
    audio_and_auto, triggers = cx.render(g, 4.0, SR)
    assert pulses(triggers) == [round(2.5 * SR)]  # beat 3 = 2 s + 1 beat at 120 BPM
    auto = audio_and_auto  # audio is silent until 2.5 s, so before it this is the automation
    assert auto[SR] == pytest.approx(0.5, abs=1e-4)  # half way up at beat 1 (1 s)
    assert auto[2 * SR - 1] == pytest.approx(1.0, abs=1e-4)


def test_cc_mappings_are_checked_when_made_and_move_parameters():
    g = cx.Graph()
    v = g.voices(4)
    lp = g.lowpass(g.saw(v.freq), cutoff=1000)
    g.output(lp.sum())
    with pytest.raises(cx.GraphError, match=r"lowpass#\d+: parameter 'cutoff' = 200000 is outside"):
        g.map_cc(74, lp.cutoff, 100, 200_000)
    with pytest.raises(cx.GraphError, match="has no parameter #9"):
        g.map_cc(74, cx.Param(lp, "ghost", 9), 0, 1)
    with pytest.raises(ValueError, match="curve must be one of"):
        g.map_cc(74, lp.cutoff, 100, 8000, curve="log")
    offset = g.muladd(lp, add=0.0)
    with pytest.raises(cx.GraphError, match="exponential mapping of 'add' needs min and max of one sign"):
        g.map_cc(71, offset.add, -1.0, 5.0, curve="exponential")
    # A mapping moves its parameter when the CC arrives.
    g = cx.Graph()
    c = g.const(0.0)
    g.output(c)
    target = g.voices(1)
    g.map_cc(74, c.value, 100.0, 10_000.0, curve="exponential")
    g.control(target, 74, 0.5, at=0.1)
    out = cx.render(g, 0.2, SR)[0]
    assert out[int(0.1 * SR) - 1] == 0.0
    assert out[-1] == pytest.approx(1000.0, rel=1e-4)


def test_midi_files_round_trip(tmp_path, data_dir):
    notes = [cx.Note(60 + i, beat=i * 0.5, length=0.25 + 0.125 * i, velocity=(i + 1) / 8) for i in range(6)]
    tempo = cx.TempoMap([(0, 100), (2, 150)], [cx.TimeSignature(0, 3, 4)])
    controls = [cx.Control(1.0, 74, 64 / 127, channel=0)]
    path = cx.write_midi(tmp_path / "out.mid", notes, tempo, controls=controls)
    back = cx.read_midi(path)
    assert [(n.pitch, n.beat, n.length) for n in back.notes] == [(n.pitch, n.beat, n.length) for n in notes]
    assert [round(n.velocity * 127) for n in back.notes] == [round(n.velocity * 127) for n in notes]
    assert np.allclose(back.tempo.changes, [(0, 100), (2, 150)], rtol=1e-6)
    assert (back.tempo.signatures[0].numerator, back.tempo.signatures[0].denominator) == (3, 4)
    assert back.controls == controls
    # Format 1 with a tempo track from another tool reads too.
    piano = cx.read_midi(DATA / "madmom_tests" / "piano_sample.mid")
    assert len(piano.notes) == 23 and piano.tempo.bpm(0) == 120


def test_malformed_midi_files_are_named(tmp_path, data_dir):
    junk = tmp_path / "junk.mid"
    junk.write_bytes(b"RIFF1234not midi at all")
    with pytest.raises(cx.MidiFileError, match=r"cannot read MIDI file .*junk\.mid: "):
        cx.read_midi(junk)
    good = (DATA / "madmom_tests" / "piano_sample.mid").read_bytes()
    cut = tmp_path / "truncated.mid"
    cut.write_bytes(good[: len(good) // 2])
    with pytest.raises(cx.MidiFileError, match=r"truncated\.mid"):
        cx.read_midi(cut)
    bad_data = bytearray(good)
    first_note = bad_data.index(b"\x90")
    bad_data[first_note + 1] = 0xC5  # a data byte over 127
    broken = tmp_path / "baddata.mid"
    broken.write_bytes(bytes(bad_data))
    with pytest.raises(cx.MidiFileError, match=r"baddata\.mid"):
        cx.read_midi(broken)
    with pytest.raises(cx.MidiFileError, match="does not exist"):
        cx.read_midi(tmp_path / "missing.mid")


@pytest.mark.parametrize("instrument", sorted(cx.presets.PRESETS))
def test_every_preset_plays_a_midi_file(instrument, data_dir):
    song = cx.read_midi(DATA / "madmom_tests" / "piano_sample.mid")
    g = cx.Graph()
    g.tempo = song.tempo
    g.play(cx.presets.PRESETS[instrument](g), song)
    audio = cx.render(g, song.seconds + 0.5, SR)
    first = round(song.tempo.seconds(song.notes[0].beat) * SR)
    assert audio.shape[0] == 2
    assert not np.any(audio[:, :first])  # silent until the first note...
    assert np.any(audio[:, first : first + 16])  # ...sounding from its frame...
    assert 0.01 < np.max(np.abs(audio)) <= 1.0  # ...audible, without clipping


def test_render_a_midi_file_from_the_command_line(tmp_path, data_dir):
    import subprocess
    import sys

    out = tmp_path / "piano.wav"
    cmd = [sys.executable, "-m", "chronus.cli", "render", str(DATA / "madmom_tests" / "piano_sample.mid")]
    res = subprocess.run([*cmd, "--instrument", "poly_saw", "-o", str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    audio, rate = cx.read_audio(out)
    assert rate == SR and audio.shape[0] == 2 and np.max(np.abs(audio)) > 0.01
    res = subprocess.run([*cmd, "--instrument", "kazoo", "-o", str(out)], capture_output=True, text=True)
    assert res.returncode == 1 and "unknown instrument 'kazoo'" in res.stderr


def test_a_delay_synced_to_the_clock_follows_a_tempo_change():
    # Impulses on every beat through a delay of half a beat: 0.25 s at 120 BPM, 0.5 s
    # once the tempo map drops to 60 BPM at beat 4 (2 s).
    g = cx.Graph()
    g.tempo = cx.TempoMap([(0, 120), (4, 60)])
    v = g.voices(4)
    clicks = v.trigger.sum()
    clock = g.clock()
    echo = g.delay(clicks, time=clock.period * 0.5, mix=1.0, max_time=1.0)
    g.output(g.stack(clicks, echo, clock.bpm))
    g.play(v, [cx.Note(60, beat=b, length=0.1) for b in range(8)])
    out = cx.render(g, 5.0, SR)
    beat = [round(g.tempo.seconds(b) * SR) for b in range(8)]
    assert pulses(out[0]) == beat[:7]
    echoes = set(np.flatnonzero(out[1] > 0.5))
    for b in (1, 2):
        assert beat[b] + SR // 4 in echoes, b
    for b in (5, 6):
        assert beat[b] + SR // 2 in echoes, b
    assert out[2][beat[4] - 1] == 120 and out[2][beat[4]] == 60


def test_the_clock_follows_the_live_transport():
    g = cx.Graph()
    clock = g.clock()
    g.output(g.stack(clock.beat, clock.bpm, clock.playing))
    with cx.Engine(g, backend="null", outputs=3, autoplay=False) as live:
        live.start_capture()
        time.sleep(0.2)
        live.transport.start()
        time.sleep(0.5)
        live.transport.tempo(90)
        time.sleep(0.5)
        live.transport.stop()
        time.sleep(0.2)
        audio, _ = live.stop_capture()
    beat, bpm, playing = audio
    moving = np.flatnonzero(playing == 1)
    assert len(moving) == pytest.approx(SR, rel=0.25)  # about the second it played (wall-clock sleeps)
    assert beat[: moving[0]].max() == 0  # stopped at beat 0 until started
    assert np.all(np.diff(beat[moving]) > 0)
    assert set(np.unique(bpm)) == {120.0, 90.0}
    # Frame by frame, the beat advances at the tempo it reports (float32 beats: within a
    # few units in the last place; the frame of the change may take either tempo).
    step = np.diff(beat[moving].astype(float))
    rate = bpm[moving].astype(float) / 60 / SR
    ulps = dict(rtol=0, atol=5e-7)
    assert np.all(np.isclose(step, rate[1:], **ulps) | np.isclose(step, rate[:-1], **ulps))
    assert beat[moving[-1] + 1 :].min() == beat[moving[-1] + 1 :].max()  # holds when stopped
