"""Property tests (hypothesis) over what users hand the engine: engine arguments of every
size and type, and file bytes (truncated, garbled, empty, renamed WAV/FLAC/MIDI; MIDI files
with absurd delta times and tempos). Whatever comes in, the answer is a result or one of the
documented exceptions naming the culprit: never a crash, a hang or another exception type.
Example counts are kept small so the suite stays fast."""

from __future__ import annotations

import io
import warnings

import mido
import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chronus as cx
from chronus.midi import MidiFileError, MidiFileWarning, read_midi

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: What a bad argument may raise (each names the parameter).
ARGUMENT_ERRORS = (ValueError, TypeError, MemoryError, cx.DeviceError)

integers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.integers(-5, 5000),
    st.sampled_from([0, 1, 16, 4096, 10**10, -1]),
)
anything = st.one_of(
    integers,
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=600),
    st.none(),
    st.booleans(),
)


def graph() -> cx.Graph:
    g = cx.Graph()
    g.output(g.sine(220.0) * 0.1)
    return g


@FAST
@given(
    blocksize=st.one_of(integers, anything),
    outputs=integers,
    inputs=integers,
    queue=integers,
    samplerate=st.one_of(st.none(), integers, st.floats(allow_nan=True, allow_infinity=True)),
    name=st.one_of(st.text(max_size=600), anything),
)
def test_engine_arguments_are_accepted_or_refused_by_name(
    blocksize, outputs, inputs, queue, samplerate, name
):
    try:
        live = cx.Engine(
            graph(),
            backend="null",
            blocksize=blocksize,
            outputs=outputs,
            inputs=inputs,
            queue=queue,
            samplerate=samplerate,
            name=name,
        )
    except ARGUMENT_ERRORS as err:
        message = str(err)
        assert message and "unwrap" not in message and "panicked" not in message
        return
    live.close()


@FAST
@given(
    lane=integers,
    ramp=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    value=st.floats(allow_nan=True, allow_infinity=True),
    frame=integers,
)
def test_live_calls_with_any_numbers_are_applied_or_refused_by_name(lane, ramp, value, frame):
    g = cx.Graph()
    c = g.const([0.0, 0.0])
    g.output(c)
    with cx.Engine(g, backend="null") as live:
        for call in (
            lambda: live.set(c.value, value, lane=lane, ramp=ramp),
            lambda: live.set(c.value, 0.5, frame=frame),
        ):
            try:
                call()
            except (ValueError, TypeError, cx.GraphError, cx.QueueFullError) as err:
                assert str(err)
        assert not live.stats()["faulted"]


def wav_bytes() -> bytes:
    buf = io.BytesIO()
    t = np.arange(4800) / 48_000
    sf.write(buf, np.sin(2 * np.pi * 440 * t).astype(np.float32), 48_000, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def flac_bytes() -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.zeros(4800, dtype=np.float32), 48_000, format="FLAC")
    return buf.getvalue()


def midi_bytes() -> bytes:
    mf = mido.MidiFile(type=0, ticks_per_beat=96)
    mf.tracks.append(
        mido.MidiTrack(
            [
                mido.MetaMessage("set_tempo", tempo=500_000, time=0),
                mido.Message("note_on", note=60, velocity=90, time=0),
                mido.Message("note_off", note=60, velocity=0, time=96),
            ]
        )
    )
    buf = io.BytesIO()
    mf.save(file=buf)
    return buf.getvalue()


ORIGINALS = {"wav": wav_bytes(), "flac": flac_bytes(), "mid": midi_bytes()}


@st.composite
def damaged(draw):
    """A file's bytes truncated, garbled or emptied, under its own or another extension."""
    kind = draw(st.sampled_from(sorted(ORIGINALS)))
    data = bytearray(ORIGINALS[kind])
    how = draw(st.sampled_from(["truncate", "garble", "empty", "intact"]))
    if how == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "garble":
        for _ in range(draw(st.integers(1, 20))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif how == "empty":
        data = bytearray()
    ext = draw(st.sampled_from(["wav", "flac", "mid", "mp3"]))
    return bytes(data), ext


@FAST
@given(file=damaged())
def test_damaged_or_renamed_files_read_or_fail_with_a_named_error(tmp_path, file):
    data, ext = file
    path = tmp_path / f"input.{ext}"
    path.write_bytes(data)
    if ext == "mid":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MidiFileWarning)
                song = read_midi(path)
        except MidiFileError as err:
            assert "input.mid" in str(err)
            return
        assert all(np.isfinite(n.beat) and n.length >= 0 for n in song.notes)
        return
    try:
        audio, rate = cx.read_audio(path)
    except (ValueError, OSError, RuntimeError) as err:
        assert "input." in str(err)
        return
    assert audio.dtype == np.float32 and audio.ndim == 2 and rate > 0


@FAST
@given(
    delta=st.integers(0, 0x0FFFFFFF),
    tempo=st.integers(0, 0xFFFFFF),
    ppq=st.integers(1, 0x7FFF),
)
def test_midi_files_with_absurd_deltas_and_tempos_are_read_or_refused(tmp_path, delta, tempo, ppq):
    mf = mido.MidiFile(type=0, ticks_per_beat=ppq)
    mf.tracks.append(
        mido.MidiTrack(
            [
                mido.MetaMessage("set_tempo", tempo=tempo, time=0),
                mido.Message("note_on", note=60, velocity=90, time=0),
                mido.Message("note_off", note=60, velocity=0, time=delta),
            ]
        )
    )
    path = tmp_path / "absurd.mid"
    mf.save(path)
    try:
        song = read_midi(path)
    except MidiFileError as err:
        assert "absurd.mid" in str(err)
        return
    assert np.isfinite(song.seconds) and song.seconds >= 0


@pytest.mark.parametrize("seconds", [1e7, 1e12, float("inf"), -1.0, 0.0])
def test_renders_of_any_length_are_refused_before_allocating(seconds):
    with pytest.raises((MemoryError, ValueError)) as info:
        cx.render(graph(), seconds)
    assert "seconds" in str(info.value) or "s (" in str(info.value)
