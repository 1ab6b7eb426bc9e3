"""Shared measurement helpers for the Chronus test suite."""

from __future__ import annotations

import importlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.signal import get_window

SR = 48_000
REPO = Path(__file__).resolve().parent.parent


def _find_data() -> Path:
    """The shared annotated data: $CHRONUS_DATA, ../shared/data beside the checkout, or the
    team's copy at /work/shared/data (a clean clone elsewhere still finds it)."""
    candidates = [os.environ.get("CHRONUS_DATA"), REPO.parent / "shared" / "data", "/work/shared/data"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    return REPO.parent / "shared" / "data"


DATA = _find_data()


#: Set by .ci/run: tools scripts/setup.sh installs are required there, never skipped.
IN_CI = bool(os.environ.get("CI"))


def needs_tool(tool: str, package: str) -> pytest.MarkDecorator:
    """Skips a test when ``tool`` (a command or an absolute path) is missing on a developer's
    machine; in CI, where scripts/setup.sh installs Debian's ``package``, the test runs and
    fails instead of vanishing."""
    missing = shutil.which(tool) is None and not IN_CI
    return pytest.mark.skipif(missing, reason=f"{tool} is not installed (Debian package {package})")


#: The browser the panel tests drive (Debian's chromium).
CHROMIUM = "/usr/bin/chromium"
needs_chromium = needs_tool(CHROMIUM, "chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright, one per test module (requirements-dev.txt
    installs Playwright, which downloads no browser)."""
    sync_api = "playwright.sync_api"
    playwright = importlib.import_module(sync_api) if IN_CI else pytest.importorskip(sync_api)
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def wait_until(ready: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Polls ``ready`` until it holds or ``timeout`` seconds pass (the shared VM can stall a
    real-time thread for tens of milliseconds); returns its last answer."""
    deadline = time.monotonic() + timeout
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.01)
    return ready()


def assert_live_equals_render(played, backend: str, seconds: float, peak: float) -> None:
    """Plays ``played`` (a graph or session) live on ``backend`` ("null", or "jack" with the
    jack_server fixture running) in blocks of 256 for ``seconds``, and asserts the capture
    equals, sample for sample, its render over the same frames, whose peak exceeds ``peak``."""
    import chronus as cx

    kwargs = {"connect": False} if backend == "jack" else {}
    with cx.Engine(played, backend=backend, blocksize=256, **kwargs) as live:
        live.start_capture()
        start = live.frame()
        assert wait_until(lambda: live.frame() > start + seconds * SR, timeout=15 + seconds)
        audio, start = live.stop_capture()
    reference = cx.render(played, seconds=(start + audio.shape[1]) / SR, blocksize=256)[:, start:]
    assert audio.shape == reference.shape
    assert np.max(np.abs(reference)) > peak
    np.testing.assert_array_equal(audio, reference)


def pulses(row: np.ndarray) -> list[int]:
    """Frames of trigger pulses, repeated when several notes start on the same frame."""
    frames = np.flatnonzero(row > 0.5)
    return [int(f) for f in frames for _ in range(round(row[f]))]


def spectrum(x: np.ndarray, sr: int = SR) -> tuple[np.ndarray, np.ndarray]:
    """Power spectrum of ``x`` with a 4-term Blackman-Harris window: (freqs Hz, power)."""
    w = get_window("blackmanharris", len(x))
    X = np.fft.rfft(x * w)
    return np.fft.rfftfreq(len(x), 1 / sr), np.abs(X) ** 2


def off_harmonic_db(x: np.ndarray, f0: float, sr: int = SR, halfwidth_hz: float = 8.0) -> float:
    """Energy away from the harmonics of ``f0`` relative to the total, in dB."""
    freqs, power = spectrum(x, sr)
    harmonic = np.zeros_like(freqs, dtype=bool)
    for k in range(1, int(sr / 2 / f0) + 1):
        harmonic |= np.abs(freqs - k * f0) <= halfwidth_hz
    harmonic |= freqs < 5.0  # DC
    return float(10 * np.log10(power[~harmonic].sum() / power.sum()))


def harmonic_amplitudes(x: np.ndarray, f0: float, count: int, sr: int = SR) -> np.ndarray:
    """Amplitudes of the first ``count`` harmonics of ``f0``, read by projection."""
    t = np.arange(len(x)) / sr
    w = np.hanning(len(x))
    amps = []
    for k in range(1, count + 1):
        basis = np.exp(-2j * np.pi * k * f0 * t)
        amps.append(2 * abs(np.sum(x * w * basis)) / np.sum(w))
    return np.array(amps)


@pytest.fixture
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"shared data folder {DATA} not found")
    return DATA


#: Name of the headless JACK server the live tests use (started by scripts/jack-dummy.sh).
JACK_SERVER = "chronus"


@pytest.fixture(scope="session")
def jack_server() -> dict:
    """The running JACK server's sample rate and period, or a skip saying how to start one."""
    os.environ.setdefault("JACK_DEFAULT_SERVER", JACK_SERVER)
    os.environ["JACK_NO_START_SERVER"] = "1"
    import jack

    try:
        client = jack.Client(
            "chronus-probe", no_start_server=True, servername=os.environ["JACK_DEFAULT_SERVER"]
        )
    except jack.JackOpenError:
        pytest.skip(
            f"no JACK server '{os.environ['JACK_DEFAULT_SERVER']}' is running; "
            "start one with ./scripts/jack-dummy.sh start (.ci/run does)"
        )
    info = {"samplerate": client.samplerate, "blocksize": client.blocksize}
    client.close()
    return info


@pytest.fixture(params=["null", "jack"])
def backend(request: pytest.FixtureRequest) -> str:
    """A live test's backend: the null backend, then JACK (skipped, saying how to start it,
    without a server). A module or test may narrow it with its own ``backend``."""
    if request.param == "jack":
        request.getfixturevalue("jack_server")
    return str(request.param)


class Feeder:
    """A JACK client, ``chronus-feeder``, whose one output port (:attr:`output`) plays
    ``signal`` once from :meth:`play` on, silence before and after; :attr:`at` counts the
    frames played since (past the signal's end too)."""

    NAME = "chronus-feeder"

    def __init__(self, signal: np.ndarray) -> None:
        import jack

        self.signal = np.asarray(signal, np.float32)
        self.at = 0
        self.playing = False
        self.client = jack.Client(self.NAME, no_start_server=True)
        self.port = self.client.outports.register("out")
        self.client.set_process_callback(self._process)
        self.client.activate()

    @property
    def output(self) -> str:
        """The full name of the output port, for ``live.connect``."""
        return f"{self.NAME}:out"

    def _process(self, frames: int) -> None:
        buf = self.port.get_array()
        buf[:] = 0.0
        if self.playing:
            chunk = self.signal[self.at : self.at + frames]
            buf[: len(chunk)] = chunk
            self.at += frames

    def play(self) -> None:
        """Starts playing the signal at the next JACK period."""
        self.playing = True

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()


@pytest.fixture
def jack_feeder(jack_server: dict) -> Iterator[Callable[[np.ndarray], Feeder]]:
    """Makes :class:`Feeder` clients on the running JACK server (closed after the test):
    another program feeding an engine's JACK input."""
    made: list[Feeder] = []

    def make(signal: np.ndarray) -> Feeder:
        feeder = Feeder(signal)
        made.append(feeder)
        return feeder

    yield make
    for feeder in made:
        feeder.close()
