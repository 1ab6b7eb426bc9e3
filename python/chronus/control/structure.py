"""A graph's structure as data and as a drawing: nodes with their kind, name, parameters
and latency; edges with their ports and channel counts. ``chronus graph`` and
:meth:`chronus.Graph.to_dot` print it; the panel draws it.

>>> import chronus as cx
>>> g = cx.Graph()
>>> _ = g.output(g.lowpass(g.saw(110, name="osc"), cutoff=900) * 0.2)
>>> print(to_dot(g).splitlines()[0])
digraph chronus {
>>> [e["from"] for e in describe(g)["edges"]]
['osc', 'lowpass#1', 'muladd#2']
"""

from __future__ import annotations

from typing import Any

from ..graph import Graph


def describe(graph: Graph, samplerate: float = 48_000, blocksize: int = 256) -> dict[str, Any]:
    """The graph as plain data (JSON-ready): ``nodes`` (id, name, kind, params with value
    or modulators, range and unit, options, lanes, latency in frames), ``edges`` (from/to
    names and ids, ports, kind "input" | "param" | "output", channels), ``output_channels``.
    Channel counts and latencies come from compiling the graph at ``samplerate``/``blocksize``."""
    core = graph._core
    info = graph.info(samplerate, blocksize)
    nodes = []
    ids = [n.id for n in graph.nodes()]
    names = {i: core.name(i) for i in ids}
    for node in graph.nodes():
        ni = core.node_info(node.id)
        specs = {p["name"]: p for p in node.spec["params"]}
        params = []
        for pname, value in ni["params"].items():
            spec = specs[pname]
            modulated = bool(value) and isinstance(value[0], str)
            params.append(
                {
                    "name": pname,
                    "value": None if modulated else [float(v) for v in value],
                    "modulators": list(value) if modulated else [],
                    "min": float(spec["min"]),
                    "max": float(spec["max"]),
                    "default": float(spec["default"]),
                    "unit": spec["unit"],
                }
            )
        options = {k: (list(v) if isinstance(v, tuple) else v) for k, v in ni["options"].items()}
        nodes.append(
            {
                "id": node.id,
                "name": ni["name"],
                "kind": ni["kind"],
                "params": params,
                "options": options,
                "outputs": dict(zip(node.spec["outputs"], info["channels"].get(node.id) or [], strict=False)),
                "lanes": info["lanes"].get(node.id),
                "latency": info["latency"].get(node.id),
            }
        )
    edges = []
    for src, port, sink, dst, name in core.edges():
        ports = info["channels"].get(src) or []
        outputs = core.node_spec(src)["outputs"]
        edges.append(
            {
                "from": names.get(src, str(src)),
                "from_id": src,
                "port": port,
                "kind": sink,
                "to": "output" if dst is None else names.get(dst, str(dst)),
                "to_id": dst,
                "to_port": name,
                "channels": ports[outputs.index(port)] if port in outputs and ports else None,
            }
        )
    return {"nodes": nodes, "edges": edges, "output_channels": info["output_channels"]}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: Graph, samplerate: float = 48_000, blocksize: int = 256) -> str:
    """The graph in Graphviz's DOT language (``dot -Tsvg``): a box per node with its kind,
    constant parameters and latency; an edge per connection labelled with its ports and
    channel count (dashed into parameters: modulation)."""
    d = describe(graph, samplerate, blocksize)
    lines = ["digraph chronus {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica", fontsize=10];']
    for n in d["nodes"]:
        rows = [n["name"], n["kind"] if n["kind"] not in n["name"] else ""]
        for p in n["params"]:
            if p["value"] is not None:
                shown = ", ".join(f"{v:g}" for v in p["value"][:4]) + ("…" if len(p["value"]) > 4 else "")
                rows.append(f"{p['name']} = {shown} {p['unit']}".rstrip())
        if n["latency"]:
            rows.append(f"latency {n['latency']} frames")
        label = "\\n".join(_quote(r)[1:-1] for r in rows if r)
        lines.append(f'  n{n["id"]} [label="{label}"];')
    if any(e["kind"] == "output" for e in d["edges"]):
        lines.append(f'  output [shape=doublecircle, label="output\\n{d["output_channels"]} ch"];')
    for e in d["edges"]:
        dst = "output" if e["kind"] == "output" else f"n{e['to_id']}"
        into = f" → {e['to_port']}" if e["to_port"] else ""
        label = _quote(f"{e['port']}{into} ({e['channels']} ch)")
        style = ", style=dashed" if e["kind"] == "param" else ""
        lines.append(f"  n{e['from_id']} -> {dst} [label={label}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
