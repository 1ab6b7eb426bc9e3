"""Patch files: Python files that describe a graph for ``chronus render`` and ``chronus play``.

A patch file defines either a function ``patch()`` that returns a :class:`chronus.Graph`,
or a module-level variable ``graph``. It may also define ``seconds`` (default render
length in seconds) and ``midi_target`` (the node that hears ``chronus play --midi-in``;
by default the graph's only voice allocator).
"""

from __future__ import annotations

import os
import runpy
import traceback
from dataclasses import dataclass
from pathlib import Path

from .graph import Graph
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


def load_patch(path: str | os.PathLike[str]) -> Patch:
    """Runs the patch file at ``path`` and returns its graph."""
    path = Path(path)
    if not path.is_file():
        raise PatchError(f"patch file {path} does not exist")
    try:
        namespace = runpy.run_path(str(path), run_name="__chronus_patch__")
        build = namespace.get("patch")
        graph = build() if callable(build) else namespace.get("graph")
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
