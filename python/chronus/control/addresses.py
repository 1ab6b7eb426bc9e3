"""The control address space of a graph: every OSC address a patch answers to, derived from
the graph's nodes and their specs, and the one place that carries a control message out.

The OSC server (:mod:`chronus.control.osc`) and the browser panel
(:mod:`chronus.control.panel`) both hand their messages to :meth:`Controller.handle`, so the
panel can do exactly what OSC can and nothing more. Messages are checked with the validators
of :mod:`chronus.when` and played with the timed calls of :mod:`chronus.timed`.

Addresses (``<node>`` is the node's OSC name, see :func:`osc_name`)::

    /mod/<node>/<param> value [ramp_s]      set a parameter (smoothed; ramp 0 jumps)
    /gate/<node> 0|1                        open or close an envelope's gate
    /note/<node> pitch velocity [dur_s]     a note (velocity 1..127 as int, (0, 1] as float)
    /transport/start | stop                 the transport
    /transport/seek beat | tempo bpm | loop start end (no arguments: stop looping)
    /pattern/<track> "X.x."                 a track's step pattern, replaced from the next bar
    /record/start "take.wav" | /record/stop record the output into the recordings folder
    /launch/<track>/<clip> [quantize]       (a session) start a clip on the next "bar"
    /stop/<track>/<clip> [quantize]         (default), "beat", or whole number of bars (int)
                                            ("now": next block); <clip> is its index in the
                                            track or its file's stem; replies the beat
    /track/<name>/gain_db dB | pan -1..1    (a session) a track's fader (glides) and pan,
    /track/<name>/mute 0|1 | solo 0|1       mute and solo (/bus/<name>/... for buses and
                                            the master: gain_db, pan, mute)
    /session/cycle start end [passes]       (a session) cycle the timeline over beats
                                            [start, end), passes times (none: endless),
                                            compiled in at once; no arguments: stop cycling
                                            (the pass playing is the last); replies the
                                            cycle played (start end passes; none: none)
    /query/<node>/<param>                   replies /reply/query/<node>/<param> value...
    /read/<node>/<output>                   replies /reply/read/<node>/<output> value per channel
                                            (the last frame the node wrote: a meter's peak)
    /probe/<node>                           a probe's latest complete window: replies
                                            /reply/probe/<node> frame window, then min max
                                            rms nonfinite per lane (refused before the first)
    /profile | /profile/stop                profile every node on the audio thread; /profile
                                            replies /reply/profile name kind mean_ms worst_ms
                                            share per node, costliest first, then
                                            /reply/profile/end count
    /stats                                  replies /reply/stats key value key value ...
    /list                                   replies /reply/list address types min max unit doc
                                            per address, then /reply/list/end count

>>> osc_name("lowpass#3"), osc_name("lead synth"), osc_name("cutoff/2")
('lowpass_3', 'lead_synth', 'cutoff_2')
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _core
from ..cycle import ENDLESS_PASSES, Cycle
from ..graph import Graph
from ..probes import KIND as PROBE
from ..probes import reading as probe_reading
from ..signal import Node, Param
from ..timed import NoteTarget
from ..when import check_int, check_real

if TYPE_CHECKING:
    from ..live import Engine
    from ..session import Clip, Session, _Strip

#: What an OSC message may carry as arguments.
Arg = int | float | str | bytes | bool | None

#: Beats per bar when a pattern is replaced "from the next bar".
BEATS_PER_BAR = 4.0

#: Nodes ``/profile`` replies about (the costliest).
PROFILE_ROWS = 16

#: File types ``/record/start`` writes.
RECORD_SUFFIXES = (".wav", ".flac")

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def osc_name(name: str) -> str:
    """A node or track name as one OSC address part: characters OSC reserves (space # * , /
    ? [ ] { }) and anything outside letters, digits, ``_ . -`` become ``_``."""
    return _UNSAFE.sub("_", name) or "_"


class ControlError(Exception):
    """A control message that cannot be carried out; ``kind`` is the counter it adds to
    ("unknown", "bad_args", "out_of_range", "refused", "failed")."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Address:
    """One address of the space, as ``/list`` reports it: the OSC type tags it takes
    (optional ones in brackets), the range and unit of its first value, and a doc line."""

    path: str
    types: str
    min: float = math.nan
    max: float = math.nan
    unit: str = ""
    doc: str = ""

    def row(self) -> list[Arg]:
        """The ``/reply/list`` arguments for this address."""
        return [self.path, self.types, self.min, self.max, self.unit, self.doc]


