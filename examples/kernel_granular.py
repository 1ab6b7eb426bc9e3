"""A bit of granular synthesis written in Python: grains of 20 to 120 ms, read from the last
second of a slowly gliding input at random places and replayed transposed, overlap under
Hann windows (needs numba: pip install 'chronus-audio[jit]').

The random numbers come from a generator kept in the kernel's state, so a render and a
live run give the same grains.

    chronus render examples/kernel_granular.py -o grains.wav
"""

import numpy as np

import chronus as cx

seconds = 6.0

#: Input kept for grains to read: one second at 48 kHz.
MEMORY = 48_000
#: Grains that can sound at once.
GRAINS = 8


@cx.kernel(
    inputs=1,
    outputs=1,
    params={
        "density": (30.0, 0.1, 500.0),  # grains per second
        "size": (0.06, 0.005, 0.25),  # seconds
        "pitch": (1.0, 0.25, 4.0),  # playback speed
    },
    state={"memory": MEMORY, "grains": 3 * GRAINS, "clock": 3},
)
def granulate(
    inp: cx.Block,
    out: cx.Block,
    density: cx.Block,
    size: cx.Block,
    pitch: cx.Block,
    memory: cx.StateArray,
    grains: cx.StateArray,
    clock: cx.StateArray,
    frames: int,
    samplerate: float,
) -> None:
    """Grain g: (start in memory, position in grain, length) in grains[3g:3g+3]; clock holds
    the write position, the time to the next grain and the random generator's state."""
    write = int(clock[0])
    for i in range(frames):
        memory[write] = inp[0, i]
        clock[1] -= 1.0
        if clock[1] <= 0.0:
            clock[1] += samplerate / density[i]
            for g in range(GRAINS):
                if grains[3 * g + 2] <= 0.0:
                    # A linear congruential generator (Numerical Recipes), in float64 state.
                    clock[2] = (clock[2] * 1664525.0 + 1013904223.0) % 4294967296.0
                    length = size[i] * samplerate
                    back = 0.1 * samplerate + (clock[2] / 4294967296.0) * 0.8 * samplerate
                    grains[3 * g] = (write - back + MEMORY) % MEMORY
                    grains[3 * g + 1] = 0.0
                    grains[3 * g + 2] = length
                    break
        y = 0.0
        for g in range(GRAINS):
            length = grains[3 * g + 2]
            if length > 0.0:
                t = grains[3 * g + 1]
                read = (grains[3 * g] + t * pitch[i]) % MEMORY
                j = int(read)
                frac = read - j
                x = memory[j] * (1.0 - frac) + memory[(j + 1) % MEMORY] * frac
                y += x * 0.5 * (1.0 - np.cos(2.0 * np.pi * t / length))
                grains[3 * g + 1] = t + 1.0
                if t + 1.0 >= length:
                    grains[3 * g + 2] = 0.0
        out[0, i] = y * 0.5
        write = (write + 1) % MEMORY
    clock[0] = write


def patch() -> cx.Graph:
    g = cx.Graph()
    source = g.triangle(220 + 110 * g.sine(0.1)) * 0.5
    grains = g.kernel(granulate, source, density=40, size=0.08, pitch=[1.0, 1.5])
    g.output(grains.pan([-0.7, 0.7]) * 0.4)
    return g
