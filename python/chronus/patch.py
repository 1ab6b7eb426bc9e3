"""Patch files: Python files that describe a graph for ``chronus render`` and ``chronus play``.

A patch file is code: loading one runs it with all the rights of the user running
``chronus``, so only load patch files you trust. Only files ending in ``.py`` are run.

A patch file defines either a function ``patch()`` that returns a :class:`chronus.Graph`,
or a module-level variable ``graph``. It may also define ``seconds`` (default render
length in seconds) and ``midi_target`` (the node that hears ``chronus play --midi-in``;
by default the graph's only voice allocator).

A saved session (:meth:`chronus.Session.save`, a JSON file such as ``song.chronus.json``)
is not run as a patch is, but an effect saved as a function is imported by its name
(``module:function``), which runs that module: load sessions you trust, too.
:func:`load_source` loads either, so the same commands render, play and serve both.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import signal
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .graph import Graph
from .session import Session
from .signal import Node


class PatchError(Exception):
    """A patch file that cannot be loaded; the message names the file and what went wrong."""


@dataclass
class Patch:
    """A loaded patch: its graph and the defaults the file asked for."""

    graph: Graph
    seconds: float | None
    path: Path
    midi_target: Node | None = None


#: Longest a patch file may take to build its graph, in seconds (``chronus --timeout``).
DEFAULT_TIMEOUT = 30.0


class _Timeout(BaseException):
    """Raised inside a patch that runs past its time (a BaseException, so that a patch's own
    ``except Exception`` cannot swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds: float | None, path: Path) -> Iterator[None]:
    """Interrupts the code inside after ``seconds`` (None: no limit) with a PatchError.

    Uses a real-time interval timer (SIGALRM), so it needs the main thread of a Unix
    process; elsewhere a limit cannot be enforced and asking for one is an error.
    """
    if seconds is None:
        yield
        return
    if not (seconds > 0 and seconds < float("inf")):
        raise ValueError(f"timeout must be a positive number of seconds, got {seconds}")
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        raise PatchError(f"{path}: a loading timeout needs the main thread of a Unix process")

    def expire(signum: int, frame: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Timeout:
        raise PatchError(f"{path} did not finish building its graph within {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def load_patch(path: str | os.PathLike[str], *, timeout: float | None = None) -> Patch:
    """Runs the patch file at ``path`` (Python code: only files ending in ``.py``) and
    returns its graph; ``timeout`` bounds, in seconds, how long building it may take."""
    path = Path(path)
    if path.suffix.lower() != ".py":
        raise PatchError(
            f"{path} is not a patch file: patch files are Python code ending in .py, and only "
            "those are run (sessions are .json files; MIDI files are rendered with --instrument)"
        )
    if not path.is_file():
        raise PatchError(f"patch file {path} does not exist")
    try:
        with _time_limit(timeout, path):
            namespace = runpy.run_path(str(path), run_name="__chronus_patch__")
            build = namespace.get("patch")
            graph = build() if callable(build) else namespace.get("graph")
    except PatchError:
        raise
    except SystemExit as err:
        raise PatchError(
            f"{path} exited (SystemExit({err.code!r})) instead of defining patch() or graph"
        ) from None
    except Exception as err:
        lines = [f.lineno for f in traceback.extract_tb(err.__traceback__) if f.filename == str(path)]
        where = f" (line {lines[-1]})" if lines else ""
        raise PatchError(f"{path}{where} raised {type(err).__name__}: {err}") from err
    if not isinstance(graph, Graph):
        got = "nothing" if graph is None else type(graph).__name__
        raise PatchError(
            f"{path} must define patch() returning a chronus.Graph, or a variable `graph`; got {got}"
        )
    seconds = namespace.get("seconds")
    if seconds is not None and not isinstance(seconds, (int, float)):
        raise PatchError(f"{path}: `seconds` must be a number, got {type(seconds).__name__}")
    target = namespace.get("midi_target")
    if target is not None and not isinstance(target, Node):
        raise PatchError(f"{path}: `midi_target` must be a node of the graph, got {type(target).__name__}")
    return Patch(
        graph=graph, seconds=None if seconds is None else float(seconds), path=path, midi_target=target
    )


#: What a saved session's file name ends with (``song.chronus.json`` by convention).
SESSION_SUFFIX = ".json"


def is_session_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a saved session (a ``.json`` file) rather than a patch."""
    return Path(path).suffix.lower() == SESSION_SUFFIX


def load_session(path: str | os.PathLike[str]) -> Session:
    """The session saved at ``path`` (media paths relative to it), or a PatchError naming
    the file and what is wrong with it."""
    path = Path(path)
    if not is_session_file(path):
        raise PatchError(f"{path} is not a session file: saved sessions end in .json")
    if not path.is_file():
        raise PatchError(f"session file {path} does not exist")
    try:
        return Session.load(path)
    except (KeyError, TypeError) as err:
        raise PatchError(f"{path} is not a valid Chronus session: {type(err).__name__} {err}") from None
    except Exception as err:
        raise PatchError(f"{path}: cannot load the session: {err}") from err


def load_source(path: str | os.PathLike[str], *, timeout: float | None = None) -> Patch | Session:
    """A patch file (``.py``, run: see :func:`load_patch`) or a saved session (``.json``,
    read as data); any other file is refused with a message naming it."""
    suffix = Path(path).suffix.lower()
    if suffix == SESSION_SUFFIX:
        return load_session(path)
    if suffix == ".py":
        return load_patch(path, timeout=timeout)
    raise PatchError(
        f"cannot play {path}: give a patch file (Python code ending in .py) or a saved session "
        "(.json, e.g. song.chronus.json)"
    )
