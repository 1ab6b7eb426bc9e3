"""A drone with modulation: detuned saws through a resonant lowpass swept by two LFOs,
spread across the stereo field.

    chronus render examples/drone.py -o drone.wav
"""

import chronus as cx

seconds = 12.0


def patch() -> cx.Graph:
    g = cx.Graph()
    # Six voices: a low A and its fifth, each as a detuned pair (Hz).
    voices = g.saw([55.0, 55.3, 82.4, 82.8, 110.0, 110.5])
    # A slow sweep plus a faster wobble on the cutoff (Hz).
    sweep = 600 + 500 * g.sine(0.07) + 120 * g.triangle(0.9)
    filtered = voices >> g.lowpass(cutoff=sweep, q=3.0)
    # Breathing amplitude: 0.6 to 1.0 at 0.2 Hz.
    breath = 0.8 + 0.2 * g.sine(0.2)
    stereo = (filtered * breath).pan([-0.9, 0.9, -0.5, 0.5, -0.2, 0.2])
    g.output(stereo * 0.15)
    return g
