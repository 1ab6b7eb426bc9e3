"""A waveshaper written in Python: an asymmetric tanh curve whose drive an LFO sweeps,
compiled by numba and run on the audio thread (needs numba: pip install 'chronus-audio[jit]').

    chronus render examples/kernel_waveshaper.py -o shaper.wav
"""

import numpy as np

import chronus as cx

seconds = 6.0


@cx.kernel(inputs=1, outputs=1, params={"drive": (3.0, 0.0, 50.0), "bias": (0.2, -1.0, 1.0)})
def shaper(inp: cx.Block, out: cx.Block, drive: cx.Block, bias: cx.Block, frames: int) -> None:
    """tanh(drive * x + bias) - tanh(bias): even harmonics from the bias, no DC at rest."""
    for i in range(frames):
        out[0, i] = np.tanh(drive[i] * inp[0, i] + bias[i]) - np.tanh(bias[i])


def patch() -> cx.Graph:
    g = cx.Graph()
    voice = g.saw([55.0, 55.4]) >> g.lowpass(cutoff=1200, q=0.8)
    drive = 6 + 5 * g.sine(0.25)  # 1 to 11, one sweep every 4 s
    shaped = g.kernel(shaper, voice, drive=drive, bias=0.3)
    g.output(shaped.pan([-0.6, 0.6]) * 0.2)
    return g
