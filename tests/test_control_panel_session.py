"""The panel's session view in a real browser (Debian's chromium, driven by Playwright), on a
session of real stems from the shared data: a row per track, bus and master; each placed
clip's waveform overview drawn where it plays (pixels checked against the overview, the
overview against numpy); the playhead follows the transport; the mute button mutes the track
(read back over OSC, shown by the row's meter, heard on a capture equal to the render of the
session with that track muted); a launch button starts an idle clip on the next bar, as a
clip placed there plays; the cycle inputs set and stop the session's cycle, drawn as a band
over the region, the playhead folded into it while it repeats. And ``/probe/<node>`` over
OSC against numpy on the render."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_control_osc import Client

import chronus as cx
from chronus.control.overview import BUCKETS, cycle_state, overview
from chronus.cycle import ENDLESS_PASSES, Cycle
from conftest import DATA, SR, needs_chromium, wait_until

STEMS = "mdb_drums/stems/MusicDelta_Reggae/musdb_style"
#: The panel's colours (panel.js): waveform columns, the playhead, the cycle band's edges.
WAVE = (0x5F, 0xA8, 0xD3)
PLAYHEAD = (0xFF, 0xCC, 0x00)
CYCLE_EDGE = (0x8F, 0xD3, 0xFF)


@pytest.fixture(scope="module")
def stems() -> dict[str, Path]:
    folder = DATA / STEMS
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    return {p.stem: p for p in folder.glob("*.flac")}


def song(stems: dict[str, Path], *, muted: str | None = None, vocals_at: float | None = None) -> cx.Session:
    """Drums from 0 s (4 s looped until 16 s), bass from 1 s, an idle vocal phrase (or placed at beat
    ``vocals_at``), other sent to a reverb bus; ``muted`` names a track to mute."""
    s = cx.Session(samplerate=SR, bpm=120)
    s.track("drums").clip(stems["drums"], at=0.0, length=4.0, loop=True, until=16.0)
    s.track("bass", gain_db=-3.0, pan=-0.3).clip(stems["bass"], at=1.0, length=6.0, fade_out=0.0)
    s.track("vocals").clip(
        stems["vocals"], offset=1.0, length=2.0, idle=vocals_at is None, beat=vocals_at or 0.0
    )
    other = s.track("other", gain_db=-6.0)
    other.clip(stems["other"], at=0.5, length=5.0)
    other.send(s.bus("verb", fx=("reverb", {"decay": 0.5, "mix": 1.0})), -9.0)
    if muted is not None:
        next(t for t in s.tracks if t.name == muted).mute()
    return s


@pytest.fixture
def backend() -> str:
    """The backend the served song plays on (a test parametrizes it to run on JACK too)."""
    return "null"


@pytest.fixture
def served(
    stems: dict[str, Path], backend: str, request: pytest.FixtureRequest
) -> Iterator[tuple[cx.Session, Any]]:
    """The song and its server (OSC and the panel on free ports), playing; closed after."""
    if backend == "jack":
        assert request.getfixturevalue("jack_server")["samplerate"] == SR
    s = song(stems)
    device: dict[str, Any] = {"connect": False} if backend == "jack" else {}
    srv = cx.serve(s, backend=backend, blocksize=256, osc="127.0.0.1:0", http="127.0.0.1:0", **device)
    try:
        yield s, srv
    finally:
        srv.close()


@pytest.fixture
def page(browser: Any, served: tuple[cx.Session, Any]) -> Iterator[Any]:
    """The served panel in a page, once its session view drew its rows; closed after."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    try:
        page.goto(served[1].url)
        page.wait_for_function("window.chronus.session.drawn > 3", timeout=15_000)
        yield page
    finally:
        page.close()


@pytest.fixture
def osc(served: tuple[cx.Session, Any]) -> Iterator[Client]:
    """An OSC client of the served song; closed after."""
    c = Client(served[1].osc_port or 0)
    try:
        yield c
    finally:
        c.close()


def pixels(page: Any, key: str, which: str = "canvas", row: int | None = None) -> np.ndarray:
    """The RGB pixels of a row's timeline canvas (``which``: "canvas" as shown, with the
    playhead; "cache": the lane alone), as (height, width, 3), or of one ``row`` of pixels."""
    data = page.evaluate(
        """([key, which, row]) => {
             const entry = window.chronus.session.rows.find((e) => e.r.key === key);
             const c = entry[which];
             const top = row === null ? 0 : row, h = row === null ? c.height : 1;
             return { w: c.width, h,
                      px: Array.from(c.getContext("2d").getImageData(0, top, c.width, h).data) };
           }""",
        [key, which, row],
    )
    return np.asarray(data["px"], np.uint8).reshape(data["h"], data["w"], 4)[:, :, :3]


