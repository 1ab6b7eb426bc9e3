"""A drum groove from step patterns: kick, snare and swung hats as three voice allocators,
and a bass line in 7/16 against the 4/4 drums (polymeter), all on the graph's tempo map,
which slows down at bar 5; the snare's dotted-eighth ping-pong echo follows the tempo
through the transport's clock.

    chronus render examples/groove.py -o groove.wav
"""

from collections.abc import Callable

import chronus as cx

seconds = 12.0


def drum(
    g: cx.Graph, voices: int, sound: Callable[[cx.Graph, cx.nodes.Voices], cx.Signal], decay: float
) -> tuple[cx.nodes.Voices, cx.Signal]:
    """A voice allocator whose voices play ``sound(g, voices)`` through a percussive envelope."""
    v = g.voices(voices)
    env = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.001, decay=decay, sustain=0.0, release=0.02)
    return v, (sound(g, v) * env * v.velocity).sum()


def patch() -> cx.Graph:
    g = cx.Graph()
    g.tempo = cx.TempoMap([(0, 104), (16, 92)])
    clock = g.clock()

    # Kick: a sine falling from about 160 Hz to 48 Hz in 40 ms.
    def kick_sound(g: cx.Graph, v: cx.nodes.Voices) -> cx.Signal:
        sweep = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.0, decay=0.04, sustain=0.0, release=0.01)
        return g.sine(48 + 110 * sweep)

    def snare_sound(g: cx.Graph, v: cx.nodes.Voices) -> cx.Signal:
        return g.bandpass(g.noise(channels=2, seed=1), cutoff=1900, q=0.7) * 2.5 + g.triangle(190) * 0.3

    def hat_sound(g: cx.Graph, v: cx.nodes.Voices) -> cx.Signal:
        return g.highpass(g.noise(channels=4, seed=2), cutoff=8000, q=0.9)

    kick, kick_out = drum(g, 2, kick_sound, 0.28)
    snare, snare_out = drum(g, 2, snare_sound, 0.16)
    hats, hat_out = drum(g, 4, hat_sound, 0.045)

    g.play(kick, cx.Pattern("X...x...X..x.x.. X...x...X..x..x.", note=36))
    g.play(snare, cx.Pattern("....X.......X..o", note=38))
    g.play(hats, cx.Pattern("x.xox.xox.xox?xo", note=42, swing=0.58, probability=0.6), seed=5)

    # Bass: 7 sixteenths against the drums' 16, so the line shifts every bar.
    bass = g.voices(1)
    amp = g.adsr(gate=bass.gate, trigger=bass.trigger, attack=0.003, decay=0.2, sustain=0.4, release=0.08)
    line = g.lowpass(g.pulse(bass.freq, width=0.3), cutoff=700 + 900 * amp, q=3.0) * amp
    riff = cx.Pattern("X.x_x..", note=33) + cx.Pattern("x.X_..x", note=33)
    g.play(bass, riff)
    g.play(bass, [cx.Note(45, beat=b, length=0.2, velocity=0.6) for b in (2.75, 6.75, 10.75, 14.75)], loop=16)

    center = kick_out * 0.6 + snare_out * 0.3 + line.sum() * 0.3
    g.output(center.pan(0.0))
    # A dotted eighth (3/4 of a beat) at whatever the tempo is: clock.period is one beat in s.
    g.output(g.pingpong(snare_out * 0.15, time=clock.period * 0.75, feedback=0.4, mix=1.0, highcut=5000))
    g.output(hat_out.pan(0.4) * 0.12)
    return g
