"""A one-pole lowpass with state, written in Python: white noise through a cutoff that an
LFO sweeps from 200 Hz to 5 kHz (needs numba: pip install 'chronus-audio[jit]').

    chronus render examples/kernel_one_pole.py -o one_pole.wav
"""

import numpy as np

import chronus as cx

seconds = 6.0


@cx.kernel(inputs=1, outputs=1, params={"cutoff": (1000.0, 1.0, 20_000.0)}, state={"z": 1})
def one_pole(
    inp: cx.Block, out: cx.Block, cutoff: cx.Block, z: cx.StateArray, frames: int, samplerate: float
) -> None:
    """y[n] = y[n-1] + a (x[n] - y[n-1]) with a = 1 - exp(-2 pi cutoff / samplerate)."""
    for i in range(frames):
        a = 1.0 - np.exp(-2.0 * np.pi * cutoff[i] / samplerate)
        z[0] += a * (inp[0, i] - z[0])
        out[0, i] = z[0]


def patch() -> cx.Graph:
    g = cx.Graph()
    sweep = 2600 + 2400 * g.sine(0.2)  # Hz
    g.output(g.kernel(one_pole, g.noise(), cutoff=sweep) * 0.3)
    return g
