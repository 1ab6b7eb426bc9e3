"""The live engine on a real audio server (JACK, dummy driver) and on the null device.

This shared machine stalls even native real-time threads now and then, so these tests
assert what is deterministic (frames, sample times, the engine's own recorded output) and
count what is not (xruns, callback times)."""

import subprocess
import sys
import threading
import time

import jack
import numpy as np
import pytest

import chronus as cx
from conftest import SR, pulses, wait_until


def reference_voices(g, n):
    freqs = 55 * 2 ** (4 * np.arange(n) / n)
    env = g.adsr(gate=np.ones(n), attack=0.01, decay=0.1, sustain=0.7)
    return ((g.saw(freqs) >> g.lowpass(cutoff=1500, q=2)) * env).sum() * (1 / n)


def test_64_voices_play_10_seconds_with_honest_stats(jack_server):
    observer = jack.Client("chronus-xrun-observer", no_start_server=True)
    observed = []
    observer.set_xrun_callback(lambda delay: observed.append(delay))
    observer.activate()
    try:
        g = cx.Graph()
        g.output(reference_voices(g, 64))
        before = len(observed)
        with cx.Engine(g, backend="jack", connect=False) as live:
            assert live.info["samplerate"] == jack_server["samplerate"]
            t0, c0 = time.monotonic(), live.stats()["clock"]
            time.sleep(10.0)
            t1, s = time.monotonic(), live.stats()
            engine_xruns = s["xruns"]
        observed_xruns = len(observed) - before
    finally:
        observer.deactivate()
        observer.close()
    frames = s["clock"] - c0
    assert frames == pytest.approx((t1 - t0) * SR, rel=0.01)
    assert engine_xruns == observed_xruns
    deadline = s["deadline_ms"]
    assert deadline == pytest.approx(256 / SR * 1e3)
    assert s["callbacks"] == pytest.approx(s["clock"] / 256, abs=2)
    assert 0 < s["callback_mean_ms"] < deadline
    assert s["callback_mean_ms"] <= s["callback_p99_ms"] * 1.06 <= s["callback_worst_ms"] * 1.06 + 1e-9
    assert 0 < s["load"] < 1
    assert s["late_events"] == s["dropped_events"] == s["dropped_commands"] == 0


def reroute(g: cx.Graph, node: cx.Node, bus: cx.Node, via_bus: bool) -> bool:
    """Moves ``node`` from the output to ``bus``'s input or back; returns where it goes now."""
    if via_bus:
        bus.disconnect("in", node)
        g.output(node)
    else:
        g.unoutput(node)
        bus.connect("in", node)
    return not via_bus


