"""Writes the parts of Chronus that follow from the engine's node specs.

Every node kind is declared once, in Rust (a ``NodeSpec`` registered in ``nodes::all()``).
This script reads the specs through ``chronus._core.node_specs()`` and writes:

- ``python/chronus/nodes.py``: one typed class per kind (its parameters are attributes a
  type checker sees, its extra outputs too) and one builder method per kind, with the
  spec's defaults, ranges, units and docs;
- ``docs/nodes.md``: the reference of every node kind.

Run it after adding or changing a node kind (``tests/test_surface.py`` fails until the
generated files match the engine)::

    .venv/bin/python scripts/generate_nodes.py
"""

from __future__ import annotations

import keyword
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
NODES_PY = REPO / "python" / "chronus" / "nodes.py"
NODES_MD = REPO / "docs" / "nodes.md"

#: Kinds whose builders are written by hand because their arguments are structured (lists
#: of inputs, bands, operators, zones, tables, compiled code, a clip's source; a probe's
#: label comes second); their classes are generated.
HAND_WRITTEN = {"mixer", "stack", "eq", "fm", "wavetable", "sampler", "kernel", "clip", "probe"}

#: Kinds with a hand-written class: a kernel node's ports and parameters are its own, not
#: its kind's (see ``chronus.kernels``).
OWN_CLASS = {"kernel"}

#: Builders that preset an option of another kind: name -> (kind, {option: value}, doc).
ALIASES: dict[str, tuple[str, dict[str, str], str]] = {
    "lowpass": ("svf", {"mode": "lowpass"}, "12 dB/octave resonant lowpass (state-variable)."),
    "highpass": ("svf", {"mode": "highpass"}, "12 dB/octave resonant highpass (state-variable)."),
    "bandpass": ("svf", {"mode": "bandpass"}, "Bandpass (state-variable) with a 0 dB peak at ``cutoff``."),
    "notch": ("svf", {"mode": "notch"}, "Notch (state-variable) at ``cutoff``; narrower as ``q`` grows."),
}

#: Hand-written classes (in ``chronus.signal``) that add behaviour to a kind's class.
MIXINS = {
    "voices": "VoicesMixin",
    "feedback": "FeedbackMixin",
    "fm": "PlayedMixin",
    "sampler": "PlayedMixin",
    "wavetable": "PlayedMixin",
}

#: Options that lead a builder's arguments, positionally (``g.voices(16)``,
#: ``g.noise("pink")``, ``g.input(2)``, ``g.feedback(2)``).
LEADING_OPTIONS = {
    "voices": ("voices",),
    "noise": ("color",),
    "input": ("channels",),
    "feedback": ("channels",),
}

#: Kinds whose input is not a builder argument: a feedback node is fed later, with
#: ``fb.feed(signal)``, once the signal that closes the loop exists.
FED_LATER = {"feedback"}

#: The name an input port takes as a builder argument.
PORT_ARGS = {"in": "input"}


