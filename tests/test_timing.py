"""Sample-accurate timing: envelopes, ramps and gates land on their exact frame whatever the
block size, and renders do not depend on block boundaries."""

import numpy as np
import pytest

import chronus as cx
from conftest import SR

BLOCKS = [16, 64, 256, 1000, 4096]


def adsr_graph(attack=0.01, decay=0.1, sustain=0.6, release=0.2):
    g = cx.Graph()
    env = g.adsr(attack=attack, decay=decay, sustain=sustain, release=release)
    g.output(env)
    g.set(env.gate, 1.0, frame=1000, ramp=0)
    g.set(env.gate, 0.0, frame=30_000, ramp=0)
    return g


@pytest.mark.parametrize("block", BLOCKS)
def test_adsr_segments_start_on_their_exact_frames(block):
    out = cx.render(adsr_graph(), 1.0, SR, block)[0]
    attack, decay, release = 0.01 * SR, 0.1 * SR, 0.2 * SR
    assert np.all(out[:1000] == 0.0)
    assert out[1000] > 0.0  # attack starts at the gate frame
    peak = int(np.argmax(out))
    assert peak == 1000 + attack - 1
    assert out[peak] == 1.0
    assert np.all(np.diff(out[1000 : peak + 1]) > 0)
    assert out[1000 + int(attack + decay) + 5] == pytest.approx(0.6)
    assert out[29_999] == pytest.approx(0.6)
    assert out[30_000] < out[29_999]  # release starts at the gate-off frame
    assert int(np.argmax(out[30_000:] == 0.0)) + 30_000 == 30_000 + release - 1


def test_adsr_is_identical_for_every_block_size():
    renders = [cx.render(adsr_graph(), 1.0, SR, b)[0] for b in BLOCKS]
    for r in renders[1:]:
        assert np.array_equal(r, renders[0])


def test_adsr_release_from_mid_attack_takes_the_release_time():
    g = cx.Graph()
    env = g.adsr(attack=0.1, release=0.05)
    g.output(env)
    g.gate(env, at=0.0, duration=0.05)  # released half way up the attack
    out = cx.render(g, 0.5, SR)[0]
    off = int(0.05 * SR)
    assert out[off - 1] == pytest.approx(0.5, abs=1e-3)
    assert out[off + int(0.05 * SR) - 1] == 0.0
    assert out[off + int(0.05 * SR) - 2] > 0.0


@pytest.mark.parametrize("block", [16, 64, 512])
def test_a_ramp_scheduled_at_frame_n_starts_at_frame_n(block):
    g = cx.Graph()
    c = g.const(100.0)
    g.output(c)
    g.set(c.value, 200.0, frame=777, ramp=100 / SR)
    out = cx.render(g, 0.05, SR, block)[0]
    assert out[776] == 100.0
    assert out[777] == pytest.approx(101.0)
    assert out[776 + 100] == 200.0
    np.testing.assert_allclose(out[777:877], 100 + np.arange(1, 101), rtol=1e-6)


def test_lane_changes_and_default_smoothing():
    g = cx.Graph()
    c = g.const([1.0, 2.0, 3.0])
    g.output(c)
    g.set(c.value, 10.0, at=0.01, lane=1)
    out = cx.render(g, 0.05, SR)
    assert np.all(out[0] == 1.0) and np.all(out[2] == 3.0)
    start = int(0.01 * SR)
    glide = int(0.005 * SR)
    assert out[1, start - 1] == 2.0 and 2.0 < out[1, start] < 2.1
    assert out[1, start + glide - 1] == 10.0
    # smoothing=0 turns the default glide off.
    out = cx.render(g, 0.05, SR, smoothing=0.0)
    assert out[1, start] == 10.0


def test_renders_are_bit_identical_and_block_independent():
    from chronus.demo import build_demo

    g = build_demo()
    a = cx.render(g, 3.0, SR, 256)
    assert np.array_equal(a, cx.render(g, 3.0, SR, 256))
    b64, b512 = cx.render(g, 3.0, SR, 64), cx.render(g, 3.0, SR, 512)
    assert np.max(np.abs(b64 - b512)) < 1e-6
    assert np.max(np.abs(a)) > 0.1


def test_the_older_gate_spelling_still_works_and_warns():
    def build(older: bool) -> np.ndarray:
        g = cx.Graph()
        env = g.adsr(attack=0.01, release=0.01)
        g.output(env)
        if older:
            with pytest.warns(DeprecationWarning, match="gate"):
                g.gate(env, on=0.1, off=0.2)
        else:
            g.gate(env, at=0.1, duration=0.1)
        return cx.render(g, 0.3)

    assert np.array_equal(build(True), build(False))
    assert build(False).max() > 0.99
