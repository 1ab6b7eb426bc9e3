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
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from . import _core, analysis
from .analysis import FeatureStream
from .graph import Graph
from .inspect_live import Inspecting
from .kernels import Kernel, KernelNode
from .neural import NeuralPitchStream
from .session import Clip, Session
from .session import launch as session_launch
from .signal import Node, Param
from .tempo import TempoMap
from .timed import Action, ParamChange, Timed
from .when import When, check_real

# Listing ALSA devices opens ALSA's "jack" plugin, and libjack would then start a JACK
# server of its own (which also tears down a running server's sockets when it exits).
# Chronus only ever talks to servers that are already running.
os.environ.setdefault("JACK_NO_START_SERVER", "1")

#: Commands that can wait for the audio thread before `QueueFullError`.
COMMAND_CAPACITY = 4096
#: Future events the audio thread can hold.
EVENT_CAPACITY = 16384


def devices() -> list[dict[str, Any]]:
    """Every backend and device: backend, name, outputs, inputs, samplerates (min, max) in Hz,
    and whether it is the backend's default."""
    return [dict(d) for d in _core.devices()]


def midi_inputs() -> list[str]:
    """MIDI sources to play from: OS MIDI input ports (ALSA sequencer, CoreMIDI, WinMM) and,
    when a JACK server runs, its MIDI output ports."""
    ports = list(_core.midi_inputs())
    with contextlib.suppress(Exception):
        ports += [f"jack:{p}" for p in _jack_midi_outputs()]
    return ports


