"""Builders for instruments: voice allocation (and the synths built on it).

:class:`chronus.Graph` inherits them. A polyphonic instrument is a voice allocator whose
outputs (one lane per voice) drive ordinary nodes, which then run every voice as lanes:

>>> import chronus as cx
>>> g = cx.Graph()
>>> v = g.voices(16)
>>> amp = g.adsr(gate=v.gate, trigger=v.trigger, release=0.2)
>>> _ = g.output((g.saw(v.freq) * amp * v.velocity).sum() * 0.2)
>>> g.note(v, 60, at=0.0, duration=0.5)
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from .builders import HandBuilders
from .nodes import (
    Fm,
    N,
    Pulse,
    Sampler,
    Saw,
    Sine,
    Square,
    Triangle,
    Voices,
    Wavetable,
)
from .signal import Node, Param, ParamValue, Signal

#: Audio and tables as the engine takes them.
F32 = NDArray[np.float32]

#: Operators of the ``fm`` node.
FM_OPERATORS = 4

#: The oscillator shapes a subtractive synth can use.
Shape = Literal["saw", "square", "triangle", "sine", "pulse"]

#: The oscillator node classes a subtractive synth can use, by shape.
OSCILLATORS: dict[str, type[Sine | Saw | Square | Triangle | Pulse]] = {
    "saw": Saw,
    "square": Square,
    "triangle": Triangle,
    "sine": Sine,
    "pulse": Pulse,
}

#: Loop modes of sampler zones, by their code in the engine's zone table.
LOOP_MODES = ("no_loop", "one_shot", "loop_continuous", "loop_sustain")


@dataclass(frozen=True)
class Operator:
    """One operator of :meth:`InstrumentNodes.fm`: a sine at ``ratio * freq + fixed`` Hz.

    Attributes:
        ratio: frequency as a multiple of the voice frequency (0 for a fixed frequency).
        fixed: Hz added to ``ratio * freq`` (a detune, or the frequency when ``ratio`` is 0).
        level: peak output; for a heard operator its amplitude, for a modulator its peak
            modulation index in radians.
        vel: velocity sensitivity in [0, 1]: the level is scaled by ``1 - vel + vel * velocity``.
        attack: seconds to rise linearly to full level.
        decay: seconds for the exponential fall towards ``sustain`` to close 60 dB.
        sustain: level held while the note is on, in [0, 1].
        release: seconds to fall 60 dB after the note ends.

    Any field may be a number, one number per voice, or a signal.
    """

    ratio: ParamValue = 1.0
    fixed: ParamValue = 0.0
    level: ParamValue = 1.0
    vel: ParamValue = 1.0
    attack: ParamValue = 0.002
    decay: ParamValue = 1.0
    sustain: ParamValue = 1.0
    release: ParamValue = 0.2


class InstrumentNodes(HandBuilders):
    """Builder methods for instruments (mixed into :class:`chronus.Graph`); the voice
    allocator itself (``voices``) and the nodes instruments are patched from are generated
    builders."""

    def fm(
        self,
        operators: Sequence[Operator] = (Operator(),),
        *,
        algorithm: int = 1,
        feedback: ParamValue = 0.0,
        voices: Voices | None = None,
        freq: ParamValue | None = None,
        gate: ParamValue | None = None,
        trigger: ParamValue | None = None,
        velocity: ParamValue | None = None,
        name: str | None = None,
    ) -> Fm:
        """A four-operator FM synthesizer (phase modulation), every voice a lane.

        Args:
            operators: up to four :class:`Operator` settings, operator 1 first; operators
                not given are silent (level 0).
            algorithm: routing 1 to 8, Yamaha's four-operator set (``a > b``: a modulates b;
                the last operators of each chain are heard): 1 ``4>3>2>1``, 2 ``(4+3)>2>1``,
                3 ``(4+(3>2))>1``, 4 ``((4>3)+2)>1``, 5 ``(4>3)+(2>1)``, 6 ``4>(3,2,1)``,
                7 ``(4>3)+2+1``, 8 ``4+3+2+1``.
            feedback: self-modulation of operator 4 in radians (about 1 gives a saw-like
                tone, beyond 1.5 noise).
            voices: a voice allocator whose ``freq``, ``gate``, ``trigger`` and ``velocity``
                play the synth (one lane per voice); the arguments below override them.
            freq: voice frequency in Hz.
            gate: above 0.5 holds the note; a rise starts every envelope, a fall releases.
            trigger: a rise restarts the envelopes of a held voice.
            velocity: strike velocity in [0, 1].

        Parameters appear on the node as ``ratio1``, ``level2``, ``release4`` and so on.
        """
        if not 1 <= len(operators) <= FM_OPERATORS:
            raise _core.GraphError(f"fm takes 1 to {FM_OPERATORS} operators, got {len(operators)}")
        params = _voice_params(voices, freq=freq, gate=gate, trigger=trigger, velocity=velocity)
        params["feedback"] = feedback
        for n in range(1, FM_OPERATORS + 1):
            op = operators[n - 1] if n <= len(operators) else Operator(level=0.0)
            for field in ("ratio", "fixed", "level", "vel", "attack", "decay", "sustain", "release"):
                params[f"{field}{n}"] = getattr(op, field)
        return _played_by(self._add(Fm, {}, params, {"algorithm": algorithm}, name), voices)

    def wavetable(
        self,
        table: np.ndarray | str | os.PathLike[str],
        freq: ParamValue | None = None,
        position: ParamValue = 0.0,
        *,
        frame_size: int | None = None,
        cycles: int = 1,
        phase: float = 0.0,
        voices: Voices | None = None,
        name: str | None = None,
    ) -> Wavetable:
        """A wavetable oscillator: band-limited (mip-mapped) frames, morphed by ``position``.

        Args:
            table: the frames, as an array of shape (frames, samples), a 1-D array, or an
                audio file (mixed to mono). Any number of samples per frame; each frame is
                resampled by FFT and its DC offset dropped.
            freq: frequency in Hz (from ``voices`` if given, else 440).
            position: place in the table from 0 (first frame) to 1 (last), blending the two
                frames around it; modulate it to sweep the timbre.
            frame_size: samples per frame when ``table`` is 1-D or a file (2048 for most
                wavetable files); None makes the whole of it one frame.
            cycles: cycles of the waveform in each frame.
            phase: starting phase in cycles.
            voices: a voice allocator whose ``freq`` plays the oscillator (one lane per voice).
        """
        rows = _wavetable_rows(table, frame_size)
        params = _voice_params(voices, freq=freq)
        params["position"] = position
        options = {"table": rows, "cycles": cycles, "phase": phase}
        return _played_by(self._add(Wavetable, {}, params, options, name), voices)

    def subtractive(
        self,
        voices: int | Voices = 8,
        *,
        osc1: Shape = "saw",
        osc2: Shape = "saw",
        detune: float = 0.1,
        mix: float = 0.5,
        cutoff: float = 2000.0,
        resonance: float = 1.0,
        filter_mode: Literal["lowpass", "highpass", "bandpass", "notch", "peak", "allpass"] = "lowpass",
        filter_env: float = 2.0,
        filter_attack: float = 0.005,
        filter_decay: float = 0.3,
        filter_sustain: float = 0.3,
        filter_release: float = 0.3,
        attack: float = 0.005,
        decay: float = 0.2,
        sustain: float = 0.7,
        release: float = 0.3,
        lfo_rate: float = 5.0,
        lfo_shape: Literal["sine", "triangle", "saw", "square"] = "sine",
        lfo_pitch: float = 0.0,
        lfo_filter: float = 0.0,
        glide: float = 0.0,
        mode: Literal["poly", "mono", "legato"] = "poly",
        steal: Literal["oldest", "quietest"] = "oldest",
        volume: float = 0.5,
    ) -> Subtractive:
        """A polyphonic subtractive synthesizer patched from library nodes.

        Per voice: two band-limited oscillators (``osc2`` ``detune`` semitones above
        ``osc1``) mixed ``1 - mix`` to ``mix``, a resonant state-variable filter whose
        cutoff (Hz) its own ADSR envelope raises by ``filter_env`` octaves, and an ADSR
        amplitude envelope scaled by velocity; one free-running LFO moves the pitch by
        ``lfo_pitch`` semitones and the cutoff by ``lfo_filter`` octaves. Voices are summed
        to mono and scaled by ``volume``.

        Args:
            voices: a voice allocator to play the synth (``g.voices(...)``), or a number of
                voices for a new one made with ``mode``, ``steal`` and ``glide`` (seconds) as
                in :meth:`voices`.
            osc1, osc2: "saw", "square", "triangle", "sine" or "pulse".
            detune: pitch of oscillator 2 above oscillator 1 in semitones (0.1 = 10 cents).
            mix: 0 (oscillator 1 only) to 1 (oscillator 2 only).
            cutoff: filter cutoff in Hz before modulation; ``resonance`` its q.
            filter_mode: "lowpass", "highpass", "bandpass", "notch", "peak" or "allpass".
            filter_env: octaves the filter envelope adds to the cutoff at its peak.
            filter_attack, filter_decay, filter_sustain, filter_release: filter envelope.
            attack, decay, sustain, release: amplitude envelope (seconds, level).
            lfo_rate: LFO frequency in Hz; ``lfo_shape`` "sine", "triangle", "saw" or
                "square".
            lfo_pitch: vibrato depth in semitones.
            lfo_filter: cutoff modulation depth in octaves.
            volume: output gain.
        """
        if osc1 not in OSCILLATORS or osc2 not in OSCILLATORS:
            raise _core.GraphError(
                f"oscillator shapes must be among {', '.join(OSCILLATORS)}, got {osc1!r}, {osc2!r}"
            )
        if lfo_shape not in ("sine", "triangle", "saw", "square"):
            raise _core.GraphError(f"lfo_shape must be sine, triangle, saw or square, got {lfo_shape!r}")
        v = voices if isinstance(voices, Voices) else self.voices(voices, mode=mode, steal=steal, glide=glide)
        lfo = self._add(OSCILLATORS[lfo_shape], {}, {"freq": lfo_rate}, {}, None)
        vibrato = self.muladd(lfo, mul=lfo_pitch)
        pitch = self.transpose(v.freq, semitones=vibrato)
        second = self.transpose(pitch, semitones=detune)
        o1 = self._add(OSCILLATORS[osc1], {}, {"freq": pitch}, {}, None)
        o2 = self._add(OSCILLATORS[osc2], {}, {"freq": second}, {}, None)
        mixed = self.mixer(o1, o2, gains=[1.0 - mix, mix])
        fenv = self.adsr(
            filter_attack, filter_decay, filter_sustain, filter_release, gate=v.gate, trigger=v.trigger
        )
        # The cutoff moves by octaves: envelope and LFO mixed in octaves, 12 semitones each.
        sweep = self.mixer(fenv, lfo, gains=[filter_env, lfo_filter], gain=12.0)
        base = self.const(cutoff)
        cutoff_signal = self.transpose(base, semitones=sweep)
        filt = self.svf(mixed, cutoff_signal, resonance, mode=filter_mode)
        aenv = self.adsr(attack, decay, sustain, release, gate=v.gate, trigger=v.trigger)
        level = self.mul(aenv, v.velocity)
        voiced = self.mul(filt, level)
        output = self.muladd(voiced.sum(), mul=volume)
        return Subtractive(
            output,
            voices=v,
            lfo=lfo,
            pitch=pitch,
            osc1=o1,
            osc2=o2,
            filter=filt,
            cutoff_signal=cutoff_signal,
            amp_envelope=aenv,
            filter_envelope=fenv,
            cutoff=base.value,
            resonance=filt.q,
            filter_env=sweep.gain1,
            lfo_filter=sweep.gain2,
            detune=second.semitones,
            osc1_level=mixed.gain1,
            osc2_level=mixed.gain2,
            lfo_rate=lfo.freq,
            lfo_pitch=vibrato.mul,
            attack=aenv.attack,
            decay=aenv.decay,
            sustain=aenv.sustain,
            release=aenv.release,
            filter_attack=fenv.attack,
            filter_decay=fenv.decay,
            filter_sustain=fenv.sustain,
            filter_release=fenv.release,
            glide=v.glide,
            volume=output.mul,
        )

    def sampler(
        self,
        zones: Zone | Sequence[Zone] | str | os.PathLike[str],
        *,
        root: float = 60.0,
        voices: Voices | None = None,
        freq: ParamValue | None = None,
        note: ParamValue | None = None,
        velocity: ParamValue | None = None,
        gate: ParamValue | None = None,
        trigger: ParamValue | None = None,
        attack: ParamValue = 0.0,
        release: ParamValue = 0.05,
        dynamics: ParamValue = 1.0,
        quality: Literal["sinc", "cubic", "linear"] = "sinc",
        name: str | None = None,
    ) -> Sampler:
        """A sampler: recordings played back per voice, from the exact frame a note starts.

        Args:
            zones: one :class:`Zone`, several (key splits, velocity layers), or an audio
                file played as one zone rooted at ``root``.
            root: root note of a zone made from a file.
            voices: a voice allocator whose ``freq``, ``note``, ``velocity``, ``gate`` and
                ``trigger`` play the sampler; the arguments below override them.
            freq: pitch in Hz; a zone plays at ``freq`` over its root's frequency (A4 =
                440 Hz) times its recorded speed. 0 plays every zone at its recorded pitch.
            note: key (MIDI note) that picks the zone when a note starts.
            velocity: picks the zone (velocity layers) and scales the level.
            gate: above 0.5 holds the note; its fall releases it (one-shot zones play on).
            trigger: a rise starts a note, with or without the gate (drum-style).
            attack: linear fade-in at the start of each note, seconds.
            release: exponential fade after a note ends, 60 dB in this many seconds.
            dynamics: how much velocity sets the level (gain ``1 - dynamics + dynamics *
                velocity``).
            quality: interpolation between recorded frames. ``"sinc"`` (default): tabulated
                polyphase windowed sinc, 32 taps (up to 64 when pitching up), exact at the
                root pitch, images and aliases of tones in the passband under -90 dB.
                ``"cubic"`` (4-point Hermite) and ``"linear"`` cost less and are not
                band-limited: their images and aliases are measured in
                tests/test_sampler_quality.py.

        The output has one channel per voice for mono recordings and a left/right pair
        per voice for stereo ones: ``.sum(channels=2)`` mixes stereo voices to a pair.
        Reading with the default quality is band-limited (windowed sinc, exact at the root
        pitch, alias-free when pitching up; more than an octave up it reads copies of the
        recording halved in rate, at every quality) and a note taking over a sounding
        voice fades the old one out in 5 ms.
        """
        if isinstance(zones, (str, os.PathLike)):
            zones = [Zone.load(zones, root=root)]
        elif isinstance(zones, Zone):
            zones = [zones]
        zones = list(zones)
        if not zones or not all(isinstance(z, Zone) for z in zones):
            raise _core.GraphError("sampler needs one or more chronus.Zone (or an audio file)")
        data, table = _zone_arrays(zones)
        params = _voice_params(voices, freq=freq, note=note, velocity=velocity, gate=gate, trigger=trigger)
        params.update(attack=attack, release=release, dynamics=dynamics)
        if quality not in ("sinc", "cubic", "linear"):
            raise _core.GraphError(f"sampler quality must be 'sinc', 'cubic' or 'linear', got {quality!r}")
        options: dict[str, object] = {"data": data, "zones": table, "quality": quality}
        return _played_by(self._add(Sampler, {}, params, options, name), voices)


@dataclass(frozen=True, eq=False)
class Zone:
    """A recording the sampler plays for a range of keys and velocities.

    Attributes:
        data: the recording, shape (channels, frames) or (frames,); mono or stereo.
        samplerate: its sample rate in Hz.
        root: the MIDI note (fractional allowed) at which it plays at its recorded pitch.
        keys: lowest and highest key (MIDI note) it answers, inclusive.
        velocities: lowest and highest velocity it answers, inclusive, in [0, 1]; zones
            with adjacent ranges make velocity layers.
        loop: loop start and end in frames of the recording (the end excluded), or None.
        crossfade: frames at the end of the loop mixed with those before its start.
        mode: "no_loop" (plays until the release ends or the recording does), "one_shot"
            (plays the whole recording, ignoring note-offs), "loop_continuous" (loops until
            the release ends) or "loop_sustain" (loops while held, then plays on to the
            end). Default: "loop_continuous" with loop points, else "no_loop".

    When several zones answer a note, the first listed plays.
    """

    data: np.ndarray
    samplerate: float
    root: float = 60.0
    keys: tuple[int, int] = (0, 127)
    velocities: tuple[float, float] = (0.0, 1.0)
    loop: tuple[int, int] | None = None
    crossfade: int = 0
    mode: str | None = None

    def __post_init__(self) -> None:
        frames = np.shape(self.data)[-1] if np.ndim(self.data) else 0
        lo, hi = self.keys
        if not (lo == int(lo) and hi == int(hi) and 0 <= lo <= hi <= 127):
            raise ValueError(f"zone keys must be whole MIDI notes, 0 <= low <= high <= 127, got {self.keys}")
        vlo, vhi = self.velocities
        if not 0.0 <= vlo <= vhi <= 1.0:
            raise ValueError(f"zone velocities must satisfy 0 <= low <= high <= 1, got {self.velocities}")
        if not (math.isfinite(self.samplerate) and self.samplerate > 0):
            raise ValueError(f"zone samplerate must be a positive number of Hz, got {self.samplerate}")
        if not (math.isfinite(self.root) and 0.0 <= self.root <= 127.0):
            raise ValueError(f"zone root must be a MIDI note in [0, 127], got {self.root}")
        if self.loop is not None:
            start, end = self.loop
            if not 0 <= start < end <= frames:
                raise ValueError(
                    f"zone loop must satisfy 0 <= start < end <= {frames} (frames recorded), got {self.loop}"
                )
        if not 0 <= self.crossfade <= (self.loop[0] if self.loop else frames):
            raise ValueError(f"zone crossfade must be 0 to the loop start in frames, got {self.crossfade}")

    @classmethod
    def load(cls, path: str | os.PathLike[str], **settings: object) -> Zone:
        """A zone from an audio file (its frames and sample rate); ``settings`` are the
        other fields. Errors name the file."""
        from .audio import read_audio

        data, rate = read_audio(path)
        return cls(data, rate, **settings)  # type: ignore[arg-type]

    def frames(self) -> np.ndarray:
        """The recording as (frames, channels) float32."""
        data = np.asarray(self.data, dtype=np.float32)
        if data.ndim == 1:
            data = data[np.newaxis, :]
        if data.ndim != 2 or data.shape[0] not in (1, 2) or data.shape[1] == 0:
            raise _core.GraphError(f"a zone needs a mono or stereo recording, got shape {data.shape}")
        return np.ascontiguousarray(data.T)

    def row(self, frames: int) -> list[float]:
        """The zone's row in the engine's zone table."""
        mode = self.mode or ("loop_continuous" if self.loop else "no_loop")
        if mode not in LOOP_MODES:
            raise _core.GraphError(f"zone mode must be one of {', '.join(LOOP_MODES)}, got {mode!r}")
        start, end = self.loop or (0, 0)
        return [
            frames,
            self.samplerate,
            self.root,
            *self.keys,
            *self.velocities,
            start,
            end,
            self.crossfade,
            LOOP_MODES.index(mode),
        ]


class Subtractive(Signal):
    """A subtractive synthesizer made of library nodes by :meth:`InstrumentNodes.subtractive`.

    As a signal it is the synth's mono output (``g.output(synth)``); play it with
    ``g.note(synth.voices, 60, at=0.0, duration=1.0)``. Its settings are :class:`Param`
    attributes, for :meth:`Graph.set`, live control or modulation (``node.set_param``):

    - ``cutoff`` (Hz), ``resonance`` (q), ``filter_env`` and ``lfo_filter`` (octaves the
      filter envelope and the LFO move the cutoff by);
    - ``detune`` (semitones of oscillator 2 above oscillator 1), ``osc1_level``,
      ``osc2_level`` (linear);
    - ``lfo_rate`` (Hz), ``lfo_pitch`` (semitones of vibrato);
    - ``attack``, ``decay``, ``sustain``, ``release`` (amplitude envelope, seconds and
      level) and ``filter_attack`` ... ``filter_release`` (filter envelope);
    - ``glide`` (seconds), ``volume`` (linear).

    The nodes are attributes too (``voices``, ``lfo``, ``pitch`` (each voice's frequency
    after vibrato), ``osc1``, ``osc2``, ``filter``, ``cutoff_signal``, ``amp_envelope``,
    ``filter_envelope``) for further patching.
    """

    voices: Voices
    lfo: Node
    pitch: Node
    osc1: Node
    osc2: Node
    filter: Node
    cutoff_signal: Node
    amp_envelope: Node
    filter_envelope: Node
    cutoff: Param
    resonance: Param
    filter_env: Param
    lfo_filter: Param
    detune: Param
    osc1_level: Param
    osc2_level: Param
    lfo_rate: Param
    lfo_pitch: Param
    attack: Param
    decay: Param
    sustain: Param
    release: Param
    filter_attack: Param
    filter_decay: Param
    filter_sustain: Param
    filter_release: Param
    glide: Param
    volume: Param

    def __init__(self, output: Node, **parts: Node | Param) -> None:
        super().__init__(output.graph, output.id)
        for key, part in parts.items():
            setattr(self, key, part)

    def note_node(self) -> Node:
        """The voice allocator that plays the synth (notes sent to the handle go there)."""
        return self.voices

    def __repr__(self) -> str:
        return f"<Subtractive {self.voices.count} voices>"


def _zone_arrays(zones: Sequence[Zone]) -> tuple[np.ndarray, np.ndarray]:
    """Every zone's frames one after another, and the zone table; mono zones are doubled
    when others are stereo."""
    frames = [z.frames() for z in zones]
    channels = max(f.shape[1] for f in frames)
    data = np.concatenate([np.repeat(f, channels // f.shape[1], axis=1) for f in frames])
    table = np.array([z.row(len(f)) for z, f in zip(zones, frames, strict=True)], dtype=np.float32)
    return data, table


def _wavetable_rows(table: ArrayLike | str | os.PathLike[str], frame_size: int | None) -> F32:
    """A wavetable as (frames, samples): files are mixed to mono, 1-D data cut into frames."""
    data: F32
    if isinstance(table, (str, os.PathLike)):
        from .audio import read_audio

        source = os.fspath(table)
        data = read_audio(table)[0].mean(axis=0, dtype=np.float32)
    else:
        source = "wavetable"
        data = np.asarray(table, dtype=np.float32)
    if data.ndim == 2:
        if frame_size is not None and frame_size != data.shape[1]:
            raise _core.GraphError(f"{source}: rows of {data.shape[1]} samples, but frame_size={frame_size}")
        return data
    if data.ndim != 1 or data.size == 0:
        raise _core.GraphError(f"{source}: a wavetable needs samples, got an array of shape {data.shape}")
    if frame_size is None:
        return data[np.newaxis, :]
    if frame_size < 4 or data.size % frame_size:
        raise _core.GraphError(f"{source}: {data.size} samples do not make frames of {frame_size}")
    return data.reshape(-1, frame_size)


def _played_by(node: N, voices: Voices | None) -> N:
    """``node``, remembering the voice allocator that plays it (notes sent to the node go
    there)."""
    if voices is not None:
        object.__setattr__(node, "_voices", voices)
    return node


def _voice_params(voices: Voices | None, **given: ParamValue | None) -> dict[str, ParamValue]:
    """Parameters an instrument takes from a voice allocator, unless given explicitly."""
    if voices is not None and not isinstance(voices, Voices):
        raise TypeError(f"voices= needs a voice allocator (g.voices(...)), got {type(voices).__name__}")
    params: dict[str, ParamValue] = {}
    for port, value in given.items():
        if value is not None:
            params[port] = value
        elif voices is not None:
            params[port] = voices.out(port)
    return params
