"""What control surfaces cost.

1. Control latency: a python-osc client sends ``/mod/level/value v 0`` (a jump of a const
   node) to ``cx.serve`` every 23 ms while the engine captures its output. For each message
   the server records the engine's sample clock when the message arrived; the capture shows
   the frame where the value changed. Receive -> audio thread = that frame minus the clock
   at arrival (the change plays at the start of the next block, so this is at most one
   block plus the time the server takes). Also the client's send -> the server's receipt
   (wall clock). Median and p99 over N messages, on JACK (dummy driver) and the null device.
2. OSC against a peer, SuperCollider's scsynth (Debian supercollider-server, on the same
   JACK server, same block), side by side: the round trip of one request and its reply
   (Chronus: ``/query/<node>/<param>``, answered by the control thread; scsynth: ``/status``,
   which it carries out on its audio thread at the next block, like every command), and
   throughput: a burst of parameter messages (Chronus ``/mod``, scsynth ``/n_set``) then one
   marker request, timed until the marker's reply; messages carried out per second.
3. The panel's cost to the audio thread: the engine's load (busy time over real time) and
   callback p99 while a 64-voice patch plays, with no browser and with five headless
   Chromium pages connected (each receiving 30 snapshots a second), in alternating rounds.
4. The same for a served session (four real stems from the shared data, looped, one sent
   to a reverb bus): five browsers on the session view (its rows' meters read node outputs
   on the audio thread's publication, waveforms drawn, a playhead moved 30 times a second)
   against none.

    .venv/bin/python bench/control.py     # --messages 250 --burst 2000 --rounds 3 --seconds 8
    .venv/bin/python bench/control.py --only panel --rounds 5 --seconds 5   # 3 and 4 only
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

import chronus as cx
from chronus.control.addresses import HISTORY


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def control_latency(backend: str, messages: int) -> dict[str, Any]:
    g = cx.Graph()
    level = g.const(0.0, name="level")
    g.output(level)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with cx.Engine(g, backend=backend, connect=False, smoothing=0.0, outputs=1) as live:
        with cx.serve(live, osc="127.0.0.1:0") as srv:
            port = srv.osc_port or 0
            live.start_capture(slack=60.0)
            time.sleep(0.2)
            sent: list[float] = []
            for i in range(messages):
                b = OscMessageBuilder(address="/mod/level/value")
                b.add_arg(float(i + 1))
                b.add_arg(0.0)
                sent.append(time.monotonic())
                sock.sendto(bytes(b.build().dgram), ("127.0.0.1", port))
                time.sleep(0.023)
            time.sleep(0.2)
            audio, start = live.stop_capture()
            history = [h for h in srv.controller.history if h.address == "/mod/level/value"]
        block = live.info["blocksize"]
        rate = live.samplerate
    history = history[-messages:]
    assert len(history) == messages, f"{len(history)} of {messages} messages arrived"
    to_audio, to_server = [], []
    x = audio[0]
    for i, (h, t) in enumerate(zip(history, sent, strict=True)):
        changed = start + int(np.flatnonzero(x == float(i + 1))[0])
        to_audio.append((changed - h.frame) / rate * 1e3)
        to_server.append((h.monotonic - t) * 1e3)
    return {
        "backend": backend,
        "block_ms": block / rate * 1e3,
        "receive_to_audio_ms": (statistics.median(to_audio), percentile(to_audio, 99)),
        "send_to_receive_ms": (statistics.median(to_server), percentile(to_server, 99)),
    }


def osc(address: str, *args: float | int | str) -> bytes:
    b = OscMessageBuilder(address=address)
    for a in args:
        b.add_arg(a)
    return bytes(b.build().dgram)


class Peer:
    """One OSC server as the benchmark drives it: where it listens, a request and the address
    of its reply, and a parameter message."""

    def __init__(
        self,
        name: str,
        port: int,
        request: bytes,
        reply: str,
        param: str,
        prefix: tuple[Any, ...],
        carried: Callable[[], int],
    ):
        self.name, self.port, self.request, self.reply = name, port, request, reply
        self.param, self.prefix = param, prefix
        #: Messages the server says it carried out so far.
        self.carried = carried
        #: Messages sent so far.
        self.sent = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind(("127.0.0.1", 0))

    def ask(self, timeout: float = 2.0) -> float:
        """Round trip of the request, in ms."""
        self.sock.settimeout(timeout)
        t = time.perf_counter()
        self.sock.sendto(self.request, ("127.0.0.1", self.port))
        self.sent += 1
        while OscMessage(self.sock.recvfrom(65_536)[0]).address != self.reply:
            pass
        return (time.perf_counter() - t) * 1e3

    def round_trips(self, n: int) -> tuple[float, float]:
        times = []
        for _ in range(n):
            times.append(self.ask())
            time.sleep(0.003)
        return statistics.median(times), percentile(times, 99)

    def burst(self, n: int) -> tuple[float, int]:
        """Parameter messages carried out per second: n sent at once, then the request,
        timed until its reply (the server takes messages in order); and how many of the n
        the server reports lost."""
        packets = [osc(self.param, *self.prefix, 100.0 + i % 500) for i in range(n)]
        before = (self.sent, self.carried())
        t = time.perf_counter()
        for p in packets:
            self.sock.sendto(p, ("127.0.0.1", self.port))
        self.sent += n
        # A server whose socket buffer overflowed lost the marker too: ask again until it answers.
        for _ in range(600):
            try:
                self.ask(timeout=0.05)
                break
            except TimeoutError:
                continue
        took = time.perf_counter() - t
        return n / took, (self.sent - before[0]) - (self.carried() - before[1])


@contextmanager
def scsynth(port: int) -> Iterator[Callable[[], int]]:
    """scsynth on the running JACK server, no inputs, two outputs, with group 1. Yields the
    count of messages its log reports dropped so far (a full command FIFO): it counts
    nothing else."""
    proc = subprocess.Popen(
        ["scsynth", "-u", str(port), "-i", "0", "-o", "2", "-D", "0", "-R", "0", "-z", "64"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "server ready" in line:
                break
        else:
            raise RuntimeError("scsynth did not start")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(osc("/g_new", 1, 0, 0), ("127.0.0.1", port))
        time.sleep(0.2)
        dropped = [0]

        def drain() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                dropped[0] += "full" in line.lower()

        threading.Thread(target=drain, daemon=True).start()
        yield lambda: dropped[0]
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def against_scsynth(rounds: int, requests: int, burst: int) -> dict[str, dict[str, list[float]]]:
    """Round trip (median, p99 ms) and burst throughput (messages/s) of Chronus's OSC server
    and scsynth, in alternating rounds."""
    g = cx.Graph()
    tone = g.sine(440.0, name="tone")
    g.output(tone * 0.1)
    out: dict[str, dict[str, list[float]]] = {
        name: {"rt_median": [], "rt_p99": [], "per_s": [], "lost": []} for name in ("chronus", "scsynth")
    }
    with (
        cx.Engine(g, backend="jack", connect=False) as live,
        cx.serve(live, osc="127.0.0.1:0") as srv,
        scsynth(57_321) as sc_dropped,
    ):
        peers = [
            Peer(
                "chronus",
                srv.osc_port or 0,
                osc("/query/tone/freq"),
                "/reply/query/tone/freq",
                "/mod/tone/freq",
                (),
                lambda: srv.counters()["applied"],
            ),
            Peer("scsynth", 57_321, osc("/status"), "/status.reply", "/n_set", (1, "freq"), lambda: 0),
        ]
        # scsynth carried out everything sent but what its log reports dropped.
        peers[1].carried = lambda: peers[1].sent - sc_dropped()
        for _ in range(rounds):
            for peer in peers:
                median, p99 = peer.round_trips(requests)
                out[peer.name]["rt_median"].append(median)
                out[peer.name]["rt_p99"].append(p99)
                per_s, lost = peer.burst(burst)
                out[peer.name]["per_s"].append(per_s)
                out[peer.name]["lost"].append(float(lost))
                time.sleep(0.5)
        counters = srv.counters()
    print(f"chronus control counters after the bursts: {counters}")
    return out


def voices_patch() -> cx.Graph:
    """64 voices: saw -> lowpass -> ADSR, all playing."""
    g = cx.Graph()
    v = g.voices(64)
    g.output((g.lowpass(g.saw(v.freq), 1500.0, q=2.0) * g.adsr(gate=v.gate)).sum() * 0.01)
    for n in range(64):
        g.note(v, 36 + n, at=0.0)
    return g


def stems_session() -> cx.Session:
    """Four stems of MedleyDB's MusicDelta_Reggae (the shared data: $CHRONUS_DATA,
    ../shared/data or /work/shared/data), looped; "other" sent to a reverb bus."""
    here = Path(__file__).resolve().parent.parent
    candidates = [os.environ.get("CHRONUS_DATA"), here.parent / "shared" / "data", "/work/shared/data"]
    data = next((Path(c) for c in candidates if c and Path(c).is_dir()), None)
    if data is None:
        raise SystemExit("the shared data folder is needed for the session benchmark ($CHRONUS_DATA)")
    folder = data / "mdb_drums/stems/MusicDelta_Reggae/musdb_style"
    s = cx.Session(samplerate=48_000, bpm=120)
    for name in ("drums", "bass", "vocals", "other"):
        s.track(name).clip(folder / f"{name}.flac", loop=True)
    s.tracks[3].send(s.bus("verb", fx=("reverb", {"decay": 0.8, "mix": 1.0})), -9.0)
    return s


def histogram_p99_ms(before: list[int], after: list[int]) -> float:
    """p99 of the callbacks between two snapshots of the engine's callback-time histogram
    (256 log-spaced buckets from 1 us to 1 s; the upper edge of the bucket, as the engine
    reports its own p99)."""
    counts = np.asarray(after, np.int64) - np.asarray(before, np.int64)
    seen = np.cumsum(counts)
    if seen[-1] == 0:
        return 0.0
    edge = int(np.searchsorted(seen, np.ceil(0.99 * seen[-1]))) + 1
    return float(1e-6 * 10 ** (edge / len(counts) * 6.0) * 1e3)


def panel_cost(target: cx.Graph | cx.Session, rounds: int, seconds: float) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {"load_0": [], "load_5": [], "p99_0": [], "p99_5": []}
    with (
        cx.serve(target, backend="jack", connect=False, osc=None, http="127.0.0.1:0") as srv,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for _ in range(rounds):
            for clients in (0, 5):
                pages = [browser.new_page() for _ in range(clients)]
                for page in pages:
                    page.goto(srv.url or "")
                time.sleep(1.0)
                before = srv.engine.stats()
                histogram = srv.engine._core.snapshot()["callback_histogram"]
                time.sleep(seconds)
                after = srv.engine.stats()
                p99 = histogram_p99_ms(histogram, srv.engine._core.snapshot()["callback_histogram"])
                busy = (
                    after["callback_mean_ms"] * after["callbacks"]
                    - before["callback_mean_ms"] * before["callbacks"]
                )
                load = busy * 1e-3 / (after["time"] - before["time"])
                out[f"load_{clients}"].append(load)
                out[f"p99_{clients}"].append(p99)
                for page in pages:
                    page.close()
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=250, help=f"at most {HISTORY} (the history kept)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--burst", type=int, default=2_000)
    parser.add_argument("--only", choices=("all", "panel"), default="all", help="panel: parts 3 and 4")
    args = parser.parse_args()
    if args.only == "all":
        osc_parts(args)
    for name, target in (("64-voice patch", voices_patch()), ("session of 4 stems", stems_session())):
        cost = panel_cost(target, args.rounds, args.seconds)
        for clients in (0, 5):
            loads = cost[f"load_{clients}"]
            print(
                f"panel on a {name}, {clients} browsers: load median {100 * statistics.median(loads):.2f}% "
                f"(rounds {', '.join(f'{100 * x:.2f}' for x in loads)}), callback p99 of the round, median "
                f"{statistics.median(cost[f'p99_{clients}']):.3f} ms"
            )
        ratio = [b / a for a, b in zip(cost["load_0"], cost["load_5"], strict=True)]
        print(
            f"panel on a {name}: load with five browsers / none, median of rounds "
            f"{statistics.median(ratio):.2f} (rounds {', '.join(f'{x:.2f}' for x in ratio)})"
        )


def osc_parts(args: argparse.Namespace) -> None:
    for backend in ("jack", "null"):
        r = control_latency(backend, args.messages)
        a, s = r["receive_to_audio_ms"], r["send_to_receive_ms"]
        print(
            f"{backend}: block {r['block_ms']:.2f} ms | OSC receive -> audio thread median {a[0]:.2f} ms, "
            f"p99 {a[1]:.2f} ms | client send -> server receive median {s[0]:.3f} ms, p99 {s[1]:.3f} ms"
        )
    if shutil.which("scsynth"):
        peers = against_scsynth(args.rounds, args.messages, args.burst)
        for name, r in peers.items():
            print(
                f"{name}: OSC round trip median {statistics.median(r['rt_median']):.3f} ms, "
                f"p99 {statistics.median(r['rt_p99']):.3f} ms | burst of {args.burst}: "
                f"{statistics.median(r['per_s']):,.0f} messages/s "
                f"(rounds {', '.join(f'{x:,.0f}' for x in r['per_s'])}), lost per burst "
                f"{', '.join(f'{x:.0f}' for x in r['lost'])}"
            )
    else:
        print("scsynth is not installed (Debian supercollider-server): no peer comparison")


if __name__ == "__main__":
    main()
