"""OSC over UDP: a server thread that parses packets (python-osc), maps bundle time tags onto
the engine's sample clock, and hands each message to a :class:`Controller`.

Timing follows SuperCollider's servers: a message outside a bundle, or in a bundle tagged
"immediately", plays at the next block; a bundle's time tag (NTP, the sender's wall clock)
plays at that moment plus ``latency`` seconds, mapped onto the sample clock, so parameter,
gate and note messages land on their exact frame. Other messages in a timed bundle wait in
the server until their time. A bundle whose time has passed plays at once and is counted
(``late_bundles``).

Nothing a client sends can stop the server: unparsable packets (``malformed``), packets
over ``max_packet`` bytes (``oversize``), unknown addresses, wrong types or values outside
a parameter's range are counted and answered with ``/error address message`` to the sender;
messages beyond ``max_rate`` per second are dropped and counted (``rate_limited``) without a
reply, so a flood cannot turn the server into an amplifier.
"""

from __future__ import annotations

import contextlib
import heapq
import ipaddress
import itertools
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.parsing import osc_types

from .addresses import Arg, ControlError, Controller, Reply

#: Largest packet taken, in bytes; bigger ones are refused and counted.
MAX_PACKET = 8192
#: Messages per second taken before the rest are dropped (and counted).
MAX_RATE = 20_000.0
#: Deepest nesting of bundles taken.
MAX_DEPTH = 8


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_endpoint(text: str, default_port: int) -> tuple[str, int]:
    """``host:port``, ``:port``, ``port`` or ``host`` as (host, port); the host defaults to
    127.0.0.1."""
    host, _, port = text.rpartition(":") if ":" in text else ("", "", text)
    if not port.isdigit():
        host, port = text, str(default_port)
    number = int(port)
    if not 0 <= number <= 65_535:
        raise ValueError(f"port must be 0..65535, got {number}")
    return host or "127.0.0.1", number


