"""Sampler reading quality: images and aliases of a resampled sine measured by FFT at each
quality, the default (tabulated polyphase sinc) against exact values and
scipy.signal.resample_poly, and outputs independent of the block size.

Measured levels (largest spurious component relative to the tone, tone at the given
fraction of the output rate, worst over the ratios 0.7, 1.3, 2.9 and 7.1 recorded
frames per output frame; 32768-point FFT under a Kaiser window, beta 20):

| quality | 0.05 | 0.1 | 0.2 |
|---|---|---|---|
| sinc (default) | -116 dB | -112 dB | -118 dB (all tones here, to 0.35: under -110 dB) |
| cubic | -61 dB | -40 dB | -38 dB |
| linear | -47 dB | -31 dB | -28 dB |

cubic and linear are not band-limited: their figures are what the docs quote.
"""

import numpy as np
import pytest
from scipy.signal import get_window, resample_poly

import chronus as cx
from conftest import SR

ROOT_HZ = 440.0 * 2 ** ((60 - 69) / 12)
RATIOS = (0.7, 1.3, 2.9, 7.1)


def play(x, ratio, quality="sinc", seconds=1.0, block=256):
    """`x` read from its start at `ratio` recorded frames per output frame: recorded at
    `ratio` times the engine's rate (exact in the zone table), played at its own pitch."""
    z = cx.Zone(np.asarray(x, np.float32), SR * ratio, root=60)
    g = cx.Graph()
    g.output(g.sampler(z, note=60, gate=1.0, quality=quality))
    return cx.render(g, seconds, SR, block)[0]


def spurious_db(ratio, quality, f_out):
    """Largest component other than the tone, in dB relative to the tone, when a sine
    recorded at `f_out / ratio` (fraction of SR) plays at `ratio` (so it sounds at `f_out`)."""
    n = 32768
    x = np.sin(2 * np.pi * (f_out / ratio) * np.arange(int(ratio * 48_000) + 20_000))
    y = play(x, ratio, quality)[8000 : 8000 + n]
    spectrum = np.abs(np.fft.rfft(y * get_window(("kaiser", 20.0), n)))
    k = round(f_out * n)
    tone = spectrum[k - 3 : k + 4].max()
    spectrum[max(0, k - 40) : k + 41] = 0  # the tone's main lobe
    spectrum[:40] = 0  # and DC's
    return 20 * np.log10(spectrum.max() / tone)


def well_inside(ratio, f_out):
    """A tone well inside both bands: under 0.35 of the recording's rate and the output's."""
    return f_out <= 0.35 and f_out / ratio <= 0.35


@pytest.mark.parametrize("ratio", RATIOS)
def test_sinc_images_and_aliases_are_under_minus_90_db(ratio):
    for f_out in (0.05, 0.1, 0.2, 0.3):
        if well_inside(ratio, f_out):
            level = spurious_db(ratio, "sinc", f_out)
            assert level < -90.0, f"ratio {ratio}, tone at {f_out} of the rate: {level:.1f} dB"


@pytest.mark.parametrize(
    ("quality", "documented"),
    [("cubic", {0.05: -61.0, 0.1: -40.0, 0.2: -38.0}), ("linear", {0.05: -47.0, 0.1: -31.0, 0.2: -28.0})],
)
def test_cubic_and_linear_levels_are_as_documented(quality, documented):
    for f_out, db in documented.items():
        worst = max(spurious_db(ratio, quality, f_out) for ratio in RATIOS)
        assert abs(worst - db) < 2.0, f"{quality}, tone at {f_out}: {worst:.1f} dB, documented {db} dB"


@pytest.mark.parametrize(("up", "down"), [(10, 7), (10, 13)])
def test_sinc_matches_exact_values_and_resample_poly(up, down):
    # Reading at down/up recorded frames per output frame is resampling by up/down. Three
    # tones inside the passband of every table (0.4 / stretch of the recording's rate).
    ratio = down / up
    freqs, amps = (0.021, 0.093, 0.207), (0.5, 0.3, 0.2)
    n = np.arange(80_000)
    x = sum(a * np.sin(2 * np.pi * f * n) for f, a in zip(freqs, amps, strict=True))
    y = play(x, ratio, seconds=1.0).astype(np.float64)
    m = np.arange(len(y))
    exact = sum(a * np.sin(2 * np.pi * f * m * ratio) for f, a in zip(freqs, amps, strict=True))
    inner = slice(200, len(y) - 200)
    error = np.max(np.abs(y[inner] - exact[inner]))
    assert error < 3e-5, f"{up}/{down}: {error:.2e} from the exact values"
    reference = resample_poly(x, up, down, window=("kaiser", 14.0))[: len(y)]
    error = np.max(np.abs(y[inner] - reference[inner]))
    assert error < 1e-4, f"{up}/{down}: {error:.2e} from resample_poly"


def test_sinc_at_the_root_plays_the_recording_exactly():
    x = np.random.default_rng(5).uniform(-1, 1, 60_000).astype(np.float32)
    np.testing.assert_array_equal(play(x, 1.0, seconds=1.0), x[:48_000])


@pytest.mark.parametrize("quality", ["sinc", "cubic", "linear"])
def test_output_does_not_depend_on_the_block_size(quality):
    # A looped, crossfaded recording read at a swept pitch (edges, copies, every table)
    # and at held pitches (the steady path), through the voice allocator.
    rng = np.random.default_rng(9)
    x = (np.sin(0.05 * np.arange(30_000)) + 0.3 * rng.uniform(-1, 1, 30_000)).astype(np.float32)
    zone = cx.Zone(x, 44_100, root=60, loop=(4_000, 25_000), crossfade=800)

    def render(block, steady_freq):
        g = cx.Graph()
        v = g.voices(4)
        swept = g.sampler(zone, freq=ROOT_HZ * (4.3 + 4.0 * g.sine(0.9)), gate=1.0, quality=quality)
        held = g.sampler(zone, voices=v, quality=quality)
        if not steady_freq:
            # The same pitches as a signal that varies per frame in form, not in value.
            held = g.sampler(zone, voices=v, freq=v.freq + g.sine(0.0) * 0.0, quality=quality)
        g.output(g.mixer(swept, held.sum(channels=1)))
        for i, note in enumerate((48, 60, 79, 96)):
            g.note(v, note, frame=100 * i)
        return cx.render(g, 1.5, SR, block)

    reference = render(256, True)
    for block in (64, 1000):
        np.testing.assert_array_equal(render(block, True), reference, err_msg=f"block {block}")
    # Reads held at one pitch over a block take the steady path; the same reads one frame
    # at a time give the same output.
    np.testing.assert_array_equal(render(256, False), reference)
