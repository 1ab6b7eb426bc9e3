"""Seeing inside a graph: DOT that Graphviz parses, JSON with every node and edge, the
``chronus graph`` and ``chronus serve`` commands."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import chronus as cx
from chronus.control.structure import describe
from conftest import needs_tool

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.py"))
needs_dot = needs_tool("dot", "graphviz")


def small_graph() -> tuple[cx.Graph, cx.nodes.Svf]:
    g = cx.Graph()
    lfo = g.sine(0.25, name="lfo")
    filt = g.lowpass(g.saw([110.0, 165.0]), cutoff=900 + 600 * lfo, name="filter")
    g.output(g.limiter(filt.pan([-0.5, 0.5]), ceiling=-1.0) * 0.3)
    return g, filt


def test_describe_lists_every_node_and_edge_with_ports_channels_and_latency():
    g, _ = small_graph()
    d = describe(g)
    by_name = {n["name"]: n for n in d["nodes"]}
    assert len(d["nodes"]) == len(g.nodes())
    cutoff = next(p for p in by_name["filter"]["params"] if p["name"] == "cutoff")
    assert cutoff["value"] is None and cutoff["modulators"] and cutoff["unit"] == "Hz"
    q = next(p for p in by_name["filter"]["params"] if p["name"] == "q")
    assert q["value"] == [pytest.approx(0.7071, abs=1e-3)] and q["min"] < q["max"]
    assert by_name["filter"]["lanes"] == 2
    (limiter,) = [n for n in d["nodes"] if n["kind"] == "limiter"]
    assert limiter["latency"] == g.info()["latency"][limiter["id"]] > 0
    edge = next(e for e in d["edges"] if e["from"] == "filter")
    assert (edge["port"], edge["kind"], edge["to_port"], edge["channels"]) == ("out", "input", "in", 2)
    pan = next(e for e in d["edges"] if e["from"].startswith("pan"))
    assert pan["channels"] == 2
    mod = next(e for e in d["edges"] if e["to"] == "filter" and e["kind"] == "param")
    assert mod["to_port"] == "cutoff"
    assert [e["to"] for e in d["edges"] if e["kind"] == "output"] == ["output"]
    assert json.loads(json.dumps(d)) == d


@needs_dot
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_examples_dot_parses(example: Path):
    graph = cx.load_patch(example).graph
    dot = graph.to_dot()
    res = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count('class="node"') == len(graph.nodes()) + 1  # and the output
    assert res.stdout.count('class="edge"') == len(graph._core.edges())


@needs_dot
def test_chronus_graph_prints_dot_and_json():
    patch = str(EXAMPLES[0])
    dot = subprocess.run(
        [sys.executable, "-m", "chronus.cli", "graph", patch, "--dot"], capture_output=True, text=True
    )
    assert dot.returncode == 0, dot.stderr
    svg = subprocess.run(["dot", "-Tsvg"], input=dot.stdout, capture_output=True, text=True)
    assert svg.returncode == 0 and "<svg" in svg.stdout
    js = subprocess.run(
        [sys.executable, "-m", "chronus.cli", "graph", patch, "--json"], capture_output=True, text=True
    )
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    assert len(data["nodes"]) == len(cx.load_patch(patch).graph.nodes()) and data["edges"]


def test_chronus_serve_answers_osc_and_stops_on_sigterm(tmp_path: Path):
    patch = tmp_path / "tone.py"
    patch.write_text(
        "import chronus as cx\ngraph = cx.Graph()\ngraph.output(graph.sine(440, name='tone') * 0.1)\n"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chronus.cli",
            "serve",
            str(patch),
            "--backend",
            "null",
            "--osc",
            "127.0.0.1:0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        assert lines[0].startswith(f"serving {patch} on null"), lines
        port = int(lines[1].split(":")[2].split()[0])
        from pythonosc.udp_client import SimpleUDPClient

        SimpleUDPClient("127.0.0.1", port).send_message("/mod/tone/freq", 550.0)
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
