"""Ready-made instruments for playing MIDI files and controllers: each builds itself into a
graph, connects to the graph output, and returns the node that takes the notes.

>>> import chronus as cx
>>> g = cx.Graph()
>>> synth = cx.presets.poly_saw(g)
>>> g.note(synth, 60, at=0.0, duration=0.5)
"""

from __future__ import annotations

from collections.abc import Callable

from .graph import Graph
from .instruments import Operator
from .nodes import Voices


def poly_saw(g: Graph, voices: int = 32) -> Voices:
    """A polyphonic analog-style saw: two slightly detuned saws per voice, a resonant
    lowpass that opens with velocity and its own envelope, an amplitude envelope, voices
    spread in stereo."""
    v = g.voices(voices, name="poly_saw")
    amp = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.004, decay=0.25, sustain=0.6, release=0.3)
    bright = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.002, decay=0.4, sustain=0.2, release=0.3)
    osc = g.saw(v.freq) + g.saw(v.freq * 1.0046)
    cutoff = 400 + 5000 * bright * v.velocity
    voice = g.lowpass(osc, cutoff=cutoff, q=1.4) * amp * v.velocity
    spread = [(-0.6 + 1.2 * i / max(voices - 1, 1)) for i in range(voices)]
    g.output(voice.pan(spread) * (0.5 / voices**0.5))
    return v


def sine_keys(g: Graph, voices: int = 32) -> Voices:
    """A clean sine with a plucked envelope: every note's onset is easy to see and hear."""
    v = g.voices(voices, name="sine_keys")
    amp = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.001, decay=0.3, sustain=0.3, release=0.15)
    g.output(((g.sine(v.freq) * amp * v.velocity).sum() * (0.7 / voices**0.5)).pan(0.0))
    return v


def subtractive(g: Graph, voices: int = 16) -> Voices:
    """The library's two-oscillator subtractive synth (:meth:`chronus.Graph.subtractive`)
    with a warm, slightly detuned patch, in stereo."""
    synth = g.subtractive(voices, detune=0.08, cutoff=900.0, resonance=1.3, filter_env=2.5, volume=0.25)
    g.output(synth.pan(0.0))
    return synth.voices


def fm_piano(g: Graph, voices: int = 16) -> Voices:
    """An FM electric piano: two carrier/modulator pairs (algorithm 5), the upper pair a
    bright tine that decays fast."""
    v = g.voices(voices, name="fm_piano")
    ops = [
        Operator(ratio=1.0, level=0.6, decay=2.5, sustain=0.0, release=0.4),
        Operator(ratio=1.0, level=1.2, vel=0.8, decay=1.5, sustain=0.0, release=0.4),
        Operator(ratio=14.0, level=0.15, decay=0.25, sustain=0.0, release=0.2),
        Operator(ratio=1.0, level=2.0, vel=0.9, decay=0.4, sustain=0.0, release=0.2),
    ]
    g.output((g.fm(ops, algorithm=5, voices=v).sum() * (1.5 / voices**0.5)).pan(0.0))
    return v


#: Instruments by name, as ``chronus render song.mid --instrument NAME`` knows them.
PRESETS: dict[str, Callable[[Graph], Voices]] = {
    "poly_saw": poly_saw,
    "sine_keys": sine_keys,
    "subtractive": subtractive,
    "fm_piano": fm_piano,
}
