"""The browser panel in a real browser (Debian's chromium, driven by Playwright): meters move
while audio plays, a slider moves a parameter (read back over OSC and heard on a capture),
several browsers at once, the page survives the server restarting, the security rules hold,
and a screenshot shows a drawn page."""

from __future__ import annotations

import io
import json
import re
import socket
import time
import urllib.error
import urllib.request
from typing import Any

import numpy as np
import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from scipy.signal import hilbert

import chronus as cx
from conftest import needs_chromium, wait_until

SR = 48_000

pytestmark = needs_chromium


def pulsing_tone() -> cx.Graph:
    """A sine whose level swings at 2 Hz, so meters move."""
    g = cx.Graph()
    tone = g.sine(440.0, name="tone")
    swing = g.sine(2.0, name="swing")
    g.output(tone * (0.45 + 0.4 * swing))
    return g


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def query(port: int, address: str) -> list[Any]:
    """Asks the OSC server for ``address`` and returns the reply's arguments."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2.0)
        s.sendto(bytes(OscMessageBuilder(address=address).build().dgram), ("127.0.0.1", port))
        return list(OscMessage(s.recvfrom(65_536)[0]).params)


def test_the_panel_shows_meters_moves_parameters_and_survives_a_restart(browser: Any):
    http = free_port()
    srv = cx.serve(pulsing_tone(), backend="null", osc="127.0.0.1:0", http=f"127.0.0.1:{http}", smoothing=0.0)
    page = browser.new_page(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    second = browser.new_page(bypass_csp=True)
    try:
        assert srv.url == f"http://127.0.0.1:{http}/"
        page.goto(srv.url)
        second.goto(srv.url)
        page.wait_for_function("window.chronus.snapshots > 10", timeout=10_000)
        second.wait_for_function("window.chronus.snapshots > 10", timeout=10_000)
        assert wait_until(lambda: len(srv.panel.clients) == 2, 2.0)

        # Meters move while audio plays: the level swings at 2 Hz.
        peaks = []
        for _ in range(20):
            peaks.append(page.evaluate("window.chronus.lastSnapshot.meters.rms[0]"))
            page.wait_for_timeout(50)
        assert max(peaks) > 0.1 and max(peaks) - min(peaks) > 0.05, peaks

        # A slider per parameter, with the spec's range and unit.
        slider = page.locator('input[data-address="/mod/tone/freq"]')
        assert slider.count() == 1
        assert page.locator("input[type=range]").count() == len(srv.controller.params())
        srv.engine.start_capture()
        time.sleep(0.2)
        scale = "document.querySelector('input[data-address=\"/mod/tone/freq\"]')._scale"
        position = page.evaluate(f"{scale}.toSlider(880)")
        expected = page.evaluate(f"{scale}.fromSlider({position})")
        assert expected == pytest.approx(880, rel=0.05)
        slider.fill(str(position))  # of 1000 steps over the spec's range
        assert wait_until(
            lambda: query(srv.osc_port or 0, "/query/tone/freq")[0] == pytest.approx(expected), 3.0
        )
        time.sleep(0.3)
        audio, _ = srv.engine.stop_capture()
        phase = np.unwrap(np.angle(hilbert(audio[0].astype(np.float64))))
        hz = np.diff(phase[-6000:-1000]) * SR / (2 * np.pi)
        assert np.median(hz) == pytest.approx(expected, rel=1e-3), "the slider's value is heard"
        assert page.locator('span.value[data-address="/mod/tone/freq"]').inner_text().endswith("Hz")

        # The graph is drawn from its structure; the transport and stats are shown.
        assert page.locator("#graph rect").count() == len(srv.engine.graph.nodes()) + 1
        assert "load" in page.locator("#stats").inner_text()

        # Node time: the button starts profiling, every node gets a row, costliest first.
        page.click("#profile-on")
        page.wait_for_function(
            f"document.querySelectorAll('#profile tr').length == {len(srv.engine.graph.nodes())}",
            timeout=5_000,
        )
        first = page.locator("#profile tr").first.inner_text()
        assert re.search(r"(tone|swing|muladd#\d+)\s+\w+\s+[\d.]+ ms", first), first
        page.click("#profile-off")
        assert wait_until(lambda: not srv.engine.profiling, 2.0)
        page.wait_for_function("document.querySelectorAll('#profile tr').length == 0", timeout=5_000)
        page.locator("#stop").click()
        assert wait_until(lambda: not srv.engine.transport.playing, 2.0)

        # The page is drawn: a screenshot is far from one flat colour.
        from PIL import Image

        shot = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"))
        colours = len(np.unique(shot.reshape(-1, 3), axis=0))
        assert colours > 50 and shot.std() > 10, (colours, shot.std())

        # The engine restarts: the page reconnects and follows the new one.
        srv.close()
        page.wait_for_function("!window.chronus.connected", timeout=5_000)
        before = page.evaluate("window.chronus.snapshots")
        srv = cx.serve(pulsing_tone(), backend="null", osc=None, http=f"127.0.0.1:{http}")
        page.wait_for_function(
            f"window.chronus.connected && window.chronus.snapshots > {before + 10}", timeout=15_000
        )
        assert page.evaluate("window.chronus.connections") == 2
        assert page.evaluate("window.chronus.lastSnapshot.transport.playing") is True
    finally:
        page.close()
        second.close()
        srv.close()


def test_the_panel_shows_each_probes_latest_window(browser: Any):
    """A 0.5-amplitude sine probed as "tone out": the panel's probe table shows its label and
    figures (max 0.5, RMS 0.5 / sqrt 2 over whole periods: 480-frame windows of 100 Hz)."""
    g = cx.Graph()
    g.output(g.probe(g.sine(100.0) * 0.5, "tone out", window=480))
    srv = cx.serve(g, backend="null", osc=None, http=f"127.0.0.1:{free_port()}")
    page = browser.new_page(bypass_csp=True)
    try:
        page.goto(srv.url)
        page.wait_for_function("document.querySelectorAll('#probes tr').length == 1", timeout=10_000)
        page.wait_for_function("window.chronus.lastSnapshot.probes[0].frame !== null", timeout=5_000)
        row = page.evaluate("window.chronus.lastSnapshot.probes[0]")
        assert row["label"] == "tone out" and row["window"] == 480
        assert row["max"][0] == pytest.approx(0.5, abs=1e-3) and row["nonfinite"] == [0]
        assert row["rms"][0] == pytest.approx(0.5 / np.sqrt(2), rel=1e-3)
        shown = "document.querySelector('#probes').innerText.includes('rms 0.35')"
        page.wait_for_function(shown, timeout=5_000)
        text = page.locator("#probes").inner_text()
        assert "tone out" in text and "non-finite 0" in text, text
    finally:
        page.close()
        srv.close()


def test_the_panel_refuses_other_origins_missing_tokens_and_file_paths(browser: Any, tmp_path: Any):
    g = pulsing_tone()
    with cx.serve(
        g, backend="null", osc=None, http="127.0.0.1:0", token="s3cret", record_dir=tmp_path
    ) as srv:
        base = f"http://127.0.0.1:{srv.panel.port}"
        assert srv.url == f"{base}/?token=s3cret"
        for path in ("/", "/index.html", "/ws"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(base + path, timeout=5)
            assert err.value.code == 403
        with urllib.request.urlopen(f"{base}/?token=s3cret", timeout=5) as ok:
            assert b"Chronus panel" in ok.read()
        for path in ("/../pyproject.toml", "/%2e%2e/addresses.py", "/.hidden", "/nosuch.js"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(f"{base}{path}?token=s3cret", timeout=5)
            assert err.value.code == 404
        # A page from elsewhere cannot open the WebSocket, even with the token in the URL.
        # (The tests' pages bypass the panel's Content-Security-Policy to evaluate scripts.)
        page = browser.new_page(bypass_csp=True)
        try:
            page.set_content("<p>elsewhere</p>")
            opened = page.evaluate(
                """url => new Promise(done => { const ws = new WebSocket(url);
                   ws.onopen = () => done(true); ws.onerror = () => done(false); })""",
                f"ws://127.0.0.1:{srv.panel.port}/ws?token=s3cret",
            )
            assert opened is False
            # The page can do what OSC can and nothing more: a path out of the recordings
            # folder is refused, an unknown address is an error.
            page.goto(srv.url or "")
            page.wait_for_function("window.chronus.connected", timeout=10_000)
            for address, args in (("/record/start", ["../../x.wav"]), ("/exec", ["rm -rf /"])):
                page.evaluate("([a, b]) => window.chronus.send(a, b)", [address, args])
            page.wait_for_function("window.chronus.replies.length >= 2", timeout=5_000)
            replies = page.evaluate("window.chronus.replies")
            assert [r["type"] for r in replies] == ["error", "error"]
            assert "leaves the recordings folder" in replies[0]["message"]
            assert srv.counters()["refused"] == 1 and srv.counters()["unknown"] == 1
            assert list(tmp_path.iterdir()) == []
        finally:
            page.close()
    assert json.dumps(srv.counters())
