"""The Python surface follows from the engine's node specs: generated classes and builders
stay current, every builder's defaults are the spec's, type checkers see every parameter,
and nodes describe themselves."""

from __future__ import annotations

import importlib.util
import inspect
import typing
import warnings
from pathlib import Path

import numpy as np
import pytest

import chronus as cx
from chronus import _core, nodes
from chronus.signal import Node, OutputSlot, ParamSlot
from conftest import REPO

SPECS = _core.node_specs()


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate_nodes", REPO / "scripts" / "generate_nodes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_files_match_the_engine() -> None:
    for path, text in _generator().generate().items():
        current = path.read_text() if path.exists() else ""
        assert current == text, f"{path.relative_to(REPO)} is out of date: run scripts/generate_nodes.py"


def test_every_kind_has_a_class_with_its_parameters_and_outputs() -> None:
    for kind, spec in SPECS.items():
        if kind == "kernel":  # its ports and parameters are each node's own
            continue
        cls = nodes.KINDS[kind]
        assert cls.kind == kind
        for i, p in enumerate(spec["params"]):
            slot = inspect.getattr_static(cls, p["name"])
            assert isinstance(slot, ParamSlot) and slot.index == i, (kind, p["name"])
        if len(spec["outputs"]) > 1:
            for port in spec["outputs"]:
                if port != "out":
                    assert isinstance(inspect.getattr_static(cls, port), OutputSlot), (kind, port)


def _builders() -> dict[str, tuple[str, inspect.Signature]]:
    """Every public builder of Graph: name -> (the kind it builds, its signature)."""
    hints_ns = vars(nodes) | vars(cx)
    found = {}
    for name, member in inspect.getmembers(cx.Graph, inspect.isfunction):
        if name.startswith("_"):
            continue
        ret = typing.get_type_hints(member, globalns=hints_ns | member.__globals__).get("return")
        if isinstance(ret, type) and issubclass(ret, Node) and ret.kind:
            found[name] = (ret.kind, inspect.signature(member))
    return found


#: Builders that preset other values on purpose (a noise gate is an expander with gate-like
#: times).
PRESETS = {"noise_gate"}


def test_builder_defaults_are_the_spec_defaults() -> None:
    builders = _builders()
    assert {"sine", "lowpass", "pingpong", "reverb", "voices", "fm", "sampler", "eq"} <= set(builders)
    checked = 0
    for name, (kind, sig) in builders.items():
        if name in PRESETS:
            continue
        spec = SPECS[kind]
        params = {p["name"]: p["default"] for p in spec["params"]}
        options = {o["name"]: o["default"] for o in spec["options"]}
        for arg in sig.parameters.values():
            if arg.default is inspect.Parameter.empty or arg.default is None:
                continue
            if arg.name in params:
                assert np.float32(arg.default) == np.float32(params[arg.name]), (name, arg.name)
                checked += 1
            elif arg.name in options and not isinstance(arg.default, bool):
                assert arg.default == options[arg.name], (name, arg.name)
                checked += 1
    assert checked > 120


def test_pingpong_built_by_name_and_by_builder_sound_the_same() -> None:
    def render(by_name: bool) -> np.ndarray:
        g = cx.Graph()
        x = g.saw(220) * g.adsr(attack=0.001, decay=0.05, sustain=0.0)
        g.gate(g.nodes()[1], at=0.0, duration=0.01)  # type: ignore[arg-type]
        echo = g.add_node("pingpong", inputs={"in": x}) if by_name else g.pingpong(x)
        g.output(echo)
        return cx.render(g, 1.0)

    assert np.array_equal(render(True), render(False))


