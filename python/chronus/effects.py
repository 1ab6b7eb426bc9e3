"""Builders for the effect nodes: reverbs, delays, modulation, dynamics, distortion, EQ and
stereo utilities. :class:`chronus.Graph` inherits them; every method adds one node and
returns it, with ``input`` first so that ``sig >> g.reverb(...)`` works.

Channel-wise effects (EQ, distortion, chorus, ...) run one lane per input channel.
Reverbs, ping-pong, width and mid/side take mono or stereo and give stereo. Compressor,
expander and limiter link the channels of their input (one gain for all). Effects that
delay what passes through them (limiter lookahead, oversampling, through-zero flanging)
report it: ``g.info()["latency"][node.id]`` in frames.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from . import _core
from .basics import BUTTERWORTH_Q
from .signal import Node, ParamValue, Signal


def beats(count: float, bpm: float) -> float:
    """Duration of ``count`` beats at ``bpm`` beats per minute, in seconds: tempo-synced times.

    A beat is whatever the tempo counts (a quarter note in 4/4), so at 120 BPM
    ``beats(1, 120)`` is 0.5 s, a dotted eighth is ``beats(0.75, 120)`` = 0.375 s and a
    triplet eighth ``beats(1 / 3, 120)``. Use it wherever a time in seconds goes, e.g.
    ``g.delay(x, time=cx.beats(0.75, bpm=120))`` or ``g.chorus(x, rate=1 / cx.beats(4, 120))``.
    These are fixed; for times that follow the tempo map and live tempo changes, modulate
    with the transport's clock instead: ``g.delay(x, time=g.clock().period * 0.75)``.
    """
    if not (math.isfinite(count) and count >= 0):
        raise ValueError(f"count must be a number of beats >= 0, got {count}")
    if not (math.isfinite(bpm) and bpm > 0):
        raise ValueError(f"bpm must be a tempo > 0 beats per minute, got {bpm}")
    return 60.0 * count / bpm


#: Most bands one ``eq`` node holds (chain two nodes for more).
EQ_BANDS = 8

#: A band of :meth:`EffectNodes.eq`; see its docstring for the forms.
Band = Sequence[Any]

_CUT_SLOPES = (12, 24, 48)


def _eq_band(index: int, band: Band) -> tuple[str, dict[str, ParamValue]]:
    """The option value and parameters of band ``index`` (1-based) described by ``band``."""
    if isinstance(band, str) or not isinstance(band, Sequence) or not band:
        raise _core.GraphError(f"eq band {index} must be a tuple such as ('peak', 1000, 3.0), got {band!r}")
    kind, *args = band
    if kind in ("peak", "lowshelf", "highshelf"):
        if not 2 <= len(args) <= 3:
            raise _core.GraphError(f"eq band {index}: ({kind!r}, freq, gain_db[, q]) expected, got {band!r}")
        default_q = 1.0 if kind == "peak" else BUTTERWORTH_Q
        freq, gain, q = (*args, default_q)[:3]
        return kind, {f"freq{index}": freq, f"gain{index}": gain, f"q{index}": q}
    if kind in ("lowcut", "highcut"):
        if not 1 <= len(args) <= 2:
            raise _core.GraphError(f"eq band {index}: ({kind!r}, freq[, slope]) expected, got {band!r}")
        freq, slope = (*args, 12)[:2]
        if slope not in _CUT_SLOPES:
            raise _core.GraphError(f"eq band {index}: {kind} slope must be 12, 24 or 48 dB/oct, got {slope}")
        return f"{kind}{slope}", {f"freq{index}": freq}
    raise _core.GraphError(
        f"eq band {index}: unknown type {kind!r} (types: peak, lowshelf, highshelf, lowcut, highcut)"
    )


class EffectNodes:
    """Builder methods for the effect nodes (mixed into :class:`chronus.Graph`)."""

    # Provided by Graph: adds a node of any kind and wires it up.
    add_node: Callable[..., Node]

    # -- reverbs ----------------------------------------------------------------------
    def reverb(
        self,
        input: Signal | None = None,
        decay: ParamValue = 1.5,
        damping: ParamValue = 0.5,
        predelay: ParamValue = 0.0,
        width: ParamValue = 1.0,
        mix: ParamValue = 0.3,
        *,
        size: float = 1.0,
        modulation: float = 0.0,
        name: str | None = None,
    ) -> Node:
        """Feedback-delay-network reverb (8 lines, Hadamard matrix), mono or stereo in, stereo out.

        ``decay`` is the RT60 in seconds (time for the tail to fall 60 dB), ``damping`` from 0
        to 1 shortens the decay of high frequencies (to a tenth of ``decay`` at Nyquist at 1),
        ``predelay`` in seconds, ``width`` from 0 (mono) to 1, ``mix`` from 0 (dry) to 1
        (wet). ``size`` scales the delay lines (room size, 0.25 to 4). ``modulation`` from
        0 (off) to 1 slowly moves the lines' taps (up to 0.25 ms), so long tails stop ringing
        on fixed resonances; it costs about twice the CPU of the unmodulated network.
        """
        return self._effect(
            "reverb",
            input,
            {"decay": decay, "damping": damping, "predelay": predelay, "width": width, "mix": mix},
            {"size": size, "modulation": modulation},
            name,
        )

    def freeverb(
        self,
        input: Signal | None = None,
        decay: ParamValue = 1.5,
        damping: ParamValue = 0.5,
        predelay: ParamValue = 0.0,
        width: ParamValue = 1.0,
        mix: ParamValue = 0.3,
        *,
        name: str | None = None,
    ) -> Node:
        """Freeverb-style reverb (8 damped combs, 4 all-passes per channel), stereo out.

        Same parameters as :meth:`reverb`: ``decay`` RT60 in seconds, ``damping`` 0 to 1,
        ``predelay`` in seconds, ``width`` 0 to 1, ``mix`` 0 (dry) to 1 (wet).
        """
        params = {"decay": decay, "damping": damping, "predelay": predelay, "width": width, "mix": mix}
        return self._effect("freeverb", input, params, {}, name)

    # -- delays -----------------------------------------------------------------------
    def pingpong(
        self,
        input: Signal | None = None,
        time: ParamValue = 0.25,
        feedback: ParamValue = 0.5,
        mix: ParamValue = 0.5,
        *,
        lowcut: ParamValue = 0.0,
        highcut: ParamValue = 100_000.0,
        max_time: float = 2.0,
        name: str | None = None,
    ) -> Node:
        """Ping-pong delay: echoes alternate left and right; mono or stereo in, stereo out.

        ``time`` in seconds between echoes (two values set left and right separately; see
        :func:`chronus.beats` for tempo sync), ``feedback`` the gain of each bounce, ``mix``
        0 (dry) to 1 (echoes only), ``lowcut``/``highcut`` in Hz filter every repeat
        (0 and anything at or above half the sample rate switch them off).
        For a mono or per-channel delay use :meth:`delay`.
        """
        params = {"time": time, "feedback": feedback, "mix": mix, "lowcut": lowcut, "highcut": highcut}
        return self._effect("pingpong", input, params, {"max_time": max_time}, name)

    # -- modulation -------------------------------------------------------------------
    def chorus(
        self,
        input: Signal | None = None,
        rate: ParamValue = 1.0,
        depth: ParamValue = 0.002,
        delay: ParamValue = 0.007,
        feedback: ParamValue = 0.0,
        mix: ParamValue = 0.5,
        *,
        spread: float = 0.25,
        name: str | None = None,
    ) -> Node:
        """Chorus per channel: a delay of ``delay`` ± ``depth`` seconds swept at ``rate`` Hz.

        ``feedback`` from -0.99 to 0.99, ``mix`` 0 (dry) to 1 (wet); ``spread`` is the LFO
        phase offset between channels in cycles (0.25: left and right in quadrature).
        """
        params = {"rate": rate, "depth": depth, "delay": delay, "feedback": feedback, "mix": mix}
        return self._effect("chorus", input, params, {"spread": spread}, name)

    def flanger(
        self,
        input: Signal | None = None,
        rate: ParamValue = 0.25,
        depth: ParamValue = 0.002,
        delay: ParamValue = 0.002,
        feedback: ParamValue = 0.5,
        mix: ParamValue = 0.5,
        *,
        through_zero: bool = False,
        spread: float = 0.25,
        name: str | None = None,
    ) -> Node:
        """Flanger per channel: a short delay of ``delay`` ± ``depth`` seconds (depth at most
        10 ms) swept at ``rate`` Hz, with ``feedback`` (-0.99 to 0.99) and ``mix``.

        ``through_zero`` delays the dry path by 10 ms (reported as latency) and makes
        ``delay`` the wet tap's offset from it, so with ``delay=0`` the sweep passes through
        zero and cancels completely there.
        """
        params = {"rate": rate, "depth": depth, "delay": delay, "feedback": feedback, "mix": mix}
        options = {"spread": spread, "through_zero": "on" if through_zero else "off"}
        return self._effect("flanger", input, params, options, name)

    def phaser(
        self,
        input: Signal | None = None,
        rate: ParamValue = 0.5,
        freq: ParamValue = 1000.0,
        depth: ParamValue = 1.0,
        feedback: ParamValue = 0.0,
        mix: ParamValue = 0.5,
        *,
        stages: int = 4,
        spread: float = 0.25,
        name: str | None = None,
    ) -> Node:
        """Phaser per channel: ``stages`` first-order all-passes (``stages / 2`` notches at
        ``mix=0.5``) swept at ``rate`` Hz around ``freq`` Hz by ± ``depth`` octaves, with
        ``feedback`` (-0.99 to 0.99); ``spread`` offsets the channels' LFOs (cycles)."""
        params = {"rate": rate, "freq": freq, "depth": depth, "feedback": feedback, "mix": mix}
        return self._effect("phaser", input, params, {"stages": stages, "spread": spread}, name)

    # -- dynamics ---------------------------------------------------------------------
    def compressor(
        self,
        input: Signal | None = None,
        threshold: ParamValue = -20.0,
        ratio: ParamValue = 4.0,
        *,
        knee: ParamValue = 6.0,
        attack: ParamValue = 0.005,
        release: ParamValue = 0.1,
        makeup: ParamValue = 0.0,
        mix: ParamValue = 1.0,
        sidechain: Signal | None = None,
        detector: str = "peak",
        window: float = 0.01,
        name: str | None = None,
    ) -> Node:
        """Feed-forward compressor with linked channels.

        ``threshold`` in dB, ``ratio`` (4 means 4 dB in for 1 dB out above the threshold),
        ``knee`` width in dB, ``attack``/``release`` time constants in seconds (63 % of a
        change in gain reduction), ``makeup`` gain in dB, ``mix`` 0 (dry) to 1 for parallel
        compression. ``sidechain`` keys the detector on another signal (ducking).
        ``detector`` is "peak" or "rms" (RMS time constant ``window`` seconds). The gain
        reduction in dB is the output ``node.out("reduction")``.
        """
        params = {
            "threshold": threshold,
            "ratio": ratio,
            "knee": knee,
            "attack": attack,
            "release": release,
            "makeup": makeup,
            "mix": mix,
        }
        options = {"detector": detector, "window": window}
        return self._effect("compressor", input, params, options, name, sidechain)

    def expander(
        self,
        input: Signal | None = None,
        threshold: ParamValue = -50.0,
        ratio: ParamValue = 2.0,
        *,
        knee: ParamValue = 6.0,
        attack: ParamValue = 0.001,
        release: ParamValue = 0.1,
        hold: ParamValue = 0.0,
        range: ParamValue = 80.0,
        sidechain: Signal | None = None,
        detector: str = "peak",
        window: float = 0.01,
        name: str | None = None,
    ) -> Node:
        """Downward expander with linked channels: below ``threshold`` (dB) the level falls
        ``ratio`` dB per dB, by at most ``range`` dB. ``attack`` (opening) and ``release``
        (closing, after ``hold``) are time constants in seconds; ``knee`` in dB.
        ``sidechain``, ``detector`` and ``window`` as for :meth:`compressor`."""
        params = {
            "threshold": threshold,
            "ratio": ratio,
            "knee": knee,
            "attack": attack,
            "release": release,
            "hold": hold,
            "range": range,
        }
        options = {"detector": detector, "window": window}
        return self._effect("expander", input, params, options, name, sidechain)

    def noise_gate(
        self,
        input: Signal | None = None,
        threshold: ParamValue = -50.0,
        *,
        attack: ParamValue = 0.001,
        hold: ParamValue = 0.05,
        release: ParamValue = 0.05,
        range: ParamValue = 80.0,
        sidechain: Signal | None = None,
        name: str | None = None,
    ) -> Node:
        """A gate: an :meth:`expander` with a hard knee and a ratio of 1000, so everything
        below ``threshold`` (dB) drops by ``range`` dB; times in seconds."""
        return self.expander(
            input,
            threshold,
            1000.0,
            knee=0.0,
            attack=attack,
            release=release,
            hold=hold,
            range=range,
            sidechain=sidechain,
            name=name,
        )

    def limiter(
        self,
        input: Signal | None = None,
        ceiling: ParamValue = -1.0,
        release: ParamValue = 0.1,
        *,
        lookahead: float = 0.005,
        name: str | None = None,
    ) -> Node:
        """Lookahead brick-wall limiter: the output's sample peak never exceeds ``ceiling``
        (dB). Gain reduction ramps in over ``lookahead`` seconds, which delays the signal
        (the node's latency, in ``g.info()["latency"]``), and recovers with time constant
        ``release`` seconds. Channels are linked; gain reduction in dB is ``out("reduction")``."""
        params = {"ceiling": ceiling, "release": release}
        return self._effect("limiter", input, params, {"lookahead": lookahead}, name)

    # -- distortion -------------------------------------------------------------------
    def distortion(
        self,
        input: Signal | None = None,
        drive: ParamValue = 12.0,
        mix: ParamValue = 1.0,
        *,
        shape: str = "tanh",
        oversample: int = 1,
        name: str | None = None,
    ) -> Node:
        """Waveshaper ``shape(drive * x)`` per channel, ``drive`` in dB, ``mix`` 0 to 1.

        ``shape``: "tanh", "soft" (cubic), "hard" (clip at ±1) or "fold" (foldback at ±1).
        ``oversample`` 2, 4 or 8 runs the curve at that multiple of the sample rate to keep
        aliasing down (linear-phase filters; their delay is the node's latency).
        """
        options = {"shape": shape, "oversample": oversample}
        return self._effect("distortion", input, {"drive": drive, "mix": mix}, options, name)

    def bitcrusher(
        self,
        input: Signal | None = None,
        bits: ParamValue = 8.0,
        rate: ParamValue = 100_000.0,
        mix: ParamValue = 1.0,
        *,
        name: str | None = None,
    ) -> Node:
        """Bit crusher per channel: ``bits`` of resolution (fractional allowed) and
        sample-and-hold at ``rate`` Hz (at or above the sample rate: off); ``mix`` 0 to 1."""
        return self._effect("bitcrusher", input, {"bits": bits, "rate": rate, "mix": mix}, {}, name)

    # -- equalizer --------------------------------------------------------------------
    def eq(self, input: Signal | None = None, bands: Sequence[Band] = (), *, name: str | None = None) -> Node:
        """Parametric EQ per channel with up to 8 bands in series.

        Each band is a tuple (frequencies in Hz, gains in dB; any value may be a number,
        per-channel numbers, or a modulating signal):

        - ``("peak", freq, gain, q=1.0)``: a bell;
        - ``("lowshelf", freq, gain, q=0.707)`` and ``("highshelf", ...)``;
        - ``("lowcut", freq, slope=12)`` and ``("highcut", freq, slope=12)``: Butterworth
          filters of 12, 24 or 48 dB/octave, -3 dB at ``freq``.

        Band ``i`` (from 1) appears as parameters ``freq{i}``, ``gain{i}``, ``q{i}``, e.g.
        ``eq = g.eq(x, bands=[("lowcut", 80, 24), ("peak", 1000, 3.0, 1.2)])`` then
        ``eq.gain2 = 6.0`` or ``g.set(eq.freq2, 1500, at=1.0)``.
        """
        bands = list(bands)
        if len(bands) > EQ_BANDS:
            raise _core.GraphError(
                f"eq takes at most {EQ_BANDS} bands, got {len(bands)}; chain two: g.eq(g.eq(x, first), rest)"
            )
        options: dict[str, float | str] = {}
        params: dict[str, ParamValue] = {}
        for i, band in enumerate(bands, start=1):
            options[f"band{i}"], band_params = _eq_band(i, band)
            params.update(band_params)
        return self._effect("eq", input, params, options, name)

    # -- utilities --------------------------------------------------------------------
    def gain(self, input: Signal | None = None, gain: ParamValue = 0.0, *, name: str | None = None) -> Node:
        """Gain in dB per channel (changes glide in dB)."""
        return self._effect("gain", input, {"gain": gain}, {}, name)

    def dc_blocker(
        self, input: Signal | None = None, cutoff: ParamValue = 10.0, *, name: str | None = None
    ) -> Node:
        """Removes DC: a first-order highpass with its corner at ``cutoff`` Hz."""
        return self._effect("dcblock", input, {"cutoff": cutoff}, {}, name)

    def mid_side(self, input: Signal | None = None, *, decode: bool = False, name: str | None = None) -> Node:
        """Left/right to mid/side (``mid = (L + R) / 2``, ``side = (L - R) / 2``), or back
        with ``decode=True`` (``L = mid + side``, ``R = mid - side``)."""
        return self._effect("midside", input, {}, {"mode": "decode" if decode else "encode"}, name)

    def width(self, input: Signal | None = None, width: ParamValue = 1.0, *, name: str | None = None) -> Node:
        """Stereo width: 0 folds to mono, 1 leaves the image, up to 4 widens (side gain)."""
        return self._effect("width", input, {"width": width}, {}, name)

    def meter(
        self,
        input: Signal | None = None,
        *,
        window: float = 0.3,
        release: float = 1.5,
        name: str | None = None,
    ) -> Node:
        """A meter tap: passes ``input`` through unchanged and measures it per channel.

        ``node.out("peak")`` is the peak level (instant rise, falling with time constant
        ``release`` seconds) and ``node.out("rms")`` the RMS level (time constant ``window``
        seconds), both linear; render them, or use them to modulate other parameters.
        """
        return self._effect("meter", input, {}, {"window": window, "release": release}, name)

    # -- shared -----------------------------------------------------------------------
    def _effect(
        self,
        kind: str,
        input: Signal | None,
        params: dict[str, ParamValue],
        options: dict[str, float | str],
        name: str | None,
        sidechain: Signal | None = None,
    ) -> Node:
        inputs: dict[str, Signal] = {}
        if input is not None:
            inputs["in"] = input
        if sidechain is not None:
            inputs["sidechain"] = sidechain
        return self.add_node(kind, inputs=inputs, params=params, options=options, name=name)
