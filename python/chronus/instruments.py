"""Builders for instruments: voice allocation (and the synths built on it).

:class:`chronus.Graph` inherits them. A polyphonic instrument is a voice allocator whose
outputs (one lane per voice) drive ordinary nodes, which then run every voice as lanes:

>>> import chronus as cx
>>> g = cx.Graph()
>>> v = g.voices(16)
>>> amp = g.adsr(gate=v.gate, trigger=v.trigger, release=0.2)
>>> _ = g.output((g.saw(v.freq) * amp * v.velocity).sum() * 0.2)
>>> g.note(v, 60, at=0.0, duration=0.5)
"""

from __future__ import annotations

from collections.abc import Callable

from .signal import Node, ParamValue, Signal


class VoicesNode(Node):
    """A voice allocator; its outputs carry one lane per voice."""

    #: Number of voices.
    count: int

    @property
    def freq(self) -> Signal:
        """Frequency of each voice in Hz."""
        return self.out("freq")

    @property
    def gate(self) -> Signal:
        """1 while each voice's key (or the sustain pedal) is down."""
        return self.out("gate")

    @property
    def velocity(self) -> Signal:
        """Velocity of each voice's note, (0, 1]."""
        return self.out("velocity")

    @property
    def note(self) -> Signal:
        """MIDI note number of each voice."""
        return self.out("note")

    @property
    def trigger(self) -> Signal:
        """1 on the frame a note starts on each voice (retriggers envelopes)."""
        return self.out("trigger")

    def track(self, level: Signal) -> VoicesNode:
        """Reports each voice's loudness (e.g. its amplitude envelope) for ``steal="quietest"``.

        The level reaches the allocator through a feedback node, one block late, which is
        what breaks the loop allocator -> envelope -> allocator.
        """
        loop = self._graph.feedback(channels=self.count)
        loop.feed(level)
        self.connect("level", loop)
        return self


class InstrumentNodes:
    """Builder methods for instruments (mixed into :class:`chronus.Graph`)."""

    # Provided by Graph: adds a node of any kind and wires it up.
    add_node: Callable[..., Node]

    def voices(
        self,
        voices: int = 8,
        *,
        steal: str = "oldest",
        mode: str = "poly",
        glide: ParamValue = 0.0,
        velocity_curve: ParamValue = 1.0,
        tuning: float = 440.0,
        bend_range: ParamValue = 2.0,
        name: str | None = None,
    ) -> VoicesNode:
        """A voice allocator for ``voices`` voices; send it notes with :meth:`Graph.note`.

        Args:
            voices: number of voices (lanes of every output).
            steal: "oldest" or "quietest" (see :meth:`VoicesNode.track`): which sounding
                voice a note takes when none is free.
            mode: "poly" (a voice per note), "mono" (every voice plays the last key held and
                retriggers on each note; several voices make a unison stack) or "legato"
                (like mono, but overlapping keys only change the pitch).
            glide: portamento time in seconds, linear in pitch (0 jumps); legato mode
                glides only between overlapping keys.
            velocity_curve: exponent applied to velocities (1 linear, 2 needs harder playing).
            tuning: frequency of A4 in Hz.
            bend_range: pitch-bend range in semitones (bend is per MIDI channel).
        """
        node = self.add_node(
            "voices",
            params={"bend_range": bend_range, "glide": glide, "velocity_curve": velocity_curve},
            options={"voices": voices, "steal": steal, "mode": mode, "tuning": tuning},
            name=name,
        )
        assert isinstance(node, VoicesNode)
        object.__setattr__(node, "count", int(voices))
        return node