def test_a_node_describes_itself() -> None:
    g = cx.Graph()
    lfo = g.sine(0.5, name="lfo")
    f = g.lowpass(g.saw([110.0, 220.0]), cutoff=900 + 600 * lfo, q=2.0)
    assert repr(f) == f"<Svf lowpass#{f.id} cutoff=<muladd#{f.id - 1}> q=2 mode='lowpass'>"
    v = g.voices(4)
    assert repr(v).startswith(f"<Voices voices#{v.id} bend_range=2 glide=0 velocity_curve=1 voices=4.0")
    assert repr(g.saw([110.0, 220.0])).endswith("freq=[110, 220] phase=0.0>")
    assert repr(f.cutoff) == f"<Param lowpass#{f.id}.cutoff>"


def test_misspelt_parameters_fail_at_run_time_with_the_node_and_its_parameters() -> None:
    g = cx.Graph()
    f = g.lowpass(g.saw(110))
    with pytest.raises(
        AttributeError, match=r"lowpass#\d+ has no parameter 'cutof' \(parameters: cutoff, q\)"
    ):
        f.cutof  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError, match="no parameter 'cutof'"):
        f.cutof = 300  # type: ignore[attr-defined]


def test_older_names_still_work_and_say_what_replaced_them() -> None:
    g = cx.Graph()
    x = g.stack(g.saw(110), g.saw(165))
    with pytest.warns(DeprecationWarning, match="dcblock"):
        old = g.dc_blocker(x, 20.0)
    with pytest.warns(DeprecationWarning, match="midside"):
        ms = g.mid_side(x, decode=True)
    assert isinstance(old, nodes.Dcblock) and old.param("cutoff") == old.cutoff
    assert g._core.node_info(ms.id)["options"]["mode"] == "decode"
    assert cx.FeedbackNode is nodes.Feedback


def test_a_list_where_signals_go_is_an_error() -> None:
    g = cx.Graph()
    a, b = g.sine(), g.saw()
    with pytest.raises(TypeError, match=r"stack\(\) argument 1 must be a signal, got list; pass them"):
        g.stack([a, b])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="input 'in' needs a signal"):
        g.lowpass(440)  # type: ignore[arg-type]
    assert len(g.nodes()) == 2, "a node that could not be completed is taken out again"


def test_counts_are_whole_numbers() -> None:
    g = cx.Graph()
    with pytest.raises(ValueError, match=r"voices#\d+: option 'voices' must be a whole number, got 2.5"):
        g.voices(2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"option 'stages' = 40 is outside 1\.\.24"):
        g.phaser(g.saw(110), stages=40)
    assert g._core.node_info(g.phaser(g.saw(110), stages=6).id)["options"]["stages"] == 6


USER_SCRIPT = """
import chronus as cx

g = cx.Graph()
f = g.lowpass(g.saw(110), cutoff=900)
f.cutoff = 1200
g.set(f.cutoff, 2000, at=1.0)
g.output(f * 0.2)
{extra}
"""


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ("", None),
        ("g.set(f.cutof, 2000, at=1.0)", 'Svf" has no attribute "cutof"'),
        ("f.cutof = 3", 'Svf" has no attribute "cutof"'),
        ('g.lowpass(f, mode="lowpass")', 'Unexpected keyword argument "mode"'),
        ('g.svf(f, mode="lowpas")', 'has incompatible type "Literal'),
        ("g.note(f, 60, at=0.0)", 'incompatible type "Svf"; expected "NoteTarget"'),
        ("g.voices(2.5)", 'Argument 1 to "voices" of "NodeBuilders" has incompatible type "float"'),
    ],
)
def test_a_type_checker_sees_every_parameter(tmp_path: Path, extra: str, error: str | None) -> None:
    from mypy import api

    script = tmp_path / "user_script.py"
    script.write_text(USER_SCRIPT.format(extra=extra))
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"), str(script)]
    )
    if error is None:
        assert status == 0, out + err
    else:
        assert status == 1 and error in out, out + err


def test_warnings_are_not_raised_by_the_current_names() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = cx.Graph()
        x = g.stack(g.saw(110), g.saw(165))
        g.output(g.midside(g.dcblock(x), mode="encode"))
        cx.render(g, 0.01)
