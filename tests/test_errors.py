"""Bad input gives a clear Python exception that names the culprit; nothing crashes."""

import numpy as np
import pytest

import chronus as cx


def test_unknown_node_kind_lists_the_known_ones():
    g = cx.Graph()
    with pytest.raises(cx.GraphError, match=r"unknown node kind 'sawtooth' \(known: sine, saw"):
        g.add_node("sawtooth")


def test_unknown_parameter_names_node_and_parameter():
    g = cx.Graph()
    f = g.lowpass(cutoff=500)
    with pytest.raises(AttributeError, match=r"lowpass#0 has no parameter 'cutof' \(parameters: cutoff, q\)"):
        f.cutof  # noqa: B018
    with pytest.raises(cx.GraphError, match=r"lowpass#0 has no parameter 'gain'"):
        f.set_param("gain", 1.0)
    with pytest.raises(cx.GraphError, match=r"unknown option 'slope'"):
        g.add_node("svf", options={"slope": 24})


def test_out_of_range_values_name_parameter_and_range():
    g = cx.Graph()
    with pytest.raises(cx.GraphError, match=r"adsr#0: parameter 'sustain' = 2 is outside \[0, 1\]"):
        g.adsr(sustain=2.0)
    env = g.adsr(name="amp")
    with pytest.raises(cx.GraphError, match=r"amp: parameter 'attack' = -1 is outside"):
        g.set(env.attack, -1.0, at=0.0)
    with pytest.raises(cx.GraphError, match="mode"):
        g.svf(mode="lowpas")
    with pytest.raises(cx.GraphError, match="needs a number"):
        g.sine([])


def test_bad_durations_and_settings():
    g = cx.Graph()
    g.output(g.sine())
    for bad in (-1.0, 0.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="seconds must be a positive duration"):
            cx.render(g, bad)
    for bad in (0.0, -48000.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="samplerate must be a positive, finite number of Hz"):
            cx.render(g, 0.1, bad)  # type: ignore[arg-type]
    with pytest.raises(cx.GraphError, match=r"blocksize 8 frames is outside \[16, 4096\]"):
        cx.render(g, 1.0, blocksize=8)
    with pytest.raises(ValueError, match=r"at \(seconds\) must be >= 0"):
        g.set(g.sine().freq, 100, at=-1)


def test_a_cycle_names_its_nodes():
    g = cx.Graph()
    a = g.muladd(name="A")
    b = g.lowpass(a, name="B")
    a.connect("in", b)
    g.output(b)
    with pytest.raises(cx.CycleError, match=r"cycle without a feedback node: (A -> B -> A|B -> A -> B)"):
        cx.render(g, 0.1)
    assert issubclass(cx.CycleError, cx.GraphError) and issubclass(cx.GraphError, ValueError)


def test_missing_output_lane_mismatch_and_foreign_signals():
    g = cx.Graph()
    g.sine()
    with pytest.raises(cx.GraphError, match="no output"):
        cx.render(g, 0.1)
    g = cx.Graph()
    g.output(g.saw([100, 200, 300]) >> g.lowpass(q=[1.0, 2.0]))
    with pytest.raises(cx.GraphError, match=r"parameter 'q' has 2 lanes but the node runs 3"):
        cx.render(g, 0.1)
    g = cx.Graph()
    c = g.const([1.0, 2.0])
    g.output(c)
    g.set(c.value, 3.0, at=0.0, lane=5)
    with pytest.raises(
        cx.GraphError, match=r"lane 5 of parameter 'value' does not exist \(the node runs 2 lanes\)"
    ):
        cx.render(g, 0.1)
    other = cx.Graph()
    with pytest.raises(cx.GraphError, match="another graph"):
        g.output(c + other.sine())
    with pytest.raises(TypeError, match="dividing by a signal"):
        c / c


def test_engine_keeps_working_after_errors():
    g = cx.Graph()
    with pytest.raises(cx.GraphError):
        g.add_node("nope")
    g.output(g.sine(100))
    assert np.max(np.abs(cx.render(g, 0.1))) > 0.9


def test_patch_files_that_fail_are_named(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("import chronus as cx\n\ndef patch():\n    g = cx.Graph()\n    return g.sine(1) / 0\n")
    with pytest.raises(cx.PatchError, match=r"broken.py \(line 5\) raised ZeroDivisionError"):
        cx.load_patch(bad)
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(cx.PatchError, match="must define patch"):
        cx.load_patch(empty)
    with pytest.raises(cx.PatchError, match="does not exist"):
        cx.load_patch(tmp_path / "missing.py")