@dataclass(frozen=True)
class Reply:
    """A message sent back to whoever asked (OSC: to the sender's address and port)."""

    address: str
    args: tuple[Arg, ...] = ()


@dataclass(frozen=True)
class Received:
    """A message as it arrived: its address, the engine's sample clock then (frames) and
    the wall clock (``time.monotonic()``), kept for timing measurements."""

    address: str
    frame: int
    monotonic: float


#: Messages :attr:`Controller.history` remembers.
HISTORY = 256


@dataclass
class Counters:
    """What the control surfaces received and what became of it (thread-safe increments)."""

    values: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, n: int = 1) -> None:
        """Adds ``n`` to counter ``key``."""
        with self.lock:
            self.values[key] = self.values.get(key, 0) + n

    def snapshot(self) -> dict[str, int]:
        """Every counter now."""
        with self.lock:
            return dict(self.values)


#: Counters every control surface reports, zero until something happens.
COUNTERS = (
    "received",
    "applied",
    "unknown",
    "bad_args",
    "out_of_range",
    "refused",
    "failed",
    "malformed",
    "oversize",
    "rate_limited",
    "late_bundles",
    "timed",
)


@dataclass(frozen=True)
class _Space:
    """The graph's addressable parts by OSC name."""

    params: dict[tuple[str, str], Param]
    gates: dict[str, Param]
    notes: dict[str, NoteTarget]
    nodes: dict[str, Node]
    tracks: dict[str, int]


def _space(graph: Graph) -> _Space:
    nodes: dict[str, Node] = {}
    for node in graph.nodes():
        name = osc_name(node.name)
        if name in nodes:
            name = f"{name}_{node.id}"
        nodes[name] = node
    params = {(n, p): param for n, node in nodes.items() for p, param in node.params().items()}
    gates = {n: node.param("gate") for n, node in nodes.items() if "gate" in node.params()}
    notes: dict[str, NoteTarget] = {}
    for n, node in nodes.items():
        if isinstance(node, NoteTarget):
            try:
                node.note_node()  # instruments built without voices= play no notes
            except TypeError:
                continue
            notes[n] = node
    tracks: dict[str, int] = {}
    for i, track in enumerate(graph.tracks):
        if track.pattern is None:
            continue
        base = osc_name(track.name or (track.target.name if track.target is not None else "midi"))
        name = base if base not in tracks else f"{base}_{i}"
        tracks[name] = i
    return _Space(params, gates, notes, nodes, tracks)


def _spec(param: Param) -> dict[str, Any]:
    spec: dict[str, Any] = param.node.spec["params"][param.index]
    return spec


