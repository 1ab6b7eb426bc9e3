"""An effects rack on a synth riff: drive with oversampling, EQ, chorus, a tempo-synced
ping-pong delay, reverb and a limiter, with an LFO opening the EQ's bell and the compressor
ducking the pad under the riff.

    chronus render examples/effects_rack.py -o rack.wav
"""

import chronus as cx

seconds = 8.0
BPM = 110


def patch() -> cx.Graph:
    g = cx.Graph()
    # A pulse riff: four notes a bar, gated by a square at the tempo.
    notes = g.pulse(110.0 * (1.5 + 0.5 * g.square(BPM / 60 / 4)), width=0.3)
    gate = g.adsr(
        gate=g.square(BPM / 60 * 2) * 0.5 + 0.5, attack=0.002, decay=0.15, sustain=0.3, release=0.08
    )
    riff = notes * gate * 0.5

    # Drive, then shape: low cut, a bell swept by a slow LFO, a gentle high shelf.
    driven = g.distortion(riff, drive=14.0, shape="tanh", oversample=4, mix=0.8)
    eq = g.eq(driven, bands=[("lowcut", 90, 24), ("peak", 1500, 4.0, 1.5), ("highshelf", 7000, -3.0)])
    eq.gain2 = 4.0 * g.sine(0.25)
    wide = g.chorus(eq, rate=0.8, depth=0.003, mix=0.4)
    echoes = g.pingpong(wide, time=cx.beats(0.75, bpm=BPM), feedback=0.45, mix=0.35, highcut=4000)

    # A pad underneath, ducked by the riff through the compressor's sidechain.
    pad = g.saw([110.0, 110.6, 164.8]).sum() * 0.12
    ducked = g.compressor(pad, threshold=-30.0, ratio=6.0, attack=0.005, release=0.2, sidechain=riff)

    room = g.reverb(echoes + ducked, decay=2.2, damping=0.5, predelay=0.02, mix=0.3, modulation=0.4)
    g.output(g.limiter(room, ceiling=-1.0))
    return g
