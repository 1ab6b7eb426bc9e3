"""The demo patch rendered by ``chronus demo``: a filtered drone under a delayed arpeggio."""

from __future__ import annotations

from .graph import Graph

#: Length of the demo in seconds.
DEMO_SECONDS = 8.0

# A minor pentatonic arpeggio (MIDI note numbers), one note every eighth at 120 BPM.
_ARPEGGIO = [57, 60, 64, 67, 69, 67, 64, 60, 55, 60, 62, 67, 69, 72, 69, 62]
_STEP = 0.25


def _hz(note: int) -> float:
    return float(440.0 * 2.0 ** ((note - 69) / 12.0))


def build_demo() -> Graph:
    """Builds the demo graph (stereo), with its notes on the graph's timeline."""
    g = Graph()

    # Drone: two detuned saws per side, a slowly sweeping resonant lowpass.
    lfo = g.sine(0.15)
    drone = g.saw([55.0, 55.4, 82.4, 82.9]) >> g.lowpass(cutoff=700 + 450 * lfo, q=1.8)
    pad = drone.pan([-0.8, 0.8, -0.4, 0.4]) * 0.12

    # Arpeggio: a pulse whose width wobbles, an ADSR per note, a ping of feedback delay.
    lead = g.pulse(_hz(_ARPEGGIO[0]), width=0.35 + 0.15 * g.sine(0.5), name="lead")
    env = g.adsr(attack=0.004, decay=0.15, sustain=0.3, release=0.2, name="env")
    voice = (lead * env) >> g.lowpass(cutoff=2400, q=0.9)
    echo = g.delay(voice, time=0.375, feedback=0.45, mix=1.0)
    arp = g.mixer(voice, echo, gains=[0.25, 0.12]).pan([0.0]) * 1.0

    g.output(pad + arp)

    t = 0.0
    i = 0
    while t < DEMO_SECONDS - 0.5:
        note = _ARPEGGIO[i % len(_ARPEGGIO)]
        g.set(lead.freq, _hz(note), at=t, ramp=0)
        g.gate(env, at=t, duration=_STEP * 0.6)
        t += _STEP
        i += 1
    return g