def test_edits_and_parameter_changes_while_playing_never_click(jack_server):
    rng = np.random.default_rng(7)
    freqs_free = list(np.arange(60.0, 200.0, 5.0))
    g = cx.Graph()
    bus = g.muladd(name="bus")
    g.output(bus)
    voices = {}  # node id -> dict(node, gain, freq, state, fade_end, via_bus)

    def add_voice(gain=0.0):
        f = freqs_free.pop(int(rng.integers(len(freqs_free))))
        amp = g.muladd(g.sine(f), mul=gain)
        g.output(amp)
        voices[amp.id] = {
            "node": amp,
            "osc_freq": f,
            "gain": gain,
            "state": "on",
            "fade_end": 0.0,
            "bus": False,
        }

    for _ in range(8):
        add_voice(gain=0.02)

    updates = 0
    with cx.Engine(g, backend="jack", connect=False) as live:
        live.start_capture()
        sets = 0
        for _edit in range(200):
            now = time.monotonic()
            kind = rng.choice(["add", "remove", "rewire"])
            if kind == "add" and len(voices) < 16 and freqs_free:
                add_voice()
            elif kind == "remove":
                gone = [k for k, v in voices.items() if v["state"] == "fading" and v["fade_end"] < now]
                if gone:
                    v = voices.pop(gone[0])
                    freqs_free.append(v["osc_freq"])
                    g.remove(v["node"])
            else:
                on = [v for v in voices.values() if v["state"] == "on"]
                if on:
                    v = on[int(rng.integers(len(on)))]
                    v["bus"] = reroute(g, v["node"], bus, v["bus"])
            live.update()
            updates += 1
            for _ in range(50):
                on = [v for v in voices.values() if v["state"] == "on"]
                v = on[int(rng.integers(len(on)))]
                if rng.random() < 0.05 and len(on) > 4:
                    v["state"], v["gain"], v["fade_end"] = "fading", 0.0, time.monotonic() + 0.05
                else:
                    v["gain"] = float(rng.uniform(0.0, 0.04))
                live.set(v["node"].mul, v["gain"])
                sets += 1
            time.sleep(0.03)
        time.sleep(1.5)
        audio, _ = live.stop_capture()
        stats = live.stats()
    assert sets == 10_000
    assert stats["swaps"] == updates  # no edit lost
    left = audio[0]
    # The largest step a sum of at most 16 sines of amplitude <= 0.04 under 200 Hz can take.
    bound = 16 * 0.04 * 2 * np.pi * 200 / SR
    steps = np.abs(np.diff(left))
    assert steps.max() <= bound, (steps.max(), bound)
    # The last second holds exactly the voices still playing, at their final gains.
    window = np.hanning(SR)
    for v in voices.values():
        t = np.arange(SR) / SR
        basis = np.exp(-2j * np.pi * v["osc_freq"] * t)
        measured = 2 * abs(np.sum(left[-SR:] * window * basis)) / window.sum()
        assert measured == pytest.approx(v["gain"], abs=2e-3), v["osc_freq"]
    for f in freqs_free:
        t = np.arange(SR) / SR
        measured = 2 * abs(np.sum(left[-SR:] * window * np.exp(-2j * np.pi * f * t))) / window.sum()
        assert measured < 2e-3, f


def edit_sounding_voices(live, g, rng, edits: int) -> tuple[dict, list, int]:
    """Adds, removes and rewires (direct <-> through a lowpass) voices that sound at full
    level, with no fade of their own: each voice is 0.05 + 0.1 sin(...) starting above 0.05,
    so swapping one in or out at once would step the output by at least 0.05. Returns the
    voices left {freq: via_filter}, the frequencies removed (some may be back), and the edits sent."""
    tone = g.lowpass(None, 2000.0, name="tone")
    g.output(tone)
    live.update()
    freqs = list(np.arange(60.0, 200.0, 7.0))
    voices, removed, sent = {}, [], 1

    def add():
        f = freqs.pop(int(rng.integers(len(freqs))))
        osc = g.sine(f, phase=float(rng.uniform(0.0, 0.5)))
        amp = g.muladd(osc, mul=0.1, add=0.05)
        g.output(amp)
        voices[f] = {"osc": osc, "amp": amp, "filtered": False}

    for _ in range(edits):
        kind = rng.choice(["add", "remove", "rewire"])
        if (kind == "add" or len(voices) < 3) and len(voices) < 12 and freqs:
            add()
        elif kind == "remove" and voices:
            f = list(voices)[int(rng.integers(len(voices)))]
            v = voices.pop(f)
            g.remove(v["amp"])
            g.remove(v["osc"])
            removed.append(f)
            freqs.append(f)
        elif voices:
            v = voices[list(voices)[int(rng.integers(len(voices)))]]
            v["filtered"] = reroute(g, v["amp"], tone, v["filtered"])
        live.update()
        sent += 1
        time.sleep(float(rng.uniform(0.0, 0.03)))
    return {f: v["filtered"] for f, v in voices.items()}, removed, sent


# The largest step 12 voices (0.1 sin, under 200 Hz) can take, plus what one edit's
# raised-cosine fade (5 ms) adds on edges carrying at most 0.15.
EDIT_STEP_BOUND = 12 * 0.1 * 2 * np.pi * 200 / SR + 2 * 0.15 * (np.pi / 2) / (0.005 * SR)


