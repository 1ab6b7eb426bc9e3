"""A filtered sequence of notes: a pulse-wave bass line whose filter opens on every note,
scheduled on the graph's timeline at 112 BPM.

    chronus render examples/sequence.py -o sequence.wav
"""

import chronus as cx

BPM = 112.0
STEP = 60.0 / BPM / 4  # sixteenth notes, in seconds
# MIDI notes; None is a rest.
PATTERN = [45, None, 45, 57, 45, None, 43, 55, 45, None, 48, 50, 52, None, 40, 43]
seconds = len(PATTERN) * STEP * 4 + 1.0


def hz(note: int) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def patch() -> cx.Graph:
    g = cx.Graph()
    osc = g.pulse(hz(45), width=0.3, name="bass")
    amp = g.adsr(attack=0.003, decay=0.12, sustain=0.5, release=0.08, name="amp")
    # The filter envelope opens the cutoff from 300 Hz up to 3 kHz on each note.
    fenv = g.adsr(attack=0.002, decay=0.18, sustain=0.1, release=0.1, name="filter_env")
    voice = (osc * amp) >> g.lowpass(cutoff=300 + 2700 * fenv, q=4.0)
    g.output((voice * 0.5).pan(0.0))

    for bar in range(4):
        for i, note in enumerate(PATTERN):
            if note is None:
                continue
            t = (bar * len(PATTERN) + i) * STEP
            g.set(osc.freq, hz(note), at=t, ramp=0)
            g.gate(amp, at=t, duration=STEP * 0.7)
            g.gate(fenv, at=t, duration=STEP * 0.7)
    return g