class Controller:
    """Carries control messages out on a live engine: the address space of its graph, the
    recordings folder, and the counters every surface shares.

    Args:
        engine: the live engine to control.
        record_dir: the only folder ``/record/start`` may write into.
        on_pattern: called with (seconds, action) to run ``action`` that many seconds from
            now (the server's timer; ``/pattern`` uses it to swap at the next bar).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        record_dir: str | Path = ".",
        later: Callable[[float, Callable[[], None]], None] | None = None,
    ) -> None:
        self.engine = engine
        self.record_dir = Path(record_dir).resolve()
        self.counters = Counters()
        for key in COUNTERS:
            self.counters.add(key, 0)
        self._later = later
        #: The latest messages received, oldest first (see :class:`Received`).
        self.history: deque[Received] = deque(maxlen=HISTORY)
        self._take: Any = None
        self._lock = threading.RLock()
        self.refresh()

    # -- the space ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Derives the address space again from the engine's graph (after an edit)."""
        with self._lock:
            self._graph = self.engine.graph
            self._space = _space(self._graph)

    def _current(self) -> _Space:
        if self.engine.graph is not self._graph:
            self.refresh()
        return self._space

    def addresses(self) -> list[Address]:
        """Every address with its types, range, unit and doc (what ``/list`` replies)."""
        s = self._current()
        out: list[Address] = []
        for (n, p), param in s.params.items():
            spec = _spec(param)
            doc = f"{param.node.kind} {p}: {spec['doc']}"
            out.append(Address(f"/mod/{n}/{p}", "f[f]", spec["min"], spec["max"], spec["unit"], doc))
        for n in s.gates:
            out.append(Address(f"/gate/{n}", "i", 0, 1, "", "open (1) or close (0) the gate"))
        for n in s.notes:
            out.append(
                Address(f"/note/{n}", "ii[f]", 0, 127, "", "note: pitch, velocity (1..127, or 0..1 float), s")
            )
        out += [
            Address("/transport/start", "", doc="start the transport"),
            Address("/transport/stop", "", doc="stop the transport"),
            Address("/transport/seek", "f", 0, math.inf, "beats", "jump to a beat"),
            Address("/transport/tempo", "f", 0, 10_000, "bpm", "tempo from the current beat"),
            Address("/transport/loop", "[ff]", 0, math.inf, "beats", "loop start end; none: no loop"),
        ]
        for n in s.tracks:
            out.append(Address(f"/pattern/{n}", "s", doc="replace the step pattern from the next bar"))
        out += self._session_addresses()
        out += [
            Address("/record/start", "s", doc=f"record the output to a .wav/.flac file in {self.record_dir}"),
            Address("/record/stop", "", doc="stop recording; replies the file and its length"),
        ]
        for n, p in s.params:
            out.append(Address(f"/query/{n}/{p}", "", doc="replies the parameter's value(s)"))
        for n, node in s.nodes.items():
            for port in node._spec["outputs"]:
                out.append(
                    Address(f"/read/{n}/{port}", "", doc="replies the output's latest value per channel")
                )
        for n, node in s.nodes.items():
            if node.kind == PROBE:
                out.append(
                    Address(
                        f"/probe/{n}",
                        "",
                        doc=f"replies frame, window, then min max rms nonfinite per lane of "
                        f"probe '{node.name}''s latest window",
                    )
                )
        out += [
            Address("/profile", "", doc="profiles every node; replies the costliest first"),
            Address("/profile/stop", "", doc="stops profiling"),
            Address("/stats", "", doc="replies engine and control counters"),
            Address("/list", "", doc="replies every address"),
        ]
        return out

    def params(self) -> dict[str, Param]:
        """Every parameter by its ``/mod`` address."""
        return {f"/mod/{n}/{p}": param for (n, p), param in self._current().params.items()}

    def node_names(self) -> dict[int, str]:
        """The OSC name of every node, by node id."""
        return {node.id: n for n, node in self._current().nodes.items()}

    # -- messages -------------------------------------------------------------------------
    def handle(self, address: str, args: Sequence[Arg], frame: int | None = None) -> list[Reply]:
        """Carries out one message (at ``frame`` of the engine's clock when it is a timed
        parameter, gate or note message and ``frame`` is given; else now). Returns the
        replies; raises :class:`ControlError` (counted) for anything it cannot do."""
        self.counters.add("received")
        self.history.append(Received(address, self.engine.frame(), time.monotonic()))
        try:
            replies = self._dispatch(address, list(args), frame)
        except ControlError as err:
            self.counters.add(err.kind)
            raise
        self.counters.add("applied")
        return replies

    def timed(self, address: str) -> bool:
        """Whether the message plays on the engine's sample clock (so a bundle's time tag
        becomes a frame) rather than when the server gets to it."""
        return address.startswith(("/mod/", "/gate/", "/note/"))

    def _dispatch(self, address: str, args: list[Arg], frame: int | None) -> list[Reply]:
        parts = address.split("/")
        if len(parts) < 2 or parts[0] != "":
            raise ControlError("unknown", f"{address!r} is not an OSC address")
        head = parts[1]
        s = self._current()
        live = self.engine
        if head == "mod" and len(parts) == 4:
            target = self._param(s, address, parts)
            _arity(address, args, 1, 2)
            value = _real(address, "value", args[0])
            ramp = _real(address, "ramp", args[1], low=0.0) if len(args) > 1 else None
            _call(lambda: live.set(target, value, frame=frame, ramp=ramp))
            return []
        if head == "gate" and len(parts) == 3:
            gate = s.gates.get(parts[2])
            if gate is None:
                raise ControlError("unknown", f"no gate {address}: only envelopes have one")
            _arity(address, args, 1, 1)
            state = _real(address, "gate", args[0], low=0.0, high=1.0)
            _call(lambda: live.gate(gate.node, state >= 0.5, frame=frame))
            return []
        if head == "note" and len(parts) == 3:
            player = s.notes.get(parts[2])
            if player is None:
                raise ControlError("unknown", f"no note target {address}: notes go to voice allocators")
            _arity(address, args, 2, 3)
            pitch = _int(address, "pitch", args[0], 0, 127)
            velocity = _velocity(address, args[1])
            duration = _real(address, "duration", args[2], low=0.0) if len(args) > 2 else None
            if velocity == 0.0:
                _call(lambda: live.note_off(player, pitch, frame=frame))
            else:
                _call(lambda: live.note(player, pitch, velocity, frame=frame, duration=duration))
            return []
        if head == "transport" and len(parts) == 3:
            return self._transport(address, parts[2], args)
        if head == "pattern" and len(parts) == 3:
            return self._pattern(address, s, parts[2], args)
        if head == "record" and len(parts) == 3:
            return self._record(address, parts[2], args)
        if head in ("launch", "stop") and len(parts) == 4:
            return self._launch(address, head == "launch", parts[2], parts[3], args)
        if head in ("track", "bus") and len(parts) == 4:
            return self._strip(address, head, parts[2], parts[3], args)
        if head == "session" and len(parts) == 3:
            return self._session_edit(address, parts[2], args)
        if head == "query" and len(parts) == 4:
            param = self._param(s, address, parts)
            _arity(address, args, 0, 0)
            return [Reply("/reply" + address, tuple(self.value(param)))]
        if head == "read" and len(parts) == 4:
            node = s.nodes.get(parts[2])
            if node is None or parts[3] not in node._spec["outputs"]:
                raise ControlError("unknown", f"no node output {address} (send /list for every address)")
            _arity(address, args, 0, 0)
            values = _call(lambda: live.read(node.out(parts[3])))
            return [Reply("/reply" + address, tuple(float(v) for v in values))]
        if head == "probe" and len(parts) == 3:
            return self._probe(address, s, parts[2], args)
        if address in ("/profile", "/profile/stop"):
            _arity(address, args, 0, 0)
            if address == "/profile/stop":
                live.stop_inspecting()
                return []
            rows = [
                Reply("/reply/profile", (p.name, p.kind, p.mean_ms, p.worst_ms, p.share))
                for p in _call(live.profile)[:PROFILE_ROWS]
            ]
            return [*rows, Reply("/reply/profile/end", (len(rows),))]
        if address == "/stats":
            _arity(address, args, 0, 0)
            flat: list[Arg] = []
            for key, value in self.stats().items():
                flat += [key, float(value)]
            return [Reply("/reply/stats", tuple(flat))]
        if address == "/list":
            _arity(address, args, 0, 0)
            rows = [Reply("/reply/list", tuple(a.row())) for a in self.addresses()]
            return [*rows, Reply("/reply/list/end", (len(rows),))]
        raise ControlError("unknown", f"unknown address {address} (send /list for every address)")

    def _probe(self, address: str, s: _Space, name: str, args: list[Arg]) -> list[Reply]:
        node = s.nodes.get(name)
        if node is None or node.kind != PROBE:
            probes = [n for n, node in s.nodes.items() if node.kind == PROBE]
            raise ControlError("unknown", f"no probe {address} (probes: {', '.join(probes) or 'none'})")
        _arity(address, args, 0, 0)
        live = self.engine
        r = _call(lambda: probe_reading(live._core, node.id, node.name))
        if r is None:
            raise ControlError(
                "refused", f"{address}: probe '{node.name}' has not completed a window yet; ask again"
            )
        values: list[Arg] = [r.frame, r.window]
        for lane in range(len(r.min)):
            values += [r.min[lane], r.max[lane], r.rms[lane], r.nonfinite[lane]]
        return [Reply("/reply" + address, tuple(values))]

    @staticmethod
    def _param(s: _Space, address: str, parts: list[str]) -> Param:
        param = s.params.get((parts[2], parts[3]))
        if param is None:
            raise ControlError("unknown", f"no parameter {address} (send /list for every address)")
        return param

    # -- sessions: clips, tracks, buses -----------------------------------------------------
    def _session(self, address: str) -> Session:
        session: Session | None = self.engine.session
        if session is None:
            raise ControlError("unknown", f"{address}: what is served is not a session (no tracks or clips)")
        return session

    def _session_addresses(self) -> list[Address]:
        session: Session | None = self.engine.session
        if session is None:
            return []
        out: list[Address] = []
        quantize = 'quantize: "bar" (default), "beat", "now" or whole bars (int)'
        tracks = _strips(session.tracks)
        for n, track in tracks.items():
            for i, clip in enumerate(track.clips):
                what = f"clip {i} of track '{track.name}' ({clip.path.name})"
                out.append(Address(f"/launch/{n}/{i}", "[s]", doc=f"launch {what}; {quantize}"))
                out.append(Address(f"/stop/{n}/{i}", "[s]", doc=f"stop {what}; {quantize}"))
        out.append(
            Address(
                "/session/cycle",
                "[ff[i]]",
                0,
                math.inf,
                "beats",
                f"cycle the timeline over beats start end, passes times (1 .. {ENDLESS_PASSES}; "
                "none: endless); no arguments: stop cycling after the pass playing",
            )
        )
        for prefix, strips in (("track", tracks), ("bus", _strips([*session.buses, session.master]))):
            for n, strip in strips.items():
                out += [
                    Address(
                        f"/{prefix}/{n}/gain_db", "f", -200.0, 60.0, "dB", f"fader of {strip.name} (glides)"
                    ),
                    Address(f"/{prefix}/{n}/pan", "f", -1.0, 1.0, "", f"equal-power pan of {strip.name}"),
                    Address(f"/{prefix}/{n}/mute", "i", 0, 1, "", f"mute {strip.name} (1) or not (0)"),
                ]
                if prefix == "track":
                    out.append(
                        Address(f"/track/{n}/solo", "i", 0, 1, "", f"solo {strip.name} (1) or not (0)")
                    )
        return out

    def _clip(self, address: str, track_name: str, which: str) -> Clip:
        session = self._session(address)
        tracks = _strips(session.tracks)
        track = tracks.get(track_name)
        if track is None:
            raise ControlError(
                "unknown", f"no track {track_name!r} for {address} (tracks: {', '.join(tracks) or 'none'})"
            )
        clips = track.clips
        if which.isdigit():
            index = int(which)
            if index < len(clips):
                return clips[index]
            raise ControlError(
                "unknown", f"{address}: track '{track.name}' has {len(clips)} clips (0 .. {len(clips) - 1})"
            )
        named = [c for c in clips if osc_name(c.path.stem) == which]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise ControlError(
                "unknown",
                f"{address}: {len(named)} clips of track '{track.name}' play {which!r}; use the index",
            )
        raise ControlError(
            "unknown", f"{address}: track '{track.name}' has no clip {which!r} (an index or a file stem)"
        )

    def _launch(self, address: str, start: bool, track: str, which: str, args: list[Arg]) -> list[Reply]:
        clip = self._clip(address, track, which)
        _arity(address, args, 0, 1)
        quantize: str | int = "bar"
        if args:
            q = args[0]
            if isinstance(q, str):
                if q not in ("beat", "bar", "now"):
                    raise ControlError(
                        "bad_args", f'{address}: quantize must be "beat", "bar", "now" or bars, got {q!r}'
                    )
                quantize = q
            else:
                quantize = _int(address, "quantize (bars)", q, 1, 1 << 20)
        live = self.engine
        beat = _call(lambda: live.launch(clip, quantize) if start else live.stop(clip, quantize))
        return [Reply("/reply" + address, () if beat is None else (float(beat),))]

    def _strip(self, address: str, kind: str, name: str, what: str, args: list[Arg]) -> list[Reply]:
        session = self._session(address)
        strips = _strips(session.tracks if kind == "track" else [*session.buses, session.master])
        strip = strips.get(name)
        if strip is None:
            raise ControlError(
                "unknown", f"no {kind} {name!r} for {address} ({kind}s: {', '.join(strips) or 'none'})"
            )
        if what not in ("gain_db", "pan", "mute") and not (what == "solo" and kind == "track"):
            raise ControlError(
                "unknown",
                f"unknown address {address} (gain_db, pan, mute{', solo' if kind == 'track' else ''})",
            )
        _arity(address, args, 1, 1)
        if what == "gain_db":
            value = _real(address, "gain_db", args[0], low=-200.0, high=60.0)
            _call(lambda: setattr(strip, "gain_db", value))
        elif what == "pan":
            value = _real(address, "pan", args[0], low=-1.0, high=1.0)
            _call(lambda: setattr(strip, "pan", value))
        else:
            on = _real(address, what, args[0], low=0.0, high=1.0) >= 0.5
            _call(lambda: getattr(strip, what)(on))
        return []

    def _session_edit(self, address: str, what: str, args: list[Arg]) -> list[Reply]:
        session = self._session(address)
        if what != "cycle":
            raise ControlError("unknown", f"unknown address {address} (/session/cycle)")
        wanted: Cycle | None = None
        if args:
            _arity(address, args, 2, 3)
            a = _real(address, "start", args[0], low=0.0)
            b = _real(address, "end", args[1], low=0.0)
            if not a < b:
                raise ControlError("out_of_range", f"{address}: a cycle needs start < end, got {a:g}, {b:g}")
            passes = _int(address, "passes", args[2], 1, ENDLESS_PASSES) if len(args) > 2 else None
            wanted = Cycle(a, b, ENDLESS_PASSES if passes is None else passes)
        live = self.engine

        def apply() -> Cycle | None:
            if wanted is None:
                session.stop_cycle()  # the pass playing is the last; the engine takes it
                return session.cycle
            old = session.cycle
            try:
                session.set_cycle(wanted.start, wanted.end, passes=wanted.passes)
            except ValueError as err:  # shorter than a frame, a pattern it cannot follow
                raise ControlError("out_of_range", f"{address}: {err}") from None
            try:
                # Compiled in at once (the graph swaps in two blocks on), as every edit is.
                live.update()
            except BaseException:
                # The engine did not take it: the session keeps the cycle it plays.
                if old is None:
                    session.set_cycle(None)
                else:
                    session.set_cycle(old.start, old.end, passes=old.passes)
                raise
            return wanted

        with self._lock:
            played: Cycle | None = _call(apply)
        values = () if played is None else (played.start, played.end, played.passes)
        return [Reply("/reply" + address, values)]

    def value(self, param: Param) -> list[Arg]:
        """A parameter's value(s) as the graph holds them: its constant per lane, or the
        names of the signals modulating it."""
        values = self._graph._core.node_info(param.node.id)["params"][param.name]
        return [v if isinstance(v, str) else float(v) for v in values]

    def stats(self) -> dict[str, float]:
        """The engine's numeric statistics and the control counters (``osc_...``)."""
        out: dict[str, float] = {}
        for key, value in self.engine.stats().items():
            if isinstance(value, (bool, int, float)):
                out[key] = float(value)
        for key, n in self.counters.snapshot().items():
            out[f"control_{key}"] = float(n)
        return out

    # -- transport, patterns, recording ---------------------------------------------------
    def _transport(self, address: str, what: str, args: list[Arg]) -> list[Reply]:
        t = self.engine.transport
        if what in ("start", "stop"):
            _arity(address, args, 0, 0)
            _call(t.start if what == "start" else t.stop)
        elif what == "seek":
            _arity(address, args, 1, 1)
            beat = _real(address, "beat", args[0], low=0.0)
            _call(lambda: t.seek(beat))
        elif what == "tempo":
            _arity(address, args, 1, 1)
            bpm = _real(address, "tempo", args[0], low=1e-3, high=10_000.0)
            _call(lambda: t.tempo(bpm))
        elif what == "loop":
            if not args:
                _call(lambda: t.loop(None))
                return []
            _arity(address, args, 2, 2)
            a = _real(address, "loop start", args[0], low=0.0)
            b = _real(address, "loop end", args[1], low=0.0)
            if not a < b:
                raise ControlError("out_of_range", f"{address}: a loop needs start < end, got {a:g}, {b:g}")
            _call(lambda: t.loop(a, b))
        else:
            raise ControlError("unknown", f"unknown address {address} (start, stop, seek, tempo, loop)")
        return []

    def _pattern(self, address: str, s: _Space, name: str, args: list[Arg]) -> list[Reply]:
        index = s.tracks.get(name)
        if index is None:
            raise ControlError(
                "unknown", f"no pattern track {address} (tracks: {', '.join(s.tracks) or 'none'})"
            )
        _arity(address, args, 1, 1)
        steps = args[0]
        if not isinstance(steps, str):
            raise ControlError("bad_args", f"{address} needs a string of steps, got {type(steps).__name__}")
        track = self._graph.tracks[index]
        old = track.pattern
        assert old is not None
        try:
            pattern = old.with_steps(steps)
        except ValueError as err:
            raise ControlError("bad_args", f"{address}: {err}") from None
        live = self.engine
        beat, bpm = live.transport.beat, live.transport.bpm
        bar = math.floor(beat / BEATS_PER_BAR + 1e-9) + 1
        wait = (bar * BEATS_PER_BAR - beat) * 60.0 / max(bpm, 1e-3) if live.transport.playing else 0.0

        def swap() -> None:
            with self._lock:
                self._graph.tracks[index] = track.with_pattern(pattern)
                live.update()

        lead = 2 * live.info["blocksize"] / live.samplerate
        if self._later is None or wait <= lead:
            _call(swap)
        else:
            self._later(wait - lead, swap)
        return [Reply("/reply" + address, (pattern.text, float(bar * BEATS_PER_BAR)))]

    def _record(self, address: str, what: str, args: list[Arg]) -> list[Reply]:
        if what == "start":
            _arity(address, args, 1, 1)
            name = args[0]
            if not isinstance(name, str):
                raise ControlError("bad_args", f"{address} needs a file name, got {type(name).__name__}")
            path = self.record_path(name)
            with self._lock:
                if self._take is not None:
                    raise ControlError("refused", f"{address}: already recording {self._take.path.name}")
                record = getattr(self.engine, "record", None)
                if record is None:
                    raise ControlError("failed", f"{address}: this engine cannot record to files")
                self._take = _call(lambda: record(path))
            return [Reply("/reply/record/start", (path.name,))]
        if what == "stop":
            _arity(address, args, 0, 0)
            with self._lock:
                take, self._take = self._take, None
            if take is None:
                raise ControlError("refused", f"{address}: nothing is recording")
            info = _call(take.stop)
            seconds = float(info.get("seconds", 0.0)) if isinstance(info, dict) else 0.0
            return [Reply("/reply/record/stop", (take.path.name, seconds))]
        raise ControlError("unknown", f"unknown address {address} (start, stop)")

    def record_path(self, name: str) -> Path:
        """Where ``/record/start name`` writes: inside the recordings folder, or refused."""
        candidate = Path(name)
        if candidate.is_absolute() or not name or "\x00" in name:
            raise ControlError(
                "refused", f"/record/start: {name!r} must be a file name inside {self.record_dir}"
            )
        path = (self.record_dir / candidate).resolve()
        if not path.is_relative_to(self.record_dir) or path == self.record_dir:
            raise ControlError(
                "refused", f"/record/start: {name!r} leaves the recordings folder {self.record_dir}"
            )
        if path.suffix.lower() not in RECORD_SUFFIXES:
            raise ControlError(
                "refused", f"/record/start: {name!r} must end in {' or '.join(RECORD_SUFFIXES)}"
            )
        if not path.parent.is_dir():
            raise ControlError("refused", f"/record/start: folder {path.parent.name!r} does not exist")
        return path

    def close(self) -> None:
        """Stops a recording still running."""
        with self._lock:
            take, self._take = self._take, None
        if take is not None:
            take.stop()


