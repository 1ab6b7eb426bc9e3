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

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import _core
from .signal import Node, Param, ParamValue, Signal

#: Operators of the ``fm`` node.
FM_OPERATORS = 4

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


class VoicesNode(Node):
    """A voice allocator; its outputs carry one lane per voice."""

    #: Number of voices.
    count: int

    @property
    def freq(self) -> Signal:
        """Frequency of each voice in Hz."""
        return self.out("freq")

    @property
    def gate(self) -> Signal:
        """1 while each voice's key (or the sustain pedal) is down."""
        return self.out("gate")

    @property
    def velocity(self) -> Signal:
        """Velocity of each voice's note, (0, 1]."""
        return self.out("velocity")

    @property
    def note(self) -> Signal:
        """MIDI note number of each voice."""
        return self.out("note")

    @property
    def trigger(self) -> Signal:
        """1 on the frame a note starts on each voice (retriggers envelopes)."""
        return self.out("trigger")

    def track(self, level: Signal) -> VoicesNode:
        """Reports each voice's loudness (e.g. its amplitude envelope) for ``steal="quietest"``.

        The level reaches the allocator through a feedback node, one block late, which is
        what breaks the loop allocator -> envelope -> allocator.
        """
        loop = self._graph.feedback(channels=self.count)
        loop.feed(level)
        self.connect("level", loop)
        return self


