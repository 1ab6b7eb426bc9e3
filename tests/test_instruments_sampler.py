"""Sampler: pitch by note within a cent, sample-exact starts, loop points and crossfades
against their formulas, loop modes, velocity layers and key zones, stereo, alias-free
pitching up, click-free voice takeover, files."""

import numpy as np
import pytest
import soundfile as sf
from scipy.signal.windows import blackmanharris

import chronus as cx
from chronus import Zone
from conftest import SR, harmonic_amplitudes

RNG = np.random.default_rng(3)
NOISE = RNG.uniform(-1, 1, 4000).astype(np.float32)


def play(zones, notes, seconds=0.2, voices=4, **kw):
    """Renders `zones` played by `notes` = [(note, frame, duration s or None, velocity)]."""
    g = cx.Graph()
    v = g.voices(voices)
    s = g.sampler(zones, voices=v, **kw)
    g.output(s)
    for note, frame, duration, velocity in notes:
        g.note(v, note, frame=frame, duration=duration, velocity=velocity)
    return cx.render(g, seconds, SR)


def f0(x, sr, guess):
    """Frequency of the spectral peak near `guess`: Blackman-Harris window, 8x zero
    padding, parabolic interpolation of the log magnitude."""
    n = 8 << int(np.ceil(np.log2(len(x))))
    spectrum = np.abs(np.fft.rfft(x * blackmanharris(len(x)), n))
    freqs = np.fft.rfftfreq(n, 1 / sr)
    band = np.flatnonzero((freqs > guess / 1.1) & (freqs < guess * 1.1))
    k = band[np.argmax(spectrum[band])]
    a, b, c = np.log(spectrum[k - 1 : k + 2])
    return freqs[k] + 0.5 * (a - c) / (a - 2 * b + c) * (freqs[1] - freqs[0])