class Engine(Timed, Inspecting):
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
        edit_fade: crossfade, in seconds, of the connections an edit adds or removes, so
            that adding, removing and rewiring nodes while playing never clicks (0: edits
            swap in at once). Edits sent during a crossfade wait for it to finish.
        name: client name (JACK; not the server's own name, which JACK2 would clobber).
        connect: connect to the physical playback/capture ports (JACK).
        queue: commands that may wait for the audio thread before a call raises
            :class:`chronus.QueueFullError`.
        midi_in: a MIDI source to listen to. With JACK the engine opens its own MIDI input
            port (exact frame timing) and connects the JACK port whose name contains this
            (empty string: connect nothing); elsewhere it opens the OS MIDI input port
            whose name contains it (timestamped on arrival).
        midi_out: open a JACK MIDI output port for tracks that play to MIDI out.
        midi_target: the node that hears incoming MIDI notes (default: the graph's only
            voice allocator, if it has exactly one).
        autoplay: start the transport with the engine, so the graph's tracks and events at
            beats play from the first frame exactly as :func:`chronus.render` plays them
            (False: it waits for ``transport.start()``). The timeline of events at seconds
            or frames always plays from the first frame.
    """

    def __init__(
        self,
        graph: Graph | Session,
        *,
        backend: str = "auto",
        device: str | None = None,
        samplerate: int | None = None,
        blocksize: int = 256,
        outputs: int | None = None,
        inputs: int = 0,
        smoothing: float = 0.005,
        edit_fade: float = 0.005,
        name: str = "chronus-engine",
        connect: bool = True,
        queue: int = COMMAND_CAPACITY,
        midi_in: str | None = None,
        midi_out: bool = False,
        midi_target: Node | None = None,
        autoplay: bool = True,
    ) -> None:
        #: The session played (``Engine(session)``): moving its faders, pans, mutes and
        #: solos is heard at once.
        self.session: Session | None = None
        if isinstance(graph, Session):
            self.session = graph
            samplerate = graph.samplerate if samplerate is None else samplerate
            if samplerate != graph.samplerate:
                raise ValueError(f"the session runs at {graph.samplerate} Hz, not {samplerate}")
            graph = graph.graph()
        if not isinstance(graph, Graph):
            raise TypeError(f"Engine() needs a chronus.Graph or Session, got {type(graph).__name__}")
        if outputs is None:
            channels = graph.info(samplerate or 48_000, blocksize)["output_channels"]
            outputs = max(channels, 2)
        self.graph = graph
        #: The tempo map the transport plays by: the graph's, changed from the beat
        #: playing on by :meth:`Transport.tempo` (an edit that changes the song, or
        #: :meth:`Transport.reload`, brings back the graph's).
        self.tempo_map: TempoMap = graph.tempo
        self._core = _core.Engine(
            graph._core,
            backend,
            device,
            samplerate,
            blocksize,
            outputs,
            inputs,
            smoothing,
            edit_fade,
            name,
            connect,
            queue,
            EVENT_CAPACITY,
            midi_in is not None and backend in ("jack", "auto"),
            midi_out,
            autoplay,
        )
        info = self._core.info()
        #: Sample rate in Hz, as the device granted it.
        self.samplerate: float = info["samplerate"]
        #: What the backend granted: backend, device, samplerate, device_block, blocksize,
        #: outputs, inputs.
        self.info: dict[str, Any] = dict(info)
        self.transport = Transport(self)
        self._routes: list[int | None] = [None] * 16
        self._neural: list[NeuralPitchStream] = []
        try:
            # The graph's timeline and tracks play from the first frame, as in a render.
            if self.session is not None and self.samplerate != self.session.samplerate:
                granted, wanted = self.samplerate, self.session.samplerate
                raise _core.DeviceError(f"the device runs at {granted:g} Hz and the session at {wanted} Hz")
            self._song = graph.song(self.samplerate)
            self._core.play(self._song)
            self._start_midi(midi_in, midi_target)
        except BaseException:
            self.close()
            raise
        if self.session is not None:
            self.session._live = self

    def _default_target(self) -> Node | None:
        """The graph's only voice allocator, if it has exactly one."""
        voices = [n for n in self.graph.nodes() if n.kind == "voices"]
        return voices[0] if len(voices) == 1 else None

    def _start_midi(self, source: str | None, target: Node | None) -> None:
        target = target or self._default_target()
        if target is not None:
            self.route_midi(target)
        if source is None:
            return
        if self.info["backend"] == "jack":
            if source:
                ours = f"{self.info['device']}:midi_in"
                ports = [p for p in _jack_midi_outputs() if source.lower() in p.lower()]
                if not ports:
                    raise _core.DeviceError(f"no JACK MIDI port matching '{source}'")
                self.connect(ports[0], ours)
        else:
            self._core.open_midi_input(source)

    # -- lifetime -----------------------------------------------------------------------
    def close(self) -> None:
        """Stops the audio and releases the device, and the workers of neural feature
        streams (after their last frames). Safe to call twice."""
        self._core.close()
        if self.session is not None and self.session._live is self:
            self.session._live = None
        for pitch in getattr(self, "_neural", ()):
            pitch._halt()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return not self._core.open

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions -------------------------------------------------------------------------
    def launch(self, clip: Clip, quantize: str | int = "bar") -> float | None:
        """Starts ``clip`` (of the session this engine plays) from its first frame on the
        next beat, bar or ``quantize`` bars of the transport ("now": at the next block);
        a clip already playing starts again. Returns the beat it starts on.

        >>> live.launch(loops.clips[3], quantize="bar")   # doctest: +SKIP
        """
        return session_launch(self, clip, quantize, start=True)

    def stop(self, clip: Clip, quantize: str | int = "bar") -> float | None:
        """Stops ``clip`` (it fades out over its ``fade_out``) on the next beat, bar or
        ``quantize`` bars ("now": at the next block). Returns that beat."""
        return session_launch(self, clip, quantize, start=False)

    # -- time ---------------------------------------------------------------------------
    def now(self) -> float:
        """The engine's clock in seconds since it started (between callbacks, estimated)."""
        return self._core.now() / self.samplerate

    def frame(self) -> int:
        """The engine's sample clock in frames since it started."""
        return self._core.now()

    # -- control ------------------------------------------------------------------------
    # set, ramp, gate, note, note_off, control and bend come from Timed: a call with no
    # time plays at the next block, ``at``/``frame`` on the engine's clock, ``beat`` when
    # the transport gets there. A full queue raises QueueFullError.
    _time_required = False

    def _owner(self) -> Graph:
        return self.graph

    def _schedule(self, when: When, action: Action) -> None:
        core = action.core(self.samplerate)
        if when.beat is not None:
            self._core.cue(core, when.beat + when.plus)
        elif when.now and not when.plus:
            self._core.send(core, None)
        else:
            self._core.send(core, when.frame_at(self.samplerate, now=self._core.now()))
        if isinstance(action, ParamChange) and action.lane is None:
            # The graph keeps the value, so a later update() does not undo it.
            action.param.node.set_param(action.param.name, action.value)

    # -- MIDI ---------------------------------------------------------------------------
    def route_midi(self, target: Node | None, *, channel: int | None = None) -> None:
        """Sends incoming MIDI on ``channel`` (None: every channel) to ``target``."""
        if channel is not None and not (isinstance(channel, int) and 0 <= channel <= 15):
            raise ValueError(f"channel must be a MIDI channel 0..15 or None (every channel), got {channel!r}")
        node = None if target is None else target.id
        for ch in range(16) if channel is None else [channel]:
            self._routes[ch] = node
        self._core.set_routes(self._routes)

    def send_midi(self, message: bytes | Sequence[int], *, timestamp: float | None = None) -> None:
        """Feeds one raw MIDI message into the engine as if it came from a MIDI port.

        ``timestamp`` is when it was received, as ``time.monotonic()`` (None: now); it plays
        one device period after that moment on the audio clock, so timing jitter of the
        caller does not reach the sound.
        """
        age = None if timestamp is None else max(0.0, time.monotonic() - timestamp)
        self._core.send_midi(bytes(message), age)

    def map_cc(
        self,
        controller: int,
        param: Param,
        min: float,
        max: float,
        *,
        curve: str = "linear",
        power: float = 2.0,
        channel: int | None = None,
    ) -> None:
        """Maps a MIDI controller onto ``param`` (see :meth:`chronus.Graph.map_cc`), live."""
        self.graph.map_cc(controller, param, min, max, curve=curve, power=power, channel=channel)
        self._core.set_cc_maps([m.core() for m in self.graph.cc_maps])
        self._song = self.graph.song(self.samplerate)

    def learn(
        self, param: Param, min: float, max: float, *, curve: str = "linear", timeout: float = 10.0
    ) -> int:
        """MIDI learn: waits for the next controller to move and maps it onto ``param``.
        Returns the controller number; raises TimeoutError if none moves in ``timeout`` s."""
        seen = self._core.snapshot()["cc_received"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self._core.snapshot()
            if now["cc_received"] > seen:
                channel, controller, _ = now["last_cc"]
                self.map_cc(controller, param, min, max, curve=curve, channel=channel)
                return int(controller)
            time.sleep(0.01)
        raise TimeoutError(f"no MIDI controller moved within {timeout} s")

    def start_midi_record(self, path: str | os.PathLike[str] | None = None) -> None:
        """Starts recording incoming MIDI with sample-clock timestamps; with ``path`` the
        messages stream into that MIDI file as they arrive (readable at every second)."""
        self._core.start_midi_record(None if path is None else os.fspath(path))

    def stop_midi_record(self) -> list[tuple[int, bytes]]:
        """Stops recording; returns [(frame, message bytes)] (see :func:`save_midi_recording`);
        empty for a recording streamed to a file, which is complete when this returns."""
        return [(frame, bytes(b)) for frame, b in self._core.stop_midi_record()]

    # -- editing ------------------------------------------------------------------------
    def update(self) -> None:
        """Compiles the graph as it is now and swaps it in at the next block boundary.

        Nodes that survive keep their state (oscillator phase, delay tails, envelopes);
        connections the edit adds or removes crossfade over ``edit_fade`` (removed nodes
        play on until they have faded out); the old schedule is freed here, never on the
        audio thread. Changed tracks, patterns, tempo map, timeline and controller mappings
        carry on from the current beat and frame.

        An engine playing a session (``Engine(session)``) first brings its graph up to date
        with the session: clips, tracks, instruments and effects added, changed or removed
        since are built in, while the parts that did not change keep their nodes (a clip
        playing carries on from where it is, a reverb keeps its tail).
        """
        if self.session is not None and self.session._live is self:
            # Swapped in at the next callback or the one after.
            self.session._rebuild(self.graph, self.frame() + 2 * int(self.info["blocksize"]))
        self._core.swap(self.graph._core)
        self._continue_song()

    def _continue_song(self) -> None:
        song = self.graph.song(self.samplerate)
        if song != self._song:
            self._core.continue_song(song)
            self._song = song
            self.tempo_map = self.graph.tempo

    def replace(self, graph: Graph | Session, *, midi_target: Node | None = None) -> None:
        """Plays ``graph`` (or a session) instead of the current graph, as one edit.

        Nodes are matched by id, so a patch file run again (which builds its nodes in the
        same order) keeps the state of every node whose kind and options did not change;
        connections that change crossfade over ``edit_fade``. The song (tempo map, tracks,
        timeline, controller mappings) carries on from the current beat and frame. Incoming
        MIDI goes to ``midi_target`` (default: the new graph's only voice allocator).

        A session (a saved one loaded again, say) becomes the session this engine plays:
        its clips that the timeline has playing at the swap play on from where they are,
        and, replacing a session, what the two share keeps its nodes (see
        :meth:`chronus.Session.graph_from`).
        """
        if isinstance(graph, Session):
            if graph.samplerate != self.samplerate:
                raise ValueError(f"the session runs at {graph.samplerate} Hz, not {self.samplerate}")
            frame = self.frame() + 2 * int(self.info["blocksize"])
            if self.session is not None and self.session._live is self:
                # Built first: a session that fails to build leaves the old one playing.
                compiled = graph.graph_from(frame, (self.session, self.graph))
                self.session._live = None
            else:
                compiled = graph.graph_from(frame)
            self.session, graph._live = graph, self
            graph = compiled
        elif not isinstance(graph, Graph):
            raise TypeError(f"replace() needs a chronus.Graph or Session, got {type(graph).__name__}")
        elif self.session is not None:
            # A graph of its own: the session no longer plays here.
            if self.session._live is self:
                self.session._live = None
            self.session = None
        self._core.swap(graph._core)
        self.graph = graph
        self._continue_song()
        if any(r is not None for r in self._routes) or midi_target is not None:
            self._routes = [None] * 16
            self.route_midi(midi_target or self._default_target())

    def replace_kernel(self, node: KernelNode, kernel: Kernel) -> None:
        """Makes kernel node ``node`` run ``kernel`` from the next block boundary on.

        The old and new kernels crossfade over ``edit_fade``, the new one starting from a
        copy of the old one's state when both declare the same state; parameters with the
        same names keep their values and modulation. The old kernel's compiled code is
        released once the audio thread has handed back every schedule that can call it.
        """
        self.graph.replace_kernel(node, kernel)
        self.update()

    @contextlib.contextmanager
    def edit(self) -> Iterator[Graph]:
        """Edit the graph (or the session this engine plays) inside the ``with`` block; the
        changes swap in together at its end (see :meth:`update`).

        >>> with live.edit():                      # doctest: +SKIP
        ...     session.track("pad").clip("pad.wav", beat=16)
        """
        yield self.graph
        self.update()

    def connect(self, source: str, destination: str) -> None:
        """Connects two ports by name (JACK), e.g. ``"chronus:out_1"``, ``"chronus:in_1"``."""
        self._core.connect(source, destination)

    # -- observation --------------------------------------------------------------------
    @overload
    def features(self, node: Node) -> FeatureStream: ...

    @overload
    def features(
        self, node: Node, *, pitch_backend: str, **options: float
    ) -> FeatureStream | NeuralPitchStream: ...

    def features(
        self, node: Node, *, pitch_backend: str = "yin", **options: float
    ) -> FeatureStream | NeuralPitchStream:
        """The frames analyzer ``node`` (``g.pitch(...)``, ``g.onsets(...)``, ...) publishes
        while playing: :meth:`~chronus.analysis.FeatureStream.latest`, ``read()`` for every
        frame waiting, or iterate for frames as they come. An edit that rebuilds the node
        keeps feeding the same stream.

        With ``pitch_backend="swift-f0"``, ``node`` is a sample tap (``g.samples(x)``) and
        the stream is the neural pitch tracker's (:class:`chronus.neural.NeuralPitchStream`,
        options ``fmin``, ``fmax``, ``buffer``): its worker thread runs until the stream or
        the engine is closed."""
        feed = analysis.stream(self._core, self.graph, node)
        if not analysis.neural_backend(pitch_backend):
            if options:
                names = ", ".join(options)
                raise TypeError(f"features() takes options only with a pitch_backend, got {names}")
            return feed
        pitch = NeuralPitchStream(feed, **options)
        self._neural.append(pitch)
        return pitch

    def stats(self) -> dict[str, Any]:
        """Timing and counters: clock (frames), time (s), callbacks, callback_frames and
        callback_started (wall seconds since the engine started) of the latest callback, deadline_ms,
        callback_mean_ms / callback_worst_ms / callback_p99_ms, late_callbacks (callbacks
        that took longer than their deadline), load (fraction of real time spent
        processing), xruns (as the backend reports them), late_events,
        dropped_events, dropped_commands, orphan_events, swaps, crossfades (edits
        whose connections crossfaded), capture_overruns,
        input_underruns, node_resets (blocks after which a filter, delay or reverb found its
        state NaN or infinite and started afresh), ignored_samples (NaN or infinite samples
        meters left out), beat/bpm/playing of the transport and cued (events waiting for
        their beat), commands_deferred (callbacks that left commands for the next one),
        skipped_track_events (events of a looping track too dense to play within a block),
        audio_panics and faulted (a panic on the audio thread, caught: the engine then
        plays silence and refuses further calls)."""
        stats = self._core.snapshot()
        del stats["peak"], stats["rms"], stats["callback_histogram"]
        return stats

    def meters(self) -> dict[str, list[float]]:
        """Per-output-channel meters: ``peak`` and ``rms`` (linear) and the same in dBFS."""
        s = self._core.snapshot()

        def db(values: list[float]) -> list[float]:
            return [20 * math.log10(v) if v > 0 else -math.inf for v in values]

        return {"peak": s["peak"], "rms": s["rms"], "peak_db": db(s["peak"]), "rms_db": db(s["rms"])}

    # -- recording ----------------------------------------------------------------------
    def start_capture(self, *, with_input: bool = False, slack: float = 10.0) -> None:
        """Starts recording into memory exactly what the engine outputs (and, ``with_input``,
        the device input), from inside the audio thread; ``slack`` seconds (at most 60) may
        wait in the ring. To stream a take to a file as it goes, use :meth:`record`."""
        source = "both" if with_input else "output"
        self._core.start_capture(source, float(slack))

    def stop_capture(self) -> tuple[np.ndarray, int]:
        """Stops the capture :meth:`start_capture` began; returns float32 (channels, frames)
        and the frame of the engine clock at which it starts. Frames lost to a slow reader
        raise an error after everything recorded is returned in the exception's ``audio``
        attribute. (A recording to a file is stopped by its :class:`Take`.)"""
        audio, start, overruns, _, path = self._core.stop_capture()
        if audio is None:
            raise RuntimeError(f"the recording to {path} was a file take; it is closed now")
        if overruns:
            err = RuntimeError(f"the capture lost {overruns} frames because its reader fell behind")
            err.audio = audio  # type: ignore[attr-defined]
            raise err
        return audio, start or 0

    def record(
        self,
        path: str | os.PathLike[str],
        *,
        source: str = "output",
        bits: int | None = None,
        slack: float = 10.0,
    ) -> Take:
        """Records to a WAV or FLAC file as the engine plays, from a worker thread: the file
        is readable at least once a second (header and data flushed), so even a killed
        process leaves everything up to the last second; memory stays flat however long
        the take. ``source`` is "output", "input" (the device input) or "both" (output
        channels, then input channels); ``bits`` 16, 24 or 32 (float, WAV only; default:
        32 for WAV, 24 for FLAC). Returns a :class:`Take`; call its ``stop()``.

        >>> take = live.record("take.flac", source="both")   # doctest: +SKIP
        >>> info = take.stop()                               # doctest: +SKIP
        """
        self._core.start_capture(source, float(slack), os.fspath(path), bits)
        return Take(self, Path(path))


class Take:
    """A recording streaming to a file (see :meth:`Engine.record`)."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self._engine = engine
        self.path = path
        self._result: dict[str, Any] | None = None

    def status(self) -> dict[str, Any]:
        """Progress while it runs: frames written, overruns (frames lost because the writer
        fell behind), path, and error (a write failure, such as a full disk) or None."""
        if self._result is not None:
            return self._result
        status = self._engine._core.capture_status()
        if status is None:
            raise RuntimeError(f"the recording to {self.path} is no longer running")
        return dict(status)

    def stop(self) -> dict[str, Any]:
        """Stops the recording and closes the file; returns path, frames, start (frame of
        the engine clock of its first frame) and overruns. Raises if frames were lost."""
        if self._result is None:
            _, start, overruns, frames, _ = self._engine._core.stop_capture()
            self._result = {"path": self.path, "frames": frames, "start": start or 0, "overruns": overruns}
            if overruns:
                raise RuntimeError(
                    f"the recording to {self.path} lost {overruns} frames (the writer fell behind)"
                )
        return self._result

    def __enter__(self) -> Take:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Transport:
    """The engine's transport: plays the graph's tracks and events at beats (see
    :meth:`chronus.Graph.play`). It runs from the engine's first frame unless the engine was
    made with ``autoplay=False``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(self) -> None:
        """Plays from the current position."""
        self._engine._core.transport_start()

    def stop(self) -> None:
        """Stops, releasing the notes the tracks left on."""
        self._engine._core.transport_stop()

    def seek(self, beat: float) -> None:
        """Jumps to ``beat`` (>= 0)."""
        self._engine._core.transport_seek(check_real("beat", beat, low=0.0))

    def loop(self, start: float | None, end: float | None = None) -> None:
        """Loops between two beats; ``loop(None)`` stops looping."""
        if start is None:
            self._engine._core.transport_loop(None)
            return
        a = check_real("loop start (beats)", start, low=0.0)
        b = check_real("loop end (beats)", end, low=0.0) if end is not None else None
        if b is None or not a < b:
            raise ValueError(f"a loop needs 0 <= start < end beats, got {start}, {end}")
        self._engine._core.transport_loop((a, b))

    def tempo(self, bpm: float) -> None:
        """Sets the tempo from the current beat on, in beats per minute (0, 10000]."""
        value = check_real("tempo (bpm)", bpm, low=0.0, high=10_000.0)
        if value == 0:
            raise ValueError("tempo must be > 0 bpm")
        engine = self._engine
        # Where it changes: the beat now, a block on (when the command is applied).
        ahead = engine.info["blocksize"] / engine.samplerate
        beat = engine.tempo_map.beat(engine.tempo_map.seconds(self.beat) + ahead)
        engine._core.transport_tempo(value)
        kept = [(b, t) for b, t in engine.tempo_map.changes if b < beat]
        changes = [*kept, (beat, value)] if kept else [(0.0, value)]
        engine.tempo_map = TempoMap(changes, list(engine.tempo_map.signatures))

    def reload(self) -> None:
        """Sends the graph's tracks and tempo map again (stopped at beat 0; events cued
        for beats are forgotten)."""
        self._engine._core.reset_transport(self._engine.graph.song(self._engine.samplerate))
        self._engine.tempo_map = self._engine.graph.tempo

    @property
    def beat(self) -> float:
        """Current position in beats."""
        return float(self._engine._core.snapshot()["beat"])

    @property
    def playing(self) -> bool:
        """Whether it plays."""
        return bool(self._engine._core.snapshot()["playing"])

    @property
    def bpm(self) -> float:
        """Tempo at the current position."""
        return float(self._engine._core.snapshot()["bpm"])


def _jack_midi_outputs() -> list[str]:
    """JACK MIDI ports that produce MIDI (sources we can connect from)."""
    import jack

    client = jack.Client("chronus-lister", no_start_server=True)
    try:
        return [p.name for p in client.get_ports(is_midi=True, is_output=True)]
    finally:
        client.close()


def save_midi_recording(
    path: str | os.PathLike[str],
    events: Sequence[tuple[int, bytes]],
    samplerate: float,
    tempo: TempoMap | None = None,
) -> Path:
    """Writes recorded (frame, MIDI bytes) events as a MIDI file, placing each at the beat
    its frame falls on under ``tempo`` (120 bpm by default) counted from the first event."""
    import mido

    tempo = tempo or TempoMap()
    mf = mido.MidiFile(type=0, ticks_per_beat=960)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo.bpm(0.0)), time=0))
    origin = events[0][0] if events else 0
    last_tick = 0
    for frame, message in events:
        tick = round(tempo.beat_at_frame(frame - origin, samplerate) * 960)
        track.append(mido.Message.from_bytes(list(message), time=tick - last_tick))
        last_tick = tick
    mf.tracks.append(track)
    path = Path(path)
    mf.save(path)
    return path


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
