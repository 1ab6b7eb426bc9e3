"""Builders written by hand: the node kinds whose arguments are structured (a list of
signals to mix or stack, the bands of an equalizer), presets of another kind (a noise gate
is an expander), and older names kept working. Every other kind's builder is generated
from its spec into :mod:`chronus.nodes`. :class:`chronus.Graph` inherits them all."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import _core
from .nodes import Dcblock, Eq, Expander, Midside, Mixer, NodeBuilders, Probe, Stack
from .signal import ParamValue, Signal

if TYPE_CHECKING:
    from .signal import Node

#: Inputs a mixer or stack node takes (chain two for more).
MIX_INPUTS = 8
#: Most bands one ``eq`` node holds (chain two nodes for more).
EQ_BANDS = 8
#: A band of :meth:`HandBuilders.eq`; see its docstring for the forms.
Band = Sequence[Any]

_CUT_SLOPES = (12, 24, 48)


def _signals(call: str, signals: Sequence[object]) -> list[Signal]:
    """``signals`` checked one by one: each must be a signal (a list in their place is the
    usual slip: ``g.stack([a, b])`` for ``g.stack(a, b)``)."""
    for i, s in enumerate(signals, start=1):
        if not isinstance(s, Signal):
            hint = (
                f"; pass them as separate arguments: g.{call}(a, b)" if isinstance(s, (list, tuple)) else ""
            )
            raise TypeError(f"{call}() argument {i} must be a signal, got {type(s).__name__}{hint}")
    if not 1 <= len(signals) <= MIX_INPUTS:
        raise _core.GraphError(f"{call} takes 1 to {MIX_INPUTS} signals, got {len(signals)}; chain two")
    return list(signals)  # type: ignore[arg-type]


def _eq_band(index: int, band: Band) -> tuple[str, dict[str, ParamValue]]:
    """The option value and parameters of band ``index`` (1-based) described by ``band``."""
    if isinstance(band, str) or not isinstance(band, Sequence) or not band:
        raise _core.GraphError(f"eq band {index} must be a tuple such as ('peak', 1000, 3.0), got {band!r}")
    kind, *args = band
    if kind in ("peak", "lowshelf", "highshelf"):
        if not 2 <= len(args) <= 3:
            raise _core.GraphError(f"eq band {index}: ({kind!r}, freq, gain_db[, q]) expected, got {band!r}")
        default_q = Eq.spec_default(f"q{index}") if kind != "peak" else 1.0
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


class HandBuilders(NodeBuilders):
    """Builders written by hand, beside the generated ones (mixed into :class:`chronus.Graph`)."""

    if TYPE_CHECKING:

        def nodes(self) -> list[Node]: ...

    def mixer(
        self,
        *inputs: Signal,
        gains: Sequence[ParamValue] | None = None,
        gain: ParamValue = 1.0,
        name: str | None = None,
    ) -> Mixer:
        """Mixes up to eight signals, each with its own linear gain (``gains``, one per
        input; 1 by default), then a master ``gain``. The gains are parameters
        ``gain1`` ... ``gain8`` and ``gain``."""
        signals = _signals("mixer", inputs)
        gains = list(gains) if gains is not None else [1.0] * len(signals)
        if len(gains) != len(signals):
            raise _core.GraphError(f"mixer got {len(signals)} inputs but {len(gains)} gains")
        params: dict[str, ParamValue] = {f"gain{i + 1}": g for i, g in enumerate(gains)}
        params["gain"] = gain
        ports: dict[str, Signal | Sequence[Signal] | None] = {f"in{i + 1}": s for i, s in enumerate(signals)}
        return self._add(Mixer, ports, params, {}, name)

    def stack(self, *signals: Signal, name: str | None = None) -> Stack:
        """Puts signals side by side as channels (two mono signals make a stereo pair)."""
        parts = _signals("stack", signals)
        ports: dict[str, Signal | Sequence[Signal] | None] = {f"in{i + 1}": s for i, s in enumerate(parts)}
        return self._add(Stack, ports, {}, {"inputs": len(parts)}, name)

    def eq(self, input: Signal | None = None, bands: Sequence[Band] = (), *, name: str | None = None) -> Eq:
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
        options: dict[str, object] = {}
        params: dict[str, ParamValue] = {}
        for i, band in enumerate(bands, start=1):
            options[f"band{i}"], band_params = _eq_band(i, band)
            params.update(band_params)
        return self._add(Eq, {"in": input}, params, options, name)

    def probe(
        self,
        input: Signal | None = None,
        label: str | None = None,
        *,
        window: int = 256,
        buffer: float = 10.0,
    ) -> Probe:
        """A probe: passes ``input`` through unchanged and measures the minimum, maximum, RMS
        and count of NaN/infinite samples of every window of ``window`` frames, per lane.
        ``label`` names it (it is the node's name, so unique in the graph; default
        ``probe#id``): ``live.probes()[label]`` is its latest window and
        ``cx.render(..., probes=True)`` returns every window (:mod:`chronus.probes`). The
        outputs ``min``, ``max``, ``rms`` and ``nonfinite`` hold the latest window's figures
        as signals (``live.read(p.rms)``). ``buffer`` is how many seconds of windows wait
        for a live reader that falls behind."""
        if label is not None and not isinstance(label, str):
            raise TypeError(f"probe() label must be a string, got {type(label).__name__}")
        if label is not None and any(n.kind == "probe" and n.name == label for n in self.nodes()):
            raise _core.GraphError(f"the graph has a probe labelled '{label}' already: labels name probes")
        return self._add(Probe, {"in": input}, {}, {"window": window, "buffer": buffer}, label)

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
    ) -> Expander:
        """A gate: an expander (see :meth:`chronus.Graph.expander`) with a hard knee and a
        ratio of 1000, so everything below ``threshold`` (dB) drops by ``range`` dB; times
        in seconds."""
        params: dict[str, ParamValue] = {
            "threshold": threshold,
            "ratio": 1000.0,
            "knee": 0.0,
            "attack": attack,
            "release": release,
            "hold": hold,
            "range": range,
        }
        return self._add(Expander, {"in": input, "sidechain": sidechain}, params, {}, name, "noise_gate")

    # -- older names ----------------------------------------------------------------------
    def dc_blocker(
        self, input: Signal | None = None, cutoff: ParamValue = 10.0, *, name: str | None = None
    ) -> Dcblock:
        """Older name of :meth:`chronus.Graph.dcblock`."""
        warnings.warn("g.dc_blocker() is now g.dcblock()", DeprecationWarning, stacklevel=2)
        return self._add(Dcblock, {"in": input}, {"cutoff": cutoff}, {}, name)

    def mid_side(
        self, input: Signal | None = None, *, decode: bool = False, name: str | None = None
    ) -> Midside:
        """Older name of :meth:`chronus.Graph.midside` (``decode=True`` is ``mode="decode"``)."""
        warnings.warn("g.mid_side() is now g.midside(mode=...)", DeprecationWarning, stacklevel=2)
        return self._add(Midside, {"in": input}, {}, {"mode": "decode" if decode else "encode"}, name)
