"""Serving a patch: a live engine with control surfaces (OSC, the browser panel) around it.

>>> import chronus as cx
>>> g = cx.Graph()
>>> _ = g.output(g.lowpass(g.saw(110), cutoff=900, name="filter") * 0.2)
>>> with cx.serve(g, backend="null", osc="127.0.0.1:0") as server:   # doctest: +SKIP
...     print(server.osc_port)                # oscsend localhost PORT /mod/filter/cutoff f 1200
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

from ..graph import Graph
from ..live import Engine
from ..session import Session
from .addresses import Controller
from .osc import OscServer, is_loopback, parse_endpoint

#: Default OSC port (SuperCollider's language listens here too).
OSC_PORT = 57120
#: Default HTTP port of the panel.
HTTP_PORT = 8000


class Server:
    """A live engine and the control surfaces serving it; close it (or use ``with``) to
    stop them and, if the server opened the engine, the engine too.

    Attributes:
        engine: the live engine.
        controller: the address space and counters shared by every surface.
        osc: the OSC server, if any (``osc.port`` is the port it got).
        panel: the browser panel, if any (``panel.url`` is its address, with the token).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        osc: str | None,
        http: str | None,
        record_dir: str | Path,
        latency: float,
        allow_remote: bool,
        token: str | None,
        owns_engine: bool,
    ) -> None:
        self.engine = engine
        self._owns = owns_engine
        self.osc: OscServer | None = None
        self.panel: Any = None
        self.controller = Controller(engine, record_dir=record_dir, later=self._later)
        self._timers: list[threading.Timer] = []
        try:
            if osc is not None:
                host, port = parse_endpoint(osc, OSC_PORT)
                self.osc = OscServer(self.controller, host, port, allow_remote=allow_remote, latency=latency)
            if http is not None:
                from .panel import Panel

                host, port = parse_endpoint(http, HTTP_PORT)
                if not is_loopback(host) and token is None:
                    token = secrets.token_urlsafe(16)
                self.panel = Panel(self.controller, host, port, allow_remote=allow_remote, token=token)
        except BaseException:
            self.close()
            raise

    def _later(self, seconds: float, action: Any) -> None:
        if self.osc is not None:
            self.osc.later(seconds, action)
            return
        timer = threading.Timer(seconds, action)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    @property
    def osc_port(self) -> int | None:
        """The UDP port OSC listens on (None without OSC)."""
        return None if self.osc is None else int(self.osc.port)

    @property
    def url(self) -> str | None:
        """The panel's address, token included (None without a panel)."""
        return None if self.panel is None else str(self.panel.url)

    def counters(self) -> dict[str, int]:
        """What the control surfaces received and what became of it."""
        return self.controller.counters.snapshot()

    def close(self) -> None:
        """Stops the surfaces (and the engine, if the server opened it)."""
        for timer in self._timers:
            timer.cancel()
        if self.panel is not None:
            self.panel.close()
        if self.osc is not None:
            self.osc.close()
        self.controller.close()
        if self._owns:
            self.engine.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(
    target: Graph | Session | Engine,
    *,
    osc: str | None = f"127.0.0.1:{OSC_PORT}",
    http: str | None = None,
    record_dir: str | Path = ".",
    latency: float = 0.0,
    allow_remote: bool = False,
    token: str | None = None,
    **engine_args: Any,
) -> Server:
    """Plays ``target`` live and serves it to control surfaces.

    Args:
        target: a graph or a :class:`chronus.Session` (played by a new
            :class:`chronus.Engine` made with ``engine_args``, closed with the server), or an
            engine already playing. A session (served, or played by the engine) adds
            ``/launch``, ``/stop``, ``/track``, ``/bus`` and ``/session/cycle`` addresses.
        osc: ``host:port`` to listen for OSC on (UDP; port 0 picks a free one), or None.
        http: ``host:port`` for the browser panel, or None.
        record_dir: the folder ``/record/start`` writes into (and nowhere else).
        latency: seconds added to the time tag of every OSC bundle.
        allow_remote: needed to listen on anything but a loopback address.
        token: what a browser must present (``?token=``) to use the panel; generated
            when the panel listens beyond this machine.
    """
    if isinstance(target, Engine):
        if engine_args:
            raise TypeError(
                f"serve() got engine arguments ({', '.join(engine_args)}) for an engine already open"
            )
        engine, owns = target, False
    elif isinstance(target, (Graph, Session)):
        engine, owns = Engine(target, **engine_args), True
    else:
        raise TypeError(f"serve() needs a chronus.Graph, Session or Engine, got {type(target).__name__}")
    try:
        return Server(
            engine,
            osc=osc,
            http=http,
            record_dir=record_dir,
            latency=latency,
            allow_remote=allow_remote,
            token=token,
            owns_engine=owns,
        )
    except BaseException:
        if owns:
            engine.close()
        raise