class _Bucket:
    """A token bucket: ``rate`` tokens a second, holding at most ``rate`` (one second's)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


def encode(reply: Reply) -> bytes:
    """An OSC message datagram for ``reply`` (ints as i, floats as f, text as s)."""
    builder = OscMessageBuilder(address=reply.address)
    for arg in reply.args:
        if isinstance(arg, bool):
            builder.add_arg(int(arg), "i")
        elif isinstance(arg, int):
            builder.add_arg(arg, "i")
        elif isinstance(arg, float):
            builder.add_arg(arg, "f")
        elif isinstance(arg, bytes):
            builder.add_arg(arg, "b")
        else:
            builder.add_arg(str(arg), "s")
    return bytes(builder.build().dgram)


class OscServer:
    """Listens for OSC on ``host:port`` (UDP) and plays what arrives through ``controller``.

    Args:
        controller: what carries messages out.
        host, port: where to listen (port 0: any free port; see :attr:`port`).
        allow_remote: needed to listen on anything but a loopback address.
        latency: seconds added to every bundle's time tag (as SuperCollider's servers do).
        max_packet: largest packet taken, in bytes.
        max_rate: messages per second taken; the rest are dropped and counted.
    """

    def __init__(
        self,
        controller: Controller,
        host: str = "127.0.0.1",
        port: int = 57120,
        *,
        allow_remote: bool = False,
        latency: float = 0.0,
        max_packet: int = MAX_PACKET,
        max_rate: float = MAX_RATE,
    ) -> None:
        if not is_loopback(host) and not allow_remote:
            raise PermissionError(
                f"OSC would listen on {host}, reachable from other machines: pass allow_remote=True "
                "(--allow-remote) to mean it"
            )
        self.controller = controller
        self.latency = latency
        self.max_packet = max_packet
        self._bucket = _Bucket(max_rate)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        with contextlib.suppress(OSError):
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self._waiting: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"chronus-osc-{self.port}", daemon=True)
        self._thread.start()

    # -- lifetime -------------------------------------------------------------------------
    def close(self) -> None:
        """Stops listening (messages still waiting for their time are dropped)."""
        self._stop.set()
        self._thread.join(timeout=2.0)
        self._sock.close()

    def later(self, seconds: float, action: Callable[[], None]) -> None:
        """Runs ``action`` on the server thread ``seconds`` from now."""
        with self._lock:
            heapq.heappush(self._waiting, (time.monotonic() + seconds, next(self._order), action))

    # -- the loop -------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self._run_due()
            with self._lock:
                wait = self._waiting[0][0] - time.monotonic() if self._waiting else 0.1
            self._sock.settimeout(min(max(wait, 0.0005), 0.1))
            try:
                data, sender = self._sock.recvfrom(65_536)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            self.receive(data, sender)

    def _run_due(self) -> None:
        while True:
            with self._lock:
                if not self._waiting or self._waiting[0][0] > time.monotonic():
                    return
                _, _, action = heapq.heappop(self._waiting)
            action()

    def receive(self, data: bytes, sender: Any) -> None:
        """Takes one packet from ``sender`` (what :meth:`socket.recvfrom` gives)."""
        counters = self.controller.counters
        if len(data) > self.max_packet:
            counters.add("oversize")
            self._error(sender, "", f"packet of {len(data)} bytes is over the limit of {self.max_packet}")
            return
        try:
            items = _messages(data, 0)
        except Exception as err:  # python-osc raises several kinds on damaged input
            counters.add("malformed")
            self._error(sender, "", f"malformed OSC packet: {err}")
            return
        for tag, message in items:
            if not self._bucket.take():
                counters.add("rate_limited")
                continue
            self._message(message, tag, sender)

    def _message(self, message: OscMessage, tag: float, sender: Any) -> None:
        controller = self.controller
        address = message.address
        args: list[Arg] = list(message.params)
        if tag == osc_types.IMMEDIATELY:
            self._run_message(address, args, None, sender)
            return
        controller.counters.add("timed")
        due = tag + self.latency
        ahead = due - time.time()
        if ahead < 0:
            controller.counters.add("late_bundles")
            self._run_message(address, args, None, sender)
        elif controller.timed(address):
            engine = controller.engine
            frame = engine.frame() + round(ahead * engine.samplerate)
            self._run_message(address, args, frame, sender)
        else:
            self.later(ahead, lambda: self._run_message(address, args, None, sender))

    def _run_message(self, address: str, args: list[Arg], frame: int | None, sender: Any) -> None:
        try:
            replies = self.controller.handle(address, args, frame)
        except ControlError as err:
            self._error(sender, address, str(err))
            return
        except Exception as err:  # a bug must not end the server: counted and answered
            self.controller.counters.add("failed")
            self._error(sender, address, f"{type(err).__name__}: {err}")
            return
        for reply in replies:
            self._send(sender, reply)

    def _error(self, sender: Any, address: str, message: str) -> None:
        self._send(sender, Reply("/error", (address, message)))

    def _send(self, sender: Any, reply: Reply) -> None:
        with contextlib.suppress(OSError):
            self._sock.sendto(encode(reply), sender)


def _messages(data: bytes, depth: int) -> list[tuple[float, OscMessage]]:
    """Every message of a packet with its bundle's time tag (IMMEDIATELY outside bundles)."""
    if OscBundle.dgram_is_bundle(data):
        if depth >= MAX_DEPTH:
            raise ValueError(f"bundles nested deeper than {MAX_DEPTH}")
        bundle = OscBundle(data)
        out: list[tuple[float, OscMessage]] = []
        for content in bundle:
            if isinstance(content, OscBundle):
                out += _messages(content.dgram, depth + 1)
            else:
                out.append((bundle.timestamp, content))
        return out
    if OscMessage.dgram_is_message(data):
        return [(osc_types.IMMEDIATELY, OscMessage(data))]
    raise ValueError("neither an OSC message nor a bundle")
