"""Playing graphs live: :class:`Engine` runs a graph on a sound card, a JACK server or the
headless null device, while Python changes it.

>>> import chronus as cx
>>> g = cx.Graph()
>>> osc = g.saw(110)
>>> voice = osc >> g.lowpass(cutoff=800, q=2)
>>> _ = g.output(voice * 0.2)
>>> with cx.Engine(g, backend="null") as live:          # doctest: +SKIP
...     live.set(voice.cutoff, 2400, ramp=0.05)          # smoothed, sample-timed
...     with live.edit():                                # add a node while playing
...         g.output(g.sine(330) * 0.05)
...     print(live.stats()["load"])
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _core
from .graph import Graph
from .signal import Node, Param

#: Commands that can wait for the audio thread before `QueueFullError`.
COMMAND_CAPACITY = 4096
#: Future events the audio thread can hold.
EVENT_CAPACITY = 16384


def devices() -> list[dict[str, Any]]:
    """Every backend and device: backend, name, outputs, inputs, samplerates (min, max) in Hz,
    and whether it is the backend's default."""
    return _core.devices()


class Engine:
    """A graph playing live. Use it as a context manager, or call :meth:`close`.

    Args:
        graph: the patch to play; edit it while playing and call :meth:`update` (or use
            :meth:`edit`) to hear the changes without a click.
        backend: "auto" (JACK if a server runs, else the default sound card), "jack",
            "null" (timer-paced, no sound), or a cpal host such as "alsa".
        device: device name or part of it (None: the default device).
        samplerate: in Hz (None: the device's; JACK always uses the server's).
        blocksize: largest block the graph processes at once, in frames; also the
            requested device buffer.
        outputs: device output channels (default: the graph's output channels, at least 2).
        inputs: device input channels, read by ``g.input()`` nodes.
        smoothing: default glide of parameter changes, in seconds.
        name: client name (JACK; not the server's own name, which JACK2 would clobber).
        connect: connect to the physical playback/capture ports (JACK).
        queue: commands that may wait for the audio thread before a call raises
            :class:`chronus.QueueFullError`.
    """

    def __init__(
        self,
        graph: Graph,
        *,
        backend: str = "auto",
        device: str | None = None,
        samplerate: int | None = None,
        blocksize: int = 256,
        outputs: int | None = None,
        inputs: int = 0,
        smoothing: float = 0.005,
        name: str = "chronus-engine",
        connect: bool = True,
        queue: int = COMMAND_CAPACITY,
    ) -> None:
        if not isinstance(graph, Graph):
            raise TypeError(f"Engine() needs a chronus.Graph, got {type(graph).__name__}")
        if outputs is None:
            channels = graph.info(samplerate or 48_000, blocksize)["output_channels"]
            outputs = max(channels, 2)
        self.graph = graph
        self._core = _core.Engine(
            graph._core,
            backend,
            device,
            samplerate,
            blocksize,
            outputs,
            inputs,
            smoothing,
            name,
            connect,
            queue,
            EVENT_CAPACITY,
        )
        info = self._core.info()
        self.samplerate: float = info["samplerate"]
        self.info: dict[str, Any] = info

    # -- lifetime -----------------------------------------------------------------------
    def close(self) -> None:
        """Stops the audio and releases the device. Safe to call twice."""
        self._core.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return not self._core.open

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- time ---------------------------------------------------------------------------
    def now(self) -> float:
        """The engine's clock in seconds since it started (between callbacks, estimated)."""
        return self._core.now() / self.samplerate

    def frame(self) -> int:
        """The engine's sample clock in frames since it started."""
        return self._core.now()

    def _frame(self, at: float | None, frame: int | None) -> int | None:
        if at is not None and frame is not None:
            raise ValueError("give at= (seconds) or frame=, not both")
        if at is not None:
            if not (math.isfinite(at) and at >= 0):
                raise ValueError(f"at must be a time >= 0 in seconds on the engine clock, got {at}")
            return round(at * self.samplerate)
        if frame is not None and frame < 0:
            raise ValueError(f"frame must be >= 0, got {frame}")
        return frame

    # -- control ------------------------------------------------------------------------
    def set(
        self,
        param: Param,
        value: float,
        *,
        at: float | None = None,
        frame: int | None = None,
        ramp: float | None = None,
        lane: int | None = None,
    ) -> None:
        """Changes ``param`` while playing.

        ``at`` is a time in seconds on the engine clock (or ``frame``; default: the next
        block); ``ramp`` the glide in seconds (None: default smoothing, 0: jump); ``lane``
        one lane or all. The graph keeps the new value for later :meth:`update` calls.
        Raises :class:`chronus.QueueFullError` if the audio thread is not keeping up.
        """
        if not isinstance(param, Param):
            raise TypeError(f"set() needs a parameter such as node.cutoff, got {type(param).__name__}")
        if ramp is not None and not (math.isfinite(ramp) and ramp >= 0):
            raise ValueError(f"ramp must be >= 0 seconds, got {ramp}")
        when = self._frame(at, frame)
        frames = -1 if ramp is None else round(ramp * self.samplerate)
        self._core.set_param(
            param.node.id, param.index, -1 if lane is None else lane, float(value), frames, when
        )
        if lane is None:
            self.graph._core.set_param(param.node.id, param.name, [float(value)])

    def gate(self, env: Node, on: bool = True, *, at: float | None = None, lane: int | None = None) -> None:
        """Opens (or closes) an envelope's gate now or at ``at`` seconds."""
        self.set(env.gate, 1.0 if on else 0.0, at=at, ramp=0, lane=lane)

    def note(
        self,
        target: Node,
        note: int,
        velocity: float = 0.8,
        *,
        duration: float | None = None,
        at: float | None = None,
        channel: int = 0,
    ) -> None:
        """Plays MIDI note ``note`` on ``target`` (a voice allocator or instrument) now or at
        ``at`` seconds; with ``duration`` (seconds) its note-off is scheduled too."""
        if not 0 <= note <= 127 or not 0 < velocity <= 1 or not 0 <= channel <= 15:
            raise ValueError(
                f"note 0..127, velocity (0, 1], channel 0..15; got {note}, {velocity}, {channel}"
            )
        start = self._frame(at, None)
        self._core.node_event(target.id, "note_on", channel, note, float(velocity), start)
        if duration is not None:
            begin = self._core.now() if start is None else start
            self._core.node_event(
                target.id, "note_off", channel, note, 0.0, begin + round(duration * self.samplerate)
            )

    def note_off(self, target: Node, note: int, *, at: float | None = None, channel: int = 0) -> None:
        """Releases MIDI note ``note`` on ``target`` now or at ``at`` seconds."""
        self._core.node_event(target.id, "note_off", channel, note, 0.0, self._frame(at, None))

    def control(
        self, target: Node, controller: int, value: float, *, at: float | None = None, channel: int = 0
    ) -> None:
        """Sends a controller change (``value`` in [0, 1]) to ``target``."""
        self._core.node_event(target.id, "control", channel, controller, float(value), self._frame(at, None))

    # -- editing ------------------------------------------------------------------------
    def update(self) -> None:
        """Compiles the graph as it is now and swaps it in at the next block boundary.

        Nodes that survive keep their state (oscillator phase, delay tails, envelopes);
        the old schedule is freed here, never on the audio thread.
        """
        self._core.swap(self.graph._core)

    @contextlib.contextmanager
    def edit(self) -> Iterator[Graph]:
        """Edit the graph inside the ``with`` block; the changes swap in together at its end."""
        yield self.graph
        self.update()

    def connect(self, source: str, destination: str) -> None:
        """Connects two ports by name (JACK), e.g. ``"chronus:out_1"``, ``"chronus:in_1"``."""
        self._core.connect(source, destination)

    # -- observation --------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Timing and counters: clock (frames), time (s), callbacks, deadline_ms,
        callback_mean_ms / callback_worst_ms / callback_p99_ms, load (fraction of real time
        spent processing), xruns (as the backend reports them), late_events,
        dropped_events, dropped_commands, orphan_events, swaps, capture_overruns,
        input_underruns."""
        stats = self._core.snapshot()
        del stats["peak"], stats["rms"]
        return stats

    def meters(self) -> dict[str, list[float]]:
        """Per-output-channel meters: ``peak`` and ``rms`` (linear) and the same in dBFS."""
        s = self._core.snapshot()

        def db(values: list[float]) -> list[float]:
            return [20 * math.log10(v) if v > 0 else -math.inf for v in values]

        return {"peak": s["peak"], "rms": s["rms"], "peak_db": db(s["peak"]), "rms_db": db(s["rms"])}

    # -- recording ----------------------------------------------------------------------
    def start_capture(self, *, with_input: bool = False, slack: float = 10.0) -> None:
        """Starts recording exactly what the engine outputs (and, ``with_input``, the device
        input), from inside the audio thread; ``slack`` seconds may wait in the ring."""
        self._core.start_capture(with_input, slack)

    def stop_capture(self) -> tuple[np.ndarray, int]:
        """Stops recording; returns float32 (channels, frames) and the frame of the engine
        clock at which the recording starts. Frames lost to a slow reader raise an error
        after everything recorded is returned in the exception's ``audio`` attribute."""
        audio, start, overruns = self._core.stop_capture()
        if overruns:
            err = RuntimeError(f"the capture lost {overruns} frames because its reader fell behind")
            err.audio = audio  # type: ignore[attr-defined]
            raise err
        return audio, (start or 0)