def playhead_x(page: Any, key: str) -> float:
    line = pixels(page, key, row=32)[0]
    columns = np.flatnonzero(np.all(line == PLAYHEAD, axis=-1))
    assert len(columns), "no playhead drawn"
    return float(columns.mean())


# -- overviews ------------------------------------------------------------------------------


def test_an_overview_is_the_min_and_max_of_each_bucket_as_numpy_finds_them(stems):
    audio, _ = cx.read_audio(stems["drums"], SR)
    n = audio.shape[1]
    lows, highs = overview(audio, 600)
    assert lows.shape == highs.shape == (600,)
    # numpy, bucket by bucket: frames i*n//600 .. (i+1)*n//600 of both channels.
    for i in range(600):
        part = audio[:, i * n // 600 : (i + 1) * n // 600]
        assert lows[i] == part.min() and highs[i] == part.max(), i
    # The same from a frame -> bucket map: each frame in exactly one bucket.
    bucket = np.searchsorted((np.arange(600) * n) // 600, np.arange(n), side="right") - 1
    mono_lo, mono_hi = audio.min(axis=0), audio.max(axis=0)
    ref_lo = np.full(600, np.inf, np.float32)
    ref_hi = np.full(600, -np.inf, np.float32)
    np.minimum.at(ref_lo, bucket, mono_lo)
    np.maximum.at(ref_hi, bucket, mono_hi)
    np.testing.assert_array_equal(lows, ref_lo)
    np.testing.assert_array_equal(highs, ref_hi)
    assert lows.min() == audio.min() and highs.max() == audio.max()
    # Fewer frames than buckets: one per frame; NaN and infinities count as 0.
    lo, hi = overview(np.array([0.5, np.nan, -np.inf, -0.25], np.float32), 10)
    assert lo.tolist() == [0.5, 0.0, 0.0, -0.25] and hi.tolist() == [0.5, 0.0, 0.0, -0.25]
    assert [a.size for a in overview(np.zeros((2, 0)))] == [0, 0]
    with pytest.raises(ValueError, match="buckets"):
        overview(audio, 0)


def test_the_session_state_carries_the_cycle_and_folds_the_place_into_its_region():
    s = cx.Session(samplerate=SR, bpm=120)
    assert cycle_state(s, 3.0) == (1.5, None)
    s.set_cycle(4.0, 6.0, passes=3)
    region = {"start": 4.0, "end": 6.0, "passes": 3, "from": 2.0, "to": 3.0}
    # Before the region; its passes (beats 4 .. 6, 6 .. 8, 8 .. 10 on the transport); after.
    for beat, seconds, played in [
        (3.0, 1.5, None),
        (4.0, 2.0, 1),
        (5.0, 2.5, 1),
        (6.0, 2.0, 2),
        (7.5, 2.75, 2),
        (9.0, 2.5, 3),
        (10.0, 3.0, None),
        (10.5, 3.25, None),
    ]:
        assert cycle_state(s, beat) == (seconds, {**region, "pass": played}), beat
    s.set_cycle(4.0, 6.0)
    assert cycle_state(s, 7.0)[1] == {**region, "passes": ENDLESS_PASSES, "pass": 2}
    # A tempo change in the region: seconds from the session's tempo map, beats folded.
    s = cx.Session(samplerate=SR, tempo=cx.TempoMap([(0.0, 120.0), (5.0, 60.0)]))
    s.set_cycle(4.0, 6.0, passes=2)
    seconds, cycle = cycle_state(s, 7.5)  # beat 5.5 of the second pass: 2.5 s + half a beat at 60
    assert cycle is not None and (seconds, cycle["from"], cycle["to"], cycle["pass"]) == (3.0, 2.0, 3.5, 2)


# -- the browser ----------------------------------------------------------------------------


@needs_chromium
def test_the_session_view_draws_rows_overviews_and_a_moving_playhead(served, page, stems):
    s, srv = served
    layout_seconds = page.evaluate("window.chronus.session.layout.seconds")
    # The playhead moves with the transport (its seconds on the session's tempo map).
    first = playhead_x(page, "track/drums")
    t0 = page.evaluate("window.chronus.session.seconds")
    time.sleep(0.6)
    page.wait_for_function(f"window.chronus.session.seconds > {t0 + 0.4}", timeout=5_000)
    t1 = page.evaluate("window.chronus.session.seconds")
    second = playhead_x(page, "track/drums")
    assert second > first + 0.3 / layout_seconds * 900
    assert second == pytest.approx(t1 / layout_seconds * 900, abs=60)  # within 2 snapshots and a pixel
    # Meters: every playing row has levels; a bus without sends would have none.
    strips = page.evaluate("window.chronus.lastSnapshot.session.strips")
    assert strips["track/drums"]["levels"]["rms"][0] > 0.01
    assert set(strips) == {
        "track/drums",
        "track/bass",
        "track/vocals",
        "track/other",
        "bus/verb",
        "bus/master",
    }
    assert srv.engine.reading
    # A row per track, bus and master, named; launch and stop per clip.
    names = page.locator("#rows .row .name").all_inner_texts()
    assert names == ["drums", "bass", "vocals", "other", "bus verb", "master"]
    assert page.locator("#rows button.launch").count() == 4
    assert page.locator("#rows .row.track .solo").count() == 4
    assert page.locator("#rows .row.bus .solo").count() == 0

    # The overviews the browser got are numpy's min/max per bucket of each file as the
    # session plays it (at 48 kHz), once per file, to 4 decimals.
    layout = page.evaluate("window.chronus.session.layout")
    assert [o["file"] for o in layout["overviews"]] == [
        "drums.flac",
        "bass.flac",
        "vocals.flac",
        "other.flac",
    ]
    assert len(srv.panel.overviews) == 4
    for ov in layout["overviews"]:
        audio, _ = cx.read_audio(stems[ov["file"][:-5]], SR)
        lows, highs = overview(audio, BUCKETS)
        np.testing.assert_allclose(ov["min"], lows, rtol=0, atol=5e-5)
        np.testing.assert_allclose(ov["max"], highs, rtol=0, atol=5e-5)
        assert ov["seconds"] == pytest.approx(audio.shape[1] / SR)

    # Each placed clip's waveform is drawn where it plays, and it is the overview: a
    # column's painted height follows the bucket's max - min.
    seconds = layout["seconds"]
    assert seconds == pytest.approx(s.duration())
    for key, start, end in (("track/drums", 0.0, 16.0), ("track/bass", 1.0, 7.0)):
        lane = pixels(page, key, "cache")
        h, w, _ = lane.shape
        wave = np.all(lane == WAVE, axis=-1)
        x0, x1 = int(np.ceil(start / seconds * w)) + 1, int(end / seconds * w) - 1
        painted = wave[:, x0:x1].sum(axis=0)
        assert np.mean(painted > 0) > 0.99, key
        assert (
            wave[:, : int(start / seconds * w)].sum() == 0
            and wave[:, int(end / seconds * w) + 2 :].sum() == 0
        )
        assert painted.std() > 2.0, "columns differ: not a flat band"
    drums = layout["overviews"][0]
    lane = pixels(page, "track/drums", "cache")
    h, w, _ = lane.shape
    cols = np.arange(2, int(4.0 / seconds * w) - 2)  # the loop's first pass: file time = timeline time
    buckets = np.minimum(((cols + 0.5) / w * seconds / drums["seconds"] * BUCKETS).astype(int), BUCKETS - 1)
    expected = (np.clip(drums["max"], -1, 1)[buckets] - np.clip(drums["min"], -1, 1)[buckets]) * (h - 4) / 2
    drawn = np.all(lane[:, cols] == WAVE, axis=-1).sum(axis=0)
    assert np.corrcoef(drawn, expected)[0, 1] > 0.98
    # The looped drums repeat their first 4 s drawing after 4 s.
    period = 4.0 / seconds * w
    a = np.all(lane == WAVE, axis=-1).sum(axis=0)
    shifted = [a[int(x + period)] for x in cols[5:-5]]
    assert np.corrcoef(a[cols[5:-5]], shifted)[0, 1] > 0.9
    # An idle clip is drawn only in its chip.
    vocals = pixels(page, "track/vocals", "cache")
    assert np.all(vocals == vocals[0, 0]) and np.all(vocals[0, 0] == (0x15, 0x17, 0x1C))

    beat = srv.engine.transport.beat
    assert beat / 2.0 == pytest.approx(page.evaluate("window.chronus.session.seconds"), abs=0.2)


@needs_chromium
@pytest.mark.parametrize("backend", ["null", "jack"])
def test_the_mute_button_mutes_the_track_as_osc_does_and_it_is_heard(served, page, osc, stems, backend):
    s, srv = served
    live = srv.engine
    assert wait_until(lambda: live.transport.beat > 3.0, timeout=10)  # the bass plays from 1 s
    meter = "window.chronus.lastSnapshot.session.strips['track/bass'].levels.rms[0]"
    assert page.evaluate(meter) > 0.01
    live.start_capture()
    time.sleep(0.3)
    page.click('.row[data-key="track/bass"] button.mute')
    assert wait_until(lambda: s.tracks[1].muted, 3.0)
    (received,) = [h for h in srv.controller.history if h.address == "/track/bass/mute"]
    time.sleep(0.8)
    audio, start = live.stop_capture()
    # Read back over OSC: the mute node's gain is 0; the session says muted; the button
    # shows it; the row's meter falls (0.3 s RMS).
    osc.send("/query/bass.mute/mul")
    (reply,) = [m for m in osc.replies("/reply/query/bass.mute/mul") if m.address.startswith("/reply")]
    assert reply.params == [0.0]
    page.wait_for_function(
        "document.querySelector('.row[data-key=\"track/bass\"] button.mute').classList.contains('on')",
        timeout=5_000,
    )
    page.wait_for_function(f"{meter} < 1e-4", timeout=5_000)
    assert page.evaluate("window.chronus.lastSnapshot.session.strips['track/bass'].muted") is True
    # Heard: the mix of all tracks until the mute lands, 0.1 s later the mix without the
    # bass. A change sent without a time lands on the next callback's first frame: at or
    # after the engine's clock when the message came (the clock never runs ahead of the
    # audio, however late the audio thread), and within 50 ms of it.
    end = (start + audio.shape[1]) / SR
    full = cx.render(song(stems), seconds=end, blocksize=256)[:, start:]
    without = cx.render(song(stems, muted="bass"), seconds=end, blocksize=256)[:, start:]
    at = received.frame - start
    departs = np.flatnonzero(np.any(audio != full[:, : audio.shape[1]], axis=0))
    assert departs.size, "the capture never departed from the unmuted mix"
    landed = int(departs[0])
    assert 0 <= landed - at < SR // 20, (landed, at)
    after = landed + SR // 10
    np.testing.assert_allclose(audio[:, after:], without[:, after:], rtol=0, atol=1e-6)
    assert np.max(np.abs(full[:, after:] - without[:, after:])) > 0.05, "the bass was audible"
    # Unmuting from the panel is /track/bass/mute 0, counted with OSC's messages (once
    # carried out: the count follows the track's change, so wait for the count itself).
    page.click('.row[data-key="track/bass"] button.mute')
    assert wait_until(lambda: not s.tracks[1].muted, 3.0)
    assert wait_until(lambda: srv.counters()["applied"] >= 3, 3.0), srv.counters()


@needs_chromium
def test_faders_pans_and_solo_set_the_strips_as_their_osc_addresses_do(served, page, osc):
    s, srv = served
    page.locator('input[data-address="/track/bass/gain_db"]').fill("-12.5")
    page.locator('input[data-address="/track/other/pan"]').fill("0.75")
    page.locator('input[data-address="/bus/master/gain_db"]').fill("-1")
    page.click('.row[data-key="track/drums"] button.solo')
    bass, drums, other = s.tracks[1], s.tracks[0], s.tracks[3]
    assert wait_until(lambda: (bass.gain_db, other.pan, s.master.gain_db) == (-12.5, 0.75, -1.0), 3.0)
    assert wait_until(lambda: drums.soloed and not bass._audible(), 3.0)
    history = {h.address for h in srv.controller.history}
    assert {
        "/track/bass/gain_db",
        "/track/other/pan",
        "/bus/master/gain_db",
        "/track/drums/solo",
    } <= history
    # The graph plays it: the fader node's gain and the mute of a track soloed away.
    for address, value in (("/query/bass.fader/gain", -12.5), ("/query/bass.mute/mul", 0.0)):
        osc.send(address)
        (reply,) = [m for m in osc.replies("/reply" + address) if m.address.startswith("/reply")]
        assert reply.params == [value], address
    # OSC moves the panel's controls too: the same state, shown.
    osc.send("/track/bass/gain_db", -3.0)
    page.wait_for_function(
        "document.querySelector('input[data-address=\"/track/bass/gain_db\"]').value === '-3'",
        timeout=5_000,
    )
    row = page.locator('.row[data-key="track/bass"]')
    assert float(row.evaluate("r => getComputedStyle(r).opacity")) < 1, "soloed away: dimmed"


@needs_chromium
def test_a_launch_button_starts_an_idle_clip_on_the_next_bar(served, page, stems):
    s, srv = served
    live = srv.engine
    assert wait_until(lambda: live.transport.beat > 1.2, timeout=10)
    live.start_capture()
    page.click('button.launch[data-address="/launch/vocals/0"]')
    page.wait_for_function(
        "window.chronus.replies.some((r) => r.address === '/launch/vocals/0')", timeout=5_000
    )
    (reply,) = [r for r in page.evaluate("window.chronus.replies") if r["address"] == "/launch/vocals/0"]
    assert reply["type"] == "reply", reply
    beat = reply["replies"][0][1]
    assert reply["replies"][0][0] == "/reply/launch/vocals/0"
    assert beat % 4 == 0 and beat >= 4, "on a bar line (4/4)"
    # The launched clip is drawn where it sounds: its 2 s region from the bar on.
    vocals = s.tracks[2].clips[0]
    assert vocals.launched == (s.tempo.seconds(beat), None)
    page.wait_for_function(
        "(window.chronus.lastSnapshot.session.strips['track/vocals'].launched || {})['0']", timeout=5_000
    )
    time.sleep(0.1)
    seconds = page.evaluate("window.chronus.session.layout.seconds")
    lane = np.all(pixels(page, "track/vocals", "cache") == WAVE, axis=-1).sum(axis=0)
    x0, x1 = (
        s.tempo.seconds(beat) / seconds * len(lane),
        (s.tempo.seconds(beat) + 2.0) / seconds * len(lane),
    )
    assert lane[: int(x0)].sum() == 0 and lane[int(x1) + 2 :].sum() == 0
    assert np.mean(lane[int(x0) + 1 : int(x1) - 1] > 0) > 0.99
    assert wait_until(lambda: live.transport.beat > beat + 3.0, timeout=15)
    audio, start = live.stop_capture()
    page.click('button.stop[data-address="/stop/vocals/0"]')
    page.wait_for_function(
        "window.chronus.lastSnapshot.session.strips['track/vocals'].launched['0'][1] !== null",
        timeout=5_000,
    )
    assert vocals.launched is not None and vocals.launched[1] is not None
    assert vocals.launched[1] >= s.tempo.seconds(beat + 4.0)
    end = (start + audio.shape[1]) / SR
    reference = cx.render(song(stems, vocals_at=beat), seconds=end, blocksize=256)
    np.testing.assert_array_equal(audio, reference[:, start:])
    bar = round(s.tempo.seconds(beat) * SR) - start
    unlaunched = cx.render(song(stems), seconds=end, blocksize=256)[:, start:]
    np.testing.assert_array_equal(audio[:, :bar], unlaunched[:, :bar])
    assert np.max(np.abs(audio[:, bar : bar + SR] - unlaunched[:, bar : bar + SR])) > 0.01, "the vocals sound"


def band(page: Any, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Which pixel columns of a row's timeline the panel drew over its lane (the cycle's
    band), and which the playhead covers, from one row of pixels."""
    shown, lane = pixels(page, key, row=10)[0], pixels(page, key, "cache", row=10)[0]
    playhead = np.all(shown == PLAYHEAD, axis=-1)
    return np.any(shown != lane, axis=-1) & ~playhead, playhead


@needs_chromium
def test_the_cycle_controls_set_and_stop_the_cycle_drawn_as_a_band(served, page):
    s, srv = served
    live = srv.engine
    errors = "window.chronus.replies.filter((r) => r.type === 'error').length"

    def cycle_is(start: float) -> None:
        page.wait_for_function(
            f"window.chronus.session.cycle && window.chronus.session.cycle.start === {start}", timeout=5_000
        )

    # A region of 2 s, 2 s ahead of the transport (4 beats at 120 bpm), passes from the inputs.
    a = float(np.ceil(live.transport.beat)) + 4.0
    b = a + 4.0
    page.fill("#cycle-start", str(a))
    page.fill("#cycle-end", str(b))
    page.fill("#cycle-passes", "3")
    page.click("#cycle-set")
    assert wait_until(lambda: s.cycle == Cycle(a, b, 3), 3.0), s.cycle
    assert live.transport.beat < a, "set before the region starts"
    cycle_is(a)
    shown = page.evaluate("window.chronus.session.cycle")
    assert shown == {"start": a, "end": b, "passes": 3, "from": a / 2, "to": b / 2, "pass": None}
    assert page.inner_text("#cycle-shown") == f"{a:g}\u2013{b:g} beats \u00d7 3"
    # The band: every column of the region's seconds drawn over, and nothing else (but the
    # playhead), edges in the band's colour.
    span = page.evaluate("window.chronus.session.span")
    x0, x1 = int(np.floor(a / 2 / span * 900)), int(np.ceil(b / 2 / span * 900))
    over, playhead = band(page, "track/drums")
    assert np.all(over[x0:x1] | playhead[x0:x1]) and not over[:x0].any() and not over[x1:].any()
    edges = np.all(pixels(page, "track/drums", row=10)[0] == CYCLE_EDGE, axis=-1)
    assert edges[x0] and edges[x1 - 1]
    # Cleared before the region wraps: no cycle at all, no band.
    page.click("#cycle-clear")
    assert wait_until(lambda: s.cycle is None, 3.0)
    page.wait_for_function("window.chronus.session.cycle === null", timeout=5_000)
    drawn = page.evaluate("window.chronus.session.drawn")
    page.wait_for_function(f"window.chronus.session.drawn > {drawn}", timeout=5_000)  # drawn since
    assert not band(page, "track/drums")[0].any()
    assert page.inner_text("#cycle-shown") == "no cycle"

    # Endless (no passes): the inputs still hold the region.
    page.fill("#cycle-passes", "")
    page.click("#cycle-set")
    assert wait_until(lambda: s.cycle == Cycle(a, b, ENDLESS_PASSES), 3.0), s.cycle
    # (A new cycle fills the inputs: shown before they are typed into again.)
    page.wait_for_function(
        f"(window.chronus.session.cycle || {{}}).passes === {ENDLESS_PASSES}", timeout=5_000
    )
    # Bad input is refused naming the address, and changes nothing.
    before = page.evaluate(errors)
    page.fill("#cycle-start", str(b))
    page.fill("#cycle-end", str(a))
    page.click("#cycle-set")
    page.fill("#cycle-start", "")
    page.fill("#cycle-end", str(b))
    page.click("#cycle-set")
    page.wait_for_function(f"{errors} >= {before + 2}", timeout=5_000)
    refused = [r for r in page.evaluate("window.chronus.replies") if r["type"] == "error"][-2:]
    assert [r["address"] for r in refused] == ["/session/cycle"] * 2
    assert "start < end" in refused[0]["message"] and "must be a number" in refused[1]["message"]
    assert s.cycle == Cycle(a, b, ENDLESS_PASSES)
    # In the second pass the playhead goes round in the region; the panel shows the pass.
    page.wait_for_function(
        "window.chronus.session.cycle && window.chronus.session.cycle.pass === 2", timeout=10_000
    )
    seconds = page.evaluate("window.chronus.session.seconds")
    assert a / 2 <= seconds <= b / 2 and live.transport.beat > b
    assert x0 - 2 <= playhead_x(page, "track/drums") <= x1 + 2
    assert "(pass 2)" in page.inner_text("#cycle-shown")
    # Stopped in the second pass: it is the last; the timeline then plays on past the region.
    page.click("#cycle-clear")
    assert wait_until(lambda: s.cycle == Cycle(a, b, 2), 3.0), s.cycle
    page.wait_for_function(
        f"window.chronus.session.cycle.pass === null && window.chronus.session.seconds > {b / 2}",
        timeout=8_000,
    )
    assert page.inner_text("#cycle-shown") == f"{a:g}\u2013{b:g} beats \u00d7 2"
    # A cycle set elsewhere (OSC) is shown, but leaves inputs typed into and not sent alone.
    page.fill("#cycle-start", "99")
    srv.controller.handle("/session/cycle", [b + 16.0, b + 20.0])
    cycle_is(b + 16.0)
    assert page.input_value("#cycle-start") == "99" and page.input_value("#cycle-end") == f"{b:g}"
    assert page.inner_text("#cycle-shown").startswith(f"{b + 16.0:g}\u2013{b + 20.0:g} beats")


@needs_chromium
def test_the_panel_sends_overviews_once_per_connection_not_with_snapshots(browser, served):
    _, srv = served
    page = browser.new_page(bypass_csp=True)
    try:
        page.add_init_script(
            """window.__kinds = {};
               const Real = WebSocket;
               window.WebSocket = function (url) { const ws = new Real(url);
                 ws.addEventListener("message", (e) => { const t = JSON.parse(e.data).type;
                   window.__kinds[t] = (window.__kinds[t] || 0) + 1; });
                 return ws; };
               window.WebSocket.OPEN = Real.OPEN;"""
        )
        page.goto(srv.url)
        page.wait_for_function("(window.__kinds.snapshot || 0) > 40", timeout=15_000)
        kinds = page.evaluate("window.__kinds")
        assert kinds["session"] == 1 and kinds["structure"] == 1, kinds
        snapshot = page.evaluate("JSON.stringify(window.chronus.lastSnapshot)")
        assert "overviews" not in snapshot and len(snapshot) < 20_000
        # The rows' meters keep node outputs published while a browser is connected only.
        assert srv.engine.reading
        page.close()
        assert wait_until(lambda: not srv.engine.reading, 3.0)
    finally:
        page.close()
        srv.close()


def test_chronus_serve_of_a_saved_session_sends_the_session_view(stems, tmp_path):
    """``chronus serve song.chronus.json --http``: a WebSocket client (no browser) gets the
    structure, then the session's layout with its overviews, then snapshots with each row's
    state; a control message it sends is carried out like OSC's."""
    from websockets.sync.client import connect

    path = song(stems).save(tmp_path / "song.chronus.json")
    command = [sys.executable, "-m", "chronus.cli", "serve", str(path), "--backend", "null", "--no-osc"]
    proc = subprocess.Popen(
        [*command, "--http", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        assert lines[1].startswith("panel at http://127.0.0.1:"), lines
        url = lines[1].split()[-1].replace("http://", "ws://").rstrip("/") + "/ws"
        with connect(url) as ws:
            kinds = [json.loads(ws.recv(timeout=10)) for _ in range(2)]
            assert [k["type"] for k in kinds] == ["structure", "session"]
            layout = kinds[1]
            assert [r["name"] for r in layout["rows"]] == [
                "drums",
                "bass",
                "vocals",
                "other",
                "verb",
                "master",
            ]
            assert len(layout["overviews"]) == 4 and len(layout["overviews"][0]["min"]) == BUCKETS
            clip = layout["rows"][2]["clips"][0]
            assert clip["start"] is None and clip["launch"] == "/launch/vocals/0"
            assert layout["cycle"] == "/session/cycle"
            snapshot = json.loads(ws.recv(timeout=10))
            assert (
                snapshot["type"] == "snapshot"
                and snapshot["session"]["strips"]["track/drums"]["muted"] is False
            )
            ws.send(json.dumps({"address": "/track/drums/mute", "args": [1]}))
            while (reply := json.loads(ws.recv(timeout=10)))["type"] == "snapshot":
                pass
            assert reply == {"type": "reply", "address": "/track/drums/mute", "replies": []}
            while not (snapshot := json.loads(ws.recv(timeout=10)))["session"]["strips"]["track/drums"][
                "muted"
            ]:
                pass
            # The cycle, set through the panel's socket: replied, then in the snapshots.
            assert snapshot["session"]["cycle"] is None
            ws.send(json.dumps({"address": "/session/cycle", "args": [16, 24, 2]}))
            while (reply := json.loads(ws.recv(timeout=10)))["type"] == "snapshot":
                pass
            assert reply == {
                "type": "reply",
                "address": "/session/cycle",
                "replies": [["/reply/session/cycle", 16.0, 24.0, 2]],
            }
            while (cycle := json.loads(ws.recv(timeout=10))["session"]["cycle"]) is None:
                pass
            assert cycle == {"start": 16.0, "end": 24.0, "passes": 2, "from": 8.0, "to": 12.0, "pass": None}
            ws.send(json.dumps({"address": "/session/cycle", "args": [24, 16]}))
            while (reply := json.loads(ws.recv(timeout=10)))["type"] == "snapshot":
                pass
            assert reply["type"] == "error" and reply["address"] == "/session/cycle"
            assert "start < end" in reply["message"]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err


# -- probes over OSC ------------------------------------------------------------------------


def test_osc_probe_replies_the_latest_window_as_numpy_finds_it_in_the_render(stems, tmp_path):
    s = cx.Session(samplerate=SR, bpm=120)
    drums = s.track("drums")
    drums.clip(stems["drums"], at=0.0, length=4.0, loop=True)
    drums.fx(lambda g, x: g.probe(x, "drums in", window=1024))
    with cx.serve(s, backend="null", blocksize=256, osc="127.0.0.1:0") as srv:
        c = Client(srv.osc_port or 0)
        c.send("/list")
        listed = {m.params[0]: m.params for m in c.replies("/reply/list/end") if m.address == "/reply/list"}
        assert "/probe/drums_in" in listed and "drums in" in listed["/probe/drums_in"][5]
        assert wait_until(lambda: srv.engine.frame() > SR // 2, 5.0)
        readings = []
        for _ in range(3):
            c.send("/probe/drums_in")
            (reply,) = [m for m in c.replies("/reply/probe/drums_in") if m.address.startswith("/reply")]
            readings.append(reply.params)
            time.sleep(0.15)
        c.send("/probe/nosuch")
        (error,) = [m for m in c.replies("/error") if m.address == "/error"]
        assert "no probe /probe/nosuch" in error.params[1] and "drums_in" in error.params[1]
        c.send("/probe/drums_in", 1)
        assert [m for m in c.replies("/error") if m.address == "/error"]
        c.close()
    assert len({r[0] for r in readings}) == 3, "the readings follow the audio"
    last = max(r[0] for r in readings) + 1024
    stem = cx.render(s.graph(stem="drums"), seconds=last / SR + 0.01, blocksize=256)
    _, probes = cx.render(s, seconds=last / SR + 0.01, blocksize=256, probes=True)
    for frame, window, *lanes in readings:
        assert window == 1024 and frame % 1024 == 0 and len(lanes) == 8
        x = stem[:, frame : frame + window].astype(np.float64)
        for lane in range(2):
            lo, hi, rms, bad = lanes[4 * lane : 4 * lane + 4]
            assert lo == np.float32(x[lane].min()) and hi == np.float32(x[lane].max())
            assert rms == pytest.approx(np.sqrt(np.mean(x[lane] ** 2)), rel=2e-7)
            assert bad == 0
        record = probes["drums in"][frame // window]
        assert record.frame == frame and list(record.rms) == [lanes[2], lanes[6]]
    assert np.max(np.abs(stem)) > 0.1


def test_osc_probe_counts_nonfinite_samples_and_is_refused_before_a_window():
    period = 4800
    x = (0.5 * np.sin(2 * np.pi * 440.0 * np.arange(period) / SR)).astype(np.float32)
    spikes = [100, 101, 102, 2500, 4000]
    x[spikes] = 3e38
    g = cx.Graph()
    source = g.clip(x, samplerate=SR, loop=True, fade_out=0.0, name="src")
    g.set(source.gate, 1.0, frame=0, ramp=0)
    big = source * 1e9
    g.output(g.probe((big - big) + source, "spoilt", window=period) * 0.0)
    late = cx.Graph()
    late.output(late.probe(late.sine(100.0), "slow", window=960_000))
    with (
        cx.serve(g, backend="null", blocksize=256, osc="127.0.0.1:0") as srv,
        cx.serve(late, backend="null", osc="127.0.0.1:0") as slow,
    ):
        c = Client(srv.osc_port or 0)
        assert wait_until(lambda: srv.engine.frame() > 3 * period, 5.0)
        c.send("/probe/spoilt")
        (reply,) = [m for m in c.replies("/reply/probe/spoilt") if m.address.startswith("/reply")]
        c.close()
        c = Client(slow.osc_port or 0)
        c.send("/probe/slow")
        (error,) = [m for m in c.replies("/error") if m.address == "/error"]
        assert "has not completed a window" in error.params[1]
        assert slow.counters()["refused"] == 1
        c.close()
    frame, window, lo, hi, rms, bad = reply.params
    spoilt = x.astype(np.float64)
    spoilt[spikes] = np.nan
    finite = spoilt[np.isfinite(spoilt)]
    assert window == period and frame % period == 0 and bad == len(spikes)
    assert lo == np.float32(finite.min()) and hi == np.float32(finite.max())
    assert rms == pytest.approx(np.sqrt(np.mean(finite**2)), rel=2e-7)