class InstrumentNodes:
    """Builder methods for instruments (mixed into :class:`chronus.Graph`)."""

    # Provided by Graph: adds a node of any kind and wires it up.
    add_node: Callable[..., Node]

    def voices(
        self,
        voices: int = 8,
        *,
        steal: str = "oldest",
        mode: str = "poly",
        glide: ParamValue = 0.0,
        velocity_curve: ParamValue = 1.0,
        tuning: float = 440.0,
        bend_range: ParamValue = 2.0,
        name: str | None = None,
    ) -> VoicesNode:
        """A voice allocator for ``voices`` voices; send it notes with :meth:`Graph.note`.

        Args:
            voices: number of voices (lanes of every output).
            steal: "oldest" or "quietest" (see :meth:`VoicesNode.track`): which sounding
                voice a note takes when none is free.
            mode: "poly" (a voice per note), "mono" (every voice plays the last key held and
                retriggers on each note; several voices make a unison stack) or "legato"
                (like mono, but overlapping keys only change the pitch).
            glide: portamento time in seconds, linear in pitch (0 jumps); legato mode
                glides only between overlapping keys.
            velocity_curve: exponent applied to velocities (1 linear, 2 needs harder playing).
            tuning: frequency of A4 in Hz.
            bend_range: pitch-bend range in semitones (bend is per MIDI channel).
        """
        node = self.add_node(
            "voices",
            params={"bend_range": bend_range, "glide": glide, "velocity_curve": velocity_curve},
            options={"voices": voices, "steal": steal, "mode": mode, "tuning": tuning},
            name=name,
        )
        assert isinstance(node, VoicesNode)
        object.__setattr__(node, "count", int(voices))
        return node

    def fm(
        self,
        operators: Sequence[Operator] = (Operator(),),
        *,
        algorithm: int = 1,
        feedback: ParamValue = 0.0,
        voices: VoicesNode | None = None,
        freq: ParamValue | None = None,
        gate: ParamValue | None = None,
        trigger: ParamValue | None = None,
        velocity: ParamValue | None = None,
        name: str | None = None,
    ) -> Node:
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
        return _played_by(
            self.add_node("fm", params=params, options={"algorithm": algorithm}, name=name), voices
        )

    def wavetable(
        self,
        table: np.ndarray | str | os.PathLike[str],
        freq: ParamValue | None = None,
        position: ParamValue = 0.0,
        *,
        frame_size: int | None = None,
        cycles: int = 1,
        phase: float = 0.0,
        voices: VoicesNode | None = None,
        name: str | None = None,
    ) -> Node:
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
        return _played_by(self.add_node("wavetable", params=params, options=options, name=name), voices)

    def transpose(
        self, input: Signal | None = None, semitones: ParamValue = 0.0, *, name: str | None = None
    ) -> Node:
        """A frequency moved by an interval: ``input * 2 ** (semitones / 12)``, ``input`` in
        Hz. Modulate ``semitones`` for vibrato or sweeps (cents are hundredths, octaves 12)."""
        inputs = {} if input is None else {"in": input}
        return self.add_node("transpose", inputs=inputs, params={"semitones": semitones}, name=name)

    def subtractive(
        self,
        voices: int | VoicesNode = 8,
        *,
        osc1: str = "saw",
        osc2: str = "saw",
        detune: float = 0.1,
        mix: float = 0.5,
        cutoff: float = 2000.0,
        resonance: float = 1.0,
        filter_mode: str = "lowpass",
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
        lfo_shape: str = "sine",
        lfo_pitch: float = 0.0,
        lfo_filter: float = 0.0,
        glide: float = 0.0,
        mode: str = "poly",
        steal: str = "oldest",
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
        shapes = {"saw", "square", "triangle", "sine", "pulse"}
        if osc1 not in shapes or osc2 not in shapes:
            raise _core.GraphError(
                f"oscillator shapes must be among {sorted(shapes)}, got {osc1!r}, {osc2!r}"
            )
        if lfo_shape not in shapes - {"pulse"}:
            raise _core.GraphError(f"lfo_shape must be sine, triangle, saw or square, got {lfo_shape!r}")
        v = (
            voices
            if isinstance(voices, VoicesNode)
            else self.voices(voices, mode=mode, steal=steal, glide=glide)
        )
        lfo = self.add_node(lfo_shape, params={"freq": lfo_rate})
        vibrato = self.add_node("muladd", inputs={"in": lfo}, params={"mul": lfo_pitch})
        pitch = self.transpose(v.freq, semitones=vibrato)
        second = self.transpose(pitch, semitones=detune)
        o1 = self.add_node(osc1, params={"freq": pitch})
        o2 = self.add_node(osc2, params={"freq": second})
        mixed = self.add_node(
            "mixer", inputs={"in1": o1, "in2": o2}, params={"gain1": 1.0 - mix, "gain2": mix}
        )
        env = {"gate": v.gate, "trigger": v.trigger}
        fenv = self.add_node(
            "adsr",
            params={
                **env,
                "attack": filter_attack,
                "decay": filter_decay,
                "sustain": filter_sustain,
                "release": filter_release,
            },
        )
        # The cutoff moves by octaves: envelope and LFO mixed in octaves, 12 semitones each.
        sweep = self.add_node(
            "mixer",
            inputs={"in1": fenv, "in2": lfo},
            params={"gain1": filter_env, "gain2": lfo_filter, "gain": 12.0},
        )
        base = self.add_node("const", params={"value": cutoff})
        cutoff_signal = self.transpose(base, semitones=sweep)
        filt = self.add_node(
            "svf",
            inputs={"in": mixed},
            params={"cutoff": cutoff_signal, "q": resonance},
            options={"mode": filter_mode},
        )
        aenv = self.add_node(
            "adsr",
            params={**env, "attack": attack, "decay": decay, "sustain": sustain, "release": release},
        )
        level = self.add_node("mul", inputs={"a": aenv, "b": v.velocity})
        voiced = self.add_node("mul", inputs={"a": filt, "b": level})
        output = self.add_node("muladd", inputs={"in": voiced.sum()}, params={"mul": volume})
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
        voices: VoicesNode | None = None,
        freq: ParamValue | None = None,
        note: ParamValue | None = None,
        velocity: ParamValue | None = None,
        gate: ParamValue | None = None,
        trigger: ParamValue | None = None,
        attack: ParamValue = 0.0,
        release: ParamValue = 0.05,
        dynamics: ParamValue = 1.0,
        name: str | None = None,
    ) -> Node:
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

        The output has one channel per voice for mono recordings and a left/right pair
        per voice for stereo ones: ``.sum(channels=2)`` mixes stereo voices to a pair.
        Reading is band-limited (windowed sinc, exact at the root pitch, alias-free when
        pitching up) and a note taking over a sounding voice fades the old one out in 5 ms.
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
        options = {"data": data, "zones": table}
        return _played_by(self.add_node("sampler", params=params, options=options, name=name), voices)


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

    @classmethod
    def load(cls, path: str | os.PathLike[str], **settings: object) -> Zone:
        """A zone from an audio file (its frames and sample rate); ``settings`` are the
        other fields. Errors name the file."""
        from .render import read_audio

        data, rate = read_audio(path)
        return cls(data, rate, **settings)  # type: ignore[arg-type]

    def frames(self) -> np.ndarray:
        """The recording as (frames, channels) float32."""
        data = np.asarray(self.data, dtype=np.float32)
        if data.ndim == 1:
            data = data[np.newaxis, :]
        if data.ndim != 2 or data.shape[0] not in (1, 2) or data.shape[1] == 0:
            raise _core.GraphError(f"a zone needs a mono or stereo recording, got shape {data.shape}")
        return data.T

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

    voices: VoicesNode
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


def _wavetable_rows(table: np.ndarray | str | os.PathLike[str], frame_size: int | None) -> np.ndarray:
    """A wavetable as (frames, samples): files are mixed to mono, 1-D data cut into frames."""
    if isinstance(table, (str, os.PathLike)):
        from .render import read_audio

        source = os.fspath(table)
        data = read_audio(table)[0].mean(axis=0)
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


def _played_by(node: Node, voices: VoicesNode | None) -> Node:
    """``node``, remembering the voice allocator that plays it (notes sent to the node go
    there)."""
    if voices is not None:
        object.__setattr__(node, "_voices", voices)
    return node


def _voice_params(voices: VoicesNode | None, **given: ParamValue | None) -> dict[str, ParamValue]:
    """Parameters an instrument takes from a voice allocator, unless given explicitly."""
    if voices is not None and not isinstance(voices, VoicesNode):
        raise TypeError(f"voices= needs a voice allocator (g.voices(...)), got {type(voices).__name__}")
    params: dict[str, ParamValue] = {}
    for port, value in given.items():
        if value is not None:
            params[port] = value
        elif voices is not None:
            params[port] = voices.out(port)
    return params
