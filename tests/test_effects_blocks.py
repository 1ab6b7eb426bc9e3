"""Every effect gives the same samples whatever the block size, with its parameters gliding and
modulated, so offline renders match live ones and block splits at events leave no seams."""

import numpy as np
import pytest

import chronus as cx
from conftest import SR


def source(g):
    """Stereo noise with a swell, plus a sine sweeping through the band."""
    swell = 0.4 + 0.35 * g.sine(1.5)
    sweep = g.sine(300.0 + 250.0 * g.sine(0.7))
    return g.noise(channels=2, seed=11) * swell + sweep * 0.3


EFFECTS = {
    "reverb": lambda g, x, lfo: g.reverb(x, decay=1.2, predelay=0.01 + 0.005 * lfo, mix=0.5),
    "freeverb": lambda g, x, lfo: g.freeverb(x, decay=0.8, damping=0.4 + 0.3 * lfo, mix=0.5),
    "pingpong": lambda g, x, lfo: g.pingpong(x, time=0.05 + 0.01 * lfo, feedback=0.6, highcut=5000),
    "delay": lambda g, x, lfo: g.delay(x, time=0.03, feedback=0.5, lowcut=200 + 100 * lfo),
    "chorus": lambda g, x, lfo: g.chorus(x, rate=2.0 + lfo, feedback=0.3),
    "flanger": lambda g, x, lfo: g.flanger(x, depth=0.002 + 0.001 * lfo, through_zero=True),
    "phaser": lambda g, x, lfo: g.phaser(x, rate=0.5, freq=800 + 300 * lfo, feedback=0.5),
    "compressor": lambda g, x, lfo: g.compressor(
        x, threshold=-25 + 5 * lfo, detector="rms", sidechain=g.sine(3.0) * 0.8
    ),
    "expander": lambda g, x, lfo: g.noise_gate(x, threshold=-12 + 6 * lfo, hold=0.01),
    "limiter": lambda g, x, lfo: g.limiter(x * 4.0, ceiling=-3 + lfo),
    "distortion": lambda g, x, lfo: g.distortion(x, drive=18 + 6 * lfo, oversample=4, mix=0.7),
    "bitcrusher": lambda g, x, lfo: g.bitcrusher(x, bits=6 + 2 * lfo, rate=9000 + 3000 * lfo),
    "eq": lambda g, x, lfo: g.eq(x, bands=[("lowcut", 60, 24), ("peak", 1200, 6 * lfo, 2.0)]),
    "gain": lambda g, x, lfo: g.gain(x, gain=-6 + 6 * lfo),
    "dc_blocker": lambda g, x, lfo: g.dcblock(x + 0.5, cutoff=20 + 10 * lfo),
    "mid_side": lambda g, x, lfo: g.midside(g.midside(x), mode="decode"),
    "width": lambda g, x, lfo: g.width(x, width=1.0 + lfo),
    "meter": lambda g, x, lfo: g.meter(x).out("rms"),
}


def rendered(kind, block):
    g = cx.Graph()
    lfo = g.sine(0.9)
    fx = EFFECTS[kind](g, source(g), lfo)
    g.output(fx)
    node = fx if isinstance(fx, cx.Node) else None
    if node is not None and node.kind != "midside":
        # A glide on the first parameter, landing mid-block for most block sizes.
        first = cx.node_kinds()[node.kind]["params"]
        if first:
            name = first[0]["name"]
            if not isinstance(getattr(node, name), cx.Signal):
                g.set(getattr(node, name), first[0]["default"], at=0.3, ramp=0.05)
    return cx.render(g, 0.6, SR, block)


@pytest.mark.parametrize("kind", list(EFFECTS))
def test_renders_do_not_depend_on_the_block_size(kind):
    reference = rendered(kind, 256)
    assert np.all(np.isfinite(reference)) and np.max(np.abs(reference)) > 1e-3
    for block in (16, 100, 1024):
        other = rendered(kind, block)
        assert np.max(np.abs(other - reference)) <= 1e-5 * max(1.0, np.max(np.abs(reference))), block