def test_edits_of_sounding_nodes_crossfade_without_a_click(jack_server):
    rng = np.random.default_rng(11)
    g = cx.Graph()
    with cx.Engine(g, backend="jack", connect=False, outputs=1) as live:
        live.start_capture()
        voices, removed, sent = edit_sounding_voices(live, g, rng, 80)
        assert wait_until(lambda: live.stats()["crossfades"] == sent)
        time.sleep(1.2)
        audio, _ = live.stop_capture()
        stats = live.stats()
    assert stats["swaps"] == sent  # no edit lost
    assert stats["crossfades"] == sent  # every edit changed a connection
    x = audio[0]
    steps = np.abs(np.diff(x))
    assert steps.max() <= EDIT_STEP_BOUND, (steps.max(), EDIT_STEP_BOUND)
    # The last second holds exactly the voices left, at their level (the 2 kHz lowpass
    # passes them within 0.1 dB), and nothing of the removed ones.
    window = np.hanning(SR)
    t = np.arange(SR) / SR
    tail = x[-SR:] - np.mean(x[-SR:])

    def level(f):
        return 2 * abs(np.sum(tail * window * np.exp(-2j * np.pi * f * t))) / window.sum()

    assert voices
    for f in voices:
        assert level(f) == pytest.approx(0.1, abs=2e-3), f
    for f in set(removed) - set(voices):
        assert level(f) < 2e-3, f
    assert np.mean(x[-SR:]) == pytest.approx(0.05 * len(voices), abs=1e-3)


def test_the_same_edits_without_crossfades_click(jack_server):
    # The bound above is tight enough to catch an unfaded edit.
    rng = np.random.default_rng(11)
    g = cx.Graph()
    with cx.Engine(g, backend="jack", connect=False, outputs=1, edit_fade=0.0) as live:
        live.start_capture()
        edit_sounding_voices(live, g, rng, 20)
        time.sleep(0.1)
        audio, _ = live.stop_capture()
        assert live.stats()["crossfades"] == 0
    assert np.abs(np.diff(audio[0])).max() > 0.04 > EDIT_STEP_BOUND


def song_patch(extra_dc: float, pattern: str) -> tuple[cx.Graph, cx.Node]:
    """What a patch file builds, run twice with different values: a 220 Hz sine (same
    node id both times), a voice allocator playing ``pattern``, and maybe a DC offset."""
    g = cx.Graph()
    g.tempo = cx.TempoMap.constant(120)
    tone = g.sine(220.0, phase=0.25)
    v = g.voices(4)
    g.output(g.stack(tone * 0.3 + (g.const(extra_dc) if extra_dc else 0.0), v.trigger.sum()))
    g.play(v, cx.Pattern(pattern, note=60))
    return g, tone


