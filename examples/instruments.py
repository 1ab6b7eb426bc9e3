"""Four instruments on one timeline: an FM electric piano, a wavetable pad sweeping its
position, a sampler playing a breathy tone recorded here (rendered by Chronus itself, so
the example needs no files), and the subtractive preset playing a gliding mono bass line."""

import numpy as np

import chronus as cx

seconds = 8.0


def breathy_tone() -> cx.Zone:
    """Two seconds of a flute-like C4 (a sine with a little octave, breath noise and a slow
    vibrato), rendered offline and looped in its steady middle."""
    g = cx.Graph()
    vibrato = g.sine(5.0) * 0.6
    tone = g.sine(261.63 + vibrato) + g.sine(523.25 + 2 * vibrato) * 0.15
    breath = g.bandpass(g.noise(seed=5), cutoff=1800.0, q=1.5) * 0.05
    env = g.adsr(attack=0.08, decay=0.2, sustain=0.8, release=0.2)
    g.output((tone + breath) * env * 0.5)
    g.gate(env, at=0.0, duration=1.9)
    audio = cx.render(g, seconds=2.0)
    return cx.Zone(audio, 48_000, root=60, loop=(24_000, 72_000), crossfade=4_800)


def patch() -> cx.Graph:
    g = cx.Graph()

    # FM electric piano: two stacks (algorithm 5), bright attack fading to a sine.
    keys = g.voices(8, name="keys")
    tine = cx.Operator(ratio=1.0, decay=1.5, sustain=0.2, release=0.4)
    bell = cx.Operator(ratio=14.0, level=1.2, decay=0.15, sustain=0.0)
    body = cx.Operator(ratio=1.0, decay=2.0, sustain=0.3, release=0.4)
    mod = cx.Operator(ratio=1.0, level=1.5, decay=0.6, sustain=0.1)
    piano = g.fm([tine, bell, body, mod], algorithm=5, voices=keys)
    g.output(piano.sum() * 0.12)
    for i, chord in enumerate([(60, 64, 67, 71), (57, 60, 64, 67), (62, 65, 69, 72), (55, 59, 62, 65)]):
        for note in chord:
            g.note(keys, note, at=2.0 * i, duration=1.8, velocity=0.7)

    # Wavetable pad: frames from a sine to a bright pulse, swept slowly.
    t = np.arange(2048) / 2048
    sine, square = np.sin(2 * np.pi * t), np.sign(np.sin(2 * np.pi * t))
    frames = np.stack([sine + (square - sine) * k / 15 for k in range(16)])
    pad = g.voices(4, name="pad")
    osc = g.wavetable(frames, voices=pad, position=g.triangle(0.125) * 0.5 + 0.5)
    env = g.adsr(gate=pad.gate, trigger=pad.trigger, attack=1.0, release=1.5)
    g.output((g.lowpass(osc, cutoff=2500.0) * env).sum() * 0.05)
    for note in (48, 55, 64):
        g.note(pad, note, at=0.0, duration=7.0)

    # Sampled melody.
    flute = g.voices(2, name="flute")
    g.output(g.sampler(breathy_tone(), voices=flute, attack=0.05, release=0.3).sum() * 0.5)
    for i, note in enumerate([72, 74, 76, 79, 76, 74, 72, 71]):
        g.note(flute, note, at=i, duration=0.9, velocity=0.8)

    # Subtractive mono bass with glide.
    bass = g.subtractive(1, mode="legato", glide=0.08, cutoff=300.0, filter_env=3.0, resonance=2.0)
    g.output(bass * 0.5)
    for i, note in enumerate([36, 36, 43, 41, 36, 34, 36, 43] * 2):
        g.note(bass.voices, note, at=0.5 * i, duration=0.45)
    return g
