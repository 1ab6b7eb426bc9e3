"""Nodes hold up under bad input: NaN costs one block, modulation is held to each parameter's
range, biquads stay stable under audio-rate frequency modulation, meters skip NaN."""

import numpy as np
import pytest

import chronus as cx
from chronus import _core
from conftest import SR

BLOCK = 256
SECONDS = 0.5
FRAMES = int(SECONDS * SR)

#: Every recursive node kind, as a builder of ``g`` around ``x``.
RECURSIVE = {
    "svf": lambda g, x: g.svf(x, cutoff=800.0, q=4.0),
    "biquad": lambda g, x: g.biquad(x, mode="peak", freq=800.0, q=4.0, gain=9.0),
    "eq": lambda g, x: g.eq(
        x, bands=[("lowcut", 80, 24), ("peak", 1000, 6.0, 2.0), ("highshelf", 6000, -4.0)]
    ),
    "phaser": lambda g, x: g.phaser(x, feedback=0.7, mix=0.5),
    "chorus": lambda g, x: g.chorus(x, feedback=0.5),
    "flanger": lambda g, x: g.flanger(x, feedback=0.8),
    "reverb": lambda g, x: g.reverb(x, decay=3.0, predelay=0.02, mix=0.5),
    "freeverb": lambda g, x: g.freeverb(x, decay=3.0, mix=0.5),
    "delay": lambda g, x: g.delay(x, time=0.01, feedback=0.8, mix=0.5),
    "pingpong": lambda g, x: g.pingpong(x, time=0.01, feedback=0.8, mix=0.5),
    "compressor": lambda g, x: g.compressor(x, -30.0, 4.0),
    "limiter": lambda g, x: g.limiter(x, ceiling=-6.0),
    "dcblock": lambda g, x: g.dcblock(x),
    "distortion": lambda g, x: g.distortion(x, drive=12.0, oversample=4),
}


def sine(frames: int, freq: float = 440.0, start: int = 0) -> np.ndarray:
    n = np.arange(frames)
    return np.where(n >= start, 0.5 * np.sin(2 * np.pi * freq * (n - start) / SR), 0.0).astype(np.float32)


def render_with_input(g: cx.Graph, audio: np.ndarray) -> np.ndarray:
    """Renders ``g`` fed ``audio``, NaN and all: straight through the engine binding, since
    ``cx.render`` refuses input that is not finite (what these tests need to send in)."""
    source = np.ascontiguousarray(audio.reshape(1, -1), dtype=np.float32)
    return _core.render(g._core, g.song(SR), len(audio), float(SR), BLOCK, 0.005, source)


def render_effect(build, audio: np.ndarray, add_sine: bool = False) -> np.ndarray:
    """``build(g, input)`` fed ``audio``, plus a clean sine summed after it if asked."""
    g = cx.Graph()
    out = build(g, g.input())
    if add_sine:
        out = out + g.sine(440.0) * 0.5
    g.output(out)
    return render_with_input(g, audio)


@pytest.mark.parametrize("kind", sorted(RECURSIVE))
def test_ten_nan_frames_cost_one_block(kind):
    build = RECURSIVE[kind]
    bad = np.zeros(FRAMES, np.float32)
    bad[:10] = np.nan
    # The NaN block, then silence: what comes out after the first block is the sine alone
    # (the node reset its state to silence), exactly as with no NaN at all, and that is the
    # sine (to the engine oscillator's accuracy).
    out = render_effect(build, bad, add_sine=True)
    assert np.isnan(out[:, :BLOCK]).any(), "the bad block itself is lost"
    assert np.isfinite(out[:, BLOCK:]).all()
    silent = render_effect(build, np.zeros(FRAMES, np.float32), add_sine=True)
    np.testing.assert_array_equal(out[:, BLOCK:], silent[:, BLOCK:])
    assert np.max(np.abs(out[:, BLOCK:] - sine(FRAMES)[BLOCK:])) < 1e-4
    # With a tone arriving after the bad block, the node goes on processing it exactly as a
    # node that never saw the NaN.
    tone = sine(FRAMES, 300.0, start=BLOCK)
    bad[BLOCK:] = tone[BLOCK:]
    after_nan = render_effect(build, bad)
    never_nan = render_effect(build, tone)
    assert np.isfinite(after_nan[:, BLOCK:]).all()
    assert np.max(np.abs(never_nan[:, BLOCK:])) > 0.01
    np.testing.assert_array_equal(after_nan[:, BLOCK:], never_nan[:, BLOCK:])


@pytest.mark.parametrize(
    ("kind", "value"),
    [("delay", 1.5), ("pingpong", 1.5), ("chorus", 2.0), ("flanger", 2.0), ("phaser", 2.0)],
)
def test_feedback_modulated_beyond_its_range_stays_finite(kind, value):
    g = cx.Graph()
    x = g.noise(seed=3) * 0.5
    feedback = g.const(value)
    build = {
        "delay": lambda: g.delay(x, time=0.01, feedback=feedback, mix=0.5),
        "pingpong": lambda: g.pingpong(x, time=0.01, feedback=feedback, mix=0.5),
        "chorus": lambda: g.chorus(x, feedback=feedback),
        "flanger": lambda: g.flanger(x, feedback=feedback),
        "phaser": lambda: g.phaser(x, feedback=feedback),
    }[kind]
    g.output(build())
    out = cx.render(g, 2.0, SR)
    assert np.isfinite(out).all()
    # Held to the range's end (|feedback| <= 1): a lossless loop at worst, never a blow-up.
    assert np.max(np.abs(out)) < 100.0