_S = TypeVar("_S", bound="_Strip")


def _strips(strips: Sequence[_S]) -> dict[str, _S]:
    """Tracks (or buses) by OSC name (a clash gets the strip's index appended)."""
    out: dict[str, _S] = {}
    for i, strip in enumerate(strips):
        name = osc_name(strip.name)
        out[name if name not in out else f"{name}_{i}"] = strip
    return out


def _arity(address: str, args: list[Arg], low: int, high: int) -> None:
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise ControlError("bad_args", f"{address} takes {want} arguments, got {len(args)}")


def _real(
    address: str, name: str, value: Arg, *, low: float | None = None, high: float | None = None
) -> float:
    try:
        return check_real(f"{address} {name}", value, low=low, high=high)
    except TypeError as err:
        raise ControlError("bad_args", str(err)) from None
    except ValueError as err:
        raise ControlError("out_of_range", str(err)) from None


def _int(address: str, name: str, value: Arg, low: int, high: int) -> int:
    try:
        return check_int(f"{address} {name}", value, low=low, high=high)
    except TypeError as err:
        raise ControlError("bad_args", str(err)) from None
    except ValueError as err:
        raise ControlError("out_of_range", str(err)) from None


def _velocity(address: str, value: Arg) -> float:
    """Velocity as the engine takes it: an int is a MIDI velocity 0..127, a float (0, 1]."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _int(address, "velocity", value, 0, 127) / 127.0
    return _real(address, "velocity", value, low=0.0, high=1.0)


def _call(action: Callable[[], Any]) -> Any:
    """Runs an engine call, turning what it raises into a counted :class:`ControlError`."""
    try:
        return action()
    except _core.QueueFullError as err:
        raise ControlError("failed", f"the engine's queue is full: {err}") from None
    except (ValueError, TypeError, _core.GraphError) as err:
        raise ControlError("out_of_range", str(err)) from None
    except (RuntimeError, OSError) as err:
        raise ControlError("failed", str(err)) from None
