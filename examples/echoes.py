"""A delay/feedback texture: short noise bursts and blips fed into two long delays whose
times drift slowly, plus a filtered feedback loop closed through a feedback node.

    chronus render examples/echoes.py -o echoes.wav
"""

import chronus as cx

seconds = 15.0


def patch() -> cx.Graph:
    g = cx.Graph()
    # Sparse excitation: pink noise gated by a slow pulse, and a triangle blip.
    bursts = g.noise("pink", seed=7) * g.adsr(
        gate=g.pulse(0.7, width=0.05) * 0.5 + 0.5, attack=0.001, decay=0.05, sustain=0.0, release=0.05
    )
    blips = g.triangle(880.0) * g.adsr(
        gate=g.pulse(1.3, width=0.03) * 0.5 + 0.5, attack=0.001, decay=0.08, sustain=0.0, release=0.02
    )
    source = bursts * 0.6 + blips * 0.3

    # Two delays whose times wander by a few milliseconds (tape-like pitch drift).
    left = g.delay(source, time=0.37 + 0.004 * g.sine(0.11), feedback=0.6, mix=1.0)
    right = g.delay(source, time=0.53 + 0.004 * g.sine(0.07), feedback=0.55, mix=1.0)

    # A darker loop: delayed, band-limited, fed back into itself through one block of delay.
    loop = g.feedback()
    wash = g.delay(source + loop * 0.7, time=0.21, mix=1.0) >> g.bandpass(cutoff=900.0, q=0.8)
    loop.feed(wash)

    g.output(g.pan(source, 0.0) * 1.2)
    g.output(g.pan(left, -0.7) * 1.0)
    g.output(g.pan(right, 0.7) * 1.0)
    g.output(g.pan(wash, 0.0) * 1.5)
    return g