@pytest.mark.parametrize("mode", ["peak", "lowshelf", "highshelf"])
def test_a_gain_signal_of_1e4_db_is_held_to_the_range(mode):
    g = cx.Graph()
    x = g.noise(seed=4) * 0.5
    gain = g.const(1e4)
    eq = g.eq(x, bands=[(mode, 1000.0, 0.0)])
    eq.set_param("gain1", gain)
    g.output(g.stack(g.biquad(x, mode=mode, freq=1000.0, gain=gain), eq))
    out = cx.render(g, 1.0, SR)
    assert np.isfinite(out).all()
    # Held at +48 dB: about 250 times the input at most.
    assert np.max(np.abs(out)) < 0.5 * 10 ** (48 / 20) * 4


BIQUAD_MODES = ["lowpass", "highpass", "bandpass", "notch", "peak", "lowshelf", "highshelf", "allpass"]


@pytest.mark.parametrize("mode", BIQUAD_MODES)
def test_biquad_under_noise_modulated_frequency_stays_stable(mode):
    # The frequency jumps at random over 100 Hz .. 20 kHz every frame, at q = 5: the old
    # direct-form biquad gave ~233k NaN of 240k samples here.
    g = cx.Graph()
    freq = g.noise(seed=1) * 9950.0 + 10050.0
    g.output(g.biquad(g.noise(seed=2), mode=mode, freq=freq, q=5.0, gain=12.0))
    out = cx.render(g, 5.0, SR)
    assert np.isfinite(out).all()
    assert np.max(np.abs(out)) < 50.0


@pytest.mark.parametrize(
    "band", [("peak", 1000, 12.0, 5.0), ("lowcut", 1000, 48), ("highshelf", 1000, 12.0, 5.0)]
)
def test_eq_under_noise_modulated_frequency_stays_stable(band):
    g = cx.Graph()
    node = g.eq(g.noise(seed=2), bands=[band])
    node.set_param("freq1", g.noise(seed=1) * 9950.0 + 10050.0)
    g.output(node)
    out = cx.render(g, 5.0, SR)
    assert np.isfinite(out).all()
    assert np.max(np.abs(out)) < 50.0


def test_a_meter_skips_nan_and_its_readings_stay_finite():
    audio = sine(FRAMES)
    audio[1000] = np.nan
    g = cx.Graph()
    m = g.meter(g.input(), window=0.05)
    g.output(g.stack(m.out("peak"), m.out("rms")))
    peak, rms = render_with_input(g, audio)
    assert np.isfinite(peak).all() and np.isfinite(rms).all()
    # The readings of a 0.5-amplitude sine, as if the NaN had not been there.
    assert abs(rms[-1] - 0.5 / np.sqrt(2)) < 0.02
    assert abs(peak[-1] - 0.5) < 0.01


def test_an_oversized_delay_line_is_an_error_not_an_abort():
    # An hour of delay on 64 lanes would take 68.7 GB; it used to abort the process.
    g = cx.Graph()
    g.output(g.delay(g.sine([100.0] * 64), time=1, max_time=3600))
    with pytest.raises(
        cx.GraphError, match=r"delay#\d+: option 'max_time' = 3600 s on 64 lane\(s\) would take 68.7 GB"
    ):
        cx.render(g, 0.1, SR)


def test_recordings_and_tables_holding_nan_are_refused():
    g = cx.Graph()
    table = np.sin(np.linspace(0, 2 * np.pi, 64, endpoint=False))
    table[5] = np.nan
    with pytest.raises(cx.GraphError, match=r"wavetable.*option 'table' holds NaN"):
        g.output(g.wavetable(table[None, :], freq=220.0))
        cx.render(g, 0.1, SR)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"keys": (100, 10)}, r"zone keys .* got \(100, 10\)"),
        ({"keys": (0, 128)}, "zone keys"),
        ({"velocities": (0.5, 2.0)}, "zone velocities"),
        ({"samplerate": 0.0}, "zone samplerate must be a positive number of Hz, got 0.0"),
        ({"root": float("nan")}, "zone root"),
        ({"loop": (10, 5)}, r"zone loop must satisfy 0 <= start < end <= 1000"),
        ({"loop": (0, 10**6)}, "zone loop"),
        ({"loop": (100, 200), "crossfade": 150}, "zone crossfade"),
        ({"crossfade": -3}, "zone crossfade"),
    ],
)
def test_a_zone_out_of_range_is_refused_where_it_is_made(settings, message):
    fields = {"samplerate": float(SR), **settings}
    with pytest.raises(ValueError, match=message):
        cx.Zone(np.zeros(1000, np.float32), **fields)


def test_a_tempo_map_with_a_beat_that_is_not_finite_is_refused():
    with pytest.raises(ValueError, match="tempo change 1 is at beat nan"):
        cx.TempoMap([(0, 120), (float("nan"), 60)])
    with pytest.raises(ValueError, match="tempo change 1 is at beat inf"):
        cx.TempoMap([(0, 120), (float("inf"), 60)])
