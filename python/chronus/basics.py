"""Builders for the core node library: sources, arithmetic, mixing, filters, envelopes,
delays. :class:`chronus.Graph` inherits them; every method adds one node and returns it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from . import _core
from .signal import FeedbackNode, Node, ParamValue, Signal

#: Q of a maximally flat (Butterworth) second-order filter.
BUTTERWORTH_Q = math.sqrt(0.5)


class BasicNodes:
    """Builder methods for the core nodes (mixed into :class:`chronus.Graph`)."""

    # Provided by Graph: adds a node of any kind and wires it up.
    add_node: Callable[..., Node]

    # -- sources ----------------------------------------------------------------------
    def sine(self, freq: ParamValue = 440.0, *, phase: float = 0.0, name: str | None = None) -> Node:
        """Sine oscillator. ``freq`` in Hz, ``phase`` the starting phase in cycles."""
        return self.add_node("sine", params={"freq": freq}, options={"phase": phase}, name=name)

    def saw(self, freq: ParamValue = 440.0, *, phase: float = 0.0, name: str | None = None) -> Node:
        """Band-limited rising sawtooth (-1 to 1), ``freq`` in Hz."""
        return self.add_node("saw", params={"freq": freq}, options={"phase": phase}, name=name)

    def square(self, freq: ParamValue = 440.0, *, phase: float = 0.0, name: str | None = None) -> Node:
        """Band-limited square, ``freq`` in Hz."""
        return self.add_node("square", params={"freq": freq}, options={"phase": phase}, name=name)

    def pulse(
        self,
        freq: ParamValue = 440.0,
        width: ParamValue = 0.5,
        *,
        phase: float = 0.0,
        name: str | None = None,
    ) -> Node:
        """Band-limited pulse, ``freq`` in Hz, ``width`` the fraction of the cycle spent high."""
        return self.add_node(
            "pulse", params={"freq": freq, "width": width}, options={"phase": phase}, name=name
        )

    def triangle(self, freq: ParamValue = 440.0, *, phase: float = 0.0, name: str | None = None) -> Node:
        """Band-limited triangle, ``freq`` in Hz."""
        return self.add_node("triangle", params={"freq": freq}, options={"phase": phase}, name=name)

    def noise(
        self, color: str = "white", *, seed: int = 0, channels: int = 1, name: str | None = None
    ) -> Node:
        """White (uniform in [-1, 1)) or pink (-3 dB/octave) noise; ``channels`` independent lanes."""
        return self.add_node("noise", options={"color": color, "seed": seed, "channels": channels}, name=name)

    def input(self, channels: int = 1, *, offset: int = 0, name: str | None = None) -> Node:
        """Device input: ``channels`` channels from device channel ``offset`` (0-based) on;
        silent offline unless :func:`chronus.render` is given ``input=``."""
        return self.add_node("input", options={"channels": channels, "offset": offset}, name=name)

    def const(self, value: ParamValue, *, name: str | None = None) -> Node:
        """A constant signal (one value per lane allowed)."""
        return self.add_node("const", params={"value": value}, name=name)

    # -- arithmetic and mixing ----------------------------------------------------------
    def muladd(
        self,
        input: Signal | Sequence[Signal] | None = None,
        mul: ParamValue = 1.0,
        add: ParamValue = 0.0,
        *,
        name: str | None = None,
    ) -> Node:
        """``input * mul + add``; several inputs are summed first."""
        inputs = {} if input is None else {"in": input}
        return self.add_node("muladd", inputs=inputs, params={"mul": mul, "add": add}, name=name)

    def mixer(
        self,
        *inputs: Signal,
        gains: Sequence[ParamValue] | None = None,
        gain: ParamValue = 1.0,
        name: str | None = None,
    ) -> Node:
        """Mixes up to eight signals, each with a linear gain, then a master ``gain``."""
        if len(inputs) > 8:
            raise _core.GraphError(f"mixer takes at most 8 inputs, got {len(inputs)}; chain two mixers")
        gains = list(gains) if gains is not None else [1.0] * len(inputs)
        if len(gains) != len(inputs):
            raise _core.GraphError(f"mixer got {len(inputs)} inputs but {len(gains)} gains")
        params: dict[str, ParamValue] = {f"gain{i + 1}": g for i, g in enumerate(gains)}
        params["gain"] = gain
        return self.add_node(
            "mixer", inputs={f"in{i + 1}": s for i, s in enumerate(inputs)}, params=params, name=name
        )

    def stack(self, *signals: Signal, name: str | None = None) -> Node:
        """Puts signals side by side as channels (two mono signals make a stereo pair)."""
        if not 1 <= len(signals) <= 8:
            raise _core.GraphError(f"stack takes 1 to 8 signals, got {len(signals)}")
        return self.add_node(
            "stack",
            inputs={f"in{i + 1}": s for i, s in enumerate(signals)},
            options={"inputs": len(signals)},
            name=name,
        )

    def sum(self, input: Signal | None = None, *, channels: int = 1, name: str | None = None) -> Node:
        """Sums the lanes of ``input`` down to ``channels`` (lane c goes to channel c mod channels)."""
        inputs = {} if input is None else {"in": input}
        return self.add_node("sum", inputs=inputs, options={"channels": channels}, name=name)

    def pan(self, input: Signal | None = None, pan: ParamValue = 0.0, *, name: str | None = None) -> Node:
        """Equal-power stereo pan of each lane (-1 left, 1 right), summed to one stereo pair."""
        inputs = {} if input is None else {"in": input}
        return self.add_node("pan", inputs=inputs, params={"pan": pan}, name=name)

    # -- filters ------------------------------------------------------------------------
    def biquad(
        self,
        input: Signal | None = None,
        *,
        mode: str = "lowpass",
        freq: ParamValue = 1000.0,
        q: ParamValue = BUTTERWORTH_Q,
        gain: ParamValue = 0.0,
        name: str | None = None,
    ) -> Node:
        """RBJ-cookbook biquad: ``mode`` is lowpass, highpass, bandpass, notch, peak, lowshelf,
        highshelf or allpass; ``freq`` in Hz, ``gain`` in dB (peak and shelves)."""
        inputs = {} if input is None else {"in": input}
        return self.add_node(
            "biquad",
            inputs=inputs,
            params={"freq": freq, "q": q, "gain": gain},
            options={"mode": mode},
            name=name,
        )

    def svf(
        self,
        input: Signal | None = None,
        *,
        mode: str = "lowpass",
        cutoff: ParamValue = 1000.0,
        q: ParamValue = BUTTERWORTH_Q,
        name: str | None = None,
    ) -> Node:
        """State-variable filter (stable under fast modulation): lowpass, highpass, bandpass,
        notch, peak or allpass; ``cutoff`` in Hz."""
        inputs = {} if input is None else {"in": input}
        return self.add_node(
            "svf", inputs=inputs, params={"cutoff": cutoff, "q": q}, options={"mode": mode}, name=name
        )

    def lowpass(
        self,
        input: Signal | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = BUTTERWORTH_Q,
        *,
        name: str | None = None,
    ) -> Node:
        """12 dB/octave resonant lowpass (state-variable), ``cutoff`` in Hz."""
        return self.svf(input, mode="lowpass", cutoff=cutoff, q=q, name=name)

    def highpass(
        self,
        input: Signal | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = BUTTERWORTH_Q,
        *,
        name: str | None = None,
    ) -> Node:
        """12 dB/octave resonant highpass (state-variable), ``cutoff`` in Hz."""
        return self.svf(input, mode="highpass", cutoff=cutoff, q=q, name=name)

    def bandpass(
        self,
        input: Signal | None = None,
        cutoff: ParamValue = 1000.0,
        q: ParamValue = BUTTERWORTH_Q,
        *,
        name: str | None = None,
    ) -> Node:
        """Bandpass with 0 dB peak at ``cutoff`` (Hz); bandwidth narrows as ``q`` grows."""
        return self.svf(input, mode="bandpass", cutoff=cutoff, q=q, name=name)

    # -- envelopes and time -------------------------------------------------------------
    def adsr(
        self,
        gate: ParamValue = 0.0,
        attack: ParamValue = 0.01,
        decay: ParamValue = 0.1,
        sustain: ParamValue = 0.7,
        release: ParamValue = 0.3,
        *,
        trigger: ParamValue = 0.0,
        name: str | None = None,
    ) -> Node:
        """Linear ADSR envelope (0 to 1); times in seconds, ``gate`` above 0.5 is on, a rising
        ``trigger`` restarts the attack while the gate stays on."""
        params = {
            "gate": gate,
            "attack": attack,
            "decay": decay,
            "sustain": sustain,
            "release": release,
            "trigger": trigger,
        }
        return self.add_node("adsr", params=params, name=name)

    def delay(
        self,
        input: Signal | None = None,
        time: ParamValue = 0.25,
        feedback: ParamValue = 0.0,
        mix: ParamValue = 1.0,
        *,
        lowcut: ParamValue = 0.0,
        highcut: ParamValue = 100_000.0,
        max_time: float = 2.0,
        name: str | None = None,
    ) -> Node:
        """Delay line, one per lane (per-lane times make a stereo delay: ``time=[0.3, 0.45]``).

        ``time`` in seconds (fractional, modulatable, at most ``max_time``; see
        :func:`chronus.beats` for tempo-synced times), ``feedback`` gain, ``mix`` from 0 (dry)
        to 1 (delayed only). ``lowcut`` and ``highcut`` (Hz) are 6 dB/octave filters in the
        feedback loop, so each repeat gets thinner or darker; 0 and anything at or above half
        the sample rate switch them off.
        """
        inputs = {} if input is None else {"in": input}
        return self.add_node(
            "delay",
            inputs=inputs,
            params={"time": time, "feedback": feedback, "mix": mix, "lowcut": lowcut, "highcut": highcut},
            options={"max_time": max_time},
            name=name,
        )

    def feedback(self, channels: int = 1, *, name: str | None = None) -> FeedbackNode:
        """A loop point with one block of delay; close it with ``.feed(signal)``."""
        node = self.add_node("feedback", options={"channels": channels}, name=name)
        assert isinstance(node, FeedbackNode)
        return node