def class_name(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_"))


def port_arg(port: str) -> str:
    return PORT_ARGS.get(port, port)


def f32(x: float) -> str:
    """The shortest literal that reads back as the same float32."""
    text = np.format_float_positional(np.float32(x), unique=True, trim="0")
    return text if any(c in text for c in ".e") else text + ".0"


def num(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def is_switch(option: dict[str, Any]) -> bool:
    """A choice between exactly "off" and "on", offered to Python as a bool."""
    return option.get("choices") == ["off", "on"]


def param_line(p: dict[str, Any]) -> str:
    unit = f" {p['unit']}" if p["unit"] else ""
    return f"{p['doc']} [{f32(p['min'])} .. {f32(p['max'])}{unit}, default {f32(p['default'])}]"


def option_line(o: dict[str, Any]) -> str:
    if "choices" in o:
        if is_switch(o):
            return f"{o['doc']} (default {o['default'] == 'on'})"
        return f"{o['doc']} One of {', '.join(repr(c) for c in o['choices'])} (default {o['default']!r})."
    if "columns" in o:
        lo, hi = o["columns"]
        cols = f"{lo} column" if lo == hi == 1 else f"{lo} to {hi} columns"
        return f"{o['doc']} (an array of {cols})"
    if o.get("path"):
        return f"{o['doc']} (a file path)"
    return f"{o['doc']} [{num(o['min'])} .. {num(o['max'])}, default {num(o['default'])}]"


def docstring(
    spec: dict[str, Any], summary: str | None = None, fixed: dict[str, str] | None = None
) -> list[str]:
    """The docstring of a class or builder, as lines (without indentation)."""
    fixed = fixed or {}
    lines = textwrap.wrap(summary or spec["doc"], 88)
    if summary:
        lines += ["", *textwrap.wrap(spec["doc"], 88)]
    if spec["inputs"]:
        lines += ["", "Inputs: " + ", ".join(f"``{port_arg(i)}``" for i in spec["inputs"]) + "."]
    if spec["params"]:
        lines += ["", "Parameters (numbers, one number per lane, or signals):"]
        for p in spec["params"]:
            lines += textwrap.wrap(
                f"{p['name']}: {param_line(p)}", 84, initial_indent="    ", subsequent_indent="        "
            )
    options = [o for o in spec["options"] if o["name"] not in fixed]
    if options:
        lines += ["", "Options (fixed once built):"]
        for o in options:
            lines += textwrap.wrap(
                f"{o['name']}: {option_line(o)}", 84, initial_indent="    ", subsequent_indent="        "
            )
    if len(spec["outputs"]) > 1:
        lines += [
            "",
            "Outputs: "
            + ", ".join(f"``{o}``" for o in spec["outputs"])
            + " (the node itself is ``"
            + spec["outputs"][0]
            + "``).",
        ]
    return lines


def indent(lines: list[str], by: str) -> list[str]:
    return [by + line if line else "" for line in lines]


def check_names(kind: str, spec: dict[str, Any]) -> None:
    args = [port_arg(i) for i in spec["inputs"]] + [p["name"] for p in spec["params"]]
    args += [o["name"] for o in spec["options"]] + ["name"]
    taken = [a for a in set(args) if args.count(a) > 1]
    bad = [a for a in args if keyword.iskeyword(a) or not a.isidentifier()]
    if taken or bad:
        sys.exit(f"{kind}: builder arguments {taken or bad} clash or are not identifiers")


def class_source(kind: str, spec: dict[str, Any]) -> list[str]:
    bases = ", ".join([MIXINS[kind], "Node"] if kind in MIXINS else ["Node"])
    out = [f"class {class_name(kind)}({bases}):"]
    out += indent(['"""' + docstring(spec)[0], *docstring(spec)[1:], '"""'], "    ")
    out += ["", f"    kind: ClassVar[str] = {kind!r}"]
    for i, p in enumerate(spec["params"]):
        ignore = "  # type: ignore[assignment]" if p["name"] == "pan" else ""
        out.append(f"    {p['name']} = ParamSlot({p['name']!r}, {i}){ignore}")
    # With several outputs each gets an attribute (``voices.gate``); "out" is the node itself.
    for o in spec["outputs"] if len(spec["outputs"]) > 1 else []:
        if o != "out":
            out.append(f"    {o} = OutputSlot({o!r})")
    return out


def option_arg(o: dict[str, Any]) -> str:
    if "choices" in o and is_switch(o):
        return f"{o['name']}: bool = {o['default'] == 'on'}"
    if "choices" in o:
        choices = ", ".join(repr(c) for c in o["choices"])
        return f"{o['name']}: Literal[{choices}] = {o['default']!r}"
    if "columns" in o:
        return f"{o['name']}: ArrayLike | None = None"
    if o.get("path"):
        return f"{o['name']}: str | os.PathLike[str] | None = None"
    if o.get("integer"):
        return f"{o['name']}: int = {o['default']}"
    return f"{o['name']}: float = {num(o['default'])}"


def signature(
    kind: str, spec: dict[str, Any], fixed: dict[str, str]
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Argument lines and the dicts of inputs, params and options a builder passes on."""
    leading = LEADING_OPTIONS.get(kind, ())
    ports = [] if kind in FED_LATER else spec["inputs"]
    # The first input leads; further inputs (a sidechain) are keywords after the parameters,
    # unless the kind has no parameters (``g.mul(a, b)``).
    positional_ports = ports if not spec["params"] else ports[:1]
    port_type = "Signal | Sequence[Signal] | None = None"
    args = [option_arg(o) for o in spec["options"] if o["name"] in leading]
    args += [f"{port_arg(i)}: {port_type}" for i in positional_ports]
    args += [f"{p['name']}: ParamValue = {f32(p['default'])}" for p in spec["params"]]
    kw = [f"{port_arg(i)}: {port_type}" for i in ports if i not in positional_ports]
    kw += [option_arg(o) for o in spec["options"] if o["name"] not in fixed and o["name"] not in leading]
    kw.append("name: str | None = None")
    inputs = [f"{i!r}: {port_arg(i)}" for i in ports]
    params = [f"{p['name']!r}: {p['name']}" for p in spec["params"]]
    options = []
    for o in spec["options"]:
        if o["name"] in fixed:
            options.append(f"{o['name']!r}: {fixed[o['name']]!r}")
        elif is_switch(o):
            options.append(f"{o['name']!r}: _switch({o['name']})")
        elif o.get("path"):
            options.append(f"{o['name']!r}: None if {o['name']} is None else os.fspath({o['name']})")
        else:
            options.append(f"{o['name']!r}: {o['name']}")
    return args + (["*"] if kw else []) + kw, inputs, params, options


def builder_source(
    name: str,
    kind: str,
    spec: dict[str, Any],
    summary: str | None = None,
    fixed: dict[str, str] | None = None,
) -> list[str]:
    fixed = fixed or {}
    args, inputs, params, options = signature(kind, spec, fixed)
    cls = class_name(kind)
    out = [f"    def {name}(", "        self,"]
    out += [f"        {a}," for a in args]
    out += [f"    ) -> {cls}:"]
    doc = docstring(spec, summary, fixed)
    out += indent(['"""' + doc[0], *doc[1:], '"""'], "        ")
    out += [
        "        return self._add(",
        f"            {cls},",
        "            {" + ", ".join(inputs) + "},",
        "            {" + ", ".join(params) + "},",
        "            {" + ", ".join(options) + "},",
        "            name,",
        *([f"            {name!r},"] if name != kind else []),
        "        )",
    ]
    return out


HEADER = '''"""Node classes and builders, generated from the engine's node specs: do not edit.

Written by ``scripts/generate_nodes.py`` from ``chronus._core.node_specs()`` (the Rust
``NodeSpec`` of every kind); ``tests/test_surface.py`` fails when it is out of date. Each
kind has a class whose parameters are attributes (``lowpass.cutoff`` is a
:class:`~chronus.signal.Param`; assigning a number or a signal sets it) and a builder
method on :class:`chronus.Graph`.
"""

from __future__ import annotations

{stdlib}from collections.abc import Sequence
from typing import ClassVar, Literal, TypeVar
{arraylike}
from .signal import FeedbackMixin, Node, OutputSlot, ParamSlot, ParamValue, PlayedMixin, Signal, VoicesMixin

N = TypeVar("N", bound=Node)


def _switch(on: bool) -> str:
    return "on" if on else "off"
'''


def nodes_module(specs: dict[str, dict[str, Any]]) -> str:
    body: list[str] = []
    kinds = {k: v for k, v in specs.items() if k not in OWN_CLASS}
    out = body
    for kind, spec in kinds.items():
        check_names(kind, spec)
        out += ["", "", *class_source(kind, spec)]
    out += ["", "", "#: The class of every node kind, by kind name.", "KINDS: dict[str, type[Node]] = {"]
    out += [f"    {kind!r}: {class_name(kind)}," for kind in kinds]
    out += ["}", "", ""]
    out += [
        "class NodeBuilders:",
        '    """One builder per node kind (mixed into :class:`chronus.Graph`)."""',
        "",
        "    def _add(",
        "        self,",
        "        cls: type[N],",
        "        inputs: dict[str, Signal | Sequence[Signal] | None],",
        "        params: dict[str, ParamValue],",
        "        options: dict[str, object],",
        "        name: str | None,",
        "        builder: str | None = None,",
        "    ) -> N:",
        "        raise NotImplementedError  # provided by Graph",
    ]
    for kind, spec in specs.items():
        if kind in HAND_WRITTEN:
            continue
        out += ["", *builder_source(kind, kind, spec)]
    for alias, (kind, fixed, summary) in ALIASES.items():
        out += ["", *builder_source(alias, kind, specs[kind], summary, fixed)]
    text = "\n".join(out) + "\n"
    arraylike = "\nfrom numpy.typing import ArrayLike\n" if "ArrayLike" in text else ""
    stdlib = "import os\n" if "os.PathLike" in text else ""
    return HEADER.format(arraylike=arraylike, stdlib=stdlib) + text


def reference(specs: dict[str, dict[str, Any]]) -> str:
    out = [
        "# Node reference",
        "",
        "Generated from the engine's node specs by `scripts/generate_nodes.py`; do not edit.",
        "Every kind is a builder on `chronus.Graph` (`g.<kind>(...)`) and a class in",
        "`chronus.nodes`. Parameters take a number, one number per lane, or a signal",
        "(modulation, held to the range shown); options are fixed once the node is built.",
        "",
    ]
    for kind, spec in specs.items():
        out += [f"## `{kind}`", "", spec["doc"], ""]
        if spec["inputs"] or spec["outputs"]:
            inputs, outputs = ", ".join(spec["inputs"]) or "none", ", ".join(spec["outputs"]) or "none"
            out.append(f"Inputs: {inputs}. Outputs: {outputs}.")
            out.append("")
        if spec["params"]:
            out += ["| parameter | range | unit | default | |", "|---|---|---|---|---|"]
            for p in spec["params"]:
                span = f"{f32(p['min'])} .. {f32(p['max'])}"
                out.append(f"| `{p['name']}` | {span} | {p['unit']} | {f32(p['default'])} | {p['doc']} |")
            out.append("")
        if spec["options"]:
            out += ["| option | |", "|---|---|"]
            for o in spec["options"]:
                out.append(f"| `{o['name']}` | {option_line(o)} |")
            out.append("")
    return "\n".join(out)


def load_core() -> Any:
    """The compiled extension, loaded by itself: the package around it imports the
    generated module, which may be missing or out of date while this script runs."""
    import importlib.machinery
    import importlib.util

    built = sorted((REPO / "python" / "chronus").glob("_core*.so")) + sorted(
        (REPO / "python" / "chronus").glob("_core*.pyd")
    )
    if not built:
        sys.exit("no built extension in python/chronus: run `.venv/bin/maturin develop --release` first")
    loader = importlib.machinery.ExtensionFileLoader("chronus._core", str(built[0]))
    spec = importlib.util.spec_from_file_location("chronus._core", built[0], loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def generate() -> dict[Path, str]:
    """The generated files and their contents, from the engine built into ``chronus._core``."""
    specs = dict(load_core().node_specs())
    return {NODES_PY: ruff_format(NODES_PY, nodes_module(specs)), NODES_MD: reference(specs)}


def ruff_format(path: Path, text: str) -> str:
    """``text`` as ``ruff format`` leaves it, so the written file is already lint-clean."""
    return subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(path), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def main() -> None:
    for path, text in generate().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
