"""A Karplus-Strong string written in Python: a noise burst excites a delay line one period
long whose averaging lowpass makes the tone decay. Three strings are three lanes of one
kernel node, each with its own delay line, plucked in turn from the graph's timeline
(needs numba: pip install 'chronus-audio[jit]').

    chronus render examples/kernel_karplus.py -o strings.wav
"""

import chronus as cx

seconds = 5.0

#: Longest period, in samples: 20 Hz at 48 kHz.
LINE = 2400


@cx.kernel(
    inputs=1,
    outputs=1,
    params={"freq": (220.0, 20.0, 4000.0), "decay": (0.996, 0.0, 1.0)},
    state={"line": LINE, "pos": 1},
)
def string(
    inp: cx.Block,
    out: cx.Block,
    freq: cx.Block,
    decay: cx.Block,
    line: cx.StateArray,
    pos: cx.StateArray,
    frames: int,
    samplerate: float,
) -> None:
    """y[n] = x[n] + decay * (y[n-P] + y[n-P-1]) / 2 with P = samplerate / freq samples."""
    p = int(pos[0])
    for i in range(frames):
        period = min(max(int(samplerate / freq[i]), 2), LINE - 1)
        a = line[(p - period + LINE) % LINE]
        b = line[(p - period - 1 + LINE) % LINE]
        y = inp[0, i] + decay[i] * 0.5 * (a + b)
        line[p] = y
        out[0, i] = y
        p = (p + 1) % LINE
    pos[0] = p


def patch() -> cx.Graph:
    g = cx.Graph()
    # One envelope lane per string: a 5 ms noise burst whenever the timeline plucks it.
    env = g.adsr(gate=[0.0, 0.0, 0.0], attack=0.0005, decay=0.005, sustain=0.0, release=0.001)
    bursts = g.noise(channels=3, seed=7) * env
    strings = g.kernel(string, bursts, freq=[110.0, 146.8, 196.0], decay=0.995)
    # An arpeggio on the timeline: strings 1, 2, 3, 2, one pluck every quarter second.
    for n in range(int((seconds - 1.0) / 0.25)):
        g.gate(env, at=n * 0.25, duration=0.01, lane=[0, 1, 2, 1][n % 4])
    g.output(strings.pan([-0.5, 0.0, 0.5]) * 0.3)
    return g