def measure_latency(
    *,
    backend: str = "jack",
    device: str | None = None,
    samplerate: int | None = None,
    blocksize: int = 256,
    loopback: bool = True,
    repeats: int = 5,
) -> dict[str, Any]:
    """Measures round-trip latency: plays impulses and finds them in the input.

    With JACK and ``loopback`` the engine connects its own output port to its own input
    port (no hardware needed); otherwise connect the device's output to its input with a
    cable. Returns frames and ms (median of ``repeats`` impulses), the sample rate and
    every measurement.
    """
    g = Graph()
    pulse = g.const(0.0, name="impulse")
    g.output(pulse)
    spacing = 0.25
    with Engine(
        g,
        backend=backend,
        device=device,
        samplerate=samplerate,
        blocksize=blocksize,
        outputs=1,
        inputs=1,
        smoothing=0.0,
        name="chronus-latency",
        connect=not loopback,
    ) as live:
        if loopback:
            client = live.info["device"]
            live.connect(f"{client}:out_1", f"{client}:in_1")
        live.start_capture(with_input=True)
        first = live.frame() + round(0.1 * live.samplerate)
        step = round(spacing * live.samplerate)
        for i in range(repeats):
            live.set(pulse.value, 1.0, frame=first + i * step, ramp=0)
            live.set(pulse.value, 0.0, frame=first + i * step + 1, ramp=0)
        time.sleep(0.1 + repeats * spacing + 0.2)
        audio, _ = live.stop_capture()
        rate = live.samplerate
    out, inp = audio[0], audio[1]
    sent = np.flatnonzero(out > 0.5)
    found = []
    for s in sent:
        window = inp[s : s + step]
        hits = np.flatnonzero(np.abs(window) > 0.5)
        if hits.size:
            found.append(int(hits[0]))
    if not found:
        raise RuntimeError(
            "no impulse came back: connect the output to the input (a loopback cable, or JACK ports)"
        )
    frames = int(np.median(found))
    return {"frames": frames, "ms": frames / rate * 1e3, "samplerate": rate, "measurements": found}