def test_replacing_the_graph_keeps_state_crossfades_and_carries_the_song_on():
    a, _ = song_patch(0.0, "x...")
    b, _ = song_patch(0.2, "..x.")
    with cx.Engine(a, backend="null", outputs=2) as live:
        live.start_capture()
        time.sleep(1.1)
        live.replace(b)
        time.sleep(1.1)
        audio, start = live.stop_capture()
        stats = live.stats()
    assert stats["crossfades"] == 1
    x, hits = audio[0], np.array(pulses(audio[1]))
    # The sine keeps its phase: one sinusoid fits before and after (less the new offset).
    n = np.arange(len(x)) + start
    basis = np.stack([np.cos(2 * np.pi * 220 * n / SR), np.sin(2 * np.pi * 220 * n / SR)], axis=1)
    coef, *_ = np.linalg.lstsq(basis[: SR // 2], x[: SR // 2], rcond=None)
    tone = basis @ coef
    assert np.hypot(*coef) == pytest.approx(0.3, abs=1e-4)
    assert np.max(np.abs(x[-SR // 2 :] - 0.2 - tone[-SR // 2 :])) < 1e-4
    # The offset arrives without a click.
    assert np.abs(np.diff(x)).max() < 0.3 * 2 * np.pi * 220 / SR + 0.2 * (np.pi / 2) / (0.005 * SR) + 1e-4
    # The song carries on: beats 0 and 1 of the old pattern, then the new one's off-beats
    # (beat + 0.5) on the same grid, never restarting at beat 0.
    grid = (hits - hits[0]) / (SR / 2)
    assert np.allclose(grid, np.round(grid * 2) / 2)
    old, new = grid[grid == np.round(grid)], grid[grid != np.round(grid)]
    assert len(old) >= 2 and len(new) >= 2 and old.max() < new.min()


def test_oscillator_phase_is_continuous_across_a_swap(jack_server):
    g = cx.Graph()
    g.output(g.sine(440.0) * 0.5)
    with cx.Engine(g, backend="jack", connect=False) as live:
        live.start_capture()
        time.sleep(0.3)
        with live.edit():
            g.sine(1000.0)  # an unrelated node
        time.sleep(0.3)
        audio, start = live.stop_capture()
        assert live.stats()["swaps"] == 1
    x = audio[0]
    n = np.arange(len(x)) + start
    # Fit amplitude and phase on the first 0.1 s (before the swap), then predict it all.
    basis = np.stack([np.cos(2 * np.pi * 440 * n / SR), np.sin(2 * np.pi * 440 * n / SR)], axis=1)
    coef, *_ = np.linalg.lstsq(basis[:4800], x[:4800], rcond=None)
    assert np.hypot(*coef) == pytest.approx(0.5, abs=1e-4)
    assert np.max(np.abs(x - basis @ coef)) < 1e-4


def test_a_change_for_sample_time_t_is_heard_at_t(jack_server):
    g = cx.Graph()
    c = g.const(0.0)
    g.output(c)
    with cx.Engine(g, backend="jack", connect=False, smoothing=0.0) as live:
        live.start_capture()
        target = live.frame() + 4321
        live.set(c.value, 1.0, frame=target, ramp=0)
        time.sleep(0.3)
        audio, start = live.stop_capture()
    first = int(np.flatnonzero(audio[0] == 1.0)[0]) + start
    assert first == target


def test_null_backend_keeps_real_time():
    g = cx.Graph()
    g.output(g.sine(440.0))
    with cx.Engine(g, backend="null") as live:
        t0, c0 = time.monotonic(), live.stats()["clock"]
        time.sleep(5.0)
        t1, c1 = time.monotonic(), live.stats()["clock"]
    assert (c1 - c0) == pytest.approx((t1 - t0) * SR, rel=0.02)


def test_latency_through_a_jack_loopback_matches_jack_iodelay(jack_server):
    # jack_iodelay measures the same loop with its own ports: it must agree with us.
    cmd = ["stdbuf", "-oL", "jack_iodelay"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        time.sleep(0.5)
        subprocess.run(["jack_connect", "jack_delay:out", "jack_delay:in"], check=True)
        time.sleep(2.0)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=5)
    reported = [float(line.split()[0]) for line in out.splitlines() if "frames" in line and "total" in line]
    assert reported, out  # its first lines, before it locks on, can be garbage; the last is settled
    ours = cx.measure_latency(backend="jack")
    assert ours["frames"] == round(reported[-1]) == jack_server["blocksize"]
    assert ours["measurements"] == [ours["frames"]] * 5


def test_a_full_command_queue_raises_and_the_engine_keeps_playing():
    g = cx.Graph()
    c = g.const(0.0)
    g.output(c)
    with cx.Engine(g, backend="null", queue=64) as live:
        with pytest.raises(cx.QueueFullError, match="command queue is full"):
            for i in range(100_000):
                live.set(c.value, (i % 100) / 100)
        clock = live.stats()["clock"]
        time.sleep(0.2)
        s = live.stats()
        assert s["clock"] > clock
        assert s["dropped_commands"] == 1
        live.set(c.value, 0.5)  # accepted again once the audio thread drained the queue


def test_bad_live_input_is_named():
    g = cx.Graph()
    c = g.const([0.0, 0.0])
    g.output(c)
    with pytest.raises(cx.DeviceError, match="unknown backend 'nosuch'"):
        cx.Engine(g, backend="nosuch")
    with cx.Engine(g, backend="null") as live:
        with pytest.raises(cx.GraphError, match="lane 2 of parameter 'value' does not exist"):
            live.set(c.value, 1.0, lane=2)
        with pytest.raises(cx.GraphError, match=r"const#0: parameter 'value' = 5000000000 is outside"):
            live.set(c.value, 5e9)
        with pytest.raises(cx.DeviceError, match="null backend has no ports"):
            live.connect("a", "b")
    with pytest.raises(RuntimeError, match="closed"):
        live.set(c.value, 1.0)


CLOSE_WHILE_BUSY = """
import threading, time
import chronus as cx
g = cx.Graph()
osc = g.saw(110)
g.output(osc * 0.1)
live = cx.Engine(g, backend="jack", connect=False)
stop = False
def spin():
    x = 0
    while not stop:
        x += 1
def poke():
    while not stop:
        try:
            live.set(osc.freq, 220.0)
            live.stats()
        except RuntimeError:
            pass
threads = [threading.Thread(target=f) for f in (spin, spin, poke, poke)]
for t in threads:
    t.start()
time.sleep(1.0)
live.close()
stop = True
for t in threads:
    t.join()
print("closed")
"""


def test_closing_while_python_threads_are_busy_never_hangs(jack_server):
    for _ in range(3):
        res = subprocess.run(
            [sys.executable, "-c", CLOSE_WHILE_BUSY], capture_output=True, text=True, timeout=30
        )
        assert res.returncode == 0, res.stderr
        assert "closed" in res.stdout


def test_meters_follow_the_output():
    g = cx.Graph()
    g.output(g.pan(g.sine(1000.0) * 0.5, -1.0))
    with cx.Engine(g, backend="null") as live:
        time.sleep(0.8)
        m = live.meters()
    assert m["peak"][0] == pytest.approx(0.5, rel=0.01)
    assert m["rms"][0] == pytest.approx(0.5 / np.sqrt(2), rel=0.05)
    assert m["peak"][1] < 1e-6 and m["peak_db"][1] < -100


def test_threads_can_share_an_engine():
    g = cx.Graph()
    c = g.const(0.0)
    g.output(c)
    errors = []
    with cx.Engine(g, backend="null") as live:

        def worker():
            try:
                for i in range(300):
                    live.set(c.value, i / 300)
                    live.stats()
            except Exception as err:  # pragma: no cover - reported below
                errors.append(err)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors


def test_the_cpal_backend_runs_duplex_on_alsa():
    """ALSA through cpal, on alsa-lib's "null" device (discards playback, captures zeros)."""
    if not any(d["backend"] == "alsa" and "Discard" in d["name"] for d in cx.devices()):
        pytest.skip("no ALSA null device here")
    g = cx.Graph()
    mic = g.input(2)
    g.output(g.sine(440.0) * 0.2 + mic)
    with cx.Engine(g, backend="alsa", device="Discard", inputs=2) as live:
        assert live.info["backend"] == "alsa" and live.info["inputs"] == 2
        time.sleep(0.3)
        s = live.stats()
        m = live.meters()
    assert s["clock"] > 0 and s["callbacks"] > 0
    assert m["peak"][0] == pytest.approx(0.2, rel=0.01)


def test_a_live_capture_is_bit_identical_to_the_offline_render():
    def build():
        g = cx.Graph()
        v = g.voices(4)
        amp = g.adsr(gate=v.gate, trigger=v.trigger, attack=0.01, release=0.1)
        tone = g.lowpass(g.saw(v.freq) + g.noise(seed=4) * 0.1, cutoff=1200 + 600 * g.sine(0.5), q=3.0)
        g.output((tone * amp).sum().pan(0.3))
        return g, v

    g, v = build()
    with cx.Engine(g, backend="null") as live:
        live.start_capture()
        first = live.frame() + SR // 10
        notes = [(first + k * 3001, 48 + 5 * k) for k in range(6)]
        for frame, note in notes:
            live.note(v, note, 0.8, frame=frame)
            live.note_off(v, note, frame=frame + 2000)
        time.sleep(0.8)
        audio, start = live.stop_capture()
    offline_graph, v2 = build()
    for frame, note in notes:
        offline_graph.note(v2, note, frame=frame, velocity=0.8)
        offline_graph.note_off(v2, note, frame=frame + 2000)
    reference = cx.render(offline_graph, (start + audio.shape[1]) / SR, SR, 256)
    assert np.max(np.abs(audio)) > 0.01
    assert np.array_equal(audio, reference[:, start:])
