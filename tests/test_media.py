"""The engine's decoder (symphonia, with libopus for Opus: what streamed clips play, and
what ``cx.read_audio`` reads AAC/ALAC in M4A with) on every format, against the WAV
original, and the errors bad files raise; sample-rate conversion on the way in (the
engine's resampler, which ``cx.read_audio(path, samplerate)`` uses)."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
import soundfile as sf

import chronus as cx
from chronus import _core
from chronus._core import AudioFileError, load_audio
from conftest import DATA

SOURCE = DATA / "madmom_tests" / "stereo_sample.flac"  # 4.1 s of piano, 44.1 kHz stereo


@pytest.fixture(scope="module")
def original() -> tuple[np.ndarray, int]:
    data, rate = sf.read(SOURCE, dtype="float32", always_2d=True)
    return np.ascontiguousarray(data.T), rate


def write_m4a(path, audio: np.ndarray, rate: int) -> None:
    """AAC in MP4 through PyAV (FFmpeg), with the first frame at pts 0 so the muxer's edit
    list records the encoder's priming, as any real encoder's file does."""
    av = pytest.importorskip("av")
    with av.open(os.fspath(path), "w") as f:
        stream = f.add_stream("aac", rate=rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = rate, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            f.mux(packet)


@pytest.fixture(scope="module")
def encoded(tmp_path_factory, original) -> dict[str, object]:
    """The original (16-bit) in every format: path by extension."""
    audio, rate = original
    folder = tmp_path_factory.mktemp("formats")
    paths = {}
    for ext, kwargs in {
        "wav": {"subtype": "PCM_16"},
        "aiff": {"subtype": "PCM_16"},
        "flac": {"subtype": "PCM_16"},
        "ogg": {"subtype": "VORBIS"},
        "mp3": {"subtype": "MPEG_LAYER_III"},
    }.items():
        paths[ext] = folder / f"piano.{ext}"
        sf.write(paths[ext], audio.T, rate, **kwargs)
    # Opus runs at 48 kHz: its original is the 16-bit WAV converted to 48 kHz.
    wav16, _ = load_audio(paths["wav"])
    paths["opus"] = folder / "piano.opus"
    sf.write(paths["opus"], load_audio(paths["wav"], 48_000)[0].T, 48_000, format="OGG", subtype="OPUS")
    paths["m4a"] = folder / "piano.m4a"
    write_m4a(paths["m4a"], wav16, rate)
    return paths


@pytest.mark.parametrize("ext", ["wav", "aiff", "flac"])
def test_lossless_formats_decode_bit_exactly(encoded, ext):
    reference, rate = sf.read(encoded["wav"], dtype="float32", always_2d=True)
    audio, got_rate = load_audio(encoded[ext])
    assert got_rate == rate
    assert audio.shape == reference.T.shape
    assert np.array_equal(audio, reference.T)


def band_levels(audio: np.ndarray, rate: int) -> np.ndarray:
    """Energy in third-octave bands from 100 Hz to 10 kHz, dB."""
    freqs = np.fft.rfftfreq(audio.shape[1], 1 / rate)
    power = (np.abs(np.fft.rfft(audio, axis=1)) ** 2).sum(axis=0)
    edges = 100 * 2 ** (np.arange(21) / 3)
    return np.array(
        [
            10 * np.log10(power[(freqs >= lo) & (freqs < hi)].sum() + 1e-30)
            for lo, hi in itertools.pairwise(edges)
        ]
    )


@pytest.mark.parametrize("ext", ["ogg", "mp3", "m4a", "opus"])
def test_lossy_formats_decode_aligned_with_the_spectrum_of_the_original(encoded, ext):
    """Perceptual codecs keep each band's energy (they shape their noise under it) but not
    the waveform: third-octave band levels must agree within 1 dB wherever the music has
    energy (within 50 dB of its loudest band; measured: at most 0.3 dB), and the waveform,
    sample-aligned (gapless: encoder delay and padding removed), within 25 dB SNR
    (measured 31 to 35 dB at the codecs' default bitrates). A decoder that loses the
    alignment, a channel, the rate or the level fails both by far."""
    reference, rate = load_audio(encoded["wav"], 48_000 if ext == "opus" else None)
    audio, got_rate = load_audio(encoded[ext])
    assert got_rate == rate
    length = reference.shape[1]
    # An MP4 edit list gives the length in the movie's timescale (milliseconds from FFmpeg).
    slack = rate // 1000 + 1 if ext == "m4a" else 0
    assert abs(audio.shape[1] - length) <= slack, f"{audio.shape[1]} vs {length} frames"
    n = min(audio.shape[1], length)
    ref_bands, got_bands = band_levels(reference[:, :n], rate), band_levels(audio[:, :n], rate)
    loud = ref_bands > ref_bands.max() - 50
    assert np.abs(got_bands - ref_bands)[loud].max() < 1.0
    error = audio[:, 2_000 : n - 2_000] - reference[:, 2_000 : n - 2_000]
    snr = 10 * np.log10(np.sum(reference[:, 2_000 : n - 2_000] ** 2) / np.sum(error**2))
    assert snr > 25, f"{ext}: {snr:.1f} dB"


def test_opus_decodes_as_libsndfile_decodes_it(encoded):
    """The engine's Opus path (symphonia's Ogg demuxer, libopus) against libsndfile's (which
    also wraps libopus): the same frames, pre-skip and end trimmed alike, to float rounding."""
    ours, rate = load_audio(encoded["opus"])
    theirs, their_rate = sf.read(encoded["opus"], dtype="float32", always_2d=True)
    assert rate == their_rate == 48_000
    assert ours.shape == theirs.T.shape
    assert np.abs(ours - theirs.T).max() < 1e-5


def test_files_are_converted_to_the_requested_rate(encoded):
    audio, rate = load_audio(encoded["flac"], 48_000)
    reference, ref_rate = load_audio(encoded["flac"])
    assert rate == 48_000
    assert audio.shape == (2, -(-reference.shape[1] * 48_000 // ref_rate))
    # Resampling back lands on the original below 20 kHz (the converters' passband) to
    # better than 100 dB (measured 112 dB); only the top band, filtered out, differs.
    back = _core.resample(audio, 48_000, ref_rate)[:, : reference.shape[1]]
    error, kept = (back - reference)[:, 5_000:-5_000], reference[:, 5_000:-5_000]
    below = np.fft.rfftfreq(kept.shape[1], 1 / ref_rate) < 20_000
    power = [(np.abs(np.fft.rfft(x, axis=1)) ** 2)[:, below].sum() for x in (kept, error)]
    assert 10 * np.log10(power[0] / power[1]) > 100


@pytest.mark.parametrize(
    "ext",
    ["wav", "aiff", "flac", "ogg", "mp3", "opus", "m4a", "m4a-unedited", "mp3-no-tag", "flac-no-count"],
)
def test_the_header_probe_gives_the_decoded_length(encoded, original, tmp_path, ext):
    """``_core.probe_audio`` reads channels, rate and frames from the header (what a
    session learns of a long file without decoding it) and they are what decoding gives:
    an Ogg Opus file's pre-skip dropped, an MP4 track's edit list and duration applied
    (FFmpeg's muxer with the priming in its edit list, and Chronus's writer, without), an
    AIFF file's COMM count (symphonia's sound-data length is 8 bytes long), an MP3 file
    without a Xing/Info tag estimated from its (constant) bit rate; a FLAC file whose
    STREAMINFO gives no total (0, as a streaming encoder writes it) counted by decoding."""
    path = encoded.get(ext)
    if ext == "m4a-unedited":
        path = cx.write_audio(tmp_path / "unedited.m4a", original[0], original[1])
    elif ext == "flac-no-count":
        data = bytearray(encoded["flac"].read_bytes())
        # STREAMINFO's rate, channels, bits and total samples: the low 36 of 64 bits at byte 18.
        fields = int.from_bytes(data[18:26], "big")
        data[18:26] = (fields & ~((1 << 36) - 1)).to_bytes(8, "big")
        path = tmp_path / "uncounted.flac"
        path.write_bytes(bytes(data))
    elif ext == "mp3-no-tag":
        av = pytest.importorskip("av")
        path = tmp_path / "untagged.mp3"
        with av.open(os.fspath(path), "w", format="mp3", options={"write_xing": "0"}) as f:
            stream = f.add_stream("libmp3lame", rate=original[1], layout="stereo")
            frame = av.AudioFrame.from_ndarray(original[0], format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = original[1], 0
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                f.mux(packet)
    decoded, rate = load_audio(path)
    assert _core.probe_audio(path) == (decoded.shape[0], rate, decoded.shape[1])


def test_bad_files_raise_errors_that_name_them_and_the_problem(tmp_path, encoded):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(np.random.default_rng(0).integers(0, 256, 5_000, dtype=np.uint8).tobytes())
    cases = {
        tmp_path / "missing.flac": "does not exist",
        empty: "is empty",
        junk: "is not audio",
        tmp_path: "folder",
    }
    for ext in ["wav", "flac", "mp3", "m4a"]:
        data = encoded[ext].read_bytes()
        cut = tmp_path / f"cut.{ext}"
        cut.write_bytes(data[: len(data) // 2])
        cases[cut] = "truncated" if ext != "m4a" else "is not audio"
    # A byte-garbled MP3 (300 random bytes overwritten) must not decode to garbage.
    garbled = bytearray(encoded["mp3"].read_bytes())
    rng = np.random.default_rng(1)
    for i in rng.integers(1_000, len(garbled) - 1_000, 300):
        garbled[i] = int(rng.integers(0, 256))
    bad_mp3 = tmp_path / "garbled.mp3"
    bad_mp3.write_bytes(bytes(garbled))
    cases[bad_mp3] = "garbled"
    for path, problem in cases.items():
        with pytest.raises(AudioFileError) as err:
            load_audio(path)
        assert str(path) in str(err.value) and problem in str(err.value), str(err.value)


def test_read_audio_reads_m4a_and_converts_rates_through_the_engine(encoded):
    """``cx.read_audio`` is the one reader: libsndfile's formats through soundfile, M4A
    through the engine's decoder, and ``samplerate=`` through the engine's resampler."""
    m4a, rate = cx.read_audio(encoded["m4a"])
    engine, engine_rate = load_audio(encoded["m4a"])
    assert rate == engine_rate and np.array_equal(m4a, engine)
    flac, flac_rate = cx.read_audio(encoded["flac"])
    converted, to = cx.read_audio(encoded["flac"], 48_000)
    assert to == 48_000 and np.array_equal(converted, _core.resample(flac, flac_rate, 48_000))
    with pytest.raises(ValueError, match="samplerate"):
        cx.read_audio(encoded["flac"], 0)


# 79,904 frames: the seek (a second ahead) goes to frame 31,904, where symphonia once landed
# one frame early.
@pytest.mark.parametrize("offset", [0.0, 79_904 / 48_000, 2.5])
def test_a_streamed_opus_clip_plays_the_decoded_file(encoded, offset):
    """An Opus file streamed from disk (read-ahead worker, seek to the region) plays exactly
    the frames the whole-file decode holds, from the region's first frame: libopus restarts
    a second ahead of the region (with the spec's 80 ms it stayed about 55 dB SNR off), and
    the seek lands on the frame."""
    audio, rate = load_audio(encoded["opus"])
    renders = []
    for source in (encoded["opus"], audio):
        g = cx.Graph()
        c = g.clip(source, samplerate=rate, offset=offset, length=1.5, stream=isinstance(source, os.PathLike))
        g.set(c.gate, 1.0, frame=0, ramp=0)
        g.output(c)
        renders.append(cx.render(g, seconds=1.6, samplerate=rate))
    streamed, held = renders
    assert np.abs(held).max() > 0.01
    np.testing.assert_array_equal(streamed, held)