@pytest.mark.parametrize(
    ("name", "root", "hz"), [("Fl-ord-C4-mf-N-T14d", 60, 261.6), ("Cb-ord-A2-mf-2c-N", 45, 110.0)]
)
def test_a_recording_played_an_octave_up_has_twice_its_fundamental(data_dir, name, root, hz):
    path = data_dir / "tinysol" / f"{name}.flac"
    recording, rate = cx.read_audio(path)
    assert rate == 44_100  # played at 48 kHz: the sampler converts the rate too

    def fundamental(note, start, length):
        out = play(path, [(note, 0, None, 1.0)], seconds=3.0, root=root, dynamics=0.0).sum(axis=0)
        return f0(out[start : start + length], SR, hz * 2 ** ((note - root) / 12))

    # The same stretch of the recording: 1 s from 0.5 s at the root pitch, and half as
    # long from half as late an octave up.
    at_root = fundamental(root, SR // 2, SR)
    octave_up = fundamental(root + 12, SR // 4, SR // 2)
    assert abs(1200 * np.log2(octave_up / at_root / 2)) < 0.01  # cents (1 is required)
    # Two and three octaves up the playback reads the recording's halved copies.
    for octaves in (2, 3):
        up = fundamental(root + 12 * octaves, SR // 2 >> octaves, SR >> octaves)
        assert abs(1200 * np.log2(up / at_root / 2**octaves)) < 0.05, octaves
    # At its root the recording keeps its own pitch through the 44.1 -> 48 kHz conversion.
    original = f0(recording[0, rate // 2 : rate // 2 + rate], rate, hz)
    assert abs(1200 * np.log2(at_root / original)) < 0.01


@pytest.mark.parametrize("block", [64, 1024])
def test_notes_start_on_their_frame_and_play_sample_for_sample(block):
    g = cx.Graph()
    v = g.voices(2)
    g.output(g.sampler(Zone(NOISE, SR, root=62), voices=v, dynamics=0.0).sum())
    g.note(v, 62, frame=1001, duration=0.2)
    x = cx.render(g, 0.2, SR, blocksize=block)[0]
    assert np.all(x[:1001] == 0.0)
    np.testing.assert_array_equal(x[1001 : 1001 + len(NOISE)], NOISE)
    assert np.all(x[1001 + len(NOISE) :] == 0.0)


def test_a_trigger_alone_starts_a_one_shot_that_ignores_its_gate():
    g = cx.Graph()
    pulse = g.const(0.0)
    for frame in (100, 5000):
        g.set(pulse.value, 1.0, frame=frame, ramp=0)
        g.set(pulse.value, 0.0, frame=frame + 1, ramp=0)
    g.output(g.sampler(Zone(NOISE, SR, mode="one_shot"), trigger=pulse))
    x = cx.render(g, 0.2, SR)[0]
    np.testing.assert_array_equal(x[100 : 100 + len(NOISE)], NOISE)
    np.testing.assert_array_equal(x[5000 : 5000 + len(NOISE)], NOISE)  # the next hit
    assert np.all(x[:100] == 0.0)


def test_loop_points_repeat_the_exact_frames():
    start, end = 1000, 1700
    x = play(Zone(NOISE, SR, loop=(start, end)), [(60, 0, None, 1.0)], dynamics=0.0)[0]
    np.testing.assert_array_equal(x[:end], NOISE[:end])
    k = np.arange(end, len(x))
    np.testing.assert_array_equal(x[end:], NOISE[start + (k - end) % (end - start)])


def test_loop_crossfade_follows_its_formula_and_makes_the_wrap_seamless():
    # A ramp cannot loop seamlessly on its own: it jumps from 0.7 back to 0.3.
    ramp = np.linspace(0, 1, 1000, endpoint=False).astype(np.float32)
    start, end, fade = 300, 700, 100
    x = play(Zone(ramp, SR, loop=(start, end), crossfade=fade), [(60, 0, None, 1.0)], dynamics=0.0)[0]
    np.testing.assert_array_equal(x[: end - fade], ramp[: end - fade])
    i = np.arange(end - fade, end)
    t = (i - (end - fade) + 1) / (fade + 1)
    blended = (1 - t) * ramp[i] + t * ramp[i - (end - start)]
    np.testing.assert_allclose(x[end - fade : end], blended, atol=1e-6)
    np.testing.assert_allclose(x[end : 2 * end - start - fade], ramp[start : end - fade], atol=1e-6)
    # Steps stay those of the ramp (1e-3) plus the crossfade's slope: no jump at the wrap.
    assert np.max(np.abs(np.diff(x[:5000]))) < 1e-3 + (0.4 / (fade + 1)) + 1e-6
    without = play(Zone(ramp, SR, loop=(start, end)), [(60, 0, None, 1.0)], dynamics=0.0)[0]
    assert np.max(np.abs(np.diff(without[:5000]))) > 0.39


def test_loop_modes():
    tone = np.sin(2 * np.pi * 100 * np.arange(SR) / SR).astype(np.float32)
    tail = np.sin(2 * np.pi * 1000 * np.arange(SR // 2) / SR).astype(np.float32)
    data = np.concatenate([tone, tail])  # 1 s of 100 Hz (the loop), then 0.5 s of 1 kHz
    loop = (SR // 4, 3 * SR // 4)

    def render(mode, duration, release=1.0):
        zone = Zone(data, SR, loop=loop, mode=mode) if mode.startswith("loop") else Zone(data, SR, mode=mode)
        return play(zone, [(60, 0, duration, 1.0)], seconds=4.0, release=release, dynamics=0.0)[0]

    def level(x, start, stop, hz):
        return harmonic_amplitudes(x[int(start * SR) : int(stop * SR)], hz, 1)[0]

    # Held for 2 s, the loop (0.25 to 0.75 s of the recording) repeats; at the note-off
    # the position is 0.5 s into the recording. A sustain loop then plays on, reaching the
    # 1 kHz tail 0.5 s later (30 dB into a release of 60 dB per second); a continuous
    # loop keeps looping until its release is over (100 dB down, 1.67 s).
    sustain = render("loop_sustain", 2.0)
    assert level(sustain, 1.5, 1.9, 100) == pytest.approx(1.0, abs=1e-3)
    assert level(sustain, 2.25, 2.45, 100) > 0.05 and level(sustain, 2.25, 2.45, 1000) < 1e-4
    assert level(sustain, 2.55, 2.75, 1000) > 0.01 and level(sustain, 2.55, 2.75, 100) < 1e-4
    continuous = render("loop_continuous", 2.0)
    assert level(continuous, 1.5, 1.9, 100) == pytest.approx(1.0, abs=1e-3)
    assert level(continuous, 2.55, 2.75, 100) > 0.01
    assert max(level(continuous, t, t + 0.1, 1000) for t in np.arange(2.0, 3.5, 0.1)) < 1e-5
    assert np.all(continuous[int(3.7 * SR) :] == 0.0)  # released and done
    one_shot = render("one_shot", 0.1)  # plays the whole recording despite the note-off
    np.testing.assert_array_equal(one_shot[: len(data)], data)
    assert np.all(one_shot[len(data) + 40 :] == 0.0)
    no_loop = render("no_loop", 0.1, release=0.2)
    np.testing.assert_array_equal(no_loop[: int(0.1 * SR)], data[: int(0.1 * SR)])
    c = 10 ** (-3 / (0.2 * SR))  # release: 60 dB per 0.2 s, from the note-off on
    k = np.arange(int(0.1 * SR), int(0.3 * SR))
    np.testing.assert_allclose(no_loop[k], data[k] * c ** (k - int(0.1 * SR) + 1), atol=1e-5)


def test_velocity_layers_and_key_zones_pick_their_recording():
    t = np.arange(SR // 2) / SR
    sine = lambda hz: np.sin(2 * np.pi * hz * t).astype(np.float32)  # noqa: E731
    zones = [
        Zone(sine(300), SR, root=60, keys=(0, 63), velocities=(0.0, 0.5)),
        Zone(sine(500), SR, root=60, keys=(0, 63), velocities=(0.5, 1.0)),
        Zone(sine(700), SR, root=72, keys=(64, 127)),
    ]
    for note, velocity, hz in [(60, 0.3, 300), (60, 0.9, 500), (72, 0.3, 700), (72, 1.0, 700)]:
        x = play(zones, [(note, 0, None, velocity)], seconds=0.4, voices=1, dynamics=0.0)[0]
        amps = harmonic_amplitudes(x[: int(0.3 * SR)], 100.0, 7)
        assert amps[hz // 100 - 1] == pytest.approx(1.0, abs=1e-3), (note, velocity)
        assert np.sum(amps) == pytest.approx(1.0, abs=3e-3)
    # Velocity also sets the level when dynamics is on.
    soft = play(zones, [(60, 0, None, 0.25)], seconds=0.1, voices=1)[0]
    assert np.max(np.abs(soft)) == pytest.approx(0.25, abs=1e-3)


def test_stereo_zones_give_a_pair_per_voice_and_mono_zones_are_doubled():
    left, right = NOISE[:2000], -NOISE[2000:]
    zones = [Zone(np.stack([left, right]), SR, keys=(0, 63)), Zone(NOISE[:500], SR, root=70, keys=(64, 127))]
    x = play(zones, [(60, 10, None, 1.0), (70, 20, None, 1.0)], voices=2, dynamics=0.0)
    assert x.shape[0] == 4  # voice 0 left, voice 0 right, voice 1 left, voice 1 right
    np.testing.assert_array_equal(x[0, 10:2010], left)
    np.testing.assert_array_equal(x[1, 10:2010], right)
    np.testing.assert_array_equal(x[2, 20:520], NOISE[:500])
    np.testing.assert_array_equal(x[3, 20:520], NOISE[:500])


def test_pitching_up_does_not_alias_and_rate_converts():
    t = np.arange(SR) / SR
    data = (np.sin(2 * np.pi * 1000 * t) + np.sin(2 * np.pi * 15_000 * t)).astype(np.float32)
    x = play(Zone(data, SR, root=60), [(72, 0, None, 1.0)], seconds=0.5, dynamics=0.0)[0]
    x = x[2000:20_000]
    assert harmonic_amplitudes(x, 2000.0, 1)[0] == pytest.approx(1.0, abs=2e-3)
    # 15 kHz an octave up is 30 kHz: it must vanish, not fold back to 18 kHz.
    spectrum = np.abs(np.fft.rfft(x * blackmanharris(len(x)))) / np.sum(blackmanharris(len(x))) * 2
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    assert 20 * np.log10(np.max(spectrum[freqs > 3000])) < -90
    # A recording made at 24 kHz plays at its pitch in a 48 kHz engine.
    slow = np.sin(2 * np.pi * 1000 * np.arange(12_000) / 24_000).astype(np.float32)
    y = play(Zone(slow, 24_000, root=60), [(60, 0, None, 1.0)], seconds=0.4, dynamics=0.0)[0]
    assert f0(y[1000:20_000], SR, 1000.0) == pytest.approx(1000.0, abs=0.01)


def test_a_note_taking_over_a_sounding_voice_does_not_click():
    # The only voice is taken over at frame 3000 while its tone is near its peak: the old
    # playback fades out over 5 ms while the new note fades in over its 5 ms attack.
    tone = np.sin(2 * np.pi * 100 * np.arange(SR) / SR + 1.0).astype(np.float32)
    notes = [(60, 0, None, 1.0), (60, 3000, None, 1.0)]
    x = play(Zone(tone, SR), notes, seconds=0.2, voices=1, attack=0.005, dynamics=0.0)[0]
    step = 2 * np.pi * 100 / SR  # the largest step of the tone itself
    assert np.max(np.abs(np.diff(x))) < step + 2 / 240
    np.testing.assert_allclose(x[3240:4000], tone[240:1000], atol=1e-6)  # then the new note alone


def test_files_and_errors(tmp_path):
    path = tmp_path / "hit.wav"
    sf.write(path, NOISE, 48_000, subtype="FLOAT")
    x = play(path, [(64, 5, None, 1.0)], root=64, dynamics=0.0)[0]
    np.testing.assert_array_equal(x[5 : 5 + len(NOISE)], NOISE)
    missing = tmp_path / "missing.wav"
    with pytest.raises(FileNotFoundError, match=r"missing\.wav: it does not exist"):
        play(missing, [])
    with pytest.raises(
        ValueError, match=r"zone loop must satisfy 0 <= start < end <= 4000 .* got \(10, 5000\)"
    ):
        Zone(NOISE, SR, loop=(10, 5000))
    g = cx.Graph()
    with pytest.raises(cx.GraphError, match="mono or stereo"):
        g.sampler(Zone(np.zeros((3, 100)), SR))
    with pytest.raises(cx.GraphError, match="mode must be one of"):
        g.sampler(Zone(NOISE, SR, mode="loop_forever"))
