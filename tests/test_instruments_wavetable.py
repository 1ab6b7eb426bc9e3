"""Wavetable synth: user tables play their own harmonics at any length and cycle count,
band-limited at every pitch, morph by position, load from files, run as voices."""

import numpy as np
import pytest
import soundfile as sf

import chronus as cx
from conftest import SR, harmonic_amplitudes, off_harmonic_db


def play(table, freq, seconds=1.0, **kw):
    g = cx.Graph()
    g.output(g.wavetable(table, freq, **kw))
    return cx.render(g, seconds, SR)[0]


def frame_harmonics(row, cycles=1, count=40):
    """Amplitudes of harmonics 1..count of a row holding `cycles` cycles."""
    X = np.fft.rfft(row) * 2 / len(row)
    return np.abs(X[cycles : cycles * (count + 1) : cycles])


NAIVE_SAW = np.linspace(-1, 1, 2048, endpoint=False)


@pytest.mark.parametrize("f0", [110.0, 440.0, 1013.7, 3001.3])
def test_a_table_plays_its_own_harmonics_and_nothing_else(f0):
    x = play(NAIVE_SAW, f0, seconds=2.0)[4800:]
    count = int(19_000 / f0)
    amps = harmonic_amplitudes(x, f0, count)
    ideal = frame_harmonics(NAIVE_SAW, count=count)
    assert np.max(np.abs(20 * np.log10(amps / ideal))) < 0.05
    # Every harmonic under Nyquist is kept (at most a quarter octave below it) and none
    # above it folds back: off-harmonic energy is at the level of interpolation images.
    assert off_harmonic_db(x, f0) < -95
    naive = np.interp((f0 * np.arange(len(x)) / SR) % 1.0 * 2048, np.arange(2049), np.append(NAIVE_SAW, -1))
    assert off_harmonic_db(naive, f0) > -40  # what plain table reading would alias


def test_rows_of_any_length_and_several_cycles_play_at_the_given_pitch():
    n = 601  # odd, far from a power of two: resampled by FFT
    t = np.arange(n) / n
    row = np.sin(2 * np.pi * 3 * t) + 0.3 * np.sin(2 * np.pi * 9 * t + 1.0) + 0.2  # 3 cycles, DC
    x = play(row, 250.0, cycles=3)
    amps = harmonic_amplitudes(x, 250.0, 4)
    np.testing.assert_allclose(amps, [1.0, 0.0, 0.3, 0.0], atol=2e-4)
    assert abs(np.mean(x)) < 1e-4  # DC dropped


def test_position_morphs_linearly_between_neighbouring_frames():
    t = np.arange(256) / 256
    frames = np.stack([np.sin(2 * np.pi * k * t) for k in (1, 2, 3)])  # harmonic 1, 2, 3
    cases = [(0.0, [1, 0, 0]), (0.25, [0.5, 0.5, 0]), (0.75, [0, 0.5, 0.5]), (1.0, [0, 0, 1])]
    for position, expected in cases:
        x = play(frames, 200.0, position=position, seconds=0.5)
        np.testing.assert_allclose(harmonic_amplitudes(x, 200.0, 3), expected, atol=2e-4, err_msg=position)
    # A signal sweeps the position frame by frame: 0 -> 1 over the render.
    g = cx.Graph()
    ramp = g.const(0.0)
    g.set(ramp.value, 1.0, frame=0, ramp=1.0)
    g.output(g.wavetable(frames[:2], 200.0, position=ramp))
    x = cx.render(g, 1.0, SR)[0]
    pos = (np.arange(SR) + 1) / SR
    expected = (1 - pos) * np.sin(2 * np.pi * 200 * np.arange(SR) / SR) + pos * np.sin(
        2 * np.pi * 400 * np.arange(SR) / SR
    )
    assert np.max(np.abs(x - expected)) < 1e-3


def test_tables_load_from_audio_files(tmp_path):
    rng = np.random.default_rng(1)
    frames = rng.uniform(-1, 1, size=(4, 2048)).astype(np.float32)
    path = tmp_path / "table.wav"
    sf.write(path, np.stack([frames.ravel(), frames.ravel()], axis=1), 44_100, subtype="FLOAT")
    from_file = play(path, 300.0, position=0.4, frame_size=2048, seconds=0.2)
    from_array = play(frames, 300.0, position=0.4, seconds=0.2)
    np.testing.assert_array_equal(from_file, from_array)
    with pytest.raises(cx.GraphError, match=r"table.wav: 8192 samples do not make frames of 3000"):
        play(path, 300.0, frame_size=3000)
    bad = tmp_path / "not_audio.wav"
    bad.write_text("hello")
    with pytest.raises(ValueError, match=r"not_audio\.wav"):
        play(bad, 300.0)
    with pytest.raises(cx.GraphError, match="option 'table' is required"):
        g = cx.Graph()
        g.output(g.add_node("wavetable"))
        cx.render(g, 0.1)


def test_voices_play_a_wavetable_polyphonically():
    g = cx.Graph()
    v = g.voices(3)
    osc = g.wavetable(np.sin(2 * np.pi * np.arange(64) / 64), voices=v)
    g.output(osc)  # one channel per voice
    for note in (57, 64, 69):
        g.note(v, note, frame=0)
    x = cx.render(g, 0.5, SR)
    for row, note in zip(x, (57, 64, 69), strict=True):
        f = 440 * 2 ** ((note - 69) / 12)
        assert harmonic_amplitudes(row, f, 1)[0] == pytest.approx(1.0, abs=1e-3)


def test_array_options_are_checked_before_they_reach_the_engine():
    g = cx.Graph()
    with pytest.raises(cx.GraphError, match="NaN or infinite"):
        g.wavetable(np.array([0.0, np.nan, 1.0, 0.5]))
    with pytest.raises(cx.GraphError, match="1-D or 2-D"):
        g.add_node("wavetable", options={"table": np.zeros((2, 2, 8))})
    with pytest.raises(cx.GraphError, match=r"option 'table' has 2 columns; it takes 4"):
        g.add_node("wavetable", options={"table": np.zeros((3, 2))})
    spec = cx.node_kinds()["sampler"]
    arrays = {o["name"]: o["columns"] for o in spec["options"] if "columns" in o}
    assert arrays == {"data": (1, 2), "zones": (11, 11)}
