"""The browser panel: one page (files in ``static/``, no CDN) and a WebSocket that sends it
snapshots about 30 times a second.

One thread runs an asyncio loop with a :mod:`websockets` server on one port: plain GET
requests get the page's files, ``/ws`` upgrades to the WebSocket. Each tick the loop takes
one snapshot of the engine (statistics, meters, transport, probes, parameter values) and sends the
same text to every browser, so the engine's cost does not grow with the number of browsers
and no browser ever touches a live buffer. Browsers send control messages as
``{"address": ..., "args": [...]}``, which go through the same :class:`Controller` as OSC:
the panel can do what the OSC address space can, nothing more.

A served :class:`chronus.Session` adds the session view: a "session" message sent once per
connection (and again when the graph changes) lays out a row per track, bus and master with
the addresses of its controls and a waveform overview of each clip's file, computed once per
file (:mod:`chronus.control.overview`); each snapshot then carries the transport's place on
the timeline, the session's cycle (set from the view with ``/session/cycle``, drawn as a band
over the timelines) and every row's fader, pan, mute, solo and meter. Reading the rows' meters keeps
node outputs published on the audio thread (one frame copied per port and callback) while a
browser is connected; the panel stops that when the last one leaves.

Security: the panel listens on a loopback address unless ``allow_remote``; with a token,
the page and the WebSocket must carry ``?token=`` (the page passes it on); WebSocket
upgrades from pages of other origins are refused (a web page elsewhere cannot drive it).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import math
import threading
import time
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server as WsServer
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ...probes import table as probe_table
from ..addresses import ControlError, Controller
from ..osc import is_loopback
from ..overview import Overviews, layout
from ..overview import state as session_state
from ..structure import describe

#: Snapshots per second sent to browsers.
RATE = 30.0
#: Parameter values are sent every this many snapshots.
PARAM_EVERY = 6
#: Nodes the panel lists while profiling (the costliest).
PROFILE_ROWS = 8
#: Largest message a browser may send, in bytes.
MAX_MESSAGE = 4096

_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}


def _static(name: str) -> bytes | None:
    """A file of the page, or None if there is no such file."""
    if "/" in name or name.startswith("."):
        return None
    item = resources.files(__package__).joinpath("static").joinpath(name)
    return item.read_bytes() if item.is_file() else None


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


class Panel:
    """Serves the panel for ``controller``'s engine on ``host:port`` (port 0: any free one).

    Attributes:
        url: where to open it (with ``?token=`` when a token is set).
        clients: browsers connected now.
    """

    def __init__(
        self,
        controller: Controller,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        allow_remote: bool = False,
        token: str | None = None,
    ) -> None:
        if not is_loopback(host) and not allow_remote:
            raise PermissionError(
                f"the panel would listen on {host}, reachable from other machines: pass allow_remote=True "
                "(--allow-remote) to mean it; a token is then required"
            )
        self.controller = controller
        self.token = token
        self.clients: set[ServerConnection] = set()
        self.snapshots = 0
        self._loop = asyncio.new_event_loop()
        self._server: WsServer | None = None
        self._ready = threading.Event()
        self._errors: list[BaseException] = []
        self._bound: list[tuple[str, int]] = []
        self._structure: tuple[object, str] | None = None
        self._layout: tuple[object, str] | None = None
        #: Overviews of the served session's files, each computed once.
        self.overviews = Overviews()
        self._reading = False
        self._thread = threading.Thread(
            target=self._run, args=(host, port), name="chronus-panel", daemon=True
        )
        self._thread.start()
        self._ready.wait()
        if self._errors:
            raise self._errors[0]
        self.host, self.port = self._bound[0]
        shown = f"[{self.host}]" if ":" in str(self.host) else self.host
        self.url = f"http://{shown}:{self.port}/" + (f"?token={token}" if token else "")

    # -- lifetime -------------------------------------------------------------------------
    def _run(self, host: str, port: int) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(self._listen(host, port))
        except BaseException as err:
            self._errors.append(err)
            self._ready.set()
            return
        self._bound.append(next(iter(self._server.sockets)).getsockname()[:2])
        ticker = self._loop.create_task(self._tick())
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            ticker.cancel()
            self._server.close()
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(self._server.wait_closed())
            self._loop.close()

    async def _listen(self, host: str, port: int) -> WsServer:
        server: WsServer = await serve(
            self._client, host, port, process_request=self._request, max_size=MAX_MESSAGE
        )
        return server

    def close(self) -> None:
        """Stops serving; browsers see the connection close and keep trying to reconnect."""
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=3.0)

    # -- HTTP -----------------------------------------------------------------------------
    def _request(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        # The page and the WebSocket need the token; the script and style sheet the page
        # loads are the package's own files, public like the package.
        if self.token is not None and url.path in ("/", "/index.html", "/ws"):
            given = parse_qs(url.query).get("token", [""])[0]
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return connection.respond(403, "a token is needed: open the address the server printed\n")
        if url.path == "/ws":
            origin = request.headers.get("Origin")
            if origin is not None and not self._same_origin(origin, request.headers.get("Host", "")):
                return connection.respond(403, "connections from other sites are refused\n")
            return None
        name = "index.html" if url.path == "/" else url.path.lstrip("/")
        body = _static(name)
        if body is None:
            return connection.respond(404, "not found\n")
        suffix = name[name.rfind(".") :]
        headers = Headers(
            [
                ("Content-Type", _TYPES.get(suffix, "application/octet-stream")),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                ("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:"),
                ("X-Content-Type-Options", "nosniff"),
            ]
        )
        return Response(200, "OK", headers, body)

    @staticmethod
    def _same_origin(origin: str, host: str) -> bool:
        """Whether a page from ``origin`` is this panel's own page (served as ``host``)."""
        return urlsplit(origin).netloc == host

    # -- WebSocket ------------------------------------------------------------------------
    async def _client(self, ws: ServerConnection) -> None:
        self.clients.add(ws)
        try:
            for first in self._structure_messages():
                await ws.send(first)
            async for text in ws:
                await ws.send(json.dumps(self._command(text)))
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(ws)

    def _command(self, text: str | bytes) -> dict[str, Any]:
        try:
            message = json.loads(text)
            address, args = message["address"], message.get("args", [])
            if not isinstance(address, str) or not isinstance(args, list):
                raise TypeError("address must be a string and args a list")
        except (ValueError, KeyError, TypeError) as err:
            self.controller.counters.add("malformed")
            return {"type": "error", "address": "", "message": f"malformed message: {err}"}
        try:
            replies = self.controller.handle(address, args)
        except ControlError as err:
            return {"type": "error", "address": address, "message": str(err)}
        return {"type": "reply", "address": address, "replies": [[r.address, *r.args] for r in replies]}

    def _structure_messages(self) -> list[str]:
        """What a browser is sent on connecting and after an edit: the graph's structure,
        and for a session its layout (rows, clips, overviews)."""
        out = [self._structure_text()]
        session = self.controller.engine.session
        if session is not None:
            graph = self.controller.engine.graph
            if self._layout is None or self._layout[0] is not graph:
                self._layout = (graph, json.dumps(layout(session, self.overviews)))
            out.append(self._layout[1])
        return out

    def _structure_text(self) -> str:
        graph = self.controller.engine.graph
        if self._structure is None or self._structure[0] is not graph:
            engine = self.controller.engine
            shape = describe(graph, engine.samplerate, int(engine.info["blocksize"]))
            names = self.controller.node_names()
            for node in shape["nodes"]:
                node["osc"] = names.get(node["id"])
            addresses = [
                {
                    "path": a.path,
                    "types": a.types,
                    "min": _finite(a.min),
                    "max": _finite(a.max),
                    "unit": a.unit,
                }
                for a in self.controller.addresses()
            ]
            text = json.dumps(
                {
                    "type": "structure",
                    "graph": shape,
                    "addresses": addresses,
                    "engine": {k: v for k, v in engine.info.items() if isinstance(v, (str, int, float))},
                }
            )
            self._structure = (graph, text)
        return self._structure[1]

    async def _tick(self) -> None:
        period = 1.0 / RATE
        # Browsers get the structure on connecting; the tick sends it again after an edit.
        graph: object = self.controller.engine.graph
        count = 0
        while True:
            started = time.monotonic()
            if self.clients:
                engine = self.controller.engine
                messages = []
                if engine.graph is not graph:
                    graph = engine.graph
                    messages += self._structure_messages()
                messages.append(json.dumps(self.snapshot(params=count % PARAM_EVERY == 0)))
                count += 1
                for ws in list(self.clients):
                    for text in messages:
                        with contextlib.suppress(ConnectionClosed):
                            await ws.send(text)
            elif self._reading:
                # No browser: the rows' meters are not read, so outputs need not be kept.
                self._reading = False
                with contextlib.suppress(Exception):
                    self.controller.engine.stop_reading()
            await asyncio.sleep(max(0.0, period - (time.monotonic() - started)))

    def snapshot(self, *, params: bool = True) -> dict[str, Any]:
        """What the browsers are sent each tick: statistics, meters, transport, control
        counters and (``params``) every parameter's value."""
        engine = self.controller.engine
        self.snapshots += 1
        stats = engine.stats()
        meters = engine.meters()
        out: dict[str, Any] = {
            "type": "snapshot",
            "time": stats["time"],
            "stats": {
                k: stats[k]
                for k in (
                    "load",
                    "xruns",
                    "late_events",
                    "dropped_commands",
                    "node_resets",
                    "callback_p99_ms",
                    "callback_worst_ms",
                    "deadline_ms",
                )
            },
            "transport": {"beat": stats["beat"], "bpm": stats["bpm"], "playing": stats["playing"]},
            "meters": {"peak": meters["peak"], "rms": meters["rms"]},
            "control": self.controller.counters.snapshot(),
            "clients": len(self.clients),
        }
        if engine.profiling:
            out["profile"] = [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "mean_ms": p.mean_ms,
                    "worst_ms": p.worst_ms,
                    "share": p.share,
                }
                for p in engine.profile()[:PROFILE_ROWS]
            ]
        if any(n.kind == "probe" for n in engine.graph.nodes()):
            out["probes"] = probe_table(engine.probes())
        session = engine.session
        if session is not None:
            if not engine.reading:
                self._reading = True
            out["session"] = session_state(session, engine)
        if params:
            out["params"] = {
                address: self.controller.value(param) for address, param in self.controller.params().items()
            }
        return out
